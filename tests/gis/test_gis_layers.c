/* test_gis_layers.c - loading a scenario's layers: rasters and vectors told
 * apart by GDAL, checksums of the source files, a layer covering part of the
 * domain warned about, one covering none of it an error naming it, a missing
 * file an error naming it, and the accessors' errors. */
#include "ct_test.h"
#include "gis_test.h"

#include <ogr_api.h>

#include "citytwin/layers.h"
#include "citytwin/util.h"

static const char *dir;
static int nwarn;
static char lastwarn[2048];

static void on_warn(void *ud, const char *msg) {
  (void)ud;
  nwarn++;
  snprintf(lastwarn, sizeof lastwarn, "%s", msg);
}

static char *path_in(const char *name) {
  static char p[16][1200];
  static int k = 0;
  k = (k + 1) % 16;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}

static void write_geojson(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  if (!fp) return;
  fputs(text, fp);
  fclose(fp);
}

static ct_layer_spec spec(const char *name, const char *file) {
  ct_layer_spec s;
  memset(&s, 0, sizeof s);
  s.name = (char *)name;
  s.path = path_in(file);
  s.band = 1;
  return s;
}

static int load(ct_layers *ls, ct_layer_spec *sp, int n, const ct_grid *g,
                ct_error *err) {
  ct_scenario sc;
  memset(&sc, 0, sizeof sc);
  sc.nlayers = n;
  sc.layers = sp;
  nwarn = 0;
  lastwarn[0] = 0;
  return ct_layers_load(ls, &sc, g, on_warn, NULL, err);
}

