/* conceptmap_r5.h — a stored FHIR R4 ConceptMap given in the FHIR R5 shape, for clients that ask
 * for fhirVersion=5.0 (https://hl7.org/fhir/R5/conceptmap.html).
 *
 * The mapping (R4 -> R5), following the official R4->R5 conversion maps:
 * - source[x]/target[x] -> sourceScope[x]/targetScope[x] (Uri and Canonical alike); identifier
 *   (0..1 in R4) becomes a list of one; everything else at the top level carries over unchanged.
 * - group.source/target + sourceVersion/targetVersion -> group.source/target as "url|version".
 * - target.equivalence -> target.relationship by sv_translate_relationship() (equivalent/equal ->
 *   equivalent, wider/subsumes -> source-is-narrower-than-target, narrower/specializes ->
 *   source-is-broader-than-target, relatedto/inexact -> related-to, disjoint -> not-related-to).
 *   An `unmatched` target without code and without dependsOn/product says "no map" and becomes
 *   element.noMap = true when it was the element's only statement (R5 has no place for its comment);
 *   any other unmatched target becomes not-related-to. A target with neither equivalence nor
 *   relationship is read as $translate reads it: equivalent (R4 makes equivalence required).
 * - dependsOn/product: property (a URI) -> attribute, a code declared once in
 *   ConceptMap.additionalAttribute with that uri (the code is the URI's last segment, made unique;
 *   type Coding when every value of it has a system, else string); system+value+display ->
 *   valueCoding; a value without system -> valueString (an R4 display without system is dropped).
 * - unmapped.mode provided -> use-source-code (fixed and other-map unchanged); unmapped.url ->
 *   otherMap.
 * - Extensions (e.g. needs-national-edition on targets) and elements already in R5 form are kept. */
#ifndef SAMSVAR_CONCEPTMAP_R5_H
#define SAMSVAR_CONCEPTMAP_R5_H

#include <cjson/cJSON.h>
#include "samsvar/error.h"

/* Returns a new R5 ConceptMap (the caller frees it with cJSON_Delete()) converted from the R4
 * ConceptMap `r4`, which is not modified; NULL with err set (SV_EINVAL, naming the element) when
 * `r4` is not a ConceptMap, has an unknown equivalence, or uses more than 256 dependsOn/product
 * properties. */
cJSON *sv_conceptmap_to_r5(const cJSON *r4, struct sv_error *err);

#endif
