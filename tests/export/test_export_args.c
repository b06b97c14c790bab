/* test_export_args.c - the `citytwin export` options: every option reaches
 * ct_export_opts, defaults stay when not given, and each kind of mistake is
 * a CT_EINVAL naming the option. */
#include "ct_test.h"
#include "citytwin/export.h"

/* argv as main gets it; the strings are only read. */
#define N(a) ((int)(sizeof(a) / sizeof *(a)))

int main(void) {
  ct_error err;
  ct_export_args a;

  const char *full[] = {"export", "run.nc", "--to", "out", "--fields",
                  "flood.depth,air.pm25", "--no-steps", "--with-layers",
                  "--flood-depth", "0.15", "--closure-depth", "0.5",
                  "--air-field", "air.nox", "--air-threshold", "40",
                  "--roads", "streets", "--block-size", "256",
                  "--overwrite"};
  CHECK_OK(ct_export_args_parse(&a, N(full), (char **)full, &err), &err);
  CHECK(!strcmp(a.run, "run.nc") && !strcmp(a.dir, "out"));
  CHECK(a.o.nfields == 2 && a.o.fields == a.fields);
  CHECK(a.o.nfields == 2 && !strcmp(a.o.fields[0], "flood.depth") &&
        !strcmp(a.o.fields[1], "air.pm25"));
  CHECK(a.o.steps == 0 && a.o.layers == 1 && a.o.overwrite == 1);
  CHECK(a.o.maxima == 1 && a.o.statics == 1); /* untouched defaults */
  /* Parsed decimal text: exact to the double nearest the written value. */
  CHECK(a.o.flood_depth == 0.15 && a.o.closure_depth == 0.5);
  CHECK(!strcmp(a.o.air_field, "air.nox") && a.o.air_threshold == 40.0);
  CHECK(!strcmp(a.o.roads, "streets") && a.o.blocksize == 256);
  ct_export_args_free(&a);

  /* Defaults: the values documented in export.h. */
  const char *min[] = {"export", "--to", "d", "r.nc"};
  CHECK_OK(ct_export_args_parse(&a, N(min), (char **)min, &err), &err);
  CHECK(a.o.fields == NULL && a.o.steps == 1 && a.o.layers == 0);
  CHECK(a.o.flood_depth == 0.1 && a.o.closure_depth == 0.3);
  /* no --air-field: air.pm25 if the run has it (NULL), a name given must
   * be there */
  CHECK(a.o.air_threshold == 15.0 && a.o.air_field == NULL);
  CHECK(!strcmp(a.o.depth_field, "flood.depth") &&
        !strcmp(a.o.max_depth_field, "flood.max_depth"));
  /* no --roads: the run's "roads" layer if it has one */
  CHECK(a.o.blocksize == 512 && a.o.roads == NULL);
  ct_export_args_free(&a);

  const char *help[] = {"export", "--help"};
  CHECK_OK(ct_export_args_parse(&a, N(help), (char **)help, &err), &err);
  CHECK(a.help == 1 && strstr(ct_export_usage, "--closure-depth"));
  ct_export_args_free(&a);

  struct {
    const char *argv[6];
    int argc;
    const char *msg;
  } bad[] = {
      {{"export", "r.nc"}, 2, "--to"},
      {{"export", "--to", "d"}, 3, "no run file"},
      {{"export", "r.nc", "--to"}, 3, "--to needs a value"},
      {{"export", "r.nc", "--to", "d", "--flood-depth", "deep"}, 6, "deep"},
      {{"export", "r.nc", "--to", "d", "--block-size", "100.5"}, 6,
       "--block-size"},
      {{"export", "r.nc", "--to", "d", "--fields", "a,,b"}, 6, "empty"},
      {{"export", "r.nc", "--to", "d", "--bogus"}, 5, "--bogus"},
      {{"export", "r.nc", "s.nc", "--to", "d"}, 5, "s.nc"},
  };
  for (int k = 0; k < N(bad); k++) {
    int rc = ct_export_args_parse(&a, bad[k].argc, (char **)bad[k].argv, &err);
    if (rc != CT_EINVAL || !strstr(err.msg, bad[k].msg))
      fprintf(stderr, "case %d: rc %d '%s'\n", k, rc, err.msg);
    CHECK(rc == CT_EINVAL && strstr(err.msg, bad[k].msg));
    /* the CLI puts "citytwin export: " in front: no second "export: " */
    CHECK(strncmp(err.msg, "export:", 7) != 0);
    ct_export_args_free(&a);
  }
  return TEST_RESULT();
}
