/* test_traffic_restart.c - checkpoint and resume of the traffic model through
 * its ct_model_class, the way `citytwin run --resume` uses it: a 4 x 4 street
 * grid with OD flows, signals, a timed closure, a timed turn ban for cars
 * and a flood that rises (first closing a street for motorbikes only, then
 * for all) and recedes. Run A goes from 0 to 30 min and saves its state
 * after the 10 min snapshot; run B is a fresh init that restores that state
 * and goes on. Every published
 * traffic field, every row of the links table and the summary text must be
 * the same bytes. A state saved for another network, and a damaged queue
 * block, must be refused with CT_EFORMAT. The engine alone is tested the
 * same way with single trips (the scenario's OD tables give flows), whose
 * list is sorted by departure at the first step. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "citytwin/snapshot.h"
#include "citytwin/traffic.h"
#include "ct_test.h"
#include "traffic/traffic_internal.h"

enum { T_END = 1800, T_SAVE = 600, COUPLING = 60, SNAP = 300 };

static const char *const FIELDS[4] = {"traffic.density", "traffic.speed_ratio",
                                      "traffic.emission.nox",
                                      "traffic.emission.pm25"};
static const char *const COLS[7] = {"nox", "pm25", "flow", "density",
                                    "speed", "queue", "travel_time"};

static char dir[4096];

static void put(const char *name, const char *text) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* n x n streets 300 m apart (UTM 48N): west-east "Street k" (residential,
 * Street 1 primary), south-north "Avenue k" (secondary, so the crossings
 * get signals). */
static void write_roads(const char *name, int n) {
  char buf[8192];
  size_t k = 0;
  k += (size_t)snprintf(buf + k, sizeof buf - k,
                        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":"
                        "\"name\",\"properties\":{\"name\":"
                        "\"urn:ogc:def:crs:EPSG::32648\"}},\"features\":[");
  for (int s = 0; s < 2 * n; s++) {
    int h = s < n, q = s % n;
    k += (size_t)snprintf(buf + k, sizeof buf - k,
                          "%s{\"type\":\"Feature\",\"properties\":{\"id\":"
                          "\"%c%d\",\"name\":\"%s %d\",\"kind\":\"%s\","
                          "\"nlanes\":2},\"geometry\":{\"type\":\"LineString\","
                          "\"coordinates\":[",
                          s ? "," : "", h ? 'h' : 'v', q,
                          h ? "Street" : "Avenue", q,
                          h ? (q == 1 ? "primary" : "residential")
                            : "secondary");
    for (int i = 0; i < n; i++)
      k += (size_t)snprintf(buf + k, sizeof buf - k, "%s[%d,%d]", i ? "," : "",
                            680000 + (h ? i : q) * 300,
                            1190000 + (h ? q : i) * 300);
    k += (size_t)snprintf(buf + k, sizeof buf - k, "]}}");
  }
  snprintf(buf + k, sizeof buf - k, "]}");
  put(name, buf);
}

/* The CTM step (7 s) does not divide the coupling interval (60 s): part of
 * a step is pending at the checkpoint. Routes refresh every 7 min and when
 * a road opens or closes; Street 2 is closed from 5 to 15 min; cars may not
 * go straight north at (300, 300) m from 8 to 20 min (motorbikes may: their
 * own route tables, over links, at the checkpoint). */
static const char *HEAD =
    "[scenario]\nname = restart\nstart = 2026-09-15T07:00:00+07:00\n"
    "duration = 30min\n"
    "[domain]\ncrs = EPSG:32648\nbounds = 679900 1189900 681000 1191000\n"
    "cell = 50\n"
    "[layers]\nroads = ";
static const char *TAIL =
    "\n[traffic]\nroads = roads\ncolumn.class = kind\ncolumn.lanes = nlanes\n"
    "column.name = name\ncolumn.id = id\ndemand = od.csv\nreroute = 420\n"
    "close.x = Street 2 00:05 00:15\nclosure_depth.motorbike = 0.10\ndt = 7\n"
    "signal.a = 680300 1190600 60 25 25 10\n"
    "ban.b = 680300 1190300 S N car 00:08 00:20\n";

