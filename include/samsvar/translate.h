/* translate.h — ConceptMap indexes and the $translate engine (R4 and R5 shapes).
 *
 * Behaviour decided here (the spec leaves it open):
 * - Without url/conceptMap/id every map that applies answers (the latest version of each url, maps sent
 *   as tx-resource first); every match of every map is returned, not only the first.
 * - dependsOn: when the request gives no `dependency`, targets with dependsOn are returned together with
 *   their conditions (a `dependsOn` part in the match, in R4 too, as tx.fhir.org does); when it gives
 *   any, a target matches only when every one of its dependsOn is satisfied by a request dependency
 *   (same attribute, or same code system, and same code).
 * - Reverse: every source that maps to the target is returned, its equivalence turned around
 *   (wider<->narrower, subsumes<->specializes).
 * - Chains: only when no url pins the map, a target system is asked for, and no map says anything
 *   (not even unmatched) about the code in that system: the engine composes up to 3 maps without cycles,
 *   and only the shortest chains that reach the system answer. A link may read a map backwards (FSIII ->
 *   IPLOS through the IPLOS -> FSIII map) except the last one; the message marks it "(read in reverse)".
 *   The composed equivalence is the weakest link (equivalent > wider/narrower > inexact/relatedto;
 *   wider with narrower gives inexact). The path is every map in order: R5 `originMap` repeated; R4
 *   `source` names the first map and `originMap` parts (non-standard, ignored by strict clients) plus the
 *   top-level `message` list the whole path.
 * - Unmapped: `provided`/`use-source-code` answers the source code as equivalent in the group's target
 *   system, `fixed` the given code as inexact (unless the R5 map gives unmapped.relationship),
 *   `other-map` follows the named map. */
#ifndef SAMSVAR_TRANSLATE_H
#define SAMSVAR_TRANSLATE_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"

struct sv_snapshot;

/* Builds the lookup index of one ConceptMap (forward by source system+code, reverse by target
 * system+code), borrowing strings from `conceptmap`, which must outlive it. Returns an opaque index
 * freed with sv_cmindex_free(), or NULL with err set when the map is malformed. */
void *sv_cmindex_build(const cJSON *conceptmap, struct sv_error *err);

/* Frees an index from sv_cmindex_build(); NULL is allowed. */
void sv_cmindex_free(void *index);

/* Returns the R5 ConceptMapRelationship code for `equivalence`, an R4 ConceptMapEquivalence code
 * (following the official R4->R5 map: wider/subsumes -> source-is-narrower-than-target, narrower/
 * specializes -> source-is-broader-than-target, inexact/relatedto -> related-to, equal -> equivalent,
 * unmatched/disjoint -> not-related-to) or an R5 code (returned as it is). Returns a static string,
 * or NULL when `equivalence` is NULL or not a known code. */
const char *sv_translate_relationship(const char *equivalence);

/* Runs $translate with the input Parameters `params` against `snap` (never modified; tx-resource and
 * conceptMap parameters are layered over it for this call only). `map_id` (or NULL) is the instance id
 * of /ConceptMap/{id}/$translate; `fhir_version` 5 answers in R5 shape (also chosen when R5 parameter
 * names are used). On SV_OK *out is a new Parameters resource owned by the caller; on error *out is
 * NULL and err names the offending parameter (SV_EINVAL, SV_EREQUIRED, SV_ENOTFOUND). */
enum sv_err sv_translate_run(const struct sv_snapshot *snap, const cJSON *params, const char *map_id,
			     int fhir_version, cJSON **out, struct sv_error *err);

#endif
