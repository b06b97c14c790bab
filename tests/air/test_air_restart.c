/* test_air_restart.c - the air model's checkpoint (state function) through
 * the model class, the way `citytwin run --resume` uses it: run A goes N
 * coupling intervals, saves its state after a snapshot's write, and goes M
 * more; run B initialises the same scenario afresh, restores that state and
 * goes the same M. Every published air.* field and the summary must be
 * bit-identical, and must have changed during the M intervals (else the
 * test proves nothing). The scenario has everything that evolves: stacks
 * with their kernels, traffic through the road kernels (changing every
 * interval), a met series, a forecast wind stack in another CRS, a coarser
 * air grid, hours above a threshold, and an hour completing after the save.
 * Then restoring into another scenario's model is a clear error. */
#include <string.h>
#include <sys/stat.h>
#include "air/air_model.h"
#include "air_test_util.h"
#include "citytwin/field.h"
#include "citytwin/layers.h"
#include "citytwin/scenario.h"
#include "ct_test.h"

static char dir[1024];

#define COUPLE 60.0
#define SNAP 600.0

/* the frame being written; wind turning and strengthening by the hour */
static int g_frame;
static float wind_u(int b, int i, int j) {
  return (float)(2.0 + g_frame + b + 0.02 * i - 0.01 * j);
}
static float wind_v(int b, int i, int j) {
  return (float)(1.0 - 0.8 * (g_frame + b) + 0.01 * (i + j));
}

typedef struct run {
  air_run a;
  ct_field *traffic[2];
} run;

static int open_run(run *r, int levels, const char *extra, ct_error *err) {
  char text[4096], path[1200];
  snprintf(text, sizeof text,
           "[scenario]\nname = restart\nstart = 2026-09-15T14:00:00+07:00\n"
           "duration = 80min\n[domain]\ncrs = EPSG:32648\n"
           "bounds = 684000 1188000 688000 1191000\ncell = 100\n"
           "[layers]\nstacks = stacks.geojson\n[layer stacks]\n"
           "crs = EPSG:32648\n"
           "[air]\nspecies = pm25 nox\nmet = met.csv\nstacks = stacks\n"
           "levels = %d\ntop = 800\ncoarsen = 2\nthreshold.nox = 20\n"
           "wind.u = stack:u_*.tif\nwind.v = stack:v_*.tif\n%s",
           levels, extra);
  snprintf(path, sizeof path, "%s/restart.ini", dir);
  memset(r, 0, sizeof *r);
  int rc = air_run_open(&r->a, text, path, COUPLE, err);
  if (rc) return rc;
  /* the traffic model's emission fields (it initialises before air) */
  r->traffic[0] = ct_fields_add(r->a.env.fields, "traffic.emission.pm25",
                                "g s-1", "pm25", 0, err);
  r->traffic[1] = ct_fields_add(r->a.env.fields, "traffic.emission.nox",
                                "g s-1", "nox", 0, err);
  return air_run_init(&r->a, err);
}

static void close_run(run *r) { air_run_close(&r->a); }

/* Traffic at time t, as the traffic model would publish it: a road along
 * row 12 and one along column 25, varying with t. */
static void set_traffic(run *r, double t) {
  for (int s = 0; s < 2; s++) {
    float *d = r->traffic[s]->data;
    memset(d, 0, 40 * 30 * sizeof(float));
    for (int i = 0; i < 40; i++)
      d[12 * 40 + i] = (float)((s ? 0.02 : 0.004) * (1.0 + 0.5 * sin(t / 700.0 + i)));
    for (int j = 0; j < 30; j++)
      d[j * 40 + 25] = (float)((s ? 0.01 : 0.002) * (1.0 + (int)(t / 900.0)));
  }
}

/* The run loop from t0 to t1: a snapshot's write every SNAP (with the state
 * saved into st after the one at t_save), the exchange every COUPLE, steps
 * between; at the end the final write and exchange. */
