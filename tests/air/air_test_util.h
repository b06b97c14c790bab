/* air_test_util.h - what the air tests that go through the model class
 * share: writing small single- or multi-band GeoTIFFs (any EPSG CRS) and
 * text files into a test folder, and an air model on a scenario's text. */
#ifndef AIR_TEST_UTIL_H
#define AIR_TEST_UTIL_H

#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/air.h"
#include "citytwin/field.h"
#include "citytwin/layers.h"
#include "citytwin/scenario.h"

/* A north-up GeoTIFF of nb bands, nx x ny cells of size d with north-west
 * corner (x0, y0) in EPSG:epsg; band b (0-based) is val(b, i, j). */
static inline int air_put_tif(const char *path, int epsg, int nx, int ny,
                              double x0, double y0, double d, int nb,
                              float (*val)(int b, int i, int j)) {
  GDALAllRegister();
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  GDALDatasetH ds = drv ? GDALCreate(drv, path, nx, ny, nb, GDT_Float32, NULL)
                        : NULL;
  if (!ds) return -1;
  double gt[6] = {x0, d, 0, y0, 0, -d};
  GDALSetGeoTransform(ds, gt);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  char *wkt = NULL;
  OSRImportFromEPSG(srs, epsg);
  OSRExportToWkt(srs, &wkt);
  GDALSetProjection(ds, wkt);
  CPLFree(wkt);
  OSRDestroySpatialReference(srs);
  float *buf = malloc((size_t)nx * ny * sizeof(float));
  int rc = buf ? 0 : -1;
  for (int b = 0; b < nb && !rc; b++) {
    for (int j = 0; j < ny; j++)
      for (int i = 0; i < nx; i++) buf[(size_t)j * nx + i] = val(b, i, j);
    rc = GDALRasterIO(GDALGetRasterBand(ds, b + 1), GF_Write, 0, 0, nx, ny,
                      buf, nx, ny, GDT_Float32, 0, 0) == CE_None ? 0 : -1;
  }
  free(buf);
  GDALClose(ds);
  return rc;
}

static inline void air_put_text(const char *dir, const char *name,
                                const char *text) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *fp = fopen(p, "w");
  if (fp) {
    fputs(text, fp);
    fclose(fp);
  }
}

/* An air model as a run holds it: the scenario text (named path, which
 * anchors its relative paths) on the 4 x 3 km test domain (EPSG:32648,
 * 100 m cells). air_run_open parses and loads the layers; the test may add
 * fields another model would publish; air_run_init checks the keys and
 * initialises the model. */
typedef struct air_run {
  ct_scenario sc;
  ct_grid g;
  ct_layers ls;
  ct_env env;
  void *self;
} air_run;

static inline int air_run_open(air_run *r, const char *text, const char *path,
                               double coupling, ct_error *err) {
  static const char *const known[] = {"air", NULL};
  memset(r, 0, sizeof *r);
  int rc = ct_scenario_parse(&r->sc, text, path, known, err);
  if (!rc)
    rc = ct_grid_init(&r->g, "EPSG:32648", 684000, 1188000, 688000, 1191000,
                      100, err);
  if (!rc) rc = ct_layers_load(&r->ls, &r->sc, &r->g, NULL, NULL, err);
  if (rc) return rc;
  r->env.sc = &r->sc;
  r->env.grid = &r->g;
  r->env.fields = ct_fields_new(&r->g);
  r->env.layers = &r->ls;
  r->env.start_unix = r->sc.start_unix;
  r->env.utc_offset_s = r->sc.utc_offset_s;
  r->env.duration = r->sc.duration;
  r->env.coupling = coupling;
  return CT_OK;
}

static inline int air_run_init(air_run *r, ct_error *err) {
  int rc = ct_scenario_check_keys(&r->sc, "air", ct_air_model.keys, err);
  return rc ? rc : ct_air_model.init(&r->self, &r->env, err);
}

static inline void air_run_close(air_run *r) {
  if (r->self) ct_air_model.destroy(r->self);
  ct_fields_free(r->env.fields);
  ct_layers_free(&r->ls);
  ct_grid_free(&r->g);
  ct_scenario_free(&r->sc);
}

#endif
