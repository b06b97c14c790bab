/* test_rel_limits.c - a run that hits a file-size limit (what a full disk
 * looks like to the writer), and Ctrl-C on a small run. The run file must
 * stay readable up to its last complete snapshot, hold exactly the data an
 * unhindered run wrote for those times, and not be marked complete; the
 * user must be told which file and why. */
#define _GNU_SOURCE /* strcasestr */
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "citytwin/snapshot.h"
#include "ct_test.h"
#include "rel_util.h"

enum { NX = 100, NY = 100 };
static char dir[256];


#define INI                                                                \
  "[scenario]\nname = limits\nstart = 2026-09-15T14:00:00+07:00\n"        \
  "duration = %s\n[domain]\ngrid = dem\n[layers]\ndem = dem.tif\n"      \
  "[output]\nfile = %s\ninterval = 5min\n"                               \
  "fields = flood.wse flood.depth flood.speed\n"                          \
  "[flood]\nrain = 60\nboundary.south = free\n"

/* Runs the CLI in a child with RLIMIT_FSIZE = limit bytes (0: none); stderr
 * goes to errfile. Returns the exit status (128 + signal if killed). */
static int run_limited(const char *ini, const char *output, rlim_t limit,
                       const char *errfile) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (limit) {
      struct rlimit rl = {limit, limit};
      if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(126);
    }
    if (!freopen(errfile, "w", stderr)) _exit(126);
    execl(CT_CLI, CT_CLI, "run", ini, "--output", output, "--quiet",
          "--threads", "1", (char *)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static long long file_size(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* Every time-varying variable of the first nt slices of a equals b's. */
static void same_slices(ct_reader *a, ct_reader *b, int nt) {
  ct_error err = {0};
  float *va = malloc(sizeof(float) * NX * NY), *vb = malloc(sizeof(float) * NX * NY);
  int nvar = 0;
  for (int k = 0; va && vb && k < ct_reader_nvars(a); k++) {
    const ct_snapshot_var *v = ct_reader_var(a, k);
    int kb = ct_reader_find(b, v->name);
    CHECK(kb >= 0);
    if (kb < 0 || v->is_static) continue;
    nvar++;
    for (int t = 0; t < nt; t++) {
      CHECK_OK(ct_reader_read(a, k, t, va, &err), &err);
      CHECK_OK(ct_reader_read(b, kb, t, vb, &err), &err);
      CHECK(memcmp(va, vb, sizeof(float) * NX * NY) == 0);
    }
  }
  CHECK(nvar == 3);
  free(va);
  free(vb);
}

static void test_fsize(void) {
  char ini[512], full[512], lim[512], errf[512], text[2048];
  snprintf(text, sizeof text, INI, "1h", "full.nc");
  CHECK(rel_put(dir, "limits.ini", text) == 0);
  snprintf(ini, sizeof ini, "%s/limits.ini", dir);
  snprintf(full, sizeof full, "%s/full.nc", dir);
  snprintf(lim, sizeof lim, "%s/limited.nc", dir);
  snprintf(errf, sizeof errf, "%s/limited.err", dir);
  CHECK(run_limited(ini, full, 0, errf) == 0);
  long long size = file_size(full);
  ct_error err = {0};
  ct_reader *a = NULL, *b = NULL;
  CHECK_OK(ct_reader_open(&a, full, &err), &err);
  if (!a) return;
  int nfull = ct_reader_ntimes(a);
  CHECK(nfull == 13); /* 0, 5, ..., 60 min */
  /* Half the complete file: the grid, the DEM and some snapshots fit, the
   * rest does not. */
  rlim_t limit = (rlim_t)(size / 2);
  int rc = run_limited(ini, lim, limit, errf);
  char *msg = rel_slurp(errf);
  printf("full run: %lld bytes, %d snapshots; limit %llu bytes -> exit %d\n"
         "%s",
         size, nfull, (unsigned long long)limit, rc, msg ? msg : "(no stderr)");
  /* the run failed, and did not crash (SIGXFSZ would be 128 + 25, SIGSEGV
   * 128 + 11) */
  CHECK(rc == 1);
  CHECK(msg && strstr(msg, "limited.nc"));
  /* in words a user understands, not only HDF5's "File too large" */
  CHECK(msg && (strcasestr(msg, "no space") ||
                strcasestr(msg, "file size limit") ||
                strcasestr(msg, "file-size limit")));
  free(msg);
  CHECK(file_size(lim) <= (long long)limit);
  CHECK_OK(ct_reader_open(&b, lim, &err), &err);
  if (b) {
    int nt = ct_reader_ntimes(b);
    printf("limited file: %d snapshots readable\n", nt);
    CHECK(nt >= 1 && nt < nfull);
    for (int t = 0; t < nt; t++)
      CHECK(ct_reader_time(b, t) == ct_reader_time(a, t));
    same_slices(b, a, nt);
    char *status = ct_reader_attr(b, "citytwin_status");
    printf("limited file status: %s\n", status ? status : "(none)");
    CHECK(status && strcmp(status, "complete") != 0);
    free(status);
    ct_reader_close(b);
  }
  ct_reader_close(a);
}

/* Ctrl-C on a small run once two snapshots are in: exit 1, a readable file
 * marked interrupted. The progress lines on stderr say when (polling the
 * file with the reader instead would open it half-written, and a failed
 * HDF5 open leaks a few bytes that LeakSanitizer reports). */
static void test_sigint(void) {
  char ini[512], out[512], errf[512], text[2048];
  snprintf(text, sizeof text, INI, "2d", "int.nc");
  CHECK(rel_put(dir, "long.ini", text) == 0);
  snprintf(ini, sizeof ini, "%s/long.ini", dir);
  snprintf(out, sizeof out, "%s/int.nc", dir);
  snprintf(errf, sizeof errf, "%s/int.err", dir);
  pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(errf, "w", stderr)) _exit(126);
    execl(CT_CLI, CT_CLI, "run", ini, "--threads", "1", (char *)NULL);
    _exit(127);
  }
  /* off a terminal the CLI prints a progress line every 10%: at 10% (4.8 h
   * of the 2 days) the snapshots at 0 and 5 min are in */
  int ready = 0;
  for (int tries = 0; tries < 1200 && !ready; tries++) {
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
    char *m = rel_slurp(errf);
    ready = m && strstr(m, "progress:  10%");
    free(m);
  }
  CHECK(ready);
  kill(pid, SIGINT);
  int st;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
  char *msg = rel_slurp(errf);
  const char *stop = msg ? strstr(msg, "stopped") : NULL;
  printf("Ctrl-C: %s", stop ? stop : "(no message)\n");
  CHECK(stop && strstr(stop, "int.nc") && strstr(stop, "interrupted"));
  free(msg);
  ct_error err = {0};
  ct_reader *r = NULL;
  CHECK_OK(ct_reader_open(&r, out, &err), &err);
  if (r) {
    char *status = ct_reader_attr(r, "citytwin_status");
    CHECK(status && strcmp(status, "interrupted") == 0);
    free(status);
    /* at least 0 and 5 min; 2 days at 5 min would be 577 slices */
    CHECK(ct_reader_ntimes(r) >= 2 && ct_reader_ntimes(r) < 577);
    for (int t = 0; t < ct_reader_ntimes(r); t++)
      CHECK(ct_reader_time(r, t) == 300.0 * t);
    ct_reader_close(r);
  }
}

/* argv[1]: "fsize" or "sigint" (two ctest entries, so that one failing
 * does not hide the other). */
int main(int argc, char **argv) {
  if (access(CT_CLI, X_OK) != 0) return CT_SKIP;
  const char *which = argc > 1 ? argv[1] : "fsize sigint";
  if (rel_tmpdir(dir, sizeof dir, "limits")) return 1;
  static float z[NX * NY];
  rel_rough_dem(z, NX, NY);
  CHECK(rel_tif(dir, "dem.tif", NX, NY, 680000, 1186000, 10, 32648, z, 0, 0) ==
        0);
  if (strstr(which, "fsize")) test_fsize();
  if (strstr(which, "sigint")) test_sigint();
  if (!ct_test_failures) rel_rmdir(dir);
  else fprintf(stderr, "files kept in %s\n", dir);
  return TEST_RESULT();
}
