/* test_export.c - the IOC export on a small known run: 40x30 cells of 10 m in
 * UTM 48N (EPSG:32648), flood.depth and air.pm25 at three times, a static
 * flood.max_depth and layer.dem, and three road lines. Checks that every COG
 * is a valid COG with the right CRS, geotransform, nodata and values; that
 * the GeoJSON is WGS 84 lon/lat with the flooded segments where the pond
 * is; that the manifest lists exactly the files in the folder; and that bad
 * input fails cleanly. */
#define _GNU_SOURCE
#include <ftw.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <unistd.h>

#include "ct_test.h"
#include "citytwin/export.h"
#include "citytwin/layers.h"
#include "citytwin/snapshot.h"
#include "citytwin/util.h"

#define NX 40
#define NY 30
#define DX 10.0
#define X0 680000.0
#define Y1 1190000.0
#define NT 3

static const double times[NT] = {0.0, 3600.0, 7200.0};
/* Pond depth per time: below, between and at the thresholds 0.1 / 0.3. */
static const float pond[NT] = {0.05f, 0.2f, 0.3f};
static const float pond_max = 0.35f; /* flood.max_depth: peak between
                                         snapshots, above every snapshot */

static int in_pond(int i, int j) { return i >= 10 && i <= 19 && j >= 5 && j <= 9; }
static int in_plume(int i, int j) {
  return i >= 25 && i <= 34 && j >= 15 && j <= 24;
}

static float depth_at(int t, int i, int j) {
  if (i == 0 && j == 0) return NAN; /* a no-data cell */
  return in_pond(i, j) ? pond[t] : 0.0f;
}
static float pm25_at(int t, int i, int j) {
  if (in_plume(i, j)) return 20.0f + 5.0f * (float)t;
  if (i == 2 && j == 25 && t == 1) return 16.0f; /* a one-cell exceedance */
  return 10.0f;
}

/* --- helpers --- */

