/* cmap.c - colour maps for fields: the perceptually uniform sequential maps
 * viridis and magma (van der Walt & Smith, matplotlib 1.5, 2015) and cividis
 * (Nunez, Anderton & Renslow 2018, PLoS ONE 13(7): e0199239, readable with
 * colour-vision deficiency), tabulated at evenly spaced anchors and
 * interpolated; and a diverging blue-white-red map for differences (after
 * Brewer's RdBu, colorbrewer2.org) whose centre is exactly white-grey so a
 * zero difference is one recognisable colour. */
#include <math.h>
#include <string.h>

#include "view.h"

typedef struct cmap_def {
  const char *name;
  int n;
  const uint32_t *anchor; /* 0xRRGGBB evenly spaced over [0, 1] */
} cmap_def;

static const uint32_t viridis[16] = {
    0x440154, 0x481A6C, 0x472F7D, 0x414487, 0x39568C, 0x31688E,
    0x2A788E, 0x23888E, 0x1F988B, 0x22A884, 0x35B779, 0x54C568,
    0x7AD151, 0xA5DB36, 0xD2E21B, 0xFDE725};
static const uint32_t cividis[10] = {
    0x00204D, 0x00336F, 0x39486B, 0x575C6D, 0x707173,
    0x8A8779, 0xA69D75, 0xC4B56C, 0xE4CF5B, 0xFFEA46};
static const uint32_t magma[16] = {
    0x000004, 0x0B0924, 0x20114B, 0x3B0F70, 0x57157E, 0x721F81,
    0x8C2981, 0xA8327D, 0xC43C75, 0xDE4968, 0xF1605D, 0xFA7F5E,
    0xFE9F6D, 0xFEBF84, 0xFDDEA0, 0xFCFDBF};
/* Odd count: the middle anchor sits at exactly u = 0.5 (zero difference). */
static const uint32_t diverging[11] = {
    0x053061, 0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0, 0xF7F7F7,
    0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B, 0x67001F};

static const cmap_def maps[CT__NCMAPS] = {
    {"viridis", 16, viridis},
    {"cividis", 10, cividis},
    {"magma", 16, magma},
    {"diverging", 11, diverging},
};

const char *ct__cmap_name(int cmap) {
  if (cmap < 0 || cmap >= CT__NCMAPS) return "?";
  return maps[cmap].name;
}

int ct__cmap_find(const char *name) {
  for (int k = 0; k < CT__NCMAPS; k++)
    if (strcmp(maps[k].name, name) == 0) return k;
  return -1;
}

/* Linear interpolation between the two anchors around u (sRGB). */
static uint32_t interp(const cmap_def *m, double u) {
  double s = u * (m->n - 1);
  int k = (int)floor(s);
  if (k >= m->n - 1) k = m->n - 2;
  if (k < 0) k = 0;
  double f = s - k;
  uint32_t a = m->anchor[k], b = m->anchor[k + 1];
  int r = (int)lround(CT__R(a) + f * ((double)CT__R(b) - CT__R(a)));
  int g = (int)lround(CT__G(a) + f * ((double)CT__G(b) - CT__G(a)));
  int bl = (int)lround(CT__B(a) + f * ((double)CT__B(b) - CT__B(a)));
  return CT__RGB(r, g, bl);
}

uint32_t ct__cmap_rgb(int cmap, double u) {
  if (cmap < 0 || cmap >= CT__NCMAPS) cmap = CT__CMAP_VIRIDIS;
  if (!(u > 0.0)) u = 0.0; /* NaN too */
  if (u > 1.0) u = 1.0;
  int idx = (int)lround(u * 255.0);
  return interp(&maps[cmap], idx / 255.0);
}

void ct__cmap_lut(int cmap, uint32_t lut[256]) {
  for (int k = 0; k < 256; k++) lut[k] = ct__cmap_rgb(cmap, k / 255.0);
}

/* Qualitative colours (after ColorBrewer Set1/Dark2 hues) chosen to tell
 * the classes apart and to suggest them: blue water, green parks, grey
 * roads. Indexed by the land-use code. */
static const uint32_t class_rgb[CT__NCLASSES] = {
    0xB0B0B0, /* 0 unknown */
    0xC0392B, /* 1 dense urban */
    0xF39C4A, /* 2 residential */
    0x8E6BBF, /* 3 industrial */
    0x3FA34D, /* 4 green */
    0x2E86DE, /* 5 water */
    0x4D4D4D, /* 6 road */
    0xD9C27A, /* 7 bare */
};
static const char *const class_name[CT__NCLASSES] = {
    "unknown", "dense urban", "residential", "industrial",
    "green",   "water",       "road",        "bare"};

uint32_t ct__class_rgb(int cls) {
  if (cls < 0 || cls >= CT__NCLASSES) return CT__RGB(0, 0, 0);
  return 0xFF000000u | class_rgb[cls];
}

const char *ct__class_name(int cls) {
  return cls < 0 || cls >= CT__NCLASSES ? "?" : class_name[cls];
}
