/* http_body.c — the bytes of a request and an answer: media types and content negotiation, request
 * bodies read at linear cost with caps (a JSON syntax check before cJSON sees the body, duplicate
 * keys found by hash), and answers rendered as JSON or XML that are always valid UTF-8. */
#include "samsvar/http_body.h"
#include "samsvar/fhirxml.h"
#include "samsvar/strmap.h"
#include "samsvar/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const JSON_TYPES[] = {"application/fhir+json", "application/json", "json", "text/json"};
static const char *const XML_TYPES[] = {"application/fhir+xml", "application/xml", "xml", "text/xml"};

static int in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && strncasecmp(s, list[i], n) == 0)
			return 1;
	return 0;
}

/* Media type of one header item: its type/subtype span, and whether fhirVersion=5 is among params. */
static void media_type(const char *item, size_t n, const char **type, size_t *tlen, int *v5, double *q)
{
	const char *lim = item + n;
	const char *semi = memchr(item, ';', n);
	const char *end = semi ? semi : lim;

	while (item < end && (*item == ' ' || *item == '\t'))
		item++;
	while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*type = item;
	*tlen = (size_t)(end - item);
	*v5 = 0;
	*q = 1.0;
	while (semi && semi < lim) {
		const char *p = semi + 1, *stop = memchr(p, ';', (size_t)(lim - p));
		size_t plen = stop ? (size_t)(stop - p) : (size_t)(lim - p);
		while (plen && *p == ' ') {
			p++;
			plen--;
		}
		if (plen > 12 && strncasecmp(p, "fhirVersion=", 12) == 0 && p[12] == '5')
			*v5 = 1;
		if (plen > 2 && strncasecmp(p, "q=", 2) == 0)
			*q = strtod(p + 2, NULL);
		semi = stop;
	}
}

/* Steps through a comma-separated header value: sets *item and *n to the next item and advances *p;
 * returns 0 when there is none left. */
static int next_item(const char **p, const char **item, size_t *n)
{
	const char *comma;

	if (!*p || !**p)
		return 0;
	comma = strchr(*p, ',');
	*item = *p;
	*n = comma ? (size_t)(comma - *p) : strlen(*p);
	*p = comma ? comma + 1 : NULL;
	return 1;
}

enum sv_err sv_http_negotiate(const char *format_param, const char *accept, enum sv_format *fmt,
			      int *fhir_version, struct sv_error *err)
{
	double best_q = 0;
	int found = 0, best_v5 = 0;
	size_t n;

	*fmt = SV_FMT_JSON;
	if (format_param && *format_param) {
		const char *t;
		size_t tl;
		int v5;
		double q;
		media_type(format_param, strlen(format_param), &t, &tl, &v5, &q);
		if (v5)
			*fhir_version = 5;
		if (in_list(t, tl, JSON_TYPES, 4))
			return SV_OK;
		if (in_list(t, tl, XML_TYPES, 4)) {
			*fmt = SV_FMT_XML;
			return SV_OK;
		}
		return sv_fail_at(err, SV_ENOTACCEPT, "_format",
				  "_format '%s' is not supported (use json or xml)", format_param);
	}
	if (!accept || !*accept)
		return SV_OK;
	for (const char *p = accept, *item; next_item(&p, &item, &n);) {
		const char *t;
		size_t tl;
		int v5;
		double q;
		enum sv_format f;
		int ok = 1;

		media_type(item, n, &t, &tl, &v5, &q);
		if (in_list(t, tl, JSON_TYPES, 4) || (tl == 3 && strncmp(t, "*/*", 3) == 0) ||
		    (tl == 13 && strncasecmp(t, "application/*", 13) == 0))
			f = SV_FMT_JSON;
		else if (in_list(t, tl, XML_TYPES, 4))
			f = SV_FMT_XML;
		else
			ok = 0;
		if (ok && q > 0 && q > best_q) {
			best_q = q;
			*fmt = f;
			found = 1;
			best_v5 = v5;
		}
	}
	if (found && best_v5)
		*fhir_version = 5;
	if (!found)
		return sv_fail(err, SV_ENOTACCEPT,
			       "none of the Accept types '%s' is served: use application/fhir+json or "
			       "application/fhir+xml", accept);
	return SV_OK;
}

/* A BCP 47 language tag as Accept-Language may carry it: letters, digits and '-', starting with a letter. */
static int lang_tag_ok(const char *t, size_t n, size_t cap)
{
	if (n == 0 || n >= cap || !((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z')))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') ||
		      t[i] == '-'))
			return 0;
	return 1;
}

int sv_http_accept_language(const char *header, char *out, size_t cap)
{
	double best_q = 0;
	size_t n;

	out[0] = '\0';
	for (const char *p = header, *item; next_item(&p, &item, &n);) {
		const char *t;
		size_t tl;
		int v5;
		double q;

		media_type(item, n, &t, &tl, &v5, &q);
		/* "*" asks for nothing in particular; q=0 means "not this one". */
		if (q > best_q && lang_tag_ok(t, tl, cap)) {
			best_q = q;
			memcpy(out, t, tl);
			out[tl] = '\0';
		}
	}
	return out[0] != '\0';
}

