/* run.c - the run loop: scenario -> grid -> layers -> models, then the clock
 * with coupling, snapshot and gauge times, and the summary at the end. */
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "citytwin/model.h"
#include "citytwin/run.h"
#include "citytwin/snapshot.h"

#ifndef CT_VERSION
#define CT_VERSION "0.0.0"
#endif

const char *ct_version(void) { return CT_VERSION; }

typedef struct gauge {
  char name[64];
  double x, y;
  size_t idx;
} gauge;

typedef struct run_state {
  ct_scenario sc;
  ct_grid grid;
  ct_layers layers;
  ct_fields *fields;
  ct_env env;
  int nmodels;
  const ct_model_class *cls[16];
  void *self[16];
  ct_field *out[128];
  int nout;
  gauge *gauges;
  int ngauges;
  FILE *gauge_fp;
  int gauge_units; /* the CSV has a units column (all but older runs') */
  ct_snapshot *snap;
  ct_state *ckpt;      /* the checkpoint store, reused after each snapshot */
} run_state;

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int mkdirs(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    struct stat st;
    if (mkdir(buf, 0777) != 0 &&
        (errno != EEXIST || stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))) {
      if (errno == EEXIST) errno = ENOTDIR; /* a file where a folder must go */
      return -1;
    }
    *p = '/';
  }
  return 0;
}

/* FILE.nc -> FILE<suffix> */
static void sibling(const char *file, const char *suffix, char *out, size_t n) {
  size_t len = strlen(file);
  if (len > 3 && strcmp(file + len - 3, ".nc") == 0) len -= 3;
  snprintf(out, n, "%.*s%s", (int)len, file, suffix);
}

static int build_grid(run_state *r, ct_error *err) {
  ct_scenario *sc = &r->sc;
  if (sc->grid_layer) {
    const ct_layer_spec *l = ct_scenario_layer(sc, sc->grid_layer);
    int rc = ct_raster_grid(l->path, l->crs ? l->crs : sc->crs, &r->grid, err);
    if (rc)
      return ct_error_prefix(err, "%s: [domain] grid = %s", sc->path,
                             sc->grid_layer);
    return CT_OK;
  }
  int rc = ct_crs_require_metres(sc->crs, err);
  if (!rc)
    rc = ct_grid_init(&r->grid, sc->crs, sc->bounds[0], sc->bounds[1],
                      sc->bounds[2], sc->bounds[3], sc->cell, err);
  if (rc) {
    const ct_entry *e = ct_scenario_entry(sc, "domain", rc == CT_ECRS ? "crs" : "bounds");
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return ct_scenario_error(sc, e, rc, err, "%s", msg);
  }
  return CT_OK;
}

/* Raster layers become static fields layer.<name>, written once. */
static int publish_layers(run_state *r, ct_error *err) {
  size_t n = ct_grid_ncells(&r->grid);
  for (int k = 0; k < r->layers.n; k++) {
    const ct_layer *l = &r->layers.l[k];
    if (l->is_vector) continue;
    char name[64], long_name[128];
    snprintf(name, sizeof name, "layer.%s", l->name);
    snprintf(long_name, sizeof long_name, "input layer '%s'", l->name);
    const char *units = l->units                       ? l->units
                        : strcmp(l->name, "dem") == 0 ? "m" : "1";
    if (strcmp(l->name, "dem") == 0)
      snprintf(long_name, sizeof long_name, "ground elevation (input layer 'dem')");
    ct_field *f = ct_fields_add(r->fields, name, units, long_name,
                                CT_FIELD_STATIC, err);
    if (!f) return err->code;
    memcpy(f->data, l->raster, n * sizeof(float));
  }
  return CT_OK;
}

