/* test_api_rest.c — black-box tests of the FHIR REST conventions clients page and cache with
 * (issue 10): search Bundles with self/first/previous/next/last links and fullUrls on the public base,
 * paging through every page, _count clamped to max_count, _count=0, _offset, _total, _sort both ways,
 * _id, ConceptMap by source/target system and uri, POST _search with a form body, 415 for other
 * bodies, conditional reads (304), Prefer: handling=strict|lenient, the legacy media types, history
 * pages, public_base_url, and an IPv6 listener where the machine has IPv6 loopback. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/daemon.h"
#include "support/support.h"

#define MAX_COUNT 5
TS_DAEMON_SUITE("max_count = 5")
TS_DAEMON_SUITE_END()

#define FORM "Content-Type: application/x-www-form-urlencoded"

static void req(const char *method, const char *path, const char *const *headers, const char *body,
		struct ts_resp *r)
{
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	cr_assert_eq(ts_http(ts_port(), method, path, headers, body, body ? strlen(body) : 0, r), 0, "%s %s failed",
		     method, path);
}

/* GET path (with headers) and parse the JSON answer; asserts the status. */
static cJSON *get(const char *path, const char *const *headers, long want)
{
	struct ts_resp r;
	cJSON *j;

	req("GET", path, headers, NULL, &r);
	cr_assert_eq(r.status, want, "GET %s: %ld %.300s", path, r.status, r.body);
	j = cJSON_Parse(r.body);
	cr_assert_not_null(j, "GET %s: not JSON: %.200s", path, r.body);
	free(r.body);
	return j;
}

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(o, name));
}

/* The url of the Bundle's link `rel`, or NULL. */
static const char *link_of(const cJSON *b, const char *rel)
{
	const cJSON *l;
	cJSON_ArrayForEach(l, cJSON_GetObjectItem(b, "link"))
		if (strcmp(str(l, "relation"), rel) == 0)
			return str(l, "url");
	return NULL;
}

/* The path of a link on this daemon's base (http://127.0.0.1:PORT/fhir/...): asserts the base. */
static const char *local(const char *url)
{
	static __thread char base[64];
	size_t n = (size_t)snprintf(base, sizeof(base), "http://127.0.0.1:%u", ts_port());
	cr_assert_not_null(url);
	cr_assert(strncmp(url, base, n) == 0 && strncmp(url + n, "/fhir/", 6) == 0, "%s is not on %s/fhir", url, base);
	return url + n;
}

static int entries(const cJSON *b)
{
	return cJSON_GetArraySize(cJSON_GetObjectItem(b, "entry"));
}

static const cJSON *resource_at(const cJSON *b, int i)
{
	return cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), i), "resource");
}

static int total(const cJSON *b)
{
	const cJSON *t = cJSON_GetObjectItem(b, "total");
	cr_assert(cJSON_IsNumber(t), "the Bundle has a total");
	return t->valueint;
}

/* Pages through the search `first` with next links until there is none; returns the ids seen, in
 * order (a JSON array), and checks each page: fullUrls on the base, previous links, the total. */
static cJSON *page_all(const char *first, int per_page, int *expect_total)
{
	cJSON *ids = cJSON_CreateArray(), *b = get(first, NULL, 200);
	char path[2048];
	int pages = 0;

	*expect_total = total(b);
	for (;;) {
		const char *next = link_of(b, "next"), *prev = link_of(b, "previous");
		cr_assert_not_null(link_of(b, "self"));
		cr_assert_not_null(link_of(b, "first"));
		cr_assert_not_null(link_of(b, "last"));
		cr_assert(strstr(link_of(b, "self"), "_offset="), "%s", link_of(b, "self"));
		cr_assert_eq(total(b), *expect_total, "every page tells the same total");
		cr_assert_leq(entries(b), per_page);
		if (pages == 0)
			cr_assert_null(prev, "no page before the first");
		else
			cr_assert_not_null(prev, "page %d links back", pages + 1);
		for (int i = 0; i < entries(b); i++) {
			const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), i);
			const cJSON *res = cJSON_GetObjectItem(e, "resource");
			char want[300];
			snprintf(want, sizeof(want), "/fhir/%s/%s", str(res, "resourceType"), str(res, "id"));
			cr_assert_str_eq(local(str(e, "fullUrl")), want);
			cJSON_AddItemToArray(ids, cJSON_CreateString(str(res, "id")));
		}
		pages++;
		cr_assert_lt(pages, 100, "paging does not end");
		if (!next) {
			cr_assert_str_eq(link_of(b, "self"), link_of(b, "last"), "the page without next is the last");
			break;
		}
		cr_assert_eq(entries(b), per_page, "only the last page is short");
		snprintf(path, sizeof(path), "%s", local(next));
		cJSON_Delete(b);
		b = get(path, NULL, 200);
	}
	cJSON_Delete(b);
	return ids;
}

