/* cli_translate.c — `samsvar translate` for one code: the engine's answer rendered as $translate's. */
#include "samsvar/cli_translate.h"
#include "samsvar/op_conceptmap.h"

#include <stdlib.h>
#include <string.h>

enum sv_err sv_translate_cli(const struct sv_snapshot *snap, const char *system, const char *code,
			     const char *target, const char *dependency, int reverse, int fhir_version, FILE *out,
			     struct sv_error *err)
{
	struct sv_tx_request req = {.system = system, .code = code, .target_system = target, .reverse = reverse};
	const char *bar = dependency ? strrchr(dependency, '|') : NULL;
	char *dep_system = NULL;
	struct sv_tx_dep dep = {0};
	struct sv_tx_result res = {0};
	cJSON *answer = NULL;
	char *text = NULL;
	enum sv_err rc;

	if (!code || !*code)
		return sv_fail_at(err, SV_EINVAL, "code", "code must be a non-empty code");
	if (!system)
		return sv_fail_at(err, SV_EREQUIRED, "system", "code needs system");
	if (dependency && (!bar || bar == dependency || !bar[1]))
		return sv_fail_at(err, SV_EINVAL, "dependency", "--dependency must be SYSTEM|CODE, not '%s'", dependency);
	if (bar) {
		/* the dependency's system is also its attribute, as $translate's element */
		dep_system = sv_xstrndup(dependency, (size_t)(bar - dependency));
		dep = (struct sv_tx_dep){dep_system, dep_system, bar + 1};
		req.deps = &dep;
		req.ndeps = 1;
	}
	rc = sv_translate(snap, &req, &res, err);
	if (rc != SV_OK)
		goto out;
	answer = sv_translate_answer(&res, fhir_version);
	text = cJSON_Print(answer);
	if (fprintf(out, "%s\n", text) < 0)
		rc = sv_fail(err, SV_EIO, "writing the answer failed");
out:
	free(dep_system);
	free(text);
	cJSON_Delete(answer);
	sv_tx_result_release(&res);
	return rc;
}
