/* restart.c - the traffic engine's evolving state as checkpoint blocks (see
 * citytwin/state.h), so that `citytwin run --resume` goes on bit for bit:
 * vehicles in cells and in the packet queues, link counters and closures,
 * water on the cells, the route tables in use, which turn bans are in
 * force, the demand cursors and the KPI accumulators. What init rebuilds from the scenario (geometry, signal
 * plans, flows, profile, grid mapping) is not saved; neither are the per-step
 * buffers that each step zeroes or rewrites before reading (lin/lout,
 * node_acc/link_acc, green, lmeta, cost, rv_*, scratch). */
#include <stdlib.h>
#include <string.h>

#include "traffic/traffic_internal.h"

/* Packets are stored as they lie in memory; no padding may leak into the
 * file and the layout is part of the format. */
_Static_assert(sizeof(ct__pkt) == 16, "ct__pkt: 8 + 4 + 4 bytes, no padding");

/* The scalars, all 8 bytes wide so the block has no padding. */
typedef struct scalars {
  double t, em_time, next_route;
  double trip_time_sum, vkt, vht, delay_s;
  double nox_g[CT__NC], pm_g[CT__NC];
  int64_t nstep, entered_u, completed_u, stranded_u;
  int64_t trip_next, trips_dirty, route_dirty;
  int64_t routes; /* 0 none yet, 1 one table, 2 motorbikes' own too */
  int64_t link_rows; /* the tables have rows per link */
} scalars;
_Static_assert(sizeof(scalars) == (16 + 2 * CT__NC) * 8, "scalars: no padding");

enum { LD_CUM_IN, LD_CUM_OUT, LD_OUT_LAST, LD_MARK, LD_LANES, LD_VF, LD_W,
       LD_KJ, LD_CAP, LD_N };

/* Sizes the blocks depend on: checked first, so that a state saved by
 * another scenario is refused with a message before anything is touched. */
enum { SH_NODES, SH_LINKS, SH_CELLS, SH_DEST, SH_SIG, SH_TRIPS, SH_FLOWS,
       SH_NCLASS, SH_WIRING, SH_N };

/* FNV-1a over each link's ends and cell count and the destinations: a
 * network edited to the same size is another network too. */
static int64_t wiring(const ct_traffic *t) {
  uint64_t h = 14695981039346656037ull;
  for (int l = 0; l < t->nlinks; l++) {
    int32_t v[3] = {t->l[l].from, t->l[l].to, t->l[l].ncells};
    const unsigned char *b = (const unsigned char *)v;
    for (size_t k = 0; k < sizeof v; k++) h = (h ^ b[k]) * 1099511628211ull;
  }
  for (int d = 0; d < t->ndest; d++) {
    int32_t v = t->dest_node[d];
    const unsigned char *b = (const unsigned char *)&v;
    for (size_t k = 0; k < sizeof v; k++) h = (h ^ b[k]) * 1099511628211ull;
  }
  return (int64_t)h;
}

static void shape(const ct_traffic *t, int64_t s[SH_N]) {
  s[SH_NODES] = t->nnodes;
  s[SH_LINKS] = t->nlinks;
  s[SH_CELLS] = t->ncells;
  s[SH_DEST] = t->ndest;
  s[SH_SIG] = t->nsig;
  s[SH_TRIPS] = t->ntrips;
  s[SH_FLOWS] = t->nflows;
  s[SH_NCLASS] = CT__NC;
  s[SH_WIRING] = wiring(t);
}

static int io_shape(ct_traffic *t, ct_state *st, ct_error *err) {
  int64_t mine[SH_N], s[SH_N];
  shape(t, mine);
  memcpy(s, mine, sizeof s);
  int rc = ct_state_io(st, "shape", s, sizeof s, err);
  if (rc || !memcmp(s, mine, sizeof s)) return rc;
  if (!memcmp(s, mine, SH_WIRING * sizeof *s))
    return ct_error_set(err, CT_EFORMAT,
                        "traffic: the saved state is of a network of the "
                        "same size but other links or destinations: it was "
                        "saved by another scenario or version");
  return ct_error_set(err, CT_EFORMAT,
                      "traffic: the saved state is of a network of %lld "
                      "junctions, %lld links, %lld cells, %lld destinations, "
                      "%lld signals, %lld trips, %lld flows; this run has "
                      "%lld, %lld, %lld, %lld, %lld, %lld, %lld: it was saved "
                      "by another scenario or version",
                      (long long)s[SH_NODES], (long long)s[SH_LINKS],
                      (long long)s[SH_CELLS], (long long)s[SH_DEST],
                      (long long)s[SH_SIG], (long long)s[SH_TRIPS],
                      (long long)s[SH_FLOWS], (long long)mine[SH_NODES],
                      (long long)mine[SH_LINKS], (long long)mine[SH_CELLS],
                      (long long)mine[SH_DEST], (long long)mine[SH_SIG],
                      (long long)mine[SH_TRIPS], (long long)mine[SH_FLOWS]);
}

