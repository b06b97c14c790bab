/* kernels.h - the per-cell arithmetic of the flood solver: the face
 * discharge (momentum), the outflow factor (limiter) and the depth update
 * (continuity), as inline functions for the row kernels of momentum.c and
 * continuity.c (and for the bare-stencil yardstick of bench_flood, which
 * must run the very same face equation).
 *
 * Written for the vector units: no branches, no libm calls, no division but
 * those of the friction term and the limiter. On cores whose floating-point
 * compares, maxima and blends share the two multiply pipes (AMD Zen 1), the
 * tests that only need a sign, or the order against a positive number, are
 * done on the integer bits, which run on other pipes. */
#ifndef CT_FLOOD_KERNELS_H
#define CT_FLOOD_KERNELS_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "flood/flood_internal.h"

/* Same code, compiled for AVX2 as well where the CPU has it (the choice is
 * made once per process, so results never depend on the thread count). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define CT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CT_CLONES
#endif

#define CT_INLINE static inline __attribute__((always_inline))

/* max without libm's NaN rules, so it compiles to one vector instruction. */
CT_INLINE float fmx(float a, float b) { return a > b ? a : b; }

CT_INLINE int32_t bits(float x) {
  int32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

CT_INLINE float from_bits(int32_t u) {
  float x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* max(h, hmin) and h > hmin for hmin > 0: IEEE floats order like their bits
 * read as signed integers wherever one of the two is positive (a negative
 * float reads as a negative integer, -0 as INT_MIN). */
CT_INLINE float cap_low(float h, float hmin) {
  int32_t a = bits(h), b = bits(hmin);
  return from_bits(a > b ? a : b);
}

CT_INLINE int above(float h, float hmin) { return bits(h) > bits(hmin); }

/* p < 0 for finite p: the sign bit set and p not -0, i.e. the bits above
 * 0x80000000 unsigned. */
CT_INLINE int negative(float p) {
  return (int32_t)((uint32_t)bits(p) ^ 0x80000000u) > 0;
}

/* h^(-7/3) without libm, so the loop vectorises and needs no division:
 * r = h^(-1/3) from an exponent-thirding bit trick (within 3.5 %; the
 * integer third taken in float, as vectors have no integer division) and
 * one step that corrects it by y^(-1/3) = 1 + (1-y)/3 + 2(1-y)^2/9 to second
 * order (y = h r^3; then within 2e-4); then h^(-7/3) = r^7 y^(-7/3) with
 * y^(-7/3) = 1 + 7e/3 + 35e^2/9 (e = 1 - y, |e| < 6e-4, so the next term is
 * below 1e-9). 4.6e-7 relative for h in [1e-3, 2e4], three times closer than
 * the seventh power of a float-exact h^(-1/3), and in fewer multiplications
 * and a shorter dependency chain than three Newton steps and the power (the
 * face kernel waits on this chain). */
CT_INLINE float h_m73(float h) {
  float r = from_bits(0x54a21d2a - (int32_t)((float)bits(h) * (1.0f / 3.0f)));
  float y = (h * r) * (r * r);
  r = r * ((y * (2.0f / 9.0f) - 7.0f / 9.0f) * y + 14.0f / 9.0f);
  float r2 = r * r;
  float e = 1.0f - (h * r) * r2;
  float q = (e * (35.0f / 9.0f) + 7.0f / 3.0f) * e + 1.0f;
  return ((r2 * r) * (r2 * r2)) * q;
}

/* The new discharge of one face between cells a (west/north) and b, from
 * its old value q0, its two neighbours along the flow ql, qr, the sum s4 of
 * the four perpendicular discharges around it, and gnn = g dt n^2 / 4 on the
 * face (momentum.c). */
CT_INLINE float face_q(float ea, float eb, float za, float zb, float q0,
                       float ql, float qr, float s4, float gnn,
                       const ct__mom_args *a) {
  float hf = fmx(ea, eb) - fmx(za, zb);
  float qc = a->theta * q0 + a->half1mt * (ql + qr);
  /* de Almeida 2012: where neighbours flow against q, fall back to theta 1
   * so the smoothing never reverses a flow. */
  qc = (negative(q0 * ql) | negative(q0 * qr)) ? q0 : qc;
  /* |q| = sqrt(q0^2 + (s4/4)^2) = sqrt((4 q0)^2 + s4^2) / 4 exactly (powers
   * of two scale exactly); the 1/4 is in gnn. */
  float q4 = (q0 + q0) + (q0 + q0);
  float qm4 = sqrtf(q4 * q4 + s4 * s4);
  float r7 = h_m73(cap_low(hf, a->hmin));
  /* [qc - g h dt S] / [1 + g dt n^2 |q| / h^(7/3)], S = (eb - ea) / dx */
  float qn = (qc - a->gdtr * hf * (eb - ea)) / (1.0f + gnn * qm4 * r7);
  return above(hf, a->hmin) ? qn : 0.0f;
}

/* Outflow factor of a cell with new faces qw, qe (x, west and east), qn, qs
 * (y, north and south): 1, or the share of its outgoing discharge it can
 * afford from what it holds (continuity.c). */
CT_INLINE float lim_cell(float qw, float qe, float qn, float qs, float eta,
                         float z, float comp, float dtdx) {
  float out = fmx(qe, 0.0f) + fmx(-qw, 0.0f) + fmx(qs, 0.0f) + fmx(-qn, 0.0f);
  float vol = out * dtdx;
  float avail = (eta - z) - comp;
  avail = fmx(avail, 0.0f);
  return vol > avail ? avail / vol : 1.0f;
}

/* A face's discharge scaled by its upstream cell's factor: lpos where the
 * discharge is positive (from the west/north cell), lneg otherwise. */
CT_INLINE float eff(float q, float lpos, float lneg) {
  return q * (q > 0.0f ? lpos : lneg);
}

typedef struct ct__cont_args {
  double dtdx, dt, rain_u;
} ct__cont_args;

/* What the depth update of a cell gives: the new state and its
 * contributions to the row sums. */
typedef struct ct__cell_out {
  float eta, comp, infil;
  double rain, clamp, inf, drain, depth;
} ct__cell_out;

/* The depth update of a cell from its effective face discharges; rain: its
 * rain rate beyond the uniform one, infil, drain: its capacities (m s-1),
 * used where has_inf, has_drain. */
CT_INLINE ct__cell_out cont_cell(float eta, float z, float comp, float fw,
                                 float fe, float fn, float fs, double rain,
                                 double infil, double drain,
                                 const ct__cont_args *a, int has_inf,
                                 int has_drain) {
  ct__cell_out o;
  double zk = (double)z;
  double d = ((double)eta - zk) - (double)comp;
  d += a->dtdx * (((double)fw - (double)fe) + ((double)fn - (double)fs));
  double r = a->rain_u + rain;
  d += r * a->dt;
  o.rain = r * a->dt;
  /* Round-off of the limiter can leave -1e-9 m: clamp, and count it. */
  double neg = d < 0.0 ? -d : 0.0;
  o.clamp = neg;
  d += neg;
  o.inf = 0.0;
  o.infil = 0.0f;
  if (has_inf) {
    double cap = infil * a->dt;
    double take = d < cap ? d : cap;
    d -= take;
    o.inf = take;
    o.infil = (float)take;
  }
  o.drain = 0.0;
  if (has_drain) {
    double cap = drain * a->dt;
    double take = d < cap ? d : cap;
    d -= take;
    o.drain = take;
  }
  double e = zk + d;
  float ef = (float)e;
  o.eta = ef;
  o.comp = (float)((double)ef - e);
  o.depth = d;
  return o;
}

/* GCC's UBSan reports a null store inside the lane arrays of an omp simd
 * reduction (a false positive: the plain loop is clean and the sums agree),
 * so sanitizer builds keep the loop scalar. The simd reductions let the
 * compiler vectorise the row sums; their order is fixed by the code, not by
 * the threads, so results stay reproducible. */
#if defined(__SANITIZE_ADDRESS__)
#define CT_SIMD_SUMS
#else
#define CT_SIMD_SUMS                                                         \
  _Pragma("omp simd reduction(+:s_rain,s_inf,s_drain,s_clamp) reduction(max:hmax)")
#endif

#endif
