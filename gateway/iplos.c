/* iplos.c — IPLOS constants and the one way $assess and the batch ask the translate engine. */
#include "samsvar/iplos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sv_iplos_scores[SV_IPLOS_NSCORES] = {"1", "2", "3", "4", "5", "9"};

int sv_iplos_score_index(const char *s, size_t n)
{
	if (n != 1)
		return -1;
	for (int i = 0; i < SV_IPLOS_NSCORES; i++)
		if (sv_iplos_scores[i][0] == s[0])
			return i;
	return -1;
}

char *sv_iplos_url(const char *base, const char *path)
{
	size_t n = strlen(base) + strlen(path) + 1;
	char *s = sv_xmalloc(n);
	snprintf(s, n, "%s%s", base, path);
	return s;
}

enum sv_err sv_iplos_ask(const struct sv_snapshot *snap, const struct sv_iplos_query *q, struct sv_tx_result *out,
			 struct sv_error *err)
{
	struct sv_tx_dep dep = {q->score_system, q->score_system, q->score};
	struct sv_tx_request req = {
		.system = q->system, .code = q->code, .map_url = q->map_url, .map_version = q->map_version,
		.target_system = q->target, .deps = &dep, .ndeps = q->score ? 1 : 0,
	};
	enum sv_err rc = sv_translate(snap, &req, out, err);

	if (rc == SV_ENOTFOUND && q->map_url && !q->map_version) {
		sv_error_clear(err);
		rc = SV_OK;
	}
	return rc;
}
