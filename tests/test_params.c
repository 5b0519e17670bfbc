/* test_params.c — FHIR Parameters: getters that accept both value[x] and the GET text form, builders,
 * the structural check. */
#include "samsvar/params.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define FSIII_URL "urn:oid:1.2.208.176.2.21"
#define SCT_URL "http://snomed.info/sct"
#define SCT_V "http://snomed.info/sct/900000000000207008/version/20200731"

static cJSON *parse(const char *json)
{
	cJSON *j = cJSON_Parse(json);
	cr_assert_not_null(j, "bad test JSON: %s", json);
	return j;
}

static const char *str(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

Test(params, new_and_add_builders)
{
	cJSON *p = sv_params_new(), *part, *c;
	char *text;

	cr_assert_str_eq(str(p, "resourceType"), "Parameters");
	sv_params_add(p, "system", "Uri", FSIII_URL);
	sv_params_add(p, "code", "Code", "J1.1");
	sv_params_add(p, "flag", "Boolean", "true");
	sv_params_add(p, "off", "Boolean", "false");
	sv_params_add(p, "n", "Integer", "12");
	sv_params_add_bool(p, "b", 1);
	sv_params_add_int(p, "i", -3);
	part = sv_params_add_part(p, "designation");
	sv_params_add(part, "value", "String", "Vaske sig");
	sv_params_add_value(p, "coding", "valueCoding", sv_coding_new(FSIII_URL, NULL, "J1.1", "Vaske sig"));

	cr_assert_str_eq(sv_params_string(p, "system"), FSIII_URL);
	cr_assert_str_eq(str(sv_params_get(p, "system"), "valueUri"), FSIII_URL);
	cr_assert_str_eq(str(sv_params_get(p, "code"), "valueCode"), "J1.1");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(sv_params_get(p, "flag"), "valueBoolean")));
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(sv_params_get(p, "off"), "valueBoolean")));
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(sv_params_get(p, "n"), "valueInteger")), 12);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(sv_params_get(p, "b"), "valueBoolean")));
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(sv_params_get(p, "i"), "valueInteger")), -3);
	cr_assert_str_eq(sv_params_string(sv_params_get(p, "designation"), "value"), "Vaske sig",
			 "parts are read with the same getters");
	cr_assert(cJSON_IsArray(cJSON_GetObjectItem(part, "part")));
	cr_assert_null(cJSON_GetObjectItem(part, "parameter"), "a part list is 'part', not 'parameter'");
	c = cJSON_GetObjectItem(sv_params_get(p, "coding"), "valueCoding");
	cr_assert_str_eq(str(c, "system"), FSIII_URL);
	cr_assert_null(cJSON_GetObjectItem(c, "version"), "NULL arguments are left out");
	cr_assert_str_eq(str(c, "display"), "Vaske sig");
	cr_assert_eq(sv_params_check(p, NULL), SV_OK);
	text = cJSON_PrintUnformatted(p);
	cr_assert(strstr(text, "\"parameter\":[{\"name\":\"system\",\"valueUri\":\"" FSIII_URL "\"}"), "%s", text);
	free(text);
	cJSON_Delete(p);
}

Test(params, get_count_text)
{
	cJSON *p = parse("{\"resourceType\":\"Parameters\",\"parameter\":["
			 "{\"name\":\"property\",\"valueCode\":\"parent\"},"
			 "{\"name\":\"property\",\"valueString\":\"child\"},"
			 "{\"name\":\"url\",\"valueUri\":\"" FSIII_URL "\"},"
			 "{\"name\":\"c\",\"valueCanonical\":\"x\"},{\"name\":\"d\",\"valueDateTime\":\"2024-05-30\"},"
			 "{\"name\":\"n\",\"valueInteger\":3},{\"noname\":1}]}");

	cr_assert_eq(sv_params_count(p, "property"), 2);
	cr_assert_eq(sv_params_count(p, "nothing"), 0);
	cr_assert_str_eq(sv_params_string(p, "property"), "parent", "the first one");
	cr_assert_str_eq(sv_params_string(p, "url"), FSIII_URL);
	cr_assert_str_eq(sv_params_string(p, "c"), "x");
	cr_assert_str_eq(sv_params_string(p, "d"), "2024-05-30");
	cr_assert_null(sv_params_string(p, "n"), "a number is not text");
	cr_assert_null(sv_params_string(p, "missing"));
	cr_assert_null(sv_param_text(NULL));
	cJSON_Delete(p);
}

