/* fuzz_met.c - the air model's meteorology CSV reader (wind, stability or
 * Obukhov length, mixing height) on arbitrary bytes. */
#include "citytwin/air.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[256];
  if (fuzz_to_file(data, size, path, sizeof path, ".csv")) return 0;
  ct_air_metrow *rows = NULL;
  int n = 0;
  ct_error err;
  if (ct_air_met_read(path, 1.7e9, &rows, &n, &err) == CT_OK && n > 0) {
    volatile double s = 0;
    for (int k = 0; k < n; k++) s += rows[k].speed + rows[k].mixing_height;
    (void)s;
  }
  free(rows);
  unlink(path);
  return 0;
}
