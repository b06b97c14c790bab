/* test_flood_balance.c - the volume balance closes (REFERENCES §1 case 2):
 * rain + inflow + boundary inflow - drained - infiltrated - outflow
 * - change of storage = 0 within 1e-6 of the water that came in, on cases
 * that exercise each term, on a bed 100 m above datum (where float32 keeps
 * only ~8 um of depth resolution, the worst case for round-off). Each input
 * term is also checked against its exact value. */
#include "ct_test.h"
#include "flood_test_util.h"

#define NX 40
#define NY 30
#define DX 10.0

/* Jagged valley sloping south, 100 m above datum. */
static void bed(float *z) {
  unsigned s = 777u;
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      s = s * 1664525u + 1013904223u;
      double r = (s >> 8) / 16777216.0;
      z[j * NX + i] = (float)(100.0 + 0.01 * (NY - j) * DX * 0.1 +
                              0.02 * fabs(i - NX / 2.0) * DX * 0.1 +
                              0.1 * sin(0.7 * i) * sin(0.5 * j) + 0.05 * r);
    }
}

static ct_flood *make(const float *z) {
  ct_grid g = ft_grid(NX, NY, DX);
  ct_error err = {0};
  ct_flood *f = NULL;
  CHECK_OK(ct_flood_create(&f, &g, z, NULL, 0.04, NULL, &err), &err);
  return f;
}

static void report(const char *name, const ct_flood_balance *b) {
  printf("%s: rain %.6g inflow %.6g infil %.6g drained %.6g outfall %.6g "
         "out S %.6g in N %.6g storage %.6g error %.3g (rel %.3g) clamp %.3g\n",
         name, b->rain, b->inflow, b->infiltrated, b->drained, b->outfall,
         b->boundary_out[CT_FLOOD_SOUTH], b->boundary_in[CT_FLOOD_NORTH],
         b->storage, b->error, b->error_rel, b->clamped);
}

int main(void) {
  static float z[NX * NY], cap[NX * NY];
  bed(z);
  ct_error err = {0};
  const double area = NX * NY * DX * DX;
  const double rate = 50.0 / 3.6e6; /* 50 mm/h in m/s */

  /* A: rain on a closed basin for 30 min, then 30 min of redistribution. */
  {
    ct_flood *f = make(z);
    CHECK_OK(ct_flood_set_rain(f, rate, NULL, &err), &err);
    CHECK_OK(ct_flood_run(f, 0, 1800, NULL, &err), &err);
    CHECK_OK(ct_flood_set_rain(f, 0.0, NULL, &err), &err);
    CHECK_OK(ct_flood_run(f, 1800, 3600, NULL, &err), &err);
    ct_flood_balance b;
    ct_flood_get_balance(f, &b);
    report("rain", &b);
    /* Rain delivered: rate x time x area exactly (double sums: 1e-12). */
    CHECK_NEAR(b.rain, rate * 1800 * area, 1e-12 * rate * 1800 * area);
    CHECK(b.error_rel < 1e-6);
    ct_flood_destroy(f);
  }
  /* B: inflow hydrograph + per-cell rain + a tide on the north edge (in and
   * out) + free outflow south. */
  {
    ct_flood *f = make(z);
    double tt[4] = {0, 600, 1800, 3000}, qq[4] = {0, 5, 5, 0};
    CHECK_OK(ct_flood_add_inflow(f, 105, 205, 135, 205, 4, tt, qq, &err),
             &err);
    double tl[3] = {0, 1800, 3600}, lv[3] = {100.0, 101.0, 100.2};
    CHECK_OK(ct_flood_set_boundary(f, CT_FLOOD_NORTH, CT_FLOOD_LEVEL, 3, tl,
                                   lv, &err), &err);
    CHECK_OK(ct_flood_set_boundary(f, CT_FLOOD_SOUTH, CT_FLOOD_FREE, 0, NULL,
                                   NULL, &err), &err);
    for (int k = 0; k < NX * NY; k++) cap[k] = (float)(rate * (k % 3));
    CHECK_OK(ct_flood_set_rain(f, 0.0, cap, &err), &err);
    CHECK_OK(ct_flood_run(f, 0, 3600, NULL, &err), &err);
    ct_flood_balance b;
    ct_flood_get_balance(f, &b);
    report("inflow+tide", &b);
    /* Hydrograph volume: trapezoids 1500 + 6000 + 3000 m3 (exact). */
    CHECK_NEAR(b.inflow, 10500.0, 1e-9);
    CHECK(b.boundary_in[CT_FLOOD_NORTH] > 0);
    CHECK(b.boundary_out[CT_FLOOD_NORTH] > 0);
    CHECK(b.boundary_out[CT_FLOOD_SOUTH] > 0);
    CHECK(b.error_rel < 1e-6);
    ct_flood_destroy(f);
  }
  /* C: rain with drains to a sink and infiltration. */
  {
    ct_flood *f = make(z);
    for (int k = 0; k < NX * NY; k++) cap[k] = (float)(0.3 * rate);
    CHECK_OK(ct_flood_set_rain(f, rate, NULL, &err), &err);
    CHECK_OK(ct_flood_set_drains(f, cap, 0, 0, 0, &err), &err);
    for (int k = 0; k < NX * NY; k++) cap[k] = (float)(0.1 * rate * (k % 2));
    CHECK_OK(ct_flood_set_infiltration(f, cap, &err), &err);
    CHECK_OK(ct_flood_run(f, 0, 3600, NULL, &err), &err);
    ct_flood_balance b;
    ct_flood_get_balance(f, &b);
    report("drains+infiltration", &b);
    /* Under steady rain above capacity every inlet runs full: exact up to
     * the first steps when cells are still filling (no deficit there: rain
     * arrives before the drains take, so they are full from step one). */
    /* 1e-7: the capacities are float32 (relative rounding 6e-8). */
    CHECK_NEAR(b.drained, 0.3 * rate * 3600 * area, 1e-7 * b.drained);
    CHECK_NEAR(b.infiltrated, 0.05 * rate * 3600 * area, 1e-7 * b.drained);
    CHECK(b.error_rel < 1e-6);
    ct_flood_destroy(f);
  }
  /* D: drains released at an outfall cell. */
  {
    ct_flood *f = make(z);
    for (int k = 0; k < NX * NY; k++) cap[k] = (float)(2.0 * rate);
    CHECK_OK(ct_flood_set_rain(f, rate, NULL, &err), &err);
    CHECK_OK(ct_flood_set_drains(f, cap, 1, 205, 15, &err), &err);
    CHECK_OK(ct_flood_run(f, 0, 3600, NULL, &err), &err);
    ct_flood_balance b;
    ct_flood_get_balance(f, &b);
    report("outfall", &b);
    CHECK(b.drained > 0.5 * b.rain);
    CHECK(b.outfall > 0.9 * b.drained); /* all but the last step's */
    CHECK(b.error_rel < 1e-6);
    ct_flood_destroy(f);
  }
  return TEST_RESULT();
}
