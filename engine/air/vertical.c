/* vertical.c - the column processes of a half step: emissions, implicit
 * (backward Euler, tridiagonal) vertical eddy diffusion with dry deposition
 * as the ground flux -vd C, and first-order decay. Implicit because Kz dt /
 * dz^2 near the ground is far above the explicit limit; the matrix is an
 * M-matrix, so the solution stays positive, and its conservative form keeps
 * the column mass exact up to the deposition flux. */
#include <math.h>
#include <omp.h>
#include "air_internal.h"

/* Thomas-algorithm factors for dt (the matrix is the same in every column:
 * Kz depends on height only). */
static void factor(ct_air *a, double dt) {
  int nz = a->nz;
  for (int s = 0; s < a->ns; s++) {
    double *ta = a->tri_a + (size_t)s * nz, *tm = a->tri_m + (size_t)s * nz,
           *tc = a->tri_c + (size_t)s * nz;
    double cprev = 0;
    for (int k = 0; k < nz; k++) {
      double al = k > 0 ? dt * a->kz[k] / (a->dz[k] * (a->zc[k] - a->zc[k - 1]))
                        : 0.0;
      double be = k < nz - 1
                      ? dt * a->kz[k + 1] / (a->dz[k] * (a->zc[k + 1] - a->zc[k]))
                      : 0.0;
      double b = 1.0 + al + be;
      if (k == 0) b += dt * a->cfg.species[s].vdep / a->dz[0];
      double m = 1.0 / (b + al * cprev); /* b - a_k c'_{k-1}, a_k = -al */
      ta[k] = -al;
      tm[k] = m;
      tc[k] = -be * m;
      cprev = tc[k];
    }
    a->decay_f[s] = exp(-a->cfg.species[s].decay * dt);
  }
  a->fact_dt = dt;
}

void ct__air_vertical(ct_air *a, double dt, double *emitted, double *lost,
                      double *left) {
  if (dt != a->fact_dt) factor(a, dt);
  int nx = a->nx, ny = a->ny, nz = a->nz;
  size_t nxy = a->nxy;
  double area = a->dx * a->dx;
  for (int s = 0; s < a->ns; s++) {
    float *c = a->c[s];
    /* stacks: their hand-over footprints (a few cells each) */
    for (int q = 0; q < a->nstack; q++) {
      const ct__air_stack *st = &a->stack[q];
      double m = st->rate[s] * dt; /* [g] */
      if (m <= 0) continue;
      emitted[s] += m;
      double inside = 0;
      for (int f = 0; f < st->nfoot; f++) {
        if (st->foot_cell[f] < 0) continue;
        inside += st->foot_w[f];
        for (int k = 0; k < nz; k++) {
          double w = st->foot_w[f] * st->zw[k];
          if (w <= 0) continue;
          c[(size_t)k * nxy + (size_t)st->foot_cell[f]] +=
              (float)(m * w * 1e6 / (area * a->dz[k]));
        }
      }
      left[s] += m * (1.0 - inside);
    }
    /* roads: their kernels take the emission and hand over to the grid */
    if (a->line[s]) ct__air_line_step(a, s, dt, &emitted[s], &left[s]);
    const double *ta = a->tri_a + (size_t)s * nz, *tm = a->tri_m + (size_t)s * nz,
                 *tc = a->tri_c + (size_t)s * nz;
    const float *e = a->emis[s];
    const float src = (float)(dt * 1e6 / (area * a->dz[0]));
    const float ff = (float)a->decay_f[s];
    const double vd = a->cfg.species[s].vdep;
    double *rs_em = a->rowsum, *rs_lost = a->rowsum2;
    int nthr = ct__air_threads(a);
#pragma omp parallel for schedule(static) num_threads(nthr)
    for (int j = 0; j < ny; j++) {
      float *r0 = c + (size_t)j * nx;
      const float *er = e + (size_t)j * nx;
      double em = 0;
#pragma omp simd reduction(+ : em)
      for (int i = 0; i < nx; i++) em += er[i];
      /* forward elimination, with the ground source in level 0 */
      {
        const float m0 = (float)tm[0];
#pragma omp simd
        for (int i = 0; i < nx; i++) r0[i] = (r0[i] + src * er[i]) * m0;
      }
      for (int k = 1; k < nz; k++) {
        float *rk = r0 + (size_t)k * nxy;
        const float *rb = rk - nxy;
        const float ak = (float)ta[k], mk = (float)tm[k];
#pragma omp simd
        for (int i = 0; i < nx; i++) rk[i] = (rk[i] - ak * rb[i]) * mk;
      }
      /* back substitution */
      for (int k = nz - 2; k >= 0; k--) {
        float *rk = r0 + (size_t)k * nxy;
        const float *ra = rk + nxy;
        const float ck = (float)tc[k];
#pragma omp simd
        for (int i = 0; i < nx; i++) rk[i] -= ck * ra[i];
      }
      /* deposition flux vd C0 (new) and first-order decay */
      double dep = 0, dec = 0;
#pragma omp simd reduction(+ : dep)
      for (int i = 0; i < nx; i++) dep += r0[i];
      dep *= vd * dt;
      if (ff < 1.0f) {
        for (int k = 0; k < nz; k++) {
          float *rk = r0 + (size_t)k * nxy;
          double before = 0;
#pragma omp simd reduction(+ : before)
          for (int i = 0; i < nx; i++) {
            before += rk[i];
            rk[i] *= ff;
          }
          dec += (1.0 - (double)ff) * before * a->dz[k];
        }
      }
      rs_em[j] = em * dt;
      rs_lost[j] = (dep + dec) * area * 1e-6;
    }
    emitted[s] += ct__air_sum(rs_em, (size_t)ny);
    lost[s] += ct__air_sum(rs_lost, (size_t)ny);
  }
}
