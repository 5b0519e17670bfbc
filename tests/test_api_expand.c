/* test_api_expand.c — black-box tests of ValueSet $expand as the FHIR specification defines it
 * (issue 10): the parameters used echoed in expansion.parameter, the hierarchy in `contains` unless
 * excludeNested, activeOnly, abstract and inactive codes, properties and designations, paging, the
 * version rules, and the errors — all over a code system and value set sent as tx-resource. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/daemon.h"
#include "support/support.h"

TS_DAEMON_SUITE("expand_max = 3")
TS_DAEMON_SUITE_END()

#define CS_URL "http://example.org/fhir/CodeSystem/exp-test"
#define VS_URL "http://example.org/fhir/ValueSet/exp-test"

/* a (abstract) > b (retired), b2; c with a definition and designations in two languages. */
#define CS(version) \
	"{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\",\"url\":\"" CS_URL "\"," \
	"\"version\":\"" version "\",\"status\":\"active\",\"content\":\"complete\",\"property\":[" \
	"{\"code\":\"status\",\"uri\":\"http://hl7.org/fhir/concept-properties#status\",\"type\":\"code\"}," \
	"{\"code\":\"notSelectable\",\"uri\":\"http://hl7.org/fhir/concept-properties#notSelectable\",\"type\":\"boolean\"}," \
	"{\"code\":\"colour\",\"uri\":\"http://example.org/colour\",\"type\":\"code\"}],\"concept\":[" \
	"{\"code\":\"a\",\"display\":\"Alpha\",\"property\":[{\"code\":\"notSelectable\",\"valueBoolean\":true}]," \
	"\"concept\":[{\"code\":\"b\",\"display\":\"Beta\",\"property\":[{\"code\":\"status\",\"valueCode\":\"retired\"}]}," \
	"{\"code\":\"b2\",\"display\":\"Beta 2\"}]}," \
	"{\"code\":\"c\",\"display\":\"Gamma\",\"definition\":\"The third\",\"property\":[{\"code\":\"colour\"," \
	"\"valueCode\":\"red\"}],\"designation\":[{\"language\":\"de\",\"value\":\"Gamma (de)\"}," \
	"{\"language\":\"nb\",\"value\":\"Gamma (nb)\"}]}]}}"

#define VS_ALL \
	"{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "\"," \
	"\"version\":\"1\",\"name\":\"ExpTest\",\"status\":\"active\",\"description\":\"not echoed\"," \
	"\"compose\":{\"include\":[{\"system\":\"" CS_URL "\"}]}}}"

/* POSTs {"resourceType":"Parameters","parameter":[url, <params>, the code system, the value set]}. */
static cJSON *expand(const char *params, long *status)
{
	char body[8192];
	cJSON *j;

	snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"url\","
		 "\"valueUri\":\"" VS_URL "\"}%s%s," CS("1.0") "," VS_ALL "]}", *params ? "," : "", params);
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	j = ts_post_json("/fhir/ValueSet/$expand", body, status);
	cr_assert_not_null(j, "no JSON from $expand");
	return j;
}

static const cJSON *expansion(const cJSON *vs)
{
	return cJSON_GetObjectItem(vs, "expansion");
}

/* The expansion.parameter named `name` (the first), or NULL. */
static const cJSON *eparam(const cJSON *vs, const char *name)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItem(expansion(vs), "parameter"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")), name) == 0)
			return p;
	return NULL;
}

/* The contains entry with `code` at any depth, or NULL. */
static const cJSON *find(const cJSON *contains, const char *code)
{
	const cJSON *c, *in;

	cJSON_ArrayForEach(c, contains) {
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "code")), code) == 0)
			return c;
		if ((in = find(cJSON_GetObjectItem(c, "contains"), code)) != NULL)
			return in;
	}
	return NULL;
}

/* Whether the JSON text of `j` contains `text`. */
static int has_text(const cJSON *j, const char *text)
{
	char *s = cJSON_Print(j);
	int yes = s && strstr(s, text) != NULL;

	free(s);
	return yes;
}

static const cJSON *contains(const cJSON *vs)
{
	return cJSON_GetObjectItem(expansion(vs), "contains");
}