static void assert_distinct(const cJSON *ids)
{
	int n = cJSON_GetArraySize(ids);
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			cr_assert_str_neq(cJSON_GetArrayItem(ids, i)->valuestring, cJSON_GetArrayItem(ids, j)->valuestring,
					  "%s twice", cJSON_GetArrayItem(ids, i)->valuestring);
}

Test(search, next_links_page_through_every_match_once)
{
	static const char *const types[] = {"ConceptMap", "CodeSystem"};

	for (size_t t = 0; t < 2; t++) {
		char path[200];
		int n = 0, all;
		cJSON *ids, *b;
		snprintf(path, sizeof(path), "/fhir/%s?_count=2", types[t]);
		ids = page_all(path, 2, &n);
		cr_assert_gt(n, 2, "%s: more than one page of content", types[t]);
		cr_assert_eq(cJSON_GetArraySize(ids), n, "%s: as many entries as the total", types[t]);
		assert_distinct(ids);
		/* the same set as one big page */
		snprintf(path, sizeof(path), "/fhir/%s?_count=%d&_elements=id", types[t], MAX_COUNT);
		b = get(path, NULL, 200);
		all = total(b);
		cr_assert_eq(all, n);
		cJSON_Delete(b);
		cJSON_Delete(ids);
	}
}

Test(search, previous_first_and_last_links)
{
	cJSON *b = get("/fhir/ConceptMap?_count=2&_offset=2", NULL, 200), *p;
	int n = total(b);
	char path[2048];

	cr_assert(strstr(link_of(b, "previous"), "_offset=0"), "%s", link_of(b, "previous"));
	cr_assert(strstr(link_of(b, "first"), "_offset=0"), "%s", link_of(b, "first"));
	snprintf(path, sizeof(path), "_offset=%d", (n - 1) / 2 * 2);
	cr_assert(strstr(link_of(b, "last"), path), "%s", link_of(b, "last"));
	/* previous gives the page before: the first two */
	snprintf(path, sizeof(path), "%s", local(link_of(b, "previous")));
	p = get(path, NULL, 200);
	cr_assert_eq(entries(p), 2);
	cr_assert_null(link_of(p, "previous"));
	cr_assert(strstr(link_of(p, "next"), "_offset=2"));
	cJSON_Delete(p);
	cJSON_Delete(b);
	/* past the end: no entries, and a way back */
	b = get("/fhir/ConceptMap?_count=2&_offset=1000", NULL, 200);
	cr_assert_eq(entries(b), 0);
	cr_assert_eq(total(b), n);
	cr_assert_not_null(link_of(b, "previous"));
	cr_assert_null(link_of(b, "next"));
	cJSON_Delete(b);
}

Test(search, count_above_the_maximum_is_clamped)
{
	cJSON *b = get("/fhir/ConceptMap?_count=100000", NULL, 200);
	char want[40];

	snprintf(want, sizeof(want), "_count=%d&", MAX_COUNT);
	cr_assert_gt(total(b), MAX_COUNT, "the content has more maps than a page holds");
	cr_assert_eq(entries(b), MAX_COUNT, "clamped to max_count, not refused");
	cr_assert(strstr(link_of(b, "self"), want), "the self link says the page size used: %s", link_of(b, "self"));
	cr_assert_not_null(link_of(b, "next"));
	cJSON_Delete(b);
	b = get("/fhir/ConceptMap?_count=99999999999999", NULL, 200);
	cr_assert_eq(entries(b), MAX_COUNT, "however large");
	cJSON_Delete(b);
	b = get("/fhir/ConceptMap", NULL, 200);
	cr_assert_eq(entries(b), MAX_COUNT, "the default page is clamped too");
	cJSON_Delete(b);
	cJSON_Delete(get("/fhir/ConceptMap?_count=-1", NULL, 400));
	cJSON_Delete(get("/fhir/ConceptMap?_count=two", NULL, 400));
	cJSON_Delete(get("/fhir/ConceptMap?_offset=-2", NULL, 400));
}

