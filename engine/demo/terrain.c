/* terrain.c - the ground of the demo city: a meandering tidal river with a
 * Saigon-like double bend, a canal, low districts on the flood plain behind
 * river banks, a low peninsula inside the bend that the spring tide
 * overtops, a terrace rising to ~15 m in the north-east, a few low
 * neighbourhoods that pond, and the land use drawn over it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "demo/demo_internal.h"

/* Control points of the centrelines [km, local], upstream first. The river
 * enters at the north edge and reaches the tidal boundary at the south edge
 * after a bend around a peninsula (Thu Thiem-like) and a hairpin loop. */
static const double river_pts[][2] = {
    {4.55, 10.60}, {4.75, 9.50}, {5.45, 8.55}, {5.85, 7.45}, {6.15, 6.35},
    {6.40, 5.20},  {6.50, 4.15}, {6.95, 3.30}, {8.00, 2.85}, {9.05, 3.25},
    {9.55, 4.30},  {9.85, 5.35}, {10.50, 5.95}, {11.15, 5.40}, {11.30, 4.20},
    {10.95, 3.00}, {10.60, 1.85}, {10.85, 0.70}, {11.05, -0.60}};
/* A canal (Thi Nghe-like) from the west into the river. */
static const double canal_pts[][2] = {{2.60, 6.85}, {3.50, 6.95},
                                      {4.40, 6.55}, {5.30, 6.75},
                                      {5.85, 6.55}, {6.20, 6.33}};
#define CANAL_W 40.0

/* Districts and features [km, local]: centre x, y, radii rx, ry. */
typedef struct ellipse {
  double x, y, rx, ry;
} ellipse;

static const ellipse cores[] = {{5.00, 4.90, 1.60, 1.40},   /* District 1-like */
                                {2.40, 3.90, 0.90, 0.70}};  /* Cho Lon-like */
static const ellipse industry[] = {{10.40, 1.30, 1.40, 0.90},  /* river port */
                                   {1.50, 1.30, 1.10, 0.70},
                                   {1.60, 8.40, 0.80, 0.55}};
static const ellipse parks[] = {
    {4.55, 4.65, 0.28, 0.20}, {5.75, 5.85, 0.22, 0.18}, {7.70, 4.00, 0.55, 0.45},
    {3.40, 8.30, 0.45, 0.35}, {10.30, 8.20, 0.60, 0.45}, {2.00, 5.00, 0.30, 0.30},
    {8.60, 1.60, 0.35, 0.30}};
static const ellipse peninsula = {8.00, 4.35, 1.25, 1.20};
/* Low neighbourhoods: centre, depth [m] (in rx), Gaussian sigma [km] (in ry). */
static const ellipse hollows[] = {{4.30, 4.25, 0.70, 0.16}, {2.90, 5.70, 0.80, 0.20},
                                  {3.40, 2.50, 0.70, 0.20}, {7.80, 1.90, 0.60, 0.15},
                                  {4.40, 7.60, 0.60, 0.18}};
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Normalised radius of a point in an ellipse, its edge made ragged by noise
 * so districts do not look drawn with a compass. */
static double ell_r(const ellipse *e, double x, double y, uint32_t seed) {
  double dx = (x - e->x * 1000) / (e->rx * 1000);
  double dy = (y - e->y * 1000) / (e->ry * 1000);
  double r = sqrt(dx * dx + dy * dy);
  /* Far out the noise (|.| <= 0.18) cannot matter: callers look at r < 1.3. */
  return r > 1.5 ? r : r + 0.18 * ct__fbm(x, y, 500, 2, seed);
}

long ct__cell_at(const ct__city *c, double x, double y) {
  if (x < 0 || y < 0 || x >= c->w || y >= c->h) return -1;
  int i = (int)(x / c->dx), j = (int)((c->h - y) / c->dx);
  if (i >= c->nx) i = c->nx - 1;
  if (j >= c->ny) j = c->ny - 1;
  return (long)j * c->nx + i;
}

