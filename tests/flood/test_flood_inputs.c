/* test_flood_inputs.c - the [flood] section through the model interface:
 * a good scenario initialises, steps, publishes flood.depth and reports a
 * closed balance; bad input (a DEM with a nodata hole, a rain series with a
 * negative rate or unsorted times, an inflow or outfall outside the domain,
 * an unknown edge, a bad Manning n, an unknown key) is a negative status with
 * a message naming the file and line or the layer. Layers are built in
 * memory; series files go to a temporary folder. */
#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <unistd.h>

#include "citytwin/field.h"
#include "citytwin/layers.h"
#include "citytwin/scenario.h"
#include "ct_test.h"
#include "flood_test_util.h"

#define NX 20
#define NY 10

static char dir[256];
static float dem[NX * NY], lu[NX * NY], drainmap[NX * NY];
static char warned[2048]; /* the last warning the model sent */
static const char *dem_units; /* the DEM layer's units (NULL: none known) */

static void on_warn(void *ud, const char *msg) {
  (void)ud;
  snprintf(warned, sizeof warned, "%s", msg);
}

static void write_file(const char *name, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *fp = fopen(p, "w");
  if (!fp) {
    CHECK(0);
    return;
  }
  fputs(text, fp);
  fclose(fp);
}

/* Parses the scenario (head + flood section), builds the env, runs init and,
 * when steps > 0, that many steps. Returns init's status; msg gets the error. */
static double t_end; /* simulated time of the last try_flood */

static int try_flood(const char *flood, int steps, char *msg, size_t nmsg,
                     char *summary, size_t nsum) {
  static const char *const known[] = {"flood", NULL};
  char text[4096];
  snprintf(text, sizeof text,
           "[scenario]\nname = t\nstart = 2026-09-15T14:00:00+07:00\n"
           "duration = 10min\n[domain]\ncrs = EPSG:32648\n"
           "bounds = 600000 1000000 600200 1000100\ncell = 10\n[flood]\n%s",
           flood);
  char path[512];
  snprintf(path, sizeof path, "%s/storm.ini", dir);
  ct_scenario sc;
  memset(&sc, 0, sizeof sc);
  ct_error err = {0};
  int rc = ct_scenario_parse(&sc, text, path, known, &err);
  if (rc) {
    snprintf(msg, nmsg, "%s", err.msg);
    ct_scenario_free(&sc);
    return rc;
  }
  ct_grid g;
  memset(&g, 0, sizeof g);
  rc = ct_grid_init(&g, "EPSG:32648", 600000, 1000000, 600200, 1000100, 10,
                    &err);
  CHECK(rc == 0 && g.nx == NX && g.ny == NY);
  ct_layer l[3];
  memset(l, 0, sizeof l);
  l[0].name = (char *)"dem";
  l[0].raster = dem;
  l[0].units = (char *)dem_units;
  l[1].name = (char *)"landuse";
  l[1].raster = lu;
  l[2].name = (char *)"drainmap";
  l[2].raster = drainmap;
  ct_layers ls = {3, l};
  ct_env env;
  memset(&env, 0, sizeof env);
  env.sc = &sc;
  env.grid = &g;
  env.fields = ct_fields_new(&g);
  env.layers = &ls;
  env.start_unix = sc.start_unix;
  env.duration = 600;
  env.coupling = 60;
  env.warn = on_warn;
  warned[0] = '\0';
  if (!rc) rc = ct_scenario_check_keys(&sc, "flood", ct_flood_model.keys, &err);
  void *self = NULL;
  if (!rc) rc = ct_flood_model.init(&self, &env, &err);
  double t = 0;
  for (int k = 0; !rc && k < steps; k++) {
    if (k % 10 == 0) rc = ct_flood_model.exchange(self, env.fields, t, &err);
    double dt = ct_flood_model.max_dt(self);
    if (!rc) rc = ct_flood_model.step(self, t, dt, &err);
    t += dt;
  }
  t_end = t;
  if (!rc && steps) {
    rc = ct_flood_model.exchange(self, env.fields, t, &err);
    CHECK_OK(ct_flood_model.write(self, t, NULL, &err), &err);
    ct_field *d = ct_fields_find(env.fields, "flood.depth");
    CHECK(d && strcmp(d->units, "m") == 0 && d->t_updated == t);
    ct_json j;
    ct_json_init(&j);
    ct_json_object(&j, NULL);
    ct_json_object(&j, "flood");
    CHECK_OK(ct_flood_model.summary(self, &j, &err), &err);
    ct_json_end(&j);
    ct_json_end(&j);
    if (j.buf) snprintf(summary, nsum, "%s", j.buf);
    ct_json_free(&j);
  }
  if (self) ct_flood_model.destroy(self);
  snprintf(msg, nmsg, "%s", rc ? err.msg : "");
  ct_fields_free(env.fields);
  ct_grid_free(&g);
  ct_scenario_free(&sc);
  return rc;
}

