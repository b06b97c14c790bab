/* model.c - the [flood] section of a scenario as a ct_model: reads the DEM,
 * roughness, boundaries and inflows, sets up the forcings (forcing.c), steps
 * the simulation (sim.c), keeps the flood statistics per cell (maximum depth,
 * its time, first time above the threshold, hours above it), publishes
 * flood.depth at every coupling time and reports the volume balance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "citytwin/snapshot.h"
#include "flood/flood_internal.h"

static const char *const flood_keys[] = {
    "dem",      "manning",  "manning.*",    "landuse",   "rain",
    "rain.*",   "infiltration", "drains",   "drains.*",  "boundary.*",
    "inflow.*", "threshold", "max_dt",      "theta",     "alpha",
    "initial_level", NULL};

/* Smallest time-step cap [s]: the CFL step of a 1 m cell under 10 m of
 * water is about 0.1 s, so a cap below this only slows a run down. */
#define MIN_MAX_DT 0.01
/* Highest water level accepted above the DEM's highest cell [m]: more is
 * a unit slip (mm, cm) or a typo, and its depth makes the CFL step tiny. */
#define MAX_LEVEL_ABOVE 100.0

/* Ground this deep is a fill value (-9999, -32768), not terrain: the
 * deepest dry land is 430 m below the sea. */
#define DEM_FILL_BELOW -9000.0

/* The team's land-use code of rivers, lakes and ponds. */
enum { LU_WATER = 5 };

/* Manning n by land use (Chow 1959 ranges; dense urban high as a proxy for
 * buildings, REFERENCES §1): unknown, dense urban, residential, industrial,
 * green, water, road, bare. */
static const double manning_def[CT__NCLASS] = {0.035, 0.08, 0.06, 0.05,
                                               0.04,  0.025, 0.016, 0.03};

static void model_destroy(void *self);

static int is_metres(const char *u) {
  static const char *const m[] = {"m", "metre", "meter", "metres", "meters",
                                  NULL};
  for (int k = 0; m[k]; k++)
    if (!strcasecmp(u, m[k])) return 1;
  return 0;
}

static int fail_code(ct_error *err, int def) {
  return err && err->code ? err->code : def;
}

/* A series' value column: the named one, else the first. */
static int value_col(const ct_series *s, const char *name) {
  int c = ct_series_col(s, name);
  return c >= 0 ? c : 0;
}

static int read_series(const ct__flood_model *m, const ct_entry *e,
                       const char *rel, ct_series *s, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  char *path = ct_scenario_resolve(sc, rel);
  if (!path) return ct_error_set(err, CT_ENOMEM, "out of memory");
  int rc = ct_series_read(s, path, m->env->start_unix, err);
  free(path);
  if (rc) return ct_error_prefix(err, "%s:%d: [flood] %s", sc->path, e->line,
                                 e->key);
  if (s->n < 1 || s->ncol < 1)
    return ct_scenario_error(sc, e, CT_EINVAL, err, "%s: no values", s->path);
  for (int k = 1; k < s->n; k++)
    if (!(s->t[k] > s->t[k - 1]))
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "%s: times must increase (row %d: %g s after "
                               "%g s)",
                               s->path, k + 1, s->t[k], s->t[k - 1]);
  return CT_OK;
}