int ct__city_alloc(ct__city *c, ct_error *err) {
  memset(c, 0, sizeof *c);
  c->nx = CT__DEMO_NX;
  c->ny = CT__DEMO_NY;
  c->dx = CT__DEMO_DX;
  c->w = c->nx * c->dx;
  c->h = c->ny * c->dx;
  size_t n = (size_t)c->nx * c->ny;
  c->dem = calloc(n, sizeof(float));
  c->lu = calloc(n, 1);
  c->drains = calloc(n, sizeof(float));
  c->rdist = calloc(n, sizeof(float));
  c->rarc = calloc(n, sizeof(float));
  c->cdist = calloc(n, sizeof(float));
  if (!c->dem || !c->lu || !c->drains || !c->rdist || !c->rarc || !c->cdist) {
    ct__city_free(c);
    return ct_error_set(err, CT_ENOMEM, "demo: out of memory for the city");
  }
  return 0;
}

static void line_free(ct__line *l) {
  free(l->x);
  free(l->y);
  free(l->s);
  memset(l, 0, sizeof *l);
}

void ct__city_free(ct__city *c) {
  free(c->dem);
  free(c->lu);
  free(c->drains);
  free(c->rdist);
  free(c->rarc);
  free(c->cdist);
  line_free(&c->river);
  line_free(&c->canal);
  ct__roads_free(&c->roads);
  memset(c, 0, sizeof *c);
}

/* Uniform Catmull-Rom spline through the control points (ends doubled),
 * sampled about every step metres. */
static int spline(const double (*p)[2], int np, double step, ct__line *l) {
  int cap = 64, n = 0;
  double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
  if (!x || !y) goto oom;
  for (int k = 0; k + 1 < np; k++) {
    const double *p0 = p[k > 0 ? k - 1 : 0], *p1 = p[k], *p2 = p[k + 1];
    const double *p3 = p[k + 2 < np ? k + 2 : np - 1];
    double chord = 1000 * hypot(p2[0] - p1[0], p2[1] - p1[1]);
    int m = (int)ceil(chord / step);
    for (int q = 0; q < m || (k + 2 == np && q == m); q++) {
      double t = (double)q / m, t2 = t * t, t3 = t2 * t;
      double b0 = -0.5 * t3 + t2 - 0.5 * t, b1 = 1.5 * t3 - 2.5 * t2 + 1;
      double b2 = -1.5 * t3 + 2 * t2 + 0.5 * t, b3 = 0.5 * t3 - 0.5 * t2;
      if (n == cap) {
        cap *= 2;
        double *nx = realloc(x, cap * sizeof *x);
        if (!nx) goto oom;
        x = nx;
        double *ny = realloc(y, cap * sizeof *y);
        if (!ny) goto oom;
        y = ny;
      }
      x[n] = 1000 * (b0 * p0[0] + b1 * p1[0] + b2 * p2[0] + b3 * p3[0]);
      y[n] = 1000 * (b0 * p0[1] + b1 * p1[1] + b2 * p2[1] + b3 * p3[1]);
      n++;
    }
  }
  l->s = malloc(n * sizeof *l->s);
  if (!l->s) goto oom;
  l->s[0] = 0;
  for (int k = 1; k < n; k++)
    l->s[k] = l->s[k - 1] + hypot(x[k] - x[k - 1], y[k] - y[k - 1]);
  l->x = x;
  l->y = y;
  l->n = n;
  l->len = l->s[n - 1];
  return 0;
oom:
  free(x);
  free(y);
  return CT_ENOMEM;
}

int ct__line_nearest(const ct__line *l, double x, double y) {
  int best = 0;
  double bd = INFINITY;
  for (int k = 0; k < l->n; k++) {
    double d = hypot(l->x[k] - x, l->y[k] - y);
    if (d < bd) {
      bd = d;
      best = k;
    }
  }
  return best;
}

