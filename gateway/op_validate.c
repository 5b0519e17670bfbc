/* op_validate.c — CodeSystem and ValueSet $validate-code at the FHIR edge: the request's Parameters
 * read into a struct sv_vc_request, the engine (validate.h) run, its struct sv_vc_result rendered as
 * the Parameters the operation returns. One reader and one renderer serve both forms. */
#include "samsvar/fhirapi.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/request.h"
#include "samsvar/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TX_ISSUE_TYPE "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"
#define EXPANSION_PARAMETER "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter"
#define VALUESET_SUPPLEMENT "http://hl7.org/fhir/StructureDefinition/valueset-supplement"

/* What the edge read, owning what the request struct borrows. */
struct vc_input {
	struct sv_vc_request rq;
	struct sv_vc_coding codings[SV_VC_MAX_CODINGS];
	cJSON *coding;             /* the Coding read by sv_req_code (code or coding form), owned */
	const cJSON *cc;           /* the CodeableConcept as given (borrowed from the request) */
	const cJSON *vs;           /* the value set, borrowed or owned_vs */
	cJSON *owned_vs;
	const struct sv_codesystem *supplements[SV_VC_MAX_SUPPLEMENTS];
	struct sv_vc_version_rule rules[SV_VC_MAX_VERSION_RULES];
	char *rule_text[SV_VC_MAX_VERSION_RULES];   /* the "url|version" copies the rules point into */
};

static void input_release(struct vc_input *in)
{
	for (size_t i = 0; i < in->rq.nrules; i++)
		free(in->rule_text[i]);
	cJSON_Delete(in->coding);
	cJSON_Delete(in->owned_vs);
}

/* Reads an optional boolean parameter into *out. */
static enum sv_err flag(struct sv_request *req, const char *name, int dflt, int *out)
{
	return sv_params_bool(req->params, name, dflt, out, &req->err);
}

/* Reads the code, Coding or CodeableConcept to validate; `default_system` fills a code's system (the
 * CodeSystem form's url), `version_name` is the parameter that carries the code system version. */
static enum sv_err read_codes(struct sv_request *req, struct vc_input *in, const char *default_system,
			      const char *version_name)
{
	const cJSON *ccp = sv_params_get(req->params, "codeableConcept"), *c;
	const char *display = sv_params_string(req->params, "display");
	struct sv_vc_coding *one = &in->codings[0];
	size_t n = 0;

	in->rq.codings = in->codings;
	if (ccp) {
		if (sv_params_get(req->params, "code") || sv_params_get(req->params, "coding"))
			return sv_fail_at(&req->err, SV_EINVAL, "codeableConcept", "give one of code, coding or "
					  "codeableConcept");
		if (sv_params_count(req->params, "codeableConcept") > 1)
			return sv_fail_at(&req->err, SV_EINVAL, "codeableConcept", "'codeableConcept' is given more "
					  "than once");
		if (!(in->cc = sv_param_codeableconcept(ccp, "codeableConcept", &req->err)))
			return req->err.code;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(in->cc, "coding")) {
			if (n == SV_VC_MAX_CODINGS)
				return sv_fail_at(&req->err, SV_ETOOBIG, "codeableConcept", "the CodeableConcept has "
						  "more than %d codings", SV_VC_MAX_CODINGS);
			if (!sv_jstr(c, "code"))
				return sv_fail_at(&req->err, SV_EINVAL, "codeableConcept", "coding %zu of the "
						  "CodeableConcept has no code", n);
			in->codings[n].system = sv_jstr(c, "system") ? sv_jstr(c, "system") : default_system;
			in->codings[n].version = sv_jstr(c, "version");
			in->codings[n].code = sv_jstr(c, "code");
			in->codings[n].display = sv_jstr(c, "display");
			n++;
		}
		if (n == 0)
			return sv_fail_at(&req->err, SV_EINVAL, "codeableConcept", "the CodeableConcept has no coding");
		in->rq.form = SV_VC_CODEABLECONCEPT;
		in->rq.ncodings = n;
		return SV_OK;
	}
	if (!sv_params_get(req->params, "code") && !sv_params_get(req->params, "coding"))
		return sv_fail(&req->err, SV_EINVAL, "Unable to find code to validate (looked for coding | "
			       "codeableConcept | code+system | code+inferSystem in parameters");
	if (sv_req_code(req, "code", "coding", "system", &in->coding) != SV_OK)
		return req->err.code;
	in->rq.form = sv_params_get(req->params, "coding") ? SV_VC_CODING : SV_VC_CODE;
	one->system = sv_jstr(in->coding, "system") ? sv_jstr(in->coding, "system") : default_system;
	one->version = in->rq.form == SV_VC_CODING ? sv_jstr(in->coding, "version") :
		       sv_params_string(req->params, version_name);
	one->code = sv_jstr(in->coding, "code");
	/* The display to check: the `display` parameter, else the coding's own. */
	one->display = display ? display : sv_jstr(in->coding, "display");
	in->rq.ncodings = 1;
	return SV_OK;
}

