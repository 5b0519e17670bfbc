/* expand.h — ValueSet expansion and membership, over a snapshot.
 *
 * Handles composed value sets (include/exclude with concept lists, filters is-a, descendent-of,
 * is-not-a, in, = on parent/concept, nested valueSet references) and the implicit value sets of a
 * code system (`<system>?fhir_vs` all codes, `<system>?fhir_vs=isa/<code>` a subtree). */
#ifndef SAMSVAR_EXPAND_H
#define SAMSVAR_EXPAND_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/snapshot.h"
#include "samsvar/versionrule.h"

struct sv_expansion_item {
	const struct sv_codesystem *cs;
	const struct sv_concept *k;
	long parent;             /* index of the item it nests under (sv_expand_opts.nest), or -1 */
	int nestable;            /* may nest: 1 taken in by a whole-system include, 2 by a filter include;
				  * 0 by a concept list */
	const cJSON *listed;     /* the compose.include.concept entry that named it (its extensions: label,
				  * order, deprecated… for this value set), borrowed from the value set; NULL
				  * when a filter or a whole-system include took it in */
};

struct sv_expansion {
	struct sv_expansion_item *items;
	size_t n, cap;
	cJSON *used_systems;     /* JSON array of "url|version" strings */
	cJSON *used_valuesets;   /* JSON array of the "url|version" of the value sets it imported */
	uint32_t rules_used;     /* bit i: opts->rules[i] chose a code system version */
};

/* How to expand: the $expand parameters the engine acts on (the edge reads them). */
struct sv_expand_opts {
	int active_only;                          /* activeOnly: leave inactive concepts out */
	int exclude_abstract;                     /* excludeNotForUI: leave notSelectable concepts out */
	int nest;                                 /* set each item's parent (not excludeNested) */
	const struct sv_vc_version_rule *rules;   /* system-version, check-, force-system-version; borrowed */
	size_t nrules;                            /* at most SV_VC_MAX_VERSION_RULES */
	const struct sv_text_query *text;         /* the $expand text filter, or NULL: an include of a whole
						     code system takes in only concepts that match it (from
						     the word index); the caller still filters the result */
};

/* Returns a new ValueSet for an implicit value set url, or NULL when `url` is not one. err is set
 * (SV_ENOTSUPPORTED) for a `?fhir_vs=` form that is not supported. */
cJSON *sv_expand_implicit(const struct sv_snapshot *snap, const char *url, struct sv_error *err);

/* Expands `vs` (a ValueSet resource) into `out` (zeroed by the caller), keeping definition order
 * and dropping duplicates; `opts` NULL expands with the defaults. Stops with SV_ETOOCOSTLY past `limit`
 * codes; a code system (version) the value set needs and that is not held is SV_ENOTFOUND, a version
 * that a check-system-version rule refuses SV_EINVAL. With opts->nest and no exclude in `vs`, each
 * nestable item's `parent` is the item of its first parent concept that is nestable and earlier (the
 * hierarchy of `contains`). */
enum sv_err sv_expand(const struct sv_snapshot *snap, const cJSON *vs, const struct sv_expand_opts *opts,
		      size_t limit, struct sv_expansion *out, struct sv_error *err);

/* Frees what sv_expand() put in `e`. */
void sv_expansion_release(struct sv_expansion *e);

/* A version that replaces the one a value set's includes pin for one code system (force-system-version). */
struct sv_vs_force {
	const char *system, *version;
};

/* Sets *member to 1 when (system, code) is in `vs`, without expanding it; *k_out (when not NULL) to its
 * concept. `force` (NULL: none) replaces the version the includes of force->system pin, here and in the
 * value sets `vs` imports. Returns SV_OK or an error for a broken definition. */
enum sv_err sv_valueset_member(const struct sv_snapshot *snap, const cJSON *vs, const char *system,
			       const char *code, const struct sv_vs_force *force, int *member,
			       const struct sv_concept **k_out, struct sv_error *err);

#endif
