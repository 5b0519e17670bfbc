/* auth.c — roles and the one comparison of a principal with what a route needs. */
#include "samsvar/auth.h"

#include <string.h>

static const char *const NAMES[] = {"anonymous", "reader", "maintainer", "publisher", "admin"};

const char *sv_auth_actor(const struct sv_principal *who)
{
	return who ? who->name : "anonymous";
}

const char *sv_role_name(enum sv_role role)
{
	return (unsigned)role < sizeof(NAMES) / sizeof(NAMES[0]) ? NAMES[role] : "unknown";
}

enum sv_err sv_role_parse(const char *name, enum sv_role *role, struct sv_error *err)
{
	for (unsigned i = SV_ROLE_READER; name && i < sizeof(NAMES) / sizeof(NAMES[0]); i++)
		if (strcmp(name, NAMES[i]) == 0) {
			*role = (enum sv_role)i;
			return SV_OK;
		}
	return sv_fail(err, SV_EINVAL, "unknown role '%.40s' (reader, maintainer, publisher or admin)",
		       name ? name : "");
}

enum sv_err sv_auth_permits(const struct sv_principal *who, enum sv_role least, struct sv_error *err)
{
	if (least == SV_ROLE_NONE)
		return SV_OK;
	if (!who)
		return sv_fail(err, SV_EUNAUTH, "this needs a bearer token with role %s or higher "
			       "(Authorization: Bearer <token>)", sv_role_name(least));
	if (who->role < least)
		return sv_fail(err, SV_EFORBIDDEN, "token '%.64s' has role %s; this needs %s or higher",
			       who->name, sv_role_name(who->role), sv_role_name(least));
	return SV_OK;
}
