/* models.c - the table of models this build knows. A model's folder defines
 * CT_HAVE_<NAME> when it provides its class. */
#include "citytwin/model.h"

#ifdef CT_HAVE_FLOOD
extern const ct_model_class ct_flood_model;
#endif
#ifdef CT_HAVE_TRAFFIC
extern const ct_model_class ct_traffic_model;
#endif
#ifdef CT_HAVE_AIR
extern const ct_model_class ct_air_model;
#endif

/* Order matters: each coupling interval steps flood, then traffic (which
 * reads flood.depth), then air (which reads traffic emissions). */
const ct_model_class *const ct_models[] = {
#ifdef CT_HAVE_FLOOD
    &ct_flood_model,
#endif
#ifdef CT_HAVE_TRAFFIC
    &ct_traffic_model,
#endif
#ifdef CT_HAVE_AIR
    &ct_air_model,
#endif
    NULL};
