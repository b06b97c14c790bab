/* run.c - the run loop: scenario -> grid -> layers -> models, then the clock
 * with coupling, snapshot and gauge times, and the summary at the end. */
#include <errno.h>
#include <glob.h>
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

/* A file the scenario names outside [layers] (a rain series, a gauge list,
 * a tide level): checksummed like the layers, so that --resume notices an
 * edit, and never to be overwritten by the run's outputs. */
typedef struct input_file {
  char name[160]; /* SECTION.KEY[.N], the NAME of its input.NAME attribute */
  char *path;     /* resolved against the scenario's folder */
  char sha256[65];
} input_file;

/* No run holds more snapshots or coupling intervals than these: past them
 * the models' per-interval tables and the snapshot count overflow, and no
 * real question needs them (1e8 minutes is 190 years). */
#define MAX_COUPLINGS 1e8
#define MAX_SNAPSHOTS 1e7

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
  input_file *inputs;
  int ninputs;
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

/* A folder that cannot be made or written is the user's choice of output,
 * not a failed run; a full disk or an I/O error is. */
static int path_errno_code(int e) {
  return e == ENOSPC || e == EDQUOT || e == EIO ? CT_EIO : CT_EINVAL;
}

/* The folder of file (".": none given) into dir. */
static void folder_of(const char *file, char *dir, size_t n) {
  snprintf(dir, n, "%s", file);
  char *slash = strrchr(dir, '/');
  if (slash == dir) dir[1] = '\0';
  else if (slash) *slash = '\0';
  else snprintf(dir, n, ".");
}

/* The output's folder, or the nearest one above it that exists (the run
 * creates the rest), must take new files; else the run would fail only
 * after loading everything, with a confusing disk-space message. */
static int check_writable(const char *file, ct_error *err) {
  char dir[4096];
  folder_of(file, dir, sizeof dir);
  struct stat st;
  while (stat(dir, &st) != 0) {
    char *slash = strrchr(dir, '/');
    if (!slash) {
      snprintf(dir, sizeof dir, ".");
      break;
    }
    if (slash == dir) slash[1] = '\0';
    else *slash = '\0';
  }
  if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
    return ct_error_set(err, CT_EINVAL,
                        "%s: cannot create its folder: %s is a file, not a "
                        "folder", file, dir);
  if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
    return ct_error_set(err, CT_EINVAL,
                        "%s: cannot create the run file: it is a folder",
                        file);
  /* A file made and removed, not access(): root passes access() where
   * the file system still refuses (read-only mounts aside, /proc). */
  char probe[4200];
  snprintf(probe, sizeof probe, "%s/.citytwin-probe-XXXXXX", dir);
  int fd = mkstemp(probe);
  if (fd >= 0) {
    close(fd);
    unlink(probe);
  } else if (errno != ENOSPC && errno != EDQUOT) { /* check_disk says it */
    return ct_error_set(err, path_errno_code(errno),
                        "%s: the folder %s is not writable (%s): choose "
                        "another --output or [output] file",
                        file, dir, strerror(errno));
  }
  return CT_OK;
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
  /* A grid too big to index is a cell or bounds out of range, not a
   * machine short of memory. */
  if (rc == CT_ENOMEM) rc = CT_ERANGE;
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
    int i, j, dup = -1;
    for (int k = 0; k < r->ngauges && dup < 0; k++)
      if (!strcmp(r->gauges[k].name, g.name)) dup = k;
    if (dup >= 0) { /* two series under one name in the CSV */
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: gauge '%s' is named twice",
                        path, lineno, g.name);
      break;
    }
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

static int add_input(run_state *r, const char *name, const char *path,
                     ct_error *err) {
  for (int k = 0; k < r->ninputs; k++)
    if (!strcmp(r->inputs[k].path, path)) return CT_OK; /* named twice */
  input_file *ni = realloc(r->inputs, (size_t)(r->ninputs + 1) * sizeof *ni);
  if (!ni) return ct_error_set(err, CT_ENOMEM, "out of memory");
  r->inputs = ni;
  input_file *in = &ni[r->ninputs];
  memset(in, 0, sizeof *in);
  snprintf(in->name, sizeof in->name, "%s", name);
  for (char *c = in->name; *c; c++)
    if (*c == ' ' || *c == '/') *c = '_'; /* "layer dem" sections */
  if (!(in->path = strdup(path)))
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  r->ninputs++;
  return CT_OK;
}

