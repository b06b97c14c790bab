/* windstack.c - the forecast wind as a time stack of rasters:
 * [air] wind.u = stack:FILE [FILE ...], wind.v likewise (globs expand,
 * sorted), in any CRS (wind.crs for files without one), warped onto the
 * domain grid bilinearly and averaged onto the air grid. Each band's valid
 * time comes from the file name (u_20260915T1500+0700.tif, Z or an offset
 * required), else the netCDF time coordinate, else band k of the list is at
 * k * wind.interval (1 h) from the start.
 *
 * A forecast's u and v are instantaneous values at their valid times (not
 * means over an interval, as rain rates are), so the wind between two
 * frames is linear in time, component by component; before the first and
 * after the last it is that frame's. Linear rather than stepped also keeps
 * the CFL step and the kernels from jumping every forecast hour. The wind
 * is updated at every coupling time (the met's clock).
 *
 * u and v must have the same frames at the same times; times within a file
 * must increase; two frames at one time are an error naming the files. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "air_model.h"

typedef struct frame {
  int file, band;
  double t;     /* Unix time; NaN: none given */
  double scale; /* the file's units to m/s */
} frame;

typedef struct list {
  const ct_entry *e;
  char **files;
  int nfiles;
  frame *f;
  int n, cap;
} list;

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

static void list_free(list *l) {
  ct_scenario_files_free(l->files, l->nfiles);
  free(l->f);
  memset(l, 0, sizeof *l);
}

/* Wind units -> the factor to m/s, or -1 for units we do not know (spaces,
 * brackets and case do not count). */
static double wind_units(const char *u) {
  char c[64];
  ct_units_key(u, c, sizeof c);
  static const struct {
    const char *u;
    double f;
  } known[] = {{"", 1},           {"m/s", 1},           {"ms-1", 1},
               {"ms**-1", 1},     {"m.s-1", 1},         {"meter/second", 1},
               {"metre/second", 1}, {"meters/second", 1},
               {"metres/second", 1}, {"km/h", 1 / 3.6},  {"kmh-1", 1 / 3.6},
               {"kt", 0.514444},  {"knots", 0.514444},  {"knot", 0.514444}};
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
    if (!strcmp(c, known[k].u)) return known[k].f;
  return -1;
}

/* The frames of one file, their times and their units' factor to m/s.
 * Times: a GRIB band's valid time; else the time in a one-band file's name;
 * else the netCDF time coordinate; else the name's time for a one-time file.
 * Times in a file must increase. */
static int file_frames(const ct_scenario *sc, list *l, int file,
                       ct_error *err) {
  const char *path = l->files[file];
  ct_band_times bt;
  int rc = ct_raster_band_times(path, &bt, err);
  if (rc)
    return ct_error_prefix(err, "%s:%d: [air] %s: wind stack", sc->path,
                           l->e->line, l->e->key);
  int nb = bt.nbands;
  double tn = NAN, scale = wind_units(bt.units);
  int off, named = ct_time_in_name(base_name(path), &tn, &off, NULL, 0);
  if (bt.source == CT_TIMES_GRIB) named = 0; /* GRIB names its ref. time */
  if (named < 0)
    rc = ct_scenario_error(sc, l->e, CT_EINVAL, err,
                           "wind stack: %s: the time in the name has no UTC "
                           "offset (add Z or +HH:MM): ambiguous",
                           path);
  else if (scale < 0)
    rc = ct_scenario_error(sc, l->e, CT_EINVAL, err,
                           "wind stack: %s: wind in '%s', expected m/s, km/h "
                           "or knots",
                           path, bt.units);
  else if (named > 0 && nb > 1 && bt.source == CT_TIMES_NONE)
    rc = ct_scenario_error(sc, l->e, CT_EINVAL, err,
                           "wind stack: %s has %d bands but one time (in its "
                           "name) and no netCDF or GRIB time: split it into "
                           "one file per time",
                           path, nb);
  if (!rc && l->n + nb > l->cap) {
    int cap = 2 * (l->n + nb);
    frame *f = realloc(l->f, (size_t)cap * sizeof *f);
    if (!f) rc = ct_error_set(err, CT_ENOMEM, "air: out of memory");
    else {
      l->f = f;
      l->cap = cap;
    }
  }
  for (int b = 1; !rc && b <= nb; b++) {
    frame *f = &l->f[l->n++];
    f->file = file;
    f->band = b;
    f->scale = scale;
    f->t = (named > 0 && (nb == 1 || isnan(bt.t[b - 1]))) ? tn : bt.t[b - 1];
    if (b > 1 && !isnan(f->t) && !(f->t > f[-1].t))
      rc = ct_scenario_error(sc, l->e, CT_EINVAL, err,
                             "wind stack: %s: the times of its bands must "
                             "increase, band %d is %+.0f s after band %d",
                             path, b, f->t - f[-1].t, b - 1);
  }
  ct_band_times_free(&bt);
  return rc;
}

