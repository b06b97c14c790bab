/* io_test_util.h - what the snapshot tests share: a grid in a real CRS, a
 * field with a known pattern (NaN holes included), a scratch directory. */
#ifndef CT_IO_TEST_UTIL_H
#define CT_IO_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <ogr_srs_api.h>

#include "citytwin/grid.h"
#include "citytwin/snapshot.h"

/* A north-up grid in EPSG:code with its WKT from GDAL (the test does not
 * depend on the gis module). */
static inline int io_make_grid(ct_grid *g, int code, int nx, int ny,
                               double x0, double y1, double cell) {
  memset(g, 0, sizeof *g);
  OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
  if (OSRImportFromEPSG(s, code) != OGRERR_NONE) {
    OSRDestroySpatialReference(s);
    return -1;
  }
  char *wkt = NULL;
  OSRExportToWkt(s, &wkt);
  g->crs_wkt = strdup(wkt);
  CPLFree(wkt);
  OSRDestroySpatialReference(s);
  g->nx = nx;
  g->ny = ny;
  g->dx = cell;
  double gt[6] = {x0, cell, 0, y1, 0, -cell};
  memcpy(g->gt, gt, sizeof gt);
  return 0;
}

/* Value of the test pattern at cell (i, j) of slice k; NaN on a sparse
 * diagonal lattice so no-data travels through every slice. */
static inline float io_pattern(int k, int i, int j, float scale) {
  if ((i + 2 * j + 3 * k) % 17 == 0) return NAN;
  return scale * (0.001f * (float)i + 0.01f * (float)j + (float)k) - 0.5f;
}

static inline void io_field_init(ct_field *f, const char *name,
                                 const char *units, const char *long_name,
                                 int nx, int ny) {
  memset(f, 0, sizeof *f);
  snprintf(f->name, sizeof f->name, "%s", name);
  snprintf(f->units, sizeof f->units, "%s", units);
  snprintf(f->long_name, sizeof f->long_name, "%s", long_name);
  f->nx = nx;
  f->ny = ny;
  f->data = calloc((size_t)nx * (size_t)ny, sizeof(float));
}

static inline void io_field_fill(ct_field *f, int k, float scale) {
  for (int j = 0; j < f->ny; j++)
    for (int i = 0; i < f->nx; i++)
      f->data[(size_t)j * f->nx + i] = io_pattern(k, i, j, scale);
}

/* Values equal bit for bit, NaN where NaN; returns the mismatches. */
static inline long io_compare(const float *a, const float *b, size_t n) {
  long bad = 0;
  for (size_t k = 0; k < n; k++) {
    if (isnan(a[k]) || isnan(b[k])) {
      if (!(isnan(a[k]) && isnan(b[k]))) bad++;
    } else if (a[k] != b[k]) {
      bad++;
    }
  }
  return bad;
}

/* A fresh scratch directory under the build tree. */
static inline int io_tmpdir(char *dir, size_t n, const char *tag) {
  snprintf(dir, n, "%s/tests/io/tmp_%s_XXXXXX", CT_BINARY_DIR, tag);
  return mkdtemp(dir) ? 0 : -1;
}

static inline void io_rmdir(const char *dir) {
  if (getenv("CT_KEEP_TMP")) return; /* for looking at the files */
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#endif
