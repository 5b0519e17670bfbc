/* op_valueset.c — ValueSet $expand ($validate-code is in op_validate.c, with the CodeSystem form). */
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
	if ((rc = sv_req_valueset(req, &vs, &owned)) != SV_OK)
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
