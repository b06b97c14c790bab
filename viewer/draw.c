/* draw.c - the few raster primitives the viewer's screens are made of,
 * drawing into a CPU ARGB buffer with a clip rectangle: filled and blended
 * rectangles, axis lines, and anti-aliased lines (Wu 1991, "An efficient
 * antialiasing technique", SIGGRAPH) for roads and plots. */
#include <math.h>

#include "view.h"

void ct__canvas_clip(ct__canvas *c, ct__rect r) {
  c->cx0 = r.x < 0 ? 0 : r.x;
  c->cy0 = r.y < 0 ? 0 : r.y;
  c->cx1 = r.x + r.w > c->w ? c->w : r.x + r.w;
  c->cy1 = r.y + r.h > c->h ? c->h : r.y + r.h;
  if (c->cx1 < c->cx0) c->cx1 = c->cx0;
  if (c->cy1 < c->cy0) c->cy1 = c->cy0;
}

void ct__canvas_noclip(ct__canvas *c) {
  c->cx0 = c->cy0 = 0;
  c->cx1 = c->w;
  c->cy1 = c->h;
}

int ct__in_rect(ct__rect r, int x, int y) {
  return x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

void ct__fill(ct__canvas *c, ct__rect r, uint32_t col) {
  int x0 = r.x < c->cx0 ? c->cx0 : r.x, x1 = r.x + r.w > c->cx1 ? c->cx1 : r.x + r.w;
  int y0 = r.y < c->cy0 ? c->cy0 : r.y, y1 = r.y + r.h > c->cy1 ? c->cy1 : r.y + r.h;
  for (int y = y0; y < y1; y++) {
    uint32_t *p = c->px + (size_t)y * c->w;
    for (int x = x0; x < x1; x++) p[x] = col;
  }
}

static inline uint32_t blend(uint32_t dst, uint32_t src, int a) {
  unsigned r = (CT__R(src) * (unsigned)a + CT__R(dst) * (255u - (unsigned)a) + 127) / 255;
  unsigned g = (CT__G(src) * (unsigned)a + CT__G(dst) * (255u - (unsigned)a) + 127) / 255;
  unsigned b = (CT__B(src) * (unsigned)a + CT__B(dst) * (255u - (unsigned)a) + 127) / 255;
  return (dst & 0xFF000000u) | (r << 16) | (g << 8) | b;
}

void ct__fill_alpha(ct__canvas *c, ct__rect r, uint32_t col, int a) {
  int x0 = r.x < c->cx0 ? c->cx0 : r.x, x1 = r.x + r.w > c->cx1 ? c->cx1 : r.x + r.w;
  int y0 = r.y < c->cy0 ? c->cy0 : r.y, y1 = r.y + r.h > c->cy1 ? c->cy1 : r.y + r.h;
  for (int y = y0; y < y1; y++) {
    uint32_t *p = c->px + (size_t)y * c->w;
    for (int x = x0; x < x1; x++) p[x] = blend(p[x], col, a);
  }
}

void ct__hline(ct__canvas *c, int x0, int x1, int y, uint32_t col) {
  ct__fill(c, (ct__rect){x0, y, x1 - x0 + 1, 1}, col);
}

void ct__vline(ct__canvas *c, int x, int y0, int y1, uint32_t col) {
  ct__fill(c, (ct__rect){x, y0, 1, y1 - y0 + 1}, col);
}

void ct__frame(ct__canvas *c, ct__rect r, uint32_t col) {
  ct__hline(c, r.x, r.x + r.w - 1, r.y, col);
  ct__hline(c, r.x, r.x + r.w - 1, r.y + r.h - 1, col);
  ct__vline(c, r.x, r.y, r.y + r.h - 1, col);
  ct__vline(c, r.x + r.w - 1, r.y, r.y + r.h - 1, col);
}

static inline void plot(ct__canvas *c, int x, int y, uint32_t col, double a,
                        int only_base) {
  if (x < c->cx0 || x >= c->cx1 || y < c->cy0 || y >= c->cy1) return;
  uint32_t *p = c->px + (size_t)y * c->w + x;
  /* The map pass leaves alpha 0 on base-map pixels and 0xFF on field pixels. */
  if (only_base && (*p >> 24) != 0) return;
  int ia = (int)(a * 255.0 + 0.5);
  if (ia <= 0) return;
  *p = blend(*p, col, ia > 255 ? 255 : ia);
}

/* Liang-Barsky: clips the segment to the clip rectangle (one pixel of slack
 * for the anti-aliasing); 0 when nothing is left. */
static int clip_segment(const ct__canvas *c, double *x0, double *y0,
                        double *x1, double *y1) {
  double xmin = c->cx0 - 1, xmax = c->cx1, ymin = c->cy0 - 1, ymax = c->cy1;
  double dx = *x1 - *x0, dy = *y1 - *y0, t0 = 0.0, t1 = 1.0;
  double p[4] = {-dx, dx, -dy, dy};
  double q[4] = {*x0 - xmin, xmax - *x0, *y0 - ymin, ymax - *y0};
  for (int k = 0; k < 4; k++) {
    if (p[k] == 0.0) {
      if (q[k] < 0.0) return 0;
    } else {
      double r = q[k] / p[k];
      if (p[k] < 0.0) {
        if (r > t1) return 0;
        if (r > t0) t0 = r;
      } else {
        if (r < t0) return 0;
        if (r < t1) t1 = r;
      }
    }
  }
  double ax = *x0 + t0 * dx, ay = *y0 + t0 * dy;
  *x1 = *x0 + t1 * dx;
  *y1 = *y0 + t1 * dy;
  *x0 = ax;
  *y0 = ay;
  return 1;
}

void ct__line(ct__canvas *c, double x0, double y0, double x1, double y1,
              uint32_t col, int only_base) {
  if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) return;
  if (!clip_segment(c, &x0, &y0, &x1, &y1)) return;
  int steep = fabs(y1 - y0) > fabs(x1 - x0);
  if (steep) {
    double t = x0; x0 = y0; y0 = t;
    t = x1; x1 = y1; y1 = t;
  }
  if (x0 > x1) {
    double t = x0; x0 = x1; x1 = t;
    t = y0; y0 = y1; y1 = t;
  }
  double dx = x1 - x0, grad = dx > 1e-12 ? (y1 - y0) / dx : 0.0;
  int xs = (int)floor(x0 + 0.5), xe = (int)floor(x1 + 0.5);
  double y = y0 + grad * (xs - x0);
  for (int x = xs; x <= xe; x++, y += grad) {
    int yi = (int)floor(y);
    double f = y - yi;
    if (steep) {
      plot(c, yi, x, col, 1.0 - f, only_base);
      plot(c, yi + 1, x, col, f, only_base);
    } else {
      plot(c, x, yi, col, 1.0 - f, only_base);
      plot(c, x, yi + 1, col, f, only_base);
    }
  }
}
