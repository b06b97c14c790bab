/* test_view_render.c - the viewer's renderer on a run with known values:
 * a cell's pixel has its value's colour in every range mode, cells below the
 * display threshold show the base map, zoomed-in cells are sharp squares,
 * the legend and the local time label are drawn, and the difference of a run
 * with itself shows the base map everywhere. Also the pieces: colour maps,
 * hillshade against the analytic shading of a plane, PNG round trip. */
#include <gdal.h>
#include <proj.h>
#include <unistd.h>

#include "ct_test.h"
#include "view.h"
#include "view_testrun.h"

#define W 800
#define H 500

static uint32_t px[W * H];

static uint32_t at(int x, int y) { return px[(size_t)y * W + x] & 0xFFFFFFu; }
static uint32_t rgb(uint32_t c) { return c & 0xFFFFFFu; }

/* Every pixel of pane 0 inside cell (i, j) has colour col. */
static int cell_is(const ct__view *v, int i, int j, uint32_t col) {
  int x, y;
  if (ct__view_cell_px(v, 0, i, j, &x, &y)) return 0;
  return at(x, y) == rgb(col);
}

static double lum(uint32_t c) { /* Rec. 709 luma of the sRGB values */
  return 0.2126 * CT__R(c) + 0.7152 * CT__G(c) + 0.0722 * CT__B(c);
}

static void test_cmaps(void) {
  /* the published end points of viridis and magma */
  CHECK(rgb(ct__cmap_rgb(CT__CMAP_VIRIDIS, 0.0)) == 0x440154);
  CHECK(rgb(ct__cmap_rgb(CT__CMAP_VIRIDIS, 1.0)) == 0xFDE725);
  CHECK(rgb(ct__cmap_rgb(CT__CMAP_MAGMA, 1.0)) == 0xFCFDBF);
  /* sequential maps must brighten monotonically (perceptual ordering);
     0.5 of a grey level slack for the 8-bit rounding */
  for (int m = 0; m < 3; m++)
    for (int k = 1; k < 256; k++)
      CHECK(lum(ct__cmap_rgb(m, k / 255.0)) >= lum(ct__cmap_rgb(m, (k - 1) / 255.0)) - 0.5);
  /* diverging: light centre, darker and symmetric in lightness at the ends
     (within 20 grey levels: Brewer's red and blue ends differ slightly) */
  double c = lum(ct__cmap_rgb(CT__CMAP_DIVERGING, 0.5));
  CHECK(c > 240.0);
  CHECK_NEAR(lum(ct__cmap_rgb(CT__CMAP_DIVERGING, 0.0)),
             lum(ct__cmap_rgb(CT__CMAP_DIVERGING, 1.0)), 20.0);
  CHECK(ct__cmap_find("cividis") == CT__CMAP_CIVIDIS && ct__cmap_find("jet") < 0);
}

/* A plane z = gx*x + gy*y (y to the north) lit by the sun at azimuth 315,
 * altitude 45: the shading is the cosine between its normal
 * (-gx, -gy, 1)/|.| and the sun (sin az cos alt, cos az cos alt, sin alt). */
static void test_hillshade(void) {
  enum { N = 12 };
  float z[N * N], hs[N * N];
  const double dx = 5.0, gxs[3] = {0.3, 0.0, -0.2}, gys[3] = {0.0, 0.4, 0.1};
  for (int c = 0; c < 3; c++) {
    for (int j = 0; j < N; j++)
      for (int i = 0; i < N; i++) /* row j is (N - j) cells north of row N */
        z[j * N + i] = (float)(gxs[c] * i * dx + gys[c] * (N - j) * dx);
    ct__hillshade(z, N, N, dx, 315.0, 45.0, 1.0, hs);
    double az = 315.0 * M_PI / 180.0, alt = M_PI / 4;
    double sx = sin(az) * cos(alt), sy = cos(az) * cos(alt), sz = sin(alt);
    double nn = sqrt(gxs[c] * gxs[c] + gys[c] * gys[c] + 1.0);
    double want = (-gxs[c] * sx - gys[c] * sy + sz) / nn;
    /* interior cells: Horn's differences are exact on a plane; 1e-5 for
       float heights */
    CHECK_NEAR(hs[5 * N + 6], want, 1e-5);
    CHECK_NEAR(hs[2 * N + 9], want, 1e-5);
  }
}

static void test_png(void) {
  enum { PW = 37, PH = 11 };
  static uint32_t img[PW * PH];
  for (int k = 0; k < PW * PH; k++)
    img[k] = CT__RGB(k % 256, (k * 7) % 256, (k * 13) % 256);
  char path[] = "/tmp/ct_view_png_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  ct_error err = {0};
  CHECK_OK(ct__png_write(path, img, PW, PH, &err), &err);
  GDALAllRegister();
  GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
  CHECK(ds != NULL);
  if (ds) {
    CHECK(GDALGetRasterXSize(ds) == PW && GDALGetRasterYSize(ds) == PH &&
          GDALGetRasterCount(ds) == 3);
    unsigned char b[3][PW * PH];
    for (int c = 0; c < 3; c++)
      CHECK(GDALRasterIO(GDALGetRasterBand(ds, c + 1), GF_Read, 0, 0, PW, PH, b[c],
                         PW, PH, GDT_Byte, 0, 0) == CE_None);
    int bad = 0;
    for (int k = 0; k < PW * PH; k++)
      bad += b[0][k] != CT__R(img[k]) || b[1][k] != CT__G(img[k]) ||
             b[2][k] != CT__B(img[k]);
    CHECK(bad == 0); /* lossless */
    GDALClose(ds);
  }
  remove(path);
}

