/* areas.c - areas above a threshold (e.g. PM2.5 above the air-quality
 * guideline): the cells above it are grouped into 4-connected regions, the
 * region labels are polygonised by GDAL (whose default connectivity is the
 * same 4, so one polygon per region, holes included), and each polygon goes
 * out as RFC 7946 GeoJSON with its area and its peak and mean value. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cpl_error.h>
#include <gdal_alg.h>

#include "export/export_internal.h"

#define EARTH_R 6371008.8

/* Area of cell row j: dx^2 in a projected grid; on the sphere in a
 * geographic one, R^2 dlon (sin lat_n - sin lat_s). */
static double cell_area(const ct__export *x, int j) {
  const ct_grid *g = x->g;
  if (!x->geographic) return fabs(g->gt[1] * g->gt[5]);
  const double d2r = M_PI / 180.0;
  double yn = g->gt[3] + j * g->gt[5], ys = yn + g->gt[5];
  return EARTH_R * EARTH_R * fabs(g->gt[1]) * d2r *
         fabs(sin(yn * d2r) - sin(ys * d2r));
}

/* Region labels 1..n of the 4-connected cells with v > thr (0 elsewhere),
 * by a breadth-first flood fill with one queue for the whole grid. Returns
 * the number of regions, or -1 when out of memory. */
static int label_regions(const ct_grid *g, const float *v, double thr,
                         int32_t *lab) {
  size_t n = ct_grid_ncells(g);
  size_t *queue = malloc(n * sizeof *queue);
  if (!queue) return -1;
  memset(lab, 0, n * sizeof *lab);
  int nreg = 0;
  for (size_t s = 0; s < n; s++) {
    if (lab[s] || !(v[s] > thr)) continue; /* NaN is never above */
    nreg++;
    size_t head = 0, tail = 0;
    queue[tail++] = s;
    lab[s] = nreg;
    while (head < tail) {
      size_t c = queue[head++];
      int i = (int)(c % (size_t)g->nx), j = (int)(c / (size_t)g->nx);
      size_t nb[4];
      int k = 0;
      if (i > 0) nb[k++] = c - 1;
      if (i + 1 < g->nx) nb[k++] = c + 1;
      if (j > 0) nb[k++] = c - (size_t)g->nx;
      if (j + 1 < g->ny) nb[k++] = c + (size_t)g->nx;
      for (int m = 0; m < k; m++)
        if (!lab[nb[m]] && v[nb[m]] > thr) {
          lab[nb[m]] = nreg;
          queue[tail++] = nb[m];
        }
    }
  }
  free(queue);
  return nreg;
}

typedef struct region {
  double area, vmax, vsum_area;
  long long cells;
} region;