typedef struct world {
  ct_scenario sc;
  ct_grid g;
  ct_layers ls;
  ct_env env;
  ct_field *depth; /* stands in for the flood model's output */
  void *self;
} world;

static int open_world(world *w, const char *roads, ct_error *err) {
  static const char *const known[] = {"traffic", NULL};
  memset(w, 0, sizeof *w);
  char text[4096], path[4200];
  snprintf(text, sizeof text, "%s%s%s", HEAD, roads, TAIL);
  snprintf(path, sizeof path, "%s/restart.ini", dir);
  int rc = ct_scenario_parse(&w->sc, text, path, known, err);
  if (!rc) rc = ct_grid_init(&w->g, "EPSG:32648", 679900, 1189900, 681000,
                             1191000, 50, err);
  if (!rc) rc = ct_layers_load(&w->ls, &w->sc, &w->g, NULL, NULL, err);
  if (rc) return rc;
  w->env.sc = &w->sc;
  w->env.grid = &w->g;
  w->env.fields = ct_fields_new(&w->g);
  w->env.layers = &w->ls;
  w->env.start_unix = w->sc.start_unix;
  w->env.duration = T_END;
  w->env.coupling = COUPLING;
  if (!w->env.fields) return CT_ENOMEM;
  w->depth = ct_fields_add(w->env.fields, "flood.depth", "m", "water depth",
                           CT_FIELD_INTERNAL, err);
  if (!w->depth) return err->code;
  return ct_traffic_model.init(&w->self, &w->env, err);
}

static void close_world(world *w) {
  if (w->self) ct_traffic_model.destroy(w->self);
  ct_fields_free(w->env.fields);
  ct_layers_free(&w->ls);
  ct_grid_free(&w->g);
  ct_scenario_free(&w->sc);
}

/* Water on Street 1 between Avenues 1 and 2 (clear of the crossings): it
 * closes the street for motorbikes (0.10 m) at the 2 min exchange and for
 * everybody (0.30 m) at 4 min, falls to 0.15 m at 6 min (open again for
 * cars, which keep this fastest way at half speed, while motorbikes go
 * round: two route tables) and is gone at 20 min. So at the checkpoint
 * (10 min) the route tables are 4 min old and a refresh would change the
 * run, and the closed and flooded lengths peaked before it. Avenue 0
 * between Streets 2 and 3 stays under 0.5 m from 2 min to the end. */
static void set_depth(world *w, int t) {
  double d = t < 360 ? 0.32 * (t < 240 ? t / 240.0 : 1.0)
             : t < 1200 ? 0.15 : 0.0;
  double d2 = t >= 120 ? 0.5 : 0.0;
  for (int j = 0; j < w->g.ny; j++)
    for (int i = 0; i < w->g.nx; i++) {
      double x = ct_grid_x(&w->g, i), y = ct_grid_y(&w->g, j), v = 0;
      if (fabs(x - 680450) <= 100 && fabs(y - 1190300) < 50) v = d;
      if (fabs(x - 680000) < 50 && fabs(y - 1190750) <= 100) v = d2;
      w->depth->data[(size_t)j * w->g.nx + i] = (float)v;
    }
}

/* Outputs of a run after the checkpoint: the published fields at each
 * snapshot and after the final exchange, and the summary. */
typedef struct record {
  float *f;
  size_t n, cap;
  double t_updated[32];
  int nt;
  char *summary;
} record;

static void keep_fields(world *w, record *r) {
  size_t ng = ct_grid_ncells(&w->g);
  if (r->n + 4 * ng > r->cap) {
    r->cap = 2 * (r->n + 4 * ng);
    float *a = realloc(r->f, r->cap * sizeof *a);
    CHECK(a != NULL);
    if (!a) return;
    r->f = a;
  }
  for (int k = 0; k < 4; k++) {
    const ct_field *f = ct_fields_find(w->env.fields, FIELDS[k]);
    CHECK(f != NULL);
    if (!f) return;
    memcpy(r->f + r->n, f->data, ng * sizeof *r->f);
    r->n += ng;
    if (r->nt < 32) r->t_updated[r->nt++] = f->t_updated;
  }
}

