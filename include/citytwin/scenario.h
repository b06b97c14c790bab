/* scenario.h - a scenario file parsed once and immutable during the run.
 * The core sections ([scenario], [domain], [layers], [layer NAME], [output])
 * are parsed into typed values; model sections ([flood], [traffic], [air])
 * are kept as key/value entries with their line numbers, and each model reads
 * its own through the accessors below, so every error can name file:line. */
#ifndef CITYTWIN_SCENARIO_H
#define CITYTWIN_SCENARIO_H

#include "citytwin/error.h"

typedef struct ct_entry {
  char *key, *value;
  int line;
} ct_entry;

typedef struct ct_section {
  char *name;  /* "flood", "layer dem" */
  int line;
  int n;
  ct_entry *e;
} ct_section;

typedef enum {
  CT_RESAMPLE_DEFAULT = 0, /* bilinear for continuous data, nearest for byte/int */
  CT_RESAMPLE_NEAREST,
  CT_RESAMPLE_BILINEAR,
  CT_RESAMPLE_CUBIC,
  CT_RESAMPLE_MODE,
  CT_RESAMPLE_AVERAGE
} ct_resample;

typedef struct ct_layer_spec {
  char *name;
  char *path;        /* resolved against the scenario file's folder */
  char *source;      /* OGR layer name inside the file ("lines" in .osm.pbf), or NULL */
  ct_resample resample;
  int band;          /* 1-based */
  int has_nodata;
  double nodata;
  char *crs;         /* override of the file's CRS, or NULL */
  char *units;       /* units of a raster's values, or NULL */
  int line;
} ct_layer_spec;

typedef struct ct_scenario {
  char *path;         /* as given */
  char *dir;          /* its folder, for relative paths */
  char *text;         /* the file verbatim */
  int nsec;
  ct_section *sec;

  /* [scenario] */
  char *name;
  double start_unix;  /* start, Unix time */
  int utc_offset_s;   /* offset of the start time, for local clocks */
  double duration;    /* [s] */

  /* [domain]: either crs+bounds+cell, or grid = a raster layer's grid */
  char *crs;
  double bounds[4];   /* xmin ymin xmax ymax */
  double cell;        /* [m] */
  char *grid_layer;

  /* [layers] */
  int nlayers;
  ct_layer_spec *layers;

  /* [output] */
  char *out_file;       /* resolved */
  double out_interval;  /* [s] */
  int nout_fields;
  char **out_fields;    /* empty: every field the models publish */
  char *gauges;         /* resolved path or NULL */
  double gauge_interval;
  int checkpoint;       /* model state after each snapshot (for --resume) */
  double coupling;      /* [run] coupling interval [s] */
} ct_scenario;

/* Parses and checks a scenario. known_sections lists the model sections the
 * build knows (NULL-terminated); others are errors with a suggestion. */
int ct_scenario_load(ct_scenario *sc, const char *path,
                     const char *const *known_sections, ct_error *err);
/* Same from a string; path names it in messages and anchors relative paths. */
int ct_scenario_parse(ct_scenario *sc, const char *text, const char *path,
                      const char *const *known_sections, ct_error *err);
void ct_scenario_free(ct_scenario *sc);

const ct_section *ct_scenario_section(const ct_scenario *sc, const char *name);
const ct_entry *ct_scenario_entry(const ct_scenario *sc, const char *section,
                                  const char *key);
const ct_layer_spec *ct_scenario_layer(const ct_scenario *sc, const char *name);

/* Every key of the section must match one of known (NULL-terminated; "x.*"
 * matches x.anything). An unknown key is an error naming file:line with a
 * "did you mean" suggestion. */
int ct_scenario_check_keys(const ct_scenario *sc, const char *section,
                           const char *const *known, ct_error *err);
/* Every key of the section has a value: an empty one would otherwise reach
 * a file or layer lookup as "" and fail far from its line. */
int ct_scenario_check_values(const ct_scenario *sc, const char *section,
                             ct_error *err);

/* Typed accessors: a missing key gives the default and returns 0; a bad value
 * is an error "file:line: [section] key: expected ..., got '...'". */
int ct_scenario_double(const ct_scenario *sc, const char *section,
                       const char *key, double def, double *out, ct_error *err);
int ct_scenario_duration(const ct_scenario *sc, const char *section,
                         const char *key, double def, double *out,
                         ct_error *err);
int ct_scenario_int(const ct_scenario *sc, const char *section, const char *key,
                    int def, int *out, ct_error *err);
/* One of choices (NULL-terminated) -> its index. */
int ct_scenario_choice(const ct_scenario *sc, const char *section,
                       const char *key, const char *const *choices, int def,
                       int *out, ct_error *err);
/* Raw string or def (not copied). */
const char *ct_scenario_string(const ct_scenario *sc, const char *section,
                               const char *key, const char *def);
/* A path relative to the scenario's folder -> malloc'd resolved path. */
char *ct_scenario_resolve(const ct_scenario *sc, const char *rel);
/* A list of files in an entry's value (whitespace between; relative to the
 * scenario's folder; a name with * ? [ expands to its matches, sorted) ->
 * malloc'd paths, freed with ct_scenario_files_free. A pattern matching
 * nothing or an empty list is an error about e. */
int ct_scenario_files(const ct_scenario *sc, const ct_entry *e,
                      const char *list, char ***out, int *n, ct_error *err);
void ct_scenario_files_free(char **files, int n);
/* Error about an entry: "file:line: [section] key: <message>". */
int ct_scenario_error(const ct_scenario *sc, const ct_entry *e, int code,
                      ct_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
