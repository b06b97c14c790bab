/* demo.h - the built-in demo city: a synthetic HCMC-like city (river, tide,
 * low districts, roads, land use, drains, stacks) written as real GIS files
 * through GDAL, with its scenarios. */
#ifndef CITYTWIN_DEMO_H
#define CITYTWIN_DEMO_H

#include "citytwin/error.h"

/* Writes the demo city's files into dir (created if needed):
 * dir/data/{dem.tif, landuse.tif, drains.tif, roads.gpkg, stacks.gpkg, ...}
 * and dir/demo.ini (+ other example scenarios). */
int ct_demo_make(const char *dir, ct_error *err);

#endif
