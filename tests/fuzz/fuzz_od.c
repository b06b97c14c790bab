/* fuzz_od.c - the OD-table reader (traffic demand CSV) on arbitrary bytes,
 * against a small ring road of four junctions: any input is read into flows
 * or refused with an error, never a crash. */
#include "citytwin/traffic.h"
#include "fuzz.h"
#include "traffic/od.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[256];
  if (fuzz_to_file(data, size, path, sizeof path, ".csv")) return 0;
  ct_error err;
  ct_traffic *t = ct_traffic_new(NULL);
  static const double xy[4][2] = {{0, 0}, {500, 0}, {500, 500}, {0, 500}};
  int ok = t != NULL;
  for (int k = 0; ok && k < 4; k++)
    ok = ct_traffic_add_node(t, xy[k][0], xy[k][1], &err) >= 0;
  for (int k = 0; ok && k < 4; k++)
    ok = ct_traffic_add_link(t, k, (k + 1) % 4, 0, 2, 40, "ring", NULL, 0,
                             NULL, &err) >= 0 &&
         ct_traffic_add_link(t, (k + 1) % 4, k, 0, 2, 40, "ring", NULL, 0,
                             NULL, &err) >= 0;
  if (ok && ct_traffic_finalize(t, &err) == CT_OK) {
    double trips;
    ct__od_read(t, path, NULL, 1.0, 1.7e9, 3600, &trips, &err);
  }
  ct_traffic_free(t);
  unlink(path);
  return 0;
}
