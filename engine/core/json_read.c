/* json_read.c - reads the numbers out of a JSON document (run summaries), so
 * a batch can compare runs on every KPI the models report. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/util.h"

typedef struct reader {
  const char *p;
  char path[512];
  ct_kv *kv;
  int n, cap;
  int depth;
} reader;

static void skip_ws(reader *r) {
  while (isspace((unsigned char)*r->p)) r->p++;
}

/* A string into buf (escapes kept simple: \uXXXX becomes '?'). */
static int string(reader *r, char *buf, size_t n) {
  if (*r->p != '"') return -1;
  r->p++;
  size_t k = 0;
  while (*r->p && *r->p != '"') {
    char c = *r->p++;
    if (c == '\\') {
      if (!*r->p) return -1;
      c = *r->p++;
      if (c == 'u') {
        for (int d = 0; d < 4; d++, r->p++)
          if (!isxdigit((unsigned char)*r->p)) return -1;
        c = '?';
      } else if (c == 'n') c = '\n';
      else if (c == 't') c = '\t';
      else if (c == 'r') c = '\r';
      else if (c == 'b') c = '\b';
      else if (c == 'f') c = '\f';
      else if (c != '"' && c != '\\' && c != '/') return -1;
    }
    if (buf && k + 1 < n) buf[k++] = c;
  }
  if (*r->p != '"') return -1; /* the text ended inside the string */
  r->p++;
  if (buf) buf[k] = '\0';
  return 0;
}

static int add(reader *r, double v) {
  if (r->n == r->cap) {
    int cap = r->cap ? 2 * r->cap : 32;
    ct_kv *kv = realloc(r->kv, (size_t)cap * sizeof *kv);
    if (!kv) return -1;
    r->kv = kv;
    r->cap = cap;
  }
  if (!(r->kv[r->n].key = strdup(r->path))) return -1;
  r->kv[r->n++].value = v;
  return 0;
}

static int value(reader *r);

/* Appends ".name" to the path for the duration of a member. */
static int member(reader *r, const char *name) {
  size_t len = strlen(r->path);
  snprintf(r->path + len, sizeof r->path - len, "%s%s", len ? "." : "", name);
  int rc = value(r);
  r->path[len] = '\0';
  return rc;
}

static int value(reader *r) {
  if (++r->depth > 64) return -1;
  skip_ws(r);
  int rc = 0;
  char c = *r->p;
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    r->p++;
    skip_ws(r);
    for (int idx = 0; *r->p != close; idx++) {
      char name[128];
      if (idx) {
        if (*r->p != ',') return -1;
        r->p++;
        skip_ws(r);
      }
      if (c == '{') {
        if (string(r, name, sizeof name)) return -1;
        skip_ws(r);
        if (*r->p != ':') return -1;
        r->p++;
      } else {
        snprintf(name, sizeof name, "%d", idx);
      }
      if (member(r, name)) return -1;
      skip_ws(r);
    }
    r->p++;
  } else if (c == '"') {
    rc = string(r, NULL, 0);
  } else if (!strncmp(r->p, "true", 4) || !strncmp(r->p, "false", 5)) {
    rc = add(r, c == 't');
    r->p += c == 't' ? 4 : 5;
  } else if (!strncmp(r->p, "null", 4)) {
    r->p += 4;
  } else {
    char *end;
    double v = strtod(r->p, &end);
    if (end == r->p) return -1;
    r->p = end;
    rc = add(r, v);
  }
  r->depth--;
  return rc;
}

int ct_json_numbers(const char *text, ct_kv **kv, int *n, ct_error *err) {
  reader r;
  memset(&r, 0, sizeof r);
  r.p = text;
  int rc = value(&r);
  skip_ws(&r);
  if (rc || *r.p) {
    ct_kv_free(r.kv, r.n);
    *kv = NULL;
    *n = 0;
    return ct_error_set(err, CT_EFORMAT, "not valid JSON near offset %ld",
                        (long)(r.p - text));
  }
  *kv = r.kv;
  *n = r.n;
  return CT_OK;
}

void ct_kv_free(ct_kv *kv, int n) {
  for (int k = 0; k < n; k++) free(kv[k].key);
  free(kv);
}
