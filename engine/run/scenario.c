/* scenario.c - the scenario file: a small INI reader that keeps line numbers
 * (every error names file:line), the typed core sections, and the accessors
 * models use for their own sections. */
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "citytwin/scenario.h"
#include "citytwin/util.h"
#include "run/run_internal.h"

static const char *const scenario_keys[] = {"name", "start", "duration",
                                            "coupling", "description", NULL};
static const char *const domain_keys[] = {"crs", "bounds", "cell", "grid", NULL};
static const char *const layer_keys[] = {"resample", "band", "nodata", "crs",
                                         "source", "units", NULL};
static const char *const output_keys[] = {"file",   "interval",
                                          "fields", "gauges",
                                          "gauge_interval", "checkpoint",
                                          NULL};
static const char *const core_sections[] = {"scenario", "domain", "layers",
                                            "output", NULL};

const char *const *ct__section_keys(const char *section) {
  if (!strcmp(section, "scenario")) return scenario_keys;
  if (!strcmp(section, "domain")) return domain_keys;
  if (!strcmp(section, "output")) return output_keys;
  if (!strncmp(section, "layer ", 6)) return layer_keys;
  return NULL;
}

/* --- accessors --- */

const ct_section *ct_scenario_section(const ct_scenario *sc, const char *name) {
  for (int k = 0; k < sc->nsec; k++)
    if (strcmp(sc->sec[k].name, name) == 0) return &sc->sec[k];
  return NULL;
}

const ct_entry *ct_scenario_entry(const ct_scenario *sc, const char *section,
                                  const char *key) {
  const ct_section *s = ct_scenario_section(sc, section);
  if (!s) return NULL;
  for (int k = 0; k < s->n; k++)
    if (strcmp(s->e[k].key, key) == 0) return &s->e[k];
  return NULL;
}

static const char *section_of(const ct_scenario *sc, const ct_entry *e) {
  for (int k = 0; k < sc->nsec; k++)
    if (e >= sc->sec[k].e && e < sc->sec[k].e + sc->sec[k].n)
      return sc->sec[k].name;
  return "?";
}

int ct_scenario_error(const ct_scenario *sc, const ct_entry *e, int code,
                      ct_error *err, const char *fmt, ...) {
  char msg[1536];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!e) return ct_error_set(err, code, "%s: %s", sc->path, msg);
  return ct_error_set(err, code, "%s:%d: [%s] %s: %s", sc->path, e->line,
                      section_of(sc, e), e->key, msg);
}

static int key_matches(const char *key, const char *pattern) {
  size_t n = strlen(pattern);
  if (n >= 2 && pattern[n - 1] == '*')
    return strncmp(key, pattern, n - 1) == 0 && key[n - 1];
  return strcmp(key, pattern) == 0;
}

int ct_scenario_check_values(const ct_scenario *sc, const char *section,
                             ct_error *err) {
  const ct_section *s = ct_scenario_section(sc, section);
  for (int k = 0; s && k < s->n; k++) {
    const char *v = s->e[k].value;
    while (*v == ' ' || *v == '\t') v++;
    if (!*v)
      return ct_scenario_error(sc, &s->e[k], CT_EINVAL, err, "empty value");
  }
  return CT_OK;
}

int ct_scenario_check_keys(const ct_scenario *sc, const char *section,
                           const char *const *known, ct_error *err) {
  const ct_section *s = ct_scenario_section(sc, section);
  if (!s) return CT_OK;
  for (int k = 0; k < s->n; k++) {
    int ok = 0;
    for (int m = 0; known[m] && !ok; m++) ok = key_matches(s->e[k].key, known[m]);
    if (ok) continue;
    const char *best = ct__suggest(s->e[k].key, known);
    char list[512] = "";
    for (int m = 0; known[m]; m++) {
      strncat(list, m ? ", " : "", sizeof list - strlen(list) - 1);
      strncat(list, known[m], sizeof list - strlen(list) - 1);
    }
    if (best)
      return ct_error_set(err, CT_EINVAL,
                          "%s:%d: [%s] unknown key '%s'; did you mean '%s'?",
                          sc->path, s->e[k].line, section, s->e[k].key, best);
    return ct_error_set(err, CT_EINVAL,
                        "%s:%d: [%s] unknown key '%s'; expected one of: %s",
                        sc->path, s->e[k].line, section, s->e[k].key, list);
  }
  return CT_OK;
}

