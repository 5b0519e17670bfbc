/* test_api_validate.c — black-box tests of $validate-code (issue 10) over HTTP with tx-resource: the
 * answer carries code, system, version, display and an `issues` OperationOutcome whose issues have a
 * tx-issue-type coding and an expression; an unknown value set is a 404 that says so; a request the
 * engine must not take (bad canonicals, too many codings, two forms at once) is a 4xx naming the
 * parameter. Every answer is also checked against the FHIR R4 schema (tests/run.sh). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samsvar/validate.h"
#include "support/daemon.h"
#include "support/support.h"

TS_DAEMON_SUITE(NULL)
TS_DAEMON_SUITE_END()

#define CS_URL "http://example.org/fhir/CodeSystem/vc"
#define VS_URL "http://example.org/fhir/ValueSet/vc"
#define TX "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"

/* A code system (a, b; old is retired) and a value set of a and old, as tx-resource parameters. */
static const char RESOURCES[] =
	",{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\",\"url\":\"" CS_URL "\","
	"\"version\":\"1.0\",\"status\":\"active\",\"content\":\"complete\",\"language\":\"en\",\"concept\":["
	"{\"code\":\"a\",\"display\":\"Alpha\"},{\"code\":\"b\",\"display\":\"Beta\"},"
	"{\"code\":\"old\",\"display\":\"Old\",\"property\":[{\"code\":\"status\",\"valueCode\":\"retired\"}]}]}}"
	",{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "\","
	"\"version\":\"2\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\"" CS_URL "\","
	"\"concept\":[{\"code\":\"a\"},{\"code\":\"old\"}]}]}}}";

/* POSTs Parameters [<params>, the tx-resources] to `op` and returns the answer with its status. */
static cJSON *post(const char *op, const char *params, long *status)
{
	char body[16384], path[128];
	cJSON *j;

	snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"parameter\":[%s%s]}", params, RESOURCES);
	snprintf(path, sizeof(path), "/fhir/%s", op);
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	j = ts_post_json(path, body, status);
	cr_assert_not_null(j, "no JSON from %s", op);
	return j;
}

/* The issue of the `issues` OperationOutcome (or of an OperationOutcome answer) whose tx-issue-type
 * is `tx`; asserts its severity and expression ("" = none). */
static void expect_issue(const cJSON *answer, const char *tx, const char *severity, const char *expression)
{
	const cJSON *p = ts_param(answer, "issues"), *oo = p ? cJSON_GetObjectItem(p, "resource") : answer, *is;

	cJSON_ArrayForEach(is, cJSON_GetObjectItem(oo, "issue")) {
		const cJSON *coding = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(is, "details"), "coding"), 0);
		const cJSON *expr = cJSON_GetArrayItem(cJSON_GetObjectItem(is, "expression"), 0);
		if (!coding || strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(coding, "code")), tx) != 0)
			continue;
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(coding, "system")), TX);
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(is, "severity")), severity, "%s", tx);
		cr_assert_str_eq(expr ? cJSON_GetStringValue(expr) : "", expression, "%s", tx);
		cr_assert_null(cJSON_GetObjectItem(is, "location"), "location is deprecated: expression only");
		cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(is, "details"), "text")));
		return;
	}
	cr_assert_fail("no %s issue", tx);
}

Test(apivalidate, a_wrong_display_answers_with_the_code_and_an_invalid_display_issue)
{
	char *text;
	long st;
	cJSON *r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
			"{\"name\":\"coding\",\"valueCoding\":{\"system\":\"" CS_URL "\",\"code\":\"a\",\"display\":\"Alfa\"}}",
			&st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(ts_param_bool(r, "result"), 0);
	cr_assert_str_eq(ts_param_str(r, "code"), "a");
	cr_assert_str_eq(ts_param_str(r, "system"), CS_URL);
	cr_assert_str_eq(ts_param_str(r, "version"), "1.0");
	cr_assert_str_eq(ts_param_str(r, "display"), "Alpha");
	cr_assert(strstr(ts_param_str(r, "message"), "Wrong Display Name 'Alfa'"), "%s", ts_param_str(r, "message"));
	expect_issue(r, "invalid-display", "error", "Coding.display");
	text = cJSON_PrintUnformatted(r);
	cr_assert(strstr(text, "operationoutcome-message-id"), "the issue names its message");
	free(text);
	cJSON_Delete(r);
}

