/* h5util.c - small HDF5 helpers for the run file: attributes written the way
 * netCDF-4 writes them (so GDAL, xarray and ncdump read them as text), and
 * HDF5 errors turned into ct_error messages instead of printed stacks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"

void ct__h5_quiet(void) {
  /* No HDF5 clean-up at exit, whichever entry point first touches the
   * library (a resume reads the file before it reopens it): after a failed
   * write (disk full) the run file's close fails and leaves its handle
   * half torn down, and HDF5's atexit close of it would crash. Only takes
   * effect before the library's first call; the run closes what it opened. */
  H5dont_atexit();
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

typedef struct walk_ud {
  char desc[512];
  int found;
} walk_ud;

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *client) {
  walk_ud *w = client;
  /* Upward walk: the first entry is the innermost, most specific one. */
  if (!w->found && e->desc && e->desc[0]) {
    snprintf(w->desc, sizeof w->desc, "%s", e->desc);
    w->found = 1;
  }
  return 0;
}

int ct__h5_error(ct_error *err, int code, const char *fmt, ...) {
  char head[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  walk_ud w = {.found = 0};
  w.desc[0] = '\0';
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, walk_cb, &w);
  H5Eclear2(H5E_DEFAULT);
  /* The sec2 driver reports the OS error text inside the description. */
  if (strstr(w.desc, strerror(ENOSPC)) || strstr(w.desc, strerror(EFBIG)) ||
      strstr(w.desc, strerror(EDQUOT)))
    code = CT_ENOSPC;
  if (code == CT_ENOSPC) /* HDF5's own text (buffer addresses) helps no one */
    return ct_error_set(err, code,
                        "%s: no space left on the disk, or the file size "
                        "limit reached",
                        head);
  if (w.found)
    return ct_error_set(err, code, "%s (HDF5: %s)", head, w.desc);
  return ct_error_set(err, code, "%s", head);
}

static herr_t attr_replace(hid_t obj, const char *name) {
  htri_t ex = H5Aexists(obj, name);
  if (ex < 0) return -1;
  if (ex > 0 && H5Adelete(obj, name) < 0) return -1;
  return 0;
}

herr_t ct__attr_text(hid_t obj, const char *name, const char *text) {
  if (attr_replace(obj, name) < 0) return -1;
  size_t len = strlen(text);
  hid_t type = H5Tcopy(H5T_C_S1);
  if (type < 0) return -1;
  herr_t rc = -1;
  hid_t space = -1, attr = -1;
  /* HDF5 has no zero-size string type: netCDF stores an empty NC_CHAR
   * attribute as a null dataspace of size-1 characters. */
  if (H5Tset_size(type, len ? len : 1) < 0 ||
      H5Tset_strpad(type, H5T_STR_NULLTERM) < 0 ||
      H5Tset_cset(type, H5T_CSET_ASCII) < 0)
    goto done;
  space = H5Screate(len ? H5S_SCALAR : H5S_NULL);
  if (space < 0) goto done;
  attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (attr < 0) goto done;
  if (len && H5Awrite(attr, type, text) < 0) goto done;
  rc = 0;
done:
  if (attr >= 0) H5Aclose(attr);
  if (space >= 0) H5Sclose(space);
  H5Tclose(type);
  return rc;
}

static herr_t attr_scalar(hid_t obj, const char *name, hid_t file_type,
                          hid_t mem_type, const void *v) {
  if (attr_replace(obj, name) < 0) return -1;
  hid_t space = H5Screate(H5S_SCALAR);
  if (space < 0) return -1;
  herr_t rc = -1;
  hid_t attr = H5Acreate2(obj, name, file_type, space, H5P_DEFAULT,
                          H5P_DEFAULT);
  if (attr >= 0) {
    if (H5Awrite(attr, mem_type, v) >= 0) rc = 0;
    H5Aclose(attr);
  }
  H5Sclose(space);
  return rc;
}

herr_t ct__attr_double(hid_t obj, const char *name, double v) {
  return attr_scalar(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v);
}

