/* test_store.c — the SQLite store: schema creation, put/replace by (type, url, version), ids, audit,
 * transactions, data_version across connections. */
#include "samsvar/store.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Identities copied from ../shared/terminology (iplos_9111 csv, FSIII json, GPS value set json). */
#define IPLOS_URL "urn:oid:2.16.578.1.12.4.1.1.9111"
#define FSIII_URL "urn:oid:1.2.208.176.2.21"
#define SCT_URL "http://snomed.info/sct"
#define GPS_VERSION "http://snomed.info/sct/900000000000207008/version/20200731"

static char tmpdir[64];
static char dbpath[256];

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sv-store-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof(dbpath), "%s/var/deep/samsvar.db", tmpdir);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

TestSuite(store, .init = setup, .fini = teardown);

static cJSON *res(const char *type, const char *url, const char *version, const char *id, const char *status)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "resourceType", type);
	if (id)
		cJSON_AddStringToObject(r, "id", id);
	if (url)
		cJSON_AddStringToObject(r, "url", url);
	if (version)
		cJSON_AddStringToObject(r, "version", version);
	cJSON_AddStringToObject(r, "name", "Test");
	if (status)
		cJSON_AddStringToObject(r, "status", status);
	return r;
}

static struct sv_store *open_store(void)
{
	struct sv_store *st = NULL;
	struct sv_error err;
	cr_assert_eq(sv_store_open(dbpath, &st, &err), SV_OK, "%s", err.message);
	cr_assert_not_null(st);
	return st;
}

static enum sv_err put(struct sv_store *st, cJSON *r, struct sv_error *err)
{
	enum sv_err rc = sv_store_put(st, r, "tester", "unit test", err);
	return rc;
}

static long count(struct sv_store *st)
{
	long n = -1;
	struct sv_error err;
	cr_assert_eq(sv_store_count(st, &n, &err), SV_OK, "%s", err.message);
	return n;
}

static const char *id_of(const cJSON *r)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "id"));
}

Test(store, open_creates_folder_and_schema)
{
	struct sv_store *st = open_store();
	struct stat sb;
	sqlite3 *db;
	sqlite3_stmt *q;
	int tables = 0;
	char jm[16] = "";

	cr_assert_eq(stat(dbpath, &sb), 0, "%s not created", dbpath);
	cr_assert_eq(count(st), 0);
	sv_store_close(st);
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type='table' AND "
					"name IN ('resource','audit')", -1, &q, NULL), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW)
		tables++;
	sqlite3_finalize(q);
	cr_assert_eq(tables, 2);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		snprintf(jm, sizeof(jm), "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	cr_assert_str_eq(jm, "wal");
	/* Reopening an existing store keeps it. */
	st = open_store();
	cr_assert_eq(count(st), 0);
	sv_store_close(st);
	sv_store_close(NULL);
}

Test(store, open_fails_cleanly_when_folder_cannot_be_made)
{
	struct sv_store *st = (struct sv_store *)1;
	struct sv_error err;
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/file", tmpdir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/file/sub/samsvar.db", tmpdir);
	cr_assert_neq(sv_store_open(path, &st, &err), SV_OK);
	cr_assert_null(st);
	cr_assert(strstr(err.message, path), "%s", err.message);
}

Test(store, put_same_identity_replaces_one_row)
{
	struct sv_store *st = open_store();
	struct sv_error err;
	cJSON *a = res("CodeSystem", IPLOS_URL, "1", NULL, "draft");
	cJSON *b = res("CodeSystem", IPLOS_URL, "1", NULL, "active");
	cJSON *audit = cJSON_CreateArray(), *row;

	cr_assert_eq(put(st, a, &err), SV_OK, "%s", err.message);
	cr_assert_eq(put(st, b, &err), SV_OK, "%s", err.message);
	cr_assert_eq(count(st), 1);
	cr_assert_str_eq(id_of(b), id_of(a), "a replacement keeps the id it had");
	cr_assert_eq(sv_store_audit(st, 10, audit, &err), SV_OK);
	cr_assert_eq(cJSON_GetArraySize(audit), 2);
	row = cJSON_GetArrayItem(audit, 0);   /* newest first */
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(row, "action")), "update");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(row, "actor")), "tester");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(row, "detail")), "unit test");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(row, "url")), IPLOS_URL);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(row, "version")), "1");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(row, "type")), "CodeSystem");
	cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(row, "ts")));
	row = cJSON_GetArrayItem(audit, 1);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(row, "action")), "create");
	cr_assert_gt(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(audit, 0), "seq")),
		     cJSON_GetNumberValue(cJSON_GetObjectItem(row, "seq")));
	cJSON_Delete(audit);
	audit = cJSON_CreateArray();
	cr_assert_eq(sv_store_audit(st, 1, audit, &err), SV_OK);
	cr_assert_eq(cJSON_GetArraySize(audit), 1, "limit honoured");
	cJSON_Delete(audit);
	cJSON_Delete(a);
	cJSON_Delete(b);
	sv_store_close(st);
}

