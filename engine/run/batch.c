/* batch.c - what-if batches: reading the batch file, turning each variant
 * into a runnable scenario (overrides, and interventions made as edited GIS
 * layers and series in the variant's folder), and comparing the runs. */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <sys/stat.h>
#include <stdarg.h>


#include "citytwin/batch.h"
#include "citytwin/layers.h"
#include "citytwin/model.h"
#include "citytwin/snapshot.h"
#include "citytwin/run.h"
#include "citytwin/util.h"
#include "run/run_internal.h"

static const char *const batch_keys[] = {"base", "output", "maps", NULL};
/* Interventions a variant may add besides plain key overrides. */
static const char *const interventions[] = {
    "description", "drains.scale", "drains.inside", "dem.offset", "dem.inside",
    "rain.scale",  "tide.offset",  "emissions.scale", "demand.scale",
    "close.*",     NULL};

static char *read_text(const char *path, ct_error *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    ct_error_set(err, errno == ENOENT ? CT_ENOENT : CT_EIO,
                 "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *t = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!t || fread(t, 1, (size_t)n, fp) != (size_t)n) {
    free(t);
    fclose(fp);
    ct_error_set(err, CT_EIO, "%s: read error (is it a folder?)", path);
    return NULL;
  }
  t[n] = '\0';
  fclose(fp);
  return t;
}

static int mkdir_p(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s/", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  return 0;
}

static char *resolve(const char *dir, const char *rel) {
  if (rel[0] == '/') return strdup(rel);
  size_t n = strlen(dir) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, rel);
  return p;
}

/* Every "section.key" a variant may override, for "did you mean". */
static int known_overrides(const char ***out) {
  static const char *const sections[] = {"scenario", "domain", "output", NULL};
  int cap = 256, n = 0;
  const char **all = calloc((size_t)cap, sizeof *all);
  if (!all) return -1;
  static char names[256][96];
  for (int s = 0; sections[s]; s++)
    for (const char *const *k = ct__section_keys(sections[s]); *k && n < 200; k++) {
      snprintf(names[n], sizeof names[n], "%s.%s", sections[s], *k);
      all[n] = names[n];
      n++;
    }
  for (int m = 0; ct_models[m]; m++)
    for (const char *const *k = ct_models[m]->keys; k && *k && n < 250; k++) {
      snprintf(names[n], sizeof names[n], "%s.%s", ct_models[m]->name, *k);
      all[n] = names[n];
      n++;
    }
  for (int k = 0; interventions[k] && n < 255; k++) all[n++] = interventions[k];
  all[n] = NULL;
  *out = all;
  return n;
}

static int matches(const char *key, const char *pattern) {
  size_t n = strlen(pattern);
  if (n >= 2 && pattern[n - 1] == '*')
    return strncmp(key, pattern, n - 1) == 0 && key[n - 1];
  return strcmp(key, pattern) == 0;
}

static int check_variant(const ct_batch *b, const ct_section *s, ct_error *err) {
  const char **known;
  if (known_overrides(&known) < 0) return ct_error_set(err, CT_ENOMEM, "out of memory");
  int rc = CT_OK;
  for (int k = 0; k < s->n && !rc; k++) {
    const ct_entry *e = &s->e[k];
    int ok = strncmp(e->key, "layers.", 7) == 0 && e->key[7];
    for (int m = 0; known[m] && !ok; m++) ok = matches(e->key, known[m]);
    if (!ok) {
      const char *best = ct__suggest(e->key, known);
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: [%s] '%s' is no key a variant can set%s%s%s; "
                        "expected section.key (e.g. flood.rain), layers.NAME "
                        "or an intervention (drains.scale, dem.offset, "
                        "rain.scale, tide.offset, emissions.scale, "
                        "demand.scale, close.NAME)",
                        b->path, e->line, s->name, e->key,
                        best ? " (did you mean '" : "", best ? best : "",
                        best ? "'?)" : "");
      break;
    }
    double v;
    if ((!strcmp(e->key, "drains.scale") || !strcmp(e->key, "rain.scale") ||
         !strcmp(e->key, "emissions.scale") || !strcmp(e->key, "demand.scale")) &&
        (ct_parse_double(e->value, &v) || v < 0))
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: [%s] %s: expected a factor >= 0, got '%s'",
                        b->path, e->line, s->name, e->key, e->value);
    if ((!strcmp(e->key, "dem.offset") || !strcmp(e->key, "tide.offset")) &&
        ct_parse_double(e->value, &v))
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: [%s] %s: expected metres (a number), got '%s'",
                        b->path, e->line, s->name, e->key, e->value);
  }
  free(known);
  return rc;
}

