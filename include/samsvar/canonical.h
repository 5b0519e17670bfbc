/* canonical.h — the canonical base under which samsvar names what has no official URL: "{base}" in
 * mappings/ and gateway/data/, `canonical_base` in the configuration (e.g. "https://fhir.samsvar.no"). */
#ifndef SAMSVAR_CANONICAL_H
#define SAMSVAR_CANONICAL_H

#include <cjson/cJSON.h>

/* Returns a malloc'd copy of `s` (the caller frees it) with every "{base}" replaced by `base`. */
char *sv_base_subst(const char *s, const char *base);

/* Replaces every "{base}" in the string values of `j` (at any depth) by `base`, in place. */
void sv_base_subst_json(cJSON *j, const char *base);

#endif
