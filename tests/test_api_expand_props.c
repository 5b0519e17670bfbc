/* test_api_expand_props.c — black-box tests of what an $expand `contains` entry says beyond code and
 * display (gateway/expand_props.c): the properties FHIR defines through extensions (label, order,
 * weight) from the value set's include, a supplement and the code system, in that order of
 * precedence; `status` from a standards-status extension; properties a supplement gives (`property`);
 * the extensions an include's concept carries onto its entry (valueset-deprecated,
 * valueset-concept-definition, rendering-*), and its designations. Everything is sent as tx-resource. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/daemon.h"
#include "support/support.h"

/* A small property budget, so a test can pass it (expand_max_properties). */
TS_DAEMON_SUITE("expand_max_properties = 40")
TS_DAEMON_SUITE_END()

#define CS_URL "http://example.org/fhir/CodeSystem/props-test"
#define SUPP_URL "http://example.org/fhir/CodeSystem/props-supplement"
#define VS_URL "http://example.org/fhir/ValueSet/props-test"
#define SD "http://hl7.org/fhir/StructureDefinition/"
#define EXT(name, type, value) "{\"url\":\"" SD name "\",\"value" type "\":" value "}"

/* a: order 2, label and a rendering style; b: deprecated (standards-status), weight 3; c: plain. */
#define CS \
	"{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\",\"url\":\"" CS_URL "\"," \
	"\"version\":\"1\",\"status\":\"active\",\"content\":\"complete\",\"concept\":[" \
	"{\"code\":\"a\",\"display\":\"A\",\"extension\":[" EXT("codesystem-conceptOrder", "Integer", "2") "," \
	EXT("codesystem-label", "String", "\"cs-a\"") "," EXT("rendering-style", "String", "\"bold\"") "]}," \
	"{\"code\":\"b\",\"display\":\"B\",\"extension\":[" EXT("structuredefinition-standards-status", "Code", \
	"\"deprecated\"") "," EXT("itemWeight", "Decimal", "3") "]}," \
	"{\"code\":\"c\",\"display\":\"C\"}]}}"

/* Gives a a label, a weight and the property rank; b a rendering style. */
#define SUPP \
	"{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\",\"url\":\"" SUPP_URL "\"," \
	"\"version\":\"1\",\"status\":\"active\",\"content\":\"supplement\",\"supplements\":\"" CS_URL "\"," \
	"\"property\":[{\"code\":\"rank\",\"uri\":\"http://example.org/rank\",\"type\":\"string\"}],\"concept\":[" \
	"{\"code\":\"a\",\"property\":[{\"code\":\"rank\",\"valueString\":\"first\"}],\"extension\":[" \
	EXT("codesystem-label", "String", "\"supp-a\"") "," EXT("itemWeight", "Decimal", "1.5") "]}," \
	"{\"code\":\"b\",\"extension\":[" EXT("rendering-style", "String", "\"italic\"") "]}]}}"

/* Lists a (its own label, deprecated here, an extension of no known meaning, a designation) and b (a
 * definition of its own, order 0); the whole system brings c. */
#define VS \
	"{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "\"," \
	"\"version\":\"1\",\"status\":\"active\",\"extension\":[" EXT("valueset-supplement", "Canonical", \
	"\"" SUPP_URL "|1\"") "],\"compose\":{\"include\":[{\"system\":\"" CS_URL "\",\"concept\":[" \
	"{\"code\":\"a\",\"extension\":[" EXT("valueset-label", "String", "\"vs-a\"") "," \
	EXT("valueset-deprecated", "Boolean", "true") ",{\"url\":\"http://example.org/no-such-extension\"," \
	"\"valueString\":\"stays in the definition\"}],\"designation\":[{\"language\":\"nb\",\"value\":\"A (nb)\"}]}," \
	"{\"code\":\"b\",\"extension\":[" EXT("valueset-concept-definition", "String", "\"b in this value set\"") "," \
	EXT("valueset-conceptOrder", "Integer", "0") "]}]},{\"system\":\"" CS_URL "\"}]}}}"

