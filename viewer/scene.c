/* scene.c - what the viewer shows, independent of any window: the open
 * run(s), the chosen variable and time, the base map (shaded DEM tinted by
 * land use, roads), the colour range in effect, and the field composited
 * over the base at grid resolution, so panning and zooming only resample. */
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/layers.h"
#include "citytwin/util.h"
#include "view.h"

/* Base colours per land-use class (team convention 1..7), light and
 * desaturated so any field colour on top stands out. */
static const unsigned char landuse_rgb[8][3] = {
    {226, 222, 214}, /* 0 unknown */
    {214, 205, 200}, /* 1 dense urban */
    {232, 226, 214}, /* 2 residential */
    {218, 212, 226}, /* 3 industrial / commercial */
    {200, 224, 188}, /* 4 green / park */
    {166, 200, 228}, /* 5 water */
    {206, 206, 206}, /* 6 road / paved */
    {234, 226, 196}, /* 7 bare / agricultural */
};

/* Depths under 1 cm are a film the models carry numerically, not water. */
#define DEPTH_THR 0.01

void ct__view_status(ct__view *v, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(v->status, sizeof v->status, fmt, ap);
  va_end(ap);
  v->status_until = v->now + 4.0;
}

static int static_with_units(const ct_reader *r, const char *units) {
  for (int k = 0; k < ct_reader_nvars(r); k++) {
    const ct_snapshot_var *sv = ct_reader_var(r, k);
    if (sv->is_static && strcmp(sv->units, units) == 0) return k;
  }
  return -1;
}

/* The base map of a run: hillshade of layer.dem (or the first static layer
 * in metres), tinted by layer.landuse when the run has it. */
static int make_base(ct__run *run, ct_error *err) {
  const ct_grid *g = run->g;
  size_t n = ct_grid_ncells(g);
  run->base = ct_alloc_aligned(n * sizeof *run->base);
  float *dem = ct_alloc_aligned(n * sizeof *dem);
  float *shade = ct_alloc_aligned(n * sizeof *shade);
  float *lu = NULL;
  int rc = CT_OK;
  if (!run->base || !dem || !shade) {
    rc = ct_error_set(err, CT_ENOMEM, "%s: out of memory for a %dx%d grid",
                      run->path, g->nx, g->ny);
    goto done;
  }
  int kd = ct_reader_find(run->r, "layer.dem");
  if (kd < 0) kd = static_with_units(run->r, "m");
  int have_dem = 0;
  if (kd >= 0) {
    ct_error e2 = {0};
    if (ct_reader_read(run->r, kd, 0, dem, &e2) == CT_OK) {
      ct__hillshade(dem, g->nx, g->ny, g->dx, 315.0, 45.0, 2.0, shade);
      have_dem = 1;
    }
  }
  int kl = ct_reader_find(run->r, "layer.landuse");
  if (kl >= 0 && ct_reader_var(run->r, kl)->is_static) {
    lu = ct_alloc_aligned(n * sizeof *lu);
    ct_error e2 = {0};
    if (lu && ct_reader_read(run->r, kl, 0, lu, &e2) != CT_OK) {
      ct_free_aligned(lu);
      lu = NULL;
    }
  }
  const double cz = cos(45.0 * 3.14159265358979323846 / 180.0);
#pragma omp parallel for schedule(static)
  for (int j = 0; j < g->ny; j++) {
    for (int i = 0; i < g->nx; i++) {
      size_t k = (size_t)j * g->nx + i;
      int cls = 0;
      if (lu && isfinite(lu[k]) && lu[k] >= 1.0f && lu[k] <= 7.0f)
        cls = (int)lu[k];
      /* flat ground at 0.9 of the class colour; sunlit slopes up to
         full, slopes away from the sun darker */
      double f = 0.9;
      if (have_dem && isfinite(shade[k]) && cls != 5)
        f = 0.9 + 0.8 * ((double)shade[k] - cz);
      if (f < 0.35) f = 0.35;
      if (f > 1.1) f = 1.1;
      int r = (int)(landuse_rgb[cls][0] * f), gg = (int)(landuse_rgb[cls][1] * f),
          b = (int)(landuse_rgb[cls][2] * f);
      r = r > 255 ? 255 : r;
      gg = gg > 255 ? 255 : gg;
      b = b > 255 ? 255 : b;
      run->base[k] = ((uint32_t)r << 16) | ((uint32_t)gg << 8) | (uint32_t)b;
    }
  }
done:
  ct_free_aligned(dem);
  ct_free_aligned(shade);
  ct_free_aligned(lu);
  return rc;
}

/* Roads (vector "roads") in cell units: col = (x - x0)/dx, row = (y0 - y)/dx. */
static void load_roads(ct__run *run) {
  int npts = 0, nparts = 0, *part = NULL;
  double *xy = NULL;
  ct_error e2 = {0};
  if (ct_reader_lines(run->r, "roads", &npts, &xy, &nparts, &part, &e2) != CT_OK)
    return; /* a run without roads is fine */
  const double *gt = run->g->gt;
  for (int k = 0; k < npts; k++) {
    xy[2 * k] = (xy[2 * k] - gt[0]) / gt[1];
    xy[2 * k + 1] = (xy[2 * k + 1] - gt[3]) / gt[5];
  }
  run->road = xy;
  run->road_part = part;
  run->nroad_pts = npts;
  run->nroad_parts = nparts;
}

