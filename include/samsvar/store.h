/* store.h — the embedded SQLite store (WAL), the single source of truth for terminology resources.
 *
 * Every CodeSystem, ValueSet and ConceptMap is kept as its FHIR R4 JSON, keyed by (type, url,
 * version): several versions of one url coexist. Every change writes an audit row (who, what, when)
 * in the same transaction. The request path never touches SQL: the server builds an in-memory
 * snapshot from sv_store_each(). One connection per struct sv_store; not shared between threads. */
#ifndef SAMSVAR_STORE_H
#define SAMSVAR_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"

struct sv_store;

/* Opens (creating file, parent folder and schema as needed) the store at `path`; *out owns it.
 * Returns SV_OK or SV_ESTORE/SV_EIO with err set. */
enum sv_err sv_store_open(const char *path, struct sv_store **out, struct sv_error *err);

/* Creates what the history of resource versions needs (store_history.h: table, triggers, audit
 * columns) and gives resources stored before it their version 1; sv_store_open() calls it.
 * Implemented in store_history.c. */
enum sv_err sv_store_history_schema(struct sv_store *st, struct sv_error *err);

/* Closes the store; NULL is allowed. */
void sv_store_close(struct sv_store *st);

/* Inserts `resource` or replaces the one with the same (type, url, version), and writes an audit row
 * naming `actor` and `source`. Assigns `id` when absent (from url and version); a given id that
 * belongs to another url/version is a conflict (SV_ECONFLICT). `resource` is modified only by
 * adding that id. Returns SV_OK, SV_EINVAL (not a storable resource), SV_ECONFLICT or SV_ESTORE. */
enum sv_err sv_store_put(struct sv_store *st, cJSON *resource, const char *actor, const char *source,
			 struct sv_error *err);

/* Starts / commits / rolls back a transaction grouping several puts (an import is all or nothing). */
enum sv_err sv_store_begin(struct sv_store *st, struct sv_error *err);
enum sv_err sv_store_commit(struct sv_store *st, struct sv_error *err);
void sv_store_rollback(struct sv_store *st);

/* Returns the stored resource (type, url, version) as a new cJSON the caller frees, or NULL when the
 * store holds none (err untouched) or on a store error (err set). A CodeSystem whose concepts are in
 * the content tables comes back whole, its concepts as sv_content_to_json() writes them. */
cJSON *sv_store_get(struct sv_store *st, const char *type, const char *url, const char *version,
		    struct sv_error *err);

/* Appends to the JSON array `out` the version (a string) of every stored resource of `type` and `url`,
 * in no particular version order (compare them with sv_version_cmp()). */
enum sv_err sv_store_versions(struct sv_store *st, const char *type, const char *url, cJSON *out,
			      struct sv_error *err);

/* Sets *n to the number of resources held. */
enum sv_err sv_store_count(struct sv_store *st, long *n, struct sv_error *err);

/* Calls `fn` for every stored resource (ordered by type, url, version) with its JSON text and, for a
 * CodeSystem whose concepts are in the content tables, their content id (0 for none; the JSON then has
 * no `concept`); a nonzero return from `fn` stops the walk and is returned as SV_EINTERNAL unless it is
 * an enum sv_err. */
typedef enum sv_err (*sv_store_visit_fn)(void *ctx, const char *type, const char *json, size_t len,
					 int64_t content);
enum sv_err sv_store_each(struct sv_store *st, sv_store_visit_fn fn, void *ctx, struct sv_error *err);

/* Appends audit rows, newest first, at most `limit`, to the JSON array `out` (objects with seq, ts,
 * actor, action, type, url, version, detail, and for changes made through the write API id, vid,
 * reason and peer). Implemented in store_history.c, with the audit search. */
enum sv_err sv_store_audit(struct sv_store *st, int limit, cJSON *out, struct sv_error *err);

/* ---- code-system content tables (store_content.c) ---------------------------------------------
 * A large code system (an RF2 edition) keeps its concepts, designations, properties and is-a edges as
 * rows of the content tables, under a content id that is never given twice, and its CodeSystem row
 * only the resource without `concept`. A new content id is the change stamp of a version: a snapshot
 * holding content id N still holds exactly what the store has under N. */
struct sv_content;

/* Stores CodeSystem `header` (any `concept` array in it is ignored, and removed once the rows are
 * written: JSON pointers of c into it are dangling afterwards) as sv_store_put() does,
 * its concepts from finished content `c` in the content tables under a new content id; the rows of the
 * content it replaces (same url and version) are deleted. The caller holds the transaction. Returns
 * as sv_store_put(). */
enum sv_err sv_store_put_content(struct sv_store *st, cJSON *header, const struct sv_content *c, const char *actor,
				 const char *source, struct sv_error *err);

/* Fills the empty content `c` (sv_content_init()) from the rows stored under `content` and finishes it:
 * one ordered pass over each table. Returns SV_OK, SV_ENOTFOUND for an unknown id, or SV_ESTORE. */
enum sv_err sv_store_content_load(struct sv_store *st, int64_t content, struct sv_content *c, struct sv_error *err);

/* Gives CodeSystem `header`, read from the row of content id `content` (whose `content` says
 * not-present: the row holds no concepts), back the content code it was stored with (complete,
 * fragment...). Returns SV_OK, SV_ENOTFOUND or SV_ESTORE. */
enum sv_err sv_store_content_header(struct sv_store *st, int64_t content, cJSON *header, struct sv_error *err);

/* Sets *content to the content id of CodeSystem url|version (0: its concepts are in its JSON, or the
 * store holds no such version). */
enum sv_err sv_store_content_of(struct sv_store *st, const char *url, const char *version, int64_t *content,
				struct sv_error *err);

/* Sets *v to SQLite's data_version: it changes when another connection (e.g. `samsvar import`)
 * commits, so the server can rebuild its snapshot. */
enum sv_err sv_store_data_version(struct sv_store *st, long *v, struct sv_error *err);

/* ---- bearer tokens (store_token.c) ------------------------------------------------------------
 * A token itself is never stored: only its SHA-256 (token.h), with a name (the actor in audit
 * records), a role name, and when it was created and revoked (ISO instants; revoked NULL while it
 * is active). A name is unique among active tokens; a revoked token's name may be given again. */
struct sv_store_token {
	const char *name;
	const char *role;             /* "reader", "maintainer", "publisher" or "admin" */
	const unsigned char *hash;    /* SV_STORE_TOKEN_HASH_LEN bytes */
	const char *created;
	const char *revoked;          /* NULL while active */
};
#define SV_STORE_TOKEN_HASH_LEN 32

/* Adds an active token named `name` with role name `role` and the 32-byte `hash`. Returns SV_OK,
 * SV_ECONFLICT when an active token has that name (or the hash is already known), SV_EINVAL for a
 * role name the table does not take, or SV_ESTORE; err set. */
enum sv_err sv_store_token_add(struct sv_store *st, const char *name, const char *role,
			       const unsigned char *hash, struct sv_error *err);

/* Marks the active token named `name` revoked now. Returns SV_OK, SV_ENOTFOUND when no active
 * token has that name, or SV_ESTORE; err set. */
enum sv_err sv_store_token_revoke(struct sv_store *st, const char *name, struct sv_error *err);

/* Calls `fn` for every token, active and revoked, oldest first (the pointers live for that call
 * only); a return other than SV_OK stops the walk and is returned. */
typedef enum sv_err (*sv_store_token_fn)(void *ctx, const struct sv_store_token *t);
enum sv_err sv_store_token_each(struct sv_store *st, sv_store_token_fn fn, void *ctx, struct sv_error *err);

#endif
