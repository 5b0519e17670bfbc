/* test_validate.c — the $validate-code engine (validate.h) called with C structs: every kind of issue it
 * reports, with its severity, type, tx-issue-type code and expression, over small made-up code systems
 * and value sets. */
#include "samsvar/validate.h"
#include "support/fixtures.h"

#include <criterion/criterion.h>
#include <string.h>

#define CS_URL "http://example.org/cs"
#define CI_URL "http://example.org/ci"
#define FR_URL "http://example.org/fragment"
#define VS_URL "http://example.org/vs"
#define DR_URL "http://example.org/draft"
#define WD_URL "http://example.org/withdrawn"

static const char RESOURCES[] =
	"[{\"resourceType\":\"CodeSystem\",\"url\":\"" CS_URL "\",\"version\":\"1.0.0\",\"status\":\"active\","
	"\"language\":\"en\",\"content\":\"complete\",\"concept\":["
	"{\"code\":\"a\",\"display\":\"Alpha\",\"designation\":[{\"language\":\"de\",\"value\":\"Alfa\"}]},"
	"{\"code\":\"b\",\"display\":\"Beta\"}]},"
	"{\"resourceType\":\"CodeSystem\",\"url\":\"" CS_URL "\",\"version\":\"2.0.0\",\"status\":\"active\","
	"\"language\":\"en\",\"content\":\"complete\",\"concept\":["
	"{\"code\":\"a\",\"display\":\"Alpha 2\",\"designation\":[{\"language\":\"de\",\"value\":\"Alfa 2\"}]},"
	"{\"code\":\"b\",\"display\":\"Beta 2\"},"
	"{\"code\":\"old\",\"display\":\"Old\",\"property\":[{\"code\":\"status\",\"valueCode\":\"retired\"}]},"
	"{\"code\":\"dep\",\"display\":\"Deprecated\",\"property\":[{\"code\":\"status\",\"valueCode\":\"deprecated\"}]},"
	"{\"code\":\"abs\",\"display\":\"Abstract\",\"property\":[{\"code\":\"notSelectable\",\"valueBoolean\":true}]}]},"
	"{\"resourceType\":\"CodeSystem\",\"url\":\"" CI_URL "\",\"version\":\"1\",\"status\":\"active\","
	"\"caseSensitive\":false,\"content\":\"complete\",\"concept\":[{\"code\":\"abc\",\"display\":\"ABC\"}]},"
	"{\"resourceType\":\"CodeSystem\",\"url\":\"" FR_URL "\",\"version\":\"1\",\"status\":\"active\","
	"\"content\":\"fragment\",\"concept\":[{\"code\":\"f1\",\"display\":\"F1\"}]},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "\",\"version\":\"5\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" CS_URL "\",\"concept\":[{\"code\":\"a\"},{\"code\":\"old\"},"
	"{\"code\":\"abs\"}]}]}},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-pinned\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" CS_URL "\",\"version\":\"1.x.x\"}]}},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-bad-pin\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" CS_URL "\",\"version\":\"9\"}]}},"
	"{\"resourceType\":\"CodeSystem\",\"url\":\"" DR_URL "\",\"version\":\"1\",\"status\":\"draft\","
	"\"content\":\"complete\",\"concept\":[{\"code\":\"d\",\"display\":\"D\",\"extension\":[{\"url\":"
	"\"http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status\",\"valueCode\":\"deprecated\"}]}]},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-active\",\"version\":\"1\",\"status\":\"active\","
	"\"experimental\":true,\"compose\":{\"inactive\":false,\"include\":[{\"system\":\"" CS_URL "\"}]}},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-unknown\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"http://example.org/nope\"}]}},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-fragment\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" FR_URL "\"}]}},"
	"{\"resourceType\":\"CodeSystem\",\"url\":\"" WD_URL "\",\"version\":\"1\",\"status\":\"active\","
	"\"content\":\"complete\",\"concept\":[{\"code\":\"w\",\"display\":\"Now\",\"designation\":[{\"value\":"
	"\"Then\",\"extension\":[{\"url\":\"http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status\","
	"\"valueCode\":\"withdrawn\"}]}]}]},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-marked\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" WD_URL "\",\"concept\":[{\"code\":\"w\",\"extension\":[{\"url\":"
	"\"http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status\",\"valueCode\":\"deprecated\"}]}]}]}},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-both\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" CS_URL "\",\"version\":\"1.0.0\"},{\"system\":\"" CS_URL "\","
	"\"version\":\"2.0.0\"}]}},"
	"{\"resourceType\":\"CodeSystem\",\"url\":\"" CS_URL "-nl\",\"version\":\"1\",\"status\":\"active\","
	"\"content\":\"supplement\",\"supplements\":\"" CS_URL "|2.0.0\",\"concept\":[{\"code\":\"b\","
	"\"designation\":[{\"language\":\"nl\",\"value\":\"Bèta\"}]}]},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-broken\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" CS_URL "\"}],\"exclude\":[{\"system\":\"" CS_URL "\",\"filter\":"
	"[{\"property\":\"concept\",\"op\":\"is-a\",\"value\":\"a\"},{\"property\":\"concept\",\"op\":\"is-a\"}]}]}},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-import\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"valueSet\":[\"" VS_URL "-nowhere\"]}]}},"
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_URL "-regex\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" CS_URL "\",\"filter\":[{\"property\":\"code\",\"op\":\"nonsense\","
	"\"value\":\"x\"}]}]}}]";

