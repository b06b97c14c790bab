/* snapshot_write.c - the run file writer: HDF5 laid out as netCDF-4/CF
 * (Unidata netCDF-4 format spec; CF conventions 1.8) so GDAL's netCDF driver,
 * QGIS, xarray and ncdump open it as it is. Each snapshot is flushed, so a
 * run killed after N snapshots leaves N readable ones; after a failed write
 * (disk full) nothing more reaches the file, so it keeps those it had.
 * Time slices are compressed in parallel (OpenMP over chunks) and handed to
 * HDF5 as finished chunks: the writing stays a small share of a run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cpl_error.h>
#include <ogr_srs_api.h>
#include <zlib.h>

#include "citytwin/snapshot.h"
#include "io/io_internal.h"

#ifndef CT_VERSION
#define CT_VERSION "unknown"
#endif

#define DEFLATE_LEVEL 4   /* zlib's speed/size knee for float fields */
#define TIME_CHUNK 512    /* time values per chunk of the unlimited axis */
#define ROW_CHUNK_MAX 262144

/* Time slices are shuffled and deflated here, in parallel, and written with
 * H5Dwrite_chunk; that needs the host's floats in the file's byte order
 * (little-endian). Elsewhere HDF5's own (serial) filter pipeline does it. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    (H5_VERS_MAJOR > 1 || H5_VERS_MINOR > 10 ||                            \
     (H5_VERS_MINOR == 10 && H5_VERS_RELEASE >= 3))
#define PACK_OURSELVES 1
#else
#define PACK_OURSELVES 0
#endif

/* Chunks of at most 256 x 256 cells that tile the grid evenly, so GDAL's
 * block reads and the viewer's slice reads decompress little extra. */
hsize_t ct__chunk_len(int n) {
  int parts = (n + 255) / 256;
  return (hsize_t)((n + parts - 1) / parts);
}

static int name_ok(const char *name) {
  return name && name[0] && strlen(name) < 64 && !strchr(name, '/') &&
         strcmp(name, ".") != 0;
}

static void iso_utc(double unix_time, char *buf, size_t n) {
  time_t tt = (time_t)floor(unix_time);
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void iso_local(double unix_time, int off, char *buf, size_t n) {
  time_t tt = (time_t)floor(unix_time) + off;
  struct tm tm;
  gmtime_r(&tt, &tm);
  char day[40];
  strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
  int a = off < 0 ? -off : off;
  snprintf(buf, n, "%s%c%02d:%02d", day, off < 0 ? '-' : '+', a / 3600,
           (a / 60) % 60);
}

/* CF grid-mapping attributes for the CRSs our cities use (UTM and other
 * transverse Mercator, geographic); GDAL reads crs_wkt/spatial_ref for all
 * others. Also tells whether coordinates are degrees. */
static int crs_attrs(hid_t crs, const char *wkt, int *geographic,
                     char *xunits, size_t nunits, ct_error *err) {
  CPLPushErrorHandler(CPLQuietErrorHandler);
  OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
  char *p = (char *)wkt;
  int ok = srs && OSRImportFromWkt(srs, &p) == OGRERR_NONE;
  CPLPopErrorHandler();
  if (!ok) {
    if (srs) OSRDestroySpatialReference(srs);
    return ct_error_set(err, CT_ECRS, "the grid's CRS is not valid WKT");
  }
  herr_t h = 0;
  *geographic = OSRIsGeographic(srs);
  snprintf(xunits, nunits, "m");
  double a = OSRGetSemiMajor(srs, NULL), invf = OSRGetInvFlattening(srs, NULL);
  if (*geographic) {
    h |= ct__attr_text(crs, "grid_mapping_name", "latitude_longitude");
  } else if (OSRIsProjected(srs)) {
    char *uname = NULL;
    double f = OSRGetLinearUnits(srs, &uname);
    if (fabs(f - 1.0) > 1e-12 && uname) snprintf(xunits, nunits, "%s", uname);
    const char *proj = OSRGetAttrValue(srs, "PROJECTION", 0);
    if (proj && strcmp(proj, SRS_PT_TRANSVERSE_MERCATOR) == 0) {
      h |= ct__attr_text(crs, "grid_mapping_name", "transverse_mercator");
      h |= ct__attr_double(crs, "longitude_of_central_meridian",
                           OSRGetProjParm(srs, SRS_PP_CENTRAL_MERIDIAN, 0, NULL));
      h |= ct__attr_double(crs, "latitude_of_projection_origin",
                           OSRGetProjParm(srs, SRS_PP_LATITUDE_OF_ORIGIN, 0, NULL));
      h |= ct__attr_double(crs, "scale_factor_at_central_meridian",
                           OSRGetProjParm(srs, SRS_PP_SCALE_FACTOR, 1, NULL));
      h |= ct__attr_double(crs, "false_easting",
                           OSRGetProjParm(srs, SRS_PP_FALSE_EASTING, 0, NULL));
      h |= ct__attr_double(crs, "false_northing",
                           OSRGetProjParm(srs, SRS_PP_FALSE_NORTHING, 0, NULL));
    }
  }
  if (a > 0) {
    h |= ct__attr_double(crs, "semi_major_axis", a);
    h |= ct__attr_double(crs, "inverse_flattening", invf);
    h |= ct__attr_double(crs, "longitude_of_prime_meridian", 0.0);
  }
  OSRDestroySpatialReference(srs);
  if (h < 0) return ct__h5_error(err, CT_EIO, "cannot write the crs variable");
  return CT_OK;
}

/* A 1-D double coordinate variable and dimension scale named name. */
static hid_t coord_create(hid_t file, const char *name, int n,
                          const double *v, const char *units,
                          const char *std_name, const char *long_name,
                          const char *axis) {
  hsize_t dim = (hsize_t)n;
  hid_t dcpl = ct__dcpl(), space = H5Screate_simple(1, &dim, NULL), ds = -1;
  if (dcpl < 0 || space < 0) goto done;
  ds = H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl,
                  H5P_DEFAULT);
  if (ds < 0) goto done;
  if (H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 ||
      H5DSset_scale(ds, name) < 0 || ct__attr_text(ds, "units", units) < 0 ||
      ct__attr_text(ds, "standard_name", std_name) < 0 ||
      ct__attr_text(ds, "long_name", long_name) < 0 ||
      ct__attr_text(ds, "axis", axis) < 0) {
    H5Dclose(ds);
    ds = -1;
  }
done:
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  return ds;
}

