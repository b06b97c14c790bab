/* demo_internal.h - what the files of the demo city share: the city being
 * built (grids in memory before they are written), its river and canal
 * centrelines, its road graph, and the deterministic random numbers and
 * noise the shapes are drawn from. Local coordinates are metres from the
 * domain's south-west corner (X east, Y north); rasters are row 0 north. */
#ifndef CT_DEMO_INTERNAL_H
#define CT_DEMO_INTERNAL_H

#include <stdint.h>
#include "citytwin/error.h"

/* Domain of the demo: UTM 48N, centre about 10.77 N 106.70 E. */
#define CT__DEMO_EPSG 32648
#define CT__DEMO_XMIN 680000.0
#define CT__DEMO_YMIN 1186000.0
#define CT__DEMO_NX 600
#define CT__DEMO_NY 500
#define CT__DEMO_DX 20.0
#define CT__DEMO_NODATA (-9999.0)

/* Land-use codes (team convention). */
enum {
  CT__LU_DENSE = 1,
  CT__LU_RESIDENTIAL = 2,
  CT__LU_INDUSTRIAL = 3,
  CT__LU_GREEN = 4,
  CT__LU_WATER = 5,
  CT__LU_ROAD = 6,
  CT__LU_BARE = 7
};

/* --- random numbers and noise (noise.c) --- */

/* splitmix64 (Steele, Lea & Flood 2014): small, fast, and every stream is
 * fixed by its seed, so the city is the same on every machine. */
typedef struct ct__rng {
  uint64_t s;
} ct__rng;

uint64_t ct__rng_next(ct__rng *r);
double ct__rng_uniform(ct__rng *r); /* [0, 1) */
/* A hash of two integers and a seed, uniform in [-1, 1]. */
double ct__hash2(int64_t ix, int64_t iy, uint32_t seed);
/* Smooth value noise at (x, y) with feature size scale [m], in [-1, 1]. */
double ct__noise(double x, double y, double scale, uint32_t seed);
/* Fractal sum of octaves of ct__noise, roughly in [-1, 1]. */
double ct__fbm(double x, double y, double scale, int octaves, uint32_t seed);
double ct__smoothstep(double e0, double e1, double x);

/* --- centrelines (terrain.c) --- */

typedef struct ct__line {
  int n;
  double *x, *y, *s; /* samples along the curve and their arc length */
  double len;
} ct__line;

/* The river's width [m] at arc length s. */
double ct__river_width(const ct__line *river, double s);
/* The sample of a line nearest (x, y). */
int ct__line_nearest(const ct__line *l, double x, double y);

/* --- the road graph (roads.c) --- */

enum { CT__PRIMARY, CT__SECONDARY, CT__TERTIARY, CT__RESIDENTIAL };

typedef struct ct__link {
  int a, b;        /* nodes */
  int cls;         /* CT__PRIMARY ... */
  int line;        /* which street (lattice line) it belongs to */
  int oneway;      /* 1: only from a to b */
  int bridge;      /* crosses water */
  double mx, my;   /* middle vertex (follows the street's curve) */
} ct__link;

typedef struct ct__roads {
  int nnode, nlink;
  double *nx, *ny; /* node coordinates (local) */
  ct__link *link;
  int nstreet;     /* street names are indexed by ct__link.line */
  int *street_cls; /* class of each street */
} ct__roads;

/* --- the city --- */

typedef struct ct__city {
  int nx, ny;
  double dx, w, h;      /* cell [m], extent [m] */
  float *dem;           /* [m] above datum */
  uint8_t *lu;          /* land use codes */
  float *drains;        /* inlet capacity [mm/h] */
  float *rdist, *rarc;  /* distance to the river centreline, arc there */
  float *cdist;         /* distance to the canal centreline */
  ct__line river, canal;
  ct__roads roads;
} ct__city;

/* Local centre of a cell. */
static inline double ct__cx(const ct__city *c, int i) {
  return (i + 0.5) * c->dx;
}
static inline double ct__cy(const ct__city *c, int j) {
  return c->h - (j + 0.5) * c->dx;
}
/* Cell index of a local point, or -1 outside. */
long ct__cell_at(const ct__city *c, double x, double y);

int ct__city_alloc(ct__city *c, ct_error *err);
void ct__city_free(ct__city *c);

/* Centrelines, distances, DEM and land use without the roads. */
int ct__terrain_build(ct__city *c, ct_error *err);
/* The road graph, then roads stamped into the land use and DEM. */
int ct__roads_build(ct__city *c, ct_error *err);
int ct__roads_stamp(ct__city *c, ct_error *err);
void ct__roads_free(ct__roads *r);
const char *ct__street_name(const ct__roads *r, int line, char *buf,
                            size_t n);
const char *ct__class_name(int cls);
int ct__class_lanes(int cls);
int ct__class_maxspeed(int cls);
/* Drain inlet capacity by district and land use. */
void ct__drains_build(ct__city *c);

/* --- points of interest (sites.c) --- */

typedef struct ct__site {
  const char *name;
  double x, y; /* local */
  double height, pm25, nox; /* stacks only */
} ct__site;

int ct__stacks(const ct__site **s);
int ct__stations(const ct__site **s);
/* Gauges: fixed land points plus points on the river and canal. */
int ct__gauges(const ct__city *c, ct__site *out, int max);

/* --- files --- */

int ct__write_rasters(const ct__city *c, const char *datadir, ct_error *err);
int ct__write_vectors(const ct__city *c, const char *datadir, ct_error *err);
int ct__write_forcing(const ct__city *c, const char *datadir, ct_error *err);
/* demo.ini, demo_short.ini and demo_forecast.ini; with check, only makes
 * sure none exists with other content (a planner's edits), writing
 * nothing. */
int ct__write_scenarios(const ct__city *c, const char *dir, int check,
                        ct_error *err);
/* The rain forecast rasters (data/forecast/) (forecast.c); the text of
 * demo_forecast.ini (malloc'd), demo.ini with the forecast as its rain. */
int ct__write_forecast(const char *dir, ct_error *err);
int ct__forecast_ini(const char *demo_ini, char **text, ct_error *err);

/* Rain intensity of the design storm [mm/h] t_storm seconds after it
 * starts (before the series is scaled to the exact depth); r: the share of
 * the storm before its peak. Exposed for the tests. */
double ct__chicago(double t_storm, double duration, double r);

#endif
