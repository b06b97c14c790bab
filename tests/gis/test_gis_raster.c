/* test_gis_raster.c - rasters onto the domain grid: a marked cell of an
 * EPSG:4326 GeoTIFF lands, on a UTM 48N grid, within half a cell of where
 * PROJ puts it; nodata stays NaN (never 0); bilinear reproduces a plane;
 * non-finite values are no data; band choice, CRS override, the raster's own
 * grid and extent, and the errors (no CRS, unknown CRS, missing file). */
#include "ct_test.h"
#include "gis_test.h"

#include <omp.h>

#include "citytwin/layers.h"

static const char *dir;

static char *path_in(const char *name) {
  static char p[8][1200];
  static int k = 0;
  k = (k + 1) % 8;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}

/* A byte land-use raster in WGS 84 over central HCMC: class 1 everywhere, one
 * marked pixel of class 5, a nodata (0) column; warped with the default
 * (nearest, for integer data) onto a 20 m UTM grid. */
static void test_marked_cell(const ct_grid *g) {
  ct_error err = {0};
  enum { NX = 40, NY = 30, MI = 17, MJ = 11, NDI = 30 };
  /* 0.002 deg pixels (~220 m), much larger than the 20 m cells, so the
   * marked pixel covers a block of ~11 x 11 cells. */
  double gt[6] = {106.675, 0.002, 0, 10.800, 0, -0.002};
  static float src[NX * NY];
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++)
      src[j * NX + i] = i == NDI ? 0.0f : (i == MI && j == MJ) ? 5.0f : 1.0f;
  CHECK(write_tif(path_in("lu4326.tif"), NX, NY, 1, GDT_Byte, gt, "EPSG:4326",
                  1, 0, src) == 0);
  size_t n = ct_grid_ncells(g);
  float *out = malloc(n * sizeof *out);
  ct_raster_opts o = {.name = "landuse"};
  CHECK_OK(ct_raster_warp(path_in("lu4326.tif"), g, &o, out, &err), &err);

  /* Where PROJ puts the centre of the marked pixel. */
  double px = gt[0] + (MI + 0.5) * gt[1], py = gt[3] + (MJ + 0.5) * gt[5];
  CHECK(proj_xy("EPSG:4326", "EPSG:32648", &px, &py) == 0);
  double sx = 0, sy = 0;
  int nmark = 0, nnan = 0, nzero = 0, nother = 0;
  for (int j = 0; j < g->ny; j++)
    for (int i = 0; i < g->nx; i++) {
      float v = out[(size_t)j * g->nx + i];
      if (isnan(v)) nnan++;
      else if (v == 0) nzero++;
      else if (v == 5) {
        nmark++;
        sx += ct_grid_x(g, i);
        sy += ct_grid_y(g, j);
      } else if (v != 1) nother++;
    }
  /* Nearest resampling invents no values; nodata is NaN, never 0. */
  CHECK(nzero == 0);
  CHECK(nother == 0);
  CHECK(nnan > 0);
  /* The marked block is a ~220 m square: about 11 x 11 = 121 cells of 20 m
   * (the pixel is 0.002 deg = 218.7 m E-W at 10.78 N, 221.1 m N-S). */
  CHECK(nmark > 100 && nmark < 145);
  if (nmark) {
    /* Its centroid is the pixel centre's image to within half a cell: the
     * block is made of whole cells whose centres fall in the pixel. */
    CHECK_NEAR(sx / nmark, px, g->dx / 2);
    CHECK_NEAR(sy / nmark, py, g->dx / 2);
  }
  /* And the cell under PROJ's point itself carries the mark. */
  int ci = 0, cj = 0;
  CHECK(ct_grid_locate(g, px, py, &ci, &cj) == CT_OK);
  CHECK(out[(size_t)cj * g->nx + ci] == 5.0f);

  /* The nodata column: the cell under the centre of pixel (NDI, 5) is NaN. */
  double qx = gt[0] + (NDI + 0.5) * gt[1], qy = gt[3] + 5.5 * gt[5];
  CHECK(proj_xy("EPSG:4326", "EPSG:32648", &qx, &qy) == 0);
  ci = cj = 0;
  CHECK(ct_grid_locate(g, qx, qy, &ci, &cj) == CT_OK);
  CHECK(isnan(out[(size_t)cj * g->nx + ci]));

  /* Mode resampling onto the same grid keeps the classes too. */
  o.resample = CT_RESAMPLE_MODE;
  CHECK_OK(ct_raster_warp(path_in("lu4326.tif"), g, &o, out, &err), &err);
  int bad = 0;
  for (size_t k = 0; k < n; k++)
    bad += !(isnan(out[k]) || out[k] == 1 || out[k] == 5);
  CHECK(bad == 0);

  /* The extent of the raster in the domain CRS contains the images of its
   * corners (PROJ), and exceeds them by no more than the bulge of a curved
   * edge over 8 km (well under 100 m). */
  int nb = 0;
  double ext[4];
  CHECK_OK(ct_raster_probe(path_in("lu4326.tif"), NULL, g, &nb, ext, &err),
           &err);
  CHECK(nb == 1);
  double cx[4] = {gt[0], gt[0] + NX * gt[1], gt[0], gt[0] + NX * gt[1]};
  double cy[4] = {gt[3], gt[3], gt[3] + NY * gt[5], gt[3] + NY * gt[5]};
  double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  for (int k = 0; k < 4; k++) {
    CHECK(proj_xy("EPSG:4326", "EPSG:32648", &cx[k], &cy[k]) == 0);
    lo[0] = fmin(lo[0], cx[k]), hi[0] = fmax(hi[0], cx[k]);
    lo[1] = fmin(lo[1], cy[k]), hi[1] = fmax(hi[1], cy[k]);
  }
  CHECK(ext[0] <= lo[0] + 1e-6 && ext[0] > lo[0] - 100);
  CHECK(ext[1] <= lo[1] + 1e-6 && ext[1] > lo[1] - 100);
  CHECK(ext[2] >= hi[0] - 1e-6 && ext[2] < hi[0] + 100);
  CHECK(ext[3] >= hi[1] - 1e-6 && ext[3] < hi[1] + 100);
  free(out);
}

