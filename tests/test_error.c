/* test_error.c — the error vocabulary: texts, HTTP statuses, FHIR issue codes, sv_fail detail and
 * the allocation wrappers (OOM policy). */
#include "samsvar/error.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const enum sv_err ALL[] = {
	SV_OK, SV_EINVAL, SV_EREQUIRED, SV_ENOTFOUND, SV_ECONFLICT, SV_ETOOBIG, SV_EMEDIATYPE,
	SV_ENOTACCEPT, SV_EMETHOD, SV_ENOTSUPPORTED, SV_ETOOCOSTLY, SV_EIO, SV_ESTORE, SV_ECONFIG,
	SV_EINTERNAL, SV_EUNAUTH, SV_EFORBIDDEN, SV_EPRECONDITION, SV_EUNPROCESSABLE,
};
#define NALL (sizeof(ALL) / sizeof(ALL[0]))

Test(error, every_code_has_its_own_text)
{
	for (size_t i = 0; i < NALL; i++) {
		const char *t = sv_strerror(ALL[i]);
		cr_assert_not_null(t);
		cr_assert_str_neq(t, "unknown error", "code %d has no text", ALL[i]);
		for (size_t j = 0; j < i; j++)
			cr_assert_str_neq(t, sv_strerror(ALL[j]), "codes %d and %d share a text", ALL[i], ALL[j]);
	}
	cr_assert_str_eq(sv_strerror((enum sv_err)999), "unknown error");
}

Test(error, http_status_table)
{
	static const struct { enum sv_err e; int status; } want[] = {
		{SV_OK, 200}, {SV_EINVAL, 400}, {SV_EREQUIRED, 400}, {SV_ENOTFOUND, 404},
		{SV_ECONFLICT, 409}, {SV_ETOOBIG, 413}, {SV_EMEDIATYPE, 415}, {SV_ENOTACCEPT, 406},
		{SV_EMETHOD, 405}, {SV_ENOTSUPPORTED, 400}, {SV_ETOOCOSTLY, 422}, {SV_EIO, 500},
		{SV_ESTORE, 500}, {SV_ECONFIG, 500}, {SV_EINTERNAL, 500}, {SV_EUNAUTH, 401},
		{SV_EFORBIDDEN, 403}, {SV_EPRECONDITION, 412}, {SV_EUNPROCESSABLE, 422},
	};
	cr_assert_eq(sizeof(want) / sizeof(want[0]), NALL);
	for (size_t i = 0; i < NALL; i++)
		cr_assert_eq(sv_err_http_status(want[i].e), want[i].status, "%s: %d, want %d",
			     sv_strerror(want[i].e), sv_err_http_status(want[i].e), want[i].status);
	cr_assert_eq(sv_err_http_status((enum sv_err)999), 500);
}

Test(error, issue_code_table)
{
	static const struct { enum sv_err e; const char *code; } want[] = {
		{SV_OK, "informational"}, {SV_EINVAL, "invalid"}, {SV_EREQUIRED, "required"},
		{SV_ENOTFOUND, "not-found"}, {SV_ECONFLICT, "conflict"}, {SV_ETOOBIG, "too-long"},
		{SV_EMEDIATYPE, "not-supported"}, {SV_ENOTACCEPT, "not-supported"},
		{SV_EMETHOD, "not-supported"}, {SV_ENOTSUPPORTED, "not-supported"},
		{SV_ETOOCOSTLY, "too-costly"}, {SV_EIO, "exception"}, {SV_ESTORE, "exception"},
		{SV_ECONFIG, "exception"}, {SV_EINTERNAL, "exception"}, {SV_EUNAUTH, "login"},
		{SV_EFORBIDDEN, "forbidden"}, {SV_EPRECONDITION, "conflict"}, {SV_EUNPROCESSABLE, "processing"},
	};
	cr_assert_eq(sizeof(want) / sizeof(want[0]), NALL);
	for (size_t i = 0; i < NALL; i++)
		cr_assert_str_eq(sv_err_issue_code(want[i].e), want[i].code);
}

Test(error, fail_records_code_and_message)
{
	struct sv_error err;

	sv_error_clear(&err);
	cr_assert_eq(sv_fail(&err, SV_EINVAL, "bad %s at %d", "code", 7), SV_EINVAL);
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert_str_eq(err.message, "bad code at 7");
	cr_assert_str_eq(err.expression, "");
}

Test(error, fail_at_records_expression_and_clear_resets)
{
	struct sv_error err;

	cr_assert_eq(sv_fail_at(&err, SV_EREQUIRED, "system", "parameter '%s' is required", "system"),
		     SV_EREQUIRED);
	cr_assert_eq(err.code, SV_EREQUIRED);
	cr_assert_str_eq(err.expression, "system");
	cr_assert_str_eq(err.message, "parameter 'system' is required");
	/* A later plain sv_fail must not keep the old expression. */
	sv_fail(&err, SV_ENOTFOUND, "gone");
	cr_assert_str_eq(err.expression, "");
	sv_error_clear(&err);
	cr_assert_eq(err.code, SV_OK);
	cr_assert_str_eq(err.message, "");
	cr_assert_str_eq(err.expression, "");
	sv_error_clear(NULL);
}

Test(error, fail_with_null_err_only_returns)
{
	cr_assert_eq(sv_fail(NULL, SV_ETOOBIG, "x"), SV_ETOOBIG);
	cr_assert_eq(sv_fail_at(NULL, SV_ECONFLICT, "id", "x"), SV_ECONFLICT);
}

Test(error, long_message_and_expression_are_truncated)
{
	struct sv_error err;
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sv_fail_at(&err, SV_EINVAL, big, "%s", big);
	cr_assert_eq(strlen(err.message), sizeof(err.message) - 1);
	cr_assert_eq(strlen(err.expression), sizeof(err.expression) - 1);
}

Test(error, xalloc_wrappers)
{
	char *p = sv_xmalloc(0), *q;
	unsigned char *z = sv_xcalloc(64, 1);

	cr_assert_not_null(p);
	free(p);
	for (int i = 0; i < 64; i++)
		cr_assert_eq(z[i], 0);
	z = sv_xrealloc(z, 4096);
	z[4095] = 1;
	free(z);
	p = sv_xstrdup("Fælles Sprog III");
	cr_assert_str_eq(p, "Fælles Sprog III");
	q = sv_xstrndup("Trygghet og mer", 8);
	cr_assert_str_eq(q, "Trygghet");
	free(p);
	free(q);
}

Test(error, bug_aborts, .signal = SIGABRT)
{
	SV_BUG("broken invariant");
}
