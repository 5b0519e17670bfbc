/* cmindex.c — the lookup index of one ConceptMap, see cmindex.h. */
#include "samsvar/cmindex.h"
#include "samsvar/icf_rule.h"
#include "samsvar/jsonutil.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#define KEY_SEP '\x1f'      /* cannot occur in a URI, so "system<US>code" is unambiguous */

static const char *const REL_R4[] = {
	[SV_REL_EQUIVALENT] = "equivalent", [SV_REL_WIDER] = "wider", [SV_REL_NARROWER] = "narrower",
	[SV_REL_INEXACT] = "inexact", [SV_REL_RELATEDTO] = "relatedto", [SV_REL_UNMATCHED] = "unmatched",
	[SV_REL_DISJOINT] = "disjoint",
};

/* R4 `wider` (target wider than source) is R5 source-is-narrower-than-target, and so on. */
static const char *const REL_R5[] = {
	[SV_REL_EQUIVALENT] = "equivalent", [SV_REL_WIDER] = "source-is-narrower-than-target",
	[SV_REL_NARROWER] = "source-is-broader-than-target", [SV_REL_INEXACT] = "related-to",
	[SV_REL_RELATEDTO] = "related-to", [SV_REL_UNMATCHED] = "not-related-to",
	[SV_REL_DISJOINT] = "not-related-to",
};

static const struct {
	const char *text;
	enum sv_relation rel;
} REL_NAMES[] = {
	{"equivalent", SV_REL_EQUIVALENT}, {"equal", SV_REL_EQUIVALENT}, {"wider", SV_REL_WIDER},
	{"subsumes", SV_REL_WIDER}, {"narrower", SV_REL_NARROWER}, {"specializes", SV_REL_NARROWER},
	{"inexact", SV_REL_INEXACT}, {"relatedto", SV_REL_RELATEDTO}, {"unmatched", SV_REL_UNMATCHED},
	{"disjoint", SV_REL_DISJOINT}, {"related-to", SV_REL_RELATEDTO},
	{"source-is-narrower-than-target", SV_REL_WIDER}, {"source-is-broader-than-target", SV_REL_NARROWER},
	{"not-related-to", SV_REL_DISJOINT},
};

int sv_relation_parse(const char *text, enum sv_relation *out)
{
	if (!text)
		return 0;
	for (size_t i = 0; i < sizeof(REL_NAMES) / sizeof(REL_NAMES[0]); i++)
		if (strcmp(text, REL_NAMES[i].text) == 0) {
			*out = REL_NAMES[i].rel;
			return 1;
		}
	return 0;
}

const char *sv_relation_r4(enum sv_relation r)
{
	return REL_R4[r];
}

const char *sv_relation_r5(enum sv_relation r)
{
	return REL_R5[r];
}

int sv_relation_is_match(enum sv_relation r)
{
	return r != SV_REL_UNMATCHED && r != SV_REL_DISJOINT;
}

const char *sv_translate_relationship(const char *equivalence)
{
	enum sv_relation r;
	return sv_relation_parse(equivalence, &r) ? REL_R5[r] : NULL;
}

static char *make_key(const char *sys, const char *code)
{
	size_t ls = strlen(sys), lc = strlen(code);
	char *k = sv_xmalloc(ls + lc + 2);
	memcpy(k, sys, ls);
	k[ls] = KEY_SEP;
	memcpy(k + ls + 1, code, lc + 1);
	return k;
}

/* Links `idx` at the head of the list under key (sys, code); *next receives the previous head. The
 * caller sized x->keys for one key per element and target. */
static void index_link(struct sv_cmindex *x, struct sv_strmap *m, const char *sys, const char *code,
		       uint32_t idx, uint32_t *next)
{
	char *k = make_key(sys, code);
	uint32_t head;

	if (sv_strmap_get(m, k, &head)) {
		*next = head;
		sv_strmap_set(m, k, idx);
		free(k);
		return;
	}
	*next = SV_CM_NIL;
	sv_strmap_put(m, k, idx);
	x->keys[x->nkeys++] = k;
}

static uint32_t lookup(const struct sv_strmap *m, const char *sys, const char *code)
{
	char buf[512];
	size_t ls = strlen(sys), lc = strlen(code), n = ls + lc + 1;
	char *k = n < sizeof(buf) ? buf : sv_xmalloc(n + 1);
	uint32_t val;
	int found;

	memcpy(k, sys, ls);
	k[ls] = KEY_SEP;
	memcpy(k + ls + 1, code, lc);
	found = sv_strmap_getn(m, k, n, &val);
	if (k != buf)
		free(k);
	return found ? val : SV_CM_NIL;
}

uint32_t sv_cmindex_forward(const struct sv_cmindex *x, const char *system, const char *code)
{
	return lookup(&x->fwd, system, code);
}

