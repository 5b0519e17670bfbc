/* test_op_codesystem.c — CodeSystem $lookup, $validate-code and $subsumes, called directly with a
 * struct sv_request over a snapshot of the real FSIII and ICF files plus one small made-up code system
 * (designations, languages and custom properties, which the real files do not carry). */
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "support/support.h"

#include "support/fixtures.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FSIII_URL "urn:oid:1.2.208.176.2.21"
#define ICF_URL "http://hl7.org/fhir/sid/icf"
#define IPLOS_URL "urn:oid:2.16.578.1.12.4.1.1.9111"
#define TEST_URL "https://fhir.samsvar.no/CodeSystem/test-lookup"

static struct sv_snapshot *snap;
static struct sv_config cfg;
static struct sv_request req;
static cJSON *result;

/* ---- fixture ---- */


static const char TEST_CS[] =
	"{\"resourceType\":\"CodeSystem\",\"id\":\"test-lookup\",\"url\":\"" TEST_URL "\",\"version\":\"1\","
	"\"name\":\"TestLookup\",\"status\":\"active\",\"language\":\"nb\",\"content\":\"complete\",\"concept\":["
	"{\"code\":\"A\",\"display\":\"Alfa\",\"definition\":\"Første\",\"designation\":["
	"{\"language\":\"en\",\"use\":{\"system\":\"https://fhir.samsvar.no/CodeSystem/test-use\",\"code\":\"syn\"},"
	"\"value\":\"Alpha\"},{\"language\":\"da-DK\",\"value\":\"Alfa på dansk\"}],"
	"\"property\":[{\"code\":\"status\",\"valueCode\":\"active\"},{\"code\":\"weight\",\"valueDecimal\":2.5}],"
	"\"concept\":[{\"code\":\"B\",\"display\":\"Beta\"}]},"
	"{\"code\":\"C\",\"display\":\"Gamma\",\"property\":[{\"code\":\"parent\",\"valueCode\":\"A\"}]}]}";

static void setup(void)
{
	snap = ts_snapshot_of(ts_list(ts_shared_json("terminology/fsiii-codesystem-20240530.json"), ts_icf(),
				      cJSON_Parse(TEST_CS), NULL));
	ts_request_init(&req, snap, &cfg, "CodeSystem");
	result = NULL;
}

static void teardown(void)
{
	ts_request_release(&req, result, snap);
}

TestSuite(cs, .init = setup, .fini = teardown);

/* Adds a GET-style (valueString) parameter. */
static void q(const char *name, const char *value)
{
	sv_params_add(req.params, name, "String", value);
}

static enum sv_err run(sv_handler_fn fn)
{
	return ts_run(&req, fn, &result, NULL);
}

static const char *out_str(const char *name)
{
	return sv_params_string(result, name);
}

static int out_bool(const char *name)
{
	const cJSON *p = sv_params_get(result, name);
	cr_assert_not_null(p, "no '%s' in the answer", name);
	return cJSON_IsTrue(cJSON_GetObjectItem(p, "valueBoolean"));
}

/* Collects the valueCode of every `property` part with code `code`, joined by ',' (in order). */
static const char *props(const char *code, char *buf, size_t cap)
{
	const cJSON *p;
	size_t o = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(result, "parameter")) {
		const char *v;
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")), "property") != 0 ||
		    strcmp(sv_params_string(p, "code"), code) != 0)
			continue;
		v = sv_params_string(p, "value");
		o += (size_t)snprintf(buf + o, o < cap ? cap - o : 0, "%s%s", o ? "," : "", v ? v : "?");
	}
	return buf;
}

/* ---- $lookup ---- */

Test(cs, lookup_fsiii_nested_concept)
{
	char buf[512];

	q("system", FSIII_URL);
	q("code", "J1.1");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(out_str("name"), "FSIII");
	cr_assert_str_eq(out_str("version"), "20240530");
	cr_assert_str_eq(out_str("display"), "Vaske sig");
	cr_assert(strncmp(out_str("definition"), "Vaske og tørre sig", 18) == 0, "%s", out_str("definition"));
	cr_assert_str_eq(props("parent", buf, sizeof(buf)), "J1");
	cr_assert_str_eq(props("child", buf, sizeof(buf)), "");
}