static int write_globals(ct_snapshot *s, const ct_snapshot_meta *m,
                         ct_error *err) {
  hid_t f = s->file;
  char buf[96];
  herr_t h = 0;
  h |= ct__attr_text(f, "Conventions", "CF-1.8");
  h |= ct__attr_text(f, "title", m->title ? m->title : "");
  h |= ct__attr_text(f, "source", "citytwin " CT_VERSION);
  h |= ct__attr_text(f, "citytwin_version", CT_VERSION);
  h |= ct__attr_text(f, "citytwin_status", "running");
  iso_utc((double)time(NULL), buf, sizeof buf);
  h |= ct__attr_text(f, "date_created", buf);
  iso_local(m->start_unix, m->utc_offset_s, buf, sizeof buf);
  h |= ct__attr_text(f, "start_time", buf);
  h |= ct__attr_double(f, "start_unix", m->start_unix);
  h |= ct__attr_int(f, "utc_offset_s", m->utc_offset_s);
  h |= ct__attr_double(f, "duration_s", m->duration);
  h |= ct__attr_text(f, "scenario", m->scenario_text ? m->scenario_text : "");
  h |= ct__attr_text(f, "scenario_path", m->scenario_path ? m->scenario_path : "");
  if (h < 0) return ct__h5_error(err, CT_EIO, "cannot write the attributes of %s", s->path);
  for (int k = 0; k < m->ninputs; k++) {
    const char *nm = m->input_names ? m->input_names[k] : NULL;
    const char *path = m->input_paths ? m->input_paths[k] : NULL;
    const char *sha = m->input_sha256 ? m->input_sha256[k] : NULL;
    if (!nm || !nm[0] || strlen(nm) > 200)
      return ct_error_set(err, CT_EINVAL, "input %d has no usable name", k + 1);
    char an[256];
    snprintf(an, sizeof an, "input.%s", nm);
    size_t len = strlen(path ? path : "") + strlen(sha ? sha : "") + 16;
    char *val = malloc(len);
    if (!val) return ct_error_set(err, CT_ENOMEM, "out of memory");
    snprintf(val, len, "%s sha256:%s", path ? path : "", sha ? sha : "");
    h = ct__attr_text(f, an, val);
    free(val);
    if (h < 0) return ct__h5_error(err, CT_EIO, "cannot write attribute %s of %s", an, s->path);
  }
  return CT_OK;
}

static int write_axes(ct_snapshot *s, const ct_grid *g, const ct_snapshot_meta *m,
                      ct_error *err) {
  char xunits[64];
  /* The crs variable first: crs_attrs also tells whether axes are degrees. */
  hid_t dcpl = ct__dcpl(), space = H5Screate(H5S_SCALAR);
  if (dcpl >= 0 && space >= 0)
    s->crs_ds = H5Dcreate2(s->file, "crs", H5T_STD_I32LE, space, H5P_DEFAULT,
                           dcpl, H5P_DEFAULT);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  int zero = 0;
  if (s->crs_ds < 0 ||
      H5Dwrite(s->crs_ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &zero) < 0)
    return ct__h5_error(err, CT_EIO, "cannot create the crs variable in %s", s->path);
  int rc = crs_attrs(s->crs_ds, g->crs_wkt, &s->geographic, xunits,
                     sizeof xunits, err);
  if (rc) return rc;
  char gt[256];
  snprintf(gt, sizeof gt, "%.17g %.17g %.17g %.17g %.17g %.17g", g->gt[0],
           g->gt[1], g->gt[2], g->gt[3], g->gt[4], g->gt[5]);
  if (ct__attr_text(s->crs_ds, "crs_wkt", g->crs_wkt) < 0 ||
      ct__attr_text(s->crs_ds, "spatial_ref", g->crs_wkt) < 0 ||
      ct__attr_text(s->crs_ds, "GeoTransform", gt) < 0)
    return ct__h5_error(err, CT_EIO, "cannot write the crs variable of %s", s->path);

  /* Time: unlimited, chunked, CF units relative to the start in UTC. */
  hsize_t zero_dim = 0, unl = H5S_UNLIMITED, tchunk = TIME_CHUNK;
  dcpl = ct__dcpl();
  space = H5Screate_simple(1, &zero_dim, &unl);
  if (dcpl >= 0 && space >= 0 && H5Pset_chunk(dcpl, 1, &tchunk) >= 0)
    s->time_ds = H5Dcreate2(s->file, "time", H5T_IEEE_F64LE, space,
                            H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  char units[96], day[64];
  iso_utc(m->start_unix, day, sizeof day);
  snprintf(units, sizeof units, "seconds since %s", day);
  if (s->time_ds < 0 || H5DSset_scale(s->time_ds, "time") < 0 ||
      ct__attr_text(s->time_ds, "units", units) < 0 ||
      ct__attr_text(s->time_ds, "calendar", "standard") < 0 ||
      ct__attr_text(s->time_ds, "standard_name", "time") < 0 ||
      ct__attr_text(s->time_ds, "long_name", "time") < 0 ||
      ct__attr_text(s->time_ds, "axis", "T") < 0)
    return ct__h5_error(err, CT_EIO, "cannot create the time axis in %s", s->path);

  int n = s->nx > s->ny ? s->nx : s->ny;
  double *v = malloc((size_t)n * sizeof *v);
  if (!v) return ct_error_set(err, CT_ENOMEM, "out of memory");
  for (int j = 0; j < s->ny; j++) v[j] = g->gt[3] + (j + 0.5) * g->gt[5];
  s->y_ds = coord_create(s->file, "y", s->ny, v,
                         s->geographic ? "degrees_north" : xunits,
                         s->geographic ? "latitude" : "projection_y_coordinate",
                         s->geographic ? "latitude" : "y coordinate of cell centre",
                         "Y");
  for (int i = 0; i < s->nx; i++) v[i] = g->gt[0] + (i + 0.5) * g->gt[1];
  s->x_ds = coord_create(s->file, "x", s->nx, v,
                         s->geographic ? "degrees_east" : xunits,
                         s->geographic ? "longitude" : "projection_x_coordinate",
                         s->geographic ? "longitude" : "x coordinate of cell centre",
                         "X");
  free(v);
  if (s->y_ds < 0 || s->x_ds < 0)
    return ct__h5_error(err, CT_EIO, "cannot create the x/y axes in %s", s->path);
  return CT_OK;
}

void ct__snapshot_free(ct_snapshot *s) {
  for (int k = 0; k < s->nvars; k++)
    if (s->vars[k].ds >= 0) H5Dclose(s->vars[k].ds);
  for (int k = 0; k < s->nrows; k++) {
    if (s->rows[k].ds >= 0) H5Dclose(s->rows[k].ds);
    free(s->rows[k].staged);
  }
  for (int k = 0; k < s->ngroups; k++) {
    if (s->groups[k].item_dim >= 0) H5Dclose(s->groups[k].item_dim);
    if (s->groups[k].g >= 0) H5Gclose(s->groups[k].g);
  }
  hid_t ids[] = {s->time_ds, s->y_ds, s->x_ds, s->crs_ds};
  for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
    if (ids[k] >= 0) H5Dclose(ids[k]);
  if (s->vectors >= 0) H5Gclose(s->vectors);
  if (s->file >= 0) H5Fclose(s->file);
  free(s->shuf);
  free(s->comp);
  free(s->csize);
  free(s->cstatus);
  free(s->vars);
  free(s->rows);
  free(s->groups);
  free(s->path);
  free(s);
}

/* Lock the file against other writers, but do not fail on file systems
 * without locks (some network mounts). */
static herr_t set_locking(hid_t fapl) {
#if CT__H5_FILE_LOCKING_API
  return H5Pset_file_locking(fapl, 1, 1);
#else
  (void)fapl;
  return 0;
#endif
}

ct_snapshot *ct__snapshot_new(const char *path) {
  ct_snapshot *s = calloc(1, sizeof *s);
  if (!s || !(s->path = strdup(path))) {
    free(s);
    return NULL;
  }
  s->file = s->time_ds = s->y_ds = s->x_ds = s->crs_ds = s->vectors = -1;
  s->last_t = -INFINITY;
  return s;
}

/* The format held to the 1.8 one (see ct_snapshot_create), strong close,
 * locking where the file system has it. */
hid_t ct__snapshot_fapl(void) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl >= 0 &&
      (H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18) < 0 ||
       H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0 ||
       set_locking(fapl) < 0)) {
    H5Pclose(fapl);
    return -1;
  }
  return fapl;
}

