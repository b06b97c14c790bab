/* od.c - demand from scenario inputs: an origin-destination CSV over time
 * slices (zones from a polygon layer, junction numbers, or "x y"
 * coordinates), and trips generated from the land-use raster (homes to
 * workplaces in the morning peak, a singly-constrained gravity model with
 * an exponential deterrence of distance). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/util.h"
#include "traffic/od.h"
#include "traffic/traffic_internal.h"

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = 0;
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
    s[n - 1] = 0;
    s++;
  }
  return s;
}

int ct__zones_load(ct_traffic *t, const ct_vector *v, const char *idcol,
                   ct__zones *z, ct_error *err) {
  memset(z, 0, sizeof *z);
  if (ct_vector_field(v, idcol) < 0) {
    char avail[1024];
    size_t n = 0;
    avail[0] = 0;
    for (int k = 0; k < v->nfields && n + 4 < sizeof avail; k++)
      n += (size_t)snprintf(avail + n, sizeof avail - n, "%s%s", k ? ", " : "",
                            v->fields[k]);
    return ct_error_set(err, CT_EINVAL,
                        "layer '%s' (%s): no zone id column '%s'; the layer "
                        "has: %s",
                        v->name, v->path, idcol, v->nfields ? avail : "none");
  }
  z->id = calloc((size_t)v->nfeat + 1, sizeof *z->id);
  z->node = calloc((size_t)v->nfeat + 1, sizeof *z->node);
  if (!z->id || !z->node) return ct_error_set(err, CT_ENOMEM, "out of memory");
  for (int f = 0; f < v->nfeat; f++) {
    const ct_feature *ft = &v->feat[f];
    if (ft->type != CT_GEOM_POLYGON || ft->npts < 3) continue;
    const char *id = ct_feature_attr(v, ft, idcol);
    if (!id) continue;
    double cx = 0, cy = 0;
    for (int k = 0; k < ft->npts; k++) {
      cx += ft->xy[2 * k];
      cy += ft->xy[2 * k + 1];
    }
    cx /= ft->npts;
    cy /= ft->npts;
    /* the junction of the main network inside the zone nearest its centre,
     * else the nearest one at all */
    int best = -1;
    double bd = INFINITY;
    for (int k = 0; k < t->nnodes; k++) {
      if (t->node_island[k] != t->main_island) continue;
      if (!ct_feature_contains(ft, t->nx_[k], t->ny_[k])) continue;
      double d = hypot(t->nx_[k] - cx, t->ny_[k] - cy);
      if (d < bd) {
        bd = d;
        best = k;
      }
    }
    if (best < 0) best = ct_traffic_nearest_node(t, cx, cy);
    z->id[z->n] = strdup(id);
    if (!z->id[z->n]) return ct_error_set(err, CT_ENOMEM, "out of memory");
    z->node[z->n++] = best;
  }
  if (z->n == 0)
    return ct_error_set(err, CT_EINVAL,
                        "layer '%s' (%s): no polygons with a zone id", v->name,
                        v->path);
  return 0;
}

void ct__zones_free(ct__zones *z) {
  for (int k = 0; k < z->n; k++) free(z->id[k]);
  free(z->id);
  free(z->node);
  memset(z, 0, sizeof *z);
}

/* How far an "x y" end may lie from the network: beyond it, coordinates in
 * another CRS (degrees, a swapped pair) are likelier than a real place. */
#define OD_SNAP_MAX_M 2000.0

/* A zone id, "x y" coordinates, or a junction number -> node; -1 unknown,
 * -2 coordinates farther than OD_SNAP_MAX_M from every junction. */
static int resolve(ct_traffic *t, const ct__zones *z, const char *s) {
  if (z && z->n) {
    for (int k = 0; k < z->n; k++)
      if (strcmp(z->id[k], s) == 0) return z->node[k];
    return -1;
  }
  double x, y;
  int used = 0;
  if (sscanf(s, "%lf %lf %n", &x, &y, &used) == 2 && s[used] == 0) {
    int v = ct_traffic_nearest_node(t, x, y);
    if (v >= 0 && !(hypot(t->nx_[v] - x, t->ny_[v] - y) <= OD_SNAP_MAX_M))
      return -2;
    return v;
  }
  char *end;
  long v = strtol(s, &end, 10);
  if (*s && *end == 0 && v >= 0 && v < t->nnodes) return (int)v;
  return -1;
}

/* HH:MM or a duration from the start, or ISO 8601 with its UTC offset
 * (without one a local time would be read as UTC: hours off). */
