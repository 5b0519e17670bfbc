/* ecl_eval.c — evaluation of a parsed ECL expression (ecl.h) over one code system: to a sorted set
 * of concept indexes (sv_ecl_eval), or as a test of one concept (sv_ecl_matches).
 *
 * Hierarchy operators walk the children/parents arrays from the concepts their operand names, with
 * a hash set of the concepts already seen (sized to what is touched), so a walk is linear in the
 * concepts it reaches; AND/OR/MINUS merge sorted sets. Every concept touched counts one step. */
#include "samsvar/ecl.h"

#include <stdlib.h>
#include <string.h>

struct ctx {
	const struct sv_snapshot *snap;
	const struct sv_codesystem *cs;
	const struct sv_ecl *e;
	size_t limit;
	uint64_t steps;
	struct sv_error *err;
};

/* ---- sets ------------------------------------------------------------------------------------ */

void sv_ecl_set_release(struct sv_ecl_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static enum sv_err too_big(struct ctx *c, const struct sv_ecl_node *n)
{
	return sv_fail(c->err, SV_ETOOCOSTLY, "the ECL expression is too costly: the part at column %u selects "
		       "more than %zu concepts; narrow it (e.g. with AND or a refinement)", n->col, c->limit);
}

static enum sv_err step(struct ctx *c, uint64_t n)
{
	c->steps += n;
	if (c->steps > SV_ECL_MAX_STEPS)
		return sv_fail(c->err, SV_ETOOCOSTLY, "the ECL expression is too costly: it touches more than %u "
			       "concepts", SV_ECL_MAX_STEPS);
	return SV_OK;
}

static enum sv_err set_push(struct ctx *c, const struct sv_ecl_node *n, struct sv_ecl_set *s, uint32_t v)
{
	if (s->n >= c->limit)
		return too_big(c, n);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->v = sv_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = v;
	return SV_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Sorts and drops duplicates. */
static void set_normalise(struct sv_ecl_set *s)
{
	size_t w = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
	for (size_t i = 0; i < s->n; i++)
		if (!w || s->v[w - 1] != s->v[i])
			s->v[w++] = s->v[i];
	s->n = w;
}

static int set_has(const struct sv_ecl_set *s, uint32_t v)
{
	return s->n && bsearch(&v, s->v, s->n, sizeof(*s->v), cmp_u32) != NULL;
}

/* out = a op b for sorted sets; op: 'a' and, 'o' or, 'm' minus. */
static enum sv_err set_merge(struct ctx *c, const struct sv_ecl_node *n, const struct sv_ecl_set *a,
			     const struct sv_ecl_set *b, char op, struct sv_ecl_set *out)
{
	size_t i = 0, j = 0;
	enum sv_err rc = step(c, a->n + b->n);

	while (rc == SV_OK && (i < a->n || j < b->n)) {
		int in_a = i < a->n && (j >= b->n || a->v[i] <= b->v[j]);
		int in_b = j < b->n && (i >= a->n || b->v[j] <= a->v[i]);
		uint32_t v = in_a ? a->v[i] : b->v[j];
		if ((op == 'a' && in_a && in_b) || op == 'o' || (op == 'm' && in_a && !in_b))
			rc = set_push(c, n, out, v);
		i += in_a;
		j += in_b;
	}
	return rc;
}

/* ---- a hash set of concept indexes, for walks ------------------------------------------------ */

struct seen {
	uint32_t *slot; /* value + 1; 0 = empty */
	size_t cap, n;
};

static int seen_add(struct seen *h, uint32_t v);

static void seen_grow(struct seen *h)
{
	struct seen old = *h;

	h->cap = old.cap ? old.cap * 2 : 64;
	h->slot = sv_xcalloc(h->cap, sizeof(*h->slot));
	h->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i])
			seen_add(h, old.slot[i] - 1);
	free(old.slot);
}

/* Adds v; returns 1 when it was not there. */
static int seen_add(struct seen *h, uint32_t v)
{
	size_t i;

	if ((h->n + 1) * 2 > h->cap)
		seen_grow(h);
	i = ((size_t)v * 2654435761u) & (h->cap - 1);
	while (h->slot[i]) {
		if (h->slot[i] == v + 1)
			return 0;
		i = (i + 1) & (h->cap - 1);
	}
	h->slot[i] = v + 1;
	h->n++;
	return 1;
}

/* ---- walks ----------------------------------------------------------------------------------- */

