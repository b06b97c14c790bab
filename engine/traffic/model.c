/* model.c - the [traffic] section as a citytwin model: builds the network
 * from the roads layer, loads demand, applies interventions (closures in
 * time windows, lanes, speeds, demand scale), couples to flood.depth,
 * publishes density / speed ratio / emission fields, writes per-link tables
 * and the KPIs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "citytwin/snapshot.h"
#include "citytwin/traffic.h"
#include "traffic/od.h"
#include "traffic/traffic_internal.h"

static const char *const keys[] = {
    "roads", "column.*", "snap", "dt", "reroute", "demand", "demand.profile",
    "demand.scale", "demand.window", "demand.rate", "demand.zone_size",
    "zones", "zone.id", "landuse", "fleet.*", "signals", "signal.*", "closure_depth", "closure_depth.motorbike", "close.*",
    "ban.*", "turn_restrictions", "lanes.*", "speed.*", "lane_capacity", "jam_density", NULL};

typedef struct closure {
  const ct_entry *e;
  int *links, n;
  double t0, t1;
  int active;
} closure;

typedef ct__tban tban;

typedef struct tm {
  const ct_env *env;
  ct_traffic *t;
  double dt, pending, last_write;
  ct_field *f_density, *f_ratio, *f_nox, *f_pm;
  closure *cl;
  int ncl;
  tban *bn;
  int nbn;
  double local0; /* the start as local time [s since 1970] */
  ct__turn_report turns; /* OpenStreetMap turn restrictions */
  float *row, *em_row;
  double demand_trips, max_closed_km, max_flooded_km;
  int nsignals;
  int links_listed;  /* the link table's key is in the snapshot */
  char roads_layer[128];
} tm;

static const char *S = "traffic";
static const char *const cname[CT__NC] = {"motorbike", "car", "bus", "truck"};

static void warn_cb(void *ud, const char *msg) {
  ct_warn((const ct_env *)ud, "%s", msg);
}

/* Links named by a target: a polygon layer, a source id or a street name. */
static int resolve_links(tm *m, const ct_entry *e, const char *target,
                         int **out, int *nout, ct_error *err) {
  const ct_env *env = m->env;
  const ct_layer *ly = env->layers ? ct_layers_find(env->layers, target) : NULL;
  int nl = ct_traffic_nlinks(m->t);
  int *links = malloc(((size_t)nl + 1) * sizeof *links), n = 0;
  if (!links) return ct_error_set(err, CT_ENOMEM, "out of memory");
  if (ly && ly->is_vector) {
    for (int l = 0; l < nl; l++) {
      ct_link_info li;
      ct_traffic_link_info(m->t, l, &li);
      int in = 0;
      for (int f = 0; f < ly->vec.nfeat && !in; f++) {
        const ct_feature *ft = &ly->vec.feat[f];
        if (ft->type != CT_GEOM_POLYGON) continue;
        for (int k = 0; k < li.npts && !in; k++)
          in = ct_feature_contains(ft, li.xy[2 * k], li.xy[2 * k + 1]);
        for (int k = 1; k < li.npts && !in; k++)
          in = ct_feature_contains(ft, 0.5 * (li.xy[2 * k - 2] + li.xy[2 * k]),
                                   0.5 * (li.xy[2 * k - 1] + li.xy[2 * k + 1]));
      }
      if (in) links[n++] = l;
    }
    if (n == 0) ct_warn(env, "%s:%d: [traffic] %s: no road inside layer '%s'",
                        env->sc->path, e->line, e->key, target);
  } else {
    n = ct_traffic_find_links(m->t, target, links, nl);
    if (n == 0) {
      free(links);
      return ct_scenario_error(env->sc, e, CT_EINVAL, err,
                               "no road with id or name '%s' in the roads "
                               "layer, and no polygon layer of that name",
                               target);
    }
  }
  *out = links;
  *nout = n;
  return 0;
}

static void apply_closures(tm *m, double t) {
  int changed = 0;
  for (int k = 0; k < m->ncl; k++) {
    int a = t >= m->cl[k].t0 - 1e-9 && t < m->cl[k].t1 - 1e-9;
    if (a != m->cl[k].active) changed = 1;
    m->cl[k].active = a;
  }
  if (!changed) return;
  for (int k = 0; k < m->ncl; k++)
    for (int i = 0; i < m->cl[k].n; i++) ct_traffic_close_link(m->t, m->cl[k].links[i], 0);
  for (int k = 0; k < m->ncl; k++)
    if (m->cl[k].active)
      for (int i = 0; i < m->cl[k].n; i++)
        ct_traffic_close_link(m->t, m->cl[k].links[i], 1);
}

static void apply_bans(tm *m, double t) {
  for (int k = 0; k < m->nbn; k++) {
    const tban *b = &m->bn[k];
    if (b->nwin == 0) continue;
    int on = ct__tban_in_force(b, m->local0, t);
    for (int i = 0; i < b->n; i++) ct_traffic_ban_active(m->t, b->bans[i], on);
  }
}

