/* export.c - `citytwin export`: reads a run file through the snapshot reader
 * and writes the IOC's forecast layers (COG per field and time step and of
 * the run maximum, GeoJSON of flooded and closed roads and of areas above the
 * air-quality threshold) and the manifest; on failure it removes what it
 * wrote, so a folder never holds a half export that looks complete. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>

#include "citytwin/export.h"
#include "citytwin/snapshot.h"
#include "citytwin/util.h"
#include "export/export_internal.h"

void ct_export_opts_default(ct_export_opts *o) {
  memset(o, 0, sizeof *o);
  o->steps = 1;
  o->maxima = 1;
  o->statics = 1;
  o->flood_depth = 0.1;
  o->closure_depth = 0.3;
  o->depth_field = "flood.depth";
  o->max_depth_field = "flood.max_depth";
  o->air_field = NULL; /* "air.pm25" if the run has it */
  o->air_threshold = 15.0;
  o->roads = NULL; /* "roads" if the run has it */
  o->blocksize = 512;
}

/* --- shared helpers --- */

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static void register_gdal(void) { GDALAllRegister(); }

const char *ct__gdal_last(const char *fallback) {
  const char *m = CPLGetLastErrorMsg();
  return (m && *m) ? m : fallback;
}

ct__xlayer *ct__export_add(ct__export *x, ct_error *err) {
  if (x->nlayers == x->cap) {
    int cap = x->cap ? 2 * x->cap : 32;
    ct__xlayer *p = realloc(x->layers, (size_t)cap * sizeof *p);
    if (!p) {
      ct_error_set(err, CT_ENOMEM, "out of memory");
      return NULL;
    }
    x->layers = p;
    x->cap = cap;
  }
  ct__xlayer *l = &x->layers[x->nlayers++];
  memset(l, 0, sizeof *l);
  l->t = NAN;
  l->threshold = NAN;
  l->nfeatures = -1;
  for (int k = 0; k < 4; k++) l->bbox[k] = l->bbox_wgs84[k] = NAN;
  return l;
}

void ct__export_path(const ct__export *x, const char *rel, char *buf,
                     size_t n) {
  snprintf(buf, n, "%s/%s", x->dir, rel);
}

static int remember_dir(ct__export *x, const char *path, ct_error *err) {
  char **p = realloc(x->dirs, (size_t)(x->ndirs + 1) * sizeof *p);
  if (!p) return ct_error_set(err, CT_ENOMEM, "out of memory");
  x->dirs = p;
  if (!(x->dirs[x->ndirs] = strdup(path)))
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  x->ndirs++;
  return CT_OK;
}

