/* flood_internal.h - the state of a flood simulation shared by the files of
 * engine/flood: a tile of nx x ny cells with a one-cell halo of ghost cells,
 * structure-of-arrays float32, and the kernels that work on it.
 *
 * Layout: every array has row stride w = nx + 4 and ny + 4 rows; cell (i, j)
 * (i = -2 .. nx+1, j = -2 .. ny+1) is at FI(w, i, j). Cells -1 and nx / ny are
 * the ghost ring the boundary conditions fill; the outer ring only keeps
 * neighbour reads of the face kernels inside the allocation (always zero).
 * x face i lies between cells i-1 and i (i = 0 .. nx; qx > 0 eastward);
 * y face j lies between rows j-1 and j (j = 0 .. ny; qy > 0 southward, as row
 * 0 is north). Both are stored at FI(w, i, j). */
#ifndef CT_FLOOD_INTERNAL_H
#define CT_FLOOD_INTERNAL_H

#include "citytwin/flood.h"

#define FI(w, i, j) ((size_t)((j) + 2) * (size_t)(w) + (size_t)((i) + 2))

/* A piecewise-linear series, held constant outside. */
typedef struct ct__pl {
  int n;
  double *t, *v;
} ct__pl;

int ct__pl_set(ct__pl *s, int n, const double *t, const double *v,
               ct_error *err);
void ct__pl_free(ct__pl *s);
double ct__pl_at(const ct__pl *s, double t);
/* Exact integral of the interpolant over [t0, t1]. */
double ct__pl_integral(const ct__pl *s, double t0, double t1);

typedef struct ct__inflow {
  ct__pl q;
  int ncells;
  size_t *cell;   /* indices FI */
  double *share;  /* sums to 1 */
} ct__inflow;

/* Per-row partial sums of one step, reduced in row order afterwards. */
enum { RS_RAIN, RS_INF, RS_DRAIN, RS_CLAMP, RS_HMAX, RS_N };

struct ct_flood {
  int nx, ny, w;
  size_t nalloc;        /* w * (ny + 4) */
  double dx, area;
  double xmin, ymax;    /* geotransform origin, for locating points */
  ct_flood_params p;

  /* state and inputs, SoA float32 */
  float *z;       /* bed [m]; ghosts set by the boundary conditions */
  float *eta;     /* water-surface elevation [m] (z where dry) */
  float *comp;    /* Kahan compensation of eta: true eta = eta - comp */
  float *n2;      /* Manning n squared, or NULL (n2u everywhere) */
  float n2u;
  float *qx, *qy;   /* effective unit discharges of the last step [m2 s-1] */
  /* Per-thread row buffers of the sweep (sweep.c): nlimbuf threads x
   * CT__SWEEP_ROWS rows of nx + 2 floats; and a row of ones (outflow
   * factors of ghost rows). */
  float *limbuf, *ones;
  int nlimbuf;

  /* sources (m s-1), NULL when absent */
  double rain_u;
  float *rain;
  float *infil;
  float *infcum;  /* cumulative infiltration [m] (allocated with infil) */
  float *drain;
  int has_outfall;
  size_t outfall;
  double outfall_pending; /* m3 drained last step, released next step */

  /* boundaries */
  int bc[4];
  ct__pl level[4];

  int ninflow;
  ct__inflow *inflow;

  /* per-row reductions (ny rows x RS_N), thread-independent */
  double *rows;
  double hmax;      /* largest depth after the last step [m] */

  ct_flood_balance bal;
};

/* Threads only pay off on grids big enough to amortise a parallel region
 * (a few microseconds per step); rows are computed the same either way. */
#define CT__FLOOD_PAR(f) ((size_t)(f)->nx * (size_t)(f)->ny >= 40000u)

/* Helpers: global sums in a fixed order (the one place an MPI reduction would
 * go). */
double ct__flood_sum(const double *v, int n, int stride);
double ct__flood_max(const double *v, int n, int stride);

/* Kernels. */
void ct__flood_ghosts(ct_flood *f, double t);

typedef struct ct__mom_args {
  float gdt, gdtr, theta, half1mt, hmin; /* g dt, g dt / dx, ... */
} ct__mom_args;
void ct__flood_mom_args(const ct_flood *f, double dt, ct__mom_args *a);
/* New discharges of face row r (0 .. ny) from the current state: x faces
 * 0..nx of cell row r into ox (r < ny), y faces between rows r-1 and r into
 * oy; boundary conditions applied. */
void ct__flood_momentum_row(const ct_flood *f, int r, float *ox, float *oy,
                            const ct__mom_args *a);
