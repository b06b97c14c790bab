/* momentum.c - face discharges of the local inertial equations: the
 * q-centred scheme of de Almeida et al. (2012, WRR 48 W05528, eq. 14) on top
 * of Bates et al. (2010, J. Hydrol. 387:33, eq. 11), friction semi-implicit
 * with the 2-D discharge magnitude (perpendicular q averaged over the four
 * neighbouring faces, as LISFLOOD-FP's ACC solver). Flow only where the face
 * flow depth exceeds h_flow. Reads qx/qy (last effective discharges) and
 * writes one row of new face discharges at a time (sweep.c schedules the
 * rows). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "flood/flood_internal.h"

/* max without libm's NaN rules, so it compiles to one vector instruction. */
static inline float fmx(float a, float b) { return a > b ? a : b; }

/* Same code, compiled for AVX2 as well where the CPU has it (the choice is
 * made once per process, so results never depend on the thread count). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define CT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CT_CLONES
#endif

/* h^(-1/3) without libm, so the loop vectorises and needs no division: an
 * exponent-thirding bit trick (within 3.5 %) and three Newton steps for the
 * inverse cube root, r <- r (4 - x r^3) / 3, which converge quadratically to
 * 2e-7 relative (float precision) for x in [1e-4, 1e5]. */
static inline float icbrt(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  u = 0x54a21d2au - u / 3u;
  float r;
  memcpy(&r, &u, sizeof r);
  r = r * (4.0f - x * r * r * r) * (1.0f / 3.0f);
  r = r * (4.0f - x * r * r * r) * (1.0f / 3.0f);
  r = r * (4.0f - x * r * r * r) * (1.0f / 3.0f);
  return r;
}

typedef struct mom_args {
  float g, dt, rdx, theta, half1mt, hmin;
} mom_args;

/* The new discharge of one face between cells a (west/north) and b, from
 * its old value q0, its two neighbours along the flow ql, qr, and the
 * perpendicular mean qp. */
static inline float face_q(float ea, float eb, float za, float zb, float q0,
                           float ql, float qr, float qp, float nn,
                           mom_args a) {
  const float gdt = a.g * a.dt;
  float hf = fmx(ea, eb) - fmx(za, zb);
  float s = (eb - ea) * a.rdx;
  float qc = a.theta * q0 + a.half1mt * (ql + qr);
  /* de Almeida 2012: where neighbours flow against q, fall back to theta 1
   * so the smoothing never reverses a flow. */
  qc = ((q0 * ql < 0.0f) | (q0 * qr < 0.0f)) ? q0 : qc;
  float qm = sqrtf(q0 * q0 + qp * qp);
  float hc = fmx(hf, a.hmin);
  float r = icbrt(hc), r2 = r * r;
  float r7 = r2 * r2 * r2 * r; /* h^(-7/3) */
  /* [qc - g h dt S] / [1 + g dt n^2 |q| / h^(7/3)] */
  float qn = (qc - gdt * hf * s) / (1.0f + gdt * nn * qm * r7);
  return hf > a.hmin ? qn : 0.0f;
}

/* Row j: x face i (cells k-1, k) and y face (cells k-w, k) of every cell
 * i = 0 .. n-1 (k = k0 + i). The perpendicular discharge of an x face is
 * the mean of the y faces north (k-1, k) and south (k-1+w, k+w) of its two
 * cells; likewise for y faces. */
static inline __attribute__((always_inline)) void
xy_row(const float *restrict eta, const float *restrict z,
       const float *restrict n2, float n2u, int has_n2,
       const float *restrict qx, const float *restrict qy,
       float *restrict ox, float *restrict oy, size_t k0, int n, int w,
       mom_args a) {
  const size_t W = (size_t)w;
  for (int i = 0; i < n; i++) {
    size_t k = k0 + (size_t)i;
    float ek = eta[k], zk = z[k];
    float nk = has_n2 ? n2[k] : n2u;
    float nw = has_n2 ? 0.5f * (n2[k - 1] + nk) : n2u;
    float nn = has_n2 ? 0.5f * (n2[k - W] + nk) : n2u;
    float qpx = 0.25f * (qy[k - 1] + qy[k] + qy[k - 1 + W] + qy[k + W]);
    ox[i] = face_q(eta[k - 1], ek, z[k - 1], zk, qx[k], qx[k - 1],
                   qx[k + 1], qpx, nw, a);
    float qpy = 0.25f * (qx[k - W] + qx[k - W + 1] + qx[k] + qx[k + 1]);
    oy[i] = face_q(eta[k - W], ek, z[k - W], zk, qy[k], qy[k - W],
                   qy[k + W], qpy, nn, a);
  }
}

