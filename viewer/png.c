/* png.c - writes the viewer's pictures as PNG (ISO/IEC 15948): signature,
 * IHDR, one zlib-compressed IDAT with the Sub filter on every row, IEND.
 * 8-bit RGB; the pixel buffer's alpha only marks field cells internally. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "view.h"

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

static int chunk(FILE *f, const char *type, const unsigned char *data,
                 size_t n) {
  unsigned char hdr[8];
  put32(hdr, (uint32_t)n);
  memcpy(hdr + 4, type, 4);
  uLong crc = crc32(0L, (const Bytef *)type, 4);
  if (n) crc = crc32(crc, data, (uInt)n);
  unsigned char tail[4];
  put32(tail, (uint32_t)crc);
  if (fwrite(hdr, 1, 8, f) != 8) return -1;
  if (n && fwrite(data, 1, n, f) != n) return -1;
  if (fwrite(tail, 1, 4, f) != 4) return -1;
  return 0;
}

int ct__png_write(const char *path, const uint32_t *px, int w, int h,
                  ct_error *err) {
  if (w <= 0 || h <= 0)
    return ct_error_set(err, CT_EINVAL, "%s: empty picture", path);
  size_t stride = (size_t)w * 3 + 1, raw_n = stride * (size_t)h;
  unsigned char *raw = malloc(raw_n);
  uLongf zn = compressBound((uLong)raw_n);
  unsigned char *z = malloc(zn);
  if (!raw || !z) {
    free(raw);
    free(z);
    return ct_error_set(err, CT_ENOMEM, "%s: out of memory for a %dx%d PNG",
                        path, w, h);
  }
  for (int y = 0; y < h; y++) {
    unsigned char *row = raw + (size_t)y * stride;
    const uint32_t *src = px + (size_t)y * w;
    row[0] = 1; /* Sub: neighbouring pixels of a map differ little */
    unsigned pr = 0, pg = 0, pb = 0;
    for (int x = 0; x < w; x++) {
      unsigned r = CT__R(src[x]), g = CT__G(src[x]), b = CT__B(src[x]);
      row[1 + 3 * x] = (unsigned char)(r - pr);
      row[2 + 3 * x] = (unsigned char)(g - pg);
      row[3 + 3 * x] = (unsigned char)(b - pb);
      pr = r;
      pg = g;
      pb = b;
    }
  }
  int zrc = compress2(z, &zn, raw, (uLong)raw_n, 6);
  free(raw);
  if (zrc != Z_OK) {
    free(z);
    return ct_error_set(err, CT_EINTERNAL, "%s: zlib failed (%d)", path, zrc);
  }
  FILE *f = fopen(path, "wb");
  if (!f) {
    int e = errno;
    free(z);
    return ct_error_set(err, e == ENOSPC ? CT_ENOSPC : CT_EIO,
                        "%s: cannot write: %s", path, strerror(e));
  }
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  unsigned char ihdr[13];
  put32(ihdr, (uint32_t)w);
  put32(ihdr + 4, (uint32_t)h);
  ihdr[8] = 8;  /* bit depth */
  ihdr[9] = 2;  /* truecolour RGB */
  ihdr[10] = ihdr[11] = ihdr[12] = 0;
  int bad = fwrite(sig, 1, 8, f) != 8 || chunk(f, "IHDR", ihdr, 13) ||
            chunk(f, "IDAT", z, zn) || chunk(f, "IEND", NULL, 0);
  free(z);
  if (fclose(f) != 0) bad = 1;
  if (bad) {
    int e = errno;
    remove(path);
    return ct_error_set(err, e == ENOSPC ? CT_ENOSPC : CT_EIO,
                        "%s: write failed: %s", path, strerror(e));
  }
  return CT_OK;
}
