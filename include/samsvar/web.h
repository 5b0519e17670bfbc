/* web.h — the web page (the files of gateway/web/), compiled into the binary and served by the daemon at `/`.
 *
 * The files are embedded at build time (tools/embed-data.py --web writes $(BUILD)/gen/web.c), so the
 * daemon serves exactly the page of its own version, needs no folder at run time, and a request path
 * is only ever compared with the names in that table: nothing is opened on the file system, so no
 * path can traverse anywhere. The page uses only the public FHIR API and /messages. */
#ifndef SAMSVAR_WEB_H
#define SAMSVAR_WEB_H

#include <stddef.h>
#include "samsvar/headers.h"

/* Returns the contents of gateway/web/<name> (static, NUL-terminated; *len its length and *etag its
 * strong ETag, quoted, when not NULL), or NULL when no such file was embedded. Generated. */
const char *sv_web_file(const char *name, size_t *len, const char **etag);

/* One file of the page, found for a request path. */
struct sv_web_page {
	const char *bytes;            /* static */
	size_t len;
	const char *content_type;     /* static, with charset for text */
	const char *etag;             /* static, quoted */
};

/* Returns 1 when `path` (decoded, without query) is the page's: "/" (index.html) or "/web/NAME" for
 * an embedded NAME; *page is filled when the file exists. Returns 0 for any other path, which is not
 * the page's to answer; -1 for a path under /web/ that names no embedded file (404). */
int sv_web_find(const char *path, struct sv_web_page *page);

/* Sets the headers every answer of the page carries: ETag, Cache-Control (no-cache: revalidated on
 * each use, answered 304 when unchanged), a Content-Security-Policy that allows only the daemon's
 * own origin (no inline script or style, no frames, no third-party network), nosniff and
 * no-referrer. */
void sv_web_headers(const struct sv_web_page *page, struct sv_resp_headers *hs);

#endif
