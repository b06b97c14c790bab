/* render.c - lays out and draws the viewer's whole window into the pixel
 * buffer: title and time bar, the map pane(s) (nearest-neighbour resampling
 * of the composited cells, so zoomed-in cells stay square and sharp, with
 * the roads under the field), legend with ticks, time slider, probe read-out,
 * the pinned point's time series, and the picker / help / input overlays.
 * The window and headless rendering both call ct__view_render. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/layers.h"
#include "citytwin/util.h"
#include "view.h"

#define COL_BG CT__RGB(0x1E, 0x22, 0x27)
#define COL_PANEL CT__RGB(0x26, 0x2B, 0x31)
#define COL_EDGE CT__RGB(0x3A, 0x41, 0x49)
#define COL_TEXT CT__RGB(0xE8, 0xEA, 0xED)
#define COL_DIM CT__RGB(0x9A, 0xA3, 0xAD)
#define COL_ACCENT CT__RGB(0x4F, 0xC3, 0xF7)
#define COL_WARN CT__RGB(0xFF, 0x8A, 0x65)
#define COL_VOID CT__RGB(0x33, 0x38, 0x3E)
#define COL_ROAD CT__RGB(0x4A, 0x4A, 0x55)

#define TOP_H 30
#define BOTTOM_H 50
#define LEGEND_W 136
#define LEGEND_W_SMALL 64

static void fmt_num(double x, char *buf, size_t n) {
  if (x == 0.0) x = 0.0; /* no "-0" */
  double ax = fabs(x);
  if (ax != 0.0 && (ax < 1e-3 || ax >= 1e6))
    snprintf(buf, n, "%.3g", x);
  else
    snprintf(buf, n, "%.4g", x);
}

/* Truncates UTF-8 s with an ellipsis to fit max_px at scale, cutting
 * between characters, never inside one. */
static void fit_text(const char *s, int max_px, int scale, char *out, size_t n) {
  int maxc = max_px / (CT__GLYPH_W * scale);
  if (maxc < 0) maxc = 0;
  if (ct__text_len(s) <= maxc) {
    snprintf(out, n, "%s", s);
    return;
  }
  int keep = maxc > 1 ? maxc - 1 : maxc;
  int bytes = (int)(ct__text_skip(s, keep) - s);
  snprintf(out, n, "%.*s%s", bytes, s, maxc > 1 ? "\xE2\x80\xA6" : "");
}

static const ct_snapshot_var *shown(const ct__view *v) {
  return ct_reader_var(v->run[0].r, v->var);
}

/* --- map panes --- */

static void layout(ct__view *v, int w, int h) {
  /* a picture without a legend is colours without meaning: narrow, never none */
  int lw = w >= 480 ? LEGEND_W : LEGEND_W_SMALL;
  v->top = (ct__rect){0, 0, w, TOP_H};
  v->bottom = (ct__rect){0, h - BOTTOM_H, w, BOTTOM_H};
  v->legend = (ct__rect){w - lw, TOP_H, lw, h - TOP_H - BOTTOM_H};
  v->slider = (ct__rect){12, h - BOTTOM_H + 8, w - 24, 12};
  ct__rect m = {0, TOP_H, w - lw, h - TOP_H - BOTTOM_H};
  if (m.h < 1) m.h = 1;
  v->npanes = v->compare == CT__CMP_SIDE ? 2 : 1;
  if (v->npanes == 2) {
    int half = (m.w - 4) / 2;
    v->map[0] = (ct__rect){m.x, m.y, half, m.h};
    v->map[1] = (ct__rect){m.x + m.w - half, m.y, half, m.h};
  } else {
    v->map[0] = m;
    v->map[1] = m;
  }
  v->win_w = w;
  v->win_h = h;
}

void ct__view_reset(ct__view *v) {
  const ct_grid *g = v->run[0].g;
  ct__rect m = v->map[0];
  if (m.w <= 0 || m.h <= 0) m = (ct__rect){0, 0, 800, 600};
  double zx = (double)m.w / g->nx, zy = (double)m.h / g->ny;
  v->zoom = (zx < zy ? zx : zy) * 0.98;
  v->cx = g->nx * 0.5;
  v->cy = g->ny * 0.5;
  v->view_ok = 1;
  v->user_moved = 0;
}

int ct__view_cell_px(const ct__view *v, int p, int i, int j, int *x, int *y) {
  ct__rect m = v->map[p];
  double px = m.x + m.w * 0.5 + (i + 0.5 - v->cx) * v->zoom;
  double py = m.y + m.h * 0.5 + (j + 0.5 - v->cy) * v->zoom;
  *x = (int)floor(px);
  *y = (int)floor(py);
  return ct__in_rect(m, *x, *y) ? 0 : -1;
}

int ct__view_px_cell(const ct__view *v, int x, int y, int *i, int *j) {
  for (int p = 0; p < v->npanes; p++) {
    ct__rect m = v->map[p];
    if (!ct__in_rect(m, x, y)) continue;
    double fx = v->cx + (x + 0.5 - m.x - m.w * 0.5) / v->zoom;
    double fy = v->cy + (y + 0.5 - m.y - m.h * 0.5) / v->zoom;
    *i = (int)floor(fx);
    *j = (int)floor(fy);
    const ct_grid *g = v->run[0].g;
    if (*i < 0 || *j < 0 || *i >= g->nx || *j >= g->ny) return -1;
    return p;
  }
  return -1;
}

