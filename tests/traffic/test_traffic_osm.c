/* test_traffic_osm.c - the road network of District 1, Ho Chi Minh City,
 * from OpenStreetMap (shared/data/hcmc_district1.osm.pbf): counts of links
 * and junctions, geometry on every link, and a route between two named
 * streets. The reference counts come from an independent count of the same
 * file (ogr2ogr to CSV in EPSG:32648, then a Python count of drivable ways
 * without access=no/private, vertices shared by ways or ending one, and the
 * pieces between them, two per two-way piece): 1748 ways, 2206 junctions,
 * 4436 directed links. Then the file's turn restrictions as bans. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "citytwin/osm.h"
#include "citytwin/run.h"
#include "citytwin/traffic.h"
#include "ct_test.h"
#include "traffic/traffic_internal.h"

static int nwarn = 0;
static void on_warn(void *ud, const char *msg) {
  (void)ud;
  nwarn++;
  printf("warning: %.300s\n", msg);
}

/* The ban index of the turn from the link of OSM way `from` arriving at
 * a junction onto the link of way `to` leaving it, or -1; *groups: its
 * route groups (bit 0 motorbikes, bit 1 cars). */
static int ban_of(const ct_traffic *t, int64_t from, int64_t to,
                  unsigned *groups) {
  char f[24], o[24];
  snprintf(f, sizeof f, "%lld", (long long)from);
  snprintf(o, sizeof o, "%lld", (long long)to);
  for (int k = 0; k < t->nbans; k++) {
    const ct__ban *b = &t->bans[k];
    if (!strcmp(t->l[b->from].src, f) && !strcmp(t->l[b->to].src, o)) {
      *groups = b->groups;
      return k;
    }
  }
  return -1;
}

/* The file's 155 turn restrictions (an independent decode: 118 over a via
 * node, 37 over via ways) applied as bans. Relation 6960519 forbids the U
 * turn from way 473396239 onto 473396240 to all; 10032694 is a left turn
 * banned 06:00-22:00 except for motorbikes (except=...;motorcycle;...). */
static void turn_restrictions(ct_traffic *t, const char *path, const char *wkt) {
  ct_error err = {0};
  ct__tban *tb = NULL;
  int ntb = 0;
  ct__turn_report rep;
  CHECK_OK(ct__osm_turn_bans(t, path, wkt, &tb, &ntb, &rep, &err), &err);
  int skipped = rep.via_way + rep.other_class + rep.bad_time + rep.bad_kind +
                rep.off_network + rep.unclear;
  printf("turn restrictions: %d relations, %d applied (%d turns), skipped: %d "
         "via ways, %d other classes, %d times, %d kinds, %d unclear, %d off "
         "the network\n",
         rep.relations, rep.applied, rep.turns, rep.via_way, rep.other_class,
         rep.bad_time, rep.bad_kind, rep.unclear, rep.off_network);
  CHECK(rep.relations == 155);
  CHECK(rep.applied + skipped == 155); /* one entry per relation here */
  CHECK(rep.via_way == 37);
  CHECK(rep.applied == ntb && rep.turns == ct_traffic_nbans(t));
  CHECK(rep.turns >= rep.applied && rep.applied > 0);
  unsigned g = 0;
  int k = ban_of(t, 473396239, 473396240, &g);
  CHECK(k >= 0 && g == 3);
  ct_osm_restriction *r = NULL;
  int nr = 0;
  CHECK_OK(ct_osm_read_restrictions(path, &r, &nr, &err), &err);
  int found = 0;
  for (int i = 0; i < nr; i++) {
    if (r[i].id != 10032694) continue;
    k = ban_of(t, r[i].from_way, r[i].to_way, &g);
    CHECK(k >= 0 && g == 2);
    for (int j = 0; j < ntb; j++)
      for (int b = 0; b < tb[j].n; b++)
        if (tb[j].bans[b] == k) {
          found = 1;
          CHECK(tb[j].daily && !tb[j].invert && tb[j].nwin == 1);
          CHECK(tb[j].w0[0] == 6 * 3600.0 && tb[j].w1[0] == 22 * 3600.0);
        }
  }
  CHECK(found);
  ct_osm_restrictions_free(r, nr);
  for (int j = 0; j < ntb; j++) free(tb[j].bans);
  free(tb);
}

