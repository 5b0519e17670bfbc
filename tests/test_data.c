/* test_data.c — the files of gateway/data/ are in the binary (tools/embed-data.py, data.h). */
#include "samsvar/data.h"

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <string.h>

Test(data, operation_definition_assess)
{
	size_t len = 0;
	const char *text = sv_data_get("OperationDefinition-assess.json", &len);
	cJSON *od;

	cr_assert_not_null(text);
	cr_assert_eq(strlen(text), len, "NUL-terminated at its length, no NUL inside");
	od = cJSON_Parse(text);
	cr_assert_not_null(od, "the file is JSON");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(od, "resourceType")), "OperationDefinition");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(od, "code")), "assess");
	cJSON_Delete(od);
}

Test(data, unknown_name)
{
	cr_assert_null(sv_data_get("no-such-file.json", NULL));
}