void ct__view_zoom_at(ct__view *v, double factor, int x, int y) {
  ct__rect m = v->map[0];
  for (int p = 0; p < v->npanes; p++)
    if (ct__in_rect(v->map[p], x, y)) m = v->map[p];
  v->user_moved = 1;
  double nz = v->zoom * factor;
  /* between a quarter pixel and 256 pixels per cell */
  if (nz < 0.25 / 4.0) nz = 0.25 / 4.0;
  if (nz > 256.0) nz = 256.0;
  double ox = x + 0.5 - m.x - m.w * 0.5, oy = y + 0.5 - m.y - m.h * 0.5;
  double fx = v->cx + ox / v->zoom, fy = v->cy + oy / v->zoom;
  v->zoom = nz;
  v->cx = fx - ox / nz;
  v->cy = fy - oy / nz;
}

void ct__view_pan(ct__view *v, double dxpix, double dypix) {
  v->user_moved = 1;
  v->cx -= dxpix / v->zoom;
  v->cy -= dypix / v->zoom;
}

/* Zoomed out below one pixel per cell, nearest sampling would skip cells
 * and alias thin features (roads, channels): the composited cells are
 * averaged over f x f blocks first (a box-filtered mip level), f the largest
 * power of two not above 1/zoom. Field/base flags go by majority. */
static const uint32_t *mip_level(ct__view *v, int p, int f, int *mw, int *mh) {
  const ct_grid *g = v->run[0].g;
  *mw = (g->nx + f - 1) / f;
  *mh = (g->ny + f - 1) / f;
  char key[176];
  snprintf(key, sizeof key, "%d|%s", f, v->img_key[p]);
  if (v->mip[p] && strcmp(key, v->mip_key[p]) == 0) return v->mip[p];
  if (!v->mip[p]) {
    /* the level for f = 2 is the largest */
    v->mip[p] = ct_alloc_aligned((size_t)((g->nx + 1) / 2) * ((g->ny + 1) / 2) *
                                 sizeof *v->mip[p]);
    if (!v->mip[p]) return NULL;
  }
  uint32_t *out = v->mip[p];
  const uint32_t *img = v->img[p];
  int w = *mw, h = *mh;
#pragma omp parallel for schedule(static)
  for (int J = 0; J < h; J++) {
    for (int I = 0; I < w; I++) {
      unsigned r = 0, gg = 0, b = 0, n = 0, flagged = 0;
      for (int j = J * f; j < J * f + f && j < g->ny; j++) {
        const uint32_t *row = img + (size_t)j * g->nx;
        for (int i = I * f; i < I * f + f && i < g->nx; i++) {
          uint32_t c = row[i];
          r += CT__R(c);
          gg += CT__G(c);
          b += CT__B(c);
          flagged += (c >> 24) != 0;
          n++;
        }
      }
      out[(size_t)J * w + I] = (2 * flagged >= n ? 0xFF000000u : 0u) |
                               ((r + n / 2) / n) << 16 | ((gg + n / 2) / n) << 8 |
                               ((b + n / 2) / n);
    }
  }
  snprintf(v->mip_key[p], sizeof v->mip_key[p], "%s", key);
  return out;
}

