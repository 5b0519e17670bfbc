/* fhirxml.h — FHIR R4 XML <-> FHIR R4 JSON (cJSON), following the rules of the FHIR XML and JSON
 * formats (http://hl7.org/fhir/R4/xml.html, json.html): primitives as `value` attributes, repeating
 * elements as JSON arrays, `_x` primitive extensions, nested resources wrapped in their type element,
 * narrative `div` as XHTML. Which elements repeat and which primitives are numbers or booleans comes
 * from a table generated from the official FHIR R4 JSON schema (gateway/fhirxml_types.c). */
#ifndef SAMSVAR_FHIRXML_H
#define SAMSVAR_FHIRXML_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"

/* Largest element nesting accepted in XML input (and JSON input elsewhere). */
#define SV_FHIR_MAX_DEPTH 64

/* Most attributes one XML element may carry: FHIR elements have at most a handful (value, id, url,
 * xmlns), XHTML a few more; libxml2 checks duplicates pairwise, so this bounds its cost. */
#define SV_XML_MAX_ATTRS 64

/* Initialises libxml2 once per process (xmlInitParser() under pthread_once); call it from main
 * before starting threads. Safe to call again and from any thread; the converters call it too. */
void sv_fhirxml_init(void);

/* Serialises `resource` (a JSON object with "resourceType") as FHIR XML with the
 * http://hl7.org/fhir namespace and an XML declaration. Returns a malloc'd NUL-terminated string the
 * caller frees, or NULL with `err` set (SV_EINVAL) when `resource` is not a FHIR resource. */
char *sv_fhirxml_from_json(const cJSON *resource, struct sv_error *err);

/* As sv_fhirxml_from_json(), for FHIR version `fhir_version` (4 or 5): with 5, a resource (root or
 * nested) whose type has an R5 definition in the type table (ConceptMap) is written in R5 element
 * order and with R5 elements; any other resource as R4. The JSON must already be in that shape
 * (see sv_conceptmap_to_r5()). Returns a malloc'd string the caller frees, or NULL with err set. */
char *sv_fhirxml_from_json_version(const cJSON *resource, int fhir_version, struct sv_error *err);

/* Scans `len` bytes of XML at linear cost before any parser sees them: refuses bytes that are not
 * UTF-8 or a declaration of another encoding (SV_EINVAL; FHIR XML is UTF-8), an element with more
 * than SV_XML_MAX_ATTRS attributes (SV_EINVAL) and more than `max_nodes` / 3 elements and
 * attributes in all (SV_ETOOBIG; each costs two to three times a JSON value to read). Says
 * nothing about well-formedness, which the parser checks. */
enum sv_err sv_fhirxml_scan(const char *xml, size_t len, unsigned max_nodes, struct sv_error *err);

/* Parses `len` bytes of FHIR XML into the equivalent FHIR JSON resource, after sv_fhirxml_scan()
 * with `max_nodes`. Never loads a DTD, the network or external entities; rejects DOCTYPEs, nesting
 * over SV_FHIR_MAX_DEPTH, elements with more than SV_XML_MAX_ATTRS attributes and elements outside
 * the FHIR namespace. Returns a cJSON object the caller frees with cJSON_Delete(), or NULL with
 * `err` set (SV_EINVAL or SV_ETOOBIG, message naming the problem and line). */
cJSON *sv_fhirxml_to_json_max(const char *xml, size_t len, unsigned max_nodes, struct sv_error *err);

/* sv_fhirxml_to_json_max() without a cap on nodes (files from maintainers, tests). */
cJSON *sv_fhirxml_to_json(const char *xml, size_t len, struct sv_error *err);

#endif