Test(cs, lookup_children)
{
	char buf[512];

	q("system", FSIII_URL);
	q("code", "J1");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(props("parent", buf, sizeof(buf)), "J");
	cr_assert_str_eq(props("child", buf, sizeof(buf)),
			 "J1.4,J1.1,J1.5,J1.2,J1.8,J1.6,J1.7,J1.3,Spise_og_drikke,Sundhedskompetence,Personlig_pleje");
}

Test(cs, lookup_icf_parent_property_form)
{
	char buf[512];

	q("system", ICF_URL);
	q("code", "b1528");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(out_str("name"), "ICF");
	cr_assert_str_eq(out_str("display"), "Emotional functions, other specified");
	cr_assert_str_eq(props("parent", buf, sizeof(buf)), "b152");
}

Test(cs, lookup_property_filter)
{
	char buf[512];

	q("system", FSIII_URL);
	q("code", "J1");
	q("property", "parent");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(props("parent", buf, sizeof(buf)), "J");
	cr_assert_str_eq(props("child", buf, sizeof(buf)), "", "child was not asked for");
	cr_assert_null(sv_params_get(result, "definition"));
	cr_assert_str_eq(out_str("display"), "Egenomsorg", "display is always returned");
	q("property", "child");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK);
	cr_assert_neq(strlen(props("child", buf, sizeof(buf))), 0, "a second property adds to the first");
}

Test(cs, lookup_designations_and_custom_properties)
{
	char buf[128];
	const cJSON *p, *use = NULL;
	int n = 0, en = 0;

	q("system", TEST_URL);
	q("code", "A");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(out_str("display"), "Alfa");
	cr_assert_str_eq(out_str("definition"), "Første");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(result, "parameter")) {
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")), "designation") != 0)
			continue;
		n++;
		if (strcmp(sv_params_string(p, "language"), "en") == 0) {
			en = 1;
			cr_assert_str_eq(sv_params_string(p, "value"), "Alpha");
			use = cJSON_GetObjectItem(sv_params_get(p, "use"), "valueCoding");
		}
	}
	cr_assert_eq(n, 3, "the display in the code system's language (nb) plus en and da-DK");
	cr_assert(en);
	cr_assert_not_null(use);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(use, "code")), "syn");
	cr_assert_str_eq(props("status", buf, sizeof(buf)), "active");
	cr_assert_str_eq(props("child", buf, sizeof(buf)), "B,C", "nested child and parent-property child");
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(result, "parameter"))
		if (strcmp(sv_params_string(p, "code") ? sv_params_string(p, "code") : "", "weight") == 0)
			cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(sv_params_get(p, "value"), "valueDecimal")), 2.5);
	cr_assert_str_eq(props("weight", buf, sizeof(buf)), "?", "the weight property exists once");
}

Test(cs, lookup_display_language)
{
	q("system", TEST_URL);
	q("code", "A");
	q("displayLanguage", "en");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(out_str("display"), "Alpha");
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("system", TEST_URL);
	q("code", "A");
	q("displayLanguage", "nb-NO");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK);
	cr_assert_str_eq(out_str("display"), "Alfa", "the code system's own language");
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("system", TEST_URL);
	q("code", "A");
	q("displayLanguage", "sv");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK);
	cr_assert_str_eq(out_str("display"), "Alfa", "no Swedish designation: fall back to the display");
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("system", TEST_URL);
	q("code", "A");
	q("displayLanguage", "da");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK);
	cr_assert_str_eq(out_str("display"), "Alfa på dansk", "da matches da-DK");
}

Test(cs, lookup_with_coding_text_and_proper_forms)
{
	q("coding", FSIII_URL "|J1.3");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(out_str("display"), "Af- og påklædning");
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	sv_params_add_value(req.params, "coding", "valueCoding", sv_coding_new(FSIII_URL, "20240530", "J1.4", NULL));
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(out_str("display"), "Drikke");
}

