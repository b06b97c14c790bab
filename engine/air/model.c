/* model.c - the air model in a scenario run ([air] section): reads its keys,
 * builds the air grid (optionally coarser by an integer factor), loads the
 * meteorology (constant, CSV series, wind rasters or a forecast stack of
 * them), the sources (stacks layer, area rasters, traffic emissions from the
 * field registry, through the road kernels), and publishes ground-level
 * concentrations, hourly means, run maxima, hours above a threshold,
 * receptor series and the mass balance. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "air_model.h"
#include "citytwin/snapshot.h"

static const char *const keys[] = {
    "species",      "wind_speed",  "wind_dir",    "wind_height",
    "stability",    "obukhov_length", "mixing_height", "roughness",
    "sigma_theta",  "terrain",     "met",         "wind.u",
    "wind.v",       "stacks",      "area.*",      "background.*",
    "threshold.*",  "receptors",   "levels",      "top",
    "first_level",  "coarsen",     "kernel",      "wind",
    "emissions.scale", "line_kernel", "wind.interval", "wind.crs", NULL};

typedef ct__air_model air_model;

static void destroy(void *self) {
  air_model *m = self;
  if (!m) return;
  ct_air_free(m->a);
  for (int s = 0; s < CT_AIR_MAXSPEC; s++) {
    free(m->area[s]);
    free(m->hour_acc[s]);
  }
  free(m->rows);
  free(m->wu);
  free(m->wv);
  ct__air_wind_stack_free(&m->ws);
  free(m->rx);
  free(m->ry);
  free(m->rval);
  free(m);
}

/* Averages a fine raster onto the coarse grid (NaN cells skipped). */
void ct__air_coarsen(const air_model *m, const float *fine, float *out) {
  int c = m->coarsen, nx = m->a->nx, ny = m->a->ny;
  for (int J = 0; J < ny; J++)
    for (int I = 0; I < nx; I++) {
      double s = 0;
      int n = 0;
      for (int j = J * c; j < (J + 1) * c && j < m->fny; j++)
        for (int i = I * c; i < (I + 1) * c && i < m->fnx; i++) {
          float v = fine[(size_t)j * m->fnx + i];
          if (v == v) { s += v; n++; }
        }
      out[(size_t)J * nx + I] = n ? (float)(s / n) : NAN;
    }
}

/* The met at time t: the series (linear in speed, the wind vector,
 * mixing height, 1/L; the class of the row in force) or the constant. */
int ct__air_met_at(air_model *m, double t, ct_error *err) {
  ct_air_met x = m->met;
  m->t_met = t;
  if (m->nrows > 0) {
    const ct_air_metrow *r = m->rows;
    int n = m->nrows, k = 0;
    while (k + 1 < n && r[k + 1].t <= t) k++;
    const ct_air_metrow *a = &r[k], *b = &r[k + 1 < n ? k + 1 : k];
    double w = (b->t > a->t && t > a->t) ? fmin((t - a->t) / (b->t - a->t), 1.0)
                                         : 0.0;
    if (t < r[0].t) w = 0.0;
    double ta = a->dir * M_PI / 180.0, tb = b->dir * M_PI / 180.0;
    double ue = (1 - w) * a->speed * sin(ta) + w * b->speed * sin(tb);
    double vn = (1 - w) * a->speed * cos(ta) + w * b->speed * cos(tb);
    x.speed = (1 - w) * a->speed + w * b->speed;
    x.dir = fmod(atan2(ue, vn) * 180.0 / M_PI + 360.0, 360.0);
    x.mixing_height = (1 - w) * a->mixing_height + w * b->mixing_height;
    x.sigma_theta = a->sigma_theta;
    if (a->cls >= 0) {
      x.cls = a->cls;
    } else {
      double ia = a->obukhov != 0 ? 1.0 / a->obukhov : 0.0;
      double ib = b->obukhov != 0 ? 1.0 / b->obukhov : 0.0;
      double inv = (1 - w) * ia + w * ib;
      x.cls = -1;
      x.obukhov = inv != 0 ? 1.0 / inv : 0.0;
    }
  }
  if (m->ws.n > 0) ct__air_wind_stack_at(m, t);
  x.u = m->wu;
  x.v = m->wv;
  return ct_air_set_met(m->a, &x, err);
}

