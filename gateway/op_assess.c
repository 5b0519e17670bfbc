/* op_assess.c — POST /fhir/$assess (the engine is assess.c) and GET /fhir/OperationDefinition/{id}. */
#include "samsvar/assess.h"
#include "samsvar/canonical.h"
#include "samsvar/data.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"

#include <stdio.h>
#include <string.h>

enum sv_err sv_op_assess(struct sv_request *req, cJSON **out, int *status)
{
	struct sv_assess_opts o = {req->cfg ? req->cfg->canonical_base : NULL, NULL};

	(void)status;
	if (!req->body)
		return sv_fail_at(&req->err, SV_EREQUIRED, "item", "$assess needs a body: a Parameters resource "
				  "with one item (variable, score) per IPLOS variable, or a Bundle of Observations");
	/* A Bundle body leaves the query string in req->params: `relations` may come from there. */
	if (req->params && req->params != req->body)
		o.relations = sv_params_string(req->params, "relations");
	return sv_assess_run(req->snap, req->body, &o, out, &req->err);
}

enum sv_err sv_op_operation_definition(struct sv_request *req, cJSON **out, int *status)
{
	const char *base = req->cfg ? req->cfg->canonical_base : "https://fhir.samsvar.no";
	char url[512];
	cJSON *od;

	(void)status;
	if (!req->id || strcmp(req->id, "assess") != 0 || req->operation)
		return sv_fail(&req->err, SV_ENOTFOUND, "OperationDefinition/%s is not known (samsvar defines "
			       "OperationDefinition/assess)", req->id ? req->id : "");
	/* gateway/data/OperationDefinition-assess.json; "{base}" is replaced by the canonical base. */
	od = cJSON_Parse(sv_data_get("OperationDefinition-assess.json", NULL));
	if (!od)
		SV_BUG("gateway/data/OperationDefinition-assess.json is missing or not JSON");
	sv_base_subst_json(od, base);
	snprintf(url, sizeof(url), "%s/OperationDefinition/assess", base);
	cJSON_AddStringToObject(od, "url", url);
	*out = od;
	return SV_OK;
}
