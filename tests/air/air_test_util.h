/* air_test_util.h - what the air tests that go through the model class
 * share: writing small single- or multi-band GeoTIFFs (any EPSG CRS) and
 * text files into a test folder. */
#ifndef AIR_TEST_UTIL_H
#define AIR_TEST_UTIL_H

#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>

/* A north-up GeoTIFF of nb bands, nx x ny cells of size d with north-west
 * corner (x0, y0) in EPSG:epsg; band b (0-based) is val(b, i, j). */
static inline int air_put_tif(const char *path, int epsg, int nx, int ny,
                              double x0, double y0, double d, int nb,
                              float (*val)(int b, int i, int j)) {
  GDALAllRegister();
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  GDALDatasetH ds = drv ? GDALCreate(drv, path, nx, ny, nb, GDT_Float32, NULL)
                        : NULL;
  if (!ds) return -1;
  double gt[6] = {x0, d, 0, y0, 0, -d};
  GDALSetGeoTransform(ds, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  char *wkt = NULL;
  OSRImportFromEPSG(srs, epsg);
  OSRExportToWkt(srs, &wkt);
  GDALSetProjection(ds, wkt);
  CPLFree(wkt);
  OSRDestroySpatialReference(srs);
  float *buf = malloc((size_t)nx * ny * sizeof(float));
  int rc = buf ? 0 : -1;
  for (int b = 0; b < nb && !rc; b++) {
    for (int j = 0; j < ny; j++)
      for (int i = 0; i < nx; i++) buf[(size_t)j * nx + i] = val(b, i, j);
    rc = GDALRasterIO(GDALGetRasterBand(ds, b + 1), GF_Write, 0, 0, nx, ny,
                      buf, nx, ny, GDT_Float32, 0, 0) == CE_None ? 0 : -1;
  }
  free(buf);
  GDALClose(ds);
  return rc;
}

static inline void air_put_text(const char *dir, const char *name,
                                const char *text) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *fp = fopen(p, "w");
  if (fp) {
    fputs(text, fp);
    fclose(fp);
  }
}

#endif
