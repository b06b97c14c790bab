/* sim.c - a flood simulation built from arrays: creation, forcings, the time
 * step (ghosts -> momentum -> limiter and continuity -> edges -> inflows) and
 * the volume balance. The scenario model (model.c) drives it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "flood/flood_internal.h"

void ct_flood_params_default(ct_flood_params *p) {
  p->theta = 0.7;
  p->alpha = 0.7;
  p->max_dt = 10.0;
  p->h_flow = 1e-3;
  p->g = 9.80665;
}

double ct__flood_sum(const double *v, int n, int stride) {
  double s = 0.0;
  for (int k = 0; k < n; k++) s += v[(size_t)k * (size_t)stride];
  return s;
}

double ct__flood_max(const double *v, int n, int stride) {
  double m = 0.0;
  for (int k = 0; k < n; k++)
    if (v[(size_t)k * (size_t)stride] > m) m = v[(size_t)k * (size_t)stride];
  return m;
}

static float *grid_array(const ct_flood *f) {
  return ct_alloc_aligned(f->nalloc * sizeof(float));
}

/* Copies an nx*ny row-major array into the padded layout. */
static void load(const ct_flood *f, float *dst, const float *src) {
  for (int j = 0; j < f->ny; j++)
    memcpy(dst + FI(f->w, 0, j), src + (size_t)j * (size_t)f->nx,
           (size_t)f->nx * sizeof(float));
}

static void store(const ct_flood *f, float *dst, const float *src) {
  for (int j = 0; j < f->ny; j++)
    memcpy(dst + (size_t)j * (size_t)f->nx, src + FI(f->w, 0, j),
           (size_t)f->nx * sizeof(float));
}

int ct_flood_create(ct_flood **out, const ct_grid *g, const float *dem,
                    const float *manning, double manning_uniform,
                    const ct_flood_params *p, ct_error *err) {
  *out = NULL;
  if (!g || g->nx < 1 || g->ny < 1 || !(g->dx > 0))
    return ct_error_set(err, CT_EINVAL, "flood: empty or invalid grid");
  if (!dem) return ct_error_set(err, CT_EINVAL, "flood: no DEM");
  ct_flood_params def;
  ct_flood_params_default(&def);
  if (!p) p = &def;
  if (!(p->theta >= 0 && p->theta <= 1))
    return ct_error_set(err, CT_EINVAL, "flood: theta %g outside [0, 1]",
                        p->theta);
  if (!(p->alpha > 0 && p->alpha <= 1))
    return ct_error_set(err, CT_EINVAL, "flood: alpha %g outside (0, 1]",
                        p->alpha);
  if (!(p->max_dt > 0) || !(p->h_flow > 0) || !(p->g > 0))
    return ct_error_set(err, CT_EINVAL,
                        "flood: max_dt, h_flow and g must be positive");
  size_t nc = ct_grid_ncells(g);
  for (size_t k = 0; k < nc; k++) {
    if (!isfinite(dem[k]))
      return ct_error_set(err, CT_EINVAL,
                          "flood: DEM has no data at cell (%zu, %zu)",
                          k % (size_t)g->nx, k / (size_t)g->nx);
    if (manning && !(manning[k] > 0 && isfinite(manning[k])))
      return ct_error_set(err, CT_EINVAL,
                          "flood: Manning n %g at cell (%zu, %zu) must be > 0",
                          (double)manning[k], k % (size_t)g->nx,
                          k / (size_t)g->nx);
  }
  if (!manning && !(manning_uniform > 0 && isfinite(manning_uniform)))
    return ct_error_set(err, CT_EINVAL, "flood: Manning n %g must be > 0",
                        manning_uniform);

  ct_flood *f = calloc(1, sizeof *f);
  if (!f) return ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  f->nx = g->nx;
  f->ny = g->ny;
  f->w = g->nx + 4;
  f->nalloc = (size_t)f->w * (size_t)(g->ny + 4);
  f->dx = g->dx;
  f->area = g->dx * g->dx;
  f->xmin = g->gt[0];
  f->ymax = g->gt[3];
  f->p = *p;
  f->z = grid_array(f);
  f->eta = grid_array(f);
  f->comp = grid_array(f);
  f->qx = grid_array(f);
  f->qy = grid_array(f);
  f->nlimbuf = omp_get_max_threads();
  if (omp_get_num_procs() > f->nlimbuf) f->nlimbuf = omp_get_num_procs();
  if (f->nlimbuf < 1) f->nlimbuf = 1;
  size_t lrow = (size_t)g->nx + 2;
  f->limbuf = ct_alloc_aligned((size_t)f->nlimbuf * CT__SWEEP_ROWS * lrow *
                               sizeof(float));
  f->ones = ct_alloc_aligned(lrow * sizeof(float));
  f->rows = calloc((size_t)f->ny * RS_N, sizeof(double));
  if (manning) f->n2 = grid_array(f);
  if (!f->z || !f->eta || !f->comp || !f->qx || !f->qy ||
      !f->limbuf || !f->ones || !f->rows || (manning && !f->n2)) {
    ct_flood_destroy(f);
    return ct_error_set(err, CT_ENOMEM,
                        "flood: out of memory for %d x %d cells", g->nx,
                        g->ny);
  }
  load(f, f->z, dem);
  load(f, f->eta, dem);
  if (manning) {
    load(f, f->n2, manning);
    for (int j = 0; j < f->ny; j++)
      for (int i = 0; i < f->nx; i++) {
        size_t k = FI(f->w, i, j);
        f->n2[k] = f->n2[k] * f->n2[k];
      }
  }
  f->n2u = (float)(manning_uniform * manning_uniform);
  /* Ghost cells may always give water (level boundaries): factor 1. */
  for (size_t k = 0; k < (size_t)f->nlimbuf * CT__SWEEP_ROWS * lrow; k++)
    f->limbuf[k] = 1.0f;
  for (size_t k = 0; k < lrow; k++) f->ones[k] = 1.0f;
  ct__flood_ghosts(f, 0.0);
  *out = f;
  return CT_OK;
}

