/* util.c - parsing of numbers, durations, clock times and ISO 8601 times;
 * edit distance for "did you mean". */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/util.h"

int ct_parse_double(const char *s, double *v) {
  if (!s) return CT_EINVAL;
  while (isspace((unsigned char)*s)) s++;
  if (!*s) return CT_EINVAL;
  char *end;
  double x = strtod(s, &end);
  while (isspace((unsigned char)*end)) end++;
  if (*end || !isfinite(x)) return CT_EINVAL;
  *v = x;
  return CT_OK;
}

int ct_parse_duration(const char *s, double *seconds) {
  if (!s) return CT_EINVAL;
  while (isspace((unsigned char)*s)) s++;
  char *end;
  double x = strtod(s, &end);
  if (end == s || !isfinite(x) || x < 0) return CT_EINVAL;
  while (isspace((unsigned char)*end)) end++;
  char unit[16];
  size_t n = 0;
  while (*end && !isspace((unsigned char)*end) && n + 1 < sizeof unit)
    unit[n++] = (char)tolower((unsigned char)*end++);
  unit[n] = '\0';
  while (isspace((unsigned char)*end)) end++;
  if (*end) return CT_EINVAL;
  double f;
  if (!n || !strcmp(unit, "s") || !strcmp(unit, "sec")) f = 1;
  else if (!strcmp(unit, "min") || !strcmp(unit, "m")) f = 60;
  else if (!strcmp(unit, "h") || !strcmp(unit, "hr")) f = 3600;
  else if (!strcmp(unit, "d")) f = 86400;
  else return CT_EINVAL;
  *seconds = x * f;
  return CT_OK;
}

int ct_parse_clock(const char *s, double *seconds) {
  int h, m, sec = 0, used = 0;
  if (s && (sscanf(s, " %d:%d:%d %n", &h, &m, &sec, &used) == 3 ||
            sscanf(s, " %d:%d %n", &h, &m, &used) == 2) &&
      s[used] == '\0' && h >= 0 && m >= 0 && m < 60 && sec >= 0 && sec < 60) {
    *seconds = h * 3600.0 + m * 60.0 + sec;
    return CT_OK;
  }
  return ct_parse_duration(s, seconds);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static long days_from_civil(long y, int m, int d) {
  y -= m <= 2;
  long era = (y >= 0 ? y : y - 399) / 400;
  long yoe = y - era * 400;
  long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, int *m, int *d) {
  z += 719468;
  long era = (z >= 0 ? z : z - 146096) / 146097;
  long doe = z - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(long y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

static int why_set(char *why, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int why_set(char *why, size_t n, const char *fmt, ...) {
  if (why && n) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
  }
  return CT_EINVAL;
}

int ct_parse_iso8601_ex(const char *s, double *unix_time, int *utc_offset_s,
                        int *has_offset, char *why, size_t nwhy) {
  static const char *const month[12] = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  if (why && nwhy) why[0] = '\0';
  if (has_offset) *has_offset = 0;
  if (!s) return why_set(why, nwhy, "no time");
  while (isspace((unsigned char)*s)) s++;
  int Y, M, D, h = 0, mi = 0, n = 0;
  double sec = 0;
  if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &n) != 3 || n != 10)
    return why_set(why, nwhy, "expected YYYY-MM-DD at the start");
  const char *p = s + n;
  if (*p == 'T' || *p == ' ') {
    p++;
    int k = 0;
    if (sscanf(p, "%2d:%2d%n", &h, &mi, &k) != 2 || k != 5)
      return why_set(why, nwhy, "expected HH:MM after the date");
    p += k;
    if (*p == ':') {
      char *end;
      sec = strtod(p + 1, &end);
      if (end == p + 1) return why_set(why, nwhy, "expected seconds after HH:MM:");
      p = end;
    }
  }
  int off = 0;
  if (*p == 'Z') {
    p++;
    if (has_offset) *has_offset = 1;
  } else if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1, oh, om = 0, k = 0;
    p++;
    if (sscanf(p, "%2d:%2d%n", &oh, &om, &k) == 2 && k == 5) p += k;
    else if (sscanf(p, "%2d%2d%n", &oh, &om, &k) == 2 && k == 4) p += k;
    else if (sscanf(p, "%2d%n", &oh, &k) == 1 && k == 2) p += k;
    else return why_set(why, nwhy, "expected a UTC offset +HH:MM");
    if (oh > 14 || om > 59)
      return why_set(why, nwhy, "UTC offset out of range (-14:00..+14:00)");
    off = sign * (oh * 3600 + om * 60);
    if (has_offset) *has_offset = 1;
  } else if (*p) {
    return why_set(why, nwhy, "unexpected '%s' after the time", p);
  }
  while (isspace((unsigned char)*p)) p++;
  if (*p) return why_set(why, nwhy, "unexpected '%s' after the time", p);
  /* Out-of-range fields are refused, not rolled over: 2026-02-30 read as
   * 2026-03-02 would put a whole forcing series days off without a word. */
  if (M < 1 || M > 12) return why_set(why, nwhy, "no month %d", M);
  if (D < 1 || D > days_in_month(Y, M))
    return why_set(why, nwhy, "no such date: %s %d has %d days", month[M - 1],
                   Y, days_in_month(Y, M));
  if (h < 0 || h > 23)
    return why_set(why, nwhy, "hour %d: expected 00..23 (write midnight as "
                   "00:00 of the next day)", h);
  if (mi < 0 || mi > 59) return why_set(why, nwhy, "minute %d: expected 00..59", mi);
  if (!(sec >= 0 && sec < 60))
    return why_set(why, nwhy, "second %g: expected 00..59", sec);
  double t = (double)days_from_civil(Y, M, D) * 86400.0 + h * 3600.0 +
             mi * 60.0 + sec - off;
  *unix_time = t;
  if (utc_offset_s) *utc_offset_s = off;
  return CT_OK;
}

