/* error.h - status codes and the error context every engine call fills.
 * The engine never prints or exits: it returns a negative code and leaves a
 * message in a ct_error; only the command-line tools and the viewer talk to
 * the user. */
#ifndef CITYTWIN_ERROR_H
#define CITYTWIN_ERROR_H

#include <stddef.h>

enum {
  CT_OK = 0,
  CT_EINVAL = -1,    /* bad input: a value, a key, a file's content */
  CT_ENOENT = -2,    /* a file or layer that is not there */
  CT_EIO = -3,       /* reading or writing failed */
  CT_ENOMEM = -4,    /* out of memory, or a run too big for this machine */
  CT_ECRS = -5,      /* a CRS PROJ does not know, or a failed transform */
  CT_EFORMAT = -6,   /* a file that is not what it should be (truncated...) */
  CT_EINTR = -7,     /* stopped by the user (Ctrl-C) */
  CT_ENOSPC = -8,    /* disk full or file-size limit */
  CT_ERANGE = -9,    /* outside the domain or a value out of range */
  CT_EINTERNAL = -10 /* a bug: please report */
};

typedef struct ct_error {
  int code;
  char msg[2048];
} ct_error;

/* Fills err (when not NULL) and returns code, so `return ct_error_set(...)`. */
int ct_error_set(ct_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Puts "context: " in front of the message already there; returns its code. */
int ct_error_prefix(ct_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ct_error_clear(ct_error *err);
const char *ct_strerror(int code);
/* Exit status for the command-line tools: 0 ok, 2 bad input, 1 otherwise. */
int ct_exit_status(int code);

#endif
