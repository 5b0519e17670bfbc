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
 * Observations: $assess takes `relations`, `criteria` and `casemix` there, and any other query
 * parameter is refused rather than silently dropped. */
static enum sv_err query_params(struct sv_request *req, struct sv_assess_opts *o)
{
	static const char *const NAMES[] = {"relations", "criteria", "casemix"};
	const cJSON *query = req->params != req->body ? req->params : NULL, *p;
	const char **slots[] = {&o->relations, &o->criteria, &o->casemix};
	int seen[3] = {0};

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(query, "parameter")) {
		const char *name = sv_jstr(p, "name");
		size_t k = 0;
		while (name && k < 3 && strcmp(name, NAMES[k]) != 0)
			k++;
		if (!name || k == 3)
			return sv_fail_at(&req->err, SV_EINVAL, name ? name : "", "$assess reads only relations, "
					  "criteria and casemix from the query string; give %.100s in the body",
					  name ? name : "parameters");
		if (seen[k]++)
			return sv_fail_at(&req->err, SV_EINVAL, name, "%s is given more than once in the query "
					  "string", name);
		*slots[k] = sv_param_text(p);
	}
	return SV_OK;
}

enum sv_err sv_op_assess(struct sv_request *req, cJSON **out, int *status)
{
	struct sv_assess_opts o = {req->cfg ? req->cfg->canonical_base : NULL, NULL,
				   req->cfg ? req->cfg->assess_criteria : NULL, req->cfg ? req->cfg->assess_casemix : NULL};
	struct sv_jsonw w;
	enum sv_err rc;

	(void)status;
	if (!req->body)
		return sv_fail_at(&req->err, SV_EREQUIRED, "item", "$assess needs a body: a Parameters resource "
				  "with one item (variable, score) per IPLOS variable, or a Bundle of Observations");
	if ((rc = query_params(req, &o)) != SV_OK)
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
