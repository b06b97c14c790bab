/* traffic.h - the traffic model: a cell transmission model (Daganzo 1994,
 * 1995) on a road network built from GIS lines, with a generic node model
 * (Tampere et al. 2011), fixed-time signals, vehicle classes in PCU,
 * origin-destination demand, time-dependent shortest-path routing, flood
 * closures (Pregnolato et al. 2017) and emissions.
 *
 * The scenario model is `ct_traffic_model` (section [traffic]); the lower
 * level API below runs the same engine without a scenario (tests, benchmark).
 * Life cycle: ct_traffic_new -> add nodes/links (or build from lines) ->
 * ct_traffic_finalize -> signals, demand, closures -> ct_traffic_step ... ->
 * ct_traffic_free. Units: SI (m, s) unless a name says otherwise. */
#ifndef CITYTWIN_TRAFFIC_H
#define CITYTWIN_TRAFFIC_H

#include "citytwin/error.h"
#include "citytwin/grid.h"
#include "citytwin/layers.h"
#include "citytwin/model.h"

extern const ct_model_class ct_traffic_model;

enum {
  CT_VEH_MOTORBIKE = 0,
  CT_VEH_CAR = 1,
  CT_VEH_BUS = 2,
  CT_VEH_TRUCK = 3,
  CT_VEH_NCLASS = 4
};
enum { CT_SIGNALS_NONE = 0, CT_SIGNALS_MAJOR = 1, CT_SIGNALS_ALL = 2 };

typedef struct ct_traffic_params {
  double dt;             /* time step [s] (default 2) */
  double snap;           /* endpoint snapping tolerance [m] (1) */
  double reroute;        /* route refresh interval [s] (300) */
  double lane_capacity;  /* [PCU h-1 lane-1] (1800) */
  double jam_density;    /* [car-equivalent storage km-1 lane-1] (150) */
  double pcu[CT_VEH_NCLASS];     /* capacity factor (0.29, 1, 2, 2) */
  double storage[CT_VEH_NCLASS]; /* jam storage factor (0.18, 1, 2.2, 1.8) */
  double closure_depth;          /* [m] (0.30) */
  double closure_depth_moto;     /* [m] (0.25) */
  int signals;                   /* CT_SIGNALS_* for the default plans */
  double signal_cycle;           /* [s] (90) */
  double signal_lost;            /* intergreen per phase [s] (4) */
  double packet;                 /* flows depart in packets of at least
                                    this many vehicles [veh] (0.25); 0:
                                    every step (smooth, but slower) */
  int threads;                   /* 0: OpenMP's, on networks of >= 40000
                                    cells only; n: n threads always */
} ct_traffic_params;

void ct_traffic_params_default(ct_traffic_params *p);

/* Attribute columns of a generic line layer; NULL members are absent.
 * Passing NULL columns to ct_traffic_build_roads reads OpenStreetMap
 * (highway, name, osm_id, other_tags). */
/* Columns of a road layer; NULL: not there. bridge: a flag (yes/1/true or
 * any OSM bridge=* value but no) for roads above the water, which floods
 * neither slow nor close. */
typedef struct ct_road_columns {
  const char *cls, *lanes, *speed, *oneway, *name, *id, *bridge;
} ct_road_columns;

typedef struct ct_traffic ct_traffic;

ct_traffic *ct_traffic_new(const ct_traffic_params *p);
void ct_traffic_free(ct_traffic *t);

/* --- building the network --- */
/* Returns the new node's index (>= 0) or a negative status. */
int ct_traffic_add_node(ct_traffic *t, double x, double y, ct_error *err);
/* A directed link; xy (npts points) its geometry from `from` to `to`, or
 * NULL for a straight line. length <= 0: the geometry's length. Returns the
 * link index or a negative status. */
int ct_traffic_add_link(ct_traffic *t, int from, int to, double length,
                        double lanes, double speed_kmh, const char *name,
                        const char *src_id, int npts, const double *xy,
                        ct_error *err);
/* Junctions from shared vertices and endpoints within params.snap; one-way
 * streets; per-class defaults for missing lanes and speeds. A layer without
 * usable lines or an unknown column is an error naming the layer. warn gets
 * the disconnected islands. */
int ct_traffic_build_roads(ct_traffic *t, const ct_vector *v,
                           const ct_road_columns *cols,
                           void (*warn)(void *ud, const char *msg), void *ud,
                           ct_error *err);
/* Cuts links into cells, places default signals, allocates the state. */
int ct_traffic_finalize(ct_traffic *t, ct_error *err);

