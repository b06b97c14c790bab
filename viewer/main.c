/* main.c - citytwin-view's command line: opens the run(s), applies the
 * options, then either renders headless (--render, --frames, --mp4) or opens
 * the window. Every failure is a message on stderr and exit status 2 for bad
 * input (usage, a missing, corrupt or truncated file), 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app.h"
#include "citytwin/util.h"
#include "view.h"

static void usage(FILE *f) {
  fprintf(f,
"usage: citytwin-view RUN.nc [OTHER.nc] [options]\n"
"Replays a citytwin run: shaded DEM, roads and a field over time.\n"
"With OTHER.nc the two runs are shown side by side (linked), or as the\n"
"difference A - B with --diff OTHER.nc (key d switches).\n"
"\n"
"  --render OUT.png    draw one picture without a window and exit\n"
"  --frames DIR        draw every snapshot to DIR/frame_NNNN.png and exit\n"
"  --mp4 OUT.mp4       encode every snapshot with ffmpeg and exit\n"
"  --field NAME        field to show (default: the first time-varying one)\n"
"  --time T            HH:MM[:SS] clock time as in the title bar (the run's\n"
"                      local time), +HH:MM[:SS] or a duration (90min) from\n"
"                      the start, an ISO 8601 time, or #N for the N-th\n"
"                      snapshot (default #1); outside the run is an error\n"
"  --size WxH          picture / window size (default 1280x800)\n"
"  --diff OTHER.nc     show A - B with the diverging colour map\n"
"  --cmap NAME         viridis, cividis, magma or diverging (--diff: diverging)\n"
"  --range MIN,MAX     fixed colour range\n"
"  --range-mode M      run (same colours in every frame, default) or frame\n"
"  --log               logarithmic colour scale (not with --diff)\n"
"  --threshold X       values below X show the base map\n"
"  --opacity X         field opacity 0..1 (default 1)\n"
"  --pin I,J           pin cell column I, row J and plot its time series\n"
"  --zoom Z            pixels per cell, centred on --pin when given\n"
"  --script FILE       feed scripted key and mouse events to the window\n"
"  --shot FILE         where the screenshot key (p) saves\n"
"  --help              this text\n"
"\n"
"In the window press F1 or ? for the keys.\n");
}

static int parse_size(const char *s, int *w, int *h) {
  char *end;
  long a = strtol(s, &end, 10);
  if (*end != 'x' && *end != 'X') return -1;
  long b = strtol(end + 1, &end, 10);
  if (*end || a < 64 || b < 64 || a > 16384 || b > 16384) return -1;
  *w = (int)a;
  *h = (int)b;
  return 0;
}

static int parse_pair(const char *s, double *a, double *b) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", s);
  char *sep = strpbrk(buf, ", ");
  if (!sep) return -1;
  *sep = '\0';
  return ct_parse_double(buf, a) || ct_parse_double(sep + 1, b) ? -1 : 0;
}

/* 0 ok; -1 not a time (usage message); CT_ERANGE with err set. */
/* parse_time's answer for text that is no time at all (errors are < 0) */
#define NOT_A_TIME 1

static int parse_time(ct__view *v, const char *s, ct_error *err) {
  if (s[0] == '#') {
    char *end;
    long k = strtol(s + 1, &end, 10);
    if (*end || k < 1 || k > ct_reader_ntimes(v->run[0].r)) return NOT_A_TIME;
    v->t = (int)k - 1;
    return 0;
  }
  double t;
  /* HH:MM is what the title bar shows, a clock time; "+" marks an offset */
  if (s[0] != '+' && strchr(s, ':') && ct_parse_clock(s, &t) == CT_OK)
    return ct__view_set_clock(v, t, err);
  if (ct_parse_clock(s + (s[0] == '+'), &t) == CT_OK) return ct__view_set_time(v, t, err);
  double u;
  int off, has_off = 0;
  char why[160] = "";
  if (ct_parse_iso8601_ex(s, &u, &off, &has_off, why, sizeof why) == CT_OK) {
    if (!has_off) /* a local time of an unknown zone */
      return ct_error_set(err, CT_EINVAL, "an ISO 8601 time needs its UTC "
                          "offset, e.g. 2026-09-15T16:30:00+07:00");
    return ct__view_set_time(v, u - ct_reader_start_unix(v->run[0].r), err);
  }
  /* the parser's reason only for what is meant as a date (2026-02-30) */
  if (*why && strspn(s, "0123456789") == 4 && s[4] == '-')
    return ct_error_set(err, CT_EINVAL, "%s", why);
  return NOT_A_TIME;
}

#define NEED_ARG()                                                          \
  do {                                                                      \
    if (k + 1 >= argc) {                                                    \
      fprintf(stderr, "citytwin-view: %s needs a value (see --help)\n", a); \
      return 2;                                                             \
    }                                                                       \
  } while (0)

