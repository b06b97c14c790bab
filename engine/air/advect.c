/* advect.c - horizontal transport: flux-form advection with the van Leer
 * limiter (van Leer 1977, J. Comput. Phys. 23:276; the flux-limited
 * Lax-Wendroff form of Sweby 1984, SIAM J. Numer. Anal. 21:995), positive
 * and conservative for Courant numbers <= 1, plus explicit horizontal eddy
 * diffusion in the same face fluxes. Dimensionally split: x sweeps then y
 * sweeps (the order alternates from step to step). Boundaries: clean air
 * flows in, outflow has zero gradient; or periodic. */
#include <math.h>
#include <omp.h>
#include "air_internal.h"

/* van Leer's limited slope of a cell from its one-sided differences: their
 * harmonic mean, 0 at extrema (selects around the division, not branches,
 * so the loops vectorise). */
static inline float vl_slope(float dl, float dr) {
  float p = dl * dr;
  float num = p > 0.0f ? 2.0f * p : 0.0f, den = p > 0.0f ? dl + dr : 1.0f;
  return num / den;
}

/* Face flux [ug m-2 s-1] between cells m and p with limited slopes sm, sp
 * for velocity u (towards p when > 0): the upwind value plus half the
 * slope times (1 - Courant), minus K dC/dx. */
static inline float face_flux_s(float cm, float cp, float sm, float sp,
                                float u, float dtdx, float kdx) {
  float nu = u * dtdx;
  float cf_pos = cm + 0.5f * (1.0f - nu) * sm;
  float cf_neg = cp - 0.5f * (1.0f + nu) * sp;
  float cf = u >= 0.0f ? cf_pos : cf_neg;
  return u * cf - kdx * (cp - cm);
}

/* The same from the four cells around the face (boundary rows). */
static inline float face_flux(float cmm, float cm, float cp, float cpp,
                              float u, float dtdx, float kdx) {
  return face_flux_s(cm, cp, vl_slope(cm - cmm, cp - cm),
                     vl_slope(cp - cm, cpp - cp), u, dtdx, kdx);
}

static void sweep_x(ct_air *a, int s, double dt, double *left) {
  int nx = a->nx, ny = a->ny, nz = a->nz;
  int periodic = a->cfg.periodic;
  float *c = a->c[s];
  double *rs = a->rowsum;
  const float dtdx = (float)(dt / a->dx);
  int nthr = ct__air_threads(a);
#pragma omp parallel num_threads(nthr)
  {
    int tid = omp_get_thread_num();
    float *pad = a->pad + (size_t)tid * (nx + 4);
    float *fl = a->fl + (size_t)tid * (2 * nx + 3);
    float *sl = fl + nx + 1;
#pragma omp for schedule(static)
    for (int kj = 0; kj < nz * ny; kj++) {
      int k = kj / ny, j = kj % ny;
      float *row = c + (size_t)kj * nx;
      const float *uf = a->ux + (size_t)j * (nx + 1);
      const float pk = (float)a->prof[k];
      const float kdx = (float)(a->kh[k] / a->dx);
#pragma omp simd
      for (int i = 0; i < nx; i++) pad[i + 2] = row[i];
      if (periodic) {
        pad[1] = row[nx - 1];
        pad[0] = row[nx >= 2 ? nx - 2 : 0];
        pad[nx + 2] = row[0];
        pad[nx + 3] = row[nx >= 2 ? 1 : 0];
      } else {
        float gl = uf[0] > 0.0f ? 0.0f : row[0];
        float gr = uf[nx] < 0.0f ? 0.0f : row[nx - 1];
        pad[0] = pad[1] = gl;
        pad[nx + 2] = pad[nx + 3] = gr;
      }
      /* slopes of cells -1..nx (one division per cell), then faces */
#pragma omp simd
      for (int m = 0; m <= nx + 1; m++)
        sl[m] = vl_slope(pad[m + 1] - pad[m], pad[m + 2] - pad[m + 1]);
#pragma omp simd
      for (int m = 0; m <= nx; m++)
        fl[m] = face_flux_s(pad[m + 1], pad[m + 2], sl[m], sl[m + 1],
                            uf[m] * pk, dtdx, kdx);
#pragma omp simd
      for (int i = 0; i < nx; i++) row[i] -= dtdx * (fl[i + 1] - fl[i]);
      rs[kj] = periodic ? 0.0 : ((double)fl[nx] - (double)fl[0]) * a->dz[k];
    }
  }
  /* net outflow [g]: flux [ug m-2 s-1] x face area (dx dz) x dt */
  *left += ct__air_sum(rs, (size_t)nz * ny) * dt * a->dx * 1e-6;
}

/* c at row j (ghosts outside: clean air on inflow, zero gradient on
 * outflow, or periodic, where rows 0 and 1 come from wrap, their values
 * before this sweep updated them). */
