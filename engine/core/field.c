/* field.c - the field registry through which models exchange rasters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/field.h"

struct ct_fields {
  int nx, ny;
  int n, cap;
  ct_field **f;
};

ct_fields *ct_fields_new(const ct_grid *g) {
  ct_fields *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->nx = g->nx;
  r->ny = g->ny;
  return r;
}

void ct_fields_free(ct_fields *r) {
  if (!r) return;
  for (int k = 0; k < r->n; k++) {
    ct_free_aligned(r->f[k]->data);
    free(r->f[k]);
  }
  free(r->f);
  free(r);
}

static void copy_text(char *dst, size_t n, const char *src) {
  snprintf(dst, n, "%s", src ? src : "");
}

ct_field *ct_fields_add(ct_fields *r, const char *name, const char *units,
                        const char *long_name, unsigned flags, ct_error *err) {
  if (!name || !*name || strlen(name) >= sizeof ((ct_field *)0)->name) {
    ct_error_set(err, CT_EINTERNAL, "bad field name '%s'", name ? name : "");
    return NULL;
  }
  if (ct_fields_find(r, name)) {
    ct_error_set(err, CT_EINTERNAL, "field '%s' is published twice", name);
    return NULL;
  }
  if (r->n == r->cap) {
    int cap = r->cap ? 2 * r->cap : 16;
    ct_field **f = realloc(r->f, (size_t)cap * sizeof *f);
    if (!f) goto oom;
    r->f = f;
    r->cap = cap;
  }
  ct_field *f = calloc(1, sizeof *f);
  if (!f) goto oom;
  f->data = ct_alloc_aligned((size_t)r->nx * (size_t)r->ny * sizeof(float));
  if (!f->data) {
    free(f);
    goto oom;
  }
  copy_text(f->name, sizeof f->name, name);
  copy_text(f->units, sizeof f->units, units);
  copy_text(f->long_name, sizeof f->long_name, long_name ? long_name : name);
  f->nx = r->nx;
  f->ny = r->ny;
  f->flags = flags;
  r->f[r->n++] = f;
  return f;
oom:
  ct_error_set(err, CT_ENOMEM, "out of memory for field '%s'", name);
  return NULL;
}

ct_field *ct_fields_find(const ct_fields *r, const char *name) {
  for (int k = 0; k < r->n; k++)
    if (strcmp(r->f[k]->name, name) == 0) return r->f[k];
  return NULL;
}

int ct_fields_count(const ct_fields *r) { return r->n; }

ct_field *ct_fields_at(const ct_fields *r, int k) {
  return k >= 0 && k < r->n ? r->f[k] : NULL;
}
