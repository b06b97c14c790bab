/* roads.c - the demo city's road network: a street lattice turned like
 * central Ho Chi Minh City's grid and bent by slow waves, so streets curve;
 * every 8th street an arterial (primary), every 4th a secondary, every 2nd a
 * tertiary, local residential streets between. Links run junction to
 * junction and share their end vertices exactly, so the traffic model finds
 * the junctions; a few arterials bridge the river; one-way pairs in the core. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "demo/demo_internal.h"

#define SPACING 300.0          /* street spacing [m] */
#define ANGLE (38.0 * M_PI / 180) /* lattice rotation from east */
#define HALF 32                /* lattice indices -HALF..HALF */
#define SIDE (2 * HALF + 1)
#define ORIGIN_X 5000.0        /* the core's centre: arterials cross there */
#define ORIGIN_Y 4900.0

static const char *const names[] = {
    "Nguyen Hue", "Le Loi", "Dien Bien Phu", "Hai Ba Trung", "Tran Hung Dao",
    "Nam Ky Khoi Nghia", "Dong Khoi", "Ton Duc Thang", "Le Duan",
    "Nguyen Thi Minh Khai", "Vo Van Tan", "Cach Mang Thang Tam",
    "Nguyen Dinh Chieu", "Pham Ngu Lao", "Cong Quynh", "Nguyen Trai",
    "Le Thanh Ton", "Ham Nghi", "Ly Tu Trong", "Pasteur", "Nguyen Du",
    "Ly Thai To", "Tran Phu", "Hung Vuong", "An Duong Vuong", "Nguyen Van Cu",
    "Le Hong Phong", "Su Van Hanh", "Ba Thang Hai", "Phan Dang Luu",
    "Xo Viet Nghe Tinh", "Bach Dang", "Dinh Tien Hoang", "Vo Thi Sau",
    "Tran Cao Van", "Nguyen Binh Khiem", "Le Van Sy", "Huynh Van Banh",
    "Truong Sa", "Hoang Sa", "Nguyen Van Troi", "Phan Xich Long",
    "Nguyen Kiem", "Hoang Van Thu", "Truong Chinh", "Au Co", "Luy Ban Bich",
    "Kinh Duong Vuong", "Hau Giang", "Nguyen Tat Thanh", "Khanh Hoi",
    "Nguyen Huu Tho", "Huynh Tan Phat", "Nguyen Thi Thap", "Mai Chi Tho",
    "Vo Nguyen Giap", "Pham Van Dong", "Kha Van Can", "Dang Van Bi",
    "To Ngoc Van", "Le Van Viet", "Do Xuan Hop", "Nguyen Duy Trinh",
    "Luong Dinh Cua", "Tran Nao", "Le Quang Dinh", "No Trang Long",
    "Dinh Bo Linh", "Chu Van An", "Le Van Duyet", "Tran Quang Khai",
    "Nguyen Cong Tru"};
#define NNAMES ((int)(sizeof names / sizeof names[0]))

static const char *const class_names[] = {"primary", "secondary", "tertiary",
                                          "residential"};

const char *ct__class_name(int cls) { return class_names[cls]; }
int ct__class_lanes(int cls) {
  static const int lanes[] = {6, 4, 2, 2};
  return lanes[cls];
}
int ct__class_maxspeed(int cls) {
  static const int v[] = {60, 50, 40, 30};
  return v[cls];
}

/* Class of the street with lattice index k. */
static int street_class(int k) {
  if (k % 8 == 0) return CT__PRIMARY;
  if (k % 4 == 0) return CT__SECONDARY;
  if (k % 2 == 0) return CT__TERTIARY;
  return CT__RESIDENTIAL;
}