/* A float plane z = a (x - x0) + b (y - y0) in UTM on 30 m pixels, with a
 * nodata block, warped bilinearly onto the 20 m grid. */
static void test_bilinear_plane(const ct_grid *g) {
  ct_error err = {0};
  enum { NX = 300, NY = 260 };
  const double a = 1e-3, b = 2e-3, x0 = 680000, y0 = 1185000;
  double gt[6] = {681990, 30, 0, 1194510, 0, -30};
  float *src = malloc(sizeof(float) * NX * NY);
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      double x = gt[0] + (i + 0.5) * 30, y = gt[3] - (j + 0.5) * 30;
      int hole = i >= 100 && i < 140 && j >= 100 && j < 140;
      src[j * NX + i] = hole ? -9999.0f : (float)(a * (x - x0) + b * (y - y0));
    }
  CHECK(write_tif(path_in("plane.tif"), NX, NY, 1, GDT_Float32, gt,
                  "EPSG:32648", 1, -9999, src) == 0);
  size_t n = ct_grid_ncells(g);
  float *out = malloc(n * sizeof *out);
  ct_raster_opts o = {.name = "dem"};
  CHECK_OK(ct_raster_warp(path_in("plane.tif"), g, &o, out, &err), &err);
  double maxerr = 0;
  int nnan = 0, nlow = 0, ncheck = 0;
  double hx0 = gt[0] + 100 * 30, hx1 = gt[0] + 140 * 30;
  double hy0 = gt[3] - 140 * 30, hy1 = gt[3] - 100 * 30;
  for (int j = 0; j < g->ny; j++)
    for (int i = 0; i < g->nx; i++) {
      float v = out[(size_t)j * g->nx + i];
      double x = ct_grid_x(g, i), y = ct_grid_y(g, j);
      if (isnan(v)) {
        nnan++;
        continue;
      }
      if (v < -1) nlow++; /* nodata leaking in as a value */
      /* Away from the hole and the edges (one source pixel), bilinear is
       * exact for a plane; float32 round-off on values up to ~25 is ~2e-6. */
      int near_hole = x > hx0 - 30 && x < hx1 + 30 && y > hy0 - 30 &&
                      y < hy1 + 30;
      int near_edge = x < gt[0] + 30 || y > gt[3] - 30 ||
                      x > gt[0] + NX * 30 - 30 || y < gt[3] - NY * 30 + 30;
      if (!near_hole && !near_edge) {
        double e = fabs(v - (a * (x - x0) + b * (y - y0)));
        if (e > maxerr) maxerr = e;
        ncheck++;
      }
    }
  CHECK(ncheck > 1000);
  CHECK_NEAR(maxerr, 0, 1e-4);
  CHECK(nlow == 0);
  /* Every cell whose centre lies inside the hole (shrunk by one source
   * pixel, beyond bilinear's reach) is NaN. */
  int hole_ok = 1, hole_cells = 0;
  for (int j = 0; j < g->ny; j++)
    for (int i = 0; i < g->nx; i++) {
      double x = ct_grid_x(g, i), y = ct_grid_y(g, j);
      if (x > hx0 + 30 && x < hx1 - 30 && y > hy0 + 30 && y < hy1 - 30) {
        hole_cells++;
        if (!isnan(out[(size_t)j * g->nx + i])) hole_ok = 0;
      }
    }
  CHECK(hole_cells > 1000);
  CHECK(hole_ok);
  CHECK(nnan >= hole_cells);

  /* Nodata from the scenario instead of the file: a raster without a
   * nodata value, -9999 declared by the override, comes out NaN too. */
  CHECK(write_tif(path_in("plane_nond.tif"), NX, NY, 1, GDT_Float32, gt,
                  "EPSG:32648", 0, 0, src) == 0);
  o.has_nodata = 1;
  o.nodata = -9999;
  CHECK_OK(ct_raster_warp(path_in("plane_nond.tif"), g, &o, out, &err), &err);
  nlow = 0;
  for (size_t k = 0; k < n; k++) nlow += out[k] < -1;
  CHECK(nlow == 0);
  free(out);
  free(src);
}

