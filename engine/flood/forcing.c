/* forcing.c - the water that enters and leaves a scenario's flood run other
 * than through the flow: rain (constant, a uniform series, gauges by inverse
 * distance or Thiessen polygons, or a stack of forecast rasters), infiltration
 * (constant, Horton 1940 or Green-Ampt 1911 by land use; none on impervious
 * cells) and urban drain inlets (capacity per cell, to a sink or an outfall).
 * Rates in the scenario are mm/h; inside everything is m/s. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flood/flood_internal.h"

#define MMH (1.0 / 3.6e6) /* mm/h -> m/s */

const char *const ct__flood_class_names[CT__NCLASS] = {
    "unknown", "dense_urban", "residential", "industrial",
    "green",   "water",       "road",        "bare"};

/* Impervious (no infiltration): dense urban, industrial, water, road. */
static const int impervious[CT__NCLASS] = {0, 1, 0, 1, 0, 1, 1, 0};

/* Green-Ampt parameters by land use through a typical soil texture (Rawls,
 * Brakensiek & Miller 1983, J. Hydraul. Eng. 109:62, Table 4: Ks, wetting
 * front suction psi, effective porosity); initial deficit = 0.7 of the
 * effective porosity (soil at 30 % of saturation). unknown/residential: loam;
 * green: sandy loam; bare/agricultural: silt loam. */
static const double ga_ks_mmh[CT__NCLASS] = {3.4, 0, 3.4, 0, 10.9, 0, 0, 6.5};
static const double ga_psi_m[CT__NCLASS] = {0.0889, 0, 0.0889, 0, 0.1101,
                                            0,      0, 0.1668};
static const double ga_dtheta[CT__NCLASS] = {0.304, 0, 0.304, 0, 0.288,
                                             0,     0, 0.340};
/* Horton (1940) f = fc + (f0 - fc) exp(-k t), mm/h and 1/h, typical values
 * for the same soils (Rawls et al. 1993, Handbook of Hydrology ch. 5). */
static const double ho_f0[CT__NCLASS] = {75, 0, 75, 0, 125, 0, 0, 75};
static const double ho_fc[CT__NCLASS] = {6, 0, 6, 0, 12, 0, 0, 6};
static const double ho_k[CT__NCLASS] = {2, 0, 2, 0, 2, 0, 0, 2};
/* Drain inlet capacity by land use [mm/h]: paved and built classes carry
 * inlets sized for a 2-year storm of about 30 mm/h; green, water and bare
 * land none. Override with drains.<class>. */
static const double drain_def[CT__NCLASS] = {0, 30, 25, 30, 0, 0, 30, 0};

static int fail_code(ct_error *err, int def) {
  return err && err->code ? err->code : def;
}

int ct__flood_classes(const ct_env *env, const char *layer,
                      unsigned char **out, ct_error *err) {
  *out = NULL;
  const float *r = ct_layers_raster(env->layers, layer, err);
  if (!r) return fail_code(err, CT_ENOENT);
  size_t n = ct_grid_ncells(env->grid);
  unsigned char *c = malloc(n);
  if (!c) return ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  for (size_t k = 0; k < n; k++) {
    float v = r[k];
    if (isnan(v)) v = 0.0f; /* nodata: unknown */
    long cl = lround(v);
    if (cl < 0 || cl >= CT__NCLASS || fabs(v - (double)cl) > 1e-3) {
      int i = (int)(k % (size_t)env->grid->nx), j = (int)(k / (size_t)env->grid->nx);
      free(c);
      return ct_error_set(err, CT_EINVAL,
                          "layer '%s': value %g at cell (%d, %d) (x %.1f, y "
                          "%.1f) is not a land-use class 0..7",
                          layer, (double)r[k], i, j, ct_grid_x(env->grid, i),
                          ct_grid_y(env->grid, j));
    }
    c[k] = (unsigned char)cl;
  }
  *out = c;
  return CT_OK;
}

/* Per-class values: defaults overridden by <prefix>.<class>. */
static int class_table(const ct_scenario *sc, const char *prefix,
                       const double *def, double *out, ct_error *err) {
  for (int c = 0; c < CT__NCLASS; c++) {
    char key[96];
    snprintf(key, sizeof key, "%s.%s", prefix, ct__flood_class_names[c]);
    int rc = ct_scenario_double(sc, "flood", key, def[c], &out[c], err);
    if (rc) return rc;
    if (!(out[c] >= 0)) {
      return ct_scenario_error(sc, ct_scenario_entry(sc, "flood", key),
                               CT_EINVAL, err, "expected a value >= 0, got %g",
                               out[c]);
    }
  }
  return CT_OK;
}

/* A rate in the scenario: "50", "50 mm/h" or "50mm/h" -> 0 and v in mm/h;
 * a number followed by what reads as another unit ("2 in/h") -> 1, the unit
 * in unit; anything else (a file or layer name) -> -1. A file name that
 * starts with digits ("2026_rain.csv") has a '.' or '_' after them, which
 * no unit has. */