int main(void) {
  dir = scratch_dir("layers");
  if (!dir) return 1;
  ct_error err = {0};
  ct_grid g;
  /* 12 km x 10 km at 100 m in UTM 48N. */
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 680000, 1185000, 692000, 1195000,
                        100, &err), &err);
  size_t n = ct_grid_ncells(&g);

  /* dem: covers the domain exactly; value 2 + y/1e4 (continuous). */
  enum { NX = 120, NY = 100 };
  float *src = malloc(sizeof(float) * NX * NY);
  for (int k = 0; k < NX * NY; k++) src[k] = 2.0f + (float)(k / NX) * 0.01f;
  double gt[6] = {680000, 100, 0, 1195000, 0, -100};
  CHECK(write_tif(path_in("dem.tif"), NX, NY, 1, GDT_Float32, gt, "EPSG:32648",
                  1, -9999, src) == 0);
  /* landuse: the western half only. */
  for (int k = 0; k < NX * NY; k++) src[k] = 2;
  double gh[6] = {680000, 100, 0, 1195000, 0, -100};
  CHECK(write_tif(path_in("landuse.tif"), NX / 2, NY, 1, GDT_Byte, gh,
                  "EPSG:32648", 1, 0, src) == 0);
  /* far: a raster 300 km away. */
  double gf[6] = {380000, 100, 0, 1195000, 0, -100};
  CHECK(write_tif(path_in("far.tif"), NX, NY, 1, GDT_Float32, gf,
                  "EPSG:32648", 0, 0, src) == 0);
  /* roads: two WGS 84 lines, one in the domain, one in Hanoi. */
  write_geojson(path_in("roads.geojson"),
                "{\"type\":\"FeatureCollection\",\"features\":["
                "{\"type\":\"Feature\",\"properties\":{\"highway\":\"primary\"},"
                "\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
                "[[106.69,10.77],[106.70,10.78]]}},"
                "{\"type\":\"Feature\",\"properties\":{\"highway\":\"trunk\"},"
                "\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
                "[[105.80,21.00],[105.81,21.01]]}}]}");
  write_geojson(path_in("hanoi.geojson"),
                "{\"type\":\"FeatureCollection\",\"features\":["
                "{\"type\":\"Feature\",\"properties\":{\"name\":\"x\"},"
                "\"geometry\":{\"type\":\"Point\",\"coordinates\":"
                "[105.80,21.00]}}]}");
  write_geojson(path_in("nogeom.geojson"),
                "{\"type\":\"FeatureCollection\",\"features\":["
                "{\"type\":\"Feature\",\"properties\":{\"name\":\"x\"},"
                "\"geometry\":null}]}");

  ct_layer_spec sp[3] = {spec("dem", "dem.tif"), spec("landuse", "landuse.tif"),
                         spec("roads", "roads.geojson")};
  ct_layers ls;
  CHECK_OK(load(&ls, sp, 3, &g, &err), &err);
  CHECK(ls.n == 3);
  /* Two warnings: landuse covers half the domain, one road lies outside. */
  CHECK(nwarn == 2);
  const float *dem = ct_layers_raster(&ls, "dem", &err);
  const float *lu = ct_layers_raster(&ls, "landuse", &err);
  const ct_vector *roads = ct_layers_vector(&ls, "roads", &err);
  CHECK(dem && lu && roads);
  if (dem && lu && roads) {
    /* Same grid as the file: bilinear at pixel centres returns the pixel. */
    CHECK_NEAR(dem[0], 2.0, 1e-6);
    CHECK_NEAR(dem[n - 1], 2.0 + 0.99, 1e-5);
    /* Half covered: west columns class 2, east NaN; exactly half. */
    int nnan = 0, n2 = 0;
    for (size_t k = 0; k < n; k++) {
      nnan += isnan(lu[k]);
      n2 += lu[k] == 2.0f;
    }
    CHECK(nnan == (int)n / 2 && n2 == (int)n / 2);
    CHECK(roads->nfeat == 2);
    CHECK(strcmp(ct_feature_attr(roads, &roads->feat[0], "highway"),
                 "primary") == 0);
  }
  /* Checksums are those of the files. */
  char hex[65];
  CHECK_OK(ct_sha256_file(path_in("dem.tif"), hex, &err), &err);
  CHECK(strcmp(ct_layers_find(&ls, "dem")->sha256, hex) == 0);
  CHECK_OK(ct_sha256_file(path_in("roads.geojson"), hex, &err), &err);
  CHECK(strcmp(ct_layers_find(&ls, "roads")->sha256, hex) == 0);
  CHECK(ct_layers_find(&ls, "roads")->is_vector == 1);
  CHECK(ct_layers_find(&ls, "dem")->is_vector == 0);
  /* Accessor errors name the layer. */
  CHECK(ct_layers_raster(&ls, "roads", &err) == NULL);
  CHECK(err.code == CT_EINVAL && strstr(err.msg, "'roads'"));
  CHECK(ct_layers_vector(&ls, "dem", &err) == NULL);
  CHECK(err.code == CT_EINVAL && strstr(err.msg, "'dem'"));
  CHECK(ct_layers_raster(&ls, "rain", &err) == NULL);
  CHECK(err.code == CT_ENOENT && strstr(err.msg, "'rain'"));
  CHECK(ct_layers_find(&ls, "rain") == NULL);
  ct_layers_free(&ls);

  /* Covering none of the domain: an error naming the layer. */
  ct_layer_spec bad[2] = {spec("dem", "dem.tif"), spec("far", "far.tif")};
  CHECK(load(&ls, bad, 2, &g, &err) == CT_ERANGE);
  CHECK(strstr(err.msg, "layer 'far'") && strstr(err.msg, "far.tif") &&
        strstr(err.msg, "covers none of the domain"));
  CHECK(ls.n == 0 && ls.l == NULL);
  bad[1] = spec("stacks", "hanoi.geojson");
  CHECK(load(&ls, bad, 2, &g, &err) == CT_ERANGE);
  CHECK(strstr(err.msg, "layer 'stacks'") &&
        strstr(err.msg, "covers none of the domain"));
  /* A file that is not there. */
  bad[1] = spec("rain", "rain.tif");
  CHECK(load(&ls, bad, 2, &g, &err) == CT_ENOENT);
  CHECK(strstr(err.msg, "layer 'rain'") && strstr(err.msg, "rain.tif"));
  /* A vector layer whose features have no geometry. */
  bad[1] = spec("wells", "nogeom.geojson");
  CHECK(load(&ls, bad, 2, &g, &err) == CT_EINVAL);
  CHECK(strstr(err.msg, "layer 'wells'") && strstr(err.msg, "no features"));
  /* A wrong CRS override moves the raster off the domain: named. */
  bad[1] = spec("dem2", "dem.tif");
  bad[1].crs = (char *)"EPSG:3857";
  CHECK(load(&ls, bad, 2, &g, &err) == CT_ERANGE);
  CHECK(strstr(err.msg, "layer 'dem2'") != NULL);
  bad[1].crs = (char *)"EPSG:999999";
  CHECK(load(&ls, bad, 2, &g, &err) == CT_ECRS);
  CHECK(strstr(err.msg, "layer 'dem2'") && strstr(err.msg, "EPSG:999999"));
  /* Not GIS data at all. */
  write_geojson(path_in("notes.txt"), "hello\n");
  bad[1] = spec("notes", "notes.txt");
  CHECK(load(&ls, bad, 2, &g, &err) == CT_EFORMAT);
  CHECK(strstr(err.msg, "layer 'notes'") != NULL);

  free(src);
  ct_grid_free(&g);
  scratch_done(dir);
  return TEST_RESULT();
}
