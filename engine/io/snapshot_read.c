/* snapshot_read.c - the run file reader for `citytwin info` and the viewer:
 * grid and CRS back from the file, variables with units, slices, ranges,
 * line layers. Any file that is not a whole citytwin run is a CT_EFORMAT
 * error saying why, never a crash; a file still being written can be
 * re-read as it grows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "citytwin/snapshot.h"
#include "citytwin/util.h"
#include "io/io_internal.h"

typedef struct rvar {
  ct_snapshot_var v;
  hid_t ds;
  int range_nt;        /* slices folded into vmin/vmax so far; -1 none */
  float vmin, vmax;
} rvar;

/* What one opening of the file yields. */
typedef struct contents {
  hid_t file;
  ct_grid grid;
  int nt;
  double *times;
  rvar *vars;
  int nvars;
  double start_unix;
  int utc_offset_s;
} contents;

struct ct_reader {
  char *path;
  contents c;
  float *scratch;       /* one slice, for ranges */
};

static void contents_free(contents *c) {
  for (int k = 0; k < c->nvars; k++)
    if (c->vars[k].ds >= 0) H5Dclose(c->vars[k].ds);
  free(c->vars);
  free(c->times);
  free(c->grid.crs_wkt);
  if (c->file >= 0) H5Fclose(c->file);
  memset(c, 0, sizeof *c);
  c->file = -1;
}

/* HDF5 looks for its signature at 0, 512, 1024, 2048... (a user block may
 * come first). */
static int has_hdf5_signature(const char *path, long long size) {
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  FILE *fp = fopen(path, "rb");
  if (!fp) return 0;
  int found = 0;
  for (long long off = 0; !found && off + 8 <= size; off = off ? off * 2 : 512) {
    unsigned char b[8];
    if (fseeko(fp, (off_t)off, SEEK_SET) != 0 || fread(b, 1, 8, fp) != 8) break;
    found = memcmp(b, sig, 8) == 0;
  }
  fclose(fp);
  return found;
}

static hid_t open_file(const char *path, int locking) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = -1;
  if (fapl < 0) return -1;
  /* Same close degree as the writer: HDF5 refuses to open a file twice in
   * one process with different ones. */
  if (H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) goto done;
  /* The viewer replays runs still being written: the writer holds HDF5's
   * exclusive lock, so the reader must not ask for one. The second try
   * (locking) matches the writer's own settings, which HDF5 requires when
   * the writer is in this same process. */
#if CT__H5_FILE_LOCKING_API
  if (H5Pset_file_locking(fapl, locking ? 1 : 0, 1) < 0) goto done;
#else
  if (!locking) setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0);
#endif
  f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
done:
  H5Pclose(fapl);
  return f;
}

/* A 1-D double dataset read whole; returns its length or -1. */
static long long read_axis(hid_t file, const char *name, double **out) {
  *out = NULL;
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return -1;
  hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
  if (ds < 0) return -1;
  long long n = -1;
  hid_t sp = H5Dget_space(ds), ty = H5Dget_type(ds);
  hsize_t dim = 0;
  if (sp >= 0 && ty >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
      H5Sget_simple_extent_dims(sp, &dim, NULL) == 1 &&
      (H5Tget_class(ty) == H5T_FLOAT || H5Tget_class(ty) == H5T_INTEGER) &&
      dim < (hsize_t)1 << 31) {
    double *v = malloc((dim ? dim : 1) * sizeof *v);
    if (v && (dim == 0 || H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                  H5P_DEFAULT, v) >= 0)) {
      *out = v;
      n = (long long)dim;
    } else {
      free(v);
    }
  }
  if (sp >= 0) H5Sclose(sp);
  if (ty >= 0) H5Tclose(ty);
  H5Dclose(ds);
  return n;
}