/* NaN and infinity in a float raster without a nodata value, and a second
 * band chosen with band = 2. */
static void test_nonfinite_and_bands(const ct_grid *g) {
  ct_error err = {0};
  enum { NX = 60, NY = 50 };
  double gt[6] = {680000, 200, 0, 1195000, 0, -200};
  float *src = malloc(sizeof(float) * NX * NY * 2);
  for (int k = 0; k < NX * NY; k++) {
    src[k] = 3.0f;
    src[NX * NY + k] = 7.0f;
  }
  src[10 * NX + 10] = NAN;
  src[20 * NX + 30] = INFINITY;
  CHECK(write_tif(path_in("nf.tif"), NX, NY, 2, GDT_Float32, gt, "EPSG:32648",
                  0, 0, src) == 0);
  size_t n = ct_grid_ncells(g);
  float *out = malloc(n * sizeof *out);
  ct_raster_opts o = {.name = "rain"};
  CHECK_OK(ct_raster_warp(path_in("nf.tif"), g, &o, out, &err), &err);
  int ninf = 0, nval = 0;
  for (size_t k = 0; k < n; k++) {
    ninf += isinf(out[k]);
    nval += out[k] == 3.0f;
  }
  CHECK(ninf == 0);
  CHECK(nval > 0);
  int ci = 0, cj = 0;
  CHECK(ct_grid_locate(g, gt[0] + 10.5 * 200, gt[3] - 10.5 * 200, &ci, &cj) ==
        CT_OK);
  CHECK(isnan(out[(size_t)cj * g->nx + ci]));
  CHECK(ct_grid_locate(g, gt[0] + 30.5 * 200, gt[3] - 20.5 * 200, &ci, &cj) ==
        CT_OK);
  CHECK(isnan(out[(size_t)cj * g->nx + ci]));

  o.band = 2;
  CHECK_OK(ct_raster_warp(path_in("nf.tif"), g, &o, out, &err), &err);
  int n7 = 0;
  for (size_t k = 0; k < n; k++) n7 += out[k] == 7.0f;
  CHECK(n7 == (int)n); /* band 2 is 7 everywhere and covers the grid */
  o.band = 3;
  CHECK(ct_raster_warp(path_in("nf.tif"), g, &o, out, &err) == CT_EINVAL);
  CHECK(strstr(err.msg, "rain") && strstr(err.msg, "band 3"));
  free(out);
  free(src);
}

