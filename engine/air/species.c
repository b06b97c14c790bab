/* species.c - the species the air model knows and their loss parameters.
 * Adding a species is one entry here (plus its emissions wherever they come
 * from). */
#include <string.h>
#include "air_internal.h"

/* Loss rates (Seinfeld & Pandis 2016, Atmospheric Chemistry and Physics,
 * 3rd ed.): PM2.5 is removed near the ground by dry deposition of the
 * accumulation mode (about 0.1 cm/s, ch. 19) and barely by chemistry; NOx
 * is oxidised to HNO3 by OH with a daytime lifetime of about a day
 * (k ~ 1e-5 s-1, ch. 6) and NO2 deposits at a few mm/s; SO2 converts at
 * about 1 %/h (ch. 6) and deposits at about 0.5 cm/s over grass (ch. 19);
 * CO is inert on city scales. */
static const ct_air_species table[] = {
    {"pm25", "air.pm25", "PM2.5 mass concentration at ground level", 0.0,
     1.0e-3},
    {"nox", "air.nox", "NOx (as NO2) concentration at ground level", 1.0e-5,
     2.0e-3},
    {"so2", "air.so2", "SO2 concentration at ground level", 2.8e-6, 5.0e-3},
    {"co", "air.co", "CO concentration at ground level", 0.0, 0.0},
};

int ct_air_species_count(void) { return (int)(sizeof table / sizeof *table); }

const ct_air_species *ct_air_species_at(int k) {
  if (k < 0 || k >= ct_air_species_count()) return NULL;
  return &table[k];
}

const ct_air_species *ct_air_species_find(const char *name) {
  for (int k = 0; k < ct_air_species_count(); k++)
    if (name && strcmp(table[k].name, name) == 0) return &table[k];
  return NULL;
}
