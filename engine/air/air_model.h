/* air_model.h - the air model class's own state (model.c), shared with the
 * files that read its forecast wind stack (windstack.c) and save or restore
 * it for a resumed run (restart.c). */
#ifndef CT_AIR_MODEL_H
#define CT_AIR_MODEL_H

#include "air_internal.h"

/* Forecast wind as a time stack of u/v rasters on the air grid. */
typedef struct ct__air_wstack {
  int n;                              /* frames */
  double *t;                          /* valid times [s from the start] */
  float *u, *v;                       /* n * nxy (air grid) [m s-1] */
} ct__air_wstack;

typedef struct ct__air_model {
  const ct_env *env;
  ct_air *a;
  int ns, coarsen, fnx, fny;
  double escale;  /* emissions.scale: every source x this (what-if runs) */
  int line_kernel;                    /* traffic through the road kernels */
  size_t fnxy;
  double background[CT_AIR_MAXSPEC], threshold[CT_AIR_MAXSPEC];
  float *area[CT_AIR_MAXSPEC];        /* static area sources, coarse g/s */
  ct_field *f_now[CT_AIR_MAXSPEC], *f_hour[CT_AIR_MAXSPEC],
      *f_max[CT_AIR_MAXSPEC], *f_above[CT_AIR_MAXSPEC];
  double *hour_acc[CT_AIR_MAXSPEC];   /* fine grid, ug m-3 s */
  double hour_len, t_last;
  long hour_no;
  int sampled;
  ct_air_met met;                     /* constant part of the met */
  double t_met;                       /* the time the met was set for */
  ct_air_metrow *rows;
  int nrows;
  float *wu, *wv;                     /* coarse wind rasters or NULL */
  ct__air_wstack ws;                  /* wind stack (ws.n = 0: none) */
  int nrec;
  double *rx, *ry;
  float *rval;
  int have_traffic_warned;
} ct__air_model;

/* model.c: a domain-grid raster averaged onto the air grid (NaN skipped). */
void ct__air_coarsen(const ct__air_model *m, const float *fine, float *out);
/* model.c: sets the met (and wind) of time t. */
int ct__air_met_at(ct__air_model *m, double t, ct_error *err);
/* windstack.c: wind.u / wind.v = stack:FILE [FILE ...] -> m->ws and the
 * m->wu / m->wv buffers; 0 frames when they name layers. */
int ct__air_wind_stack_read(ct__air_model *m, ct_error *err);
/* The stack's wind at time t into m->wu, m->wv (linear in time between
 * frames, the first / last frame outside them). */
void ct__air_wind_stack_at(ct__air_model *m, double t);
void ct__air_wind_stack_free(ct__air_wstack *ws);
/* restart.c: the model class's state function. */
int ct__air_model_state(void *self, ct_state *st, ct_error *err);

#endif