static void draw_pane(ct__view *v, ct__canvas *c, int p) {
  ct__rect m = v->map[p];
  const ct_grid *g = v->run[0].g;
  const uint32_t *img = v->img[p];
  int inx = g->nx, iny = g->ny, f = 1;
  while (v->zoom * f * 2 <= 1.0 && f < 64) f *= 2;
  if (f > 1) {
    const uint32_t *lv = mip_level(v, p, f, &inx, &iny);
    (void)iny;
    if (lv)
      img = lv;
    else
      f = 1, inx = g->nx, iny = g->ny;
  }
  if (v->ncolx < m.w) {
    int *nc = realloc(v->colx, (size_t)m.w * sizeof *nc);
    if (!nc) return;
    v->colx = nc;
    v->ncolx = m.w;
  }
  int *colx = v->colx;
  double z = v->zoom, hx = m.w * 0.5, hy = m.h * 0.5;
  for (int x = 0; x < m.w; x++) {
    double fx = v->cx + (x + 0.5 - hx) / z;
    int i = (int)floor(fx);
    colx[x] = (fx < 0.0 || i >= g->nx) ? -1 : i / f;
  }
  const uint32_t vd = COL_VOID & 0x00FFFFFFu;
  /* alpha marks field pixels for the road pass (and is ignored on output).
     One thread: a 1280 x 800 view resamples in about a millisecond, less than
     waking a thread team costs on a busy machine. */
  for (int y = 0; y < m.h; y++) {
    uint32_t *dst = c->px + (size_t)(m.y + y) * c->w + m.x;
    double fy = v->cy + (y + 0.5 - hy) / z;
    int j = (int)floor(fy);
    if (fy < 0.0 || j >= g->ny) {
      for (int x = 0; x < m.w; x++) dst[x] = vd;
      continue;
    }
    const uint32_t *src = img + (size_t)(j / f) * inx;
    for (int x = 0; x < m.w; x++) {
      int i = colx[x];
      dst[x] = i < 0 ? vd : src[i];
    }
  }
  ct__canvas_clip(c, m);
  /* roads: over the base map, under the field */
  const ct__run *run = &v->run[p < v->nruns ? p : 0];
  if (run->nroad_parts > 0) {
    double ox = m.x + hx - v->cx * z - 0.5, oy = m.y + hy - v->cy * z - 0.5;
    int wide = z >= 3.0;
    for (int q = 0; q < run->nroad_parts; q++) {
      for (int k = run->road_part[q]; k + 1 < run->road_part[q + 1]; k++) {
        double x0 = ox + run->road[2 * k] * z, y0 = oy + run->road[2 * k + 1] * z;
        double x1 = ox + run->road[2 * k + 2] * z,
               y1 = oy + run->road[2 * k + 3] * z;
        ct__line(c, x0, y0, x1, y1, COL_ROAD, 1);
        if (wide) {
          ct__line(c, x0 + 0.7, y0 + 0.7, x1 + 0.7, y1 + 0.7, COL_ROAD, 1);
        }
      }
    }
  }
  /* outline of the hovered cell when cells are big enough to see */
  int hi_, hj;
  if (v->mouse_in && z >= 6.0 && ct__view_px_cell(v, v->mouse_x, v->mouse_y, &hi_, &hj) >= 0) {
    int sx, sy;
    ct__view_cell_px(v, p, hi_, hj, &sx, &sy);
    int s = (int)ceil(z);
    ct__frame(c, (ct__rect){sx - s / 2, sy - s / 2, s, s}, CT__RGB(255, 255, 255));
  }
  if (v->pin) {
    int sx, sy;
    ct__view_cell_px(v, p, v->pin_i, v->pin_j, &sx, &sy);
    uint32_t pc = CT__RGB(0xFF, 0x40, 0x81);
    ct__fill(c, (ct__rect){sx - 6, sy, 13, 1}, pc);
    ct__fill(c, (ct__rect){sx, sy - 6, 1, 13}, pc);
    ct__frame(c, (ct__rect){sx - 3, sy - 3, 7, 7}, pc);
  }
  /* pane tag in compare modes */
  int ty = m.y + 6;
  if (v->compare != CT__CMP_NONE) {
    /* saved pictures must say what was subtracted, and B's own time */
    char tag[2][600], fit[600], bt[128];
    const char *pa = v->run[0].path, *sa = strrchr(pa, '/');
    const char *pb = v->run[1].path, *sb = strrchr(pb, '/');
    ct__view_time_label(v, 1, bt, sizeof bt);
    if (v->compare == CT__CMP_DIFF)
      snprintf(tag[0], sizeof tag[0], "A - B: %s - %s", sa ? sa + 1 : pa, sb ? sb + 1 : pb);
    else
      snprintf(tag[0], sizeof tag[0], "%s: %s", p == 0 ? "A" : "B",
               p == 0 ? (sa ? sa + 1 : pa) : (sb ? sb + 1 : pb));
    snprintf(tag[1], sizeof tag[1], "B at %s", bt);
    int nl = p == 1 || v->compare == CT__CMP_DIFF ? 2 : 1;
    if (ct__view_static(v)) nl = 1;
    for (int k = 0; k < nl; k++) {
      fit_text(tag[k], m.w - 16, 1, fit, sizeof fit);
      int tw = ct__text_width(fit, 1);
      ct__fill_alpha(c, (ct__rect){m.x + 6, ty, tw + 10, 16}, COL_BG, 200);
      ct__text(c, m.x + 11, ty + 3, fit, COL_TEXT, 1);
      ty += 16;
    }
  }
  /* warnings (differing times, an unreadable range) in the first pane */
  if (p == 0 && v->note[0]) {
    char fit[400];
    fit_text(v->note, m.w - 16, 1, fit, sizeof fit);
    int tw = ct__text_width(fit, 1);
    ct__fill_alpha(c, (ct__rect){m.x + 6, ty, tw + 10, 16}, COL_BG, 220);
    ct__text(c, m.x + 11, ty + 3, fit, COL_WARN, 1);
  }
  ct__canvas_noclip(c);
}

/* --- legend --- */

static double nice_step(double span, int n) {
  double raw = span / n, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
  double s = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
  return s * mag;
}

/* Ticks on the colour bar: 1-2-5 steps, decades on a log scale, or whole
 * clock minutes/hours of the run's local time for a time-of field. */
static int legend_ticks(const ct__view *v, int many, double *ticks, int max) {
  int nt = 0;
  if (ct__view_kind(v) == CT__KIND_CLOCK) {
    static const double steps[] = {60, 120, 300, 600, 900, 1800, 3600, 7200,
                                   10800, 21600, 43200, 86400};
    int want = many ? 6 : 4, ns = (int)(sizeof steps / sizeof *steps);
    double st = steps[ns - 1];
    for (int k = 0; k < ns; k++)
      if ((v->hi - v->lo) / steps[k] <= want) {
        st = steps[k];
        break;
      }
    const ct_reader *r = v->run[0].r;
    double z = ct_reader_start_unix(r) + ct_reader_utc_offset(r); /* local 0 */
    for (double t = ceil((z + v->lo) / st - 1e-9) * st - z; t <= v->hi + 1e-6 && nt < max;
         t += st)
      ticks[nt++] = t;
    return nt;
  }
  int uselog = v->log && v->compare != CT__CMP_DIFF;
  if (uselog) {
    double d0 = ceil(log10(v->lo) - 1e-9), d1 = floor(log10(v->hi) + 1e-9);
    double stepd = d1 - d0 > 8 ? ceil((d1 - d0) / 8) : 1;
    for (double d = d0; d <= d1 && nt < max; d += stepd) ticks[nt++] = pow(10.0, d);
  }
  if (nt < 2) {
    nt = 0;
    double st = nice_step(v->hi - v->lo, many ? 6 : 4);
    for (double t = ceil(v->lo / st - 1e-9) * st; t <= v->hi + st * 1e-9 && nt < max;
         t += st)
      ticks[nt++] = fabs(t) < st * 1e-9 ? 0.0 : t;
  }
  return nt;
}

