/* store_history.c — resource versions (kept by triggers) and the write API's changes with their audit rows. */
#include "samsvar/jsonutil.h"
#include "samsvar/store_history.h"
#include "store_private.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next versionId of (type, id) as a one-row subquery, and the history row a trigger writes. */
#define NEXT_VID(T, I) "(SELECT coalesce(max(vid), 0) + 1 AS v FROM resource_history WHERE type=" T \
	".type AND id=" I ".id)"
#define COPY_TO_HISTORY(WHEN)                                                                          \
	"CREATE TRIGGER IF NOT EXISTS resource_history_" WHEN " AFTER " WHEN " ON resource BEGIN "      \
	"INSERT INTO resource_history(type,id,vid,url,version,status,json,updated,deleted) "         \
	"SELECT NEW.type, NEW.id, v, NEW.url, NEW.version, NEW.status, json_set(NEW.json, "          \
	"'$.meta.versionId', CAST(v AS TEXT), '$.meta.lastUpdated', NEW.updated), NEW.updated, 0 "   \
	"FROM " NEXT_VID("NEW", "NEW") "; END;"

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS resource_history("
	"  type TEXT NOT NULL, id TEXT NOT NULL, vid INTEGER NOT NULL, url TEXT NOT NULL,"
	"  version TEXT NOT NULL, status TEXT, json TEXT, updated TEXT NOT NULL,"
	"  deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (type, id, vid));"
	COPY_TO_HISTORY("INSERT")
	COPY_TO_HISTORY("UPDATE")
	"CREATE TRIGGER IF NOT EXISTS resource_history_DELETE AFTER DELETE ON resource BEGIN "
	"INSERT INTO resource_history(type,id,vid,url,version,status,json,updated,deleted) "
	"SELECT OLD.type, OLD.id, v, OLD.url, OLD.version, OLD.status, NULL, "
	"strftime('%Y-%m-%dT%H:%M:%SZ','now'), 1 FROM " NEXT_VID("OLD", "OLD") "; END;"
	/* Resources stored before history existed become version 1. */
	"INSERT INTO resource_history(type,id,vid,url,version,status,json,updated,deleted) "
	"SELECT r.type, r.id, 1, r.url, r.version, r.status, json_set(r.json, '$.meta.versionId', '1', "
	"'$.meta.lastUpdated', r.updated), r.updated, 0 FROM resource r WHERE NOT EXISTS "
	"(SELECT 1 FROM resource_history h WHERE h.type=r.type AND h.id=r.id);"
	"CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts);";

/* Columns the write API adds to the audit table of stores made before it. */
static const char *const AUDIT_COLUMNS[] = {"id TEXT", "vid INTEGER", "reason TEXT", "peer TEXT"};

static enum sv_err prepare(sqlite3 *db, const char *sql, sqlite3_stmt **q, struct sv_error *err)
{
	if (sqlite3_prepare_v2(db, sql, -1, q, NULL) != SQLITE_OK)
		return sv_store_sqlite_fail(db, err, "prepare");
	return SV_OK;
}

static void copy(char *dst, size_t cap, const unsigned char *src)
{
	snprintf(dst, cap, "%s", src ? (const char *)src : "");
}

enum sv_err sv_store_history_schema(struct sv_store *st, struct sv_error *err)
{
	sqlite3 *db = st->db;
	enum sv_err rc;

	for (size_t i = 0; i < sizeof(AUDIT_COLUMNS) / sizeof(AUDIT_COLUMNS[0]); i++)
		if ((rc = sv_store_add_column(st, "audit", AUDIT_COLUMNS[i], err)) != SV_OK)
			return rc;
	if (sqlite3_exec(db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
		return sv_store_sqlite_fail(db, err, "history schema");
	return SV_OK;
}

enum sv_err sv_history_head(struct sv_store *st, const char *type, const char *id, struct sv_rev *rev,
			    cJSON **json, struct sv_error *err)
{
	sqlite3 *db = st->db;
	sqlite3_stmt *q = NULL;
	enum sv_err rc;
	int step;

	memset(rev, 0, sizeof(*rev));
	if (json)
		*json = NULL;
	if ((rc = prepare(db, "SELECT vid, deleted, updated, status, url, version, json FROM resource_history "
			  "WHERE type=?1 AND id=?2 ORDER BY vid DESC LIMIT 1", &q, err)) != SV_OK)
		return rc;
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	rc = SV_OK;
	if (step == SQLITE_ROW) {
		rev->vid = (long)sqlite3_column_int64(q, 0);
		rev->deleted = sqlite3_column_int(q, 1);
		copy(rev->updated, sizeof(rev->updated), sqlite3_column_text(q, 2));
		copy(rev->status, sizeof(rev->status), sqlite3_column_text(q, 3));
		copy(rev->url, sizeof(rev->url), sqlite3_column_text(q, 4));
		copy(rev->version, sizeof(rev->version), sqlite3_column_text(q, 5));
		if (json && !rev->deleted) {
			*json = cJSON_ParseWithLength((const char *)sqlite3_column_text(q, 6),
						      (size_t)sqlite3_column_bytes(q, 6));
			if (!*json)
				rc = sv_fail(err, SV_ESTORE, "store: %s/%s does not read back as JSON", type, id);
		}
	} else if (step != SQLITE_DONE) {
		rc = sv_store_sqlite_fail(db, err, "read");
	}
	sqlite3_finalize(q);
	return rc;
}

/* Runs a query whose first column is an id (or a name), binding the strings given (NULL binds NULL). */
static enum sv_err first_id(sqlite3 *db, const char *sql, const char *const *binds, int nbinds, char *id,
			    size_t cap, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc;
	int step;

	if ((rc = prepare(db, sql, &q, err)) != SV_OK)
		return rc;
	for (int i = 0; i < nbinds; i++)
		sqlite3_bind_text(q, i + 1, binds[i], -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		copy(id, cap, sqlite3_column_text(q, 0));
		rc = SV_OK;
	} else {
		rc = step == SQLITE_DONE ? SV_ENOTFOUND : sv_store_sqlite_fail(db, err, "read");
	}
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_history_find(struct sv_store *st, const char *type, const char *url, const char *version,
			    char *id, size_t cap, struct sv_error *err)
{
	const char *b[] = {type, url, version};
	return first_id(st->db, "SELECT id FROM resource WHERE type=?1 AND url=?2 AND version=?3",
			b, 3, id, cap, err);
}

enum sv_err sv_history_find_status(struct sv_store *st, const char *type, const char *url, const char *status,
				   const char *except_id, char *id, size_t cap, struct sv_error *err)
{
	const char *b[] = {type, url, status, except_id ? except_id : ""};
	return first_id(st->db, "SELECT id FROM resource WHERE type=?1 AND url=?2 AND status=?3 "
			"AND id<>?4 ORDER BY version DESC", b, 4, id, cap, err);
}

enum sv_err sv_history_last_editor(struct sv_store *st, const char *type, const char *id, const struct sv_rev *rev,
				   char *name, size_t cap, struct sv_error *err)
{
	const char *b[] = {type, id, rev->url, rev->version};
	return first_id(st->db, "SELECT actor FROM audit WHERE type=?1 AND (id=?2 OR (id IS NULL AND "
			"url=?3 AND version=?4)) AND action IN ('create', 'update') ORDER BY seq DESC LIMIT 1",
			b, 4, name, cap, err);
}

/* The id characters FHIR allows ([A-Za-z0-9-.]); anything else becomes '-'. */
static char id_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	       ch == '.' ? ch : '-';
}

enum sv_err sv_history_new_id(struct sv_store *st, const char *type, const char *url, const char *version,
			      char *id, size_t cap, struct sv_error *err)
{
	const char *seg = url;
	char base[56];
	size_t o = 0;

	/* The store is held in a transaction, so the check and the insert cannot race. */
	for (const char *p = url; *p; p++)
		if ((*p == '/' || *p == ':') && p[1])
			seg = p + 1;
	for (const char *p = seg; *p && o < 30; p++)
		base[o++] = id_char(*p);
	base[o++] = '-';
	for (const char *p = version; *p && o < sizeof(base) - 1; p++)
		base[o++] = id_char(*p);
	base[o] = '\0';
	for (int n = 1; n < 1000; n++) {
		struct sv_rev rev;
		enum sv_err rc;
		if (n == 1)
			snprintf(id, cap, "%s", base);
		else
			snprintf(id, cap, "%s-%d", base, n);
		if ((rc = sv_history_head(st, type, id, &rev, NULL, err)) != SV_OK)
			return rc;
		if (!rev.vid)        /* never used, not even by a deleted resource */
			return SV_OK;
	}
	return sv_fail(err, SV_ECONFLICT, "no free id for %s %s", type, url);
}

/* Writes the audit row of a change to (type, id) now at state `rev`. */
static enum sv_err audit_row(sqlite3 *db, const char *type, const char *id, const struct sv_rev *rev,
			     const char *action, const struct sv_actor *who, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc;
	char ts[32];

	if ((rc = prepare(db, "INSERT INTO audit(ts,actor,action,type,url,version,detail,id,vid,reason,peer) "
			  "VALUES(?1,?2,?3,?4,?5,?6,'write API',?7,?8,?9,?10)", &q, err)) != SV_OK)
		return rc;
	sv_now_iso(ts, sizeof(ts));
	sqlite3_bind_text(q, 1, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, who && who->name ? who->name : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, rev->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, rev->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 8, rev->vid);
	sqlite3_bind_text(q, 9, who ? who->reason : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 10, who ? who->peer : NULL, -1, SQLITE_STATIC);
	rc = sqlite3_step(q) == SQLITE_DONE ? SV_OK : sv_store_sqlite_fail(db, err, "audit");
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_history_write(struct sv_store *st, const char *type, const char *id, const cJSON *res,
			     const char *action, const struct sv_actor *who, struct sv_rev *out,
			     struct sv_error *err)
{
	sqlite3 *db = st->db;
	sqlite3_stmt *q = NULL;
	cJSON *copy_ = cJSON_Duplicate(res, 1);
	const char *url = sv_jstr(res, "url"), *version = sv_jstr(res, "version");
	char *json = NULL, ts[32];
	struct sv_rev now;
	enum sv_err rc;
	int step;

	if (!url || !version)
		SV_BUG("sv_history_write: a resource without url or version");
	/* The server owns id and meta: the stored copy carries the instance id, meta comes from history. */
	cJSON_DeleteItemFromObjectCaseSensitive(copy_, "meta");
	cJSON_DeleteItemFromObjectCaseSensitive(copy_, "id");
	cJSON_AddStringToObject(copy_, "id", id);
	json = cJSON_PrintUnformatted(copy_);
	if (!json)
		SV_BUG("cJSON_PrintUnformatted failed");
	if ((rc = sv_history_head(st, type, id, &now, NULL, err)) != SV_OK)
		goto out;
	/* An edition's concepts are rows of the content tables, changed by an import: a write that brings
	 * concepts would leave them unread, so it is refused rather than half done. */
	if (now.vid && !now.deleted && cJSON_GetObjectItemCaseSensitive(res, "concept")) {
		int held = 0;
		if ((rc = prepare(db, "SELECT 1 FROM resource WHERE type=?1 AND id=?2 AND content IS NOT NULL", &q,
				  err)) != SV_OK)
			goto out;
		sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
		held = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
		q = NULL;
		if (held) {
			rc = sv_fail_at(err, SV_EUNPROCESSABLE, "concept", "%s/%s (%s|%s) keeps its concepts in the content "
					"tables (an RF2 edition): change them by importing the edition again; a write may "
					"change its other elements, without `concept`", type, id, url, version);
			goto out;
		}
	}
	sv_now_iso(ts, sizeof(ts));
	/* An existing instance is replaced in place (its url or version may change with it). */
	if ((rc = prepare(db, now.vid && !now.deleted ?
			  "UPDATE resource SET url=?3, version=?4, name=?5, status=?6, json=?7, updated=?8 "
			  "WHERE type=?1 AND id=?2" :
			  "INSERT INTO resource(type,id,url,version,name,status,json,updated) "
			  "VALUES(?1,?2,?3,?4,?5,?6,?7,?8)", &q, err)) != SV_OK)
		goto out;
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, sv_jstr(res, "name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, sv_jstr(res, "status"), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, json, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 8, ts, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_CONSTRAINT) {
		rc = sv_fail_at(err, SV_ECONFLICT, "version", "%s %s|%s is already stored under another id", type,
				url, version);
		goto out;
	}
	if (step != SQLITE_DONE) {
		rc = sv_store_sqlite_fail(db, err, "write");
		goto out;
	}
	if ((rc = sv_history_head(st, type, id, out, NULL, err)) != SV_OK ||
	    (rc = audit_row(db, type, id, out, action, who, err)) != SV_OK)
		goto out;
	rc = SV_OK;
out:
	sqlite3_finalize(q);
	free(json);
	cJSON_Delete(copy_);
	return rc;
}

enum sv_err sv_history_delete(struct sv_store *st, const char *type, const char *id, const struct sv_actor *who,
			      struct sv_rev *out, struct sv_error *err)
{
	sqlite3 *db = st->db;
	sqlite3_stmt *q = NULL;
	enum sv_err rc;

	if ((rc = prepare(db, "DELETE FROM resource WHERE type=?1 AND id=?2", &q, err)) != SV_OK)
		return rc;
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		rc = sv_store_sqlite_fail(db, err, "delete");
	else if (sqlite3_changes(db) == 0)
		rc = sv_fail(err, SV_ENOTFOUND, "%s/%s is not known", type, id);
	else if ((rc = sv_history_head(st, type, id, out, NULL, err)) == SV_OK)
		rc = audit_row(db, type, id, out, "delete", who, err);
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_history_list(struct sv_store *st, const char *type, const char *id, long offset, long count,
			    cJSON *rows, long *total, struct sv_error *err)
{
	sqlite3 *db = st->db;
	sqlite3_stmt *q = NULL;
	enum sv_err rc;
	int step;

	*total = 0;
	/* The count apart from the page, so a page past the end (or of none) still knows it. */
	if ((rc = prepare(db, "SELECT count(*) FROM resource_history WHERE type=?1 AND id=?2", &q, err)) != SV_OK)
		return rc;
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(q)) != SQLITE_ROW) {
		rc = sv_store_sqlite_fail(db, err, "history");
		goto out;
	}
	*total = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	q = NULL;
	if (count == 0 || offset >= *total)
		return SV_OK;
	if ((rc = prepare(db, "SELECT vid, updated, deleted, json FROM resource_history "
			  "WHERE type=?1 AND id=?2 ORDER BY vid DESC LIMIT ?3 OFFSET ?4", &q, err)) != SV_OK)
		return rc;
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, count);
	sqlite3_bind_int64(q, 4, offset);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		cJSON *row = cJSON_CreateObject();
		cJSON_AddNumberToObject(row, "vid", (double)sqlite3_column_int64(q, 0));
		cJSON_AddStringToObject(row, "updated", (const char *)sqlite3_column_text(q, 1));
		cJSON_AddBoolToObject(row, "deleted", sqlite3_column_int(q, 2));
		if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
			cJSON *res = cJSON_ParseWithLength((const char *)sqlite3_column_text(q, 3),
							   (size_t)sqlite3_column_bytes(q, 3));
			if (!res) {
				cJSON_Delete(row);
				rc = sv_fail(err, SV_ESTORE, "store: a version of %s/%s does not read back", type, id);
				goto out;
			}
			cJSON_AddItemToObject(row, "resource", res);
		}
		cJSON_AddItemToArray(rows, row);
	}
	if (step != SQLITE_DONE)
		rc = sv_store_sqlite_fail(db, err, "history");
out:
	sqlite3_finalize(q);
	return rc;
}

