/* test_air_threads.c - results do not depend on the thread count: the same
 * run (raster winds, stacks with the kernel, ground sources, a road through
 * the road kernels, decay and deposition) on 1 and 2 threads gives
 * bit-identical concentrations, ground-level output and mass balances. */
#include <math.h>
#include <omp.h>
#include <string.h>
#include "air/air_internal.h"
#include "citytwin/air.h"
#include "ct_test.h"

enum { NX = 48, NY = 40 };

static ct_air *run(int threads, float *wu, float *wv) {
  omp_set_num_threads(threads);
  ct_error err = {0};
  ct_air_config c;
  ct_air_config_default(&c);
  c.nx = NX; c.ny = NY; c.dx = 50.0; c.nz = 10; c.top = 600.0; c.dz0 = 3.0;
  ct_air *a = NULL;
  CHECK_OK(ct_air_create(&a, &c, &err), &err);
  if (!a) return NULL;
  ct_air_met m;
  ct_air_met_default(&m);
  m.u = wu; m.v = wv; m.speed = 3.0; m.cls = 1; m.mixing_height = 600.0;
  CHECK_OK(ct_air_set_met(a, &m, &err), &err);
  double q1[2] = {2.0, 5.0}, q2[2] = {0.5, 8.0};
  CHECK(ct_air_add_stack(a, 300.0, -500.0, 40.0, q1, &err) == 0);
  CHECK(ct_air_add_stack(a, 900.0, -1400.0, 10.0, q2, &err) == 1);
  for (int s = 0; s < 2; s++) {
    float *e = ct_air_ground_emission(a, s);
    for (int i = 0; i < NX; i++) e[20 * NX + i] = 0.01f * (s + 1); /* a road */
  }
  /* a north-south road through the road kernels */
  CHECK_OK(ct__air_line_enable(a, &err), &err);
  for (int s = 0; s < 2; s++) {
    float *r = ct__air_line_emission(a, s);
    for (int j = 0; j < NY; j++) r[j * NX + 30] = 0.02f * (s + 1);
  }
  ct__air_line_refresh(a);
  double dt = ct_air_max_dt(a);
  for (int k = 0; k < 60; k++) CHECK_OK(ct_air_step(a, dt, &err), &err);
  return a;
}

int main(void) {
  static float wu[NX * NY], wv[NX * NY];
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) { /* a turning, divergent wind */
      wu[j * NX + i] = (float)(2.0 + sin(0.2 * i) + 0.5 * cos(0.3 * j));
      wv[j * NX + i] = (float)(-1.0 + 0.8 * sin(0.15 * (i + j)));
    }
  ct_air *a1 = run(1, wu, wv), *a2 = run(2, wu, wv);
  if (!a1 || !a2) return 1;
  int nz;
  ct_air_levels(a1, &nz);
  size_t n3 = (size_t)NX * NY * nz;
  double cmin = 1e30, csum = 0;
  for (int s = 0; s < 2; s++) {
    const float *c1 = ct_air_conc(a1, s), *c2 = ct_air_conc(a2, s);
    /* bit for bit: each cell is computed the same way on any thread, and
     * sums go per row into an array summed in order */
    CHECK(memcmp(c1, c2, n3 * sizeof(float)) == 0);
    for (size_t k = 0; k < n3; k++) {
      if (c1[k] < cmin) cmin = c1[k];
      csum += c1[k];
    }
    ct_air_balance b1, b2;
    ct_air_get_balance(a1, s, &b1);
    ct_air_get_balance(a2, s, &b2);
    CHECK(memcmp(&b1, &b2, sizeof b1) == 0);
    /* the ground output with the kernels' cell means */
    static float g1[NX * NY], g2[NX * NY];
    omp_set_num_threads(1);
    CHECK(ct_air_ground(a1, s, g1) == 0);
    omp_set_num_threads(2);
    CHECK(ct_air_ground(a2, s, g2) == 0);
    CHECK(memcmp(g1, g2, sizeof g1) == 0);
    CHECK(ct__air_line_mass(a1, s) > 0);
    /* the balance closes: emitted = in air + left + lost (float32 state) */
    printf("species %d: emitted %.6g g, in air %.6g, left %.6g, lost %.6g\n",
           s, b1.emitted, b1.in_air, b1.left, b1.lost);
    CHECK_NEAR((b1.in_air + b1.left + b1.lost) / b1.emitted, 1.0, 1e-5);
    CHECK(b1.lost > 0 && b1.left > 0);
  }
  /* positive despite the divergent wind field */
  CHECK(cmin >= 0.0 && csum > 0);
  ct_air_free(a1);
  ct_air_free(a2);
  return TEST_RESULT();
}