static int pick_outputs(run_state *r, ct_error *err) {
  const ct_scenario *sc = &r->sc;
  int nf = ct_fields_count(r->fields);
  if (sc->nout_fields == 0) {
    for (int k = 0; k < nf && r->nout < 128; k++) {
      ct_field *f = ct_fields_at(r->fields, k);
      if (!(f->flags & (CT_FIELD_STATIC | CT_FIELD_INTERNAL))) r->out[r->nout++] = f;
    }
    return CT_OK;
  }
  for (int k = 0; k < sc->nout_fields && r->nout < 128; k++) {
    ct_field *f = ct_fields_find(r->fields, sc->out_fields[k]);
    if (f && !(f->flags & CT_FIELD_INTERNAL)) {
      if (!(f->flags & CT_FIELD_STATIC)) r->out[r->nout++] = f;
      continue;
    }
    const char *best = NULL;
    int bestd = 4;
    char list[1024] = "";
    for (int m = 0; m < nf; m++) {
      ct_field *g = ct_fields_at(r->fields, m);
      if (g->flags & (CT_FIELD_STATIC | CT_FIELD_INTERNAL)) continue;
      int d = ct_edit_distance(sc->out_fields[k], g->name);
      if (d < bestd) { bestd = d; best = g->name; }
      strncat(list, " ", sizeof list - strlen(list) - 1);
      strncat(list, g->name, sizeof list - strlen(list) - 1);
    }
    const ct_entry *e = ct_scenario_entry(sc, "output", "fields");
    if (best)
      return ct_scenario_error(sc, e, CT_EINVAL, err,
                               "no field '%s' in this run; did you mean '%s'?",
                               sc->out_fields[k], best);
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "no field '%s' in this run; the models of this "
                             "scenario publish:%s",
                             sc->out_fields[k], *list ? list : " nothing");
  }
  return CT_OK;
}

/* gauges.csv: name,x,y in the domain CRS. */
static int load_gauges(run_state *r, ct_error *err) {
  const char *path = r->sc.gauges;
  if (!path) return CT_OK;
  FILE *fp = fopen(path, "r");
  if (!fp)
    return ct_error_set(err, CT_ENOENT, "%s: [output] gauges: cannot open %s: %s",
                        r->sc.path, path, strerror(errno));
  char line[1024];
  int lineno = 0, rc = CT_OK;
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[strspn(line, " \t")] || line[0] == '#') continue;
    if (lineno == 1 && strstr(line, "name")) continue; /* header */
    gauge g;
    memset(&g, 0, sizeof g);
    int used = 0;
    if (sscanf(line, " %63[^,] , %lf , %lf %n", g.name, &g.x, &g.y, &used) != 3 ||
        line[used] != '\0') {
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: expected name,x,y, got '%s'",
                        path, lineno, line);
      break;
    }
    int i, j;
    if (ct_grid_locate(&r->grid, g.x, g.y, &i, &j) != CT_OK) {
      rc = ct_error_set(err, CT_ERANGE,
                        "%s:%d: gauge '%s' at (%g, %g) is outside the domain",
                        path, lineno, g.name, g.x, g.y);
      break;
    }
    g.idx = (size_t)j * (size_t)r->grid.nx + (size_t)i;
    gauge *ng = realloc(r->gauges, (size_t)(r->ngauges + 1) * sizeof *ng);
    if (!ng) {
      rc = ct_error_set(err, CT_ENOMEM, "out of memory");
      break;
    }
    r->gauges = ng;
    r->gauges[r->ngauges++] = g;
  }
  fclose(fp);
  if (!rc && r->ngauges == 0)
    rc = ct_error_set(err, CT_EINVAL, "%s: no gauges (expected lines name,x,y)",
                      path);
  return rc;
}

static const char gauge_header[] = "time,gauge,field,value,units\n";

static void write_gauges(run_state *r, double t) {
  for (int g = 0; g < r->ngauges; g++)
    for (int k = 0; k < r->nout; k++) {
      fprintf(r->gauge_fp, "%.3f,%s,%s,%.6g", t, r->gauges[g].name,
              r->out[k]->name, (double)r->out[k]->data[r->gauges[g].idx]);
      fprintf(r->gauge_fp, r->gauge_units ? ",%s\n" : "\n", r->out[k]->units);
    }
  fflush(r->gauge_fp);
}

/* Refuses a run this machine cannot hold, before any big allocation:
 * memory from the grid size and the models (about 100 float32 arrays of
 * the grid in the worst case: flood state, traffic rasters, air levels x
 * species), disk from the snapshot count and fields (deflate rarely packs
 * real float data 10-fold, so a tenth of the raw size must fit). */