static int open_run(ct__run *run, const char *path, ct_error *err) {
  memset(run, 0, sizeof *run);
  run->data_var = run->data_t = -1;
  run->path = strdup(path);
  if (!run->path) return ct_error_set(err, CT_ENOMEM, "out of memory");
  int rc = ct_reader_open(&run->r, path, err);
  if (rc != CT_OK) {
    run->r = NULL;
    if (!strstr(err->msg, path)) ct_error_prefix(err, "%s", path);
    return rc;
  }
  run->g = ct_reader_grid(run->r);
  if (!run->g || run->g->nx <= 0 || run->g->ny <= 0)
    return ct_error_set(err, CT_EFORMAT, "%s: the run has no grid", path);
  int nv = ct_reader_nvars(run->r);
  if (nv <= 0)
    return ct_error_set(err, CT_EFORMAT, "%s: the run holds no fields", path);
  size_t n = ct_grid_ncells(run->g);
  run->data = ct_alloc_aligned(n * sizeof *run->data);
  run->rng_lo = malloc((size_t)nv * sizeof *run->rng_lo);
  run->rng_hi = malloc((size_t)nv * sizeof *run->rng_hi);
  run->rng_p99 = malloc((size_t)nv * sizeof *run->rng_p99);
  if (!run->data || !run->rng_lo || !run->rng_hi || !run->rng_p99)
    return ct_error_set(err, CT_ENOMEM, "%s: out of memory for a %dx%d grid",
                        path, run->g->nx, run->g->ny);
  for (int k = 0; k < nv; k++) run->rng_lo[k] = run->rng_hi[k] = run->rng_p99[k] = NAN;
  rc = make_base(run, err);
  if (rc != CT_OK) return rc;
  load_roads(run);
  return CT_OK;
}

static void close_run(ct__run *run) {
  if (run->r) ct_reader_close(run->r);
  free(run->path);
  ct_free_aligned(run->base);
  ct_free_aligned(run->data);
  free(run->road);
  free(run->road_part);
  free(run->rng_lo);
  free(run->rng_hi);
  free(run->rng_p99);
  memset(run, 0, sizeof *run);
}

static int same_grid(const ct_grid *a, const ct_grid *b) {
  if (a->nx != b->nx || a->ny != b->ny) return 0;
  for (int k = 0; k < 6; k++)
    if (fabs(a->gt[k] - b->gt[k]) > 1e-6 * a->dx) return 0;
  return 1;
}

int ct__view_open(ct__view *v, const char *path, const char *other,
                  int compare, ct_error *err) {
  memset(v, 0, sizeof *v);
  v->cmap = -1;
  v->range_mode = CT__RANGE_RUN;
  v->opacity = 1.0;
  v->fps = 4.0;
  v->loop = 1;
  v->var = -1;
  v->nruns = 1;
  v->probe_i = v->probe_j = -1;
  int rc = open_run(&v->run[0], path, err);
  if (rc != CT_OK) return rc;
  if (other) {
    v->nruns = 2;
    rc = open_run(&v->run[1], other, err);
    if (rc != CT_OK) return rc;
    if (!same_grid(v->run[0].g, v->run[1].g))
      return ct_error_set(err, CT_EINVAL,
                          "%s and %s: the runs are on different grids "
                          "(%dx%d and %dx%d cells, or a different origin); "
                          "compare runs of the same domain",
                          path, other, v->run[0].g->nx, v->run[0].g->ny,
                          v->run[1].g->nx, v->run[1].g->ny);
    v->compare = compare == CT__CMP_DIFF ? CT__CMP_DIFF : CT__CMP_SIDE;
  }
  size_t n = ct_grid_ncells(v->run[0].g);
  int nv = ct_reader_nvars(v->run[0].r);
  v->diff = ct_alloc_aligned(n * sizeof *v->diff);
  v->img[0] = ct_alloc_aligned(n * sizeof *v->img[0]);
  v->img[1] = ct_alloc_aligned(n * sizeof *v->img[1]);
  v->diff_rng = malloc((size_t)nv * sizeof *v->diff_rng);
  if (!v->diff || !v->img[0] || !v->img[1] || !v->diff_rng)
    return ct_error_set(err, CT_ENOMEM, "out of memory for the view");
  for (int k = 0; k < nv; k++) v->diff_rng[k] = NAN;
  /* The first time-varying field that is not an input layer, else any. */
  for (int k = 0; k < nv && v->var < 0; k++)
    if (!ct_reader_var(v->run[0].r, k)->is_static) v->var = k;
  for (int k = 0; k < nv && v->var < 0; k++)
    if (strncmp(ct_reader_var(v->run[0].r, k)->name, "layer.", 6) != 0)
      v->var = k;
  if (v->var < 0) v->var = 0;
  v->t = 0;
  return CT_OK;
}

void ct__view_close(ct__view *v) {
  for (int k = 0; k < 2; k++) close_run(&v->run[k]);
  ct_free_aligned(v->diff);
  ct_free_aligned(v->img[0]);
  ct_free_aligned(v->img[1]);
  ct_free_aligned(v->mip[0]);
  ct_free_aligned(v->mip[1]);
  free(v->diff_rng);
  free(v->colx);
  free(v->series);
  free(v->series_b);
  memset(v, 0, sizeof *v);
}

int ct__view_set_field(ct__view *v, const char *name, ct_error *err) {
  int k = ct_reader_find(v->run[0].r, name);
  if (k < 0) {
    /* suggest the closest name */
    const char *best = NULL;
    int bd = 1 << 30;
    for (int q = 0; q < ct_reader_nvars(v->run[0].r); q++) {
      const char *nm = ct_reader_var(v->run[0].r, q)->name;
      int d = ct_edit_distance(name, nm);
      if (d < bd) {
        bd = d;
        best = nm;
      }
    }
    return ct_error_set(err, CT_ENOENT, "%s: no field '%s'%s%s%s",
                        v->run[0].path, name, best ? " (did you mean '" : "",
                        best ? best : "", best ? "'?)" : "");
  }
  v->var = k;
  /* a typed range belonged to the previous field */
  if (v->range_mode == CT__RANGE_TYPED) v->range_mode = CT__RANGE_RUN;
  free(v->series);
  v->series = NULL;
  v->nseries = 0;
  if (v->pin) { /* the pinned point's series of the new field */
    ct_error e2 = {0};
    ct__view_pin(v, v->pin_i, v->pin_j, &e2);
  }
  return CT_OK;
}