/* Ground-level concentration of species s on the fine grid into out:
 * the air grid's first level, the near-source kernel at the fine cell
 * centres, and the background. */
static void ground_fine(const air_model *m, int s, float *out) {
  const ct_air *a = m->a;
  const ct_grid *g = m->env->grid;
  const float *c = a->c[s];
  int cf = m->coarsen;
  float bg = (float)m->background[s];
#pragma omp parallel for schedule(static)
  for (int j = 0; j < m->fny; j++)
    for (int i = 0; i < m->fnx; i++)
      out[(size_t)j * m->fnx + i] = c[(size_t)(j / cf) * a->nx + i / cf] + bg;
  if (a->cfg.plume_in_grid && a->nstack > 0)
    ct__air_kernel_add(a, s, g->gt[0], g->gt[3], g->dx, m->fnx, m->fny,
                       a->zc[0], out);
  ct__air_line_add(a, s, g->gt[0], g->gt[3], g->dx, m->fnx, m->fny, a->zc[0],
                   out);
}

/* Accumulates the interval since the last sample (the state at its end
 * stands for it): hourly means, maxima, hours above the threshold. */
static void sample(air_model *m, double t) {
  double dt = t - m->t_last;
  for (int s = 0; s < m->ns; s++) {
    ground_fine(m, s, m->f_now[s]->data);
    const float *v = m->f_now[s]->data;
    float *mx = m->f_max[s]->data;
    for (size_t k = 0; k < m->fnxy; k++)
      if (v[k] > mx[k]) mx[k] = v[k];
  }
  if (!m->sampled)
    /* the first instant: the mean of the last hour is the value now */
    for (int s = 0; s < m->ns; s++)
      memcpy(m->f_hour[s]->data, m->f_now[s]->data,
             m->fnxy * sizeof(float));
  if (dt > 0) {
    long hour = (long)floor((t - 1e-6) / 3600.0);
    if (m->sampled && hour != m->hour_no && m->hour_len > 0) {
      /* an hour completed: publish its mean, start the next */
      for (int s = 0; s < m->ns; s++) {
        for (size_t k = 0; k < m->fnxy; k++) {
          m->f_hour[s]->data[k] = (float)(m->hour_acc[s][k] / m->hour_len);
          m->hour_acc[s][k] = 0.0;
        }
      }
      m->hour_len = 0.0;
    }
    m->hour_no = hour;
    for (int s = 0; s < m->ns; s++) {
      const float *v = m->f_now[s]->data;
      float *ab = m->f_above[s] ? m->f_above[s]->data : NULL;
      double *acc = m->hour_acc[s];
      float thr = (float)m->threshold[s];
      for (size_t k = 0; k < m->fnxy; k++) {
        acc[k] += v[k] * dt;
        if (ab && v[k] > thr) ab[k] += (float)(dt / 3600.0);
      }
    }
    m->hour_len += dt;
    if (m->hour_len > 0 && m->hour_no == 0)
      /* the first hour: its running mean until it completes */
      for (int s = 0; s < m->ns; s++)
        for (size_t k = 0; k < m->fnxy; k++)
          m->f_hour[s]->data[k] = (float)(m->hour_acc[s][k] / m->hour_len);
  }
  m->sampled = 1;
  m->t_last = t;
  for (int s = 0; s < m->ns; s++) {
    m->f_now[s]->t_updated = t;
    m->f_hour[s]->t_updated = t;
    m->f_max[s]->t_updated = t;
    if (m->f_above[s]) m->f_above[s]->t_updated = t;
  }
}

static int load_species(air_model *m, ct_air_config *c, const ct_scenario *sc,
                        ct_error *err) {
  const char *list = ct_scenario_string(sc, "air", "species", "pm25 nox");
  const ct_entry *e = ct_scenario_entry(sc, "air", "species");
  char buf[512];
  snprintf(buf, sizeof buf, "%s", list);
  c->nspecies = 0;
  char *save = NULL;
  for (char *tok = strtok_r(buf, " \t,", &save); tok;
       tok = strtok_r(NULL, " \t,", &save)) {
    const ct_air_species *sp = ct_air_species_find(tok);
    if (!sp || c->nspecies == CT_AIR_MAXSPEC) {
      char known[256] = "";
      for (int k = 0; k < ct_air_species_count(); k++) {
        strcat(known, k ? ", " : "");
        strcat(known, ct_air_species_at(k)->name);
      }
      return ct_scenario_error(sc, e, CT_EINVAL, err, "unknown species '%s' "
                               "(known: %s)", tok, known);
    }
    for (int k = 0; k < c->nspecies; k++)
      if (!strcmp(c->species[k].name, tok))
        return ct_scenario_error(sc, e, CT_EINVAL, err, "species '%s' twice",
                                 tok);
    c->species[c->nspecies++] = *sp;
  }
  if (c->nspecies == 0)
    return ct_scenario_error(sc, e, CT_EINVAL, err, "no species");
  m->ns = c->nspecies;
  return CT_OK;
}