int ct_scenario_double(const ct_scenario *sc, const char *section,
                       const char *key, double def, double *out, ct_error *err) {
  const ct_entry *e = ct_scenario_entry(sc, section, key);
  if (!e) {
    *out = def;
    return CT_OK;
  }
  if (ct_parse_double(e->value, out) != CT_OK)
    return ct_scenario_error(sc, e, CT_EINVAL, err, "expected a number, got '%s'",
                             e->value);
  return CT_OK;
}

int ct_scenario_duration(const ct_scenario *sc, const char *section,
                         const char *key, double def, double *out,
                         ct_error *err) {
  const ct_entry *e = ct_scenario_entry(sc, section, key);
  if (!e) {
    *out = def;
    return CT_OK;
  }
  if (ct_parse_duration(e->value, out) != CT_OK)
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected a duration like 90, 90s, 15min, 6h or "
                             "2d, got '%s'",
                             e->value);
  return CT_OK;
}

int ct_scenario_int(const ct_scenario *sc, const char *section, const char *key,
                    int def, int *out, ct_error *err) {
  const ct_entry *e = ct_scenario_entry(sc, section, key);
  if (!e) {
    *out = def;
    return CT_OK;
  }
  char *end;
  errno = 0;
  long v = strtol(e->value, &end, 10);
  if (end == e->value || *ct__trim(end) || errno || v < -2147483647L ||
      v > 2147483647L)
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected a whole number, got '%s'", e->value);
  *out = (int)v;
  return CT_OK;
}

int ct_scenario_choice(const ct_scenario *sc, const char *section,
                       const char *key, const char *const *choices, int def,
                       int *out, ct_error *err) {
  const ct_entry *e = ct_scenario_entry(sc, section, key);
  if (!e) {
    *out = def;
    return CT_OK;
  }
  for (int k = 0; choices[k]; k++)
    if (strcasecmp(e->value, choices[k]) == 0) {
      *out = k;
      return CT_OK;
    }
  char list[512] = "";
  for (int k = 0; choices[k]; k++) {
    strncat(list, k ? " | " : "", sizeof list - strlen(list) - 1);
    strncat(list, choices[k], sizeof list - strlen(list) - 1);
  }
  const char *best = ct__suggest(e->value, choices);
  if (best)
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected %s, got '%s'; did you mean '%s'?", list,
                             e->value, best);
  return ct_scenario_error(sc, e, CT_EINVAL, err, "expected %s, got '%s'", list,
                           e->value);
}

const char *ct_scenario_string(const ct_scenario *sc, const char *section,
                               const char *key, const char *def) {
  const ct_entry *e = ct_scenario_entry(sc, section, key);
  return e ? e->value : def;
}

char *ct_scenario_resolve(const ct_scenario *sc, const char *rel) {
  if (!rel) return NULL;
  if (rel[0] == '/' || !sc->dir || !*sc->dir) return strdup(rel);
  size_t n = strlen(sc->dir) + strlen(rel) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", sc->dir, rel);
  return p;
}