/* Cell size and outer edge from regular cell-centre coordinates. */
static int axis_to_gt(const double *v, long long n, double fallback,
                      double *origin, double *step) {
  double d = n > 1 ? (v[n - 1] - v[0]) / (double)(n - 1) : fallback;
  if (!isfinite(d) || d == 0) return -1;
  for (long long k = 1; k < n; k++) {
    /* Coordinates are written as origin + (k + 0.5) d in double: any gap
     * beyond rounding means an irregular axis we cannot georeference. */
    if (fabs(v[k] - (v[0] + (double)k * d)) > 1e-6 * fabs(d)) return -1;
  }
  *step = d;
  *origin = v[0] - 0.5 * d;
  return 0;
}

static void copy_attr(hid_t ds, const char *name, char *dst, size_t n) {
  char *t = ct__attr_read_text(ds, name);
  snprintf(dst, n, "%s", t ? t : "");
  free(t);
}

/* Adds dataset name of the root group when it is a field on the grid:
 * float, (y, x) or (time, y, x). Returns -1 only when out of memory. */
static int scan_one(contents *c, const char *name) {
  if (!strcmp(name, "x") || !strcmp(name, "y") || !strcmp(name, "time") ||
      !strcmp(name, "crs") || strlen(name) >= sizeof c->vars[0].v.name)
    return 0;
  hid_t obj = H5Oopen(c->file, name, H5P_DEFAULT);
  if (obj < 0) return 0;
  if (H5Iget_type(obj) != H5I_DATASET) {
    H5Oclose(obj);
    return 0;
  }
  hid_t ds = obj;
  hid_t sp = H5Dget_space(ds), ty = H5Dget_type(ds);
  hsize_t d[3] = {0, 0, 0};
  int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
  int keep = ty >= 0 && H5Tget_class(ty) == H5T_FLOAT && (rank == 2 || rank == 3) &&
             H5Sget_simple_extent_dims(sp, d, NULL) == rank &&
             d[rank - 2] == (hsize_t)c->grid.ny && d[rank - 1] == (hsize_t)c->grid.nx;
  if (sp >= 0) H5Sclose(sp);
  if (ty >= 0) H5Tclose(ty);
  if (!keep) {
    H5Dclose(ds);
    return 0;
  }
  rvar *nv = realloc(c->vars, (size_t)(c->nvars + 1) * sizeof *nv);
  if (!nv) {
    H5Dclose(ds);
    return -1;
  }
  c->vars = nv;
  rvar *v = &nv[c->nvars++];
  memset(v, 0, sizeof *v);
  memcpy(v->v.name, name, strlen(name) + 1); /* length checked above */
  copy_attr(ds, "units", v->v.units, sizeof v->v.units);
  copy_attr(ds, "long_name", v->v.long_name, sizeof v->v.long_name);
  v->v.is_static = rank == 2;
  v->ds = ds;
  v->range_nt = -1;
  v->vmin = v->vmax = NAN;
  /* A slice counts once every field has it (a kill mid-append). */
  if (rank == 3 && (long long)d[0] < c->nt) c->nt = (int)d[0];
  return 0;
}

/* Root-group fields in the order they were written (netCDF's order), or by
 * name for a file without the creation-order index. */
static int scan_vars(contents *c) {
  H5G_info_t gi;
  if (H5Gget_info(c->file, &gi) < 0) return -2;
  H5_index_t order = H5_INDEX_CRT_ORDER;
  char name[256];
  if (H5Lget_name_by_idx(c->file, ".", order, H5_ITER_INC, 0, name,
                         sizeof name, H5P_DEFAULT) < 0) {
    H5Eclear2(H5E_DEFAULT);
    order = H5_INDEX_NAME;
  }
  for (hsize_t k = 0; k < gi.nlinks; k++) {
    ssize_t len = H5Lget_name_by_idx(c->file, ".", order, H5_ITER_INC, k, name,
                                     sizeof name, H5P_DEFAULT);
    if (len < 0) return -2;
    if ((size_t)len >= sizeof name) continue;
    if (scan_one(c, name) < 0) return -1;
  }
  return 0;
}

