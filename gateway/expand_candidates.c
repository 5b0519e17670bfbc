/* expand_candidates.c — which concepts of a code system an include of a value set can take in, read off
 * the code system's indexes (hierarchy and words) so a large code system is never scanned whole. */
#include "samsvar/jsonutil.h"
#include "expand_private.h"

#include <stdlib.h>
#include <string.h>

/* The filter's op: `op`, or in R4 an R5 op (child-of, descendent-leaf) carried by the R5 extension on `_op`. */
const char *sv_expand_filter_op(const cJSON *f)
{
	const cJSON *e;

	if (sv_jstr(f, "op"))
		return sv_jstr(f, "op");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f, "_op"), "extension"))
		if (sv_jstr(e, "url") && strstr(sv_jstr(e, "url"), "extension-ValueSet.compose.include.filter.op") &&
		    sv_jstr(e, "valueCode"))
			return sv_jstr(e, "valueCode");
	return NULL;
}

/* The concepts an include's hierarchy filter (is-a, descendent-of, descendent-leaf on the concept) can
 * take in: the filter's concept and its descendants, ascending, read off the code system's hierarchy
 * index, so an include under one concept of a large code system never tests the others. NULL when the
 * include has no such filter (or names an unknown code: the full test then reports it). *exact is set
 * when that filter is all the include asks (no other filter, no valueSet): the list, trimmed to what
 * the filter takes, is then the answer and the candidates need no test. */
static uint32_t *hierarchy_candidates(const struct sv_codesystem *cs, const cJSON *inc, size_t *n, int *exact)
{
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(inc, "filter"), *f;

	*exact = 0;
	cJSON_ArrayForEach(f, filters) {
		const char *prop = sv_jstr(f, "property"), *op = sv_expand_filter_op(f), *value = sv_jstr(f, "value");
		uint32_t target, *v;
		size_t w = 0;

		if (!prop || !op || !value || (strcmp(prop, "concept") != 0 && strcmp(prop, "code") != 0))
			continue;
		if ((strcmp(op, "is-a") != 0 && strcmp(op, "descendent-of") != 0 && strcmp(op, "descendent-leaf") != 0) ||
		    !sv_strmap_get(&cs->index, value, &target))
			continue;
		v = sv_codesystem_descendants(cs, target, n);
		if (cJSON_GetArraySize(filters) != 1 || cJSON_GetObjectItemCaseSensitive(inc, "valueSet"))
			return v;
		*exact = 1;
		if (strcmp(op, "is-a") == 0)
			return v;
		for (size_t i = 0; i < *n; i++)   /* descendent-of: not the concept; -leaf: nor any with children */
			if (v[i] != target && (strcmp(op, "descendent-of") == 0 || cs->concepts[v[i]].nchildren == 0))
				v[w++] = v[i];
		*n = w;
		return v;
	}
	return NULL;
}

/* The concepts of `cs` an include (no concept list) may take in, ascending: those under its hierarchy
 * filter and, with a text filter in opts, those matching it (from the word index); NULL for all.
 * *exact is set when the list needs no test against the include (see hierarchy_candidates()). */
uint32_t *sv_expand_candidates(const struct sv_snapshot *snap, const struct sv_codesystem *cs, const cJSON *inc,
			       int filtered, const struct sv_expand_opts *opts, size_t *n, int *exact)
{
	size_t nh = 0, nt = 0, w = 0;
	uint32_t *h = filtered ? hierarchy_candidates(cs, inc, &nh, exact) : NULL, *t;

	if (!opts || !opts->text || !opts->text->n) {
		*n = h ? nh : cs->nconcepts;
		return h;
	}
	t = sv_codesystem_text_search(snap, cs, opts->text, &nt);
	if (!h) {
		/* A whole code system (no filter, no valueSet): every match is taken in untested. */
		*exact = !filtered && !cJSON_GetObjectItemCaseSensitive(inc, "valueSet");
		*n = nt;
		return t;
	}
	for (size_t a = 0, b = 0; a < nh && b < nt;) {   /* both ascending: intersect */
		if (h[a] < t[b])
			a++;
		else if (h[a] > t[b])
			b++;
		else {
			h[w++] = h[a];
			a++;
			b++;
		}
	}
	free(t);
	*n = w;
	return h;
}

