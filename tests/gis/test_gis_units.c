/* test_gis_units.c - the units of a raster layer: the explicit
 * [layer NAME] units first, then the band's own unit type, then the
 * defaults (m for dem, else 1); checked on the loaded layers and on the
 * layer.* fields of a run file, where an analyst reads them. */
#include "ct_test.h"
#include "gis_test.h"

#include "citytwin/layers.h"
#include "citytwin/run.h"
#include "citytwin/snapshot.h"

static const char *dir;

static char *path_in(const char *name) {
  static char p[8][1200];
  static int k = 0;
  k = (k + 1) % 8;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}

/* A 10 x 10 GeoTIFF at 100 m over the test domain, with unit type units
 * (NULL: none). */
static int tif_with_units(const char *file, const char *units) {
  enum { N = 10 };
  float v[N * N];
  for (int k = 0; k < N * N; k++) v[k] = 5;
  double gt[6] = {680000, 100, 0, 1186000, 0, -100};
  if (write_tif(path_in(file), N, N, 1, GDT_Float32, gt, "EPSG:32648", 0, 0,
                v))
    return -1;
  if (!units) return 0;
  GDALDatasetH ds = GDALOpen(path_in(file), GA_Update);
  if (!ds) return -1;
  CPLErr e = GDALSetRasterUnitType(GDALGetRasterBand(ds, 1), units);
  GDALClose(ds);
  return e == CE_None ? 0 : -1;
}

static const char *var_units(ct_reader *r, const char *name) {
  int k = ct_reader_find(r, name);
  return k < 0 ? "(missing)" : ct_reader_var(r, k)->units;
}

int main(void) {
  dir = scratch_dir("units");
  if (!dir) return 1;
  ct_error err = {0};
  CHECK(tif_with_units("drains.tif", "mm/h") == 0);
  CHECK(tif_with_units("dem.tif", NULL) == 0);
  CHECK(tif_with_units("capacity.tif", "mm/h") == 0);
  CHECK(tif_with_units("plain.tif", NULL) == 0);

  /* The loaded layers: the file's unit type where the scenario sets none;
   * an explicit units wins; the caller's scenario is left as it was. */
  ct_grid g;
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 680000, 1185000, 681000, 1186000,
                        100, &err), &err);
  ct_layer_spec sp[4];
  memset(sp, 0, sizeof sp);
  const char *names[4] = {"drains", "dem", "capacity", "plain"};
  for (int k = 0; k < 4; k++) {
    sp[k].name = (char *)names[k];
    sp[k].path = strdup(path_in(k == 0   ? "drains.tif"
                                : k == 1 ? "dem.tif"
                                : k == 2 ? "capacity.tif"
                                         : "plain.tif"));
    sp[k].band = 1;
  }
  sp[2].units = (char *)"m3/s";
  ct_scenario sc;
  memset(&sc, 0, sizeof sc);
  sc.nlayers = 4;
  sc.layers = sp;
  ct_layers ls;
  CHECK_OK(ct_layers_load(&ls, &sc, &g, NULL, NULL, &err), &err);
  const ct_layer *d = ct_layers_find(&ls, "drains");
  CHECK(d && d->units && strcmp(d->units, "mm/h") == 0);
  const ct_layer *c = ct_layers_find(&ls, "capacity");
  CHECK(c && c->units && strcmp(c->units, "m3/s") == 0);
  CHECK(ct_layers_find(&ls, "dem")->units == NULL);
  CHECK(ct_layers_find(&ls, "plain")->units == NULL);
  CHECK(sp[0].units == NULL);
  ct_layers_free(&ls);
  for (int k = 0; k < 4; k++) free(sp[k].path);
  ct_grid_free(&g);

  /* The run file: what an analyst sees in `citytwin info` and QGIS. */
  FILE *fp = fopen(path_in("units.ini"), "w");
  CHECK(fp != NULL);
  if (fp) {
    fputs("[scenario]\nstart = 2026-09-15T14:00:00+07:00\nduration = 120\n"
          "[domain]\ncrs = EPSG:32648\n"
          "bounds = 680000 1185000 681000 1186000\ncell = 100\n"
          "[layers]\ndrains = drains.tif\ndem = dem.tif\n"
          "capacity = capacity.tif\nplain = plain.tif\n"
          "[layer capacity]\nunits = m3/s\n"
          "[output]\nfile = out/units.nc\ninterval = 60\n",
          fp);
    fclose(fp);
  }
  ct_run_opts o;
  memset(&o, 0, sizeof o);
  o.threads = 1;
  ct_run_result res;
  memset(&res, 0, sizeof res);
  CHECK_OK(ct_run(path_in("units.ini"), &o, &res, &err), &err);
  ct_reader *r = NULL;
  CHECK_OK(ct_reader_open(&r, res.output, &err), &err);
  if (r) {
    CHECK(strcmp(var_units(r, "layer.drains"), "mm/h") == 0);
    CHECK(strcmp(var_units(r, "layer.capacity"), "m3/s") == 0);
    CHECK(strcmp(var_units(r, "layer.dem"), "m") == 0);
    CHECK(strcmp(var_units(r, "layer.plain"), "1") == 0);
    fprintf(stderr, "layer.drains units: %s\n", var_units(r, "layer.drains"));
    ct_reader_close(r);
  }
  scratch_done(dir);
  return TEST_RESULT();
}
