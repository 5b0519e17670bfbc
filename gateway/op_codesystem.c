/* op_codesystem.c — CodeSystem $lookup and $subsumes ($validate-code is in op_validate.c). */
#include "samsvar/display.h"
#include "samsvar/jsonutil.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "samsvar/request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wanted(const cJSON *params, const char *prop)
{
	const cJSON *p;
	int any = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(params, "parameter")) {
		const char *n = sv_jstr(p, "name"), *v;
		if (!n || strcmp(n, "property") != 0)
			continue;
		any = 1;
		v = sv_param_text(p);
		if (v && (strcmp(v, prop) == 0 || strcmp(v, "*") == 0))
			return 1;
	}
	return !any;
}

/* True when concept `k` has a designation with language `lang` and value `value`. */
static int has_designation(const struct sv_concept *k, const char *lang, const char *value)
{
	for (uint32_t i = 0; i < k->ndesig; i++)
		if (k->desig[i].language && strcmp(k->desig[i].language, lang) == 0 && strcmp(k->desig[i].value, value) == 0)
			return 1;
	return 0;
}

static void add_code_property(cJSON *out, const char *code, const char *value_type, cJSON *value)
{
	cJSON *p = sv_params_add_part(out, "property");
	sv_params_add(p, "code", "Code", code);
	sv_params_add_value(p, "value", value_type, value);
}

/* Most supplements one $lookup may bring into force (useSupplement). */
#define MAX_LOOKUP_SUPPLEMENTS 8

/* Adds designation `d` as a `designation` parameter; `source` (NULL: none) is the canonical of the
 * supplement it comes from. */
static void add_designation(cJSON *res, const struct sv_designation *d, const char *source)
{
	cJSON *dp = sv_params_add_part(res, "designation");
	cJSON *x = sv_designation_json(d), *use = cJSON_DetachItemFromObjectCaseSensitive(x, "use");

	if (d->language)
		sv_params_add(dp, "language", "Code", d->language);
	if (cJSON_IsObject(use))
		sv_params_add_value(dp, "use", "valueCoding", use);
	else
		cJSON_Delete(use);
	if (source)
		sv_params_add(dp, "source", "Canonical", source);
	sv_params_add(dp, "value", "String", d->value);
	cJSON_Delete(x);
}

/* The designations supplement `sup` gives `code` of `cs`, each naming the supplement as its source. */
static void supplement_designations(cJSON *res, const struct sv_codesystem *sup, const struct sv_codesystem *cs,
				    const char *code)
{
	const char *of = sv_jstr(sup->resource, "supplements");
	const struct sv_concept *sk;
	char source[1024];

	if (!of || strncmp(of, cs->url, strlen(cs->url)) != 0 || (of[strlen(cs->url)] && of[strlen(cs->url)] != '|') ||
	    !(sk = sv_codesystem_concept(sup, code)))
		return;
	snprintf(source, sizeof(source), "%s%s%s", sup->url, *sup->version ? "|" : "", sup->version);
	for (uint32_t i = 0; i < sk->ndesig; i++)
		add_designation(res, &sk->desig[i], source);
}

enum sv_err sv_op_cs_lookup(struct sv_request *req, cJSON **out, int *status)
{
	const struct sv_codesystem *cs;
	const struct sv_concept *k;
	cJSON *coding = NULL, *res = NULL;
	const char *lang = sv_req_display_language(req);
	const struct sv_codesystem *sups[MAX_LOOKUP_SUPPLEMENTS];
	size_t nsups = 0;
	enum sv_err rc;

