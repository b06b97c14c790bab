/* flood.c - flooded roads (Pregnolato, Ford, Wilkinson & Dawson 2017,
 * Transp. Res. D 55:67-81): speed v = 0.0009 w^2 - 0.5529 w + 86.9448 km/h
 * with w the water depth in mm, capped at the road's free speed; the road
 * closes at w >= 300 mm, for motorbikes at a lower depth (a parameter). The
 * depth of a cell is the deepest water on the grid cells it crosses; on a
 * bridge none: the grid's water is the river under it. */
#include <math.h>

#include "traffic/traffic_internal.h"

double ct__pregnolato_kmh(double depth_m) {
  double w = depth_m * 1000.0;
  if (!(w > 0)) w = 0;
  if (w > 300.0) w = 300.0; /* the fit's minimum lies at ~307 mm */
  return 0.0009 * w * w - 0.5529 * w + 86.9448;
}

int ct_traffic_set_bridge(ct_traffic *t, int link, int on) {
  if (link < 0 || link >= t->nlinks) return CT_ERANGE;
  t->l[link].bridge = on != 0;
  return CT_OK;
}

void ct_traffic_set_depth(ct_traffic *t, const float *depth) {
  if (!t->finalized) return;
  for (int l = 0; l < t->nlinks; l++) {
    ct__link *L = &t->l[l];
    double dmax = 0;
    for (int i = 0; i < L->ncells; i++) {
      int ci = L->cell0 + i;
      double d = 0;
      if (depth && t->map0 && !L->bridge)
        for (int e = t->map0[ci]; e < t->map0[ci + 1]; e++) {
          float v = depth[t->map_g[e]];
          if (v > d) d = v; /* NaN compares false: dry */
        }
      t->depth[ci] = (float)d;
      double v = ct__pregnolato_kmh(d) / 3.6;
      double r = v < L->vf ? v / L->vf : 1.0;
      t->r[ci] = (float)r;
      if (d > dmax) dmax = d;
    }
    unsigned char cf = dmax >= t->p.closure_depth;
    unsigned char cm = dmax >= t->p.closure_depth_moto;
    if (cf != L->closed_flood || cm != L->closed_moto) t->route_dirty = 1;
    L->closed_flood = cf;
    L->closed_moto = cm;
    L->depth_max = (float)dmax;
  }
}