/* Copies column c of a series into t/v arrays (malloc'd). */
static int series_arrays(const ct_series *s, int c, double **t, double **v,
                         ct_error *err) {
  *t = malloc((size_t)s->n * sizeof **t);
  *v = malloc((size_t)s->n * sizeof **v);
  if (!*t || !*v) {
    free(*t);
    free(*v);
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  for (int k = 0; k < s->n; k++) {
    (*t)[k] = s->t[k];
    (*v)[k] = s->v[(size_t)k * (size_t)s->ncol + (size_t)c];
  }
  return CT_OK;
}

/* A water level far above all ground is a unit slip or a typo, and a run
 * under kilometres of water crawls at a CFL step of milliseconds. */
static int check_level(const ct__flood_model *m, const ct_entry *e,
                       const char *what, double lv, ct_error *err) {
  if (lv <= m->zmax + MAX_LEVEL_ABOVE) return CT_OK;
  return ct_scenario_error(m->env->sc, e, CT_EINVAL, err,
                           "%s %g m lies %g m above the DEM's highest cell "
                           "(%g m); expected at most %g m above it (a level "
                           "in metres, on the DEM's datum)",
                           what, lv, lv - m->zmax, m->zmax, MAX_LEVEL_ABOVE);
}

static int init_boundary(ct__flood_model *m, const ct_entry *e,
                         ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  static const char *const edges[4] = {"north", "south", "east", "west"};
  const char *name = e->key + strlen("boundary.");
  int edge = -1;
  for (int k = 0; k < 4; k++)
    if (!strcmp(name, edges[k])) edge = k;
  if (edge < 0)
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "unknown edge '%s'; expected boundary.north, "
                             "south, east or west",
                             name);
  if (!strcmp(e->value, "closed"))
    return ct_flood_set_boundary(m->sim, edge, CT_FLOOD_CLOSED, 0, NULL, NULL,
                                 err);
  if (!strcmp(e->value, "free"))
    return ct_flood_set_boundary(m->sim, edge, CT_FLOOD_FREE, 0, NULL, NULL,
                                 err);
  if (strncmp(e->value, "level", 5) || !e->value[5] || e->value[5] != ' ')
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected closed, free or 'level SERIES.csv', "
                             "got '%s'",
                             e->value);
  const char *rel = e->value + 6;
  while (*rel == ' ') rel++;
  double lv;
  ct_series s;
  memset(&s, 0, sizeof s);
  int rc;
  if (ct_parse_double(rel, &lv) == 0) { /* a constant level */
    if ((rc = check_level(m, e, "level", lv, err))) return rc;
    double t0 = 0.0;
    return ct_flood_set_boundary(m->sim, edge, CT_FLOOD_LEVEL, 1, &t0, &lv,
                                 err);
  }
  if ((rc = read_series(m, e, rel, &s, err))) {
    ct_series_free(&s);
    return rc;
  }
  double *t = NULL, *v = NULL;
  rc = series_arrays(&s, value_col(&s, "level"), &t, &v, err);
  for (int k = 0; !rc && k < s.n; k++) {
    char what[600];
    snprintf(what, sizeof what, "%s: row %d (t = %g s): level", s.path, k + 1,
             t[k]);
    rc = check_level(m, e, what, v[k], err);
  }
  if (!rc) {
    rc = ct_flood_set_boundary(m->sim, edge, CT_FLOOD_LEVEL, s.n, t, v, err);
    if (rc) rc = ct_error_prefix(err, "%s:%d: [flood] %s", sc->path, e->line,
                                 e->key);
  }
  free(t);
  free(v);
  ct_series_free(&s);
  return rc;
}

