/* url.h — the request-target of an HTTP request, read strictly and at linear cost.
 *
 * samsvar reads the target as the client sent it (libmicrohttpd's own decoding cuts a value at %00
 * and lets any byte through). The path and every query name and value are percent-decoded ('+' is a
 * space in the query, as in HTML forms); a malformed escape, a NUL, a control character in the path,
 * or a result that is not UTF-8 is refused naming the part, and more than `max_params` query
 * parameters is refused before any of them is stored. */
#ifndef SAMSVAR_URL_H
#define SAMSVAR_URL_H

#include <stddef.h>
#include "samsvar/error.h"

struct sv_url_param {
	const char *name;   /* decoded, NUL-terminated, valid UTF-8 */
	const char *value;  /* decoded; "" for a name without '=' */
};

struct sv_url {
	const char *path;              /* decoded path, starting with '/' */
	struct sv_url_param *params;   /* in the order sent */
	size_t nparams;
	char *buf;                     /* where the strings live: `inline_buf` or an allocation */
	/* Room for the usual request, so that reading it allocates nothing. */
	char inline_buf[512];
	struct sv_url_param inline_params[16];
};

/* Parses the `len` bytes of request-target `target` ("/path?query", origin form) into *u, which the
 * caller releases with sv_url_release() whatever the result. Returns SV_OK; SV_EINVAL naming the
 * first bad parameter (err->expression) or the path — the good parameters are still in *u, so the
 * caller can honour _format when it answers; SV_ETOOBIG past `max_params` (then *u is empty). */
enum sv_err sv_url_parse(const char *target, size_t len, size_t max_params, struct sv_url *u,
			 struct sv_error *err);

/* Frees what sv_url_parse() allocated; safe on a zeroed struct. */
void sv_url_release(struct sv_url *u);

#endif
