/* operations_fuzz.c — libFuzzer target for the two engines that read client Parameters in depth:
 * $assess (Parameters or a Bundle of Observations) and $translate, run against the real bundled
 * content (mappings/, loaded once).
 *
 * Checks: no crash or sanitizer report; a refusal always says why; an answer is a resource.
 * Build and run with `make fuzz` (from the repository root, so mappings/ is found). */
#include "samsvar/assess.h"
#include "samsvar/content.h"
#include "samsvar/error.h"
#include "samsvar/snapshot.h"
#include "samsvar/translate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE "https://fhir.samsvar.no"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs once before the first input: the allocation policy and hash key main() sets up. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sv_alloc_init();
	return 0;
}

static struct sv_snapshot *content(void)
{
	static struct sv_snapshot *snap;
	struct sv_snapshot_builder b;
	struct sv_error err = {0};
	cJSON *arr, *it;

	if (snap)
		return snap;
	arr = sv_content_load_dir("mappings", BASE, &err);
	if (!arr) {
		fprintf(stderr, "operations_fuzz: run from the repository root: %s\n", err.message);
		abort();
	}
	sv_builder_init(&b);
	while ((it = cJSON_DetachItemFromArray(arr, 0)) != NULL)
		if (sv_builder_add(&b, it, &err) != SV_OK)
			abort();
	cJSON_Delete(arr);
	snap = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	if (!snap)
		abort();
	return snap;
}

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
	const struct sv_snapshot *snap = content();
	struct sv_assess_opts opts = {.canonical_base = BASE, .relations = NULL};
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
	memset(&err, 0, sizeof(err));
	rc = sv_translate_run(snap, in, NULL, 4, &out, &err);
	check(rc, &err, out, "$translate");
	cJSON_Delete(in);
	return 0;
}