static struct sv_snapshot *snap;
static struct sv_vc_result res;
static struct sv_vc_coding codings[SV_VC_MAX_CODINGS];
static struct sv_vc_request rq;

static void setup(void)
{
	snap = ts_snapshot_of(ts_parse_json(RESOURCES));
	memset(&rq, 0, sizeof(rq));
	memset(codings, 0, sizeof(codings));
	rq.codings = codings;
	rq.ncodings = 1;
	rq.form = SV_VC_CODING;
	rq.abstract_ok = 1;
}

static void teardown(void)
{
	sv_vc_result_release(&res);
	sv_snapshot_release(snap);
}

TestSuite(validate, .init = setup, .fini = teardown);

static const cJSON *vs(const char *url)
{
	const struct sv_resource *r = sv_snapshot_valueset(snap, url, NULL);
	cr_assert_not_null(r, "%s", url);
	return r->resource;
}

static void run(void)
{
	struct sv_error err = {0};
	sv_vc_result_release(&res);
	cr_assert_eq(sv_validate(snap, &rq, &res, &err), SV_OK, "%s", err.message);
}

/* The issue with tx-issue-type `tx`, asserted present once. */
static const struct sv_vc_issue *issue(const char *tx)
{
	const struct sv_vc_issue *found = NULL;
	for (size_t i = 0; i < res.nissues; i++)
		if (strcmp(res.issues[i].tx, tx) == 0) {
			cr_assert_null(found, "two %s issues", tx);
			found = &res.issues[i];
		}
	cr_assert_not_null(found, "no %s issue (%zu issues, first: %s)", tx, res.nissues,
			   res.nissues ? res.issues[0].text : "-");
	return found;
}

static void expect(const char *tx, enum sv_vc_severity sev, const char *type, const char *expr, const char *frag)
{
	const struct sv_vc_issue *is = issue(tx);
	cr_assert_eq(is->severity, sev, "%s: severity %d", tx, is->severity);
	cr_assert_str_eq(is->type, type);
	cr_assert_str_eq(is->expression, expr);
	cr_assert(strstr(is->text, frag), "%s: '%s' lacks '%s'", tx, is->text, frag);
}