Test(cs, lookup_errors)
{
	q("system", FSIII_URL);
	q("code", "J9.9");
	cr_assert_eq(run(sv_op_cs_lookup), SV_ENOTFOUND);
	cr_assert_str_eq(req.err.expression, "code");
	cr_assert(strstr(req.err.message, "J9.9"), "%s", req.err.message);

	q("coding", FSIII_URL "|J1.1");
	cr_assert_eq(run(sv_op_cs_lookup), SV_EINVAL, "code and coding both given");
	cr_assert(strstr(req.err.message, "not both"), "%s", req.err.message);

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("code", "J1.1");
	cr_assert_eq(run(sv_op_cs_lookup), SV_EREQUIRED, "no system");
	cr_assert_str_eq(req.err.expression, "system");

	q("system", IPLOS_URL);
	cr_assert_eq(run(sv_op_cs_lookup), SV_ENOTFOUND, "IPLOS is not loaded here");
	cr_assert(strstr(req.err.message, IPLOS_URL), "%s", req.err.message);

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("system", FSIII_URL);
	q("version", "19990101");
	q("code", "J1.1");
	cr_assert_eq(run(sv_op_cs_lookup), SV_ENOTFOUND);
	cr_assert_str_eq(req.err.expression, "version");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	cr_assert_eq(run(sv_op_cs_lookup), SV_EREQUIRED, "no code at all");
	cr_assert_str_eq(req.err.expression, "code");

	q("code", "J1.1");
	q("code", "J1.2");
	q("system", FSIII_URL);
	cr_assert_eq(run(sv_op_cs_lookup), SV_EINVAL, "code given twice");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("coding", "J1.1");
	cr_assert_eq(run(sv_op_cs_lookup), SV_EINVAL, "a GET coding needs system|code");
	cr_assert_str_eq(req.err.expression, "coding");
}

Test(cs, lookup_on_instance)
{
	req.id = "FSIII";
	q("code", "J1.2");
	cr_assert_eq(run(sv_op_cs_lookup), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(out_str("display"), "Kropspleje");
	q("system", ICF_URL);
	cr_assert_eq(run(sv_op_cs_lookup), SV_EINVAL, "system conflicts with the instance");
	req.id = "nope";
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("code", "J1.2");
	cr_assert_eq(run(sv_op_cs_lookup), SV_ENOTFOUND);
	cr_assert(strstr(req.err.message, "CodeSystem/nope"), "%s", req.err.message);
}

/* ---- $validate-code ---- */

Test(cs, validate_code_valid)
{
	q("url", FSIII_URL);
	q("code", "J1.1");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"));
	cr_assert_str_eq(out_str("display"), "Vaske sig");
	q("display", "Vaske sig");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK);
	cr_assert(out_bool("result"));
}

Test(cs, validate_code_wrong_display)
{
	q("url", FSIII_URL);
	q("code", "J1.1");
	q("display", "Vaske");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert_not(out_bool("result"));
	cr_assert(strstr(out_str("message"), "'Vaske'"), "%s", out_str("message"));
	cr_assert(strstr(out_str("message"), "'Vaske sig'"), "%s", out_str("message"));
	cr_assert_str_eq(out_str("display"), "Vaske sig", "the right display is given back");
}

/* A Coding's own display is checked as the `display` parameter is (it was ignored: result true). */
Test(cs, validate_code_coding_with_wrong_display)
{
	sv_params_add_value(req.params, "coding", "valueCoding", sv_coding_new(FSIII_URL, NULL, "J1.1", "Vaske"));
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert_not(out_bool("result"), "a wrong display in the coding makes the code invalid");
	cr_assert(strstr(out_str("message"), "'Vaske'"), "%s", out_str("message"));
	cr_assert_str_eq(out_str("display"), "Vaske sig");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	sv_params_add_value(req.params, "coding", "valueCoding", sv_coding_new(FSIII_URL, NULL, "J1.1", "Vaske sig"));
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"), "the right display in the coding");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	sv_params_add_value(req.params, "coding", "valueCoding", sv_coding_new(FSIII_URL, NULL, "J1.1", "Vaske"));
	q("display", "Vaske sig");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"), "the display parameter goes before the coding's, as for ValueSet");
}

Test(cs, validate_code_display_may_be_a_designation)
{
	q("url", FSIII_URL);
	q("code", "I4.9");
	q("display", "Andre problemer med hud og slimhinder");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"));
	cr_assert_str_eq(out_str("display"), "Problemer med hud og slimhinder");
}

Test(cs, validate_code_unknown_code_and_system)
{
	q("url", FSIII_URL);
	q("code", "J9.9");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert_not(out_bool("result"));
	cr_assert(strstr(out_str("message"), "Unknown code 'J9.9'"), "%s", out_str("message"));

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("url", IPLOS_URL);
	q("code", "20");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "an unknown system is an answer, not an error");
	cr_assert_not(out_bool("result"));
	cr_assert(strstr(out_str("message"), IPLOS_URL), "%s", out_str("message"));
	cr_assert_eq(req.err.code, SV_OK, "the error detail is not left behind");
}