/* mkdir that remembers what it created; an existing folder is fine. */
static int make_dir(ct__export *x, const char *path, ct_error *err) {
  struct stat st;
  if (mkdir(path, 0777) == 0) return remember_dir(x, path, err);
  int e = errno;
  if (e == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return CT_OK;
  if (e == EEXIST)
    return ct_error_set(err, CT_EINVAL, "%s: exists and is not a folder",
                        path);
  return ct_error_set(err, e == ENOSPC ? CT_ENOSPC : CT_EIO,
                      "%s: cannot create the folder: %s", path, strerror(e));
}

int ct__export_subdir(ct__export *x, const char *sub, ct_error *err) {
  char path[1024];
  ct__export_path(x, sub, path, sizeof path);
  return make_dir(x, path, err);
}

int ct__export_bbox_wgs84(const ct__export *x, const double b[4],
                          double out[4], ct_error *err) {
  if (!isfinite(b[0])) {
    for (int k = 0; k < 4; k++) out[k] = NAN;
    return CT_OK;
  }
  /* 21 points per edge: a UTM rectangle's edges are curved in lon/lat. */
  if (!OCTTransformBounds(x->to_wgs84, b[0], b[1], b[2], b[3], &out[0],
                          &out[1], &out[2], &out[3], 21))
    return ct_error_set(err, CT_ECRS, "cannot transform the box %g %g %g %g "
                        "to WGS 84: %s", b[0], b[1], b[2], b[3],
                        ct__gdal_last("PROJ failed"));
  return CT_OK;
}

/* --- the export --- */

/* Creates dir and its missing parents; refuses a non-empty one unless
 * overwrite. */
static int prepare_dir(ct__export *x, const char *dir, int overwrite,
                       ct_error *err) {
  char path[1024];
  if (strlen(dir) >= sizeof path)
    return ct_error_set(err, CT_EINVAL, "%.100s...: path too long", dir);
  snprintf(path, sizeof path, "%s", dir);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    int rc = make_dir(x, path, err);
    *p = '/';
    if (rc) return rc;
  }
  int rc = make_dir(x, path, err);
  if (rc) return rc;
  DIR *d = opendir(path);
  if (!d)
    return ct_error_set(err, CT_EIO, "%s: cannot read the folder: %s", path,
                        strerror(errno));
  int nonempty = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) nonempty = 1;
  closedir(d);
  if (nonempty && !overwrite)
    return ct_error_set(err, CT_EINVAL, "%s: the output folder is not empty "
                        "(use --overwrite to write into it anyway)", path);
  /* The old manifest would outlive a failed export and list files that the
   * new one removed or never rewrote; the new one is written last. */
  char old[1100];
  snprintf(old, sizeof old, "%s/manifest.json", path);
  if (nonempty && unlink(old) != 0 && errno != ENOENT)
    return ct_error_set(err, CT_EIO, "%s: cannot remove the old manifest: %s",
                        old, strerror(errno));
  /* Probe writability now rather than after minutes of work. */
  char probe[1100];
  snprintf(probe, sizeof probe, "%s/.ct_export_probe", path);
  FILE *f = fopen(probe, "w");
  if (!f)
    return ct_error_set(err, CT_EIO, "%s: cannot write into the output "
                        "folder: %s", path, strerror(errno));
  fclose(f);
  unlink(probe);
  return CT_OK;
}

static void cleanup(ct__export *x) {
  char path[1024];
  for (int k = 0; k < x->nlayers; k++) {
    ct__export_path(x, x->layers[k].file, path, sizeof path);
    unlink(path);
  }
  ct__export_path(x, "manifest.json.tmp", path, sizeof path);
  unlink(path);
  for (int k = x->ndirs - 1; k >= 0; k--) rmdir(x->dirs[k]);
}

/* Field names become folder and file names: keep them portable. */
static void safe_name(const char *in, char *out, size_t n) {
  size_t k = 0;
  for (; in[k] && k + 1 < n; k++) {
    char c = in[k];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out[k] = ok ? c : '_';
  }
  out[k] = '\0';
}

/* Time t [s from start] as ISO 8601 with the run's UTC offset and as a file
 * name tag; without a start time, an ISO 8601 duration from the start. */
static void time_label(double start, int off, double t, char *iso, size_t ni,
                       char *tag, size_t nt) {
  if (!isfinite(start)) {
    snprintf(iso, ni, "PT%.0fS", t);
    snprintf(tag, nt, "t%06.0fs", t);
    return;
  }
  time_t s = (time_t)floor(start + t + 0.5) + off;
  struct tm tm;
  gmtime_r(&s, &tm);
  char d[32], z[16], zt[16];
  strftime(d, sizeof d, "%Y-%m-%dT%H:%M:%S", &tm);
  int a = off < 0 ? -off : off;
  if (off == 0) {
    snprintf(z, sizeof z, "Z");
    snprintf(zt, sizeof zt, "Z");
  } else {
    snprintf(z, sizeof z, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600,
             a / 60 % 60);
    snprintf(zt, sizeof zt, "%c%02d%02d", off < 0 ? '-' : '+', a / 3600,
             a / 60 % 60);
  }
  snprintf(iso, ni, "%s%s", d, z);
  strftime(d, sizeof d, "%Y%m%dT%H%M%S", &tm);
  snprintf(tag, nt, "%s%s", d, zt);
}

