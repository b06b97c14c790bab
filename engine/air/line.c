/* line.c - road (line) sources near the road (plume-in-grid for traffic,
 * REFERENCES.md section 3: "compute the near-source part with a Gaussian
 * kernel (point / line) and hand its mass to the grid once the plume is
 * about a cell wide"). A 100 m cell dilutes a road's plume as much as a
 * stack's, and the road cell itself is where people breathe it.
 *
 * Method. Traffic arrives as g/s per cell, without the road's course inside
 * the cell, so each emitting cell is one line source through its centre,
 * perpendicular to the wind, a cell wide (dx): over a road of many cells
 * the segments join into the road and the crosswind-integrated plume is the
 * infinite line source of REFERENCES 3 at ground level (release height 0),
 *   C(x, z) = sqrt(2/pi) q / (u sz(x)) exp(-z^2 / (2 sz(x)^2)),
 *   sz(x)^2 = sz_met(x)^2 + sz0^2,
 * with q [g m-1 s-1] the line strength, u the wind at the reference height
 * (as for stacks, ISC3's practice for surface sources), sz_met the kernel's
 * sigma_z (Briggs 1973 by class, or the Monin-Obukhov table, as for
 * stacks) and sz0 = 1.5 m the vehicle wake's initial spread (road models
 * use 1.5-2 m). C holds for 0 <= x < xh downwind of the line and within
 * dx/2 of its centre crosswind; the kernel ends at the hand-over distance
 *   xh = max(handover dx, the x where sz = dz0)   (handover: 1 by default)
 * where the plume is a cell long and as deep as the first level, so the
 * grid resolves it from there.
 *
 * Mass. The strip's plume holds M = q dx xh / u (the integral of C over
 * z >= 0 is q / u), so each cell's kernel is a store M with residence time
 * th = xh / u, filled by the emission E and emptied into the grid:
 *   dM/dt = E - M / th,  exactly over dt: M' = M f + E th (1 - f),
 *   f = exp(-dt / th), handed over = M + E dt - M' (to double round-off).
 * The steady store is E th, i.e. q = E / dx; when the traffic changes the
 * kernel shows the plume its store holds, q = M / (th dx), so what it shows
 * is exactly what it holds, and the grid never holds it too. The hand-over
 * goes into the grid as a cell-sized square just beyond the kernel's strip
 * (centre at xh + dx/2 downwind, area-weighted onto up to 4 cells) with
 * the reflected Gaussian's vertical profile at xh.
 *
 * Output. Ground-level cells add the kernels' means over the cell (midpoint
 * rule along the wind, 16 points per air cell length, at least 2 per output
 * cell; the strip's exact crosswind extent inside the cell; the shape from
 * a 512-interval table, linear: 1e-4); points (receptors) add C itself. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "air_internal.h"

#define SZ0 1.5  /* [m] */
#define NQ 16    /* quadrature points along the wind per air cell length */

static int cell_of(const ct_air *a, double x, double y, int *i, int *j) {
  *i = (int)floor((x - a->cfg.xmin) / a->dx);
  *j = (int)floor((a->cfg.ymax - y) / a->dx);
  return *i >= 0 && *j >= 0 && *i < a->nx && *j < a->ny;
}

double ct__air_line_sz(const ct_air *a, double x, double u) {
  double sy, sz;
  ct__air_sigmas(a, x > 0 ? x : 0.0, u, &sy, &sz);
  return sqrt(sz * sz + SZ0 * SZ0);
}