int ct_parse_iso8601(const char *s, double *unix_time, int *utc_offset_s) {
  return ct_parse_iso8601_ex(s, unix_time, utc_offset_s, NULL, NULL, 0);
}

void ct_format_local(double unix_time, int off, char *buf, size_t n) {
  double lt = floor(unix_time + 0.5) + off;
  long days = (long)floor(lt / 86400.0);
  long rem = (long)(lt - days * 86400.0);
  long y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  int a = off < 0 ? -off : off;
  snprintf(buf, n, "%04ld-%02d-%02d %02ld:%02ld:%02ld%c%02d:%02d", y, m, d,
           rem / 3600, rem / 60 % 60, rem % 60, off < 0 ? '-' : '+', a / 3600,
           a / 60 % 60);
}

int ct_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 99;
  int row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int up = row[j];
      int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      int v = diag + cost;
      if (row[j] + 1 < v) v = row[j] + 1;
      if (row[j - 1] + 1 < v) v = row[j - 1] + 1;
      row[j] = v;
      diag = up;
    }
  }
  return row[lb];
}

/* --- time stamps of forecast files --- */

static int digits_at(const char *p, int n) {
  for (int k = 0; k < n; k++)
    if (!isdigit((unsigned char)p[k])) return 0;
  return 1;
}

/* A time stamp in a file name: YYYYMMDDTHHMM[SS] or YYYY-MM-DDTHH:MM[:SS],
 * then Z, +HH, +HHMM or +HH:MM. 1: found (t, off); 0: none; -1: a stamp
 * without an offset (local time of an unknown zone: ambiguous). */