int ct_snapshot_busy(const char *path, ct_error *err) {
  /* O_NONBLOCK: a FIFO given as the output must not hang the probe */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return CT_OK; /* not there: nobody writes it */
  /* HDF5 holds an exclusive flock on a file it writes (file locking is on
   * in ct__snapshot_fapl); a lock of our own that fails means another
   * writer. File systems without locks answer otherwise and pass. Closing
   * the descriptor drops our lock before HDF5 takes its own. */
  int busy = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  if (busy)
    return ct_error_set(err, CT_EIO,
                        "%s is locked by another program: another run writing "
                        "it, or a reader (QGIS, xarray, h5py) holding it open; "
                        "close it or wait, or write elsewhere with --output",
                        path);
  return CT_OK;
}

int ct_snapshot_create(ct_snapshot **out, const char *path, const ct_grid *g,
                       const ct_snapshot_meta *meta, ct_error *err) {
  *out = NULL;
  /* No HDF5 clean-up at exit: after a failed write (disk full) the file's
   * handle is detached, and HDF5's atexit close of it would crash. The run
   * closes what it opened itself. */
  H5dont_atexit();
  if (!path || !path[0])
    return ct_error_set(err, CT_EINVAL, "snapshot file: no path given");
  /* Before H5Fcreate, which truncates the file before it asks for the
   * lock: another run's file would be destroyed under it. */
  int busy = ct_snapshot_busy(path, err);
  if (busy) return busy;
  if (!g || g->nx <= 0 || g->ny <= 0 || !g->crs_wkt || !g->crs_wkt[0] ||
      g->gt[2] != 0 || g->gt[4] != 0 || !(g->gt[1] > 0) || !(g->gt[5] < 0))
    return ct_error_set(err, CT_EINVAL,
                        "%s: the grid must be north-up with a CRS", path);
  ct_snapshot_meta empty = {0};
  if (!meta) meta = &empty;
  if (meta->ninputs < 0)
    return ct_error_set(err, CT_EINVAL, "%s: negative input count", path);
  ct__h5_quiet();

  ct_snapshot *s = ct__snapshot_new(path);
  if (!s) return ct_error_set(err, CT_ENOMEM, "out of memory");
  s->nx = g->nx;
  s->ny = g->ny;
  s->cy = ct__chunk_len(g->ny);
  s->cx = ct__chunk_len(g->nx);

  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0 ||
      H5Zfilter_avail(H5Z_FILTER_SHUFFLE) <= 0) {
    ct__snapshot_free(s);
    return ct_error_set(err, CT_EINTERNAL,
                        "this HDF5 library lacks the deflate/shuffle filters");
  }

  /* Creation order tracked and indexed on the file: netCDF-4 needs it. The
   * format is held to the 1.8 one (no v3 superblock): a v3 superblock marks
   * the file "open for writing", and a run killed mid-way would leave a file
   * that HDF5 refuses to open until h5clear is run on it. */
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = ct__snapshot_fapl();
  unsigned crt = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  if (fcpl >= 0 && fapl >= 0 && H5Pset_link_creation_order(fcpl, crt) >= 0 &&
      H5Pset_attr_creation_order(fcpl, crt) >= 0)
    s->file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (fapl >= 0) H5Pclose(fapl);
  if (s->file < 0) {
    int rc = ct__h5_error(err, CT_EIO, "cannot create the run file %s", path);
    ct__snapshot_free(s);
    return rc;
  }
  int rc = write_globals(s, meta, err);
  if (!rc) rc = write_axes(s, g, meta, err);
  if (!rc && H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0)
    rc = ct__h5_error(err, CT_EIO, "cannot write %s", path);
  if (rc) {
    /* A half-made file must not be left behind looking like a run. */
    ct__snapshot_free(s);
    unlink(path);
    return rc;
  }
  *out = s;
  return CT_OK;
}