/* Adds a group of bans (taking its bans, also on failure). */
static int add_tban(tm *m, const tban *b, ct_error *err) {
  tban *nb = realloc(m->bn, ((size_t)m->nbn + 1) * sizeof *nb);
  if (!nb) {
    free(b->bans);
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  m->bn = nb;
  m->bn[m->nbn++] = *b;
  return CT_OK;
}

static void destroy(void *self) {
  tm *m = self;
  if (!m) return;
  for (int k = 0; k < m->nbn; k++) free(m->bn[k].bans);
  free(m->bn);
  ct_traffic_free(m->t);
  for (int k = 0; k < m->ncl; k++) free(m->cl[k].links);
  free(m->cl);
  free(m->row);
  free(m->em_row);
  free(m);
}

static int read_params(const ct_scenario *sc, ct_traffic_params *p,
                       ct_error *err) {
  int rc;
  ct_traffic_params_default(p);
  static const char *const sig[] = {"none", "major", "all", NULL};
  if ((rc = ct_scenario_duration(sc, S, "dt", p->dt, &p->dt, err)) ||
      (rc = ct_scenario_double(sc, S, "snap", p->snap, &p->snap, err)) ||
      (rc = ct_scenario_duration(sc, S, "reroute", p->reroute, &p->reroute, err)) ||
      (rc = ct_scenario_choice(sc, S, "signals", sig, p->signals, &p->signals, err)) ||
      (rc = ct_scenario_duration(sc, S, "signal.cycle", p->signal_cycle,
                                 &p->signal_cycle, err)) ||
      (rc = ct_scenario_duration(sc, S, "signal.lost", p->signal_lost,
                                 &p->signal_lost, err)) ||
      (rc = ct_scenario_double(sc, S, "closure_depth", p->closure_depth,
                               &p->closure_depth, err)) ||
      (rc = ct_scenario_double(sc, S, "closure_depth.motorbike",
                               p->closure_depth_moto, &p->closure_depth_moto, err)) ||
      (rc = ct_scenario_double(sc, S, "lane_capacity", p->lane_capacity,
                               &p->lane_capacity, err)) ||
      (rc = ct_scenario_double(sc, S, "jam_density", p->jam_density,
                               &p->jam_density, err)))
    return rc;
  struct {
    const char *k;
    double v, lo;
  } chk[] = {{"dt", p->dt, 1e-3},          {"snap", p->snap, 0},
             {"reroute", p->reroute, 1},   {"signal.cycle", p->signal_cycle, 10},
             {"signal.lost", p->signal_lost, 0},
             {"closure_depth", p->closure_depth, 1e-3},
             {"closure_depth.motorbike", p->closure_depth_moto, 1e-3},
             {"lane_capacity", p->lane_capacity, 1},
             {"jam_density", p->jam_density, 1}};
  for (size_t k = 0; k < sizeof chk / sizeof chk[0]; k++)
    if (!(chk[k].v >= chk[k].lo)) {
      const ct_entry *e = ct_scenario_entry(sc, S, chk[k].k);
      return ct_scenario_error(sc, e, CT_EINVAL, err, "expected at least %g",
                               chk[k].lo);
    }
  return 0;
}

static int load_demand(tm *m, ct_error *err) {
  const ct_env *env = m->env;
  const ct_scenario *sc = env->sc;
  int rc;
  double scale = 1;
  if ((rc = ct_scenario_double(sc, S, "demand.scale", 1.0, &scale, err))) return rc;
  if (!(scale >= 0))
    return ct_scenario_error(sc, ct_scenario_entry(sc, S, "demand.scale"),
                             CT_EINVAL, err, "expected a number >= 0");
  /* fleet shares */
  double fl[CT__NC];
  int any = 0;
  for (int c = 0; c < CT__NC; c++) {
    char k[32];
    snprintf(k, sizeof k, "fleet.%s", cname[c]);
    fl[c] = m->t->fleet[c];
    if (ct_scenario_entry(sc, S, k)) any++;
  }
  if (any) {
    double sum = 0;
    const ct_entry *first = NULL;
    char given[256] = "";
    for (int c = 0; c < CT__NC; c++) {
      char k[32];
      snprintf(k, sizeof k, "fleet.%s", cname[c]);
      if ((rc = ct_scenario_double(sc, S, k, 0.0, &fl[c], err))) return rc;
      const ct_entry *e = ct_scenario_entry(sc, S, k);
      if (!(fl[c] >= 0))
        return ct_scenario_error(sc, e, CT_EINVAL, err,
                                 "expected a share >= 0");
      sum += fl[c];
      if (e) {
        size_t n = strlen(given);
        snprintf(given + n, sizeof given - n, "%s%s %g", n ? " + " : "",
                 cname[c], fl[c]);
        if (!first || e->line < first->line) first = e;
      }
    }
    /* Refused rather than normalised: a mistyped share would otherwise
     * quietly shift the modal split (0.9 + 0.15 became 86 % / 14 %). */
    if (!(fabs(sum - 1) <= 1e-6))
      return ct_scenario_error(
          sc, first, CT_EINVAL, err,
          "the fleet shares sum to %.6g, not 1 (%s%s); give shares that add "
          "up to 1",
          sum, given,
          any < CT__NC ? "; a class not given counts 0" : "");
    ct_traffic_set_fleet(m->t, fl);
  }
  const ct_section *sec = ct_scenario_section(sc, S);
  for (int k = 0; sec && k < sec->n; k++)
    if (!strncmp(sec->e[k].key, "fleet.", 6)) {
      int ok = 0;
      for (int c = 0; c < CT__NC; c++) ok |= !strcmp(sec->e[k].key + 6, cname[c]);
      if (!ok)
        return ct_scenario_error(sc, &sec->e[k], CT_EINVAL, err,
                                 "unknown vehicle class (motorbike, car, bus, "
                                 "truck)");
    }
  /* profile */
  const char *prof = ct_scenario_string(sc, S, "demand.profile", NULL);
  if (prof) {
    char *path = ct_scenario_resolve(sc, prof);
    ct_series s;
    memset(&s, 0, sizeof s);
    rc = path ? ct_series_read(&s, path, sc->start_unix, err) : CT_ENOMEM;
    if (!rc) rc = ct_traffic_set_profile(m->t, s.n, s.t, s.v, err);
    if (rc) ct_error_prefix(err, "%s:%d: [traffic] demand.profile", sc->path,
                            ct_scenario_entry(sc, S, "demand.profile")->line);
    ct_series_free(&s);
    free(path);
    if (rc) return rc;
  }
  const char *dem = ct_scenario_string(sc, S, "demand", NULL);
  const ct_entry *de = ct_scenario_entry(sc, S, "demand");
  if (!dem || !strcasecmp(dem, "none")) {
    if (!dem) ct_warn(env, "traffic: no demand given: the roads stay empty");
    return 0;
  }
  if (!strcasecmp(dem, "landuse")) {
    const char *lname = ct_scenario_string(sc, S, "landuse", "landuse");
    const float *lu = ct_layers_raster(env->layers, lname, err);
    if (!lu)
      return ct_error_prefix(err, "%s:%d: [traffic] demand = landuse", sc->path,
                             de->line);
    /* a 2 h peak from the start; 20 trips per hectare of home land is what
     * a network of the main streets carries without collapsing (the alleys
     * that take the rest of HCMC's motorbikes are not modelled) */
    double rate, zs, w[2] = {0, 7200};
    if ((rc = ct_scenario_double(sc, S, "demand.rate", 20.0, &rate, err)) ||
        (rc = ct_scenario_double(sc, S, "demand.zone_size", 1000.0, &zs, err)))
      return rc;
    const ct_entry *we = ct_scenario_entry(sc, S, "demand.window");
    if (we) {
      char a[64], b[64];
      if (sscanf(we->value, "%63s %63s", a, b) != 2 || ct_parse_clock(a, &w[0]) ||
          ct_parse_clock(b, &w[1]) || !(w[1] > w[0]))
        return ct_scenario_error(sc, we, CT_EINVAL, err,
                                 "expected two clock times 'HH:MM HH:MM' from "
                                 "the start, the second later");
    }
    if (!(rate >= 0) || !(zs > 0))
      return ct_scenario_error(sc, de, CT_EINVAL, err,
                               "demand.rate must be >= 0 and "
                               "demand.zone_size > 0");
    if (!prof) { /* morning peak: a triangle over the window */
      double pt[3] = {w[0], 0.5 * (w[0] + w[1]), w[1]}, pw[3] = {0.2, 1, 0.2};
      if ((rc = ct_traffic_set_profile(m->t, 3, pt, pw, err))) return rc;
    }
    rc = ct__landuse_demand(m->t, lu, env->grid, rate * scale, zs, w[0], w[1],
                            &m->demand_trips, err);
    if (rc) return ct_error_prefix(err, "%s:%d: [traffic] demand", sc->path, de->line);
    return 0;
  }
  ct__zones z;
  memset(&z, 0, sizeof z);
  const char *zl = ct_scenario_string(sc, S, "zones", NULL);
  if (zl) {
    const ct_vector *zv = ct_layers_vector(env->layers, zl, err);
    if (!zv)
      return ct_error_prefix(err, "%s:%d: [traffic] zones", sc->path,
                             ct_scenario_entry(sc, S, "zones")->line);
    rc = ct__zones_load(m->t, zv, ct_scenario_string(sc, S, "zone.id", "id"),
                        &z, err);
    if (rc) {
      ct__zones_free(&z);
      return rc;
    }
  }
  char *path = ct_scenario_resolve(sc, dem);
  rc = path ? ct__od_read(m->t, path, &z, scale, sc->start_unix, env->duration,
                          &m->demand_trips, err)
            : ct_error_set(err, CT_ENOMEM, "out of memory");
  free(path);
  ct__zones_free(&z);
  return rc;
}

/* The junction within 50 m of (x, y), or -1. */
static int junction_near(const tm *m, double x, double y) {
  int v = -1;
  double bd = 50.0;
  for (int q = 0; q < m->t->nnodes; q++) {
    double d = hypot(m->t->nx_[q] - x, m->t->ny_[q] - y);
    if (d <= bd) {
      bd = d;
      v = q;
    }
  }
  return v;
}

static int direction_of(const char *s) {
  for (int d = 0; d < 8; d++)
    if (!strcasecmp(s, ct_traffic_direction_name(d))) return d;
  return -1;
}

/* A compass phase "DIRS:GREEN", DIRS like N+S or SW: the direction bits
 * and the green [s]; -1 if it is not one. */
static int parse_phase(const char *tok, unsigned *dirs, double *green) {
  const char *colon = strchr(tok, ':');
  if (!colon) return -1;
  char *end;
  *green = strtod(colon + 1, &end);
  if (end == colon + 1 || *end || !(*green >= 0) || !isfinite(*green))
    return -1;
  *dirs = 0;
  for (const char *p = tok; p < colon;) {
    size_t n = strcspn(p, "+:");
    if (n == 0) return -1; /* "N+:40", "+N:40" */
    int d = 0;
    while (d < 8 && !(strlen(ct_traffic_direction_name(d)) == n &&
                      !strncasecmp(p, ct_traffic_direction_name(d), n)))
      d++;
    if (d == 8 || (*dirs & (1u << d))) return -1;
    *dirs |= 1u << d;
    p += n;
    if (*p == '+') p++;
  }
  return *dirs ? 0 : -1;
}

/* signal.<label> = X Y CYCLE GREEN1 GREEN2 [OFFSET]: two phases by approach
 * axis; or X Y CYCLE DIRS:GREEN ... [OFFSET]: a phase per token serving the
 * approaches from the compass directions DIRS. For the junction within
 * 50 m of (X, Y). */
static int signal_plan(tm *m, const ct_entry *e, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  char buf[1024];
  char *tok[CT__MAXPHASE + 5], *save = NULL;
  int nt = 0;
  snprintf(buf, sizeof buf, "%s", e->value);
  for (char *p = strtok_r(buf, " \t", &save); p;
       p = strtok_r(NULL, " \t", &save)) {
    if (nt == CT__MAXPHASE + 5) {
      nt = -1;
      break;
    }
    tok[nt++] = p;
  }
  double num[3], green[CT__MAXPHASE], off = 0;
  unsigned dirs[CT__MAXPHASE];
  int np = 0, ok = nt >= 4, compass = ok && strchr(tok[3], ':') != NULL;
  for (int k = 0; ok && k < 3; k++) {
    char *end;
    num[k] = strtod(tok[k], &end);
    ok = *end == 0 && isfinite(num[k]);
  }
  int nph = nt - 3; /* tokens after CYCLE: phases, then maybe an OFFSET */
  if (ok && !strchr(tok[nt - 1], ':') && (compass ? nph >= 2 : nph == 3)) {
    char *end;
    off = strtod(tok[nt - 1], &end);
    ok = *end == 0 && isfinite(off);
    nph--;
  }
  for (int k = 0; ok && k < nph; k++) {
    if (compass) {
      ok = np < CT__MAXPHASE && !parse_phase(tok[3 + k], &dirs[np], &green[np]);
    } else {
      char *end;
      green[np] = strtod(tok[3 + k], &end);
      ok = np < 2 && *end == 0 && green[np] >= 0 && isfinite(green[np]);
    }
    np += ok;
  }
  double sum = 0;
  for (int k = 0; k < np; k++) sum += green[k];
  if (!ok || (!compass && np != 2) || !(num[2] > 0) || sum > num[2])
    return ct_scenario_error(
        sc, e, CT_EINVAL, err,
        "expected 'X Y CYCLE GREEN1 GREEN2 [OFFSET]' or 'X Y CYCLE "
        "DIRS:GREEN ... [OFFSET]' with DIRS compass points joined by + "
        "(N NE E SE S SW W NW, where the traffic comes from; at most %d "
        "phases), seconds, greens within the cycle; got '%s'",
        CT__MAXPHASE, e->value);
  int v = junction_near(m, num[0], num[1]);
  if (v < 0)
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "no junction within 50 m of (%.1f, %.1f)", num[0],
                             num[1]);
  unsigned unused = 0;
  int rc = compass ? ct_traffic_signal_by_direction(m->t, v, num[2], off, np,
                                                    green, dirs, &unused, err)
                   : ct__signal_plan(m->t, v, num[2], off, green, err);
  if (rc)
    return ct_error_prefix(err, "%s:%d: [traffic] %s", sc->path, e->line,
                           e->key);
  for (int k = 0; k < np; k++)
    if (unused & (1u << k))
      ct_warn(m->env, "%s:%d: [traffic] %s: phase %d (%s) serves no approach "
              "of the junction at (%.1f, %.1f): all red for its %g s",
              sc->path, e->line, e->key, k + 1, tok[3 + k], m->t->nx_[v],
              m->t->ny_[v], green[k]);
  return CT_OK;
}

