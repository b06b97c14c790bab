/* route.c - shortest travel-time routes on current speeds: for each
 * destination one Dijkstra over links on the reversed graph (binary heap),
 * so that banned turns (ct_traffic_ban_turn) are never on a route: it gives
 * the next link at the end of every link, and the first link from every
 * node for trips that start there. Vehicles look up their next link when
 * they reach a junction, so a refresh (every params.reroute, and at once
 * when a road opens or closes or a ban changes) steers vehicles already
 * under way around closures, jams and floods. Motorbikes get their own
 * tables while a flood closes a road, or a ban holds, for them or for the
 * others only. */
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
  double *dist;       /* per node or link: to the destination [s] */
  hent *heap;         /* lazy deletion: at most one entry per relaxation */
  unsigned char *done;
  unsigned char *reached; /* link search: per node, its in-links relaxed */
  int *nh;            /* per table row (nodes, then links) */
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

/* Whether the turn from link a onto link b is banned for route group g. */
static int banned(const ct_traffic *t, int a, int b, int g) {
  if (!t->ban0) return 0;
  for (int k = t->ban0[a]; k < t->ban0[a + 1]; k++) /* one per class set */
    if (t->banl[k] == b && ((t->bang[k] >> g) & 1)) return 1;
  return 0;
}

/* Reverse Dijkstra over junctions towards node dst for route group g, where
 * no ban holds: row v of nh, the first link from v towards dst; a vehicle
 * at the end of link l goes on as one starting at l's end would. */
static void node_search(const ct_traffic *t, int dst, int g, int *nh,
                        dscratch *s) {
  const int nn = t->nnodes, nl = t->nlinks;
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
  const double *rc = t->rv_cost + (size_t)g * nl;
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
  for (int l = 0; l < nl; l++) {
    int v = t->l[l].to;
    nh[nn + l] = v == dst ? -1 : nh[v];
  }
}

/* Reverse Dijkstra over links towards node dst for route group g, so that
 * no route makes a banned turn: row nn + l of nh, the link after l; row v,
 * the first link from node v. At a junction without bans every link in
 * goes on by the same (the first settled) link out, so its in-links are
 * relaxed once, as in the junction search; only junctions with bans pay
 * for a relaxation per turn. */
static void link_search(const ct_traffic *t, int dst, int g, int *nh,
                        dscratch *s) {
  const int nn = t->nnodes, nl = t->nlinks;
  double *d = s->dist;
  unsigned char *done = s->done;
  hent *h = s->heap;
  int hn = 0;
  for (int r = 0; r < nn + nl; r++) nh[r] = -1;
  for (int l = 0; l < nl; l++) d[l] = INFINITY;
  memset(done, 0, (size_t)nl);
  memset(s->reached, 0, (size_t)nn);
  const double *c = t->lcost + (size_t)g * nl;
  for (int k = t->in0[dst]; k < t->in0[dst + 1]; k++) {
    int l = t->inl[k];
    if (c[l] < INFINITY) {
      d[l] = c[l];
      hpush(h, &hn, c[l], l);
    }
  }
  while (hn > 0) {
    hent e = hpop(h, &hn);
    int m = e.v;
    if (done[m]) continue;
    done[m] = 1;
    int u = t->l[m].from;
    if (u == dst) continue; /* trips for dst end there: no route through */
    int free_turns = !((t->bannode[u] >> g) & 1);
    if (free_turns && s->reached[u]) continue;
    s->reached[u] = 1;
    for (int k = t->in0[u]; k < t->in0[u + 1]; k++) {
      int l = t->inl[k];
      double nd = e.d + c[l];
      if (nd < d[l] && !done[l] && (free_turns || !banned(t, l, m, g))) {
        d[l] = nd; /* INFINITY (closed) never passes */
        nh[nn + l] = m;
        hpush(h, &hn, nd, l);
      }
    }
  }
  for (int v = 0; v < nn; v++) {
    if (v == dst) continue;
    double best = INFINITY;
    for (int k = t->out0[v]; k < t->out0[v + 1]; k++) {
      int m = t->outl[k];
      if (d[m] < best) {
        best = d[m];
        nh[v] = m;
      }
    }
  }
  /* A closed link (infinite cost of its own) was never relaxed, but the
   * vehicles on it must still go on from its end. */
  for (int l = 0; l < nl; l++) {
    int u = t->l[l].to;
    if (d[l] < INFINITY || u == dst) continue;
    double best = INFINITY;
    for (int k = t->out0[u]; k < t->out0[u + 1]; k++) {
      int m = t->outl[k];
      if (d[m] < best && !banned(t, l, m, g)) {
        best = d[m];
        nh[nn + l] = m;
      }
    }
  }
}

