/* test_op_valueset.c — ValueSet $expand (paging, text filter, designations, inline and stored value
 * sets, caps) and $validate-code, called directly over a snapshot of the real FSIII code system. */
#include "support/fixtures.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FSIII_URL "urn:oid:1.2.208.176.2.21"
#define IPLOS_URL "urn:oid:2.16.578.1.12.4.1.1.9111"
#define VS_BASE "https://fhir.samsvar.no/ValueSet/"

static struct sv_snapshot *snap;
static struct sv_config cfg;
static struct sv_request req;
static cJSON *result;

static const char EGENOMSORG[] =
	"{\"resourceType\":\"ValueSet\",\"id\":\"egenomsorg\",\"url\":\"" VS_BASE "egenomsorg\",\"version\":\"1\","
	"\"name\":\"Egenomsorg\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\"" FSIII_URL "\","
	"\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\",\"value\":\"J1\"}]}]}}";
static const char EGENOMSORG_V2[] =
	"{\"resourceType\":\"ValueSet\",\"id\":\"egenomsorg-2\",\"url\":\"" VS_BASE "egenomsorg\",\"version\":\"2\","
	"\"status\":\"draft\",\"compose\":{\"include\":[{\"system\":\"" FSIII_URL "\","
	"\"concept\":[{\"code\":\"J1.1\"}]}]}}";

static void setup(void)
{
	snap = ts_snapshot_of(ts_list(ts_shared_json("terminology/fsiii-codesystem-20240530.json"),
				      cJSON_Parse(EGENOMSORG), cJSON_Parse(EGENOMSORG_V2), NULL));
	ts_request_init(&req, snap, &cfg, "ValueSet");
	result = NULL;
}

static void teardown(void)
{
	ts_request_release(&req, result, snap);
}

TestSuite(vs, .init = setup, .fini = teardown);

static void q(const char *name, const char *value)
{
	sv_params_add(req.params, name, "String", value);
}

static void reset_params(void)
{
	cJSON_Delete(req.params);
	req.params = sv_params_new();
}

static enum sv_err run(sv_handler_fn fn)
{
	return ts_run(&req, fn, &result, NULL);
}

static const cJSON *expansion(void)
{
	const cJSON *e = cJSON_GetObjectItem(result, "expansion");
	cr_assert_not_null(e, "no expansion");
	return e;
}

static double total(void)
{
	return cJSON_GetNumberValue(cJSON_GetObjectItem(expansion(), "total"));
}

static int ncontains(void)
{
	return cJSON_GetArraySize(cJSON_GetObjectItem(expansion(), "contains"));
}

static const cJSON *item(int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(expansion(), "contains"), i);
}

static const char *istr(int i, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(item(i), k));
}

static const char *exp_param(const char *name, char *buf, size_t cap)
{
	const cJSON *p, *v;
	buf[0] = '\0';
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(expansion(), "parameter")) {
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")), name) != 0)
			continue;
		cJSON_ArrayForEach(v, p)
			if (strncmp(v->string, "value", 5) == 0) {
				if (cJSON_IsString(v))
					snprintf(buf, cap, "%s", v->valuestring);
				else
					snprintf(buf, cap, "%g", v->valuedouble);
			}
	}
	return buf;
}

/* ---- $expand ---- */

Test(vs, expand_implicit_isa)
{
	char buf[128];

	q("url", FSIII_URL "?fhir_vs=isa/J1");
	q("excludeNested", "true");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "resourceType")), "ValueSet");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "url")), FSIII_URL "?fhir_vs=isa/J1");
	cr_assert_eq(total(), 12);
	cr_assert_eq(ncontains(), 12);
	cr_assert_str_eq(istr(0, "system"), FSIII_URL);
	cr_assert_null(istr(0, "version"), "one version of the system: used-codesystem names it, the codes need not");
	cr_assert_str_eq(istr(0, "code"), "J1");
	cr_assert_str_eq(istr(0, "display"), "Egenomsorg");
	cr_assert_str_eq(exp_param("used-codesystem", buf, sizeof(buf)), FSIII_URL "|20240530");
	cr_assert(strncmp(cJSON_GetStringValue(cJSON_GetObjectItem(expansion(), "identifier")), "urn:uuid:", 9) == 0);
	cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(expansion(), "timestamp")));
}

