/* test_rel_determinism.c - the same scenario gives the same bits: a small
 * coupled flood + traffic run (a GeoTIFF DEM with a hollow, rain from a CSV
 * series, a rising tide on the south edge, drains, a GeoPackage street grid
 * with an OD table, roads closing where the water stands, the traffic's
 * emissions dispersed by the air model) run twice with
 * --threads 1 and once with --threads 2 through the real `citytwin` binary.
 * Every variable at every time of the run files must be equal bit for bit
 * (memcmp of the float32 arrays), and the summary JSON equal as text once the
 * wall-clock members are taken out. Equality is the only tolerance: the
 * engine promises thread-count-independent results (per-row reductions
 * summed in order), so one differing bit is a failure. */
#include <math.h>

#include "citytwin/snapshot.h"
#include "ct_test.h"
#include "rel_util.h"

enum { NX = 40, NY = 30 };
static const double X0 = 680000, Y1 = 1185300, DX = 10;

/* Ground sloping up to the north (the tide comes in from the south), with
 * a hollow that rain fills and ripples that make the flow two-dimensional. */
static void make_dem(float *z) {
  for (int j = 0; j < NY; j++)
    for (int i = 0; i < NX; i++) {
      double x = (i + 0.5) * DX, y = (NY - j - 0.5) * DX;
      double r2 = (x - 250) * (x - 250) + (y - 180) * (y - 180);
      z[(size_t)j * NX + i] =
          (float)(1.0 + 0.004 * y + 0.05 * sin(0.7 * i) * cos(0.5 * j) -
                  0.6 * exp(-r2 / (2 * 40.0 * 40.0)));
    }
}

static int make_roads(const char *dir) {
  /* three streets each way across the domain (UTM 48N), every crossing a
   * shared vertex (a junction) */
  const char *wkt[6] = {
      "LINESTRING (680005 1185050,680050 1185050,680200 1185050,"
      "680350 1185050,680395 1185050)",
      "LINESTRING (680005 1185150,680050 1185150,680200 1185150,"
      "680350 1185150,680395 1185150)",
      "LINESTRING (680005 1185250,680050 1185250,680200 1185250,"
      "680350 1185250,680395 1185250)",
      "LINESTRING (680050 1185005,680050 1185050,680050 1185150,"
      "680050 1185250,680050 1185295)",
      "LINESTRING (680200 1185005,680200 1185050,680200 1185150,"
      "680200 1185250,680200 1185295)",
      "LINESTRING (680350 1185005,680350 1185050,680350 1185150,"
      "680350 1185250,680350 1185295)"};
  const char *cls[6] = {"primary",     "residential", "residential",
                        "residential", "primary",     "residential"};
  return rel_vec(dir, "roads.gpkg", "GPKG", 32648, wkbLineString, 6, wkt,
                 "highway", cls);
}

static const char *INI =
    "[scenario]\nname = determinism\nstart = 2026-09-15T14:00:00+07:00\n"
    "duration = 30min\n"
    "[domain]\ngrid = dem\n"
    "[layers]\ndem = dem.tif\nroads = roads.gpkg\n"
    "[output]\nfile = out.nc\ninterval = 5min\ngauges = gauges.csv\n"
    "fields = flood.depth flood.speed flood.wse traffic.density "
    "traffic.speed_ratio traffic.emission.nox air.pm25 air.nox\n"
    "[flood]\nrain = rain.csv\nboundary.south = level tide.csv\n"
    "boundary.north = free\ndrains = 20\n"
    "[traffic]\nroads = roads\ndemand = od.csv\nreroute = 5min\n"
    "[air]\nspecies = pm25 nox\nwind_speed = 2\nwind_dir = 135\nlevels = 6\n";

/* The summary without its wall-clock members (and the output path, which
 * names each run's own file): "key": value up to the next , or newline. */