int ct__air_line_enable(ct_air *a, ct_error *err) {
  if (a->lact) return CT_OK;
  size_t n = a->nxy;
  int ok = 1;
  for (int s = 0; s < a->ns; s++) {
    a->line[s] = calloc(n, sizeof(float));
    a->kmass[s] = calloc(n, sizeof(double));
    ok = ok && a->line[s] && a->kmass[s];
  }
  a->lact = malloc(n * sizeof(int));
  a->lrow = calloc((size_t)a->ny + 1, sizeof(int));
  a->lu = malloc(n * sizeof(float));
  a->lex = malloc(n * sizeof(float));
  a->ley = malloc(n * sizeof(float));
  a->lth = malloc(n * sizeof(double));
  a->lcell = malloc(4 * n * sizeof(int));
  a->lw = malloc(4 * n * sizeof(double));
  a->lzw = calloc((size_t)a->nz, sizeof(double));
  if (!ok || !a->lact || !a->lrow || !a->lu || !a->lex || !a->ley ||
      !a->lth || !a->lcell || !a->lw || !a->lzw)
    return ct_error_set(err, CT_ENOMEM, "air: out of memory for the road "
                        "kernels of %d x %d cells", a->nx, a->ny);
  a->nlact = 0;
  ct__air_line_geometry(a);
  return CT_OK;
}

float *ct__air_line_emission(ct_air *a, int s) {
  return s >= 0 && s < a->ns ? a->line[s] : NULL;
}

void ct__air_line_refresh(ct_air *a) {
  if (!a->lact) return;
  int n = 0;
  for (int j = 0; j < a->ny; j++) {
    a->lrow[j] = n;
    for (int i = 0; i < a->nx; i++) {
      size_t c = (size_t)j * a->nx + i;
      int on = 0;
      for (int s = 0; s < a->ns && !on; s++)
        on = a->line[s][c] > 0 || a->kmass[s][c] > 0;
      if (on) a->lact[n++] = (int)c;
    }
  }
  a->lrow[a->ny] = n;
  a->nlact = n;
}

/* Share of a ground-reflected Gaussian of sigma sz between z1 and z2. */
static double zshare0(double z1, double z2, double sz) {
  double r = 1.0 / (sqrt(2.0) * sz);
  return erf(z2 * r) - erf(z1 * r);
}

