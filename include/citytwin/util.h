/* util.h - small shared helpers: times and durations, CSV time series, a JSON
 * writer, SHA-256 of files. */
#ifndef CITYTWIN_UTIL_H
#define CITYTWIN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "citytwin/error.h"

/* "90", "90s", "15min", "6h", "2d" -> seconds. 0 ok, CT_EINVAL otherwise. */
int ct_parse_duration(const char *s, double *seconds);
/* ISO 8601 with offset ("2026-09-15T14:00:00+07:00", "...Z") -> Unix time
 * and the offset in seconds east of UTC. */
int ct_parse_iso8601(const char *s, double *unix_time, int *utc_offset_s);
/* The same, telling more: has_offset (may be NULL) is 1 when s carries Z or
 * an offset (without one the time is read as UTC, which callers reading
 * local times must refuse); on CT_EINVAL why (may be NULL) says what is
 * wrong ("no such date: February 2026 has 28 days"). Impossible dates and
 * times (02-30, 24:00) are errors, never rolled over. */
int ct_parse_iso8601_ex(const char *s, double *unix_time, int *utc_offset_s,
                        int *has_offset, char *why, size_t nwhy);
/* A time stamp in a file name (forecast stacks): YYYYMMDDTHHMM[SS] or
 * YYYY-MM-DDTHH:MM[:SS], then Z, +HH, +HHMM or +HH:MM. 1: found (Unix time
 * t, offset off, the stamp as written in stamp when not NULL); 0: none; -1:
 * a stamp without an offset (local time of an unknown zone: ambiguous). */
int ct_time_in_name(const char *name, double *t, int *off, char *stamp,
                    size_t nstamp);
/* CF time units "hours since 2026-09-15 00:00:00" (seconds, minutes, hours,
 * days; the reference in UTC unless it carries an offset): 0 and the unit
 * in seconds and the reference Unix time, or -1. */
int ct_parse_cf_time_units(const char *u, double *scale, double *t0);
/* Local time at offset as "2026-09-15 14:00:00+07:00". */
void ct_format_local(double unix_time, int utc_offset_s, char *buf, size_t n);
/* "HH:MM" or "HH:MM:SS" from the start, or a duration -> seconds. */
int ct_parse_clock(const char *s, double *seconds);
/* MemAvailable from /proc/meminfo [bytes], or 0 when unknown: what a run
 * may allocate before the kernel starts to take it back. */
double ct_mem_available(void);
/* Units text as a lookup key: lower case, without spaces, brackets and
 * '^' ("kg/(m^2 s)" -> "kg/m2s"); truncated to n - 1 characters. */
void ct_units_key(const char *u, char *out, size_t n);
/* Strict number parse: the whole string must be a finite number. */
int ct_parse_double(const char *s, double *v);

/* Splits a CSV line in place at commas into at most max fields, each
 * trimmed of blanks and of surrounding double quotes (no quoted commas).
 * Returns the number of fields stored; a line with more than max leaves the
 * rest unsplit, so ask for one more than allowed to detect it. */
int ct_csv_split(char *line, char **fields, int max);

/* A time series from CSV: header line, first column "time" (seconds from the
 * start, or ISO 8601 when start_unix is given), then value columns. Times
 * must be strictly increasing. */
typedef struct ct_series {
  int n, ncol;      /* rows, value columns */
  double *t;        /* n times [s from start] */
  double *v;        /* n*ncol values, row-major */
  char **names;     /* ncol column names */
  char *path;
} ct_series;

int ct_series_read(ct_series *s, const char *path, double start_unix,
                   ct_error *err);
/* Linear interpolation in time, held constant outside the series. */
double ct_series_at(const ct_series *s, int col, double t);
/* Exact integral of the interpolant over [t0, t1]. */
double ct_series_integral(const ct_series *s, int col, double t0, double t1);
int ct_series_col(const ct_series *s, const char *name);
void ct_series_free(ct_series *s);

/* Minimal JSON writer into a growing buffer. key is NULL inside arrays and
 * for the top level; non-finite numbers become null. */
typedef struct ct_json {
  char *buf;
  size_t len, cap;
  int depth;
  int first[64];
  char close[64];   /* closing bracket per open level */
  int oom;
} ct_json;

void ct_json_init(ct_json *j);
void ct_json_free(ct_json *j);
void ct_json_object(ct_json *j, const char *key);
void ct_json_array(ct_json *j, const char *key);
void ct_json_end(ct_json *j); /* closes the innermost object or array */
void ct_json_number(ct_json *j, const char *key, double v);
void ct_json_int(ct_json *j, const char *key, long long v);
void ct_json_string(ct_json *j, const char *key, const char *v);
void ct_json_bool(ct_json *j, const char *key, int v);
/* Inserts already-formatted JSON as a value. */
void ct_json_raw(ct_json *j, const char *key, const char *json);

/* Reads JSON text and lists its numeric leaves (true/false as 1/0) with
 * dotted paths: {"flood": {"area": {"0.1": 5}}} -> "flood.area.0.1" = 5;
 * array members by index. For KPIs from run summaries. */
typedef struct ct_kv {
  char *key;
  double value;
} ct_kv;
int ct_json_numbers(const char *text, ct_kv **kv, int *n, ct_error *err);
void ct_kv_free(ct_kv *kv, int n);

/* SHA-256 of a file as 64 hex characters + NUL. */
int ct_sha256_file(const char *path, char hex[65], ct_error *err);
void ct_sha256(const void *data, size_t n, uint8_t out[32]);

/* Levenshtein distance, for "did you mean" suggestions. */
int ct_edit_distance(const char *a, const char *b);

#endif
