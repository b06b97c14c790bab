/* test_snapshot_corrupt.c - files that are not whole citytwin runs are
 * refused with CT_EFORMAT and a message naming the file and what is wrong,
 * never a crash: truncated copies of a good run, a text file named .nc, an
 * HDF5 file from something else, an HDF5 file that claims to be a run but
 * has no axes; a missing file is CT_ENOENT. */
#include <hdf5.h>

#include "ct_test.h"
#include "io_test_util.h"

static void make_run(const char *path) {
  enum { NX = 50, NY = 40 };
  ct_error err = {0};
  ct_grid g;
  CHECK(io_make_grid(&g, 32648, NX, NY, 683000.0, 1193000.0, 20.0) == 0);
  ct_snapshot_meta meta = {.title = "corrupt", .start_unix = 1789455600.0};
  ct_snapshot *s = NULL;
  CHECK_OK(ct_snapshot_create(&s, path, &g, &meta, &err), &err);
  ct_field f;
  io_field_init(&f, "flood.depth", "m", "water depth", NX, NY);
  ct_field *list[1] = {&f};
  for (int k = 0; s && k < 4; k++) {
    io_field_fill(&f, k, 1.0f);
    CHECK_OK(ct_snapshot_append(s, 60.0 * (k + 1), list, 1, &err), &err);
  }
  CHECK_OK(ct_snapshot_close(s, 1, &err), &err);
  free(f.data);
  free(g.crs_wkt);
}

static long copy_prefix(const char *from, const char *to, long n) {
  FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
  long done = 0;
  if (a && b) {
    char buf[4096];
    size_t m;
    while (done < n && (m = fread(buf, 1, sizeof buf, a)) > 0) {
      size_t w = (size_t)(n - done) < m ? (size_t)(n - done) : m;
      fwrite(buf, 1, w, b);
      done += (long)w;
    }
  }
  if (a) fclose(a);
  if (b) fclose(b);
  return done;
}

/* Opening path fails with code, and the message names the file and holds
 * the expected words. */
static void expect_refused(const char *path, int code, const char *words) {
  ct_error err = {0};
  ct_reader *r = (ct_reader *)&err; /* must be reset to NULL */
  int rc = ct_reader_open(&r, path, &err);
  if (rc != code || !strstr(err.msg, path) || !strstr(err.msg, words))
    fprintf(stderr, "%s: got %d \"%s\", expected %d with \"%s\"\n", path, rc,
            err.msg, code, words);
  CHECK(rc == code);
  CHECK(r == NULL);
  CHECK(strstr(err.msg, path) != NULL);
  CHECK(strstr(err.msg, words) != NULL);
  if (rc == 0) ct_reader_close(r);
}

int main(void) {
  char dir[4096], good[4200], p[4300];
  if (io_tmpdir(dir, sizeof dir, "corrupt")) return 1;
  snprintf(good, sizeof good, "%s/good.nc", dir);
  make_run(good);
  struct stat st;
  CHECK(stat(good, &st) == 0);
  long size = (long)st.st_size;

  ct_error err = {0};
  ct_reader *r = NULL;
  CHECK_OK(ct_reader_open(&r, good, &err), &err); /* the control */
  ct_reader_close(r);

  /* Truncated anywhere: header only, mid-metadata, mid-data, last byte. */
  long cuts[] = {0, 7, 100, 1000, size / 3, size / 2, size - 1};
  for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
    snprintf(p, sizeof p, "%s/cut_%ld.nc", dir, cuts[k]);
    CHECK(copy_prefix(good, p, cuts[k]) == cuts[k]);
    expect_refused(p, CT_EFORMAT, cuts[k] < 8 ? "not an HDF5 file" : "truncated");
  }

  snprintf(p, sizeof p, "%s/text.nc", dir);
  FILE *fp = fopen(p, "w");
  if (fp) {
    fputs("time,value\n0,1\n", fp);
    fclose(fp);
  }
  expect_refused(p, CT_EFORMAT, "not an HDF5 file");

  /* Someone else's HDF5 file: a dataset, no citytwin attributes. */
  snprintf(p, sizeof p, "%s/other.h5", dir);
  hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t n = 4;
  hid_t sp = H5Screate_simple(1, &n, NULL);
  hid_t ds = H5Dcreate2(f, "data", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT);
  H5Dclose(ds);
  H5Fclose(f);
  expect_refused(p, CT_EFORMAT, "not a citytwin run");

  /* Claims to be a run but has no x/y/time axes. */
  snprintf(p, sizeof p, "%s/noaxes.h5", dir);
  f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t s1 = H5Screate(H5S_SCALAR), ty = H5Tcopy(H5T_C_S1);
  H5Tset_size(ty, 5);
  hid_t at = H5Acreate2(f, "citytwin_version", ty, s1, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(at, ty, "0.1.0");
  H5Aclose(at);
  H5Tclose(ty);
  H5Sclose(s1);
  H5Sclose(sp);
  H5Fclose(f);
  expect_refused(p, CT_EFORMAT, "no usable x, y and time axes");

  snprintf(p, sizeof p, "%s/missing.nc", dir);
  expect_refused(p, CT_ENOENT, "no such file");
  expect_refused(dir, CT_EFORMAT, "not a regular file");

  io_rmdir(dir);
  return TEST_RESULT();
}
