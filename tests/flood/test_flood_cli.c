/* test_flood_cli.c - the flood model end to end through `citytwin run` and
 * `citytwin check`: an ESRI ASCII DEM read by GDAL, rain from a CSV series, a
 * tide series on the south edge; the run's summary closes the volume balance
 * within 1e-6 and its rain volume is the series' integral over the domain;
 * a DEM with a nodata hole is refused with exit status 2 and a message
 * naming the layer and the cell. */
#include <unistd.h>

#include "ct_test.h"

static char dir[256];

static void put(const char *name, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *fp = fopen(p, "w");
  if (!fp) {
    CHECK(0);
    return;
  }
  fputs(text, fp);
  fclose(fp);
}

/* A 30 x 20 DEM at 10 m sloping south, with an optional nodata hole. */
static void dem(const char *name, int hole) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *fp = fopen(p, "w");
  if (!fp) {
    CHECK(0);
    return;
  }
  fprintf(fp, "ncols 30\nnrows 20\nxllcorner 680000\nyllcorner 1185000\n"
          "cellsize 10\nNODATA_value -9999\n");
  for (int j = 0; j < 20; j++) {
    for (int i = 0; i < 30; i++) {
      double z = 1.0 + 0.01 * (20 - j) + 0.1 * sin(0.6 * i);
      if (hole && j == 5 && i == 12) z = -9999;
      fprintf(fp, i ? " %.3f" : "%.3f", z);
    }
    fputc('\n', fp);
  }
  fclose(fp);
}

#define INI                                                              \
  "[scenario]\nname = cli\nstart = 2026-09-15T14:00:00+07:00\n"        \
  "duration = 20min\n[domain]\ngrid = dem\n[layers]\ndem = %s\n"       \
  "[layer dem]\ncrs = EPSG:32648\n[output]\nfile = out.nc\n"            \
  "interval = 10min\n[flood]\nrain = rain.csv\n"                         \
  "boundary.south = level tide.csv\nboundary.north = free\n"

static int sh(const char *cmd, char *out, size_t n) {
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t k = fread(out, 1, n - 1, p);
  out[k] = 0;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void) {
  if (access(CT_CLI, X_OK) != 0) return CT_SKIP;
  snprintf(dir, sizeof dir, "/tmp/ct_flood_cli_XXXXXX");
  if (!mkdtemp(dir)) return 1;
  dem("dem.asc", 0);
  dem("holes.asc", 1);
  put("rain.csv", "time,rain\n0,0\n600,60\n1200,0\n");
  put("tide.csv", "time,level\n0,0.9\n1200,1.25\n");
  char text[2048], cmd[1024];
  static char out[1 << 16];
  snprintf(text, sizeof text, INI, "dem.asc");
  put("good.ini", text);
  snprintf(text, sizeof text, INI, "holes.asc");
  put("holes.ini", text);

  snprintf(cmd, sizeof cmd, "'%s' run --quiet '%s/good.ini' 2>&1", CT_CLI, dir);
  int rc = sh(cmd, out, sizeof out);
  CHECK(rc == 0);
  if (rc) printf("%s\n", out);
  char p[512];
  snprintf(p, sizeof p, "%s/out_summary.json", dir);
  FILE *fp = fopen(p, "r");
  CHECK(fp != NULL);
  if (fp) {
    size_t k = fread(out, 1, sizeof out - 1, fp);
    out[k] = 0;
    fclose(fp);
    const char *e = strstr(out, "\"volume_error_rel\":");
    CHECK(e != NULL);
    double er = e ? atof(e + strlen("\"volume_error_rel\":")) : 1;
    CHECK(er < 1e-6);
    /* Rain: the series' integral (triangle, 60 mm/h peak over 20 min =
     * 10 mm) on 600 cells of 100 m2 = 600 m3; double sums: 1e-9. */
    const char *r = strstr(out, "\"rain\":");
    double rain = r ? atof(r + strlen("\"rain\":")) : 0;
    CHECK_NEAR(rain, 600.0, 1e-9 * 600);
    const char *b = strstr(out, "\"boundary_in\":");
    CHECK(b && atof(b + strlen("\"boundary_in\":")) > 0); /* tide came in */
    printf("volume_error_rel %.3g, rain %.6f m3\n", er, rain);
  }
  snprintf(cmd, sizeof cmd, "'%s' check '%s/holes.ini' 2>&1", CT_CLI, dir);
  rc = sh(cmd, out, sizeof out);
  printf("check holes.ini -> %d: %s", rc, out);
  CHECK(rc == 2);
  CHECK(strstr(out, "layer 'dem'") != NULL);
  CHECK(strstr(out, "(12, 5)") != NULL);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
  return TEST_RESULT();
}