int ct_batch_load(ct_batch *b, const char *path, ct_error *err) {
  memset(b, 0, sizeof *b);
  char *text = read_text(path, err);
  if (!text) return err->code;
  int rc = ct__ini_parse(text, path, &b->sec, &b->nsec, err);
  free(text);
  if (rc) return rc;
  b->path = strdup(path);
  const char *slash = strrchr(path, '/');
  /* Absolute: the variants' edited layers are named in scenario text that
   * resolves relative paths against the base scenario's folder instead. */
  char *folder = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
  b->dir = folder ? realpath(folder[0] ? folder : "/", NULL) : NULL;
  free(folder);
  const ct_section *bs = NULL;
  b->var = calloc((size_t)b->nsec + 1, sizeof *b->var);
  if (!b->var || !b->dir || !b->path) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto fail;
  }
  b->var[0].name = strdup("base");
  b->var[0].description = strdup("the base scenario");
  b->nvar = 1;
  for (int k = 0; k < b->nsec; k++) {
    const ct_section *s = &b->sec[k];
    if (!strcmp(s->name, "batch")) {
      bs = s;
      continue;
    }
    if (strncmp(s->name, "variant ", 8) != 0) {
      static const char *const secs[] = {"batch", "variant NAME", NULL};
      const char *best = ct__suggest(s->name, secs);
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: unknown section [%s]; expected [batch] or "
                        "[variant NAME]%s%s%s",
                        path, s->line, s->name, best ? " (did you mean [" : "",
                        best ? best : "", best ? "]?)" : "");
      goto fail;
    }
    const char *name = s->name + 8;
    if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789_-+.") != strlen(name) ||
        name[0] == '.' || !strcmp(name, "base")) {
      rc = ct_error_set(err, CT_EINVAL,
                        "%s:%d: variant name '%s': use letters, digits and "
                        "_ - + . (it names a folder; 'base' is taken)",
                        path, s->line, name);
      goto fail;
    }
    if ((rc = check_variant(b, s, err))) goto fail;
    ct_variant *v = &b->var[b->nvar++];
    v->name = strdup(name);
    v->line = s->line;
    v->sec = s;
    const char *d = NULL;
    for (int m = 0; m < s->n; m++)
      if (!strcmp(s->e[m].key, "description")) d = s->e[m].value;
    v->description = strdup(d ? d : "");
  }
  if (!bs) {
    rc = ct_error_set(err, CT_EINVAL, "%s: missing [batch] section with base = SCENARIO.ini",
                      path);
    goto fail;
  }
  for (int k = 0; k < bs->n; k++) {
    const ct_entry *e = &bs->e[k];
    int ok = 0;
    for (int m = 0; batch_keys[m]; m++) ok |= !strcmp(e->key, batch_keys[m]);
    if (!ok) {
      const char *best = ct__suggest(e->key, batch_keys);
      rc = ct_error_set(err, CT_EINVAL, "%s:%d: [batch] unknown key '%s'%s%s%s",
                        path, e->line, e->key, best ? "; did you mean '" : "",
                        best ? best : "", best ? "'?" : "");
      goto fail;
    }
    if (!strcmp(e->key, "base")) b->base = resolve(b->dir, e->value);
    if (!strcmp(e->key, "output")) b->out_dir = resolve(b->dir, e->value);
    if (!strcmp(e->key, "maps")) {
      b->maps_line = e->line;
      char *copy = strdup(e->value), *save = NULL;
      for (char *t = strtok_r(copy, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
        char **m = realloc(b->maps, (size_t)(b->nmaps + 1) * sizeof *m);
        if (!m) break;
        b->maps = m;
        b->maps[b->nmaps++] = strdup(t);
      }
      free(copy);
    }
  }
  if (!b->base) {
    rc = ct_error_set(err, CT_EINVAL, "%s:%d: [batch] needs base = SCENARIO.ini",
                      path, bs->line);
    goto fail;
  }
  if (!b->out_dir) { /* out/<batch file name> beside the batch file */
    const char *base = slash ? slash + 1 : path;
    char rel[512];
    snprintf(rel, sizeof rel, "out/%.*s", (int)strcspn(base, "."), base);
    b->out_dir = resolve(b->dir, rel);
  }
  if (b->maps_line && b->nmaps == 0) {
    rc = ct_error_set(err, CT_EINVAL, "%s:%d: [batch] maps: expected field "
                      "names (e.g. flood.max_depth)", path, b->maps_line);
    goto fail;
  }
  if (b->nmaps == 0) {
    static const char *const defaults[] = {"flood.max_depth", "traffic.speed_ratio",
                                           "air.pm25"};
    b->maps = calloc(3, sizeof *b->maps);
    for (int k = 0; b->maps && k < 3; k++) b->maps[b->nmaps++] = strdup(defaults[k]);
  }
  struct stat st;
  if (stat(b->base, &st) != 0) {
    rc = ct_error_set(err, CT_ENOENT, "%s: [batch] base: no scenario file %s",
                      path, b->base);
    goto fail;
  }
  return CT_OK;
fail:
  ct_batch_free(b);
  return rc;
}

void ct_batch_free(ct_batch *b) {
  if (!b) return;
  for (int k = 0; k < b->nvar; k++) {
    free(b->var[k].name);
    free(b->var[k].description);
  }
  free(b->var);
  for (int k = 0; k < b->nmaps; k++) free(b->maps[k]);
  free(b->maps);
  ct__ini_free(b->sec, b->nsec);
  free(b->path);
  free(b->dir);
  free(b->base);
  free(b->out_dir);
  memset(b, 0, sizeof *b);
}

void ct_batch_dir(const ct_batch *b, int k, char *out, size_t n) {
  snprintf(out, n, "%s/%s", b->out_dir, b->var[k].name);
}

void ct_batch_run_path(const ct_batch *b, int k, char *out, size_t n) {
  snprintf(out, n, "%s/%s/run.nc", b->out_dir, b->var[k].name);
}

/* --- turning a variant into a scenario --- */

/* The base scenario as editable sections. */
typedef struct doc {
  ct_section *sec;
  int nsec;
  const char *path;  /* of the base, for messages */
  const ct_batch *b;
  const ct_variant *v;
  char dir[4096];    /* the variant's folder */
  char basedir[4096]; /* the base scenario's folder */
  ct_scenario sc;    /* the base, parsed */
  ct_grid grid;      /* its domain, made on first need */
  /* Where the entries doc_set writes come from, as ct_entry.line holds it:
   * > 0 a line of the base, < 0 minus a line of the batch file (the
   * variant's key behind the value), 0 unknown. Errors in the generated
   * text are traced back through it to a line the user wrote. */
  int at;
  int *origin;       /* of each line of the generated text (1-based) */
  int norigin;
} doc;

static ct_section *doc_section(doc *d, const char *name, int create) {
  for (int k = 0; k < d->nsec; k++)
    if (!strcmp(d->sec[k].name, name)) return &d->sec[k];
  if (!create) return NULL;
  ct_section *s = realloc(d->sec, (size_t)(d->nsec + 1) * sizeof *s);
  if (!s) return NULL;
  d->sec = s;
  memset(&s[d->nsec], 0, sizeof *s);
  s[d->nsec].name = strdup(name);
  s[d->nsec].line = d->at;
  return &d->sec[d->nsec++];
}

static const char *doc_get(doc *d, const char *section, const char *key) {
  ct_section *s = doc_section(d, section, 0);
  for (int k = 0; s && k < s->n; k++)
    if (!strcmp(s->e[k].key, key)) return s->e[k].value;
  return NULL;
}

