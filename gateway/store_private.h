/* store_private.h — what the store's own files (store.c, store_*.c) share and nothing else sees:
 * the SQLite connection behind struct sv_store. */
#ifndef SAMSVAR_STORE_PRIVATE_H
#define SAMSVAR_STORE_PRIVATE_H

#include <sqlite3.h>
#include "samsvar/store.h"

struct sv_store {
	sqlite3 *db;
};

/* Records SQLite's last error on connection `db` as SV_ESTORE ("store: what: message"); returns it. */
enum sv_err sv_store_sqlite_fail(sqlite3 *db, struct sv_error *err, const char *what);

/* The same for st's connection. */
enum sv_err sv_store_db_fail(struct sv_store *st, struct sv_error *err, const char *what);

/* Writes one audit row (actor NULL: "unknown"; detail may be NULL); the caller holds the transaction. */
enum sv_err sv_store_audit_row(struct sv_store *st, const char *ts, const char *actor, const char *action,
			       const char *type, const char *url, const char *version, const char *detail,
			       struct sv_error *err);

/* Adds column `def` ("name TYPE") to `table` unless the table has a column of that name already (a store
 * made before it). Returns SV_OK or SV_ESTORE. */
enum sv_err sv_store_add_column(struct sv_store *st, const char *table, const char *def, struct sv_error *err);

/* sv_store_put() with the content id (0: none) the row points at; the rows of a content id it replaces
 * are deleted by a trigger (store_content.c). */
enum sv_err sv_store_put_row(struct sv_store *st, cJSON *resource, int64_t content, const char *actor,
			     const char *source, struct sv_error *err);

/* Creates the content tables and the resource.content column of stores made before them. */
enum sv_err sv_store_content_schema(struct sv_store *st, struct sv_error *err);

/* Replaces *cs (a CodeSystem read back without concepts) with the whole resource: its concepts loaded
 * from content id `content`. */
enum sv_err sv_store_content_attach(struct sv_store *st, int64_t content, cJSON **cs, struct sv_error *err);

#endif
