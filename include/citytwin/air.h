/* air.h - the air dispersion model: 3-D Eulerian advection-diffusion of
 * traffic, stack and area emissions over the city grid, with a Gaussian
 * plume-in-grid kernel near point sources (REFERENCES.md section 3).
 *
 * Two layers of API: the lower one below (ct_air_*) works without a scenario
 * (tests, validation, benchmarks); the model class ct_air_model ("air")
 * wraps it for scenario runs ([air] section).
 *
 * Layout: concentrations are float32 in ug m-3, level-major
 * c[(k*ny + j)*nx + i], level 0 at the ground, row 0 north as on ct_grid.
 * Coordinates are those of the domain CRS (metres); the air grid's north-west
 * corner is (xmin, ymax). */
#ifndef CITYTWIN_AIR_H
#define CITYTWIN_AIR_H

#include "citytwin/error.h"
#include "citytwin/model.h"

#define CT_AIR_MAXSPEC 8

/* One species: adding one to the model is one entry in the table. */
typedef struct ct_air_species {
  char name[16];        /* "pm25" (scenario spelling) */
  char field[32];       /* "air.pm25" (published field name) */
  char long_name[96];
  double decay;         /* first-order chemical loss [s-1] */
  double vdep;          /* dry deposition velocity [m s-1] */
} ct_air_species;

/* The built-in table (pm25, nox, so2, co); NULL when the name is unknown. */
const ct_air_species *ct_air_species_find(const char *name);
int ct_air_species_count(void);
const ct_air_species *ct_air_species_at(int k);

typedef struct ct_air_config {
  int nx, ny;           /* horizontal cells */
  double dx;            /* cell size [m] */
  double xmin, ymax;    /* north-west corner in domain coordinates [m] */
  int nz;               /* vertical levels */
  double top;           /* model top [m] (the mixing height by default) */
  double dz0;           /* thickness of the first level [m]; levels grow
                           geometrically to reach top (dz0 >= top/nz: even) */
  int nspecies;
  ct_air_species species[CT_AIR_MAXSPEC];
  int urban;            /* Briggs urban (1) or rural (0) sigmas and exponents */
  int periodic;         /* periodic lateral boundaries (tests) */
  double cfl;           /* advective Courant number of a step (0: 0.8) */
  int plume_in_grid;    /* Gaussian near-source kernel for stacks (1) */
  double handover;      /* kernel to grid where sigma_y = handover * dx
                           (0: 1, the plume about two cells wide) */
} ct_air_config;

/* nx = ny = 0, dx = 100, nz = 12, top = 1000, dz0 = 4, species pm25 nox,
 * urban, plume-in-grid on, hand-over at sigma_y = dx. */
void ct_air_config_default(ct_air_config *c);

/* Meteorology for the whole domain (set again whenever it changes). */
typedef struct ct_air_met {
  double speed;         /* wind speed at zref [m s-1] */
  double dir;           /* direction the wind comes from [deg from north] */
  double zref;          /* height of the wind [m] (0: 10) */
  int cls;              /* Pasquill class 0..5 = A..F; -1: from obukhov */
  double obukhov;       /* Obukhov length L [m] (cls < 0; 0 = neutral) */
  double mixing_height; /* [m] */
  double z0;            /* roughness length [m] (0: 1 m urban, 0.1 rural) */
  double p;             /* power-law exponent; < 0: by class (REFERENCES 3)
                           or, with an Obukhov length, Huang (1979) */
  double sigma_theta;   /* std. dev. of wind direction [deg]; > 0 in
                           stable air: the kernel's sigma_y from it
                           (Draxler 1976) instead of the class */
  double kz;            /* > 0: constant vertical diffusivity [m2 s-1];
                           0: Monin-Obukhov; < 0: none */
  double kh;            /* > 0: constant horizontal diffusivity [m2 s-1];
                           0: grid-scale closure; < 0: none */
  const float *u, *v;   /* optional nx*ny wind at zref [m s-1] (east, north);
                           they override speed/dir and must stay valid */
} ct_air_met;

void ct_air_met_default(ct_air_met *m);

/* Mass balance of one species [g] since creation:
 * emitted = in_air + left + lost (+ round-off). */
typedef struct ct_air_balance {
  double emitted;       /* sources */
  double left;          /* net flux out through the lateral boundaries */
  double lost;          /* first-order decay and dry deposition */
  double in_air;        /* now in the grid */
} ct_air_balance;

typedef struct ct_air ct_air;