int main(int argc, char **argv) {
  const char *files[2] = {NULL, NULL}, *render = NULL, *frames = NULL, *mp4 = NULL;
  const char *field = NULL, *time_s = NULL, *cmap = NULL, *range = NULL,
             *range_mode = NULL, *thr = NULL, *opacity = NULL, *pin = NULL,
             *zoom = NULL;
  ct__app_opts ao = {1280, 800, NULL, NULL};
  int nfiles = 0, diff = 0, logscale = 0;
  for (int k = 1; k < argc; k++) {
    const char *a = argv[k];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--render")) {
      NEED_ARG();
      render = argv[++k];
      size_t n = strlen(render);
      if (n < 4 || strcasecmp(render + n - 4, ".png")) {
        /* the picture is PNG, whatever the name says */
        fprintf(stderr, "citytwin-view: --render %s: the picture is a PNG; "
                "name it .png\n", render);
        return 2;
      }
    } else if (!strcmp(a, "--frames")) { NEED_ARG(); frames = argv[++k];
    } else if (!strcmp(a, "--mp4")) { NEED_ARG(); mp4 = argv[++k];
    } else if (!strcmp(a, "--field")) { NEED_ARG(); field = argv[++k];
    } else if (!strcmp(a, "--time")) { NEED_ARG(); time_s = argv[++k];
    } else if (!strcmp(a, "--cmap")) { NEED_ARG(); cmap = argv[++k];
    } else if (!strcmp(a, "--range")) { NEED_ARG(); range = argv[++k];
    } else if (!strcmp(a, "--range-mode")) { NEED_ARG(); range_mode = argv[++k];
    } else if (!strcmp(a, "--threshold")) { NEED_ARG(); thr = argv[++k];
    } else if (!strcmp(a, "--opacity")) { NEED_ARG(); opacity = argv[++k];
    } else if (!strcmp(a, "--pin")) { NEED_ARG(); pin = argv[++k];
    } else if (!strcmp(a, "--zoom")) { NEED_ARG(); zoom = argv[++k];
    } else if (!strcmp(a, "--script")) { NEED_ARG(); ao.script = argv[++k];
    } else if (!strcmp(a, "--shot")) { NEED_ARG(); ao.shot = argv[++k];
    } else if (!strcmp(a, "--log")) { logscale = 1;
    } else if (!strcmp(a, "--size")) {
      NEED_ARG();
      if (parse_size(argv[++k], &ao.w, &ao.h)) {
        fprintf(stderr, "citytwin-view: --size %s: expected WxH, e.g. 1280x800\n", argv[k]);
        return 2;
      }
    } else if (!strcmp(a, "--diff")) {
      NEED_ARG();
      diff = 1;
      if (nfiles >= 2) goto too_many;
      files[1] = argv[++k];
      if (nfiles < 1) { /* RUN.nc must come first */
        fprintf(stderr, "citytwin-view: --diff OTHER.nc needs RUN.nc before it\n");
        return 2;
      }
      nfiles = 2;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "citytwin-view: unknown option %s (see --help)\n", a);
      return 2;
    } else {
      if (nfiles >= 2) goto too_many;
      files[nfiles++] = a;
    }
  }
  if (nfiles < 1) {
    usage(stderr);
    return 2;
  }

  ct__view v;
  ct_error err = {0};
  int rc = ct__view_open(&v, files[0], files[1], diff ? CT__CMP_DIFF : CT__CMP_SIDE, &err);
  if (rc != CT_OK) {
    fprintf(stderr, "citytwin-view: %s\n", err.msg);
    ct__view_close(&v);
    return 2;
  }
  int status = 0;
  if (field && ct__view_set_field(&v, field, &err) != CT_OK) {
    fprintf(stderr, "citytwin-view: %s\n", err.msg);
    status = 2;
    goto out;
  }
  if (diff && logscale) { /* a difference has both signs */
    fprintf(stderr, "citytwin-view: --log cannot show a difference (--diff): "
            "A - B has both signs; drop --log, or compare side by side\n");
    status = 2;
    goto out;
  }
  if (time_s && (rc = parse_time(&v, time_s, &err)) != 0) {
    if (rc == NOT_A_TIME)
      fprintf(stderr, "citytwin-view: --time %s: expected HH:MM[:SS], +HH:MM[:SS], a "
              "duration, ISO 8601 or #N (1..%d)\n", time_s, ct_reader_ntimes(v.run[0].r));
    else
      fprintf(stderr, "citytwin-view: --time %s: %s\n", time_s, err.msg);
    status = 2;
    goto out;
  }
  if (cmap && (v.cmap = ct__cmap_find(cmap)) < 0) {
    fprintf(stderr, "citytwin-view: --cmap %s: expected viridis, cividis, magma "
            "or diverging\n", cmap);
    status = 2;
    goto out;
  }
  if (cmap && diff && v.cmap != CT__CMAP_DIVERGING) {
    fprintf(stderr, "citytwin-view: --cmap %s: a difference (--diff) needs the "
            "diverging map\n", cmap);
    status = 2;
    goto out;
  }
  if (range) {
    if (parse_pair(range, &v.typed_lo, &v.typed_hi) || !(v.typed_hi > v.typed_lo)) {
      fprintf(stderr, "citytwin-view: --range %s: expected MIN,MAX with MIN < MAX\n", range);
      status = 2;
      goto out;
    }
    v.range_mode = CT__RANGE_TYPED;
  }
  if (range_mode) {
    if (!strcmp(range_mode, "run")) v.range_mode = CT__RANGE_RUN;
    else if (!strcmp(range_mode, "frame")) v.range_mode = CT__RANGE_FRAME;
    else {
      fprintf(stderr, "citytwin-view: --range-mode %s: expected run or frame\n", range_mode);
      status = 2;
      goto out;
    }
  }
  if (thr) {
    if (ct_parse_double(thr, &v.thr)) {
      fprintf(stderr, "citytwin-view: --threshold %s: not a number\n", thr);
      status = 2;
      goto out;
    }
    v.thr_set = 1;
  }
  if (opacity && (ct_parse_double(opacity, &v.opacity) || v.opacity < 0 || v.opacity > 1)) {
    fprintf(stderr, "citytwin-view: --opacity %s: expected a number in 0..1\n", opacity);
    status = 2;
    goto out;
  }
  v.log = logscale;
  if (pin) {
    double pi, pj;
    if (parse_pair(pin, &pi, &pj) || ct__view_pin(&v, (int)pi, (int)pj, &err) != CT_OK) {
      fprintf(stderr, "citytwin-view: --pin %s: %s\n", pin,
              err.msg[0] ? err.msg : "expected I,J (column, row)");
      status = 2;
      goto out;
    }
  }
  if (zoom) {
    double z;
    if (ct_parse_double(zoom, &z) || !(z > 0)) {
      fprintf(stderr, "citytwin-view: --zoom %s: expected pixels per cell > 0\n", zoom);
      status = 2;
      goto out;
    }
    uint32_t dummy[64 * 64];
    ct__view_render(&v, dummy, 64, 64); /* lays out, so reset knows the map size */
    ct__view_reset(&v);
    v.zoom = z;
    v.user_moved = 1; /* a window resize keeps it */
    if (v.pin) {
      v.cx = v.pin_i + 0.5;
      v.cy = v.pin_j + 0.5;
    }
  }

  if (render || frames || mp4) {
    if (render) {
      uint32_t *px = malloc((size_t)ao.w * ao.h * sizeof *px);
      if (!px) {
        fprintf(stderr, "citytwin-view: out of memory for %dx%d\n", ao.w, ao.h);
        status = 1;
        goto out;
      }
      if (zoom) { /* keep the zoom but lay out for the real size */
        double z = v.zoom, cx = v.cx, cy = v.cy;
        ct__view_render(&v, px, ao.w, ao.h);
        v.zoom = z;
        v.cx = cx;
        v.cy = cy;
      } else {
        v.view_ok = 0;
      }
      ct__view_render(&v, px, ao.w, ao.h);
      if (v.note[0]) fprintf(stderr, "citytwin-view: warning: %s\n", v.note);
      rc = ct__png_write(render, px, ao.w, ao.h, &err);
      free(px);
      if (rc != CT_OK) {
        fprintf(stderr, "citytwin-view: %s\n", err.msg);
        status = 1;
        goto out;
      }
      if (v.err[0]) { /* a picture without the field is no picture */
        fprintf(stderr, "citytwin-view: %s\n", v.err);
        status = 2;
        goto out;
      }
    }
    if (!zoom) v.view_ok = 0;
    if (frames && (rc = ct__view_export_frames(&v, frames, ao.w, ao.h, &err)) < 0) {
      fprintf(stderr, "citytwin-view: %s\n", err.msg);
      status = rc == CT_EFORMAT ? 2 : 1;
      goto out;
    }
    if (mp4 && (rc = ct__view_export_mp4(&v, mp4, ao.w, ao.h, &err)) < 0) {
      fprintf(stderr, "citytwin-view: %s\n", err.msg);
      status = rc == CT_ENOENT || rc == CT_EFORMAT ? 2 : 1;
      goto out;
    }
    /* the last frame's warning (differing times show there if anywhere) */
    if (!render && v.note[0]) fprintf(stderr, "citytwin-view: warning: %s\n", v.note);
  } else {
    status = ct__app_run(&v, &ao);
  }
out:
  ct__view_close(&v);
  return status;
too_many:
  fprintf(stderr, "citytwin-view: at most two runs (RUN.nc [OTHER.nc])\n");
  return 2;
}