void ct__air_line_geometry(ct_air *a) {
  if (!a->lact) return;
  int nx = a->nx, ny = a->ny;
  double dx = a->dx;
  /* the hand-over: a cell long, and no thinner than the first level; the
   * vertical profile for the mean wind (it differs per cell only under a
   * constant K, where sigma_z depends on u) */
  double um = a->met.speed > 0.5 ? a->met.speed : 0.5;
  double xh = a->cfg.handover * dx;
  if (ct__air_line_sz(a, xh, um) < a->dz[0]) {
    double lo = xh, hi = xh;
    while (ct__air_line_sz(a, hi, um) < a->dz[0] && hi < 20.0 * dx) hi *= 2.0;
    for (int it = 0; it < 60; it++) {
      double mid = 0.5 * (lo + hi);
      if (ct__air_line_sz(a, mid, um) < a->dz[0]) lo = mid;
      else hi = mid;
    }
    xh = hi;
  }
  a->lxh = xh;
  double szh = ct__air_line_sz(a, xh, um), zs = 0;
  for (int k = 0; k < a->nz; k++) {
    a->lzw[k] = zshare0(a->zf[k], a->zf[k + 1], szh);
    zs += a->lzw[k];
  }
  for (int k = 0; k < a->nz; k++) a->lzw[k] /= zs;
  /* the shape at the output height: sigma_z depends on u only under a
   * constant K */
  a->ltab_ok = !(a->met.kz > 0);
  for (int k = 0; k <= CT__AIR_LTAB && a->ltab_ok; k++) {
    double sz = ct__air_line_sz(a, k * xh / CT__AIR_LTAB, um), z = a->zc[0];
    a->ltab[k] = sqrt(2.0 / M_PI) / sz * exp(-0.5 * z * z / (sz * sz));
  }
  double th0 = a->met.dir * M_PI / 180.0;
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++) {
      size_t c = (size_t)j * nx + i;
      double ue, vn, sp;
      if (a->met.u && a->met.v) {
        ue = a->met.u[c];
        vn = a->met.v[c];
        sp = hypot(ue, vn);
      } else {
        ue = -sin(th0);
        vn = -cos(th0);
        sp = a->met.speed;
      }
      double nrm = hypot(ue, vn);
      int *tc = a->lcell + 4 * c;
      double *tw = a->lw + 4 * c;
      if (!(nrm > 0)) { /* calm cell of a raster: no direction, no kernel */
        a->lu[c] = 0.0f;
        a->lex[c] = a->ley[c] = 0.0f;
        a->lth[c] = 0.0;
        tc[0] = (int)c;
        tw[0] = 1.0;
        for (int f = 1; f < 4; f++) { tc[f] = -1; tw[f] = 0.0; }
        continue;
      }
      double ex = ue / nrm, ey = vn / nrm, u = sp > 0.5 ? sp : 0.5;
      a->lu[c] = (float)u;
      a->lex[c] = (float)ex;
      a->ley[c] = (float)ey;
      a->lth[c] = xh / (double)a->lu[c];
      /* the hand-over square's centre, xh + dx/2 downwind of the line */
      double px = a->cfg.xmin + (i + 0.5) * dx + (xh + 0.5 * dx) * ex;
      double py = a->cfg.ymax - (j + 0.5) * dx + (xh + 0.5 * dx) * ey;
      double fx = (px - a->cfg.xmin) / dx - 0.5;
      double fy = (a->cfg.ymax - py) / dx - 0.5;
      int i0 = (int)floor(fx), j0 = (int)floor(fy);
      double wx = fx - i0, wy = fy - j0;
      for (int f = 0; f < 4; f++) {
        int ii = i0 + (f & 1), jj = j0 + (f >> 1);
        double w = ((f & 1) ? wx : 1.0 - wx) * ((f >> 1) ? wy : 1.0 - wy);
        int in = ii >= 0 && ii < nx && jj >= 0 && jj < ny;
        if (!in && a->cfg.periodic) {
          ii = ((ii % nx) + nx) % nx;
          jj = ((jj % ny) + ny) % ny;
          in = 1;
        }
        tc[f] = in ? jj * nx + ii : -1;
        tw[f] = w;
      }
    }
}

void ct__air_line_step(ct_air *a, int s, double dt, double *emitted,
                       double *left) {
  if (!a->line[s] || a->nlact == 0) return;
  const float *e = a->line[s];
  double *km = a->kmass[s];
  float *c = a->c[s];
  size_t nxy = a->nxy;
  double area = a->dx * a->dx;
  int nz = a->nz;
  for (int n = 0; n < a->nlact; n++) {
    int cell = a->lact[n];
    double E = e[cell], M = km[cell];
    if (!(E > 0) && !(M > 0)) continue;
    if (!(E > 0)) E = 0.0;
    double th = a->lth[cell], M1 = 0.0;
    if (th > 0) {
      double f = exp(-dt / th);
      M1 = M * f + E * th * (1.0 - f);
      if (E == 0.0 && M1 < 1e-12) M1 = 0.0; /* a picogram: all to the grid */
    }
    double m = M + E * dt - M1; /* handed over [g] */
    if (m < 0) { /* round-off of a tiny step: keep it all, lose nothing */
      M1 = M + E * dt;
      m = 0.0;
    }
    km[cell] = M1;
    *emitted += E * dt;
    if (m == 0.0) continue;
    const int *tc = a->lcell + 4 * (size_t)cell;
    const double *tw = a->lw + 4 * (size_t)cell;
    for (int f = 0; f < 4; f++) {
      if (!(tw[f] > 0)) continue;
      double mf = m * tw[f];
      if (tc[f] < 0) {
        *left += mf;
        continue;
      }
      if (th <= 0) { /* calm: the cell's first level, as a ground source */
        c[tc[f]] += (float)(mf * 1e6 / (area * a->dz[0]));
        continue;
      }
      for (int k = 0; k < nz; k++)
        if (a->lzw[k] > 0)
          c[(size_t)k * nxy + (size_t)tc[f]] +=
              (float)(mf * a->lzw[k] * 1e6 / (area * a->dz[k]));
    }
  }
}