/* Allocates everything (the time loop never allocates). */
int ct_air_create(ct_air **a, const ct_air_config *c, ct_error *err);
void ct_air_free(ct_air *a);
/* Sets the meteorology: wind per level, Kz from Monin-Obukhov similarity,
 * Kh, near-source kernels. With the stability as an Obukhov length >= 0 the
 * kernel's sigma_z follows the grid's Kz (similarity); with a class, or
 * in unstable air, the Briggs curves. */
int ct_air_set_met(ct_air *a, const ct_air_met *m, ct_error *err);

/* A point source (stack) at (x, y), height [m], rate[s] per species [g s-1].
 * Outside the domain or a negative / non-finite rate is CT_EINVAL; call
 * before ct_air_set_met or set the met again afterwards. Returns its index. */
int ct_air_add_stack(ct_air *a, double x, double y, double height,
                     const double *rate, ct_error *err);
/* Changes a stack's rates (g s-1 per species). */
int ct_air_set_stack_rate(ct_air *a, int stack, const double *rate,
                          ct_error *err);
/* Ground-level sources of species s [g s-1 per cell] (traffic, areas): the
 * caller fills the nx*ny array; it is read at every step. */
float *ct_air_ground_emission(ct_air *a, int s);

/* The largest stable step [s] (CFL of advection, explicit horizontal
 * diffusion, positivity). */
double ct_air_max_dt(const ct_air *a);
/* Advances by dt (Strang splitting: Z(dt/2) A(dt) Z(dt/2)). dt above
 * ct_air_max_dt is CT_EINVAL. */
int ct_air_step(ct_air *a, double dt, ct_error *err);

/* Concentrations of species s (nz*ny*nx, ug m-3, writable: initial states). */
float *ct_air_conc(ct_air *a, int s);
/* Level face heights (nz+1 values, z[0] = 0) [m]. */
const double *ct_air_levels(const ct_air *a, int *nz);
/* Ground-level concentration of species s on the air grid (nx*ny floats):
 * the first level plus the near-source kernel. */
int ct_air_ground(const ct_air *a, int s, float *out);
/* Concentration of species s at (x, y, z) [ug m-3]: the grid cell (linear in
 * z between level centres) plus the near-source kernel. */
double ct_air_point(const ct_air *a, int s, double x, double y, double z);
void ct_air_get_balance(const ct_air *a, int s, ct_air_balance *b);
double ct_air_time(const ct_air *a);

/* --- the science, exposed for tests --- */

/* Briggs (1973) sigma_y, sigma_z [m] at downwind distance x [m], class 0..5
 * (A..F), urban or rural (REFERENCES section 3 table). */
void ct_air_briggs(int cls, int urban, double x, double *sy, double *sz);
/* Gaussian plume with ground reflection [ug m-3]: rate q [g s-1], wind u,
 * sigmas, source height h, crosswind offset y, receptor height z. */
double ct_air_gauss_plume(double q, double u, double sy, double sz, double h,
                          double y, double z);
/* Infinite ground-level line source perpendicular to the wind [ug m-3]:
 * sqrt(2/pi) q_l / (u sigma_z), q_l [g m-1 s-1]. */
double ct_air_line_plume(double ql, double u, double sz);
/* Pasquill class (0..5) from the Obukhov length and roughness (Golder 1972). */
int ct_air_class_from_obukhov(double obukhov, double z0);
/* Obukhov length of a class at roughness z0 (Golder 1972); 0 = neutral. */
double ct_air_obukhov_from_class(int cls, double z0);
/* Friction velocity from the wind at zref (Monin-Obukhov log profile). */
double ct_air_ustar(double speed, double zref, double z0, double obukhov);
/* Kz [m2 s-1] at height z: kappa u* z (1 - z/h)^2 / phi_h(z/L). */
double ct_air_kz(double z, double ustar, double obukhov, double h);

/* Reads a meteorology series (CSV: time, wind_speed, wind_dir, and
 * stability (A-F) or obukhov_length, mixing_height; optional
 * sigma_theta). Rows must be evenly spaced: a gap (a step more than 1.5
 * times the first) is an error naming the file and line. */
typedef struct ct_air_metrow {
  double t, speed, dir, obukhov, mixing_height, sigma_theta;
  int cls;  /* -1 when obukhov is given */
} ct_air_metrow;
int ct_air_met_read(const char *path, double start_unix, ct_air_metrow **rows,
                    int *n, ct_error *err);

extern const ct_model_class ct_air_model;

#endif
