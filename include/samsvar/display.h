/* display.h — which display a concept shows, and whether a client's display is one of its own.
 *
 * One rule for every operation that takes `displayLanguage` ($lookup, $expand): the concept's display
 * is in its code system's language (CodeSystem.language); a designation in another language is used
 * when it matches the request better (FHIR R4 terminology-service.html#lang, language tags compared as
 * BCP 47 ranges). */
#ifndef SAMSVAR_DISPLAY_H
#define SAMSVAR_DISPLAY_H

#include <cjson/cJSON.h>
#include "samsvar/snapshot.h"

/* How well language tag `tag` answers a request for language `want` (case-insensitive, as BCP 47):
 * 3 the same tag, 2 `tag` is `want` without its last subtags ("en" for "en-GB", RFC 4647 lookup),
 * 1 `tag` is `want` with more subtags ("da-DK" for "da"), 0 no match or either is NULL or empty. */
int sv_lang_match(const char *tag, const char *want);

/* Returns the display of concept `k` of `cs` for a request in language `lang` (NULL or "" = no
 * preference): the designation whose language matches `lang` best (sv_lang_match(), the first of equal
 * ones), unless the code system's own language matches at least as well; else the concept's display.
 * The string is borrowed from the snapshot; NULL when the concept has no display at all. */
const char *sv_display_in(const struct sv_codesystem *cs, const struct sv_concept *k, const char *lang);

#endif
