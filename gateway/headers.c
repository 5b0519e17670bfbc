/* headers.c — the extra response headers of one answer. */
#include "samsvar/error.h"
#include "samsvar/headers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

void sv_resp_header_set(struct sv_resp_headers *hs, const char *name, const char *fmt, ...)
{
	struct sv_resp_header *h = NULL;
	va_list ap;
	int n;

	for (unsigned i = 0; i < hs->n && !h; i++)
		if (strcasecmp(hs->h[i].name, name) == 0)
			h = &hs->h[i];
	if (!h) {
		if (hs->n >= SV_RESP_HEADERS_MAX)
			SV_BUG("too many response headers");
		if (!hs->h)
			hs->h = sv_xmalloc(SV_RESP_HEADERS_MAX * sizeof(*hs->h));
		h = &hs->h[hs->n++];
	}
	h->name = name;
	va_start(ap, fmt);
	n = vsnprintf(h->value, sizeof(h->value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(h->value))
		SV_BUG("response header value too long");
	for (char *p = h->value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

const char *sv_resp_header_get(const struct sv_resp_headers *hs, const char *name)
{
	for (unsigned i = 0; i < hs->n; i++)
		if (strcasecmp(hs->h[i].name, name) == 0)
			return hs->h[i].value;
	return NULL;
}

void sv_resp_headers_release(struct sv_resp_headers *hs)
{
	free(hs->h);
	hs->h = NULL;
	hs->n = 0;
}

void sv_resp_header_append(struct sv_resp_headers *hs, const char *name, const char *value)
{
	const char *cur = sv_resp_header_get(hs, name);
	char buf[sizeof(hs->h[0].value)];

	if (!cur) {
		sv_resp_header_set(hs, name, "%s", value);
		return;
	}
	snprintf(buf, sizeof(buf), "%s", cur);
	sv_resp_header_set(hs, name, "%s, %s", buf, value);
}