/* Streets 0..SIDE-1 run along lattice index a (a fixed), SIDE.. along b. */
const char *ct__street_name(const ct__roads *r, int line, char *buf,
                            size_t n) {
  if (r->street_cls[line] == CT__RESIDENTIAL) {
    /* Newer districts number their streets. */
    snprintf(buf, n, "Duong so %d", line + 1);
    return buf;
  }
  int ord = 0;
  for (int k = 0; k < line; k++) ord += r->street_cls[k] != CT__RESIDENTIAL;
  /* A stride coprime with the list spreads the famous names around. */
  int idx = (ord * 29) % NNAMES;
  if (ord < NNAMES)
    snprintf(buf, n, "%s", names[idx]);
  else
    snprintf(buf, n, "%s %d", names[idx], ord / NNAMES + 1);
  return buf;
}

/* Position of lattice point (a, b) (half-integers for link middles): the
 * lattice, bent by two slow waves so that streets curve gently. */
static void lattice_pos(double a, double b, double *x, double *y) {
  double u = a * SPACING, v = b * SPACING;
  double o1 = 110 * sin(2 * M_PI * v / 4200 + 0.0005 * u);
  double o2 = 90 * sin(2 * M_PI * u / 3600 + 1.3 + 0.0004 * v);
  double e1x = cos(ANGLE), e1y = sin(ANGLE);
  *x = ORIGIN_X + (u + o1) * e1x - (v + o2) * e1y;
  *y = ORIGIN_Y + (u + o1) * e1y + (v + o2) * e1x;
}

/* Jitter of junctions of two local streets: real grids are not perfect. */
static void jitter(int a, int b, double *dx, double *dy) {
  if (street_class(a) != CT__RESIDENTIAL || street_class(b) != CT__RESIDENTIAL) {
    *dx = *dy = 0;
    return;
  }
  *dx = 35 * ct__hash2(a, b, 301);
  *dy = 35 * ct__hash2(a, b, 302);
}

/* Length of water [m] along the polyline a -> m -> b, sampled every 4 m. */
static double water_length(const ct__city *c, const double *px,
                           const double *py) {
  double wet = 0;
  for (int s = 0; s < 2; s++) {
    double len = hypot(px[s + 1] - px[s], py[s + 1] - py[s]);
    int m = (int)ceil(len / 4);
    for (int k = 0; k < m; k++) {
      double t = (k + 0.5) / m;
      long q = ct__cell_at(c, px[s] + t * (px[s + 1] - px[s]),
                           py[s] + t * (py[s + 1] - py[s]));
      if (q >= 0 && c->lu[q] == CT__LU_WATER) wet += len / m;
    }
  }
  return wet;
}

static int find(int *parent, int x) {
  while (parent[x] != x) x = parent[x] = parent[parent[x]];
  return x;
}

void ct__roads_free(ct__roads *r) {
  free(r->nx);
  free(r->ny);
  free(r->link);
  free(r->street_cls);
  memset(r, 0, sizeof *r);
}