Test(vs, expand_paging)
{
	char buf[32];

	q("url", FSIII_URL "?fhir_vs=isa/J1");
	q("count", "5");
	q("offset", "10");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "%s", req.err.message);
	cr_assert_eq(total(), 12);
	cr_assert_eq(ncontains(), 2, "items 10 and 11");
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(expansion(), "offset")), 10);
	cr_assert_str_eq(exp_param("count", buf, sizeof(buf)), "5");
	cr_assert_str_eq(exp_param("offset", buf, sizeof(buf)), "10");
	reset_params();
	q("url", FSIII_URL "?fhir_vs=isa/J1");
	q("count", "5");
	q("offset", "5");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK);
	cr_assert_eq(ncontains(), 5);
	reset_params();
	q("url", FSIII_URL "?fhir_vs=isa/J1");
	q("count", "0");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK);
	cr_assert_eq(total(), 12, "count=0 asks for the total only");
	cr_assert_null(cJSON_GetObjectItem(expansion(), "contains"));
	reset_params();
	q("url", FSIII_URL "?fhir_vs=isa/J1");
	q("offset", "50");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK);
	cr_assert_eq(total(), 12);
	cr_assert_null(cJSON_GetObjectItem(expansion(), "contains"));
}

Test(vs, expand_paging_parameters_are_checked)
{
	q("url", FSIII_URL "?fhir_vs=isa/J1");
	q("offset", "-1");
	cr_assert_eq(run(sv_op_vs_expand), SV_EINVAL);
	cr_assert_str_eq(req.err.expression, "offset");
	reset_params();
	q("url", FSIII_URL "?fhir_vs=isa/J1");
	q("count", "ten");
	cr_assert_eq(run(sv_op_vs_expand), SV_EINVAL);
	cr_assert_str_eq(req.err.expression, "count");
	reset_params();
	q("url", FSIII_URL "?fhir_vs=isa/J1");
	q("includeDesignations", "maybe");
	cr_assert_eq(run(sv_op_vs_expand), SV_EINVAL);
	cr_assert_str_eq(req.err.expression, "includeDesignations");
}

Test(vs, expand_cap_and_count)
{
	char buf[32];

	cfg.expand_max = 100;
	q("url", FSIII_URL "?fhir_vs");
	cr_assert_eq(run(sv_op_vs_expand), SV_ETOOCOSTLY, "828 codes, cap 100, no count");
	cr_assert(strstr(req.err.message, "828"), "%s", req.err.message);
	q("count", "50");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "%s", req.err.message);
	cr_assert_eq(total(), 828);
	cr_assert_eq(ncontains(), 50);
	reset_params();
	q("url", FSIII_URL "?fhir_vs");
	q("count", "500");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK);
	cr_assert_eq(ncontains(), 100, "count over expand_max is cut to it");
	cr_assert_str_eq(exp_param("count", buf, sizeof(buf)), "100");
	reset_params();
	q("url", FSIII_URL "?fhir_vs");
	q("offset", "750");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "only 78 left after the offset: %s", req.err.message);
	cr_assert_eq(ncontains(), 78);
}

Test(vs, expand_text_filter)
{
	char buf[32];

	q("url", FSIII_URL "?fhir_vs");
	q("filter", "vask");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "%s", req.err.message);
	cr_assert_eq(total(), 8, "display, code or designation containing 'vask'");
	cr_assert_str_eq(exp_param("filter", buf, sizeof(buf)), "vask");
	reset_params();
	q("url", FSIII_URL "?fhir_vs");
	q("filter", "TØJ");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK);
	cr_assert_eq(total(), 4, "Tøjvask and friends, case folded");
	reset_params();
	q("url", FSIII_URL "?fhir_vs");
	q("filter", "Andre problemer med hud");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK);
	cr_assert_geq(total(), 1, "designations are searched too");
	reset_params();
	q("url", FSIII_URL "?fhir_vs");
	q("filter", "zzzz-no-such-text");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK);
	cr_assert_eq(total(), 0);
}

Test(vs, expand_filter_too_long)
{
	char f[300];

	memset(f, 'a', sizeof(f) - 1);
	f[sizeof(f) - 1] = '\0';
	q("url", FSIII_URL "?fhir_vs");
	q("filter", f);
	cr_assert_eq(run(sv_op_vs_expand), SV_ETOOBIG);
	cr_assert_str_eq(req.err.expression, "filter");
}