/* Reads the supplements in force (useSupplement, the valueset-supplement extensions of `vs`). */
static enum sv_err read_supplements(struct sv_request *req, struct vc_input *in, const cJSON *vs)
{
	in->rq.supplements = in->supplements;
	return sv_req_supplements(req, vs, in->supplements, SV_VC_MAX_SUPPLEMENTS, &in->rq.nsupplements);
}

/* The flags both forms take. */
static enum sv_err read_flags(struct sv_request *req, struct vc_input *in)
{
	enum sv_err rc;

	in->rq.display_language = sv_req_display_language(req);   /* displayLanguage, else Accept-Language */
	if ((rc = flag(req, "activeOnly", 0, &in->rq.active_only)) != SV_OK ||
	    (rc = flag(req, "abstract", 1, &in->rq.abstract_ok)) != SV_OK ||
	    (rc = flag(req, "inferSystem", 0, &in->rq.infer_system)) != SV_OK ||
	    (rc = flag(req, "valueset-membership-only", 0, &in->rq.membership_only)) != SV_OK ||
	    (rc = flag(req, "lenient-display-validation", 0, &in->rq.lenient_display)) != SV_OK)
		return rc;
	in->rq.rules = in->rules;
	return sv_req_version_rules(req, in->rules, in->rule_text, &in->rq.nrules);
}


/* One issue of the `issues` OperationOutcome. */
static cJSON *render_issue(const struct sv_vc_issue *is)
{
	cJSON *o = cJSON_CreateObject(), *details, *codings, *coding;

	if (is->id)
		cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "extension"), sv_outcome_message_id(is->id));
	cJSON_AddStringToObject(o, "severity", sv_vc_severity_name(is->severity));
	cJSON_AddStringToObject(o, "code", is->type);
	details = cJSON_AddObjectToObject(o, "details");
	codings = cJSON_AddArrayToObject(details, "coding");
	coding = cJSON_CreateObject();
	cJSON_AddStringToObject(coding, "system", TX_ISSUE_TYPE);
	cJSON_AddStringToObject(coding, "code", is->tx);
	cJSON_AddItemToArray(codings, coding);
	cJSON_AddStringToObject(details, "text", is->text);
	/* expression only: OperationOutcome.issue.location is deprecated (and an XPath) in R4 and R5. */
	if (is->expression[0])
		cJSON_AddItemToObject(o, "expression", cJSON_CreateStringArray((const char *const[]){is->expression}, 1));
	return o;
}

/* The Parameters of the answer: result, message (the issues' texts joined by "; "), the code settled on,
 * the CodeableConcept as given, and the issues. */
static cJSON *render(const struct vc_input *in, const struct sv_vc_result *r)
{
	cJSON *res = sv_params_new(), *oo, *issues;
	size_t len = 0, cap = 0;
	char *msg = NULL;

	sv_params_add_bool(res, "result", r->result);
	for (size_t i = 0; i < r->nissues; i++) {
		size_t n = strlen(r->issues[i].text);
		if (!r->issues[i].in_message)
			continue;
		if (len + n + 3 > cap) {
			cap = (len + n + 3) * 2;
			msg = sv_xrealloc(msg, cap);
		}
		len += (size_t)snprintf(msg + len, cap - len, "%s%s", len ? "; " : "", r->issues[i].text);
	}
	if (msg)
		sv_params_add(res, "message", "String", msg);
	free(msg);
	if (r->display)
		sv_params_add(res, "display", "String", r->display);
	if (r->code)
		sv_params_add(res, "code", "Code", r->code);
	if (r->system)
		sv_params_add(res, "system", "Uri", r->system);
	if (r->version)
		sv_params_add(res, "version", "String", r->version);
	if (in->cc)
		sv_params_add_value(res, "codeableConcept", "valueCodeableConcept", cJSON_Duplicate(in->cc, 1));
	if (r->inactive)
		sv_params_add_bool(res, "inactive", 1);
	if (r->status)
		sv_params_add(res, "status", "Code", r->status);
	if (r->normalized_code)
		sv_params_add(res, "normalized-code", "Code", r->normalized_code);
	if (r->unknown_system)
		sv_params_add(res, "x-unknown-system", "Canonical", r->unknown_system);
	if (r->unknown_version)
		sv_params_add(res, "x-caused-by-unknown-system", "Canonical", r->unknown_version);
	if (r->nissues) {
		oo = cJSON_CreateObject();
		cJSON_AddStringToObject(oo, "resourceType", "OperationOutcome");
		issues = cJSON_AddArrayToObject(oo, "issue");
		for (size_t i = 0; i < r->nissues; i++)
			cJSON_AddItemToArray(issues, render_issue(&r->issues[i]));
		sv_params_add_value(res, "issues", "resource", oo);
	}
	return res;
}

/* Records that displayLanguage `lang` is not a list of language tags; returns the error code. */
static enum sv_err bad_language(struct sv_request *req, const char *lang)
{
	return sv_fail_at(&req->err, SV_EINVAL, "displayLanguage", "Invalid displayLanguage: '%.100s'", lang);
}