/* inflow.NAME = x y SERIES.csv | x1 y1 x2 y2 SERIES.csv (m3/s) */
static int init_inflow(ct__flood_model *m, const ct_entry *e, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  char *copy = strdup(e->value);
  if (!copy) return ct_error_set(err, CT_ENOMEM, "out of memory");
  char *tok[6];
  int nt = 0;
  char *save = NULL;
  for (char *p = strtok_r(copy, " \t", &save); p && nt < 6;
       p = strtok_r(NULL, " \t", &save))
    tok[nt++] = p;
  double c[4];
  int ok = (nt == 3 || nt == 5);
  for (int k = 0; ok && k < nt - 1; k++) ok = ct_parse_double(tok[k], &c[k]) == 0;
  if (!ok) {
    free(copy);
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected 'x y SERIES.csv' (a point) or 'x1 y1 "
                             "x2 y2 SERIES.csv' (a line), got '%s'",
                             e->value);
  }
  if (nt == 3) {
    c[2] = c[0];
    c[3] = c[1];
  }
  ct_series s;
  memset(&s, 0, sizeof s);
  int rc = read_series(m, e, tok[nt - 1], &s, err);
  free(copy);
  double *t = NULL, *v = NULL;
  if (!rc) rc = series_arrays(&s, value_col(&s, "discharge"), &t, &v, err);
  for (int k = 0; !rc && k < s.n; k++)
    if (!(v[k] >= 0))
      rc = ct_scenario_error(sc, e, CT_EINVAL, err,
                             "%s: row %d (t = %g s): discharge %g m3/s must "
                             "be >= 0",
                             s.path, k + 1, t[k], v[k]);
  if (!rc) {
    rc = ct_flood_add_inflow(m->sim, c[0], c[1], c[2], c[3], s.n, t, v, err);
    if (rc) rc = ct_error_prefix(err, "%s:%d: [flood] %s", sc->path, e->line,
                                 e->key);
  }
  free(t);
  free(v);
  ct_series_free(&s);
  return rc;
}

/* Manning n per cell (NULL with *uniform set when one value). */
static int init_manning(ct__flood_model *m, float **out, double *uniform,
                        ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  const ct_entry *e = ct_scenario_entry(sc, "flood", "manning");
  size_t n = ct_grid_ncells(m->env->grid);
  *out = NULL;
  *uniform = 0.03;
  int by_class = (!e && m->cls) || (e && !strcmp(e->value, "landuse"));
  if (!e && !by_class) return CT_OK;
  if (e && !by_class && ct_parse_double(e->value, uniform) == 0) {
    if (!(*uniform > 0) || *uniform > 1)
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "expected a Manning n in (0, 1] s m-1/3, got "
                               "%g",
                               *uniform);
    return CT_OK;
  }
  float *a = malloc(n * sizeof *a);
  if (!a) return ct_error_set(err, CT_ENOMEM, "out of memory");
  int rc = CT_OK;
  if (by_class) {
    if (!m->cls) {
      free(a);
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "Manning n by land use needs 'landuse = "
                               "LAYER'");
    }
    double tab[CT__NCLASS];
    for (int c = 0; c < CT__NCLASS && !rc; c++) {
      char key[64];
      snprintf(key, sizeof key, "manning.%s", ct__flood_class_names[c]);
      rc = ct_scenario_double(sc, "flood", key, manning_def[c], &tab[c], err);
      if (!rc && !(tab[c] > 0 && tab[c] <= 1))
        rc = ct_scenario_error(sc, ct_scenario_entry(sc, "flood", key),
                               CT_EINVAL, err,
                               "expected a Manning n in (0, 1], got %g",
                               tab[c]);
    }
    for (size_t k = 0; !rc && k < n; k++) a[k] = (float)tab[m->cls[k]];
  } else {
    const float *r = ct_layers_raster(m->env->layers, e->value, err);
    if (!r) {
      free(a);
      return ct_scenario_error(sc, e, CT_ENOENT, err,
                               "expected a Manning n, 'landuse' or a raster "
                               "layer name; no layer '%s'",
                               e->value);
    }
    for (size_t k = 0; k < n && !rc; k++) {
      if (!(r[k] > 0 && r[k] <= 1))
        rc = ct_error_set(err, CT_EINVAL,
                          "layer '%s': Manning n %g at cell (%zu, %zu) must "
                          "be in (0, 1] (no holes)",
                          e->value, (double)r[k], k % (size_t)m->nx,
                          k / (size_t)m->nx);
      a[k] = r[k];
    }
  }
  if (rc) {
    free(a);
    return rc;
  }
  *out = a;
  return CT_OK;
}

