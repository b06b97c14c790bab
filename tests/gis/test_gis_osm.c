/* test_gis_osm.c - the roads of an OpenStreetMap extract of District 1, Ho
 * Chi Minh City (../shared/data/hcmc_district1.osm.pbf): the "lines" layer
 * loads through OGR's OSM driver, reprojects into UTM 48N where PROJ puts it
 * (checked on a feature read independently), and keeps the highway class. */
#include "ct_test.h"
#include "gis_test.h"

#include <ogr_api.h>

#include "citytwin/layers.h"

/* The first vertex of the feature with this osm_id, read straight from the
 * file with OGR, in lon/lat. */
static int raw_vertex(const char *path, const char *osm_id, double *lon,
                      double *lat) {
  GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
  if (!ds) return -1;
  int found = -1;
  OGRLayerH from;
  OGRFeatureH f;
  OGRLayerH lines = GDALDatasetGetLayerByName(ds, "lines");
  while ((f = GDALDatasetGetNextFeature(ds, &from, NULL, NULL, NULL))) {
    if (from == lines && found < 0) {
      int k = OGR_F_GetFieldIndex(f, "osm_id");
      if (k >= 0 && strcmp(OGR_F_GetFieldAsString(f, k), osm_id) == 0) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        *lon = OGR_G_GetX(g, 0);
        *lat = OGR_G_GetY(g, 0);
        found = 0;
      }
    }
    OGR_F_Destroy(f);
  }
  GDALClose(ds);
  return found;
}

int main(void) {
  const char *shared = ct_test_shared();
  if (!shared) return CT_SKIP;
  char path[1024];
  snprintf(path, sizeof path, "%s/data/hcmc_district1.osm.pbf", shared);
  struct stat st;
  if (stat(path, &st) != 0) return CT_SKIP;

  ct_error err = {0};
  ct_grid g;
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 680000, 1185000, 692000, 1197000,
                        20, &err), &err);
  ct_vector v;
  CHECK_OK(ct_vector_read(path, NULL, NULL, &g, "roads", &v, &err), &err);

  /* The attributes of the OSM driver's lines layer are all there. */
  CHECK(ct_vector_field(&v, "highway") >= 0);
  CHECK(ct_vector_field(&v, "name") >= 0);
  CHECK(ct_vector_field(&v, "osm_id") >= 0);
  CHECK(ct_vector_field(&v, "other_tags") >= 0);

  /* The extract holds 3010 lines, 2538 of them highways (298 primary) as
   * GDAL's ogr2ogr counts them; floors leave room for other osmconf.ini
   * versions but catch a reader that drops features. */
  int nhw = 0, nprimary = 0, outside = 0, notline = 0;
  /* The district's box, 106.68-106.72 E, 10.755-10.80 N (every highway of
   * the extract lies inside it), in UTM 48N by PROJ; 50 m allows for the
   * bulge of its edges, which the corners do not capture (< 1 m here). */
  double bx[4] = {106.68, 106.72, 106.68, 106.72};
  double by[4] = {10.755, 10.755, 10.80, 10.80};
  double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  for (int k = 0; k < 4; k++) {
    CHECK(proj_xy("EPSG:4326", "EPSG:32648", &bx[k], &by[k]) == 0);
    lo[0] = fmin(lo[0], bx[k] - 50), hi[0] = fmax(hi[0], bx[k] + 50);
    lo[1] = fmin(lo[1], by[k] - 50), hi[1] = fmax(hi[1], by[k] + 50);
  }
  for (int n = 0; n < v.nfeat; n++) {
    const ct_feature *f = &v.feat[n];
    const char *hw = ct_feature_attr(&v, f, "highway");
    notline += f->type != CT_GEOM_LINE;
    if (!hw) continue;
    nhw++;
    nprimary += strcmp(hw, "primary") == 0;
    int out = 0;
    for (int k = 0; k < f->npts; k++) {
      double x = f->xy[2 * k], y = f->xy[2 * k + 1];
      out |= !(x >= lo[0] && x <= hi[0] && y >= lo[1] && y <= hi[1]);
    }
    outside += out;
  }
  fprintf(stderr, "%d lines, %d highways, %d primary\n", v.nfeat, nhw,
          nprimary);
  CHECK(v.nfeat >= 2900);
  CHECK(nhw >= 2400);
  CHECK(nprimary >= 250);
  CHECK(notline == 0);
  CHECK(outside == 0);

  /* Nguyen Binh Khiem (osm_id 35113963), primary: its first vertex as PROJ
   * puts it, to 1 mm. */
  int found = 0;
  for (int n = 0; n < v.nfeat && !found; n++) {
    const char *id = ct_feature_attr(&v, &v.feat[n], "osm_id");
    if (!id || strcmp(id, "35113963") != 0) continue;
    found = 1;
    CHECK(strcmp(ct_feature_attr(&v, &v.feat[n], "highway"), "primary") == 0);
    double lon = 0, lat = 0;
    CHECK(raw_vertex(path, "35113963", &lon, &lat) == 0);
    CHECK_NEAR(lon, 106.701513, 1e-6); /* as ogr2ogr prints it */
    CHECK(proj_xy("EPSG:4326", "EPSG:32648", &lon, &lat) == 0);
    CHECK_NEAR(v.feat[n].xy[0], lon, 1e-3);
    CHECK_NEAR(v.feat[n].xy[1], lat, 1e-3);
  }
  CHECK(found);
  ct_vector_free(&v);

  /* Another layer of the same file by name, and one that is not there. */
  CHECK_OK(ct_vector_read(path, "points", NULL, &g, "pois", &v, &err), &err);
  CHECK(v.nfeat > 0 && v.feat[0].type == CT_GEOM_POINT);
  ct_vector_free(&v);
  CHECK(ct_vector_read(path, "roads", NULL, &g, "roads", &v, &err) ==
        CT_ENOENT);
  CHECK(strstr(err.msg, "'lines'") && strstr(err.msg, "'multipolygons'"));
  ct_grid_free(&g);
  return TEST_RESULT();
}