Test(expand, the_hierarchy_nests_children_unless_excludeNested)
{
	long st;
	cJSON *r = expand("{\"name\":\"count\",\"valueInteger\":3},{\"name\":\"excludeNested\",\"valueBoolean\":false}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(cJSON_GetArraySize(contains(r)), 3, "count pages a flat list");
	cJSON_Delete(r);
	r = expand("{\"name\":\"activeOnly\",\"valueBoolean\":true}", &st);
	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(cJSON_GetArraySize(contains(r)), 2, "a (holding b2) and c");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
			 find(contains(r), "a"), "contains"), 0), "code")), "b2");
	cr_assert_eq(cJSON_GetObjectItem(expansion(r), "total")->valueint, 3, "total counts every code");
	cJSON_Delete(r);
	r = expand("{\"name\":\"activeOnly\",\"valueBoolean\":true},{\"name\":\"excludeNested\",\"valueBoolean\":true}", &st);
	cr_assert_eq(cJSON_GetArraySize(contains(r)), 3, "flat");
	cJSON_Delete(r);
	/* Without paging: a holds b and b2; c is beside it. expand_max (3) counts codes, not top entries:
	 * 4 codes are too many without count. */
	r = expand("", &st);
	cr_assert_eq(st, 422, "4 codes over expand_max 3: %ld", st);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "resourceType")), "OperationOutcome");
	cJSON_Delete(r);
}

Test(expand, echoes_the_parameters_it_used_and_says_what_it_used)
{
	long st;
	cJSON *r = expand("{\"name\":\"excludeNested\",\"valueBoolean\":true},{\"name\":\"activeOnly\",\"valueBoolean\":true},"
			  "{\"name\":\"count\",\"valueInteger\":10},{\"name\":\"unknownThing\",\"valueString\":\"x\"}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(eparam(r, "excludeNested"), "valueBoolean")));
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(eparam(r, "activeOnly"), "valueBoolean")));
	cr_assert_eq(cJSON_GetObjectItem(eparam(r, "count"), "valueInteger")->valueint, 3, "the count used: expand_max");
	cr_assert_null(eparam(r, "unknownThing"), "only $expand's own parameters are echoed");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(eparam(r, "used-codesystem"), "valueUri")), CS_URL "|1.0");
	cr_assert_null(cJSON_GetObjectItem(r, "compose"), "the definition stays with the value set");
	cr_assert_null(cJSON_GetObjectItem(r, "description"));
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "name")), "ExpTest");
	cr_assert_eq(cJSON_GetObjectItem(expansion(r), "total")->valueint, 3, "activeOnly leaves the retired b out");
	cr_assert_null(find(contains(r), "b"));
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(find(contains(r), "a"), "abstract")), "a is notSelectable");
	cr_assert_null(cJSON_GetObjectItem(find(contains(r), "c"), "abstract"));
	cJSON_Delete(r);
}

Test(expand, inactive_codes_say_so_and_excludeNotForUI_drops_abstract_ones)
{
	long st;
	cJSON *r = expand("{\"name\":\"count\",\"valueInteger\":3},{\"name\":\"excludeNotForUI\",\"valueBoolean\":true}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_null(find(contains(r), "a"), "a is abstract");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(find(contains(r), "b"), "inactive")), "b is retired");
	cr_assert_eq(cJSON_GetObjectItem(expansion(r), "total")->valueint, 3);
	cJSON_Delete(r);
}

Test(expand, properties_and_designations_as_asked)
{
	long st;
	cJSON *r = expand("{\"name\":\"count\",\"valueInteger\":3},{\"name\":\"offset\",\"valueInteger\":1},"
			  "{\"name\":\"property\",\"valueString\":\"definition\"},{\"name\":\"property\",\"valueString\":\"colour\"},"
			  "{\"name\":\"includeDesignations\",\"valueBoolean\":true},"
			  "{\"name\":\"designation\",\"valueString\":\"urn:ietf:bcp:47|nb\"}", &st);
	const cJSON *c, *p, *props;
	int n = 0;

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(cJSON_GetObjectItem(expansion(r), "offset")->valueint, 1);
	cr_assert_eq(cJSON_GetArraySize(contains(r)), 3, "b, b2, c after a");
	c = find(contains(r), "c");
	cr_assert_not_null(c);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(c, "designation")), 1, "only the nb designation");
	/* R4 (the default) carries them in the R5 cross-version extensions: code, then value. */
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(c, "extension")) {
		const cJSON *sub = cJSON_GetObjectItem(p, "extension");
		const char *code = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(sub, 0), "valueCode"));
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(p, "url")),
				 "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property");
		if (strcmp(code, "definition") == 0)
			cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(sub, 1), "valueString")),
					 "The third");
		else
			cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(sub, 1), "valueCode")),
					 "red");
		n++;
	}
	cr_assert_eq(n, 2);
	cr_assert_null(cJSON_GetObjectItem(c, "property"), "R4 has no contains.property");
	props = cJSON_GetObjectItem(expansion(r), "extension");
	cr_assert_eq(cJSON_GetArraySize(props), 3, "each property used is declared once: status (b is retired), "
		     "definition, colour");
	cr_assert(has_text(props, "http://example.org/colour") && has_text(props, "concept-properties#definition"));
	cJSON_Delete(r);
}

