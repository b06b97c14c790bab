/* raster.c - rasters onto the domain grid with GDAL's warper: the raster's
 * own grid, its extent in the domain CRS (overlap checks), and the warp
 * itself (bilinear for continuous data, nearest for categories, nodata kept
 * as NaN, never as 0). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdalwarper.h>

#include "citytwin/layers.h"
#include "citytwin/util.h"
#include "gis/gis_internal.h"

int ct__is_virtual_path(const char *path) {
  if (strncmp(path, "/vsi", 4) == 0) return 1;
  /* "PG:...", "WMS:..." style connection strings. */
  const char *c = path;
  while (*c && (isalnum((unsigned char)*c) || *c == '_')) c++;
  return *c == ':' && c - path > 1;
}

int ct__raster_open(const char *path, const char *label, GDALDatasetH *ds,
                    ct_error *err) {
  *ds = NULL;
  struct stat st;
  if (!ct__is_virtual_path(path) && stat(path, &st) != 0)
    return ct_error_set(err, errno == ENOENT ? CT_ENOENT : CT_EIO,
                        "%s: cannot open: %s", label, strerror(errno));
  CPLErrorReset();
  *ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
  if (!*ds)
    return ct_error_set(err, CT_EFORMAT, "%s: not a raster GDAL can read (%s)",
                        label, ct__gdal_msg("unrecognised format"));
  if (GDALGetRasterCount(*ds) < 1) {
    GDALClose(*ds);
    *ds = NULL;
    return ct_error_set(err, CT_EFORMAT, "%s: the raster has no bands", label);
  }
  return CT_OK;
}

int ct__raster_srs(GDALDatasetH ds, const char *crs, const char *label,
                   OGRSpatialReferenceH *out, ct_error *err) {
  *out = NULL;
  if (crs && *crs) return ct__srs_new(crs, label, out, err);
  OGRSpatialReferenceH s = GDALGetSpatialRef(ds);
  if (!s)
    return ct_error_set(err, CT_ECRS,
                        "%s: the raster has no CRS (no .prj or embedded "
                        "georeferencing); give it with crs = EPSG:... in its "
                        "[layer] section",
                        label);
  *out = ct__srs_clone(s);
  if (!*out) return ct_error_set(err, CT_ENOMEM, "%s: out of memory", label);
  return CT_OK;
}

static int geotransform(GDALDatasetH ds, const char *label, double gt[6],
                        ct_error *err) {
  if (GDALGetGeoTransform(ds, gt) != CE_None)
    return ct_error_set(err, CT_EFORMAT,
                        "%s: the raster has no geotransform (not georeferenced)",
                        label);
  double det = gt[1] * gt[5] - gt[2] * gt[4];
  for (int k = 0; k < 6; k++)
    if (!isfinite(gt[k]))
      return ct_error_set(err, CT_EFORMAT, "%s: non-finite geotransform", label);
  if (det == 0)
    return ct_error_set(err, CT_EFORMAT, "%s: degenerate geotransform", label);
  return CT_OK;
}

