/* store.c — SQLite persistence of FHIR terminology resources with an audit trail. */
#include "samsvar/jsonutil.h"
#include "samsvar/store.h"
#include "samsvar/strmap.h"
#include "store_private.h"
#include "store_message_schema.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char SCHEMA[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"PRAGMA foreign_keys=ON;"
	"CREATE TABLE IF NOT EXISTS resource("
	"  type TEXT NOT NULL, url TEXT NOT NULL, version TEXT NOT NULL, id TEXT NOT NULL,"
	"  name TEXT, status TEXT, json TEXT NOT NULL, updated TEXT NOT NULL,"
	"  PRIMARY KEY (type, url, version));"
	"CREATE UNIQUE INDEX IF NOT EXISTS resource_id ON resource(type, id);"
	"CREATE TABLE IF NOT EXISTS audit("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, actor TEXT NOT NULL,"
	"  action TEXT NOT NULL, type TEXT NOT NULL, url TEXT NOT NULL, version TEXT NOT NULL,"
	"  detail TEXT);"
	/* Bearer tokens (store_token.c): only their SHA-256 is kept; a name is unique among active ones. */
	"CREATE TABLE IF NOT EXISTS token("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('reader','maintainer','publisher','admin')),"
	"  hash BLOB NOT NULL UNIQUE, created TEXT NOT NULL, revoked TEXT);"
	"CREATE UNIQUE INDEX IF NOT EXISTS token_active_name ON token(name) WHERE revoked IS NULL;"
	/* Outbox and inbox (store_message.c). */
	SV_STORE_MESSAGE_SCHEMA;

enum sv_err sv_store_sqlite_fail(sqlite3 *db, struct sv_error *err, const char *what)
{
	return sv_fail(err, SV_ESTORE, "store: %s: %s", what, sqlite3_errmsg(db));
}

enum sv_err sv_store_db_fail(struct sv_store *st, struct sv_error *err, const char *what)
{
	return sv_store_sqlite_fail(st->db, err, what);
}