Test(apivalidate, a_valid_code_has_no_issues_and_an_inactive_one_warns)
{
	long st;
	cJSON *r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
			"{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},{\"name\":\"code\",\"valueCode\":\"a\"}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(ts_param_bool(r, "result"), 1);
	cr_assert_null(ts_param(r, "issues"));
	cr_assert_null(ts_param(r, "message"));
	cJSON_Delete(r);
	r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
		 "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},{\"name\":\"code\",\"valueCode\":\"old\"}", &st);
	cr_assert_eq(ts_param_bool(r, "result"), 1);
	cr_assert_eq(ts_param_bool(r, "inactive"), 1);
	expect_issue(r, "code-comment", "warning", "code");
	cJSON_Delete(r);
	r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
		 "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},{\"name\":\"code\",\"valueCode\":\"old\"},"
		 "{\"name\":\"activeOnly\",\"valueBoolean\":true}", &st);
	cr_assert_eq(ts_param_bool(r, "result"), 0);
	expect_issue(r, "code-rule", "error", "code");
	expect_issue(r, "not-in-vs", "error", "code");
	cJSON_Delete(r);
}

Test(apivalidate, unknown_systems_versions_and_codes)
{
	long st;
	cJSON *r = post("CodeSystem/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},"
			"{\"name\":\"code\",\"valueCode\":\"zz\"}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(ts_param_bool(r, "result"), 0);
	expect_issue(r, "invalid-code", "error", "code");
	cJSON_Delete(r);
	r = post("CodeSystem/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},"
		 "{\"name\":\"version\",\"valueString\":\"9\"},{\"name\":\"code\",\"valueCode\":\"a\"}", &st);
	cr_assert_eq(ts_param_bool(r, "result"), 0);
	expect_issue(r, "not-found", "error", "system");
	cr_assert_str_eq(ts_param_str(r, "x-caused-by-unknown-system"), CS_URL "|9");
	cJSON_Delete(r);
	r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
		 "{\"name\":\"coding\",\"valueCoding\":{\"system\":\"http://example.org/none\",\"code\":\"a\"}}", &st);
	cr_assert_eq(ts_param_bool(r, "result"), 0);
	expect_issue(r, "not-found", "error", "Coding.system");
	expect_issue(r, "not-in-vs", "error", "Coding.code");
	cr_assert_str_eq(ts_param_str(r, "x-unknown-system"), "http://example.org/none");
	cJSON_Delete(r);
}

Test(apivalidate, a_codeable_concept_is_echoed_with_an_issue_per_coding)
{
	long st;
	cJSON *r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
			"{\"name\":\"codeableConcept\",\"valueCodeableConcept\":{\"coding\":["
			"{\"system\":\"" CS_URL "\",\"code\":\"b\"},{\"system\":\"" CS_URL "\",\"code\":\"a\"}]}}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(ts_param_bool(r, "result"), 1);
	cr_assert_str_eq(ts_param_str(r, "code"), "a");
	cr_assert_not_null(ts_param(r, "codeableConcept"));
	expect_issue(r, "this-code-not-in-vs", "information", "CodeableConcept.coding[0].code");
	cJSON_Delete(r);
}

Test(apivalidate, an_unknown_value_set_is_a_404_that_says_not_found)
{
	long st;
	cJSON *r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "-x\"},"
			"{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},{\"name\":\"code\",\"valueCode\":\"a\"}", &st);

	cr_assert_eq(st, 404, "%ld", st);
	cr_assert_str_eq(ts_issue_code(r), "not-found");
	expect_issue(r, "not-found", "error", "");
	cr_assert(strstr(ts_issue_text(r), VS_URL "-x"), "%s", ts_issue_text(r));
	cJSON_Delete(r);
}

