/* met.c - meteorology of the air model: wind profile (power law), stability
 * (Pasquill class <-> Obukhov length), friction velocity and the vertical
 * eddy diffusivity from Monin-Obukhov similarity, and the horizontal
 * diffusivity that matches the near-source kernel. */
#include <math.h>
#include <string.h>
#include "air_internal.h"

void ct_air_met_default(ct_air_met *m) {
  memset(m, 0, sizeof *m);
  m->speed = 2.0;
  m->dir = 270.0;
  m->zref = 10.0;
  m->cls = 3; /* D, neutral */
  m->mixing_height = 1000.0;
  m->p = -1.0;
}

/* Golder (1972), as tabulated by Seinfeld & Pandis (2016) eq. 18.xx:
 * 1/L = a + b log10(z0) for each Pasquill class. */
static const double golder_a[6] = {-0.096, -0.037, -0.002, 0.0, 0.004, 0.035};
static const double golder_b[6] = {0.029, 0.029, 0.018, 0.0, -0.018, -0.036};

double ct_air_obukhov_from_class(int cls, double z0) {
  if (cls < 0 || cls > 5) cls = 3;
  double inv = golder_a[cls] + golder_b[cls] * log10(z0 > 0 ? z0 : 0.1);
  return inv == 0.0 ? 0.0 : 1.0 / inv;
}

int ct_air_class_from_obukhov(double obukhov, double z0) {
  double inv = obukhov == 0.0 ? 0.0 : 1.0 / obukhov;
  double lz = log10(z0 > 0 ? z0 : 0.1);
  /* nearest class curve in 1/L: boundaries half-way between curves */
  int best = 3;
  double bestd = 1e300;
  for (int k = 0; k < 6; k++) {
    double d = fabs(inv - (golder_a[k] + golder_b[k] * lz));
    if (d < bestd) { bestd = d; best = k; }
  }
  return best;
}

/* Integrated stability function for momentum: Businger-Dyer (Dyer 1974)
 * stable -5 zeta, Paulson (1970) unstable. */
static double psi_m(double zeta) {
  if (zeta >= 0) return -5.0 * (zeta < 1.0 ? zeta : 1.0 + log(zeta));
  double x = pow(1.0 - 16.0 * zeta, 0.25);
  return 2.0 * log(0.5 * (1.0 + x)) + log(0.5 * (1.0 + x * x)) - 2.0 * atan(x) +
         0.5 * M_PI;
}

/* phi_h (Dyer 1974): stable 1 + 5 zeta, unstable (1 - 16 zeta)^-1/2. */
static double phi_h(double zeta) {
  if (zeta >= 0) return 1.0 + 5.0 * zeta;
  return 1.0 / sqrt(1.0 - 16.0 * zeta);
}

double ct_air_ustar(double speed, double zref, double z0, double obukhov) {
  if (z0 <= 0) z0 = 0.1;
  if (zref <= z0) zref = z0 * 10.0;
  double d = log(zref / z0);
  if (obukhov != 0.0) d += -psi_m(zref / obukhov) + psi_m(z0 / obukhov);
  if (d < 0.1) d = 0.1;
  return CT__AIR_KAPPA * fabs(speed) / d;
}

/* K-profile of Holtslag & Boville (1993, J. Climate 6:1825):
 * Kz = kappa u* z (1 - z/h)^2 / phi_h, with z/L capped at the top of the
 * surface layer (0.1 h) when unstable; reduces to the neutral
 * kappa u* z (1 - z/h)^2 of REFERENCES.md. */
double ct_air_kz(double z, double ustar, double obukhov, double h) {
  const double kmin = 0.01; /* molecular/residual mixing floor [m2 s-1] */
  if (z <= 0 || h <= 0 || z >= h) return kmin;
  double zeta = 0.0;
  if (obukhov != 0.0) {
    double zs = obukhov < 0 && z > 0.1 * h ? 0.1 * h : z;
    zeta = zs / obukhov;
  }
  double r = 1.0 - z / h;
  double k = CT__AIR_KAPPA * ustar * z * r * r / phi_h(zeta);
  return k > kmin ? k : kmin;
}

