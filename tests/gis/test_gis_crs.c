/* test_gis_crs.c - CRS parsing and point transforms against PROJ itself:
 * WGS 84 and VN-2000 (EPSG:3405) into UTM 48N land where proj_trans puts
 * them; an unknown CRS is CT_ECRS naming the string. */
#include "ct_test.h"
#include "gis_test.h"

#include "citytwin/layers.h"

int main(void) {
  ct_error err = {0};
  char *wkt = NULL;

  /* Three spellings of UTM 48N normalise to WKT naming the zone. */
  CHECK_OK(ct_crs_to_wkt("EPSG:32648", &wkt, &err), &err);
  CHECK(wkt && strstr(wkt, "UTM zone 48N"));
  char *wkt2 = NULL;
  CHECK_OK(ct_crs_to_wkt(wkt, &wkt2, &err), &err); /* WKT in, WKT out */
  CHECK(wkt2 && strstr(wkt2, "UTM zone 48N"));
  free(wkt2);
  wkt2 = NULL;
  CHECK_OK(ct_crs_to_wkt("+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs",
                         &wkt2, &err), &err);
  CHECK(wkt2 && strstr(wkt2, "Transverse_Mercator"));
  free(wkt2);
  free(wkt);

  /* Unknown CRS: CT_ECRS, the message quotes it. */
  wkt = NULL;
  CHECK(ct_crs_to_wkt("EPSG:99999", &wkt, &err) == CT_ECRS);
  CHECK(wkt == NULL);
  CHECK(strstr(err.msg, "EPSG:99999") != NULL);
  CHECK(ct_crs_to_wkt("not a crs", &wkt, &err) == CT_ECRS);
  CHECK(strstr(err.msg, "not a crs") != NULL);
  /* The domain's CRS: projected in metres (UTM, VN-2000 / UTM), not
   * degrees (WGS 84) nor US feet (Texas state plane, EPSG:2277) */
  CHECK_OK(ct_crs_require_metres("EPSG:32648", &err), &err);
  CHECK_OK(ct_crs_require_metres("EPSG:3405", &err), &err);
  CHECK(ct_crs_require_metres("EPSG:4326", &err) == CT_ECRS &&
        strstr(err.msg, "EPSG:4326 is not a projected CRS"));
  CHECK(ct_crs_require_metres("EPSG:2277", &err) == CT_ECRS &&
        strstr(err.msg, "in units of 0.3048"));
  CHECK(ct_crs_require_metres("EPSG:99999", &err) == CT_ECRS);

  /* Ben Thanh market (106.6981 E, 10.7725 N): ours vs PROJ's. Both run the
   * same PROJ operation, so they agree to round-off; 1 mm is far below any
   * datum or projection error and far above double round-off at 1e6 m. */
  double lon = 106.6981, lat = 10.7725;
  double x = lon, y = lat, px = lon, py = lat;
  CHECK_OK(ct_transform_points("EPSG:4326", "EPSG:32648", 1, &x, &y, &err),
           &err);
  CHECK(proj_xy("EPSG:4326", "EPSG:32648", &px, &py) == 0);
  CHECK_NEAR(x, px, 1e-3);
  CHECK_NEAR(y, py, 1e-3);
  /* Sanity of the axis order: UTM 48N easting of 106.7 E is ~686 km, not
   * a latitude-first garbage value; 5 km covers the whole district. */
  CHECK_NEAR(x, 685700, 5000);
  CHECK_NEAR(y, 1191300, 5000);

  /* VN-2000 / UTM 48N (EPSG:3405) to WGS 84 / UTM 48N: a datum shift of a
   * few hundred metres; ours must be PROJ's to 1 mm. */
  double vx = 685000, vy = 1191000, wx = vx, wy = vy;
  CHECK_OK(ct_transform_points("EPSG:3405", "EPSG:32648", 1, &vx, &vy, &err),
           &err);
  CHECK(proj_xy("EPSG:3405", "EPSG:32648", &wx, &wy) == 0);
  CHECK_NEAR(vx, wx, 1e-3);
  CHECK_NEAR(vy, wy, 1e-3);
  /* The VN-2000 -> WGS 84 shift is real (not an identity): tens of metres
   * to a few hundred at most. */
  double shift = hypot(vx - 685000, vy - 1191000);
  CHECK(shift > 10 && shift < 1000);

  /* Round trip 4326 -> 3405 -> 4326 returns to the start (1e-9 degree is
   * 0.1 mm: the Helmert shift and its inverse are exact inverses). */
  double rx[2] = {106.70, 106.65}, ry[2] = {10.78, 10.80};
  CHECK_OK(ct_transform_points("EPSG:4326", "EPSG:3405", 2, rx, ry, &err),
           &err);
  CHECK_OK(ct_transform_points("EPSG:3405", "EPSG:4326", 2, rx, ry, &err),
           &err);
  CHECK_NEAR(rx[0], 106.70, 1e-9);
  CHECK_NEAR(ry[1], 10.80, 1e-9);

  /* A bad target CRS is an error, and points stay as they were. */
  double bx = 1, by = 2;
  CHECK(ct_transform_points("EPSG:4326", "EPSG:0", 1, &bx, &by, &err) ==
        CT_ECRS);
  CHECK(bx == 1 && by == 2);
  return TEST_RESULT();
}
