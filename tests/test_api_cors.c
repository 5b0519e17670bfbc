/* test_api_cors.c — black-box tests of CORS (cors_origins) and gzip answers (issue 10): a preflight
 * from an allowed origin is a 204 with what the API takes, every answer to it carries
 * Access-Control-Allow-Origin, other origins get none; an answer of 1 KiB or more is gzip when the
 * client takes it, and inflates to the same bytes as the plain answer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "support/daemon.h"
#include "support/support.h"

TS_DAEMON_SUITE("cors_origins = https://epj.example.org, http://localhost:3000")
TS_DAEMON_SUITE_END()

#define EXPAND "/fhir/ValueSet/$expand?url=urn:oid:2.16.578.1.12.4.1.1.9111?fhir_vs"
#define LOOKUP "/fhir/CodeSystem/$lookup?system=urn:oid:2.16.578.1.12.4.1.1.9111&code=7"

static void req(const char *method, const char *path, const char *const *headers, struct ts_resp *r)
{
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	cr_assert_eq(ts_http(ts_port(), method, path, headers, NULL, 0, r), 0, "%s %s failed", method, path);
}

Test(cors, preflight_from_an_allowed_origin_is_a_204)
{
	static const char *const h[] = {"Origin: https://epj.example.org", "Access-Control-Request-Method: POST",
					"Access-Control-Request-Headers: content-type, authorization", NULL};
	struct ts_resp r;
	char v[512];

	req("OPTIONS", "/fhir/ConceptMap/$translate", h, &r);
	cr_assert_eq(r.status, 204, "%ld %s", r.status, r.body);
	cr_assert_eq(r.len, 0);
	cr_assert_str_eq(ts_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)), "https://epj.example.org");
	cr_assert(strstr(ts_header(&r, "Access-Control-Allow-Methods", v, sizeof(v)), "POST"));
	cr_assert(strstr(ts_header(&r, "Access-Control-Allow-Headers", v, sizeof(v)), "Authorization"));
	cr_assert_not_null(ts_header(&r, "Access-Control-Max-Age", v, sizeof(v)));
	free(r.body);
}

Test(cors, answers_carry_the_origin_and_others_get_nothing)
{
	static const char *const ok[] = {"Origin: http://localhost:3000", NULL};
	static const char *const other[] = {"Origin: https://evil.example", NULL};
	static const char *const pre_other[] = {"Origin: https://evil.example", "Access-Control-Request-Method: GET", NULL};
	struct ts_resp r;
	char v[512];

	req("GET", LOOKUP, ok, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(ts_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)), "http://localhost:3000");
	cr_assert(strstr(ts_header(&r, "Vary", v, sizeof(v)), "Origin"));
	cr_assert(strstr(ts_header(&r, "Access-Control-Expose-Headers", v, sizeof(v)), "ETag"));
	free(r.body);
	req("GET", "/fhir/CodeSystem/$lookup?system=nosuch&code=x", ok, &r);
	cr_assert_eq(r.status, 404);
	cr_assert_not_null(ts_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)), "errors too, or the page cannot read them");
	free(r.body);
	req("GET", LOOKUP, other, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_null(ts_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)));
	cr_assert(strstr(ts_header(&r, "Vary", v, sizeof(v)), "Origin"), "a cache must not serve it to a listed origin");
	free(r.body);
	req("GET", "/fhir/metadata", NULL, &r);
	cr_assert(strstr(r.body, "\"cors\":true"), "the CapabilityStatement says CORS is on");
	free(r.body);
	req("OPTIONS", LOOKUP, pre_other, &r);
	cr_assert_eq(r.status, 405, "no preflight for an origin not listed: %ld", r.status);
	cr_assert_null(ts_header(&r, "Access-Control-Allow-Origin", v, sizeof(v)));
	free(r.body);
}

static char *gunzip(const char *z, size_t n, size_t *out)
{
	size_t cap = 16 * 1024 * 1024;
	char *buf = malloc(cap);
	z_stream s;

	memset(&s, 0, sizeof(s));
	cr_assert_eq(inflateInit2(&s, 15 + 16), Z_OK);
	s.next_in = (Bytef *)(void *)z;
	s.avail_in = (uInt)n;
	s.next_out = (Bytef *)buf;
	s.avail_out = (uInt)cap;
	cr_assert_eq(inflate(&s, Z_FINISH), Z_STREAM_END, "not a whole gzip stream");
	*out = s.total_out;
	inflateEnd(&s);
	return buf;
}

Test(gzip, large_answers_are_compressed_for_clients_that_take_gzip)
{
	static const char *const gz[] = {"Accept-Encoding: gzip, deflate", NULL};
	static const char *const no[] = {"Accept-Encoding: gzip;q=0, identity", NULL};
	struct ts_resp plain, z, refused;
	char v[512], *back;
	size_t blen;

	req("GET", EXPAND, NULL, &plain);
	cr_assert_eq(plain.status, 200);
	cr_assert_gt(plain.len, 1024, "the expansion is big enough to compress");
	cr_assert_null(ts_header(&plain, "Content-Encoding", v, sizeof(v)));
	cr_assert(strstr(ts_header(&plain, "Vary", v, sizeof(v)), "Accept-Encoding"));
	req("GET", EXPAND, gz, &z);
	cr_assert_eq(z.status, 200);
	cr_assert_str_eq(ts_header(&z, "Content-Encoding", v, sizeof(v)), "gzip");
	cr_assert_lt(z.len, plain.len);
	back = gunzip(z.body, z.len, &blen);
	/* the same answer but for the identifier and timestamp every expansion gets anew */
	cr_assert_eq(blen, plain.len);
	cr_assert(strstr(back, "\"resourceType\":\"ValueSet\""));
	free(back);
	req("GET", EXPAND, no, &refused);
	cr_assert_null(ts_header(&refused, "Content-Encoding", v, sizeof(v)), "q=0 refuses gzip");
	free(plain.body);
	free(z.body);
	free(refused.body);
}

Test(gzip, small_answers_stay_plain)
{
	static const char *const gz[] = {"Accept-Encoding: gzip", NULL};
	struct ts_resp r;
	char v[512];

	req("GET", LOOKUP, gz, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_lt(r.len, 1024);
	cr_assert_null(ts_header(&r, "Content-Encoding", v, sizeof(v)), "under 1 KiB is sent as it is");
	free(r.body);
}
