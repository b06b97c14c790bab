/* main.c - the `citytwin` command: run, check, info, demo. The only place in
 * the engine that prints to the user. */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "citytwin/demo.h"
#include "citytwin/export.h"
#include "citytwin/run.h"
#include "citytwin/snapshot.h"
#include "citytwin/util.h"

static volatile sig_atomic_t stop_flag = 0;

int ct__cli_batch(int argc, char **argv, volatile sig_atomic_t *stop);

static void on_signal(int sig) {
  (void)sig;
  if (stop_flag) _exit(130); /* a second Ctrl-C: give up at once */
  stop_flag = 1;
}

static const char usage_main[] =
    "usage: citytwin COMMAND [options]\n"
    "\n"
    "Urban digital twin: flood, traffic and air on a shared grid.\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.ini        run a scenario: RUN.nc, its summary and gauges\n"
    "  check SCENARIO.ini      validate a scenario and its inputs, run nothing\n"
    "  info RUN.nc             grid, CRS, fields (units, ranges), times, summary\n"
    "  demo [--dir DIR]        make the demo city's GIS files and scenarios\n"
    "  batch BATCH.ini [-j N]  run what-if variants and compare their KPIs\n"
    "  export RUN.nc --to DIR  forecast layers for the IOC (COG, GeoJSON,\n"
    "                          manifest)\n"
    "\n"
    "`citytwin COMMAND --help` tells more. Exit status: 0 success, 1 the run\n"
    "failed, 2 bad input or usage.\n";

static const char usage_run[] =
    "usage: citytwin run SCENARIO.ini [--output FILE.nc] [--threads N] [--quiet]\n"
    "       citytwin run --resume FILE.nc [--threads N] [--quiet]\n"
    "       citytwin run SCENARIO.ini [--output FILE.nc] --resume\n"
    "\n"
    "Runs the scenario and writes FILE.nc (HDF5, netCDF-4/CF: opens in GDAL,\n"
    "QGIS, xarray), FILE_summary.json and, with [output] gauges, FILE_gauges.csv.\n"
    "Shows a progress bar with ETA on a terminal, progress lines otherwise.\n"
    "Ctrl-C stops cleanly: the file keeps every snapshot written so far and is\n"
    "marked 'interrupted'. Each snapshot also stores the full model state, so a\n"
    "run that was stopped, killed or crashed goes on with --resume from its\n"
    "last snapshot and ends with the same results, bit for bit, as if it had\n"
    "never stopped.\n"
    "\n"
    "  --resume FILE.nc   go on with the run in FILE.nc (its scenario and input\n"
    "                     files must be unchanged); a bare --resume after\n"
    "                     SCENARIO.ini goes on with that scenario's output,\n"
    "                     if FILE.nc was made from that scenario as it is\n"
    "  --output FILE.nc   write here instead of [output] file\n"
    "  --threads N        OpenMP threads (default: all cores); results do not\n"
    "                     depend on it\n"
    "  --quiet            no progress output\n";

static const char usage_check[] =
    "usage: citytwin check SCENARIO.ini\n"
    "\n"
    "Validates the scenario: every key and value, input files exist and load,\n"
    "CRSs are known, layers overlap the domain, models initialise, the\n"
    "output's folder can be written and the output overwrites no input.\n"
    "Runs nothing. Exit status 0 when the scenario can run, 2 otherwise.\n";

static const char usage_info[] =
    "usage: citytwin info RUN.nc\n"
    "\n"
    "Prints the grid, CRS, fields with units and value ranges, snapshot times\n"
    "(local time of the scenario) and the run summary.\n";

static const char usage_demo[] =
    "usage: citytwin demo [--dir DIR]\n"
    "\n"
    "Writes the demo city (an HCMC-like synthetic city: DEM, land use, drains,\n"
    "roads, stacks as GeoTIFF and GeoPackage) and its scenarios into DIR\n"
    "(default scenarios/demo). Then: citytwin run DIR/demo.ini\n";

static int wants_help(int argc, char **argv) {
  for (int k = 1; k < argc; k++)
    if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) return 1;
  return 0;
}

__attribute__((format(printf, 2, 3)))
static int usage_error(const char *usage, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "citytwin: ");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n\n%s", usage);
  return 2;
}

static void warn_cb(void *ud, const char *msg) {
  (void)ud;
  fprintf(stderr, "warning: %s\n", msg);
}

static int fail(const ct_error *err) {
  fprintf(stderr, "error: %s\n", err->msg);
  return ct_exit_status(err->code);
}