/* A float32 field variable, (y, x) or (time, y, x), chunked one slice deep,
 * shuffled and deflated, NaN as the fill value (and _FillValue). */
static hid_t var_create(ct_snapshot *s, const char *name, const char *units,
                        const char *long_name, int timed) {
  int rank = timed ? 3 : 2;
  hsize_t dims[3], maxd[3], chunk[3];
  if (timed) {
    dims[0] = (hsize_t)s->nt;
    maxd[0] = H5S_UNLIMITED;
    chunk[0] = 1;
  }
  dims[rank - 2] = maxd[rank - 2] = (hsize_t)s->ny;
  dims[rank - 1] = maxd[rank - 1] = (hsize_t)s->nx;
  chunk[rank - 2] = s->cy;
  chunk[rank - 1] = s->cx;
  float fill = NAN;
  hid_t ds = -1, dcpl = ct__dcpl(), space = H5Screate_simple(rank, dims, maxd);
  if (dcpl < 0 || space < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0 ||
      H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, DEFLATE_LEVEL) < 0 ||
      H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &fill) < 0)
    goto done;
  ds = H5Dcreate2(s->file, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl,
                  H5P_DEFAULT);
  if (ds < 0) goto done;
  int d = 0;
  if (ct__attr_text(ds, "units", units) < 0 ||
      ct__attr_text(ds, "long_name", long_name) < 0 ||
      ct__attr_text(ds, "grid_mapping", "crs") < 0 ||
      ct__attr_float(ds, "_FillValue", fill) < 0 ||
      (timed && H5DSattach_scale(ds, s->time_ds, (unsigned)d++) < 0) ||
      H5DSattach_scale(ds, s->y_ds, (unsigned)d++) < 0 ||
      H5DSattach_scale(ds, s->x_ds, (unsigned)d) < 0) {
    H5Dclose(ds);
    H5Ldelete(s->file, name, H5P_DEFAULT);
    ds = -1;
  }
done:
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  return ds;
}

static int check_field(const ct_snapshot *s, const ct_field *f, ct_error *err) {
  if (!f || !f->data)
    return ct_error_set(err, CT_EINVAL, "%s: a field without data", s->path);
  if (!name_ok(f->name) || !strcmp(f->name, "x") || !strcmp(f->name, "y") ||
      !strcmp(f->name, "time") || !strcmp(f->name, "crs") ||
      !strcmp(f->name, "vectors"))
    return ct_error_set(err, CT_EINVAL, "%s: \"%s\" cannot be a variable name",
                        s->path, f->name);
  if (f->nx != s->nx || f->ny != s->ny)
    return ct_error_set(err, CT_EINVAL,
                        "%s: field %s is %d x %d, the grid is %d x %d",
                        s->path, f->name, f->nx, f->ny, s->nx, s->ny);
  return CT_OK;
}

static int write_static_impl(ct_snapshot *s, const ct_field *f, ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  int rc = check_field(s, f, err);
  if (rc) return rc;
  htri_t ex = H5Lexists(s->file, f->name, H5P_DEFAULT);
  if (ex != 0)
    return ct_error_set(err, CT_EINVAL, "%s: variable %s is already written",
                        s->path, f->name);
  hid_t ds = var_create(s, f->name, f->units, f->long_name, 0);
  if (ds < 0)
    return ct__h5_error(err, CT_EIO, "%s: cannot create variable %s", s->path,
                        f->name);
  herr_t h = H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                      f->data);
  H5Dclose(ds);
  if (h < 0 || H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0)
    return ct__h5_error(err, CT_EIO, "%s: cannot write variable %s", s->path,
                        f->name);
  return CT_OK;
}

static hid_t find_var(const ct_snapshot *s, const char *name) {
  for (int k = 0; k < s->nvars; k++)
    if (!strcmp(s->vars[k].name, name)) return s->vars[k].ds;
  return -1;
}

static int first_append(ct_snapshot *s, ct_field *const *fields, int n,
                        ct_error *err) {
  /* Names checked before anything is created, so a refused call leaves the
   * file as it was. */
  for (int k = 0; k < n; k++) {
    int dup = H5Lexists(s->file, fields[k]->name, H5P_DEFAULT) != 0;
    for (int q = 0; q < k && !dup; q++)
      dup = !strcmp(fields[q]->name, fields[k]->name);
    if (dup)
      return ct_error_set(err, CT_EINVAL,
                          "%s: field %s is given twice or is already static",
                          s->path, fields[k]->name);
  }
  s->vars = calloc(n > 0 ? (size_t)n : 1, sizeof *s->vars);
  if (!s->vars) return ct_error_set(err, CT_ENOMEM, "out of memory");
  for (int k = 0; k < n; k++) {
    const ct_field *f = fields[k];
    hid_t ds = var_create(s, f->name, f->units, f->long_name, 1);
    if (ds < 0)
      return ct__h5_error(err, CT_EIO, "%s: cannot create variable %s",
                          s->path, f->name);
    snprintf(s->vars[k].name, sizeof s->vars[k].name, "%s", f->name);
    s->vars[k].ds = ds;
    s->nvars = k + 1;
  }
  s->have_vars = 1;
  return ct__snapshot_alloc_chunks(s, n, err);
}

