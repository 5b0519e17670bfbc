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

#endif
