/* store_token.c — the token table of the store: add, revoke, list (store.h). */
#include "samsvar/jsonutil.h"
#include "store_private.h"

#include <string.h>

enum sv_err sv_store_token_add(struct sv_store *st, const char *name, const char *role,
			       const unsigned char *hash, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_ESTORE;
	char ts[32];
	int step;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO token(name,role,hash,created) VALUES(?1,?2,?3,?4)", -1, &q,
			       NULL) != SQLITE_OK) {
		rc = sv_store_db_fail(st, err, "prepare");
		goto out;
	}
	sv_now_iso(ts, sizeof(ts));
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, role, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, hash, SV_STORE_TOKEN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, ts, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_CONSTRAINT) {
		/* The extended code tells the CHECK on role from the uniqueness of name and hash. */
		if (sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_CHECK)
			rc = sv_fail(err, SV_EINVAL, "unknown role '%.40s'", role);
		else
			rc = sv_fail(err, SV_ECONFLICT, "an active token is already named '%.64s' (revoke it "
				     "first, or choose another name)", name);
		goto out;
	}
	if (step != SQLITE_DONE) {
		rc = sv_store_db_fail(st, err, "token insert");
		goto out;
	}
	rc = SV_OK;
out:
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_store_token_revoke(struct sv_store *st, const char *name, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_ESTORE;
	char ts[32];

	if (sqlite3_prepare_v2(st->db, "UPDATE token SET revoked=?1 WHERE name=?2 AND revoked IS NULL", -1, &q,
			       NULL) != SQLITE_OK) {
		rc = sv_store_db_fail(st, err, "prepare");
		goto out;
	}
	sv_now_iso(ts, sizeof(ts));
	sqlite3_bind_text(q, 1, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		rc = sv_store_db_fail(st, err, "token revoke");
		goto out;
	}
	if (sqlite3_changes(st->db) == 0) {
		rc = sv_fail(err, SV_ENOTFOUND, "no active token is named '%.64s'", name);
		goto out;
	}
	rc = SV_OK;
out:
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_store_token_each(struct sv_store *st, sv_store_token_fn fn, void *ctx, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_OK;
	int step;

	if (sqlite3_prepare_v2(st->db, "SELECT name,role,hash,created,revoked FROM token ORDER BY seq", -1, &q,
			       NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct sv_store_token t = {
			.name = (const char *)sqlite3_column_text(q, 0),
			.role = (const char *)sqlite3_column_text(q, 1),
			.hash = sqlite3_column_blob(q, 2),
			.created = (const char *)sqlite3_column_text(q, 3),
			.revoked = (const char *)sqlite3_column_text(q, 4),
		};
		if (!t.name || !t.role || !t.created || !t.hash ||
		    sqlite3_column_bytes(q, 2) != SV_STORE_TOKEN_HASH_LEN) {
			rc = sv_fail(err, SV_ESTORE, "store: a token row is damaged");
			goto out;
		}
		if ((rc = fn(ctx, &t)) != SV_OK)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = sv_store_db_fail(st, err, "token read");
out:
	sqlite3_finalize(q);
	return rc;
}