Test(expand, version_rules_choose_and_check_the_version)
{
	long st;
	cJSON *r = expand("{\"name\":\"count\",\"valueInteger\":3},"
			  "{\"name\":\"force-system-version\",\"valueCanonical\":\"" CS_URL "|1.x\"}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(eparam(r, "force-system-version"), "valueUri")),
			 CS_URL "|1.x", "a rule that chose the version is echoed as a canonical");
	cJSON_Delete(r);
	r = expand("{\"name\":\"count\",\"valueInteger\":3},"
		   "{\"name\":\"force-system-version\",\"valueCanonical\":\"" CS_URL "|2.0\"}", &st);
	cr_assert_eq(st, 404, "version 2.0 is not held: %ld", st);
	cr_assert(has_text(r, "version '2.0' could not be found"), "names the version");
	cJSON_Delete(r);
	r = expand("{\"name\":\"count\",\"valueInteger\":3},"
		   "{\"name\":\"check-system-version\",\"valueCanonical\":\"" CS_URL "|2.x\"}", &st);
	cr_assert_eq(st, 404, "the versionless include takes the pattern, and no 2.x is held: %ld", st);
	cJSON_Delete(r);
	r = expand("{\"name\":\"count\",\"valueInteger\":3},"
		   "{\"name\":\"force-system-version\",\"valueCanonical\":\"" CS_URL "|1.0\"},"
		   "{\"name\":\"check-system-version\",\"valueCanonical\":\"" CS_URL "|2.x\"}", &st);
	cr_assert_eq(st, 400, "1.0 is forced, and the check wants 2.x: %ld", st);
	cr_assert(has_text(r, "\"exception\"") && has_text(r, "version-error") && has_text(r, "VALUESET_VERSION_CHECK"));
	cJSON_Delete(r);
	r = expand("{\"name\":\"count\",\"valueInteger\":3},"
		   "{\"name\":\"force-system-version\",\"valueCanonical\":\"" CS_URL "|9\"}", &st);
	cr_assert_eq(st, 404, "%ld", st);
	cr_assert(has_text(r, "Valid versions: 1.0") && has_text(r, "UNKNOWN_CODESYSTEM_VERSION_EXP"));
	cJSON_Delete(r);
	r = expand("{\"name\":\"count\",\"valueInteger\":3},"
		   "{\"name\":\"useSupplement\",\"valueCanonical\":\"http://example.org/no-supplement\"}", &st);
	cr_assert_eq(st, 404, "%ld", st);
	cr_assert(has_text(r, "Required supplement not found: http://example.org/no-supplement"));
	cr_assert(has_text(r, "VALUESET_SUPPLEMENT_MISSING"));
	cJSON_Delete(r);
	r = expand("{\"name\":\"count\",\"valueInteger\":3},"
		   "{\"name\":\"system-version\",\"valueCanonical\":\"not a canonical\"}", &st);
	cr_assert_eq(st, 400, "%ld", st);
	cJSON_Delete(r);
}

Test(expand, unknown_value_sets_and_code_systems_are_404)
{
	long st;
	char body[1024];
	cJSON *r;

	snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"url\","
		 "\"valueUri\":\"http://example.org/nope\"}]}");
	r = ts_post_json("/fhir/ValueSet/$expand", body, &st);
	cr_assert_eq(st, 404, "%ld", st);
	cJSON_Delete(r);
	snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"valueSet\",\"resource\":"
		 "{\"resourceType\":\"ValueSet\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":"
		 "\"http://example.org/no-such-system\"}]}}}]}");
	r = ts_post_json("/fhir/ValueSet/$expand", body, &st);
	cr_assert_eq(st, 404, "%ld", st);
	cr_assert(has_text(r, "A definition for CodeSystem 'http://example.org/no-such-system' could not "
		  "be found"), "names the code system");
	cJSON_Delete(r);
}

Test(expand, too_many_designation_filters_are_refused)
{
	char params[4096] = "";
	long st;
	cJSON *r;

	for (int i = 0; i < 33; i++)
		strcat(params, i ? ",{\"name\":\"designation\",\"valueString\":\"de\"}" :
				   "{\"name\":\"designation\",\"valueString\":\"de\"}");
	r = expand(params, &st);
	cr_assert_eq(st, 413, "33 designation parameters, at most 32: %ld", st);
	cJSON_Delete(r);
}

