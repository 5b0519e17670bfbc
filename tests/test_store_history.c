/* test_store_history.c — resource versions kept by triggers (whoever writes), the write API's
 * changes with their audit rows, stores made before history existed, the audit search. */
#include "samsvar/jsonutil.h"
#include "samsvar/store.h"
#include "samsvar/store_history.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Identities copied from ../shared/terminology/iplos_9111_funksjonsvariabel.csv (the Volven OID). */
#define IPLOS_URL "urn:oid:2.16.578.1.12.4.1.1.9111"

static char tmpdir[64], dbpath[128];
static struct sv_store *st;
static struct sv_error err;

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sv-history-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof(dbpath), "%s/samsvar.db", tmpdir);
	st = NULL;
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	char cmd[128];
	sv_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
}

TestSuite(history, .init = setup, .fini = teardown);

static cJSON *cs(const char *version, const char *status, const char *display)
{
	cJSON *r = cJSON_CreateObject(), *k = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "resourceType", "CodeSystem");
	cJSON_AddStringToObject(r, "url", IPLOS_URL);
	cJSON_AddStringToObject(r, "version", version);
	cJSON_AddStringToObject(r, "status", status);
	cJSON_AddStringToObject(k, "code", "1");
	cJSON_AddStringToObject(k, "display", display);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "concept"), k);
	return r;
}

static void open_store(void)
{
	cr_assert_eq(sv_store_open(dbpath, &st, &err), SV_OK, "%s", err.message);
}

static enum sv_err visit_first(void *ctx, const char *type, const char *json, size_t len, int64_t content)
{
	(void)type;
	(void)content;
	*(cJSON **)ctx = cJSON_ParseWithLength(json, len);
	return SV_OK;
}

Test(history, an_import_is_versioned_and_served_with_meta)
{
	cJSON *r = cs("1", "draft", "Sosial deltakelse"), *served = NULL, *rows = cJSON_CreateArray();
	struct sv_rev rev;
	long total = 0;

	open_store();
	cr_assert_eq(sv_store_put(st, r, "cli", "import", &err), SV_OK);
	cr_assert_eq(sv_store_put(st, r, "cli", "import again", &err), SV_OK);
	cr_assert_eq(sv_history_head(st, "CodeSystem", sv_jstr(r, "id"), &rev, NULL, &err), SV_OK);
	cr_assert_eq(rev.vid, 2, "an import of the same version is a new version of the resource");
	cr_assert_str_eq(rev.status, "draft");
	cr_assert_eq(sv_store_each(st, visit_first, &served, &err), SV_OK);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(served, "meta"), "versionId")),
			 "2");
	cr_assert_eq(sv_history_list(st, "CodeSystem", sv_jstr(r, "id"), 0, 1, rows, &total, &err), SV_OK);
	cr_assert_eq(total, 2);
	cr_assert_eq(cJSON_GetArraySize(rows), 1, "the count caps the list");
	cJSON_Delete(r);
	cJSON_Delete(served);
	cJSON_Delete(rows);
}

Test(history, a_store_from_before_history_gets_version_1)
{
	sqlite3 *db;

	/* The schema of the first store, with one resource in it. */
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
		"CREATE TABLE resource(type TEXT NOT NULL, url TEXT NOT NULL, version TEXT NOT NULL, id TEXT NOT NULL,"
		" name TEXT, status TEXT, json TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (type, url, version));"
		"CREATE UNIQUE INDEX resource_id ON resource(type, id);"
		"CREATE TABLE audit(seq INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, actor TEXT NOT NULL,"
		" action TEXT NOT NULL, type TEXT NOT NULL, url TEXT NOT NULL, version TEXT NOT NULL, detail TEXT);"
		"INSERT INTO resource VALUES('CodeSystem','" IPLOS_URL "','1','old','N','active',"
		"'{\"resourceType\":\"CodeSystem\",\"id\":\"old\",\"url\":\"" IPLOS_URL "\",\"version\":\"1\","
		"\"status\":\"active\"}','2020-01-01T00:00:00Z');", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	open_store();
	{
		struct sv_rev rev;
		cJSON *json = NULL;
		cr_assert_eq(sv_history_head(st, "CodeSystem", "old", &rev, &json, &err), SV_OK);
		cr_assert_eq(rev.vid, 1);
		cr_assert_str_eq(rev.updated, "2020-01-01T00:00:00Z");
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(json, "meta"),
									   "lastUpdated")), "2020-01-01T00:00:00Z");
		cJSON_Delete(json);
	}
	/* Opening again adds nothing twice. */
	sv_store_close(st);
	st = NULL;
	open_store();
	{
		cJSON *rows = cJSON_CreateArray();
		long total;
		cr_assert_eq(sv_history_list(st, "CodeSystem", "old", 0, 10, rows, &total, &err), SV_OK);
		cr_assert_eq(total, 1);
		cJSON_Delete(rows);
	}
}