static int rate_mmh(const char *s, double *v, char *unit, size_t n) {
  char *end;
  double x = strtod(s, &end);
  if (end == s || !isfinite(x)) return -1;
  while (isspace((unsigned char)*end)) end++;
  if (!*end) {
    *v = x;
    return 0;
  }
  if (strpbrk(end, "._\\") || !isalpha((unsigned char)*end)) return -1;
  char key[32];
  ct_units_key(end, key, sizeof key);
  if (!strcmp(key, "mm/h") || !strcmp(key, "mm/hr") || !strcmp(key, "mmh-1") ||
      !strcmp(key, "mm/hour")) {
    *v = x;
    return 0;
  }
  snprintf(unit, n, "%s", end);
  return 1;
}

/* --- rain --- */

static int read_series(const ct__flood_model *m, const ct_entry *e,
                       const char *rel, ct_series *s, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  char *path = ct_scenario_resolve(sc, rel);
  if (!path) return ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  int rc = ct_series_read(s, path, m->env->start_unix, err);
  free(path);
  if (rc) return ct_error_prefix(err, "%s:%d: [flood] %s", sc->path, e->line,
                                 e->key);
  for (int k = 0; k < s->n; k++) {
    if (k > 0 && !(s->t[k] > s->t[k - 1]))
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "%s: times must increase (row %d: %g s after "
                               "%g s)",
                               s->path, k + 1, s->t[k], s->t[k - 1]);
    for (int c = 0; c < s->ncol; c++) {
      double v = s->v[(size_t)k * (size_t)s->ncol + (size_t)c];
      if (!(v >= 0) || !isfinite(v))
        return ct_scenario_error(sc, e, CT_EINVAL, err,
                                 "%s: row %d (t = %g s), column '%s': rain "
                                 "rate %g mm/h must be a number >= 0",
                                 s->path, k + 1, s->t[k],
                                 s->names ? s->names[c] : "?", v);
    }
  }
  return CT_OK;
}

/* Gauge file: a CSV with columns name, x, y (domain CRS); every gauge must
 * have a column of that name in the rain series. */
static int read_gauges(ct__flood_model *m, const ct_entry *e, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  const ct_grid *g = m->env->grid;
  char *path = ct_scenario_resolve(sc, e->value);
  if (!path) return ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  FILE *fp = fopen(path, "r");
  if (!fp) {
    int rc = ct_scenario_error(sc, e, CT_ENOENT, err, "cannot open '%s'",
                               path);
    free(path);
    return rc;
  }
  char line[1024];
  int lineno = 0, rc = CT_OK, cap = 0, ng = 0;
  double *gx = NULL, *gy = NULL;
  int *col = NULL;
  int cn = -1, cx = -1, cy = -1;
  while (!rc && fgets(line, sizeof line, fp)) {
    lineno++;
    char *p = line;
    while (isspace((unsigned char)*p)) p++;
    if (!*p || *p == '#') continue;
    char *fld[8];
    int nf = 0;
    for (char *tok = strtok(p, ",\r\n"); tok && nf < 8;
         tok = strtok(NULL, ",\r\n")) {
      while (isspace((unsigned char)*tok)) tok++;
      size_t L = strlen(tok);
      while (L && isspace((unsigned char)tok[L - 1])) tok[--L] = 0;
      fld[nf++] = tok;
    }
    if (cn < 0) { /* header */
      for (int k = 0; k < nf; k++) {
        if (!strcmp(fld[k], "name")) cn = k;
        if (!strcmp(fld[k], "x")) cx = k;
        if (!strcmp(fld[k], "y")) cy = k;
      }
      if (cn < 0 || cx < 0 || cy < 0)
        rc = ct_error_set(err, CT_EFORMAT,
                          "%s:%d: expected a header with columns name,x,y",
                          path, lineno);
      continue;
    }
    double x, y;
    if (nf <= cn || nf <= cx || nf <= cy || ct_parse_double(fld[cx], &x) ||
        ct_parse_double(fld[cy], &y)) {
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: expected name,x,y with numbers x and y", path,
                        lineno);
      break;
    }
    int i, j;
    if (ct_grid_locate(g, x, y, &i, &j) != 0) {
      /* A gauge outside the domain still informs the interpolation. */
      if (m->env) ct_warn(m->env, "%s:%d: rain gauge '%s' lies outside the "
                          "domain", path, lineno, fld[cn]);
    }
    int c = ct_series_col(&m->rain_series, fld[cn]);
    if (c < 0) {
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: gauge '%s' has no column in the rain series "
                        "%s",
                        path, lineno, fld[cn], m->rain_series.path);
      break;
    }
    if (ng == cap) {
      cap = cap ? 2 * cap : 8;
      double *nxp = realloc(gx, (size_t)cap * sizeof *nxp);
      if (nxp) gx = nxp;
      double *nyp = realloc(gy, (size_t)cap * sizeof *nyp);
      if (nyp) gy = nyp;
      int *ncp = realloc(col, (size_t)cap * sizeof *ncp);
      if (ncp) col = ncp;
      if (!nxp || !nyp || !ncp) {
        rc = ct_error_set(err, CT_ENOMEM, "flood: out of memory");
        break;
      }
    }
    gx[ng] = x;
    gy[ng] = y;
    col[ng] = c;
    ng++;
  }
  fclose(fp);
  if (!rc && ng == 0)
    rc = ct_error_set(err, CT_EINVAL, "%s: no gauges", path);
  int method = 0;
  static const char *const methods[] = {"idw", "thiessen", NULL};
  if (!rc) rc = ct_scenario_choice(sc, "flood", "rain.method", methods, 0,
                                   &method, err);
  size_t n = ct_grid_ncells(g);
  if (!rc) {
    m->gauge_w = malloc(n * (size_t)ng * sizeof(float));
    if (!m->gauge_w) rc = ct_error_set(err, CT_ENOMEM, "flood: out of memory");
  }
  for (size_t k = 0; !rc && k < n; k++) {
    double x = ct_grid_x(g, (int)(k % (size_t)g->nx));
    double y = ct_grid_y(g, (int)(k / (size_t)g->nx));
    float *w = m->gauge_w + k * (size_t)ng;
    int near = 0;
    double dmin = INFINITY, sum = 0;
    for (int q = 0; q < ng; q++) {
      double d2 = (x - gx[q]) * (x - gx[q]) + (y - gy[q]) * (y - gy[q]);
      if (d2 < dmin) {
        dmin = d2;
        near = q;
      }
    }
    for (int q = 0; q < ng; q++) w[q] = 0.0f;
    if (method == 1 || dmin < 1e-6) { /* Thiessen polygon (or on a gauge) */
      w[near] = 1.0f;
      continue;
    }
    /* Inverse distance squared (Shepard 1968). */
    double wd[256];
    for (int q = 0; q < ng; q++) {
      double d2 = (x - gx[q]) * (x - gx[q]) + (y - gy[q]) * (y - gy[q]);
      double v = 1.0 / d2;
      if (q < 256) wd[q] = v;
      sum += v;
    }
    for (int q = 0; q < ng && q < 256; q++) w[q] = (float)(wd[q] / sum);
  }
  if (!rc && ng > 256)
    rc = ct_error_set(err, CT_EINVAL, "%s: at most 256 gauges", path);
  free(gx);
  free(gy);
  free(path);
  if (rc) {
    free(col);
    return rc;
  }
  m->gauge_col = col;
  m->ngauges = ng;
  return CT_OK;
}

