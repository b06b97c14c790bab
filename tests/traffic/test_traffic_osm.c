/* test_traffic_osm.c - the road network of District 1, Ho Chi Minh City,
 * from OpenStreetMap (shared/data/hcmc_district1.osm.pbf): counts of links
 * and junctions, geometry on every link, and a route between two named
 * streets. The reference counts come from an independent count of the same
 * file (ogr2ogr to CSV in EPSG:32648, then a Python count of drivable ways
 * without access=no/private, vertices shared by ways or ending one, and the
 * pieces between them, two per two-way piece): 1748 ways, 2206 junctions,
 * 4436 directed links. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "citytwin/traffic.h"
#include "ct_test.h"

static int nwarn = 0;
static void on_warn(void *ud, const char *msg) {
  (void)ud;
  nwarn++;
  printf("warning: %.300s\n", msg);
}

int main(void) {
  const char *sh = ct_test_shared();
  if (!sh) {
    fprintf(stderr, "shared data not found: skipped\n");
    return CT_SKIP;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/data/hcmc_district1.osm.pbf", sh);
  ct_error err = {0};
  ct_grid g;
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 683000, 1189000, 689000, 1195000, 20, &err), &err);
  ct_vector v;
  int rc = ct_vector_read(path, "lines", NULL, &g, "roads", &v, &err);
  if (rc) {
    fprintf(stderr, "ct_vector_read failed (%d): %s\n", rc, err.msg);
    ct_grid_free(&g);
    return 1;
  }
  ct_traffic_params p;
  ct_traffic_params_default(&p);
  ct_traffic *t = ct_traffic_new(&p);
  CHECK_OK(ct_traffic_build_roads(t, &v, NULL, on_warn, NULL, &err), &err);
  CHECK_OK(ct_traffic_finalize(t, &err), &err);
  int nn = ct_traffic_nnodes(t), nl = ct_traffic_nlinks(t);
  printf("district 1: %d junctions, %d links, %d warnings\n", nn, nl, nwarn);
  /* 1 m snapping may merge a few junctions (dual carriageway ends, bridge
   * ramps): within 2 % of the exact-vertex count */
  CHECK_NEAR(nn, 2206, 0.02 * 2206);
  CHECK_NEAR(nl, 4436, 0.02 * 4436);
  int bad = 0;
  double total = 0;
  for (int l = 0; l < nl; l++) {
    ct_link_info li;
    ct_traffic_link_info(t, l, &li);
    double gl = 0;
    for (int k = 1; k < li.npts; k++)
      gl += hypot(li.xy[2 * k] - li.xy[2 * k - 2], li.xy[2 * k + 1] - li.xy[2 * k - 1]);
    /* every link has a geometry whose length is its length (1 mm) */
    if (li.npts < 2 || !(li.length > 0) || fabs(gl - li.length) > 1e-3 ||
        !li.src_id[0])
      bad++;
    total += li.length;
  }
  CHECK(bad == 0);
  printf("road length %.1f km (directed)\n", total / 1000);
  /* a route from Le Loi to Ton Duc Thang exists and is no faster than the
   * crow flies at 80 km/h */
  int a[64], b[64];
  int na = ct_traffic_find_links(t, "Lê Lợi", a, 64);
  int nb = ct_traffic_find_links(t, "Tôn Đức Thắng", b, 64);
  CHECK(na >= 10); /* 20 ways in the file, cut at junctions */
  CHECK(nb >= 10);
  if (na > 0 && nb > 0) {
    ct_link_info la, lb;
    ct_traffic_link_info(t, a[0], &la);
    ct_traffic_link_info(t, b[0], &lb);
    int route[4096];
    double tt = 0;
    int n = ct_traffic_route(t, la.to, lb.from, route, 4096, &tt);
    double x0, y0, x1, y1;
    ct_traffic_node_xy(t, la.to, &x0, &y0);
    ct_traffic_node_xy(t, lb.from, &x1, &y1);
    double d = hypot(x1 - x0, y1 - y0);
    printf("route Le Loi -> Ton Duc Thang: %d links, %.0f s, %.0f m apart\n",
           n, tt, d);
    CHECK(n > 0);
    CHECK(tt >= d / (80 / 3.6));
    /* consecutive links connect */
    for (int k = 1; k < n && k < 4096; k++) {
      ct_link_info p0, p1;
      ct_traffic_link_info(t, route[k - 1], &p0);
      ct_traffic_link_info(t, route[k], &p1);
      if (p0.to != p1.from) bad++;
    }
    CHECK(bad == 0);
  }
  ct_traffic_free(t);
  ct_vector_free(&v);
  ct_grid_free(&g);
  return TEST_RESULT();
}
