/* restart.c - the flood model's checkpoint: everything a step changes
 * (surface, compensation, face discharges, forcing rates and cursors,
 * balance, flood statistics), saved after a snapshot and restored over a
 * freshly initialised model so a resumed run goes on bit for bit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flood/flood_internal.h"

/* A per-cell rate array that a step may have created (rain from a stack or
 * gauges, infiltration capacity): saved with a presence flag, re-created
 * through the setter on restore so the simulation owns it as usual. */
static int rate_array(ct_state *st, const char *name, ct_flood *f,
                      float **arr, int infil, ct_error *err) {
  int have = *arr != NULL;
  char flag[64];
  snprintf(flag, sizeof flag, "%s_present", name);
  int rc = ct_state_io(st, flag, &have, sizeof have, err);
  if (rc || !have) return rc;
  if (ct_state_restoring(st) && !*arr) {
    float *zero = calloc((size_t)f->nx * (size_t)f->ny, sizeof *zero);
    if (!zero) return ct_error_set(err, CT_ENOMEM, "out of memory");
    rc = infil ? ct_flood_set_infiltration(f, zero, err)
               : ct_flood_set_rain(f, f->rain_u, zero, err);
    free(zero);
    if (rc) return rc;
  }
  return ct_state_io(st, name, *arr, f->nalloc * sizeof(float), err);
}

static int sim_state(ct_state *st, ct_flood *f, ct_error *err) {
  size_t b = f->nalloc * sizeof(float);
  int rc = CT_OK;
#define IO(name, ptr, bytes) \
  if (!rc) rc = ct_state_io(st, name, ptr, bytes, err)
  IO("eta", f->eta, b);
  IO("comp", f->comp, b);
  IO("qx", f->qx, b);
  IO("qy", f->qy, b);
  IO("rain_u", &f->rain_u, sizeof f->rain_u);
  IO("outfall_pending", &f->outfall_pending, sizeof f->outfall_pending);
  IO("hmax", &f->hmax, sizeof f->hmax);
  IO("balance", &f->bal, sizeof f->bal);
#undef IO
  if (!rc) rc = rate_array(st, "rain", f, &f->rain, 0, err);
  if (!rc) rc = rate_array(st, "infil", f, &f->infil, 1, err);
  int have = f->infcum != NULL;
  if (!rc) rc = ct_state_io(st, "infcum_present", &have, sizeof have, err);
  if (!rc && have) {
    if (!f->infcum)
      return ct_error_set(err, CT_EFORMAT,
                          "the saved flood state has infiltration this "
                          "scenario does not");
    rc = ct_state_io(st, "infcum", f->infcum, b, err);
  }
  return rc;
}

int ct__flood_model_state(void *self, ct_state *st, ct_error *err) {
  ct__flood_model *m = self;
  size_t n = (size_t)m->nx * (size_t)m->ny;
  int rc = sim_state(st, m->sim, err);
#define IO(name, ptr, bytes) \
  if (!rc) rc = ct_state_io(st, name, ptr, bytes, err)
  IO("max_depth", m->f_max->data, n * sizeof(float));
  IO("time_of_max", m->f_tmax->data, n * sizeof(float));
  IO("time_first_flood", m->f_first->data, n * sizeof(float));
  IO("seconds_above", m->seconds_above, n * sizeof(double));
  IO("band_now", &m->band_now, sizeof m->band_now);
  IO("gauge_t", &m->gauge_t, sizeof m->gauge_t);
  IO("gauge_t_inf", &m->gauge_t_inf, sizeof m->gauge_t_inf);
  IO("nsteps", &m->nsteps, sizeof m->nsteps);
  IO("nbal", &m->nbal, sizeof m->nbal);
#undef IO
  if (!rc && m->nbal > m->capbal)
    return ct_error_set(err, CT_EFORMAT,
                        "the saved flood balance has %d rows, this run holds "
                        "%d", m->nbal, m->capbal);
  if (!rc)
    rc = ct_state_io(st, "balance_series", m->bal,
                     (size_t)m->nbal * CT__BAL_N * sizeof(double), err);
  if (!rc && m->rain_cell)
    rc = ct_state_io(st, "rain_cell", m->rain_cell, n * sizeof(float), err);
  if (!rc && m->inf_cap)
    rc = ct_state_io(st, "inf_cap", m->inf_cap, n * sizeof(float), err);
  return rc;
}