/* "+HH:MM:SS" (or "+Nd HH:MM") from the start. */
static void fmt_offset(double s, char *buf, size_t n) {
  long t = lround(s);
  const char *sign = t < 0 ? "-" : "+";
  if (t < 0) t = -t;
  long d = t / 86400, h = (t / 3600) % 24, m = (t / 60) % 60, sec = t % 60;
  if (d > 0)
    snprintf(buf, n, "%s%ldd %02ld:%02ld", sign, d, h, m);
  else
    snprintf(buf, n, "%s%02ld:%02ld:%02ld", sign, h, m, sec);
}

static void span_error(const ct__view *v, const char *what, ct_error *err) {
  const ct_reader *r = v->run[0].r;
  int nt = ct_reader_ntimes(r);
  if (nt <= 0) {
    ct_error_set(err, CT_ERANGE, "%s: %s holds no snapshot yet", what, v->run[0].path);
    return;
  }
  char a[64], b[64], oa[32], ob[32];
  double t0 = ct_reader_time(r, 0), t1 = ct_reader_time(r, nt - 1);
  ct_format_local(ct_reader_start_unix(r) + t0, ct_reader_utc_offset(r), a, sizeof a);
  ct_format_local(ct_reader_start_unix(r) + t1, ct_reader_utc_offset(r), b, sizeof b);
  fmt_offset(t0, oa, sizeof oa);
  fmt_offset(t1, ob, sizeof ob);
  ct_error_set(err, CT_ERANGE, "%s is outside %s, which runs from %s to %s (%s to %s, #1 to #%d)",
               what, v->run[0].path, a, b, oa, ob, nt);
}

int ct__view_set_time(ct__view *v, double t, ct_error *err) {
  const ct_reader *r = v->run[0].r;
  int nt = ct_reader_ntimes(r), best = 0;
  /* half a second of slack: times typed to the second, stored as doubles */
  if (nt <= 0 || t < ct_reader_time(r, 0) - 0.5 || t > ct_reader_time(r, nt - 1) + 0.5) {
    char what[64];
    fmt_offset(t, what, sizeof what);
    span_error(v, what, err);
    return CT_ERANGE;
  }
  double bd = INFINITY;
  for (int k = 0; k < nt; k++) {
    double d = fabs(ct_reader_time(r, k) - t);
    if (d < bd) {
      bd = d;
      best = k;
    }
  }
  v->t = best;
  return CT_OK;
}

int ct__view_set_clock(ct__view *v, double tod, ct_error *err) {
  const ct_reader *r = v->run[0].r;
  int nt = ct_reader_ntimes(r);
  char what[64];
  snprintf(what, sizeof what, "%02d:%02d:%02d", (int)(tod / 3600), (int)fmod(tod / 60, 60),
           (int)fmod(tod, 60));
  if (nt <= 0 || tod >= 86400.0) {
    span_error(v, what, err);
    return CT_ERANGE;
  }
  /* the local midnight before the start, then that clock time on each day
     the run spans: exactly one may fall inside it */
  double local0 = ct_reader_start_unix(r) + ct_reader_utc_offset(r);
  double midnight = floor(local0 / 86400.0) * 86400.0 - local0; /* s from start */
  double t0 = ct_reader_time(r, 0), t1 = ct_reader_time(r, nt - 1), hit = NAN;
  int nhit = 0;
  for (double day = midnight; day + tod <= t1 + 0.5; day += 86400.0)
    if (day + tod >= t0 - 0.5) {
      hit = day + tod;
      nhit++;
    }
  if (nhit == 0) {
    span_error(v, what, err);
    return CT_ERANGE;
  }
  if (nhit > 1)
    return ct_error_set(err, CT_ERANGE,
                        "%s: the run spans several days, so the clock time is "
                        "ambiguous; give an ISO 8601 time or +HH:MM from the start",
                        what);
  return ct__view_set_time(v, hit, err);
}

void ct__view_label(const ct__view *v, int k, char *buf, size_t n) {
  const ct_snapshot_var *sv = ct_reader_var(v->run[0].r, k);
  const char *ln = sv->long_name[0] ? sv->long_name : sv->name;
  snprintf(buf, n, "%s [%s]", ln, sv->units[0] ? sv->units : "-");
}

/* Time index of run q matching run 0's index t (nearest time). */
int ct__view_time_of(const ct__view *v, int q, int t) {
  if (q == 0) return t;
  int nt0 = ct_reader_ntimes(v->run[0].r), nt = ct_reader_ntimes(v->run[q].r);
  if (nt <= 0 || nt0 <= 0) return -1;
  double want = ct_reader_time(v->run[0].r, t < nt0 ? t : nt0 - 1);
  int best = 0;
  double bd = INFINITY;
  for (int k = 0; k < nt; k++) {
    double d = fabs(ct_reader_time(v->run[q].r, k) - want);
    if (d < bd) {
      bd = d;
      best = k;
    }
  }
  return best;
}

