/* test_snapshot_kill.c - a run killed with SIGKILL after N snapshots leaves a
 * file with N readable snapshots whose status says "running" (never
 * "complete"); a reader in another process follows the file while it is
 * written (no HDF5 lock conflict, refresh sees new slices); and kills that
 * land in the middle of an append still leave every flushed slice intact. */
#include <signal.h>
#include <sys/wait.h>

#include "ct_test.h"
#include "io_test_util.h"

enum { NX = 64, NY = 48 };

static int write_all(int fd, const void *p, size_t n) {
  return write(fd, p, n) == (ssize_t)n ? 0 : -1;
}

static int read_all(int fd, void *p, size_t n) {
  return read(fd, p, n) == (ssize_t)n ? 0 : -1;
}

/* Child: a writer that reports each snapshot on up. With down >= 0 it stops
 * after `pause_at` snapshots until the parent says go; it never closes the
 * file (the parent kills it). */
static void child(const char *path, int up, int down, int pause_at, int max) {
  ct_error err = {0};
  ct_grid g;
  if (io_make_grid(&g, 32648, NX, NY, 683000.0, 1193000.0, 20.0)) _exit(3);
  ct_snapshot_meta meta = {.title = "kill", .start_unix = 1789455600.0};
  ct_snapshot *s = NULL;
  if (ct_snapshot_create(&s, path, &g, &meta, &err)) _exit(4);
  ct_field a, b;
  io_field_init(&a, "flood.depth", "m", "water depth", NX, NY);
  io_field_init(&b, "air.pm25", "ug m-3", "PM2.5", NX, NY);
  ct_field *list[2] = {&a, &b};
  for (int k = 0; k < max; k++) {
    if (down >= 0 && k == pause_at) {
      char c;
      if (read_all(down, &c, 1)) _exit(5);
    }
    io_field_fill(&a, k, 1.0f);
    io_field_fill(&b, k, 10.0f);
    if (ct_snapshot_append(s, 60.0 * (k + 1), list, 2, &err)) _exit(6);
    int done = k + 1;
    if (write_all(up, &done, sizeof done)) _exit(7);
  }
  /* Wait to be killed, like a model computing the next interval. */
  for (;;) pause();
}

/* Slices 0..n-1 of the file hold exactly what the child wrote. */
static void check_slices(ct_reader *r, int n) {
  int ka = ct_reader_find(r, "flood.depth"), kb = ct_reader_find(r, "air.pm25");
  CHECK(ka >= 0 && kb >= 0);
  if (ka < 0 || kb < 0) return;
  ct_field want;
  io_field_init(&want, "w", "1", "w", NX, NY);
  float *buf = malloc((size_t)NX * NY * sizeof *buf);
  ct_error err = {0};
  for (int k = 0; k < n; k++) {
    CHECK(ct_reader_time(r, k) == 60.0 * (k + 1));
    CHECK_OK(ct_reader_read(r, ka, k, buf, &err), &err);
    io_field_fill(&want, k, 1.0f);
    CHECK(io_compare(buf, want.data, (size_t)NX * NY) == 0);
    CHECK_OK(ct_reader_read(r, kb, k, buf, &err), &err);
    io_field_fill(&want, k, 10.0f);
    CHECK(io_compare(buf, want.data, (size_t)NX * NY) == 0);
  }
  free(buf);
  free(want.data);
}

static void check_running(ct_reader *r) {
  char *st = ct_reader_attr(r, "citytwin_status");
  CHECK(st && strcmp(st, "running") == 0);
  free(st);
}

/* Paused child: read while it writes, then kill it between snapshots. */
static void live_then_kill(const char *path) {
  int up[2], down[2];
  if (pipe(up) || pipe(down)) {
    CHECK(0);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(up[0]);
    close(down[1]);
    child(path, up[1], down[0], 2, 3);
  }
  close(up[1]);
  close(down[0]);
  int done = 0;
  for (int k = 0; k < 2; k++) CHECK(read_all(up[0], &done, sizeof done) == 0);
  CHECK(done == 2);
  ct_error err = {0};
  ct_reader *r = NULL;
  /* The writer is alive and holds the file open for writing. */
  CHECK_OK(ct_reader_open(&r, path, &err), &err);
  if (r) {
    CHECK(ct_reader_ntimes(r) == 2);
    check_running(r);
  }
  char go = 'g';
  CHECK(write_all(down[1], &go, 1) == 0);
  CHECK(read_all(up[0], &done, sizeof done) == 0);
  CHECK(done == 3);
  if (r) {
    int grew = 0;
    CHECK_OK(ct_reader_refresh(r, &grew, &err), &err);
    CHECK(grew == 1 && ct_reader_ntimes(r) == 3);
    check_slices(r, ct_reader_ntimes(r));
    CHECK_OK(ct_reader_refresh(r, &grew, &err), &err);
    CHECK(grew == 0);
    ct_reader_close(r);
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  close(up[0]);
  close(down[1]);

  r = NULL;
  CHECK_OK(ct_reader_open(&r, path, &err), &err);
  if (r) {
    CHECK(ct_reader_ntimes(r) == 3); /* killed after 3: 3 snapshots */
    check_running(r);
    check_slices(r, ct_reader_ntimes(r));
    ct_reader_close(r);
  }
}

/* Free-running child killed as soon as it reports n snapshots: it is then
 * usually inside a later append. At least n slices, every one intact. */
static void kill_mid_append(const char *path, int n) {
  int up[2];
  if (pipe(up)) {
    CHECK(0);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(up[0]);
    child(path, up[1], -1, 0, 100000);
  }
  close(up[1]);
  int done = 0;
  while (done < n && read_all(up[0], &done, sizeof done) == 0) {
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  close(up[0]);
  CHECK(done >= n);
  ct_error err = {0};
  ct_reader *r = NULL;
  CHECK_OK(ct_reader_open(&r, path, &err), &err);
  if (r) {
    int nt = ct_reader_ntimes(r);
    if (nt < done)
      fprintf(stderr, "killed after %d snapshots, file has %d\n", done, nt);
    CHECK(nt >= done);
    check_running(r);
    check_slices(r, nt);
    ct_reader_close(r);
  }
}

int main(void) {
  char dir[4096], path[4200];
  if (io_tmpdir(dir, sizeof dir, "kill")) return 1;
  snprintf(path, sizeof path, "%s/killed.nc", dir);
  live_then_kill(path);
  for (int round = 0; round < 6; round++) {
    snprintf(path, sizeof path, "%s/killed_%d.nc", dir, round);
    kill_mid_append(path, 3 + 7 * round);
  }
  io_rmdir(dir);
  return TEST_RESULT();
}
