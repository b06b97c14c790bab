/* state.c - the air model's state: vertical levels, allocation, the Strang
 * splitting of a step, the time-step limit, outputs and the mass balance. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "air_internal.h"

void ct_air_config_default(ct_air_config *c) {
  memset(c, 0, sizeof *c);
  c->dx = 100.0;
  c->nz = 12;
  c->top = 1000.0;
  c->dz0 = 4.0;
  c->nspecies = 2;
  c->species[0] = *ct_air_species_find("pm25");
  c->species[1] = *ct_air_species_find("nox");
  c->urban = 1;
  c->cfl = 0.8;
  c->plume_in_grid = 1;
  c->handover = 1.0;
}

double ct__air_sum(const double *v, size_t n) {
  double s = 0;
  for (size_t k = 0; k < n; k++) s += v[k];
  return s;
}

/* Stretched levels: thicknesses dz0 r^k summing to top (geometric growth
 * keeps the first levels thin where Kz and the gradients are largest). */
static void make_levels(ct_air *a) {
  int nz = a->nz;
  double top = a->cfg.top, dz0 = a->cfg.dz0;
  double r = 1.0;
  if (dz0 > 0 && dz0 * nz < top) {
    double lo = 1.0, hi = 2.0;
    while (dz0 * (pow(hi, nz) - 1.0) / (hi - 1.0) < top) hi *= 2.0;
    for (int it = 0; it < 200; it++) {
      double mid = 0.5 * (lo + hi);
      if (dz0 * (pow(mid, nz) - 1.0) / (mid - 1.0) < top) lo = mid;
      else hi = mid;
    }
    r = 0.5 * (lo + hi);
  }
  a->zf[0] = 0.0;
  double d = r == 1.0 ? top / nz : dz0;
  for (int k = 0; k < nz; k++) {
    a->zf[k + 1] = a->zf[k] + d;
    d *= r;
  }
  a->zf[nz] = top; /* exact top despite round-off */
  for (int k = 0; k < nz; k++) {
    a->dz[k] = a->zf[k + 1] - a->zf[k];
    a->zc[k] = 0.5 * (a->zf[k] + a->zf[k + 1]);
  }
}

void ct_air_free(ct_air *a) {
  if (!a) return;
  for (int s = 0; s < CT_AIR_MAXSPEC; s++) {
    ct_free_aligned(a->c[s]);
    ct_free_aligned(a->emis[s]);
  }
  ct_free_aligned(a->ux);
  ct_free_aligned(a->vy);
  ct_free_aligned(a->pad);
  ct_free_aligned(a->fl);
  ct_free_aligned(a->gface);
  free(a->zf); free(a->zc); free(a->dz); free(a->prof); free(a->kz);
  free(a->kh); free(a->tri_a); free(a->tri_m); free(a->tri_c);
  free(a->rowsum); free(a->rowsum2);
  for (int s = 0; s < CT_AIR_MAXSPEC; s++) {
    free(a->line[s]);
    free(a->kmass[s]);
  }
  free(a->lact); free(a->lrow); free(a->lu); free(a->lex); free(a->ley);
  free(a->lth); free(a->lcell); free(a->lw); free(a->lzw);
  for (int k = 0; k < a->nstack; k++) free(a->stack[k].zw);
  free(a->stack);
  free(a);
}