int ct__roads_build(ct__city *c, ct_error *err) {
  ct__roads *r = &c->roads;
  int nn = SIDE * SIDE, maxl = 2 * nn;
  double *x = malloc(nn * sizeof *x), *y = malloc(nn * sizeof *y);
  int *ok = calloc(nn, sizeof *ok), *parent = malloc(nn * sizeof *parent);
  int *newid = malloc(nn * sizeof *newid), *deg = calloc(nn, sizeof *deg);
  ct__link *L = malloc(maxl * sizeof *L);
  r->street_cls = malloc(2 * SIDE * sizeof *r->street_cls);
  int rc = 0;
  if (!x || !y || !ok || !parent || !newid || !deg || !L || !r->street_cls) {
    rc = ct_error_set(err, CT_ENOMEM, "demo: out of memory for the roads");
    goto done;
  }
  r->nstreet = 2 * SIDE;
  for (int k = 0; k < SIDE; k++)
    r->street_cls[k] = r->street_cls[SIDE + k] = street_class(k - HALF);

  /* Junctions inside the domain and on dry land. */
  for (int a = -HALF; a <= HALF; a++)
    for (int b = -HALF; b <= HALF; b++) {
      int id = (a + HALF) * SIDE + (b + HALF);
      double jx, jy;
      lattice_pos(a, b, &x[id], &y[id]);
      jitter(a, b, &jx, &jy);
      x[id] += jx;
      y[id] += jy;
      long q = ct__cell_at(c, x[id], y[id]);
      /* 1: dry junction; 2: in the water, usable only mid-bridge. */
      ok[id] = x[id] > 10 && y[id] > 10 && x[id] < c->w - 10 &&
                       y[id] < c->h - 10 && q >= 0
                   ? (c->lu[q] == CT__LU_WATER ? 2 : 1)
                   : 0;
      parent[id] = id;
    }

  /* Links along both directions; which survive depends on class, land use
     and water, with a fixed random stream for the irregular local fabric. */
  ct__rng rng = {0xC17771u};
  int nl = 0;
  for (int dir = 0; dir < 2; dir++)
    for (int a = -HALF; a <= HALF; a++)
      for (int b = -HALF; b <= HALF; b++) {
        int a2 = dir ? a + 1 : a, b2 = dir ? b : b + 1;
        double coin = ct__rng_uniform(&rng);
        if (a2 > HALF || b2 > HALF) continue;
        int n0 = (a + HALF) * SIDE + (b + HALF);
        int n1 = (a2 + HALF) * SIDE + (b2 + HALF);
        if (!ok[n0] || !ok[n1]) continue;
        int k = dir ? b : a; /* the street this link belongs to */
        int cls = street_class(k);
        /* Only an arterial may reach a junction in the water (the middle of
           a two-span bridge), and never span water end to end. */
        if ((ok[n0] == 2 || ok[n1] == 2) &&
            (cls != CT__PRIMARY || ok[n0] + ok[n1] == 4))
          continue;
        double px[3], py[3];
        px[0] = x[n0];
        py[0] = y[n0];
        px[2] = x[n1];
        py[2] = y[n1];
        lattice_pos(0.5 * (a + a2), 0.5 * (b + b2), &px[1], &py[1]);
        {
          double j0x, j0y, j1x, j1y;
          jitter(a, b, &j0x, &j0y);
          jitter(a2, b2, &j1x, &j1y);
          px[1] += 0.5 * (j0x + j1x);
          py[1] += 0.5 * (j0y + j1y);
        }
        long qm = ct__cell_at(c, px[1], py[1]);
        int lu = qm >= 0 ? c->lu[qm] : CT__LU_BARE;
        double wet = water_length(c, px, py);
        int keep;
        switch (cls) {
        case CT__PRIMARY: keep = wet < 420; break; /* river bridges */
        case CT__SECONDARY: keep = wet <= 60; break; /* canal bridges */
        case CT__TERTIARY:
          keep = wet <= 60 && lu != CT__LU_GREEN &&
                 (lu != CT__LU_BARE || coin < 0.5);
          break;
        default:
          keep = wet == 0 && lu != CT__LU_GREEN && lu != CT__LU_BARE &&
                 coin < (lu == CT__LU_INDUSTRIAL ? 0.4 : 0.93);
        }
        if (!keep) continue;
        ct__link *l = &L[nl++];
        l->a = n0;
        l->b = n1;
        l->cls = cls;
        l->line = dir ? SIDE + (b + HALF) : (a + HALF);
        l->oneway = 0;
        l->bridge = wet > 0;
        l->mx = px[1];
        l->my = py[1];
        deg[n0]++;
        deg[n1]++;
      }
  /* A junction in the water must be the middle of a straight bridge: two
     arterial spans, nothing else. */
  int m = 0;
  for (int k = 0; k < nl; k++) {
    if ((ok[L[k].a] == 2 && deg[L[k].a] != 2) ||
        (ok[L[k].b] == 2 && deg[L[k].b] != 2))
      continue;
    L[m++] = L[k];
  }
  nl = m;
  for (int k = 0; k < nl; k++) {
    int r0 = find(parent, L[k].a), r1 = find(parent, L[k].b);
    if (r0 != r1) parent[r0] = r1;
  }
  memset(deg, 0, nn * sizeof *deg);

  /* Keep the largest connected piece: every trip has a route. */
  int *size = calloc(nn, sizeof *size);
  if (!size) {
    rc = ct_error_set(err, CT_ENOMEM, "demo: out of memory for the roads");
    goto done;
  }
  for (int k = 0; k < nl; k++) size[find(parent, L[k].a)]++;
  int big = 0;
  for (int k = 0; k < nn; k++)
    if (size[k] > size[big]) big = k;
  free(size);
  m = 0;
  for (int k = 0; k < nn; k++) newid[k] = -1;
  r->nnode = 0;
  for (int k = 0; k < nl; k++) {
    if (find(parent, L[k].a) != big) continue;
    L[m++] = L[k];
    deg[L[k].a]++;
    deg[L[k].b]++;
  }
  nl = m;
  for (int k = 0; k < nn; k++)
    if (deg[k]) newid[k] = r->nnode++;
  r->nx = malloc(r->nnode * sizeof *r->nx);
  r->ny = malloc(r->nnode * sizeof *r->ny);
  if (!r->nx || !r->ny) {
    rc = ct_error_set(err, CT_ENOMEM, "demo: out of memory for the roads");
    goto done;
  }
  for (int k = 0; k < nn; k++)
    if (newid[k] >= 0) {
      r->nx[newid[k]] = x[k];
      r->ny[newid[k]] = y[k];
    }
  /* One-way pairs on the core's local streets, alternating direction like
     District 1's, only between full crossings so no junction becomes a
     trap (every junction keeps a way in and a way out). */
  for (int k = 0; k < nl; k++) {
    ct__link *l = &L[k];
    long q = ct__cell_at(c, l->mx, l->my);
    if (l->cls < CT__TERTIARY || q < 0 || c->lu[q] != CT__LU_DENSE ||
        deg[l->a] != 4 || deg[l->b] != 4)
      continue;
    int line = l->line % SIDE - HALF, mm = ((line % 8) + 8) % 8;
    l->oneway = 1;
    if (!(mm == 1 || mm == 5 || mm == 2)) {
      int t = l->a;
      l->a = l->b;
      l->b = t;
    }
  }
  for (int k = 0; k < nl; k++) {
    L[k].a = newid[L[k].a];
    L[k].b = newid[L[k].b];
  }
  r->link = L;
  r->nlink = nl;
  L = NULL;
done:
  free(x);
  free(y);
  free(ok);
  free(parent);
  free(newid);
  free(deg);
  free(L);
  return rc;
}

