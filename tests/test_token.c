/* test_token.c — tokens: minting, hashing, names, the store's token table, the in-memory set the
 * server checks requests against, and the CLI functions behind `samsvar token`. */
#include "samsvar/cli_token.h"
#include "samsvar/store.h"
#include "samsvar/token.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dbpath[64];
static struct sv_store *st;

static void setup(void)
{
	st = ts_temp_store(dbpath);
}

static void teardown(void)
{
	sv_store_close(st);
	ts_remove_store(dbpath);
}

TestSuite(token, .init = setup, .fini = teardown);

/* Stores a new token named `name` with `role` and returns it in buf[SV_TOKEN_LEN + 1]. */
static void add(const char *name, const char *role, char *buf)
{
	unsigned char hash[SV_TOKEN_HASH_LEN];
	struct sv_error err;

	sv_token_mint(buf);
	sv_token_hash(buf, strlen(buf), hash);
	cr_assert_eq(sv_store_token_add(st, name, role, hash, &err), SV_OK, "%s", err.message);
}

static enum sv_err check(struct sv_tokens *t, const char *header, struct sv_principal *who)
{
	struct sv_error err;
	enum sv_err rc = sv_tokens_check(t, header, who, &err);
	if (rc != SV_OK)
		cr_assert_eq(rc, SV_EUNAUTH, "%s", err.message);
	return rc;
}

static void bearer(char *buf, size_t cap, const char *token)
{
	snprintf(buf, cap, "Bearer %.*s", SV_TOKEN_LEN, token);
}