Test(validate, a_valid_code_reports_its_code_system_version_and_display)
{
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "a", "Alpha 2"};
	run();
	cr_assert_eq(res.result, 1);
	cr_assert_eq(res.nissues, 0, "%s", res.nissues ? res.issues[0].text : "");
	cr_assert_str_eq(res.code, "a");
	cr_assert_str_eq(res.system, CS_URL);
	cr_assert_str_eq(res.version, "2.0.0", "the latest version");
	cr_assert_str_eq(res.display, "Alpha 2");
	cr_assert_str_eq(sv_vc_severity_name(SV_VC_INFORMATION), "information");
}

Test(validate, an_unknown_system_is_not_found)
{
	codings[0] = (struct sv_vc_coding){"http://example.org/nope", NULL, "a", NULL};
	run();
	cr_assert_eq(res.result, 0);
	expect("not-found", SV_VC_ERROR, "not-found", "Coding.system", "could not be found");
	cr_assert_str_eq(res.unknown_system, "http://example.org/nope");
}

Test(validate, an_unknown_version_names_the_versions_held)
{
	rq.form = SV_VC_CODE;
	codings[0] = (struct sv_vc_coding){CS_URL, "3.0.0", "a", NULL};
	run();
	cr_assert_eq(res.result, 0);
	expect("not-found", SV_VC_ERROR, "not-found", "system", "Valid versions: 1.0.0 or 2.0.0");
	cr_assert_str_eq(res.unknown_version, CS_URL "|3.0.0");
}

Test(validate, an_unknown_code_is_invalid_code)
{
	codings[0] = (struct sv_vc_coding){CS_URL, "1.0.0", "zz", NULL};
	run();
	cr_assert_eq(res.result, 0);
	expect("invalid-code", SV_VC_ERROR, "code-invalid", "Coding.code", "Unknown code 'zz'");
	cr_assert_str_eq(issue("invalid-code")->id, "Unknown_Code_in_Version");
	cr_assert_null(res.display);
}

Test(validate, an_unknown_code_in_a_fragment_only_warns)
{
	codings[0] = (struct sv_vc_coding){FR_URL, NULL, "f9", NULL};
	run();
	cr_assert_eq(res.result, 1);
	expect("invalid-code", SV_VC_WARNING, "code-invalid", "Coding.code", "fragment");
	cr_assert_eq(issue("invalid-code")->in_message, 0);
}

Test(validate, a_wrong_display_names_the_valid_ones)
{
	codings[0] = (struct sv_vc_coding){CS_URL, "1.0.0", "a", "Alpah"};
	run();
	cr_assert_eq(res.result, 0);
	expect("invalid-display", SV_VC_ERROR, "invalid", "Coding.display",
	       "Valid display is one of 2 choices: 'Alpha' (en) or 'Alfa' (de)");
	cr_assert_str_eq(res.display, "Alpha");
}

Test(validate, wrong_white_space_and_lenient_display_validation)
{
	codings[0] = (struct sv_vc_coding){CS_URL, "1.0.0", "b", "Beta  "};
	run();
	expect("invalid-display", SV_VC_ERROR, "invalid", "Coding.display", "Wrong whitespace in Display Name");
	rq.lenient_display = 1;
	run();
	cr_assert_eq(res.result, 1, "lenient: a wrong display is a warning");
	expect("invalid-display", SV_VC_WARNING, "invalid", "Coding.display", "Wrong whitespace");
}

Test(validate, displays_are_checked_in_the_languages_asked_for)
{
	codings[0] = (struct sv_vc_coding){CS_URL, "1.0.0", "a", "Alpha"};
	rq.display_language = "de";
	run();
	cr_assert_eq(res.result, 0, "an English display when German is asked for");
	expect("invalid-display", SV_VC_ERROR, "invalid", "Coding.display", "'Alfa' (de) (for the language(s) 'de')");
	cr_assert_str_eq(res.display, "Alfa");
	codings[0].code = "b";
	codings[0].display = "Beta";
	rq.display_language = "fr, de;q=0.5";
	run();
	cr_assert_eq(res.result, 1, "no display in those languages: the default one is accepted");
	expect("invalid-display", SV_VC_INFORMATION, "invalid", "Coding.display", "valid display for the default");
	codings[0].display = "Bet";
	run();
	cr_assert_eq(res.result, 0);
	expect("invalid-display", SV_VC_ERROR, "invalid", "Coding.display", "Default display is 'Beta'");
}