/* The same warp with 1 and 2 threads gives the same bits; an alpha band
 * marks transparent pixels as no data. */
static void test_threads_and_alpha(const ct_grid *g) {
  ct_error err = {0};
  enum { NX = 50, NY = 40 };
  double gt[6] = {106.675, 0.002, 0, 10.800, 0, -0.002};
  float *src = malloc(sizeof(float) * NX * NY * 2);
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      src[j * NX + i] = (float)(i * 0.37 + j * 1.13);
      src[NX * NY + j * NX + i] = j < NY / 2 ? 255.0f : 0.0f;
    }
  CHECK(write_tif(path_in("alpha.tif"), NX, NY, 2, GDT_Float32, gt,
                  "EPSG:4326", 0, 0, src) == 0);
  GDALDatasetH ds = GDALOpen(path_in("alpha.tif"), GA_Update);
  if (ds) {
    GDALSetRasterColorInterpretation(GDALGetRasterBand(ds, 2), GCI_AlphaBand);
    GDALClose(ds);
  }
  size_t n = ct_grid_ncells(g);
  float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  ct_raster_opts o = {.name = "heat"};
  omp_set_num_threads(1);
  CHECK_OK(ct_raster_warp(path_in("alpha.tif"), g, &o, a, &err), &err);
  omp_set_num_threads(2);
  CHECK_OK(ct_raster_warp(path_in("alpha.tif"), g, &o, b, &err), &err);
  int diff = 0, nval = 0;
  for (size_t k = 0; k < n; k++) {
    diff += memcmp(&a[k], &b[k], sizeof(float)) != 0;
    nval += !isnan(a[k]);
  }
  CHECK(diff == 0);
  CHECK(nval > 0);
  /* A point in the transparent (southern) half, a pixel away from the
   * boundary row: NaN; one in the opaque half: a value. */
  double sx = gt[0] + 25.5 * gt[1], sy = gt[3] + (NY / 2 + 2.5) * gt[5];
  double nx_ = gt[0] + 25.5 * gt[1], ny_ = gt[3] + (NY / 2 - 3.5) * gt[5];
  CHECK(proj_xy("EPSG:4326", "EPSG:32648", &sx, &sy) == 0);
  CHECK(proj_xy("EPSG:4326", "EPSG:32648", &nx_, &ny_) == 0);
  int ci = 0, cj = 0;
  CHECK(ct_grid_locate(g, sx, sy, &ci, &cj) == CT_OK);
  CHECK(isnan(a[(size_t)cj * g->nx + ci]));
  CHECK(ct_grid_locate(g, nx_, ny_, &ci, &cj) == CT_OK);
  CHECK(!isnan(a[(size_t)cj * g->nx + ci]));
  free(a);
  free(b);
  free(src);
}

/* A raster without a CRS: an error naming the layer, unless the scenario
 * gives one; an unknown override; a missing file. */