static int parse_time(const char *s, double start_unix, double *out) {
  if (ct_parse_clock(s, out) == 0) return 0;
  double u;
  int off, has_off = 0;
  if (ct_parse_iso8601_ex(s, &u, &off, &has_off, NULL, 0) == 0 && has_off) {
    *out = u - start_unix;
    return 0;
  }
  return CT_EINVAL;
}

int ct__od_read(ct_traffic *t, const char *path, const ct__zones *z,
                double scale, double start_unix, double duration,
                double *trips_out, ct_error *err) {
  FILE *fp = fopen(path, "r");
  if (!fp)
    return ct_error_set(err, errno == ENOENT ? CT_ENOENT : CT_EIO,
                        "%s: cannot open: %s", path, strerror(errno));
  char line[4096];
  char *f[32];
  int lineno = 0, rc = 0;
  int co = -1, cd = -1, cs = -1, ce = -1, ct = -1, ck = -1, nf = 0;
  double total = 0;
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    size_t len = strlen(line);
    if (len == sizeof line - 1 && line[len - 1] != '\n') {
      rc = ct_error_set(err, CT_EFORMAT, "%s:%d: line too long", path, lineno);
      break;
    }
    char *s = trim(line);
    if (!*s || *s == '#') continue;
    if (co < 0 && cd < 0 && nf == 0) {
      nf = ct_csv_split(s, f, 32);
      for (int k = 0; k < nf; k++) {
        if (!strcmp(f[k], "origin")) co = k;
        else if (!strcmp(f[k], "destination")) cd = k;
        else if (!strcmp(f[k], "start")) cs = k;
        else if (!strcmp(f[k], "end")) ce = k;
        else if (!strcmp(f[k], "trips")) ct = k;
        else if (!strcmp(f[k], "class")) ck = k;
      }
      if (co < 0 || cd < 0 || ct < 0) {
        rc = ct_error_set(err, CT_EFORMAT,
                          "%s:%d: header needs the columns origin, "
                          "destination, trips (and optionally start, end, "
                          "class)",
                          path, lineno);
        break;
      }
      continue;
    }
    int n = ct_csv_split(s, f, 32);
    if (n != nf) {
      rc = ct_error_set(err, CT_EFORMAT, "%s:%d: %d fields, expected %d", path,
                        lineno, n, nf);
      break;
    }
    int o = resolve(t, z, f[co]), d = resolve(t, z, f[cd]);
    if (o == -2 || d == -2) {
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: '%s' lies more than %.0f m from every "
                        "junction of the road network (coordinates in "
                        "another CRS? they are in the domain's)",
                        path, lineno, o == -2 ? f[co] : f[cd], OD_SNAP_MAX_M);
      break;
    }
    if (o < 0 || d < 0) {
      const char *bad = o < 0 ? f[co] : f[cd];
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: unknown %s '%s' (%s)", path, lineno,
                        z && z->n ? "zone" : "origin/destination", bad,
                        z && z->n ? "not an id of the zones layer"
                                  : "expected a junction number or 'x y' "
                                    "coordinates");
      break;
    }
    double t0 = 0, t1 = duration, trips;
    if ((cs >= 0 && parse_time(f[cs], start_unix, &t0)) ||
        (ce >= 0 && parse_time(f[ce], start_unix, &t1))) {
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: start/end: expected HH:MM, a duration or ISO "
                        "8601 with its UTC offset (2026-09-15T07:30:00+07:00)",
                        path, lineno);
      break;
    }
    if (ct_parse_double(f[ct], &trips) || trips < 0) {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: trips: expected a number >= 0, "
                        "got '%s'", path, lineno, f[ct]);
      break;
    }
    if (!(t1 > t0)) {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: end must come after start",
                        path, lineno);
      break;
    }
    int cls = -1;
    if (ck >= 0 && f[ck][0]) {
      static const char *const cn[CT__NC] = {"motorbike", "car", "bus", "truck"};
      for (int c = 0; c < CT__NC; c++)
        if (!strcmp(f[ck], cn[c])) cls = c;
      if (cls < 0) {
        rc = ct_error_set(err, CT_EINVAL,
                          "%s:%d: class: expected motorbike, car, bus or truck "
                          "(or empty for the fleet mix), got '%s'",
                          path, lineno, f[ck]);
        break;
      }
    }
    if (trips * scale > 0) {
      rc = ct__add_flow(t, o, d, t0, t1, trips * scale, cls, err);
      if (rc) {
        ct_error_prefix(err, "%s:%d", path, lineno);
        break;
      }
      total += trips * scale;
    }
  }
  if (!rc && co < 0)
    rc = ct_error_set(err, CT_EFORMAT, "%s: empty OD table", path);
  fclose(fp);
  if (trips_out) *trips_out = total;
  return rc;
}

