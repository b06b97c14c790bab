/* demo.c - ct_demo_make: builds the demo city in memory (terrain, roads,
 * land use, drains) and writes it as GIS files, forcing series and
 * scenarios into a folder. Deterministic: the same bytes of raster data on
 * every run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <gdal.h>
#include <cpl_error.h>
#include "citytwin/demo.h"
#include "demo/demo_internal.h"

/* mkdir -p. */
static int make_dir(const char *dir, ct_error *err) {
  char p[4096];
  if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
    return ct_error_set(err, CT_EINVAL, "demo: folder name too long: '%s'", dir);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
      return ct_error_set(err, CT_EIO, "demo: cannot create folder '%s': %s",
                          p, strerror(errno));
    *s = '/';
  }
  struct stat st;
  if (mkdir(p, 0777) != 0 && errno != EEXIST)
    return ct_error_set(err, CT_EIO, "demo: cannot create folder '%s': %s", p,
                        strerror(errno));
  if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) /* the user's argument */
    return ct_error_set(err, CT_EINVAL, "demo: '%s' is not a folder", p);
  return 0;
}

int ct_demo_make(const char *dir, ct_error *err) {
  if (!dir || !*dir)
    return ct_error_set(err, CT_EINVAL, "demo: no folder given");
  char data[4096], out[4096];
  snprintf(data, sizeof data, "%s/data", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  int rc;
  if ((rc = make_dir(dir, err)) || (rc = make_dir(data, err)) ||
      (rc = make_dir(out, err)))
    return rc;
  ct__city c;
  if ((rc = ct__city_alloc(&c, err))) return rc;
  GDALAllRegister();
  /* The engine never prints: GDAL's complaints come back in err. */
  CPLPushErrorHandler(CPLQuietErrorHandler);
  if (!(rc = ct__terrain_build(&c, err)) && !(rc = ct__roads_build(&c, err)) &&
      !(rc = ct__roads_stamp(&c, err)) &&
      !(rc = ct__write_scenarios(&c, dir, 1, err))) {
    ct__drains_build(&c);
    if (!(rc = ct__write_rasters(&c, data, err)) &&
        !(rc = ct__write_vectors(&c, data, err)) &&
        !(rc = ct__write_forcing(&c, data, err)) &&
        !(rc = ct__write_forecast(dir, err)))
      rc = ct__write_scenarios(&c, dir, 0, err);
  }
  CPLPopErrorHandler();
  ct__city_free(&c);
  return rc;
}