Test(validate, a_code_outside_the_value_set_is_not_in_vs)
{
	rq.valueset = vs(VS_URL);
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "b", NULL};
	run();
	cr_assert_eq(res.result, 0);
	expect("not-in-vs", SV_VC_ERROR, "code-invalid", "Coding.code",
	       "'" CS_URL "#b' was not found in the value set '" VS_URL "|5'");
	cr_assert_str_eq(res.display, "Beta 2", "a known code still reports its display");
}

Test(validate, inactive_codes_warn_and_active_only_refuses_them)
{
	rq.valueset = vs(VS_URL);
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "old", NULL};
	run();
	cr_assert_eq(res.result, 1);
	cr_assert_eq(res.inactive, 1);
	expect("code-comment", SV_VC_WARNING, "business-rule", "Coding", "status of retired and inactive");
	rq.active_only = 1;
	run();
	cr_assert_eq(res.result, 0);
	expect("code-rule", SV_VC_ERROR, "business-rule", "Coding.code", "is valid but is not active");
	expect("not-in-vs", SV_VC_ERROR, "code-invalid", "Coding.code", "was not found");
}

Test(validate, deprecated_codes_warn)
{
	rq.form = SV_VC_CODE;
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "dep", NULL};
	run();
	cr_assert_eq(res.result, 1);
	cr_assert_eq(res.inactive, 0);
	expect("code-comment", SV_VC_WARNING, "business-rule", "code", "is deprecated");
}

Test(validate, abstract_codes_are_refused_when_abstract_is_false)
{
	rq.valueset = vs(VS_URL);
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "abs", NULL};
	run();
	cr_assert_eq(res.result, 1, "abstract defaults to true");
	rq.abstract_ok = 0;
	run();
	cr_assert_eq(res.result, 0);
	expect("code-rule", SV_VC_ERROR, "business-rule", "Coding.code", "is abstract");
}

Test(validate, case_differences_in_case_insensitive_systems)
{
	codings[0] = (struct sv_vc_coding){CI_URL, NULL, "ABC", NULL};
	run();
	cr_assert_eq(res.result, 1);
	cr_assert_str_eq(res.normalized_code, "abc");
	expect("code-rule", SV_VC_INFORMATION, "business-rule", "Coding.code", "differs from the correct code 'abc'");
	codings[0] = (struct sv_vc_coding){CS_URL, "1.0.0", "A", NULL};
	run();
	cr_assert_eq(res.result, 0, "a case-sensitive system takes no other case");
	expect("invalid-code", SV_VC_ERROR, "code-invalid", "Coding.code", "Unknown code 'A'");
}

Test(validate, a_code_without_system)
{
	rq.valueset = vs(VS_URL);
	codings[0] = (struct sv_vc_coding){NULL, NULL, "a", NULL};
	run();
	cr_assert_eq(res.result, 0);
	expect("invalid-data", SV_VC_WARNING, "invalid", "Coding", "Coding has no system");
	expect("not-in-vs", SV_VC_ERROR, "code-invalid", "Coding.code", "'#a'");
	rq.infer_system = 1;
	run();
	cr_assert_eq(res.result, 1, "inferSystem: the value set's system");
	cr_assert_str_eq(res.system, CS_URL);
	codings[0].code = "zz";
	run();
	cr_assert_eq(res.result, 0);
	expect("cannot-infer", SV_VC_ERROR, "not-found", "Coding.code", "could not be determined");
}

