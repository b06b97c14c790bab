/* test_view_window.c - a scripted session in a real SDL2 window under Xvfb:
 * the script (key presses and mouse events the viewer pushes as SDL events)
 * steps time, zooms at the cursor with the wheel, pins a point and opens the
 * help, saving a screenshot after each. Each screenshot must equal the
 * headless rendering of the state those events should have produced, and
 * differ from the one before where the change shows. Skips (77) without
 * Xvfb. */
#include <gdal.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct_test.h"
#include "view.h"
#include "view_testrun.h"

#define W 800
#define H 500

static const char *xvfb_path(void) {
  static const char *const c[] = {"/usr/bin/Xvfb", "/usr/local/bin/Xvfb"};
  for (int k = 0; k < 2; k++)
    if (access(c[k], X_OK) == 0) return c[k];
  return NULL;
}

/* Starts Xvfb on a free display; returns its pid and the display number. */
static pid_t start_xvfb(const char *xvfb, int *disp) {
  for (int d = 91; d < 160; d++) {
    char lock[64], sock[64];
    snprintf(lock, sizeof lock, "/tmp/.X%d-lock", d);
    snprintf(sock, sizeof sock, "/tmp/.X11-unix/X%d", d);
    if (access(lock, F_OK) == 0 || access(sock, F_OK) == 0) continue;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
      char name[16];
      snprintf(name, sizeof name, ":%d", d);
      if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
        _exit(127);
      execl(xvfb, "Xvfb", name, "-screen", "0", "1024x768x24", "-nolisten", "tcp",
            (char *)NULL);
      _exit(127);
    }
    for (int k = 0; k < 100; k++) { /* up to 10 s for the socket */
      if (access(sock, F_OK) == 0) {
        *disp = d;
        return pid;
      }
      int st;
      if (waitpid(pid, &st, WNOHANG) == pid) break; /* died: try the next */
      usleep(100000);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
  }
  return -1;
}

/* Reads a PNG into ARGB; 0 ok. */
static int read_png(const char *path, uint32_t *px, int w, int h) {
  GDALDatasetH ds = GDALOpen(path, GA_ReadOnly);
  if (!ds) return -1;
  int ok = GDALGetRasterXSize(ds) == w && GDALGetRasterYSize(ds) == h &&
           GDALGetRasterCount(ds) >= 3;
  static unsigned char b[3][W * H];
  for (int c = 0; ok && c < 3; c++)
    ok = GDALRasterIO(GDALGetRasterBand(ds, c + 1), GF_Read, 0, 0, w, h, b[c], w, h,
                      GDT_Byte, 0, 0) == CE_None;
  GDALClose(ds);
  if (!ok) return -1;
  for (int k = 0; k < w * h; k++) px[k] = CT__RGB(b[0][k], b[1][k], b[2][k]);
  return 0;
}

/* Pixels that differ in rows [y0, y1). */
static long ndiff(const uint32_t *a, const uint32_t *b, int y0, int y1) {
  long n = 0;
  for (int y = y0; y < y1; y++)
    for (int x = 0; x < W; x++)
      n += (a[y * W + x] & 0xFFFFFF) != (b[y * W + x] & 0xFFFFFF);
  return n;
}

#define NSHOT 9
static uint32_t shot[NSHOT][W * H], ref[W * H];

