/* test_api_history.c — black-box tests of the write API over HTTP against the real daemon: versions,
 * ETag and Last-Modified on the wire, _history, $diff as Parameters and CSV, and every write refused
 * without a token (401). Writes with a token are covered in-process by test_api_write.c until bearer
 * tokens resolve into the request's principal; then these tests send `Authorization: Bearer`. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/daemon.h"

TS_DAEMON_SUITE(NULL)
TS_DAEMON_SUITE_END()

#define MAP "https://fhir.samsvar.no/ConceptMap/iplos-icf"
#define JSON_BODY "Content-Type: application/fhir+json"

static void require_daemon(void)
{
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
}

/* The id of the bundled map with canonical `url`, found by search as a client would (malloc'd). */
static char *map_id(const char *url, char **version)
{
	char path[300];
	long status;
	cJSON *b, *res;
	char *id;

	snprintf(path, sizeof(path), "/fhir/ConceptMap?url=%s", url);
	b = ts_get_json(path, &status);
	cr_assert_eq(status, 200);
	res = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "resource");
	cr_assert_not_null(res, "no bundled map %s", url);
	id = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(res, "id")));
	if (version)
		*version = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(res, "version")));
	cJSON_Delete(b);
	return id;
}

Test(history_api, read_carries_version_headers_and_meta)
{
	char *id, req[400], *resp;

	require_daemon();
	id = map_id(MAP, NULL);
	snprintf(req, sizeof(req), "GET /fhir/ConceptMap/%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", id);
	for (int i = 0; i < 2; i++) {      /* the second answer comes from the answer cache */
		resp = ts_raw(ts_port(), req, strlen(req), 5000, NULL);
		cr_assert_not_null(resp);
		cr_assert(strstr(resp, "\r\nETag: W/\"1\"\r\n"), "read %d: %.400s", i, resp);
		cr_assert(strstr(resp, "\r\nLast-Modified: "), "read %d: %.400s", i, resp);
		cr_assert(strstr(resp, "\"versionId\":\"1\""), "meta.versionId in the body");
		free(resp);
	}
	free(id);
}

Test(history_api, history_and_version_read)
{
	char *id, path[300];
	long status;
	cJSON *b;

	require_daemon();
	id = map_id(MAP, NULL);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history", id);
	b = ts_get_json(path, &status);
	cr_assert_eq(status, 200);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(b, "type")), "history");
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(b, "total")), 1);
	{
		/* the entry says the write that reproduces it: PUT to the resource, 201 for a creation */
		cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0);
		cJSON *rq = cJSON_GetObjectItem(e, "request"), *rs = cJSON_GetObjectItem(e, "response");
		char want[300];
		snprintf(want, sizeof(want), "ConceptMap/%s", id);
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(rq, "method")), "PUT");
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(rq, "url")), want);
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(rs, "status")), "201");
	}
	cJSON_Delete(b);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history/1", id);
	b = ts_get_json(path, &status);
	cr_assert_eq(status, 200);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(b, "id")), id);
	cJSON_Delete(b);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history/2", id);
	b = ts_get_json(path, &status);
	cr_assert_eq(status, 404);
	cJSON_Delete(b);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history/x1", id);
	b = ts_get_json(path, &status);
	cr_assert_eq(status, 404);
	cJSON_Delete(b);
	free(id);
}

Test(history_api, diff_of_a_version_with_itself_is_empty)
{
	struct ts_resp r;
	char *version = NULL, *id = map_id(MAP, &version), path[300];
	long status;
	cJSON *p;
	int rows = 0;
	const cJSON *it;

	require_daemon();
	snprintf(path, sizeof(path), "/fhir/ConceptMap/$diff?url=" MAP "&from=%s&to=%s", version, version);
	p = ts_get_json(path, &status);
	cr_assert_eq(status, 200);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(p, "parameter")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(it, "name"));
		rows += strcmp(name, "added") == 0 || strcmp(name, "removed") == 0 || strcmp(name, "changed") == 0;
	}
	cr_assert_eq(rows, 0);
	cJSON_Delete(p);
	strncat(path, "&output=csv", sizeof(path) - strlen(path) - 1);
	cr_assert_eq(ts_http(ts_port(), "GET", path, NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.ctype, "text/csv"), "%s", r.ctype);
	cr_assert(strncmp(r.body, "change,source_system,", 21) == 0 && strchr(r.body, '\n') == r.body + r.len - 1,
		  "a header and no rows: %s", r.body);
	free(r.body);
	free(id);
	free(version);
}

Test(history_api, every_write_needs_a_token)
{
	static const struct {
		const char *method, *path;
	} writes[] = {
		{"POST", "/fhir/ConceptMap"},
		{"PUT", "/fhir/ConceptMap/some-id"},
		{"DELETE", "/fhir/ConceptMap/some-id"},
		{"POST", "/fhir/ConceptMap/some-id/$publish?reason=x"},
		{"POST", "/fhir/ConceptMap/$rollback?url=" MAP "&version=0.1.0&reason=x"},
		{"POST", "/fhir/ValueSet"},
		{"PUT", "/fhir/CodeSystem/some-id"},
		{"GET", "/fhir/AuditEvent"},
		{"POST", "/fhir/$import?kind=fhir"},
	};
	static const char *const headers[] = {JSON_BODY, "Accept: application/fhir+json", NULL};
	const char *body = "{\"resourceType\":\"ConceptMap\",\"id\":\"some-id\"}";

	require_daemon();
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		struct ts_resp r;
		int has_body = strcmp(writes[i].method, "PUT") == 0 ||
			       (strcmp(writes[i].method, "POST") == 0 && (!strchr(writes[i].path, '$') ||
									  strstr(writes[i].path, "$import")));
		cJSON *oo;
		cr_assert_eq(ts_http(ts_port(), writes[i].method, writes[i].path, headers, has_body ? body : NULL,
				     has_body ? strlen(body) : 0, &r), 0);
		cr_assert_eq(r.status, 401, "%s %s: %ld %s", writes[i].method, writes[i].path, r.status, r.body);
		oo = cJSON_Parse(r.body);
		cr_assert_str_eq(ts_issue_code(oo), "login");
		cJSON_Delete(oo);
		free(r.body);
	}
}
