/* respcache.c — per-snapshot cache of answer bytes, guarded by one mutex (held for a lookup or an
 * insert only; answers are copied out so the lock is never held while sending). */
#include "samsvar/respcache.h"
#include "samsvar/strmap.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *key;
	char *body;
	size_t len;
};

struct sv_respcache {
	pthread_mutex_t lock;
	struct sv_strmap index;  /* key -> entry index */
	struct entry *e;
	size_t n, cap;
	size_t bytes, max_bytes;
};

static enum sv_err make(const struct sv_snapshot *snap, void *arg, void **value, struct sv_error *err)
{
	struct sv_respcache *rc = sv_xcalloc(1, sizeof(*rc));
	(void)snap;
	(void)err;
	pthread_mutex_init(&rc->lock, NULL);
	sv_strmap_init(&rc->index, 256);
	rc->max_bytes = *(const size_t *)arg;
	*value = rc;
	return SV_OK;
}

static void drop(void *v)
{
	struct sv_respcache *rc = v;
	for (size_t i = 0; i < rc->n; i++) {
		free(rc->e[i].key);
		free(rc->e[i].body);
	}
	free(rc->e);
	sv_strmap_release(&rc->index);
	pthread_mutex_destroy(&rc->lock);
	free(rc);
}

struct sv_respcache *sv_respcache_of(const struct sv_snapshot *snap, size_t max_bytes)
{
	void *v = NULL;
	if (sv_snapshot_memo(snap, "http-response-cache", make, drop, &max_bytes, &v, NULL) != SV_OK)
		return NULL;
	return v;
}

char *sv_respcache_get(struct sv_respcache *rc, const char *key, size_t *len)
{
	char *copy = NULL;
	uint32_t i;

	pthread_mutex_lock(&rc->lock);
	if (sv_strmap_get(&rc->index, key, &i)) {
		copy = sv_xmalloc(rc->e[i].len + 1);
		memcpy(copy, rc->e[i].body, rc->e[i].len + 1);
		*len = rc->e[i].len;
	}
	pthread_mutex_unlock(&rc->lock);
	return copy;
}

void sv_respcache_put(struct sv_respcache *rc, const char *key, const char *body, size_t len)
{
	size_t klen = strlen(key);
	uint32_t i;

	pthread_mutex_lock(&rc->lock);
	if (rc->bytes + len + klen > rc->max_bytes || sv_strmap_get(&rc->index, key, &i))
		goto out;
	if (rc->n == rc->cap) {
		rc->cap = rc->cap ? rc->cap * 2 : 256;
		rc->e = sv_xrealloc(rc->e, rc->cap * sizeof(*rc->e));
	}
	rc->e[rc->n].key = sv_xstrndup(key, klen);
	rc->e[rc->n].body = sv_xstrndup(body, len);
	rc->e[rc->n].len = len;
	sv_strmap_put(&rc->index, rc->e[rc->n].key, (uint32_t)rc->n);
	rc->n++;
	rc->bytes += len + klen;
out:
	pthread_mutex_unlock(&rc->lock);
}
