/* request.h — reading what an operation acts on out of a request (struct sv_request, fhirapi.h):
 * the code system it names and the code it is given, with the FHIR parameter named in every error. */
#ifndef SAMSVAR_REQUEST_H
#define SAMSVAR_REQUEST_H

#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/fhirapi.h"
#include "samsvar/snapshot.h"
#include "samsvar/store_history.h"
#include "samsvar/versionrule.h"

/* Finds the code system an operation names: the CodeSystem instance in the path, else `system`
 * with `version` (NULL = latest). Unknown → SV_ENOTFOUND naming `param`; a system conflicting with
 * the instance → SV_EINVAL. Sets *out (borrowed from req->snap) and returns SV_OK, else the error
 * set in req->err. */
enum sv_err sv_req_codesystem(struct sv_request *req, const char *system, const char *version,
			      const char *param, const struct sv_codesystem **out);

/* Reads one code from either `code_name` (+ the `system_name` parameter and `version`) or the Coding
 * `coding_name` — exactly one form — into a new Coding *coding the caller frees with cJSON_Delete().
 * Returns SV_OK, else the error set in req->err (*coding NULL). */
enum sv_err sv_req_code(struct sv_request *req, const char *code_name, const char *coding_name,
			const char *system_name, cJSON **coding);

/* The language displays are asked in: the `displayLanguage` parameter, else the language the
 * request's Accept-Language prefers, else NULL (the code system's own). Borrowed from req. */
const char *sv_req_display_language(const struct sv_request *req);

/* Finds the value set an operation names: the ValueSet instance in the path, `url` (+`valueSetVersion`,
 * or an implicit `{system}?fhir_vs` value set), or an inline `valueSet` resource. Sets *vs (borrowed,
 * or *owned when the caller must free it with cJSON_Delete()) and returns SV_OK, else the error set in
 * req->err (SV_ENOTFOUND for a value set that is not known). */
enum sv_err sv_req_valueset(struct sv_request *req, const cJSON **vs, cJSON **owned);

/* Starts a change through req->writer and reads the state of {req->type}/{req->id} into *rev. On
 * SV_OK the writer's transaction is open and *st is its store (end it with sv_writer_commit() or
 * sv_writer_abort()); otherwise the writer is released and the error set in req->err: SV_ENOTFOUND
 * when the resource is not stored or was deleted. */
enum sv_err sv_req_begin_existing(struct sv_request *req, struct sv_store **st, struct sv_rev *rev);

/* Reads the system-version, check-system-version, force-system-version and default-valueset-version
 * parameters ("url|version") into rules[] (room for SV_VC_MAX_VERSION_RULES; more is SV_ETOOBIG),
 * each pointing into texts[i], a copy the caller frees with free() for i < *n. Returns SV_OK, else
 * the error set in req->err (SV_EINVAL for a value that is not "url|version"). */
enum sv_err sv_req_version_rules(struct sv_request *req, struct sv_vc_version_rule *rules, char **texts, size_t *n);

/* Reads the supplements in force: every useSupplement parameter and the valueset-supplement
 * extensions of `vs` (NULL: none), in the order named, into list[] (room for `cap`; more is SV_ETOOBIG), *n set.
 * A supplement not held is SV_ENOTFOUND naming it ("Required supplement not found: ..."). */
enum sv_err sv_req_supplements(struct sv_request *req, const cJSON *vs, const struct sv_codesystem **list, size_t cap,
			       size_t *n);

#endif
