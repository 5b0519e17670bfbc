/* write_check_fuzz.c — libFuzzer target for what the write API checks before it stores a client's
 * resource: the body parsed as sv_http_parse_body does (JSON, or FHIR XML when it starts with '<'), its
 * resourceType forced to each of CodeSystem, ValueSet and ConceptMap in turn, through sv_write_check
 * against the bundled content; and any two bodies that parse through sv_diff_resources.
 *
 * Checks: no crash or sanitizer report; a refusal is an OperationOutcome whose every issue has a code
 * and an expression. Build and run with `make fuzz` (from the repository root, so mappings/ is found). */
#include "samsvar/diff.h"
#include "samsvar/http_body.h"
#include "samsvar/write_check.h"
#include "fuzz_content.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static void check_outcome(const cJSON *oo)
{
	const cJSON *i;
	if (!oo)
		return;
	cJSON_ArrayForEach(i, cJSON_GetObjectItemCaseSensitive(oo, "issue")) {
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(i, "code")) ||
		    !cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(i, "expression"), 0)) {
			fprintf(stderr, "an issue without its code or expression\n");
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {"CodeSystem", "ValueSet", "ConceptMap"};
	struct sv_error err = {0};
	enum sv_format fmt = size && data[0] == '<' ? SV_FMT_XML : SV_FMT_JSON;
	struct sv_body body;
	/* A request body is never changed in place (jsonbody.h): the checks below work on a copy. */
	cJSON *res = cJSON_Duplicate(sv_http_parse_body((const char *)data, size, fmt, 200000, &body, &err), 1);
	struct sv_diff d = {0};

	sv_body_release(&body);
	if (!res || !cJSON_IsObject(res)) {
		cJSON_Delete(res);
		return 0;
	}
	for (int t = 0; t < 3; t++) {
		cJSON *oo;
		cJSON_DeleteItemFromObjectCaseSensitive(res, "resourceType");
		cJSON_AddStringToObject(res, "resourceType", types[t]);
		oo = sv_write_check(fuzz_content(), res);
		check_outcome(oo);
		cJSON_Delete(oo);
	}
	/* The body against itself, and against the bundled map it may resemble. */
	sv_diff_resources(res, res, &d);
	if (d.n) {
		fprintf(stderr, "a resource differs from itself\n");
		abort();
	}
	sv_diff_release(&d);
	if (fuzz_content()->ncm) {
		sv_diff_resources(fuzz_content()->cm[0].resource, res, &d);
		sv_diff_release(&d);
	}
	cJSON_Delete(res);
	return 0;
}
