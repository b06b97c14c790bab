/* restart.c - checkpoints in the run file, so that `citytwin run --resume`
 * can go on after a crash or kill -9: the models' state after the latest
 * snapshot in one of two slots (restart/a, restart/b) that are written in
 * turn, and reopening a run file to append after its last whole checkpoint.
 *
 * A slot is a group per model holding one byte dataset per state block
 * (unlimited and chunked, so a block may grow or shrink and a rewrite
 * reuses its storage). Its attributes: valid (0 while it is being written),
 * slices (the time slices of the file it follows) and time [s]. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/snapshot.h"
#include "io/io_internal.h"

#define BLOCK_CHUNK ((hsize_t)64 << 20)

static const char *const slot_name[2] = {"a", "b"};

static hid_t open_or_create(hid_t parent, const char *name) {
  htri_t e = H5Lexists(parent, name, H5P_DEFAULT);
  if (e < 0) return -1;
  return e ? H5Gopen2(parent, name, H5P_DEFAULT)
           : ct__group_create(parent, name);
}

/* Chunk of a new block dataset: its size (one chunk, no slack on disk for
 * the grid arrays), at least 4 KiB and at most BLOCK_CHUNK. A block that
 * starts empty (no vehicles yet) would otherwise get one-byte chunks, and
 * every rewrite would walk an index of millions of them as it grows. */
static hsize_t block_chunk(hsize_t bytes) {
  return bytes < 4096 ? 4096 : bytes > BLOCK_CHUNK ? BLOCK_CHUNK : bytes;
}

/* The chunk size of dataset ds, 0 if it cannot be read. */
static hsize_t chunk_of(hid_t ds) {
  hsize_t c = 0;
  hid_t dcpl = H5Dget_create_plist(ds);
  if (dcpl >= 0) {
    if (H5Pget_chunk(dcpl, 1, &c) != 1) c = 0;
    H5Pclose(dcpl);
  }
  return c;
}

/* Opens block dataset name in g, resized to bytes, or leaves *ds -1 where
 * it must be made anew: absent, or grown past 8 of its chunks (then it is
 * deleted; HDF5 reuses its space). */
static herr_t open_block(hid_t g, const char *name, hsize_t bytes, hid_t *ds) {
  *ds = -1;
  htri_t e = H5Lexists(g, name, H5P_DEFAULT);
  if (e <= 0) return e < 0 ? -1 : 0;
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
  if (d < 0) return -1;
  hsize_t c = chunk_of(d);
  if (c > 0 && (c >= BLOCK_CHUNK || bytes <= 8 * c)) {
    if (H5Dset_extent(d, &bytes) < 0) {
      H5Dclose(d);
      return -1;
    }
    *ds = d;
    return 0;
  }
  H5Dclose(d);
  return H5Ldelete(g, name, H5P_DEFAULT);
}

/* Writes one block into group g as dataset name, (re)sized to bytes. */
static herr_t write_block(hid_t g, const char *name, const void *data,
                          hsize_t bytes) {
  hid_t ds = -1;
  if (open_block(g, name, bytes, &ds) < 0) return -1;
  if (ds < 0) {
    hsize_t maxd = H5S_UNLIMITED, chunk = block_chunk(bytes);
    hid_t dcpl = ct__dcpl(), space = H5Screate_simple(1, &bytes, &maxd);
    const unsigned char zero = 0;
    /* Not deflated: even zlib's fastest level made the checkpoint most of
     * a small run's time, for a state that is a few grid arrays. A fill
     * value of our own, so a chunk's slack past the block is zeros on
     * disk, not whatever HDF5's buffer held. */
    if (dcpl >= 0 && space >= 0 && H5Pset_chunk(dcpl, 1, &chunk) >= 0 &&
        H5Pset_fill_value(dcpl, H5T_NATIVE_UCHAR, &zero) >= 0)
      ds = H5Dcreate2(g, name, H5T_STD_U8LE, space, H5P_DEFAULT, dcpl,
                      H5P_DEFAULT);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
  }
  if (ds < 0) return -1;
  herr_t h = bytes == 0 ? 0
             : H5Dwrite(ds, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                        data);
  /* Closing writes the chunks HDF5 still caches: a full disk shows here. */
  if (H5Dclose(ds) < 0) h = -1;
  return h;
}

