/* demand.c - vehicles entering the network: single trips, flows between an
 * origin and a destination spread over a time slice following a time-of-day
 * profile and split by the fleet's class shares, and initial states. Each
 * departure joins the origin junction's queue; amounts are whole units so
 * what enters is exactly what is counted. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "traffic/traffic_internal.h"

void ct_traffic_set_fleet(ct_traffic *t, const double share[CT_VEH_NCLASS]) {
  double s = 0;
  for (int c = 0; c < CT__NC; c++) s += share[c] > 0 ? share[c] : 0;
  if (!(s > 0)) return;
  for (int c = 0; c < CT__NC; c++) t->fleet[c] = (share[c] > 0 ? share[c] : 0) / s;
}

int ct_traffic_set_profile(ct_traffic *t, int n, const double *time,
                           const double *weight, ct_error *err) {
  if (n < 1) return ct_error_set(err, CT_EINVAL, "traffic: empty demand profile");
  for (int k = 0; k < n; k++) {
    if (!(weight[k] >= 0) || !isfinite(weight[k]))
      return ct_error_set(err, CT_EINVAL,
                          "traffic: demand profile weight %d is %g: expected "
                          ">= 0",
                          k + 1, weight[k]);
    if (k > 0 && !(time[k] > time[k - 1]))
      return ct_error_set(err, CT_EINVAL,
                          "traffic: demand profile times must increase");
  }
  double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
  if (!a || !b) {
    free(a);
    free(b);
    return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  }
  memcpy(a, time, (size_t)n * sizeof *a);
  memcpy(b, weight, (size_t)n * sizeof *b);
  free(t->prof_t);
  free(t->prof_w);
  t->prof_t = a;
  t->prof_w = b;
  t->nprof = n;
  for (int k = 0; k < t->nflows; k++) t->flows[k].wtot = -1;
  return 0;
}

/* Integral of the profile (linear between points, constant outside). */
static double prof_int(const ct_traffic *t, double a, double b) {
  if (b <= a) return 0;
  if (t->nprof == 0) return b - a;
  const double *x = t->prof_t, *w = t->prof_w;
  int n = t->nprof;
  double s = 0;
  /* segments: (-inf, x0], [x_k, x_k+1], [x_n-1, inf) */
  if (a < x[0]) s += w[0] * ((b < x[0] ? b : x[0]) - a);
  if (b > x[n - 1]) s += w[n - 1] * (b - (a > x[n - 1] ? a : x[n - 1]));
  for (int k = 0; k + 1 < n; k++) {
    double lo = a > x[k] ? a : x[k], hi = b < x[k + 1] ? b : x[k + 1];
    if (hi <= lo) continue;
    double sl = (w[k + 1] - w[k]) / (x[k + 1] - x[k]);
    double wl = w[k] + sl * (lo - x[k]), wh = w[k] + sl * (hi - x[k]);
    s += 0.5 * (wl + wh) * (hi - lo);
  }
  return s;
}

static int check_od(const ct_traffic *t, int o, int d, ct_error *err) {
  if (!t->finalized)
    return ct_error_set(err, CT_EINVAL, "traffic: finalise the network first");
  if (o < 0 || o >= t->nnodes || d < 0 || d >= t->nnodes)
    return ct_error_set(err, CT_EINVAL,
                        "traffic: trip from node %d to node %d: no such node "
                        "(%d nodes)",
                        o, d, t->nnodes);
  return 0;
}

int ct_traffic_add_trip(ct_traffic *t, int origin, int dest, double depart,
                        int cls, double vehicles, ct_error *err) {
  int rc = check_od(t, origin, dest, err);
  if (rc) return rc;
  if (cls < 0 || cls >= CT__NC || !(vehicles >= 0) || !isfinite(depart))
    return ct_error_set(err, CT_EINVAL, "traffic: bad trip (class %d, %g veh)",
                        cls, vehicles);
  int d = ct__dest_index(t, dest, err);
  if (d < 0) return d;
  if (t->ntrips == t->captrips) {
    int nc = t->captrips ? 2 * t->captrips : 256;
    ct__trip *a = realloc(t->trips, (size_t)nc * sizeof *a);
    if (!a) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->trips = a;
    t->captrips = nc;
  }
  ct__trip *tr = &t->trips[t->ntrips++];
  tr->t = depart;
  tr->o = origin;
  tr->d = d;
  tr->cls = cls;
  tr->amt = (int64_t)llround(vehicles * CT__UNIT);
  t->trips_dirty = 1;
  return 0;
}

int ct_traffic_add_flow(ct_traffic *t, int origin, int dest, double t0,
                        double t1, double vehicles, ct_error *err) {
  return ct__add_flow(t, origin, dest, t0, t1, vehicles, -1, err);
}