static int load(const char *path, int locking, contents *c, int *opened,
                ct_error *err) {
  memset(c, 0, sizeof *c);
  c->file = open_file(path, locking);
  *opened = c->file >= 0;
  if (c->file < 0)
    return ct__h5_error(err, CT_EFORMAT,
                        "%s: the HDF5 file cannot be opened: it is truncated "
                        "or damaged", path);
  hid_t f = c->file;
  int rc = CT_EFORMAT;
  char *ver = ct__attr_read_text(f, "citytwin_version");
  if (!ver) {
    rc = ct_error_set(err, CT_EFORMAT,
                 "%s: an HDF5 file, but not a citytwin run (no "
                 "citytwin_version attribute)", path);
    goto fail;
  }
  free(ver);
  double *x = NULL, *y = NULL;
  long long nx = read_axis(f, "x", &x), ny = read_axis(f, "y", &y);
  long long nt = read_axis(f, "time", &c->times);
  if (nx <= 0 || ny <= 0 || nt < 0 || nx > 1000000 || ny > 1000000) {
    free(x);
    free(y);
    rc = ct_error_set(err, CT_EFORMAT,
                 "%s: not a citytwin run (no usable x, y and time axes)", path);
    goto fail;
  }
  hid_t crs = H5Lexists(f, "crs", H5P_DEFAULT) > 0
                  ? H5Dopen2(f, "crs", H5P_DEFAULT) : -1;
  char *gt_text = NULL;
  if (crs >= 0) {
    c->grid.crs_wkt = ct__attr_read_text(crs, "crs_wkt");
    if (!c->grid.crs_wkt) c->grid.crs_wkt = ct__attr_read_text(crs, "spatial_ref");
    gt_text = ct__attr_read_text(crs, "GeoTransform");
    H5Dclose(crs);
  }
  double gtf[6] = {0, 0, 0, 0, 0, 0};
  int have_gt = gt_text && sscanf(gt_text, "%lf %lf %lf %lf %lf %lf", &gtf[0],
                                  &gtf[1], &gtf[2], &gtf[3], &gtf[4], &gtf[5]) == 6;
  free(gt_text);
  /* A one-cell axis has no spacing of its own: take the GeoTransform's, or
   * the other axis's (cells are square). */
  double fx = have_gt ? gtf[1] : ny > 1 ? -(y[ny - 1] - y[0]) / (double)(ny - 1) : NAN;
  double fy = have_gt ? gtf[5] : nx > 1 ? -(x[nx - 1] - x[0]) / (double)(nx - 1) : NAN;
  int bad = !c->grid.crs_wkt || axis_to_gt(x, nx, fx, &c->grid.gt[0], &c->grid.gt[1]) ||
            axis_to_gt(y, ny, fy, &c->grid.gt[3], &c->grid.gt[5]);
  free(x);
  free(y);
  if (bad) {
    rc = ct_error_set(err, CT_EFORMAT,
                 "%s: not a citytwin run (%s)", path,
                 !c->grid.crs_wkt ? "no crs variable with crs_wkt"
                                  : "x/y are not a regular grid");
    goto fail;
  }
  c->grid.nx = (int)nx;
  c->grid.ny = (int)ny;
  c->grid.dx = fabs(c->grid.gt[1]);
  c->nt = (int)nt;
  if (ct__attr_read_double(f, "start_unix", &c->start_unix) < 0) c->start_unix = NAN;
  double off = 0;
  if (ct__attr_read_double(f, "utc_offset_s", &off) == 0 && fabs(off) <= 86400)
    c->utc_offset_s = (int)off;
  int sc = scan_vars(c);
  if (sc == -1) {
    rc = ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
    goto fail;
  }
  if (sc < 0) {
    rc = ct__h5_error(err, CT_EFORMAT, "%s: cannot list the variables", path);
    goto fail;
  }
  return CT_OK;
fail:
  H5Eclear2(H5E_DEFAULT);
  contents_free(c);
  return rc;
}

