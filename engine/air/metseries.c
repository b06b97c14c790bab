/* metseries.c - reading a meteorology time series for the air model (CSV:
 * time, wind_speed, wind_dir, stability A-F or obukhov_length,
 * mixing_height, optional sigma_theta). The stability letter is text, so
 * this is not ct_series_read. A gap in the hourly (or whatever) record is an
 * error rather than something to interpolate across silently. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "air_internal.h"
#include "citytwin/util.h"

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = 0;
  return s;
}


int ct_air_met_read(const char *path, double start_unix, ct_air_metrow **rows,
                    int *n, ct_error *err) {
  *rows = NULL;
  *n = 0;
  FILE *fp = fopen(path, "r");
  if (!fp) return ct_error_set(err, CT_ENOENT, "%s: cannot open", path);
  char line[4096];
  char *f[32];
  int lineno = 1, rc = CT_OK;
  if (!fgets(line, sizeof line, fp)) {
    fclose(fp);
    return ct_error_set(err, CT_EFORMAT, "%s:1: empty file, expected a header "
                        "time,wind_speed,wind_dir,stability,mixing_height", path);
  }
  /* A BOM (spreadsheet exports) is not part of the first column's name. */
  if (!memcmp(line, "\xEF\xBB\xBF", 3))
    memmove(line, line + 3, strlen(line + 3) + 1);
  int nf = ct_csv_split(line, f, 32);
  int c_t = -1, c_s = -1, c_d = -1, c_cls = -1, c_L = -1, c_h = -1, c_sth = -1;
  for (int k = 0; k < nf; k++) {
    if (!strcmp(f[k], "time")) c_t = k;
    else if (!strcmp(f[k], "wind_speed")) c_s = k;
    else if (!strcmp(f[k], "wind_dir")) c_d = k;
    else if (!strcmp(f[k], "stability")) c_cls = k;
    else if (!strcmp(f[k], "obukhov_length")) c_L = k;
    else if (!strcmp(f[k], "mixing_height")) c_h = k;
    else if (!strcmp(f[k], "sigma_theta")) c_sth = k;
  }
  if (c_t != 0 || c_s < 0 || c_d < 0 || c_h < 0 || (c_cls < 0) == (c_L < 0)) {
    fclose(fp);
    return ct_error_set(err, CT_EFORMAT, "%s:1: expected the columns time "
                        "(first), wind_speed, wind_dir, mixing_height and one "
                        "of stability / obukhov_length", path);
  }
  int cap = 64;
  ct_air_metrow *r = malloc((size_t)cap * sizeof *r);
  if (!r) {
    fclose(fp);
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  int cnt = 0;
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    if (!*trim(line)) continue;
    nf = ct_csv_split(line, f, 32);
    int need = c_t;
    if (c_s > need) need = c_s;
    if (c_d > need) need = c_d;
    if (c_h > need) need = c_h;
    if (c_cls > need) need = c_cls;
    if (c_L > need) need = c_L;
    if (c_sth > need) need = c_sth;
    if (nf <= need) {
      rc = ct_error_set(err, CT_EFORMAT, "%s:%d: %d columns, expected %d", path,
                        lineno, nf, need + 1);
      break;
    }
    ct_air_metrow x = {0};
    x.cls = -1;
    double tu;
    int off, has_off = 0;
    char why[128] = "";
    if (ct_parse_double(f[c_t], &x.t) != 0) {
      if (start_unix != start_unix ||
          ct_parse_iso8601_ex(f[c_t], &tu, &off, &has_off, why, sizeof why)) {
        rc = ct_error_set(err, CT_EINVAL, "%s:%d: time '%s': expected seconds "
                          "from the start or ISO 8601 with UTC offset%s%s",
                          path, lineno, f[c_t],
                          strchr(f[c_t], '-') ? ": " : "",
                          strchr(f[c_t], '-') ? why : "");
        break;
      }
      /* Read as UTC, a local time would shift the met by the zone's offset. */
      if (!has_off) {
        rc = ct_error_set(err, CT_EINVAL, "%s:%d: time '%s' has no UTC "
                          "offset: give the UTC offset, e.g. +07:00, or Z for "
                          "UTC", path, lineno, f[c_t]);
        break;
      }
      x.t = tu - start_unix;
    }
    if (ct_parse_double(f[c_s], &x.speed) || x.speed < 0 ||
        ct_parse_double(f[c_d], &x.dir) || !(x.dir >= 0 && x.dir <= 360) ||
        ct_parse_double(f[c_h], &x.mixing_height) || !(x.mixing_height > 0) ||
        (c_sth >= 0 && *f[c_sth] &&
         (ct_parse_double(f[c_sth], &x.sigma_theta) || x.sigma_theta < 0))) {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: expected wind_speed >= 0, a "
                        "wind_dir in 0..360, mixing_height > 0 (and "
                        "sigma_theta >= 0)",
                        path, lineno);
      break;
    }
    if (c_cls >= 0) {
      const char *s = f[c_cls];
      if (strlen(s) != 1 || toupper((unsigned char)s[0]) < 'A' ||
          toupper((unsigned char)s[0]) > 'F') {
        rc = ct_error_set(err, CT_EINVAL, "%s:%d: stability '%s': expected a "
                          "Pasquill class A-F", path, lineno, s);
        break;
      }
      x.cls = toupper((unsigned char)s[0]) - 'A';
    } else if (ct_parse_double(f[c_L], &x.obukhov)) {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: obukhov_length '%s': expected "
                        "a number (m; 0 = neutral)", path, lineno, f[c_L]);
      break;
    }
    if (cnt > 0 && !(x.t > r[cnt - 1].t)) {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: time %g s does not increase",
                        path, lineno, x.t);
      break;
    }
    /* a gap: a step more than 1.5 times the record's first step */
    if (cnt > 1 && x.t - r[cnt - 1].t > 1.5 * (r[1].t - r[0].t)) {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: gap in the meteorology: %g s "
                        "after the previous row, the record steps by %g s",
                        path, lineno, x.t - r[cnt - 1].t, r[1].t - r[0].t);
      break;
    }
    if (cnt == cap) {
      cap *= 2;
      ct_air_metrow *nr = realloc(r, (size_t)cap * sizeof *r);
      if (!nr) {
        rc = ct_error_set(err, CT_ENOMEM, "out of memory");
        break;
      }
      r = nr;
    }
    r[cnt++] = x;
  }
  fclose(fp);
  if (!rc && cnt == 0)
    rc = ct_error_set(err, CT_EFORMAT, "%s: no rows after the header", path);
  if (rc) {
    free(r);
    return rc;
  }
  *rows = r;
  *n = cnt;
  return CT_OK;
}
