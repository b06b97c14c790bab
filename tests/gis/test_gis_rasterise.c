/* test_gis_rasterise.c - burning features into cells, against cell counts
 * worked out by hand: a line crosses 1 + (vertical grid lines crossed) +
 * (horizontal grid lines crossed) cells when it passes through no grid
 * corner; a polygon covers the cells whose centre is inside, holes excluded. */
#include "ct_test.h"

#include "citytwin/layers.h"

/* Grid of 20 x 16 cells of 10 m from (1000, 2160) north-west corner; a
 * point in cell units (u east, v south) is (1000 + 10u, 2160 - 10v). */
#define WX(u) (1000.0 + 10.0 * (u))
#define WY(v) (2160.0 - 10.0 * (v))

static int count(const float *a, size_t n, float val) {
  int c = 0;
  for (size_t k = 0; k < n; k++) c += a[k] == val;
  return c;
}

/* Length of the part of segment (u0,v0)-(u1,v1) inside cell (i, j), by
 * clipping against the cell's box: the definition of "crossed", computed
 * independently of the grid walk. */
static double inside_len(double u0, double v0, double u1, double v1, int i,
                         int j) {
  double t0 = 0, t1 = 1, du = u1 - u0, dv = v1 - v0;
  double p[4] = {-du, du, -dv, dv};
  double q[4] = {u0 - i, i + 1 - u0, v0 - j, j + 1 - v0};
  for (int k = 0; k < 4; k++) {
    if (p[k] == 0) {
      if (q[k] < 0) return 0;
      continue;
    }
    double r = q[k] / p[k];
    if (p[k] < 0) t0 = r > t0 ? r : t0;
    else t1 = r < t1 ? r : t1;
  }
  return t1 > t0 ? (t1 - t0) * hypot(du, dv) : 0;
}

/* The burnt cells are exactly those the segment runs through (length
 * inside > 1e-9 cell; the test lines pass through no grid corner). */
static int same_cells(const float *out, int nx, int ny, float val, double u0,
                      double v0, double u1, double v1) {
  int bad = 0;
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++) {
      int crossed = inside_len(u0, v0, u1, v1, i, j) > 1e-9;
      bad += crossed != (out[j * nx + i] == val);
    }
  return bad;
}

