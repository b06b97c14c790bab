/* field.h - named float32 rasters on the grid and the registry through which
 * models exchange them (rain -> flood.depth -> traffic -> emissions -> air).
 * Models publish what they produce and look up what they consume by name. */
#ifndef CITYTWIN_FIELD_H
#define CITYTWIN_FIELD_H

#include "citytwin/grid.h"

enum {
  CT_FIELD_STATIC = 1u,  /* written once to the snapshot (DEM, land use) */
  CT_FIELD_INTERNAL = 2u /* exchanged between models, never written */
};

typedef struct ct_field {
  char name[64];       /* model.quantity, e.g. flood.depth */
  char units[32];      /* UDUNITS spelling: m, m s-1, ug m-3, g s-1, 1 */
  char long_name[128];
  int nx, ny;
  float *data;         /* nx*ny, aligned, row 0 north; NaN = no data */
  unsigned flags;
  double t_updated;    /* simulation time of the last update [s] */
} ct_field;

typedef struct ct_fields ct_fields;

ct_fields *ct_fields_new(const ct_grid *g);
void ct_fields_free(ct_fields *f);
/* Adds a zero-filled field; an existing name is an error. */
ct_field *ct_fields_add(ct_fields *f, const char *name, const char *units,
                        const char *long_name, unsigned flags, ct_error *err);
ct_field *ct_fields_find(const ct_fields *f, const char *name);
int ct_fields_count(const ct_fields *f);
ct_field *ct_fields_at(const ct_fields *f, int k);

#endif