void ct__view_time_label(const ct__view *v, int q, char *buf, size_t n) {
  const ct_reader *r = v->run[q].r;
  int t = ct__view_time_of(v, q, v->t);
  if (t < 0 || t >= ct_reader_ntimes(r)) {
    snprintf(buf, n, "no snapshot");
    return;
  }
  char local[64], off[32];
  ct_format_local(ct_reader_start_unix(r) + ct_reader_time(r, t), ct_reader_utc_offset(r),
                  local, sizeof local);
  fmt_offset(ct_reader_time(r, t), off, sizeof off);
  snprintf(buf, n, "%s  %s", local, off);
}

/* Runs are matched by time since their start, which is what comparing
 * scenarios needs, but then B's picture is not of A's clock time: say so. */
int ct__view_time_note(const ct__view *v, char *buf, size_t n) {
  buf[0] = '\0';
  if (v->nruns < 2 || v->compare == CT__CMP_NONE || ct__view_static(v)) return 0;
  const ct_reader *a = v->run[0].r, *b = v->run[1].r;
  int ta = v->t, tb = ct__view_time_of(v, 1, v->t);
  if (ta >= ct_reader_ntimes(a) || tb < 0 || tb >= ct_reader_ntimes(b)) return 0;
  double sa = ct_reader_start_unix(a), sb = ct_reader_start_unix(b);
  double ca = sa + ct_reader_time(a, ta), cb = sb + ct_reader_time(b, tb);
  if (fabs(ca - cb) <= 0.5 && fabs(sa - sb) <= 0.5) return 0;
  char la[64], lb[64], xa[64], xb[64];
  ct_format_local(ca, ct_reader_utc_offset(a), la, sizeof la);
  ct_format_local(cb, ct_reader_utc_offset(b), lb, sizeof lb);
  ct_format_local(sa, ct_reader_utc_offset(a), xa, sizeof xa);
  ct_format_local(sb, ct_reader_utc_offset(b), xb, sizeof xb);
  if (fabs(sa - sb) > 0.5)
    snprintf(buf, n, "B shown at %s, A at %s (the runs start at %s and %s)", lb, la, xb, xa);
  else
    snprintf(buf, n, "B shown at %s, A at %s (nearest snapshot of B)", lb, la);
  return 1;
}

int ct__view_static(const ct__view *v) {
  return ct_reader_var(v->run[0].r, v->var)->is_static;
}

int ct__view_kind(const ct__view *v) {
  if (v->compare == CT__CMP_DIFF) return CT__KIND_PLAIN; /* A - B is a number */
  const ct_snapshot_var *sv = ct_reader_var(v->run[0].r, v->var);
  const char *dot = strrchr(sv->name, '.');
  if (strcmp(sv->name, "layer.landuse") == 0 ||
      (dot && strcmp(dot, ".landuse") == 0 && strcmp(sv->units, "1") == 0))
    return CT__KIND_CLASSES;
  if (strcmp(sv->units, "s") == 0 && (strstr(sv->name, "time_") || strstr(sv->name, "arrival")))
    return CT__KIND_CLOCK;
  if (strstr(sv->name, "depth") && strcmp(sv->units, "m") == 0) return CT__KIND_DEPTH;
  if (strcmp(sv->units, "ug m-3") == 0) return CT__KIND_CONC;
  return CT__KIND_PLAIN;
}

void ct__view_clock(const ct__view *v, double s, int secs, char *buf, size_t n) {
  const ct_reader *r = v->run[0].r;
  char t[64], t0[64];
  ct_format_local(ct_reader_start_unix(r) + s, ct_reader_utc_offset(r), t, sizeof t);
  ct_format_local(ct_reader_start_unix(r), ct_reader_utc_offset(r), t0, sizeof t0);
  /* "2026-09-15 14:10:00+07:00": date 0..9, clock 11..18 */
  if (strlen(t) < 19) {
    snprintf(buf, n, "%s", t);
    return;
  }
  if (strncmp(t, t0, 10) != 0)
    snprintf(buf, n, "%.5s %.*s", t + 5, secs ? 8 : 5, t + 11);
  else
    snprintf(buf, n, "%.*s", secs ? 8 : 5, t + 11);
}

const char *ct__view_run_state(const ct__view *v, int q, char *buf, size_t n) {
  char *st = ct_reader_attr(v->run[q].r, "citytwin_status");
  int complete = st && strcmp(st, "complete") == 0;
  /* "running" stays in the file of a killed run: the viewer cannot tell */
  const char *say = !st ? "no status" : st;
  if (st && strcmp(st, "running") == 0) say = "running or killed";
  snprintf(buf, n, "%s", say);
  free(st);
  return complete ? NULL : buf;
}

int ct__view_toggle_log(ct__view *v) {
  if (v->compare == CT__CMP_DIFF && !v->log) {
    ct__view_status(v, "no log scale for a difference (both signs): linear");
    return -1;
  }
  v->log = !v->log;
  ct__view_status(v, "%s scale", v->log ? "log" : "linear");
  return 0;
}

int ct__view_next_cmap(ct__view *v) {
  if (v->compare == CT__CMP_DIFF) {
    ct__view_status(v, "a difference keeps the diverging colour map");
    return -1;
  }
  v->cmap = (ct__view_cmap(v) + 1) % CT__NCMAPS;
  ct__view_status(v, "colour map %s", ct__cmap_name(v->cmap));
  return 0;
}

static void fill_nan(float *a, size_t n) {
  for (size_t k = 0; k < n; k++) a[k] = NAN;
}

/* Makes run q's data hold the shown variable at the shown time; NaN (and a
 * message in v->err) when it cannot. Returns 1 when the data changed. */
