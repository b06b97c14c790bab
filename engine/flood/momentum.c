/* momentum.c - face discharges of the local inertial equations: the
 * q-centred scheme of de Almeida et al. (2012, WRR 48 W05528, eq. 14) on top
 * of Bates et al. (2010, J. Hydrol. 387:33, eq. 11), friction semi-implicit
 * with the 2-D discharge magnitude (perpendicular q averaged over the four
 * neighbouring faces, as LISFLOOD-FP's ACC solver). Flow only where the face
 * flow depth exceeds h_flow. Reads qx/qy (last effective discharges) and
 * writes one row of new face discharges at a time (sweep.c schedules the
 * rows; the face arithmetic is face_q in kernels.h). */
#include "flood/kernels.h"

typedef ct__mom_args mom_args;

/* Row j: x face i (cells k-1, k) and y face (cells k-w, k) of every cell
 * i = 0 .. n-1 (k = k0 + i). The perpendicular discharge of an x face is
 * the mean of the y faces north (k-1, k) and south (k-1+w, k+w) of its two
 * cells, likewise for y faces; face_q takes their sum, the 1/4 of the mean
 * being in g dt n^2 / 4 (gn2u, or 0.125 times the sum of the two cells' n^2
 * with a raster: exactly a quarter of g dt times their mean). */
static inline __attribute__((always_inline)) void
xy_row(const float *restrict eta, const float *restrict z,
       const float *restrict n2, float gn2u, int has_n2,
       const float *restrict qx, const float *restrict qy,
       float *restrict ox, float *restrict oy, size_t k0, int n, int w,
       mom_args a) {
  const size_t W = (size_t)w;
  for (int i = 0; i < n; i++) {
    size_t k = k0 + (size_t)i;
    float ek = eta[k], zk = z[k];
    float nk = has_n2 ? n2[k] : 0.0f;
    float gw = has_n2 ? a.gdt * (0.125f * (n2[k - 1] + nk)) : gn2u;
    float gn = has_n2 ? a.gdt * (0.125f * (n2[k - W] + nk)) : gn2u;
    float s4x = qy[k - 1] + qy[k] + qy[k - 1 + W] + qy[k + W];
    ox[i] = face_q(eta[k - 1], ek, z[k - 1], zk, qx[k], qx[k - 1], qx[k + 1],
                   s4x, gw, &a);
    float s4y = qx[k - W] + qx[k - W + 1] + qx[k] + qx[k + 1];
    oy[i] = face_q(eta[k - W], ek, z[k - W], zk, qy[k], qy[k - W], qy[k + W],
                   s4y, gn, &a);
  }
}

/* y faces only (the south edge, face row ny). */
static inline __attribute__((always_inline)) void
y_row(const float *restrict eta, const float *restrict z,
      const float *restrict n2, float gn2u, int has_n2,
      const float *restrict qx, const float *restrict qy,
      float *restrict oy, size_t k0, int n, int w, mom_args a) {
  const size_t W = (size_t)w;
  for (int i = 0; i < n; i++) {
    size_t k = k0 + (size_t)i;
    float gn = has_n2 ? a.gdt * (0.125f * (n2[k - W] + n2[k])) : gn2u;
    float s4y = qx[k - W] + qx[k - W + 1] + qx[k] + qx[k + 1];
    oy[i] = face_q(eta[k - W], eta[k], z[k - W], z[k], qy[k], qy[k - W],
                   qy[k + W], s4y, gn, &a);
  }
}

/* The east-edge x face of a row. */
static float x_face(const ct_flood *f, size_t k, mom_args a) {
  const float *n2 = f->n2;
  float gw = n2 ? a.gdt * (0.125f * (n2[k - 1] + n2[k]))
               : (a.gdt * f->n2u) * 0.25f;
  const size_t W = (size_t)f->w;
  const float *qy = f->qy, *qx = f->qx;
  float s4x = qy[k - 1] + qy[k] + qy[k - 1 + W] + qy[k + W];
  return face_q(f->eta[k - 1], f->eta[k], f->z[k - 1], f->z[k], qx[k],
                qx[k - 1], qx[k + 1], s4x, gw, &a);
}

/* Variants with and without a Manning raster, so neither loop branches. */
#define XY_VARIANT(name, HN)                                                 \
  CT_CLONES static void name(                                               \
      const float *restrict eta, const float *restrict z,                   \
      const float *restrict n2, float gn2u, const float *restrict qx,       \
      const float *restrict qy, float *restrict ox, float *restrict oy,      \
      size_t k0, int n, int w, mom_args a) {                                \
    xy_row(eta, z, n2, gn2u, HN, qx, qy, ox, oy, k0, n, w, a);              \
  }
#define Y_VARIANT(name, HN)                                                  \
  CT_CLONES static void name(                                               \
      const float *restrict eta, const float *restrict z,                   \
      const float *restrict n2, float gn2u, const float *restrict qx,       \
      const float *restrict qy, float *restrict oy, size_t k0, int n,       \
      int w, mom_args a) {                                                  \
    y_row(eta, z, n2, gn2u, HN, qx, qy, oy, k0, n, w, a);                   \
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
  out->gdt = (float)f->p.g * (float)dt;
  out->gdtr = (float)(f->p.g * dt / f->dx);
  out->theta = (float)f->p.theta;
  out->half1mt = (float)(0.5 * (1.0 - f->p.theta));
  out->hmin = (float)f->p.h_flow;
}

/* After the loop of face row r: the east edge face and the boundary
 * conditions. */
static void edges(const ct_flood *f, int r, float *ox, float *oy,
                  const ct__mom_args *a) {
  const int nx = f->nx, ny = f->ny;
  if (r < ny) {
    ox[nx] = x_face(f, FI(f->w, nx, r), *a);
    ox[0] = fix(ox[0], f->bc[CT_FLOOD_WEST], 1.0f);
    ox[nx] = fix(ox[nx], f->bc[CT_FLOOD_EAST], -1.0f);
  }
  if (r == 0)
    for (int i = 0; i < nx; i++)
      oy[i] = fix(oy[i], f->bc[CT_FLOOD_NORTH], 1.0f);
  if (r == ny)
    for (int i = 0; i < nx; i++)
      oy[i] = fix(oy[i], f->bc[CT_FLOOD_SOUTH], -1.0f);
}

void ct__flood_momentum_row(const ct_flood *f, int r, float *ox, float *oy,
                            const ct__mom_args *args) {
  const int nx = f->nx, ny = f->ny, w = f->w;
  const mom_args a = *args;
  const float gn2u = (a.gdt * f->n2u) * 0.25f; /* g dt n^2 / 4 */
  if (r < ny) {
    if (f->n2)
      xy_row_n(f->eta, f->z, f->n2, gn2u, f->qx, f->qy, ox, oy, FI(w, 0, r),
               nx, w, a);
    else
      xy_row_u(f->eta, f->z, f->n2, gn2u, f->qx, f->qy, ox, oy, FI(w, 0, r),
               nx, w, a);
  } else if (f->n2) {
    y_row_n(f->eta, f->z, f->n2, gn2u, f->qx, f->qy, oy, FI(w, 0, r), nx, w,
            a);
  } else {
    y_row_u(f->eta, f->z, f->n2, gn2u, f->qx, f->qy, oy, FI(w, 0, r), nx, w,
            a);
  }
  edges(f, r, ox, oy, &a);
}