void ct_flood_destroy(ct_flood *f) {
  if (!f) return;
  ct_free_aligned(f->z);
  ct_free_aligned(f->eta);
  ct_free_aligned(f->comp);
  ct_free_aligned(f->n2);
  ct_free_aligned(f->qx);
  ct_free_aligned(f->qy);
  ct_free_aligned(f->limbuf);
  ct_free_aligned(f->ones);
  ct_free_aligned(f->rain);
  ct_free_aligned(f->infil);
  ct_free_aligned(f->infcum);
  ct_free_aligned(f->drain);
  for (int e = 0; e < 4; e++) ct__pl_free(&f->level[e]);
  for (int k = 0; k < f->ninflow; k++) {
    ct__pl_free(&f->inflow[k].q);
    free(f->inflow[k].cell);
    free(f->inflow[k].share);
  }
  free(f->inflow);
  free(f->rows);
  free(f);
}

double ct__flood_storage(const ct_flood *f) {
  /* Per row, then rows in order: the same sum for any thread count. */
  double *rs = f->rows;
#pragma omp parallel for schedule(static) if (CT__FLOOD_PAR(f))
  for (int j = 0; j < f->ny; j++) {
    double s = 0.0;
    for (int i = 0; i < f->nx; i++) {
      size_t k = FI(f->w, i, j);
      s += ((double)f->eta[k] - (double)f->z[k]) - (double)f->comp[k];
    }
    rs[(size_t)j * RS_N] = s;
  }
  return ct__flood_sum(rs, f->ny, RS_N) * f->area;
}

static void refresh_hmax(ct_flood *f) {
  double m = 0.0;
  for (int j = 0; j < f->ny; j++)
    for (int i = 0; i < f->nx; i++) {
      size_t k = FI(f->w, i, j);
      double h = (double)f->eta[k] - (double)f->z[k];
      if (h > m) m = h;
    }
  f->hmax = m;
}

