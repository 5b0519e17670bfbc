/* test_api_write.c — the write API, workflow and audit (issue 9) end to end through sv_exchange_run():
 * the same request path the daemon runs (target, headers, body, routing, roles, rendering) over a real
 * store holding the bundled content, with the request's principal set as the transport sets it from a
 * bearer token. Every answer is kept for the schema check of tests/run.sh. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samsvar/content.h"
#include "samsvar/exchange.h"
#include "samsvar/store.h"
#include "samsvar/writer.h"
#include "support/daemon.h"
#include "support/support.h"

#define BASE "https://fhir.samsvar.no"
#define IPLOS "urn:oid:2.16.578.1.12.4.1.1.9111"
#define ICF "http://hl7.org/fhir/sid/icf"
#define MAP_URL BASE "/ConceptMap/test-write"

static const struct sv_principal MAINTAINER = {"maria", SV_ROLE_MAINTAINER};
static const struct sv_principal PUBLISHER = {"per", SV_ROLE_PUBLISHER};
static const struct sv_principal READER = {"rita", SV_ROLE_READER};
static const struct sv_principal ADMIN = {"ada", SV_ROLE_ADMIN};

static struct sv_config cfg;
static struct sv_registry reg;
static struct sv_writer *writer;
static struct sv_service svc;
static char dir[64];

/* One answer: status, headers, the parsed body. */
struct answer {
	int status;
	struct sv_resp_headers headers;   /* .h points at hbuf: the exchange's own list is freed */
	struct sv_resp_header hbuf[SV_RESP_HEADERS_MAX];
	cJSON *body;
};

struct hdrs {
	const char *if_match;
	const char *content_type;     /* NULL: FHIR JSON */
	const char *accept;           /* NULL: FHIR JSON */
};

static const char *header_of(void *ctx, const char *name)
{
	const struct hdrs *h = ctx;
	if (strcasecmp(name, "Content-Type") == 0)
		return h->content_type ? h->content_type : "application/fhir+json";
	if (strcasecmp(name, "Accept") == 0)
		return h->accept ? h->accept : "application/fhir+json";
	if (strcasecmp(name, "If-Match") == 0)
		return h->if_match;
	return NULL;
}