static int doc_set(doc *d, const char *section, const char *key,
                   const char *value) {
  ct_section *s = doc_section(d, section, 1);
  if (!s) return CT_ENOMEM;
  for (int k = 0; k < s->n; k++)
    if (!strcmp(s->e[k].key, key)) {
      char *v = strdup(value);
      if (!v) return CT_ENOMEM;
      free(s->e[k].value);
      s->e[k].value = v;
      s->e[k].line = d->at;
      return CT_OK;
    }
  ct_entry *e = realloc(s->e, (size_t)(s->n + 1) * sizeof *e);
  if (!e) return CT_ENOMEM;
  s->e = e;
  e[s->n].key = strdup(key);
  e[s->n].value = strdup(value);
  e[s->n].line = d->at;
  s->n++;
  return CT_OK;
}

/* Records that the next line of the generated text came from origin. */
static void doc_line(doc *d, int *nline, int origin) {
  ++*nline;
  if (d->norigin < 0) return;
  int *o = realloc(d->origin, (size_t)(*nline + 1) * sizeof *o);
  if (!o) { /* errors then name the variant's header instead */
    free(d->origin);
    d->origin = NULL;
    d->norigin = -1;
    return;
  }
  d->origin = o;
  o[*nline] = origin;
  d->norigin = *nline + 1;
}

static char *doc_text(doc *d) {
  ct_json buf; /* used as a growing string */
  ct_json_init(&buf);
  char line[8192];
  int nline = 0;
  snprintf(line, sizeof line,
           "# variant '%s' of %s, made by citytwin batch\n"
           "# relative paths are relative to the base scenario's folder\n",
           d->v->name, d->b->base);
  ct_json_raw(&buf, NULL, line);
  doc_line(d, &nline, 0);
  doc_line(d, &nline, 0);
  for (int k = 0; k < d->nsec; k++) {
    snprintf(line, sizeof line, "\n[%s]\n", d->sec[k].name);
    ct_json_raw(&buf, NULL, line);
    doc_line(d, &nline, 0);
    doc_line(d, &nline, d->sec[k].line);
    for (int m = 0; m < d->sec[k].n; m++) {
      snprintf(line, sizeof line, "%s = %s\n", d->sec[k].e[m].key,
               d->sec[k].e[m].value);
      ct_json_raw(&buf, NULL, line);
      doc_line(d, &nline, d->sec[k].e[m].line);
    }
  }
  if (buf.oom) {
    ct_json_free(&buf);
    return NULL;
  }
  return buf.buf; /* ownership passes to the caller */
}

static const ct_entry *ventry(const ct_variant *v, const char *key) {
  for (int k = 0; v->sec && k < v->sec->n; k++)
    if (!strcmp(v->sec->e[k].key, key)) return &v->sec->e[k];
  return NULL;
}

