/* test_gis_vector.c - vector layers through OGR: a WGS 84 point reprojects
 * to where PROJ puts it in UTM 48N (1 mm), so does a VN-2000 (EPSG:3405)
 * one; multi-geometries become parts, polygon holes are marked, attributes
 * are kept as text; and the errors: missing file, no such layer (listing the
 * ones there), a layer with no geometry, a layer with no CRS. */
#include "ct_test.h"
#include "gis_test.h"

#include <ogr_api.h>

#include "citytwin/layers.h"

static const char *dir;

static char *path_in(const char *name) {
  static char p[8][1200];
  static int k = 0;
  k = (k + 1) % 8;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}

static OGRSpatialReferenceH srs(const char *crs) {
  OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
  OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetFromUserInput(s, crs);
  return s;
}

/* Adds a feature from WKT (NULL: no geometry) with a name and an integer. */
static void add(OGRLayerH l, const char *wkt, const char *name, int lanes) {
  OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
  if (name) OGR_F_SetFieldString(f, 0, name);
  if (lanes >= 0) OGR_F_SetFieldInteger(f, 1, lanes);
  if (wkt) {
    OGRGeometryH g = NULL;
    char *w = (char *)wkt;
    OGR_G_CreateFromWkt(&w, NULL, &g);
    OGR_F_SetGeometryDirectly(f, g);
  }
  CHECK(OGR_L_CreateFeature(l, f) == OGRERR_NONE);
  OGR_F_Destroy(f);
}

static OGRLayerH new_layer(GDALDatasetH ds, const char *name, const char *crs,
                           OGRwkbGeometryType t) {
  OGRSpatialReferenceH s = crs ? srs(crs) : NULL;
  OGRLayerH l = GDALDatasetCreateLayer(ds, name, s, t, NULL);
  if (s) OSRDestroySpatialReference(s);
  OGRFieldDefnH fn = OGR_Fld_Create("name", OFTString);
  OGR_L_CreateField(l, fn, 1);
  OGR_Fld_Destroy(fn);
  fn = OGR_Fld_Create("lanes", OFTInteger);
  OGR_L_CreateField(l, fn, 1);
  OGR_Fld_Destroy(fn);
  return l;
}

static GDALDatasetH create(const char *driver, const char *path) {
  return GDALCreate(GDALGetDriverByName(driver), path, 0, 0, 0, GDT_Unknown,
                    NULL);
}

static void make_files(void) {
  GDALAllRegister();
  GDALDatasetH ds = create("GeoJSON", path_in("city.geojson"));
  OGRLayerH l = new_layer(ds, "city", "EPSG:4326", wkbUnknown);
  add(l, "POINT (106.6981 10.7725)", "Ben Thanh", 3);
  add(l, NULL, "no geometry", -1);
  add(l,
      "MULTILINESTRING ((106.690 10.770, 106.695 10.775, 106.700 10.776),"
      " (106.70 10.78, 106.71 10.78))",
      "two streets", -1);
  add(l,
      "POLYGON ((106.69 10.77, 106.70 10.77, 106.70 10.78, 106.69 10.78, "
      "106.69 10.77), (106.693 10.773, 106.697 10.773, 106.697 10.777, "
      "106.693 10.773))",
      "park", 0);
  GDALClose(ds);

  ds = create("GPKG", path_in("vn2000.gpkg"));
  l = new_layer(ds, "stacks", "EPSG:3405", wkbPoint);
  add(l, "POINT (685000 1191000)", "chimney", -1);
  l = new_layer(ds, "table", NULL, wkbNone);
  add(l, NULL, "just a row", 1);
  GDALClose(ds);

  ds = create("ESRI Shapefile", path_in("noprj.shp"));
  l = new_layer(ds, "noprj", NULL, wkbPoint);
  add(l, "POINT (686000 1190000)", "x", 1);
  GDALClose(ds);
}

