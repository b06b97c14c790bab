/* od.h - demand inputs read from scenario files (internal to the traffic
 * model): zones, OD tables, land-use generated trips. */
#ifndef CT_TRAFFIC_OD_H
#define CT_TRAFFIC_OD_H

#include "citytwin/traffic.h"

typedef struct ct__zones {
  int n;
  char **id;
  int *node;
} ct__zones;

int ct__zones_load(ct_traffic *t, const ct_vector *v, const char *idcol,
                   ct__zones *z, ct_error *err);
void ct__zones_free(ct__zones *z);
/* OD CSV: origin,destination,trips[,start,end]; errors name file:line. */
int ct__od_read(ct_traffic *t, const char *path, const ct__zones *z,
                double scale, double start_unix, double duration,
                double *trips_out, ct_error *err);
int ct__landuse_demand(ct_traffic *t, const float *lu, const ct_grid *g,
                       double trips_per_ha, double zone_size, double t0,
                       double t1, double *trips_out, ct_error *err);

#endif
