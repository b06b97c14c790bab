/* continuity.c - mass conservation: the depth update
 *   h += dt (q_in - q_out) / dx + dt (rain - infiltration - drains)
 * (Bates et al. 2010, eq. 13) with two guards that keep it exact:
 * - an outflow limiter scales a cell's outgoing discharges so it cannot give
 *   more water than it holds (each face has one upstream cell, so the scaled
 *   discharge is the same for both cells it joins: no water is created);
 * - the update is done in double and the float32 state is compensated
 *   (Kahan 1965): comp keeps what rounding eta to float lost, so the water in
 *   the books is exactly eta - comp - z and the float rounding of small
 *   increments (rain on deep water) is carried, not lost.
 * Per-row sums of rain, infiltration, drainage and clamping go to f->rows and
 * are added in row order afterwards, so the thread count never changes them.
 *
 * Row kernels; sweep.c runs them in one pass over the grid. */
#include "flood/kernels.h"

/* Outflow factor of each cell of a row (lim_cell). qxr: the row's x faces
 * 0..n; qyn, qys: its north and south y faces; lim[i] is cell i. */
CT_CLONES
static void limiter_row(const float *restrict eta, const float *restrict z,
                        const float *restrict comp, const float *restrict qxr,
                        const float *restrict qyn, const float *restrict qys,
                        float *restrict lim, size_t k0, int n, float dtdx) {
  for (int i = 0; i < n; i++) {
    size_t k = k0 + (size_t)i;
    lim[i] = lim_cell(qxr[i], qxr[i + 1], qyn[i], qys[i], eta[k], z[k],
                      comp[k], dtdx);
  }
}

typedef ct__cont_args cont_args;

/* One row of the depth update; flags select the optional sources at compile
 * time (the wrapper below calls it with constants). Returns the row sums. */
static inline __attribute__((always_inline)) void
cont_row_impl(float *restrict eta, const float *restrict z,
              float *restrict comp, const float *restrict qxr,
              const float *restrict qyn, const float *restrict qys,
              const float *restrict ln,
              const float *restrict lc, const float *restrict ls,
              float *restrict qx, float *restrict qy,
              const float *restrict rain, const float *restrict infil,
              float *restrict infcum, const float *restrict drain, size_t k0,
              int n, int w, cont_args a, double *restrict sums, int has_rain,
              int has_inf, int has_drain) {
  double s_rain = 0.0, s_inf = 0.0, s_drain = 0.0, s_clamp = 0.0, hmax = 0.0;
  /* The simd reductions let the compiler vectorise the sums; the order is
   * fixed by the code, not by the threads, so results stay reproducible. */
  CT_SIMD_SUMS
  for (int i = 0; i < n; i++) {
    size_t k = k0 + (size_t)i;
    /* Each face scaled by its upstream cell's factor (lc[-1] and lc[n] are
     * the ghosts' 1). */
    float l0 = lc[i];
    float fw = eff(qxr[i], lc[i - 1], l0), fe = eff(qxr[i + 1], l0, lc[i + 1]);
    float fn = eff(qyn[i], ln[i], l0), fs = eff(qys[i], l0, ls[i]);
    qx[k] = fw;
    qy[k] = fn;
    ct__cell_out o = cont_cell(
        eta[k], z[k], comp[k], fw, fe, fn, fs,
        has_rain ? (double)rain[k] : 0.0, has_inf ? (double)infil[k] : 0.0,
        has_drain ? (double)drain[k] : 0.0, &a, has_inf, has_drain);
    eta[k] = o.eta;
    comp[k] = o.comp;
    if (has_inf) infcum[k] += o.infil;
    if (has_rain) s_rain += o.rain;
    s_clamp += o.clamp;
    s_inf += o.inf;
    s_drain += o.drain;
    hmax = o.depth > hmax ? o.depth : hmax;
  }
  /* Uniform rain only: every cell got the same depth (the sum in the loop
   * would cost two additions a vector for the same number). */
  if (!has_rain) s_rain = (double)n * (a.rain_u * a.dt);
  sums[RS_RAIN] = s_rain;
  sums[RS_INF] = s_inf;
  sums[RS_DRAIN] = s_drain;
  sums[RS_CLAMP] = s_clamp;
  sums[RS_HMAX] = hmax;
}

