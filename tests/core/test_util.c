/* test_util.c - durations, ISO 8601 times, CSV time series, JSON, SHA-256. */
#include <unistd.h>

#include "citytwin/util.h"
#include "ct_test.h"

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  fputs(text, fp);
  fclose(fp);
}

int main(void) {
  double s = -1;
  CHECK(ct_parse_duration("90", &s) == 0 && s == 90);
  CHECK(ct_parse_duration("90s", &s) == 0 && s == 90);
  CHECK(ct_parse_duration("15min", &s) == 0 && s == 900);
  CHECK(ct_parse_duration("6h", &s) == 0 && s == 21600);
  CHECK(ct_parse_duration("2d", &s) == 0 && s == 172800);
  CHECK(ct_parse_duration("1.5h", &s) == 0 && s == 5400);
  CHECK(ct_parse_duration("6 hours", &s) == CT_EINVAL);
  CHECK(ct_parse_duration("-5s", &s) == CT_EINVAL);
  CHECK(ct_parse_duration("", &s) == CT_EINVAL);
  CHECK(ct_parse_clock("02:30", &s) == 0 && s == 9000);
  CHECK(ct_parse_clock("01:00:30", &s) == 0 && s == 3630);

  double t;
  int off;
  /* 2000-01-01T00:00:00Z is 946684800 s (a well-known epoch value) */
  CHECK(ct_parse_iso8601("2000-01-01T00:00:00Z", &t, &off) == 0 && t == 946684800 && off == 0);
  CHECK(ct_parse_iso8601("2000-01-01T07:00:00+07:00", &t, &off) == 0 &&
        t == 946684800 && off == 25200);
  CHECK(ct_parse_iso8601("1999-12-31T20:30:00-0330", &t, &off) == 0 &&
        t == 946684800 && off == -12600);
  /* Impossible dates and times are refused, not rolled over into the next
   * month or day. */
  char why[128];
  CHECK(ct_parse_iso8601("2026-02-30T00:00:00Z", &t, &off) == CT_EINVAL);
  CHECK(ct_parse_iso8601_ex("2026-02-29T00:00:00Z", &t, &off, NULL, why,
                            sizeof why) == CT_EINVAL &&
        strstr(why, "February 2026 has 28 days"));
  CHECK(ct_parse_iso8601("2028-02-29T00:00:00Z", &t, &off) == 0); /* leap */
  CHECK(ct_parse_iso8601("2000-02-29T00:00:00Z", &t, &off) == 0);
  CHECK(ct_parse_iso8601("2100-02-29T00:00:00Z", &t, &off) == CT_EINVAL);
  CHECK(ct_parse_iso8601("2026-04-31T00:00:00Z", &t, &off) == CT_EINVAL);
  CHECK(ct_parse_iso8601("2026-12-31T23:59:59Z", &t, &off) == 0);
  CHECK(ct_parse_iso8601_ex("2026-09-15T24:00:00+07:00", &t, &off, NULL, why,
                            sizeof why) == CT_EINVAL &&
        strstr(why, "hour 24"));
  CHECK(ct_parse_iso8601("2026-09-15T12:60:00Z", &t, &off) == CT_EINVAL);
  CHECK(ct_parse_iso8601("2026-09-15T12:00:60Z", &t, &off) == CT_EINVAL);
  /* Whether an offset was given: without one, callers must refuse. */
  int has = -1;
  CHECK(ct_parse_iso8601_ex("2026-09-15T15:30:00", &t, &off, &has, NULL, 0) ==
            0 && has == 0);
  CHECK(ct_parse_iso8601_ex("2026-09-15T15:30:00Z", &t, &off, &has, NULL, 0) ==
            0 && has == 1);
  CHECK(ct_parse_iso8601_ex("2026-09-15T15:30:00-03", &t, &off, &has, NULL,
                            0) == 0 && has == 1 && off == -10800);
  CHECK(ct_parse_iso8601("2026-13-01T00:00:00Z", &t, &off) == CT_EINVAL);
  CHECK(ct_parse_iso8601("yesterday", &t, &off) == CT_EINVAL);
  char buf[64];
  ct_format_local(946684800, 25200, buf, sizeof buf);
  CHECK(strcmp(buf, "2000-01-01 07:00:00+07:00") == 0);
  ct_format_local(946684800 + 59 * 86400, 0, buf, sizeof buf); /* leap day */
  CHECK(strcmp(buf, "2000-02-29 00:00:00+00:00") == 0);

  /* Series: interpolation and its exact integral. */
  char path[] = "/tmp/ct_series_XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  write_file(path, "time,rain,level\n0,0,1\n600,60,1.5\n1200,0,2\n");
  ct_series sr;
  ct_error err = {0};
  CHECK_OK(ct_series_read(&sr, path, NAN, &err), &err);
  CHECK(sr.n == 3 && sr.ncol == 2 && ct_series_col(&sr, "level") == 1);
  CHECK_NEAR(ct_series_at(&sr, 0, 300), 30, 1e-12);
  CHECK_NEAR(ct_series_at(&sr, 1, 900), 1.75, 1e-12);
  CHECK_NEAR(ct_series_at(&sr, 0, -5), 0, 0);     /* held before */
  CHECK_NEAR(ct_series_at(&sr, 1, 5000), 2, 0);   /* held after */
  /* triangle of height 60 over 1200 s = 36000; from 300 to 900: 36000 - 2*(0.5*300*30) */
  CHECK_NEAR(ct_series_integral(&sr, 0, 0, 1200), 36000, 1e-9);
  CHECK_NEAR(ct_series_integral(&sr, 0, 300, 900), 27000, 1e-9);
  CHECK_NEAR(ct_series_integral(&sr, 0, 1200, 2400), 0, 1e-12);
  ct_series_free(&sr);
  /* ISO times against a start */
  write_file(path, "time,level\n2026-09-15T14:00:00+07:00,1\n2026-09-15T15:00:00+07:00,2\n");
  double start;
  ct_parse_iso8601("2026-09-15T14:00:00+07:00", &start, NULL);
  CHECK_OK(ct_series_read(&sr, path, start, &err), &err);
  CHECK(sr.n == 2 && sr.t[0] == 0 && sr.t[1] == 3600);
  ct_series_free(&sr);
  /* Errors name file:line. */
  write_file(path, "time,rain\n0,1\n0,2\n");
  CHECK(ct_series_read(&sr, path, NAN, &err) == CT_EINVAL && strstr(err.msg, ":3: times must increase"));
  write_file(path, "t,rain\n0,1\n");
  CHECK(ct_series_read(&sr, path, NAN, &err) == CT_EINVAL && strstr(err.msg, ":1: the first column must be 'time'"));
  write_file(path, "time,rain\n0,abc\n");
  CHECK(ct_series_read(&sr, path, NAN, &err) == CT_EINVAL && strstr(err.msg, ":2: column 'rain': expected a number, got 'abc'"));
  write_file(path, "time,rain\n0,1,2\n");
  CHECK(ct_series_read(&sr, path, NAN, &err) == CT_EINVAL && strstr(err.msg, ":2: expected 2 columns, got 3"));
  write_file(path, "");
  CHECK(ct_series_read(&sr, path, NAN, &err) == CT_EINVAL && strstr(err.msg, "empty file"));
  /* ISO times without an offset would be read as UTC, 7 h off in HCMC. */
  write_file(path, "time,rain\n2026-09-15T15:30:00+07:00,0\n2026-09-15T15:35:00,100\n");
  CHECK(ct_series_read(&sr, path, start, &err) == CT_EINVAL &&
        strstr(err.msg, ":3: time '2026-09-15T15:35:00' has no UTC offset") &&
        strstr(err.msg, "give the UTC offset, e.g. +07:00"));
  write_file(path, "time,rain\n2026-09-15T14:00:00+07:00,0\n2026-09-15T24:00:00+07:00,1\n");
  CHECK(ct_series_read(&sr, path, start, &err) == CT_EINVAL &&
        strstr(err.msg, ":3:") && strstr(err.msg, "hour 24"));
  /* A BOM before the header (spreadsheet exports) is skipped. */
  write_file(path, "\xEF\xBB\xBFtime,rain\r\n0,1\r\n60,2\r\n");
  CHECK_OK(ct_series_read(&sr, path, NAN, &err), &err);
  CHECK(sr.n == 2 && sr.ncol == 1 && !strcmp(sr.names[0], "rain"));
  ct_series_free(&sr);
  /* A GeoTIFF where a series belongs is named as a raster. */
  {
    FILE *fp = fopen(path, "wb");
    static const unsigned char tiff[] = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 2, 3};
    fwrite(tiff, 1, sizeof tiff, fp);
    fclose(fp);
  }
  CHECK(ct_series_read(&sr, path, NAN, &err) == CT_EFORMAT &&
        strstr(err.msg, "looks like a raster (GeoTIFF)") &&
        strstr(err.msg, "stack:"));
  unlink(path);
  CHECK(ct_series_read(&sr, path, NAN, &err) == CT_ENOENT);

  /* JSON */
  ct_json j;
  ct_json_init(&j);
  ct_json_object(&j, NULL);
  ct_json_string(&j, "name", "a \"b\"\n");
  ct_json_number(&j, "x", 0.5);
  ct_json_number(&j, "nan", NAN);
  ct_json_array(&j, "list");
  ct_json_int(&j, NULL, 1);
  ct_json_int(&j, NULL, 2);
  ct_json_end(&j);
  ct_json_object(&j, "empty");
  ct_json_end(&j);
  ct_json_end(&j);
  CHECK(strcmp(j.buf, "{\n  \"name\": \"a \\\"b\\\"\\n\",\n  \"x\": 0.5,\n  \"nan\": null,\n"
                      "  \"list\": [\n    1,\n    2\n  ],\n  \"empty\": {}\n}\n") == 0);
  ct_json_free(&j);

  /* JSON back to numbers */
  ct_kv *kv;
  int nkv;
  CHECK_OK(ct_json_numbers("{\"flood\": {\"area\": {\"0.1\": 5e3, \"0.3\": -2}, "
                           "\"name\": \"x\\\"y\", \"ok\": true, \"n\": null},"
                           " \"list\": [1, [2.5]]}", &kv, &nkv, &err), &err);
  CHECK(nkv == 5);
  if (nkv == 5) {
    CHECK(strcmp(kv[0].key, "flood.area.0.1") == 0 && kv[0].value == 5000);
    CHECK(strcmp(kv[1].key, "flood.area.0.3") == 0 && kv[1].value == -2);
    CHECK(strcmp(kv[2].key, "flood.ok") == 0 && kv[2].value == 1);
    CHECK(strcmp(kv[4].key, "list.1.0") == 0 && kv[4].value == 2.5);
  }
  ct_kv_free(kv, nkv);
  CHECK(ct_json_numbers("{\"a\": 1,}", &kv, &nkv, &err) == CT_EFORMAT);
  CHECK(ct_json_numbers("{\"a\": [1, 2}", &kv, &nkv, &err) == CT_EFORMAT);

  /* SHA-256 test vectors of FIPS 180-2 */
  uint8_t d[32];
  ct_sha256("abc", 3, d);
  CHECK(d[0] == 0xba && d[1] == 0x78 && d[31] == 0xad);
  ct_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, d);
  CHECK(d[0] == 0x24 && d[1] == 0x8d && d[31] == 0xc1);
  CHECK(ct_edit_distance("intervall", "interval") == 1);
  CHECK(ct_edit_distance("flod", "flood") == 1);
  return TEST_RESULT();
}
