/* op_assess.c — POST /fhir/$assess (the engine is assess.c) and GET /fhir/OperationDefinition/{id}. */
#include "samsvar/assess.h"
#include "samsvar/fhirapi.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"

#include <stdio.h>
#include <string.h>

/* Reads the query string as FHIR servers do for operations: its parameters join the body's. $assess takes
 * only `relations` there (the one parameter that is not about the person); given in both places, or any
 * other query parameter, is refused rather than silently dropped. */
static enum sv_err query_relations(struct sv_request *req, const char **relations)
{
	const cJSON *query = req->query ? req->query : req->params != req->body ? req->params : NULL, *p;
	int in_body = req->body && sv_params_get(req->body, "relations") &&
		      strcmp(sv_jstr(req->body, "resourceType") ? sv_jstr(req->body, "resourceType") : "",
			     "Parameters") == 0;

	*relations = NULL;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(query, "parameter")) {
		const char *name = sv_jstr(p, "name");
		if (!name || strcmp(name, "relations") != 0)
			return sv_fail_at(&req->err, SV_EINVAL, name ? name : "", "$assess reads only relations from "
					  "the query string; give %s in the body", name ? name : "parameters");
		if (*relations || in_body)
			return sv_fail_at(&req->err, SV_EINVAL, "relations", "relations is given more than once "
					  "(query string%s)", in_body ? " and body" : "");
		*relations = sv_param_text(p);
	}
	return SV_OK;
}

enum sv_err sv_op_assess(struct sv_request *req, cJSON **out, int *status)
{
	struct sv_assess_opts o = {req->cfg ? req->cfg->canonical_base : NULL, NULL};
	enum sv_err rc;

	(void)status;
	if (!req->body)
		return sv_fail_at(&req->err, SV_EREQUIRED, "item", "$assess needs a body: a Parameters resource "
				  "with one item (variable, score) per IPLOS variable, or a Bundle of Observations");
	if ((rc = query_relations(req, &o.relations)) != SV_OK)
		return rc;
	return sv_assess_run(req->snap, req->body, &o, out, &req->err);
}

/* The definition of $assess; "{base}" is replaced by the canonical base at run time. */
static const char ASSESS_DEFINITION[] =
	"{\"resourceType\":\"OperationDefinition\",\"id\":\"assess\",\"version\":\"0.1.0\","
	"\"name\":\"Assess\",\"title\":\"IPLOS assessment to coded findings and a proposed care plan\","
	"\"status\":\"draft\",\"kind\":\"operation\",\"experimental\":true,\"publisher\":\"samsvar project\","
	"\"description\":\"Turns an IPLOS assessment (function variables, Volven 9111, scored 1-5 or 9) into a "
	"Bundle (collection): one Observation per variable coded with IPLOS 9111, ICF and SNOMED CT and valued "
	"with the IPLOS score and the ICF qualifier; one Condition (provisional) per function problem (score 3-5; "
	"9 is never a need) coded with SNOMED CT and Faelles Sprog III; a CarePlan (draft, proposal) whose "
	"activities are the interventions the relations map links to those conditions, with timing and the "
	"estimated minutes per week; and an OperationOutcome listing variables missing from the assessment. "
	"Faelles Sprog III style: a suggestion for professional judgement, never an allocation.\","
	"\"code\":\"assess\",\"comment\":\"The body is either a Parameters resource with the parameters below or "
	"a Bundle of Observations (code = a 9111 coding, valueInteger = the score, or valueCodeableConcept in "
	"{base}/CodeSystem/iplos-score; subject and effectiveDateTime from the Observations), with `relations` "
	"then in the query string. Relation products {base}/OperationDefinition/assess#frequency (N/d, N/wk, N/mo) "
	"and {base}/OperationDefinition/assess#minutes-per-visit give the activity timing; the estimated total is "
	"the CarePlan extension {base}/StructureDefinition/estimated-minutes-per-week (valueQuantity, UCUM min/wk) "
	"and a note. Bad input (unknown variable, score outside 1-5/9, a variable given twice, no items, an "
	"Observation that is not an IPLOS variable, a wrong system) is a 400 OperationOutcome naming the item.\","
	"\"system\":true,\"type\":false,\"instance\":false,"
	"\"parameter\":["
	"{\"name\":\"item\",\"use\":\"in\",\"min\":0,\"max\":\"*\",\"documentation\":\"One assessed variable "
	"(required unless the body is a Bundle of Observations).\",\"part\":["
	"{\"name\":\"variable\",\"use\":\"in\",\"min\":1,\"max\":\"1\",\"type\":\"Coding\",\"documentation\":"
	"\"The IPLOS function variable, system urn:oid:2.16.578.1.12.4.1.1.9111.\"},"
	"{\"name\":\"score\",\"use\":\"in\",\"min\":1,\"max\":\"1\",\"type\":\"integer\",\"documentation\":"
	"\"The score: 1-5, or 9 for not relevant (never a need, never averaged).\"}]},"
	"{\"name\":\"patient\",\"use\":\"in\",\"min\":0,\"max\":\"1\",\"type\":\"Reference\",\"documentation\":"
	"\"The assessed person: subject of every resource in the answer.\"},"
	"{\"name\":\"date\",\"use\":\"in\",\"min\":0,\"max\":\"1\",\"type\":\"date\",\"documentation\":"
	"\"The date of the assessment: Observation.effectiveDateTime, Condition.recordedDate, CarePlan.created.\"},"
	"{\"name\":\"relations\",\"use\":\"in\",\"min\":0,\"max\":\"1\",\"type\":\"canonical\",\"documentation\":"
	"\"The ConceptMap from conditions (9111 variable, score as dependsOn) to interventions (9151 service type, "
	"products SNOMED CT, FSIII, frequency, minutes), url or url|version. Default "
	"{base}/ConceptMap/iplos-interventions, latest active version, else the latest.\"},"
	"{\"name\":\"return\",\"use\":\"out\",\"min\":1,\"max\":\"1\",\"type\":\"Bundle\",\"documentation\":"
	"\"A Bundle of type collection: Observations, Conditions, one CarePlan and, when variables are missing, "
	"an OperationOutcome.\"}]}";

/* Replaces every "{base}" in the string values of `j` by `base`. */
static void substitute(cJSON *j, const char *base)
{
	cJSON *c;

	if (cJSON_IsString(j) && strstr(j->valuestring, "{base}")) {
		char buf[2048];
		size_t n = 0;
		for (const char *s = j->valuestring; *s && n < sizeof(buf) - 1;) {
			if (strncmp(s, "{base}", 6) == 0) {
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", base);
				s += 6;
			} else {
				buf[n++] = *s++;
			}
		}
		buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
		cJSON_SetValuestring(j, buf);
		return;
	}
	cJSON_ArrayForEach(c, j)
		substitute(c, base);
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
	od = cJSON_Parse(ASSESS_DEFINITION);
	if (!od)
		SV_BUG("the $assess OperationDefinition literal is not JSON");
	substitute(od, base);
	snprintf(url, sizeof(url), "%s/OperationDefinition/assess", base);
	cJSON_AddStringToObject(od, "url", url);
	*out = od;
	return SV_OK;
}
