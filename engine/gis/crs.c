/* crs.c - coordinate reference systems through GDAL/PROJ: parsing any CRS
 * spelling, normalising it to WKT, and transforming points between CRSs.
 * Every SRS built here uses OAMS_TRADITIONAL_GIS_ORDER: without it GDAL 3
 * follows the EPSG axis order and EPSG:4326 silently becomes lat/lon. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>

#include "citytwin/layers.h"
#include "gis/gis_internal.h"

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;

static void register_gdal(void) { GDALAllRegister(); }

void ct__gis_begin(void) {
  pthread_once(&gdal_once, register_gdal);
  CPLPushErrorHandler(CPLQuietErrorHandler);
  CPLErrorReset();
}

void ct__gis_end(void) { CPLPopErrorHandler(); }

const char *ct__gdal_msg(const char *fallback) {
  const char *m = CPLGetLastErrorMsg();
  return (m && *m) ? m : fallback;
}

const char *ct__layer_label(char *buf, size_t n, const char *name,
                            const char *path) {
  if (name && *name)
    snprintf(buf, n, "layer '%s' (%s)", name, path ? path : "?");
  else
    snprintf(buf, n, "%s", path ? path : "?");
  return buf;
}

int ct__srs_new(const char *crs, const char *what, OGRSpatialReferenceH *out,
                ct_error *err) {
  *out = NULL;
  const char *pre = what ? what : "", *sep = what ? ": " : "";
  if (!crs || !*crs)
    return ct_error_set(err, CT_ECRS, "%s%sempty CRS", pre, sep);
  OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
  if (!s) return ct_error_set(err, CT_ENOMEM, "%s%sout of memory", pre, sep);
  OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
  CPLErrorReset();
  if (OSRSetFromUserInput(s, crs) != OGRERR_NONE) {
    OSRDestroySpatialReference(s);
    /* Long WKT would drown the message: quote its start only. */
    return ct_error_set(err, CT_ECRS, "%s%sunknown CRS '%.120s%s' (%s)", pre,
                        sep, crs, strlen(crs) > 120 ? "..." : "",
                        ct__gdal_msg("PROJ does not know it"));
  }
  OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
  *out = s;
  return CT_OK;
}

OGRSpatialReferenceH ct__srs_clone(OGRSpatialReferenceH s) {
  OGRSpatialReferenceH c = OSRClone(s);
  if (c) OSRSetAxisMappingStrategy(c, OAMS_TRADITIONAL_GIS_ORDER);
  return c;
}

int ct__srs_wkt(OGRSpatialReferenceH s, char **wkt, ct_error *err) {
  *wkt = NULL;
  char *w = NULL;
  /* WKT1 is what most netCDF/CF readers understand; WKT2 for the CRSs it
   * cannot express (some compound or dynamic ones). */
  static const char *const wkt1[] = {"FORMAT=WKT1_GDAL", NULL};
  static const char *const wkt2[] = {"FORMAT=WKT2_2019", NULL};
  if (OSRExportToWktEx(s, &w, wkt1) != OGRERR_NONE || !w || !*w) {
    CPLFree(w);
    w = NULL;
    if (OSRExportToWktEx(s, &w, wkt2) != OGRERR_NONE || !w || !*w) {
      CPLFree(w);
      return ct_error_set(err, CT_ECRS, "cannot express the CRS as WKT (%s)",
                          ct__gdal_msg("export failed"));
    }
  }
  *wkt = strdup(w);
  CPLFree(w);
  if (!*wkt) return ct_error_set(err, CT_ENOMEM, "out of memory");
  return CT_OK;
}

int ct_crs_to_wkt(const char *crs, char **wkt, ct_error *err) {
  *wkt = NULL;
  ct__gis_begin();
  OGRSpatialReferenceH s;
  int rc = ct__srs_new(crs, NULL, &s, err);
  if (!rc) {
    rc = ct__srs_wkt(s, wkt, err);
    OSRDestroySpatialReference(s);
  }
  ct__gis_end();
  return rc;
}

int ct_crs_require_metres(const char *crs, ct_error *err) {
  ct__gis_begin();
  OGRSpatialReferenceH s;
  int rc = ct__srs_new(crs, NULL, &s, err);
  if (!rc) {
    double m = OSRGetLinearUnits(s, NULL);
    if (OSRIsGeographic(s) || !OSRIsProjected(s))
      rc = ct_error_set(err, CT_ECRS,
                        "%.80s is not a projected CRS: the domain's bounds and "
                        "cell size are metres, so it needs one in metres "
                        "(e.g. a UTM zone: EPSG:32648 for Ho Chi Minh City)",
                        crs);
    else if (fabs(m - 1.0) > 1e-9)
      rc = ct_error_set(err, CT_ECRS,
                        "%.80s is in units of %g m; the domain needs a CRS in "
                        "metres", crs, m);
    OSRDestroySpatialReference(s);
  }
  ct__gis_end();
  return rc;
}

int ct_transform_points(const char *from, const char *to, int n, double *x,
                        double *y, ct_error *err) {
  if (n < 0 || (n > 0 && (!x || !y)))
    return ct_error_set(err, CT_EINVAL, "ct_transform_points: bad arguments");
  ct__gis_begin();
  OGRSpatialReferenceH a = NULL, b = NULL;
  OGRCoordinateTransformationH t = NULL;
  int rc = ct__srs_new(from, "source", &a, err);
  if (!rc) rc = ct__srs_new(to, "target", &b, err);
  if (!rc) {
    t = OCTNewCoordinateTransformation(a, b);
    if (!t)
      rc = ct_error_set(err, CT_ECRS, "no transformation between the CRSs (%s)",
                        ct__gdal_msg("PROJ found none"));
  }
  if (!rc && n > 0) {
    if (!OCTTransform(t, n, x, y, NULL)) {
      rc = ct_error_set(err, CT_ECRS, "transforming %d point(s) failed (%s)",
                        n, ct__gdal_msg("outside the CRS's domain"));
    } else {
      for (int k = 0; k < n; k++)
        if (!isfinite(x[k]) || !isfinite(y[k])) {
          rc = ct_error_set(err, CT_ECRS,
                            "point %d has no image in the target CRS", k);
          break;
        }
    }
  }
  if (t) OCTDestroyCoordinateTransformation(t);
  if (a) OSRDestroySpatialReference(a);
  if (b) OSRDestroySpatialReference(b);
  ct__gis_end();
  return rc;
}
