/* canonical.h — the canonical base under which samsvar names what has no official URL: "{base}" in
 * mappings/ and gateway/data/, `canonical_base` in the configuration (e.g. "https://fhir.samsvar.no"). */
#ifndef SAMSVAR_CANONICAL_H
#define SAMSVAR_CANONICAL_H

#include <cjson/cJSON.h>

/* Returns a malloc'd copy of `s` (the caller frees it) with every "{base}" replaced by `base`. */
char *sv_base_subst(const char *s, const char *base);

/* Replaces every "{base}" in the string values of `j` (at any depth) by `base`, in place. */
void sv_base_subst_json(cJSON *j, const char *base);

/* Splits the canonical "url|version" (or "url") for a look-up: copies it into buf[cap] (cut to fit, as
 * snprintf() does), ends the url at the first '|' and returns the version after it, in buf, or NULL when
 * there is none. *fits (NULL allowed) is set to whether the whole canonical fitted in buf. */
const char *sv_canonical_split(const char *canonical, char *buf, size_t cap, int *fits);

#endif
