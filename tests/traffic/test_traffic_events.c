/* test_traffic_events.c - interventions and floods: a closed road sends
 * traffic round the other way; a road under 300 mm of water closes
 * (Pregnolato et al. 2017), for motorbikes already at 250 mm, slows down
 * under shallower water by the paper's curve, and reopens when the water
 * goes; the totals count its length as flooded above 0.1 m and as closed
 * when it closes; a bridge over the same water stays open; emissions
 * rasterised onto the grid keep their total. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "citytwin/traffic.h"
#include "ct_test.h"

/* Two routes from A (0,0) to B (1000,0): the direct road (1 km) and a
 * detour through C (500, 400) (2 x 640 m). */
static ct_traffic *two_routes(int *direct, int *detour, int *a, int *b,
                              ct_error *err) {
  ct_traffic_params p;
  ct_traffic_params_default(&p);
  p.dt = 1.0;
  p.signals = CT_SIGNALS_NONE;
  p.reroute = 60;
  p.packet = 0; /* smooth departures for exact counts */
  ct_traffic *t = ct_traffic_new(&p);
  double cars[4] = {0, 1, 0, 0};
  ct_traffic_set_fleet(t, cars);
  *a = ct_traffic_add_node(t, 0, 0, err);
  *b = ct_traffic_add_node(t, 1000, 0, err);
  int c = ct_traffic_add_node(t, 500, 400, err);
  *direct = ct_traffic_add_link(t, *a, *b, 0, 1, 50, "Direct Street", "10", 0, NULL, err);
  *detour = ct_traffic_add_link(t, *a, c, 0, 1, 50, "Detour", "11", 0, NULL, err);
  ct_traffic_add_link(t, c, *b, 0, 1, 50, "Detour", "12", 0, NULL, err);
  ct_traffic_finalize(t, err);
  return t;
}

static void test_closure(void) {
  ct_error err = {0};
  int direct, detour, a, b;
  ct_traffic *t = two_routes(&direct, &detour, &a, &b, &err);
  CHECK_OK(ct_traffic_add_flow(t, a, b, 0, 1200, 200, &err), &err);
  ct_link_state sd, so;
  for (int s = 0; s < 600; s++) CHECK_OK(ct_traffic_step(t, &err), &err);
  ct_traffic_link_state(t, direct, &sd);
  ct_traffic_link_state(t, detour, &so);
  /* light traffic takes the short road: all 100 veh so far (1e-3 veh:
   * integer units) */
  CHECK_NEAR(sd.cum_in, 100.0, 1e-3);
  CHECK_NEAR(so.cum_in, 0.0, 1e-9);
  int ids[4];
  CHECK(ct_traffic_find_links(t, "direct street", ids, 4) == 1);
  ct_traffic_close_link(t, ids[0], 1);
  for (int s = 0; s < 600; s++) CHECK_OK(ct_traffic_step(t, &err), &err);
  ct_link_state sd2, so2;
  ct_traffic_link_state(t, direct, &sd2);
  ct_traffic_link_state(t, detour, &so2);
  printf("closure: direct %.2f -> %.2f veh, detour %.2f -> %.2f veh\n",
         sd.cum_in, sd2.cum_in, so.cum_in, so2.cum_in);
  CHECK_NEAR(sd2.cum_in, sd.cum_in, 1e-9); /* nobody enters a closed road */
  CHECK_NEAR(so2.cum_in, 100.0, 1e-3);     /* the next 100 veh go round */
  CHECK(sd2.closed == 1);
  int route[8];
  double tt;
  CHECK(ct_traffic_route(t, a, b, route, 8, &tt) == 2);
  /* free-flow time of the detour 2 x 640.3 m at 50 km/h */
  CHECK_NEAR(tt, 2 * hypot(500, 400) / (50 / 3.6), 1e-6);
  ct_traffic_free(t);
}