/* A legend number: a clock time for a time-of field. */
static void legend_num(const ct__view *v, double x, char *buf, size_t n) {
  if (ct__view_kind(v) == CT__KIND_CLOCK)
    ct__view_clock(v, x, 0, buf, n);
  else
    fmt_num(x, buf, n);
}

/* The colour bar in bar; above its top a triangle in the top colour when
 * values above the range are drawn in that colour. */
static void legend_bar(ct__view *v, ct__canvas *c, ct__rect bar) {
  int cm = ct__view_cmap(v);
  for (int yy = 0; yy < bar.h; yy++) {
    double u = 1.0 - (yy + 0.5) / bar.h;
    ct__fill(c, (ct__rect){bar.x, bar.y + yy, bar.w, 1}, ct__cmap_rgb(cm, u));
  }
  ct__frame(c, (ct__rect){bar.x - 1, bar.y - 1, bar.w + 2, bar.h + 2}, COL_EDGE);
  if (!isnan(v->over)) {
    uint32_t top = ct__cmap_rgb(cm, 1.0);
    int cx = bar.x + bar.w / 2, half = bar.w / 2;
    for (int k = 0; k <= half; k++) /* apex up, base one pixel above the bar */
      ct__hline(c, cx - k, cx + k, bar.y - 3 - half + k, top);
  }
}

static void legend_classes(ct__view *v, ct__canvas *c, ct__rect L, int y, int compact) {
  for (int k = 0; k < CT__NCLASSES; k++) {
    int sy = y + k * (compact ? 11 : 14);
    if (sy + 10 > L.y + L.h) break;
    int sw = compact ? 8 : 12;
    ct__fill(c, (ct__rect){L.x + (compact ? 6 : 12), sy, sw, sw - 2}, ct__class_rgb(k));
    char lab[48], fit[48];
    snprintf(lab, sizeof lab, "%d %s", k, ct__class_name(k));
    int tx = L.x + (compact ? 18 : 30);
    fit_text(lab, L.x + L.w - 4 - tx, 1, fit, sizeof fit);
    ct__text(c, tx, sy - (compact ? 1 : 0), fit, COL_TEXT, 1);
  }
}

/* Under 480 pixels of width: the colour bar, its end values and the
 * units, in a narrow column, so a small picture still says what its
 * colours mean. */
static void draw_legend_compact(ct__view *v, ct__canvas *c) {
  ct__rect L = v->legend;
  const ct_snapshot_var *sv = shown(v);
  char units[64], fit[64];
  if (ct__view_kind(v) == CT__KIND_CLOCK)
    snprintf(units, sizeof units, "[time]");
  else if (ct__view_kind(v) == CT__KIND_CLASSES)
    snprintf(units, sizeof units, "[class]");
  else
    snprintf(units, sizeof units, "[%s]", sv->units[0] ? sv->units : "-");
  fit_text(units, L.w - 8, 1, fit, sizeof fit);
  ct__text(c, L.x + 5, L.y + 4, fit, COL_ACCENT, 1);
  if (ct__view_kind(v) == CT__KIND_CLASSES) {
    legend_classes(v, c, L, L.y + 18, 1);
    return;
  }
  ct__rect bar = {L.x + 6, L.y + 26, 8, L.h - 26 - 8};
  if (bar.h < 12) bar.h = 12;
  legend_bar(v, c, bar);
  char a[32], b[32];
  legend_num(v, v->hi, a, sizeof a);
  legend_num(v, v->lo, b, sizeof b);
  fit_text(a, L.x + L.w - 2 - (bar.x + bar.w + 4), 1, fit, sizeof fit);
  ct__text(c, bar.x + bar.w + 4, bar.y - 1, fit, COL_TEXT, 1);
  fit_text(b, L.x + L.w - 2 - (bar.x + bar.w + 4), 1, fit, sizeof fit);
  ct__text(c, bar.x + bar.w + 4, bar.y + bar.h - 9, fit, COL_TEXT, 1);
}