/* POSTs $expand of VS_URL with `params` and the three resources; R5 answers when `r5`. */
static cJSON *expand(const char *params, int r5, long *status)
{
	static const char *const h4[] = {"Accept: application/fhir+json", "Content-Type: application/fhir+json", NULL};
	static const char *const h5[] = {"Accept: application/fhir+json; fhirVersion=5.0",
					 "Content-Type: application/fhir+json", NULL};
	char body[8192];
	struct ts_resp r;
	cJSON *j;

	snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"url\","
		 "\"valueUri\":\"" VS_URL "\"}%s%s," CS "," SUPP "," VS "]}", *params ? "," : "", params);
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir/ValueSet/$expand", r5 ? h5 : h4, body, strlen(body), &r), 0);
	*status = r.status;
	j = cJSON_Parse(r.body);
	cr_assert_not_null(j, "no JSON from $expand: %s", r.body);
	free(r.body);
	return j;
}

/* The contains entry with `code`, or NULL. */
static const cJSON *entry(const cJSON *vs, const char *code)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItem(cJSON_GetObjectItem(vs, "expansion"), "contains"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "code")), code) == 0)
			return c;
	return NULL;
}

/* The `code` member of list `name` of `node` whose `key` is `value`, or NULL. */
static const cJSON *item(const cJSON *node, const char *name, const char *key, const char *value)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItem(node, name))
		if (cJSON_GetStringValue(cJSON_GetObjectItem(p, key)) &&
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, key)), value) == 0)
			return p;
	return NULL;
}

static const cJSON *prop(const cJSON *c, const char *code)
{
	return item(c, "property", "code", code);
}

static const cJSON *ext(const cJSON *c, const char *url)
{
	return item(c, "extension", "url", url);
}

/* The uri expansion.property declares for `code`, or NULL. */
static const char *declared(const cJSON *vs, const char *code)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(item(cJSON_GetObjectItem(vs, "expansion"), "property", "code", code),
							"uri"));
}

Test(expand_props, label_order_and_weight_from_the_include_the_supplement_and_the_code_system)
{
	long st;
	cJSON *r = expand("", 1, &st);
	const cJSON *a = entry(r, "a"), *b = entry(r, "b"), *c = entry(r, "c");

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert(a && b && c);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(prop(a, "label"), "valueString")), "vs-a",
			 "the value set's label wins over the supplement's and the code system's");
	cr_assert_eq(cJSON_GetObjectItem(prop(a, "order"), "valueDecimal")->valuedouble, 2, "the code system's order");
	cr_assert_eq(cJSON_GetObjectItem(prop(a, "weight"), "valueDecimal")->valuedouble, 1.5, "the supplement's weight");
	cr_assert_null(prop(b, "label"));
	cr_assert_eq(cJSON_GetObjectItem(prop(b, "order"), "valueDecimal")->valuedouble, 0, "the value set's order");
	cr_assert_eq(cJSON_GetObjectItem(prop(b, "weight"), "valueDecimal")->valuedouble, 3);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(prop(b, "status"), "valueCode")), "deprecated",
			 "standards-status says the concept is deprecated");
	cr_assert_null(prop(a, "status"));
	cr_assert_null(cJSON_GetObjectItem(c, "property"), "c has none of them");
	cr_assert_null(prop(a, "rank"), "a supplement's own property only when asked for");
	cr_assert_str_eq(declared(r, "label"), "http://hl7.org/fhir/concept-properties#label");
	cr_assert_str_eq(declared(r, "order"), "http://hl7.org/fhir/concept-properties#order");
	cr_assert_str_eq(declared(r, "weight"), "http://hl7.org/fhir/concept-properties#itemWeight");
	cr_assert_str_eq(declared(r, "status"), "http://hl7.org/fhir/concept-properties#status");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "expansion"), "property")), 4);
	cJSON_Delete(r);
}