static int check_resources(run_state *r, ct_error *err) {
  double cells = (double)ct_grid_ncells(&r->grid);
  double nmod = 0;
  for (int k = 0; ct_models[k]; k++)
    nmod += ct_scenario_section(&r->sc, ct_models[k]->name) != NULL;
  double need = cells * 4.0 * (8 + r->sc.nlayers + 40 * nmod);
  double have = ct_mem_available();
  if (have > 0 && need > have)
    return ct_error_set(err, CT_ENOMEM,
                        "%s: a %d x %d grid needs about %.1f GiB of memory, "
                        "this machine has %.1f GiB available: use a coarser "
                        "[domain] cell or smaller bounds",
                        r->sc.path, r->grid.nx, r->grid.ny, need / 1073741824.0,
                        have / 1073741824.0);
  return CT_OK;
}

static int check_disk(run_state *r, const char *file, ct_error *err) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", file);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
  else snprintf(dir, sizeof dir, ".");
  struct statvfs vfs;
  if (statvfs(dir, &vfs) != 0) return CT_OK;
  double free_b = (double)vfs.f_bavail * (double)vfs.f_frsize;
  double nsnap = floor(r->sc.duration / r->sc.out_interval) + 2;
  double cells = (double)ct_grid_ncells(&r->grid);
  double raw = nsnap * r->nout * 4.0 * cells;
  /* two checkpoint slots of about 16 float arrays of the grid (flood) */
  double state = r->sc.checkpoint ? 2 * 16 * 4.0 * cells : 0;
  if (raw / 10 + state > free_b)
    return ct_error_set(err, CT_ENOSPC,
                        "%s: %.0f snapshots of %d field(s) need up to %.1f GiB "
                        "(%.1f GiB even compressed 10-fold) and the checkpoint "
                        "%.2f GiB, but %s has %.2f GiB free: use a longer "
                        "[output] interval or fewer fields",
                        file, nsnap, r->nout, raw / 1073741824.0,
                        raw / 10 / 1073741824.0, state / 1073741824.0, dir,
                        free_b / 1073741824.0);
  return CT_OK;
}

/* The model sections this build knows, NULL-terminated. */
static void known_models(const char *known[17]) {
  int nk = 0;
  for (int k = 0; ct_models[k] && nk < 16; k++) known[nk++] = ct_models[k]->name;
  known[nk] = NULL;
}

static int setup(run_state *r, const char *path, const ct_run_opts *o,
                 ct_run_result *res, ct_error *err) {
  const char *known[17];
  known_models(known);
  int rc = o->scenario_text
               ? ct_scenario_parse(&r->sc, o->scenario_text, path, known, err)
               : ct_scenario_load(&r->sc, path, known, err);
  if (rc) return rc;
  for (int k = 0; ct_models[k]; k++) { /* keys first: typos before slow work */
    if (!ct_models[k]->keys || !ct_scenario_section(&r->sc, ct_models[k]->name))
      continue;
    if ((rc = ct_scenario_check_keys(&r->sc, ct_models[k]->name,
                                     ct_models[k]->keys, err)))
      return rc;
  }
  if ((rc = build_grid(r, err))) return rc;
  if ((rc = check_resources(r, err))) return rc;
  double t0 = wall_now();
  if ((rc = ct_layers_load(&r->layers, &r->sc, &r->grid, o->warn, o->ud, err)))
    return rc;
  res->load_s = wall_now() - t0;
  if (!(r->fields = ct_fields_new(&r->grid)))
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  if ((rc = publish_layers(r, err))) return rc;
  r->env = (ct_env){.sc = &r->sc, .grid = &r->grid, .fields = r->fields,
                    .layers = &r->layers, .start_unix = r->sc.start_unix,
                    .utc_offset_s = r->sc.utc_offset_s,
                    .duration = r->sc.duration, .coupling = r->sc.coupling,
                    .warn = o->warn, .warn_ud = o->ud};
  for (int k = 0; ct_models[k]; k++) {
    if (!ct_scenario_section(&r->sc, ct_models[k]->name)) continue;
    r->cls[r->nmodels] = ct_models[k];
    if ((rc = ct_models[k]->init(&r->self[r->nmodels], &r->env, err)))
      return rc;
    r->nmodels++;
  }
  if ((rc = pick_outputs(r, err))) return rc;
  return load_gauges(r, err);
}

