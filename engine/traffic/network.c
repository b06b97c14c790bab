/* network.c - the road graph: nodes, directed links with their triangular
 * fundamental diagram, cells (Daganzo 1994: cell length = free speed x time
 * step), islands, controls, queries and the vehicle bookkeeping. */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "traffic/traffic_internal.h"

void ct_traffic_params_default(ct_traffic_params *p) {
  memset(p, 0, sizeof *p);
  p->dt = 2.0;
  p->snap = 1.0;
  p->reroute = 300.0;
  p->lane_capacity = 1800.0;
  p->jam_density = 150.0;
  /* Cao & Sano 2012 (Hanoi): a car is 3.4 motorbikes for capacity. Storage
   * by occupied jam area (motorbike ~1.9 m x 0.7 m + gaps vs 6.7 m per car
   * lane slot); buses and trucks after HCM heavy-vehicle equivalents. */
  p->pcu[CT_VEH_MOTORBIKE] = 0.29;
  p->pcu[CT_VEH_CAR] = 1.0;
  p->pcu[CT_VEH_BUS] = 2.0;
  p->pcu[CT_VEH_TRUCK] = 2.0;
  p->storage[CT_VEH_MOTORBIKE] = 0.18;
  p->storage[CT_VEH_CAR] = 1.0;
  p->storage[CT_VEH_BUS] = 2.2;
  p->storage[CT_VEH_TRUCK] = 1.8;
  p->closure_depth = 0.30;     /* Pregnolato et al. 2017 */
  p->closure_depth_moto = 0.25; /* exhaust height of a scooter */
  p->signals = CT_SIGNALS_MAJOR;
  p->signal_cycle = 90.0;
  p->signal_lost = 4.0;
  p->packet = 0.25;
}

ct_traffic *ct_traffic_new(const ct_traffic_params *p) {
  ct_traffic *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  if (p)
    t->p = *p;
  else
    ct_traffic_params_default(&t->p);
  /* HCMC fleet by vehicle count: motorbikes dominate (~86 %). */
  t->fleet[CT_VEH_MOTORBIKE] = 0.86;
  t->fleet[CT_VEH_CAR] = 0.10;
  t->fleet[CT_VEH_BUS] = 0.01;
  t->fleet[CT_VEH_TRUCK] = 0.03;
  t->main_island = 0;
  return t;
}

void ct__ring_free(ct__ring *r) {
  free(r->p);
  memset(r, 0, sizeof *r);
}

/* Appends, merging into the tail packet when it is the same kind. Grows the
 * ring (rare, amortised) when full. */
int ct__ring_push(ct__ring *r, int64_t amt, int32_t dest, float tdep) {
  if (amt <= 0) return 0;
  r->total += amt;
  if (r->n > 0) {
    ct__pkt *tail = &r->p[(r->head + r->n - 1) % r->cap];
    if (tail->dest == dest && tail->tdep == tdep) {
      tail->amt += amt;
      return 0;
    }
  }
  if (r->n == r->cap) {
    int nc = r->cap ? 2 * r->cap : 8;
    ct__pkt *np = malloc((size_t)nc * sizeof *np);
    if (!np) {
      r->total -= amt;
      return CT_ENOMEM;
    }
    for (int k = 0; k < r->n; k++) np[k] = r->p[(r->head + k) % r->cap];
    free(r->p);
    r->p = np;
    r->cap = nc;
    r->head = 0;
  }
  ct__pkt *q = &r->p[(r->head + r->n) % r->cap];
  q->amt = amt;
  q->dest = dest;
  q->tdep = tdep;
  r->n++;
  return 0;
}