/* --- rain: a stack of forecast rasters (the IOC's rain forecast) --- */

/* One band of the stack: its file, band number and valid start time (Unix
 * time, NaN when neither the file name nor the metadata give one). */
typedef struct stack_band {
  int file, band;
  double t;
  int off; /* UTC offset of the time as written, for messages */
  double scale; /* the file's units to mm/h */
} stack_band;

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* Rain rate units -> the factor to mm/h; 0 for an accumulation (a depth,
 * not a rate), -1 for units we do not know. Spaces and case do not count:
 * "mm h-1", "mm/h", "kg m-2 s-1", "kg/(m^2 s)" (GRIB's PRATE). */
static double rain_units(const char *u) {
  char c[64];
  ct_units_key(u, c, sizeof c);
  static const char *const mmh[] = {"",          "mm/h",       "mmh-1",
                                    "mm/hr",     "mmhr-1",     "mmh**-1",
                                    "mm/hour",   "mmperhour",  "mm.h-1",
                                    "millimetre/hour", "millimeter/hour",
                                    NULL};
  static const char *const mms[] = {"mm/s", "mms-1", "kg/m2s", "kgm-2s-1",
                                    "kg/m2/s", "kgm**-2s**-1", NULL};
  static const char *const ms[] = {"m/s", "ms-1", "ms**-1", NULL};
  static const char *const depth[] = {"mm", "m", "kg/m2", "kgm-2", "kgm**-2",
                                      NULL};
  for (int k = 0; mmh[k]; k++) if (!strcmp(c, mmh[k])) return 1.0;
  for (int k = 0; mms[k]; k++) if (!strcmp(c, mms[k])) return 3600.0;
  for (int k = 0; ms[k]; k++) if (!strcmp(c, ms[k])) return 3.6e6;
  for (int k = 0; depth[k]; k++) if (!strcmp(c, depth[k])) return 0.0;
  return -1.0;
}

/* Appends the bands of one stack file with their valid times (NaN when
 * unknown): a GRIB band's valid time; else the time in a one-band file's
 * name; else the netCDF time coordinate; else the time in the name of a
 * one-time file. And the factor of its units to mm/h. (GeoTIFF's
 * TIFFTAG_DATETIME is local time without a zone: not used.) */
static int file_times(const ct__flood_model *m, const ct_entry *e,
                      const char *path, int file, stack_band **bands,
                      int *nb, int *cap, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  ct_band_times bt;
  int rc = ct_raster_band_times(path, &bt, err);
  if (rc)
    return ct_error_prefix(err, "%s:%d: [flood] %s: forecast stack", sc->path,
                           e->line, e->key);
  int n = bt.nbands;
  double ts;
  int off = m->env->utc_offset_s;
  char stamp[64];
  int named = ct_time_in_name(base_name(path), &ts, &off, stamp, sizeof stamp);
  if (bt.source == CT_TIMES_GRIB) named = 0; /* GRIB names its ref. time */
  double scale = rain_units(bt.units);
  if (named < 0)
    rc = ct_scenario_error(sc, e, CT_EINVAL, err,
                           "forecast stack: %s: the time '%s' in the name has "
                           "no UTC offset (add Z or +HH:MM): ambiguous",
                           path, stamp);
  else if (scale == 0.0)
    rc = ct_scenario_error(sc, e, CT_EINVAL, err,
                           "forecast stack: %s holds accumulated rain (%s), "
                           "not a rate: give rates in mm/h (or kg m-2 s-1, "
                           "GRIB's PRATE)",
                           path, bt.units);
  else if (scale < 0)
    rc = ct_scenario_error(sc, e, CT_EINVAL, err,
                           "forecast stack: %s: rain in '%s', expected a "
                           "rate in mm/h, mm/s, kg m-2 s-1 or m/s",
                           path, bt.units);
  if (!rc && *nb + n > *cap) {
    int nc = (*nb + n) * 2;
    stack_band *q = realloc(*bands, (size_t)nc * sizeof *q);
    if (!q) rc = ct_error_set(err, CT_ENOMEM, "flood: out of memory");
    else {
      *bands = q;
      *cap = nc;
    }
  }
  if (!rc && named > 0 && n > 1 && bt.source == CT_TIMES_NONE)
    rc = ct_scenario_error(sc, e, CT_EINVAL, err,
                           "forecast stack: %s has %d bands but one time "
                           "(in its name) and no netCDF or GRIB time: split "
                           "it into one file per time",
                           path, n);
  for (int b = 1; !rc && b <= n; b++) {
    stack_band *s = &(*bands)[(*nb)++];
    s->file = file;
    s->band = b;
    s->off = off;
    s->scale = scale;
    s->t = (named > 0 && (n == 1 || isnan(bt.t[b - 1]))) ? ts : bt.t[b - 1];
  }
  ct_band_times_free(&bt);
  return rc;
}

static int cmp_band(const void *a, const void *b) {
  const stack_band *x = a, *y = b;
  if (x->t < y->t) return -1;
  if (x->t > y->t) return 1;
  if (x->file != y->file) return x->file < y->file ? -1 : 1;
  return (x->band > y->band) - (x->band < y->band);
}

/* "FILE" or "FILE band B" for messages. */
static void band_label(char *buf, size_t n, char *const *files,
                       const stack_band *s) {
  int multi = s->band > 1;
  snprintf(buf, n, "%s%s", base_name(files[s->file]), multi ? " band " : "");
  if (multi) snprintf(buf + strlen(buf), n - strlen(buf), "%d", s->band);
}

static void iso_local(double t, int off, char *buf, size_t n) {
  ct_format_local(t, off, buf, n);
  char *sp = strchr(buf, ' ');
  if (sp) *sp = 'T';
}

/* The stack's times: a constant step, none missing, none twice. */
static int check_times(ct__flood_model *m, const ct_entry *e,
                       const ct_entry *ei, char *const *files,
                       stack_band *bs, int nb, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  int timed = 0;
  for (int k = 0; k < nb; k++) timed += !isnan(bs[k].t);
  if (timed == 0) { /* band k at k * rain.interval from the start */
    m->band_t0 = 0.0;
    return CT_OK;
  }
  for (int k = 0; k < nb; k++)
    if (isnan(bs[k].t))
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "forecast stack: %s band %d has no time (in "
                               "its name or netCDF metadata) while other "
                               "files have one",
                               files[bs[k].file], bs[k].band);
  qsort(bs, (size_t)nb, sizeof *bs, cmp_band);
  char a[512], b[512], tm[64];
  for (int k = 1; k < nb; k++)
    if (bs[k].t - bs[k - 1].t < 1.0) {
      band_label(a, sizeof a, files, &bs[k - 1]);
      band_label(b, sizeof b, files, &bs[k]);
      iso_local(bs[k].t, bs[k - 1].off, tm, sizeof tm);
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "forecast stack: %s and %s are both for %s",
                               a, b, tm);
    }
  /* The step: rain.interval when given, else the smallest spacing. */
  double step = m->band_interval;
  if (!ei && nb > 1) {
    step = INFINITY;
    for (int k = 1; k < nb; k++) step = fmin(step, bs[k].t - bs[k - 1].t);
  }
  for (int k = 1; k < nb; k++) {
    double gap = bs[k].t - bs[k - 1].t;
    if (fabs(gap - step) <= 1.0) continue;
    double r = gap / step;
    band_label(a, sizeof a, files, &bs[k - 1]);
    band_label(b, sizeof b, files, &bs[k]);
    if (r > 1.5 && fabs(gap - floor(r + 0.5) * step) <= 1.0) {
      iso_local(bs[k - 1].t + step, bs[k - 1].off, tm, sizeof tm);
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "forecast stack: no rain for %s between %s "
                               "and %s (a step of %g s)",
                               tm, a, b, step);
    }
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "forecast stack: %g s between %s and %s, not "
                             "the step of %g s%s",
                             gap, a, b, step,
                             ei ? " (rain.interval)" : "");
  }
  m->band_interval = step;
  m->band_t0 = bs[0].t - m->env->start_unix;
  if (m->band_t0 + nb * step <= 0 ||
      (m->env->duration > 0 && m->band_t0 >= m->env->duration))
    ct_warn(m->env, "%s:%d: [flood] rain: the forecast stack does not "
            "overlap the run: no rain", sc->path, e->line);
  return CT_OK;
}