static int write_slot(ct_snapshot *s, hid_t slot, const ct_state *st,
                      ct_error *err) {
  int n = ct_state_count(st);
  for (int k = 0; k < n; k++) {
    const char *name;
    const void *data;
    size_t bytes;
    ct_state_item(st, k, &name, &data, &bytes);
    const char *slash = strchr(name, '/');
    if (!slash || strchr(slash + 1, '/') || slash == name || !slash[1] ||
        slash - name >= 64)
      return ct_error_set(err, CT_EINTERNAL,
                          "state block name '%s' is not model/name", name);
    char model[64];
    memcpy(model, name, (size_t)(slash - name));
    model[slash - name] = '\0';
    hid_t g = open_or_create(slot, model);
    herr_t h = g < 0 ? -1 : write_block(g, slash + 1, data, (hsize_t)bytes);
    /* the error first: any HDF5 call (the close) clears HDF5's stack */
    int rc = h < 0 ? ct__h5_error(err, CT_EIO,
                                  "%s: cannot write the state block %s",
                                  s->path, name)
                   : CT_OK;
    if (g >= 0) H5Gclose(g);
    if (rc) return rc;
  }
  return CT_OK;
}

int ct_snapshot_write_state(ct_snapshot *s, const ct_state *st,
                            ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (s->broken)
    return ct_error_set(err, CT_EIO,
                        "%s: an earlier write failed; the file keeps the %d "
                        "snapshots written before it", s->path, s->nt);
  if (s->nt == 0)
    return ct_error_set(err, CT_EINVAL, "%s: a state follows a snapshot",
                        s->path);
  hid_t root = open_or_create(s->file, "restart");
  hid_t slot = root < 0 ? -1 : open_or_create(root, slot_name[s->state_slot]);
  int rc = CT_OK;
  /* Invalid on disk before any block changes: a kill from here on leaves
   * this slot refused and the other one whole. */
  if (slot < 0 || ct__attr_int(slot, "valid", 0) < 0 ||
      H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0)
    rc = ct__h5_error(err, CT_EIO, "%s: cannot write the checkpoint", s->path);
  if (!rc) rc = write_slot(s, slot, st, err);
  if (!rc && (ct__attr_int(slot, "slices", s->nt) < 0 ||
              ct__attr_double(slot, "time", s->last_t) < 0 ||
              ct__attr_int(slot, "valid", 1) < 0 ||
              H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0))
    rc = ct__h5_error(err, CT_EIO, "%s: cannot write the checkpoint", s->path);
  if (slot >= 0) H5Gclose(slot);
  if (root >= 0) H5Gclose(root);
  if (rc == CT_EIO || rc == CT_ENOSPC) s->broken = 1;
  if (!rc) s->state_slot ^= 1;
  return rc;
}

/* --- reading --- */

static double attr_num(hid_t obj, const char *name, double dflt) {
  double v;
  return H5Aexists(obj, name) > 0 && ct__attr_read_double(obj, name, &v) == 0
             ? v : dflt;
}

typedef struct visit {
  ct_state *st;
  const char *model;
  ct_error *err;
  int rc;
} visit;

static herr_t read_dataset(hid_t g, const char *name, const H5L_info_t *info,
                           void *ud) {
  visit *v = ud;
  (void)info;
  hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
  hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
  hsize_t n = 0;
  unsigned char *buf = NULL;
  if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1 &&
      H5Sget_simple_extent_dims(sp, &n, NULL) == 1 &&
      (buf = malloc(n ? (size_t)n : 1)) != NULL &&
      (n == 0 || H5Dread(ds, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                         buf) >= 0)) {
    char full[192];
    snprintf(full, sizeof full, "%s/%s", v->model, name);
    v->rc = ct_state_put(v->st, full, buf, (size_t)n, v->err);
  } else {
    v->rc = ct__h5_error(v->err, CT_EFORMAT, "cannot read state block %s/%s",
                         v->model, name);
  }
  free(buf);
  if (sp >= 0) H5Sclose(sp);
  if (ds >= 0) H5Dclose(ds);
  return v->rc ? -1 : 0;
}