static int load_data(ct__view *v, int q) {
  ct__run *run = &v->run[q];
  const char *name = ct_reader_var(v->run[0].r, v->var)->name;
  int k = ct_reader_find(run->r, name);
  int is_static = k >= 0 && ct_reader_var(run->r, k)->is_static;
  int t = is_static ? 0 : ct__view_time_of(v, q, v->t);
  if (k == run->data_var && t == run->data_t) return 0;
  run->data_var = k;
  run->data_t = t;
  run->err[0] = '\0';
  size_t n = ct_grid_ncells(run->g);
  if (k < 0) {
    fill_nan(run->data, n);
    snprintf(run->err, sizeof run->err, "%s has no field %s", run->path, name);
    return 1;
  }
  if (!is_static && (t < 0 || t >= ct_reader_ntimes(run->r))) {
    fill_nan(run->data, n);
    snprintf(run->err, sizeof run->err, "%s: no snapshot yet", run->path);
    return 1;
  }
  ct_error e = {0};
  if (ct_reader_read(run->r, k, t, run->data, &e) != CT_OK) {
    fill_nan(run->data, n);
    snprintf(run->err, sizeof run->err, "%s", e.msg);
  }
  return 1;
}

static void frame_minmax(const float *a, size_t n, double *lo, double *hi,
                         int absval) {
  double mn = INFINITY, mx = -INFINITY;
  for (size_t k = 0; k < n; k++) {
    double x = a[k];
    if (!isfinite(x)) continue;
    if (absval) x = fabs(x);
    if (x < mn) mn = x;
    if (x > mx) mx = x;
  }
  *lo = mn;
  *hi = mx;
}

/* Whole-run range of the shown variable in run q; -1 when it could not be
 * read (a corrupt snapshot), 0 otherwise (infinite when there is none). */
static int run_range(ct__view *v, int q, double *lo, double *hi) {
  ct__run *run = &v->run[q];
  const char *name = ct_reader_var(v->run[0].r, v->var)->name;
  int k = ct_reader_find(run->r, name);
  *lo = INFINITY;
  *hi = -INFINITY;
  if (k < 0) return 0;
  if (isnan(run->rng_lo[k])) {
    float a, b;
    ct_error e = {0};
    if (ct_reader_range(run->r, k, &a, &b, &e) == CT_OK) {
      run->rng_lo[k] = a;
      run->rng_hi[k] = b;
    } else {
      run->rng_lo[k] = run->rng_hi[k] = INFINITY;
    }
  }
  if (isfinite(run->rng_lo[k])) {
    *lo = run->rng_lo[k];
    *hi = run->rng_hi[k];
  }
  return run->rng_lo[k] == INFINITY && ct_reader_ntimes(run->r) > 0 ? -1 : 0;
}

/* 99th percentile (nearest rank) of the depths shown (>= thr) in run q
 * over every snapshot, off water bodies (land use 5) when the run has land
 * use: a river channel metres deep would otherwise take the whole colour
 * bar and leave street flooding in one colour. A histogram of
 * 65536 bins between thr and the maximum, each keeping its largest value,
 * gives a value that occurs in the run, in one pass and fixed memory. */
static double run_p99(ct__view *v, int q, double thr, double mx) {
  ct__run *run = &v->run[q];
  const ct_snapshot_var *sv = ct_reader_var(v->run[0].r, v->var);
  int k = ct_reader_find(run->r, sv->name);
  if (k < 0) return NAN;
  if (!isnan(run->rng_p99[k])) return run->rng_p99[k];
  enum { NB = 65536 };
  size_t n = ct_grid_ncells(run->g), total = 0;
  float *fr = ct_alloc_aligned(n * sizeof *fr);
  size_t *cnt = calloc(NB, sizeof *cnt);
  float *bmax = malloc(NB * sizeof *bmax);
  float *lu = NULL;
  int kl = ct_reader_find(run->r, "layer.landuse");
  if (kl >= 0 && ct_reader_var(run->r, kl)->is_static) {
    ct_error e = {0};
    lu = ct_alloc_aligned(n * sizeof *lu);
    if (lu && ct_reader_read(run->r, kl, 0, lu, &e) != CT_OK) {
      ct_free_aligned(lu);
      lu = NULL;
    }
  }
  double p = mx;
  int nt = ct_reader_var(run->r, k)->is_static ? 1 : ct_reader_ntimes(run->r);
  if (fr && cnt && bmax && mx > thr) {
    double sc = NB / (mx - thr);
    for (int t = 0; t < nt; t++) {
      ct_error e = {0};
      if (ct_reader_read(run->r, k, t, fr, &e) != CT_OK) continue;
      for (size_t c = 0; c < n; c++) {
        float x = fr[c];
        if (!(x >= thr) || !isfinite(x) || (lu && lu[c] == 5.0f)) continue;
        int b = (int)((x - thr) * sc);
        if (b >= NB) b = NB - 1;
        if (cnt[b]++ == 0 || x > bmax[b]) bmax[b] = x;
        total++;
      }
    }
    size_t rank = (size_t)ceil(0.99 * (double)total), cum = 0;
    for (int b = 0; b < NB && total > 0; b++) {
      cum += cnt[b];
      if (cnt[b] && cum >= rank) {
        p = bmax[b];
        break;
      }
    }
  }
  ct_free_aligned(fr);
  ct_free_aligned(lu);
  free(cnt);
  free(bmax);
  run->rng_p99[k] = (float)p;
  return p;
}

