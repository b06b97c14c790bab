/* test_flood_threads.c - the same results bit for bit with 1, 2, 3 and 7
 * threads: a grid large enough for the parallel path (>= 40,000 cells),
 * rough bed, Manning raster, rain per cell, drains, an inflow and free and
 * level edges; depth, speed and every balance term must be identical. Also a
 * long narrow grid (12 rows) on 5 threads, where each thread's block is 2-3
 * rows and the block-edge rows of the sweep (sweep.c) are most of the work. */
#include <omp.h>

#include "ct_test.h"
#include "flood_test_util.h"

#define MAXC (250 * 203)
static int NX, NY;

static void run(int threads, float *depth, float *speed, ct_flood_balance *b) {
  omp_set_num_threads(threads);
  static float z[MAXC], n[MAXC], r[MAXC], d[MAXC];
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      int k = j * NX + i;
      z[k] = (float)(0.002 * (NY - j) * 10 + 0.3 * sin(0.21 * i) * sin(0.17 * j));
      n[k] = (float)(0.02 + 0.01 * ((i * 7 + j * 3) % 5));
      r[k] = (float)((40.0 + (k % 11)) / 3.6e6);
      d[k] = (float)(((k % 7) == 0 ? 20.0 : 0.0) / 3.6e6);
    }
  ct_grid g = ft_grid(NX, NY, 10.0);
  ct_error err = {0};
  ct_flood *f = NULL;
  CHECK_OK(ct_flood_create(&f, &g, z, n, 0.0, NULL, &err), &err);
  if (!f) return;
  CHECK_OK(ct_flood_set_rain(f, 0.0, r, &err), &err);
  CHECK_OK(ct_flood_set_drains(f, d, 1, 1200, 15, &err), &err);
  double tq[2] = {0, 1000}, qq[2] = {10, 30};
  CHECK_OK(ct_flood_add_inflow(f, 500, NY * 10.0 - 30, 700, NY * 10.0 - 90,
                               2, tq, qq, &err), &err);
  CHECK_OK(ct_flood_set_boundary(f, CT_FLOOD_SOUTH, CT_FLOOD_FREE, 0, NULL,
                                 NULL, &err), &err);
  double tl[2] = {0, 1000}, lv[2] = {3.0, 4.0};
  CHECK_OK(ct_flood_set_boundary(f, CT_FLOOD_WEST, CT_FLOOD_LEVEL, 2, tl, lv,
                                 &err), &err);
  CHECK_OK(ct_flood_run(f, 0, 300, NULL, &err), &err);
  ct_flood_depth(f, depth);
  ct_flood_speed(f, speed);
  ct_flood_get_balance(f, b);
  ct_flood_destroy(f);
}

static void compare(int nx, int ny, const int *threads, int nt) {
  static float d1[MAXC], s1[MAXC], d2[MAXC], s2[MAXC];
  ct_flood_balance b1, b2;
  NX = nx;
  NY = ny;
  run(1, d1, s1, &b1);
  for (int k = 0; k < nt; k++) {
    run(threads[k], d2, s2, &b2);
    size_t bytes = (size_t)nx * ny * sizeof(float);
    int same = memcmp(d1, d2, bytes) == 0 && memcmp(s1, s2, bytes) == 0 &&
               memcmp(&b1, &b2, sizeof b1) == 0;
    printf("%d x %d, %d threads: %s\n", nx, ny, threads[k],
           same ? "identical" : "DIFFERENT");
    CHECK(same);
  }
  /* Not a trivial pass: water moved. */
  double vmax = 0;
  for (int k = 0; k < nx * ny; k++) vmax = fmax(vmax, s1[k]);
  CHECK(vmax > 0.1);
  CHECK(b1.error_rel < 1e-6);
  printf("max speed %.3f m/s, storage %.1f m3, error %.3g\n", vmax, b1.storage,
         b1.error_rel);
}

int main(void) {
  const int t1[3] = {2, 3, 7}, t2[1] = {5};
  compare(250, 203, t1, 3);
  compare(4000, 12, t2, 1);
  return TEST_RESULT();
}
