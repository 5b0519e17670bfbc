/* cli_token.c — `samsvar token create | list | revoke` (cli_token.h). */
#include "samsvar/auth.h"
#include "samsvar/cli_token.h"
#include "samsvar/token.h"

#include <sodium.h>
#include <string.h>

enum sv_err sv_cli_token_create(struct sv_store *st, const char *name, const char *role, FILE *out,
				struct sv_error *err)
{
	char token[SV_TOKEN_LEN + 1];
	unsigned char hash[SV_TOKEN_HASH_LEN];
	enum sv_role r;
	enum sv_err rc;

	if (!sv_token_name_ok(name))
		return sv_fail(err, SV_EINVAL, "--name: '%.80s' is not 1 to 63 of A-Z a-z 0-9 . _ @ -",
			       name ? name : "");
	if ((rc = sv_role_parse(role, &r, err)) != SV_OK)
		return rc;
	sv_token_mint(token);
	sv_token_hash(token, strlen(token), hash);
	/* Stored, then shown, in one transaction: if it cannot be shown it is not kept. */
	if ((rc = sv_store_begin(st, err)) != SV_OK)
		goto out;
	if ((rc = sv_store_token_add(st, name, sv_role_name(r), hash, err)) != SV_OK)
		goto out;
	if (fprintf(out, "%s\n", token) < 0 || fflush(out) != 0) {
		rc = sv_fail(err, SV_EIO, "cannot write the token; it was not kept");
		goto out;
	}
	rc = sv_store_commit(st, err);
out:
	if (rc != SV_OK)
		sv_store_rollback(st);
	sodium_memzero(token, sizeof(token));
	return rc;
}

static enum sv_err list_one(void *ctx, const struct sv_store_token *t)
{
	FILE *out = ctx;

	if (fprintf(out, "%-24s %-10s %-24s %s\n", t->name, t->role, t->created, t->revoked ? t->revoked : "-") < 0)
		return SV_EIO;
	return SV_OK;
}

enum sv_err sv_cli_token_list(struct sv_store *st, FILE *out, struct sv_error *err)
{
	enum sv_err rc;

	if (fprintf(out, "%-24s %-10s %-24s %s\n", "NAME", "ROLE", "CREATED", "REVOKED") < 0)
		return sv_fail(err, SV_EIO, "cannot write the list");
	rc = sv_store_token_each(st, list_one, out, err);
	if (rc == SV_EIO)
		return sv_fail(err, SV_EIO, "cannot write the list");
	return rc;
}

enum sv_err sv_cli_token_revoke(struct sv_store *st, const char *name, struct sv_error *err)
{
	return sv_store_token_revoke(st, name ? name : "", err);
}
