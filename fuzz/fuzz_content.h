/* fuzz_content.h — the bundled content (mappings/) as a snapshot, built once per fuzzing process,
 * for the targets that drive the engines or the whole request path. Run from the repository root. */
#ifndef SAMSVAR_FUZZ_CONTENT_H
#define SAMSVAR_FUZZ_CONTENT_H

#include "samsvar/content.h"
#include "samsvar/error.h"
#include "samsvar/snapshot.h"

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_BASE "https://fhir.samsvar.no"

/* Returns the snapshot of mappings/ (built on the first call; aborts when it cannot be). */
static struct sv_snapshot *fuzz_content(void)
{
	static struct sv_snapshot *snap;
	struct sv_snapshot_builder b;
	struct sv_error err = {0};
	cJSON *arr, *it;

	if (snap)
		return snap;
	arr = sv_content_load_dir("mappings", FUZZ_BASE, &err);
	if (!arr) {
		fprintf(stderr, "fuzz: run from the repository root: %s\n", err.message);
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

#endif
