/* test_flood_fill.c - initial_level = tide: the channel open to the level
 * boundary fills to the tide, a hollow behind a bank stays dry, and a deep
 * tidal channel stays calm (no oscillation) under the scenario default
 * alpha = 0.5 as the tide rises. */
#include <math.h>

#include "ct_test.h"
#include "flood_test_util.h"

int main(void) {
  /* 40 x 30 cells of 20 m; land at 1.0 m; a channel (bed -5 m) along
   * column 10 from the south edge to the north; a hollow at 0.5 m behind a
   * 2 m bank at columns 25-30 that no channel reaches. */
  const int nx = 40, ny = 30;
  ct_grid g = ft_grid(nx, ny, 20.0);
  float *dem = malloc(sizeof(float) * nx * ny);
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++) {
      float z = 1.0f;
      if (i >= 9 && i <= 11) z = -5.0f;
      if (i >= 24 && i <= 31 && j >= 9 && j <= 21) z = 2.0f;   /* bank */
      if (i >= 25 && i <= 30 && j >= 10 && j <= 20) z = 0.5f;  /* hollow */
      dem[j * nx + i] = z;
    }
  ct_flood *f = NULL;
  ct_error err = {0};
  ct_flood_params p;
  ct_flood_params_default(&p);
  p.alpha = 0.5;
  CHECK_OK(ct_flood_create(&f, &g, dem, NULL, 0.025, &p, &err), &err);
  if (!f) return 1;
  /* tide: 1.2 m at the start, rising to 1.8 m over an hour */
  double t[2] = {0, 3600}, lv[2] = {1.2, 1.8};
  CHECK_OK(ct_flood_set_boundary(f, CT_FLOOD_SOUTH, CT_FLOOD_LEVEL, 2, t, lv, &err), &err);
  int filled = ct_flood_fill_from_boundaries(f, &err);
  /* the channel: 3 columns x 30 rows; the land at 1.0 < 1.2 is connected
   * to it and fills too (0.2 m), the hollow (behind 2 m) does not */
  int land = nx * ny - 3 * ny - 8 * 13;
  CHECK(filled == 3 * ny + land);
  float *h = malloc(sizeof(float) * nx * ny);
  ct_flood_depth(f, h);
  CHECK_NEAR(h[15 * nx + 10], 6.2, 1e-6);  /* channel: tide - bed */
  CHECK_NEAR(h[2 * nx + 2], 0.2, 1e-6);    /* connected land */
  CHECK_NEAR(h[15 * nx + 27], 0.0, 0);     /* the hollow stays dry */
  CHECK_NEAR(h[9 * nx + 24], 0.0, 0);      /* the bank */
  /* An hour of rising tide: the channel's depth follows the tide smoothly,
   * never more than 0.2 m off the boundary level (an oscillating scheme
   * swings metres). */
  double worst = 0;
  for (double tt = 0; tt < 3600; tt += 60) {
    CHECK_OK(ct_flood_run(f, tt, tt + 60, NULL, &err), &err);
    ct_flood_depth(f, h);
    double tide = 1.2 + 0.6 * (tt + 60) / 3600;
    double dev = fabs(h[15 * nx + 10] - 5.0 - tide);
    if (dev > worst) worst = dev;
  }
  fprintf(stderr, "largest channel departure from the tide: %.4f m\n", worst);
  CHECK(worst < 0.2);
  ct_flood_depth(f, h);
  CHECK(h[15 * nx + 27] == 0.0f); /* still dry behind the bank */
  ct_flood_balance b;
  ct_flood_get_balance(f, &b);
  CHECK(fabs(b.error_rel) < 1e-6);
  ct_flood_destroy(f);
  free(h);
  free(dem);
  return TEST_RESULT();
}
