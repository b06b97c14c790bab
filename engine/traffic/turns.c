/* turns.c - OpenStreetMap turn restrictions as turn bans: each relation's
 * from way, via node and to way found on the network (links keep their OSM
 * way id, junctions sit on the via node), for the classes it holds for
 * (restriction:motorcar, except=motorcycle;moped, ...) and the hours it
 * holds (restriction:conditional, on all or some weekdays). What cannot be
 * expressed as bans at one junction (via ways) or for our route groups
 * (buses or lorries only), or other times (sunset, dates), is counted, not
 * guessed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/layers.h"
#include "citytwin/osm.h"
#include "traffic/traffic_internal.h"

/* Weekdays "Mo-Fr", "Sa,Su", "Mo-We,Fr" as bits (0 Monday); 0 if s is not
 * such a list. */
static unsigned parse_days(const char *s, size_t n) {
  static const char *const dn[7] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
  unsigned days = 0;
  size_t i = 0;
  while (i < n) {
    int a = -1, b;
    for (int d = 0; d < 7; d++)
      if (i + 2 <= n && !strncmp(s + i, dn[d], 2)) a = d;
    if (a < 0) return 0;
    i += 2;
    b = a;
    if (i < n && s[i] == '-') {
      b = -1;
      for (int d = 0; d < 7; d++)
        if (i + 3 <= n && !strncmp(s + i + 1, dn[d], 2)) b = d;
      if (b < 0) return 0;
      i += 3;
    }
    for (int d = a;; d = (d + 1) % 7) { /* Fr-Mo wraps */
      days |= 1u << d;
      if (d == b) break;
    }
    if (i < n && s[i++] != ',') return 0;
  }
  return days;
}

/* "(06:00-09:00,16:00-19:00)" or "(Mo-Fr 06:00-07:00)" (parentheses
 * optional) into b's days and windows; -1 for anything else (sunset,
 * dates, several rules). */
static int parse_windows(const char *s, ct__tban *b) {
  while (*s == ' ') s++;
  int paren = *s == '(';
  if (paren) s++;
  b->days = 0x7f;
  const char *sp = strchr(s, ' ');
  if (sp && !strchr("0123456789", *s)) {
    b->days = parse_days(s, (size_t)(sp - s));
    if (!b->days) return -1;
    s = sp + 1;
  }
  int n = 0;
  for (;;) {
    int h0, m0, h1, m1, used = 0;
    if (n == 4 ||
        sscanf(s, " %d:%d - %d:%d%n", &h0, &m0, &h1, &m1, &used) != 4 ||
        h0 < 0 || h0 > 24 || h1 < 0 || h1 > 24 || m0 < 0 || m0 > 59 ||
        m1 < 0 || m1 > 59 || (h0 == 24 && m0) || (h1 == 24 && m1))
      return -1;
    b->w0[n] = h0 * 3600.0 + m0 * 60.0;
    b->w1[n] = h1 * 3600.0 + m1 * 60.0;
    n++;
    s += used;
    while (*s == ' ') s++;
    if (*s != ',') break;
    s++;
  }
  if (paren && *s++ != ')') return -1;
  while (*s == ' ') s++;
  if (*s) return -1;
  b->nwin = n;
  b->daily = 1;
  return n;
}

int ct__tban_in_force(const ct__tban *b, double local0, double t) {
  if (b->nwin == 0) return !b->invert;
  double x = t, day = 0;
  if (b->daily) {
    double u = local0 + t;
    day = floor(u / 86400.0);
    x = u - 86400.0 * day;
  }
  /* weekday of day number day, and of the day before (1970-01-01: Th) */
  int wd = (int)fmod(day + 3.0, 7.0);
  if (wd < 0) wd += 7;
  int prev = (wd + 6) % 7;
  unsigned days = b->daily ? b->days : 0x7f;
  int in = 0;
  for (int w = 0; w < b->nwin; w++) {
    double a = b->w0[w] - 1e-9, e = b->w1[w] - 1e-9;
    if (b->w0[w] <= b->w1[w])
      in |= x >= a && x < e && ((days >> wd) & 1);
    else /* past midnight: the window belongs to the day it starts */
      in |= (x >= a && ((days >> wd) & 1)) || (x < e && ((days >> prev) & 1));
  }
  return in != b->invert;
}

/* Classes (bits by ct_veh_class) a relation entry holds for, or 0 where it
 * holds for none we can route apart (buses, lorries, taxis alone). */
