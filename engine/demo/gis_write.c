/* gis_write.c - writes the demo city as real GIS files through GDAL, so the
 * demo takes the same path as real data: compressed, tiled GeoTIFFs for the
 * DEM, land use and drains, GeoPackages for roads, stacks and stations, all
 * in UTM 48N (EPSG:32648). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gdal.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include "demo/demo_internal.h"

static OGRSpatialReferenceH demo_srs(void) {
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  if (!srs) return NULL;
  if (OSRImportFromEPSG(srs, CT__DEMO_EPSG) != OGRERR_NONE) {
    OSRDestroySpatialReference(srs);
    return NULL;
  }
  OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
  return srs;
}

static int gdal_fail(ct_error *err, int code, const char *what,
                     const char *path) {
  const char *m = CPLGetLastErrorMsg();
  return ct_error_set(err, code, "demo: %s '%s': %s", what, path,
                      m && *m ? m : "GDAL gave no reason");
}

/* One band GeoTIFF on the demo grid. */
static int write_tif(const ct__city *c, const char *path, GDALDataType type,
                     const void *data, double nodata, const char *units,
                     const char *desc, ct_error *err) {
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  if (!drv) return ct_error_set(err, CT_EIO, "demo: GDAL has no GTiff driver");
  char **opt = NULL;
  opt = CSLSetNameValue(opt, "COMPRESS", "DEFLATE");
  /* Floating-point predictor for the DEM and drains, horizontal for bytes. */
  opt = CSLSetNameValue(opt, "PREDICTOR", type == GDT_Float32 ? "3" : "2");
  opt = CSLSetNameValue(opt, "TILED", "YES");
  /* Replace, not update: also drop the side-car an earlier gdalinfo -stats
     or category table left, or it would describe the old data. */
  char aux[4200];
  snprintf(aux, sizeof aux, "%s.aux.xml", path);
  unlink(path);
  unlink(aux);
  CPLErrorReset();
  GDALDatasetH ds = GDALCreate(drv, path, c->nx, c->ny, 1, type, opt);
  CSLDestroy(opt);
  if (!ds) return gdal_fail(err, CT_EIO, "cannot create", path);
  int rc = 0;
  double gt[6] = {CT__DEMO_XMIN, c->dx, 0, CT__DEMO_YMIN + c->h, 0, -c->dx};
  OGRSpatialReferenceH srs = demo_srs();
  GDALRasterBandH band = GDALGetRasterBand(ds, 1);
  if (!srs || GDALSetGeoTransform(ds, gt) != CE_None ||
      GDALSetSpatialRef(ds, srs) != CE_None ||
      GDALSetRasterNoDataValue(band, nodata) != CE_None) {
    rc = gdal_fail(err, CT_EIO, "cannot georeference", path);
    goto done;
  }
  GDALSetRasterUnitType(band, units);
  GDALSetDescription(band, desc);
  if (type == GDT_Byte) {
    /* Colours and names so QGIS shows the classes as they are. */
    static const struct { const char *name; short r, g, b; } cls[8] = {
        {"unknown", 0, 0, 0},          {"dense urban", 190, 60, 50},
        {"residential", 240, 170, 120}, {"industrial/commercial", 160, 120, 200},
        {"green/park", 90, 170, 80},   {"water", 70, 130, 200},
        {"road/paved", 110, 110, 110}, {"bare/agricultural", 220, 210, 150}};
    GDALColorTableH ct = GDALCreateColorTable(GPI_RGB);
    char **cat = NULL;
    for (int k = 0; k < 8; k++) {
      GDALColorEntry e = {cls[k].r, cls[k].g, cls[k].b, k ? 255 : 0};
      GDALSetColorEntry(ct, k, &e);
      cat = CSLAddString(cat, cls[k].name);
    }
    GDALSetRasterColorTable(band, ct);
    GDALSetRasterCategoryNames(band, cat);
    GDALDestroyColorTable(ct);
    CSLDestroy(cat);
  }
  if (GDALRasterIO(band, GF_Write, 0, 0, c->nx, c->ny, (void *)data, c->nx,
                   c->ny, type, 0, 0) != CE_None)
    rc = gdal_fail(err, CT_EIO, "cannot write", path);
done:
  if (srs) OSRDestroySpatialReference(srs);
  GDALClose(ds); /* flushes and compresses */
  if (!rc && CPLGetLastErrorType() >= CE_Failure)
    rc = gdal_fail(err, CT_EIO, "cannot write", path);
  return rc;
}