double ct__air_line_mass(const ct_air *a, int s) {
  if (s < 0 || s >= a->ns || !a->kmass[s]) return 0.0;
  double m = 0;
  for (int n = 0; n < a->nlact; n++) m += a->kmass[s][a->lact[n]];
  return m;
}

/* The kernel of cell c at along-wind distance x, height z, per unit of
 * line strength: sqrt(2/pi) / (u sz) exp(-z^2 / 2 sz^2) [s m-2]. */
static double shape(const ct_air *a, size_t c, double x, double z) {
  double sz = ct__air_line_sz(a, x, a->lu[c]);
  return sqrt(2.0 / M_PI) / (a->lu[c] * sz) * exp(-0.5 * z * z / (sz * sz));
}

/* The same at the first level's centre, from the table (0 <= x <= xh). */
static double shape0(const ct_air *a, size_t c, double x) {
  if (!a->ltab_ok) return shape(a, c, x, a->zc[0]);
  double f = x / a->lxh * CT__AIR_LTAB;
  int k = (int)f;
  if (k >= CT__AIR_LTAB) k = CT__AIR_LTAB - 1;
  double w = f - k;
  return ((1.0 - w) * a->ltab[k] + w * a->ltab[k + 1]) / a->lu[c];
}

/* Line strength shown by cell c's kernel [g m-1 s-1]. */
static double strength(const ct_air *a, int s, size_t c) {
  return a->kmass[s][c] / (a->lth[c] * a->dx);
}

double ct__air_line_at(const ct_air *a, int s, double x, double y, double z) {
  if (s < 0 || s >= a->ns || !a->kmass[s] || a->nlact == 0) return 0.0;
  int pi, pj;
  cell_of(a, x, y, &pi, &pj);
  int r = (int)ceil(a->lxh / a->dx) + 1;
  double v = 0;
  for (int j = pj - r; j <= pj + r; j++) {
    if (j < 0 || j >= a->ny) continue;
    for (int i = pi - r; i <= pi + r; i++) {
      if (i < 0 || i >= a->nx) continue;
      size_t c = (size_t)j * a->nx + i;
      if (!(a->kmass[s][c] > 0) || !(a->lth[c] > 0)) continue;
      double dxs = x - (a->cfg.xmin + (i + 0.5) * a->dx);
      double dys = y - (a->cfg.ymax - (j + 0.5) * a->dx);
      double al = dxs * a->lex[c] + dys * a->ley[c];
      double cr = -dxs * a->ley[c] + dys * a->lex[c];
      if (al < 0 || al >= a->lxh || fabs(cr) > 0.5 * a->dx) continue;
      v += 1e6 * strength(a, s, c) * shape(a, c, al, z);
    }
  }
  return v;
}

/* Length of the crosswind segment P0 + t p, |t| <= hw, inside the box
 * [x0, x1] x [y0, y1] (Liang-Barsky clipping). */
static double clip_len(double p0x, double p0y, double px, double py,
                       double hw, double x0, double x1, double y0,
                       double y1) {
  double lo = -hw, hi = hw;
  double p[2] = {px, py}, q0[2] = {x0 - p0x, y0 - p0y},
         q1[2] = {x1 - p0x, y1 - p0y};
  for (int d = 0; d < 2; d++) {
    if (fabs(p[d]) < 1e-12) {
      if (q0[d] > 0 || q1[d] < 0) return 0.0;
      continue;
    }
    double t0 = q0[d] / p[d], t1 = q1[d] / p[d];
    if (t0 > t1) { double tmp = t0; t0 = t1; t1 = tmp; }
    if (t0 > lo) lo = t0;
    if (t1 < hi) hi = t1;
  }
  return hi > lo ? hi - lo : 0.0;
}