/* rain = stack:FILE [FILE ...]: forecast rain rasters in mm/h, in any CRS,
 * warped onto the grid. Each band's valid start time comes from the file
 * name, else the netCDF time coordinate, else band k is at k * rain.interval
 * from the start. Band k covers [t_k, t_k + step); no rain after the last. */
/* The raster reader's hint for a missing CRS names a [layer] section,
 * which stack files do not have: their CRS is rain.crs. */
static void crs_hint(ct_error *err) {
  char *p = err ? strstr(err->msg, "give it with crs = EPSG:") : NULL;
  if (p)
    snprintf(p, sizeof err->msg - (size_t)(p - err->msg),
             "give it with rain.crs = EPSG:... in [flood]");
}

static int read_stack(ct__flood_model *m, const ct_entry *e, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  const ct_grid *g = m->env->grid;
  const ct_entry *ei = ct_scenario_entry(sc, "flood", "rain.interval");
  /* rain.crs: for rasters without georeferencing of their own (a netCDF
   * cube on lat/lon coordinates without a grid_mapping). */
  const ct_entry *ec = ct_scenario_entry(sc, "flood", "rain.crs");
  int rc = ct_scenario_duration(sc, "flood", "rain.interval", 3600.0,
                                &m->band_interval, err);
  if (rc) return rc;
  if (!(m->band_interval > 0))
    return ct_scenario_error(sc, ei, CT_EINVAL, err,
                             "expected a positive duration");
  char **files = NULL;
  int nfiles = 0, nb = 0, cap = 0;
  stack_band *bs = NULL;
  rc = ct_scenario_files(sc, e, e->value + 6, &files, &nfiles, err);
  for (int f = 0; !rc && f < nfiles; f++)
    rc = file_times(m, e, files[f], f, &bs, &nb, &cap, err);
  if (!rc) rc = check_times(m, e, ei, files, bs, nb, err);
  size_t n = ct_grid_ncells(g);
  if (!rc) {
    m->bands = malloc((size_t)nb * n * sizeof(float));
    m->rain_cell = calloc(n, sizeof(float));
    if (!m->bands || !m->rain_cell)
      rc = ct_error_set(err, CT_ENOMEM, "flood: out of memory for the rain "
                        "stack");
  }
  for (int k = 0; !rc && k < nb; k++) {
    const char *path = files[bs[k].file];
    int b = bs[k].band;
    ct_raster_opts o;
    memset(&o, 0, sizeof o);
    o.resample = CT_RESAMPLE_BILINEAR;
    o.band = b;
    o.name = "rain";
    o.crs = ec ? ec->value : NULL;
    float *dst = m->bands + (size_t)k * n;
    rc = ct_raster_warp(path, g, &o, dst, err);
    if (rc) {
      if (!ec) crs_hint(err);
      rc = ct_error_prefix(err, "%s:%d: [flood] %s", sc->path,
                           ec ? ec->line : e->line, ec ? "rain.crs" : "rain");
      break;
    }
    int holes = 0;
    for (size_t c = 0; c < n; c++) {
      if (isnan(dst[c])) {
        holes = 1;
        dst[c] = 0.0f;
      } else if (!(dst[c] >= 0) || !isfinite(dst[c])) {
        rc = ct_scenario_error(sc, e, CT_EINVAL, err,
                               "%s band %d: rain rate %g%s%s at cell "
                               "(%zu, %zu) must be >= 0",
                               path, b, (double)dst[c],
                               bs[k].scale == 1.0 ? " mm/h" : " ",
                               bs[k].scale == 1.0 ? "" : "(file units)",
                               c % (size_t)g->nx,
                               c / (size_t)g->nx);
        break;
      }
      dst[c] = (float)(dst[c] * bs[k].scale * MMH);
    }
    if (holes)
      ct_warn(m->env, "%s band %d does not cover the whole domain: no rain "
              "taken where it has no data", path, b);
    m->nbands++;
  }
  ct_scenario_files_free(files, nfiles);
  free(bs);
  m->band_now = -1;
  return rc;
}

