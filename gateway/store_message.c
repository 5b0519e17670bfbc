/* store_message.c — the outbox and inbox tables of the store (store_message.h). */
#include "samsvar/jsonutil.h"
#include "samsvar/store_message.h"
#include "store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLS "seq,direction,id,event,peer,peer_name,status,attempts,last_error,next_attempt,created,updated," \
	     "media,answer"

void sv_store_msg_release(struct sv_store_msg *m)
{
	free(m->id);
	free(m->event);
	free(m->peer);
	free(m->peer_name);
	free(m->status);
	free(m->last_error);
	free(m->created);
	free(m->updated);
	free(m->media);
	free(m->content);
	free(m->ack_media);
	free(m->ack);
	free(m->answer);
	memset(m, 0, sizeof(*m));
}

static char *col_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? sv_xstrdup((const char *)t) : NULL;
}

static char *col_blob(sqlite3_stmt *q, int i, size_t *len)
{
	const void *b = sqlite3_column_blob(q, i);
	size_t n = (size_t)sqlite3_column_bytes(q, i);
	char *out;

	*len = 0;
	if (sqlite3_column_type(q, i) == SQLITE_NULL)
		return NULL;
	out = sv_xmalloc(n + 1);
	if (n)
		memcpy(out, b, n);
	out[n] = '\0';
	*len = n;
	return out;
}

/* Reads the COLS columns of the current row into *m, then content and ack when asked (columns 14, 15,
 * 16: content, ack_media, ack). */
static void read_row(sqlite3_stmt *q, int with_content, struct sv_store_msg *m)
{
	const unsigned char *dir = sqlite3_column_text(q, 1);

	m->seq = sqlite3_column_int64(q, 0);
	snprintf(m->direction, sizeof(m->direction), "%s", dir ? (const char *)dir : "");
	m->id = col_text(q, 2);
	m->event = col_text(q, 3);
	m->peer = col_text(q, 4);
	m->peer_name = col_text(q, 5);
	m->status = col_text(q, 6);
	m->attempts = sqlite3_column_int(q, 7);
	m->last_error = col_text(q, 8);
	m->next_attempt = sqlite3_column_int64(q, 9);
	m->created = col_text(q, 10);
	m->updated = col_text(q, 11);
	m->media = col_text(q, 12);
	m->answer = col_text(q, 13);
	if (with_content) {
		m->content = col_blob(q, 14, &m->content_len);
		m->ack_media = col_text(q, 15);
		m->ack = col_blob(q, 16, &m->ack_len);
	}
}

/* A message's audit row: type Message, url its id, version its direction. */
static enum sv_err audit(struct sv_store *st, const char *ts, const char *actor, const char *action,
			 const char *dir, const char *id, const char *detail, struct sv_error *err)
{
	return sv_store_audit_row(st, ts, actor, action, "Message", id, dir, detail, err);
}

