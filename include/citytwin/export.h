/* export.h - forecast layers for the city's Intelligent Operations Centre
 * (IOC) from a finished run file: Cloud Optimized GeoTIFFs per field per
 * time step and of each field's run maximum, GeoJSON (RFC 7946, WGS 84) of
 * flooded road segments, closed roads and areas above the air-quality
 * threshold, and a manifest listing every layer.
 *
 * Command line (engine/cli: ct_export_args_parse, then ct_export_run; the
 * text is ct_export_usage):
 *
 *   citytwin export RUN.nc --to DIR [options]
 *     --to DIR              output folder; created; must be empty unless
 *                           --overwrite
 *     --fields A,B,...      fields to write as COGs (default: every
 *                           time-varying one and the static run results)
 *     --no-steps            only the run maxima, not every time step
 *     --with-layers         also the static input layers (layer.dem ...),
 *                           with or without --fields
 *     --flood-depth M       flooded-road depth threshold [m] (0.1)
 *     --closure-depth M     road-closure depth threshold [m] (0.3)
 *     --air-field NAME      field for the exceedance areas (air.pm25 if
 *                           the run has it; a name given must exist)
 *     --air-threshold V     exceedance threshold [field units] (15 ug m-3)
 *     --roads NAME          line layer of the run holding the roads (roads
 *                           if the run has it; a name given must exist)
 *     --block-size N        COG tile size, a multiple of 16 (512)
 *     --overwrite           allow a non-empty DIR (same-named files are
 *                           replaced; other files are left and NOT listed;
 *                           an old manifest.json is removed first, so a
 *                           failed export never leaves one listing files
 *                           that are gone)
 *
 * Output layout (names are stable, times in the run's local time):
 *   DIR/manifest.json
 *   DIR/<field>/<field>_<YYYYMMDDTHHMMSS+HHMM>.tif   one per time step
 *   DIR/<field>/<field>_max.tif                      run maximum
 *   DIR/<field>/<field>.tif                          static field: run
 *                                                    result (flood.max_depth)
 *                                                    or input layer
 *   DIR/roads_flooded.geojson      segments with depth_max_m >= flood depth
 *                                  (run maximum)
 *   DIR/roads_flooded/roads_flooded_<time>.geojson   the same per time step
 *   DIR/roads_closed.geojson       segments with depth >= closure depth
 *   DIR/air_exceedance.geojson     polygons where the air field's run
 *                                  maximum exceeds the threshold
 * When the start time of the run is unknown, time names are "t<seconds>s"
 * and manifest times ISO 8601 durations from the start ("PT3600S").
 *
 * COGs: float32, nodata -9999, DEFLATE with the floating-point predictor,
 * tiles of blocksize, AVERAGE overviews, the grid's CRS; band unit and
 * description set. GeoJSON: RFC 7946 (WGS 84 lon/lat, 7 decimals, bbox).
 *   roads_*: LineString per run of consecutive flooded cells along a road
 *     line; properties road (index of the feature in the run's road layer),
 *     id and name (the source's, when traffic ran on that layer; else
 *     null), depth_max_m, depth_mean_m (length-weighted), length_m, closed
 *     (depth_max_m >= closure depth). Bridges (the traffic model's, from
 *     the layer's bridge column or OSM tag) are left out.
 *   air_exceedance: Polygon per 4-connected region above the threshold;
 *     properties region, area_m2, max and mean (area-weighted) of the run
 *     maximum, threshold.
 *
 * manifest.json: {"format": "citytwin-ioc-export", "version": 1,
 *   "run": {path, sha256, scenario, status ("complete", or "running" /
 *   "interrupted": a run killed or stopped part-way, whose maxima cover
 *   only the steps it wrote), complete (bool), start}, "grid": {crs, crs_wkt,
 *   nx, ny, cell_size, bbox, bbox_wgs84}, "thresholds": {...},
 *   "layers": [{file (relative, '/'), kind ("cog"|"geojson"), field,
 *   time (ISO 8601 with offset; "max": maximum over the time steps; "run":
 *   a static run result such as flood.max_depth; "static": an input layer),
 *   t_s (s from start or null), units, description, crs ("EPSG:nnnn" or
 *   WKT; GeoJSON "EPSG:4326"), bbox (in crs; null when empty), bbox_wgs84,
 *   nodata (cog) or features and threshold (geojson), sha256}]}
 *
 * The manifest is written last (to a temporary name, then renamed), so a
 * folder without manifest.json is an unfinished export; on failure the files
 * this call wrote are removed again. */