int ct_flood_set_level(ct_flood *f, double level, ct_error *err) {
  if (!isfinite(level))
    return ct_error_set(err, CT_EINVAL, "flood: initial level not finite");
  for (int j = 0; j < f->ny; j++)
    for (int i = 0; i < f->nx; i++) {
      size_t k = FI(f->w, i, j);
      /* eta stored directly, so a lake at rest is exactly flat. */
      f->eta[k] = fmaxf((float)level, f->z[k]);
      f->comp[k] = 0.0f;
    }
  f->bal.storage0 = ct__flood_storage(f);
  refresh_hmax(f);
  return CT_OK;
}

int ct_flood_fill_from_boundaries(ct_flood *f, ct_error *err) {
  size_t n = (size_t)f->nx * (size_t)f->ny;
  int *queue = malloc(n * sizeof *queue);
  unsigned char *seen = malloc(n);
  if (!queue || !seen) {
    free(queue);
    free(seen);
    return ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  }
  int filled = 0;
  for (int e = 0; e < 4; e++) {
    if (f->bc[e] != CT_FLOOD_LEVEL) continue;
    float level = (float)ct__pl_at(&f->level[e], 0.0);
    memset(seen, 0, n);
    int head = 0, tail = 0;
    int len = e == CT_FLOOD_NORTH || e == CT_FLOOD_SOUTH ? f->nx : f->ny;
    for (int s = 0; s < len; s++) { /* seeds: edge cells below the level */
      int i = e == CT_FLOOD_EAST ? f->nx - 1 : e == CT_FLOOD_WEST ? 0 : s;
      int j = e == CT_FLOOD_NORTH ? 0 : e == CT_FLOOD_SOUTH ? f->ny - 1 : s;
      int c = j * f->nx + i;
      if (f->z[FI(f->w, i, j)] < level && !seen[c]) {
        seen[c] = 1;
        queue[tail++] = c;
      }
    }
    while (head < tail) { /* breadth first through cells below the level */
      int c = queue[head++], i = c % f->nx, j = c / f->nx;
      size_t k = FI(f->w, i, j);
      if (f->eta[k] < level) {
        f->eta[k] = level;
        f->comp[k] = 0.0f;
        filled++;
      }
      static const int di[4] = {1, -1, 0, 0}, dj[4] = {0, 0, 1, -1};
      for (int d = 0; d < 4; d++) {
        int ii = i + di[d], jj = j + dj[d];
        if (ii < 0 || jj < 0 || ii >= f->nx || jj >= f->ny) continue;
        int cc = jj * f->nx + ii;
        if (!seen[cc] && f->z[FI(f->w, ii, jj)] < level) {
          seen[cc] = 1;
          queue[tail++] = cc;
        }
      }
    }
  }
  free(queue);
  free(seen);
  f->bal.storage0 = ct__flood_storage(f);
  refresh_hmax(f);
  return filled;
}

int ct_flood_set_depth(ct_flood *f, const float *depth, ct_error *err) {
  for (int j = 0; j < f->ny; j++)
    for (int i = 0; i < f->nx; i++) {
      size_t k = FI(f->w, i, j);
      float h = depth ? depth[(size_t)j * (size_t)f->nx + (size_t)i] : 0.0f;
      if (!(h >= 0 && isfinite(h)))
        return ct_error_set(err, CT_EINVAL,
                            "flood: initial depth %g at cell (%d, %d)",
                            (double)h, i, j);
      double e = (double)f->z[k] + (double)h;
      f->eta[k] = (float)e;
      f->comp[k] = (float)((double)f->eta[k] - e);
    }
  f->bal.storage0 = ct__flood_storage(f);
  refresh_hmax(f);
  return CT_OK;
}

int ct_flood_set_boundary(ct_flood *f, int edge, int type, int n,
                          const double *t, const double *level,
                          ct_error *err) {
  if (edge < 0 || edge > 3)
    return ct_error_set(err, CT_EINVAL, "flood: no edge %d", edge);
  if (type != CT_FLOOD_CLOSED && type != CT_FLOOD_FREE &&
      type != CT_FLOOD_LEVEL)
    return ct_error_set(err, CT_EINVAL, "flood: unknown boundary type %d",
                        type);
  if (type == CT_FLOOD_LEVEL) {
    int rc = ct__pl_set(&f->level[edge], n, t, level, err);
    if (rc) return ct_error_prefix(err, "flood: boundary level");
  }
  f->bc[edge] = type;
  return CT_OK;
}