/* background.X, threshold.X and area.X are read per species of the run, so
 * one naming anything else (a typo, pm2.5, a species not in `species`)
 * would be silently unused; area.X must also be a raster layer. */
static int check_species_keys(const air_model *m, const ct_scenario *sc,
                              const ct_air_config *c, ct_error *err) {
  static const char *const families[] = {"background.", "threshold.", "area.",
                                         NULL};
  const ct_section *s = ct_scenario_section(sc, "air");
  char list[256] = "";
  for (int k = 0; k < c->nspecies; k++) {
    strcat(list, k ? ", " : "");
    strcat(list, c->species[k].name);
  }
  for (int k = 0; s && k < s->n; k++) {
    const ct_entry *e = &s->e[k];
    const char *sub = NULL;
    for (int f = 0; families[f] && !sub; f++)
      if (!strncmp(e->key, families[f], strlen(families[f])))
        sub = e->key + strlen(families[f]);
    if (!sub) continue;
    int found = 0, best = -1, bd = 2; /* suggest at one edit: pm2.5 */
    for (int q = 0; q < c->nspecies && !found; q++) {
      int d = ct_edit_distance(sub, c->species[q].name);
      found = d == 0;
      if (d < bd) {
        bd = d;
        best = q;
      }
    }
    if (!found) {
      char hint[96] = "";
      if (best >= 0)
        snprintf(hint, sizeof hint, "; did you mean %.*s%s?",
                 (int)(sub - e->key), e->key, c->species[best].name);
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "'%s' is not a species of this run (species: "
                               "%s)%s",
                               sub, list, hint);
    }
    if (!strncmp(e->key, "area.", 5)) {
      const ct_layer *L = ct_layers_find(m->env->layers, e->value);
      if (!L)
        return ct_scenario_error(sc, e, CT_ENOENT, err,
                                 "no layer '%s' in [layers] (area emissions: "
                                 "a raster layer of g s-1 m-2)",
                                 e->value);
      if (L->is_vector)
        return ct_scenario_error(sc, e, CT_EINVAL, err,
                                 "layer '%s' is a vector layer; area "
                                 "emissions need a raster layer of g s-1 m-2",
                                 e->value);
    }
  }
  return CT_OK;
}

static int load_stacks(air_model *m, const ct_scenario *sc, ct_error *err) {
  const char *name = ct_scenario_string(sc, "air", "stacks", NULL);
  if (!name) return CT_OK;
  const ct_vector *v = ct_layers_vector(m->env->layers, name, err);
  if (!v) return err && err->code ? err->code : CT_ENOENT;
  if (ct_vector_field(v, "height") < 0) {
    char cols[512] = "";
    for (int k = 0; k < v->nfields; k++) {
      size_t L = strlen(cols);
      snprintf(cols + L, sizeof cols - L, "%s%s", k ? ", " : "", v->fields[k]);
    }
    return ct_error_set(err, CT_EINVAL, "layer '%s' (%s): no column "
                        "'height' (the stack height, m); its columns: %s",
                        name, v->path, v->nfields ? cols : "none");
  }
  for (int f = 0; f < v->nfeat; f++) {
    const ct_feature *ft = &v->feat[f];
    if (ft->type != CT_GEOM_POINT || ft->npts < 1)
      return ct_error_set(err, CT_EINVAL, "layer '%s' (%s): feature %lld: "
                          "stacks must be points", name, v->path, ft->fid);
    const char *hs = ct_feature_attr(v, ft, "height");
    double h;
    if (!hs)
      return ct_error_set(err, CT_EINVAL, "layer '%s' (%s): feature %lld: "
                          "no value in the column 'height': expected the "
                          "stack height, a number >= 0 (m)", name, v->path,
                          ft->fid);
    if (ct_parse_double(hs, &h) || h < 0)
      return ct_error_set(err, CT_EINVAL, "layer '%s' (%s): feature %lld: "
                          "height '%s': expected a number >= 0 (m)", name,
                          v->path, ft->fid, hs);
    double rate[CT_AIR_MAXSPEC] = {0};
    for (int s = 0; s < m->ns; s++) {
      char col[64];
      snprintf(col, sizeof col, "%s_gps", m->a->cfg.species[s].name);
      const char *rs = ct_feature_attr(v, ft, col);
      if (!rs) continue;
      if (ct_parse_double(rs, &rate[s]) || !(rate[s] >= 0))
        return ct_error_set(err, CT_EINVAL, "layer '%s' (%s): feature %lld: "
                            "%s = '%s': the rate must be a number >= 0 (g/s)",
                            name, v->path, ft->fid, col, rs);
    }
    for (int s = 0; s < m->ns; s++) rate[s] *= m->escale;
    int rc = ct_air_add_stack(m->a, ft->xy[0], ft->xy[1], h, rate, err);
    if (rc < 0)
      return ct_error_prefix(err, "layer '%s' (%s): feature %lld", name,
                             v->path, ft->fid);
  }
  return CT_OK;
}