Test(validate, codeable_concept_against_a_value_set)
{
	rq.form = SV_VC_CODEABLECONCEPT;
	rq.valueset = vs(VS_URL);
	rq.ncodings = 2;
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "b", NULL};
	codings[1] = (struct sv_vc_coding){CS_URL, NULL, "a", NULL};
	run();
	cr_assert_eq(res.result, 1, "one coding in the value set is enough");
	cr_assert_str_eq(res.code, "a");
	expect("this-code-not-in-vs", SV_VC_INFORMATION, "code-invalid", "CodeableConcept.coding[0].code", "'" CS_URL "#b'");
	codings[1].code = "b";
	run();
	cr_assert_eq(res.result, 0);
	expect("not-in-vs", SV_VC_ERROR, "code-invalid", "", "No valid coding was found for the value set");
	codings[1] = (struct sv_vc_coding){CS_URL, NULL, "zz", NULL};
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "a", NULL};
	run();
	cr_assert_eq(res.result, 0, "an unknown code in another coding is still an error");
	expect("invalid-code", SV_VC_ERROR, "code-invalid", "CodeableConcept.coding[1].code", "Unknown code 'zz'");
}

Test(validate, codeable_concept_against_code_systems)
{
	rq.form = SV_VC_CODEABLECONCEPT;
	rq.ncodings = 2;
	codings[0] = (struct sv_vc_coding){"http://example.org/nope", NULL, "x", NULL};
	codings[1] = (struct sv_vc_coding){CS_URL, NULL, "a", NULL};
	run();
	cr_assert_eq(res.result, 1, "true when one coding is in its code system");
	expect("not-found", SV_VC_WARNING, "not-found", "CodeableConcept.coding[0].system", "could not be found");
	cr_assert_str_eq(res.code, "a");
}

Test(validate, versions_the_value_set_pins)
{
	rq.valueset = vs(VS_URL "-pinned");
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "a", NULL};
	run();
	cr_assert_eq(res.result, 1, "1.x.x takes 1.0.0");
	cr_assert_str_eq(res.version, "1.0.0");
	cr_assert_str_eq(res.display, "Alpha");
	codings[0].version = "2.0.0";
	run();
	cr_assert_eq(res.result, 0);
	expect("vs-invalid", SV_VC_ERROR, "invalid", "Coding.version", "version '1.x.x' in the ValueSet include is "
	       "different to the one in the value ('2.0.0')");
	rq.valueset = vs(VS_URL "-bad-pin");
	codings[0].version = NULL;
	run();
	cr_assert_eq(res.result, 0);
	expect("not-found", SV_VC_ERROR, "not-found", "Coding.system", "version '9' could not be found");
	cr_assert_str_eq(res.unknown_version, CS_URL "|9");
}

Test(validate, system_version_rules)
{
	struct sv_vc_version_rule rules[2] = {{SV_VC_DEFAULT_VERSION, CS_URL, "1.0.0"}};

	rq.rules = rules;
	rq.nrules = 1;
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "a", NULL};
	run();
	cr_assert_str_eq(res.version, "1.0.0", "system-version: the default when none is named");
	codings[0].version = "2.0.0";
	run();
	cr_assert_str_eq(res.version, "2.0.0", "the coding's own version wins over the default");
	rules[0] = (struct sv_vc_version_rule){SV_VC_FORCE_VERSION, CS_URL, "1.0.0"};
	codings[0].version = NULL;
	run();
	cr_assert_str_eq(res.version, "1.0.0", "force-system-version");
	rq.valueset = vs(VS_URL "-pinned");
	rules[0].version = "2.x";
	codings[0].version = "1.0.0";
	run();
	cr_assert_eq(res.result, 0, "force-system-version replaces what the value set pins, not the coding's");
	expect("vs-invalid", SV_VC_ERROR, "invalid", "Coding.version", "version '2.x' resulting from the version "
	       "'1.x.x' in the ValueSet include");
	rq.valueset = NULL;
	codings[0].version = "2.0.0";
	rules[0] = (struct sv_vc_version_rule){SV_VC_CHECK_VERSION, CS_URL, "1.x"};
	run();
	cr_assert_eq(res.result, 0);
	expect("version-error", SV_VC_ERROR, "exception", "Coding.version", "required to be '1.x'");
}

