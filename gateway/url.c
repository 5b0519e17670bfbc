/* url.c — strict, linear parsing of an HTTP request-target into a decoded path and parameters. */
#include "samsvar/url.h"
#include "samsvar/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes `n` bytes at `s` into `out` (NUL-terminated; needs n + 1 bytes); `plus` turns '+' into a
 * space. Returns the decoded length, or -1 for a malformed escape or a decoded NUL. */
static long decode(const char *s, size_t n, int plus, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= n)
				return -1;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == '\0')
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (long)o;
}

static int has_control(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
			return 1;
	return 0;
}

/* Keeps the first problem found: copies *e into err when nothing was reported before. */
static enum sv_err keep_first(enum sv_err rc, const struct sv_error *e, struct sv_error *err)
{
	if (rc != SV_OK || e->code == SV_OK)
		return rc;
	if (err)
		*err = *e;
	return e->code;
}

enum sv_err sv_url_parse(const char *target, size_t len, size_t max_params, struct sv_url *u,
			 struct sv_error *err)
{
	const char *q, *end;
	size_t plen, count = 0;
	struct sv_error e;
	enum sv_err rc = SV_OK;
	char *o;
	long n;

	/* The absolute form (RFC 9112 3.2.2, "http://host/path?query"), which servers must accept:
	 * the scheme and authority go, the rest is read as the origin form. */
	for (int i = 0; i < 2; i++) {
		const char *scheme = i ? "https://" : "http://";
		size_t sl = strlen(scheme);
		if (len > sl && strncasecmp(target, scheme, sl) == 0) {
			const char *rest = target + sl;
			while (rest < target + len && *rest != '/' && *rest != '?')
				rest++;
			len -= (size_t)(rest - target);
			target = rest;
			break;
		}
	}
	q = memchr(target, '?', len);
	end = target + len;
	plen = q ? (size_t)(q - target) : len;

	u->path = NULL;
	u->params = NULL;
	u->nparams = 0;
	u->buf = NULL;
	/* Every decoded string is no longer than its source, so one buffer of len + one NUL per
	 * string is enough; the parameter table is sized after counting, before anything is decoded. */
	if (q) {
		for (const char *p = q + 1; p < end; p++)     /* non-empty pieces between '&'s */
			count += *p != '&' && (p == q + 1 || p[-1] == '&');
		if (count > max_params)
			return sv_fail_at(err, SV_ETOOBIG, "query",
					  "more than %zu query parameters (max_params)", max_params);
	}
	u->buf = o = len + 2 * count + 2 <= sizeof(u->inline_buf) ? u->inline_buf : sv_xmalloc(len + 2 * count + 2);
	u->params = count <= sizeof(u->inline_params) / sizeof(u->inline_params[0]) ? u->inline_params :
		    sv_xcalloc(count, sizeof(*u->params));

	/* A bad part does not stop the reading: the rest (e.g. _format, which decides the format of
	 * the error answer) is still read, and the first problem is the one reported. */
	sv_error_clear(&e);
	n = plen && target[0] == '/' ? decode(target, plen, 0, o) : -2;
	if (n == -2)
		sv_fail_at(&e, SV_EINVAL, "path", "the request target must start with '/'");
	else if (n < 0)
		sv_fail_at(&e, SV_EINVAL, "path", "the path has a malformed %%-escape or an encoded NUL");
	else if (!sv_utf8_valid(o, (size_t)n) || has_control(o, (size_t)n))
		sv_fail_at(&e, SV_EINVAL, "path", "the path is not valid UTF-8 or holds a control character");
	rc = keep_first(rc, &e, err);
	u->path = rc == SV_OK ? o : "";
	if (rc == SV_OK)
		o += n + 1;

	for (const char *p = q ? q + 1 : end; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *from = p;
		long vn = 0;

		p = amp ? amp + 1 : end;
		if (stop == from)            /* "&&" or a trailing '&' */
			continue;
		n = decode(from, (size_t)((eq ? eq : stop) - from), 1, o);
		if (n < 0)
			sv_fail_at(&e, SV_EINVAL, "query",
				   "a query parameter name has a malformed %%-escape or an encoded NUL");
		else if (n == 0)
			sv_fail_at(&e, SV_EINVAL, "query", "a query parameter has no name");
		else if (!sv_utf8_valid(o, (size_t)n) || has_control(o, (size_t)n))
			sv_fail_at(&e, SV_EINVAL, "query",
				   "a query parameter name is not valid UTF-8 or holds a control character");
		else if ((vn = eq ? decode(eq + 1, (size_t)(stop - eq - 1), 1, o + n + 1) : (o[n + 1] = '\0', 0)) < 0)
			sv_fail_at(&e, SV_EINVAL, o, "query parameter '%.100s' has a malformed %%-escape or "
				   "an encoded NUL", o);
		else if (!sv_utf8_valid(o + n + 1, (size_t)vn))
			sv_fail_at(&e, SV_EINVAL, o, "query parameter '%.100s' is not valid UTF-8", o);
		if (e.code != SV_OK) {
			rc = keep_first(rc, &e, err);
			sv_error_clear(&e);
			continue;
		}
		u->params[u->nparams].name = o;
		u->params[u->nparams].value = o + n + 1;
		u->nparams++;
		o += n + 1 + vn + 1;
	}
	return rc;
}

void sv_url_release(struct sv_url *u)
{
	if (u->params != u->inline_params)
		free(u->params);
	if (u->buf != u->inline_buf)
		free(u->buf);
	u->params = NULL;
	u->buf = NULL;
	u->nparams = 0;
	u->path = NULL;
}
