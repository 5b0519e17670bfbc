/* respcache.c — per-snapshot cache of answer bytes, bounded in bytes, least recently used out first.
 *
 * Keys come from clients, so the table is a chained hash under the keyed sv_strhash() and every
 * operation is O(1): a lookup walks one short chain, a hit moves its entry to the front of the
 * recency list, an insert evicts from the back until the new entry fits. One mutex guards it, held
 * for a lookup or an insert only; answers are copied out so the lock is never held while sending. */
#include "samsvar/respcache.h"
#include "samsvar/strmap.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One answer may take at most this share of the cache, so one large answer cannot flush the rest. */
#define ENTRY_SHARE 8
#define MIN_BUCKETS 64

struct entry {
	struct entry *chain;          /* next entry in the same bucket */
	struct entry *newer, *older;  /* recency list */
	uint64_t hash;
	size_t klen, len;
	struct sv_resp_fresh fresh;
	char data[];                  /* key, NUL, body, NUL */
};

struct sv_respcache {
	pthread_mutex_t lock;
	struct entry **bucket;
	size_t nbuckets;              /* power of two, kept >= n */
	size_t n;
	struct entry *newest, *oldest;
	size_t bytes, max_bytes;      /* keys + bodies + per-entry overhead */
};

/* What an entry costs against max_bytes: its allocation and two bucket pointers (the table grows
 * past the entry count by doubling, so it has at most two buckets per entry at the peak count). */
static size_t cost(size_t klen, size_t len)
{
	return sizeof(struct entry) + klen + len + 2 + 2 * sizeof(struct entry *);
}

static enum sv_err make(const struct sv_snapshot *snap, void *arg, void **value, struct sv_error *err)
{
	struct sv_respcache *rc = sv_xcalloc(1, sizeof(*rc));
	(void)snap;
	(void)err;
	pthread_mutex_init(&rc->lock, NULL);
	rc->nbuckets = MIN_BUCKETS;
	rc->bucket = sv_xcalloc(rc->nbuckets, sizeof(*rc->bucket));
	rc->max_bytes = *(const size_t *)arg;
	*value = rc;
	return SV_OK;
}

static void drop(void *v)
{
	struct sv_respcache *rc = v;
	struct entry *e = rc->newest, *next;

	for (; e; e = next) {
		next = e->older;
		free(e);
	}
	free(rc->bucket);
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

/* Returns the link that points at the entry for `key` (so it can be unlinked), or NULL. */
static struct entry **find(struct sv_respcache *rc, const char *key, size_t klen, uint64_t hash)
{
	struct entry **link = &rc->bucket[hash & (rc->nbuckets - 1)];

	for (; *link; link = &(*link)->chain)
		if ((*link)->hash == hash && (*link)->klen == klen && memcmp((*link)->data, key, klen) == 0)
			return link;
	return NULL;
}

static void list_unlink(struct sv_respcache *rc, struct entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		rc->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		rc->oldest = e->newer;
}

static void list_push(struct sv_respcache *rc, struct entry *e)
{
	e->newer = NULL;
	e->older = rc->newest;
	if (rc->newest)
		rc->newest->newer = e;
	else
		rc->oldest = e;
	rc->newest = e;
}

static void evict_oldest(struct sv_respcache *rc)
{
	struct entry *e = rc->oldest;
	struct entry **link = find(rc, e->data, e->klen, e->hash);

	if (!link)
		SV_BUG("response cache entry missing from its bucket");
	*link = e->chain;
	list_unlink(rc, e);
	rc->bytes -= cost(e->klen, e->len);
	rc->n--;
	free(e);
}

static void grow(struct sv_respcache *rc)
{
	size_t nb = rc->nbuckets * 2;
	struct entry **b = sv_xcalloc(nb, sizeof(*b));

	for (struct entry *e = rc->newest; e; e = e->older) {
		e->chain = b[e->hash & (nb - 1)];
		b[e->hash & (nb - 1)] = e;
	}
	free(rc->bucket);
	rc->bucket = b;
	rc->nbuckets = nb;
}

char *sv_respcache_get(struct sv_respcache *rc, const char *key, size_t *len, struct sv_resp_fresh *fresh)
{
	size_t klen = strlen(key);
	uint64_t hash = sv_strhash(key, klen);
	struct entry **link;
	char *copy = NULL;

	pthread_mutex_lock(&rc->lock);
	link = find(rc, key, klen, hash);
	if (link) {
		struct entry *e = *link;
		list_unlink(rc, e);
		list_push(rc, e);
		copy = sv_xmalloc(e->len + 1);
		memcpy(copy, e->data + e->klen + 1, e->len + 1);
		*len = e->len;
		if (fresh)
			*fresh = e->fresh;
	}
	pthread_mutex_unlock(&rc->lock);
	return copy;
}

void sv_respcache_put(struct sv_respcache *rc, const char *key, const char *body, size_t len,
		      const struct sv_resp_fresh *fresh)
{
	size_t klen = strlen(key), need = cost(klen, len);
	uint64_t hash = sv_strhash(key, klen);
	struct entry **link, *e;

	if (need > rc->max_bytes / ENTRY_SHARE)
		return;
	pthread_mutex_lock(&rc->lock);
	link = find(rc, key, klen, hash);
	if (link) {
		/* Answers are deterministic per snapshot: the copy held is as good; count it as a use. */
		list_unlink(rc, *link);
		list_push(rc, *link);
		goto out;
	}
	while (rc->bytes + need > rc->max_bytes)
		evict_oldest(rc);
	e = sv_xmalloc(sizeof(*e) + klen + len + 2);
	e->hash = hash;
	e->klen = klen;
	e->len = len;
	e->fresh = fresh ? *fresh : (struct sv_resp_fresh){-1, -1};
	memcpy(e->data, key, klen + 1);
	memcpy(e->data + klen + 1, body, len);
	e->data[klen + 1 + len] = '\0';
	e->chain = rc->bucket[hash & (rc->nbuckets - 1)];
	rc->bucket[hash & (rc->nbuckets - 1)] = e;
	list_push(rc, e);
	rc->bytes += need;
	if (++rc->n > rc->nbuckets)
		grow(rc);
out:
	pthread_mutex_unlock(&rc->lock);
}
