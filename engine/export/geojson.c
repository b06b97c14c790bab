/* geojson.c - GeoJSON files as RFC 7946 wants them: WGS 84 longitude and
 * latitude (we transform from the grid CRS ourselves, so each layer's box is
 * exact), counter-clockwise outer rings (the driver's RFC7946 mode), a bbox
 * member, 7 decimals (about 1 cm). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cpl_error.h>

#include "citytwin/util.h"
#include "export/export_internal.h"

int ct__geojson_create(ct__export *x, ct__xlayer *l, const char *lname,
                       OGRwkbGeometryType type, GDALDatasetH *ds,
                       OGRLayerH *lyr, ct_error *err) {
  char path[1024];
  ct__export_path(x, l->file, path, sizeof path);
  *ds = NULL;
  *lyr = NULL;
  GDALDriverH drv = GDALGetDriverByName("GeoJSON");
  if (!drv)
    return ct_error_set(err, CT_EINTERNAL, "%s: this GDAL has no GeoJSON "
                        "driver", path);
  /* The driver refuses to replace a file (--overwrite). */
  unlink(path);
  CPLErrorReset();
  *ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
  if (!*ds)
    return ct_error_set(err, CT_EIO, "%s: cannot create: %s", path,
                        ct__gdal_last("GDAL failed"));
  const char *lopts[] = {"RFC7946=YES", "WRITE_BBOX=YES",
                         "COORDINATE_PRECISION=7", NULL};
  *lyr = GDALDatasetCreateLayer(*ds, lname, x->wgs84, type, (char **)lopts);
  if (!*lyr) {
    GDALClose(*ds);
    *ds = NULL;
    return ct_error_set(err, CT_EIO, "%s: cannot create the layer: %s", path,
                        ct__gdal_last("GDAL failed"));
  }
  l->kind = CT__KIND_GEOJSON;
  l->nfeatures = 0;
  for (int k = 0; k < 4; k++) l->bbox[k] = l->bbox_wgs84[k] = NAN;
  return CT_OK;
}

int ct__geojson_add(ct__export *x, ct__xlayer *l, OGRLayerH lyr,
                    OGRFeatureH f, OGRGeometryH geom, ct_error *err) {
  if (OGR_G_Transform(geom, x->to_wgs84) != OGRERR_NONE) {
    OGR_G_DestroyGeometry(geom);
    OGR_F_Destroy(f);
    return ct_error_set(err, CT_ECRS, "%s: cannot transform a geometry to "
                        "WGS 84: %s", l->file, ct__gdal_last("PROJ failed"));
  }
  OGREnvelope e;
  OGR_G_GetEnvelope(geom, &e);
  OGR_F_SetGeometryDirectly(f, geom);
  OGRErr oe = OGR_L_CreateFeature(lyr, f);
  OGR_F_Destroy(f);
  if (oe != OGRERR_NONE)
    return ct_error_set(err, CT_EIO, "%s: cannot write a feature: %s",
                        l->file, ct__gdal_last("GDAL failed"));
  double b[4] = {e.MinX, e.MinY, e.MaxX, e.MaxY};
  if (l->nfeatures == 0) {
    memcpy(l->bbox_wgs84, b, sizeof b);
  } else {
    l->bbox_wgs84[0] = fmin(l->bbox_wgs84[0], b[0]);
    l->bbox_wgs84[1] = fmin(l->bbox_wgs84[1], b[1]);
    l->bbox_wgs84[2] = fmax(l->bbox_wgs84[2], b[2]);
    l->bbox_wgs84[3] = fmax(l->bbox_wgs84[3], b[3]);
  }
  /* The layer's own CRS is WGS 84, so its box is the same. */
  memcpy(l->bbox, l->bbox_wgs84, sizeof l->bbox);
  l->nfeatures++;
  return CT_OK;
}

int ct__geojson_close(ct__export *x, ct__xlayer *l, GDALDatasetH ds,
                      ct_error *err) {
  char path[1024];
  ct__export_path(x, l->file, path, sizeof path);
  CPLErrorReset();
  GDALClose(ds);
  if (CPLGetLastErrorType() >= CE_Failure)
    return ct_error_set(err, CT_EIO, "%s: cannot finish: %s", path,
                        ct__gdal_last("GDAL failed"));
  return ct_sha256_file(path, l->sha256, err);
}
