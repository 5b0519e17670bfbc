/* bundle.c — search and history Bundles: paging parameters, links and fullUrls on the public base,
 * and the strict or lenient handling of unknown search parameters (bundle.h). */
#include "samsvar/bundle.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFFSET_MAX 100000000L

enum sv_err sv_page_read(struct sv_request *req, long dflt, struct sv_page *pg)
{
	static const char *const totals[] = {"accurate", "estimate", "none"};
	long max = req->cfg->max_count ? (long)req->cfg->max_count : 500;
	const char *t = sv_params_string(req->params, "_total");
	enum sv_err rc;

	pg->total = SV_TOTAL_ACCURATE;
	/* A _count above the maximum is what a client pages with, not a mistake: it gets the largest
	 * page there is (the self link says which), as HAPI and Ontoserver do. */
	if ((rc = sv_params_int(req->params, "_count", dflt < max ? dflt : max, 0, LONG_MAX, &pg->count,
				&req->err)) != SV_OK ||
	    (rc = sv_params_int(req->params, "_offset", 0, 0, OFFSET_MAX, &pg->offset, &req->err)) != SV_OK)
		return rc;
	if (pg->count > max)
		pg->count = max;
	if (t) {
		size_t i;
		for (i = 0; i < sizeof(totals) / sizeof(totals[0]) && strcmp(t, totals[i]) != 0; i++)
			;
		if (i == sizeof(totals) / sizeof(totals[0]))
			return sv_fail_at(&req->err, SV_EINVAL, "_total", "_total '%.40s' is not none, estimate or "
					  "accurate", t);
		pg->total = (enum sv_total)i;
	}
	return SV_OK;
}

static int is_known(const char *name, const char *const *known, size_t n)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(name, known[i]) == 0)
			return 1;
	return 0;
}

int sv_search_unknown(struct sv_request *req, const char *const *known, size_t n, cJSON **out, int *status)
{
	const cJSON *p;
	cJSON *oo = NULL, *issues = NULL;

	if (!req->strict)
		return 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		char text[300];
		cJSON *issue;
		if (is_known(name, known, n))
			continue;
		if (!oo) {
			oo = cJSON_CreateObject();
			cJSON_AddStringToObject(oo, "resourceType", "OperationOutcome");
			issues = cJSON_AddArrayToObject(oo, "issue");
		}
		snprintf(text, sizeof(text), "the search parameter '%.100s' is not supported on %.40s "
			 "(Prefer: handling=strict)", name ? name : "", req->type ? req->type : "this path");
		issue = cJSON_CreateObject();
		cJSON_AddStringToObject(issue, "severity", "error");
		cJSON_AddStringToObject(issue, "code", "not-supported");
		cJSON_AddStringToObject(cJSON_AddObjectToObject(issue, "details"), "text", text);
		cJSON_AddStringToObject(issue, "diagnostics", text);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(issue, "expression"), cJSON_CreateString(name ? name : ""));
		cJSON_AddItemToArray(issues, issue);
	}
	if (!oo)
		return 0;
	*out = oo;
	*status = 400;
	return 1;
}

cJSON *sv_bundle_new(const char *type)
{
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "resourceType", "Bundle");
	cJSON_AddStringToObject(b, "type", type);
	return b;
}

/* Appends `v` percent-encoded (RFC 3986 unreserved characters kept) at `o`; returns the new end. */
static char *put_encoded(char *o, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    strchr("-._~:/,", ch)) {
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = '\0';
	return o;
}