int ct__raster_extent(GDALDatasetH ds, OGRSpatialReferenceH src,
                      OGRSpatialReferenceH dst, double ext[4],
                      const char *label, ct_error *err) {
  double gt[6];
  int rc = geotransform(ds, label, gt, err);
  if (rc) return rc;
  OGRCoordinateTransformationH t = OCTNewCoordinateTransformation(src, dst);
  if (!t)
    return ct_error_set(err, CT_ECRS,
                        "%s: no transformation from its CRS to the domain's (%s)",
                        label, ct__gdal_msg("PROJ found none"));
  /* Edges densified: a straight edge in one CRS is curved in the other. */
  enum { NS = 32, NP = 4 * NS };
  double x[NP], y[NP];
  int ok[NP];
  double nx = GDALGetRasterXSize(ds), ny = GDALGetRasterYSize(ds);
  for (int k = 0; k < NS; k++) {
    double f = (double)k / NS;
    double pu[4] = {f * nx, nx, (1 - f) * nx, 0};
    double pv[4] = {0, f * ny, ny, (1 - f) * ny};
    for (int e = 0; e < 4; e++) {
      x[e * NS + k] = gt[0] + pu[e] * gt[1] + pv[e] * gt[2];
      y[e * NS + k] = gt[3] + pu[e] * gt[4] + pv[e] * gt[5];
    }
  }
  OCTTransformEx(t, NP, x, y, NULL, ok);
  OCTDestroyCoordinateTransformation(t);
  ext[0] = ext[1] = INFINITY;
  ext[2] = ext[3] = -INFINITY;
  int n = 0;
  for (int k = 0; k < NP; k++) {
    if (!ok[k] || !isfinite(x[k]) || !isfinite(y[k])) continue;
    n++;
    ext[0] = fmin(ext[0], x[k]);
    ext[1] = fmin(ext[1], y[k]);
    ext[2] = fmax(ext[2], x[k]);
    ext[3] = fmax(ext[3], y[k]);
  }
  if (!n)
    return ct_error_set(err, CT_ECRS,
                        "%s: its extent cannot be transformed into the domain "
                        "CRS (wrong crs?)",
                        label);
  return CT_OK;
}

int ct_raster_probe(const char *path, const char *crs_override,
                    const ct_grid *g, int *nbands, double extent[4],
                    ct_error *err) {
  if (!path || !g || !nbands || !extent)
    return ct_error_set(err, CT_EINVAL, "ct_raster_probe: missing argument");
  char label[1200];
  ct__layer_label(label, sizeof label, NULL, path);
  ct__gis_begin();
  GDALDatasetH ds;
  OGRSpatialReferenceH src = NULL, dst = NULL;
  int rc = ct__raster_open(path, label, &ds, err);
  if (!rc) {
    *nbands = GDALGetRasterCount(ds);
    rc = ct__raster_srs(ds, crs_override, label, &src, err);
    if (!rc) rc = ct__srs_new(g->crs_wkt, "domain", &dst, err);
    if (!rc) rc = ct__raster_extent(ds, src, dst, extent, label, err);
    GDALClose(ds);
  }
  if (src) OSRDestroySpatialReference(src);
  if (dst) OSRDestroySpatialReference(dst);
  ct__gis_end();
  return rc;
}

/* GRIB_VALID_TIME: Unix seconds, "1789462800" (GDAL 3.6 writes this),
 * or "  1789462800 sec UTC" as some GDAL versions write it. */
static int grib_time(const char *v, double *t) {
  if (!v) return -1;
  char *end;
  double x = strtod(v, &end);
  while (*end == ' ') end++;
  if (end == v || !isfinite(x) || (*end && strncmp(end, "sec", 3) != 0))
    return -1;
  *t = x;
  return 0;
}

int ct_raster_band_times(const char *path, ct_band_times *bt, ct_error *err) {
  memset(bt, 0, sizeof *bt);
  char label[1200];
  ct__layer_label(label, sizeof label, NULL, path);
  ct__gis_begin();
  GDALDatasetH ds;
  int rc = ct__raster_open(path, label, &ds, err);
  if (rc) {
    ct__gis_end();
    return rc;
  }
  int n = GDALGetRasterCount(ds);
  bt->t = malloc((size_t)n * sizeof *bt->t);
  if (!bt->t) rc = ct_error_set(err, CT_ENOMEM, "out of memory");
  const char *cfu = GDALGetMetadataItem(ds, "time#units", NULL);
  double scale = 0, t0 = 0;
  int cf = cfu && ct_parse_cf_time_units(cfu, &scale, &t0) == 0;
  int ngrib = 0, ncf = 0;
  for (int b = 0; !rc && b < n; b++) {
    GDALRasterBandH h = GDALGetRasterBand(ds, b + 1);
    double t = NAN, v;
    const char *cft = cf ? GDALGetMetadataItem(h, "NETCDF_DIM_time", NULL)
                         : NULL;
    if (grib_time(GDALGetMetadataItem(h, "GRIB_VALID_TIME", NULL), &t) == 0)
      ngrib++;
    else if (cft && ct_parse_double(cft, &v) == 0)
      t = t0 + v * scale, ncf++;
    bt->t[b] = t;
  }
  if (!rc) {
    bt->nbands = n;
    bt->source = ngrib ? CT_TIMES_GRIB : ncf ? CT_TIMES_NETCDF : CT_TIMES_NONE;
    GDALRasterBandH h = GDALGetRasterBand(ds, 1);
    const char *u = GDALGetMetadataItem(h, "GRIB_UNIT", NULL);
    if (!u || !*u) u = GDALGetRasterUnitType(h);
    if (u && *u == '[') u++;
    snprintf(bt->units, sizeof bt->units, "%s", u ? u : "");
    size_t L = strlen(bt->units);
    if (L && bt->units[L - 1] == ']') bt->units[L - 1] = '\0';
  } else {
    ct_band_times_free(bt);
  }
  GDALClose(ds);
  ct__gis_end();
  return rc;
}