static int add_field(ct__flood_model *m, ct_field **f, const char *name,
                     const char *units, const char *long_name,
                     ct_error *err) {
  *f = ct_fields_add(m->env->fields, name, units, long_name, 0, err);
  return *f ? CT_OK : fail_code(err, CT_EINVAL);
}

static int model_init(void **self, const ct_env *env, ct_error *err) {
  *self = NULL;
  const ct_scenario *sc = env->sc;
  int erc = ct_scenario_check_values(sc, "flood", err);
  if (erc) return erc;
  const ct_grid *g = env->grid;
  ct__flood_model *m = calloc(1, sizeof *m);
  if (!m) return ct_error_set(err, CT_ENOMEM, "out of memory");
  m->env = env;
  m->nx = g->nx;
  m->ny = g->ny;
  int rc = CT_OK;
  ct_flood_params p;
  ct_flood_params_default(&p);
#define TRY(x)              \
  do {                      \
    if ((rc = (x))) goto fail; \
  } while (0)
  TRY(ct_scenario_double(sc, "flood", "theta", 0.7, &p.theta, err));
  /* 0.5, not Bates et al.'s 0.7: in deep, smooth tidal channels (the demo's
   * river, 6 m deep, n 0.025) 0.7 lets the local inertial scheme oscillate
   * (depth swinging 0-9 m within minutes at the mouth); 0.6 was the largest
   * value found stable there, 0.5 leaves a margin. */
  TRY(ct_scenario_double(sc, "flood", "alpha", 0.5, &p.alpha, err));
  TRY(ct_scenario_duration(sc, "flood", "max_dt", 10.0, &p.max_dt, err));
  TRY(ct_scenario_double(sc, "flood", "threshold", 0.1, &m->threshold, err));
  if (!(p.theta >= 0 && p.theta <= 1)) {
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "flood", "theta"),
                           CT_EINVAL, err, "expected a value in [0, 1], got %g",
                           p.theta);
    goto fail;
  }
  if (!(p.alpha > 0 && p.alpha <= 1)) {
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "flood", "alpha"),
                           CT_EINVAL, err, "expected a value in (0, 1], got %g",
                           p.alpha);
    goto fail;
  }
  /* The CFL condition sets the step; the cap only stops it growing. One
   * far below any stable step makes a run of hours take years. */
  if (!(p.max_dt >= MIN_MAX_DT)) {
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "flood", "max_dt"),
                           CT_EINVAL, err,
                           "expected a duration of at least %g s, got %g s",
                           MIN_MAX_DT, p.max_dt);
    goto fail;
  }
  if (!(m->threshold > 0)) {
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "flood", "threshold"),
                           CT_EINVAL, err, "expected a depth > 0 m, got %g",
                           m->threshold);
    goto fail;
  }

  /* The DEM must cover the domain: a hole would be a cell with no ground. */
  const char *dem_name = ct_scenario_string(sc, "flood", "dem", "dem");
  const float *dem = ct_layers_raster(env->layers, dem_name, err);
  if (!dem) {
    rc = fail_code(err, CT_ENOENT);
    const ct_entry *e = ct_scenario_entry(sc, "flood", "dem");
    if (e) rc = ct_error_prefix(err, "%s:%d: [flood] dem", sc->path, e->line);
    else rc = ct_error_prefix(err, "%s: [flood] needs a DEM layer (dem = "
                              "LAYER, default 'dem')", sc->path);
    goto fail;
  }
  /* the layer as messages name it: 'dem' (its file) */
  const ct_layer *dl = ct_layers_find(env->layers, dem_name);
  char dem_label[1200];
  snprintf(dem_label, sizeof dem_label, "%s' (%s", dem_name,
           dl && dl->spec && dl->spec->path ? dl->spec->path : "built in");
  {
    /* Depths, slopes and volumes all take the DEM as metres: a DEM in feet
     * or centimetres would give a wrong flood, not an error. */
    const ct_layer *L = dl;
    if (L && L->units && *L->units && !is_metres(L->units)) {
      rc = ct_error_set(err, CT_EINVAL,
                        "layer '%s': the DEM's units are '%s'; the flood "
                        "model needs ground elevations in metres (m): "
                        "convert the DEM (e.g. gdal_calc.py) or fix "
                        "[layer %s] units",
                        dem_name, L->units, dem_name);
      const ct_entry *e = ct_scenario_entry(sc, "flood", "dem");
      if (e) rc = ct_error_prefix(err, "%s:%d: [flood] dem", sc->path, e->line);
      goto fail;
    }
  }
  size_t n = ct_grid_ncells(g), holes = 0, first = 0, fills = 0, ffirst = 0;
  m->zmax = -INFINITY;
  for (size_t k = n; k-- > 0;) {
    if (!isfinite(dem[k])) {
      holes++;
      first = k;
    } else if (dem[k] <= DEM_FILL_BELOW) {
      fills++;
      ffirst = k;
    } else if (dem[k] > m->zmax) {
      m->zmax = dem[k];
    }
  }
  if (fills) {
    /* no ground lies 9 km down: a fill value the file does not declare,
     * which would drain the whole domain into a pit */
    int i = (int)(ffirst % (size_t)g->nx), j = (int)(ffirst / (size_t)g->nx);
    rc = ct_error_set(err, CT_EINVAL,
                      "layer '%s): %zu cell(s) lie %g m or lower, the first "
                      "%g m at cell (%d, %d) (x %.2f, y %.2f): a nodata value "
                      "the file does not declare? say so with nodata = ... in "
                      "its [layer] section",
                      dem_label, fills, DEM_FILL_BELOW, (double)dem[ffirst], i,
                      j, ct_grid_x(g, i), ct_grid_y(g, j));
    goto fail;
  }
  if (holes) {
    int i = (int)(first % (size_t)g->nx), j = (int)(first / (size_t)g->nx);
    rc = ct_error_set(err, CT_EINVAL,
                      "layer '%s): the DEM has no data at %zu cell(s) of the "
                      "domain, the first at cell (%d, %d) (x %.2f, y %.2f); "
                      "fill the holes or shrink the domain",
                      dem_label, holes, i, j, ct_grid_x(g, i), ct_grid_y(g, j));
    goto fail;
  }
  const char *lu = ct_scenario_string(sc, "flood", "landuse", NULL);
  if (lu) {
    rc = ct__flood_classes(env, lu, &m->cls, err);
    if (rc) {
      const ct_entry *e = ct_scenario_entry(sc, "flood", "landuse");
      rc = ct_error_prefix(err, "%s:%d: [flood] landuse", sc->path, e->line);
      goto fail;
    }
  }
  {
    /* manning.<class> must name a class. */
    const ct_section *s = ct_scenario_section(sc, "flood");
    for (int k = 0; s && k < s->n; k++)
      if (!strncmp(s->e[k].key, "manning.", 8)) {
        int ok = 0;
        for (int c = 0; c < CT__NCLASS; c++)
          ok |= !strcmp(s->e[k].key + 8, ct__flood_class_names[c]);
        if (!ok) {
          rc = ct_scenario_error(sc, &s->e[k], CT_EINVAL, err,
                                 "unknown land-use class; expected one of "
                                 "unknown, dense_urban, residential, "
                                 "industrial, green, water, road, bare");
          goto fail;
        }
      }
  }
  float *nman = NULL;
  double nuni = 0.03;
  TRY(init_manning(m, &nman, &nuni, err));
  rc = ct_flood_create(&m->sim, g, dem, nman, nuni, &p, err);
  free(nman);
  if (rc) goto fail;

  const ct_section *s = ct_scenario_section(sc, "flood");
  for (int k = 0; s && k < s->n; k++) {
    if (!strncmp(s->e[k].key, "boundary.", 9))
      TRY(init_boundary(m, &s->e[k], err));
    else if (!strncmp(s->e[k].key, "inflow.", 7))
      TRY(init_inflow(m, &s->e[k], err));
  }
  const ct_entry *el = ct_scenario_entry(sc, "flood", "initial_level");
  if (el && !strcmp(el->value, "tide")) {
    /* The river at the tide's level, the land behind its banks dry. */
    rc = ct_flood_fill_from_boundaries(m->sim, err);
    if (rc < 0) goto fail;
    if (rc == 0) {
      rc = ct_scenario_error(sc, el, CT_EINVAL, err,
                             "'tide' needs a boundary.EDGE = level ... whose "
                             "level at the start lies above some cell on "
                             "that edge");
      goto fail;
    }
    rc = CT_OK;
  } else if (el) {
    double lv;
    TRY(ct_scenario_double(sc, "flood", "initial_level", 0, &lv, err));
    TRY(check_level(m, el, "initial level", lv, err));
    TRY(ct_flood_set_level(m->sim, lv, err));
  }
  TRY(ct__flood_forcing_init(m, err));

  TRY(add_field(m, &m->f_depth, "flood.depth", "m", "water depth", err));
  TRY(add_field(m, &m->f_wse, "flood.wse", "m",
                "water surface elevation (bed where dry)", err));
  TRY(add_field(m, &m->f_speed, "flood.speed", "m s-1",
                "depth-averaged flow speed", err));
  TRY(add_field(m, &m->f_max, "flood.max_depth", "m",
                "maximum water depth so far", err));
  TRY(add_field(m, &m->f_tmax, "flood.time_of_max", "s",
                "time of the maximum depth since the start", err));
  TRY(add_field(m, &m->f_first, "flood.time_first_flood", "s",
                "first time the depth exceeded the flooding threshold", err));
  TRY(add_field(m, &m->f_hours, "flood.hours_above", "h",
                "time spent above the flooding threshold", err));
  m->seconds_above = calloc(n, sizeof(double));
  if (!m->seconds_above) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto fail;
  }
  for (size_t k = 0; k < n; k++) {
    m->f_tmax->data[k] = NAN;
    m->f_first->data[k] = NAN;
  }
  /* Initial water (initial_level): its depth is the maximum so far, at 0 s.
   * Water bodies are not floods in the flooded-area KPIs: the land-use
   * class water where there is a land-use layer (so land a higher tide puts
   * under water at the start still counts), else what starts wet. */
  ct_flood_depth(m->sim, m->f_max->data);
  m->wet0 = malloc(n);
  if (!m->wet0) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto fail;
  }
  for (size_t k = 0; k < n; k++) {
    if (m->f_max->data[k] > 0) m->f_tmax->data[k] = 0.0f;
    /* class 0 is also where the land-use raster has no data (the sea
     * beyond its edge): there, wet at the start is water too */
    int wet = m->f_max->data[k] > 0.01f;
    m->wet0[k] = m->cls ? m->cls[k] == LU_WATER || (m->cls[k] == 0 && wet)
                        : wet;
  }
  double dc = env->coupling > 0 ? env->coupling : 60.0;
  m->capbal = (int)ceil(env->duration / dc) + 4;
  if (m->capbal > 1000000) m->capbal = 1000000;
  m->bal = calloc((size_t)m->capbal * CT__BAL_N, sizeof(double));
  if (!m->bal) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto fail;
  }
  *self = m;
  return CT_OK;