Test(search, count_zero_and_total)
{
	cJSON *b = get("/fhir/ConceptMap?_count=0", NULL, 200), *all = get("/fhir/ConceptMap", NULL, 200);

	cr_assert_eq(entries(b), 0, "_count=0: the total only");
	cr_assert_eq(total(b), total(all));
	cr_assert_null(link_of(b, "next"));
	cJSON_Delete(b);
	b = get("/fhir/ConceptMap?_total=none", NULL, 200);
	cr_assert_null(cJSON_GetObjectItem(b, "total"), "_total=none leaves it out");
	cr_assert(strstr(link_of(b, "self"), "_total=none"));
	cr_assert_not_null(link_of(b, "next"), "paging still works");
	cJSON_Delete(b);
	b = get("/fhir/ConceptMap?_total=accurate", NULL, 200);
	cr_assert_eq(total(b), total(all));
	cJSON_Delete(b);
	b = get("/fhir/ConceptMap?_total=estimate", NULL, 200);
	cr_assert_eq(total(b), total(all));
	cJSON_Delete(b);
	cJSON_Delete(get("/fhir/ConceptMap?_total=some", NULL, 400));
	cJSON_Delete(all);
}

/* The ids of the search's entries, in order (all pages), into a JSON array. */
static cJSON *ids_of(const char *path)
{
	int n;
	cJSON *ids = page_all(path, MAX_COUNT, &n);
	cr_assert_eq(cJSON_GetArraySize(ids), n);
	return ids;
}

Test(search, sort_both_directions)
{
	cJSON *up = ids_of("/fhir/ConceptMap?_sort=_id&_elements=id"), *down = ids_of("/fhir/ConceptMap?_sort=-_id");
	cJSON *byurl = ids_of("/fhir/ConceptMap?_sort=url&_summary=true"), *b;
	int n = cJSON_GetArraySize(up);
	const char *prev = NULL;

	cr_assert_gt(n, 2);
	cr_assert_eq(cJSON_GetArraySize(down), n);
	for (int i = 0; i < n; i++) {
		const char *a = cJSON_GetArrayItem(up, i)->valuestring;
		cr_assert_str_eq(a, cJSON_GetArrayItem(down, n - 1 - i)->valuestring, "descending is ascending reversed");
		if (i)
			cr_assert_lt(strcmp(cJSON_GetArrayItem(up, i - 1)->valuestring, a), 0, "ascending by id");
	}
	/* by url: check the urls themselves go up */
	b = get("/fhir/ConceptMap?_sort=url,-version&_count=5", NULL, 200);
	for (int i = 0; i < entries(b); i++) {
		const char *u = str(resource_at(b, i), "url");
		if (prev)
			cr_assert_leq(strcmp(prev, u), 0, "%s before %s", prev, u);
		prev = u;
	}
	cr_assert(strstr(link_of(b, "self"), "_sort=url,-version"), "%s", link_of(b, "self"));
	cJSON_Delete(b);
	cr_assert_eq(cJSON_GetArraySize(byurl), n);
	/* an unknown sort field: ignored when lenient, refused when strict */
	{
		static const char *const strict[] = {"Prefer: handling=strict", NULL};
		b = get("/fhir/ConceptMap?_sort=colour", NULL, 200);
		cr_assert_eq(total(b), n);
		cJSON_Delete(b);
		b = get("/fhir/ConceptMap?_sort=colour", strict, 400);
		cr_assert_str_eq(str(b, "resourceType"), "OperationOutcome");
		cr_assert(strstr(ts_issue_text(b), "colour"), "%s", ts_issue_text(b));
		cJSON_Delete(b);
	}
	cJSON_Delete(up);
	cJSON_Delete(down);
	cJSON_Delete(byurl);
}

Test(search, by_id)
{
	cJSON *all = get("/fhir/CodeSystem?_sort=_id&_elements=id", NULL, 200), *b;
	const char *a = str(resource_at(all, 0), "id"), *c = str(resource_at(all, 2), "id");
	char path[400];

	snprintf(path, sizeof(path), "/fhir/CodeSystem?_id=%s", a);
	b = get(path, NULL, 200);
	cr_assert_eq(total(b), 1);
	cr_assert_str_eq(str(resource_at(b, 0), "id"), a);
	cJSON_Delete(b);
	snprintf(path, sizeof(path), "/fhir/CodeSystem?_id=%s,%s&_sort=_id", a, c);
	b = get(path, NULL, 200);
	cr_assert_eq(total(b), 2, "a comma list is either");
	cr_assert_str_eq(str(resource_at(b, 1), "id"), c);
	cJSON_Delete(b);
	b = get("/fhir/CodeSystem?_id=no-such-id", NULL, 200);
	cr_assert_eq(total(b), 0);
	cJSON_Delete(b);
	cJSON_Delete(all);
}

