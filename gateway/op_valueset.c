/* op_valueset.c — ValueSet $expand and $validate-code. */
#include "samsvar/display.h"
#include "samsvar/jsonutil.h"
#include "samsvar/expand.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "samsvar/request.h"
#include "samsvar/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Hard cap on codes computed for one expansion (pages are cut from it). */
#define EXPAND_HARD_CAP 2000000

/* The value set an operation names: instance id, `url` (+`valueSetVersion`), or an inline `valueSet`
 * resource. *owned is set when the returned resource must be freed by the caller. */
static enum sv_err resolve_vs(struct sv_request *req, const cJSON **vs, cJSON **owned)
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
			return sv_fail_at(&req->err, SV_ENOTFOUND, "valueSetVersion", "version '%s' of value set %s "
					  "is not known", version, url);
		return sv_fail_at(&req->err, SV_ENOTFOUND, "url", "value set %s is not known to this server", url);
	}
	*vs = r->resource;
	return SV_OK;
}

static void add_exp_param(cJSON *params, const char *name, const char *type, cJSON *value)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddItemToObject(p, type, value);
	cJSON_AddItemToArray(params, p);
}

enum sv_err sv_op_vs_expand(struct sv_request *req, cJSON **out, int *status)
{
	const cJSON *vs;
	cJSON *owned = NULL, *res = NULL, *exp, *contains, *eparams, *u;
	struct sv_expansion e = {0};
	const char *filter = sv_params_string(req->params, "filter");
	const char *lang = sv_req_display_language(req);
	long count, offset;
	int designations;
	size_t total = 0, emitted = 0;
	enum sv_err rc;

	(void)status;
	if ((rc = sv_params_int(req->params, "offset", 0, 0, EXPAND_HARD_CAP, &offset, &req->err)) != SV_OK ||
	    (rc = sv_params_int(req->params, "count", -1, 0, EXPAND_HARD_CAP, &count, &req->err)) != SV_OK ||
	    (rc = sv_params_bool(req->params, "includeDesignations", 0, &designations, &req->err)) != SV_OK)
		goto out;
	if (filter && strlen(filter) > 256) {
		rc = sv_fail_at(&req->err, SV_ETOOBIG, "filter", "filter is longer than 256 bytes");
		goto out;
	}
	if ((rc = resolve_vs(req, &vs, &owned)) != SV_OK)
		goto out;
	if ((rc = sv_expand(req->snap, vs, EXPAND_HARD_CAP, &e, &req->err)) != SV_OK)
		goto out;
	/* Text filter, then the page. */
	if (filter && *filter) {
		size_t w = 0;
		for (size_t i = 0; i < e.n; i++) {
			const struct sv_concept *k = e.items[i].k;
			int hit = sv_text_contains(k->display, filter) || sv_text_contains(k->code, filter);
			const cJSON *d;
			cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(k->json, "designation"))
				hit = hit || sv_text_contains(sv_jstr(d, "value"), filter);
			if (hit)
				e.items[w++] = e.items[i];
		}
		e.n = w;
	}
	total = e.n;
	if (count < 0 && total - (size_t)(offset < (long)total ? offset : (long)total) > req->cfg->expand_max) {
		rc = sv_fail_at(&req->err, SV_ETOOCOSTLY, "count", "the expansion has %zu codes, more than the %u "
				"returned at once: page with count and offset, or filter", total, req->cfg->expand_max);
		goto out;
	}
	if (count < 0 || count > (long)req->cfg->expand_max)
		count = count < 0 ? (long)total : (long)req->cfg->expand_max;

	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "resourceType", "ValueSet");
	if (sv_jstr(vs, "id"))
		cJSON_AddStringToObject(res, "id", sv_jstr(vs, "id"));
	if (sv_jstr(vs, "url"))
		cJSON_AddStringToObject(res, "url", sv_jstr(vs, "url"));
	if (sv_jstr(vs, "version"))
		cJSON_AddStringToObject(res, "version", sv_jstr(vs, "version"));
	if (sv_jstr(vs, "name"))
		cJSON_AddStringToObject(res, "name", sv_jstr(vs, "name"));
	cJSON_AddStringToObject(res, "status", sv_jstr(vs, "status") ? sv_jstr(vs, "status") : "active");
	exp = cJSON_AddObjectToObject(res, "expansion");
	/* Recorded in the request too: a cached copy of this answer gets new ones in their place. */
	sv_uuid_urn(req->minted_uuid, sizeof(req->minted_uuid));
	cJSON_AddStringToObject(exp, "identifier", req->minted_uuid);
	sv_now_iso(req->minted_instant, sizeof(req->minted_instant));
	cJSON_AddStringToObject(exp, "timestamp", req->minted_instant);
	cJSON_AddNumberToObject(exp, "total", (double)total);
	cJSON_AddNumberToObject(exp, "offset", (double)offset);
	eparams = cJSON_AddArrayToObject(exp, "parameter");
	if (filter)
		add_exp_param(eparams, "filter", "valueString", cJSON_CreateString(filter));
	add_exp_param(eparams, "offset", "valueInteger", cJSON_CreateNumber((double)offset));
	add_exp_param(eparams, "count", "valueInteger", cJSON_CreateNumber((double)count));
	if (lang)
		add_exp_param(eparams, "displayLanguage", "valueCode", cJSON_CreateString(lang));
	cJSON_ArrayForEach(u, e.used_systems)
		add_exp_param(eparams, "used-codesystem", "valueUri", cJSON_CreateString(u->valuestring));
	contains = cJSON_CreateArray();
	for (size_t i = (size_t)offset; i < e.n && emitted < (size_t)count; i++, emitted++) {
		const struct sv_expansion_item *it = &e.items[i];
		cJSON *c = cJSON_CreateObject();
		const char *display = sv_display_in(it->cs, it->k, lang);
		cJSON_AddStringToObject(c, "system", it->cs->url);
		if (*it->cs->version)  /* a tx-resource code system may have none */
			cJSON_AddStringToObject(c, "version", it->cs->version);
		cJSON_AddStringToObject(c, "code", it->k->code);
		if (display)
			cJSON_AddStringToObject(c, "display", display);
		if (designations) {
			const cJSON *ds = cJSON_GetObjectItemCaseSensitive(it->k->json, "designation");
			if (cJSON_GetArraySize(ds) > 0)
				cJSON_AddItemToObject(c, "designation", cJSON_Duplicate(ds, 1));
		}
		cJSON_AddItemToArray(contains, c);
	}
	if (cJSON_GetArraySize(contains) > 0)
		cJSON_AddItemToObject(exp, "contains", contains);
	else
		cJSON_Delete(contains);
	*out = res;
	res = NULL;
	rc = SV_OK;