#ifndef CITYTWIN_EXPORT_H
#define CITYTWIN_EXPORT_H

#include "citytwin/error.h"

typedef struct ct_export_opts {
  /* Fields to export by name, time-varying or static (NULL: every
   * time-varying one plus the static run results, see statics/layers). */
  const char *const *fields;
  int nfields;
  int steps;            /* write every time step (1) */
  int maxima;           /* write the run maximum of each field (1) */
  int statics;          /* write static run-end fields, not layer.* (1) */
  int layers;           /* also write the static input layers layer.* (0) */
  double flood_depth;   /* flooded road threshold [m] (0.1, the KPIs'
                           flooded-area depth) */
  double closure_depth; /* closed road threshold [m] (0.3, the traffic
                           model's closure depth after Pregnolato et al.
                           2017, so exported closures match its own) */
  const char *depth_field;     /* water depth per time (flood.depth) */
  const char *max_depth_field; /* static run maximum (flood.max_depth); when
                                  absent, the maximum over the time steps of
                                  depth_field */
  const char *air_field;   /* NULL: air.pm25, when the run has it; a name
                              given must be there, else a typo would read
                              as "no exceedance" */
  double air_threshold;    /* in the air field's units (15 ug m-3: the WHO
                              2021 24-hour PM2.5 guideline level) */
  const char *roads;       /* line layer name in the run file; NULL: roads,
                              when the run has it (a name given must be
                              there) */
  int blocksize;           /* COG tile size, multiple of 16 (512) */
  int overwrite;           /* allow a non-empty output folder (0) */
  /* Called after each file; a non-zero return stops the export with
   * CT_EINTR. frac in [0, 1]; what names the file just written. */
  int (*progress)(void *ud, double frac, const char *what);
  void *ud;
} ct_export_opts;

/* The defaults above. */
void ct_export_opts_default(ct_export_opts *o);

typedef struct ct_export_result {
  int ncog;                  /* GeoTIFFs written */
  int ngeojson;              /* GeoJSON files written */
  int nflooded, nclosed;     /* road segments in the two GeoJSON files */
  int nair;                  /* exceedance polygons */
  double flooded_length_m;   /* total length of the flooded segments */
  double closed_length_m;
  double air_area_m2;        /* area above the air threshold */
  char manifest[4096];       /* path of the manifest written */
  /* "" or what the caller should tell the user, e.g. that the run is not
   * complete, so its maxima cover only part of it. */
  char warning[512];
} ct_export_result;

/* --- the command line, for engine/cli --- */

/* The usage text above, for `citytwin export --help`. */
extern const char ct_export_usage[];

typedef struct ct_export_args {
  ct_export_opts o;      /* defaults, then the options given */
  const char *run;       /* RUN.nc (points into argv) */
  const char *dir;       /* --to DIR */
  int help;              /* --help or -h given: print ct_export_usage */
  char *fields_text;     /* owned: copy of the --fields list */
  const char **fields;   /* owned: o.fields points here */
} ct_export_args;

/* Parses argv[1..argc-1] (argv[0] is "export"). CT_EINVAL naming the bad
 * option or value; a missing RUN.nc or --to is an error unless --help.
 * Free with ct_export_args_free (also after an error). */
int ct_export_args_parse(ct_export_args *a, int argc, char **argv,
                         ct_error *err);
void ct_export_args_free(ct_export_args *a);

/* Exports run_nc (a citytwin run file) into dir. o NULL: defaults; res may
 * be NULL. Fields or layers that the run does not hold are skipped (the
 * GeoJSON for roads needs the roads lines and a depth field; the air areas
 * need the air field); a field named in o->fields that is not in the run is
 * an error. */
int ct_export_run(const char *run_nc, const char *dir,
                  const ct_export_opts *o, ct_export_result *res,
                  ct_error *err);

#endif
