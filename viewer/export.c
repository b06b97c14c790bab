/* export.c - pictures for reports: every snapshot of the current view as a
 * numbered PNG sequence, or an MP4 encoded by an installed ffmpeg fed raw
 * frames through a pipe (popen), all drawn by the same renderer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "view.h"

/* Frames to export: one for a static field (every time looks the same). */
static int nframes(const ct__view *v) {
  return ct__view_static(v) ? 1 : ct_reader_ntimes(v->run[0].r);
}

int ct__view_export_frames(ct__view *v, const char *dir, int w, int h,
                           ct_error *err) {
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return ct_error_set(err, CT_EIO, "%s: cannot create the folder: %s", dir,
                        strerror(errno));
  uint32_t *px = malloc((size_t)w * h * sizeof *px);
  if (!px) return ct_error_set(err, CT_ENOMEM, "out of memory for a %dx%d frame", w, h);
  /* the cursor's probe belongs to the window, not to a report's frames */
  int keep = v->t, nt = nframes(v), rc = CT_OK, mouse = v->mouse_in;
  v->mouse_in = 0;
  for (int t = 0; t < nt && rc == CT_OK; t++) {
    v->t = t;
    ct__view_render(v, px, w, h);
    if (v->err[0]) { /* a frame with an error banner instead of data is no frame */
      rc = ct_error_set(err, CT_EFORMAT, "snapshot #%d: %s", t + 1, v->err);
      break;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/frame_%04d.png", dir, t + 1);
    rc = ct__png_write(path, px, w, h, err);
  }
  v->t = keep;
  v->mouse_in = mouse;
  free(px);
  return rc == CT_OK ? nt : rc;
}

int ct__view_export_mp4(ct__view *v, const char *path, int w, int h,
                        ct_error *err) {
  if (system("command -v ffmpeg >/dev/null 2>&1") != 0)
    return ct_error_set(err, CT_ENOENT,
                        "ffmpeg is not installed: export PNG frames instead (key e, or --frames DIR)");
  if (strchr(path, '\'') || strchr(path, '\n'))
    return ct_error_set(err, CT_EINVAL, "%s: the file name may not hold quotes", path);
  /* yuv420p needs even sizes */
  w &= ~1;
  h &= ~1;
  char cmd[4400];
  snprintf(cmd, sizeof cmd,
           "ffmpeg -loglevel error -y -f rawvideo -pixel_format bgra "
           "-video_size %dx%d -framerate %g -i - -pix_fmt yuv420p '%s'",
           w, h, v->fps > 0 ? v->fps : 4.0, path);
  uint32_t *px = malloc((size_t)w * h * sizeof *px);
  if (!px) return ct_error_set(err, CT_ENOMEM, "out of memory for a %dx%d frame", w, h);
  FILE *pipe = popen(cmd, "w");
  if (!pipe) {
    free(px);
    return ct_error_set(err, CT_EIO, "cannot start ffmpeg: %s", strerror(errno));
  }
  int keep = v->t, nt = nframes(v), bad = 0, mouse = v->mouse_in;
  char why[600] = "";
  v->mouse_in = 0;
  for (int t = 0; t < nt && !bad; t++) {
    v->t = t;
    ct__view_render(v, px, w, h);
    if (v->err[0]) {
      snprintf(why, sizeof why, "snapshot #%d: %s", t + 1, v->err);
      break;
    }
    /* ARGB in a little-endian uint32 is the byte order B, G, R, A */
    bad = fwrite(px, sizeof *px, (size_t)w * h, pipe) != (size_t)w * h;
  }
  v->t = keep;
  v->mouse_in = mouse;
  free(px);
  int st = pclose(pipe);
  if (why[0]) return ct_error_set(err, CT_EFORMAT, "%s", why);
  if (bad || st != 0)
    return ct_error_set(err, CT_EIO, "%s: ffmpeg failed (status %d)", path, st);
  return nt;
}
