/* forcing.c - the demo's weather and water: a design storm of 100 mm in 2 h
 * (Chicago hyetograph) starting 1 h into the run, a semi-diurnal spring tide
 * peaking 1.7 m above datum around the storm, meteorology for the air model,
 * the river's inflow, and the gauge list - all as CSV time series. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "demo/demo_internal.h"

#define STORM_START 3600.0 /* [s] from the run start (15:00 local) */
#define STORM_LEN 7200.0   /* [s] */
#define STORM_DEPTH 100.0  /* [mm] */
#define STORM_R 0.4        /* peak at 40 % of the storm */
/* IDF curve i = a / (td + b)^c (td in minutes, i in mm/h); b and c of the
 * order fitted for tropical cities' short-duration rain. */
#define IDF_B 20.0
#define IDF_C 0.8
#define TIDE_PEAK 7200.0   /* [s]: high water at 16:00, mid-storm */
#define SERIES_END 86400.0 /* the series cover a day, for longer runs */

/* Chicago design storm, Keifer & Chu 1957 (J. Hydraul. Div. ASCE 83(4)):
 * the intensity at tb minutes before / ta minutes after the peak is
 *   i = a [(1 - c) tb/r + b] / (tb/r + b)^(1 + c)   (and ta/(1 - r) after),
 * so every window around the peak holding a fraction r before it has the
 * IDF mean intensity a / (td + b)^c. a makes the whole storm hold
 * STORM_DEPTH: depth = a / (T + b)^c * T / 60 with T in minutes. */
double ct__chicago(double t_storm, double duration, double r) {
  double T = duration / 60, t = t_storm / 60;
  if (t < 0 || t > T) return 0;
  double a = STORM_DEPTH * 60 / T * pow(T + IDF_B, IDF_C);
  double tp = r * T, x = t < tp ? (tp - t) / r : (t - tp) / (1 - r);
  return a * ((1 - IDF_C) * x + IDF_B) / pow(x + IDF_B, 1 + IDF_C);
}

/* Water level of a mixed, mainly semi-diurnal tide at the mouth [m above
 * datum]: M2 (12.42 h) and K1 (23.93 h) in phase at high water, as at a
 * spring tide; HCMC's Phu An gauge sees spring highs of 1.5-1.8 m. */
static double tide(double t) {
  double d = t - TIDE_PEAK;
  return 0.20 + 1.10 * cos(2 * M_PI * d / (12.4206 * 3600)) +
         0.40 * cos(2 * M_PI * d / (23.9345 * 3600));
}

static FILE *open_csv(const char *datadir, const char *name, char *path,
                      size_t n, ct_error *err) {
  snprintf(path, n, "%s/%s", datadir, name);
  FILE *f = fopen(path, "w");
  if (!f)
    ct_error_set(err, CT_EIO, "demo: cannot create '%s': %s", path,
                 strerror(errno));
  return f;
}

static int close_csv(FILE *f, const char *path, ct_error *err) {
  int bad = ferror(f);
  if (fclose(f) != 0 || bad)
    return ct_error_set(err, CT_EIO, "demo: cannot write '%s': %s", path,
                        strerror(errno));
  return 0;
}

/* Every series is written twice: from the day's start (14:00, demo.ini) and
 * from SHORT_START (15:30, demo_short.ini: the storm's peak in 30 min). */
#define SHORT_START 5400.0

static int write_rain(const char *datadir, const char *name, double t0,
                      ct_error *err) {
  enum { NS = 121 }; /* one value a minute over the storm */
  double t[NS + 2], v[NS + 2];
  int n = 0;
  t[n] = 0;
  v[n++] = 0;
  for (int k = 0; k < NS; k++) {
    t[n] = STORM_START + k * STORM_LEN / (NS - 1);
    /* Start and end at zero so the linear interpolation between rows does
       not smear rain outside the storm. */
    v[n++] = (k == 0 || k == NS - 1)
                 ? 0
                 : ct__chicago(k * STORM_LEN / (NS - 1), STORM_LEN, STORM_R);
  }
  t[n] = SERIES_END;
  v[n++] = 0;
  /* The engine interpolates linearly between rows: scale so that this
     piecewise-linear series holds exactly the design depth. */
  double depth = 0;
  for (int k = 1; k < n; k++)
    depth += 0.5 * (v[k] + v[k - 1]) * (t[k] - t[k - 1]) / 3600;
  char path[4096];
  FILE *f = open_csv(datadir, name, path, sizeof path, err);
  if (!f) return CT_EIO;
  fprintf(f, "time,rain\n");
  if (t0 > 0) /* the rain at the new start, interpolated */
    for (int k = 1; k < n; k++)
      if (t[k] > t0 && t[k - 1] <= t0) {
        double a = (t0 - t[k - 1]) / (t[k] - t[k - 1]);
        fprintf(f, "0,%.4f\n",
                (v[k - 1] + a * (v[k] - v[k - 1])) * STORM_DEPTH / depth);
      }
  for (int k = 0; k < n; k++)
    if (t[k] > t0 || (t0 == 0 && t[k] == 0))
      fprintf(f, "%.0f,%.4f\n", t[k] - t0, v[k] * STORM_DEPTH / depth);
  return close_csv(f, path, err);
}

