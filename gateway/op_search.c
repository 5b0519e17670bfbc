/* op_search.c — the REST search of CodeSystem, ValueSet and ConceptMap (GET {type}?... and POST
 * {type}/_search): the usual parameters of the FHIR R4 resources, _sort, and pages linked on the
 * public base (bundle.h). One pass over the snapshot's resources, then a sort of the matches. */
#include "samsvar/bundle.h"
#include "samsvar/jsonutil.h"
#include "samsvar/op_resource.h"
#include "samsvar/params.h"
#include "samsvar/text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SORT_KEYS_MAX 8

/* What every search of the three types takes; per type below. */
#define COMMON_PARAMS "_id", "url", "version", "name", "name:exact", "name:contains", "title", "title:exact", \
		      "title:contains", "status", "publisher", "publisher:exact", "publisher:contains", "_summary", \
		      "_elements", "_count", "_offset", "_total", "_sort"
static const char *const CS_PARAMS[] = {COMMON_PARAMS, "system"};
static const char *const VS_PARAMS[] = {COMMON_PARAMS};
static const char *const LIB_PARAMS[] = {COMMON_PARAMS};
static const char *const CM_PARAMS[] = {COMMON_PARAMS, "source-system", "target-system", "source-uri", "target-uri"};
#undef COMMON_PARAMS

/* The fields _sort takes: the element each sorts by. */
static const char *const SORT_FIELDS[][2] = {
	{"_id", "id"}, {"url", "url"}, {"name", "name"}, {"title", "title"}, {"version", "version"},
	{"date", "date"}, {"status", "status"}, {"publisher", "publisher"},
};

struct sort_key {
	const char *element;
	int desc;
};

struct sort_ctx {
	const struct sv_request *req;
	char tag;
	const struct sort_key *keys;
	int nkeys;
};

/* Compares two texts as people read versions and dates: runs of digits by their value, the rest
 * byte by byte; so 0.9.0 comes before 0.10.0. */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *ea = a, *eb = b;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (ea = a; isdigit((unsigned char)*ea); ea++)
				;
			for (eb = b; isdigit((unsigned char)*eb); eb++)
				;
			if (ea - a != eb - b)
				return ea - a < eb - b ? -1 : 1;
			for (; a < ea; a++, b++)
				if (*a != *b)
					return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int compare(const void *x, const void *y, void *arg)
{
	const struct sort_ctx *c = arg;
	uint32_t i = *(const uint32_t *)x, j = *(const uint32_t *)y;
	const cJSON *ri = sv_resource_at(c->req, c->tag, i), *rj = sv_resource_at(c->req, c->tag, j);

	for (int k = 0; k < c->nkeys; k++) {
		const char *a = sv_jstr(ri, c->keys[k].element), *b = sv_jstr(rj, c->keys[k].element);
		int d;
		if (!a || !b) {           /* resources without the element come last, either way */
			if (a || b)
				return a ? -1 : 1;
			continue;
		}
		if ((d = natural_cmp(a, b)) != 0)
			return c->keys[k].desc ? -d : d;
	}
	return i < j ? -1 : i > j;      /* as stored: pages stay stable */
}

/* Reads _sort ("name,-date") into keys; an unknown field is SV_EINVAL when strict, else passed over. */
static enum sv_err read_sort(struct sv_request *req, struct sort_key *keys, int *nkeys)
{
	const char *s = sv_params_string(req->params, "_sort"), *p = s, *item;
	size_t n;

	*nkeys = 0;
	while (s && (item = sv_list_next(&p, &n)) != NULL) {
		int desc = *item == '-', found = 0;
		if (desc) {
			item++;
			n--;
		}
		for (size_t f = 0; f < sizeof(SORT_FIELDS) / sizeof(SORT_FIELDS[0]) && !found; f++)
			if (strlen(SORT_FIELDS[f][0]) == n && strncmp(item, SORT_FIELDS[f][0], n) == 0) {
				if (*nkeys == SORT_KEYS_MAX)
					return sv_fail_at(&req->err, SV_EINVAL, "_sort", "_sort takes at most %d fields",
							  SORT_KEYS_MAX);
				keys[*nkeys].element = SORT_FIELDS[f][1];
				keys[(*nkeys)++].desc = desc;
				found = 1;
			}
		if (!found && req->strict)
			return sv_fail_at(&req->err, SV_EINVAL, "_sort", "_sort field '%.*s' is not one of _id, url, "
					  "name, title, version, date, status, publisher (Prefer: handling=strict)",
					  (int)(n > 60 ? 60 : n), item);
	}
	return SV_OK;
}

/* How a parameter's value is compared with an element: token or uri (exact), or string (the
 * parameter's modifier: starts with, by default; :exact; :contains; case-insensitive but for exact). */
enum how { EXACT, PREFIX, CONTAINS };

