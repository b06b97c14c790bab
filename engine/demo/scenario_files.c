/* scenario_files.c - the demo's scenario files: demo.ini (a heavy storm of
 * about 100 mm in 2 h at a spring high tide, 6 h, all three models) and
 * demo_short.ini (the same city and weather, 30 min, for tests), and
 * demo_forecast.ini (demo.ini with the forecast rasters as its rain). Keys
 * follow INTERFACE.md. Comments sit on lines of their own. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demo/demo_internal.h"

/* The text of a scenario file (malloc'd into *text). */
static int render_ini(const ct__city *c, const char *file, const char *title,
                      const char *start, const char *duration,
                      const char *series, const char *out, char **text,
                      ct_error *err) {
  size_t len = 0;
  FILE *f = open_memstream(text, &len);
  if (!f) return ct_error_set(err, CT_ENOMEM, "demo: out of memory");
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
  if (fclose(f) != 0) {
    free(*text);
    *text = NULL;
    return ct_error_set(err, CT_ENOMEM, "demo: out of memory");
  }
  return 0;
}

/* Whether dir/file holds exactly text (1), something else (0), or is not
 * there (-1). */
static int same_file(const char *dir, const char *file, const char *text) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t n = strlen(text), k = 0;
  int ch, same = 1;
  while (same && (ch = fgetc(f)) != EOF) same = k < n && text[k++] == (char)ch;
  fclose(f);
  return same && k == n;
}

static int put_file(const char *dir, const char *file, const char *text,
                    ct_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "w");
  if (!f)
    return ct_error_set(err, CT_EIO, "demo: cannot create '%s': %s", path,
                        strerror(errno));
  int bad = fputs(text, f) < 0;
  if (fclose(f) != 0 || bad)
    return ct_error_set(err, CT_EIO, "demo: cannot write '%s': %s", path,
                        strerror(errno));
  return 0;
}

int ct__write_scenarios(const ct__city *c, const char *dir, int check,
                        ct_error *err) {
  enum { N = 3 };
  static const char *const files[N] = {"demo.ini", "demo_short.ini",
                                       "demo_forecast.ini"};
  char *text[N] = {NULL, NULL, NULL};
  int rc = render_ini(c, files[0], "Demo city: heavy storm at spring tide",
                      "2026-09-15T14:00:00+07:00", "6h", "", "out/demo.nc",
                      &text[0], err);
  /* The short run starts at 15:30 and holds the storm's peak (15:48); its
     series (*_short.csv) count seconds from 15:30. */
  if (!rc)
    rc = render_ini(c, files[1], "Demo city: 30 min around the storm's peak",
                    "2026-09-15T15:30:00+07:00", "30min", "_short",
                    "out/demo_short.nc", &text[1], err);
  if (!rc) rc = ct__forecast_ini(text[0], &text[2], err);
  /* A planner edits these files: making the demo again over them must not
     wipe the edits out (the data files are the demo's own). */
  for (int k = 0; k < N && !rc && check; k++)
    if (same_file(dir, files[k], text[k]) == 0)
      rc = ct_error_set(err, CT_EINVAL,
                        "demo: %s/%s exists and is not the demo's (edited?); "
                        "it is left as it is: move it away, or make the demo "
                        "in another folder (--dir)",
                        dir, files[k]);
  for (int k = 0; k < N && !rc && !check; k++)
    rc = put_file(dir, files[k], text[k], err);
  for (int k = 0; k < N; k++) free(text[k]);
  return rc;
}
