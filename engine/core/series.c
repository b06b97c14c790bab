/* series.c - time series from CSV (rain, tide, inflow, meteorology). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "citytwin/util.h"

int ct_csv_split(char *line, char **f, int max) {
  int n = 0;
  char *p = line;
  while (n < max) {
    char *c = strchr(p, ',');
    if (c) *c = '\0';
    while (*p == ' ' || *p == '\t') p++;
    char *e = p + strlen(p);
    while (e > p && isspace((unsigned char)e[-1])) e--;
    *e = '\0';
    if (e - p >= 2 && p[0] == '"' && e[-1] == '"') { /* "quoted" */
      e[-1] = '\0';
      p++;
    }
    f[n++] = p;
    if (!c) break;
    p = c + 1;
  }
  return n;
}

/* A row's time -> seconds from the start, or CT_EINVAL with why filled. */
static int parse_time(const char *s, double start_unix, double *t, char *why,
                      size_t nwhy) {
  snprintf(why, nwhy, "is not seconds from the start, HH:MM or ISO 8601 "
           "with offset");
  if (ct_parse_double(s, t) == CT_OK) return CT_OK;
  /* YYYY-MM-DD...: a calendar time, whose faults deserve their own words
   * (a clock time or duration never looks like this) */
  int is_date = strlen(s) >= 10 && isdigit((unsigned char)s[0]) &&
                isdigit((unsigned char)s[3]) && s[4] == '-' && s[7] == '-';
  if (is_date) {
    double u;
    int has_off;
    char w[128];
    if (ct_parse_iso8601_ex(s, &u, NULL, &has_off, w, sizeof w) != CT_OK) {
      snprintf(why, nwhy, "is not a valid ISO 8601 time: %s", w);
      return CT_EINVAL;
    }
    /* Read as UTC, a local time would shift the whole series by the zone's
     * offset (7 h in Ho Chi Minh City) without a word. */
    if (!has_off) {
      snprintf(why, nwhy, "has no UTC offset: give the UTC offset, e.g. "
               "+07:00 (%.19s+07:00), or Z for UTC", s);
      return CT_EINVAL;
    }
    if (isnan(start_unix)) {
      snprintf(why, nwhy, "is an ISO 8601 time, but this series takes "
               "seconds from the start or HH:MM");
      return CT_EINVAL;
    }
    *t = u - start_unix;
    return CT_OK;
  }
  return ct_parse_clock(s, t);
}

/* The magic numbers of the rasters a forecast stack takes: a file given
 * where a CSV series belongs is most likely one of these. */
static const char *raster_kind(const char *b, size_t n) {
  if (n >= 4 && (!memcmp(b, "II*\0", 4) || !memcmp(b, "MM\0*", 4) ||
                 !memcmp(b, "II+\0", 4) || !memcmp(b, "MM\0+", 4)))
    return "GeoTIFF";
  if (n >= 4 && (!memcmp(b, "\x89HDF", 4) || !memcmp(b, "CDF\x01", 4) ||
                 !memcmp(b, "CDF\x02", 4)))
    return "NetCDF";
  if (n >= 4 && !memcmp(b, "GRIB", 4)) return "GRIB";
  return NULL;
}