enum sv_err sv_http_body_format(const char *content_type, enum sv_format *fmt, int *fhir_version,
				struct sv_error *err)
{
	const char *t;
	size_t tl;
	int v5;
	double q;

	if (!content_type || !*content_type)
		return sv_fail(err, SV_EMEDIATYPE, "a request body needs a Content-Type "
			       "(application/fhir+json or application/fhir+xml)");
	media_type(content_type, strlen(content_type), &t, &tl, &v5, &q);
	if (v5)
		*fhir_version = 5;
	if (in_list(t, tl, JSON_TYPES, 4) && tl > 4) {
		*fmt = SV_FMT_JSON;
		return SV_OK;
	}
	if (in_list(t, tl, XML_TYPES, 4) && tl > 3) {
		*fmt = SV_FMT_XML;
		return SV_OK;
	}
	return sv_fail(err, SV_EMEDIATYPE, "Content-Type '%s' is not supported: use application/fhir+json "
		       "or application/fhir+xml", content_type);
}

/* ---- JSON syntax check ------------------------------------------------------------------------
 * RFC 8259 grammar, one pass, no allocation: it finds the first syntax error with its byte offset,
 * counts values against the cap and nesting against SV_FHIR_MAX_DEPTH, and refuses what cJSON would
 * silently change (\u0000 cuts a string; a lone surrogate). Only a body that passes goes to cJSON,
 * which therefore never fails on it (and never writes its global error pointer from a worker). */

struct jscan {
	const char *start, *p, *end;
	unsigned nodes, max_nodes;
	struct sv_error *err;
};

static enum sv_err jfail(struct jscan *s, const char *what)
{
	return sv_fail(s->err, SV_EINVAL, "the body is not valid JSON: %s at byte %ld", what,
		       (long)(s->p - s->start));
}

static void jws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	if (end - p < 4)
		return 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	*out = v;
	return 1;
}

/* A string starting at the opening quote; the bytes were checked as UTF-8 before. */
static enum sv_err jstring(struct jscan *s)
{
	s->p++;
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p;
		unsigned u, lo;
		if (c == '"') {
			s->p++;
			return SV_OK;
		}
		if (c < 0x20)
			return jfail(s, "a control character inside a string");
		if (c != '\\') {
			s->p++;
			continue;
		}
		if (s->end - s->p < 2)
			break;
		switch (s->p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			s->p += 2;
			continue;
		case 'u':
			if (!hex4(s->p + 2, s->end, &u))
				return jfail(s, "a malformed \\u escape");
			if (u == 0)
				return jfail(s, "\\u0000 (a NUL character) inside a string");
			if (u >= 0xDC00 && u <= 0xDFFF)
				return jfail(s, "a lone low surrogate escape");
			s->p += 6;
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
				    !hex4(s->p + 2, s->end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return jfail(s, "a high surrogate escape without its low half");
				s->p += 6;
			}
			continue;
		default:
			return jfail(s, "an unknown escape inside a string");
		}
	}
	return jfail(s, "an unterminated string");
}

static int digits(struct jscan *s)
{
	const char *from = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > from;
}

static enum sv_err jnumber_syntax(struct jscan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!digits(s))
		return jfail(s, "an unexpected character");
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!digits(s))
			return jfail(s, "a number without digits after '.'");
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return jfail(s, "a number without exponent digits");
	}
	return SV_OK;
}

/* Longest number accepted: cJSON reads a number through a fixed buffer (63 characters in stock
 * 1.7.15), and no FHIR number needs more than a double's 17 significant digits and an exponent. */
#define MAX_NUMBER_CHARS 63

static enum sv_err jnumber(struct jscan *s)
{
	const char *from = s->p;
	enum sv_err rc = jnumber_syntax(s);

	if (rc == SV_OK && s->p - from > MAX_NUMBER_CHARS)
		return jfail(s, "a number longer than 63 characters");
	return rc;
}

static enum sv_err jliteral(struct jscan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return jfail(s, "an unexpected character");
	s->p += n;
	return SV_OK;
}

static enum sv_err json_scan(const char *body, size_t len, unsigned max_nodes, struct sv_error *err)
{
	struct jscan s = {body, body, body + len, 0, max_nodes, err};
	char stack[SV_FHIR_MAX_DEPTH];
	int depth = 0;
	enum sv_err rc;
	size_t bad = sv_utf8_check(body, len);

