/* layers.c - loading every [layers] entry of a scenario onto the domain
 * grid: raster or vector decided by GDAL, checksums of the inputs, and the
 * check that each layer overlaps the domain. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "citytwin/layers.h"
#include "citytwin/util.h"
#include "gis/gis_internal.h"

#include <cpl_error.h>

/* Area of the box a (xmin ymin xmax ymax) inside the box b. */
static double overlap_area(const double a[4], const double b[4]) {
  double w = fmin(a[2], b[2]) - fmax(a[0], b[0]);
  double h = fmin(a[3], b[3]) - fmax(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

static void warnf(void (*warn)(void *, const char *), void *ud,
                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warnf(void (*warn)(void *, const char *), void *ud,
                  const char *fmt, ...) {
  if (!warn) return;
  char msg[1600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  warn(ud, msg);
}

static int load_raster(ct_layer *L, GDALDatasetH ds, const ct_layer_spec *sp,
                       const ct_grid *g, const char *label,
                       void (*warn)(void *, const char *), void *ud,
                       ct_error *err) {
  double dom[4], ext[4];
  ct_grid_bounds(g, dom);
  OGRSpatialReferenceH src = NULL, dst = NULL;
  int rc = ct__raster_srs(ds, sp->crs, label, &src, err);
  if (!rc) rc = ct__srs_new(g->crs_wkt, "domain", &dst, err);
  if (!rc) rc = ct__raster_extent(ds, src, dst, ext, label, err);
  if (src) OSRDestroySpatialReference(src);
  if (dst) OSRDestroySpatialReference(dst);
  if (rc) return rc;
  double area = (dom[2] - dom[0]) * (dom[3] - dom[1]);
  double cover = overlap_area(ext, dom) / area;
  if (!(cover > 0))
    return ct_error_set(err, CT_ERANGE,
                        "%s: covers none of the domain (its extent %.10g %.10g "
                        "%.10g %.10g, the domain %.10g %.10g %.10g %.10g, in the "
                        "domain CRS); wrong file or wrong crs?",
                        label, ext[0], ext[1], ext[2], ext[3], dom[0], dom[1],
                        dom[2], dom[3]);
  if (cover < 1 - 1e-9)
    warnf(warn, ud,
          "%s: covers only %.1f%% of the domain; the rest is no data", label,
          100 * cover);
  size_t n = ct_grid_ncells(g);
  L->raster = ct_alloc_aligned(n * sizeof(float));
  if (!L->raster)
    return ct_error_set(err, CT_ENOMEM, "%s: out of memory for %zu cells",
                        label, n);
  ct_raster_opts o = {sp->resample, sp->band, sp->has_nodata, sp->nodata,
                      sp->crs, sp->name};
  size_t huge = 0;
  rc = ct__raster_warp_ds(ds, label, g, &o, L->raster, &huge, err);
  if (rc) return rc;
  if (huge)
    warnf(warn, ud,
          "%s: %zu cell(s) hold values of magnitude %g or more, taken as no "
          "data (a fill value such as -3.4e38 the file does not declare? say "
          "so with nodata = ... in its [layer] section)",
          label, huge, CT__RASTER_HUGE);
  size_t valid = 0;
  for (size_t k = 0; k < n; k++) valid += !isnan(L->raster[k]);
  if (!valid)
    warnf(warn, ud, "%s: has no data anywhere in the domain (all nodata)",
          label);
  /* A drains raster in mm/h must not reach the run file as "1". */
  const char *u = sp->units ? sp->units
                            : GDALGetRasterUnitType(
                                  GDALGetRasterBand(ds, sp->band > 0 ? sp->band : 1));
  while (u && (*u == ' ' || *u == '\t')) u++;
  if (u && *u && !(L->units = strdup(u)))
    return ct_error_set(err, CT_ENOMEM, "%s: out of memory", label);
  return CT_OK;
}

static int load_vector(ct_layer *L, const ct_layer_spec *sp, const ct_grid *g,
                       const char *label, void (*warn)(void *, const char *),
                       void *ud, ct_error *err) {
  L->is_vector = 1;
  ct__vector_notes notes;
  int rc = ct__vector_read(sp->path, sp->source, sp->crs, g, sp->name,
                           &L->vec, &notes, err);
  if (rc) return rc;
  if (notes.degenerate)
    warnf(warn, ud,
          "%s: %d feature%s with lines of fewer than 2 vertices or polygon "
          "rings of fewer than 3 points (left out, whole or in part; the "
          "first is fid %lld)",
          label, notes.degenerate, notes.degenerate == 1 ? "" : "s",
          notes.degenerate_fid);
  if (notes.no_geom)
    warnf(warn, ud, "%s: %d feature%s without a geometry left out (the first "
          "is fid %lld)", label, notes.no_geom, notes.no_geom == 1 ? "" : "s",
          notes.no_geom_fid);
  if (notes.invalid)
    warnf(warn, ud,
          "%s: %d polygon%s not valid: self-intersecting or crossing rings "
          "(the first is fid %lld); cells count as inside by the even-odd "
          "rule, which may not be what was meant",
          label, notes.invalid, notes.invalid == 1 ? " is" : "s are",
          notes.invalid_fid);
  double dom[4];
  ct_grid_bounds(g, dom);
  int outside = 0;
  double ext[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
  for (int n = 0; n < L->vec.nfeat; n++) {
    const ct_feature *f = &L->vec.feat[n];
    double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (int k = 0; k < f->npts; k++) {
      b[0] = fmin(b[0], f->xy[2 * k]), b[2] = fmax(b[2], f->xy[2 * k]);
      b[1] = fmin(b[1], f->xy[2 * k + 1]), b[3] = fmax(b[3], f->xy[2 * k + 1]);
    }
    for (int c = 0; c < 2; c++) ext[c] = fmin(ext[c], b[c]);
    for (int c = 2; c < 4; c++) ext[c] = fmax(ext[c], b[c]);
    outside += !(b[0] <= dom[2] && b[2] >= dom[0] && b[1] <= dom[3] &&
                 b[3] >= dom[1]);
  }
  if (outside == L->vec.nfeat)
    return ct_error_set(err, CT_ERANGE,
                        "%s: covers none of the domain (its %d features span "
                        "%.10g %.10g %.10g %.10g, the domain is %.10g %.10g "
                        "%.10g %.10g, in the domain CRS); wrong file or wrong "
                        "crs?",
                        label, L->vec.nfeat, ext[0], ext[1], ext[2], ext[3],
                        dom[0], dom[1], dom[2], dom[3]);
  if (outside)
    warnf(warn, ud, "%s: %d of its %d features lie outside the domain", label,
          outside, L->vec.nfeat);
  return CT_OK;
}

static int load_one(ct_layer *L, const ct_layer_spec *sp, const ct_grid *g,
                    void (*warn)(void *, const char *), void *ud,
                    ct_error *err) {
  char label[1200];
  ct__layer_label(label, sizeof label, sp->name, sp->path);
  struct stat st;
  int local = !ct__is_virtual_path(sp->path);
  if (local && stat(sp->path, &st) != 0)
    return ct_error_set(err, errno == ENOENT ? CT_ENOENT : CT_EIO,
                        "%s: cannot open: %s", label, strerror(errno));
  if (local && S_ISREG(st.st_mode) && st.st_size == 0)
    return ct_error_set(err, CT_EFORMAT,
                        "%s: the file is empty (0 bytes): an interrupted "
                        "download or copy?",
                        label);
  if (local && S_ISREG(st.st_mode)) {
    int rc = ct_sha256_file(sp->path, L->sha256, err);
    if (rc) return ct_error_prefix(err, "layer '%s'", sp->name);
  }
  /* A named source layer means a vector inside a container (GeoPackage,
   * .osm.pbf); otherwise GDAL tells raster from vector. */
  GDALDatasetH ds = NULL;
  if (!sp->source) {
    CPLErrorReset();
    ds = GDALOpenEx(sp->path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL,
                    NULL);
  }
  if (ds && GDALGetRasterCount(ds) > 0) {
    int rc = load_raster(L, ds, sp, g, label, warn, ud, err);
    GDALClose(ds);
    return rc;
  }
  if (ds) GDALClose(ds);
  CPLErrorReset();
  ds = GDALOpenEx(sp->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL,
                  NULL);
  /* A folder can be a dataset (a shapefile folder, a .gdb); when it is
   * not, say so rather than "unrecognised format". */
  if (!ds && local && S_ISDIR(st.st_mode))
    return ct_error_set(err, CT_EINVAL,
                        "%s: is a folder that GDAL cannot read as a dataset; "
                        "name a file in it",
                        label);
  if (!ds)
    return ct_error_set(err, CT_EFORMAT,
                        "%s: neither a raster nor a vector file GDAL can read "
                        "(%s)",
                        label, ct__gdal_msg("unrecognised format"));
  GDALClose(ds);
  return load_vector(L, sp, g, label, warn, ud, err);
}

int ct_layers_load(ct_layers *ls, const ct_scenario *sc, const ct_grid *g,
                   void (*warn)(void *ud, const char *msg), void *ud,
                   ct_error *err) {
  memset(ls, 0, sizeof *ls);
  if (sc->nlayers <= 0) return CT_OK;
  ls->l = calloc((size_t)sc->nlayers, sizeof *ls->l);
  if (!ls->l) return ct_error_set(err, CT_ENOMEM, "out of memory");
  ct__gis_begin();
  int rc = CT_OK;
  for (int k = 0; k < sc->nlayers && !rc; k++) {
    const ct_layer_spec *sp = &sc->layers[k];
    ct_layer *L = &ls->l[k];
    ls->n = k + 1;
    L->spec = sp;
    L->name = strdup(sp->name);
    if (!L->name) {
      rc = ct_error_set(err, CT_ENOMEM, "out of memory");
      break;
    }
    rc = load_one(L, sp, g, warn, ud, err);
  }
  ct__gis_end();
  if (rc) ct_layers_free(ls);
  return rc;
}

void ct_layers_free(ct_layers *ls) {
  if (!ls) return;
  for (int k = 0; k < ls->n; k++) {
    free(ls->l[k].name);
    free(ls->l[k].units);
    ct_free_aligned(ls->l[k].raster);
    ct_vector_free(&ls->l[k].vec);
  }
  free(ls->l);
  memset(ls, 0, sizeof *ls);
}

const ct_layer *ct_layers_find(const ct_layers *ls, const char *name) {
  if (!ls || !name) return NULL;
  for (int k = 0; k < ls->n; k++)
    if (ls->l[k].name && strcmp(ls->l[k].name, name) == 0) return &ls->l[k];
  return NULL;
}

const float *ct_layers_raster(const ct_layers *ls, const char *name,
                              ct_error *err) {
  const ct_layer *L = ct_layers_find(ls, name);
  if (!L) {
    ct_error_set(err, CT_ENOENT, "no layer '%s' in [layers]", name);
    return NULL;
  }
  if (L->is_vector || !L->raster) {
    ct_error_set(err, CT_EINVAL,
                 "layer '%s' (%s) is a vector layer where a raster is needed",
                 name, L->spec ? L->spec->path : "?");
    return NULL;
  }
  return L->raster;
}

const ct_vector *ct_layers_vector(const ct_layers *ls, const char *name,
                                  ct_error *err) {
  const ct_layer *L = ct_layers_find(ls, name);
  if (!L) {
    ct_error_set(err, CT_ENOENT, "no layer '%s' in [layers]", name);
    return NULL;
  }
  if (!L->is_vector) {
    ct_error_set(err, CT_EINVAL,
                 "layer '%s' (%s) is a raster layer where a vector is needed",
                 name, L->spec ? L->spec->path : "?");
    return NULL;
  }
  return &L->vec;
}