fail:
  model_destroy(m);
  return rc;
#undef TRY
}

static double model_max_dt(void *self) {
  ct__flood_model *m = self;
  return ct_flood_max_dt(m->sim);
}

/* Per-cell flood statistics after a step ending at t (OpenMP over rows; each
 * cell on its own, so the thread count does not matter). */
static void update_stats(ct__flood_model *m, double t, double dt) {
  const ct_flood *f = m->sim;
  const float thr = (float)m->threshold;
  float *mx = m->f_max->data, *tm = m->f_tmax->data, *fi = m->f_first->data;
  double *sec = m->seconds_above;
  const int nx = m->nx;
#pragma omp parallel for schedule(static) if (CT__FLOOD_PAR(m->sim))
  for (int j = 0; j < m->ny; j++) {
    for (int i = 0; i < nx; i++) {
      size_t k = FI(f->w, i, j), c = (size_t)j * (size_t)nx + (size_t)i;
      float h = f->eta[k] - f->z[k];
      if (h > mx[c]) {
        mx[c] = h;
        tm[c] = (float)t;
      }
      if (h > thr) {
        sec[c] += dt;
        if (isnan(fi[c])) fi[c] = (float)t;
      }
    }
  }
}

static int model_step(void *self, double t, double dt, ct_error *err) {
  ct__flood_model *m = self;
  int rc = ct__flood_forcing_update(m, t, dt, err);
  if (!rc) rc = ct_flood_step(m->sim, t, dt, err);
  if (rc) return rc;
  update_stats(m, t + dt, dt);
  m->nsteps++;
  return CT_OK;
}

