/* test_snapshot_gdal.c - GDAL opens the run file through its netCDF driver
 * (what QGIS does) and gets the georeferencing back: the same CRS as the
 * grid (OSRIsSame), the geotransform, one subdataset per field with units,
 * and band values equal to what was written. For a projected (UTM 48N) and
 * a geographic (WGS 84) grid. */
#include <gdal.h>

#include "ct_test.h"
#include "io_test_util.h"

static void check_crs(GDALDatasetH ds, int epsg) {
  const char *wkt = GDALGetProjectionRef(ds);
  CHECK(wkt && wkt[0]);
  OGRSpatialReferenceH got = OSRNewSpatialReference(NULL), want =
      OSRNewSpatialReference(NULL);
  OSRSetAxisMappingStrategy(got, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(want, OAMS_TRADITIONAL_GIS_ORDER);
  char *p = (char *)wkt;
  CHECK(OSRImportFromWkt(got, &p) == OGRERR_NONE);
  CHECK(OSRImportFromEPSG(want, epsg) == OGRERR_NONE);
  CHECK(OSRIsSame(got, want));
  OSRDestroySpatialReference(got);
  OSRDestroySpatialReference(want);
}

static void run_case(const char *dir, int epsg, double x0, double y1,
                     double cell, double gt_tol) {
  enum { NX = 40, NY = 30 };
  ct_error err = {0};
  char path[4200];
  snprintf(path, sizeof path, "%s/run_%d.nc", dir, epsg);
  ct_grid g;
  CHECK(io_make_grid(&g, epsg, NX, NY, x0, y1, cell) == 0);
  ct_snapshot_meta meta = {.title = "gdal", .scenario_text = "[scenario]\n",
                           .start_unix = 1789455600.0, .utc_offset_s = 25200};
  ct_snapshot *s = NULL;
  CHECK_OK(ct_snapshot_create(&s, path, &g, &meta, &err), &err);
  if (!s) return;
  ct_field dem, depth;
  io_field_init(&dem, "layer.dem", "m", "ground elevation", NX, NY);
  io_field_init(&depth, "flood.depth", "m", "water depth", NX, NY);
  io_field_fill(&dem, 5, 2.0f);
  CHECK_OK(ct_snapshot_write_static(s, &dem, &err), &err);
  ct_field *list[1] = {&depth};
  for (int k = 0; k < 2; k++) {
    io_field_fill(&depth, k, 1.0f);
    CHECK_OK(ct_snapshot_append(s, 3600.0 * (k + 1), list, 1, &err), &err);
  }
  CHECK_OK(ct_snapshot_close(s, 1, &err), &err);

  /* The container lists one subdataset per field. */
  GDALDatasetH top = GDALOpen(path, GA_ReadOnly);
  CHECK(top != NULL);
  if (top) {
    CHECK(strcmp(GDALGetDriverShortName(GDALGetDatasetDriver(top)), "netCDF") == 0);
    char **sub = GDALGetMetadata(top, "SUBDATASETS");
    int have_dem = 0, have_depth = 0;
    for (char **q = sub; q && *q; q++) {
      if (strstr(*q, "_NAME=") && strstr(*q, ":layer.dem")) have_dem = 1;
      if (strstr(*q, "_NAME=") && strstr(*q, ":flood.depth")) have_depth = 1;
    }
    CHECK(have_dem && have_depth);
    GDALClose(top);
  }

  size_t n = (size_t)NX * NY;
  float *buf = malloc(n * sizeof *buf);
  const char *vars[2] = {"flood.depth", "layer.dem"};
  for (int v = 0; v < 2; v++) {
    char sd[4400];
    snprintf(sd, sizeof sd, "NETCDF:\"%s\":%s", path, vars[v]);
    GDALDatasetH ds = GDALOpen(sd, GA_ReadOnly);
    CHECK(ds != NULL);
    if (!ds) continue;
    CHECK(GDALGetRasterXSize(ds) == NX && GDALGetRasterYSize(ds) == NY);
    check_crs(ds, epsg);
    double gt[6];
    CHECK(GDALGetGeoTransform(ds, gt) == CE_None);
    for (int k = 0; k < 6; k++) CHECK_NEAR(gt[k], g.gt[k], gt_tol);
    int nb = GDALGetRasterCount(ds);
    CHECK(nb == (v == 0 ? 2 : 1));
    GDALRasterBandH b = GDALGetRasterBand(ds, nb);
    CHECK(strcmp(GDALGetRasterUnitType(b), "m") == 0);
    CHECK(GDALRasterIO(b, GF_Read, 0, 0, NX, NY, buf, NX, NY, GDT_Float32, 0,
                       0) == CE_None);
    /* Band 2 is the second slice; rows come north first as written. */
    if (v == 0) io_field_fill(&depth, 1, 1.0f);
    CHECK(io_compare(buf, v == 0 ? depth.data : dem.data, n) == 0);
    GDALClose(ds);
  }
  free(buf);
  free(dem.data);
  free(depth.data);
  free(g.crs_wkt);
}

int main(void) {
  char dir[4096];
  if (io_tmpdir(dir, sizeof dir, "gdal")) return 1;
  GDALAllRegister();
  if (!GDALGetDriverByName("netCDF")) {
    fprintf(stderr, "GDAL has no netCDF driver: skipped\n");
    io_rmdir(dir);
    return CT_SKIP;
  }
  CPLPushErrorHandler(CPLQuietErrorHandler);
  /* UTM: coordinates ~1e6 m stored in double, 1e-6 m is rounding. */
  run_case(dir, 32648, 683000.0, 1193000.0, 20.0, 1e-6);
  /* Degrees: 1e-9 deg (0.1 mm) covers rounding of x0 + (i + 0.5) d. */
  run_case(dir, 4326, 106.6, 10.8, 0.001, 1e-9);
  CPLPopErrorHandler();
  io_rmdir(dir);
  return TEST_RESULT();
}
