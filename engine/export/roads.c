/* roads.c - flooded road segments: each road line of the run is cut where it
 * crosses cell edges, each piece takes the water depth of the cell it lies
 * in, and consecutive pieces at or above the threshold are merged into one
 * segment with its maximum and length-weighted mean depth and its length,
 * labelled with the road's feature, and its source id and name where the
 * traffic model's link table gives them; bridges are left out (the water
 * is under them). The segments go out as RFC 7946 GeoJSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>

#include "export/export_internal.h"

/* One CSV field at *p (quoted or not) into out; *p moves past its comma.
 * Returns 0 at the end of the line. */
static int csv_field(const char **p, char *out, size_t n) {
  const char *s = *p;
  size_t k = 0;
  if (*s == '\n' || *s == '\0') return 0;
  int q = *s == '"';
  if (q) s++;
  while (*s && (q ? *s != '"' : (*s != ',' && *s != '\n'))) {
    if (k + 1 < n) out[k++] = *s;
    s++;
  }
  if (q && *s == '"') s++;
  out[k] = '\0';
  if (*s == ',') s++;
  *p = s;
  return 1;
}

void ct__export_roads_free(ct__roads *rd) {
  for (int k = 0; rd->id && k < rd->nfeat; k++) free(rd->id[k]);
  for (int k = 0; rd->name && k < rd->nfeat; k++) free(rd->name[k]);
  free(rd->id);
  free(rd->name);
  free(rd->bridge);
  free(rd->feature);
  free(rd->xy);
  free(rd->part);
  memset(rd, 0, sizeof *rd);
}

/* The columns of traffic_links this needs, by their header names. */
enum { C_ID, C_NAME, C_FEATURE, C_BRIDGE, NC };

