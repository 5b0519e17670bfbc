/* store_history.h — versions of stored resources (FHIR versionId / _history) and the changes made
 * through the write API, each with its audit row in the same transaction.
 *
 * Every insert, update or delete of a row of the resource table, whoever makes it (`samsvar import`,
 * the write API, publish), is copied by SQLite triggers into resource_history under the next
 * versionId of its (type, id), with meta.versionId and meta.lastUpdated set in the stored JSON; a
 * delete leaves a row marked deleted. The current version of a resource is therefore always the
 * newest history row, and sv_store_each() hands out that JSON, so every read carries its meta.
 * Functions here take a store whose transaction the caller holds (sv_store_begin), except the reads. */
#ifndef SAMSVAR_STORE_HISTORY_H
#define SAMSVAR_STORE_HISTORY_H

#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/store.h"

/* Longest url and version the write API stores (longer ones are refused before they reach here). */
#define SV_HISTORY_URL_MAX 1024
#define SV_HISTORY_VERSION_MAX 128

/* Who makes a change, from where and why: what the audit row records. */
struct sv_actor {
	const char *name;             /* the token's name */
	const char *peer;             /* the client's address, or NULL */
	const char *reason;           /* the reason given (publish, rollback), or NULL */
};

/* The stored state of one resource instance (type, id). */
struct sv_rev {
	long vid;                     /* its newest versionId; 0 when the store never held it */
	int deleted;                  /* 1 when the newest version is a delete */
	char updated[32];             /* meta.lastUpdated of that version */
	char status[16];              /* publication status (draft, active, retired, unknown) */
	char url[SV_HISTORY_URL_MAX + 1];
	char version[SV_HISTORY_VERSION_MAX + 1];
};

/* Reads the state of (type, id) into *rev (vid 0 when never stored) and, when `json` is not NULL and
 * the resource exists, sets *json to its current JSON (caller frees). */
enum sv_err sv_history_head(struct sv_store *st, const char *type, const char *id, struct sv_rev *rev,
			    cJSON **json, struct sv_error *err);

/* Finds the instance of `type` with `url` and `version` (current resources only): copies its id into
 * id[cap] and returns SV_OK, or SV_ENOTFOUND (err untouched). */
enum sv_err sv_history_find(struct sv_store *st, const char *type, const char *url, const char *version,
			    char *id, size_t cap, struct sv_error *err);

/* Finds the current instance of `type` and `url` whose status is `status` other than `except_id`
 * (may be NULL): copies its id into id[cap] and returns SV_OK, or SV_ENOTFOUND (err untouched). */
enum sv_err sv_history_find_status(struct sv_store *st, const char *type, const char *url, const char *status,
				   const char *except_id, char *id, size_t cap, struct sv_error *err);

/* Copies into name[cap] who last created or updated (type, id) — through the write API, or by an
 * import of its url and version — and returns SV_OK, or SV_ENOTFOUND (err untouched) when nobody did. */
enum sv_err sv_history_last_editor(struct sv_store *st, const char *type, const char *id, const struct sv_rev *rev,
				   char *name, size_t cap, struct sv_error *err);

/* Writes into id[cap] (cap of at least 72) a FHIR id for a new resource of `type`: the url's last
 * segment and the version, with a counter when that id was ever used (a deleted resource's too).
 * SV_ECONFLICT when no free one is found. */
enum sv_err sv_history_new_id(struct sv_store *st, const char *type, const char *url, const char *version,
			      char *id, size_t cap, struct sv_error *err);

/* Stores `res` (its resourceType, url and version set) as the new current version of (type, id) —
 * inserting or replacing, the identity may change — and writes an audit row with `action` (create,
 * update, publish, retire, rollback) naming `who`; *out gets the new state. `res` is not changed
 * (any meta it carries is replaced in the stored copy). SV_ECONFLICT when another instance already
 * holds its url and version. */
enum sv_err sv_history_write(struct sv_store *st, const char *type, const char *id, const cJSON *res,
			     const char *action, const struct sv_actor *who, struct sv_rev *out,
			     struct sv_error *err);

/* Deletes the current resource (type, id), leaving a deleted version in its history, with an audit
 * row (action delete); *out gets the deleted version's state. SV_ENOTFOUND when there is none. */
enum sv_err sv_history_delete(struct sv_store *st, const char *type, const char *id, const struct sv_actor *who,
			      struct sv_rev *out, struct sv_error *err);

/* Appends the versions of (type, id), newest first, skipping the first `offset`, at most `count`, to
 * the JSON array `rows`: objects {vid, updated, deleted, resource (absent for a delete)}. Sets *total
 * to how many exist. */
enum sv_err sv_history_list(struct sv_store *st, const char *type, const char *id, long offset, long count,
			    cJSON *rows, long *total, struct sv_error *err);

/* Returns version `vid` of (type, id) as a new cJSON the caller frees and sets *deleted; NULL with
 * err untouched when there is no such version, with err set on a store error. A deleted version
 * returns an empty object. */
cJSON *sv_history_version(struct sv_store *st, const char *type, const char *id, long vid, int *deleted,
			  struct sv_error *err);

/* The audit trail, filtered as a FHIR AuditEvent search asks. */
struct sv_audit_query {
	const char *entity;           /* "Type/id", or a url: rows of that resource; NULL = all */
	const char *agent;            /* actor name; NULL = all */
	const char *action;           /* create, update, ...; NULL = all */
	const char *date_op;          /* "ge", "gt", "le", "lt", "eq" (with date) or NULL */
	const char *date;             /* instant or date prefix compared with the row's ts */
	long offset, count;           /* the page */
};

/* Appends the audit rows matching `q`, newest first, from q->offset, at most q->count, to `rows`
 * (objects with seq, ts, actor, action, type, url, version, detail, id, vid, reason, peer where
 * set) and sets *total to how many match. */
enum sv_err sv_history_audit_search(struct sv_store *st, const struct sv_audit_query *q, cJSON *rows,
				    long *total, struct sv_error *err);

#endif
