/* test_export_geo.c - the export of a run on a geographic grid (EPSG:4326,
 * cells of 1/1024 degree, about 108 m, near Ho Chi Minh City): road lengths
 * become great-circle lengths and region areas spherical areas; both are
 * checked against closed forms computed differently (arc along the
 * parallel, zone area between two latitudes). */
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "ct_test.h"
#include "citytwin/export.h"
#include "citytwin/snapshot.h"
#include "citytwin/util.h"

#define NX 20
#define NY 10
#define CELL (1.0 / 1024.0)
#define X0 106.5
#define Y1 10.75
#define R 6371008.8 /* mean Earth radius, the export's sphere */

static int rm_tree(const char *dir) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd);
}

int main(void) {
  ct_error err;
  ct_error_clear(&err);
  GDALAllRegister();
  char base[512], run[600], out[600], path[800];
  snprintf(base, sizeof base, "%s/tests/export/tmp_geo", CT_BINARY_DIR);
  rm_tree(base);
  mkdir(base, 0777);
  snprintf(run, sizeof run, "%s/run.nc", base);
  snprintf(out, sizeof out, "%s/ioc", base);

  ct_grid g;
  CHECK_OK(ct_grid_init(&g, "EPSG:4326", X0, Y1 - NY * CELL, X0 + NX * CELL,
                        Y1, CELL, &err), &err);
  CHECK(g.nx == NX && g.ny == NY);
  ct_snapshot_meta meta = {.title = "geo", .scenario_text = "",
                           .scenario_path = "", .start_unix = 1789455600.0,
                           .utc_offset_s = 0, .duration = 0.0};
  ct_snapshot *s = NULL;
  CHECK_OK(ct_snapshot_create(&s, run, &g, &meta, &err), &err);
  if (!s) return TEST_RESULT();
  ct_field d = {.name = "flood.depth", .units = "m", .nx = NX, .ny = NY};
  ct_field a = {.name = "air.pm25", .units = "ug m-3", .nx = NX, .ny = NY};
  d.data = ct_alloc_aligned(sizeof(float) * NX * NY);
  a.data = ct_alloc_aligned(sizeof(float) * NX * NY);
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      d.data[j * NX + i] = (i >= 5 && i <= 9) ? 0.5f : 0.0f;
      a.data[j * NX + i] = (i >= 12 && i <= 15 && j >= 2 && j <= 5) ? 20.f : 5.f;
    }
  /* One east-west road through the middle of row 3. */
  double yr = Y1 - 3.5 * CELL;
  double xy[] = {X0 + 0.5 * CELL, yr, X0 + 19.5 * CELL, yr};
  int part[] = {0, 2};
  ct_feature f = {.type = CT_GEOM_LINE, .npts = 2, .xy = xy, .nparts = 1,
                  .part = part};
  char vn[] = "roads", vp[] = "roads.geojson";
  ct_vector v = {.name = vn, .path = vp, .nfeat = 1, .feat = &f};
  CHECK_OK(ct_snapshot_write_lines(s, "roads", &v, &err), &err);
  ct_field *fs[2] = {&d, &a};
  CHECK_OK(ct_snapshot_append(s, 0.0, fs, 2, &err), &err);
  CHECK_OK(ct_snapshot_close(s, 1, &err), &err);
  ct_free_aligned(d.data);
  ct_free_aligned(a.data);
  ct_grid_free(&g);

  ct_export_result res;
  CHECK_OK(ct_export_run(run, out, NULL, &res, &err), &err);
  const double d2r = M_PI / 180.0;

  /* Road: columns 5..9 flooded, 5 cells along the parallel at yr. On a
   * sphere the great circle between two points 540 m apart on one parallel
   * is shorter than the parallel arc by ~1e-9 relative: 1 mm covers it. */
  double arc = R * cos(yr * d2r) * 5 * CELL * d2r;
  CHECK(res.nflooded == 1);
  CHECK_NEAR(res.flooded_length_m, arc, 1e-3);
  snprintf(path, sizeof path, "%s/roads_flooded.geojson", out);
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
  CHECK(ds != NULL);
  if (ds) {
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    OGRFeatureH ft = OGR_L_GetNextFeature(l);
    CHECK(ft != NULL);
    if (ft) {
      OGRGeometryH gm = OGR_F_GetGeometryRef(ft);
      /* Already WGS 84: the cell edges themselves, to 7 decimals. */
      CHECK_NEAR(OGR_G_GetX(gm, 0), X0 + 5 * CELL, 1e-7);
      CHECK_NEAR(OGR_G_GetY(gm, 0), yr, 1e-7);
      CHECK_NEAR(OGR_G_GetX(gm, 1), X0 + 10 * CELL, 1e-7);
      /* length_m is rounded to cm. */
      CHECK_NEAR(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "length_m")),
                 arc, 0.005 + 1e-3);
      OGR_F_Destroy(ft);
    }
    GDALClose(ds);
  }

  /* Air: a 4x4-cell block, rows 2..5: the spherical zone between its
   * latitudes times its share of the circle. */
  double zone = R * R * 4 * CELL * d2r *
                (sin((Y1 - 2 * CELL) * d2r) - sin((Y1 - 6 * CELL) * d2r));
  CHECK(res.nair == 1);
  CHECK_NEAR(res.air_area_m2, zone, zone * 1e-9); /* sums of 16 cells */

  /* The COG keeps the geographic CRS; the manifest names it. */
  snprintf(path, sizeof path, "%s/manifest.json", out);
  FILE *fp = fopen(path, "r");
  CHECK(fp != NULL);
  if (fp) {
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    CHECK(strstr(buf, "\"crs\": \"EPSG:4326\"") != NULL);
    /* Offset zero: UTC with Z, in names and times. */
    CHECK(strstr(buf, "flood.depth/flood.depth_20260915T070000Z.tif") != NULL);
    CHECK(strstr(buf, "\"time\": \"2026-09-15T07:00:00Z\"") != NULL);
  }

  if (!ct_test_failures && !getenv("CT_TEST_KEEP")) rm_tree(base);
  return TEST_RESULT();
}
