/* test_cli.c - end to end: the real `citytwin` binary on the demo city's real
 * files. demo -> check -> run -> info, a typo's message and exit status, and
 * Ctrl-C leaving a readable file marked interrupted. */
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "citytwin/snapshot.h"
#include "ct_test.h"

static char dir[] = "/tmp/ct_e2e_XXXXXX";

/* The demo's short scenario cut to its south-east 4 km x 4 km (200 x 200
 * cells: the river mouth with its tide, the port's stacks, a station), so
 * the test stays quick. The river's inflow, the stacks, stations and
 * gauges outside it would be errors there, so they are left out. */
static void cut_scenario(const char *src, const char *dst, const char *duration) {
  FILE *in = fopen(src, "r"), *out = fopen(dst, "w");
  char line[4096];
  while (in && out && fgets(line, sizeof line, in)) {
    /* the inflow, stacks, receptors and gauges outside the cut are errors */
    if (!strncmp(line, "inflow.", 7) || !strncmp(line, "stacks", 6) ||
        !strncmp(line, "receptors", 9) || !strncmp(line, "gauges", 6))
      continue;
    if (!strncmp(line, "bounds", 6))
      snprintf(line, sizeof line, "bounds = 688000 1186000 692000 1190000\n");
    if (!strncmp(line, "duration", 8))
      snprintf(line, sizeof line, "duration = %s\n", duration);
    fputs(line, out);
  }
  if (in) fclose(in);
  if (out) fclose(out);
}

static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, fp);
  buf[n] = '\0';
  fclose(fp);
  return buf;
}

