/* ctm.c - one time step of the cell transmission model (Daganzo 1994,
 * TR-B 28:269; 1995, TR-B 29:79): junction flows first (node.c), then the
 * flows between the cells of each link, all from the state at the start of
 * the step:
 *   S_i = min(n_i vf dt / dx, Q_i)   R_i = min(Q_i, (w dt / dx)(N_i - n_i))
 *   y_i = min(S_{i-1}, R_i)          n_i <- n_i + y_i - y_{i+1}
 * in PCU for capacity and in storage units for the jam (motorbikes pack
 * tighter than they flow). Every class leaves a cell in the same fraction
 * (cells are well mixed), which keeps each cell's class shares. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "traffic/traffic_internal.h"

static double cell_cap(const ct__link *L, float r) {
  if (r >= 1.0f) return L->cap * L->lanes;
  double v = r * L->vf;
  double c = v * L->w * L->kj / (v + L->w);
  return (c < L->cap ? c : L->cap) * L->lanes;
}

/* Moves this step's arrivals from the staging ring into the link's queue. */
static int unstage(ct__ring *q, ct__ring *s) {
  int rc = 0;
  while (s->n > 0) {
    ct__pkt *p = &s->p[s->head];
    if (ct__ring_push(q, p->amt, p->dest, p->tdep)) rc = CT_ENOMEM;
    s->head = (s->head + 1) % s->cap;
    s->n--;
  }
  s->head = 0;
  s->total = 0;
  return rc;
}

static void link_update(ct_traffic *t, int l) {
  ct__link *L = &t->l[l];
  const double dt = t->p.dt, *pcu = t->p.pcu, *sto = t->p.storage;
  const int c0 = L->cell0, m = L->ncells;
  const double N = L->kj * L->dx * L->lanes;
  double wr = L->w * dt / L->dx;
  if (wr > 1) wr = 1;
  double *acc = t->link_acc + 11 * (size_t)l;
  int64_t prev[CT__NC], y[CT__NC];
  double outsum = 0, insum = 0;
  for (int c = 0; c < CT__NC; c++) {
    prev[c] = t->lout[c][l];
    outsum += (double)prev[c];
    insum += (double)t->lin[c][l];
  }
  for (int i = m - 1; i >= 0; i--) {
    const int ci = c0 + i;
    if (i > 0) {
      const int cu = ci - 1;
      double P = 0, O = 0, Oi = 0;
      for (int c = 0; c < CT__NC; c++) {
        P += (double)t->n[(size_t)(cu) * CT__NC + c] * pcu[c];
        O += (double)t->n[(size_t)(cu) * CT__NC + c] * sto[c];
        Oi += (double)t->n[(size_t)(ci) * CT__NC + c] * sto[c];
      }
      double f = 0;
      if (P > 0) {
        P /= CT__UNIT;
        O /= CT__UNIT;
        Oi /= CT__UNIT;
        double rho = t->r[cu] * L->vf * dt / L->dx;
        f = rho < 1 ? rho : 1;
        double qu = cell_cap(L, t->r[cu]) * dt / P;
        double qi = cell_cap(L, t->r[ci]) * dt / P;
        double rs = wr * (N - Oi) / O;
        if (qu < f) f = qu;
        if (qi < f) f = qi;
        if (rs < f) f = rs;
        if (f < 0) f = 0;
      }
      for (int c = 0; c < CT__NC; c++)
        y[c] = ct__share(f, t->n[(size_t)(cu) * CT__NC + c]);
    } else {
      for (int c = 0; c < CT__NC; c++) y[c] = t->lin[c][l];
    }
    /* accounting for cell i: its start-of-step content and what left it */
    double nveh = 0, nox = 0, pm = 0, outv = 0;
    for (int c = 0; c < CT__NC; c++) {
      nveh += (double)t->n[(size_t)(ci) * CT__NC + c];
      double o = (double)prev[c] / CT__UNIT * L->dx / 1000.0; /* veh km */
      outv += o;
      acc[3 + c] += o * ct__ef_nox[c];
      acc[7 + c] += o * ct__ef_pm25[c];
      nox += o * ct__ef_nox[c];
      pm += o * ct__ef_pm25[c];
      t->n[(size_t)(ci) * CT__NC + c] += y[c] - prev[c];
      prev[c] = y[c];
    }
    nveh /= CT__UNIT;
    t->em_nox[ci] += nox;
    t->em_pm[ci] += pm;
    acc[0] += outv;
    acc[1] += nveh * dt;
    acc[2] += nveh * dt - outv * 1000.0 / L->vf0;
  }
  L->out_last = outsum / CT__UNIT;
  L->cum_out += outsum / CT__UNIT;
  L->cum_in += insum / CT__UNIT;
  for (int c = 0; c < CT__NC; c++) {
    t->lin[c][l] = 0;
    t->lout[c][l] = 0;
    if (unstage(&L->q[c], &L->stage[c])) t->oom = 1;
  }
}

