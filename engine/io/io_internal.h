/* io_internal.h - HDF5 helpers shared by the snapshot writer and reader:
 * netCDF-4 compatible text attributes, property lists with creation order,
 * and turning HDF5's error stack into a ct_error. */
#ifndef CT_IO_INTERNAL_H
#define CT_IO_INTERNAL_H

#include <hdf5.h>
#include <hdf5_hl.h>
#include <zlib.h>

#include "citytwin/error.h"
#include "citytwin/snapshot.h"

/* The marker netCDF-4 puts in the NAME attribute of a dimension scale that
 * is a dimension only (no coordinate values): netCDF readers then see a
 * plain dimension instead of a variable. */
#define CT__NC_DIM_ONLY "This is a netCDF dimension but not a netCDF variable."

/* H5Pset_file_locking: HDF5 1.10.7+ and 1.12.1+. */
#if H5_VERS_MAJOR > 1 || H5_VERS_MINOR > 12 ||                     \
    (H5_VERS_MINOR == 12 && H5_VERS_RELEASE >= 1) ||                \
    (H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 7)
#define CT__H5_FILE_LOCKING_API 1
#else
#define CT__H5_FILE_LOCKING_API 0
#endif

/* Silences HDF5's automatic error printing (the engine never prints) and,
 * called before any other HDF5 call, turns off its clean-up at exit. */
void ct__h5_quiet(void);
/* Fills err with msg plus the innermost HDF5 error description; a full disk
 * (errno ENOSPC/EFBIG during the call) becomes CT_ENOSPC. Returns the code. */
int ct__h5_error(ct_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Text attribute as netCDF writes NC_CHAR: fixed-length ASCII string of
 * exactly strlen(text) bytes, no NUL stored, scalar dataspace; an empty
 * string is a null dataspace. Replaces an existing attribute. */
herr_t ct__attr_text(hid_t obj, const char *name, const char *text);
herr_t ct__attr_double(hid_t obj, const char *name, double v);
herr_t ct__attr_int(hid_t obj, const char *name, int v);
herr_t ct__attr_float(hid_t obj, const char *name, float v);
/* Reads a text attribute (any string type) into a malloc'd NUL-terminated
 * string, or NULL when absent or not text. */
char *ct__attr_read_text(hid_t obj, const char *name);
/* Reads a numeric scalar attribute; 0 ok, -1 absent or not numeric. */
int ct__attr_read_double(hid_t obj, const char *name, double *v);

/* Dataset / group creation property lists with attribute (and link) creation
 * order tracked and indexed, as netCDF-4 requires. Caller closes. */
hid_t ct__dcpl(void);
hid_t ct__gcpl(void);
/* Creates a group with creation order tracked and indexed. */
hid_t ct__group_create(hid_t parent, const char *name);
/* A dimension-only scale of length n in loc (netCDF's way of naming a
 * dimension that has no coordinate variable). Returns the open dataset. */
hid_t ct__dim_only(hid_t loc, const char *name, hsize_t n);

/* --- the run file writer's state (snapshot_write.c, restart.c) --- */

typedef struct svar {     /* a time-varying (time, y, x) field */
  char name[64];
  hid_t ds;
} svar;

typedef struct srow {     /* a per-item table variable (time, group_item) */
  char group[64], name[64];
  hid_t ds;
  int n;
  float *staged;          /* the row waiting for the next slice */
  int has_staged;
} srow;

typedef struct sgroup {   /* a table group and its item dimension */
  char name[64];
  hid_t g, item_dim;
  int n;
} sgroup;

struct ct_snapshot {
  char *path;
  hid_t file, time_ds, y_ds, x_ds, crs_ds, vectors;
  int nx, ny;
  hsize_t cy, cx;
  int geographic;
  int nt;
  double last_t;
  svar *vars;
  int nvars;
  int have_vars;          /* set by the first append */
  srow *rows;
  int nrows;
  sgroup *groups;
  int ngroups;
  /* Parallel compression of time slices: one task per field and chunk,
   * each with its shuffled input and deflated output buffer. */
  int ncy, ncx;            /* chunks down and across */
  size_t chunk_bytes, bound;
  unsigned char *shuf, *comp;
  uLongf *csize;
  int *cstatus;
  int broken;              /* a write failed: keep the file as last flushed */
  int state_slot;          /* checkpoint slot the next state goes to (0, 1) */
};

/* An empty writer for path (no file open yet); NULL when out of memory. */
ct_snapshot *ct__snapshot_new(const char *path);
/* Allocates the parallel compression buffers for n time-varying fields. */
int ct__snapshot_alloc_chunks(ct_snapshot *s, int n, ct_error *err);
void ct__snapshot_free(ct_snapshot *s);
hid_t ct__snapshot_fapl(void);
/* Chunk edge for a grid axis of n cells (at most 256, tiling it evenly). */
hsize_t ct__chunk_len(int n);

#endif
