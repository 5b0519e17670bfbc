/* headers.h — extra response headers a handler or the exchange adds to an answer (Location, ETag,
 * Last-Modified, WWW-Authenticate, Content-Location...), sent by the transport as they are. */
#ifndef SAMSVAR_HEADERS_H
#define SAMSVAR_HEADERS_H

#define SV_RESP_HEADERS_MAX 12

struct sv_resp_header {
	const char *name;             /* static */
	char value[512];
};

/* Allocated on the first header set (most answers carry none, and the list travels inside every
 * request's state); zero-initialised is empty. */
struct sv_resp_headers {
	unsigned n;
	struct sv_resp_header *h;     /* SV_RESP_HEADERS_MAX entries once one was set */
};

/* Sets header `name` (a static string) to the formatted value, replacing an earlier value of the same
 * name; a value longer than 511 bytes is a bug (values are built from ids and instants), as is a
 * thirteenth header. Control characters in the value become spaces, so no header can be split. */
void sv_resp_header_set(struct sv_resp_headers *hs, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds `value` to header `name` as another list item (", value"), or sets it when absent: for Vary. */
void sv_resp_header_append(struct sv_resp_headers *hs, const char *name, const char *value);

/* Frees the list; it is empty (and reusable) afterwards. */
void sv_resp_headers_release(struct sv_resp_headers *hs);

/* Returns the value of header `name` in `hs`, or NULL. */
const char *sv_resp_header_get(const struct sv_resp_headers *hs, const char *name);

#endif
