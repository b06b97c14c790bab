/* restart.c - the air model's checkpoint for `citytwin run --resume`:
 * everything that evolves, saved after a snapshot and restored into a model
 * freshly initialised from the same scenario, so that the resumed run goes
 * on bit for bit. Not saved, because the next exchange rebuilds it from the
 * time alone: the met and the wind (series, rasters, forecast stack), the
 * kernels' geometry and hand-over footprints, the vertical solver's factors.
 * The ground sources are overwritten by that exchange too, but are saved so
 * that a restored ct_air is complete on its own. */
#include <stdio.h>
#include <string.h>
#include "air_model.h"

static int io(ct_state *st, const char *what, const char *sp, void *data,
              size_t bytes, ct_error *err) {
  char name[96];
  snprintf(name, sizeof name, "%s%s%s", what, sp ? "." : "", sp ? sp : "");
  return ct_state_io(st, name, data, bytes, err);
}

int ct__air_state_io(ct_air *a, ct_state *st, ct_error *err) {
  int rc = CT_OK;
  for (int s = 0; s < a->ns && !rc; s++) {
    const char *sp = a->cfg.species[s].name;
    rc = io(st, "conc", sp, a->c[s], a->n3 * sizeof(float), err);
    if (!rc) rc = io(st, "ground_sources", sp, a->emis[s],
                     a->nxy * sizeof(float), err);
    if (!rc && a->line[s])
      rc = io(st, "road_sources", sp, a->line[s], a->nxy * sizeof(float), err);
    if (!rc && a->kmass[s])
      rc = io(st, "road_kernels", sp, a->kmass[s], a->nxy * sizeof(double),
              err);
  }
  if (!rc) rc = io(st, "time", NULL, &a->t, sizeof a->t, err);
  /* the step count sets the order of the x and y sweeps */
  if (!rc) rc = io(st, "steps", NULL, &a->nstep, sizeof a->nstep, err);
  if (!rc)
    rc = io(st, "balance", NULL, a->bal, (size_t)a->ns * sizeof a->bal[0],
            err);
  for (int k = 0; k < a->nstack && !rc; k++) {
    char name[32];
    snprintf(name, sizeof name, "stack%d", k);
    rc = io(st, name, "rate", a->stack[k].rate, sizeof a->stack[k].rate, err);
  }
  if (!rc && ct_state_restoring(st)) ct__air_line_refresh(a);
  return rc;
}

int ct__air_model_state(void *self, ct_state *st, ct_error *err) {
  ct__air_model *m = self;
  int rc = ct__air_state_io(m->a, st, err);
  for (int s = 0; s < m->ns && !rc; s++) {
    const char *sp = m->a->cfg.species[s].name;
    size_t nf = m->fnxy * sizeof(float);
    rc = io(st, "hour_sum", sp, m->hour_acc[s], m->fnxy * sizeof(double),
            err);
    /* the published fields: the maxima and hours above accumulate, the
     * hourly mean holds until the next hour completes */
    ct_field *f[4] = {m->f_now[s], m->f_hour[s], m->f_max[s], m->f_above[s]};
    static const char *const what[4] = {"now", "hourly", "max", "above"};
    for (int k = 0; k < 4 && !rc; k++) {
      if (!f[k]) continue;
      char name[48];
      snprintf(name, sizeof name, "field_%s", what[k]);
      rc = io(st, name, sp, f[k]->data, nf, err);
      snprintf(name, sizeof name, "field_%s_time", what[k]);
      if (!rc)
        rc = io(st, name, sp, &f[k]->t_updated, sizeof f[k]->t_updated, err);
    }
  }
  /* the sampling clock: the hour being averaged, its length so far */
  double clock[6] = {m->hour_len, m->t_last, (double)m->hour_no, m->sampled,
                     m->have_traffic_warned, m->t_met};
  if (!rc) rc = io(st, "sampling", NULL, clock, sizeof clock, err);
  if (!rc && ct_state_restoring(st)) {
    m->hour_len = clock[0];
    m->t_last = clock[1];
    m->hour_no = (long)clock[2];
    m->sampled = (int)clock[3];
    m->have_traffic_warned = (int)clock[4];
    /* the met of the interval that led here: the next exchange samples
     * the kernels (their direction, reach) before it sets its own */
    rc = ct__air_met_at(m, clock[5], err);
  }
  return rc ? ct_error_prefix(err, "air") : CT_OK;
}
