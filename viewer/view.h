/* view.h - the viewer's internals shared between its files: the drawing
 * code (a CPU ARGB pixel buffer, identical for the window and for headless
 * rendering), colour maps, the bitmap font, PNG writing, and the view state
 * that ties a run file to what is on screen. No SDL in here: the window code
 * (app.c) only uploads the buffer this code fills. */
#ifndef CT_VIEW_H
#define CT_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "citytwin/error.h"
#include "citytwin/snapshot.h"

/* --- pixels: 0xAARRGGBB in a uint32 (SDL_PIXELFORMAT_ARGB8888) --- */

#define CT__RGB(r, g, b) \
  (0xFF000000u | ((uint32_t)(r) << 16) | ((uint32_t)(g) << 8) | (uint32_t)(b))
#define CT__R(c) (((c) >> 16) & 0xFFu)
#define CT__G(c) (((c) >> 8) & 0xFFu)
#define CT__B(c) ((c) & 0xFFu)

typedef struct ct__canvas {
  uint32_t *px;
  int w, h;
  int cx0, cy0, cx1, cy1;  /* clip rectangle, [cx0, cx1) x [cy0, cy1) */
} ct__canvas;

typedef struct ct__rect {
  int x, y, w, h;
} ct__rect;

void ct__canvas_clip(ct__canvas *c, ct__rect r);
void ct__canvas_noclip(ct__canvas *c);
void ct__fill(ct__canvas *c, ct__rect r, uint32_t col);
/* Blends col over r with alpha a in [0, 255]. */
void ct__fill_alpha(ct__canvas *c, ct__rect r, uint32_t col, int a);
void ct__frame(ct__canvas *c, ct__rect r, uint32_t col);
void ct__hline(ct__canvas *c, int x0, int x1, int y, uint32_t col);
void ct__vline(ct__canvas *c, int x, int y0, int y1, uint32_t col);
/* Anti-aliased line (Wu); only_base: skip pixels flagged as covered by the
 * field (see ct__view_render), so roads lie under the field. */
void ct__line(ct__canvas *c, double x0, double y0, double x1, double y1,
              uint32_t col, int only_base);
int ct__in_rect(ct__rect r, int x, int y);

/* --- text: built-in 5x7 bitmap font in 6x10 cells --- */

#define CT__GLYPH_W 6
#define CT__GLYPH_H 10
/* Draws s at (x, y) (top-left), scale 1 or more; returns the x after it. */
int ct__text(ct__canvas *c, int x, int y, const char *s, uint32_t col,
             int scale);
int ct__text_width(const char *s, int scale);
/* Characters drawn for UTF-8 s (one cell each), and the rest of s after
 * its first n such characters: cut there and a multibyte letter stays whole. */
int ct__text_len(const char *s);
const char *ct__text_skip(const char *s, int n);
/* 1 if the pixel (x, y) of glyph ch is set (for tests). */
int ct__glyph_bit(int ch, int x, int y);

/* --- colour maps --- */

enum { CT__CMAP_VIRIDIS, CT__CMAP_CIVIDIS, CT__CMAP_MAGMA, CT__CMAP_DIVERGING,
       CT__NCMAPS };
const char *ct__cmap_name(int cmap);
int ct__cmap_find(const char *name); /* index or -1 */
/* The colour at u in [0, 1] (clamped), quantised to the 256 entries the
 * renderer uses. */
uint32_t ct__cmap_rgb(int cmap, double u);
/* Fills lut[256]. */
void ct__cmap_lut(int cmap, uint32_t lut[256]);
/* Land-use classes (the team's codes 0..7): a fixed colour and name each. */
#define CT__NCLASSES 8
uint32_t ct__class_rgb(int cls);
const char *ct__class_name(int cls); /* "?" outside 0..7 */

/* --- PNG (zlib) --- */

/* Writes w*h ARGB pixels as an RGB PNG. */
int ct__png_write(const char *path, const uint32_t *px, int w, int h,
                  ct_error *err);

/* --- hillshade (Horn 1981) --- */

/* Shade in [0, 1] per cell (NaN where z is NaN), sun from azimuth az_deg
 * (clockwise from north) at altitude alt_deg, heights times zfactor. */