static void draw_legend(ct__view *v, ct__canvas *c) {
  ct__rect L = v->legend;
  if (L.w <= 0) return;
  ct__fill(c, L, COL_PANEL);
  ct__vline(c, L.x, L.y, L.y + L.h - 1, COL_EDGE);
  if (L.w < LEGEND_W) {
    draw_legend_compact(v, c);
    return;
  }
  const ct_snapshot_var *sv = shown(v);
  int kind = ct__view_kind(v);
  const char *ln = sv->long_name[0] ? sv->long_name : sv->name;
  /* the long name on up to two lines, broken at a space */
  char l1[128], l2[128];
  int maxc = (L.w - 16) / CT__GLYPH_W;
  const char *cut = ln + strlen(ln);
  if (ct__text_len(ln) > maxc) {
    cut = ct__text_skip(ln, maxc);
    for (const char *q = cut; q > ln; q--)
      if (*q == ' ') {
        cut = q;
        break;
      }
  }
  snprintf(l1, sizeof l1, "%.*s", (int)(cut - ln), ln);
  const char *rest = cut + (*cut == ' ');
  fit_text(rest, L.w - 16, 1, l2, sizeof l2);
  int y = L.y + 10;
  ct__text(c, L.x + 10, y, l1, COL_TEXT, 1);
  if (l2[0]) ct__text(c, L.x + 10, y += 11, l2, COL_TEXT, 1);
  char units[64];
  if (kind == CT__KIND_CLOCK)
    snprintf(units, sizeof units, "[local time]");
  else if (kind == CT__KIND_CLASSES)
    snprintf(units, sizeof units, "[class]");
  else
    snprintf(units, sizeof units, "%s[%s]", v->compare == CT__CMP_DIFF ? "A - B " : "",
             sv->units[0] ? sv->units : "-");
  ct__text(c, L.x + 10, y += 13, units, COL_ACCENT, 1);
  char line[64];
  if (kind == CT__KIND_CLASSES) {
    legend_classes(v, c, L, y + 20, 0);
    if (v->opacity < 1.0) {
      snprintf(line, sizeof line, "opacity %d%%", (int)lround(v->opacity * 100));
      ct__text(c, L.x + 10, y + 20 + 14 * CT__NCLASSES + 8, line, COL_DIM, 1);
    }
    return;
  }
  int bar_top = y + 28, bar_bot = L.y + L.h - 86;
  if (bar_bot - bar_top < 40) bar_bot = bar_top + 40;
  ct__rect bar = {L.x + 14, bar_top, 18, bar_bot - bar_top};
  int cm = ct__view_cmap(v);
  legend_bar(v, c, bar);
  if (!isnan(v->over)) {
    char num[32], lab[48];
    legend_num(v, v->over, num, sizeof num);
    snprintf(lab, sizeof lab, "max %s", num);
    ct__text(c, bar.x + bar.w + 8, bar.y - 16, lab, COL_DIM, 1);
  }
  int uselog = v->log && v->compare != CT__CMP_DIFF;
  double ticks[64];
  int nt = legend_ticks(v, bar.h >= 200, ticks, 64);
  for (int k = 0; k < nt; k++) {
    double u = ct__view_unit(v, ticks[k]);
    if (!(u >= -1e-9 && u <= 1.0 + 1e-9)) continue;
    int ty = bar.y + (int)lround((1.0 - u) * (bar.h - 1));
    ct__hline(c, bar.x + bar.w, bar.x + bar.w + 4, ty, COL_TEXT);
    char lab[32];
    legend_num(v, ticks[k], lab, sizeof lab);
    ct__text(c, bar.x + bar.w + 8, ty - 5, lab, COL_TEXT, 1);
  }
  /* settings under the bar */
  static const char *const rn[] = {"whole run", "this frame", "typed"};
  y = bar.y + bar.h + 12;
  snprintf(line, sizeof line, "range: %s%s", rn[v->range_mode], v->robust ? "," : "");
  ct__text(c, L.x + 10, y, line, COL_DIM, 1);
  if (v->robust)
    ct__text(c, L.x + 10, y += 12,
             ct_reader_find(v->run[0].r, "layer.landuse") >= 0 ? "  99th pct, on land"
                                                                : "  99th pct",
             COL_DIM, 1);
  snprintf(line, sizeof line, "%s, %s", ct__cmap_name(cm), uselog ? "log" : "linear");
  ct__text(c, L.x + 10, y += 12, line, COL_DIM, 1);
  if (v->compare == CT__CMP_DIFF && !v->thr_set) {
    snprintf(line, sizeof line, "hidden: A = B");
  } else if (isfinite(v->thr_eff) && v->thr_eff > 1e-30) {
    char num[32];
    fmt_num(v->thr_eff, num, sizeof num);
    snprintf(line, sizeof line, "hidden %s< %s",
             v->compare == CT__CMP_DIFF ? "|A-B| " : "", num);
  } else if (isfinite(v->thr_eff)) {
    snprintf(line, sizeof line, "hidden: <= 0");
  } else {
    snprintf(line, sizeof line, "hidden: none");
  }
  ct__text(c, L.x + 10, y += 12, line, COL_DIM, 1);
  if (v->opacity < 1.0) {
    snprintf(line, sizeof line, "opacity %d%%", (int)lround(v->opacity * 100));
    ct__text(c, L.x + 10, y += 12, line, COL_DIM, 1);
  }
}

/* --- bars --- */

static void draw_top(ct__view *v, ct__canvas *c) {
  ct__fill(c, v->top, COL_BG);
  ct__hline(c, 0, c->w - 1, TOP_H - 1, COL_EDGE);
  char right[160];
  int nt = ct_reader_ntimes(v->run[0].r);
  if (shown(v)->is_static)
    snprintf(right, sizeof right, "static layer");
  else if (nt == 0)
    snprintf(right, sizeof right, "waiting for the first snapshot");
  else
    ct__view_time_label(v, 0, right, sizeof right);
  int scale = c->w >= 900 && !shown(v)->is_static && nt > 0 ? 2 : 1;
  int rw = ct__text_width(right, scale);
  int rx = c->w - rw - 10;
  ct__text(c, rx, (TOP_H - 10 * scale) / 2, right, COL_TEXT, scale);
  char left[512], lab[200], fit[512], st[64], runst[160] = "";
  const char *pth = v->run[0].path, *sl = strrchr(pth, '/');
  ct__view_label(v, v->var, lab, sizeof lab);
  /* a picture of a killed run must not pass for a finished one */
  int nq = v->compare == CT__CMP_NONE ? 1 : v->nruns;
  for (int q = 0; q < nq; q++)
    if (ct__view_run_state(v, q, st, sizeof st)) {
      size_t l = strlen(runst);
      snprintf(runst + l, sizeof runst - l, "[%s%s] ", nq > 1 ? (q ? "B " : "A ") : "", st);
    }
  int x = 10;
  if (runst[0]) x = ct__text(c, x, (TOP_H - 10) / 2, runst, COL_WARN, 1);
  /* the field is what the picture is of: a long file name gives way first */
  char tail[400], file[512];
  snprintf(tail, sizeof tail, "  |  %s  (%s)", lab, shown(v)->name);
  int room = rx - 14 - x - ct__text_width(tail, 1);
  fit_text(sl ? sl + 1 : pth, room, 1, file, sizeof file);
  if (room < 8 * CT__GLYPH_W) /* too narrow for both: the field alone */
    snprintf(left, sizeof left, "%s  (%s)", lab, shown(v)->name);
  else
    snprintf(left, sizeof left, "%s%s", file, tail);
  fit_text(left, rx - 14 - x, 1, fit, sizeof fit);
  ct__text(c, x, (TOP_H - 10) / 2, fit, COL_TEXT, 1);
}

