/* test_traffic_inputs.c - the [traffic] section end to end through ct_run
 * (GeoJSON roads with named columns, an OD table with coordinates, a timed
 * closure), and the bad inputs: a road layer with no lines, an unknown
 * column, an OD row naming a zone that does not exist, an unknown closure
 * target. Each error must name the file and line or the layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "citytwin/run.h"
#include "citytwin/traffic.h"
#include "citytwin/snapshot.h"
#include "ct_test.h"

static char dir[4096];

static void put(const char *name, const char *text) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* 4 x 4 streets 300 m apart (UTM 48N): h0..h3 west-east, v0..v3 south-north
 * (features 0..7); Avenue 1 (v1) is flagged as a bridge */
static void write_roads(void) {
  char buf[8192];
  size_t n = 0;
  n += (size_t)snprintf(buf + n, sizeof buf - n,
                        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\","
                        "\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},"
                        "\"features\":[");
  for (int k = 0; k < 8; k++) {
    int h = k < 4, q = k % 4;
    n += (size_t)snprintf(buf + n, sizeof buf - n,
                          "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"%c%d\","
                          "\"name\":\"%s %d\",\"kind\":\"%s\",\"nlanes\":2,"
                          "\"bridge\":\"%s\"},"
                          "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[",
                          k ? "," : "", h ? 'h' : 'v', q, h ? "Street" : "Avenue", q,
                          h ? "residential" : "secondary", k == 5 ? "yes" : "no");
    for (int i = 0; i < 4; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s[%d,%d]", i ? "," : "",
                            680000 + (h ? i : q) * 300, 1190000 + (h ? q : i) * 300);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "]}}");
  }
  snprintf(buf + n, sizeof buf - n, "]}");
  put("roads.geojson", buf);
  put("points.geojson",
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},\"features\":[{\"type\":\"Feature\","
      "\"properties\":{\"id\":1},\"geometry\":{\"type\":\"Point\","
      "\"coordinates\":[680100,1190100]}}]}");
  put("zones.geojson",
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},\"features\":["
      "{\"type\":\"Feature\",\"properties\":{\"zone\":\"Z1\"},\"geometry\":"
      "{\"type\":\"Polygon\",\"coordinates\":[[[679950,1189950],[680350,1189950],"
      "[680350,1190350],[679950,1190350],[679950,1189950]]]}},"
      "{\"type\":\"Feature\",\"properties\":{\"zone\":\"Z2\"},\"geometry\":"
      "{\"type\":\"Polygon\",\"coordinates\":[[[680550,1190550],[680950,1190550],"
      "[680950,1190950],[680550,1190950],[680550,1190550]]]}}]}");
  put("block.geojson",
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},\"features\":["
      "{\"type\":\"Feature\",\"properties\":{\"id\":1},\"geometry\":"
      "{\"type\":\"Polygon\",\"coordinates\":[[[680250,1190250],[680350,1190250],"
      "[680350,1190350],[680250,1190350],[680250,1190250]]]}}]}");
  /* an OSM layer exported to GeoJSON: OSM columns, but no relations */
  put("osmlike.geojson",
      "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
      "{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},\"features\":[{\"type\":"
      "\"Feature\",\"properties\":{\"osm_id\":\"5\",\"highway\":\"primary\","
      "\"other_tags\":\"\\\"lanes\\\"=>\\\"2\\\"\"},\"geometry\":{\"type\":"
      "\"LineString\",\"coordinates\":[[680000,1190000],[680300,1190000]]}}]}");
  put("od.csv",
      "origin,destination,start,end,trips\n"
      "680000 1190000,680900 1190900,00:00,00:30,300\n"
      "680900 1190000,680000 1190900,00:00,00:30,200\n");
  put("odc.csv",
      "origin,destination,start,end,trips,class\n"
      "680000 1190000,680900 1190900,00:00,00:20,100,bus\n");
  put("odbad.csv",
      "origin,destination,trips,class\n"
      "680000 1190000,680900 1190900,100,bus\n"
      "680000 1190000,680900 1190900,100,tuktuk\n");
  /* an origin in degrees, 1000 km off the network; then 1.9 km off, kept */
  put("odfar.csv",
      "origin,destination,trips\n"
      "680000 1190000,680900 1190900,10\n"
      "106.7 10.77,680900 1190900,10\n");
  /* ISO start/end without their offset: local or UTC? refused */
  put("odutc.csv",
      "origin,destination,trips,start,end\n"
      "680000 1190000,680900 1190900,10,2026-09-15T07:00:00,"
      "2026-09-15T07:30:00\n");
  put("odnear.csv",
      "origin,destination,trips\n"
      "678100 1190000,680900 1190900,10\n");
  put("odn.csv",
      "origin,destination,start,end,trips\n"
      "680000 1190000,680000 1190900,00:00,00:20,100\n");
  put("odz.csv", "origin,destination,trips\nZ1,Z2,100\nZ2,Z9,50\n");
}