/* --- network information --- */
int ct_traffic_nnodes(const ct_traffic *t);
int ct_traffic_nlinks(const ct_traffic *t);
typedef struct ct_link_info {
  int from, to;
  double length, lanes, speed_kmh; /* [m], [-], free speed [km h-1] */
  const char *name, *src_id;       /* "" when unknown */
  int ncells, npts;
  const double *xy;                /* geometry, npts points */
  int signal_phase;                /* -1: not signalised */
  int feature;                     /* road layer feature, -1 if none */
  int bridge;                      /* above the water: floods pass under */
} ct_link_info;
int ct_traffic_link_info(const ct_traffic *t, int link, ct_link_info *out);
void ct_traffic_node_xy(const ct_traffic *t, int node, double *x, double *y);
/* Nearest node to (x, y) in the largest island, or -1. */
int ct_traffic_nearest_node(const ct_traffic *t, double x, double y);
/* Links whose name equals name (case-insensitive) or whose source id equals
 * it; fills up to max indices, returns how many matched in all. */
int ct_traffic_find_links(const ct_traffic *t, const char *name, int *links,
                          int max);

/* --- control --- */
/* Fixed-time plan: phases back to back from offset, each followed by an
 * equal share of the cycle's remaining time (intergreen). */
int ct_traffic_set_signal(ct_traffic *t, int node, double cycle, double offset,
                          int nphase, const double *green, ct_error *err);
/* Fixed-time plan (as ct_traffic_set_signal) whose phase k serves the
 * approaches coming from the compass directions in the bit mask dirs[k]
 * (bit d: direction d, 0 = N, 1 = NE, ... 7 = NW, clockwise). Each
 * incoming link joins the phase of the named direction nearest the bearing
 * it comes from; one with none within 45 degrees is an error naming it (and
 * nothing changes). unused (may be NULL) gets a bit per phase serving no
 * approach (an all-red phase, or a direction that is not there). */
int ct_traffic_signal_by_direction(ct_traffic *t, int node, double cycle,
                                   double offset, int nphase,
                                   const double *green, const unsigned *dirs,
                                   unsigned *unused, ct_error *err);
/* "N", "NE", ... "NW" for direction 0..7. */
const char *ct_traffic_direction_name(int d);
/* Phase of the link's downstream end at its signalised node (-1: none). */
int ct_traffic_set_link_phase(ct_traffic *t, int link, int phase,
                              ct_error *err);
/* Forbids the turn from link `from` onto link `to` (which leaves the
 * junction `from` ends at) for the vehicle classes in the bit mask classes
 * (bit c: class c). Routes never take it. Motorbikes route on their own
 * tables; buses and trucks route as cars, so a ban for cars holds for them
 * too, and one for buses or trucks alone is refused (CT_EINVAL). Returns
 * the ban's index (>= 0), in force from now on, or a negative status. */
int ct_traffic_ban_turn(ct_traffic *t, int from, int to, unsigned classes,
                        ct_error *err);
/* Bans, at node, every turn from an approach coming from compass direction
 * `from` onto a link heading towards `to` (0 = N ... 7 = NW; each within
 * 45 degrees, by the link's segment at the node), for classes as above.
 * Puts the bans' indices in bans (room for max); returns how many (>= 1),
 * or a negative status naming the direction with no approach or exit. */
int ct_traffic_ban_by_direction(ct_traffic *t, int node, int from, int to,
                                unsigned classes, int *bans, int max,
                                ct_error *err);
/* Memory the route tables can take with the destinations known now [bytes]:
 * rows per junction, and per link too where bans exist, for both route
 * groups (motorbikes get their own tables while they route differently). */
double ct_traffic_route_bytes(const ct_traffic *t);
/* Puts ban k in force or lifts it (restrictions by time of day). */
void ct_traffic_ban_active(ct_traffic *t, int k, int active);
int ct_traffic_nbans(const ct_traffic *t);
/* Merge priority of a link at its downstream node (default: its capacity). */
void ct_traffic_set_priority(ct_traffic *t, int link, double priority);
/* Capacity of vehicles leaving the network at node [veh h-1] (default
 * unlimited). */
void ct_traffic_set_exit_capacity(ct_traffic *t, int node, double veh_h);
void ct_traffic_close_link(ct_traffic *t, int link, int closed);
void ct_traffic_set_lanes(ct_traffic *t, int link, double lanes);
void ct_traffic_set_speed(ct_traffic *t, int link, double speed_kmh);

