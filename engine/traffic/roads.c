/* roads.c - the road graph from GIS lines: an OpenStreetMap lines layer
 * (highway, name, osm_id, other_tags with lanes/maxspeed/oneway) or any line
 * layer whose columns the scenario names. Junctions where lines share a
 * vertex (OSM nodes: identical coordinates after reprojection) or where
 * endpoints lie within the snapping tolerance; lines are cut at junctions
 * into links that keep their source id and name. Missing lanes and speeds
 * take per-class defaults for Vietnamese cities. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "traffic/traffic_internal.h"

typedef struct road_class {
  const char *name;
  double lanes; /* per direction */
  double speed; /* km/h */
  int oneway;
} road_class;

/* Order matters: indices <= 4 (tertiary and above) count as major roads for
 * the default signals. Lanes per direction and speeds for HCMC-like
 * streets: arterials 3 lanes at 50 km/h, residential streets and alleys one
 * lane at 30 km/h or less (urban limits of Circular 31/2019/TT-BGTVT). */
static const road_class classes[] = {
    {"motorway", 3, 80, 1},      {"trunk", 3, 60, 0},
    {"primary", 3, 50, 0},       {"secondary", 2, 40, 0},
    {"tertiary", 1, 40, 0},      {"unclassified", 1, 30, 0},
    {"residential", 1, 30, 0},   {"living_street", 1, 15, 0},
    {"service", 1, 20, 0},       {"road", 1, 30, 0},
    {"motorway_link", 1, 50, 1}, {"trunk_link", 1, 40, 0},
    {"primary_link", 1, 40, 0},  {"secondary_link", 1, 30, 0},
    {"tertiary_link", 1, 30, 0},
};
enum { NCLASSES = sizeof classes / sizeof classes[0], UNCLASSIFIED = 5 };

int ct__road_class(const char *name) {
  if (!name) return -1;
  for (int k = 0; k < NCLASSES; k++)
    if (strcasecmp(name, classes[k].name) == 0) return k;
  return -1;
}

/* Value of "key"=>"value" in OSM's other_tags, unescaped, or 0. */
static int osm_tag(const char *tags, const char *key, char *out, size_t n) {
  if (!tags) return 0;
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\"=>\"", key);
  const char *p = tags;
  while ((p = strstr(p, pat)) != NULL) {
    if (p == tags || p[-1] == ',') break;
    p++;
  }
  if (!p) return 0;
  p += strlen(pat);
  size_t k = 0;
  while (*p && *p != '"' && k + 1 < n) {
    if (*p == '\\' && p[1]) p++;
    out[k++] = *p++;
  }
  out[k] = 0;
  return 1;
}

/* "40", "40 km/h", "30 mph" -> km/h; 0 when not a number. */
static double parse_speed(const char *s) {
  if (!s) return 0;
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v > 0) || !isfinite(v)) return 0;
  while (*end == ' ') end++;
  if (strncasecmp(end, "mph", 3) == 0) v *= 1.609344;
  return v;
}

static double parse_num(const char *s) {
  if (!s) return 0;
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v > 0) || !isfinite(v)) return 0;
  return v;
}

/* A bridge flag: OSM's bridge=yes|viaduct|... (anything but no), or a
 * column's 1/yes/true. */
static int parse_bridge(const char *s) {
  if (!s || !*s) return 0;
  char *end;
  double v = strtod(s, &end);
  if (end != s && *end == 0) return v != 0;
  return strcasecmp(s, "no") && strcasecmp(s, "false") && strcasecmp(s, "n") &&
         strcasecmp(s, "f");
}

/* 1 forward only, -1 backward only, 0 both ways */
static int parse_oneway(const char *s) {
  if (!s || !*s) return 0;
  if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1") ||
      !strcasecmp(s, "y") || !strcasecmp(s, "t") || !strcasecmp(s, "forward"))
    return 1;
  if (!strcmp(s, "-1") || !strcasecmp(s, "reverse") ||
      !strcasecmp(s, "backward"))
    return -1;
  return 0;
}

/* --- vertex hash: identical coordinates -> one entry --- */
typedef struct {
  double x, y;
  int count, node;
} vtx;

typedef struct {
  size_t cap;
  vtx *v;
  unsigned char *used;
} vhash;