static int cmp_frame(const void *a, const void *b) {
  const frame *x = a, *y = b;
  if (x->t != y->t) return x->t < y->t ? -1 : 1;
  if (x->file != y->file) return x->file < y->file ? -1 : 1;
  return (x->band > y->band) - (x->band < y->band);
}

static void label(char *buf, size_t n, const list *l, const frame *f) {
  snprintf(buf, n, "%s band %d", base_name(l->files[f->file]), f->band);
}

/* Names the files of a list for messages: "a.tif, b.tif" (the first few). */
static void names(char *buf, size_t n, const list *l) {
  buf[0] = 0;
  for (int k = 0; k < l->nfiles && k < 4; k++) {
    size_t L = strlen(buf);
    snprintf(buf + L, n - L, "%s%s", k ? ", " : "", base_name(l->files[k]));
  }
  if (l->nfiles > 4) {
    size_t L = strlen(buf);
    snprintf(buf + L, n - L, " and %d more", l->nfiles - 4);
  }
}

/* Frames of one component: listed, timed (all or none), sorted, distinct. */
static int read_list(ct__air_model *m, list *l, double interval,
                     ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  int rc = ct_scenario_files(sc, l->e, l->e->value + 6, &l->files,
                             &l->nfiles, err);
  for (int f = 0; !rc && f < l->nfiles; f++) rc = file_frames(sc, l, f, err);
  if (rc) return rc;
  int timed = 0;
  for (int k = 0; k < l->n; k++) timed += !isnan(l->f[k].t);
  char a[512], b[512];
  if (timed == 0) { /* in the listed order, wind.interval apart */
    for (int k = 0; k < l->n; k++)
      l->f[k].t = m->env->start_unix + k * interval;
    return CT_OK;
  }
  for (int k = 0; k < l->n; k++)
    if (isnan(l->f[k].t)) {
      label(a, sizeof a, l, &l->f[k]);
      return ct_scenario_error(sc, l->e, CT_EINVAL, err,
                               "wind stack: %s has no time (in its name or "
                               "netCDF metadata) while other frames have one",
                               a);
    }
  qsort(l->f, (size_t)l->n, sizeof *l->f, cmp_frame);
  for (int k = 1; k < l->n; k++)
    if (l->f[k].t - l->f[k - 1].t < 1.0) {
      label(a, sizeof a, l, &l->f[k - 1]);
      label(b, sizeof b, l, &l->f[k]);
      return ct_scenario_error(sc, l->e, CT_EINVAL, err,
                               "wind stack: %s and %s are for the same time",
                               a, b);
    }
  return CT_OK;
}

/* Warps frame k of a list onto the air grid: out gets nxy values. */
static int read_frame(ct__air_model *m, const list *l, const frame *f,
                      const char *crs, float *fine, float *out,
                      ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  const char *path = l->files[f->file];
  ct_raster_opts o;
  memset(&o, 0, sizeof o);
  o.resample = CT_RESAMPLE_BILINEAR;
  o.band = f->band;
  o.name = l->e->key;
  o.crs = crs;
  int rc = ct_raster_warp(path, m->env->grid, &o, fine, err);
  /* The raster reader's hint for a missing CRS names a [layer] section,
   * which stack files do not have: their CRS is wind.crs. */
  char *hint = rc && !crs && err ? strstr(err->msg, "give it with crs = EPSG:") : NULL;
  if (hint)
    snprintf(hint, sizeof err->msg - (size_t)(hint - err->msg),
             "give it with wind.crs = EPSG:... in [air]");
  if (rc) return ct_error_prefix(err, "%s:%d: [air] %s", sc->path, l->e->line,
                                 l->e->key);
  ct__air_coarsen(m, fine, out);
  const ct_air *a = m->a;
  for (size_t c = 0; c < a->nxy; c++) out[c] = (float)(out[c] * f->scale);
  for (size_t c = 0; c < a->nxy; c++)
    if (!isfinite(out[c]) || fabsf(out[c]) > 150.0f)
      return ct_scenario_error(sc, l->e, CT_EINVAL, err,
                               "wind stack: %s band %d: %s at air cell (%zu, "
                               "%zu) (x %.0f, y %.0f): %s",
                               path, f->band,
                               isfinite(out[c]) ? "a wind beyond 150 m/s"
                                                : "no data",
                               c % (size_t)a->nx, c / (size_t)a->nx,
                               a->cfg.xmin + ((double)(c % (size_t)a->nx) + 0.5) * a->dx,
                               a->cfg.ymax - ((double)(c / (size_t)a->nx) + 0.5) * a->dx,
                               isfinite(out[c]) ? "check the units (m/s)"
                                                : "the raster must cover the "
                                                  "domain");
  return CT_OK;
}