int ct_scenario_files(const ct_scenario *sc, const ct_entry *e,
                      const char *list, char ***out, int *nout,
                      ct_error *err) {
  *out = NULL;
  *nout = 0;
  char *text = strdup(list);
  if (!text) return ct_error_set(err, CT_ENOMEM, "scenario: out of memory");
  char **files = NULL;
  int n = 0, rc = CT_OK;
  char *save = NULL;
  for (char *tok = strtok_r(text, " \t", &save); tok && !rc;
       tok = strtok_r(NULL, " \t", &save)) {
    char *path = ct_scenario_resolve(sc, tok);
    if (!path) {
      rc = ct_error_set(err, CT_ENOMEM, "scenario: out of memory");
      break;
    }
    glob_t gl;
    memset(&gl, 0, sizeof gl);
    int pattern = strpbrk(tok, "*?[") != NULL;
    if (pattern && (glob(path, 0, NULL, &gl) != 0 || gl.gl_pathc == 0))
      rc = ct_scenario_error(sc, e, CT_ENOENT, err, "no file matches '%s'",
                             path);
    size_t nm = pattern ? gl.gl_pathc : 1;
    char **nf = rc ? NULL : realloc(files, ((size_t)n + nm) * sizeof *nf);
    if (!rc && !nf)
      rc = ct_error_set(err, CT_ENOMEM, "scenario: out of memory");
    if (nf) files = nf;
    for (size_t k = 0; !rc && k < nm; k++) {
      files[n] = strdup(pattern ? gl.gl_pathv[k] : path);
      if (!files[n])
        rc = ct_error_set(err, CT_ENOMEM, "scenario: out of memory");
      else
        n++;
    }
    if (pattern) globfree(&gl);
    free(path);
  }
  free(text);
  if (!rc && n == 0)
    rc = ct_scenario_error(sc, e, CT_EINVAL, err,
                           "expected one or more file names");
  if (rc) {
    ct_scenario_files_free(files, n);
    return rc;
  }
  *out = files;
  *nout = n;
  return CT_OK;
}

void ct_scenario_files_free(char **files, int n) {
  for (int k = 0; k < n; k++) free(files[k]);
  free(files);
}

const ct_layer_spec *ct_scenario_layer(const ct_scenario *sc, const char *name) {
  for (int k = 0; k < sc->nlayers; k++)
    if (strcmp(sc->layers[k].name, name) == 0) return &sc->layers[k];
  return NULL;
}

/* --- the core sections --- */

static int need(const ct_scenario *sc, const char *section, const char *key,
                const char *what, ct_error *err) {
  if (ct_scenario_entry(sc, section, key)) return CT_OK;
  const ct_section *s = ct_scenario_section(sc, section);
  if (s)
    return ct_error_set(err, CT_EINVAL, "%s:%d: [%s] needs %s = %s", sc->path,
                        s->line, section, key, what);
  return ct_error_set(err, CT_EINVAL, "%s: missing section [%s] with %s = %s",
                      sc->path, section, key, what);
}

static int parse_scenario_section(ct_scenario *sc, ct_error *err) {
  int rc = ct_scenario_check_keys(sc, "scenario", scenario_keys, err);
  if (rc) return rc;
  const char *base = strrchr(sc->path, '/');
  base = base ? base + 1 : sc->path;
  sc->name = strdup(ct_scenario_string(sc, "scenario", "name", base));
  if ((rc = need(sc, "scenario", "start",
                 "an ISO 8601 time with UTC offset, e.g. "
                 "2026-09-15T14:00:00+07:00",
                 err)))
    return rc;
  const ct_entry *e = ct_scenario_entry(sc, "scenario", "start");
  /* An offset is required: a local time without one is ambiguous. */
  int has_offset = 0;
  char why[160] = "";
  if (ct_parse_iso8601_ex(e->value, &sc->start_unix, &sc->utc_offset_s,
                          &has_offset, why, sizeof why) != CT_OK ||
      !has_offset)
    return ct_scenario_error(sc, e, CT_EINVAL, err,
                             "expected an ISO 8601 time with UTC offset like "
                             "2026-09-15T14:00:00+07:00, got '%s'%s%s",
                             e->value, *why ? ": " : "", why);
  if ((rc = need(sc, "scenario", "duration", "a duration like 6h", err)))
    return rc;
  if ((rc = ct_scenario_duration(sc, "scenario", "duration", 0, &sc->duration,
                                 err)))
    return rc;
  if (!(sc->duration > 0))
    return ct_scenario_error(sc, ct_scenario_entry(sc, "scenario", "duration"),
                             CT_EINVAL, err, "must be longer than 0 s");
  if ((rc = ct_scenario_duration(sc, "scenario", "coupling", 60, &sc->coupling,
                                 err)))
    return rc;
  /* under a second the exchanges, not the models, would take the time */
  if (!(sc->coupling >= 1))
    return ct_scenario_error(sc, ct_scenario_entry(sc, "scenario", "coupling"),
                             CT_EINVAL, err, "must be at least 1 s");
  return CT_OK;
}

