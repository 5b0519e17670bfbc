/* token.c — bearer tokens: minting, hashing, and the in-memory table of active ones (token.h). */
#include "samsvar/token.h"

#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RANDOM_BYTES 32

/* One active token: its hash and whom it stands for. */
struct entry {
	unsigned char hash[SV_TOKEN_HASH_LEN];
	struct sv_principal who;
	int used;
};

/* An open-addressing table, built once and then only read. The slot comes from the hash's first
 * bytes: SHA-256 output is uniform, and a client cannot steer its own lookups to one slot faster
 * than by hashing guesses, which only lengthens its own probe. */
struct table {
	size_t cap;               /* a power of two, at least twice the count */
	size_t count;
	struct entry *slots;
};

struct sv_tokens {
	pthread_mutex_t lock;     /* guards `cur`: held to swap it, or to copy one principal out */
	struct table *cur;
};

void sv_token_mint(char *out)
{
	unsigned char raw[RANDOM_BYTES];

	if (sodium_init() < 0)
		SV_BUG("sodium_init failed");
	randombytes_buf(raw, sizeof(raw));
	memcpy(out, SV_TOKEN_PREFIX, 3);
	sodium_bin2base64(out + 3, SV_TOKEN_LEN + 1 - 3, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void sv_token_hash(const char *token, size_t len, unsigned char *out)
{
	crypto_hash_sha256(out, (const unsigned char *)token, len);
}

int sv_token_name_ok(const char *name)
{
	size_t n = 0;

	for (; name && name[n]; n++)
		if (!strchr("._@-", name[n]) && !((name[n] >= '0' && name[n] <= '9') ||
						 ((name[n] | 0x20) >= 'a' && (name[n] | 0x20) <= 'z')))
			return 0;
	return n >= 1 && n < sizeof(((struct sv_principal *)0)->name);
}

static size_t slot_of(const unsigned char *hash, size_t cap)
{
	uint64_t h;

	memcpy(&h, hash, sizeof(h));
	return (size_t)h & (cap - 1);
}

static void table_free(struct table *tb)
{
	if (!tb)
		return;
	free(tb->slots);
	free(tb);
}

static struct table *table_new(size_t want)
{
	struct table *tb = sv_xcalloc(1, sizeof(*tb));

	tb->cap = 16;
	while (tb->cap < 2 * want)
		tb->cap *= 2;
	tb->slots = sv_xcalloc(tb->cap, sizeof(*tb->slots));
	return tb;
}

static void table_put(struct table *tb, const unsigned char *hash, const char *name, enum sv_role role)
{
	size_t i = slot_of(hash, tb->cap);

	if (2 * (tb->count + 1) > tb->cap)
		SV_BUG("token table over half full");
	while (tb->slots[i].used)
		i = (i + 1) & (tb->cap - 1);
	memcpy(tb->slots[i].hash, hash, SV_TOKEN_HASH_LEN);
	snprintf(tb->slots[i].who.name, sizeof(tb->slots[i].who.name), "%s", name);
	tb->slots[i].who.role = role;
	tb->slots[i].used = 1;
	tb->count++;
}

/* Every slot probed is compared in full with sodium_memcmp, so the time taken does not depend on
 * how many leading bytes of a stored hash a guess shares. */
static const struct entry *table_find(const struct table *tb, const unsigned char *hash)
{
	for (size_t i = slot_of(hash, tb->cap); tb->slots[i].used; i = (i + 1) & (tb->cap - 1))
		if (sodium_memcmp(tb->slots[i].hash, hash, SV_TOKEN_HASH_LEN) == 0)
			return &tb->slots[i];
	return NULL;
}

struct sv_tokens *sv_tokens_new(void)
{
	struct sv_tokens *t = sv_xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->lock, NULL);
	t->cur = table_new(0);
	return t;
}

void sv_tokens_free(struct sv_tokens *t)
{
	if (!t)
		return;
	table_free(t->cur);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* The active rows of the store, gathered before the table is sized. */
struct rows {
	struct {
		unsigned char hash[SV_TOKEN_HASH_LEN];
		char name[sizeof(((struct sv_principal *)0)->name)];
		enum sv_role role;
	} *v;
	size_t n, cap;
	struct sv_error *err;
};

static enum sv_err gather(void *ctx, const struct sv_store_token *tok)
{
	struct rows *r = ctx;
	enum sv_role role;

	if (tok->revoked)
		return SV_OK;
	if (sv_role_parse(tok->role, &role, r->err) != SV_OK)   /* the table's CHECK prevents it */
		return sv_fail(r->err, SV_ESTORE, "store: token '%.64s' has an unknown role", tok->name);
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->v = sv_xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	memcpy(r->v[r->n].hash, tok->hash, SV_TOKEN_HASH_LEN);
	snprintf(r->v[r->n].name, sizeof(r->v[r->n].name), "%s", tok->name);
	r->v[r->n].role = role;
	r->n++;
	return SV_OK;
}

enum sv_err sv_tokens_load(struct sv_tokens *t, struct sv_store *st, struct sv_error *err)
{
	struct rows rows = {.err = err};
	struct table *tb = NULL, *old;
	enum sv_err rc;

	if ((rc = sv_store_token_each(st, gather, &rows, err)) != SV_OK)
		goto out;
	tb = table_new(rows.n);
	for (size_t i = 0; i < rows.n; i++)
		if (!table_find(tb, rows.v[i].hash))
			table_put(tb, rows.v[i].hash, rows.v[i].name, rows.v[i].role);
	pthread_mutex_lock(&t->lock);
	old = t->cur;
	t->cur = tb;
	pthread_mutex_unlock(&t->lock);
	tb = old;
	rc = SV_OK;
out:
	table_free(tb);
	if (rows.v)
		sodium_memzero(rows.v, rows.cap * sizeof(*rows.v));
	free(rows.v);
	return rc;
}

size_t sv_tokens_count(struct sv_tokens *t)
{
	size_t n;

	pthread_mutex_lock(&t->lock);
	n = t->cur->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}

enum sv_err sv_tokens_check(struct sv_tokens *t, const char *authorization, struct sv_principal *who,
			    struct sv_error *err)
{
	unsigned char hash[SV_TOKEN_HASH_LEN];
	const struct entry *e = NULL;
	const char *tok = authorization;
	size_t n;

	if (!tok || strlen(tok) > SV_AUTH_HEADER_MAX)
		return sv_fail(err, SV_EUNAUTH, "the Authorization header is longer than %d bytes",
			       SV_AUTH_HEADER_MAX);
	/* RFC 6750: "Bearer" (any case), one or more spaces, the token; trailing spaces are tolerated. */
	if (strncasecmp(tok, "Bearer ", 7) != 0)
		return sv_fail(err, SV_EUNAUTH, "the Authorization header is not 'Bearer <token>'");
	for (tok += 7; *tok == ' '; tok++)
		;
	for (n = strlen(tok); n && tok[n - 1] == ' '; n--)
		;
	if (n == 0)
		return sv_fail(err, SV_EUNAUTH, "the Authorization header has no token after 'Bearer'");
	sv_token_hash(tok, n, hash);
	if (t) {
		pthread_mutex_lock(&t->lock);
		if ((e = table_find(t->cur, hash)) != NULL)
			*who = e->who;
		pthread_mutex_unlock(&t->lock);
	}
	if (!e)
		return sv_fail(err, SV_EUNAUTH, "the bearer token is not valid (unknown or revoked)");
	return SV_OK;
}
