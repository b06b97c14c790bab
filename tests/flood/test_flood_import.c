/* test_flood_import.c - forecast rain from the city's operations centre: a
 * time stack of GeoTIFFs in lon/lat (EPSG:4326) with the valid time in each
 * file name drives the flood model on a UTM 48N grid through ct_run, and the
 * rain volume in the summary is the stack's; a stack with a missing hour, two
 * files for the same hour and a stamp without a UTC offset are clear errors
 * (CT_EINVAL from ct_run, exit status 2 from the CLI). GRIB2 rain rates
 * come in at their valid times; accumulations and unknown units are
 * errors. */
#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <sys/wait.h>
#include <unistd.h>

#include "citytwin/run.h"
#include "ct_test.h"
#include "ct_test_grib.h"

static char dir[256];

/* A uniform raster: nx x ny cells from (x0, y0) (north-west) of size d. */
static int put_tif(const char *name, int epsg, int nx, int ny, double x0,
                   double y0, double d, float v) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  if (!drv) return -1;
  GDALDatasetH ds = GDALCreate(drv, path, nx, ny, 1, GDT_Float32, NULL);
  if (!ds) return -1;
  double gt[6] = {x0, d, 0, y0, 0, -d};
  GDALSetGeoTransform(ds, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  OSRImportFromEPSG(srs, epsg);
  char *wkt = NULL;
  OSRExportToWkt(srs, &wkt);
  GDALSetProjection(ds, wkt);
  CPLFree(wkt);
  OSRDestroySpatialReference(srs);
  float *buf = malloc((size_t)nx * (size_t)ny * sizeof *buf);
  int rc = -1;
  if (buf) {
    for (int k = 0; k < nx * ny; k++) buf[k] = v;
    rc = GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, 0, nx, ny, buf,
                      nx, ny, GDT_Float32, 0, 0) == CE_None ? 0 : -1;
    free(buf);
  }
  GDALClose(ds);
  return rc;
}

/* Rain in lon/lat around the domain (106.70E 10.76N), 0.01 degree cells. */
static int put_rain(const char *name, float mmh) {
  return put_tif(name, 4326, 60, 60, 106.4, 11.1, 0.01, mmh);
}

/* A netCDF cube (time, lat, lon) of uniform rain 10, 20, 5 mm/h, with CF
 * time "hours since 2026-09-15 07:00:00" (UTC) = 14:00, 15:00, 16:00 +07:00,
 * written through GDAL's multidimensional API. */
static int attr_str(GDALMDArrayH a, const char *name, const char *v) {
  GDALExtendedDataTypeH ts = GDALExtendedDataTypeCreateString(0);
  GDALAttributeH at = GDALMDArrayCreateAttribute(a, name, 0, NULL, ts, NULL);
  int ok = at && GDALAttributeWriteString(at, v);
  if (at) GDALAttributeRelease(at);
  GDALExtendedDataTypeRelease(ts);
  return ok ? 0 : -1;
}

static int write_1d(GDALMDArrayH a, size_t n, const double *v) {
  GUInt64 st = 0;
  size_t cnt = n;
  GDALExtendedDataTypeH dt = GDALExtendedDataTypeCreate(GDT_Float64);
  int ok = GDALMDArrayWrite(a, &st, &cnt, NULL, NULL, dt, v, NULL, 0);
  GDALExtendedDataTypeRelease(dt);
  return ok ? 0 : -1;
}

