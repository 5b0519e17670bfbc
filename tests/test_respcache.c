/* test_respcache.c — the per-snapshot response cache. */
#include "support/fixtures.h"
#include "samsvar/respcache.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sv_snapshot *snap(void)
{
	return ts_snapshot_of(cJSON_Parse("[{\"resourceType\":\"CodeSystem\",\"url\":\"http://example.org/cs\","
					  "\"version\":\"1\",\"concept\":[{\"code\":\"a\"}]}]"));
}

Test(respcache, put_then_get_returns_a_copy)
{
	struct sv_snapshot *s = snap();
	struct sv_respcache *rc = sv_respcache_of(s, 1024);
	size_t len = 0;
	char *got;

	cr_assert_not_null(rc);
	cr_assert_eq(sv_respcache_of(s, 1024), rc, "one cache per snapshot");
	cr_assert_null(sv_respcache_get(rc, "k", &len, NULL));
	sv_respcache_put(rc, "k", "{\"a\":1}", 7, NULL);
	got = sv_respcache_get(rc, "k", &len, NULL);
	cr_assert_not_null(got);
	cr_assert_eq(len, 7);
	cr_assert_str_eq(got, "{\"a\":1}");
	got[0] = 'X';   /* the caller owns its copy */
	free(got);
	got = sv_respcache_get(rc, "k", &len, NULL);
	cr_assert_str_eq(got, "{\"a\":1}");
	free(got);
	/* The first answer for a key stays. */
	sv_respcache_put(rc, "k", "{\"a\":2}", 7, NULL);
	got = sv_respcache_get(rc, "k", &len, NULL);
	cr_assert_str_eq(got, "{\"a\":1}");
	free(got);
	sv_snapshot_release(s);
}

static int held(struct sv_respcache *rc, const char *key)
{
	size_t len;
	char *got = sv_respcache_get(rc, key, &len, NULL);

	free(got);
	return got != NULL;
}

Test(respcache, an_answer_over_an_eighth_of_the_cache_is_not_kept)
{
	struct sv_snapshot *s = snap();
	struct sv_respcache *rc = sv_respcache_of(s, 8192);
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sv_respcache_put(rc, "small", "12345", 5, NULL);
	sv_respcache_put(rc, "big", big, strlen(big), NULL);
	cr_assert_not(held(rc, "big"), "an answer over an eighth of the cap must not be kept");
	cr_assert(held(rc, "small"), "and it must not have pushed anything out");
	sv_snapshot_release(s);   /* frees the cache with it (checked by ASan/valgrind runs) */
}

Test(respcache, the_bound_holds_and_the_most_recent_answers_stay)
{
	struct sv_snapshot *s = snap();
	struct sv_respcache *rc = sv_respcache_of(s, 16384);
	char body[200], k[32];
	int kept = 0;

	memset(body, 'b', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	for (int i = 0; i < 2000; i++) {
		snprintf(k, sizeof(k), "key-%04d", i);
		sv_respcache_put(rc, k, body, strlen(body), NULL);
	}
	for (int i = 0; i < 2000; i++) {
		snprintf(k, sizeof(k), "key-%04d", i);
		kept += held(rc, k);
	}
	/* Each answer costs at least its key and body, so no more than this many fit. */
	cr_assert_leq(kept * (8 + 199), 16384, "%d answers held: over the bound", kept);
	cr_assert_geq(kept, 16384 / 2 / (8 + 199 + 256), "%d answers held: the cache stopped taking new ones", kept);
	cr_assert(held(rc, "key-1999"), "the newest answer must be held");
	cr_assert_not(held(rc, "key-0000"), "the oldest answer must have been evicted");
	sv_snapshot_release(s);
}

Test(respcache, a_hit_keeps_an_answer_while_unused_ones_go)
{
	struct sv_snapshot *s = snap();
	struct sv_respcache *rc = sv_respcache_of(s, 16384);
	char body[200], k[32];

	memset(body, 'b', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	sv_respcache_put(rc, "popular", "{\"p\":1}", 7, NULL);
	for (int i = 0; i < 2000; i++) {
		snprintf(k, sizeof(k), "crawl-%04d", i);
		sv_respcache_put(rc, k, body, strlen(body), NULL);
		cr_assert(held(rc, "popular"), "an answer asked for between inserts must stay (at %d)", i);
	}
	cr_assert_not(held(rc, "crawl-0000"), "a crawler's unused answers must be evicted");
	sv_snapshot_release(s);
}

/* Readers and writers racing on a cache small enough to evict all the time: every hit must be the
 * answer stored under that key (a torn list or chain would hand out another key's bytes, or crash). */
static void *race(void *arg)
{
	struct sv_respcache *rc = arg;
	uintptr_t wrong = 0;
	char k[32], body[64];
	size_t len;

	for (int i = 0; i < 5000; i++) {
		snprintf(k, sizeof(k), "k%d", (i * 7) % 300);
		snprintf(body, sizeof(body), "answer to %s", k);
		char *got = sv_respcache_get(rc, k, &len, NULL);
		if (got && (len != strlen(body) || strcmp(got, body) != 0))
			wrong++;
		free(got);
		sv_respcache_put(rc, k, body, strlen(body), NULL);
	}
	return (void *)wrong;
}

Test(respcache, concurrent_use_keeps_answers_with_their_keys)
{
	struct sv_snapshot *s = snap();
	struct sv_respcache *rc = sv_respcache_of(s, 8192);
	pthread_t t[4];
	void *wrong;

	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, race, rc), 0);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(pthread_join(t[i], &wrong), 0);
		cr_assert_null(wrong, "thread %d got %zu answers of another key", i, (size_t)(uintptr_t)wrong);
	}
	sv_snapshot_release(s);
}

Test(respcache, each_snapshot_has_its_own)
{
	struct sv_snapshot *a = snap(), *b = snap();
	size_t len;
	sv_respcache_put(sv_respcache_of(a, 1024), "k", "old", 3, NULL);
	cr_assert_null(sv_respcache_get(sv_respcache_of(b, 1024), "k", &len, NULL),
		       "a new snapshot must never answer from the old one's cache");
	sv_snapshot_release(a);
	sv_snapshot_release(b);
}

Test(respcache, minted_offsets_travel_with_the_answer)
{
	struct sv_snapshot *s = snap();
	struct sv_respcache *rc = sv_respcache_of(s, 1 << 20);
	struct sv_resp_fresh in = {12, 70}, out = {-1, -1};
	size_t len;
	char *got;

	sv_respcache_put(rc, "e", "{\"x\":1}", 7, &in);
	got = sv_respcache_get(rc, "e", &len, &out);
	cr_assert_not_null(got);
	cr_assert_eq(out.uuid, 12);
	cr_assert_eq(out.instant, 70);
	free(got);
	sv_respcache_put(rc, "plain", "{}", 2, NULL);
	got = sv_respcache_get(rc, "plain", &len, &out);
	cr_assert_eq(out.uuid, -1, "an answer without minted values has none");
	cr_assert_eq(out.instant, -1);
	free(got);
	sv_snapshot_release(s);
}
