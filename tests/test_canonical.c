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