static const char *HEAD1 =
    "[scenario]\nname = t\nstart = 2026-09-15T07:00:00+07:00\nduration = 1h\n"
    "[domain]\ncrs = EPSG:32648\nbounds = 679900 1189900 681000 1191000\n"
    "cell = 50\n"
    "[layers]\nroads = roads.geojson\npoints = points.geojson\n"
    "zones = zones.geojson\nblock = block.geojson\n"
    "[output]\nfile = out/";
static const char *HEAD2 = ".nc\ninterval = 30min\n[traffic]\n";

static char warnings[4096];

static void on_warn(void *ud, const char *msg) {
  (void)ud;
  size_t n = strlen(warnings);
  snprintf(warnings + n, sizeof warnings - n, "%s\n", msg);
}

static int run(const char *name, const char *traffic, int check, ct_run_result *res,
               ct_error *err) {
  char text[4096], ini[64], path[4200];
  snprintf(text, sizeof text, "%s%s%s%s", HEAD1, name, HEAD2, traffic);
  snprintf(ini, sizeof ini, "%s.ini", name);
  put(ini, text);
  snprintf(path, sizeof path, "%s/%s", dir, ini);
  ct_run_opts o;
  memset(&o, 0, sizeof o);
  o.check_only = check;
  o.warn = on_warn;
  warnings[0] = 0;
  memset(res, 0, sizeof *res);
  ct_error_clear(err);
  return ct_run(path, &o, res, err);
}