static int load_receptors(air_model *m, const ct_scenario *sc, ct_error *err) {
  const char *name = ct_scenario_string(sc, "air", "receptors", NULL);
  if (!name) return CT_OK;
  const ct_vector *v = ct_layers_vector(m->env->layers, name, err);
  if (!v) return err && err->code ? err->code : CT_ENOENT;
  m->rx = malloc((size_t)(v->nfeat + 1) * sizeof(double));
  m->ry = malloc((size_t)(v->nfeat + 1) * sizeof(double));
  m->rval = malloc((size_t)(v->nfeat + 1) * sizeof(float));
  if (!m->rx || !m->ry || !m->rval)
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  for (int f = 0; f < v->nfeat; f++) {
    const ct_feature *ft = &v->feat[f];
    int i, j;
    if (ft->type != CT_GEOM_POINT || ft->npts < 1 ||
        ct_grid_locate(m->env->grid, ft->xy[0], ft->xy[1], &i, &j))
      return ct_error_set(err, CT_EINVAL, "layer '%s' (%s): feature %lld: a "
                          "receptor must be a point inside the domain", name,
                          v->path, ft->fid);
    m->rx[m->nrec] = ft->xy[0];
    m->ry[m->nrec++] = ft->xy[1];
  }
  return CT_OK;
}

