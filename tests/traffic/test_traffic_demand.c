/* test_traffic_demand.c - demand and determinism: trips generated from land
 * use add up to the rate times the home area and all arrive; a time-of-day
 * profile shapes departures by its integral; results do not depend on the
 * number of threads (bit for bit). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "citytwin/traffic.h"
#include "ct_test.h"
#include "traffic/od.h"

/* 5 x 5 junctions 250 m apart, two-way, over a 1 km square grid of 50 m
 * cells with origin at (0, 1000) north-west. */
static ct_traffic *grid_net(int threads, ct_grid *g) {
  ct_error err = {0};
  ct_traffic_params p;
  ct_traffic_params_default(&p);
  p.dt = 2.0;
  p.signals = CT_SIGNALS_ALL;
  p.reroute = 120;
  p.threads = threads;
  p.packet = 0; /* smooth departures for exact counts */
  ct_traffic *t = ct_traffic_new(&p);
  for (int j = 0; j < 5; j++)
    for (int i = 0; i < 5; i++) ct_traffic_add_node(t, i * 250.0, j * 250.0, &err);
  for (int j = 0; j < 5; j++)
    for (int i = 0; i < 5; i++) {
      int a = j * 5 + i;
      if (i < 4) {
        ct_traffic_add_link(t, a, a + 1, 0, 1, 40, "", "", 0, NULL, &err);
        ct_traffic_add_link(t, a + 1, a, 0, 1, 40, "", "", 0, NULL, &err);
      }
      if (j < 4) {
        ct_traffic_add_link(t, a, a + 5, 0, 2, 50, "", "", 0, NULL, &err);
        ct_traffic_add_link(t, a + 5, a, 0, 2, 50, "", "", 0, NULL, &err);
      }
    }
  ct_traffic_finalize(t, &err);
  if (g) {
    memset(g, 0, sizeof *g);
    g->nx = g->ny = 20;
    g->dx = 50;
    double gt[6] = {0, 50, 0, 1000, 0, -50};
    memcpy(g->gt, gt, sizeof gt);
    ct_traffic_map_grid(t, g, &err);
  }
  return t;
}

static void test_landuse(void) {
  ct_error err = {0};
  ct_grid g;
  ct_traffic *t = grid_net(0, &g);
  float lu[400];
  for (int j = 0; j < 20; j++)
    for (int i = 0; i < 20; i++) lu[j * 20 + i] = i < 10 ? 2.0f : 3.0f;
  double trips = 0;
  CHECK_OK(ct__landuse_demand(t, lu, &g, 10.0, 500.0, 0, 1800, &trips, &err), &err);
  /* 200 residential cells of 0.25 ha at 10 trips/ha; every zone pair is
   * above the half-trip cut, so nothing is dropped */
  CHECK_NEAR(trips, 500.0, 1e-9);
  for (int s = 0; s < 3600; s++) CHECK_OK(ct_traffic_step(t, &err), &err);
  ct_traffic_totals tt;
  ct_traffic_get_totals(t, &tt);
  printf("landuse: %.3f trips, %.3f entered, %.3f completed, mean %.0f s\n",
         trips, tt.entered, tt.completed, tt.trip_time_sum / tt.completed);
  /* all depart (1e-4 veh: each class and pair truncated to integer units)
   * and arrive within the two hours */
  CHECK_NEAR(tt.entered, 500.0, 1e-3);
  CHECK_NEAR(tt.completed, tt.entered, 1e-9);
  /* a land use without workplaces is an error */
  for (int k = 0; k < 400; k++) lu[k] = 2.0f;
  CHECK(ct__landuse_demand(t, lu, &g, 10.0, 500.0, 0, 1800, &trips, &err) < 0);
  CHECK(strstr(err.msg, "no workplaces") != NULL);
  ct_traffic_free(t);
}

static void test_profile(void) {
  ct_error err = {0};
  ct_traffic *t = grid_net(0, NULL);
  /* weights 0 at 0 s rising to 1 at 1000 s: the cumulative share of the
   * departures by 500 s is (500^2 / 2) / (1000^2 / 2) = 1/4 */
  double pt[2] = {0, 1000}, pw[2] = {0, 1};
  CHECK_OK(ct_traffic_set_profile(t, 2, pt, pw, &err), &err);
  CHECK_OK(ct_traffic_add_flow(t, 0, 24, 0, 1000, 400, &err), &err);
  for (int s = 0; s < 250; s++) CHECK_OK(ct_traffic_step(t, &err), &err);
  ct_traffic_totals tt;
  ct_traffic_get_totals(t, &tt);
  CHECK_NEAR(tt.entered, 100.0, 1e-4); /* 1e-4: integer units per class */
  double bad[2] = {1, -1};
  CHECK(ct_traffic_set_profile(t, 2, pt, bad, &err) < 0);
  ct_traffic_free(t);
}

static void run_threads(int threads, ct_traffic_totals *out) {
  ct_error err = {0};
  ct_traffic *t = grid_net(threads, NULL);
  unsigned s = 777;
  for (int k = 0; k < 400; k++) {
    s = s * 1103515245u + 12345u;
    int o = (int)((s >> 8) % 25);
    s = s * 1103515245u + 12345u;
    int d = (int)((s >> 8) % 25);
    ct_traffic_add_trip(t, o, d, k * 4.0, k % 4, 1.0, &err);
  }
  ct_traffic_set_exit_capacity(t, 12, 300);
  for (int k = 0; k < 1500; k++) CHECK_OK(ct_traffic_step(t, &err), &err);
  ct_traffic_get_totals(t, out);
  ct_traffic_free(t);
}

static void test_threads(void) {
  ct_traffic_totals a, b;
  run_threads(1, &a);
  run_threads(2, &b);
  printf("threads: vkt %.9g / %.9g, trip time %.9g / %.9g\n", a.vkt, b.vkt,
         a.trip_time_sum, b.trip_time_sum);
  /* bit for bit: per-node and per-link sums are reduced in a fixed order */
  CHECK(a.vkt == b.vkt);
  CHECK(a.vht == b.vht);
  CHECK(a.trip_time_sum == b.trip_time_sum);
  CHECK(a.completed_u == b.completed_u);
  CHECK(a.nox_g == b.nox_g);
  CHECK(a.completed > 0);
}

int main(void) {
  test_landuse();
  test_profile();
  test_threads();
  return TEST_RESULT();
}