/* --- progress --- */

typedef struct progress {
  int quiet, tty;
  double wall0, last_print;
  int last_pct;
  double kill_at; /* CITYTWIN_TEST_KILL_AT [s], or negative */
} progress;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_hms(double s, char *b, size_t n) {
  if (!isfinite(s) || s < 0) s = 0;
  long v = (long)(s + 0.5);
  snprintf(b, n, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60, v % 60);
}

static void on_progress(void *ud, double t, double T) {
  progress *p = ud;
  /* Fault injection for the resume tests: die as kill -9 would, with no
   * clean-up, once the simulated time reaches CITYTWIN_TEST_KILL_AT. */
  if (p->kill_at >= 0 && t >= p->kill_at) raise(SIGKILL);
  if (p->quiet) return;
  double f = T > 0 ? t / T : 1, now = now_s(), el = now - p->wall0;
  int pct = (int)(100 * f);
  char sim[32], eta[32], elapsed[32];
  fmt_hms(t, sim, sizeof sim);
  fmt_hms(f > 0 ? el * (1 - f) / f : 0, eta, sizeof eta);
  fmt_hms(el, elapsed, sizeof elapsed);
  if (p->tty) {
    if (now - p->last_print < 0.1 && f < 1) return;
    p->last_print = now;
    char bar[41];
    int fill = (int)(40 * f);
    for (int k = 0; k < 40; k++) bar[k] = k < fill ? '#' : '.';
    bar[40] = '\0';
    fprintf(stderr, "\r[%s] %3d%%  sim %s  elapsed %s  ETA %s ", bar, pct, sim,
            elapsed, eta);
    if (f >= 1) fputc('\n', stderr);
  } else if (pct / 10 != p->last_pct / 10 || f >= 1) {
    fprintf(stderr, "progress: %3d%%  sim %s  elapsed %s  ETA %s\n", pct, sim,
            elapsed, eta);
  }
  p->last_pct = pct;
}

/* --- commands --- */

static int cmd_run(int argc, char **argv, int check_only) {
  const char *usage = check_only ? usage_check : usage_run;
  if (wants_help(argc, argv)) {
    fputs(usage, stdout);
    return 0;
  }
  const char *scenario = NULL, *output = NULL, *resume = NULL;
  int threads = 0, quiet = 0;
  for (int k = 1; k < argc; k++) {
    if (!check_only && !strcmp(argv[k], "--resume")) {
      /* --resume RUN.nc, or a bare --resume after the scenario: its output */
      size_t len = k + 1 < argc ? strlen(argv[k + 1]) : 0;
      resume = len > 3 && !strcmp(argv[k + 1] + len - 3, ".nc") ? argv[++k]
                                                                   : "";
    } else if (!check_only && !strcmp(argv[k], "--output") && k + 1 < argc) {
      output = argv[++k];
    } else if (!check_only && !strcmp(argv[k], "--threads") && k + 1 < argc) {
      char *end;
      long v = strtol(argv[++k], &end, 10);
      if (*end || v < 1 || v > 1024)
        return usage_error(usage, "--threads expects a positive number, got '%s'",
                           argv[k]);
      threads = (int)v;
    } else if (!check_only && !strcmp(argv[k], "--quiet")) {
      quiet = 1;
    } else if (!check_only && (!strcmp(argv[k], "--output") ||
                               !strcmp(argv[k], "--threads"))) {
      return usage_error(usage, "%s needs a value", argv[k]);
    } else if (argv[k][0] == '-') {
      return usage_error(usage, "unknown option '%s'", argv[k]);
    } else if (!scenario) {
      scenario = argv[k];
    } else {
      return usage_error(usage, "one scenario at a time; extra argument '%s'",
                         argv[k]);
    }
  }
  if (resume && resume[0] && (scenario || output))
    return usage_error(usage, "%s",
                       "--resume RUN.nc takes the scenario and the output from "
                       "the run file; give neither (or give SCENARIO.ini and "
                       "a bare --resume)");
  if (!scenario && !(resume && resume[0]))
    return usage_error(usage, "%s", "missing SCENARIO.ini");
  const char *kill_at = getenv("CITYTWIN_TEST_KILL_AT");
  progress p = {.quiet = quiet || check_only, .tty = isatty(2),
                .wall0 = now_s(), .last_pct = -100,
                .kill_at = kill_at && *kill_at ? atof(kill_at) : -1};
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  ct_run_opts o = {.output = output, .resume = resume, .threads = threads,
                   .check_only = check_only, .stop = &stop_flag,
                   .progress = on_progress, .warn = warn_cb, .ud = &p};
  ct_run_result res;
  ct_error err = {0};
  int rc = ct_run(scenario, &o, &res, &err);
  if (p.tty && !p.quiet && rc) fputc('\n', stderr);
  if (rc == CT_EINTR) {
    fprintf(stderr,
            "stopped: %s\n%s holds %d snapshot(s) and is marked interrupted.\n",
            err.msg, res.output, res.nsnapshots);
    return 1;
  }
  if (rc) return fail(&err);
  if (check_only) {
    printf("%s: OK (inputs load, CRSs known, layers overlap the domain, "
           "models initialise)\n",
           scenario);
    return 0;
  }
  if (!quiet) {
    if (res.resumed) {
      char at[32];
      fmt_hms(res.resumed_at, at, sizeof at);
      printf("resumed:  from the checkpoint at sim %s\n", at);
    }
    printf("run:      %s (%d snapshots, %.1f s wall, layers loaded in %.2f s, "
           "snapshots written in %.2f s)\n",
           res.output, res.nsnapshots, res.wall_s, res.load_s, res.write_s);
    printf("summary:  %s\n", res.summary);
    if (res.gauges[0]) printf("gauges:   %s\n", res.gauges);
    printf("look at it: citytwin info %s   |   citytwin-view %s\n", res.output,
           res.output);
  }
  return 0;
}