/* The answer when a supplement the request asks for is not held. */
static enum sv_err supplement_missing(struct sv_request *req, cJSON **out, int *status)
{
	return sv_outcome_tx(req, out, status, SV_ENOTFOUND, "not-found", "not-found", "VALUESET_SUPPLEMENT_MISSING",
			  0);
}

/* Runs the engine over what was read and renders its answer into *out (a displayLanguage that is not
 * a list of language tags is refused first). */
static enum sv_err run(struct sv_request *req, struct vc_input *in, cJSON **out, int *status)
{
	struct sv_vc_result r = {0};
	enum sv_err rc;

	if (!sv_vc_languages_valid(in->rq.display_language))
		return sv_outcome_tx(req, out, status, bad_language(req, in->rq.display_language), "processing",
				  "invalid-display", "INVALID_DISPLAY_NAME", 0);
	if ((rc = sv_validate(req->snap, &in->rq, &r, &req->err)) == SV_OK)
		*out = render(in, &r);
	else if (rc == SV_EINVAL || rc == SV_ENOTSUPPORTED || rc == SV_ETOOBIG)
		/* The value set's definition cannot be evaluated: say so as the value set's fault. */
		rc = sv_outcome_tx(req, out, status, rc, sv_err_issue_code(rc), "vs-invalid", NULL, 1);
	sv_vc_result_release(&r);
	return rc;
}

enum sv_err sv_op_cs_validate_code(struct sv_request *req, cJSON **out, int *status)
{
	struct vc_input in = {0};
	const char *url = sv_params_string(req->params, "url");
	const struct sv_codesystem *cs = NULL;
	enum sv_err rc;

	if (!url)
		url = sv_params_string(req->params, "system");
	if (req->id) {
		if ((rc = sv_req_codesystem(req, url, NULL, "url", &cs)) != SV_OK)
			goto out;
		url = cs->url;
	}
	if ((rc = read_codes(req, &in, url, "version")) != SV_OK || (rc = read_flags(req, &in)) != SV_OK)
		goto out;
	if (!in.codings[0].system) {
		rc = sv_fail_at(&req->err, SV_EREQUIRED, "url", "parameter 'url' (the code system) is required");
		goto out;
	}
	if ((rc = read_supplements(req, &in, NULL)) == SV_ENOTFOUND) {
		rc = supplement_missing(req, out, status);
		goto out;
	}
	if (rc != SV_OK)
		goto out;
	rc = run(req, &in, out, status);
out:
	input_release(&in);
	return rc;
}

/* The displayLanguage a value set's compose sets with the valueset-expansion-parameter extension, else
 * the value set's language, or NULL. */
static const char *vs_display_language(const cJSON *vs)
{
	const cJSON *e, *part;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "compose"),
								   "extension")) {
		const char *name = NULL, *value = NULL;
		if (!sv_jstr(e, "url") || strcmp(sv_jstr(e, "url"), EXPANSION_PARAMETER) != 0)
			continue;
		cJSON_ArrayForEach(part, cJSON_GetObjectItemCaseSensitive(e, "extension")) {
			const char *u = sv_jstr(part, "url");
			if (u && strcmp(u, "name") == 0)
				name = sv_jstr(part, "valueCode");
			else if (u && strcmp(u, "value") == 0)
				value = sv_jstr(part, "valueCode") ? sv_jstr(part, "valueCode") : sv_jstr(part, "valueString");
		}
		if (name && value && strcmp(name, "displayLanguage") == 0)
			return value;
	}
	return sv_jstr(vs, "language");
}

enum sv_err sv_op_vs_validate_code(struct sv_request *req, cJSON **out, int *status)
{
	struct vc_input in = {0};
	enum sv_err rc;

	if ((rc = read_codes(req, &in, NULL, "systemVersion")) != SV_OK || (rc = read_flags(req, &in)) != SV_OK)
		goto out;
	if (in.rq.form == SV_VC_CODE && !in.codings[0].version)
		in.codings[0].version = sv_params_string(req->params, "version");
	if ((rc = sv_req_valueset(req, &in.vs, &in.owned_vs)) == SV_ENOTFOUND) {
		rc = sv_outcome_tx(req, out, status, SV_ENOTFOUND, "not-found", "not-found",
				"Unable_to_resolve_value_Set_", 0);
		goto out;
	}
	if (rc != SV_OK)
		goto out;
	in.rq.valueset = in.vs;
	if ((rc = read_supplements(req, &in, in.vs)) == SV_ENOTFOUND) {
		rc = supplement_missing(req, out, status);
		goto out;
	}
	if (rc != SV_OK)
		goto out;
	/* Without displayLanguage, the value set says which displays it expects: the displayLanguage of
	 * its expansion parameters, else its own language. */
	if (!in.rq.display_language)
		in.rq.display_language = vs_display_language(in.vs);
	rc = run(req, &in, out, status);
out:
	input_release(&in);
	return rc;
}