Test(validate, a_value_set_that_cannot_be_evaluated_is_an_error)
{
	struct sv_error err = {0};

	rq.valueset = vs(VS_URL "-regex");
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "a", NULL};
	cr_assert_neq(sv_validate(snap, &rq, &res, &err), SV_OK);
	cr_assert(err.message[0]);
}

Test(validate, a_local_system_is_invalid_data)
{
	codings[0] = (struct sv_vc_coding){"Location1", NULL, "a", NULL};
	run();
	cr_assert_eq(res.result, 0);
	expect("invalid-data", SV_VC_ERROR, "invalid", "Coding.system", "not a local reference");
	cr_assert_str_eq(res.unknown_system, "Location1");
}

Test(validate, draft_and_experimental_resources_are_noted_and_concept_status_reported)
{
	rq.form = SV_VC_CODE;
	codings[0] = (struct sv_vc_coding){DR_URL, NULL, "d", NULL};
	run();
	cr_assert_eq(res.result, 1);
	expect("status-check", SV_VC_INFORMATION, "business-rule", "", "Reference to draft CodeSystem " DR_URL "|1");
	expect("code-comment", SV_VC_WARNING, "business-rule", "code", "is deprecated");
	cr_assert_str_eq(res.status, "deprecated");
	rq.form = SV_VC_CODING;
	rq.valueset = vs(VS_URL "-active");
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "a", NULL};
	run();
	expect("status-check", SV_VC_INFORMATION, "business-rule", "", "Reference to experimental ValueSet");
	cr_assert_eq(issue("status-check")->in_message, 0);
}

Test(validate, a_value_set_without_inactive_codes_refuses_them)
{
	rq.valueset = vs(VS_URL "-active");
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "old", NULL};
	run();
	cr_assert_eq(res.result, 0);
	expect("code-rule", SV_VC_ERROR, "business-rule", "Coding.code", "is valid but is not active");
}

Test(validate, a_system_the_value_set_names_but_is_not_held)
{
	rq.valueset = vs(VS_URL "-unknown");
	codings[0] = (struct sv_vc_coding){"http://example.org/nope", NULL, "a", NULL};
	run();
	cr_assert_eq(res.result, 0);
	expect("not-found", SV_VC_ERROR, "not-found", "Coding.system", "could not be found");
	cr_assert_eq(res.nissues, 1, "no not-in-vs: the value set itself cannot be evaluated");
	cr_assert_str_eq(res.unknown_version, "http://example.org/nope");
	cr_assert_null(res.unknown_system);
}

Test(validate, a_fragment_cannot_say_a_code_is_outside_a_value_set)
{
	rq.valueset = vs(VS_URL "-fragment");
	codings[0] = (struct sv_vc_coding){FR_URL, NULL, "f9", NULL};
	run();
	cr_assert_eq(res.result, 1);
	expect("invalid-code", SV_VC_WARNING, "code-invalid", "Coding.code", "fragment");
	cr_assert_eq(res.nissues, 1);
}

Test(validate, a_value_set_importing_one_not_held_cannot_answer)
{
	rq.valueset = vs(VS_URL "-import");
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "a", NULL};
	run();
	cr_assert_eq(res.result, 0);
	expect("not-found", SV_VC_ERROR, "not-found", "", "value Set '" VS_URL "-nowhere' could not be found");
	cr_assert_eq(res.nissues, 1);
}

Test(validate, only_known_statuses_are_reported)
{
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "old", NULL};
	run();
	cr_assert_str_eq(res.status, "retired");
	codings[0].code = "a";
	run();
	cr_assert_null(res.status);
}

Test(validate, a_withdrawn_display_only_warns)
{
	codings[0] = (struct sv_vc_coding){WD_URL, NULL, "w", "Then"};
	run();
	cr_assert_eq(res.result, 1);
	expect("display-comment", SV_VC_WARNING, "invalid", "Coding.display", "no longer considered a correct display "
	       "for code 'w' (status = withdrawn). The correct display is one of \"Now\".");
}

