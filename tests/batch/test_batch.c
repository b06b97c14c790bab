/* test_batch.c - what-if batches end to end with the real `citytwin batch`:
 * KPIs move the way the physics says, an identical variant gives identical
 * KPIs, an interrupted batch resumes without rerunning finished variants,
 * and bad batch files fail with file:line. */
#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "citytwin/util.h"
#include "ct_test.h"

static char dir[] = "/tmp/ct_batch_XXXXXX";


static void put(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void put(const char *name, const char *fmt, ...) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "w");
  va_list ap;
  va_start(ap, fmt);
  vfprintf(fp, fmt, ap);
  va_end(ap);
  fclose(fp);
}

/* A 60 x 40 cell valley at 10 m (UTM 48N) draining south into a tidal
 * edge: z rises 2 cm per cell northwards and 1 cm per cell away from the
 * middle column, so the southern rows sit below high tide. */
static void make_dem(void) {
  const int nx = 40, ny = 60;
  float *z = malloc(sizeof(float) * nx * ny);
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      z[j * nx + i] = 0.02f * (float)(ny - 1 - j) + 0.01f * (float)abs(i - nx / 2);
  GDALAllRegister();
  char path[4096];
  snprintf(path, sizeof path, "%s/dem.tif", dir);
  GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GTiff"), path, nx, ny, 1,
                               GDT_Float32, NULL);
  double gt[6] = {680000, 10, 0, 1186000, 0, -10};
  GDALSetGeoTransform(ds, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  OSRImportFromEPSG(srs, 32648);
  char *wkt;
  OSRExportToWkt(srs, &wkt);
  GDALSetProjection(ds, wkt);
  CPLFree(wkt);
  OSRDestroySpatialReference(srs);
  if (GDALRasterIO(GDALGetRasterBand(ds, 1), GF_Write, 0, 0, nx, ny, z, nx, ny,
                   GDT_Float32, 0, 0) != CE_None)
    ct_test_failures++;
  GDALClose(ds);
  free(z);
}

static double kpi_in(const char *out, const char *variant, const char *key) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s/%s/run_summary.json", dir, out, variant);
  FILE *fp = fopen(path, "r");
  if (!fp) return NAN;
  static char text[1 << 20];
  size_t n = fread(text, 1, sizeof text - 1, fp);
  text[n] = '\0';
  fclose(fp);
  ct_kv *kv;
  int nkv;
  double v = NAN;
  if (ct_json_numbers(text, &kv, &nkv, NULL) == CT_OK) {
    for (int k = 0; k < nkv; k++)
      if (!strcmp(kv[k].key, key)) v = kv[k].value;
    ct_kv_free(kv, nkv);
  }
  return v;
}

static double kpi(const char *variant, const char *key) {
  return kpi_in("out", variant, key);
}

