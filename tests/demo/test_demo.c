/* test_demo.c - the demo city: makes it into a temporary folder and checks
 * with GDAL/OGR and PROJ what a user and the models rely on: grid and CRS,
 * where it lies on Earth, the river and its tidal mouth, the elevations of
 * the low districts and the terrace, land-use codes, drains, a connected
 * road network with shared junctions and bridges, the points, the storm and
 * tide series, the scenario files, determinism, and bad folders. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <omp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <proj.h>
#include "ct_test.h"
#include "citytwin/demo.h"
#include "citytwin/scenario.h"
#include "citytwin/util.h"
#include "demo/demo_internal.h"

#define NX 600
#define NY 500
#define XMIN 680000.0
#define YMAX 1196000.0

typedef struct grid_in {
  int nx, ny;
  double gt[6];
  char epsg[16];
  int has_nodata;
  double nodata;
  float *f;
} grid_in;

/* Reads band 1 as float32 with its georeferencing. */
static int read_raster(const char *path, grid_in *g) {
  memset(g, 0, sizeof *g);
  GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
  if (!ds) {
    fprintf(stderr, "cannot open %s\n", path);
    return -1;
  }
  g->nx = GDALGetRasterXSize(ds);
  g->ny = GDALGetRasterYSize(ds);
  GDALGetGeoTransform(ds, g->gt);
  OGRSpatialReferenceH srs = GDALGetSpatialRef(ds);
  const char *code = srs ? OSRGetAuthorityCode(srs, NULL) : NULL;
  snprintf(g->epsg, sizeof g->epsg, "%s", code ? code : "");
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  g->nodata = GDALGetRasterNoDataValue(b, &g->has_nodata);
  g->f = malloc((size_t)g->nx * g->ny * sizeof(float));
  int rc = GDALRasterIO(b, GF_Read, 0, 0, g->nx, g->ny, g->f, g->nx, g->ny,
                        GDT_Float32, 0, 0) == CE_None
               ? 0
               : -1;
  GDALClose(ds);
  return rc;
}

