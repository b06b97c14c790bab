/* vector.c - vector layers through OGR (GeoPackage, GeoJSON, Shapefile,
 * OpenStreetMap .osm.pbf): every feature's geometry flattened into parts and
 * reprojected into the domain CRS (traditional GIS order), attributes kept as
 * text. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <ogr_api.h>

#include "citytwin/layers.h"
#include "gis/gis_internal.h"

/* Coordinates of one feature as they are gathered, reused across features so
 * that reading a layer allocates per feature only its final arrays. */
typedef struct builder {
  int type;
  int npts, cap;
  double *x, *y;
  int nparts, pcap;
  int *part;
  unsigned char *outer;
  int oom;
  int dropped; /* parts of the feature's type with too few points */
} builder;

static void builder_free(builder *b) {
  free(b->x);
  free(b->y);
  free(b->part);
  free(b->outer);
}

static int grow_pts(builder *b, int more) {
  if (b->npts + more <= b->cap) return 0;
  int cap = b->cap ? b->cap : 256;
  while (cap < b->npts + more) cap *= 2;
  double *x = realloc(b->x, sizeof(double) * (size_t)cap);
  if (x) b->x = x;
  double *y = realloc(b->y, sizeof(double) * (size_t)cap);
  if (y) b->y = y;
  if (!x || !y) return b->oom = 1;
  b->cap = cap;
  return 0;
}

static int grow_parts(builder *b) {
  if (b->nparts + 2 <= b->pcap) return 0;
  int cap = b->pcap ? 2 * b->pcap : 16;
  int *p = realloc(b->part, sizeof(int) * (size_t)cap);
  if (p) b->part = p;
  unsigned char *o = realloc(b->outer, (size_t)cap);
  if (o) b->outer = o;
  if (!p || !o) return b->oom = 1;
  b->pcap = cap;
  return 0;
}

/* Appends the points of a simple curve (point, line string, ring) as one
 * part; parts of another type than the feature's first are left out (a
 * feature has one type). */
static void add_part(builder *b, OGRGeometryH h, int type, int outer) {
  int n = OGR_G_GetPointCount(h);
  int need = type == CT_GEOM_POINT ? 1 : type == CT_GEOM_LINE ? 2 : 3;
  if (b->type && b->type != type) return;
  if (n < need) {
    b->dropped++;
    return;
  }
  if (grow_pts(b, n) || grow_parts(b)) return;
  if (!b->nparts) b->part[0] = 0;
  if (type == CT_GEOM_POINT) {
    b->x[b->npts] = OGR_G_GetX(h, 0);
    b->y[b->npts] = OGR_G_GetY(h, 0);
  } else {
    OGR_G_GetPoints(h, b->x + b->npts, sizeof(double), b->y + b->npts,
                    sizeof(double), NULL, 0);
  }
  b->npts += n;
  b->outer[b->nparts] = (unsigned char)outer;
  b->part[++b->nparts] = b->npts;
  b->type = type;
}

static void add_geom(builder *b, OGRGeometryH h, int depth) {
  if (!h || OGR_G_IsEmpty(h) || depth > 32) return;
  OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(h));
  switch (t) {
  case wkbPoint: add_part(b, h, CT_GEOM_POINT, 0); break;
  case wkbLineString:
  case wkbLinearRing: add_part(b, h, CT_GEOM_LINE, 0); break;
  case wkbPolygon:
    for (int r = 0; r < OGR_G_GetGeometryCount(h); r++)
      add_part(b, OGR_G_GetGeometryRef(h, r), CT_GEOM_POLYGON, r == 0);
    break;
  case wkbMultiPoint:
  case wkbMultiLineString:
  case wkbMultiPolygon:
  case wkbGeometryCollection:
    for (int k = 0; k < OGR_G_GetGeometryCount(h); k++)
      add_geom(b, OGR_G_GetGeometryRef(h, k), depth + 1);
    break;
  default:
    /* Arcs (circular strings, curve polygons...) as line segments. */
    if (OGR_GT_IsNonLinear(t)) {
      OGRGeometryH lin = OGR_G_GetLinearGeometry(h, 0, NULL);
      if (lin) {
        add_geom(b, lin, depth + 1);
        OGR_G_DestroyGeometry(lin);
      }
    }
    break;
  }
}

int ct_vector_field(const ct_vector *v, const char *field) {
  for (int k = 0; k < v->nfields; k++)
    if (strcmp(v->fields[k], field) == 0) return k;
  return -1;
}