static herr_t read_model(hid_t slot, const char *name, const H5L_info_t *info,
                         void *ud) {
  visit *v = ud;
  (void)info;
  hid_t g = H5Gopen2(slot, name, H5P_DEFAULT);
  if (g < 0) {
    v->rc = ct__h5_error(v->err, CT_EFORMAT, "cannot open state group %s",
                         name);
    return -1;
  }
  v->model = name;
  hsize_t idx = 0;
  H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, read_dataset, v);
  H5Gclose(g);
  return v->rc ? -1 : 0;
}

/* The whole slot with the most slices that the file still holds. */
static int pick_slot(hid_t file, hsize_t ntime, int *which, int *slices,
                     double *t) {
  *which = -1;
  for (int k = 0; k < 2; k++) {
    char path[32];
    snprintf(path, sizeof path, "restart/%s", slot_name[k]);
    if (H5Lexists(file, "restart", H5P_DEFAULT) <= 0 ||
        H5Lexists(file, path, H5P_DEFAULT) <= 0)
      continue;
    hid_t g = H5Gopen2(file, path, H5P_DEFAULT);
    if (g < 0) continue;
    int valid = (int)attr_num(g, "valid", 0);
    int n = (int)attr_num(g, "slices", 0);
    double tk = attr_num(g, "time", NAN);
    H5Gclose(g);
    if (valid == 1 && n > 0 && (hsize_t)n <= ntime && isfinite(tk) &&
        (*which < 0 || n > *slices)) {
      *which = k;
      *slices = n;
      *t = tk;
    }
  }
  return *which;
}

static hsize_t time_len(hid_t file) {
  hsize_t n = 0;
  hid_t ds = H5Dopen2(file, "time", H5P_DEFAULT);
  hid_t sp = ds >= 0 ? H5Dget_space(ds) : -1;
  if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 1 ||
      H5Sget_simple_extent_dims(sp, &n, NULL) != 1)
    n = 0;
  if (sp >= 0) H5Sclose(sp);
  if (ds >= 0) H5Dclose(ds);
  return n;
}

int ct_snapshot_read_state(const char *path, ct_state **out, double *t,
                           int *nslices, ct_error *err) {
  *out = NULL;
  ct__h5_quiet();
  if (H5Fis_hdf5(path) <= 0)
    return ct_error_set(err, CT_EFORMAT, "%s: not a readable HDF5 run file",
                        path);
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0)
    return ct__h5_error(err, CT_EFORMAT, "%s: cannot open the run file", path);
  int which, slices = 0, rc = CT_OK;
  if (pick_slot(file, time_len(file), &which, &slices, t) < 0) {
    H5Fclose(file);
    return ct_error_set(err, CT_EFORMAT,
                        "%s: holds no whole checkpoint (it was made with "
                        "[output] checkpoint = off or by a citytwin without "
                        "them, or killed before its first snapshot): it "
                        "cannot be resumed, run it again",
                        path);
  }
  ct_state *st = ct_state_new();
  char gpath[32];
  snprintf(gpath, sizeof gpath, "restart/%s", slot_name[which]);
  hid_t slot = st ? H5Gopen2(file, gpath, H5P_DEFAULT) : -1;
  if (!st) rc = ct_error_set(err, CT_ENOMEM, "out of memory");
  else if (slot < 0)
    rc = ct__h5_error(err, CT_EFORMAT, "%s: cannot open %s", path, gpath);
  else {
    visit v = {.st = st, .err = err};
    hsize_t idx = 0;
    if (H5Literate(slot, H5_INDEX_NAME, H5_ITER_INC, &idx, read_model, &v) < 0)
      rc = v.rc ? v.rc
                : ct__h5_error(err, CT_EFORMAT, "%s: cannot read %s", path,
                               gpath);
    if (rc) ct_error_prefix(err, "%s", path);
  }
  if (slot >= 0) H5Gclose(slot);
  H5Fclose(file);
  if (rc) {
    ct_state_free(st);
    return rc;
  }
  ct_state_set_restoring(st, 1);
  *out = st;
  *nslices = slices;
  return CT_OK;
}

/* --- reopening for append --- */