/* The stack's exact mean rate over [t, t + dt]: one band when the step lies
 * within it, else the bands weighted by their overlap, so the rain volume is
 * the stack's whatever the steps. */
static int stack_rain(ct__flood_model *m, double t, double dt, ct_error *err) {
  size_t n = ct_grid_ncells(m->env->grid);
  double s = m->band_interval, t0 = m->band_t0, t1 = t + dt;
  long ka = (long)floor((t - t0) / s), kb = (long)floor((t1 - t0) / s);
  if (ka < 0) ka = 0;
  if (kb > m->nbands - 1) kb = m->nbands - 1;
  int nin = 0;
  long kin = -1;
  double win = 0;
  for (long k = ka; k <= kb; k++) {
    double a = fmax(t, t0 + (double)k * s);
    double b = fmin(t1, t0 + (double)(k + 1) * s);
    if (b - a <= 1e-9 * dt) continue;
    nin++;
    kin = k;
    win = (b - a) / dt;
  }
  int want = nin == 0 ? -2 : (nin == 1 && win >= 1.0 - 1e-12) ? (int)kin : -3;
  if (want == m->band_now && want != -3) return CT_OK;
  m->band_now = want;
  if (want == -2) return ct_flood_set_rain(m->sim, 0.0, NULL, err);
  if (want >= 0)
    return ct_flood_set_rain(m->sim, 0.0, m->bands + (size_t)want * n, err);
  for (size_t c = 0; c < n; c++) m->rain_cell[c] = 0.0f;
  for (long k = ka; k <= kb; k++) {
    double a = fmax(t, t0 + (double)k * s);
    double b = fmin(t1, t0 + (double)(k + 1) * s);
    if (b - a <= 1e-9 * dt) continue;
    float w = (float)((b - a) / dt);
    const float *band = m->bands + (size_t)k * n;
    for (size_t c = 0; c < n; c++) m->rain_cell[c] += w * band[c];
  }
  return ct_flood_set_rain(m->sim, 0.0, m->rain_cell, err);
}