static int is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The files one word of a value names (a file, or a pattern matching
 * files, relative to the scenario), added as SECTION.KEY, .2, .3 ... */
static int collect_word(run_state *r, const ct_section *sec,
                        const ct_entry *en, const char *w, int *nfound,
                        ct_error *err) {
  if (!strncmp(w, "stack:", 6)) w += 6;
  if (!*w) return CT_OK;
  char *path = ct_scenario_resolve(&r->sc, w);
  if (!path) return ct_error_set(err, CT_ENOMEM, "out of memory");
  glob_t g;
  int globbed = strpbrk(w, "*?[") && glob(path, 0, NULL, &g) == 0;
  size_t n = globbed ? g.gl_pathc : 1;
  int rc = CT_OK;
  for (size_t k = 0; k < n && !rc; k++) {
    const char *f = globbed ? g.gl_pathv[k] : path;
    if (!is_file(f)) continue;
    char name[160];
    if (++*nfound == 1)
      snprintf(name, sizeof name, "%s.%s", sec->name, en->key);
    else
      snprintf(name, sizeof name, "%s.%s.%d", sec->name, en->key, *nfound);
    rc = add_input(r, name, f, err);
  }
  if (globbed) globfree(&g);
  free(path);
  return rc;
}

/* The files of one scenario value: the whole value when it names a file
 * ("my rain.csv" has a space), else each word that does ("level
 * tide.csv", "stack:a.tif b.tif"). Generic on purpose, so that a model's
 * new file key is covered without a list to keep up. */
static int collect_value(run_state *r, const ct_section *sec,
                         const ct_entry *en, ct_error *err) {
  int nfound = 0;
  int rc = collect_word(r, sec, en, en->value ? en->value : "", &nfound, err);
  if (rc || nfound) return rc;
  char *words = strdup(en->value ? en->value : "");
  if (!words) return ct_error_set(err, CT_ENOMEM, "out of memory");
  char *save = NULL;
  for (char *w = strtok_r(words, " \t", &save); w && !rc;
       w = strtok_r(NULL, " \t", &save))
    rc = collect_word(r, sec, en, w, &nfound, err);
  free(words);
  return rc;
}

/* Every file the scenario names but its layers (they carry their own
 * checksums) and its output. */
static int collect_inputs(run_state *r, ct_error *err) {
  const ct_scenario *sc = &r->sc;
  for (int s = 0; s < sc->nsec; s++) {
    const ct_section *sec = &sc->sec[s];
    if (!strcmp(sec->name, "layers")) continue;
    for (int e = 0; e < sec->n; e++) {
      if (!strcmp(sec->name, "output") && !strcmp(sec->e[e].key, "file"))
        continue;
      int rc = collect_value(r, sec, &sec->e[e], err);
      if (rc) return rc;
    }
  }
  return CT_OK;
}

/* Is path the file st describes (the same inode, whatever the name)? */
static int same_file(const char *path, const struct stat *st) {
  struct stat o;
  return path && stat(path, &o) == 0 && o.st_dev == st->st_dev &&
         o.st_ino == st->st_ino;
}

/* Which input output file out would overwrite, in words, into what;
 * 0 when none. */
static int clobbered_input(const run_state *r, const char *out, char *what,
                           size_t n) {
  struct stat st;
  if (stat(out, &st) != 0) return 0; /* not there: overwrites nothing */
  if (same_file(r->sc.path, &st)) {
    snprintf(what, n, "the scenario %s itself", r->sc.path);
    return 1;
  }
  for (int k = 0; k < r->sc.nlayers; k++)
    if (same_file(r->sc.layers[k].path, &st)) {
      snprintf(what, n, "the scenario's input layer '%s' (%s)",
               r->sc.layers[k].name,
               r->sc.layers[k].path);
      return 1;
    }
  for (int k = 0; k < r->ninputs; k++)
    if (same_file(r->inputs[k].path, &st)) {
      snprintf(what, n, "the scenario's input file %s (%s)", r->inputs[k].path,
               r->inputs[k].name);
      return 1;
    }
  return 0;
}

