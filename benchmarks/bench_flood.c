/* bench_flood.c - throughput of the flood solver on the case:
 * 1000 x 1000 cells at 10 m, z = 0.001 y + 0.02 |x - L/2| +
 * 0.2 sin(2 pi x / 200) sin(2 pi y / 200) (x, y cell-centre metres from the
 * south-west corner, L = 10 km: a valley draining south with small ponds),
 * Manning n 0.03, rain 50 mm/h for 1 h, free outflow south, other edges
 * closed, 1 h simulated, dry start. Prints cell-steps per second for 1 and 2
 * threads, the speed-up, the share of the memory bandwidth (measured in the
 * same run) the solver's minimum traffic uses, and the volume error; then,
 * as a yardstick for the machine at hand, the speed of a bare stencil of the
 * same equations on one core and the solver's share of it.
 *
 *   bench_flood [--n CELLS] [--hours H] [--threads "1 2"]
 *   bench_flood --write-case DIR   writes DIR/dem.asc (ESRI ASCII grid) and
 *                                  DIR/bench.ini for `citytwin run`. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_util.h"
#include "citytwin/flood.h"
#include "flood/kernels.h"

/* Bytes each cell-step must move at least: the single sweep (engine/flood/
 * sweep.c) reads eta, z, comp, qx, qy and writes eta, comp, qx, qy once
 * (4-byte floats, write-allocate not counted, as STREAM). */
#define BYTES_PER_CELL_STEP (4.0 * 9)

static double bed(double x, double y, double L) {
  const double pi = 3.14159265358979323846;
  return 0.001 * y + 0.02 * fabs(x - 0.5 * L) +
         0.2 * sin(2 * pi * x / 200.0) * sin(2 * pi * y / 200.0);
}

static float *make_dem(int n, double dx) {
  float *z = malloc((size_t)n * (size_t)n * sizeof *z);
  if (!z) return NULL;
  double L = n * dx;
  for (int j = 0; j < n; j++) /* row 0 north */
    for (int i = 0; i < n; i++)
      z[(size_t)j * (size_t)n + (size_t)i] =
          (float)bed((i + 0.5) * dx, (n - j - 0.5) * dx, L);
  return z;
}

static int write_case(const char *dir, int n, double dx, double hours) {
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "bench_flood: cannot create %s: %s\n", dir,
            strerror(errno));
    return 1;
  }
  float *z = make_dem(n, dx);
  char path[4096];
  snprintf(path, sizeof path, "%s/dem.asc", dir);
  FILE *fp = z ? fopen(path, "w") : NULL;
  if (!fp) {
    fprintf(stderr, "bench_flood: cannot write %s\n", path);
    free(z);
    return 1;
  }
  /* ESRI ASCII grid: lower-left corner, rows from the north. Projected
   * coordinates in UTM 48N (Ho Chi Minh City) so the case has a real CRS. */
  const double x0 = 680000.0, y0 = 1185000.0;
  fprintf(fp, "ncols %d\nnrows %d\nxllcorner %.1f\nyllcorner %.1f\n"
          "cellsize %g\nNODATA_value -9999\n", n, n, x0, y0, dx);
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < n; i++)
      fprintf(fp, i ? " %.4f" : "%.4f", (double)z[(size_t)j * (size_t)n + (size_t)i]);
    fputc('\n', fp);
  }
  fclose(fp);
  free(z);
  snprintf(path, sizeof path, "%s/bench.ini", dir);
  fp = fopen(path, "w");
  if (!fp) {
    fprintf(stderr, "bench_flood: cannot write %s\n", path);
    return 1;
  }
  fprintf(fp,
          "# The flood benchmark case (benchmarks/bench_flood.c): a valley\n"
          "# draining south with small ponds, 50 mm/h of rain for 1 h.\n"
          "[scenario]\nname = flood benchmark\n"
          "start = 2026-09-15T14:00:00+07:00\nduration = %gh\n\n"
          "[domain]\ngrid = dem\n\n"
          "[layers]\ndem = dem.asc\n\n"
          "[layer dem]\ncrs = EPSG:32648\n\n"
          "[output]\nfile = bench.nc\ninterval = 30min\n"
          "fields = flood.depth flood.speed flood.max_depth\n\n"
          "[flood]\nmanning = 0.03\nrain = 50\nboundary.south = free\n"
          "boundary.north = closed\nboundary.east = closed\n"
          "boundary.west = closed\n",
          hours);
  fclose(fp);
  printf("wrote %s/dem.asc and %s/bench.ini (run: citytwin run %s/bench.ini)"
         "\n", dir, dir, dir);
  return 0;
}

/* CPU time of the process: on a shared machine wall time includes the time
 * other jobs held the cores, CPU time does not. */
static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct result {
  double cell_steps_per_s, wall, cpu, error_rel, storage, outflow;
  long steps;
} result;