/* The CRS's name from its WKT, e.g. WGS 84 / UTM zone 48N. */
static void crs_name(const char *wkt, char *out, size_t n) {
  const char *q = wkt ? strchr(wkt, '"') : NULL;
  const char *e = q ? strchr(q + 1, '"') : NULL;
  if (q && e) snprintf(out, n, "%.*s", (int)(e - q - 1), q + 1);
  else snprintf(out, n, "unknown");
  const char *id = wkt ? strstr(wkt, "ID[\"EPSG\",") : NULL;
  const char *last = id;
  while (id && (id = strstr(id + 1, "ID[\"EPSG\",")) != NULL) last = id;
  if (last) {
    size_t len = strlen(out);
    snprintf(out + len, n - len, " (EPSG:%d)", atoi(last + 10));
  } else if (wkt && (last = strstr(wkt, "AUTHORITY[\"EPSG\",\""))) {
    const char *a = last, *b;
    while ((b = strstr(a + 1, "AUTHORITY[\"EPSG\",\"")) != NULL) a = b;
    size_t len = strlen(out);
    snprintf(out + len, n - len, " (EPSG:%d)", atoi(a + 18));
  }
}

static int cmd_info(int argc, char **argv) {
  if (wants_help(argc, argv)) {
    fputs(usage_info, stdout);
    return 0;
  }
  if (argc != 2 || argv[1][0] == '-')
    return usage_error(usage_info, "%s", "expected exactly one RUN.nc");
  ct_reader *r;
  ct_error err = {0};
  if (ct_reader_open(&r, argv[1], &err)) return fail(&err);
  const ct_grid *g = ct_reader_grid(r);
  double b[4];
  ct_grid_bounds(g, b);
  char name[256];
  crs_name(g->crs_wkt, name, sizeof name);
  char *title = ct_reader_attr(r, "title"), *status = ct_reader_attr(r, "citytwin_status");
  printf("file:     %s\n", argv[1]);
  printf("scenario: %s\n", title ? title : "?");
  printf("status:   %s\n", status ? status : "?");
  printf("grid:     %d x %d cells of %g m (%.0f x %.0f m)\n", g->nx, g->ny, g->dx,
         b[2] - b[0], b[3] - b[1]);
  printf("bounds:   %.3f %.3f %.3f %.3f (xmin ymin xmax ymax)\n", b[0], b[1], b[2],
         b[3]);
  printf("crs:      %s\n", name);
  int nt = ct_reader_ntimes(r), off = ct_reader_utc_offset(r);
  double t0 = ct_reader_start_unix(r);
  char a[64], z[64];
  if (nt > 0) {
    ct_format_local(t0 + ct_reader_time(r, 0), off, a, sizeof a);
    ct_format_local(t0 + ct_reader_time(r, nt - 1), off, z, sizeof z);
    printf("times:    %d snapshot(s), %s .. %s (t = %g .. %g s)\n", nt, a, z,
           ct_reader_time(r, 0), ct_reader_time(r, nt - 1));
  } else {
    printf("times:    no snapshots\n");
  }
  printf("fields:\n");
  int rc = 0;
  ct_error bad = {0}; /* the first unreadable field, told on stderr */
  char bad_name[64] = "";
  for (int k = 0; k < ct_reader_nvars(r); k++) {
    const ct_snapshot_var *v = ct_reader_var(r, k);
    float lo, hi;
    char range[96] = "no data";
    if (ct_reader_range(r, k, &lo, &hi, &err) == CT_OK) {
      if (isfinite(lo)) snprintf(range, sizeof range, "%g .. %g", lo, hi);
    } else {
      /* a damaged file is bad input; stdout keeps the table parseable */
      snprintf(range, sizeof range, "unreadable");
      if (!rc) {
        bad = err;
        snprintf(bad_name, sizeof bad_name, "%s", v->name);
      }
      rc = 2;
    }
    printf("  %-28s %-10s %-7s %-24s %s\n", v->name, v->units,
           v->is_static ? "static" : "time", range, v->long_name);
  }
  char *summary = ct_reader_attr(r, "summary");
  if (summary) printf("summary:\n%s", summary);
  free(summary);
  free(title);
  free(status);
  ct_reader_close(r);
  if (rc) {
    fflush(stdout);
    fprintf(stderr, "error: %s: field %s is unreadable (a damaged file?): "
            "%s\n", argv[1], bad_name, bad.msg);
  }
  return rc;
}