/* Before anything is written: no output (the run file, its summary or its
 * gauges) may be an input of the run, and its folder must take files. */
static int check_output(run_state *r, const char *file, ct_error *err) {
  char sum[4200], gauges[4200];
  sibling(file, "_summary.json", sum, sizeof sum);
  sibling(file, "_gauges.csv", gauges, sizeof gauges);
  const char *outs[3] = {file, sum, r->sc.gauges ? gauges : NULL};
  static const char *const role[3] = {"run file", "run's summary",
                                      "run's gauge CSV"};
  for (int k = 0; k < 3; k++) {
    char what[4400];
    if (outs[k] && clobbered_input(r, outs[k], what, sizeof what))
      return ct_error_set(err, CT_EINVAL,
                          "%s: the %s would overwrite %s: choose another "
                          "--output or [output] file",
                          outs[k], role[k], what);
  }
  return check_writable(file, err);
}

/* Refuses runs whose counts overflow the models' tables (a duration of a
 * billion days), naming the duration's line, before any allocation. */
static int check_counts(const ct_scenario *sc, ct_error *err) {
  const ct_entry *e = ct_scenario_entry(sc, "scenario", "duration");
  double ncpl = sc->coupling > 0 ? sc->duration / sc->coupling : 0;
  double nsnap = sc->out_interval > 0 ? sc->duration / sc->out_interval : 0;
  if (ncpl > MAX_COUPLINGS)
    return ct_scenario_error(sc, e, CT_ERANGE, err,
                             "%.3g coupling intervals of %g s; at most %.0e: "
                             "shorten the run or lengthen [scenario] coupling",
                             ncpl, sc->coupling, MAX_COUPLINGS);
  if (nsnap > MAX_SNAPSHOTS)
    return ct_scenario_error(sc, e, CT_ERANGE, err,
                             "%.3g snapshots every %g s; at most %.0e: "
                             "shorten the run or lengthen [output] interval",
                             nsnap, sc->out_interval, MAX_SNAPSHOTS);
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
  if ((rc = check_counts(&r->sc, err))) return rc;
  /* Where the run writes, checked before the slow work: it must not
   * overwrite an input, and its folder must take files. */
  const char *file = o->resume ? o->resume : o->output ? o->output
                                                       : r->sc.out_file;
  if ((rc = collect_inputs(r, err)) || (rc = check_output(r, file, err)) ||
      (!o->check_only && (rc = ct_snapshot_busy(file, err))))
    return rc;
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

/* A previous run's summary must not sit, saying "complete", beside a new
 * run file that may be killed before it writes its own. */
static int drop_summary(const char *summary, ct_error *err) {
  if (unlink(summary) != 0 && errno != ENOENT)
    return ct_error_set(err, path_errno_code(errno),
                        "%s: cannot remove the previous run's summary: %s",
                        summary, strerror(errno));
  return CT_OK;
}

static int hash_inputs(run_state *r, ct_error *err) {
  for (int k = 0; k < r->ninputs; k++) {
    int rc = ct_sha256_file(r->inputs[k].path, r->inputs[k].sha256, err);
    if (rc) return ct_error_prefix(err, "%s: [%s] input", r->sc.path,
                                   r->inputs[k].name);
  }
  return CT_OK;
}

static int open_outputs(run_state *r, const char *file, ct_run_result *res,
                        ct_error *err) {
  snprintf(res->output, sizeof res->output, "%s", file);
  sibling(file, "_summary.json", res->summary, sizeof res->summary);
  if (mkdirs(file) != 0)
    return ct_error_set(err, path_errno_code(errno),
                        "%s: cannot create its folder: %s", file,
                        strerror(errno));
  int rc0 = check_disk(r, file, err);
  if (!rc0) rc0 = ct_snapshot_busy(file, err);
  if (!rc0) rc0 = drop_summary(res->summary, err);
  if (!rc0) rc0 = hash_inputs(r, err);
  if (rc0) return rc0;
  int cap = 1 + r->layers.n + r->ninputs;
  const char **names = calloc((size_t)cap, sizeof *names);
  const char **paths = calloc((size_t)cap, sizeof *paths);
  const char **sums = calloc((size_t)cap, sizeof *sums);
  char scenario_sum[65] = "";
  int n = 0;
  if (names && paths && sums) {
    if (ct_sha256_file(r->sc.path, scenario_sum, NULL) == CT_OK) {
      names[n] = "scenario"; paths[n] = r->sc.path; sums[n] = scenario_sum;
      n++;
    }
    for (int k = 0; k < r->layers.n; k++, n++) {
      names[n] = r->layers.l[k].name;
      paths[n] = r->layers.l[k].spec ? r->layers.l[k].spec->path : "";
      sums[n] = r->layers.l[k].sha256;
    }
    for (int k = 0; k < r->ninputs; k++, n++) {
      names[n] = r->inputs[k].name;
      paths[n] = r->inputs[k].path;
      sums[n] = r->inputs[k].sha256;
    }
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
  int rc = names && paths && sums
               ? ct_snapshot_create(&r->snap, file, &r->grid, &meta, err)
               : ct_error_set(err, CT_ENOMEM, "out of memory");
  free(abs);
  free(names);
  free(paths);
  free(sums);
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
        /* Here too, not only between intervals: with a tiny time step one
         * interval can take minutes, and Ctrl-C must not wait for it. */
        if (!rc && o->stop && *o->stop && tm < t1 - eps)
          rc = ct_error_set(err, CT_EINTR, "stopped by the user at t = %.0f s",
                            tm);
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

/* Does the run file record input.NAME? */
static int has_input(ct_reader *rd, const char *name) {
  char an[256];
  snprintf(an, sizeof an, "input.%s", name);
  char *v = ct_reader_attr(rd, an);
  free(v);
  return v != NULL;
}

/* The value name of an input (SECTION.KEY of SECTION.KEY.N) into base;
 * its place N in that value (1 for the first). */
static int value_of(const char *name, char *base, size_t n) {
  snprintf(base, n, "%s", name);
  char *dot = strrchr(base, '.');
  if (!dot || dot == strchr(base, '.') || !dot[1] ||
      strspn(dot + 1, "0123456789") != strlen(dot + 1))
    return 1;
  *dot = '\0';
  return atoi(dot + 1);
}

/* The files of value SECTION.KEY now against those the run file records:
 * a file added to or gone from a stack: glob shows as a name one side has
 * and the other has not (their numbering follows the sorted names). Only
 * for values the file records at all (older runs record none). Says what
 * into why, returning 1. */
static int set_changed(const run_state *r, ct_reader *rd, int k, char *why,
                       size_t n) {
  const char *name = r->inputs[k].name;
  if (!strchr(name, '.')) return 0; /* input.scenario: checked apart */
  char base[160], other[160];
  int nth = value_of(name, base, sizeof base);
  if (!has_input(rd, base)) return 0;
  if (!has_input(rd, name)) {
    snprintf(why, n, "%s was added since the run started", r->inputs[k].path);
    return 1;
  }
  int last = k + 1 >= r->ninputs ||
             (value_of(r->inputs[k + 1].name, other, sizeof other),
              strcmp(other, base) != 0);
  char next[200];
  snprintf(next, sizeof next, "%s.%d", base, nth + 1);
  if (last && has_input(rd, next)) {
    snprintf(why, n, "some are gone since the run started");
    return 1;
  }
  return 0;
}

/* Does the checksum recorded as input.NAME differ from sha? An input the
 * file does not record (a run begun by an older version) is let be. */
static int input_changed(ct_reader *rd, const char *name, const char *sha) {
  char an[256];
  snprintf(an, sizeof an, "input.%s", name);
  char *v = ct_reader_attr(rd, an);
  const char *sum = v ? strstr(v, " sha256:") : NULL;
  int changed = sum && strcmp(sum + 8, sha) != 0;
  free(v);
  return changed;
}

/* Every input layer and file must be the one the run started from, or the
 * resumed run would not be that run. */
static int check_inputs(run_state *r, const char *file, ct_error *err) {
  int rc = hash_inputs(r, err);
  if (rc) return rc;
  ct_reader *rd;
  if ((rc = ct_reader_open(&rd, file, err))) return rc;
  for (int k = 0; k < r->layers.n && !rc; k++) {
    const ct_layer *l = &r->layers.l[k];
    if (input_changed(rd, l->name, l->sha256))
      rc = ct_error_set(err, CT_EINVAL,
                        "%s: input layer '%s' (%s) changed since the run "
                        "started; resuming would not give that run's results: "
                        "run it again",
                        file, l->name, l->spec ? l->spec->path : "built in");
  }
  for (int k = 0; k < r->ninputs && !rc; k++) {
    char why[4300], base[160];
    if (set_changed(r, rd, k, why, sizeof why)) {
      value_of(r->inputs[k].name, base, sizeof base);
      rc = ct_error_set(err, CT_EINVAL,
                        "%s: the files of %s are not those the run started "
                        "with: %s; resuming would not give that run's "
                        "results: run it again",
                        file, base, why);
    }
  }
  for (int k = 0; k < r->ninputs && !rc; k++)
    if (input_changed(rd, r->inputs[k].name, r->inputs[k].sha256))
      rc = ct_error_set(err, CT_EINVAL,
                        "%s: input file %s ([%s]) changed since the run "
                        "started; resuming would not give that run's results: "
                        "run it again",
                        file, r->inputs[k].path, r->inputs[k].name);
  ct_reader_close(rd);
  return rc;
}

/* The whole of a text file (malloc'd), or NULL. */
static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - 1 - n, fp);
    if (n < cap - 1) break;
    char *nb = realloc(buf, cap *= 2);
    if (!nb) free(buf);
    buf = nb;
  }
  fclose(fp);
  if (buf) buf[n] = '\0';
  return buf;
}

