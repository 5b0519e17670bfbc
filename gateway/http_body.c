/* http_body.c — the bytes of a request and an answer: media types and content negotiation, request
 * bodies read at linear cost with caps (JSON in jsonbody.c, XML in fhirxml_read.c), and answers
 * rendered as JSON or XML that are always valid UTF-8. */
#include "samsvar/http_body.h"
#include "samsvar/fhirxml.h"
#include "samsvar/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* With the media types of FHIR DSTU2 (application/json+fhir, application/xml+fhir), which older
 * clients still send; answers always name the current ones. */
static const char *const JSON_TYPES[] = {"application/fhir+json", "application/json", "json", "text/json",
					 "application/json+fhir"};
static const char *const XML_TYPES[] = {"application/fhir+xml", "application/xml", "xml", "text/xml",
					"application/xml+fhir"};
#define NTYPES (sizeof(JSON_TYPES) / sizeof(JSON_TYPES[0]))
_Static_assert(sizeof(XML_TYPES) == sizeof(JSON_TYPES), "as many XML types as JSON ones");

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
		if (in_list(t, tl, JSON_TYPES, NTYPES))
			return SV_OK;
		if (in_list(t, tl, XML_TYPES, NTYPES)) {
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
		if (in_list(t, tl, JSON_TYPES, NTYPES) || (tl == 3 && strncmp(t, "*/*", 3) == 0) ||
		    (tl == 13 && strncasecmp(t, "application/*", 13) == 0))
			f = SV_FMT_JSON;
		else if (in_list(t, tl, XML_TYPES, NTYPES))
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
	if (in_list(t, tl, JSON_TYPES, NTYPES) && tl > 4) {
		*fmt = SV_FMT_JSON;
		return SV_OK;
	}
	if (in_list(t, tl, XML_TYPES, NTYPES) && tl > 3) {
		*fmt = SV_FMT_XML;
		return SV_OK;
	}
	return sv_fail(err, SV_EMEDIATYPE, "Content-Type '%s' is not supported: use application/fhir+json "
		       "or application/fhir+xml", content_type);
}

cJSON *sv_http_parse_body(const char *body, size_t len, enum sv_format fmt, unsigned max_nodes,
			  struct sv_body *out, struct sv_error *err)
{
	memset(out, 0, sizeof(*out));
	if (len == 0) {
		sv_fail(err, SV_EINVAL, "the request body is empty");
		return NULL;
	}
	if (fmt == SV_FMT_XML)
		return out->json = sv_fhirxml_to_json_max(body, len, max_nodes, err);
	return sv_jsonbody_parse(body, len, max_nodes, out, err);
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