static int io_scalars(ct_traffic *t, ct_state *st, int *routes,
                      ct_error *err) {
  scalars s;
  memset(&s, 0, sizeof s);
  s.t = t->t;
  s.em_time = t->em_time;
  s.next_route = t->next_route;
  s.trip_time_sum = t->trip_time_sum;
  s.vkt = t->vkt;
  s.vht = t->vht;
  s.delay_s = t->delay_s;
  memcpy(s.nox_g, t->nox_g, sizeof s.nox_g);
  memcpy(s.pm_g, t->pm_g, sizeof s.pm_g);
  s.nstep = t->nstep;
  s.entered_u = t->entered_u;
  s.completed_u = t->completed_u;
  s.stranded_u = t->stranded_u;
  s.trip_next = t->trip_next;
  s.trips_dirty = t->trips_dirty;
  s.route_dirty = t->route_dirty;
  s.routes = !t->nh[1] ? 0 : t->nh[0] != t->nh[1] ? 2 : 1;
  s.link_rows = t->link_rows;
  *routes = (int)s.routes;
  int rc = ct_state_io(st, "scalars", &s, sizeof s, err);
  if (rc || !ct_state_restoring(st)) return rc;
  if (s.trip_next < 0 || s.trip_next > t->ntrips || s.routes < 0 ||
      s.routes > 2 || s.link_rows < 0 || s.link_rows > 1)
    return ct_error_set(err, CT_EFORMAT,
                        "traffic: the saved state is damaged (trip cursor "
                        "%lld of %d, route tables %lld)",
                        (long long)s.trip_next, t->ntrips,
                        (long long)s.routes);
  t->t = s.t;
  t->em_time = s.em_time;
  t->next_route = s.next_route;
  t->trip_time_sum = s.trip_time_sum;
  t->vkt = s.vkt;
  t->vht = s.vht;
  t->delay_s = s.delay_s;
  memcpy(t->nox_g, s.nox_g, sizeof s.nox_g);
  memcpy(t->pm_g, s.pm_g, sizeof s.pm_g);
  t->nstep = s.nstep;
  t->entered_u = s.entered_u;
  t->completed_u = s.completed_u;
  t->stranded_u = s.stranded_u;
  t->trip_next = (int)s.trip_next;
  t->trips_dirty = (int)s.trips_dirty;
  t->route_dirty = (int)s.route_dirty;
  t->link_rows = (int)s.link_rows; /* the layout io_routes reads */
  *routes = (int)s.routes;
  return CT_OK;
}

/* Per link: counters, the fundamental diagram (interventions may change
 * it) and the closure flags. */
