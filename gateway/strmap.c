/* strmap.c — open-addressing (linear probing) string map used by the immutable snapshots.
 * Keys can come from clients (request-scoped tx-resources, cache keys), so slots are chosen by a
 * keyed hash: without the per-process key nobody can compute a set of keys that share one probe run. */
#include "samsvar/strmap.h"
#include "samsvar/error.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Written once (pthread_once) before the first hash, read-only afterwards. */
static unsigned char hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;

static void draw_hash_key(void)
{
	if (sodium_init() < 0)
		SV_BUG("sodium_init failed");
	randombytes_buf(hash_key, sizeof(hash_key));
}

void sv_strhash_init(void)
{
	/* Once only: a second key would strand every entry hashed under the first. */
	pthread_once(&hash_key_once, draw_hash_key);
}

uint64_t sv_strhash(const char *s, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	pthread_once(&hash_key_once, draw_hash_key);  /* an atomic load once the key is drawn */
	crypto_shorthash(out, (const unsigned char *)s, n, hash_key);
	memcpy(&h, out, sizeof(h));
	return h;
}

uint64_t sv_stablehash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a 64-bit offset basis */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

void sv_strmap_init(struct sv_strmap *m, size_t expected)
{
	size_t cap = 16;
	while (cap < expected * 2)
		cap <<= 1;
	m->keys = sv_xcalloc(cap, sizeof(*m->keys));
	m->vals = sv_xcalloc(cap, sizeof(*m->vals));
	m->cap = cap;
	m->len = 0;
}

void sv_strmap_release(struct sv_strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static int insert(struct sv_strmap *m, const char *key, uint32_t val, int overwrite);

static void grow(struct sv_strmap *m)
{
	struct sv_strmap bigger;
	sv_strmap_init(&bigger, m->cap);
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			insert(&bigger, m->keys[i], m->vals[i], 0);
	sv_strmap_release(m);
	*m = bigger;
}

static int insert(struct sv_strmap *m, const char *key, uint32_t val, int overwrite)
{
	size_t n = strlen(key), i;

	if ((m->len + 1) * 2 > m->cap)
		grow(m);
	i = sv_strhash(key, n) & (m->cap - 1);
	while (m->keys[i]) {
		if (strcmp(m->keys[i], key) == 0) {
			if (overwrite)
				m->vals[i] = val;
			return 0;
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
	return 1;
}

int sv_strmap_put(struct sv_strmap *m, const char *key, uint32_t val)
{
	return insert(m, key, val, 0);
}

int sv_strmap_set(struct sv_strmap *m, const char *key, uint32_t val)
{
	return insert(m, key, val, 1);
}

int sv_strmap_getn(const struct sv_strmap *m, const char *key, size_t n, uint32_t *val)
{
	size_t i;

	if (!m->cap)
		return 0;
	i = sv_strhash(key, n) & (m->cap - 1);
	while (m->keys[i]) {
		if (strncmp(m->keys[i], key, n) == 0 && m->keys[i][n] == '\0') {
			*val = m->vals[i];
			return 1;
		}
		i = (i + 1) & (m->cap - 1);
	}
	return 0;
}

int sv_strmap_get(const struct sv_strmap *m, const char *key, uint32_t *val)
{
	return sv_strmap_getn(m, key, strlen(key), val);
}

char *sv_strkey(const char *a, const char *b, const char *c, const char *d)
{
	const char *parts[4] = {a ? a : "", b ? b : "", c ? c : "", d ? d : ""};
	size_t n = 0, o = 0;
	char *k;

	for (int i = 0; i < 4; i++)
		n += strlen(parts[i]) + 1;
	k = sv_xmalloc(n);
	for (int i = 0; i < 4; i++) {
		size_t l = strlen(parts[i]);
		memcpy(k + o, parts[i], l);
		o += l;
		k[o++] = i < 3 ? '\x1f' : '\0';
	}
	return k;
}
