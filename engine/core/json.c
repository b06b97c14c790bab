/* json.c - a small JSON writer for run summaries and manifests. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/util.h"

void ct_json_init(ct_json *j) {
  memset(j, 0, sizeof *j);
  j->first[0] = 1;
}

void ct_json_free(ct_json *j) {
  free(j->buf);
  memset(j, 0, sizeof *j);
}

static void put(ct_json *j, const char *s, size_t n) {
  if (j->oom) return;
  if (j->len + n + 1 > j->cap) {
    size_t cap = j->cap ? j->cap : 256;
    while (cap < j->len + n + 1) cap *= 2;
    char *b = realloc(j->buf, cap);
    if (!b) {
      j->oom = 1;
      return;
    }
    j->buf = b;
    j->cap = cap;
  }
  memcpy(j->buf + j->len, s, n);
  j->len += n;
  j->buf[j->len] = '\0';
}

static void puts_(ct_json *j, const char *s) { put(j, s, strlen(s)); }

static void quoted(ct_json *j, const char *s) {
  put(j, "\"", 1);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      put(j, esc, 2);
    } else if (c == '\n') {
      puts_(j, "\\n");
    } else if (c == '\t') {
      puts_(j, "\\t");
    } else if (c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", c);
      puts_(j, esc);
    } else {
      put(j, (const char *)&c, 1);
    }
  }
  put(j, "\"", 1);
}

/* Comma, newline and indentation before a member, then "key": */
static void member(ct_json *j, const char *key) {
  if (j->depth > 0) {
    if (!j->first[j->depth]) put(j, ",", 1);
    put(j, "\n", 1);
    for (int k = 0; k < j->depth; k++) put(j, "  ", 2);
  }
  j->first[j->depth] = 0;
  if (key) {
    quoted(j, key);
    put(j, ": ", 2);
  }
}

static void open_(ct_json *j, const char *key, const char *brace) {
  member(j, key);
  puts_(j, brace);
  if (j->depth < 62) j->depth++;
  j->first[j->depth] = 1;
  j->close[j->depth] = brace[0] == '{' ? '}' : ']';
}

void ct_json_object(ct_json *j, const char *key) { open_(j, key, "{"); }
void ct_json_array(ct_json *j, const char *key) { open_(j, key, "["); }

void ct_json_end(ct_json *j) {
  int empty = j->first[j->depth];
  if (j->depth == 0) return;
  j->depth--;
  char close = j->close[j->depth + 1];
  if (!empty) {
    put(j, "\n", 1);
    for (int k = 0; k < j->depth; k++) put(j, "  ", 2);
  }
  put(j, &close, 1);
  if (j->depth == 0) put(j, "\n", 1);
}

void ct_json_number(ct_json *j, const char *key, double v) {
  member(j, key);
  char b[40];
  if (!isfinite(v)) snprintf(b, sizeof b, "null");
  else snprintf(b, sizeof b, "%.10g", v);
  puts_(j, b);
}

void ct_json_int(ct_json *j, const char *key, long long v) {
  member(j, key);
  char b[32];
  snprintf(b, sizeof b, "%lld", v);
  puts_(j, b);
}

void ct_json_string(ct_json *j, const char *key, const char *v) {
  member(j, key);
  if (v) quoted(j, v);
  else puts_(j, "null");
}

void ct_json_bool(ct_json *j, const char *key, int v) {
  member(j, key);
  puts_(j, v ? "true" : "false");
}

void ct_json_raw(ct_json *j, const char *key, const char *json) {
  member(j, key);
  puts_(j, json);
}
