/* error.c - the error context and status codes (after libuv's uv_strerror). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "citytwin/error.h"

int ct_error_set(ct_error *err, int code, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
  }
  return code;
}

int ct_error_prefix(ct_error *err, const char *fmt, ...) {
  if (!err) return CT_EINTERNAL;
  char head[1024], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  memcpy(old, err->msg, sizeof old);
  snprintf(err->msg, sizeof err->msg, "%s: %s", head, old);
  return err->code;
}

void ct_error_clear(ct_error *err) {
  if (err) {
    err->code = CT_OK;
    err->msg[0] = '\0';
  }
}

const char *ct_strerror(int code) {
  switch (code) {
    case CT_OK: return "success";
    case CT_EINVAL: return "invalid input";
    case CT_ENOENT: return "no such file or layer";
    case CT_EIO: return "input/output error";
    case CT_ENOMEM: return "not enough memory";
    case CT_ECRS: return "unknown or unusable coordinate reference system";
    case CT_EFORMAT: return "not a valid file of the expected format";
    case CT_EINTR: return "interrupted";
    case CT_ENOSPC: return "no space left or file size limit reached";
    case CT_ERANGE: return "outside the domain or out of range";
    case CT_EINTERNAL: return "internal error";
    default: return "unknown error";
  }
}

int ct_exit_status(int code) {
  switch (code) {
    case CT_OK: return 0;
    case CT_EINVAL: case CT_ENOENT: case CT_ECRS: case CT_EFORMAT:
    case CT_ERANGE: return 2;
    default: return 1;
  }
}
