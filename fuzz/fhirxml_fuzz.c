/* fhirxml_fuzz.c — libFuzzer target for the FHIR XML reader (sv_fhirxml_to_json).
 *
 * Besides memory safety it checks one invariant: whatever XML the reader accepts, the writer can
 * write back, and reading that again gives the same JSON (so the two directions agree).
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/fhirxml/); replay one input with
 * build-fuzz/fhirxml_fuzz FILE. */
#include "samsvar/error.h"
#include "samsvar/fhirxml.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_error err = {0};
	cJSON *json, *again = NULL;
	char *xml = NULL;

	sv_fhirxml_init();
	json = sv_fhirxml_to_json((const char *)data, size, &err);
	if (!json) {
		if (err.code == SV_OK || !err.message[0])
			abort(); /* a failure must always say why */
		return 0;
	}
	xml = sv_fhirxml_from_json(json, &err);
	if (!xml) {
		fprintf(stderr, "accepted XML could not be written back: %s\n", err.message);
		abort();
	}
	again = sv_fhirxml_to_json(xml, strlen(xml), &err);
	if (!again || !cJSON_Compare(json, again, 1)) {
		fprintf(stderr, "round trip differs (%s)\n%s\n", again ? "" : err.message, xml);
		abort();
	}
	cJSON_Delete(again);
	free(xml);
	cJSON_Delete(json);
	return 0;
}
