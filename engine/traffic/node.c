/* node.c - what happens at a junction in one step: turn demands from the
 * heads of the incoming links' FIFO packet queues, supplies of the outgoing
 * links' first cells, and the generic node model of Tampere, Corthout,
 * Cattrysse & Immers (2011, TR-B 45:289): flows proportional to priorities
 * (default: capacities), FIFO on each incoming link, invariance under the
 * most restrictive supply. One incoming + one outgoing reduces to Daganzo's
 * y = min(S, R); a merge to y_B = mid(S_B, R - S_C, p_B R); a diverge to
 * y = min(S, R_1/b_1, R_2/b_2) (Daganzo 1995). */
#include <math.h>
#include <string.h>

#include "traffic/traffic_internal.h"

/* Virtual outgoing slots after the real links: the trip ends here, the
 * trip has no route (stranded), the next link is closed for this class. */
enum { J_EXIT = 0, J_STRAND = 1, J_BLOCK = 2, J_NVIRT = 3 };

size_t ct__node_scratch_size(const ct_traffic *t) {
  size_t nI = (size_t)t->maxdeg_in + 1, nJ = (size_t)t->maxdeg_out + J_NVIRT;
  return nI * nJ * CT__NC + 2 * nI * nJ + nI * CT__NC + 3 * nI + 5 * nJ + 8;
}

/* Turn slot of a packet bound for destination index d at node v, arriving
 * on link li (-1: from v's origin queue). lmeta: the next link's position
 * at v, and its closures (bits 16, 17). */
static inline int turn_of(const ct_traffic *t, int v, int li, int d, int cls,
                          int nout) {
  if (t->dest_node[d] == v) return nout + J_EXIT;
  size_t row = li >= 0 && t->link_rows ? (size_t)t->nnodes + (size_t)li
                                        : (size_t)v;
  int l = t->nh[ct__group(cls)][row * (size_t)t->ndest + (size_t)d];
  if (l < 0) return nout + J_STRAND;
  int m = t->lmeta[l];
  if ((m & 0x10000) || (cls == CT_VEH_MOTORBIKE && (m & 0x20000)))
    return nout + J_BLOCK;
  return m & 0xffff;
}

/* Effective capacity of a cell [PCU/s] under the water speed factor r:
 * the triangular diagram with free speed r vf (same kj and w). */
static double cell_cap(const ct__link *L, float r) {
  if (r >= 1.0f) return L->cap * L->lanes;
  double v = r * L->vf;
  double c = v * L->w * L->kj / (v + L->w);
  return (c < L->cap ? c : L->cap) * L->lanes;
}