/* A probed value; NaN is a cell without data, which for a time-of-first
 * style field ("flood.time_first_flood") means the event never happened.
 * A land-use code reads as its class, a time-of as a clock time (delta: a
 * difference of two such times, a duration). */
static void probe_num(const ct__view *v, double x, int units, int delta, char *buf,
                      size_t n) {
  const ct_snapshot_var *sv = shown(v);
  if (isnan(x)) {
    int never = strcmp(sv->units, "s") == 0 &&
                (strstr(sv->name, "first") || strstr(sv->name, "arrival"));
    snprintf(buf, n, "%s", never ? "never" : "no data");
    return;
  }
  int kind = ct__view_kind(v);
  if (kind == CT__KIND_CLASSES && x == floor(x) && x >= 0 && x < CT__NCLASSES) {
    snprintf(buf, n, "%s (%d)", ct__class_name((int)x), (int)x);
    return;
  }
  if (kind == CT__KIND_CLOCK && !delta) {
    char t[32];
    ct__view_clock(v, x, 1, t, sizeof t);
    snprintf(buf, n, "%s", t);
    return;
  }
  char num[32];
  fmt_num(x, num, sizeof num);
  snprintf(buf, n, "%s%s%s", num, units ? " " : "", units ? sv->units : "");
}

int ct__view_probe_text(ct__view *v, int x, int y, char *line, size_t n) {
  int pi, pj, p = ct__view_px_cell(v, x, y, &pi, &pj);
  if (p < 0) return -1;
  const ct_grid *g = v->run[0].g;
  size_t k = (size_t)pj * g->nx + pi;
  double mx = ct_grid_x(g, pi), my = ct_grid_y(g, pj);
  if (pi != v->probe_i || pj != v->probe_j) { /* PROJ once per cell */
    double lon = mx, lat = my;
    ct_error e = {0};
    v->probe_ll[0] = '\0';
    if (g->crs_wkt &&
        ct_transform_points(g->crs_wkt, "EPSG:4326", 1, &lon, &lat, &e) == CT_OK)
      snprintf(v->probe_ll, sizeof v->probe_ll, "  %.5f%c %.5f%c", fabs(lat),
               lat >= 0 ? 'N' : 'S', fabs(lon), lon >= 0 ? 'E' : 'W');
    v->probe_i = pi;
    v->probe_j = pj;
  }
  char val[200], a[48], b[48];
  const char *u = shown(v)->units;
  if (v->compare == CT__CMP_NONE) {
    probe_num(v, v->run[0].data[k], 1, 0, a, sizeof a);
    snprintf(val, sizeof val, "%s", a);
  } else {
    char d[48];
    probe_num(v, v->run[0].data[k], 0, 0, a, sizeof a);
    probe_num(v, v->run[1].data[k], 0, 0, b, sizeof b);
    probe_num(v, (double)v->run[0].data[k] - v->run[1].data[k], 0, 1, d, sizeof d);
    snprintf(val, sizeof val, "A %s  B %s  A-B %s %s", a, b, d, u);
  }
  snprintf(line, n, "%s  at x %.1f y %.1f%s  cell %d,%d", val, mx, my, v->probe_ll, pi,
           pj);
  return p;
}

static void draw_bottom(ct__view *v, ct__canvas *c) {
  ct__fill(c, v->bottom, COL_BG);
  ct__hline(c, 0, c->w - 1, v->bottom.y, COL_EDGE);
  ct__rect s = v->slider;
  /* a static field has one picture: no time axis to suggest otherwise */
  int nt = ct__view_static(v) ? 0 : ct_reader_ntimes(v->run[0].r);
  if (nt > 0) ct__fill(c, (ct__rect){s.x, s.y + s.h / 2 - 2, s.w, 4}, COL_EDGE);
  if (nt > 1 && nt <= s.w / 4)
    for (int k = 0; k < nt; k++)
      ct__vline(c, s.x + (int)lround((double)k / (nt - 1) * (s.w - 1)), s.y + s.h / 2 + 3,
                s.y + s.h / 2 + 5, COL_DIM);
  if (nt > 0) {
    int hx = nt > 1 ? s.x + (int)lround((double)v->t / (nt - 1) * (s.w - 1)) : s.x;
    ct__fill(c, (ct__rect){s.x, s.y + s.h / 2 - 2, hx - s.x, 4}, COL_ACCENT);
    ct__fill(c, (ct__rect){hx - 3, s.y, 7, s.h}, COL_TEXT);
  }
  /* second line: playback state, probe, status */
  char line[600];
  int y = v->bottom.y + 28, x = 12;
  if (nt > 0) {
    snprintf(line, sizeof line, "%s %gfps%s  %d/%d", v->playing ? "> play" : "|| pause",
             v->fps, v->loop ? " loop" : "", v->t + 1, nt);
    x = ct__text(c, x, y, line, v->playing ? COL_ACCENT : COL_DIM, 1) + 18;
  }
  if (v->mouse_in && ct__view_probe_text(v, v->mouse_x, v->mouse_y, line, sizeof line) >= 0)
    x = ct__text(c, x, y, line, COL_TEXT, 1) + 18;
  if (v->status[0] && (v->status_until <= 0.0 || v->now < v->status_until)) {
    int sw = ct__text_width(v->status, 1);
    int sx = c->w - sw - 12;
    if (sx < x) sx = x;
    ct__text(c, sx, y, v->status, COL_WARN, 1);
  }
}

