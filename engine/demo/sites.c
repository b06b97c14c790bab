/* sites.c - the demo city's points: industrial stacks in the industrial
 * zones, air-quality stations, and water-level gauges in the low districts,
 * on the peninsula and on the river and canal. Coordinates are local metres
 * from the domain's south-west corner. */
#include <math.h>
#include "demo/demo_internal.h"

/* Stack emissions are of the order of a small gas/oil power unit (tens of
 * g/s NOx) and of cement, steel and textile works (a few g/s). */
static const ct__site stacks[] = {
    {"Tan Thuan power plant", 10000, 900, 80, 2.5, 25.0},
    {"Cat Lai cement works", 11600, 1600, 45, 1.2, 6.0},
    {"Binh Tan steel mill", 1400, 1200, 35, 0.8, 3.5},
    {"Tan Binh textiles", 1600, 8400, 30, 0.3, 1.5}};

static const ct__site stations[] = {
    {"Ben Thanh", 4900, 4700, 0, 0, 0},  {"Thu Thiem", 8000, 4600, 0, 0, 0},
    {"Tan Thuan", 9600, 1200, 0, 0, 0},  {"Go Vap", 3600, 9000, 0, 0, 0},
    {"Binh Tan", 1200, 2400, 0, 0, 0},   {"Thu Duc", 10800, 8600, 0, 0, 0}};

/* Low neighbourhoods (the centres of the hollows in terrain.c) and the
 * peninsula. */
static const ct__site low_gauges[] = {
    {"ben_nghe_low", 4300, 4250, 0, 0, 0}, {"binh_tay_low", 2900, 5700, 0, 0, 0},
    {"binh_chanh_low", 3400, 2500, 0, 0, 0}, {"tan_phong_low", 7800, 1900, 0, 0, 0},
    {"go_vap_low", 4400, 7600, 0, 0, 0},   {"thu_thiem", 8000, 4350, 0, 0, 0}};

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

int ct__stacks(const ct__site **s) {
  *s = stacks;
  return NELEM(stacks);
}

int ct__stations(const ct__site **s) {
  *s = stations;
  return NELEM(stations);
}

/* The centreline sample nearest to where the line crosses y = y0 last
 * (for the river: its final reach towards the mouth) or first. */
static int line_at_y(const ct__line *l, double y0, int last) {
  int best = -1;
  for (int k = 0; k + 1 < l->n; k++)
    if ((l->y[k] - y0) * (l->y[k + 1] - y0) <= 0) {
      best = k;
      if (!last) break;
    }
  return best < 0 ? 0 : best;
}

int ct__gauges(const ct__city *c, ct__site *out, int max) {
  int n = 0;
  for (int k = 0; k < NELEM(low_gauges) && n < max; k++) out[n++] = low_gauges[k];
  struct {
    const char *name;
    const ct__line *l;
    int k;
  } wet[] = {
      {"river_mouth", &c->river, line_at_y(&c->river, 600, 1)},
      {"river_bend", &c->river, ct__line_nearest(&c->river, 8000, 2850)},
      {"river_north", &c->river, line_at_y(&c->river, 9000, 0)},
      {"canal", &c->canal, ct__line_nearest(&c->canal, 4400, 6550)}};
  for (int k = 0; k < NELEM(wet) && n < max; k++) {
    /* Whole metres: a gauge file is read and written by people. */
    out[n].name = wet[k].name;
    out[n].x = floor(wet[k].l->x[wet[k].k]);
    out[n].y = floor(wet[k].l->y[wet[k].k]);
    out[n].height = out[n].pm25 = out[n].nox = 0;
    n++;
  }
  return n;
}
