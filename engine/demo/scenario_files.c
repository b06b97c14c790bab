/* scenario_files.c - the demo's scenario files: demo.ini (a heavy storm of
 * about 100 mm in 2 h at a spring high tide, 6 h, all three models) and
 * demo_short.ini (the same city and weather, 30 min, for tests). Keys follow
 * INTERFACE.md. Comments sit on lines of their own. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "demo/demo_internal.h"

static int write_ini(const ct__city *c, const char *dir, const char *file,
                     const char *title, const char *start,
                     const char *duration, const char *series,
                     const char *out, ct_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "w");
  if (!f)
    return ct_error_set(err, CT_EIO, "demo: cannot create '%s': %s", path,
                        strerror(errno));
  /* The river's own inflow enters on a line across the channel just inside
     the north edge. */
  const ct__line *rv = &c->river;
  double yin = c->h - 30;
  int k = 0;
  while (k + 1 < rv->n && rv->y[k + 1] > yin) k++;
  double t = (yin - rv->y[k]) / (rv->y[k + 1] - rv->y[k]);
  double xin = rv->x[k] + t * (rv->x[k + 1] - rv->x[k]);
  double half = 0.4 * ct__river_width(rv, rv->s[k]);
  fprintf(f,
          "# %s - the citytwin demo city (made by `citytwin demo`).\n"
          "# A synthetic Ho Chi Minh City-like city: a tidal river with a\n"
          "# double bend, low districts behind its banks, a low peninsula,\n"
          "# a terrace in the north-east, roads, drains and stacks.\n"
          "# Weather: about 100 mm of rain in 2 h from 15:00 at a spring\n"
          "# high tide (1.7 m at 16:00): the low districts by the river flood.\n"
          "\n"
          "[scenario]\n"
          "name     = %s\n"
          "start    = %s\n"
          "duration = %s\n"
          "\n"
          "[domain]\n"
          "crs    = EPSG:%d\n"
          "bounds = %.0f %.0f %.0f %.0f\n"
          "cell   = %.0f\n"
          "\n"
          "[layers]\n"
          "dem      = data/dem.tif\n"
          "landuse  = data/landuse.tif\n"
          "drains   = data/drains.tif\n"
          "roads    = data/roads.gpkg\n"
          "stacks   = data/stacks.gpkg\n"
          "stations = data/stations.gpkg\n"
          "\n"
          "# Land-use classes: take the most common class, never a blend.\n"
          "[layer landuse]\n"
          "resample = mode\n"
          "\n"
          "[output]\n"
          "file     = %s\n"
          "interval = 10min\n"
          "gauges   = data/gauges.csv\n"
          "\n"
          "# Manning's n and infiltration by land use; the tide enters by\n"
          "# the river mouth on the south edge (a dike holds the rest of\n"
          "# that edge); the river's own flow comes in at the north edge.\n"
          "[flood]\n"
          "dem            = dem\n"
          "landuse        = landuse\n"
          "rain           = data/rain%s.csv\n"
          "drains         = drains\n"
          "infiltration   = green-ampt\n"
          "boundary.south = level data/tide%s.csv\n"
          "boundary.west  = free\n"
          "boundary.north = closed\n"
          "boundary.east  = closed\n"
          "inflow.river   = %.0f %.0f %.0f %.0f data/river.csv\n"
          "# The river and canal start at the tide's level at the start;\n"
          "# the land behind their banks starts dry.\n"
          "initial_level  = tide\n"
          "\n"
          "# Trips generated from the land use around each junction.\n"
          "[traffic]\n"
          "roads   = roads\n"
          "demand  = landuse\n"
          "reroute = 5min\n"
          "dt      = 5s\n"
          "\n"
          "# Wind, stability (Pasquill A-F) and mixing height from\n"
          "# met.csv; industrial stacks; concentrations at the stations.\n"
          "# Air runs on 100 m cells (5 x 5 of the city's): the\n"
          "# near-source kernel keeps plumes sharp below that.\n"
          "[air]\n"
          "species   = pm25 nox\n"
          "coarsen   = 5\n"
          "wind      = data/met%s.csv\n"
          "stacks    = stacks\n"
          "receptors = stations\n",
          file, title, start, duration, CT__DEMO_EPSG, CT__DEMO_XMIN,
          CT__DEMO_YMIN, CT__DEMO_XMIN + c->w, CT__DEMO_YMIN + c->h, c->dx, out,
          series, series, CT__DEMO_XMIN + xin - half, CT__DEMO_YMIN + yin,
          CT__DEMO_XMIN + xin + half, CT__DEMO_YMIN + yin, series);
  int bad = ferror(f);
  if (fclose(f) != 0 || bad)
    return ct_error_set(err, CT_EIO, "demo: cannot write '%s': %s", path,
                        strerror(errno));
  return 0;
}

int ct__write_scenarios(const ct__city *c, const char *dir, ct_error *err) {
  int rc = write_ini(c, dir, "demo.ini", "Demo city: heavy storm at spring tide",
                     "2026-09-15T14:00:00+07:00", "6h", "", "out/demo.nc", err);
  if (rc) return rc;
  /* The short run starts at 15:30 and holds the storm's peak (15:48); its
     series (*_short.csv) count seconds from 15:30. */
  return write_ini(c, dir, "demo_short.ini",
                   "Demo city: 30 min around the storm's peak",
                   "2026-09-15T15:30:00+07:00", "30min", "_short",
                   "out/demo_short.nc", err);
}
