/* batch_cmd.c - `citytwin batch`: runs a batch's variants as child
 * processes, N at a time (HDF5 and GDAL keep global state, so processes, not
 * threads), with one progress display, then writes the comparison. */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "citytwin/batch.h"
#include "citytwin/run.h"

int ct__cli_batch(int argc, char **argv, volatile sig_atomic_t *stop);

typedef struct msg {
  int k;
  float frac;
} msg;

typedef struct child_ctx {
  int fd, k;
  double last;
} child_ctx;

static void child_progress(void *ud, double t, double T) {
  child_ctx *c = ud;
  /* Fault injection for the resume tests, as in `citytwin run`. */
  const char *kill_at = getenv("CITYTWIN_TEST_KILL_AT");
  if (kill_at && *kill_at && t >= atof(kill_at)) raise(SIGKILL);
  msg m = {c->k, T > 0 ? (float)(t / T) : 1.0f};
  if (m.frac - c->last < 0.002 && m.frac < 1) return;
  c->last = m.frac;
  ssize_t w = write(c->fd, &m, sizeof m);
  (void)w;
}

static void child_warn(void *ud, const char *text) {
  (void)ud;
  fprintf(stderr, "warning: %s\n", text);
}

/* One display for the whole batch: a bar on a terminal, lines otherwise.
 * It counts runs, the base among them, as the final line counts "base + N
 * variants". Off a terminal a line comes every 10 % and whenever a run
 * finishes, so the last line always says all are done. */
static void progress_line(int tty, double f, int done, int n, int running) {
  static int last = -1, last_done = -1;
  int pct = (int)(100 * f);
  if (tty) {
    char bar[41];
    for (int k = 0; k < 40; k++) bar[k] = k < (int)(40 * f) ? '#' : '.';
    bar[40] = '\0';
    fprintf(stderr, "\r[%s] %3d%%  %d/%d runs done, %d running ", bar, pct,
            done, n, running);
  } else if (pct / 10 != last / 10 || done != last_done) {
    fprintf(stderr, "batch: %3d%%  %d/%d runs done, %d running\n", pct, done,
            n, running);
  }
  last = pct;
  last_done = done;
}

/* Where the batch stands: a run's own progress reaches 1 when its last
 * step is written, before its process ends and it counts as done; so a run
 * counts whole only once done, and 100 % means every run is. */
static void show_progress(int tty, int n, const int *state, const float *frac,
                          int running) {
  double sum = 0;
  int done = 0;
  for (int k = 0; k < n; k++) {
    int fin = state[k] >= 2;
    sum += fin ? 1.0 : fmin(frac[k], 0.99);
    done += fin;
  }
  progress_line(tty, n > 0 ? sum / n : 1.0, done, n, running);
}

/* In the child: run variant k, its messages into its folder's log. */
static int run_child(const ct_batch *b, int k, const char *text,
                     const char *stamp, int fd, int threads,
                     volatile sig_atomic_t *stop) {
  char path[4300];
  ct_batch_dir(b, k, path, sizeof path);
  strncat(path, "/log.txt", sizeof path - strlen(path) - 1);
  if (!freopen(path, "w", stderr)) return 1;
  setvbuf(stderr, NULL, _IOLBF, 0); /* the child leaves by _exit: no flush */
  child_ctx c = {fd, k, -1};
  char out[4300];
  ct_batch_run_path(b, k, out, sizeof out);
  ct_run_opts o = {.output = out, .scenario_text = text, .threads = threads,
                   .stop = stop, .progress = child_progress, .warn = child_warn,
                   .ud = &c};
  ct_run_result res;
  ct_error err = {0};
  int rc = CT_EFORMAT;
  int resumable = ct_batch_resumable(b, k, text, stamp);
  if (!resumable && ct_batch_mark_started(b, k, stamp, &err)) {
    fprintf(stderr, "error: %s\n", err.msg);
    return 1;
  }
  if (resumable) { /* stopped or killed: go on */
    ct_run_opts ro = o;
    ro.output = NULL;
    ro.scenario_text = NULL;
    ro.resume = out;
    rc = ct_run(NULL, &ro, &res, &err);
    if (rc == CT_EFORMAT || rc == CT_EINVAL) /* no checkpoint; inputs moved */
      fprintf(stderr, "cannot resume (%s); running it again\n", err.msg);
    else if (!rc)
      fprintf(stderr, "resumed from the checkpoint at t = %.0f s\n",
              res.resumed_at);
  }
  if (rc == CT_EFORMAT || rc == CT_EINVAL) rc = ct_run(b->base, &o, &res, &err);
  if (rc) {
    fprintf(stderr, "error: %s\n", err.msg);
    return ct_exit_status(rc) ? ct_exit_status(rc) : 1;
  }
  if (ct_batch_mark_done(b, k, stamp, &err)) {
    fprintf(stderr, "error: %s\n", err.msg);
    return 1;
  }
  fprintf(stderr, "complete: %s (%.1f s)\n", out, res.wall_s);
  return 0;
}

