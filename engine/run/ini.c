/* ini.c - a small INI reader that keeps line numbers, so every mistake in a
 * scenario or batch file can be reported as file:line. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/util.h"
#include "run/run_internal.h"

char *ct__trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) e--;
  *e = '\0';
  return s;
}

/* Cuts a comment: '#' or ';' at the line start or after a blank, so values
 * such as "a#b" stay whole. */
static void strip_comment(char *s) {
  for (char *p = s; *p; p++)
    if ((*p == '#' || *p == ';') && (p == s || isspace((unsigned char)p[-1]))) {
      *p = '\0';
      return;
    }
}

const char *ct__suggest(const char *word, const char *const *known) {
  const char *best = NULL;
  int bestd = 3;
  for (int k = 0; known && known[k]; k++) {
    int d = ct_edit_distance(word, known[k]);
    if (d < bestd) {
      bestd = d;
      best = known[k];
    }
  }
  return best;
}

static int add_section(ct_section **sec, int *nsec, const char *name, int line) {
  ct_section *s = realloc(*sec, (size_t)(*nsec + 1) * sizeof *s);
  if (!s) return CT_ENOMEM;
  *sec = s;
  ct_section *n = &s[*nsec];
  memset(n, 0, sizeof *n);
  n->line = line;
  if (!(n->name = strdup(name))) return CT_ENOMEM;
  (*nsec)++;
  return CT_OK;
}

static int add_entry(ct_section *s, const char *key, const char *value,
                     int line) {
  ct_entry *e = realloc(s->e, (size_t)(s->n + 1) * sizeof *e);
  if (!e) return CT_ENOMEM;
  s->e = e;
  e[s->n].key = strdup(key);
  e[s->n].value = strdup(value);
  e[s->n].line = line;
  if (!e[s->n].key || !e[s->n].value) {
    free(e[s->n].key);
    free(e[s->n].value);
    return CT_ENOMEM;
  }
  s->n++;
  return CT_OK;
}

/* "layer   dem" -> "layer dem" */
static void squeeze(const char *in, char *out, size_t n) {
  size_t k = 0;
  for (; *in && k + 1 < n; in++) {
    int sp = isspace((unsigned char)*in);
    if (sp && (k == 0 || out[k - 1] == ' ')) continue;
    out[k++] = sp ? ' ' : *in;
  }
  while (k > 0 && out[k - 1] == ' ') k--;
  out[k] = '\0';
}

static int parse_line(char *line, int lineno, const char *path,
                      ct_section **sec, int *nsec, ct_error *err) {
  strip_comment(line);
  line = ct__trim(line);
  if (!*line) return CT_OK;
  if (*line == '[') {
    char *close = strchr(line, ']');
    if (!close || ct__trim(close + 1)[0])
      return ct_error_set(err, CT_EINVAL,
                          "%s:%d: expected a section header like [flood], got "
                          "'%s'",
                          path, lineno, line);
    *close = '\0';
    char name[256];
    squeeze(line + 1, name, sizeof name);
    if (!*name)
      return ct_error_set(err, CT_EINVAL, "%s:%d: empty section name", path,
                          lineno);
    for (int k = 0; k < *nsec; k++)
      if (strcmp((*sec)[k].name, name) == 0)
        return ct_error_set(err, CT_EINVAL,
                            "%s:%d: section [%s] appears twice (first at "
                            "line %d)",
                            path, lineno, name, (*sec)[k].line);
    if (add_section(sec, nsec, name, lineno))
      return ct_error_set(err, CT_ENOMEM, "out of memory");
    return CT_OK;
  }
  char *eq = strchr(line, '=');
  if (!eq)
    return ct_error_set(err, CT_EINVAL, "%s:%d: expected 'key = value', got '%s'",
                        path, lineno, line);
  *eq = '\0';
  char *key = ct__trim(line), *value = ct__trim(eq + 1);
  if (!*key)
    return ct_error_set(err, CT_EINVAL, "%s:%d: missing key before '='", path,
                        lineno);
  if (*nsec == 0)
    return ct_error_set(err, CT_EINVAL, "%s:%d: '%s' comes before any [section]",
                        path, lineno, key);
  ct_section *s = &(*sec)[*nsec - 1];
  for (int k = 0; k < s->n; k++)
    if (strcmp(s->e[k].key, key) == 0)
      return ct_error_set(err, CT_EINVAL,
                          "%s:%d: [%s] %s is set twice (first at line %d)",
                          path, lineno, s->name, key, s->e[k].line);
  if (add_entry(s, key, value, lineno))
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  return CT_OK;
}

int ct__ini_parse(const char *text, const char *path, ct_section **sec,
                  int *nsec, ct_error *err) {
  *sec = NULL;
  *nsec = 0;
  char *copy = strdup(text);
  if (!copy) return ct_error_set(err, CT_ENOMEM, "out of memory");
  int rc = CT_OK, lineno = 0;
  char *p = copy;
  if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
      (unsigned char)p[2] == 0xBF)
    p += 3; /* a UTF-8 byte-order mark from Windows editors */
  while (p && !rc) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    char *line = p;
    p = nl ? nl + 1 : NULL;
    rc = parse_line(line, ++lineno, path, sec, nsec, err);
  }
  free(copy);
  if (rc) {
    ct__ini_free(*sec, *nsec);
    *sec = NULL;
    *nsec = 0;
  }
  return rc;
}

void ct__ini_free(ct_section *sec, int nsec) {
  for (int k = 0; k < nsec; k++) {
    for (int m = 0; m < sec[k].n; m++) {
      free(sec[k].e[m].key);
      free(sec[k].e[m].value);
    }
    free(sec[k].e);
    free(sec[k].name);
  }
  free(sec);
}
