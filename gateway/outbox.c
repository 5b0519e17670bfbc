/* outbox.c — the daemon's messaging state shared by request threads and the worker (outbox.h). */
#include "samsvar/outbox.h"
#include "samsvar/store_message.h"

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