/* The last "error:" line of a variant's log. */
static void last_error(const ct_batch *b, int k, char *out, size_t n) {
  char path[4300], line[2048];
  ct_batch_dir(b, k, path, sizeof path);
  strncat(path, "/log.txt", sizeof path - strlen(path) - 1);
  snprintf(out, n, "see %s", path);
  FILE *fp = fopen(path, "r");
  if (!fp) return;
  while (fgets(line, sizeof line, fp))
    if (!strncmp(line, "error: ", 7)) {
      line[strcspn(line, "\n")] = '\0';
      snprintf(out, n, "%s", line + 7);
    }
  fclose(fp);
}

static const char usage_batch[] =
    "usage: citytwin batch BATCH.ini [-j N] [--quiet]\n"
    "\n"
    "Runs the base scenario and every [variant NAME] of the batch file, N at a\n"
    "time (default 1), each into OUTPUT/NAME/run.nc, then writes OUTPUT/kpis.csv\n"
    "(every KPI of every variant against the base), OUTPUT/report.md and\n"
    "OUTPUT/maps/*.tif (variant - base difference maps). Resumable: a second\n"
    "call skips variants already complete from the same inputs, goes on with\n"
    "interrupted or killed ones from their last checkpoint and reruns failed\n"
    "ones. A failing variant does not stop the others.\n"
    "\n"
    "  -j N      variants at a time; OpenMP threads are shared among them\n"
    "  --quiet   no progress display\n";