int ct_air_create(ct_air **out, const ct_air_config *c, ct_error *err) {
  *out = NULL;
  if (c->nx < 1 || c->ny < 1 || c->nz < 1 || c->nz > 200 || !(c->dx > 0) ||
      !(c->top > 0) || c->nspecies < 1 || c->nspecies > CT_AIR_MAXSPEC ||
      c->cfl < 0 || c->cfl > 1 || !isfinite(c->top) || !isfinite(c->dx))
    return ct_error_set(err, CT_EINVAL, "air: bad grid: %d x %d x %d cells of "
                        "%g m, top %g m, %d species, cfl %g", c->nx, c->ny,
                        c->nz, c->dx, c->top, c->nspecies, c->cfl);
  if ((double)c->nx * c->ny * c->nz * c->nspecies * 4.0 > 64e9)
    return ct_error_set(err, CT_ENOMEM, "air: %d x %d x %d cells is too big",
                        c->nx, c->ny, c->nz);
  for (int s = 0; s < c->nspecies; s++)
    if (!(c->species[s].decay >= 0) || !(c->species[s].vdep >= 0))
      return ct_error_set(err, CT_EINVAL, "air: species '%s': negative loss",
                          c->species[s].name);
  ct_air *a = calloc(1, sizeof *a);
  if (!a) return ct_error_set(err, CT_ENOMEM, "air: out of memory");
  a->cfg = *c;
  if (a->cfg.cfl == 0) a->cfg.cfl = 0.8;
  if (!(a->cfg.handover > 0)) a->cfg.handover = 1.0;
  a->nx = c->nx; a->ny = c->ny; a->nz = c->nz; a->ns = c->nspecies;
  a->dx = c->dx;
  a->nxy = (size_t)c->nx * c->ny;
  a->n3 = a->nxy * c->nz;
  int nz = a->nz, ok = 1;
  a->zf = malloc((nz + 1) * sizeof(double));
  a->zc = malloc(nz * sizeof(double));
  a->dz = malloc(nz * sizeof(double));
  a->prof = malloc(nz * sizeof(double));
  a->kz = malloc((nz + 1) * sizeof(double));
  a->kh = malloc(nz * sizeof(double));
  a->tri_a = malloc((size_t)a->ns * nz * sizeof(double));
  a->tri_m = malloc((size_t)a->ns * nz * sizeof(double));
  a->tri_c = malloc((size_t)a->ns * nz * sizeof(double));
  a->rowsum = malloc((size_t)nz * a->ny * sizeof(double));
  a->rowsum2 = malloc((size_t)nz * a->ny * sizeof(double));
  for (int s = 0; s < a->ns && ok; s++) {
    a->c[s] = ct_alloc_aligned(a->n3 * sizeof(float));
    a->emis[s] = ct_alloc_aligned(a->nxy * sizeof(float));
    ok = a->c[s] && a->emis[s];
  }
  int nthr = omp_get_max_threads();
  if (omp_get_num_procs() > nthr) nthr = omp_get_num_procs();
  if (nthr < 1) nthr = 1;
  a->nscratch = nthr;
  a->ux = ct_alloc_aligned((size_t)a->ny * (a->nx + 1) * sizeof(float));
  a->vy = ct_alloc_aligned((size_t)(a->ny + 1) * a->nx * sizeof(float));
  a->pad = ct_alloc_aligned((size_t)nthr * (a->nx + 4) * sizeof(float));
  a->fl = ct_alloc_aligned((size_t)nthr * (2 * a->nx + 3) * sizeof(float));
  a->gface = ct_alloc_aligned((size_t)nthr * (a->ny + 5) * a->nx *
                               sizeof(float));
  if (!ok || !a->zf || !a->zc || !a->dz || !a->prof || !a->kz || !a->kh ||
      !a->tri_a || !a->tri_m || !a->tri_c || !a->rowsum || !a->rowsum2 ||
      !a->ux || !a->vy || !a->pad || !a->fl || !a->gface) {
    ct_air_free(a);
    return ct_error_set(err, CT_ENOMEM, "air: out of memory for %d x %d x %d "
                        "cells", c->nx, c->ny, c->nz);
  }
  make_levels(a);
  a->fact_dt = -1.0;
  ct_air_met m;
  ct_air_met_default(&m);
  m.speed = 0.0;
  m.mixing_height = c->top;
  int rc = ct_air_set_met(a, &m, err);
  if (rc) { ct_air_free(a); return rc; }
  a->have_met = 0;
  *out = a;
  return CT_OK;
}

float *ct_air_conc(ct_air *a, int s) {
  return s >= 0 && s < a->ns ? a->c[s] : NULL;
}
float *ct_air_ground_emission(ct_air *a, int s) {
  return s >= 0 && s < a->ns ? a->emis[s] : NULL;
}
const double *ct_air_levels(const ct_air *a, int *nz) {
  if (nz) *nz = a->nz;
  return a->zf;
}
double ct_air_time(const ct_air *a) { return a->t; }

double ct_air_max_dt(const ct_air *a) {
  double dt = 3600.0; /* calm air: the step is bounded by the caller */
  double cfl = a->cfg.cfl;
  double top = a->prof[a->nz - 1] > a->prof[0] ? a->prof[a->nz - 1] : a->prof[0];
  double umax = a->umax_face * top, outmax = a->outmax * top;
  if (umax > 0) dt = fmin(dt, cfl * a->dx / umax);
  /* Divergent raster winds: keep a cell's outflow Courant sum <= 0.5 so
   * that the limited fluxes cannot empty it (positivity). */
  if (outmax > umax * 1.0001) dt = fmin(dt, 0.5 * a->dx / outmax);
  double khmax = 0;
  for (int k = 0; k < a->nz; k++) khmax = fmax(khmax, a->kh[k]);
  if (khmax > 0) {
    /* explicit diffusion: stability, and with the advective outflow of at
     * most nu (2 - nu) of a cell's content, the total stays below 1 */
    dt = fmin(dt, 0.25 * a->dx * a->dx / khmax);
    for (int it = 0; it < 60; it++) {
      double nu = umax * dt / a->dx, d = khmax * dt / (a->dx * a->dx);
      if (nu * (2.0 - nu) + 2.0 * d <= 1.0) break;
      dt *= 0.95;
    }
  }
  return dt;
}

