/* icf_rule.c — which ICF codes take which qualifier, see icf_rule.h. */
#include "samsvar/icf_rule.h"

#include <string.h>

int sv_icf_is_category(const char *code)
{
	size_t digits = 0;

	if (!code || !code[0] || !strchr("bdes", code[0]))
		return 0;
	for (const char *p = code + 1; *p; p++, digits++)
		if (*p < '0' || *p > '9')
			return 0;
	return digits >= 3;
}

int sv_icf_kind_known(const char *kind)
{
	return kind && (strcmp(kind, "impairment") == 0 || strcmp(kind, "performance") == 0 ||
			strcmp(kind, "capacity") == 0);
}

int sv_icf_kind_fits(const char *kind, const char *code)
{
	if (!sv_icf_kind_known(kind) || !sv_icf_is_category(code))
		return 0;
	if (strcmp(kind, "impairment") == 0)
		return code[0] == 'b' || code[0] == 's';
	return code[0] == 'd';
}