static void strip_timing(char *s) {
  static const char *const drop[] = {"\"wall_s\"", "\"load_s\"",
                                     "\"write_s\"", "\"cell_steps_per_s\"",
                                     "\"output\"", NULL};
  for (int k = 0; drop[k]; k++) {
    char *p;
    while ((p = strstr(s, drop[k]))) {
      char *e = p + strlen(drop[k]);
      while (*e && *e != ',' && *e != '\n' && *e != '}') e++;
      memmove(p, e, strlen(e) + 1);
    }
  }
}

/* Every variable at every time of a and b equal bit for bit; returns the
 * number of float values compared. */
static size_t compare_runs(const char *pa, const char *pb) {
  ct_error err = {0};
  ct_reader *a = NULL, *b = NULL;
  CHECK_OK(ct_reader_open(&a, pa, &err), &err);
  CHECK_OK(ct_reader_open(&b, pb, &err), &err);
  size_t compared = 0;
  if (!a || !b) goto out;
  const ct_grid *ga = ct_reader_grid(a), *gb = ct_reader_grid(b);
  CHECK(ga->nx == NX && ga->ny == NY && gb->nx == NX && gb->ny == NY);
  int nt = ct_reader_ntimes(a);
  CHECK(nt == 7); /* 0, 5, ..., 30 min */
  CHECK(ct_reader_ntimes(b) == nt);
  for (int t = 0; t < nt && t < ct_reader_ntimes(b); t++)
    CHECK(ct_reader_time(a, t) == ct_reader_time(b, t));
  int nv = ct_reader_nvars(a);
  CHECK(nv == ct_reader_nvars(b));
  CHECK(nv >= 9); /* 8 output fields + layer.dem at least */
  size_t n = (size_t)NX * NY;
  float *va = malloc(n * sizeof *va), *vb = malloc(n * sizeof *vb);
  for (int k = 0; va && vb && k < nv; k++) {
    const ct_snapshot_var *v = ct_reader_var(a, k);
    int kb = ct_reader_find(b, v->name);
    CHECK(kb >= 0);
    if (kb < 0) continue;
    int ntv = v->is_static ? 1 : nt;
    for (int t = 0; t < ntv; t++) {
      CHECK_OK(ct_reader_read(a, k, t, va, &err), &err);
      CHECK_OK(ct_reader_read(b, kb, t, vb, &err), &err);
      if (memcmp(va, vb, n * sizeof *va) != 0) {
        size_t i = 0;
        while (i < n && !memcmp(va + i, vb + i, sizeof *va)) i++;
        fprintf(stderr, "%s vs %s: %s at t index %d differs first at cell "
                "%zu: %.9g vs %.9g\n", pa, pb, v->name, t, i, va[i], vb[i]);
        CHECK(0);
      }
      compared += n;
    }
  }
  free(va);
  free(vb);
out:
  if (a) ct_reader_close(a);
  if (b) ct_reader_close(b);
  return compared;
}

/* The inputs of the coupled case in dir. */
static void make_case(const char *dir) {
  float z[NX * NY];
  make_dem(z);
  CHECK(rel_tif(dir, "dem.tif", NX, NY, X0, Y1, DX, 32648, z, 0, 0) == 0);
  CHECK(make_roads(dir) == 0);
  CHECK(rel_put(dir, "rain.csv", "time,rain\n0,0\n300,80\n900,80\n1500,0\n") ==
        0);
  CHECK(rel_put(dir, "tide.csv", "time,level\n0,0.9\n1800,1.35\n") == 0);
  CHECK(rel_put(dir, "od.csv",
                "origin,destination,start,end,trips\n"
                "680050 1185050,680350 1185250,00:00,00:20,400\n"
                "680350 1185050,680050 1185250,00:00,00:20,300\n"
                "680200 1185250,680200 1185050,00:05,00:25,200\n") == 0);
  CHECK(rel_put(dir, "det.ini", INI) == 0);
  CHECK(rel_put(dir, "gauges.csv", "name,x,y\nhollow,680250,1185120\n"
                                   "street,680200,1185150\n") == 0);
}

/* Runs `citytwin ARGS` (quiet, passive OpenMP waiting: on a loaded machine
 * libgomp's spinning threads can slow a 2-thread run 100-fold; the results
 * do not depend on it); returns its status, 128 + signal if killed. */