static int open_outputs(run_state *r, const char *file, ct_run_result *res,
                        ct_error *err) {
  snprintf(res->output, sizeof res->output, "%s", file);
  sibling(file, "_summary.json", res->summary, sizeof res->summary);
  if (mkdirs(file) != 0)
    return ct_error_set(err, CT_EIO, "%s: cannot create its folder: %s", file,
                        strerror(errno));
  int rc0 = check_disk(r, file, err);
  if (rc0) return rc0;
  const char *names[65], *paths[65], *sums[65];
  char scenario_sum[65] = "";
  int n = 0;
  if (ct_sha256_file(r->sc.path, scenario_sum, NULL) == CT_OK) {
    names[n] = "scenario"; paths[n] = r->sc.path; sums[n] = scenario_sum; n++;
  }
  for (int k = 0; k < r->layers.n && n < 64; k++, n++) {
    names[n] = r->layers.l[k].name;
    paths[n] = r->layers.l[k].spec ? r->layers.l[k].spec->path : "";
    sums[n] = r->layers.l[k].sha256;
  }
  /* Absolute, so that --resume finds the layers from any folder. */
  char *abs = realpath(r->sc.path, NULL);
  ct_snapshot_meta meta = {.title = r->sc.name, .scenario_text = r->sc.text,
                           .scenario_path = abs ? abs : r->sc.path,
                           .start_unix = r->sc.start_unix,
                           .utc_offset_s = r->sc.utc_offset_s,
                           .duration = r->sc.duration, .ninputs = n,
                           .input_names = names, .input_paths = paths,
                           .input_sha256 = sums};
  int rc = ct_snapshot_create(&r->snap, file, &r->grid, &meta, err);
  free(abs);
  if (rc) return rc;
  int nf = ct_fields_count(r->fields);
  for (int k = 0; k < nf; k++) {
    ct_field *f = ct_fields_at(r->fields, k);
    if ((f->flags & CT_FIELD_STATIC) && !(f->flags & CT_FIELD_INTERNAL) &&
        (rc = ct_snapshot_write_static(r->snap, f, err)))
      return rc;
  }
  for (int k = 0; k < r->layers.n; k++) {
    const ct_layer *l = &r->layers.l[k];
    if (!l->is_vector || l->vec.nfeat == 0 || l->vec.feat[0].type != CT_GEOM_LINE)
      continue;
    if ((rc = ct_snapshot_write_lines(r->snap, l->name, &l->vec, err))) return rc;
  }
  if (r->ngauges) {
    sibling(file, "_gauges.csv", res->gauges, sizeof res->gauges);
    r->gauge_fp = fopen(res->gauges, "w");
    if (!r->gauge_fp)
      return ct_error_set(err, CT_EIO, "%s: cannot write: %s", res->gauges,
                          strerror(errno));
    fputs(gauge_header, r->gauge_fp);
    r->gauge_units = 1;
  }
  return CT_OK;
}

/* The run's own state and every model's, listed both ways (saving after a
 * snapshot, restoring on resume). Published fields are not: on resume the
 * loop's first move is an exchange, in which every model publishes again
 * from its restored state before any other reads. */
static int run_state_io(run_state *r, ct_state *st, double *next_gauge,
                        ct_error *err) {
  ct_state_prefix(st, "run");
  int rc = ct_state_io(st, "next_gauge", next_gauge, sizeof *next_gauge, err);
  for (int m = 0; m < r->nmodels && !rc; m++) {
    if (!r->cls[m]->state)
      return ct_error_set(err, CT_EINVAL,
                          "the %s model cannot save its state, so this run "
                          "cannot be resumed", r->cls[m]->name);
    ct_state_prefix(st, r->cls[m]->name);
    rc = r->cls[m]->state(r->self[m], st, err);
  }
  return rc;
}

static int checkpoint(run_state *r, double next_gauge, ct_error *err) {
  int can = r->sc.checkpoint;
  for (int m = 0; m < r->nmodels; m++) can &= r->cls[m]->state != NULL;
  if (!can) return CT_OK; /* such a run is simply not resumable */
  if (!r->ckpt && !(r->ckpt = ct_state_new()))
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  ct_state_reset(r->ckpt);
  int rc = run_state_io(r, r->ckpt, &next_gauge, err);
  if (!rc) rc = ct_snapshot_write_state(r->snap, r->ckpt, err);
  return rc;
}