static enum sv_err get(struct sv_store *st, const char *dir, const char *id, int with_content,
		       struct sv_store_msg *out, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc;
	int step;

	if (sqlite3_prepare_v2(st->db, "SELECT " COLS ",content,ack_media,ack FROM message WHERE direction=?1 AND "
			       "id=?2", -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_text(q, 1, dir, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, id, -1, SQLITE_STATIC);
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		read_row(q, with_content, out);
		rc = SV_OK;
	} else if (step == SQLITE_DONE) {
		rc = sv_fail(err, SV_ENOTFOUND, "no %s message has id '%.64s'", strcmp(dir, "in") == 0 ? "inbound" :
			     "outbound", id);
	} else {
		rc = sv_store_db_fail(st, err, "message read");
	}
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_store_msg_get(struct sv_store *st, const char *direction, const char *id, int with_content,
			     struct sv_store_msg *out, struct sv_error *err)
{
	return get(st, direction, id, with_content, out, err);
}

enum sv_err sv_store_msg_add(struct sv_store *st, const struct sv_store_msg *m, const char *actor,
			     struct sv_store_msg *existing, int *dup, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_ESTORE;
	int began = 0, step;
	char ts[32];

	*dup = 0;
	sv_now_iso(ts, sizeof(ts));
	if ((rc = sv_store_begin(st, err)) != SV_OK)
		goto out;
	began = 1;
	if (sqlite3_prepare_v2(st->db, "INSERT INTO message(direction,id,event,peer,peer_name,status,attempts,"
			       "last_error,next_attempt,created,updated,media,content,ack_media,ack,answer) "
			       "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10,?11,?12,?13,?14,?15) "
			       "ON CONFLICT(direction,id) DO NOTHING", -1, &q, NULL) != SQLITE_OK) {
		rc = sv_store_db_fail(st, err, "prepare");
		goto out;
	}
	sqlite3_bind_text(q, 1, m->direction, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, m->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, m->event, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, m->peer ? m->peer : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, m->peer_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, m->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 7, m->attempts);
	sqlite3_bind_text(q, 8, m->last_error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 9, m->next_attempt);
	sqlite3_bind_text(q, 10, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 11, m->media, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 12, m->content ? m->content : "", (int)m->content_len, SQLITE_STATIC);
	sqlite3_bind_text(q, 13, m->ack_media, -1, SQLITE_STATIC);
	if (m->ack)
		sqlite3_bind_blob(q, 14, m->ack, (int)m->ack_len, SQLITE_STATIC);
	sqlite3_bind_text(q, 15, m->answer, -1, SQLITE_STATIC);
	if ((step = sqlite3_step(q)) != SQLITE_DONE) {
		rc = sv_store_db_fail(st, err, "message insert");
		goto out;
	}
	if (sqlite3_changes(st->db) == 0) {
		/* Already held: the first one stands, and its row is what the caller answers with. */
		*dup = 1;
		rc = get(st, m->direction, m->id, 1, existing, err);
		goto out;
	}
	if ((rc = audit(st, ts, actor, strcmp(m->direction, "out") == 0 ? "send" : "receive", m->direction, m->id,
			m->peer, err)) != SV_OK)
		goto out;
	rc = sv_store_commit(st, err);
	began = rc != SV_OK;
out:
	sqlite3_finalize(q);
	if (began)
		sv_store_rollback(st);
	return rc;
}

enum sv_err sv_store_msg_list(struct sv_store *st, const struct sv_store_msg_filter *f, long *total,
			      sv_store_msg_fn fn, void *ctx, struct sv_error *err)
{
	static const char WHERE[] = " WHERE (?1 IS NULL OR direction=?1) AND (?2 IS NULL OR status=?2) AND "
				    "(?3 IS NULL OR peer=?3)";
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_OK;
	int step;

	for (int pass = 0; pass < 2; pass++) {
		const char *sql = pass == 0 ? "SELECT count(*) FROM message" :
				  "SELECT " COLS " FROM message";
		char buf[512];
		snprintf(buf, sizeof(buf), "%s%s%s", sql, WHERE, pass == 0 ? "" : " ORDER BY seq DESC LIMIT ?4 OFFSET ?5");
		if (sqlite3_prepare_v2(st->db, buf, -1, &q, NULL) != SQLITE_OK)
			return sv_store_db_fail(st, err, "prepare");
		sqlite3_bind_text(q, 1, f->direction, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, f->status, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, f->peer, -1, SQLITE_STATIC);
		if (pass == 1) {
			sqlite3_bind_int64(q, 4, f->count);
			sqlite3_bind_int64(q, 5, f->offset);
		}
		while ((step = sqlite3_step(q)) == SQLITE_ROW) {
			struct sv_store_msg m = {0};
			if (pass == 0) {
				*total = (long)sqlite3_column_int64(q, 0);
				continue;
			}
			read_row(q, 0, &m);
			rc = fn(ctx, &m);
			sv_store_msg_release(&m);
			if (rc != SV_OK)
				break;
		}
		if (rc == SV_OK && step != SQLITE_DONE)
			rc = sv_store_db_fail(st, err, "message list");
		sqlite3_finalize(q);
		q = NULL;
		if (rc != SV_OK)
			return rc;
	}
	return SV_OK;
}

enum sv_err sv_store_msg_claim(struct sv_store *st, long long now_ms, int limit, sv_store_msg_fn fn, void *ctx,
			       struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	struct sv_store_msg *rows = sv_xcalloc((size_t)limit, sizeof(*rows));
	enum sv_err rc;
	int n = 0, began = 0, step;
	char ts[32];

	sv_now_iso(ts, sizeof(ts));
	if ((rc = sv_store_begin(st, err)) != SV_OK)
		goto out;
	began = 1;
	if (sqlite3_prepare_v2(st->db, "UPDATE message SET status='sending', attempts=attempts+1, updated=?3 "
			       "WHERE seq IN (SELECT seq FROM message WHERE direction='out' AND status='queued' AND "
			       "next_attempt<=?1 ORDER BY next_attempt, seq LIMIT ?2) RETURNING " COLS
			       ",content,ack_media,ack", -1, &q, NULL) != SQLITE_OK) {
		rc = sv_store_db_fail(st, err, "prepare");
		goto out;
	}
	sqlite3_bind_int64(q, 1, now_ms);
	sqlite3_bind_int(q, 2, limit);
	sqlite3_bind_text(q, 3, ts, -1, SQLITE_STATIC);
	while (n < limit && (step = sqlite3_step(q)) == SQLITE_ROW)
		read_row(q, 1, &rows[n++]);
	if (n < limit && step != SQLITE_DONE) {
		rc = sv_store_db_fail(st, err, "claim");
		goto out;
	}
	sqlite3_finalize(q);
	q = NULL;
	if ((rc = sv_store_commit(st, err)) != SV_OK)
		goto out;
	began = 0;
	/* Only once `sending` is committed does a delivery start: a crash from here on finds the
	 * message `sending`, and sv_store_msg_recover() queues it again (at least once). */
	for (int i = 0; i < n && rc == SV_OK; i++)
		rc = fn(ctx, &rows[i]);
out:
	sqlite3_finalize(q);
	if (began)
		sv_store_rollback(st);
	for (int i = 0; i < n; i++)
		sv_store_msg_release(&rows[i]);
	free(rows);
	return rc;
}

enum sv_err sv_store_msg_settle(struct sv_store *st, const char *id, const char *status, const char *last_error,
				long long next_attempt, const char *ack_media, const char *ack, size_t ack_len,
				struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_OK;
	char ts[32];

	sv_now_iso(ts, sizeof(ts));
	if (sqlite3_prepare_v2(st->db, "UPDATE message SET status=?2, last_error=?3, next_attempt=?4, updated=?5, "
			       "ack_media=coalesce(?6,ack_media), ack=coalesce(?7,ack) WHERE direction='out' AND id=?1",
			       -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, last_error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, next_attempt);
	sqlite3_bind_text(q, 5, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, ack ? ack_media : NULL, -1, SQLITE_STATIC);
	if (ack)
		sqlite3_bind_blob(q, 7, ack, (int)ack_len, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		rc = sv_store_db_fail(st, err, "settle");
	else if (sqlite3_changes(st->db) == 0)
		rc = sv_fail(err, SV_ENOTFOUND, "no outbound message has id '%.64s'", id);
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_store_msg_recover(struct sv_store *st, long *n, struct sv_error *err)
{
	if (sqlite3_exec(st->db, "UPDATE message SET status='queued', next_attempt=0 WHERE direction='out' AND "
			 "status='sending'", NULL, NULL, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "recover");
	*n = (long)sqlite3_changes(st->db);
	return SV_OK;
}

enum sv_err sv_store_msg_requeue(struct sv_store *st, const char *id, const char *actor, struct sv_error *err)
{
	struct sv_store_msg m = {0};
	sqlite3_stmt *q = NULL;
	enum sv_err rc;
	int began = 0;
	char ts[32];

	sv_now_iso(ts, sizeof(ts));
	if ((rc = sv_store_begin(st, err)) != SV_OK)
		goto out;
	began = 1;
	if ((rc = get(st, "out", id, 0, &m, err)) != SV_OK)
		goto out;
	if (strcmp(m.status, "dead") != 0 && strcmp(m.status, "rejected") != 0) {
		rc = sv_fail(err, SV_ECONFLICT, "message %.64s is %s: only a dead or rejected message is sent "
			     "again", id, m.status);
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, "UPDATE message SET status='queued', attempts=0, next_attempt=0, "
			       "updated=?2 WHERE direction='out' AND id=?1", -1, &q, NULL) != SQLITE_OK) {
		rc = sv_store_db_fail(st, err, "prepare");
		goto out;
	}
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, ts, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE) {
		rc = sv_store_db_fail(st, err, "requeue");
		goto out;
	}
	if ((rc = audit(st, ts, actor, "retry", "out", id, m.status, err)) != SV_OK)
		goto out;
	rc = sv_store_commit(st, err);
	began = rc != SV_OK;
out:
	sqlite3_finalize(q);
	if (began)
		sv_store_rollback(st);
	sv_store_msg_release(&m);
	return rc;
}

enum sv_err sv_store_msg_count(struct sv_store *st, const char *status, long *n, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_OK;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM message WHERE direction='out' AND status=?1", -1, &q,
			       NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	sqlite3_bind_text(q, 1, status, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(q, 0);
	else
		rc = sv_store_db_fail(st, err, "count");
	sqlite3_finalize(q);
	return rc;
}

enum sv_err sv_store_content_mark(struct sv_store *st, long long *mark, struct sv_error *err)
{
	sqlite3_stmt *q = NULL;
	enum sv_err rc = SV_OK;

	/* Audit seq, history rowid and token seq only grow; a revoke changes the count of revoked tokens.
	 * Mixed into one number that moves whenever any of them does (the history catches a change that
	 * wrote no audit row). */
	if (sqlite3_prepare_v2(st->db, "SELECT (SELECT coalesce(max(seq),0) FROM audit WHERE type <> 'Message'),"
			       "(SELECT coalesce(max(seq),0) FROM token), (SELECT count(revoked) FROM token),"
			       "(SELECT coalesce(max(rowid),0) FROM resource_history)", -1, &q, NULL) != SQLITE_OK)
		return sv_store_db_fail(st, err, "prepare");
	if (sqlite3_step(q) == SQLITE_ROW)
		*mark = sqlite3_column_int64(q, 0) * 1000003LL + sqlite3_column_int64(q, 1) * 1009LL +
			sqlite3_column_int64(q, 2) + sqlite3_column_int64(q, 3) * 7919LL;
	else
		rc = sv_store_db_fail(st, err, "content mark");
	sqlite3_finalize(q);
	return rc;
}