static int run_case(int n, double dx, double hours, int threads, result *r) {
  omp_set_num_threads(threads);
  float *z = make_dem(n, dx);
  if (!z) return 1;
  ct_grid g;
  memset(&g, 0, sizeof g);
  g.nx = g.ny = n;
  g.dx = dx;
  g.gt[1] = dx;
  g.gt[3] = n * dx;
  g.gt[5] = -dx;
  ct_error err = {0};
  ct_flood *f = NULL;
  int rc = ct_flood_create(&f, &g, z, NULL, 0.03, NULL, &err);
  free(z);
  if (!rc) rc = ct_flood_set_boundary(f, CT_FLOOD_SOUTH, CT_FLOOD_FREE, 0,
                                      NULL, NULL, &err);
  if (!rc) rc = ct_flood_set_rain(f, 50.0 / 3.6e6, NULL, &err);
  if (rc) {
    fprintf(stderr, "bench_flood: %s\n", err.msg);
    ct_flood_destroy(f);
    return 1;
  }
  double T = hours * 3600.0, rain_end = fmin(T, 3600.0);
  double t0 = bench_now(), c0 = cpu_now();
  long s1 = 0, s2 = 0;
  rc = ct_flood_run(f, 0, rain_end, &s1, &err);
  if (!rc && T > rain_end) {
    rc = ct_flood_set_rain(f, 0.0, NULL, &err);
    if (!rc) rc = ct_flood_run(f, rain_end, T, &s2, &err);
  }
  r->wall = bench_now() - t0;
  r->cpu = cpu_now() - c0;
  if (rc) {
    fprintf(stderr, "bench_flood: %s\n", err.msg);
    ct_flood_destroy(f);
    return 1;
  }
  r->steps = s1 + s2;
  r->cell_steps_per_s = (double)n * n * (double)r->steps / r->wall;
  ct_flood_balance b;
  ct_flood_get_balance(f, &b);
  r->error_rel = b.error_rel;
  r->storage = b.storage;
  r->outflow = b.boundary_out[CT_FLOOD_SOUTH];
  ct_flood_destroy(f);
  return 0;
}

/* The bare stencil: the solver's face equation (face_q of
 * engine/flood/kernels.h, the very code the solver runs) on every interior
 * face, then h += dt/dx (q_in - q_out) + rain dt, in float32, on one thread,
 * with none of what makes the solver exact and robust: no outflow limiter,
 * no compensated double-precision depth update, no boundary conditions (the
 * edge faces stay 0), no volume sums, no adaptive time step. Two sweeps a
 * step over padded arrays; compiled like the solver's kernels (-O3, AVX2
 * clone). Starts from 5 cm of water everywhere so every face flows (the
 * kernels have no branches, so wet or dry costs the same anyway). */
#pragma GCC push_options
#pragma GCC optimize("O3", "no-trapping-math")
CT_CLONES static void bare_faces(const float *restrict eta,
                                 const float *restrict z,
                                 const float *restrict qx,
                                 const float *restrict qy,
                                 float *restrict nqx, float *restrict nqy,
                                 int n, float gnn, ct__mom_args a) {
  const ptrdiff_t W = n + 2;
  for (int j = 1; j <= n; j++)
    for (ptrdiff_t k = j * W + 1; k < j * W + 1 + n; k++) {
      float s4x = qy[k - 1] + qy[k] + qy[k - 1 + W] + qy[k + W];
      nqx[k] = face_q(eta[k - 1], eta[k], z[k - 1], z[k], qx[k], qx[k - 1],
                      qx[k + 1], s4x, gnn, &a);
      float s4y = qx[k - W] + qx[k - W + 1] + qx[k] + qx[k + 1];
      nqy[k] = face_q(eta[k - W], eta[k], z[k - W], z[k], qy[k], qy[k - W],
                      qy[k + W], s4y, gnn, &a);
    }
}

CT_CLONES static void bare_depths(float *restrict eta,
                                  const float *restrict qx,
                                  const float *restrict qy, int n,
                                  float dtdx, float rdt) {
  const ptrdiff_t W = n + 2;
  for (int j = 1; j <= n; j++)
    for (ptrdiff_t k = j * W + 1; k < j * W + 1 + n; k++)
      eta[k] += dtdx * ((qx[k] - qx[k + 1]) + (qy[k] - qy[k + W])) + rdt;
}
#pragma GCC pop_options

/* Cell-steps per CPU-second of the bare stencil, steps of dt; 0 when out of
 * memory or when it blew up (it has no limiter: keep dt well inside the CFL
 * limit). */
