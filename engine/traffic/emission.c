/* emission.c - exhaust emission factors per vehicle class [g km-1] (HBEFA 4
 * as shipped with SUMO; REFERENCES §2). Line emission of a cell:
 * q [g s-1] = vehicle-km driven in the step x EF / dt, i.e.
 * q_l [g m-1 s-1] = flow [veh h-1] x EF [g km-1] / 3.6e6. The CTM charges
 * each vehicle the length of every cell it leaves (ctm.c). */
#include "traffic/traffic_internal.h"

/* motorbike Euro-2, petrol car Euro-4 (HCMC cars are mostly petrol), bus
 * Euro-III; trucks as the Euro-III heavy diesel (same engine class as the
 * bus, for want of a local measurement). */
const double ct__ef_nox[CT__NC] = {0.141, 0.074, 8.5, 8.5};
const double ct__ef_pm25[CT__NC] = {0.016, 0.005, 0.34, 0.34};