Test(params, bool_proper_and_text)
{
	cJSON *p = parse("{\"resourceType\":\"Parameters\",\"parameter\":["
			 "{\"name\":\"a\",\"valueBoolean\":true},{\"name\":\"b\",\"valueBoolean\":false},"
			 "{\"name\":\"c\",\"valueString\":\"true\"},{\"name\":\"d\",\"valueString\":\"false\"},"
			 "{\"name\":\"e\",\"valueString\":\"yes\"},{\"name\":\"f\",\"valueInteger\":1},"
			 "{\"name\":\"g\",\"valueString\":\"TRUE\"}]}");
	struct sv_error err;
	int v;

	cr_assert_eq(sv_params_bool(p, "a", 0, &v, &err), SV_OK);
	cr_assert_eq(v, 1);
	cr_assert_eq(sv_params_bool(p, "b", 1, &v, &err), SV_OK);
	cr_assert_eq(v, 0);
	cr_assert_eq(sv_params_bool(p, "c", 0, &v, &err), SV_OK);
	cr_assert_eq(v, 1);
	cr_assert_eq(sv_params_bool(p, "d", 1, &v, &err), SV_OK);
	cr_assert_eq(v, 0);
	cr_assert_eq(sv_params_bool(p, "absent", 1, &v, &err), SV_OK);
	cr_assert_eq(v, 1);
	cr_assert_eq(sv_params_bool(p, "absent", 0, &v, &err), SV_OK);
	cr_assert_eq(v, 0);
	sv_error_clear(&err);
	cr_assert_eq(sv_params_bool(p, "e", 0, &v, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "e");
	cr_assert(strstr(err.message, "'e'"), "%s", err.message);
	cr_assert_eq(sv_params_bool(p, "f", 0, &v, &err), SV_EINVAL);
	cr_assert_eq(sv_params_bool(p, "g", 0, &v, &err), SV_EINVAL);
	cJSON_Delete(p);
}

Test(params, int_proper_and_text)
{
	cJSON *p = parse("{\"resourceType\":\"Parameters\",\"parameter\":["
			 "{\"name\":\"count\",\"valueInteger\":12},{\"name\":\"offset\",\"valueString\":\"12\"},"
			 "{\"name\":\"neg\",\"valueString\":\"-5\"},{\"name\":\"u\",\"valueUnsignedInt\":7},"
			 "{\"name\":\"pos\",\"valuePositiveInt\":9},{\"name\":\"frac\",\"valueDecimal\":1.5},"
			 "{\"name\":\"fraci\",\"valueInteger\":1.5},{\"name\":\"sp\",\"valueString\":\" 12\"},"
			 "{\"name\":\"tail\",\"valueString\":\"12a\"},{\"name\":\"empty\",\"valueString\":\"\"},"
			 "{\"name\":\"huge\",\"valueString\":\"99999999999999999999999\"},"
			 "{\"name\":\"minus\",\"valueString\":\"-\"},{\"name\":\"b\",\"valueBoolean\":true},"
			 "{\"name\":\"big\",\"valueInteger\":5.5e101},{\"name\":\"nbig\",\"valueInteger\":-1e300}]}");
	struct sv_error err;
	long v;

	cr_assert_eq(sv_params_int(p, "count", -1, 0, 100, &v, &err), SV_OK);
	cr_assert_eq(v, 12);
	cr_assert_eq(sv_params_int(p, "offset", -1, 0, 100, &v, &err), SV_OK);
	cr_assert_eq(v, 12);
	cr_assert_eq(sv_params_int(p, "neg", 0, -10, 10, &v, &err), SV_OK);
	cr_assert_eq(v, -5);
	cr_assert_eq(sv_params_int(p, "u", 0, 0, 10, &v, &err), SV_OK);
	cr_assert_eq(v, 7);
	cr_assert_eq(sv_params_int(p, "pos", 0, 0, 10, &v, &err), SV_OK);
	cr_assert_eq(v, 9);
	cr_assert_eq(sv_params_int(p, "absent", 42, 0, 10, &v, &err), SV_OK, "the default is not range-checked");
	cr_assert_eq(v, 42);

	sv_error_clear(&err);
	cr_assert_eq(sv_params_int(p, "count", 0, 0, 10, &v, &err), SV_EINVAL, "12 is over max 10");
	cr_assert_str_eq(err.expression, "count");
	cr_assert(strstr(err.message, "between 0 and 10"), "%s", err.message);
	cr_assert_eq(sv_params_int(p, "neg", 0, 0, 10, &v, &err), SV_EINVAL);
	static const char *const bad[] = {"frac", "fraci", "sp", "tail", "empty", "huge", "minus", "b", "big", "nbig"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sv_error_clear(&err);
		cr_assert_eq(sv_params_int(p, bad[i], 0, -1000, 1000, &v, &err), SV_EINVAL, "%s accepted", bad[i]);
		cr_assert_str_eq(err.expression, bad[i]);
		cr_assert(strstr(err.message, "whole number"), "%s: %s", bad[i], err.message);
	}
	cJSON_Delete(p);
}

Test(params, coding_proper_and_text_forms)
{
	cJSON *p = parse("{\"resourceType\":\"Parameters\",\"parameter\":["
			 "{\"name\":\"a\",\"valueCoding\":{\"system\":\"" FSIII_URL "\",\"code\":\"J1.1\","
			 "\"display\":\"Vaske sig\"}},"
			 "{\"name\":\"b\",\"valueString\":\"" FSIII_URL "|J1.1\"},"
			 "{\"name\":\"c\",\"valueString\":\"" SCT_URL "|" SCT_V "|J1.1\"},"
			 "{\"name\":\"d\",\"valueString\":\"J1.1\"},{\"name\":\"e\",\"valueString\":\"|J1.1\"},"
			 "{\"name\":\"f\",\"valueString\":\"" FSIII_URL "|\"},{\"name\":\"g\",\"valueInteger\":3}]}");
	struct sv_error err;
	cJSON *c;

	c = sv_param_coding(sv_params_get(p, "a"), "a", &err);
	cr_assert_not_null(c);
	cr_assert_str_eq(str(c, "display"), "Vaske sig");
	cr_assert_neq(c, cJSON_GetObjectItem(sv_params_get(p, "a"), "valueCoding"), "a copy is returned");
	cJSON_Delete(c);

	c = sv_param_coding(sv_params_get(p, "b"), "b", &err);
	cr_assert_not_null(c);
	cr_assert_str_eq(str(c, "system"), FSIII_URL);
	cr_assert_str_eq(str(c, "code"), "J1.1");
	cr_assert_null(cJSON_GetObjectItem(c, "version"));
	cJSON_Delete(c);

	/* An edition URI version has no '|' of its own, so three parts split cleanly. */
	c = sv_param_coding(sv_params_get(p, "c"), "c", &err);
	cr_assert_not_null(c);
	cr_assert_str_eq(str(c, "system"), SCT_URL);
	cr_assert_str_eq(str(c, "version"), SCT_V);
	cr_assert_str_eq(str(c, "code"), "J1.1");
	cJSON_Delete(c);

	static const char *const bad[] = {"d", "e", "f", "g"};
	for (size_t i = 0; i < 4; i++) {
		sv_error_clear(&err);
		cr_assert_null(sv_param_coding(sv_params_get(p, bad[i]), bad[i], &err), "%s accepted", bad[i]);
		cr_assert_eq(err.code, SV_EINVAL);
		cr_assert_str_eq(err.expression, bad[i]);
	}
	cJSON_Delete(p);
}

Test(params, codeableconcept)
{
	cJSON *p = parse("{\"resourceType\":\"Parameters\",\"parameter\":["
			 "{\"name\":\"cc\",\"valueCodeableConcept\":{\"coding\":[{\"system\":\"" FSIII_URL "\","
			 "\"code\":\"J1\"}]}},{\"name\":\"s\",\"valueString\":\"" FSIII_URL "|J1\"}]}");
	struct sv_error err;
	const cJSON *cc = sv_param_codeableconcept(sv_params_get(p, "cc"), "cc", &err);

	cr_assert_not_null(cc);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cc, "coding")), 1);
	sv_error_clear(&err);
	cr_assert_null(sv_param_codeableconcept(sv_params_get(p, "s"), "s", &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert_str_eq(err.expression, "s");
	cJSON_Delete(p);
}

Test(params, check)
{
	static const struct { const char *json; enum sv_err want; } cases[] = {
		{"{\"resourceType\":\"Parameters\"}", SV_OK},
		{"{\"resourceType\":\"Parameters\",\"parameter\":[]}", SV_OK},
		{"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"a\",\"part\":[{\"name\":\"b\"}]}]}", SV_OK},
		{"{\"resourceType\":\"ValueSet\"}", SV_EINVAL},
		{"{\"parameter\":[]}", SV_EINVAL},
		{"{\"resourceType\":\"Parameters\",\"parameter\":{}}", SV_EINVAL},
		{"{\"resourceType\":\"Parameters\",\"parameter\":[{\"valueString\":\"x\"}]}", SV_EINVAL},
		{"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"\"}]}", SV_EINVAL},
		{"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":3}]}", SV_EINVAL},
		{"{\"resourceType\":\"Parameters\",\"parameter\":[\"name\"]}", SV_EINVAL},
		{"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"a\",\"part\":[{}]}]}", SV_EINVAL},
		{"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"a\",\"part\":\"x\"}]}", SV_EINVAL},
	};
	struct sv_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *p = parse(cases[i].json);
		sv_error_clear(&err);
		cr_assert_eq(sv_params_check(p, &err), cases[i].want, "%s: %s", cases[i].json, err.message);
		cJSON_Delete(p);
	}
}

Test(params, check_caps_part_nesting)
{
	cJSON *p = sv_params_new(), *at = p;
	struct sv_error err;

	for (int i = 0; i < 8; i++)
		at = sv_params_add_part(at, "p");
	cr_assert_eq(sv_params_check(p, &err), SV_OK, "8 levels of parts are fine: %s", err.message);
	for (int i = 0; i < 4; i++)
		at = sv_params_add_part(at, "p");
	cr_assert_eq(sv_params_check(p, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "deeper"), "%s", err.message);
	cJSON_Delete(p);
}
