/* snapshot.h - the run file: HDF5 laid out so that netCDF-4 readers (GDAL,
 * QGIS, xarray, ncview) open it as CF: dimension scales time/y/x, a crs
 * grid-mapping variable, units and long_name on every field, static layers
 * once, time-varying fields per snapshot, flushed after each snapshot.
 * Writer for the run loop; reader for `citytwin info` and the viewer. */
#ifndef CITYTWIN_SNAPSHOT_H
#define CITYTWIN_SNAPSHOT_H

#include "citytwin/error.h"
#include "citytwin/field.h"
#include "citytwin/grid.h"
#include "citytwin/layers.h"
#include "citytwin/state.h"

/* --- writer --- */

typedef struct ct_snapshot_meta {
  const char *title;          /* scenario name */
  const char *scenario_text;  /* the scenario file verbatim */
  const char *scenario_path;
  double start_unix;
  int utc_offset_s;
  double duration;
  int ninputs;                /* input files and their SHA-256 */
  const char *const *input_names;
  const char *const *input_paths;
  const char *const *input_sha256;
} ct_snapshot_meta;

typedef struct ct_snapshot ct_snapshot;

/* CT_OK unless another process (or this one) is writing path: then an
 * error "another run is writing PATH". Nothing is changed. */
int ct_snapshot_busy(const char *path, ct_error *err);
/* Creates path (truncating), refused as ct_snapshot_busy refuses. Writes the
 * grid, CRS, coordinates, metadata and a status attribute "running". */
int ct_snapshot_create(ct_snapshot **s, const char *path, const ct_grid *g,
                       const ct_snapshot_meta *meta, ct_error *err);
/* A (y, x) variable written once (static layer or a run-end field). */
int ct_snapshot_write_static(ct_snapshot *s, const ct_field *f, ct_error *err);
/* Appends time slice t [s from start] holding the given fields (the same set
 * every call), then flushes the file. */
int ct_snapshot_append(ct_snapshot *s, double t, ct_field *const *fields,
                       int nfields, ct_error *err);
/* Line geometry (e.g. roads) for the viewer's overlay, stored once in the
 * group "vectors" as x, y and part-offset arrays. */
int ct_snapshot_write_lines(ct_snapshot *s, const char *name,
                            const ct_vector *v, ct_error *err);
/* One row of a per-item table at the latest time slice, e.g. traffic link
 * flows: variable group/name with dimensions (time, group_item) where the
 * item count n is fixed by the first call. The row is kept until the next
 * ct_snapshot_append and stored in the slice it creates (models write their
 * tables in write(), just before the run loop appends); rows given after the
 * last append go to the last slice at close. */
int ct_snapshot_write_row(ct_snapshot *s, const char *group, const char *name,
                          const char *units, const char *long_name, int n,
                          const float *values, ct_error *err);
/* Sets a global text attribute (e.g. the summary JSON at the end). */
int ct_snapshot_set_attr(ct_snapshot *s, const char *name, const char *text,
                         ct_error *err);
/* Closes the file; status becomes "complete" or "interrupted". Frees s. */
int ct_snapshot_close(ct_snapshot *s, int complete, ct_error *err);

/* --- checkpoints, for resuming a killed run ---
 * The file keeps the model state of its latest slices in two slots (groups
 * restart/a and restart/b), written in turn: a slot is marked invalid and
 * flushed, filled, then marked valid with its slice count and flushed, so a
 * run killed at any moment leaves at least one whole slot. */

/* Saves st as the state after the latest appended slice. */
int ct_snapshot_write_state(ct_snapshot *s, const ct_state *st, ct_error *err);
/* Reads the newest whole checkpoint of a run file: its store (restoring
 * mode), the time of its slice [s] and the number of slices it follows. A
 * file without one is CT_EFORMAT. */
int ct_snapshot_read_state(const char *path, ct_state **st, double *t,
                           int *nslices, ct_error *err);
/* Opens an existing run file to go on appending: cuts every time-varying
 * variable and table back to its first nkeep slices and sets the status to
 * "running". The fields appended next must be the ones it holds. */
int ct_snapshot_reopen(ct_snapshot **s, const char *path, int nkeep,
                       ct_error *err);

/* --- reader --- */

typedef struct ct_snapshot_var {
  char name[64];
  char units[32];
  char long_name[128];
  int is_static;        /* (y, x) rather than (time, y, x) */
} ct_snapshot_var;

typedef struct ct_reader ct_reader;

/* Opens a citytwin run read-only. A file that is not HDF5, is truncated, or
 * is not a citytwin run is CT_EFORMAT with a message saying which. */
int ct_reader_open(ct_reader **r, const char *path, ct_error *err);
void ct_reader_close(ct_reader *r);
/* Re-reads the number of time slices of a file still being written; sets
 * *grew when new ones arrived. */
int ct_reader_refresh(ct_reader *r, int *grew, ct_error *err);

const ct_grid *ct_reader_grid(const ct_reader *r);
int ct_reader_ntimes(const ct_reader *r);
double ct_reader_time(const ct_reader *r, int k);  /* [s from start] */
double ct_reader_start_unix(const ct_reader *r);
int ct_reader_utc_offset(const ct_reader *r);
int ct_reader_nvars(const ct_reader *r);
const ct_snapshot_var *ct_reader_var(const ct_reader *r, int k);
int ct_reader_find(const ct_reader *r, const char *name); /* index or -1 */
/* Reads variable k at time index t (ignored for static ones) into out
 * (nx*ny floats). */
int ct_reader_read(ct_reader *r, int k, int t, float *out, ct_error *err);
/* Minimum and maximum over all times (NaN ignored). */
int ct_reader_range(ct_reader *r, int k, float *vmin, float *vmax,
                    ct_error *err);
/* Line geometry written by ct_snapshot_write_lines (malloc'd arrays). */
int ct_reader_lines(ct_reader *r, const char *name, int *npts, double **xy,
                    int *nparts, int **part, ct_error *err);
/* The layer feature each part of line layer `name` came from (malloc'd,
 * nparts of them), as ct_reader_lines orders the parts. */
int ct_reader_line_features(ct_reader *r, const char *name, int **feature,
                            int *nparts, ct_error *err);
/* The names of the run's line layers, ", "-separated (malloc'd; "" when
 * none), or NULL when out of memory. */
char *ct_reader_line_layers(ct_reader *r);
/* A global text attribute (malloc'd) or NULL. */
char *ct_reader_attr(const ct_reader *r, const char *name);

#endif