/* Power-law exponents: urban from REFERENCES.md section 3, rural the EPA
 * ISC3 values (0.07 0.07 0.10 0.15 0.35 0.55). */
static const double p_urban[6] = {0.15, 0.15, 0.20, 0.25, 0.30, 0.30};
static const double p_rural[6] = {0.07, 0.07, 0.10, 0.15, 0.35, 0.55};
/* sigma_y / x near the source by class (the Briggs coefficients) */
static const double a_rural[6] = {0.22, 0.16, 0.11, 0.08, 0.06, 0.04};
static const double a_urban[6] = {0.32, 0.32, 0.22, 0.16, 0.11, 0.11};

double ct__air_wind_at(const ct_air *a, double z) {
  double zr = a->met.zref > 0 ? a->met.zref : 10.0;
  if (z < 0.1) z = 0.1;
  double sp = a->met.u ? a->met.speed : fabs(a->met.speed);
  return sp * pow(z / zr, a->p);
}

/* sigma_z growth of a plume from a source near the ground under the same
 * Kz and wind profile as the grid: d(sigma_z^2)/dt = 2 Kz(z_e) with the
 * plume's mean height z_e = 0.8 sigma_z (a reflected Gaussian's mean;
 * after van Ulden 1978, Atmos. Environ. 12:2125, whose similarity solution
 * matches Prairie Grass), carried at u(z_e): d sigma_z / dx = Kz / (u
 * sigma_z). Integrated with Heun's method on the table's log-spaced x. */
void ct__air_sz_table(ct_air *a) {
  double h = a->met.mixing_height, cap = 0.6 * h;
  double x = 0.5, sz = 0.1;
  for (int k = 0; k < CT__AIR_NTAB; k++) {
    a->sz_tab[k] = sz;
    double x1 = x * 1.05, dxs = x1 - x;
    double ze = fmax(0.8 * sz, 0.1);
    double f0 = ct_air_kz(ze, a->ustar, a->obukhov, h) /
                (fmax(ct__air_wind_at(a, ze), 0.1) * sz);
    double s1 = sz + dxs * f0;
    double ze1 = fmax(0.8 * s1, 0.1);
    double f1 = ct_air_kz(ze1, a->ustar, a->obukhov, h) /
                (fmax(ct__air_wind_at(a, ze1), 0.1) * s1);
    sz = fmin(sz + 0.5 * dxs * (f0 + f1), cap);
    x = x1;
  }
}

