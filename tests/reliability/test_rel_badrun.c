/* test_rel_badrun.c - `citytwin run` on bad requests from a user: an output
 * that is one of the run's inputs, two runs on one output, a resume on a
 * full disk, a rerun killed next to an old summary, a resume with another
 * scenario or changed CSV inputs, SIGTERM inside a long coupling interval,
 * an unwritable output folder, `info` on a damaged file, and durations and
 * cells out of range. Each drives the real binary; argv[1] picks one. */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <hdf5.h>

#include "citytwin/snapshot.h"
#include "ct_test.h"
#include "ct_test_h5.h"
#include "rel_util.h"

enum { NX = 100, NY = 100 };
static char dir[256];


/* duration, output file, interval, extra [flood] lines */
#define INI                                                                 \
  "[scenario]\nname = %s\nstart = 2026-09-15T14:00:00+07:00\n"             \
  "duration = %s\n[domain]\ngrid = dem\n[layers]\ndem = dem.tif\n"        \
  "[output]\nfile = %s\ninterval = %s\ngauges = g_gauges.csv\n"             \
  "fields = flood.depth flood.wse\n"                                        \
  "[flood]\nrain = rain.csv\nboundary.south = free\n%s"

static const char rain_csv[] = "time,rain\n0,60\n259200,60\n";
static const char gauges_csv[] = "name,x,y\ng1,680500,1185500\n";

static void scenario(const char *file, const char *name, const char *dur,
                     const char *out, const char *interval,
                     const char *extra) {
  char text[2048];
  snprintf(text, sizeof text, INI, name, dur, out, interval, extra);
  CHECK(rel_put(dir, file, text) == 0);
}

static char *at(const char *name) {
  static char p[4][600];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}

/* `citytwin ARGS` in dir, output into out; its exit status. */
#define CLI(out, ...) cli(out, sizeof out, __VA_ARGS__)
static int cli(char *out, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int cli(char *out, size_t n, const char *fmt, ...) {
  char args[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  int rc = rel_sh(out, n, "cd '%s' && %s", dir, args);
  printf("$ %s\n-> %d\n%s", args, rc, out);
  return rc;
}

static long long file_size(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static int same_text(const char *path, const char *want) {
  char *t = rel_slurp(path);
  int same = t && !strcmp(t, want);
  free(t);
  return same;
}

/* 1. No output, summary or gauge CSV may overwrite an input. */
static void test_clobber(void) {
  char out[8192];
  scenario("s.ini", "clobber", "10min", "out/s.nc", "5min", "");
  char *before = rel_slurp(at("s.ini")), *dem = rel_slurp(at("dem.tif"));
  long long dem_size = file_size(at("dem.tif"));
  CHECK(CLI(out, "'%s' run s.ini --output s.ini --quiet", CT_CLI) == 2);
  CHECK(strstr(out, "overwrite") && strstr(out, "s.ini"));
  CHECK(before && same_text(at("s.ini"), before));
  CHECK(CLI(out, "'%s' run s.ini --output dem.tif --quiet", CT_CLI) == 2);
  CHECK(strstr(out, "dem.tif"));
  CHECK(file_size(at("dem.tif")) == dem_size);
  CHECK(CLI(out, "'%s' run s.ini --output rain.csv --quiet", CT_CLI) == 2);
  CHECK(same_text(at("rain.csv"), rain_csv));
  /* g.nc's gauge CSV would be g_gauges.csv, the scenario's gauge list */
  CHECK(CLI(out, "'%s' run s.ini --output g.nc --quiet", CT_CLI) == 2);
  CHECK(strstr(out, "g_gauges.csv"));
  CHECK(same_text(at("g_gauges.csv"), gauges_csv));
  CHECK(file_size(at("g.nc")) < 0);
  /* a series whose name has a space is one file, not two words */
  char text[2048];
  snprintf(text, sizeof text,
           "[scenario]\nname = sp\nstart = 2026-09-15T14:00:00+07:00\n"
           "duration = 10min\n[domain]\ngrid = dem\n[layers]\ndem = dem.tif\n"
           "[output]\nfile = sp.nc\n[flood]\nrain = my rain.csv\n");
  CHECK(rel_put(dir, "sp.ini", text) == 0);
  CHECK(rel_put(dir, "my rain.csv", rain_csv) == 0);
  CHECK(CLI(out, "'%s' run sp.ini --output 'my rain.csv' --quiet", CT_CLI) ==
        2);
  CHECK(same_text(at("my rain.csv"), rain_csv));
  free(before);
  free(dem);
}

static pid_t spawn(const char *errfile, const char *ini, const char *extra) {
  pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir) != 0 || !freopen(errfile, "w", stderr)) _exit(126);
    if (extra)
      execl(CT_CLI, CT_CLI, "run", ini, "--threads", "1", extra, (char *)NULL);
    else
      execl(CT_CLI, CT_CLI, "run", ini, "--threads", "1", (char *)NULL);
    _exit(127);
  }
  return pid;
}

