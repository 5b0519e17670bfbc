/* test_api_web.c — black-box tests of the web page the daemon serves (web.h, gateway/web/): `/` is
 * index.html, `/web/NAME` an embedded file with its media type, an ETag answered 304 when unchanged,
 * Cache-Control no-cache and a Content-Security-Policy that allows only the daemon's own origin; any
 * other name under /web/ (traversal attempts included, raw on the wire) is a 404 OperationOutcome,
 * a method other than GET and HEAD a 405, and the FHIR API beside it is unchanged. The page itself is
 * driven in a browser by tests/js/web.test.js. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/daemon.h"
#include "support/support.h"

TS_DAEMON_SUITE("")
TS_DAEMON_SUITE_END()

static void req(const char *method, const char *path, const char *const *headers, struct ts_resp *r)
{
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	cr_assert_eq(ts_http(ts_port(), method, path, headers, NULL, 0, r), 0, "%s %s failed", method, path);
}

Test(web, the_page_is_served_at_root_with_its_headers)
{
	struct ts_resp r;
	char v[512];

	req("GET", "/", NULL, &r);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_str_eq(r.ctype, "text/html; charset=utf-8");
	cr_assert(strstr(r.body, "<script type=\"module\" src=\"/web/app.js\">"), "%s", r.body);
	cr_assert_str_eq(ts_header(&r, "Cache-Control", v, sizeof(v)), "no-cache");
	cr_assert_str_eq(ts_header(&r, "X-Content-Type-Options", v, sizeof(v)), "nosniff");
	cr_assert_not_null(ts_header(&r, "ETag", v, sizeof(v)));
	cr_assert(v[0] == '"' && strlen(v) == 34, "a strong ETag: %s", v);
	cr_assert_not_null(ts_header(&r, "Content-Security-Policy", v, sizeof(v)));
	/* Only the daemon's own origin: no inline code, no other host, no frames. */
	cr_assert(strstr(v, "default-src 'none'") && strstr(v, "script-src 'self'") && strstr(v, "connect-src 'self'") &&
		  strstr(v, "frame-ancestors 'none'"), "%s", v);
	cr_assert_null(strstr(v, "unsafe-inline"), "%s", v);
	cr_assert_null(strstr(v, "http"), "no other origin is named: %s", v);
	free(r.body);
	{
		/* HEAD, raw: the headers and no body. */
		static const char head[] = "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
		char *ans = ts_raw(ts_port(), head, sizeof(head) - 1, 5000, NULL);
		const char *end;
		cr_assert_not_null(ans);
		cr_assert(strncmp(ans, "HTTP/1.1 200", 12) == 0, "%.80s", ans);
		cr_assert_not_null(end = strstr(ans, "\r\n\r\n"));
		cr_assert_eq(end[4], '\0', "no body after the headers: %s", end + 4);
		free(ans);
	}
	req("GET", "/index.html", NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.ctype, "text/html; charset=utf-8");
	free(r.body);
}

Test(web, each_file_has_its_media_type)
{
	static const struct {
		const char *path, *type, *contains;
	} files[] = {
		{"/web/app.js", "text/javascript; charset=utf-8", "import "},
		{"/web/api.js", "text/javascript; charset=utf-8", "/fhir/"},
		{"/web/style.css", "text/css; charset=utf-8", "{"},
		{"/web/icon.svg", "image/svg+xml", "<svg"},
	};
	struct ts_resp r;
	char v[512];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		req("GET", files[i].path, NULL, &r);
		cr_assert_eq(r.status, 200, "%s: %ld", files[i].path, r.status);
		cr_assert_str_eq(r.ctype, files[i].type, "%s", files[i].path);
		cr_assert(strstr(r.body, files[i].contains), "%s", files[i].path);
		cr_assert_not_null(ts_header(&r, "Content-Security-Policy", v, sizeof(v)), "%s", files[i].path);
		free(r.body);
	}
}

Test(web, an_unchanged_file_is_answered_304)
{
	struct ts_resp r;
	char etag[128], line[200];
	const char *h[] = {line, NULL};

	req("GET", "/web/app.js", NULL, &r);
	cr_assert_not_null(ts_header(&r, "ETag", etag, sizeof(etag)));
	free(r.body);
	snprintf(line, sizeof(line), "If-None-Match: %s", etag);
	req("GET", "/web/app.js", h, &r);
	cr_assert_eq(r.status, 304);
	cr_assert_eq(r.len, 0);
	free(r.body);
	/* Another file's ETag is not this one's. */
	req("GET", "/web/api.js", h, &r);
	cr_assert_eq(r.status, 200);
	free(r.body);
}

Test(web, names_not_embedded_are_404_and_nothing_traverses)
{
	static const char *const paths[] = {"/web/", "/web/nosuch.js", "/web/../exchange.c", "/web/..%2fexchange.c",
					    "/web/%2e%2e/%2e%2e/etc/passwd", "/web//app.js", "/web/app.js/",
					    "/web/APP.JS", "/web/../../Makefile"};
	struct ts_resp r;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		/* Raw on the wire, as sent: no client normalises the dots away first. */
		char raw[300];
		size_t n = (size_t)snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
					    paths[i]);
		char *ans = ts_raw(ts_port(), raw, n, 5000, NULL);
		cr_assert_not_null(ans, "%s", paths[i]);
		cr_assert(strncmp(ans, "HTTP/1.1 404", 12) == 0, "%s: %.80s", paths[i], ans);
		cr_assert(strstr(ans, "OperationOutcome"), "%s", paths[i]);
		free(ans);
	}
	/* Elsewhere than / and /web/ the old answer stands: the FHIR API is under /fhir. */
	req("GET", "/app.js", NULL, &r);
	cr_assert_eq(r.status, 404);
	cr_assert(strstr(r.body, "under /fhir"), "%s", r.body);
	free(r.body);
}

Test(web, only_get_and_head)
{
	struct ts_resp r;
	char v[64];

	req("POST", "/", NULL, &r);
	cr_assert_eq(r.status, 405);
	cr_assert_str_eq(ts_header(&r, "Allow", v, sizeof(v)), "GET, HEAD");
	cr_assert(strstr(r.body, "OperationOutcome"));
	free(r.body);
	req("DELETE", "/web/app.js", NULL, &r);
	cr_assert_eq(r.status, 405);
	free(r.body);
	/* The API is unchanged beside the page. */
	req("GET", "/fhir/metadata", NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_null(ts_header(&r, "Content-Security-Policy", v, sizeof(v)), "the page's headers are its own");
	free(r.body);
}