struct collected {
	int n;
	char types[8][16];
	char json[8][512];
	int stop_after;
};

static enum sv_err collect(void *ctx, const char *type, const char *json, size_t len, int64_t content)
{
	struct collected *c = ctx;
	(void)content;
	cr_assert_eq(strlen(json), len);
	if (c->n < 8) {
		snprintf(c->types[c->n], sizeof(c->types[0]), "%s", type);
		snprintf(c->json[c->n], sizeof(c->json[0]), "%s", json);
	}
	c->n++;
	if (c->stop_after && c->n == c->stop_after)
		return SV_ECONFLICT;
	return SV_OK;
}

Test(store, two_versions_coexist_and_each_orders_them)
{
	struct sv_store *st = open_store();
	struct sv_error err;
	cJSON *r[3] = {res("CodeSystem", FSIII_URL, "20240530", NULL, "active"),
		       res("CodeSystem", FSIII_URL, "20200101", NULL, "retired"),
		       res("ConceptMap", "https://fhir.samsvar.no/ConceptMap/iplos-icf", "0.1", NULL, "draft")};
	struct collected c = {0};
	cJSON *back;

	for (int i = 0; i < 3; i++)
		cr_assert_eq(put(st, r[i], &err), SV_OK, "%s", err.message);
	cr_assert_eq(count(st), 3);
	cr_assert_str_neq(id_of(r[0]), id_of(r[1]));
	cr_assert_eq(sv_store_each(st, collect, &c, &err), SV_OK);
	cr_assert_eq(c.n, 3);
	/* ordered by type, url, version */
	cr_assert_str_eq(c.types[0], "CodeSystem");
	cr_assert(strstr(c.json[0], "\"20200101\""), "%s", c.json[0]);
	cr_assert(strstr(c.json[1], "\"20240530\""), "%s", c.json[1]);
	cr_assert_str_eq(c.types[2], "ConceptMap");
	back = cJSON_Parse(c.json[1]);
	cr_assert_not_null(back);
	cr_assert_str_eq(id_of(back), id_of(r[0]), "the stored JSON carries the assigned id");
	cJSON_Delete(back);

	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	cr_assert_eq(sv_store_each(st, collect, &c, &err), SV_ECONFLICT, "a visitor's error stops the walk");
	cr_assert_eq(c.n, 2);
	for (int i = 0; i < 3; i++)
		cJSON_Delete(r[i]);
	sv_store_close(st);
}