void ct_traffic_free(ct_traffic *t) {
  if (!t) return;
  for (int k = 0; k < t->nlinks; k++) {
    free(t->l[k].name);
    free(t->l[k].src);
    for (int c = 0; c < CT__NC; c++) {
      ct__ring_free(&t->l[k].q[c]);
      ct__ring_free(&t->l[k].stage[c]);
    }
  }
  if (t->oq)
    for (int k = 0; k < t->nnodes * CT__NC; k++) ct__ring_free(&t->oq[k]);
  free(t->oq);
  free(t->l);
  free(t->geo);
  free(t->nx_);
  free(t->ny_);
  free(t->in0);
  free(t->inl);
  free(t->out0);
  free(t->outl);
  free(t->exit_cap);
  free(t->sig);
  free(t->dest_of);
  free(t->node_island);
  free(t->sigs);
  free(t->green);
  for (int c = 0; c < CT__NC; c++) {
    free(t->lin[c]);
    free(t->lout[c]);
  }
  free(t->n);
  free(t->depth);
  free(t->r);
  free(t->cell_link);
  free(t->em_nox);
  free(t->em_pm);
  free(t->dest_node);
  if (t->nh[0] != t->nh[1]) free(t->nh[0]);
  free(t->nh[1]);
  free(t->cost);
  free(t->lmeta);
  free(t->rv_from);
  free(t->rv_cost);
  free(t->lcost);
  free(t->bans);
  free(t->ban0);
  free(t->banl);
  free(t->banfill);
  free(t->bannode);
  free(t->bang);
  free(t->prof_t);
  free(t->prof_w);
  free(t->trips);
  free(t->flows);
  free(t->node_acc);
  free(t->link_acc);
  free(t->scratch);
  free(t->map0);
  free(t->map_g);
  free(t->map_len);
  free(t->map_sum);
  free(t);
}

int ct_traffic_add_node(ct_traffic *t, double x, double y, ct_error *err) {
  if (t->finalized)
    return ct_error_set(err, CT_EINVAL, "traffic: network already finalised");
  if (!isfinite(x) || !isfinite(y))
    return ct_error_set(err, CT_EINVAL, "traffic: node at non-finite position");
  if (t->nnodes == t->capnodes) {
    int nc = t->capnodes ? 2 * t->capnodes : 64;
    double *a = realloc(t->nx_, (size_t)nc * sizeof *a);
    if (!a) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->nx_ = a;
    double *b = realloc(t->ny_, (size_t)nc * sizeof *b);
    if (!b) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->ny_ = b;
    t->capnodes = nc;
  }
  t->nx_[t->nnodes] = x;
  t->ny_[t->nnodes] = y;
  return t->nnodes++;
}

/* Triangular fundamental diagram (Newell 1993): C = vf w kj / (vf + w). With
 * C and kj fixed by the lane, w follows; very slow roads cannot reach C, so
 * there w = vf and C = vf kj / 2. */
void ct__link_fd(ct__link *L, const ct_traffic_params *p, double vf_kmh,
                 double lanes) {
  L->vf = vf_kmh / 3.6;
  L->lanes = lanes;
  L->kj = p->jam_density / 1000.0;
  double C = p->lane_capacity / 3600.0;
  if (L->vf * L->kj > 2.0 * C) {
    L->w = C * L->vf / (L->vf * L->kj - C);
    L->cap = C;
  } else {
    L->w = L->vf;
    L->cap = 0.5 * L->vf * L->kj;
  }
}

double ct__link_capacity_per_s(const ct__link *L) { return L->cap * L->lanes; }

