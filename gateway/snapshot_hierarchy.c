/* snapshot_hierarchy.c — subsumption by interval labelling, built once per code system.
 *
 * A depth-first walk over `children` from the roots numbers every concept in pre-order along a spanning
 * tree, so a concept's tree descendants are one run [pre, end). A concept with more than one parent has
 * descendants outside its run too: each concept keeps a sorted list of disjoint runs covering exactly
 * itself and all its descendants (its own run plus its children's runs that lie outside it, merged),
 * built children-first in one topological pass. Then
 *   subsumes(a, d)  = pre[d] lies in one of a's runs (binary search, no allocation);
 *   descendants(a)  = the concepts at the positions of a's runs (each once, no `seen` set).
 * For a mostly tree-shaped hierarchy (SNOMED CT, ICF) the lists are short: one run per concept plus one
 * for each way into the concept's subtree from outside it. A code system with a cycle in its parents
 * (malformed content), or whose lists would grow past a cap, gets no index and is answered by a walk up
 * the parents. */
#include "snapshot_private.h"

#include <stdlib.h>
#include <string.h>

struct sv_hierarchy {
	uint32_t *pre;     /* concept index -> pre-order position */
	uint32_t *order;   /* pre-order position -> concept index */
	uint32_t *off;     /* concept index -> first run in runs; off[n] = number of runs */
	uint32_t *runs;    /* pairs [start, end) of pre-order positions */
};

/* The runs all concepts may hold together, relative to the concept count: beyond this the hierarchy is
 * far from a tree and the index would cost more memory than it saves time. */
#define MAX_RUNS_PER_CONCEPT 64