static int rm_one(const char *p, const struct stat *s, int flag,
                  struct FTW *f) {
  (void)s; (void)flag; (void)f;
  return remove(p);
}
static void rm_rf(const char *p) { nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static char listed[64][512];
static int nlisted;
static const char *list_root;
static int list_one(const char *p, const struct stat *s, int flag,
                    struct FTW *f) {
  (void)s; (void)f;
  if (flag == FTW_F && nlisted < 64)
    snprintf(listed[nlisted++], 512, "%s", p + strlen(list_root) + 1);
  return 0;
}
static int list_files(const char *dir) {
  nlisted = 0;
  list_root = dir;
  nftw(dir, list_one, 16, FTW_PHYS);
  return nlisted;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (b) b[n] = '\0';
  fclose(f);
  return b;
}

/* Every "file": "..." value of the manifest. */
static int manifest_files(const char *json, char out[][512], int max) {
  int n = 0;
  const char *p = json;
  while (n < max && (p = strstr(p, "\"file\": \"")) != NULL) {
    p += 9;
    const char *q = strchr(p, '"');
    if (!q) break;
    snprintf(out[n++], 512, "%.*s", (int)(q - p), p);
    p = q;
  }
  return n;
}

/* keys: also the traffic model's link table over the roads layer, with
 * road 0 as "R0" "Le Loi" and road 2 a bridge. complete: 0 leaves the
 * status of a run killed part-way. */
static int make_run_as(const char *path, int keys, int complete,
                       ct_error *err) {
  ct_grid g;
  int rc = ct_grid_init(&g, "EPSG:32648", X0, Y1 - NY * DX, X0 + NX * DX, Y1,
                        DX, err);
  if (rc) return rc;
  double start;
  int off;
  ct_parse_iso8601("2026-09-15T14:00:00+07:00", &start, &off);
  ct_snapshot_meta meta = {.title = "export test", .scenario_text = "",
                           .scenario_path = "", .start_unix = start,
                           .utc_offset_s = off, .duration = 7200.0};
  ct_snapshot *s = NULL;
  if ((rc = ct_snapshot_create(&s, path, &g, &meta, err))) {
    ct_grid_free(&g);
    return rc;
  }
  ct_field dem = {.name = "layer.dem", .units = "m", .long_name = "DEM",
                  .nx = NX, .ny = NY, .flags = 1};
  ct_field md = {.name = "flood.max_depth", .units = "m",
                 .long_name = "maximum water depth", .nx = NX, .ny = NY,
                 .flags = 1};
  ct_field d = {.name = "flood.depth", .units = "m", .long_name = "water depth",
                .nx = NX, .ny = NY};
  ct_field a = {.name = "air.pm25", .units = "ug m-3", .long_name = "PM2.5",
                .nx = NX, .ny = NY};
  size_t n = (size_t)NX * NY;
  dem.data = ct_alloc_aligned(n * sizeof(float));
  md.data = ct_alloc_aligned(n * sizeof(float));
  d.data = ct_alloc_aligned(n * sizeof(float));
  a.data = ct_alloc_aligned(n * sizeof(float));
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      dem.data[j * NX + i] = 2.0f + 0.01f * (float)i;
      md.data[j * NX + i] = in_pond(i, j) ? pond_max : 0.0f;
    }
  rc = ct_snapshot_write_static(s, &dem, err);
  if (!rc) rc = ct_snapshot_write_static(s, &md, err);

  /* Road 0: east-west along row 7 across the whole grid; road 1:
   * north-south at column 30, dry everywhere; road 2: north-south at column
   * 12 over rows 0..20 with an extra vertex inside the pond. */
  double yr7 = Y1 - 7.5 * DX, x30 = X0 + 30.5 * DX, x12 = X0 + 12.5 * DX;
  double l0[] = {X0 + 0.5 * DX, yr7, X0 + 39.5 * DX, yr7};
  double l1[] = {x30, Y1 - 0.5 * DX, x30, Y1 - 29.5 * DX};
  double l2[] = {x12, Y1 - 0.5 * DX, x12, Y1 - 7.2 * DX, x12, Y1 - 20.5 * DX};
  int p0[] = {0, 2}, p1[] = {0, 2}, p2[] = {0, 3};
  ct_feature f[3] = {
      {.type = CT_GEOM_LINE, .npts = 2, .xy = l0, .nparts = 1, .part = p0},
      {.type = CT_GEOM_LINE, .npts = 2, .xy = l1, .nparts = 1, .part = p1, .fid = 1},
      {.type = CT_GEOM_LINE, .npts = 3, .xy = l2, .nparts = 1, .part = p2, .fid = 2}};
  char vname[] = "roads", vpath[] = "roads.geojson";
  ct_vector v = {.name = vname, .path = vpath, .nfeat = 3, .feat = f};
  if (!rc) rc = ct_snapshot_write_lines(s, "roads", &v, err);
  if (!rc && keys)
    rc = ct_snapshot_set_attr(
        s, "traffic_links",
        "link,id,name,from_junction,to_junction,length_m,lanes,"
        "free_speed_kmh,feature,bridge\n"
        "0,\"R0\",\"Le Loi\",0,1,400.0,2,40,0,0\n"
        "1,\"R0\",\"Le Loi\",1,0,400.0,2,40,0,0\n"
        "2,\"R2\",\"Cau Mong\",2,3,200.0,2,40,2,1\n",
        err);
  if (!rc && keys) rc = ct_snapshot_set_attr(s, "traffic_roads", "roads", err);

  for (int t = 0; t < NT && !rc; t++) {
    for (int j = 0; j < NY; j++)
      for (int i = 0; i < NX; i++) {
        d.data[j * NX + i] = depth_at(t, i, j);
        a.data[j * NX + i] = pm25_at(t, i, j);
      }
    ct_field *fs[2] = {&d, &a};
    rc = ct_snapshot_append(s, times[t], fs, 2, err);
  }
  int rc2 = ct_snapshot_close(s, complete, err);
  if (!rc) rc = rc2;
  ct_free_aligned(dem.data);
  ct_free_aligned(md.data);
  ct_free_aligned(d.data);
  ct_free_aligned(a.data);
  ct_grid_free(&g);
  return rc;
}

static int make_run(const char *path, int keys, ct_error *err) {
  return make_run_as(path, keys, 1, err);
}

/* --- checks --- */

/* The layer's SRS is the EPSG code's and maps x to easting / longitude
 * (traditional GIS order): OSRIsSame also compares the axis mapping. */
static int is_epsg_xy(OGRSpatialReferenceH s, int code) {
  OGRSpatialReferenceH e = OSRNewSpatialReference(NULL);
  OSRImportFromEPSG(e, code);
  OSRSetAxisMappingStrategy(e, OAMS_TRADITIONAL_GIS_ORDER);
  int same = s && OSRIsSame(s, e);
  OSRDestroySpatialReference(e);
  return same;
}