/* Every resource a search finds, over all its pages (a JSON array). */
static cJSON *all_of(const char *first)
{
	cJSON *out = cJSON_CreateArray(), *b = get(first, NULL, 200);
	char path[2048];

	for (;;) {
		for (int i = 0; i < entries(b); i++)
			cJSON_AddItemToArray(out, cJSON_Duplicate(resource_at(b, i), 1));
		if (!link_of(b, "next"))
			break;
		snprintf(path, sizeof(path), "%s", local(link_of(b, "next")));
		cJSON_Delete(b);
		b = get(path, NULL, 200);
	}
	cJSON_Delete(b);
	return out;
}

/* How many maps of `maps` have `system` as a group's source (or target, `which`), or, when `uri` is
 * set, as sourceUri/sourceCanonical (targetUri...). */
static int count_maps(const cJSON *maps, const char *which, const char *system, int uri)
{
	const cJSON *m;
	int n = 0;

	cJSON_ArrayForEach(m, maps) {
		const cJSON *g;
		int hit = 0;
		char k1[40], k2[40];
		if (uri) {
			snprintf(k1, sizeof(k1), "%sUri", which);
			snprintf(k2, sizeof(k2), "%sCanonical", which);
			hit = (str(m, k1) && strcmp(str(m, k1), system) == 0) || (str(m, k2) && strcmp(str(m, k2), system) == 0);
		}
		cJSON_ArrayForEach(g, cJSON_GetObjectItem(m, "group"))
			hit |= !uri && str(g, which) && strcmp(str(g, which), system) == 0;
		n += hit;
	}
	return n;
}

Test(search, conceptmap_by_source_and_target_system)
{
	/* The systems come from the content itself: the first map's first group. */
	cJSON *all = all_of("/fhir/ConceptMap?_summary=false"), *found;
	const cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(all, 0), "group"), 0), *m;
	static const char *const sides[] = {"source", "target"};
	char path[600];
	int tried = 0;

	cr_assert_gt(cJSON_GetArraySize(all), MAX_COUNT, "maps enough for two pages");
	for (int s = 0; s < 2; s++) {
		const char *sys = str(g, sides[s]);
		int want = count_maps(all, sides[s], sys, 0);
		cr_assert_not_null(sys);
		cr_assert_geq(want, 1);
		snprintf(path, sizeof(path), "/fhir/ConceptMap?%s-system=%s&_summary=false", sides[s], sys);
		found = all_of(path);
		cr_assert_eq(cJSON_GetArraySize(found), want, "%s", path);
		cr_assert_eq(count_maps(found, sides[s], sys, 0), want, "every map found has the system");
		cJSON_Delete(found);
	}
	/* source-uri / target-uri: the R4 source and target value sets (here given as uris) */
	cJSON_ArrayForEach(m, all) {
		for (int s = 0; s < 2; s++) {
			char key[20];
			const char *u;
			int want;
			snprintf(key, sizeof(key), "%sUri", sides[s]);
			if (!(u = str(m, key)))
				continue;
			want = count_maps(all, sides[s], u, 1);
			snprintf(path, sizeof(path), "/fhir/ConceptMap?%s-uri=%s&_summary=false", sides[s], u);
			found = all_of(path);
			cr_assert_eq(cJSON_GetArraySize(found), want, "%s", path);
			cr_assert_eq(count_maps(found, sides[s], u, 1), want);
			cJSON_Delete(found);
			tried++;
		}
		if (tried)
			break;
	}
	cr_assert_gt(tried, 0, "a map with a source or target uri");
	found = all_of("/fhir/ConceptMap?source-system=http://example.org/none");
	cr_assert_eq(cJSON_GetArraySize(found), 0);
	cJSON_Delete(found);
	cJSON_Delete(all);
}