Test(apivalidate, requests_the_engine_does_not_take_are_4xx_naming_the_parameter)
{
	char many[SV_VC_MAX_CODINGS * 80 + 200];
	size_t n;
	long st;
	cJSON *r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
			"{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},{\"name\":\"code\",\"valueCode\":\"a\"},"
			"{\"name\":\"system-version\",\"valueCanonical\":\"" CS_URL "\"}", &st);

	cr_assert_eq(st, 400, "a canonical without |version: %ld", st);
	cr_assert(strstr(ts_issue_text(r), "system-version"), "%s", ts_issue_text(r));
	cJSON_Delete(r);

	r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
		 "{\"name\":\"code\",\"valueCode\":\"a\"},{\"name\":\"codeableConcept\",\"valueCodeableConcept\":"
		 "{\"coding\":[{\"system\":\"" CS_URL "\",\"code\":\"a\"}]}}", &st);
	cr_assert_eq(st, 400, "code and codeableConcept: %ld", st);
	cJSON_Delete(r);

	r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
		 "{\"name\":\"codeableConcept\",\"valueCodeableConcept\":{\"coding\":[{\"system\":\"" CS_URL "\"}]}}", &st);
	cr_assert_eq(st, 400, "a coding without code: %ld", st);
	cJSON_Delete(r);

	r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
		 "{\"name\":\"coding\",\"valueCoding\":{\"system\":\"" CS_URL "\",\"code\":\"a\"}},"
		 "{\"name\":\"activeOnly\",\"valueString\":\"maybe\"}", &st);
	cr_assert_eq(st, 400, "a flag that is not a boolean: %ld", st);
	cJSON_Delete(r);

	n = (size_t)snprintf(many, sizeof(many), "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
			     "{\"name\":\"codeableConcept\",\"valueCodeableConcept\":{\"coding\":[");
	for (int i = 0; i <= SV_VC_MAX_CODINGS; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%s{\"system\":\"" CS_URL "\",\"code\":\"a\"}",
				      i ? "," : "");
	snprintf(many + n, sizeof(many) - n, "]}}");
	r = post("ValueSet/$validate-code", many, &st);
	cr_assert_eq(st, 413, "more codings than the cap: %ld", st);
	cJSON_Delete(r);

	r = post("CodeSystem/$validate-code", "{\"name\":\"code\",\"valueCode\":\"a\"}", &st);
	cr_assert_eq(st, 400, "no code system named: %ld", st);
	cJSON_Delete(r);
}

Test(apivalidate, the_rules_for_versions_are_read)
{
	long st;
	cJSON *r = post("CodeSystem/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},"
			"{\"name\":\"code\",\"valueCode\":\"a\"},"
			"{\"name\":\"check-system-version\",\"valueCanonical\":\"" CS_URL "|2.x\"}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(ts_param_bool(r, "result"), 0);
	expect_issue(r, "version-error", "error", "version");
	cJSON_Delete(r);
}

Test(apivalidate, a_value_set_may_say_which_language_its_displays_are_in)
{
	long st;
	cJSON *r = post("ValueSet/$validate-code", "{\"name\":\"valueSet\",\"resource\":{\"resourceType\":\"ValueSet\","
			"\"status\":\"active\",\"compose\":{\"extension\":[{\"url\":\"http://hl7.org/fhir/StructureDefinition/"
			"valueset-expansion-parameter\",\"extension\":[{\"url\":\"name\",\"valueCode\":\"displayLanguage\"},"
			"{\"url\":\"value\",\"valueCode\":\"de\"}]}],\"include\":[{\"system\":\"" CS_URL "\"}]}}},"
			"{\"name\":\"coding\",\"valueCoding\":{\"system\":\"" CS_URL "\",\"code\":\"b\",\"display\":\"Bet\"}}",
			&st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(ts_param_bool(r, "result"), 0);
	cr_assert(strstr(ts_param_str(r, "message"), "for language(s) 'de'"), "%s", ts_param_str(r, "message"));
	cJSON_Delete(r);
}

Test(apivalidate, a_display_language_that_is_not_a_language_is_refused)
{
	long st;
	cJSON *r = post("CodeSystem/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},"
			"{\"name\":\"code\",\"valueCode\":\"a\"},{\"name\":\"displayLanguage\",\"valueCode\":\"-\"}", &st);

	cr_assert_eq(st, 400, "%ld", st);
	cr_assert_str_eq(ts_issue_code(r), "processing");
	expect_issue(r, "invalid-display", "error", "");
	cr_assert(strstr(ts_issue_text(r), "Invalid displayLanguage: '-'"), "%s", ts_issue_text(r));
	cJSON_Delete(r);
}

Test(apivalidate, more_refusals_each_naming_its_parameter)
{
	char rules[SV_VC_MAX_VERSION_RULES * 120 + 200];
	size_t n;
	long st;
	cJSON *r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
			"{\"name\":\"codeableConcept\",\"valueCodeableConcept\":{\"coding\":[{\"system\":\"" CS_URL "\","
			"\"code\":\"a\"}]}},{\"name\":\"codeableConcept\",\"valueCodeableConcept\":{\"coding\":["
			"{\"system\":\"" CS_URL "\",\"code\":\"b\"}]}}", &st);

	cr_assert_eq(st, 400, "two codeableConcepts: %ld", st);
	cr_assert(strstr(ts_issue_text(r), "more than once"), "%s", ts_issue_text(r));
	cJSON_Delete(r);

	r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
		 "{\"name\":\"codeableConcept\",\"valueString\":\"a\"}", &st);
	cr_assert_eq(st, 400, "a codeableConcept that is not one: %ld", st);
	cJSON_Delete(r);

	n = (size_t)snprintf(rules, sizeof(rules), "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},"
			     "{\"name\":\"code\",\"valueCode\":\"a\"}");
	for (int i = 0; i <= SV_VC_MAX_VERSION_RULES; i++)
		n += (size_t)snprintf(rules + n, sizeof(rules) - n, ",{\"name\":\"system-version\",\"valueCanonical\":"
				      "\"http://example.org/s%d|1\"}", i);
	r = post("CodeSystem/$validate-code", rules, &st);
	cr_assert_eq(st, 413, "more version rules than the cap: %ld", st);
	cJSON_Delete(r);

	r = post("CodeSystem/nope/$validate-code", "{\"name\":\"code\",\"valueCode\":\"a\"}", &st);
	cr_assert_eq(st, 404, "an unknown CodeSystem instance: %ld", st);
	cJSON_Delete(r);
}

