/* test_receivers.c — the receiver directory file: columns in any order, optional TLS columns, and
 * every refused line named with file:line. */
#include "samsvar/receivers.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static enum sv_err parse(const char *text, struct sv_receivers *rs, struct sv_error *err)
{
	memset(rs, 0, sizeof(*rs));
	return sv_receivers_parse(text, strlen(text), "r.tsv", rs, err);
}

Test(receivers, reads_rows_in_any_column_order)
{
	struct sv_receivers rs;
	struct sv_error err = {0};
	const struct sv_receiver *r;

	cr_assert_eq(parse("# the hospitals\n\nformat\tid\tendpoint\tname\ther_id\ttls_ca\n"
			   "kith\tstolav\thttp://127.0.0.1:1/messages/inbound\tST OLAVS HOSPITAL HF\t59\t\n"
			   "fhir-xml\tahus\thttps://ahus.example/fhir/$process-message\tAkershus\t4001\t/ca.pem\r\n",
			   &rs, &err), SV_OK, "%s", err.message);
	cr_assert_eq(rs.n, 2);
	r = sv_receivers_find(&rs, "stolav");
	cr_assert_not_null(r);
	cr_assert_eq(r->format, SV_RECV_KITH);
	cr_assert_str_eq(r->her_id, "59");
	cr_assert_null(r->tls_ca);
	r = sv_receivers_find(&rs, "ahus");
	cr_assert_eq(r->format, SV_RECV_FHIR_XML);
	cr_assert_str_eq(r->tls_ca, "/ca.pem");
	cr_assert_null(sv_receivers_find(&rs, "nobody"));
	cr_assert_str_eq(sv_recv_format_name(SV_RECV_FHIR_JSON), "fhir-json");
	cr_assert(strstr(sv_recv_format_media(SV_RECV_KITH), "application/xml") != NULL);
	sv_receivers_release(&rs);
	cr_assert_eq(rs.n, 0);
}

Test(receivers, refuses_each_bad_line_naming_it)
{
	static const char H[] = "id\tname\ther_id\tendpoint\tformat\n";
	static const char *const BAD[][2] = {
		{"id\tname\n", "no column 'her_id'"},
		{"", "no header line"},
		{"x\tA\t1\thttp://h/\tsmtp\n", "format 'smtp'"},
		{"x\tA\t1\tftp://h/\tkith\n", "not an http(s) URL"},
		{"x\tA\tabc\thttp://h/\tkith\n", "not a HER-id"},
		{"x y\tA\t1\thttp://h/\tkith\n", "is not 1-64"},
		{"x\tA\t1\thttp://h/\tkith\nx\tB\t2\thttp://h/\tkith\n", "given twice"},
		{"x\t\t1\thttp://h/\tkith\n", "name is empty"},
	};
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		struct sv_receivers rs;
		struct sv_error err = {0};
		char text[512];
		snprintf(text, sizeof(text), "%s%s", strncmp(BAD[i][0], "id\t", 3) == 0 || !*BAD[i][0] ? "" : H,
			 BAD[i][0]);
		cr_assert_eq(parse(text, &rs, &err), SV_ECONFIG, "case %zu accepted", i);
		cr_assert(strstr(err.message, BAD[i][1]) != NULL, "case %zu: %s", i, err.message);
		cr_assert(strncmp(err.message, "r.tsv:", 6) == 0, "case %zu: %s", i, err.message);
		cr_assert_eq(rs.n, 0);
		cr_assert_null(rs.r);
	}
}

Test(receivers, mtls_needs_cert_and_key_and_readable_files)
{
	struct sv_receivers rs;
	struct sv_error err = {0};
	char path[] = "/tmp/samsvar-recv-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_eq(parse("id\tname\ther_id\tendpoint\tformat\ttls_cert\n"
			   "x\tA\t1\thttps://h/\tkith\t/c.pem\n", &rs, &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "tls_cert and tls_key go together"), "%s", err.message);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs("id\tname\ther_id\tendpoint\tformat\ttls_cert\ttls_key\n"
	      "x\tA\t1\thttps://h/\tkith\t/nonexistent/c.pem\t/nonexistent/k.pem\n", f);
	fclose(f);
	cr_assert_eq(sv_receivers_load(path, &rs, &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "cannot read tls_cert"), "%s", err.message);
	cr_assert_eq(sv_receivers_load("/nonexistent/receivers.tsv", &rs, &err), SV_EIO);
	remove(path);
}

Test(receivers, stored_media_types_read_back_as_their_format)
{
	for (int f = SV_RECV_KITH; f <= SV_RECV_FHIR_XML; f++)
		cr_assert_eq(sv_recv_format_of_media(sv_recv_format_media((enum sv_recv_format)f)), f);
	cr_assert_eq(sv_recv_format_of_media("application/fhir+xml"), SV_RECV_FHIR_XML);
	cr_assert_eq(sv_recv_format_of_media(NULL), SV_RECV_KITH);
}
