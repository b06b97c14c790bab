/* fuzz_osm.c - the OpenStreetMap turn-restriction reader (PBF and XML, by
 * content) on arbitrary bytes. */
#include "citytwin/osm.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[256];
  if (fuzz_to_file(data, size, path, sizeof path, ".osm")) return 0;
  ct_osm_restriction *list = NULL;
  int n = 0;
  ct_error err;
  if (ct_osm_read_restrictions(path, &list, &n, &err) == CT_OK) {
    volatile long long s = 0;
    for (int k = 0; k < n; k++)
      s += list[k].from_way + list[k].to_way + list[k].nvia_ways;
    (void)s;
    ct_osm_restrictions_free(list, n);
  }
  unlink(path);
  return 0;
}
