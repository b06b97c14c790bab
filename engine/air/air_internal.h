/* air_internal.h - the air model's state, shared by the files of engine/air
 * (one process per file: levels/state, meteorology, advection, vertical
 * diffusion and sources, the near-source kernels of stacks and roads, the
 * forecast wind stack, checkpoints, the model class). */
#ifndef CT_AIR_INTERNAL_H
#define CT_AIR_INTERNAL_H

#include <omp.h>
#include <stddef.h>
#include "citytwin/air.h"
#include "citytwin/state.h"

#define CT__AIR_KAPPA 0.4
/* Weights of one stack's hand-over footprint: at most a 5 x 5 cell box. */
#define CT__AIR_FOOT 25
/* sigma_z table: x = 0.5 m * 1.05^k */
#define CT__AIR_NTAB 256
/* road kernel's shape table: intervals over the hand-over distance */
#define CT__AIR_LTAB 512

typedef struct ct__air_stack {
  double x, y, h;                  /* position [m], height [m] */
  double rate[CT_AIR_MAXSPEC];     /* [g s-1] */
  /* Hand-over to the grid (plume-in-grid), set by ct_air_set_met. */
  double xh;                       /* hand-over distance [m] (0: at once) */
  double u;                        /* kernel wind speed [m s-1] */
  double ex, ey;                   /* unit vector the wind blows to */
  int nfoot;                       /* cells of the footprint */
  long foot_cell[CT__AIR_FOOT];    /* j*nx + i, -1 outside the domain */
  double foot_w[CT__AIR_FOOT];     /* horizontal weights, sum 1 */
  double *zw;                      /* nz vertical weights, sum 1 (owned) */
} ct__air_stack;

struct ct_air {
  ct_air_config cfg;
  int nx, ny, nz, ns;
  size_t nxy, n3;
  double dx;
  double *zf, *zc, *dz;            /* faces (nz+1), centres, thickness */
  float *c[CT_AIR_MAXSPEC];        /* concentrations [ug m-3] */
  float *emis[CT_AIR_MAXSPEC];     /* ground sources [g s-1 per cell] */

  /* wind at zref on faces, [m s-1]: ux on x faces ny*(nx+1) (towards +x,
   * east), vy on y faces (ny+1)*nx (towards +j, i.e. south) */
  float *ux, *vy;
  double *prof;                    /* nz: u(z_k)/u(zref), power law */
  double *kz;                      /* nz+1 on faces, [m2 s-1] */
  double *kh;                      /* nz per level [m2 s-1] */
  double umax_face;                /* max |wind| on faces at zref */
  double outmax;                   /* max outgoing face speed sum per cell */
  ct_air_met met;
  double ustar, obukhov, p, a_lat; /* derived; a_lat: sigma_y / x */
  int cls, have_met;
  /* sigma_z(x) of a plume under the Monin-Obukhov Kz, used by the kernel
   * when the stability came as an Obukhov length (log-spaced x) */
  int sz_mo;
  double sz_tab[CT__AIR_NTAB];

  /* vertical tridiagonal factors per species, for a cached dt */
  double fact_dt;
  double *tri_a, *tri_m, *tri_c;   /* ns*nz each */
  double decay_f[CT_AIR_MAXSPEC];

  /* sources */
  int nstack, capstack;
  ct__air_stack *stack;

  /* Road (line) sources with the near-road kernel (line.c); all NULL until
   * ct__air_line_enable. Per cell: the kernel's wind speed and direction,
   * its residence time th = xh / u (0: no kernel, calm), and where its
   * hand-over lands (4 cells, -1 outside, and their weights). */
  float *line[CT_AIR_MAXSPEC];     /* [g s-1 per cell] */
  double *kmass[CT_AIR_MAXSPEC];   /* mass in each cell's kernel [g] */
  int *lact, nlact;                /* active cells in index order */
  int *lrow;                       /* ny+1: first active cell of each row */
  float *lu, *lex, *ley;
  double *lth;
  int *lcell;                      /* 4 per cell */
  double *lw;                      /* 4 per cell */
  double *lzw;                     /* nz: vertical shares of the hand-over */
  double lxh;                      /* hand-over distance [m] */
  /* u * the kernel's shape at the first level's centre, at x = k xh / NT
   * (when sigma_z does not depend on u; ltab_ok) */
  double ltab[CT__AIR_LTAB + 1];
  int ltab_ok;

