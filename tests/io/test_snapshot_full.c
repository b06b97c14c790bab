/* test_snapshot_full.c - a run that hits the file-size limit (what a full
 * disk looks like to the writer) gets CT_ENOSPC with a message naming the
 * file, not a crash; the snapshots appended before it stay readable and the
 * file does not claim to be complete. The limit is set with RLIMIT_FSIZE in
 * a child process, so writes fail with EFBIG as on a full disk. */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "ct_test.h"
#include "io_test_util.h"

enum { NX = 256, NY = 256 };

static void child(const char *path, int up) {
  signal(SIGXFSZ, SIG_IGN); /* a failing write(2), not a signal */
  /* Incompressible slices of 256 KiB: the limit falls within a few. */
  struct rlimit lim = {.rlim_cur = 1200000, .rlim_max = 1200000};
  if (setrlimit(RLIMIT_FSIZE, &lim)) _exit(3);
  ct_error err = {0};
  ct_grid g;
  if (io_make_grid(&g, 32648, NX, NY, 683000.0, 1193000.0, 20.0)) _exit(3);
  ct_snapshot_meta meta = {.title = "full", .start_unix = 1789455600.0};
  ct_snapshot *s = NULL;
  if (ct_snapshot_create(&s, path, &g, &meta, &err)) _exit(4);
  ct_field f;
  io_field_init(&f, "flood.depth", "m", "water depth", NX, NY);
  ct_field *list[1] = {&f};
  int ok = 0, rc = 0;
  unsigned x = 12345;
  for (int k = 0; k < 100 && !rc; k++) {
    for (size_t c = 0; c < (size_t)NX * NY; c++) {
      x = x * 1103515245u + 12345u; /* noise deflate cannot shrink */
      f.data[c] = (float)(x >> 8) * 1e-3f;
    }
    f.data[0] = (float)k; /* the slice's signature */
    rc = ct_snapshot_append(s, 60.0 * (k + 1), list, 1, &err);
    if (!rc) ok++;
  }
  int msg_ok = strstr(err.msg, path) != NULL;
  if (rc != CT_ENOSPC || !msg_ok)
    fprintf(stderr, "append failed with %d: %s\n", rc, err.msg);
  if (write(up, &ok, sizeof ok) != (ssize_t)sizeof ok) _exit(5);
  ct_snapshot_close(s, 0, &err); /* may fail too: the disk is still full */
  _exit(rc == CT_ENOSPC && msg_ok ? 0 : 6);
}

int main(void) {
  char dir[4096], path[4200];
  if (io_tmpdir(dir, sizeof dir, "full")) return 1;
  snprintf(path, sizeof path, "%s/full.nc", dir);
  int up[2];
  if (pipe(up)) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    close(up[0]);
    child(path, up[1]);
  }
  close(up[1]);
  int ok = -1, status = 0;
  CHECK(read(up[0], &ok, sizeof ok) == (ssize_t)sizeof ok);
  waitpid(pid, &status, 0);
  close(up[0]);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(ok >= 1 && ok < 100); /* some fitted, the limit was reached */

  ct_error err = {0};
  ct_reader *r = NULL;
  CHECK_OK(ct_reader_open(&r, path, &err), &err);
  if (r) {
    int nt = ct_reader_ntimes(r);
    CHECK(nt >= ok);
    float *buf = malloc((size_t)NX * NY * sizeof *buf);
    for (int k = 0; k < ok; k++) {
      CHECK_OK(ct_reader_read(r, 0, k, buf, &err), &err);
      CHECK(buf[0] == (float)k);
    }
    free(buf);
    char *st = ct_reader_attr(r, "citytwin_status");
    CHECK(st && strcmp(st, "complete") != 0);
    free(st);
    ct_reader_close(r);
  }
  io_rmdir(dir);
  return TEST_RESULT();
}
