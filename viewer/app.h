/* app.h - the interactive window (app.c, SDL2) as seen from main.c. */
#ifndef CT_VIEW_APP_H
#define CT_VIEW_APP_H

#include "view.h"

typedef struct ct__app_opts {
  int w, h;              /* initial window size */
  const char *script;    /* events to feed, or NULL */
  const char *shot;      /* screenshot path for 'p', or NULL (numbered) */
} ct__app_opts;

/* Runs the window until the user quits; returns the exit status. */
int ct__app_run(ct__view *v, const ct__app_opts *o);

#endif
