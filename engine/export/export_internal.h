/* export_internal.h - what the files of engine/export share: the export in
 * progress (output folder, grid and its SRS, the list of layers written so
 * far for the manifest and for clean-up on failure) and the writers. */
#ifndef CT_EXPORT_INTERNAL_H
#define CT_EXPORT_INTERNAL_H

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include "citytwin/error.h"
#include "citytwin/export.h"
#include "citytwin/grid.h"
#include "citytwin/snapshot.h"

/* Nodata of the float32 GeoTIFFs: NaN is legal in GeoTIFF but several GIS
 * clients of an IOC mishandle it, so a plain sentinel. */
#define CT__EXPORT_NODATA (-9999.0)

enum { CT__KIND_COG = 1, CT__KIND_GEOJSON = 2 };

/* One file written, as the manifest lists it. */
typedef struct ct__xlayer {
  char file[512];      /* relative to the output folder, '/' separated */
  int kind;            /* CT__KIND_* */
  char field[64];      /* field the layer shows */
  char time[40];       /* ISO 8601 with offset, "max" or "static" */
  double t;            /* [s from start], NaN for max / static */
  char units[32];
  char what[128];      /* one-line description */
  double bbox[4];      /* xmin ymin xmax ymax in the grid CRS; NaN: empty */
  double bbox_wgs84[4];
  int nfeatures;       /* GeoJSON: features; COG: -1 */
  double threshold;    /* GeoJSON: the threshold applied; NaN otherwise */
  char sha256[65];
} ct__xlayer;

typedef struct ct__export {
  const char *dir;
  const ct_grid *g;
  OGRSpatialReferenceH srs;    /* the grid CRS, traditional GIS order */
  OGRSpatialReferenceH wgs84;  /* EPSG:4326, lon/lat */
  OGRCoordinateTransformationH to_wgs84;
  int geographic;              /* grid CRS in degrees */
  char crs[64];                /* "EPSG:nnnn", or "" when no code */
  int blocksize;
  ct__xlayer *layers;
  int nlayers, cap;
  char **dirs;                 /* folders this export created (clean-up) */
  int ndirs;
} ct__export;

/* Appends a layer record (zeroed, t and bbox NaN); NULL when out of memory. */
ct__xlayer *ct__export_add(ct__export *x, ct_error *err);
/* Creates DIR/sub when missing and remembers it for clean-up. */
int ct__export_subdir(ct__export *x, const char *sub, ct_error *err);
/* Full path of a relative file name into buf. */
void ct__export_path(const ct__export *x, const char *rel, char *buf,
                     size_t n);
/* Transforms the box b (grid CRS) to WGS 84 lon/lat in out (densified
 * edges); NaN box in, NaN box out. */
int ct__export_bbox_wgs84(const ct__export *x, const double b[4],
                          double out[4], ct_error *err);
/* The last GDAL message or fallback. */
const char *ct__gdal_last(const char *fallback);

/* GeoJSON output (RFC 7946): creates the file of l with one layer in WGS 84;
 * geometries given to ct__geojson_add are in the grid CRS, transformed here,
 * and extend l's boxes; ct__geojson_close finishes the file and its sha256.
 * The caller adds the attribute fields to *lyr after create. */
int ct__geojson_create(ct__export *x, ct__xlayer *l, const char *lname,
                       OGRwkbGeometryType type, GDALDatasetH *ds,
                       OGRLayerH *lyr, ct_error *err);
/* Takes ownership of geom; f holds the attributes and gets the geometry. */
int ct__geojson_add(ct__export *x, ct__xlayer *l, OGRLayerH lyr,
                    OGRFeatureH f, OGRGeometryH geom, ct_error *err);
int ct__geojson_close(ct__export *x, ct__xlayer *l, GDALDatasetH ds,
                      ct_error *err);

/* cog.c: writes data (nx*ny, NaN = no data) as a COG at layer l->file
 * (already filled: file, field, units, time); fills bbox and sha256. */
int ct__export_cog(ct__export *x, ct__xlayer *l, const float *data,
                   const char *long_name, ct_error *err);

/* roads.c: line geometry of the run, cut at cell edges. */
typedef struct ct__roads {
  int npts, nparts;
  double *xy;
  int *part;
  int *feature; /* per part: the road layer's feature */
  /* per feature, from the traffic model's link table when it ran on this
   * layer (else NULL): source id and name, and bridges, which the flood
   * passes under and so are left out */
  int nfeat;
  char **id, **name;
  unsigned char *bridge;
} ct__roads;
/* Fills feature, and id, name, bridge where the run's traffic_links table
 * describes this layer (traffic_roads names it). */
int ct__export_road_keys(ct_reader *r, const char *layer, ct__roads *rd,
                         ct_error *err);
void ct__export_roads_free(ct__roads *rd);
/* Writes the road segments whose cell depth is >= thr as GeoJSON to
 * l->file (file, field, time filled in); closure: depth at which the
 * property "closed" is true. Fills the rest of l; *len the total length. */
int ct__export_roads(ct__export *x, ct__xlayer *l, const ct__roads *rd,
                     const float *depth, double thr, double closure,
                     double *len, ct_error *err);

/* areas.c: polygons of the 4-connected regions where v > thr, as GeoJSON at
 * l->file; *area the total area [m2]. */
int ct__export_areas(ct__export *x, ct__xlayer *l, const float *v,
                     double thr, double *area, ct_error *err);

/* manifest.c: writes DIR/manifest.json (temporary name, then renamed). */
typedef struct ct__run_info {
  const char *path;
  char sha256[65];
  const char *scenario;
  const char *status;
  char start[40];              /* ISO 8601 with offset, or "" */
  const ct_export_opts *o;
  const char *air_units;
  const char *air_field;
} ct__run_info;
int ct__export_manifest(ct__export *x, const ct__run_info *ri, char *path,
                        size_t n, ct_error *err);

#endif