cJSON *sv_history_version(struct sv_store *st, const char *type, const char *id, long vid, int *deleted,
			  struct sv_error *err)
{
	sqlite3 *db = st->db;
	sqlite3_stmt *q = NULL;
	cJSON *res = NULL;
	int step;

	*deleted = 0;
	if (prepare(db, "SELECT deleted, json FROM resource_history WHERE type=?1 AND id=?2 AND vid=?3", &q,
		    err) != SV_OK)
		return NULL;
	sqlite3_bind_text(q, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, vid);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		*deleted = sqlite3_column_int(q, 0);
		res = *deleted ? cJSON_CreateObject() :
		      cJSON_ParseWithLength((const char *)sqlite3_column_text(q, 1), (size_t)sqlite3_column_bytes(q, 1));
		if (!res)
			sv_fail(err, SV_ESTORE, "store: version %ld of %s/%s does not read back", vid, type, id);
	} else if (step != SQLITE_DONE) {
		sv_store_sqlite_fail(db, err, "history");
	}
	sqlite3_finalize(q);
	return res;
}

/* The WHERE clause of an audit search; every value is bound, never spliced into the SQL. The instant
 * is compared at the precision the date was given in (le2026-11-26 takes that whole day), as FHIR
 * date search does. */
static const char AUDIT_WHERE[] =
	" FROM audit WHERE (?1 IS NULL OR (type || '/' || coalesce(id, '')) = ?1 OR url = ?1 OR "
	"(url || '|' || version) = ?1) AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR action = ?3) AND "
	"(?4 IS NULL OR (?4 = 'ge' AND substr(ts, 1, length(?5)) >= ?5) OR "
	"(?4 = 'gt' AND substr(ts, 1, length(?5)) > ?5) OR (?4 = 'le' AND substr(ts, 1, length(?5)) <= ?5) OR "
	"(?4 = 'lt' AND substr(ts, 1, length(?5)) < ?5) OR (?4 = 'eq' AND substr(ts, 1, length(?5)) = ?5))";

