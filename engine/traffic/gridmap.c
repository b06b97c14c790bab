/* gridmap.c - where the cells of the road network lie on the domain grid:
 * each cell's stretch of geometry cut into pieces of at most a quarter of a
 * grid cell, each piece's length credited to the grid cell of its midpoint.
 * Used to read water depths and to rasterise densities, speeds and
 * emissions (emissions spread by length, so the total is conserved within
 * the domain). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "traffic/traffic_internal.h"

typedef struct {
  int n, cap;
  int *g;
  float *len;
} elist;

static int add_entry(elist *e, int from, int g, float len) {
  if (e->n > from && e->g[e->n - 1] == g) {
    e->len[e->n - 1] += len;
    return 0;
  }
  if (e->n == e->cap) {
    int nc = e->cap ? 2 * e->cap : 1024;
    int *a = realloc(e->g, (size_t)nc * sizeof *a);
    if (!a) return CT_ENOMEM;
    e->g = a;
    float *b = realloc(e->len, (size_t)nc * sizeof *b);
    if (!b) return CT_ENOMEM;
    e->len = b;
    e->cap = nc;
  }
  e->g[e->n] = g;
  e->len[e->n++] = len;
  return 0;
}

/* No map: the network is not on a grid (rasterise does nothing). */
static int unmap(ct_traffic *t) {
  free(t->map0);
  free(t->map_g);
  free(t->map_len);
  free(t->map_sum);
  t->map0 = t->map_g = NULL;
  t->map_len = NULL;
  t->map_sum = NULL;
  return CT_ENOMEM;
}

int ct_traffic_map_grid(ct_traffic *t, const ct_grid *g, ct_error *err) {
  if (!t->finalized)
    return ct_error_set(err, CT_EINVAL, "traffic: finalise the network first");
  unmap(t);
  t->map_sum = malloc(3 * (size_t)g->nx * (size_t)g->ny * sizeof(double));
  t->map0 = malloc(((size_t)t->ncells + 1) * sizeof(int));
  if (!t->map0 || !t->map_sum)
    return ct_error_set(err, unmap(t), "traffic: out of memory");
  elist e = {0, 0, NULL, NULL};
  const double h = 0.25 * g->dx;
  int rc = 0;
  for (int l = 0; l < t->nlinks && !rc; l++) {
    const ct__link *L = &t->l[l];
    const double *xy = t->geo + 2 * (size_t)L->geo0;
    double cl = L->geolen / L->ncells;
    int seg = 0;
    double s0 = 0; /* arc length at the start of segment seg */
    for (int i = 0; i < L->ncells && !rc; i++) {
      t->map0[L->cell0 + i] = e.n;
      double a = i * cl, b = (i == L->ncells - 1) ? L->geolen : a + cl;
      while (seg < L->ngeo - 1 && !rc) {
        double x0 = xy[2 * seg], y0 = xy[2 * seg + 1];
        double x1 = xy[2 * seg + 2], y1 = xy[2 * seg + 3];
        double sl = hypot(x1 - x0, y1 - y0);
        double lo = a > s0 ? a : s0, hi = b < s0 + sl ? b : s0 + sl;
        if (hi > lo && sl > 0) {
          int np = (int)ceil((hi - lo) / h);
          double pl = (hi - lo) / np;
          for (int k = 0; k < np && !rc; k++) {
            double s = lo + (k + 0.5) * pl - s0;
            double x = x0 + (x1 - x0) * s / sl, y = y0 + (y1 - y0) * s / sl;
            double fi = (x - g->gt[0]) / g->gt[1], fj = (y - g->gt[3]) / g->gt[5];
            if (fi < 0 || fj < 0 || fi >= g->nx || fj >= g->ny) continue;
            rc = add_entry(&e, t->map0[L->cell0 + i], (int)fj * g->nx + (int)fi,
                           (float)pl);
          }
        }
        if (s0 + sl <= b) {
          s0 += sl;
          seg++;
        } else {
          break;
        }
      }
    }
  }
  t->map0[t->ncells] = e.n;
  t->map_g = e.g;
  t->map_len = e.len;
  t->gnx = g->nx;
  t->gny = g->ny;
  if (rc) return ct_error_set(err, unmap(t), "traffic: out of memory");
  return 0;
}

void ct_traffic_rasterise(ct_traffic *t, float *density, float *speed_ratio,
                          float *nox, float *pm25) {
  if (!t->map0) return;
  size_t ng = (size_t)t->gnx * t->gny;
  double *wsum = t->map_sum, *dsum = wsum + ng, *ssum = dsum + ng;
  memset(wsum, 0, 3 * ng * sizeof *wsum);
  if (nox) memset(nox, 0, ng * sizeof *nox);
  if (pm25) memset(pm25, 0, ng * sizeof *pm25);
  double et = t->em_time > 0 ? t->em_time : 1.0;
  for (int l = 0; l < t->nlinks; l++) {
    const ct__link *L = &t->l[l];
    double cl = L->geolen / L->ncells, N = L->kj * L->dx * L->lanes;
    for (int i = 0; i < L->ncells; i++) {
      int ci = L->cell0 + i;
      double veh = 0, O = 0;
      for (int c = 0; c < CT__NC; c++) {
        veh += (double)t->n[(size_t)(ci) * CT__NC + c];
        O += (double)t->n[(size_t)(ci) * CT__NC + c] * t->p.storage[c];
      }
      veh /= CT__UNIT;
      O /= CT__UNIT;
      double k = veh / L->dx * 1000.0;
      double vf = t->r[ci] * L->vf, v = vf;
      if (O > 0 && O > N * L->w / (vf + L->w)) {
        v = L->w * (N - O) / O;
        if (v > vf) v = vf;
        if (v < 0) v = 0;
      }
      double ratio = v / L->vf0;
      for (int e = t->map0[ci]; e < t->map0[ci + 1]; e++) {
        int gi = t->map_g[e];
        double wl = t->map_len[e];
        wsum[gi] += wl;
        dsum[gi] += wl * k;
        ssum[gi] += wl * ratio;
        if (nox) nox[gi] += (float)(t->em_nox[ci] / et * wl / cl);
        if (pm25) pm25[gi] += (float)(t->em_pm[ci] / et * wl / cl);
      }
    }
  }
  for (size_t k = 0; k < ng; k++) {
    if (density) density[k] = wsum[k] > 0 ? (float)(dsum[k] / wsum[k]) : NAN;
    if (speed_ratio)
      speed_ratio[k] = wsum[k] > 0 ? (float)(ssum[k] / wsum[k]) : NAN;
  }
  memset(t->em_nox, 0, (size_t)t->ncells * sizeof *t->em_nox);
  memset(t->em_pm, 0, (size_t)t->ncells * sizeof *t->em_pm);
  t->em_time = 0;
}
