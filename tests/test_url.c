/* test_url.c — unit tests for url.c: strict percent-decoding of the request target, caps, and the
 * rest of the query still read after a bad part. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "samsvar/url.h"

Test(url, path_and_parameters_are_decoded_in_order)
{
	static const char t[] = "/fhir/CodeSystem/%24lookup?system=urn%3Aoid%3A1&code=b1528&display=Sense+of%20security&flag";
	struct sv_url u;
	struct sv_error err = {0};

	cr_assert_eq(sv_url_parse(t, strlen(t), 10, &u, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(u.path, "/fhir/CodeSystem/$lookup");
	cr_assert_eq(u.nparams, 4);
	cr_assert_str_eq(u.params[0].name, "system");
	cr_assert_str_eq(u.params[0].value, "urn:oid:1");
	cr_assert_str_eq(u.params[2].value, "Sense of security");
	cr_assert_str_eq(u.params[3].name, "flag");
	cr_assert_str_eq(u.params[3].value, "");
	sv_url_release(&u);
}

Test(url, utf8_is_kept_and_empty_pieces_skipped)
{
	static const char t[] = "/x?&a=%C3%B8l&&b=%E2%82%AC&";
	struct sv_url u;
	struct sv_error err = {0};

	cr_assert_eq(sv_url_parse(t, strlen(t), 2, &u, &err), SV_OK, "%s", err.message);
	cr_assert_eq(u.nparams, 2);
	cr_assert_str_eq(u.params[0].value, "\xc3\xb8l");
	cr_assert_str_eq(u.params[1].value, "\xe2\x82\xac");
	sv_url_release(&u);
}

Test(url, bad_parts_are_refused_naming_them)
{
	static const struct {
		const char *target;
		const char *expression;
	} bad[] = {
		{"/fhir/CodeSystem/%00", "path"},
		{"/fhir/a%0Ab", "path"},
		{"/fhir/%ff", "path"},
		{"/fhir/%zz", "path"},
		{"/fhir/%4", "path"},
		{"fhir", "path"},
		{"/x?code=%ff", "code"},
		{"/x?code=%C0%80", "code"},          /* overlong NUL */
		{"/x?code=%ED%A0%80", "code"},       /* a surrogate */
		{"/x?code=a%00b", "code"},
		{"/x?code=%g1", "code"},
		{"/x?%ff=1", "query"},
		{"/x?=1", "query"},
		{"/x?a%0Db=1", "query"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sv_url u;
		struct sv_error err = {0};
		cr_assert_eq(sv_url_parse(bad[i].target, strlen(bad[i].target), 10, &u, &err), SV_EINVAL,
			     "%s accepted", bad[i].target);
		cr_assert_str_eq(err.expression, bad[i].expression, "%s: %s", bad[i].target, err.message);
		sv_url_release(&u);
	}
}

Test(url, the_rest_of_the_query_is_read_after_a_bad_part)
{
	static const char t[] = "/x?code=%ff&_format=xml&other=%zz";
	struct sv_url u;
	struct sv_error err = {0};

	cr_assert_eq(sv_url_parse(t, strlen(t), 10, &u, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "code", "the first problem is reported");
	cr_assert_eq(u.nparams, 1);
	cr_assert_str_eq(u.params[0].name, "_format");
	cr_assert_str_eq(u.params[0].value, "xml");
	sv_url_release(&u);
}

Test(url, too_many_parameters_are_refused_before_decoding)
{
	char t[4096] = "/x?";
	struct sv_url u;
	struct sv_error err = {0};

	for (int i = 0; i < 65; i++)
		snprintf(t + strlen(t), sizeof(t) - strlen(t), "p%d=1&", i);
	cr_assert_eq(sv_url_parse(t, strlen(t), 64, &u, &err), SV_ETOOBIG);
	cr_assert(strstr(err.message, "max_params"));
	sv_url_release(&u);
	cr_assert_eq(sv_url_parse(t, strlen(t), 65, &u, &err), SV_OK);
	cr_assert_eq(u.nparams, 65);
	sv_url_release(&u);
}