static double bare_stencil(int n, double dx, double dt, int steps) {
  const size_t W = (size_t)n + 2, N = W * W;
  float *a[6];
  for (int m = 0; m < 6; m++) a[m] = ct_alloc_aligned(N * sizeof(float));
  float *z = a[0], *eta = a[1], *qx = a[2], *qy = a[3], *nqx = a[4],
        *nqy = a[5];
  double r = 0.0;
  if (z && eta && qx && qy && nqx && nqy) {
    float *dem = make_dem(n, dx);
    if (dem) {
      /* Edge cells copy their neighbour (a flat ring, as closed edges). */
      for (size_t j = 0; j < W; j++)
        for (size_t i = 0; i < W; i++) {
          size_t jj = j < 1 ? 1 : j > (size_t)n ? (size_t)n : j;
          size_t ii = i < 1 ? 1 : i > (size_t)n ? (size_t)n : i;
          z[j * W + i] = dem[(jj - 1) * (size_t)n + (ii - 1)];
          eta[j * W + i] = z[j * W + i] + 0.05f;
        }
      free(dem);
      ct_flood_params p;
      ct_flood_params_default(&p);
      ct__mom_args ma;
      ma.gdt = (float)p.g * (float)dt;
      ma.gdtr = (float)(p.g * dt / dx);
      ma.theta = (float)p.theta;
      ma.half1mt = (float)(0.5 * (1.0 - p.theta));
      ma.hmin = (float)p.h_flow;
      const float gnn = (ma.gdt * 0.03f * 0.03f) * 0.25f;
      const float dtdx = (float)(dt / dx), rdt = (float)(50.0 / 3.6e6 * dt);
      double c0 = cpu_now();
      for (int s = 0; s < steps; s++) {
        bare_faces(eta, z, qx, qy, nqx, nqy, n, gnn, ma);
        float *t = qx;
        qx = nqx, nqx = t;
        t = qy, qy = nqy, nqy = t;
        bare_depths(eta, qx, qy, n, dtdx, rdt);
      }
      double c = cpu_now() - c0;
      /* Only a run that stayed finite counts (and this keeps the work
       * observable). */
      int finite = 1;
      for (size_t k = 0; k < N; k++) finite &= isfinite(eta[k]) != 0;
      if (c > 0 && finite) r = (double)n * n * steps / c;
    }
  }
  ct_free_aligned(z), ct_free_aligned(eta), ct_free_aligned(qx);
  ct_free_aligned(qy), ct_free_aligned(nqx), ct_free_aligned(nqy);
  return r;
}

int main(int argc, char **argv) {
  int n = 1000;
  double hours = 1.0, dx = 10.0;
  const char *threads = "1 2", *case_dir = NULL;
  for (int a = 1; a < argc; a++) {
    if (!strcmp(argv[a], "--n") && a + 1 < argc) n = atoi(argv[++a]);
    else if (!strcmp(argv[a], "--hours") && a + 1 < argc)
      hours = atof(argv[++a]);
    else if (!strcmp(argv[a], "--threads") && a + 1 < argc)
      threads = argv[++a];
    else if (!strcmp(argv[a], "--write-case") && a + 1 < argc)
      case_dir = argv[++a];
    else {
      fprintf(stderr,
              "usage: bench_flood [--n CELLS] [--hours H] [--threads \"1 2\"]"
              " [--write-case DIR]\n");
      return 2;
    }
  }
  if (n < 8 || !(hours > 0)) {
    fprintf(stderr, "bench_flood: bad --n or --hours\n");
    return 2;
  }
  if (case_dir) return write_case(case_dir, n, dx, hours);
  printf("flood benchmark: %d x %d cells at %g m, rain 50 mm/h, %g h "
         "simulated\n", n, n, dx, hours);
  double base = 0, solo_cpu = 0;
  char list[256];
  snprintf(list, sizeof list, "%s", threads);
  for (char *tok = strtok(list, " ,"); tok; tok = strtok(NULL, " ,")) {
    int th = atoi(tok);
    if (th < 1) continue;
    double bw = bench_bandwidth(th);
    result r;
    if (run_case(n, dx, hours, th, &r)) return 1;
    if (base == 0) base = r.cell_steps_per_s;
    if (th == 1) solo_cpu = (double)n * n * (double)r.steps / r.cpu;
    double traffic = r.cell_steps_per_s * BYTES_PER_CELL_STEP;
    printf("threads %d: %ld steps in %.2f s: %.1f M cell-steps/s, speed-up "
           "%.2f; memory bandwidth %.1f GB/s, solver's minimum traffic "
           "%.1f GB/s = %.0f %% of it (%.0f B/cell-step); volume error "
           "%.2e (storage %.0f m3, outflow %.0f m3)\n",
           th, r.steps, r.wall, r.cell_steps_per_s / 1e6,
           r.cell_steps_per_s / base, bw / 1e9, traffic / 1e9,
           100.0 * traffic / bw, BYTES_PER_CELL_STEP, r.error_rel, r.storage,
           r.outflow);
    printf("           CPU time %.2f s: %.1f M cell-steps per CPU-second "
           "(wall/CPU %.2f; > 1/threads means the cores were shared)\n",
           r.cpu, (double)n * n * (double)r.steps / r.cpu / 1e6,
           r.wall / r.cpu);
  }
  if (solo_cpu > 0) {
    int steps = (int)(2e8 / ((double)n * n));
    if (steps < 20) steps = 20;
    double bare = bare_stencil(n, dx, 1.0, steps);
    if (bare > 0)
      printf("bare stencil of the same equations (float32, no limiter, "
             "compensation, boundaries or sums; %d steps), 1 thread: %.1f M "
             "cell-steps per CPU-second; the solver on 1 thread: %.0f %% of "
             "it\n",
             steps, bare / 1e6, 100.0 * solo_cpu / bare);
  }
  return 0;
}