uint32_t sv_cmindex_reverse(const struct sv_cmindex *x, const char *system, const char *code)
{
	return lookup(&x->rev, system, code);
}

void sv_cmindex_free(struct sv_cmindex *x)
{
	if (!x)
		return;
	for (uint32_t i = 0; i < x->nkeys; i++)
		free(x->keys[i]);
	free(x->keys);
	sv_strmap_release(&x->fwd);
	sv_strmap_release(&x->rev);
	free(x->groups);
	free(x->el);
	free(x->tg);
	free(x->attrs);
	free(x);
}

static const char *first_str(const cJSON *o, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = sv_jstr(o, names[i]);
		if (s)
			return s;
	}
	return NULL;
}

static void group_read(struct sv_cm_group *g, const cJSON *gj)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(gj, "unmapped");

	memset(g, 0, sizeof(*g));
	g->src = sv_jstr(gj, "source");
	g->src_ver = sv_jstr(gj, "sourceVersion");
	g->tgt = sv_jstr(gj, "target");
	g->tgt_ver = sv_jstr(gj, "targetVersion");
	/* R5 writes source/target as canonical "url|version". Those strings stay in the resource, so
	 * a versioned canonical keeps its version in the key: rare, and a map author can drop it. */
	if (cJSON_IsObject(u)) {
		g->unmapped_mode = sv_jstr(u, "mode");
		g->unmapped_code = sv_jstr(u, "code");
		g->unmapped_display = sv_jstr(u, "display");
		g->unmapped_url = sv_jstr(u, "url");
		if (!g->unmapped_url)
			g->unmapped_url = sv_jstr(u, "otherMap");
		g->has_unmapped_rel = sv_relation_parse(sv_jstr(u, "relationship"), &g->unmapped_rel);
	}
}

/* Reads one dependsOn / product entry (R4 property/system/value or R5 attribute/value[x]). */
static void attr_read(struct sv_cm_attr *a, const cJSON *d)
{
	static const char *const KEEP[] = {"valueCode", "valueString", "valueBoolean", "valueQuantity"};
	const cJSON *c;

	memset(a, 0, sizeof(*a));
	a->attribute = sv_jstr(d, "property");
	if (!a->attribute)
		a->attribute = sv_jstr(d, "attribute");
	a->display = sv_jstr(d, "display");
	a->system = sv_jstr(d, "system");
	a->code = sv_jstr(d, "value");
	if (a->code)
		return;
	if ((c = cJSON_GetObjectItemCaseSensitive(d, "valueCoding")) != NULL) {
		a->system = sv_jstr(c, "system");
		a->code = sv_jstr(c, "code");
	} else {
		a->code = sv_jstr(d, "valueCode");
		if (!a->code)
			a->code = sv_jstr(d, "valueString");
		c = cJSON_GetObjectItemCaseSensitive(d, "valueBoolean");
		if (!a->code && cJSON_IsBool(c))
			a->code = cJSON_IsTrue(c) ? "true" : "false";
	}
	if (a->system)
		return;
	for (size_t i = 0; i < sizeof(KEEP) / sizeof(KEEP[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(d, KEEP[i]);
		if (v) {
			a->r5_type = KEEP[i];
			a->r5_value = v;
			return;
		}
	}
}

static uint32_t attrs_read(struct sv_cmindex *x, const cJSON *list, uint32_t *first)
{
	const cJSON *d;

	*first = x->nattrs;
	cJSON_ArrayForEach(d, list)
		attr_read(&x->attrs[x->nattrs++], d);
	return x->nattrs - *first;
}

/* Returns the value `field` of the extension in `o` whose url ends with `path` (the canonical base of the
 * content that wrote it is not known here), or NULL. */
static const char *ext_value(const cJSON *o, const char *path, const char *field)
{
	const cJSON *e;
	size_t n = strlen(path);

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, "extension")) {
		const char *url = sv_jstr(e, "url");
		size_t len = url ? strlen(url) : 0;
		if (len >= n && strcmp(url + len - n, path) == 0)
			return sv_jstr(e, field);
	}
	return NULL;
}

static void target_read(struct sv_cmindex *x, const cJSON *tj)
{
	struct sv_cm_target *t = &x->tg[x->ntg];
	const char *r4 = sv_jstr(tj, "equivalence");

	t->element = x->nel;
	t->code = sv_jstr(tj, "code");
	t->display = sv_jstr(tj, "display");
	t->comment = sv_jstr(tj, "comment");
	t->qualifier = ext_value(tj, SV_EXT_ICF_QUALIFIER, "valueCode");
	if (sv_relation_parse(r4, &t->rel)) {
		t->equivalence = r4;
	} else if (!sv_relation_parse(sv_jstr(tj, "relationship"), &t->rel)) {
		/* R4 makes equivalence required; its default meaning is "equivalent". */
		t->rel = t->code ? SV_REL_EQUIVALENT : SV_REL_UNMATCHED;
	}
	t->ndeps = attrs_read(x, cJSON_GetObjectItemCaseSensitive(tj, "dependsOn"), &t->first_dep);
	t->nprods = attrs_read(x, cJSON_GetObjectItemCaseSensitive(tj, "product"), &t->first_prod);
	x->ntg++;
}

