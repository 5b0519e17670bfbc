/* params.h — reading and writing FHIR `Parameters`.
 *
 * Every operation receives its input as one Parameters resource: a POST body as sent, or the query
 * string of a GET turned into parameters with valueString values. The typed getters therefore accept
 * both the proper value[x] and its text form (valueBoolean or "true"; valueCoding or "system|code"). */
#ifndef SAMSVAR_PARAMS_H
#define SAMSVAR_PARAMS_H

#include <cjson/cJSON.h>
#include "samsvar/error.h"

struct sv_url;

/* The query parameters of `url` but _format and _pretty (the transport's) as a new Parameters
 * resource (valueString each), which the caller frees with cJSON_Delete(). */
cJSON *sv_params_from_query(const struct sv_url *url);

/* 1 when query parameter `name` belongs to the transport (_format, _pretty), not to the operation. */
int sv_params_is_transport(const char *name);

/* Joins the query parameters of `url` (but _format and _pretty) to the Parameters `body`, as FHIR
 * servers do for operations POSTed with a query; a name given in both places is ambiguous: SV_EINVAL
 * naming it. Linear in both lists. */
enum sv_err sv_params_merge_query(cJSON *body, const struct sv_url *url, struct sv_error *err);

/* Returns a new, empty Parameters resource. */
cJSON *sv_params_new(void);

/* Returns the first parameter object named `name` in `params` (a Parameters resource, or a parameter
 * with `part`s when looking inside one), or NULL. */
const cJSON *sv_params_get(const cJSON *params, const char *name);

/* Returns how many parameters are named `name`. */
int sv_params_count(const cJSON *params, const char *name);

/* Returns the text of a primitive value of `param` (valueString, valueCode, valueUri, valueCanonical,
 * valueUrl, valueId, valueDate, valueDateTime, valueMarkdown), or NULL. */
const char *sv_param_text(const cJSON *param);

/* Shortcut: sv_param_text(sv_params_get(params, name)). */
const char *sv_params_string(const cJSON *params, const char *name);

/* Returns SV_OK when every parameter of `params` is named in known[n], else SV_EINVAL naming the first
 * other one, as a search parameter `what` (a resource type) does not support, with the list `use`. */
enum sv_err sv_params_only(const cJSON *params, const char *const *known, size_t n, const char *what,
			   const char *use, struct sv_error *err);

/* Reads the boolean value of the parameter `param` (valueBoolean, or text "true"/"false") into *out;
 * anything else is SV_EINVAL naming `name`. */
enum sv_err sv_param_bool(const cJSON *param, const char *name, int *out, struct sv_error *err);

/* Reads a boolean parameter; absent gives `dflt`; anything but true/false is SV_EINVAL naming it. */
enum sv_err sv_params_bool(const cJSON *params, const char *name, int dflt, int *out, struct sv_error *err);

/* Reads an integer parameter within [min, max]; absent gives `dflt`; else SV_EINVAL naming it. */
enum sv_err sv_params_int(const cJSON *params, const char *name, long dflt, long min, long max, long *out,
			  struct sv_error *err);

/* Checks that `ref` is a Reference samsvar may copy into answers: an object of reference, type and
 * display (non-empty strings) and identifier (use, system, value), naming someone. Anything else is
 * SV_EINVAL naming `where` and the element. */
enum sv_err sv_param_reference(const cJSON *ref, const char *where, struct sv_error *err);

/* Returns a new Coding built from `param` (valueCoding, or text "system|code" / "system|version|code"
 * in a GET), or NULL with err set (SV_EINVAL naming the parameter) when it is not a coding. */
cJSON *sv_param_coding(const cJSON *param, const char *name, struct sv_error *err);

/* Returns the CodeableConcept of `param` (valueCodeableConcept), borrowed, or NULL with err set. */
const cJSON *sv_param_codeableconcept(const cJSON *param, const char *name, struct sv_error *err);

/* Appends a parameter {name, <type>: value} to `params` and returns it (borrowed). `type` is the
 * value[x] suffix, e.g. "String", "Code", "Uri", "Boolean" (value "true"/"false"), "Integer". */
cJSON *sv_params_add(cJSON *params, const char *name, const char *type, const char *value);

/* Appends {name, valueBoolean} / {name, valueInteger}; returns it (borrowed). */
cJSON *sv_params_add_bool(cJSON *params, const char *name, int value);
cJSON *sv_params_add_int(cJSON *params, const char *name, long value);

/* Appends {name, <valueType>: value} where `value` is a complex value (Coding, ...) whose ownership
 * moves in; e.g. sv_params_add_value(p, "match", "valueCoding", coding). Returns it (borrowed). */
cJSON *sv_params_add_value(cJSON *params, const char *name, const char *value_type, cJSON *value);

/* Appends {name, part: []} and returns it so parts can be added with the functions above. */
cJSON *sv_params_add_part(cJSON *params, const char *name);

/* Returns a new Coding {system, version?, code, display?} (NULL arguments are left out). */
cJSON *sv_coding_new(const char *system, const char *version, const char *code, const char *display);

/* Checks `params` is a Parameters resource whose every parameter has a name; SV_EINVAL otherwise. */
enum sv_err sv_params_check(const cJSON *params, struct sv_error *err);

#endif
