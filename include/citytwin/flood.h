/* flood.h - 2-D surface flood and drainage model: local inertial shallow-water
 * flow (Bates et al. 2010; de Almeida et al. 2012) with rain, infiltration,
 * urban drains, boundaries and inflow hydrographs, and a volume balance kept
 * in double precision.
 *
 * Two layers: a low-level simulation (ct_flood) built from arrays on a
 * ct_grid, usable without a scenario (tests, benchmarks), and the model class
 * ct_flood_model (section [flood]) that builds one from a scenario. */
#ifndef CITYTWIN_FLOOD_H
#define CITYTWIN_FLOOD_H

#include "citytwin/error.h"
#include "citytwin/grid.h"
#include "citytwin/model.h"

/* Domain edges (row 0 is north). */
enum { CT_FLOOD_NORTH = 0, CT_FLOOD_SOUTH = 1, CT_FLOOD_EAST = 2,
       CT_FLOOD_WEST = 3 };
/* Boundary conditions of an edge. */
enum { CT_FLOOD_CLOSED = 0, CT_FLOOD_FREE = 1, CT_FLOOD_LEVEL = 2 };

typedef struct ct_flood_params {
  double theta;     /* q-centring weight, 0.7 (de Almeida et al. 2012) */
  double alpha;     /* CFL coefficient of the adaptive step, 0.7 */
  double max_dt;    /* cap on the step [s], 10 */
  double h_flow;    /* faces carry flow only above this flow depth [m], 1e-3 */
  double g;         /* gravity [m s-2], 9.80665 */
} ct_flood_params;

/* The defaults above. */
void ct_flood_params_default(ct_flood_params *p);

/* Volume balance since creation, all in m3 (double sums). */
typedef struct ct_flood_balance {
  double rain;         /* rain that fell on the domain */
  double inflow;       /* point and line inflow hydrographs */
  double infiltrated;  /* taken by the soil */
  double drained;      /* taken by the drain inlets */
  double outfall;      /* drained water released at the outfall cell */
  double boundary_in[4];  /* entered through each edge (level boundaries) */
  double boundary_out[4]; /* left through each edge */
  double storage0;     /* water on the surface at creation */
  double storage;      /* water on the surface now */
  double clamped;      /* water created by clamping round-off negatives to 0
                          (already included in error, reported for insight) */
  double in_total;     /* rain + inflow + boundary_in + storage0 */
  double error;        /* in - out - storage, m3 */
  double error_rel;    /* |error| / max(in_total, tiny) */
} ct_flood_balance;

typedef struct ct_flood ct_flood;

/* Creates a simulation on g. dem: nx*ny bed elevations [m] (row 0 north),
 * finite everywhere. manning: nx*ny Manning n [s m-1/3], or NULL to use
 * manning_uniform everywhere. p may be NULL for the defaults. The initial
 * state is dry; all edges closed. Copies everything it needs. */
int ct_flood_create(ct_flood **f, const ct_grid *g, const float *dem,
                    const float *manning, double manning_uniform,
                    const ct_flood_params *p, ct_error *err);
void ct_flood_destroy(ct_flood *f);

/* Initial water-surface elevation: depth max(level - z, 0) everywhere
 * (counted as storage0). Call before the first step. */
int ct_flood_set_level(ct_flood *f, double level, ct_error *err);
/* Fills the water bodies open to the level boundaries (a river to its tide)
 * to each boundary's level at t = 0: cells below it reached from that edge
 * through cells below it, never land behind a bank. Set the boundaries
 * first. Returns the number of cells filled, or a negative code. */
int ct_flood_fill_from_boundaries(ct_flood *f, ct_error *err);
/* Initial depth per cell (nx*ny, >= 0), or NULL for dry. */
int ct_flood_set_depth(ct_flood *f, const float *depth, ct_error *err);

/* Boundary of an edge. For CT_FLOOD_LEVEL, n points (t [s], water-surface
 * elevation [m]) interpolated linearly and held outside (copied); ignored for
 * the others. Free outflow takes the normal-depth flux from the local water
 * surface slope (never inflow). */
int ct_flood_set_boundary(ct_flood *f, int edge, int type, int n,
                          const double *t, const double *level, ct_error *err);

/* Inflow hydrograph Q(t) [m3 s-1] (n points, linear, held outside; copied)
 * entering over the cells the segment (x1,y1)-(x2,y2) crosses in the grid's
 * CRS (a point when both ends agree), shared by length. Outside the domain
 * is CT_ERANGE. */
int ct_flood_add_inflow(ct_flood *f, double x1, double y1, double x2,
                        double y2, int n, const double *t, const double *q,
                        ct_error *err);

/* Rain rate [m s-1] from now on: uniform, plus per cell (nx*ny, may be NULL;
 * copied when given). Negative or non-finite rates are CT_EINVAL. */
int ct_flood_set_rain(ct_flood *f, double uniform, const float *cell,
                      ct_error *err);
/* Infiltration capacity [m s-1] per cell (nx*ny, copied) or NULL for none;
 * water is taken up to the capacity and what is on the surface. */
int ct_flood_set_infiltration(ct_flood *f, const float *cap, ct_error *err);
/* Drain inlet capacity [m s-1] per cell (nx*ny, copied) or NULL for none.
 * The drained water leaves the domain (sink) unless outfall_x/y name a cell
 * (has_outfall), where it is released in the next step. */
int ct_flood_set_drains(ct_flood *f, const float *cap, int has_outfall,
                        double outfall_x, double outfall_y, ct_error *err);
/* Cumulative infiltration per cell [m] into out (nx*ny; zeros when no
 * infiltration was set). */
void ct_flood_infiltrated(const ct_flood *f, float *out);

/* Largest stable step from the current state [s]:
 * alpha dx / sqrt(g h_max), capped at max_dt (Bates et al. 2010 eq. 12). */
double ct_flood_max_dt(const ct_flood *f);
/* Advances from t to t + dt (dt <= ct_flood_max_dt for stability). */
int ct_flood_step(ct_flood *f, double t, double dt, ct_error *err);
/* Runs from t0 to t1 with adaptive steps; returns the step count in *nsteps
 * (may be NULL). */
int ct_flood_run(ct_flood *f, double t0, double t1, long *nsteps,
                 ct_error *err);

/* Depth [m] into out (nx*ny, row 0 north). */
void ct_flood_depth(const ct_flood *f, float *out);
/* Water-surface elevation [m] (bed where dry). */
void ct_flood_wse(const ct_flood *f, float *out);
/* Speed [m s-1] at cell centres from the face discharges (0 below h_flow). */
void ct_flood_speed(const ct_flood *f, float *out);
/* Depth of one cell. */
double ct_flood_depth_at(const ct_flood *f, int i, int j);
/* Largest |q| over all faces [m2 s-1]. */
double ct_flood_max_q(const ct_flood *f);
/* The balance now (sums storage). */
void ct_flood_get_balance(const ct_flood *f, ct_flood_balance *b);

/* The model class for scenario runs (section [flood]). */
extern const ct_model_class ct_flood_model;

#endif