out:
	sv_expansion_release(&e);
	cJSON_Delete(owned);
	cJSON_Delete(res);
	return rc;
}

enum sv_err sv_op_vs_validate_code(struct sv_request *req, cJSON **out, int *status)
{
	const cJSON *vs, *ccp = sv_params_get(req->params, "codeableConcept"), *c;
	cJSON *owned = NULL, *coding = NULL, *res = NULL, *codings = NULL;
	const char *want_display = sv_params_string(req->params, "display");
	char msg[700];
	enum sv_err rc;
	int member = 0;
	const struct sv_concept *k = NULL;
	const char *sys = NULL, *code = NULL;

	(void)status;
	if (ccp) {
		const cJSON *cc = sv_param_codeableconcept(ccp, "codeableConcept", &req->err);
		if (!cc) {
			rc = req->err.code;
			goto out;
		}
		if (sv_params_get(req->params, "code") || sv_params_get(req->params, "coding")) {
			rc = sv_fail_at(&req->err, SV_EINVAL, "codeableConcept", "give one of code, coding or codeableConcept");
			goto out;
		}
		codings = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(cc, "coding"), 1);
		if (cJSON_GetArraySize(codings) == 0) {
			rc = sv_fail_at(&req->err, SV_EINVAL, "codeableConcept", "the CodeableConcept has no coding");
			goto out;
		}
	} else {
		if ((rc = sv_req_code(req, "code", "coding", "system", &coding)) != SV_OK)
			goto out;
		if (!sv_jstr(coding, "system")) {
			rc = sv_fail_at(&req->err, SV_EREQUIRED, "system", "parameter 'system' is required with 'code'");
			goto out;
		}
		codings = cJSON_CreateArray();
		cJSON_AddItemToArray(codings, coding);
		coding = NULL;
	}
	if ((rc = resolve_vs(req, &vs, &owned)) != SV_OK)
		goto out;
	cJSON_ArrayForEach(c, codings) {
		sys = sv_jstr(c, "system");
		code = sv_jstr(c, "code");
		if (!sys || !code)
			continue;
		if ((rc = sv_valueset_member(req->snap, vs, sys, code, &member, &k, &req->err)) != SV_OK)
			goto out;
		if (member) {
			if (!want_display)
				want_display = sv_jstr(c, "display");
			break;
		}
	}
	res = sv_params_new();
	if (!member) {
		const struct sv_codesystem *cs = sys ? sv_snapshot_codesystem(req->snap, sys, NULL) : NULL;
		if (!cs)
			snprintf(msg, sizeof(msg), "The code system %s is not known to this server", sys ? sys : "(none)");
		else if (!sv_codesystem_concept(cs, code))
			snprintf(msg, sizeof(msg), "Unknown code '%s' in code system %s", code ? code : "", sys);
		else
			snprintf(msg, sizeof(msg), "The code '%s' from %s is not in the value set %s", code, sys,
				 sv_jstr(vs, "url") ? sv_jstr(vs, "url") : "(inline)");
		sv_params_add_bool(res, "result", 0);
		sv_params_add(res, "message", "String", msg);
	} else {
		sv_display_validate(res, k, want_display);
	}
	*out = res;
	res = NULL;
	rc = SV_OK;
out:
	cJSON_Delete(owned);
	cJSON_Delete(coding);
	cJSON_Delete(codings);
	cJSON_Delete(res);
	return rc;
}