static herr_t cut(hid_t ds, int rank, hsize_t nkeep) {
  hid_t sp = H5Dget_space(ds);
  hsize_t dims[3];
  int r = sp >= 0 ? H5Sget_simple_extent_dims(sp, dims, NULL) : -1;
  if (sp >= 0) H5Sclose(sp);
  if (r != rank) return -1;
  dims[0] = nkeep;
  return H5Dset_extent(ds, dims);
}

/* Is dataset ds attached to the time axis as its first dimension? */
static int timed(hid_t ds, hid_t time_ds) {
  return H5DSis_attached(ds, time_ds, 0) > 0;
}

typedef struct reopen_ctx {
  ct_snapshot *s;
  hsize_t nkeep;
  const char *group; /* NULL at the root */
  hid_t g;
  int failed;
} reopen_ctx;

static herr_t add_row(hid_t g, const char *name, const H5L_info_t *info,
                      void *ud);

static herr_t scan(hid_t loc, const char *name, const H5L_info_t *info,
                   void *ud) {
  reopen_ctx *c = ud;
  ct_snapshot *s = c->s;
  (void)info;
  hid_t obj = H5Oopen(loc, name, H5P_DEFAULT);
  if (obj < 0) return -1;
  H5I_type_t type = H5Iget_type(obj);
  H5Oclose(obj);
  if (type == H5I_GROUP) {
    if (!strcmp(name, "restart") || !strcmp(name, "vectors")) return 0;
    sgroup *ng = realloc(s->groups, (size_t)(s->ngroups + 1) * sizeof *ng);
    if (!ng) return -1;
    s->groups = ng;
    sgroup *gr = &ng[s->ngroups++];
    memset(gr, 0, sizeof *gr);
    snprintf(gr->name, sizeof gr->name, "%s", name);
    gr->item_dim = -1;
    gr->g = H5Gopen2(loc, name, H5P_DEFAULT);
    char dim[80];
    snprintf(dim, sizeof dim, "%s_item", name);
    if (gr->g < 0) return -1;
    if (H5Lexists(gr->g, dim, H5P_DEFAULT) > 0)
      gr->item_dim = H5Dopen2(gr->g, dim, H5P_DEFAULT);
    reopen_ctx sub = {.s = s, .nkeep = c->nkeep, .group = gr->name,
                      .g = gr->g};
    hsize_t idx = 0;
    int before = s->nrows;
    if (H5Literate(gr->g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, add_row,
                   &sub) < 0 || sub.failed)
      return -1;
    if (s->nrows > before) gr->n = s->rows[s->nrows - 1].n; /* its items */
    return 0;
  }
  if (type != H5I_DATASET || !strcmp(name, "time")) return 0;
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  if (ds < 0) return -1;
  if (!timed(ds, s->time_ds)) {
    H5Dclose(ds);
    return 0;
  }
  svar *nv = realloc(s->vars, (size_t)(s->nvars + 1) * sizeof *nv);
  if (!nv || cut(ds, 3, c->nkeep) < 0) {
    if (nv) s->vars = nv;
    H5Dclose(ds);
    return -1;
  }
  s->vars = nv;
  snprintf(nv[s->nvars].name, sizeof nv[s->nvars].name, "%s", name);
  nv[s->nvars++].ds = ds;
  return 0;
}

static herr_t add_row(hid_t g, const char *name, const H5L_info_t *info,
                      void *ud) {
  reopen_ctx *c = ud;
  ct_snapshot *s = c->s;
  (void)info;
  hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
  if (ds < 0) return -1;
  if (!timed(ds, s->time_ds)) {
    H5Dclose(ds);
    return 0;
  }
  hid_t sp = H5Dget_space(ds);
  hsize_t dims[2] = {0, 0};
  int ok = sp >= 0 && H5Sget_simple_extent_ndims(sp) == 2 &&
           H5Sget_simple_extent_dims(sp, dims, NULL) == 2;
  if (sp >= 0) H5Sclose(sp);
  srow *nr = realloc(s->rows, (size_t)(s->nrows + 1) * sizeof *nr);
  if (nr) s->rows = nr;
  if (!ok || !nr || cut(ds, 2, c->nkeep) < 0) {
    H5Dclose(ds);
    c->failed = 1;
    return -1;
  }
  srow *r = &nr[s->nrows];
  memset(r, 0, sizeof *r);
  snprintf(r->group, sizeof r->group, "%s", c->group);
  snprintf(r->name, sizeof r->name, "%s", name);
  r->ds = ds;
  r->n = (int)dims[1];
  r->staged = malloc((size_t)r->n * sizeof *r->staged);
  s->nrows++;
  if (!r->staged) {
    c->failed = 1;
    return -1;
  }
  return 0;
}

