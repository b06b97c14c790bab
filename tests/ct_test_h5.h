/* ct_test_h5.h - damaging a run file on purpose, for the tests of how the
 * tools meet a corrupt snapshot (info, the viewer). */
#ifndef CT_TEST_H5_H
#define CT_TEST_H5_H

#include <stdio.h>

#include <hdf5.h>

/* Overwrites the stored (deflated) chunk of flood.depth's slice t with
 * 0xFF bytes; 0, or -1 when the file or the chunk is not there. */
static inline int ct_test_corrupt_slice(const char *path, int t) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return -1;
  hid_t d = H5Dopen2(f, "flood.depth", H5P_DEFAULT);
  hsize_t off[3] = {(hsize_t)t, 0, 0}, size = 0;
  haddr_t addr = 0;
  unsigned mask = 0;
  herr_t e = d >= 0 ? H5Dget_chunk_info_by_coord(d, off, &mask, &addr, &size)
                    : -1;
  if (d >= 0) H5Dclose(d);
  H5Fclose(f);
  if (e < 0 || size == 0) return -1;
  FILE *fp = fopen(path, "r+b");
  if (!fp) return -1;
  fseek(fp, (long)addr, SEEK_SET);
  for (hsize_t k = 0; k < size; k++) fputc(0xFF, fp);
  fclose(fp);
  return 0;
}

#endif