static uint64_t hxy(double x, double y) {
  uint64_t a, b;
  memcpy(&a, &x, 8);
  memcpy(&b, &y, 8);
  uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull + (a << 6));
  h ^= h >> 29;
  return h * 0xBF58476D1CE4E5B9ull;
}

static vtx *vh_get(vhash *h, double x, double y) {
  size_t k = hxy(x, y) & (h->cap - 1);
  while (h->used[k]) {
    if (h->v[k].x == x && h->v[k].y == y) return &h->v[k];
    k = (k + 1) & (h->cap - 1);
  }
  h->used[k] = 1;
  h->v[k].x = x;
  h->v[k].y = y;
  h->v[k].count = 0;
  h->v[k].node = -1;
  return &h->v[k];
}

typedef struct {
  int f, part; /* feature and part */
  int cls, oneway, bridge;
  double lfwd, lback, speed;
} line;

/* What a link keeps of the line it was cut from. */
static void mark(ct__link *L, const line *ln) {
  L->rclass = ln->cls;
  L->feature = ln->f;
  L->bridge = (unsigned char)ln->bridge;
}

static int find_root(int *par, int a) {
  while (par[a] != a) a = par[a] = par[par[a]];
  return a;
}

static int cmp_i64(const void *a, const void *b) {
  const int64_t *x = a, *y = b;
  return x[0] < y[0] ? -1 : x[0] > y[0];
}

static int col_error(const ct_vector *v, const char *what, const char *col,
                     ct_error *err) {
  char avail[1024];
  size_t n = 0;
  avail[0] = 0;
  for (int k = 0; k < v->nfields && n + 4 < sizeof avail; k++)
    n += (size_t)snprintf(avail + n, sizeof avail - n, "%s%s", k ? ", " : "",
                          v->fields[k]);
  if (n >= sizeof avail) avail[sizeof avail - 1] = 0;
  return ct_error_set(err, CT_EINVAL,
                      "layer '%s' (%s): no column '%s' for %s; the layer has: "
                      "%s",
                      v->name ? v->name : "?", v->path ? v->path : "?", col,
                      what, v->nfields ? avail : "(no columns)");
}

