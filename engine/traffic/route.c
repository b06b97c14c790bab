/* route.c - shortest travel-time routes on current speeds: for each
 * destination one Dijkstra on the reversed graph (binary heap), giving the
 * next link from every node. Vehicles look up their next link when they
 * reach a junction, so a refresh (every params.reroute, and at once when a
 * road opens or closes) steers vehicles already under way around closures,
 * jams and floods. Motorbikes get their own tables while a flood closes a
 * road for them only. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "traffic/traffic_internal.h"

/* Link travel time [s] from the cells' states: free flow at r vf below the
 * critical occupancy, else the congested branch v = w (N - O) / O; plus the
 * mean uniform red delay r^2 / (2 c) at a signal. */
double ct__link_travel_time(const ct_traffic *t, int l) {
  const ct__link *L = &t->l[l];
  double tt = 0, N = L->kj * L->dx * L->lanes;
  for (int i = 0; i < L->ncells; i++) {
    int ci = L->cell0 + i;
    double O = 0;
    for (int c = 0; c < CT__NC; c++) O += (double)t->n[(size_t)(ci) * CT__NC + c] * t->p.storage[c];
    O /= CT__UNIT;
    double vf = t->r[ci] * L->vf;
    double v = vf;
    if (O > 0 && O > N * L->w / (vf + L->w)) {
      v = L->w * (N - O) / O;
      if (v > vf) v = vf;
    }
    if (v < 0.5) v = 0.5; /* a standing queue still creeps */
    tt += L->dx / v;
  }
  if (t->finalized && t->sig[L->to] >= 0 && L->phase >= 0) {
    const ct__signal *s = &t->sigs[t->sig[L->to]];
    double red = s->cycle - s->green[L->phase];
    tt += red * red / (2.0 * s->cycle);
  }
  return tt;
}

/* per-thread Dijkstra scratch */
typedef struct hent {
  double d;
  int v;
} hent;

typedef struct {
  double *dist;
  hent *heap; /* lazy deletion: at most one entry per relaxation */
  unsigned char *done;
  int *nh;
} dscratch;

static void hpush(hent *h, int *n, double d, int v) {
  int k = (*n)++;
  while (k > 0) {
    int p = (k - 1) / 2;
    if (h[p].d <= d) break;
    h[k] = h[p];
    k = p;
  }
  h[k].d = d;
  h[k].v = v;
}

static hent hpop(hent *h, int *n) {
  hent top = h[0], last = h[--(*n)];
  int k = 0;
  for (;;) {
    int c = 2 * k + 1;
    if (c >= *n) break;
    if (c + 1 < *n && h[c + 1].d < h[c].d) c++;
    if (h[c].d >= last.d) break;
    h[k] = h[c];
    k = c;
  }
  if (*n > 0) h[k] = last;
  return top;
}

/* Reverse Dijkstra from node dst: nh[v] = first link of v's route. */
static void dijkstra(const ct_traffic *t, int dst, int group, int *nh,
                     dscratch *s) {
  const int nn = t->nnodes;
  double *d = s->dist;
  unsigned char *done = s->done;
  hent *h = s->heap;
  int hn = 0;
  for (int v = 0; v < nn; v++) {
    d[v] = INFINITY;
    nh[v] = -1;
  }
  memset(done, 0, (size_t)nn);
  d[dst] = 0;
  hpush(h, &hn, 0.0, dst);
  const double *rc = t->rv_cost + (size_t)group * t->nlinks;
  while (hn > 0) {
    hent e = hpop(h, &hn);
    int u = e.v;
    if (done[u]) continue;
    done[u] = 1;
    for (int k = t->in0[u]; k < t->in0[u + 1]; k++) {
      double nd = e.d + rc[k];
      int v = t->rv_from[k];
      if (nd < d[v] && !done[v]) { /* INFINITY (closed) never passes */
        d[v] = nd;
        nh[v] = t->inl[k];
        hpush(h, &hn, nd, v);
      }
    }
  }
}

int ct__routes_alloc(ct_traffic *t, ct_error *err) {
  if (!t->rv_from) {
    t->rv_from = malloc((size_t)t->nlinks * sizeof(int));
    t->rv_cost = malloc((size_t)t->nlinks * 2 * sizeof(double));
    if (!t->rv_from || !t->rv_cost)
      return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  }
  size_t need = (size_t)t->ndest * (size_t)t->nnodes;
  if (need == 0) need = 1;
  if ((size_t)t->nh_cap >= need && t->nh[1]) return 0;
  if (t->nh[0] != t->nh[1]) free(t->nh[0]);
  free(t->nh[1]);
  t->nh[0] = t->nh[1] = malloc(need * sizeof(int));
  if (!t->nh[1]) {
    t->nh_cap = 0;
    return ct_error_set(err, CT_ENOMEM,
                        "traffic: out of memory for routes (%d destinations x "
                        "%d junctions)",
                        t->ndest, t->nnodes);
  }
  t->nh_cap = (int)need;
  return 0;
}