static long cell_of(double x, double y) {
  int i = (int)floor((x - XMIN) / 20), j = (int)floor((YMAX - y) / 20);
  if (i < 0 || j < 0 || i >= NX || j >= NY) return -1;
  return (long)j * NX + i;
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static int rm_entry(const char *p, const struct stat *st, int flag,
                    struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

static void join(char *buf, size_t n, const char *dir, const char *rel) {
  snprintf(buf, n, "%s/%s", dir, rel);
}

/* --- the rasters --- */

static void check_rasters(const char *dir, grid_in *dem, grid_in *lu) {
  char p[4096];
  join(p, sizeof p, dir, "data/dem.tif");
  CHECK(read_raster(p, dem) == 0);
  join(p, sizeof p, dir, "data/landuse.tif");
  CHECK(read_raster(p, lu) == 0);
  if (!dem->f || !lu->f) return;
  CHECK(dem->nx == NX && dem->ny == NY);
  CHECK(lu->nx == NX && lu->ny == NY);
  /* The geotransform is written as exact numbers: no tolerance needed. */
  CHECK(dem->gt[0] == XMIN && dem->gt[3] == YMAX);
  CHECK(dem->gt[1] == 20.0 && dem->gt[5] == -20.0);
  CHECK(dem->gt[2] == 0 && dem->gt[4] == 0);
  CHECK(strcmp(dem->epsg, "32648") == 0);
  CHECK(memcmp(dem->gt, lu->gt, sizeof dem->gt) == 0);
  CHECK(strcmp(lu->epsg, "32648") == 0);
  CHECK(dem->has_nodata && dem->nodata == -9999.0);

  /* Where it lies: the centre within 5 km of 10.77 N 106.70 E (the brief's
     "near"), through PROJ, not our own formulas. */
  PJ_CONTEXT *ctx = proj_context_create();
  PJ *raw = proj_create_crs_to_crs(ctx, "EPSG:32648", "EPSG:4326", NULL);
  PJ *tr = raw ? proj_normalize_for_visualization(ctx, raw) : NULL;
  CHECK(tr != NULL);
  if (tr) {
    double cx = dem->gt[0] + 0.5 * NX * 20, cy = dem->gt[3] - 0.5 * NY * 20;
    PJ_COORD c = proj_trans(tr, PJ_FWD, proj_coord(cx, cy, 0, 0));
    double lon = c.lp.lam, lat = c.lp.phi, R = 6371.0;
    double dlat = (lat - 10.77) * M_PI / 180, dlon = (lon - 106.70) * M_PI / 180;
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(lat * M_PI / 180) * cos(10.77 * M_PI / 180) *
                   sin(dlon / 2) * sin(dlon / 2);
    double km = 2 * R * asin(sqrt(a));
    CHECK_NEAR(km, 0, 5.0);
    proj_destroy(tr);
  }
  if (raw) proj_destroy(raw);
  proj_context_destroy(ctx);

  size_t n = (size_t)NX * NY;
  int hist[256] = {0}, holes = 0, bad_water = 0, deep_land = 0;
  float zmin = INFINITY, zmax = -INFINITY;
  long imax = 0;
  for (size_t q = 0; q < n; q++) {
    float z = dem->f[q];
    int c = (int)lu->f[q];
    if (!isfinite(z) || z == -9999.0f) holes++;
    hist[c & 255]++;
    /* River and canal beds: the bank toe is 0.5-0.8 m below datum. */
    if (c == CT__LU_WATER && !(z < 0)) bad_water++;
    /* Land never reaches below the toe of a bank ramp (-0.8 m). */
    if (c != CT__LU_WATER && z < -1.0f) deep_land++;
    if (z < zmin) zmin = z;
    if (z > zmax) {
      zmax = z;
      imax = (long)q;
    }
  }
  CHECK(holes == 0);
  CHECK(bad_water == 0);
  CHECK(deep_land == 0);
  CHECK(hist[0] == 0);
  for (int c = 1; c <= 7; c++) CHECK(hist[c] > 100); /* every class appears */
  for (int c = 8; c < 256; c++) CHECK(hist[c] == 0);
  /* River bed "a few metres below datum": 3-4.5 m deep by design. */
  CHECK(zmin < -2.0f && zmin > -6.0f);
  /* The terrace: ~15 m, highest in the north-east quadrant. */
  CHECK_NEAR(zmax, 15.0, 2.0);
  CHECK(imax % NX >= NX / 2 && imax / NX < NY / 2);

  /* Low districts: land (not water, not raised roads) in the south half
     has its median in 0.5-3 m and nothing below 0.3 m. */
  float *v = malloc(n * sizeof *v);
  size_t m = 0;
  for (int j = NY / 2; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      size_t q = (size_t)j * NX + i;
      int c = (int)lu->f[q];
      if (c == CT__LU_WATER || c == CT__LU_ROAD) continue;
      /* Bank ramps are part of the channel. */
      if (dem->f[q] < 0.29f) continue;
      v[m++] = dem->f[q];
    }
  qsort(v, m, sizeof *v, cmp_float);
  CHECK(m > n / 4);
  if (m) {
    CHECK(v[m / 2] >= 0.5f && v[m / 2] <= 3.0f);
    CHECK(v[m / 20] >= 0.3f); /* 5th percentile */
  }
  /* No land away from the channels' bank ramps (one cell) lies below
     0.8 m, the level the scenarios start the channels at: no district is
     flooded at t = 0. */
  int sunk = 0;
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      size_t q = (size_t)j * NX + i;
      if ((int)lu->f[q] == CT__LU_WATER || dem->f[q] >= 0.8f) continue;
      int near = 0;
      for (int b = j - 2; b <= j + 2; b++)
        for (int a = i - 2; a <= i + 2; a++)
          if (a >= 0 && b >= 0 && a < NX && b < NY &&
              (int)lu->f[(size_t)b * NX + a] == CT__LU_WATER)
            near = 1;
      sunk += !near;
    }
  CHECK(sunk == 0);
  /* The north-east quadrant rises: its median is well above the plain. */
  m = 0;
  for (int j = 0; j < NY / 2; j++)
    for (int i = NX / 2; i < NX; i++) v[m++] = dem->f[(size_t)j * NX + i];
  qsort(v, m, sizeof *v, cmp_float);
  CHECK(v[m / 2] > 4.0f);
  free(v);

  /* The river reaches the tidal boundary (south edge) with a mouth at least
     140 m wide, enters at the north edge, and is one connected body. */
  int south = 0, north = 0;
  for (int i = 0; i < NX; i++) {
    south += (int)lu->f[(size_t)(NY - 1) * NX + i] == CT__LU_WATER &&
             dem->f[(size_t)(NY - 1) * NX + i] < -1.0f;
    north += (int)lu->f[i] == CT__LU_WATER;
  }
  CHECK(south >= 7 && north >= 7);
  long *stack = malloc(n * sizeof *stack);
  uint8_t *seen = calloc(n, 1);
  long top = 0, reached = 0, water = hist[CT__LU_WATER];
  for (int i = 0; i < NX; i++) {
    long q = (long)(NY - 1) * NX + i;
    if ((int)lu->f[q] == CT__LU_WATER) {
      seen[q] = 1;
      stack[top++] = q;
    }
  }
  while (top) {
    long q = stack[--top];
    reached++;
    int i = (int)(q % NX), j = (int)(q / NX);
    const int di[4] = {1, -1, 0, 0}, dj[4] = {0, 0, 1, -1};
    for (int k = 0; k < 4; k++) {
      int a = i + di[k], b = j + dj[k];
      if (a < 0 || b < 0 || a >= NX || b >= NY) continue;
      long r = (long)b * NX + a;
      if (!seen[r] && (int)lu->f[r] == CT__LU_WATER) {
        seen[r] = 1;
        stack[top++] = r;
      }
    }
  }
  CHECK(reached == water);
  free(stack);
  free(seen);

  /* Drains: 0 under water, parks and open land; the core 30-40 mm/h; the
     rest 10-40 mm/h (by district). */
  grid_in dr;
  join(p, sizeof p, dir, "data/drains.tif");
  CHECK(read_raster(p, &dr) == 0);
  if (dr.f) {
    int bad = 0;
    for (size_t q = 0; q < n; q++) {
      int c = (int)lu->f[q];
      float d = dr.f[q];
      if (c == CT__LU_WATER || c == CT__LU_GREEN || c == CT__LU_BARE)
        bad += d != 0;
      else if (c == CT__LU_DENSE)
        bad += d < 30 || d > 40;
      else
        bad += d < 10 || d > 40;
    }
    CHECK(bad == 0);
    CHECK(memcmp(dr.gt, dem->gt, sizeof dr.gt) == 0);
  }
  free(dr.f);
}

/* --- the roads --- */

typedef struct endpt {
  double x, y;
  int link, out; /* out: traffic may leave the junction along this link */
  int in;
} endpt;

static int cmp_endpt(const void *a, const void *b) {
  const endpt *p = a, *q = b;
  if (p->x != q->x) return p->x < q->x ? -1 : 1;
  if (p->y != q->y) return p->y < q->y ? -1 : 1;
  return 0;
}

static int uf_find(int *par, int x) {
  while (par[x] != x) x = par[x] = par[par[x]];
  return x;
}

/* Water length [m] along a line, sampled every 2 m. */
static double wet_length(OGRGeometryH g, const grid_in *lu) {
  double wet = 0;
  int np = OGR_G_GetPointCount(g);
  for (int k = 0; k + 1 < np; k++) {
    double x0 = OGR_G_GetX(g, k), y0 = OGR_G_GetY(g, k);
    double x1 = OGR_G_GetX(g, k + 1), y1 = OGR_G_GetY(g, k + 1);
    double len = hypot(x1 - x0, y1 - y0);
    int m = (int)ceil(len / 2);
    for (int s = 0; s < m; s++) {
      double t = (s + 0.5) / m;
      long q = cell_of(x0 + t * (x1 - x0), y0 + t * (y1 - y0));
      if (q >= 0 && (int)lu->f[q] == CT__LU_WATER) wet += len / m;
    }
  }
  return wet;
}

static void check_roads(const char *dir, const grid_in *lu, int *nlinks) {
  char p[4096];
  join(p, sizeof p, dir, "data/roads.gpkg");
  GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
  CHECK(ds != NULL);
  if (!ds) return;
  OGRLayerH L = GDALDatasetGetLayerByName(ds, "roads");
  CHECK(L != NULL);
  if (!L) {
    GDALClose(ds);
    return;
  }
  OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(L);
  const char *code = srs ? OSRGetAuthorityCode(srs, NULL) : NULL;
  CHECK(code && strcmp(code, "32648") == 0);
  int n = (int)OGR_L_GetFeatureCount(L, TRUE);
  *nlinks = n;
  CHECK(n > 300);
  endpt *ep = malloc(2 * (size_t)n * sizeof *ep);
  char (*ids)[16] = calloc((size_t)n, sizeof *ids);
  int k = 0, bad_attr = 0, bad_geom = 0, bridges = 0, river_bridges = 0;
  int dry_bridge = 0, wet_road = 0, oneway = 0;
  int cls_count[4] = {0};
  static const char *const classes[] = {"primary", "secondary", "tertiary",
                                        "residential"};
  OGRFeatureDefnH def = OGR_L_GetLayerDefn(L);
  int fi = OGR_FD_GetFieldIndex(def, "id"), fn = OGR_FD_GetFieldIndex(def, "name");
  int fh = OGR_FD_GetFieldIndex(def, "highway");
  int fl = OGR_FD_GetFieldIndex(def, "lanes");
  int fs = OGR_FD_GetFieldIndex(def, "maxspeed");
  int fo = OGR_FD_GetFieldIndex(def, "oneway");
  int fb = OGR_FD_GetFieldIndex(def, "bridge");
  CHECK(fi >= 0 && fn >= 0 && fh >= 0 && fl >= 0 && fs >= 0 && fo >= 0 &&
        fb >= 0);
  OGR_L_ResetReading(L);
  OGRFeatureH f;
  while ((f = OGR_L_GetNextFeature(L)) && k < n) {
    int cls = -1;
    for (int c = 0; c < 4; c++)
      if (OGR_F_IsFieldSetAndNotNull(f, fh) &&
          strcmp(OGR_F_GetFieldAsString(f, fh), classes[c]) == 0)
        cls = c;
    const char *id = OGR_F_GetFieldAsString(f, fi);
    int lanes = OGR_F_GetFieldAsInteger(f, fl);
    int vmax = OGR_F_GetFieldAsInteger(f, fs);
    int ow = OGR_F_GetFieldAsInteger(f, fo), br = OGR_F_GetFieldAsInteger(f, fb);
    int ok = cls >= 0 && OGR_F_IsFieldSetAndNotNull(f, fi) &&
             OGR_F_IsFieldSetAndNotNull(f, fn) &&
             OGR_F_IsFieldSetAndNotNull(f, fl) &&
             OGR_F_IsFieldSetAndNotNull(f, fs) &&
             OGR_F_IsFieldSetAndNotNull(f, fo) && strlen(id) == 5 &&
             id[0] == 'R' && strspn(id + 1, "0123456789") == 4 &&
             strlen(OGR_F_GetFieldAsString(f, fn)) > 2 && lanes >= 1 &&
             lanes <= 8 && vmax >= 20 && vmax <= 80 && (ow == 0 || ow == 1) &&
             (br == 0 || br == 1);
    bad_attr += !ok;
    if (cls >= 0) cls_count[cls]++;
    snprintf(ids[k], sizeof ids[k], "%s", id);
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    if (!g || wkbFlatten(OGR_G_GetGeometryType(g)) != wkbLineString ||
        OGR_G_GetPointCount(g) < 2) {
      bad_geom++;
      OGR_F_Destroy(f);
      continue;
    }
    int np = OGR_G_GetPointCount(g);
    for (int q = 0; q < np; q++)
      if (cell_of(OGR_G_GetX(g, q), OGR_G_GetY(g, q)) < 0) bad_geom++;
    /* A bridge crosses water; any other road stays off it but for clipping
       the corner of a water cell (< 10 m, half a cell). */
    double wet = wet_length(g, lu);
    if (br) {
      bridges++;
      dry_bridge += wet == 0;
      river_bridges += cls == 0 && wet > 60;
    } else {
      wet_road += wet >= 10;
    }
    oneway += ow;
    ep[2 * k] = (endpt){OGR_G_GetX(g, 0), OGR_G_GetY(g, 0), k, 1, !ow};
    ep[2 * k + 1] =
        (endpt){OGR_G_GetX(g, np - 1), OGR_G_GetY(g, np - 1), k, !ow, 1};
    k++;
    OGR_F_Destroy(f);
  }
  if (f) OGR_F_Destroy(f);
  CHECK(k == n);
  CHECK(bad_attr == 0);
  CHECK(bad_geom == 0);
  for (int c = 0; c < 4; c++) CHECK(cls_count[c] > 20);
  /* "Bridges across the river on a few arterials". */
  CHECK(river_bridges >= 3);
  CHECK(dry_bridge == 0);
  CHECK(wet_road == 0);
  CHECK(oneway > 10);
  /* Unique ids. */
  int dup = 0;
  for (int a = 0; a < k; a++)
    for (int b = a + 1; b < k; b++) dup += strcmp(ids[a], ids[b]) == 0;
  CHECK(dup == 0);

  /* Junctions: links meeting there share the exact same coordinates. Every
     junction can be entered and left (one-way streets make no trap), and
     the network is one connected piece. */
  int ne = 2 * k, *par = malloc((size_t)k * sizeof *par);
  for (int a = 0; a < k; a++) par[a] = a;
  qsort(ep, ne, sizeof *ep, cmp_endpt);
  int junctions = 0, traps = 0;
  for (int a = 0; a < ne;) {
    int b = a, in = 0, out = 0;
    while (b < ne && cmp_endpt(&ep[a], &ep[b]) == 0) {
      in += ep[b].in;
      out += ep[b].out;
      int r0 = uf_find(par, ep[a].link), r1 = uf_find(par, ep[b].link);
      if (r0 != r1) par[r0] = r1;
      b++;
    }
    junctions += b - a >= 3;
    traps += !in || !out;
    a = b;
  }
  CHECK(junctions > 200);
  CHECK(traps == 0);
  int pieces = 0;
  for (int a = 0; a < k; a++) pieces += uf_find(par, a) == a;
  CHECK(pieces == 1);
  free(par);
  free(ep);
  free(ids);
  GDALClose(ds);
}

/* --- the points --- */

static void check_points(const char *dir, const grid_in *dem,
                         const grid_in *lu) {
  char p[4096];
  join(p, sizeof p, dir, "data/stacks.gpkg");
  GDALDatasetH ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
  CHECK(ds != NULL);
  if (ds) {
    OGRLayerH L = GDALDatasetGetLayerByName(ds, "stacks");
    CHECK(L != NULL);
    int n = 0;
    OGRFeatureH f;
    while (L && (f = OGR_L_GetNextFeature(L))) {
      OGRGeometryH g = OGR_F_GetGeometryRef(f);
      long q = g ? cell_of(OGR_G_GetX(g, 0), OGR_G_GetY(g, 0)) : -1;
      /* Stacks stand in the industrial zones. */
      CHECK(q >= 0 && (int)lu->f[q] == CT__LU_INDUSTRIAL);
      CHECK(OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "height")) > 10);
      CHECK(OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "pm25_gps")) > 0);
      CHECK(OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "nox_gps")) > 0);
      CHECK(strlen(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "name"))));
      n++;
      OGR_F_Destroy(f);
    }
    CHECK(n >= 3);
    GDALClose(ds);
  }
  join(p, sizeof p, dir, "data/stations.gpkg");
  ds = GDALOpenEx(p, GDAL_OF_VECTOR, NULL, NULL, NULL);
  CHECK(ds != NULL);
  if (ds) {
    OGRLayerH L = GDALDatasetGetLayerByName(ds, "stations");
    CHECK(L != NULL);
    int n = 0;
    OGRFeatureH f;
    while (L && (f = OGR_L_GetNextFeature(L))) {
      OGRGeometryH g = OGR_F_GetGeometryRef(f);
      long q = g ? cell_of(OGR_G_GetX(g, 0), OGR_G_GetY(g, 0)) : -1;
      CHECK(q >= 0 && (int)lu->f[q] != CT__LU_WATER);
      CHECK(strlen(OGR_F_GetFieldAsString(f, 0)) > 0);
      n++;
      OGR_F_Destroy(f);
    }
    CHECK(n >= 3);
    GDALClose(ds);
  }
  /* Gauges: river and canal gauges in the water below datum; the others
     in the low districts, 0.3-3 m. */
  join(p, sizeof p, dir, "data/gauges.csv");
  FILE *fp = fopen(p, "r");
  CHECK(fp != NULL);
  if (!fp) return;
  char line[256], name[128];
  double x, y;
  int n = 0, wet = 0;
  CHECK(fgets(line, sizeof line, fp) && strcmp(line, "name,x,y\n") == 0);
  while (fgets(line, sizeof line, fp)) {
    CHECK(sscanf(line, "%127[^,],%lf,%lf", name, &x, &y) == 3);
    long q = cell_of(x, y);
    CHECK(q >= 0);
    if (q < 0) continue;
    n++;
    if (!strncmp(name, "river", 5) || !strcmp(name, "canal")) {
      wet++;
      CHECK((int)lu->f[q] == CT__LU_WATER && dem->f[q] < 0);
    } else {
      CHECK((int)lu->f[q] != CT__LU_WATER);
      CHECK(dem->f[q] >= 0.3f && dem->f[q] <= 3.0f);
    }
  }
  fclose(fp);
  CHECK(n >= 6 && wet >= 2);
}

