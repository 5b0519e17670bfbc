/* ecl_refset.c — simple refset membership of a code system: an index from refset concept to its
 * member concepts, built once per snapshot and code system (sv_snapshot_memo) from the concepts'
 * SV_PROP_MEMBER_OF properties, in one pass over the concepts. */
#include "samsvar/ecl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct refset_index {
	uint32_t *refsets;   /* sorted concept indexes of the refsets that have members */
	size_t nrefsets;
	size_t *start;       /* members of refsets[i]: members[start[i] .. start[i + 1]) */
	uint32_t *members;   /* sorted within each refset */
};

struct pair {
	uint32_t refset, member;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->refset != y->refset)
		return x->refset < y->refset ? -1 : 1;
	return x->member < y->member ? -1 : x->member > y->member;
}

static void index_drop(void *v)
{
	struct refset_index *ix = v;

	if (!ix)
		return;
	free(ix->refsets);
	free(ix->start);
	free(ix->members);
	free(ix);
}

static enum sv_err index_make(const struct sv_snapshot *snap, void *arg, void **value, struct sv_error *err)
{
	const struct sv_codesystem *cs = arg;
	struct refset_index *ix = sv_xcalloc(1, sizeof(*ix));
	struct pair *pairs = NULL;
	size_t n = 0, cap = 0, w = 0;

	(void)snap;
	(void)err;
	for (uint32_t i = 0; i < cs->nconcepts; i++) {
		const struct sv_concept *k = &cs->concepts[i];
		for (uint32_t j = 0; j < k->nprops; j++) {
			const char *code = k->props[j].code, *v = k->props[j].value;
			uint32_t r;
			if (strcmp(k->props[j].type, "valueCode") != 0 || strcmp(code, SV_PROP_MEMBER_OF) != 0 ||
			    !sv_strmap_get(&cs->index, v, &r))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				pairs = sv_xrealloc(pairs, cap * sizeof(*pairs));
			}
			pairs[n++] = (struct pair){ r, i };
		}
	}
	if (n)
		qsort(pairs, n, sizeof(*pairs), cmp_pair);
	ix->members = sv_xmalloc((n ? n : 1) * sizeof(*ix->members));
	ix->refsets = sv_xmalloc((n ? n : 1) * sizeof(*ix->refsets));
	ix->start = sv_xmalloc((n + 1) * sizeof(*ix->start));
	for (size_t i = 0; i < n; i++) {
		if (i && pairs[i].refset == pairs[i - 1].refset && pairs[i].member == pairs[i - 1].member)
			continue; /* one concept listed twice in a refset */
		if (!ix->nrefsets || ix->refsets[ix->nrefsets - 1] != pairs[i].refset) {
			ix->start[ix->nrefsets] = w;
			ix->refsets[ix->nrefsets++] = pairs[i].refset;
		}
		ix->members[w++] = pairs[i].member;
	}
	ix->start[ix->nrefsets] = w;
	free(pairs);
	*value = ix;
	return SV_OK;
}

static enum sv_err index_of(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
			    const struct refset_index **ix, struct sv_error *err)
{
	char key[64];
	void *v = NULL;
	enum sv_err rc;

	/* The code system outlives the memo (it is the snapshot's or its parent's). */
	snprintf(key, sizeof(key), "ecl-refsets:%p", (const void *)cs);
	rc = sv_snapshot_memo(snap, key, index_make, index_drop, (void *)cs, &v, err);
	*ix = v;
	return rc;
}

enum sv_err sv_codesystem_refset_members(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
					 uint32_t refset, const uint32_t **members, size_t *n, struct sv_error *err)
{
	const struct refset_index *ix;
	size_t lo = 0, hi;
	enum sv_err rc = index_of(snap, cs, &ix, err);

	*members = NULL;
	*n = 0;
	if (rc != SV_OK)
		return rc;
	hi = ix->nrefsets;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ix->refsets[mid] < refset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ix->nrefsets && ix->refsets[lo] == refset) {
		*members = ix->members + ix->start[lo];
		*n = ix->start[lo + 1] - ix->start[lo];
	}
	return SV_OK;
}

enum sv_err sv_codesystem_refsets(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
				  const uint32_t **refsets, size_t *n, struct sv_error *err)
{
	const struct refset_index *ix;
	enum sv_err rc = index_of(snap, cs, &ix, err);

	*refsets = rc == SV_OK ? ix->refsets : NULL;
	*n = rc == SV_OK ? ix->nrefsets : 0;
	return rc;
}