Test(cs, validate_code_coding_and_system_forms)
{
	q("coding", ICF_URL "|b1528");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"));
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("system", ICF_URL);
	q("code", "d5100");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"));
	cr_assert_str_eq(out_str("display"), "Washing body parts");
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("code", "d5100");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_EREQUIRED);
	cr_assert_str_eq(req.err.expression, "url");
	req.id = "icf";
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "the instance names the system");
	cr_assert(out_bool("result"));
}

Test(cs, validate_codeableconcept)
{
	cJSON *cc = cJSON_Parse("{\"coding\":[{\"system\":\"" IPLOS_URL "\",\"code\":\"20\"},"
				"{\"system\":\"" ICF_URL "\",\"code\":\"b1528\"}]}");

	sv_params_add_value(req.params, "codeableConcept", "valueCodeableConcept", cc);
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK, "%s", req.err.message);
	cr_assert(out_bool("result"), "the ICF coding is valid");
	cr_assert_str_eq(out_str("display"), "Emotional functions, other specified");
	cr_assert_eq(sv_params_count(result, "result"), 1);
	q("code", "b1528");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_EINVAL, "codeableConcept with code");
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	sv_params_add_value(req.params, "codeableConcept", "valueCodeableConcept",
			    cJSON_Parse("{\"coding\":[{\"system\":\"" IPLOS_URL "\",\"code\":\"20\"}]}"));
	cr_assert_eq(run(sv_op_cs_validate_code), SV_OK);
	cr_assert_not(out_bool("result"));
	q("codeableConcept", "x");
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("codeableConcept", ICF_URL "|b1528");
	cr_assert_eq(run(sv_op_cs_validate_code), SV_EINVAL, "a CodeableConcept has no GET text form");
}

/* ---- $subsumes ---- */

static const char *subsumes(const char *system, const char *a, const char *b)
{
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("system", system);
	q("codeA", a);
	q("codeB", b);
	cr_assert_eq(run(sv_op_cs_subsumes), SV_OK, "%s %s: %s", a, b, req.err.message);
	return out_str("outcome");
}

Test(cs, subsumes_outcomes)
{
	cr_assert_str_eq(subsumes(FSIII_URL, "J1", "J1.1"), "subsumes");
	cr_assert_str_eq(subsumes(FSIII_URL, "J", "J1.1"), "subsumes");
	cr_assert_str_eq(subsumes(FSIII_URL, "J1.1", "J1"), "subsumed-by");
	cr_assert_str_eq(subsumes(FSIII_URL, "J1.1", "J1.1"), "equivalent");
	cr_assert_str_eq(subsumes(FSIII_URL, "J1.1", "J2"), "not-subsumed");
	cr_assert_str_eq(subsumes(ICF_URL, "b", "b1528"), "subsumes");
	cr_assert_str_eq(subsumes(ICF_URL, "d5100", "d5"), "subsumed-by");
	cr_assert_str_eq(subsumes(ICF_URL, "d5100", "d5101"), "not-subsumed");
	cr_assert_str_eq(subsumes(TEST_URL, "A", "C"), "subsumes", "through the parent property");
}

Test(cs, subsumes_codings_and_errors)
{
	q("codingA", FSIII_URL "|J1");
	q("codingB", FSIII_URL "|J1.8");
	cr_assert_eq(run(sv_op_cs_subsumes), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(out_str("outcome"), "subsumes");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("codingA", FSIII_URL "|J1");
	q("codingB", ICF_URL "|b1528");
	cr_assert_eq(run(sv_op_cs_subsumes), SV_EINVAL, "different systems");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("system", FSIII_URL);
	q("codeA", "J1");
	q("codeB", "J9.9");
	cr_assert_eq(run(sv_op_cs_subsumes), SV_ENOTFOUND);
	cr_assert_str_eq(req.err.expression, "codeB");
	cr_assert(strstr(req.err.message, "J9.9"), "%s", req.err.message);

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("system", FSIII_URL);
	q("codeA", "J1");
	cr_assert_eq(run(sv_op_cs_subsumes), SV_EREQUIRED);
	cr_assert_str_eq(req.err.expression, "codeB");
}