  /* scratch (allocated at creation) */
  int nscratch;                    /* threads the scratch is sized for */
  float *pad;                      /* nscratch * (nx+4) */
  float *fl;                       /* nscratch * (2nx+3): faces, slopes */
  float *gface;                    /* nscratch * (ny+5)*nx: y faces, the
                                      periodic copy of rows 0, 1, and two
                                      rows of slopes */
  double *rowsum;                  /* nz*ny per-row sums (then summed in order) */
  double *rowsum2;

  double t;
  long nstep;
  ct_air_balance bal[CT_AIR_MAXSPEC];
};

/* advect.c: horizontal advection + diffusion of every species over dt;
 * adds the net outflow [g] per species to left[s]. */
void ct__air_advect(ct_air *a, double dt, int parity, double *left);
/* vertical.c: one Z(dt) half: sources, implicit vertical diffusion, dry
 * deposition and decay; adds to emitted[s] and lost[s]. */
void ct__air_vertical(ct_air *a, double dt, double *emitted, double *lost,
                      double *left);
/* kernel.c: hand-over footprint of stack k from the current met. */
void ct__air_stack_footprint(ct_air *a, ct__air_stack *s);
/* Near-source concentration of species sp at (x, y, z) from every stack's
 * kernel (zero beyond its hand-over distance). */
double ct__air_kernel_at(const ct_air *a, int sp, double x, double y,
                         double z);
/* The same from stack q alone. */
double ct__air_kernel_one(const ct_air *a, int q, int sp, double x, double y,
                          double z);
/* Adds every stack's kernel of species sp at height z to a raster of
 * nx*ny cells of size dx with north-west corner (xmin, ymax), visiting only
 * the cells within each stack's hand-over distance. */
void ct__air_kernel_add(const ct_air *a, int sp, double xmin, double ymax,
                        double dx, int nx, int ny, double z, float *out);
/* sigma_y, sigma_z of the kernel at distance x for wind u, current met. */
void ct__air_sigmas(const ct_air *a, double x, double u, double *sy,
                    double *sz);
/* Builds the sigma_z table (met.c). */
void ct__air_sz_table(ct_air *a);
/* Wind speed at height z under the current met (power law). */
double ct__air_wind_at(const ct_air *a, double z);
/* line.c: road sources with the near-road kernel (crosswind line per
 * cell, see line.c). Enable allocates (call once, before stepping);
 * refresh after changing the line emissions; geometry from the met (called
 * by ct_air_set_met). */
int ct__air_line_enable(ct_air *a, ct_error *err);
float *ct__air_line_emission(ct_air *a, int s);
void ct__air_line_refresh(ct_air *a);
void ct__air_line_geometry(ct_air *a);
/* One Z half step of the kernels of species s: emission in, hand-over to
 * the grid (adds to emitted and left). */
void ct__air_line_step(ct_air *a, int s, double dt, double *emitted,
                       double *left);
/* Mass held by the kernels of species s [g]. */
double ct__air_line_mass(const ct_air *a, int s);
/* sigma_z of a road plume at x [m] (with the vehicle wake's initial spread). */
double ct__air_line_sz(const ct_air *a, double x, double u);
/* Kernel concentration of species s at (x, y, z) [ug m-3]. */
double ct__air_line_at(const ct_air *a, int s, double x, double y, double z);
/* Adds the kernels' cell means at height z to a raster (as
 * ct__air_kernel_add). */
void ct__air_line_add(const ct_air *a, int s, double xmin, double ymax,
                      double dx, int nx, int ny, double z, float *out);
/* restart.c: the ct_air's evolving state, saved or restored. */
int ct__air_state_io(ct_air *a, ct_state *st, ct_error *err);

/* Threads for a parallel region: OpenMP's current setting, capped by the
 * scratch allocated at creation. */
static inline int ct__air_threads(const ct_air *a) {
  int n = omp_get_max_threads();
  return n < a->nscratch ? n : a->nscratch;
}
/* Sum of n doubles in index order (thread-count independent). */
double ct__air_sum(const double *v, size_t n);

#endif