Test(expand, displays_in_the_language_asked_and_the_other_names_as_designations)
{
	long st;
	cJSON *r = expand("{\"name\":\"count\",\"valueInteger\":3},{\"name\":\"offset\",\"valueInteger\":1},"
			  "{\"name\":\"displayLanguage\",\"valueCode\":\"de,*; q=0\"},"
			  "{\"name\":\"includeDesignations\",\"valueBoolean\":true}", &st);
	const cJSON *c, *ds;

	cr_assert_eq(st, 200, "%ld", st);
	c = find(contains(r), "c");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(c, "display")), "Gamma (de)");
	ds = cJSON_GetObjectItem(c, "designation");
	cr_assert_eq(cJSON_GetArraySize(ds), 2, "its own display and the nb one; not the de one shown");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(ds, 0), "value")), "Gamma");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(ds, 0), "use"),
							      "code")), "preferredForLanguage");
	cr_assert_null(cJSON_GetObjectItem(find(contains(r), "b2"), "display"), "no German name, and * is refused");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(eparam(r, "displayLanguage"), "valueCode")), "de,*; q=0");
	cJSON_Delete(r);
	r = expand("{\"name\":\"count\",\"valueInteger\":3},{\"name\":\"offset\",\"valueInteger\":1},"
		   "{\"name\":\"includeDesignations\",\"valueBoolean\":true},"
		   "{\"name\":\"designation\",\"valueString\":\"urn:ietf:bcp:47|n\"}", &st);
	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_null(cJSON_GetObjectItem(find(contains(r), "c"), "designation"), "'n' is not 'nb'");
	cJSON_Delete(r);
}

/* A value set may set the displayLanguage of its expansions (valueset-expansion-parameter on compose). */
Test(expand, the_value_set_sets_the_display_language)
{
	long st;
	cJSON *r = ts_post_json("/fhir/ValueSet/$expand", "{\"resourceType\":\"Parameters\",\"parameter\":["
				"{\"name\":\"count\",\"valueInteger\":3},{\"name\":\"valueSet\",\"resource\":{\"resourceType\":"
				"\"ValueSet\",\"status\":\"active\",\"compose\":{\"extension\":[{\"url\":\"http://hl7.org/fhir/"
				"StructureDefinition/valueset-expansion-parameter\",\"extension\":[{\"url\":\"name\",\"valueCode\":"
				"\"displayLanguage\"},{\"url\":\"value\",\"valueCode\":\"nb\"}]}],\"include\":[{\"system\":\""
				CS_URL "\",\"concept\":[{\"code\":\"c\"}]}]}}}," CS("1.0") "]}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(find(contains(r), "c"), "display")), "Gamma (nb)");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(eparam(r, "displayLanguage"), "valueCode")), "nb");
	cJSON_Delete(r);
}

/* Two versions side by side: each code says its version, and an exclude that names a version takes
 * codes out of that version only (ValueSet.compose.exclude.version). */
Test(expand, an_exclude_of_one_version_leaves_the_other)
{
	long st;
	cJSON *r = ts_post_json("/fhir/ValueSet/$expand", "{\"resourceType\":\"Parameters\",\"parameter\":["
				"{\"name\":\"excludeNested\",\"valueBoolean\":true},{\"name\":\"valueSet\",\"resource\":{"
				"\"resourceType\":\"ValueSet\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\""
				CS_URL "\",\"version\":\"1.0\",\"concept\":[{\"code\":\"c\"}]},{\"system\":\"" CS_URL "\","
				"\"version\":\"2.0\",\"concept\":[{\"code\":\"c\"}]}],\"exclude\":[{\"system\":\"" CS_URL "\","
				"\"version\":\"1.0\",\"concept\":[{\"code\":\"c\"}]}]}}}," CS("1.0") "," CS("2.0") "]}", &st);
	const cJSON *c;

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_eq(cJSON_GetObjectItem(expansion(r), "total")->valueint, 1);
	c = cJSON_GetArrayItem(contains(r), 0);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(c, "version")), "2.0",
			 "two versions are used, so each code names its own");
	cJSON_Delete(r);
}

/* A code system held as a fragment: the expansion says it may not be closed (valueset-unclosed). */
Test(expand, a_fragment_makes_an_unclosed_expansion)
{
	long st;
	cJSON *r = ts_post_json("/fhir/ValueSet/$expand", "{\"resourceType\":\"Parameters\",\"parameter\":["
				"{\"name\":\"valueSet\",\"resource\":{\"resourceType\":\"ValueSet\",\"status\":\"active\","
				"\"compose\":{\"include\":[{\"system\":\"http://example.org/frag\"}]}}},{\"name\":\"tx-resource\","
				"\"resource\":{\"resourceType\":\"CodeSystem\",\"url\":\"http://example.org/frag\",\"version\":\"1\","
				"\"status\":\"active\",\"content\":\"fragment\",\"concept\":[{\"code\":\"x\"}]}}]}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert(has_text(cJSON_GetObjectItem(expansion(r), "extension"), "valueset-unclosed"));
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(eparam(r, "used-fragment"), "valueUri")),
			 "http://example.org/frag|1");
	cJSON_Delete(r);
}