static int parse_domain(ct_scenario *sc, ct_error *err) {
  int rc = ct_scenario_check_keys(sc, "domain", domain_keys, err);
  if (rc) return rc;
  const ct_entry *grid = ct_scenario_entry(sc, "domain", "grid");
  if (grid) {
    if (ct_scenario_entry(sc, "domain", "bounds") ||
        ct_scenario_entry(sc, "domain", "cell"))
      return ct_scenario_error(sc, grid, CT_EINVAL, err,
                               "give either grid = LAYER or bounds and cell, "
                               "not both");
    sc->grid_layer = strdup(grid->value);
    const char *crs = ct_scenario_string(sc, "domain", "crs", NULL);
    if (crs) sc->crs = strdup(crs);
    return CT_OK;
  }
  if ((rc = need(sc, "domain", "crs", "a CRS such as EPSG:32648", err)) ||
      (rc = need(sc, "domain", "bounds", "xmin ymin xmax ymax (or grid = LAYER)",
                 err)) ||
      (rc = need(sc, "domain", "cell", "the cell size in metres", err)))
    return rc;
  sc->crs = strdup(ct_scenario_string(sc, "domain", "crs", ""));
  const ct_entry *b = ct_scenario_entry(sc, "domain", "bounds");
  int used = 0;
  double *v = sc->bounds;
  if (sscanf(b->value, "%lf %lf %lf %lf %n", &v[0], &v[1], &v[2], &v[3],
             &used) != 4 ||
      b->value[used] != '\0' || !isfinite(v[0] + v[1] + v[2] + v[3]))
    return ct_scenario_error(sc, b, CT_EINVAL, err,
                             "expected four numbers xmin ymin xmax ymax, got "
                             "'%s'",
                             b->value);
  if (!(v[2] > v[0] && v[3] > v[1]))
    return ct_scenario_error(sc, b, CT_EINVAL, err,
                             "expected xmin < xmax and ymin < ymax");
  if ((rc = ct_scenario_double(sc, "domain", "cell", 0, &sc->cell, err)))
    return rc;
  if (!(sc->cell > 0))
    return ct_scenario_error(sc, ct_scenario_entry(sc, "domain", "cell"),
                             CT_EINVAL, err, "must be a positive size in metres");
  return CT_OK;
}

static int parse_layers(ct_scenario *sc, ct_error *err) {
  static const char *const resamplings[] = {"default", "nearest", "bilinear",
                                            "cubic", "mode", "average", NULL};
  const ct_section *s = ct_scenario_section(sc, "layers");
  if (s && s->n) {
    sc->layers = calloc((size_t)s->n, sizeof *sc->layers);
    if (!sc->layers) return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (int k = 0; k < s->n; k++) {
      ct_layer_spec *l = &sc->layers[sc->nlayers++];
      l->name = strdup(s->e[k].key);
      l->path = ct_scenario_resolve(sc, s->e[k].value);
      l->band = 1;
      l->line = s->e[k].line;
      if (!*s->e[k].value)
        return ct_scenario_error(sc, &s->e[k], CT_EINVAL, err,
                                 "expected a file path");
    }
  }
  /* [layer NAME] options */
  for (int k = 0; k < sc->nsec; k++) {
    const ct_section *o = &sc->sec[k];
    if (strncmp(o->name, "layer ", 6) != 0) continue;
    const char *lname = o->name + 6;
    ct_layer_spec *l = (ct_layer_spec *)ct_scenario_layer(sc, lname);
    if (!l)
      return ct_error_set(err, CT_EINVAL,
                          "%s:%d: [layer %s] names no layer of [layers]",
                          sc->path, o->line, lname);
    int rc = ct_scenario_check_keys(sc, o->name, layer_keys, err);
    int choice = 0;
    if (rc ||
        (rc = ct_scenario_choice(sc, o->name, "resample", resamplings, 0,
                                 &choice, err)) ||
        (rc = ct_scenario_int(sc, o->name, "band", 1, &l->band, err)))
      return rc;
    l->resample = (ct_resample)choice;
    if (l->band < 1)
      return ct_scenario_error(sc, ct_scenario_entry(sc, o->name, "band"),
                               CT_EINVAL, err, "bands count from 1");
    const ct_entry *nd = ct_scenario_entry(sc, o->name, "nodata");
    if (nd) {
      if ((rc = ct_scenario_double(sc, o->name, "nodata", 0, &l->nodata, err)))
        return rc;
      l->has_nodata = 1;
    }
    const char *crs = ct_scenario_string(sc, o->name, "crs", NULL);
    const char *src = ct_scenario_string(sc, o->name, "source", NULL);
    const char *units = ct_scenario_string(sc, o->name, "units", NULL);
    if (crs) l->crs = strdup(crs);
    if (src) l->source = strdup(src);
    if (units) l->units = strdup(units);
  }
  return CT_OK;
}

