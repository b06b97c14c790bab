/* sha256.c - SHA-256 (FIPS 180-4) for the input-file checksums a run records,
 * so a result can be traced to the exact data it was made from. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "citytwin/util.h"

typedef struct {
  uint32_t h[8];
  uint8_t buf[64];
  size_t nbuf;
  uint64_t bits;
} sha_ctx;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void block(sha_ctx *c, const uint8_t *p) {
  uint32_t w[64];
  for (int t = 0; t < 16; t++)
    w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
           (uint32_t)p[4 * t + 2] << 8 | (uint32_t)p[4 * t + 3];
  for (int t = 16; t < 64; t++) {
    uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4],
           f = c->h[5], g = c->h[6], h = c->h[7];
  for (int t = 0; t < 64; t++) {
    uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
                  ((e & f) ^ (~e & g)) + K[t] + w[t];
    uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
                  ((a & b) ^ (a & cc) ^ (b & cc));
    h = g; g = f; f = e; e = d + t1;
    d = cc; cc = b; b = a; a = t1 + t2;
  }
  c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
  c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

static void sha_init(sha_ctx *c) {
  static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
                                 0xa54ff53a, 0x510e527f, 0x9b05688c,
                                 0x1f83d9ab, 0x5be0cd19};
  memcpy(c->h, h0, sizeof h0);
  c->nbuf = 0;
  c->bits = 0;
}

static void sha_update(sha_ctx *c, const uint8_t *p, size_t n) {
  c->bits += (uint64_t)n * 8;
  while (n > 0) {
    size_t k = 64 - c->nbuf < n ? 64 - c->nbuf : n;
    memcpy(c->buf + c->nbuf, p, k);
    c->nbuf += k;
    p += k;
    n -= k;
    if (c->nbuf == 64) {
      block(c, c->buf);
      c->nbuf = 0;
    }
  }
}

static void sha_final(sha_ctx *c, uint8_t out[32]) {
  uint64_t bits = c->bits;
  uint8_t pad = 0x80, zero = 0, len[8];
  sha_update(c, &pad, 1);
  while (c->nbuf != 56) sha_update(c, &zero, 1);
  for (int k = 0; k < 8; k++) len[k] = (uint8_t)(bits >> (56 - 8 * k));
  sha_update(c, len, 8);
  for (int k = 0; k < 8; k++) {
    out[4 * k] = (uint8_t)(c->h[k] >> 24);
    out[4 * k + 1] = (uint8_t)(c->h[k] >> 16);
    out[4 * k + 2] = (uint8_t)(c->h[k] >> 8);
    out[4 * k + 3] = (uint8_t)c->h[k];
  }
}

void ct_sha256(const void *data, size_t n, uint8_t out[32]) {
  sha_ctx c;
  sha_init(&c);
  sha_update(&c, data, n);
  sha_final(&c, out);
}

int ct_sha256_file(const char *path, char hex[65], ct_error *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return ct_error_set(err, errno == ENOENT ? CT_ENOENT : CT_EIO,
                        "%s: cannot open: %s", path, strerror(errno));
  sha_ctx c;
  sha_init(&c);
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, fp)) > 0) sha_update(&c, buf, n);
  int bad = ferror(fp);
  fclose(fp);
  if (bad) return ct_error_set(err, CT_EIO, "%s: read error", path);
  uint8_t d[32];
  sha_final(&c, d);
  for (int k = 0; k < 32; k++) snprintf(hex + 2 * k, 3, "%02x", d[k]);
  return CT_OK;
}
