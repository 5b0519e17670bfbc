/* test_auth.c — roles, the principal check every route goes through, and response headers. */
#include "samsvar/auth.h"
#include "samsvar/headers.h"

#include <criterion/criterion.h>
#include <string.h>

Test(auth, roles_parse_and_name_round_trip)
{
	static const char *const names[] = {"reader", "maintainer", "publisher", "admin"};
	struct sv_error err;
	enum sv_role r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_assert_eq(sv_role_parse(names[i], &r, &err), SV_OK);
		cr_assert_str_eq(sv_role_name(r), names[i]);
	}
	cr_assert_eq(sv_role_parse("anonymous", &r, &err), SV_EINVAL);
	cr_assert_eq(sv_role_parse("Admin", &r, &err), SV_EINVAL);
	cr_assert_eq(sv_role_parse(NULL, &r, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "maintainer"));
}

Test(auth, permits_by_order_of_roles)
{
	struct sv_principal m = {"kari", SV_ROLE_MAINTAINER};
	struct sv_error err;

	cr_assert_eq(sv_auth_permits(NULL, SV_ROLE_NONE, &err), SV_OK);
	cr_assert_eq(sv_auth_permits(NULL, SV_ROLE_READER, &err), SV_EUNAUTH);
	cr_assert(strstr(err.message, "Bearer"));
	cr_assert_eq(sv_auth_permits(&m, SV_ROLE_READER, &err), SV_OK);
	cr_assert_eq(sv_auth_permits(&m, SV_ROLE_MAINTAINER, &err), SV_OK);
	cr_assert_eq(sv_auth_permits(&m, SV_ROLE_PUBLISHER, &err), SV_EFORBIDDEN);
	cr_assert(strstr(err.message, "kari") && strstr(err.message, "publisher"), "%s", err.message);
}

Test(headers, set_replaces_and_neutralises_control_characters)
{
	struct sv_resp_headers hs = {0};

	sv_resp_header_set(&hs, "ETag", "W/\"%d\"", 1);
	sv_resp_header_set(&hs, "Location", "http://x/fhir/ConceptMap/a/_history/%d", 2);
	sv_resp_header_set(&hs, "etag", "W/\"%d\"", 3);
	cr_assert_eq(hs.n, 2);
	cr_assert_str_eq(sv_resp_header_get(&hs, "ETAG"), "W/\"3\"");
	sv_resp_header_set(&hs, "X-Test", "a\r\nb");
	cr_assert_str_eq(sv_resp_header_get(&hs, "X-Test"), "a  b");
	cr_assert_null(sv_resp_header_get(&hs, "Last-Modified"));
	sv_resp_headers_release(&hs);
	cr_assert_eq(hs.n, 0);
	cr_assert_null(sv_resp_header_get(&hs, "ETag"));
}
