/* fuzz_reader.c - the run-file reader on arbitrary bytes: corrupt, truncated
 * and foreign files must give an error, never a crash. */
#include "citytwin/snapshot.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[256];
  if (fuzz_to_file(data, size, path, sizeof path, ".nc")) return 0;
  ct_reader *r;
  ct_error err;
  if (ct_reader_open(&r, path, &err) == CT_OK) {
    const ct_grid *g = ct_reader_grid(r);
    size_t n = (size_t)g->nx * (size_t)g->ny;
    float *buf = n && n < (1u << 24) ? malloc(n * sizeof *buf) : NULL;
    for (int k = 0; buf && k < ct_reader_nvars(r); k++)
      ct_reader_read(r, k, ct_reader_ntimes(r) - 1, buf, &err);
    free(buf);
    ct_reader_close(r);
  }
  unlink(path);
  return 0;
}