static int run_cli(const char *env, const char *args) {
  static char out[1 << 16];
  int rc = rel_sh(out, sizeof out, "%s OMP_WAIT_POLICY=PASSIVE '%s' %s --quiet",
                  env, CT_CLI, args);
  if (rc) fprintf(stderr, "citytwin %s -> %d:\n%s\n", args, rc, out);
  return rc;
}

static char *summary_of(const char *dir, const char *tag) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s_summary.json", dir, tag);
  char *s = rel_slurp(p);
  CHECK(s != NULL);
  if (s) strip_timing(s);
  return s;
}

static void same_summary(const char *a, const char *b, const char *what) {
  if (a && b && strcmp(a, b) != 0) {
    fprintf(stderr, "summary of %s differs:\n%s\n---\n%s\n", what, a, b);
    CHECK(0);
  }
}

/* Same bits with 1 and 2 threads, and run after run. */
static void determinism(const char *dir) {
  const char *tag[3] = {"a1", "a2", "b2"};
  const int thr[3] = {1, 1, 2};
  char *sum[3] = {NULL, NULL, NULL};
  for (int r = 0; r < 3; r++) {
    char args[1024];
    snprintf(args, sizeof args, "run '%s/det.ini' --output '%s/%s.nc' "
             "--threads %d", dir, dir, tag[r], thr[r]);
    CHECK(run_cli("", args) == 0);
    sum[r] = summary_of(dir, tag[r]);
  }
  /* The case must exercise what it claims: water came in and pooled, and
   * traffic moved (else equal bits would prove little). */
  if (sum[0]) {
    const char *b = strstr(sum[0], "\"boundary_in\":");
    CHECK(b && atof(b + strlen("\"boundary_in\":")) > 0);
    const char *m = strstr(sum[0], "\"max_depth_m\":");
    CHECK(m && atof(m + strlen("\"max_depth_m\":")) > 0.1);
    const char *v = strstr(sum[0], "\"vehicle_km\":");
    CHECK(v && atof(v + strlen("\"vehicle_km\":")) > 0);
    /* the flood closed roads: the two models were coupled */
    const char *c = strstr(sum[0], "\"closed_road_km\":");
    CHECK(c && atof(c + strlen("\"closed_road_km\":")) > 0);
    CHECK(strstr(sum[0], "\"air\"") != NULL);
  }
  char pa[512], pb[512];
  snprintf(pa, sizeof pa, "%s/a1.nc", dir);
  snprintf(pb, sizeof pb, "%s/a2.nc", dir);
  size_t n1 = compare_runs(pa, pb); /* run after run */
  snprintf(pb, sizeof pb, "%s/b2.nc", dir);
  size_t n2 = compare_runs(pa, pb); /* 1 thread vs 2 */
  CHECK(n1 > 0 && n1 == n2);
  same_summary(sum[0], sum[1], "a2");
  same_summary(sum[0], sum[2], "b2");
  printf("compared %zu float values per pair bit for bit; summaries equal\n",
         n1);
  for (int r = 0; r < 3; r++) free(sum[r]);
}

/* A run killed (SIGKILL, no clean-up) and resumed ends with the same bits
 * as one never stopped: every variable at every time, the summary, the
 * gauge series. Killed at 7.5 min, after the 5 min snapshot, and resumed
 * with 2 threads where the first part ran with 1; killed again after the
 * resumed part's first snapshot and resumed once more. */