static int init(void **self, const ct_env *env, ct_error *err) {
  *self = NULL;
  const ct_scenario *sc = env->sc;
  int rc = ct_scenario_check_keys(sc, "air", keys, err);
  if (!rc) rc = ct_scenario_check_values(sc, "air", err);
  if (rc) return rc;
  air_model *m = calloc(1, sizeof *m);
  if (!m) return ct_error_set(err, CT_ENOMEM, "out of memory");
  m->env = env;
  ct_air_config c;
  ct_air_config_default(&c);
  double top, dz0, h, z0, sth;
  int levels, terrain = 0, kernel = 0, lkernel = 0, cls = 3;
  static const char *const terrains[] = {"urban", "rural", NULL};
  static const char *const onoff[] = {"on", "off", NULL};
  static const char *const classes[] = {"A", "B", "C", "D", "E", "F", NULL};
  ct_air_met_default(&m->met);
  if ((rc = load_species(m, &c, sc, err)) ||
      (rc = ct_scenario_int(sc, "air", "coarsen", 1, &m->coarsen, err)) ||
      (rc = ct_scenario_double(sc, "air", "emissions.scale", 1.0, &m->escale,
                               err)) ||
      (rc = ct_scenario_int(sc, "air", "levels", 12, &levels, err)) ||
      (rc = ct_scenario_double(sc, "air", "mixing_height", 1000.0, &h, err)) ||
      (rc = ct_scenario_double(sc, "air", "top", h, &top, err)) ||
      (rc = ct_scenario_double(sc, "air", "first_level", 4.0, &dz0, err)) ||
      (rc = ct_scenario_choice(sc, "air", "terrain", terrains, 0, &terrain,
                               err)) ||
      (rc = ct_scenario_choice(sc, "air", "kernel", onoff, 0, &kernel, err)) ||
      (rc = ct_scenario_choice(sc, "air", "line_kernel", onoff, 0, &lkernel,
                               err)) ||
      (rc = ct_scenario_double(sc, "air", "roughness", terrain ? 0.1 : 1.0,
                               &z0, err)) ||
      (rc = ct_scenario_double(sc, "air", "wind_speed", 2.0, &m->met.speed,
                               err)) ||
      (rc = ct_scenario_double(sc, "air", "wind_dir", 270.0, &m->met.dir,
                               err)) ||
      (rc = ct_scenario_double(sc, "air", "wind_height", 10.0, &m->met.zref,
                               err)) ||
      (rc = ct_scenario_double(sc, "air", "sigma_theta", 0.0, &sth, err)) ||
      (rc = ct_scenario_choice(sc, "air", "stability", classes, 3, &cls,
                               err)))
    goto fail;
  const ct_entry *e;
  if (!(m->escale >= 0)) {
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "air", "emissions.scale"),
                           CT_EINVAL, err, "expected a factor >= 0");
    goto fail;
  }
  if (m->coarsen < 1 || m->coarsen > 64) {
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "air", "coarsen"),
                           CT_EINVAL, err, "expected an integer 1..64");
    goto fail;
  }
  if (levels < 2 || levels > 100 || !(top > 0) || !(dz0 > 0) || dz0 >= top) {
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "air", "levels"),
                           CT_EINVAL, err, "levels %d (2..100), first_level "
                           "%g m and top %g m (first_level < top) out of "
                           "range", levels, dz0, top);
    goto fail;
  }
  {
    /* Each out-of-range value named by its own key and line. */
    const struct {
      const char *key, *want;
      double v;
      int ok;
    } r[] = {
        {"mixing_height", "> 0 m", h, h > 0},
        {"wind_speed", ">= 0 m/s", m->met.speed, m->met.speed >= 0},
        {"wind_dir", "a bearing in 0..360 degrees", m->met.dir,
         m->met.dir >= 0 && m->met.dir <= 360},
        {"wind_height", "> 0 m", m->met.zref, m->met.zref > 0},
        {"roughness", "> 0 m", z0, z0 > 0},
        {"sigma_theta", "in 0..90 degrees", sth, sth >= 0 && sth <= 90},
    };
    for (size_t k = 0; k < sizeof r / sizeof *r; k++)
      if (!r[k].ok) {
        rc = ct_scenario_error(sc, ct_scenario_entry(sc, "air", r[k].key),
                               CT_EINVAL, err, "expected %s, got %g",
                               r[k].want, r[k].v);
        if (!ct_scenario_entry(sc, "air", r[k].key))
          rc = ct_error_prefix(err, "[air] %s", r[k].key);
        goto fail;
      }
  }
  m->met.mixing_height = h;
  m->met.z0 = z0;
  m->met.sigma_theta = sth;
  m->met.cls = cls;
  if ((e = ct_scenario_entry(sc, "air", "obukhov_length"))) {
    if (ct_scenario_entry(sc, "air", "stability")) {
      rc = ct_scenario_error(sc, e, CT_EINVAL, err, "give stability or "
                             "obukhov_length, not both");
      goto fail;
    }
    if ((rc = ct_scenario_double(sc, "air", "obukhov_length", 0.0,
                                 &m->met.obukhov, err)))
      goto fail;
    m->met.cls = -1;
  }
  /* the air grid: the domain grid, coarser by an integer factor */
  const ct_grid *g = env->grid;
  m->fnx = g->nx;
  m->fny = g->ny;
  m->fnxy = ct_grid_ncells(g);
  c.nx = (g->nx + m->coarsen - 1) / m->coarsen;
  c.ny = (g->ny + m->coarsen - 1) / m->coarsen;
  c.dx = g->dx * m->coarsen;
  c.xmin = g->gt[0];
  c.ymax = g->gt[3];
  c.nz = levels;
  c.top = top;
  c.dz0 = dz0;
  c.urban = terrain == 0;
  c.plume_in_grid = kernel == 0;
  m->line_kernel = lkernel == 0;
  if ((rc = ct_air_create(&m->a, &c, err))) goto fail;

  /* meteorology: a series, wind rasters, or constants */
  /* "wind = met.csv" is the spelling of INTERFACE.md's example */
  const char *metkey = ct_scenario_entry(sc, "air", "met") ? "met" : "wind";
  const char *met = ct_scenario_string(sc, "air", metkey, NULL);
  if (ct_scenario_entry(sc, "air", "met") &&
      ct_scenario_entry(sc, "air", "wind")) {
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "air", "wind"),
                           CT_EINVAL, err, "give met or wind (the same), not "
                           "both");
    goto fail;
  }
  if (met) {
    char *path = ct_scenario_resolve(sc, met);
    rc = path ? ct_air_met_read(path, env->start_unix, &m->rows, &m->nrows, err)
              : ct_error_set(err, CT_ENOMEM, "out of memory");
    free(path);
    if (rc) {
      ct_error_prefix(err, "%s:%d: [air] %s", sc->path,
                      ct_scenario_entry(sc, "air", metkey)->line, metkey);
      goto fail;
    }
    if (m->rows[0].t > 0 || m->rows[m->nrows - 1].t < env->duration)
      ct_warn(env, "[air] met: the series covers %g..%g s of the run's "
              "0..%g s; held constant outside", m->rows[0].t,
              m->rows[m->nrows - 1].t, env->duration);
  }
  const char *lu = ct_scenario_string(sc, "air", "wind.u", NULL);
  const char *lv = ct_scenario_string(sc, "air", "wind.v", NULL);
  if (!lu != !lv) {
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "air", lu ? "wind.u" : "wind.v"),
                           CT_EINVAL, err, "give both wind.u and wind.v");
    goto fail;
  }
  const char *stack_only[2] = {"wind.interval", "wind.crs"};
  for (int k = 0; k < 2; k++)
    if ((e = ct_scenario_entry(sc, "air", stack_only[k])) &&
        !(lu && !strncmp(lu, "stack:", 6))) {
      rc = ct_scenario_error(sc, e, CT_EINVAL, err, "only for a forecast "
                             "stack: wind.u = stack:FILE ..., wind.v = "
                             "stack:FILE ...");
      goto fail;
    }
  if (lu && (!strncmp(lu, "stack:", 6) || !strncmp(lv, "stack:", 6))) {
    if ((rc = ct__air_wind_stack_read(m, err))) goto fail;
  } else if (lu) {
    const float *fu = ct_layers_raster(env->layers, lu, err);
    const float *fv = fu ? ct_layers_raster(env->layers, lv, err) : NULL;
    if (!fu || !fv) { rc = err && err->code ? err->code : CT_ENOENT; goto fail; }
    m->wu = malloc(m->a->nxy * sizeof(float));
    m->wv = malloc(m->a->nxy * sizeof(float));
    if (!m->wu || !m->wv) { rc = ct_error_set(err, CT_ENOMEM, "out of memory"); goto fail; }
    ct__air_coarsen(m, fu, m->wu);
    ct__air_coarsen(m, fv, m->wv);
    for (size_t k = 0; k < m->a->nxy; k++)
      if (!(m->wu[k] == m->wu[k]) || !(m->wv[k] == m->wv[k])) {
        rc = ct_error_set(err, CT_EINVAL, "layers '%s'/'%s': no wind data at "
                          "air cell %zu", lu, lv, k);
        goto fail;
      }
  }
  if ((rc = ct__air_met_at(m, 0.0, err))) {
    ct_error_prefix(err, "%s: [air]", sc->path);
    goto fail;
  }

  /* sources and receptors */
  if ((rc = check_species_keys(m, sc, &c, err)) ||
      (rc = load_stacks(m, sc, err)) || (rc = load_receptors(m, sc, err)))
    goto fail;
  for (int s = 0; s < m->ns; s++) {
    const char *spn = c.species[s].name;
    char key[64];
    snprintf(key, sizeof key, "background.%s", spn);
    if ((rc = ct_scenario_double(sc, "air", key, 0.0, &m->background[s], err)))
      goto fail;
    if (!(m->background[s] >= 0)) {
      rc = ct_scenario_error(sc, ct_scenario_entry(sc, "air", key), CT_EINVAL,
                             err, "expected a concentration >= 0 (ug/m3)");
      goto fail;
    }
    snprintf(key, sizeof key, "threshold.%s", spn);
    /* WHO (2021) 24-hour PM2.5 guideline: 15 ug/m3 */
    double def = strcmp(spn, "pm25") == 0 ? 15.0 : -1.0;
    if ((rc = ct_scenario_double(sc, "air", key, def, &m->threshold[s], err)))
      goto fail;
    snprintf(key, sizeof key, "area.%s", spn);
    const char *al = ct_scenario_string(sc, "air", key, NULL);
    if (al) {
      const float *fa = ct_layers_raster(env->layers, al, err);
      if (!fa) { rc = err && err->code ? err->code : CT_ENOENT; goto fail; }
      m->area[s] = calloc(m->a->nxy, sizeof(float));
      if (!m->area[s]) { rc = ct_error_set(err, CT_ENOMEM, "out of memory"); goto fail; }
      double cell = g->dx * g->dx;
      for (int j = 0; j < m->fny; j++)
        for (int i = 0; i < m->fnx; i++) {
          float v = fa[(size_t)j * m->fnx + i];
          if (!(v == v)) continue;
          if (v < 0) {
            rc = ct_error_set(err, CT_EINVAL, "layer '%s': negative emission "
                              "%g g/s/m2 at cell (%d, %d) (%s)", al, v, i, j,
                              key);
            goto fail;
          }
          m->area[s][(size_t)(j / m->coarsen) * m->a->nx + i / m->coarsen] +=
              (float)(v * cell);
        }
    }
  }
  /* traffic (published by the traffic model's init, before ours) goes
   * through the road kernels */
  for (int s = 0; s < m->ns && m->line_kernel; s++) {
    char name[64];
    snprintf(name, sizeof name, "traffic.emission.%s", c.species[s].name);
    if (ct_fields_find(env->fields, name)) {
      if ((rc = ct__air_line_enable(m->a, err))) goto fail;
      break;
    }
  }
  /* published fields */
  for (int s = 0; s < m->ns; s++) {
    const ct_air_species *sp = &c.species[s];
    char name[64], ln[160];
    if (!(m->f_now[s] = ct_fields_add(env->fields, sp->field, "ug m-3",
                                      sp->long_name, 0, err)))
      { rc = err->code; goto fail; }
    snprintf(name, sizeof name, "%s_hourly", sp->field);
    snprintf(ln, sizeof ln, "%s, mean of the last hour", sp->long_name);
    if (!(m->f_hour[s] = ct_fields_add(env->fields, name, "ug m-3", ln, 0, err)))
      { rc = err->code; goto fail; }
    snprintf(name, sizeof name, "%s_max", sp->field);
    snprintf(ln, sizeof ln, "%s, maximum so far", sp->long_name);
    if (!(m->f_max[s] = ct_fields_add(env->fields, name, "ug m-3", ln, 0, err)))
      { rc = err->code; goto fail; }
    if (m->threshold[s] >= 0) {
      snprintf(name, sizeof name, "%s_hours_above", sp->field);
      snprintf(ln, sizeof ln, "hours above %g ug m-3 (%s)", m->threshold[s],
               sp->name);
      if (!(m->f_above[s] = ct_fields_add(env->fields, name, "h", ln, 0, err)))
        { rc = err->code; goto fail; }
    }
    m->hour_acc[s] = calloc(m->fnxy, sizeof(double));
    if (!m->hour_acc[s]) { rc = ct_error_set(err, CT_ENOMEM, "out of memory"); goto fail; }
  }
  *self = m;
  return CT_OK;