static void setup(void)
{
	struct sv_store *st = NULL;
	struct sv_error err = {0};
	struct sv_snapshot *snap;
	const char *root = getenv("SAMSVAR_ROOT");
	char path[600];
	cJSON *content, *r;

	sv_config_defaults(&cfg);
	snprintf(dir, sizeof(dir), "/tmp/samsvar-write-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	cr_assert_eq(sv_store_open(path, &st, &err), SV_OK, "%s", err.message);
	snprintf(path, sizeof(path), "%s/mappings", root ? root : ".");
	content = sv_content_load_dir(path, BASE, &err);
	cr_assert_not_null(content, "%s", err.message);
	cr_assert_eq(sv_store_begin(st, &err), SV_OK);
	/* What a deployment imports besides the bundled content: FSIII, which a bundled map uses. */
	{
		char *fsiii = ts_shared_path("terminology/fsiii-codesystem-20240530.json");
		if (fsiii) {
			size_t n;
			char *text = ts_read_file(fsiii, &n);
			cJSON_AddItemToArray(content, cJSON_ParseWithLength(text, n));
			free(text);
			free(fsiii);
		}
	}
	cJSON_ArrayForEach(r, content)
		cr_assert_eq(sv_store_put(st, r, "test", "bundled", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_commit(st, &err), SV_OK);
	cJSON_Delete(content);
	snap = sv_snapshot_from_store(st, &err);
	cr_assert_not_null(snap, "%s", err.message);
	sv_registry_init(&reg, snap);
	writer = sv_writer_new(st, &reg);
	svc.cfg = &cfg;
	svc.reg = &reg;
	svc.writer = writer;
}

static void teardown(void)
{
	char cmd[100];
	sv_writer_free(writer);
	sv_registry_release(&reg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

TestSuite(write, .init = setup, .fini = teardown);

/* 1 while call() sends its body as FHIR XML. */
static int xml_body;

/* Runs one request through the exchange into *x (the caller frees x->bytes and releases x->headers). */
static void exchange(struct sv_exchange *x, const struct sv_principal *who, const char *method, const char *target,
		     const char *body, struct hdrs *h)
{
	memset(x, 0, sizeof(*x));
	x->method = method;
	x->target = target;
	x->target_len = strlen(target);
	x->header = header_of;
	x->header_ctx = h;
	x->body = body;
	x->body_len = body ? strlen(body) : 0;
	x->peer = "127.0.0.9";
	x->who = who;
	sv_exchange_run(&svc, x);
}

/* Sends one request as `who` (NULL: anonymous) and returns its answer (free a->body). */
static void call(const struct sv_principal *who, const char *method, const char *target, const char *body,
		 const char *if_match, struct answer *a)
{
	struct hdrs h = {if_match, xml_body ? "application/fhir+xml" : NULL, NULL};
	struct sv_exchange x;
	struct ts_resp r;

	exchange(&x, who, method, target, body, &h);
	a->status = x.status;
	a->headers.n = x.headers.n;
	a->headers.h = a->hbuf;
	if (x.headers.n)
		memcpy(a->hbuf, x.headers.h, x.headers.n * sizeof(a->hbuf[0]));
	a->body = cJSON_ParseWithLength(x.bytes, x.len);
	cr_assert_not_null(a->body, "%s %s: not JSON: %.200s", method, target, x.bytes);
	r.status = x.status;
	r.body = x.bytes;
	r.len = x.len;
	snprintf(r.ctype, sizeof(r.ctype), "%s", x.content_type);
	ts_capture_resp(&r);
	free(x.bytes);
	sv_resp_headers_release(&x.headers);
}

static const char *hdr(const struct answer *a, const char *name)
{
	return sv_resp_header_get(&a->headers, name);
}

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static const char *meta(const cJSON *o, const char *name)
{
	return str(cJSON_GetObjectItemCaseSensitive(o, "meta"), name);
}

/* A small valid draft map (codes copied from mappings/conceptmap-iplos-icf.tsv). */
static char *map_json(const char *id, const char *version, const char *status, const char *target2)
{
	char *s = NULL;
	cr_assert(asprintf(&s,
		"{\"resourceType\":\"ConceptMap\",%s%s%s\"url\":\"" MAP_URL "\",\"version\":\"%s\","
		"\"name\":\"TestWrite\",\"status\":\"%s\",\"group\":[{\"source\":\"" IPLOS "\",\"target\":\"" ICF "\","
		"\"element\":[{\"code\":\"1\",\"target\":[{\"code\":\"d910\",\"equivalence\":\"narrower\","
		"\"comment\":\"c\"}]},{\"code\":\"2\",\"target\":[{\"code\":\"%s\",\"equivalence\":\"equivalent\"}]}]}]}",
		id ? "\"id\":\"" : "", id ? id : "", id ? "\"," : "", version, status, target2) > 0);
	return s;
}

/* Creates the draft map version `version` by POST; returns its id (malloc'd). */
static char *create_map(const char *version, const char *target2)
{
	struct answer a;
	char *body = map_json(NULL, version, "draft", target2), *id;
	call(&MAINTAINER, "POST", "/fhir/ConceptMap", body, NULL, &a);
	free(body);
	cr_assert_eq(a.status, 201, "create: %d %s", a.status, cJSON_PrintUnformatted(a.body));
	id = strdup(str(a.body, "id"));
	cJSON_Delete(a.body);
	return id;
}

/* Whether the compact JSON of `body` contains `needle`. */
static int body_has(const cJSON *body, const char *needle)
{
	char *text = cJSON_PrintUnformatted(body);
	int found = text && strstr(text, needle) != NULL;
	free(text);
	return found;
}

static int issue_count(const cJSON *oo)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(oo, "issue"));
}

/* Whether some issue of `oo` names `expr` and has issue code `code`. */
static int has_issue(const cJSON *oo, const char *expr, const char *code)
{
	const cJSON *i;
	cJSON_ArrayForEach(i, cJSON_GetObjectItemCaseSensitive(oo, "issue")) {
		const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(i, "expression"), 0);
		if (e && strcmp(e->valuestring, expr) == 0 && strcmp(str(i, "code"), code) == 0)
			return 1;
	}
	return 0;
}


Test(write, create_gives_201_location_etag_and_meta)
{
	struct answer a;
	char *body = map_json(NULL, "1.0.0", "draft", "d620"), loc[200];

	call(&MAINTAINER, "POST", "/fhir/ConceptMap", body, NULL, &a);
	free(body);
	cr_assert_eq(a.status, 201, "%d", a.status);
	cr_assert_str_eq(meta(a.body, "versionId"), "1");
	cr_assert_not_null(meta(a.body, "lastUpdated"));
	cr_assert_str_eq(hdr(&a, "ETag"), "W/\"1\"");
	cr_assert_not_null(hdr(&a, "Last-Modified"));
	snprintf(loc, sizeof(loc), "/fhir/ConceptMap/%s/_history/1", str(a.body, "id"));
	cr_assert_str_eq(hdr(&a, "Location"), loc);
	cr_assert_str_eq(str(a.body, "status"), "draft");
	cJSON_Delete(a.body);

	/* The next request reads it, with the same headers, twice (the second from the answer cache). */
	for (int i = 0; i < 2; i++) {
		call(NULL, "GET", "/fhir/ConceptMap/test-write-1.0.0", NULL, NULL, &a);
		cr_assert_eq(a.status, 200);
		cr_assert_str_eq(hdr(&a, "ETag"), "W/\"1\"", "read %d", i);
		cr_assert_not_null(hdr(&a, "Last-Modified"));
		cr_assert_str_eq(meta(a.body, "versionId"), "1");
		cJSON_Delete(a.body);
	}
	/* A second create of the same url and version clashes. */
	body = map_json(NULL, "1.0.0", "draft", "d620");
	call(&MAINTAINER, "POST", "/fhir/ConceptMap", body, NULL, &a);
	free(body);
	cr_assert_eq(a.status, 409, "%d", a.status);
	cJSON_Delete(a.body);
}

Test(write, roles_and_anonymous)
{
	struct answer a;
	char *body = map_json(NULL, "1.0.0", "draft", "d620");

	call(NULL, "POST", "/fhir/ConceptMap", body, NULL, &a);
	cr_assert_eq(a.status, 401);
	cr_assert_str_eq(str(cJSON_GetArrayItem(cJSON_GetObjectItem(a.body, "issue"), 0), "code"), "login");
	cJSON_Delete(a.body);
	call(&READER, "POST", "/fhir/ConceptMap", body, NULL, &a);
	cr_assert_eq(a.status, 403);
	cJSON_Delete(a.body);
	call(&ADMIN, "POST", "/fhir/ConceptMap", body, NULL, &a);
	cr_assert_eq(a.status, 201, "an admin may do what a maintainer may");
	cJSON_Delete(a.body);
	free(body);
	call(&MAINTAINER, "POST", "/fhir/ConceptMap/test-write-1.0.0/$publish?reason=ok", NULL, NULL, &a);
	cr_assert_eq(a.status, 403, "a maintainer cannot publish");
	cJSON_Delete(a.body);
	call(NULL, "POST", "/fhir/ConceptMap/$rollback?url=x&version=1&reason=r", NULL, NULL, &a);
	cr_assert_eq(a.status, 401);
	cJSON_Delete(a.body);
	call(NULL, "DELETE", "/fhir/ConceptMap/test-write-1.0.0", NULL, NULL, &a);
	cr_assert_eq(a.status, 401);
	cJSON_Delete(a.body);
	call(&READER, "GET", "/fhir/AuditEvent", NULL, NULL, &a);
	cr_assert_eq(a.status, 403, "the audit trail is for those who change content");
	cJSON_Delete(a.body);
	/* Reads stay open. */
	call(NULL, "GET", "/fhir/ConceptMap/test-write-1.0.0/_history", NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cJSON_Delete(a.body);
}

Test(write, update_with_if_match_and_history)
{
	struct answer a;
	char *id = create_map("1.0.0", "d620"), *body = map_json(id, "1.0.0", "draft", "d920"), path[200];

	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s", id);
	call(&MAINTAINER, "PUT", path, body, "W/\"1\"", &a);
	cr_assert_eq(a.status, 200, "%d", a.status);
	cr_assert_str_eq(hdr(&a, "ETag"), "W/\"2\"");
	cr_assert_str_eq(meta(a.body, "versionId"), "2");
	cJSON_Delete(a.body);
	/* The same If-Match again is stale now: 412, and nothing changes. */
	call(&MAINTAINER, "PUT", path, body, "W/\"1\"", &a);
	cr_assert_eq(a.status, 412, "%d", a.status);
	cJSON_Delete(a.body);
	call(&MAINTAINER, "PUT", path, body, "nonsense", &a);
	cr_assert_eq(a.status, 400);
	cJSON_Delete(a.body);
	free(body);

	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history", id);
	call(NULL, "GET", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cr_assert_str_eq(str(a.body, "type"), "history");
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 2);
	cr_assert_str_eq(meta(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(a.body, "entry"), 0),
						   "resource"), "versionId"), "2", "newest first");
	cJSON_Delete(a.body);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history/1", id);
	call(NULL, "GET", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cr_assert_str_eq(hdr(&a, "ETag"), "W/\"1\"");
	cr_assert(body_has(a.body, "d620"), "version 1 keeps its first target");
	cJSON_Delete(a.body);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history/9", id);
	call(NULL, "GET", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 404);
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/nobody/_history", NULL, NULL, &a);
	cr_assert_eq(a.status, 404);
	cJSON_Delete(a.body);
	free(id);
}

Test(write, put_creates_and_checks_its_body)
{
	struct answer a;
	char *body = map_json("my-map", "2.0.0", "draft", "d620");

	call(&MAINTAINER, "PUT", "/fhir/ConceptMap/my-map", body, NULL, &a);
	cr_assert_eq(a.status, 201, "%d", a.status);
	cr_assert_str_eq(hdr(&a, "Location"), "/fhir/ConceptMap/my-map/_history/1");
	cJSON_Delete(a.body);
	call(&MAINTAINER, "PUT", "/fhir/ConceptMap/other-id", body, NULL, &a);
	cr_assert_eq(a.status, 400, "the body's id must be the path's");
	cJSON_Delete(a.body);
	call(&MAINTAINER, "PUT", "/fhir/ValueSet/my-map", body, NULL, &a);
	cr_assert_eq(a.status, 400, "a ConceptMap sent to ValueSet");
	cJSON_Delete(a.body);
	free(body);
	body = map_json("new-id", "3.0.0", "draft", "d620");
	call(&MAINTAINER, "PUT", "/fhir/ConceptMap/new-id", body, "W/\"1\"", &a);
	cr_assert_eq(a.status, 412, "If-Match on a resource that does not exist");
	cJSON_Delete(a.body);
	free(body);
}

Test(write, invalid_map_lists_every_problem_and_stores_nothing)
{
	struct answer a;
	const char *body =
		"{\"resourceType\":\"ConceptMap\",\"url\":\"" MAP_URL "\",\"version\":\"1\",\"status\":\"active\","
		"\"group\":[{\"source\":\"" IPLOS "\",\"target\":\"" ICF "\",\"element\":["
		"{\"code\":\"no-such-iplos\",\"target\":[{\"code\":\"d910\",\"equivalence\":\"narrower\"}]},"
		"{\"code\":\"1\",\"target\":[{\"code\":\"x999\",\"equivalence\":\"similar\"},"
		"{\"code\":\"d910\"},"
		"{\"code\":\"d910\",\"equivalence\":\"narrower\",\"dependsOn\":[{\"property\":\"p\",\"system\":\"" ICF
		"\",\"value\":\"zz1\"}]},"
		"{\"code\":\"d910\",\"equivalence\":\"narrower\"}]}]},"
		"{\"source\":\"urn:example:unknown\",\"target\":\"" ICF "\",\"element\":[{\"code\":\"a\",\"target\":"
		"[{\"code\":\"d910\",\"equivalence\":\"equivalent\"}]}]}]}";

	call(&MAINTAINER, "POST", "/fhir/ConceptMap", body, NULL, &a);
	cr_assert_eq(a.status, 422, "%d", a.status);
	cr_assert(has_issue(a.body, "ConceptMap.status", "business-rule"));
	cr_assert(has_issue(a.body, "ConceptMap.group[0].element[0].code", "code-invalid"));
	cr_assert(has_issue(a.body, "ConceptMap.group[0].element[1].target[0].code", "code-invalid"));
	cr_assert(has_issue(a.body, "ConceptMap.group[0].element[1].target[0].equivalence", "code-invalid"));
	cr_assert(has_issue(a.body, "ConceptMap.group[0].element[1].target[1].equivalence", "required"));
	cr_assert(has_issue(a.body, "ConceptMap.group[0].element[1].target[2].dependsOn[0]", "code-invalid"));
	cr_assert(!has_issue(a.body, "ConceptMap.group[0].element[1].target[2]", "duplicate"),
		  "another dependsOn makes another row");
	cr_assert(has_issue(a.body, "ConceptMap.group[0].element[1].target[3]", "duplicate"));
	cr_assert(has_issue(a.body, "ConceptMap.group[1].source", "not-found"), "an unknown system, once");
	cr_assert_eq(issue_count(a.body), 8, "%s", cJSON_PrintUnformatted(a.body));
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap?url=" MAP_URL, NULL, NULL, &a);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 0, "nothing was stored");
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/ConceptMap", "{\"resourceType\":\"ConceptMap\",\"status\":\"draft\"}", NULL, &a);
	cr_assert_eq(a.status, 422);
	cr_assert(has_issue(a.body, "ConceptMap.url", "required") && has_issue(a.body, "ConceptMap.version", "required"));
	cJSON_Delete(a.body);
}

Test(write, national_edition_target_is_accepted)
{
	struct answer a;
	/* 284974001 (Unable to dress) is flagged needs-national-edition in mappings/conceptmap-iplos-snomed.tsv. */
	const char *body =
		"{\"resourceType\":\"ConceptMap\",\"url\":\"" MAP_URL "\",\"version\":\"1\",\"status\":\"draft\","
		"\"group\":[{\"source\":\"" IPLOS "\",\"target\":\"http://snomed.info/sct\",\"element\":[{\"code\":\"8\","
		"\"target\":[{\"extension\":[{\"url\":\"" BASE "/StructureDefinition/needs-national-edition\","
		"\"valueBoolean\":true}],\"code\":\"284974001\",\"equivalence\":\"relatedto\"}]}]}]}";

	call(&MAINTAINER, "POST", "/fhir/ConceptMap", body, NULL, &a);
	cr_assert_eq(a.status, 201, "%d %s", a.status, cJSON_PrintUnformatted(a.body));
	cJSON_Delete(a.body);
}

Test(write, valueset_and_codesystem_checks)
{
	struct answer a;

	call(&MAINTAINER, "POST", "/fhir/ValueSet",
	     "{\"resourceType\":\"ValueSet\",\"url\":\"" BASE "/ValueSet/t\",\"version\":\"1\",\"status\":\"draft\","
	     "\"compose\":{\"include\":[{\"system\":\"" ICF "\",\"concept\":[{\"code\":\"d910\"},{\"code\":\"q1\"}]},"
	     "{\"system\":\"urn:example:none\"},{\"valueSet\":[\"" BASE "/ValueSet/nothing\"]}]}}", NULL, &a);
	cr_assert_eq(a.status, 422, "%d", a.status);
	cr_assert(has_issue(a.body, "ValueSet.compose.include[0].concept[1].code", "code-invalid"));
	cr_assert(has_issue(a.body, "ValueSet.compose.include[1].system", "not-found"));
	cr_assert(has_issue(a.body, "ValueSet.compose.include[2].valueSet[0]", "not-found"));
	cr_assert_eq(issue_count(a.body), 3);
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/CodeSystem",
	     "{\"resourceType\":\"CodeSystem\",\"url\":\"" BASE "/CodeSystem/t\",\"version\":\"1\",\"status\":\"draft\","
	     "\"content\":\"complete\",\"concept\":[{\"code\":\"a\",\"concept\":[{\"code\":\"b\"}]},{\"code\":\"b\"},"
	     "{\"display\":\"no code\"}]}", NULL, &a);
	cr_assert_eq(a.status, 422, "%d", a.status);
	cr_assert(has_issue(a.body, "CodeSystem.concept[1]", "duplicate"));
	cr_assert(has_issue(a.body, "CodeSystem.concept[2]", "required"));
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/CodeSystem",
	     "{\"resourceType\":\"CodeSystem\",\"url\":\"" BASE "/CodeSystem/t\",\"version\":\"1\",\"status\":\"draft\","
	     "\"content\":\"complete\",\"concept\":[{\"code\":\"a\",\"concept\":[{\"code\":\"b\"}]}]}", NULL, &a);
	cr_assert_eq(a.status, 201, "%d", a.status);
	cJSON_Delete(a.body);
	/* It serves at once. */
	call(NULL, "GET", "/fhir/CodeSystem/$lookup?system=" BASE "/CodeSystem/t&code=b", NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cJSON_Delete(a.body);
}