static int io_links(ct_traffic *t, ct_state *st, ct_error *err) {
  const int nl = t->nlinks, restoring = ct_state_restoring(st);
  double *d = calloc((size_t)nl * LD_N + 1, sizeof *d);
  unsigned char *f = calloc((size_t)nl * 3 + 1, 1);
  int rc = d && f ? CT_OK : ct_error_set(err, CT_ENOMEM, "out of memory");
  for (int l = 0; l < nl && !rc && !restoring; l++) {
    const ct__link *L = &t->l[l];
    double *x = d + (size_t)l * LD_N;
    x[LD_CUM_IN] = L->cum_in;
    x[LD_CUM_OUT] = L->cum_out;
    x[LD_OUT_LAST] = L->out_last;
    x[LD_MARK] = L->cum_out_mark;
    x[LD_LANES] = L->lanes;
    x[LD_VF] = L->vf;
    x[LD_W] = L->w;
    x[LD_KJ] = L->kj;
    x[LD_CAP] = L->cap;
    f[3 * l] = L->closed_user;
    f[3 * l + 1] = L->closed_flood;
    f[3 * l + 2] = L->closed_moto;
  }
  if (!rc) rc = ct_state_io(st, "links", d, (size_t)nl * LD_N * sizeof *d, err);
  if (!rc) rc = ct_state_io(st, "links.closed", f, (size_t)nl * 3, err);
  for (int l = 0; l < nl && !rc && restoring; l++) {
    ct__link *L = &t->l[l];
    const double *x = d + (size_t)l * LD_N;
    L->cum_in = x[LD_CUM_IN];
    L->cum_out = x[LD_CUM_OUT];
    L->out_last = x[LD_OUT_LAST];
    L->cum_out_mark = x[LD_MARK];
    L->lanes = x[LD_LANES];
    L->vf = x[LD_VF];
    L->w = x[LD_W];
    L->kj = x[LD_KJ];
    L->cap = x[LD_CAP];
    L->closed_user = f[3 * l] != 0;
    L->closed_flood = f[3 * l + 1] != 0;
    L->closed_moto = f[3 * l + 2] != 0;
  }
  free(d);
  free(f);
  return rc;
}

/* Cell arrays are the network's size (checked by io_shape): in place. */
static int io_cells(ct_traffic *t, ct_state *st, ct_error *err) {
  const size_t nc = (size_t)t->ncells;
  int rc;
  if ((rc = ct_state_io(st, "cells.n", t->n, nc * CT__NC * sizeof *t->n, err)) ||
      (rc = ct_state_io(st, "cells.depth", t->depth, nc * sizeof *t->depth, err)) ||
      (rc = ct_state_io(st, "cells.r", t->r, nc * sizeof *t->r, err)) ||
      (rc = ct_state_io(st, "cells.em_nox", t->em_nox, nc * sizeof *t->em_nox,
                        err)) ||
      (rc = ct_state_io(st, "cells.em_pm", t->em_pm, nc * sizeof *t->em_pm, err)))
    return rc;
  /* each link's deepest water follows from its cells' (the totals read it) */
  for (int l = 0; l < t->nlinks; l++) {
    ct__link *L = &t->l[l];
    float d = 0;
    for (int i = 0; i < L->ncells; i++)
      if (t->depth[L->cell0 + i] > d) d = t->depth[L->cell0 + i];
    L->depth_max = d;
  }
  return CT_OK;
}

/* Ring k: the links' queues, then their staging rings, then the origins'. */
static size_t nrings(const ct_traffic *t) {
  return (size_t)t->nlinks * CT__NC * 2 + (size_t)t->nnodes * CT__NC;
}

static ct__ring *ring_at(ct_traffic *t, size_t k) {
  size_t nq = (size_t)t->nlinks * CT__NC;
  if (k < nq) return &t->l[k / CT__NC].q[k % CT__NC];
  if (k < 2 * nq) return &t->l[(k - nq) / CT__NC].stage[(k - nq) % CT__NC];
  return &t->oq[k - 2 * nq];
}

/* Rebuilds ring r with the n packets p, oldest first. Growing keeps the
 * doubling of ct__ring_push; results do not depend on cap or head. */
static int ring_fill(ct__ring *r, const ct__pkt *p, int n) {
  if (n > r->cap) {
    int cap = 8;
    while (cap < n) cap *= 2;
    ct__pkt *np = malloc((size_t)cap * sizeof *np);
    if (!np) return CT_ENOMEM;
    free(r->p);
    r->p = np;
    r->cap = cap;
  }
  int64_t total = 0;
  for (int k = 0; k < n; k++) {
    r->p[k] = p[k];
    total += p[k].amt;
  }
  r->head = 0;
  r->n = n;
  r->total = total;
  return CT_OK;
}

/* Packet queues: the count per ring, and all live packets compactly from
 * each ring's head (no pointers, no free slots). */
