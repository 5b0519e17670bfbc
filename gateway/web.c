/* web.c — which embedded file of the page a request path names, and the headers it is sent with. */
#include "samsvar/web.h"

#include <string.h>

#define WEB_PREFIX "/web/"

/* The media type of a file by its extension; the page has no other kinds of file. */
static const char *media_type(const char *name)
{
	static const struct {
		const char *ext;
		const char *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".svg", "image/svg+xml"},
		{".png", "image/png"},
		{".json", "application/json"},
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

int sv_web_find(const char *path, struct sv_web_page *page)
{
	const char *name;

	if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
		name = "index.html";
	else if (strncmp(path, WEB_PREFIX, strlen(WEB_PREFIX)) == 0)
		name = path + strlen(WEB_PREFIX);
	else
		return 0;
	/* A name is looked up in the embedded table as it is: "../x", "a/b" or "" simply are not in it. */
	if (!(page->bytes = sv_web_file(name, &page->len, &page->etag)))
		return -1;
	page->content_type = media_type(name);
	return 1;
}

void sv_web_headers(const struct sv_web_page *page, struct sv_resp_headers *hs)
{
	sv_resp_header_set(hs, "ETag", "%s", page->etag);
	sv_resp_header_set(hs, "Cache-Control", "no-cache");
	sv_resp_header_set(hs, "Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
			   "img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
			   "frame-ancestors 'none'");
	sv_resp_header_set(hs, "X-Content-Type-Options", "nosniff");
	sv_resp_header_set(hs, "Referrer-Policy", "no-referrer");
}