int main(void) {
  if (!mkdtemp(dir)) return 1;
  CHECK(ct_test_sh("%s --help > /dev/null", CT_CLI) == 0);
  CHECK(ct_test_sh("%s run --help > /dev/null && %s info --help > /dev/null && "
           "%s check --help > /dev/null && %s demo --help > /dev/null",
           CT_CLI, CT_CLI, CT_CLI, CT_CLI) == 0);
  CHECK(ct_test_sh("%s frobnicate 2> /dev/null", CT_CLI) == 2);
  /* an option without its value says so (it read as unknown) */
  CHECK(ct_test_sh("%s run x.ini --output 2>&1 | grep -q -- '--output needs "
                   "a value'", CT_CLI) == 0);
  CHECK(ct_test_sh("%s demo --dir 2>&1 | grep -q -- '--dir needs a folder'",
                   CT_CLI) == 0);
  CHECK(ct_test_sh("%s demo --dir /etc/hostname 2> /dev/null", CT_CLI) == 2);

  CHECK(ct_test_sh("%s demo --dir %s/demo > /dev/null", CT_CLI, dir) == 0);
  CHECK(ct_test_sh("%s check %s/demo/demo.ini > /dev/null", CT_CLI, dir) == 0);
  CHECK(ct_test_sh("%s check %s/demo/demo_short.ini > /dev/null", CT_CLI, dir) == 0);
  CHECK(ct_test_sh("%s check %s/demo/demo_forecast.ini > /dev/null", CT_CLI, dir) == 0);
  char path[4096], src[4096];
  snprintf(src, sizeof src, "%s/demo/demo_short.ini", dir);
  snprintf(path, sizeof path, "%s/demo/cut.ini", dir);
  cut_scenario(src, path, "30min");
  CHECK(ct_test_sh("%s run %s --output %s/out/short.nc --quiet --threads 2", CT_CLI,
           path, dir) == 0);

  snprintf(path, sizeof path, "%s/out/short.nc", dir);
  ct_reader *r = NULL;
  ct_error err = {0};
  CHECK_OK(ct_reader_open(&r, path, &err), &err);
  if (r) {
    char *status = ct_reader_attr(r, "citytwin_status");
    CHECK(status && strcmp(status, "complete") == 0);
    free(status);
    /* 30 min at 10 min snapshots -> t = 0, 600, 1200, 1800 */
    CHECK(ct_reader_ntimes(r) == 4);
    CHECK_NEAR(ct_reader_time(r, 3), 1800, 1e-9);
    const ct_grid *g = ct_reader_grid(r);
    CHECK(g->nx == 200 && g->ny == 200);
    CHECK_NEAR(g->dx, 20, 0);
    int k = ct_reader_find(r, "layer.dem");
    CHECK(k >= 0 && strcmp(ct_reader_var(r, k)->units, "m") == 0);
    CHECK(ct_reader_find(r, "flood.depth") >= 0);
    ct_reader_close(r);
  }
  snprintf(path, sizeof path, "%s/out/short_summary.json", dir);
  const char *sum = slurp(path);
  CHECK(sum && strstr(sum, "\"status\": \"complete\""));
  CHECK(sum && strstr(sum, "\"flood\""));

  CHECK(ct_test_sh("%s info %s/out/short.nc > %s/info.txt", CT_CLI, dir, dir) == 0);
  snprintf(path, sizeof path, "%s/info.txt", dir);
  const char *info = slurp(path);
  CHECK(info && strstr(info, "EPSG:32648"));
  CHECK(info && strstr(info, "200 x 200 cells of 20 m"));
  CHECK(info && strstr(info, "flood.depth"));
  CHECK(info && strstr(info, "2026-09-15 15:30:00+07:00")); /* local start */

  /* A typo: exit 2 and a message naming file:line with a suggestion. */
  snprintf(path, sizeof path, "%s/demo/typo.ini", dir);
  FILE *fp = fopen(path, "w");
  fprintf(fp, "[scenario]\nstart = 2026-09-15T14:00:00+07:00\nduration = 1h\n"
              "[domain]\ncrs = EPSG:32648\nbounds = 680000 1185000 681000 "
              "1186000\ncell = 20\n[output]\nintervl = 5min\n");
  fclose(fp);
  CHECK(ct_test_sh("%s check %s 2> %s/err.txt", CT_CLI, path, dir) == 2);
  snprintf(path, sizeof path, "%s/err.txt", dir);
  const char *msg = slurp(path);
  CHECK(msg && strstr(msg, "typo.ini:9: [output] unknown key 'intervl'; did "
                           "you mean 'interval'?"));
  /* A domain in degrees: exit 2 naming crs's line (it ran, with degrees
   * taken for metres). */
  snprintf(path, sizeof path, "%s/demo/degrees.ini", dir);
  fp = fopen(path, "w");
  fprintf(fp, "[scenario]\nstart = 2026-09-15T14:00:00+07:00\nduration = 1h\n"
              "[domain]\ncrs = EPSG:4326\nbounds = 106.65 10.73 106.75 10.81\n"
              "cell = 0.001\n");
  fclose(fp);
  CHECK(ct_test_sh("%s check %s 2> %s/err.txt", CT_CLI, path, dir) == 2);
  snprintf(path, sizeof path, "%s/err.txt", dir);
  msg = slurp(path);
  CHECK(msg && strstr(msg, "degrees.ini:5: [domain] crs: EPSG:4326 is not a "
                           "projected CRS"));
  /* A missing scenario and an unreadable run file: exit 2 too. */
  CHECK(ct_test_sh("%s run %s/nope.ini 2> /dev/null", CT_CLI, dir) == 2);
  CHECK(ct_test_sh("%s info %s/demo/demo.ini 2> /dev/null", CT_CLI, dir) == 2);

  /* Ctrl-C: a 6 h run, interrupted once its first snapshots land. */
  snprintf(path, sizeof path, "%s/demo/long.ini", dir);
  cut_scenario(src, path, "6h");
  pid_t pid = fork();
  if (pid == 0) {
    char out[4096], ini[4096];
    snprintf(out, sizeof out, "%s/out/int.nc", dir);
    snprintf(ini, sizeof ini, "%s/demo/long.ini", dir);
    freopen("/dev/null", "w", stderr);
    execl(CT_CLI, CT_CLI, "run", ini, "--output", out, "--quiet", (char *)NULL);
    _exit(127);
  }
  snprintf(path, sizeof path, "%s/out/int.nc", dir);
  int nt = 0;
  for (int tries = 0; tries < 600 && nt < 2; tries++) {
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL);
    ct_reader *rr;
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 1);
    if (ct_reader_open(&rr, path, &err) == CT_OK) {
      nt = ct_reader_ntimes(rr);
      ct_reader_close(rr);
    }
  }
  kill(pid, SIGINT);
  int st;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
  CHECK_OK(ct_reader_open(&r, path, &err), &err);
  if (r) {
    char *status = ct_reader_attr(r, "citytwin_status");
    CHECK(status && strcmp(status, "interrupted") == 0);
    free(status);
    CHECK(ct_reader_ntimes(r) >= 2 && ct_reader_ntimes(r) < 37);
    ct_reader_close(r);
  }
  ct_test_sh("rm -rf %s", dir);
  return TEST_RESULT();
}