static int drive(run *r, double t0, double t1, double t_save, ct_state *st,
                 ct_error *err) {
  int rc = CT_OK;
  double t = t0;
  for (;;) {
    if (fmod(t, SNAP) < 1e-9 && t != t0) {
      rc = ct_air_model.write(r->a.self, t, NULL, err);
      if (!rc && st && fabs(t - t_save) < 1e-9)
        rc = ct_air_model.state(r->a.self, st, err);
      if (rc) return rc;
    }
    if (t >= t1 - 1e-9) break;
    set_traffic(r, t);
    if ((rc = ct_air_model.exchange(r->a.self, r->a.env.fields, t, err)))
      return rc;
    double te = t + COUPLE, tm = t;
    while (tm < te - 1e-9 && !rc) {
      double dt = fmin(ct_air_model.max_dt(r->a.self), te - tm);
      rc = ct_air_model.step(r->a.self, tm, dt, err);
      tm += dt;
    }
    t = te;
  }
  if (t < r->a.env.duration - 1e-9) return CT_OK;
  /* the run's end: the last exchange */
  set_traffic(r, t);
  return ct_air_model.exchange(r->a.self, r->a.env.fields, t, err);
}

static char *summary(run *r) {
  ct_json j;
  ct_json_init(&j);
  ct_json_object(&j, NULL);
  ct_error err = {0};
  CHECK_OK(ct_air_model.summary(r->a.self, &j, &err), &err);
  ct_json_end(&j);
  return j.buf;
}

/* Copies of every air.* field's data, in registry order. */
static float *fields_copy(run *r, int *nf) {
  int n = 0;
  for (int k = 0; k < ct_fields_count(r->a.env.fields); k++)
    n += strncmp(ct_fields_at(r->a.env.fields, k)->name, "air.", 4) == 0;
  size_t cells = 40 * 30;
  float *out = malloc((size_t)n * cells * sizeof(float));
  int q = 0;
  for (int k = 0; k < ct_fields_count(r->a.env.fields) && out; k++) {
    const ct_field *f = ct_fields_at(r->a.env.fields, k);
    if (strncmp(f->name, "air.", 4)) continue;
    memcpy(out + (size_t)q++ * cells, f->data, cells * sizeof(float));
  }
  *nf = n;
  return out;
}

/* Stacks: a tall one and a low one. */
static const char *stacks_json =
    "{\"type\":\"FeatureCollection\",\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"height\":40,"
    "\"pm25_gps\":2.0,\"nox_gps\":10.0},\"geometry\":{\"type\":"
    "\"Point\",\"coordinates\":[685000,1190000]}},"
    "{\"type\":\"Feature\",\"properties\":{\"height\":12,"
    "\"pm25_gps\":0.5,\"nox_gps\":1.0},\"geometry\":{\"type\":"
    "\"Point\",\"coordinates\":[686500,1189500]}}]}";