static int file_exists(const ct_scenario *sc, const char *rel) {
  char *path = ct_scenario_resolve(sc, rel);
  int ok = path && access(path, F_OK) == 0;
  free(path);
  return ok;
}

static int init_rain(ct__flood_model *m, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  const ct_entry *e = ct_scenario_entry(sc, "flood", "rain");
  const ct_entry *eg = ct_scenario_entry(sc, "flood", "rain.gauges");
  const ct_entry *em = ct_scenario_entry(sc, "flood", "rain.method");
  if (em && !eg)
    /* a method for gauges nobody gave would be silently unused */
    return ct_scenario_error(sc, em, CT_EINVAL, err,
                             "rain.method needs rain.gauges (CSV name,x,y) "
                             "and a rain series with a column per gauge");
  if (!e) {
    if (eg)
      return ct_scenario_error(sc, eg, CT_EINVAL, err,
                               "rain gauges need 'rain = SERIES.csv' with a "
                               "column per gauge");
    m->rain_mode = RAIN_NONE;
    return CT_OK;
  }
  double v;
  char unit[64];
  if (strncmp(e->value, "stack:", 6) == 0) {
    m->rain_mode = RAIN_STACK;
    return read_stack(m, e, err);
  }
  int r = rate_mmh(e->value, &v, unit, sizeof unit);
  if (r == 1 && !file_exists(sc, e->value))
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected mm/h: a rain rate like '50 mm/h', got "
                             "the unit '%s'",
                             unit);
  if (r == 0) {
    if (!(v >= 0))
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "expected a rain rate >= 0 mm/h, got %g", v);
    m->rain_mode = RAIN_CONST;
    m->rain_const = v * MMH;
    return ct_flood_set_rain(m->sim, m->rain_const, NULL, err);
  }
  int rc = read_series(m, e, e->value, &m->rain_series, err);
  if (rc) return rc;
  if (eg) {
    m->rain_mode = RAIN_GAUGES;
    rc = read_gauges(m, eg, err);
    if (rc) return rc;
    m->rain_cell = calloc(ct_grid_ncells(m->env->grid), sizeof(float));
    if (!m->rain_cell) return ct_error_set(err, CT_ENOMEM, "out of memory");
    m->gauge_t = -INFINITY;
    return CT_OK;
  }
  m->rain_mode = RAIN_SERIES;
  return CT_OK;
}

/* --- infiltration and drains --- */

static int init_infiltration(ct__flood_model *m, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  const ct_entry *e = ct_scenario_entry(sc, "flood", "infiltration");
  if (!e || !strcmp(e->value, "none")) return CT_OK;
  double v;
  char unit[64];
  int r = rate_mmh(e->value, &v, unit, sizeof unit);
  if (r == 1)
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected mm/h: an infiltration rate like "
                             "'10 mm/h', got the unit '%s'",
                             unit);
  if (r == 0) {
    if (!(v >= 0))
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "expected a rate >= 0 mm/h, got %g", v);
    m->inf_mode = INF_CONST;
    size_t n = ct_grid_ncells(m->env->grid);
    float *cap = malloc(n * sizeof *cap);
    if (!cap) return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
      cap[k] = (m->cls && impervious[m->cls[k]]) ? 0.0f : (float)(v * MMH);
    int rc = ct_flood_set_infiltration(m->sim, cap, err);
    free(cap);
    return rc;
  }
  if (!strcmp(e->value, "horton")) m->inf_mode = INF_HORTON;
  else if (!strcmp(e->value, "green-ampt")) m->inf_mode = INF_GREEN_AMPT;
  else
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected none, a rate in mm/h, horton or "
                             "green-ampt, got '%s'",
                             e->value);
  m->inf_cap = calloc(ct_grid_ncells(m->env->grid), sizeof(float));
  if (!m->inf_cap) return ct_error_set(err, CT_ENOMEM, "out of memory");
  m->gauge_t_inf = -INFINITY;
  return CT_OK;
}

