/* test_air_scenario.c - the air model in a whole run (ct_run): an [air]
 * section with a met series, a stacks layer (GeoJSON points), receptors and
 * a background; the summary's mass balance closes and the published maxima
 * lie above the background; in every snapshot the maximum so far is at
 * least the concentration it shows, and the first one's hourly mean is its
 * concentration (both with the background). Then the bad inputs of a scenario: a stack
 * outside the domain, a negative rate, a met series with a gap, an unknown
 * species - each a clear error naming the layer and feature, or file:line. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "citytwin/run.h"
#include "citytwin/snapshot.h"
#include "ct_test.h"

static char dir[1024];

static void put(const char *name, const char *text) {
  char p[1200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *fp = fopen(p, "w");
  if (fp) {
    fputs(text, fp);
    fclose(fp);
  }
}

static const char *stack_json(double x, double y, const char *pm) {
  static char buf[1024];
  snprintf(buf, sizeof buf,
           "{\"type\":\"FeatureCollection\",\"features\":["
           "{\"type\":\"Feature\",\"properties\":{\"height\":40,"
           "\"pm25_gps\":2.0,\"nox_gps\":10.0},\"geometry\":{\"type\":"
           "\"Point\",\"coordinates\":[686000,1190000]}},"
           "{\"type\":\"Feature\",\"properties\":{\"height\":15,"
           "\"pm25_gps\":%s,\"nox_gps\":1.0},\"geometry\":{\"type\":"
           "\"Point\",\"coordinates\":[%.1f,%.1f]}}]}",
           pm, x, y);
  return buf;
}

static const char *scenario(const char *extra) {
  static char buf[4096];
  snprintf(buf, sizeof buf,
           "[scenario]\nname = air test\nstart = 2026-09-15T14:00:00+07:00\n"
           "duration = 40min\n\n[domain]\ncrs = EPSG:32648\n"
           "bounds = 684000 1188000 690000 1192000\ncell = 200\n\n"
           "[layers]\nstacks = stacks.geojson\nstations = stations.geojson\n\n"
           "[layer stacks]\ncrs = EPSG:32648\n\n"
           "[layer stations]\ncrs = EPSG:32648\n\n"
           "[output]\nfile = out/air.nc\ninterval = 20min\n\n"
           "[air]\nspecies = pm25 nox\nmet = met.csv\nstacks = stacks\n"
           "receptors = stations\nbackground.pm25 = 12\nlevels = 10\n"
           "top = 800\n%s",
           extra);
  return buf;
}

static int run_case(const char *name, const char *text, ct_error *err,
                    ct_run_result *res) {
  char p[1200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  put(name, text);
  ct_run_opts o;
  memset(&o, 0, sizeof o);
  o.threads = 2;
  return ct_run(p, &o, res, err);
}

/* The derived fields of every snapshot against the concentration it shows:
 * air.pm25_max ("maximum so far") >= air.pm25 in every cell, both at least
 * the 12 ug/m3 background; at t = 0, air.pm25_hourly equals air.pm25. Exact
 * comparisons: the maximum is taken over the very floats written. */