/* The same through a scenario: the summary counts the restrictions
 * applied and the turns banned, a warning counts those skipped;
 * turn_restrictions = off applies none. */
static void scenario_run(const char *pbf, int off, int want_applied) {
  char dir[4096], ini[4200], text[8192];
  snprintf(dir, sizeof dir, "%s/traffic_osm", CT_BINARY_DIR);
  mkdir(dir, 0777);
  snprintf(ini, sizeof ini, "%s/osm%d.ini", dir, off);
  snprintf(text, sizeof text,
           "[scenario]\nname = osm\nstart = 2026-09-15T07:00:00+07:00\n"
           "duration = 10min\n[domain]\ncrs = EPSG:32648\n"
           "bounds = 683000 1189000 689000 1195000\ncell = 50\n"
           "[layers]\nroads = %s\n[output]\nfile = osm%d.nc\n"
           "interval = 10min\n[traffic]\nroads = roads\ndemand = none\n%s",
           pbf, off, off ? "turn_restrictions = off\n" : "");
  FILE *f = fopen(ini, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
  ct_run_opts o;
  memset(&o, 0, sizeof o);
  o.warn = on_warn;
  ct_run_result res;
  memset(&res, 0, sizeof res);
  ct_error err = {0};
  nwarn = 0;
  CHECK_OK(ct_run(ini, &o, &res, &err), &err);
  FILE *js = fopen(res.summary, "r");
  char buf[65536] = {0};
  size_t n = js ? fread(buf, 1, sizeof buf - 1, js) : 0;
  if (js) fclose(js);
  buf[n] = 0;
  const char *p = strstr(buf, "\"turn_restrictions\"");
  const char *q = strstr(buf, "\"banned_turns\"");
  int applied = p ? atoi(strchr(p, ':') + 1) : -1;
  int banned = q ? atoi(strchr(q, ':') + 1) : -1;
  printf("scenario (turn_restrictions %s): %d applied, %d banned, %d warnings\n",
         off ? "off" : "on", applied, banned, nwarn);
  CHECK(applied == want_applied && banned == want_applied);
  CHECK(nwarn == (off ? 0 : 1) + 1); /* + the loader's one */
}

/* When timed bans hold. 2026-09-15 is a Tuesday; the start 07:00 local
 * (+07:00) is 1789430400 s UTC since 1970. */
static void ban_windows(void) {
  const double local0 = 1789430400.0 + 7 * 3600.0, H = 3600.0;
  ct__tban b = {.nwin = 1, .daily = 1, .days = 0x7f, .w0 = {6 * H},
                .w1 = {22 * H}};
  CHECK(ct__tban_in_force(&b, local0, 0) == 1);        /* 07:00 */
  CHECK(ct__tban_in_force(&b, local0, 15 * H) == 0);   /* 22:00: ended */
  CHECK(ct__tban_in_force(&b, local0, 23 * H) == 1);   /* 06:00 next day */
  b.invert = 1; /* "none @ (06:00-22:00)": lifted by day */
  CHECK(ct__tban_in_force(&b, local0, 0) == 0);
  CHECK(ct__tban_in_force(&b, local0, 16 * H) == 1);
  /* Sa-Su 18:30-02:00: Saturday 19-20 Sept; Friday night no, Saturday
   * 01:00 no (Friday's window), Sunday 01:00 yes (Saturday's), Monday
   * 01:00 yes (Sunday's) */
  ct__tban w = {.nwin = 1, .daily = 1, .days = 0x60, .w0 = {18.5 * H},
                .w1 = {2 * H}};
  double fri = 3 * 24 * H - 7 * H; /* Friday 00:00 from the start */
  CHECK(ct__tban_in_force(&w, local0, fri + 19 * H) == 0);
  CHECK(ct__tban_in_force(&w, local0, fri + 25 * H) == 0);
  CHECK(ct__tban_in_force(&w, local0, fri + 43 * H) == 1);
  CHECK(ct__tban_in_force(&w, local0, fri + 49 * H) == 1);
  CHECK(ct__tban_in_force(&w, local0, fri + 73 * H) == 1);
  CHECK(ct__tban_in_force(&w, local0, fri + 97 * H) == 0);
  /* windows from the start (ban.NAME), no weekdays */
  ct__tban r = {.nwin = 1, .w0 = {600}, .w1 = {1200}};
  CHECK(ct__tban_in_force(&r, local0, 599) == 0);
  CHECK(ct__tban_in_force(&r, local0, 600) == 1);
  CHECK(ct__tban_in_force(&r, local0, 1200) == 0);
}

/* Ways that run through the via node: way 10 W-C-E, way 20 C-N (about
 * 110 m each). "only_straight_on from 10 to 10" bans, from both sides,
 * the turn north and the way back, not straight on; "no_left_turn from 10
 * to 20" bans W->N (a left turn) but not E->N (a right turn). */
static void through_ways(void) {
  char dir[4096], path[4200];
  snprintf(dir, sizeof dir, "%s/traffic_osm", CT_BINARY_DIR);
  mkdir(dir, 0777);
  const char *rel[2] = {"only_straight_on\"/><member type=\"way\" ref=\"10\" "
                        "role=\"from\"/><member type=\"way\" ref=\"10\" "
                        "role=\"to\"",
                        "no_left_turn\"/><member type=\"way\" ref=\"10\" "
                        "role=\"from\"/><member type=\"way\" ref=\"20\" "
                        "role=\"to\""};
  for (int r = 0; r < 2; r++) {
    snprintf(path, sizeof path, "%s/through%d.osm", dir, r);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f,
            "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n"
            "<node id=\"1\" lat=\"10.77\" lon=\"106.699\"/>\n"
            "<node id=\"2\" lat=\"10.77\" lon=\"106.70\"/>\n"
            "<node id=\"3\" lat=\"10.77\" lon=\"106.701\"/>\n"
            "<node id=\"4\" lat=\"10.771\" lon=\"106.70\"/>\n"
            "<way id=\"10\"><nd ref=\"1\"/><nd ref=\"2\"/><nd ref=\"3\"/>"
            "<tag k=\"highway\" v=\"primary\"/></way>\n"
            "<way id=\"20\"><nd ref=\"2\"/><nd ref=\"4\"/>"
            "<tag k=\"highway\" v=\"primary\"/></way>\n"
            "<relation id=\"30\"><tag k=\"type\" v=\"restriction\"/>"
            "<tag k=\"restriction\" v=\"%s/><member type=\"node\" ref=\"2\" "
            "role=\"via\"/></relation>\n</osm>\n",
            rel[r]);
    fclose(f);
    ct_error err = {0};
    ct_grid g;
    CHECK_OK(ct_grid_init(&g, "EPSG:32648", 685500, 1190800, 686300, 1191400,
                          20, &err), &err);
    ct_vector v;
    CHECK_OK(ct_vector_read(path, "lines", NULL, &g, "roads", &v, &err), &err);
    ct_traffic_params p;
    ct_traffic_params_default(&p);
    ct_traffic *t = ct_traffic_new(&p);
    CHECK_OK(ct_traffic_build_roads(t, &v, NULL, NULL, NULL, &err), &err);
    CHECK_OK(ct_traffic_finalize(t, &err), &err);
    ct__tban *tb = NULL;
    int ntb = 0;
    ct__turn_report rep;
    CHECK_OK(ct__osm_turn_bans(t, path, g.crs_wkt, &tb, &ntb, &rep, &err),
             &err);
    /* each ban as "approach way/heading -> exit way/heading" kinds */
    int left = 0, right = 0, straight = 0, back = 0;
    for (int k = 0; k < t->nbans; k++) {
      int kind = ct__turn_kind(t, t->bans[k].from, t->bans[k].to);
      left += kind == -1;
      right += kind == 1;
      straight += kind == 0;
      back += kind == 2;
    }
    printf("through ways, %s: %d bans: %d left, %d right, %d straight, %d "
           "back\n", r ? "no_left_turn" : "only_straight_on", t->nbans, left,
           right, straight, back);
    if (r == 0) /* from W: N (left) and back; from E: N (right) and back */
      CHECK(t->nbans == 4 && left == 1 && right == 1 && back == 2);
    else
      CHECK(t->nbans == 1 && left == 1);
    for (int k = 0; k < ntb; k++) free(tb[k].bans);
    free(tb);
    ct_traffic_free(t);
    ct_vector_free(&v);
    ct_grid_free(&g);
  }
}

