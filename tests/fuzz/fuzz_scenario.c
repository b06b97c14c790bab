/* fuzz_scenario.c - the scenario parser on arbitrary text. */
#include "citytwin/scenario.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const models[] = {"flood", "traffic", "air", NULL};
  char *text = fuzz_text(data, size);
  if (!text) return 0;
  ct_scenario sc;
  ct_error err;
  if (ct_scenario_parse(&sc, text, "fuzz/s.ini", models, &err) == CT_OK) {
    double v;
    ct_scenario_double(&sc, "flood", "manning", 0, &v, &err);
    ct_scenario_duration(&sc, "flood", "max_dt", 0, &v, &err);
    static const char *const keys[] = {"manning", "rain", "boundary.*", NULL};
    ct_scenario_check_keys(&sc, "flood", keys, &err);
    ct_scenario_free(&sc);
  }
  free(text);
  return 0;
}