/* Largest |A - B| of the shown variable over every snapshot (cached). */
static double diff_run_range(ct__view *v) {
  if (!isnan(v->diff_rng[v->var])) return v->diff_rng[v->var];
  ct__run *a = &v->run[0], *b = &v->run[1];
  const ct_snapshot_var *sv = ct_reader_var(a->r, v->var);
  int kb = ct_reader_find(b->r, sv->name);
  size_t n = ct_grid_ncells(a->g);
  float *fa = ct_alloc_aligned(n * sizeof *fa), *fb = ct_alloc_aligned(n * sizeof *fb);
  double m = 0.0;
  int nt = sv->is_static ? 1 : ct_reader_ntimes(a->r);
  for (int t = 0; fa && fb && kb >= 0 && t < nt; t++) {
    int tb = sv->is_static ? 0 : ct__view_time_of(v, 1, t);
    ct_error e = {0};
    if (tb < 0 || ct_reader_read(a->r, v->var, t, fa, &e) != CT_OK ||
        ct_reader_read(b->r, kb, tb, fb, &e) != CT_OK)
      continue;
    for (size_t k = 0; k < n; k++) {
      double d = fabs((double)fa[k] - fb[k]);
      if (isfinite(d) && d > m) m = d;
    }
  }
  ct_free_aligned(fa);
  ct_free_aligned(fb);
  v->diff_rng[v->var] = (float)m;
  return m;
}

/* Decides the colour range and the display threshold for this frame. */
static void choose_range(ct__view *v) {
  const ct_snapshot_var *sv = ct_reader_var(v->run[0].r, v->var);
  double lo = INFINITY, hi = -INFINITY;
  v->robust = 0;
  if (v->compare == CT__CMP_DIFF) {
    double m = v->range_mode == CT__RANGE_FRAME ? v->frame_hi : diff_run_range(v);
    if (!(m > 0.0) || !isfinite(m)) m = 1.0; /* all equal: any symmetric range */
    lo = -m;
    hi = m;
  } else if (v->range_mode == CT__RANGE_FRAME) {
    lo = v->frame_lo;
    hi = v->frame_hi;
  } else {
    int bad = 0;
    for (int q = 0; q < (v->compare == CT__CMP_SIDE ? 2 : 1); q++) {
      double a, b;
      bad |= run_range(v, q, &a, &b) != 0;
      if (a < lo) lo = a;
      if (b > hi) hi = b;
    }
    int kind = ct__view_kind(v);
    if (!bad && v->range_mode == CT__RANGE_RUN && kind == CT__KIND_DEPTH) {
      double p = -INFINITY;
      for (int q = 0; q < (v->compare == CT__CMP_SIDE ? 2 : 1); q++) {
        double a, b;
        run_range(v, q, &a, &b);
        double pq = isfinite(b) ? run_p99(v, q, DEPTH_THR, b) : NAN;
        if (pq > p) p = pq;
      }
      /* (p is the maximum itself when no depth lies on land: nothing to
       * say then) */
      if (isfinite(p) && p > lo && p < hi) {
        hi = p;
        v->robust = 1;
      }
    }
    if (bad && v->range_mode == CT__RANGE_RUN) {
      /* colours that change meaning between frames beat a silent 0..1 */
      int frame = isfinite(v->frame_lo) && isfinite(v->frame_hi);
      if (frame) {
        lo = v->frame_lo;
        hi = v->frame_hi;
      }
      snprintf(v->note, sizeof v->note,
               "the whole-run colour range could not be read (a corrupt snapshot?): "
               "colours from %s", frame ? "this frame" : "0 to 1");
    }
  }
  if (v->range_mode == CT__RANGE_TYPED) {
    lo = v->typed_lo;
    hi = v->typed_hi;
  }
  if (!isfinite(lo) || !isfinite(hi)) {
    lo = 0.0;
    hi = 1.0;
  }
  if (hi <= lo) hi = lo + (lo != 0.0 ? fabs(lo) * 0.01 : 1.0);
  /* What is shown as land: depths under 1 cm (a film the models carry
     numerically), zero for non-negative quantities, nothing otherwise. */
  double rlo, rhi;
  run_range(v, 0, &rlo, &rhi);
  if (v->thr_set)
    v->thr_eff = v->thr;
  else if (v->compare == CT__CMP_DIFF) /* no difference: the map shows */
    v->thr_eff = fmax(FLT_MIN, 1e-6 * hi);
  else if (sv->is_static)
    v->thr_eff = -INFINITY;
  else if (strstr(sv->name, "depth") && strcmp(sv->units, "m") == 0)
    v->thr_eff = DEPTH_THR;
  else if (ct__view_kind(v) == CT__KIND_CONC && hi > 0.0)
    /* a plume's numerical tail would draw its footprint's sharp edge in
       full colour: what is under a thousandth of the top is not shown */
    v->thr_eff = 1e-3 * hi;
  else if (rlo >= 0.0)
    v->thr_eff = FLT_MIN;
  else
    v->thr_eff = -INFINITY;
  /* a difference has both signs: log applies to plain fields only */
  if (v->log && v->compare != CT__CMP_DIFF) {
    if (hi <= 0.0) {
      v->log = 0;
      ct__view_status(v, "log scale needs positive values: linear");
    } else if (lo <= 0.0) {
      lo = v->thr_eff > 0.0 && v->thr_eff < hi ? v->thr_eff : hi * 1e-3;
      if (lo < hi * 1e-6) lo = hi * 1e-6;
    }
  }
  v->lo = lo;
  v->hi = hi;
  /* values above the top are drawn in its colour: the legend must say so */
  v->over = NAN;
  if (v->compare != CT__CMP_DIFF && ct__view_kind(v) != CT__KIND_CLASSES) {
    double m = v->frame_hi;
    if (v->robust) {
      double a, b;
      for (int q = 0; q < (v->compare == CT__CMP_SIDE ? 2 : 1); q++)
        if (run_range(v, q, &a, &b) == 0 && b > m) m = b;
    }
    if (isfinite(m) && m > hi + 1e-9 * fabs(hi)) v->over = m;
  }
}

