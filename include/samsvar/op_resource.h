/* op_resource.h — what the read (op_resource.c) and the search (op_search.c) of terminology
 * resources share: the resource a request names by its type, and copies of stored resources cut
 * down as _summary and _elements ask (http://hl7.org/fhir/R4/search.html#summary). */
#ifndef SAMSVAR_OP_RESOURCE_H
#define SAMSVAR_OP_RESOURCE_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "samsvar/fhirapi.h"

/* What `_summary` asks for. */
enum sv_summary { SV_SUM_FALSE, SV_SUM_TRUE, SV_SUM_DATA, SV_SUM_TEXT, SV_SUM_COUNT };

/* Returns the stored resource number i of kind `tag` in req->snap (borrowed). */
const cJSON *sv_resource_at(const struct sv_request *req, char tag, uint32_t i);

/* Reads `_summary` (default `dflt`) and `_elements` of req->params into *sum and *elements, checking
 * both (one of them, known names, at most 32 elements); SV_EINVAL naming the parameter otherwise. */
enum sv_err sv_resource_shape_read(struct sv_request *req, enum sv_summary dflt, enum sv_summary *sum,
				   const char **elements);

/* Returns a copy of stored resource `res` in the FHIR version req asks for (R5 reshapes ConceptMap),
 * cut down as `sum` and `elements` ask and then tagged SUBSETTED; NULL with req->err set. */
cJSON *sv_resource_copy(struct sv_request *req, const cJSON *res, enum sv_summary sum, const char *elements);

/* Adds to a CapabilityStatement.rest.resource of `type` (CodeSystem, ValueSet, ConceptMap) the
 * searchParam list its search takes (op_search.c). */
void sv_search_capability(cJSON *resource, const char *type);

#endif