static void test_flood(void) {
  ct_error err = {0};
  int direct, detour, a, b;
  ct_traffic *t = two_routes(&direct, &detour, &a, &b, &err);
  ct_grid g;
  memset(&g, 0, sizeof g);
  g.nx = 60;
  g.ny = 30;
  g.dx = 20;
  double gt[6] = {-100, 20, 0, 500, 0, -20};
  memcpy(g.gt, gt, sizeof gt);
  CHECK_OK(ct_traffic_map_grid(t, &g, &err), &err);
  float depth[60 * 30];
  /* water over the middle of the direct road (x 400..600, y -20..20) */
  for (int mm = 0; mm < 4; mm++) {
    const double dm[4] = {0.10, 0.27, 0.35, 0.0};
    for (int j = 0; j < 30; j++)
      for (int i = 0; i < 60; i++) {
        double x = -100 + (i + 0.5) * 20, y = 500 - (j + 0.5) * 20;
        depth[j * 60 + i] = (x > 400 && x < 600 && fabs(y) < 20) ? (float)dm[mm] : 0.0f;
      }
    ct_traffic_set_depth(t, depth);
    ct_link_state s;
    ct_traffic_link_state(t, direct, &s);
    ct_traffic_totals tot;
    ct_traffic_get_totals(t, &tot);
    /* the 1 km one-way road: flooded while the water is over 0.1 m (0.10f
     * is a little more), closed by flood at 0.35 m (motorbike closures do
     * not count); exact sums of the link lengths */
    CHECK_NEAR(tot.flooded_km, mm < 3 ? 1.0 : 0.0, 1e-12);
    CHECK_NEAR(tot.closed_km, mm == 2 ? 1.0 : 0.0, 1e-12);
    if (mm == 0) {
      /* 100 mm: v = 0.0009*100^2 - 0.5529*100 + 86.9448 = 40.65 km/h on
       * the wet 200 m, 50 km/h elsewhere; CTM cells are 13.9 m so the wet
       * stretch is 200 m +- one cell at each end */
      double v = 0.0009 * 1e4 - 55.29 + 86.9448;
      double expect = 800 / (50 / 3.6) + 200 / (v / 3.6);
      printf("flood 100 mm: travel time %.1f s (expected %.1f)\n", s.travel_time, expect);
      CHECK_NEAR(s.travel_time, expect, 2 * (50 / 3.6) * (1 / (v / 3.6) - 1 / (50 / 3.6)) + 1e-6);
      CHECK(s.closed == 0);
    } else if (mm == 1) {
      CHECK(s.closed == 3); /* 270 mm: closed to motorbikes only */
    } else if (mm == 2) {
      CHECK(s.closed == 2); /* 350 mm >= 300 mm: closed */
      int route[8];
      double x;
      CHECK(ct_traffic_route(t, a, b, route, 8, &x) == 2); /* detour */
      /* the same road as a bridge over that water: open, at full speed,
       * neither flooded nor closed in the totals */
      CHECK_OK(ct_traffic_set_bridge(t, direct, 1), &err);
      ct_traffic_set_depth(t, depth);
      ct_traffic_link_state(t, direct, &s);
      ct_traffic_get_totals(t, &tot);
      CHECK(s.closed == 0);
      CHECK_NEAR(s.travel_time, 1000 / (50 / 3.6), 1e-6);
      CHECK_NEAR(tot.flooded_km + tot.closed_km, 0.0, 0);
      CHECK(ct_traffic_route(t, a, b, route, 8, &x) == 1 && route[0] == direct);
      ct_link_info li;
      ct_traffic_link_info(t, direct, &li);
      CHECK(li.bridge == 1 && li.feature == -1);
      CHECK_OK(ct_traffic_set_bridge(t, direct, 0), &err);
      CHECK(ct_traffic_set_bridge(t, 99, 1) == CT_ERANGE);
      ct_traffic_set_depth(t, depth);
    } else {
      CHECK(s.closed == 0); /* the water is gone: open again */
      int route[8];
      double x;
      CHECK(ct_traffic_route(t, a, b, route, 8, &x) == 1);
      CHECK(route[0] == direct);
    }
  }
  /* emissions on the grid: total of the raster = total emitted (all links
   * lie inside the grid) */
  CHECK_OK(ct_traffic_add_flow(t, a, b, 0, 600, 300, &err), &err);
  for (int s = 0; s < 300; s++) CHECK_OK(ct_traffic_step(t, &err), &err);
  ct_traffic_totals tt;
  ct_traffic_get_totals(t, &tt);
  float nox[60 * 30], pm[60 * 30], dens[60 * 30], ratio[60 * 30];
  ct_traffic_rasterise(t, dens, ratio, nox, pm);
  double sn = 0, sp = 0;
  for (int k = 0; k < 60 * 30; k++) {
    sn += nox[k];
    sp += pm[k];
  }
  /* g/s averaged over 300 s; float32 per cell: relative 1e-5 */
  printf("emissions: raster %.6g g/s, model %.6g g/s\n", sn, tt.nox_g / 300);
  CHECK(tt.nox_g > 0);
  CHECK_NEAR(sn, tt.nox_g / 300, 1e-5 * tt.nox_g / 300);
  CHECK_NEAR(sp, tt.pm25_g / 300, 1e-5 * tt.pm25_g / 300);
  /* cars only: NOx per vehicle-km is the petrol car factor 0.074 g/km */
  CHECK_NEAR(tt.nox_g / tt.vkt, 0.074, 1e-9);
  ct_traffic_free(t);
}

/* lanes.<id> and speed.<id>: a queue discharges at the new capacity; the
 * free-flow travel time follows the new speed. */
