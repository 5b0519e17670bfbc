/* expand_private.h — what the files of the expand module (expand.c, expand_ecl.c, expand_candidates.c)
 * share; nothing outside gateway/expand*.c includes it. */
#ifndef SAMSVAR_EXPAND_PRIVATE_H
#define SAMSVAR_EXPAND_PRIVATE_H

#include "samsvar/expand.h"
#include "samsvar/ecl.h"

/* The filter property that carries an ECL expression (op "="), as FHIR defines for SNOMED CT. */
#define SV_FILTER_CONSTRAINT "constraint"

/* Returns a JSON string of `url` with its whitespace percent-encoded (a uri has none; an ECL
 * expression often does), which ecl/ decodes again. */
cJSON *sv_expand_uri_text(const char *url);

/* Fills include `inc` (its system already set) for the SNOMED CT implicit value set form `form` (what
 * follows "?fhir_vs=": "ecl/<ECL>", "refset/<id>" or "refset"); the ECL is checked here so a syntax
 * error is a 400 with its column. Returns SV_OK, or an error in err. */
enum sv_err sv_expand_implicit_sct(const struct sv_snapshot *snap, const char *form, cJSON *inc,
				   struct sv_error *err);

/* Sets *pass to whether concept k of cs satisfies the ECL expression `ecl`. */
enum sv_err sv_expand_constraint_pass(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
				      const char *ecl, const struct sv_concept *k, int *pass, struct sv_error *err);

/* The ECL of include `inc`'s constraint filter (property "constraint", op "="), or NULL. */
const char *sv_expand_constraint(const cJSON *inc);

/* Returns a copy of include `inc` without its constraint filters (freed by the caller). */
cJSON *sv_expand_without_constraint(const cJSON *inc);

/* Evaluates `ecl` over cs into `out` (zeroed; sv_ecl_set_release frees it), sets capped at `limit`. */
enum sv_err sv_expand_constraint_set(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
				     const char *ecl, size_t limit, struct sv_ecl_set *out, struct sv_error *err);

#include "samsvar/snapshot.h"

/* The filter's op: `op`, or in R4 an R5 op (child-of, descendent-leaf) carried by the R5 extension on
 * `_op`; NULL when it has none. */
const char *sv_expand_filter_op(const cJSON *f);

/* The concepts of `cs` that include `inc` (no concept list; `filtered`: it has filters) may take in,
 * ascending, their number in *n (the caller frees the array): those under its hierarchy filter (is-a,
 * descendent-of, descendent-leaf on the concept) and, with a text filter in opts, those matching it.
 * NULL (with *n = the concept count) for all of them. *exact is set when the list is the include's
 * answer as it is (its one condition is that hierarchy filter, or it is a whole code system under a text
 * filter), so the candidates need no test against the include. */
uint32_t *sv_expand_candidates(const struct sv_snapshot *snap, const struct sv_codesystem *cs, const cJSON *inc,
			       int filtered, const struct sv_expand_opts *opts, size_t *n, int *exact);

#endif