herr_t ct__attr_int(hid_t obj, const char *name, int v) {
  return attr_scalar(obj, name, H5T_STD_I32LE, H5T_NATIVE_INT, &v);
}

herr_t ct__attr_float(hid_t obj, const char *name, float v) {
  return attr_scalar(obj, name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &v);
}

char *ct__attr_read_text(hid_t obj, const char *name) {
  if (H5Aexists(obj, name) <= 0) return NULL;
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  if (attr < 0) return NULL;
  char *out = NULL;
  hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
  if (type < 0 || space < 0 || H5Tget_class(type) != H5T_STRING) goto done;
  H5S_class_t sc = H5Sget_simple_extent_type(space);
  if (sc == H5S_NULL) {
    out = calloc(1, 1);
    goto done;
  }
  if (H5Sget_simple_extent_npoints(space) != 1) goto done;
  htri_t vlen = H5Tis_variable_str(type);
  if (vlen < 0) goto done;
  if (vlen) {
    char *p = NULL;
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (mt >= 0 && H5Tset_size(mt, H5T_VARIABLE) >= 0 &&
        H5Aread(attr, mt, &p) >= 0 && p) {
      out = strdup(p);
      H5free_memory(p);
    }
    if (mt >= 0) H5Tclose(mt);
  } else {
    size_t n = H5Tget_size(type);
    if (n == 0 || n > ((size_t)1 << 30)) goto done;
    hid_t mt = H5Tcopy(type);
    out = calloc(n + 1, 1);
    if (mt < 0 || !out || H5Aread(attr, mt, out) < 0) {
      free(out);
      out = NULL;
    }
    if (mt >= 0) H5Tclose(mt);
  }
done:
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  H5Aclose(attr);
  return out;
}

int ct__attr_read_double(hid_t obj, const char *name, double *v) {
  if (H5Aexists(obj, name) <= 0) return -1;
  hid_t attr = H5Aopen(obj, name, H5P_DEFAULT);
  if (attr < 0) return -1;
  int rc = -1;
  hid_t type = H5Aget_type(attr), space = H5Aget_space(attr);
  if (type >= 0 && space >= 0 &&
      (H5Tget_class(type) == H5T_FLOAT || H5Tget_class(type) == H5T_INTEGER) &&
      H5Sget_simple_extent_npoints(space) == 1 &&
      H5Aread(attr, H5T_NATIVE_DOUBLE, v) >= 0)
    rc = 0;
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  H5Aclose(attr);
  return rc;
}

hid_t ct__dcpl(void) {
  hid_t p = H5Pcreate(H5P_DATASET_CREATE);
  if (p < 0) return -1;
  if (H5Pset_attr_creation_order(p, H5P_CRT_ORDER_TRACKED |
                                        H5P_CRT_ORDER_INDEXED) < 0) {
    H5Pclose(p);
    return -1;
  }
  return p;
}

hid_t ct__gcpl(void) {
  hid_t p = H5Pcreate(H5P_GROUP_CREATE);
  if (p < 0) return -1;
  unsigned fl = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  if (H5Pset_link_creation_order(p, fl) < 0 ||
      H5Pset_attr_creation_order(p, fl) < 0) {
    H5Pclose(p);
    return -1;
  }
  return p;
}

hid_t ct__group_create(hid_t parent, const char *name) {
  hid_t gcpl = ct__gcpl();
  if (gcpl < 0) return -1;
  hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  H5Pclose(gcpl);
  return g;
}

hid_t ct__dim_only(hid_t loc, const char *name, hsize_t n) {
  hid_t dcpl = ct__dcpl(), space = H5Screate_simple(1, &n, NULL), ds = -1;
  if (dcpl < 0 || space < 0) goto done;
  /* Never written: netCDF allocates no storage for a dimension-only scale. */
  ds = H5Dcreate2(loc, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl,
                  H5P_DEFAULT);
  if (ds < 0) goto done;
  char label[96];
  snprintf(label, sizeof label, "%s%10llu", CT__NC_DIM_ONLY,
           (unsigned long long)n);
  if (H5DSset_scale(ds, label) < 0) {
    H5Dclose(ds);
    ds = -1;
  }
done:
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  return ds;
}