const char *ct_feature_attr(const ct_vector *v, const ct_feature *f,
                            const char *field) {
  int k = ct_vector_field(v, field);
  return k < 0 || !f->attr ? NULL : f->attr[k];
}

void ct_vector_free(ct_vector *v) {
  if (!v) return;
  for (int i = 0; i < v->nfeat; i++) {
    ct_feature *f = &v->feat[i];
    free(f->xy);
    free(f->part);
    free(f->ring_outer);
    if (f->attr)
      for (int k = 0; k < v->nfields; k++) free(f->attr[k]);
    free(f->attr);
  }
  free(v->feat);
  for (int k = 0; k < v->nfields; k++) free(v->fields[k]);
  free(v->fields);
  free(v->name);
  free(v->path);
  memset(v, 0, sizeof *v);
}

/* Lists the layers of ds into buf: "'a', 'b'". */
static void list_layers(GDALDatasetH ds, char *buf, size_t n) {
  buf[0] = 0;
  size_t len = 0;
  int nl = GDALDatasetGetLayerCount(ds);
  for (int k = 0; k < nl && len + 1 < n; k++) {
    int w = snprintf(buf + len, n - len, "%s'%s'", k ? ", " : "",
                     OGR_L_GetName(GDALDatasetGetLayer(ds, k)));
    if (w < 0) break;
    len += (size_t)w;
  }
  if (!nl) snprintf(buf, n, "none");
}

static int pick_layer(GDALDatasetH ds, const char *source, const char *name,
                      int is_osm, const char *label, OGRLayerH *out,
                      ct_error *err) {
  int nl = GDALDatasetGetLayerCount(ds);
  char list[1024];
  *out = NULL;
  if (nl < 1)
    return ct_error_set(err, CT_EFORMAT, "%s: the file holds no vector layers",
                        label);
  if (!source && is_osm) source = "lines";
  if (source) {
    *out = GDALDatasetGetLayerByName(ds, source);
    if (*out) return CT_OK;
    list_layers(ds, list, sizeof list);
    return ct_error_set(err, CT_ENOENT,
                        "%s: no layer '%s' in the file (it has %s)", label,
                        source, list);
  }
  if (nl == 1) {
    *out = GDALDatasetGetLayer(ds, 0);
    return CT_OK;
  }
  /* Several layers: the one named like the scenario layer, if any. */
  if (name && (*out = GDALDatasetGetLayerByName(ds, name))) return CT_OK;
  list_layers(ds, list, sizeof list);
  return ct_error_set(err, CT_EINVAL,
                      "%s: the file has several layers (%s); choose one with "
                      "source = NAME in its [layer] section",
                      label, list);
}

/* Moves the gathered feature into v (transformed into the domain CRS). */
static int keep_feature(ct_vector *v, int *cap, builder *b, OGRFeatureH f,
                        OGRCoordinateTransformationH t, const char *label,
                        ct_error *err) {
  long long fid = (long long)OGR_F_GetFID(f);
  if (t && !OCTTransform(t, b->npts, b->x, b->y, NULL))
    return ct_error_set(err, CT_ECRS,
                        "%s: feature %lld cannot be transformed into the domain "
                        "CRS (%s)",
                        label, fid, ct__gdal_msg("outside the CRS's area"));
  for (int k = 0; k < b->npts; k++)
    if (!isfinite(b->x[k]) || !isfinite(b->y[k]))
      return ct_error_set(err, CT_ECRS,
                          "%s: feature %lld has non-finite coordinates in the "
                          "domain CRS",
                          label, fid);
  if (v->nfeat == *cap) {
    int nc = *cap ? 2 * *cap : 64;
    ct_feature *nf = realloc(v->feat, sizeof *nf * (size_t)nc);
    if (!nf) return ct_error_set(err, CT_ENOMEM, "%s: out of memory", label);
    v->feat = nf;
    *cap = nc;
  }
  ct_feature *o = &v->feat[v->nfeat];
  memset(o, 0, sizeof *o);
  o->type = b->type;
  o->npts = b->npts;
  o->nparts = b->nparts;
  o->fid = fid;
  o->xy = malloc(sizeof(double) * 2 * (size_t)b->npts);
  o->part = malloc(sizeof(int) * (size_t)(b->nparts + 1));
  o->ring_outer = malloc((size_t)b->nparts);
  o->attr = v->nfields ? calloc((size_t)v->nfields, sizeof(char *)) : NULL;
  v->nfeat++; /* counted now so that ct_vector_free releases it on failure */
  if (!o->xy || !o->part || !o->ring_outer || (v->nfields && !o->attr))
    return ct_error_set(err, CT_ENOMEM, "%s: out of memory", label);
  for (int k = 0; k < b->npts; k++) {
    o->xy[2 * k] = b->x[k];
    o->xy[2 * k + 1] = b->y[k];
  }
  memcpy(o->part, b->part, sizeof(int) * (size_t)(b->nparts + 1));
  memcpy(o->ring_outer, b->outer, (size_t)b->nparts);
  for (int k = 0; k < v->nfields; k++) {
    if (!OGR_F_IsFieldSetAndNotNull(f, k)) continue;
    o->attr[k] = strdup(OGR_F_GetFieldAsString(f, k));
    if (!o->attr[k])
      return ct_error_set(err, CT_ENOMEM, "%s: out of memory", label);
  }
  return CT_OK;
}

