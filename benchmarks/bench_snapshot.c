/* bench_snapshot.c - what writing snapshots costs against the run it records:
 * the demo-sized grid (600 x 500 cells of 20 m) under a rain storm, the
 * flood model (engine/flood) stepping 6 simulated hours, and its output
 * fields appended to the run file every 10 minutes (the default interval),
 * each append compressed and flushed. Prints the write time per snapshot and
 * per cell, the bytes written, and the share of the run spent writing (the
 * target is under 5 %).
 *
 * usage: bench_snapshot [hours] [threads] [output.nc] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cpl_conv.h>
#include <ogr_srs_api.h>

#include "bench_util.h"
#include "citytwin/flood.h"
#include "citytwin/snapshot.h"

enum { NX = 600, NY = 500, NFIELDS = 3 };

static void field(ct_field *f, const char *name, const char *units,
                  const char *long_name) {
  memset(f, 0, sizeof *f);
  snprintf(f->name, sizeof f->name, "%s", name);
  snprintf(f->units, sizeof f->units, "%s", units);
  snprintf(f->long_name, sizeof f->long_name, "%s", long_name);
  f->nx = NX;
  f->ny = NY;
  f->data = ct_alloc_aligned((size_t)NX * NY * sizeof(float));
}

int main(int argc, char **argv) {
  double hours = argc > 1 ? atof(argv[1]) : 6.0;
  int threads = argc > 2 ? atoi(argv[2]) : omp_get_max_threads();
  const char *path = argc > 3 ? argv[3] : "bench_snapshot.nc";
  const double interval = 600.0;
  if (!(hours > 0) || threads < 1) {
    fprintf(stderr, "usage: bench_snapshot [hours] [threads] [output.nc]\n");
    return 2;
  }
  omp_set_num_threads(threads);

  ct_grid g = {.nx = NX, .ny = NY, .dx = 20.0,
               .gt = {683000.0, 20.0, 0.0, 1201000.0, 0.0, -20.0}};
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  char *wkt = NULL;
  OSRImportFromEPSG(srs, 32648);
  OSRExportToWkt(srs, &wkt);
  g.crs_wkt = strdup(wkt);
  CPLFree(wkt);
  OSRDestroySpatialReference(srs);

  /* A city-like bed: low (0.5 m) in the south-west rising to ~15 m in the
   * north-east, with a meandering channel and street-scale roughness, so
   * water collects unevenly and depths, speeds and steps vary as in a run. */
  ct_field dem, depth, wse, speed;
  field(&dem, "layer.dem", "m", "ground elevation");
  field(&depth, "flood.depth", "m", "water depth");
  field(&wse, "flood.wse", "m", "water surface elevation");
  field(&speed, "flood.speed", "m s-1", "flow speed");
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      double fx = (double)i / NX, fy = (double)(NY - j) / NY;
      double z = 0.5 + 14.5 * pow(0.5 * (fx + fy), 1.5);
      double river = 0.5 * NY + 60.0 * sin(6.0 * fx);
      if (fabs(j - river) < 6) z -= 2.0;
      z += 0.3 * sin(0.9 * i) * cos(0.7 * j);
      dem.data[(size_t)j * NX + i] = (float)z;
    }
  ct_error err = {0};
  ct_flood *f = NULL;
  if (ct_flood_create(&f, &g, dem.data, NULL, 0.03, NULL, &err) ||
      ct_flood_set_boundary(f, CT_FLOOD_SOUTH, CT_FLOOD_FREE, 0, NULL, NULL, &err) ||
      ct_flood_set_boundary(f, CT_FLOOD_WEST, CT_FLOOD_FREE, 0, NULL, NULL, &err) ||
      ct_flood_set_rain(f, 60e-3 / 3600.0, NULL, &err)) { /* 60 mm/h storm */
    fprintf(stderr, "flood: %s\n", err.msg);
    return 1;
  }

  ct_snapshot_meta meta = {.title = "bench_snapshot", .scenario_text = "",
                           .start_unix = 1789455600.0, .utc_offset_s = 25200,
                           .duration = hours * 3600.0};
  ct_snapshot *s = NULL;
  double w0 = bench_now();
  if (ct_snapshot_create(&s, path, &g, &meta, &err) ||
      ct_snapshot_write_static(s, &dem, &err)) {
    fprintf(stderr, "snapshot: %s\n", err.msg);
    return 1;
  }
  double t_write = bench_now() - w0, t_model = 0.0, t_out = 0.0;
  ct_field *list[NFIELDS] = {&depth, &wse, &speed};
  long steps = 0;
  int nsnap = 0;
  double t = 0.0, end = hours * 3600.0;
  while (t < end - 1e-9) {
    double t1 = fmin(t + interval, end);
    long n = 0;
    double m0 = bench_now();
    if (ct_flood_run(f, t, t1, &n, &err)) {
      fprintf(stderr, "flood: %s\n", err.msg);
      return 1;
    }
    double m1 = bench_now();
    /* The model's own output step (what its write() does). */
    ct_flood_depth(f, depth.data);
    ct_flood_wse(f, wse.data);
    ct_flood_speed(f, speed.data);
    double m2 = bench_now();
    if (ct_snapshot_append(s, t1, list, NFIELDS, &err)) {
      fprintf(stderr, "snapshot: %s\n", err.msg);
      return 1;
    }
    double m3 = bench_now();
    t_model += m1 - m0;
    t_out += m2 - m1;
    t_write += m3 - m2;
    steps += n;
    nsnap++;
    t = t1;
  }
  w0 = bench_now();
  if (ct_snapshot_close(s, 1, &err)) {
    fprintf(stderr, "snapshot: %s\n", err.msg);
    return 1;
  }
  t_write += bench_now() - w0;
  struct stat st;
  double mb = stat(path, &st) == 0 ? (double)st.st_size / 1e6 : NAN;
  double raw = (double)nsnap * NFIELDS * NX * NY * 4 / 1e6;
  double hmax = 0;
  for (size_t k = 0; k < (size_t)NX * NY; k++)
    if (depth.data[k] > hmax) hmax = depth.data[k];

  double per_snap = t_write / nsnap;
  double share = t_write / (t_write + t_model + t_out);
  printf("bench_snapshot: %d x %d cells, %.1f h simulated, %d snapshots of %d "
         "fields every %.0f s, %d threads\n",
         NX, NY, hours, nsnap, NFIELDS, interval, threads);
  printf("  flood model   %8.3f s  (%ld steps, %.1f ns per cell-step, "
         "max depth %.2f m)\n",
         t_model, steps, 1e9 * t_model / ((double)steps * NX * NY), hmax);
  printf("  field output  %8.3f s  (depth/wse/speed from the state)\n", t_out);
  printf("  snapshots     %8.3f s  (%.1f ms per snapshot, %.1f ns per cell "
         "and field)\n",
         t_write, 1e3 * per_snap, 1e9 * per_snap / ((double)NFIELDS * NX * NY));
  printf("  file          %8.1f MB (%.1f MB raw, ratio %.1f)\n", mb, raw,
         raw / mb);
  printf("  writing share %8.2f %% of the run (target < 5 %%)\n", 100 * share);
  printf("  with 4 fields %8.2f %% (scaled per field)\n",
         100 * (t_write * 4 / NFIELDS) /
             (t_write * 4 / NFIELDS + t_model + t_out));

  ct_flood_destroy(f);
  ct_free_aligned(dem.data);
  ct_free_aligned(depth.data);
  ct_free_aligned(wse.data);
  ct_free_aligned(speed.data);
  free(g.crs_wkt);
  return 0;
}