static unsigned classes_of(const ct_osm_restriction *r) {
  unsigned c;
  if (!r->cls_tag[0]) c = (1u << CT__NC) - 1;
  else if (!strcmp(r->cls_tag, "motorcar")) c = 1u << CT_VEH_CAR;
  else if (!strcmp(r->cls_tag, "motorcycle") || !strcmp(r->cls_tag, "moped"))
    c = 1u << CT_VEH_MOTORBIKE;
  else if (!strcmp(r->cls_tag, "motor_vehicle") || !strcmp(r->cls_tag, "vehicle"))
    c = (1u << CT__NC) - 1;
  else return 0;
  /* except: motorbikes by motorcycle or moped; cars by motorcar (buses and
   * lorries route with the cars and cannot be let off alone) */
  char ex[sizeof r->except + 2];
  snprintf(ex, sizeof ex, ";%s;", r->except);
  for (char *p = ex; *p; p++)
    if (*p == ' ') memmove(p, p + 1, strlen(p));
  if (strstr(ex, ";motorcycle;") || strstr(ex, ";moped;"))
    c &= ~(1u << CT_VEH_MOTORBIKE);
  if (strstr(ex, ";motorcar;")) c &= ~(1u << CT_VEH_CAR);
  return c & ((1u << CT_VEH_MOTORBIKE) | (1u << CT_VEH_CAR));
}

static int kind_ok(const char *k) {
  static const char *const kinds[] = {
      "no_left_turn", "no_right_turn", "no_straight_on", "no_u_turn",
      "no_entry", "no_exit", "only_left_turn", "only_right_turn",
      "only_straight_on", "only_u_turn", NULL};
  for (int i = 0; kinds[i]; i++)
    if (!strcmp(k, kinds[i])) return 1;
  return 0;
}

/* Junctions sorted by x, to find the one on a via node fast. */
typedef struct xnode {
  double x;
  int v;
} xnode;

static int by_x(const void *a, const void *b) {
  double d = ((const xnode *)a)->x - ((const xnode *)b)->x;
  return d < 0 ? -1 : d > 0;
}

static int junction_at(const ct_traffic *t, const xnode *xs, double x,
                       double y, double tol) {
  int lo = 0, hi = t->nnodes;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (xs[mid].x < x - tol) lo = mid + 1;
    else hi = mid;
  }
  int best = -1;
  double bd = tol;
  for (int k = lo; k < t->nnodes && xs[k].x <= x + tol; k++) {
    int v = xs[k].v;
    double d = hypot(t->nx_[v] - x, t->ny_[v] - y);
    if (d <= bd) {
      bd = d;
      best = v;
    }
  }
  return best;
}

static int is_way(const ct__link *L, const char *id) {
  return !strcmp(L->src, id);
}

/* The turn a restriction kind names (as ct__turn_kind), or 9 for any. */
static int named_turn(const char *kind) {
  return strstr(kind, "left") ? -1 : strstr(kind, "right") ? 1
       : strstr(kind, "straight") ? 0 : strstr(kind, "u_turn") ? 2 : 9;
}

static int push_ban(ct_traffic *t, int a, int b, unsigned classes, int **bans,
                    int *nb, int *cap, ct_error *err) {
  if (*nb == *cap) {
    int nc = *cap ? 2 * *cap : 8;
    int *p = realloc(*bans, (size_t)nc * sizeof *p);
    if (!p) return ct_error_set(err, CT_ENOMEM, "out of memory");
    *bans = p;
    *cap = nc;
  }
  int k = ct_traffic_ban_turn(t, a, b, classes, err);
  if (k < 0) return k;
  (*bans)[(*nb)++] = k;
  return CT_OK;
}

/* Whether (a, b) is the turn of the relation at v: a of way `from`
 * arriving, b of way `to` leaving (on one way: back for a U turn, else
 * not back); where a way runs through v (two links of it), also the turn
 * the kind names, by the angle. */
static int the_turn(const ct_traffic *t, int a, int b, const char *from,
                    const char *to, int want, int through) {
  if (!is_way(&t->l[a], from) || !is_way(&t->l[b], to)) return 0;
  if (!strcmp(from, to) && (t->l[b].to == t->l[a].from) != (want == 2))
    return 0;
  return !through || want == 9 || ct__turn_kind(t, a, b) == want;
}

/* The bans of one relation entry at junction v: its turn (no_*), or every
 * other turn from its approach (only_*). Returns the number banned, 0 if
 * the ways are not there (*unclear: they are, but no turn fits), or < 0. */
static int ban_at(ct_traffic *t, int v, const char *from, const char *to,
                  const char *kind, unsigned classes, int **bans, int *nb,
                  int *cap, int *unclear, ct_error *err) {
  int only = !strncmp(kind, "only_", 5), want = named_turn(kind);
  int na = 0, nt = 0, n = 0;
  for (int i = t->in0[v]; i < t->in0[v + 1]; i++)
    na += is_way(&t->l[t->inl[i]], from);
  for (int o = t->out0[v]; o < t->out0[v + 1]; o++)
    nt += is_way(&t->l[t->outl[o]], to);
  if (na == 0 || nt == 0) return 0;
  int through = na > 1 || nt > 1;
  for (int i = t->in0[v]; i < t->in0[v + 1]; i++) {
    int a = t->inl[i], has = 0;
    for (int o = t->out0[v]; o < t->out0[v + 1]; o++)
      has |= the_turn(t, a, t->outl[o], from, to, want, through);
    if (!has) continue; /* not this relation's approach */
    for (int o = t->out0[v]; o < t->out0[v + 1]; o++) {
      int b = t->outl[o];
      if (the_turn(t, a, b, from, to, want, through) == only) continue;
      int rc = push_ban(t, a, b, classes, bans, nb, cap, err);
      if (rc) return rc;
      n++;
    }
  }
  *unclear = n == 0;
  return n;
}