int ct__snapshot_alloc_chunks(ct_snapshot *s, int n, ct_error *err) {
  s->ncy = (int)(((hsize_t)s->ny + s->cy - 1) / s->cy);
  s->ncx = (int)(((hsize_t)s->nx + s->cx - 1) / s->cx);
  s->chunk_bytes = (size_t)(s->cy * s->cx) * sizeof(float);
  s->bound = compressBound((uLong)s->chunk_bytes);
  size_t ntask = (size_t)n * (size_t)s->ncy * (size_t)s->ncx;
  if (ntask > 0) {
    s->shuf = malloc(ntask * s->chunk_bytes);
    s->comp = malloc(ntask * s->bound);
    s->csize = malloc(ntask * sizeof *s->csize);
    s->cstatus = malloc(ntask * sizeof *s->cstatus);
    if (!s->shuf || !s->comp || !s->csize || !s->cstatus) {
      s->broken = 1; /* the variables exist but cannot be filled */
      return ct_error_set(err, CT_ENOMEM, "out of memory for %zu chunk buffers",
                          ntask);
    }
  }
  return CT_OK;
}

#if PACK_OURSELVES
/* Chunk (cj, ci) of a field as HDF5's shuffle filter lays it out (all first
 * bytes of the little-endian floats, then all second bytes, ...), padded
 * with the NaN fill beyond the grid's edge; then zlib-deflated as HDF5's
 * deflate filter does. The file then holds exactly what H5Dwrite would have
 * written through the filter pipeline. */
static int pack_chunk(const ct_snapshot *s, const float *data, int cj, int ci,
                      unsigned char *sh, unsigned char *out, uLongf *outlen) {
  size_t cy = (size_t)s->cy, cx = (size_t)s->cx, n = cy * cx;
  size_t y0 = (size_t)cj * cy, x0 = (size_t)ci * cx;
  const float nan = NAN;
  for (size_t r = 0; r < cy; r++) {
    size_t j = y0 + r;
    for (size_t c = 0; c < cx; c++) {
      size_t i = x0 + c, idx = r * cx + c;
      const float *v = (j < (size_t)s->ny && i < (size_t)s->nx)
                           ? &data[j * (size_t)s->nx + i] : &nan;
      unsigned char b[4];
      memcpy(b, v, 4);
      sh[idx] = b[0];
      sh[n + idx] = b[1];
      sh[2 * n + idx] = b[2];
      sh[3 * n + idx] = b[3];
    }
  }
  *outlen = (uLongf)s->bound;
  return compress2(out, outlen, sh, (uLong)(n * 4), DEFLATE_LEVEL) == Z_OK ? 0
                                                                         : -1;
}
#endif

/* Writes slice t of every field: chunks compressed in parallel (the costly
 * part), then handed to HDF5 one by one (it is not thread-safe). */
static int write_slices_parallel(ct_snapshot *s, int t, double time,
                                 ct_field *const *fields, int nfields,
                                 ct_error *err) {
#if PACK_OURSELVES
  int per = s->ncy * s->ncx, ntask = nfields * per;
  #pragma omp parallel for schedule(dynamic, 1)
  for (int k = 0; k < ntask; k++) {
    int fi = k / per, c = k % per;
    s->cstatus[k] = pack_chunk(s, fields[fi]->data, c / s->ncx, c % s->ncx,
                               s->shuf + (size_t)k * s->chunk_bytes,
                               s->comp + (size_t)k * s->bound, &s->csize[k]);
  }
  for (int k = 0; k < ntask; k++) {
    int fi = k / per, c = k % per;
    if (s->cstatus[k])
      return ct_error_set(err, CT_ENOMEM, "%s: zlib failed on %s", s->path,
                          fields[fi]->name);
    hsize_t off[3] = {(hsize_t)t, (hsize_t)(c / s->ncx) * s->cy,
                      (hsize_t)(c % s->ncx) * s->cx};
    if (H5Dwrite_chunk(find_var(s, fields[fi]->name), H5P_DEFAULT, 0, off,
                       (size_t)s->csize[k], s->comp + (size_t)k * s->bound) < 0)
      return ct__h5_error(err, CT_EIO, "%s: cannot write %s at t = %g s",
                          s->path, fields[fi]->name, time);
  }
#else
  (void)s; (void)t; (void)time; (void)fields; (void)nfields; (void)err;
#endif
  return CT_OK;
}

/* Writes a (ny, nx) slice at index t of a (time, y, x) dataset that already
 * has room for it. */