int main(void) {
  snprintf(dir, sizeof dir, "%s/air_restart", CT_BINARY_DIR);
  mkdir(dir, 0777);
  /* forecast wind: three hourly frames, one file each, in WGS 84 lon/lat
   * (0.01 degree cells) around the domain, which is in UTM 48N; the stamps
   * in two spellings */
  const char *stamp[3] = {"20260915T1400+0700", "2026-09-15T15:00:00+07:00",
                          "20260915T0900Z"};
  for (g_frame = 0; g_frame < 3; g_frame++) {
    char p[1200];
    snprintf(p, sizeof p, "%s/u_%s.tif", dir, stamp[g_frame]);
    CHECK(air_put_tif(p, 4326, 60, 60, 106.4, 11.1, 0.01, 1, wind_u) == 0);
    snprintf(p, sizeof p, "%s/v_%s.tif", dir, stamp[g_frame]);
    CHECK(air_put_tif(p, 4326, 60, 60, 106.4, 11.1, 0.01, 1, wind_v) == 0);
  }
  air_put_text(dir, "met.csv",
               "time,wind_speed,wind_dir,stability,mixing_height\n"
               "0,3,250,C,900\n1800,4,260,D,800\n3600,4,270,E,500\n"
               "5400,3,280,D,600\n");
  air_put_text(dir, "stacks.geojson", stacks_json);

  const double t_save = 3000.0, t_end = 4800.0; /* 50 min, 80 min */
  ct_error err = {0};
  run A, B;
  int rc = open_run(&A, 10, "", &err);
  CHECK_OK(rc, &err);
  if (rc) return TEST_RESULT();
  ct_state *st = ct_state_new();
  ct_state_prefix(st, "air");
  CHECK_OK(drive(&A, 0.0, t_save, t_save, st, &err), &err);
  CHECK(ct_state_count(st) > 0);
  double held = ct__air_line_mass(((ct__air_model *)A.a.self)->a, 0);
  int nf = 0, nf2 = 0;
  float *at_save = fields_copy(&A, &nf);
  char *sum_save = summary(&A);
  CHECK_OK(drive(&A, t_save, t_end, -1, NULL, &err), &err);
  float *end_a = fields_copy(&A, &nf);
  char *sum_a = summary(&A);

  /* run B: a fresh model of the same scenario, restored, the same M */
  rc = open_run(&B, 10, "", &err);
  CHECK_OK(rc, &err);
  ct_state_set_restoring(st, 1);
  if (!rc) rc = ct_air_model.state(B.a.self, st, &err);
  CHECK_OK(rc, &err);
  if (!rc) CHECK_OK(drive(&B, t_save, t_end, -1, NULL, &err), &err);
  float *end_b = fields_copy(&B, &nf2);
  char *sum_b = summary(&B);
  size_t bytes = (size_t)nf * 40 * 30 * sizeof(float);
  printf("%d air fields; summary at the save:\n%s\nat the end:\n%s\n", nf,
         sum_save, sum_a);
  CHECK(nf == 8 && nf2 == nf); /* now, hourly, max, hours above per species */
  /* bit for bit */
  CHECK(end_a && end_b && memcmp(end_a, end_b, bytes) == 0);
  CHECK(sum_a && sum_b && strcmp(sum_a, sum_b) == 0);
  for (int k = 0; k < nf && end_a && end_b; k++)
    if (memcmp(end_a + (size_t)k * 1200, end_b + (size_t)k * 1200, 4800))
      printf("field %d differs\n", k);
  if (sum_b && strcmp(sum_a, sum_b)) printf("B:\n%s\n", sum_b);
  /* and the M intervals changed every field (the maxima grew somewhere,
   * the hour completed, the hours above accumulated) and the summary */
  for (int k = 0; k < nf && at_save && end_a; k++)
    CHECK(memcmp(at_save + (size_t)k * 1200, end_a + (size_t)k * 1200,
                 1200 * sizeof(float)) != 0);
  CHECK(strcmp(sum_save, sum_a) != 0);
  /* the road kernels were holding mass at the save */
  printf("road kernels held %.3f g of pm25 at the save\n", held);
  CHECK(held > 0);
  free(at_save);
  free(end_a);
  free(end_b);
  free(sum_save);
  free(sum_a);
  free(sum_b);
  close_run(&B);

  /* restoring into another scenario's model (more levels) names the
   * block that does not fit */
  run C;
  rc = open_run(&C, 12, "", &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    rc = ct_air_model.state(C.a.self, st, &err);
    printf("other scenario: %d: %s\n", rc, err.msg);
    CHECK(rc == CT_EFORMAT);
  }
  close_run(&C);
  close_run(&A);
  ct_state_free(st);

  /* [air] line_kernel = off: the traffic is a plain ground source, the
   * same mass is emitted and the road cells show another value; a typo in
   * the key is caught */
  double em[2], road[2];
  for (int off = 0; off < 2; off++) {
    run D;
    rc = open_run(&D, 10, off ? "line_kernel = off\n" : "line_kernel = on\n",
                  &err);
    CHECK_OK(rc, &err);
    if (!rc) CHECK_OK(drive(&D, 0.0, 1200.0, -1, NULL, &err), &err);
    ct__air_model *md = D.a.self;
    CHECK(rc || (md->a->kmass[0] != NULL) == !off);
    ct_air_balance b;
    if (!rc) ct_air_get_balance(md->a, 0, &b);
    em[off] = rc ? 0 : b.emitted;
    /* the north-south road (column 25) in mid-domain, row 20 */
    const ct_field *f = ct_fields_find(D.a.env.fields, "air.pm25");
    road[off] = f ? f->data[20 * 40 + 25] : 0;
    close_run(&D);
  }
  printf("line kernel on / off: emitted %.6f / %.6f g, road cell %.3f / "
         "%.3f ug/m3\n", em[0], em[1], road[0], road[1]);
  /* the same emission, summed in another order: 1e-12 */
  CHECK_NEAR(em[0] / em[1], 1.0, 1e-12);
  CHECK(road[0] > 0 && road[1] > 0 && road[0] != road[1]);
  {
    run E;
    rc = open_run(&E, 10, "line_kernal = on\n", &err);
    printf("typo: %s\n", err.msg);
    CHECK(rc < 0 && strstr(err.msg, "line_kernal") &&
          strstr(err.msg, "line_kernel"));
    close_run(&E);
  }
  return TEST_RESULT();
}
