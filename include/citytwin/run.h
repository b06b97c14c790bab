/* run.h - a whole run: scenario -> grid -> layers -> models -> snapshots,
 * gauges and summary. Used by `citytwin run`, `check` and `batch`. */
#ifndef CITYTWIN_RUN_H
#define CITYTWIN_RUN_H

#include <signal.h>
#include "citytwin/error.h"

typedef struct ct_run_opts {
  const char *output;          /* overrides [output] file, or NULL */
  const char *scenario_text;   /* run this text instead of reading the file;
                                  the path then names it and anchors its
                                  relative paths (batch variants) */
  const char *resume;          /* a run file to go on from (its last whole
                                  checkpoint); it names the scenario and the
                                  output, so scenario_path may be NULL. ""
                                  means the output of scenario_path (or of
                                  output when set) */
  int threads;                 /* 0: OpenMP's default */
  int check_only;              /* load and initialise everything, run nothing */
  volatile sig_atomic_t *stop; /* set asynchronously to stop cleanly */
  /* Progress after each coupling interval: simulated t of duration. */
  void (*progress)(void *ud, double t, double duration);
  void (*warn)(void *ud, const char *msg);
  void *ud;
} ct_run_opts;

typedef struct ct_run_result {
  char output[4096];     /* the run file written */
  char summary[4096];    /* its summary JSON */
  char gauges[4096];     /* its gauge CSV, or "" */
  int nsnapshots;
  int resumed;           /* went on from a checkpoint ... */
  double resumed_at;     /* ... at this simulated time [s] */
  double wall_s;
  double load_s;         /* reading and warping the layers */
  double write_s;        /* writing snapshots */
} ct_run_result;

int ct_run(const char *scenario_path, const ct_run_opts *o, ct_run_result *res,
           ct_error *err);

/* The engine's version string. */
const char *ct_version(void);

#endif