static void test_crs_errors(const ct_grid *g) {
  ct_error err = {0};
  enum { NX = 60, NY = 50 };
  double gt[6] = {680000, 200, 0, 1195000, 0, -200};
  float *src = malloc(sizeof(float) * NX * NY);
  for (int k = 0; k < NX * NY; k++) src[k] = 2.5f;
  CHECK(write_tif(path_in("nocrs.tif"), NX, NY, 1, GDT_Float32, gt, NULL, 0, 0,
                  src) == 0);
  size_t n = ct_grid_ncells(g);
  float *out = malloc(n * sizeof *out);
  ct_raster_opts o = {.name = "dem"};
  CHECK(ct_raster_warp(path_in("nocrs.tif"), g, &o, out, &err) == CT_ECRS);
  CHECK(strstr(err.msg, "layer 'dem'") && strstr(err.msg, "nocrs.tif") &&
        strstr(err.msg, "no CRS"));
  o.crs = "EPSG:32648";
  CHECK_OK(ct_raster_warp(path_in("nocrs.tif"), g, &o, out, &err), &err);
  CHECK(out[0] == 2.5f && out[n - 1] == 2.5f); /* covers the whole grid */
  o.crs = "EPSG:99999";
  CHECK(ct_raster_warp(path_in("nocrs.tif"), g, &o, out, &err) == CT_ECRS);
  CHECK(strstr(err.msg, "layer 'dem'") && strstr(err.msg, "EPSG:99999"));
  o.crs = NULL;
  CHECK(ct_raster_warp(path_in("missing.tif"), g, &o, out, &err) == CT_ENOENT);
  CHECK(strstr(err.msg, "layer 'dem'") && strstr(err.msg, "missing.tif"));
  /* Not a raster at all. */
  FILE *fp = fopen(path_in("junk.tif"), "w");
  if (fp) {
    fputs("this is not a GeoTIFF\n", fp);
    fclose(fp);
  }
  CHECK(ct_raster_warp(path_in("junk.tif"), g, &o, out, &err) == CT_EFORMAT);
  CHECK(strstr(err.msg, "layer 'dem'") != NULL);
  free(out);
  free(src);
}

/* [domain] grid = a raster: the grid is exactly the raster's. */
static void test_raster_grid(void) {
  ct_error err = {0};
  enum { NX = 37, NY = 23 };
  double gt[6] = {681234.5, 12.5, 0, 1192345.25, 0, -12.5};
  float *src = calloc(NX * NY, sizeof(float));
  CHECK(write_tif(path_in("grid.tif"), NX, NY, 1, GDT_Float32, gt,
                  "EPSG:32648", 0, 0, src) == 0);
  ct_grid g;
  CHECK_OK(ct_raster_grid(path_in("grid.tif"), NULL, &g, &err), &err);
  CHECK(g.nx == NX && g.ny == NY);
  CHECK(g.dx == 12.5);
  for (int k = 0; k < 6; k++) CHECK(g.gt[k] == gt[k]);
  CHECK(g.crs_wkt && strstr(g.crs_wkt, "48N"));
  ct_grid_free(&g);
  /* Geographic: degrees are not metres. */
  double gg[6] = {106.6, 0.001, 0, 10.8, 0, -0.001};
  CHECK(write_tif(path_in("geo.tif"), NX, NY, 1, GDT_Float32, gg, "EPSG:4326",
                  0, 0, src) == 0);
  CHECK(ct_raster_grid(path_in("geo.tif"), NULL, &g, &err) == CT_ECRS);
  /* Non-square cells. */
  double gr[6] = {681000, 10, 0, 1192000, 0, -20};
  CHECK(write_tif(path_in("rect.tif"), NX, NY, 1, GDT_Float32, gr,
                  "EPSG:32648", 0, 0, src) == 0);
  CHECK(ct_raster_grid(path_in("rect.tif"), NULL, &g, &err) == CT_EINVAL);
  CHECK(strstr(err.msg, "non-square") != NULL);
  free(src);
}

int main(void) {
  dir = scratch_dir("raster");
  if (!dir) return 1;
  ct_error err = {0};
  ct_grid g;
  /* 8 km x 6 km of central HCMC at 20 m in UTM 48N; the WGS 84 test raster
   * covers all but its western ~1 km. */
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 682000, 1188000, 690000, 1194000,
                        20, &err), &err);
  CHECK(g.nx == 400 && g.ny == 300);
  test_marked_cell(&g);
  test_bilinear_plane(&g);
  test_threads_and_alpha(&g);
  ct_grid_free(&g);
  /* 12 km x 10 km at 200 m for the small cases. */
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 680000, 1185000, 692000, 1195000,
                        200, &err), &err);
  test_nonfinite_and_bands(&g);
  test_crs_errors(&g);
  ct_grid_free(&g);
  test_raster_grid();
  scratch_done(dir);
  return TEST_RESULT();
}
