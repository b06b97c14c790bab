/* flood_test_util.h - small helpers shared by the flood tests: a grid without
 * a CRS for the low-level simulation API. */
#ifndef FLOOD_TEST_UTIL_H
#define FLOOD_TEST_UTIL_H

#include "citytwin/flood.h"

/* nx x ny cells of dx metres, south-west corner at (0, 0). */
static inline ct_grid ft_grid(int nx, int ny, double dx) {
  ct_grid g;
  g.nx = nx;
  g.ny = ny;
  g.dx = dx;
  g.gt[0] = 0.0;
  g.gt[1] = dx;
  g.gt[2] = 0.0;
  g.gt[3] = ny * dx;
  g.gt[4] = 0.0;
  g.gt[5] = -dx;
  g.crs_wkt = NULL;
  return g;
}

#endif