/* Opens a COG and checks layout, tiling, overviews, CRS, geotransform and
 * nodata; returns its values (caller frees) or NULL. */
static float *check_cog(const char *path) {
  GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
  CHECK(ds != NULL);
  if (!ds) {
    fprintf(stderr, "cannot open %s\n", path);
    return NULL;
  }
  const char *layout = GDALGetMetadataItem(ds, "LAYOUT", "IMAGE_STRUCTURE");
  CHECK(layout && !strcmp(layout, "COG"));
  const char *comp = GDALGetMetadataItem(ds, "COMPRESSION", "IMAGE_STRUCTURE");
  CHECK(comp && !strcmp(comp, "DEFLATE"));
  CHECK(GDALGetRasterXSize(ds) == NX && GDALGetRasterYSize(ds) == NY);
  GDALRasterBandH b = GDALGetRasterBand(ds, 1);
  int bx = 0, by = 0;
  GDALGetBlockSize(b, &bx, &by);
  CHECK(bx == 16 && by == 16); /* tiled with the block size asked for */
  /* COG overviews halve until the image fits one 16-cell tile:
   * 40x30 -> 20x15 -> 10x8. */
  CHECK(GDALGetOverviewCount(b) == 2);
  if (GDALGetOverviewCount(b) == 2) {
    GDALRasterBandH o2 = GDALGetOverview(b, 1);
    /* A quarter of 40x30; GDAL rounds the 7.5 rows down or up. */
    CHECK(GDALGetRasterBandXSize(o2) == 10);
    CHECK(abs(GDALGetRasterBandYSize(o2) * 4 - NY) <= 2);
  }
  /* COG order: the smallest overview's tiles first, the full resolution
   * last (clients read a preview with one request). */
  if (GDALGetOverviewCount(b) == 2) {
    const char *s0 = GDALGetMetadataItem(b, "BLOCK_OFFSET_0_0", "TIFF");
    const char *s1 = GDALGetMetadataItem(GDALGetOverview(b, 0),
                                         "BLOCK_OFFSET_0_0", "TIFF");
    const char *s2 = GDALGetMetadataItem(GDALGetOverview(b, 1),
                                         "BLOCK_OFFSET_0_0", "TIFF");
    CHECK(s0 && s1 && s2);
    if (s0 && s1 && s2) CHECK(atoll(s2) < atoll(s1) && atoll(s1) < atoll(s0));
  }
  const char *inc = GDALGetMetadataItem(ds, "KNOWN_INCOMPATIBLE_EDITION",
                                        "IMAGE_STRUCTURE");
  CHECK(!inc || strcmp(inc, "YES"));
  CHECK(is_epsg_xy(GDALGetSpatialRef(ds), 32648));
  double gt[6];
  CHECK(GDALGetGeoTransform(ds, gt) == CE_None);
  /* Exact: the geotransform is copied as doubles. */
  CHECK_NEAR(gt[0], X0, 1e-9);
  CHECK_NEAR(gt[1], DX, 1e-12);
  CHECK_NEAR(gt[3], Y1, 1e-9);
  CHECK_NEAR(gt[5], -DX, 1e-12);
  CHECK(gt[2] == 0.0 && gt[4] == 0.0);
  int has = 0;
  double nd = GDALGetRasterNoDataValue(b, &has);
  CHECK(has && nd == -9999.0);
  float *v = malloc(sizeof(float) * NX * NY);
  CHECK(GDALRasterIO(b, GF_Read, 0, 0, NX, NY, v, NX, NY, GDT_Float32, 0,
                     0) == CE_None);
  GDALClose(ds);
  return v;
}

/* Lossless DEFLATE: the values come back bit for bit, no data as -9999. */
static void check_values(const float *got, int t, int pm25, int maxed) {
  int bad = 0;
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      float want;
      if (maxed) {
        want = pm25 ? pm25_at(0, i, j) : depth_at(0, i, j);
        for (int k = 1; k < NT; k++) {
          float w = pm25 ? pm25_at(k, i, j) : depth_at(k, i, j);
          if (w > want) want = w;
        }
      } else {
        want = pm25 ? pm25_at(t, i, j) : depth_at(t, i, j);
      }
      if (isnan(want)) want = -9999.0f;
      if (got[j * NX + i] != want && bad++ < 3)
        fprintf(stderr, "cell %d,%d: %g, expected %g\n", i, j,
                got[j * NX + i], want);
    }
  CHECK(bad == 0);
}