int ct_series_read(ct_series *s, const char *path, double start_unix,
                   ct_error *err) {
  memset(s, 0, sizeof *s);
  FILE *fp = fopen(path, "r");
  if (!fp)
    return ct_error_set(err, errno == ENOENT ? CT_ENOENT : CT_EIO,
                        "%s: cannot open: %s", path, strerror(errno));
  s->path = strdup(path);
  char line[8192] = {0}; /* zeros after the first line, for raster_kind */
  char *f[65];
  int lineno = 0, cap = 0, rc = CT_OK;
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    if (lineno == 1) {
      const char *kind = raster_kind(line, sizeof line);
      if (kind) {
        rc = ct_error_set(err, CT_EFORMAT,
                          "%s: this looks like a raster (%s), not a CSV time "
                          "series; a forecast stack of rasters is given as "
                          "'stack:FILE ...'",
                          path, kind);
        goto done;
      }
      /* A BOM (spreadsheet exports) is not part of the header's text. */
      if (!memcmp(line, "\xEF\xBB\xBF", 3))
        memmove(line, line + 3, strlen(line + 3) + 1);
    }
    size_t len = strlen(line);
    if (len == sizeof line - 1 && line[len - 1] != '\n') {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: line too long", path, lineno);
      goto done;
    }
    line[strcspn(line, "\r\n")] = '\0';
    char *p = line;
    while (isspace((unsigned char)*p)) p++;
    if (!*p || *p == '#') continue;
    int n = ct_csv_split(p, f, 65);
    if (n > 64) {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: more than 63 value columns",
                        path, lineno);
      goto done;
    }
    if (!s->names) { /* the header */
      if (strcasecmp(f[0], "time") != 0) {
        rc = ct_error_set(err, CT_EINVAL,
                          "%s:%d: the first column must be 'time', got '%s'",
                          path, lineno, f[0]);
        goto done;
      }
      if (n < 2) {
        rc = ct_error_set(err, CT_EINVAL,
                          "%s:%d: expected 'time' and at least one value column",
                          path, lineno);
        goto done;
      }
      s->ncol = n - 1;
      s->names = calloc((size_t)s->ncol, sizeof *s->names);
      if (!s->names) goto oom;
      for (int k = 0; k < s->ncol; k++)
        if (!(s->names[k] = strdup(f[k + 1]))) goto oom;
      continue;
    }
    if (n != s->ncol + 1) {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: expected %d columns, got %d",
                        path, lineno, s->ncol + 1, n);
      goto done;
    }
    if (s->n == cap) {
      cap = cap ? 2 * cap : 64;
      double *t = realloc(s->t, (size_t)cap * sizeof *t);
      if (!t) goto oom;
      s->t = t;
      double *v = realloc(s->v, (size_t)cap * (size_t)s->ncol * sizeof *v);
      if (!v) goto oom;
      s->v = v;
    }
    double t;
    char why[256];
    if (parse_time(f[0], start_unix, &t, why, sizeof why) != CT_OK) {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: time '%s' %s", path, lineno,
                        f[0], why);
      goto done;
    }
    if (s->n > 0 && !(t > s->t[s->n - 1])) {
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: times must increase: %g s after %g s", path,
                        lineno, t, s->t[s->n - 1]);
      goto done;
    }
    for (int k = 0; k < s->ncol; k++) {
      double v;
      if (ct_parse_double(f[k + 1], &v) != CT_OK) {
        rc = ct_error_set(err, CT_EINVAL,
                          "%s:%d: column '%s': expected a number, got '%s'",
                          path, lineno, s->names[k], f[k + 1]);
        goto done;
      }
      s->v[(size_t)s->n * (size_t)s->ncol + (size_t)k] = v;
    }
    s->t[s->n++] = t;
  }
  if (ferror(fp)) {
    rc = ct_error_set(err, CT_EIO, "%s: read error", path);
  } else if (!s->names) {
    rc = ct_error_set(err, CT_EINVAL, "%s: empty file, expected a header 'time,...'",
                      path);
  } else if (s->n == 0) {
    rc = ct_error_set(err, CT_EINVAL, "%s: no data rows after the header", path);
  }
  goto done;
oom:
  rc = ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
done:
  fclose(fp);
  if (rc) ct_series_free(s);
  return rc;
}

double ct_series_at(const ct_series *s, int col, double t) {
  const double *v = s->v + col;
  int nc = s->ncol;
  if (t <= s->t[0]) return v[0];
  if (t >= s->t[s->n - 1]) return v[(size_t)(s->n - 1) * (size_t)nc];
  int lo = 0, hi = s->n - 1; /* t[lo] <= t < t[hi] */
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (s->t[mid] <= t) lo = mid;
    else hi = mid;
  }
  double a = (t - s->t[lo]) / (s->t[hi] - s->t[lo]);
  return v[(size_t)lo * (size_t)nc] * (1 - a) + v[(size_t)hi * (size_t)nc] * a;
}

/* Integral of the piecewise-linear interpolant from -inf-clamped t0 to t1. */
double ct_series_integral(const ct_series *s, int col, double t0, double t1) {
  if (t1 <= t0) return 0.0;
  double sum = 0.0;
  /* Breakpoints: series times inside (t0, t1), plus the ends. */
  double a = t0, va = ct_series_at(s, col, t0);
  for (int k = 0; k < s->n; k++) {
    if (s->t[k] <= t0) continue;
    if (s->t[k] >= t1) break;
    double vb = s->v[(size_t)k * (size_t)s->ncol + (size_t)col];
    sum += 0.5 * (va + vb) * (s->t[k] - a);
    a = s->t[k];
    va = vb;
  }
  sum += 0.5 * (va + ct_series_at(s, col, t1)) * (t1 - a);
  return sum;
}

int ct_series_col(const ct_series *s, const char *name) {
  for (int k = 0; k < s->ncol; k++)
    if (strcasecmp(s->names[k], name) == 0) return k;
  return -1;
}

void ct_series_free(ct_series *s) {
  if (!s) return;
  if (s->names)
    for (int k = 0; k < s->ncol; k++) free(s->names[k]);
  free(s->names);
  free(s->t);
  free(s->v);
  free(s->path);
  memset(s, 0, sizeof *s);
}