Test(history, write_delete_and_their_audit_rows)
{
	struct sv_actor who = {"maria", "127.0.0.5", NULL};
	struct sv_rev rev;
	cJSON *a = cs("1", "draft", "A"), *b = cs("2", "draft", "B"), *rows = cJSON_CreateArray(), *v1;
	struct sv_audit_query q = {.count = 10};
	char id[80], name[128];
	long total;
	int deleted;

	open_store();
	cr_assert_eq(sv_history_write(st, "CodeSystem", "a", a, "create", &who, &rev, &err), SV_OK, "%s", err.message);
	cr_assert_eq(rev.vid, 1);
	cr_assert_eq(sv_history_write(st, "CodeSystem", "b", b, "create", &who, &rev, &err), SV_OK);
	/* b may not take a's url and version. */
	cr_assert_eq(sv_history_write(st, "CodeSystem", "b", a, "update", &who, &rev, &err), SV_ECONFLICT);
	cr_assert_eq(sv_history_find(st, "CodeSystem", IPLOS_URL, "2", id, sizeof(id), &err), SV_OK);
	cr_assert_str_eq(id, "b");
	cr_assert_eq(sv_history_find(st, "CodeSystem", IPLOS_URL, "9", id, sizeof(id), &err), SV_ENOTFOUND);
	cr_assert_eq(sv_history_find_status(st, "CodeSystem", IPLOS_URL, "draft", "a", id, sizeof(id), &err), SV_OK);
	cr_assert_str_eq(id, "b");
	cr_assert_eq(sv_history_last_editor(st, "CodeSystem", "a", &rev, name, sizeof(name), &err), SV_OK);
	cr_assert_str_eq(name, "maria");

	cr_assert_eq(sv_history_delete(st, "CodeSystem", "a", &who, &rev, &err), SV_OK);
	cr_assert_eq(rev.vid, 2);
	cr_assert(rev.deleted);
	cr_assert_eq(sv_history_delete(st, "CodeSystem", "a", &who, &rev, &err), SV_ENOTFOUND);
	v1 = sv_history_version(st, "CodeSystem", "a", 1, &deleted, &err);
	cr_assert_not_null(v1, "a deleted resource keeps its versions");
	cr_assert_eq(deleted, 0);
	cJSON_Delete(v1);
	v1 = sv_history_version(st, "CodeSystem", "a", 2, &deleted, &err);
	cr_assert(v1 && deleted);
	cJSON_Delete(v1);
	cr_assert_null(sv_history_version(st, "CodeSystem", "a", 3, &deleted, &err));

	/* The audit rows: create a, create b, delete a, each with who and from where. */
	cr_assert_eq(sv_history_audit_search(st, &q, rows, &total, &err), SV_OK);
	cr_assert_eq(total, 3);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "action")), "delete");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(rows, 0), "peer")), "127.0.0.5");
	cJSON_Delete(rows);
	rows = cJSON_CreateArray();
	q.entity = "CodeSystem/b";
	cr_assert_eq(sv_history_audit_search(st, &q, rows, &total, &err), SV_OK);
	cr_assert_eq(total, 1);
	q.entity = NULL;
	q.action = "delete";
	q.date_op = "eq";
	q.date = "1999";
	cr_assert_eq(sv_history_audit_search(st, &q, rows, &total, &err), SV_OK);
	cr_assert_eq(total, 0, "no delete in 1999");
	{
		/* A date is compared at its own precision: le<today> takes all of today. */
		char today[11];
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		q.action = NULL;
		q.date_op = "le";
		q.date = today;
		cr_assert_eq(sv_history_audit_search(st, &q, rows, &total, &err), SV_OK);
		cr_assert_eq(total, 3, "le %s", today);
		q.date_op = "gt";
		cr_assert_eq(sv_history_audit_search(st, &q, rows, &total, &err), SV_OK);
		cr_assert_eq(total, 0, "gt %s", today);
	}
	cJSON_Delete(rows);
	cJSON_Delete(a);
	cJSON_Delete(b);
}