static void test_render(const char *run) {
  ct__view v;
  ct_error err = {0};
  int ok_ = ct__view_open(&v, run, NULL, 0, &err) == CT_OK;
  CHECK(ok_);
  if (!ok_) fprintf(stderr, "%s\n", err.msg);
  if (!ok_) return;
  CHECK(strcmp(ct_reader_var(v.run[0].r, v.var)->name, "flood.depth") == 0);
  v.t = 1;
  ct__view_render(&v, px, W, H);
  /* fixed range over the run: [0, 1.35] m */
  CHECK_NEAR(v.lo, 0.0, 1e-7);
  CHECK_NEAR(v.hi, 1.35, 1e-6);
  for (int i = 1; i < 10; i++) {
    int j = 7;
    double val = tr_depth(1, i, j);
    uint32_t want = ct__cmap_rgb(CT__CMAP_VIRIDIS, (float)val / (double)1.35f);
    if (!cell_is(&v, i, j, want)) {
      fprintf(stderr, "cell %d,%d value %g: want %06x\n", i, j, val, rgb(want));
      CHECK(0);
    }
  }
  /* depth 0 (column 0, and rows >= 20) is under the 1 cm threshold: land */
  CHECK(cell_is(&v, 10, 5, v.run[0].base[5 * TR_NX + 10]));
  CHECK(cell_is(&v, 3, 22, v.run[0].base[22 * TR_NX + 3]));
  /* water (land use 5) is tinted blue in the base map */
  uint32_t wat = v.run[0].base[28 * TR_NX + 3];
  CHECK(CT__B(wat) > CT__R(wat) + 30);
  /* the road on row 24 darkens the base map pixels it crosses */
  {
    int x, y;
    ct__view_cell_px(&v, 0, 15, 24, &x, &y);
    int dark = 0;
    for (int yy = y - 8; yy <= y + 8; yy++)
      dark += lum(at(x, yy)) < lum(v.run[0].base[24 * TR_NX + 15]) - 40;
    CHECK(dark >= 1);
  }

  /* per-frame range: [0, 0.9] at t = 1 */
  v.range_mode = CT__RANGE_FRAME;
  ct__view_render(&v, px, W, H);
  CHECK_NEAR(v.hi, 0.9, 1e-6);
  CHECK(cell_is(&v, 5, 3, ct__cmap_rgb(CT__CMAP_VIRIDIS, (double)0.5f / (double)0.9f)));
  /* typed range [0.2, 0.4] with magma: 0.5 m clamps to the top colour */
  v.range_mode = CT__RANGE_TYPED;
  v.typed_lo = 0.2;
  v.typed_hi = 0.45;
  v.cmap = CT__CMAP_MAGMA;
  ct__view_render(&v, px, W, H);
  /* the file holds float32: the expected colour from the stored value */
  CHECK(cell_is(&v, 3, 3, ct__cmap_rgb(CT__CMAP_MAGMA,
                                       ((double)(float)tr_depth(1, 3, 3) - 0.2) / 0.25)));
  CHECK(cell_is(&v, 5, 3, ct__cmap_rgb(CT__CMAP_MAGMA, 1.0)));
  /* log scale over the run: lower end the 1 cm threshold */
  v.range_mode = CT__RANGE_RUN;
  v.cmap = -1;
  v.log = 1;
  ct__view_render(&v, px, W, H);
  double u = (log10(0.5) - log10(0.01)) / (log10(1.35) - log10(0.01));
  CHECK(cell_is(&v, 5, 3, ct__cmap_rgb(CT__CMAP_VIRIDIS, u)));
  v.log = 0;

  /* legend: the colour bar holds the map's colours; ticks and labels are
     text-coloured pixels */
  ct__view_render(&v, px, W, H);
  ct__rect L = v.legend;
  int bar_top = 0, bar_bot = 0, text = 0;
  for (int y = L.y; y < L.y + L.h; y++)
    for (int x = L.x; x < L.x + L.w; x++) {
      uint32_t c = at(x, y);
      bar_top += c == rgb(ct__cmap_rgb(CT__CMAP_VIRIDIS, 1.0));
      bar_bot += c == rgb(ct__cmap_rgb(CT__CMAP_VIRIDIS, 0.0));
      text += c == 0xE8EAED;
    }
  CHECK(bar_top > 0 && bar_bot > 0);
  CHECK(text > 200);

  /* time label: the local time of snapshot 1 drawn at the right of the top
     bar exactly as the font draws "2026-09-15 14:10:00+07:00  +00:10:00" */
  {
    const char *want = "2026-09-15 14:10:00+07:00  +00:10:00";
    static uint32_t ref[W * 30];
    ct__canvas c = {ref, W, 30, 0, 0, W, 30};
    ct__fill(&c, (ct__rect){0, 0, W, 30}, CT__RGB(0x1E, 0x22, 0x27));
    int tw = ct__text_width(want, 1);
    ct__text(&c, W - tw - 10, 10, want, CT__RGB(0xE8, 0xEA, 0xED), 1);
    int diff = 0, ink = 0;
    for (int y = 0; y < 29; y++)
      for (int x = W - tw - 10; x < W; x++) {
        diff += at(x, y) != rgb(ref[y * W + x]);
        ink += at(x, y) == 0xE8EAED;
      }
    CHECK(diff == 0);
    CHECK(ink > 100);
  }

  /* zoomed out to half a pixel per cell: each pixel the mean colour of a
     2 x 2 block (rounded per channel), here cells 2-3 of rows 4-5 */
  v.zoom = 0.5;
  v.cx = TR_NX / 2;
  v.cy = TR_NY / 2;
  ct__view_render(&v, px, W, H);
  {
    int x, y;
    CHECK(ct__view_cell_px(&v, 0, 2, 4, &x, &y) == 0);
    uint32_t a = ct__cmap_rgb(CT__CMAP_VIRIDIS, (float)tr_depth(1, 2, 4) / (double)1.35f);
    uint32_t b = ct__cmap_rgb(CT__CMAP_VIRIDIS, (float)tr_depth(1, 3, 4) / (double)1.35f);
    uint32_t want = CT__RGB((2 * CT__R(a) + 2 * CT__R(b) + 2) / 4,
                            (2 * CT__G(a) + 2 * CT__G(b) + 2) / 4,
                            (2 * CT__B(a) + 2 * CT__B(b) + 2) / 4);
    CHECK(at(x, y) == rgb(want));
  }
  /* zoomed in: each cell a sharp square of zoom x zoom pixels */
  v.zoom = 16.0;
  v.cx = 5.0;
  v.cy = 5.0;
  ct__view_render(&v, px, W, H);
  {
    int x, y;
    CHECK(ct__view_cell_px(&v, 0, 4, 4, &x, &y) == 0);
    ct__rect m = v.map[0];
    /* the cell spans [m.x + m.w/2 - 16, m.x + m.w/2) horizontally */
    int x0 = m.x + m.w / 2 - 16, y0 = m.y + m.h / 2 - 16, same = 0;
    for (int yy = y0; yy < y0 + 16; yy++)
      for (int xx = x0; xx < x0 + 16; xx++)
        same += at(xx, yy) == rgb(ct__cmap_rgb(CT__CMAP_VIRIDIS, tr_depth(1, 4, 4) / 1.35));
    CHECK(same == 256);
    CHECK(at(x0 - 1, y0 + 5) != at(x0, y0 + 5)); /* the next cell differs */
  }
  /* zoom at a point keeps the cell under it */
  {
    int i0, j0, i1, j1;
    CHECK(ct__view_px_cell(&v, 300, 200, &i0, &j0) == 0);
    ct__view_zoom_at(&v, 1.7, 300, 200);
    CHECK(ct__view_px_cell(&v, 300, 200, &i1, &j1) == 0);
    CHECK(i0 == i1 && j0 == j1);
  }
  /* probe: value and units, the cell centre's map coordinates, and its
     latitude/longitude as PROJ gives them directly (within the 1e-5 degree
     the read-out prints) */
  {
    int x, y;
    ct__view_render(&v, px, W, H);
    CHECK(ct__view_cell_px(&v, 0, 6, 3, &x, &y) == 0);
    char line[512];
    CHECK(ct__view_probe_text(&v, x, y, line, sizeof line) == 0);
    double val, mx, my, lat, lon;
    char unit[16], ns, ew;
    int ci, cj;
    char slat[32], slon[32]; /* "13.74615N": %lf would eat an 'E' as exponent */
    int nf = sscanf(line, "%lf %15s at x %lf y %lf %31[0-9.]%c %31[0-9.]%c cell %d,%d", &val,
                    unit, &mx, &my, slat, &ns, slon, &ew, &ci, &cj);
    lat = nf == 10 ? atof(slat) : NAN;
    lon = nf == 10 ? atof(slon) : NAN;
    CHECK(nf == 10);
    if (nf != 10) fprintf(stderr, "probe: %s\n", line);
    CHECK_NEAR(val, tr_depth(1, 6, 3), 5e-4); /* printed with 4 digits */
    CHECK(strcmp(unit, "m") == 0);
    CHECK_NEAR(mx, 660000.0 + 65.0, 0.05);
    CHECK_NEAR(my, 1520000.0 + 10.0 * TR_NY - 35.0, 0.05);
    CHECK(ns == 'N' && ew == 'E' && ci == 6 && cj == 3);
    if (ci != 6 || cj != 3) fprintf(stderr, "probe: %s\n", line);
    PJ_CONTEXT *ctx = proj_context_create();
    PJ *pj = proj_create_crs_to_crs(ctx, "EPSG:32648", "EPSG:4326", NULL);
    PJ *pn = pj ? proj_normalize_for_visualization(ctx, pj) : NULL;
    CHECK(pn != NULL);
    if (pn) {
      PJ_COORD c = proj_trans(pn, PJ_FWD, proj_coord(660065.0, 1520265.0, 0, 0));
      CHECK_NEAR(lon, c.xy.x, 1e-5);
      CHECK_NEAR(lat, c.xy.y, 1e-5);
      /* near 13.75 N, 106.48 E: UTM 48N is 102-108 E */
      CHECK(lat > 13.0 && lat < 14.5 && lon > 106.0 && lon < 107.0);
      proj_destroy(pn);
    }
    if (pj) proj_destroy(pj);
    proj_context_destroy(ctx);
    /* off the data: no read-out */
    CHECK(ct__view_probe_text(&v, 2, 2, line, sizeof line) == -1);
  }
  /* pinned point: its series is the cell's value at every time */
  CHECK_OK(ct__view_pin(&v, 7, 2, &err), &err);
  CHECK(v.nseries == TR_NT);
  for (int t = 0; t < v.nseries && t < TR_NT; t++)
    CHECK_NEAR(v.series[t], tr_depth(t, 7, 2), 1e-6);
  ct__view_close(&v);
}

