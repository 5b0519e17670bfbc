/* test_diff.c — rows added, removed and changed between two versions (diff.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "samsvar/diff.h"
#include "support/fixtures.h"

Test(diff, codesystem_concepts_by_code)
{
	cJSON *a = ts_parse_json("{\"concept\":[{\"code\":\"a\",\"display\":\"A\"},{\"code\":\"b\",\"display\":\"B\","
				 "\"concept\":[{\"code\":\"c\",\"display\":\"C\"}]}]}");
	cJSON *b = ts_parse_json("{\"concept\":[{\"code\":\"a\",\"display\":\"A\"},{\"code\":\"b\",\"display\":\"Bee\","
				 "\"definition\":\"new\"},{\"code\":\"d\"}]}");
	struct sv_diff d = {0};

	sv_diff_resources(a, b, &d);
	cr_assert_eq(d.n, 3);
	cr_assert_eq(d.rows[0].kind, SV_DIFF_CHANGED);
	cr_assert_str_eq(d.rows[0].code, "b");
	cr_assert_str_eq(d.rows[0].fields, "display,definition");
	cr_assert_eq(d.rows[1].kind, SV_DIFF_ADDED);
	cr_assert_str_eq(d.rows[1].code, "d");
	cr_assert_eq(d.rows[2].kind, SV_DIFF_REMOVED);
	cr_assert_str_eq(d.rows[2].code, "c", "a nested concept counts as a row");
	sv_diff_release(&d);
	sv_diff_resources(a, a, &d);
	cr_assert_eq(d.n, 0, "a version does not differ from itself");
	sv_diff_release(&d);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

Test(diff, map_rows_by_source_and_target)
{
	cJSON *a = ts_parse_json("{\"group\":[{\"source\":\"S\",\"target\":\"T\",\"element\":["
				 "{\"code\":\"1\",\"target\":[{\"code\":\"x\",\"equivalence\":\"wider\"},"
				 "{\"code\":\"y\",\"equivalence\":\"wider\",\"dependsOn\":[{\"property\":\"p\",\"value\":\"v\"}]}]},"
				 "{\"code\":\"2\",\"target\":[{\"equivalence\":\"unmatched\"}]}]}]}");
	cJSON *b = ts_parse_json("{\"group\":[{\"source\":\"S\",\"target\":\"T\",\"element\":["
				 "{\"code\":\"1\",\"target\":[{\"code\":\"x\",\"equivalence\":\"wider\"},"
				 "{\"code\":\"y\",\"equivalence\":\"wider\",\"dependsOn\":[{\"property\":\"p\",\"value\":\"w\"}]}]},"
				 "{\"code\":\"2\",\"target\":[{\"code\":\"z\",\"equivalence\":\"narrower\"}]}]},"
				 "{\"source\":\"S2\",\"target\":\"T\",\"element\":[{\"code\":\"1\",\"target\":[{\"code\":\"x\","
				 "\"equivalence\":\"wider\"}]}]}]}");
	struct sv_diff d = {0};

	sv_diff_resources(a, b, &d);
	cr_assert_eq(d.n, 4);
	cr_assert(d.rows[0].kind == SV_DIFF_CHANGED && strcmp(d.rows[0].target, "y") == 0);
	cr_assert_str_eq(d.rows[0].fields, "dependsOn");
	cr_assert(d.rows[1].kind == SV_DIFF_ADDED && strcmp(d.rows[1].target, "z") == 0);
	cr_assert(d.rows[2].kind == SV_DIFF_ADDED && strcmp(d.rows[2].source_system, "S2") == 0,
		  "the same codes under another source system are another row");
	cr_assert(d.rows[3].kind == SV_DIFF_REMOVED && d.rows[3].target == NULL, "the unmatched row went");
	sv_diff_release(&d);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

Test(diff, a_version_that_repeats_a_row_does_not_differ_from_itself)
{
	/* The fuzzer's find: code "a" twice, once with a display. */
	cJSON *a = ts_parse_json("{\"concept\":[{\"code\":\"a\",\"display\":\"A\"},{\"code\":\"a\"}]}");
	struct sv_diff d = {0};

	sv_diff_resources(a, a, &d);
	cr_assert_eq(d.n, 0);
	sv_diff_release(&d);
	cJSON_Delete(a);
}
