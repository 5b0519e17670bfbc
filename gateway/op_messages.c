/* op_messages.c — the /messages paths (op_messages.h). */
#include "samsvar/op_messages.h"
#include "samsvar/jsonutil.h"
#include "samsvar/message.h"
#include "samsvar/message_fhir.h"
#include "samsvar/msgwire.h"
#include "samsvar/store_message.h"
#include "samsvar/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

/* The stored media types as static strings (the transport keeps a static Content-Type). */
static const char *static_media(const char *m)
{
	static const char *const KNOWN[] = {
		"application/xml; charset=utf-8", "application/fhir+json; charset=utf-8",
		"application/fhir+xml; charset=utf-8", "application/fhir+json", "application/fhir+xml",
		"application/xml",
	};
	for (size_t i = 0; m && i < sizeof(KNOWN) / sizeof(KNOWN[0]); i++)
		if (strcmp(m, KNOWN[i]) == 0)
			return KNOWN[i];
	return "application/octet-stream";
}

static const char *query(const struct sv_msgreq *q, const char *name)
{
	for (size_t i = 0; i < q->url->nparams; i++)
		if (strcmp(q->url->params[i].name, name) == 0)
			return q->url->params[i].value;
	return NULL;
}

static void instant_of_ms(long long ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The state of one message as JSON (no bytes). */
static cJSON *status_json(const struct sv_store_msg *m)
{
	cJSON *o = cJSON_CreateObject(), *peer;
	int out = strcmp(m->direction, "out") == 0;
	char when[40];

	cJSON_AddStringToObject(o, "id", m->id);
	cJSON_AddStringToObject(o, "direction", m->direction);
	peer = cJSON_AddObjectToObject(o, out ? "receiver" : "sender");
	cJSON_AddStringToObject(peer, out ? "id" : "her_id", m->peer);
	if (m->peer_name)
		cJSON_AddStringToObject(peer, "name", m->peer_name);
	cJSON_AddStringToObject(o, "event", m->event);
	cJSON_AddStringToObject(o, "status", m->status);
	cJSON_AddNumberToObject(o, "attempts", m->attempts);
	if (m->last_error)
		cJSON_AddStringToObject(o, "last_error", m->last_error);
	else
		cJSON_AddNullToObject(o, "last_error");
	if (out && strcmp(m->status, "queued") == 0 && m->next_attempt > 0) {
		instant_of_ms(m->next_attempt, when, sizeof(when));
		cJSON_AddStringToObject(o, "next_attempt", when);
	} else {
		cJSON_AddNullToObject(o, "next_attempt");
	}
	cJSON_AddStringToObject(o, "created", m->created);
	cJSON_AddStringToObject(o, "updated", m->updated);
	return o;
}

static void answer_json(struct sv_msgans *a, cJSON *o)
{
	a->bytes = cJSON_PrintUnformatted(o);
	a->len = strlen(a->bytes);
	a->media = "application/json";
	a->status = 200;
	cJSON_Delete(o);
}

/* Reads message `id` (direction from ?direction=, else out, then in). */
static enum sv_err load(const struct sv_msgreq *q, struct sv_store *st, const char *id, int with_content,
			struct sv_store_msg *m, struct sv_error *err)
{
	const char *dir = query(q, "direction");
	enum sv_err rc;

	if (dir && strcmp(dir, "out") != 0 && strcmp(dir, "in") != 0)
		return sv_fail_at(err, SV_EINVAL, "direction", "direction must be out or in");
	if (dir)
		return sv_store_msg_get(st, dir, id, with_content, m, err);
	rc = sv_store_msg_get(st, "out", id, with_content, m, err);
	if (rc == SV_ENOTFOUND) {
		sv_error_clear(err);
		rc = sv_store_msg_get(st, "in", id, with_content, m, err);
		if (rc == SV_ENOTFOUND)
			sv_fail(err, SV_ENOTFOUND, "no message has id '%.64s'", id);
	}
	return rc;
}

struct page {
	cJSON *arr;
};

static enum sv_err add_to_page(void *ctx, const struct sv_store_msg *m)
{
	cJSON_AddItemToArray(((struct page *)ctx)->arr, status_json(m));
	return SV_OK;
}

static enum sv_err read_long(const char *v, const char *name, long lo, long hi, long *out, struct sv_error *err)
{
	char *end;
	long n;

	if (!v)
		return SV_OK;
	n = strtol(v, &end, 10);
	if (!*v || *end || n < lo || n > hi)
		return sv_fail_at(err, SV_EINVAL, name, "%s must be a whole number from %ld to %ld", name, lo, hi);
	*out = n;
	return SV_OK;
}

static int is_status(const char *s)
{
	static const char *const ALL[] = {"queued", "sending", "delivered", "rejected", "dead", "received",
					   "processed", "failed"};
	for (size_t i = 0; i < sizeof(ALL) / sizeof(ALL[0]); i++)
		if (strcmp(s, ALL[i]) == 0)
			return 1;
	return 0;
}

static int is_id(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

static enum sv_err list(const struct sv_msgreq *q, struct sv_store *st, struct sv_msgans *a)
{
	static const char *const KNOWN[] = {"status", "receiver", "sender", "direction", "_count", "_offset"};
	struct sv_store_msg_filter f = {.count = PAGE_DEFAULT};
	struct page pg;
	long total = 0;
	cJSON *o;
	enum sv_err rc;

	for (size_t i = 0; i < q->url->nparams; i++) {
		size_t k = 0;
		while (k < sizeof(KNOWN) / sizeof(KNOWN[0]) && strcmp(KNOWN[k], q->url->params[i].name) != 0)
			k++;
		if (k == sizeof(KNOWN) / sizeof(KNOWN[0]))
			return sv_fail_at(&a->err, SV_EINVAL, q->url->params[i].name, "unknown parameter '%.60s' "
					  "(status, receiver, sender, direction, _count, _offset)", q->url->params[i].name);
	}
	f.direction = query(q, "direction");
	f.status = query(q, "status");
	if (f.status && !is_status(f.status))
		return sv_fail_at(&a->err, SV_EINVAL, "status", "status must be one of queued, sending, delivered, "
				  "rejected, dead, received, processed, failed");
	if ((query(q, "receiver") && !is_id(query(q, "receiver"))) || (query(q, "sender") && !is_id(query(q, "sender"))))
		return sv_fail_at(&a->err, SV_EINVAL, query(q, "receiver") ? "receiver" : "sender", "a receiver id or "
				  "sender HER-id is 1-64 of A-Z a-z 0-9 - .");
	if (f.direction && strcmp(f.direction, "out") != 0 && strcmp(f.direction, "in") != 0)
		return sv_fail_at(&a->err, SV_EINVAL, "direction", "direction must be out or in");
	if (query(q, "receiver") && query(q, "sender"))
		return sv_fail_at(&a->err, SV_EINVAL, "sender", "give receiver or sender, not both");
	if ((f.peer = query(q, "receiver")) != NULL)
		f.direction = "out";
	else if ((f.peer = query(q, "sender")) != NULL)
		f.direction = "in";
	if ((rc = read_long(query(q, "_count"), "_count", 1, PAGE_MAX, &f.count, &a->err)) != SV_OK ||
	    (rc = read_long(query(q, "_offset"), "_offset", 0, 1000000000L, &f.offset, &a->err)) != SV_OK)
		return rc;
	o = cJSON_CreateObject();
	pg.arr = cJSON_CreateArray();
	rc = sv_store_msg_list(st, &f, &total, add_to_page, &pg, &a->err);
	cJSON_AddNumberToObject(o, "total", (double)total);
	cJSON_AddNumberToObject(o, "offset", (double)f.offset);
	cJSON_AddNumberToObject(o, "count", cJSON_GetArraySize(pg.arr));
	cJSON_AddItemToObject(o, "messages", pg.arr);
	if (rc != SV_OK) {
		cJSON_Delete(o);
		return rc;
	}
	if (f.offset + f.count < total) {
		char next[512];
		snprintf(next, sizeof(next), "/messages?%s%s%s%s%s%s%s%s%s_count=%ld&_offset=%ld",
			 f.direction ? "direction=" : "", f.direction ? f.direction : "", f.direction ? "&" : "",
			 f.status ? "status=" : "", f.status ? f.status : "", f.status ? "&" : "",
			 f.peer ? (strcmp(f.direction, "out") == 0 ? "receiver=" : "sender=") : "", f.peer ? f.peer : "",
			 f.peer ? "&" : "", f.count, f.offset + f.count);
		cJSON_AddStringToObject(o, "next", next);
	}
	answer_json(a, o);
	return SV_OK;
}

/* The Observations (and the Patient they name) of inbound message `m` as a Bundle collection. */
static enum sv_err observations(const struct sv_msgreq *q, const struct sv_store_msg *row, struct sv_msgans *a)
{
	const struct sv_config *cfg = sv_outbox_config(q->outbox);
	struct sv_message m = {0};
	cJSON *msg = NULL, *bundle = NULL, *entries, *e;
	enum sv_err rc;

	if (strcmp(row->direction, "in") != 0)
		return sv_fail(&a->err, SV_ENOTFOUND, "message %.64s is outbound: its Observations are what was sent "
			       "(GET /messages/%.64s/content)", row->id, row->id);
	if (strcmp(row->status, "failed") == 0)
		return sv_fail(&a->err, SV_ECONFLICT, "message %.64s was refused (%.200s): its function data was not "
			       "taken in", row->id, row->last_error ? row->last_error : "see its acknowledgement");
	if ((rc = sv_msgwire_decode(sv_recv_format_of_media(row->media), row->content, row->content_len,
				    cfg->canonical_base, &m, &a->err)) != SV_OK)
		goto out;
	/* Coded with the maps active now, as the hospital's record would store them today. */
	if ((rc = sv_message_fill_codes(q->snap, cfg->canonical_base, &m, &a->err)) != SV_OK)
		goto out;
	sv_msg_set(&m.gen_date, row->created);
	if (!m.source_endpoint)
		sv_msg_set(&m.source_endpoint, "urn:samsvar:inbound");
	if (!m.destination_endpoint)
		sv_msg_set(&m.destination_endpoint, "urn:samsvar:inbound");
	if (!(msg = sv_message_fhir_build(&m, cfg->canonical_base, &a->err))) {
		rc = a->err.code ? a->err.code : SV_EINTERNAL;
		goto out;
	}
	bundle = cJSON_CreateObject();
	cJSON_AddStringToObject(bundle, "resourceType", "Bundle");
	cJSON_AddStringToObject(bundle, "type", "collection");
	entries = cJSON_AddArrayToObject(bundle, "entry");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(msg, "entry")) {
		const char *type = sv_jstr(cJSON_GetObjectItemCaseSensitive(e, "resource"), "resourceType");
		if (type && strcmp(type, "MessageHeader") != 0 && strcmp(type, "Provenance") != 0)
			cJSON_AddItemToArray(entries, cJSON_Duplicate(e, 1));
	}
	a->resource = bundle;
	a->status = 200;
	rc = SV_OK;
out:
	cJSON_Delete(msg);
	sv_message_release(&m);
	return rc;
}

/* POST /messages/inbound: a KITH message in, its AppRec out. */
static enum sv_err inbound(const struct sv_msgreq *q, struct sv_msgans *a)
{
	const char *ct = q->content_type;
	enum sv_err rc;

	if (!ct || (strncasecmp(ct, "application/xml", 15) != 0 && strncasecmp(ct, "text/xml", 8) != 0))
		return sv_fail(&a->err, SV_EMEDIATYPE, "POST /messages/inbound takes Content-Type application/xml "
			       "(a KITH MsgHead with PLO content)");
	if (!q->body || q->body_len == 0)
		return sv_fail(&a->err, SV_EREQUIRED, "POST /messages/inbound needs a body");
	if ((rc = sv_outbox_receive(q->outbox, SV_RECV_KITH, q->body, q->body_len, sv_auth_actor(q->who), &a->bytes,
				    &a->len, &a->media, &a->err)) == SV_OK)
		a->status = 200;
	return rc;
}

enum sv_role sv_messages_least(const struct sv_config *cfg, const char *method, const char *path)
{
	if (strcmp(method, "POST") == 0 && strcmp(path, "/inbound") == 0)
		return cfg && cfg->auth == SV_AUTH_ALL ? SV_ROLE_READER : SV_ROLE_NONE;
	return SV_ROLE_READER;
}

static enum sv_err method_is(const char *method, const char *want, struct sv_msgans *a)
{
	int get = strcmp(want, "GET") == 0;

	if (strcmp(method, want) == 0 || (get && strcmp(method, "HEAD") == 0))
		return SV_OK;
	a->allow = get ? "GET, HEAD" : "POST";
	return sv_fail(&a->err, SV_EMETHOD, "%.20s is not allowed on this path (allowed: %s)", method, a->allow);
}

enum sv_err sv_messages_run(const struct sv_msgreq *q, struct sv_msgans *a)
{
	struct sv_store_msg m = {0};
	struct sv_store *st = NULL;
	char id[80];
	const char *rest, *slash;
	size_t n;
	enum sv_err rc;

	if (!q->outbox)
		return sv_fail(&a->err, SV_ENOTSUPPORTED, "this server does not exchange messages");
	if (q->path[0] == '\0' || strcmp(q->path, "/") == 0) {
		if ((rc = method_is(q->method, "GET", a)) != SV_OK)
			return rc;
		st = sv_outbox_lock(q->outbox);
		rc = list(q, st, a);
		sv_outbox_unlock(q->outbox);
		return rc;
	}
	if (strcmp(q->path, "/inbound") == 0) {
		if ((rc = method_is(q->method, "POST", a)) != SV_OK)
			return rc;
		return inbound(q, a);
	}
	/* /{id}[/{sub}] */
	rest = q->path + 1;
	slash = strchr(rest, '/');
	n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n == 0 || n >= sizeof(id) || (slash && strchr(slash + 1, '/')))
		return sv_fail(&a->err, SV_ENOTFOUND, "no such path: /messages%.200s", q->path);
	memcpy(id, rest, n);
	id[n] = '\0';
	rest = slash ? slash + 1 : "";
	if (strcmp(rest, "retry") == 0) {
		if ((rc = method_is(q->method, "POST", a)) != SV_OK)
			return rc;
		st = sv_outbox_lock(q->outbox);
		rc = sv_store_msg_requeue(st, id, sv_auth_actor(q->who), &a->err);
		if (rc == SV_OK)
			rc = sv_store_msg_get(st, "out", id, 0, &m, &a->err);
		sv_outbox_unlock(q->outbox);
		if (rc == SV_OK) {
			sv_outbox_notify(q->outbox);
			answer_json(a, status_json(&m));
		}
		goto out;
	}
	if (*rest && strcmp(rest, "content") != 0 && strcmp(rest, "ack") != 0 && strcmp(rest, "observations") != 0)
		return sv_fail(&a->err, SV_ENOTFOUND, "no such path: /messages%.200s", q->path);
	if ((rc = method_is(q->method, "GET", a)) != SV_OK)
		return rc;
	st = sv_outbox_lock(q->outbox);
	rc = load(q, st, id, *rest != '\0', &m, &a->err);
	sv_outbox_unlock(q->outbox);
	if (rc != SV_OK)
		goto out;
	if (!*rest) {
		answer_json(a, status_json(&m));
	} else if (strcmp(rest, "observations") == 0) {
		rc = observations(q, &m, a);
	} else if (strcmp(rest, "content") == 0 || m.ack) {
		int content = strcmp(rest, "content") == 0;
		a->media = static_media(content ? m.media : m.ack_media);
		a->bytes = content ? m.content : m.ack;
		a->len = content ? m.content_len : m.ack_len;
		*(content ? &m.content : &m.ack) = NULL;
		a->status = 200;
	} else {
		rc = sv_fail(&a->err, SV_ENOTFOUND, "message %.64s has no acknowledgement yet", id);
	}
out:
	sv_store_msg_release(&m);
	return rc;
}