static int snapshot(run_state *r, double t, double next_gauge,
                    ct_run_result *res, ct_error *err) {
  double t0 = wall_now();
  for (int m = 0; m < r->nmodels; m++) {
    int rc = r->cls[m]->write(r->self[m], t, r->snap, err);
    if (rc) return rc;
  }
  int rc = ct_snapshot_append(r->snap, t, r->out, r->nout, err);
  if (!rc) res->nsnapshots++;
  if (!rc) rc = checkpoint(r, next_gauge, err);
  res->write_s += wall_now() - t0;
  return rc;
}

static int write_summary(run_state *r, ct_run_result *res, int status,
                         ct_error *err) {
  ct_json j;
  ct_json_init(&j);
  ct_json_object(&j, NULL);
  ct_json_string(&j, "scenario", r->sc.name);
  ct_json_string(&j, "scenario_file", r->sc.path);
  ct_json_string(&j, "output", res->output);
  ct_json_string(&j, "status", status == CT_OK ? "complete"
                               : status == CT_EINTR ? "interrupted" : "failed");
  ct_json_number(&j, "duration_s", r->sc.duration);
  ct_json_int(&j, "snapshots", res->nsnapshots);
  ct_json_int(&j, "nx", r->grid.nx);
  ct_json_int(&j, "ny", r->grid.ny);
  ct_json_number(&j, "cell_m", r->grid.dx);
  int rc = CT_OK;
  for (int m = 0; m < r->nmodels && !rc; m++) {
    ct_json_object(&j, r->cls[m]->name);
    rc = r->cls[m]->summary(r->self[m], &j, err);
    ct_json_end(&j);
  }
  ct_json_number(&j, "wall_s", res->wall_s);
  ct_json_number(&j, "load_s", res->load_s);
  ct_json_number(&j, "write_s", res->write_s);
  ct_json_end(&j);
  if (!rc && j.oom) rc = ct_error_set(err, CT_ENOMEM, "out of memory");
  if (!rc && r->snap) rc = ct_snapshot_set_attr(r->snap, "summary", j.buf, err);
  if (!rc) {
    FILE *fp = fopen(res->summary, "w");
    if (!fp || fputs(j.buf, fp) < 0 || fclose(fp) != 0) {
      if (fp) fclose(fp);
      rc = ct_error_set(err, CT_EIO, "%s: cannot write: %s", res->summary,
                        strerror(errno));
    }
  }
  ct_json_free(&j);
  return rc;
}

/* Where the clock stands: a fresh run starts at 0 with a snapshot due; a
 * resumed one just after the snapshot at t. */
typedef struct clock_state {
  double t, next_gauge;
  int resumed;
} clock_state;

static int loop(run_state *r, const ct_run_opts *o, ct_run_result *res,
                const clock_state *c0, ct_error *err) {
  const double T = r->sc.duration, eps = 1e-9 * (T > 1 ? T : 1);
  double t = c0->t, next_snap = t, next_gauge = c0->next_gauge;
  int rc = CT_OK, skip = c0->resumed;
  while (!rc) {
    if (skip || t >= next_snap - eps) {
      if (!skip && (rc = snapshot(r, t, next_gauge, res, err))) break;
      skip = 0;
      next_snap = t + r->sc.out_interval;
      if (next_snap > T && t < T - eps) next_snap = T; /* always end on T */
    }
    if (r->gauge_fp && t >= next_gauge - eps) {
      write_gauges(r, t);
      next_gauge = t + r->sc.gauge_interval;
    }
    if (o->progress) o->progress(o->ud, t, T);
    if (t >= T - eps) break;
    if (o->stop && *o->stop) {
      rc = ct_error_set(err, CT_EINTR, "stopped by the user at t = %.0f s", t);
      break;
    }
    double t1 = fmin(fmin(t + r->sc.coupling, T), next_snap);
    if (r->gauge_fp) t1 = fmin(t1, next_gauge);
    for (int m = 0; m < r->nmodels && !rc; m++)
      rc = r->cls[m]->exchange(r->self[m], r->fields, t, err);
    for (int m = 0; m < r->nmodels && !rc; m++) {
      double tm = t;
      while (tm < t1 - eps && !rc) {
        double dt = fmin(r->cls[m]->max_dt(r->self[m]), t1 - tm);
        if (!(dt > 0)) {
          rc = ct_error_set(err, CT_EINTERNAL,
                            "model '%s' gave a non-positive time step at t = "
                            "%.3f s",
                            r->cls[m]->name, tm);
          break;
        }
        if (t1 - (tm + dt) < eps) dt = t1 - tm;
        rc = r->cls[m]->step(r->self[m], tm, dt, err);
        tm += dt;
      }
    }
    t = t1;
  }
  if (!rc) /* the last exchange so published fields hold the final state */
    for (int m = 0; m < r->nmodels && !rc; m++)
      rc = r->cls[m]->exchange(r->self[m], r->fields, t, err);
  return rc;
}