static int text_matches(const char *have, const char *want, size_t wn, enum how how)
{
	size_t hn;

	if (!have)
		return 0;
	hn = strlen(have);
	if (how == EXACT)
		return hn == wn && strncmp(have, want, wn) == 0;
	if (how == PREFIX)
		return hn >= wn && strncasecmp(have, want, wn) == 0;
	for (size_t i = 0; i + wn <= hn; i++)
		if (strncasecmp(have + i, want, wn) == 0)
			return 1;
	return 0;
}

/* A canonical as a value of source-uri etc.: the url alone matches "url|version" too. */
static int canonical_matches(const char *have, const char *want, size_t wn)
{
	const char *bar;
	if (!have)
		return 0;
	if (text_matches(have, want, wn, EXACT))
		return 1;
	bar = strchr(have, '|');
	return bar && !memchr(want, '|', wn) && (size_t)(bar - have) == wn && strncmp(have, want, wn) == 0;
}

/* Whether one value `want` (wn bytes) of search parameter `name` matches resource `res`. */
static int value_matches(const cJSON *res, const char *name, const char *want, size_t wn)
{
	static const char *const strings[] = {"name", "title", "publisher"};
	const cJSON *g;
	const char *colon = strchr(name, ':');
	size_t base = colon ? (size_t)(colon - name) : strlen(name);

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
		if (strlen(strings[i]) == base && strncmp(name, strings[i], base) == 0)
			return text_matches(sv_jstr(res, strings[i]), want, wn,
					    !colon ? PREFIX : strcmp(colon, ":exact") == 0 ? EXACT : CONTAINS);
	if (strcmp(name, "_id") == 0)
		return text_matches(sv_jstr(res, "id"), want, wn, EXACT);
	if (strcmp(name, "url") == 0 || strcmp(name, "system") == 0)
		return text_matches(sv_jstr(res, "url"), want, wn, EXACT);
	if (strcmp(name, "version") == 0 || strcmp(name, "status") == 0)
		return text_matches(sv_jstr(res, name), want, wn, EXACT);
	if (strcmp(name, "source-uri") == 0)
		return canonical_matches(sv_jstr(res, "sourceUri"), want, wn) ||
		       canonical_matches(sv_jstr(res, "sourceCanonical"), want, wn);
	if (strcmp(name, "target-uri") == 0)
		return canonical_matches(sv_jstr(res, "targetUri"), want, wn) ||
		       canonical_matches(sv_jstr(res, "targetCanonical"), want, wn);
	/* source-system, target-system: the systems of the map's groups */
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(res, "group"))
		if (canonical_matches(sv_jstr(g, strcmp(name, "source-system") == 0 ? "source" : "target"), want, wn))
			return 1;
	return 0;
}

/* One filtering parameter of the search, as sent: its name (with any modifier) and value. */
struct filter {
	const char *name;
	const char *value;
};

#define VALUE_MAX 1000   /* bytes of one search value (between commas); matches() copies it into one[1024] */

/* Picks the filtering parameters out of req->params into a new array (*n of them): those in
 * known[], not the result parameters (_count, _sort...); the others are ignored (lenient handling).
 * Every resource is matched against every value, so the values are capped: at most max_params in
 * all (a comma list counts each) and VALUE_MAX bytes each; over that, NULL with the error in req. */
static struct filter *filters_of(struct sv_request *req, const char *const *known, size_t nknown, size_t *n)
{
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(req->params, "parameter"), *p;
	struct filter *f = sv_xmalloc(((size_t)cJSON_GetArraySize(params) + 1) * sizeof(*f));
	size_t values = 0;

	*n = 0;
	cJSON_ArrayForEach(p, params) {
		const char *name = sv_jstr(p, "name"), *v = sv_param_text(p);
		int filter = 0;
		if (!name || !v || (name[0] == '_' && strcmp(name, "_id") != 0))
			continue;
		for (size_t k = 0; k < nknown && !filter; k++)
			filter = strcmp(name, known[k]) == 0;
		if (!filter)
			continue;
		for (size_t len = 0; ; v++, len++) {
			if (*v == '\\' && v[1] == ',')
				v++;
			else if (*v == ',' || *v == '\0') {
				if (++values > req->cfg->max_params || len > VALUE_MAX) {
					free(f);
					sv_fail_at(&req->err, SV_ETOOBIG, name, "a search takes at most %u values in all "
						   "(max_params; a comma list counts each) of at most %d bytes each",
						   req->cfg->max_params, VALUE_MAX);
					return NULL;
				}
				len = (size_t)-1;
				if (*v == '\0')
					break;
			}
		}
		f[*n].name = name;
		f[(*n)++].value = sv_param_text(p);
	}
	return f;
}

/* Whether `res` matches every filter (each one given: AND; the comma-separated values of one: OR,
 * "\," being a comma within a value). */
