/* traffic_internal.h - the traffic engine's state, shared by the files of
 * engine/traffic. Vehicles are counted in integer units of 2^-20 vehicle so
 * that every transfer is exact and the vehicle balance closes to zero. */
#ifndef CT_TRAFFIC_INTERNAL_H
#define CT_TRAFFIC_INTERNAL_H

#include <stdint.h>
#include "citytwin/traffic.h"

#define CT__UNIT 1048576.0 /* units per vehicle */
#define CT__NC CT_VEH_NCLASS
#define CT__MAXPHASE 8

/* A packet: vehicles of one class (the queue's) bound for one destination,
 * departed at one time. Queues are FIFO rings. */
typedef struct ct__pkt {
  int64_t amt;
  int32_t dest; /* destination index */
  float tdep;
} ct__pkt;

typedef struct ct__ring {
  ct__pkt *p;
  int cap, head, n;
  int64_t total;
} ct__ring;

typedef struct ct__link {
  int from, to;
  double length, lanes, vf, w, kj, cap; /* m, -, m/s, m/s, veh/m/lane, PCU/s/lane */
  double lanes0, vf0;
  double alpha;       /* merge priority; <= 0: capacity */
  int ncells, cell0;
  double dx;
  int phase;          /* signal phase at the downstream node, -1 none */
  char *name, *src;
  int rclass;         /* road class index (roads.c), -1 unknown */
  int geo0, ngeo;     /* geometry points in t->geo */
  double geolen;
  unsigned char closed_user, closed_flood, closed_moto;
  unsigned char bridge; /* floods pass under it */
  unsigned char twin;   /* the other direction of a two-way road exists */
  float depth_max;      /* deepest water on it now [m] */
  int feature;          /* road layer feature, -1 none */
  int island;
  int outpos;         /* index among its from-node's outgoing links */
  ct__ring q[CT__NC];
  ct__ring stage[CT__NC]; /* arrivals of this step */
  double cum_in, cum_out, out_last; /* vehicles */
  double cum_out_mark;              /* at the previous write */
} ct__link;

typedef struct ct__signal {
  double cycle, offset;
  int nphase;
  double start[CT__MAXPHASE], green[CT__MAXPHASE];
} ct__signal;

typedef struct ct__ban {
  int from, to;          /* links */
  unsigned char groups;  /* bit g: route group g (ct__group) */
  unsigned char active;
} ct__ban;

typedef struct ct__trip {
  double t;
  int o, d, cls;
  int64_t amt;
} ct__trip;

typedef struct ct__flow {
  double t0, t1;
  int o, d;
  double veh;
  int cls;          /* a vehicle class, or -1: the fleet's shares */
  double wtot;      /* profile integral over [t0, t1) */
  int64_t done[CT__NC]; /* units generated so far per class */
} ct__flow;

struct ct_traffic {
  ct_traffic_params p;
  double t;
  long long nstep;

  /* nodes */
  int nnodes, capnodes;
  double *nx_, *ny_;
  int *in0, *inl;   /* CSR of incoming links */
  int *out0, *outl; /* CSR of outgoing links */
  double *exit_cap; /* veh/s, <0 unlimited */
  int *sig;         /* signal index or -1 */
  int *dest_of;     /* destination index or -1 */
  ct__ring *oq;     /* origin queues nnodes*CT__NC */
  int *node_island;
  int main_island;

  /* links */
  int nlinks, caplinks;
  ct__link *l;
  double *geo; int ngeo, capgeo;

  /* signals */
  int nsig, capsig;
  ct__signal *sigs;
  double *green;    /* green share of the current step per signal, phase */
  int green_cap;

  /* cells (structure of arrays) */
  int ncells;
  int64_t *n;         /* units per cell and class, [cell * CT__NC + c] */
  float *depth;       /* water depth [m] */
  float *r;           /* speed factor from water (1 dry) */
  int *cell_link;
  double *em_nox, *em_pm; /* grams since the last rasterise, per cell */
  double em_time;

  /* per-link step exchange between node and link phases */
  int64_t *lin[CT__NC], *lout[CT__NC];

  /* destinations and routing */
  int ndest, capdest;
  int *dest_node;
  /* next link per [row*ndest + dest], group 0 motorbike; rows: nodes (the
   * first link of a trip starting there, or on from a link ending there),
   * then, while a ban is in force (link_rows), links (the link after it) */
  int *nh[2];
  size_t nh_cap;
  int link_rows;
  double *cost;     /* per link [s] (cars) */
  int *lmeta;       /* per link: outpos | closed << 16 | closed_moto << 17 */
  int *rv_from;     /* per incoming slot (inl order): upstream node */
  double *rv_cost;  /* per group and incoming slot: cost, INF if closed */
  double *lcost;    /* per group and link: cost, INF if closed */
  /* banned turns; those in force as lists per incoming link (routes.c):
   * [ban0[l], ban0[l+1]) of out-link banl and group bits bang */
  ct__ban *bans;
  int nbans, capbans;
  int *ban0, *banl, *banfill;
  unsigned char *bang;
  unsigned char *bannode; /* per node: group bits of the bans held there */
  unsigned bans_in_force; /* bit g: a ban holds for route group g */
  double next_route;
  int route_dirty;

  /* demand */
  double fleet[CT__NC];
  int nprof; double *prof_t, *prof_w;
  int ntrips, captrips, trip_next, trips_dirty; ct__trip *trips;
  int nflows, capflows; ct__flow *flows;

