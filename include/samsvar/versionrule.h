/* versionrule.h — the code system version rules a request may give (system-version,
 * check-system-version, force-system-version, default-valueset-version), shared by the engines that
 * resolve versions ($validate-code in validate.h, $expand in expand.h) and read by request.h. */
#ifndef SAMSVAR_VERSIONRULE_H
#define SAMSVAR_VERSIONRULE_H

/* Most system-version, check-system-version, force-system-version and default-valueset-version
 * parameters one request may give. */
#define SV_VC_MAX_VERSION_RULES 16

/* A code system version rule from the request ("url|version" canonicals): `default` applies when
 * neither the coding nor the value set names a version, `check` is a version (pattern) the version
 * used must match, `force` replaces whatever the coding and the value set name. */
enum sv_vc_rule_kind { SV_VC_DEFAULT_VERSION, SV_VC_CHECK_VERSION, SV_VC_FORCE_VERSION,
		       SV_VC_VALUESET_VERSION /* default-valueset-version: for a value set imported without one */ };
struct sv_vc_version_rule {
	enum sv_vc_rule_kind kind;
	const char *system, *version;   /* borrowed */
};

#endif