int main(void) {
  ct_error err = {0};
  ct_grid g;
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 1000, 2000, 1200, 2160, 10, &err),
           &err);
  CHECK(g.nx == 20 && g.ny == 16);
  size_t n = ct_grid_ncells(&g);
  float *out = calloc(n, sizeof *out);

  /* One line feature: (0.2, 0.3) -> (5.7, 3.4) crosses u = 1..5 and
   * v = 1..3: 1 + 5 + 3 = 9 cells. */
  double xy[4] = {WX(0.2), WY(0.3), WX(5.7), WY(3.4)};
  int part[2] = {0, 2};
  unsigned char outer[1] = {0};
  ct_feature f = {CT_GEOM_LINE, 2, xy, 1, part, outer, 1, NULL};
  ct_vector v = {.name = (char *)"t", .nfeat = 1, .feat = &f};
  CHECK_OK(ct_rasterise(&v, &g, 1.0f, out, &err), &err);
  CHECK(count(out, n, 1.0f) == 9);
  CHECK(same_cells(out, 20, 16, 1.0f, 0.2, 0.3, 5.7, 3.4) == 0);
  /* The cells are connected through edges from start to end. */
  CHECK(out[0 * 20 + 0] == 1 && out[3 * 20 + 5] == 1);

  /* A line from outside the grid through it to outside again:
   * (-3.5, 7.5) -> (25.5, 7.5), horizontal: exactly the 20 cells of row 7. */
  memset(out, 0, n * sizeof *out);
  double h[4] = {WX(-3.5), WY(7.5), WX(25.5), WY(7.5)};
  f.xy = h;
  CHECK_OK(ct_rasterise(&v, &g, 2.0f, out, &err), &err);
  CHECK(count(out, n, 2.0f) == 20);
  for (int i = 0; i < 20; i++) CHECK(out[7 * 20 + i] == 2.0f);

  /* Two parts going north-west (negative directions): (17.6, 14.2) ->
   * (12.3, 9.9) crosses u = 17..13 (5) and v = 14..10 (5): 11 cells; and
   * (2.5, 12.5) -> (2.5, 15.5) vertical: 4 cells. No overlap: 15. */
  memset(out, 0, n * sizeof *out);
  double m[8] = {WX(17.6), WY(14.2), WX(12.3), WY(9.9),
                 WX(2.5),  WY(12.5), WX(2.5),  WY(15.5)};
  int mp[3] = {0, 2, 4};
  unsigned char mo[2] = {0, 0};
  ct_feature fm = {CT_GEOM_LINE, 4, m, 2, mp, mo, 2, NULL};
  v.feat = &fm;
  CHECK_OK(ct_rasterise(&v, &g, 3.0f, out, &err), &err);
  CHECK(count(out, n, 3.0f) == 15);
  /* The second part alone is column 2, rows 12..15; the first part is
   * checked cell by cell after burning it on its own. */
  for (int j = 12; j < 16; j++) CHECK(out[j * 20 + 2] == 3.0f);
  memset(out, 0, n * sizeof *out);
  fm.nparts = 1;
  fm.npts = 2;
  CHECK_OK(ct_rasterise(&v, &g, 3.0f, out, &err), &err);
  CHECK(same_cells(out, 20, 16, 3.0f, 17.6, 14.2, 12.3, 9.9) == 0);
  /* A long shallow line: (0.1, 15.9) -> (19.9, 0.3) crosses 19 + 15
   * grid lines: 35 cells, each one it runs through. */
  memset(out, 0, n * sizeof *out);
  double d[4] = {WX(0.1), WY(15.9), WX(19.9), WY(0.3)};
  fm.xy = d;
  CHECK_OK(ct_rasterise(&v, &g, 3.0f, out, &err), &err);
  CHECK(count(out, n, 3.0f) == 35);
  CHECK(same_cells(out, 20, 16, 3.0f, 0.1, 15.9, 19.9, 0.3) == 0);

  /* Polygon: triangle (0,0) (10.2,0) (0,10.2) in cell units: centres
   * (i+.5, j+.5) with i + j + 1 < 10.2, i.e. i + j <= 9: 1+2+...+10 = 55. */
  memset(out, 0, n * sizeof *out);
  double tri[8] = {WX(0), WY(0), WX(10.2), WY(0), WX(0), WY(10.2), WX(0), WY(0)};
  int tp[2] = {0, 4};
  unsigned char to[1] = {1};
  ct_feature ft = {CT_GEOM_POLYGON, 4, tri, 1, tp, to, 3, NULL};
  v.feat = &ft;
  CHECK_OK(ct_rasterise(&v, &g, 4.0f, out, &err), &err);
  CHECK(count(out, n, 4.0f) == 55);

  /* Square (12,2)-(18,7) with a hole (13.2,3.2)-(15.8,5.8): the square holds
   * 6 x 5 = 30 centres, the hole those of cells 13..15 x 3..5 = 9: 21.
   * The rings are not closed explicitly: the closing edge is implied. */
  memset(out, 0, n * sizeof *out);
  double sq[16] = {WX(12),   WY(2),   WX(18),   WY(2),   WX(18),   WY(7),
                   WX(12),   WY(7),   WX(13.2), WY(3.2), WX(13.2), WY(5.8),
                   WX(15.8), WY(5.8), WX(15.8), WY(3.2)};
  int sp[3] = {0, 4, 8};
  unsigned char so[2] = {1, 0};
  ct_feature fs = {CT_GEOM_POLYGON, 8, sq, 2, sp, so, 4, NULL};
  v.feat = &fs;
  CHECK_OK(ct_rasterise(&v, &g, 5.0f, out, &err), &err);
  CHECK(count(out, n, 5.0f) == 21);
  CHECK(out[4 * 20 + 14] == 0); /* the hole's middle */
  CHECK(out[2 * 20 + 12] == 5); /* the square's corner cell */
  CHECK(ct_feature_contains(&fs, WX(14.5), WY(4.5)) == 0);
  CHECK(ct_feature_contains(&fs, WX(12.5), WY(6.5)) == 1);
  CHECK(ct_feature_contains(&fs, WX(19), WY(4.5)) == 0);
  CHECK(ct_feature_contains(&ft, WX(1), WY(1)) == 1);
  CHECK(ct_feature_contains(&f, WX(1), WY(1)) == 0); /* not a polygon */

  /* A polygon reaching past the grid: (15,-5)-(30,3) covers the centres of
   * columns 15..19 and rows 0..2: 15 cells. */
  memset(out, 0, n * sizeof *out);
  double big[8] = {WX(15), WY(-5), WX(30), WY(-5), WX(30), WY(3), WX(15), WY(3)};
  ct_feature fb = {CT_GEOM_POLYGON, 4, big, 1, tp, to, 5, NULL};
  v.feat = &fb;
  CHECK_OK(ct_rasterise(&v, &g, 6.0f, out, &err), &err);
  CHECK(count(out, n, 6.0f) == 15);

  /* Points: two inside, one outside the grid. */
  memset(out, 0, n * sizeof *out);
  double pts[6] = {WX(3.5), WY(4.5), WX(19.9), WY(15.9), WX(-1), WY(4)};
  int pp[4] = {0, 1, 2, 3};
  unsigned char po[3] = {0, 0, 0};
  ct_feature fp = {CT_GEOM_POINT, 3, pts, 3, pp, po, 6, NULL};
  v.feat = &fp;
  CHECK_OK(ct_rasterise(&v, &g, 7.0f, out, &err), &err);
  CHECK(count(out, n, 7.0f) == 2);
  CHECK(out[4 * 20 + 3] == 7 && out[15 * 20 + 19] == 7);

  free(out);
  ct_grid_free(&g);
  return TEST_RESULT();
}
