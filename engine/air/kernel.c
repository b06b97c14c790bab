/* kernel.c - the near-source Gaussian kernel (plume-in-grid): a grid cell
 * dilutes a fresh plume, so each stack's plume is computed analytically
 * (Gaussian plume with ground reflection, Briggs 1973 sigmas, or sigma_y
 * from the measured sigma_theta after Draxler 1976) until it is about two
 * cells wide (sigma_y = handover x dx, default dx), where its mass is
 * handed to the grid with the
 * kernel's own crosswind and vertical profile. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "air_internal.h"

/* Briggs (1973) as tabulated in REFERENCES.md section 3 (x in m). */
void ct_air_briggs(int cls, int urban, double x, double *sy, double *sz) {
  if (cls < 0) cls = 0;
  if (cls > 5) cls = 5;
  if (x < 0) x = 0;
  if (!urban) {
    static const double ay[6] = {0.22, 0.16, 0.11, 0.08, 0.06, 0.04};
    *sy = ay[cls] * x / sqrt(1.0 + 0.0001 * x);
    switch (cls) {
    case 0: *sz = 0.20 * x; break;
    case 1: *sz = 0.12 * x; break;
    case 2: *sz = 0.08 * x / sqrt(1.0 + 0.0002 * x); break;
    case 3: *sz = 0.06 * x / sqrt(1.0 + 0.0015 * x); break;
    case 4: *sz = 0.03 * x / (1.0 + 0.0003 * x); break;
    default: *sz = 0.016 * x / (1.0 + 0.0003 * x); break;
    }
  } else {
    switch (cls) {
    case 0:
    case 1:
      *sy = 0.32 * x / sqrt(1.0 + 0.0004 * x);
      *sz = 0.24 * x * sqrt(1.0 + 0.001 * x);
      break;
    case 2:
      *sy = 0.22 * x / sqrt(1.0 + 0.0004 * x);
      *sz = 0.20 * x;
      break;
    case 3:
      *sy = 0.16 * x / sqrt(1.0 + 0.0004 * x);
      *sz = 0.14 * x / sqrt(1.0 + 0.0003 * x);
      break;
    default:
      *sy = 0.11 * x / sqrt(1.0 + 0.0004 * x);
      *sz = 0.08 * x / sqrt(1.0 + 0.0015 * x);
      break;
    }
  }
}

double ct_air_gauss_plume(double q, double u, double sy, double sz, double h,
                          double y, double z) {
  if (!(u > 0) || !(sy > 0) || !(sz > 0)) return 0.0;
  double c = q / (2.0 * M_PI * u * sy * sz) * exp(-0.5 * y * y / (sy * sy));
  double a = (z - h) / sz, b = (z + h) / sz;
  return 1e6 * c * (exp(-0.5 * a * a) + exp(-0.5 * b * b));
}

double ct_air_line_plume(double ql, double u, double sz) {
  if (!(u > 0) || !(sz > 0)) return 0.0;
  return 1e6 * sqrt(2.0 / M_PI) * ql / (u * sz);
}

void ct__air_sigmas(const ct_air *a, double x, double u, double *sy,
                    double *sz) {
  const ct_air_met *m = &a->met;
  double bsy, bsz;
  ct_air_briggs(a->cls, a->cfg.urban, x, &bsy, &bsz);
  /* constant K (the analytical test cases): sigma^2 = 2 K t, t = x/u */
  if (!(u > 0)) u = 1.0;
  if (m->kz > 0) {
    *sz = sqrt(2.0 * m->kz * x / u);
  } else if (a->sz_mo) {
    /* the Monin-Obukhov table, log-linear in x */
    double f = log(fmax(x, 0.5) / 0.5) / log(1.05);
    int k = (int)f;
    if (k >= CT__AIR_NTAB - 1) {
      *sz = a->sz_tab[CT__AIR_NTAB - 1];
    } else {
      double w = f - k;
      *sz = (1 - w) * a->sz_tab[k] + w * a->sz_tab[k + 1];
    }
  } else {
    *sz = bsz;
  }
  if (m->kh > 0) {
    *sy = sqrt(2.0 * m->kh * x / u);
  } else if (m->sigma_theta > 0 && a->obukhov > 0) {
    /* In stable air the lateral spread is mostly meander, which the F-class
     * curve (2.3 degrees) misses and the measured sigma_theta holds;
     * Draxler (1976): sigma_y = sigma_theta x f(t), f = 1/(1 + 0.9
     * sqrt(t/T_i)), T_i = 1000 s (as recommended by Irwin 1979). By day
     * the class curves did better on Prairie Grass (10-min sigma_theta
     * overstates the spread the arc maxima see). */
    double t = x / u;
    *sy = a->a_lat * x / (1.0 + 0.9 * sqrt(t / 1000.0));
  } else {
    *sy = bsy;
  }
}

