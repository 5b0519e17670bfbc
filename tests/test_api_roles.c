/* test_api_roles.c — the maintainers' round of the README over real HTTP with real bearer tokens
 * (issue 9): tokens made by `samsvar token create` while the daemon runs; every write refused
 * without a token (401) and below its role (403); a draft made, edited under If-Match (412 when
 * stale), diffed, published, rolled back; AuditEvent naming each token's holder. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "support/daemon.h"
#include "support/support.h"

#define MAP_URL "https://fhir.samsvar.no/ConceptMap/iplos-icf"
#define J "Content-Type: application/fhir+json"

static struct ts_daemon d;
static char *tok_reader, *tok_maint, *tok_publ;

/* `method` path with the token (NULL: none), an optional If-Match and JSON body; returns the status. */
static long call(const char *method, const char *path, const char *token, const char *if_match,
		 const char *body, struct ts_resp *r)
{
	char authz[300], im[100];
	const char *h[5] = {J, NULL, NULL, NULL, NULL};
	int n = 1;

	if (token) {
		snprintf(authz, sizeof(authz), "Authorization: Bearer %s", token);
		h[n++] = authz;
	}
	if (if_match) {
		snprintf(im, sizeof(im), "If-Match: %s", if_match);
		h[n++] = im;
	}
	cr_assert_eq(ts_http(d.port, method, path, h, body, body ? strlen(body) : 0, r), 0, "%s %s", method, path);
	return r->status;
}

static long status_of(const char *method, const char *path, const char *token, const char *body)
{
	struct ts_resp r;
	long s = call(method, path, token, NULL, body, &r);
	free(r.body);
	return s;
}

/* The bundled iplos-icf map as version `version` with id `id`, a draft (meta dropped). */
static char *draft_of(const char *id, const char *version)
{
	struct ts_resp r;
	cJSON *m;
	char *s;

	cr_assert_eq(call("GET", "/fhir/ConceptMap/iplos-icf-0.1.0", NULL, NULL, NULL, &r), 200, "%s", r.body);
	m = cJSON_Parse(r.body);
	free(r.body);
	cJSON_DeleteItemFromObject(m, "meta");
	cJSON_ReplaceItemInObject(m, "id", cJSON_CreateString(id));
	cJSON_ReplaceItemInObject(m, "version", cJSON_CreateString(version));
	cJSON_ReplaceItemInObject(m, "status", cJSON_CreateString("draft"));
	s = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return s;
}

static void setup(void)
{
	cr_assert_eq(ts_daemon_start(&d, NULL), 0, "the daemon did not start");
	tok_reader = ts_token_create(&d, "rita", "reader");
	tok_maint = ts_token_create(&d, "maria", "maintainer");
	tok_publ = ts_token_create(&d, "per", "publisher");
	/* the daemon reads new tokens within its 200 ms poll */
	for (int i = 0; i < 50 && status_of("GET", "/fhir/metadata", tok_publ, NULL) != 200; i++)
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
}

static void teardown(void)
{
	ts_daemon_stop(&d);
	free(tok_reader);
	free(tok_maint);
	free(tok_publ);
}

TestSuite(roles, .init = setup, .fini = teardown, .timeout = 120);

Test(roles, writes_need_a_token_and_the_role_they_name)
{
	char *body = draft_of("iplos-icf-9.0.0", "9.0.0");
	static const char *const pub = "/fhir/ConceptMap/iplos-icf-0.1.0/$publish?reason=x";
	static const char *const rb = "/fhir/ConceptMap/$rollback?url=" MAP_URL "&version=0.1.0&reason=x";

	cr_assert_eq(status_of("POST", "/fhir/ConceptMap", NULL, body), 401);
	cr_assert_eq(status_of("POST", "/fhir/ConceptMap", tok_reader, body), 403);
	cr_assert_eq(status_of("PUT", "/fhir/ConceptMap/iplos-icf-9.0.0", tok_reader, body), 403);
	cr_assert_eq(status_of("DELETE", "/fhir/ConceptMap/iplos-icf-9.0.0", NULL, NULL), 401);
	cr_assert_eq(status_of("POST", pub, tok_maint, NULL), 403, "a maintainer may not publish");
	cr_assert_eq(status_of("POST", rb, tok_maint, NULL), 403, "nor roll back");
	cr_assert_eq(status_of("GET", "/fhir/AuditEvent", tok_reader, NULL), 403);
	cr_assert_eq(status_of("GET", "/fhir/AuditEvent", NULL, NULL), 401);
	cr_assert_eq(status_of("POST", "/fhir/$import?kind=fhir", tok_reader, body), 403);
	cr_assert_eq(status_of("POST", "/fhir/ConceptMap", "sv_not-a-token", body), 401);
	/* reads and the terminology operations stay open under auth = writes */
	cr_assert_eq(status_of("GET", "/fhir/ConceptMap/iplos-icf-0.1.0", NULL, NULL), 200);
	free(body);
}

