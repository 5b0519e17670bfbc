/* auth.h — who is asking: roles and the principal a request runs as.
 *
 * The transport resolves a bearer token into a struct sv_principal (token.h, exchange.c)
 * and the routing table names the least role each route needs; sv_auth_permits() is the one place
 * the two are compared. Roles are ordered: each one may do everything the ones below it may. */
#ifndef SAMSVAR_AUTH_H
#define SAMSVAR_AUTH_H

#include "samsvar/error.h"

enum sv_role {
	SV_ROLE_NONE = 0,     /* anonymous: no token given (what a route open to all needs) */
	SV_ROLE_READER,       /* may read when `auth = all` */
	SV_ROLE_MAINTAINER,   /* may create and edit drafts, import */
	SV_ROLE_PUBLISHER,    /* may also publish and roll back */
	SV_ROLE_ADMIN         /* may also manage tokens */
};

/* The identity a request runs as: a token's name and role. */
struct sv_principal {
	char name[64];
	enum sv_role role;
};

/* Returns the name a request's actions are recorded under (audit, logs): the token's name, or
 * "anonymous" when `who` is NULL. */
const char *sv_auth_actor(const struct sv_principal *who);

/* Returns the role's name ("reader", ...; "anonymous" for SV_ROLE_NONE). */
const char *sv_role_name(enum sv_role role);

/* Parses a role name (not "anonymous") into *role; returns SV_OK or SV_EINVAL with err set. */
enum sv_err sv_role_parse(const char *name, enum sv_role *role, struct sv_error *err);

/* Whether `who` (NULL = anonymous) may do what needs `least`: SV_OK; SV_EUNAUTH (401) when `who` is
 * anonymous and `least` is above SV_ROLE_NONE; SV_EFORBIDDEN (403) when its role is too low. The
 * message names the role needed. */
enum sv_err sv_auth_permits(const struct sv_principal *who, enum sv_role least, struct sv_error *err);

#endif
