/* test_snapshot_roundtrip.c - what the writer puts in the run file the reader
 * gets back exactly: grid and CRS, static and time-varying fields (NaN stays
 * NaN), units, times, tables, line layers, attributes; and the HDF5 layout
 * netCDF-4 readers rely on (exact-length text, creation order, chunking,
 * filters, fill value). Bad calls are errors, not crashes. */
#include <hdf5.h>
#include <hdf5_hl.h>

#include "ct_test.h"
#include "io_test_util.h"

enum { NX = 301, NY = 70, NT = 3, NLINK = 5 };

static const char *scenario_text =
    "[scenario]\nname = round trip \xc3\xa9t\xc3\xa9\nstart = "
    "2026-09-15T14:00:00+07:00\n\n[output]\ninterval = 10min\n";

/* An attribute stored as netCDF's NC_CHAR: fixed length = strlen, no NUL. */
static void check_text_attr(hid_t obj, const char *name, const char *want) {
  hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  CHECK(a >= 0);
  if (a < 0) return;
  hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
  CHECK(H5Tget_class(t) == H5T_STRING);
  CHECK(H5Tis_variable_str(t) == 0);
  if (want[0]) {
    CHECK(H5Tget_size(t) == strlen(want));
    CHECK(H5Tget_strpad(t) == H5T_STR_NULLTERM);
    CHECK(H5Sget_simple_extent_type(sp) == H5S_SCALAR);
    char buf[512] = {0};
    if (strlen(want) < sizeof buf) {
      CHECK(H5Aread(a, t, buf) >= 0);
      CHECK(strcmp(buf, want) == 0);
    }
  } else {
    CHECK(H5Sget_simple_extent_type(sp) == H5S_NULL);
  }
  H5Tclose(t);
  H5Sclose(sp);
  H5Aclose(a);
}

