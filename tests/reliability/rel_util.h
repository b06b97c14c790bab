/* rel_util.h - helpers the reliability tests share: a scratch folder, small
 * GeoTIFFs and vector files written with the GDAL/OGR C API (the inputs a
 * user would hand the CLI), running the real `citytwin` binary with its
 * output captured, and reading text files back. */
#ifndef REL_UTIL_H
#define REL_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

/* A fresh folder /tmp/ct_rel_<tag>_XXXXXX in dir (PATH_MAX-ish buffer). */
static inline int rel_tmpdir(char *dir, size_t n, const char *tag) {
  snprintf(dir, n, "/tmp/ct_rel_%s_XXXXXX", tag);
  return mkdtemp(dir) ? 0 : -1;
}

/* Removes dir, unless CT_REL_KEEP is set (to look at a run's files). */
static inline void rel_rmdir(const char *dir) {
  if (getenv("CT_REL_KEEP")) {
    fprintf(stderr, "kept %s\n", dir);
    return;
  }
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

/* Writes text to dir/name; 0 on success. */
static inline int rel_put(const char *dir, const char *name, const char *text) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *fp = fopen(p, "w");
  if (!fp) return -1;
  int bad = fputs(text, fp) < 0;
  bad |= fclose(fp) != 0;
  return bad ? -1 : 0;
}

/* The whole of a file (malloc'd, NUL-terminated) or NULL. */
static inline char *rel_slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - 1 - n, fp);
    if (n < cap - 1) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = nb;
    cap *= 2;
  }
  fclose(fp);
  if (buf) buf[n] = '\0';
  return buf;
}

/* Runs a shell command with stdout and stderr into out (truncated to n);
 * returns its exit status, or 128 + signal when it died of one. */
static inline int rel_sh(char *out, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int rel_sh(char *out, size_t n, const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  strncat(cmd, " 2>&1", sizeof cmd - strlen(cmd) - 1);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t k = 0;
  char sink[4096];
  for (;;) {
    size_t want = out && k + 1 < n ? n - 1 - k : sizeof sink;
    size_t got = fread(out && k + 1 < n ? out + k : sink, 1, want, p);
    if (!got) break;
    if (out && k + 1 < n) k += got;
  }
  if (out && n) out[k] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Rough ground nx x ny (a fixed pseudo-random sequence on a gentle
 * slope), so that the water surface does not compress to nothing and each
 * snapshot adds real bytes. */
static inline void rel_rough_dem(float *z, int nx, int ny) {
  unsigned s = 12345u;
  for (int k = 0; k < nx * ny; k++) {
    s = s * 1103515245u + 12345u;
    z[k] = (float)(2.0 + 0.002 * (k / nx) + 0.05 * ((s >> 8) & 0xffff) / 65535.0);
  }
}

/* A single-band Float32 GeoTIFF dir/name: nx x ny cells of dx m, north-west
 * corner (x0, y1), row 0 the northern row; epsg 0 writes no CRS at all. */
static inline int rel_tif(const char *dir, const char *name, int nx, int ny,
                          double x0, double y1, double dx, int epsg,
                          const float *z, int has_nodata, double nodata) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  GDALAllRegister();
  GDALDriverH drv = GDALGetDriverByName("GTiff");
  if (!drv) return -1;
  GDALDatasetH ds = GDALCreate(drv, p, nx, ny, 1, GDT_Float32, NULL);
  if (!ds) return -1;
  double gt[6] = {x0, dx, 0, y1, 0, -dx};
  int bad = GDALSetGeoTransform(ds, gt) != CE_None;
  if (epsg) {
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    char *wkt = NULL;
    bad |= OSRImportFromEPSG(s, epsg) != OGRERR_NONE;
    bad |= OSRExportToWkt(s, &wkt) != OGRERR_NONE;
    if (wkt) bad |= GDALSetProjection(ds, wkt) != CE_None;
    CPLFree(wkt);
    OSRDestroySpatialReference(s);
  }
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  if (has_nodata) bad |= GDALSetRasterNoDataValue(b, nodata) != CE_None;
  bad |= GDALRasterIO(b, GF_Write, 0, 0, nx, ny, (void *)z, nx, ny,
                      GDT_Float32, 0, 0) != CE_None;
  GDALClose(ds);
  return bad ? -1 : 0;
}

/* A vector file dir/name through the OGR driver drv ("GPKG", "GeoJSON",
 * "ESRI Shapefile"): one layer of nfeat features given as WKT, with an
 * optional text column field (values vals); epsg 0 writes no CRS. */
static inline int rel_vec(const char *dir, const char *name, const char *drv,
                          int epsg, OGRwkbGeometryType type, int nfeat,
                          const char *const *wkt, const char *field,
                          const char *const *vals) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  GDALAllRegister();
  GDALDriverH d = GDALGetDriverByName(drv);
  if (!d) return -1;
  GDALDatasetH ds = GDALCreate(d, p, 0, 0, 0, GDT_Unknown, NULL);
  if (!ds) return -1;
  OGRSpatialReferenceH s = NULL;
  if (epsg) {
    s = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(s, epsg);
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
  }
  OGRLayerH l = GDALDatasetCreateLayer(ds, "features", s, type, NULL);
  int bad = !l;
  if (l && field) {
    OGRFieldDefnH fd = OGR_Fld_Create(field, OFTString);
    bad |= OGR_L_CreateField(l, fd, 1) != OGRERR_NONE;
    OGR_Fld_Destroy(fd);
  }
  for (int k = 0; l && k < nfeat; k++) {
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
    OGRGeometryH g = NULL;
    char *w = (char *)wkt[k];
    if (wkt[k] && OGR_G_CreateFromWkt(&w, s, &g) != OGRERR_NONE) bad = 1;
    if (g) OGR_F_SetGeometryDirectly(f, g);
    if (field && vals && vals[k]) OGR_F_SetFieldString(f, 0, vals[k]);
    bad |= OGR_L_CreateFeature(l, f) != OGRERR_NONE;
    OGR_F_Destroy(f);
  }
  if (s) OSRDestroySpatialReference(s);
  GDALClose(ds);
  return bad ? -1 : 0;
}

#endif