/* --- demand --- */
/* Share of each vehicle class for flows (default HCMC fleet). */
void ct_traffic_set_fleet(ct_traffic *t, const double share[CT_VEH_NCLASS]);
/* Time-of-day profile: relative weights at times [s from start], linear in
 * between; flows are spread over their slice following it. */
int ct_traffic_set_profile(ct_traffic *t, int n, const double *time,
                           const double *weight, ct_error *err);
/* vehicles of class cls leaving origin for dest at time depart. */
int ct_traffic_add_trip(ct_traffic *t, int origin, int dest, double depart,
                        int cls, double vehicles, ct_error *err);
/* vehicles spread over [t0, t1) following the profile, split by the fleet. */
int ct_traffic_add_flow(ct_traffic *t, int origin, int dest, double t0,
                        double t1, double vehicles, ct_error *err);
/* Initial state: density [veh km-1, all lanes] of class cls bound for dest
 * over [x0, x1] m from the link's start. Fill downstream parts first. */
int ct_traffic_fill(ct_traffic *t, int link, double x0, double x1,
                    double density, int cls, int dest, ct_error *err);

/* --- flood coupling and the grid --- */
/* Maps cells onto grid g (for depths, output rasters and emissions). */
int ct_traffic_map_grid(ct_traffic *t, const ct_grid *g, ct_error *err);
/* Water depth [m] on the grid (NULL: dry). Updates speeds and closures. */
void ct_traffic_set_depth(ct_traffic *t, const float *depth);
/* Marks a link as a bridge (on != 0): the grid's water passes under it, so
 * it is never slowed nor closed by flood (roads from a layer get it from
 * its bridge column or OSM tag). Takes effect at the next set_depth. */
int ct_traffic_set_bridge(ct_traffic *t, int link, int on);
/* Rasterise: density [veh km-1], speed ratio [1] (NaN without roads), NOx
 * and PM2.5 [g s-1 per cell] averaged since the previous call. Any may be
 * NULL. */
void ct_traffic_rasterise(ct_traffic *t, float *density, float *speed_ratio,
                          float *nox, float *pm25);

/* --- running --- */
int ct_traffic_step(ct_traffic *t, ct_error *err);
double ct_traffic_time(const ct_traffic *t);
/* Recomputes routes now (otherwise every params.reroute). */
void ct_traffic_reroute(ct_traffic *t);
/* Current shortest travel-time route: links (up to max), its travel time;
 * returns the number of links or -1 when there is none. */
int ct_traffic_route(ct_traffic *t, int from, int to, int *links, int max,
                     double *tt);

typedef struct ct_link_state {
  double density;     /* [veh km-1] over all lanes */
  double speed;       /* space-mean speed [m s-1] */
  double flow;        /* leaving in the last step [veh h-1] */
  double queue;       /* congested length from the downstream end [m] */
  double travel_time; /* [s] */
  double vehicles;    /* on the link */
  double cum_in, cum_out; /* vehicles entered and left since the start */
  int closed;         /* 1 user closure, 2 flooded (cars), 3 flooded (motorbikes) */
} ct_link_state;
int ct_traffic_link_state(const ct_traffic *t, int link, ct_link_state *s);
/* Density of one cell [veh km-1, all lanes]; cell 0 is upstream. */
double ct_traffic_cell_density(const ct_traffic *t, int link, int cell);

/* Water on a road that counts it as flooded in the totals [m]: the
 * flooded-road depth of the IOC export (citytwin export --flood-depth). */
#define CT_TRAFFIC_FLOODED_M 0.1

typedef struct ct_traffic_totals {
  double entered, completed, stranded, in_network, waiting; /* [veh] */
  double vkt, vht, delay_h;      /* [veh km], [veh h], [veh h] */
  double trip_time_sum;          /* [veh s] over completed trips */
  double nox_g, pm25_g;          /* emitted so far [g] */
  double nox_class_g[CT_VEH_NCLASS], pm25_class_g[CT_VEH_NCLASS];
  /* road length now [km], a two-way road's length once: closed (by the
   * user or by flood), and under more than CT_TRAFFIC_FLOODED_M of water */
  double closed_km, flooded_km;
  /* exact bookkeeping in 2^-20 vehicles:
   * in_network_u + completed_u + stranded_u - entered_u == 0 always */
  long long entered_u, completed_u, stranded_u, in_network_u;
} ct_traffic_totals;
void ct_traffic_get_totals(const ct_traffic *t, ct_traffic_totals *out);

#endif