Test(write, publish_freezes_and_rollback_reactivates)
{
	struct answer a;
	char *v1 = create_map("1.0.0", "d620"), *v2, path[300], *body;

	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/$publish", v1);
	call(&PUBLISHER, "POST", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 400, "a reason is required");
	cJSON_Delete(a.body);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/$publish?reason=reviewed", v1);
	call(&PUBLISHER, "POST", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 200, "%d", a.status);
	cr_assert_str_eq(str(a.body, "status"), "active");
	cJSON_Delete(a.body);
	call(&PUBLISHER, "POST", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 422, "an active map is not published again");
	cJSON_Delete(a.body);

	/* Active is frozen: no update, no delete. */
	body = map_json(v1, "1.0.0", "draft", "d920");
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s", v1);
	call(&MAINTAINER, "PUT", path, body, NULL, &a);
	cr_assert_eq(a.status, 422, "%d", a.status);
	cJSON_Delete(a.body);
	free(body);
	call(&MAINTAINER, "DELETE", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 422);
	cJSON_Delete(a.body);

	/* A new business version as a draft, then published: the old one is retired. */
	v2 = create_map("2.0.0", "d920");
	call(NULL, "GET", "/fhir/ConceptMap/$translate?url=" MAP_URL "&system=" IPLOS "&code=2", NULL, NULL, &a);
	cr_assert(body_has(a.body, "d620"), "the active version answers, not the draft");
	cJSON_Delete(a.body);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/$publish?reason=second", v2);
	call(&PUBLISHER, "POST", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/$translate?url=" MAP_URL "&system=" IPLOS "&code=2", NULL, NULL, &a);
	cr_assert(body_has(a.body, "d920"), "the next request reads the published version");
	cJSON_Delete(a.body);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s", v1);
	call(NULL, "GET", path, NULL, NULL, &a);
	cr_assert_str_eq(str(a.body, "status"), "retired");
	cJSON_Delete(a.body);

	/* Roll back to 1.0.0: active again, 2.0.0 retired. */
	call(&PUBLISHER, "POST", "/fhir/ConceptMap/$rollback?url=" MAP_URL "&version=1.0.0", NULL, NULL, &a);
	cr_assert_eq(a.status, 400, "a reason is required");
	cJSON_Delete(a.body);
	call(&PUBLISHER, "POST", "/fhir/ConceptMap/$rollback?url=" MAP_URL "&version=9&reason=x", NULL, NULL, &a);
	cr_assert_eq(a.status, 404);
	cJSON_Delete(a.body);
	call(&PUBLISHER, "POST", "/fhir/ConceptMap/$rollback?url=" MAP_URL "&version=1.0.0&reason=regression",
	     NULL, NULL, &a);
	cr_assert_eq(a.status, 200, "%d", a.status);
	cr_assert_str_eq(str(a.body, "status"), "active");
	cJSON_Delete(a.body);
	call(&PUBLISHER, "POST", "/fhir/ConceptMap/$rollback?url=" MAP_URL "&version=1.0.0&reason=again",
	     NULL, NULL, &a);
	cr_assert_eq(a.status, 422, "an active version is not rolled back to");
	cJSON_Delete(a.body);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s", v2);
	call(NULL, "GET", path, NULL, NULL, &a);
	cr_assert_str_eq(str(a.body, "status"), "retired");
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/$translate?url=" MAP_URL "&system=" IPLOS "&code=2", NULL, NULL, &a);
	cr_assert(body_has(a.body, "d620"), "the rolled-back version answers");
	cJSON_Delete(a.body);

	/* The trail: who, what, why, from where, in order. */
	call(&MAINTAINER, "GET", "/fhir/AuditEvent?agent=per&_count=50", NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 5,
		     "publish, retire+publish, retire+rollback: %s", cJSON_PrintUnformatted(a.body));
	{
		const cJSON *ev = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(a.body, "entry"), 0),
						      "resource");
		const cJSON *ent = cJSON_GetArrayItem(cJSON_GetObjectItem(ev, "entity"), 0);
		const cJSON *agent = cJSON_GetArrayItem(cJSON_GetObjectItem(ev, "agent"), 0);
		cr_assert_str_eq(str(ent, "description"), "regression");
		cr_assert_str_eq(str(cJSON_GetObjectItem(agent, "network"), "address"), "127.0.0.9");
		cr_assert_str_eq(str(cJSON_GetObjectItem(agent, "who"), "display"), "per");
		cr_assert(strstr(str(cJSON_GetObjectItem(ent, "what"), "reference"), v1));
	}
	cJSON_Delete(a.body);
	free(v1);
	free(v2);
}

