/* raster_write.c - a float grid out as a GeoTIFF (edited layers of what-if
 * variants, difference maps, the demo's forecast rasters). */
#include <math.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal.h>

#include "citytwin/layers.h"

int ct_raster_write(const char *path, const ct_grid *g, const float *v,
                    const char *units, const char *description,
                    ct_error *err) {
  GDALAllRegister();
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  char *opts[] = {(char *)"COMPRESS=DEFLATE", (char *)"TILED=YES", NULL};
  GDALDatasetH ds =
      drv ? GDALCreate(drv, path, g->nx, g->ny, 1, GDT_Float32, opts) : NULL;
  if (!ds)
    return ct_error_set(err, CT_EIO, "%s: cannot create GeoTIFF: %s", path,
                        CPLGetLastErrorMsg());
  double gt[6];
  memcpy(gt, g->gt, sizeof gt);
  GDALSetGeoTransform(ds, gt);
  GDALSetProjection(ds, g->crs_wkt);
  GDALRasterBandH band = GDALGetRasterBand(ds, 1);
  GDALSetRasterNoDataValue(band, NAN);
  if (units) GDALSetRasterUnitType(band, units);
  if (description) GDALSetDescription(band, description);
  CPLErr e = GDALRasterIO(band, GF_Write, 0, 0, g->nx, g->ny, (void *)v, g->nx,
                          g->ny, GDT_Float32, 0, 0);
  GDALClose(ds);
  if (e != CE_None)
    return ct_error_set(err, CT_EIO, "%s: write failed: %s", path,
                        CPLGetLastErrorMsg());
  return CT_OK;
}