static int verr(doc *d, const char *key, int code, ct_error *err,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int verr(doc *d, const char *key, int code, ct_error *err,
                const char *fmt, ...) {
  char msg[1536];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const ct_entry *e = ventry(d->v, key);
  return ct_error_set(err, code, "%s:%d: [variant %s] %s: %s", d->b->path,
                      e ? e->line : d->v->line, d->v->name, key, msg);
}

/* A series CSV with every value column transformed: v*scale + offset. */
static int write_series(doc *d, const char *src, const char *name, double scale,
                        double offset, const char *key, char *out, size_t n,
                        ct_error *err) {
  ct_series s;
  double start = NAN; /* for series with ISO times */
  const char *st = doc_get(d, "scenario", "start");
  if (st) ct_parse_iso8601(st, &start, NULL);
  int rc = ct_series_read(&s, src, start, err);
  if (rc) return verr(d, key, rc, err, "%s", err->msg);
  snprintf(out, n, "%s/%s", d->dir, name);
  FILE *fp = fopen(out, "w");
  if (!fp) {
    ct_series_free(&s);
    return verr(d, key, CT_EIO, err, "cannot write %s: %s", out, strerror(errno));
  }
  fprintf(fp, "time");
  for (int c = 0; c < s.ncol; c++) fprintf(fp, ",%s", s.names[c]);
  fprintf(fp, "\n");
  for (int r = 0; r < s.n; r++) {
    fprintf(fp, "%.17g", s.t[r]);
    for (int c = 0; c < s.ncol; c++)
      fprintf(fp, ",%.17g", s.v[(size_t)r * (size_t)s.ncol + (size_t)c] * scale + offset);
    fprintf(fp, "\n");
  }
  ct_series_free(&s);
  if (fclose(fp) != 0)
    return verr(d, key, CT_EIO, err, "cannot write %s", out);
  return CT_OK;
}

static int scale_rain(doc *d, ct_error *err) {
  const ct_entry *e = ventry(d->v, "rain.scale");
  if (!e) return CT_OK;
  d->at = -e->line;
  double s = atof(e->value);
  const char *rain = doc_get(d, "flood", "rain");
  if (!rain)
    return verr(d, "rain.scale", CT_EINVAL, err,
                "the base scenario has no [flood] rain to scale");
  double v;
  char buf[4096];
  if (ct_parse_double(rain, &v) == CT_OK) {
    snprintf(buf, sizeof buf, "%.17g", v * s);
    return doc_set(d, "flood", "rain", buf);
  }
  size_t len = strlen(rain);
  if (len < 4 || strcasecmp(rain + len - 4, ".csv") != 0)
    return verr(d, "rain.scale", CT_EINVAL, err,
                "works on a rain rate or a CSV series, not '%s'", rain);
  char *src = resolve(d->basedir, rain);
  int rc = write_series(d, src, "rain_scaled.csv", s, 0, "rain.scale", buf,
                        sizeof buf, err);
  free(src);
  return rc ? rc : doc_set(d, "flood", "rain", buf);
}

static int offset_tide(doc *d, ct_error *err) {
  const ct_entry *e = ventry(d->v, "tide.offset");
  if (!e) return CT_OK;
  d->at = -e->line;
  double off = atof(e->value);
  ct_section *f = doc_section(d, "flood", 0);
  int found = 0;
  for (int k = 0; f && k < f->n; k++) {
    if (strncmp(f->e[k].key, "boundary.", 9) || strncmp(f->e[k].value, "level ", 6))
      continue;
    const char *rel = f->e[k].value + 6;
    while (*rel == ' ') rel++;
    char value[4200];
    double level;
    if (ct_parse_double(rel, &level) == CT_OK) { /* a constant level */
      snprintf(value, sizeof value, "level %.17g", level + off);
    } else {
      char *src = resolve(d->basedir, rel), name[256], out[4096];
      snprintf(name, sizeof name, "tide_%s.csv", f->e[k].key + 9);
      int rc = write_series(d, src, name, 1.0, off, "tide.offset", out,
                            sizeof out, err);
      free(src);
      if (rc) return rc;
      snprintf(value, sizeof value, "level %s", out);
    }
    char *v = strdup(value);
    if (!v) return CT_ENOMEM;
    free(f->e[k].value);
    f->e[k].value = v;
    f->e[k].line = d->at;
    found++;
  }
  if (!found)
    return verr(d, "tide.offset", CT_EINVAL, err,
                "the base scenario has no [flood] boundary.EDGE = level "
                "(FILE.csv or metres) to raise");
  return CT_OK;
}

static int need_grid(doc *d, ct_error *err) {
  if (d->grid.nx) return CT_OK;
  const ct_scenario *sc = &d->sc;
  if (sc->grid_layer) {
    const ct_layer_spec *l = ct_scenario_layer(sc, sc->grid_layer);
    return ct_raster_grid(l->path, l->crs ? l->crs : sc->crs, &d->grid, err);
  }
  return ct_grid_init(&d->grid, sc->crs, sc->bounds[0], sc->bounds[1],
                      sc->bounds[2], sc->bounds[3], sc->cell, err);
}

/* Cells inside the polygons of the file named by key (all cells when the
 * variant names none). A polygon layer that misses the domain is an error. */
static int inside_mask(doc *d, const char *key, unsigned char *mask,
                       ct_error *err) {
  size_t n = ct_grid_ncells(&d->grid);
  const ct_entry *e = ventry(d->v, key);
  if (!e) {
    memset(mask, 1, n);
    return CT_OK;
  }
  char *path = resolve(d->b->dir, e->value);
  ct_vector v;
  int rc = ct_vector_read(path, NULL, NULL, &d->grid, key, &v, err);
  free(path);
  if (rc) return verr(d, key, rc, err, "%s", err->msg);
  memset(mask, 0, n);
  size_t hit = 0;
  for (int f = 0; f < v.nfeat; f++) {
    const ct_feature *ft = &v.feat[f];
    if (ft->type != CT_GEOM_POLYGON) {
      ct_vector_free(&v);
      return verr(d, key, CT_EINVAL, err, "'%s' holds no polygons", e->value);
    }
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (int p = 0; p < ft->npts; p++) {
      xmin = fmin(xmin, ft->xy[2 * p]);
      xmax = fmax(xmax, ft->xy[2 * p]);
      ymin = fmin(ymin, ft->xy[2 * p + 1]);
      ymax = fmax(ymax, ft->xy[2 * p + 1]);
    }
    for (int j = 0; j < d->grid.ny; j++) {
      double y = ct_grid_y(&d->grid, j);
      if (y < ymin || y > ymax) continue;
      for (int i = 0; i < d->grid.nx; i++) {
        double x = ct_grid_x(&d->grid, i);
        size_t c = (size_t)j * (size_t)d->grid.nx + (size_t)i;
        if (x >= xmin && x <= xmax && !mask[c] && ct_feature_contains(ft, x, y)) {
          mask[c] = 1;
          hit++;
        }
      }
    }
  }
  ct_vector_free(&v);
  if (!hit)
    return verr(d, key, CT_ERANGE, err,
                "the polygons of '%s' do not overlap the domain", e->value);
  return CT_OK;
}

/* The base's layer warped onto the grid, or a constant field. */
static int layer_or_value(doc *d, const char *value, float *out, ct_error *err) {
  double c;
  size_t n = ct_grid_ncells(&d->grid);
  if (ct_parse_double(value, &c) == CT_OK) {
    for (size_t k = 0; k < n; k++) out[k] = (float)c;
    return CT_OK;
  }
  const ct_layer_spec *l = ct_scenario_layer(&d->sc, value);
  if (!l)
    return ct_error_set(err, CT_EINVAL, "%s: no layer '%s' in [layers]", d->path,
                        value);
  ct_raster_opts o = {.resample = l->resample, .band = l->band,
                      .has_nodata = l->has_nodata, .nodata = l->nodata,
                      .crs = l->crs, .name = l->name};
  return ct_raster_warp(l->path, &d->grid, &o, out, err);
}

/* Edits a raster inside polygons (v*scale + offset) and points the scenario
 * at the edited copy, which lies on the grid in the domain CRS. */
static int edit_raster(doc *d, const char *what, const char *key_inside,
                       const char *model_key, const char *fallback,
                       double scale, double offset, ct_error *err) {
  const ct_entry *at = ventry(d->v, what);
  d->at = at ? -at->line : 0;
  int rc = need_grid(d, err);
  if (rc) return verr(d, what, rc, err, "%s", err->msg);
  const char *src = doc_get(d, "flood", model_key);
  if (!src) src = fallback;
  if (!src)
    return verr(d, what, CT_EINVAL, err,
                "the base scenario sets no [flood] %s to edit", model_key);
  size_t n = ct_grid_ncells(&d->grid);
  float *v = malloc(n * sizeof *v);
  unsigned char *mask = malloc(n);
  if (!v || !mask) {
    free(v);
    free(mask);
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  rc = layer_or_value(d, src, v, err);
  if (rc) rc = verr(d, what, rc, err, "%s", err->msg);
  if (!rc) rc = inside_mask(d, key_inside, mask, err);
  if (!rc) {
    for (size_t k = 0; k < n; k++)
      if (mask[k] && !isnan(v[k])) v[k] = (float)(v[k] * scale + offset);
    char path[4200], name[128];
    snprintf(name, sizeof name, "%s_variant", model_key);
    snprintf(path, sizeof path, "%s/%s.tif", d->dir, name);
    rc = ct_raster_write(path, &d->grid, v, NULL, NULL, err);
    if (!rc) {
      char key[160];
      snprintf(key, sizeof key, "layer %s", name);
      rc = doc_set(d, "layers", name, path);
      if (!rc) rc = doc_set(d, key, "resample", "nearest");
      if (!rc) rc = doc_set(d, "flood", model_key, name);
    }
  }
  free(v);
  free(mask);
  return rc;
}

static int apply(doc *d, ct_error *err) {
  const ct_variant *v = d->v;
  int rc = CT_OK;
  /* Plain overrides first, so interventions act on the overridden values. */
  for (int k = 0; v->sec && k < v->sec->n && !rc; k++) {
    const ct_entry *e = &v->sec->e[k];
    const char *dot = strchr(e->key, '.');
    int intervention = 0;
    for (int m = 0; interventions[m]; m++) intervention |= matches(e->key, interventions[m]);
    if (intervention || !dot) continue;
    char section[128];
    snprintf(section, sizeof section, "%.*s", (int)(dot - e->key), e->key);
    d->at = -e->line;
    rc = doc_set(d, section, dot + 1, e->value);
  }
  for (int k = 0; v->sec && k < v->sec->n && !rc; k++) {
    const ct_entry *e = &v->sec->e[k];
    d->at = -e->line;
    if (!strncmp(e->key, "close.", 6)) rc = doc_set(d, "traffic", e->key, e->value);
  }
  const ct_entry *e;
  if (!rc && (e = ventry(v, "demand.scale"))) {
    d->at = -e->line;
    const char *cur = doc_get(d, "traffic", "demand.scale");
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", atof(e->value) * (cur ? atof(cur) : 1.0));
    rc = doc_set(d, "traffic", "demand.scale", buf);
  }
  if (!rc && (e = ventry(v, "emissions.scale"))) {
    d->at = -e->line;
    const char *cur = doc_get(d, "air", "emissions.scale");
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", atof(e->value) * (cur ? atof(cur) : 1.0));
    rc = doc_set(d, "air", "emissions.scale", buf);
  }
  if (!rc) rc = scale_rain(d, err);
  if (!rc) rc = offset_tide(d, err);
  if (!rc && (e = ventry(v, "drains.scale")))
    rc = edit_raster(d, "drains.scale", "drains.inside", "drains", NULL,
                     atof(e->value), 0, err);
  if (!rc && (e = ventry(v, "dem.offset"))) {
    const char *dem = doc_get(d, "flood", "dem");
    rc = edit_raster(d, "dem.offset", "dem.inside", "dem", dem ? dem : "dem", 1,
                     atof(e->value), err);
  }
  if (rc == CT_ENOMEM) ct_error_set(err, rc, "out of memory");
  return rc;
}

/* An error about the generated text names the base scenario and a line of
 * that text, which no one can open: point it at the line the user wrote
 * (the variant's key in the batch file, or the base's own line) instead. */
static void trace_error(doc *d, ct_error *err) {
  const ct_variant *v = d->v;
  const char *base = d->b->base, *bpath = d->b->path;
  size_t nb = strlen(base);
  char *end = NULL;
  long line = 0;
  if (!strncmp(err->msg, base, nb) && err->msg[nb] == ':')
    line = strtol(err->msg + nb + 1, &end, 10);
  char msg[sizeof err->msg];
  if (line > 0 && end && *end == ':') {
    const char *rest = end + 1;
    while (*rest == ' ') rest++;
    int o = line < d->norigin ? d->origin[line] : 0;
    if (o < 0)
      snprintf(msg, sizeof msg, "%s:%d: [variant %s] %s", bpath, -o, v->name,
               rest);
    else if (o > 0 && v->sec)
      snprintf(msg, sizeof msg, "%s:%d: [variant %s] with %s:%d: %s", bpath,
               v->line, v->name, base, o, rest);
    else if (o > 0)
      snprintf(msg, sizeof msg, "%s:%d: %s", base, o, rest);
    else if (v->sec)
      snprintf(msg, sizeof msg, "%s:%d: [variant %s] %s", bpath, v->line,
               v->name, rest);
    else
      snprintf(msg, sizeof msg, "%s: %s", base, rest);
  } else if (v->sec) {
    snprintf(msg, sizeof msg, "%s:%d: [variant %s] %s", bpath, v->line,
             v->name, err->msg);
  } else {
    snprintf(msg, sizeof msg, "%s: [batch] base: %s", bpath, err->msg);
  }
  snprintf(err->msg, sizeof err->msg, "%s", msg);
}

int ct_batch_prepare(const ct_batch *b, int k, char **text, ct_error *err) {
  *text = NULL;
  doc d;
  memset(&d, 0, sizeof d);
  d.b = b;
  d.v = &b->var[k];
  d.path = b->base;
  ct_batch_dir(b, k, d.dir, sizeof d.dir);
  const char *slash = strrchr(b->base, '/');
  snprintf(d.basedir, sizeof d.basedir, "%.*s",
           slash ? (int)(slash - b->base) : 1, slash ? b->base : ".");
  if (mkdir_p(d.dir) != 0)
    return ct_error_set(err, CT_EIO, "%s: cannot create: %s", d.dir, strerror(errno));
  const char *known[17];
  int nk = 0;
  for (int m = 0; ct_models[m] && nk < 16; m++) known[nk++] = ct_models[m]->name;
  known[nk] = NULL;
  int rc = ct_scenario_load(&d.sc, b->base, known, err);
  if (rc) return ct_error_prefix(err, "%s: [batch] base", b->path);
  rc = ct__ini_parse(d.sc.text, b->base, &d.sec, &d.nsec, err);
  if (!rc) rc = apply(&d, err);
  if (!rc) {
    /* "domain grid" etc. untouched; the text must parse as a scenario. */
    *text = doc_text(&d);
    if (!*text) rc = ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  if (!rc) {
    /* Everything `citytwin check` validates (model keys and values, files,
     * CRSs), so that bad input stops the batch before any run starts. One
     * thread: this process forks the runs, and a thread pool does not
     * survive fork. */
    char out[4200];
    ct_batch_run_path(b, k, out, sizeof out);
    ct_run_opts o = {.output = out, .scenario_text = *text, .threads = 1,
                     .check_only = 1};
    ct_run_result res;
    rc = ct_run(b->base, &o, &res, err);
    if (rc) trace_error(&d, err);
  }
  if (rc) {
    free(*text);
    *text = NULL;
  }
  free(d.origin);
  ct__ini_free(d.sec, d.nsec);
  ct_scenario_free(&d.sc);
  ct_grid_free(&d.grid);
  return rc;
}

/* --- resuming --- */

static void stamp_path(const ct_batch *b, int k, const char *name, char *out,
                       size_t n) {
  snprintf(out, n, "%s/%s/%s", b->out_dir, b->var[k].name, name);
}

/* "# sha256 path" for a file that exists (a token naming none is no file:
 * a number, a word such as "level"). */
static void stamp_file(ct_json *buf, const char *dir, const char *token) {
  if (!strncmp(token, "stack:", 6)) token += 6;
  if (!*token) return;
  if (strpbrk(token, "*?[")) {
    char *pat = resolve(dir, token);
    glob_t g;
    if (pat && glob(pat, 0, NULL, &g) == 0) {
      for (size_t k = 0; k < g.gl_pathc; k++) stamp_file(buf, "/", g.gl_pathv[k]);
      globfree(&g);
    }
    free(pat);
    return;
  }
  char *path = resolve(dir, token);
  struct stat st;
  char hex[65], line[4400];
  if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
      ct_sha256_file(path, hex, NULL) == CT_OK) {
    snprintf(line, sizeof line, "# %s %s\n", hex, path);
    ct_json_raw(buf, NULL, line);
  }
  free(path);
}

/* The files named by the values of "key = value" lines of text; not the
 * base's own [output] file, which running the base alone rewrites and a
 * variant never reads. */
static void stamp_files(ct_json *buf, const char *dir, const char *text) {
  int output = 0;
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    char *line = strndup(p, n);
    p += n + (p[n] == '\n');
    if (!line) continue;
    if (line[0] == '[') output = !strncmp(line, "[output]", 8);
    char *eq = line[0] != '#' && line[0] != '[' ? strchr(line, '=') : NULL;
    if (eq && output && !strncmp(line, "file", 4) &&
        strspn(line + 4, " \t") == (size_t)(eq - line - 4))
      eq = NULL;
    if (eq) { /* the whole value ("my rain.csv"), then each word of it */
      char *v = eq + 1, *e = v + strlen(v);
      v += strspn(v, " \t");
      while (e > v && strchr(" \t\r", e[-1])) e--;
      char *whole = strndup(v, (size_t)(e - v));
      if (whole && strpbrk(whole, " \t")) stamp_file(buf, dir, whole);
      free(whole);
    }
    char *save = NULL;
    for (char *t = eq ? strtok_r(eq + 1, " \t\r", &save) : NULL; t;
         t = strtok_r(NULL, " \t\r", &save))
      stamp_file(buf, dir, t);
    free(line);
  }
}

char *ct_batch_stamp(const ct_batch *b, int k, const char *text) {
  const ct_variant *v = &b->var[k];
  ct_json buf; /* used as a growing string */
  ct_json_init(&buf);
  ct_json_raw(&buf, NULL, text);
  ct_json_raw(&buf, NULL, "\n# what the batch file sets for this run\n");
  char line[8400];
  for (int m = 0; v->sec && m < v->sec->n; m++) {
    snprintf(line, sizeof line, "# %s = %s\n", v->sec->e[m].key,
             v->sec->e[m].value);
    ct_json_raw(&buf, NULL, line);
  }
  /* Interventions write their edited layers and series under fixed names,
   * and the base's own CSVs are named by path only: the text stays the same
   * when their contents change, their checksums do not. */
  ct_json_raw(&buf, NULL, "# SHA-256 of the input files\n");
  const char *slash = strrchr(b->base, '/');
  char basedir[4096];
  snprintf(basedir, sizeof basedir, "%.*s", slash ? (int)(slash - b->base) : 1,
           slash ? b->base : ".");
  stamp_files(&buf, basedir, text);
  for (int m = 0; v->sec && m < v->sec->n; m++)
    if (!strcmp(v->sec->e[m].key, "drains.inside") ||
        !strcmp(v->sec->e[m].key, "dem.inside"))
      stamp_file(&buf, b->dir, v->sec->e[m].value);
  if (buf.oom) {
    ct_json_free(&buf);
    return NULL;
  }
  return buf.buf; /* ownership passes to the caller */
}

static int same_text(const char *path, const char *text) {
  char *old = read_text(path, NULL);
  int same = old && text && strcmp(old, text) == 0;
  free(old);
  return same;
}

int ct_batch_done(const ct_batch *b, int k, const char *stamp) {
  char path[4200];
  stamp_path(b, k, "scenario.ini", path, sizeof path);
  if (!same_text(path, stamp)) return 0;
  ct_batch_run_path(b, k, path, sizeof path);
  ct_reader *r;
  if (ct_reader_open(&r, path, NULL) != CT_OK) return 0;
  char *status = ct_reader_attr(r, "citytwin_status");
  int done = status && !strcmp(status, "complete");
  free(status);
  ct_reader_close(r);
  return done;
}

int ct_batch_resumable(const ct_batch *b, int k, const char *text,
                       const char *stamp) {
  char path[4200];
  /* The run file checks its layers' checksums on resume, not those of the
   * series CSVs: the stamp written at the start covers them. */
  stamp_path(b, k, "started.ini", path, sizeof path);
  if (!same_text(path, stamp)) return 0;
  ct_batch_run_path(b, k, path, sizeof path);
  ct_reader *r;
  if (access(path, F_OK) != 0 || ct_reader_open(&r, path, NULL) != CT_OK)
    return 0;
  char *status = ct_reader_attr(r, "citytwin_status");
  char *made_from = ct_reader_attr(r, "scenario");
  int ok = status && strcmp(status, "complete") != 0 && made_from &&
           strcmp(made_from, text) == 0 && ct_reader_ntimes(r) > 0;
  free(status);
  free(made_from);
  ct_reader_close(r);
  return ok;
}

static int write_stamp(const ct_batch *b, int k, const char *name,
                       const char *stamp, ct_error *err) {
  char path[4200];
  stamp_path(b, k, name, path, sizeof path);
  FILE *fp = fopen(path, "w");
  int bad = !fp || fputs(stamp, fp) < 0;
  int e = errno;
  if (fp && fclose(fp) != 0 && !bad) {
    bad = 1;
    e = errno;
  }
  if (bad)
    return ct_error_set(err, CT_EIO, "%s: cannot write: %s", path, strerror(e));
  return CT_OK;
}

int ct_batch_mark_started(const ct_batch *b, int k, const char *stamp,
                          ct_error *err) {
  char path[4200];
  /* A run that fails from here on must not look complete from an older
   * stamp that happens to match again. */
  stamp_path(b, k, "scenario.ini", path, sizeof path);
  if (unlink(path) != 0 && errno != ENOENT)
    return ct_error_set(err, CT_EIO, "%s: cannot remove: %s", path,
                        strerror(errno));
  return write_stamp(b, k, "started.ini", stamp, err);
}

int ct_batch_mark_done(const ct_batch *b, int k, const char *stamp,
                       ct_error *err) {
  return write_stamp(b, k, "scenario.ini", stamp, err);
}

/* --- comparing --- */

/* The KPIs a planner reads first, in the report's order; the CSV has all. */
static const struct {
  const char *key, *label;
} headline[] = {
    {"flood.flooded_area_m2.0.1", "flooded area > 0.1 m [m2]"},
    {"flood.flooded_area_m2.0.3", "flooded area > 0.3 m [m2]"},
    {"flood.max_depth_m", "maximum depth [m]"},
    {"traffic.flooded_road_km", "flooded road length [km]"},
    {"traffic.closed_road_km", "closed road length [km]"},
    {"traffic.vehicle_hours", "vehicle-hours [h]"},
    {"traffic.delay_hours", "delay [vehicle-h]"},
    {"traffic.trips_stranded", "trips stranded"},
    {"traffic.mean_trip_time_s", "mean trip time [s]"},
    {"air.pm25.area_above_m2", "area above the PM2.5 threshold [m2]"},
    {"air.pm25.hours_above_max", "hours above the PM2.5 threshold (most) [h]"},
};

typedef struct kpis {
  ct_kv *kv;
  int n;
} kpis;

static int load_kpis(const ct_batch *b, int k, kpis *out) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s/run_summary.json", b->out_dir, b->var[k].name);
  char *text = read_text(path, NULL);
  out->kv = NULL;
  out->n = 0;
  if (!text) return -1;
  int rc = ct_json_numbers(text, &out->kv, &out->n, NULL);
  free(text);
  return rc;
}