/* Expects failure with every needle in the message. */
static void bad(const char *flood, const char *n1, const char *n2) {
  char msg[2048], sum[16];
  int rc = try_flood(flood, 0, msg, sizeof msg, sum, sizeof sum);
  printf("-> %d: %s\n", rc, msg);
  CHECK(rc < 0);
  if (n1) CHECK(strstr(msg, n1) != NULL);
  if (n2) CHECK(strstr(msg, n2) != NULL);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/ct_flood_inputs_XXXXXX");
  if (!mkdtemp(dir)) return 1;
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      dem[j * NX + i] = (float)(2.0 + 0.05 * j + 0.3 * sin(0.5 * i));
      lu[j * NX + i] = (float)(1 + (i + j) % 7);
    }
  write_file("rain.csv", "time,rain\n0,20\n300,60\n600,0\n");
  write_file("neg.csv", "time,rain\n0,20\n300,-5\n600,0\n");
  write_file("unsorted.csv", "time,rain\n0,20\n300,10\n200,0\n");
  write_file("q.csv", "time,discharge\n0,0\n300,2\n600,0\n");
  write_file("tide.csv", "time,level\n0,2.0\n600,2.6\n");

  /* A good scenario with most keys. */
  char msg[2048];
  static char sum[1 << 16];
  int rc = try_flood("rain = rain.csv\nlanduse = landuse\nmanning = landuse\n"
                     "manning.road = 0.018\ninfiltration = green-ampt\n"
                     "drains = landuse\ndrains.outfall = 600195 1000005\n"
                     "boundary.west = level tide.csv\nboundary.east = free\n"
                     "inflow.pipe = 600100 1000050 q.csv\nthreshold = 0.05\n",
                     200, msg, sizeof msg, sum, sizeof sum);
  CHECK(rc == 0);
  if (rc) printf("good scenario failed: %s\n", msg);
  CHECK(strstr(sum, "\"volume_error_rel\"") != NULL);
  CHECK(strstr(sum, "\"flooded_area_m2\"") != NULL);
  CHECK(strstr(sum, "\"balance\"") != NULL);
  const char *e = strstr(sum, "\"volume_error_rel\":");
  double er = e ? atof(e + strlen("\"volume_error_rel\":")) : 1.0;
  CHECK(er < 1e-6);
  printf("good scenario: volume_error_rel %.3g\n", er);

  /* Flooded-area KPIs with a land-use layer: land that starts under water
   * (initial_level 2.51 m over a bed of 1.7 .. 2.75 m) counts, cells of the
   * water class (5) do not, nor cells of class 0 (where the land-use raster
   * has no data) that start wet; here class 4 is made 0. One short step:
   * the maximum depth is the start's
   * to within 1 mm, and no land cell's start depth lies within 1 mm of the
   * 0.1 and 0.3 m thresholds (checked), so the areas are exact counts. */
  {
    double a1 = 0, a3 = 0, near = 0;
    for (int k = 0; k < NX * NY; k++)
      if (lu[k] == 4.0f) lu[k] = 0.0f;
    for (int k = 0; k < NX * NY; k++) {
      double h = 2.51 - dem[k];
      if (lu[k] == 5.0f || (lu[k] == 0.0f && h > 0.01)) continue;
      a1 += h > 0.1 ? 100.0 : 0.0;
      a3 += h > 0.3 ? 100.0 : 0.0;
      near += fabs(h - 0.1) < 1e-3 || fabs(h - 0.3) < 1e-3;
    }
    CHECK(near == 0 && a1 > 0 && a3 > 0);
    rc = try_flood("landuse = landuse\ninitial_level = 2.51\nmax_dt = 0.01\n", 1,
                   msg, sizeof msg, sum, sizeof sum);
    if (rc) printf("initial level failed: %s\n", msg);
    CHECK(rc == 0);
    const char *fa = strstr(sum, "\"flooded_area_m2\"");
    const char *p1 = fa ? strstr(fa, "\"0.1\":") : NULL;
    const char *p3 = fa ? strstr(fa, "\"0.3\":") : NULL;
    double g1 = p1 ? atof(p1 + 6) : -1, g3 = p3 ? atof(p3 + 6) : -1;
    printf("land under water at the start: %.0f / %.0f m2 (> 0.1 / 0.3 m), "
           "expected %.0f / %.0f\n", g1, g3, a1, a3);
    CHECK(g1 == a1 && g3 == a3);
    for (int k = 0; k < NX * NY; k++)
      if (lu[k] == 0.0f) lu[k] = 4.0f;
  }

  /* A gauge method without gauges: an error, not a key silently unused. */
  bad("rain = 20\nrain.method = thiessen\n", "storm.ini:11", "rain.gauges");

  /* Gauges (Thiessen and inverse distance) and a raster stack: the rain
   * delivered is the areal mean rate times the time. Two gauges placed
   * symmetrically about the domain's centre line, 10 and 30 mm/h: either
   * method gives a domain mean of 20 mm/h. */
  write_file("gauges.csv", "name,x,y\nA,600050,1000050\nB,600150,1000050\n");
  write_file("two.csv", "time,A,B\n0,10,30\n3600,10,30\n");
  const char *methods[2] = {"thiessen", "idw"};
  for (int k = 0; k < 2; k++) {
    char sc[256];
    snprintf(sc, sizeof sc,
             "rain = two.csv\nrain.gauges = gauges.csv\nrain.method = %s\n",
             methods[k]);
    rc = try_flood(sc, 50, msg, sizeof msg, sum, sizeof sum);
    CHECK(rc == 0);
    const char *r = strstr(sum, "\"rain\":");
    double rain = r ? atof(r + 7) : 0, want = 20.0 / 3.6e6 * 20000.0 * t_end;
    printf("gauges %s: rain %.6f m3, expected %.6f\n", methods[k], rain, want);
    /* 1e-6: per-cell rates and IDW weights are float32. */
    CHECK_NEAR(rain, want, 1e-6 * want);
  }
  {
    GDALAllRegister();
    char tif[512];
    snprintf(tif, sizeof tif, "%s/stack.tif", dir);
    GDALDriverH drv = GDALGetDriverByName("GTiff");
    GDALDatasetH ds = drv ? GDALCreate(drv, tif, 10, 5, 2, GDT_Float32, NULL)
                          : NULL;
    CHECK(ds != NULL);
    if (ds) {
      /* Coarser than the domain (20 m), same extent, UTM 48N. */
      double gt[6] = {600000, 20, 0, 1000100, 0, -20};
      GDALSetGeoTransform(ds, gt);
      OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
      OSRImportFromEPSG(srs, 32648);
      char *wkt = NULL;
      OSRExportToWkt(srs, &wkt);
      GDALSetProjection(ds, wkt);
      CPLFree(wkt);
      OSRDestroySpatialReference(srs);
      float v[50];
      for (int b = 1; b <= 2; b++) {
        for (int k = 0; k < 50; k++) v[k] = (float)(36.0 * b);
        if (GDALRasterIO(GDALGetRasterBand(ds, b), GF_Write, 0, 0, 10, 5, v,
                         10, 5, GDT_Float32, 0, 0) != CE_None)
          CHECK(0);
      }
      GDALClose(ds);
      rc = try_flood("rain = stack:stack.tif\nrain.interval = 1h\n", 50, msg,
                     sizeof msg, sum, sizeof sum);
      CHECK(rc == 0);
      if (rc) printf("stack: %s\n", msg);
      const char *r = strstr(sum, "\"rain\":");
      double rain = r ? atof(r + 7) : 0, want = 36.0 / 3.6e6 * 20000.0 * t_end;
      printf("stack: rain %.6f m3, expected %.6f\n", rain, want);
      CHECK_NEAR(rain, want, 1e-6 * want); /* band 1 only; float32 rates */
      write_file("neg.tif", "not a tiff");
      bad("rain = stack:neg.tif\n", "storm.ini:10", "neg.tif");
      /* A raster given where a CSV series belongs: say so, not "the first
       * column must be 'time', got 'II*'". */
      bad("rain = stack.tif\n", "storm.ini:10", "looks like a raster");
      bad("rain = stack.tif\n", "stack:FILE", NULL);
    }
    /* A stack without a CRS: the hint names the key that gives one. */
    snprintf(tif, sizeof tif, "%s/nocrs.tif", dir);
    ds = drv ? GDALCreate(drv, tif, 10, 5, 1, GDT_Float32, NULL) : NULL;
    CHECK(ds != NULL);
    if (ds) {
      double gt[6] = {600000, 20, 0, 1000100, 0, -20};
      GDALSetGeoTransform(ds, gt);
      float v[50];
      for (int k = 0; k < 50; k++) v[k] = 10.0f;
      if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, 0, 10, 5, v, 10,
                       5, GDT_Float32, 0, 0) != CE_None)
        CHECK(0);
      GDALClose(ds);
      bad("rain = stack:nocrs.tif\n", "rain.crs = EPSG:", "[flood]");
    }
  }

  /* A drains raster mapped for the east half only: nodata is no drains,
   * and the log says how many cells that is. 36 mm/h of capacity under
   * 72 mm/h of rain: the inlets of the mapped cells take their full
   * capacity every step (the rain of a step arrives before they take). */
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) drainmap[j * NX + i] = i < 10 ? NAN : 36.0f;
  rc = try_flood("rain = 72\ndrains = drainmap\n", 50, msg, sizeof msg, sum,
                 sizeof sum);
  CHECK(rc == 0);
  printf("drains with holes: %s\n", warned);
  CHECK(strstr(warned, "storm.ini:11") != NULL);
  CHECK(strstr(warned, "no data in 100 of 200 cells") != NULL);
  {
    const char *d = strstr(sum, "\"drained\":");
    double drained = d ? atof(d + 10) : 0,
           want = 36.0 / 3.6e6 * (100 * 100.0) * t_end;
    printf("drains with holes: drained %.6f m3, expected %.6f\n", drained,
           want);
    CHECK_NEAR(drained, want, 1e-6 * want); /* float32 capacities */
  }
  drainmap[0] = -1.0f;
  bad("drains = drainmap\n", "drainmap", "(0, 0)");

  /* The DEM hole: named by layer and cell. */
  dem[3 * NX + 7] = NAN;
  bad("rain = 10\n", "layer 'dem'", "(7, 3)");
  /* An undeclared fill value: named as such, with the cell. */
  dem[3 * NX + 7] = -9999.0f;
  bad("rain = 10\n", "lie -9000 m or lower, the first -9999 m at cell (7, 3)",
      "nodata = ...");
  dem[3 * NX + 7] = 2.0f;
  bad("rain = neg.csv\n", "storm.ini:10", "neg.csv");
  bad("rain = unsorted.csv\n", "storm.ini:10", "unsorted.csv");
  bad("rain = -3\n", "storm.ini:10", "rain");
  bad("rain = nofile.csv\n", "storm.ini:10", "nofile.csv");
  bad("inflow.x = 700000 1000050 q.csv\n", "storm.ini:10", "outside");
  bad("inflow.x = 600100 1000050 600100 1000500 q.csv\n", "storm.ini:10",
      "outside");
  bad("drains = 20\ndrains.outfall = 1 2\n", "storm.ini:11", "outside");
  bad("boundary.up = free\n", "storm.ini:10", "edge");
  bad("boundary.west = level\n", "storm.ini:10", "level");
  bad("manning = -0.1\n", "storm.ini:10", "Manning");
  bad("manning = forest\n", "storm.ini:10", "forest");
  bad("manning.jungle = 0.1\nlanduse = landuse\n", "storm.ini:10", "class");
  bad("infiltration = sometimes\n", "storm.ini:10", "green-ampt");
  bad("theta = 2\n", "storm.ini:10", "theta");
  bad("max_dt = fast\n", "storm.ini:10", "max_dt");
  bad("rian = 3\n", "storm.ini:10", "rain");
  bad("dem = elevation\n", "storm.ini:10", "elevation");

  /* Rates with their documented unit are numbers; another unit is an
   * error saying which one is expected, never a file or layer lookup. */
  rc = try_flood("rain = 36 mm/h\n", 50, msg, sizeof msg, sum, sizeof sum);
  CHECK(rc == 0);
  {
    const char *r = strstr(sum, "\"rain\":");
    double rain = r ? atof(r + 7) : 0, want = 36.0 / 3.6e6 * 20000.0 * t_end;
    CHECK_NEAR(rain, want, 1e-9 * want);
  }
  CHECK(try_flood("rain = 36mm/h\ndrains = 30 mm/h\ninfiltration = 5 mm/h\n",
                  0, msg, sizeof msg, sum, sizeof sum) == 0);
  bad("rain = 2 in/h\n", "storm.ini:10", "expected mm/h");
  bad("drains = 30 l/s\n", "storm.ini:10", "expected mm/h");
  bad("infiltration = 5 cm/h\n", "storm.ini:10", "expected mm/h");
  /* Empty values are named as such, with the line. */
  bad("rain =\n", "storm.ini:10: [flood] rain", "empty value");
  bad("rain = two.csv\nrain.gauges =\n", "storm.ini:11", "empty value");

  /* A series' ISO times must carry their UTC offset: read as UTC they
   * would shift the rain by the zone's offset. */
  write_file("nooff.csv", "time,rain\n2026-09-15T14:00:00,20\n"
                          "2026-09-15T14:10:00,20\n");
  bad("rain = nooff.csv\n", "nooff.csv:2", "give the UTC offset");
  write_file("feb30.csv", "time,rain\n2026-02-30T14:00:00+07:00,20\n");
  bad("rain = feb30.csv\n", "feb30.csv:2", "February 2026 has 28 days");
  /* A spreadsheet's BOM is not part of the header. */
  write_file("bom.csv", "\xEF\xBB\xBFtime,rain\r\n0,20\r\n600,20\r\n");
  rc = try_flood("rain = bom.csv\n", 0, msg, sizeof msg, sum, sizeof sum);
  if (rc) printf("bom: %s\n", msg);
  CHECK(rc == 0);

  /* A DEM in other units than metres is refused, naming layer and units. */
  dem_units = "ft";
  bad("rain = 10\n", "layer 'dem'", "'ft'");
  dem_units = "bananas";
  bad("dem = dem\n", "storm.ini:10", "'bananas'");
  dem_units = "metres";
  CHECK(try_flood("rain = 10\n", 0, msg, sizeof msg, sum, sizeof sum) == 0);
  dem_units = NULL;

  /* Values that make a run crawl: a tiny time-step cap, water levels far
   * above all ground (the DEM here tops out below 3.3 m). */
  bad("max_dt = 0.000001\n", "storm.ini:10", "at least 0.01 s");
  bad("initial_level = 1e9\n", "storm.ini:10", "above the DEM's highest cell");
  bad("boundary.west = level 1e6\n", "storm.ini:10", "highest cell");
  write_file("hightide.csv", "time,level\n0,2\n600,2500\n");
  bad("boundary.west = level hightide.csv\n", "storm.ini:10", "row 2");
  CHECK(try_flood("initial_level = 90\nmax_dt = 0.01\n", 0, msg, sizeof msg,
                  sum, sizeof sum) == 0);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return TEST_RESULT();
}
