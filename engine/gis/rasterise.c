/* rasterise.c - burning vector features into grid cells: points into their
 * cell, lines into every cell they cross (a grid traversal after Amanatides
 * & Woo 1987, "A fast voxel traversal algorithm for ray tracing"), polygons
 * into the cells whose centre is inside (even-odd rule over all rings, so
 * holes come out). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/layers.h"

/* Liang-Barsky: narrows [t0, t1] to where p*t <= q; 0 when empty. */
static int clip(double p, double q, double *t0, double *t1) {
  if (p == 0) return q >= 0;
  double r = q / p;
  if (p < 0) {
    if (r > *t1) return 0;
    if (r > *t0) *t0 = r;
  } else {
    if (r < *t0) return 0;
    if (r < *t1) *t1 = r;
  }
  return 1;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Segment in cell units (u east, v south from the north-west corner). */
static void burn_segment(float *out, int nx, int ny, double u0, double v0,
                         double u1, double v1, float val) {
  double du = u1 - u0, dv = v1 - v0, t0 = 0, t1 = 1;
  if (!clip(-du, u0, &t0, &t1) || !clip(du, nx - u0, &t0, &t1) ||
      !clip(-dv, v0, &t0, &t1) || !clip(dv, ny - v0, &t0, &t1))
    return;
  double au = u0 + t0 * du, av = v0 + t0 * dv;
  double bu = u0 + t1 * du, bv = v0 + t1 * dv;
  du = bu - au;
  dv = bv - av;
  int i = clampi((int)floor(au), 0, nx - 1), j = clampi((int)floor(av), 0, ny - 1);
  int ie = clampi((int)floor(bu), 0, nx - 1), je = clampi((int)floor(bv), 0, ny - 1);
  int si = ie > i ? 1 : ie < i ? -1 : 0, sj = je > j ? 1 : je < j ? -1 : 0;
  /* Parameter along the segment of the next vertical / horizontal grid line,
   * and its increment per cell. */
  double tu = INFINITY, tv = INFINITY, dtu = INFINITY, dtv = INFINITY;
  if (si) {
    dtu = 1.0 / fabs(du);
    tu = (si > 0 ? i + 1 - au : au - i) * dtu;
  }
  if (sj) {
    dtv = 1.0 / fabs(dv);
    tv = (sj > 0 ? j + 1 - av : av - j) * dtv;
  }
  /* Exactly |ie-i| + |je-j| steps, so round-off cannot run past the end. */
  int n = abs(ie - i) + abs(je - j);
  out[(size_t)j * nx + i] = val;
  for (int k = 0; k < n; k++) {
    if (j == je || (i != ie && tu < tv)) {
      i += si;
      tu += dtu;
    } else {
      j += sj;
      tv += dtv;
    }
    out[(size_t)j * nx + i] = val;
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Cells whose centre is inside: per row, the crossings of the row's centre
 * line with every ring edge, sorted; centres between pairs are inside. The
 * half-open test (v1 <= vc) != (v2 <= vc) counts a vertex on the line once. */
static void burn_polygon(const ct_feature *f, const ct_grid *g, float *out,
                         float val, double *xs) {
  double ux0 = INFINITY, ux1 = -INFINITY, vy0 = INFINITY, vy1 = -INFINITY;
  for (int k = 0; k < f->npts; k++) {
    double u = (f->xy[2 * k] - g->gt[0]) / g->gt[1];
    double v = (f->xy[2 * k + 1] - g->gt[3]) / g->gt[5];
    ux0 = fmin(ux0, u), ux1 = fmax(ux1, u), vy0 = fmin(vy0, v), vy1 = fmax(vy1, v);
  }
  if (ux1 < 0 || ux0 > g->nx || vy1 < 0 || vy0 > g->ny) return;
  int j0 = clampi((int)floor(vy0 - 0.5), 0, g->ny - 1);
  int j1 = clampi((int)ceil(vy1 - 0.5), 0, g->ny - 1);
  for (int j = j0; j <= j1; j++) {
    double vc = j + 0.5;
    int nc = 0;
    for (int p = 0; p < f->nparts; p++) {
      int a = f->part[p], b = f->part[p + 1];
      for (int k = a; k < b; k++) {
        int k2 = k + 1 < b ? k + 1 : a; /* rings close on themselves */
        double u1 = (f->xy[2 * k] - g->gt[0]) / g->gt[1];
        double v1 = (f->xy[2 * k + 1] - g->gt[3]) / g->gt[5];
        double u2 = (f->xy[2 * k2] - g->gt[0]) / g->gt[1];
        double v2 = (f->xy[2 * k2 + 1] - g->gt[3]) / g->gt[5];
        if ((v1 <= vc) != (v2 <= vc))
          xs[nc++] = u1 + (vc - v1) * (u2 - u1) / (v2 - v1);
      }
    }
    qsort(xs, (size_t)nc, sizeof *xs, cmp_double);
    for (int c = 0; c + 1 < nc; c += 2) {
      /* Centres i + 0.5 in [xs[c], xs[c+1]). */
      double lo = ceil(xs[c] - 0.5), hi = ceil(xs[c + 1] - 0.5) - 1;
      if (lo < 0) lo = 0;
      if (hi > g->nx - 1) hi = g->nx - 1;
      for (int i = (int)lo; i <= (int)hi; i++) out[(size_t)j * g->nx + i] = val;
    }
  }
}

int ct_rasterise(const ct_vector *v, const ct_grid *g, float value, float *out,
                 ct_error *err) {
  if (!v || !g || !out)
    return ct_error_set(err, CT_EINVAL, "ct_rasterise: missing argument");
  int maxpts = 0;
  for (int n = 0; n < v->nfeat; n++)
    if (v->feat[n].type == CT_GEOM_POLYGON && v->feat[n].npts > maxpts)
      maxpts = v->feat[n].npts;
  double *xs = maxpts ? malloc(sizeof(double) * (size_t)maxpts) : NULL;
  if (maxpts && !xs)
    return ct_error_set(err, CT_ENOMEM, "rasterising '%s': out of memory",
                        v->name ? v->name : "?");
  for (int n = 0; n < v->nfeat; n++) {
    const ct_feature *f = &v->feat[n];
    if (f->type == CT_GEOM_POINT) {
      for (int k = 0; k < f->npts; k++) {
        int i, j;
        if (ct_grid_locate(g, f->xy[2 * k], f->xy[2 * k + 1], &i, &j) == CT_OK)
          out[(size_t)j * g->nx + i] = value;
      }
    } else if (f->type == CT_GEOM_LINE) {
      for (int p = 0; p < f->nparts; p++)
        for (int k = f->part[p]; k + 1 < f->part[p + 1]; k++) {
          const double *a = f->xy + 2 * k;
          burn_segment(out, g->nx, g->ny, (a[0] - g->gt[0]) / g->gt[1],
                       (a[1] - g->gt[3]) / g->gt[5],
                       (a[2] - g->gt[0]) / g->gt[1],
                       (a[3] - g->gt[3]) / g->gt[5], value);
        }
    } else if (f->type == CT_GEOM_POLYGON) {
      burn_polygon(f, g, out, value, xs);
    }
  }
  free(xs);
  return CT_OK;
}

int ct_feature_contains(const ct_feature *f, double x, double y) {
  if (!f || f->type != CT_GEOM_POLYGON) return 0;
  int inside = 0;
  for (int p = 0; p < f->nparts; p++) {
    int a = f->part[p], b = f->part[p + 1];
    for (int k = a; k < b; k++) {
      int k2 = k + 1 < b ? k + 1 : a;
      double x1 = f->xy[2 * k], y1 = f->xy[2 * k + 1];
      double x2 = f->xy[2 * k2], y2 = f->xy[2 * k2 + 1];
      if ((y1 <= y) != (y2 <= y) &&
          x < x1 + (y - y1) * (x2 - x1) / (y2 - y1))
        inside = !inside;
    }
  }
  return inside;
}