static int put_cube(const char *name) {
  enum { NT = 3, NL = 60 };
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  GDALDriverH drv = GDALGetDriverByName("netCDF");
  if (!drv) return -1;
  GDALDatasetH ds = GDALCreateMultiDimensional(drv, path, NULL, NULL);
  if (!ds) return -1;
  GDALGroupH root = GDALDatasetGetRootGroup(ds);
  GDALDimensionH d[3];
  d[0] = GDALGroupCreateDimension(root, "time", NULL, NULL, NT, NULL);
  d[1] = GDALGroupCreateDimension(root, "lat", NULL, NULL, NL, NULL);
  d[2] = GDALGroupCreateDimension(root, "lon", NULL, NULL, NL, NULL);
  GDALExtendedDataTypeH f64 = GDALExtendedDataTypeCreate(GDT_Float64);
  GDALExtendedDataTypeH f32 = GDALExtendedDataTypeCreate(GDT_Float32);
  GDALMDArrayH at = GDALGroupCreateMDArray(root, "time", 1, &d[0], f64, NULL);
  GDALMDArrayH ala = GDALGroupCreateMDArray(root, "lat", 1, &d[1], f64, NULL);
  GDALMDArrayH alo = GDALGroupCreateMDArray(root, "lon", 1, &d[2], f64, NULL);
  GDALMDArrayH ar = GDALGroupCreateMDArray(root, "rain", 3, d, f32, NULL);
  int rc = (at && ala && alo && ar) ? 0 : -1;
  double tv[NT] = {0, 1, 2}, la[NL], lo[NL];
  for (int k = 0; k < NL; k++) {
    la[k] = 10.405 + 0.01 * k; /* cell centres, south to north */
    lo[k] = 106.405 + 0.01 * k;
  }
  if (!rc) rc = attr_str(at, "units", "hours since 2026-09-15 07:00:00");
  if (!rc) rc = attr_str(ala, "units", "degrees_north");
  if (!rc) rc = attr_str(alo, "units", "degrees_east");
  if (!rc) rc = attr_str(ar, "units", "mm/h");
  if (!rc) rc = write_1d(at, NT, tv) | write_1d(ala, NL, la) |
                write_1d(alo, NL, lo);
  static float buf[NT * NL * NL];
  for (int k = 0; k < NT * NL * NL; k++)
    buf[k] = k < NL * NL ? 10.0f : k < 2 * NL * NL ? 20.0f : 5.0f;
  GUInt64 st[3] = {0, 0, 0};
  size_t cnt[3] = {NT, NL, NL};
  if (!rc && !GDALMDArrayWrite(ar, st, cnt, NULL, NULL, f32, buf, NULL, 0))
    rc = -1;
  GDALMDArrayH arrs[4] = {at, ala, alo, ar};
  for (int k = 0; k < 4; k++)
    if (arrs[k]) GDALMDArrayRelease(arrs[k]);
  for (int k = 0; k < 3; k++)
    if (d[k]) GDALDimensionRelease(d[k]);
  GDALExtendedDataTypeRelease(f64);
  GDALExtendedDataTypeRelease(f32);
  GDALGroupRelease(root);
  GDALClose(ds);
  return rc;
}

static void put(const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "w");
  if (fp) {
    fputs(text, fp);
    fclose(fp);
  }
}

/* Domain: 40 x 30 cells of 50 m in UTM 48N, closed boundaries, flat DEM. */
static void scenario(const char *name, const char *start, const char *rain) {
  char text[2048];
  snprintf(text, sizeof text,
           "[scenario]\nname = import\nstart = %s\nduration = 3h\n"
           "[domain]\ncrs = EPSG:32648\n"
           "bounds = 685000 1190000 687000 1191500\ncell = 50\n"
           "[layers]\ndem = dem.tif\n"
           "[output]\nfile = %s.nc\ninterval = 1h\nfields = flood.depth\n"
           "[flood]\nrain = %s\n",
           start, name, rain);
  char file[256];
  snprintf(file, sizeof file, "%s.ini", name);
  put(file, text);
}

/* Runs NAME.ini; the rain volume of its summary [m3], or -1. */
static double run_rain(const char *name, int *rc, ct_error *err) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s.ini", dir, name);
  ct_run_opts o;
  memset(&o, 0, sizeof o);
  ct_run_result res;
  memset(&res, 0, sizeof res);
  memset(err, 0, sizeof *err);
  *rc = ct_run(path, &o, &res, err);
  if (*rc) return -1;
  static char buf[1 << 16];
  FILE *fp = fopen(res.summary, "r");
  if (!fp) return -1;
  size_t k = fread(buf, 1, sizeof buf - 1, fp);
  buf[k] = 0;
  fclose(fp);
  const char *r = strstr(buf, "\"rain\":");
  return r ? atof(r + strlen("\"rain\":")) : -1;
}

static void expect_error(const char *name, const char *what) {
  ct_error err;
  int rc;
  run_rain(name, &rc, &err);
  printf("%s -> %d: %s\n", name, rc, err.msg);
  CHECK(rc == CT_EINVAL);
  CHECK(strstr(err.msg, what) != NULL);
  CHECK(strstr(err.msg, ".ini:") != NULL); /* names the scenario line */
}

