/* test_air_inputs.c - bad inputs are clear errors, never crashes: a
 * meteorology series with a gap (and other broken series), a stack outside
 * the domain, a negative or non-finite emission rate, a bad grid. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "citytwin/air.h"
#include "ct_test.h"

static const char *write_file(const char *name, const char *text) {
  static char path[4][512];
  static int k = 0;
  char *p = path[k++ & 3];
  snprintf(p, 512, "%s/air_%s", CT_BINARY_DIR, name);
  FILE *fp = fopen(p, "w");
  if (fp) {
    fputs(text, fp);
    fclose(fp);
  }
  return p;
}

static void test_met(void) {
  ct_error err = {0};
  ct_air_metrow *rows = NULL;
  int n = 0;
  /* a good hourly series, with a class and one with Obukhov lengths */
  const char *ok = write_file("met_ok.csv",
                              "time,wind_speed,wind_dir,stability,mixing_height\n"
                              "0,2.0,90,D,800\n3600,3.0,100,c,900\n"
                              "7200,4.0,120,E,300\n");
  CHECK_OK(ct_air_met_read(ok, NAN, &rows, &n, &err), &err);
  CHECK(n == 3);
  if (n == 3) {
    CHECK(rows[1].cls == 2 && rows[2].cls == 4);
    CHECK_NEAR(rows[2].t, 7200, 0);
    CHECK_NEAR(rows[1].mixing_height, 900, 0);
  }
  free(rows);
  /* ISO 8601 times against the start */
  double t0;
  int off;
  CHECK(ct_parse_iso8601("2026-09-15T14:00:00+07:00", &t0, &off) == 0);
  const char *iso = write_file(
      "met_iso.csv", "time,wind_speed,wind_dir,obukhov_length,mixing_height\n"
                     "2026-09-15T14:00:00+07:00,2,90,-50,800\n"
                     "2026-09-15T15:00:00+07:00,2,90,0,800\n");
  CHECK_OK(ct_air_met_read(iso, t0, &rows, &n, &err), &err);
  CHECK(n == 2 && rows && rows[1].t == 3600.0 && rows[0].cls == -1 &&
        rows[0].obukhov == -50.0);
  free(rows);

  /* ISO times without an offset would be read as UTC (7 h off in HCMC);
   * an impossible date is not rolled over; a BOM is not part of "time" */
  const char *nooff = write_file(
      "met_nooff.csv", "time,wind_speed,wind_dir,stability,mixing_height\n"
                       "2026-09-15T14:00:00+07:00,2,90,D,800\n"
                       "2026-09-15T15:00:00,2,90,D,800\n");
  rows = NULL;
  CHECK(ct_air_met_read(nooff, t0, &rows, &n, &err) == CT_EINVAL && !rows);
  printf("no offset: %s\n", err.msg);
  CHECK(strstr(err.msg, "met_nooff.csv:3:") &&
        strstr(err.msg, "give the UTC offset"));
  const char *feb = write_file(
      "met_feb.csv", "time,wind_speed,wind_dir,stability,mixing_height\n"
                     "2026-02-30T14:00:00+07:00,2,90,D,800\n");
  CHECK(ct_air_met_read(feb, t0, &rows, &n, &err) == CT_EINVAL && !rows);
  CHECK(strstr(err.msg, "met_feb.csv:2:") && strstr(err.msg, "28 days"));
  const char *bom = write_file(
      "met_bom.csv", "\xEF\xBB\xBFtime,wind_speed,wind_dir,stability,"
                     "mixing_height\r\n0,2,90,D,800\r\n3600,2,90,D,800\r\n");
  CHECK_OK(ct_air_met_read(bom, NAN, &rows, &n, &err), &err);
  CHECK(n == 2);
  free(rows);

  /* the gap: 10:00 and 11:00 missing from an hourly record */
  const char *gap = write_file(
      "met_gap.csv", "time,wind_speed,wind_dir,stability,mixing_height\n"
                     "0,2,90,D,800\n3600,2,90,D,800\n7200,2,90,D,800\n"
                     "18000,2,90,D,800\n21600,2,90,D,800\n");
  rows = NULL;
  int rc = ct_air_met_read(gap, NAN, &rows, &n, &err);
  printf("gap: %s\n", err.msg);
  CHECK(rc == CT_EINVAL && rows == NULL);
  CHECK(strstr(err.msg, "met_gap.csv:5:") != NULL);
  CHECK(strstr(err.msg, "gap") != NULL);

  /* a bad class, a negative speed, time going back, a missing column, a
   * direction that is no bearing */
  const char *bad[5][2] = {
      {"met_cls.csv", "time,wind_speed,wind_dir,stability,mixing_height\n"
                      "0,2,90,G,800\n"},
      {"met_neg.csv", "time,wind_speed,wind_dir,stability,mixing_height\n"
                      "0,2,90,D,800\n60,-1,90,D,800\n"},
      {"met_back.csv", "time,wind_speed,wind_dir,stability,mixing_height\n"
                       "0,2,90,D,800\n60,2,90,D,800\n30,2,90,D,800\n"},
      {"met_col.csv", "time,wind_speed,stability,mixing_height\n0,2,D,800\n"},
      {"met_dir.csv", "time,wind_speed,wind_dir,stability,mixing_height\n"
                      "0,2,400,D,800\n"}};
  const char *where[5] = {":2:", ":3:", ":4:", ":1:", ":2:"};
  for (int k = 0; k < 5; k++) {
    const char *p = write_file(bad[k][0], bad[k][1]);
    err.msg[0] = 0;
    rc = ct_air_met_read(p, NAN, &rows, &n, &err);
    printf("%s: %s\n", bad[k][0], err.msg);
    CHECK(rc < 0 && rows == NULL);
    CHECK(strstr(err.msg, bad[k][0]) && strstr(err.msg, where[k]));
  }
  CHECK(ct_air_met_read("/nonexistent/met.csv", NAN, &rows, &n, &err) ==
        CT_ENOENT);
}