/* Cells the segment crosses, by sampling it at a tenth of a cell, each cell
 * weighted by the samples that fall in it (its share of the length). */
int ct_flood_add_inflow(ct_flood *f, double x1, double y1, double x2,
                        double y2, int n, const double *t, const double *q,
                        ct_error *err) {
  double len = hypot(x2 - x1, y2 - y1);
  int ns = 1 + (int)ceil(10.0 * len / f->dx);
  if (!isfinite(len) || ns > 10000000)
    return ct_error_set(err, CT_EINVAL, "flood: inflow line too long");
  size_t *cell = malloc((size_t)ns * sizeof *cell);
  double *share = malloc((size_t)ns * sizeof *share);
  if (!cell || !share) {
    free(cell);
    free(share);
    return ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  }
  int nc = 0;
  for (int s = 0; s < ns; s++) {
    double a = ns == 1 ? 0.5 : (s + 0.5) / ns;
    if (ns == 1 || len == 0) a = 0.0;
    double x = x1 + a * (x2 - x1), y = y1 + a * (y2 - y1);
    double fi = (x - f->xmin) / f->dx, fj = (f->ymax - y) / f->dx;
    /* A point on the east or south edge belongs to the edge cell. */
    if (fi == f->nx) fi = f->nx - 0.5;
    if (fj == f->ny) fj = f->ny - 0.5;
    if (!(fi >= 0 && fi < f->nx && fj >= 0 && fj < f->ny)) {
      free(cell);
      free(share);
      return ct_error_set(err, CT_ERANGE,
                          "flood: inflow point (%.2f, %.2f) is outside the "
                          "domain",
                          x, y);
    }
    size_t k = FI(f->w, (int)fi, (int)fj);
    int m = 0;
    while (m < nc && cell[m] != k) m++;
    if (m == nc) {
      cell[nc] = k;
      share[nc++] = 0.0;
    }
    share[m] += 1.0 / ns;
  }
  /* The ends too must be inside (sampling misses an end on the edge). */
  double ex[2] = {x1, x2}, ey[2] = {y1, y2};
  for (int e = 0; e < 2; e++) {
    double fi = (ex[e] - f->xmin) / f->dx, fj = (f->ymax - ey[e]) / f->dx;
    if (!(fi >= 0 && fi <= f->nx && fj >= 0 && fj <= f->ny)) {
      free(cell);
      free(share);
      return ct_error_set(err, CT_ERANGE,
                          "flood: inflow point (%.2f, %.2f) is outside the "
                          "domain",
                          ex[e], ey[e]);
    }
  }
  ct__inflow *ni = realloc(f->inflow, (size_t)(f->ninflow + 1) * sizeof *ni);
  if (!ni) {
    free(cell);
    free(share);
    return ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  }
  f->inflow = ni;
  ct__inflow *in = &f->inflow[f->ninflow];
  memset(in, 0, sizeof *in);
  in->cell = cell;
  in->share = share;
  in->ncells = nc;
  int rc = ct__pl_set(&in->q, n, t, q, err);
  if (rc) {
    free(cell);
    free(share);
    return ct_error_prefix(err, "flood: inflow hydrograph");
  }
  f->ninflow++;
  return CT_OK;
}

/* Copies a per-cell source array (nx*ny, m s-1, >= 0) into the padded
 * layout, or frees it for NULL. */
static int set_cells(ct_flood *f, float **dst, const float *src,
                     const char *what, ct_error *err) {
  if (!src) {
    ct_free_aligned(*dst);
    *dst = NULL;
    return CT_OK;
  }
  size_t nc = (size_t)f->nx * (size_t)f->ny;
  for (size_t k = 0; k < nc; k++)
    if (!(src[k] >= 0 && isfinite(src[k])))
      return ct_error_set(err, CT_EINVAL,
                          "flood: %s %g at cell (%zu, %zu) must be a finite "
                          "rate >= 0",
                          what, (double)src[k], k % (size_t)f->nx,
                          k / (size_t)f->nx);
  if (!*dst) {
    *dst = grid_array(f);
    if (!*dst) return ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  }
  load(f, *dst, src);
  return CT_OK;
}