static int matches(const cJSON *res, const struct filter *f, size_t nf)
{
	for (size_t i = 0; i < nf; i++) {
		const char *v = f[i].value;
		char one[1024];
		int any = 0;
		while (!any) {
			size_t n = 0;
			for (; *v && *v != ','; v++) {
				if (*v == '\\' && v[1] == ',')
					v++;
				if (n < sizeof(one))
					one[n++] = *v;
			}
			any = n < sizeof(one) && value_matches(res, f[i].name, one, n);
			if (*v != ',')
				break;
			v++;
		}
		if (!any)
			return 0;
	}
	return 1;
}

/* The parameters a search of resources of `tag` takes, and how many. */
static const char *const *params_of(char tag, size_t *n)
{
	*n = tag == 'C' ? sizeof(CS_PARAMS) / sizeof(CS_PARAMS[0]) :
	     tag == 'V' ? sizeof(VS_PARAMS) / sizeof(VS_PARAMS[0]) :
	     tag == 'L' ? sizeof(LIB_PARAMS) / sizeof(LIB_PARAMS[0]) : sizeof(CM_PARAMS) / sizeof(CM_PARAMS[0]);
	return tag == 'C' ? CS_PARAMS : tag == 'V' ? VS_PARAMS : tag == 'L' ? LIB_PARAMS : CM_PARAMS;
}

void sv_search_capability(cJSON *resource, const char *type)
{
	size_t n;
	const char *const *known = params_of(sv_snapshot_tag(type), &n);
	cJSON *sp = cJSON_AddArrayToObject(resource, "searchParam");

	for (size_t i = 0; i < n; i++) {
		const char *name = known[i], *t;
		cJSON *p;
		if (strchr(name, ':') || (name[0] == '_' && strcmp(name, "_id") != 0))
			continue;     /* modifiers, and the result parameters every search takes */
		t = strcmp(name, "url") == 0 || strcmp(name, "system") == 0 || strstr(name, "-system") ? "uri" :
		    strstr(name, "-uri") ? "reference" :
		    strcmp(name, "name") == 0 || strcmp(name, "title") == 0 || strcmp(name, "publisher") == 0 ? "string" :
		    "token";
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", name);
		cJSON_AddStringToObject(p, "type", t);
		cJSON_AddItemToArray(sp, p);
	}
}

enum sv_err sv_op_search(struct sv_request *req, cJSON **out, int *status)
{
	char tag = sv_snapshot_tag(req->type);
	size_t nknown;
	const char *const *known = params_of(tag, &nknown);
	uint32_t n = tag == 'C' ? req->snap->ncs : tag == 'V' ? req->snap->nvs : tag == 'L' ? req->snap->nlib :
		     req->snap->ncm, *hits, nhits = 0;
	struct filter *filters;
	size_t nfilters;
	struct sort_key keys[SORT_KEYS_MAX];
	struct sort_ctx ctx = {req, tag, keys, 0};
	struct sv_page pg;
	enum sv_summary sum;
	const char *elements;
	cJSON *bundle = NULL;
	enum sv_err rc;

	if (sv_search_unknown(req, known, nknown, out, status))
		return SV_OK;
	if ((rc = sv_page_read(req, 100, &pg)) != SV_OK ||
	    (rc = sv_resource_shape_read(req, SV_SUM_TRUE, &sum, &elements)) != SV_OK ||
	    (rc = read_sort(req, keys, &ctx.nkeys)) != SV_OK)
		return rc;
	if (sum == SV_SUM_COUNT)
		pg.count = 0;
	hits = sv_xmalloc(((size_t)n + 1) * sizeof(*hits));
	if (!(filters = filters_of(req, known, nknown, &nfilters))) {
		free(hits);
		return req->err.code;
	}
	for (uint32_t i = 0; i < n; i++)
		if (matches(sv_resource_at(req, tag, i), filters, nfilters))
			hits[nhits++] = i;
	free(filters);
	if (ctx.nkeys && pg.count > 0)
		qsort_r(hits, nhits, sizeof(*hits), compare, &ctx);
	bundle = sv_bundle_new("searchset");
	sv_bundle_page(bundle, req, req->type, &pg, nhits, known, nknown);
	for (long k = pg.offset; k < (long)nhits && k < pg.offset + pg.count; k++) {
		const cJSON *res = sv_resource_at(req, tag, hits[k]);
		/* By default (_summary=true) search results leave out the possibly huge concept and group
		 * lists; read, or _summary=false, gives the whole resource. */
		cJSON *copy = sv_resource_copy(req, res, sum, elements);
		if (!copy) {
			rc = req->err.code;
			goto out;
		}
		sv_bundle_entry(bundle, req, req->type, sv_jstr(res, "id") ? sv_jstr(res, "id") : "", copy, "match");
	}
	*out = bundle;
	bundle = NULL;
	rc = SV_OK;
out:
	free(hits);
	cJSON_Delete(bundle);
	return rc;
}