fail:
  destroy(m);
  return rc ? rc : CT_EINTERNAL;
}

static double max_dt(void *self) { return ct_air_max_dt(((air_model *)self)->a); }

static int step(void *self, double t, double dt, ct_error *err) {
  (void)t;
  return ct_air_step(((air_model *)self)->a, dt, err);
}

static int exchange(void *self, ct_fields *fields, double t, ct_error *err) {
  air_model *m = self;
  sample(m, t);
  int rc = ct__air_met_at(m, t, err);
  if (rc) return ct_error_prefix(err, "air at t = %.0f s", t);
  /* emissions for the next interval: areas plus traffic [g/s per cell] */
  for (int s = 0; s < m->ns; s++) {
    float *e = m->a->emis[s];
    float *road = ct__air_line_emission(m->a, s);
    if (m->area[s]) memcpy(e, m->area[s], m->a->nxy * sizeof(float));
    else memset(e, 0, m->a->nxy * sizeof(float));
    if (road) memset(road, 0, m->a->nxy * sizeof(float));
    float *to = road ? road : e;
    char name[64];
    snprintf(name, sizeof name, "traffic.emission.%s",
             m->a->cfg.species[s].name);
    const ct_field *f = ct_fields_find(fields, name);
    if (f)
      for (int j = 0; j < m->fny; j++)
        for (int i = 0; i < m->fnx; i++) {
          float v = f->data[(size_t)j * m->fnx + i];
          if (v > 0)
            to[(size_t)(j / m->coarsen) * m->a->nx + i / m->coarsen] += v;
        }
    if (m->escale != 1.0)
      for (size_t k = 0; k < m->a->nxy; k++) {
        e[k] *= (float)m->escale;
        if (road) road[k] *= (float)m->escale;
      }
  }
  ct__air_line_refresh(m->a);
  return CT_OK;
}