/* --- overlays --- */

/* The pinned point's time series: field and units in its title, the
 * values' span left, the run's first and last clock times under it. At
 * most a third of the map, so a small picture keeps its map. */
static void draw_series(ct__view *v, ct__canvas *c) {
  v->series_box = (ct__rect){0, 0, 0, 0};
  if (!v->pin || v->nseries < 1 || v->series_var != v->var) return;
  ct__rect m = v->map[0];
  double bw = m.w - 20 < 300 ? m.w - 20 : 300, bh = m.h - 20 < 132 ? m.h - 20 : 132;
  double third = (double)m.w * m.h / 3.0;
  if (bw * bh > third) {
    double f = sqrt(third / (bw * bh));
    bw *= f;
    bh *= f;
  }
  if (bw < 100 || bh < 54) return; /* no room for a readable plot */
  ct__rect b = {m.x + 10, m.y + m.h - 10 - (int)bh, (int)bw, (int)bh};
  v->series_box = b;
  ct__fill_alpha(c, b, COL_BG, 225);
  ct__frame(c, b, COL_EDGE);
  ct__canvas_clip(c, (ct__rect){b.x + 1, b.y + 1, b.w - 2, b.h - 2});
  double mn = INFINITY, mx = -INFINITY;
  for (int q = 0; q < 2; q++) {
    const float *sr = q ? v->series_b : v->series;
    for (int k = 0; sr && k < v->nseries; k++)
      if (isfinite(sr[k])) {
        if (sr[k] < mn) mn = sr[k];
        if (sr[k] > mx) mx = sr[k];
      }
  }
  /* a long name gives way to the units: they say what the axis counts */
  const ct_snapshot_var *sv = shown(v);
  char title[400], fit[300], a[32], bb[32], cell[32], units[64];
  snprintf(cell, sizeof cell, "%d,%d  ", v->pin_i, v->pin_j);
  snprintf(units, sizeof units, " [%s]",
           ct__view_kind(v) == CT__KIND_CLOCK ? "local time" : sv->units[0] ? sv->units : "-");
  int room = b.w - 12 - (v->series_b ? 44 : 0) - ct__text_width(cell, 1) -
             ct__text_width(units, 1);
  fit_text(sv->long_name[0] ? sv->long_name : sv->name, room, 1, fit, sizeof fit);
  snprintf(title, sizeof title, "%s%s%s", cell, fit, units);
  ct__text(c, b.x + 6, b.y + 4, title, COL_TEXT, 1);
  if (v->series_b) {
    ct__text(c, b.x + b.w - 36, b.y + 4, "A", COL_ACCENT, 1);
    ct__text(c, b.x + b.w - 18, b.y + 4, "B", COL_WARN, 1);
  }
  if (!isfinite(mn)) {
    ct__canvas_noclip(c);
    return;
  }
  if (mx <= mn) mx = mn + 1.0;
  ct__rect pl = {b.x + 44, b.y + 18, b.w - 52, b.h - 32};
  if (ct__view_kind(v) == CT__KIND_CLOCK) {
    ct__view_clock(v, mx, 0, a, sizeof a);
    ct__view_clock(v, mn, 0, bb, sizeof bb);
  } else {
    snprintf(a, sizeof a, "%.3g", mx); /* 6 characters fit left of the plot */
    snprintf(bb, sizeof bb, "%.3g", mn);
  }
  ct__text(c, b.x + 4, pl.y - 2, a, COL_DIM, 1);
  ct__text(c, b.x + 4, pl.y + pl.h - 8, bb, COL_DIM, 1);
  ct__frame(c, pl, COL_EDGE);
  /* the time axis: the run's first and last snapshot as clock times */
  const ct_reader *r = v->run[0].r;
  int n = v->nseries;
  if (n > 0 && ct_reader_ntimes(r) >= n) {
    char t0[32], t1[32];
    ct__view_clock(v, ct_reader_time(r, 0), 0, t0, sizeof t0);
    ct__view_clock(v, ct_reader_time(r, n - 1), 0, t1, sizeof t1);
    ct__text(c, pl.x, pl.y + pl.h + 2, t0, COL_DIM, 1);
    if (n > 1) ct__text(c, pl.x + pl.w - ct__text_width(t1, 1), pl.y + pl.h + 2, t1, COL_DIM, 1);
  }
  ct__canvas_clip(c, pl);
  for (int q = 1; q >= 0; q--) { /* B under A */
    const float *sr = q ? v->series_b : v->series;
    double px = 0, py = NAN;
    for (int k = 0; sr && k < n; k++) {
      double x = pl.x + (n > 1 ? (double)k / (n - 1) : 0.5) * (pl.w - 1);
      double y = pl.y + (1.0 - (sr[k] - mn) / (mx - mn)) * (pl.h - 1);
      if (k > 0 && isfinite(py) && isfinite(y))
        ct__line(c, px, py, x, y, q ? COL_WARN : COL_ACCENT, 0);
      px = x;
      py = y;
    }
  }
  if (n > 1) {
    int cx = pl.x + (int)lround((double)v->t / (n - 1) * (pl.w - 1));
    ct__vline(c, cx, pl.y, pl.y + pl.h - 1, CT__RGB(0xFF, 0x40, 0x81));
  }
  ct__canvas_noclip(c);
}