static double json_num(const char *file, const char *key) {
  FILE *f = fopen(file, "r");
  if (!f) return NAN;
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\"", key);
  const char *p = strstr(buf, pat);
  if (!p) return NAN;
  p += strlen(pat);
  while (*p == ' ' || *p == ':') p++;
  return strtod(p, NULL);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s/traffic_inputs", CT_BINARY_DIR);
  mkdir(dir, 0777);
  write_roads();
  ct_run_result res;
  ct_error err = {0};
  const char *cols =
      "roads = roads\ncolumn.class = kind\ncolumn.lanes = nlanes\n"
      "column.name = name\ncolumn.id = id\n";
  char sec[2048];

  /* a good run: 500 trips corner to corner, a closure from 00:10 to 00:40 */
  snprintf(sec, sizeof sec, "%sdemand = od.csv\nclose.x = Street 1 00:10 00:40\n"
           "column.bridge = bridge\n", cols);
  CHECK_OK(run("good", sec, 0, &res, &err), &err);
  /* the key to the links table: one CSV row per link, with source ids */
  {
    ct_reader *rd = NULL;
    CHECK_OK(ct_reader_open(&rd, res.output, &err), &err);
    char *key = rd ? ct_reader_attr(rd, "traffic_links") : NULL;
    int rows = 0;
    for (const char *c = key; c && *c; c++) rows += *c == '\n';
    CHECK(key && rows == (int)json_num(res.summary, "links") + 1);
    CHECK(key && strstr(key, ",\"h1\",\"Street 1\","));
    /* each link's feature of the roads layer and bridge flag (the last two
     * columns): Avenue 1 is feature 5 and a bridge, Street 1 feature 1 */
    const char *v1 = key ? strstr(key, ",\"v1\",\"Avenue 1\",") : NULL;
    const char *h1 = key ? strstr(key, ",\"h1\",\"Street 1\",") : NULL;
    CHECK(key && strstr(key, ",free_speed_kmh,feature,bridge\n"));
    CHECK(v1 && strstr(v1, ",5,1\n") == strchr(v1, '\n') - 4);
    CHECK(h1 && strstr(h1, ",1,0\n") == strchr(h1, '\n') - 4);
    char *of = rd ? ct_reader_attr(rd, "traffic_roads") : NULL;
    CHECK(of && !strcmp(of, "roads"));
    free(of);
    free(key);
    if (rd) ct_reader_close(rd);
  }
  double vkt = json_num(res.summary, "vehicle_km");
  double done = json_num(res.summary, "trips_completed");
  double bal = json_num(res.summary, "vehicle_balance");
  double closed = json_num(res.summary, "closed_road_km");
  printf("good run: %.3f veh km, %.3f trips completed, balance %g, closed %.2f km\n",
         vkt, done, bal, closed);
  /* every trip drives a shortest grid path of 900 + 900 m, also round the
   * closure: 500 x 1.8 km (1e-3 km: integer units of 2^-20 veh) */
  CHECK_NEAR(vkt, 900.0, 1e-3);
  CHECK_NEAR(done, 500.0, 1e-3);
  CHECK(bal == 0);
  /* Street 1: 900 m, both directions closed; a two-way road's length
   * counts once */
  CHECK_NEAR(closed, 0.9, 1e-9);

  /* a signal plan from the scenario, no default signals, more lanes and a
   * lower speed on two streets: still 500 x 1.8 km */
  snprintf(sec, sizeof sec,
           "%sdemand = od.csv\nsignals = none\nsignal.a = 680300 1190300 60 25 25 10\n"
           "lanes.h1 = 3\nspeed.v2 = 30\n", cols);
  CHECK_OK(run("plan", sec, 0, &res, &err), &err);
  CHECK_NEAR(json_num(res.summary, "signals"), 1.0, 0);
  CHECK_NEAR(json_num(res.summary, "vehicle_km"), 900.0, 1e-3);
  CHECK_NEAR(json_num(res.summary, "trips_completed"), 500.0, 1e-3);

  /* a closure by polygon layer around the junction (300, 300) m: its four
   * streets (4 x 300 m of two-way road) close; shortest paths round it are
   * still 1.8 km (1e-3: integer units) */
  snprintf(sec, sizeof sec, "%sdemand = od.csv\nclose.z = block\n", cols);
  CHECK_OK(run("polyclose", sec, 0, &res, &err), &err);
  CHECK_NEAR(json_num(res.summary, "closed_road_km"), 1.2, 1e-9);
  CHECK_NEAR(json_num(res.summary, "trips_completed"), 500.0, 1e-3);
  CHECK_NEAR(json_num(res.summary, "vehicle_km"), 900.0, 1e-3);

  /* an OD table with a class column: buses only, so NOx per vehicle-km is
   * the bus factor 8.5 g/km (HBEFA Euro-III; 1e-6 relative: round-off) */
  snprintf(sec, sizeof sec, "%sdemand = odc.csv\n", cols);
  CHECK_OK(run("odclass", sec, 0, &res, &err), &err);
  double nox = json_num(res.summary, "nox"), bvk = json_num(res.summary, "vehicle_km");
  /* (buses may take a longer way round signalled junctions: no check on
   * the distance, but all 100 arrive) */
  CHECK_NEAR(json_num(res.summary, "trips_completed"), 100.0, 1e-3);
  CHECK_NEAR(nox * 1000 / bvk, 8.5, 8.5e-6);
  snprintf(sec, sizeof sec, "%sdemand = odbad.csv\n", cols);
  CHECK(run("odbad", sec, 1, &res, &err) < 0);
  printf("bad class: %s\n", err.msg);
  CHECK(strstr(err.msg, "odbad.csv:3") != NULL);
  CHECK(strstr(err.msg, "tuktuk") != NULL);
  snprintf(sec, sizeof sec, "%sdemand = odfar.csv\n", cols);
  CHECK(run("odfar", sec, 1, &res, &err) < 0);
  printf("far origin: %s\n", err.msg);
  CHECK(strstr(err.msg, "odfar.csv:3: '106.7 10.77' lies more than 2000 m"));
  snprintf(sec, sizeof sec, "%sdemand = odutc.csv\n", cols);
  CHECK(run("odutc", sec, 1, &res, &err) < 0);
  CHECK(strstr(err.msg, "odutc.csv:2: start/end") &&
        strstr(err.msg, "UTC offset"));
  snprintf(sec, sizeof sec, "%sdemand = odnear.csv\n", cols);
  CHECK_OK(run("odnear", sec, 0, &res, &err), &err);

  /* a signal plan away from any junction */
  snprintf(sec, sizeof sec, "%ssignal.b = 680150 1190150 60 25 25\n", cols);
  CHECK(run("badsignal", sec, 1, &res, &err) < 0);
  printf("bad signal: %s\n", err.msg);
  CHECK(strstr(err.msg, "badsignal.ini:23") != NULL);
  CHECK(strstr(err.msg, "no junction within 50 m") != NULL);

  /* plans by compass direction at the junction (300, 300) m: two phases
   * N+S / E+W, and split phasing with an extra NE phase that serves no
   * approach (all red, with a warning): every trip still arrives, on the
   * same 1.8 km paths (1e-3: integer units) */
  snprintf(sec, sizeof sec,
           "%sdemand = od.csv\nsignals = none\n"
           "signal.c = 680300 1190300 60 N+S:25 e+w:25 10\n", cols);
  CHECK_OK(run("compass", sec, 0, &res, &err), &err);
  CHECK_NEAR(json_num(res.summary, "signals"), 1.0, 0);
  CHECK_NEAR(json_num(res.summary, "trips_completed"), 500.0, 1e-3);
  CHECK_NEAR(json_num(res.summary, "vehicle_km"), 900.0, 1e-3);
  CHECK(warnings[0] == 0);
  snprintf(sec, sizeof sec,
           "%sdemand = od.csv\nsignals = none\n"
           "signal.c = 680300 1190300 60 N:10 E:10 S:10 W:10 NE:4\n", cols);
  CHECK_OK(run("split", sec, 0, &res, &err), &err);
  CHECK_NEAR(json_num(res.summary, "trips_completed"), 500.0, 1e-3);
  printf("split warning: %s", warnings);
  CHECK(strstr(warnings, "split.ini:25") &&
        strstr(warnings, "phase 5 (NE:4) serves no approach"));
  /* an approach left out, and a direction that is not one */
  snprintf(sec, sizeof sec, "%ssignal.c = 680300 1190300 60 N+S:25\n", cols);
  CHECK(run("nophase", sec, 1, &res, &err) < 0);
  printf("no phase: %s\n", err.msg);
  CHECK(strstr(err.msg, "nophase.ini:23") != NULL);
  CHECK(strstr(err.msg, "is in no phase") != NULL);
  snprintf(sec, sizeof sec, "%ssignal.c = 680300 1190300 60 N+Q:25 E:20\n",
           cols);
  CHECK(run("baddir", sec, 1, &res, &err) < 0);
  printf("bad direction: %s\n", err.msg);
  CHECK(strstr(err.msg, "baddir.ini:23") != NULL);
  CHECK(strstr(err.msg, "N NE E SE S SW W NW") != NULL);
  snprintf(sec, sizeof sec, "%ssignal.c = 680300 1190300 60 N+:25 E+W:20\n",
           cols);
  CHECK(run("plusdir", sec, 1, &res, &err) < 0);
  CHECK(strstr(err.msg, "plusdir.ini:23") != NULL);

  /* a banned turn: trips from (0, 0) to (0, 900) m go straight up the
   * avenue (0.9 km); with straight on banned at (0, 300) from the south they
   * go round a block (1.5 km); a ban for 00:50-01:00, after every trip has
   * arrived, changes nothing (1e-3: integer units) */
  snprintf(sec, sizeof sec, "%sdemand = odn.csv\n", cols);
  CHECK_OK(run("noban", sec, 0, &res, &err), &err);
  CHECK_NEAR(json_num(res.summary, "vehicle_km"), 90.0, 1e-3);
  snprintf(sec, sizeof sec, "%sdemand = odn.csv\nban.x = 680000 1190300 S N\n",
           cols);
  CHECK_OK(run("ban", sec, 0, &res, &err), &err);
  CHECK_NEAR(json_num(res.summary, "trips_completed"), 100.0, 1e-3);
  CHECK_NEAR(json_num(res.summary, "vehicle_km"), 150.0, 1e-3);
  snprintf(sec, sizeof sec,
           "%sdemand = odn.csv\nban.x = 680000 1190300 S N car,motorbike,bus,truck "
           "00:50 01:00\n", cols);
  CHECK_OK(run("banlate", sec, 0, &res, &err), &err);
  CHECK_NEAR(json_num(res.summary, "vehicle_km"), 90.0, 1e-3);
  snprintf(sec, sizeof sec, "%sban.x = 680000 1190300 S Q\n", cols);
  CHECK(run("banbad", sec, 1, &res, &err) < 0);
  printf("bad ban: %s\n", err.msg);
  CHECK(strstr(err.msg, "banbad.ini:23") && strstr(err.msg, "X Y FROM TO"));
  snprintf(sec, sizeof sec, "%sban.x = 680000 1190300 S N bus\n", cols);
  CHECK(run("banbus", sec, 1, &res, &err) < 0);
  printf("bus ban: %s\n", err.msg);
  CHECK(strstr(err.msg, "banbus.ini:23") && strstr(err.msg, "route as cars"));
  snprintf(sec, sizeof sec, "%sban.x = 680000 1190300 W N\n", cols);
  CHECK(run("banwest", sec, 1, &res, &err) < 0);
  printf("no approach: %s\n", err.msg);
  CHECK(strstr(err.msg, "banwest.ini:23") && strstr(err.msg, "no approach from W"));

  /* an exported OSM layer: no restrictions to read, and none asked for */
  {
    char text[2048], path[4200];
    snprintf(text, sizeof text,
             "[scenario]\nname = t\nstart = 2026-09-15T07:00:00+07:00\n"
             "duration = 10min\n[domain]\ncrs = EPSG:32648\n"
             "bounds = 679900 1189900 681000 1191000\ncell = 50\n"
             "[layers]\nroads = osmlike.geojson\n[output]\nfile = out/osmlike.nc\n"
             "interval = 10min\n[traffic]\ndemand = none\n");
    put("osmlike.ini", text);
    snprintf(path, sizeof path, "%s/osmlike.ini", dir);
    ct_run_opts o;
    memset(&o, 0, sizeof o);
    memset(&res, 0, sizeof res);
    CHECK_OK(ct_run(path, &o, &res, &err), &err);
    CHECK_NEAR(json_num(res.summary, "turn_restrictions"), 0.0, 0);
  }

  /* a messy road layer runs, with one warning counting what it could not
   * use: a feature without geometry, an unknown class, unreadable lanes
   * and speed */
  {
    put("messy.geojson",
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\","
        "\"properties\":{\"name\":\"urn:ogc:def:crs:EPSG::32648\"}},"
        "\"features\":["
        "{\"type\":\"Feature\",\"properties\":{\"kind\":\"residential\","
        "\"nlanes\":\"two\",\"vmax\":\"fast\"},\"geometry\":{\"type\":"
        "\"LineString\",\"coordinates\":[[680000,1190000],[680300,1190000]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"kind\":\"spaceway\","
        "\"nlanes\":\"2\",\"vmax\":\"40\"},\"geometry\":{\"type\":"
        "\"LineString\",\"coordinates\":[[680300,1190000],[680600,1190000]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"kind\":\"residential\"},"
        "\"geometry\":null}]}");
    char text[2048], path[4200];
    snprintf(text, sizeof text,
             "[scenario]\nname = t\nstart = 2026-09-15T07:00:00+07:00\n"
             "duration = 10min\n[domain]\ncrs = EPSG:32648\n"
             "bounds = 679900 1189900 681000 1191000\ncell = 50\n"
             "[layers]\nroads = messy.geojson\n[output]\nfile = out/messy.nc\n"
             "interval = 10min\n[traffic]\ndemand = none\ncolumn.class = kind\n"
             "column.lanes = nlanes\ncolumn.speed = vmax\n");
    put("messy.ini", text);
    snprintf(path, sizeof path, "%s/messy.ini", dir);
    ct_run_opts o;
    memset(&o, 0, sizeof o);
    o.check_only = 1;
    o.warn = on_warn;
    warnings[0] = 0;
    memset(&res, 0, sizeof res);
    CHECK_OK(ct_run(path, &o, &res, &err), &err);
    printf("messy roads: %s", warnings);
    CHECK(strstr(warnings, "1 feature without a geometry left out"));
    CHECK(strstr(warnings, "messy.geojson): 1 of an unknown road class (e.g. "
                           "'spaceway') taken as unclassified; 1 lane count(s) "
                           "and 1 speed(s) not a positive number"));
  }

  /* turn restrictions come from OpenStreetMap files only */
  snprintf(sec, sizeof sec, "%sturn_restrictions = on\n", cols);
  CHECK(run("turnsgeo", sec, 1, &res, &err) < 0);
  printf("turn restrictions: %s\n", err.msg);
  CHECK(strstr(err.msg, "turnsgeo.ini:23") && strstr(err.msg, "not one"));

  /* a layer with no lines */
  CHECK(run("nolines", "roads = points\ndemand = none\n", 1, &res, &err) < 0);
  printf("no lines: %s\n", err.msg);
  CHECK(strstr(err.msg, "layer 'points'") != NULL);
  CHECK(strstr(err.msg, "no drivable lines") != NULL);

  /* an unknown column: named with file:line and the available columns */
  CHECK(run("badcol", "roads = roads\ncolumn.lanes = lanez\n", 1, &res, &err) < 0);
  printf("bad column: %s\n", err.msg);
  CHECK(strstr(err.msg, "badcol.ini:19") != NULL);
  CHECK(strstr(err.msg, "no column 'lanez'") != NULL);
  CHECK(strstr(err.msg, "nlanes") != NULL);

  /* an OD row naming a zone that does not exist */
  snprintf(sec, sizeof sec, "%sdemand = odz.csv\nzones = zones\nzone.id = zone\n", cols);
  CHECK(run("badzone", sec, 1, &res, &err) < 0);
  printf("bad zone: %s\n", err.msg);
  CHECK(strstr(err.msg, "odz.csv:3") != NULL);
  CHECK(strstr(err.msg, "'Z9'") != NULL);

  /* a closure of a street that is not there */
  snprintf(sec, sizeof sec, "%sclose.y = Nowhere Street\n", cols);
  CHECK(run("badclose", sec, 1, &res, &err) < 0);
  printf("bad closure: %s\n", err.msg);
  CHECK(strstr(err.msg, "badclose.ini:23") != NULL);
  CHECK(strstr(err.msg, "Nowhere Street") != NULL);

  /* the low-level builder: a vector without lines */
  ct_vector v;
  memset(&v, 0, sizeof v);
  v.name = (char *)"empty";
  v.path = (char *)"empty.gpkg";
  ct_traffic *t = ct_traffic_new(NULL);
  CHECK(ct_traffic_build_roads(t, &v, NULL, NULL, NULL, &err) < 0);
  CHECK(strstr(err.msg, "layer 'empty' (empty.gpkg)") != NULL);
  ct_traffic_free(t);
  return TEST_RESULT();
}
