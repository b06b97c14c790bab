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

static long mtime_in(const char *out, const char *variant) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s/%s/run.nc", dir, out, variant);
  struct stat st;
  if (stat(path, &st) != 0) return -1;
  return st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec;
}

static long mtime_ns(const char *variant) { return mtime_in("out", variant); }

/* Runs the batch; its stderr into err.txt, returned (static). */
static const char *batch_err(int *status, const char *batch, const char *opts) {
  static char msg[16384];
  *status = ct_test_sh("%s batch %s/%s --quiet %s 2> %s/err.txt > /dev/null",
                       CT_CLI, dir, batch, opts, dir);
  char path[4096];
  snprintf(path, sizeof path, "%s/err.txt", dir);
  FILE *fp = fopen(path, "r");
  size_t n = fp ? fread(msg, 1, sizeof msg - 1, fp) : 0;
  msg[n] = '\0';
  if (fp) fclose(fp);
  fprintf(stderr, "batch %s: exit %d: %s", batch, *status, msg);
  return msg;
}

static int count(const char *text, const char *what) {
  int n = 0;
  for (const char *p = text; (p = strstr(p, what)); p += strlen(what)) n++;
  return n;
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

  /* A second call reruns what changed: an intervention's value (rain.scale
   * and dem.offset write their edited inputs under fixed names, so the
   * scenario text stayed the same and the stale runs were kept) and the
   * content of a CSV the base names; nothing else. */
  put("rain.csv", "time,rain\n0,40\n1200,40\n");
  put("short_csv.ini",
      "[scenario]\nname = valley\nstart = 2026-09-15T14:00:00+07:00\n"
      "duration = 20min\n[domain]\ngrid = dem\n[layers]\ndem = dem.tif\n"
      "[output]\ninterval = 10min\n[flood]\nrain = rain.csv\ndrains = 10\n");
  put("stale.ini", "[batch]\nbase = short_csv.ini\noutput = stale\n"
                   "[variant r]\nrain.scale = 2\n[variant o]\ndem.offset = 1\n");
  CHECK(ct_test_sh("%s batch %s/stale.ini --quiet 2> /dev/null", CT_CLI, dir) == 0);
  {
    long b0 = mtime_in("stale", "base"), r0 = mtime_in("stale", "r"),
         o0 = mtime_in("stale", "o");
    double rain0 = kpi_in("stale", "r", "flood.volumes_m3.rain");
    put("stale.ini", "[batch]\nbase = short_csv.ini\noutput = stale\n"
                     "[variant r]\nrain.scale = 5\n[variant o]\ndem.offset = -3\n");
    CHECK(ct_test_sh("%s batch %s/stale.ini --quiet 2> /dev/null", CT_CLI, dir) == 0);
    CHECK(mtime_in("stale", "base") == b0);
    CHECK(mtime_in("stale", "r") != r0 && mtime_in("stale", "o") != o0);
    CHECK_NEAR(kpi_in("stale", "r", "flood.volumes_m3.rain"), 2.5 * rain0,
               1e-9 * rain0);
    b0 = mtime_in("stale", "base");
    r0 = mtime_in("stale", "r");
    put("rain.csv", "time,rain\n0,20\n1200,20\n");
    CHECK(ct_test_sh("%s batch %s/stale.ini --quiet 2> /dev/null", CT_CLI, dir) == 0);
    CHECK(mtime_in("stale", "base") != b0 && mtime_in("stale", "r") != r0);
    CHECK_NEAR(kpi_in("stale", "r", "flood.volumes_m3.rain"), 1.25 * rain0,
               1e-9 * rain0);
    /* unchanged: all skipped */
    b0 = mtime_in("stale", "base");
    CHECK(ct_test_sh("%s batch %s/stale.ini --quiet 2> /dev/null", CT_CLI, dir) == 0);
    CHECK(mtime_in("stale", "base") == b0);
  }

  /* Bad input in a variant: exit 2, before any run (not 1 after the
   * base ran), naming the batch file and the line of the variant's key
   * (not a line of the generated scenario, e.g. short.ini:33). */
  {
    int rc;
    const char *m;
    put("bad_manning.ini", "[batch]\nbase = short.ini\noutput = bad1\n"
                           "[variant ok]\nrain.scale = 2\n"
                           "[variant m]\ndescription = x\nflood.manning = -1\n");
    m = batch_err(&rc, "bad_manning.ini", "");
    CHECK(rc == 2 && strstr(m, "bad_manning.ini:8: [variant m] [flood] manning"));
    CHECK(!strstr(m, "short.ini:"));
    CHECK(mtime_in("bad1", "base") < 0); /* nothing ran */
    put("bad_dur.ini", "[batch]\nbase = short.ini\noutput = bad2\n"
                       "[variant d]\nscenario.duration = -5\n");
    m = batch_err(&rc, "bad_dur.ini", "");
    CHECK(rc == 2 && strstr(m, "bad_dur.ini:5: [variant d] [scenario] duration"));
    put("bad_inside.ini", "[batch]\nbase = short.ini\noutput = bad3\n"
                          "[variant d]\ndrains.scale = 2\ndrains.inside = nope.geojson\n");
    m = batch_err(&rc, "bad_inside.ini", "");
    CHECK(rc == 2 && strstr(m, "bad_inside.ini:6: [variant d] drains.inside"));
    put("line.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
        "\"properties\":{},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
        "[[104.5,10.7],[104.6,10.8]]}}]}\n");
    put("bad_line.ini", "[batch]\nbase = short.ini\noutput = bad4\n"
                        "[variant d]\ndrains.scale = 2\ndrains.inside = line.geojson\n");
    m = batch_err(&rc, "bad_line.ini", "");
    CHECK(rc == 2 && strstr(m, "bad_line.ini:6: [variant d] drains.inside"));
    put("bad_tide.ini", "[batch]\nbase = short.ini\noutput = bad5\n"
                        "[variant t]\ntide.offset = 0.3\n");
    m = batch_err(&rc, "bad_tide.ini", "");
    CHECK(rc == 2 && strstr(m, "bad_tide.ini:5: [variant t] tide.offset"));
    /* A typo in the base: exit 2, reported once, not once per variant. */
    put("typo_base.ini",
        "[scenario]\nname = valley\nstart = 2026-09-15T14:00:00+07:00\n"
        "duraton = 20min\n[domain]\ngrid = dem\n[layers]\ndem = dem.tif\n");
    put("bad_base.ini", "[batch]\nbase = typo_base.ini\noutput = bad6\n"
                        "[variant a]\nrain.scale = 2\n[variant b]\nrain.scale = 3\n");
    m = batch_err(&rc, "bad_base.ini", "");
    CHECK(rc == 2 && count(m, "duraton") == 1 && strstr(m, "typo_base.ini:4:"));
    /* A typo in maps: an error listing the fields, exit 2, and no variant
     * runs after the base (-j 1) nor a report linking missing maps. */
    put("bad_maps.ini", "[batch]\nbase = short.ini\noutput = bad7\n"
                        "maps = flood.max_dpth\n[variant a]\nrain.scale = 2\n");
    m = batch_err(&rc, "bad_maps.ini", "");
    CHECK(rc == 2 && strstr(m, "bad_maps.ini:4: [batch] maps") &&
          strstr(m, "'flood.max_dpth'") && strstr(m, "flood.max_depth"));
    CHECK(mtime_in("bad7", "a") < 0);
    snprintf(path, sizeof path, "%s/bad7/report.md", dir);
    CHECK(access(path, F_OK) != 0);
    /* tide.offset on the documented constant form "level 0.2" (it said
     * ".../0.2: cannot open"): the level is raised. */
    put("const_tide.ini",
        "[scenario]\nname = valley\nstart = 2026-09-15T14:00:00+07:00\n"
        "duration = 20min\n[domain]\ngrid = dem\n[layers]\ndem = dem.tif\n"
        "[output]\ninterval = 10min\n[flood]\nrain = 40\n"
        "boundary.south = level 0.2\n");
    put("tide_const.ini", "[batch]\nbase = const_tide.ini\noutput = tc\n"
                          "[variant t]\ntide.offset = 0.3\n");
    m = batch_err(&rc, "tide_const.ini", "");
    CHECK(rc == 0);
    CHECK(ct_test_sh("grep -q '^boundary.south = level 0.5$' %s/tc/t/scenario.ini",
                     dir) == 0);
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
  CHECK(ct_test_sh("%s batch %s/far.ini --quiet 2> %s/err.txt", CT_CLI, dir, dir) == 2);
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