/* mx = max(mx, v) per cell, NaN ignored; rows in parallel. */
static void max_into(const ct_grid *g, float *mx, const float *v) {
  const int nx = g->nx, ny = g->ny;
#pragma omp parallel for schedule(static)
  for (int j = 0; j < ny; j++) {
    float *m = mx + (size_t)j * (size_t)nx;
    const float *w = v + (size_t)j * (size_t)nx;
    for (int i = 0; i < nx; i++)
      if (w[i] == w[i] && !(m[i] >= w[i])) m[i] = w[i];
  }
}

static void fill_nan(float *a, size_t n) {
  for (size_t k = 0; k < n; k++) a[k] = NAN;
}

typedef struct job {
  ct__export x;
  ct_reader *r;
  const ct_export_opts *o;
  ct_export_result *res;
  int done, total;
  ct__roads roads;
  int have_roads;
  float *buf, *mx, *depth_max, *air_max;
} job;

static int progress(job *jb, const char *what, ct_error *err) {
  jb->done++;
  if (!jb->o->progress) return CT_OK;
  double frac = jb->total > 0 ? (double)jb->done / jb->total : 1.0;
  if (frac > 1.0) frac = 1.0;
  if (jb->o->progress(jb->o->ud, frac, what))
    return ct_error_set(err, CT_EINTR, "export stopped after %s", what);
  return CT_OK;
}

static int write_cog(job *jb, const ct_snapshot_var *v, const char *time,
                     double t, const char *suffix, const float *data,
                     const char *what, ct_error *err) {
  char nm[64];
  safe_name(v->name, nm, sizeof nm);
  int rc = ct__export_subdir(&jb->x, nm, err);
  if (rc) return rc;
  ct__xlayer *l = ct__export_add(&jb->x, err);
  if (!l) return CT_ENOMEM;
  if (suffix)
    snprintf(l->file, sizeof l->file, "%s/%s_%s.tif", nm, nm, suffix);
  else
    snprintf(l->file, sizeof l->file, "%s/%s.tif", nm, nm);
  l->kind = CT__KIND_COG;
  snprintf(l->field, sizeof l->field, "%s", v->name);
  snprintf(l->time, sizeof l->time, "%s", time);
  snprintf(l->units, sizeof l->units, "%s", v->units);
  snprintf(l->what, sizeof l->what, "%s", what);
  l->t = t;
  if ((rc = ct__export_cog(&jb->x, l, data, v->long_name, err))) return rc;
  jb->res->ncog++;
  return progress(jb, l->file, err);
}

static int write_roads(job *jb, const char *file, const char *field,
                       const char *time, double t, const float *depth,
                       double thr, const char *what, int *count, double *len,
                       ct_error *err) {
  ct__xlayer *l = ct__export_add(&jb->x, err);
  if (!l) return CT_ENOMEM;
  snprintf(l->file, sizeof l->file, "%s", file);
  snprintf(l->field, sizeof l->field, "%s", field);
  snprintf(l->time, sizeof l->time, "%s", time);
  snprintf(l->units, sizeof l->units, "m");
  snprintf(l->what, sizeof l->what, "%s", what);
  l->t = t;
  l->threshold = thr;
  double total = 0.0;
  int rc = ct__export_roads(&jb->x, l, &jb->roads, depth, thr,
                            jb->o->closure_depth, &total, err);
  if (rc) return rc;
  if (count) *count = l->nfeatures;
  if (len) *len = total;
  jb->res->ngeojson++;
  return progress(jb, l->file, err);
}

/* Reads variable k whole-run maximum into out: the static variable as is,
 * or the maximum over the time steps. */
static int run_max(job *jb, int k, float *out, ct_error *err) {
  const ct_snapshot_var *v = ct_reader_var(jb->r, k);
  if (v->is_static) return ct_reader_read(jb->r, k, 0, out, err);
  size_t n = ct_grid_ncells(ct_reader_grid(jb->r));
  fill_nan(out, n);
  for (int t = 0; t < ct_reader_ntimes(jb->r); t++) {
    int rc = ct_reader_read(jb->r, k, t, jb->buf, err);
    if (rc) return rc;
    max_into(ct_reader_grid(jb->r), out, jb->buf);
  }
  return CT_OK;
}