#define CONT_VARIANT(name, R, I, D)                                          \
  CT_CLONES static void name(                                               \
      float *restrict eta, const float *restrict z, float *restrict comp,   \
      const float *restrict qxr, const float *restrict qyn,                 \
      const float *restrict qys, const float *restrict ln,                  \
      const float *restrict lc,                                             \
      const float *restrict ls, float *restrict qx, float *restrict qy,     \
      const float *restrict rain, const float *restrict infil,              \
      float *restrict infcum, const float *restrict drain, size_t k0, int n,\
      int w, cont_args a, double *restrict sums) {                          \
    cont_row_impl(eta, z, comp, qxr, qyn, qys, ln, lc, ls, qx, qy, rain,    \
                  infil,                                                    \
                  infcum, drain, k0, n, w, a, sums, R, I, D);               \
  }
CONT_VARIANT(cont_000, 0, 0, 0)
CONT_VARIANT(cont_100, 1, 0, 0)
CONT_VARIANT(cont_010, 0, 1, 0)
CONT_VARIANT(cont_110, 1, 1, 0)
CONT_VARIANT(cont_001, 0, 0, 1)
CONT_VARIANT(cont_101, 1, 0, 1)
CONT_VARIANT(cont_011, 0, 1, 1)
CONT_VARIANT(cont_111, 1, 1, 1)

typedef void (*cont_fn)(float *restrict, const float *restrict,
                        float *restrict, const float *restrict,
                        const float *restrict, const float *restrict,
                        const float *restrict,
                        const float *restrict, const float *restrict,
                        float *restrict, float *restrict,
                        const float *restrict, const float *restrict,
                        float *restrict, const float *restrict, size_t, int,
                        int, cont_args, double *restrict);

static void cont_args_of(const ct_flood *f, double dt, ct__cont_args *a) {
  a->dtdx = dt / f->dx;
  a->dt = dt;
  a->rain_u = f->rain_u;
}

void ct__flood_limiter_row(const ct_flood *f, int r, const float *qxr,
                           const float *qyn, const float *qys, float *lim,
                           double dt) {
  limiter_row(f->eta, f->z, f->comp, qxr, qyn, qys, lim, FI(f->w, 0, r),
              f->nx, (float)(dt / f->dx));
}

void ct__flood_continuity_row(ct_flood *f, int r, const float *qxr,
                              const float *qyn, const float *qys,
                              const float *ln, const float *lc,
                              const float *ls, double dt) {
  static const cont_fn variants[8] = {cont_000, cont_100, cont_010, cont_110,
                                      cont_001, cont_101, cont_011, cont_111};
  const int nx = f->nx, w = f->w;
  cont_args a;
  cont_args_of(f, dt, &a);
  cont_fn fn = variants[(f->rain ? 1 : 0) | (f->infil ? 2 : 0) |
                       (f->drain ? 4 : 0)];
  fn(f->eta, f->z, f->comp, qxr, qyn, qys, ln, lc, ls, f->qx, f->qy, f->rain,
     f->infil, f->infcum, f->drain, FI(w, 0, r), nx, w, a,
     f->rows + (size_t)r * RS_N);
  /* The faces no cell's west/north side covers: the east edge of this row,
   * and the south edge below the last row (lc[-1], lc[nx]: ghosts, 1). */
  float q = qxr[nx];
  f->qx[FI(w, nx, r)] = q * (q > 0.0f ? lc[nx - 1] : 1.0f);
  if (r == f->ny - 1)
    for (int i = 0; i < nx; i++) {
      float qs = qys[i];
      f->qy[FI(w, i, f->ny)] = qs * (qs > 0.0f ? lc[i] : 1.0f);
    }
}