int ct_air_set_met(ct_air *a, const ct_air_met *m, ct_error *err) {
  if (!(m->speed >= 0) || !isfinite(m->speed) || !isfinite(m->dir))
    return ct_error_set(err, CT_EINVAL, "air: wind speed %g / direction %g "
                        "must be finite and the speed >= 0", m->speed, m->dir);
  if (!(m->mixing_height > 0) || !isfinite(m->mixing_height))
    return ct_error_set(err, CT_EINVAL, "air: mixing height %g must be > 0",
                        m->mixing_height);
  if (m->cls > 5 || (m->cls < 0 && !isfinite(m->obukhov)))
    return ct_error_set(err, CT_EINVAL, "air: stability class %d or Obukhov "
                        "length %g out of range", m->cls, m->obukhov);
  if (m->z0 < 0 || m->p > 1.0 || !isfinite(m->kz) || !isfinite(m->kh) ||
      m->sigma_theta < 0 || m->sigma_theta > 90)
    return ct_error_set(err, CT_EINVAL, "air: z0 %g, exponent %g, K %g/%g or "
                        "sigma_theta %g out of range", m->z0, m->p, m->kz,
                        m->kh, m->sigma_theta);
  a->met = *m;
  if (a->met.zref <= 0) a->met.zref = 10.0;
  if (a->met.z0 <= 0) a->met.z0 = a->cfg.urban ? 1.0 : 0.1;
  double z0 = a->met.z0;
  if (m->cls >= 0) {
    a->cls = m->cls;
    a->obukhov = ct_air_obukhov_from_class(m->cls, z0);
  } else {
    a->obukhov = fabs(m->obukhov) > 1e5 ? 0.0 : m->obukhov;
    a->cls = ct_air_class_from_obukhov(a->obukhov, z0);
  }
  if (m->p >= 0) {
    a->p = m->p;
  } else if (m->cls < 0) {
    /* Huang (1979, J. Appl. Meteorol. 18:1296): the exponent that matches
     * the Monin-Obukhov profile's slope at zref,
     * p = phi_m(z/L) / (ln(z/z0) - psi_m(z/L)) */
    double zr = a->met.zref, zeta = a->obukhov != 0 ? zr / a->obukhov : 0;
    double phim = zeta >= 0 ? 1.0 + 5.0 * zeta : pow(1.0 - 16.0 * zeta, -0.25);
    double d = log(zr / z0) - psi_m(zeta);
    a->p = d > 0.5 ? phim / d : 0.5;
    if (a->p < 0.02) a->p = 0.02;
    if (a->p > 0.8) a->p = 0.8;
  } else {
    a->p = (a->cfg.urban ? p_urban : p_rural)[a->cls];
  }
  a->a_lat = m->sigma_theta > 0 ? m->sigma_theta * M_PI / 180.0
                                : (a->cfg.urban ? a_urban : a_rural)[a->cls];

  /* Wind on the faces at zref. The direction is where the wind comes from:
   * it blows towards dir + 180; +x east, +j south. */
  int nx = a->nx, ny = a->ny;
  double speed_mean = m->speed;
  if (m->u && m->v) {
    double s = 0;
    for (int j = 0; j < ny; j++)
      for (int i = 0; i < nx; i++) {
        size_t k = (size_t)j * nx + i;
        if (!isfinite(m->u[k]) || !isfinite(m->v[k]))
          return ct_error_set(err, CT_EINVAL, "air: wind raster has no data "
                              "at cell (%d, %d)", i, j);
        s += hypot(m->u[k], m->v[k]);
      }
    speed_mean = s / (double)a->nxy;
    for (int j = 0; j < ny; j++)
      for (int i = 0; i <= nx; i++) {
        int il = i > 0 ? i - 1 : (a->cfg.periodic ? nx - 1 : 0);
        int ir = i < nx ? i : (a->cfg.periodic ? 0 : nx - 1);
        a->ux[(size_t)j * (nx + 1) + i] =
            0.5f * (m->u[(size_t)j * nx + il] + m->u[(size_t)j * nx + ir]);
      }
    for (int j = 0; j <= ny; j++)
      for (int i = 0; i < nx; i++) {
        int jn = j > 0 ? j - 1 : (a->cfg.periodic ? ny - 1 : 0);
        int js = j < ny ? j : (a->cfg.periodic ? 0 : ny - 1);
        a->vy[(size_t)j * nx + i] =
            -0.5f * (m->v[(size_t)jn * nx + i] + m->v[(size_t)js * nx + i]);
      }
  } else {
    double th = m->dir * M_PI / 180.0;
    float ue = (float)(-m->speed * sin(th)), vn = (float)(-m->speed * cos(th));
    for (size_t k = 0; k < (size_t)ny * (nx + 1); k++) a->ux[k] = ue;
    for (size_t k = 0; k < (size_t)(ny + 1) * nx; k++) a->vy[k] = -vn;
  }
  a->met.speed = speed_mean;
  double umax = 0, outmax = 0;
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++) {
      double ul = a->ux[(size_t)j * (nx + 1) + i];
      double ur = a->ux[(size_t)j * (nx + 1) + i + 1];
      double vn = a->vy[(size_t)j * nx + i], vs = a->vy[(size_t)(j + 1) * nx + i];
      double ox = (ur > 0 ? ur : 0) + (ul < 0 ? -ul : 0);
      double oy = (vs > 0 ? vs : 0) + (vn < 0 ? -vn : 0);
      if (ox > outmax) outmax = ox;
      if (oy > outmax) outmax = oy;
      if (fabs(ur) > umax) umax = fabs(ur);
      if (fabs(ul) > umax) umax = fabs(ul);
      if (fabs(vn) > umax) umax = fabs(vn);
      if (fabs(vs) > umax) umax = fabs(vs);
    }
  a->umax_face = umax;
  a->outmax = outmax;

  for (int k = 0; k < a->nz; k++)
    a->prof[k] = pow(a->zc[k] / a->met.zref, a->p);
  a->ustar = ct_air_ustar(speed_mean, a->met.zref, z0, a->obukhov);
  double h = a->met.mixing_height;
  for (int k = 0; k <= a->nz; k++)
    a->kz[k] = m->kz > 0   ? m->kz
               : m->kz < 0 ? 0.0
                           : ct_air_kz(a->zf[k], a->ustar, a->obukhov, h);
  /* Horizontal diffusivity per level: the grid continues the lateral growth
   * of the kernel's plume, K = (1/2) d(sigma_y^2)/dt = (u/2) d(sigma_y^2)/dx,
   * taken where the plume spans about four cells (sigma_y = 2 dx, twice the
   * hand-over width) and is resolved by the grid. sigma_y grows like t near a source and like
   * sqrt(t) far away (Taylor 1921), so one K is a compromise; this one makes
   * the far field of a 100 m grid follow Briggs within ~10 % to ~5 km. */
  double kh_rate = 0.0; /* (1/2) d(sigma_y^2)/dx [m] */
  if (!(m->kh != 0)) {
    double ub = speed_mean > 0.5 ? speed_mean : 0.5;
    double lo = 0.0, hi = 1.0, sy, sz;
    for (;;) {
      ct__air_sigmas(a, hi, ub, &sy, &sz);
      if (sy >= 2.0 * a->cfg.handover * a->dx || hi > 1e6) break;
      hi *= 2.0;
    }
    for (int it = 0; it < 60; it++) {
      double mid = 0.5 * (lo + hi);
      ct__air_sigmas(a, mid, ub, &sy, &sz);
      if (sy < 2.0 * a->cfg.handover * a->dx) lo = mid; else hi = mid;
    }
    double x1 = 0.99 * hi, x2 = 1.01 * hi, s1, s2;
    ct__air_sigmas(a, x1, ub, &s1, &sz);
    ct__air_sigmas(a, x2, ub, &s2, &sz);
    kh_rate = 0.5 * (s2 * s2 - s1 * s1) / (x2 - x1);
  }
  for (int k = 0; k < a->nz; k++)
    a->kh[k] = m->kh > 0   ? m->kh
               : m->kh < 0 ? 0.0
                           : kh_rate * speed_mean * a->prof[k];
  /* The kernel's sigma_z follows the grid's Kz in neutral and stable air,
   * where local K-theory holds near the ground (van Ulden 1978); convective
   * plumes rise by non-local updrafts that K-theory misses (Lamb 1982), so
   * unstable air keeps the empirical Briggs curves. */
  a->sz_mo = m->cls < 0 && !(m->kz > 0) && a->obukhov >= 0;
  if (a->sz_mo) ct__air_sz_table(a);
  a->fact_dt = -1.0; /* refactor the vertical solver */
  a->have_met = 1;
  for (int s = 0; s < a->nstack; s++) ct__air_stack_footprint(a, &a->stack[s]);
  ct__air_line_geometry(a);
  return CT_OK;
}