int main(void) {
  GDALAllRegister();
  snprintf(dir, sizeof dir, "/tmp/ct_flood_import_XXXXXX");
  if (!mkdtemp(dir)) return 1;
  CHECK(put_tif("dem.tif", 32648, 40, 30, 685000, 1191500, 50, 1.0f) == 0);
  /* 14:00, 15:00 and 16:00 local (+07:00), written three ways. */
  CHECK(put_rain("rain_20260915T1400+0700.tif", 10) == 0);
  CHECK(put_rain("rain_2026-09-15T15:00:00+07:00.tif", 20) == 0);
  CHECK(put_rain("rain_20260915T0900Z.tif", 5) == 0);
  /* The same hours; 16:00 missing. */
  CHECK(put_rain("miss_20260915T1400+0700.tif", 10) == 0);
  CHECK(put_rain("miss_20260915T1500+0700.tif", 20) == 0);
  CHECK(put_rain("miss_20260915T1700+0700.tif", 5) == 0);
  CHECK(put_rain("dup_20260915T0700Z.tif", 5) == 0);
  CHECK(put_rain("local_20260915T1400.tif", 5) == 0);

  /* The whole stack over 3 h from 14:00: (10 + 20 + 5) mm on 2000 m x
   * 1500 m = 105000 m3. The rasters are uniform, so the warp is exact; the
   * balance sums in double and the rates are float32 (1e-7): 1e-6. */
  const double area = 2000.0 * 1500.0;
  ct_error err;
  int rc;
  scenario("full", "2026-09-15T14:00:00+07:00", "stack:rain_*.tif");
  double v = run_rain("full", &rc, &err);
  CHECK_OK(rc, &err);
  printf("full: rain %.6f m3\n", v);
  CHECK_NEAR(v, 35e-3 * area, 1e-6 * 35e-3 * area);

  /* Starting 30 s late (UTC 07:00:30): the band edges fall 30 s inside
   * coupling intervals, so steps straddle them; the first band gives
   * 3570 s of 10 mm/h, then 20 and 5 mm/h for an hour each. */
  scenario("late", "2026-09-15T07:00:30Z", "stack:rain_*.tif");
  v = run_rain("late", &rc, &err);
  CHECK_OK(rc, &err);
  double want = (10.0 * 3570.0 / 3600.0 + 25.0) * 1e-3 * area;
  printf("late: rain %.6f m3 (want %.6f)\n", v, want);
  CHECK_NEAR(v, want, 1e-6 * want);

  /* A forecast starting an hour into the run: 14:00 is dry, the stack's 14:00
   * band lands at t = 1 h, and its last hour (5 mm/h) falls after the end. */
  scenario("early", "2026-09-15T13:00:00+07:00", "stack:rain_*.tif");
  v = run_rain("early", &rc, &err);
  CHECK_OK(rc, &err);
  CHECK_NEAR(v, 30e-3 * area, 1e-6 * 30e-3 * area);

  /* The netCDF cube: its time coordinate, not the band order, places the
   * rain: from 13:00 the 14:00 band lands at t = 1 h, so 10 + 20 mm fall in
   * the 3 h (the band order alone would give 35 mm). */
  /* (not cube.nc: that is the run file of the scenario "cube") */
  if (put_cube("cube_rain.nc") == 0) {
    /* Coordinates in degrees without a grid_mapping: no CRS of its own. */
    scenario("cube", "2026-09-15T13:00:00+07:00",
             "stack:cube_rain.nc\nrain.crs = EPSG:4326");
    v = run_rain("cube", &rc, &err);
    CHECK_OK(rc, &err);
    printf("cube: rain %.6f m3\n", v);
    CHECK_NEAR(v, 30e-3 * area, 1e-6 * 30e-3 * area);
  } else {
    fprintf(stderr, "could not write a netCDF cube: netCDF check skipped\n");
  }

  /* GRIB2 forecast rain, read with GDAL's GRIB driver: precipitation rate
   * in kg m-2 s-1 (1 kg m-2 = 1 mm) from the 06:00 UTC run at +1 h and +2 h
   * = 14:00 and 15:00 +07:00, one file each. The names carry the run's
   * (reference) time, which is not the valid time: taken from the names,
   * both files would be for 13:00 (an error). From 13:00, 10 + 20 mm fall
   * in the 3 h; the rates are float32 (1e-7). */
  {
    char gp[512];
    float r1 = 10.0f / 3600.0f, r2 = 20.0f / 3600.0f;
    int h1 = 1, h2 = 2;
    snprintf(gp, sizeof gp, "%s/prate_20260915T0600Z_f01.grb2", dir);
    int ok = ct_test_put_grib(gp, 60, 60, 106.4, 11.1, 0.01, 1, &r1, &h1,
                              "2026-09-15T06:00:00Z", 1, 7) == 0;
    snprintf(gp, sizeof gp, "%s/prate_20260915T0600Z_f02.grb2", dir);
    ok = ok && ct_test_put_grib(gp, 60, 60, 106.4, 11.1, 0.01, 1, &r2, &h2,
                                "2026-09-15T06:00:00Z", 1, 7) == 0;
    /* Accumulated precipitation (APCP, kg m-2): not a rate. */
    snprintf(gp, sizeof gp, "%s/apcp.grb2", dir);
    ok = ok && ct_test_put_grib(gp, 60, 60, 106.4, 11.1, 0.01, 1, &r1, &h1,
                                "2026-09-15T06:00:00Z", 1, 8) == 0;
    CHECK(ok);
    if (ok) {
      scenario("grib", "2026-09-15T13:00:00+07:00", "stack:prate_*.grb2");
      v = run_rain("grib", &rc, &err);
      CHECK_OK(rc, &err);
      printf("grib: rain %.6f m3\n", v);
      CHECK_NEAR(v, 30e-3 * area, 1e-6 * 30e-3 * area);
      scenario("apcp", "2026-09-15T13:00:00+07:00", "stack:apcp.grb2");
      expect_error("apcp", "accumulated rain");
    }
  }
  /* Rain in units that are not a rate we know. */
  CHECK(put_rain("furlong.tif", 5) == 0);
  {
    char fp[512];
    snprintf(fp, sizeof fp, "%s/furlong.tif", dir);
    GDALDatasetH ds = GDALOpen(fp, GA_Update);
    CHECK(ds != NULL);
    if (ds) {
      GDALSetRasterUnitType(GDALGetRasterBand(ds, 1), "furlong/fortnight");
      GDALClose(ds);
    }
    scenario("furlong", "2026-09-15T14:00:00+07:00", "stack:furlong.tif");
    expect_error("furlong", "rain in 'furlong/fortnight'");
  }

  /* Missing hour: named with the files on each side. */
  scenario("missing", "2026-09-15T14:00:00+07:00", "stack:miss_*.tif");
  expect_error("missing", "no rain for 2026-09-15T16:00:00+07:00 between "
               "miss_20260915T1500+0700.tif and miss_20260915T1700+0700.tif");
  /* Two files for 14:00 local. */
  scenario("dup", "2026-09-15T14:00:00+07:00",
           "stack:rain_20260915T1400+0700.tif dup_20260915T0700Z.tif");
  expect_error("dup", "both for 2026-09-15T14:00:00+07:00");
  /* A stamp without an offset. */
  scenario("local", "2026-09-15T14:00:00+07:00",
           "stack:local_20260915T1400.tif");
  expect_error("local", "ambiguous");
  /* A glob matching nothing. */
  scenario("none", "2026-09-15T14:00:00+07:00", "stack:nothing_*.tif");
  {
    ct_error e2;
    run_rain("none", &rc, &e2);
    CHECK(rc == CT_ENOENT);
    CHECK(strstr(e2.msg, "no file matches") != NULL);
  }

  /* The CLI: exit status 2 and the message on stderr. */
  if (access(CT_CLI, X_OK) == 0) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' run --quiet '%s/missing.ini' 2>&1",
             CT_CLI, dir);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    if (p) {
      static char out[1 << 14];
      size_t k = fread(out, 1, sizeof out - 1, p);
      out[k] = 0;
      int st = pclose(p);
      printf("cli: %s", out);
      CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2);
      CHECK(strstr(out, "no rain for 2026-09-15T16:00:00+07:00") != NULL);
    }
  }
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return TEST_RESULT();
}
