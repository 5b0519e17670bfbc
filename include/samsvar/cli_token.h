/* cli_token.h — `samsvar token create | list | revoke`: the bearer tokens of the store (token.h). */
#ifndef SAMSVAR_CLI_TOKEN_H
#define SAMSVAR_CLI_TOKEN_H

#include <stdio.h>
#include "samsvar/error.h"
#include "samsvar/store.h"

/* Mints a token named `name` with role `role` (reader, maintainer, publisher, admin), stores its
 * hash, and writes the token and a newline to `out`: the only time it is ever shown. Returns SV_OK,
 * SV_EINVAL (bad name or role), SV_ECONFLICT (an active token has that name), SV_EIO (writing
 * failed: nothing is kept) or SV_ESTORE; err set. */
enum sv_err sv_cli_token_create(struct sv_store *st, const char *name, const char *role, FILE *out,
				struct sv_error *err);

/* Writes one line per token to `out`, oldest first: name, role, created, revoked ("-" while active),
 * under a heading line. The tokens themselves are not known and never shown. */
enum sv_err sv_cli_token_list(struct sv_store *st, FILE *out, struct sv_error *err);

/* Revokes the active token named `name`; a running server refuses it within a second. Returns SV_OK,
 * SV_ENOTFOUND or SV_ESTORE; err set. */
enum sv_err sv_cli_token_revoke(struct sv_store *st, const char *name, struct sv_error *err);

#endif