/* `run SCENARIO.ini --resume` must go on with that scenario: a run file
 * from another one (or from this one before an edit) would silently run
 * something else under its name. */
static int check_named_scenario(const char *named, const char *given_text,
                                const char *file, const char *stored_path,
                                const char *stored_text, ct_error *err) {
  struct stat a, b;
  if (stat(named, &a) == 0 && stat(stored_path, &b) == 0 &&
      (a.st_dev != b.st_dev || a.st_ino != b.st_ino))
    return ct_error_set(err, CT_EINVAL,
                        "%s was run from the scenario %s, not %s: resume it "
                        "with `citytwin run --resume %s`, or run %s anew "
                        "with another --output",
                        file, stored_path, named, file, named);
  char *text = given_text ? strdup(given_text) : slurp(named);
  if (!text)
    return ct_error_set(err, CT_ENOENT, "%s: cannot read: %s", named,
                        strerror(errno));
  int same = strcmp(text, stored_text) == 0;
  free(text);
  if (!same)
    return ct_error_set(err, CT_EINVAL,
                        "%s changed since %s was started from it (the run "
                        "file holds the scenario %s as it was): run it anew, "
                        "or undo the edit to resume",
                        named, file, stored_path);
  return CT_OK;
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
  int rc = ct_snapshot_busy(file, err);
  if (!rc) rc = check_inputs(r, file, err);
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
  /* only now: a refused resume leaves the stopped run's summary be */
  if ((rc = drop_summary(res->summary, err))) return rc;
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
  for (int k = 0; k < r->ninputs; k++) free(r->inputs[k].path);
  free(r->inputs);
}

int ct_run(const char *scenario_path, const ct_run_opts *o, ct_run_result *res,
           ct_error *err) {
  static const ct_run_opts none;
  if (!o) o = &none;
  memset(res, 0, sizeof *res);
  double w0 = wall_now();
  if (o->threads > 0) omp_set_num_threads(o->threads);
  char *rtext = NULL, *rpath = NULL, *rfile = NULL;
  const char *named = o->resume && !o->resume[0] ? scenario_path : NULL;
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
    if (!rc && named)
      rc = check_named_scenario(named, o->scenario_text, o->resume, rpath,
                                rtext, err);
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
