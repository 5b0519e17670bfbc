/* writer.c — changes to the store from a running server, and the snapshot swap that follows them. */
#include "samsvar/writer.h"
#include "samsvar/store_message.h"

#include <pthread.h>
#include <stdlib.h>

struct sv_writer {
	pthread_mutex_t lock;         /* one change (or history read) at a time on this connection */
	struct sv_store *st;
	struct sv_registry *reg;
	long data_version;            /* SQLite's, when the current snapshot was built */
	long long mark;               /* the store's content mark then (store_message.h) */
	int marked;                   /* 1 once mark holds one */
};

struct sv_writer *sv_writer_new(struct sv_store *st, struct sv_registry *reg)
{
	struct sv_writer *w = sv_xcalloc(1, sizeof(*w));

	pthread_mutex_init(&w->lock, NULL);
	w->st = st;
	w->reg = reg;
	sv_store_data_version(st, &w->data_version, NULL);
	return w;
}

void sv_writer_free(struct sv_writer *w)
{
	if (!w)
		return;
	sv_store_close(w->st);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* A snapshot of the store that shares the current one's unchanged code systems. */
static struct sv_snapshot *rebuild(struct sv_writer *w, struct sv_error *err)
{
	struct sv_snapshot *cur = sv_registry_acquire(w->reg), *fresh;

	fresh = sv_snapshot_from_store_over(w->st, cur, err);
	sv_snapshot_release(cur);
	return fresh;
}

struct sv_store *sv_writer_begin(struct sv_writer *w, struct sv_error *err)
{
	pthread_mutex_lock(&w->lock);
	if (sv_store_begin(w->st, err) != SV_OK) {
		pthread_mutex_unlock(&w->lock);
		return NULL;
	}
	return w->st;
}

enum sv_err sv_writer_commit(struct sv_writer *w, struct sv_error *err)
{
	struct sv_error berr = {0};
	struct sv_snapshot *fresh = rebuild(w, &berr);
	enum sv_err rc = SV_EUNPROCESSABLE;

	if (!fresh) {
		/* Content the snapshot cannot hold (a code defined twice, a map it cannot index) is the
		 * client's to fix; a store failure is ours. */
		rc = berr.code == SV_ESTORE ? SV_ESTORE : SV_EUNPROCESSABLE;
		sv_fail(err, rc, "the change cannot be served: %s", berr.message);
		goto out;
	}
	if ((rc = sv_store_commit(w->st, err)) != SV_OK) {
		sv_snapshot_release(fresh);
		goto out;
	}
	sv_registry_swap(w->reg, fresh);
	sv_store_data_version(w->st, &w->data_version, NULL);
	w->marked = sv_store_content_mark(w->st, &w->mark, NULL) == SV_OK;   /* the snapshot has it */
	pthread_mutex_unlock(&w->lock);
	return SV_OK;
out:
	sv_store_rollback(w->st);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void sv_writer_abort(struct sv_writer *w)
{
	sv_store_rollback(w->st);
	pthread_mutex_unlock(&w->lock);
}

struct sv_store *sv_writer_read(struct sv_writer *w)
{
	pthread_mutex_lock(&w->lock);
	return w->st;
}

void sv_writer_done(struct sv_writer *w)
{
	pthread_mutex_unlock(&w->lock);
}

int sv_writer_poll(struct sv_writer *w, int force, struct sv_error *err)
{
	struct sv_snapshot *fresh;
	long dv = 0;
	long long mark = 0;
	int swapped = 0;

	pthread_mutex_lock(&w->lock);
	if (sv_store_data_version(w->st, &dv, err) != SV_OK) {
		swapped = -1;
		goto out;
	}
	if (dv == w->data_version && !force)
		goto out;
	w->data_version = dv;
	/* Messages commit all the time from the outbox's connection and change neither terminology nor
	 * tokens: only a change of the content mark (or SIGHUP) rebuilds. */
	if (sv_store_content_mark(w->st, &mark, err) != SV_OK) {
		swapped = -1;
		goto out;
	}
	if (w->marked && mark == w->mark && !force)
		goto out;
	w->mark = mark;
	w->marked = 1;
	if (!(fresh = rebuild(w, err))) {
		swapped = -1;
		goto out;
	}
	sv_registry_swap(w->reg, fresh);
	swapped = 1;
out:
	pthread_mutex_unlock(&w->lock);
	return swapped;
}