int ct_traffic_add_link(ct_traffic *t, int from, int to, double length,
                        double lanes, double speed_kmh, const char *name,
                        const char *src_id, int npts, const double *xy,
                        ct_error *err) {
  if (t->finalized)
    return ct_error_set(err, CT_EINVAL, "traffic: network already finalised");
  if (from < 0 || from >= t->nnodes || to < 0 || to >= t->nnodes)
    return ct_error_set(err, CT_EINVAL, "traffic: link %s: no such node",
                        src_id ? src_id : "");
  if (!(lanes > 0) || !(speed_kmh > 0) || !isfinite(lanes) ||
      !isfinite(speed_kmh))
    return ct_error_set(err, CT_EINVAL,
                        "traffic: link %s: lanes (%g) and speed (%g km/h) "
                        "must be positive",
                        src_id ? src_id : "", lanes, speed_kmh);
  double straight[4];
  if (!xy || npts < 2) {
    straight[0] = t->nx_[from];
    straight[1] = t->ny_[from];
    straight[2] = t->nx_[to];
    straight[3] = t->ny_[to];
    xy = straight;
    npts = 2;
  }
  double glen = 0;
  for (int k = 1; k < npts; k++)
    glen += hypot(xy[2 * k] - xy[2 * k - 2], xy[2 * k + 1] - xy[2 * k - 1]);
  if (!(length > 0)) length = glen;
  if (!(length > 0) || !isfinite(length))
    return ct_error_set(err, CT_EINVAL, "traffic: link %s has zero length",
                        src_id ? src_id : "");
  if (t->nlinks == t->caplinks) {
    int nc = t->caplinks ? 2 * t->caplinks : 64;
    ct__link *a = realloc(t->l, (size_t)nc * sizeof *a);
    if (!a) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->l = a;
    t->caplinks = nc;
  }
  if (t->ngeo + npts > t->capgeo) {
    int nc = t->capgeo ? t->capgeo : 256;
    while (nc < t->ngeo + npts) nc *= 2;
    double *g = realloc(t->geo, (size_t)nc * 2 * sizeof *g);
    if (!g) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->geo = g;
    t->capgeo = nc;
  }
  ct__link *L = &t->l[t->nlinks];
  memset(L, 0, sizeof *L);
  L->from = from;
  L->to = to;
  L->length = length;
  ct__link_fd(L, &t->p, speed_kmh, lanes);
  L->lanes0 = lanes;
  L->vf0 = L->vf;
  L->phase = -1;
  L->rclass = -1;
  L->feature = -1;
  L->name = strdup(name ? name : "");
  L->src = strdup(src_id ? src_id : "");
  if (!L->name || !L->src) {
    free(L->name);
    free(L->src);
    return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  }
  L->geo0 = t->ngeo;
  L->ngeo = npts;
  L->geolen = glen > 0 ? glen : length;
  memcpy(t->geo + 2 * (size_t)t->ngeo, xy, (size_t)npts * 2 * sizeof *xy);
  t->ngeo += npts;
  return t->nlinks++;
}

/* Weakly connected components; the largest is the main island. */
void ct__islands(ct_traffic *t) {
  int *par = t->node_island;
  for (int k = 0; k < t->nnodes; k++) par[k] = k;
  for (int k = 0; k < t->nlinks; k++) {
    int a = t->l[k].from, b = t->l[k].to;
    while (par[a] != a) a = par[a] = par[par[a]];
    while (par[b] != b) b = par[b] = par[par[b]];
    if (a != b) par[a < b ? b : a] = a < b ? a : b;
  }
  for (int k = 0; k < t->nnodes; k++) {
    int a = k;
    while (par[a] != a) a = par[a];
    par[k] = a;
  }
  int *cnt = calloc((size_t)t->nnodes + 1, sizeof *cnt);
  int best = 0;
  if (cnt) {
    for (int k = 0; k < t->nlinks; k++) cnt[par[t->l[k].from]]++;
    for (int k = 0; k < t->nnodes; k++)
      if (cnt[k] > cnt[best]) best = k;
  }
  free(cnt);
  t->main_island = t->nnodes ? best : 0;
  for (int k = 0; k < t->nlinks; k++) t->l[k].island = par[t->l[k].from];
}