static int io_rings(ct_traffic *t, ct_state *st, ct_error *err) {
  const size_t nr = nrings(t);
  int32_t *cnt = calloc(nr + 1, sizeof *cnt);
  ct__pkt *pk = NULL;
  size_t bytes = 0;
  int rc = cnt ? CT_OK : ct_error_set(err, CT_ENOMEM, "out of memory");
  if (!rc && !ct_state_restoring(st)) {
    size_t np = 0;
    for (size_t k = 0; k < nr; k++) {
      cnt[k] = ring_at(t, k)->n;
      np += (size_t)cnt[k];
    }
    pk = malloc((np + 1) * sizeof *pk);
    if (!pk) rc = ct_error_set(err, CT_ENOMEM, "out of memory for the queues");
    for (size_t k = 0, at = 0; k < nr && !rc; k++) {
      const ct__ring *r = ring_at(t, k);
      for (int i = 0; i < r->n; i++) pk[at++] = r->p[(r->head + i) % r->cap];
    }
    bytes = np * sizeof *pk;
    if (!rc) rc = ct_state_io(st, "rings.count", cnt, nr * sizeof *cnt, err);
    if (!rc) rc = ct_state_io_var(st, "rings.packets", (void **)&pk, &bytes, err);
  } else if (!rc) {
    rc = ct_state_io(st, "rings.count", cnt, nr * sizeof *cnt, err);
    if (!rc) rc = ct_state_io_var(st, "rings.packets", (void **)&pk, &bytes, err);
    /* check everything before touching a ring: a damaged block must not
     * leave half a network */
    size_t np = 0;
    int bad = 0;
    for (size_t k = 0; k < nr && !rc && !bad; k++) {
      bad = cnt[k] < 0;
      np += bad ? 0 : (size_t)cnt[k];
    }
    if (!rc && (bad || np * sizeof *pk != bytes))
      rc = ct_error_set(err, CT_EFORMAT,
                        "traffic: the saved vehicle queues are damaged (%zu "
                        "bytes for %zu packets)",
                        bytes, np);
    for (size_t k = 0; k < np && !rc; k++)
      if (pk[k].amt <= 0 || pk[k].dest < 0 || pk[k].dest >= t->ndest)
        rc = ct_error_set(err, CT_EFORMAT,
                          "traffic: the saved vehicle queues are damaged "
                          "(packet %zu: %lld units to destination %d of %d)",
                          k, (long long)pk[k].amt, (int)pk[k].dest, t->ndest);
    for (size_t k = 0, at = 0; k < nr && !rc; k++) {
      if (ring_fill(ring_at(t, k), pk + at, cnt[k]))
        rc = ct_error_set(err, CT_ENOMEM, "out of memory for the queues");
      at += (size_t)cnt[k];
    }
  }
  free(cnt);
  free(pk);
  return rc;
}

/* The next-link tables in use: between refreshes vehicles follow them, so
 * recomputing them from the restored speeds would not be the same run. */
static int io_routes(ct_traffic *t, ct_state *st, int routes, ct_error *err) {
  if (routes == 0) return CT_OK; /* before the first step: none yet */
  size_t need = (size_t)t->ndest *
                ((size_t)t->nnodes + (t->link_rows ? (size_t)t->nlinks : 0));
  if (need == 0) need = 1;
  if (ct_state_restoring(st)) {
    int rc = ct__routes_alloc(t, t->link_rows, err);
    if (rc) return rc;
    if (routes == 1 && t->nh[0] != t->nh[1]) {
      free(t->nh[0]);
      t->nh[0] = t->nh[1];
    } else if (routes == 2 && t->nh[0] == t->nh[1]) {
      int *a = malloc(t->nh_cap * sizeof *a);
      if (!a) return ct_error_set(err, CT_ENOMEM, "out of memory for routes");
      t->nh[0] = a;
    }
  }
  int rc = ct_state_io(st, "routes", t->nh[1], need * sizeof(int), err);
  if (!rc && routes == 2)
    rc = ct_state_io(st, "routes.motorbike", t->nh[0], need * sizeof(int), err);
  if (rc || !ct_state_restoring(st)) return rc;
  for (int g = 0; g < 2; g++)
    for (size_t k = 0; k < need; k++)
      if (t->nh[g][k] < -1 || t->nh[g][k] >= t->nlinks)
        return ct_error_set(err, CT_EFORMAT,
                            "traffic: the saved route tables are damaged");
  return CT_OK;
}

/* Demand: the trip list (sorted by departure at the first release, and
 * qsort is not stable: the order is state) and each flow's progress. */