int ct_flood_set_rain(ct_flood *f, double uniform, const float *cell,
                      ct_error *err) {
  if (!(uniform >= 0 && isfinite(uniform)))
    return ct_error_set(err, CT_EINVAL, "flood: rain rate %g must be >= 0",
                        uniform);
  f->rain_u = uniform;
  return set_cells(f, &f->rain, cell, "rain", err);
}

int ct_flood_set_infiltration(ct_flood *f, const float *cap, ct_error *err) {
  int rc = set_cells(f, &f->infil, cap, "infiltration capacity", err);
  if (rc) return rc;
  if (cap && !f->infcum) {
    f->infcum = grid_array(f);
    if (!f->infcum) return ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  }
  return CT_OK;
}

void ct_flood_infiltrated(const ct_flood *f, float *out) {
  if (f->infcum) store(f, out, f->infcum);
  else memset(out, 0, (size_t)f->nx * (size_t)f->ny * sizeof *out);
}

int ct_flood_set_drains(ct_flood *f, const float *cap, int has_outfall,
                        double ox, double oy, ct_error *err) {
  if (has_outfall) {
    double fi = (ox - f->xmin) / f->dx, fj = (f->ymax - oy) / f->dx;
    if (!(fi >= 0 && fi < f->nx && fj >= 0 && fj < f->ny))
      return ct_error_set(err, CT_ERANGE,
                          "flood: drain outfall (%.2f, %.2f) is outside the "
                          "domain",
                          ox, oy);
    f->outfall = FI(f->w, (int)fi, (int)fj);
  }
  f->has_outfall = has_outfall;
  return set_cells(f, &f->drain, cap, "drain capacity", err);
}

double ct_flood_max_dt(const ct_flood *f) {
  double dt = f->p.max_dt;
  if (f->hmax > 0) {
    /* Bates et al. 2010, eq. 12. */
    double c = f->p.alpha * f->dx / sqrt(f->p.g * f->hmax);
    if (c < dt) dt = c;
  }
  return dt;
}

void ct__flood_add_volume(ct_flood *f, size_t k, double vol) {
  double e = (double)f->eta[k] - (double)f->comp[k] + vol / f->area;
  double zk = f->z[k];
  if (e < zk) e = zk;
  f->eta[k] = (float)e;
  f->comp[k] = (float)((double)f->eta[k] - e);
  if (e - zk > f->hmax) f->hmax = e - zk;
}

int ct_flood_step(ct_flood *f, double t, double dt, ct_error *err) {
  if (!(dt > 0) || !isfinite(dt) || !isfinite(t))
    return ct_error_set(err, CT_EINVAL, "flood: bad time step %g at t %g", dt,
                        t);
  ct__flood_ghosts(f, t);
  ct__flood_sweep(f, dt);
  ct__flood_boundary_flux(f, dt);
  ct__flood_halo_faces(f);
  const int ny = f->ny;
  f->bal.rain += ct__flood_sum(f->rows + RS_RAIN, ny, RS_N) * f->area;
  f->bal.infiltrated += ct__flood_sum(f->rows + RS_INF, ny, RS_N) * f->area;
  double drained = ct__flood_sum(f->rows + RS_DRAIN, ny, RS_N) * f->area;
  f->bal.drained += drained;
  f->bal.clamped += ct__flood_sum(f->rows + RS_CLAMP, ny, RS_N) * f->area;
  f->hmax = ct__flood_max(f->rows + RS_HMAX, ny, RS_N);
  /* Point sources after the flux update (they feed the next step's flow). */
  for (int s = 0; s < f->ninflow; s++) {
    ct__inflow *in = &f->inflow[s];
    double v = ct__pl_integral(&in->q, t, t + dt);
    if (v == 0.0) continue;
    f->bal.inflow += v;
    for (int c = 0; c < in->ncells; c++)
      ct__flood_add_volume(f, in->cell[c], v * in->share[c]);
  }
  if (f->has_outfall) {
    if (f->outfall_pending > 0) {
      f->bal.outfall += f->outfall_pending;
      ct__flood_add_volume(f, f->outfall, f->outfall_pending);
    }
    f->outfall_pending = drained;
  }
  if (!isfinite(f->hmax))
    return ct_error_set(err, CT_EINTERNAL,
                        "flood: the solution became non-finite at t = %g s",
                        t);
  return CT_OK;
}