/* The search for group g: by junctions (fewer states) unless a ban holds
 * for the group. */
static void dijkstra(const ct_traffic *t, int dst, int g, int *nh,
                     dscratch *s) {
  if ((t->bans_in_force >> g) & 1)
    link_search(t, dst, g, nh, s);
  else
    node_search(t, dst, g, nh, s);
}

/* The bans in force as lists per incoming link, with a bit per route
 * group; whether they differ between the groups. */
static int build_bans(ct_traffic *t) {
  int differ = 0;
  t->bans_in_force = 0;
  if (!t->ban0) return 0;
  memset(t->ban0, 0, ((size_t)t->nlinks + 1) * sizeof *t->ban0);
  memset(t->bannode, 0, (size_t)t->nnodes);
  for (int k = 0; k < t->nbans; k++)
    if (t->bans[k].active) t->ban0[t->bans[k].from + 1]++;
  for (int l = 0; l < t->nlinks; l++) t->ban0[l + 1] += t->ban0[l];
  int *at = t->banfill;
  memcpy(at, t->ban0, (size_t)t->nlinks * sizeof *at);
  for (int k = 0; k < t->nbans; k++) {
    const ct__ban *b = &t->bans[k];
    if (!b->active) continue;
    int j = at[b->from]++;
    t->banl[j] = b->to;
    t->bang[j] = b->groups;
    t->bannode[t->l[b->from].to] |= b->groups;
    t->bans_in_force |= b->groups;
    differ |= b->groups != 3;
  }
  return differ;
}

/* The per-link cost arrays of the searches. */
static int costs_alloc(ct_traffic *t, ct_error *err) {
  if (t->rv_cost) return CT_OK;
  t->rv_from = malloc((size_t)t->nlinks * sizeof(int));
  t->rv_cost = malloc((size_t)t->nlinks * 2 * sizeof(double));
  t->lcost = malloc((size_t)t->nlinks * 2 * sizeof(double));
  if (!t->rv_from || !t->rv_cost || !t->lcost) {
    free(t->rv_from);
    free(t->rv_cost);
    free(t->lcost);
    t->rv_from = NULL;
    t->rv_cost = t->lcost = NULL;
    return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  }
  return CT_OK;
}

int ct__routes_alloc(ct_traffic *t, int link_rows, ct_error *err) {
  int rc = costs_alloc(t, err);
  if (rc) return rc;
  if (link_rows < 0) { /* rows per link only while a ban is in force */
    link_rows = 0;
    for (int k = 0; k < t->nbans; k++) link_rows |= t->bans[k].active;
  }
  size_t rows = (size_t)t->nnodes + (link_rows ? (size_t)t->nlinks : 0);
  size_t need = (size_t)t->ndest * rows;
  if (need == 0) need = 1;
  int fresh = t->nh_cap < need || !t->nh[1];
  if (fresh) {
    if (t->nh[0] != t->nh[1]) free(t->nh[0]);
    free(t->nh[1]);
    t->nh[0] = t->nh[1] = malloc(need * sizeof(int));
    if (!t->nh[1]) {
      t->nh_cap = 0;
      return ct_error_set(err, CT_ENOMEM,
                          "traffic: out of memory for routes (%d destinations "
                          "x %zu rows)",
                          t->ndest, rows);
    }
    t->nh_cap = need;
  }
  if (fresh || link_rows != t->link_rows) { /* until a search fills them */
    memset(t->nh[1], 0xff, need * sizeof(int));
    if (t->nh[0] != t->nh[1]) memset(t->nh[0], 0xff, need * sizeof(int));
  }
  t->link_rows = link_rows;
  return CT_OK;
}

static int alloc_scratch(const ct_traffic *t, dscratch *s) {
  size_t turns = 0; /* one heap entry per relaxation: per turn at most */
  for (int v = 0; v < t->nnodes; v++)
    turns += (size_t)(t->in0[v + 1] - t->in0[v]) *
             (size_t)(t->out0[v + 1] - t->out0[v]);
  size_t states = (size_t)(t->nlinks > t->nnodes ? t->nlinks : t->nnodes);
  s->dist = malloc(states * sizeof(double));
  s->heap = malloc((turns + states + 1) * sizeof(hent));
  s->done = malloc(states + 1);
  s->reached = malloc((size_t)t->nnodes + 1);
  s->nh = malloc(((size_t)t->nnodes + (size_t)t->nlinks) * sizeof(int));
  return s->dist && s->heap && s->done && s->reached && s->nh ? 0 : CT_ENOMEM;
}