/* The parameters the links repeat, percent-encoded as "&name=value..." (malloc'd). */
static char *kept_query(const struct sv_request *req, const char *const *known, size_t n)
{
	const cJSON *p;
	size_t need = 32 + (req->format ? 3 * strlen(req->format) : 0);
	char *q, *o;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *name = sv_jstr(p, "name"), *v = sv_param_text(p);
		if (is_known(name, known, n) && v)
			need += 3 * (strlen(name) + strlen(v)) + 2;
	}
	o = q = sv_xmalloc(need);
	*o = '\0';
	/* The answer's format and layout as asked, so a client that follows a link gets the same. */
	if (req->format) {
		memcpy(o, "&_format=", 9);
		o = put_encoded(o + 9, req->format);
	}
	if (req->pretty) {
		memcpy(o, "&_pretty=true", 14);
		o += 13;
	}
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *name = sv_jstr(p, "name"), *v = sv_param_text(p);
		if (!is_known(name, known, n) || !v || strcmp(name, "_count") == 0 || strcmp(name, "_offset") == 0)
			continue;
		*o++ = '&';
		o = put_encoded(o, name);
		*o++ = '=';
		o = put_encoded(o, v);
	}
	return q;
}

/* req->base, or for a request made without one (in-process callers) the configured default. */
static const char *base_of(const struct sv_request *req, char *buf, size_t cap)
{
	if (req->base)
		return req->base;
	sv_config_base_url(req->cfg, 0, req->cfg->listen_port, buf, cap);
	return buf;
}

static void add_link(cJSON *links, const struct sv_request *req, const char *path, const char *rel, long count,
		     long offset, const char *kept)
{
	char buf[300];
	const char *base = base_of(req, buf, sizeof(buf));
	size_t cap = strlen(base) + strlen(path) + strlen(kept) + 64;
	char *url = sv_xmalloc(cap);
	cJSON *l = cJSON_CreateObject();

	snprintf(url, cap, "%s/%s?_count=%ld&_offset=%ld%s", base, path, count, offset, kept);
	cJSON_AddStringToObject(l, "relation", rel);
	cJSON_AddStringToObject(l, "url", url);
	cJSON_AddItemToArray(links, l);
	free(url);
}

void sv_bundle_page(cJSON *bundle, const struct sv_request *req, const char *path, const struct sv_page *pg,
		    long total, const char *const *known, size_t n)
{
	char *kept = kept_query(req, known, n);
	cJSON *links;
	long c = pg->count;

	if (pg->total != SV_TOTAL_NONE)
		cJSON_AddNumberToObject(bundle, "total", (double)total);
	links = cJSON_AddArrayToObject(bundle, "link");
	add_link(links, req, path, "self", c, pg->offset, kept);
	if (c > 0) {
		/* The last page starts at the last multiple of _count below total (0 when there are none). */
		long last = total > 0 ? (total - 1) / c * c : 0;
		add_link(links, req, path, "first", c, 0, kept);
		if (pg->offset > 0)
			add_link(links, req, path, "previous", c, pg->offset > c ? pg->offset - c : 0, kept);
		if (pg->offset + c < total)
			add_link(links, req, path, "next", c, pg->offset + c, kept);
		add_link(links, req, path, "last", c, last, kept);
	}
	free(kept);
}

char *sv_bundle_full_url(const struct sv_request *req, const char *type, const char *id)
{
	char buf[300];
	const char *base = base_of(req, buf, sizeof(buf));
	size_t cap = strlen(base) + strlen(type) + strlen(id) + 4;
	char *full = sv_xmalloc(cap);

	snprintf(full, cap, "%s/%s/%s", base, type, id);
	return full;
}

cJSON *sv_bundle_entry(cJSON *bundle, const struct sv_request *req, const char *type, const char *id, cJSON *res,
		       const char *mode)
{
	cJSON *entries = cJSON_GetObjectItemCaseSensitive(bundle, "entry"), *entry = cJSON_CreateObject();
	char *full = sv_bundle_full_url(req, type, id);

	if (!entries)
		entries = cJSON_AddArrayToObject(bundle, "entry");
	cJSON_AddStringToObject(entry, "fullUrl", full);
	free(full);
	cJSON_AddItemToObject(entry, "resource", res);
	if (mode)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(entry, "search"), "mode", mode);
	cJSON_AddItemToArray(entries, entry);
	return entry;
}
