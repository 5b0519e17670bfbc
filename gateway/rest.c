/* rest.c — POST _search form bodies, conditional reads and Prefer handling (rest.h). */
#include "samsvar/rest.h"
#include "samsvar/text.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define FORM_TYPE "application/x-www-form-urlencoded"

enum sv_err sv_rest_form(const char *content_type, const char *body, size_t len, size_t max_params,
			 struct sv_url *form, struct sv_error *err)
{
	size_t tl = strlen(FORM_TYPE);
	char *target;
	enum sv_err rc;

	memset(form, 0, sizeof(*form));
	if (len == 0 && (!content_type || !*content_type))
		return sv_url_parse("/", 1, max_params, form, err);
	/* The type, then nothing or its parameters (charset): "application/x-www-form-urlencoded; charset=UTF-8". */
	if (!content_type || strncasecmp(content_type, FORM_TYPE, tl) != 0 ||
	    (content_type[tl] && content_type[tl] != ';' && content_type[tl] != ' '))
		return sv_fail(err, SV_EMEDIATYPE, "POST _search takes its parameters as " FORM_TYPE
			       " (as an HTML form sends them), not '%.100s'", content_type ? content_type : "no Content-Type");
	/* The body is read as a request-target's query, by the same strict parser. */
	target = sv_xmalloc(len + 3);
	memcpy(target, "/?", 2);
	memcpy(target + 2, body, len);
	target[len + 2] = '\0';
	rc = sv_url_parse(target, len + 2, max_params, form, err);
	free(target);
	return rc;
}

int sv_rest_prefer_strict(const char *prefer)
{
	const char *p = prefer, *item;
	size_t n;
	int strict = 0;

	/* Preferences are separated by commas (RFC 7240), parameters of one by ';'. */
	while (p && (item = sv_list_next(&p, &n)) != NULL)
		for (const char *q = item, *end = item + n; q < end;) {
			const char *semi = memchr(q, ';', (size_t)(end - q)), *stop = semi ? semi : end;
			const char *e = stop;
			while (q < e && *q == ' ')
				q++;
			while (e > q && e[-1] == ' ')
				e--;
			if (e - q == 15 && strncasecmp(q, "handling=strict", 15) == 0)
				strict = 1;
			else if (e - q == 16 && strncasecmp(q, "handling=lenient", 16) == 0)
				strict = 0;
			q = semi ? semi + 1 : end;
		}
	return strict;
}

/* The opaque part of an entity tag: without W/ (weak comparison, RFC 9110 8.8.3.2). */
static void opaque(const char **t, size_t *n)
{
	if (*n >= 2 && strncmp(*t, "W/", 2) == 0) {
		*t += 2;
		*n -= 2;
	}
}

/* Reads an HTTP-date (IMF-fixdate); returns -1 when it is not one. */
static time_t http_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (!s || !(end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm)) || *end)
		return -1;
	return timegm(&tm);
}

int sv_rest_not_modified(const struct sv_resp_headers *hs, const char *if_none_match,
			 const char *if_modified_since)
{
	const char *etag = sv_resp_header_get(hs, "ETag"), *p = if_none_match, *item;
	size_t n, en;

	if (if_none_match) {
		if (!etag)
			return 0;
		en = strlen(etag);
		opaque(&etag, &en);
		while ((item = sv_list_next(&p, &n)) != NULL) {
			if (n == 1 && *item == '*')
				return 1;
			opaque(&item, &n);
			if (n == en && strncmp(item, etag, n) == 0)
				return 1;
		}
		return 0;
	}
	if (if_modified_since) {
		time_t since = http_time(if_modified_since), modified = http_time(sv_resp_header_get(hs, "Last-Modified"));
		return since >= 0 && modified >= 0 && modified <= since;
	}
	return 0;
}
