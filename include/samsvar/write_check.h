/* write_check.h — what a resource must satisfy before the write API stores it, with every problem
 * found at once (each with its FHIRPath), so a maintainer fixes a draft in one round.
 *
 * Checked against the snapshot being served: every source, target and dependsOn code of a ConceptMap
 * exists in its code system, unless the target is flagged needs-national-edition; equivalences are
 * R4 ConceptMapEquivalence codes; no row appears twice; a ValueSet's compose names known code systems,
 * codes and value sets; a CodeSystem defines each code once. Identity (url, version) and the draft
 * status are checked for all three. */
#ifndef SAMSVAR_WRITE_CHECK_H
#define SAMSVAR_WRITE_CHECK_H

#include <cjson/cJSON.h>
#include "samsvar/snapshot.h"

/* Checks `res` (a CodeSystem, ValueSet or ConceptMap the client sent) against `snap`. Returns NULL
 * when it may be stored, else a new OperationOutcome listing every problem (the caller frees it). */
cJSON *sv_write_check(const struct sv_snapshot *snap, const cJSON *res);

#endif