void ct__hillshade(const float *z, int nx, int ny, double dx, double az_deg,
                   double alt_deg, double zfactor, float *out);

/* --- the view --- */

enum { CT__RANGE_RUN, CT__RANGE_FRAME, CT__RANGE_TYPED, CT__NRANGES };
enum { CT__CMP_NONE, CT__CMP_SIDE, CT__CMP_DIFF };

typedef struct ct__run {
  char *path;
  ct_reader *r;
  const ct_grid *g;
  uint32_t *base;        /* nx*ny: hillshade (+ land-use tint), alpha 0 */
  int nroad_pts, nroad_parts;
  double *road;          /* road vertices in cell units (col, row) */
  int *road_part;
  float *data;           /* current frame of the shown variable */
  int data_var, data_t;  /* what data holds (-1: nothing) */
  float *rng_lo, *rng_hi;/* per variable range over the run (NaN unknown) */
  float *rng_p99;        /* per variable 99th percentile of shown depths */
  char err[512];         /* why data could not be read, or empty */
} ct__run;

typedef struct ct__view {
  ct__run run[2];
  int nruns;
  int compare;           /* CT__CMP_* */
  int var;               /* variable index in run[0] */
  int t;                 /* time index in run[0] */
  int cmap;              /* -1: viridis, diverging in diff mode */
  int log;
  int range_mode;
  double typed_lo, typed_hi;
  int thr_set;           /* user gave a threshold */
  double thr;
  double opacity;        /* of the field over the base map */
  /* view: centre (cell units) and zoom (pixels per cell) */
  double cx, cy, zoom;
  int view_ok;
  int user_moved;        /* panned or zoomed by the user: keep it on resize */
  /* derived each render */
  double lo, hi;         /* colour range in effect */
  int robust;            /* hi is the run's 99th percentile, not its max */
  double over;           /* largest value above hi (NaN: none over) */
  double thr_eff;        /* display threshold in effect (-inf: none) */
  float *diff;           /* A - B */
  char data_key[64];     /* which frames data/diff/frame range were made of */
  double frame_lo, frame_hi; /* range of the shown frame(s) */
  float *diff_rng;       /* per variable max |A - B| over the run */
  uint32_t *img[2];      /* composited cells of each pane */
  char img_key[2][160];
  uint32_t lut[256];
  uint32_t *mip[2];      /* img box-filtered by mip_f when zoomed out */
  int mip_f[2];
  char mip_key[2][176];
  int *colx;             /* screen column -> cell column scratch */
  int ncolx;
  /* layout from the last render */
  ct__rect top, bottom, legend, slider, map[2];
  ct__rect series_box;   /* the pinned series' panel (w 0: not drawn) */
  int npanes;
  int win_w, win_h;
  /* interaction */
  int playing, loop;
  double fps;            /* playback frames per second */
  int follow;            /* live: stay on the newest snapshot */
  int mouse_x, mouse_y, mouse_in;
  int probe_i, probe_j;  /* cell whose lat/lon probe_ll holds */
  char probe_ll[64];
  int pin, pin_i, pin_j;
  float *series;         /* pinned point's value at every time of A */
  float *series_b;       /* and of B at A's times (NULL with one run) */
  int nseries, series_var;
  int picker, picker_sel, help;
  ct__rect picker_box;   /* where the picker's first line was drawn */
  int input_mode;        /* 0 none, 'r' range, 't' threshold */
  char input[128];
  char status[256];
  double status_until;   /* seconds (app clock); 0 = until replaced */
  double now;            /* app clock for the status line */
  char err[512];         /* a read error to show instead of the field */
  char note[320];        /* a warning about what is shown (empty: none) */
} ct__view;

/* How the shown field is drawn and read out (by name and units):
 * CLASSES layer.landuse (or NAME.landuse, units "1"): a colour per class;
 * CLOCK   units "s" and "time_" or "arrival" in the name: seconds from the
 *         start, shown as the run's local clock time;
 * DEPTH   "depth" in the name, units "m": hidden under 1 cm, whole-run
 *         range the 99th percentile;
 * CONC    units "ug m-3": hidden under 1e-3 of the range's top.
 * A difference A - B is always PLAIN. */
