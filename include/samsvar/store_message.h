/* store_message.h — the outbox and inbox of the store (store_message.c): every message sent or
 * received, its exact bytes, its delivery state, and for an inbound message the acknowledgement it
 * was answered with. A message id is unique per direction. Every change that a client asked for
 * (a message queued, received, re-queued) is one transaction with its audit row; the delivery
 * worker's state changes are one transaction each.
 *
 * Times: next_attempt is milliseconds since the epoch (0 = none); created/updated are ISO instants. */
#ifndef SAMSVAR_STORE_MESSAGE_H
#define SAMSVAR_STORE_MESSAGE_H

#include <stddef.h>
#include "samsvar/error.h"
#include "samsvar/store.h"

/* One message row. Every pointer is owned (malloc'd) and freed by sv_store_msg_release(). */
struct sv_store_msg {
	long long seq;             /* order of arrival (paging) */
	char direction[4];         /* "out" or "in" */
	char *id;
	char *event;               /* the event wire code (message.h) */
	char *peer;                /* out: the receiver's id in the directory; in: the sender's HER-id */
	char *peer_name;           /* the receiver's / sender's organisation name */
	char *status;              /* out: queued sending delivered rejected dead; in: processed failed */
	int attempts;
	char *last_error;          /* NULL when none */
	long long next_attempt;
	char *created, *updated;
	char *media;               /* media type of content */
	char *content;             /* the exact bytes sent or received (NUL-terminated too) */
	size_t content_len;
	char *ack_media, *ack;     /* the acknowledgement answered (in) or received (out), or NULL */
	size_t ack_len;
	char *answer;              /* out: the JSON of the 202 answer, given again to a repeated messageId */
};

/* Filter and page of sv_store_msg_list(); NULL strings match everything. */
struct sv_store_msg_filter {
	const char *direction, *status, *peer;
	long offset, count;
};

/* Adds message `m` (direction, id, event, peer, peer_name, status, media, content, and for "in" the
 * ack; attempts, next_attempt as given) with an audit row naming `actor` in one transaction. When the
 * direction already holds that id nothing is written, *dup is set to 1 and *existing (zeroed by the
 * caller; release it) receives the stored row. Returns SV_OK or SV_ESTORE. */
enum sv_err sv_store_msg_add(struct sv_store *st, const struct sv_store_msg *m, const char *actor,
			     struct sv_store_msg *existing, int *dup, struct sv_error *err);

/* Reads message (direction, id) into *out (zeroed by the caller); with_content 0 leaves content and
 * ack NULL. Returns SV_OK, SV_ENOTFOUND or SV_ESTORE. */
enum sv_err sv_store_msg_get(struct sv_store *st, const char *direction, const char *id, int with_content,
			     struct sv_store_msg *out, struct sv_error *err);

/* Calls `fn` for each message (without content) matching `f`, newest first, from f->offset up to
 * f->count of them; sets *total to the number matching. A return other than SV_OK stops the walk. */
typedef enum sv_err (*sv_store_msg_fn)(void *ctx, const struct sv_store_msg *m);
enum sv_err sv_store_msg_list(struct sv_store *st, const struct sv_store_msg_filter *f, long *total,
			      sv_store_msg_fn fn, void *ctx, struct sv_error *err);

/* Takes up to `limit` outbound messages that are queued with next_attempt <= now_ms, marks them
 * `sending` and counts the attempt, in one transaction, then calls `fn` with each (content included).
 * Returns SV_OK or SV_ESTORE. */
enum sv_err sv_store_msg_claim(struct sv_store *st, long long now_ms, int limit, sv_store_msg_fn fn, void *ctx,
			       struct sv_error *err);

/* Records the outcome of one delivery of outbound message `id`: its new status (delivered, rejected,
 * queued for a retry, dead), the error (NULL when none), the next attempt (ms, 0 = none) and the
 * acknowledgement received (may be NULL). Returns SV_OK, SV_ENOTFOUND or SV_ESTORE. */
enum sv_err sv_store_msg_settle(struct sv_store *st, const char *id, const char *status, const char *last_error,
				long long next_attempt, const char *ack_media, const char *ack, size_t ack_len,
				struct sv_error *err);

/* Puts every outbound message left `sending` (by a process that stopped mid-delivery) back to
 * `queued`, due now; *n gets how many. At start-up, before the worker runs. */
enum sv_err sv_store_msg_recover(struct sv_store *st, long *n, struct sv_error *err);

/* Puts outbound message `id` back to `queued` (attempts 0, due now) when it is dead or rejected, with
 * an audit row naming `actor`, in one transaction. Returns SV_OK, SV_ENOTFOUND (no such outbound
 * message), SV_ECONFLICT (its status is another) or SV_ESTORE. */
enum sv_err sv_store_msg_requeue(struct sv_store *st, const char *id, const char *actor, struct sv_error *err);

/* Sets *n to the number of outbound messages with `status`. */
enum sv_err sv_store_msg_count(struct sv_store *st, const char *status, long *n, struct sv_error *err);

/* Sets *mark to a number that changes whenever terminology or tokens change (a resource written, a
 * token added or revoked: the newest non-message audit row, the token rows) but not when messages come
 * and go: PRAGMA data_version (sv_store_data_version) changes with every commit of another connection,
 * the delivery worker's too, and a server should rebuild its snapshot only for the first kind. */
enum sv_err sv_store_content_mark(struct sv_store *st, long long *mark, struct sv_error *err);

/* Frees the strings of `m` and zeroes it. */
void sv_store_msg_release(struct sv_store_msg *m);

#endif