int ct_time_in_name(const char *name, double *t, int *off, char *stamp,
                    size_t nstamp) {
  for (const char *p = name; *p; p++) {
    if (p > name && isdigit((unsigned char)p[-1])) continue;
    int Y, M, D, h, mi, s = 0;
    const char *q;
    if (digits_at(p, 4) && p[4] == '-' && digits_at(p + 5, 2) && p[7] == '-' &&
        digits_at(p + 8, 2) && (p[10] == 'T' || p[10] == 't') &&
        digits_at(p + 11, 2) && p[13] == ':' && digits_at(p + 14, 2)) {
      sscanf(p, "%4d-%2d-%2d", &Y, &M, &D);
      sscanf(p + 11, "%2d:%2d", &h, &mi);
      q = p + 16;
      if (q[0] == ':' && digits_at(q + 1, 2)) {
        sscanf(q + 1, "%2d", &s);
        q += 3;
      }
    } else if (digits_at(p, 8) && (p[8] == 'T' || p[8] == 't') &&
               digits_at(p + 9, 4)) {
      sscanf(p, "%4d%2d%2d", &Y, &M, &D);
      sscanf(p + 9, "%2d%2d", &h, &mi);
      q = p + 13;
      if (digits_at(q, 2)) {
        sscanf(q, "%2d", &s);
        q += 2;
      }
    } else {
      continue;
    }
    if (stamp && nstamp) snprintf(stamp, nstamp, "%.*s", (int)(q - p), p);
    int oh = 0, om = 0, sign = 1;
    if (*q == 'Z' || *q == 'z') {
      /* UTC */
    } else if ((*q == '+' || *q == '-') && digits_at(q + 1, 2)) {
      sign = *q == '-' ? -1 : 1;
      sscanf(q + 1, "%2d", &oh);
      const char *r = q + 3;
      if (*r == ':') r++;
      if (digits_at(r, 2)) sscanf(r, "%2d", &om);
    } else {
      return -1;
    }
    char iso[64];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", Y,
             M, D, h, mi, s, sign < 0 ? '-' : '+', oh, om);
    if (ct_parse_iso8601(iso, t, off) != 0) return -1;
    return 1;
  }
  return 0;
}

/* CF time units "hours since 2026-09-15 00:00:00" (seconds, minutes, hours,
 * days; the reference in UTC unless it carries an offset, as CF says). 0 ok,
 * and the scale to seconds and the reference Unix time. */
int ct_parse_cf_time_units(const char *u, double *scale, double *t0) {
  char unit[32];
  int n = 0;
  if (sscanf(u, " %31s since %n", unit, &n) != 1 || n == 0) return -1;
  if (!strcmp(unit, "seconds") || !strcmp(unit, "second") ||
      !strcmp(unit, "s"))
    *scale = 1;
  else if (!strcmp(unit, "minutes") || !strcmp(unit, "minute") ||
           !strcmp(unit, "min"))
    *scale = 60;
  else if (!strcmp(unit, "hours") || !strcmp(unit, "hour") ||
           !strcmp(unit, "h"))
    *scale = 3600;
  else if (!strcmp(unit, "days") || !strcmp(unit, "day") || !strcmp(unit, "d"))
    *scale = 86400;
  else
    return -1;
  const char *p = u + n;
  int Y, M, D, h = 0, mi = 0, k = 0;
  double s = 0;
  if (sscanf(p, "%d-%d-%d%n", &Y, &M, &D, &k) != 3) return -1;
  p += k;
  if (*p == ' ' || *p == 'T') {
    k = 0;
    if (sscanf(p + 1, "%d:%d%n", &h, &mi, &k) == 2) {
      p += 1 + k;
      if (*p == ':') {
        k = 0;
        if (sscanf(p + 1, "%lf%n", &s, &k) != 1) return -1;
        p += 1 + k;
      }
    }
  }
  while (*p == ' ') p++;
  int sign = 1, oh = 0, om = 0;
  if (*p == '+' || *p == '-') {
    sign = *p == '-' ? -1 : 1;
    if (sscanf(p + 1, "%2d", &oh) != 1) return -1;
    p += 3;
    if (*p == ':') p++;
    if (isdigit((unsigned char)*p)) sscanf(p, "%2d", &om);
  } else if (*p && *p != 'Z' && strncmp(p, "UTC", 3) != 0) {
    return -1;
  }
  char iso[64];
  int off;
  snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:00%c%02d:%02d", Y, M, D,
           h, mi, sign < 0 ? '-' : '+', oh, om);
  if (ct_parse_iso8601(iso, t0, &off) != 0) return -1;
  *t0 += s;
  return 0;
}

void ct_units_key(const char *u, char *out, size_t n) {
  size_t k = 0;
  for (; *u && k + 1 < n; u++)
    if (*u != ' ' && *u != '(' && *u != ')' && *u != '^')
      out[k++] = (char)tolower((unsigned char)*u);
  out[k] = '\0';
}

double ct_mem_available(void) {
  FILE *fp = fopen("/proc/meminfo", "r");
  if (!fp) return 0;
  char line[256];
  double kb = 0;
  while (fgets(line, sizeof line, fp))
    if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
  fclose(fp);
  return kb * 1024.0;
}