static int write_tide(const char *datadir, const char *name, double t0,
                      ct_error *err) {
  char path[4096];
  FILE *f = open_csv(datadir, name, path, sizeof path, err);
  if (!f) return CT_EIO;
  fprintf(f, "time,level\n");
  for (double t = 0; t <= SERIES_END - t0; t += 600)
    fprintf(f, "%.0f,%.4f\n", t, tide(t + t0));
  return close_csv(f, path, err);
}

/* September afternoon in the south-west monsoon: SW wind, freshening and
 * veering in the storm's gust front, calming at night; Pasquill class (the
 * letter, as the air model reads it): C in the afternoon, D under the
 * storm's cloud, E at night; the mixed layer shrinks from 900 m to 300 m. */
static int write_met(const char *datadir, const char *name, double t0,
                     ct_error *err) {
  char path[4096];
  FILE *f = open_csv(datadir, name, path, sizeof path, err);
  if (!f) return CT_EIO;
  fprintf(f, "time,wind_speed,wind_dir,stability,mixing_height\n");
  for (double t = t0; t <= SERIES_END; t += 1800) {
    double storm = exp(-0.5 * pow((t - 6000) / 2400, 2));
    double hour = fmod(14 + t / 3600, 24); /* local clock */
    int night = hour >= 19 || hour < 6;
    double speed = (night ? 2.0 : 3.0) + 3.5 * storm;
    double dir = (night ? 205 : 225) + 20 * storm;
    char stab = night ? 'E' : storm > 0.3 ? 'D' : 'C';
    double mix = night ? 300 : 900 - 300 * storm;
    fprintf(f, "%.0f,%.2f,%.0f,%c,%.0f\n", t - t0, speed, dir, stab, mix);
  }
  return close_csv(f, path, err);
}

/* The river's own discharge entering at the north edge: a wet-season flow
 * of the regulated Saigon River. */
static int write_river(const char *datadir, ct_error *err) {
  char path[4096];
  FILE *f = open_csv(datadir, "river.csv", path, sizeof path, err);
  if (!f) return CT_EIO;
  fprintf(f, "time,discharge\n0,120\n%.0f,120\n", SERIES_END);
  return close_csv(f, path, err);
}

static int write_gauges(const ct__city *c, const char *datadir,
                        ct_error *err) {
  ct__site g[32];
  int n = ct__gauges(c, g, 32);
  char path[4096];
  FILE *f = open_csv(datadir, "gauges.csv", path, sizeof path, err);
  if (!f) return CT_EIO;
  fprintf(f, "name,x,y\n");
  for (int k = 0; k < n; k++)
    fprintf(f, "%s,%.0f,%.0f\n", g[k].name, CT__DEMO_XMIN + g[k].x,
            CT__DEMO_YMIN + g[k].y);
  return close_csv(f, path, err);
}

int ct__write_forcing(const ct__city *c, const char *datadir, ct_error *err) {
  int rc;
  if ((rc = write_rain(datadir, "rain.csv", 0, err)) ||
      (rc = write_rain(datadir, "rain_short.csv", SHORT_START, err)) ||
      (rc = write_tide(datadir, "tide.csv", 0, err)) ||
      (rc = write_tide(datadir, "tide_short.csv", SHORT_START, err)) ||
      (rc = write_met(datadir, "met.csv", 0, err)) ||
      (rc = write_met(datadir, "met_short.csv", SHORT_START, err)) ||
      (rc = write_river(datadir, err)) ||
      (rc = write_gauges(c, datadir, err)))
    return rc;
  return 0;
}