enum sv_err sv_store_audit_row(struct sv_store *st, const char *ts, const char *actor, const char *action,
			       const char *type, const char *url, const char *version, const char *detail,
			       struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_OK;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO audit(ts,actor,action,type,url,version,detail) "
			       "VALUES(?1,?2,?3,?4,?5,?6,?7)", -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_text(q, 1, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, actor ? actor : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, detail, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		rc = sv_store_db_fail(st, err, "audit");
	sqlite3_finalize(q);
	return rc;
}

static int mkdir_parents(const char *path)
{
	char buf[1024];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

enum sv_err sv_store_open(const char *path, struct sv_store **out, struct sv_error *err)
{
	struct sv_store *st = sv_xcalloc(1, sizeof(*st));
	enum sv_err rc = SV_ESTORE;

	*out = NULL;
	if (mkdir_parents(path) != 0) {
		rc = sv_fail(err, SV_EIO, "store: cannot create folder for %s: %s", path, strerror(errno));
		goto out;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = sv_fail(err, SV_ESTORE, "store: cannot open %s: %s", path,
			     st->db ? sqlite3_errmsg(st->db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(st->db, 5000);
	if (sqlite3_exec(st->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
		rc = sv_store_db_fail(st, err, "schema");
		goto out;
	}
	if ((rc = sv_store_history_schema(st, err)) != SV_OK || (rc = sv_store_content_schema(st, err)) != SV_OK)
		goto out;
	*out = st;
	st = NULL;
	rc = SV_OK;
out:
	sv_store_close(st);
	return rc;
}

void sv_store_close(struct sv_store *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

enum sv_err sv_store_add_column(struct sv_store *st, const char *table, const char *def, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	char sql[160];
	size_t n = strcspn(def, " ");
	int found = 0;

	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name=?2", -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, def, (int)n, SQLITE_STATIC);
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	if (found)
		return SV_OK;
	snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s", table, def);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, sql);
	return SV_OK;
}

static enum sv_err exec(struct sv_store *st, const char *sql, struct sv_error *err)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, sql);
	return SV_OK;
}

enum sv_err sv_store_begin(struct sv_store *st, struct sv_error *err)
{
	return exec(st, "BEGIN IMMEDIATE", err);
}

enum sv_err sv_store_commit(struct sv_store *st, struct sv_error *err)
{
	return exec(st, "COMMIT", err);
}

void sv_store_rollback(struct sv_store *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* FHIR ids are [A-Za-z0-9-.]{1,64}: derived from the url's last segment and the version. */
static void derive_id(const char *url, const char *version, char *out, size_t cap)
{
	const char *seg = url;
	size_t o = 0;
	char raw[256];

	for (const char *p = url; *p; p++)
		if ((*p == '/' || *p == ':') && p[1])
			seg = p + 1;
	/* SNOMED edition versions are URIs: keep only their date part. */
	if (strrchr(version, '/'))
		version = strrchr(version, '/') + 1;
	snprintf(raw, sizeof(raw), "%s-%s", seg, version);
	for (const char *p = raw; *p && o + 1 < cap && o < 64; p++) {
		char ch = *p;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.'))
			ch = '-';
		out[o++] = ch;
	}
	out[o] = '\0';
}

static int id_taken(struct sv_store *st, const char *type, const char *id)
{
	sqlite3_stmt *q = NULL;
	int taken = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM resource WHERE type=?1 AND id=?2", -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
		taken = sqlite3_step(q) == SQLITE_ROW;
	}
	sqlite3_finalize(q);
	return taken;
}

enum sv_err sv_store_put_row(struct sv_store *st, cJSON *resource, int64_t content, const char *actor,
			     const char *source, struct sv_error *err)
{
	const char *type = sv_jstr(resource, "resourceType");
	const char *url = sv_jstr(resource, "url");
	const char *version = sv_jstr(resource, "version");
	const char *id = sv_jstr(resource, "id");
	sqlite3_stmt *q = NULL;
	char *json = NULL, idbuf[80], ts[32];
	const char *action = "create";
	enum sv_err rc = SV_ESTORE;
	int step;

	if (!type || (strcmp(type, "CodeSystem") && strcmp(type, "ValueSet") && strcmp(type, "ConceptMap") &&
		      strcmp(type, "Library")))
		return sv_fail(err, SV_EINVAL, "only CodeSystem, ValueSet, ConceptMap and Library are stored (got %s)",
			       type ? type : "no resourceType");
	if (!url || !*url)
		return sv_fail_at(err, SV_EINVAL, "url", "%s has no url", type);
	if (!version || !*version)
		return sv_fail_at(err, SV_EINVAL, "version", "%s %s has no version", type, url);

	/* Does this (type,url,version) exist already, and under which id? */
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM resource WHERE type=?1 AND url=?2 AND version=?3",
			       -1, &q, NULL) != SQLITE_OK) {
		rc = sv_store_db_fail(st, err, "prepare");
		goto out;
	}
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, version, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		action = "update";
		if (!id)
			snprintf(idbuf, sizeof(idbuf), "%s", (const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_finalize(q);
	q = NULL;
	if (!id) {
		if (strcmp(action, "create") == 0) {
			derive_id(url, version, idbuf, sizeof(idbuf));
			if (id_taken(st, type, idbuf)) {
				/* Same last segment and version under another url: make it unique. */
				size_t n = strlen(idbuf);
				char both[1200];
				snprintf(both, sizeof(both), "%s|%s", url, version);
				if (n > 55)
					n = 55;
				snprintf(idbuf + n, sizeof(idbuf) - n, "-%08lx",
					 (unsigned long)(sv_stablehash(both, strlen(both)) & 0xffffffffUL));
			}
		}
		cJSON_AddStringToObject(resource, "id", idbuf);
		id = sv_jstr(resource, "id");
	}

	json = cJSON_PrintUnformatted(resource);
	if (!json)
		SV_BUG("cJSON_PrintUnformatted failed");
	sv_now_iso(ts, sizeof(ts));
	if (sqlite3_prepare_v2(st->db,
			       "INSERT INTO resource(type,url,version,id,name,status,json,updated,content) "
			       "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT(type,url,version) DO UPDATE SET "
			       "id=excluded.id,name=excluded.name,status=excluded.status,json=excluded.json,"
			       "updated=excluded.updated,content=excluded.content", -1, &q, NULL) != SQLITE_OK) {
		rc = sv_store_db_fail(st, err, "prepare");
		goto out;
	}
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, sv_jstr(resource, "name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, sv_jstr(resource, "status"), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, ts, -1, SQLITE_STATIC);
	if (content)
		sqlite3_bind_int64(q, 9, content);
	else
		sqlite3_bind_null(q, 9);
	step = sqlite3_step(q);
	if (step == SQLITE_CONSTRAINT) {
		rc = sv_fail_at(err, SV_ECONFLICT, "id", "%s id '%s' already belongs to another url/version",
				type, id);
		goto out;
	}
	if (step != SQLITE_DONE) {
		rc = sv_store_db_fail(st, err, "insert");
		goto out;
	}
	sqlite3_finalize(q);
	q = NULL;
	if ((rc = sv_store_audit_row(st, ts, actor, action, type, url, version, source, err)) != SV_OK)
		goto out;
	rc = SV_OK;
out:
	sqlite3_finalize(q);
	free(json);
	return rc;
}

enum sv_err sv_store_put(struct sv_store *st, cJSON *resource, const char *actor, const char *source,
			 struct sv_error *err)
{
	return sv_store_put_row(st, resource, 0, actor, source, err);
}

cJSON *sv_store_get(struct sv_store *st, const char *type, const char *url, const char *version,
		    struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	cJSON *res = NULL;
	int step;

	if (sqlite3_prepare_v2(st->db, "SELECT json, content FROM resource WHERE type=?1 AND url=?2 AND version=?3",
			       -1, &q, NULL) != SQLITE_OK) {
		sv_store_db_fail(st, err, "prepare");
		return NULL;
	}
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, version, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		res = cJSON_ParseWithLength((const char *)sqlite3_column_text(q, 0), (size_t)sqlite3_column_bytes(q, 0));
		if (!res)
			sv_fail(err, SV_ESTORE, "store: %s|%s does not read back as JSON", url, version);
		else if (sqlite3_column_int64(q, 1) && sv_store_content_attach(st, sqlite3_column_int64(q, 1), &res, err) != SV_OK) {
			cJSON_Delete(res);
			res = NULL;
		}
	} else if (step != SQLITE_DONE) {
		sv_store_db_fail(st, err, "read");
	}
	sqlite3_finalize(q);
	return res;
}

enum sv_err sv_store_count(struct sv_store *st, long *n, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM resource", -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	if (sqlite3_step(q) == SQLITE_ROW) {
		*n = (long)sqlite3_column_int64(q, 0);
		rc = SV_OK;
	} else {
		rc = sv_store_db_fail(st, err, "count");
	}
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_store_each(struct sv_store *st, sv_store_visit_fn fn, void *ctx, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_OK;
	int step;

	if (sqlite3_prepare_v2(st->db, /* The newest history version: the stored JSON with its meta.versionId and meta.lastUpdated. */
			       "SELECT r.type, coalesce((SELECT h.json FROM resource_history h WHERE h.type=r.type "
			       "AND h.id=r.id ORDER BY h.vid DESC LIMIT 1), r.json), coalesce(r.content, 0) FROM resource r "
			       "ORDER BY r.type, r.url, r.version",
			       -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		rc = fn(ctx, (const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
			(size_t)sqlite3_column_bytes(q, 1), sqlite3_column_int64(q, 2));
		if (rc != SV_OK)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sv_store_db_fail(st, err, "read");
out:
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_store_data_version(struct sv_store *st, long *v, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_OK;

	if (sqlite3_prepare_v2(st->db, "PRAGMA data_version", -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	if (sqlite3_step(q) == SQLITE_ROW)
		*v = (long)sqlite3_column_int64(q, 0);
	else
		rc = sv_store_db_fail(st, err, "data_version");
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_store_versions(struct sv_store *st, const char *type, const char *url, cJSON *out,
			      struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	int step;

	if (sqlite3_prepare_v2(st->db, "SELECT version FROM resource WHERE type=?1 AND url=?2 ORDER BY version",
			       -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, url, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(q)) == SQLITE_ROW)
		cJSON_AddItemToArray(out, cJSON_CreateString((const char *)sqlite3_column_text(q, 0)));
	sqlite3_finalize(q);
	if (step != SQLITE_DONE)
		return sv_store_db_fail(st, err, "versions");
	return SV_OK;
}