static const double *kpi(const kpis *p, const char *key) {
  for (int k = 0; k < p->n; k++)
    if (!strcmp(p->kv[k].key, key)) return &p->kv[k].value;
  return NULL;
}

/* Model KPIs only: the run's own bookkeeping (grid, timings) is not one. */
static int is_kpi(const char *key) {
  for (int m = 0; ct_models[m]; m++) {
    size_t n = strlen(ct_models[m]->name);
    if (!strncmp(key, ct_models[m]->name, n) && key[n] == '.') return 1;
  }
  return 0;
}

static int diff_map(const ct_batch *b, int k, const char *field, int *made,
                    ct_error *err) {
  char pa[4200], pb[4200];
  ct_batch_run_path(b, k, pa, sizeof pa);
  ct_batch_run_path(b, 0, pb, sizeof pb);
  ct_reader *ra = NULL, *rb = NULL;
  int rc = ct_reader_open(&ra, pa, err);
  if (!rc) rc = ct_reader_open(&rb, pb, err);
  int ia = rc ? -1 : ct_reader_find(ra, field), ib = rc ? -1 : ct_reader_find(rb, field);
  if (rc || ia < 0 || ib < 0) { /* a field this batch's runs do not have */
    if (ra) ct_reader_close(ra);
    if (rb) ct_reader_close(rb);
    return rc;
  }
  *made = 1;
  const ct_grid *g = ct_reader_grid(ra), *gb = ct_reader_grid(rb);
  if (g->nx != gb->nx || g->ny != gb->ny) {
    ct_reader_close(ra);
    ct_reader_close(rb);
    return ct_error_set(err, CT_EINVAL,
                        "variant '%s' has another grid than the base: no "
                        "difference map",
                        b->var[k].name);
  }
  size_t n = ct_grid_ncells(g);
  float *va = malloc(n * sizeof *va), *vb = malloc(n * sizeof *vb);
  if (!va || !vb) rc = ct_error_set(err, CT_ENOMEM, "out of memory");
  if (!rc) rc = ct_reader_read(ra, ia, ct_reader_ntimes(ra) - 1, va, err);
  if (!rc) rc = ct_reader_read(rb, ib, ct_reader_ntimes(rb) - 1, vb, err);
  if (!rc) {
    for (size_t c = 0; c < n; c++) va[c] -= vb[c];
    char path[4400];
    snprintf(path, sizeof path, "%s/maps", b->out_dir);
    mkdir_p(path);
    snprintf(path, sizeof path, "%s/maps/%s_minus_base_%s.tif", b->out_dir,
             b->var[k].name, field);
    const ct_snapshot_var *sv = ct_reader_var(ra, ia);
    char desc[256]; /* say what the numbers are */
    snprintf(desc, sizeof desc,
             "%s (%s) at the end of the run: variant '%s' minus base",
             sv->long_name, field, b->var[k].name);
    rc = ct_raster_write(path, g, va, sv->units, desc, err);
  }
  free(va);
  free(vb);
  ct_reader_close(ra);
  ct_reader_close(rb);
  return rc;
}

