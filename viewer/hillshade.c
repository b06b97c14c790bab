/* hillshade.c - shaded relief of the DEM for the viewer's base map: Horn's
 * (1981) 3x3 finite differences for the slope and aspect ("Hill shading and
 * the reflectance map", Proc. IEEE 69(1):14-47) and Lambertian reflectance
 * of a sun at the given azimuth and altitude (Burrough & McDonnell 1998,
 * Principles of GIS, ch. 8). Edges and holes reuse the centre cell. */
#include <math.h>

#include "view.h"

void ct__hillshade(const float *z, int nx, int ny, double dx, double az_deg,
                   double alt_deg, double zfactor, float *out) {
  const double d2r = 3.14159265358979323846 / 180.0;
  double zen = (90.0 - alt_deg) * d2r;
  /* compass azimuth -> mathematical angle (counter-clockwise from east) */
  double az = fmod(360.0 - az_deg + 90.0, 360.0) * d2r;
  double cz = cos(zen), sz = sin(zen);
#pragma omp parallel for schedule(static)
  for (int j = 0; j < ny; j++) {
    for (int i = 0; i < nx; i++) {
      size_t k = (size_t)j * nx + i;
      float e = z[k];
      if (!isfinite(e)) {
        out[k] = NAN;
        continue;
      }
      float w[9];
      for (int b = -1; b <= 1; b++)
        for (int a = -1; a <= 1; a++) {
          int ii = i + a, jj = j + b;
          float v = e;
          if (ii >= 0 && ii < nx && jj >= 0 && jj < ny) {
            v = z[(size_t)jj * nx + ii];
            if (!isfinite(v)) v = e;
          }
          w[(b + 1) * 3 + (a + 1)] = v;
        }
      /* rows a b c (north), d e f, g h i (south) */
      double dzdx = ((w[2] + 2.0 * w[5] + w[8]) - (w[0] + 2.0 * w[3] + w[6])) /
                    (8.0 * dx);
      double dzdy = ((w[6] + 2.0 * w[7] + w[8]) - (w[0] + 2.0 * w[1] + w[2])) /
                    (8.0 * dx);
      double slope = atan(zfactor * sqrt(dzdx * dzdx + dzdy * dzdy));
      double aspect = atan2(dzdy, -dzdx);
      double hs = cz * cos(slope) + sz * sin(slope) * cos(az - aspect);
      out[k] = (float)(hs < 0.0 ? 0.0 : hs);
    }
  }
}