int ct_reader_open(ct_reader **out, const char *path, ct_error *err) {
  *out = NULL;
  ct__h5_quiet();
  if (!path || !path[0])
    return ct_error_set(err, CT_EINVAL, "no run file given");
  struct stat st;
  if (stat(path, &st) != 0)
    return ct_error_set(err, CT_ENOENT, "%s: no such file", path);
  if (!S_ISREG(st.st_mode))
    return ct_error_set(err, CT_EFORMAT, "%s: not a regular file", path);
  if (!has_hdf5_signature(path, (long long)st.st_size))
    return ct_error_set(err, CT_EFORMAT,
                        "%s: not an HDF5 file (a citytwin run is "
                        "HDF5/netCDF-4)", path);
  ct_reader *r = calloc(1, sizeof *r);
  if (!r || !(r->path = strdup(path))) {
    free(r);
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  r->c.file = -1;
  int opened = 0;
  int rc = load(path, 0, &r->c, &opened, err);
  /* In the writer's own process HDF5 shares the open file, and insists the
   * locking setting matches the writer's. */
  if (rc && !opened) rc = load(path, 1, &r->c, &opened, err);
  if (!rc) {
    r->scratch = malloc(ct_grid_ncells(&r->c.grid) * sizeof *r->scratch);
    if (!r->scratch) rc = ct_error_set(err, CT_ENOMEM, "out of memory");
  }
  if (rc) {
    ct_reader_close(r);
    return rc;
  }
  *out = r;
  return CT_OK;
}

void ct_reader_close(ct_reader *r) {
  if (!r) return;
  contents_free(&r->c);
  free(r->scratch);
  free(r->path);
  free(r);
}

/* Closes the HDF5 handles of c, keeping what was read from them. */
static void contents_close_handles(contents *c) {
  for (int k = 0; k < c->nvars; k++) {
    if (c->vars[k].ds >= 0) H5Dclose(c->vars[k].ds);
    c->vars[k].ds = -1;
  }
  if (c->file >= 0) H5Fclose(c->file);
  c->file = -1;
}

int ct_reader_refresh(ct_reader *r, int *grew, ct_error *err) {
  if (grew) *grew = 0;
  if (!r) return ct_error_set(err, CT_EINVAL, "no run file open");
  /* HDF5 keeps one shared, cached copy of a file per process: only closing
   * it and opening again sees what the writer flushed since. */
  contents_close_handles(&r->c);
  contents n;
  int opened = 0, rc = CT_OK;
  /* The writer may be in the middle of a flush: one more try. */
  for (int attempt = 0; attempt < 2; attempt++) {
    rc = load(r->path, 0, &n, &opened, err);
    if (rc && !opened) rc = load(r->path, 1, &n, &opened, err);
    if (!rc) break;
  }
  if (rc) return rc; /* reads fail until a refresh succeeds */
  if (n.grid.nx != r->c.grid.nx || n.grid.ny != r->c.grid.ny) {
    contents_free(&n);
    return ct_error_set(err, CT_EFORMAT, "%s: the grid changed while reading",
                        r->path);
  }
  /* Keep the grid the caller may hold a pointer to, and computed ranges. */
  free(n.grid.crs_wkt);
  n.grid = r->c.grid;
  r->c.grid.crs_wkt = NULL;
  for (int k = 0; k < n.nvars; k++) {
    int o = ct_reader_find(r, n.vars[k].v.name);
    if (o < 0) continue;
    const rvar *ov = &r->c.vars[o];
    if (ov->v.is_static == n.vars[k].v.is_static && ov->range_nt <= n.nt) {
      n.vars[k].range_nt = ov->range_nt;
      n.vars[k].vmin = ov->vmin;
      n.vars[k].vmax = ov->vmax;
    }
  }
  int old_nt = r->c.nt;
  contents_free(&r->c);
  r->c = n;
  if (grew) *grew = r->c.nt > old_nt;
  return CT_OK;
}

const ct_grid *ct_reader_grid(const ct_reader *r) { return &r->c.grid; }
int ct_reader_ntimes(const ct_reader *r) { return r->c.nt; }
double ct_reader_time(const ct_reader *r, int k) {
  return k >= 0 && k < r->c.nt ? r->c.times[k] : NAN;
}
double ct_reader_start_unix(const ct_reader *r) { return r->c.start_unix; }
int ct_reader_utc_offset(const ct_reader *r) { return r->c.utc_offset_s; }
int ct_reader_nvars(const ct_reader *r) { return r->c.nvars; }

const ct_snapshot_var *ct_reader_var(const ct_reader *r, int k) {
  return k >= 0 && k < r->c.nvars ? &r->c.vars[k].v : NULL;
}

int ct_reader_find(const ct_reader *r, const char *name) {
  for (int k = 0; name && k < r->c.nvars; k++)
    if (!strcmp(r->c.vars[k].v.name, name)) return k;
  return -1;
}

int ct_reader_read(ct_reader *r, int k, int t, float *out, ct_error *err) {
  if (!r || k < 0 || k >= r->c.nvars || !out)
    return ct_error_set(err, CT_EINVAL, "no variable %d in the run file", k);
  const rvar *v = &r->c.vars[k];
  const ct_grid *g = &r->c.grid;
  if (v->ds < 0)
    return ct_error_set(err, CT_EIO, "%s: the file could not be re-read; "
                        "refresh again", r->path);
  if (!v->v.is_static && (t < 0 || t >= r->c.nt))
    return ct_error_set(err, CT_ERANGE, "%s: %s has no time index %d (0..%d)",
                        r->path, v->v.name, t, r->c.nt - 1);
  int rank = v->v.is_static ? 2 : 3;
  hsize_t start[3] = {(hsize_t)t, 0, 0};
  hsize_t count[3] = {1, (hsize_t)g->ny, (hsize_t)g->nx};
  hid_t fs = H5Dget_space(v->ds), ms = H5Screate_simple(rank, count + 3 - rank, NULL);
  herr_t h = -1;
  if (fs >= 0 && ms >= 0 &&
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, start + 3 - rank, NULL,
                          count + 3 - rank, NULL) >= 0)
    h = H5Dread(v->ds, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, out);
  if (fs >= 0) H5Sclose(fs);
  if (ms >= 0) H5Sclose(ms);
  if (h < 0)
    return ct__h5_error(err, CT_EFORMAT, "%s: cannot read %s at time index %d",
                        r->path, v->v.name, t);
  return CT_OK;
}