int ct__write_rasters(const ct__city *c, const char *datadir, ct_error *err) {
  char path[4096];
  int rc;
  snprintf(path, sizeof path, "%s/dem.tif", datadir);
  rc = write_tif(c, path, GDT_Float32, c->dem, CT__DEMO_NODATA, "m",
                 "ground elevation above datum", err);
  if (rc) return rc;
  snprintf(path, sizeof path, "%s/landuse.tif", datadir);
  rc = write_tif(c, path, GDT_Byte, c->lu, 0, "1", "land use class", err);
  if (rc) return rc;
  snprintf(path, sizeof path, "%s/drains.tif", datadir);
  return write_tif(c, path, GDT_Float32, c->drains, CT__DEMO_NODATA, "mm/h",
                   "drain inlet capacity", err);
}

typedef struct field_def {
  const char *name;
  OGRFieldType type;
} field_def;

/* A new GeoPackage with one layer of the given geometry and fields, in a
 * transaction (one SQLite commit for all features, not one per feature). */
static int gpkg_open(const char *path, const char *layer, OGRwkbGeometryType g,
                     const field_def *f, int nf, GDALDatasetH *ds,
                     OGRLayerH *lyr, ct_error *err) {
  GDALDriverH drv = GDALGetDriverByName("GPKG");
  if (!drv) return ct_error_set(err, CT_EIO, "demo: GDAL has no GPKG driver");
  unlink(path);
  *ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
  if (!*ds) return gdal_fail(err, CT_EIO, "cannot create", path);
  OGRSpatialReferenceH srs = demo_srs();
  *lyr = srs ? GDALDatasetCreateLayer(*ds, layer, srs, g, NULL) : NULL;
  if (srs) OSRDestroySpatialReference(srs);
  if (!*lyr) goto fail;
  for (int k = 0; k < nf; k++) {
    OGRFieldDefnH fd = OGR_Fld_Create(f[k].name, f[k].type);
    OGRErr e = OGR_L_CreateField(*lyr, fd, TRUE);
    OGR_Fld_Destroy(fd);
    if (e != OGRERR_NONE) goto fail;
  }
  if (GDALDatasetStartTransaction(*ds, FALSE) != OGRERR_NONE) goto fail;
  return 0;
fail:
  gdal_fail(err, CT_EIO, "cannot create a layer in", path);
  GDALClose(*ds);
  *ds = NULL;
  return CT_EIO;
}