/* y faces only (the south edge, face row ny). */
static inline __attribute__((always_inline)) void
y_row(const float *restrict eta, const float *restrict z,
      const float *restrict n2, float n2u, int has_n2,
      const float *restrict qx, const float *restrict qy,
      float *restrict oy, size_t k0, int n, int w, mom_args a) {
  const size_t W = (size_t)w;
  for (int i = 0; i < n; i++) {
    size_t k = k0 + (size_t)i;
    float nn = has_n2 ? 0.5f * (n2[k - W] + n2[k]) : n2u;
    float qpy = 0.25f * (qx[k - W] + qx[k - W + 1] + qx[k] + qx[k + 1]);
    oy[i] = face_q(eta[k - W], eta[k], z[k - W], z[k], qy[k], qy[k - W],
                    qy[k + W], qpy, nn, a);
  }
}

/* The east-edge x face of a row. */
static float x_face(const ct_flood *f, size_t k, mom_args a) {
  const float *n2 = f->n2;
  float nw = n2 ? 0.5f * (n2[k - 1] + n2[k]) : f->n2u;
  const size_t W = (size_t)f->w;
  const float *qy = f->qy, *qx = f->qx;
  float qpx = 0.25f * (qy[k - 1] + qy[k] + qy[k - 1 + W] + qy[k + W]);
  return face_q(f->eta[k - 1], f->eta[k], f->z[k - 1], f->z[k], qx[k],
                qx[k - 1], qx[k + 1], qpx, nw, a);
}

/* Variants with and without a Manning raster, so neither loop branches. */
#define XY_VARIANT(name, HN)                                                 \
  CT_CLONES static void name(                                               \
      const float *restrict eta, const float *restrict z,                   \
      const float *restrict n2, float n2u, const float *restrict qx,        \
      const float *restrict qy, float *restrict ox, float *restrict oy,      \
      size_t k0, int n, int w, mom_args a) {                                \
    xy_row(eta, z, n2, n2u, HN, qx, qy, ox, oy, k0, n, w, a);               \
  }
#define Y_VARIANT(name, HN)                                                  \
  CT_CLONES static void name(                                               \
      const float *restrict eta, const float *restrict z,                   \
      const float *restrict n2, float n2u, const float *restrict qx,        \
      const float *restrict qy, float *restrict oy, size_t k0, int n,       \
      int w, mom_args a) {                                                  \
    y_row(eta, z, n2, n2u, HN, qx, qy, oy, k0, n, w, a);                    \
  }
XY_VARIANT(xy_row_u, 0)
XY_VARIANT(xy_row_n, 1)
Y_VARIANT(y_row_u, 0)
Y_VARIANT(y_row_n, 1)

/* Closed edges carry nothing, free edges only outflow; inward is the sign
 * of a discharge entering the domain. */
static float fix(float q, int bc, float inward) {
  if (bc == CT_FLOOD_CLOSED) return 0.0f;
  if (bc == CT_FLOOD_FREE && q * inward > 0.0f) return 0.0f;
  return q;
}

void ct__flood_mom_args(const ct_flood *f, double dt, ct__mom_args *out) {
  out->g = (float)f->p.g;
  out->dt = (float)dt;
  out->rdx = (float)(1.0 / f->dx);
  out->theta = (float)f->p.theta;
  out->half1mt = (float)(0.5 * (1.0 - f->p.theta));
  out->hmin = (float)f->p.h_flow;
}

void ct__flood_momentum_row(const ct_flood *f, int r, float *ox, float *oy,
                            const ct__mom_args *args) {
  const int nx = f->nx, ny = f->ny, w = f->w;
  mom_args a;
  a.g = args->g;
  a.dt = args->dt;
  a.rdx = args->rdx;
  a.theta = args->theta;
  a.half1mt = args->half1mt;
  a.hmin = args->hmin;
  if (r < ny) {
    if (f->n2)
      xy_row_n(f->eta, f->z, f->n2, f->n2u, f->qx, f->qy, ox, oy,
               FI(w, 0, r), nx, w, a);
    else
      xy_row_u(f->eta, f->z, f->n2, f->n2u, f->qx, f->qy, ox, oy,
               FI(w, 0, r), nx, w, a);
    ox[nx] = x_face(f, FI(w, nx, r), a);
    ox[0] = fix(ox[0], f->bc[CT_FLOOD_WEST], 1.0f);
    ox[nx] = fix(ox[nx], f->bc[CT_FLOOD_EAST], -1.0f);
  } else if (f->n2) {
    y_row_n(f->eta, f->z, f->n2, f->n2u, f->qx, f->qy, oy, FI(w, 0, r), nx,
            w, a);
  } else {
    y_row_u(f->eta, f->z, f->n2, f->n2u, f->qx, f->qy, oy, FI(w, 0, r), nx,
            w, a);
  }
  if (r == 0)
    for (int i = 0; i < nx; i++)
      oy[i] = fix(oy[i], f->bc[CT_FLOOD_NORTH], 1.0f);
  if (r == ny)
    for (int i = 0; i < nx; i++)
      oy[i] = fix(oy[i], f->bc[CT_FLOOD_SOUTH], -1.0f);
}
