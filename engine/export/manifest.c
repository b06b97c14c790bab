/* manifest.c - DIR/manifest.json: the run the export came from (path,
 * SHA-256, scenario), the thresholds applied, and every layer written with
 * its file, kind, field, time, units, CRS, boxes and SHA-256. Written to a
 * temporary name and renamed, so its presence marks a finished export. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "citytwin/util.h"
#include "export/export_internal.h"

static void box(ct_json *j, const char *key, const double b[4]) {
  if (!isfinite(b[0])) {
    ct_json_raw(j, key, "null");
    return;
  }
  ct_json_array(j, key);
  for (int k = 0; k < 4; k++) ct_json_number(j, NULL, b[k]);
  ct_json_end(j);
}

int ct__export_manifest(ct__export *x, const ct__run_info *ri, char *path,
                        size_t n, ct_error *err) {
  const ct_export_opts *o = ri->o;
  ct_json j;
  ct_json_init(&j);
  ct_json_object(&j, NULL);
  ct_json_string(&j, "format", "citytwin-ioc-export");
  ct_json_int(&j, "version", 1);
  ct_json_string(&j, "generator", "citytwin " CT_VERSION);

  ct_json_object(&j, "run");
  ct_json_string(&j, "path", ri->path);
  ct_json_string(&j, "sha256", ri->sha256);
  ct_json_string(&j, "scenario", ri->scenario ? ri->scenario : "");
  ct_json_string(&j, "status", ri->status ? ri->status : "");
  ct_json_raw(&j, "complete",
              ri->status && !strcmp(ri->status, "complete") ? "true" : "false");
  if (ri->start[0]) ct_json_string(&j, "start", ri->start);
  else ct_json_raw(&j, "start", "null");
  ct_json_end(&j);

  ct_json_object(&j, "grid");
  ct_json_string(&j, "crs", x->crs[0] ? x->crs : x->g->crs_wkt);
  ct_json_string(&j, "crs_wkt", x->g->crs_wkt);
  ct_json_int(&j, "nx", x->g->nx);
  ct_json_int(&j, "ny", x->g->ny);
  ct_json_number(&j, "cell_size", x->g->dx);
  double gb[4], gw[4];
  ct_grid_bounds(x->g, gb);
  int rc = ct__export_bbox_wgs84(x, gb, gw, err);
  if (rc) {
    ct_json_free(&j);
    return rc;
  }
  box(&j, "bbox", gb);
  box(&j, "bbox_wgs84", gw);
  ct_json_end(&j);

  ct_json_object(&j, "thresholds");
  ct_json_number(&j, "flood_depth_m", o->flood_depth);
  ct_json_number(&j, "closure_depth_m", o->closure_depth);
  ct_json_string(&j, "air_field", ri->air_field);
  ct_json_number(&j, "air_threshold", o->air_threshold);
  ct_json_string(&j, "air_units", ri->air_units ? ri->air_units : "");
  ct_json_end(&j);

  ct_json_array(&j, "layers");
  for (int k = 0; k < x->nlayers; k++) {
    const ct__xlayer *l = &x->layers[k];
    ct_json_object(&j, NULL);
    ct_json_string(&j, "file", l->file);
    int cog = l->kind == CT__KIND_COG;
    ct_json_string(&j, "kind", cog ? "cog" : "geojson");
    ct_json_string(&j, "field", l->field);
    ct_json_string(&j, "time", l->time);
    ct_json_number(&j, "t_s", l->t);
    ct_json_string(&j, "units", l->units);
    ct_json_string(&j, "description", l->what);
    ct_json_string(&j, "crs", cog ? (x->crs[0] ? x->crs : x->g->crs_wkt)
                                  : "EPSG:4326");
    box(&j, "bbox", l->bbox);
    box(&j, "bbox_wgs84", l->bbox_wgs84);
    if (cog) {
      ct_json_number(&j, "nodata", CT__EXPORT_NODATA);
    } else {
      ct_json_int(&j, "features", l->nfeatures);
      ct_json_number(&j, "threshold", l->threshold);
    }
    ct_json_string(&j, "sha256", l->sha256);
    ct_json_end(&j);
  }
  ct_json_end(&j);
  ct_json_end(&j);
  if (j.oom) {
    ct_json_free(&j);
    return ct_error_set(err, CT_ENOMEM, "manifest: out of memory");
  }

  char tmp[1100];
  ct__export_path(x, "manifest.json", path, n);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    rc = ct_error_set(err, CT_EIO, "%s: cannot write: %s", tmp,
                      strerror(errno));
  } else {
    size_t w = fwrite(j.buf, 1, j.len, f);
    int e = (w != j.len || fputc('\n', f) == EOF) ? errno : 0;
    if (fclose(f) != 0 && !e) e = errno;
    if (e) {
      rc = ct_error_set(err, e == ENOSPC ? CT_ENOSPC : CT_EIO,
                        "%s: cannot write: %s", tmp, strerror(e));
      unlink(tmp);
    } else if (rename(tmp, path) != 0) {
      rc = ct_error_set(err, CT_EIO, "%s: cannot rename to %s: %s", tmp,
                        path, strerror(errno));
      unlink(tmp);
    }
  }
  ct_json_free(&j);
  return rc;
}
