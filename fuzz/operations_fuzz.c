/* operations_fuzz.c — libFuzzer target for the two engines that read client Parameters in depth:
 * $assess (Parameters or a Bundle of Observations) and $translate (through op_conceptmap.c), run against the real bundled
 * content (mappings/, loaded once).
 *
 * Checks: no crash or sanitizer report; a refusal always says why; an answer is a resource.
 * Build and run with `make fuzz` (from the repository root, so mappings/ is found). */
#include "samsvar/assess.h"
#include "samsvar/fhirapi.h"
#include "fuzz_content.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(enum sv_err rc, const struct sv_error *err, cJSON *out, const char *what)
{
	if (rc != SV_OK && (!err->message[0] || out)) {
		fprintf(stderr, "%s refused (%d) without saying why, or with an answer\n", what, rc);
		abort();
	}
	if (rc == SV_OK && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(out, "resourceType"))) {
		fprintf(stderr, "%s answered something that is not a resource\n", what);
		abort();
	}
	cJSON_Delete(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_snapshot *snap = fuzz_content();
	struct sv_config cfg;
	struct sv_request req;
	int status = 200;
	struct sv_assess_opts opts = {.canonical_base = FUZZ_BASE, .relations = NULL};
	struct sv_error err = {0};
	cJSON *in = cJSON_ParseWithLength((const char *)data, size), *out = NULL;
	enum sv_err rc;

	if (!cJSON_IsObject(in)) {
		cJSON_Delete(in);
		return 0;
	}
	rc = sv_assess_run(snap, in, &opts, &out, &err);
	check(rc, &err, out, "$assess");
	out = NULL;
	/* $translate through its FHIR edge, as the HTTP layer calls it. */
	sv_config_defaults(&cfg);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.type = "ConceptMap";
	req.operation = "translate";
	req.params = in;
	req.body = in;
	req.snap = snap;
	req.cfg = &cfg;
	req.fhir_version = 4;
	rc = sv_op_cm_translate(&req, &out, &status);
	check(rc, &req.err, out, "$translate");
	cJSON_Delete(in);
	return 0;
}
