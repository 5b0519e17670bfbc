/* ecl_fuzz.c — libFuzzer target for ECL: sv_ecl_parse on the input (NUL-terminated), and when it
 * parses, sv_ecl_eval and sv_ecl_matches over a small code system with a hierarchy (two parents for
 * one concept), an attribute and a refset, built once. Codes are the RF2 fixture's
 * (tests/fixtures/rf2/README.md), the refset its made-up one (tests/support/rf2ecl.h).
 *
 * Checks: no crash or sanitizer report; a refusal always says why; an evaluated set is sorted without
 * duplicates; matching each concept alone agrees with the evaluated set.
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/ecl/); replay one input with
 * build-fuzz/ecl_fuzz FILE. */
#define SV_FUZZ_OWN_INIT
#include "samsvar/ecl.h"
#include "samsvar/error.h"
#include "samsvar/snapshot.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sv_snapshot *snap;
static const struct sv_codesystem *cs;

static const char codesystem[] =
	"{\"resourceType\":\"CodeSystem\",\"url\":\"http://snomed.info/sct\",\"version\":\"fuzz\","
	"\"status\":\"active\",\"content\":\"complete\",\"concept\":["
	"{\"code\":\"64572001\"},"
	"{\"code\":\"7393007\",\"property\":[{\"code\":\"parent\",\"valueCode\":\"64572001\"}]},"
	"{\"code\":\"36971009\",\"property\":[{\"code\":\"parent\",\"valueCode\":\"7393007\"},"
	"{\"code\":\"363698007\",\"valueCode\":\"2095001\"},{\"code\":\"memberOf\",\"valueCode\":\"19999999103\"}]},"
	"{\"code\":\"40055000\",\"property\":[{\"code\":\"parent\",\"valueCode\":\"36971009\"}]},"
	"{\"code\":\"195790000\",\"property\":[{\"code\":\"parent\",\"valueCode\":\"36971009\"}]},"
	"{\"code\":\"88850006\",\"property\":[{\"code\":\"parent\",\"valueCode\":\"40055000\"},"
	"{\"code\":\"parent\",\"valueCode\":\"195790000\"}]},"
	"{\"code\":\"32398004\",\"property\":[{\"code\":\"parent\",\"valueCode\":\"64572001\"},"
	"{\"code\":\"memberOf\",\"valueCode\":\"19999999103\"}]},"
	"{\"code\":\"2095001\"},{\"code\":\"19999999103\"}]}";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sv_snapshot_builder b;
	struct sv_error err = {0};

	(void)argc;
	(void)argv;
	sv_alloc_init();
	sv_builder_init(&b);
	if (sv_builder_add(&b, cJSON_Parse(codesystem), &err) != SV_OK || !(snap = sv_builder_build(&b, &err))) {
		fprintf(stderr, "ecl_fuzz: %s\n", err.message);
		abort();
	}
	sv_builder_release(&b);
	cs = sv_snapshot_codesystem(snap, "http://snomed.info/sct", NULL);
	return 0;
}

static void must_say_why(enum sv_err rc, const struct sv_error *err, const char *what)
{
	if (rc != SV_OK && (err->code != rc || !err->message[0])) {
		fprintf(stderr, "%s failed (%d) without saying why\n", what, rc);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sv_ecl e;
	struct sv_ecl_set set = {0};
	struct sv_error err = {0};
	char *text = malloc(size + 1);
	enum sv_err rc;

	memcpy(text, data, size);
	text[size] = '\0';
	rc = sv_ecl_parse(text, &e, &err);
	must_say_why(rc, &err, "sv_ecl_parse");
	if (rc == SV_OK) {
		rc = sv_ecl_eval(snap, cs, &e, 1000, &set, &err);
		must_say_why(rc, &err, "sv_ecl_eval");
		for (size_t i = 1; rc == SV_OK && i < set.n; i++)
			if (set.v[i - 1] >= set.v[i])
				abort();
		for (uint32_t i = 0; rc == SV_OK && i < cs->nconcepts; i++) {
			int m = -1, in = 0;
			enum sv_err mrc = sv_ecl_matches(snap, cs, &e, i, 1000, &m, &err);
			must_say_why(mrc, &err, "sv_ecl_matches");
			for (size_t j = 0; j < set.n; j++)
				in |= set.v[j] == i;
			if (mrc == SV_OK && m != in) {
				fprintf(stderr, "'%s': matches %d, evaluation %d for %s\n", text, m, in, cs->concepts[i].code);
				abort();
			}
		}
		sv_ecl_set_release(&set);
	}
	free(text);
	return 0;
}
