/* layers.h - GIS input through GDAL/PROJ: rasters warped onto the domain
 * grid, vectors read with OGR and reprojected into the domain CRS (traditional
 * GIS axis order: x = easting/longitude), and a rasterise helper. */
#ifndef CITYTWIN_LAYERS_H
#define CITYTWIN_LAYERS_H

#include <stdint.h>
#include "citytwin/grid.h"
#include "citytwin/scenario.h"

/* --- rasters --- */

typedef struct ct_raster_opts {
  ct_resample resample;
  int band;              /* 1-based; 0 means 1 */
  int has_nodata;        /* override the file's nodata value */
  double nodata;
  const char *crs;       /* override the file's CRS, or NULL */
  const char *name;      /* layer name for messages, or NULL */
} ct_raster_opts;

/* Warps band of path onto g; out has nx*ny floats, NaN where no data (the
 * source's nodata, outside its extent, non-finite, or of magnitude 1e20 or
 * more: a fill value the file does not declare). */
int ct_raster_warp(const char *path, const ct_grid *g,
                   const ct_raster_opts *o, float *out, ct_error *err);
/* Writes v (nx*ny floats, NaN = no data) on g as a deflated, tiled
 * GeoTIFF with the grid's CRS; units and description may be NULL. */
int ct_raster_write(const char *path, const ct_grid *g, const float *v,
                    const char *units, const char *description,
                    ct_error *err);
/* The raster's own grid (CRS, geotransform, size) - for [domain] grid = X.
 * Fails for rotated rasters or non-square cells. */
int ct_raster_grid(const char *path, const char *crs_override, ct_grid *g,
                   ct_error *err);
/* Number of bands, and the raster's extent transformed into g's CRS. */
int ct_raster_probe(const char *path, const char *crs_override,
                    const ct_grid *g, int *nbands, double extent[4],
                    ct_error *err);

/* The valid times and units of a raster's bands, for forecast stacks. */
enum { CT_TIMES_NONE, CT_TIMES_GRIB, CT_TIMES_NETCDF };
typedef struct ct_band_times {
  int nbands;
  int source;      /* CT_TIMES_*: where the times came from */
  double *t;       /* nbands valid times (Unix s), NaN where a band has none */
  char units[64];  /* band 1's units as the file states them, "" if none */
} ct_band_times;

/* A GRIB band's valid time (GRIB_VALID_TIME), else the netCDF time
 * coordinate (NETCDF_DIM_time in time#units); units from GRIB_UNIT (without
 * its brackets) or the band's unit type. Free with ct_band_times_free. */
int ct_raster_band_times(const char *path, ct_band_times *bt, ct_error *err);
void ct_band_times_free(ct_band_times *bt);

/* --- vectors --- */

enum { CT_GEOM_POINT = 1, CT_GEOM_LINE = 2, CT_GEOM_POLYGON = 3 };

typedef struct ct_feature {
  int type;          /* CT_GEOM_*; multi-geometries become several parts */
  int npts;          /* points in xy */
  double *xy;        /* x0 y0 x1 y1 ... in the domain CRS */
  int nparts;
  int *part;         /* nparts+1 offsets into points; polygon parts are rings
                        (first ring of a polygon the outer; ring_outer marks) */
  unsigned char *ring_outer; /* per part: 1 outer ring, 0 hole (polygons) */
  long long fid;
  char **attr;       /* one value per field as text, NULL when unset */
} ct_feature;

typedef struct ct_vector {
  char *name;        /* layer name (scenario) */
  char *path;
  int nfields;
  char **fields;     /* attribute names */
  int nfeat;
  ct_feature *feat;
} ct_vector;

/* Reads every feature of an OGR layer (source NULL: the only layer, or
 * "lines" for .osm.pbf) and reprojects it into g's CRS. Features without
 * geometry are skipped; a layer with none at all is an error. */
int ct_vector_read(const char *path, const char *source, const char *crs,
                   const ct_grid *g, const char *name, ct_vector *out,
                   ct_error *err);
void ct_vector_free(ct_vector *v);
/* Field index or -1; attribute text or NULL. */
int ct_vector_field(const ct_vector *v, const char *field);
const char *ct_feature_attr(const ct_vector *v, const ct_feature *f,
                            const char *field);

/* Burns value into out (nx*ny) where features touch cells: points their cell,
 * lines every cell they cross, polygons cells whose centre is inside. */
int ct_rasterise(const ct_vector *v, const ct_grid *g, float value, float *out,
                 ct_error *err);
/* 1 if (x, y) lies inside the polygon feature (even-odd over its rings). */
int ct_feature_contains(const ct_feature *f, double x, double y);

/* Transforms n points in place between two CRSs (any PROJ/GDAL spelling or
 * WKT), traditional GIS order. */
int ct_transform_points(const char *from, const char *to, int n, double *x,
                        double *y, ct_error *err);
/* Normalises a CRS spelling to WKT (malloc'd); CT_ECRS when unknown. */
int ct_crs_to_wkt(const char *crs, char **wkt, ct_error *err);
/* CT_OK when crs is projected in metres (the grid's cells, lengths and
 * areas are metres); else CT_ECRS saying what it is instead. */
int ct_crs_require_metres(const char *crs, ct_error *err);

/* --- the loaded layers of a scenario --- */

typedef struct ct_layer {
  char *name;
  int is_vector;
  float *raster;     /* on the grid, NaN = no data (rasters) */
  ct_vector vec;     /* (vectors) */
  char sha256[65];   /* of the source file */
  const ct_layer_spec *spec;
  /* what the values are in: [layer] units, else the raster band's own unit
   * type (GDAL), else NULL (malloc'd) */
  char *units;
} ct_layer;

typedef struct ct_layers {
  int n;
  ct_layer *l;
} ct_layers;

/* Loads every layer of the scenario onto g; warn (may be NULL) receives
 * warnings such as a layer covering only part of the domain. */
int ct_layers_load(ct_layers *ls, const ct_scenario *sc, const ct_grid *g,
                   void (*warn)(void *ud, const char *msg), void *ud,
                   ct_error *err);
void ct_layers_free(ct_layers *ls);
const ct_layer *ct_layers_find(const ct_layers *ls, const char *name);
/* The raster of a named layer, or NULL with an error naming the layer. */
const float *ct_layers_raster(const ct_layers *ls, const char *name,
                              ct_error *err);
const ct_vector *ct_layers_vector(const ct_layers *ls, const char *name,
                                  ct_error *err);

#endif
