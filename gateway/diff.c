/* diff.c — rows added, removed and changed between two versions of a map or code system. */
#include "samsvar/diff.h"
#include "samsvar/error.h"
#include "samsvar/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row of a version: its identity and the object that holds what may change. */
struct row {
	const char *ssys, *tsys, *code, *target;
	const cJSON *obj;
	char *key;            /* owned: source system, target system, code, target and the conditions */
	char *target_key;     /* owned: the same without the conditions */
	int matched;
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void push(struct rows *r, const char *ssys, const char *tsys, const char *code, const char *target,
		 const cJSON *obj)
{
	if (!code)
		return;           /* nothing to match a row without a code on */
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		r->v = sv_xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	{
		/* A map row is a target under its conditions (dependsOn, product): the same target for
		 * another score is another row. */
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(obj, "dependsOn");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(obj, "product");
		char *ds = d ? cJSON_PrintUnformatted(d) : NULL, *ps = p ? cJSON_PrintUnformatted(p) : NULL;
		char *tk = sv_strkey(ssys, tsys, code, target), *cond = sv_strkey(ds, ps, NULL, NULL);
		r->v[r->n++] = (struct row){ssys, tsys, code, target, obj, sv_strkey(tk, cond, NULL, NULL), tk, 0};
		free(ds);
		free(ps);
		free(cond);
	}
}

static void concepts(struct rows *r, const cJSON *list)
{
	const cJSON *k;
	cJSON_ArrayForEach(k, list) {
		push(r, NULL, NULL, str_of(k, "code"), NULL, k);
		concepts(r, cJSON_GetObjectItemCaseSensitive(k, "concept"));
	}
}

static void rows_of(const cJSON *res, struct rows *r)
{
	const cJSON *g, *e, *t;

	if (cJSON_GetObjectItemCaseSensitive(res, "concept")) {
		concepts(r, cJSON_GetObjectItemCaseSensitive(res, "concept"));
		return;
	}
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(res, "group"))
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(g, "element")) {
			const cJSON *targets = cJSON_GetObjectItemCaseSensitive(e, "target");
			if (!cJSON_GetArraySize(targets))
				push(r, str_of(g, "source"), str_of(g, "target"), str_of(e, "code"), NULL, e);
			cJSON_ArrayForEach(t, targets)
				push(r, str_of(g, "source"), str_of(g, "target"), str_of(e, "code"), str_of(t, "code"), t);
		}
}

static void rows_release(struct rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].key);
		free(r->v[i].target_key);
	}
	free(r->v);
}

/* Whether member `name` differs between a and b (both absent: equal). */
static int differs(const cJSON *a, const cJSON *b, const char *name)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, name), *y = cJSON_GetObjectItemCaseSensitive(b, name);
	if (!x || !y)
		return (x == NULL) != (y == NULL);
	return !cJSON_Compare(x, y, 1);
}

static void add_row(struct sv_diff *d, enum sv_diff_kind kind, const struct row *r, const cJSON *before,
		    const cJSON *after, const char *fields)
{
	struct sv_diff_row *out;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 32;
		d->rows = sv_xrealloc(d->rows, d->cap * sizeof(*d->rows));
	}
	out = &d->rows[d->n++];
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->source_system = r->ssys;
	out->target_system = r->tsys;
	out->code = r->code;
	out->target = r->target;
	out->before = before;
	out->after = after;
	if (fields)
		snprintf(out->fields, sizeof(out->fields), "%s", fields);
}

/* The fields of `fields` that differ between two matched rows, comma-separated into out[cap]. */
static void changed_fields(const cJSON *a, const cJSON *b, const char *const *fields, size_t nf, char *out,
			   size_t cap)
{
	out[0] = '\0';
	for (size_t f = 0; f < nf; f++)
		if (differs(a, b, fields[f])) {
			size_t n = strlen(out);
			snprintf(out + n, cap - n, "%s%s", n ? "," : "", fields[f]);
		}
}

/* The rows of `from` not yet matched, by a key (the whole row, or its target only), each key's rows
 * chained in order so that each is taken once: a version that repeats a row still pairs with itself. */