static int write(void *self, double t, struct ct_snapshot *snap, ct_error *err) {
  air_model *m = self;
  /* A snapshot comes before the exchange at its time: sample here, so its
   * maxima, hourly means and hours above include the state it shows (the
   * exchange's sample at the same t then adds nothing). */
  sample(m, t);
  if (!snap || m->nrec == 0) return CT_OK;
  for (int s = 0; s < m->ns; s++) {
    const ct_air_species *sp = &m->a->cfg.species[s];
    for (int r = 0; r < m->nrec; r++)
      m->rval[r] = (float)(ct_air_point(m->a, s, m->rx[r], m->ry[r],
                                        m->a->zc[0]) + m->background[s]);
    int rc = ct_snapshot_write_row(snap, "receptors", sp->field, "ug m-3",
                                   sp->long_name, m->nrec, m->rval, err);
    if (rc) return rc;
  }
  return CT_OK;
}

static int summary(void *self, ct_json *j, ct_error *err) {
  (void)err;
  air_model *m = self;
  const ct_grid *g = m->env->grid;
  ct_json_int(j, "nx", m->a->nx);
  ct_json_int(j, "ny", m->a->ny);
  ct_json_int(j, "levels", m->a->nz);
  ct_json_number(j, "dx_m", m->a->dx);
  ct_json_int(j, "steps", m->a->nstep);
  ct_json_int(j, "stacks", m->a->nstack);
  if (m->a->lact) ct_json_number(j, "road_kernel_m", m->a->lxh);
  for (int s = 0; s < m->ns; s++) {
    ct_air_balance b;
    ct_air_get_balance(m->a, s, &b);
    ct_json_object(j, m->a->cfg.species[s].name);
    ct_json_number(j, "emitted_g", b.emitted);
    ct_json_number(j, "left_domain_g", b.left);
    ct_json_number(j, "lost_g", b.lost);
    ct_json_number(j, "in_air_g", b.in_air);
    if (m->a->kmass[s])
      ct_json_number(j, "in_road_kernels_g", ct__air_line_mass(m->a, s));
    double res = b.emitted - b.left - b.lost - b.in_air;
    ct_json_number(j, "balance_error_rel",
                   b.emitted > 0 ? res / b.emitted : 0.0);
    double mx = 0, hmax = 0;
    size_t nabove = 0;
    for (size_t k = 0; k < m->fnxy; k++) {
      if (m->f_max[s]->data[k] > mx) mx = m->f_max[s]->data[k];
      if (m->f_above[s]) {
        float hv = m->f_above[s]->data[k];
        if (hv > hmax) hmax = hv;
        if (hv > 0) nabove++;
      }
    }
    ct_json_number(j, "max_ug_m3", mx);
    ct_json_number(j, "background_ug_m3", m->background[s]);
    if (m->f_above[s]) {
      ct_json_number(j, "threshold_ug_m3", m->threshold[s]);
      ct_json_number(j, "area_above_m2", (double)nabove * g->dx * g->dx);
      ct_json_number(j, "hours_above_max", hmax);
    }
    ct_json_end(j);
  }
  return CT_OK;
}

const ct_model_class ct_air_model = {
    "air",   keys,  init, max_dt, step, exchange, write, ct__air_model_state,
    summary, destroy};
