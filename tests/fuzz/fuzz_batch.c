/* fuzz_batch.c - the batch-file reader. The base it names need not exist:
 * the reader must fail cleanly then too. */
#include "citytwin/batch.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[256];
  if (fuzz_to_file(data, size, path, sizeof path, ".ini")) return 0;
  ct_batch b;
  ct_error err;
  if (ct_batch_load(&b, path, &err) == CT_OK) ct_batch_free(&b);
  unlink(path);
  return 0;
}
