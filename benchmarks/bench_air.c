/* bench_air.c - throughput of the air model: 500 x 500 cells x 16 levels,
 * two species, uniform wind, a grid of stacks and ground sources, for 1 and
 * 2 threads, against the memory bandwidth measured in the same run.
 * Usage: bench_air [steps] (default: one simulated hour, 568 steps of
 * 6.3 s; fewer for a quick look).
 *
 * Bytes a cell-step must move, per species: the split step passes over
 * the float32 state four times (vertical half step, x sweep, y sweep,
 * vertical half step), each reading and writing it once: 4 x 8 = 32 bytes
 * (the tridiagonal's back substitution and the y faces stay in cache: a row
 * of all levels is 32 KB, a level's faces 1 MB). The least any scheme could
 * move is one read and one write, 8 bytes.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include "bench_util.h"
#include "citytwin/air.h"

static double run(int threads, int steps, double *mass, double *dtp) {
  omp_set_num_threads(threads);
  ct_error err = {0};
  ct_air_config c;
  ct_air_config_default(&c);
  c.nx = c.ny = 500;
  c.dx = 100.0;
  c.nz = 16;
  c.top = 1000.0;
  c.dz0 = 4.0;
  ct_air *a = NULL;
  if (ct_air_create(&a, &c, &err)) {
    fprintf(stderr, "bench_air: %s\n", err.msg);
    return 0;
  }
  ct_air_met m;
  ct_air_met_default(&m);
  m.speed = 3.0;
  m.dir = 240.0;
  m.cls = 3;
  m.mixing_height = 1000.0;
  if (ct_air_set_met(a, &m, &err)) {
    fprintf(stderr, "bench_air: %s\n", err.msg);
    ct_air_free(a);
    return 0;
  }
  /* a 10 x 10 grid of stacks and a ground source every 5th cell */
  for (int p = 0; p < 10; p++)
    for (int q = 0; q < 10; q++) {
      double rate[2] = {1.0, 5.0};
      ct_air_add_stack(a, (25 + 50 * p) * 100.0, -(25 + 50 * q) * 100.0,
                       30.0, rate, &err);
    }
  for (int s = 0; s < 2; s++) {
    float *e = ct_air_ground_emission(a, s);
    for (int k = 0; k < 500 * 500; k += 5) e[k] = 0.001f * (s + 1);
  }
  double dt = ct_air_max_dt(a);
  *dtp = dt;
  ct_air_step(a, dt, &err); /* warm-up: first touch, factorisation */
  double t0 = bench_now();
  for (int k = 0; k < steps; k++)
    if (ct_air_step(a, dt, &err)) {
      fprintf(stderr, "bench_air: %s\n", err.msg);
      break;
    }
  double t = bench_now() - t0;
  ct_air_balance b;
  ct_air_get_balance(a, 0, &b);
  *mass = (b.in_air + b.left + b.lost) / b.emitted - 1.0;
  ct_air_free(a);
  return (double)steps * 500.0 * 500.0 * 16.0 / t; /* cell-steps/s */
}

int main(int argc, char **argv) {
  int steps = argc > 1 ? atoi(argv[1]) : 0;
  if (steps < 1) steps = 568; /* 3600 s / 6.34 s, printed below */
  printf("air: 500 x 500 x 16 cells, 2 species, %d steps\n", steps);
  for (int th = 1; th <= 2; th++) {
    double bw = bench_bandwidth(th), mass, dt;
    double r = run(th, steps, &mass, &dt);
    if (th == 1)
      printf("step %.2f s: %d steps simulate %.0f s; an hour is %.0f steps\n",
             dt, steps, steps * dt, ceil(3600.0 / dt));
    /* per cell-step both species move 2 x 32 bytes */
    double allowed = bw / (2.0 * 32.0), floor8 = bw / (2.0 * 8.0);
    printf("threads %d: %.1f M cell-steps/s (2 species); bandwidth %.1f GB/s "
           "allows %.1f M at 64 B/cell-step -> %.0f %%; %.0f %% of the 16 "
           "B/cell-step minimum; mass balance %.1e\n",
           th, r * 1e-6, bw * 1e-9, allowed * 1e-6, 100.0 * r / allowed,
           100.0 * r / floor8, mass);
  }
  return 0;
}