static void audit_bind(sqlite3_stmt *q, const struct sv_audit_query *aq)
{
	sqlite3_bind_text(q, 1, aq->entity, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, aq->agent, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, aq->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, aq->date_op, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, aq->date, -1, SQLITE_STATIC);
}

enum sv_err sv_history_audit_search(struct sv_store *st, const struct sv_audit_query *aq, cJSON *rows,
				    long *total, struct sv_error *err)
{
	static const char *const cols[] = {"seq", "ts", "actor", "action", "type", "url", "version", "detail",
					   "id", "vid", "reason", "peer"};
	sqlite3 *db = st->db;
	sqlite3_stmt *q = NULL;
	char sql[1024];
	enum sv_err rc;
	int step;

	*total = 0;
	snprintf(sql, sizeof(sql), "SELECT count(*)%s", AUDIT_WHERE);
	if ((rc = prepare(db, sql, &q, err)) != SV_OK)
		return rc;
	audit_bind(q, aq);
	if (sqlite3_step(q) != SQLITE_ROW) {
		rc = sv_store_sqlite_fail(db, err, "audit");
		goto out;
	}
	*total = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	snprintf(sql, sizeof(sql), "SELECT seq,ts,actor,action,type,url,version,detail,id,vid,reason,peer%s "
		 "ORDER BY seq DESC LIMIT ?6 OFFSET ?7", AUDIT_WHERE);
	if ((rc = prepare(db, sql, &q, err)) != SV_OK)
		return rc;
	audit_bind(q, aq);
	sqlite3_bind_int64(q, 6, aq->count);
	sqlite3_bind_int64(q, 7, aq->offset);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		cJSON *row = cJSON_CreateObject();
		for (int i = 0; i < 12; i++) {
			if (sqlite3_column_type(q, i) == SQLITE_NULL)
				continue;
			if (i == 0 || i == 9)
				cJSON_AddNumberToObject(row, cols[i], (double)sqlite3_column_int64(q, i));
			else
				cJSON_AddStringToObject(row, cols[i], (const char *)sqlite3_column_text(q, i));
		}
		cJSON_AddItemToArray(rows, row);
	}
	if (step != SQLITE_DONE)
		rc = sv_store_sqlite_fail(db, err, "audit");
out:
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_store_audit(struct sv_store *st, int limit, cJSON *out, struct sv_error *err)
{
	struct sv_audit_query q = {.count = limit};
	long total;
	return sv_history_audit_search(st, &q, out, &total, err);
}