int ct_traffic_finalize(ct_traffic *t, ct_error *err) {
  if (t->finalized) return 0;
  if (t->nlinks == 0)
    return ct_error_set(err, CT_EINVAL, "traffic: the network has no links");
  if (!(t->p.dt > 0))
    return ct_error_set(err, CT_EINVAL, "traffic: time step must be positive");
  int nn = t->nnodes, nl = t->nlinks;
  t->in0 = calloc((size_t)nn + 1, sizeof(int));
  t->out0 = calloc((size_t)nn + 1, sizeof(int));
  t->inl = malloc((size_t)nl * sizeof(int));
  t->outl = malloc((size_t)nl * sizeof(int));
  t->exit_cap = malloc((size_t)nn * sizeof(double));
  t->sig = malloc((size_t)nn * sizeof(int));
  t->dest_of = malloc((size_t)nn * sizeof(int));
  if (!t->node_island) t->node_island = malloc((size_t)nn * sizeof(int));
  t->oq = calloc((size_t)nn * CT__NC, sizeof(ct__ring));
  t->node_acc = calloc((size_t)nn * 3, sizeof(double));
  t->link_acc = calloc((size_t)nl * 11, sizeof(double));
  t->cost = calloc((size_t)nl, sizeof(double));
  t->lmeta = calloc((size_t)nl, sizeof(int));
  if (!t->in0 || !t->out0 || !t->inl || !t->outl || !t->exit_cap ||
      !t->sig || !t->dest_of || !t->node_island || !t->oq || !t->node_acc ||
      !t->link_acc || !t->cost || !t->lmeta)
    return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  for (int k = 0; k < nl; k++) {
    t->in0[t->l[k].to + 1]++;
    t->out0[t->l[k].from + 1]++;
  }
  t->maxdeg_in = t->maxdeg_out = 0;
  for (int k = 0; k < nn; k++) {
    if (t->in0[k + 1] > t->maxdeg_in) t->maxdeg_in = t->in0[k + 1];
    if (t->out0[k + 1] > t->maxdeg_out) t->maxdeg_out = t->out0[k + 1];
    t->in0[k + 1] += t->in0[k];
    t->out0[k + 1] += t->out0[k];
  }
  {
    int *fi = malloc((size_t)nn * sizeof(int)), *fo = malloc((size_t)nn * sizeof(int));
    if (!fi || !fo) {
      free(fi);
      free(fo);
      return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    }
    memcpy(fi, t->in0, (size_t)nn * sizeof(int));
    memcpy(fo, t->out0, (size_t)nn * sizeof(int));
    for (int k = 0; k < nl; k++) {
      t->inl[fi[t->l[k].to]++] = k;
      t->l[k].outpos = fo[t->l[k].from] - t->out0[t->l[k].from];
      t->outl[fo[t->l[k].from]++] = k;
    }
    free(fi);
    free(fo);
  }
  /* two-way roads: their length counts once in the road-km totals */
  for (int k = 0; k < nl; k++) {
    ct__link *L = &t->l[k];
    for (int o = t->out0[L->to]; o < t->out0[L->to + 1]; o++) {
      const ct__link *R = &t->l[t->outl[o]];
      if (R->to == L->from && !strcmp(R->src, L->src) &&
          fabs(R->length - L->length) <= 1e-6 * L->length)
        L->twin = 1;
    }
  }
  for (int k = 0; k < nn; k++) {
    t->exit_cap[k] = -1;
    t->sig[k] = -1;
    t->dest_of[k] = -1;
  }
  ct__islands(t);
  /* Cells of length >= vf dt keep the scheme stable (CFL <= 1); a link
   * shorter than vf dt is one cell that vehicles cross in one step. */
  int nc = 0;
  for (int k = 0; k < nl; k++) {
    ct__link *L = &t->l[k];
    int m = (int)floor(L->length / (L->vf * t->p.dt) + 1e-9);
    if (m < 1) m = 1;
    L->ncells = m;
    L->dx = L->length / m;
    L->cell0 = nc;
    nc += m;
  }
  t->ncells = nc;
  t->n = calloc((size_t)nc * CT__NC, sizeof(int64_t));
  if (!t->n) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  for (int c = 0; c < CT__NC; c++) {
    t->lin[c] = calloc((size_t)nl, sizeof(int64_t));
    t->lout[c] = calloc((size_t)nl, sizeof(int64_t));
    if (!t->lin[c] || !t->lout[c])
      return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  }
  t->depth = calloc((size_t)nc, sizeof(float));
  t->r = malloc((size_t)nc * sizeof(float));
  t->cell_link = malloc((size_t)nc * sizeof(int));
  t->em_nox = calloc((size_t)nc, sizeof(double));
  t->em_pm = calloc((size_t)nc, sizeof(double));
  if (!t->depth || !t->r || !t->cell_link || !t->em_nox || !t->em_pm)
    return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  for (int k = 0; k < nl; k++)
    for (int i = 0; i < t->l[k].ncells; i++) {
      t->r[t->l[k].cell0 + i] = 1.0f;
      t->cell_link[t->l[k].cell0 + i] = k;
    }
  t->nthreads = t->p.threads > 0 ? t->p.threads : omp_get_max_threads();
  if (t->nthreads < 1) t->nthreads = 1;
  /* threads pay off on big networks only: a barrier costs microseconds
   * per step (and far more on a loaded machine) */
  t->parallel = t->p.threads > 0 || t->ncells >= 40000;
  t->scratch_per = ct__node_scratch_size(t);
  t->scratch = malloc(t->scratch_per * (size_t)t->nthreads * sizeof(double));
  if (!t->scratch)
    return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  t->finalized = 1;
  if (t->p.signals != CT_SIGNALS_NONE) ct__default_signals(t);
  t->route_dirty = 1;
  return 0;
}

