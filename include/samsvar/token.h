/* token.h — bearer tokens: minting, hashing, and the table the request path checks them against.
 *
 * A token is "sv_" and 43 base64url characters: 32 bytes from libsodium's randombytes_buf(). Only
 * its SHA-256 (libsodium's crypto_hash_sha256) is stored. A token carries 256 random bits, so a fast
 * unsalted hash is enough: nobody can guess one to test against a stolen hash, and no password-style
 * stretching is needed. The server keeps the hashes of the active tokens in a struct sv_tokens,
 * built anew from the store whenever the store changes (sv_tokens_load()); checking a request costs
 * one SHA-256 and one probe of a hash table whose entries are compared in constant time
 * (sodium_memcmp), never an SQL query. */
#ifndef SAMSVAR_TOKEN_H
#define SAMSVAR_TOKEN_H

#include <stddef.h>
#include "samsvar/auth.h"
#include "samsvar/error.h"
#include "samsvar/store.h"

#define SV_TOKEN_PREFIX "sv_"
#define SV_TOKEN_LEN 46               /* "sv_" and 43 base64url characters */
#define SV_TOKEN_HASH_LEN SV_STORE_TOKEN_HASH_LEN
#define SV_AUTH_HEADER_MAX 256        /* longest Authorization value looked at; longer is refused */

/* Writes a new random token and its NUL into out[SV_TOKEN_LEN + 1]. */
void sv_token_mint(char *out);

/* Writes the SHA-256 of the `len` bytes of `token` into out[SV_TOKEN_HASH_LEN]. */
void sv_token_hash(const char *token, size_t len, unsigned char *out);

/* Returns 1 when `name` may name a token: 1 to 63 of A-Z a-z 0-9 . _ @ - (it is the actor of audit
 * records and is shown in logs, so nothing that needs quoting). */
int sv_token_name_ok(const char *name);

/* The active tokens a server accepts; safe to use from any thread. */
struct sv_tokens;

/* Returns a new, empty set (every token is refused until sv_tokens_load()); free with sv_tokens_free(). */
struct sv_tokens *sv_tokens_new(void);

/* Frees the set; NULL is allowed. */
void sv_tokens_free(struct sv_tokens *t);

/* Replaces the tokens of `t` with the active ones in the store; on error `t` keeps what it had.
 * Returns SV_OK, or SV_ESTORE with err set. */
enum sv_err sv_tokens_load(struct sv_tokens *t, struct sv_store *st, struct sv_error *err);

/* Returns how many tokens `t` accepts. */
size_t sv_tokens_count(struct sv_tokens *t);

/* Resolves an Authorization header value ("Bearer <token>", the scheme in any case) into *who.
 * Returns SV_OK with *who set when the token is active; SV_EUNAUTH with err set for anything else:
 * another scheme, a value longer than SV_AUTH_HEADER_MAX, an unknown or revoked token. `t` may be
 * NULL (no token is known). */
enum sv_err sv_tokens_check(struct sv_tokens *t, const char *authorization, struct sv_principal *who,
			    struct sv_error *err);

#endif
