/* op_conceptmap.h — the FHIR edge of $translate (R4 and R5 Parameters): the handler
 * sv_op_cm_translate() (declared in fhirapi.h for the routing table) and the renderer the CLI shares.
 *
 * The FHIR version of the answer is decided here only: R5 when the HTTP layer negotiated
 * fhirVersion=5.0 (req->fhir_version) or when the request uses an R5 parameter name (sourceCode,
 * targetCoding, targetSystem, sourceScope, ...). R4 answers carry `equivalence` and `source` (plus
 * non-standard `originMap` parts and a `message` for chains); R5 answers `relationship` and
 * `originMap`.
 *
 * The answer's structure is written once, against the JSON writer (jsonw.h): the handler writes
 * compact JSON bytes when the HTTP layer asks for them (req->want_json), and a cJSON tree otherwise
 * (XML, _pretty, the CLI through sv_translate_answer()); the two are byte-identical as JSON. */
#ifndef SAMSVAR_OP_CONCEPTMAP_H
#define SAMSVAR_OP_CONCEPTMAP_H

#include <cjson/cJSON.h>
#include "samsvar/translate.h"

/* Returns a new Parameters resource (the caller frees it) answering `r`: result, message, and one
 * `match` per match, in the R5 shape when `fhir_version` is 5, else R4. */
cJSON *sv_translate_answer(const struct sv_tx_result *r, int fhir_version);

#endif