/* --- resuming a killed run --- */

/* The scenario a run file was made from, refusing finished runs. */
static int resume_meta(const char *file, char **text, char **path,
                       ct_error *err) {
  ct_reader *rd;
  int rc = ct_reader_open(&rd, file, err);
  if (rc) return rc;
  char *status = ct_reader_attr(rd, "citytwin_status");
  *text = ct_reader_attr(rd, "scenario");
  *path = ct_reader_attr(rd, "scenario_path");
  if (status && !strcmp(status, "complete"))
    rc = ct_error_set(err, CT_EINVAL,
                      "%s: this run is complete; there is nothing to resume",
                      file);
  else if (!*text || !(*text)[0] || !*path)
    rc = ct_error_set(err, CT_EFORMAT,
                      "%s: does not hold the scenario it was run with", file);
  free(status);
  ct_reader_close(rd);
  return rc;
}

/* Every input layer must be the file the run started from, or the resumed
 * run would not be that run. */
static int check_inputs(run_state *r, const char *file, ct_error *err) {
  ct_reader *rd;
  int rc = ct_reader_open(&rd, file, err);
  if (rc) return rc;
  for (int k = 0; k < r->layers.n && !rc; k++) {
    const ct_layer *l = &r->layers.l[k];
    char an[256];
    snprintf(an, sizeof an, "input.%s", l->name);
    char *v = ct_reader_attr(rd, an);
    const char *sum = v ? strstr(v, " sha256:") : NULL;
    if (sum && strcmp(sum + 8, l->sha256) != 0)
      rc = ct_error_set(err, CT_EINVAL,
                        "%s: input layer '%s' (%s) changed since the run "
                        "started; resuming would not give that run's results: "
                        "run it again",
                        file, l->name, l->spec ? l->spec->path : "built in");
    free(v);
  }
  ct_reader_close(rd);
  return rc;
}

/* Drops the gauge rows from time t on (they follow the checkpoint). */
static int cut_gauges(const char *path, double t, ct_error *err) {
  FILE *in = fopen(path, "r");
  if (!in) return CT_OK; /* none yet: the loop writes them anew */
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *out = fopen(tmp, "w");
  if (!out) {
    fclose(in);
    return ct_error_set(err, CT_EIO, "%s: cannot write: %s", tmp,
                        strerror(errno));
  }
  char line[4096];
  int first = 1;
  while (fgets(line, sizeof line, in)) {
    char *end;
    double tl = strtod(line, &end);
    if (first || (end != line && tl < t - 1e-6)) fputs(line, out);
    first = 0;
  }
  fclose(in);
  if (fclose(out) != 0 || rename(tmp, path) != 0)
    return ct_error_set(err, CT_EIO, "%s: cannot rewrite: %s", path,
                        strerror(errno));
  return CT_OK;
}

/* The output fields as the checkpoint's snapshot holds them (the gauges
 * read them before the models next write). */
static int restore_outputs(run_state *r, const char *file, int nslices,
                           ct_error *err) {
  ct_reader *rd;
  int rc = ct_reader_open(&rd, file, err);
  if (rc) return rc;
  for (int k = 0; k < r->nout && !rc; k++) {
    int v = ct_reader_find(rd, r->out[k]->name);
    rc = v < 0 ? ct_error_set(err, CT_EFORMAT, "%s: has no field %s", file,
                              r->out[k]->name)
               : ct_reader_read(rd, v, nslices - 1, r->out[k]->data, err);
  }
  ct_reader_close(rd);
  return rc;
}