static int alloc_scratch(const ct_traffic *t, dscratch *s) {
  s->dist = malloc((size_t)t->nnodes * sizeof(double));
  s->heap = malloc(((size_t)t->nlinks + 1) * sizeof(hent));
  s->done = malloc((size_t)t->nnodes);
  s->nh = malloc((size_t)t->nnodes * sizeof(int));
  return s->dist && s->heap && s->done && s->nh ? 0 : CT_ENOMEM;
}

static void free_scratch(dscratch *s) {
  free(s->dist);
  free(s->heap);
  free(s->done);
  free(s->nh);
}

void ct__routes_compute(ct_traffic *t) {
  for (int l = 0; l < t->nlinks; l++) t->cost[l] = ct__link_travel_time(t, l);
  int moto = 0;
  for (int l = 0; l < t->nlinks; l++)
    if (t->l[l].closed_moto && !t->l[l].closed_flood && !t->l[l].closed_user)
      moto = 1;
  /* compact reversed adjacency: the search touches only these arrays */
  for (int k = 0; k < t->nlinks; k++) {
    const ct__link *L = &t->l[t->inl[k]];
    t->rv_from[k] = L->from;
    double c = L->closed_user || L->closed_flood ? INFINITY : t->cost[t->inl[k]];
    t->rv_cost[t->nlinks + k] = c;
    t->rv_cost[k] = L->closed_moto ? INFINITY : c;
  }
  /* motorbikes get tables of their own only while a flood closes a road
   * for them alone (halves the memory otherwise) */
  if (moto && t->nh[0] == t->nh[1]) {
    t->nh[0] = malloc((size_t)t->nh_cap * sizeof(int));
    if (!t->nh[0]) { /* fall back: motorbikes wait at their closures */
      t->nh[0] = t->nh[1];
      moto = 0;
    }
  } else if (!moto && t->nh[0] != t->nh[1]) {
    free(t->nh[0]);
    t->nh[0] = t->nh[1];
  }
  const int nn = t->nnodes, nd = t->ndest, groups = moto ? 2 : 1;
  int failed = 0;
#pragma omp parallel num_threads(t->nthreads) reduction(| : failed) \
    if (t->parallel || (t->p.threads == 0 && (double)nd * t->nlinks >= 2e5))
  {
    dscratch s;
    if (alloc_scratch(t, &s)) {
      failed = 1;
    } else {
#pragma omp for schedule(dynamic, 4)
      for (int k = 0; k < nd * groups; k++) {
        int g = groups == 2 ? k % 2 : 1, d = groups == 2 ? k / 2 : k;
        dijkstra(t, t->dest_node[d], g, s.nh, &s);
        /* node-major table: a junction looks up its row only */
        int *tab = t->nh[g];
        for (int v = 0; v < nn; v++) tab[(size_t)v * nd + d] = s.nh[v];
      }
    }
    free_scratch(&s);
  }
  if (failed) /* keep going on old tables is worse than none: mark stale */
    t->next_route = t->t;
  t->route_dirty = failed;
}

void ct_traffic_reroute(ct_traffic *t) { t->route_dirty = 1; }

int ct_traffic_route(ct_traffic *t, int from, int to, int *links, int max,
                     double *tt) {
  if (!t->finalized || from < 0 || to < 0 || from >= t->nnodes ||
      to >= t->nnodes)
    return -1;
  if (ct__routes_alloc(t, NULL)) return -1;
  for (int l = 0; l < t->nlinks; l++) t->cost[l] = ct__link_travel_time(t, l);
  for (int k = 0; k < t->nlinks; k++) {
    const ct__link *L = &t->l[t->inl[k]];
    t->rv_from[k] = L->from;
    t->rv_cost[t->nlinks + k] =
        L->closed_user || L->closed_flood ? INFINITY : t->cost[t->inl[k]];
  }
  dscratch s;
  int *nh = malloc((size_t)t->nnodes * sizeof(int));
  if (!nh || alloc_scratch(t, &s)) {
    free(nh);
    return -1;
  }
  dijkstra(t, to, 1, nh, &s);
  int n = -1;
  if (from == to || nh[from] >= 0) {
    double sum = 0;
    int v = from;
    n = 0;
    while (v != to && n <= t->nlinks) {
      int l = nh[v];
      if (n < max) links[n] = l;
      n++;
      sum += t->cost[l];
      v = t->l[l].to;
    }
    if (tt) *tt = sum;
  }
  free(nh);
  free_scratch(&s);
  return n;
}
