/* model.h - the interface every physical model implements, so that a new
 * model (heat, noise) is one more folder, not an edit across the engine.
 * Lifecycle (after EPA SWMM5's open/start/step/end/close):
 *   init -> { exchange, (max_dt, step)* until the next coupling time }* ->
 *   write (before each snapshot) -> summary -> destroy.
 * After each snapshot the run saves every model's state; a resumed run calls
 * init, then state in restoring mode, and goes on from that snapshot. */
#ifndef CITYTWIN_MODEL_H
#define CITYTWIN_MODEL_H

#include "citytwin/error.h"
#include "citytwin/field.h"
#include "citytwin/grid.h"
#include "citytwin/layers.h"
#include "citytwin/scenario.h"
#include "citytwin/state.h"
#include "citytwin/util.h"

struct ct_snapshot;

/* What a model sees of the run. Valid from init to destroy. */
typedef struct ct_env {
  const ct_scenario *sc;
  const ct_grid *grid;
  ct_fields *fields;
  const ct_layers *layers;
  double start_unix;     /* scenario start, Unix time */
  int utc_offset_s;
  double duration;       /* [s] */
  double coupling;       /* coupling interval [s] */
  void (*warn)(void *ud, const char *msg);
  void *warn_ud;
} ct_env;

/* Sends a warning to the user interface (never prints itself). */
void ct_warn(const ct_env *env, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef struct ct_model_class {
  const char *name;          /* scenario section and field prefix */
  const char *const *keys;   /* known keys of its section; "x.*" = a family */
  /* Parse the section, load inputs, allocate everything, publish fields. */
  int (*init)(void **self, const ct_env *env, ct_error *err);
  /* Largest stable step from the current state [s]. */
  double (*max_dt)(void *self);
  /* Advance from t to t + dt. No allocation here. */
  int (*step)(void *self, double t, double dt, ct_error *err);
  /* At every coupling time: publish produced fields, read consumed ones. */
  int (*exchange)(void *self, ct_fields *fields, double t, ct_error *err);
  /* Bring published output fields up to date before a snapshot at t, and
   * write any tables of the model's own (snap is NULL in check runs). */
  int (*write)(void *self, double t, struct ct_snapshot *snap, ct_error *err);
  /* Saves or restores (ct_state_restoring) everything that evolves, so that
   * a run resumed from a snapshot goes on bit for bit as if never stopped.
   * Called right after a snapshot's write; NULL: this model cannot resume. */
  int (*state)(void *self, ct_state *st, ct_error *err);
  /* KPIs and balances as members of the model's summary object. */
  int (*summary)(void *self, ct_json *out, ct_error *err);
  void (*destroy)(void *self);
} ct_model_class;

/* The models this build knows, NULL-terminated (engine/run/models.c). */
extern const ct_model_class *const ct_models[];

#endif