Test(store, id_derivation)
{
	struct sv_store *st = open_store();
	struct sv_error err;
	cJSON *a = res("CodeSystem", IPLOS_URL, "1", NULL, NULL);
	cJSON *b = res("CodeSystem", SCT_URL, GPS_VERSION, NULL, NULL);
	cJSON *c = res("ValueSet", "https://fhir.samsvar.no/ValueSet/iplos score_skala", "1.0 beta", NULL, NULL);
	cJSON *d = res("ValueSet", "https://fhir.samsvar.no/ValueSet/given", "1", "my-id", NULL);

	cr_assert_eq(put(st, a, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(id_of(a), "2.16.578.1.12.4.1.1.9111-1");
	cr_assert_eq(put(st, b, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(id_of(b), "sct-20200731", "an edition URI version keeps only its date");
	cr_assert_eq(put(st, c, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(id_of(c), "iplos-score-skala-1.0-beta", "characters outside [A-Za-z0-9.-] become '-'");
	cr_assert_eq(put(st, d, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(id_of(d), "my-id", "a given id is kept");
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
	cJSON_Delete(d);
	sv_store_close(st);
}

Test(store, derived_id_is_at_most_64_chars)
{
	struct sv_store *st = open_store();
	struct sv_error err;
	char url[300];
	cJSON *a;

	snprintf(url, sizeof(url), "https://fhir.samsvar.no/CodeSystem/%0150d", 7);
	a = res("CodeSystem", url, "20240530", NULL, NULL);
	cr_assert_eq(put(st, a, &err), SV_OK, "%s", err.message);
	cr_assert_leq(strlen(id_of(a)), 64);
	cr_assert_geq(strlen(id_of(a)), 1);
	cJSON_Delete(a);
	sv_store_close(st);
}

Test(store, given_id_of_another_resource_is_conflict)
{
	struct sv_store *st = open_store();
	struct sv_error err;
	cJSON *a = res("CodeSystem", IPLOS_URL, "1", "iplos", NULL);
	cJSON *b = res("CodeSystem", FSIII_URL, "20240530", "iplos", NULL);
	cJSON *c = res("ValueSet", FSIII_URL, "20240530", "iplos", NULL);

	cr_assert_eq(put(st, a, &err), SV_OK, "%s", err.message);
	sv_error_clear(&err);
	cr_assert_eq(put(st, b, &err), SV_ECONFLICT);
	cr_assert_str_eq(err.expression, "id");
	cr_assert(strstr(err.message, "iplos"), "%s", err.message);
	cr_assert_eq(count(st), 1);
	cr_assert_eq(put(st, c, &err), SV_OK, "ids are unique per resource type only: %s", err.message);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
	sv_store_close(st);
}

/* Two publishers' maps with the same last url segment and version: neither gave an id, so the store
 * must not refuse the second one as a "conflict" with an id the client never sent. */
Test(store, derived_ids_of_different_urls_do_not_collide)
{
	struct sv_store *st = open_store();
	struct sv_error err;
	cJSON *a = res("ConceptMap", "https://fhir.samsvar.no/ConceptMap/iplos-icf", "1.0", NULL, NULL);
	cJSON *b = res("ConceptMap", "https://example.kommune.no/ConceptMap/iplos-icf", "1.0", NULL, NULL);

	cr_assert_eq(put(st, a, &err), SV_OK, "%s", err.message);
	sv_error_clear(&err);
	cr_assert_eq(put(st, b, &err), SV_OK, "second map with the same derived id refused: %s", err.message);
	cr_assert_str_neq(id_of(a), id_of(b));
	cr_assert_eq(count(st), 2);
	cJSON_Delete(a);
	cJSON_Delete(b);
	sv_store_close(st);
}

Test(store, only_terminology_resources_with_url_and_version)
{
	struct sv_store *st = open_store();
	struct sv_error err;
	cJSON *p = res("Patient", IPLOS_URL, "1", NULL, NULL);
	cJSON *nourl = res("ValueSet", NULL, "1", NULL, NULL);
	cJSON *nover = res("ValueSet", IPLOS_URL, NULL, NULL, NULL);
	cJSON *empty = res("ValueSet", "", "1", NULL, NULL);
	cJSON *notype = cJSON_CreateObject();

	cr_assert_eq(put(st, p, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "Patient"), "%s", err.message);
	cr_assert_eq(put(st, nourl, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "url");
	cr_assert_eq(put(st, empty, &err), SV_EINVAL);
	cr_assert_eq(put(st, nover, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "version");
	cr_assert_eq(put(st, notype, &err), SV_EINVAL);
	cr_assert_null(cJSON_GetObjectItem(p, "id"), "a refused resource is not modified");
	cr_assert_eq(count(st), 0);
	cJSON_Delete(p);
	cJSON_Delete(nourl);
	cJSON_Delete(nover);
	cJSON_Delete(empty);
	cJSON_Delete(notype);
	sv_store_close(st);
}

Test(store, rollback_leaves_nothing)
{
	struct sv_store *st = open_store();
	struct sv_error err;
	cJSON *a = res("CodeSystem", IPLOS_URL, "1", NULL, NULL);
	cJSON *b = res("CodeSystem", FSIII_URL, "20240530", NULL, NULL);
	cJSON *audit = cJSON_CreateArray();

	cr_assert_eq(sv_store_begin(st, &err), SV_OK, "%s", err.message);
	cr_assert_eq(put(st, a, &err), SV_OK);
	cr_assert_eq(put(st, b, &err), SV_OK);
	cr_assert_eq(count(st), 2, "visible inside the transaction");
	sv_store_rollback(st);
	cr_assert_eq(count(st), 0);
	cr_assert_eq(sv_store_audit(st, 10, audit, &err), SV_OK);
	cr_assert_eq(cJSON_GetArraySize(audit), 0, "audit rows roll back with the change");
	cJSON_Delete(audit);
	cJSON_Delete(a);
	cJSON_Delete(b);
	sv_store_close(st);
}

Test(store, commit_persists_across_reopen)
{
	struct sv_store *st = open_store();
	struct sv_error err;
	cJSON *a = res("CodeSystem", IPLOS_URL, "1", NULL, NULL);

	cr_assert_eq(sv_store_begin(st, &err), SV_OK);
	cr_assert_eq(put(st, a, &err), SV_OK);
	cr_assert_eq(sv_store_commit(st, &err), SV_OK, "%s", err.message);
	cr_assert_neq(sv_store_commit(st, &err), SV_OK, "commit without a transaction is an error");
	cr_assert_eq(err.code, SV_ESTORE);
	sv_store_close(st);
	st = open_store();
	cr_assert_eq(count(st), 1);
	cJSON_Delete(a);
	sv_store_close(st);
}

Test(store, data_version_changes_when_another_connection_commits)
{
	struct sv_store *reader = open_store(), *writer = open_store();
	struct sv_error err;
	cJSON *a = res("CodeSystem", IPLOS_URL, "1", NULL, NULL);
	cJSON *b = res("CodeSystem", FSIII_URL, "20240530", NULL, NULL);
	long v0, v1, v2, v3;

	cr_assert_eq(sv_store_data_version(reader, &v0, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_data_version(reader, &v1, &err), SV_OK);
	cr_assert_eq(v0, v1, "no change, same version");
	cr_assert_eq(put(writer, a, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_data_version(reader, &v2, &err), SV_OK);
	cr_assert_neq(v1, v2, "another connection committed");
	cr_assert_eq(count(reader), 1);
	/* The connection's own commits do not change its data_version (SQLite semantics). */
	cr_assert_eq(put(reader, b, &err), SV_OK);
	cr_assert_eq(sv_store_data_version(reader, &v3, &err), SV_OK);
	cr_assert_eq(v2, v3);
	cJSON_Delete(a);
	cJSON_Delete(b);
	sv_store_close(reader);
	sv_store_close(writer);
}

Test(store, get_by_url_and_version)
{
	struct sv_store *st = open_store();
	struct sv_error err = {0};
	cJSON *v1 = res("CodeSystem", "http://example.org/cs", "1", NULL, "active");
	cJSON *v2 = res("CodeSystem", "http://example.org/cs", "2", NULL, "draft");
	cJSON *got;

	cr_assert_eq(put(st, v1, &err), SV_OK, "%s", err.message);
	cr_assert_eq(put(st, v2, &err), SV_OK);
	cJSON_Delete(v1);
	cJSON_Delete(v2);
	got = sv_store_get(st, "CodeSystem", "http://example.org/cs", "2", &err);
	cr_assert_not_null(got, "%s", err.message);
	cr_assert_str_eq(cJSON_GetObjectItem(got, "status")->valuestring, "draft");
	cJSON_Delete(got);
	sv_error_clear(&err);
	cr_assert_null(sv_store_get(st, "CodeSystem", "http://example.org/cs", "3", &err));
	cr_assert_eq(err.code, SV_OK, "an absent resource is not an error");
	cr_assert_null(sv_store_get(st, "ValueSet", "http://example.org/cs", "1", &err));
	sv_store_close(st);
}