/* Adds to `out` the concepts below (down) or above (!down) the members of `from`: all of them, or
 * with `direct` only the children/parents; with `self` the members of `from` too. */
static enum sv_err walk(struct ctx *c, const struct sv_ecl_node *n, const struct sv_ecl_set *from, int down,
			int direct, int self, struct sv_ecl_set *out)
{
	struct seen visited = { 0 }, emitted = { 0 };
	struct sv_ecl_set queue = { 0 };
	size_t head = 0, qlimit = c->limit;
	enum sv_err rc = SV_OK;

	/* The queue is bounded by the steps, the result by the limit. */
	for (size_t i = 0; rc == SV_OK && i < from->n; i++) {
		seen_add(&visited, from->v[i]);
		c->limit = SIZE_MAX;
		rc = set_push(c, n, &queue, from->v[i]);
		c->limit = qlimit;
		if (rc == SV_OK && self && seen_add(&emitted, from->v[i]))
			rc = set_push(c, n, out, from->v[i]);
	}
	/* With `direct` only the concepts of `from` (the head of the queue) are expanded. */
	while (rc == SV_OK && head < queue.n && (!direct || head < from->n)) {
		const struct sv_concept *k = &c->cs->concepts[queue.v[head++]];
		const uint32_t *next = down ? k->children : k->parents;
		uint32_t nnext = down ? k->nchildren : k->nparents;

		rc = step(c, nnext + 1);
		for (uint32_t j = 0; rc == SV_OK && j < nnext; j++) {
			/* A member of `from` below another is in the answer too (`< (A OR B)`, B under A). */
			if (seen_add(&emitted, next[j]))
				rc = set_push(c, n, out, next[j]);
			if (rc == SV_OK && !direct && seen_add(&visited, next[j])) {
				c->limit = SIZE_MAX;
				rc = set_push(c, n, &queue, next[j]);
				c->limit = qlimit;
			}
		}
	}
	c->limit = qlimit;
	free(visited.slot);
	free(emitted.slot);
	sv_ecl_set_release(&queue);
	if (rc == SV_OK)
		set_normalise(out);
	return rc;
}

/* ---- attributes ------------------------------------------------------------------------------ */

static enum sv_err match_node(struct ctx *c, uint32_t node, uint32_t idx, int *m);

/* Does the concept `code` match node `node`? A concept id or `*` is compared as text, so an attribute
 * type the code system does not hold as a concept can still be named; anything else needs the concept. */
static enum sv_err code_match(struct ctx *c, uint32_t node, const char *code, int *m)
{
	const struct sv_ecl_node *n = &c->e->nodes[node];
	uint32_t idx;

	*m = 0;
	if (n->kind == SV_ECL_CONCEPT || n->kind == SV_ECL_ANY) {
		*m = n->kind == SV_ECL_ANY || strcmp(n->code, code) == 0;
		return SV_OK;
	}
	if (!sv_strmap_get(&c->cs->index, code, &idx))
		return SV_OK;
	return match_node(c, node, idx, m);
}

/* Does concept idx have an attribute (a property whose code is a concept) matching node `attr` whose
 * value matches node `value` (ne: whose value does not)? */
static enum sv_err attribute_match(struct ctx *c, const struct sv_ecl_node *n, uint32_t idx, int *m)
{
	const struct sv_concept *k = &c->cs->concepts[idx];
	enum sv_err rc = SV_OK;

	*m = 0;
	for (uint32_t j = 0; j < k->nprops; j++) {
		const char *code = k->props[j].code;
		const char *v = strcmp(k->props[j].type, "valueCode") == 0 ? k->props[j].value : NULL;
		int am = 0, vm = 0;
		if (!v || strspn(code, "0123456789") != strlen(code))
			continue; /* not a relationship (parent, memberOf, inactive...) */
		if ((rc = step(c, 1)) != SV_OK || (rc = code_match(c, n->a, code, &am)) != SV_OK)
			return rc;
		if (!am)
			continue;
		if ((rc = code_match(c, n->b, v, &vm)) != SV_OK)
			return rc;
		if (vm == (n->kind == SV_ECL_ATTR_EQ)) {
			*m = 1;
			return SV_OK;
		}
	}
	return rc;
}

static enum sv_err refinement_match(struct ctx *c, uint32_t node, uint32_t idx, int *m)
{
	const struct sv_ecl_node *n = &c->e->nodes[node];
	enum sv_err rc;