	if ((rc = sv_req_code(req, "code", "coding", "system", &coding)) != SV_OK)
		goto out;
	rc = sv_req_codesystem(req, sv_jstr(coding, "system"), sv_jstr(coding, "version"),
			sv_params_get(req->params, "coding") ? "coding" : "system", &cs);
	if (rc != SV_OK)
		goto out;
	k = sv_codesystem_concept(cs, sv_jstr(coding, "code"));
	if (!k) {
		rc = sv_fail_at(&req->err, SV_ENOTFOUND, "code", "code '%s' is not in %s version %s",
				sv_jstr(coding, "code"), cs->url, cs->version);
		goto out;
	}
	if ((rc = sv_req_supplements(req, NULL, sups, MAX_LOOKUP_SUPPLEMENTS, &nsups)) != SV_OK) {
		if (rc == SV_ENOTFOUND)
			rc = sv_outcome_tx(req, out, status, rc, "not-found", "not-found", "VALUESET_SUPPLEMENT_MISSING", 0);
		goto out;
	}
	res = sv_params_new();
	sv_params_add(res, "code", "Code", k->code);
	sv_params_add(res, "system", "Uri", cs->url);
	sv_params_add(res, "name", "String", cs->name ? cs->name : cs->url);
	if (*cs->version)            /* a tx-resource code system may have none */
		sv_params_add(res, "version", "String", cs->version);
	if (k->display)
		sv_params_add(res, "display", "String", sv_display_in(cs, k, lang));
	if (k->definition && wanted(req->params, "definition"))
		sv_params_add(res, "definition", "String", k->definition);
	if (wanted(req->params, "designation")) {
		const char *cslang = sv_jstr(cs->resource, "language");
		/* The display as a designation in the code system's language, unless one says so already. */
		if (cslang && k->display && !has_designation(k, cslang, k->display)) {
			cJSON *dp = sv_params_add_part(res, "designation");
			sv_params_add(dp, "language", "Code", cslang);
			sv_params_add(dp, "value", "String", k->display);
		}
		for (uint32_t i = 0; i < k->ndesig; i++)
			add_designation(res, &k->desig[i], NULL);
		for (size_t i = 0; i < nsups; i++)
			supplement_designations(res, sups[i], cs, k->code);
	}
	for (size_t i = 0; i < nsups; i++) {   /* which supplements the answer drew on */
		char canonical[1024];
		snprintf(canonical, sizeof(canonical), "%s%s%s", sups[i]->url, *sups[i]->version ? "|" : "",
			 sups[i]->version);
		sv_params_add(res, "used-supplement", "Canonical", canonical);
	}
	if (wanted(req->params, "inactive"))   /* said either way: a client need not know the rules */
		add_code_property(res, "inactive", "valueBoolean", cJSON_CreateBool(sv_concept_inactive(cs, k)));
	if (wanted(req->params, "parent"))
		for (uint32_t i = 0; i < k->nparents; i++)
			add_code_property(res, "parent", "valueCode",
					  cJSON_CreateString(cs->concepts[k->parents[i]].code));
	if (wanted(req->params, "child"))
		for (uint32_t i = 0; i < k->nchildren; i++)
			add_code_property(res, "child", "valueCode",
					  cJSON_CreateString(cs->concepts[k->children[i]].code));
	/* The concept's own properties (other than the hierarchy, reported above). */
	for (uint32_t i = 0; i < k->nprops; i++) {
		const struct sv_property *p = &k->props[i];
		if (strcmp(p->code, "parent") == 0 || strcmp(p->code, "child") == 0 || strcmp(p->code, "inactive") == 0 ||
		    !wanted(req->params, p->code))
			continue;
		add_code_property(res, p->code, p->type, sv_property_value_json(p));
	}
	*out = res;
	res = NULL;
	rc = SV_OK;
out:
	cJSON_Delete(coding);
	cJSON_Delete(res);
	return rc;
}

enum sv_err sv_op_cs_subsumes(struct sv_request *req, cJSON **out, int *status)
{
	const struct sv_codesystem *cs;
	cJSON *a = NULL, *b = NULL;
	const struct sv_concept *ka, *kb;
	const char *outcome;
	enum sv_err rc;

	(void)status;
	if ((rc = sv_req_code(req, "codeA", "codingA", "system", &a)) != SV_OK ||
	    (rc = sv_req_code(req, "codeB", "codingB", "system", &b)) != SV_OK)
		goto out;
	if (sv_jstr(a, "system") && sv_jstr(b, "system") && strcmp(sv_jstr(a, "system"), sv_jstr(b, "system")) != 0) {
		rc = sv_fail_at(&req->err, SV_EINVAL, "codingB", "codingA and codingB are from different systems");
		goto out;
	}
	if ((rc = sv_req_codesystem(req, sv_jstr(a, "system") ? sv_jstr(a, "system") : sv_jstr(b, "system"),
			     sv_jstr(a, "version"), "system", &cs)) != SV_OK)
		goto out;
	ka = sv_codesystem_concept(cs, sv_jstr(a, "code"));
	kb = sv_codesystem_concept(cs, sv_jstr(b, "code"));
	if (!ka || !kb) {
		rc = sv_fail_at(&req->err, SV_ENOTFOUND, ka ? "codeB" : "codeA", "code '%s' is not in %s",
				ka ? sv_jstr(b, "code") : sv_jstr(a, "code"), cs->url);
		goto out;
	}
	if (ka == kb)
		outcome = "equivalent";
	else if (sv_codesystem_subsumes(cs, (uint32_t)(ka - cs->concepts), (uint32_t)(kb - cs->concepts)))
		outcome = "subsumes";
	else if (sv_codesystem_subsumes(cs, (uint32_t)(kb - cs->concepts), (uint32_t)(ka - cs->concepts)))
		outcome = "subsumed-by";
	else
		outcome = "not-subsumed";
	*out = sv_params_new();
	sv_params_add(*out, "outcome", "Code", outcome);
out:
	cJSON_Delete(a);
	cJSON_Delete(b);
	return rc;
}