int ct__osm_turn_bans(ct_traffic *t, const char *path, const char *wkt,
                      ct__tban **out, int *nout, ct__turn_report *rep,
                      ct_error *err) {
  memset(rep, 0, sizeof *rep);
  *out = NULL;
  *nout = 0;
  ct_osm_restriction *r = NULL;
  int nr = 0;
  int rc = ct_osm_read_restrictions(path, &r, &nr, err);
  if (rc) return rc;
  double *x = malloc(((size_t)nr + 1) * sizeof *x);
  double *y = malloc(((size_t)nr + 1) * sizeof *y);
  xnode *xs = malloc(((size_t)t->nnodes + 1) * sizeof *xs);
  ct__tban *tb = calloc((size_t)nr + 1, sizeof *tb);
  if (!x || !y || !xs || !tb) {
    rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    goto done;
  }
  for (int k = 0; k < nr; k++) {
    x[k] = isfinite(r[k].via_lon) ? r[k].via_lon : 0.0;
    y[k] = isfinite(r[k].via_lat) ? r[k].via_lat : 0.0;
  }
  if (nr && (rc = ct_transform_points("EPSG:4326", wkt, nr, x, y, err)))
    goto done;
  for (int v = 0; v < t->nnodes; v++) xs[v] = (xnode){t->nx_[v], v};
  qsort(xs, (size_t)t->nnodes, sizeof *xs, by_x);
  /* the loader snaps endpoints within params.snap: the junction may sit
   * that far from the node it was made of */
  double tol = t->p.snap > 0.5 ? t->p.snap : 0.5;
  int64_t last = 0;
  for (int k = 0; k < nr; k++) {
    const ct_osm_restriction *e = &r[k];
    if (e->id != last) rep->relations++;
    last = e->id;
    if (e->nvia_ways > 0) {
      rep->via_way++;
      continue;
    }
    unsigned classes = classes_of(e);
    if (!classes) {
      rep->other_class++;
      continue;
    }
    char kind[48];
    ct__tban when;
    memset(&when, 0, sizeof when);
    snprintf(kind, sizeof kind, "%s", e->restriction);
    if (e->conditional[0]) {
      const char *at = strchr(e->conditional, '@');
      char cv[48];
      int len = at ? (int)(at - e->conditional) : 0;
      while (len > 0 && e->conditional[len - 1] == ' ') len--;
      snprintf(cv, sizeof cv, "%.*s", len, e->conditional);
      int nwin = at ? parse_windows(at + 1, &when) : -1;
      if (nwin > 0 && !kind[0]) {
        snprintf(kind, sizeof kind, "%s", cv); /* holds in the windows */
      } else if (nwin > 0 && !strcmp(cv, "none")) {
        when.invert = 1; /* lifted in the windows */
      } else if (nwin > 0 && !strcmp(cv, kind)) {
        when.nwin = 0; /* holds always anyway */
      } else {
        rep->bad_time++;
        continue;
      }
    }
    if (!kind_ok(kind)) {
      rep->bad_kind++;
      continue;
    }
    if (e->nfrom > 1 || e->nto > 1) {
      rep->unclear++;
      continue;
    }
    int v = (e->via_node && e->from_way && e->to_way && isfinite(e->via_lon))
                ? junction_at(t, xs, x[k], y[k], tol)
                : -1;
    char from[24], to[24];
    snprintf(from, sizeof from, "%lld", (long long)e->from_way);
    snprintf(to, sizeof to, "%lld", (long long)e->to_way);
    int *bans = NULL, nb = 0, cap = 0, unclear = 0;
    int n = v < 0 ? 0
                  : ban_at(t, v, from, to, kind, classes, &bans, &nb, &cap,
                           &unclear, err);
    if (n < 0) {
      free(bans);
      rc = n;
      goto done;
    }
    if (n == 0) {
      free(bans);
      if (unclear) rep->unclear++;
      else rep->off_network++;
      continue;
    }
    when.bans = bans;
    when.n = nb;
    tb[(*nout)++] = when;
    rep->applied++;
    rep->turns += nb;
  }
done:
  if (rc) {
    for (int k = 0; k < *nout; k++) free(tb[k].bans);
    free(tb);
    tb = NULL;
    *nout = 0;
  }
  *out = tb;
  free(x);
  free(y);
  free(xs);
  ct_osm_restrictions_free(r, nr);
  return rc;
}
