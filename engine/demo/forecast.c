/* forecast.c - the demo's "IOC forecast": the design storm as hourly rain
 * rasters in WGS 84 (as an operations centre would send them: another CRS,
 * coarser cells, the time in each file's name), and demo_forecast.ini, the
 * demo driven by them instead of the uniform rain series. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "citytwin/layers.h"
#include "demo/demo_internal.h"

/* Lon/lat box holding the city (UTM 48N 680-692 km E, 1186-1196 km N). */
#define FC_LON0 106.62
#define FC_LAT1 10.83
#define FC_STEP 0.01     /* [deg], about 1.1 km */
#define FC_NX 18
#define FC_NY 14
#define FC_HOURS 6

/* Hourly mean of the design storm over [t0, t0 + 1 h] (s from the run's
 * 14:00 start) [mm/h], by the midpoint rule on 10 s steps. */
static double hour_mean(double t0) {
  double sum = 0;
  for (int k = 0; k < 360; k++) {
    double t = t0 + 10.0 * k + 5.0 - 3600.0; /* the storm starts at 15:00 */
    sum += ct__chicago(t, 7200.0, 0.4);
  }
  return sum / 360;
}

int ct__write_forecast(const char *dir, ct_error *err) {
  char fdir[4096], path[4200];
  snprintf(fdir, sizeof fdir, "%s/data/forecast", dir);
  if (mkdir(fdir, 0777) != 0 && errno != EEXIST)
    return ct_error_set(err, CT_EIO, "demo: cannot create '%s': %s", fdir,
                        strerror(errno));
  /* The forecast's own lon/lat grid (north-up, 0.01 degree cells). */
  ct_grid g = {.nx = FC_NX, .ny = FC_NY, .dx = FC_STEP,
               .gt = {FC_LON0, FC_STEP, 0, FC_LAT1, 0, -FC_STEP}};
  int rc = ct_crs_to_wkt("EPSG:4326", &g.crs_wkt, err);
  if (rc) return rc;
  float v[FC_NX * FC_NY];
  for (int h = 0; h < FC_HOURS; h++) {
    double mean = hour_mean(3600.0 * h);
    /* A storm cell heavier over the south-west, lighter to the north-east:
     * a factor 1.3 to 0.7 across the box, whose mean over it is 1. */
    for (int j = 0; j < FC_NY; j++)
      for (int i = 0; i < FC_NX; i++) {
        double s = (double)i / (FC_NX - 1) - (double)j / (FC_NY - 1);
        v[j * FC_NX + i] = (float)(mean * (1.0 - 0.3 * s));
      }
    snprintf(path, sizeof path, "%s/rain_20260915T%02d00+0700.tif", fdir, 14 + h);
    rc = ct_raster_write(path, &g, v, "mm h-1", "forecast rain rate", err);
    if (rc) break;
  }
  ct_grid_free(&g);
  if (rc) return rc;
  return CT_OK;
}

int ct__forecast_ini(const char *demo_ini, char **text, ct_error *err) {
  size_t len = 0;
  FILE *out = open_memstream(text, &len);
  if (!out) return ct_error_set(err, CT_ENOMEM, "demo: out of memory");
  fputs("# demo_forecast.ini - the demo city driven by the operations centre's\n"
        "# rain forecast: hourly rasters in WGS 84 (data/forecast/), the\n"
        "# time of each in its file name, warped onto the city's grid.\n",
        out);
  /* demo.ini line by line, with the forecast as its rain */
  for (const char *p = demo_ini; *p;) {
    const char *e = strchr(p, '\n');
    int n = e ? (int)(e - p + 1) : (int)strlen(p);
    if (!strncmp(p, "name ", 5))
      fputs("name     = Demo city: storm from the IOC's rain forecast\n", out);
    else if (!strncmp(p, "rain ", 5))
      fputs("rain           = stack:data/forecast/rain_*.tif\n", out);
    else if (!strncmp(p, "file ", 5))
      fputs("file     = out/demo_forecast.nc\n", out);
    else
      fprintf(out, "%.*s", n, p);
    p += n;
  }
  if (fclose(out) != 0) {
    free(*text);
    *text = NULL;
    return ct_error_set(err, CT_ENOMEM, "demo: out of memory");
  }
  return CT_OK;
}
