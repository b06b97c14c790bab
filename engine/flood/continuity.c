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
#include <math.h>

#include "flood/flood_internal.h"

/* max without libm's NaN rules, so it compiles to one vector instruction. */
static inline float fmx(float a, float b) { return a > b ? a : b; }

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define CT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CT_CLONES
#endif

/* Outflow factor of each cell of a row: 1, or the share of its outgoing
 * discharge it can afford from what it holds. qxr: the row's x faces 0..n;
 * qyn, qys: its north and south y faces; lim[i] is cell i. */
CT_CLONES
static void limiter_row(const float *restrict eta, const float *restrict z,
                        const float *restrict comp, const float *restrict qxr,
                        const float *restrict qyn, const float *restrict qys,
                        float *restrict lim, size_t k0, int n, float dtdx) {
  for (int i = 0; i < n; i++) {
    size_t k = k0 + (size_t)i;
    float out = fmx(qxr[i + 1], 0.0f) + fmx(-qxr[i], 0.0f) +
                fmx(qys[i], 0.0f) + fmx(-qyn[i], 0.0f);
    float vol = out * dtdx;
    float avail = (eta[k] - z[k]) - comp[k];
    avail = fmx(avail, 0.0f);
    lim[i] = vol > avail ? avail / vol : 1.0f;
  }
}

/* GCC's UBSan reports a null store inside the lane arrays of an omp simd
 * reduction (a false positive: the plain loop is clean and the sums agree),
 * so sanitizer builds keep the loop scalar. */
#if defined(__SANITIZE_ADDRESS__)
#define CT_SIMD_SUMS
#else
#define CT_SIMD_SUMS                                                         \
  _Pragma("omp simd reduction(+:s_rain,s_inf,s_drain,s_clamp) reduction(max:hmax)")
#endif

typedef struct cont_args {
  double dtdx, dt, rain_u;
} cont_args;

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
    float qw = qxr[i], qe = qxr[i + 1], qn = qyn[i], qs = qys[i];
    /* Each face scaled by its upstream cell's factor (lc[-1] and lc[n] are
     * the ghosts' 1). */
    float l0 = lc[i];
    float fw = qw * (qw > 0.0f ? lc[i - 1] : l0);
    float fe = qe * (qe > 0.0f ? l0 : lc[i + 1]);
    float fn = qn * (qn > 0.0f ? ln[i] : l0);
    float fs = qs * (qs > 0.0f ? l0 : ls[i]);
    qx[k] = fw;
    qy[k] = fn;
    double zk = (double)z[k];
    double d = ((double)eta[k] - zk) - (double)comp[k];
    d += a.dtdx * (((double)fw - (double)fe) + ((double)fn - (double)fs));
    double r = a.rain_u;
    if (has_rain) r += (double)rain[k];
    d += r * a.dt;
    s_rain += r * a.dt;
    /* Round-off of the limiter can leave -1e-9 m: clamp, and count it. */
    double neg = d < 0.0 ? -d : 0.0;
    s_clamp += neg;
    d += neg;
    if (has_inf) {
      double cap = (double)infil[k] * a.dt;
      double take = d < cap ? d : cap;
      d -= take;
      s_inf += take;
      infcum[k] += (float)take;
    }
    if (has_drain) {
      double cap = (double)drain[k] * a.dt;
      double take = d < cap ? d : cap;
      d -= take;
      s_drain += take;
    }
    double e = zk + d;
    float ef = (float)e;
    eta[k] = ef;
    comp[k] = (float)((double)ef - e);
    hmax = d > hmax ? d : hmax;
  }
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
  a.dtdx = dt / f->dx;
  a.dt = dt;
  a.rain_u = f->rain_u;
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
