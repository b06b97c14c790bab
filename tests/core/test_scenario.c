/* test_scenario.c - scenario parsing: a good file gives the typed values, and
 * each kind of mistake gives its own error naming file:line. */
#include "citytwin/scenario.h"
#include "ct_test.h"

static const char *const models[] = {"flood", "traffic", "air", NULL};

static const char good[] =
    "# a comment\n"
    "[scenario]\n"
    "name     = Storm at spring tide\n"
    "start    = 2026-09-15T14:00:00+07:00\n"
    "duration = 6h\n"
    "\n"
    "[domain]\n"
    "crs    = EPSG:32648              # any CRS PROJ knows\n"
    "bounds = 680000 1185000 692000 1195000\n"
    "cell   = 20\n"
    "[layers]\n"
    "dem     = data/dem.tif\n"
    "roads   = /abs/roads.gpkg\n"
    "[layer dem]\n"
    "resample = cubic\n"
    "nodata   = -9999\n"
    "crs      = EPSG:28356\n"
    "[output]\n"
    "file     = out/storm.nc\n"
    "interval = 15min\n"
    "fields   = flood.depth flood.speed\n"
    "gauges   = gauges.csv\n"
    "[flood]\n"
    "manning = 0.03\n"
    "rain    = abc\n";

/* Parses text and expects failure with a message containing want. */
static void expect_error(const char *text, int code, const char *want) {
  ct_scenario sc;
  ct_error err = {0};
  int rc = ct_scenario_parse(&sc, text, "dir/bad.ini", models, &err);
  if (rc != code || !strstr(err.msg, want)) {
    fprintf(stderr, "expected error %d containing '%s', got %d: '%s'\n", code,
            want, rc, err.msg);
    ct_test_failures++;
  }
  if (!rc) ct_scenario_free(&sc);
}

/* A minimal valid head, with a tail appended, for the error cases. */
static char *with(const char *tail) {
  static char buf[4096];
  snprintf(buf, sizeof buf,
           "[scenario]\nstart = 2026-09-15T14:00:00+07:00\nduration = 1h\n"
           "[domain]\ncrs = EPSG:32648\nbounds = 0 0 100 100\ncell = 10\n%s",
           tail);
  return buf;
}

