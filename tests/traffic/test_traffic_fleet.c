/* test_traffic_fleet.c - fleet shares that do not sum to 1 are refused by
 * `citytwin check` (ct_run with check_only), naming the file, the line of a
 * fleet key and the sum; shares that do sum to 1 pass. A share typed wrong
 * would otherwise silently change the modal split. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "citytwin/run.h"
#include "ct_test.h"

static char dir[4096];

static void put(const char *name, const char *text) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* Lines 1-11, [traffic] the last: its first key is on line 12. */
static const char *HEAD =
    "[scenario]\nname = fleet\nstart = 2026-09-15T07:00:00+07:00\n"
    "duration = 10min\n"
    "[domain]\ncrs = EPSG:32648\nbounds = 679900 1189900 680700 1190100\n"
    "cell = 50\n"
    "[layers]\nroads = roads.geojson\n"
    "[traffic]\n";

static int check(const char *name, const char *fleet, ct_error *err) {
  char text[2048], ini[64], path[4200];
  snprintf(text, sizeof text, "%s%s", HEAD, fleet);
  snprintf(ini, sizeof ini, "%s.ini", name);
  put(ini, text);
  snprintf(path, sizeof path, "%s/%s", dir, ini);
  ct_run_opts o;
  memset(&o, 0, sizeof o);
  o.check_only = 1;
  ct_run_result res;
  memset(&res, 0, sizeof res);
  ct_error_clear(err);
  return ct_run(path, &o, &res, err);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/traffic_fleet", CT_BINARY_DIR);
  mkdir(dir, 0777);
  put("roads.geojson",
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\","
      "\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},"
      "\"features\":[{\"type\":\"Feature\",\"properties\":{\"highway\":"
      "\"primary\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
      "[[680000,1190000],[680300,1190000],[680600,1190000]]}}]}");
  ct_error err = {0};

  /* The defaults and a full mix that sums to 1 (in floating point
   * 0.7 + 0.2 + 0.05 + 0.05 is not exactly 1) pass. */
  CHECK_OK(check("none", "", &err), &err);
  CHECK_OK(check("full",
                 "fleet.motorbike = 0.7\nfleet.car = 0.2\nfleet.bus = 0.05\n"
                 "fleet.truck = 0.05\n",
                 &err),
           &err);

  /* The audit's case: 0.9 + 0.15 = 1.05, the others unset (0). */
  int rc = check("over", "demand.scale = 1\nfleet.motorbike = 0.9\n"
                         "fleet.car = 0.15\n", &err);
  printf("over: %s\n", err.msg);
  CHECK(rc == CT_EINVAL);
  CHECK(strstr(err.msg, "over.ini:13:") != NULL);
  CHECK(strstr(err.msg, "fleet.motorbike") != NULL);
  CHECK(strstr(err.msg, "1.05") != NULL);
  CHECK(strstr(err.msg, "counts 0") != NULL);

  /* All four given, summing to 1.09: the line of the first fleet key. */
  rc = check("all4", "fleet.car = 0.15\nfleet.motorbike = 0.9\n"
                     "fleet.bus = 0.01\nfleet.truck = 0.03\n", &err);
  printf("all4: %s\n", err.msg);
  CHECK(rc == CT_EINVAL);
  CHECK(strstr(err.msg, "all4.ini:12:") && strstr(err.msg, "fleet.car"));
  CHECK(strstr(err.msg, "1.09") != NULL);
  CHECK(strstr(err.msg, "counts 0") == NULL);

  /* Too little: 0.5 alone. */
  rc = check("under", "fleet.motorbike = 0.5\n", &err);
  CHECK(rc == CT_EINVAL && strstr(err.msg, "under.ini:12:") &&
        strstr(err.msg, "0.5"));
  return TEST_RESULT();
}