	if (bad < len)
		return sv_fail(err, SV_EINVAL, "the body is not valid UTF-8 (byte %zu)", bad);
	jws(&s);
	if (s.p == s.end || *s.p != '{')
		return sv_fail(err, SV_EINVAL, "the body must be a JSON object (a FHIR resource)");
	for (;;) {
		/* A value. */
		jws(&s);
		if (s.p == s.end)
			return jfail(&s, "the body ends early");
		if (++s.nodes > s.max_nodes)
			return sv_fail(err, SV_ETOOBIG, "the body has more than %u JSON values (max_body_nodes)",
				       s.max_nodes);
		switch (*s.p) {
		case '{':
		case '[':
			if (depth == SV_FHIR_MAX_DEPTH)
				return sv_fail(err, SV_EINVAL, "the body is nested deeper than %d levels",
					       SV_FHIR_MAX_DEPTH);
			stack[depth++] = *s.p++;
			jws(&s);
			if (s.p < s.end && *s.p == (stack[depth - 1] == '{' ? '}' : ']')) {
				s.p++;
				depth--;
				goto after_value;
			}
			if (stack[depth - 1] == '{')
				goto key;
			continue;
		case '"':
			rc = jstring(&s);
			break;
		case 't':
			rc = jliteral(&s, "true");
			break;
		case 'f':
			rc = jliteral(&s, "false");
			break;
		case 'n':
			rc = jliteral(&s, "null");
			break;
		default:
			rc = jnumber(&s);
		}
		if (rc != SV_OK)
			return rc;
after_value:
		jws(&s);
		if (depth == 0) {
			if (s.p != s.end)
				return jfail(&s, "data after the end of the object");
			return SV_OK;
		}
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			if (stack[depth - 1] == '[')
				continue;
			goto key;
		}
		if (s.p < s.end && *s.p == (stack[depth - 1] == '{' ? '}' : ']')) {
			s.p++;
			depth--;
			goto after_value;
		}
		return jfail(&s, stack[depth - 1] == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
key:
		jws(&s);
		if (s.p == s.end || *s.p != '"')
			return jfail(&s, "expected a key in double quotes");
		if ((rc = jstring(&s)) != SV_OK)
			return rc;
		jws(&s);
		if (s.p == s.end || *s.p != ':')
			return jfail(&s, "expected ':' after a key");
		s.p++;
	}
}

/* Finds a key used twice in one object (FHIR JSON forbids it; cJSON would keep both): pairwise for
 * small objects, by hash for larger ones, so the cost stays linear in the number of keys. */
static const char *duplicate_key(const cJSON *j)
{
	const cJSON *c;
	int n = 0;

	if (cJSON_IsObject(j)) {
		for (c = j->child; c; c = c->next)
			n++;
		if (n <= 8) {
			for (c = j->child; c; c = c->next)
				for (const cJSON *d = j->child; d != c; d = d->next)
					if (strcmp(d->string, c->string) == 0)
						return c->string;
		} else {
			struct sv_strmap seen;
			const char *dup = NULL;
			sv_strmap_init(&seen, (size_t)n);
			for (c = j->child; c && !dup; c = c->next)
				if (!sv_strmap_put(&seen, c->string, 0))
					dup = c->string;
			sv_strmap_release(&seen);
			if (dup)
				return dup;
		}
	}
	cJSON_ArrayForEach(c, j) {
		const char *dup = duplicate_key(c);
		if (dup)
			return dup;
	}
	return NULL;
}

cJSON *sv_http_parse_body(const char *body, size_t len, enum sv_format fmt, unsigned max_nodes,
			  struct sv_error *err)
{
	cJSON *j;
	const char *dup;

	if (len == 0) {
		sv_fail(err, SV_EINVAL, "the request body is empty");
		return NULL;
	}
	if (fmt == SV_FMT_XML)
		return sv_fhirxml_to_json_max(body, len, max_nodes, err);
	if (json_scan(body, len, max_nodes, err) != SV_OK)
		return NULL;
	j = cJSON_ParseWithLength(body, len);
	if (!j) {
		sv_fail(err, SV_EINTERNAL, "the JSON body passed the syntax check but cJSON refused it");
		return NULL;
	}
	if ((dup = duplicate_key(j)) != NULL) {
		sv_fail(err, SV_EINVAL, "the body has the key '%.100s' twice in one object", dup);
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

char *sv_http_render(const cJSON *res, enum sv_format fmt, int pretty, int fhir_version, size_t *len,
		     struct sv_error *err)
{
	char *s = fmt == SV_FMT_XML ? sv_fhirxml_from_json_version(res, fhir_version, err) :
		pretty ? cJSON_Print(res) : cJSON_PrintUnformatted(res);

	if (!s) {
		if (fmt == SV_FMT_JSON)
			sv_fail(err, SV_EINTERNAL, "could not serialise the response");
		return NULL;
	}
	return sv_http_accept_bytes(s, strlen(s), len, err);
}

char *sv_http_accept_bytes(char *s, size_t n, size_t *len, struct sv_error *err)
{
	/* Input is checked at the door, so this only fires on a bug or on content loaded with bad
	 * bytes; either way the client gets an error rather than bytes its parser may choke on. */
	if (!sv_utf8_valid(s, n)) {
		free(s);
		sv_fail(err, SV_EINTERNAL, "the answer would hold invalid UTF-8; it was not sent");
		return NULL;
	}
	*len = n;
	return s;
}