enum { CT__KIND_PLAIN, CT__KIND_CLASSES, CT__KIND_CLOCK, CT__KIND_DEPTH,
       CT__KIND_CONC };
int ct__view_kind(const ct__view *v);
/* Seconds from run 0's start as its local clock time, "HH:MM" or with secs
 * "HH:MM:SS"; "MM-DD HH:MM" on another day than the start. */
void ct__view_clock(const ct__view *v, double s, int secs, char *buf, size_t n);

/* Internal steps of a render, shared with render.c. */
void ct__view_prepare(ct__view *v);
int ct__view_cmap(const ct__view *v);
double ct__view_unit(const ct__view *v, double x);
int ct__view_time_of(const ct__view *v, int q, int t);
/* "2026-09-15 14:10:00+07:00  +00:10:00" of run q at the shown time. */
void ct__view_time_label(const ct__view *v, int q, char *buf, size_t n);
/* The runs' shown times or start times differ: 1 and a note in buf. */
int ct__view_time_note(const ct__view *v, char *buf, size_t n);
/* The shown field is static: one frame, no time axis. */
int ct__view_static(const ct__view *v);
/* "interrupted", "running", "failed"... for a run not complete; NULL else. */
const char *ct__view_run_state(const ct__view *v, int q, char *buf, size_t n);
/* The keys g and c: refused in difference mode (with a status message)
 * where they would give a one-sided scale or map; 0 done, -1 refused. */
int ct__view_toggle_log(ct__view *v);
int ct__view_next_cmap(ct__view *v);

/* Opens path (and other when not NULL) and chooses the first field. */
int ct__view_open(ct__view *v, const char *path, const char *other,
                  int compare, ct_error *err);
void ct__view_close(ct__view *v);
/* Picks a variable by name; CT_ENOENT when the file has none of that name. */
int ct__view_set_field(ct__view *v, const char *name, ct_error *err);
/* Nearest snapshot to t seconds from the start; CT_ERANGE (message naming
 * the run's time span) when t is before the first or after the last. */
int ct__view_set_time(ct__view *v, double t, ct_error *err);
/* Clock time of day ("14:10" -> 51000 s) in the run's local time: the one
 * time in the run with that clock reading; CT_ERANGE when none or several. */
int ct__view_set_clock(ct__view *v, double tod, ct_error *err);
/* Full extent in the current map rectangle(s). */
void ct__view_reset(ct__view *v);
/* Renders the whole window into px (w x h). */
void ct__view_render(ct__view *v, uint32_t *px, int w, int h);
/* Screen position of the centre of cell (i, j) in pane p after a render;
 * 0 ok, -1 off screen. */
int ct__view_cell_px(const ct__view *v, int p, int i, int j, int *x, int *y);
/* The cell under screen point (x, y): pane index or -1. */
int ct__view_px_cell(const ct__view *v, int x, int y, int *i, int *j);
/* The probe read-out for screen point (x, y) after a render: value and
 * units, map x/y, latitude/longitude, cell; pane index or -1 off the data. */
int ct__view_probe_text(ct__view *v, int x, int y, char *line, size_t n);
/* Zooms by factor keeping screen point (x, y) fixed. */
void ct__view_zoom_at(ct__view *v, double factor, int x, int y);
void ct__view_pan(ct__view *v, double dxpix, double dypix);
/* Pins cell (i, j) and reads its time series. */
int ct__view_pin(ct__view *v, int i, int j, ct_error *err);
/* 1 while a run's file is still being written (status "running"). */
int ct__view_live(const ct__view *v);
/* Live files: re-reads the number of snapshots; *grew set when new ones. */
int ct__view_refresh(ct__view *v, int *grew, ct_error *err);
void ct__view_status(ct__view *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "Flood depth [m]" style label of variable k of run 0. */
void ct__view_label(const ct__view *v, int k, char *buf, size_t n);
/* Renders every frame to dir/frame_NNNN.png at w x h; returns count or <0. */
int ct__view_export_frames(ct__view *v, const char *dir, int w, int h,
                           ct_error *err);
/* Pipes every frame through ffmpeg into an MP4; CT_ENOENT without ffmpeg. */
int ct__view_export_mp4(ct__view *v, const char *path, int w, int h,
                        ct_error *err);

#endif