static int resume_outputs(run_state *r, const char *file, clock_state *c,
                          ct_run_result *res, ct_error *err) {
  snprintf(res->output, sizeof res->output, "%s", file);
  sibling(file, "_summary.json", res->summary, sizeof res->summary);
  int rc = check_inputs(r, file, err);
  if (rc) return rc;
  ct_state *st;
  int nslices;
  if ((rc = ct_snapshot_read_state(file, &st, &c->t, &nslices, err)))
    return rc;
  rc = run_state_io(r, st, &c->next_gauge, err);
  ct_state_free(st);
  if (rc) return ct_error_prefix(err, "%s: cannot restore its checkpoint", file);
  if ((rc = restore_outputs(r, file, nslices, err))) return rc;
  if ((rc = ct_snapshot_reopen(&r->snap, file, nslices, err))) return rc;
  res->nsnapshots = nslices;
  res->resumed = c->resumed = 1;
  res->resumed_at = c->t;
  if (r->ngauges) {
    sibling(file, "_gauges.csv", res->gauges, sizeof res->gauges);
    if ((rc = cut_gauges(res->gauges, c->t, err))) return rc;
    /* a run begun by an older version goes on without the units column */
    char head[128] = "";
    FILE *old = fopen(res->gauges, "r");
    int fresh = !old || !fgets(head, sizeof head, old);
    if (old) fclose(old);
    r->gauge_units = fresh || strstr(head, ",units") != NULL;
    if (!(r->gauge_fp = fopen(res->gauges, "a")))
      return ct_error_set(err, CT_EIO, "%s: cannot write: %s", res->gauges,
                          strerror(errno));
    if (fresh) fputs(gauge_header, r->gauge_fp);
  }
  return CT_OK;
}

static void teardown(run_state *r) {
  ct_state_free(r->ckpt);
  for (int m = 0; m < r->nmodels; m++) r->cls[m]->destroy(r->self[m]);
  if (r->gauge_fp) fclose(r->gauge_fp);
  free(r->gauges);
  ct_fields_free(r->fields);
  ct_layers_free(&r->layers);
  ct_grid_free(&r->grid);
  ct_scenario_free(&r->sc);
}

int ct_run(const char *scenario_path, const ct_run_opts *o, ct_run_result *res,
           ct_error *err) {
  static const ct_run_opts none;
  if (!o) o = &none;
  memset(res, 0, sizeof *res);
  double w0 = wall_now();
  if (o->threads > 0) omp_set_num_threads(o->threads);
  char *rtext = NULL, *rpath = NULL, *rfile = NULL;
  ct_run_opts ro;
  if (o->resume && !o->resume[0]) { /* the scenario's own output */
    ct_scenario sc;
    const char *known[17];
    known_models(known);
    int rc = o->output ? CT_OK
                       : ct_scenario_load(&sc, scenario_path, known, err);
    if (rc) return rc;
    rfile = strdup(o->output ? o->output : sc.out_file);
    if (!o->output) ct_scenario_free(&sc);
    if (!rfile) return ct_error_set(err, CT_ENOMEM, "out of memory");
    ro = *o;
    ro.resume = rfile;
    o = &ro;
  }
  if (o->resume) {
    int rc = resume_meta(o->resume, &rtext, &rpath, err);
    if (rc) {
      free(rtext);
      free(rpath);
      free(rfile);
      return rc;
    }
    ro = *o;
    ro.scenario_text = rtext;
    scenario_path = rpath;
    o = &ro;
  }
  run_state *r = calloc(1, sizeof *r);
  int rc = r ? setup(r, scenario_path, o, res, err)
             : ct_error_set(err, CT_ENOMEM, "out of memory");
  if (!rc && !o->check_only) {
    const char *file = o->resume   ? o->resume
                       : o->output ? o->output : r->sc.out_file;
    clock_state c0 = {0, 0, 0};
    rc = o->resume ? resume_outputs(r, file, &c0, res, err)
                   : open_outputs(r, file, res, err);
    if (!rc) rc = loop(r, o, res, &c0, err);
    res->wall_s = wall_now() - w0;
    if (r->snap && (!rc || rc == CT_EINTR)) {
      ct_error e2;
      int rc2 = write_summary(r, res, rc, &e2);
      if (rc2 && !rc) {
        rc = rc2;
        *err = e2;
      }
    }
    if (r->snap) {
      ct_error e2;
      int rc2 = ct_snapshot_close(r->snap, rc == CT_OK, &e2);
      r->snap = NULL;
      if (rc2 && !rc) {
        rc = rc2;
        *err = e2;
      }
    }
  }
  res->wall_s = wall_now() - w0;
  if (r) teardown(r);
  free(r);
  free(rtext);
  free(rpath);
  free(rfile);
  return rc;
}
