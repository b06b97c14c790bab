/* test_air_advect.c - pure advection (REFERENCES 3, case 1): a Gaussian and
 * a square wave carried once round a periodic domain by a diagonal wind,
 * without diffusion or loss. Mass is conserved to float round-off, no value
 * goes negative, and the peak loss of the limited scheme stays bounded. */
#include <math.h>
#include "citytwin/air.h"
#include "ct_test.h"

/* shape 0: Gaussian (sigma 4 cells), 1: square 16 x 16 cells */
static void run(int shape, double *mass_rel, double *cmin, double *peak_ratio,
                double *l1) {
  ct_error err = {0};
  ct_air_config c;
  ct_air_config_default(&c);
  c.nx = c.ny = 64;
  c.dx = 10.0;
  c.nz = 1;
  c.top = 10.0;
  c.dz0 = 10.0;
  c.periodic = 1;
  c.cfl = 0.5;
  c.nspecies = 1;
  c.species[0] = *ct_air_species_find("co"); /* inert */
  c.plume_in_grid = 0;
  ct_air *a = NULL;
  CHECK_OK(ct_air_create(&a, &c, &err), &err);
  if (!a) return;
  ct_air_met m;
  ct_air_met_default(&m);
  m.speed = sqrt(2.0); /* 1 m/s east and 1 m/s north */
  m.dir = 225.0;       /* from the south-west */
  m.p = 0.0;
  m.kz = -1;
  m.kh = -1;
  CHECK_OK(ct_air_set_met(a, &m, &err), &err);
  float *q = ct_air_conc(a, 0);
  static float init[64 * 64];
  double m0 = 0, peak0 = 0;
  for (int j = 0; j < 64; j++)
    for (int i = 0; i < 64; i++) {
      double v;
      if (shape == 0) {
        double r2 = (i - 31.5) * (i - 31.5) + (j - 31.5) * (j - 31.5);
        v = 100.0 * exp(-r2 / (2.0 * 16.0));
      } else {
        v = (i >= 24 && i < 40 && j >= 24 && j < 40) ? 100.0 : 0.0;
      }
      q[j * 64 + i] = init[j * 64 + i] = (float)v;
      m0 += v;
      if (v > peak0) peak0 = v;
    }
  /* once round: 640 m at 1 m/s, dt = 0.5 dx / u = 5 s: 128 steps */
  double dt = ct_air_max_dt(a);
  CHECK_NEAR(dt, 5.0, 1e-9);
  for (int n = 0; n < 128; n++) CHECK_OK(ct_air_step(a, dt, &err), &err);
  double m1 = 0, mn = 1e30, pk = 0, d = 0;
  for (int k = 0; k < 64 * 64; k++) {
    m1 += q[k];
    if (q[k] < mn) mn = q[k];
    if (q[k] > pk) pk = q[k];
    d += fabs(q[k] - init[k]);
  }
  *mass_rel = fabs(m1 - m0) / m0;
  *cmin = mn;
  *peak_ratio = pk / peak0;
  *l1 = d / m0;
  ct_air_balance b;
  ct_air_get_balance(a, 0, &b);
  CHECK(b.left == 0.0 && b.lost == 0.0 && b.emitted == 0.0);
  ct_air_free(a);
}

int main(void) {
  double mr, mn, pr, l1;
  run(0, &mr, &mn, &pr, &l1);
  printf("gaussian: mass error %.3g, min %.3g, peak kept %.4f, L1 %.4f\n", mr,
         mn, pr, l1);
  /* flux form: every face flux leaves one cell and enters the next, so mass
   * changes only by float32 round-off of 4096 cells x 256 sweeps */
  CHECK(mr < 1e-5);
  /* positivity of the limited scheme at Courant number 0.5 */
  CHECK(mn >= 0.0);
  /* van Leer at CFL 0.5 over 64 cells of travel per direction keeps about
   * 80 % of a sigma = 4 cell Gaussian peak (measured 0.793); first-order
   * upwind would keep a third: its numerical diffusivity u dx (1 - nu)/2 =
   * 2.5 m2/s over 640 s takes sigma^2 from 16 to 48 cells^2 per direction.
   * The bound 0.75 sits between the two with a margin for compilers. */
  CHECK(pr > 0.75 && pr <= 1.0);
  run(1, &mr, &mn, &pr, &l1);
  printf("square:   mass error %.3g, min %.3g, peak kept %.4f, L1 %.4f\n", mr,
         mn, pr, l1);
  CHECK(mr < 1e-5);
  CHECK(mn >= 0.0);
  /* TVD: no new maximum above the plateau (round-off only) */
  CHECK(pr <= 1.0 + 1e-6);
  CHECK(l1 < 0.5);
  return TEST_RESULT();
}