Test(search, string_parameters_and_modifiers)
{
	cJSON *all = get("/fhir/CodeSystem?_elements=name&_count=100", NULL, 200), *b;
	const char *name = str(resource_at(all, 0), "name");
	char path[400], prefix[8];

	cr_assert_not_null(name);
	snprintf(prefix, sizeof(prefix), "%.3s", name);
	for (char *c = prefix; *c; c++)
		*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	snprintf(path, sizeof(path), "/fhir/CodeSystem?name=%s", prefix);
	b = get(path, NULL, 200);
	cr_assert_geq(total(b), 1, "name: starts with, any case (%s)", prefix);
	cJSON_Delete(b);
	snprintf(path, sizeof(path), "/fhir/CodeSystem?name:exact=%s", prefix);
	b = get(path, NULL, 200);
	cr_assert_eq(total(b), 0, "name:exact is the whole name, case and all");
	cJSON_Delete(b);
	snprintf(path, sizeof(path), "/fhir/CodeSystem?name:exact=%s", name);
	b = get(path, NULL, 200);
	cr_assert_geq(total(b), 1);
	cJSON_Delete(b);
	snprintf(path, sizeof(path), "/fhir/CodeSystem?name:contains=%s", name + 1);
	b = get(path, NULL, 200);
	cr_assert_geq(total(b), 1);
	cJSON_Delete(b);
	cJSON_Delete(all);
}

Test(search, post_form_search_answers_as_get)
{
	static const char *const form[] = {FORM, NULL};
	static const char *const json[] = {"Content-Type: application/fhir+json", NULL};
	cJSON *g = get("/fhir/ConceptMap?_sort=-_id&_count=3&_elements=url", NULL, 200), *p;
	struct ts_resp r;

	req("POST", "/fhir/ConceptMap/_search?_count=3", form, "_sort=-_id&_elements=url", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	p = cJSON_Parse(r.body);
	free(r.body);
	cr_assert_eq(total(p), total(g));
	cr_assert_eq(entries(p), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_str_eq(str(resource_at(p, i), "id"), str(resource_at(g, i), "id"));
	cr_assert_str_eq(link_of(p, "next"), link_of(g, "next"), "the form's parameters are in the links");
	cJSON_Delete(p);
	/* percent-encoded values, as a form sends them */
	req("POST", "/fhir/ConceptMap/_search", form, "url=https%3A%2F%2Fnot.example%2Fmap&_count=1", &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	p = cJSON_Parse(r.body);
	cr_assert_eq(total(p), 0);
	cJSON_Delete(p);
	free(r.body);
	/* another body type: 415 with an OperationOutcome */
	req("POST", "/fhir/ConceptMap/_search", json, "{\"resourceType\":\"Parameters\"}", &r);
	cr_assert_eq(r.status, 415, "%s", r.body);
	p = cJSON_Parse(r.body);
	cr_assert_str_eq(str(p, "resourceType"), "OperationOutcome");
	cr_assert(strstr(ts_issue_text(p), "x-www-form-urlencoded"), "%s", ts_issue_text(p));
	cJSON_Delete(p);
	free(r.body);
	/* no body at all: the query alone */
	req("POST", "/fhir/CodeSystem/_search?_count=1", NULL, NULL, &r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	free(r.body);
	req("GET", "/fhir/CodeSystem/_search", NULL, NULL, &r);
	cr_assert_eq(r.status, 405, "_search is for POST");
	free(r.body);
	cJSON_Delete(g);
}

Test(search, strict_and_lenient_handling)
{
	static const char *const strict[] = {"Prefer: handling=strict", NULL};
	static const char *const lenient[] = {"Prefer: handling=lenient", NULL};
	cJSON *b = get("/fhir/CodeSystem?colour=red&_count=2&size=9", NULL, 200), *all = get("/fhir/CodeSystem", NULL, 200);
	const cJSON *issues;

	cr_assert_eq(total(b), total(all), "lenient by default: unknown parameters are ignored");
	cr_assert_null(strstr(link_of(b, "self"), "colour"), "and left out of the links: %s", link_of(b, "self"));
	cr_assert_null(strstr(link_of(b, "next"), "size"));
	cJSON_Delete(b);
	b = get("/fhir/CodeSystem?colour=red", lenient, 200);
	cJSON_Delete(b);
	b = get("/fhir/CodeSystem?colour=red&url=x&size=9", strict, 400);
	cr_assert_str_eq(str(b, "resourceType"), "OperationOutcome");
	issues = cJSON_GetObjectItem(b, "issue");
	cr_assert_eq(cJSON_GetArraySize(issues), 2, "one issue per unknown parameter");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(issues, 0), "expression"), 0)
			 ->valuestring, "colour");
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(issues, 1), "expression"), 0)
			 ->valuestring, "size");
	cJSON_Delete(b);
	b = get("/fhir/CodeSystem?url=x", strict, 200);
	cr_assert_eq(total(b), 0, "known parameters pass under strict handling");
	cJSON_Delete(b);
	/* an unsupported modifier is an unknown parameter too */
	cJSON_Delete(get("/fhir/CodeSystem?url:below=http://x", strict, 400));
	cJSON_Delete(all);
}