Test(vs, expand_designations_and_display_language)
{
	const cJSON *d;

	q("url", FSIII_URL "?fhir_vs");
	q("filter", "hud og slimhinder");
	q("includeDesignations", "true");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "%s", req.err.message);
	cr_assert_geq(ncontains(), 1);
	for (int i = 0; i < ncontains(); i++) {
		if (strcmp(istr(i, "code"), "I4.9") != 0)
			continue;
		d = cJSON_GetObjectItem(item(i), "designation");
		cr_assert_eq(cJSON_GetArraySize(d), 1);
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(d, 0), "value")),
				 "Andre problemer med hud og slimhinder");
		return;
	}
	cr_assert_fail("I4.9 not in the filtered expansion");
}

Test(vs, expand_stored_by_url_version_and_id)
{
	q("url", VS_BASE "egenomsorg");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "%s", req.err.message);
	cr_assert_eq(total(), 12, "the active version 1, not the draft 2");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "version")), "1");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "name")), "Egenomsorg");
	q("valueSetVersion", "2");
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "%s", req.err.message);
	cr_assert_eq(total(), 1);
	reset_params();
	q("url", VS_BASE "egenomsorg");
	q("valueSetVersion", "3");
	cr_assert_eq(run(sv_op_vs_expand), SV_ENOTFOUND);
	cr_assert_str_eq(req.err.expression, "valueSetVersion");
	reset_params();
	req.id = "egenomsorg-2";
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "%s", req.err.message);
	cr_assert_eq(total(), 1);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "id")), "egenomsorg-2");
	req.id = "nope";
	cr_assert_eq(run(sv_op_vs_expand), SV_ENOTFOUND);
}

Test(vs, expand_inline_valueset)
{
	cJSON *inl = sv_params_add_part(req.params, "valueSet");

	cJSON_DeleteItemFromObject(inl, "part");
	cJSON_AddItemToObject(inl, "resource", cJSON_Parse(
		"{\"resourceType\":\"ValueSet\",\"status\":\"draft\",\"compose\":{\"include\":[{\"system\":\""
		FSIII_URL "\",\"concept\":[{\"code\":\"B3\"},{\"code\":\"B1\"}]}]}}"));
	cr_assert_eq(run(sv_op_vs_expand), SV_OK, "%s", req.err.message);
	cr_assert_eq(total(), 2);
	cr_assert_str_eq(istr(0, "code"), "B3");
	cr_assert_str_eq(istr(0, "display"), "2");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "status")), "draft");
	q("url", VS_BASE "egenomsorg");
	cr_assert_eq(run(sv_op_vs_expand), SV_EINVAL, "url and valueSet both");
}

Test(vs, expand_errors)
{
	cr_assert_eq(run(sv_op_vs_expand), SV_EREQUIRED);
	cr_assert_str_eq(req.err.expression, "url");
	q("url", VS_BASE "nope");
	cr_assert_eq(run(sv_op_vs_expand), SV_ENOTFOUND);
	cr_assert(strstr(req.err.message, VS_BASE "nope"), "%s", req.err.message);
	reset_params();
	q("url", IPLOS_URL "?fhir_vs");
	{
		int st = 0;
		const cJSON *issue;
		cr_assert_eq(ts_run(&req, sv_op_vs_expand, &result, &st), SV_OK, "answered with an OperationOutcome");
		cr_assert_eq(st, 404, "IPLOS is not loaded");
		issue = cJSON_GetArrayItem(cJSON_GetObjectItem(result, "issue"), 0);
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(issue, "code")), "not-found");
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
				 cJSON_GetObjectItem(issue, "details"), "coding"), 0), "code")), "not-found",
				 "tx-issue-type not-found");
		cr_assert(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(issue, "details"), "text")),
				 "A definition for CodeSystem '" IPLOS_URL "' could not be found"));
	}
	reset_params();
	q("url", FSIII_URL "?fhir_vs=refset/1");
	cr_assert_eq(run(sv_op_vs_expand), SV_ENOTSUPPORTED);
	reset_params();
	q("url", VS_BASE "egenomsorg");
	q("url", VS_BASE "egenomsorg");
	cr_assert_eq(run(sv_op_vs_expand), SV_EINVAL, "url twice");
}