/* Share of a reflected Gaussian (centre h, sigma sz) between z1 and z2. */
static double zshare(double z1, double z2, double h, double sz) {
  double r = 1.0 / (sqrt(2.0) * sz);
  return 0.5 * (erf((z2 - h) * r) - erf((z1 - h) * r)) +
         0.5 * (erf((z2 + h) * r) - erf((z1 + h) * r));
}

void ct__air_stack_footprint(ct_air *a, ct__air_stack *s) {
  int nx = a->nx, ny = a->ny, nz = a->nz;
  double dx = a->dx;
  /* the wind the plume rides: at the stack top, not below the height the
   * wind is given at (as in ISC3) */
  double zw = s->h > a->met.zref ? s->h : a->met.zref;
  double ue, vn;
  int ci = (int)floor((s->x - a->cfg.xmin) / dx);
  int cj = (int)floor((a->cfg.ymax - s->y) / dx);
  if (ci < 0) ci = 0;
  if (ci >= nx) ci = nx - 1;
  if (cj < 0) cj = 0;
  if (cj >= ny) cj = ny - 1;
  if (a->met.u && a->met.v) {
    ue = a->met.u[(size_t)cj * nx + ci];
    vn = a->met.v[(size_t)cj * nx + ci];
  } else {
    double th = a->met.dir * M_PI / 180.0;
    ue = -sin(th);
    vn = -cos(th);
  }
  double sp = hypot(ue, vn);
  s->ex = sp > 0 ? ue / sp : 0.0;
  s->ey = sp > 0 ? vn / sp : 0.0;
  double u = ct__air_wind_at(a, zw) * (sp > 0 && a->met.u ? sp / a->met.speed
                                                         : 1.0);
  if (!(u > 0.5)) u = 0.5; /* calm: Gaussian plumes need some transport */
  s->u = u;
  /* hand-over distance: sigma_y(xh) = f dx (bisection; sigma_y grows) */
  const double syh = a->cfg.handover * dx;
  double xh = 0.0;
  if (a->cfg.plume_in_grid && sp > 0) {
    double lo = 0.0, hi = 1.0, sy, sz;
    for (;;) {
      ct__air_sigmas(a, hi, u, &sy, &sz);
      if (sy >= syh || hi > 1e6) break;
      hi *= 2.0;
    }
    for (int it = 0; it < 60; it++) {
      double mid = 0.5 * (lo + hi);
      ct__air_sigmas(a, mid, u, &sy, &sz);
      if (sy < syh) lo = mid;
      else hi = mid;
    }
    xh = hi;
  }
  s->xh = xh;
  double sy = 0.5 * dx, sz = 0.0;
  if (xh > 0) ct__air_sigmas(a, xh, u, &sy, &sz);
  double px = s->x + xh * s->ex, py = s->y + xh * s->ey;
  /* horizontal weights: crosswind Gaussian sigma_y, along-wind dx/2, over
   * the 5 x 5 cells around the hand-over point */
  int pi = (int)floor((px - a->cfg.xmin) / dx);
  int pj = (int)floor((a->cfg.ymax - py) / dx);
  double wsum = 0;
  s->nfoot = 0;
  for (int dj = -2; dj <= 2; dj++)
    for (int di = -2; di <= 2; di++) {
      int i = pi + di, j = pj + dj;
      double cx = a->cfg.xmin + (i + 0.5) * dx - px;
      double cy = a->cfg.ymax - (j + 0.5) * dx - py;
      double along = cx * s->ex + cy * s->ey;
      double cross = sp > 0 ? -cx * s->ey + cy * s->ex : hypot(cx, cy);
      double w = xh > 0 ? exp(-0.5 * cross * cross / (sy * sy) -
                              0.5 * along * along / (0.25 * dx * dx))
                        : (di == 0 && dj == 0);
      if (w < 1e-12) continue;
      int in = i >= 0 && i < nx && j >= 0 && j < ny;
      if (a->cfg.periodic && !in) {
        i = ((i % nx) + nx) % nx;
        j = ((j % ny) + ny) % ny;
        in = 1;
      }
      s->foot_cell[s->nfoot] = in ? (long)j * nx + i : -1;
      s->foot_w[s->nfoot] = w;
      wsum += w;
      s->nfoot++;
    }
  for (int f = 0; f < s->nfoot; f++) s->foot_w[f] /= wsum;
  /* vertical weights: the reflected Gaussian at the hand-over, or the level
   * holding the stack top without a kernel */
  double zsum = 0;
  for (int k = 0; k < nz; k++) {
    if (xh > 0 && sz > 0)
      s->zw[k] = zshare(a->zf[k], a->zf[k + 1], s->h, sz);
    else
      s->zw[k] = (s->h >= a->zf[k] && (s->h < a->zf[k + 1] || k == nz - 1));
    zsum += s->zw[k];
  }
  if (zsum > 0) {
    for (int k = 0; k < nz; k++) s->zw[k] /= zsum;
  } else {
    s->zw[nz - 1] = 1.0; /* a plume above the model top stays at the lid */
  }
}

