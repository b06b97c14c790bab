/* run_internal.h - helpers shared by the scenario and batch readers. */
#ifndef CT_RUN_INTERNAL_H
#define CT_RUN_INTERNAL_H

#include "citytwin/scenario.h"

/* Reads INI text into sections with line numbers ('#' and ';' comments,
 * [section name] headers, key = value). Duplicate sections or keys, and
 * lines that are neither, are errors naming path:line. */
int ct__ini_parse(const char *text, const char *path, ct_section **sec,
                  int *nsec, ct_error *err);
void ct__ini_free(ct_section *sec, int nsec);
/* The closest of known within edit distance 2, or NULL. */
const char *ct__suggest(const char *word, const char *const *known);
/* Trims blanks at both ends in place. */
char *ct__trim(char *s);

/* Known keys of a core section ([scenario], [domain], [output], [layer X]),
 * or NULL for sections whose keys are free ([layers]) or a model's. */
const char *const *ct__section_keys(const char *section);

#endif