Test(write, delete_draft_leaves_history)
{
	struct answer a;
	char *id = create_map("1.0.0", "d620"), path[200];

	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s", id);
	call(&MAINTAINER, "DELETE", path, NULL, "W/\"7\"", &a);
	cr_assert_eq(a.status, 412);
	cJSON_Delete(a.body);
	call(&MAINTAINER, "DELETE", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cJSON_Delete(a.body);
	call(NULL, "GET", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 404);
	cJSON_Delete(a.body);
	call(&MAINTAINER, "DELETE", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 404);
	cJSON_Delete(a.body);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/_history", id);
	call(NULL, "GET", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 2);
	cr_assert_str_eq(str(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(a.body, "entry"), 0), "request"),
			     "method"), "DELETE");
	cJSON_Delete(a.body);
	free(id);
}

Test(write, audit_event_search)
{
	struct answer a;
	char *id = create_map("1.0.0", "d620"), path[200];

	free(create_map("2.0.0", "d620"));
	snprintf(path, sizeof(path), "/fhir/AuditEvent?entity=ConceptMap/%s", id);
	call(&MAINTAINER, "GET", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 1);
	cJSON_Delete(a.body);
	call(&MAINTAINER, "GET", "/fhir/AuditEvent?entity=" MAP_URL "&agent=maria&date=ge2000-01-01&_count=1", NULL,
	     NULL, &a);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 2);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a.body, "entry")), 1, "paged");
	{
		const cJSON *l, *next = NULL;
		char target[600];
		cJSON_ArrayForEach(l, cJSON_GetObjectItem(a.body, "link"))
			if (strcmp(str(l, "relation"), "next") == 0)
				next = l;
		cr_assert_not_null(next, "a next link");
		cr_assert(strstr(str(next, "url"), "_offset=1"), "%s", str(next, "url"));
		/* links are absolute, on the server's base (here the default, from `listen`) */
		cr_assert(strncmp(str(next, "url"), "http://127.0.0.1:8080/fhir/AuditEvent?", 38) == 0, "%s",
			  str(next, "url"));
		snprintf(target, sizeof(target), "/fhir/%s", str(next, "url") + 27);
		cJSON_Delete(a.body);
		call(&MAINTAINER, "GET", target, NULL, NULL, &a);
		cr_assert_eq(a.status, 200, "%s", target);
		cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(a.body, "entry")), 1, "the second page");
		cJSON_ArrayForEach(l, cJSON_GetObjectItem(a.body, "link"))
			cr_assert_str_neq(str(l, "relation"), "next", "no page after the last");
	}
	cJSON_Delete(a.body);
	call(&MAINTAINER, "GET", "/fhir/AuditEvent?agent=maria&date=lt2000-01-01", NULL, NULL, &a);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 0);
	cJSON_Delete(a.body);
	call(&MAINTAINER, "GET", "/fhir/AuditEvent?agent=nobody", NULL, NULL, &a);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 0);
	cJSON_Delete(a.body);
	call(&MAINTAINER, "GET", "/fhir/AuditEvent?date=yesterday", NULL, NULL, &a);
	cr_assert_eq(a.status, 400);
	cJSON_Delete(a.body);
	/* an unknown parameter is ignored (lenient handling, the default) and left out of the links */
	call(&MAINTAINER, "GET", "/fhir/AuditEvent?patient=x&agent=nobody", NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cr_assert_null(strstr(str(cJSON_GetArrayItem(cJSON_GetObjectItem(a.body, "link"), 0), "url"), "patient"));
	cr_assert(strstr(str(cJSON_GetArrayItem(cJSON_GetObjectItem(a.body, "link"), 0), "url"), "agent=nobody"));
	cJSON_Delete(a.body);
	free(id);
}

