/* ct_test.h - the few assertion macros our ctest programs share. A test
 * program returns 0 when every check held, 1 otherwise, and CT_SKIP (77)
 * when the reference data in ../shared is not there. */
#ifndef CT_TEST_H
#define CT_TEST_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define CT_SKIP 77

static int ct_test_failures = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,     \
              #cond);                                                      \
      ct_test_failures++;                                                  \
    }                                                                      \
  } while (0)

/* |a - b| <= tol, printing both numbers when not. */
#define CHECK_NEAR(a, b, tol)                                              \
  do {                                                                     \
    double ct_a_ = (double)(a), ct_b_ = (double)(b), ct_t_ = (double)(tol);\
    if (!(fabs(ct_a_ - ct_b_) <= ct_t_)) {                                 \
      fprintf(stderr, "%s:%d: %s = %.9g, expected %s = %.9g within %.3g\n",\
              __FILE__, __LINE__, #a, ct_a_, #b, ct_b_, ct_t_);            \
      ct_test_failures++;                                                  \
    }                                                                      \
  } while (0)

/* A call returning a ct status that must be 0; prints the error. */
#define CHECK_OK(call, errp)                                               \
  do {                                                                     \
    int ct_rc_ = (call);                                                   \
    if (ct_rc_ != 0) {                                                     \
      fprintf(stderr, "%s:%d: %s failed (%d): %s\n", __FILE__, __LINE__,   \
              #call, ct_rc_, (errp)->msg);                                 \
      ct_test_failures++;                                                  \
    }                                                                      \
  } while (0)

#define TEST_RESULT()                                                      \
  (ct_test_failures ? (fprintf(stderr, "%d check(s) failed\n",             \
                               ct_test_failures), 1) : 0)

/* Runs a shell command (printf-style); returns its exit status, or 128 +
 * the signal that ended it. For end-to-end tests of the real binaries. */
static inline int ct_test_sh(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static inline int ct_test_sh(const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The shared reference data, or NULL when absent (then skip). */
static inline const char *ct_test_shared(void) {
  const char *d = getenv("CT_SHARED_DIR");
#ifdef CT_SHARED_DIR_DEFAULT
  if (!d) d = CT_SHARED_DIR_DEFAULT;
#endif
  struct stat st;
  if (!d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
  return d;
}

#endif