static int cmp_run(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

void sv_hierarchy_free(struct sv_hierarchy *h)
{
	if (!h)
		return;
	free(h->pre);
	free(h->order);
	free(h->off);
	free(h->runs);
	free(h);
}

/* Parents-before-children order of all concepts (Kahn); returns 0 when the parents form a cycle. */
static int topo_order(const struct sv_codesystem *cs, uint32_t *topo)
{
	uint32_t n = cs->nconcepts, head = 0, tail = 0;
	uint32_t *indeg = sv_xmalloc(((size_t)n + 1) * sizeof(uint32_t));

	for (uint32_t i = 0; i < n; i++) {
		indeg[i] = cs->concepts[i].nparents;
		if (!indeg[i])
			topo[tail++] = i;
	}
	while (head < tail) {
		const struct sv_concept *k = &cs->concepts[topo[head++]];
		for (uint32_t j = 0; j < k->nchildren; j++)
			if (--indeg[k->children[j]] == 0)
				topo[tail++] = k->children[j];
	}
	free(indeg);
	return tail == n;
}

/* Numbers the concepts in pre-order of a depth-first walk from the roots (in concept order); a concept
 * reached a second time (another parent) is not walked again. */
static void number(const struct sv_codesystem *cs, struct sv_hierarchy *h, uint32_t *end)
{
	uint32_t n = cs->nconcepts, next = 0, top = 0;
	uint32_t *stack = sv_xmalloc(((size_t)n + 1) * sizeof(uint32_t));
	uint32_t *child = sv_xcalloc((size_t)n + 1, sizeof(uint32_t));   /* next child to visit */
	unsigned char *seen = sv_xcalloc((size_t)n + 1, 1);

	for (uint32_t r = 0; r < n; r++) {
		if (cs->concepts[r].nparents || seen[r])
			continue;
		seen[r] = 1;
		h->pre[r] = next;
		h->order[next++] = r;
		stack[top++] = r;
		while (top) {
			uint32_t u = stack[top - 1];
			const struct sv_concept *k = &cs->concepts[u];
			if (child[u] < k->nchildren) {
				uint32_t c = k->children[child[u]++];
				if (!seen[c]) {
					seen[c] = 1;
					h->pre[c] = next;
					h->order[next++] = c;
					stack[top++] = c;
				}
				continue;
			}
			end[u] = next;
			top--;
		}
	}
	free(stack);
	free(child);
	free(seen);
}

struct sv_hierarchy *sv_hierarchy_build(const struct sv_codesystem *cs)
{
	uint32_t n = cs->nconcepts;
	uint32_t *topo = sv_xmalloc(((size_t)n + 1) * sizeof(uint32_t));
	uint32_t *end = sv_xmalloc(((size_t)n + 1) * sizeof(uint32_t));
	/* Each concept's runs while building: list[i] points into a growing pool (pairs). */
	uint32_t *start = sv_xmalloc(((size_t)n + 1) * sizeof(uint32_t)), *count = sv_xcalloc((size_t)n + 1, sizeof(uint32_t));
	uint32_t *pool = NULL, *tmp = NULL;
	size_t used = 0, cap = 0, tcap = 0, max_runs = (size_t)n * MAX_RUNS_PER_CONCEPT + 1024;
	struct sv_hierarchy *h = sv_xcalloc(1, sizeof(*h));
	int ok = 0;

	h->pre = sv_xmalloc(((size_t)n + 1) * sizeof(uint32_t));
	h->order = sv_xmalloc(((size_t)n + 1) * sizeof(uint32_t));
	if (!topo_order(cs, topo))
		goto out;
	number(cs, h, end);
	/* Children before parents: a concept's runs are its own plus its children's outside it. */
	for (uint32_t t = n; t-- > 0;) {
		uint32_t i = topo[t], lo = h->pre[i], hi = end[i];
		const struct sv_concept *k = &cs->concepts[i];
		size_t m = 0;

		if (tcap < 2) {
			tcap = 64;
			tmp = sv_xrealloc(tmp, tcap * 2 * sizeof(uint32_t));
		}
		tmp[m * 2] = lo;
		tmp[m * 2 + 1] = hi;
		m++;
		for (uint32_t j = 0; j < k->nchildren; j++) {
			uint32_t c = k->children[j];
			for (uint32_t r = 0; r < count[c]; r++) {
				uint32_t s = pool[(start[c] + r) * 2], e = pool[(start[c] + r) * 2 + 1];
				if (s >= lo && e <= hi)
					continue;   /* inside this concept's own run */
				if (m == tcap) {
					tcap *= 2;
					tmp = sv_xrealloc(tmp, tcap * 2 * sizeof(uint32_t));
				}
				tmp[m * 2] = s;
				tmp[m * 2 + 1] = e;
				m++;
			}
		}
		if (m > 1)
			qsort(tmp, m, 2 * sizeof(uint32_t), cmp_run);
		/* Merge overlapping and touching runs. */
		size_t w = 0;
		for (size_t r = 0; r < m; r++) {
			if (w && tmp[r * 2] <= tmp[(w - 1) * 2 + 1]) {
				if (tmp[r * 2 + 1] > tmp[(w - 1) * 2 + 1])
					tmp[(w - 1) * 2 + 1] = tmp[r * 2 + 1];
				continue;
			}
			tmp[w * 2] = tmp[r * 2];
			tmp[w * 2 + 1] = tmp[r * 2 + 1];
			w++;
		}
		if (used + w > max_runs)
			goto out;
		if (used + w > cap) {
			cap = (used + w) * 2 > (size_t)n + 64 ? (used + w) * 2 : (size_t)n + 64;
			pool = sv_xrealloc(pool, cap * 2 * sizeof(uint32_t));
		}
		memcpy(pool + used * 2, tmp, w * 2 * sizeof(uint32_t));
		start[i] = (uint32_t)used;
		count[i] = (uint32_t)w;
		used += w;
	}
	/* Lay the runs out in concept order, so off[] alone finds them. */
	h->off = sv_xmalloc(((size_t)n + 1) * sizeof(uint32_t));
	h->runs = sv_xmalloc((used + 1) * 2 * sizeof(uint32_t));
	for (uint32_t i = 0, at = 0; i <= n; i++) {
		h->off[i] = at;
		if (i < n) {
			memcpy(h->runs + (size_t)at * 2, pool + (size_t)start[i] * 2, (size_t)count[i] * 2 * sizeof(uint32_t));
			at += count[i];
		}
	}
	ok = 1;
out:
	free(topo);
	free(end);
	free(start);
	free(count);
	free(pool);
	free(tmp);
	if (!ok) {
		sv_hierarchy_free(h);
		h = NULL;
	}
	return h;
}

/* The walk up the parents, for a code system without an index (a cycle in its parents). */
static int subsumes_walk(const struct sv_codesystem *cs, uint32_t ancestor, uint32_t descendant)
{
	uint32_t *stack, top = 0;
	unsigned char *seen;
	int found = 0;

	stack = sv_xmalloc(((size_t)cs->nconcepts + 1) * sizeof(uint32_t));
	seen = sv_xcalloc(cs->nconcepts + 1, 1);
	stack[top++] = descendant;
	seen[descendant] = 1;
	while (top && !found) {
		const struct sv_concept *k = &cs->concepts[stack[--top]];
		for (uint32_t j = 0; j < k->nparents; j++) {
			uint32_t p = k->parents[j];
			if (p == ancestor) {
				found = 1;
				break;
			}
			if (!seen[p]) {
				seen[p] = 1;
				stack[top++] = p;
			}
		}
	}
	free(stack);
	free(seen);
	return found;
}

int sv_codesystem_subsumes(const struct sv_codesystem *cs, uint32_t ancestor, uint32_t descendant)
{
	const struct sv_hierarchy *h = cs->hier;
	uint32_t lo, hi, p;

	if (ancestor == descendant)
		return 1;
	if (!h)
		return subsumes_walk(cs, ancestor, descendant);
	p = h->pre[descendant];
	lo = h->off[ancestor];
	hi = h->off[ancestor + 1];
	while (lo < hi) {   /* the last run starting at or before p */
		uint32_t mid = lo + (hi - lo) / 2;
		if (h->runs[(size_t)mid * 2] <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > h->off[ancestor] && p < h->runs[(size_t)(lo - 1) * 2 + 1];
}

void sv_radix_sort_u32(uint32_t *v, uint32_t *tmp, size_t n)
{
	for (int shift = 0; shift < 32; shift += 8) {
		size_t cnt[257] = { 0 };
		for (size_t i = 0; i < n; i++)
			cnt[((v[i] >> shift) & 0xFF) + 1]++;
		for (size_t b = 0; b < 256; b++)
			cnt[b + 1] += cnt[b];
		for (size_t i = 0; i < n; i++)
			tmp[cnt[(v[i] >> shift) & 0xFF]++] = v[i];
		memcpy(v, tmp, n * sizeof(uint32_t));
	}
}

/* Descendants by walking the children, for a code system without an index (a sorted, de-duplicated
 * list; cycles end where a concept comes round again). */
static uint32_t *descendants_walk(const struct sv_codesystem *cs, uint32_t ancestor, size_t *n)
{
	uint32_t *out = sv_xmalloc(((size_t)cs->nconcepts + 1) * sizeof(uint32_t));
	unsigned char *seen = sv_xcalloc((size_t)cs->nconcepts + 1, 1);
	size_t top = 0, head = 0;

	out[top++] = ancestor;
	seen[ancestor] = 1;
	while (head < top) {
		const struct sv_concept *k = &cs->concepts[out[head++]];
		for (uint32_t j = 0; j < k->nchildren; j++)
			if (!seen[k->children[j]]) {
				seen[k->children[j]] = 1;
				out[top++] = k->children[j];
			}
	}
	free(seen);
	*n = top;
	return out;
}

uint32_t *sv_codesystem_descendants(const struct sv_codesystem *cs, uint32_t ancestor, size_t *n)
{
	const struct sv_hierarchy *h = cs->hier;
	uint32_t *out, *tmp;
	size_t total = 0, w = 0;

	if (!h) {
		out = descendants_walk(cs, ancestor, &total);
	} else {
		for (uint32_t r = h->off[ancestor]; r < h->off[ancestor + 1]; r++)
			total += h->runs[(size_t)r * 2 + 1] - h->runs[(size_t)r * 2];
		out = sv_xmalloc((total + 1) * sizeof(uint32_t));
		for (uint32_t r = h->off[ancestor]; r < h->off[ancestor + 1]; r++)
			for (uint32_t p = h->runs[(size_t)r * 2]; p < h->runs[(size_t)r * 2 + 1]; p++)
				out[w++] = h->order[p];
	}
	tmp = sv_xmalloc((total + 1) * sizeof(uint32_t));
	sv_radix_sort_u32(out, tmp, total);
	free(tmp);
	*n = total;
	return out;
}

size_t sv_codesystem_descendant_count(const struct sv_codesystem *cs, uint32_t ancestor)
{
	const struct sv_hierarchy *h = cs->hier;
	size_t total = 0;

	if (!h) {
		free(descendants_walk(cs, ancestor, &total));
		return total;
	}
	for (uint32_t r = h->off[ancestor]; r < h->off[ancestor + 1]; r++)
		total += h->runs[(size_t)r * 2 + 1] - h->runs[(size_t)r * 2];
	return total;
}
