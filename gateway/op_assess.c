/* op_assess.c — POST /fhir/$assess (the engine is assess.c) and GET /fhir/OperationDefinition/{id}. */
#include "samsvar/assess.h"
#include "samsvar/canonical.h"
#include "samsvar/data.h"
#include "samsvar/fhirapi.h"
#include "samsvar/jsonutil.h"
#include "samsvar/jsonw.h"
#include "samsvar/params.h"

#include <stdio.h>
#include <string.h>

/* A Parameters body already holds the query string's parameters (the HTTP layer joins them, as FHIR
 * servers do for operations). With a Bundle body the query string is all there is besides the
 * Observations: $assess takes only `relations` there, and any other query parameter is refused rather
 * than silently dropped. */
static enum sv_err query_relations(struct sv_request *req, const char **relations)
{
	const cJSON *query = req->params != req->body ? req->params : NULL, *p;

	*relations = NULL;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(query, "parameter")) {
		const char *name = sv_jstr(p, "name");
		if (!name || strcmp(name, "relations") != 0)
			return sv_fail_at(&req->err, SV_EINVAL, name ? name : "", "$assess reads only relations from "
					  "the query string; give %.100s in the body", name ? name : "parameters");
		if (*relations)
			return sv_fail_at(&req->err, SV_EINVAL, "relations", "relations is given more than once "
					  "in the query string");
		*relations = sv_param_text(p);
	}
	return SV_OK;
}

enum sv_err sv_op_assess(struct sv_request *req, cJSON **out, int *status)
{
	struct sv_assess_opts o = {req->cfg ? req->cfg->canonical_base : NULL, NULL};
	struct sv_jsonw w;
	enum sv_err rc;

	(void)status;
	if (!req->body)
		return sv_fail_at(&req->err, SV_EREQUIRED, "item", "$assess needs a body: a Parameters resource "
				  "with one item (variable, score) per IPLOS variable, or a Bundle of Observations");
	if ((rc = query_relations(req, &o.relations)) != SV_OK)
		return rc;
	if (!req->want_json)
		return sv_assess_run(req->snap, req->body, &o, out, &req->err);
	/* Compact JSON: the answer's bytes are written directly (a 20-variable answer is ~40 kB; building
	 * and printing its tree was most of the request's cost). */
	sv_jsonw_init(&w, 0);
	if ((rc = sv_assess_write(req->snap, req->body, &o, &w, &req->err)) == SV_OK)
		req->json = sv_jsonw_take_bytes(&w, &req->json_len);
	sv_jsonw_release(&w);
	return rc;
}

enum sv_err sv_op_operation_definition(struct sv_request *req, cJSON **out, int *status)
{
	/* samsvar's own operations; each definition is gateway/data/OperationDefinition-<id>.json, in
	 * which "{base}" is replaced by the canonical base. */
	static const char *const DEFINED[] = {"assess", "send-message"};
	const char *base = req->cfg ? req->cfg->canonical_base : "https://fhir.samsvar.no";
	char url[512], file[96];
	size_t i = 0;
	cJSON *od;

	(void)status;
	while (req->id && i < sizeof(DEFINED) / sizeof(DEFINED[0]) && strcmp(req->id, DEFINED[i]) != 0)
		i++;
	if (!req->id || i == sizeof(DEFINED) / sizeof(DEFINED[0]) || req->operation)
		return sv_fail(&req->err, SV_ENOTFOUND, "OperationDefinition/%s is not known (samsvar defines "
			       "OperationDefinition/assess and OperationDefinition/send-message)", req->id ? req->id : "");
	snprintf(file, sizeof(file), "OperationDefinition-%s.json", DEFINED[i]);
	od = cJSON_Parse(sv_data_get(file, NULL));
	if (!od)
		SV_BUG("an OperationDefinition in gateway/data is missing or not JSON");
	sv_base_subst_json(od, base);
	snprintf(url, sizeof(url), "%s/OperationDefinition/%s", base, DEFINED[i]);
	cJSON_AddStringToObject(od, "url", url);
	*out = od;
	return SV_OK;
}