static void balance_row(const ct__flood_model *m, double t, double *row) {
  ct_flood_balance b;
  ct_flood_get_balance(m->sim, &b);
  row[BAL_T] = t;
  row[BAL_RAIN] = b.rain;
  row[BAL_INFLOW] = b.inflow;
  row[BAL_INFIL] = b.infiltrated;
  row[BAL_DRAIN] = b.drained;
  row[BAL_OUTFALL] = b.outfall;
  row[BAL_BIN] = row[BAL_BOUT] = 0;
  for (int e = 0; e < 4; e++) {
    row[BAL_BIN] += b.boundary_in[e];
    row[BAL_BOUT] += b.boundary_out[e];
  }
  row[BAL_STORAGE] = b.storage;
  row[BAL_ERROR] = b.error;
}

static int model_exchange(void *self, ct_fields *fields, double t,
                          ct_error *err) {
  ct__flood_model *m = self;
  (void)fields;
  ct_flood_depth(m->sim, m->f_depth->data);
  m->f_depth->t_updated = t;
  /* The balance series: one row per coupling time (a repeated time, as at
   * the end of the run, replaces the row). */
  if (m->nbal > 0 && m->bal[(size_t)(m->nbal - 1) * CT__BAL_N] >= t)
    m->nbal--;
  if (m->nbal < m->capbal) {
    balance_row(m, t, m->bal + (size_t)m->nbal * CT__BAL_N);
    m->nbal++;
  }
  (void)err;
  return CT_OK;
}

