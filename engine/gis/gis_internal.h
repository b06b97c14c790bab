/* gis_internal.h - helpers shared by the files of engine/gis: one-time GDAL
 * registration, a quiet GDAL error handler (the engine never prints), and
 * spatial references built with the traditional GIS axis order. */
#ifndef CT_GIS_INTERNAL_H
#define CT_GIS_INTERNAL_H

#include <gdal.h>
#include <ogr_srs_api.h>

#include "citytwin/error.h"
#include "citytwin/grid.h"
#include "citytwin/layers.h"

/* Registers the GDAL drivers once (thread-safe) and silences GDAL's own
 * printing on this thread until ct__gis_end(); messages are read back with
 * ct__gdal_msg(). Every public entry point brackets its GDAL calls so. */
void ct__gis_begin(void);
void ct__gis_end(void);
/* The last GDAL error text, or fallback when GDAL said nothing. */
const char *ct__gdal_msg(const char *fallback);

/* An SRS from any spelling (EPSG:xxxx, WKT, PROJ string), traditional GIS
 * order; CT_ECRS naming the string when unknown. what prefixes the message
 * (e.g. "layer 'dem' (dem.tif)"), may be NULL. */
int ct__srs_new(const char *crs, const char *what, OGRSpatialReferenceH *out,
                ct_error *err);
/* A clone of an existing SRS with the traditional GIS order set. */
OGRSpatialReferenceH ct__srs_clone(OGRSpatialReferenceH s);
/* Exports to WKT (WKT1 when it can express the CRS, else WKT2:2019). */
int ct__srs_wkt(OGRSpatialReferenceH s, char **wkt, ct_error *err);

/* "layer 'name' (path)" or just "path" when no name, into buf. */
const char *ct__layer_label(char *buf, size_t n, const char *name,
                            const char *path);

/* Bounding box xmin ymin xmax ymax of a raster dataset transformed into the
 * SRS dst (densified edges, so curved edges are bounded too). src is the
 * raster's SRS. */
int ct__raster_extent(GDALDatasetH ds, OGRSpatialReferenceH src,
                      OGRSpatialReferenceH dst, double ext[4],
                      const char *label, ct_error *err);
/* The SRS of an open raster (the override when crs is not NULL), or an error
 * naming label when it has none. */
int ct__raster_srs(GDALDatasetH ds, const char *crs, const char *label,
                   OGRSpatialReferenceH *out, ct_error *err);

/* Opens a raster read-only: CT_ENOENT when the file is missing, CT_EFORMAT
 * when GDAL cannot read it as a raster. */
int ct__raster_open(const char *path, const char *label, GDALDatasetH *ds,
                    ct_error *err);
/* ct_raster_warp on an already open dataset; label names it in messages.
 * nhuge (may be NULL) receives the number of cells taken as no data for a
 * magnitude of CT__RASTER_HUGE or more. */
int ct__raster_warp_ds(GDALDatasetH ds, const char *label, const ct_grid *g,
                       const ct_raster_opts *o, float *out, size_t *nhuge,
                       ct_error *err);
/* No physical layer of the engine (ground, rain, land use, emissions...)
 * comes near this magnitude in SI units; values beyond it are fill values
 * the file does not declare as nodata (-3.4e38 = -FLT_MAX from ArcGIS,
 * 9.97e36 from netCDF, 1.7e38 from Surfer, +-1e30). */
#define CT__RASTER_HUGE 1e20

/* What ct__vector_read left out or found suspect, for the caller's
 * warnings. */
typedef struct ct__vector_notes {
  int degenerate;            /* features with lines of fewer than 2 vertices
                                or rings of fewer than 3 points, left out
                                whole or in part */
  long long degenerate_fid;  /* the first of them */
  int invalid;               /* polygon features GEOS finds invalid
                                (self-intersecting or crossing rings) */
  long long invalid_fid;
  int no_geom;               /* features without any geometry, left out */
  long long no_geom_fid;
} ct__vector_notes;
/* ct_vector_read filling notes (may be NULL). */
int ct__vector_read(const char *path, const char *source, const char *crs,
                    const ct_grid *g, const char *name, ct_vector *out,
                    ct__vector_notes *notes, ct_error *err);
/* 1 when a path names something that is not on the local file system
 * (GDAL virtual file systems /vsi..., connection strings), where a missing
 * file cannot be told apart from other failures before GDAL tries. */
int ct__is_virtual_path(const char *path);

#endif