/* ban.<label> = X Y FROM TO [CLASSES] [HH:MM HH:MM]: no turn from the
 * approach coming from FROM onto the exit towards TO at the junction within
 * 50 m, for CLASSES (motorbike,car,... or all), between the two times. */
static int ban_key(tm *m, const ct_entry *e, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  char buf[512], *tok[8], *save = NULL;
  int nt = 0;
  snprintf(buf, sizeof buf, "%s", e->value);
  for (char *p = strtok_r(buf, " \t", &save); p && nt < 8;
       p = strtok_r(NULL, " \t", &save))
    tok[nt++] = p;
  double x = NAN, y = NAN, w0 = 0, w1 = 0;
  unsigned classes = (1u << CT__NC) - 1;
  int ok = nt >= 4 && nt <= 7 && !ct_parse_double(tok[0], &x) &&
           !ct_parse_double(tok[1], &y);
  int from = ok ? direction_of(tok[2]) : -1, to = ok ? direction_of(tok[3]) : -1;
  ok = ok && from >= 0 && to >= 0;
  int next = 4;
  if (ok && nt - next != 2 && nt > next) { /* a class list */
    classes = 0;
    char *s2 = NULL;
    for (char *c = strtok_r(tok[next], ",", &s2); c && ok;
         c = strtok_r(NULL, ",", &s2)) {
      int k = 0;
      while (k < CT__NC && strcasecmp(c, cname[k])) k++;
      if (k < CT__NC) classes |= 1u << k;
      else if (!strcasecmp(c, "all")) classes = (1u << CT__NC) - 1;
      else ok = 0;
    }
    next++;
  }
  int timed = ok && nt - next == 2;
  if (timed)
    ok = !ct_parse_clock(tok[next], &w0) && !ct_parse_clock(tok[next + 1], &w1);
  if (!ok || (nt - next != 0 && !timed))
    return ct_scenario_error(
        sc, e, CT_EINVAL, err,
        "expected 'X Y FROM TO [CLASSES] [HH:MM HH:MM]' with FROM, TO compass "
        "points (N NE E SE S SW W NW: where the traffic comes from, where it "
        "heads) and CLASSES a list of motorbike,car,bus,truck or all; got "
        "'%s'",
        e->value);
  if (timed && !(w1 > w0))
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "the ban must end after it starts");
  int v = junction_near(m, x, y);
  if (v < 0)
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "no junction within 50 m of (%.1f, %.1f)", x, y);
  int cap = 64, *bans = malloc((size_t)cap * sizeof *bans);
  if (!bans) return ct_error_set(err, CT_ENOMEM, "out of memory");
  int n = ct_traffic_ban_by_direction(m->t, v, from, to, classes, bans, cap, err);
  if (n < 0) {
    free(bans);
    return ct_error_prefix(err, "%s:%d: [traffic] %s", sc->path, e->line,
                           e->key);
  }
  tban b = {.bans = bans, .n = n, .nwin = timed, .w0 = {w0}, .w1 = {w1}};
  int rc = add_tban(m, &b, err);
  if (!rc && timed)
    for (int k = 0; k < n; k++) ct_traffic_ban_active(m->t, bans[k], 0);
  return rc;
}