/* A read of the first CodeSystem: its path into buf. */
static void first_codesystem(char *buf, size_t cap)
{
	cJSON *b = get("/fhir/CodeSystem?_sort=_id&_count=1", NULL, 200);
	snprintf(buf, cap, "/fhir/CodeSystem/%s", str(resource_at(b, 0), "id"));
	cJSON_Delete(b);
}

Test(conditional, if_none_match_and_if_modified_since)
{
	char path[300], etag[64], lm[64], h1[128], h2[128], vpath[400], *version;
	struct ts_resp r;
	cJSON *res;

	first_codesystem(path, sizeof(path));
	req("GET", path, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(ts_header(&r, "ETag", etag, sizeof(etag)));
	cr_assert_not_null(ts_header(&r, "Last-Modified", lm, sizeof(lm)));
	res = cJSON_Parse(r.body);
	version = strdup(str(cJSON_GetObjectItem(res, "meta"), "versionId"));
	cr_assert_not_null(str(cJSON_GetObjectItem(res, "meta"), "lastUpdated"), "meta.lastUpdated");
	snprintf(h1, sizeof(h1), "W/\"%s\"", version);
	cr_assert_str_eq(etag, h1, "the ETag is the weak versionId");
	cJSON_Delete(res);
	free(r.body);
	{
		const char *const same[] = {h1, NULL};
		const char *const other[] = {"If-None-Match: W/\"999999\"", NULL};
		const char *const star[] = {"If-None-Match: *", NULL};
		const char *const since[] = {h2, NULL};
		snprintf(h1, sizeof(h1), "If-None-Match: %s", etag);
		for (int i = 0; i < 2; i++) {        /* the second time from the answer cache */
			req("GET", path, same, NULL, &r);
			cr_assert_eq(r.status, 304, "If-None-Match with the current ETag");
			cr_assert_eq(r.len, 0, "a 304 has no body");
			cr_assert_not_null(ts_header(&r, "ETag", etag, sizeof(etag)));
			free(r.body);
		}
		req("HEAD", path, same, NULL, &r);
		cr_assert_eq(r.status, 304);
		free(r.body);
		req("GET", path, other, NULL, &r);
		cr_assert_eq(r.status, 200, "another ETag: the resource");
		cr_assert_gt(r.len, 0);
		free(r.body);
		req("GET", path, star, NULL, &r);
		cr_assert_eq(r.status, 304);
		free(r.body);
		snprintf(h2, sizeof(h2), "If-Modified-Since: %s", lm);
		req("GET", path, since, NULL, &r);
		cr_assert_eq(r.status, 304, "not modified since its Last-Modified");
		free(r.body);
		snprintf(h2, sizeof(h2), "If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT");
		req("GET", path, since, NULL, &r);
		cr_assert_eq(r.status, 200, "modified since 2001");
		free(r.body);
		/* vread: the same ETag, and 304 */
		snprintf(vpath, sizeof(vpath), "%s/_history/%s", path, version);
		req("GET", vpath, NULL, NULL, &r);
		cr_assert_eq(r.status, 200);
		cr_assert_str_eq(ts_header(&r, "ETag", lm, sizeof(lm)), etag);
		free(r.body);
		req("GET", vpath, same, NULL, &r);
		cr_assert_eq(r.status, 304);
		free(r.body);
		/* a search is not conditional */
		req("GET", "/fhir/CodeSystem?_count=1", star, NULL, &r);
		cr_assert_eq(r.status, 200);
		free(r.body);
	}
	free(version);
}

Test(media, legacy_fhir_media_types)
{
	static const char *const json[] = {"Accept: application/json+fhir", NULL};
	static const char *const xml[] = {"Accept: application/xml+fhir", NULL};
	static const char *const body[] = {"Content-Type: application/json+fhir", "Accept: application/json+fhir", NULL};
	char path[300], xpath[400];
	struct ts_resp r;

	first_codesystem(path, sizeof(path));
	req("GET", path, json, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strncmp(r.ctype, "application/fhir+json", 21) == 0, "answers name the current type: %s", r.ctype);
	free(r.body);
	req("GET", path, xml, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strncmp(r.ctype, "application/fhir+xml", 20) == 0, "%s", r.ctype);
	cr_assert(strstr(r.body, "<CodeSystem"), "%.200s", r.body);
	free(r.body);
	snprintf(xpath, sizeof(xpath), "%s?_format=application/xml%%2Bfhir", path);
	req("GET", xpath, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strncmp(r.ctype, "application/fhir+xml", 20) == 0, "%s", r.ctype);
	free(r.body);
	snprintf(xpath, sizeof(xpath), "%s?_format=application/json%%2Bfhir", path);
	req("GET", xpath, NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strncmp(r.ctype, "application/fhir+json", 21) == 0, "%s", r.ctype);
	free(r.body);
	/* links keep the format asked in the query, so following one gives the same format */
	req("GET", "/fhir/ConceptMap?_count=1&_format=application/xml%2Bfhir&_pretty=true", NULL, NULL, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "_offset=1&amp;_format=application/xml%2Bfhir&amp;_pretty=true\""), "%.600s", r.body);
	free(r.body);
	/* as a request body's Content-Type */
	req("POST", "/fhir/CodeSystem/_search", body, "{}", &r);
	cr_assert_eq(r.status, 415, "a search form is a form, whatever FHIR type");
	free(r.body);
	{
		cJSON *b = get("/fhir/CodeSystem?_count=1&_summary=false", NULL, 200);
		const cJSON *cs = resource_at(b, 0);
		const char *code = str(cJSON_GetArrayItem(cJSON_GetObjectItem(cs, "concept"), 0), "code");
		char params[800];
		cr_assert_not_null(code);
		snprintf(params, sizeof(params), "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"system\","
			 "\"valueUri\":\"%s\"},{\"name\":\"code\",\"valueCode\":\"%s\"}]}", str(cs, "url"), code);
		req("POST", "/fhir/CodeSystem/$lookup", body, params, &r);
		cr_assert_eq(r.status, 200, "%s", r.body);
		cr_assert(strncmp(r.ctype, "application/fhir+json", 21) == 0, "%s", r.ctype);
		free(r.body);
		cJSON_Delete(b);
	}
}