static int link_keys(ct__roads *rd, const char *csv, ct_error *err) {
  static const char *const want[NC] = {"id", "name", "feature", "bridge"};
  int col[NC] = {-1, -1, -1, -1};
  char f[512];
  const char *p = csv;
  for (int c = 0; csv_field(&p, f, sizeof f); c++)
    for (int w = 0; w < NC; w++)
      if (!strcmp(f, want[w])) col[w] = c;
  if (col[C_FEATURE] < 0) return CT_OK; /* a run from before the column */
  for (int k = 0; k < rd->nparts; k++)
    if (rd->feature[k] >= rd->nfeat) rd->nfeat = rd->feature[k] + 1;
  rd->id = calloc((size_t)rd->nfeat + 1, sizeof *rd->id);
  rd->name = calloc((size_t)rd->nfeat + 1, sizeof *rd->name);
  rd->bridge = calloc((size_t)rd->nfeat + 1, 1);
  if (!rd->id || !rd->name || !rd->bridge)
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  while (*p == '\n') p++;
  while (*p) {
    char v[NC][512] = {{0}};
    for (int c = 0; csv_field(&p, f, sizeof f); c++)
      for (int w = 0; w < NC; w++)
        if (c == col[w]) memcpy(v[w], f, sizeof f);
    while (*p == '\n') p++;
    int ft = atoi(v[C_FEATURE]);
    if (!*v[C_FEATURE] || ft < 0 || ft >= rd->nfeat || rd->id[ft]) continue;
    rd->id[ft] = strdup(v[C_ID]);
    rd->name[ft] = strdup(v[C_NAME]);
    rd->bridge[ft] = atoi(v[C_BRIDGE]) != 0;
    if (!rd->id[ft] || !rd->name[ft])
      return ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  return CT_OK;
}

int ct__export_road_keys(ct_reader *r, const char *layer, ct__roads *rd,
                         ct_error *err) {
  int n = 0;
  int rc = ct_reader_line_features(r, layer, &rd->feature, &n, err);
  if (rc) return rc;
  if (n != rd->nparts)
    return ct_error_set(err, CT_EFORMAT, "line layer %s is damaged: %d "
                        "parts, %d feature indices", layer, rd->nparts, n);
  char *of = ct_reader_attr(r, "traffic_roads");
  char *csv = of && !strcmp(of, layer) ? ct_reader_attr(r, "traffic_links")
                                       : NULL;
  rc = csv ? link_keys(rd, csv, err) : CT_OK;
  free(of);
  free(csv);
  return rc;
}

/* Mean Earth radius (IUGG) for lengths when the grid is in degrees. */
#define EARTH_R 6371008.8

/* Length of a straight piece: planar in a projected grid (its units are
 * metres), great-circle (haversine) in a geographic one. */
static double piece_length(int geographic, double x0, double y0, double x1,
                           double y1) {
  if (!geographic) return hypot(x1 - x0, y1 - y0);
  const double d2r = M_PI / 180.0;
  double p0 = y0 * d2r, p1 = y1 * d2r;
  double sp = sin(0.5 * (p1 - p0)), sl = sin(0.5 * (x1 - x0) * d2r);
  double h = sp * sp + cos(p0) * cos(p1) * sl * sl;
  return 2.0 * EARTH_R * asin(sqrt(fmin(1.0, h)));
}

static int cmp_double(const void *a, const void *b) {
  double u = *(const double *)a, v = *(const double *)b;
  return (u > v) - (u < v);
}

/* Parameters t in (0, 1) where P + t (Q - P) crosses a grid line, sorted,
 * with 0 and 1 at the ends; cell lines outside the grid are not needed
 * (everything there has no depth), which bounds the count by nx + ny + 2. */
static int crossings(const ct_grid *g, double px, double py, double qx,
                     double qy, double *ts) {
  int n = 0;
  ts[n++] = 0.0;
  double c[2][2] = {{(px - g->gt[0]) / g->gt[1], (qx - g->gt[0]) / g->gt[1]},
                    {(py - g->gt[3]) / g->gt[5], (qy - g->gt[3]) / g->gt[5]}};
  int lim[2] = {g->nx, g->ny};
  for (int a = 0; a < 2; a++) {
    double ca = c[a][0], cb = c[a][1];
    if (ca == cb) continue;
    double lo = fmin(ca, cb), hi = fmax(ca, cb);
    double kmin = fmax(floor(lo) + 1.0, 0.0), kmax = fmin(ceil(hi) - 1.0, lim[a]);
    for (double k = kmin; k <= kmax; k += 1.0) {
      double t = (k - ca) / (cb - ca);
      if (t > 0.0 && t < 1.0) ts[n++] = t;
    }
  }
  qsort(ts + 1, (size_t)(n - 1), sizeof *ts, cmp_double);
  ts[n++] = 1.0;
  return n;
}

/* The segment being grown along a road. */
typedef struct seg {
  double *xy;
  int n, cap;
  double dmax, dlen, len;
  double ex, ey;  /* end of the last piece */
} seg;

static int seg_push(seg *s, double x, double y) {
  if (s->n > 0 && s->xy[2 * s->n - 2] == x && s->xy[2 * s->n - 1] == y)
    return 0;
  if (s->n == s->cap) {
    int cap = s->cap ? 2 * s->cap : 64;
    double *p = realloc(s->xy, (size_t)cap * 2 * sizeof *p);
    if (!p) return -1;
    s->xy = p;
    s->cap = cap;
  }
  s->xy[2 * s->n] = x;
  s->xy[2 * s->n + 1] = y;
  s->n++;
  return 0;
}

typedef struct out {
  ct__export *x;
  ct__xlayer *l;
  OGRLayerH lyr;
  int f_road, f_id, f_name, f_dmax, f_dmean, f_len, f_closed;
  const ct__roads *rd;
  double closure, total;
} out;

static int emit(out *o, int part, seg *s, ct_error *err) {
  if (seg_push(s, s->ex, s->ey))
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  if (s->n < 2 || s->len <= 0.0) return CT_OK;
  OGRGeometryH gm = OGR_G_CreateGeometry(wkbLineString);
  OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(o->lyr));
  if (!gm || !f) {
    if (gm) OGR_G_DestroyGeometry(gm);
    if (f) OGR_F_Destroy(f);
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  for (int k = 0; k < s->n; k++)
    OGR_G_AddPoint_2D(gm, s->xy[2 * k], s->xy[2 * k + 1]);
  int ft = o->rd->feature[part];
  OGR_F_SetFieldInteger(f, o->f_road, ft);
  if (o->rd->id && o->rd->id[ft]) {
    OGR_F_SetFieldString(f, o->f_id, o->rd->id[ft]);
    OGR_F_SetFieldString(f, o->f_name, o->rd->name[ft]);
  }
  /* Centimetre depth and length are what the data support; fewer digits
   * keep the files small. */
  OGR_F_SetFieldDouble(f, o->f_dmax, round(s->dmax * 1000.0) / 1000.0);
  OGR_F_SetFieldDouble(f, o->f_dmean,
                       round(s->dlen / s->len * 1000.0) / 1000.0);
  OGR_F_SetFieldDouble(f, o->f_len, round(s->len * 100.0) / 100.0);
  OGR_F_SetFieldInteger(f, o->f_closed, s->dmax >= o->closure);
  o->total += s->len;
  return ct__geojson_add(o->x, o->l, o->lyr, f, gm, err);
}

static int add_field(OGRLayerH lyr, const char *name, OGRFieldType t,
                     int boolean) {
  OGRFieldDefnH d = OGR_Fld_Create(name, t);
  if (!d) return -1;
  if (boolean) OGR_Fld_SetSubType(d, OFSTBoolean);
  OGRErr e = OGR_L_CreateField(lyr, d, TRUE);
  OGR_Fld_Destroy(d);
  if (e != OGRERR_NONE) return -1;
  return OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), name);
}