/* An OpenStreetMap file (GDAL's OSM driver: .osm, .pbf), not a layer
 * exported from one (its other_tags column, but no relations). */
static int osm_file(const char *path) {
  size_t n = path ? strlen(path) : 0;
  return (n > 4 && !strcasecmp(path + n - 4, ".osm")) ||
         (n > 4 && !strcasecmp(path + n - 4, ".pbf"));
}

/* turn_restrictions: the OSM file's turn restrictions as bans (default on
 * for OpenStreetMap road files). What cannot be applied is counted and
 * named in one warning. */
static int osm_turns(tm *m, const ct_vector *v, int is_osm, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  is_osm = is_osm && osm_file(v->path);
  static const char *const onoff[] = {"off", "on", NULL};
  int on = is_osm, rc;
  if ((rc = ct_scenario_choice(sc, S, "turn_restrictions", onoff, on, &on, err)))
    return rc;
  if (!on) return CT_OK;
  const ct_entry *e = ct_scenario_entry(sc, S, "turn_restrictions");
  if (!is_osm)
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "turn restrictions come from an OpenStreetMap "
                             "file (.osm, .osm.pbf); layer '%s' is not one",
                             v->name ? v->name : "roads");
  ct__tban *tb = NULL;
  int nt = 0;
  ct__turn_report *r = &m->turns;
  rc = ct__osm_turn_bans(m->t, v->path, m->env->grid->crs_wkt, &tb, &nt, r,
                         err);
  if (rc && e)
    return ct_error_prefix(err, "%s:%d: [traffic] turn_restrictions: layer "
                           "'%s' (%s)", sc->path, e->line,
                           v->name ? v->name : "roads", v->path);
  if (rc)
    return ct_error_prefix(err, "layer '%s' (%s): turn restrictions",
                           v->name ? v->name : "roads", v->path);
  for (int k = 0; k < nt && !rc; k++) {
    rc = add_tban(m, &tb[k], err);
    tb[k].bans = NULL;
  }
  for (int k = 0; k < nt; k++) free(tb[k].bans);
  free(tb);
  int skipped = r->via_way + r->other_class + r->bad_time + r->bad_kind +
                r->off_network + r->unclear;
  if (!rc && skipped)
    ct_warn(m->env,
            "layer '%s' (%s): %d of %d turn restriction entries not applied: "
            "%d over via ways, %d for buses, lorries or others alone (they "
            "route as cars), %d with times other than hours on weekdays, "
            "%d of an unknown kind, %d with several from or to ways or a "
            "turn the geometry does not show, %d not on the road network "
            "(ways outside it, or turns its one-way streets forbid anyway)",
            v->name ? v->name : "roads", v->path, skipped, r->applied + skipped,
            r->via_way, r->other_class, r->bad_time, r->bad_kind, r->unclear,
            r->off_network);
  return rc;
}