int ct_batch_check_maps(const ct_batch *b, ct_error *err) {
  /* The default list names fields of models a base may not run. */
  if (!b->maps_line) return CT_OK;
  char path[4200];
  ct_batch_run_path(b, 0, path, sizeof path);
  ct_reader *r;
  int rc = ct_reader_open(&r, path, err);
  if (rc) return rc;
  for (int m = 0; m < b->nmaps && !rc; m++) {
    if (ct_reader_find(r, b->maps[m]) >= 0) continue;
    char have[1500] = "";
    for (int k = 0; k < ct_reader_nvars(r); k++) {
      size_t u = strlen(have);
      snprintf(have + u, sizeof have - u, "%s%s", k ? ", " : "",
               ct_reader_var(r, k)->name);
    }
    rc = ct_error_set(err, CT_EINVAL, "%s:%d: [batch] maps: the base run has "
                      "no field '%s' (its fields: %s)", b->path, b->maps_line,
                      b->maps[m], have);
  }
  ct_reader_close(r);
  return rc;
}

/* Text inside a Markdown table cell: a '|' would end the cell early. */
static void md_text(FILE *md, const char *t) {
  for (; *t; t++) {
    if (*t == '|') fputc('\\', md);
    fputc(*t == '\n' || *t == '\r' ? ' ' : *t, md);
  }
}

