/* args.c - the options of `citytwin export`, parsed here so that the
 * command line and the library agree on names and defaults; engine/cli only
 * prints and calls ct_export_run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "citytwin/export.h"
#include "citytwin/util.h"

const char ct_export_usage[] =
    "usage: citytwin export RUN.nc --to DIR [options]\n"
    "\n"
    "Writes the run's forecast layers for the IOC into DIR: a Cloud\n"
    "Optimized GeoTIFF per field per time step and of each field's run\n"
    "maximum, GeoJSON (RFC 7946, WGS 84) of flooded and closed road\n"
    "segments and of areas above the air-quality threshold, and\n"
    "DIR/manifest.json listing every file (written last).\n"
    "\n"
    "  --to DIR              output folder; created; must be empty\n"
    "  --fields A,B,...      fields to write as COGs (default: every\n"
    "                        time-varying one and the static run results)\n"
    "  --no-steps            only the run maxima, not every time step\n"
    "  --with-layers         also the static input layers (layer.dem ...),\n"
    "                        with or without --fields\n"
    "  --flood-depth M       flooded-road depth [m]: water at or above it\n"
    "                        (0.1)\n"
    "  --closure-depth M     road-closure depth [m]: at or above it (0.3)\n"
    "  --air-field NAME      field for the exceedance areas (air.pm25 when\n"
    "                        the run has it; a field it lacks is an error)\n"
    "  --air-threshold V     exceedance threshold, field units (15)\n"
    "  --roads NAME          the run's road line layer (roads); a name\n"
    "                        the run does not hold is an error\n"
    "  --block-size N        COG tile size, a multiple of 16 (512)\n"
    "  --overwrite           write into a non-empty DIR (older files that\n"
    "                        are not rewritten stay, unlisted; the old\n"
    "                        manifest.json is removed first)\n";

/* The option's value, or an error naming the option. */
static const char *value(int argc, char **argv, int *k, ct_error *err) {
  if (*k + 1 >= argc) {
    ct_error_set(err, CT_EINVAL, "%s needs a value", argv[*k]);
    return NULL;
  }
  return argv[++*k];
}

static int number(const char *opt, const char *v, double *out,
                  ct_error *err) {
  if (ct_parse_double(v, out))
    return ct_error_set(err, CT_EINVAL, "%s '%s' is not a number",
                        opt, v);
  return CT_OK;
}

/* Splits "a,b,c" into a->fields (empty names are an error). */
static int split_fields(ct_export_args *a, const char *list, ct_error *err) {
  free(a->fields_text);
  free(a->fields);
  a->fields = NULL;
  if (!(a->fields_text = strdup(list)))
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  int n = 1;
  for (const char *p = list; *p; p++) n += *p == ',';
  if (!(a->fields = calloc((size_t)n, sizeof *a->fields)))
    return ct_error_set(err, CT_ENOMEM, "out of memory");
  int k = 0;
  for (char *p = a->fields_text, *q; p; p = q) {
    q = strchr(p, ',');
    if (q) *q++ = '\0';
    if (!*p)
      return ct_error_set(err, CT_EINVAL, "--fields '%s' has an "
                          "empty name", list);
    a->fields[k++] = p;
  }
  a->o.fields = a->fields;
  a->o.nfields = k;
  return CT_OK;
}

int ct_export_args_parse(ct_export_args *a, int argc, char **argv,
                         ct_error *err) {
  memset(a, 0, sizeof *a);
  ct_export_opts_default(&a->o);
  int rc = CT_OK;
  for (int k = 1; k < argc && !rc; k++) {
    const char *o = argv[k], *v;
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      a->help = 1;
    } else if (!strcmp(o, "--to")) {
      if (!(a->dir = value(argc, argv, &k, err))) rc = CT_EINVAL;
    } else if (!strcmp(o, "--fields")) {
      rc = (v = value(argc, argv, &k, err)) ? split_fields(a, v, err)
                                            : CT_EINVAL;
    } else if (!strcmp(o, "--no-steps")) {
      a->o.steps = 0;
    } else if (!strcmp(o, "--with-layers")) {
      a->o.layers = 1;
    } else if (!strcmp(o, "--overwrite")) {
      a->o.overwrite = 1;
    } else if (!strcmp(o, "--flood-depth")) {
      rc = (v = value(argc, argv, &k, err))
               ? number(o, v, &a->o.flood_depth, err) : CT_EINVAL;
    } else if (!strcmp(o, "--closure-depth")) {
      rc = (v = value(argc, argv, &k, err))
               ? number(o, v, &a->o.closure_depth, err) : CT_EINVAL;
    } else if (!strcmp(o, "--air-threshold")) {
      rc = (v = value(argc, argv, &k, err))
               ? number(o, v, &a->o.air_threshold, err) : CT_EINVAL;
    } else if (!strcmp(o, "--air-field")) {
      if (!(a->o.air_field = value(argc, argv, &k, err))) rc = CT_EINVAL;
    } else if (!strcmp(o, "--roads")) {
      if (!(a->o.roads = value(argc, argv, &k, err))) rc = CT_EINVAL;
    } else if (!strcmp(o, "--block-size")) {
      double b;
      rc = (v = value(argc, argv, &k, err)) ? number(o, v, &b, err)
                                            : CT_EINVAL;
      if (!rc && (b != floor(b) || b < 16 || b > 4096))
        rc = ct_error_set(err, CT_EINVAL, "--block-size '%s' must "
                          "be a whole number from 16 to 4096", v);
      if (!rc) a->o.blocksize = (int)b;
    } else if (o[0] == '-' && o[1]) {
      rc = ct_error_set(err, CT_EINVAL, "unknown option '%s'", o);
    } else if (!a->run) {
      a->run = o;
    } else {
      rc = ct_error_set(err, CT_EINVAL, "one run file only ('%s' "
                        "and '%s')", a->run, o);
    }
  }
  if (rc || a->help) return rc;
  if (!a->run)
    return ct_error_set(err, CT_EINVAL, "no run file given");
  if (!a->dir)
    return ct_error_set(err, CT_EINVAL, "no output folder given "
                        "(--to DIR)");
  return CT_OK;
}

void ct_export_args_free(ct_export_args *a) {
  free(a->fields_text);
  free(a->fields);
  a->fields_text = NULL;
  a->fields = NULL;
  a->o.fields = NULL;
  a->o.nfields = 0;
}
