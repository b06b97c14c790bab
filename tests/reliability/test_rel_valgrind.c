/* test_rel_valgrind.c - valgrind on end-to-end runs of the real `citytwin`
 * binary: the demo city's own files and scenario shrunk to 400 m cells and
 * 4 minutes (flood, traffic and air together), a small hand-made scenario
 * (tide level boundary, drains, OD traffic, gauges), and two failing
 * scenarios (a DEM with a hole, a road layer of one-vertex lines) whose
 * error paths must free what they took. Asserted: no memory errors and no
 * definitely lost blocks (--error-exitcode=99 otherwise) and the expected
 * exit status. GDAL, PROJ, HDF5 and OpenMP keep global allocations alive
 * until exit; those are "still reachable", not leaks. Skipped (77) when
 * valgrind is not installed. */
#include "ct_test.h"
#include "rel_util.h"

enum { N = 8 };
static char dir[256];
static char out[1 << 18];

static const char *INI =
    "[scenario]\nname = valgrind\nstart = 2026-09-15T14:00:00+07:00\n"
    "duration = 4min\n[domain]\ngrid = dem\n"
    "[layers]\ndem = dem.tif\nroads = roads.gpkg\n"
    "[output]\nfile = out/vg.nc\ninterval = 2min\ngauges = gauges.csv\n"
    "[flood]\nrain = 100\nboundary.south = level tide.csv\ndrains = 20\n"
    "[traffic]\nroads = roads\ndemand = od.csv\n";

/* valgrind on `citytwin ARGS`; returns citytwin's exit status (99 when
 * valgrind found an error or a definite leak). */
static int vg(const char *args) {
  int rc = rel_sh(out, sizeof out,
                  "valgrind --leak-check=full --errors-for-leak-kinds=definite "
                  "--error-exitcode=99 --suppressions='%s/tests/reliability/"
                  "valgrind.supp' '%s' %s",
                  CT_SOURCE_DIR, CT_CLI, args);
  size_t len = strlen(out);
  printf("--- valgrind citytwin %s -> %d\n%s\n", args, rc,
         rc == 0 || rc == 2 ? out + (len > 1500 ? len - 1500 : 0) : out);
  CHECK(strstr(out, "ERROR SUMMARY: 0 errors") != NULL);
  CHECK(strstr(out, "definitely lost: 0 bytes") != NULL ||
        strstr(out, "All heap blocks were freed") != NULL);
  return rc;
}

/* The demo's short scenario at 400 m and 4 min, written beside it: its
 * keys rewritten line by line (whatever their spacing), the rest kept. */
static int shrink_demo(void) {
  char p[512];
  snprintf(p, sizeof p, "%s/demo/demo_short.ini", dir);
  char *t = rel_slurp(p);
  if (!t) return -1;
  static const char *const sec[5] = {"domain", "scenario", "output", "output",
                                     "air"};
  static const char *const key[5] = {"cell", "duration", "interval", "file",
                                     "coarsen"};
  static const char *const val[5] = {"400", "4min", "2min", "out/tiny.nc",
                                     "1"};
  static char buf[1 << 16];
  char cur[64] = "";
  size_t n = 0;
  int found = 0;
  for (char *line = strtok(t, "\n"); line && n + 256 < sizeof buf;
       line = strtok(NULL, "\n")) {
    while (*line == ' ') line++;
    if (*line == '[') sscanf(line, "[%63[^]]", cur);
    int hit = -1;
    for (int k = 0; k < 5 && hit < 0; k++) {
      size_t kl = strlen(key[k]);
      const char *e = line + kl;
      while (*e == ' ') e++;
      if (!strcmp(cur, sec[k]) && !strncmp(line, key[k], kl) && *e == '=')
        hit = k;
    }
    if (hit >= 0) found |= 1 << hit;
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s%s\n",
                          hit >= 0 ? key[hit] : line, hit >= 0 ? " = " : "",
                          hit >= 0 ? val[hit] : "");
  }
  free(t);
  if ((found & 15) != 15) return -1; /* the demo's scenario changed a lot */
  return rel_put(dir, "demo/tiny.ini", buf);
}

#if defined(__SANITIZE_ADDRESS__)
#define REL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REL_ASAN 1
#endif
#endif

