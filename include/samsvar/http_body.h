/* http_body.h — the bytes of a request and an answer (http_body.c): negotiation between
 * application/fhir+json and application/fhir+xml, request bodies parsed at linear cost with caps,
 * answers rendered in valid UTF-8. */
#ifndef SAMSVAR_HTTP_BODY_H
#define SAMSVAR_HTTP_BODY_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/jsonbody.h"

/* The wire format of a request or response body. */
enum sv_format { SV_FMT_JSON, SV_FMT_XML };

/* Picks the response format from `_format` (wins when given) and the Accept header (q-values
 * honoured; absent or * / * means JSON). Sets *fhir_version to 5 when the chosen media type carries
 * fhirVersion=5.x. Returns SV_OK, or SV_ENOTACCEPT with err set. */
enum sv_err sv_http_negotiate(const char *format_param, const char *accept, enum sv_format *fmt,
			      int *fhir_version, struct sv_error *err);

/* Picks from an Accept-Language header (may be NULL) the language tag with the highest q-value (the
 * first of equal ones; "*", q=0 and malformed or over-long tags are passed over) into out (cap bytes).
 * Returns 1 when one was picked, else 0 with out "". */
int sv_http_accept_language(const char *header, char *out, size_t cap);

/* Maps a Content-Type header to a body format; returns SV_EMEDIATYPE for anything else. */
enum sv_err sv_http_body_format(const char *content_type, enum sv_format *fmt, int *fhir_version,
				struct sv_error *err);

/* Parses a request body in `fmt` into FHIR JSON at linear cost (JSON: jsonbody.h; XML: fhirxml.h):
 * valid UTF-8, nesting capped at SV_FHIR_MAX_DEPTH, at most `max_nodes` values (XML: elements and
 * attributes; SV_ETOOBIG above), duplicate keys refused. Fills *out (free it with sv_body_release)
 * and returns out->json, or returns NULL with *out empty and err naming the problem. */
cJSON *sv_http_parse_body(const char *body, size_t len, enum sv_format fmt, unsigned max_nodes,
			  struct sv_body *out, struct sv_error *err);

/* Serialises `res` in `fmt` for FHIR version `fhir_version` (4 or 5; it matters for XML only, where
 * an R5 resource needs R5 element order); returns a malloc'd string (length in *len), always valid
 * UTF-8, or NULL with err set. */
char *sv_http_render(const cJSON *res, enum sv_format fmt, int pretty, int fhir_version, size_t *len,
		     struct sv_error *err);

/* Takes answer bytes `s` (n bytes, malloc'd) a handler finished itself: returns s with its length in
 * *len when it is valid UTF-8, else frees it and returns NULL with err set, as sv_http_render does. */
char *sv_http_accept_bytes(char *s, size_t n, size_t *len, struct sv_error *err);

#endif