static void free_scratch(dscratch *s) {
  free(s->reached);
  free(s->dist);
  free(s->heap);
  free(s->done);
  free(s->nh);
}

/* Costs of both groups (INFINITY where closed), per link and per incoming
 * slot (inl order, with the upstream node: the junction search reads only
 * these arrays). */
static void link_costs(ct_traffic *t) {
  const int nl = t->nlinks;
  for (int l = 0; l < nl; l++) {
    const ct__link *L = &t->l[l];
    t->cost[l] = ct__link_travel_time(t, l);
    double c = L->closed_user || L->closed_flood ? INFINITY : t->cost[l];
    t->lcost[nl + l] = c;
    t->lcost[l] = L->closed_moto ? INFINITY : c;
  }
  for (int k = 0; k < nl; k++) {
    int l = t->inl[k];
    t->rv_from[k] = t->l[l].from;
    t->rv_cost[k] = t->lcost[l];
    t->rv_cost[nl + k] = t->lcost[nl + l];
  }
}

void ct__routes_compute(ct_traffic *t) {
  link_costs(t);
  int moto = build_bans(t);
  for (int l = 0; l < t->nlinks; l++)
    if (t->l[l].closed_moto && !t->l[l].closed_flood && !t->l[l].closed_user)
      moto = 1;
  /* motorbikes get tables of their own only while they route differently
   * (halves the memory otherwise) */
  if (moto && t->nh[0] == t->nh[1]) {
    t->nh[0] = malloc(t->nh_cap * sizeof(int));
    if (!t->nh[0]) { /* fall back: motorbikes wait at their closures */
      t->nh[0] = t->nh[1];
      moto = 0;
    } else { /* rows no destination fills (none yet) are saved too */
      memset(t->nh[0], 0xff, t->nh_cap * sizeof(int));
    }
  } else if (!moto && t->nh[0] != t->nh[1]) {
    free(t->nh[0]);
    t->nh[0] = t->nh[1];
  }
  const int nr = t->nnodes + (t->link_rows ? t->nlinks : 0), nd = t->ndest,
            groups = moto ? 2 : 1;
  int failed = 0;
#pragma omp parallel num_threads(t->nthreads) reduction(| : failed) \
    if (t->parallel || (t->p.threads == 0 && (double)nd * t->nlinks >= 2e5))
  {
    dscratch s;
    int ok = !alloc_scratch(t, &s);
    failed |= !ok;
    /* every thread reaches the loop; one without scratch leaves its rows
     * stale and the tables are redone at the next step */
#pragma omp for schedule(dynamic, 4)
    for (int k = 0; k < nd * groups; k++) {
      if (!ok) continue;
      int g = groups == 2 ? k % 2 : 1, d = groups == 2 ? k / 2 : k;
      dijkstra(t, t->dest_node[d], g, s.nh, &s);
      /* row-major table: a junction looks up its rows only */
      int *tab = t->nh[g];
      for (int r = 0; r < nr; r++) tab[(size_t)r * nd + d] = s.nh[r];
    }
    free_scratch(&s);
  }
  if (failed) /* keep going on old tables is worse than none: mark stale */
    t->next_route = t->t;
  t->route_dirty = failed;
}

void ct_traffic_reroute(ct_traffic *t) { t->route_dirty = 1; }

double ct_traffic_route_bytes(const ct_traffic *t) {
  double rows = (double)t->nnodes + (t->nbans ? (double)t->nlinks : 0.0);
  return 2.0 * (double)t->ndest * rows * (double)sizeof(int);
}

int ct_traffic_route(ct_traffic *t, int from, int to, int *links, int max,
                     double *tt) {
  if (!t->finalized || from < 0 || to < 0 || from >= t->nnodes ||
      to >= t->nnodes)
    return -1;
  if (costs_alloc(t, NULL)) return -1;
  link_costs(t);
  build_bans(t);
  dscratch s;
  if (alloc_scratch(t, &s)) {
    free_scratch(&s);
    return -1;
  }
  dijkstra(t, to, 1, s.nh, &s);
  int n = -1;
  if (from == to || s.nh[from] >= 0) {
    double sum = 0;
    int l = from == to ? -1 : s.nh[from];
    n = 0;
    while (l >= 0 && n <= t->nlinks) {
      if (n < max) links[n] = l;
      n++;
      sum += t->cost[l];
      l = t->l[l].to == to ? -1 : s.nh[t->nnodes + l];
    }
    if (l >= 0) n = -1; /* a loop: the tables are broken, report no route */
    if (tt) *tt = sum;
  }
  free_scratch(&s);
  return n;
}
