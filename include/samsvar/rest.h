/* rest.h — FHIR REST conventions the exchange applies around a handler (http://hl7.org/fhir/R4/http.html):
 * the form body of POST {type}/_search, conditional reads (If-None-Match, If-Modified-Since → 304),
 * and the Prefer header's handling=strict|lenient. */
#ifndef SAMSVAR_REST_H
#define SAMSVAR_REST_H

#include <stddef.h>
#include "samsvar/error.h"
#include "samsvar/headers.h"
#include "samsvar/url.h"

/* Parses the body of a POST _search: `len` bytes of application/x-www-form-urlencoded (per
 * `content_type`; an empty body needs none) into *form, read as strictly as a query string (url.h),
 * at most `max_params` parameters. The caller releases *form whatever the result. SV_EMEDIATYPE for
 * another content type; SV_EINVAL / SV_ETOOBIG as sv_url_parse(). */
enum sv_err sv_rest_form(const char *content_type, const char *body, size_t len, size_t max_params,
			 struct sv_url *form, struct sv_error *err);

/* Returns 1 when a Prefer header value asks for handling=strict, 0 otherwise (absent, lenient). */
int sv_rest_prefer_strict(const char *prefer);

/* Returns 1 when an answer with headers `hs` (its ETag and Last-Modified) is what the client already
 * has: If-None-Match names its ETag (weak comparison, or *), or, without If-None-Match,
 * If-Modified-Since is not before Last-Modified. Then the answer is 304 Not Modified, without body. */
int sv_rest_not_modified(const struct sv_resp_headers *hs, const char *if_none_match,
			 const char *if_modified_since);

#endif