static int wait_for(const char *errfile, const char *what, int ms) {
  for (int t = 0; t < ms; t += 50) {
    char *m = rel_slurp(errfile);
    int ok = m && strstr(m, what);
    free(m);
    if (ok) return 1;
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
  }
  return 0;
}

/* Exit status of pid within ms, or -1 (then it is killed). */
static int reap(pid_t pid, int ms) {
  for (int t = 0; t < ms; t += 50) {
    int st;
    if (waitpid(pid, &st, WNOHANG) == pid)
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    struct timespec ts = {0, 50000000};
    nanosleep(&ts, NULL);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return -1;
}

static void check_status(const char *file, const char *want) {
  ct_error err = {0};
  ct_reader *r = NULL;
  CHECK_OK(ct_reader_open(&r, file, &err), &err);
  if (!r) return;
  char *status = ct_reader_attr(r, "citytwin_status");
  printf("%s: status %s\n", file, status ? status : "(none)");
  CHECK(status && !strcmp(status, want));
  free(status);
  ct_reader_close(r);
}

/* 2. A second run on a file being written leaves it alone. */
static void test_busy(void) {
  char out[8192];
  scenario("busy.ini", "busy", "2d", "busy.nc", "5min", "");
  pid_t a = spawn(at("busy.err"), "busy.ini", NULL);
  CHECK(wait_for(at("busy.err"), "progress:  10%", 60000));
  long long size = file_size(at("busy.nc"));
  CHECK(size > 0);
  CHECK(CLI(out, "'%s' run busy.ini --quiet", CT_CLI) == 1);
  CHECK(strstr(out, "is locked by another program") && strstr(out, "busy.nc"));
  CHECK(file_size(at("busy.nc")) >= size);
  kill(a, SIGINT);
  CHECK(reap(a, 30000) == 1);
  check_status(at("busy.nc"), "interrupted");
}

/* Runs the CLI with RLIMIT_FSIZE = limit; its exit status. */
static int run_limited(rlim_t limit, const char *errfile, const char *a1,
                       const char *a2, const char *a3) {
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl = {limit, limit};
    if ((limit && setrlimit(RLIMIT_FSIZE, &rl) != 0) || chdir(dir) != 0 ||
        !freopen(errfile, "w", stderr))
      _exit(126);
    execl(CT_CLI, CT_CLI, "run", a1, a2, a3, "--quiet", "--threads", "1",
          (char *)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* 3. A resume that meets the full disk again fails cleanly (it crashed in
 * HDF5's clean-up at exit). */
static void test_fullresume(void) {
  scenario("full.ini", "full", "1h", "full.nc", "1min", "");
  CHECK(run_limited(0, at("full.err"), "full.ini", "--output", "whole.nc") == 0);
  rlim_t limit = (rlim_t)(file_size(at("whole.nc")) / 2);
  int rc = run_limited(limit, at("full.err"), "full.ini", "--output", "full.nc");
  char *m = rel_slurp(at("full.err"));
  printf("limited run: exit %d\n%s", rc, m ? m : "");
  free(m);
  CHECK(rc == 1);
  rc = run_limited(limit, at("full.err"), "--resume", "full.nc", "--quiet");
  m = rel_slurp(at("full.err"));
  printf("limited resume: exit %d\n%s", rc, m ? m : "");
  CHECK(rc == 1);
  CHECK(m && strstr(m, "no space"));
  free(m);
}

/* 4. A rerun killed early leaves no "complete" summary of the run before. */
static void test_stale(void) {
  char out[8192];
  scenario("st.ini", "stale", "1h", "st.nc", "10min", "");
  CHECK(CLI(out, "'%s' run st.ini --quiet", CT_CLI) == 0);
  char *first = rel_slurp(at("st_summary.json"));
  CHECK(first != NULL);
  free(first);
  CHECK(CLI(out, "CITYTWIN_TEST_KILL_AT=1800 '%s' run st.ini --quiet",
            CT_CLI) == 128 + SIGKILL);
  char *sum = rel_slurp(at("st_summary.json"));
  printf("summary after the killed rerun: %s\n", sum ? sum : "(none)");
  CHECK(!sum || !strstr(sum, "\"complete\""));
  free(sum);
}

/* 5. A resume with another scenario, an edited one, or changed CSVs. */
static void test_resumecheck(void) {
  char out[8192];
  scenario("a.ini", "first", "1h", "a.nc", "10min", "");
  scenario("b.ini", "second", "2h", "b.nc", "10min", "");
  CHECK(CLI(out, "CITYTWIN_TEST_KILL_AT=1800 '%s' run a.ini --quiet",
            CT_CLI) == 128 + SIGKILL);
  CHECK(CLI(out, "'%s' run b.ini --output a.nc --resume --quiet", CT_CLI) == 2);
  CHECK(strstr(out, "a.ini") && strstr(out, "b.ini"));
  /* the same scenario file, edited since */
  char *orig = rel_slurp(at("a.ini"));
  CHECK(orig != NULL);
  if (!orig) return;
  size_t n = strlen(orig) + 32;
  char *edited = malloc(n);
  snprintf(edited, n, "%s# edited\n", orig);
  CHECK(rel_put(dir, "a.ini", edited) == 0);
  CHECK(CLI(out, "'%s' run a.ini --resume --quiet", CT_CLI) == 2);
  CHECK(strstr(out, "a.ini") && strstr(out, "changed"));
  CHECK(rel_put(dir, "a.ini", orig) == 0);
  /* killed anew, so that each check below stands on its own */
  CHECK(CLI(out, "CITYTWIN_TEST_KILL_AT=1800 '%s' run a.ini --quiet",
            CT_CLI) == 128 + SIGKILL);
  /* a changed rain series */
  CHECK(rel_put(dir, "rain.csv", "time,rain\n0,61\n259200,61\n") == 0);
  CHECK(CLI(out, "'%s' run --resume a.nc --quiet", CT_CLI) == 2);
  CHECK(strstr(out, "rain.csv") && strstr(out, "changed"));
  CHECK(rel_put(dir, "rain.csv", rain_csv) == 0);
  /* a moved gauge */
  CHECK(rel_put(dir, "g_gauges.csv", "name,x,y\ng1,680510,1185500\n") == 0);
  CHECK(CLI(out, "'%s' run a.ini --resume --quiet", CT_CLI) == 2);
  CHECK(strstr(out, "g_gauges.csv") && strstr(out, "changed"));
  CHECK(rel_put(dir, "g_gauges.csv", gauges_csv) == 0);
  /* all as it was: it goes on */
  CHECK(CLI(out, "'%s' run a.ini --resume --quiet", CT_CLI) == 0);
  check_status(at("a.nc"), "complete");
  free(edited);
  free(orig);

  /* a forecast stack: a file added to its glob, or one gone, is refused;
   * the stopped run's summary stays while no resume happens */
  static float r10[NX * NY];
  for (int k = 0; k < NX * NY; k++) r10[k] = 10.0f;
  CHECK(mkdir(at("fc"), 0755) == 0);
  CHECK(rel_tif(dir, "fc/rain_20260915T1400+0700.tif", NX, NY, 680000,
                1186000, 10, 32648, r10, 0, 0) == 0);
  CHECK(rel_tif(dir, "fc/rain_20260915T1500+0700.tif", NX, NY, 680000,
                1186000, 10, 32648, r10, 0, 0) == 0);
  char text[2048];
  snprintf(text, sizeof text,
           "[scenario]\nname = fc\nstart = 2026-09-15T14:00:00+07:00\n"
           "duration = 1h\n[domain]\ngrid = dem\n[layers]\ndem = dem.tif\n"
           "[output]\nfile = fc.nc\ninterval = 10min\n[flood]\n"
           "rain = stack:fc/rain_*.tif\nrain.interval = 1h\n");
  CHECK(rel_put(dir, "fc.ini", text) == 0);
  CHECK(CLI(out, "CITYTWIN_TEST_KILL_AT=1800 '%s' run fc.ini --quiet",
            CT_CLI) == 128 + SIGKILL);
  CHECK(rel_put(dir, "fc_summary.json", "{\"status\": \"interrupted\"}\n") ==
        0);
  CHECK(rel_tif(dir, "fc/rain_20260915T1600+0700.tif", NX, NY, 680000,
                1186000, 10, 32648, r10, 0, 0) == 0);
  CHECK(CLI(out, "'%s' run fc.ini --resume --quiet", CT_CLI) == 2);
  CHECK(strstr(out, "rain_20260915T1600+0700.tif was added"));
  CHECK(file_size(at("fc_summary.json")) > 0);
  CHECK(remove(at("fc/rain_20260915T1600+0700.tif")) == 0);
  CHECK(remove(at("fc/rain_20260915T1500+0700.tif")) == 0);
  CHECK(CLI(out, "'%s' run fc.ini --resume --quiet", CT_CLI) == 2);
  CHECK(strstr(out, "some are gone"));
  CHECK(rel_tif(dir, "fc/rain_20260915T1500+0700.tif", NX, NY, 680000,
                1186000, 10, 32648, r10, 0, 0) == 0);
  CHECK(CLI(out, "'%s' run fc.ini --resume --quiet", CT_CLI) == 0);
  check_status(at("fc.nc"), "complete");
}

/* 6. SIGTERM stops a run inside a coupling interval of many tiny steps. */
static void test_stop(void) {
  /* one coupling interval of 6 h in steps of at most 0.01 s */
  char text[2048];
  snprintf(text, sizeof text,
           "[scenario]\nname = slow\nstart = 2026-09-15T14:00:00+07:00\n"
           "duration = 6h\ncoupling = 6h\n[domain]\ngrid = dem\n[layers]\n"
           "dem = dem.tif\n[output]\nfile = slow.nc\ninterval = 6h\n"
           "[flood]\nrain = rain.csv\nmax_dt = 0.01\n");
  CHECK(rel_put(dir, "slow.ini", text) == 0);
  pid_t pid = spawn(at("slow.err"), "slow.ini", NULL);
  CHECK(wait_for(at("slow.err"), "progress:", 60000));
  struct timespec ts = {0, 500000000};
  nanosleep(&ts, NULL);
  kill(pid, SIGTERM);
  int rc = reap(pid, 15000);
  char *m = rel_slurp(at("slow.err"));
  printf("SIGTERM: exit %d\n%s", rc, m ? m : "");
  CHECK(rc == 1);
  CHECK(m && strstr(m, "stopped"));
  free(m);
  check_status(at("slow.nc"), "interrupted");
}

/* 7. An output folder that cannot be written: bad input, said so, and
 * `check` finds it too. As root, the CLI runs as nobody (root may write
 * anywhere). */
static int run_as_user(const char *cmd, const char *ini, const char *errfile) {
  pid_t pid = fork();
  if (pid == 0) {
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
      _exit(126);
    if (chdir(dir) != 0 || !freopen(errfile, "w", stderr)) _exit(126);
    execl(CT_CLI, CT_CLI, cmd, ini, (char *)NULL);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_rodir(void) {
  scenario("ro.ini", "ro", "10min", "ro/sub/x.nc", "5min", "");
  CHECK(mkdir(at("ro"), 0555) == 0 || errno == EEXIST);
  CHECK(chmod(at("ro"), 0555) == 0);
  CHECK(chmod(dir, 0755) == 0); /* readable by nobody */
  for (int k = 0; k < 2; k++) {
    /* stderr into a file nobody may write: in /tmp */
    char errf[300];
    snprintf(errf, sizeof errf, "/tmp/ct_rel_ro_%d.err", (int)getpid());
    unlink(errf);
    int rc = run_as_user(k ? "check" : "run", "ro.ini", errf);
    char *m = rel_slurp(errf);
    printf("%s in a read-only folder: exit %d\n%s", k ? "check" : "run", rc,
           m ? m : "");
    CHECK(rc == 2);
    CHECK(m && strstr(m, "not writable") && strstr(m, "ro"));
    free(m);
    unlink(errf);
  }
}

/* 8. `info` on a damaged file: the error on stderr, exit 2. */
static void test_info(void) {
  char out[8192];
  scenario("i.ini", "info", "10min", "i.nc", "5min", "");
  CHECK(CLI(out, "'%s' run i.ini --quiet", CT_CLI) == 0);
  CHECK(ct_test_corrupt_slice(at("i.nc"), 1) == 0);
  CHECK(CLI(out, "{ '%s' info i.nc 2>i.err; }", CT_CLI) == 2);
  CHECK(!strstr(out, "unreadable:"));
  char *m = rel_slurp(at("i.err"));
  printf("stderr: %s", m ? m : "(none)\n");
  CHECK(m && strstr(m, "error:") && strstr(m, "flood.depth"));
  free(m);
}

/* 9. A duration of a billion days and a cell of 0.1 mm: bad input naming
 * the line, not "out of memory". */
static void test_caps(void) {
  char out[8192];
  /* two gauges of one name would give two series under that name */
  CHECK(rel_put(dir, "g_gauges.csv", "name,x,y\ng1,680500,1185500\n"
                                     "g1,680600,1185500\n") == 0);
  scenario("gd.ini", "gdup", "10min", "gd.nc", "5min", "");
  CHECK(CLI(out, "'%s' check gd.ini", CT_CLI) == 2);
  CHECK(strstr(out, "g_gauges.csv:3: gauge 'g1' is named twice"));
  CHECK(rel_put(dir, "g_gauges.csv", gauges_csv) == 0);
  scenario("d.ini", "dur", "1000000000d", "d.nc", "5min", "");
  CHECK(CLI(out, "'%s' check d.ini", CT_CLI) == 2);
  CHECK(strstr(out, "d.ini:4:"));
  CHECK(!strstr(out, "out of memory"));
  CHECK(rel_put(dir, "c.ini",
                "[scenario]\nstart = 2026-09-15T14:00:00+07:00\n"
                "duration = 10min\n[domain]\ncrs = EPSG:32648\n"
                "bounds = 680000 1185000 681000 1186000\ncell = 0.0001\n"
                "[layers]\ndem = dem.tif\n[flood]\n") == 0);
  CHECK(CLI(out, "'%s' check c.ini", CT_CLI) == 2);
  CHECK(strstr(out, "c.ini:"));
  CHECK(CLI(out, "'%s' run c.ini --quiet", CT_CLI) == 2);
}

int main(int argc, char **argv) {
  if (access(CT_CLI, X_OK) != 0) return CT_SKIP;
  const char *which = argc > 1 ? argv[1] : "";
  if (rel_tmpdir(dir, sizeof dir, "badrun")) return 1;
  static float z[NX * NY];
  rel_rough_dem(z, NX, NY);
  CHECK(rel_tif(dir, "dem.tif", NX, NY, 680000, 1186000, 10, 32648, z, 0, 0) ==
        0);
  CHECK(rel_put(dir, "rain.csv", rain_csv) == 0);
  CHECK(rel_put(dir, "g_gauges.csv", gauges_csv) == 0);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  if (!strcmp(which, "clobber")) test_clobber();
  if (!strcmp(which, "busy")) test_busy();
  if (!strcmp(which, "fullresume")) test_fullresume();
  if (!strcmp(which, "stale")) test_stale();
  if (!strcmp(which, "resumecheck")) test_resumecheck();
  if (!strcmp(which, "stop")) test_stop();
  if (!strcmp(which, "rodir")) test_rodir();
  if (!strcmp(which, "info")) test_info();
  if (!strcmp(which, "caps")) test_caps();
  if (!ct_test_failures) {
    chmod(at("ro"), 0755);
    rel_rmdir(dir);
  }
  return ct_test_failures ? 1 : 0;
}