/* Width 150-300 m, widening downstream, with a slow wobble. */
double ct__river_width(const ct__line *river, double s) {
  double f = s / river->len;
  return 190 + 45 * sin(2 * M_PI * s / 5200 + 0.8) + 60 * f;
}

/* Exact distance from every cell centre within reach of the line to the
 * polyline, and the arc length at the nearest point: each segment updates
 * only the cells in its box widened by reach, so the cost is the line's
 * length times the reach, not cells times segments. */
static void distance_field(const ct__city *c, const ct__line *l, double reach,
                           float *dist, float *arc) {
  size_t n = (size_t)c->nx * c->ny;
  /* Squared distances while searching: no square root per candidate. */
  for (size_t k = 0; k < n; k++) {
    dist[k] = (float)(reach * reach);
    if (arc) arc[k] = 0;
  }
  for (int k = 0; k + 1 < l->n; k++) {
    double ax = l->x[k], ay = l->y[k], bx = l->x[k + 1], by = l->y[k + 1];
    double vx = bx - ax, vy = by - ay, vv = vx * vx + vy * vy;
    double seg = sqrt(vv);
    int i0 = (int)floor((fmin(ax, bx) - reach) / c->dx);
    int i1 = (int)ceil((fmax(ax, bx) + reach) / c->dx);
    int j0 = (int)floor((c->h - fmax(ay, by) - reach) / c->dx);
    int j1 = (int)ceil((c->h - fmin(ay, by) + reach) / c->dx);
    if (i0 < 0) i0 = 0;
    if (j0 < 0) j0 = 0;
    if (i1 > c->nx - 1) i1 = c->nx - 1;
    if (j1 > c->ny - 1) j1 = c->ny - 1;
    for (int j = j0; j <= j1; j++) {
      double y = ct__cy(c, j);
      for (int i = i0; i <= i1; i++) {
        double x = ct__cx(c, i);
        double t = vv > 0 ? ((x - ax) * vx + (y - ay) * vy) / vv : 0;
        if (t < 0) t = 0;
        if (t > 1) t = 1;
        double ex = x - ax - t * vx, ey = y - ay - t * vy;
        double d2 = ex * ex + ey * ey;
        size_t q = (size_t)j * c->nx + i;
        if (d2 < dist[q]) {
          dist[q] = (float)d2;
          if (arc) arc[q] = (float)(l->s[k] + t * seg);
        }
      }
    }
  }
  for (size_t k = 0; k < n; k++) dist[k] = sqrtf(dist[k]);
}

/* Ground level away from the channels [m above datum]. */
static double land_level(const ct__city *c, double x, double y, double e_river) {
  double fy = y / c->h, fx = x / c->w;
  /* Regional: the old delta plain, 0.9 m in the south-west, ~3.5 m north. */
  double plain = 0.9 + 2.6 * pow(fy, 1.3) + 0.4 * fx +
                 0.25 * ct__fbm(x, y, 1500, 3, 11);
  /* The north-east terrace (Thu Duc-like), its edge wandering and its top
     cut by small valleys. */
  double u = 0.6 * fx + 0.4 * fy + 0.05 * ct__fbm(x, y, 1200, 3, 12);
  double ter = ct__smoothstep(0.62, 0.97, u);
  double up = plain + ter * (11.0 + 1.0 * ct__fbm(x, y, 600, 4, 13));
  /* The flood plain along the river: low land within ~1.4 km of the bank. */
  double valley = 1.0 + 0.5 * fy + 0.25 * ct__fbm(x, y, 700, 3, 14);
  double v = ct__smoothstep(100, 1400, e_river);
  double z = valley + (up - valley) * v;
  /* The peninsula inside the bend: old marsh, 0.8-1.0 m. */
  double rp = ell_r(&peninsula, x, y, 15);
  double p = 1 - ct__smoothstep(0.85, 1.1, rp);
  z += p * (0.8 + 0.2 * ct__fbm(x, y, 300, 3, 16) - z);
  /* Low neighbourhoods that will pond. */
  for (int k = 0; k < NELEM(hollows); k++) {
    double dx = x - hollows[k].x * 1000, dy = y - hollows[k].y * 1000;
    double sg = hollows[k].ry * 1000;
    z -= hollows[k].rx * exp(-(dx * dx + dy * dy) / (2 * sg * sg));
  }
  /* Small-scale roughness: lots, yards, kerbs. */
  z += 0.08 * ct__fbm(x, y, 120, 2, 17) + 0.025 * ct__hash2((int64_t)(x / 20),
                                                          (int64_t)(y / 20), 18);
  /* A soft floor at 0.8 m (smooth, so hollows keep round bottoms): no land
     lies below the river's starting level, and the flood model can start
     the channels at 0.8 m without flooding a district at t = 0. */
  if (z < 1.0) z = 0.8 + 0.2 * exp((z - 1.0) / 0.2);
  /* A tidal dike along the south edge, so the sea comes in by the river
     mouth only and not across the whole tidal boundary. */
  if (y < 80 && z < 2.3) z = 2.3;
  return z;
}

