/* signal.c - fixed-time signals: on red a turn's capacity is 0, on green the
 * saturation flow (REFERENCES §2). A step that straddles a phase change gets
 * the green share of the step. Default plans: two phases split by approach
 * axis at major junctions. Plans given by compass direction serve any
 * grouping of approaches, e.g. split phasing (one approach at a time) or a
 * T junction's side road on its own. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "traffic/traffic_internal.h"

static const char *const compass[8] = {"N", "NE", "E", "SE", "S", "SW", "W",
                                       "NW"};

/* Green time of a periodic phase accumulated over [0, x). */
static double green_until(const ct__signal *s, int p, double x) {
  double C = s->cycle;
  double k = floor(x / C), r = x - k * C;
  double in = r - s->start[p];
  if (in < 0) in = 0;
  if (in > s->green[p]) in = s->green[p];
  return k * s->green[p] + in;
}

double ct__green_fraction(const ct__signal *s, int phase, double t,
                          double dt) {
  if (phase < 0 || phase >= s->nphase) return 0.0;
  double a = green_until(s, phase, t - s->offset);
  double b = green_until(s, phase, t + dt - s->offset);
  double g = (b - a) / dt;
  return g < 0 ? 0 : g > 1 ? 1 : g;
}

/* Axis (0..pi) of a link's last segment, the direction it enters its node. */
static double entry_axis(const ct_traffic *t, const ct__link *L) {
  const double *g = t->geo + 2 * (size_t)L->geo0;
  int n = L->ngeo;
  double a = atan2(g[2 * n - 1] - g[2 * n - 3], g[2 * n - 2] - g[2 * n - 4]);
  if (a < 0) a += M_PI;
  if (a >= M_PI) a -= M_PI;
  return a;
}

/* Two phases by approach axis: approaches within 45 degrees of the first
 * one's axis (both directions) go together. 0 when the node has approaches
 * on both axes, else -1 (phases left unset). */
static int assign_phases(ct_traffic *t, int v) {
  int n0 = t->in0[v], n1 = t->in0[v + 1];
  if (n1 - n0 < 2) return -1;
  double a0 = entry_axis(t, &t->l[t->inl[n0]]);
  int count[2] = {0, 0};
  for (int k = n0; k < n1; k++) {
    double d = fabs(entry_axis(t, &t->l[t->inl[k]]) - a0);
    if (d > M_PI / 2) d = M_PI - d;
    int ph = d < M_PI / 4 ? 0 : 1;
    t->l[t->inl[k]].phase = ph;
    count[ph]++;
  }
  if (count[0] == 0 || count[1] == 0) {
    for (int k = n0; k < n1; k++) t->l[t->inl[k]].phase = -1;
    return -1;
  }
  return 0;
}

int ct__signal_plan(ct_traffic *t, int v, double cycle, double offset,
                    const double green[2], ct_error *err) {
  if (assign_phases(t, v))
    return ct_error_set(err, CT_EINVAL,
                        "traffic: junction %d at (%.1f, %.1f) has no crossing "
                        "approaches to signalise",
                        v, t->nx_[v], t->ny_[v]);
  return ct_traffic_set_signal(t, v, cycle, offset, 2, green, err);
}

void ct__default_signals(ct_traffic *t) {
  for (int v = 0; v < t->nnodes; v++) {
    int n0 = t->in0[v], n1 = t->in0[v + 1];
    if (n1 - n0 < 3) continue;
    int major = 0;
    for (int k = n0; k < n1; k++) {
      int rc = t->l[t->inl[k]].rclass;
      if (rc < 0 || rc <= 4) major++; /* tertiary or above, or unknown */
    }
    if (t->p.signals == CT_SIGNALS_MAJOR && major < 2) continue;
    if (assign_phases(t, v)) continue;
    double cyc = t->p.signal_cycle, lost = t->p.signal_lost;
    if (2 * lost >= cyc) lost = 0.1 * cyc;
    double g[2] = {0.5 * (cyc - 2 * lost), 0.5 * (cyc - 2 * lost)};
    if (ct_traffic_set_signal(t, v, cyc, 0.0, 2, g, NULL) != 0)
      for (int k = n0; k < n1; k++) t->l[t->inl[k]].phase = -1;
  }
}

const char *ct_traffic_direction_name(int d) {
  return d >= 0 && d < 8 ? compass[d] : "?";
}

/* Compass bearing [degrees clockwise from north] from vertex i of a link's
 * geometry to the first vertex at least 1 m away in direction step (+1
 * along the link, -1 back); repeated vertices would give atan2(0, 0). */
static double bearing_from(const ct_traffic *t, const ct__link *L, int i,
                           int step) {
  const double *g = t->geo + 2 * (size_t)L->geo0;
  int j = i + step;
  while (j + step >= 0 && j + step < L->ngeo &&
         hypot(g[2 * j] - g[2 * i], g[2 * j + 1] - g[2 * i + 1]) < 1.0)
    j += step;
  double b = atan2(g[2 * j] - g[2 * i], g[2 * j + 1] - g[2 * i + 1]) *
             (180.0 / M_PI);
  return b < 0 ? b + 360.0 : b;
}

/* The bearing a link's traffic comes from, seen from its downstream node. */
static double approach_bearing(const ct_traffic *t, const ct__link *L) {
  return bearing_from(t, L, L->ngeo - 1, -1);
}

/* The bearing a link leaves its upstream node towards. */
static double exit_bearing(const ct_traffic *t, const ct__link *L) {
  return bearing_from(t, L, 0, 1);
}

