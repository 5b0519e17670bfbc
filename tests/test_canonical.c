/* test_canonical.c — "{base}" substitution, in a string and through a JSON tree. */
#include "samsvar/canonical.h"

#include <criterion/criterion.h>
#include <stdlib.h>

static void expect(const char *in, const char *base, const char *want)
{
	char *got = sv_base_subst(in, base);

	cr_assert_str_eq(got, want, "'%s' with base '%s'", in, base);
	free(got);
}

Test(canonical, string)
{
	expect("{base}/CodeSystem/iplos-score", "https://fhir.samsvar.no", "https://fhir.samsvar.no/CodeSystem/iplos-score");
	expect("no token", "https://x", "no token");
	expect("", "https://x", "");
	expect("{base}{base}", "b", "bb");
	expect("a {base} b {base}", "https://a.long.example.org/fhir", "a https://a.long.example.org/fhir b "
	       "https://a.long.example.org/fhir");
	expect("{bas}{base", "x", "{bas}{base");
}

Test(canonical, json)
{
	cJSON *j = cJSON_Parse("{\"a\":\"{base}/x\",\"b\":[1,\"y {base}\",{\"c\":\"{base}\"}],\"d\":true}");
	char *s;

	sv_base_subst_json(j, "https://fhir.samsvar.no");
	s = cJSON_PrintUnformatted(j);
	cr_assert_str_eq(s, "{\"a\":\"https://fhir.samsvar.no/x\",\"b\":[1,\"y https://fhir.samsvar.no\","
			 "{\"c\":\"https://fhir.samsvar.no\"}],\"d\":true}");
	free(s);
	cJSON_Delete(j);
}

Test(canonical, split)
{
	char buf[16];
	int fits = -1;

	cr_assert_null(sv_canonical_split("http://x/vs", buf, sizeof(buf), &fits));
	cr_assert_str_eq(buf, "http://x/vs");
	cr_assert_eq(fits, 1);
	cr_assert_str_eq(sv_canonical_split("http://x/vs|1.0", buf, sizeof(buf), &fits), "1.0");
	cr_assert_str_eq(buf, "http://x/vs");
	cr_assert_eq(fits, 1);
	/* the version starts at the first bar */
	cr_assert_str_eq(sv_canonical_split("a|b|c", buf, sizeof(buf), NULL), "b|c");
	cr_assert_str_eq(buf, "a");
	/* cut to fit, and said so */
	cr_assert_str_eq(sv_canonical_split("http://x/vs|1.0.0", buf, sizeof(buf), &fits), "1.0");
	cr_assert_eq(fits, 0);
	cr_assert_null(sv_canonical_split("http://example.org/a|1", buf, sizeof(buf), &fits));
	cr_assert_str_eq(buf, "http://example.");
	cr_assert_eq(fits, 0);
}