void ct__air_line_add(const ct_air *a, int s, double xmin, double ymax,
                      double dx, int nx, int ny, double z, float *out) {
  if (s < 0 || s >= a->ns || !a->kmass[s] || a->nlact == 0) return;
  const double adx = a->dx, hw = 0.5 * adx, xh = a->lxh;
  /* a strip reaches at most this far from its cell's centre */
  const double reach = xh + adx;
  /* by output row: each output cell sums its kernels in one fixed order,
   * whatever the threads */
#pragma omp parallel for schedule(static)
  for (int j = 0; j < ny; j++) {
    double y1 = ymax - j * dx, y0 = y1 - dx;
    int J0 = (int)floor((a->cfg.ymax - (y1 + reach)) / adx);
    int J1 = (int)floor((a->cfg.ymax - (y0 - reach)) / adx);
    if (J0 < 0) J0 = 0;
    if (J1 > a->ny - 1) J1 = a->ny - 1;
    for (int J = J0; J <= J1; J++)
      for (int n = a->lrow[J]; n < a->lrow[J + 1]; n++) {
        size_t c = (size_t)a->lact[n];
        if (!(a->kmass[s][c] > 0) || !(a->lth[c] > 0)) continue;
        int I = (int)(c % (size_t)a->nx);
        double cx = a->cfg.xmin + (I + 0.5) * adx;
        double cy = a->cfg.ymax - (J + 0.5) * adx;
        double ex = a->lex[c], ey = a->ley[c];
        /* the strip's corners give its extent */
        double ya = cy + hw * ex, yb = cy - hw * ex;
        if (fmin(ya, yb) + fmin(0.0, xh * ey) >= y1 ||
            fmax(ya, yb) + fmax(0.0, xh * ey) <= y0)
          continue;
        double xa = cx - hw * ey, xb = cx + hw * ey;
        double sx0 = fmin(xa, xb) + fmin(0.0, xh * ex);
        double sx1 = fmax(xa, xb) + fmax(0.0, xh * ex);
        int i0 = (int)floor((sx0 - xmin) / dx), i1 = (int)floor((sx1 - xmin) / dx);
        if (i0 < 0) i0 = 0;
        if (i1 > nx - 1) i1 = nx - 1;
        double q = strength(a, s, c);
        int tab = z == a->zc[0];
        for (int i = i0; i <= i1; i++) {
          double x0 = xmin + i * dx, x1 = x0 + dx;
          /* the cell's along- and crosswind extent from its corners */
          double amin = 1e300, amax = -1e300, cmin = 1e300, cmax = -1e300;
          for (int k = 0; k < 4; k++) {
            double X = ((k & 1) ? x1 : x0) - cx, Y = ((k >> 1) ? y1 : y0) - cy;
            double al = X * ex + Y * ey, cr = -X * ey + Y * ex;
            amin = fmin(amin, al); amax = fmax(amax, al);
            cmin = fmin(cmin, cr); cmax = fmax(cmax, cr);
          }
          if (amin < 0) amin = 0;
          if (amax > xh) amax = xh;
          if (amax <= amin || cmin >= hw || cmax <= -hw) continue;
          int nq = (int)ceil(NQ * (amax - amin) / adx);
          if (nq < 2) nq = 2;
          double da = (amax - amin) / nq, sum = 0;
          for (int k = 0; k < nq; k++) {
            double al = amin + (k + 0.5) * da;
            double L = clip_len(cx + al * ex, cy + al * ey, -ey, ex, hw, x0,
                                x1, y0, y1);
            if (L > 0)
              sum += (tab ? shape0(a, c, al) : shape(a, c, al, z)) * L;
          }
          out[(size_t)j * nx + i] += (float)(1e6 * q * sum * da / (dx * dx));
        }
      }
  }
}
