/* test_air_windstack.c - the forecast wind as a time stack
 * ([air] wind.u / wind.v = stack:...), through the model class, with
 * rasters this test writes in WGS 84 lon/lat while the domain is UTM 48N:
 * time-stamped files give frames at their times and the wind between them
 * is linear in time (the first / last frame outside); a field linear in
 * longitude arrives reprojected onto the domain's cells; a multi-band
 * GeoTIFF without times steps by wind.interval; a netCDF cube carries its
 * own times, GRIB2 messages theirs; winds in knots become m/s. Bad input is an error naming the files: u and v with different
 * band counts or times, a cube whose times go back, a stamp without a zone,
 * wind.interval without a stack. */
#include <ogr_srs_api.h>
#include <string.h>
#include <sys/stat.h>
#include "air/air_model.h"
#include "air_test_util.h"
#include "citytwin/field.h"
#include "citytwin/layers.h"
#include "citytwin/scenario.h"
#include "ct_test.h"
#include "ct_test_grib.h"

static char dir[1024];

/* frame values: uniform u = 2 + k, v = 1 - 0.8 k (k the frame) */
static int g_k;
static float const_u(int b, int i, int j) {
  (void)i; (void)j;
  return (float)(2.0 + g_k + b);
}
static float const_v(int b, int i, int j) {
  (void)i; (void)j;
  return (float)(1.0 - 0.8 * (g_k + b));
}
/* u linear in longitude (0.01 degree cells from 106.4 E): 20 (lon - 106.7) */
static float lon_u(int b, int i, int j) {
  (void)b; (void)j;
  return (float)(20.0 * (106.4 + (i + 0.5) * 0.01 - 106.7));
}

static void path_of(char *p, size_t n, const char *name) {
  snprintf(p, n, "%s/%s", dir, name);
}

static int put(const char *name, int nb, float (*val)(int, int, int)) {
  char p[1200];
  path_of(p, sizeof p, name);
  return air_put_tif(p, 4326, 60, 60, 106.4, 11.1, 0.01, nb, val);
}

typedef air_run model;

static int open_model(model *r, const char *air, ct_error *err) {
  char text[4096], path[1200];
  snprintf(text, sizeof text,
           "[scenario]\nname = wind\nstart = 2026-09-15T14:00:00+07:00\n"
           "duration = 3h\n[domain]\ncrs = EPSG:32648\n"
           "bounds = 684000 1188000 688000 1191000\ncell = 100\n"
           "[air]\nspecies = pm25\nlevels = 8\ntop = 600\n%s",
           air);
  path_of(path, sizeof path, "wind.ini");
  int rc = air_run_open(r, text, path, 60, err);
  return rc ? rc : air_run_init(r, err);
}

static void close_model(model *r) { air_run_close(r); }

/* After the exchange at t every air cell's wind is w of the way from frame
 * (u0, v0) to frame (u1, v1), and so are the model's face winds at the
 * reference height. */
static void check_wind(model *r, double t, double w, double u0, double v0,
                       double u1, double v1) {
  ct_error err = {0};
  CHECK_OK(ct_air_model.exchange(r->self, r->env.fields, t, &err), &err);
  ct__air_model *m = r->self;
  /* the frames hold float32 */
  float fu = (float)((1 - w) * (float)u0 + w * (float)u1);
  float fv = (float)((1 - w) * (float)v0 + w * (float)v1);
  double u = fu, v = fv;
  int bad = 0;
  for (size_t c = 0; c < m->a->nxy; c++)
    bad += m->wu[c] != fu || m->wv[c] != fv || m->a->ux[c] != fu ||
           m->a->vy[c] != -fv;
  printf("t = %5.0f s: u %.4f v %.4f (expected %.4f %.4f)\n", t, m->wu[0],
         m->wv[0], u, v);
  /* exact: uniform frames warp to themselves, and the time weights are
   * the test's own (float32 of the same double expression) */
  CHECK(bad == 0);
}