static void check_layout(const char *path) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  if (f < 0) return;
  unsigned lo = 0, ao = 0;
  /* The root group's creation properties are the file's (fcpl). */
  hid_t root = H5Gopen2(f, "/", H5P_DEFAULT);
  hid_t gcpl = H5Gget_create_plist(root);
  H5Pget_link_creation_order(gcpl, &lo);
  H5Pget_attr_creation_order(gcpl, &ao);
  H5Pclose(gcpl);
  H5Gclose(root);
  CHECK(lo == (H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
  CHECK(ao == (H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
  check_text_attr(f, "Conventions", "CF-1.8");
  check_text_attr(f, "title", "");
  check_text_attr(f, "citytwin_status", "complete");
  check_text_attr(f, "start_time", "2026-09-15T14:00:00+07:00");

  hid_t d = H5Dopen2(f, "flood.depth", H5P_DEFAULT);
  CHECK(d >= 0);
  hid_t dcpl = H5Dget_create_plist(d);
  hsize_t chunk[3] = {0, 0, 0};
  CHECK(H5Pget_chunk(dcpl, 3, chunk) == 3);
  /* One slice deep; 301 columns in two 151-wide chunks (the last one padded
   * with the fill value beyond the edge). */
  CHECK(chunk[0] == 1 && chunk[1] == NY && chunk[2] == 151);
  int nf = H5Pget_nfilters(dcpl), shuffle = 0, deflate = 0;
  for (int k = 0; k < nf; k++) {
    unsigned flags = 0, cd[8];
    size_t ncd = 8;
    H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)k, &flags, &ncd, cd, 0,
                                     NULL, NULL);
    if (id == H5Z_FILTER_SHUFFLE) shuffle = 1;
    if (id == H5Z_FILTER_DEFLATE) deflate = k > 0;  /* after shuffle */
  }
  CHECK(shuffle && deflate);
  float fill = 0;
  CHECK(H5Pget_fill_value(dcpl, H5T_NATIVE_FLOAT, &fill) >= 0);
  CHECK(isnan(fill));
  unsigned dao = 0;
  H5Pget_attr_creation_order(dcpl, &dao);
  CHECK(dao == (H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
  H5Pclose(dcpl);
  check_text_attr(d, "units", "m");
  check_text_attr(d, "grid_mapping", "crs");
  float fv = 0;
  hid_t a = H5Aopen(d, "_FillValue", H5P_DEFAULT);
  CHECK(a >= 0 && H5Aread(a, H5T_NATIVE_FLOAT, &fv) >= 0 && isnan(fv));
  if (a >= 0) H5Aclose(a);
  /* time, y, x attached as dimension scales, in that order. */
  hid_t tds = H5Dopen2(f, "time", H5P_DEFAULT), yds = H5Dopen2(f, "y", H5P_DEFAULT),
        xds = H5Dopen2(f, "x", H5P_DEFAULT);
  CHECK(H5DSis_attached(d, tds, 0) > 0);
  CHECK(H5DSis_attached(d, yds, 1) > 0);
  CHECK(H5DSis_attached(d, xds, 2) > 0);
  check_text_attr(tds, "units", "seconds since 2026-09-15T07:00:00Z");
  check_text_attr(xds, "standard_name", "projection_x_coordinate");
  hsize_t maxd = 0, cur = 0;
  hid_t sp = H5Dget_space(tds);
  H5Sget_simple_extent_dims(sp, &cur, &maxd);
  H5Sclose(sp);
  CHECK(cur == NT && maxd == H5S_UNLIMITED);
  H5Dclose(tds);
  H5Dclose(yds);
  H5Dclose(xds);
  H5Dclose(d);

  /* The per-link table: rows at the slice appended after them. */
  hid_t row = H5Dopen2(f, "links/flow", H5P_DEFAULT);
  CHECK(row >= 0);
  if (row >= 0) {
    float v[NT][NLINK];
    CHECK(H5Dread(row, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    for (int k = 0; k < NT; k++)
      for (int i = 0; i < NLINK; i++) CHECK(v[k][i] == (float)(100 * k + i));
    H5Dclose(row);
  }
  H5Fclose(f);
}

int main(void) {
  ct_error err = {0};
  char dir[4096], path[4200];
  if (io_tmpdir(dir, sizeof dir, "rt")) return 1;
  snprintf(path, sizeof path, "%s/run.nc", dir);

  ct_grid g;
  CHECK(io_make_grid(&g, 32648, NX, NY, 683000.0, 1193000.0, 20.0) == 0);
  const char *names[] = {"dem", "rain"};
  const char *paths[] = {"dem.tif", "rain.csv"};
  const char *sums[] = {"00ff", "abcd"};
  ct_snapshot_meta meta = {.title = "",
                           .scenario_text = scenario_text,
                           .scenario_path = "/x/scenario.ini",
                           .start_unix = 1789455600.0, /* 2026-09-15T07:00Z */
                           .utc_offset_s = 7 * 3600,
                           .duration = 1800,
                           .ninputs = 2,
                           .input_names = names,
                           .input_paths = paths,
                           .input_sha256 = sums};
  ct_snapshot *s = NULL;
  CHECK_OK(ct_snapshot_create(&s, path, &g, &meta, &err), &err);
  if (!s) return 1;

  ct_field dem, depth, pm;
  io_field_init(&dem, "layer.dem", "m", "ground elevation", NX, NY);
  io_field_init(&depth, "flood.depth", "m", "water depth", NX, NY);
  io_field_init(&pm, "air.pm25", "ug m-3", "PM2.5 concentration", NX, NY);
  io_field_fill(&dem, 7, 3.0f);
  CHECK_OK(ct_snapshot_write_static(s, &dem, &err), &err);
  CHECK(ct_snapshot_write_static(s, &dem, &err) == CT_EINVAL); /* twice */

  ct_feature feat[2];
  memset(feat, 0, sizeof feat);
  double xy0[] = {683010, 1192990, 683500, 1192500, 684000, 1192400};
  int part0[] = {0, 3};
  double xy1[] = {683100, 1192000, 683200, 1192100, 683300, 1192000,
                  683400, 1192100};
  int part1[] = {0, 2, 4};
  feat[0] = (ct_feature){.type = CT_GEOM_LINE, .npts = 3, .xy = xy0,
                         .nparts = 1, .part = part0};
  feat[1] = (ct_feature){.type = CT_GEOM_LINE, .npts = 4, .xy = xy1,
                         .nparts = 2, .part = part1};
  char rname[] = "roads", rpath[] = "roads.gpkg";
  ct_vector roads = {.name = rname, .path = rpath, .nfeat = 2,
                     .feat = feat};
  CHECK_OK(ct_snapshot_write_lines(s, "roads", &roads, &err), &err);

  /* Refused before anything is created: a field twice, a static name. */
  ct_field *twice[2] = {&depth, &depth}, *stat[1] = {&dem};
  CHECK(ct_snapshot_append(s, 600.0, twice, 2, &err) == CT_EINVAL);
  CHECK(ct_snapshot_append(s, 600.0, stat, 1, &err) == CT_EINVAL);
  ct_field *list[2] = {&depth, &pm};
  ct_reader *live = NULL;
  for (int k = 0; k < NT; k++) {
    io_field_fill(&depth, k, 1.0f);
    io_field_fill(&pm, k, 50.0f);
    float flow[NLINK];
    for (int i = 0; i < NLINK; i++) flow[i] = (float)(100 * k + i);
    CHECK_OK(ct_snapshot_write_row(s, "links", "flow", "veh h-1", "link flow",
                                   NLINK, flow, &err), &err);
    CHECK_OK(ct_snapshot_append(s, 600.0 * (k + 1), list, 2, &err), &err);
    /* A reader in the writer's own process follows the file as it grows,
     * and closing it leaves the writer's handles alone. */
    if (k == 0) {
      CHECK_OK(ct_reader_open(&live, path, &err), &err);
      CHECK(live && ct_reader_ntimes(live) == 1);
    } else if (live) {
      int grew = 0;
      CHECK_OK(ct_reader_refresh(live, &grew, &err), &err);
      CHECK(grew == 1 && ct_reader_ntimes(live) == k + 1);
    }
  }
  ct_reader_close(live);
  /* Bad calls: time going back, a different field set, a wrong size. */
  CHECK(ct_snapshot_append(s, 600.0, list, 2, &err) == CT_EINVAL);
  CHECK(ct_snapshot_append(s, 9000.0, list, 1, &err) == CT_EINVAL);
  depth.nx = NX - 1;
  CHECK(ct_snapshot_append(s, 9000.0, list, 2, &err) == CT_EINVAL);
  depth.nx = NX;
  float bad_row[3] = {0, 0, 0};
  CHECK(ct_snapshot_write_row(s, "links", "flow", "1", "x", 3, bad_row, &err) ==
        CT_EINVAL);
  CHECK_OK(ct_snapshot_set_attr(s, "summary", "{\"ok\": true}", &err), &err);
  /* Beyond the 64 KiB an object header message can hold: needs the dense
   * attribute storage that creation-order tracking brings. */
  size_t big_n = 200000;
  char *big = malloc(big_n + 1);
  for (size_t k = 0; k < big_n; k++) big[k] = (char)('a' + k % 26);
  big[big_n] = '\0';
  CHECK_OK(ct_snapshot_set_attr(s, "big", big, &err), &err);
  CHECK_OK(ct_snapshot_close(s, 1, &err), &err);

  check_layout(path);

  ct_reader *r = NULL;
  CHECK_OK(ct_reader_open(&r, path, &err), &err);
  if (!r) return 1;
  const ct_grid *rg = ct_reader_grid(r);
  CHECK(rg->nx == NX && rg->ny == NY);
  /* The x/y coordinates are cell centres in double: the geotransform comes
   * back to rounding (1e-6 m on 1e6 m coordinates is 1e-12 relative). */
  for (int k = 0; k < 6; k++) CHECK_NEAR(rg->gt[k], g.gt[k], 1e-6);
  CHECK(rg->crs_wkt && strcmp(rg->crs_wkt, g.crs_wkt) == 0);
  CHECK(ct_reader_ntimes(r) == NT);
  for (int k = 0; k < NT; k++) CHECK(ct_reader_time(r, k) == 600.0 * (k + 1));
  CHECK(ct_reader_start_unix(r) == meta.start_unix);
  CHECK(ct_reader_utc_offset(r) == 7 * 3600);
  CHECK(ct_reader_nvars(r) == 3);
  int kd = ct_reader_find(r, "layer.dem"), kf = ct_reader_find(r, "flood.depth"),
      kp = ct_reader_find(r, "air.pm25");
  CHECK(kd == 0 && kf == 1 && kp == 2); /* the order they were written */
  CHECK(ct_reader_find(r, "nope") == -1);
  if (kd >= 0 && kf >= 0 && kp >= 0) {
    CHECK(ct_reader_var(r, kd)->is_static && !ct_reader_var(r, kf)->is_static);
    CHECK(strcmp(ct_reader_var(r, kp)->units, "ug m-3") == 0);
    CHECK(strcmp(ct_reader_var(r, kf)->long_name, "water depth") == 0);
    size_t n = (size_t)NX * NY;
    float *buf = malloc(n * sizeof *buf);
    CHECK_OK(ct_reader_read(r, kd, 0, buf, &err), &err);
    CHECK(io_compare(buf, dem.data, n) == 0);
    float lo = INFINITY, hi = -INFINITY;
    long nan_count = 0;
    for (int k = 0; k < NT; k++) {
      io_field_fill(&depth, k, 1.0f);
      CHECK_OK(ct_reader_read(r, kf, k, buf, &err), &err);
      CHECK(io_compare(buf, depth.data, n) == 0);
      for (size_t c = 0; c < n; c++) {
        if (isnan(buf[c])) { nan_count++; continue; }
        if (buf[c] < lo) lo = buf[c];
        if (buf[c] > hi) hi = buf[c];
      }
    }
    CHECK(nan_count > 0); /* the pattern has holes: NaN made it through */
    float vmin = 0, vmax = 0;
    CHECK_OK(ct_reader_range(r, kf, &vmin, &vmax, &err), &err);
    CHECK(vmin == lo && vmax == hi); /* exact: the same floats */
    CHECK_OK(ct_reader_range(r, kf, &vmin, &vmax, &err), &err); /* cached */
    CHECK(vmin == lo && vmax == hi);
    CHECK(ct_reader_read(r, kf, NT, buf, &err) == CT_ERANGE);
    free(buf);
  }
  int npts = 0, nparts = 0, *part = NULL;
  double *lxy = NULL;
  CHECK_OK(ct_reader_lines(r, "roads", &npts, &lxy, &nparts, &part, &err), &err);
  CHECK(npts == 7 && nparts == 3);
  if (npts == 7 && nparts == 3) {
    CHECK(part[0] == 0 && part[1] == 3 && part[2] == 5 && part[3] == 7);
    CHECK(lxy[0] == 683010 && lxy[5] == 1192400 && lxy[13] == 1192100);
  }
  free(lxy);
  free(part);
  CHECK(ct_reader_lines(r, "rivers", &npts, &lxy, &nparts, &part, &err) ==
        CT_ENOENT);
  char *a = ct_reader_attr(r, "scenario");
  CHECK(a && strcmp(a, scenario_text) == 0);
  free(a);
  a = ct_reader_attr(r, "input.dem");
  CHECK(a && strcmp(a, "dem.tif sha256:00ff") == 0);
  free(a);
  a = ct_reader_attr(r, "summary");
  CHECK(a && strcmp(a, "{\"ok\": true}") == 0);
  free(a);
  a = ct_reader_attr(r, "citytwin_version");
  CHECK(a && a[0]);
  free(a);
  a = ct_reader_attr(r, "big");
  CHECK(a && strcmp(a, big) == 0);
  free(a);
  free(big);
  CHECK(ct_reader_attr(r, "no_such_attribute") == NULL);
  ct_reader_close(r);

  free(dem.data);
  free(depth.data);
  free(pm.data);
  free(g.crs_wkt);
  io_rmdir(dir);
  return TEST_RESULT();
}
