/* test_api_txresource.c — black-box tests of tx-resource on every operation (issue 10): CodeSystems
 * and ValueSets sent with a request are found before stored content, may lack a version, are never
 * seen by another request, and a bad one is a 400 naming the parameter. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/daemon.h"
#include "support/support.h"

TS_DAEMON_SUITE(NULL)
TS_DAEMON_SUITE_END()

#define CS_URL "http://example.org/fhir/CodeSystem/tx-test"
#define VS_URL "http://example.org/fhir/ValueSet/tx-test"

/* A two-level code system (a > b, c); `version` NULL leaves it without one. */
static void add_cs(char *buf, size_t cap, const char *version)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, ",{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\","
		 "\"url\":\"" CS_URL "\",%s%s%s\"status\":\"active\",\"content\":\"complete\",\"concept\":["
		 "{\"code\":\"a\",\"display\":\"Alpha\",\"concept\":[{\"code\":\"b\",\"display\":\"Beta\"}]},"
		 "{\"code\":\"c\",\"display\":\"Gamma\"}]}}", version ? "\"version\":\"" : "",
		 version ? version : "", version ? "\"," : "");
}

static void add_vs(char *buf, size_t cap)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, ",{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"ValueSet\","
		 "\"url\":\"" VS_URL "\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\"" CS_URL
		 "\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\",\"value\":\"a\"}]}]}}}");
}

/* POSTs {"resourceType":"Parameters","parameter":[<params><extra>]} to `op`. */
static cJSON *post(const char *op, const char *params, int cs, const char *cs_version, int vs, long *status)
{
	char body[8192], path[128];
	cJSON *j;

	snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"parameter\":[%s", params);
	if (cs)
		add_cs(body, sizeof(body), cs_version);
	if (vs)
		add_vs(body, sizeof(body));
	strcat(body, "]}");
	snprintf(path, sizeof(path), "/fhir/%s", op);
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	j = ts_post_json(path, body, status);
	cr_assert_not_null(j, "no JSON from %s", op);
	return j;
}

Test(txresource, lookup_finds_a_code_system_sent_with_the_request)
{
	long st;
	cJSON *r = post("CodeSystem/$lookup", "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},"
			"{\"name\":\"code\",\"valueCode\":\"b\"}", 1, "2.0", 0, &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_str_eq(ts_param_str(r, "display"), "Beta");
	cr_assert_str_eq(ts_param_str(r, "version"), "2.0");
	cJSON_Delete(r);
}

Test(txresource, a_code_system_without_version_is_served_without_one)
{
	long st;
	cJSON *r = post("CodeSystem/$lookup", "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},"
			"{\"name\":\"code\",\"valueCode\":\"c\"}", 1, NULL, 0, &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_str_eq(ts_param_str(r, "display"), "Gamma");
	cr_assert_null(ts_param(r, "version"), "no empty version is invented");
	cJSON_Delete(r);
}

Test(txresource, validate_code_and_subsumes_read_the_layer)
{
	long st;
	cJSON *r = post("CodeSystem/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},"
			"{\"name\":\"code\",\"valueCode\":\"b\"},{\"name\":\"display\",\"valueString\":\"Beta\"}",
			1, "1", 0, &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert(ts_param_bool(r, "result"));
	cJSON_Delete(r);
	r = post("CodeSystem/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" CS_URL "\"},"
		 "{\"name\":\"code\",\"valueCode\":\"zz\"}", 1, "1", 0, &st);
	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_not(ts_param_bool(r, "result"));
	cJSON_Delete(r);
	r = post("CodeSystem/$subsumes", "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},"
		 "{\"name\":\"codeA\",\"valueCode\":\"a\"},{\"name\":\"codeB\",\"valueCode\":\"b\"}", 1, "1", 0, &st);
	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_str_eq(ts_param_str(r, "outcome"), "subsumes");
	cJSON_Delete(r);
}

Test(txresource, expand_and_validate_a_value_set_sent_with_its_code_system)
{
	long st;
	cJSON *r = post("ValueSet/$expand", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
			"{\"name\":\"excludeNested\",\"valueBoolean\":true}", 1, NULL, 1, &st);
	const cJSON *exp, *c;
	int n = 0;

	cr_assert_eq(st, 200, "%ld", st);
	exp = cJSON_GetObjectItem(r, "expansion");
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(exp, "contains")) {
		cr_assert_null(cJSON_GetObjectItem(c, "version"), "no empty version is invented");
		n++;
	}
	cr_assert_eq(n, 2, "a and its child b, not c");
	cJSON_Delete(r);
	r = post("ValueSet/$validate-code", "{\"name\":\"url\",\"valueUri\":\"" VS_URL "\"},"
		 "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},{\"name\":\"code\",\"valueCode\":\"c\"}",
		 1, "1", 1, &st);
	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_not(ts_param_bool(r, "result"), "c is not in the value set");
	cJSON_Delete(r);
}

Test(txresource, a_layer_is_never_seen_by_the_next_request)
{
	long st;
	char path[256];
	cJSON *r = post("CodeSystem/$lookup", "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},"
			"{\"name\":\"code\",\"valueCode\":\"b\"}", 1, "1", 0, &st);

	cr_assert_eq(st, 200);
	cJSON_Delete(r);
	snprintf(path, sizeof(path), "/fhir/CodeSystem/$lookup?system=%s&code=b", CS_URL);
	r = ts_get_json(path, &st);
	cr_assert_eq(st, 404, "the code system of an earlier request is not kept: %ld", st);
	cJSON_Delete(r);
	r = ts_get_json("/fhir/CodeSystem?url=" CS_URL, &st);
	cr_assert_eq(st, 200);
	cr_assert_eq(cJSON_GetObjectItem(r, "total")->valueint, 0, "nor stored");
	cJSON_Delete(r);
}

Test(txresource, stored_content_is_still_found_under_a_layer)
{
	long st;
	cJSON *r = post("CodeSystem/$lookup", "{\"name\":\"system\",\"valueUri\":\"urn:oid:2.16.578.1.12.4.1.1.9111\"},"
			"{\"name\":\"code\",\"valueCode\":\"7\"}", 1, "1", 0, &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_not_null(ts_param_str(r, "display"));
	cJSON_Delete(r);
}

Test(txresource, a_bad_tx_resource_is_a_400_naming_it)
{
	static const char *const bad[] = {
		"{\"name\":\"tx-resource\",\"valueString\":\"x\"}",
		"{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"Patient\"}}",
		"{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\",\"status\":\"active\"}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char params[512];
		long st;
		cJSON *r, *expr;
		snprintf(params, sizeof(params), "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},"
			 "{\"name\":\"code\",\"valueCode\":\"b\"},%s", bad[i]);
		r = post("CodeSystem/$lookup", params, 0, NULL, 0, &st);
		cr_assert_eq(st, 400, "case %zu: %ld", i, st);
		expr = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "issue"), 0),
							      "expression"), 0);
		cr_assert(cJSON_IsString(expr) && strcmp(expr->valuestring, "tx-resource") == 0, "case %zu", i);
		cJSON_Delete(r);
	}
}