/* Refuses a network whose route tables this machine cannot hold, before
 * the first step allocates them (Linux would rather kill the run later). */
static int check_route_memory(const tm *m, ct_error *err) {
  double need = ct_traffic_route_bytes(m->t), have = ct_mem_available();
  if (have > 0 && need > have)
    return ct_error_set(err, CT_ENOMEM,
                        "%s: [traffic] route tables for %d destinations over "
                        "%d junctions and %d links need up to %.1f GiB, this "
                        "machine has %.1f GiB available: use fewer, larger "
                        "demand zones (zones, demand.zone_size)%s",
                        m->env->sc->path, m->t->ndest, ct_traffic_nnodes(m->t),
                        ct_traffic_nlinks(m->t), need / 1073741824.0,
                        have / 1073741824.0,
                        m->t->nbans ? " or fewer turn bans (a ban puts a row "
                                      "per link in the tables)" : "");
  return CT_OK;
}

static int load_interventions(tm *m, ct_error *err) {
  const ct_scenario *sc = m->env->sc;
  const ct_section *sec = ct_scenario_section(sc, S);
  int rc = 0;
  for (int k = 0; sec && k < sec->n && !rc; k++) {
    const ct_entry *e = &sec->e[k];
    if (!strncmp(e->key, "signal.", 7) && strcmp(e->key, "signal.cycle") &&
        strcmp(e->key, "signal.lost")) {
      rc = signal_plan(m, e, err);
      continue;
    }
    if (!strncmp(e->key, "ban.", 4)) {
      rc = ban_key(m, e, err);
      continue;
    }
    int is_close = !strncmp(e->key, "close.", 6);
    int is_lanes = !strncmp(e->key, "lanes.", 6);
    int is_speed = !strncmp(e->key, "speed.", 6);
    if (!is_close && !is_lanes && !is_speed) continue;
    int *links = NULL, n = 0;
    if (is_close) {
      /* "<target> [HH:MM HH:MM]" */
      char buf[1024];
      snprintf(buf, sizeof buf, "%s", e->value);
      double t0 = 0, t1 = INFINITY;
      char *sp2 = strrchr(buf, ' ');
      if (sp2) {
        *sp2 = 0;
        char *sp1 = strrchr(buf, ' ');
        double a, b;
        if (sp1 && !ct_parse_clock(sp1 + 1, &a) && !ct_parse_clock(sp2 + 1, &b)) {
          if (!(b > a))
            return ct_scenario_error(sc, e, CT_EINVAL, err,
                                     "the closure must end after it starts");
          t0 = a;
          t1 = b;
          *sp1 = 0;
        } else {
          *sp2 = ' ';
        }
      }
      rc = resolve_links(m, e, buf, &links, &n, err);
      if (rc) return rc;
      closure *nc = realloc(m->cl, ((size_t)m->ncl + 1) * sizeof *nc);
      if (!nc) {
        free(links);
        return ct_error_set(err, CT_ENOMEM, "out of memory");
      }
      m->cl = nc;
      m->cl[m->ncl].e = e;
      m->cl[m->ncl].links = links;
      m->cl[m->ncl].n = n;
      m->cl[m->ncl].t0 = t0;
      m->cl[m->ncl].t1 = t1;
      m->cl[m->ncl].active = 0;
      m->ncl++;
      continue;
    }
    double v;
    if (ct_parse_double(e->value, &v) || !(v > 0))
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "expected a positive number%s, got '%s'",
                               is_speed ? " (km/h)" : "", e->value);
    rc = resolve_links(m, e, e->key + 6, &links, &n, err);
    if (rc) return rc;
    for (int i = 0; i < n; i++) {
      if (is_lanes) ct_traffic_set_lanes(m->t, links[i], v);
      else ct_traffic_set_speed(m->t, links[i], v);
    }
    free(links);
  }
  return rc;
}

