/* request.c — the code system and the code a request names (request.h), shared by the operation
 * handlers so every one reads them, and reports a bad one, the same way. */
#include "samsvar/canonical.h"
#include "samsvar/request.h"
#include "samsvar/expand.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/writer.h"

#include <stdio.h>
#include <string.h>

/* The code system an operation names: the instance in the path, else `system` (or the system of
 * the coding) with `version`. Unknown system → SV_ENOTFOUND naming the parameter. */
enum sv_err sv_req_codesystem(struct sv_request *req, const char *system, const char *version,
			      const char *param, const struct sv_codesystem **out)
{
	const struct sv_codesystem *cs;

	*out = NULL;
	if (req->id) {
		cs = sv_snapshot_by_id(req->snap, 'C', req->id);
		if (!cs)
			return sv_fail(&req->err, SV_ENOTFOUND, "CodeSystem/%s is not known", req->id);
		if (system && strcmp(system, cs->url) != 0)
			return sv_fail_at(&req->err, SV_EINVAL, param, "system '%s' conflicts with CodeSystem/%s (%s)",
					  system, req->id, cs->url);
		*out = cs;
		return SV_OK;
	}
	if (!system || !*system)
		return sv_fail_at(&req->err, SV_EREQUIRED, param, "parameter '%s' is required", param);
	cs = sv_snapshot_codesystem(req->snap, system, version);
	if (!cs) {
		if (version && sv_snapshot_codesystem(req->snap, system, NULL))
			return sv_fail_at(&req->err, SV_ENOTFOUND, "version",
					  "version '%s' of code system %s is not known", version, system);
		return sv_fail_at(&req->err, SV_ENOTFOUND, param, "code system %s is not known to this server",
				  system);
	}
	*out = cs;
	return SV_OK;
}

/* Reads the code to act on from `code`+`system`+`version` or `coding` (exactly one form). */
enum sv_err sv_req_code(struct sv_request *req, const char *code_name, const char *coding_name,
			      const char *system_name, cJSON **coding)
{
	const cJSON *cp = sv_params_get(req->params, coding_name);
	const char *code = sv_params_string(req->params, code_name);

	*coding = NULL;
	if (cp && code)
		return sv_fail_at(&req->err, SV_EINVAL, coding_name, "give either '%s' or '%s', not both",
				  code_name, coding_name);
	if (sv_params_count(req->params, code_name) > 1 || sv_params_count(req->params, coding_name) > 1)
		return sv_fail_at(&req->err, SV_EINVAL, code_name, "'%s' is given more than once", code_name);
	if (cp) {
		*coding = sv_param_coding(cp, coding_name, &req->err);
		if (!*coding)
			return req->err.code;
		if (!cJSON_IsString(cJSON_GetObjectItem(*coding, "code"))) {
			cJSON_Delete(*coding);
			*coding = NULL;
			return sv_fail_at(&req->err, SV_EINVAL, coding_name, "'%s' has no code", coding_name);
		}
		return SV_OK;
	}
	if (!code || !*code)
		return sv_fail_at(&req->err, SV_EREQUIRED, code_name, "parameter '%s' (or '%s') is required",
				  code_name, coding_name);
	*coding = sv_coding_new(system_name ? sv_params_string(req->params, system_name) : NULL,
				sv_params_string(req->params, "version"), code, NULL);
	return SV_OK;
}

const char *sv_req_display_language(const struct sv_request *req)
{
	const char *lang = sv_params_string(req->params, "displayLanguage");

	if (lang && *lang)
		return lang;
	return req->accept_language[0] ? req->accept_language : NULL;
}

/* The value set an operation names: instance id, `url` (+`valueSetVersion`), or an inline `valueSet`
 * resource. *owned is set when the returned resource must be freed by the caller. */
enum sv_err sv_req_valueset(struct sv_request *req, const cJSON **vs, cJSON **owned)
{
	const char *url = sv_params_string(req->params, "url");
	const char *version = sv_params_string(req->params, "valueSetVersion");
	const cJSON *inline_p = sv_params_get(req->params, "valueSet");
	const struct sv_resource *r;

	*vs = NULL;
	*owned = NULL;
	if (req->id) {
		r = sv_snapshot_by_id(req->snap, 'V', req->id);
		if (!r)
			return sv_fail(&req->err, SV_ENOTFOUND, "ValueSet/%s is not known", req->id);
		*vs = r->resource;
		return SV_OK;
	}
	if (inline_p && url)
		return sv_fail_at(&req->err, SV_EINVAL, "valueSet", "give either 'url' or 'valueSet', not both");
	if (inline_p) {
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(inline_p, "resource");
		if (!cJSON_IsObject(res) || !sv_jstr(res, "resourceType") || strcmp(sv_jstr(res, "resourceType"), "ValueSet"))
			return sv_fail_at(&req->err, SV_EINVAL, "valueSet", "parameter 'valueSet' must hold a ValueSet resource");
		*vs = res;
		return SV_OK;
	}
	if (!url)
		return sv_fail_at(&req->err, SV_EREQUIRED, "url", "parameter 'url' (or 'valueSet') is required");
	if (sv_params_count(req->params, "url") > 1)
		return sv_fail_at(&req->err, SV_EINVAL, "url", "'url' is given more than once");
	*owned = sv_expand_implicit(req->snap, url, &req->err);
	if (*owned) {
		*vs = *owned;
		return SV_OK;
	}
	if (req->err.code != SV_OK)
		return req->err.code;
	r = sv_snapshot_valueset(req->snap, url, version);
	if (!r) {
		if (version && sv_snapshot_valueset(req->snap, url, NULL))
			return sv_fail_at(&req->err, SV_ENOTFOUND, "valueSetVersion", "A definition for the value Set "
					  "'%s|%s' could not be found", url, version);
		return sv_fail_at(&req->err, SV_ENOTFOUND, "url", "A definition for the value Set '%s' could not be "
				  "found", url);
	}
	*vs = r->resource;
	return SV_OK;
}

