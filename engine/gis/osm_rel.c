/* osm_rel.c - OpenStreetMap turn-restriction relations with their member
 * roles, read from .osm.pbf (a small protobuf decoder over zlib) or .osm XML
 * (a small scanner), because GDAL's OSM driver drops the roles. The whole
 * file is read into memory; a first pass takes the relations, a second one
 * (only when some relation has a via node) the via nodes' locations, which
 * come before the relations in both formats. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "citytwin/osm.h"

/* The PBF format's own limits (a BlobHeader under 64 KiB, a blob under
 * 32 MiB): a larger length is damage or not an OSM file, and refusing it
 * keeps a hostile length from becoming a huge allocation. */
#define MAX_HEADER (64 * 1024)
#define MAX_BLOB (32 * 1024 * 1024)

typedef struct str {
  const char *p;
  size_t n;
} str;

static int str_is(str s, const char *lit) {
  size_t n = strlen(lit);
  return s.n == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

/* Copies s into dst of cap bytes, cut to fit, always NUL-terminated. */
static void str_copy(char *dst, size_t cap, str s) {
  size_t n = s.n < cap - 1 ? s.n : cap - 1;
  if (n) memcpy(dst, s.p, n);
  dst[n] = '\0';
}

/* --- one relation as it is read, and the entries it gives --- */

typedef struct cls {
  char name[24], value[40], cond[160];
} cls;

typedef struct relb {
  int64_t id;
  int is_restr, has_plain, has_cond;
  char plain[40], cond[160], except[96];
  cls *cls;
  int ncls, ccap;
  int64_t from_way, to_way, via_node;
  int nfrom, nto;
  int64_t *via;
  int nvia, vcap;
} relb;

typedef struct ctx {
  const char *path;
  ct_error *err;
  ct_osm_restriction *list;
  int n, cap;
  relb r;
  int64_t *need; /* sorted ids of the via nodes */
  double *lon, *lat;
  int nneed;
} ctx;

static void rel_start(relb *r, int64_t id) {
  r->id = id;
  r->is_restr = r->has_plain = r->has_cond = 0;
  r->plain[0] = r->cond[0] = r->except[0] = '\0';
  r->ncls = r->nvia = r->nfrom = r->nto = 0;
  r->from_way = r->to_way = r->via_node = 0;
}

static int rel_tag(relb *r, str k, str v) {
  if (str_is(k, "type")) {
    r->is_restr = str_is(v, "restriction");
  } else if (str_is(k, "restriction")) {
    str_copy(r->plain, sizeof r->plain, v);
    r->has_plain = 1;
  } else if (str_is(k, "restriction:conditional")) {
    str_copy(r->cond, sizeof r->cond, v);
    r->has_cond = 1;
  } else if (str_is(k, "except")) {
    str_copy(r->except, sizeof r->except, v);
  } else if (k.n > 12 && memcmp(k.p, "restriction:", 12) == 0) {
    /* restriction:CLASS or restriction:CLASS:conditional; other suffixes
     * are not restrictions this API can say. */
    str name = {k.p + 12, k.n - 12};
    int is_cond = 0;
    const char *colon = memchr(name.p, ':', name.n);
    if (colon) {
      str rest = {colon + 1, (size_t)(name.p + name.n - colon - 1)};
      name.n = (size_t)(colon - name.p);
      if (!str_is(rest, "conditional") || name.n == 0) return CT_OK;
      is_cond = 1;
    }
    char nm[sizeof r->cls->name];
    str_copy(nm, sizeof nm, name);
    int i = 0;
    while (i < r->ncls && strcmp(r->cls[i].name, nm) != 0) i++;
    if (i == r->ncls) {
      if (r->ncls == r->ccap) {
        int cap = r->ccap ? 2 * r->ccap : 4;
        cls *p = realloc(r->cls, sizeof *p * (size_t)cap);
        if (!p) return CT_ENOMEM;
        r->cls = p, r->ccap = cap;
      }
      memset(&r->cls[i], 0, sizeof r->cls[i]);
      memcpy(r->cls[i].name, nm, sizeof nm);
      r->ncls++;
    }
    if (is_cond)
      str_copy(r->cls[i].cond, sizeof r->cls[i].cond, v);
    else
      str_copy(r->cls[i].value, sizeof r->cls[i].value, v);
  }
  return CT_OK;
}

/* type: 0 node, 1 way, 2 relation */
static int rel_member(relb *r, int type, int64_t ref, str role) {
  if (str_is(role, "from")) {
    r->nfrom++;
    if (type == 1 && !r->from_way) r->from_way = ref;
  } else if (str_is(role, "to")) {
    r->nto++;
    if (type == 1 && !r->to_way) r->to_way = ref;
  } else if (str_is(role, "via")) {
    if (type == 0 && !r->via_node) r->via_node = ref;
    if (type == 1) {
      if (r->nvia == r->vcap) {
        int cap = r->vcap ? 2 * r->vcap : 4;
        int64_t *p = realloc(r->via, sizeof *p * (size_t)cap);
        if (!p) return CT_ENOMEM;
        r->via = p, r->vcap = cap;
      }
      r->via[r->nvia++] = ref;
    }
  }
  return CT_OK;
}

static int emit(ctx *c, const char *restr, const char *cls_name,
                const char *cond) {
  const relb *r = &c->r;
  if (c->n == c->cap) {
    if (c->cap > (1 << 28)) return CT_ENOMEM;
    int cap = c->cap ? 2 * c->cap : 64;
    ct_osm_restriction *p = realloc(c->list, sizeof *p * (size_t)cap);
    if (!p) return CT_ENOMEM;
    c->list = p, c->cap = cap;
  }
  ct_osm_restriction *e = &c->list[c->n];
  memset(e, 0, sizeof *e);
  if (r->nvia) {
    e->via_ways = malloc(sizeof *e->via_ways * (size_t)r->nvia);
    if (!e->via_ways) return CT_ENOMEM;
    memcpy(e->via_ways, r->via, sizeof *e->via_ways * (size_t)r->nvia);
  }
  c->n++;
  e->id = r->id;
  snprintf(e->restriction, sizeof e->restriction, "%s", restr);
  snprintf(e->cls_tag, sizeof e->cls_tag, "%s", cls_name);
  snprintf(e->except, sizeof e->except, "%s", r->except);
  snprintf(e->conditional, sizeof e->conditional, "%s", cond);
  e->from_way = r->from_way;
  e->to_way = r->to_way;
  e->via_node = r->via_node;
  e->nvia_ways = r->nvia;
  e->via_lon = e->via_lat = NAN;
  e->nfrom = r->nfrom;
  e->nto = r->nto;
  return CT_OK;
}

static int rel_end(ctx *c) {
  const relb *r = &c->r;
  if (!r->is_restr) return CT_OK;
  int rc = CT_OK;
  /* Every restriction relation gives at least one entry, so that none is
   * lost when its only tags are ones this API has no field for. */
  if (r->has_plain || r->has_cond || r->ncls == 0)
    rc = emit(c, r->plain, "", r->cond);
  for (int i = 0; i < r->ncls && rc == CT_OK; i++)
    rc = emit(c, r->cls[i].value, r->cls[i].name, r->cls[i].cond);
  return rc;
}

/* A node of the file: keeps its location when it is a via node. */
static void node_seen(ctx *c, int64_t id, double lon, double lat) {
  int lo = 0, hi = c->nneed - 1;
  while (lo <= hi) {
    int mid = lo + (hi - lo) / 2;
    if (c->need[mid] == id) {
      c->lon[mid] = lon, c->lat[mid] = lat;
      return;
    }
    if (c->need[mid] < id)
      lo = mid + 1;
    else
      hi = mid - 1;
  }
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* --- protobuf --- */

typedef struct pb {
  const uint8_t *p, *end;
} pb;

typedef struct field {
  uint32_t num;
  int wt;     /* wire type */
  uint64_t v; /* varint, fixed32 or fixed64 */
  pb sub;     /* length-delimited */
} field;

static int varint(pb *b, uint64_t *v) {
  uint64_t x = 0;
  for (int s = 0; s < 64; s += 7) {
    if (b->p >= b->end) return -1;
    uint8_t ch = *b->p++;
    x |= (uint64_t)(ch & 0x7f) << s;
    if (!(ch & 0x80)) {
      *v = x;
      return 0;
    }
  }
  return -1;
}

/* 1 with the next field in f, 0 at the end, -1 when malformed. */
static int next_field(pb *b, field *f) {
  uint64_t key, len;
  if (b->p >= b->end) return 0;
  if (varint(b, &key) || (key >> 3) == 0 || (key >> 3) > 0x1fffffff)
    return -1;
  f->num = (uint32_t)(key >> 3);
  f->wt = (int)(key & 7);
  f->v = 0;
  switch (f->wt) {
    case 0: return varint(b, &f->v) ? -1 : 1;
    case 1:
    case 5: {
      int nb = f->wt == 1 ? 8 : 4;
      if (b->end - b->p < nb) return -1;
      for (int i = nb - 1; i >= 0; i--) f->v = f->v << 8 | b->p[i];
      b->p += nb;
      return 1;
    }
    case 2:
      if (varint(b, &len) || len > (uint64_t)(b->end - b->p)) return -1;
      f->sub.p = b->p;
      f->sub.end = b->p + len;
      b->p += len;
      return 1;
    default: return -1; /* groups (3, 4) are not used by OSM */
  }
}

static int64_t zigzag(uint64_t u) {
  return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

typedef struct vec {
  int64_t *v;
  size_t n, cap;
} vec;

/* Appends the values of a repeated integer field, packed or not (protobuf
 * readers must take both). */
static int vec_field(vec *a, const field *f, int zz) {
  pb s = f->sub;
  if (f->wt != 0 && f->wt != 2) return CT_EFORMAT;
  for (;;) {
    uint64_t u = f->v;
    if (f->wt == 2) {
      if (s.p >= s.end) return CT_OK;
      if (varint(&s, &u)) return CT_EFORMAT;
    }
    if (a->n == a->cap) {
      size_t cap = a->cap ? 2 * a->cap : 256;
      int64_t *p = realloc(a->v, sizeof *p * cap);
      if (!p) return CT_ENOMEM;
      a->v = p, a->cap = cap;
    }
    a->v[a->n++] = zz ? zigzag(u) : (int64_t)u;
    if (f->wt == 0) return CT_OK;
  }
}

/* Running sums of delta-coded values, wrapping rather than overflowing on
 * a hostile file. */
static void undelta(vec *a) {
  uint64_t sum = 0;
  for (size_t i = 0; i < a->n; i++) {
    sum += (uint64_t)a->v[i];
    a->v[i] = (int64_t)sum;
  }
}

/* What one PrimitiveBlock needs, reused from block to block. */
typedef struct block {
  str *st;
  size_t nst, stcap;
  double gran, lat_off, lon_off;
  vec a, b, c, d, e;
  int pass;
} block;

static double deg(const block *k, double off, int64_t v) {
  return 1e-9 * (off + k->gran * (double)v);
}

static int parse_node(ctx *c, block *k, pb b) {
  field f;
  int r;
  int64_t id = 0, lat = 0, lon = 0;
  while ((r = next_field(&b, &f)) > 0) {
    if (f.num == 1 || f.num == 8 || f.num == 9) {
      if (f.wt != 0) return CT_EFORMAT;
      int64_t v = zigzag(f.v);
      if (f.num == 1) id = v;
      else if (f.num == 8) lat = v;
      else lon = v;
    }
  }
  if (r < 0) return CT_EFORMAT;
  node_seen(c, id, deg(k, k->lon_off, lon), deg(k, k->lat_off, lat));
  return CT_OK;
}

static int parse_dense(ctx *c, block *k, pb b) {
  field f;
  int r, rc = CT_OK;
  k->a.n = k->b.n = k->c.n = 0;
  while (rc == CT_OK && (r = next_field(&b, &f)) > 0) {
    if (f.num == 1) rc = vec_field(&k->a, &f, 1);
    else if (f.num == 8) rc = vec_field(&k->b, &f, 1);
    else if (f.num == 9) rc = vec_field(&k->c, &f, 1);
  }
  if (rc != CT_OK) return rc;
  if (r < 0 || k->a.n != k->b.n || k->a.n != k->c.n) return CT_EFORMAT;
  undelta(&k->a), undelta(&k->b), undelta(&k->c);
  for (size_t i = 0; i < k->a.n; i++)
    node_seen(c, k->a.v[i], deg(k, k->lon_off, k->c.v[i]),
              deg(k, k->lat_off, k->b.v[i]));
  return CT_OK;
}

static int parse_relation(ctx *c, block *k, pb b) {
  field f;
  int r, rc = CT_OK;
  int64_t id = 0;
  vec *keys = &k->a, *vals = &k->b, *roles = &k->c, *ids = &k->d,
      *types = &k->e;
  keys->n = vals->n = roles->n = ids->n = types->n = 0;
  while (rc == CT_OK && (r = next_field(&b, &f)) > 0) {
    switch (f.num) {
      case 1:
        if (f.wt != 0) return CT_EFORMAT;
        id = (int64_t)f.v;
        break;
      case 2: rc = vec_field(keys, &f, 0); break;
      case 3: rc = vec_field(vals, &f, 0); break;
      case 8: rc = vec_field(roles, &f, 0); break;
      case 9: rc = vec_field(ids, &f, 1); break;
      case 10: rc = vec_field(types, &f, 0); break;
      default: break;
    }
  }
  if (rc != CT_OK) return rc;
  if (r < 0 || keys->n != vals->n || roles->n != ids->n ||
      roles->n != types->n)
    return CT_EFORMAT;
  undelta(ids);
  for (size_t i = 0; i < keys->n; i++)
    if (keys->v[i] < 0 || (uint64_t)keys->v[i] >= k->nst || vals->v[i] < 0 ||
        (uint64_t)vals->v[i] >= k->nst)
      return CT_EFORMAT;
  for (size_t i = 0; i < roles->n; i++)
    if (roles->v[i] < 0 || (uint64_t)roles->v[i] >= k->nst ||
        types->v[i] < 0 || types->v[i] > 2)
      return CT_EFORMAT;
  rel_start(&c->r, id);
  for (size_t i = 0; i < keys->n && rc == CT_OK; i++)
    rc = rel_tag(&c->r, k->st[keys->v[i]], k->st[vals->v[i]]);
  for (size_t i = 0; i < roles->n && rc == CT_OK; i++)
    rc = rel_member(&c->r, (int)types->v[i], ids->v[i], k->st[roles->v[i]]);
  return rc == CT_OK ? rel_end(c) : rc;
}

static int parse_group(ctx *c, block *k, pb b) {
  field f;
  int r, rc = CT_OK;
  while (rc == CT_OK && (r = next_field(&b, &f)) > 0) {
    if (f.num >= 1 && f.num <= 4 && f.wt != 2) return CT_EFORMAT;
    if (f.num == 1) rc = parse_node(c, k, f.sub);
    else if (f.num == 2) rc = parse_dense(c, k, f.sub);
    else if (f.num == 4 && k->pass == 1) rc = parse_relation(c, k, f.sub);
  }
  return rc != CT_OK ? rc : r < 0 ? CT_EFORMAT : CT_OK;
}

static int parse_block(ctx *c, block *k, pb blk) {
  field f, g;
  int r, rc = CT_OK;
  pb b = blk;
  int64_t gran = 100, lat_off = 0, lon_off = 0;
  k->nst = 0;
  /* The string table and the scale first: protobuf fields come in any
   * order, and the groups need both. */
  while ((r = next_field(&b, &f)) > 0) {
    if (f.num == 1) {
      if (f.wt != 2) return CT_EFORMAT;
      pb t = f.sub;
      while ((r = next_field(&t, &g)) > 0) {
        if (g.num != 1) continue;
        if (g.wt != 2) return CT_EFORMAT;
        if (k->nst == k->stcap) {
          size_t cap = k->stcap ? 2 * k->stcap : 256;
          str *p = realloc(k->st, sizeof *p * cap);
          if (!p) return CT_ENOMEM;
          k->st = p, k->stcap = cap;
        }
        k->st[k->nst].p = (const char *)g.sub.p;
        k->st[k->nst++].n = (size_t)(g.sub.end - g.sub.p);
      }
      if (r < 0) return CT_EFORMAT;
    } else if (f.num == 17 || f.num == 19 || f.num == 20) {
      if (f.wt != 0) return CT_EFORMAT;
      if (f.num == 17) gran = (int32_t)f.v;
      else if (f.num == 19) lat_off = (int64_t)f.v;
      else lon_off = (int64_t)f.v;
    }
  }
  if (r < 0 || gran <= 0) return CT_EFORMAT;
  k->gran = (double)gran;
  k->lat_off = (double)lat_off;
  k->lon_off = (double)lon_off;
  b = blk;
  while (rc == CT_OK && (r = next_field(&b, &f)) > 0) {
    if (f.num != 2) continue;
    if (f.wt != 2) return CT_EFORMAT;
    rc = parse_group(c, k, f.sub);
  }
  return rc;
}

/* The contents of a Blob: *out points into the file when raw, or into
 * *owned (malloc'd) when inflated. */
static int blob_data(ctx *c, pb b, const char *where, pb *out,
                     uint8_t **owned) {
  static const char *const names[] = {"lzma", "bzip2", "lz4", "zstd"};
  field f;
  int r, have = 0;
  int64_t raw_size = -1;
  pb raw = {0}, z = {0};
  while ((r = next_field(&b, &f)) > 0) {
    if (f.num == 2) {
      if (f.wt != 0) break;
      raw_size = f.v > INT32_MAX ? -1 : (int64_t)f.v; /* int32 in the spec */
    } else if (f.num == 1 || f.num == 3) {
      if (f.wt != 2) break;
      *(f.num == 1 ? &raw : &z) = f.sub;
      have = (int)f.num;
    } else if (f.num >= 4 && f.num <= 7) {
      return ct_error_set(c->err, CT_EFORMAT,
                          "%s: %s: %s compression is not supported "
                          "(only raw and zlib blobs)",
                          c->path, where, names[f.num - 4]);
    }
  }
  if (r != 0)
    return ct_error_set(c->err, CT_EFORMAT, "%s: %s: malformed Blob", c->path,
                        where);
  if (have == 1) {
    *out = raw;
    return CT_OK;
  }
  if (have != 3)
    return ct_error_set(c->err, CT_EFORMAT, "%s: %s: Blob holds no data",
                        c->path, where);
  if (raw_size < 0 || raw_size > MAX_BLOB)
    return ct_error_set(c->err, CT_EFORMAT,
                        "%s: %s: zlib Blob without a plausible raw_size",
                        c->path, where);
  uint8_t *buf = malloc(raw_size ? (size_t)raw_size : 1);
  if (!buf)
    return ct_error_set(c->err, CT_ENOMEM, "%s: %s: out of memory", c->path,
                        where);
  uLongf dn = (uLongf)raw_size;
  int zr = uncompress(buf, &dn, z.p, (uLong)(z.end - z.p));
  if (zr != Z_OK || dn != (uLongf)raw_size) {
    free(buf);
    return ct_error_set(c->err, CT_EFORMAT,
                        "%s: %s: zlib data does not inflate to the %lld bytes "
                        "it declares (%s)",
                        c->path, where, (long long)raw_size,
                        zr == Z_OK ? "wrong size" : zError(zr));
  }
  *owned = buf;
  out->p = buf;
  out->end = buf + raw_size;
  return CT_OK;
}

static int header_ok(ctx *c, pb b, const char *where) {
  field f;
  int r;
  while ((r = next_field(&b, &f)) > 0) {
    if (f.num != 4) continue;
    if (f.wt != 2) break;
    str s = {(const char *)f.sub.p, (size_t)(f.sub.end - f.sub.p)};
    if (!str_is(s, "OsmSchema-V0.6") && !str_is(s, "DenseNodes") &&
        !str_is(s, "HistoricalInformation"))
      return ct_error_set(c->err, CT_EFORMAT,
                          "%s: %s: the file needs feature '%.*s', which this "
                          "reader does not have",
                          c->path, where, (int)s.n > 200 ? 200 : (int)s.n,
                          s.p);
  }
  if (r != 0)
    return ct_error_set(c->err, CT_EFORMAT, "%s: %s: malformed HeaderBlock",
                        c->path, where);
  return CT_OK;
}

static int walk_pbf(ctx *c, const uint8_t *buf, size_t size, int pass) {
  block k = {0};
  k.pass = pass;
  int rc = CT_OK;
  size_t pos = 0;
  for (int nb = 0; pos < size && rc == CT_OK; nb++) {
    char where[96];
    snprintf(where, sizeof where, "blob %d at byte %zu", nb, pos);
    if (size - pos < 4) {
      rc = ct_error_set(c->err, CT_EFORMAT,
                        "%s: truncated: %zu stray bytes at byte %zu", c->path,
                        size - pos, pos);
      break;
    }
    uint32_t hl = (uint32_t)buf[pos] << 24 | (uint32_t)buf[pos + 1] << 16 |
                  (uint32_t)buf[pos + 2] << 8 | buf[pos + 3];
    if (hl == 0 || hl > MAX_HEADER) {
      if (nb == 0)
        rc = ct_error_set(c->err, CT_EFORMAT,
                          "%s: not an OSM file (neither .osm.pbf nor XML)",
                          c->path);
      else
        rc = ct_error_set(c->err, CT_EFORMAT,
                          "%s: %s: implausible header length; the file is "
                          "damaged", c->path, where);
      break;
    }
    if (hl > size - pos - 4) {
      rc = ct_error_set(c->err, CT_EFORMAT,
                        "%s: truncated: %s needs a %u-byte header, %zu bytes "
                        "left",
                        c->path, where, hl, size - pos - 4);
      break;
    }
    pb h = {buf + pos + 4, buf + pos + 4 + hl};
    field f;
    int r;
    str type = {NULL, 0};
    int64_t datasize = -1;
    while ((r = next_field(&h, &f)) > 0) {
      if (f.num == 1 && f.wt == 2)
        type.p = (const char *)f.sub.p, type.n = (size_t)(f.sub.end - f.sub.p);
      else if (f.num == 3 && f.wt == 0)
        datasize = f.v > INT32_MAX ? -1 : (int64_t)f.v;
    }
    int is_hdr = str_is(type, "OSMHeader"), is_data = str_is(type, "OSMData");
    if (r != 0 || !type.p || datasize < 0 || datasize > MAX_BLOB ||
        (nb == 0 && !is_hdr)) {
      if (nb == 0)
        rc = ct_error_set(c->err, CT_EFORMAT,
                          "%s: not an OSM file (no OSMHeader blob first)",
                          c->path);
      else
        rc = ct_error_set(c->err, CT_EFORMAT, "%s: %s: malformed BlobHeader",
                          c->path, where);
      break;
    }
    pos += 4 + hl;
    if ((uint64_t)datasize > size - pos) {
      rc = ct_error_set(c->err, CT_EFORMAT,
                        "%s: truncated: %s needs %lld bytes of data, %zu left",
                        c->path, where, (long long)datasize, size - pos);
      break;
    }
    pb blob = {buf + pos, buf + pos + datasize}, data;
    pos += (size_t)datasize;
    if (!is_hdr && !is_data) continue; /* other blob types may be skipped */
    uint8_t *owned = NULL;
    rc = blob_data(c, blob, where, &data, &owned);
    if (rc == CT_OK && is_hdr) rc = header_ok(c, data, where);
    if (rc == CT_OK && is_data) {
      rc = parse_block(c, &k, data);
      if (rc == CT_ENOMEM)
        ct_error_set(c->err, rc, "%s: %s: out of memory", c->path, where);
      else if (rc != CT_OK)
        ct_error_set(c->err, rc, "%s: %s: malformed PrimitiveBlock", c->path,
                     where);
    }
    free(owned);
  }
  free(k.st);
  free(k.a.v), free(k.b.v), free(k.c.v), free(k.d.v), free(k.e.v);
  return rc;
}

/* --- XML --- */

static void put_utf8(char *out, size_t cap, size_t *o, unsigned long cp) {
  char b[4];
  int n;
  if (cp < 0x80) b[0] = (char)cp, n = 1;
  else if (cp < 0x800)
    b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
  else if (cp < 0x10000)
    b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
    b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
  else
    b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
    b[2] = (char)(0x80 | (cp >> 6 & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)),
    n = 4;
  if (*o + (size_t)n < cap) memcpy(out + *o, b, (size_t)n), *o += (size_t)n;
}

/* An attribute value with its entities decoded, into out (cap bytes, cut
 * when longer); an entity it does not know stays as written. */
static str xml_decode(str v, char *out, size_t cap) {
  static const struct { const char *name; char ch; } ent[] = {
      {"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'},
      {"apos;", '\''}};
  size_t o = 0;
  for (size_t i = 0; i < v.n;) {
    if (v.p[i] == '&') {
      size_t rest = v.n - i - 1;
      const char *q = v.p + i + 1;
      int done = 0;
      for (size_t e = 0; e < sizeof ent / sizeof ent[0] && !done; e++) {
        size_t len = strlen(ent[e].name);
        if (rest >= len && memcmp(q, ent[e].name, len) == 0) {
          if (o + 1 < cap) out[o++] = ent[e].ch;
          i += 1 + len, done = 1;
        }
      }
      if (!done && rest >= 3 && q[0] == '#') {
        int hex = q[1] == 'x' || q[1] == 'X';
        size_t j = hex ? 2 : 1;
        unsigned long cp = 0;
        while (j < rest && j < 10 && (hex ? isxdigit((unsigned char)q[j])
                                          : isdigit((unsigned char)q[j]))) {
          int d = isdigit((unsigned char)q[j])
                      ? q[j] - '0'
                      : (tolower((unsigned char)q[j]) - 'a' + 10);
          cp = cp * (hex ? 16 : 10) + (unsigned long)d;
          j++;
        }
        if (j < rest && q[j] == ';' && j > (hex ? 2u : 1u) && cp > 0 &&
            cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) { /* no halves */
          put_utf8(out, cap, &o, cp);
          i += 1 + j + 1, done = 1;
        }
      }
      if (done) continue;
    }
    if (o + 1 < cap) out[o++] = v.p[i];
    i++;
  }
  out[o] = '\0';
  return (str){out, o};
}

static int xml_int(str v, int64_t *x) {
  char b[32];
  if (v.n == 0 || v.n >= sizeof b) return -1;
  memcpy(b, v.p, v.n), b[v.n] = '\0';
  char *end;
  errno = 0;
  long long l = strtoll(b, &end, 10);
  if (*end || errno) return -1;
  *x = l;
  return 0;
}

static int xml_double(str v, double *x) {
  char b[64];
  if (v.n == 0 || v.n >= sizeof b) return -1;
  memcpy(b, v.p, v.n), b[v.n] = '\0';
  char *end;
  *x = strtod(b, &end);
  return *end || !isfinite(*x) ? -1 : 0;
}

static int line_of(const char *s, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos; i++) line += s[i] == '\n';
  return line;
}

#define MAX_ATTR 16

static int is_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int xml_walk(ctx *c, const char *s, size_t size, size_t i, int pass) {
  int root = 0, closed = 0, in_rel = 0, rc = CT_OK;
  const char *bad = NULL;
  char kb[512], vb[512];
  while (rc == CT_OK && !bad) {
    const char *lt = memchr(s + i, '<', size - i);
    if (!lt) break;
    size_t at = (size_t)(lt - s);
    i = at + 1;
    const char *end_mark = NULL;
    if (size - i >= 1 && s[i] == '?') end_mark = "?>";
    else if (size - i >= 3 && memcmp(s + i, "!--", 3) == 0) end_mark = "-->";
    else if (size - i >= 8 && memcmp(s + i, "![CDATA[", 8) == 0)
      end_mark = "]]>";
    else if (size - i >= 1 && s[i] == '!') end_mark = ">";
    if (end_mark) {
      size_t ml = strlen(end_mark), e = i;
      while (e + ml <= size && memcmp(s + e, end_mark, ml) != 0) e++;
      if (e + ml > size) {
        bad = "unterminated markup";
        i = at;
        break;
      }
      i = e + ml;
      continue;
    }
    int closing = i < size && s[i] == '/';
    i += (size_t)closing;
    str name = {s + i, 0};
    while (i < size && !is_space(s[i]) && s[i] != '>' && s[i] != '/') i++;
    name.n = (size_t)(s + i - name.p);
    str an[MAX_ATTR], av[MAX_ATTR];
    int na = 0, self = 0, done = 0;
    while (!done && !bad) {
      while (i < size && is_space(s[i])) i++;
      if (i >= size) bad = "truncated inside a tag";
      else if (s[i] == '>') i++, done = 1;
      else if (s[i] == '/' && i + 1 < size && s[i + 1] == '>')
        i += 2, self = done = 1;
      else if (closing) bad = "malformed closing tag";
      else {
        str a = {s + i, 0};
        while (i < size && !is_space(s[i]) && s[i] != '=' && s[i] != '>' &&
               s[i] != '/')
          i++;
        a.n = (size_t)(s + i - a.p);
        while (i < size && is_space(s[i])) i++;
        if (a.n == 0 || i >= size || s[i] != '=') {
          bad = i >= size ? "truncated inside a tag" : "malformed attribute";
          break;
        }
        i++;
        while (i < size && is_space(s[i])) i++;
        if (i >= size || (s[i] != '"' && s[i] != '\'')) {
          bad = i >= size ? "truncated inside a tag" : "unquoted attribute";
          break;
        }
        const char *q = memchr(s + i + 1, s[i], size - i - 1);
        if (!q) {
          bad = "truncated inside an attribute value";
          break;
        }
        if (na < MAX_ATTR)
          an[na] = a, av[na++] = (str){s + i + 1, (size_t)(q - s - i - 1)};
        i = (size_t)(q - s) + 1;
      }
    }
    if (bad) {
      i = at;
      break;
    }
    if (!root) {
      if (closing || !str_is(name, "osm")) {
        return ct_error_set(c->err, CT_EFORMAT,
                            "%s:%d: not an OSM file: the XML root element is "
                            "<%.*s>, not <osm>",
                            c->path, line_of(s, at),
                            (int)(name.n > 40 ? 40 : name.n), name.p);
      }
      root = 1;
      closed = self;
      continue;
    }
    if (closing) {
      if (str_is(name, "relation") && in_rel) {
        in_rel = 0;
        if (pass == 1) rc = rel_end(c);
      } else if (str_is(name, "osm")) {
        closed = 1;
      }
      continue;
    }
    str id = {0}, v1 = {0}, v2 = {0}, v3 = {0};
    int is_node = str_is(name, "node"), is_rel = str_is(name, "relation");
    int is_mem = str_is(name, "member"), is_tag = str_is(name, "tag");
    for (int a = 0; a < na; a++) {
      if ((is_node || is_rel) && str_is(an[a], "id")) id = av[a];
      if (is_node && str_is(an[a], "lon")) v1 = av[a];
      if (is_node && str_is(an[a], "lat")) v2 = av[a];
      if (is_mem && str_is(an[a], "type")) v1 = av[a];
      if (is_mem && str_is(an[a], "ref")) v2 = av[a];
      if (is_mem && str_is(an[a], "role")) v3 = av[a];
      if (is_tag && str_is(an[a], "k")) v1 = av[a];
      if (is_tag && str_is(an[a], "v")) v2 = av[a];
    }
    int64_t x;
    double lon, lat;
    if (is_node && pass == 2) {
      if (xml_int(id, &x) == 0 && xml_double(v1, &lon) == 0 &&
          xml_double(v2, &lat) == 0)
        node_seen(c, x, lon, lat);
    } else if (is_rel) {
      if (in_rel) bad = "<relation> inside a <relation>";
      else if (xml_int(id, &x) != 0) bad = "<relation> without a valid id";
      else if (pass == 1) {
        rel_start(&c->r, x);
        in_rel = !self;
        if (self) rc = rel_end(c);
      } else {
        in_rel = !self;
      }
    } else if (is_mem && in_rel && pass == 1) {
      str t = xml_decode(v1, vb, sizeof vb);
      int type = str_is(t, "node") ? 0 : str_is(t, "way") ? 1
                 : str_is(t, "relation") ? 2 : -1;
      if (type < 0 || xml_int(v2, &x) != 0)
        bad = "<member> without a valid type and ref";
      else
        rc = rel_member(&c->r, type, x, xml_decode(v3, kb, sizeof kb));
    } else if (is_tag && in_rel && pass == 1) {
      rc = rel_tag(&c->r, xml_decode(v1, kb, sizeof kb),
                   xml_decode(v2, vb, sizeof vb));
    }
    if (bad) i = at;
  }
  if (rc != CT_OK)
    return ct_error_set(c->err, rc, "%s: out of memory", c->path);
  if (bad)
    return ct_error_set(c->err, CT_EFORMAT, "%s:%d: %s", c->path,
                        line_of(s, i), bad);
  if (!root)
    return ct_error_set(c->err, CT_EFORMAT,
                        "%s: not an OSM file (no <osm> element)", c->path);
  if (!closed || in_rel)
    return ct_error_set(c->err, CT_EFORMAT,
                        "%s: truncated: the file ends before </osm>", c->path);
  return CT_OK;
}

/* --- the file --- */

static int read_all(const char *path, uint8_t **buf, size_t *size,
                    ct_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return ct_error_set(err, errno == ENOENT ? CT_ENOENT : CT_EIO,
                        "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return ct_error_set(err, CT_EIO, "%s: not a regular file", path);
  }
  size_t n = (size_t)st.st_size;
  uint8_t *b = malloc(n + 1);
  if (!b) {
    fclose(f);
    return ct_error_set(err, CT_ENOMEM, "%s: out of memory reading %zu bytes",
                        path, n);
  }
  size_t got = fread(b, 1, n, f);
  int bad = ferror(f);
  fclose(f);
  if (got != n || bad) {
    free(b);
    return ct_error_set(err, CT_EIO, "%s: read failed", path);
  }
  b[n] = '\0';
  *buf = b, *size = n;
  return CT_OK;
}

int ct_osm_read_restrictions(const char *path, ct_osm_restriction **list,
                             int *n, ct_error *err) {
  if (!path || !list || !n)
    return ct_error_set(err, CT_EINVAL, "ct_osm_read_restrictions: NULL "
                                        "argument");
  *list = NULL, *n = 0;
  uint8_t *buf = NULL;
  size_t size = 0;
  int rc = read_all(path, &buf, &size, err);
  if (rc != CT_OK) return rc;
  ctx c = {.path = path, .err = err};
  const char *s = (const char *)buf;
  size_t i = size >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
  while (i < size && is_space(s[i])) i++;
  int xml = i < size && s[i] == '<';
  if (size == 0)
    rc = ct_error_set(err, CT_EFORMAT, "%s: empty file, not an OSM file",
                      path);
  else
    rc = xml ? xml_walk(&c, s, size, i, 1) : walk_pbf(&c, buf, size, 1);
  /* The via nodes, sorted for lookup, then a second pass for their
   * locations. */
  if (rc == CT_OK && c.n) {
    c.need = malloc(sizeof *c.need * (size_t)c.n);
    c.lon = malloc(sizeof *c.lon * (size_t)c.n);
    c.lat = malloc(sizeof *c.lat * (size_t)c.n);
    if (!c.need || !c.lon || !c.lat)
      rc = ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
    for (int k = 0; rc == CT_OK && k < c.n; k++)
      if (c.list[k].via_node) c.need[c.nneed++] = c.list[k].via_node;
  }
  if (rc == CT_OK && c.nneed) {
    qsort(c.need, (size_t)c.nneed, sizeof *c.need, cmp_i64);
    int u = 0;
    for (int k = 0; k < c.nneed; k++)
      if (u == 0 || c.need[k] != c.need[u - 1]) c.need[u++] = c.need[k];
    c.nneed = u;
    for (int k = 0; k < u; k++) c.lon[k] = c.lat[k] = NAN;
    rc = xml ? xml_walk(&c, s, size, i, 2) : walk_pbf(&c, buf, size, 2);
    for (int k = 0; rc == CT_OK && k < c.n; k++) {
      ct_osm_restriction *e = &c.list[k];
      int64_t *hit = e->via_node ? bsearch(&e->via_node, c.need,
                                           (size_t)c.nneed, sizeof *c.need,
                                           cmp_i64)
                                 : NULL;
      if (hit) {
        e->via_lon = c.lon[hit - c.need];
        e->via_lat = c.lat[hit - c.need];
      }
    }
  }
  free(c.need), free(c.lon), free(c.lat);
  free(c.r.cls), free(c.r.via);
  free(buf);
  if (rc != CT_OK) {
    ct_osm_restrictions_free(c.list, c.n);
    return rc;
  }
  *list = c.list, *n = c.n;
  return CT_OK;
}

void ct_osm_restrictions_free(ct_osm_restriction *list, int n) {
  if (!list) return;
  for (int k = 0; k < n; k++) free(list[k].via_ways);
  free(list);
}
