/* test_strmap.c — the open-addressing string map behind every snapshot index. */
#include "samsvar/error.h"
#include "samsvar/strmap.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Test(strmap, put_get_and_duplicates)
{
	struct sv_strmap m;
	uint32_t v = 0;

	sv_strmap_init(&m, 0);
	cr_assert_eq(m.cap, 16);
	cr_assert_eq(sv_strmap_put(&m, "b1528", 1), 1);
	cr_assert_eq(sv_strmap_put(&m, "d510", 2), 1);
	cr_assert_eq(sv_strmap_put(&m, "b1528", 99), 0, "second put of a key must report it existed");
	cr_assert(sv_strmap_get(&m, "b1528", &v));
	cr_assert_eq(v, 1, "put must not overwrite");
	cr_assert(sv_strmap_get(&m, "d510", &v));
	cr_assert_eq(v, 2);
	cr_assert_not(sv_strmap_get(&m, "d51", &v));
	cr_assert_not(sv_strmap_get(&m, "", &v));
	cr_assert_eq(m.len, 2);
	sv_strmap_release(&m);
	cr_assert_null(m.keys);
	cr_assert_eq(m.cap, 0);
}

Test(strmap, set_overwrites_keeping_key_pointer)
{
	struct sv_strmap m;
	char k1[] = "J1.1", k2[] = "J1.1";
	uint32_t v;

	sv_strmap_init(&m, 4);
	cr_assert_eq(sv_strmap_set(&m, k1, 7), 1);
	cr_assert_eq(sv_strmap_set(&m, k2, 8), 0);
	cr_assert(sv_strmap_get(&m, "J1.1", &v));
	cr_assert_eq(v, 8);
	for (size_t i = 0; i < m.cap; i++)
		cr_assert(m.keys[i] == NULL || m.keys[i] == k1, "the old key pointer is kept");
	sv_strmap_release(&m);
}

Test(strmap, getn_matches_exact_length_only)
{
	struct sv_strmap m;
	uint32_t v = 0;
	const char *text = "C|urn:oid:1.2.208.176.2.21|20240530";

	sv_strmap_init(&m, 4);
	sv_strmap_put(&m, "C|urn:oid:1.2.208.176.2.21", 5);
	cr_assert(sv_strmap_getn(&m, text, 26, &v));
	cr_assert_eq(v, 5);
	cr_assert_not(sv_strmap_getn(&m, text, 25, &v), "a prefix of a key is not the key");
	cr_assert_not(sv_strmap_getn(&m, text, strlen(text), &v));
	sv_strmap_release(&m);
}

Test(strmap, grows_and_keeps_everything)
{
	enum { N = 20000 };
	struct sv_strmap m;
	char **keys = malloc(N * sizeof(*keys));
	uint32_t v;

	sv_strmap_init(&m, 1);
	for (uint32_t i = 0; i < N; i++) {
		keys[i] = malloc(16);
		snprintf(keys[i], 16, "k%u", i);
		cr_assert_eq(sv_strmap_put(&m, keys[i], i * 3), 1);
		cr_assert_leq((m.len) * 2, m.cap, "load factor stays at most 1/2");
	}
	cr_assert_eq(m.len, N);
	cr_assert_eq(m.cap & (m.cap - 1), 0, "capacity stays a power of two");
	for (uint32_t i = 0; i < N; i++) {
		cr_assert(sv_strmap_get(&m, keys[i], &v), "lost %s", keys[i]);
		cr_assert_eq(v, i * 3);
	}
	cr_assert_not(sv_strmap_get(&m, "k20000", &v));
	sv_strmap_release(&m);
	for (uint32_t i = 0; i < N; i++)
		free(keys[i]);
	free(keys);
}

Test(strmap, zeroed_map_lookups_are_safe)
{
	struct sv_strmap m;
	uint32_t v;

	memset(&m, 0, sizeof(m));
	cr_assert_not(sv_strmap_get(&m, "x", &v));
}

Test(strmap, stablehash_is_fnv1a)
{
	/* FNV-1a 64-bit reference vectors (offset basis for "", and "a"): stored ids depend on them. */
	cr_assert_eq(sv_stablehash("", 0), 0xcbf29ce484222325ULL);
	cr_assert_eq(sv_stablehash("a", 1), 0xaf63dc4c8601ec8cULL);
	cr_assert_eq(sv_stablehash("foobar", 6), 0x85944171f73967e8ULL);
	cr_assert_eq(sv_stablehash("ab", 1), sv_stablehash("a", 1), "only n bytes are hashed");
}

Test(strmap, strhash_is_keyed_and_deterministic_within_the_process)
{
	cr_assert_eq(sv_strhash("foobar", 6), sv_strhash("foobar", 6));
	cr_assert_eq(sv_strhash("ab", 1), sv_strhash("a", 1), "only n bytes are hashed");
	cr_assert_neq(sv_strhash("foobar", 6), sv_stablehash("foobar", 6), "strhash must not be plain FNV-1a");
}

Test(strmap, strhash_key_is_drawn_at_start)
{
	/* An all-zero key (the key never drawn) would be as guessable as no key at all. */
	unsigned char zero[crypto_shorthash_KEYBYTES] = {0}, out[crypto_shorthash_BYTES];
	uint64_t unkeyed;

	crypto_shorthash(out, (const unsigned char *)"foobar", 6, zero);
	memcpy(&unkeyed, out, sizeof(unkeyed));
	cr_assert_neq(sv_strhash("foobar", 6), unkeyed, "the per-process key was never drawn");
}

Test(strmap, a_second_init_keeps_the_key)
{
	uint64_t before = sv_strhash("foobar", 6);

	sv_strhash_init();
	cr_assert_eq(sv_strhash("foobar", 6), before, "maps built before would lose their entries");
}

/* Keys that collide under unkeyed FNV-1a in the low bits a table of 2^k slots uses: the shape of a
 * flooding set computed offline. Keyed, they must spread over many slots. */
Test(strmap, a_flooding_set_for_fnv1a_spreads_under_the_keyed_hash)
{
	enum { SLOTS = 1024, WANT = 256 };
	static char keys[WANT][24];
	int n = 0, used = 0;
	unsigned char hit[SLOTS] = {0};
	uint64_t target = sv_stablehash("seed", 4) & (SLOTS - 1);

	for (unsigned i = 0; n < WANT; i++) {
		char k[24];
		int len = snprintf(k, sizeof(k), "tx-%u", i);
		if ((sv_stablehash(k, (size_t)len) & (SLOTS - 1)) == target)
			memcpy(keys[n++], k, (size_t)len + 1);
	}
	for (int i = 0; i < WANT; i++) {
		size_t slot = sv_strhash(keys[i], strlen(keys[i])) & (SLOTS - 1);
		used += !hit[slot];
		hit[slot] = 1;
	}
	/* 256 keys thrown at random into 1024 slots land in about 227 distinct ones. */
	cr_assert_gt(used, WANT / 2, "the flooding set landed in only %d slots", used);
}