  /* totals: exact in units, per node for thread-independent sums */
  int64_t entered_u, completed_u, stranded_u;
  double trip_time_sum, vkt, vht, delay_s;
  double nox_g[CT__NC], pm_g[CT__NC];
  double *node_acc; /* per node: completed_u, stranded_u, ttsum (scratch) */
  double *link_acc; /* per link: vkt, vht, delay, nox[4], pm[4] */

  /* node model scratch per thread */
  int maxdeg_in, maxdeg_out, nthreads, parallel;
  double *scratch; size_t scratch_per;

  /* grid mapping: per cell, entries [map0[c], map0[c+1]) of (gidx, len) */
  int gnx, gny;
  int *map0, *map_g;
  float *map_len;
  double *map_sum; /* rasterise's sums, 3 per grid cell (kept: no faults) */

  int finalized;
  volatile int oom;
};

/* network.c */
int ct__ring_push(ct__ring *r, int64_t amt, int32_t dest, float tdep);
void ct__ring_free(ct__ring *r);
double ct__link_capacity_per_s(const ct__link *L); /* PCU/s, all lanes */
void ct__link_fd(ct__link *L, const ct_traffic_params *p, double vf_kmh,
                 double lanes);
int ct__dest_index(ct_traffic *t, int node, ct_error *err);
void ct__islands(ct_traffic *t);

/* route.c */
/* Route tables with rows per link (link_rows 1), or per junction only
 * (0), or as the bans in force need (-1). */
int ct__routes_alloc(ct_traffic *t, int link_rows, ct_error *err);
void ct__routes_compute(ct_traffic *t);
double ct__link_travel_time(const ct_traffic *t, int link);

/* signal.c */
double ct__green_fraction(const ct__signal *s, int phase, double t, double dt);
void ct__default_signals(ct_traffic *t);
/* The turn from link a onto link b at their junction, by the angle between
 * a's end and b's start: 0 straight on (within 45 degrees), 1 right, -1
 * left, 2 back (beyond 135). */
int ct__turn_kind(const ct_traffic *t, int a, int b);
/* A two-phase plan (phases by approach axis) at node v. */
int ct__signal_plan(ct_traffic *t, int v, double cycle, double offset,
                    const double green[2], ct_error *err);

/* turns.c: turn bans with the times they hold, from the scenario (ban.NAME,
 * times from the start) or OpenStreetMap (restriction:conditional, times of
 * day); no window: always. */
typedef struct ct__tban {
  int *bans, n;            /* the engine's ban indices */
  int nwin, daily, invert; /* invert: in force outside the windows */
  unsigned days;           /* daily: on these weekdays (bit 0 Monday) */
  double w0[4], w1[4];     /* [s]; a daily window may wrap past midnight */
} ct__tban;

/* Whether bans b hold at t [s from the start]; local0: the start as local
 * time in seconds since 1970 (for daily windows). */
int ct__tban_in_force(const ct__tban *b, double local0, double t);

typedef struct ct__turn_report {
  int relations, applied, turns;   /* read; entries applied; turns banned */
  int via_way, other_class, bad_time, bad_kind, off_network; /* skipped */
  int unclear; /* several from/to ways, or turns geometry cannot tell */
} ct__turn_report;

/* Bans from the turn restrictions of the OSM file path (the network built
 * from its roads; wkt: the network's CRS). *out: one group per restriction
 * entry applied (malloc'd, with their bans). */
int ct__osm_turn_bans(ct_traffic *t, const char *path, const char *wkt,
                      ct__tban **out, int *nout, ct__turn_report *rep,
                      ct_error *err);

/* node.c */
void ct__node_update(ct_traffic *t, int node, double *scratch);
size_t ct__node_scratch_size(const ct_traffic *t);

/* demand.c */
void ct__demand_release(ct_traffic *t, double t0, double t1);
int ct__add_flow(ct_traffic *t, int origin, int dest, double t0, double t1,
                 double vehicles, int cls, ct_error *err);

/* flood.c */
double ct__pregnolato_kmh(double depth_m);

/* emission.c */
extern const double ct__ef_nox[CT__NC], ct__ef_pm25[CT__NC];

/* restart.c: saves or restores the engine's evolving state (model.c adds
 * the model's own). */
int ct__traffic_state(ct_traffic *t, ct_state *st, ct_error *err);

/* roads.c */
int ct__road_class(const char *name);

/* Nearest integer of x >= 0 (llround is a libm call in the hot loop). */
static inline int64_t ct__round(double x) { return (int64_t)(x + 0.5); }

/* The share f in (0, 1] of n units that moves: rounded, and a remainder
 * below 64 units (6e-5 veh) that would round to nothing moves whole, so no
 * dust sticks in slow cells. */
static inline int64_t ct__share(double f, int64_t n) {
  if (f >= 1.0) return n;
  if (!(f > 0)) return 0;
  int64_t y = ct__round(f * (double)n);
  return y == 0 && n < 64 ? n : y;
}

static inline int ct__group(int cls) { return cls == CT_VEH_MOTORBIKE ? 0 : 1; }
static inline int ct__closed_for(const ct__link *L, int cls) {
  return L->closed_user || L->closed_flood ||
         (cls == CT_VEH_MOTORBIKE && L->closed_moto);
}

#endif