static int init_drains(ct__flood_model *m, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  const ct_entry *e = ct_scenario_entry(sc, "flood", "drains");
  const ct_entry *eo = ct_scenario_entry(sc, "flood", "drains.outfall");
  if (!e) {
    if (eo)
      return ct_scenario_error(sc, eo, CT_EINVAL, err,
                               "an outfall needs 'drains' (a capacity)");
    return CT_OK;
  }
  size_t n = ct_grid_ncells(m->env->grid);
  float *cap = malloc(n * sizeof *cap);
  if (!cap) return ct_error_set(err, CT_ENOMEM, "out of memory");
  double v;
  int rc = CT_OK;
  char unit[64];
  int kind = ct_layers_find(m->env->layers, e->value)
              ? -1
              : rate_mmh(e->value, &v, unit, sizeof unit);
  if (kind == 1) {
    free(cap);
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected mm/h: an inlet capacity like "
                             "'30 mm/h', got the unit '%s'",
                             unit);
  }
  if (kind == 0) {
    if (!(v >= 0)) {
      free(cap);
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "expected a capacity >= 0 mm/h, got %g", v);
    }
    for (size_t k = 0; k < n; k++) cap[k] = (float)(v * MMH);
  } else if (!strcmp(e->value, "landuse")) {
    if (!m->cls) {
      free(cap);
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "drains by land use need 'landuse = LAYER'");
    }
    double tab[CT__NCLASS];
    rc = class_table(sc, "drains", drain_def, tab, err);
    for (size_t k = 0; !rc && k < n; k++) cap[k] = (float)(tab[m->cls[k]] * MMH);
  } else {
    const float *r = ct_layers_raster(m->env->layers, e->value, err);
    if (!r) {
      free(cap);
      return ct_scenario_error(sc, e, CT_ENOENT, err,
                               "expected a capacity in mm/h, 'landuse', or a "
                               "raster layer name; no layer '%s'",
                               e->value);
    }
    /* Nodata is where the drain network has no inlets (a layer mapped
     * for some districts only): no drains there, and the log says so. */
    size_t holes = 0;
    for (size_t k = 0; k < n && !rc; k++) {
      holes += isnan(r[k]) != 0;
      float c = isnan(r[k]) ? 0.0f : r[k];
      if (!(c >= 0) || !isfinite(c))
        rc = ct_error_set(err, CT_EINVAL,
                          "layer '%s': drain capacity %g mm/h at cell (%zu, "
                          "%zu) must be >= 0",
                          e->value, (double)c, k % (size_t)m->nx,
                          k / (size_t)m->nx);
      cap[k] = (float)(c * MMH);
    }
    if (!rc && holes)
      ct_warn(m->env, "%s:%d: [flood] drains: layer '%s' has no data in %zu "
              "of %zu cells: no drains taken there", sc->path, e->line,
              e->value, holes, n);
  }
  int has_out = 0;
  double ox = 0, oy = 0;
  if (!rc && eo && strcmp(eo->value, "sink") != 0) {
    char extra[8];
    if (sscanf(eo->value, "%lf %lf %7s", &ox, &oy, extra) != 2 ||
        !isfinite(ox) || !isfinite(oy))
      rc = ct_scenario_error(sc, eo, CT_EINVAL, err,
                             "expected 'sink' or 'x y' of the outfall, got "
                             "'%s'",
                             eo->value);
    has_out = 1;
  }
  if (!rc) {
    rc = ct_flood_set_drains(m->sim, cap, has_out, ox, oy, err);
    if (rc && eo) rc = ct_error_prefix(err, "%s:%d: [flood] drains.outfall",
                                       sc->path, eo->line);
  }
  free(cap);
  return rc;
}

/* Family keys must name something we know. */
static int check_family(const ct_scenario *sc, const char *prefix,
                        const char *const *extra, ct_error *err) {
  const ct_section *s = ct_scenario_section(sc, "flood");
  size_t L = strlen(prefix);
  for (int k = 0; s && k < s->n; k++) {
    const char *key = s->e[k].key;
    if (strncmp(key, prefix, L) || key[L] != '.') continue;
    const char *sub = key + L + 1;
    int ok = 0;
    for (int c = 0; c < CT__NCLASS && !ok; c++)
      ok = !strcmp(sub, ct__flood_class_names[c]);
    for (int c = 0; extra && extra[c] && !ok; c++) ok = !strcmp(sub, extra[c]);
    if (!ok)
      return ct_scenario_error(sc, &s->e[k], CT_EINVAL, err,
                               "unknown key; expected %s.<class> with a class "
                               "among unknown, dense_urban, residential, "
                               "industrial, green, water, road, bare%s",
                               prefix, extra ? " or another known key" : "");
  }
  return CT_OK;
}

