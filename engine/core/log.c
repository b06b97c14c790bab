/* log.c - warnings from models go to whatever user interface runs them. */
#include <stdarg.h>
#include <stdio.h>

#include "citytwin/model.h"

void ct_warn(const ct_env *env, const char *fmt, ...) {
  if (!env || !env->warn) return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  env->warn(env->warn_ud, msg);
}