int ct_flood_run(ct_flood *f, double t0, double t1, long *nsteps,
                 ct_error *err) {
  long n = 0;
  double t = t0;
  while (t < t1) {
    double dt = ct_flood_max_dt(f);
    if (t + dt > t1 || t1 - (t + dt) < 1e-9 * dt) dt = t1 - t;
    int rc = ct_flood_step(f, t, dt, err);
    if (rc) return rc;
    t = (t1 - t <= dt) ? t1 : t + dt;
    n++;
  }
  if (nsteps) *nsteps = n;
  return CT_OK;
}

void ct_flood_depth(const ct_flood *f, float *out) {
  for (int j = 0; j < f->ny; j++)
    for (int i = 0; i < f->nx; i++) {
      size_t k = FI(f->w, i, j);
      out[(size_t)j * (size_t)f->nx + (size_t)i] = f->eta[k] - f->z[k];
    }
}

void ct_flood_wse(const ct_flood *f, float *out) { store(f, out, f->eta); }

/* Velocity of a face: discharge over the face flow depth (as the momentum
 * equation sees it), 0 where the face carries no flow. */
static float face_u(const ct_flood *f, float q, size_t a, size_t b) {
  float hf = fmaxf(f->eta[a], f->eta[b]) - fmaxf(f->z[a], f->z[b]);
  return hf > (float)f->p.h_flow ? q / hf : 0.0f;
}

void ct_flood_speed(const ct_flood *f, float *out) {
  const size_t W = (size_t)f->w;
  for (int j = 0; j < f->ny; j++)
    for (int i = 0; i < f->nx; i++) {
      size_t k = FI(f->w, i, j);
      float h = f->eta[k] - f->z[k];
      float u = 0.5f * (face_u(f, f->qx[k], k - 1, k) +
                        face_u(f, f->qx[k + 1], k, k + 1));
      float v = 0.5f * (face_u(f, f->qy[k], k - W, k) +
                        face_u(f, f->qy[k + W], k, k + W));
      out[(size_t)j * (size_t)f->nx + (size_t)i] =
          h > (float)f->p.h_flow ? sqrtf(u * u + v * v) : 0.0f;
    }
}

double ct_flood_depth_at(const ct_flood *f, int i, int j) {
  if (i < 0 || j < 0 || i >= f->nx || j >= f->ny) return NAN;
  size_t k = FI(f->w, i, j);
  return ((double)f->eta[k] - (double)f->z[k]) - (double)f->comp[k];
}

double ct_flood_max_q(const ct_flood *f) {
  double m = 0.0;
  for (int j = 0; j <= f->ny; j++)
    for (int i = 0; i <= f->nx; i++) {
      size_t k = FI(f->w, i, j);
      if (j < f->ny && fabs(f->qx[k]) > m) m = fabs(f->qx[k]);
      if (i < f->nx && fabs(f->qy[k]) > m) m = fabs(f->qy[k]);
    }
  return m;
}

void ct_flood_get_balance(const ct_flood *f, ct_flood_balance *b) {
  *b = f->bal;
  b->storage = ct__flood_storage(f);
  double bin = 0.0, bout = 0.0;
  for (int e = 0; e < 4; e++) {
    bin += b->boundary_in[e];
    bout += b->boundary_out[e];
  }
  /* Drained water still on its way to the outfall counts as drained and not
   * yet as outfall, so it needs no term of its own. */
  b->in_total = b->rain + b->inflow + bin + b->storage0;
  b->error = b->in_total + b->outfall - b->infiltrated - b->drained - bout -
             b->storage;
  double ref = b->in_total > 1e-30 ? b->in_total : 1e-30;
  b->error_rel = fabs(b->error) / ref;
}
