/* grid.h - the domain grid every model shares.
 * Row-major, row 0 is north (GDAL's order), cell (i, j) at index j*nx + i.
 * Square cells of size dx metres (projected CRS). */
#ifndef CITYTWIN_GRID_H
#define CITYTWIN_GRID_H

#include <stddef.h>
#include "citytwin/error.h"

typedef struct ct_grid {
  int nx, ny;
  double dx;      /* cell size [m] */
  double gt[6];   /* GDAL geotransform: xmin, dx, 0, ymax, 0, -dx */
  char *crs_wkt;  /* WKT of the domain CRS (owned) */
} ct_grid;

/* crs: anything PROJ/GDAL knows (EPSG:xxxx, WKT, PROJ string). Bounds are
 * snapped outwards to whole cells from (xmin, ymax). */
int ct_grid_init(ct_grid *g, const char *crs, double xmin, double ymin,
                 double xmax, double ymax, double cell, ct_error *err);
/* Deep copy. */
int ct_grid_copy(ct_grid *dst, const ct_grid *src, ct_error *err);
void ct_grid_free(ct_grid *g);

static inline size_t ct_grid_ncells(const ct_grid *g) {
  return (size_t)g->nx * (size_t)g->ny;
}
/* Cell-centre coordinates in the domain CRS. */
static inline double ct_grid_x(const ct_grid *g, int i) {
  return g->gt[0] + (i + 0.5) * g->gt[1];
}
static inline double ct_grid_y(const ct_grid *g, int j) {
  return g->gt[3] + (j + 0.5) * g->gt[5];
}
/* Cell containing (x, y); returns 0 inside, CT_ERANGE outside. */
int ct_grid_locate(const ct_grid *g, double x, double y, int *i, int *j);
/* Domain bounds xmin ymin xmax ymax. */
void ct_grid_bounds(const ct_grid *g, double b[4]);

/* 64-byte aligned, zeroed allocation for field-sized arrays; free with
 * ct_free_aligned. */
void *ct_alloc_aligned(size_t bytes);
void ct_free_aligned(void *p);

#endif