void ct__node_update(ct_traffic *t, int v, double *sc) {
  const double dt = t->p.dt;
  const int i0 = t->in0[v], nin = t->in0[v + 1] - i0;
  const int o0 = t->out0[v], nout = t->out0[v + 1] - o0;
  const int nI = nin + 1, nJ = nout + J_NVIRT;
  const int IO = nin; /* origin slot */
  double *Dc = sc;                              /* nI*nJ*NC units */
  double *D = Dc + (size_t)nI * nJ * CT__NC;    /* nI*nJ PCU */
  double *q = D + (size_t)nI * nJ;              /* nI*nJ PCU */
  double *win = q + (size_t)nI * nJ;            /* nI*NC units */
  double *S = win + (size_t)nI * CT__NC, *alpha = S + nI, *act = alpha + nI;
  double *R = act + nI, *Rt = R + nJ, *jact = Rt + nJ, *Dp = jact + nJ,
         *Ds = Dp + nJ;

  const int sig = t->sig[v] >= 0;
  int any = 0;
  /* sending windows of the incoming links' last cells */
  for (int i = 0; i < nin; i++) {
    const ct__link *L = &t->l[t->inl[i0 + i]];
    int cl = L->cell0 + L->ncells - 1;
    double P = 0;
    for (int c = 0; c < CT__NC; c++)
      P += (double)t->n[(size_t)(cl) * CT__NC + c] * t->p.pcu[c];
    P /= CT__UNIT;
    alpha[i] = L->alpha > 0 ? L->alpha : L->cap * L->lanes;
    double f = 0;
    if (P > 0) {
      double rho = t->r[cl] * L->vf * dt / L->dx;
      if (rho > 1) rho = 1;
      double Q = cell_cap(L, t->r[cl]) * dt;
      f = Q / P < rho ? Q / P : rho;
      if (sig && L->phase >= 0)
        f *= t->green[(size_t)t->sig[v] * CT__MAXPHASE + L->phase];
    }
    for (int c = 0; c < CT__NC; c++) {
      int64_t n = t->n[(size_t)(cl) * CT__NC + c];
      /* rounded, not truncated: a remainder of a few units must not stick */
      win[i * CT__NC + c] = (double)ct__share(f, n);
      if (win[i * CT__NC + c] > 0) any = 1;
    }
  }
  /* origin queue: at most what the outgoing links could take */
  const ct__ring *oq = &t->oq[(size_t)v * CT__NC];
  if (oq[0].total + oq[1].total + oq[2].total + oq[3].total == 0) {
    alpha[IO] = 1;
    for (int c = 0; c < CT__NC; c++) win[IO * CT__NC + c] = 0;
  } else {
    double qout = 0;
    for (int k = 0; k < nout; k++)
      qout += t->l[t->outl[o0 + k]].cap * t->l[t->outl[o0 + k]].lanes * dt;
    /* origins (car parks, alleys) yield: the priority of one lane */
    alpha[IO] = t->p.lane_capacity / 3600.0;
    for (int c = 0; c < CT__NC; c++) {
      double tot = (double)t->oq[(size_t)v * CT__NC + c].total;
      double lim = floor((qout + 1.0) / t->p.pcu[c] * CT__UNIT);
      win[IO * CT__NC + c] = tot < lim ? tot : lim;
      if (win[IO * CT__NC + c] > 0) any = 1;
    }
  }
  if (!any) return;
  memset(Dc, 0, (size_t)nI * nJ * CT__NC * sizeof *Dc);
  memset(D, 0, 2 * (size_t)nI * nJ * sizeof *D);
  memset(Dp, 0, 2 * (size_t)nJ * sizeof *Dp);

  /* turn demands from the queue heads */
  for (int i = 0; i < nI; i++) {
    S[i] = 0;
    for (int c = 0; c < CT__NC; c++) {
      double rem = win[i * CT__NC + c];
      if (rem <= 0) continue;
      const ct__ring *rg = i < nin ? &t->l[t->inl[i0 + i]].q[c]
                                   : &t->oq[(size_t)v * CT__NC + c];
      for (int k = 0; k < rg->n && rem > 0; k++) {
        const ct__pkt *pk = &rg->p[(rg->head + k) % rg->cap];
        double a = (double)pk->amt < rem ? (double)pk->amt : rem;
        int j = turn_of(t, v, i < nin ? t->inl[i0 + i] : -1, pk->dest, c,
                        nout);
        Dc[((size_t)i * nJ + j) * CT__NC + c] += a;
        D[(size_t)i * nJ + j] += a * t->p.pcu[c] / CT__UNIT;
        Dp[j] += a * t->p.pcu[c];
        Ds[j] += a * t->p.storage[c];
        rem -= a;
      }
    }
    for (int j = 0; j < nJ; j++) S[i] += D[(size_t)i * nJ + j];
    act[i] = S[i] > 0;
  }

  /* supplies [PCU per step] */
  for (int k = 0; k < nout; k++) {
    const ct__link *L = &t->l[t->outl[o0 + k]];
    int fc = L->cell0;
    double O = 0;
    for (int c = 0; c < CT__NC; c++)
      O += (double)t->n[(size_t)(fc) * CT__NC + c] * t->p.storage[c];
    O /= CT__UNIT;
    double N = L->kj * L->dx * L->lanes;
    double wr = L->w * dt / L->dx;
    if (wr > 1) wr = 1;
    double Rs = wr * (N - O);
    if (Rs < 0) Rs = 0;
    double Q = cell_cap(L, t->r[fc]) * dt;
    double ratio = Ds[k] > 0 ? Dp[k] / Ds[k] : 1.0;
    R[k] = Rs * ratio < Q ? Rs * ratio : Q;
    if (L->closed_user || L->closed_flood) R[k] = 0;
  }
  R[nout + J_EXIT] = t->exit_cap[v] < 0 ? INFINITY : t->exit_cap[v] * dt;
  R[nout + J_STRAND] = INFINITY;
  R[nout + J_BLOCK] = 0;

  /* Tampere et al. 2011, generic node model (their algorithm, section 4) */
  for (int j = 0; j < nJ; j++) {
    Rt[j] = R[j];
    jact[j] = 0;
    for (int i = 0; i < nI; i++)
      if (act[i] && D[(size_t)i * nJ + j] > 0) jact[j] = 1;
  }
  for (;;) {
    double amin = INFINITY;
    int js = -1, anyj = 0;
    for (int j = 0; j < nJ; j++) {
      if (!jact[j]) continue;
      double den = 0;
      for (int i = 0; i < nI; i++)
        if (act[i]) den += alpha[i] * D[(size_t)i * nJ + j] / S[i];
      if (den <= 0) {
        jact[j] = 0;
        continue;
      }
      anyj = 1;
      double a = Rt[j] / den;
      if (a < amin) {
        amin = a;
        js = j;
      }
    }
    if (!anyj) break;
    if (js < 0) { /* only unlimited supplies left: everybody passes */
      for (int i = 0; i < nI; i++)
        if (act[i]) {
          for (int j = 0; j < nJ; j++) q[(size_t)i * nJ + j] = D[(size_t)i * nJ + j];
          act[i] = 0;
        }
      break;
    }
    int demand_c = 0;
    for (int i = 0; i < nI; i++)
      if (act[i] && D[(size_t)i * nJ + js] > 0 && S[i] <= amin * alpha[i])
        demand_c = 1;
    for (int i = 0; i < nI; i++) {
      if (!act[i] || D[(size_t)i * nJ + js] <= 0) continue;
      double phi;
      if (demand_c) {
        if (S[i] > amin * alpha[i]) continue;
        phi = 1.0;
      } else {
        phi = amin * alpha[i] / S[i];
      }
      for (int j = 0; j < nJ; j++) {
        double f = phi * D[(size_t)i * nJ + j];
        q[(size_t)i * nJ + j] = f;
        Rt[j] -= f;
        if (Rt[j] < 0) Rt[j] = 0;
      }
      act[i] = 0;
    }
    if (!demand_c) jact[js] = 0;
    for (int j = 0; j < nJ; j++) {
      if (!jact[j]) continue;
      int has = 0;
      for (int i = 0; i < nI; i++)
        if (act[i] && D[(size_t)i * nJ + j] > 0) has = 1;
      jact[j] = has;
    }
  }

  /* move packets: per class and turn a budget phi_ij * demand; a packet
   * that does not fit stops its queue (vehicle FIFO) */
  const float tarr = (float)(t->t + dt);
  double *acc = t->node_acc + 3 * (size_t)v;
  for (int i = 0; i < nI; i++) {
    for (int j = 0; j < nJ; j++) {
      double d = D[(size_t)i * nJ + j];
      double ph = d > 0 ? q[(size_t)i * nJ + j] / d : 0;
      if (ph > 1) ph = 1;
      for (int c = 0; c < CT__NC; c++) {
        double *b = &Dc[((size_t)i * nJ + j) * CT__NC + c];
        *b = (double)ct__share(ph, (int64_t)*b);
      }
    }
    int li = i < nin ? t->inl[i0 + i] : -1;
    for (int c = 0; c < CT__NC; c++) {
      double rem = win[i * CT__NC + c];
      ct__ring *rg = li >= 0 ? &t->l[li].q[c] : &t->oq[(size_t)v * CT__NC + c];
      int64_t moved = 0;
      while (rem > 0 && rg->n > 0) {
        ct__pkt *pk = &rg->p[rg->head];
        int j = turn_of(t, v, li, pk->dest, c, nout);
        double *b = &Dc[((size_t)i * nJ + j) * CT__NC + c];
        double m = (double)pk->amt;
        if (m > rem) m = rem;
        if (m > *b) m = *b;
        int64_t mu = (int64_t)m;
        if (mu <= 0) break;
        *b -= (double)mu;
        rem -= (double)mu;
        moved += mu;
        if (j < nout) {
          int lj = t->outl[o0 + j];
          /* staged: the link's own queue is being read by its
           * downstream node in parallel; the link phase appends it */
          if (ct__ring_push(&t->l[lj].stage[c], mu, pk->dest, pk->tdep))
            t->oom = 1;
          t->lin[c][lj] += mu;
        } else if (j == nout + J_EXIT) {
          acc[0] += (double)mu;
          acc[2] += (double)mu / CT__UNIT * (tarr - pk->tdep);
        } else {
          acc[1] += (double)mu;
        }
        rg->total -= mu;
        pk->amt -= mu;
        if (pk->amt == 0) {
          rg->head = (rg->head + 1) % rg->cap;
          rg->n--;
        } else {
          break;
        }
      }
      if (li >= 0) t->lout[c][li] += moved;
    }
  }
}
