/* ct_test_grib.h - writes small GRIB2 forecast files through GDAL for the
 * forecast stack tests: uniform bands on a WGS 84 lon/lat grid, each a
 * product (template 4.0) of one parameter at a forecast hour after one
 * reference time, so GDAL reads back GRIB_VALID_TIME = reference + hour. */
#ifndef CT_TEST_GRIB_H
#define CT_TEST_GRIB_H

#include <stdio.h>

#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>

/* Parameter (discipline 0): category and number, e.g. 1 7 precipitation
 * rate [kg/(m^2 s)], 1 8 total precipitation [kg/(m^2)], 2 2 / 2 3 u / v
 * wind [m/s]. val[b] is band b's value; hours[b] its forecast hour after
 * ref ("2026-09-15T06:00:00Z"). Grid: nx x ny cells of d degrees from
 * (lon0, lat0), the north-west corner. Returns 0 or -1. */
static inline int ct_test_put_grib(const char *path, int nx, int ny,
                                   double lon0, double lat0, double d, int nb,
                                   const float *val, const int *hours,
                                   const char *ref, int category, int number) {
  GDALAllRegister();
  GDALDriverH mem = GDALGetDriverByName("MEM"),
              grib = GDALGetDriverByName("GRIB");
  if (!mem || !grib) return -1;
  GDALDatasetH src = GDALCreate(mem, "", nx, ny, nb, GDT_Float32, NULL);
  if (!src) return -1;
  double gt[6] = {lon0, d, 0, lat0, 0, -d};
  GDALSetGeoTransform(src, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  char *wkt = NULL;
  OSRImportFromEPSG(srs, 4326);
  OSRExportToWkt(srs, &wkt);
  GDALSetProjection(src, wkt);
  CPLFree(wkt);
  OSRDestroySpatialReference(srs);
  int rc = 0;
  char **opt = NULL;
  char kv[256];
  snprintf(kv, sizeof kv, "IDS_REF_TIME=%s", ref);
  opt = CSLAddString(opt, kv);
  opt = CSLAddString(opt, "PDS_PDTN=0");
  /* Exact values: no lossy packing. */
  opt = CSLAddString(opt, "DATA_ENCODING=IEEE_FLOATING_POINT");
  for (int b = 0; b < nb && !rc; b++) {
    if (GDALFillRaster(GDALGetRasterBand(src, b + 1), val[b], 0) != CE_None)
      rc = -1;
    /* category, number, process 2 (forecast), 0, 96, cut-off 0 h 0 min,
     * time unit 1 (hour), forecast hour, surface 1 (ground), no 2nd. */
    snprintf(kv, sizeof kv,
             "BAND_%d_PDS_TEMPLATE_ASSEMBLED_VALUES=%d %d 2 0 96 0 0 1 %d 1 "
             "0 0 255 0 0",
             b + 1, category, number, hours[b]);
    opt = CSLAddString(opt, kv);
  }
  GDALDatasetH out =
      rc ? NULL : GDALCreateCopy(grib, path, src, FALSE, opt, NULL, NULL);
  if (!out) rc = -1;
  else GDALClose(out);
  CSLDestroy(opt);
  GDALClose(src);
  return rc;
}

#endif
