/* test_rel_gis.c - the GIS loader's answers to hostile inputs, counted
 * exactly through the library API: undeclared fill values (1e30, -FLT_MAX)
 * become no data, and the loader's warning gives their number; road lines of
 * one vertex are left out and counted; a bow-tie polygon is reported invalid
 * but still read, its inside decided by the even-odd rule; a valid polygon
 * with a hole draws no warning; a layer of nothing but one-vertex lines is
 * an error that says why. */
#include <float.h>
#include <math.h>

#include "citytwin/layers.h"
#include "ct_test.h"
#include "rel_util.h"

enum { N = 20 };
static char dir[256];
static char warned[8][1600];
static int nwarn;

static void on_warn(void *ud, const char *msg) {
  (void)ud;
  if (nwarn < 8) snprintf(warned[nwarn], sizeof warned[0], "%s", msg);
  nwarn++;
  printf("warning: %s\n", msg);
}

/* Loads the single layer "name = file" on g; returns the status. The
 * layers point into the scenario: free ls, then the scenario (unload). */
static ct_scenario sc;
static int load(const ct_grid *g, const char *name, const char *file,
                ct_layers *ls, ct_error *err) {
  char text[1024], path[512];
  snprintf(text, sizeof text,
           "[scenario]\nstart = 2026-09-15T14:00:00+07:00\nduration = 1h\n"
           "[domain]\ncrs = EPSG:32648\nbounds = 680000 1185000 680200 "
           "1185200\ncell = 10\n[layers]\n%s = %s\n[layer %s]\nresample = "
           "nearest\n",
           name, file, name);
  snprintf(path, sizeof path, "%s/gis.ini", dir);
  static const char *const known[] = {NULL};
  memset(ls, 0, sizeof *ls);
  int rc = ct_scenario_parse(&sc, text, path, known, err);
  if (rc) return rc;
  nwarn = 0;
  rc = ct_layers_load(ls, &sc, g, on_warn, NULL, err);
  if (rc) ct_scenario_free(&sc);
  return rc;
}

static void unload(ct_layers *ls) {
  ct_layers_free(ls);
  ct_scenario_free(&sc);
}

