/* bench_util.h - what every benchmark needs: a wall clock and the machine's
 * memory bandwidth measured in the same run (a STREAM-style triad over arrays
 * far larger than the caches), so throughput can be read against it. */
#ifndef CT_BENCH_UTIL_H
#define CT_BENCH_UTIL_H

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best-of-5 triad a = b + s*c with the given thread count; bytes/s counting
 * two reads and one write (write-allocate not counted, as STREAM does). */
static inline double bench_bandwidth(int threads) {
  const size_t n = (size_t)32 << 20; /* 3 x 128 MiB of float */
  float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b),
        *c = malloc(n * sizeof *c);
  if (!a || !b || !c) {
    free(a); free(b); free(c);
    return 0.0;
  }
  double best = 1e30;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (size_t k = 0; k < n; k++) {
    a[k] = 0.0f; b[k] = 1.0f; c[k] = 2.0f;
  }
  for (int rep = 0; rep < 5; rep++) {
    double t0 = bench_now();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (size_t k = 0; k < n; k++) a[k] = b[k] + 0.5f * c[k];
    double t = bench_now() - t0;
    if (t < best) best = t;
  }
  volatile float sink = a[n / 2];
  (void)sink;
  free(a); free(b); free(c);
  return 3.0 * (double)n * sizeof(float) / best;
}

#endif