/* Counts the parameters named `name` of a Parameters resource. */
static int count_params(const cJSON *params, const char *name)
{
	const cJSON *p;
	int n = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(params, "parameter"))
		n += strcmp(str(p, "name"), name) == 0;
	return n;
}

Test(write, diff_as_parameters_and_csv)
{
	struct answer a;
	struct sv_exchange x;
	struct hdrs h = {NULL, NULL, NULL};
	char *v1 = create_map("1.0.0", "d620");
	/* 1.1.0: row 1->d910 gets another equivalence and reason; 2->d620 becomes 2->d920. */
	const char *v2 =
		"{\"resourceType\":\"ConceptMap\",\"url\":\"" MAP_URL "\",\"version\":\"1.1.0\",\"status\":\"draft\","
		"\"group\":[{\"source\":\"" IPLOS "\",\"target\":\"" ICF "\",\"element\":[{\"code\":\"1\",\"target\":"
		"[{\"code\":\"d910\",\"equivalence\":\"inexact\",\"comment\":\"=cmd, with \\\"quotes\\\"\"}]},"
		"{\"code\":\"2\",\"target\":[{\"code\":\"d920\",\"equivalence\":\"equivalent\"}]}]}]}";

	call(&MAINTAINER, "POST", "/fhir/ConceptMap", v2, NULL, &a);
	cr_assert_eq(a.status, 201);
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/$diff?url=" MAP_URL "&from=1.0.0&to=1.1.0", NULL, NULL, &a);
	cr_assert_eq(a.status, 200, "%d", a.status);
	cr_assert_eq(count_params(a.body, "added"), 1, "%s", cJSON_PrintUnformatted(a.body));
	cr_assert_eq(count_params(a.body, "removed"), 1);
	cr_assert_eq(count_params(a.body, "changed"), 1);
	cr_assert(body_has(a.body, "\"name\":\"equivalence\",\"part\":[{\"name\":\"before\","
			 "\"valueString\":\"narrower\"},{\"name\":\"after\",\"valueString\":\"inexact\"}]"),
		  "%s", cJSON_PrintUnformatted(a.body));
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/$diff?url=" MAP_URL "&from=1.0.0&to=9", NULL, NULL, &a);
	cr_assert_eq(a.status, 404);
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/$diff?url=" MAP_URL "&from=1.0.0", NULL, NULL, &a);
	cr_assert_eq(a.status, 400);
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/$diff?url=" MAP_URL "&from=1.0.0&to=1.1.0&output=xlsx", NULL, NULL, &a);
	cr_assert_eq(a.status, 400);
	cJSON_Delete(a.body);

	/* CSV: a header and three rows; a comma or quote is quoted, a formula is defused. */
	exchange(&x, NULL, "GET", "/fhir/ConceptMap/$diff?url=" MAP_URL "&from=1.0.0&to=1.1.0&output=csv", NULL, &h);
	cr_assert_eq(x.status, 200);
	cr_assert_str_eq(x.content_type, "text/csv; charset=utf-8");
	cr_assert(strncmp(x.bytes, "change,source_system,source_code,target_system,target_code,", 59) == 0, "%s", x.bytes);
	{
		int lines = 0;
		for (size_t i = 0; i < x.len; i++)
			lines += x.bytes[i] == '\n';
		cr_assert_eq(lines, 4, "%s", x.bytes);
	}
	cr_assert(strstr(x.bytes, "changed," IPLOS ",1," ICF ",d910,\"equivalence,comment\",narrower,inexact,c,"
			 "\"'=cmd, with \"\"quotes\"\"\","), "%s", x.bytes);
	free(x.bytes);
	sv_resp_headers_release(&x.headers);
	free(v1);
}

Test(write, four_eyes_publisher_differs_from_last_editor)
{
	struct answer a;
	char *body = map_json(NULL, "1.0.0", "draft", "d620"), path[200];

	cfg.publish_requires_second_person = 1;
	call(&ADMIN, "POST", "/fhir/ConceptMap", body, NULL, &a);
	cr_assert_eq(a.status, 201);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/$publish?reason=mine", str(a.body, "id"));
	cJSON_Delete(a.body);
	call(&ADMIN, "POST", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 403, "the last editor may not publish: %d", a.status);
	cr_assert(body_has(a.body, "ada"));
	cJSON_Delete(a.body);
	call(&PUBLISHER, "POST", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 200, "a second person may");
	cJSON_Delete(a.body);
	free(body);
}

/* The checks accept the content samsvar ships: every bundled resource, as a new draft version. */
Test(write, every_bundled_resource_passes_the_checks)
{
	static const char *const types[] = {"CodeSystem", "ValueSet", "ConceptMap"};
	int n = 0;

	for (int t = 0; t < 3; t++) {
		struct answer list;
		const cJSON *e;
		char path[100];
		snprintf(path, sizeof(path), "/fhir/%s?_summary=false&_count=500", types[t]);
		call(NULL, "GET", path, NULL, NULL, &list);
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(list.body, "entry")) {
			cJSON *r = cJSON_Duplicate(cJSON_GetObjectItem(e, "resource"), 1);
			struct answer a;
			char *body;
			cJSON_DeleteItemFromObject(r, "id");
			cJSON_DeleteItemFromObject(r, "meta");
			cJSON_ReplaceItemInObject(r, "version", cJSON_CreateString("9.9.9-check"));
			cJSON_ReplaceItemInObject(r, "status", cJSON_CreateString("draft"));
			body = cJSON_PrintUnformatted(r);
			snprintf(path, sizeof(path), "/fhir/%s", types[t]);
			call(&MAINTAINER, "POST", path, body, NULL, &a);
			cr_assert_eq(a.status, 201, "%s %s: %d %.2000s", types[t], str(r, "url"), a.status,
				     cJSON_PrintUnformatted(a.body));
			cJSON_Delete(a.body);
			free(body);
			cJSON_Delete(r);
			n++;
		}
		cJSON_Delete(list.body);
	}
	cr_assert_gt(n, 10, "the bundled content was there to check");
}