static void fold_range(const float *a, size_t n, float *vmin, float *vmax) {
  float lo = *vmin, hi = *vmax;
  for (size_t k = 0; k < n; k++) {
    float x = a[k];
    if (isnan(x)) continue;
    if (isnan(lo) || x < lo) lo = x;
    if (isnan(hi) || x > hi) hi = x;
  }
  *vmin = lo;
  *vmax = hi;
}

int ct_reader_range(ct_reader *r, int k, float *vmin, float *vmax,
                    ct_error *err) {
  if (!r || k < 0 || k >= r->c.nvars)
    return ct_error_set(err, CT_EINVAL, "no variable %d in the run file", k);
  rvar *v = &r->c.vars[k];
  size_t n = ct_grid_ncells(&r->c.grid);
  /* Cached, and extended only by the slices that arrived since. */
  int want = v->v.is_static ? 1 : r->c.nt;
  int from = v->range_nt < 0 ? 0 : v->range_nt;
  for (int t = from; t < want; t++) {
    int rc = ct_reader_read(r, k, t, r->scratch, err);
    if (rc) return rc;
    fold_range(r->scratch, n, &v->vmin, &v->vmax);
    v->range_nt = t + 1;
  }
  if (v->range_nt < 0) v->range_nt = 0;
  if (vmin) *vmin = v->vmin;
  if (vmax) *vmax = v->vmax;
  return CT_OK;
}

/* The group of line layer name (CT_ENOENT when the run has none). */
static int open_lines(ct_reader *r, const char *name, hid_t *g, ct_error *err) {
  char gpath[160];
  if (!r || !name || !name[0] || strchr(name, '/') || strlen(name) > 100)
    return ct_error_set(err, CT_EINVAL, "bad line layer name");
  snprintf(gpath, sizeof gpath, "vectors/%s", name);
  if (H5Lexists(r->c.file, "vectors", H5P_DEFAULT) <= 0 ||
      H5Lexists(r->c.file, gpath, H5P_DEFAULT) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return ct_error_set(err, CT_ENOENT, "%s: no line layer %s", r->path, name);
  }
  *g = H5Gopen2(r->c.file, gpath, H5P_DEFAULT);
  if (*g < 0)
    return ct__h5_error(err, CT_EFORMAT, "%s: cannot open %s", r->path, gpath);
  return CT_OK;
}