/* Bank crest height: embanked (2.4 m) along the core, natural banks 1.9 m,
 * a low 1.15 m bank on the peninsula that a 1.7 m spring tide overtops. */
static double bank_crest(double x, double y) {
  double wc = 1 - ct__smoothstep(0.9, 1.3, ell_r(&cores[0], x, y, 21));
  double wp = 1 - ct__smoothstep(0.9, 1.15, ell_r(&peninsula, x, y, 15));
  return 1.9 + 0.5 * wc * (1 - wp) - 0.75 * wp;
}

/* A channel cross-section: bed below datum inside, a bank ramp over 20 m,
 * a crest 30 m wide, then down to the land behind. e: distance from the
 * bank line [m] (negative inside), half: half width, depth: centre depth. */
static double channel(double e, double half, double toe, double depth,
                      double crest, double land) {
  if (e < 0) {
    double r = 1 + e / half; /* 0 at the centre, 1 at the bank line */
    return toe - (depth + toe) * (1 - r * r);
  }
  double lev = e < 50 ? crest : crest - (e - 50) * crest / 40;
  double top = fmax(land, lev);
  if (e < 20) return toe + (top - toe) * e / 20;
  return top;
}

static int is_in(const ellipse *e, int n, double x, double y, uint32_t seed) {
  for (int k = 0; k < n; k++)
    if (ell_r(&e[k], x, y, seed + (uint32_t)k) < 1) return 1;
  return 0;
}

/* Land use (before roads) of a land cell. */
static int land_use(double x, double y, double e_river) {
  if (is_in(parks, NELEM(parks), x, y, 40)) return CT__LU_GREEN;
  if (is_in(industry, NELEM(industry), x, y, 50)) return CT__LU_INDUSTRIAL;
  if (ell_r(&peninsula, x, y, 15) < 1.0) {
    /* Thu Thiem-like: marsh, building sites and a few new blocks. */
    double f = ct__fbm(x, y, 350, 3, 60);
    return f > 0.15 ? CT__LU_GREEN : f < -0.2 ? CT__LU_RESIDENTIAL : CT__LU_BARE;
  }
  if (is_in(cores, NELEM(cores), x, y, 70)) return CT__LU_DENSE;
  /* Green strips along the river banks outside the core. */
  if (e_river < 40 && ct__fbm(x, y, 500, 2, 80) > 0.1) return CT__LU_GREEN;
  double dc = hypot(x - cores[0].x * 1000, y - cores[0].y * 1000);
  if (dc > 6200 + 1000 * ct__fbm(x, y, 900, 3, 90)) return CT__LU_BARE;
  return CT__LU_RESIDENTIAL;
}