	if (n->kind == SV_ECL_ATTR_EQ || n->kind == SV_ECL_ATTR_NE)
		return attribute_match(c, n, idx, m);
	if ((rc = refinement_match(c, n->a, idx, m)) != SV_OK)
		return rc;
	if ((n->kind == SV_ECL_REF_AND) == (*m != 0))
		return refinement_match(c, n->b, idx, m);
	return SV_OK;
}

/* ---- evaluation to a set --------------------------------------------------------------------- */

static enum sv_err eval_node(struct ctx *c, uint32_t node, struct sv_ecl_set *out)
{
	const struct sv_ecl_node *n = &c->e->nodes[node];
	struct sv_ecl_set a = { 0 }, b = { 0 };
	uint32_t idx;
	enum sv_err rc = SV_OK;

	switch (n->kind) {
	case SV_ECL_CONCEPT:
		/* ECL reads the active concepts: an inactive one (kept for lookup) matches nothing. */
		if (sv_strmap_get(&c->cs->index, n->code, &idx) && !c->cs->concepts[idx].inactive)
			rc = set_push(c, n, out, idx);
		return rc;
	case SV_ECL_ANY:
		if ((rc = step(c, c->cs->nconcepts)) != SV_OK)
			return rc;
		for (uint32_t i = 0; rc == SV_OK && i < c->cs->nconcepts; i++)
			if (!c->cs->concepts[i].inactive)
				rc = set_push(c, n, out, i);
		return rc;
	case SV_ECL_REFINE:
		if ((rc = eval_node(c, n->a, &a)) != SV_OK)
			break;
		for (size_t i = 0; rc == SV_OK && i < a.n; i++) {
			int m = 0;
			if ((rc = refinement_match(c, n->b, a.v[i], &m)) == SV_OK && m)
				rc = set_push(c, n, out, a.v[i]);
		}
		break;
	case SV_ECL_AND:
	case SV_ECL_OR:
	case SV_ECL_MINUS:
		if ((rc = eval_node(c, n->a, &a)) == SV_OK && (rc = eval_node(c, n->b, &b)) == SV_OK)
			rc = set_merge(c, n, &a, &b, n->kind == SV_ECL_AND ? 'a' : n->kind == SV_ECL_OR ? 'o' : 'm', out);
		break;
	case SV_ECL_MEMBER:
		if ((rc = eval_node(c, n->a, &a)) != SV_OK)
			break;
		for (size_t i = 0; rc == SV_OK && i < a.n; i++) {
			const uint32_t *mem;
			size_t nm;
			if ((rc = sv_codesystem_refset_members(c->snap, c->cs, a.v[i], &mem, &nm, c->err)) != SV_OK ||
			    (rc = step(c, nm)) != SV_OK)
				break;
			for (size_t j = 0; rc == SV_OK && j < nm; j++)
				rc = set_push(c, n, out, mem[j]);
		}
		if (rc == SV_OK)
			set_normalise(out);
		break;
	default: /* the hierarchy operators */
		if ((rc = eval_node(c, n->a, &a)) != SV_OK)
			break;
		rc = walk(c, n, &a,
			  n->kind == SV_ECL_DESC || n->kind == SV_ECL_DESC_SELF || n->kind == SV_ECL_CHILD ||
				  n->kind == SV_ECL_CHILD_SELF,
			  n->kind == SV_ECL_CHILD || n->kind == SV_ECL_CHILD_SELF || n->kind == SV_ECL_PARENT ||
				  n->kind == SV_ECL_PARENT_SELF,
			  n->kind == SV_ECL_DESC_SELF || n->kind == SV_ECL_CHILD_SELF || n->kind == SV_ECL_ANC_SELF ||
				  n->kind == SV_ECL_PARENT_SELF,
			  out);
		break;
	}
	sv_ecl_set_release(&a);
	sv_ecl_set_release(&b);
	return rc;
}

/* ---- one concept ----------------------------------------------------------------------------- */

/* Does a proper ancestor of idx (direct: a parent) match node `op`? Walks up with a seen set. */
static enum sv_err ancestor_matches(struct ctx *c, uint32_t op, uint32_t idx, int direct, int *m)
{
	struct seen seen = { 0 };
	struct sv_ecl_set queue = { 0 };
	size_t head = 0, qlimit = c->limit;
	enum sv_err rc;