/* Outflow factors of cell row r from its new faces (x faces qxr, north and
 * south y faces qyn, qys) into lim[0..nx-1]. */
void ct__flood_limiter_row(const ct_flood *f, int r, const float *qxr,
                           const float *qyn, const float *qys, float *lim,
                           double dt);
/* Depth update of cell row r; ln, lc, ls: outflow factors of rows r-1, r,
 * r+1 (lc[-1] and lc[nx] readable, 1). Writes the effective discharges of
 * the row's west faces, its north faces, the east edge face, and (last
 * row) the south edge faces into qx/qy, and the row sums. */
void ct__flood_continuity_row(ct_flood *f, int r, const float *qxr,
                              const float *qyn, const float *qys,
                              const float *ln, const float *lc,
                              const float *ls, double dt);
/* One time step's momentum, limiter and continuity in one pass over the
 * rows (OpenMP over row blocks). */
#define CT__SWEEP_ROWS 22
void ct__flood_sweep(ct_flood *f, double dt);
void ct__flood_boundary_flux(ct_flood *f, double dt);
/* Zero-gradient copies of the face discharges one beyond the edges. */
void ct__flood_halo_faces(ct_flood *f);
/* Adds a volume [m3] to cell k, compensated. */
void ct__flood_add_volume(ct_flood *f, size_t k, double vol);
/* Water on the surface [m3]. */
double ct__flood_storage(const ct_flood *f);

#endif

/* --- the scenario model (model.c, forcing.c) --- */

#include "citytwin/model.h"
#include "citytwin/util.h"

enum { RAIN_NONE = 0, RAIN_CONST, RAIN_SERIES, RAIN_GAUGES, RAIN_STACK };
enum { INF_NONE = 0, INF_CONST, INF_HORTON, INF_GREEN_AMPT };
#define CT__NCLASS 8 /* land-use codes 0 (unknown) .. 7 */

typedef struct ct__flood_model {
  const ct_env *env;
  ct_flood *sim;
  int nx, ny;
  double threshold;     /* flooding threshold [m] */
  double zmax;          /* the DEM's highest cell [m], to judge levels */

  /* rain */
  int rain_mode;
  double rain_const;    /* m s-1 */
  ct_series rain_series; /* mm/h, one column (uniform) or one per gauge */
  int ngauges;
  int *gauge_col;       /* series column of each gauge */
  float *gauge_w;       /* ncells x ngauges weights (idw / thiessen) */
  int nbands;
  float *bands;         /* nbands x ncells, m s-1 */
  double band_interval; /* s */
  double band_t0;       /* start of band 0, s from the run start */
  int band_now;
  float *rain_cell;     /* work array, ncells */
  double gauge_t;       /* start of the interval the cell rain is for */
  double gauge_t_inf;   /* same for the infiltration capacity */

  /* infiltration */
  int inf_mode;
  unsigned char *cls;   /* land-use class per cell, or NULL */
  float *inf_cap;       /* work array, ncells, m s-1 */

  /* outputs */
  double *seconds_above; /* per cell, summed in double (48 h of 1 s steps) */
  unsigned char *wet0;  /* water at the start (river, lakes): not a flood */
  ct_field *f_depth, *f_wse, *f_speed, *f_max, *f_tmax, *f_first, *f_hours;

  /* volume balance every coupling interval */
  int nbal, capbal;
  double *bal;          /* nbal rows of CT__BAL_N */
  long nsteps;
} ct__flood_model;

enum { BAL_T, BAL_RAIN, BAL_INFLOW, BAL_INFIL, BAL_DRAIN, BAL_OUTFALL,
       BAL_BIN, BAL_BOUT, BAL_STORAGE, BAL_ERROR, CT__BAL_N };

/* Reads the forcing keys of [flood] (rain*, infiltration, drains*) and sets
 * them up on m->sim. */
int ct__flood_forcing_init(ct__flood_model *m, ct_error *err);
/* Brings the rain and infiltration rates up to date for the step [t, t+dt]. */
int ct__flood_forcing_update(ct__flood_model *m, double t, double dt,
                             ct_error *err);
void ct__flood_forcing_free(ct__flood_model *m);
/* Saves or restores the model's evolving state (restart.c). */
int ct__flood_model_state(void *self, ct_state *st, ct_error *err);
/* Land-use class of each cell from a raster layer (NaN -> 0); malloc'd. */
int ct__flood_classes(const ct_env *env, const char *layer,
                      unsigned char **out, ct_error *err);
extern const char *const ct__flood_class_names[CT__NCLASS];