/* A variant's description, else what it changes, so that no row of the
 * report is blank: a reader should not have to open the batch file to
 * learn what a variant is. */
static void describe(FILE *md, const ct_variant *v) {
  if (v->description && v->description[0]) {
    md_text(md, v->description);
    return;
  }
  int n = 0;
  for (int m = 0; v->sec && m < v->sec->n; m++) {
    const ct_entry *e = &v->sec->e[m];
    if (!strcmp(e->key, "description")) continue;
    fprintf(md, "%s`", n++ ? ", " : "");
    md_text(md, e->key);
    fputs(" = ", md);
    md_text(md, e->value);
    fputc('`', md);
  }
  if (!n) fputs("— (no changes: the base again)", md);
}

int ct_batch_report(const ct_batch *b, const int *failed, ct_error *err) {
  if (!failed[0]) {
    int rc = ct_batch_check_maps(b, err);
    if (rc) return rc;
  }
  kpis *p = calloc((size_t)b->nvar, sizeof *p);
  if (!p) return ct_error_set(err, CT_ENOMEM, "out of memory");
  for (int k = 0; k < b->nvar; k++)
    if (!failed[k]) load_kpis(b, k, &p[k]);
  char path[4200];
  snprintf(path, sizeof path, "%s/kpis.csv", b->out_dir);
  FILE *csv = fopen(path, "w");
  snprintf(path, sizeof path, "%s/report.md", b->out_dir);
  FILE *md = fopen(path, "w");
  int rc = CT_OK;
  if (!csv || !md) {
    rc = ct_error_set(err, CT_EIO, "%s: cannot write the report: %s", b->out_dir,
                      strerror(errno));
    goto done;
  }
  /* Long format: one row per variant and KPI, against the base. */
  fprintf(csv, "variant,kpi,value,base,difference,relative_difference\n");
  for (int k = 0; k < b->nvar; k++)
    for (int m = 0; m < p[k].n; m++) {
      const char *key = p[k].kv[m].key;
      if (!is_kpi(key)) continue;
      double v = p[k].kv[m].value;
      const double *base = failed[0] ? NULL : kpi(&p[0], key);
      fprintf(csv, "%s,%s,%.10g", b->var[k].name, key, v);
      if (base)
        fprintf(csv, ",%.10g,%.10g,%.6g\n", *base, v - *base,
                *base != 0 ? (v - *base) / fabs(*base) : (v == *base ? 0 : NAN));
      else
        fprintf(csv, ",,,\n");
    }
  fprintf(md, "# What-if comparison: %s\n\nBase scenario: `%s`. Each cell: the "
              "variant's value, and in brackets its change against the base.\n\n",
          b->path, b->base);
  fprintf(md, "| variant | description |\n|---|---|\n");
  for (int k = 0; k < b->nvar; k++) {
    fprintf(md, "| %s | ", b->var[k].name);
    describe(md, &b->var[k]);
    fprintf(md, "%s |\n", failed[k] ? " **(failed: see the batch log)**" : "");
  }
  fprintf(md, "\n| KPI |");
  for (int k = 0; k < b->nvar; k++) fprintf(md, " %s |", b->var[k].name);
  fprintf(md, "\n|---|");
  for (int k = 0; k < b->nvar; k++) fprintf(md, "---:|");
  fprintf(md, "\n");
  for (size_t h = 0; h < sizeof headline / sizeof *headline; h++) {
    int any = 0;
    for (int k = 0; k < b->nvar; k++) any |= kpi(&p[k], headline[h].key) != NULL;
    if (!any) continue;
    fprintf(md, "| %s |", headline[h].label);
    const double *base = kpi(&p[0], headline[h].key);
    for (int k = 0; k < b->nvar; k++) {
      const double *v = kpi(&p[k], headline[h].key);
      if (!v) fprintf(md, " – |");
      else if (k == 0 || !base) fprintf(md, " %.4g |", *v);
      else if (*base != 0) fprintf(md, " %.4g (%+.1f %%) |", *v, 100 * (*v - *base) / fabs(*base));
      else fprintf(md, " %.4g (%+.4g) |", *v, *v - *base);
    }
    fprintf(md, "\n");
  }
  /* The maps first: the report links maps/ only when there is one. */
  int made = 0;
  for (int k = 1; k < b->nvar && !rc; k++) {
    if (failed[k] || failed[0]) continue;
    for (int m = 0; m < b->nmaps && !rc; m++)
      rc = diff_map(b, k, b->maps[m], &made, err);
  }
  fprintf(md, "\nAll KPIs: `kpis.csv`.%s\n",
          made ? " Difference maps (variant − base, GeoTIFF): `maps/`." : "");
done:
  if (csv) fclose(csv);
  if (md) fclose(md);
  for (int k = 0; k < b->nvar; k++) ct_kv_free(p[k].kv, p[k].n);
  free(p);
  return rc;
}