Test(expand_props, the_include_concept_s_extensions_and_designations_are_carried)
{
	long st;
	cJSON *r = expand("{\"name\":\"includeDesignations\",\"valueBoolean\":true}", 1, &st);
	const cJSON *a = entry(r, "a"), *b = entry(r, "b"), *c = entry(r, "c");

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(ext(a, SD "valueset-deprecated"), "valueBoolean")));
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ext(a, SD "rendering-style"), "valueString")), "bold",
			 "the code system's rendering");
	cr_assert_null(ext(a, "http://example.org/no-such-extension"), "an unknown extension is not carried");
	cr_assert_null(ext(a, SD "valueset-label"), "a label travels as the label property, not as the extension");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a, "extension")), 2);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(item(a, "designation", "language", "nb"), "value")),
			 "A (nb)", "the include's designation");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ext(b, SD "valueset-concept-definition"), "valueString")),
			 "b in this value set");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(ext(b, SD "rendering-style"), "valueString")), "italic",
			 "the supplement's rendering");
	cr_assert_null(ext(b, SD "structuredefinition-standards-status"), "the code system's status is a property");
	cr_assert_null(cJSON_GetObjectItem(c, "extension"), "c, listed by no include concept, carries nothing");
	cJSON_Delete(r);
}

Test(expand_props, a_supplement_s_property_when_asked_for)
{
	long st;
	cJSON *r = expand("{\"name\":\"property\",\"valueString\":\"rank\"}", 1, &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(prop(entry(r, "a"), "rank"), "valueString")), "first");
	cr_assert_str_eq(declared(r, "rank"), "http://example.org/rank", "declared with the supplement's uri");
	cr_assert_null(prop(entry(r, "b"), "rank"));
	cJSON_Delete(r);
	r = expand("{\"name\":\"property\",\"valueString\":\"*\"}", 1, &st);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(prop(entry(r, "a"), "rank"), "valueString")), "first",
			 "* takes the supplement's properties too");
	cJSON_Delete(r);
}

/* R4 has no contains.property: the label travels in the R5 cross-version extension (code, value). */
Test(expand_props, in_r4_the_properties_travel_in_the_cross_version_extension)
{
	long st;
	cJSON *r = expand("", 0, &st);
	const cJSON *a = entry(r, "a"), *x;
	int labels = 0;

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_null(cJSON_GetObjectItem(a, "property"));
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(a, "extension")) {
		const cJSON *sub = cJSON_GetObjectItem(x, "extension");
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(x, "url")),
			   "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property") != 0 ||
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(sub, 0), "valueCode")), "label") != 0)
			continue;
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(sub, 1), "valueString")), "vs-a");
		labels++;
	}
	cr_assert_eq(labels, 1);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(ext(a, SD "valueset-deprecated"), "valueBoolean")));
	cJSON_Delete(r);
}

/* $expand property=* of a tx-resource code system whose one concept has n properties. */
static char *props_body(int n)
{
	size_t cap = 400 + (size_t)n * 120;
	char *b = malloc(cap), *p = b;

	p += sprintf(p, "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"url\",\"valueUri\":\"http://x/vs\"},"
		     "{\"name\":\"property\",\"valueString\":\"*\"},{\"name\":\"tx-resource\",\"resource\":"
		     "{\"resourceType\":\"CodeSystem\",\"url\":\"http://x/props\",\"version\":\"1\",\"status\":\"active\","
		     "\"content\":\"complete\",\"concept\":[{\"code\":\"a\",\"property\":[");
	for (int i = 0; i < n; i++)
		p += sprintf(p, "%s{\"code\":\"p%d\",\"valueString\":\"v\"}", i ? "," : "", i);
	sprintf(p, "]}]}},{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"ValueSet\",\"url\":"
		"\"http://x/vs\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\"http://x/props\"}]}}}]}");
	return b;
}

/* An answer holds at most expand_max_properties property values: within it every one is there; one
 * more is a 422 too-costly, never a shortened list. */
Test(expand_props, property_values_are_capped_not_cut)
{
	char *body = props_body(40);
	long status;
	cJSON *r = ts_post_json("/fhir/ValueSet/$expand", body, &status), *c;

	cr_assert_eq(status, 200, "%s", ts_issue_text(r));
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "expansion"), "contains"), 0);
	cr_assert_not_null(c);
	{
		char *text = cJSON_PrintUnformatted(c);
		cr_assert(strstr(text, "\"p0\"") && strstr(text, "\"p39\""), "every property is in the entry");
		free(text);
	}
	cJSON_Delete(r);
	free(body);
	body = props_body(41);
	r = ts_post_json("/fhir/ValueSet/$expand", body, &status);
	cr_assert_eq(status, 422);
	cr_assert_not_null(strstr(ts_issue_text(r), "expand_max_properties"));
	cJSON_Delete(r);
	free(body);
}