int ct_air_step(ct_air *a, double dt, ct_error *err) {
  if (!(dt > 0) || dt > ct_air_max_dt(a) * (1.0 + 1e-9))
    return ct_error_set(err, CT_EINVAL, "air: step %g s outside (0, %g]", dt,
                        ct_air_max_dt(a));
  double emitted[CT_AIR_MAXSPEC] = {0}, lost[CT_AIR_MAXSPEC] = {0},
         left[CT_AIR_MAXSPEC] = {0};
  /* Strang splitting (Strang 1968): half a step of the column processes
   * (sources, vertical diffusion, deposition, decay), a full step of
   * horizontal transport (x then y, alternating the order from step to step),
   * half a step of the column processes. */
  ct__air_vertical(a, 0.5 * dt, emitted, lost, left);
  ct__air_advect(a, dt, (int)(a->nstep & 1), left);
  ct__air_vertical(a, 0.5 * dt, emitted, lost, left);
  for (int s = 0; s < a->ns; s++) {
    a->bal[s].emitted += emitted[s];
    a->bal[s].lost += lost[s];
    a->bal[s].left += left[s];
  }
  a->t += dt;
  a->nstep++;
  return CT_OK;
}

void ct_air_get_balance(const ct_air *a, int s, ct_air_balance *b) {
  *b = a->bal[s];
  /* in the air: per-row sums in double, then summed in order */
  double *rs = a->rowsum2;
  const float *c = a->c[s];
  int nx = a->nx, ny = a->ny, nz = a->nz;
  double area = a->dx * a->dx;
#pragma omp parallel for schedule(static)
  for (int kj = 0; kj < nz * ny; kj++) {
    int k = kj / ny;
    const float *row = c + (size_t)kj * nx;
    double sum = 0;
    for (int i = 0; i < nx; i++) sum += row[i];
    rs[kj] = sum * area * a->dz[k] * 1e-6;
  }
  /* the road kernels' plumes are in the air too (not in the grid) */
  b->in_air = ct__air_sum(rs, (size_t)nz * ny) + ct__air_line_mass(a, s);
}

int ct_air_ground(const ct_air *a, int s, float *out) {
  if (s < 0 || s >= a->ns) return CT_EINVAL;
  memcpy(out, a->c[s], a->nxy * sizeof(float));
  if (a->cfg.plume_in_grid && a->nstack > 0)
    ct__air_kernel_add(a, s, a->cfg.xmin, a->cfg.ymax, a->dx, a->nx, a->ny,
                       a->zc[0], out);
  ct__air_line_add(a, s, a->cfg.xmin, a->cfg.ymax, a->dx, a->nx, a->ny,
                   a->zc[0], out);
  return CT_OK;
}

double ct_air_point(const ct_air *a, int s, double x, double y, double z) {
  if (s < 0 || s >= a->ns) return NAN;
  int i = (int)floor((x - a->cfg.xmin) / a->dx);
  int j = (int)floor((a->cfg.ymax - y) / a->dx);
  if (i < 0 || j < 0 || i >= a->nx || j >= a->ny) return NAN;
  size_t cell = (size_t)j * a->nx + i;
  const float *c = a->c[s];
  double v;
  if (z <= a->zc[0]) {
    v = c[cell];
  } else if (z >= a->zc[a->nz - 1]) {
    v = c[(size_t)(a->nz - 1) * a->nxy + cell];
  } else {
    int k = 0;
    while (k + 1 < a->nz && a->zc[k + 1] < z) k++;
    double w = (z - a->zc[k]) / (a->zc[k + 1] - a->zc[k]);
    v = (1 - w) * c[(size_t)k * a->nxy + cell] +
        w * c[(size_t)(k + 1) * a->nxy + cell];
  }
  if (a->cfg.plume_in_grid && a->nstack > 0)
    v += ct__air_kernel_at(a, s, x, y, z);
  return v + ct__air_line_at(a, s, x, y, z);
}
