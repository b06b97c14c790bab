/* test_flood_rest.c - a lake at rest on rough terrain stays at rest
 * (REFERENCES §1 case 1): islands stick out, the bed is jagged, edges closed;
 * after 1000 steps every face discharge is below 1e-10 m2/s and the depth of
 * every cell is unchanged. The scheme is well balanced because the state is
 * the water-surface elevation itself, so a flat lake has zero slope exactly. */
#include "ct_test.h"
#include "flood_test_util.h"

int main(void) {
  const int nx = 60, ny = 50;
  ct_grid g = ft_grid(nx, ny, 10.0);
  float *z = malloc(sizeof(float) * nx * ny);
  float *h0 = malloc(sizeof(float) * nx * ny);
  float *h1 = malloc(sizeof(float) * nx * ny);
  float *n = malloc(sizeof(float) * nx * ny);
  unsigned s = 12345u;
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++) {
      s = s * 1664525u + 1013904223u; /* LCG: jagged, reproducible */
      double r = (s >> 8) / 16777216.0;
      z[j * nx + i] = (float)(0.8 * sin(0.3 * i) * cos(0.25 * j) + 0.6 * r);
      n[j * nx + i] = (float)(0.02 + 0.05 * r);
    }
  ct_error err = {0};
  ct_flood *f = NULL;
  CHECK_OK(ct_flood_create(&f, &g, z, n, 0.0, NULL, &err), &err);
  if (!f) return TEST_RESULT();
  CHECK_OK(ct_flood_set_level(f, 0.5, &err), &err);
  ct_flood_depth(f, h0);
  int dry = 0, wet = 0;
  for (int k = 0; k < nx * ny; k++) {
    if (h0[k] > 0) wet++;
    else dry++;
  }
  CHECK(dry > 100 && wet > 1000); /* both islands and water */
  double t = 0;
  for (int k = 0; k < 1000; k++) {
    double dt = ct_flood_max_dt(f);
    CHECK_OK(ct_flood_step(f, t, dt, &err), &err);
    t += dt;
  }
  /* The REFERENCES criterion; the scheme gives exactly 0. */
  CHECK(ct_flood_max_q(f) < 1e-10);
  ct_flood_depth(f, h1);
  double dmax = 0;
  for (int k = 0; k < nx * ny; k++)
    dmax = fmax(dmax, fabs((double)h1[k] - (double)h0[k]));
  CHECK(dmax == 0.0); /* no flux at all, so not even round-off moves */
  ct_flood_balance b;
  ct_flood_get_balance(f, &b);
  CHECK_NEAR(b.storage, b.storage0, 1e-9 * b.storage0);
  ct_flood_destroy(f);
  free(z);
  free(h0);
  free(h1);
  free(n);
  return TEST_RESULT();
}
