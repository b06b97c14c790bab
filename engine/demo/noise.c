/* noise.c - deterministic random numbers and smooth noise for the demo city.
 * Our own generator (not libc rand(), whose state others share), so the city
 * is bit-for-bit the same on every run and machine. */
#include <math.h>
#include "demo/demo_internal.h"

/* splitmix64: Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
 * generators", OOPSLA. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t ct__rng_next(ct__rng *r) {
  r->s += 0x9E3779B97F4A7C15ull;
  return mix64(r->s);
}

double ct__rng_uniform(ct__rng *r) {
  return (double)(ct__rng_next(r) >> 11) * 0x1.0p-53;
}

double ct__hash2(int64_t ix, int64_t iy, uint32_t seed) {
  uint64_t h = mix64((uint64_t)ix * 0x9E3779B97F4A7C15ull ^
                     mix64((uint64_t)iy + ((uint64_t)seed << 32)));
  return (double)(h >> 11) * 0x1.0p-52 - 1.0;
}

double ct__smoothstep(double e0, double e1, double x) {
  double t = (x - e0) / (e1 - e0);
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  return t * t * (3 - 2 * t);
}

/* Value noise: random values on a lattice of spacing scale, blended with a
 * quintic fade so slopes (and the hillshade) stay smooth across cells. */
double ct__noise(double x, double y, double scale, uint32_t seed) {
  double fx = x / scale, fy = y / scale;
  double x0 = floor(fx), y0 = floor(fy);
  double tx = fx - x0, ty = fy - y0;
  tx = tx * tx * tx * (tx * (tx * 6 - 15) + 10);
  ty = ty * ty * ty * (ty * (ty * 6 - 15) + 10);
  int64_t ix = (int64_t)x0, iy = (int64_t)y0;
  double v00 = ct__hash2(ix, iy, seed), v10 = ct__hash2(ix + 1, iy, seed);
  double v01 = ct__hash2(ix, iy + 1, seed);
  double v11 = ct__hash2(ix + 1, iy + 1, seed);
  double a = v00 + (v10 - v00) * tx, b = v01 + (v11 - v01) * tx;
  return a + (b - a) * ty;
}

double ct__fbm(double x, double y, double scale, int octaves, uint32_t seed) {
  double sum = 0, amp = 1, norm = 0;
  for (int k = 0; k < octaves; k++) {
    sum += amp * ct__noise(x, y, scale, seed + 977u * (uint32_t)k);
    norm += amp;
    amp *= 0.5;
    scale *= 0.5;
  }
  return sum / norm;
}