static int selected(const ct_export_opts *o, const char *name) {
  if (!o->fields) return -1;
  for (int k = 0; k < o->nfields; k++)
    if (o->fields[k] && !strcmp(o->fields[k], name)) return 1;
  return 0;
}

/* A static variable is written when named; a run result by default (no
 * field list); an input layer whenever o->layers asks for them, with or
 * without a field list, since --fields picks among the run's fields and
 * --with-layers adds the inputs to whatever that picked. */
static int want_static(const ct_export_opts *o, const char *name, int sel) {
  if (sel == 1) return 1;
  if (!strncmp(name, "layer.", 6)) return o->layers;
  return sel < 0 && o->statics;
}

static int check_opts(const ct_export_opts *o, const char *run_nc,
                      const char *dir, ct_error *err) {
  if (!run_nc || !*run_nc)
    return ct_error_set(err, CT_EINVAL, "export: no run file given");
  if (!dir || !*dir)
    return ct_error_set(err, CT_EINVAL, "export: no output folder given "
                        "(--to DIR)");
  if (!isfinite(o->flood_depth) || o->flood_depth < 0.0 ||
      !isfinite(o->closure_depth) || o->closure_depth < 0.0)
    return ct_error_set(err, CT_EINVAL, "export: depth thresholds must be "
                        "finite and >= 0 (flood %g m, closure %g m)",
                        o->flood_depth, o->closure_depth);
  if (!isfinite(o->air_threshold))
    return ct_error_set(err, CT_EINVAL, "export: the air threshold must be "
                        "a finite number");
  if (o->blocksize < 16 || o->blocksize > 4096 || o->blocksize % 16)
    return ct_error_set(err, CT_EINVAL, "export: COG block size %d must be "
                        "a multiple of 16 between 16 and 4096", o->blocksize);
  if (o->nfields < 0 || (o->nfields > 0 && !o->fields))
    return ct_error_set(err, CT_EINVAL, "export: bad field list");
  return CT_OK;
}

/* The error for a field the run lacks, with the fields it has. */
static int no_field(ct_reader *r, const char *run_nc, const char *what,
                    const char *name, ct_error *err) {
  char have[1024] = "";
  for (int m = 0; m < ct_reader_nvars(r); m++) {
    size_t u = strlen(have);
    snprintf(have + u, sizeof have - u, "%s%s", m ? ", " : "",
             ct_reader_var(r, m)->name);
  }
  return ct_error_set(err, CT_EINVAL, "%s holds no field '%s'%s (it holds: "
                      "%s)", run_nc, name ? name : "(null)", what, have);
}