static int io_demand(ct_traffic *t, ct_state *st, ct_error *err) {
  const size_t n = (size_t)t->ntrips, nf = (size_t)t->nflows;
  const int restoring = ct_state_restoring(st);
  double *tt = malloc((n + 1) * sizeof *tt), *wt = malloc((nf + 1) * sizeof *wt);
  int32_t *odc = malloc((3 * n + 1) * sizeof *odc);
  int64_t *amt = malloc((n + 1) * sizeof *amt);
  int64_t *done = malloc((nf * CT__NC + 1) * sizeof *done);
  int rc = tt && wt && odc && amt && done
               ? CT_OK
               : ct_error_set(err, CT_ENOMEM, "out of memory");
  for (size_t k = 0; k < n && !rc && !restoring; k++) {
    const ct__trip *tr = &t->trips[k];
    tt[k] = tr->t;
    odc[3 * k] = tr->o;
    odc[3 * k + 1] = tr->d;
    odc[3 * k + 2] = tr->cls;
    amt[k] = tr->amt;
  }
  for (size_t k = 0; k < nf && !rc && !restoring; k++) {
    wt[k] = t->flows[k].wtot;
    memcpy(done + k * CT__NC, t->flows[k].done, CT__NC * sizeof *done);
  }
  if (!rc) rc = ct_state_io(st, "trips.t", tt, n * sizeof *tt, err);
  if (!rc) rc = ct_state_io(st, "trips.odc", odc, 3 * n * sizeof *odc, err);
  if (!rc) rc = ct_state_io(st, "trips.amount", amt, n * sizeof *amt, err);
  if (!rc) rc = ct_state_io(st, "flows.wtot", wt, nf * sizeof *wt, err);
  if (!rc)
    rc = ct_state_io(st, "flows.done", done, nf * CT__NC * sizeof *done, err);
  for (size_t k = 0; k < n && !rc && restoring; k++)
    if (odc[3 * k] < 0 || odc[3 * k] >= t->nnodes || odc[3 * k + 1] < 0 ||
        odc[3 * k + 1] >= t->ndest || odc[3 * k + 2] < 0 ||
        odc[3 * k + 2] >= CT__NC)
      rc = ct_error_set(err, CT_EFORMAT,
                        "traffic: the saved trip list is damaged (trip %zu)", k);
  for (size_t k = 0; k < n && !rc && restoring; k++) {
    ct__trip *tr = &t->trips[k];
    tr->t = tt[k];
    tr->o = odc[3 * k];
    tr->d = odc[3 * k + 1];
    tr->cls = odc[3 * k + 2];
    tr->amt = amt[k];
  }
  for (size_t k = 0; k < nf && !rc && restoring; k++) {
    t->flows[k].wtot = wt[k];
    memcpy(t->flows[k].done, done + k * CT__NC, CT__NC * sizeof *done);
  }
  free(tt);
  free(wt);
  free(odc);
  free(amt);
  free(done);
  return rc;
}

/* Which turn bans are in force (the bans themselves come from the
 * scenario, as the network does). */
static int io_bans(ct_traffic *t, ct_state *st, ct_error *err) {
  if (t->nbans == 0) return CT_OK;
  unsigned char *on = malloc((size_t)t->nbans);
  if (!on) return ct_error_set(err, CT_ENOMEM, "out of memory");
  for (int k = 0; k < t->nbans; k++) on[k] = t->bans[k].active;
  int rc = ct_state_io(st, "bans.active", on, (size_t)t->nbans, err);
  if (!rc && ct_state_restoring(st))
    for (int k = 0; k < t->nbans; k++) t->bans[k].active = on[k] != 0;
  free(on);
  return rc;
}

int ct__traffic_state(ct_traffic *t, ct_state *st, ct_error *err) {
  if (!t->finalized)
    return ct_error_set(err, CT_EINVAL, "traffic: network not finalised");
  int routes = 0, rc;
  if ((rc = io_shape(t, st, err)) || (rc = io_scalars(t, st, &routes, err)) ||
      (rc = io_links(t, st, err)) || (rc = io_cells(t, st, err)) ||
      (rc = io_rings(t, st, err)) || (rc = io_routes(t, st, routes, err)) ||
      (rc = io_demand(t, st, err)) || (rc = io_bans(t, st, err)))
    return rc;
  return CT_OK;
}
