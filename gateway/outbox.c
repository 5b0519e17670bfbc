/* outbox.c — the daemon's messaging state shared by request threads and the worker (outbox.h). */
#include "samsvar/outbox.h"
#include "samsvar/jsonutil.h"
#include "samsvar/store_message.h"
#include "samsvar/uuid.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sv_outbox {
	const struct sv_config *cfg;
	struct sv_receivers receivers;
	struct sv_store *st;
	pthread_mutex_t lock;
	int wake[2];               /* a pipe: notify writes a byte, the worker polls the read end */
};

enum sv_err sv_outbox_open(const struct sv_config *cfg, struct sv_outbox **out, struct sv_error *err)
{
	struct sv_outbox *ob = sv_xcalloc(1, sizeof(*ob));
	enum sv_err rc;
	long n = 0;

	*out = NULL;
	ob->cfg = cfg;
	ob->wake[0] = ob->wake[1] = -1;
	pthread_mutex_init(&ob->lock, NULL);
	if (cfg->receivers[0] && (rc = sv_receivers_load(cfg->receivers, &ob->receivers, err)) != SV_OK)
		goto out;
	if ((rc = sv_store_open(cfg->store_path, &ob->st, err)) != SV_OK)
		goto out;
	if ((rc = sv_store_msg_recover(ob->st, &n, err)) != SV_OK)
		goto out;
	if (n)
		fprintf(stderr, "samsvar: %ld message%s left sending by a stopped process queued again\n", n,
			n == 1 ? "" : "s");
	if (pipe2(ob->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		rc = sv_fail(err, SV_EIO, "outbox: cannot make a pipe");
		goto out;
	}
	*out = ob;
	ob = NULL;
	rc = SV_OK;
out:
	sv_outbox_close(ob);
	return rc;
}

void sv_outbox_close(struct sv_outbox *ob)
{
	if (!ob)
		return;
	sv_store_close(ob->st);
	sv_receivers_release(&ob->receivers);
	for (int i = 0; i < 2; i++)
		if (ob->wake[i] >= 0)
			close(ob->wake[i]);
	pthread_mutex_destroy(&ob->lock);
	free(ob);
}

const struct sv_receivers *sv_outbox_receivers(const struct sv_outbox *ob)
{
	return &ob->receivers;
}

const struct sv_config *sv_outbox_config(const struct sv_outbox *ob)
{
	return ob->cfg;
}

void sv_outbox_self(const struct sv_outbox *ob, struct sv_msgwire_self *self, char *buf, size_t cap)
{
	const struct sv_config *c = ob->cfg;

	snprintf(buf, cap, "%s/fhir/$process-message", c->canonical_base);
	self->name = c->own_name;
	self->her_id = c->own_her_id;
	self->base = c->canonical_base;
	self->endpoint = c->own_endpoint[0] ? c->own_endpoint : buf;
}

enum sv_err sv_outbox_receive(struct sv_outbox *ob, enum sv_recv_format f, const char *bytes, size_t len,
			      const char *actor, char **ack, size_t *ack_len, const char **ack_media,
			      struct sv_error *err)
{
	struct sv_msgwire_self self;
	struct sv_inbound in = {0};
	struct sv_store_msg row = {0}, old = {0};
	char endpoint[600], ack_id[64], now[32];
	int dup = 0;
	enum sv_err rc;

	*ack = NULL;
	sv_outbox_self(ob, &self, endpoint, sizeof(endpoint));
	sv_uuid_urn(ack_id, sizeof(ack_id));
	sv_now_iso(now, sizeof(now));
	if ((rc = sv_msgwire_receive(f, bytes, len, &self, ack_id, now, &in, err)) != SV_OK)
		goto out;
	/* Accepted or refused, a message read up to its id is kept with the acknowledgement it got, so
	 * that a repeat of it gets that same acknowledgement, positive or negative. */
	snprintf(row.direction, sizeof(row.direction), "in");
	row.id = in.msg.id;
	row.event = (char *)sv_msg_event_code(in.msg.event);
	row.peer = in.msg.sender.her_id;
	row.peer_name = in.msg.sender.name;
	row.status = in.ok ? "processed" : "failed";
	row.last_error = in.ok ? NULL : in.problem.message;
	row.media = (char *)sv_recv_format_media(f);
	row.content = (char *)bytes;
	row.content_len = len;
	row.ack_media = (char *)in.ack_media;
	row.ack = in.ack;
	row.ack_len = in.ack_len;
	rc = sv_store_msg_add(sv_outbox_lock(ob), &row, actor, &old, &dup, err);
	sv_outbox_unlock(ob);
	if (rc != SV_OK)
		goto out;
	if (dup && old.ack) {
		/* Seen before: not stored again, and the first acknowledgement is the answer. */
		*ack = old.ack;
		*ack_len = old.ack_len;
		*ack_media = sv_recv_format_media(sv_recv_format_of_media(old.ack_media));
		old.ack = NULL;
	} else {
		*ack = in.ack;
		*ack_len = in.ack_len;
		*ack_media = in.ack_media;
		in.ack = NULL;
	}
out:
	sv_store_msg_release(&old);
	sv_inbound_release(&in);
	return rc;
}

struct sv_store *sv_outbox_lock(struct sv_outbox *ob)
{
	pthread_mutex_lock(&ob->lock);
	return ob->st;
}

void sv_outbox_unlock(struct sv_outbox *ob)
{
	pthread_mutex_unlock(&ob->lock);
}

void sv_outbox_notify(struct sv_outbox *ob)
{
	/* A full pipe already holds a wake-up: the byte that did not fit is not needed. */
	(void)!write(ob->wake[1], "", 1);
}

int sv_outbox_wake_fd(const struct sv_outbox *ob)
{
	return ob->wake[0];
}

void sv_outbox_drain(struct sv_outbox *ob)
{
	char buf[256];
	while (read(ob->wake[0], buf, sizeof(buf)) > 0)
		;
}