static char *summary_text(world *w, ct_error *err) {
  ct_json j;
  ct_json_init(&j);
  ct_json_object(&j, NULL);
  CHECK_OK(ct_traffic_model.summary(w->self, &j, err), err);
  ct_json_end(&j);
  char *s = j.buf ? strdup(j.buf) : NULL;
  ct_json_free(&j);
  return s;
}

/* The run loop of engine/run/run.c from t (exchange first; a snapshot at t
 * only when snap_first): exchange and steps per coupling interval, write +
 * append at each snapshot time, and the state saved into save (when given)
 * right after the snapshot at T_SAVE. */
static int drive(world *w, ct_snapshot *snap, int t, int snap_first,
                 ct_state *save, record *rec, char **sum_at_save,
                 ct_error *err) {
  const ct_model_class *M = &ct_traffic_model;
  ct_field *list[4];
  for (int k = 0; k < 4; k++) list[k] = ct_fields_find(w->env.fields, FIELDS[k]);
  int rc = 0;
  for (int first = 1; !rc; first = 0) {
    if (t % SNAP == 0 && (snap_first || !first)) {
      rc = M->write(w->self, t, snap, err);
      if (!rc) rc = ct_snapshot_append(snap, t, list, 4, err);
      if (!rc && t > T_SAVE) keep_fields(w, rec);
      if (!rc && save && t == T_SAVE) {
        rc = M->state(w->self, save, err);
        *sum_at_save = summary_text(w, err);
      }
    }
    if (rc || t >= T_END) break;
    int t1 = t + COUPLING;
    set_depth(w, t);
    rc = M->exchange(w->self, w->env.fields, t, err);
    for (double tm = t; tm < t1 && !rc;) {
      double dt = M->max_dt(w->self);
      if (dt > t1 - tm) dt = t1 - tm;
      rc = M->step(w->self, tm, dt, err);
      tm += dt;
    }
    t = t1;
  }
  if (!rc) { /* the run loop's last exchange */
    set_depth(w, t);
    rc = M->exchange(w->self, w->env.fields, t, err);
    keep_fields(w, rec);
    rec->summary = summary_text(w, err);
  }
  return rc;
}

static ct_snapshot *new_snap(world *w, const char *name, ct_error *err) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  ct_snapshot_meta meta = {.title = "restart", .scenario_text = "",
                           .scenario_path = "restart.ini",
                           .start_unix = w->sc.start_unix,
                           .duration = T_END};
  ct_snapshot *s = NULL;
  CHECK_OK(ct_snapshot_create(&s, path, &w->g, &meta, err), err);
  return s;
}

/* A links table column: nt x n floats (malloc'd), or NULL. */
static float *read_col(const char *name, const char *col, int *nt, int *n) {
  char path[4200], ds[64];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  snprintf(ds, sizeof ds, "links/%s", col);
  float *v = NULL;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = f >= 0 ? H5Dopen2(f, ds, H5P_DEFAULT) : -1;
  hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
  hsize_t dims[2] = {0, 0};
  if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 2 &&
      H5Sget_simple_extent_dims(sp, dims, NULL) == 2) {
    v = malloc((size_t)(dims[0] * dims[1]) * sizeof *v + 1);
    if (v && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
      free(v);
      v = NULL;
    }
  }
  if (sp >= 0) H5Sclose(sp);
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  *nt = (int)dims[0];
  *n = (int)dims[1];
  return v;
}

static double json_num(const char *s, const char *key) {
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *p = s ? strstr(s, pat) : NULL;
  if (!p) return NAN;
  p += strlen(pat);
  while (*p == ' ' || *p == ':') p++;
  return strtod(p, NULL);
}

static const void *block(const ct_state *st, const char *name, size_t *bytes) {
  for (int k = 0; k < ct_state_count(st); k++) {
    const char *nm;
    const void *d;
    ct_state_item(st, k, &nm, &d, bytes);
    if (!strcmp(nm, name)) return d;
  }
  *bytes = 0;
  return NULL;
}