/* --- the forcing --- */

static void check_forcing(const char *dir) {
  char p[4096];
  ct_error err = {0};
  ct_series s = {0}, s2 = {0};
  join(p, sizeof p, dir, "data/rain.csv");
  CHECK_OK(ct_series_read(&s, p, 0, &err), &err);
  if (s.n > 0) {
    /* 100 mm in 2 h from 1 h: the file is scaled to the exact depth; the
       0.01 mm allows for the 4 printed decimals. */
    CHECK_NEAR(ct_series_integral(&s, 0, 0, 86400), 100.0 * 3600, 0.01 * 3600);
    CHECK_NEAR(ct_series_integral(&s, 0, 3600, 10800), 100.0 * 3600,
               0.01 * 3600);
    CHECK(ct_series_integral(&s, 0, 0, 3600) == 0);
    /* Peak at 40 % of the storm (Chicago r = 0.4), 150-300 mm/h. */
    int kmax = 0;
    for (int k = 0; k < s.n; k++)
      if (s.v[k] > s.v[kmax]) kmax = k;
    CHECK_NEAR(s.t[kmax], 3600 + 0.4 * 7200, 1e-9);
    CHECK(s.v[kmax] > 150 && s.v[kmax] < 300);
  }
  join(p, sizeof p, dir, "data/rain_short.csv");
  CHECK_OK(ct_series_read(&s2, p, 0, &err), &err);
  if (s.n > 0 && s2.n > 0)
    /* The short series is the day's from 15:30: the same rain in its
       30 min, up to print rounding. */
    CHECK_NEAR(ct_series_integral(&s2, 0, 0, 1800),
               ct_series_integral(&s, 0, 5400, 7200), 0.01 * 3600);
  ct_series_free(&s);
  ct_series_free(&s2);

  join(p, sizeof p, dir, "data/tide.csv");
  CHECK_OK(ct_series_read(&s, p, 0, &err), &err);
  if (s.n > 0) {
    int kmax = 0;
    for (int k = 0; k < s.n; k++)
      if (s.v[k] > s.v[kmax]) kmax = k;
    /* Spring high water 1.5-1.8 m, during the storm (1 h - 3 h). */
    CHECK(s.v[kmax] >= 1.5 && s.v[kmax] <= 1.8);
    CHECK(s.t[kmax] >= 3600 && s.t[kmax] <= 10800);
    /* Semi-diurnal: the next high water about 12.4 h later (M2). */
    int k2 = -1;
    for (int k = 0; k < s.n; k++)
      if (s.t[k] > s.t[kmax] + 6 * 3600 && s.t[k] < s.t[kmax] + 18 * 3600 &&
          (k2 < 0 || s.v[k] > s.v[k2]))
        k2 = k;
    /* Half an hour of slack: K1, out of phase by then, shifts it a little. */
    CHECK(k2 >= 0);
    if (k2 >= 0) CHECK_NEAR(s.t[k2] - s.t[kmax], 12.42 * 3600, 1800);
  }
  ct_series_free(&s);
  /* Meteorology as the air model reads it: evenly spaced rows, wind in
     m/s and degrees, a Pasquill letter, a positive mixing height; SW
     monsoon winds. */
  static const char *const met[] = {"data/met.csv", "data/met_short.csv"};
  for (int m = 0; m < 2; m++) {
    join(p, sizeof p, dir, met[m]);
    FILE *fp = fopen(p, "r");
    CHECK(fp != NULL);
    if (!fp) continue;
    char line[256], cls;
    double t, u, d, h, t_prev = -1, step = 0;
    int rows = 0;
    CHECK(fgets(line, sizeof line, fp) &&
          !strcmp(line, "time,wind_speed,wind_dir,stability,mixing_height\n"));
    while (fgets(line, sizeof line, fp)) {
      CHECK(sscanf(line, "%lf,%lf,%lf,%c,%lf", &t, &u, &d, &cls, &h) == 5);
      CHECK(u > 0 && u < 15 && d >= 180 && d <= 270 && h > 0);
      CHECK(cls >= 'A' && cls <= 'F');
      if (rows == 0) CHECK(t == 0);
      if (rows == 1) step = t - t_prev;
      if (rows > 1) CHECK(t - t_prev == step);
      t_prev = t;
      rows++;
    }
    fclose(fp);
    CHECK(rows >= 12);
  }
}