int main(void) {
  if (rel_tmpdir(dir, sizeof dir, "gis")) return 1;
  ct_error err = {0};
  ct_grid g;
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 680000, 1185000, 680200, 1185200,
                        10, &err),
           &err);
  CHECK(g.nx == N && g.ny == N);

  /* 1e30 at two cells, -FLT_MAX at two, 9e19 (under the 1e20 bound) at
   * one; the raster lies exactly on the grid and is read by nearest, so
   * every other cell comes back exactly. */
  float z[N * N];
  for (int k = 0; k < N * N; k++) z[k] = (float)(1.0 + 0.01 * k);
  z[3] = 1e30f;
  z[N + 7] = 1e30f;
  z[5 * N + 5] = -FLT_MAX;
  z[19 * N + 19] = -FLT_MAX;
  z[10 * N + 10] = 9e19f;
  CHECK(rel_tif(dir, "fill.tif", N, N, 680000, 1185200, 10, 32648, z, 0, 0) ==
        0);
  ct_layers ls;
  CHECK_OK(load(&g, "dem", "fill.tif", &ls, &err), &err);
  const float *r = ct_layers_raster(&ls, "dem", &err);
  CHECK(r != NULL);
  if (r) {
    int nnan = 0, same = 0;
    for (int k = 0; k < N * N; k++) {
      nnan += isnan(r[k]) != 0;
      same += r[k] == z[k];
    }
    CHECK(nnan == 4);
    CHECK(same == N * N - 4);
    CHECK(isnan(r[3]) && isnan(r[N + 7]) && isnan(r[5 * N + 5]) &&
          isnan(r[19 * N + 19]));
    CHECK(r[10 * N + 10] == 9e19f);
  }
  CHECK(nwarn == 1 && strstr(warned[0], "layer 'dem'") &&
        strstr(warned[0], "4 cell(s) hold values of magnitude 1e+20"));
  unload(&ls);

  /* ct_raster_warp (no warnings possible) gives the same no data */
  float out[N * N];
  char p[512];
  snprintf(p, sizeof p, "%s/fill.tif", dir);
  ct_raster_opts o = {.resample = CT_RESAMPLE_NEAREST, .name = "dem"};
  CHECK_OK(ct_raster_warp(p, &g, &o, out, &err), &err);
  int nnan = 0;
  for (int k = 0; k < N * N; k++) nnan += isnan(out[k]) != 0;
  CHECK(nnan == 4);

  /* two good streets and two one-vertex lines: 2 kept, 2 counted */
  const char *lines[4] = {"LINESTRING (680005 1185100,680195 1185100)",
                          "LINESTRING (680050 1185050)",
                          "LINESTRING (680100 1185005,680100 1185195)",
                          "LINESTRING (680150 1185150)"};
  CHECK(rel_vec(dir, "roads.gpkg", "GPKG", 32648, wkbLineString, 4, lines,
                NULL, NULL) == 0);
  CHECK_OK(load(&g, "roads", "roads.gpkg", &ls, &err), &err);
  const ct_vector *v = ct_layers_vector(&ls, "roads", &err);
  CHECK(v && v->nfeat == 2);
  CHECK(nwarn == 1 && strstr(warned[0], "layer 'roads'") &&
        strstr(warned[0], "2 features with lines of fewer than 2 vertices") &&
        strstr(warned[0], "first is fid 2"));
  unload(&ls);

  /* only one-vertex lines: an error counting them */
  CHECK(rel_vec(dir, "dots.gpkg", "GPKG", 32648, wkbLineString, 1, lines + 1,
                NULL, NULL) == 0);
  CHECK(load(&g, "roads", "dots.gpkg", &ls, &err) == CT_EINVAL);
  CHECK(strstr(err.msg, "layer 'roads'") &&
        strstr(err.msg, "1 had only lines of fewer than 2 vertices"));

  /* a bow-tie (invalid) and a square with a square hole (valid) */
  const char *polys[2] = {
      "POLYGON ((680020 1185020,680180 1185180,680180 1185020,680020 "
      "1185180,680020 1185020))",
      "POLYGON ((680000 1185000,680200 1185000,680200 1185200,680000 "
      "1185200,680000 1185000),(680050 1185050,680050 1185150,680150 "
      "1185150,680150 1185050,680050 1185050))"};
  CHECK(rel_vec(dir, "bowtie.gpkg", "GPKG", 32648, wkbPolygon, 1, polys,
                NULL, NULL) == 0);
  CHECK(rel_vec(dir, "holed.gpkg", "GPKG", 32648, wkbPolygon, 1, polys + 1,
                NULL, NULL) == 0);
  CHECK_OK(load(&g, "block", "bowtie.gpkg", &ls, &err), &err);
  v = ct_layers_vector(&ls, "block", &err);
  CHECK(v && v->nfeat == 1);
  CHECK(nwarn == 1 && strstr(warned[0], "layer 'block'") &&
        strstr(warned[0], "1 polygon is not valid: self-intersecting"));
  if (v && v->nfeat == 1) {
    /* even-odd: the west and east triangles are inside, the north and
     * south ones (between the crossing edges) outside */
    const ct_feature *f = &v->feat[0];
    CHECK(ct_feature_contains(f, 680050, 1185100) == 1);
    CHECK(ct_feature_contains(f, 680150, 1185100) == 1);
    CHECK(ct_feature_contains(f, 680100, 1185050) == 0);
    CHECK(ct_feature_contains(f, 680100, 1185150) == 0);
  }
  unload(&ls);
  CHECK_OK(load(&g, "block", "holed.gpkg", &ls, &err), &err);
  CHECK(nwarn == 0); /* a hole is not an error */
  unload(&ls);

  ct_grid_free(&g);
  if (!ct_test_failures) rel_rmdir(dir);
  return TEST_RESULT();
}