static int run_export(job *jb, const char *run_nc, ct_error *err) {
  ct_reader *r = jb->r;
  const ct_export_opts *o = jb->o;
  ct__export *x = &jb->x;
  const ct_grid *g = x->g;
  size_t n = ct_grid_ncells(g);
  int nt = ct_reader_ntimes(r), nv = ct_reader_nvars(r), rc;
  double start = ct_reader_start_unix(r);
  int off = ct_reader_utc_offset(r);

  /* A field asked for by name must exist: a typo is not silently empty. */
  for (int k = 0; k < o->nfields; k++)
    if (!o->fields[k] || ct_reader_find(r, o->fields[k]) < 0)
      return no_field(r, run_nc, "", o->fields[k], err);

  const char *air = o->air_field ? o->air_field : "air.pm25";
  int kd = o->depth_field ? ct_reader_find(r, o->depth_field) : -1;
  int kmd = o->max_depth_field ? ct_reader_find(r, o->max_depth_field) : -1;
  int ka = ct_reader_find(r, air);
  if (ka < 0 && o->air_field)
    return no_field(r, run_nc, " for --air-field", o->air_field, err);
  if (kd >= 0 && ct_reader_var(r, kd)->is_static) kd = -1;

  /* Road lines: the default layer may be absent (a run without roads), a
   * named one must be there, or a typo would give an empty road file that
   * reads as "no road flooded". */
  const char *rname = o->roads ? o->roads : "roads";
  if (*rname) {
    ct_error e2;
    ct_error_clear(&e2);
    rc = ct_reader_lines(r, rname, &jb->roads.npts, &jb->roads.xy,
                         &jb->roads.nparts, &jb->roads.part, &e2);
    if (rc == CT_OK) {
      jb->have_roads = 1;
      if ((rc = ct__export_road_keys(r, rname, &jb->roads, err))) return rc;
    } else if (rc == CT_ENOENT && o->roads) {
      char *have = ct_reader_line_layers(r);
      rc = ct_error_set(err, CT_EINVAL, "%s holds no line layer '%s' for "
                        "--roads (%s%s)", run_nc, rname,
                        have && *have ? "its line layers: "
                                      : "it holds no line layers",
                        have ? have : "");
      free(have);
      return rc;
    } else if (rc != CT_ENOENT) {
      *err = e2;
      return rc;
    }
  }
  int kdepth = kmd >= 0 ? kmd : kd;

  /* Work for the progress fraction. */
  jb->total = 0;
  for (int k = 0; k < nv; k++) {
    const ct_snapshot_var *v = ct_reader_var(r, k);
    int sel = selected(o, v->name);
    if (!v->is_static && sel)
      jb->total += (o->steps ? nt : 0) + (o->maxima && nt > 0 ? 1 : 0);
    else if (v->is_static && want_static(o, v->name, sel))
      jb->total++;
  }
  if (jb->have_roads && kdepth >= 0) jb->total += 2;
  if (jb->have_roads && kd >= 0 && o->steps && selected(o, o->depth_field))
    jb->total += nt;
  if (ka >= 0) jb->total++;

  /* Time-varying fields: every step, then the run maximum. */
  for (int k = 0; k < nv; k++) {
    const ct_snapshot_var *v = ct_reader_var(r, k);
    if (v->is_static || !selected(o, v->name)) continue;
    fill_nan(jb->mx, n);
    char prev[40] = "";
    for (int t = 0; t < nt; t++) {
      if ((rc = ct_reader_read(r, k, t, jb->buf, err))) return rc;
      max_into(g, jb->mx, jb->buf);
      if (!o->steps) continue;
      char iso[40], tag[40];
      double ts = ct_reader_time(r, t);
      time_label(start, off, ts, iso, sizeof iso, tag, sizeof tag);
      /* Slices less than a second apart would share a name. */
      if (!strcmp(tag, prev)) {
        size_t u = strlen(tag);
        snprintf(tag + u, sizeof tag - u, "_%d", t);
      } else {
        snprintf(prev, sizeof prev, "%s", tag);
      }
      if ((rc = write_cog(jb, v, iso, ts, tag, jb->buf, v->long_name, err)))
        return rc;
      if (k == kd && jb->have_roads) {
        char file[256];
        if ((rc = ct__export_subdir(x, "roads_flooded", err))) return rc;
        snprintf(file, sizeof file, "roads_flooded/roads_flooded_%s.geojson",
                 tag);
        if ((rc = write_roads(jb, file, v->name, iso, ts, jb->buf,
                              o->flood_depth, "road segments with water at "
                              "or above the flooded-road depth", NULL, NULL,
                              err)))
          return rc;
      }
    }
    if (o->maxima && nt > 0) {
      char what[128];
      snprintf(what, sizeof what, "maximum over the run's time steps");
      if ((rc = write_cog(jb, v, "max", NAN, "max", jb->mx, what, err)))
        return rc;
    }
    if (k == kd && !jb->depth_max) {
      if (!(jb->depth_max = malloc(n * sizeof(float))))
        return ct_error_set(err, CT_ENOMEM, "out of memory");
      memcpy(jb->depth_max, jb->mx, n * sizeof(float));
    }
    if (k == ka && !jb->air_max) {
      if (!(jb->air_max = malloc(n * sizeof(float))))
        return ct_error_set(err, CT_ENOMEM, "out of memory");
      memcpy(jb->air_max, jb->mx, n * sizeof(float));
    }
  }

  /* Static fields: run-end results (flood.max_depth ...), layers on
   * request. */
  for (int k = 0; k < nv; k++) {
    const ct_snapshot_var *v = ct_reader_var(r, k);
    int sel = selected(o, v->name);
    if (!v->is_static) continue;
    int is_layer = !strncmp(v->name, "layer.", 6);
    if (!want_static(o, v->name, sel)) continue;
    if ((rc = ct_reader_read(r, k, 0, jb->buf, err))) return rc;
    if ((rc = write_cog(jb, v, is_layer ? "static" : "run", NAN, NULL, jb->buf,
                        is_layer ? "static input layer"
                                 : "run result written once", err)))
      return rc;
  }

  /* Roads against the run's maximum depth. */
  if (jb->have_roads && kdepth >= 0) {
    const float *d = NULL;
    if (kdepth == kd && jb->depth_max) {
      d = jb->depth_max;
    } else {
      if ((rc = run_max(jb, kdepth, jb->mx, err))) return rc;
      d = jb->mx;
    }
    const char *fname = ct_reader_var(r, kdepth)->name;
    if ((rc = write_roads(jb, "roads_flooded.geojson", fname, "max", NAN, d,
                          o->flood_depth, "road segments whose maximum water "
                          "depth reaches the flooded-road depth",
                          &jb->res->nflooded, &jb->res->flooded_length_m,
                          err)) ||
        (rc = write_roads(jb, "roads_closed.geojson", fname, "max", NAN, d,
                          o->closure_depth, "road segments closed by water "
                          "at or above the closure depth",
                          &jb->res->nclosed, &jb->res->closed_length_m,
                          err)))
      return rc;
  }

  /* Areas above the air-quality threshold, from the run maximum. */
  if (ka >= 0) {
    const float *a = jb->air_max;
    if (!a) {
      if ((rc = run_max(jb, ka, jb->mx, err))) return rc;
      a = jb->mx;
    }
    const ct_snapshot_var *v = ct_reader_var(r, ka);
    ct__xlayer *l = ct__export_add(x, err);
    if (!l) return CT_ENOMEM;
    snprintf(l->file, sizeof l->file, "air_exceedance.geojson");
    snprintf(l->field, sizeof l->field, "%s", v->name);
    snprintf(l->time, sizeof l->time, "max");
    snprintf(l->units, sizeof l->units, "%s", v->units);
    snprintf(l->what, sizeof l->what, "areas where the run maximum of %s "
             "exceeds the threshold", v->name);
    l->threshold = o->air_threshold;
    if ((rc = ct__export_areas(x, l, a, o->air_threshold,
                               &jb->res->air_area_m2, err)))
      return rc;
    jb->res->nair = l->nfeatures;
    jb->res->ngeojson++;
    if ((rc = progress(jb, l->file, err))) return rc;
  }

  /* The manifest, last. */
  ct__run_info ri = {.path = run_nc, .o = o};
  char *title = ct_reader_attr(r, "title");
  char *status = ct_reader_attr(r, "citytwin_status");
  char *abs = realpath(run_nc, NULL);
  ri.path = abs ? abs : run_nc;
  ri.scenario = title;
  ri.status = status;
  ri.air_units = ka >= 0 ? ct_reader_var(r, ka)->units : NULL;
  ri.air_field = air;
  if (!status || strcmp(status, "complete"))
    snprintf(jb->res->warning, sizeof jb->res->warning,
             "%s: the run is not complete (status '%s'): its maxima and "
             "run-end fields cover only the %d time step(s) it wrote",
             run_nc, status ? status : "unknown", nt);
  if (isfinite(start)) {
    char tag[40];
    time_label(start, off, 0.0, ri.start, sizeof ri.start, tag, sizeof tag);
  }
  rc = ct_sha256_file(run_nc, ri.sha256, err);
  if (!rc)
    rc = ct__export_manifest(x, &ri, jb->res->manifest,
                             sizeof jb->res->manifest, err);
  free(title);
  free(status);
  free(abs);
  return rc;
}