int ct__turn_kind(const ct_traffic *t, int a, int b) {
  double heading = approach_bearing(t, &t->l[a]) + 180.0;
  double turn = fmod(exit_bearing(t, &t->l[b]) - heading + 720.0, 360.0);
  if (turn > 180.0) turn -= 360.0; /* (-180, 180]: right positive */
  double m = fabs(turn);
  return m <= 45.0 ? 0 : m >= 135.0 ? 2 : turn > 0 ? 1 : -1;
}

static double off_dir(double b, int d) {
  return fabs(fmod(b - 45.0 * d + 540.0, 360.0) - 180.0);
}

int ct_traffic_ban_by_direction(ct_traffic *t, int node, int from, int to,
                                unsigned classes, int *bans, int max,
                                ct_error *err) {
  if (!t->finalized || node < 0 || node >= t->nnodes || from < 0 ||
      from > 7 || to < 0 || to > 7)
    return ct_error_set(err, CT_EINVAL, "traffic: bad junction or direction");
  /* twice: count and check, then ban (a refused call changes nothing) */
  int n = 0, nin = 0, nout = 0;
  for (int pass = 0; pass < 2; pass++) {
    n = nin = nout = 0;
    for (int i = t->in0[node]; i < t->in0[node + 1]; i++) {
      int a = t->inl[i];
      if (off_dir(approach_bearing(t, &t->l[a]), from) > 45.0 + 1e-9) continue;
      nin++;
      nout = 0;
      for (int o = t->out0[node]; o < t->out0[node + 1]; o++) {
        int b = t->outl[o];
        if (off_dir(exit_bearing(t, &t->l[b]), to) > 45.0 + 1e-9) continue;
        nout++;
        if (pass == 1) {
          int k = ct_traffic_ban_turn(t, a, b, classes, err);
          if (k < 0) return k;
          bans[n] = k;
        }
        n++;
      }
    }
    if (nin == 0 || nout == 0)
      return ct_error_set(err, CT_EINVAL,
                          "traffic: the junction at (%.1f, %.1f) has no %s "
                          "from %s (within 45 degrees)",
                          t->nx_[node], t->ny_[node],
                          nin ? "exit towards" : "approach",
                          compass[nin ? to : from]);
    if (n > max)
      return ct_error_set(err, CT_EINVAL, "traffic: more than %d turns", max);
  }
  return n;
}

/* The phase whose named directions come nearest bearing b, and how near
 * [degrees]. */
static int nearest_phase(double b, int nphase, const unsigned *dirs,
                         double *diff, int *dir) {
  int best = -1;
  *diff = 360.0;
  for (int k = 0; k < nphase; k++)
    for (int d = 0; d < 8; d++) {
      if (!(dirs[k] & (1u << d))) continue;
      double a = off_dir(b, d);
      if (a < *diff) {
        *diff = a;
        best = k;
        *dir = d;
      }
    }
  return best;
}

int ct_traffic_signal_by_direction(ct_traffic *t, int node, double cycle,
                                   double offset, int nphase,
                                   const double *green, const unsigned *dirs,
                                   unsigned *unused, ct_error *err) {
  if (!t->finalized || node < 0 || node >= t->nnodes)
    return ct_error_set(err, CT_EINVAL, "traffic: signal at bad node %d", node);
  if (nphase < 1 || nphase > CT__MAXPHASE)
    return ct_error_set(err, CT_EINVAL, "traffic: 1 to %d phases expected",
                        CT__MAXPHASE);
  unsigned seen = 0;
  for (int k = 0; k < nphase; k++) {
    if (!dirs[k] || dirs[k] > 255u)
      return ct_error_set(err, CT_EINVAL,
                          "traffic: phase %d names no compass direction",
                          k + 1);
    if (dirs[k] & seen) {
      int d = 0;
      while (!((dirs[k] & seen) & (1u << d))) d++;
      return ct_error_set(err, CT_EINVAL,
                          "traffic: direction %s is in two phases", compass[d]);
    }
    seen |= dirs[k];
  }
  int n0 = t->in0[node], n1 = t->in0[node + 1];
  if (n1 == n0)
    return ct_error_set(err, CT_EINVAL,
                        "traffic: junction at (%.1f, %.1f) has no approaches",
                        t->nx_[node], t->ny_[node]);
  /* Every approach must find its phase before anything changes. */
  for (int k = n0; k < n1; k++) {
    const ct__link *L = &t->l[t->inl[k]];
    double b = approach_bearing(t, L), diff;
    int d = 0;
    nearest_phase(b, nphase, dirs, &diff, &d);
    if (diff > 45.0 + 1e-9)
      return ct_error_set(err, CT_EINVAL,
                          "traffic: the approach from %.0f degrees (link "
                          "%s%s%s%s) is in no phase; the nearest direction "
                          "named is %s, %.0f degrees off (45 at most)",
                          b, L->src, L->name[0] ? ", '" : "", L->name,
                          L->name[0] ? "'" : "", compass[d], diff);
  }
  int rc = ct_traffic_set_signal(t, node, cycle, offset, nphase, green, err);
  if (rc) return rc;
  unsigned served = 0;
  for (int k = n0; k < n1; k++) {
    ct__link *L = &t->l[t->inl[k]];
    double diff;
    int d = 0;
    L->phase = nearest_phase(approach_bearing(t, L), nphase, dirs, &diff, &d);
    served |= 1u << L->phase;
  }
  if (unused) *unused = ~served & ((1u << nphase) - 1u);
  return CT_OK;
}