static void test_lanes_speed(void) {
  ct_error err = {0};
  ct_traffic_params p;
  ct_traffic_params_default(&p);
  p.dt = 1.0;
  p.signals = CT_SIGNALS_NONE;
  p.packet = 0;
  ct_traffic *t = ct_traffic_new(&p);
  double cars[4] = {0, 1, 0, 0};
  ct_traffic_set_fleet(t, cars);
  int a = ct_traffic_add_node(t, 0, 0, &err), b = ct_traffic_add_node(t, 500, 0, &err);
  int l = ct_traffic_add_link(t, a, b, 0, 1, 50, "x", "1", 0, NULL, &err);
  CHECK_OK(ct_traffic_finalize(t, &err), &err);
  CHECK_OK(ct_traffic_add_flow(t, a, b, 0, 1200, 1000, &err), &err); /* 3000 veh/h */
  ct_link_state s;
  double c0 = 0;
  for (int k = 0; k < 1200; k++) {
    if (k == 300 || k == 900) {
      ct_traffic_link_state(t, l, &s);
      if (k == 300) c0 = s.cum_in;
      else /* two lanes: the 200 veh backlog drains at the new capacity
            * 3600 veh/h, so 300 veh enter in 600..900 s */
        CHECK_NEAR(s.cum_in - c0, 300.0, 1e-3);
    }
    if (k == 600) {
      ct_traffic_link_state(t, l, &s);
      /* one lane: 1800 veh/h enter, 150 veh in 300 s (1e-3: units) */
      CHECK_NEAR(s.cum_in - c0, 150.0, 1e-3);
      c0 = s.cum_in;
      ct_traffic_set_lanes(t, l, 2);
    }
    CHECK_OK(ct_traffic_step(t, &err), &err);
  }
  ct_traffic_free(t);
  t = ct_traffic_new(&p);
  a = ct_traffic_add_node(t, 0, 0, &err);
  b = ct_traffic_add_node(t, 500, 0, &err);
  l = ct_traffic_add_link(t, a, b, 0, 1, 50, "x", "1", 0, NULL, &err);
  CHECK_OK(ct_traffic_finalize(t, &err), &err);
  ct_traffic_set_speed(t, l, 25);
  ct_traffic_link_state(t, l, &s);
  CHECK_NEAR(s.travel_time, 500 / (25 / 3.6), 1e-9); /* empty road */
  ct_traffic_free(t);
}

/* Water between the two closure depths (250 and 300 mm) on 100 m of a
 * direct road, with a long detour (2 x 2062 m, 297 s): the car still drives
 * through (100 m at 3.3 km/h + 900 m at 50 km/h = 175 s), the motorbike
 * must go round. */
static void test_moto_flood(void) {
  ct_error err = {0};
  ct_traffic_params p;
  ct_traffic_params_default(&p);
  p.dt = 1.0;
  p.signals = CT_SIGNALS_NONE;
  ct_traffic *t = ct_traffic_new(&p);
  int a = ct_traffic_add_node(t, 0, 0, &err), b = ct_traffic_add_node(t, 1000, 0, &err),
      c = ct_traffic_add_node(t, 500, 2000, &err);
  int direct = ct_traffic_add_link(t, a, b, 0, 1, 50, "Direct", "1", 0, NULL, &err);
  int detour = ct_traffic_add_link(t, a, c, 0, 1, 50, "Detour", "2", 0, NULL, &err);
  ct_traffic_add_link(t, c, b, 0, 1, 50, "Detour", "3", 0, NULL, &err);
  CHECK_OK(ct_traffic_finalize(t, &err), &err);
  ct_grid g;
  memset(&g, 0, sizeof g);
  g.nx = 60;
  g.ny = 30;
  g.dx = 20;
  double gt[6] = {-100, 20, 0, 500, 0, -20};
  memcpy(g.gt, gt, sizeof gt);
  CHECK_OK(ct_traffic_map_grid(t, &g, &err), &err);
  float depth[60 * 30];
  for (int j = 0; j < 30; j++)
    for (int i = 0; i < 60; i++) {
      double x = -100 + (i + 0.5) * 20, y = 500 - (j + 0.5) * 20;
      depth[j * 60 + i] = (x > 450 && x < 550 && fabs(y) < 20) ? 0.27f : 0.0f;
    }
  ct_traffic_set_depth(t, depth);
  CHECK_OK(ct_traffic_add_trip(t, a, b, 0, CT_VEH_MOTORBIKE, 1, &err), &err);
  CHECK_OK(ct_traffic_add_trip(t, a, b, 0, CT_VEH_CAR, 1, &err), &err);
  /* long enough for the numerical tail of the slow wet cells to drain */
  for (int k = 0; k < 1500; k++) CHECK_OK(ct_traffic_step(t, &err), &err);
  ct_link_state d, o;
  ct_traffic_link_state(t, direct, &d);
  ct_traffic_link_state(t, detour, &o);
  printf("270 mm: %.2f veh through, %.2f round\n", d.cum_in, o.cum_in);
  CHECK_NEAR(d.cum_in, 1.0, 1e-9); /* the car */
  CHECK_NEAR(o.cum_in, 1.0, 1e-9); /* the motorbike */
  ct_traffic_totals tt;
  ct_traffic_get_totals(t, &tt);
  CHECK_NEAR(tt.completed, 2.0, 1e-9);
  ct_traffic_free(t);
}

int main(void) {
  test_moto_flood();
  test_lanes_speed();
  test_closure();
  test_flood();
  return TEST_RESULT();
}