/* ---- $validate-code ---- */

static int out_bool(const char *name)
{
	const cJSON *p = sv_params_get(result, name);
	cr_assert_not_null(p, "no '%s' in the answer", name);
	return cJSON_IsTrue(cJSON_GetObjectItem(p, "valueBoolean"));
}

Test(vs, validate_code_member)
{
	q("url", VS_BASE "egenomsorg");
	q("system", FSIII_URL);
	q("code", "J1.8");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"));
	cr_assert_str_eq(sv_params_string(result, "display"), "Gå på toilet");
}

Test(vs, validate_code_not_member_unknown_code_unknown_system)
{
	q("url", VS_BASE "egenomsorg");
	q("coding", FSIII_URL "|J2");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert_not(out_bool("result"));
	cr_assert(strstr(sv_params_string(result, "message"), "was not found in the value set"), "%s",
		  sv_params_string(result, "message"));
	reset_params();
	q("url", VS_BASE "egenomsorg");
	q("coding", FSIII_URL "|J9.9");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK);
	cr_assert_not(out_bool("result"));
	cr_assert(strstr(sv_params_string(result, "message"), "Unknown code 'J9.9'"), "%s",
		  sv_params_string(result, "message"));
	reset_params();
	q("url", VS_BASE "egenomsorg");
	q("coding", IPLOS_URL "|20");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK);
	cr_assert_not(out_bool("result"));
	cr_assert(strstr(sv_params_string(result, "message"), "could not be found"), "%s",
		  sv_params_string(result, "message"));
}

Test(vs, validate_code_accepts_a_designation_as_display)
{
	/* I4.9's designation (from the FSIII file) is as valid a display as its display, as in
	 * CodeSystem/$validate-code. */
	q("url", FSIII_URL "?fhir_vs");
	q("system", FSIII_URL);
	q("code", "I4.9");
	q("display", "Andre problemer med hud og slimhinder");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"), "%s", sv_params_string(result, "message"));
	reset_params();
	q("url", FSIII_URL "?fhir_vs");
	q("system", FSIII_URL);
	q("code", "I4.9");
	q("display", "Andre problemer");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert_not(out_bool("result"));
}

Test(vs, validate_code_display)
{
	q("url", VS_BASE "egenomsorg");
	q("coding", FSIII_URL "|J1.1");
	q("display", "Vask");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert_not(out_bool("result"));
	cr_assert(strstr(sv_params_string(result, "message"), "'Vaske sig'"), "%s", sv_params_string(result, "message"));
	cr_assert_str_eq(sv_params_string(result, "display"), "Vaske sig");
}

Test(vs, validate_codeableconcept_and_errors)
{
	sv_params_add_value(req.params, "codeableConcept", "valueCodeableConcept",
			    cJSON_Parse("{\"coding\":[{\"system\":\"" FSIII_URL "\",\"code\":\"J2\"},"
					"{\"system\":\"" FSIII_URL "\",\"code\":\"J1.2\"}]}"));
	q("url", VS_BASE "egenomsorg");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"), "the second coding is a member");
	cr_assert_str_eq(sv_params_string(result, "display"), "Kropspleje");

	reset_params();
	sv_params_add_value(req.params, "codeableConcept", "valueCodeableConcept", cJSON_Parse("{\"text\":\"x\"}"));
	q("url", VS_BASE "egenomsorg");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_EINVAL, "no coding");

	reset_params();
	q("url", VS_BASE "egenomsorg");
	q("code", "J1.1");
	/* FHIR R5: "If a code is provided, either a system or inferSystem SHOULD be provided" — an
	 * answer that says why the code cannot be validated, not a refusal. */
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK, "code without system: %s", req.err.message);
	cr_assert_not(out_bool("result"));
	cr_assert(strstr(sv_params_string(result, "message"), "Coding has no system"), "%s",
		  sv_params_string(result, "message"));
	reset_params();
	q("url", VS_BASE "egenomsorg");
	q("code", "J1.1");
	q("inferSystem", "true");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"), "inferSystem takes the value set's system");
	cr_assert_str_eq(sv_params_string(result, "system"), FSIII_URL);

	reset_params();
	q("coding", FSIII_URL "|J1.1");
	cr_assert_eq(run(sv_op_vs_validate_code), SV_EREQUIRED, "no value set named");
}