/* 3 x 3 junctions 200 m apart, two-way 40 km/h streets, signals at the
 * crossings, and 300 single trips listed out of departure order (many at
 * the same second) between the corners. threads > 0: the step runs in
 * parallel with that many. mirror: the trips start at the opposite corners
 * (the same sizes, other destination indices). */
static ct_traffic *small_net(int threads, int mirror, ct_error *err) {
  ct_traffic_params p;
  ct_traffic_params_default(&p);
  p.dt = 1.0;
  p.signals = CT_SIGNALS_ALL;
  p.reroute = 45;
  p.threads = threads;
  ct_traffic *t = ct_traffic_new(&p);
  if (!t) return NULL;
  int rc = 0;
  for (int k = 0; k < 9 && rc >= 0; k++)
    rc = ct_traffic_add_node(t, 200.0 * (k % 3), 200.0 * (k / 3), err);
  for (int k = 0; k < 9 && rc >= 0; k++)
    for (int w = 0; w < 4 && rc >= 0; w++) {
      int to = w < 2 ? k + 1 : k + 3; /* east or north neighbour */
      if ((w < 2 && k % 3 == 2) || (w >= 2 && k >= 6)) continue;
      rc = w % 2 ? ct_traffic_add_link(t, to, k, 0, 1, 40, "", "", 0, NULL, err)
                 : ct_traffic_add_link(t, k, to, 0, 1, 40, "", "", 0, NULL, err);
    }
  if (rc >= 0) rc = ct_traffic_finalize(t, err);
  const int corner[4] = {mirror ? 8 : 0, mirror ? 6 : 2, mirror ? 2 : 6,
                         mirror ? 0 : 8};
  for (int k = 0; k < 300 && rc >= 0; k++)
    rc = ct_traffic_add_trip(t, corner[k % 4],
                             corner[(k % 4 + 1 + (k / 4) % 3) % 4],
                             (double)((k * 37) % 240 / 3), k % CT_VEH_NCLASS,
                             1.0, err);
  if (rc < 0) {
    ct_traffic_free(t);
    return NULL;
  }
  return t;
}

/* Runs n steps, then keeps the totals and every link's state. */
static void run_small(ct_traffic *t, int n, unsigned char *out, size_t *len,
                      ct_error *err) {
  for (int k = 0; k < n; k++) CHECK_OK(ct_traffic_step(t, err), err);
  ct_traffic_totals tt;
  ct_traffic_get_totals(t, &tt);
  memcpy(out, &tt, sizeof tt);
  *len = sizeof tt;
  for (int l = 0; l < ct_traffic_nlinks(t); l++) {
    ct_link_state s;
    ct_traffic_link_state(t, l, &s);
    double v[8] = {s.density, s.speed, s.flow, s.queue, s.travel_time,
                   s.vehicles, s.cum_in, s.cum_out};
    memcpy(out + *len, v, sizeof v);
    *len += sizeof v;
  }
}