Test(apivalidate, a_supplement_that_is_not_held_is_refused)
{
	long st;
	cJSON *r = post("CodeSystem/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},"
			"{\"name\":\"code\",\"valueCode\":\"a\"},{\"name\":\"useSupplement\",\"valueCanonical\":"
			"\"http://example.org/none\"}", &st);

	cr_assert_eq(st, 404, "%ld", st);
	expect_issue(r, "not-found", "error", "");
	cr_assert(strstr(ts_issue_text(r), "Required supplement not found: http://example.org/none"), "%s",
		  ts_issue_text(r));
	cJSON_Delete(r);
}

Test(apivalidate, supplements_in_force_are_capped)
{
	char body[4096];
	size_t n;
	long st;
	cJSON *r;

	n = (size_t)snprintf(body, sizeof(body), "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},{\"name\":\"code\","
			     "\"valueCode\":\"a\"},{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\","
			     "\"url\":\"" CS_URL "-de\",\"status\":\"active\",\"content\":\"supplement\",\"supplements\":"
			     "\"" CS_URL "\",\"concept\":[{\"code\":\"a\",\"designation\":[{\"language\":\"de\","
			     "\"value\":\"Alfa\"}]}]}}");
	for (int i = 0; i <= SV_VC_MAX_SUPPLEMENTS; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, ",{\"name\":\"useSupplement\",\"valueCanonical\":"
				      "\"" CS_URL "-de\"}");
	r = post("CodeSystem/$validate-code", body, &st);
	cr_assert_eq(st, 413, "more supplements than the cap: %ld", st);
	cJSON_Delete(r);
	r = post("CodeSystem/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},{\"name\":\"code\","
		 "\"valueCode\":\"a\"},{\"name\":\"display\",\"valueString\":\"Alfa\"},{\"name\":\"tx-resource\","
		 "\"resource\":{\"resourceType\":\"CodeSystem\",\"url\":\"" CS_URL "-de\",\"status\":\"active\","
		 "\"content\":\"supplement\",\"supplements\":\"" CS_URL "\",\"concept\":[{\"code\":\"a\","
		 "\"designation\":[{\"language\":\"de\",\"value\":\"Alfa\"}]}]}},{\"name\":\"useSupplement\","
		 "\"valueCanonical\":\"" CS_URL "-de\"}", &st);
	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(ts_param_bool(r, "result"), 1, "the supplement's designation is a display");
	cJSON_Delete(r);
}

Test(apivalidate, a_value_set_that_cannot_be_evaluated_is_its_own_fault)
{
	long st;
	cJSON *r = post("ValueSet/$validate-code", "{\"name\":\"valueSet\",\"resource\":{\"resourceType\":\"ValueSet\","
			"\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\"" CS_URL "\",\"filter\":["
			"{\"property\":\"concept\",\"op\":\"is-a\"}]}]}}},"
			"{\"name\":\"coding\",\"valueCoding\":{\"system\":\"" CS_URL "\",\"code\":\"a\"}}", &st);

	cr_assert_eq(st, 400, "%ld", st);
	cr_assert_str_eq(ts_issue_code(r), "invalid");
	expect_issue(r, "vs-invalid", "error", "ValueSet.compose.include[0].filter[0]");
	cJSON_Delete(r);
}