static int parse_output(ct_scenario *sc, ct_error *err) {
  int rc = ct_scenario_check_keys(sc, "output", output_keys, err);
  if (rc) return rc;
  const char *file = ct_scenario_string(sc, "output", "file", NULL);
  if (file) {
    sc->out_file = ct_scenario_resolve(sc, file);
  } else { /* out/<scenario file name>.nc beside the scenario */
    const char *base = strrchr(sc->path, '/');
    base = base ? base + 1 : sc->path;
    char name[512];
    snprintf(name, sizeof name, "out/%.*s.nc", (int)strcspn(base, "."), base);
    sc->out_file = ct_scenario_resolve(sc, name);
  }
  if ((rc = ct_scenario_duration(sc, "output", "interval", 600,
                                 &sc->out_interval, err)))
    return rc;
  /* a snapshot a second already writes every field of the grid each time */
  if (!(sc->out_interval >= 1))
    return ct_scenario_error(sc, ct_scenario_entry(sc, "output", "interval"),
                             CT_EINVAL, err, "must be at least 1 s");
  const char *fields = ct_scenario_string(sc, "output", "fields", NULL);
  if (fields) {
    char *copy = strdup(fields), *save = NULL;
    for (char *t = strtok_r(copy, " \t,", &save); t;
         t = strtok_r(NULL, " \t,", &save)) {
      char **f = realloc(sc->out_fields,
                         (size_t)(sc->nout_fields + 1) * sizeof *f);
      if (!f) {
        free(copy);
        return ct_error_set(err, CT_ENOMEM, "out of memory");
      }
      sc->out_fields = f;
      f[sc->nout_fields++] = strdup(t);
    }
    free(copy);
  }
  const char *gauges = ct_scenario_string(sc, "output", "gauges", NULL);
  if (gauges && !*gauges)
    return ct_scenario_error(sc, ct_scenario_entry(sc, "output", "gauges"),
                             CT_EINVAL, err, "empty value: a CSV name,x,y");
  if (gauges) sc->gauges = ct_scenario_resolve(sc, gauges);
  if ((rc = ct_scenario_duration(sc, "output", "gauge_interval",
                                 sc->out_interval, &sc->gauge_interval, err)))
    return rc;
  if (!(sc->gauge_interval >= 1))
    return ct_scenario_error(sc,
                             ct_scenario_entry(sc, "output", "gauge_interval"),
                             CT_EINVAL, err, "must be at least 1 s");
  static const char *const onoff[] = {"on", "off", NULL};
  int off = 0;
  if ((rc = ct_scenario_choice(sc, "output", "checkpoint", onoff, 0, &off,
                               err)))
    return rc;
  sc->checkpoint = !off;
  return CT_OK;
}

static int check_sections(const ct_scenario *sc,
                          const char *const *known_sections, ct_error *err) {
  const char *all[64];
  int n = 0;
  for (int k = 0; core_sections[k]; k++) all[n++] = core_sections[k];
  for (int k = 0; known_sections && known_sections[k] && n < 62; k++)
    all[n++] = known_sections[k];
  all[n] = NULL;
  for (int k = 0; k < sc->nsec; k++) {
    const char *name = sc->sec[k].name;
    if (strncmp(name, "layer ", 6) == 0) continue;
    int ok = 0;
    for (int m = 0; all[m] && !ok; m++) ok = strcmp(name, all[m]) == 0;
    if (ok) continue;
    const char *best = ct__suggest(name, all);
    if (!best && strcmp(name, "layer") == 0) best = "layer NAME";
    if (best)
      return ct_error_set(err, CT_EINVAL,
                          "%s:%d: unknown section [%s]; did you mean [%s]?",
                          sc->path, sc->sec[k].line, name, best);
    return ct_error_set(err, CT_EINVAL, "%s:%d: unknown section [%s]", sc->path,
                        sc->sec[k].line, name);
  }
  return CT_OK;
}

