/* test_import.c — sv_import_store_all() against a real store: what is written, left out or refused,
 * and what the audit trail says about it. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samsvar/import.h"
#include "samsvar/jsonutil.h"
#include "samsvar/store.h"
#include "support/fixtures.h"

static char dir[] = "/tmp/samsvar-import-XXXXXX";
static struct sv_store *st;

static void setup(void)
{
	char path[128];
	struct sv_error err = {0};

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.db", dir);
	cr_assert_eq(sv_store_open(path, &st, &err), SV_OK, "%s", err.message);
}

static void teardown(void)
{
	char cmd[160];

	sv_store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* Imports the JSON array `text` in one transaction; returns what sv_import_store_all() did. */
static enum sv_err run(const char *text, int allow_shrink, int *stored, int *kept, struct sv_error *err)
{
	const struct sv_import_opts o = {.actor = "tester", .source = "--fhir test.json", .allow_shrink = allow_shrink};
	cJSON *arr = ts_parse_json(text);
	enum sv_err rc;

	*stored = *kept = 0;
	cr_assert_eq(sv_store_begin(st, err), SV_OK);
	rc = sv_import_store_all(st, arr, &o, stored, kept, err);
	if (rc == SV_OK)
		cr_assert_eq(sv_store_commit(st, err), SV_OK);
	else
		sv_store_rollback(st);
	cJSON_Delete(arr);
	return rc;
}

static int concepts_stored(const char *version)
{
	struct sv_error err = {0};
	cJSON *cs = sv_store_get(st, "CodeSystem", "http://example.org/cs", version, &err);
	int n;

	cr_assert_not_null(cs, "%s", err.message);
	n = cJSON_GetArraySize(cJSON_GetObjectItem(cs, "concept"));
	cJSON_Delete(cs);
	return n;
}

#define CS(version, content, concepts)                                                                      \
	"{\"resourceType\":\"CodeSystem\",\"url\":\"http://example.org/cs\",\"version\":\"" version "\","     \
	"\"content\":\"" content "\",\"concept\":[" concepts "]}"
#define ABC "{\"code\":\"a\",\"display\":\"A\"},{\"code\":\"b\",\"display\":\"B\"},{\"code\":\"c\",\"display\":\"C\"}"
#define MAP "{\"resourceType\":\"ConceptMap\",\"url\":\"http://example.org/cm\",\"version\":\"1\"}"

TestSuite(import, .init = setup, .fini = teardown);

Test(import, a_fragment_after_a_fuller_import_is_left_out_and_the_rest_stored)
{
	struct sv_error err = {0};
	cJSON *audit = cJSON_CreateArray();
	int stored, kept;

	cr_assert_eq(run("[" CS("1", "complete", ABC) "]", 0, &stored, &kept, &err), SV_OK, "%s", err.message);
	cr_assert_eq(stored, 1);
	cr_assert_eq(run("[" CS("1", "fragment", "{\"code\":\"a\",\"display\":\"A\"}") "," MAP "]", 0, &stored, &kept,
			 &err), SV_OK, "%s", err.message);
	cr_assert_eq(stored, 1, "the map is stored");
	cr_assert_eq(kept, 1, "the fragment is left out");
	cr_assert_eq(concepts_stored("1"), 3);
	cr_assert_eq(sv_store_audit(st, 10, audit, &err), SV_OK);
	cr_assert_eq(cJSON_GetArraySize(audit), 2, "no audit row for what was not written");
	cr_assert_str_eq(sv_jstr(cJSON_GetArrayItem(audit, 0), "type"), "ConceptMap");
	cJSON_Delete(audit);
}

