/* signal.c - fixed-time signals: on red a turn's capacity is 0, on green the
 * saturation flow (REFERENCES §2). A step that straddles a phase change gets
 * the green share of the step. Default plans: two phases split by approach
 * axis at major junctions. */
#include <math.h>
#include <stdlib.h>

#include "traffic/traffic_internal.h"

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