/* Green & Ampt (1911) under ponding: infiltration capacity
 * f = Ks (1 + a / F), a = psi dtheta, integrates to
 *   Ks dt = F1 - F0 - a ln((a + F1) / (a + F0)).
 * Solving for F1 after an interval dt (Newton, from above) gives the exact
 * mean capacity (F1 - F0) / dt over it, so no stepping error however long
 * the interval; with less water than that the surface water limits it. */
static double green_ampt_rate(double ks, double a, double F0, double dt) {
  if (!(ks > 0) || !(a > 0)) return ks;
  if (!(F0 > 0)) F0 = 0.0;
  double target = ks * dt;
  /* Upper bound: the Philip-like F0 + Ks dt + sqrt(2 a Ks dt + F0^2) - F0
   * exceeds the root; Newton on the convex residual converges from above. */
  double F1 = F0 + target + sqrt(2.0 * a * target);
  for (int it = 0; it < 50; it++) {
    double g = F1 - F0 - a * log((a + F1) / (a + F0)) - target;
    double dg = F1 / (a + F1);
    double step = g / dg;
    F1 -= step;
    if (F1 < F0) F1 = F0;
    if (fabs(step) <= 1e-12 * (F1 + a)) break;
  }
  return (F1 - F0) / dt;
}

int ct__flood_forcing_init(ct__flood_model *m, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  static const char *const rain_extra[] = {"gauges", "method", "interval",
                                           "crs", NULL};
  static const char *const drain_extra[] = {"outfall", NULL};
  int rc;
  if ((rc = check_family(sc, "rain", rain_extra, err))) return rc;
  if ((rc = check_family(sc, "drains", drain_extra, err))) return rc;
  if ((rc = init_rain(m, err))) return rc;
  if ((rc = init_infiltration(m, err))) return rc;
  return init_drains(m, err);
}

int ct__flood_forcing_update(ct__flood_model *m, double t, double dt,
                             ct_error *err) {
  int rc = CT_OK;
  size_t n = ct_grid_ncells(m->env->grid);
  double dc = m->env->coupling > 0 ? m->env->coupling : 60.0;
  if (m->rain_mode == RAIN_SERIES) {
    /* The exact mean rate over the step: the balance gets the series'
     * integral. */
    int col = ct_series_col(&m->rain_series, "rain");
    if (col < 0) col = 0;
    double r = ct_series_integral(&m->rain_series, col, t, t + dt) / dt;
    rc = ct_flood_set_rain(m->sim, fmax(r, 0.0) * MMH, NULL, err);
  } else if (m->rain_mode == RAIN_GAUGES && t >= m->gauge_t + dc - 1e-9) {
    /* Each gauge's mean over the coming coupling interval, spread by the
     * weights: the field is refreshed once per interval. */
    m->gauge_t = t;
    double r[256];
    for (int q = 0; q < m->ngauges; q++)
      r[q] = ct_series_integral(&m->rain_series, m->gauge_col[q], t, t + dc) /
             dc * MMH;
    for (size_t k = 0; k < n; k++) {
      const float *w = m->gauge_w + k * (size_t)m->ngauges;
      double s = 0;
      for (int q = 0; q < m->ngauges; q++) s += w[q] * r[q];
      m->rain_cell[k] = (float)fmax(s, 0.0);
    }
    rc = ct_flood_set_rain(m->sim, 0.0, m->rain_cell, err);
  } else if (m->rain_mode == RAIN_STACK) {
    rc = stack_rain(m, t, dt, err);
  }
  if (rc) return rc;
  if ((m->inf_mode == INF_HORTON || m->inf_mode == INF_GREEN_AMPT) &&
      t >= m->gauge_t_inf + dc - 1e-9) {
    m->gauge_t_inf = t;
    if (m->inf_mode == INF_GREEN_AMPT) ct_flood_infiltrated(m->sim, m->inf_cap);
    for (size_t k = 0; k < n; k++) {
      int c = m->cls ? m->cls[k] : 0;
      double f = 0.0;
      if (impervious[c]) {
        f = 0.0;
      } else if (m->inf_mode == INF_HORTON) {
        /* Horton (1940) f = fc + (f0 - fc) exp(-k t): its exact mean over
         * the coming interval. */
        double kk = ho_k[c] / 3600.0;
        f = ho_fc[c] + (ho_f0[c] - ho_fc[c]) *
                           (exp(-kk * t) - exp(-kk * (t + dc))) / (kk * dc);
        f *= MMH;
      } else {
        f = green_ampt_rate(ga_ks_mmh[c] * MMH, ga_psi_m[c] * ga_dtheta[c],
                            (double)m->inf_cap[k], dc);
      }
      m->inf_cap[k] = (float)f;
    }
    rc = ct_flood_set_infiltration(m->sim, m->inf_cap, err);
  }
  return rc;
}

void ct__flood_forcing_free(ct__flood_model *m) {
  ct_series_free(&m->rain_series);
  free(m->gauge_col);
  free(m->gauge_w);
  free(m->bands);
  free(m->rain_cell);
  free(m->inf_cap);
  free(m->cls);
}