int main(void) {
  const char *xvfb = xvfb_path();
  if (!xvfb) {
    fprintf(stderr, "no Xvfb: skipped\n");
    return CT_SKIP;
  }
  GDALAllRegister();
  char dir[512], run[600], script[600], cmd[4096];
  snprintf(dir, sizeof dir, "%s/tests/viewer/window_out", CT_BINARY_DIR);
  mkdir(dir, 0777);
  snprintf(run, sizeof run, "%s/run.nc", dir);
  snprintf(script, sizeof script, "%s/session.txt", dir);
  ct_error err = {0};
  int ok_ = tr_make(run, &err) == CT_OK;
  CHECK(ok_);
  if (!ok_) fprintf(stderr, "%s\n", err.msg);
  if (!ok_) return TEST_RESULT();
  /* where the field picker lists flood.depth, for a click on it */
  int pick_x = 0, pick_y = 0;
  {
    ct__view v0;
    if (ct__view_open(&v0, run, NULL, 0, &err) == CT_OK) {
      v0.picker = 1;
      ct__view_render(&v0, ref, W, H);
      int k = ct_reader_find(v0.run[0].r, "flood.depth");
      pick_x = v0.picker_box.x + 40;
      pick_y = v0.picker_box.y + 12 * k + 6;
    }
    ct__view_close(&v0);
  }
  FILE *f = fopen(script, "w");
  if (!f) return 1;
  fprintf(f,
          "# scripted session: one command per frame\n"
          "move 5 5\n" /* the pointer on the title bar: no probe yet */
          "wait 2\n"
          "shot %s/s0.png\n"
          "key .\n"
          "shot %s/s1.png\n"
          "move 300 200\n"
          "wheel 2\n"
          "shot %s/s2.png\n"
          "click 300 200\n"
          "shot %s/s3.png\n"
          "text ?\n"     /* help, as typed on any keyboard layout */
          "shot %s/s4.png\n"
          "key F1\n"
          "key f\n"      /* field picker: the next field, Enter */
          "key Down\n"
          "key Return\n"
          "shot %s/s5.png\n"
          "key shift+r\n" /* type a range */
          "text 2.5 3.5\n"
          "key Return\n"
          "shot %s/s6.png\n"
          "drag 400 250 300 200\n" /* pan by (-100, -50) pixels */
          "shot %s/s7.png\n"
          "key Tab\n"   /* the picker again: click flood.depth */
          "click %d %d\n"
          "shot %s/s8.png\n"
          "quit\n",
          dir, dir, dir, dir, dir, dir, dir, dir, pick_x, pick_y, dir);
  fclose(f);
  for (int k = 0; k < NSHOT; k++) {
    char p[700];
    snprintf(p, sizeof p, "%s/s%d.png", dir, k);
    remove(p);
  }
  int disp = 0;
  pid_t xpid = start_xvfb(xvfb, &disp);
  if (xpid < 0) {
    fprintf(stderr, "Xvfb would not start: skipped\n");
    return CT_SKIP;
  }
  /* Leak checking is off for the windowed process only: libdbus, Mesa and
     X11 keep allocations until exit that LeakSanitizer reports (and some
     from unloaded modules no suppression can name). The drawing code it
     shares is leak-checked by test_view_render and test_view_cli. */
  snprintf(cmd, sizeof cmd,
           "DISPLAY=:%d SDL_AUDIODRIVER=dummy ASAN_OPTIONS=detect_leaks=0 "
           "timeout 60 '%s' '%s' --size %dx%d "
           "--script '%s'",
           disp, CT_VIEW, run, W, H, script);
  int st = system(cmd);
  kill(xpid, SIGTERM);
  waitpid(xpid, NULL, 0);
  CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  for (int k = 0; k < NSHOT; k++) {
    char p[700];
    snprintf(p, sizeof p, "%s/s%d.png", dir, k);
    if (read_png(p, shot[k], W, H) != 0) {
      fprintf(stderr, "screenshot %s missing or not %dx%d\n", p, W, H);
      CHECK(0);
      return TEST_RESULT();
    }
  }
  /* What each screenshot should show, drawn headless by the same code. The
     status line at the bottom ("saved ...") is left out of the comparison. */
  const int body = H - 50;
  ct__view v;
  ok_ = ct__view_open(&v, run, NULL, 0, &err) == CT_OK;
  CHECK(ok_);
  if (!ok_) fprintf(stderr, "%s\n", err.msg);
  if (!ok_) return TEST_RESULT();
  v.mouse_x = v.mouse_y = 5;
  v.mouse_in = 1;
  ct__view_render(&v, ref, W, H);
  CHECK(ndiff(shot[0], ref, 0, body) == 0);
  /* '.' steps to snapshot 2: the time label and the water change */
  v.t = 1;
  ct__view_render(&v, ref, W, H);
  CHECK(ndiff(shot[1], ref, 0, body) == 0);
  CHECK(ndiff(shot[1], shot[0], 0, 30) > 10); /* two digits of the clock */
  CHECK(ndiff(shot[1], shot[0], 30, body) > 1000);
  /* two wheel steps at (300, 200) zoom by 1.25^2 about that point */
  v.mouse_x = 300;
  v.mouse_y = 200;
  v.mouse_in = 1;
  ct__view_zoom_at(&v, 1.25 * 1.25, 300, 200);
  ct__view_render(&v, ref, W, H);
  long d2 = ndiff(shot[2], ref, 0, body);
  if (d2) fprintf(stderr, "zoomed screenshot: %ld pixels differ\n", d2);
  CHECK(d2 == 0);
  CHECK(ndiff(shot[2], shot[1], 30, body) > 10000);
  /* the cell under the cursor stayed under it */
  int i, j;
  CHECK(ct__view_px_cell(&v, 300, 200, &i, &j) == 0);
  /* a click pins that cell: its time series appears */
  CHECK_OK(ct__view_pin(&v, i, j, &err), &err);
  ct__view_render(&v, ref, W, H);
  CHECK(ndiff(shot[3], ref, 0, body) == 0);
  CHECK(ndiff(shot[3], shot[2], 30, body) > 2000);
  /* '?': the help overlay over the middle */
  CHECK(ndiff(shot[4], shot[3], H / 2 - 60, H / 2 + 60) > 5000);
  /* the picker's next field */
  int nv = ct_reader_nvars(v.run[0].r);
  const char *next = ct_reader_var(v.run[0].r, (v.var + 1) % nv)->name;
  CHECK_OK(ct__view_set_field(&v, next, &err), &err);
  ct__view_render(&v, ref, W, H);
  CHECK(ndiff(shot[5], ref, 0, body) == 0);
  CHECK(ndiff(shot[5], shot[3], 30, body) > 10000);
  /* the typed range */
  v.range_mode = CT__RANGE_TYPED;
  v.typed_lo = 2.5;
  v.typed_hi = 3.5;
  ct__view_render(&v, ref, W, H);
  CHECK(ndiff(shot[6], ref, 0, body) == 0);
  CHECK(ndiff(shot[6], shot[5], 30, body) > 10000);
  /* the drag pans the map with the mouse */
  ct__view_pan(&v, -100, -50);
  v.mouse_x = 300;
  v.mouse_y = 200;
  ct__view_render(&v, ref, W, H);
  CHECK(ndiff(shot[7], ref, 0, body) == 0);
  CHECK(ndiff(shot[7], shot[6], 30, body) > 10000);
  /* the click in the picker shows flood.depth again, range over the run */
  CHECK_OK(ct__view_set_field(&v, "flood.depth", &err), &err);
  v.mouse_x = pick_x;
  v.mouse_y = pick_y;
  ct__view_render(&v, ref, W, H);
  CHECK(ndiff(shot[8], ref, 0, body) == 0);
  CHECK(ndiff(shot[8], shot[7], 30, body) > 10000);
  ct__view_close(&v);
  return TEST_RESULT();
}
