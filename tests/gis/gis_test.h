/* gis_test.h - what the GIS tests share: a scratch folder, GeoTIFFs written
 * through GDAL, and PROJ called directly (not through GDAL) as the reference
 * for where a coordinate should land. */
#ifndef CT_GIS_TEST_H
#define CT_GIS_TEST_H

#include <gdal.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fresh folder under the build tree, removed by scratch_done. */
static inline const char *scratch_dir(const char *test) {
  static char dir[1024];
  snprintf(dir, sizeof dir, "%s/tests/gis/scratch_%s_%d", CT_BINARY_DIR, test,
           (int)getpid());
  char cmd[2200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  if (system(cmd) != 0) return NULL;
  return dir;
}

static inline void scratch_done(const char *dir) {
  char cmd[2200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* Writes a one- or more-band GeoTIFF of type dt from float data (band-major).
 * crs NULL: no CRS at all. has_nd: sets the nodata value nd. */
static inline int write_tif(const char *path, int nx, int ny, int nb,
                            GDALDataType dt, const double gt[6],
                            const char *crs, int has_nd, double nd,
                            const float *data) {
  GDALAllRegister();
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  GDALDatasetH ds = GDALCreate(drv, path, nx, ny, nb, dt, NULL);
  if (!ds) return -1;
  double g[6];
  memcpy(g, gt, sizeof g);
  GDALSetGeoTransform(ds, g);
  if (crs) {
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetFromUserInput(s, crs);
    GDALSetSpatialRef(ds, s);
    OSRDestroySpatialReference(s);
  }
  int rc = 0;
  for (int b = 0; b < nb; b++) {
    GDALRasterBandH band = GDALGetRasterBand(ds, b + 1);
    if (has_nd) GDALSetRasterNoDataValue(band, nd);
    if (GDALRasterIO(band, GF_Write, 0, 0, nx, ny,
                     (void *)(data + (size_t)b * nx * ny), nx, ny, GDT_Float32,
                     0, 0) != CE_None)
      rc = -1;
  }
  GDALClose(ds);
  return rc;
}

/* (x, y) from one CRS to another with PROJ itself, in GIS order
 * (longitude/easting first). */
static inline int proj_xy(const char *from, const char *to, double *x,
                          double *y) {
  PJ_CONTEXT *c = proj_context_create();
  PJ *p = proj_create_crs_to_crs(c, from, to, NULL);
  if (!p) {
    proj_context_destroy(c);
    return -1;
  }
  PJ *n = proj_normalize_for_visualization(c, p);
  proj_destroy(p);
  if (!n) {
    proj_context_destroy(c);
    return -1;
  }
  PJ_COORD r = proj_trans(n, PJ_FWD, proj_coord(*x, *y, 0, 0));
  *x = r.xy.x;
  *y = r.xy.y;
  proj_destroy(n);
  proj_context_destroy(c);
  return isfinite(*x) && isfinite(*y) ? 0 : -1;
}

#endif
