/* view_testrun.h - a small run with known values for the viewer's tests:
 * 40 x 30 cells of 10 m (UTM 48N), a DEM sloping up to the east, land use
 * with a water strip, one road, and three snapshots 10 minutes apart of
 *   flood.depth(t, i, j) = (t + 1) * 0.05 * (i % 10)   for rows j < 20,
 *                          0                            below,
 * so the run's range is [0, 1.35] m and every cell's value is known.
 * tr_make_opt varies it: another start, snapshot spacing, depths times a
 * factor, left "interrupted", or static layers only. */
#ifndef VIEW_TESTRUN_H
#define VIEW_TESTRUN_H

#include "citytwin/snapshot.h"
#include "citytwin/util.h"

#define TR_NX 40
#define TR_NY 30
#define TR_NT 3
#define TR_START "2026-09-15T14:00:00+07:00"

static inline double tr_depth(int t, int i, int j) {
  return j < 20 ? (t + 1) * 0.05 * (i % 10) : 0.0;
}

typedef struct tr_opts {
  const char *start;   /* ISO 8601 */
  double dt;           /* seconds between snapshots */
  double scale;        /* depth factor */
  int interrupted;     /* closed as not complete */
  int static_only;     /* no snapshots */
} tr_opts;

static inline int tr_make_opt(const char *path, const tr_opts *o, ct_error *err) {
  ct_grid g;
  int rc = ct_grid_init(&g, "EPSG:32648", 660000.0, 1520000.0,
                        660000.0 + 10.0 * TR_NX, 1520000.0 + 10.0 * TR_NY,
                        10.0, err);
  if (rc) return rc;
  ct_fields *fs = ct_fields_new(&g);
  ct_field *dem = fs ? ct_fields_add(fs, "layer.dem", "m", "Ground elevation",
                                     CT_FIELD_STATIC, err) : NULL;
  ct_field *lu = fs ? ct_fields_add(fs, "layer.landuse", "1", "Land use class",
                                    CT_FIELD_STATIC, err) : NULL;
  ct_field *d = fs ? ct_fields_add(fs, "flood.depth", "m", "Water depth", 0, err)
                   : NULL;
  double start = 0.0;
  int off = 0;
  ct_parse_iso8601(o->start, &start, &off);
  ct_snapshot_meta meta = {.title = "viewer test", .start_unix = start,
                           .utc_offset_s = off, .duration = 1200.0};
  ct_snapshot *s = NULL;
  if (!dem || !lu || !d) rc = CT_ENOMEM;
  if (!rc) rc = ct_snapshot_create(&s, path, &g, &meta, err);
  for (int j = 0; j < TR_NY && !rc; j++)
    for (int i = 0; i < TR_NX; i++) {
      dem->data[j * TR_NX + i] = (float)(2.0 + 0.05 * i);
      lu->data[j * TR_NX + i] = j >= 27 ? 5.0f : 2.0f;
    }
  if (!rc) rc = ct_snapshot_write_static(s, dem, err);
  if (!rc) rc = ct_snapshot_write_static(s, lu, err);
  if (!rc) {
    /* a road along row 24, west to east */
    double xy[4] = {660000.0, 1520000.0 + 10.0 * TR_NY - 245.0,
                    660000.0 + 10.0 * TR_NX, 1520000.0 + 10.0 * TR_NY - 245.0};
    int part[2] = {0, 2};
    ct_feature f = {.type = CT_GEOM_LINE, .npts = 2, .xy = xy, .nparts = 1,
                    .part = part};
    char vname[] = "roads";
    ct_vector v = {.name = vname, .nfeat = 1, .feat = &f};
    rc = ct_snapshot_write_lines(s, "roads", &v, err);
  }
  for (int t = 0; t < TR_NT && !rc && !o->static_only; t++) {
    for (int j = 0; j < TR_NY; j++)
      for (int i = 0; i < TR_NX; i++)
        d->data[j * TR_NX + i] = (float)(o->scale * tr_depth(t, i, j));
    rc = ct_snapshot_append(s, o->dt * t, &d, 1, err);
  }
  if (s) {
    int rc2 = ct_snapshot_close(s, !o->interrupted, err);
    if (!rc) rc = rc2;
  }
  ct_fields_free(fs);
  ct_grid_free(&g);
  return rc;
}

static inline int tr_make(const char *path, ct_error *err) {
  tr_opts o = {TR_START, 600.0, 1.0, 0, 0};
  return tr_make_opt(path, &o, err);
}

#endif