int ct__terrain_build(ct__city *c, ct_error *err) {
  if (spline(river_pts, NELEM(river_pts), 25, &c->river) ||
      spline(canal_pts, NELEM(canal_pts), 20, &c->canal))
    return ct_error_set(err, CT_ENOMEM, "demo: out of memory for the river");
  distance_field(c, &c->river, 1800, c->rdist, c->rarc);
  distance_field(c, &c->canal, 200, c->cdist, NULL);
  const ct__line *rv = &c->river;
#pragma omp parallel for schedule(static)
  for (int j = 0; j < c->ny; j++) {
    double y = ct__cy(c, j);
    for (int i = 0; i < c->nx; i++) {
      double x = ct__cx(c, i);
      size_t q = (size_t)j * c->nx + i;
      double s = c->rarc[q], w = ct__river_width(rv, s);
      double er = c->rdist[q] - 0.5 * w;
      double ec = c->cdist[q] - 0.5 * CANAL_W;
      /* The flood plain follows the centreline, not the wobbling width:
         inside a loop the nearest reach flips from one leg to the other. */
      double land = land_level(c, x, y, c->rdist[q] - 110);
      double crest = bank_crest(x, y);
      /* River: toe -0.8 m, centre 3.0 m deep upstream to 4.5 m at the mouth. */
      double z = channel(er, 0.5 * w, -0.8, 3.0 + 1.5 * s / rv->len, crest,
                         land);
      /* Canal: cut through everything but the river itself. */
      if (er >= 20 && ec < 90) {
        double zc = channel(ec, 0.5 * CANAL_W, -0.5, 1.6, 1.9, z);
        z = ec < 0 ? fmin(z, zc) : zc;
      } else if (ec < 0 && er >= 0) {
        z = fmin(z, channel(ec, 0.5 * CANAL_W, -0.5, 1.6, 1.9, z));
      }
      c->dem[q] = (float)z;
      c->lu[q] = (uint8_t)((er < 0 || ec < 0) ? CT__LU_WATER
                                               : land_use(x, y, er));
    }
  }
  return 0;
}

/* Drain inlet capacity [mm/h] by district: districts are the cells of a
 * jittered 4 x 3 Voronoi pattern; the old core is best served (35-40), newer
 * districts poorly (10-15); industry has its own networks (20); no drains
 * under water, parks or open land. */
void ct__drains_build(ct__city *c) {
  enum { NS = 16 };
  double sx[NS], sy[NS], cap[NS];
  ct__rng rng = {20260915u};
  int ns = 0;
  for (int b = 0; b < 4; b++)
    for (int a = 0; a < 4; a++) {
      sx[ns] = (a + 0.2 + 0.6 * ct__rng_uniform(&rng)) * c->w / 4;
      sy[ns] = (b + 0.2 + 0.6 * ct__rng_uniform(&rng)) * c->h / 4;
      double d = hypot(sx[ns] - cores[0].x * 1000, sy[ns] - cores[0].y * 1000);
      double v = 40 - 6.5 * d / 1000;
      v = 5 * floor(v / 5 + 0.5); /* districts report round numbers */
      cap[ns] = v < 10 ? 10 : v > 40 ? 40 : v;
      ns++;
    }
#pragma omp parallel for schedule(static)
  for (int j = 0; j < c->ny; j++) {
    double y = ct__cy(c, j);
    for (int i = 0; i < c->nx; i++) {
      double x = ct__cx(c, i);
      size_t q = (size_t)j * c->nx + i;
      int best = 0;
      double bd = INFINITY;
      for (int k = 0; k < ns; k++) {
        double d = hypot(x - sx[k], y - sy[k]);
        if (d < bd) {
          bd = d;
          best = k;
        }
      }
      double v = cap[best];
      switch (c->lu[q]) {
      case CT__LU_DENSE: v = fmax(v, 30); break;
      case CT__LU_INDUSTRIAL: v = 20; break;
      case CT__LU_WATER:
      case CT__LU_GREEN:
      case CT__LU_BARE: v = 0; break;
      default:
        /* The peninsula's new blocks are barely drained yet. */
        if (ell_r(&peninsula, x, y, 15) < 1) v = fmin(v, 10);
        break;
      }
      c->drains[q] = (float)v;
    }
  }
}