int main(void) {
  if (access(CT_CLI, X_OK) != 0) return CT_SKIP;
#ifdef REL_ASAN
  /* valgrind cannot run an AddressSanitizer binary; ASan checks it there */
  printf("sanitizer build: skipped\n");
  return CT_SKIP;
#endif
  if (rel_sh(NULL, 0, "valgrind --version > /dev/null") != 0) {
    printf("valgrind not installed: skipped\n");
    return CT_SKIP;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  if (rel_tmpdir(dir, sizeof dir, "valgrind")) return 1;
  char args[1024], p[512];

  /* the demo city, tiny */
  CHECK(rel_sh(out, sizeof out, "'%s' demo --dir '%s/demo'", CT_CLI, dir) == 0);
  CHECK(shrink_demo() == 0);
  snprintf(args, sizeof args, "run '%s/demo/tiny.ini' --threads 1 --quiet",
           dir);
  CHECK(vg(args) == 0);
  snprintf(p, sizeof p, "%s/demo/out/tiny_summary.json", dir);
  char *sum = rel_slurp(p);
  CHECK(sum && strstr(sum, "\"status\": \"complete\""));
  CHECK(sum && strstr(sum, "\"flood\"") && strstr(sum, "\"traffic\"") &&
        strstr(sum, "\"air\""));
  free(sum);

  /* a small hand-made case */
  float z[N * N];
  for (int k = 0; k < N * N; k++) z[k] = (float)(1.0 + 0.05 * (N - k / N));
  CHECK(rel_tif(dir, "dem.tif", N, N, 680000, 1185080, 10, 32648, z, 0, 0) ==
        0);
  z[3 * N + 4] = NAN;
  CHECK(rel_tif(dir, "hole.tif", N, N, 680000, 1185080, 10, 32648, z, 0, 0) ==
        0);
  /* two streets sharing their middle vertex: a junction */
  const char *wkt[3] = {
      "LINESTRING (680002 1185040,680040 1185040,680078 1185040)",
      "LINESTRING (680040 1185002,680040 1185040,680040 1185078)",
      "LINESTRING (680050 1185050)"};
  const char *cls[3] = {"primary", "residential", "residential"};
  CHECK(rel_vec(dir, "roads.gpkg", "GPKG", 32648, wkbLineString, 2, wkt,
                "highway", cls) == 0);
  CHECK(rel_vec(dir, "dots.gpkg", "GPKG", 32648, wkbLineString, 1, wkt + 2,
                "highway", cls + 2) == 0);
  CHECK(rel_put(dir, "tide.csv", "time,level\n0,1.0\n240,1.3\n") == 0);
  CHECK(rel_put(dir, "od.csv",
                "origin,destination,start,end,trips\n"
                "680002 1185040,680040 1185078,00:00,00:03,50\n") == 0);
  CHECK(rel_put(dir, "gauges.csv", "name,x,y\ng1,680045,1185045\n") == 0);
  CHECK(rel_put(dir, "vg.ini", INI) == 0);
  snprintf(args, sizeof args, "run '%s/vg.ini' --threads 1 --quiet", dir);
  CHECK(vg(args) == 0);
  snprintf(p, sizeof p, "%s/out/vg_summary.json", dir);
  sum = rel_slurp(p);
  CHECK(sum && strstr(sum, "\"status\": \"complete\""));
  free(sum);

  /* error paths: the flood model refusing a hole after the layers loaded,
   * and the road layer failing to load */
  char text[2048];
  const char *h = strstr(INI, "dem = dem.tif");
  snprintf(text, sizeof text, "%.*sdem = hole.tif%s", (int)(h - INI), INI,
           h + strlen("dem = dem.tif"));
  CHECK(rel_put(dir, "hole.ini", text) == 0);
  snprintf(args, sizeof args, "check '%s/hole.ini'", dir);
  CHECK(vg(args) == 2);
  CHECK(strstr(out, "layer 'dem'") != NULL);
  const char *r = strstr(INI, "roads = roads.gpkg");
  snprintf(text, sizeof text, "%.*sroads = dots.gpkg%s", (int)(r - INI), INI,
           r + strlen("roads = roads.gpkg"));
  CHECK(rel_put(dir, "dots.ini", text) == 0);
  snprintf(args, sizeof args, "check '%s/dots.ini'", dir);
  CHECK(vg(args) == 2);
  CHECK(strstr(out, "layer 'roads'") != NULL);

  if (!ct_test_failures) rel_rmdir(dir);
  else fprintf(stderr, "files kept in %s\n", dir);
  return TEST_RESULT();
}