int ct_traffic_build_roads(ct_traffic *t, const ct_vector *v,
                           const ct_road_columns *cols,
                           void (*warn)(void *ud, const char *msg), void *ud,
                           ct_error *err) {
  const char *lname = v->name ? v->name : "roads";
  const char *lpath = v->path ? v->path : "?";
  ct_road_columns osm = {"highway", NULL, NULL, NULL, "name", "osm_id", NULL};
  int is_osm = cols == NULL;
  const ct_road_columns *c = cols ? cols : &osm;
  struct {
    const char *what, *col;
  } need[7] = {{"column.class", c->cls},   {"column.lanes", c->lanes},
               {"column.speed", c->speed}, {"column.oneway", c->oneway},
               {"column.name", c->name},   {"column.id", c->id},
               {"column.bridge", c->bridge}};
  for (int k = 0; k < 7; k++) {
    if (!need[k].col) continue;
    if (ct_vector_field(v, need[k].col) < 0) {
      if (is_osm && k != 0) continue; /* name/osm_id optional */
      return col_error(v, is_osm ? "the OpenStreetMap road class" : need[k].what,
                       need[k].col, err);
    }
  }
  int has_tags = is_osm && ct_vector_field(v, "other_tags") >= 0;

  /* the drivable lines; what was not usable is counted for one warning */
  int nline = 0, nvert = 0;
  int no_geom = 0, bad_class = 0, bad_lanes = 0, bad_speed = 0;
  char bad_class_eg[64] = "";
  line *lines = malloc(((size_t)v->nfeat + 1) * 4 * sizeof *lines);
  int capline = (v->nfeat + 1) * 4;
  if (!lines) return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
  for (int f = 0; f < v->nfeat; f++) {
    const ct_feature *ft = &v->feat[f];
    if (ft->type != CT_GEOM_LINE) {
      no_geom++;
      continue;
    }
    const char *cs = c->cls ? ct_feature_attr(v, ft, c->cls) : NULL;
    int cls = ct__road_class(cs);
    if (cls < 0) {
      if (is_osm) continue; /* footways, steps, rail... */
      if (cs && *cs && !bad_class++)
        snprintf(bad_class_eg, sizeof bad_class_eg, "%s", cs);
      cls = UNCLASSIFIED;
    }
    const char *tags = has_tags ? ct_feature_attr(v, ft, "other_tags") : NULL;
    char buf[64];
    double lanes = 0, speed = 0, lf = 0, lb = 0;
    int oneway = classes[cls].oneway, bridge = 0;
    if (is_osm) {
      if (osm_tag(tags, "bridge", buf, sizeof buf)) bridge = parse_bridge(buf);
      if (osm_tag(tags, "lanes", buf, sizeof buf)) lanes = parse_num(buf);
      if (osm_tag(tags, "lanes:forward", buf, sizeof buf)) lf = parse_num(buf);
      if (osm_tag(tags, "lanes:backward", buf, sizeof buf)) lb = parse_num(buf);
      if (osm_tag(tags, "maxspeed", buf, sizeof buf)) speed = parse_speed(buf);
      if (osm_tag(tags, "oneway", buf, sizeof buf)) oneway = parse_oneway(buf);
      if (osm_tag(tags, "junction", buf, sizeof buf) &&
          !strcasecmp(buf, "roundabout"))
        oneway = 1;
      if (osm_tag(tags, "access", buf, sizeof buf) &&
          (!strcasecmp(buf, "no") || !strcasecmp(buf, "private")))
        continue;
    } else {
      const char *ls = c->lanes ? ct_feature_attr(v, ft, c->lanes) : NULL;
      const char *ss = c->speed ? ct_feature_attr(v, ft, c->speed) : NULL;
      lanes = parse_num(ls);
      speed = parse_speed(ss);
      bad_lanes += ls && *ls && !(lanes > 0);
      bad_speed += ss && *ss && !(speed > 0);
      if (c->oneway) oneway = parse_oneway(ct_feature_attr(v, ft, c->oneway));
      if (c->bridge) bridge = parse_bridge(ct_feature_attr(v, ft, c->bridge));
    }
    if (!(speed > 0)) speed = classes[cls].speed;
    double per = classes[cls].lanes;
    if (lanes > 0) per = oneway ? lanes : (lanes / 2 > 1 ? lanes / 2 : 1);
    for (int p = 0; p < ft->nparts; p++) {
      int np = ft->part[p + 1] - ft->part[p];
      if (np < 2) continue;
      if (nline == capline) {
        capline *= 2;
        line *a = realloc(lines, (size_t)capline * sizeof *a);
        if (!a) {
          free(lines);
          return ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
        }
        lines = a;
      }
      line *ln = &lines[nline++];
      ln->f = f;
      ln->part = p;
      ln->cls = cls;
      ln->oneway = oneway;
      ln->bridge = bridge;
      ln->speed = speed;
      ln->lfwd = lf > 0 ? lf : per;
      ln->lback = lb > 0 ? lb : per;
      nvert += np;
    }
  }
  if (warn && (no_geom || bad_class || bad_lanes || bad_speed)) {
    /* names cut so that the counts always fit */
    char msg[1024];
    size_t n = (size_t)snprintf(msg, sizeof msg, "layer '%.60s' (%.400s):",
                                lname, lpath);
    if (no_geom)
      n += (size_t)snprintf(msg + n, sizeof msg - n,
                            " %d feature(s) that are not lines skipped;",
                            no_geom);
    if (bad_class)
      n += (size_t)snprintf(msg + n, sizeof msg - n,
                            " %d of an unknown road class (e.g. '%s') taken "
                            "as unclassified;", bad_class, bad_class_eg);
    if (bad_lanes || bad_speed)
      n += (size_t)snprintf(msg + n, sizeof msg - n,
                            " %d lane count(s) and %d speed(s) not a positive "
                            "number, the class defaults used instead;",
                            bad_lanes, bad_speed);
    if (n < sizeof msg && msg[n - 1] == ';') msg[n - 1] = '\0';
    warn(ud, msg);
  }
  if (nline == 0) {
    free(lines);
    return ct_error_set(err, CT_EINVAL,
                        "layer '%s' (%s): no drivable lines (%d features%s)",
                        lname, lpath, v->nfeat,
                        is_osm ? "; OpenStreetMap highway classes motorway.."
                                 "service expected"
                               : "");
  }

  /* junction candidates: shared vertices and endpoints */
  vhash h;
  h.cap = 16;
  while (h.cap < (size_t)nvert * 2) h.cap *= 2;
  h.v = malloc(h.cap * sizeof *h.v);
  h.used = calloc(h.cap, 1);
  int rc = 0;
  if (!h.v || !h.used) {
    rc = ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    goto done;
  }
  for (int k = 0; k < nline; k++) {
    const ct_feature *ft = &v->feat[lines[k].f];
    int a = ft->part[lines[k].part], b = ft->part[lines[k].part + 1];
    for (int q = a; q < b; q++) {
      vtx *x = vh_get(&h, ft->xy[2 * q], ft->xy[2 * q + 1]);
      x->count += (q == a || q == b - 1) ? 2 : 1;
    }
  }
  /* candidates get provisional ids; snapping merges those within snap */
  int ncand = 0;
  for (size_t k = 0; k < h.cap; k++)
    if (h.used[k] && h.v[k].count >= 2) h.v[k].node = ncand++;
  {
    double *cx = malloc((size_t)ncand * sizeof *cx), *cy = malloc((size_t)ncand * sizeof *cy);
    int *par = malloc((size_t)ncand * sizeof *par);
    int64_t *key = malloc((size_t)ncand * 2 * sizeof *key);
    int *node = malloc((size_t)ncand * sizeof *node);
    if (!cx || !cy || !par || !key || !node) {
      free(cx); free(cy); free(par); free(key); free(node);
      rc = ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
      goto done;
    }
    for (size_t k = 0; k < h.cap; k++)
      if (h.used[k] && h.v[k].node >= 0) {
        cx[h.v[k].node] = h.v[k].x;
        cy[h.v[k].node] = h.v[k].y;
      }
    for (int k = 0; k < ncand; k++) par[k] = k;
    double s = t->p.snap;
    if (s > 0) {
      /* grid hash with cells of the tolerance; look in the 3 x 3 block */
      for (int k = 0; k < ncand; k++) {
        int64_t ix = (int64_t)floor(cx[k] / s), iy = (int64_t)floor(cy[k] / s);
        key[2 * k] = ix * 4000037 + iy;
        key[2 * k + 1] = k;
      }
      qsort(key, (size_t)ncand, 2 * sizeof *key, cmp_i64);
      for (int k = 0; k < ncand; k++) {
        int64_t ix = (int64_t)floor(cx[k] / s), iy = (int64_t)floor(cy[k] / s);
        for (int64_t dx = -1; dx <= 1; dx++)
          for (int64_t dy = -1; dy <= 1; dy++) {
            int64_t kk = (ix + dx) * 4000037 + iy + dy;
            int lo = 0, hi = ncand;
            while (lo < hi) {
              int mid = (lo + hi) / 2;
              if (key[2 * mid] < kk) lo = mid + 1; else hi = mid;
            }
            for (int q = lo; q < ncand && key[2 * q] == kk; q++) {
              int o = (int)key[2 * q + 1];
              if (o != k && hypot(cx[o] - cx[k], cy[o] - cy[k]) <= s) {
                int ra = find_root(par, k), rb = find_root(par, o);
                if (ra != rb) par[ra < rb ? rb : ra] = ra < rb ? ra : rb;
              }
            }
          }
      }
    }
    for (int k = 0; k < ncand; k++) node[k] = -1;
    for (int k = 0; k < ncand && !rc; k++) {
      int r0 = find_root(par, k);
      if (node[r0] < 0) {
        int id = ct_traffic_add_node(t, cx[r0], cy[r0], err);
        if (id < 0) rc = id;
        node[r0] = id;
      }
      node[k] = node[r0];
    }
    for (size_t k = 0; k < h.cap; k++)
      if (h.used[k] && h.v[k].node >= 0) h.v[k].node = node[h.v[k].node];
    free(cx); free(cy); free(par); free(key); free(node);
    if (rc) goto done;
  }

  /* cut the lines at junctions into links */
  {
    double *buf = NULL, *rev = NULL;
    int bufcap = 0, nlinks0 = t->nlinks;
    for (int k = 0; k < nline && !rc; k++) {
      const line *ln = &lines[k];
      const ct_feature *ft = &v->feat[ln->f];
      const char *nm = c->name ? ct_feature_attr(v, ft, c->name) : NULL;
      const char *id = c->id ? ct_feature_attr(v, ft, c->id) : NULL;
      char fidbuf[32];
      if (!id) {
        snprintf(fidbuf, sizeof fidbuf, "%lld", ft->fid);
        id = fidbuf;
      }
      int a = ft->part[ln->part], b = ft->part[ln->part + 1];
      if (bufcap < b - a) {
        bufcap = b - a;
        free(buf);
        free(rev);
        buf = malloc((size_t)bufcap * 2 * sizeof *buf);
        rev = malloc((size_t)bufcap * 2 * sizeof *rev);
        if (!buf || !rev) {
          rc = ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
          break;
        }
      }
      int start = a, nstart = vh_get(&h, ft->xy[2 * a], ft->xy[2 * a + 1])->node;
      for (int q = a + 1; q < b && !rc; q++) {
        int nd = vh_get(&h, ft->xy[2 * q], ft->xy[2 * q + 1])->node;
        if (nd < 0) continue;
        int np = q - start + 1;
        memcpy(buf, ft->xy + 2 * start, (size_t)np * 2 * sizeof *buf);
        /* snapped ends take the junction's position */
        ct_traffic_node_xy(t, nstart, &buf[0], &buf[1]);
        ct_traffic_node_xy(t, nd, &buf[2 * np - 2], &buf[2 * np - 1]);
        double len = 0;
        for (int z = 1; z < np; z++)
          len += hypot(buf[2 * z] - buf[2 * z - 2], buf[2 * z + 1] - buf[2 * z - 1]);
        if (nd != nstart && len > 0) {
          if (ln->oneway >= 0) {
            int l = ct_traffic_add_link(t, nstart, nd, len, ln->lfwd, ln->speed,
                                        nm, id, np, buf, err);
            if (l < 0) rc = l; else mark(&t->l[l], ln);
          }
          if (ln->oneway <= 0 && !rc) {
            for (int z = 0; z < np; z++) {
              rev[2 * z] = buf[2 * (np - 1 - z)];
              rev[2 * z + 1] = buf[2 * (np - 1 - z) + 1];
            }
            int l = ct_traffic_add_link(t, nd, nstart, len, ln->lback, ln->speed,
                                        nm, id, np, rev, err);
            if (l < 0) rc = l; else mark(&t->l[l], ln);
          }
        }
        start = q;
        nstart = nd;
      }
    }
    free(buf);
    free(rev);
    if (rc) goto done;
    if (t->nlinks == nlinks0) {
      rc = ct_error_set(err, CT_EINVAL,
                        "layer '%s' (%s): the lines make no links (all "
                        "shorter than the snapping tolerance %g m?)",
                        lname, lpath, t->p.snap);
      goto done;
    }
  }

  /* islands: name the ones cut off from the main network */
  if (!t->node_island) t->node_island = malloc((size_t)t->nnodes * sizeof(int));
  if (!t->node_island) {
    rc = ct_error_set(err, CT_ENOMEM, "traffic: out of memory");
    goto done;
  }
  ct__islands(t);
  if (warn) {
    int *cnt = calloc((size_t)t->nnodes, sizeof *cnt);
    int *first = malloc((size_t)t->nnodes * sizeof *first);
    if (cnt && first) {
      for (int k = 0; k < t->nnodes; k++) first[k] = -1;
      int nis = 0;
      for (int l = 0; l < t->nlinks; l++) {
        int is = t->l[l].island;
        if (cnt[is]++ == 0) nis++;
        if (first[is] < 0 || (!t->l[first[is]].name[0] && t->l[l].name[0]))
          first[is] = l;
      }
      if (nis > 1) {
        char msg[2048];
        size_t n = (size_t)snprintf(
            msg, sizeof msg,
            "traffic: layer '%s': %d disconnected islands apart from the "
            "main network (%d links); trips to or from them are stranded:",
            lname, nis - 1, cnt[t->main_island]);
        int shown = 0;
        for (int k = 0; k < t->nnodes && n < sizeof msg - 100; k++) {
          if (!cnt[k] || k == t->main_island) continue;
          if (shown == 12) {
            n += (size_t)snprintf(msg + n, sizeof msg - n, " ...");
            break;
          }
          const ct__link *L = &t->l[first[k]];
          n += (size_t)snprintf(msg + n, sizeof msg - n, "%s '%s' (id %s, %d link%s)",
                                shown ? "," : "", L->name[0] ? L->name : "unnamed",
                                L->src, cnt[k], cnt[k] > 1 ? "s" : "");
          shown++;
        }
        warn(ud, msg);
      }
    }
    free(cnt);
    free(first);
  }
done:
  free(h.v);
  free(h.used);
  free(lines);
  return rc;
}