static int init(void **self, const ct_env *env, ct_error *err) {
  *self = NULL;
  const ct_scenario *sc = env->sc;
  int rc = ct_scenario_check_keys(sc, S, keys, err);
  if (rc) return rc;
  tm *m = calloc(1, sizeof *m);
  if (!m) return ct_error_set(err, CT_ENOMEM, "out of memory");
  m->env = env;
  ct_traffic_params p;
  if ((rc = read_params(sc, &p, err))) goto fail;
  m->dt = p.dt;
  const char *rname = ct_scenario_string(sc, S, "roads", "roads");
  snprintf(m->roads_layer, sizeof m->roads_layer, "%s", rname);
  const ct_vector *v = ct_layers_vector(env->layers, rname, err);
  if (!v) {
    const ct_entry *e = ct_scenario_entry(sc, S, "roads");
    rc = e ? ct_error_prefix(err, "%s:%d: [traffic] roads", sc->path, e->line)
           : ct_error_prefix(err, "%s: [traffic] roads (default 'roads')", sc->path);
    goto fail;
  }
  m->local0 = env->start_unix + env->utc_offset_s;
  m->t = ct_traffic_new(&p);
  if (!m->t) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto fail;
  }
  /* columns: named in the scenario, else OpenStreetMap when the layer has
   * other_tags, else the usual names when present */
  ct_road_columns cols = {0};
  enum { NCOL = 7 };
  const char *cn[NCOL] = {"column.class", "column.lanes", "column.speed",
                          "column.oneway", "column.name", "column.id",
                          "column.bridge"};
  const char **cv[NCOL] = {&cols.cls,  &cols.lanes, &cols.speed, &cols.oneway,
                           &cols.name, &cols.id,    &cols.bridge};
  int named = 0;
  for (int k = 0; k < NCOL; k++) {
    *cv[k] = ct_scenario_string(sc, S, cn[k], NULL);
    if (*cv[k]) named = 1;
  }
  const ct_section *sec = ct_scenario_section(sc, S);
  for (int k = 0; sec && k < sec->n; k++)
    if (!strncmp(sec->e[k].key, "column.", 7)) {
      int ok = 0;
      for (int c = 0; c < NCOL; c++) ok |= !strcmp(sec->e[k].key, cn[c]);
      if (!ok) {
        rc = ct_scenario_error(sc, &sec->e[k], CT_EINVAL, err,
                               "unknown column key (column.class, .lanes, "
                               ".speed, .oneway, .name, .id, .bridge)");
        goto fail;
      }
    }
  const ct_road_columns *use = &cols;
  if (!named) {
    if (ct_vector_field(v, "other_tags") >= 0) {
      use = NULL;
    } else {
      static const char *const guess[NCOL][3] = {
          {"highway", "class", "type"}, {"lanes", NULL, NULL},
          {"maxspeed", "speed", NULL}, {"oneway", NULL, NULL},
          {"name", NULL, NULL},       {"id", "osm_id", NULL},
          {"bridge", NULL, NULL}};
      for (int k = 0; k < NCOL; k++)
        for (int g = 0; g < 3 && guess[k][g] && !*cv[k]; g++)
          if (ct_vector_field(v, guess[k][g]) >= 0) *cv[k] = guess[k][g];
    }
  }
  rc = ct_traffic_build_roads(m->t, v, use, warn_cb, (void *)env, err);
  if (rc) {
    const ct_entry *e = NULL;
    for (int k = 0; k < NCOL && !e; k++)
      if (named && *cv[k] && ct_vector_field(v, *cv[k]) < 0)
        e = ct_scenario_entry(sc, S, cn[k]);
    if (e) ct_error_prefix(err, "%s:%d: [traffic] %s", sc->path, e->line, e->key);
    goto fail;
  }
  if ((rc = ct_traffic_finalize(m->t, err))) goto fail;
  if ((rc = ct_traffic_map_grid(m->t, env->grid, err))) goto fail;
  if ((rc = osm_turns(m, v, use == NULL, err))) goto fail;
  if ((rc = load_interventions(m, err))) goto fail;
  m->nsignals = m->t->nsig;
  if ((rc = load_demand(m, err))) goto fail;
  if ((rc = check_route_memory(m, err))) goto fail;
  m->row = malloc((size_t)ct_traffic_nlinks(m->t) * sizeof *m->row);
  m->em_row = malloc((size_t)ct_traffic_nlinks(m->t) * 2 * sizeof *m->em_row);
  if (!m->row || !m->em_row) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto fail;
  }
  if (!(m->f_density = ct_fields_add(env->fields, "traffic.density", "veh km-1",
                                     "traffic density (all lanes, mean over "
                                     "the roads in the cell)", 0, err)) ||
      !(m->f_ratio = ct_fields_add(env->fields, "traffic.speed_ratio", "1",
                                   "speed / free-flow speed", 0, err)) ||
      !(m->f_nox = ct_fields_add(env->fields, "traffic.emission.nox", "g s-1",
                                 "NOx emitted by traffic per cell", 0, err)) ||
      !(m->f_pm = ct_fields_add(env->fields, "traffic.emission.pm25", "g s-1",
                                "PM2.5 emitted by traffic per cell", 0, err))) {
    rc = err ? err->code : CT_EINVAL;
    goto fail;
  }
  ct_traffic_rasterise(m->t, m->f_density->data, m->f_ratio->data,
                       m->f_nox->data, m->f_pm->data);
  *self = m;
  return 0;