static herr_t write_slice(const ct_snapshot *s, hid_t ds, int t,
                          const float *data) {
  hsize_t start[3] = {(hsize_t)t, 0, 0};
  hsize_t count[3] = {1, (hsize_t)s->ny, (hsize_t)s->nx};
  hid_t fs = H5Dget_space(ds), ms = H5Screate_simple(3, count, NULL);
  herr_t h = -1;
  if (fs >= 0 && ms >= 0 &&
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
    h = H5Dwrite(ds, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, data);
  if (fs >= 0) H5Sclose(fs);
  if (ms >= 0) H5Sclose(ms);
  return h;
}

static herr_t write_row_at(const srow *r, int t) {
  hsize_t start[2] = {(hsize_t)t, 0}, count[2] = {1, (hsize_t)r->n};
  hid_t fs = H5Dget_space(r->ds), ms = H5Screate_simple(2, count, NULL);
  herr_t h = -1;
  if (fs >= 0 && ms >= 0 &&
      H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
    h = H5Dwrite(r->ds, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, r->staged);
  if (fs >= 0) H5Sclose(fs);
  if (ms >= 0) H5Sclose(ms);
  return h;
}

static int append_impl(ct_snapshot *s, double t, ct_field *const *fields,
                       int nfields, ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (nfields < 0 || (nfields > 0 && !fields))
    return ct_error_set(err, CT_EINVAL, "%s: bad field list", s->path);
  if (!isfinite(t) || !(t > s->last_t))
    return ct_error_set(err, CT_EINVAL,
                        "%s: snapshot time %g s must be finite and after the "
                        "previous one (%g s)",
                        s->path, t, s->last_t);
  for (int k = 0; k < nfields; k++) {
    int rc = check_field(s, fields[k], err);
    if (rc) return rc;
  }
  if (!s->have_vars) {
    int rc = first_append(s, fields, nfields, err);
    if (rc) return rc;
  } else {
    int same = nfields == s->nvars;
    for (int k = 0; same && k < nfields; k++)
      same = find_var(s, fields[k]->name) >= 0;
    if (!same)
      return ct_error_set(err, CT_EINVAL,
                          "%s: each snapshot must hold the same %d fields as "
                          "the first",
                          s->path, s->nvars);
  }
  int nt = s->nt;
  for (int k = 0; k < nfields; k++) {
    hid_t ds = find_var(s, fields[k]->name);
    hsize_t ext[3] = {(hsize_t)nt + 1, (hsize_t)s->ny, (hsize_t)s->nx};
    if (H5Dset_extent(ds, ext) < 0 ||
        (!PACK_OURSELVES && write_slice(s, ds, nt, fields[k]->data) < 0))
      return ct__h5_error(err, CT_EIO, "%s: cannot write %s at t = %g s",
                          s->path, fields[k]->name, t);
  }
  if (PACK_OURSELVES && nfields > 0) {
    int rc = write_slices_parallel(s, nt, t, fields, nfields, err);
    if (rc) return rc;
  }
  for (int k = 0; k < s->nrows; k++) {
    srow *r = &s->rows[k];
    hsize_t ext[2] = {(hsize_t)nt + 1, (hsize_t)r->n};
    if (H5Dset_extent(r->ds, ext) < 0 ||
        (r->has_staged && write_row_at(r, nt) < 0))
      return ct__h5_error(err, CT_EIO, "%s: cannot write %s/%s at t = %g s",
                          s->path, r->group, r->name, t);
    r->has_staged = 0;
  }
  /* Time last: a reader counts slices by the time axis. */
  hsize_t text = (hsize_t)nt + 1, start = (hsize_t)nt, one = 1;
  hid_t fs = -1, ms = -1;
  herr_t h = H5Dset_extent(s->time_ds, &text);
  if (h >= 0) {
    fs = H5Dget_space(s->time_ds);
    ms = H5Screate_simple(1, &one, NULL);
    h = (fs >= 0 && ms >= 0 &&
         H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL) >= 0 &&
         H5Dwrite(s->time_ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &t) >= 0)
            ? 0 : -1;
  }
  if (fs >= 0) H5Sclose(fs);
  if (ms >= 0) H5Sclose(ms);
  /* The flush writes the extents and the superblock's end-of-file address,
   * so the slice is on disk and readable even if the process dies now. */
  if (h < 0 || H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0)
    return ct__h5_error(err, CT_EIO, "%s: cannot write the snapshot at t = %g s",
                        s->path, t);
  s->nt = nt + 1;
  s->last_t = t;
  return CT_OK;
}

/* A 1-D dataset of n values with one dimension, chunked and deflated. */
static herr_t write_1d(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                       hsize_t n, const void *data, hid_t dim,
                       const char *units, const char *long_name) {
  hsize_t chunk = n < 65536 ? n : 65536;
  hid_t dcpl = ct__dcpl(), space = H5Screate_simple(1, &n, NULL), ds = -1;
  herr_t h = -1;
  if (dcpl < 0 || space < 0 || H5Pset_chunk(dcpl, 1, &chunk) < 0 ||
      H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, DEFLATE_LEVEL) < 0)
    goto done;
  ds = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (ds < 0) goto done;
  if (H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0 &&
      (!units || ct__attr_text(ds, "units", units) >= 0) &&
      ct__attr_text(ds, "long_name", long_name) >= 0 &&
      H5DSattach_scale(ds, dim, 0) >= 0)
    h = 0;
done:
  if (ds >= 0) H5Dclose(ds);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  return h;
}

