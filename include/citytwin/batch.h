/* batch.h - what-if batches: a base scenario plus named variants, each
 * overriding keys and adding interventions; KPIs compared in a table and
 * difference maps. The engine prepares and compares; `citytwin batch` runs
 * the variants as processes, N at a time. */
#ifndef CITYTWIN_BATCH_H
#define CITYTWIN_BATCH_H

#include "citytwin/error.h"
#include "citytwin/scenario.h"

typedef struct ct_variant {
  char *name;         /* "base" for the base scenario itself */
  char *description;
  int line;           /* of its [variant NAME] header; 0 for the base */
  const ct_section *sec;  /* its overrides and interventions, or NULL */
} ct_variant;

typedef struct ct_batch {
  char *path, *dir;
  char *base;         /* the base scenario, resolved */
  char *out_dir;      /* runs and report, resolved */
  int nmaps;
  char **maps;        /* fields of the difference maps */
  int maps_line;      /* of [batch] maps; 0: the default fields */
  int nvar;
  ct_variant *var;    /* var[0] is the base */
  int nsec;
  ct_section *sec;
} ct_batch;

/* Reads and checks a batch file: every override names a key the engine
 * knows (file:line with "did you mean" otherwise). */
int ct_batch_load(ct_batch *b, const char *path, ct_error *err);
void ct_batch_free(ct_batch *b);

/* Folder of variant k and its run file. */
void ct_batch_run_path(const ct_batch *b, int k, char *out, size_t n);
void ct_batch_dir(const ct_batch *b, int k, char *out, size_t n);

/* Makes variant k runnable: writes its edited layers and series into its
 * folder, checks the result as `citytwin check` does (errors name the line
 * of the batch or base file behind them) and returns the scenario text to
 * run (malloc'd), whose relative paths are anchored at the base scenario. */
int ct_batch_prepare(const ct_batch *b, int k, char **text, ct_error *err);

/* What defines variant k's run (malloc'd, NULL when out of memory): its
 * text, the keys the batch file sets for it and the SHA-256 of every file
 * these name, so that a changed value or an edited CSV makes it run again. */
char *ct_batch_stamp(const ct_batch *b, int k, const char *text);

/* 1 when variant k's run is complete and was made from this very stamp. */
int ct_batch_done(const ct_batch *b, int k, const char *stamp);
/* 1 when variant k's run file was stopped or killed part-way and was
 * started from this very text and stamp: `run --resume` can go on. */
int ct_batch_resumable(const ct_batch *b, int k, const char *text,
                       const char *stamp);
/* Records the stamp of variant k's run before it starts, and after success. */
int ct_batch_mark_started(const ct_batch *b, int k, const char *stamp,
                          ct_error *err);
int ct_batch_mark_done(const ct_batch *b, int k, const char *stamp,
                       ct_error *err);

/* [batch] maps names fields the base run has (an error listing them
 * otherwise); call once the base run is complete. */
int ct_batch_check_maps(const ct_batch *b, ct_error *err);

/* Writes kpis.csv, report.md and maps/ (variant - base GeoTIFFs) into the
 * batch folder from the runs there. failed[k] marks variants that failed. */
int ct_batch_report(const ct_batch *b, const int *failed, ct_error *err);

#endif