/* Arterials become road land use and sit a little above the ground, as
 * HCMC's raised roads do (they also dam the water behind them). Bridges
 * leave the river as it is. */
int ct__roads_stamp(ct__city *c, ct_error *err) {
  const ct__roads *r = &c->roads;
  size_t n = (size_t)c->nx * c->ny;
  float *raise = calloc(n, sizeof *raise);
  if (!raise)
    return ct_error_set(err, CT_ENOMEM, "demo: out of memory for the roads");
  for (int k = 0; k < r->nlink; k++) {
    const ct__link *l = &r->link[k];
    if (l->cls > CT__SECONDARY) continue;
    double up = l->cls == CT__PRIMARY ? 0.25 : 0.15;
    double half = l->cls == CT__PRIMARY ? 10 : 0;
    double px[3] = {r->nx[l->a], l->mx, r->nx[l->b]};
    double py[3] = {r->ny[l->a], l->my, r->ny[l->b]};
    for (int s = 0; s < 2; s++) {
      double vx = px[s + 1] - px[s], vy = py[s + 1] - py[s];
      double len = hypot(vx, vy);
      int m = (int)ceil(len / 4);
      for (int q = 0; q <= m; q++) {
        double t = (double)q / m;
        for (int side = -1; side <= 1; side++) {
          if (side && half == 0) continue;
          double ox = -vy / len * half * side, oy = vx / len * half * side;
          long cell = ct__cell_at(c, px[s] + t * vx + ox, py[s] + t * vy + oy);
          if (cell < 0 || c->lu[cell] == CT__LU_WATER) continue;
          c->lu[cell] = CT__LU_ROAD;
          if (raise[cell] < up) raise[cell] = (float)up;
        }
      }
    }
  }
  for (size_t q = 0; q < n; q++) c->dem[q] += raise[q];
  free(raise);
  return 0;
}
