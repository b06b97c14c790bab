/* bench_load.c - how long loading the demo city takes: building the grid
 * and reading + warping every layer (issue target: under 2 s). Makes the
 * demo into a scratch folder first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "citytwin/demo.h"
#include "citytwin/layers.h"
#include "citytwin/model.h"

int main(int argc, char **argv) {
  char dir[] = "/tmp/ct_bench_load_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  ct_error err = {0};
  if (ct_demo_make(dir, &err)) {
    fprintf(stderr, "demo: %s\n", err.msg);
    return 1;
  }
  char ini[4096];
  snprintf(ini, sizeof ini, "%s/demo.ini", argc > 1 ? argv[1] : dir);
  const char *known[17];
  int nk = 0;
  for (int k = 0; ct_models[k]; k++) known[nk++] = ct_models[k]->name;
  known[nk] = NULL;
  double best = 1e30, best_grid = 0;
  int nlayers = 0;
  for (int rep = 0; rep < 3; rep++) {
    double t0 = bench_now();
    ct_scenario sc;
    ct_grid g;
    ct_layers ls;
    if (ct_scenario_load(&sc, ini, known, &err) ||
        ct_grid_init(&g, sc.crs, sc.bounds[0], sc.bounds[1], sc.bounds[2],
                     sc.bounds[3], sc.cell, &err)) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    double t1 = bench_now();
    if (ct_layers_load(&ls, &sc, &g, NULL, NULL, &err)) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    double t2 = bench_now();
    if (t2 - t0 < best) {
      best = t2 - t0;
      best_grid = t1 - t0;
    }
    nlayers = ls.n;
    printf("run %d: grid %d x %d, %d layers, %.3f s (scenario + grid %.3f s)\n",
           rep + 1, g.nx, g.ny, ls.n, t2 - t0, t1 - t0);
    ct_layers_free(&ls);
    ct_grid_free(&g);
    ct_scenario_free(&sc);
  }
  printf("demo load (best of 3): %.3f s for %d layers incl. SHA-256 checksums "
         "(scenario + grid %.3f s); target < 2 s: %s\n",
         best, nlayers, best_grid, best < 2 ? "met" : "NOT met");
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : 1;
}