/* Links every element and target under its key, last to first so each list comes out in map order. */
static void link_all(struct sv_cmindex *x)
{
	x->keys = sv_xcalloc((size_t)x->nel + x->ntg + 1, sizeof(char *));
	sv_strmap_init(&x->fwd, x->nel + 1);
	sv_strmap_init(&x->rev, x->ntg + 1);
	for (uint32_t i = x->nel; i-- > 0;) {
		struct sv_cm_element *e = &x->el[i];
		const struct sv_cm_group *g = &x->groups[e->group];
		e->next = SV_CM_NIL;
		if (e->code)
			index_link(x, &x->fwd, g->src ? g->src : "", e->code, i, &e->next);
	}
	for (uint32_t i = x->ntg; i-- > 0;) {
		struct sv_cm_target *t = &x->tg[i];
		const struct sv_cm_group *g = &x->groups[x->el[t->element].group];
		t->next_rev = SV_CM_NIL;
		if (t->code && x->el[t->element].code)
			index_link(x, &x->rev, g->tgt ? g->tgt : "", t->code, i, &t->next_rev);
	}
}

struct sv_cmindex *sv_cmindex_build(const cJSON *conceptmap, struct sv_error *err)
{
	static const char *const SRC_SCOPE[] = {"sourceScopeUri", "sourceScopeCanonical", "sourceUri",
						"sourceCanonical"};
	static const char *const TGT_SCOPE[] = {"targetScopeUri", "targetScopeCanonical", "targetUri",
						"targetCanonical"};
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(conceptmap, "group"), *gj, *ej, *tj;
	struct sv_cmindex *x = sv_xcalloc(1, sizeof(*x));
	uint32_t ne = 0, nt = 0, na = 0;

	x->source_scope = first_str(conceptmap, SRC_SCOPE, 4);
	x->target_scope = first_str(conceptmap, TGT_SCOPE, 4);
	x->qualifier_map = ext_value(conceptmap, SV_EXT_QUALIFIER_MAP, "valueCanonical");
	if (groups && !cJSON_IsArray(groups))
		goto bad;
	/* Count first so the arrays are allocated once. */
	cJSON_ArrayForEach(gj, groups) {
		const cJSON *els = cJSON_GetObjectItemCaseSensitive(gj, "element");
		if (els && !cJSON_IsArray(els))
			goto bad;
		cJSON_ArrayForEach(ej, els) {
			const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ej, "target");
			if (ts && !cJSON_IsArray(ts))
				goto bad;
			ne++;
			cJSON_ArrayForEach(tj, ts) {
				nt++;
				na += (uint32_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(tj, "dependsOn"));
				na += (uint32_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(tj, "product"));
			}
		}
	}
	x->groups = sv_xcalloc((size_t)cJSON_GetArraySize(groups) + 1, sizeof(*x->groups));
	x->el = sv_xcalloc((size_t)ne + 1, sizeof(*x->el));
	x->tg = sv_xcalloc((size_t)nt + 1, sizeof(*x->tg));
	x->attrs = sv_xcalloc((size_t)na + 1, sizeof(*x->attrs));
	cJSON_ArrayForEach(gj, groups) {
		uint32_t gi = x->ngroups++;
		group_read(&x->groups[gi], gj);
		cJSON_ArrayForEach(ej, cJSON_GetObjectItemCaseSensitive(gj, "element")) {
			struct sv_cm_element *e = &x->el[x->nel];
			e->group = gi;
			e->code = sv_jstr(ej, "code");
			e->display = sv_jstr(ej, "display");
			e->nomap = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ej, "noMap"));
			e->first_target = x->ntg;
			cJSON_ArrayForEach(tj, cJSON_GetObjectItemCaseSensitive(ej, "target"))
				target_read(x, tj);
			e->ntargets = x->ntg - e->first_target;
			x->nel++;
		}
	}
	link_all(x);
	return x;
bad:
	sv_fail(err, SV_EINVAL, "ConceptMap %s: group, element and target must be arrays",
		sv_jstr(conceptmap, "url") ? sv_jstr(conceptmap, "url") : "(no url)");
	sv_cmindex_free(x);
	return NULL;
}