int ct_reader_lines(ct_reader *r, const char *name, int *npts, double **xy,
                    int *nparts, int **part, ct_error *err) {
  *npts = *nparts = 0;
  *xy = NULL;
  *part = NULL;
  hid_t g;
  int orc = open_lines(r, name, &g, err);
  if (orc) return orc;
  double *x = NULL, *y = NULL, *p = NULL;
  long long n = read_axis(g, "x", &x), ny = read_axis(g, "y", &y);
  long long np = read_axis(g, "offset", &p);
  H5Gclose(g);
  int rc = CT_OK;
  int ok = n > 0 && ny == n && np >= 2 && p[0] == 0 && p[np - 1] == (double)n;
  for (long long k = 1; ok && k < np; k++) ok = p[k] > p[k - 1];
  if (!ok) {
    rc = ct_error_set(err, CT_EFORMAT, "%s: line layer %s is damaged", r->path,
                      name);
    goto done;
  }
  *xy = malloc((size_t)n * 2 * sizeof **xy);
  *part = malloc((size_t)np * sizeof **part);
  if (!*xy || !*part) {
    free(*xy);
    free(*part);
    *xy = NULL;
    *part = NULL;
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto done;
  }
  for (long long k = 0; k < n; k++) {
    (*xy)[2 * k] = x[k];
    (*xy)[2 * k + 1] = y[k];
  }
  for (long long k = 0; k < np; k++) (*part)[k] = (int)p[k];
  *npts = (int)n;
  *nparts = (int)(np - 1);
done:
  free(x);
  free(y);
  free(p);
  return rc;
}

int ct_reader_line_features(ct_reader *r, const char *name, int **feature,
                            int *nparts, ct_error *err) {
  *feature = NULL;
  *nparts = 0;
  hid_t g;
  int orc = open_lines(r, name, &g, err);
  if (orc) return orc;
  double *f = NULL;
  long long n = read_axis(g, "feature", &f);
  H5Gclose(g);
  int ok = n > 0;
  for (long long k = 0; ok && k < n; k++) ok = f[k] >= 0 && f[k] < 2e9;
  int rc = CT_OK;
  if (!ok) {
    H5Eclear2(H5E_DEFAULT);
    rc = ct_error_set(err, CT_EFORMAT, "%s: line layer %s is damaged", r->path,
                      name);
  } else if (!(*feature = malloc((size_t)n * sizeof **feature))) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
  } else {
    for (long long k = 0; k < n; k++) (*feature)[k] = (int)f[k];
    *nparts = (int)n;
  }
  free(f);
  return rc;
}

static herr_t add_name(hid_t g, const char *name, const H5L_info_t *info,
                       void *ud) {
  (void)g;
  (void)info;
  ct_json *list = ud; /* a growing string */
  if (list->len) ct_json_raw(list, NULL, ", ");
  ct_json_raw(list, NULL, name);
  return 0;
}

char *ct_reader_line_layers(ct_reader *r) {
  ct_json list;
  ct_json_init(&list);
  ct_json_raw(&list, NULL, "");
  if (r && H5Lexists(r->c.file, "vectors", H5P_DEFAULT) > 0) {
    hid_t g = H5Gopen2(r->c.file, "vectors", H5P_DEFAULT);
    hsize_t idx = 0;
    if (g >= 0) {
      H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, add_name, &list);
      H5Gclose(g);
    }
  }
  H5Eclear2(H5E_DEFAULT);
  if (list.oom) {
    ct_json_free(&list);
    return NULL;
  }
  return list.buf; /* the caller frees it */
}

char *ct_reader_attr(const ct_reader *r, const char *name) {
  if (!r || !name) return NULL;
  char *t = ct__attr_read_text(r->c.file, name);
  H5Eclear2(H5E_DEFAULT);
  return t;
}
