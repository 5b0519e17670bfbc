/* rules_fuzz.c — libFuzzer target for the criteria and case-mix parsers (criteria.h, casemix.h) and
 * what $assess does with an accepted file (evaluation, case-mix application, Library round trip).
 *
 * Besides memory safety it checks the parsers' promises: a rejected text always names "fuzz.tsv:<line>:";
 * an accepted criteria file has rules whose conditions are in bounds (variables 1-20, scores 1-5,
 * at least N of no more than N variables, required rules earlier in the file), and evaluating it on
 * a score vector derived from the input never marks a rule both matched and close; an accepted case-mix
 * table gives every combination hours in 0-168, and applying it gives a group inside the table.
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/rules/); replay one input with
 * build-fuzz/rules_fuzz FILE. */
#include "samsvar/casemix.h"
#include "samsvar/criteria.h"
#include "samsvar/library.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char *what)
{
	fprintf(stderr, "rules_fuzz: %s\n", what);
	abort();
}

static void check_error(const struct sv_error *err)
{
	if (strncmp(err->message, "fuzz.tsv:", 9) != 0)
		fail("an error that does not name fuzz.tsv:<line>");
}

static void scores_of(const uint8_t *data, size_t size, unsigned char s[21])
{
	static const unsigned char VALUES[] = {0, 1, 2, 3, 4, 5, 9};
	for (int v = 1; v <= 20; v++)
		s[v] = VALUES[(size ? data[(size_t)v * 7919 % size] : 0) % 7];
}

static void criteria(const uint8_t *data, size_t size)
{
	struct sv_error err = {0};
	struct sv_criteria *c = NULL;
	struct sv_crit_result res[SV_CRIT_MAX_RULES];
	unsigned char s[21];

	if (sv_criteria_parse("fuzz.tsv", (const char *)data, size, &c, &err) != SV_OK) {
		check_error(&err);
		if (c)
			fail("a rejected file returned rules");
		return;
	}
	for (int i = 0; i < c->nrules; i++) {
		const struct sv_crit_rule *r = &c->rules[i];
		for (int k = 0; k < r->nconds; k++) {
			const struct sv_crit_cond *q = &r->conds[k];
			if (q->atleast < 1 || q->atleast > q->nvars || q->lo < 1 || q->hi > 5 || q->lo > q->hi)
				fail("a condition out of bounds");
			for (int v = 0; v < q->nvars; v++)
				if (q->vars[v] < 1 || q->vars[v] > 20)
					fail("a variable out of 1-20");
		}
		for (int k = 0; k < r->nrequires; k++)
			if (r->requires[k] < 0 || r->requires[k] >= i)
				fail("a required rule that is not above");
	}
	scores_of(data, size, s);
	sv_criteria_eval(c, s, res);
	for (int i = 0; i < c->nrules; i++)
		if (res[i].matched && res[i].close)
			fail("a rule both matched and close");
	sv_criteria_free(c);
}

static void casemix(const uint8_t *data, size_t size)
{
	struct sv_error err = {0};
	struct sv_casemix *m = NULL;
	struct sv_casemix_result r;
	unsigned char s[21];

	if (sv_casemix_parse("fuzz.tsv", (const char *)data, size, &m, &err) != SV_OK) {
		check_error(&err);
		return;
	}
	for (int i = 0; i < m->ncombos; i++)
		if (!(m->hours[i] >= 0 && m->hours[i] <= 168))
			fail("hours out of 0-168");
	scores_of(data, size, s);
	sv_casemix_apply(m, s, 1, &r);
	for (int d = 0; r.ok && d < m->ndims; d++)
		if (r.group[d] < 0 || r.group[d] >= m->dims[d].ngroups)
			fail("a group outside the table");
	sv_casemix_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_error err = {0};
	cJSON *lib;

	criteria(data, size);
	casemix(data, size);
	/* the content loader's path: a Library whose text parses back the same way */
	lib = sv_library_from_text("fuzz.tsv", (const char *)data, size, "https://f.example", &err);
	if (lib && sv_library_check(lib, &err) != SV_OK)
		fail("a Library made from a file does not pass its own check");
	cJSON_Delete(lib);
	return 0;
}