int ct_traffic_nnodes(const ct_traffic *t) { return t->nnodes; }
int ct_traffic_nlinks(const ct_traffic *t) { return t->nlinks; }

int ct_traffic_link_info(const ct_traffic *t, int link, ct_link_info *o) {
  if (link < 0 || link >= t->nlinks) return CT_ERANGE;
  const ct__link *L = &t->l[link];
  o->from = L->from;
  o->to = L->to;
  o->length = L->length;
  o->lanes = L->lanes;
  o->speed_kmh = L->vf * 3.6;
  o->name = L->name;
  o->src_id = L->src;
  o->ncells = L->ncells;
  o->npts = L->ngeo;
  o->xy = t->geo + 2 * (size_t)L->geo0;
  o->signal_phase = (t->finalized && t->sig[L->to] >= 0) ? L->phase : -1;
  o->feature = L->feature;
  o->bridge = L->bridge;
  return 0;
}

void ct_traffic_node_xy(const ct_traffic *t, int node, double *x, double *y) {
  *x = t->nx_[node];
  *y = t->ny_[node];
}

int ct_traffic_nearest_node(const ct_traffic *t, double x, double y) {
  int best = -1;
  double bd = DBL_MAX;
  for (int k = 0; k < t->nnodes; k++) {
    if (t->finalized && t->node_island[k] != t->main_island) continue;
    double d = hypot(t->nx_[k] - x, t->ny_[k] - y);
    if (d < bd) {
      bd = d;
      best = k;
    }
  }
  return best;
}

int ct_traffic_find_links(const ct_traffic *t, const char *name, int *links,
                          int max) {
  int n = 0;
  for (int k = 0; k < t->nlinks; k++) {
    const ct__link *L = &t->l[k];
    if ((L->name[0] && strcasecmp(L->name, name) == 0) ||
        (L->src[0] && strcmp(L->src, name) == 0)) {
      if (n < max) links[n] = k;
      n++;
    }
  }
  return n;
}