	*m = 0;
	c->limit = SIZE_MAX;
	rc = set_push(c, &c->e->nodes[op], &queue, idx);
	seen_add(&seen, idx);
	while (rc == SV_OK && head < queue.n && !*m) {
		const struct sv_concept *k = &c->cs->concepts[queue.v[head++]];
		rc = step(c, k->nparents + 1);
		for (uint32_t j = 0; rc == SV_OK && j < k->nparents && !*m; j++) {
			if (!seen_add(&seen, k->parents[j]))
				continue;
			if ((rc = match_node(c, op, k->parents[j], m)) == SV_OK && !direct)
				rc = set_push(c, &c->e->nodes[op], &queue, k->parents[j]);
		}
		if (direct)
			break;
	}
	c->limit = qlimit;
	free(seen.slot);
	sv_ecl_set_release(&queue);
	return rc;
}

static enum sv_err match_node(struct ctx *c, uint32_t node, uint32_t idx, int *m)
{
	const struct sv_ecl_node *n = &c->e->nodes[node];
	struct sv_ecl_set up = { 0 };
	uint32_t t;
	enum sv_err rc = SV_OK;

	*m = 0;
	switch (n->kind) {
	case SV_ECL_CONCEPT:
		*m = sv_strmap_get(&c->cs->index, n->code, &t) && t == idx && !c->cs->concepts[idx].inactive;
		return SV_OK;
	case SV_ECL_ANY:
		*m = !c->cs->concepts[idx].inactive;
		return SV_OK;
	case SV_ECL_AND:
	case SV_ECL_OR:
	case SV_ECL_MINUS:
		if ((rc = match_node(c, n->a, idx, m)) != SV_OK)
			return rc;
		if ((n->kind == SV_ECL_OR) == (*m != 0))
			return SV_OK; /* OR already true, AND/MINUS already false */
		if ((rc = match_node(c, n->b, idx, m)) == SV_OK && n->kind == SV_ECL_MINUS)
			*m = !*m;
		return rc;
	case SV_ECL_REFINE:
		if ((rc = match_node(c, n->a, idx, m)) != SV_OK || !*m)
			return rc;
		return refinement_match(c, n->b, idx, m);
	case SV_ECL_MEMBER: {
		/* idx is a member of a refset that matches the operand: read its own memberOf properties. */
		const struct sv_concept *k = &c->cs->concepts[idx];
		for (uint32_t j = 0; j < k->nprops; j++) {
			const char *code = k->props[j].code, *v = k->props[j].value;
			if (strcmp(k->props[j].type, "valueCode") != 0 || strcmp(code, SV_PROP_MEMBER_OF) != 0 ||
			    !sv_strmap_get(&c->cs->index, v, &t))
				continue;
			if ((rc = step(c, 1)) != SV_OK || (rc = match_node(c, n->a, t, m)) != SV_OK || *m)
				return rc;
		}
		return SV_OK;
	}
	case SV_ECL_DESC_SELF:
	case SV_ECL_CHILD_SELF:
		if ((rc = match_node(c, n->a, idx, m)) != SV_OK || *m)
			return rc;
		/* fall through */
	case SV_ECL_DESC:
	case SV_ECL_CHILD:
		return ancestor_matches(c, n->a, idx, n->kind == SV_ECL_CHILD || n->kind == SV_ECL_CHILD_SELF, m);
	default:
		/* Ancestors of the operand's concepts: evaluate the operand (usually one concept) and walk
		 * up from it, which is as cheap as the operand's ancestry. */
		if ((rc = eval_node(c, node, &up)) == SV_OK)
			*m = set_has(&up, idx);
		sv_ecl_set_release(&up);
		return rc;
	}
}

enum sv_err sv_ecl_eval(const struct sv_snapshot *snap, const struct sv_codesystem *cs, const struct sv_ecl *e,
			size_t limit, struct sv_ecl_set *out, struct sv_error *err)
{
	struct ctx c = { .snap = snap, .cs = cs, .e = e, .limit = limit, .err = err };
	enum sv_err rc = eval_node(&c, e->root, out);

	if (rc == SV_OK)
		set_normalise(out);
	else
		sv_ecl_set_release(out);
	return rc;
}

enum sv_err sv_ecl_matches(const struct sv_snapshot *snap, const struct sv_codesystem *cs, const struct sv_ecl *e,
			   uint32_t idx, size_t limit, int *match, struct sv_error *err)
{
	struct ctx c = { .snap = snap, .cs = cs, .e = e, .limit = limit, .err = err };

	*match = 0;
	if (idx >= cs->nconcepts)
		return SV_OK;
	return match_node(&c, e->root, idx, match);
}