/* $lookup says whether the code is inactive, and gives the designations of the supplements in force
 * with the supplement as their source; a supplement that is not held is refused. */
Test(txresource, lookup_with_a_supplement_and_the_inactive_property)
{
	long st;
	cJSON *r = post("CodeSystem/$lookup", "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},"
			"{\"name\":\"code\",\"valueCode\":\"b\"},{\"name\":\"useSupplement\",\"valueCanonical\":\""
			CS_URL "-nb\"},{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\",\"url\":\""
			CS_URL "-nb\",\"version\":\"3\",\"status\":\"active\",\"content\":\"supplement\",\"supplements\":\""
			CS_URL "\",\"concept\":[{\"code\":\"b\",\"designation\":[{\"language\":\"nb\",\"value\":\"Beta (nb)\"}]}]}}",
			1, "2.0", 0, &st);
	const cJSON *p, *part;
	int sourced = 0, inactive = 0;

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_str_eq(ts_param_str(r, "code"), "b");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ts_param(r, "used-supplement"), "valueCanonical")),
			 CS_URL "-nb|3");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(r, "parameter")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(p, "name"));
		cJSON_ArrayForEach(part, cJSON_GetObjectItem(p, "part")) {
			const char *pn = cJSON_GetStringValue(cJSON_GetObjectItem(part, "name"));
			if (strcmp(name, "designation") == 0 && strcmp(pn, "source") == 0)
				sourced += strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(part, "valueCanonical")),
						  CS_URL "-nb|3") == 0;
			if (strcmp(name, "property") == 0 && strcmp(pn, "code") == 0 &&
			    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(part, "valueCode")), "inactive") == 0)
				inactive++;
		}
	}
	cr_assert_eq(sourced, 1, "the nb designation names its supplement");
	cr_assert_eq(inactive, 1, "inactive is said (false) even though the code system has no such property");
	cJSON_Delete(r);
	r = post("CodeSystem/$lookup", "{\"name\":\"system\",\"valueUri\":\"" CS_URL "\"},"
		 "{\"name\":\"code\",\"valueCode\":\"b\"},{\"name\":\"useSupplement\",\"valueCanonical\":\""
		 CS_URL "-none\"}", 1, "2.0", 0, &st);
	cr_assert_eq(st, 404, "%ld", st);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "resourceType")), "OperationOutcome");
	cJSON_Delete(r);
}