int ct__export_areas(ct__export *x, ct__xlayer *l, const float *v,
                     double thr, double *area, ct_error *err) {
  const ct_grid *g = x->g;
  size_t n = ct_grid_ncells(g);
  int32_t *lab = malloc(n * sizeof *lab);
  region *reg = NULL;
  GDALDatasetH mem = NULL, vmem = NULL, ds = NULL;
  OGRLayerH out = NULL;
  int rc = CT_OK;
  if (!lab) return ct_error_set(err, CT_ENOMEM, "%s: out of memory", l->file);
  int nreg = label_regions(g, v, thr, lab);
  if (nreg < 0 ||
      !(reg = calloc((size_t)nreg + 1, sizeof *reg))) {
    free(lab);
    return ct_error_set(err, CT_ENOMEM, "%s: out of memory", l->file);
  }
  double total = 0.0;
  for (int j = 0; j < g->ny; j++) {
    double ca = cell_area(x, j);
    for (int i = 0; i < g->nx; i++) {
      size_t c = (size_t)j * (size_t)g->nx + (size_t)i;
      if (!lab[c]) continue;
      region *r = &reg[lab[c]];
      r->vmax = r->cells ? fmax(r->vmax, v[c]) : v[c];
      r->cells++;
      r->area += ca;
      r->vsum_area += ca * v[c];
    }
  }
  for (int k = 1; k <= nreg; k++) total += reg[k].area;

  if ((rc = ct__geojson_create(x, l, "exceedance", wkbPolygon, &ds, &out,
                               err)))
    goto done;
  const char *names[] = {"region", "area_m2", "max", "mean", "threshold"};
  OGRFieldType types[] = {OFTInteger, OFTReal, OFTReal, OFTReal, OFTReal};
  int fi[5];
  for (int k = 0; k < 5; k++) {
    OGRFieldDefnH d = OGR_Fld_Create(names[k], types[k]);
    OGRErr e = d ? OGR_L_CreateField(out, d, TRUE) : OGRERR_NOT_ENOUGH_MEMORY;
    if (d) OGR_Fld_Destroy(d);
    fi[k] = e == OGRERR_NONE
                ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(out), names[k])
                : -1;
    if (fi[k] < 0) {
      rc = ct_error_set(err, CT_EINTERNAL, "%s: cannot add field %s: %s",
                        l->file, names[k], ct__gdal_last("GDAL failed"));
      goto done;
    }
  }

  if (nreg > 0) {
    GDALDriverH rdrv = GDALGetDriverByName("MEM");
    GDALDriverH vdrv = GDALGetDriverByName("Memory");
    mem = rdrv ? GDALCreate(rdrv, "", g->nx, g->ny, 1, GDT_Int32, NULL) : NULL;
    vmem = vdrv ? GDALCreate(vdrv, "", 0, 0, 0, GDT_Unknown, NULL) : NULL;
    OGRLayerH poly = vmem ? GDALDatasetCreateLayer(vmem, "poly", x->srs,
                                                   wkbPolygon, NULL)
                          : NULL;
    OGRFieldDefnH d = OGR_Fld_Create("region", OFTInteger);
    int ok = mem && poly && d && OGR_L_CreateField(poly, d, TRUE) == OGRERR_NONE;
    if (d) OGR_Fld_Destroy(d);
    double gt[6];
    memcpy(gt, g->gt, sizeof gt);
    GDALRasterBandH b = ok ? GDALGetRasterBand(mem, 1) : NULL;
    if (!ok || GDALSetGeoTransform(mem, gt) != CE_None ||
        GDALSetRasterNoDataValue(b, 0.0) != CE_None ||
        GDALRasterIO(b, GF_Write, 0, 0, g->nx, g->ny, lab, g->nx, g->ny,
                     GDT_Int32, 0, 0) != CE_None ||
        GDALPolygonize(b, GDALGetMaskBand(b), poly, 0, NULL, NULL, NULL) !=
            CE_None) {
      rc = ct_error_set(err, CT_EINTERNAL, "%s: cannot polygonise the "
                        "regions: %s", l->file, ct__gdal_last("GDAL failed"));
      goto done;
    }
    OGR_L_ResetReading(poly);
    OGRFeatureH pf;
    while (!rc && (pf = OGR_L_GetNextFeature(poly)) != NULL) {
      int r = OGR_F_GetFieldAsInteger(pf, 0);
      OGRGeometryH gm = OGR_F_StealGeometry(pf);
      OGR_F_Destroy(pf);
      if (r < 1 || r > nreg || !gm) {
        if (gm) OGR_G_DestroyGeometry(gm);
        rc = ct_error_set(err, CT_EINTERNAL, "%s: polygon with region %d of "
                          "%d", l->file, r, nreg);
        break;
      }
      OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(out));
      if (!f) {
        OGR_G_DestroyGeometry(gm);
        rc = ct_error_set(err, CT_ENOMEM, "out of memory");
        break;
      }
      const region *q = &reg[r];
      OGR_F_SetFieldInteger(f, fi[0], r);
      OGR_F_SetFieldDouble(f, fi[1], round(q->area * 10.0) / 10.0);
      OGR_F_SetFieldDouble(f, fi[2], round(q->vmax * 1000.0) / 1000.0);
      OGR_F_SetFieldDouble(f, fi[3],
                           round(q->vsum_area / q->area * 1000.0) / 1000.0);
      OGR_F_SetFieldDouble(f, fi[4], thr);
      rc = ct__geojson_add(x, l, out, f, gm, err);
    }
  }

done:
  if (mem) GDALClose(mem);
  if (vmem) GDALClose(vmem);
  free(lab);
  free(reg);
  if (rc) {
    if (ds) GDALClose(ds);
    return rc;
  }
  *area = total;
  return ct__geojson_close(x, l, ds, err);
}