static int gpkg_close(GDALDatasetH ds, const char *path, int rc,
                      ct_error *err) {
  if (!rc && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
    rc = gdal_fail(err, CT_EIO, "cannot write", path);
  GDALClose(ds);
  return rc;
}

static int add_feature(OGRLayerH lyr, OGRFeatureH f, OGRGeometryH g,
                       const char *path, ct_error *err) {
  OGR_F_SetGeometryDirectly(f, g);
  OGRErr e = OGR_L_CreateFeature(lyr, f);
  OGR_F_Destroy(f);
  return e == OGRERR_NONE ? 0 : gdal_fail(err, CT_EIO, "cannot write", path);
}

static int write_roads(const ct__city *c, const char *path, ct_error *err) {
  static const field_def fd[] = {{"id", OFTString},      {"name", OFTString},
                                 {"highway", OFTString}, {"lanes", OFTInteger},
                                 {"maxspeed", OFTInteger}, {"oneway", OFTInteger},
                                 {"bridge", OFTInteger}};
  GDALDatasetH ds;
  OGRLayerH lyr;
  int rc = gpkg_open(path, "roads", wkbLineString, fd, 7, &ds, &lyr, err);
  if (rc) return rc;
  const ct__roads *r = &c->roads;
  OGRFeatureDefnH def = OGR_L_GetLayerDefn(lyr);
  char buf[128];
  for (int k = 0; k < r->nlink && !rc; k++) {
    const ct__link *l = &r->link[k];
    OGRFeatureH f = OGR_F_Create(def);
    snprintf(buf, sizeof buf, "R%04d", k + 1);
    OGR_F_SetFieldString(f, 0, buf);
    OGR_F_SetFieldString(f, 1, ct__street_name(r, l->line, buf, sizeof buf));
    OGR_F_SetFieldString(f, 2, ct__class_name(l->cls));
    /* OSM counts lanes over both directions; a one-way local street keeps
       one lane (tertiary: two) for its single direction. */
    int lanes = ct__class_lanes(l->cls);
    if (l->oneway) lanes = l->cls == CT__TERTIARY ? 2 : 1;
    OGR_F_SetFieldInteger(f, 3, lanes);
    OGR_F_SetFieldInteger(f, 4, ct__class_maxspeed(l->cls));
    OGR_F_SetFieldInteger(f, 5, l->oneway);
    OGR_F_SetFieldInteger(f, 6, l->bridge);
    /* Junction vertices are the node coordinates themselves: links meeting
       at a junction share them bit for bit. */
    OGRGeometryH g = OGR_G_CreateGeometry(wkbLineString);
    OGR_G_AddPoint_2D(g, CT__DEMO_XMIN + r->nx[l->a], CT__DEMO_YMIN + r->ny[l->a]);
    OGR_G_AddPoint_2D(g, CT__DEMO_XMIN + l->mx, CT__DEMO_YMIN + l->my);
    OGR_G_AddPoint_2D(g, CT__DEMO_XMIN + r->nx[l->b], CT__DEMO_YMIN + r->ny[l->b]);
    rc = add_feature(lyr, f, g, path, err);
  }
  return gpkg_close(ds, path, rc, err);
}

static int write_points(const ct__site *s, int n, int stacks, const char *path,
                        const char *layer, ct_error *err) {
  static const field_def fd[] = {{"name", OFTString},
                                 {"height", OFTReal},
                                 {"pm25_gps", OFTReal},
                                 {"nox_gps", OFTReal}};
  GDALDatasetH ds;
  OGRLayerH lyr;
  int rc = gpkg_open(path, layer, wkbPoint, fd, stacks ? 4 : 1, &ds, &lyr, err);
  if (rc) return rc;
  OGRFeatureDefnH def = OGR_L_GetLayerDefn(lyr);
  for (int k = 0; k < n && !rc; k++) {
    OGRFeatureH f = OGR_F_Create(def);
    OGR_F_SetFieldString(f, 0, s[k].name);
    if (stacks) {
      OGR_F_SetFieldDouble(f, 1, s[k].height);
      OGR_F_SetFieldDouble(f, 2, s[k].pm25);
      OGR_F_SetFieldDouble(f, 3, s[k].nox);
    }
    OGRGeometryH g = OGR_G_CreateGeometry(wkbPoint);
    OGR_G_SetPoint_2D(g, 0, CT__DEMO_XMIN + s[k].x, CT__DEMO_YMIN + s[k].y);
    rc = add_feature(lyr, f, g, path, err);
  }
  return gpkg_close(ds, path, rc, err);
}

int ct__write_vectors(const ct__city *c, const char *datadir, ct_error *err) {
  char path[4096];
  const ct__site *s;
  int n, rc;
  snprintf(path, sizeof path, "%s/roads.gpkg", datadir);
  if ((rc = write_roads(c, path, err))) return rc;
  n = ct__stacks(&s);
  snprintf(path, sizeof path, "%s/stacks.gpkg", datadir);
  if ((rc = write_points(s, n, 1, path, "stacks", err))) return rc;
  n = ct__stations(&s);
  snprintf(path, sizeof path, "%s/stations.gpkg", datadir);
  return write_points(s, n, 0, path, "stations", err);
}