static long mtime_ns(const char *variant) {
  char path[4096];
  snprintf(path, sizeof path, "%s/out/%s/run.nc", dir, variant);
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  return st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec;
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  make_dem();
  put("tide.csv", "time,level\n0,0.2\n3600,0.9\n7200,0.2\n");
  put("base.ini",
      "[scenario]\nname = valley\nstart = 2026-09-15T14:00:00+07:00\n"
      "duration = 2h\n[domain]\ngrid = dem\n[layers]\ndem = dem.tif\n"
      "[output]\ninterval = 30min\n[flood]\nrain = 40\ndrains = 10\n"
      "boundary.south = level tide.csv\n");
  put("whatif.ini",
      "[batch]\nbase = base.ini\noutput = out\nmaps = flood.max_depth\n"
      "[variant drains_x3]\ndescription = three times the drains\n"
      "drains.scale = 3\n"
      "[variant tide_up]\ntide.offset = 0.3\n"
      "[variant same]\ndescription = identical to the base\n"
      "[variant rain_x2]\nrain.scale = 2\n"
      "[variant pond]\ndem.offset = -1\ndem.inside = pond.geojson\n");
  /* a 100 m x 100 m pond up the valley, above the tide (UTM polygon) */
  put("pond.geojson",
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\","
      "\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},"
      "\"features\":[{\"type\":\"Feature\",\"properties\":{},"
      "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[680150,1185880],"
      "[680250,1185880],[680250,1185980],[680150,1185980],[680150,1185880]]]}}]}\n");
  CHECK(ct_test_sh("%s batch %s/whatif.ini -j 2 --quiet", CT_CLI, dir) == 0);

  /* The physics: more drains -> less flooded area; a higher tide -> more.
   * Flooded area must differ by more than one 100 m2 cell to count. */
  const char *area = "flood.flooded_area_m2.0.1";
  double a0 = kpi("base", area), ad = kpi("drains_x3", area),
         at = kpi("tide_up", area), as = kpi("same", area);
  fprintf(stderr, "flooded area > 0.1 m: base %g, drains x3 %g, tide +0.3 %g, same %g\n",
          a0, ad, at, as);
  CHECK(a0 > 0);
  CHECK(ad < a0 - 100);
  CHECK(at > a0 + 100);
  /* identical inputs, deterministic engine: identical numbers */
  CHECK(as == a0);
  CHECK(kpi("same", "flood.volume_error_rel") == kpi("base", "flood.volume_error_rel"));
  /* twice the rain: exactly twice the rain volume (a constant rate) */
  CHECK_NEAR(kpi("rain_x2", "flood.volumes_m3.rain"),
             2 * kpi("base", "flood.volumes_m3.rain"),
             1e-9 * kpi("base", "flood.volumes_m3.rain"));
  /* a retention pond dug 1 m deep over 100 cells keeps the runoff it
   * catches: more water stored at the end, less leaving by the tidal edge
   * (each by more than 100 m3, i.e. 1 mm over the pond's 10 000 m2) */
  const char *st = "flood.volumes_m3.storage_end", *of = "flood.volumes_m3.outflow";
  fprintf(stderr, "storage at the end: base %g, pond %g m3; outflow: base %g, pond %g m3\n",
          kpi("base", st), kpi("pond", st), kpi("base", of), kpi("pond", of));
  CHECK(kpi("pond", st) > kpi("base", st) + 100);
  CHECK(kpi("pond", of) < kpi("base", of) - 100);
  char path[4096];
  snprintf(path, sizeof path, "%s/out/kpis.csv", dir);
  CHECK(access(path, R_OK) == 0);
  snprintf(path, sizeof path, "%s/out/report.md", dir);
  CHECK(access(path, R_OK) == 0);
  snprintf(path, sizeof path, "%s/out/maps/drains_x3_minus_base_flood.max_depth.tif", dir);
  GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
  CHECK(ds != NULL);
  if (ds) { /* more drains: nowhere deeper than the base (float rounding) */
    double mm[2];
    GDALComputeRasterMinMax(GDALGetRasterBand(ds, 1), FALSE, mm);
    CHECK(mm[1] <= 1e-4);
    CHECK(mm[0] < -1e-3);
    GDALClose(ds);
  }

  /* Resume: nothing reruns when all is complete... */
  long t_base = mtime_ns("base"), t_same = mtime_ns("same");
  CHECK(ct_test_sh("%s batch %s/whatif.ini --quiet 2> /dev/null", CT_CLI, dir) == 0);
  CHECK(mtime_ns("base") == t_base && mtime_ns("same") == t_same);
  /* ...and a variant whose run was cut short (status not complete) reruns
   * alone: simulate the interruption by truncating its run file. */
  snprintf(path, sizeof path, "%s/out/tide_up/run.nc", dir);
  CHECK(truncate(path, 2000) == 0);
  /* (from the batch's folder: a relative batch path must work too) */
  CHECK(ct_test_sh("cd %s && %s batch whatif.ini --quiet 2> /dev/null", dir, CT_CLI) == 0);
  CHECK(mtime_ns("base") == t_base && mtime_ns("same") == t_same);
  CHECK(kpi("tide_up", area) == at);

  /* Variants killed part-way (as kill -9 would: at 45 min, after the
   * checkpoint at 30 min) go on from their checkpoints when the batch runs
   * again, and end as runs never stopped: the same KPIs, bit for bit. */
  put("again.ini", "[batch]\nbase = base.ini\noutput = out2\n"
                   "[variant tide_up]\ntide.offset = 0.3\n");
  CHECK(ct_test_sh("CITYTWIN_TEST_KILL_AT=2700 %s batch %s/again.ini --quiet "
                   "2> /dev/null", CT_CLI, dir) != 0);
  CHECK(ct_test_sh("%s batch %s/again.ini --quiet 2> /dev/null", CT_CLI,
                   dir) == 0);
  for (int v = 0; v < 2; v++) {
    const char *name = v ? "tide_up" : "base";
    CHECK(ct_test_sh("grep -q 'resumed from the checkpoint at t = 1800 s' "
                     "%s/out2/%s/log.txt", dir, name) == 0);
    CHECK(kpi_in("out2", name, area) == kpi(name, area));
    CHECK(kpi_in("out2", name, st) == kpi(name, st));
    CHECK(kpi_in("out2", name, "flood.volume_error_rel") ==
          kpi(name, "flood.volume_error_rel"));
  }

  /* What the batch tells its user, off a terminal: progress counts runs
   * (the base is one) and its last line has them all done, none running
   * (it said "100% 3/4 variants done, 1 running"); the summary says
   * "base + 3 variants" (it said "4 variant(s)"); report.md has no blank
   * description: a variant without one shows what it changes. */
  put("short.ini",
      "[scenario]\nname = valley\nstart = 2026-09-15T14:00:00+07:00\n"
      "duration = 20min\n[domain]\ngrid = dem\n[layers]\ndem = dem.tif\n"
      "[output]\ninterval = 10min\n[flood]\nrain = 40\ndrains = 10\n");
  put("shown.ini",
      "[batch]\nbase = short.ini\noutput = out3\nmaps = flood.max_depth\n"
      "[variant more_drains]\ndescription = drains | doubled\n"
      "drains.scale = 2\n"
      "[variant wetter]\nrain.scale = 1.5\n"
      "[variant again]\n");
  CHECK(ct_test_sh("%s batch %s/shown.ini -j 2 > %s/out.txt 2> %s/prog.txt",
                   CT_CLI, dir, dir, dir) == 0);
  {
    static char text[1 << 16];
    char last[512] = "", line[512];
    int n100 = 0, bad100 = 0;
    snprintf(path, sizeof path, "%s/prog.txt", dir);
    FILE *pf = fopen(path, "r");
    while (pf && fgets(line, sizeof line, pf)) {
      if (strncmp(line, "batch:", 6)) continue;
      snprintf(last, sizeof last, "%s", line);
      if (strstr(line, "100%")) {
        n100++;
        bad100 += !strstr(line, "4/4 runs done, 0 running");
      }
    }
    if (pf) fclose(pf);
    fprintf(stderr, "last progress line: %s", last);
    CHECK(strstr(last, "batch: 100%  4/4 runs done, 0 running") != NULL);
    CHECK(n100 >= 1 && bad100 == 0);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    pf = fopen(path, "r");
    size_t nr = pf ? fread(text, 1, sizeof text - 1, pf) : 0;
    text[nr] = '\0';
    if (pf) fclose(pf);
    CHECK(strstr(text, "batch:   base + 3 variants, 0 failed\n") != NULL);
    snprintf(path, sizeof path, "%s/out3/report.md", dir);
    pf = fopen(path, "r");
    nr = pf ? fread(text, 1, sizeof text - 1, pf) : 0;
    text[nr] = '\0';
    if (pf) fclose(pf);
    CHECK(strstr(text, "| base | the base scenario |\n"));
    CHECK(strstr(text, "| more_drains | drains \\| doubled |\n"));
    CHECK(strstr(text, "| wetter | `rain.scale = 1.5` |\n"));
    CHECK(strstr(text, "| again | — (no changes: the base again) |\n"));
    CHECK(strstr(text, "|  |") == NULL);
    /* Run again: all complete, nothing starts, and progress still ends
     * with every run done. */
    CHECK(ct_test_sh("%s batch %s/shown.ini 2> %s/prog.txt > /dev/null",
                     CT_CLI, dir, dir) == 0);
    CHECK(ct_test_sh("grep batch: %s/prog.txt | tail -n 1 | grep -q "
                     "'100%%  4/4 runs done, 0 running'", dir) == 0);
  }

  /* Bad batch files: file:line and exit status 2. */
  put("typo.ini", "[batch]\nbase = base.ini\n[variant a]\nflood.rian = 50\n");
  CHECK(ct_test_sh("%s batch %s/typo.ini 2> %s/err.txt", CT_CLI, dir, dir) == 2);
  snprintf(path, sizeof path, "%s/err.txt", dir);
  FILE *fp = fopen(path, "r");
  char msg[4096] = "";
  if (fp) {
    size_t n = fread(msg, 1, sizeof msg - 1, fp);
    msg[n] = '\0';
    fclose(fp);
  }
  CHECK(strstr(msg, "typo.ini:4: [variant a] 'flood.rian' is no key a variant can set (did you mean 'flood.rain'?)"));
  /* a polygon that misses the domain */
  put("far.geojson",
      "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
      "\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
      "[[[100.0,20.0],[100.1,20.0],[100.1,20.1],[100.0,20.0]]]}}]}\n");
  put("far.ini", "[batch]\nbase = base.ini\noutput = out_far\n[variant a]\n"
                 "drains.scale = 2\ndrains.inside = far.geojson\n");
  CHECK(ct_test_sh("%s batch %s/far.ini --quiet 2> %s/err.txt", CT_CLI, dir, dir) == 1);
  fp = fopen(path, "r");
  msg[0] = '\0';
  if (fp) {
    size_t n = fread(msg, 1, sizeof msg - 1, fp);
    msg[n] = '\0';
    fclose(fp);
  }
  CHECK(strstr(msg, "far.ini:6: [variant a] drains.inside: the polygons of "
                    "'far.geojson' do not overlap the domain"));
  ct_test_sh("rm -rf %s", dir);
  return TEST_RESULT();
}