static ct__rect draw_box_lines(ct__canvas *c, const char *title,
                               const char *const *lines, int n, int hl) {
  int wmax = ct__text_width(title, 1);
  for (int k = 0; k < n; k++) {
    int tw = ct__text_width(lines[k], 1);
    if (tw > wmax) wmax = tw;
  }
  int bw = wmax + 32, bh = 12 * n + 44;
  if (bw > c->w - 20) bw = c->w - 20;
  if (bh > c->h - 20) bh = c->h - 20;
  ct__rect b = {(c->w - bw) / 2, (c->h - bh) / 2, bw, bh};
  ct__fill_alpha(c, b, COL_BG, 235);
  ct__frame(c, b, COL_ACCENT);
  ct__canvas_clip(c, (ct__rect){b.x + 1, b.y + 1, b.w - 2, b.h - 2});
  ct__text(c, b.x + 16, b.y + 12, title, COL_ACCENT, 1);
  for (int k = 0; k < n; k++) {
    int y = b.y + 32 + 12 * k;
    if (k == hl) ct__fill(c, (ct__rect){b.x + 8, y - 1, b.w - 16, 12}, COL_EDGE);
    ct__text(c, b.x + 16, y, lines[k], k == hl ? COL_TEXT : COL_DIM, 1);
  }
  ct__canvas_noclip(c);
  return (ct__rect){b.x, b.y + 31, b.w, 12 * n}; /* the lines, 12 pixels each */
}

static const char *const help_lines[] = {
    "space          play / pause",
    ". or PgDn      next snapshot      , or PgUp   previous",
    "Home / End     first / last snapshot   L  loop on/off",
    "[ ]            slower / faster playback",
    "wheel, + -     zoom (at the cursor)    arrows / drag  pan",
    "0              reset to the full extent",
    "f or Tab       field picker (up/down, Enter)",
    "c              next colour map          g  log scale",
    "r              range: whole run / this frame / typed",
    "R              type a range: min max",
    "t              type the display threshold (empty: default)",
    "o              field opacity 100/75/50%",
    "d              compare: side by side / difference A - B",
    "click          pin a point: time series    right click  unpin",
    "p or F12       save the view as PNG",
    "e              export every frame as PNG   m  MP4 (ffmpeg)",
    "F1 or ?        this help                q / Esc  quit",
};

static void draw_overlays(ct__view *v, ct__canvas *c) {
  if (v->picker) {
    int nv = ct_reader_nvars(v->run[0].r);
    char **lines = calloc((size_t)nv, sizeof *lines);
    if (!lines) return;
    for (int k = 0; k < nv; k++) {
      const ct_snapshot_var *sv = ct_reader_var(v->run[0].r, k);
      lines[k] = malloc(256);
      if (lines[k])
        snprintf(lines[k], 256, "%c %-26s %s [%s]%s", k == v->var ? '*' : ' ', sv->name,
                 sv->long_name, sv->units, sv->is_static ? "  (static)" : "");
    }
    int ok = 1;
    for (int k = 0; k < nv; k++) ok &= lines[k] != NULL;
    if (ok)
      v->picker_box = draw_box_lines(c, "Fields (Enter to show, Esc to close)",
                     (const char *const *)lines, nv, v->picker_sel);
    for (int k = 0; k < nv; k++) free(lines[k]);
    free(lines);
  }
  if (v->help)
    draw_box_lines(c, "citytwin-view keys", help_lines,
                   (int)(sizeof help_lines / sizeof *help_lines), -1);
  if (v->input_mode) {
    char l[200];
    snprintf(l, sizeof l, "%s%s_",
             v->input_mode == 'r' ? "range (min max): " : "threshold: ", v->input);
    const char *lines[1] = {l};
    draw_box_lines(c, "Enter to apply, Esc to cancel", lines, 1, -1);
  }
  if (v->err[0]) {
    char fit[512];
    ct__rect m = v->map[0];
    fit_text(v->err, m.w - 40, 1, fit, sizeof fit);
    int tw = ct__text_width(fit, 1);
    ct__rect b = {m.x + (m.w - tw) / 2 - 10, m.y + 12, tw + 20, 20};
    ct__fill_alpha(c, b, CT__RGB(0x5A, 0x1E, 0x1E), 230);
    ct__text(c, b.x + 10, b.y + 5, fit, COL_TEXT, 1);
  }
}

void ct__view_render(ct__view *v, uint32_t *px, int w, int h) {
  ct__canvas c = {px, w, h, 0, 0, w, h};
  /* a new window size refits the map unless the user chose a view */
  if (!v->user_moved && (w != v->win_w || h != v->win_h)) v->view_ok = 0;
  layout(v, w, h);
  if (!v->view_ok) ct__view_reset(v);
  ct__view_prepare(v);
  if (v->npanes == 2) /* the gap between the panes; panels fill the rest */
    ct__fill(&c, (ct__rect){v->map[0].x + v->map[0].w, v->map[0].y,
                            v->map[1].x - v->map[0].x - v->map[0].w, v->map[0].h},
             COL_BG);
  for (int p = 0; p < v->npanes; p++) draw_pane(v, &c, p);
  draw_series(v, &c);
  draw_legend(v, &c);
  draw_top(v, &c);
  draw_bottom(v, &c);
  draw_overlays(v, &c);
}