int main(void) {
  dir = scratch_dir("vector");
  if (!dir) return 1;
  make_files();
  ct_error err = {0};
  ct_grid g;
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 680000, 1185000, 692000, 1195000,
                        20, &err), &err);

  ct_vector v;
  CHECK_OK(ct_vector_read(path_in("city.geojson"), NULL, NULL, &g, "city", &v,
                          &err), &err);
  /* The feature without geometry is skipped. */
  CHECK(v.nfeat == 3);
  CHECK(v.nfields == 2 && ct_vector_field(&v, "lanes") == 1);
  CHECK(ct_vector_field(&v, "nope") == -1);
  if (v.nfeat == 3) {
    ct_feature *p = &v.feat[0], *ln = &v.feat[1], *pg = &v.feat[2];
    /* The point lands where PROJ says to 1 mm (same PROJ operation; the
     * tolerance is round-off, far below any geodetic error). */
    double px = 106.6981, py = 10.7725;
    CHECK(proj_xy("EPSG:4326", "EPSG:32648", &px, &py) == 0);
    CHECK(p->type == CT_GEOM_POINT && p->npts == 1);
    CHECK_NEAR(p->xy[0], px, 1e-3);
    CHECK_NEAR(p->xy[1], py, 1e-3);
    CHECK(strcmp(ct_feature_attr(&v, p, "name"), "Ben Thanh") == 0);
    CHECK(strcmp(ct_feature_attr(&v, p, "lanes"), "3") == 0);
    /* Multi-line: two parts of 3 and 2 points, unset field is NULL. */
    CHECK(ln->type == CT_GEOM_LINE && ln->nparts == 2 && ln->npts == 5);
    CHECK(ln->part[0] == 0 && ln->part[1] == 3 && ln->part[2] == 5);
    CHECK(ct_feature_attr(&v, ln, "lanes") == NULL);
    double lx = 106.71, ly = 10.78;
    CHECK(proj_xy("EPSG:4326", "EPSG:32648", &lx, &ly) == 0);
    CHECK_NEAR(ln->xy[8], lx, 1e-3);
    CHECK_NEAR(ln->xy[9], ly, 1e-3);
    /* Polygon: outer ring and a hole; the hole's centroid is outside, a
     * point between hole and boundary inside. */
    CHECK(pg->type == CT_GEOM_POLYGON && pg->nparts == 2);
    CHECK(pg->ring_outer[0] == 1 && pg->ring_outer[1] == 0);
    double ix = 106.6915, iy = 10.7715, hx = 106.6955, hy = 10.7745;
    CHECK(proj_xy("EPSG:4326", "EPSG:32648", &ix, &iy) == 0);
    CHECK(proj_xy("EPSG:4326", "EPSG:32648", &hx, &hy) == 0);
    CHECK(ct_feature_contains(pg, ix, iy) == 1);
    CHECK(ct_feature_contains(pg, hx, hy) == 0);
    CHECK(strcmp(ct_feature_attr(&v, pg, "lanes"), "0") == 0);
  }
  ct_vector_free(&v);

  /* VN-2000 / UTM 48N from a GeoPackage with two layers: picked by name. */
  CHECK_OK(ct_vector_read(path_in("vn2000.gpkg"), "stacks", NULL, &g,
                          "stacks", &v, &err), &err);
  CHECK(v.nfeat == 1);
  if (v.nfeat == 1) {
    double px = 685000, py = 1191000;
    CHECK(proj_xy("EPSG:3405", "EPSG:32648", &px, &py) == 0);
    CHECK_NEAR(v.feat[0].xy[0], px, 1e-3);
    CHECK_NEAR(v.feat[0].xy[1], py, 1e-3);
  }
  ct_vector_free(&v);
  /* source NULL, several layers, one named like the scenario layer. */
  CHECK_OK(ct_vector_read(path_in("vn2000.gpkg"), NULL, NULL, &g, "stacks",
                          &v, &err), &err);
  CHECK(v.nfeat == 1);
  ct_vector_free(&v);
  /* ... and none named so: an error listing them. */
  CHECK(ct_vector_read(path_in("vn2000.gpkg"), NULL, NULL, &g, "chimneys",
                       &v, &err) == CT_EINVAL);
  CHECK(strstr(err.msg, "'stacks'") && strstr(err.msg, "'table'"));

  /* No such layer: CT_ENOENT listing the layers there. */
  CHECK(ct_vector_read(path_in("vn2000.gpkg"), "roads", NULL, &g, "roads", &v,
                       &err) == CT_ENOENT);
  CHECK(strstr(err.msg, "layer 'roads'") && strstr(err.msg, "vn2000.gpkg"));
  CHECK(strstr(err.msg, "'stacks'") && strstr(err.msg, "'table'"));
  /* A layer with no geometry at all. */
  CHECK(ct_vector_read(path_in("vn2000.gpkg"), "table", NULL, &g, "stacks",
                       &v, &err) == CT_EINVAL);
  CHECK(strstr(err.msg, "layer 'stacks'") && strstr(err.msg, "'table'") &&
        strstr(err.msg, "no features with a geometry"));
  CHECK(v.nfeat == 0 && v.feat == NULL);
  /* Missing file. */
  CHECK(ct_vector_read(path_in("roads.gpkg"), NULL, NULL, &g, "roads", &v,
                       &err) == CT_ENOENT);
  CHECK(strstr(err.msg, "layer 'roads'") && strstr(err.msg, "roads.gpkg"));
  /* A shapefile without .prj: an error, unless the scenario gives the CRS;
   * an unknown one names itself and the layer. */
  CHECK(ct_vector_read(path_in("noprj.shp"), NULL, NULL, &g, "wells", &v,
                       &err) == CT_ECRS);
  CHECK(strstr(err.msg, "layer 'wells'") && strstr(err.msg, "no CRS"));
  CHECK_OK(ct_vector_read(path_in("noprj.shp"), NULL, "EPSG:32648", &g,
                          "wells", &v, &err), &err);
  /* Same CRS: coordinates exactly as written. */
  CHECK(v.nfeat == 1 && v.feat[0].xy[0] == 686000 &&
        v.feat[0].xy[1] == 1190000);
  ct_vector_free(&v);
  CHECK(ct_vector_read(path_in("noprj.shp"), NULL, "EPSG:123456", &g, "wells",
                       &v, &err) == CT_ECRS);
  CHECK(strstr(err.msg, "layer 'wells'") && strstr(err.msg, "EPSG:123456"));

  ct_grid_free(&g);
  scratch_done(dir);
  return TEST_RESULT();
}