static void check_derived(const char *path) {
  ct_error err = {0};
  ct_reader *rd = NULL;
  int rc = ct_reader_open(&rd, path, &err);
  CHECK_OK(rc, &err);
  if (rc) return;
  const ct_grid *g = ct_reader_grid(rd);
  size_t n = (size_t)g->nx * (size_t)g->ny;
  int kn = ct_reader_find(rd, "air.pm25"), km = ct_reader_find(rd, "air.pm25_max");
  int kh = ct_reader_find(rd, "air.pm25_hourly");
  float *now = malloc(n * sizeof *now), *mx = malloc(n * sizeof *mx);
  float *hr = malloc(n * sizeof *hr);
  CHECK(kn >= 0 && km >= 0 && kh >= 0 && now && mx && hr);
  CHECK(ct_reader_ntimes(rd) == 3); /* 0, 20, 40 min */
  for (int t = 0; t < ct_reader_ntimes(rd) && kn >= 0 && km >= 0 && kh >= 0 &&
                  now && mx && hr; t++) {
    CHECK_OK(ct_reader_read(rd, kn, t, now, &err), &err);
    CHECK_OK(ct_reader_read(rd, km, t, mx, &err), &err);
    CHECK_OK(ct_reader_read(rd, kh, t, hr, &err), &err);
    size_t below = 0, nobg = 0, hdiff = 0;
    for (size_t k = 0; k < n; k++) {
      below += mx[k] < now[k];
      nobg += !(mx[k] >= 12.0f) || !(now[k] >= 12.0f);
      hdiff += t == 0 && hr[k] != now[k];
    }
    printf("snapshot %d: %zu cells with max < now, %zu below background, "
           "%zu with hourly != now at t = 0\n", t, below, nobg, hdiff);
    CHECK(below == 0 && nobg == 0 && hdiff == 0);
  }
  free(now);
  free(mx);
  free(hr);
  ct_reader_close(rd);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/air_scenario", CT_BINARY_DIR);
  mkdir(dir, 0777);
  char out[1200];
  snprintf(out, sizeof out, "%s/out", dir);
  mkdir(out, 0777);
  put("met.csv", "time,wind_speed,wind_dir,stability,mixing_height\n"
                 "0,3,250,C,900\n1200,4,260,D,800\n2400,4,270,D,800\n");
  put("stacks.geojson", stack_json(688000, 1191000, "0.5"));
  put("stations.geojson",
      "{\"type\":\"FeatureCollection\",\"features\":["
      "{\"type\":\"Feature\",\"properties\":{\"name\":\"A\"},\"geometry\":"
      "{\"type\":\"Point\",\"coordinates\":[687500,1190000]}}]}");

  ct_error err = {0};
  static ct_run_result res;
  int rc = run_case("ok.ini", scenario(""), &err, &res);
  CHECK_OK(rc, &err);
  if (!rc) {
    FILE *fp = fopen(res.summary, "r");
    static char js[65536];
    size_t n = fp ? fread(js, 1, sizeof js - 1, fp) : 0;
    if (fp) fclose(fp);
    js[n] = 0;
    const char *air = strstr(js, "\"air\"");
    CHECK(air != NULL);
    if (air) {
      const char *pm = strstr(air, "\"pm25\"");
      double em = 0, be = 1, mx = 0;
      const char *q;
      if (pm && (q = strstr(pm, "\"emitted_g\":"))) sscanf(q + 12, "%lf", &em);
      if (pm && (q = strstr(pm, "\"balance_error_rel\":")))
        sscanf(q + 20, "%lf", &be);
      if (pm && (q = strstr(pm, "\"max_ug_m3\":"))) sscanf(q + 12, "%lf", &mx);
      printf("pm25: emitted %.1f g, balance error %.3g, max %.2f ug/m3\n", em,
             be, mx);
      /* 2.5 g/s for 40 min */
      CHECK_NEAR(em, 2.5 * 2400.0, 1e-6);
      /* conservation to float round-off of the state */
      CHECK(fabs(be) < 1e-5);
      /* stacks raise the maximum above the 12 ug/m3 background */
      CHECK(mx > 12.0);
    }
    check_derived(res.output);
  }

  /* emissions.scale (a what-if's "emissions x F"): twice the sources emit
   * exactly twice the mass */
  rc = run_case("scaled.ini", scenario("emissions.scale = 2\n"), &err, &res);
  CHECK_OK(rc, &err);
  if (!rc) {
    FILE *fp = fopen(res.summary, "r");
    static char js2[65536];
    size_t n = fp ? fread(js2, 1, sizeof js2 - 1, fp) : 0;
    if (fp) fclose(fp);
    js2[n] = 0;
    const char *pm = strstr(js2, "\"pm25\"");
    const char *q = pm ? strstr(pm, "\"emitted_g\":") : NULL;
    double em = 0;
    if (q) sscanf(q + 12, "%lf", &em);
    CHECK_NEAR(em, 2 * 2.5 * 2400.0, 1e-6);
  }
  CHECK(run_case("badscale.ini", scenario("emissions.scale = -1\n"), &err,
                 &res) == CT_EINVAL &&
        strstr(err.msg, "emissions.scale: expected a factor >= 0"));

  /* rasters: forecast wind (u, v), an area source, and a grid twice as
   * coarse as the domain's; ASCII grids in the domain CRS */
  {
    char grid[8192];
    const char *hdr = "ncols 30\nnrows 20\nxllcorner 684000\n"
                      "yllcorner 1188000\ncellsize 200\nNODATA_value -9999\n";
    const char *val[3] = {"3.0 ", "1.0 ", "1e-6 "};
    const char *name[3] = {"wind_u.asc", "wind_v.asc", "area_pm.asc"};
    for (int f = 0; f < 3; f++) {
      size_t len = (size_t)snprintf(grid, sizeof grid, "%s", hdr);
      for (int r = 0; r < 20; r++) {
        for (int c2 = 0; c2 < 30; c2++)
          len += (size_t)snprintf(grid + len, sizeof grid - len, "%s", val[f]);
        len += (size_t)snprintf(grid + len, sizeof grid - len, "\n");
      }
      put(name[f], grid);
    }
    put("stacks.geojson", stack_json(688000, 1191000, "0.5"));
    char text[4096];
    snprintf(text, sizeof text, "%s", scenario(
        "wind.u = wu\nwind.v = wv\narea.pm25 = apm\ncoarsen = 2\n"));
    char *mt = strstr(text, "met = met.csv\n");
    if (mt) memcpy(mt, "#et", 3);
    char *ly = strstr(text, "[layer stacks]");
    if (ly) {
      char tail[3000];
      snprintf(tail, sizeof tail, "%s", ly);
      snprintf(ly, sizeof text - (size_t)(ly - text),
               "wu = wind_u.asc\nwv = wind_v.asc\napm = area_pm.asc\n\n"
               "[layer wu]\ncrs = EPSG:32648\n\n[layer wv]\ncrs = "
               "EPSG:32648\n\n[layer apm]\ncrs = EPSG:32648\n\n%s",
               tail);
    }
    memset(&err, 0, sizeof err);
    rc = run_case("rasters.ini", text, &err, &res);
    CHECK_OK(rc, &err);
    FILE *fp = rc ? NULL : fopen(res.summary, "r");
    static char js2[65536];
    size_t n = fp ? fread(js2, 1, sizeof js2 - 1, fp) : 0;
    if (fp) fclose(fp);
    js2[n] = 0;
    const char *pm = strstr(js2, "\"pm25\"");
    double em = 0, be = 1, nxa = 0;
    const char *q;
    if (pm && (q = strstr(pm, "\"emitted_g\":"))) sscanf(q + 12, "%lf", &em);
    if (pm && (q = strstr(pm, "\"balance_error_rel\":")))
      sscanf(q + 20, "%lf", &be);
    if ((q = strstr(js2, "\"air\"")) && (q = strstr(q, "\"nx\":")))
      sscanf(q + 5, "%lf", &nxa);
    printf("rasters: emitted %.1f g, balance error %.3g, air nx %.0f\n", em,
           be, nxa);
    /* stacks 2.5 g/s plus 1e-6 g/s/m2 over 6 x 4 km, for 2400 s; the
     * per-cell rates are float32 (relative 1e-7) */
    CHECK_NEAR(em, (2.5 + 1e-6 * 24e6) * 2400.0, 63600.0 * 1e-6);
    CHECK(fabs(be) < 1e-5);
    CHECK(nxa == 15.0); /* 30 cells coarsened by 2 */
  }

  /* bad inputs */
  struct {
    const char *file, *ini;
    double x;
    const char *pm, *met, *expect;
  } bad[] = {
      {"outside.ini", "", 699000, "0.5", NULL, "outside the air domain"},
      {"negative.ini", "", 688000, "-1", NULL, "pm25_gps = '-1'"},
      {"gap.ini", "wind = met.csv\n", 688000, "0.5",
       "time,wind_speed,wind_dir,stability,mixing_height\n"
       "0,3,250,C,900\n600,3,250,C,900\n2400,4,270,D,800\n",
       "met.csv:4: gap"},
      {"species.ini", "wind_speed = 3\n", 688000, "0.5", NULL,
       "unknown species 'nix'"},
  };
  for (int k = 0; k < 4; k++) {
    put("stacks.geojson", stack_json(bad[k].x, 1191000, bad[k].pm));
    put("met.csv", bad[k].met ? bad[k].met
                              : "time,wind_speed,wind_dir,stability,"
                                "mixing_height\n0,3,250,C,900\n");
    char text[4096];
    snprintf(text, sizeof text, "%s", scenario(bad[k].ini));
    if (k == 2) { /* INTERFACE.md's spelling: wind = met.csv */
      char *mt = strstr(text, "met = met.csv\n");
      if (mt) memcpy(mt, "#et", 3);
    }
    if (k == 3) {
      char *sp = strstr(text, "species = pm25 nox");
      if (sp) memcpy(sp, "species = pm25 nix", 18);
    }
    memset(&err, 0, sizeof err);
    rc = run_case(bad[k].file, text, &err, &res);
    printf("%s: rc %d: %s\n", bad[k].file, rc, err.msg);
    CHECK(rc < 0);
    CHECK(strstr(err.msg, bad[k].expect) != NULL);
    /* stacks: the layer and the feature are named */
    if (k < 2)
      CHECK(strstr(err.msg, "layer 'stacks'") && strstr(err.msg, "feature 1"));
  }

  /* Keys per species must name one of the run's (else silently unused);
   * area sources must be rasters; each bad value is named by key and
   * line; an empty value is one. The extra key is on line 33. */
  put("stacks.geojson", stack_json(688000, 1191000, "0.5"));
  put("met.csv", "time,wind_speed,wind_dir,stability,mixing_height\n"
                 "0,3,250,C,900\n");
  const struct {
    const char *extra, *expect1, *expect2;
  } keyed[] = {
      {"background.pm2.5 = 5\n", "keys.ini:33: [air] background.pm2.5",
       "did you mean background.pm25?"},
      {"threshold.pm10 = 5\n", "keys.ini:33", "'pm10' is not a species of "
       "this run (species: pm25, nox)"},
      {"area.pm25 = stacks\n", "keys.ini:33", "vector layer"},
      {"area.nox = nolayer\n", "keys.ini:33", "no layer 'nolayer'"},
      {"wind_speed = -3\n", "keys.ini:33: [air] wind_speed",
       "expected >= 0 m/s, got -3"},
      {"wind_dir = 400\n", "keys.ini:33: [air] wind_dir",
       "expected a bearing in 0..360 degrees, got 400"},
      {"receptors =\n", "[air] receptors", "empty value"},
  };
  for (size_t k = 0; k < sizeof keyed / sizeof *keyed; k++) {
    char text[4096];
    snprintf(text, sizeof text, "%s", scenario(keyed[k].extra));
    if (strstr(keyed[k].extra, "receptors")) { /* replace the good one */
      char *r = strstr(text, "receptors = stations\n");
      if (r) memcpy(r, "#", 1);
    }
    memset(&err, 0, sizeof err);
    rc = run_case("keys.ini", text, &err, &res);
    printf("keys %s -> %d: %s\n", keyed[k].extra, rc, err.msg);
    CHECK(rc < 0);
    CHECK(strstr(err.msg, keyed[k].expect1) != NULL);
    CHECK(strstr(err.msg, keyed[k].expect2) != NULL);
  }
  /* A stacks layer without a height column names the column. */
  put("stacks.geojson",
      "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
      "\"Feature\",\"properties\":{\"h\":40,\"pm25_gps\":2.0},"
      "\"geometry\":{\"type\":\"Point\",\"coordinates\":[686000,"
      "1190000]}}]}");
  memset(&err, 0, sizeof err);
  rc = run_case("noheight.ini", scenario(""), &err, &res);
  printf("no height: %d: %s\n", rc, err.msg);
  CHECK(rc < 0 && strstr(err.msg, "no column 'height'") &&
        strstr(err.msg, "h, pm25_gps"));
  /* ... and a null height says it has no value, not "height ''" */
  put("stacks.geojson",
      "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
      "\"Feature\",\"properties\":{\"height\":40},\"geometry\":{"
      "\"type\":\"Point\",\"coordinates\":[686000,1190000]}},{\"type\":"
      "\"Feature\",\"properties\":{\"height\":null},\"geometry\":{"
      "\"type\":\"Point\",\"coordinates\":[687000,1190000]}}]}");
  memset(&err, 0, sizeof err);
  rc = run_case("nullheight.ini", scenario(""), &err, &res);
  printf("null height: %d: %s\n", rc, err.msg);
  CHECK(rc < 0 && strstr(err.msg, "feature 1: no value in the column "
                                  "'height'"));
  return TEST_RESULT();
}