static int model_write(void *self, double t, struct ct_snapshot *snap,
                       ct_error *err) {
  ct__flood_model *m = self;
  ct_flood_depth(m->sim, m->f_depth->data);
  ct_flood_wse(m->sim, m->f_wse->data);
  ct_flood_speed(m->sim, m->f_speed->data);
  size_t n = ct_grid_ncells(m->env->grid);
  for (size_t k = 0; k < n; k++)
    m->f_hours->data[k] = (float)(m->seconds_above[k] / 3600.0);
  ct_field *all[7] = {m->f_depth, m->f_wse, m->f_speed, m->f_max,
                      m->f_tmax, m->f_first, m->f_hours};
  for (int k = 0; k < 7; k++) all[k]->t_updated = t;
  if (!snap) return CT_OK;
  double row[CT__BAL_N];
  balance_row(m, t, row);
  float v[CT__BAL_N - 1];
  for (int k = 1; k < CT__BAL_N; k++) v[k - 1] = (float)row[k];
  return ct_snapshot_write_row(
      snap, "flood_balance", "volume", "m3",
      "flood volume balance since the start: rain, inflow, infiltrated, "
      "drained, outfall, boundary_in, boundary_out, storage, error",
      CT__BAL_N - 1, v, err);
}

static int model_summary(void *self, ct_json *j, ct_error *err) {
  ct__flood_model *m = self;
  ct_flood_balance b;
  ct_flood_get_balance(m->sim, &b);
  double bin = 0, bout = 0;
  for (int e = 0; e < 4; e++) {
    bin += b.boundary_in[e];
    bout += b.boundary_out[e];
  }
  ct_json_object(j, "volumes_m3");
  ct_json_number(j, "rain", b.rain);
  ct_json_number(j, "inflow", b.inflow);
  ct_json_number(j, "boundary_in", bin);
  ct_json_number(j, "infiltrated", b.infiltrated);
  ct_json_number(j, "drained", b.drained);
  ct_json_number(j, "outfall", b.outfall);
  ct_json_number(j, "outflow", bout);
  ct_json_number(j, "storage_start", b.storage0);
  ct_json_number(j, "storage_end", b.storage);
  ct_json_number(j, "error", b.error);
  ct_json_end(j);
  static const char *const edges[4] = {"north", "south", "east", "west"};
  ct_json_object(j, "outflow_m3");
  for (int e = 0; e < 4; e++) ct_json_number(j, edges[e], b.boundary_out[e]);
  ct_json_end(j);
  ct_json_number(j, "volume_error_rel", b.error_rel);
  size_t n = ct_grid_ncells(m->env->grid);
  double a1 = 0, a3 = 0, hmax = 0, e1 = 0, e3 = 0, cell = m->env->grid->dx;
  cell *= cell;
  for (size_t k = 0; k < n; k++) { /* land flooded, not water bodies */
    double h = m->wet0[k] ? 0.0 : m->f_max->data[k];
    if (h > 0.1) a1 += cell;
    if (h > 0.3) a3 += cell;
    if (h > hmax) hmax = h;
  }
  float *d = m->f_depth->data;
  ct_flood_depth(m->sim, d);
  for (size_t k = 0; k < n; k++) {
    if (m->wet0[k]) continue;
    if (d[k] > 0.1) e1 += cell;
    if (d[k] > 0.3) e3 += cell;
  }
  /* By the maximum depth of the run, on land (not water bodies). */
  ct_json_object(j, "flooded_area_m2");
  ct_json_number(j, "0.1", a1);
  ct_json_number(j, "0.3", a3);
  ct_json_end(j);
  ct_json_object(j, "flooded_area_end_m2");
  ct_json_number(j, "0.1", e1);
  ct_json_number(j, "0.3", e3);
  ct_json_end(j);
  ct_json_number(j, "max_depth_m", hmax); /* on land */
  ct_json_number(j, "threshold_m", m->threshold);
  ct_json_int(j, "steps", m->nsteps);
  ct_json_array(j, "balance");
  static const char *const cols[CT__BAL_N] = {
      "t_s",     "rain",        "inflow",       "infiltrated", "drained",
      "outfall", "boundary_in", "boundary_out", "storage",     "error"};
  for (int r = 0; r < m->nbal; r++) {
    ct_json_object(j, NULL);
    for (int c = 0; c < CT__BAL_N; c++)
      ct_json_number(j, cols[c], m->bal[(size_t)r * CT__BAL_N + (size_t)c]);
    ct_json_end(j);
  }
  ct_json_end(j);
  if (j->oom) return ct_error_set(err, CT_ENOMEM, "out of memory");
  return CT_OK;
}

static void model_destroy(void *self) {
  ct__flood_model *m = self;
  if (!m) return;
  ct_flood_destroy(m->sim);
  ct__flood_forcing_free(m);
  free(m->seconds_above);
  free(m->wet0);
  free(m->bal);
  free(m);
}

const ct_model_class ct_flood_model = {
    "flood",          flood_keys,    model_init,    model_max_dt,
    model_step,       model_exchange, model_write,  ct__flood_model_state,
    model_summary,
    model_destroy};