static void test_compare(const char *run) {
  ct__view v;
  ct_error err = {0};
  int ok_ = ct__view_open(&v, run, run, CT__CMP_DIFF, &err) == CT_OK;
  CHECK(ok_);
  if (!ok_) fprintf(stderr, "%s\n", err.msg);
  if (!ok_) return;
  v.t = 2;
  ct__view_render(&v, px, W, H);
  /* no difference anywhere: the base map shows through, not a sheet of the
     zero colour over the whole map */
  int bad = 0;
  /* rows 0-3 lie under the pane's labels, 23-25 under the road */
  for (int j = 4; j < TR_NY; j++)
    for (int i = 0; i < TR_NX; i++)
      bad += (j < 23 || j > 25) && !cell_is(&v, i, j, v.run[0].base[j * TR_NX + i]);
  CHECK(bad == 0);
  /* and nowhere in the data area the zero colour */
  uint32_t zero = rgb(ct__cmap_rgb(CT__CMAP_DIVERGING, 0.5));
  int x0, y0, x1, y1, off = 0;
  ct__view_cell_px(&v, 0, 0, 0, &x0, &y0);
  ct__view_cell_px(&v, 0, TR_NX - 1, TR_NY - 1, &x1, &y1);
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++) off += at(x, y) == zero;
  CHECK(off == 0);
  /* side by side: both panes show the same colour for the same cell */
  v.compare = CT__CMP_SIDE;
  v.view_ok = 0; /* full extent in the narrower panes */
  ct__view_render(&v, px, W, H);
  CHECK(v.npanes == 2);
  int same = 0;
  for (int i = 0; i < 10; i++) {
    int xa, ya, xb, yb;
    if (ct__view_cell_px(&v, 0, i, 4, &xa, &ya) == 0 &&
        ct__view_cell_px(&v, 1, i, 4, &xb, &yb) == 0)
      same += at(xa, ya) == at(xb, yb) &&
              (i == 0 /* dry: base map */ ||
               at(xa, ya) == rgb(ct__cmap_rgb(CT__CMAP_VIRIDIS,
                                             (float)tr_depth(2, i, 4) / (double)1.35f)));
  }
  CHECK(same == 10);
  /* a pinned point has both runs' series */
  CHECK_OK(ct__view_pin(&v, 4, 6, &err), &err);
  CHECK(v.nseries == TR_NT && v.series_b != NULL);
  for (int t = 0; v.series_b && t < v.nseries; t++) {
    CHECK_NEAR(v.series[t], tr_depth(t, 4, 6), 1e-6);
    CHECK_NEAR(v.series_b[t], tr_depth(t, 4, 6), 1e-6);
  }
  ct__view_close(&v);
}

