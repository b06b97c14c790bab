/* bench_view.c - frames per second of the viewer's renderer (the code the
 * window and --render share) on a 2000 x 2000 field: panning and zooming
 * (resampling the composited cells) and stepping time (reading and
 * recolouring a snapshot too). Target: 60 frames per second or more for
 * panning and zooming at 1280 x 800. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench_util.h"
#include "citytwin/snapshot.h"
#include "view.h"

static int make_run(const char *path, int n, int nt) {
  ct_error err = {0};
  ct_grid g;
  if (ct_grid_init(&g, "EPSG:32648", 660000, 1520000, 660000 + 2.0 * n,
                   1520000 + 2.0 * n, 2.0, &err) != CT_OK) {
    fprintf(stderr, "grid: %s\n", err.msg);
    return -1;
  }
  ct_fields *fs = ct_fields_new(&g);
  ct_field *dem = ct_fields_add(fs, "layer.dem", "m", "Ground elevation",
                                CT_FIELD_STATIC, &err);
  ct_field *d = ct_fields_add(fs, "flood.depth", "m", "Water depth", 0, &err);
  ct_snapshot_meta meta = {.title = "bench", .start_unix = 1789462800.0,
                           .utc_offset_s = 7 * 3600, .duration = 3600.0};
  ct_snapshot *s = NULL;
  int rc = !fs || !dem || !d ? -1 : ct_snapshot_create(&s, path, &g, &meta, &err);
  for (int j = 0; rc == 0 && j < n; j++)
    for (int i = 0; i < n; i++)
      dem->data[(size_t)j * n + i] =
          (float)(5.0 + 3.0 * sin(i * 0.01) * cos(j * 0.013) + 0.002 * i);
  if (rc == 0) rc = ct_snapshot_write_static(s, dem, &err);
  for (int t = 0; rc == 0 && t < nt; t++) {
    for (int j = 0; j < n; j++)
      for (int i = 0; i < n; i++) {
        double z = dem->data[(size_t)j * n + i];
        double wl = 4.0 + 0.5 * t;
        d->data[(size_t)j * n + i] = (float)(z < wl ? wl - z : 0.0);
      }
    rc = ct_snapshot_append(s, 600.0 * t, &d, 1, &err);
  }
  if (s && ct_snapshot_close(s, 1, &err) != CT_OK) rc = -1;
  if (rc) fprintf(stderr, "writing %s: %s\n", path, err.msg);
  ct_fields_free(fs);
  ct_grid_free(&g);
  return rc;
}

int main(int argc, char **argv) {
  int n = 2000, w = 1280, h = 800, frames = 300;
  if (argc > 1) n = atoi(argv[1]);
  char path[] = "/tmp/bench_view_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  close(fd);
  double t0 = bench_now();
  if (make_run(path, n, 4)) {
    remove(path);
    return 1;
  }
  printf("bench_view: %dx%d field, %dx%d window (run written in %.1f s)\n", n, n,
         w, h, bench_now() - t0);
  ct__view v;
  ct_error err = {0};
  if (ct__view_open(&v, path, NULL, 0, &err) != CT_OK) {
    fprintf(stderr, "%s\n", err.msg);
    remove(path);
    return 1;
  }
  uint32_t *px = malloc((size_t)w * h * sizeof *px);
  if (!px) return 1;
  t0 = bench_now();
  ct__view_render(&v, px, w, h);
  printf("first frame (reads, hillshade done at open, colours): %.1f ms\n",
         1e3 * (bench_now() - t0));
  /* pan and zoom: a zoom in to 8 px per cell and out again at the cursor,
     with a drag every frame */
  t0 = bench_now();
  for (int f = 0; f < frames; f++) {
    int cx = v.map[0].x + v.map[0].w / 2 + (f % 50) - 25;
    int cy = v.map[0].y + v.map[0].h / 2 + (f % 30) - 15;
    ct__view_zoom_at(&v, (f / 60) % 2 ? 0.93 : 1.0 / 0.93, cx, cy);
    ct__view_pan(&v, 3.0, -2.0);
    v.mouse_x = cx;
    v.mouse_y = cy;
    v.mouse_in = 1; /* probe read-out with lat/lon, as under a moving mouse */
    ct__view_render(&v, px, w, h);
  }
  double dt = bench_now() - t0;
  printf("pan/zoom: %d frames in %.2f s = %.1f frames/s (target >= 60)\n", frames,
         dt, frames / dt);
  /* time steps: every frame reads a snapshot and recolours 4 M cells */
  ct__view_reset(&v);
  int nt = ct_reader_ntimes(v.run[0].r), steps = 24;
  t0 = bench_now();
  for (int f = 0; f < steps; f++) {
    v.t = f % nt;
    ct__view_render(&v, px, w, h);
  }
  dt = bench_now() - t0;
  printf("time steps: %d frames in %.2f s = %.1f frames/s\n", steps, dt, steps / dt);
  ct__view_close(&v);
  /* the same with two runs side by side, and as their difference */
  for (int mode = CT__CMP_SIDE; mode <= CT__CMP_DIFF; mode++) {
    if (ct__view_open(&v, path, path, mode, &err) != CT_OK) {
      fprintf(stderr, "%s\n", err.msg);
      break;
    }
    ct__view_render(&v, px, w, h);
    t0 = bench_now();
    for (int f = 0; f < frames; f++) {
      int cx = v.map[0].x + v.map[0].w / 2;
      ct__view_zoom_at(&v, (f / 60) % 2 ? 0.93 : 1.0 / 0.93, cx, v.map[0].y + 100);
      ct__view_pan(&v, 2.0, 1.0);
      ct__view_render(&v, px, w, h);
    }
    dt = bench_now() - t0;
    printf("%s pan/zoom: %d frames in %.2f s = %.1f frames/s\n",
           mode == CT__CMP_SIDE ? "side by side" : "difference", frames, dt,
           frames / dt);
    ct__view_close(&v);
  }
  free(px);
  remove(path);
  return 0;
}
