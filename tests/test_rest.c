/* test_rest.c — unit tests of rest.c: the Prefer header's handling, conditional reads (weak ETag
 * comparison, If-Modified-Since) and POST _search form bodies. */
#include <criterion/criterion.h>
#include <string.h>

#include "samsvar/rest.h"

Test(rest, prefer_handling)
{
	cr_assert_eq(sv_rest_prefer_strict(NULL), 0, "lenient by default");
	cr_assert_eq(sv_rest_prefer_strict("handling=strict"), 1);
	cr_assert_eq(sv_rest_prefer_strict("return=minimal, handling=strict"), 1);
	cr_assert_eq(sv_rest_prefer_strict("return=minimal; handling=STRICT"), 1, "case-insensitive");
	cr_assert_eq(sv_rest_prefer_strict("handling=lenient"), 0);
	cr_assert_eq(sv_rest_prefer_strict("handling=strict, handling=lenient"), 0, "the last one counts");
	cr_assert_eq(sv_rest_prefer_strict("handling=strictly"), 0, "the whole token");
	cr_assert_eq(sv_rest_prefer_strict(" handling=strict ;x=1"), 1);
	cr_assert_eq(sv_rest_prefer_strict("respond-async"), 0);
}

Test(rest, if_none_match_compares_weakly)
{
	struct sv_resp_headers hs = {0};

	sv_resp_header_set(&hs, "ETag", "W/\"3\"");
	sv_resp_header_set(&hs, "Last-Modified", "Thu, 26 Nov 2026 10:00:00 GMT");
	cr_assert(sv_rest_not_modified(&hs, "W/\"3\"", NULL));
	cr_assert(sv_rest_not_modified(&hs, "\"3\"", NULL), "weak comparison");
	cr_assert(sv_rest_not_modified(&hs, "W/\"1\", W/\"3\"", NULL), "a list");
	cr_assert(sv_rest_not_modified(&hs, "*", NULL));
	cr_assert_not(sv_rest_not_modified(&hs, "W/\"4\"", NULL));
	cr_assert_not(sv_rest_not_modified(&hs, "W/\"33\"", NULL));
	/* If-None-Match decides when it is sent; If-Modified-Since only without it */
	cr_assert_not(sv_rest_not_modified(&hs, "W/\"4\"", "Thu, 26 Nov 2026 11:00:00 GMT"));
	cr_assert(sv_rest_not_modified(&hs, NULL, "Thu, 26 Nov 2026 10:00:00 GMT"));
	cr_assert(sv_rest_not_modified(&hs, NULL, "Thu, 26 Nov 2026 11:00:00 GMT"));
	cr_assert_not(sv_rest_not_modified(&hs, NULL, "Thu, 26 Nov 2026 09:59:59 GMT"));
	cr_assert_not(sv_rest_not_modified(&hs, NULL, "yesterday"), "not an HTTP-date: the whole answer");
	cr_assert_not(sv_rest_not_modified(&hs, NULL, NULL));
	sv_resp_headers_release(&hs);
	cr_assert_not(sv_rest_not_modified(&hs, "*", NULL), "no ETag: nothing to match");
}

Test(rest, form_bodies)
{
	struct sv_url f;
	struct sv_error err;
	const char *body = "url=http%3A%2F%2Fx.org%2Fcs&_count=2&name=a+b";

	cr_assert_eq(sv_rest_form("application/x-www-form-urlencoded; charset=UTF-8", body, strlen(body), 10, &f, &err),
		     SV_OK, "%s", err.message);
	cr_assert_eq(f.nparams, 3);
	cr_assert_str_eq(f.params[0].value, "http://x.org/cs");
	cr_assert_str_eq(f.params[2].value, "a b");
	sv_url_release(&f);
	cr_assert_eq(sv_rest_form(NULL, "", 0, 10, &f, &err), SV_OK, "no body, no type");
	cr_assert_eq(f.nparams, 0);
	sv_url_release(&f);
	cr_assert_eq(sv_rest_form("application/fhir+json", "{}", 2, 10, &f, &err), SV_EMEDIATYPE);
	sv_url_release(&f);
	cr_assert_eq(sv_rest_form("application/x-www-form-urlencodedX", "a=1", 3, 10, &f, &err), SV_EMEDIATYPE);
	sv_url_release(&f);
	cr_assert_eq(sv_rest_form(NULL, "a=1", 3, 10, &f, &err), SV_EMEDIATYPE, "a body needs its type");
	sv_url_release(&f);
	cr_assert_eq(sv_rest_form("application/x-www-form-urlencoded", "a=%zz", 5, 10, &f, &err), SV_EINVAL);
	sv_url_release(&f);
	cr_assert_eq(sv_rest_form("application/x-www-form-urlencoded", "a=1&b=2&c=3", 11, 2, &f, &err), SV_ETOOBIG);
	sv_url_release(&f);
}