/* Keifer & Chu 1957: every window around the peak (a share r of it before
 * the peak) holds the IDF depth td/60 * a/(td + b)^c; so the ratio of two
 * windows' depths is fixed by b and c alone (b = 20 min, c = 0.8 in
 * forcing.c). Simpson's rule with 1 s steps: error far below 1e-4. */
static void check_chicago(void) {
  const double T = 7200, r = 0.4, tp = r * T;
  double depth[3];
  const double td[3] = {600, 1800, 7200};
  for (int w = 0; w < 3; w++) {
    double a = tp - r * td[w], b = tp + (1 - r) * td[w], h = 1;
    int n = (int)((b - a) / h);
    double sum = ct__chicago(a, T, r) + ct__chicago(b, T, r);
    for (int k = 1; k < n; k++)
      sum += (k % 2 ? 4 : 2) * ct__chicago(a + k * h, T, r);
    depth[w] = sum * h / 3 / 3600; /* mm */
  }
  CHECK_NEAR(depth[2], 100.0, 1e-3);
  for (int w = 0; w < 2; w++) {
    double m = td[w] / 60, M = T / 60;
    double want = (m / pow(m + 20, 0.8)) / (M / pow(M + 20, 0.8));
    CHECK_NEAR(depth[w] / depth[2], want, 1e-4);
  }
}

