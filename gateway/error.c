/* error.c — error codes, their texts, HTTP statuses and FHIR issue codes; the OOM policy. */
#include "samsvar/error.h"
#include "samsvar/utf8.h"

#include <cjson/cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sv_strerror(enum sv_err code)
{
	/* A switch without default: -Wswitch (in -Wall) flags a new code that has no text. */
	switch (code) {
	case SV_OK: return "ok";
	case SV_EINVAL: return "invalid input";
	case SV_EREQUIRED: return "required parameter missing";
	case SV_ENOTFOUND: return "not found";
	case SV_ECONFLICT: return "conflict";
	case SV_ETOOBIG: return "too large";
	case SV_EURITOOLONG: return "request target too long";
	case SV_EHEADERS: return "request headers too large";
	case SV_EUNAVAILABLE: return "service unavailable";
	case SV_EMEDIATYPE: return "unsupported media type";
	case SV_ENOTACCEPT: return "not acceptable";
	case SV_EMETHOD: return "method not allowed";
	case SV_ENOTSUPPORTED: return "not supported";
	case SV_ETOOCOSTLY: return "too costly";
	case SV_EUNAUTH: return "authentication required";
	case SV_EFORBIDDEN: return "forbidden";
	case SV_EPRECONDITION: return "precondition failed";
	case SV_EUNPROCESSABLE: return "unprocessable content";
	case SV_EIO: return "i/o error";
	case SV_ESTORE: return "store error";
	case SV_ECONFIG: return "configuration error";
	case SV_EINTERNAL: return "internal error";
	}
	return "unknown error";
}

int sv_err_http_status(enum sv_err code)
{
	switch (code) {
	case SV_OK: return 200;
	case SV_EINVAL: return 400;
	case SV_EREQUIRED: return 400;
	case SV_ENOTFOUND: return 404;
	case SV_ECONFLICT: return 409;
	case SV_ETOOBIG: return 413;
	case SV_EURITOOLONG: return 414;
	case SV_EHEADERS: return 431;
	case SV_EUNAVAILABLE: return 503;
	case SV_EMEDIATYPE: return 415;
	case SV_ENOTACCEPT: return 406;
	case SV_EMETHOD: return 405;
	case SV_ENOTSUPPORTED: return 400;
	case SV_ETOOCOSTLY: return 422;
	case SV_EUNAUTH: return 401;
	case SV_EFORBIDDEN: return 403;
	case SV_EPRECONDITION: return 412;
	case SV_EUNPROCESSABLE: return 422;
	case SV_EIO: return 500;
	case SV_ESTORE: return 500;
	case SV_ECONFIG: return 500;
	case SV_EINTERNAL: return 500;
	}
	return 500;
}

const char *sv_err_issue_code(enum sv_err code)
{
	switch (code) {
	case SV_OK: return "informational";
	case SV_EINVAL: return "invalid";
	case SV_EREQUIRED: return "required";
	case SV_ENOTFOUND: return "not-found";
	case SV_ECONFLICT: return "conflict";
	case SV_ETOOBIG: return "too-long";
	case SV_EURITOOLONG: return "too-long";
	case SV_EHEADERS: return "too-long";
	case SV_EUNAVAILABLE: return "transient";
	case SV_EMEDIATYPE: return "not-supported";
	case SV_ENOTACCEPT: return "not-supported";
	case SV_EMETHOD: return "not-supported";
	case SV_ENOTSUPPORTED: return "not-supported";
	case SV_ETOOCOSTLY: return "too-costly";
	case SV_EUNAUTH: return "login";
	case SV_EFORBIDDEN: return "forbidden";
	case SV_EPRECONDITION: return "conflict";
	case SV_EUNPROCESSABLE: return "processing";
	case SV_EIO: return "exception";
	case SV_ESTORE: return "exception";
	case SV_ECONFIG: return "exception";
	case SV_EINTERNAL: return "exception";
	}
	return "exception";
}

/* Messages quote what clients sent, cut to fit with %.Ns: a cut may split a UTF-8 sequence, and
 * an answer must never carry invalid UTF-8, so every byte that does not start a valid sequence
 * becomes '?'. */
static void utf8_repair(char *s)
{
	size_t n = strlen(s), at = 0;
	while ((at += sv_utf8_check(s + at, n - at)) < n)
		s[at] = '?';
}

static enum sv_err fail_v(struct sv_error *err, enum sv_err code, const char *expression,
			  const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	snprintf(err->expression, sizeof(err->expression), "%s", expression ? expression : "");
	utf8_repair(err->message);
	utf8_repair(err->expression);
	return code;
}

enum sv_err sv_fail(struct sv_error *err, enum sv_err code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(err, code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

enum sv_err sv_fail_at(struct sv_error *err, enum sv_err code, const char *expression,
		       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fail_v(err, code, expression, fmt, ap);
	va_end(ap);
	return code;
}

void sv_error_clear(struct sv_error *err)
{
	if (!err)
		return;
	err->code = SV_OK;
	err->message[0] = '\0';
	err->expression[0] = '\0';
}

void sv_bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "samsvar: BUG at %s:%d: %s\n", file, line, msg);
	abort();
}

static void oom(size_t n)
{
	fprintf(stderr, "samsvar: out of memory allocating %zu bytes\n", n);
	abort();
}

void *sv_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *sv_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *sv_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *sv_xstrdup(const char *s)
{
	return sv_xstrndup(s, strlen(s));
}

char *sv_xstrndup(const char *s, size_t n)
{
	char *p = sv_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void sv_alloc_init(void)
{
	/* No realloc hook: cJSON then grows print buffers with malloc + copy, through sv_xmalloc too. */
	cJSON_Hooks hooks = {.malloc_fn = sv_xmalloc, .free_fn = free};

	cJSON_InitHooks(&hooks);
}
