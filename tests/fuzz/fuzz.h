/* fuzz.h - the libFuzzer entry point each harness defines, and a helper to
 * pass bytes to APIs that read files. */
#ifndef CT_FUZZ_H
#define CT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data to a fresh temporary file; the caller unlinks path. */
static inline int fuzz_to_file(const uint8_t *data, size_t size, char *path,
                               size_t n, const char *suffix) {
  snprintf(path, n, "/tmp/ct_fuzz_%d_XXXXXX%s", (int)getpid(), suffix);
  int fd = mkstemps(path, (int)strlen(suffix));
  if (fd < 0) return -1;
  size_t off = 0;
  while (off < size) {
    ssize_t w = write(fd, data + off, size - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
  close(fd);
  return 0;
}

/* NUL-terminated copy of the input for text parsers. */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
  char *t = malloc(size + 1);
  if (!t) return NULL;
  memcpy(t, data, size);
  t[size] = '\0';
  return t;
}

#endif