int ct_air_add_stack(ct_air *a, double x, double y, double height,
                     const double *rate, ct_error *err) {
  double b[4] = {a->cfg.xmin, a->cfg.ymax - a->ny * a->dx,
                 a->cfg.xmin + a->nx * a->dx, a->cfg.ymax};
  if (!isfinite(x) || !isfinite(y) || x < b[0] || x >= b[2] || y <= b[1] ||
      y > b[3])
    return ct_error_set(err, CT_EINVAL, "stack at (%.1f, %.1f) is outside "
                        "the air domain [%.1f, %.1f] x [%.1f, %.1f]", x, y,
                        b[0], b[2], b[1], b[3]);
  if (!(height >= 0) || !isfinite(height))
    return ct_error_set(err, CT_EINVAL, "stack at (%.1f, %.1f): height %g "
                        "must be >= 0", x, y, height);
  for (int s = 0; s < a->ns; s++)
    if (!(rate[s] >= 0) || !isfinite(rate[s]))
      return ct_error_set(err, CT_EINVAL, "stack at (%.1f, %.1f): %s rate "
                          "%g g/s must be >= 0", x, y,
                          a->cfg.species[s].name, rate[s]);
  if (a->nstack == a->capstack) {
    int cap = a->capstack ? 2 * a->capstack : 8;
    ct__air_stack *ns = realloc(a->stack, (size_t)cap * sizeof *ns);
    if (!ns) return ct_error_set(err, CT_ENOMEM, "air: out of memory");
    a->stack = ns;
    a->capstack = cap;
  }
  ct__air_stack *s = &a->stack[a->nstack];
  memset(s, 0, sizeof *s);
  s->zw = calloc((size_t)a->nz, sizeof(double));
  if (!s->zw) return ct_error_set(err, CT_ENOMEM, "air: out of memory");
  s->x = x;
  s->y = y;
  s->h = height;
  for (int k = 0; k < a->ns; k++) s->rate[k] = rate[k];
  a->nstack++;
  ct__air_stack_footprint(a, s);
  return a->nstack - 1;
}

int ct_air_set_stack_rate(ct_air *a, int stack, const double *rate,
                          ct_error *err) {
  if (stack < 0 || stack >= a->nstack)
    return ct_error_set(err, CT_EINVAL, "air: no stack %d", stack);
  for (int s = 0; s < a->ns; s++)
    if (!(rate[s] >= 0) || !isfinite(rate[s]))
      return ct_error_set(err, CT_EINVAL, "stack %d: %s rate %g g/s must be "
                          ">= 0", stack, a->cfg.species[s].name, rate[s]);
  for (int s = 0; s < a->ns; s++) a->stack[stack].rate[s] = rate[s];
  return CT_OK;
}

double ct__air_kernel_one(const ct_air *a, int q, int sp, double x, double y,
                          double z) {
  const ct__air_stack *s = &a->stack[q];
  if (s->xh <= 0 || s->rate[sp] <= 0) return 0.0;
  double dxs = x - s->x, dys = y - s->y;
  double along = dxs * s->ex + dys * s->ey;
  if (along <= 0 || along >= s->xh) return 0.0;
  if (along < 1.0) along = 1.0; /* the sigma formulas start at ~1 m */
  double cross = -dxs * s->ey + dys * s->ex, sy, sz;
  ct__air_sigmas(a, along, s->u, &sy, &sz);
  return ct_air_gauss_plume(s->rate[sp], s->u, sy, sz, s->h, cross, z);
}

double ct__air_kernel_at(const ct_air *a, int sp, double x, double y,
                         double z) {
  double c = 0;
  for (int q = 0; q < a->nstack; q++) c += ct__air_kernel_one(a, q, sp, x, y, z);
  return c;
}

void ct__air_kernel_add(const ct_air *a, int sp, double xmin, double ymax,
                        double dx, int nx, int ny, double z, float *out) {
  for (int q = 0; q < a->nstack; q++) {
    const ct__air_stack *s = &a->stack[q];
    if (s->xh <= 0 || s->rate[sp] <= 0) continue;
    /* the cells within the hand-over distance of the stack */
    int i0 = (int)floor((s->x - s->xh - xmin) / dx) - 1;
    int i1 = (int)floor((s->x + s->xh - xmin) / dx) + 1;
    int j0 = (int)floor((ymax - s->y - s->xh) / dx) - 1;
    int j1 = (int)floor((ymax - s->y + s->xh) / dx) + 1;
    if (i0 < 0) i0 = 0;
    if (j0 < 0) j0 = 0;
    if (i1 > nx - 1) i1 = nx - 1;
    if (j1 > ny - 1) j1 = ny - 1;
#pragma omp parallel for schedule(static)
    for (int j = j0; j <= j1; j++)
      for (int i = i0; i <= i1; i++)
        out[(size_t)j * nx + i] += (float)ct__air_kernel_one(
            a, q, sp, xmin + (i + 0.5) * dx, ymax - (j + 0.5) * dx, z);
  }
}