static void expect_error(const char *air, const char *n1, const char *n2) {
  model r;
  ct_error err = {0};
  int rc = open_model(&r, air, &err);
  printf("-> %d: %s\n", rc, err.msg);
  CHECK(rc < 0);
  if (n1) CHECK(strstr(err.msg, n1) != NULL);
  if (n2) CHECK(strstr(err.msg, n2) != NULL);
  close_model(&r);
}

/* A netCDF cube (time, lat, lon) of uniform u (or v), times in hours since
 * 2026-09-15 07:00 UTC (14:00 +07:00), through GDAL's multidimensional API. */
static int attr(GDALMDArrayH a, const char *name, const char *v) {
  GDALExtendedDataTypeH ts = GDALExtendedDataTypeCreateString(0);
  GDALAttributeH at = GDALMDArrayCreateAttribute(a, name, 0, NULL, ts, NULL);
  int ok = at && GDALAttributeWriteString(at, v);
  if (at) GDALAttributeRelease(at);
  GDALExtendedDataTypeRelease(ts);
  return ok ? 0 : -1;
}

static int put_cube(const char *name, const char *var, const double *hours,
                    const float *vals) {
  enum { NT = 3, NL = 60 };
  char path[1200];
  path_of(path, sizeof path, name);
  GDALDriverH drv = GDALGetDriverByName("netCDF");
  GDALDatasetH ds = drv ? GDALCreateMultiDimensional(drv, path, NULL, NULL)
                        : NULL;
  if (!ds) return -1;
  GDALGroupH root = GDALDatasetGetRootGroup(ds);
  GDALDimensionH d[3];
  d[0] = GDALGroupCreateDimension(root, "time", NULL, NULL, NT, NULL);
  d[1] = GDALGroupCreateDimension(root, "lat", NULL, NULL, NL, NULL);
  d[2] = GDALGroupCreateDimension(root, "lon", NULL, NULL, NL, NULL);
  GDALExtendedDataTypeH f64 = GDALExtendedDataTypeCreate(GDT_Float64);
  GDALExtendedDataTypeH f32 = GDALExtendedDataTypeCreate(GDT_Float32);
  GDALMDArrayH arr[4] = {
      GDALGroupCreateMDArray(root, "time", 1, &d[0], f64, NULL),
      GDALGroupCreateMDArray(root, "lat", 1, &d[1], f64, NULL),
      GDALGroupCreateMDArray(root, "lon", 1, &d[2], f64, NULL),
      GDALGroupCreateMDArray(root, var, 3, d, f32, NULL)};
  int rc = arr[0] && arr[1] && arr[2] && arr[3] ? 0 : -1;
  double la[NL], lo[NL];
  for (int k = 0; k < NL; k++) {
    la[k] = 10.505 + 0.01 * k; /* centres, south to north */
    lo[k] = 106.405 + 0.01 * k;
  }
  if (!rc) rc = attr(arr[0], "units", "hours since 2026-09-15 07:00:00");
  if (!rc) rc = attr(arr[1], "units", "degrees_north");
  if (!rc) rc = attr(arr[2], "units", "degrees_east");
  if (!rc) rc = attr(arr[3], "units", "m s-1");
  const double *one[3] = {hours, la, lo};
  size_t len[3] = {NT, NL, NL};
  for (int k = 0; k < 3 && !rc; k++) {
    GUInt64 st = 0;
    rc = GDALMDArrayWrite(arr[k], &st, &len[k], NULL, NULL, f64, one[k], NULL,
                          0) ? 0 : -1;
  }
  static float buf[NT * NL * NL];
  for (int k = 0; k < NT * NL * NL; k++) buf[k] = vals[k / (NL * NL)];
  GUInt64 st[3] = {0, 0, 0};
  size_t cnt[3] = {NT, NL, NL};
  if (!rc && !GDALMDArrayWrite(arr[3], st, cnt, NULL, NULL, f32, buf, NULL, 0))
    rc = -1;
  for (int k = 0; k < 4; k++)
    if (arr[k]) GDALMDArrayRelease(arr[k]);
  for (int k = 0; k < 3; k++)
    if (d[k]) GDALDimensionRelease(d[k]);
  GDALExtendedDataTypeRelease(f64);
  GDALExtendedDataTypeRelease(f32);
  GDALGroupRelease(root);
  GDALClose(ds);
  return rc;
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/air_windstack", CT_BINARY_DIR);
  mkdir(dir, 0777);
  ct_error err = {0};
  model r;

  /* 1. time-stamped files, hourly from 14:00 +07:00 (two spellings, one
   * in UTC), listed by globs */
  const char *stamp[3] = {"20260915T1400+0700", "2026-09-15T15:00:00+07:00",
                          "20260915T0900Z"};
  for (g_k = 0; g_k < 3; g_k++) {
    char n[128];
    snprintf(n, sizeof n, "u_%s.tif", stamp[g_k]);
    CHECK(put(n, 1, const_u) == 0);
    snprintf(n, sizeof n, "v_%s.tif", stamp[g_k]);
    CHECK(put(n, 1, const_v) == 0);
  }
  int rc = open_model(&r, "wind.u = stack:u_2026*.tif\n"
                          "wind.v = stack:v_2026*.tif\n", &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    ct__air_model *m = r.self;
    CHECK(m->ws.n == 3 && m->ws.t[0] == 0.0 && m->ws.t[1] == 3600.0 &&
          m->ws.t[2] == 7200.0);
    check_wind(&r, 0.0, 0.0, 2.0, 1.0, 3.0, 0.2);
    check_wind(&r, 900.0, 0.25, 2.0, 1.0, 3.0, 0.2);
    check_wind(&r, 3600.0, 0.0, 3.0, 0.2, 4.0, 1.0 - 1.6);
    check_wind(&r, 5400.0, 0.5, 3.0, 0.2, 4.0, 1.0 - 1.6);
    check_wind(&r, 9000.0, 1.0, 3.0, 0.2, 4.0, 1.0 - 1.6); /* the last */
  }
  close_model(&r);

  /* 2. reprojection: u = 20 (lon - 106.7) in lon/lat reaches each UTM cell
   * as 20 (lon(cell centre) - 106.7); bilinear warping of a linear field is
   * exact up to the float32 values (1e-4 m/s) */
  CHECK(put("lin_u_20260915T1400+0700.tif", 1, lon_u) == 0);
  g_k = 0;
  CHECK(put("lin_v_20260915T1400+0700.tif", 1, const_v) == 0);
  rc = open_model(&r, "wind.u = stack:lin_u_*.tif\n"
                      "wind.v = stack:lin_v_*.tif\n", &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    CHECK_OK(ct_air_model.exchange(r.self, r.env.fields, 0.0, &err), &err);
    ct__air_model *m = r.self;
    OGRSpatialReferenceH utm = OSRNewSpatialReference(NULL),
                         ll = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(utm, 32648);
    OSRImportFromEPSG(ll, 4326);
    OSRSetAxisMappingStrategy(ll, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(utm, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH tr = OCTNewCoordinateTransformation(utm, ll);
    double worst = 0, umin = 1e9, umax = -1e9;
    for (int j = 0; j < 30; j++)
      for (int i = 0; i < 40; i++) {
        double x = 684000 + (i + 0.5) * 100, y = 1191000 - (j + 0.5) * 100;
        CHECK(OCTTransform(tr, 1, &x, &y, NULL));
        double ex = 20.0 * (x - 106.7), got = m->wu[j * 40 + i];
        worst = fmax(worst, fabs(got - ex));
        umin = fmin(umin, got);
        umax = fmax(umax, got);
      }
    printf("reprojected u: %.3f..%.3f m/s across the domain, worst error "
           "%.2g m/s\n", umin, umax, worst);
    CHECK(worst < 1e-4);
    CHECK(umax - umin > 0.5); /* the field does vary over the domain */
    OCTDestroyCoordinateTransformation(tr);
    OSRDestroySpatialReference(utm);
    OSRDestroySpatialReference(ll);
  }
  close_model(&r);

  /* 3. one multi-band GeoTIFF per component without times: band k at
   * k * wind.interval */
  g_k = 0;
  CHECK(put("bands_u.tif", 3, const_u) == 0);
  CHECK(put("bands_v.tif", 3, const_v) == 0);
  rc = open_model(&r, "wind.u = stack:bands_u.tif\n"
                      "wind.v = stack:bands_v.tif\nwind.interval = 30min\n",
                  &err);
  CHECK_OK(rc, &err);
  if (!rc) {
    check_wind(&r, 900.0, 0.5, 2.0, 1.0, 3.0, 0.2);
    check_wind(&r, 3600.0, 1.0, 3.0, 0.2, 4.0, 1.0 - 1.6);
  }
  close_model(&r);

  /* 4. netCDF cubes with a time coordinate (in UTC), their own CRS-less
   * lon/lat given by wind.crs */
  double hrs[3] = {0, 1, 2}, back[3] = {0, 2, 1};
  float cu[3] = {2, 3, 4}, cv[3] = {1, 0.2f, -0.6f};
  int have_nc = put_cube("cube_u.nc", "u", hrs, cu) == 0 &&
                put_cube("cube_v.nc", "v", hrs, cv) == 0 &&
                put_cube("back_u.nc", "u", back, cu) == 0;
  if (have_nc) {
    rc = open_model(&r, "wind.u = stack:cube_u.nc\nwind.v = stack:cube_v.nc\n"
                        "wind.crs = EPSG:4326\n", &err);
    CHECK_OK(rc, &err);
    if (!rc) check_wind(&r, 1800.0, 0.5, 2.0, 1.0, 3.0, 0.2);
    close_model(&r);
    /* without wind.crs: the hint names that key, not a [layer] section */
    expect_error("wind.u = stack:cube_u.nc\nwind.v = stack:cube_v.nc\n",
                 "has no CRS", "give it with wind.crs = EPSG:");
    /* times that go back within a file */
    expect_error("wind.u = stack:back_u.nc\nwind.v = stack:cube_v.nc\n"
                 "wind.crs = EPSG:4326\n",
                 "back_u.nc", "must increase");
  } else {
    fprintf(stderr, "could not write a netCDF cube: cube checks skipped\n");
  }

  /* 5. GRIB2 forecast wind (u, v at 10 m: GRIB parameters 2 2 and 2 3, in
   * m/s), one file per component, three messages from the 00:00 UTC run at
   * +8, +9 and +10 h: valid 15:00, 16:00 and 17:00 +07:00, i.e. 1, 2 and
   * 3 h into the run (the name's run time is not the valid time). */
  {
    char gu[1200], gv[1200];
    path_of(gu, sizeof gu, "gfs_u_20260915T0000Z.grb2");
    path_of(gv, sizeof gv, "gfs_v_20260915T0000Z.grb2");
    const float uu[3] = {2, 3, 4}, vv[3] = {1, 0.2f, -0.6f};
    const int fh[3] = {8, 9, 10};
    int ok = ct_test_put_grib(gu, 60, 60, 106.4, 11.1, 0.01, 3, uu, fh,
                              "2026-09-15T00:00:00Z", 2, 2) == 0 &&
             ct_test_put_grib(gv, 60, 60, 106.4, 11.1, 0.01, 3, vv, fh,
                              "2026-09-15T00:00:00Z", 2, 3) == 0;
    CHECK(ok);
    rc = ok ? open_model(&r, "wind.u = stack:gfs_u_*.grb2\n"
                             "wind.v = stack:gfs_v_*.grb2\n", &err)
            : -1;
    CHECK_OK(rc, &err);
    if (!rc) {
      ct__air_model *m = r.self;
      printf("grib frames at %g %g %g s\n", m->ws.t[0], m->ws.t[1],
             m->ws.t[2]);
      CHECK(m->ws.n == 3 && m->ws.t[0] == 3600.0 && m->ws.t[1] == 7200.0 &&
            m->ws.t[2] == 10800.0);
      check_wind(&r, 5400.0, 0.5, 2.0, 1.0, 3.0, 0.2);
    }
    if (ok) close_model(&r);
  }

  /* 6. units: GeoTIFFs in knots are converted to m/s; unknown units are an
   * error naming them */
  {
    char p[1200];
    g_k = 0;
    CHECK(put("kt_u.tif", 1, const_u) == 0); /* 2 kt */
    CHECK(put("kt_v.tif", 1, const_v) == 0); /* 1 kt */
    CHECK(put("bad_u.tif", 1, const_u) == 0);
    const char *names[3] = {"kt_u.tif", "kt_v.tif", "bad_u.tif"};
    const char *units[3] = {"knots", "kt", "furlong/fortnight"};
    for (int k = 0; k < 3; k++) {
      path_of(p, sizeof p, names[k]);
      GDALDatasetH ds = GDALOpen(p, GA_Update);
      CHECK(ds != NULL);
      if (ds) {
        GDALSetRasterUnitType(GDALGetRasterBand(ds, 1), units[k]);
        GDALClose(ds);
      }
    }
    rc = open_model(&r, "wind.u = stack:kt_u.tif\nwind.v = stack:kt_v.tif\n",
                    &err);
    CHECK_OK(rc, &err);
    if (!rc) /* 1 kt = 0.514444 m/s (1852 m per hour) */
      check_wind(&r, 0.0, 0.0, 2.0 * 0.514444, 0.514444, 0, 0);
    close_model(&r);
    expect_error("wind.u = stack:bad_u.tif\nwind.v = stack:kt_v.tif\n",
                 "bad_u.tif", "wind in 'furlong/fortnight'");
  }

  /* 7. bad input */
  /* u has three frames, v two */
  expect_error("wind.u = stack:u_2026*.tif\n"
               "wind.v = stack:v_20260915T1400+0700.tif "
               "v_2026-09-15T15:00:00+07:00.tif\n",
               "wind.u has 3 bands (u_2026-09-15T15:00:00+07:00.tif, "
               "u_20260915T0900Z.tif, u_20260915T1400+0700.tif)",
               "wind.v 2 (v_20260915T1400+0700.tif");
  /* the frames' times differ */
  CHECK(put("w_20260915T1600+0700.tif", 1, const_v) == 0);
  expect_error("wind.u = stack:u_20260915T1400+0700.tif "
               "u_2026-09-15T15:00:00+07:00.tif\n"
               "wind.v = stack:v_20260915T1400+0700.tif "
               "w_20260915T1600+0700.tif\n",
               "u_2026-09-15T15:00:00+07:00.tif band 1",
               "w_20260915T1600+0700.tif band 1");
  /* a stamp without its zone */
  CHECK(put("z_20260915T1400.tif", 1, const_u) == 0);
  expect_error("wind.u = stack:z_20260915T1400.tif\n"
               "wind.v = stack:v_20260915T1400+0700.tif\n",
               "z_20260915T1400.tif", "no UTC offset");
  /* a stack on one component only; the stack's keys without a stack */
  expect_error("wind.u = stack:u_2026*.tif\nwind.v = wv\n", "wind.v",
               "both");
  expect_error("wind_speed = 3\nwind.interval = 1h\n", "wind.interval",
               "only for a forecast stack");
  expect_error("wind.u = stack:nothing_*.tif\nwind.v = stack:v_2026*.tif\n",
               "no file matches", "nothing_*.tif");
  return TEST_RESULT();
}
