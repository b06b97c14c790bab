/* test_flood_infiltration.c - infiltration through the [flood] model against
 * closed forms, on a flat closed basin of green land (class 4) ponded 0.5 m
 * deep from the start, so the soil always takes its full capacity:
 * - Green & Ampt (1911): cumulative F(t) solves
 *   Ks t = F - a ln(1 + F / a), a = psi dtheta (sandy loam, Rawls et al.
 *   1983: Ks 10.9 mm/h, psi 110.1 mm, dtheta 0.288);
 * - Horton (1940): F(t) = fc t + (f0 - fc)(1 - exp(-k t)) / k
 *   (125 and 12 mm/h, k = 2 /h);
 * after 1 h with the coupling interval of 60 s, and the volume balance
 * closed. Impervious cells (class 6, road) take nothing. */
#include "citytwin/field.h"
#include "citytwin/layers.h"
#include "citytwin/scenario.h"
#include "ct_test.h"
#include "flood_test_util.h"

#define NX 12
#define NY 10

static float dem[NX * NY], lu[NX * NY];

/* Runs 1 h and returns the summary's infiltrated volume and error. */
static void run(const char *infil, double *inf, double *err_rel) {
  static const char *const known[] = {"flood", NULL};
  char text[2048];
  snprintf(text, sizeof text,
           "[scenario]\nname = t\nstart = 2026-09-15T14:00:00+07:00\n"
           "duration = 1h\n[domain]\ncrs = EPSG:32648\n"
           "bounds = 600000 1000000 600120 1000100\ncell = 10\n[flood]\n"
           "landuse = landuse\ninitial_level = 0.5\ninfiltration = %s\n",
           infil);
  ct_scenario sc;
  memset(&sc, 0, sizeof sc);
  ct_error err = {0};
  CHECK_OK(ct_scenario_parse(&sc, text, "/tmp/infil.ini", known, &err), &err);
  ct_grid g;
  memset(&g, 0, sizeof g);
  CHECK_OK(ct_grid_init(&g, "EPSG:32648", 600000, 1000000, 600120, 1000100,
                        10, &err), &err);
  ct_layer l[2];
  memset(l, 0, sizeof l);
  l[0].name = (char *)"dem";
  l[0].raster = dem;
  l[1].name = (char *)"landuse";
  l[1].raster = lu;
  ct_layers ls = {2, l};
  ct_env env;
  memset(&env, 0, sizeof env);
  env.sc = &sc;
  env.grid = &g;
  env.fields = ct_fields_new(&g);
  env.layers = &ls;
  env.duration = 3600;
  env.coupling = 60;
  void *self = NULL;
  CHECK_OK(ct_flood_model.init(&self, &env, &err), &err);
  /* The run loop's schedule: exchange every 60 s, steps within. */
  for (int c = 0; self && c < 60; c++) {
    double t = c * 60.0, t1 = t + 60.0;
    CHECK_OK(ct_flood_model.exchange(self, env.fields, t, &err), &err);
    while (t < t1 - 1e-9) {
      double dt = fmin(ct_flood_model.max_dt(self), t1 - t);
      CHECK_OK(ct_flood_model.step(self, t, dt, &err), &err);
      t += dt;
    }
  }
  ct_json j;
  ct_json_init(&j);
  ct_json_object(&j, NULL);
  if (self) CHECK_OK(ct_flood_model.summary(self, &j, &err), &err);
  ct_json_end(&j);
  const char *p = j.buf ? strstr(j.buf, "\"infiltrated\":") : NULL;
  *inf = p ? atof(p + strlen("\"infiltrated\":")) : -1;
  p = j.buf ? strstr(j.buf, "\"volume_error_rel\":") : NULL;
  *err_rel = p ? atof(p + strlen("\"volume_error_rel\":")) : 1;
  ct_json_free(&j);
  if (self) ct_flood_model.destroy(self);
  ct_fields_free(env.fields);
  ct_grid_free(&g);
  ct_scenario_free(&sc);
}

int main(void) {
  /* Green land, with one column of road (impervious). */
  int green = 0;
  for (int k = 0; k < NX * NY; k++) {
    lu[k] = (k % NX == 0) ? 6.0f : 4.0f;
    green += lu[k] == 4.0f;
  }
  const double area = 100.0 * green, T = 3600.0;
  double inf, er;

  /* Green-Ampt, exact F(T) by bisection on the implicit equation. */
  const double ks = 10.9 / 3.6e6, a = 0.1101 * 0.288;
  double lo = 0, hi = 1;
  for (int it = 0; it < 200; it++) {
    double F = 0.5 * (lo + hi);
    if (F - a * log(1 + F / a) < ks * T) lo = F;
    else hi = F;
  }
  run("green-ampt", &inf, &er);
  printf("green-ampt: %.6f m infiltrated, exact %.6f m; volume error %.2g\n",
         inf / area, lo, er);
  /* 1e-5 relative: per-cell rates and cumulative depths are float32 and
   * summed over 60 intervals. */
  CHECK_NEAR(inf / area, lo, 1e-5 * lo);
  CHECK(er < 1e-6);

  /* Horton. */
  const double f0 = 125 / 3.6e6, fc = 12 / 3.6e6, kk = 2 / 3600.0;
  double Fh = fc * T + (f0 - fc) * (1 - exp(-kk * T)) / kk;
  run("horton", &inf, &er);
  printf("horton: %.6f m infiltrated, exact %.6f m; volume error %.2g\n",
         inf / area, Fh, er);
  CHECK_NEAR(inf / area, Fh, 1e-5 * Fh);
  CHECK(er < 1e-6);
  return TEST_RESULT();
}
