/* series.c - piecewise-linear time series for the flood forcings (boundary
 * levels, inflow hydrographs): value and exact integral over a step, so the
 * volume balance counts exactly the water a hydrograph delivers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "flood/flood_internal.h"

int ct__pl_set(ct__pl *s, int n, const double *t, const double *v,
               ct_error *err) {
  if (n < 1 || !t || !v)
    return ct_error_set(err, CT_EINVAL, "series: needs at least one point");
  for (int k = 0; k < n; k++) {
    if (!isfinite(t[k]) || !isfinite(v[k]))
      return ct_error_set(err, CT_EINVAL, "series: point %d is not finite",
                          k + 1);
    if (k > 0 && !(t[k] > t[k - 1]))
      return ct_error_set(err, CT_EINVAL,
                          "series: times must increase (point %d: %g after %g)",
                          k + 1, t[k], t[k - 1]);
  }
  double *nt = malloc((size_t)n * sizeof *nt);
  double *nv = malloc((size_t)n * sizeof *nv);
  if (!nt || !nv) {
    free(nt);
    free(nv);
    return ct_error_set(err, CT_ENOMEM, "series: out of memory");
  }
  memcpy(nt, t, (size_t)n * sizeof *nt);
  memcpy(nv, v, (size_t)n * sizeof *nv);
  ct__pl_free(s);
  s->n = n;
  s->t = nt;
  s->v = nv;
  return CT_OK;
}

void ct__pl_free(ct__pl *s) {
  free(s->t);
  free(s->v);
  s->t = s->v = NULL;
  s->n = 0;
}

/* Index k with t[k] <= x < t[k+1] (binary search); -1 before the start. */
static int seg(const ct__pl *s, double x) {
  if (x < s->t[0]) return -1;
  int lo = 0, hi = s->n - 1;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (s->t[mid] <= x) lo = mid;
    else hi = mid;
  }
  return x >= s->t[s->n - 1] ? s->n - 1 : lo;
}

double ct__pl_at(const ct__pl *s, double x) {
  if (s->n == 0) return 0.0;
  int k = seg(s, x);
  if (k < 0) return s->v[0];
  if (k >= s->n - 1) return s->v[s->n - 1];
  double a = (x - s->t[k]) / (s->t[k + 1] - s->t[k]);
  return s->v[k] + a * (s->v[k + 1] - s->v[k]);
}

double ct__pl_integral(const ct__pl *s, double t0, double t1) {
  if (s->n == 0 || !(t1 > t0)) return 0.0;
  /* Trapezoids between t0, every knot inside (t0, t1), and t1: exact for a
   * piecewise-linear function. */
  double sum = 0.0, a = t0, va = ct__pl_at(s, t0);
  int k = seg(s, t0) + 1;
  for (; k < s->n && s->t[k] < t1; k++) {
    if (s->t[k] <= a) continue;
    sum += 0.5 * (va + s->v[k]) * (s->t[k] - a);
    a = s->t[k];
    va = s->v[k];
  }
  sum += 0.5 * (va + ct__pl_at(s, t1)) * (t1 - a);
  return sum;
}