Test(import, a_refused_shrink_stores_nothing_of_the_import)
{
	struct sv_error err = {0};
	int stored, kept;

	cr_assert_eq(run("[" CS("1", "complete", ABC) "]", 0, &stored, &kept, &err), SV_OK, "%s", err.message);
	cr_assert_eq(run("[" MAP "," CS("1", "complete", "{\"code\":\"a\",\"display\":\"A\"}") "]", 0, &stored, &kept,
			 &err), SV_ECONFLICT);
	cr_assert(strstr(err.message, "remove: b, c"), "%s", err.message);
	cr_assert_eq(concepts_stored("1"), 3);
	cr_assert_null(sv_store_get(st, "ConceptMap", "http://example.org/cm", "1", &err), "rolled back");
	/* A new version with fewer concepts than the latest: refused too, and allowed when asked. */
	cr_assert_eq(run("[" CS("2", "complete", "{\"code\":\"a\",\"display\":\"A\"}") "]", 0, &stored, &kept, &err),
		     SV_ECONFLICT);
	cr_assert(strstr(err.message, "fewer than the 3 of version 1") && strstr(err.message, "b, c"), "%s",
		  err.message);
	cr_assert_eq(run("[" CS("2", "complete", "{\"code\":\"a\",\"display\":\"A\"}") "]", 1, &stored, &kept, &err),
		     SV_OK, "%s", err.message);
	cr_assert_eq(concepts_stored("2"), 1);
	cr_assert_eq(concepts_stored("1"), 3, "the earlier version is still there");
}

Test(import, the_audit_row_says_what_a_merge_did)
{
	struct sv_error err = {0};
	cJSON *audit = cJSON_CreateArray();
	int stored, kept;

	cr_assert_eq(run("[" CS("1", "fragment", "{\"code\":\"n\",\"display\":\"N\"}") "]", 0, &stored, &kept, &err),
		     SV_OK, "%s", err.message);
	cr_assert_eq(run("[" CS("1", "fragment", ABC) "]", 0, &stored, &kept, &err), SV_OK, "%s", err.message);
	cr_assert_eq(concepts_stored("1"), 4, "n is kept beside a, b, c");
	cr_assert_eq(sv_store_audit(st, 1, audit, &err), SV_OK);
	cr_assert_str_eq(sv_jstr(cJSON_GetArrayItem(audit, 0), "actor"), "tester");
	cr_assert(strstr(sv_jstr(cJSON_GetArrayItem(audit, 0), "detail"), "--fhir test.json; merged") &&
		  strstr(sv_jstr(cJSON_GetArrayItem(audit, 0), "detail"), "1 concepts the edition lacks kept"),
		  "%s", sv_jstr(cJSON_GetArrayItem(audit, 0), "detail"));
	cJSON_Delete(audit);
}

Test(import, a_resource_the_store_refuses_fails_the_import)
{
	struct sv_error err = {0};
	int stored, kept;

	cr_assert_eq(run("[{\"resourceType\":\"CodeSystem\",\"url\":\"http://example.org/cs\"}]", 0, &stored, &kept,
			 &err), SV_EINVAL);
	cr_assert(strstr(err.message, "no version"), "%s", err.message);
	cr_assert_eq(stored, 0);
}

Test(import, a_stored_version_that_does_not_read_back_fails_the_import)
{
	struct sv_error err = {0};
	char path[128];
	sqlite3 *db;
	int stored, kept;

	cr_assert_eq(run("[" CS("1", "complete", ABC) "]", 0, &stored, &kept, &err), SV_OK, "%s", err.message);
	snprintf(path, sizeof(path), "%s/s.db", dir);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	/* The history trigger would refuse to copy broken JSON: the damage is done beneath it. */
	cr_assert_eq(sqlite3_exec(db, "DROP TRIGGER resource_history_UPDATE;"
				  "UPDATE resource SET json='{' WHERE version='1'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* The same version (merge) and another version (the latest to compare with) both read it. */
	cr_assert_eq(run("[" CS("1", "complete", ABC) "]", 0, &stored, &kept, &err), SV_ESTORE);
	cr_assert(strstr(err.message, "does not read back"), "%s", err.message);
	cr_assert_eq(run("[" CS("2", "complete", ABC) "]", 0, &stored, &kept, &err), SV_ESTORE);
	cr_assert(strstr(err.message, "does not read back"), "%s", err.message);
}