static void resume(const char *dir) {
  char args[1024];
  snprintf(args, sizeof args, "run '%s/det.ini' --output '%s/full.nc' "
           "--threads 1", dir, dir);
  CHECK(run_cli("", args) == 0);
  snprintf(args, sizeof args, "run '%s/det.ini' --output '%s/cut.nc' "
           "--threads 1", dir, dir);
  CHECK(run_cli("CITYTWIN_TEST_KILL_AT=450", args) == 128 + 9);
  ct_error err = {0};
  ct_reader *rd = NULL;
  char pc[512], pf[512];
  snprintf(pc, sizeof pc, "%s/cut.nc", dir);
  snprintf(pf, sizeof pf, "%s/full.nc", dir);
  CHECK_OK(ct_reader_open(&rd, pc, &err), &err);
  if (rd) {
    CHECK(ct_reader_ntimes(rd) == 2); /* 0 and 5 min, then killed */
    char *st = ct_reader_attr(rd, "citytwin_status");
    CHECK(st && !strcmp(st, "running"));
    free(st);
    ct_reader_close(rd);
  }
  snprintf(args, sizeof args, "run --resume '%s' --threads 2", pc);
  CHECK(run_cli("CITYTWIN_TEST_KILL_AT=1000", args) == 128 + 9);
  snprintf(args, sizeof args, "run --resume '%s' --threads 2", pc);
  CHECK(run_cli("", args) == 0);
  size_t n = compare_runs(pf, pc);
  CHECK(n > 0);
  char *a = summary_of(dir, "full"), *b = summary_of(dir, "cut");
  same_summary(a, b, "the resumed run");
  free(a);
  free(b);
  char ga[512], gb[512];
  snprintf(ga, sizeof ga, "%s/full_gauges.csv", dir);
  snprintf(gb, sizeof gb, "%s/cut_gauges.csv", dir);
  a = rel_slurp(ga);
  b = rel_slurp(gb);
  CHECK(a && b && strlen(a) > 100 && !strcmp(a, b));
  /* each row carries its field's units, the header names them */
  CHECK(a && !strncmp(a, "time,gauge,field,value,units\n", 29) &&
        strstr(a, ",hollow,flood.depth,") && strstr(a, ",m\n"));
  free(a);
  free(b);
  /* a finished run is not resumed again */
  CHECK(run_cli("", args) == 2);
  /* INTERFACE's form: a bare --resume after the scenario goes on with the
   * scenario's own output file */
  snprintf(args, sizeof args, "run '%s/det.ini' --threads 1", dir);
  CHECK(run_cli("CITYTWIN_TEST_KILL_AT=450", args) == 128 + 9);
  snprintf(args, sizeof args, "run '%s/det.ini' --resume", dir);
  CHECK(run_cli("", args) == 0);
  snprintf(pc, sizeof pc, "%s/out.nc", dir);
  CHECK(compare_runs(pf, pc) == n);
  /* [output] checkpoint = off: no checkpoint, so a killed run says it
   * cannot be resumed */
  const char *o = strstr(INI, "[output]\n") + 9;
  static char text[8192];
  snprintf(text, sizeof text, "%.*scheckpoint = off\n%s", (int)(o - INI), INI,
           o);
  CHECK(rel_put(dir, "nockpt.ini", text) == 0);
  snprintf(args, sizeof args, "run '%s/nockpt.ini' --output '%s/nock.nc' "
           "--threads 1", dir, dir);
  CHECK(run_cli("CITYTWIN_TEST_KILL_AT=450", args) == 128 + 9);
  static char out[1 << 14];
  CHECK(rel_sh(out, sizeof out, "'%s' run --resume '%s/nock.nc' --quiet",
               CT_CLI, dir) != 0);
  CHECK(strstr(out, "no whole checkpoint") && strstr(out, "checkpoint = off"));
  printf("resumed twice; compared %zu float values bit for bit; summary and "
         "gauges equal\n", n);
}

int main(int argc, char **argv) {
  if (access(CT_CLI, X_OK) != 0) return CT_SKIP;
  int do_resume = argc > 1 && !strcmp(argv[1], "resume");
  char dir[256];
  if (rel_tmpdir(dir, sizeof dir, do_resume ? "resume" : "det")) return 1;
  make_case(dir);
  if (do_resume) resume(dir);
  else determinism(dir);
  if (!ct_test_failures) rel_rmdir(dir);
  else fprintf(stderr, "inputs and outputs kept in %s\n", dir);
  return TEST_RESULT();
}