/* --- the scenarios --- */

static void check_scenarios(const char *dir) {
  static const char *const models[] = {"flood", "traffic", "air", NULL};
  char p[4096];
  ct_error err = {0};
  ct_scenario sc;
  memset(&sc, 0, sizeof sc);
  join(p, sizeof p, dir, "demo.ini");
  CHECK_OK(ct_scenario_load(&sc, p, models, &err), &err);
  if (!err.code) {
    CHECK(sc.duration == 6 * 3600);
    CHECK(sc.cell == 20);
    CHECK(sc.bounds[0] == XMIN && sc.bounds[3] == YMAX);
    CHECK(sc.bounds[2] - sc.bounds[0] == NX * 20);
    CHECK(sc.bounds[3] - sc.bounds[1] == NY * 20);
    CHECK(sc.out_interval == 600);
    CHECK(sc.nlayers == 6);
    for (int k = 0; k < sc.nlayers; k++)
      CHECK(access(sc.layers[k].path, R_OK) == 0);
    CHECK(sc.gauges && access(sc.gauges, R_OK) == 0);
    const ct_layer_spec *l = ct_scenario_layer(&sc, "landuse");
    CHECK(l && l->resample == CT_RESAMPLE_MODE);
    const char *bs = ct_scenario_string(&sc, "flood", "boundary.south", "");
    CHECK(strncmp(bs, "level ", 6) == 0);
    /* Every series named in the model sections is there. */
    static const char *const keys[][2] = {{"flood", "rain"}, {"air", "wind"}};
    for (int k = 0; k < 2; k++) {
      char *r = ct_scenario_resolve(
          &sc, ct_scenario_string(&sc, keys[k][0], keys[k][1], "?"));
      CHECK(r && access(r, R_OK) == 0);
      free(r);
    }
    char *r = ct_scenario_resolve(&sc, bs + 6);
    CHECK(r && access(r, R_OK) == 0);
    free(r);
  }
  ct_scenario_free(&sc);
  memset(&sc, 0, sizeof sc);
  join(p, sizeof p, dir, "demo_short.ini");
  CHECK_OK(ct_scenario_load(&sc, p, models, &err), &err);
  if (!err.code) {
    CHECK(sc.duration == 1800);
    double t0;
    int off;
    /* 15:30 local: 1.5 h after the day's start, as the *_short series. */
    CHECK(ct_parse_iso8601("2026-09-15T14:00:00+07:00", &t0, &off) == 0);
    CHECK_NEAR(sc.start_unix - t0, 5400, 0);
    CHECK(sc.utc_offset_s == 7 * 3600);
  }
  ct_scenario_free(&sc);
}