static OGRLayerH open_geojson(const char *path, GDALDatasetH *ds) {
  *ds = GDALOpenEx(path, GDAL_OF_VECTOR, NULL, NULL, NULL);
  CHECK(*ds != NULL);
  if (!*ds) return NULL;
  OGRLayerH l = GDALDatasetGetLayer(*ds, 0);
  CHECK(l != NULL);
  if (l) CHECK(is_epsg_xy(OGR_L_GetSpatialRef(l), 4326));
  return l;
}

/* A UTM point as lon/lat, to compare with what the GeoJSON holds. */
static void lonlat(double x, double y, double *lon, double *lat) {
  ct_error e;
  *lon = x;
  *lat = y;
  ct_transform_points("EPSG:32648", "EPSG:4326", 1, lon, lat, &e);
}

static void check_roads(const char *path, int nexp, double depth,
                        int closed) {
  GDALDatasetH ds;
  OGRLayerH l = open_geojson(path, &ds);
  if (!l) return;
  CHECK(OGR_L_GetFeatureCount(l, TRUE) == nexp);
  OGRFeatureH f;
  while ((f = OGR_L_GetNextFeature(l)) != NULL) {
    int road = OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "road"));
    double dm = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "depth_max_m"));
    double len = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "length_m"));
    int cl = OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "closed"));
    /* Depth is rounded to mm in the file. */
    CHECK_NEAR(dm, depth, 5e-4);
    CHECK(cl == closed);
    OGRGeometryH g = OGR_F_GetGeometryRef(f);
    int np = OGR_G_GetPointCount(g);
    double lo0, la0, lo1, la1;
    if (road == 0) {
      /* The pond spans columns 10..19: the cut is at its cell edges. */
      CHECK_NEAR(len, 10 * DX, 0.01); /* rounded to cm */
      lonlat(X0 + 10 * DX, Y1 - 7.5 * DX, &lo0, &la0);
      lonlat(X0 + 20 * DX, Y1 - 7.5 * DX, &lo1, &la1);
    } else if (road == 2) {
      /* Rows 5..9, from north to south, through the extra vertex. */
      CHECK_NEAR(len, 5 * DX, 0.01);
      CHECK(np == 3);
      lonlat(X0 + 12.5 * DX, Y1 - 5 * DX, &lo0, &la0);
      lonlat(X0 + 12.5 * DX, Y1 - 10 * DX, &lo1, &la1);
    } else {
      CHECK(!"unexpected road flooded");
      OGR_F_Destroy(f);
      continue;
    }
    /* 7 decimals of a degree: within 1e-6 deg (~0.1 m); x is longitude. */
    CHECK_NEAR(OGR_G_GetX(g, 0), lo0, 1e-6);
    CHECK_NEAR(OGR_G_GetY(g, 0), la0, 1e-6);
    CHECK_NEAR(OGR_G_GetX(g, np - 1), lo1, 1e-6);
    CHECK_NEAR(OGR_G_GetY(g, np - 1), la1, 1e-6);
    OGR_F_Destroy(f);
  }
  GDALClose(ds);
}

static int nprog;
static double last_frac;
static int count_progress(void *ud, double frac, const char *what) {
  (void)what;
  nprog++;
  CHECK(frac >= last_frac); /* monotone */
  last_frac = frac;
  return ud != NULL && nprog >= 3; /* ud set: stop after 3 files */
}