Test(write, an_xml_body_is_stored_like_json)
{
	struct answer a;
	const char *xml =
		"<ConceptMap xmlns=\"http://hl7.org/fhir\"><id value=\"xml-map\"/><url value=\"" MAP_URL "\"/>"
		"<version value=\"1\"/><status value=\"draft\"/><group><source value=\"" IPLOS "\"/>"
		"<target value=\"" ICF "\"/><element><code value=\"1\"/><target><code value=\"d910\"/>"
		"<equivalence value=\"narrower\"/></target></element></group></ConceptMap>";

	xml_body = 1;
	call(&MAINTAINER, "PUT", "/fhir/ConceptMap/xml-map", xml, NULL, &a);
	xml_body = 0;
	cr_assert_eq(a.status, 201, "%d %s", a.status, cJSON_PrintUnformatted(a.body));
	cr_assert_str_eq(str(a.body, "resourceType"), "ConceptMap");
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/$translate?url=" MAP_URL "&system=" IPLOS "&code=1", NULL, NULL, &a);
	cr_assert(body_has(a.body, "d910"));
	cJSON_Delete(a.body);
}

Test(write, a_draft_codesystem_answers_only_when_named)
{
	struct answer a;
	char path[200];
	const char *v1 = "{\"resourceType\":\"CodeSystem\",\"url\":\"" BASE "/CodeSystem/t2\",\"version\":\"1\","
			 "\"status\":\"draft\",\"content\":\"complete\",\"concept\":[{\"code\":\"a\",\"display\":\"One\"}]}";
	const char *v2 = "{\"resourceType\":\"CodeSystem\",\"url\":\"" BASE "/CodeSystem/t2\",\"version\":\"2\","
			 "\"status\":\"draft\",\"content\":\"complete\",\"concept\":[{\"code\":\"a\",\"display\":\"Two\"}]}";

	call(&MAINTAINER, "POST", "/fhir/CodeSystem", v1, NULL, &a);
	cr_assert_eq(a.status, 201);
	snprintf(path, sizeof(path), "/fhir/CodeSystem/%s/$publish?reason=first", str(a.body, "id"));
	cJSON_Delete(a.body);
	call(&PUBLISHER, "POST", path, NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/CodeSystem", v2, NULL, &a);
	cr_assert_eq(a.status, 201);
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/CodeSystem/$lookup?system=" BASE "/CodeSystem/t2&code=a", NULL, NULL, &a);
	cr_assert(body_has(a.body, "\"One\""), "the active version answers");
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/CodeSystem/$lookup?system=" BASE "/CodeSystem/t2&version=2&code=a", NULL, NULL, &a);
	cr_assert(body_has(a.body, "\"Two\""), "the draft when named");
	cJSON_Delete(a.body);
}

/* The refusals not met above, each with its status. */
Test(write, refusals_say_why)
{
	static const struct {
		const struct sv_principal *who;
		const char *method, *target, *body;
		int status;
	} cases[] = {
		{&MAINTAINER, "PUT", "/fhir/ConceptMap/bad%20id", "{}", 400},
		{&MAINTAINER, "PUT", "/fhir/ConceptMap/some-id", NULL, 400},              /* no body */
		{&MAINTAINER, "POST", "/fhir/ConceptMap", "{\"resourceType\":\"Parameters\"}", 400},
		{&PUBLISHER, "POST", "/fhir/ConceptMap/$publish?reason=x", NULL, 400},     /* names no draft */
		{&PUBLISHER, "POST", "/fhir/ConceptMap/nobody/$publish?reason=x", NULL, 404},
		{&PUBLISHER, "POST", "/fhir/ConceptMap/x/$rollback?url=u&version=1&reason=x", NULL, 400},
		{&PUBLISHER, "POST", "/fhir/ConceptMap/$rollback?version=1&reason=x", NULL, 400},
		{&PUBLISHER, "POST", "/fhir/ConceptMap/$rollback?url=" BASE "/ConceptMap/iplos-icf&version=0.1.0&reason=x",
		 NULL, 422},                                                                 /* a draft, not retired */
		{NULL, "GET", "/fhir/ConceptMap/x/$diff?url=u&from=1&to=2", NULL, 400},
		{NULL, "GET", "/fhir/ValueSet/$diff?url=u&from=1&to=2", NULL, 404},
		{NULL, "GET", "/fhir/ConceptMap/iplos-icf-0.1.0/_history?_count=-1", NULL, 400},
		{NULL, "DELETE", "/fhir/ConceptMap/iplos-icf-0.1.0/_history", NULL, 405},
		{&MAINTAINER, "GET", "/fhir/AuditEvent/1", NULL, 404},
		{&MAINTAINER, "GET", "/fhir/AuditEvent?_count=many", NULL, 400},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct answer a;
		call(cases[i].who, cases[i].method, cases[i].target, cases[i].body, NULL, &a);
		cr_assert_eq(a.status, cases[i].status, "%s %s: %d %s", cases[i].method, cases[i].target, a.status,
			     cJSON_PrintUnformatted(a.body));
		cr_assert_str_eq(str(a.body, "resourceType"), "OperationOutcome");
		cJSON_Delete(a.body);
	}
}

Test(write, a_server_without_a_writer_takes_no_changes)
{
	struct answer a;
	char *body = map_json(NULL, "1.0.0", "draft", "d620");

	svc.writer = NULL;
	call(&MAINTAINER, "POST", "/fhir/ConceptMap", body, NULL, &a);
	cr_assert_eq(a.status, 503);
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/iplos-icf-0.1.0/_history", NULL, NULL, &a);
	cr_assert_eq(a.status, 503);
	cJSON_Delete(a.body);
	svc.writer = writer;
	free(body);
}

/* $import: a release file as the body, `kind` as samsvar import's flag. */
Test(write, import_adds_drafts_and_never_replaces)
{
	struct answer a;
	char *path, *text;
	size_t n;
	/* A new version of the bundled IPLOS score scale (its rows copied from mappings/codesystem-iplos-score.tsv). */
	const char *tsv = "@resourceType\tCodeSystem\n@url\t{base}/CodeSystem/iplos-score\n@version\t0.2.0\n"
			  "@name\tIplosScore\n@status\tactive\n@source\ttest\n@content\tcomplete\n"
			  "code\tdisplay\n1\tNo problems\n2\tDoes it alone but with difficulty\n";
	/* A code system and a map using it, in one Bundle: checked together. */
	const char *bundle =
		"{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":"
		"\"CodeSystem\",\"url\":\"" BASE "/CodeSystem/imp\",\"version\":\"1\",\"status\":\"active\",\"content\":"
		"\"complete\",\"concept\":[{\"code\":\"x\"}]}},{\"resource\":{\"resourceType\":\"ConceptMap\",\"url\":\""
		BASE "/ConceptMap/imp\",\"version\":\"1\",\"status\":\"draft\",\"group\":[{\"source\":\"" BASE
		"/CodeSystem/imp\",\"target\":\"" ICF "\",\"element\":[{\"code\":\"x\",\"target\":[{\"code\":\"d910\","
		"\"equivalence\":\"relatedto\"}]}]}]}}]}";

	call(&MAINTAINER, "POST", "/fhir/$import?kind=content", tsv, NULL, &a);
	cr_assert_eq(a.status, 200, "%d %s", a.status, cJSON_PrintUnformatted(a.body));
	cr_assert(body_has(a.body, "\"reference\":\"CodeSystem/iplos-score-0.2.0/_history/1\""));
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/CodeSystem/iplos-score-0.2.0", NULL, NULL, &a);
	cr_assert_str_eq(str(a.body, "status"), "draft", "an import creates drafts");
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/$import?kind=fhir", bundle, NULL, &a);
	cr_assert_eq(a.status, 200, "%d %s", a.status, cJSON_PrintUnformatted(a.body));
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/$import?kind=fhir", bundle, NULL, &a);
	cr_assert_eq(a.status, 409, "the same versions again replace nothing");
	cJSON_Delete(a.body);

	/* The full ICF table where the bundled fragment holds the same version: refused, content kept. */
	TS_REQUIRE_SHARED(path, "terminology/icf.tsv");
	text = ts_read_file(path, &n);
	call(&MAINTAINER, "POST", "/fhir/$import?kind=icf-tsv", text, NULL, &a);
	cr_assert_eq(a.status, 409, "%d", a.status);
	cr_assert(body_has(a.body, "never replaces"));
	cJSON_Delete(a.body);
	free(text);
	free(path);

	call(NULL, "POST", "/fhir/$import?kind=fhir", bundle, NULL, &a);
	cr_assert_eq(a.status, 401);
	cJSON_Delete(a.body);
}

Test(write, import_refusals)
{
	struct answer a;
	const char *bad_map =
		"{\"resourceType\":\"ConceptMap\",\"url\":\"" MAP_URL "\",\"version\":\"5\",\"group\":[{\"source\":\""
		IPLOS "\",\"target\":\"" ICF "\",\"element\":[{\"code\":\"1\",\"target\":[{\"code\":\"zz\","
		"\"equivalence\":\"narrower\"}]}]}]}";

	call(&MAINTAINER, "POST", "/fhir/$import", bad_map, NULL, &a);
	cr_assert_eq(a.status, 400, "kind is required");
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/$import?kind=snomed-rf2", bad_map, NULL, &a);
	cr_assert_eq(a.status, 400, "an RF2 release comes zipped");
	cr_assert(body_has(a.body, "not a ZIP archive"), "%s", cJSON_PrintUnformatted(a.body));
	cJSON_Delete(a.body);
	setenv("TMPDIR", "/nonexistent-samsvar-tmp", 1);   /* this test's process only */
	call(&MAINTAINER, "POST", "/fhir/$import?kind=snomed-rf2", bad_map, NULL, &a);
	cr_assert_eq(a.status, 500, "no folder to unpack into");
	cr_assert(body_has(a.body, "cannot make a temporary folder"), "%s", cJSON_PrintUnformatted(a.body));
	cJSON_Delete(a.body);
	unsetenv("TMPDIR");
	call(&MAINTAINER, "POST", "/fhir/$import?kind=snomed-rf3", bad_map, NULL, &a);
	cr_assert_eq(a.status, 400);
	cr_assert(body_has(a.body, "snomed-gps, snomed-rf2"), "the kinds are listed");
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/$import?kind=fhir", NULL, NULL, &a);
	cr_assert_eq(a.status, 400, "no body");
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/$import?kind=content", "@resourceType\tCodeSystem\nnonsense\n", NULL, &a);
	cr_assert_eq(a.status, 400, "%d", a.status);
	cr_assert(body_has(a.body, "the body"), "the message names the body, not a temporary file: %s",
		  cJSON_PrintUnformatted(a.body));
	cJSON_Delete(a.body);
	call(&MAINTAINER, "POST", "/fhir/$import?kind=fhir", bad_map, NULL, &a);
	cr_assert_eq(a.status, 422, "checked as every write is");
	cr_assert(has_issue(a.body, "ConceptMap.group[0].element[0].target[0].code", "code-invalid"));
	cr_assert(body_has(a.body, "resource 0 (ConceptMap"));
	cJSON_Delete(a.body);
}

/* Readers never wait on writers nor see half a change: threads translate while drafts are written and
 * published; every read is answered 200 with the one version or the other. */
struct reader_arg {
	int bad;
};

static void *reader(void *p)
{
	struct reader_arg *ra = p;
	for (int i = 0; i < 200; i++) {
		struct answer a;
		call(NULL, "GET", "/fhir/ConceptMap/$translate?url=" MAP_URL "&system=" IPLOS "&code=2", NULL, NULL, &a);
		if (a.status != 200 || !(body_has(a.body, "d620") || body_has(a.body, "d920")))
			ra->bad++;
		cJSON_Delete(a.body);
	}
	return NULL;
}

Test(write, reads_go_on_while_versions_are_published)
{
	pthread_t t[3];
	struct reader_arg ra[3] = {{0}, {0}, {0}};
	char *v1 = create_map("1", "d620"), path[200];

	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/$publish?reason=start", v1);
	{
		struct answer a;
		call(&PUBLISHER, "POST", path, NULL, NULL, &a);
		cr_assert_eq(a.status, 200);
		cJSON_Delete(a.body);
	}
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, reader, &ra[i]);
	for (int v = 2; v < 12; v++) {
		char version[16], *id;
		struct answer a;
		snprintf(version, sizeof(version), "%d", v);
		id = create_map(version, v % 2 ? "d620" : "d920");
		snprintf(path, sizeof(path), "/fhir/ConceptMap/%s/$publish?reason=round", id);
		call(&PUBLISHER, "POST", path, NULL, NULL, &a);
		cr_assert_eq(a.status, 200);
		cJSON_Delete(a.body);
		free(id);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(ra[i].bad, 0, "reader %d got %d bad answers", i, ra[i].bad);
	}
	free(v1);
}

