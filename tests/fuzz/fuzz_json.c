/* fuzz_json.c - the JSON reader that compares run summaries. */
#include "citytwin/util.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = fuzz_text(data, size);
  if (!text) return 0;
  ct_kv *kv;
  int n;
  if (ct_json_numbers(text, &kv, &n, NULL) == CT_OK) ct_kv_free(kv, n);
  free(text);
  return 0;
}