int ct_traffic_step(ct_traffic *t, ct_error *err) {
  if (!t->finalized)
    return ct_error_set(err, CT_EINVAL, "traffic: network not finalised");
  const double dt = t->p.dt;
  if (t->route_dirty || t->t >= t->next_route - 1e-9) {
    int rc = ct__routes_alloc(t, -1, err);
    if (rc) return rc;
    ct__routes_compute(t);
    t->next_route = t->t + (t->p.reroute > 0 ? t->p.reroute : INFINITY);
  }
  ct__demand_release(t, t->t, t->t + dt);
  if (t->nsig > t->green_cap) {
    double *g = realloc(t->green, (size_t)t->nsig * CT__MAXPHASE * sizeof *g);
    if (!g) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->green = g;
    t->green_cap = t->nsig;
  }
  for (int l = 0; l < t->nlinks; l++) {
    const ct__link *L = &t->l[l];
    t->lmeta[l] = L->outpos | ((L->closed_user || L->closed_flood) << 16) |
                  (L->closed_moto << 17);
  }
  for (int k = 0; k < t->nsig; k++)
    for (int ph = 0; ph < CT__MAXPHASE; ph++)
      t->green[(size_t)k * CT__MAXPHASE + ph] =
          ct__green_fraction(&t->sigs[k], ph, t->t, dt);
  const int nn = t->nnodes, nl = t->nlinks;
#pragma omp parallel num_threads(t->nthreads) if (t->parallel)
  {
    double *sc = t->scratch + t->scratch_per * (size_t)omp_get_thread_num();
#pragma omp for schedule(dynamic, 64)
    for (int v = 0; v < nn; v++) ct__node_update(t, v, sc);
#pragma omp for schedule(dynamic, 64)
    for (int l = 0; l < nl; l++) link_update(t, l);
  }
  if (t->oom)
    return ct_error_set(err, CT_ENOMEM,
                        "traffic: out of memory for vehicle queues");
  /* reductions in a fixed order: results independent of the threads */
  for (int v = 0; v < nn; v++) {
    double *a = t->node_acc + 3 * (size_t)v;
    t->completed_u += (int64_t)a[0];
    t->stranded_u += (int64_t)a[1];
    t->trip_time_sum += a[2];
    a[0] = a[1] = a[2] = 0;
  }
  for (int l = 0; l < nl; l++) {
    double *a = t->link_acc + 11 * (size_t)l;
    t->vkt += a[0] * 1000.0;
    t->vht += a[1];
    t->delay_s += a[2];
    for (int c = 0; c < CT__NC; c++) {
      t->nox_g[c] += a[3 + c];
      t->pm_g[c] += a[7 + c];
    }
    memset(a, 0, 11 * sizeof *a);
  }
  int64_t wait = 0;
  for (int k = 0; k < nn * CT__NC; k++) wait += t->oq[k].total;
  t->delay_s += (double)wait / CT__UNIT * dt;
  t->em_time += dt;
  t->t += dt;
  t->nstep++;
  return 0;
}