int ct_traffic_set_signal(ct_traffic *t, int node, double cycle, double offset,
                          int nphase, const double *green, ct_error *err) {
  if (!t->finalized || node < 0 || node >= t->nnodes)
    return ct_error_set(err, CT_EINVAL, "traffic: signal at bad node %d", node);
  if (nphase < 1 || nphase > CT__MAXPHASE || !(cycle > 0))
    return ct_error_set(err, CT_EINVAL,
                        "traffic: signal at node %d: 1..%d phases and a "
                        "positive cycle expected",
                        node, CT__MAXPHASE);
  double sum = 0;
  for (int k = 0; k < nphase; k++) {
    if (!(green[k] >= 0))
      return ct_error_set(err, CT_EINVAL, "traffic: negative green time");
    sum += green[k];
  }
  if (sum > cycle + 1e-9)
    return ct_error_set(err, CT_EINVAL,
                        "traffic: signal at node %d: greens (%g s) exceed the "
                        "cycle (%g s)",
                        node, sum, cycle);
  ct__signal s;
  memset(&s, 0, sizeof s);
  s.cycle = cycle;
  s.offset = offset;
  s.nphase = nphase;
  double inter = (cycle - sum) / nphase, at = 0;
  for (int k = 0; k < nphase; k++) {
    s.start[k] = at;
    s.green[k] = green[k];
    at += green[k] + inter;
  }
  if (t->sig[node] >= 0) {
    t->sigs[t->sig[node]] = s;
    return 0;
  }
  if (t->nsig == t->capsig) {
    int nc = t->capsig ? 2 * t->capsig : 16;
    ct__signal *a = realloc(t->sigs, (size_t)nc * sizeof *a);
    if (!a) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->sigs = a;
    t->capsig = nc;
  }
  t->sigs[t->nsig] = s;
  t->sig[node] = t->nsig++;
  return 0;
}

int ct_traffic_set_link_phase(ct_traffic *t, int link, int phase,
                              ct_error *err) {
  if (link < 0 || link >= t->nlinks || phase >= CT__MAXPHASE)
    return ct_error_set(err, CT_EINVAL, "traffic: bad link or phase");
  t->l[link].phase = phase;
  return 0;
}

void ct_traffic_set_priority(ct_traffic *t, int link, double priority) {
  if (link >= 0 && link < t->nlinks) t->l[link].alpha = priority;
}

void ct_traffic_set_exit_capacity(ct_traffic *t, int node, double veh_h) {
  if (t->finalized && node >= 0 && node < t->nnodes)
    t->exit_cap[node] = veh_h < 0 ? -1 : veh_h / 3600.0;
}

void ct_traffic_close_link(ct_traffic *t, int link, int closed) {
  if (link < 0 || link >= t->nlinks) return;
  if (t->l[link].closed_user != (closed != 0)) t->route_dirty = 1;
  t->l[link].closed_user = closed != 0;
}

/* Changing lanes or speed keeps the cells (cut for the original speed): a
 * lower speed stays stable; a higher one is capped at the cell's CFL limit. */
void ct_traffic_set_lanes(ct_traffic *t, int link, double lanes) {
  if (link < 0 || link >= t->nlinks || !(lanes > 0)) return;
  ct__link *L = &t->l[link];
  ct__link_fd(L, &t->p, L->vf * 3.6, lanes);
  t->route_dirty = 1;
}

void ct_traffic_set_speed(ct_traffic *t, int link, double speed_kmh) {
  if (link < 0 || link >= t->nlinks || !(speed_kmh > 0)) return;
  ct__link *L = &t->l[link];
  double v = speed_kmh / 3.6;
  if (t->finalized && v * t->p.dt > L->dx) v = L->dx / t->p.dt;
  ct__link_fd(L, &t->p, v * 3.6, L->lanes);
  t->route_dirty = 1;
}

