/* expand_private.h — what expand.c and expand_candidates.c share, not part of the expand API. */
#ifndef SAMSVAR_EXPAND_PRIVATE_H
#define SAMSVAR_EXPAND_PRIVATE_H

#include "samsvar/expand.h"
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