int ct__view_cmap(const ct__view *v) {
  /* a sequential map would make A < B and A > B look alike */
  if (v->compare == CT__CMP_DIFF) return CT__CMAP_DIVERGING;
  return v->cmap >= 0 ? v->cmap : CT__CMAP_VIRIDIS;
}

/* Position in [0, 1] of value x on the colour bar. */
double ct__view_unit(const ct__view *v, double x) {
  if (v->log && v->compare != CT__CMP_DIFF)
    return (log10(x) - log10(v->lo)) / (log10(v->hi) - log10(v->lo));
  return (x - v->lo) / (v->hi - v->lo);
}

/* Composites the field of pane p over the base map, one pixel per cell. */
static void composite(ct__view *v, int p, const float *data) {
  const ct__run *run = &v->run[p < v->nruns ? p : 0];
  const ct_grid *g = run->g;
  uint32_t *img = v->img[p];
  const uint32_t *base = run->base, *lut = v->lut;
  double lo = v->lo, hi = v->hi, thr = v->thr_eff;
  int uselog = v->log && v->compare != CT__CMP_DIFF;
  int diffmode = v->compare == CT__CMP_DIFF;
  int classes = ct__view_kind(v) == CT__KIND_CLASSES;
  if (classes) uselog = 0;
  double llo = uselog ? log10(lo) : lo, lhi = uselog ? log10(hi) : hi;
  double scale = 255.0 / (lhi - llo);
  int a = (int)lround(v->opacity * 255.0);
  if (a < 0) a = 0;
  if (a > 255) a = 255;
#pragma omp parallel for schedule(static)
  for (int j = 0; j < g->ny; j++) {
    size_t row = (size_t)j * g->nx;
    for (int i = 0; i < g->nx; i++) {
      float x = data[row + i];
      uint32_t b = base[row + i];
      /* differences: a typed threshold hides small ones of either sign */
      float key = diffmode ? fabsf(x) : x;
      if (!(key >= thr) || !isfinite(x) || (uselog && x <= 0.0f)) {
        img[row + i] = b & 0x00FFFFFFu;
        continue;
      }
      uint32_t c;
      if (classes) {
        /* a code is a name, not an amount: no ramp, and no colour for a
           value that is not one of the codes */
        int cls = x >= 0.0f && x < (float)CT__NCLASSES ? (int)x : -1;
        if (cls < 0 || (float)cls != x) {
          img[row + i] = b & 0x00FFFFFFu;
          continue;
        }
        c = ct__class_rgb(cls) & 0x00FFFFFFu;
      } else {
        double u = ((uselog ? log10((double)x) : (double)x) - llo) * scale;
        int idx = u <= 0.0 ? 0 : u >= 255.0 ? 255 : (int)(u + 0.5);
        c = lut[idx];
      }
      if (a < 255) {
        unsigned r = (CT__R(c) * (unsigned)a + CT__R(b) * (255u - (unsigned)a)) / 255;
        unsigned gg = (CT__G(c) * (unsigned)a + CT__G(b) * (255u - (unsigned)a)) / 255;
        unsigned bb = (CT__B(c) * (unsigned)a + CT__B(b) * (255u - (unsigned)a)) / 255;
        c = (r << 16) | (gg << 8) | bb;
      }
      img[row + i] = c | 0xFF000000u;
    }
  }
}

/* Brings data, range and the composited panes up to date. */
void ct__view_prepare(ct__view *v) {
  v->err[0] = '\0';
  v->note[0] = '\0';
  int nt = ct_reader_ntimes(v->run[0].r);
  if (v->t >= nt) v->t = nt > 0 ? nt - 1 : 0;
  if (v->t < 0) v->t = 0;
  const ct_snapshot_var *sv = ct_reader_var(v->run[0].r, v->var);
  if (!sv->is_static && nt == 0)
    snprintf(v->err, sizeof v->err, "no snapshot written yet");
  int nq = v->compare == CT__CMP_NONE ? 1 : 2;
  for (int q = 0; q < nq; q++) {
    load_data(v, q);
    if (v->run[q].err[0] && !v->err[0])
      snprintf(v->err, sizeof v->err, "%s", v->run[q].err);
  }
  size_t n = ct_grid_ncells(v->run[0].g);
  char dkey[64];
  snprintf(dkey, sizeof dkey, "%d %d %d %d %d", v->compare, v->run[0].data_var,
           v->run[0].data_t, nq > 1 ? v->run[1].data_var : -1,
           nq > 1 ? v->run[1].data_t : -1);
  if (strcmp(dkey, v->data_key) != 0 || v->err[0]) {
    /* new frames: the difference and the frame's range, once */
    if (v->compare == CT__CMP_DIFF) {
      const float *a = v->run[0].data, *b = v->run[1].data;
      for (size_t k = 0; k < n; k++) v->diff[k] = a[k] - b[k];
      double dummy;
      frame_minmax(v->diff, n, &dummy, &v->frame_hi, 1);
      v->frame_lo = -v->frame_hi;
    } else {
      frame_minmax(v->run[0].data, n, &v->frame_lo, &v->frame_hi, 0);
      if (nq > 1) {
        double a, b;
        frame_minmax(v->run[1].data, n, &a, &b, 0);
        if (a < v->frame_lo) v->frame_lo = a;
        if (b > v->frame_hi) v->frame_hi = b;
      }
    }
    snprintf(v->data_key, sizeof v->data_key, "%s", dkey);
  }
  choose_range(v);
  char tnote[256];
  if (ct__view_time_note(v, tnote, sizeof tnote)) {
    size_t l = strlen(v->note);
    snprintf(v->note + l, sizeof v->note - l, "%s%s", l ? "; " : "", tnote);
  }
  int cm = ct__view_cmap(v);
  ct__cmap_lut(cm, v->lut);
  int npanes = v->compare == CT__CMP_SIDE ? 2 : 1;
  for (int p = 0; p < npanes; p++) {
    char key[160];
    snprintf(key, sizeof key, "%d %d %d %d %d %d %a %a %a %a", v->var, v->t,
             ct__view_time_of(v, p < v->nruns ? p : 0, v->t), cm, v->log,
             v->compare, v->lo, v->hi, v->thr_eff, v->opacity);
    if (strcmp(key, v->img_key[p]) == 0 && !v->err[0]) continue;
    const float *data = v->compare == CT__CMP_DIFF ? v->diff : v->run[p].data;
    composite(v, p, data);
    snprintf(v->img_key[p], sizeof v->img_key[p], "%s", key);
  }
}