int ct_traffic_ban_turn(ct_traffic *t, int from, int to, unsigned classes,
                        ct_error *err) {
  if (!t->finalized)
    return ct_error_set(err, CT_EINVAL, "traffic: finalise the network first");
  if (from < 0 || from >= t->nlinks || to < 0 || to >= t->nlinks ||
      t->l[from].to != t->l[to].from)
    return ct_error_set(err, CT_EINVAL,
                        "traffic: no turn from link %d onto link %d", from, to);
  /* route groups: motorbikes, and cars with the buses and trucks */
  unsigned groups = ((classes >> CT_VEH_MOTORBIKE) & 1u) << ct__group(CT_VEH_MOTORBIKE) |
                    ((classes >> CT_VEH_CAR) & 1u) << ct__group(CT_VEH_CAR);
  if (!groups)
    return ct_error_set(err, CT_EINVAL,
                        "traffic: a turn ban must hold for motorbikes or cars "
                        "(buses and trucks route as cars)");
  if (!t->ban0) {
    t->ban0 = calloc((size_t)t->nlinks + 1, sizeof *t->ban0);
    t->banfill = malloc(((size_t)t->nlinks + 1) * sizeof *t->banfill);
    t->bannode = calloc((size_t)t->nnodes + 1, 1);
    if (!t->ban0 || !t->banfill || !t->bannode) {
      free(t->ban0);
      free(t->banfill);
      free(t->bannode);
      t->ban0 = t->banfill = NULL;
      t->bannode = NULL;
      return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    }
  }
  if (t->nbans == t->capbans) {
    int nc = t->capbans ? 2 * t->capbans : 16;
    ct__ban *a = realloc(t->bans, (size_t)nc * sizeof *a);
    if (a) t->bans = a;
    int *b = a ? realloc(t->banl, (size_t)nc * sizeof *b) : NULL;
    if (b) t->banl = b;
    unsigned char *g = b ? realloc(t->bang, (size_t)nc) : NULL;
    if (g) t->bang = g;
    if (!g) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->capbans = nc;
  }
  t->bans[t->nbans] = (ct__ban){from, to, (unsigned char)groups, 1};
  t->route_dirty = 1;
  return t->nbans++;
}

void ct_traffic_ban_active(ct_traffic *t, int k, int active) {
  if (k < 0 || k >= t->nbans || t->bans[k].active == (active != 0)) return;
  t->bans[k].active = active != 0;
  t->route_dirty = 1;
}

int ct_traffic_nbans(const ct_traffic *t) { return t->nbans; }

int ct__dest_index(ct_traffic *t, int node, ct_error *err) {
  if (t->dest_of[node] >= 0) return t->dest_of[node];
  if (t->ndest == t->capdest) {
    int nc = t->capdest ? 2 * t->capdest : 16;
    int *a = realloc(t->dest_node, (size_t)nc * sizeof *a);
    if (!a) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    t->dest_node = a;
    t->capdest = nc;
  }
  t->dest_node[t->ndest] = node;
  t->dest_of[node] = t->ndest;
  t->route_dirty = 1;
  return t->ndest++;
}

double ct_traffic_time(const ct_traffic *t) { return t->t; }

static double cell_veh(const ct_traffic *t, int cell) {
  int64_t s = 0;
  for (int c = 0; c < CT__NC; c++) s += t->n[(size_t)(cell) * CT__NC + c];
  return (double)s / CT__UNIT;
}

double ct_traffic_cell_density(const ct_traffic *t, int link, int cell) {
  if (link < 0 || link >= t->nlinks || cell < 0 || cell >= t->l[link].ncells)
    return NAN;
  const ct__link *L = &t->l[link];
  return cell_veh(t, L->cell0 + cell) / L->dx * 1000.0;
}

/* Storage occupancy of a cell [car-equivalent vehicles]. */
static double occ(const ct_traffic *t, int cell) {
  double o = 0;
  for (int c = 0; c < CT__NC; c++)
    o += (double)t->n[(size_t)(cell) * CT__NC + c] * t->p.storage[c];
  return o / CT__UNIT;
}

