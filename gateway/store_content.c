/* store_content.c — code-system content as rows (concepts, designations, properties, is-a edges) under
 * a content id, written and read in one ordered pass each (store.h). */
#include "samsvar/cscontent.h"
#include "samsvar/jsonutil.h"
#include "store_private.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A designation's `description_id` is the RF2 description id it was read from (NULL for none, and in stores
 * written before the column: such an edition is rewritten once when it is imported again). A row's `json` (NULL for an RF2 row) keeps what a concept, designation or property read from FHIR JSON
 * said beyond the columns (its extensions, a Coding's system and display), so nothing a maintainer
 * imported is dropped on the way through. WITHOUT ROWID tables keyed by (content, concept, seq): a version's rows are one contiguous range,
 * read back in concept order. The triggers delete the rows of a content id no resource points at any
 * more (replaced by sv_store_put(), a write or a delete), whichever path changed the resource row. */
static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS cs_content("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, version TEXT NOT NULL,"
	"  concepts INTEGER NOT NULL, created TEXT NOT NULL, content_code TEXT);"
	"CREATE TABLE IF NOT EXISTS cs_concept("
	"  content INTEGER NOT NULL, idx INTEGER NOT NULL, code TEXT NOT NULL, display TEXT, definition TEXT,"
	"  inactive INTEGER NOT NULL, json TEXT, PRIMARY KEY (content, idx)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS cs_designation("
	"  content INTEGER NOT NULL, concept INTEGER NOT NULL, seq INTEGER NOT NULL, language TEXT,"
	"  use_system TEXT, use_code TEXT, use_display TEXT, value TEXT NOT NULL, json TEXT, description_id INTEGER,"
	"  PRIMARY KEY (content, concept, seq)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS cs_property("
	"  content INTEGER NOT NULL, concept INTEGER NOT NULL, seq INTEGER NOT NULL, code TEXT NOT NULL,"
	"  type TEXT NOT NULL, value TEXT NOT NULL, json TEXT, PRIMARY KEY (content, concept, seq)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS cs_edge("
	"  content INTEGER NOT NULL, child INTEGER NOT NULL, seq INTEGER NOT NULL, parent INTEGER NOT NULL,"
	"  PRIMARY KEY (content, child, seq)) WITHOUT ROWID;"
	"CREATE TRIGGER IF NOT EXISTS cs_content_replaced AFTER UPDATE OF content ON resource "
	"  WHEN OLD.content IS NOT NULL AND OLD.content IS NOT NEW.content BEGIN"
	"  DELETE FROM cs_concept WHERE content=OLD.content; DELETE FROM cs_designation WHERE content=OLD.content;"
	"  DELETE FROM cs_property WHERE content=OLD.content; DELETE FROM cs_edge WHERE content=OLD.content;"
	"  DELETE FROM cs_content WHERE id=OLD.content; END;"
	"CREATE TRIGGER IF NOT EXISTS cs_content_deleted AFTER DELETE ON resource WHEN OLD.content IS NOT NULL BEGIN"
	"  DELETE FROM cs_concept WHERE content=OLD.content; DELETE FROM cs_designation WHERE content=OLD.content;"
	"  DELETE FROM cs_property WHERE content=OLD.content; DELETE FROM cs_edge WHERE content=OLD.content;"
	"  DELETE FROM cs_content WHERE id=OLD.content; END;";

enum sv_err sv_store_content_schema(struct sv_store *st, struct sv_error *err)
{
	/* Columns of stores made before them: resource.content first, which the triggers name. */
	static const char *const added[][2] = {
		{ "cs_content", "content_code TEXT" }, { "cs_concept", "json TEXT" },
		{ "cs_designation", "json TEXT" },     { "cs_property", "json TEXT" },
		{ "cs_designation", "description_id INTEGER" },
	};
	enum sv_err rc;

	if ((rc = sv_store_add_column(st, "resource", "content INTEGER", err)) != SV_OK)
		return rc;
	if (sqlite3_exec(st->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "content schema");
	for (size_t i = 0; i < sizeof(added) / sizeof(added[0]); i++)
		if ((rc = sv_store_add_column(st, added[i][0], added[i][1], err)) != SV_OK)
			return rc;
	return SV_OK;
}

static void bind_opt(sqlite3_stmt *q, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* Steps and resets a prepared insert. */
static enum sv_err run(struct sv_store *st, sqlite3_stmt *q, struct sv_error *err)
{
	int step = sqlite3_step(q);

	sqlite3_reset(q);
	return step == SQLITE_DONE ? SV_OK : sv_store_db_fail(st, err, "insert content");
}

/* As run(), with `json` (owned, freed here; NULL: none) bound as parameter `col`. */
static enum sv_err run_json(struct sv_store *st, sqlite3_stmt *q, int col, char *json, struct sv_error *err)
{
	enum sv_err rc;

	bind_opt(q, col, json);
	rc = run(st, q, err);
	free(json);
	return rc;
}

/* Writes c's rows under a new content id (*id). */
static enum sv_err write_rows(struct sv_store *st, const char *url, const char *version, const char *code,
			      const struct sv_content *c, int64_t *id, struct sv_error *err)
{
	static const char *const SQL[] = {
		"INSERT INTO cs_concept(content,idx,code,display,definition,inactive,json) VALUES(?1,?2,?3,?4,?5,?6,?7)",
		("INSERT INTO cs_designation(content,concept,seq,language,use_system,use_code,use_display,value,"
		 "description_id,json) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"),
		"INSERT INTO cs_property(content,concept,seq,code,type,value,json) VALUES(?1,?2,?3,?4,?5,?6,?7)",
		"INSERT INTO cs_edge(content,child,seq,parent) VALUES(?1,?2,?3,?4)",
	};
	sqlite3_stmt *q[4] = { 0 }, *head = NULL;
	char ts[32];
	enum sv_err rc = SV_OK;

	sv_now_iso(ts, sizeof(ts));
	if (sqlite3_prepare_v2(st->db, "INSERT INTO cs_content(url,version,concepts,created,content_code) VALUES(?1,?2,?3,?4,?5)", -1,
			       &head, NULL) != SQLITE_OK) {
		rc = sv_store_db_fail(st, err, "prepare");
		goto out;
	}
	sqlite3_bind_text(head, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(head, 2, version, -1, SQLITE_STATIC);
	sqlite3_bind_int64(head, 3, c->nconcept);
	sqlite3_bind_text(head, 4, ts, -1, SQLITE_STATIC);
	bind_opt(head, 5, code);
	if ((rc = run(st, head, err)) != SV_OK)
		goto out;
	*id = sqlite3_last_insert_rowid(st->db);
	for (int i = 0; i < 4; i++) {
		if (sqlite3_prepare_v2(st->db, SQL[i], -1, &q[i], NULL) != SQLITE_OK) {
			rc = sv_store_db_fail(st, err, "prepare");
			goto out;
		}
		sqlite3_bind_int64(q[i], 1, *id);
	}
	for (uint32_t i = 0; i < c->nconcept && rc == SV_OK; i++) {
		const struct sv_content_concept *k = &c->concept[i];
		sqlite3_bind_int64(q[0], 2, i);
		sqlite3_bind_text(q[0], 3, k->code, -1, SQLITE_STATIC);
		bind_opt(q[0], 4, k->display);
		bind_opt(q[0], 5, k->definition);
		sqlite3_bind_int(q[0], 6, k->inactive);
		rc = run_json(st, q[0], 7, sv_content_row_json('c', k->json), err);
		for (uint32_t j = 0; j < k->ndesig && rc == SV_OK; j++) {
			const struct sv_designation *d = &c->desig[k->desig + j];
			sqlite3_bind_int64(q[1], 2, i);
			sqlite3_bind_int64(q[1], 3, j);
			bind_opt(q[1], 4, d->language);
			bind_opt(q[1], 5, d->use_system);
			bind_opt(q[1], 6, d->use_code);
			bind_opt(q[1], 7, d->use_display);
			sqlite3_bind_text(q[1], 8, d->value, -1, SQLITE_STATIC);
			if (d->id)
				sqlite3_bind_int64(q[1], 9, (sqlite3_int64)d->id); /* an SCTID has at most 18 digits */
			else
				sqlite3_bind_null(q[1], 9);
			rc = run_json(st, q[1], 10, sv_content_row_json('d', d->json), err);
		}
		for (uint32_t j = 0; j < k->nprop && rc == SV_OK; j++) {
			const struct sv_property *p = &c->prop[k->prop + j];
			sqlite3_bind_int64(q[2], 2, i);
			sqlite3_bind_int64(q[2], 3, j);
			sqlite3_bind_text(q[2], 4, p->code, -1, SQLITE_STATIC);
			sqlite3_bind_text(q[2], 5, p->type, -1, SQLITE_STATIC);
			sqlite3_bind_text(q[2], 6, p->value, -1, SQLITE_STATIC);
			rc = run_json(st, q[2], 7, sv_content_row_json('p', p->json), err);
		}
		for (uint32_t j = 0; j < k->nparent && rc == SV_OK; j++) {
			sqlite3_bind_int64(q[3], 2, i);
			sqlite3_bind_int64(q[3], 3, j);
			sqlite3_bind_int64(q[3], 4, c->parent[k->parent + j]);
			rc = run(st, q[3], err);
		}
	}
out:
	sqlite3_finalize(head);
	for (int i = 0; i < 4; i++)
		sqlite3_finalize(q[i]);
	return rc;
}

enum sv_err sv_store_put_content(struct sv_store *st, cJSON *header, const struct sv_content *c, const char *actor,
				 const char *source, struct sv_error *err)
{
	const char *url = sv_jstr(header, "url"), *version = sv_jstr(header, "version");
	int64_t id = 0;
	enum sv_err rc;

	if (!c->finished)
		SV_BUG("sv_store_put_content with an unfinished content");
	if (!url || !version || !sv_jstr(header, "resourceType") || strcmp(sv_jstr(header, "resourceType"), "CodeSystem"))
		return sv_fail(err, SV_EINVAL, "content is stored with a CodeSystem that has a url and a version");
	/* Written first: c may point into the concepts of `header` itself (sv_content_from_json()). */
	if ((rc = write_rows(st, url, version, sv_jstr(header, "content"), c, &id, err)) != SV_OK)
		return rc;
	cJSON_DeleteItemFromObjectCaseSensitive(header, "concept");
	/* The row, and each history version made of it, holds none of the concepts, and says so; the code
	 * the resource came with (complete, fragment) is kept with the content and given back with it. */
	if (cJSON_GetObjectItemCaseSensitive(header, "content"))
		cJSON_ReplaceItemInObjectCaseSensitive(header, "content", cJSON_CreateString("not-present"));
	return sv_store_put_row(st, header, id, actor, source, err);
}

/* Reads one table's rows of content `id` in key order, handing each to `row`. */
typedef enum sv_err (*row_fn)(struct sv_content *c, sqlite3_stmt *q, struct sv_error *err);

static enum sv_err each_row(struct sv_store *st, const char *sql, int64_t id, struct sv_content *c, row_fn row,
			    struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_OK;
	int step;

	if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_int64(q, 1, id);
	while (rc == SV_OK && (step = sqlite3_step(q)) == SQLITE_ROW)
		rc = row(c, q, err);
	if (rc == SV_OK && step != SQLITE_DONE)
		rc = sv_store_db_fail(st, err, "read content");
	sqlite3_finalize(q);
	return rc;
}

static const char *text(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
}

/* The concept index of a row (column 0), checked against the concepts read. */
static enum sv_err concept_of(const struct sv_content *c, sqlite3_stmt *q, int col, uint32_t *idx,
			      struct sv_error *err)
{
	int64_t i = sqlite3_column_int64(q, col);

	if (i < 0 || i >= (int64_t)c->nconcept)
		return sv_fail(err, SV_ESTORE, "store: a content row names concept %lld of %u", (long long)i, c->nconcept);
	*idx = (uint32_t)i;
	return SV_OK;
}

static enum sv_err concept_row(struct sv_content *c, sqlite3_stmt *q, struct sv_error *err)
{
	uint32_t idx;
	enum sv_err rc = sv_content_add_concept(c, text(q, 0), text(q, 1), text(q, 2), &idx, err);

	if (rc == SV_OK) {
		c->concept[idx].inactive = (unsigned char)(sqlite3_column_int(q, 3) != 0);
		c->concept[idx].json = sv_content_own_json(c, text(q, 4));
	}
	return rc == SV_ECONFLICT ? sv_fail(err, SV_ESTORE, "store: code '%s' is stored twice in one content", text(q, 0)) : rc;
}

static enum sv_err designation_row(struct sv_content *c, sqlite3_stmt *q, struct sv_error *err)
{
	struct sv_designation d = { text(q, 1), text(q, 2), text(q, 3), text(q, 4), text(q, 5),
				    sv_content_own_json(c, text(q, 6)), (uint64_t)sqlite3_column_int64(q, 7) };
	uint32_t idx = 0;
	enum sv_err rc = concept_of(c, q, 0, &idx, err);

	return rc == SV_OK ? sv_content_add_designation(c, idx, &d, err) : rc;
}

static enum sv_err property_row(struct sv_content *c, sqlite3_stmt *q, struct sv_error *err)
{
	uint32_t idx = 0;
	enum sv_err rc = concept_of(c, q, 0, &idx, err);

	if (rc == SV_OK && (rc = sv_content_add_property(c, idx, text(q, 1), text(q, 2), text(q, 3), err)) == SV_OK)
		c->prop[c->nprop - 1].json = sv_content_own_json(c, text(q, 4));
	return rc;
}

static enum sv_err edge_row(struct sv_content *c, sqlite3_stmt *q, struct sv_error *err)
{
	uint32_t child = 0, parent = 0;
	enum sv_err rc = concept_of(c, q, 0, &child, err);

	if (rc == SV_OK)
		rc = concept_of(c, q, 1, &parent, err);
	return rc == SV_OK ? sv_content_add_parent(c, child, parent, err) : rc;
}

enum sv_err sv_store_content_load(struct sv_store *st, int64_t content, struct sv_content *c, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc;
	int found;

	if (sqlite3_prepare_v2(st->db, "SELECT concepts FROM cs_content WHERE id=?1", -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_int64(q, 1, content);
	found = sqlite3_step(q) == SQLITE_ROW;
	if (found)
		sv_content_reserve(c, (uint32_t)sqlite3_column_int64(q, 0));
	sqlite3_finalize(q);
	if (!found)
		return sv_fail(err, SV_ENOTFOUND, "store: no code-system content %lld", (long long)content);
	rc = each_row(st, "SELECT code, display, definition, inactive, json FROM cs_concept WHERE content=?1 ORDER BY idx",
		      content, c, concept_row, err);
	if (rc == SV_OK)
		rc = each_row(st, "SELECT concept, language, use_system, use_code, use_display, value, json, description_id "
			      "FROM cs_designation "
			      "WHERE content=?1 ORDER BY concept, seq", content, c, designation_row, err);
	if (rc == SV_OK)
		rc = each_row(st, "SELECT concept, code, type, value, json FROM cs_property WHERE content=?1 ORDER BY concept, seq",
			      content, c, property_row, err);
	if (rc == SV_OK)
		rc = each_row(st, "SELECT child, parent FROM cs_edge WHERE content=?1 ORDER BY child, seq", content, c,
			      edge_row, err);
	if (rc == SV_OK)
		sv_content_finish(c);
	return rc;
}

enum sv_err sv_store_content_of(struct sv_store *st, const char *url, const char *version, int64_t *content,
				struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	int step;

	*content = 0;
	if (sqlite3_prepare_v2(st->db, "SELECT coalesce(content, 0) FROM resource WHERE type='CodeSystem' AND url=?1 "
			       "AND version=?2", -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_text(q, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, version, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*content = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return step == SQLITE_ROW || step == SQLITE_DONE ? SV_OK : sv_store_db_fail(st, err, "read");
}

enum sv_err sv_store_content_header(struct sv_store *st, int64_t content, cJSON *header, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	int step;

	if (sqlite3_prepare_v2(st->db, "SELECT content_code FROM cs_content WHERE id=?1", -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_int64(q, 1, content);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW && sqlite3_column_text(q, 0))
		cJSON_ReplaceItemInObjectCaseSensitive(header, "content",
						       cJSON_CreateString((const char *)sqlite3_column_text(q, 0)));
	sqlite3_finalize(q);
	if (step == SQLITE_DONE)
		return sv_fail(err, SV_ENOTFOUND, "store: no code-system content %lld", (long long)content);
	return step == SQLITE_ROW ? SV_OK : sv_store_db_fail(st, err, "read");
}

enum sv_err sv_store_content_attach(struct sv_store *st, int64_t content, cJSON **cs, struct sv_error *err)
{
	struct sv_content c;
	enum sv_err rc;

	sv_content_init(&c);
	rc = sv_store_content_header(st, content, *cs, err);
	if (rc == SV_OK)
		rc = sv_store_content_load(st, content, &c, err);
	if (rc == SV_OK) {
		cJSON *whole = sv_content_to_json(*cs, &c);
		cJSON_Delete(*cs);
		*cs = whole;
	}
	sv_content_release(&c);
	return rc;
}
