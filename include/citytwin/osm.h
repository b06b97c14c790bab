/* osm.h - turn restrictions read straight from an OpenStreetMap file
 * (.osm.pbf or .osm XML), because GDAL's OSM driver drops the member roles
 * (from / via / to) that say which turn a relation forbids. */
#ifndef CITYTWIN_OSM_H
#define CITYTWIN_OSM_H

#include <stdint.h>
#include "citytwin/error.h"

typedef struct ct_osm_restriction {
  int64_t id;              /* relation id */
  char restriction[40];    /* value of "restriction", e.g. no_left_turn, only_straight_on; "" if absent */
  char cls_tag[24];        /* for class-specific tags restriction:motorcar etc.: "motorcar"; "" for plain */
  char except[96];         /* the "except" tag verbatim ("" if none), e.g. "moped;motorcycle" */
  char conditional[160];   /* the "restriction:conditional" tag verbatim ("" if none) */
  int64_t from_way;        /* member with role from (type way); 0 if missing */
  int64_t to_way;          /* member with role to (type way); 0 if missing */
  int64_t via_node;        /* member with role via of type node; 0 if none */
  int nvia_ways;           /* members with role via of type way, in member order */
  int64_t *via_ways;       /* malloc'd (NULL if none) */
  double via_lon, via_lat; /* the via node's location (WGS84 degrees); NAN if no via node or not found in the file */
  int nfrom, nto;          /* how many from / to members there were (usually 1; >1 is legal for some no_entry/no_exit relations) */
} ct_osm_restriction;

/* Reads every relation tagged type=restriction from an OSM file (.osm.pbf, or .osm XML),
 * with member roles and the via node's location. A relation with a class-specific tag only
 * (restriction:motorcar=no_left_turn and no plain restriction) gives one entry per such tag
 * with restriction set to the value and cls_tag to the class ("motorcar"). Returns CT_OK
 * (list may be empty) or a negative status with err naming the file (missing, truncated,
 * not OSM, a block that does not inflate, ...).
 *
 * The plain entry (restriction, restriction:conditional) is given whenever
 * either tag is there or the relation has no class-specific tag, so every
 * restriction relation yields at least one entry. A class-specific
 * conditional (restriction:taxi:conditional) goes in the conditional of that
 * class's entry, made with restriction "" if the class has no plain value.
 * except and the members are the relation's and repeat in each of its
 * entries. Values longer than their field are cut. */
int ct_osm_read_restrictions(const char *path, ct_osm_restriction **list, int *n, ct_error *err);
void ct_osm_restrictions_free(ct_osm_restriction *list, int n);

#endif
