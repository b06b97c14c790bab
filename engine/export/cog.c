/* cog.c - one float32 field as a Cloud Optimized GeoTIFF: an in-memory
 * dataset carrying the grid's geotransform, CRS, nodata and units, copied by
 * GDAL's COG driver, which tiles it, adds overviews and puts every IFD before
 * the image data so that a client can read any tile with range requests. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <cpl_string.h>

#include "citytwin/util.h"
#include "export/export_internal.h"

int ct__export_cog(ct__export *x, ct__xlayer *l, const float *data,
                   const char *long_name, ct_error *err) {
  const ct_grid *g = x->g;
  size_t n = ct_grid_ncells(g);
  char path[1024];
  ct__export_path(x, l->file, path, sizeof path);

  GDALDriverH mem = GDALGetDriverByName("MEM");
  GDALDriverH cog = GDALGetDriverByName("COG");
  if (!mem || !cog)
    return ct_error_set(err, CT_EINTERNAL, "%s: this GDAL has no %s driver "
                        "(the COG driver needs GDAL >= 3.1)", path,
                        mem ? "COG" : "MEM");
  float *buf = malloc(n * sizeof *buf);
  if (!buf) return ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
  for (size_t k = 0; k < n; k++)
    buf[k] = isfinite(data[k]) ? data[k] : (float)CT__EXPORT_NODATA;

  int rc = CT_OK;
  GDALDatasetH ds = GDALCreate(mem, "", g->nx, g->ny, 1, GDT_Float32, NULL);
  if (!ds) {
    free(buf);
    return ct_error_set(err, CT_ENOMEM, "%s: cannot create the in-memory "
                        "raster: %s", path, ct__gdal_last("out of memory"));
  }
  double gt[6];
  memcpy(gt, g->gt, sizeof gt);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  if (GDALSetGeoTransform(ds, gt) != CE_None ||
      GDALSetSpatialRef(ds, x->srs) != CE_None ||
      GDALSetRasterNoDataValue(b, CT__EXPORT_NODATA) != CE_None ||
      GDALRasterIO(b, GF_Write, 0, 0, g->nx, g->ny, buf, g->nx, g->ny,
                   GDT_Float32, 0, 0) != CE_None) {
    rc = ct_error_set(err, CT_EINTERNAL, "%s: cannot fill the in-memory "
                      "raster: %s", path, ct__gdal_last("GDAL failed"));
    goto done;
  }
  /* Units and name travel in the GDAL_METADATA tag, which QGIS and
   * rasterio read back. */
  GDALSetRasterUnitType(b, l->units);
  GDALSetDescription(b, long_name && *long_name ? long_name : l->field);
  GDALSetMetadataItem(ds, "CT_FIELD", l->field, NULL);
  GDALSetMetadataItem(ds, "CT_TIME", l->time, NULL);
  GDALSetMetadataItem(ds, "CT_UNITS", l->units, NULL);

  char bs[32];
  snprintf(bs, sizeof bs, "BLOCKSIZE=%d", x->blocksize);
  /* PREDICTOR=YES picks the floating-point predictor (3) for Float32, which
   * is what makes DEFLATE worthwhile on smooth fields; AVERAGE overviews
   * skip nodata cells, so zoomed-out maps keep the wet/dry edges honest. */
  const char *copts[] = {"COMPRESS=DEFLATE", "PREDICTOR=YES", bs,
                         "OVERVIEWS=AUTO", "RESAMPLING=AVERAGE",
                         "BIGTIFF=IF_SAFER", NULL};
  CPLErrorReset();
  GDALDatasetH out = GDALCreateCopy(cog, path, ds, FALSE, (char **)copts,
                                    NULL, NULL);
  if (!out) {
    rc = ct_error_set(err, CT_EIO, "%s: cannot write the GeoTIFF: %s", path,
                      ct__gdal_last("GDAL failed"));
    goto done;
  }
  CPLErrorReset();
  GDALClose(out);
  if (CPLGetLastErrorType() >= CE_Failure) {
    rc = ct_error_set(err, CT_EIO, "%s: cannot finish the GeoTIFF: %s", path,
                      ct__gdal_last("GDAL failed"));
    goto done;
  }
  ct_grid_bounds(g, l->bbox);
  l->nfeatures = -1;
  if ((rc = ct__export_bbox_wgs84(x, l->bbox, l->bbox_wgs84, err))) goto done;
  rc = ct_sha256_file(path, l->sha256, err);

done:
  GDALClose(ds);
  free(buf);
  return rc;
}