static int write_lines_impl(ct_snapshot *s, const char *name,
                            const ct_vector *v, ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (!name_ok(name) || !v)
    return ct_error_set(err, CT_EINVAL, "%s: bad line layer name", s->path);
  /* Lines as they are; polygon rings as closed lines (outlines); points
   * have nothing to draw as lines. */
  long long npts = 0, nparts = 0;
  for (int k = 0; k < v->nfeat; k++) {
    const ct_feature *f = &v->feat[k];
    if (f->type != CT_GEOM_LINE && f->type != CT_GEOM_POLYGON) continue;
    for (int p = 0; p < f->nparts; p++) {
      int a = f->part[p], b = f->part[p + 1];
      if (a < 0 || b > f->npts || b < a)
        return ct_error_set(err, CT_EINVAL,
                            "layer %s: feature %lld has bad part offsets",
                            name, f->fid);
      if (b - a < 2) continue;
      npts += b - a;
      nparts++;
    }
  }
  if (nparts == 0)
    return ct_error_set(err, CT_EINVAL, "layer %s has no line or polygon "
                        "features to store", name);
  if (npts > 2000000000LL)
    return ct_error_set(err, CT_ENOMEM, "layer %s is too large", name);
  double *x = malloc((size_t)npts * sizeof *x), *y = malloc((size_t)npts * sizeof *y);
  int *part = malloc((size_t)(nparts + 1) * sizeof *part);
  int *feat = malloc((size_t)nparts * sizeof *feat);
  int rc = CT_OK;
  if (!x || !y || !part || !feat) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto done;
  }
  long long q = 0, np = 0;
  for (int k = 0; k < v->nfeat; k++) {
    const ct_feature *f = &v->feat[k];
    if (f->type != CT_GEOM_LINE && f->type != CT_GEOM_POLYGON) continue;
    for (int p = 0; p < f->nparts; p++) {
      int a = f->part[p], b = f->part[p + 1];
      if (b - a < 2) continue;
      part[np] = (int)q;
      feat[np++] = k;
      for (int i = a; i < b; i++, q++) {
        x[q] = f->xy[2 * i];
        y[q] = f->xy[2 * i + 1];
      }
    }
  }
  part[np] = (int)q;

  if (s->vectors < 0) {
    htri_t ex = H5Lexists(s->file, "vectors", H5P_DEFAULT);
    s->vectors = ex > 0 ? H5Gopen2(s->file, "vectors", H5P_DEFAULT)
                        : ct__group_create(s->file, "vectors");
    if (s->vectors < 0) {
      rc = ct__h5_error(err, CT_EIO, "%s: cannot create group vectors", s->path);
      goto done;
    }
  }
  if (H5Lexists(s->vectors, name, H5P_DEFAULT) != 0) {
    rc = ct_error_set(err, CT_EINVAL, "%s: line layer %s is already written",
                      s->path, name);
    goto done;
  }
  hid_t g = ct__group_create(s->vectors, name);
  hid_t dpt = -1, dpart = -1, doff = -1;
  herr_t h = -1;
  const char *u = s->geographic ? "degrees" : "m";
  if (g >= 0) {
    dpt = ct__dim_only(g, "point", (hsize_t)npts);
    dpart = ct__dim_only(g, "part", (hsize_t)nparts);
    doff = ct__dim_only(g, "part_bound", (hsize_t)nparts + 1);
  }
  if (g >= 0 && dpt >= 0 && dpart >= 0 && doff >= 0 &&
      ct__attr_text(g, "source", v->path ? v->path : "") >= 0 &&
      ct__attr_text(g, "long_name", "line geometry in the grid's CRS") >= 0 &&
      write_1d(g, "x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)npts, x, dpt,
               s->geographic ? "degrees_east" : u, "x of each vertex") >= 0 &&
      write_1d(g, "y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, (hsize_t)npts, y, dpt,
               s->geographic ? "degrees_north" : u, "y of each vertex") >= 0 &&
      write_1d(g, "offset", H5T_STD_I32LE, H5T_NATIVE_INT, (hsize_t)nparts + 1,
               part, doff, NULL,
               "first vertex of each part, then the vertex count") >= 0 &&
      write_1d(g, "feature", H5T_STD_I32LE, H5T_NATIVE_INT, (hsize_t)nparts,
               feat, dpart, NULL, "index of each part's feature in the layer") >= 0 &&
      H5Fflush(s->file, H5F_SCOPE_GLOBAL) >= 0)
    h = 0;
  if (dpt >= 0) H5Dclose(dpt);
  if (dpart >= 0) H5Dclose(dpart);
  if (doff >= 0) H5Dclose(doff);
  if (g >= 0) H5Gclose(g);
  if (h < 0)
    rc = ct__h5_error(err, CT_EIO, "%s: cannot write line layer %s", s->path, name);
done:
  free(x);
  free(y);
  free(part);
  free(feat);
  return rc;
}

static sgroup *find_group(ct_snapshot *s, const char *group, int n,
                          ct_error *err, int *rc) {
  for (int k = 0; k < s->ngroups; k++) {
    if (strcmp(s->groups[k].name, group)) continue;
    if (s->groups[k].n != n) {
      *rc = ct_error_set(err, CT_EINVAL,
                         "%s: table %s has %d items, not %d", s->path, group,
                         s->groups[k].n, n);
      return NULL;
    }
    return &s->groups[k];
  }
  if (H5Lexists(s->file, group, H5P_DEFAULT) != 0) {
    *rc = ct_error_set(err, CT_EINVAL, "%s: \"%s\" is already a variable",
                       s->path, group);
    return NULL;
  }
  sgroup *ng = realloc(s->groups, (size_t)(s->ngroups + 1) * sizeof *ng);
  if (!ng) {
    *rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    return NULL;
  }
  s->groups = ng;
  sgroup *gr = &ng[s->ngroups];
  snprintf(gr->name, sizeof gr->name, "%s", group);
  gr->n = n;
  gr->item_dim = -1;
  gr->g = ct__group_create(s->file, group);
  char dim[80];
  snprintf(dim, sizeof dim, "%s_item", group);
  if (gr->g >= 0) gr->item_dim = ct__dim_only(gr->g, dim, (hsize_t)n);
  s->ngroups++;
  if (gr->g < 0 || gr->item_dim < 0) {
    *rc = ct__h5_error(err, CT_EIO, "%s: cannot create table %s", s->path, group);
    return NULL;
  }
  return gr;
}

static int write_row_impl(ct_snapshot *s, const char *group, const char *name,
                          const char *units, const char *long_name, int n,
                          const float *values, ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (!name_ok(group) || !name_ok(name) || !strcmp(group, "vectors"))
    return ct_error_set(err, CT_EINVAL, "%s: bad table name %s/%s", s->path,
                        group ? group : "(null)", name ? name : "(null)");
  if (n <= 0 || !values)
    return ct_error_set(err, CT_EINVAL, "%s: table %s/%s needs values",
                        s->path, group, name);
  srow *r = NULL;
  for (int k = 0; k < s->nrows; k++)
    if (!strcmp(s->rows[k].group, group) && !strcmp(s->rows[k].name, name))
      r = &s->rows[k];
  if (r && r->n != n)
    return ct_error_set(err, CT_EINVAL, "%s: table %s/%s has %d items, not %d",
                        s->path, group, name, r->n, n);
  if (!r) {
    int rc = CT_OK;
    sgroup *gr = find_group(s, group, n, err, &rc);
    if (!gr) return rc;
    srow *nr = realloc(s->rows, (size_t)(s->nrows + 1) * sizeof *nr);
    if (!nr) return ct_error_set(err, CT_ENOMEM, "out of memory");
    s->rows = nr;
    r = &nr[s->nrows];
    memset(r, 0, sizeof *r);
    snprintf(r->group, sizeof r->group, "%s", group);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->n = n;
    r->ds = -1;
    r->staged = malloc((size_t)n * sizeof *r->staged);
    s->nrows++;
    if (!r->staged) return ct_error_set(err, CT_ENOMEM, "out of memory");
    hsize_t dims[2] = {(hsize_t)s->nt, (hsize_t)n};
    hsize_t maxd[2] = {H5S_UNLIMITED, (hsize_t)n};
    hsize_t chunk[2] = {1, (hsize_t)(n < ROW_CHUNK_MAX ? n : ROW_CHUNK_MAX)};
    float fill = NAN;
    hid_t dcpl = ct__dcpl(), space = H5Screate_simple(2, dims, maxd);
    if (dcpl >= 0 && space >= 0 && H5Pset_chunk(dcpl, 2, chunk) >= 0 &&
        H5Pset_shuffle(dcpl) >= 0 && H5Pset_deflate(dcpl, DEFLATE_LEVEL) >= 0 &&
        H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &fill) >= 0)
      r->ds = H5Dcreate2(gr->g, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl,
                         H5P_DEFAULT);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (space >= 0) H5Sclose(space);
    if (r->ds < 0 || ct__attr_text(r->ds, "units", units ? units : "1") < 0 ||
        ct__attr_text(r->ds, "long_name", long_name ? long_name : name) < 0 ||
        ct__attr_float(r->ds, "_FillValue", fill) < 0 ||
        H5DSattach_scale(r->ds, s->time_ds, 0) < 0 ||
        H5DSattach_scale(r->ds, gr->item_dim, 1) < 0)
      return ct__h5_error(err, CT_EIO, "%s: cannot create table variable %s/%s",
                          s->path, group, name);
  }
  /* Kept until the next append: the run loop has models write their tables
   * just before it appends the slice they belong to. */
  memcpy(r->staged, values, (size_t)n * sizeof *values);
  r->has_staged = 1;
  return CT_OK;
}