int ct__air_wind_stack_read(ct__air_model *m, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  list lu = {0}, lv = {0};
  lu.e = ct_scenario_entry(sc, "air", "wind.u");
  lv.e = ct_scenario_entry(sc, "air", "wind.v");
  const ct_entry *ec = ct_scenario_entry(sc, "air", "wind.crs");
  if (strncmp(lu.e->value, "stack:", 6) || strncmp(lv.e->value, "stack:", 6))
    return ct_scenario_error(sc, strncmp(lu.e->value, "stack:", 6) ? lu.e
                                                                   : lv.e,
                             CT_EINVAL, err,
                             "give both wind.u and wind.v as stack:FILE ... "
                             "(or both as raster layers)");
  double interval;
  int rc = ct_scenario_duration(sc, "air", "wind.interval", 3600.0, &interval,
                                err);
  if (!rc && !(interval > 0))
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "air", "wind.interval"),
                           CT_EINVAL, err, "expected a positive duration");
  if (!rc) rc = read_list(m, &lu, interval, err);
  if (!rc) rc = read_list(m, &lv, interval, err);
  char a[512], b[512];
  if (!rc && lu.n != lv.n) {
    names(a, sizeof a, &lu);
    names(b, sizeof b, &lv);
    rc = ct_scenario_error(sc, lv.e, CT_EINVAL, err,
                           "wind stack: wind.u has %d bands (%s), wind.v %d "
                           "(%s): they must have the same frames",
                           lu.n, a, lv.n, b);
  }
  for (int k = 0; !rc && k < lu.n; k++)
    if (fabs(lu.f[k].t - lv.f[k].t) >= 1.0) {
      char tu[64], tv[64];
      label(a, sizeof a, &lu, &lu.f[k]);
      label(b, sizeof b, &lv, &lv.f[k]);
      ct_format_local(lu.f[k].t, m->env->utc_offset_s, tu, sizeof tu);
      ct_format_local(lv.f[k].t, m->env->utc_offset_s, tv, sizeof tv);
      rc = ct_scenario_error(sc, lv.e, CT_EINVAL, err,
                             "wind stack: frame %d of wind.u (%s) is for %s, "
                             "of wind.v (%s) for %s",
                             k + 1, a, tu, b, tv);
    }
  size_t nxy = m->a->nxy;
  float *fine = NULL;
  if (!rc) {
    m->ws.n = lu.n;
    m->ws.t = malloc((size_t)lu.n * sizeof(double));
    m->ws.u = malloc((size_t)lu.n * nxy * sizeof(float));
    m->ws.v = malloc((size_t)lu.n * nxy * sizeof(float));
    m->wu = malloc(nxy * sizeof(float));
    m->wv = malloc(nxy * sizeof(float));
    fine = malloc(m->fnxy * sizeof(float));
    if (!m->ws.t || !m->ws.u || !m->ws.v || !m->wu || !m->wv || !fine)
      rc = ct_error_set(err, CT_ENOMEM, "air: out of memory for %d wind "
                        "frames", lu.n);
  }
  const char *crs = ec ? ec->value : NULL;
  for (int k = 0; !rc && k < lu.n; k++) {
    m->ws.t[k] = lu.f[k].t - m->env->start_unix;
    rc = read_frame(m, &lu, &lu.f[k], crs, fine, m->ws.u + (size_t)k * nxy,
                    err);
    if (!rc)
      rc = read_frame(m, &lv, &lv.f[k], crs, fine, m->ws.v + (size_t)k * nxy,
                      err);
  }
  if (!rc && (m->ws.t[0] > 0 || m->ws.t[m->ws.n - 1] < m->env->duration))
    ct_warn(m->env, "%s:%d: [air] wind.u: the forecast covers %g..%g s of the "
            "run's 0..%g s; its first / last frame holds outside",
            sc->path, lu.e->line, m->ws.t[0], m->ws.t[m->ws.n - 1],
            m->env->duration);
  free(fine);
  list_free(&lu);
  list_free(&lv);
  return rc;
}

void ct__air_wind_stack_at(ct__air_model *m, double t) {
  const ct__air_wstack *ws = &m->ws;
  size_t nxy = m->a->nxy;
  int k = 0;
  while (k + 1 < ws->n && ws->t[k + 1] <= t) k++;
  int k1 = k + 1 < ws->n ? k + 1 : k;
  double w = (k1 > k && t > ws->t[k]) ? (t - ws->t[k]) / (ws->t[k1] - ws->t[k])
                                      : 0.0;
  const float *u0 = ws->u + (size_t)k * nxy, *u1 = ws->u + (size_t)k1 * nxy;
  const float *v0 = ws->v + (size_t)k * nxy, *v1 = ws->v + (size_t)k1 * nxy;
  for (size_t c = 0; c < nxy; c++) {
    m->wu[c] = (float)((1.0 - w) * u0[c] + w * u1[c]);
    m->wv[c] = (float)((1.0 - w) * v0[c] + w * v1[c]);
  }
}

void ct__air_wind_stack_free(ct__air_wstack *ws) {
  free(ws->t);
  free(ws->u);
  free(ws->v);
  memset(ws, 0, sizeof *ws);
}