int main(void) {
  ban_windows();
  through_ways();
  const char *sh = ct_test_shared();
  if (!sh) {
    fprintf(stderr, "shared data not found: skipped\n");
    return CT_SKIP;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/data/hcmc_district1.osm.pbf", sh);
  ct_error err = {0};
  ct_grid g;
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 683000, 1189000, 689000, 1195000, 20, &err), &err);
  ct_vector v;
  int rc = ct_vector_read(path, "lines", NULL, &g, "roads", &v, &err);
  if (rc) {
    fprintf(stderr, "ct_vector_read failed (%d): %s\n", rc, err.msg);
    ct_grid_free(&g);
    return 1;
  }
  ct_traffic_params p;
  ct_traffic_params_default(&p);
  ct_traffic *t = ct_traffic_new(&p);
  CHECK_OK(ct_traffic_build_roads(t, &v, NULL, on_warn, NULL, &err), &err);
  CHECK_OK(ct_traffic_finalize(t, &err), &err);
  int nn = ct_traffic_nnodes(t), nl = ct_traffic_nlinks(t);
  printf("district 1: %d junctions, %d links, %d warnings\n", nn, nl, nwarn);
  /* 1 m snapping may merge a few junctions (dual carriageway ends, bridge
   * ramps): within 2 % of the exact-vertex count */
  CHECK_NEAR(nn, 2206, 0.02 * 2206);
  CHECK_NEAR(nl, 4436, 0.02 * 4436);
  int bad = 0;
  double total = 0;
  for (int l = 0; l < nl; l++) {
    ct_link_info li;
    ct_traffic_link_info(t, l, &li);
    double gl = 0;
    for (int k = 1; k < li.npts; k++)
      gl += hypot(li.xy[2 * k] - li.xy[2 * k - 2], li.xy[2 * k + 1] - li.xy[2 * k - 1]);
    /* every link has a geometry whose length is its length (1 mm) */
    if (li.npts < 2 || !(li.length > 0) || fabs(gl - li.length) > 1e-3 ||
        !li.src_id[0])
      bad++;
    total += li.length;
  }
  CHECK(bad == 0);
  printf("road length %.1f km (directed)\n", total / 1000);
  /* a route from Le Loi to Ton Duc Thang exists and is no faster than the
   * crow flies at 80 km/h */
  int a[64], b[64];
  int na = ct_traffic_find_links(t, "Lê Lợi", a, 64);
  int nb = ct_traffic_find_links(t, "Tôn Đức Thắng", b, 64);
  CHECK(na >= 10); /* 20 ways in the file, cut at junctions */
  CHECK(nb >= 10);
  if (na > 0 && nb > 0) {
    ct_link_info la, lb;
    ct_traffic_link_info(t, a[0], &la);
    ct_traffic_link_info(t, b[0], &lb);
    int route[4096];
    double tt = 0;
    int n = ct_traffic_route(t, la.to, lb.from, route, 4096, &tt);
    double x0, y0, x1, y1;
    ct_traffic_node_xy(t, la.to, &x0, &y0);
    ct_traffic_node_xy(t, lb.from, &x1, &y1);
    double d = hypot(x1 - x0, y1 - y0);
    printf("route Le Loi -> Ton Duc Thang: %d links, %.0f s, %.0f m apart\n",
           n, tt, d);
    CHECK(n > 0);
    CHECK(tt >= d / (80 / 3.6));
    /* consecutive links connect */
    for (int k = 1; k < n && k < 4096; k++) {
      ct_link_info p0, p1;
      ct_traffic_link_info(t, route[k - 1], &p0);
      ct_traffic_link_info(t, route[k], &p1);
      if (p0.to != p1.from) bad++;
    }
    CHECK(bad == 0);
  }
  turn_restrictions(t, path, g.crs_wkt);
  scenario_run(path, 0, 85);
  scenario_run(path, 1, 0);
  ct_traffic_free(t);
  ct_vector_free(&v);
  ct_grid_free(&g);
  return TEST_RESULT();
}
