/* test_snapshot_state.c - checkpoints in the run file: what a slot holds
 * reads back byte for byte (blocks that grow from empty, shrink, or keep
 * their size), the newest whole slot is the one read, and a block that
 * starts empty and grows keeps a few chunks, not one per byte (a traffic
 * queue that starts empty made each checkpoint walk an index of a million
 * one-byte chunks: seconds per snapshot, growing with the run). */
#include <hdf5.h>
#include <sys/stat.h>

#include "ct_test.h"
#include "io_test_util.h"

enum { NX = 40, NY = 30, NSNAP = 12 };

/* Size of the growing block after snapshot k: empty, then up to 1.5 MB. */
static size_t grow_bytes(int k) { return k == 0 ? 0 : (size_t)k * 131072; }

/* A block of fixed size, one that grows, and one that shrinks, filled with
 * a pattern of snapshot k. */
static void fill_state(ct_state *st, int k, unsigned char *buf) {
  ct_error err = {0};
  ct_state_reset(st);
  size_t sizes[3] = {(size_t)NX * NY * 4, grow_bytes(k),
                     (size_t)(NSNAP - k) * 1000};
  const char *names[3] = {"flood/eta", "traffic/packets", "air/series"};
  for (int b = 0; b < 3; b++) {
    for (size_t i = 0; i < sizes[b]; i++)
      buf[i] = (unsigned char)(i * 7 + (size_t)k * 31 + (size_t)b);
    CHECK_OK(ct_state_put(st, names[b], buf, sizes[b], &err), &err);
  }
}

/* The state read from path is the one of snapshot k. */
static void check_state(const char *path, int k, unsigned char *buf) {
  ct_error err = {0};
  ct_state *got = NULL, *want = ct_state_new();
  double t = 0;
  int nslices = 0;
  CHECK_OK(ct_snapshot_read_state(path, &got, &t, &nslices, &err), &err);
  fill_state(want, k, buf);
  CHECK(nslices == k + 1);
  CHECK(t == 60.0 * (k + 1));
  CHECK(got && ct_state_count(got) == ct_state_count(want));
  for (int b = 0; got && b < ct_state_count(want); b++) {
    const char *wn;
    const void *wd;
    size_t wb;
    ct_state_item(want, b, &wn, &wd, &wb);
    int found = 0;
    for (int c = 0; c < ct_state_count(got); c++) {
      const char *gn;
      const void *gd;
      size_t gb;
      ct_state_item(got, c, &gn, &gd, &gb);
      if (strcmp(gn, wn)) continue;
      found = 1;
      CHECK(gb == wb);
      CHECK(gb == wb && (wb == 0 || memcmp(gd, wd, wb) == 0));
    }
    if (!found) fprintf(stderr, "block %s missing\n", wn);
    CHECK(found);
  }
  ct_state_free(got);
  ct_state_free(want);
}

/* Number of chunks of a slot's growing block (H5Dget_num_chunks needs HDF5
 * 1.10.5; the chunk size does for all). */
static hsize_t packets_chunks(const char *path, const char *slot) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  char name[64];
  snprintf(name, sizeof name, "restart/%s/traffic/packets", slot);
  hid_t ds = f >= 0 ? H5Dopen2(f, name, H5P_DEFAULT) : -1;
  hid_t dcpl = ds >= 0 ? H5Dget_create_plist(ds) : -1;
  hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
  hsize_t chunk = 0, n = 0;
  if (dcpl >= 0) H5Pget_chunk(dcpl, 1, &chunk);
  if (sp >= 0) H5Sget_simple_extent_dims(sp, &n, NULL);
  if (sp >= 0) H5Sclose(sp);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (ds >= 0) H5Dclose(ds);
  if (f >= 0) H5Fclose(f);
  return chunk ? (n + chunk - 1) / chunk : (hsize_t)-1;
}

/* A byte copy of the file as it is on disk now (the writer keeps it open,
 * and HDF5 will not open it twice in one process). */
static int copy_file(const char *from, const char *to) {
  FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
  char chunk[65536];
  size_t n;
  int rc = a && b ? 0 : -1;
  while (!rc && (n = fread(chunk, 1, sizeof chunk, a)) > 0)
    if (fwrite(chunk, 1, n, b) != n) rc = -1;
  if (a) fclose(a);
  if (b && fclose(b)) rc = -1;
  return rc;
}

int main(void) {
  char dir[4096], path[4200], copy[4200];
  if (io_tmpdir(dir, sizeof dir, "state")) return 1;
  snprintf(path, sizeof path, "%s/state.nc", dir);
  snprintf(copy, sizeof copy, "%s/copy.nc", dir);
  ct_error err = {0};
  ct_grid g;
  CHECK(io_make_grid(&g, 32648, NX, NY, 683000.0, 1193000.0, 20.0) == 0);
  ct_snapshot_meta meta = {.title = "state", .start_unix = 1789455600.0};
  ct_snapshot *s = NULL;
  CHECK_OK(ct_snapshot_create(&s, path, &g, &meta, &err), &err);
  ct_field a;
  io_field_init(&a, "flood.depth", "m", "water depth", NX, NY);
  ct_field *list[1] = {&a};
  unsigned char *buf = malloc(grow_bytes(NSNAP) + (size_t)NX * NY * 4 +
                              NSNAP * 1000);
  ct_state *st = ct_state_new();
  hsize_t most = 0;
  for (int k = 0; s && k < NSNAP; k++) {
    io_field_fill(&a, k, 1.0f);
    CHECK_OK(ct_snapshot_append(s, 60.0 * (k + 1), list, 1, &err), &err);
    fill_state(st, k, buf);
    CHECK_OK(ct_snapshot_write_state(s, st, &err), &err);
    /* What a kill now would leave on disk. */
    CHECK(copy_file(path, copy) == 0);
    check_state(copy, k, buf);
    hsize_t n = packets_chunks(copy, (k & 1) ? "b" : "a");
    if (n > most) most = n;
  }
  /* A growing block is made anew once it passes 8 chunks: never more. */
  if (most > 8) fprintf(stderr, "growing block: %llu chunks\n",
                        (unsigned long long)most);
  CHECK(most >= 1 && most <= 8);
  CHECK_OK(ct_snapshot_close(s, 1, &err), &err);
  check_state(path, NSNAP - 1, buf);
  /* Space of blocks made anew is reused: the file stays below twice the
   * fields (NSNAP slices of 4.8 kB, deflated) plus four times the two
   * slots (2 x 1.6 MB at most); a leak of every rewrite would be ~10 MB. */
  struct stat sb;
  CHECK(stat(path, &sb) == 0);
  double slots = 2.0 * ((double)grow_bytes(NSNAP - 1) + NX * NY * 4 +
                        NSNAP * 1000);
  if (!((double)sb.st_size < 4.0 * slots + 2.0 * NSNAP * NX * NY * 4))
    fprintf(stderr, "file %lld bytes, slots %.0f\n", (long long)sb.st_size,
            slots);
  CHECK((double)sb.st_size < 4.0 * slots + 2.0 * NSNAP * NX * NY * 4);
  ct_state_free(st);
  free(buf);
  free(a.data);
  free(g.crs_wkt);
  io_rmdir(dir);
  return TEST_RESULT();
}