Test(token, minted_tokens_have_the_format_and_differ)
{
	char a[SV_TOKEN_LEN + 1], b[SV_TOKEN_LEN + 1];

	sv_token_mint(a);
	sv_token_mint(b);
	cr_assert_eq(strlen(a), SV_TOKEN_LEN);
	cr_assert_eq(strncmp(a, "sv_", 3), 0);
	cr_assert_eq(strspn(a + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
		     SV_TOKEN_LEN - 3, "%s is not base64url", a);
	cr_assert_str_neq(a, b);
}

Test(token, hash_is_sha256)
{
	static const unsigned char abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	unsigned char h[SV_TOKEN_HASH_LEN];

	sv_token_hash("abc", 3, h);
	cr_assert_eq(memcmp(h, abc, sizeof(abc)), 0);
}

Test(token, names)
{
	char long_name[80];

	cr_assert(sv_token_name_ok("kari.nordmann@kommune-1_x"));
	cr_assert(!sv_token_name_ok(""));
	cr_assert(!sv_token_name_ok(NULL));
	cr_assert(!sv_token_name_ok("kari nordmann"));
	cr_assert(!sv_token_name_ok("kari\n"));
	cr_assert(!sv_token_name_ok("k\xc3\xa5re"));
	memset(long_name, 'a', 63);
	long_name[63] = '\0';
	cr_assert(sv_token_name_ok(long_name));
	long_name[63] = 'a';
	long_name[64] = '\0';
	cr_assert(!sv_token_name_ok(long_name));
}

Test(token, store_add_revoke_reuse)
{
	unsigned char hash[SV_TOKEN_HASH_LEN] = {1};
	char tok[SV_TOKEN_LEN + 1];
	struct sv_error err;

	add("kari", "maintainer", tok);
	sv_token_hash(tok, strlen(tok), hash);
	cr_assert_eq(sv_store_token_add(st, "ola", "reader", hash, &err), SV_ECONFLICT, "the same hash twice");
	hash[0] ^= 1;
	cr_assert_eq(sv_store_token_add(st, "kari", "reader", hash, &err), SV_ECONFLICT);
	cr_assert(strstr(err.message, "kari"), "%s", err.message);
	cr_assert_eq(sv_store_token_add(st, "ola", "superuser", hash, &err), SV_EINVAL);
	cr_assert_eq(sv_store_token_revoke(st, "nobody", &err), SV_ENOTFOUND);
	cr_assert_eq(sv_store_token_revoke(st, "kari", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_token_revoke(st, "kari", &err), SV_ENOTFOUND, "revoked twice");
	/* A revoked name may be given again (a new token for the same person). */
	cr_assert_eq(sv_store_token_add(st, "kari", "publisher", hash, &err), SV_OK, "%s", err.message);
}

Test(token, set_accepts_active_tokens_only)
{
	char kari[SV_TOKEN_LEN + 1], ola[SV_TOKEN_LEN + 1], h[300];
	struct sv_tokens *t = sv_tokens_new();
	struct sv_principal who;
	struct sv_error err;

	add("kari", "publisher", kari);
	add("ola", "reader", ola);
	bearer(h, sizeof(h), kari);
	cr_assert_eq(check(t, h, &who), SV_EUNAUTH, "an empty set accepts nothing");
	cr_assert_eq(sv_tokens_load(t, st, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_tokens_count(t), 2);
	cr_assert_eq(check(t, h, &who), SV_OK);
	cr_assert_str_eq(who.name, "kari");
	cr_assert_eq(who.role, SV_ROLE_PUBLISHER);
	cr_assert_str_eq(sv_auth_actor(&who), "kari");
	cr_assert_str_eq(sv_auth_actor(NULL), "anonymous");
	cr_assert_eq(sv_store_token_revoke(st, "kari", &err), SV_OK);
	cr_assert_eq(check(t, h, &who), SV_OK, "the set changes only when loaded");
	cr_assert_eq(sv_tokens_load(t, st, &err), SV_OK);
	cr_assert_eq(sv_tokens_count(t), 1);
	cr_assert_eq(check(t, h, &who), SV_EUNAUTH, "a revoked token still works");
	bearer(h, sizeof(h), ola);
	cr_assert_eq(check(t, h, &who), SV_OK);
	cr_assert_eq(who.role, SV_ROLE_READER);
	sv_tokens_free(t);
	sv_tokens_free(NULL);
}

Test(token, header_forms)
{
	char tok[SV_TOKEN_LEN + 1], h[600];
	struct sv_tokens *t = sv_tokens_new();
	struct sv_principal who;
	struct sv_error err;

	add("kari", "admin", tok);
	cr_assert_eq(sv_tokens_load(t, st, &err), SV_OK);
	snprintf(h, sizeof(h), "bearer   %s  ", tok);
	cr_assert_eq(check(t, h, &who), SV_OK, "the scheme is case-insensitive, spaces are tolerated");
	snprintf(h, sizeof(h), "Basic %s", tok);
	cr_assert_eq(check(t, h, &who), SV_EUNAUTH);
	cr_assert_eq(check(t, "Bearer", &who), SV_EUNAUTH);
	cr_assert_eq(check(t, "Bearer    ", &who), SV_EUNAUTH);
	snprintf(h, sizeof(h), "Bearer %sx", tok);
	cr_assert_eq(check(t, h, &who), SV_EUNAUTH, "a token with a byte more");
	snprintf(h, sizeof(h), "Bearer %.*s", SV_TOKEN_LEN - 1, tok);
	cr_assert_eq(check(t, h, &who), SV_EUNAUTH, "a token with a byte less");
	/* The cap on what is looked at: a long value is refused before it is hashed. */
	snprintf(h, sizeof(h), "Bearer %s%0*d", tok, SV_AUTH_HEADER_MAX, 0);
	cr_assert_eq(sv_tokens_check(t, h, &who, &err), SV_EUNAUTH);
	cr_assert(strstr(err.message, "longer than"), "%s", err.message);
	snprintf(h, sizeof(h), "Bearer %s", tok);
	cr_assert_eq(check(NULL, h, &who), SV_EUNAUTH, "no set: no token is known");
	sv_tokens_free(t);
}

Test(token, set_grows_past_its_first_size)
{
	char toks[40][SV_TOKEN_LEN + 1], name[16], h[300];
	struct sv_tokens *t = sv_tokens_new();
	struct sv_principal who;
	struct sv_error err;

	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		add(name, i % 2 ? "reader" : "maintainer", toks[i]);
	}
	cr_assert_eq(sv_tokens_load(t, st, &err), SV_OK);
	cr_assert_eq(sv_tokens_count(t), 40);
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		bearer(h, sizeof(h), toks[i]);
		cr_assert_eq(check(t, h, &who), SV_OK);
		cr_assert_str_eq(who.name, name);
		cr_assert_eq(who.role, i % 2 ? SV_ROLE_READER : SV_ROLE_MAINTAINER);
	}
	sv_tokens_free(t);
}

Test(token, cli_create_list_revoke)
{
	char *buf = NULL, tok[SV_TOKEN_LEN + 2], h[300];
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct sv_tokens *t = sv_tokens_new();
	struct sv_principal who;
	struct sv_error err;

	cr_assert_eq(sv_cli_token_create(st, "kari", "maintainer", out, &err), SV_OK, "%s", err.message);
	fclose(out);
	cr_assert_eq(len, SV_TOKEN_LEN + 1, "'%s'", buf);
	memcpy(tok, buf, SV_TOKEN_LEN);
	tok[SV_TOKEN_LEN] = '\0';
	free(buf);
	cr_assert_eq(sv_tokens_load(t, st, &err), SV_OK);
	bearer(h, sizeof(h), tok);
	cr_assert_eq(check(t, h, &who), SV_OK, "the printed token is the stored one");
	cr_assert_eq(who.role, SV_ROLE_MAINTAINER);

	cr_assert_eq(sv_cli_token_create(st, "kari", "reader", stdout, &err), SV_ECONFLICT);
	cr_assert_eq(sv_cli_token_create(st, "ka ri", "reader", stdout, &err), SV_EINVAL);
	cr_assert_eq(sv_cli_token_create(st, "ola", "root", stdout, &err), SV_EINVAL);
	cr_assert_eq(sv_cli_token_revoke(st, "kari", &err), SV_OK);
	cr_assert_eq(sv_cli_token_revoke(st, NULL, &err), SV_ENOTFOUND);

	out = open_memstream(&buf, &len);
	cr_assert_eq(sv_cli_token_list(st, out, &err), SV_OK, "%s", err.message);
	fclose(out);
	cr_assert(strstr(buf, "NAME") && strstr(buf, "kari") && strstr(buf, "maintainer"), "%s", buf);
	cr_assert(!strstr(buf, tok), "the list shows a token");
	cr_assert(!strstr(buf, " -\n"), "the revoked token is listed as active: %s", buf);
	free(buf);
	sv_tokens_free(t);
}

Test(token, cli_create_keeps_nothing_it_cannot_show)
{
	FILE *ro = fopen("/dev/null", "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	struct sv_error err;

	cr_assert_not_null(ro);
	cr_assert_eq(sv_cli_token_create(st, "kari", "reader", ro, &err), SV_EIO);
	fclose(ro);
	out = open_memstream(&buf, &len);
	cr_assert_eq(sv_cli_token_list(st, out, &err), SV_OK);
	fclose(out);
	cr_assert(!strstr(buf, "kari"), "a token nobody saw was kept: %s", buf);
	free(buf);
	cr_assert_eq(sv_cli_token_list(st, ro = fopen("/dev/null", "r"), &err), SV_EIO);
	fclose(ro);
}

/* Writes a row the store's own functions would refuse, behind their back, then checks that a
 * reload fails with a message holding `want` and leaves the tokens already in force working. */
static void expect_reload_refused(const char *sql, const char *want)
{
	char tok[SV_TOKEN_LEN + 1], h[300];
	struct sv_tokens *t = sv_tokens_new();
	struct sv_principal who;
	struct sv_error err;
	sqlite3 *db;

	add("kari", "reader", tok);
	cr_assert_eq(sv_tokens_load(t, st, &err), SV_OK);
	cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	cr_assert_eq(sv_tokens_load(t, st, &err), SV_ESTORE);
	cr_assert(strstr(err.message, want), "'%s' lacks '%s'", err.message, want);
	bearer(h, sizeof(h), tok);
	cr_assert_eq(check(t, h, &who), SV_OK, "a failed reload dropped the tokens in force");
	sv_tokens_free(t);
}

Test(token, a_damaged_row_keeps_the_tokens_in_force)
{
	expect_reload_refused("INSERT INTO token(name,role,hash,created) VALUES('bad','reader',x'00','now')", "damaged");
}

Test(token, a_row_with_an_unknown_role_keeps_the_tokens_in_force)
{
	/* The table's CHECK refuses such a row; a store written by other means could still hold one. */
	expect_reload_refused("PRAGMA ignore_check_constraints=ON;"
			      "INSERT INTO token(name,role,hash,created) VALUES('root','god',zeroblob(32),'now')",
			      "unknown role");
}