/* Per-variable caches sized for the current variable count (NaN: unknown). */
static int size_caches(float **a, float **b, int nv) {
  float *na = realloc(*a, (size_t)(nv > 0 ? nv : 1) * sizeof *na);
  if (na) *a = na;
  float *nb = b ? realloc(*b, (size_t)(nv > 0 ? nv : 1) * sizeof *nb) : NULL;
  if (b && nb) *b = nb;
  if (!na || (b && !nb)) return CT_ENOMEM;
  for (int k = 0; k < nv; k++) {
    (*a)[k] = NAN;
    if (b) (*b)[k] = NAN;
  }
  return CT_OK;
}

int ct__view_live(const ct__view *v) {
  for (int q = 0; q < v->nruns; q++) {
    char *st = ct_reader_attr(v->run[q].r, "citytwin_status");
    int running = !st || strcmp(st, "running") == 0;
    free(st);
    if (running) return 1;
  }
  return 0;
}

int ct__view_refresh(ct__view *v, int *grew, ct_error *err) {
  *grew = 0;
  int last = v->t >= ct_reader_ntimes(v->run[0].r) - 1;
  char name[64];
  snprintf(name, sizeof name, "%s", ct_reader_var(v->run[0].r, v->var)->name);
  for (int q = 0; q < v->nruns; q++) {
    int g = 0, nv0 = ct_reader_nvars(v->run[q].r);
    int rc = ct_reader_refresh(v->run[q].r, &g, err);
    if (rc != CT_OK) return rc;
    int nv = ct_reader_nvars(v->run[q].r);
    if (g || nv != nv0) {
      /* variables may have appeared with the first snapshot */
      *grew = 1;
      if (size_caches(&v->run[q].rng_lo, &v->run[q].rng_hi, nv) ||
          size_caches(&v->run[q].rng_p99, NULL, nv))
        return ct_error_set(err, CT_ENOMEM, "out of memory");
      v->run[q].data_var = v->run[q].data_t = -1;
    }
  }
  if (*grew) {
    int nv = ct_reader_nvars(v->run[0].r);
    if (size_caches(&v->diff_rng, NULL, nv))
      return ct_error_set(err, CT_ENOMEM, "out of memory");
    int k = ct_reader_find(v->run[0].r, name);
    v->var = k >= 0 ? k : 0;
    v->img_key[0][0] = v->img_key[1][0] = '\0';
    v->data_key[0] = '\0';
    if (last && v->follow) v->t = ct_reader_ntimes(v->run[0].r) - 1;
    if (v->pin) {
      ct_error e = {0};
      ct__view_pin(v, v->pin_i, v->pin_j, &e);
    }
  }
  return CT_OK;
}

int ct__view_pin(ct__view *v, int i, int j, ct_error *err) {
  const ct_grid *g = v->run[0].g;
  if (i < 0 || j < 0 || i >= g->nx || j >= g->ny)
    return ct_error_set(err, CT_ERANGE, "cell (%d, %d) is outside the grid", i, j);
  v->pin = 1;
  v->pin_i = i;
  v->pin_j = j;
  const ct_snapshot_var *sv = ct_reader_var(v->run[0].r, v->var);
  int nt = sv->is_static ? 0 : ct_reader_ntimes(v->run[0].r);
  free(v->series);
  free(v->series_b);
  v->series = v->series_b = NULL;
  v->nseries = 0;
  v->series_var = v->var;
  if (nt <= 0) return CT_OK;
  size_t n = ct_grid_ncells(g);
  float *frame = ct_alloc_aligned(n * sizeof *frame);
  v->series = malloc((size_t)nt * sizeof *v->series);
  int kb = v->nruns > 1 ? ct_reader_find(v->run[1].r, sv->name) : -1;
  if (kb >= 0) v->series_b = malloc((size_t)nt * sizeof *v->series_b);
  if (!frame || !v->series || (kb >= 0 && !v->series_b)) {
    ct_free_aligned(frame);
    free(v->series);
    free(v->series_b);
    v->series = v->series_b = NULL;
    return ct_error_set(err, CT_ENOMEM, "out of memory for a time series");
  }
  /* The reader gives whole frames; the point's value is one cell of each. */
  size_t cell = (size_t)j * g->nx + i;
  for (int t = 0; t < nt; t++) {
    ct_error e2 = {0};
    v->series[t] = ct_reader_read(v->run[0].r, v->var, t, frame, &e2) == CT_OK
                       ? frame[cell] : NAN;
    if (kb < 0) continue;
    int tb = ct__view_time_of(v, 1, t);
    v->series_b[t] = tb >= 0 && ct_reader_read(v->run[1].r, kb, tb, frame, &e2) == CT_OK
                         ? frame[cell] : NAN;
  }
  ct_free_aligned(frame);
  v->nseries = nt;
  return CT_OK;
}