static void test_sources(void) {
  ct_error err = {0};
  ct_air_config c;
  ct_air_config_default(&c);
  c.nx = 20;
  c.ny = 10;
  c.dx = 50.0;
  c.xmin = 1000.0;
  c.ymax = 5000.0; /* x 1000..2000, y 4500..5000 */
  ct_air *a = NULL;
  CHECK_OK(ct_air_create(&a, &c, &err), &err);
  if (!a) return;
  double ok[2] = {1.0, 2.0}, neg[2] = {1.0, -0.5}, nan2[2] = {NAN, 1.0};
  CHECK(ct_air_add_stack(a, 1500.0, 4700.0, 30.0, ok, &err) == 0);
  int rc = ct_air_add_stack(a, 2500.0, 4700.0, 30.0, ok, &err);
  printf("outside: %s\n", err.msg);
  CHECK(rc == CT_EINVAL && strstr(err.msg, "outside"));
  rc = ct_air_add_stack(a, 1500.0, 4400.0, 30.0, ok, &err);
  CHECK(rc == CT_EINVAL);
  rc = ct_air_add_stack(a, 1500.0, 4700.0, 30.0, neg, &err);
  printf("negative: %s\n", err.msg);
  CHECK(rc == CT_EINVAL && strstr(err.msg, "nox") && strstr(err.msg, "-0.5"));
  CHECK(ct_air_add_stack(a, 1500.0, 4700.0, 30.0, nan2, &err) == CT_EINVAL);
  CHECK(ct_air_add_stack(a, 1500.0, 4700.0, -3.0, ok, &err) == CT_EINVAL);
  CHECK(ct_air_set_stack_rate(a, 0, neg, &err) == CT_EINVAL);
  /* bad met: NaN speed, zero mixing height */
  ct_air_met m;
  ct_air_met_default(&m);
  m.speed = NAN;
  CHECK(ct_air_set_met(a, &m, &err) == CT_EINVAL);
  ct_air_met_default(&m);
  m.mixing_height = 0.0;
  CHECK(ct_air_set_met(a, &m, &err) == CT_EINVAL);
  /* a step beyond the stable limit is refused, not run */
  ct_air_met_default(&m);
  CHECK_OK(ct_air_set_met(a, &m, &err), &err);
  CHECK(ct_air_step(a, 10.0 * ct_air_max_dt(a), &err) == CT_EINVAL);
  ct_air_free(a);
  /* bad grids */
  c.nx = 0;
  CHECK(ct_air_create(&a, &c, &err) == CT_EINVAL && a == NULL);
  c.nx = 10;
  c.dx = NAN;
  CHECK(ct_air_create(&a, &c, &err) == CT_EINVAL && a == NULL);
}

int main(void) {
  test_met();
  test_sources();
  return TEST_RESULT();
}