static int set_attr_impl(ct_snapshot *s, const char *name, const char *text,
                         ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (!name || !name[0] || !text)
    return ct_error_set(err, CT_EINVAL, "%s: attribute needs a name and text",
                        s->path);
  if (ct__attr_text(s->file, name, text) < 0 ||
      H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0)
    return ct__h5_error(err, CT_EIO, "%s: cannot write attribute %s", s->path,
                        name);
  return CT_OK;
}

/* After a failed write HDF5's cached metadata no longer matches the file;
 * nothing more is written, so the file keeps its last flushed snapshots. */
static int guard(ct_snapshot *s, int rc) {
  if (rc == CT_EIO || rc == CT_ENOSPC) s->broken = 1;
  return rc;
}

static int refuse_broken(const ct_snapshot *s, ct_error *err) {
  return ct_error_set(err, CT_EIO,
                      "%s: an earlier write failed; the file keeps the %d "
                      "snapshots written before it", s->path, s->nt);
}

int ct_snapshot_write_static(ct_snapshot *s, const ct_field *f, ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (s->broken) return refuse_broken(s, err);
  return guard(s, write_static_impl(s, f, err));
}

int ct_snapshot_append(ct_snapshot *s, double t, ct_field *const *fields,
                       int nfields, ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (s->broken) return refuse_broken(s, err);
  return guard(s, append_impl(s, t, fields, nfields, err));
}

int ct_snapshot_write_lines(ct_snapshot *s, const char *name,
                            const ct_vector *v, ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (s->broken) return refuse_broken(s, err);
  return guard(s, write_lines_impl(s, name, v, err));
}

int ct_snapshot_write_row(ct_snapshot *s, const char *group, const char *name,
                          const char *units, const char *long_name, int n,
                          const float *values, ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (s->broken) return refuse_broken(s, err);
  return guard(s, write_row_impl(s, group, name, units, long_name, n, values,
                                 err));
}

int ct_snapshot_set_attr(ct_snapshot *s, const char *name, const char *text,
                         ct_error *err) {
  if (!s) return ct_error_set(err, CT_EINVAL, "no snapshot file open");
  if (s->broken) return refuse_broken(s, err);
  return guard(s, set_attr_impl(s, name, text, err));
}

/* Points HDF5's descriptor at /dev/null (read-only) so that closing the
 * library's handle writes nothing into the file: HDF5 flushes its cached
 * metadata on close, and after a failed write (disk full) that would record
 * space that never reached the disk, leaving a file it cannot open. */
static void detach_file(hid_t file) {
  hid_t fapl = H5Fget_access_plist(file);
  int sec2 = fapl >= 0 && H5Pget_driver(fapl) == H5FD_SEC2;
  if (fapl >= 0) H5Pclose(fapl);
  void *h = NULL;
  if (!sec2 || H5Fget_vfd_handle(file, H5P_DEFAULT, &h) < 0 || !h) return;
  int fd = *(int *)h, null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0) return;
  dup2(null, fd);
  close(null);
}

int ct_snapshot_close(ct_snapshot *s, int complete, ct_error *err) {
  if (!s) return CT_OK;
  int rc = CT_OK;
  if (s->broken) {
    rc = refuse_broken(s, err);
    detach_file(s->file);
    hid_t file = s->file;
    s->file = -1;
    ct__snapshot_free(s);
    H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    return rc;
  }
  /* Rows written after the last append belong to that last slice. */
  for (int k = 0; k < s->nrows && s->nt > 0; k++) {
    srow *r = &s->rows[k];
    if (r->has_staged && !rc && write_row_at(r, s->nt - 1) < 0)
      rc = ct__h5_error(err, CT_EIO, "%s: cannot write %s/%s", s->path,
                        r->group, r->name);
  }
  if (!rc && ct__attr_text(s->file, "citytwin_status",
                           complete ? "complete" : "interrupted") < 0)
    rc = ct__h5_error(err, CT_EIO, "%s: cannot write the status", s->path);
  if (!rc && H5Fflush(s->file, H5F_SCOPE_GLOBAL) < 0)
    rc = ct__h5_error(err, CT_EIO, "%s: cannot write the file", s->path);
  hid_t file = s->file;
  s->file = -1;
  ct__snapshot_free(s);
  if (H5Fclose(file) < 0 && !rc)
    rc = ct__h5_error(err, CT_EIO, "cannot close the run file");
  return rc;
}