void ct_band_times_free(ct_band_times *bt) {
  free(bt->t);
  memset(bt, 0, sizeof *bt);
}

int ct_raster_grid(const char *path, const char *crs_override, ct_grid *g,
                   ct_error *err) {
  memset(g, 0, sizeof *g);
  if (!path)
    return ct_error_set(err, CT_EINVAL, "ct_raster_grid: missing path");
  char label[1200];
  ct__layer_label(label, sizeof label, NULL, path);
  ct__gis_begin();
  GDALDatasetH ds;
  OGRSpatialReferenceH s = NULL;
  double gt[6];
  char *wkt = NULL;
  int rc = ct__raster_open(path, label, &ds, err);
  if (rc) goto out;
  int nx = GDALGetRasterXSize(ds), ny = GDALGetRasterYSize(ds);
  rc = geotransform(ds, label, gt, err);
  if (!rc) rc = ct__raster_srs(ds, crs_override, label, &s, err);
  GDALClose(ds);
  if (rc) goto out;
  if (gt[2] != 0 || gt[4] != 0) {
    rc = ct_error_set(err, CT_EINVAL,
                      "%s: a rotated raster cannot define the domain grid",
                      label);
  } else if (!(gt[5] < 0) || !(gt[1] > 0)) {
    rc = ct_error_set(err, CT_EINVAL,
                      "%s: the grid raster must be north-up (geotransform "
                      "pixel sizes %g, %g)",
                      label, gt[1], gt[5]);
  } else if (fabs(gt[1] + gt[5]) > 1e-9 * gt[1]) {
    rc = ct_error_set(err, CT_EINVAL,
                      "%s: the grid raster has non-square cells (%g x %g)",
                      label, gt[1], -gt[5]);
  } else if (OSRIsGeographic(s)) {
    rc = ct_error_set(err, CT_ECRS,
                      "%s: the grid raster is in a geographic CRS (degrees); "
                      "the domain needs a projected CRS in metres",
                      label);
  } else if (fabs(OSRGetLinearUnits(s, NULL) - 1.0) > 1e-9) {
    rc = ct_error_set(err, CT_ECRS,
                      "%s: the grid raster's CRS is not in metres (1 unit = "
                      "%g m)",
                      label, OSRGetLinearUnits(s, NULL));
  }
  if (!rc) rc = ct__srs_wkt(s, &wkt, err);
  if (rc) goto out;
  double dx = gt[1];
  /* Bounds a quarter cell inside the raster's, so that snapping outwards
   * in ct_grid_init gives exactly nx x ny whatever the round-off. */
  rc = ct_grid_init(g, wkt, gt[0], gt[3] - (ny - 0.25) * dx,
                    gt[0] + (nx - 0.25) * dx, gt[3], dx, err);
  if (rc) {
    ct_error_prefix(err, "%s", label);
    goto out;
  }
  if (g->nx != nx || g->ny != ny) {
    ct_grid_free(g);
    rc = ct_error_set(err, CT_EINTERNAL,
                      "%s: grid of %dx%d cells built as %dx%d", label, nx, ny,
                      g->nx, g->ny);
    goto out;
  }
  memcpy(g->gt, gt, sizeof gt);
  g->gt[5] = -dx;
out:
  free(wkt);
  if (s) OSRDestroySpatialReference(s);
  ct__gis_end();
  return rc;
}