int main(void) {
  ct_scenario sc;
  ct_error err = {0};
  CHECK_OK(ct_scenario_parse(&sc, good, "cases/storm.ini", models, &err), &err);
  CHECK(strcmp(sc.name, "Storm at spring tide") == 0);
  /* 14:00 +07:00 = 07:00 UTC; 2026-09-15 is day 20711 since 1970 */
  CHECK_NEAR(sc.start_unix, 20711.0 * 86400 + 7 * 3600, 0);
  CHECK(sc.utc_offset_s == 7 * 3600);
  CHECK_NEAR(sc.duration, 6 * 3600, 0);
  CHECK_NEAR(sc.coupling, 60, 0);
  CHECK(strcmp(sc.crs, "EPSG:32648") == 0); /* comment stripped */
  CHECK_NEAR(sc.bounds[0], 680000, 0);
  CHECK_NEAR(sc.bounds[3], 1195000, 0);
  CHECK_NEAR(sc.cell, 20, 0);
  CHECK(sc.nlayers == 2);
  CHECK(strcmp(sc.layers[0].path, "cases/data/dem.tif") == 0);
  CHECK(strcmp(sc.layers[1].path, "/abs/roads.gpkg") == 0);
  CHECK(sc.layers[0].resample == CT_RESAMPLE_CUBIC);
  CHECK(sc.layers[0].has_nodata && sc.layers[0].nodata == -9999);
  CHECK(strcmp(sc.layers[0].crs, "EPSG:28356") == 0);
  CHECK(sc.layers[0].line == 12);
  CHECK(strcmp(sc.out_file, "cases/out/storm.nc") == 0);
  CHECK_NEAR(sc.out_interval, 900, 0);
  CHECK_NEAR(sc.gauge_interval, 900, 0); /* defaults to the interval */
  CHECK(sc.nout_fields == 2 && strcmp(sc.out_fields[1], "flood.speed") == 0);
  CHECK(strcmp(sc.gauges, "cases/gauges.csv") == 0);

  /* model-section accessors */
  double n = 0;
  CHECK_OK(ct_scenario_double(&sc, "flood", "manning", 0.05, &n, &err), &err);
  CHECK_NEAR(n, 0.03, 0);
  CHECK_OK(ct_scenario_double(&sc, "flood", "missing", 0.05, &n, &err), &err);
  CHECK_NEAR(n, 0.05, 0);
  CHECK(ct_scenario_double(&sc, "flood", "rain", 0, &n, &err) == CT_EINVAL);
  CHECK(strstr(err.msg, "cases/storm.ini:25: [flood] rain: expected a number") != NULL);
  static const char *const fk[] = {"manning", "ran", NULL};
  CHECK(ct_scenario_check_keys(&sc, "flood", fk, &err) == CT_EINVAL);
  CHECK(strstr(err.msg, "storm.ini:25: [flood] unknown key 'rain'; did you mean 'ran'?") != NULL);
  static const char *const fk2[] = {"manning", "rain", "boundary.*", NULL};
  CHECK_OK(ct_scenario_check_keys(&sc, "flood", fk2, &err), &err);
  ct_scenario_free(&sc);

  /* Each mistake, its message. */
  expect_error(with("[flod]\nrain = 3\n"), CT_EINVAL,
               "bad.ini:8: unknown section [flod]; did you mean [flood]?");
  expect_error(with("[output]\nintervall = 5min\n"), CT_EINVAL,
               "bad.ini:9: [output] unknown key 'intervall'; did you mean 'interval'?");
  expect_error(with("[output]\ninterval = 5 minutes\n"), CT_EINVAL,
               "bad.ini:9: [output] interval: expected a duration");
  /* lower bounds that keep a run from crawling; an empty gauges list; an
   * impossible start date, with the reason */
  expect_error(with("[output]\ninterval = 0.01\n"), CT_EINVAL,
               "bad.ini:9: [output] interval: must be at least 1 s");
  expect_error(with("[output]\ngauges =\n"), CT_EINVAL,
               "bad.ini:9: [output] gauges: empty value");
  expect_error("[scenario]\nstart = 2026-09-15T14:00:00+07:00\nduration = 1h\n"
               "coupling = 0.0001\n", CT_EINVAL,
               "bad.ini:4: [scenario] coupling: must be at least 1 s");
  expect_error("[scenario]\nstart = 2026-02-30T14:00:00+07:00\nduration = 1h\n",
               CT_EINVAL, "bad.ini:2: [scenario] start: expected an ISO 8601 "
               "time with UTC offset like 2026-09-15T14:00:00+07:00, got "
               "'2026-02-30T14:00:00+07:00': no such date: February 2026 has 28 days");
  expect_error("[scenario]\nduration = 1h\n", CT_EINVAL,
               "bad.ini:1: [scenario] needs start = an ISO 8601 time");
  expect_error("[scenario]\nstart = 2026-09-15 14:00\nduration=1h\n", CT_EINVAL,
               "bad.ini:2: [scenario] start: expected an ISO 8601 time");
  expect_error("[scenario]\nstart = 2026-09-15T14:00:00+07:00\nduration = 6 hours\n",
               CT_EINVAL, "bad.ini:3: [scenario] duration: expected a duration");
  expect_error("[scenario]\nstart = 2026-09-15T14:00:00Z\nduration = 1h\n"
               "[domain]\ncrs = EPSG:32648\nbounds = 0 0 100\ncell = 10\n",
               CT_EINVAL, "bad.ini:6: [domain] bounds: expected four numbers");
  expect_error("[scenario]\nstart = 2026-09-15T14:00:00Z\nduration = 1h\n"
               "[domain]\ncrs = EPSG:32648\nbounds = 100 0 0 100\ncell = 10\n",
               CT_EINVAL, "bad.ini:6: [domain] bounds: expected xmin < xmax");
  expect_error("[scenario]\nstart = 2026-09-15T14:00:00Z\nduration = 1h\n"
               "[domain]\ncrs = EPSG:32648\nbounds = 0 0 100 100\ncell = -1\n",
               CT_EINVAL, "bad.ini:7: [domain] cell: must be a positive size");
  expect_error("[scenario]\nstart = 2026-09-15T14:00:00Z\nduration = 1h\n"
               "[domain]\ncrs = EPSG:32648\n",
               CT_EINVAL, "bad.ini:4: [domain] needs bounds");
  expect_error(with("[output]\nfile = a.nc\nfile = b.nc\n"), CT_EINVAL,
               "bad.ini:10: [output] file is set twice (first at line 9)");
  expect_error(with("[output]\nfile a.nc\n"), CT_EINVAL,
               "bad.ini:9: expected 'key = value', got 'file a.nc'");
  expect_error("name = x\n", CT_EINVAL, "bad.ini:1: 'name' comes before any [section]");
  expect_error(with("[layer dem]\nresample = bilinear\n"), CT_EINVAL,
               "bad.ini:8: [layer dem] names no layer of [layers]");
  expect_error(with("[layers]\ndem = dem.tif\n[layer dem]\nresample = bilinar\n"),
               CT_EINVAL, "bad.ini:11: [layer dem] resample: expected default | "
               "nearest | bilinear | cubic | mode | average, got 'bilinar'; did "
               "you mean 'bilinear'?");
  expect_error(with("[layers]\ndem = dem.tif\n[layer dem]\nband = 0\n"), CT_EINVAL,
               "bad.ini:11: [layer dem] band: bands count from 1");
  expect_error("[scenario]\nstart = 2026-09-15T14:00:00Z\nduration = 1h\n"
               "[domain]\ngrid = dem\n",
               CT_EINVAL, "bad.ini:5: [domain] grid: no layer 'dem' in [layers]");
  expect_error(with("[scenario2\n"), CT_EINVAL,
               "bad.ini:8: expected a section header like [flood]");
  expect_error(with("[domain]\n"), CT_EINVAL, "bad.ini:8: section [domain] appears twice");

  /* A missing file and a folder. */
  CHECK(ct_scenario_load(&sc, "/nonexistent/x.ini", models, &err) == CT_ENOENT);
  CHECK(strstr(err.msg, "/nonexistent/x.ini: cannot open scenario") != NULL);
  CHECK(ct_scenario_load(&sc, "/", models, &err) != CT_OK);
  return TEST_RESULT();
}