int main(void) {
  ct_error err;
  ct_error_clear(&err);
  GDALAllRegister();
  char base[512], run[600], out[600], path[1200];
  snprintf(base, sizeof base, "%s/tests/export/tmp", CT_BINARY_DIR);
  rm_rf(base);
  mkdir(base, 0777);
  snprintf(run, sizeof run, "%s/run.nc", base);
  snprintf(out, sizeof out, "%s/ioc", base);
  CHECK_OK(make_run(run, 0, &err), &err);

  ct_export_opts o;
  ct_export_opts_default(&o);
  o.blocksize = 16; /* small tiles so that 40x30 gets overviews */
  o.progress = count_progress;
  ct_export_result res;
  int rc0;
  CHECK_OK(ct_export_run(run, out, &o, &res, &err), &err);
  CHECK(res.warning[0] == '\0'); /* a complete run: nothing to warn of */

  /* 3 steps + max of two fields, and flood.max_depth (layer.dem is an
   * input, off by default). */
  CHECK(res.ncog == 9);
  /* roads_flooded per time (3) and max, roads_closed, air_exceedance. */
  CHECK(res.ngeojson == 6);
  CHECK(nprog == 15);
  CHECK_NEAR(last_frac, 1.0, 0.0);

  /* --- COGs --- */
  const char *tags[NT] = {"20260915T140000+0700", "20260915T150000+0700",
                          "20260915T160000+0700"};
  for (int pm = 0; pm < 2; pm++) {
    const char *fld = pm ? "air.pm25" : "flood.depth";
    for (int t = 0; t <= NT; t++) {
      snprintf(path, sizeof path, "%s/%s/%s_%s.tif", out, fld, fld,
               t < NT ? tags[t] : "max");
      float *v = check_cog(path);
      if (v) check_values(v, t, pm, t == NT);
      free(v);
    }
  }
  snprintf(path, sizeof path, "%s/flood.max_depth/flood.max_depth.tif", out);
  float *v = check_cog(path);
  if (v) {
    CHECK(v[7 * NX + 12] == pond_max && v[20 * NX + 30] == 0.0f);
    free(v);
  }
  snprintf(path, sizeof path, "%s/layer.dem", out);
  CHECK(access(path, F_OK) != 0);

  /* --- GeoJSON --- */
  /* Against flood.max_depth (0.35 m): roads 0 and 2 flooded and closed. */
  snprintf(path, sizeof path, "%s/roads_flooded.geojson", out);
  check_roads(path, 2, pond_max, 1);
  CHECK(res.nflooded == 2);
  CHECK_NEAR(res.flooded_length_m, 15 * DX, 1e-6); /* 100 m + 50 m */
  snprintf(path, sizeof path, "%s/roads_closed.geojson", out);
  check_roads(path, 2, pond_max, 1);
  /* Per time: 0.05 m is below 0.1 m (none); 0.2 m flooded, not closed;
   * 0.3 m closed (the float 0.3f is just above 0.3). */
  snprintf(path, sizeof path, "%s/roads_flooded/roads_flooded_%s.geojson",
           out, tags[0]);
  check_roads(path, 0, 0.0, 0);
  snprintf(path, sizeof path, "%s/roads_flooded/roads_flooded_%s.geojson",
           out, tags[1]);
  check_roads(path, 2, 0.2, 0);
  snprintf(path, sizeof path, "%s/roads_flooded/roads_flooded_%s.geojson",
           out, tags[2]);
  check_roads(path, 2, 0.3, 1);
  /* RFC 7946 order in the text itself: longitude (106.x) first. */
  snprintf(path, sizeof path, "%s/roads_flooded.geojson", out);
  char *txt = slurp(path);
  CHECK(txt && strstr(txt, "\"coordinates\": [ [ 106."));
  free(txt);

  /* Air: the 10x10 plume (max 30) and the single cell (16) exceed 15. */
  snprintf(path, sizeof path, "%s/air_exceedance.geojson", out);
  GDALDatasetH ds;
  OGRLayerH l = open_geojson(path, &ds);
  if (l) {
    CHECK(OGR_L_GetFeatureCount(l, TRUE) == 2);
    OGRFeatureH f;
    double asum = 0.0;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
      double area = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "area_m2"));
      double mx = OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "max"));
      asum += area;
      /* Whole cells: exact areas; the peak is the written value. */
      if (area > 1000.0) {
        CHECK_NEAR(area, 100 * DX * DX, 1e-6);
        CHECK_NEAR(mx, 30.0, 1e-6);
      } else {
        CHECK_NEAR(area, DX * DX, 1e-6);
        CHECK_NEAR(mx, 16.0, 1e-6);
      }
      /* The polygon's box, in lon/lat, matches the region's cells. */
      OGREnvelope e;
      OGR_G_GetEnvelope(OGR_F_GetGeometryRef(f), &e);
      double lo, la;
      if (area > 1000.0) lonlat(X0 + 25 * DX, Y1 - 15 * DX, &lo, &la);
      else lonlat(X0 + 2 * DX, Y1 - 25 * DX, &lo, &la);
      /* UTM grid lines are slightly rotated in lon/lat (convergence), so
       * the box corner is within a metre, about 1e-5 deg. */
      CHECK_NEAR(e.MinX, lo, 1e-5);
      CHECK_NEAR(e.MaxY, la, 1e-5);
      OGR_F_Destroy(f);
    }
    CHECK_NEAR(asum, 101 * DX * DX, 1e-6);
    CHECK_NEAR(res.air_area_m2, 101 * DX * DX, 1e-6);
    GDALClose(ds);
  }

  /* --- manifest: lists exactly the files in the folder --- */
  char *man = slurp(res.manifest);
  CHECK(man != NULL);
  if (man) {
    static char mf[64][512];
    int nm = manifest_files(man, mf, 64);
    int nf = list_files(out);
    CHECK(nm == 15);
    CHECK(nf == nm + 1); /* + manifest.json */
    for (int k = 0; k < nf; k++) {
      int found = !strcmp(listed[k], "manifest.json");
      for (int m = 0; m < nm && !found; m++) found = !strcmp(listed[k], mf[m]);
      if (!found) fprintf(stderr, "not in the manifest: %s\n", listed[k]);
      CHECK(found);
    }
    for (int m = 0; m < nm; m++) {
      snprintf(path, sizeof path, "%s/%s", out, mf[m]);
      if (access(path, F_OK) != 0) fprintf(stderr, "missing: %s\n", path);
      CHECK(access(path, F_OK) == 0);
    }
    char sha[65], want[100];
    CHECK_OK(ct_sha256_file(run, sha, &err), &err);
    snprintf(want, sizeof want, "\"sha256\": \"%s\"", sha);
    CHECK(strstr(man, want) != NULL);
    CHECK(strstr(man, "\"crs\": \"EPSG:32648\"") != NULL);
    CHECK(strstr(man, "\"time\": \"2026-09-15T15:00:00+07:00\"") != NULL);
    CHECK(strstr(man, "\"scenario\": \"export test\"") != NULL);
    CHECK(strstr(man, "\"units\": \"ug m-3\"") != NULL);
    /* Well-formed JSON with the structure documented in export.h: 9 COG
     * layers carry nodata, 6 GeoJSON layers a feature count. */
    ct_kv *kv = NULL;
    int nkv = 0, ncog = 0, ngj = 0, nx = 0;
    CHECK_OK(ct_json_numbers(man, &kv, &nkv, &err), &err);
    for (int k = 0; k < nkv; k++) {
      int idx;
      char tail[64];
      if (sscanf(kv[k].key, "layers.%d.%63s", &idx, tail) == 2) {
        if (!strcmp(tail, "nodata")) ncog += kv[k].value == -9999.0;
        if (!strcmp(tail, "features")) ngj++;
      }
      if (!strcmp(kv[k].key, "grid.nx")) nx = (int)kv[k].value;
    }
    ct_kv_free(kv, nkv);
    CHECK(ncog == 9 && ngj == 6 && nx == NX);
    free(man);
  }

  /* --- again into the same folder with overwrite: the same 15 files are
   * replaced, nothing added. --- */
  ct_export_opts_default(&o);
  o.blocksize = 16;
  o.overwrite = 1;
  CHECK_OK(ct_export_run(run, out, &o, &res, &err), &err);
  CHECK(res.ncog == 9 && res.ngeojson == 6);
  CHECK(list_files(out) == 16);

  /* --- a subset: only flood.depth, only its maximum, no flood.max_depth:
   * the roads then use the maximum over the steps (0.3 m) and the air areas
   * are computed from air.pm25 although it is not exported as COG. --- */
  char out3[700];
  snprintf(out3, sizeof out3, "%s/subset", base);
  const char *only[] = {"flood.depth"};
  ct_export_opts_default(&o);
  o.fields = only;
  o.nfields = 1;
  o.steps = 0;
  o.max_depth_field = NULL;
  CHECK_OK(ct_export_run(run, out3, &o, &res, &err), &err);
  CHECK(res.ncog == 1 && res.ngeojson == 3);
  CHECK(list_files(out3) == 5);
  snprintf(path, sizeof path, "%s/flood.depth/flood.depth_max.tif", out3);
  CHECK(access(path, F_OK) == 0);
  snprintf(path, sizeof path, "%s/roads_flooded.geojson", out3);
  check_roads(path, 2, 0.3, 1);
  CHECK_NEAR(res.air_area_m2, 101 * DX * DX, 1e-6);
  man = slurp(res.manifest);
  if (man) {
    static char mf[64][512];
    CHECK(manifest_files(man, mf, 64) == 4);
    free(man);
  }

  /* --- --with-layers with --fields: the input layers come too (they were
   * dropped whenever a field list was given). --- */
  char out4[700];
  snprintf(out4, sizeof out4, "%s/fields_layers", base);
  ct_export_opts_default(&o);
  o.fields = only;
  o.nfields = 1;
  o.steps = 0;
  o.layers = 1;
  CHECK_OK(ct_export_run(run, out4, &o, &res, &err), &err);
  CHECK(res.ncog == 2); /* flood.depth_max, layer.dem */
  snprintf(path, sizeof path, "%s/layer.dem/layer.dem.tif", out4);
  CHECK(access(path, F_OK) == 0);
  snprintf(path, sizeof path, "%s/flood.max_depth", out4);
  CHECK(access(path, F_OK) != 0); /* not picked by --fields */

  /* --- the flooded-road depth is "at or above", as documented: with the
   * threshold exactly the 0.2 m of the second step, both roads through the
   * pond are in that step's file. --- */
  char out5[700];
  snprintf(out5, sizeof out5, "%s/at_threshold", base);
  ct_export_opts_default(&o);
  o.fields = only;
  o.nfields = 1;
  o.flood_depth = (double)pond[1];
  CHECK_OK(ct_export_run(run, out5, &o, &res, &err), &err);
  snprintf(path, sizeof path, "%s/roads_flooded/roads_flooded_%s.geojson",
           out5, tags[1]);
  check_roads(path, 2, pond[1], 0);

  /* --- a run with traffic: road features carry the source id and name of
   * the link table, and road 2, a bridge over the pond, is left out --- */
  char run7[700], out7[700];
  snprintf(run7, sizeof run7, "%s/run_traffic.nc", base);
  snprintf(out7, sizeof out7, "%s/with_keys", base);
  CHECK_OK(make_run(run7, 1, &err), &err);
  ct_export_opts_default(&o);
  o.fields = only;
  o.nfields = 1;
  CHECK_OK(ct_export_run(run7, out7, &o, &res, &err), &err);
  CHECK(res.nflooded == 1);
  snprintf(path, sizeof path, "%s/roads_flooded.geojson", out7);
  check_roads(path, 1, pond_max, 1);
  {
    GDALDatasetH kds;
    OGRLayerH kl = open_geojson(path, &kds);
    OGRFeatureH f = kl ? OGR_L_GetNextFeature(kl) : NULL;
    CHECK(f != NULL);
    if (f) {
      CHECK(OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "road")) == 0);
      CHECK(!strcmp(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "id")), "R0"));
      CHECK(!strcmp(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "name")),
                    "Le Loi"));
      OGR_F_Destroy(f);
    }
    if (kl) GDALClose(kds);
  }

  /* --- bad input --- */
  /* A road layer named but not in the run: an error naming the ones it
   * holds (it used to give empty road files and success), nothing left. */
  ct_export_opts_default(&o);
  o.roads = "rods";
  char out6[700];
  snprintf(out6, sizeof out6, "%s/bad_roads", base);
  rc0 = ct_export_run(run, out6, &o, NULL, &err);
  CHECK(rc0 == CT_EINVAL && strstr(err.msg, "'rods'") &&
        strstr(err.msg, "line layers: roads"));
  CHECK(access(out6, F_OK) != 0);
  /* The same name as the default, given by the caller: found as before. */
  char roads_name[] = "roads";
  o.roads = roads_name;
  CHECK_OK(ct_export_run(run, out6, &o, &res, &err), &err);
  CHECK(res.nflooded == 2);
  /* The same folder again: not empty. */
  int rc = ct_export_run(run, out, NULL, NULL, &err);
  CHECK(rc == CT_EINVAL && strstr(err.msg, "not empty"));
  /* Not a run file. */
  snprintf(path, sizeof path, "%s/not_a_run.nc", base);
  FILE *fp = fopen(path, "w");
  if (fp) {
    fputs("time,rain\n0,1\n", fp);
    fclose(fp);
  }
  char out2[700];
  snprintf(out2, sizeof out2, "%s/out2", base);
  rc = ct_export_run(path, out2, NULL, NULL, &err);
  CHECK(rc < 0 && strstr(err.msg, "not_a_run.nc"));
  CHECK(access(out2, F_OK) != 0); /* nothing created */
  /* Missing run file. */
  snprintf(path, sizeof path, "%s/missing.nc", base);
  rc = ct_export_run(path, out2, NULL, NULL, &err);
  CHECK(rc == CT_ENOENT && strstr(err.msg, "missing.nc"));
  /* An output folder that cannot be created (under a regular file). */
  snprintf(path, sizeof path, "%s/not_a_run.nc/sub", base);
  rc = ct_export_run(run, path, NULL, NULL, &err);
  CHECK(rc < 0 && strstr(err.msg, "not_a_run.nc"));
  /* A folder without write permission (root ignores permissions, so only
   * as another user). */
  if (geteuid() != 0) {
    snprintf(path, sizeof path, "%s/readonly", base);
    mkdir(path, 0555);
    rc = ct_export_run(run, path, NULL, NULL, &err);
    CHECK(rc == CT_EIO && strstr(err.msg, "readonly") &&
          strstr(err.msg, "cannot write"));
    chmod(path, 0755);
  }
  /* A field the run does not hold. */
  const char *flds[] = {"flood.dpeth"};
  ct_export_opts_default(&o);
  o.fields = flds;
  o.nfields = 1;
  rc = ct_export_run(run, out2, &o, NULL, &err);
  CHECK(rc == CT_EINVAL && strstr(err.msg, "flood.dpeth") &&
        strstr(err.msg, "flood.depth"));
  CHECK(access(out2, F_OK) != 0);
  /* Bad thresholds and block size. */
  ct_export_opts_default(&o);
  o.closure_depth = NAN;
  CHECK(ct_export_run(run, out2, &o, NULL, &err) == CT_EINVAL);
  ct_export_opts_default(&o);
  o.blocksize = 100;
  CHECK(ct_export_run(run, out2, &o, NULL, &err) == CT_EINVAL);
  /* An --air-field the run does not hold: an error listing its fields (it
   * was ignored, which reads as "no exceedance"), nothing left. */
  ct_export_opts_default(&o);
  o.air_field = "air.pm52";
  rc = ct_export_run(run, out2, &o, NULL, &err);
  CHECK(rc == CT_EINVAL && strstr(err.msg, "'air.pm52'") &&
        strstr(err.msg, "air.pm25") && strstr(err.msg, "flood.depth"));
  CHECK(access(out2, F_OK) != 0);

  /* A run killed part-way (status not complete): exported, with a warning
   * that its maxima cover only part of the run, and the status in the
   * manifest. */
  char run8[700], out8[700];
  snprintf(run8, sizeof run8, "%s/run_killed.nc", base);
  snprintf(out8, sizeof out8, "%s/killed", base);
  CHECK_OK(make_run_as(run8, 0, 0, &err), &err);
  ct_export_opts_default(&o);
  o.steps = 0;
  CHECK_OK(ct_export_run(run8, out8, &o, &res, &err), &err);
  fprintf(stderr, "warning for a killed run: %s\n", res.warning);
  CHECK(strstr(res.warning, "run_killed.nc") &&
        strstr(res.warning, "not complete"));
  man = slurp(res.manifest);
  CHECK(man && strstr(man, "\"complete\": false") &&
        strstr(man, "\"status\": \"interrupted\""));
  free(man);

  /* --overwrite that fails part-way: the old manifest, which listed files
   * the failed export removed, is gone, so the folder does not read as a
   * finished export. */
  snprintf(path, sizeof path, "%s/manifest.json", out8);
  CHECK(access(path, F_OK) == 0);
  ct_export_opts_default(&o);
  o.overwrite = 1;
  o.progress = count_progress;
  o.ud = &o;
  nprog = 0;
  last_frac = 0.0;
  rc = ct_export_run(run, out8, &o, NULL, &err);
  CHECK(rc == CT_EINTR);
  CHECK(access(path, F_OK) != 0);

  /* Stopped by the progress callback: CT_EINTR, and what was written is
   * removed with the folder it created. */
  ct_export_opts_default(&o);
  o.progress = count_progress;
  o.ud = &o;
  nprog = 0;
  last_frac = 0.0;
  rc = ct_export_run(run, out2, &o, NULL, &err);
  CHECK(rc == CT_EINTR && nprog == 3);
  CHECK(access(out2, F_OK) != 0);

  if (!ct_test_failures && !getenv("CT_TEST_KEEP")) rm_rf(base);
  return TEST_RESULT();
}
