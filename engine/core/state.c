/* state.c - the in-memory checkpoint store: named byte blocks, saved by
 * copy and restored by name (see state.h). */
#include <stdlib.h>
#include <string.h>

#include "citytwin/state.h"

typedef struct block {
  char *name;
  void *data;
  size_t bytes, cap;
} block;

struct ct_state {
  block *b;
  int n, cap, nalloc; /* blocks in use, slots, slots holding buffers */
  int restoring;
  char prefix[64];
};

ct_state *ct_state_new(void) { return calloc(1, sizeof(ct_state)); }

void ct_state_free(ct_state *st) {
  if (!st) return;
  for (int k = 0; k < st->nalloc; k++) {
    free(st->b[k].name);
    free(st->b[k].data);
  }
  free(st->b);
  free(st);
}

void ct_state_reset(ct_state *st) {
  st->n = 0;
  st->restoring = 0;
  st->prefix[0] = '\0';
}

void ct_state_prefix(ct_state *st, const char *prefix) {
  size_t n = strlen(prefix ? prefix : "");
  if (n >= sizeof st->prefix) n = sizeof st->prefix - 1;
  memcpy(st->prefix, prefix ? prefix : "", n);
  st->prefix[n] = '\0';
}

void ct_state_set_restoring(ct_state *st, int restoring) {
  st->restoring = restoring;
}

int ct_state_restoring(const ct_state *st) { return st->restoring; }

static void full_name(const ct_state *st, const char *name, char *out,
                      size_t n) {
  if (st->prefix[0]) {
    size_t p = strlen(st->prefix);
    if (p + 1 >= n) p = n - 2;
    memcpy(out, st->prefix, p);
    out[p] = '/';
    out[p + 1] = '\0';
    strncat(out, name, n - p - 2);
  } else {
    strncpy(out, name, n - 1);
    out[n - 1] = '\0';
  }
}

static block *find(const ct_state *st, const char *full) {
  for (int k = 0; k < st->n; k++)
    if (!strcmp(st->b[k].name, full)) return &st->b[k];
  return NULL;
}

int ct_state_put(ct_state *st, const char *name, const void *data,
                 size_t bytes, ct_error *err) {
  if (find(st, name))
    return ct_error_set(err, CT_EINTERNAL, "state block %s given twice", name);
  if (st->n == st->cap) {
    int cap = st->cap ? 2 * st->cap : 64;
    block *nb = realloc(st->b, (size_t)cap * sizeof *nb);
    if (!nb) return ct_error_set(err, CT_ENOMEM, "out of memory");
    st->b = nb;
    st->cap = cap;
  }
  /* A slot left by ct_state_reset keeps its buffer: a run saving the same
   * blocks after every snapshot copies into memory it already has. */
  block *b = &st->b[st->n];
  if (st->n == st->nalloc) {
    memset(b, 0, sizeof *b);
    st->nalloc++;
  }
  if (!b->name || strcmp(b->name, name)) {
    free(b->name);
    b->name = strdup(name);
  }
  if (b->cap < bytes || !b->data) {
    free(b->data);
    b->cap = bytes ? bytes : 1;
    b->data = malloc(b->cap);
  }
  if (!b->name || !b->data) {
    b->cap = 0;
    return ct_error_set(err, CT_ENOMEM, "out of memory for state block %s",
                        name);
  }
  b->bytes = bytes;
  if (bytes) memcpy(b->data, data, bytes);
  st->n++;
  return CT_OK;
}

int ct_state_io(ct_state *st, const char *name, void *data, size_t bytes,
                ct_error *err) {
  char full[160];
  full_name(st, name, full, sizeof full);
  if (!st->restoring) return ct_state_put(st, full, data, bytes, err);
  const block *b = find(st, full);
  if (!b)
    return ct_error_set(err, CT_EFORMAT, "the saved state has no block %s",
                        full);
  if (b->bytes != bytes)
    return ct_error_set(err, CT_EFORMAT,
                        "the saved state block %s has %zu bytes, this run "
                        "needs %zu: it was saved by another scenario or "
                        "version",
                        full, b->bytes, bytes);
  if (bytes) memcpy(data, b->data, bytes);
  return CT_OK;
}

int ct_state_io_var(ct_state *st, const char *name, void **data,
                    size_t *bytes, ct_error *err) {
  char full[160];
  full_name(st, name, full, sizeof full);
  if (!st->restoring) return ct_state_put(st, full, *data, *bytes, err);
  const block *b = find(st, full);
  if (!b)
    return ct_error_set(err, CT_EFORMAT, "the saved state has no block %s",
                        full);
  void *p = realloc(*data, b->bytes ? b->bytes : 1);
  if (!p) return ct_error_set(err, CT_ENOMEM, "out of memory for %s", full);
  if (b->bytes) memcpy(p, b->data, b->bytes);
  *data = p;
  *bytes = b->bytes;
  return CT_OK;
}

int ct_state_count(const ct_state *st) { return st->n; }

void ct_state_item(const ct_state *st, int k, const char **name,
                   const void **data, size_t *bytes) {
  *name = st->b[k].name;
  *data = st->b[k].data;
  *bytes = st->b[k].bytes;
}