int ct__add_flow(ct_traffic *t, int origin, int dest, double t0, double t1,
                 double vehicles, int cls, ct_error *err) {
  int rc = check_od(t, origin, dest, err);
  if (rc) return rc;
  if (!(t1 > t0) || !(vehicles >= 0) || !isfinite(vehicles))
    return ct_error_set(err, CT_EINVAL,
                        "traffic: flow of %g veh over [%g, %g) s: expected a "
                        "positive interval and vehicles >= 0",
                        vehicles, t0, t1);
  int d = ct__dest_index(t, dest, err);
  if (d < 0) return d;
  if (t->nflows == t->capflows) {
    int nc = t->capflows ? 2 * t->capflows : 64;
    ct__flow *a = realloc(t->flows, (size_t)nc * sizeof *a);
    if (!a) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->flows = a;
    t->capflows = nc;
  }
  ct__flow *f = &t->flows[t->nflows++];
  memset(f, 0, sizeof *f);
  f->t0 = t0;
  f->t1 = t1;
  f->o = origin;
  f->d = d;
  f->veh = vehicles;
  f->cls = cls >= 0 && cls < CT__NC ? cls : -1;
  f->wtot = -1;
  return 0;
}

int ct_traffic_fill(ct_traffic *t, int link, double x0, double x1,
                    double density, int cls, int dest, ct_error *err) {
  if (!t->finalized || link < 0 || link >= t->nlinks || cls < 0 ||
      cls >= CT__NC || !(density >= 0) || dest < 0 || dest >= t->nnodes)
    return ct_error_set(err, CT_EINVAL, "traffic: bad fill");
  int d = ct__dest_index(t, dest, err);
  if (d < 0) return d;
  ct__link *L = &t->l[link];
  int64_t tot = 0;
  for (int i = 0; i < L->ncells; i++) {
    double a = i * L->dx, b = a + L->dx;
    double lo = a > x0 ? a : x0, hi = b < x1 ? b : x1;
    if (hi <= lo) continue;
    int64_t u = (int64_t)llround(density / 1000.0 * (hi - lo) * CT__UNIT);
    t->n[(size_t)(L->cell0 + i) * CT__NC + cls] += u;
    tot += u;
  }
  if (ct__ring_push(&L->q[cls], tot, d, (float)t->t))
    return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  t->entered_u += tot;
  return 0;
}

static int trip_cmp(const void *a, const void *b) {
  const ct__trip *x = a, *y = b;
  return x->t < y->t ? -1 : x->t > y->t ? 1 : 0;
}

static void depart(ct_traffic *t, int o, int cls, int64_t amt, int d,
                   double tdep) {
  if (amt <= 0) return;
  if (ct__ring_push(&t->oq[(size_t)o * CT__NC + cls], amt, d, (float)tdep)) {
    t->oom = 1;
    return;
  }
  t->entered_u += amt;
}

void ct__demand_release(ct_traffic *t, double t0, double t1) {
  if (t->trips_dirty) {
    qsort(t->trips + t->trip_next, (size_t)(t->ntrips - t->trip_next),
          sizeof *t->trips, trip_cmp);
    t->trips_dirty = 0;
  }
  while (t->trip_next < t->ntrips && t->trips[t->trip_next].t < t1) {
    const ct__trip *tr = &t->trips[t->trip_next++];
    depart(t, tr->o, tr->cls, tr->amt, tr->d, tr->t > t0 ? tr->t : t0);
  }
  for (int k = 0; k < t->nflows; k++) {
    ct__flow *f = &t->flows[k];
    if (f->t1 <= t0 || f->t0 >= t1) continue;
    if (f->wtot < 0) f->wtot = prof_int(t, f->t0, f->t1);
    double frac;
    if (t1 >= f->t1)
      frac = 1.0;
    else if (f->wtot > 0)
      frac = prof_int(t, f->t0, t1) / f->wtot;
    else
      frac = (t1 - f->t0) / (f->t1 - f->t0);
    for (int c = 0; c < CT__NC; c++) {
      double share = f->cls < 0 ? t->fleet[c] : (c == f->cls ? 1.0 : 0.0);
      int64_t target = (int64_t)floor(f->veh * share * CT__UNIT * frac);
      /* whole packets only (each packet is walked at every junction),
       * the remainder at the end of the slice */
      int64_t minu = (int64_t)(t->p.packet * CT__UNIT);
      if (target > f->done[c] && (target - f->done[c] >= minu || frac >= 1.0)) {
        depart(t, f->o, c, target - f->done[c], f->d, 0.5 * (t0 + t1));
        f->done[c] = target;
      }
    }
  }
}