/* Pixels that drawing s at (x, y) in col would change: 0 when it is there. */
static long text_missing(int x, int y, const char *s, uint32_t col) {
  static uint32_t cp[W * H];
  memcpy(cp, px, sizeof px);
  ct__canvas c = {cp, W, H, 0, 0, W, H};
  ct__text(&c, x, y, s, col, 1);
  long n = 0;
  for (size_t k = 0; k < (size_t)W * H; k++) n += ((cp[k] ^ px[k]) & 0xFFFFFFu) != 0;
  return n;
}

static const char *base_of(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

/* A temporary run made with options; path filled, 0 ok. */
static int tmp_run(char *path, const tr_opts *o) {
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  close(fd);
  ct_error err = {0};
  int rc = tr_make_opt(path, o, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  CHECK(rc == CT_OK);
  return rc;
}

#define COL_TEXT_ 0xE8EAEDu
#define COL_WARN_ 0xFF8A65u
#define COL_BG_ 0x1E2227u

/* Difference of A and B = 2 A: symmetric linear scale even with log on
 * (log cannot show both signs), diverging map whatever was chosen, and
 * cells without a difference show the base map. */
static void test_diff_scale(const char *run) {
  char wet[] = "/tmp/ct_view_wet_XXXXXX";
  tr_opts o = {TR_START, 600.0, 2.0, 0, 0};
  if (tmp_run(wet, &o)) return;
  ct__view v;
  ct_error err = {0};
  CHECK_OK(ct__view_open(&v, run, wet, CT__CMP_DIFF, &err), &err);
  v.t = 1;
  CHECK(ct__view_toggle_log(&v) == -1 && v.log == 0); /* key g refused */
  v.log = 1; /* as left on from side by side */
  v.cmap = CT__CMAP_MAGMA;
  ct__view_render(&v, px, W, H);
  CHECK(ct__view_cmap(&v) == CT__CMAP_DIVERGING);
  CHECK(ct__view_next_cmap(&v) == -1 && ct__view_cmap(&v) == CT__CMAP_DIVERGING);
  CHECK_NEAR(v.hi, (double)1.35f, 1e-7);
  CHECK_NEAR(v.lo, -v.hi, 1e-12);
  /* cell (5, 3): A - B = 0.5 - 1.0 */
  double u = (-0.5 + (double)1.35f) / (2.0 * (double)1.35f);
  CHECK(cell_is(&v, 5, 3, ct__cmap_rgb(CT__CMAP_DIVERGING, u)));
  /* both dry (rows >= 20, column 0): no difference, the base map */
  CHECK(cell_is(&v, 3, 22, v.run[0].base[22 * TR_NX + 3]));
  CHECK(cell_is(&v, 0, 5, v.run[0].base[5 * TR_NX + 0]));
  /* side by side the keys work again */
  v.compare = CT__CMP_SIDE;
  CHECK(ct__view_next_cmap(&v) == 0);
  CHECK(ct__view_toggle_log(&v) == 0);
  ct__view_close(&v);
  remove(wet);
}

/* B starting 5 minutes later: matched by time since the start, so B shows
 * 14:15 beside A's 14:10; its pane says so, names B, and warns. */
static void test_times(const char *run) {
  char late[] = "/tmp/ct_view_late_XXXXXX";
  tr_opts o = {"2026-09-15T14:05:00+07:00", 600.0, 1.0, 0, 0};
  if (tmp_run(late, &o)) return;
  ct__view v;
  ct_error err = {0};
  CHECK_OK(ct__view_open(&v, run, late, CT__CMP_DIFF, &err), &err);
  v.t = 1;
  ct__view_render(&v, px, W, H);
  CHECK(strstr(v.note, "B shown at 2026-09-15 14:15:00+07:00, A at 2026-09-15 "
                       "14:10:00+07:00") == v.note);
  ct__rect m = v.map[0];
  char tag[300];
  snprintf(tag, sizeof tag, "A - B: %s - %s", base_of(run), base_of(late));
  CHECK(text_missing(m.x + 11, m.y + 9, tag, COL_TEXT_) == 0);
  CHECK(text_missing(m.x + 11, m.y + 25, "B at 2026-09-15 14:15:00+07:00  +00:10:00",
                     COL_TEXT_) == 0);
  CHECK(text_missing(m.x + 11, m.y + 41, "B shown at 2026-09-15 14:15:00+07:00", COL_WARN_) == 0);
  CHECK(text_missing(m.x + 11, m.y + 41, "B shown at 2026-09-15 14:16:00+07:00", COL_WARN_) > 0);
  /* side by side: B's pane carries B's time */
  v.compare = CT__CMP_SIDE;
  ct__view_render(&v, px, W, H);
  m = v.map[1];
  snprintf(tag, sizeof tag, "B: %s", base_of(late));
  CHECK(text_missing(m.x + 11, m.y + 9, tag, COL_TEXT_) == 0);
  CHECK(text_missing(m.x + 11, m.y + 25, "B at 2026-09-15 14:15:00+07:00  +00:10:00",
                     COL_TEXT_) == 0);
  ct__view_close(&v);
  /* the same start and times: nothing to warn about */
  CHECK_OK(ct__view_open(&v, run, run, CT__CMP_SIDE, &err), &err);
  v.t = 1;
  ct__view_render(&v, px, W, H);
  CHECK(v.note[0] == '\0');
  ct__view_close(&v);
  remove(late);
}

/* Probe on a cell without data, refit on resize, header of an interrupted
 * run, exported frames without the probe, a static-only file. */
static void test_audit(const char *run) {
  ct__view v;
  ct_error err = {0};
  CHECK_OK(ct__view_open(&v, run, NULL, 0, &err), &err);
  v.t = 1;
  ct__view_render(&v, px, W, H);
  {
    int x, y;
    char line[512];
    CHECK(ct__view_cell_px(&v, 0, 6, 3, &x, &y) == 0);
    v.run[0].data[3 * TR_NX + 6] = NAN; /* a no-data cell */
    CHECK(ct__view_probe_text(&v, x, y, line, sizeof line) == 0);
    CHECK(strncmp(line, "no data  at x", 13) == 0 && !strstr(line, "nan"));
    v.run[0].data_t = -1; /* read it again */
  }
  /* a smaller window refits the never-moved view; a moved one stays */
  ct__view_render(&v, px, 500, 400);
  double fit = fmin((500.0 - 136) / TR_NX, (400.0 - 80) / TR_NY) * 0.98;
  CHECK_NEAR(v.zoom, fit, 1e-9);
  ct__view_pan(&v, 10, 0);
  ct__view_render(&v, px, W, H);
  CHECK_NEAR(v.zoom, fit, 1e-9);
  ct__view_reset(&v);
  ct__view_render(&v, px, W, H);
  CHECK_NEAR(v.zoom, fmin((W - 136.0) / TR_NX, (H - 80.0) / TR_NY) * 0.98, 1e-9);
  /* a finished run: no warning colour in the top bar */
  long warn = 0;
  for (int k = 0; k < W * 30; k++) warn += rgb(px[k]) == COL_WARN_;
  CHECK(warn == 0);

  /* exported frames leave the cursor's probe out */
  char dir[] = "/tmp/ct_view_frames_XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  int x, y;
  ct__view_cell_px(&v, 0, 6, 3, &x, &y);
  v.mouse_x = x;
  v.mouse_y = y;
  v.mouse_in = 1;
  CHECK(ct__view_export_frames(&v, dir, W, H, &err) == TR_NT);
  CHECK(v.mouse_in == 1);
  v.mouse_in = 0;
  v.t = 1;
  ct__view_render(&v, px, W, H);
  char f[600];
  snprintf(f, sizeof f, "%s/frame_0002.png", dir);
  GDALDatasetH ds = GDALOpen(f, GA_ReadOnly);
  CHECK(ds != NULL);
  if (ds) {
    static unsigned char b[3][W * H];
    int ok = 1;
    for (int c = 0; c < 3; c++)
      ok &= GDALRasterIO(GDALGetRasterBand(ds, c + 1), GF_Read, 0, 0, W, H, b[c], W, H,
                         GDT_Byte, 0, 0) == CE_None;
    CHECK(ok);
    long nd = 0;
    for (int k = 0; k < W * H; k++)
      nd += CT__RGB(b[0][k], b[1][k], b[2][k]) != (px[k] | 0xFF000000u);
    if (nd) fprintf(stderr, "exported frame: %ld pixels differ\n", nd);
    CHECK(nd == 0);
    GDALClose(ds);
  }
  for (int k = 1; k <= TR_NT; k++) {
    snprintf(f, sizeof f, "%s/frame_%04d.png", dir, k);
    remove(f);
  }
  ct__view_close(&v);

  /* an interrupted run says so in the title bar, in the warning colour */
  char bad[] = "/tmp/ct_view_killed_XXXXXX";
  tr_opts o = {TR_START, 600.0, 1.0, 1, 0};
  if (tmp_run(bad, &o) == 0) {
    CHECK_OK(ct__view_open(&v, bad, NULL, 0, &err), &err);
    ct__view_render(&v, px, W, H);
    CHECK(text_missing(10, 10, "[interrupted] ", COL_WARN_) == 0);
    warn = 0;
    for (int k = 0; k < W * 30; k++) warn += rgb(px[k]) == COL_WARN_;
    CHECK(warn > 50);
    ct__view_close(&v);
    remove(bad);
  }

  /* static layers only: one frame, and no slider or "1/N" under the map */
  char st[] = "/tmp/ct_view_static_XXXXXX";
  tr_opts so = {TR_START, 600.0, 1.0, 0, 1};
  if (tmp_run(st, &so) == 0) {
    CHECK_OK(ct__view_open(&v, st, NULL, 0, &err), &err);
    CHECK(ct__view_static(&v));
    ct__view_render(&v, px, W, H);
    long other = 0;
    for (int yy = v.bottom.y + 1; yy < H; yy++)
      for (int xx = 0; xx < W; xx++) other += at(xx, yy) != COL_BG_;
    CHECK(other == 0);
    CHECK(ct__view_export_frames(&v, dir, 320, 240, &err) == 1);
    snprintf(f, sizeof f, "%s/frame_0002.png", dir);
    CHECK(access(f, F_OK) != 0);
    snprintf(f, sizeof f, "%s/frame_0001.png", dir);
    CHECK(access(f, F_OK) == 0);
    remove(f);
    ct__view_close(&v);
    remove(st);
  }
  rmdir(dir);
}


/* A run for the field kinds: land use 2 with a river (class 5) in columns
 * 36..39 that is 6 m deep, street depths 0.1..0.4 m (rows < 20), a time of
 * maximum of 20 minutes from the start, and a NOx plume with a tail. */
#define KR_RIVER 36
static double kr_depth(int i, int j) {
  return i >= KR_RIVER ? 6.0 : j < 20 ? 0.1 * (i % 5) : 0.0;
}

static int kinds_run(const char *path) {
  ct_error err = {0};
  ct_grid g;
  int rc = ct_grid_init(&g, "EPSG:32648", 660000.0, 1520000.0, 660000.0 + 10.0 * TR_NX,
                        1520000.0 + 10.0 * TR_NY, 10.0, &err);
  if (rc) return rc;
  ct_fields *fs = ct_fields_new(&g);
  ct_field *lu = ct_fields_add(fs, "layer.landuse", "1", "Land use class", CT_FIELD_STATIC, &err);
  ct_field *f[3] = {
      ct_fields_add(fs, "flood.depth", "m", "Water depth", 0, &err),
      ct_fields_add(fs, "flood.time_of_max", "s", "Time of max", 0, &err),
      ct_fields_add(fs, "air.nox", "ug m-3", "NOx", 0, &err)};
  double start = 0.0;
  int off = 0;
  ct_parse_iso8601(TR_START, &start, &off);
  ct_snapshot_meta meta = {.title = "kinds", .start_unix = start, .utc_offset_s = off,
                           .duration = 600.0};
  ct_snapshot *s = NULL;
  if (!lu || !f[0] || !f[1] || !f[2]) rc = CT_ENOMEM;
  if (!rc) rc = ct_snapshot_create(&s, path, &g, &meta, &err);
  for (int j = 0; j < TR_NY && !rc; j++)
    for (int i = 0; i < TR_NX; i++) {
      int k = j * TR_NX + i;
      lu->data[k] = i >= KR_RIVER ? 5.0f : 2.0f;
      f[0]->data[k] = (float)kr_depth(i, j);
      f[1]->data[k] = 1200.0f;
      f[2]->data[k] = 0.0f;
    }
  if (f[2]) {
    f[2]->data[5 * TR_NX + 5] = 100.0f;
    f[2]->data[5 * TR_NX + 6] = 0.05f; /* the tail: under 1e-3 of 100 */
    f[2]->data[5 * TR_NX + 7] = 0.5f;
  }
  if (!rc) rc = ct_snapshot_write_static(s, lu, &err);
  for (int t = 0; t < 2 && !rc; t++) rc = ct_snapshot_append(s, 600.0 * t, f, 3, &err);
  if (s) {
    int rc2 = ct_snapshot_close(s, 1, &err);
    if (!rc) rc = rc2;
  }
  if (rc) fprintf(stderr, "%s\n", err.msg);
  ct_fields_free(fs);
  ct_grid_free(&g);
  return rc;
}

/* The first x in [x0, x1) where s is drawn at y in col, or -1. */
static int text_at(int x0, int x1, int y, const char *s, uint32_t col) {
  for (int x = x0; x < x1; x++)
    if (text_missing(x, y, s, col) == 0) return x;
  return -1;
}

#define COL_ACCENT_ 0x4FC3F7u

/* Land use as classes, time-of fields as clock times, the depth range
 * robust to a river channel, a concentration's tail hidden. */
static void test_kinds(void) {
  char path[] = "/tmp/ct_view_kinds_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return;
  close(fd);
  CHECK(kinds_run(path) == CT_OK);
  ct__view v;
  ct_error err = {0};
  if (ct__view_open(&v, path, NULL, 0, &err) != CT_OK) {
    fprintf(stderr, "%s\n", err.msg);
    CHECK(0);
    remove(path);
    return;
  }
  char line[512];
  int x, y;

  /* land use: a fixed colour per class, the classes named in the legend
     and by the probe */
  CHECK_OK(ct__view_set_field(&v, "layer.landuse", &err), &err);
  ct__view_render(&v, px, W, H);
  CHECK(ct__view_kind(&v) == CT__KIND_CLASSES);
  CHECK(cell_is(&v, 3, 5, ct__class_rgb(2)));
  CHECK(cell_is(&v, 38, 5, ct__class_rgb(5)));
  CHECK(text_at(v.legend.x, v.legend.x + v.legend.w, v.legend.y + 10 + 13 + 20 + 2 * 14,
                "2 residential", COL_TEXT_) >= 0);
  CHECK(text_at(v.legend.x, v.legend.x + v.legend.w, v.legend.y + 10 + 13 + 20 + 5 * 14,
                "5 water", COL_TEXT_) >= 0);
  ct__view_cell_px(&v, 0, 3, 5, &x, &y);
  CHECK(ct__view_probe_text(&v, x, y, line, sizeof line) == 0);
  CHECK(strncmp(line, "residential (2)  at", 19) == 0);

  /* seconds from the start as the run's clock time: 14:00 + 20 min */
  CHECK_OK(ct__view_set_field(&v, "flood.time_of_max", &err), &err);
  ct__view_render(&v, px, W, H);
  CHECK(ct__view_kind(&v) == CT__KIND_CLOCK);
  ct__view_cell_px(&v, 0, 3, 5, &x, &y);
  CHECK(ct__view_probe_text(&v, x, y, line, sizeof line) == 0);
  CHECK(strncmp(line, "14:20:00  at", 12) == 0);
  if (strncmp(line, "14:20:00  at", 12)) fprintf(stderr, "probe: %s\n", line);
  CHECK(text_missing(v.legend.x + 10, v.legend.y + 23, "[local time]", COL_ACCENT_) == 0);
  {
    long ink = 0; /* a tick beside the bar reads 14:20 */
    for (int yy = v.legend.y; yy < v.legend.y + v.legend.h && !ink; yy++)
      ink = text_missing(v.legend.x + 14 + 18 + 8, yy, "14:20", COL_TEXT_) == 0;
    CHECK(ink);
  }

  /* depth: the whole-run range is the 99th percentile on land (0.4 m),
     not the 6 m river; deeper water in the top colour and a triangle on
     the legend's bar */
  CHECK_OK(ct__view_set_field(&v, "flood.depth", &err), &err);
  ct__view_render(&v, px, W, H);
  CHECK_NEAR(v.hi, (double)0.4f, 1e-7);
  CHECK(v.robust == 1);
  CHECK_NEAR(v.over, 6.0, 1e-6);
  CHECK(cell_is(&v, 3, 5, ct__cmap_rgb(CT__CMAP_VIRIDIS, (double)(float)0.3 / (double)0.4f)));
  CHECK(cell_is(&v, 38, 5, ct__cmap_rgb(CT__CMAP_VIRIDIS, 1.0)));
  {
    uint32_t top = rgb(ct__cmap_rgb(CT__CMAP_VIRIDIS, 1.0));
    int bx = v.legend.x + 14, cx = bx + 9, first = -1;
    for (int yy = v.legend.y; yy < v.legend.y + v.legend.h && first < 0; yy++)
      if (at(cx, yy) == top) first = yy;
    CHECK(first > 0);
    if (first > 0) CHECK(at(bx, first) != top); /* a point, not the bar */
  }
  /* r: this frame's range is the plain one again */
  v.range_mode = CT__RANGE_FRAME;
  ct__view_render(&v, px, W, H);
  CHECK_NEAR(v.hi, 6.0, 1e-6);
  CHECK(v.robust == 0 && isnan(v.over));
  /* R: a typed range below the values has the marker too */
  v.range_mode = CT__RANGE_TYPED;
  v.typed_lo = 0.0;
  v.typed_hi = 1.0;
  ct__view_render(&v, px, W, H);
  CHECK_NEAR(v.over, 6.0, 1e-6);
  v.range_mode = CT__RANGE_RUN;

  /* a concentration hides what is under 1e-3 of the range's top */
  CHECK_OK(ct__view_set_field(&v, "air.nox", &err), &err);
  ct__view_render(&v, px, W, H);
  CHECK_NEAR(v.thr_eff, 0.1, 1e-6);
  CHECK(cell_is(&v, 6, 5, v.run[0].base[5 * TR_NX + 6]));
  CHECK(!cell_is(&v, 7, 5, v.run[0].base[5 * TR_NX + 7]));
  {
    long said = 0; /* "hidden < 0.1" under the bar */
    for (int yy = v.legend.y; yy < v.legend.y + v.legend.h && !said; yy++)
      said = text_missing(v.legend.x + 10, yy, "hidden < 0.1", 0x9AA3ADu) == 0;
    CHECK(said);
  }
  ct__view_close(&v);
  remove(path);
}

/* UTF-8 names: letters with diacritics drawn as their base letters, and
 * a long file name gives way to the field name in the title bar. */
static void test_utf8(const char *run) {
  CHECK(ct__text_len("Quận 1, đường") == 13);
  CHECK(ct__text_width("Nguyễn", 1) == 6 * CT__GLYPH_W);
  static uint32_t a[200 * 12], b[200 * 12];
  ct__canvas ca = {a, 200, 12, 0, 0, 200, 12}, cb = {b, 200, 12, 0, 0, 200, 12};
  /* precomposed and decomposed (e + combining circumflex + dot below) */
  ct__text(&ca, 0, 0, "Quận Đống Đa ư ơ Nguyễn Huệ", 0xFFFFFFFFu, 1);
  ct__text(&cb, 0, 0, "Quan Dong Da u o Nguyen Hue", 0xFFFFFFFFu, 1);
  CHECK(memcmp(a, b, sizeof a) == 0);
  memset(a, 0, sizeof a);
  ct__text(&ca, 0, 0, "Hue\xcc\x82\xcc\xa3", 0xFFFFFFFFu, 1);
  memset(b, 0, sizeof b);
  ct__text(&cb, 0, 0, "Hue", 0xFFFFFFFFu, 1);
  CHECK(memcmp(a, b, sizeof a) == 0);

  char path[200];
  snprintf(path, sizeof path,
           "/tmp/ct_view_Quận_1_mưa_đường_Nguyễn_Thị_Minh_Khai_%d_kịch_bản_rất_dài.nc",
           (int)getpid());
  char cmd[600];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s'", run, path);
  CHECK(system(cmd) == 0);
  ct__view v;
  ct_error err = {0};
  if (ct__view_open(&v, path, NULL, 0, &err) != CT_OK) {
    fprintf(stderr, "%s\n", err.msg);
    CHECK(0);
    remove(path);
    return;
  }
  ct__view_render(&v, px, W, H);
  CHECK(text_missing(10, 10, "ct_view_Quan_1_mua_duong_Nguyen", COL_TEXT_) == 0);
  int fx = text_at(10, W / 2, 10, "Water depth [m]  (flood.depth)", COL_TEXT_);
  CHECK(fx > 10);
  /* the file name ends in an ellipsis just before the field */
  if (fx > 10) CHECK(text_missing(fx - 6 * CT__GLYPH_W, 10, "\xE2\x80\xA6  |  ", COL_TEXT_) == 0);
  ct__view_close(&v);
  remove(path);
}

/* 320 x 200: a compact legend (bar, ends, units) and a series panel with
 * the field, its units and a time axis, on at most a third of the map. */
static void test_small(const char *run) {
  enum { SW = 320, SH = 200 };
  static uint32_t sp[SW * SH];
  ct__view v;
  ct_error err = {0};
  CHECK_OK(ct__view_open(&v, run, NULL, 0, &err), &err);
  v.t = 1;
  ct__view_render(&v, sp, SW, SH);
  ct__rect L = v.legend;
  CHECK(L.w >= 40 && L.x + L.w == SW);
  long top = 0, bot = 0, unit = 0;
  for (int y = L.y; y < L.y + L.h; y++)
    for (int x = L.x; x < SW; x++) {
      uint32_t c = sp[y * SW + x] & 0xFFFFFFu;
      /* a short bar samples the map's ends to within a few entries */
      for (int k = 0; k < 4; k++) {
        top += c == rgb(ct__cmap_rgb(CT__CMAP_VIRIDIS, (255 - k) / 255.0));
        bot += c == rgb(ct__cmap_rgb(CT__CMAP_VIRIDIS, k / 255.0));
      }
      unit += c == COL_ACCENT_;
    }
  CHECK(top > 0 && bot > 0 && unit > 0);
  /* the ends: "1.35" and "0" beside the bar, in the text colour */
  {
    static uint32_t cp[SW * SH];
    memcpy(cp, sp, sizeof sp);
    ct__canvas c = {cp, SW, SH, 0, 0, SW, SH};
    long found = 0;
    for (int y = L.y; y < L.y + 40 && !found; y++)
      for (int x = L.x; x < SW - 20 && !found; x++) {
        memcpy(cp, sp, sizeof sp);
        ct__text(&c, x, y, "1.35", COL_TEXT_ | 0xFF000000u, 1);
        found = memcmp(cp, sp, sizeof sp) == 0;
      }
    CHECK(found);
  }
  CHECK_OK(ct__view_pin(&v, 7, 2, &err), &err);
  ct__view_render(&v, sp, SW, SH);
  ct__rect b = v.series_box, m = v.map[0];
  CHECK(b.w > 0 && (long)b.w * b.h * 3 <= (long)m.w * m.h);
  ct__view_render(&v, px, W, H);
  b = v.series_box;
  CHECK(b.w > 0);
  /* title: cell, field and units; time axis: first and last snapshot */
  CHECK(text_missing(b.x + 6, b.y + 4, "7,2  Water depth [m]", COL_TEXT_) == 0);
  ct__rect pl = {b.x + 44, b.y + 18, b.w - 52, b.h - 32};
  CHECK(text_missing(pl.x, pl.y + pl.h + 2, "14:00", 0x9AA3ADu) == 0);
  CHECK(text_missing(pl.x + pl.w - 5 * CT__GLYPH_W, pl.y + pl.h + 2, "14:20", 0x9AA3ADu) == 0);
  ct__view_close(&v);
}

/* Live: a run still being written; a refresh brings in the new snapshot,
 * the view follows it and the run's range grows with it. */
static void test_live(void) {
  char path[] = "/tmp/ct_view_live_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return;
  close(fd);
  ct_error err = {0};
  ct_grid g;
  if (ct_grid_init(&g, "EPSG:32648", 660000, 1520000, 660080, 1520060, 10.0, &err)) {
    fprintf(stderr, "%s\n", err.msg);
    CHECK(0);
    return;
  }
  ct_fields *fs = ct_fields_new(&g);
  ct_field *dem = ct_fields_add(fs, "layer.dem", "m", "Ground", CT_FIELD_STATIC, &err);
  ct_field *d = ct_fields_add(fs, "flood.depth", "m", "Water depth", 0, &err);
  ct_snapshot_meta meta = {.title = "live", .start_unix = 1789462800.0};
  ct_snapshot *s = NULL;
  CHECK_OK(ct_snapshot_create(&s, path, &g, &meta, &err), &err);
  for (int k = 0; k < 48; k++) dem->data[k] = (float)k;
  if (s) CHECK_OK(ct_snapshot_write_static(s, dem, &err), &err);
  for (int k = 0; k < 48; k++) d->data[k] = 0.5f;
  d->data[0] = 0.0f; /* the range starts at 0 */
  d->data[47] = 1.0f;
  ct__view v;
  /* opened before the first snapshot: only the static layer so far */
  int ok_ = s && ct__view_open(&v, path, NULL, 0, &err) == CT_OK;
  CHECK(ok_);
  if (!ok_) fprintf(stderr, "%s\n", err.msg);
  if (ok_) {
    v.follow = 1;
    ct__view_render(&v, px, W, H);
    CHECK(ct__view_live(&v) == 1);
    CHECK(ct_reader_ntimes(v.run[0].r) == 0);
    int nv0 = ct_reader_nvars(v.run[0].r);
    CHECK_OK(ct_snapshot_append(s, 0.0, &d, 1, &err), &err);
    int grew0 = 0;
    CHECK_OK(ct__view_refresh(&v, &grew0, &err), &err);
    CHECK(grew0 == 1 && ct_reader_nvars(v.run[0].r) >= nv0);
    CHECK_OK(ct__view_set_field(&v, "flood.depth", &err), &err);
    ct__view_render(&v, px, W, H);
    CHECK(ct_reader_ntimes(v.run[0].r) == 1);
    CHECK_NEAR(v.hi, 1.0, 1e-7);
    d->data[3 * 8 + 2] = 2.0f;
    CHECK_OK(ct_snapshot_append(s, 60.0, &d, 1, &err), &err);
    int grew = 0;
    CHECK_OK(ct__view_refresh(&v, &grew, &err), &err);
    CHECK(grew == 1);
    CHECK(ct_reader_ntimes(v.run[0].r) == 2);
    CHECK(v.t == 1); /* followed the newest snapshot */
    ct__view_render(&v, px, W, H);
    CHECK_NEAR(v.hi, 2.0, 1e-7); /* the run's range took the new one in */
    CHECK(cell_is(&v, 2, 3, ct__cmap_rgb(CT__CMAP_VIRIDIS, 1.0)));
    CHECK(cell_is(&v, 1, 1, ct__cmap_rgb(CT__CMAP_VIRIDIS, 0.5 / 2.0)));
    /* the run ends: no more polling */
    CHECK_OK(ct_snapshot_close(s, 1, &err), &err);
    s = NULL;
    CHECK_OK(ct__view_refresh(&v, &grew, &err), &err);
    CHECK(ct__view_live(&v) == 0);
    ct__view_close(&v);
  }
  if (s) CHECK_OK(ct_snapshot_close(s, 1, &err), &err);
  ct_fields_free(fs);
  ct_grid_free(&g);
  remove(path);
}

int main(void) {
  test_cmaps();
  test_hillshade();
  test_png();
  char path[] = "/tmp/ct_view_run_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 1;
  close(fd);
  ct_error err = {0};
  int ok_ = tr_make(path, &err) == CT_OK;
  CHECK(ok_);
  if (!ok_) fprintf(stderr, "%s\n", err.msg);
  if (ok_) {
    test_render(path);
    test_compare(path);
    test_diff_scale(path);
    test_times(path);
    test_audit(path);
    test_utf8(path);
    test_small(path);
  }
  test_kinds();
  test_live();
  remove(path);
  return TEST_RESULT();
}