/* ---- daemons of their own: public_base_url, history pages, IPv6 ---------------------------------- */

Test(base, public_base_url_is_the_base_of_links_whatever_the_host_header)
{
	static const char *const host[] = {"Host: attacker.example", "X-Forwarded-Host: attacker.example", NULL};
	struct ts_daemon d;
	struct ts_resp r;
	cJSON *b;

	cr_assert_eq(ts_daemon_start(&d, "public_base_url = https://tx.example.no/fhir"), 0);
	cr_assert_eq(ts_http(d.port, "GET", "/fhir/ConceptMap?_count=1", host, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	b = cJSON_Parse(r.body);
	cr_assert(strncmp(link_of(b, "self"), "https://tx.example.no/fhir/ConceptMap?", 38) == 0, "%s",
		  link_of(b, "self"));
	cr_assert(strncmp(link_of(b, "next"), "https://tx.example.no/fhir/ConceptMap?", 38) == 0);
	cr_assert(strncmp(str(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "fullUrl"),
			  "https://tx.example.no/fhir/ConceptMap/", 38) == 0);
	cr_assert_null(strstr(r.body, "attacker"));
	cJSON_Delete(b);
	free(r.body);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

Test(base, history_pages_are_linked)
{
	struct ts_daemon d;
	struct ts_resp r;
	char *tok, auth[200], path[300], *id;
	cJSON *b, *map;
	int n;

	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	tok = ts_token_create(&d, "rest", "maintainer");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	cr_assert_eq(ts_http(d.port, "GET", "/fhir/ConceptMap?url=https://fhir.samsvar.no/ConceptMap/iplos-icf&_summary=false", NULL, NULL, 0, &r), 0);
	b = cJSON_Parse(r.body);
	free(r.body);
	map = cJSON_DetachItemFromObject(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "resource");
	cr_assert_not_null(map, "a draft map to change");
	cJSON_Delete(b);
	id = strdup(str(map, "id"));
	cJSON_DeleteItemFromObject(map, "meta");
	for (int i = 0; i < 3; i++) {     /* versions 2, 3 and 4 */
		const char *const h[] = {auth, "Content-Type: application/fhir+json", NULL};
		char title[40], *text;
		snprintf(title, sizeof(title), "Version %d", i + 2);
		cJSON_DeleteItemFromObject(map, "title");
		cJSON_AddStringToObject(map, "title", title);
		text = cJSON_PrintUnformatted(map);
		snprintf(path, sizeof(path), "/fhir/ConceptMap/%s", id);
		/* the daemon takes a new token in within a moment (it polls the store) */
		for (int w = 0; w < 50; w++) {
			cr_assert_eq(ts_http(d.port, "PUT", path, h, text, strlen(text), &r), 0);
			if (r.status != 401)
				break;
			free(r.body);
			ts_sleep_ms(100);
		}
		cr_assert_eq(r.status, 200, "%s", r.body);
		free(r.body);
		free(text);
	}
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history?_count=1&_offset=1", id);
	cr_assert_eq(ts_http(d.port, "GET", path, NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	b = cJSON_Parse(r.body);
	free(r.body);
	n = total(b);
	cr_assert_eq(n, 4);
	cr_assert_eq(entries(b), 1);
	cr_assert(strstr(link_of(b, "next"), "/_history?_count=1&_offset=2"), "%s", link_of(b, "next"));
	cr_assert(strstr(link_of(b, "previous"), "/_history?_count=1&_offset=0"), "%s", link_of(b, "previous"));
	cr_assert(strstr(link_of(b, "last"), "_offset=3"), "%s", link_of(b, "last"));
	{
		const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0);
		cr_assert_str_eq(str(cJSON_GetObjectItem(e, "response"), "etag"), "W/\"3\"", "newest first: 4, then 3");
		cr_assert_null(strstr(str(e, "fullUrl"), "/_history"), "a fullUrl is never version-specific");
	}
	cJSON_Delete(b);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history?_count=0", id);
	cr_assert_eq(ts_http(d.port, "GET", path, NULL, NULL, 0, &r), 0);
	b = cJSON_Parse(r.body);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(total(b), 4, "_count=0: the total only");
	cr_assert_eq(entries(b), 0);
	cJSON_Delete(b);
	free(r.body);
	cJSON_Delete(map);
	free(id);
	free(tok);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

/* Whether this machine can listen on the IPv6 loopback (some containers have no IPv6 at all). */
static int have_ipv6_loopback(void)
{
	struct sockaddr_in6 sa;
	int fd = socket(AF_INET6, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
	char **buf = ud;
	size_t have = *buf ? strlen(*buf) : 0;
	*buf = realloc(*buf, have + size * n + 1);
	memcpy(*buf + have, p, size * n);
	(*buf)[have + size * n] = '\0';
	return size * n;
}

Test(base, ipv6_listen)
{
	struct ts_daemon d;
	char url[100], *body = NULL, want[100];
	long status = 0;
	CURL *c;
	cJSON *b;

	if (!have_ipv6_loopback())
		cr_skip_test("this machine has no IPv6 loopback (::1)");
	cr_assert_eq(ts_daemon_start(&d, "listen = [::1]:0"), 0, "serve on [::1]");
	snprintf(url, sizeof(url), "http://[::1]:%u/fhir/ConceptMap?_count=1", d.port);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	cr_assert_eq(status, 200);
	b = cJSON_Parse(body);
	snprintf(want, sizeof(want), "http://[::1]:%u/fhir/ConceptMap?", d.port);
	cr_assert(strncmp(link_of(b, "self"), want, strlen(want)) == 0, "%s", link_of(b, "self"));
	cJSON_Delete(b);
	free(body);
	{
		int fd = ts_connect(d.port, NULL);     /* 127.0.0.1: an IPv6 listener is IPv6 only */
		if (fd >= 0)
			close(fd);
		cr_assert_lt(fd, 0, "[::1] does not take IPv4 connections");
	}
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

/* Every resource is matched against every search value, so the values are capped: more than
 * max_params of them in all, or one over 1000 bytes, is 413 whatever the store holds. */
Test(search, search_values_are_capped)
{
	char *path = malloc(20000), *p;
	const char *form[] = {FORM, NULL};
	struct ts_resp r;
	cJSON *j;

	p = path + sprintf(path, "name:contains=");
	for (int i = 0; i < 2000; i++)
		p += sprintf(p, "%szq", i ? "," : "");
	req("POST", "/fhir/ConceptMap/_search", form, path, &r);
	cr_assert_eq(r.status, 413, "%ld %.300s", r.status, r.body);
	j = cJSON_Parse(r.body);
	free(r.body);
	cr_assert_not_null(strstr(ts_issue_text(j), "values in all"));
	cJSON_Delete(j);
	p = path + sprintf(path, "/fhir/ConceptMap?url=http://x/");
	memset(p, 'a', 1100);
	p[1100] = '\0';
	j = get(path, NULL, 413);
	cJSON_Delete(j);
	j = get("/fhir/ConceptMap?name:contains=zq,iplos", NULL, 200);
	cr_assert_gt(total(j), 0, "a short comma list still searches");
	cJSON_Delete(j);
	free(path);
}