static inline float cell_y(const ct_air *a, const float *lev,
                           const float *wrap, int j, int i, float pk) {
  int nx = a->nx, ny = a->ny;
  if (j >= 0 && j < ny) return lev[(size_t)j * nx + i];
  if (a->cfg.periodic) {
    if (j < 0) return lev[(size_t)(((j % ny) + ny) % ny) * nx + i];
    j -= ny;
    return j < 2 && j < ny ? wrap[(size_t)j * nx + i]
                           : lev[(size_t)(j % ny) * nx + i];
  }
  if (j < 0) {
    float v = a->vy[i] * pk; /* north face: inflow when moving south (> 0) */
    return v > 0.0f ? 0.0f : lev[i];
  }
  float v = a->vy[(size_t)ny * nx + i] * pk; /* south face: inflow if < 0 */
  return v < 0.0f ? 0.0f : lev[(size_t)(ny - 1) * nx + i];
}

static void sweep_y(ct_air *a, int s, double dt, double *left) {
  int nx = a->nx, ny = a->ny, nz = a->nz;
  float *c = a->c[s];
  double *rs = a->rowsum;
  const float dtdx = (float)(dt / a->dx);
  int nthr = ct__air_threads(a);
  /* one level per thread at a time: the faces of a level live in the
   * thread's own buffer, so there is no barrier inside the sweep */
#pragma omp parallel for schedule(static) num_threads(nthr)
  for (int k = 0; k < nz; k++) {
    float *g = a->gface + (size_t)omp_get_thread_num() * (ny + 5) * nx;
    float *wrap = g + (size_t)(ny + 1) * nx;
    float *s_a = wrap + 2 * (size_t)nx, *s_b = s_a + nx;
    float *lev = c + (size_t)k * a->nxy;
    if (a->cfg.periodic)
      for (size_t q = 0; q < (size_t)(ny < 2 ? ny : 2) * nx; q++)
        wrap[q] = lev[q];
    const float pk = (float)a->prof[k];
    const float kdx = (float)(a->kh[k] / a->dx);
    for (int jf = 0; jf <= ny; jf++) {
      const float *vf = a->vy + (size_t)jf * nx;
      float *gr = g + (size_t)jf * nx;
      if (jf >= 2 && jf <= ny - 2) {
        const float *rm = lev + (size_t)(jf - 1) * nx, *rp = rm + nx,
                    *rpp = rp + nx;
        if (jf == 2) { /* slopes of row 1 (row jf-1) to start the roll */
          const float *r0 = rm - nx;
#pragma omp simd
          for (int i = 0; i < nx; i++)
            s_a[i] = vl_slope(rm[i] - r0[i], rp[i] - rm[i]);
        }
        /* slopes of row jf (one division per cell), then the faces */
#pragma omp simd
        for (int i = 0; i < nx; i++)
          s_b[i] = vl_slope(rp[i] - rm[i], rpp[i] - rp[i]);
#pragma omp simd
        for (int i = 0; i < nx; i++)
          gr[i] = face_flux_s(rm[i], rp[i], s_a[i], s_b[i], vf[i] * pk, dtdx,
                              kdx);
        float *tmp = s_a;
        s_a = s_b;
        s_b = tmp;
      } else {
        for (int i = 0; i < nx; i++)
          gr[i] = face_flux(cell_y(a, lev, wrap, jf - 2, i, pk),
                            cell_y(a, lev, wrap, jf - 1, i, pk),
                            cell_y(a, lev, wrap, jf, i, pk),
                            cell_y(a, lev, wrap, jf + 1, i, pk), vf[i] * pk,
                            dtdx, kdx);
      }
      /* row jf-2 is read by no later face: update it from its two faces */
      if (jf >= 2) {
        float *row = lev + (size_t)(jf - 2) * nx;
        const float *gn = gr - 2 * (size_t)nx, *gs = gr - nx;
#pragma omp simd
        for (int i = 0; i < nx; i++) row[i] -= dtdx * (gs[i] - gn[i]);
      }
    }
    {
      float *row = lev + (size_t)(ny - 1) * nx;
      const float *gn = g + (size_t)(ny - 1) * nx, *gs = gn + nx;
      for (int i = 0; i < nx; i++) row[i] -= dtdx * (gs[i] - gn[i]);
    }
    double o = 0;
    if (!a->cfg.periodic) {
      const float *gn = g, *gs = g + (size_t)ny * nx;
      for (int i = 0; i < nx; i++) o += (double)gs[i] - (double)gn[i];
    }
    rs[k] = o * a->dz[k];
  }
  *left += ct__air_sum(rs, (size_t)nz) * dt * a->dx * 1e-6;
}

void ct__air_advect(ct_air *a, double dt, int parity, double *left) {
  for (int s = 0; s < a->ns; s++) {
    if (parity) {
      sweep_y(a, s, dt, &left[s]);
      sweep_x(a, s, dt, &left[s]);
    } else {
      sweep_x(a, s, dt, &left[s]);
      sweep_y(a, s, dt, &left[s]);
    }
  }
}