Test(validate, a_value_set_may_mark_a_code_it_lists)
{
	rq.valueset = vs(VS_URL "-marked");
	codings[0] = (struct sv_vc_coding){WD_URL, NULL, "w", NULL};
	run();
	cr_assert_eq(res.result, 1);
	expect("code-comment", SV_VC_WARNING, "business-rule", "Coding.code", "is marked with a status of deprecated");
}

Test(validate, language_lists_are_checked)
{
	cr_assert(sv_vc_languages_valid(NULL));
	cr_assert(sv_vc_languages_valid("de"));
	cr_assert(sv_vc_languages_valid("en-GB, de;q=0.5, *"));
	cr_assert(sv_vc_languages_valid("zh-Hant-TW"));
	cr_assert_not(sv_vc_languages_valid("-"));
	cr_assert_not(sv_vc_languages_valid("en-"));
	cr_assert_not(sv_vc_languages_valid("1en"));
	cr_assert_not(sv_vc_languages_valid("en_GB"));
	cr_assert_not(sv_vc_languages_valid("abcdefghi"), "a subtag has at most 8 characters");
	cr_assert_not(sv_vc_languages_valid(""));
}

Test(validate, an_unknown_system_with_a_version)
{
	codings[0] = (struct sv_vc_coding){"http://example.org/nope", "2", "a", NULL};
	run();
	expect("not-found", SV_VC_ERROR, "not-found", "Coding.system", "version '2' could not be found, so the code "
	       "cannot be validated. No versions of this code system are known");
}

Test(validate, default_valueset_version_names_the_version_of_an_import)
{
	struct sv_vc_version_rule rules[1] = {{SV_VC_VALUESET_VERSION, VS_URL "-nowhere", "3"}};

	rq.rules = rules;
	rq.nrules = 1;
	rq.valueset = vs(VS_URL "-import");
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "a", NULL};
	run();
	expect("not-found", SV_VC_ERROR, "not-found", "", "value Set '" VS_URL "-nowhere|3' could not be found");
}

Test(validate, of_several_pinned_versions_the_one_that_takes_the_code_and_display)
{
	rq.valueset = vs(VS_URL "-both");
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "a", "Alpha"};
	run();
	cr_assert_eq(res.result, 1);
	cr_assert_str_eq(res.version, "1.0.0", "'Alpha' is a display of a in 1.0.0 only");
	codings[0].display = NULL;
	run();
	cr_assert_str_eq(res.version, "2.0.0", "else the latest");
	codings[0].code = "old";
	run();
	cr_assert_str_eq(res.version, "2.0.0", "the only one that has the code");
}

Test(validate, a_supplement_in_force_adds_displays)
{
	const struct sv_codesystem *supp = sv_snapshot_codesystem(snap, CS_URL "-nl", NULL);

	cr_assert_not_null(supp);
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "b", "Bèta"};
	run();
	cr_assert_eq(res.result, 0, "not without the supplement");
	rq.supplements = &supp;
	rq.nsupplements = 1;
	run();
	cr_assert_eq(res.result, 1, "%s", res.nissues ? res.issues[0].text : "");
	rq.display_language = "nl";
	run();
	cr_assert_str_eq(res.display, "Bèta", "the supplement's display in the language asked for");
}

Test(validate, a_filter_without_value_names_where_it_is)
{
	struct sv_error err = {0};

	rq.valueset = vs(VS_URL "-broken");
	codings[0] = (struct sv_vc_coding){CS_URL, NULL, "b", NULL};
	cr_assert_eq(sv_validate(snap, &rq, &res, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "ValueSet.compose.exclude[0].filter[1]");
	cr_assert(strstr(err.message, "filter with property = concept, op = is-a has no value"), "%s", err.message);
}