/* A cell is queued when its storage occupancy is above the critical one
 * (k_c / k_j = w / (vf + w)); 1 % margin against round-off. */
static int cell_congested(const ct_traffic *t, const ct__link *L, int cell) {
  double o = occ(t, cell);
  double N = L->kj * L->dx * L->lanes;
  double crit = L->w / (L->vf * t->r[cell] + L->w);
  return o > 1.01 * crit * N;
}

int ct_traffic_link_state(const ct_traffic *t, int link, ct_link_state *s) {
  if (link < 0 || link >= t->nlinks) return CT_ERANGE;
  const ct__link *L = &t->l[link];
  double veh = 0;
  for (int i = 0; i < L->ncells; i++) veh += cell_veh(t, L->cell0 + i);
  s->vehicles = veh;
  s->density = veh / L->length * 1000.0;
  s->travel_time = ct__link_travel_time(t, link);
  s->speed = L->length / s->travel_time;
  s->flow = L->out_last / t->p.dt * 3600.0;
  /* queue: from the downstream end to the tail, located inside the
   * upstream-most congested cell by how far its density lies between the
   * arriving state (cell upstream) and the queued one (cell downstream) */
  s->queue = 0;
  for (int i = 0; i < L->ncells; i++)
    if (cell_congested(t, L, L->cell0 + i)) {
      double k = occ(t, L->cell0 + i);
      double ku = i > 0 ? occ(t, L->cell0 + i - 1) : 0.0;
      double kd = i + 1 < L->ncells ? occ(t, L->cell0 + i + 1)
                                    : L->kj * L->dx * L->lanes;
      double f = kd > ku ? (k - ku) / (kd - ku) : 1.0;
      f = f < 0 ? 0 : f > 1 ? 1 : f;
      s->queue = (L->ncells - i - 1 + f) * L->dx;
      break;
    }
  s->cum_in = L->cum_in;
  s->cum_out = L->cum_out;
  s->closed = L->closed_user ? 1 : L->closed_flood ? 2 : L->closed_moto ? 3 : 0;
  return 0;
}

void ct_traffic_get_totals(const ct_traffic *t, ct_traffic_totals *o) {
  memset(o, 0, sizeof *o);
  int64_t innet = 0, wait = 0;
  for (int k = 0; k < t->nlinks; k++)
    for (int c = 0; c < CT__NC; c++) innet += t->l[k].q[c].total;
  if (t->oq)
    for (int k = 0; k < t->nnodes * CT__NC; k++) wait += t->oq[k].total;
  o->entered_u = t->entered_u;
  o->completed_u = t->completed_u;
  o->stranded_u = t->stranded_u;
  o->in_network_u = innet + wait;
  o->entered = (double)t->entered_u / CT__UNIT;
  o->completed = (double)t->completed_u / CT__UNIT;
  o->stranded = (double)t->stranded_u / CT__UNIT;
  o->in_network = (double)(innet + wait) / CT__UNIT;
  o->waiting = (double)wait / CT__UNIT;
  o->vkt = t->vkt / 1000.0;
  o->vht = t->vht / 3600.0;
  o->delay_h = t->delay_s / 3600.0;
  o->trip_time_sum = t->trip_time_sum;
  for (int c = 0; c < CT__NC; c++) {
    o->nox_class_g[c] = t->nox_g[c];
    o->pm25_class_g[c] = t->pm_g[c];
    o->nox_g += t->nox_g[c];
    o->pm25_g += t->pm_g[c];
  }
  for (int k = 0; k < t->nlinks; k++) {
    const ct__link *L = &t->l[k];
    double km = L->length / 1000.0 * (L->twin ? 0.5 : 1.0);
    if (L->closed_user || L->closed_flood) o->closed_km += km;
    if (L->depth_max > CT_TRAFFIC_FLOODED_M) o->flooded_km += km;
  }
}