/* Land use (team codes): 1 dense urban, 2 residential -> homes; 3
 * industrial/commercial, 1 dense urban -> workplaces. Cells are pooled into
 * square zones of zone_size metres; each zone's trips leave from the
 * junction nearest its weighted centre. Destinations by gravity:
 * P(j | i) ~ W_j exp(-d_ij / 3 km) (mean urban commute of a few km). */
int ct__landuse_demand(ct_traffic *t, const float *lu, const ct_grid *g,
                       double trips_per_ha, double zone_size, double t0,
                       double t1, double *trips_out, ct_error *err) {
  int bs = (int)fmax(1.0, floor(zone_size / g->dx + 0.5));
  int bx = (g->nx + bs - 1) / bs, by = (g->ny + bs - 1) / bs, nb = bx * by;
  double *hw = calloc((size_t)nb * 6, sizeof *hw); /* home w, x, y; work w, x, y */
  int *hn = malloc((size_t)nb * 2 * sizeof *hn);
  double *od = NULL;
  int rc = 0;
  if (!hw || !hn) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto out;
  }
  double cell_ha = g->dx * g->dx / 1e4;
  for (int j = 0; j < g->ny; j++)
    for (int i = 0; i < g->nx; i++) {
      float c = lu[(size_t)j * g->nx + i];
      if (!(c == c)) continue;
      int code = (int)lrintf(c);
      double h = code == 2 ? 1.0 : code == 1 ? 0.5 : 0.0;
      double w = code == 3 ? 1.0 : code == 1 ? 0.5 : 0.0;
      int b = (j / bs) * bx + i / bs;
      double x = ct_grid_x(g, i), y = ct_grid_y(g, j);
      hw[6 * b] += h * cell_ha;
      hw[6 * b + 1] += h * cell_ha * x;
      hw[6 * b + 2] += h * cell_ha * y;
      hw[6 * b + 3] += w * cell_ha;
      hw[6 * b + 4] += w * cell_ha * x;
      hw[6 * b + 5] += w * cell_ha * y;
    }
  double tot_w = 0;
  for (int b = 0; b < nb; b++) {
    hn[2 * b] = hn[2 * b + 1] = -1;
    for (int s = 0; s < 2; s++) {
      double w = hw[6 * b + 3 * s];
      if (w > 0)
        hn[2 * b + s] = ct_traffic_nearest_node(t, hw[6 * b + 3 * s + 1] / w,
                                                hw[6 * b + 3 * s + 2] / w);
    }
    tot_w += hw[6 * b + 3];
  }
  if (!(tot_w > 0)) {
    rc = ct_error_set(err, CT_EINVAL,
                      "traffic: demand = landuse: the land-use layer has no "
                      "workplaces (codes 1 or 3)");
    goto out;
  }
  od = malloc((size_t)nb * sizeof *od);
  if (!od) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto out;
  }
  double total = 0;
  for (int a = 0; a < nb && !rc; a++) {
    double T = hw[6 * a] * trips_per_ha;
    if (!(T > 0) || hn[2 * a] < 0) continue;
    double ax = hw[6 * a + 1] / hw[6 * a], ay = hw[6 * a + 2] / hw[6 * a];
    double s = 0;
    for (int b = 0; b < nb; b++) {
      od[b] = 0;
      if (hw[6 * b + 3] <= 0 || hn[2 * b + 1] < 0) continue;
      double d = hypot(hw[6 * b + 4] / hw[6 * b + 3] - ax,
                       hw[6 * b + 5] / hw[6 * b + 3] - ay);
      od[b] = hw[6 * b + 3] * exp(-d / 3000.0);
      s += od[b];
    }
    if (!(s > 0)) continue;
    for (int b = 0; b < nb && !rc; b++) {
      double v = T * od[b] / s;
      if (v < 0.5) continue; /* dust below half a trip */
      rc = ct_traffic_add_flow(t, hn[2 * a], hn[2 * b + 1], t0, t1, v, err);
      total += v;
    }
  }
  if (trips_out) *trips_out = total;
out:
  free(hw);
  free(hn);
  free(od);
  return rc;
}