fail:
  destroy(m);
  return rc;
}

static double max_dt(void *self) { return ((tm *)self)->dt; }

/* The CTM runs at its own fixed step (its cells are cut for it); shorter
 * steps of the run loop accumulate until a whole step is due. */
static int step(void *self, double t, double dt, ct_error *err) {
  tm *m = self;
  m->pending += dt;
  while (m->pending >= m->dt * (1 - 1e-9)) {
    apply_closures(m, ct_traffic_time(m->t));
    apply_bans(m, ct_traffic_time(m->t));
    int rc = ct_traffic_step(m->t, err);
    if (rc) return rc;
    m->pending -= m->dt;
  }
  (void)t;
  return 0;
}

static void publish(tm *m, double t) {
  ct_traffic_rasterise(m->t, m->f_density->data, m->f_ratio->data,
                       m->f_nox->data, m->f_pm->data);
  m->f_density->t_updated = m->f_ratio->t_updated = t;
  m->f_nox->t_updated = m->f_pm->t_updated = t;
  ct_traffic_totals tt;
  ct_traffic_get_totals(m->t, &tt);
  if (tt.closed_km > m->max_closed_km) m->max_closed_km = tt.closed_km;
  if (tt.flooded_km > m->max_flooded_km) m->max_flooded_km = tt.flooded_km;
}

static int exchange(void *self, ct_fields *fields, double t, ct_error *err) {
  tm *m = self;
  const ct_field *d = ct_fields_find(fields, "flood.depth");
  ct_traffic_set_depth(m->t, d ? d->data : NULL);
  apply_closures(m, t);
  apply_bans(m, t);
  publish(m, t);
  (void)err;
  return 0;
}

/* The key to the `links` table, once per run file: CSV text in the global
 * attribute traffic_links, one row per link index, so a planner can find a
 * street's rows by its source id or name; traffic_roads names the line
 * layer whose features the feature column counts (export labels and skips
 * bridges by it). */
/* s without double quotes, for a CSV-quoted field. */
static void unquote(const char *s, char *out, size_t n) {
  size_t k = 0;
  for (; *s && k + 1 < n; s++)
    if (*s != '"') out[k++] = *s;
  out[k] = '\0';
}

static int list_links(const tm *m, struct ct_snapshot *snap, ct_error *err) {
  ct_json buf; /* used as a growing string */
  ct_json_init(&buf);
  ct_json_raw(&buf, NULL, "link,id,name,from_junction,to_junction,length_m,"
                          "lanes,free_speed_kmh,feature,bridge\n");
  int nl = ct_traffic_nlinks(m->t);
  for (int l = 0; l < nl; l++) {
    ct_link_info li;
    ct_traffic_link_info(m->t, l, &li);
    char name[256], id[128];
    unquote(li.name, name, sizeof name);
    unquote(li.src_id, id, sizeof id);
    char row[512];
    snprintf(row, sizeof row, "%d,\"%s\",\"%s\",%d,%d,%.1f,%g,%g,%d,%d\n", l,
             id, name, li.from, li.to, li.length, li.lanes, li.speed_kmh,
             li.feature, li.bridge);
    ct_json_raw(&buf, NULL, row);
  }
  int rc = buf.oom ? ct_error_set(err, CT_ENOMEM, "out of memory")
                   : ct_snapshot_set_attr(snap, "traffic_links", buf.buf, err);
  if (!rc)
    rc = ct_snapshot_set_attr(snap, "traffic_roads", m->roads_layer, err);
  ct_json_free(&buf);
  return rc;
}