/* GEOS's verdict on a polygon, leaving GDAL's last error as it was (a read
 * failure before must still be seen after the loop). */
static int polygon_valid(OGRGeometryH h) {
  CPLErr et = CPLGetLastErrorType();
  char *msg = et != CE_None ? CPLStrdup(CPLGetLastErrorMsg()) : NULL;
  CPLErrorNum en = CPLGetLastErrorNo();
  int ok = OGR_G_IsValid(h);
  if (msg) {
    CPLErrorSetState(et, en, msg);
    CPLFree(msg);
  } else {
    CPLErrorReset();
  }
  return ok;
}

int ct_vector_read(const char *path, const char *source, const char *crs,
                   const ct_grid *g, const char *name, ct_vector *out,
                   ct_error *err) {
  return ct__vector_read(path, source, crs, g, name, out, NULL, err);
}

int ct__vector_read(const char *path, const char *source, const char *crs,
                    const ct_grid *g, const char *name, ct_vector *out,
                    ct__vector_notes *notes, ct_error *err) {
  memset(out, 0, sizeof *out);
  ct__vector_notes nb;
  if (!notes) notes = &nb;
  memset(notes, 0, sizeof *notes);
  if (!path || !g)
    return ct_error_set(err, CT_EINVAL, "ct_vector_read: missing argument");
  char label[1200];
  ct__layer_label(label, sizeof label, name, path);
  struct stat st;
  if (!ct__is_virtual_path(path) && stat(path, &st) != 0)
    return ct_error_set(err, errno == ENOENT ? CT_ENOENT : CT_EIO,
                        "%s: cannot open: %s", label, strerror(errno));
  ct__gis_begin();
  GDALDatasetH ds =
      GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
  OGRSpatialReferenceH src = NULL, dst = NULL;
  OGRCoordinateTransformationH t = NULL;
  builder b;
  memset(&b, 0, sizeof b);
  int rc = CT_OK, cap = 0;
  if (!ds) {
    rc = ct_error_set(err, CT_EFORMAT, "%s: not a vector file OGR can read (%s)",
                      label, ct__gdal_msg("unrecognised format"));
    goto out;
  }
  const char *drv = GDALGetDriverShortName(GDALGetDatasetDriver(ds));
  int is_osm = drv && strcmp(drv, "OSM") == 0;
  /* Validity needs GEOS; without it every polygon would look invalid. */
  int geos = OGRGetGEOSVersion(NULL, NULL, NULL);
  OGRLayerH lyr;
  rc = pick_layer(ds, source, name, is_osm, label, &lyr, err);
  if (rc) goto out;
  const char *lname = OGR_L_GetName(lyr);
  if (OGR_L_GetGeomType(lyr) == wkbNone) {
    rc = ct_error_set(err, CT_EINVAL,
                      "%s: layer '%s' has no features with a geometry (it is "
                      "a table without a geometry column)",
                      label, lname);
    goto out;
  }

  if (crs && *crs) {
    rc = ct__srs_new(crs, label, &src, err);
  } else {
    OGRSpatialReferenceH s = OGR_L_GetSpatialRef(lyr);
    if (!s)
      rc = ct_error_set(err, CT_ECRS,
                        "%s: layer '%s' has no CRS (no .prj?); give it with "
                        "crs = EPSG:... in its [layer] section",
                        label, lname);
    else if (!(src = ct__srs_clone(s)))
      rc = ct_error_set(err, CT_ENOMEM, "%s: out of memory", label);
  }
  if (!rc) rc = ct__srs_new(g->crs_wkt, "domain", &dst, err);
  if (rc) goto out;
  if (!OSRIsSame(src, dst)) {
    t = OCTNewCoordinateTransformation(src, dst);
    if (!t) {
      rc = ct_error_set(err, CT_ECRS,
                        "%s: no transformation from its CRS to the domain's (%s)",
                        label, ct__gdal_msg("PROJ found none"));
      goto out;
    }
  }

  out->name = strdup(name ? name : lname);
  out->path = strdup(path);
  OGRFeatureDefnH fd = OGR_L_GetLayerDefn(lyr);
  int nf = OGR_FD_GetFieldCount(fd);
  out->fields = nf ? calloc((size_t)nf, sizeof(char *)) : NULL;
  if (!out->name || !out->path || (nf && !out->fields)) {
    rc = ct_error_set(err, CT_ENOMEM, "%s: out of memory", label);
    goto out;
  }
  for (int k = 0; k < nf; k++) {
    out->fields[k] = strdup(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, k)));
    if (!out->fields[k]) {
      rc = ct_error_set(err, CT_ENOMEM, "%s: out of memory", label);
      goto out;
    }
    out->nfields = k + 1;
  }

  /* The OSM driver reads the file once in order and hands out features of
   * every layer as it meets them, so it is read through the dataset and the
   * other layers' features are dropped; other drivers per layer. */
  CPLErrorReset();
  if (is_osm)
    GDALDatasetResetReading(ds);
  else
    OGR_L_ResetReading(lyr);
  for (;;) {
    OGRFeatureH f;
    if (is_osm) {
      OGRLayerH from = NULL;
      f = GDALDatasetGetNextFeature(ds, &from, NULL, NULL, NULL);
      if (f && from != lyr) {
        OGR_F_Destroy(f);
        continue;
      }
    } else {
      f = OGR_L_GetNextFeature(lyr);
    }
    if (!f) break;
    b.type = b.npts = b.nparts = b.dropped = 0;
    OGRGeometryH geom = OGR_F_GetGeometryRef(f);
    if ((!geom || OGR_G_IsEmpty(geom)) && !notes->no_geom++)
      notes->no_geom_fid = (long long)OGR_F_GetFID(f);
    add_geom(&b, geom, 0);
    if (b.oom) {
      OGR_F_Destroy(f);
      rc = ct_error_set(err, CT_ENOMEM, "%s: out of memory", label);
      goto out;
    }
    if (b.dropped && !notes->degenerate++)
      notes->degenerate_fid = (long long)OGR_F_GetFID(f);
    /* A bow-tie is still read (its inside decided by the even-odd rule),
     * but the user hears of it. */
    if (geos && b.type == CT_GEOM_POLYGON && b.nparts > 0 && !b.dropped &&
        !polygon_valid(geom) && !notes->invalid++)
      notes->invalid_fid = (long long)OGR_F_GetFID(f);
    if (b.nparts > 0) rc = keep_feature(out, &cap, &b, f, t, label, err);
    OGR_F_Destroy(f);
    if (rc) goto out;
  }
  if (CPLGetLastErrorType() >= CE_Failure) {
    rc = ct_error_set(err, CT_EIO, "%s: reading failed (%s)", label,
                      ct__gdal_msg("OGR error"));
    goto out;
  }
  if (out->nfeat == 0 && notes->degenerate)
    rc = ct_error_set(err, CT_EINVAL,
                      "%s: layer '%s' has no features with a geometry: %d "
                      "had only lines of fewer than 2 vertices or polygon "
                      "rings of fewer than 3 points (the first is fid %lld)",
                      label, lname, notes->degenerate, notes->degenerate_fid);
  else if (out->nfeat == 0)
    rc = ct_error_set(err, CT_EINVAL,
                      "%s: layer '%s' has no features with a geometry", label,
                      lname);
out:
  if (rc) ct_vector_free(out);
  builder_free(&b);
  if (t) OCTDestroyCoordinateTransformation(t);
  if (src) OSRDestroySpatialReference(src);
  if (dst) OSRDestroySpatialReference(dst);
  if (ds) GDALClose(ds);
  ct__gis_end();
  return rc;
}