/* The answers that are new with the write API, in XML too (tests/run.sh checks them against the XSD). */
Test(write, new_answers_in_xml)
{
	static const char *const targets[] = {
		"/fhir/AuditEvent?_count=3",
		"/fhir/ConceptMap/test-write-1.0.0/_history",
		"/fhir/ConceptMap/$diff?url=" MAP_URL "&from=1.0.0&to=1.0.0",
	};
	struct hdrs h = {NULL, NULL, "application/fhir+xml"};
	char *id = create_map("1.0.0", "d620");

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct sv_exchange x;
		struct ts_resp r;
		exchange(&x, &MAINTAINER, "GET", targets[i], NULL, &h);
		cr_assert_eq(x.status, 200, "%s: %d %.300s", targets[i], x.status, x.bytes);
		cr_assert(strstr(x.content_type, "fhir+xml") && strncmp(x.bytes, "<?xml", 5) == 0, "%s", targets[i]);
		r.status = x.status;
		r.body = x.bytes;
		r.len = x.len;
		snprintf(r.ctype, sizeof(r.ctype), "%s", x.content_type);
		ts_capture_resp(&r);
		free(x.bytes);
	sv_resp_headers_release(&x.headers);
	}
	free(id);
}

/* Every endpoint of the write API with every role and without a token: 401 without, 403 below the
 * role the route needs, and past the role check (whatever the answer then) at or above it. */
