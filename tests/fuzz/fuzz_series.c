/* fuzz_series.c - the CSV time-series reader (rain, tide, met, inflow). */
#include <math.h>

#include "citytwin/util.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[256];
  if (fuzz_to_file(data, size, path, sizeof path, ".csv")) return 0;
  ct_series s;
  ct_error err;
  if (ct_series_read(&s, path, 1.7e9, &err) == CT_OK) {
    for (int c = 0; c < s.ncol; c++) {
      volatile double v = ct_series_at(&s, c, s.t[0] + 1.5);
      v = ct_series_integral(&s, c, -10, s.t[s.n - 1] + 10);
      (void)v;
    }
    ct_series_free(&s);
  }
  unlink(path);
  return 0;
}