static int files_equal(const char *a, const char *b) {
  FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
  int eq = fa && fb;
  while (eq) {
    int ca = fgetc(fa), cb = fgetc(fb);
    if (ca != cb) eq = 0;
    if (ca == EOF || cb == EOF) break;
  }
  if (fa) fclose(fa);
  if (fb) fclose(fb);
  return eq;
}

int main(void) {
  GDALAllRegister();
  char a[] = "/tmp/ct_demo_test_XXXXXX", b[] = "/tmp/ct_demo_test_XXXXXX";
  if (!mkdtemp(a) || !mkdtemp(b)) {
    perror("mkdtemp");
    return 1;
  }
  char da[4096], db[4096];
  join(da, sizeof da, a, "city");
  join(db, sizeof db, b, "nested/city");
  ct_error err = {0};
  CHECK_OK(ct_demo_make(da, &err), &err);
  /* Again into the same folder: the files are replaced, not refused. */
  CHECK_OK(ct_demo_make(da, &err), &err);
  /* But a scenario a planner edited is kept, and nothing is written. */
  {
    char ini[4096], dem[4096];
    join(ini, sizeof ini, da, "demo_short.ini");
    join(dem, sizeof dem, da, "data/dem.tif");
    FILE *f = fopen(ini, "a");
    if (f) {
      fputs("# my edit\n", f);
      fclose(f);
    }
    struct stat s0, s1;
    CHECK(stat(dem, &s0) == 0);
    CHECK(ct_demo_make(da, &err) == CT_EINVAL &&
          strstr(err.msg, "demo_short.ini exists and is not the demo's"));
    CHECK(stat(dem, &s1) == 0 && s1.st_mtim.tv_sec == s0.st_mtim.tv_sec &&
          s1.st_mtim.tv_nsec == s0.st_mtim.tv_nsec);
    char *text = NULL;
    size_t n = 0;
    f = fopen(ini, "r");
    if (f) {
      text = malloc(1 << 16);
      n = text ? fread(text, 1, (1 << 16) - 1, f) : 0;
      fclose(f);
    }
    if (text) text[n] = 0;
    CHECK(text && strstr(text, "# my edit\n"));
    free(text);
    remove(ini); /* the demo's own again below */
    CHECK_OK(ct_demo_make(da, &err), &err);
  }
  /* The second city on one thread: the result must not depend on it. */
  int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  CHECK_OK(ct_demo_make(db, &err), &err);
  omp_set_num_threads(threads);

  grid_in dem = {0}, lu = {0}, dem2 = {0}, lu2 = {0};
  int nl = 0, nl2 = 0;
  check_rasters(da, &dem, &lu);
  if (dem.f && lu.f) {
    check_roads(da, &lu, &nl);
    check_points(da, &dem, &lu);
  }
  check_forcing(da);
  check_chicago();
  check_scenarios(da);

  /* Determinism: the second city (other folder, one thread) is the same
     to the bit. */
  char p[4096], q[4096];
  join(p, sizeof p, db, "data/dem.tif");
  CHECK(read_raster(p, &dem2) == 0);
  join(p, sizeof p, db, "data/landuse.tif");
  CHECK(read_raster(p, &lu2) == 0);
  if (dem.f && dem2.f && lu.f && lu2.f) {
    CHECK(memcmp(dem.f, dem2.f, (size_t)NX * NY * sizeof(float)) == 0);
    CHECK(memcmp(lu.f, lu2.f, (size_t)NX * NY * sizeof(float)) == 0);
  }
  static const char *const same[] = {"data/rain.csv", "data/tide.csv",
                                     "data/met.csv", "data/gauges.csv",
                                     "demo.ini"};
  for (int k = 0; k < 5; k++) {
    join(p, sizeof p, da, same[k]);
    join(q, sizeof q, db, same[k]);
    CHECK(files_equal(p, q));
  }
  if (nl) {
    /* The counts and the whole network agree too. */
    CHECK(lu2.f != NULL);
    if (lu2.f) check_roads(db, &lu2, &nl2);
    CHECK(nl2 == nl);
  }
  free(dem.f);
  free(lu.f);
  free(dem2.f);
  free(lu2.f);

  /* Bad folders: no folder, and a folder under a regular file. */
  CHECK(ct_demo_make("", &err) == CT_EINVAL);
  join(p, sizeof p, a, "file");
  FILE *fp = fopen(p, "w");
  if (fp) fclose(fp);
  join(q, sizeof q, p, "city");
  int rc = ct_demo_make(q, &err);
  CHECK(rc < 0);
  CHECK(strstr(err.msg, p) != NULL);

  nftw(a, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  nftw(b, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return TEST_RESULT();
}