int ct__cli_batch(int argc, char **argv, volatile sig_atomic_t *stop) {
  const char *file = NULL;
  int jobs = 1, quiet = 0;
  for (int k = 1; k < argc; k++) {
    if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) {
      fputs(usage_batch, stdout);
      return 0;
    } else if (!strcmp(argv[k], "-j") && k + 1 < argc) {
      char *end;
      long v = strtol(argv[++k], &end, 10);
      if (*end || v < 1 || v > 64) {
        fprintf(stderr, "citytwin batch: -j expects 1..64, got '%s'\n\n%s", argv[k],
                usage_batch);
        return 2;
      }
      jobs = (int)v;
    } else if (!strcmp(argv[k], "--quiet")) {
      quiet = 1;
    } else if (argv[k][0] == '-' || file) {
      fprintf(stderr, "citytwin batch: unexpected argument '%s'\n\n%s", argv[k],
              usage_batch);
      return 2;
    } else {
      file = argv[k];
    }
  }
  if (!file) {
    fprintf(stderr, "citytwin batch: missing BATCH.ini\n\n%s", usage_batch);
    return 2;
  }
  ct_batch b;
  ct_error err = {0};
  if (ct_batch_load(&b, file, &err)) {
    fprintf(stderr, "error: %s\n", err.msg);
    return ct_exit_status(err.code);
  }
  int n = b.nvar, rc = 0;
  char **text = calloc((size_t)n, sizeof *text);
  char **stamp = calloc((size_t)n, sizeof *stamp);
  int *failed = calloc((size_t)n, sizeof *failed), *state = calloc((size_t)n, sizeof *state);
  float *frac = calloc((size_t)n, sizeof *frac);
  pid_t *pid = calloc((size_t)n, sizeof *pid);
  /* The children are forked from this process, and a thread pool does not
   * survive fork (a child would wait forever on threads it does not have):
   * so this process starts none. GDAL's warps take their thread count from
   * OpenMP; each child sets its own count afresh. */
  omp_set_num_threads(1);
  /* Check the base and every variant before any run starts: bad input is
   * reported at once, and a fault of the base once, not with every variant
   * made from it. */
  for (int k = 0; k < n; k++) {
    if (ct_batch_prepare(&b, k, &text[k], &err) ||
        (!(stamp[k] = ct_batch_stamp(&b, k, text[k])) &&
         ct_error_set(&err, CT_ENOMEM, "out of memory"))) {
      if (k == 0) fprintf(stderr, "error: %s\n", err.msg);
      else fprintf(stderr, "variant '%s': error: %s\n", b.var[k].name, err.msg);
      int st = ct_exit_status(err.code);
      if (st > rc) rc = st;
      if (k == 0) break;
    } else if (ct_batch_done(&b, k, stamp[k])) {
      state[k] = 2; /* complete from the same inputs: skip */
      frac[k] = 1;
      if (!quiet) fprintf(stderr, "variant '%s': already complete, skipped\n", b.var[k].name);
    }
  }
  int fds[2];
  if (rc) goto done; /* bad input: nothing runs */
  /* A typo in maps is found once the base run exists (the fields are the
   * ones its models publish), before more variants start when -j 1. */
  int maps_checked = 0;
  if (state[0] == 2) {
    maps_checked = 1;
    if (ct_batch_check_maps(&b, &err)) {
      fprintf(stderr, "error: %s\n", err.msg);
      rc = ct_exit_status(err.code);
      goto done;
    }
  }
  int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
  int threads = cores / jobs > 0 ? cores / jobs : 1;
  if (pipe(fds) != 0) {
    perror("pipe");
    rc = 1;
    goto done;
  }
  int running = 0, next = 0, tty = isatty(2), bad_maps = 0;
  for (;;) {
    while (running < jobs && next < n && !*stop && !bad_maps) {
      if (state[next] != 0) {
        next++;
        continue;
      }
      fflush(NULL);
      pid_t p = fork();
      if (p == 0) {
        close(fds[0]);
        _exit(run_child(&b, next, text[next], stamp[next], fds[1], threads,
                        stop));
      }
      if (p < 0) {
        perror("fork");
        failed[next] = 1;
        state[next++] = 3;
        continue;
      }
      pid[next] = p;
      state[next++] = 1;
      running++;
    }
    if (running == 0) break;
    struct pollfd pf = {fds[0], POLLIN, 0};
    if (poll(&pf, 1, 200) > 0) {
      msg m;
      if (read(fds[0], &m, sizeof m) == (ssize_t)sizeof m && m.k >= 0 && m.k < n)
        frac[m.k] = m.frac;
    }
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
      for (int k = 0; k < n; k++) {
        if (pid[k] != p) continue;
        running--;
        int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        state[k] = ok ? 2 : 3;
        failed[k] = !ok;
        if (ok) frac[k] = 1;
        if (!ok) {
          char why[2048];
          last_error(&b, k, why, sizeof why);
          if (tty && !quiet) fputc('\n', stderr);
          fprintf(stderr, "variant '%s' failed: %s\n", b.var[k].name, why);
          rc = 1;
        }
        if (k == 0 && ok && !maps_checked) {
          maps_checked = 1;
          if (ct_batch_check_maps(&b, &err)) {
            if (tty && !quiet) fputc('\n', stderr);
            fprintf(stderr, "error: %s\n", err.msg);
            bad_maps = ct_exit_status(err.code);
          }
        }
      }
    }
    if (!quiet) show_progress(tty, n, state, frac, running);
  }
  /* (also when every run was complete already and none started) */
  if (!quiet && !*stop) show_progress(tty, n, state, frac, running);
  close(fds[0]);
  close(fds[1]);
  if (!quiet && tty) fputc('\n', stderr);
  int nfailed = 0;
  for (int k = 0; k < n; k++) nfailed += failed[k];
  if (bad_maps) {
    rc = bad_maps;
  } else if (*stop) {
    fprintf(stderr, "batch interrupted; run the same command again to resume\n");
    rc = 1;
  } else if (ct_batch_report(&b, failed, &err)) {
    fprintf(stderr, "error: %s\n", err.msg);
    rc = 1;
  } else if (!quiet) {
    /* var[0] is the base: "4 variant(s)" for base + 3 misled. */
    printf("batch:   base + %d variant%s, %d failed\nreport:  %s/report.md\n"
           "kpis:    %s/kpis.csv\n",
           n - 1, n - 1 == 1 ? "" : "s", nfailed, b.out_dir, b.out_dir);
    char maps[4200];
    snprintf(maps, sizeof maps, "%s/maps", b.out_dir);
    if (access(maps, F_OK) == 0) printf("maps:    %s/\n", maps);
  }
done:
  for (int k = 0; k < n; k++) {
    free(text[k]);
    free(stamp[k]);
  }
  free(text);
  free(stamp);
  free(failed);
  free(state);
  free(frac);
  free(pid);
  ct_batch_free(&b);
  return rc;
}