int ct__export_roads(ct__export *x, ct__xlayer *l, const ct__roads *rd,
                     const float *depth, double thr, double closure,
                     double *len, ct_error *err) {
  const ct_grid *g = x->g;
  GDALDatasetH ds = NULL;
  out o = {.x = x, .l = l, .closure = closure, .rd = rd};
  int rc = ct__geojson_create(x, l, "roads", wkbLineString, &ds, &o.lyr, err);
  if (rc) return rc;
  o.f_road = add_field(o.lyr, "road", OFTInteger, 0);
  o.f_id = add_field(o.lyr, "id", OFTString, 0);
  o.f_name = add_field(o.lyr, "name", OFTString, 0);
  o.f_dmax = add_field(o.lyr, "depth_max_m", OFTReal, 0);
  o.f_dmean = add_field(o.lyr, "depth_mean_m", OFTReal, 0);
  o.f_len = add_field(o.lyr, "length_m", OFTReal, 0);
  o.f_closed = add_field(o.lyr, "closed", OFTInteger, 1);
  double *ts = malloc((size_t)(g->nx + g->ny + 4) * sizeof *ts);
  seg s = {0};
  if (o.f_road < 0 || o.f_id < 0 || o.f_name < 0 || o.f_dmax < 0 || o.f_dmean < 0 || o.f_len < 0 ||
      o.f_closed < 0 || !ts) {
    rc = ct_error_set(err, CT_ENOMEM, "%s: cannot set up the layer: %s",
                      l->file, ct__gdal_last("out of memory"));
    goto done;
  }
  for (int p = 0; p < rd->nparts && !rc; p++) {
    if (rd->bridge && rd->bridge[rd->feature[p]]) continue;
    int open = 0;
    for (int q = rd->part[p]; q + 1 < rd->part[p + 1] && !rc; q++) {
      double px = rd->xy[2 * q], py = rd->xy[2 * q + 1];
      double qx = rd->xy[2 * q + 2], qy = rd->xy[2 * q + 3];
      if (!isfinite(px) || !isfinite(py) || !isfinite(qx) || !isfinite(qy))
        continue;
      int nt = crossings(g, px, py, qx, qy, ts);
      for (int k = 0; k + 1 < nt && !rc; k++) {
        double t0 = ts[k], t1 = ts[k + 1];
        if (t1 <= t0) continue;
        double ax = px + t0 * (qx - px), ay = py + t0 * (qy - py);
        double bx = px + t1 * (qx - px), by = py + t1 * (qy - py);
        /* The midpoint lies strictly inside one cell. */
        double tm = 0.5 * (t0 + t1);
        double ci = (px + tm * (qx - px) - g->gt[0]) / g->gt[1];
        double cj = (py + tm * (qy - py) - g->gt[3]) / g->gt[5];
        double d = NAN;
        if (ci >= 0.0 && cj >= 0.0 && ci < g->nx && cj < g->ny)
          d = depth[(size_t)cj * (size_t)g->nx + (size_t)ci];
        if (isfinite(d) && d >= thr) {
          double pl = piece_length(x->geographic, ax, ay, bx, by);
          if (!open) {
            s.n = 0;
            s.dmax = d;
            s.dlen = s.len = 0.0;
            open = 1;
            if (seg_push(&s, ax, ay)) rc = ct_error_set(err, CT_ENOMEM, "out of memory");
          }
          /* Keep the road's own vertices and the two end cuts; the cuts
           * at cell edges in between lie on the line and add nothing. */
          s.ex = bx;
          s.ey = by;
          if (t1 == 1.0 && seg_push(&s, bx, by))
            rc = ct_error_set(err, CT_ENOMEM, "out of memory");
          s.dmax = fmax(s.dmax, d);
          s.dlen += d * pl;
          s.len += pl;
        } else if (open) {
          rc = emit(&o, p, &s, err);
          open = 0;
        }
      }
    }
    if (open && !rc) rc = emit(&o, p, &s, err);
  }
  if (!rc) *len = o.total;
done:
  free(ts);
  free(s.xy);
  if (rc) {
    GDALClose(ds);
    return rc;
  }
  return ct__geojson_close(x, l, ds, err);
}