int ct_export_run(const char *run_nc, const char *dir,
                  const ct_export_opts *o_in, ct_export_result *res,
                  ct_error *err) {
  ct_export_opts o;
  if (o_in) o = *o_in;
  else ct_export_opts_default(&o);
  ct_export_result local;
  if (!res) res = &local;
  memset(res, 0, sizeof *res);
  int rc = check_opts(&o, run_nc, dir, err);
  if (rc) return rc;

  pthread_once(&gdal_once, register_gdal);
  CPLPushErrorHandler(CPLQuietErrorHandler);
  CPLErrorReset();

  job jb;
  memset(&jb, 0, sizeof jb);
  jb.o = &o;
  jb.res = res;
  jb.x.dir = dir;
  jb.x.blocksize = o.blocksize;
  if ((rc = ct_reader_open(&jb.r, run_nc, err))) goto out;
  const ct_grid *g = ct_reader_grid(jb.r);
  jb.x.g = g;

  jb.x.srs = OSRNewSpatialReference(NULL);
  jb.x.wgs84 = OSRNewSpatialReference(NULL);
  if (!jb.x.srs || !jb.x.wgs84) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto out;
  }
  /* Traditional GIS order: x = easting/longitude on both sides. */
  OSRSetAxisMappingStrategy(jb.x.srs, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(jb.x.wgs84, OAMS_TRADITIONAL_GIS_ORDER);
  if (!g->crs_wkt || OSRSetFromUserInput(jb.x.srs, g->crs_wkt) != OGRERR_NONE ||
      OSRImportFromEPSG(jb.x.wgs84, 4326) != OGRERR_NONE) {
    rc = ct_error_set(err, CT_ECRS, "%s: the run's CRS is not usable: %s",
                      run_nc, ct__gdal_last("unknown CRS"));
    goto out;
  }
  OSRSetAxisMappingStrategy(jb.x.srs, OAMS_TRADITIONAL_GIS_ORDER);
  OSRSetAxisMappingStrategy(jb.x.wgs84, OAMS_TRADITIONAL_GIS_ORDER);
  jb.x.geographic = OSRIsGeographic(jb.x.srs);
  jb.x.to_wgs84 = OCTNewCoordinateTransformation(jb.x.srs, jb.x.wgs84);
  if (!jb.x.to_wgs84) {
    rc = ct_error_set(err, CT_ECRS, "%s: no transformation from the run's "
                      "CRS to WGS 84: %s", run_nc,
                      ct__gdal_last("PROJ failed"));
    goto out;
  }
  const char *an = OSRGetAuthorityName(jb.x.srs, NULL);
  const char *ac = OSRGetAuthorityCode(jb.x.srs, NULL);
  if (an && ac && !strcmp(an, "EPSG"))
    snprintf(jb.x.crs, sizeof jb.x.crs, "EPSG:%s", ac);

  size_t n = ct_grid_ncells(g);
  jb.buf = malloc(n * sizeof(float));
  jb.mx = malloc(n * sizeof(float));
  if (!jb.buf || !jb.mx) {
    rc = ct_error_set(err, CT_ENOMEM, "%s: out of memory for a %dx%d grid",
                      run_nc, g->nx, g->ny);
    goto out;
  }
  if ((rc = prepare_dir(&jb.x, dir, o.overwrite, err))) goto out;
  rc = run_export(&jb, run_nc, err);

out:
  if (rc) cleanup(&jb.x);
  if (jb.x.to_wgs84) OCTDestroyCoordinateTransformation(jb.x.to_wgs84);
  if (jb.x.srs) OSRDestroySpatialReference(jb.x.srs);
  if (jb.x.wgs84) OSRDestroySpatialReference(jb.x.wgs84);
  if (jb.r) ct_reader_close(jb.r);
  for (int k = 0; k < jb.x.ndirs; k++) free(jb.x.dirs[k]);
  free(jb.x.dirs);
  free(jb.x.layers);
  ct__export_roads_free(&jb.roads);
  free(jb.buf);
  free(jb.mx);
  free(jb.depth_max);
  free(jb.air_max);
  CPLPopErrorHandler();
  return rc;
}
