/* test_respcache.c — the per-snapshot response cache. */
#include "support/fixtures.h"
#include "samsvar/respcache.h"

#include <criterion/criterion.h>
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
	cr_assert_null(sv_respcache_get(rc, "k", &len));
	sv_respcache_put(rc, "k", "{\"a\":1}", 7);
	got = sv_respcache_get(rc, "k", &len);
	cr_assert_not_null(got);
	cr_assert_eq(len, 7);
	cr_assert_str_eq(got, "{\"a\":1}");
	got[0] = 'X';   /* the caller owns its copy */
	free(got);
	got = sv_respcache_get(rc, "k", &len);
	cr_assert_str_eq(got, "{\"a\":1}");
	free(got);
	/* The first answer for a key stays. */
	sv_respcache_put(rc, "k", "{\"a\":2}", 7);
	got = sv_respcache_get(rc, "k", &len);
	cr_assert_str_eq(got, "{\"a\":1}");
	free(got);
	sv_snapshot_release(s);
}

Test(respcache, a_full_cache_keeps_what_it_has)
{
	struct sv_snapshot *s = snap();
	struct sv_respcache *rc = sv_respcache_of(s, 64);
	char big[100];
	size_t len;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sv_respcache_put(rc, "small", "12345", 5);
	sv_respcache_put(rc, "big", big, strlen(big));
	cr_assert_null(sv_respcache_get(rc, "big", &len), "an answer over the cap must not be kept");
	free(sv_respcache_get(rc, "small", &len));
	for (int i = 0; i < 100; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		sv_respcache_put(rc, k, "abcdefgh", 8);
	}
	cr_assert_null(sv_respcache_get(rc, "k99", &len), "the cap must hold");
	sv_snapshot_release(s);   /* frees the cache with it (checked by ASan/valgrind runs) */
}

Test(respcache, each_snapshot_has_its_own)
{
	struct sv_snapshot *a = snap(), *b = snap();
	size_t len;
	sv_respcache_put(sv_respcache_of(a, 1024), "k", "old", 3);
	cr_assert_null(sv_respcache_get(sv_respcache_of(b, 1024), "k", &len),
		       "a new snapshot must never answer from the old one's cache");
	sv_snapshot_release(a);
	sv_snapshot_release(b);
}