Test(write, every_endpoint_with_every_role)
{
	static const struct principal_row {
		const struct sv_principal *who;
		enum sv_role role;
	} roles[] = {{NULL, SV_ROLE_NONE}, {&READER, SV_ROLE_READER}, {&MAINTAINER, SV_ROLE_MAINTAINER},
		     {&PUBLISHER, SV_ROLE_PUBLISHER}, {&ADMIN, SV_ROLE_ADMIN}};
	static const struct {
		const char *method, *target;
		int body;
		enum sv_role least;
	} endpoints[] = {
		{"POST", "/fhir/ConceptMap", 1, SV_ROLE_MAINTAINER},
		{"PUT", "/fhir/ConceptMap/x", 1, SV_ROLE_MAINTAINER},
		{"DELETE", "/fhir/ConceptMap/x", 0, SV_ROLE_MAINTAINER},
		{"POST", "/fhir/$import?kind=fhir", 1, SV_ROLE_MAINTAINER},
		{"GET", "/fhir/AuditEvent", 0, SV_ROLE_MAINTAINER},
		{"POST", "/fhir/ConceptMap/x/$publish?reason=r", 0, SV_ROLE_PUBLISHER},
		{"POST", "/fhir/ConceptMap/$rollback?url=u&version=1&reason=r", 0, SV_ROLE_PUBLISHER},
		{"GET", "/fhir/ConceptMap/$diff?url=u&from=1&to=2", 0, SV_ROLE_NONE},
		{"GET", "/fhir/ConceptMap/iplos-icf-0.1.0/_history", 0, SV_ROLE_NONE},
		{"GET", "/fhir/ConceptMap/iplos-icf-0.1.0/_history/1", 0, SV_ROLE_NONE},
	};
	const char *body = "{\"resourceType\":\"ConceptMap\",\"id\":\"x\"}";

	for (size_t e = 0; e < sizeof(endpoints) / sizeof(endpoints[0]); e++)
		for (size_t r = 0; r < sizeof(roles) / sizeof(roles[0]); r++) {
			struct answer a;
			int want = roles[r].role >= endpoints[e].least ? 0 : roles[r].who ? 403 : 401;
			call(roles[r].who, endpoints[e].method, endpoints[e].target, endpoints[e].body ? body : NULL, NULL,
			     &a);
			if (want)
				cr_assert_eq(a.status, want, "%s %s as %s: %d", endpoints[e].method, endpoints[e].target,
					     sv_role_name(roles[r].role), a.status);
			else
				cr_assert(a.status != 401 && a.status != 403, "%s %s as %s: %d", endpoints[e].method,
					  endpoints[e].target, sv_role_name(roles[r].role), a.status);
			cJSON_Delete(a.body);
		}
}

/* README "Maintaining content over the API": the maintainer's round, step by step. */
Test(write, readme_walk_through)
{
	struct answer a;
	cJSON *draft, *target;
	char *body;
	struct sv_exchange x;
	struct hdrs h = {NULL, NULL, NULL};

	/* 0. publish the bundled draft */
	call(&PUBLISHER, "POST", "/fhir/ConceptMap/iplos-icf-0.1.0/$publish?reason=reviewed", NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cJSON_Delete(a.body);
	/* 1. version 0.2.0 as a draft, from the active one, by PUT */
	call(NULL, "GET", "/fhir/ConceptMap/iplos-icf-0.1.0", NULL, NULL, &a);
	draft = a.body;
	cJSON_DeleteItemFromObject(draft, "meta");
	cJSON_ReplaceItemInObject(draft, "id", cJSON_CreateString("iplos-icf-0.2.0"));
	cJSON_ReplaceItemInObject(draft, "version", cJSON_CreateString("0.2.0"));
	cJSON_ReplaceItemInObject(draft, "status", cJSON_CreateString("draft"));
	body = cJSON_PrintUnformatted(draft);
	call(&MAINTAINER, "PUT", "/fhir/ConceptMap/iplos-icf-0.2.0", body, NULL, &a);
	free(body);
	cr_assert_eq(a.status, 201, "%d %s", a.status, cJSON_PrintUnformatted(a.body));
	cr_assert_str_eq(hdr(&a, "Location"), "/fhir/ConceptMap/iplos-icf-0.2.0/_history/1");
	cJSON_Delete(a.body);
	/* 2. an edit (another reason on the first row) with If-Match */
	target = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(draft, "group"), 0), "element"), 0), "target"), 0);
	cJSON_ReplaceItemInObject(target, "comment", cJSON_CreateString("Reworded after review."));
	body = cJSON_PrintUnformatted(draft);
	call(&MAINTAINER, "PUT", "/fhir/ConceptMap/iplos-icf-0.2.0", body, "W/\"1\"", &a);
	free(body);
	cr_assert_eq(a.status, 200, "%d", a.status);
	cr_assert_str_eq(hdr(&a, "ETag"), "W/\"2\"");
	cJSON_Delete(a.body);
	cJSON_Delete(draft);
	call(NULL, "GET", "/fhir/ConceptMap/iplos-icf-0.2.0/_history", NULL, NULL, &a);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 2);
	cJSON_Delete(a.body);
	/* 3. the review sheet */
	exchange(&x, NULL, "GET", "/fhir/ConceptMap/$diff?url=" BASE "/ConceptMap/iplos-icf&from=0.1.0&to=0.2.0&output=csv",
		 NULL, &h);
	cr_assert_eq(x.status, 200);
	cr_assert(strstr(x.bytes, "\r\nchanged,") && strstr(x.bytes, "Reworded after review."), "%s", x.bytes);
	free(x.bytes);
	sv_resp_headers_release(&x.headers);
	/* 4. publish: 0.2.0 active, 0.1.0 retired */
	call(&PUBLISHER, "POST", "/fhir/ConceptMap/iplos-icf-0.2.0/$publish?reason=reviewed%20by%20the%20working%20group",
	     NULL, NULL, &a);
	cr_assert_eq(a.status, 200);
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/iplos-icf-0.1.0", NULL, NULL, &a);
	cr_assert_str_eq(str(a.body, "status"), "retired");
	cJSON_Delete(a.body);
	/* 5. roll back */
	call(&PUBLISHER, "POST", "/fhir/ConceptMap/$rollback?url=" BASE "/ConceptMap/iplos-icf&version=0.1.0"
	     "&reason=wrong%20target%20for%2020", NULL, NULL, &a);
	cr_assert_eq(a.status, 200, "%d", a.status);
	cJSON_Delete(a.body);
	call(NULL, "GET", "/fhir/ConceptMap/iplos-icf-0.2.0", NULL, NULL, &a);
	cr_assert_str_eq(str(a.body, "status"), "retired");
	cJSON_Delete(a.body);
	/* 6. the trail: publish, create, update, retire + publish, retire + rollback */
	call(&MAINTAINER, "GET", "/fhir/AuditEvent?entity=" BASE "/ConceptMap/iplos-icf&agent=per", NULL, NULL, &a);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 5);
	cJSON_Delete(a.body);
	call(&MAINTAINER, "GET", "/fhir/AuditEvent?entity=" BASE "/ConceptMap/iplos-icf&agent=maria", NULL, NULL, &a);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(a.body, "total")), 2);
	cJSON_Delete(a.body);
}