static int cmd_demo(int argc, char **argv) {
  if (wants_help(argc, argv)) {
    fputs(usage_demo, stdout);
    return 0;
  }
  const char *dir = "scenarios/demo";
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--dir") && k + 1 < argc) dir = argv[++k];
    else if (!strcmp(argv[k], "--dir"))
      return usage_error(usage_demo, "--dir needs a folder");
    else return usage_error(usage_demo, "unexpected argument '%s'", argv[k]);
  }
  ct_error err = {0};
  if (ct_demo_make(dir, &err)) return fail(&err);
  printf("demo city written to %s\nrun it: citytwin run %s/demo.ini\n", dir, dir);
  return 0;
}

static int export_progress(void *ud, double frac, const char *what) {
  progress *p = ud;
  if (!p->quiet && p->tty) {
    fprintf(stderr, "\r%3d%%  %-60.60s", (int)(100 * frac), what);
    if (frac >= 1) fputc('\n', stderr);
  }
  return stop_flag != 0;
}

static int cmd_export(int argc, char **argv) {
  ct_export_args a;
  ct_error err = {0};
  int rc = ct_export_args_parse(&a, argc, argv, &err);
  if (rc || a.help) {
    if (a.help) fputs(ct_export_usage, stdout);
    else fprintf(stderr, "citytwin export: %s\n\n%s", err.msg, ct_export_usage);
    ct_export_args_free(&a);
    return rc ? 2 : 0;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  progress p = {.tty = isatty(2)};
  a.o.progress = export_progress;
  a.o.ud = &p;
  ct_export_result res;
  rc = ct_export_run(a.run, a.dir, &a.o, &res, &err);
  ct_export_args_free(&a);
  if (rc) return fail(&err);
  if (res.warning[0]) fprintf(stderr, "warning: %s\n", res.warning);
  printf("exported %d COG GeoTIFF(s) and %d GeoJSON file(s): %d flooded road "
         "segment(s) (%.0f m), %d closed (%.0f m), %d air-quality area(s) "
         "(%.0f m2)\nmanifest: %s\n",
         res.ncog, res.ngeojson, res.nflooded, res.flooded_length_m, res.nclosed,
         res.closed_length_m, res.nair, res.air_area_m2, res.manifest);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  /* Past a file-size limit, writes must fail with EFBIG (and the run stop
   * with a clear message) rather than the process die of SIGXFSZ. */
  signal(SIGXFSZ, SIG_IGN);
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage_main, stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version")) {
    printf("citytwin %s\n", ct_version());
    return 0;
  }
  if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1, 0);
  if (!strcmp(cmd, "check")) return cmd_run(argc - 1, argv + 1, 1);
  if (!strcmp(cmd, "info")) return cmd_info(argc - 1, argv + 1);
  if (!strcmp(cmd, "demo")) return cmd_demo(argc - 1, argv + 1);
  if (!strcmp(cmd, "export")) return cmd_export(argc - 1, argv + 1);
  if (!strcmp(cmd, "batch")) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return ct__cli_batch(argc - 1, argv + 1, &stop_flag);
  }
  fprintf(stderr, "citytwin: unknown command '%s'\n\n%s", cmd, usage_main);
  return 2;
}