int ct_snapshot_reopen(ct_snapshot **out, const char *path, int nkeep,
                       ct_error *err) {
  *out = NULL;
  H5dont_atexit();
  ct__h5_quiet();
  int busy = ct_snapshot_busy(path, err);
  if (busy) return busy;
  ct_snapshot *s = ct__snapshot_new(path);
  if (!s) return ct_error_set(err, CT_ENOMEM, "out of memory");
  hid_t fapl = ct__snapshot_fapl();
  if (fapl >= 0) s->file = H5Fopen(path, H5F_ACC_RDWR, fapl);
  if (fapl >= 0) H5Pclose(fapl);
  int rc = CT_OK;
  if (s->file < 0) {
    rc = ct__h5_error(err, CT_EIO, "%s: cannot open the run file to go on",
                      path);
    goto fail;
  }
  s->time_ds = H5Dopen2(s->file, "time", H5P_DEFAULT);
  s->y_ds = H5Dopen2(s->file, "y", H5P_DEFAULT);
  s->x_ds = H5Dopen2(s->file, "x", H5P_DEFAULT);
  hsize_t nt = time_len(s->file);
  hsize_t ny = 0, nx = 0;
  hid_t sy = s->y_ds >= 0 ? H5Dget_space(s->y_ds) : -1;
  hid_t sx = s->x_ds >= 0 ? H5Dget_space(s->x_ds) : -1;
  if (sy >= 0) H5Sget_simple_extent_dims(sy, &ny, NULL);
  if (sx >= 0) H5Sget_simple_extent_dims(sx, &nx, NULL);
  if (sy >= 0) H5Sclose(sy);
  if (sx >= 0) H5Sclose(sx);
  if (s->time_ds < 0 || nx == 0 || ny == 0 || nkeep < 1 ||
      (hsize_t)nkeep > nt) {
    rc = ct_error_set(err, CT_EFORMAT,
                      "%s: not a citytwin run with %d snapshots to go on from",
                      path, nkeep);
    goto fail;
  }
  s->nx = (int)nx;
  s->ny = (int)ny;
  s->cy = ct__chunk_len(s->ny);
  s->cx = ct__chunk_len(s->nx);
  {
    double *times = malloc((size_t)nt * sizeof *times);
    if (!times || H5Dread(s->time_ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                          H5P_DEFAULT, times) < 0) {
      free(times);
      rc = ct__h5_error(err, CT_EFORMAT, "%s: cannot read its times", path);
      goto fail;
    }
    s->last_t = times[nkeep - 1];
    free(times);
  }
  reopen_ctx c = {.s = s, .nkeep = (hsize_t)nkeep, .g = s->file};
  hsize_t idx = 0;
  if (H5Literate(s->file, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, scan, &c) < 0 ||
      c.failed || cut(s->time_ds, 1, (hsize_t)nkeep) < 0) {
    rc = ct__h5_error(err, CT_EIO, "%s: cannot cut it back to %d snapshots",
                      path, nkeep);
    goto fail;
  }
  s->nt = nkeep;
  s->have_vars = 1;
  /* The next checkpoint goes to the slot not being resumed from. */
  int which, slices = 0;
  double tk;
  s->state_slot = pick_slot(s->file, (hsize_t)nkeep, &which, &slices, &tk) == 0;
  if ((rc = ct__snapshot_alloc_chunks(s, s->nvars, err))) goto fail;
  if (ct__attr_text(s->file, "citytwin_status", "running") < 0 ||
      H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0) {
    rc = ct__h5_error(err, CT_EIO, "%s: cannot write", path);
    goto fail;
  }
  *out = s;
  return CT_OK;
fail:
  ct__snapshot_free(s);
  return rc;
}