enum sv_err sv_req_begin_existing(struct sv_request *req, struct sv_store **st, struct sv_rev *rev)
{
	enum sv_err rc;

	if (!(*st = sv_writer_begin(req->writer, &req->err)))
		return req->err.code;
	if ((rc = sv_history_head(*st, req->type, req->id, rev, NULL, &req->err)) == SV_OK &&
	    (!rev->vid || rev->deleted))
		rc = sv_fail(&req->err, SV_ENOTFOUND, "%s/%s is not known", req->type, req->id);
	if (rc != SV_OK)
		sv_writer_abort(req->writer);
	return rc;
}

/* One loop over the parameters: linear in the request, at most SV_VC_MAX_VERSION_RULES copies. */
enum sv_err sv_req_version_rules(struct sv_request *req, struct sv_vc_version_rule *rules, char **texts, size_t *n)
{
	static const struct {
		const char *name;
		enum sv_vc_rule_kind kind;
	} names[] = {{"system-version", SV_VC_DEFAULT_VERSION}, {"check-system-version", SV_VC_CHECK_VERSION},
		     {"force-system-version", SV_VC_FORCE_VERSION},
		     {"default-valueset-version", SV_VC_VALUESET_VERSION}};
	const cJSON *p;

	*n = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *name = sv_jstr(p, "name"), *text = sv_param_text(p);
		size_t k;
		char *bar;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (name && strcmp(name, names[k].name) == 0)
				break;
		if (k == sizeof(names) / sizeof(names[0]))
			continue;
		if (!text || !(bar = strchr(text, '|')) || bar == text || !bar[1])
			return sv_fail_at(&req->err, SV_EINVAL, names[k].name, "'%s' must be a canonical "
					  "'system|version'", names[k].name);
		if (*n == SV_VC_MAX_VERSION_RULES)
			return sv_fail_at(&req->err, SV_ETOOBIG, names[k].name, "more than %d system version "
					  "parameters", SV_VC_MAX_VERSION_RULES);
		texts[*n] = sv_xstrdup(text);
		bar = texts[*n] + (bar - text);
		*bar = '\0';
		rules[*n].kind = names[k].kind;
		rules[*n].system = texts[*n];
		rules[*n].version = bar + 1;
		(*n)++;
	}
	return SV_OK;
}

#define VALUESET_SUPPLEMENT "http://hl7.org/fhir/StructureDefinition/valueset-supplement"

/* Brings supplement `canonical` ("url" or "url|version") into force; SV_ENOTFOUND (in req->err) when
 * no such supplement is held, SV_ETOOBIG past `cap`. */
static enum sv_err add_supplement(struct sv_request *req, const char *canonical, const struct sv_codesystem **list,
				  size_t cap, size_t *n)
{
	const struct sv_codesystem *cs = NULL;
	char url[512];
	const char *version;
	int fits;

	if (*n == cap)
		return sv_fail_at(&req->err, SV_ETOOBIG, "useSupplement", "more than %zu supplements", cap);
	version = sv_canonical_split(canonical, url, sizeof(url), &fits);
	if (fits)
		cs = sv_snapshot_codesystem(req->snap, url, version);
	if (!cs || !cs->content || strcmp(cs->content, "supplement") != 0)
		return sv_fail_at(&req->err, SV_ENOTFOUND, "useSupplement", "Required supplement not found: %.300s",
				  canonical);
	list[(*n)++] = cs;
	return SV_OK;
}

enum sv_err sv_req_supplements(struct sv_request *req, const cJSON *vs, const struct sv_codesystem **list, size_t cap,
			       size_t *n)
{
	const cJSON *p;
	enum sv_err rc;

	*n = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *name = sv_jstr(p, "name"), *text = sv_param_text(p);
		if (name && strcmp(name, "useSupplement") == 0 && text &&
		    (rc = add_supplement(req, text, list, cap, n)) != SV_OK)
			return rc;
	}
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(vs, "extension")) {
		const char *url = sv_jstr(p, "url"), *canonical = sv_jstr(p, "valueCanonical");
		if (url && strcmp(url, VALUESET_SUPPLEMENT) == 0 && canonical &&
		    (rc = add_supplement(req, canonical, list, cap, n)) != SV_OK)
			return rc;
	}
	return SV_OK;
}