static GDALResampleAlg resample_alg(ct_resample r, GDALDataType dt) {
  switch (r) {
  case CT_RESAMPLE_NEAREST: return GRA_NearestNeighbour;
  case CT_RESAMPLE_BILINEAR: return GRA_Bilinear;
  case CT_RESAMPLE_CUBIC: return GRA_Cubic;
  case CT_RESAMPLE_MODE: return GRA_Mode;
  case CT_RESAMPLE_AVERAGE: return GRA_Average;
  case CT_RESAMPLE_DEFAULT: break;
  }
  /* Integer rasters hold categories (land use): interpolating between class
   * codes would invent classes, so they take the nearest source cell. */
  return GDALDataTypeIsInteger(dt) && !GDALDataTypeIsComplex(dt)
             ? GRA_NearestNeighbour
             : GRA_Bilinear;
}

int ct__raster_warp_ds(GDALDatasetH src, const char *label, const ct_grid *g,
                       const ct_raster_opts *o, float *out, size_t *nhuge,
                       ct_error *err) {
  if (nhuge) *nhuge = 0;
  int band = o && o->band > 0 ? o->band : 1;
  int nb = GDALGetRasterCount(src);
  if (o && o->band < 0)
    return ct_error_set(err, CT_EINVAL, "%s: band must be 1 or more, got %d",
                        label, o->band);
  if (band > nb)
    return ct_error_set(err, CT_EINVAL,
                        "%s: band %d requested but the raster has %d band%s",
                        label, band, nb, nb == 1 ? "" : "s");
  double gt[6];
  int rc = geotransform(src, label, gt, err);
  if (rc) return rc;
  OGRSpatialReferenceH srs;
  rc = ct__raster_srs(src, o ? o->crs : NULL, label, &srs, err);
  if (rc) return rc;
  char *src_wkt = NULL;
  rc = ct__srs_wkt(srs, &src_wkt, err);
  OSRDestroySpatialReference(srs);
  if (rc) return ct_error_prefix(err, "%s", label);

  GDALRasterBandH sb = GDALGetRasterBand(src, band);
  int has_nd = 0;
  double nd = GDALGetRasterNoDataValue(sb, &has_nd);
  if (o && o->has_nodata) {
    has_nd = 1;
    nd = o->nodata;
  }
  GDALResampleAlg alg =
      resample_alg(o ? o->resample : CT_RESAMPLE_DEFAULT,
                   GDALGetRasterDataType(sb));

  GDALDatasetH dst = NULL;
  GDALWarpOptions *wo = NULL;
  GDALWarpOperationH op = NULL;
  char **topt = NULL;
  GDALDriverH mem = GDALGetDriverByName("MEM");
  if (mem) dst = GDALCreate(mem, "", g->nx, g->ny, 1, GDT_Float32, NULL);
  if (!dst) {
    rc = ct_error_set(err, CT_ENOMEM, "%s: cannot create a %dx%d work raster",
                      label, g->nx, g->ny);
    goto out;
  }
  double dgt[6];
  memcpy(dgt, g->gt, sizeof dgt);
  GDALSetGeoTransform(dst, dgt);
  GDALSetProjection(dst, g->crs_wkt);
  GDALRasterBandH db = GDALGetRasterBand(dst, 1);
  GDALSetRasterNoDataValue(db, NAN);

  wo = GDALCreateWarpOptions();
  wo->hSrcDS = src;
  wo->hDstDS = dst;
  wo->nBandCount = 1;
  wo->panSrcBands = CPLMalloc(sizeof(int));
  wo->panSrcBands[0] = band;
  wo->panDstBands = CPLMalloc(sizeof(int));
  wo->panDstBands[0] = 1;
  /* An alpha band (RGBA imagery) marks the transparent cells as no data. */
  for (int b = 1; b <= nb; b++)
    if (b != band && GDALGetRasterColorInterpretation(
                         GDALGetRasterBand(src, b)) == GCI_AlphaBand)
      wo->nSrcAlphaBand = b;
  wo->eResampleAlg = alg;
  wo->eWorkingDataType = GDT_Float32;
  wo->dfWarpMemoryLimit = 256.0 * 1024 * 1024;
  if (has_nd) {
    wo->padfSrcNoDataReal = CPLMalloc(sizeof(double));
    wo->padfSrcNoDataReal[0] = nd;
  }
  wo->padfDstNoDataReal = CPLMalloc(sizeof(double));
  wo->padfDstNoDataReal[0] = NAN;
  wo->papszWarpOptions =
      CSLSetNameValue(wo->papszWarpOptions, "INIT_DEST", "NO_DATA");
  char nthr[16];
  snprintf(nthr, sizeof nthr, "%d", omp_get_max_threads());
  wo->papszWarpOptions =
      CSLSetNameValue(wo->papszWarpOptions, "NUM_THREADS", nthr);
  topt = CSLSetNameValue(topt, "SRC_SRS", src_wkt);
  topt = CSLSetNameValue(topt, "DST_SRS", g->crs_wkt);
  CPLErrorReset();
  wo->pTransformerArg = GDALCreateGenImgProjTransformer2(src, dst, topt);
  if (!wo->pTransformerArg) {
    rc = ct_error_set(err, CT_ECRS,
                      "%s: no transformation from its CRS to the domain's (%s)",
                      label, ct__gdal_msg("PROJ found none"));
    goto out;
  }
  wo->pfnTransformer = GDALGenImgProjTransform;
  op = GDALCreateWarpOperation(wo);
  if (!op || GDALChunkAndWarpImage(op, 0, 0, g->nx, g->ny) != CE_None) {
    rc = ct_error_set(err, CT_EIO, "%s: warping onto the grid failed (%s)",
                      label, ct__gdal_msg("GDAL warper error"));
    goto out;
  }
  if (GDALRasterIO(db, GF_Read, 0, 0, g->nx, g->ny, out, g->nx, g->ny,
                   GDT_Float32, 0, 0) != CE_None) {
    rc = ct_error_set(err, CT_EIO, "%s: reading the warped raster failed (%s)",
                      label, ct__gdal_msg("GDAL error"));
    goto out;
  }
  /* A non-finite source value (NaN, inf in a float file without a NaN
   * nodata) interpolates to non-finite: it is no data too. So is an
   * undeclared fill value (-3.4e38...), and the cells it was interpolated
   * into: kept, it would pass for ground 1e38 m high (or deep). */
  size_t n = ct_grid_ncells(g), huge = 0;
  for (size_t k = 0; k < n; k++) {
    if (!isfinite(out[k])) {
      out[k] = NAN;
    } else if (fabsf(out[k]) >= (float)CT__RASTER_HUGE) {
      out[k] = NAN;
      huge++;
    }
  }
  if (nhuge) *nhuge = huge;
out:
  if (op) GDALDestroyWarpOperation(op);
  if (wo) {
    if (wo->pTransformerArg) GDALDestroyGenImgProjTransformer(wo->pTransformerArg);
    GDALDestroyWarpOptions(wo);
  }
  CSLDestroy(topt);
  if (dst) GDALClose(dst);
  free(src_wkt);
  return rc;
}

int ct_raster_warp(const char *path, const ct_grid *g, const ct_raster_opts *o,
                   float *out, ct_error *err) {
  if (!path || !g || !out)
    return ct_error_set(err, CT_EINVAL, "ct_raster_warp: missing argument");
  char label[1200];
  ct__layer_label(label, sizeof label, o ? o->name : NULL, path);
  ct__gis_begin();
  GDALDatasetH ds;
  int rc = ct__raster_open(path, label, &ds, err);
  if (!rc) {
    rc = ct__raster_warp_ds(ds, label, g, o, out, NULL, err);
    GDALClose(ds);
  }
  ct__gis_end();
  return rc;
}