static void engine_trips(void) {
  ct_error err = {0};
  /* and the thread count may change at the restart */
  ct_traffic *a = small_net(2, 0, &err), *b = small_net(1, 0, &err);
  CHECK(a && b);
  ct_state *st = ct_state_new();
  if (!a || !b || !st) {
    ct_traffic_free(a);
    ct_traffic_free(b);
    ct_state_free(st);
    return;
  }
  static unsigned char ra[8192], rb[8192];
  size_t na = 0, nb = 0;
  run_small(a, 40, ra, &na, &err);
  CHECK_OK(ct__traffic_state(a, st, &err), &err);
  ct_traffic_totals t0;
  ct_traffic_get_totals(a, &t0);
  run_small(a, 400, ra, &na, &err);
  ct_state_set_restoring(st, 1);
  CHECK_OK(ct__traffic_state(b, st, &err), &err);
  run_small(b, 400, rb, &nb, &err);
  ct_traffic_totals t1;
  ct_traffic_get_totals(a, &t1);
  printf("engine: %.0f trips entered before the checkpoint, %.0f after; "
         "%.0f completed before, %.0f after\n",
         t0.entered, t1.entered - t0.entered, t0.completed,
         t1.completed - t0.completed);
  /* some trips left before the checkpoint, most after, and the list is
   * only partly consumed at the checkpoint */
  CHECK(t0.entered > 10 && t1.entered - t0.entered > 100);
  CHECK(t1.completed - t0.completed > 100);
  CHECK(na == nb && na > sizeof(ct_traffic_totals) && !memcmp(ra, rb, na));
  /* a network of the same size whose destinations are numbered otherwise */
  ct_traffic *c = small_net(1, 1, &err);
  CHECK(c != NULL);
  if (c) {
    ct_error_clear(&err);
    int rc = ct__traffic_state(c, st, &err);
    printf("same size, other network: %d: %s\n", rc, err.msg);
    CHECK(rc == CT_EFORMAT && strstr(err.msg, "same size") != NULL);
  }
  ct_traffic_free(c);
  ct_traffic_free(a);
  ct_traffic_free(b);
  ct_state_free(st);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/traffic_restart", CT_BINARY_DIR);
  mkdir(dir, 0777);
  write_roads("roads.geojson", 4);
  write_roads("roads3.geojson", 3);
  put("od.csv",
      "origin,destination,start,end,trips\n"
      "680000 1190000,680900 1190900,00:00,00:30,400\n"
      "680900 1190000,680000 1190900,00:00,00:25,300\n"
      "680000 1190900,680900 1190000,00:05,00:28,150\n"
      "680000 1190300,680900 1190300,00:00,00:25,300\n"
      /* more than the corner's two roads take: a queue at the origin */
      "680900 1190900,680000 1190000,00:00,00:10,2500\n");
  ct_error err = {0};
  ct_state *st = ct_state_new();
  CHECK(st != NULL);
  if (!st) return TEST_RESULT();
  ct_state_prefix(st, "traffic");

  /* run A: 0 -> 30 min, state saved after the 10 min snapshot */
  world a;
  record ra = {0}, rb = {0};
  char *sum_save = NULL;
  CHECK_OK(open_world(&a, "roads.geojson", &err), &err);
  ct_snapshot *sa = new_snap(&a, "a.nc", &err);
  if (a.self && sa)
    CHECK_OK(drive(&a, sa, 0, 1, st, &ra, &sum_save, &err), &err);
  CHECK_OK(ct_snapshot_close(sa, 1, &err), &err);
  close_world(&a);

  /* the checkpoint caught the run in motion: vehicles queued, motorbikes
   * on their own route tables (the flood closes Street 1 for them), the
   * Street 2 closure window open */
  size_t nb = 0;
  const unsigned char *act = block(st, "traffic/closures.active", &nb);
  CHECK(act && nb == 1 && act[0] == 1);
  CHECK(block(st, "traffic/routes.motorbike", &nb) && nb > 0);
  CHECK(block(st, "traffic/rings.packets", &nb) && nb > 0);
  double in_net = json_num(sum_save, "trips_in_network");
  double waiting = json_num(sum_save, "trips_waiting_to_enter");
  double entered_save = json_num(sum_save, "trips_entered");
  printf("at the checkpoint: %.2f entered, %.2f in the network, %.2f of "
         "them waiting at their origin\n",
         entered_save, in_net, waiting);
  CHECK(in_net > 100);
  CHECK(waiting > 10);

  /* run B: a fresh init, the state restored, on from 10 min */
  world b;
  CHECK_OK(open_world(&b, "roads.geojson", &err), &err);
  ct_state_set_restoring(st, 1);
  if (b.self) CHECK_OK(ct_traffic_model.state(b.self, st, &err), &err);
  ct_snapshot *sb = new_snap(&b, "b.nc", &err);
  if (b.self && sb)
    CHECK_OK(drive(&b, sb, T_SAVE, 0, NULL, &rb, NULL, &err), &err);
  CHECK_OK(ct_snapshot_close(sb, 1, &err), &err);
  close_world(&b);

  /* the same bytes (no tolerance: a resumed run is the same run): fields
   * at 15, 20, 25, 30 min and after the last exchange, the links table's
   * rows from 15 min on, the summary */
  CHECK(ra.n > 0 && ra.n == rb.n && ra.nt == rb.nt);
  CHECK(ra.n == rb.n && ra.f && rb.f &&
        memcmp(ra.f, rb.f, ra.n * sizeof *ra.f) == 0);
  CHECK(memcmp(ra.t_updated, rb.t_updated, sizeof ra.t_updated) == 0);
  CHECK(ra.summary && rb.summary && strcmp(ra.summary, rb.summary) == 0);
  if (ra.summary && rb.summary && strcmp(ra.summary, rb.summary))
    printf("A: %s\nB: %s\n", ra.summary, rb.summary);
  int later = (T_END - T_SAVE) / SNAP;
  for (int c = 0; c < 7; c++) {
    int nta = 0, na = 0, ntb = 0, nbl = 0;
    float *va = read_col("a.nc", COLS[c], &nta, &na);
    float *vb = read_col("b.nc", COLS[c], &ntb, &nbl);
    CHECK(va && vb && nta == T_END / SNAP + 1 && ntb == later && na == nbl &&
          na > 0);
    if (va && vb && nta == T_END / SNAP + 1 && ntb == later && na == nbl) {
      int same = !memcmp(va + (size_t)(nta - later) * na, vb,
                         (size_t)later * na * sizeof *va);
      if (!same) printf("links/%s differs after the restart\n", COLS[c]);
      CHECK(same);
    }
    free(va);
    free(vb);
  }
  /* and the part after the checkpoint did something: demand entered,
   * trips ended, the flood closed roads */
  double entered_end = json_num(ra.summary, "trips_entered");
  printf("at the end: %.2f entered, %.2f completed, %.2f flooded km\n",
         entered_end, json_num(ra.summary, "trips_completed"),
         json_num(ra.summary, "flooded_road_km"));
  CHECK(entered_end > entered_save + 100);
  CHECK(json_num(ra.summary, "trips_completed") >
        json_num(sum_save, "trips_completed"));
  CHECK(json_num(ra.summary, "flooded_road_km") > 0);
  CHECK(json_num(ra.summary, "vehicle_balance") == 0);

  /* another network (3 x 3 streets): refused, named, nothing crashes */
  world c;
  CHECK_OK(open_world(&c, "roads3.geojson", &err), &err);
  if (c.self) {
    ct_error_clear(&err);
    int rc = ct_traffic_model.state(c.self, st, &err);
    printf("other network: %d: %s\n", rc, err.msg);
    CHECK(rc == CT_EFORMAT);
    CHECK(strstr(err.msg, "another scenario") != NULL);
  }
  close_world(&c);

  /* a queue block cut short by one packet: refused before any queue is
   * rebuilt */
  ct_state *cut = ct_state_new();
  CHECK(cut != NULL);
  for (int k = 0; cut && k < ct_state_count(st); k++) {
    const char *nm;
    const void *d;
    size_t n;
    ct_state_item(st, k, &nm, &d, &n);
    if (!strcmp(nm, "traffic/rings.packets")) n -= 16;
    CHECK_OK(ct_state_put(cut, nm, d, n, &err), &err);
  }
  world d;
  CHECK_OK(open_world(&d, "roads.geojson", &err), &err);
  if (d.self && cut) {
    ct_state_prefix(cut, "traffic");
    ct_state_set_restoring(cut, 1);
    ct_error_clear(&err);
    int rc = ct_traffic_model.state(d.self, cut, &err);
    printf("damaged queues: %d: %s\n", rc, err.msg);
    CHECK(rc == CT_EFORMAT);
    CHECK(strstr(err.msg, "queues are damaged") != NULL);
  }
  close_world(&d);
  ct_state_free(cut);

  free(ra.f);
  free(rb.f);
  free(ra.summary);
  free(rb.summary);
  free(sum_save);
  ct_state_free(st);
  engine_trips();
  return TEST_RESULT();
}