int ct_scenario_parse(ct_scenario *sc, const char *text, const char *path,
                      const char *const *known_sections, ct_error *err) {
  memset(sc, 0, sizeof *sc);
  sc->path = strdup(path ? path : "<scenario>");
  sc->text = strdup(text);
  const char *slash = strrchr(sc->path, '/');
  sc->dir = slash ? strndup(sc->path, (size_t)(slash - sc->path)) : strdup(".");
  if (!sc->path || !sc->text || !sc->dir) {
    ct_scenario_free(sc);
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  if (slash == sc->path) { /* "/x.ini": the root folder */
    free(sc->dir);
    sc->dir = strdup("/");
  }
  int rc = ct__ini_parse(sc->text, sc->path, &sc->sec, &sc->nsec, err);
  if (!rc) rc = check_sections(sc, known_sections, err);
  if (!rc) rc = parse_scenario_section(sc, err);
  if (!rc) rc = parse_domain(sc, err);
  if (!rc) rc = parse_layers(sc, err);
  if (!rc) rc = parse_output(sc, err);
  if (!rc && sc->grid_layer && !ct_scenario_layer(sc, sc->grid_layer))
    rc = ct_scenario_error(sc, ct_scenario_entry(sc, "domain", "grid"),
                           CT_EINVAL, err, "no layer '%s' in [layers]",
                           sc->grid_layer);
  if (rc) ct_scenario_free(sc);
  return rc;
}

int ct_scenario_load(ct_scenario *sc, const char *path,
                     const char *const *known_sections, ct_error *err) {
  memset(sc, 0, sizeof *sc);
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return ct_error_set(err, CT_EINVAL,
                        "%s: is a folder; expected a scenario file (.ini)", path);
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return ct_error_set(err, errno == ENOENT ? CT_ENOENT : CT_EIO,
                        "%s: cannot open scenario: %s", path, strerror(errno));
  char *text = NULL;
  size_t n = 0, cap = 0;
  char buf[8192];
  size_t k;
  while ((k = fread(buf, 1, sizeof buf, fp)) > 0) {
    if (n + k + 1 > cap) {
      cap = (n + k + 1) * 2;
      char *t = realloc(text, cap);
      if (!t) {
        free(text);
        fclose(fp);
        return ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
      }
      text = t;
    }
    memcpy(text + n, buf, k);
    n += k;
  }
  int bad = ferror(fp);
  fclose(fp);
  if (bad) {
    free(text);
    return ct_error_set(err, CT_EIO, "%s: read error (is it a folder?)", path);
  }
  if (!text) text = calloc(1, 1);
  if (!text) return ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
  text[n] = '\0';
  if (strlen(text) != n) {
    free(text);
    return ct_error_set(err, CT_EINVAL,
                        "%s: not a text file (it contains NUL bytes)", path);
  }
  int rc = ct_scenario_parse(sc, text, path, known_sections, err);
  free(text);
  return rc;
}

void ct_scenario_free(ct_scenario *sc) {
  if (!sc) return;
  ct__ini_free(sc->sec, sc->nsec);
  for (int k = 0; k < sc->nlayers; k++) {
    ct_layer_spec *l = &sc->layers[k];
    free(l->name); free(l->path); free(l->source); free(l->crs); free(l->units);
  }
  free(sc->layers);
  for (int k = 0; k < sc->nout_fields; k++) free(sc->out_fields[k]);
  free(sc->out_fields);
  free(sc->path); free(sc->dir); free(sc->text); free(sc->name);
  free(sc->crs); free(sc->grid_layer); free(sc->out_file); free(sc->gauges);
  memset(sc, 0, sizeof *sc);
}
