/* grid.c - the domain grid: construction from bounds, lookup, aligned memory. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/grid.h"
#include "citytwin/layers.h"

int ct_grid_init(ct_grid *g, const char *crs, double xmin, double ymin,
                 double xmax, double ymax, double cell, ct_error *err) {
  memset(g, 0, sizeof *g);
  if (!(cell > 0) || !isfinite(cell))
    return ct_error_set(err, CT_EINVAL, "cell size must be positive, got %g", cell);
  if (!(xmax > xmin) || !(ymax > ymin) || !isfinite(xmin + xmax + ymin + ymax))
    return ct_error_set(err, CT_EINVAL,
                        "bounds must be xmin ymin xmax ymax with xmin < xmax "
                        "and ymin < ymax, got %g %g %g %g",
                        xmin, ymin, xmax, ymax);
  /* Whole cells from the north-west corner, rounding up a hair's overshoot. */
  double fx = (xmax - xmin) / cell, fy = (ymax - ymin) / cell;
  double nx = ceil(fx - 1e-9), ny = ceil(fy - 1e-9);
  if (nx * ny > 2e9 || nx > 1e6 || ny > 1e6)
    return ct_error_set(err, CT_ENOMEM, "grid of %.0f x %.0f cells is too large",
                        nx, ny);
  int rc = ct_crs_to_wkt(crs, &g->crs_wkt, err);
  if (rc) return rc;
  g->nx = (int)nx;
  g->ny = (int)ny;
  g->dx = cell;
  g->gt[0] = xmin;
  g->gt[1] = cell;
  g->gt[2] = 0.0;
  g->gt[3] = ymax;
  g->gt[4] = 0.0;
  g->gt[5] = -cell;
  return CT_OK;
}

int ct_grid_copy(ct_grid *dst, const ct_grid *src, ct_error *err) {
  *dst = *src;
  dst->crs_wkt = src->crs_wkt ? strdup(src->crs_wkt) : NULL;
  if (src->crs_wkt && !dst->crs_wkt)
    return ct_error_set(err, CT_ENOMEM, "out of memory copying a grid");
  return CT_OK;
}

void ct_grid_free(ct_grid *g) {
  if (!g) return;
  free(g->crs_wkt);
  g->crs_wkt = NULL;
}

int ct_grid_locate(const ct_grid *g, double x, double y, int *i, int *j) {
  double fi = (x - g->gt[0]) / g->gt[1];
  double fj = (y - g->gt[3]) / g->gt[5];
  if (!(fi >= 0 && fi < g->nx && fj >= 0 && fj < g->ny)) return CT_ERANGE;
  *i = (int)fi;
  *j = (int)fj;
  return CT_OK;
}

void ct_grid_bounds(const ct_grid *g, double b[4]) {
  b[0] = g->gt[0];
  b[1] = g->gt[3] + g->ny * g->gt[5];
  b[2] = g->gt[0] + g->nx * g->gt[1];
  b[3] = g->gt[3];
}

void *ct_alloc_aligned(size_t bytes) {
  size_t n = (bytes + 63) / 64 * 64;
  if (n == 0) n = 64;
  void *p = aligned_alloc(64, n);
  if (p) memset(p, 0, n);
  return p;
}

void ct_free_aligned(void *p) { free(p); }
