/* test_view_cli.c - citytwin-view from the command line: --help, headless
 * --render of a known run (the PNG's pixel over a cell has the cell's
 * colour; --diff of a run with itself shows the base map), PNG sequence
 * export, and bad input - a missing, non-HDF5, truncated, corrupt or
 * non-citytwin file, an unknown field, a bad option, a time outside the
 * run, --log with --diff - exits 2 with a message naming the problem, never
 * a crash. */
#include <gdal.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_test.h"
#include "ct_test_h5.h"
#include "view.h"
#include "view_testrun.h"

static char dir[512], run[600], errf[600];

/* Runs the viewer with args; returns its exit status (-1 on a signal). */
static int view(const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' %s 2>'%s' >/dev/null", CT_VIEW, args, errf);
  int st = system(cmd);
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

static int stderr_has(const char *s) {
  FILE *f = fopen(errf, "r");
  if (!f) return 0;
  char buf[8192];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  if (!strstr(buf, s)) {
    fprintf(stderr, "stderr lacks '%s': %s\n", s, buf);
    return 0;
  }
  return 1;
}

/* RGB of pixel (x, y) of a PNG, or -1. */
static long png_pixel(const char *path, int x, int y, int *w, int *h) {
  GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
  if (!ds) return -1;
  *w = GDALGetRasterXSize(ds);
  *h = GDALGetRasterYSize(ds);
  unsigned char c[3] = {0, 0, 0};
  for (int b = 0; b < 3; b++)
    if (GDALRasterIO(GDALGetRasterBand(ds, b + 1), GF_Read, x, y, 1, 1, &c[b], 1, 1,
                     GDT_Byte, 0, 0) != CE_None) {
      GDALClose(ds);
      return -1;
    }
  GDALClose(ds);
  return ((long)c[0] << 16) | ((long)c[1] << 8) | c[2];
}

static void copy_prefix(const char *from, const char *to, double frac) {
  FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
  if (!a || !b) {
    if (a) fclose(a);
    if (b) fclose(b);
    return;
  }
  fseek(a, 0, SEEK_END);
  long n = ftell(a), keep = (long)(n * frac);
  fseek(a, 0, SEEK_SET);
  char buf[4096];
  while (keep > 0) {
    size_t k = fread(buf, 1, keep < (long)sizeof buf ? (size_t)keep : sizeof buf, a);
    if (k == 0) break;
    fwrite(buf, 1, k, b);
    keep -= (long)k;
  }
  fclose(a);
  fclose(b);
}

int main(void) {
  GDALAllRegister();
  snprintf(dir, sizeof dir, "%s/tests/viewer/cli_out", CT_BINARY_DIR);
  mkdir(dir, 0777);
  snprintf(run, sizeof run, "%s/run.nc", dir);
  snprintf(errf, sizeof errf, "%s/stderr.txt", dir);
  ct_error err = {0};
  int ok_ = tr_make(run, &err) == CT_OK;
  CHECK(ok_);
  if (!ok_) fprintf(stderr, "%s\n", err.msg);
  if (!ok_) return TEST_RESULT();
  char args[4096], png[700];

  CHECK(view("--help") == 0);

  /* headless render of snapshot 2: 14:10 local, as the title bar shows it,
     or 10 minutes from the start */
  snprintf(png, sizeof png, "%s/depth.png", dir);
  for (int k = 0; k < 2; k++) {
    snprintf(args, sizeof args, "'%s' --render '%s' --field flood.depth --time %s "
             "--size 900x560", run, png, k ? "+00:10" : "14:10");
    CHECK(view(args) == 0);
    /* where cell (5, 6) lands, from the same layout code */
    ct__view v;
    CHECK_OK(ct__view_open(&v, run, NULL, 0, &err), &err);
    static uint32_t buf[900 * 560];
    ct__view_render(&v, buf, 900, 560);
    int x, y, w = 0, h = 0;
    CHECK(ct__view_cell_px(&v, 0, 5, 6, &x, &y) == 0);
    long c = png_pixel(png, x, y, &w, &h);
    long want = ct__cmap_rgb(CT__CMAP_VIRIDIS, (double)0.5f / (double)1.35f) & 0xFFFFFF;
    CHECK(c == want);
    ct__view_close(&v);
  }
  /* an ISO time without its offset, and a picture named other than .png */
  snprintf(args, sizeof args, "'%s' --render '%s/x.png' --time "
           "2026-09-15T14:10:00", run, dir);
  CHECK(view(args) == 2 && stderr_has("needs its UTC offset"));
  snprintf(args, sizeof args, "'%s' --render '%s/x.png' --time foo", run, dir);
  CHECK(view(args) == 2 && stderr_has("expected HH:MM[:SS]"));
  snprintf(args, sizeof args, "'%s' --render '%s/x.jpg'", run, dir);
  CHECK(view(args) == 2 && stderr_has("the picture is a PNG"));
  /* times outside the run name its span; 13:00 is before the 14:00 start */
  const char *outside[] = {"13:00", "14:21", "+2h", "2026-09-15T15:00:00+07:00", "14:20:30"};
  for (int k = 0; k < 5; k++) {
    snprintf(args, sizeof args, "'%s' --render '%s/x.png' --time '%s'", run, dir, outside[k]);
    int st = view(args);
    if (st != 2) fprintf(stderr, "--time %s: exit %d\n", outside[k], st);
    CHECK(st == 2);
    CHECK(stderr_has("runs from 2026-09-15 14:00:00+07:00 to 2026-09-15 14:20:00+07:00"));
  }
  /* difference with itself: no difference, so the base map shows */
  snprintf(png, sizeof png, "%s/diff.png", dir);
  snprintf(args, sizeof args, "'%s' --diff '%s' --render '%s' --time +00:20 --size 900x560",
           run, run, png);
  CHECK(view(args) == 0);
  {
    ct__view v;
    CHECK_OK(ct__view_open(&v, run, run, CT__CMP_DIFF, &err), &err);
    static uint32_t buf[900 * 560];
    ct__view_render(&v, buf, 900, 560);
    int w, h;
    const int cells[2][2] = {{5, 6}, {20, 10}};
    for (int k = 0; k < 2; k++) {
      int x, y, i = cells[k][0], j = cells[k][1];
      CHECK(ct__view_cell_px(&v, 0, i, j, &x, &y) == 0);
      CHECK(png_pixel(png, x, y, &w, &h) == (long)(v.run[0].base[j * TR_NX + i] & 0xFFFFFF));
    }
    ct__view_close(&v);
  }
  /* log cannot show a difference's two signs; nor can a one-way map */
  snprintf(args, sizeof args, "'%s' --diff '%s' --log --render '%s/x.png'", run, run, dir);
  CHECK(view(args) == 2);
  CHECK(stderr_has("--log cannot show a difference"));
  snprintf(args, sizeof args, "'%s' --diff '%s' --cmap magma --render '%s/x.png'", run, run,
           dir);
  CHECK(view(args) == 2);
  CHECK(stderr_has("diverging"));
  /* B starting 5 minutes later: rendered, with a warning on stderr */
  {
    char late[700];
    snprintf(late, sizeof late, "%s/late.nc", dir);
    tr_opts o = {"2026-09-15T14:05:00+07:00", 600.0, 1.0, 0, 0};
    CHECK_OK(tr_make_opt(late, &o, &err), &err);
    snprintf(args, sizeof args, "'%s' --diff '%s' --time '#2' --render '%s/x.png'", run,
             late, dir);
    CHECK(view(args) == 0);
    CHECK(stderr_has("warning: B shown at 2026-09-15 14:15:00+07:00, A at 2026-09-15 "
                     "14:10:00+07:00"));
  }
  /* a corrupt snapshot: --frames fails naming it and writes no banner
     frame; a render of another snapshot warns that the run's range is gone */
  {
    char cor[700], fr[700], f2[800];
    snprintf(cor, sizeof cor, "%s/corrupt.nc", dir);
    snprintf(fr, sizeof fr, "%s/corrupt_frames", dir);
    snprintf(f2, sizeof f2, "%s/frame_0002.png", fr);
    remove(f2);
    CHECK_OK(tr_make(cor, &err), &err);
    CHECK(ct_test_corrupt_slice(cor, 1) == 0);
    snprintf(args, sizeof args, "'%s' --frames '%s' --size 320x240", cor, fr);
    CHECK(view(args) == 2);
    CHECK(stderr_has("snapshot #2"));
    CHECK(access(f2, F_OK) != 0);
    snprintf(args, sizeof args, "'%s' --time '#1' --render '%s/x.png'", cor, dir);
    CHECK(view(args) == 0);
    CHECK(stderr_has("warning: the whole-run colour range could not be read"));
  }
  /* side by side, magma, log, pinned point: renders */
  snprintf(png, sizeof png, "%s/side.png", dir);
  snprintf(args, sizeof args, "'%s' '%s' --render '%s' --time '#3' --cmap magma --log "
           "--pin 8,5 --size 1000x600", run, run, png);
  CHECK(view(args) == 0);
  /* every frame as PNG */
  char frames[700];
  snprintf(frames, sizeof frames, "%s/frames", dir);
  snprintf(args, sizeof args, "'%s' --frames '%s' --size 320x240", run, frames);
  CHECK(view(args) == 0);
  for (int k = 1; k <= TR_NT; k++) {
    char f[800];
    snprintf(f, sizeof f, "%s/frame_%04d.png", frames, k);
    CHECK(access(f, R_OK) == 0);
  }

  /* MP4 through ffmpeg: one video frame per snapshot (ffprobe counts them);
   * without ffmpeg, a clear message instead */
  char mp4[700];
  snprintf(mp4, sizeof mp4, "%s/run.mp4", dir);
  snprintf(args, sizeof args, "'%s' --mp4 '%s' --size 320x240", run, mp4);
  if (system("command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe "
             ">/dev/null 2>&1") == 0) {
    CHECK(view(args) == 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
             "stream=nb_read_frames,width,height -of csv=p=0 '%s'", mp4);
    FILE *pp = popen(cmd, "r");
    int fw = 0, fh = 0, nf = 0;
    CHECK(pp && fscanf(pp, "%d,%d,%d", &fw, &fh, &nf) == 3);
    if (pp) pclose(pp);
    CHECK(fw == 320 && fh == 240 && nf == TR_NT);
  } else {
    CHECK(view(args) != 0);
    CHECK(stderr_has("ffmpeg is not installed"));
  }

  /* bad input: exit 2 and a message naming the problem */
  snprintf(args, sizeof args, "'%s/none.nc' --render '%s/x.png'", dir, dir);
  CHECK(view(args) == 2);
  CHECK(stderr_has("none.nc"));
  char bad[700];
  snprintf(bad, sizeof bad, "%s/text.nc", dir);
  FILE *f = fopen(bad, "w");
  if (f) {
    fputs("time,depth\n0,1\n", f);
    fclose(f);
  }
  snprintf(args, sizeof args, "'%s' --render '%s/x.png'", bad, dir);
  CHECK(view(args) == 2);
  CHECK(stderr_has("text.nc"));
  snprintf(bad, sizeof bad, "%s/truncated.nc", dir);
  for (int k = 1; k <= 3; k++) {
    copy_prefix(run, bad, 0.25 * k);
    snprintf(args, sizeof args, "'%s' --render '%s/x.png'", bad, dir);
    int st = view(args);
    if (st != 2) fprintf(stderr, "truncated to %d/4: exit %d\n", k, st);
    CHECK(st == 2);
    CHECK(stderr_has("truncated.nc"));
  }
  /* a valid HDF5 file that is not a citytwin run */
  snprintf(bad, sizeof bad, "%s/other.h5", dir);
  hid_t h5 = H5Fcreate(bad, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (h5 >= 0) {
    hsize_t dims[1] = {4};
    int vals[4] = {1, 2, 3, 4};
    hid_t sp = H5Screate_simple(1, dims, NULL);
    hid_t ds = H5Dcreate2(h5, "numbers", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    H5Dwrite(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, vals);
    H5Dclose(ds);
    H5Sclose(sp);
    H5Fclose(h5);
  }
  snprintf(args, sizeof args, "'%s' --render '%s/x.png'", bad, dir);
  CHECK(view(args) == 2);
  CHECK(stderr_has("other.h5"));
  /* unknown field: suggestion */
  snprintf(args, sizeof args, "'%s' --render '%s/x.png' --field flood.dpth", run, dir);
  CHECK(view(args) == 2);
  CHECK(stderr_has("flood.depth"));
  /* runs on different grids cannot be compared */
  {
    char small[700];
    snprintf(small, sizeof small, "%s/small.nc", dir);
    ct_grid g;
    ct_snapshot *sn = NULL;
    ct_snapshot_meta meta = {.title = "small", .start_unix = 1789462800.0};
    if (ct_grid_init(&g, "EPSG:32648", 660000, 1520000, 660080, 1520060, 10.0, &err) ==
        CT_OK) {
      ct_fields *fs = ct_fields_new(&g);
      ct_field *d = ct_fields_add(fs, "flood.depth", "m", "Water depth", 0, &err);
      int rc = d ? ct_snapshot_create(&sn, small, &g, &meta, &err) : CT_ENOMEM;
      if (rc == CT_OK) rc = ct_snapshot_append(sn, 0.0, &d, 1, &err);
      if (sn) ct_snapshot_close(sn, 1, &err);
      CHECK(rc == CT_OK);
      ct_fields_free(fs);
      ct_grid_free(&g);
    }
    snprintf(args, sizeof args, "'%s' --diff '%s' --render '%s/x.png'", run, small, dir);
    CHECK(view(args) == 2);
    CHECK(stderr_has("different grids"));
  }
  /* bad options */
  snprintf(args, sizeof args, "'%s' --render '%s/x.png' --size huge", run, dir);
  CHECK(view(args) == 2);
  snprintf(args, sizeof args, "'%s' --render '%s/x.png' --time 99:00x", run, dir);
  CHECK(view(args) == 2);
  CHECK(view("--bogus") == 2);
  CHECK(view("") == 2);
  return TEST_RESULT();
}