Test(roles, a_maintainers_round_with_real_tokens)
{
	struct ts_resp r;
	char *v2 = draft_of("iplos-icf-0.2.0", "0.2.0"), etag[64] = "";
	const char *h;
	cJSON *j, *e;

	/* 0. the bundled draft is published first by a publisher */
	cr_assert_eq(call("POST", "/fhir/ConceptMap/iplos-icf-0.1.0/$publish?reason=reviewed", tok_publ, NULL, NULL,
			  &r), 200, "%s", r.body);
	free(r.body);
	/* 1. a new draft by PUT: 201 with Location and ETag */
	cr_assert_eq(call("PUT", "/fhir/ConceptMap/iplos-icf-0.2.0", tok_maint, NULL, v2, &r), 201, "%s", r.body);
	cr_assert(strcasestr(r.headers, "Location: ") && strstr(r.headers, "/fhir/ConceptMap/iplos-icf-0.2.0/_history/1"),
		  "%s", r.headers);
	h = strcasestr(r.headers, "ETag: ");
	cr_assert_not_null(h, "%s", r.headers);
	snprintf(etag, sizeof(etag), "%.*s", (int)strcspn(h + 6, "\r\n"), h + 6);
	free(r.body);
	/* 2. edited under If-Match: the current ETag passes, a stale one is 412 */
	cr_assert_eq(call("PUT", "/fhir/ConceptMap/iplos-icf-0.2.0", tok_maint, etag, v2, &r), 200, "%s", r.body);
	free(r.body);
	cr_assert_eq(call("PUT", "/fhir/ConceptMap/iplos-icf-0.2.0", tok_maint, etag, v2, &r), 412, "%s", r.body);
	free(r.body);
	/* 3. diff, 4. publish, 5. roll back */
	cr_assert_eq(status_of("GET", "/fhir/ConceptMap/$diff?url=" MAP_URL "&from=0.1.0&to=0.2.0", NULL, NULL), 200);
	cr_assert_eq(status_of("POST", "/fhir/ConceptMap/iplos-icf-0.2.0/$publish?reason=wg", tok_publ, NULL), 200);
	cr_assert_eq(call("GET", "/fhir/ConceptMap/iplos-icf-0.1.0", NULL, NULL, NULL, &r), 200);
	cr_assert(strstr(r.body, "\"status\":\"retired\""), "0.1.0 retired by the publish");
	free(r.body);
	cr_assert_eq(status_of("POST", "/fhir/ConceptMap/$rollback?url=" MAP_URL "&version=0.1.0&reason=wrong",
			       tok_publ, NULL), 200);
	cr_assert_eq(call("GET", "/fhir/ConceptMap/iplos-icf-0.1.0", NULL, NULL, NULL, &r), 200);
	cr_assert(strstr(r.body, "\"status\":\"active\""), "0.1.0 active again");
	free(r.body);
	/* the audit names each token's holder */
	cr_assert_eq(call("GET", "/fhir/AuditEvent?agent=maria", tok_maint, NULL, NULL, &r), 200, "%s", r.body);
	j = cJSON_Parse(r.body);
	cr_assert_gt(cJSON_GetArraySize(cJSON_GetObjectItem(j, "entry")), 0, "%s", r.body);
	cJSON_Delete(j);
	free(r.body);
	cr_assert_eq(call("GET", "/fhir/AuditEvent?agent=per&action=publish", tok_maint, NULL, NULL, &r), 200);
	j = cJSON_Parse(r.body);
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "entry"), 0);
	cr_assert_not_null(e, "%s", r.body);
	cJSON_Delete(j);
	free(r.body);
	free(v2);
}

/* GET /auth/whoami names the token's holder and role, so a client offers only what it may do. */
Test(roles, whoami_names_the_tokens_holder_and_role)
{
	static const struct {
		char **tok;
		const char *name, *role;
	} cases[] = {{&tok_reader, "rita", "reader"}, {&tok_maint, "maria", "maintainer"}, {&tok_publ, "per", "publisher"}};
	struct ts_resp r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *o;
		cr_assert_eq(call("GET", "/auth/whoami", *cases[i].tok, NULL, NULL, &r), 200, "%s", r.body);
		o = cJSON_Parse(r.body);
		cr_assert_not_null(o, "%s", r.body);
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")), cases[i].name);
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(o, "role")), cases[i].role);
		cJSON_Delete(o);
		free(r.body);
	}
	cr_assert_eq(status_of("GET", "/auth/whoami", NULL, NULL), 401, "no token");
	cr_assert_eq(status_of("GET", "/auth/whoami", "sv_not-a-token", NULL), 401, "a bad token");
	cr_assert_eq(status_of("POST", "/auth/whoami", tok_publ, NULL), 405);
}

/* PUT with If-None-Match: * creates only: a second one (someone's draft exists) is 412 and changes
 * nothing; any other If-None-Match on a write is 400. */
Test(roles, put_with_if_none_match_star_creates_only)
{
	char *body = draft_of("iplos-icf-7.7.0", "7.7.0"), authz[300];
	const char *h[] = {J, authz, "If-None-Match: *", NULL};
	const char *bad[] = {J, authz, "If-None-Match: W/\"1\"", NULL};
	struct ts_resp r;

	snprintf(authz, sizeof(authz), "Authorization: Bearer %s", tok_maint);
	cr_assert_eq(ts_http(d.port, "PUT", "/fhir/ConceptMap/iplos-icf-7.7.0", h, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 201, "%s", r.body);
	free(r.body);
	cr_assert_eq(ts_http(d.port, "PUT", "/fhir/ConceptMap/iplos-icf-7.7.0", h, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 412, "%s", r.body);
	cr_assert(strstr(r.body, "creates only"), "%s", r.body);
	free(r.body);
	cr_assert_eq(ts_http(d.port, "PUT", "/fhir/ConceptMap/iplos-icf-7.7.0", bad, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 400, "%s", r.body);
	free(r.body);
	cr_assert_eq(status_of("GET", "/fhir/ConceptMap/iplos-icf-7.7.0/_history/2", NULL, NULL), 404,
		     "the refused writes made no version");
	free(body);
}