struct chain {
	struct sv_strmap map;         /* key -> the first row of that key not yet taken */
	uint32_t *next;               /* next[i]: the following row of the same key + 1, or 0 */
	int by_target;
};

static const char *chain_key(const struct row *r, int by_target)
{
	return by_target ? r->target_key : r->key;
}

static void chain_build(struct chain *c, const struct rows *a, int by_target)
{
	c->by_target = by_target;
	sv_strmap_init(&c->map, a->n + 8);
	c->next = sv_xcalloc(a->n + 1, sizeof(*c->next));
	for (size_t i = a->n; i-- > 0;) {
		uint32_t head;
		if (a->v[i].matched)
			continue;
		c->next[i] = sv_strmap_get(&c->map, chain_key(&a->v[i], by_target), &head) ? head + 1 : 0;
		sv_strmap_set(&c->map, chain_key(&a->v[i], by_target), (uint32_t)i);
	}
}

/* Takes the first row of `from` with the key of `r` not taken yet: marks it matched and returns its
 * index, or -1 when there is none. */
static long chain_take(struct chain *c, struct rows *a, const struct row *r)
{
	uint32_t j;
	if (!sv_strmap_get(&c->map, chain_key(r, c->by_target), &j) || a->v[j].matched)
		return -1;
	a->v[j].matched = 1;
	if (c->next[j])
		sv_strmap_set(&c->map, chain_key(r, c->by_target), c->next[j] - 1);
	return (long)j;
}

static void chain_release(struct chain *c)
{
	sv_strmap_release(&c->map);
	free(c->next);
}

void sv_diff_resources(const cJSON *from, const cJSON *to, struct sv_diff *d)
{
	/* What a reviewer compares: a map row's meaning, or a concept's text. */
	static const char *const map_fields[] = {"equivalence", "comment", "dependsOn"};
	static const char *const cs_fields[] = {"display", "definition"};
	struct rows a = {0}, b = {0};
	struct chain exact, by_target;
	size_t *pending, npending = 0;
	int is_cs = cJSON_GetObjectItemCaseSensitive(to, "concept") || cJSON_GetObjectItemCaseSensitive(from, "concept");
	const char *const *fields = is_cs ? cs_fields : map_fields;
	size_t nfields = is_cs ? 2 : 3;
	char changed[64];

	rows_of(from, &a);
	rows_of(to, &b);
	/* First the rows that are the same row in both (target and conditions); what is left of `to`
	 * waits for a second pass. */
	chain_build(&exact, &a, 0);
	pending = sv_xcalloc(b.n + 1, sizeof(*pending));
	for (size_t i = 0; i < b.n; i++) {
		long j = chain_take(&exact, &a, &b.v[i]);
		if (j < 0) {
			pending[npending++] = i;
			continue;
		}
		changed_fields(a.v[j].obj, b.v[i].obj, fields, nfields, changed, sizeof(changed));
		if (changed[0])
			add_row(d, SV_DIFF_CHANGED, &b.v[i], a.v[j].obj, b.v[i].obj, changed);
	}
	/* Then a row of `to` left over takes a left-over row of `from` with the same target: the same
	 * mapping under changed conditions. */
	chain_build(&by_target, &a, 1);
	for (size_t k = 0; k < npending; k++) {
		const struct row *r = &b.v[pending[k]];
		long j = chain_take(&by_target, &a, r);
		if (j < 0) {
			add_row(d, SV_DIFF_ADDED, r, NULL, r->obj, NULL);
			continue;
		}
		changed_fields(a.v[j].obj, r->obj, fields, nfields, changed, sizeof(changed));
		add_row(d, SV_DIFF_CHANGED, r, a.v[j].obj, r->obj, changed);
	}
	for (size_t i = 0; i < a.n; i++)
		if (!a.v[i].matched)
			add_row(d, SV_DIFF_REMOVED, &a.v[i], a.v[i].obj, NULL, NULL);
	free(pending);
	chain_release(&exact);
	chain_release(&by_target);
	rows_release(&a);
	rows_release(&b);
}

void sv_diff_release(struct sv_diff *d)
{
	free(d->rows);
	d->rows = NULL;
	d->n = d->cap = 0;
}