static int write(void *self, double t, struct ct_snapshot *snap,
                 ct_error *err) {
  tm *m = self;
  int nl = ct_traffic_nlinks(m->t), rc = 0;
  double el = t - m->last_write;
  /* emissions per link since the last rasterise, before publish resets */
  const ct_traffic *tr = m->t;
  double et = tr->em_time > 0 ? tr->em_time : 1.0;
  for (int l = 0; l < nl; l++) {
    double a = 0, b = 0;
    for (int i = 0; i < tr->l[l].ncells; i++) {
      a += tr->em_nox[tr->l[l].cell0 + i];
      b += tr->em_pm[tr->l[l].cell0 + i];
    }
    m->em_row[l] = (float)(a / et);
    m->em_row[nl + l] = (float)(b / et);
  }
  publish(m, t);
  if (!snap) return 0;
  if (!m->links_listed) {
    if ((rc = list_links(m, snap, err))) return rc;
    m->links_listed = 1;
  }
  rc = ct_snapshot_write_row(snap, "links", "nox", "g s-1",
                             "NOx emitted on the link", nl, m->em_row, err);
  if (!rc)
    rc = ct_snapshot_write_row(snap, "links", "pm25", "g s-1",
                               "PM2.5 emitted on the link", nl, m->em_row + nl,
                               err);
  static const struct {
    const char *name, *units, *lname;
  } col[] = {{"flow", "veh h-1", "vehicles leaving the link per hour"},
             {"density", "veh km-1", "density over all lanes"},
             {"speed", "m s-1", "space-mean speed"},
             {"queue", "m", "queue length from the downstream end"},
             {"travel_time", "s", "travel time"}};
  for (int c = 0; c < 5 && !rc; c++) {
    for (int l = 0; l < nl; l++) {
      ct_link_state s;
      ct_traffic_link_state(m->t, l, &s);
      double v = 0;
      switch (c) {
        case 0:
          v = el > 0 ? (s.cum_out - m->t->l[l].cum_out_mark) / el * 3600.0 : s.flow;
          break;
        case 1: v = s.density; break;
        case 2: v = s.speed; break;
        case 3: v = s.queue; break;
        default: v = s.travel_time; break;
      }
      m->row[l] = (float)v;
    }
    rc = ct_snapshot_write_row(snap, "links", col[c].name, col[c].units,
                               col[c].lname, nl, m->row, err);
  }
  for (int l = 0; l < nl; l++) m->t->l[l].cum_out_mark = m->t->l[l].cum_out;
  m->last_write = t;
  return rc;
}

/* Checkpoint: the engine's state (restart.c), then the model's own: the
 * part of a CTM step still pending, the last write's time (flows in the
 * links table), the maxima for the summary and which closure windows are
 * open (a change re-closes links and refreshes routes). links_listed is
 * left out: a resumed run writes the traffic_links key again, the same
 * text, whichever file it goes on in. */
static int state(void *self, ct_state *st, ct_error *err) {
  tm *m = self;
  int rc = ct__traffic_state(m->t, st, err);
  if (rc) return rc;
  double v[4] = {m->pending, m->last_write, m->max_closed_km,
                 m->max_flooded_km};
  unsigned char *act = calloc((size_t)m->ncl + 1, 1);
  if (!act) return ct_error_set(err, CT_ENOMEM, "out of memory");
  for (int k = 0; k < m->ncl; k++) act[k] = (unsigned char)m->cl[k].active;
  rc = ct_state_io(st, "model", v, sizeof v, err);
  if (!rc) rc = ct_state_io(st, "closures.active", act, (size_t)m->ncl, err);
  if (!rc && ct_state_restoring(st)) {
    m->pending = v[0];
    m->last_write = v[1];
    m->max_closed_km = v[2];
    m->max_flooded_km = v[3];
    for (int k = 0; k < m->ncl; k++) m->cl[k].active = act[k] != 0;
  }
  free(act);
  return rc;
}

static int summary(void *self, ct_json *j, ct_error *err) {
  tm *m = self;
  ct_traffic_totals tt;
  ct_traffic_get_totals(m->t, &tt);
  ct_json_int(j, "junctions", ct_traffic_nnodes(m->t));
  ct_json_int(j, "links", ct_traffic_nlinks(m->t));
  ct_json_int(j, "signals", m->nsignals);
  ct_json_int(j, "turn_restrictions", m->turns.applied);
  ct_json_int(j, "banned_turns", ct_traffic_nbans(m->t));
  ct_json_number(j, "demand_trips", m->demand_trips);
  ct_json_number(j, "vehicle_km", tt.vkt);
  ct_json_number(j, "vehicle_hours", tt.vht);
  ct_json_number(j, "delay_hours", tt.delay_h);
  ct_json_number(j, "trips_entered", tt.entered);
  ct_json_number(j, "trips_completed", tt.completed);
  ct_json_number(j, "trips_stranded", tt.stranded);
  ct_json_number(j, "trips_in_network", tt.in_network);
  ct_json_number(j, "trips_waiting_to_enter", tt.waiting);
  ct_json_number(j, "mean_trip_time_s",
                 tt.completed > 0 ? tt.trip_time_sum / tt.completed : NAN);
  ct_json_number(j, "closed_road_km", m->max_closed_km);
  ct_json_number(j, "flooded_road_km", m->max_flooded_km);
  ct_json_number(j, "vehicle_balance",
                 (double)(tt.in_network_u + tt.completed_u + tt.stranded_u -
                          tt.entered_u) / CT__UNIT);
  ct_json_object(j, "emissions_kg");
  ct_json_number(j, "nox", tt.nox_g / 1000.0);
  ct_json_number(j, "pm25", tt.pm25_g / 1000.0);
  ct_json_object(j, "nox_by_class");
  for (int c = 0; c < CT__NC; c++) ct_json_number(j, cname[c], tt.nox_class_g[c] / 1000.0);
  ct_json_end(j);
  ct_json_object(j, "pm25_by_class");
  for (int c = 0; c < CT__NC; c++) ct_json_number(j, cname[c], tt.pm25_class_g[c] / 1000.0);
  ct_json_end(j);
  ct_json_end(j);
  (void)err;
  return 0;
}

const ct_model_class ct_traffic_model = {
    "traffic", keys, init, max_dt, step, exchange, write, state, summary,
    destroy};
