/* translate.c — ConceptMap indexes and $translate (R4 and R5), see translate.h for the decisions. */
#include "samsvar/jsonutil.h"
#include "samsvar/translate.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "samsvar/snapshot.h"
#include "samsvar/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
#define MAX_PATH 3          /* maps in one chain (other-map hops count too) */
#define MAX_DEPS 32         /* dependency values read from one request */
#define MAX_CODINGS 32      /* codings of one CodeableConcept translated */
#define MAX_HITS 1024       /* matches in one answer */
#define KEY_SEP '\x1f'      /* cannot occur in a URI, so "system<US>code" is unambiguous */

/* Equivalence at R4 granularity; R5 relationships map onto it. */
enum eqv { EQ_EQUIVALENT, EQ_WIDER, EQ_NARROWER, EQ_INEXACT, EQ_RELATEDTO, EQ_UNMATCHED, EQ_DISJOINT };

static const char *const EQ_R4[] = {
	[EQ_EQUIVALENT] = "equivalent", [EQ_WIDER] = "wider", [EQ_NARROWER] = "narrower",
	[EQ_INEXACT] = "inexact", [EQ_RELATEDTO] = "relatedto", [EQ_UNMATCHED] = "unmatched",
	[EQ_DISJOINT] = "disjoint",
};

/* R4 `wider` (target wider than source) is R5 source-is-narrower-than-target, and so on. */
static const char *const EQ_R5[] = {
	[EQ_EQUIVALENT] = "equivalent", [EQ_WIDER] = "source-is-narrower-than-target",
	[EQ_NARROWER] = "source-is-broader-than-target", [EQ_INEXACT] = "related-to",
	[EQ_RELATEDTO] = "related-to", [EQ_UNMATCHED] = "not-related-to", [EQ_DISJOINT] = "not-related-to",
};

static const struct {
	const char *text;
	enum eqv eq;
} EQ_NAMES[] = {
	{"equivalent", EQ_EQUIVALENT}, {"equal", EQ_EQUIVALENT}, {"wider", EQ_WIDER},
	{"subsumes", EQ_WIDER}, {"narrower", EQ_NARROWER}, {"specializes", EQ_NARROWER},
	{"inexact", EQ_INEXACT}, {"relatedto", EQ_RELATEDTO}, {"unmatched", EQ_UNMATCHED},
	{"disjoint", EQ_DISJOINT}, {"related-to", EQ_RELATEDTO},
	{"source-is-narrower-than-target", EQ_WIDER}, {"source-is-broader-than-target", EQ_NARROWER},
	{"not-related-to", EQ_DISJOINT},
};

static int eq_real(enum eqv e)
{
	return e != EQ_UNMATCHED && e != EQ_DISJOINT;
}

static int eq_parse(const char *s, enum eqv *out)
{
	if (!s)
		return 0;
	for (size_t i = 0; i < sizeof(EQ_NAMES) / sizeof(EQ_NAMES[0]); i++)
		if (strcmp(s, EQ_NAMES[i].text) == 0) {
			*out = EQ_NAMES[i].eq;
			return 1;
		}
	return 0;
}

const char *sv_translate_relationship(const char *equivalence)
{
	enum eqv e;
	return eq_parse(equivalence, &e) ? EQ_R5[e] : NULL;
}

static enum eqv eq_reverse(enum eqv e)
{
	return e == EQ_WIDER ? EQ_NARROWER : e == EQ_NARROWER ? EQ_WIDER : e;
}

/* R4 text of a reversed map statement, keeping the map's own word where it has a mirror. */
static const char *eq_text_reverse(const char *t)
{
	static const char *const pairs[][2] = {
		{"wider", "narrower"}, {"narrower", "wider"}, {"subsumes", "specializes"},
		{"specializes", "subsumes"},
	};
	if (!t)
		return NULL;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (strcmp(t, pairs[i][0]) == 0)
			return pairs[i][1];
	return t;
}

/* Weakest link of two steps: equivalent > wider/narrower > inexact/relatedto; wider+narrower = inexact. */
static enum eqv eq_compose(enum eqv a, enum eqv b)
{
	if (!eq_real(b))
		return b;
	if (!eq_real(a))
		return a;
	if (a == EQ_EQUIVALENT)
		return b;
	if (b == EQ_EQUIVALENT || a == b)
		return a;
	if (a == EQ_RELATEDTO || b == EQ_RELATEDTO)
		return EQ_RELATEDTO;
	return EQ_INEXACT;
}

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- the index ---- */

struct cm_group {
	const char *src, *src_ver, *tgt, *tgt_ver;
	const char *unmapped_mode, *unmapped_code, *unmapped_display, *unmapped_url;
	enum eqv unmapped_eq;
	int has_unmapped_eq;
};

struct cm_element {
	uint32_t group, first_target, ntargets;
	uint32_t next;          /* next element with the same forward key, or NIL */
	const char *code, *display;
	int nomap;              /* R5 element.noMap */
};

struct cm_target {
	uint32_t element;
	uint32_t next_rev;      /* next target with the same reverse key, or NIL */
	const char *code, *display;
	const char *eq_text;    /* the R4 word as written in the map, or NULL (R5 map) */
	enum eqv eq;
	const cJSON *depends_on, *product;
};

struct cmindex {
	struct cm_group *groups;
	struct cm_element *el;
	struct cm_target *tg;
	uint32_t ngroups, nel, ntg;
	struct sv_strmap fwd, rev;
	char **keys;
	uint32_t nkeys;
	const char *source_scope, *target_scope;
};

static char *make_key(const char *sys, const char *code)
{
	size_t ls = strlen(sys), lc = strlen(code);
	char *k = sv_xmalloc(ls + lc + 2);
	memcpy(k, sys, ls);
	k[ls] = KEY_SEP;
	memcpy(k + ls + 1, code, lc + 1);
	return k;
}

/* Links `idx` at the head of the list under key (sys, code); *next receives the previous head. */
static void index_link(struct cmindex *x, struct sv_strmap *m, const char *sys, const char *code,
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
	*next = NIL;
	sv_strmap_put(m, k, idx);
	x->keys = sv_xrealloc(x->keys, ((size_t)x->nkeys + 1) * sizeof(char *));
	x->keys[x->nkeys++] = k;
}

static int lookup(const struct sv_strmap *m, const char *sys, const char *code, uint32_t *val)
{
	char buf[512];
	size_t ls = strlen(sys), lc = strlen(code), n = ls + lc + 1;
	char *k = n < sizeof(buf) ? buf : sv_xmalloc(n + 1);
	int found;

	memcpy(k, sys, ls);
	k[ls] = KEY_SEP;
	memcpy(k + ls + 1, code, lc);
	found = sv_strmap_getn(m, k, n, val);
	if (k != buf)
		free(k);
	return found;
}

void sv_cmindex_free(void *index)
{
	struct cmindex *x = index;
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

static void group_read(struct cm_group *g, const cJSON *gj)
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
		g->has_unmapped_eq = eq_parse(sv_jstr(u, "relationship"), &g->unmapped_eq);
	}
}

void *sv_cmindex_build(const cJSON *conceptmap, struct sv_error *err)
{
	static const char *const SRC_SCOPE[] = {"sourceScopeUri", "sourceScopeCanonical", "sourceUri",
						"sourceCanonical"};
	static const char *const TGT_SCOPE[] = {"targetScopeUri", "targetScopeCanonical", "targetUri",
						"targetCanonical"};
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(conceptmap, "group"), *gj, *ej, *tj;
	struct cmindex *x = sv_xcalloc(1, sizeof(*x));
	uint32_t ne = 0, nt = 0;

	x->source_scope = first_str(conceptmap, SRC_SCOPE, 4);
	x->target_scope = first_str(conceptmap, TGT_SCOPE, 4);
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
			nt += (uint32_t)cJSON_GetArraySize(ts);
		}
	}
	x->groups = sv_xcalloc((size_t)cJSON_GetArraySize(groups) + 1, sizeof(*x->groups));
	x->el = sv_xcalloc((size_t)ne + 1, sizeof(*x->el));
	x->tg = sv_xcalloc((size_t)nt + 1, sizeof(*x->tg));
	cJSON_ArrayForEach(gj, groups) {
		uint32_t gi = x->ngroups++;
		group_read(&x->groups[gi], gj);
		cJSON_ArrayForEach(ej, cJSON_GetObjectItemCaseSensitive(gj, "element")) {
			struct cm_element *e = &x->el[x->nel];
			e->group = gi;
			e->code = sv_jstr(ej, "code");
			e->display = sv_jstr(ej, "display");
			e->nomap = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ej, "noMap"));
			e->first_target = x->ntg;
			cJSON_ArrayForEach(tj, cJSON_GetObjectItemCaseSensitive(ej, "target")) {
				struct cm_target *t = &x->tg[x->ntg];
				const char *r4 = sv_jstr(tj, "equivalence");
				t->element = x->nel;
				t->code = sv_jstr(tj, "code");
				t->display = sv_jstr(tj, "display");
				if (eq_parse(r4, &t->eq)) {
					t->eq_text = r4;
				} else if (!eq_parse(sv_jstr(tj, "relationship"), &t->eq)) {
					/* R4 makes equivalence required; its default meaning is "equivalent". */
					t->eq = t->code ? EQ_EQUIVALENT : EQ_UNMATCHED;
				}
				t->depends_on = cJSON_GetObjectItemCaseSensitive(tj, "dependsOn");
				t->product = cJSON_GetObjectItemCaseSensitive(tj, "product");
				x->ntg++;
			}
			e->ntargets = x->ntg - e->first_target;
			x->nel++;
		}
	}
	/* Link from last to first so each key's list comes out in map order. */
	sv_strmap_init(&x->fwd, x->nel + 1);
	sv_strmap_init(&x->rev, x->ntg + 1);
	for (uint32_t i = x->nel; i-- > 0;) {
		struct cm_element *e = &x->el[i];
		const struct cm_group *g = &x->groups[e->group];
		e->next = NIL;
		if (e->code)
			index_link(x, &x->fwd, g->src ? g->src : "", e->code, i, &e->next);
	}
	for (uint32_t i = x->ntg; i-- > 0;) {
		struct cm_target *t = &x->tg[i];
		const struct cm_group *g = &x->groups[x->el[t->element].group];
		t->next_rev = NIL;
		if (t->code && x->el[t->element].code)
			index_link(x, &x->rev, g->tgt ? g->tgt : "", t->code, i, &t->next_rev);
	}
	return x;
bad:
	sv_fail(err, SV_EINVAL, "ConceptMap %s: group, element and target must be arrays",
		sv_jstr(conceptmap, "url") ? sv_jstr(conceptmap, "url") : "(no url)");
	sv_cmindex_free(x);
	return NULL;
}

/* ---- one translation request ---- */

struct dep {
	const char *attr;       /* NULL: any attribute */
	const char *system;     /* NULL: any system */
	const char *code;
};

struct hit {
	const char *system, *version, *code, *display;
	enum eqv eq;
	const char *eq_text;    /* the map's R4 word for a direct hit, else NULL */
	const struct cm_target *tg;     /* NULL for unmapped answers */
	const struct sv_resource *path[MAX_PATH];
	const char *via[MAX_PATH];      /* systems passed through (chain cycle guard) */
	unsigned char backwards[MAX_PATH];  /* 1: that map was read from target to source */
	int npath;
};

struct tx {
	const struct sv_snapshot *snap, *ovl;
	const char *start_system;
	struct dep deps[MAX_DEPS];
	int ndeps;
	const char *want, *src_scope, *tgt_scope;
	int reverse;
	const struct sv_resource **maps;
	size_t nmaps;
	int pinned;
	struct hit *hits;
	size_t nhits, cap;
};

/* Returns the map for canonical `url` ("url" or "url|version"), overlay first, or NULL. */
static const struct sv_resource *find_map(const struct tx *t, const char *url, const char *version)
{
	const struct sv_resource *m = NULL;
	const char *bar = url ? strchr(url, '|') : NULL;
	char *u = NULL;

	if (bar && !version) {
		u = sv_xstrndup(url, (size_t)(bar - url));
		url = u;
		version = bar + 1;
	}
	if (t->ovl)
		m = sv_snapshot_conceptmap(t->ovl, url, version);
	if (!m)
		m = sv_snapshot_conceptmap(t->snap, url, version);
	free(u);
	return m;
}

static const struct sv_codesystem *find_cs(const struct tx *t, const char *url, const char *version)
{
	const struct sv_codesystem *cs = NULL;
	if (!url)
		return NULL;
	if (t->ovl)
		cs = sv_snapshot_codesystem(t->ovl, url, version);
	if (!cs)
		cs = sv_snapshot_codesystem(t->snap, url, version);
	if (!cs && version)
		return find_cs(t, url, NULL);
	return cs;
}

/* Reads one dependsOn / product entry of a map target (R4 property/system/value or R5 attribute/value[x]). */
static void depends_read(const cJSON *d, const char **attr, const char **system, const char **code)
{
	const cJSON *c;
	*attr = sv_jstr(d, "property");
	if (!*attr)
		*attr = sv_jstr(d, "attribute");
	*system = sv_jstr(d, "system");
	*code = sv_jstr(d, "value");
	if (*code)
		return;
	if ((c = cJSON_GetObjectItemCaseSensitive(d, "valueCoding")) != NULL) {
		*system = sv_jstr(c, "system");
		*code = sv_jstr(c, "code");
		return;
	}
	*code = sv_jstr(d, "valueCode");
	if (!*code)
		*code = sv_jstr(d, "valueString");
	c = cJSON_GetObjectItemCaseSensitive(d, "valueBoolean");
	if (!*code && cJSON_IsBool(c))
		*code = cJSON_IsTrue(c) ? "true" : "false";
}

static int depends_ok(const struct tx *t, const cJSON *depends_on)
{
	const cJSON *d;

	if (t->ndeps == 0)
		return 1;   /* nothing given: return the target with its conditions shown */
	cJSON_ArrayForEach(d, depends_on) {
		const char *attr, *sys, *code;
		int ok = 0;
		depends_read(d, &attr, &sys, &code);
		for (int i = 0; i < t->ndeps && !ok; i++) {
			const struct dep *q = &t->deps[i];
			int attr_ok = !q->attr || streq(q->attr, attr) || streq(q->attr, sys);
			int sys_ok = !q->system || !sys || streq(q->system, sys) || streq(q->system, attr);
			ok = attr_ok && sys_ok && streq(q->code, code);
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static int in_path(const struct hit *h, const struct sv_resource *m)
{
	for (int i = 0; h && i < h->npath; i++)
		if (h->path[i] == m)
			return 1;
	return 0;
}

/* Adds a hit reached through map `m` after `prev` (NULL for a direct step), composing equivalence. */
static void emit(struct tx *t, const struct hit *prev, const struct sv_resource *m, int backwards,
		 const char *system, const char *version, const char *code, const char *display, enum eqv eq,
		 const char *eq_text, const struct cm_target *tg)
{
	struct hit h;

	if (t->nhits >= MAX_HITS)
		return;
	if (prev) {
		if (streq(system, t->start_system))
			return;
		for (int i = 0; i < prev->npath; i++)
			if (streq(system, prev->via[i]))
				return;
	}
	memset(&h, 0, sizeof(h));
	if (prev) {
		h = *prev;
		h.eq = eq_compose(prev->eq, eq);
		h.eq_text = NULL;
	} else {
		h.eq = eq;
		h.eq_text = eq_text;
	}
	if (h.npath >= MAX_PATH)
		return;
	h.via[h.npath] = system;
	h.backwards[h.npath] = (unsigned char)backwards;
	h.path[h.npath++] = m;
	h.system = system;
	h.version = version;
	h.code = code;
	h.display = display;
	h.tg = tg;
	for (size_t i = 0; i < t->nhits; i++) {
		const struct hit *o = &t->hits[i];
		if (o->tg == h.tg && o->eq == h.eq && o->npath == h.npath && streq(o->code, h.code) &&
		    streq(o->system, h.system) && memcmp(o->path, h.path, sizeof(h.path)) == 0)
			return;
	}
	if (t->nhits == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->hits = sv_xrealloc(t->hits, t->cap * sizeof(*t->hits));
	}
	t->hits[t->nhits++] = h;
}

static void step(struct tx *t, const struct sv_resource *m, const char *sys, const char *code,
		 const struct hit *prev, int backwards);

static void step_unmapped(struct tx *t, const struct sv_resource *m, const struct cm_group *g,
			  const char *code, const struct hit *prev)
{
	const char *mode = g->unmapped_mode;

	if (!mode)
		return;
	if (strcmp(mode, "provided") == 0 || strcmp(mode, "use-source-code") == 0) {
		emit(t, prev, m, 0, g->tgt, g->tgt_ver, code, NULL,
		     g->has_unmapped_eq ? g->unmapped_eq : EQ_EQUIVALENT, NULL, NULL);
	} else if (strcmp(mode, "fixed") == 0 && g->unmapped_code) {
		emit(t, prev, m, 0, g->tgt, g->tgt_ver, g->unmapped_code, g->unmapped_display,
		     g->has_unmapped_eq ? g->unmapped_eq : EQ_INEXACT, NULL, NULL);
	} else if (strcmp(mode, "other-map") == 0 && g->unmapped_url) {
		const struct sv_resource *other = find_map(t, g->unmapped_url, NULL);
		struct hit via;
		if (!other || other == m || in_path(prev, other))
			return;
		/* The hop through `m` is recorded in the path; it adds no equivalence of its own. */
		memset(&via, 0, sizeof(via));
		if (prev)
			via = *prev;
		else
			via.eq = EQ_EQUIVALENT;
		if (via.npath >= MAX_PATH - 1)
			return;
		via.via[via.npath] = NULL;
		via.backwards[via.npath] = 0;
		via.path[via.npath++] = m;
		step(t, other, g->src, code, &via, 0);
	}
}

/* Translates (sys, code) through one map, read forward or `backwards` (target to source), appending hits. */
static void step(struct tx *t, const struct sv_resource *m, const char *sys, const char *code,
		 const struct hit *prev, int backwards)
{
	const struct cmindex *x = m->index;
	uint32_t i;

	if (!x || in_path(prev, m))
		return;
	if (backwards) {
		if (!lookup(&x->rev, sys, code, &i))
			return;
		for (; i != NIL; i = x->tg[i].next_rev) {
			const struct cm_target *tg = &x->tg[i];
			const struct cm_element *e = &x->el[tg->element];
			const struct cm_group *g = &x->groups[e->group];
			if (!depends_ok(t, tg->depends_on))
				continue;
			emit(t, prev, m, 1, g->src, g->src_ver, e->code, e->display, eq_reverse(tg->eq),
			     eq_text_reverse(tg->eq_text), tg);
		}
		return;
	}
	{
		unsigned char seen_small[64] = {0};
		unsigned char *seen = x->ngroups <= sizeof(seen_small) ? seen_small : sv_xcalloc(x->ngroups, 1);
		const char *keys[2] = {sys, ""};

		for (int k = 0; k < 2; k++) {
			if (k == 1 && !*sys)
				break;
			if (!lookup(&x->fwd, keys[k], code, &i))
				continue;
			for (; i != NIL; i = x->el[i].next) {
				const struct cm_element *e = &x->el[i];
				const struct cm_group *g = &x->groups[e->group];
				seen[e->group] = 1;
				if (e->nomap)
					emit(t, prev, m, 0, g->tgt, g->tgt_ver, NULL, NULL, EQ_UNMATCHED, NULL, NULL);
				for (uint32_t j = 0; j < e->ntargets; j++) {
					const struct cm_target *tg = &x->tg[e->first_target + j];
					if (!depends_ok(t, tg->depends_on))
						continue;
					emit(t, prev, m, 0, g->tgt, g->tgt_ver, tg->code, tg->display, tg->eq,
					     tg->eq_text, tg);
				}
			}
		}
		for (uint32_t gi = 0; gi < x->ngroups; gi++)
			if (!seen[gi] && streq(x->groups[gi].src, sys))
				step_unmapped(t, m, &x->groups[gi], code, prev);
		if (seen != seen_small)
			free(seen);
	}
}

static int scope_ok(const char *asked, const char *have)
{
	size_t n;
	if (!asked)
		return 1;
	if (!have)
		return 0;
	n = strcspn(have, "|");
	return strlen(asked) == n ? strncmp(asked, have, n) == 0 : strcmp(asked, have) == 0;
}

static int map_scoped(const struct tx *t, const struct sv_resource *m)
{
	const struct cmindex *x = m->index;
	return x && scope_ok(t->src_scope, x->source_scope) && scope_ok(t->tgt_scope, x->target_scope);
}

static void add_map(struct tx *t, const struct sv_resource *m)
{
	t->maps = sv_xrealloc(t->maps, (t->nmaps + 1) * sizeof(*t->maps));
	t->maps[t->nmaps++] = m;
}

/* Every map that applies: the latest of each url, overlay first. */
static void collect_maps(struct tx *t)
{
	if (t->ovl)
		for (uint32_t i = 0; i < t->ovl->ncm; i++)
			if (t->ovl->cm[i].is_latest)
				add_map(t, &t->ovl->cm[i]);
	for (uint32_t i = 0; i < t->snap->ncm; i++) {
		const struct sv_resource *m = &t->snap->cm[i];
		if (m->is_latest && !(t->ovl && sv_snapshot_conceptmap(t->ovl, m->url, NULL)))
			add_map(t, m);
	}
}

/* Returns 1 when a hit from index `from` on is in the wanted system, its last map read in the
 * request's direction (a chain does not end by reading a map backwards). */
static int has_want(const struct tx *t, size_t from)
{
	for (size_t i = from; i < t->nhits; i++) {
		const struct hit *h = &t->hits[i];
		if (streq(h->system, t->want) && h->backwards[h->npath - 1] == t->reverse)
			return 1;
	}
	return 0;
}

static void translate_coding(struct tx *t, const char *sys, const char *code)
{
	size_t first = t->nhits, lo, hi;

	t->start_system = sys;
	for (size_t i = 0; i < t->nmaps; i++)
		if (t->pinned || map_scoped(t, t->maps[i]))
			step(t, t->maps[i], sys, code, NULL, t->reverse);
	if (!t->want || t->pinned || has_want(t, first))
		return;
	/* Chains: breadth first, so a shorter path is always found before a longer one. Links may read a
	 * map against the request's direction (FSIII -> IPLOS through iplos-fsiii, then IPLOS -> SNOMED
	 * CT), except the last one: the target-system filter in sv_translate_run() drops those. */
	lo = first;
	for (size_t i = 0; i < t->nmaps; i++)
		step(t, t->maps[i], sys, code, NULL, !t->reverse);
	hi = t->nhits;
	/* Stop at the first depth that reaches the wanted system: the shortest chains answer. */
	for (int depth = 1; depth < MAX_PATH && lo < hi && !has_want(t, lo); depth++) {
		for (size_t i = lo; i < hi; i++) {
			struct hit h = t->hits[i];   /* copy: emit() may move the array */
			if (!eq_real(h.eq) || !h.code || !h.system || streq(h.system, t->want))
				continue;
			for (size_t k = 0; k < t->nmaps; k++) {
				step(t, t->maps[k], h.system, h.code, &h, t->reverse);
				step(t, t->maps[k], h.system, h.code, &h, !t->reverse);
			}
		}
		lo = hi;
		hi = t->nhits;
	}
}

/* ---- request parsing ---- */

static const char *const R5_NAMES[] = {
	"sourceCode", "sourceSystem", "sourceVersion", "sourceCoding", "sourceCodeableConcept",
	"targetCode", "targetCoding", "targetCodeableConcept", "sourceScope", "targetScope", "targetSystem",
};

struct input {
	const char *system, *version;
	const char *codes[MAX_CODINGS];
	const char *systems[MAX_CODINGS];
	int n;
	cJSON *owned;           /* the coding parsed from text, freed at the end */
};

static void read_dep_value(struct tx *t, const char *attr, const cJSON *part)
{
	const cJSON *v, *c;

	if (t->ndeps >= MAX_DEPS)
		return;
	if ((v = cJSON_GetObjectItemCaseSensitive(part, "valueCodeableConcept")) != NULL ||
	    (v = cJSON_GetObjectItemCaseSensitive(part, "concept")) != NULL) {
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "coding")) {
			if (t->ndeps < MAX_DEPS && sv_jstr(c, "code"))
				t->deps[t->ndeps++] = (struct dep){attr, sv_jstr(c, "system"), sv_jstr(c, "code")};
		}
		return;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(part, "valueCoding")) != NULL) {
		if (sv_jstr(v, "code"))
			t->deps[t->ndeps++] = (struct dep){attr, sv_jstr(v, "system"), sv_jstr(v, "code")};
		return;
	}
	if (sv_param_text(part))
		t->deps[t->ndeps++] = (struct dep){attr, NULL, sv_param_text(part)};
	else if (cJSON_IsBool(v = cJSON_GetObjectItemCaseSensitive(part, "valueBoolean")))
		t->deps[t->ndeps++] = (struct dep){attr, NULL, cJSON_IsTrue(v) ? "true" : "false"};
}

static enum sv_err read_deps(struct tx *t, const cJSON *params, struct sv_error *err)
{
	const cJSON *p, *q;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(params, "parameter")) {
		const char *attr = NULL;
		int nvalues = 0;
		if (!streq(sv_jstr(p, "name"), "dependency"))
			continue;
		if (!cJSON_GetObjectItemCaseSensitive(p, "part"))
			return sv_fail_at(err, SV_EINVAL, "dependency",
					  "dependency needs parts element/concept (R4) or attribute/value (R5)");
		attr = sv_params_string(p, "element");
		if (!attr)
			attr = sv_params_string(p, "attribute");
		cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(p, "part")) {
			const char *n = sv_jstr(q, "name");
			if (streq(n, "concept") || streq(n, "value")) {
				read_dep_value(t, attr, q);
				nvalues++;
			}
		}
		if (!nvalues)
			return sv_fail_at(err, SV_EINVAL, "dependency", "dependency has no concept/value part");
	}
	return SV_OK;
}

/* Reads the code to translate: exactly one of code / coding / codeableConcept in either naming. */
static enum sv_err read_input(const cJSON *params, int reverse, int *r5_reverse, struct input *in,
			      struct sv_error *err)
{
	static const struct {
		const char *name;
		char kind;      /* 'c' code, 'g' coding, 'x' codeableConcept */
		int target;
	} FORMS[] = {
		{"code", 'c', 0}, {"sourceCode", 'c', 0}, {"targetCode", 'c', 1},
		{"coding", 'g', 0}, {"sourceCoding", 'g', 0}, {"targetCoding", 'g', 1},
		{"codeableConcept", 'x', 0}, {"sourceCodeableConcept", 'x', 0}, {"targetCodeableConcept", 'x', 1},
	};
	const cJSON *chosen = NULL;
	const char *chosen_name = NULL;
	char kind = 0;
	int is_target = 0;

	for (size_t i = 0; i < sizeof(FORMS) / sizeof(FORMS[0]); i++) {
		int n = sv_params_count(params, FORMS[i].name);
		if (!n)
			continue;
		if (chosen || n > 1)
			return sv_fail_at(err, SV_EINVAL, FORMS[i].name,
					  "give exactly one of code, coding or codeableConcept (also '%s' was given)",
					  chosen_name ? chosen_name : FORMS[i].name);
		chosen = sv_params_get(params, FORMS[i].name);
		chosen_name = FORMS[i].name;
		kind = FORMS[i].kind;
		is_target = FORMS[i].target;
	}
	if (!chosen) {
		if (reverse)
			return sv_fail_at(err, SV_EINVAL, "reverse",
					  "reverse=true needs the target code to reverse (code+system or coding)");
		return sv_fail_at(err, SV_EREQUIRED, "code",
				  "no code to translate: give code+system, coding or codeableConcept "
				  "(R5: sourceCode+system, sourceCoding, sourceCodeableConcept or target*)");
	}
	if (reverse && strncmp(chosen_name, "source", 6) == 0)
		return sv_fail_at(err, SV_EINVAL, "reverse", "reverse=true cannot be combined with %s", chosen_name);
	*r5_reverse = is_target;
	in->system = sv_params_string(params, "system");
	if (!in->system)
		in->system = sv_params_string(params, "sourceSystem");
	in->version = sv_params_string(params, "version");
	if (!in->version)
		in->version = sv_params_string(params, "sourceVersion");
	if (kind == 'c') {
		in->codes[0] = sv_param_text(chosen);
		if (!in->codes[0] || !*in->codes[0])
			return sv_fail_at(err, SV_EINVAL, chosen_name, "%s must be a non-empty code", chosen_name);
		if (!in->system)
			return sv_fail_at(err, SV_EREQUIRED, "system", "%s needs system", chosen_name);
		in->systems[0] = in->system;
		in->n = 1;
	} else if (kind == 'g') {
		in->owned = sv_param_coding(chosen, chosen_name, err);
		if (!in->owned)
			return err ? err->code : SV_EINVAL;
		in->codes[0] = sv_jstr(in->owned, "code");
		in->systems[0] = sv_jstr(in->owned, "system");
		if (!in->codes[0] || !in->systems[0])
			return sv_fail_at(err, SV_EINVAL, chosen_name, "%s needs system and code", chosen_name);
		if (sv_jstr(in->owned, "version"))
			in->version = sv_jstr(in->owned, "version");
		in->n = 1;
	} else {
		const cJSON *cc = sv_param_codeableconcept(chosen, chosen_name, err), *c;
		if (!cc)
			return err ? err->code : SV_EINVAL;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cc, "coding")) {
			if (in->n < MAX_CODINGS && sv_jstr(c, "code") && sv_jstr(c, "system")) {
				in->codes[in->n] = sv_jstr(c, "code");
				in->systems[in->n++] = sv_jstr(c, "system");
			}
		}
		if (!in->n)
			return sv_fail_at(err, SV_EINVAL, chosen_name, "%s has no coding with system and code",
					  chosen_name);
	}
	return SV_OK;
}

static int uses_r5_names(const cJSON *params)
{
	for (size_t i = 0; i < sizeof(R5_NAMES) / sizeof(R5_NAMES[0]); i++)
		if (sv_params_get(params, R5_NAMES[i]))
			return 1;
	return 0;
}

/* Builds the request overlay from tx-resource and conceptMap parameters; *ovl stays NULL without any. */
static enum sv_err build_overlay(const cJSON *params, struct sv_snapshot **ovl, const struct sv_resource **inline_map,
				 struct sv_error *err)
{
	struct sv_snapshot_builder b;
	const cJSON *p;
	const char *cm_url = NULL, *cm_ver = NULL;
	int n = 0;
	enum sv_err rc = SV_OK;

	*ovl = NULL;
	*inline_map = NULL;
	sv_builder_init(&b);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(p, "resource");
		if (!streq(name, "tx-resource") && !streq(name, "conceptMap"))
			continue;
		if (!cJSON_IsObject(res)) {
			rc = sv_fail_at(err, SV_EINVAL, name, "%s must carry a resource", name);
			goto out;
		}
		if (streq(name, "conceptMap")) {
			if (!streq(sv_jstr(res, "resourceType"), "ConceptMap")) {
				rc = sv_fail_at(err, SV_EINVAL, name, "conceptMap must be a ConceptMap");
				goto out;
			}
			cm_url = sv_jstr(res, "url");
			cm_ver = sv_jstr(res, "version");
		}
		rc = sv_builder_add(&b, cJSON_Duplicate(res, 1), err);
		if (rc != SV_OK) {
			if (err)
				snprintf(err->expression, sizeof(err->expression), "%s", name);
			goto out;
		}
		n++;
	}
	if (!n)
		goto out;
	*ovl = sv_builder_build(&b, err);
	if (!*ovl) {
		rc = err && err->code != SV_OK ? err->code : SV_EINVAL;
		goto out;
	}
	if (cm_url)
		*inline_map = sv_snapshot_conceptmap(*ovl, cm_url, cm_ver);
out:
	sv_builder_release(&b);
	return rc;
}

/* ---- the answer ---- */

static char *canonical(const struct sv_resource *m)
{
	size_t n = strlen(m->url) + (m->version ? strlen(m->version) : 0) + 2;
	char *s = sv_xmalloc(n);
	if (m->version)
		snprintf(s, n, "%s|%s", m->url, m->version);
	else
		snprintf(s, n, "%s", m->url);
	return s;
}

/* Adds `entry` (a dependsOn or product of a map target) as a part named `name`. */
static void add_entry(cJSON *match, const char *name, const cJSON *entry, int r5)
{
	const char *attr, *sys, *code;
	cJSON *part = sv_params_add_part(match, name);
	const char *display = sv_jstr(entry, "display");

	depends_read(entry, &attr, &sys, &code);
	if (attr)
		sv_params_add(part, r5 ? "attribute" : "element", "Uri", attr);
	if (!code)
		return;
	if (r5 && !sys && !sv_jstr(entry, "value")) {
		/* An R5 map's own value[x] is passed on as it is. */
		static const char *const KEEP[] = {"valueCode", "valueString", "valueBoolean", "valueQuantity"};
		for (size_t i = 0; i < sizeof(KEEP) / sizeof(KEEP[0]); i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, KEEP[i]);
			if (v) {
				sv_params_add_value(part, "value", KEEP[i], cJSON_Duplicate(v, 1));
				return;
			}
		}
	}
	if (r5 && !sys)
		sv_params_add(part, "value", "String", code);
	else
		sv_params_add_value(part, r5 ? "value" : "concept", "valueCoding",
				    sv_coding_new(sys, NULL, code, display));
}

static void add_match(cJSON *out, const struct tx *t, const struct hit *h, int r5)
{
	cJSON *match = sv_params_add_part(out, "match");
	const cJSON *e;

	if (r5)
		sv_params_add(match, "relationship", "Code", EQ_R5[h->eq]);
	else
		sv_params_add(match, "equivalence", "Code", h->eq_text ? h->eq_text : EQ_R4[h->eq]);
	if (h->code) {
		const char *display = h->display;
		if (!display) {
			const struct sv_codesystem *cs = find_cs(t, h->system, h->version);
			const struct sv_concept *c = cs ? sv_codesystem_concept(cs, h->code) : NULL;
			display = c ? c->display : NULL;
		}
		sv_params_add_value(match, "concept", "valueCoding",
				    sv_coding_new(h->system, h->version, h->code, display));
	}
	if (h->tg && !h->backwards[h->npath - 1])
		cJSON_ArrayForEach(e, h->tg->product)
			add_entry(match, "product", e, r5);
	if (h->tg)
		cJSON_ArrayForEach(e, h->tg->depends_on)
			add_entry(match, "dependsOn", e, r5);
	for (int i = 0; i < h->npath; i++) {
		char *c = canonical(h->path[i]);
		if (r5)
			sv_params_add(match, "originMap", "Canonical", c);
		else if (i == 0)
			sv_params_add(match, "source", "Uri", c);
		if (!r5 && h->npath > 1)
			sv_params_add(match, "originMap", "Canonical", c);
		free(c);
	}
}

static cJSON *answer(const struct tx *t, const struct input *in, int r5)
{
	cJSON *out = sv_params_new();
	int result = 0;
	size_t longest = 0;
	char msg[1024];

	for (size_t i = 0; i < t->nhits; i++) {
		result |= eq_real(t->hits[i].eq) && t->hits[i].code != NULL;
		if (t->hits[i].npath > t->hits[longest].npath)
			longest = i;
	}
	sv_params_add_bool(out, "result", result);
	if (!t->nhits) {
		if (in->n == 1 && !find_cs(t, in->systems[0], NULL) )
			snprintf(msg, sizeof(msg), "No translation for %s|%s: the code system %s is not known to this "
				 "server and no map applies", in->systems[0], in->codes[0], in->systems[0]);
		else if (in->n == 1)
			snprintf(msg, sizeof(msg), "No translation found for %s|%s%s%s", in->systems[0], in->codes[0],
				 t->want ? " to " : "", t->want ? t->want : "");
		else
			snprintf(msg, sizeof(msg), "No translation found for any coding of the CodeableConcept");
		sv_params_add(out, "message", "String", msg);
	} else if (t->hits[longest].npath > 1) {
		const struct hit *h = &t->hits[longest];
		size_t len = (size_t)snprintf(msg, sizeof(msg), "Translated through a chain of maps:");
		for (int i = 0; i < h->npath && len < sizeof(msg); i++)
			len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s %s|%s%s", i ? " ->" : "",
						h->path[i]->url, h->path[i]->version ? h->path[i]->version : "",
						h->backwards[i] != t->reverse ? " (read in reverse)" : "");
		sv_params_add(out, "message", "String", msg);
	} else if (!result) {
		snprintf(msg, sizeof(msg), "The maps state that this code has no match");
		sv_params_add(out, "message", "String", msg);
	}
	for (size_t i = 0; i < t->nhits; i++)
		add_match(out, t, &t->hits[i], r5);
	return out;
}

static enum sv_err pick_maps(struct tx *t, const cJSON *params, const char *map_id,
			     const struct sv_resource *inline_map, struct sv_error *err)
{
	const char *url = sv_params_string(params, "url");
	const char *ver = sv_params_string(params, "conceptMapVersion");
	const struct sv_resource *m = NULL;

	if (map_id) {
		const struct sv_snapshot *ss[2] = {t->ovl, t->snap};
		for (int s = 0; s < 2 && !m; s++)
			for (uint32_t i = 0; ss[s] && i < ss[s]->ncm && !m; i++)
				if (streq(ss[s]->cm[i].id, map_id))
					m = &ss[s]->cm[i];
		if (!m)
			return sv_fail(err, SV_ENOTFOUND, "ConceptMap/%s is not known", map_id);
		if (ver && !streq(m->version, ver))
			return sv_fail_at(err, SV_ENOTFOUND, "conceptMapVersion",
					  "ConceptMap/%s has version %s, not %s", map_id,
					  m->version ? m->version : "(none)", ver);
	} else if (inline_map) {
		m = inline_map;
	} else if (url) {
		m = find_map(t, url, ver);
		if (!m && ver && find_map(t, url, NULL))
			return sv_fail_at(err, SV_ENOTFOUND, "conceptMapVersion",
					  "ConceptMap %s has no version %s", url, ver);
		if (!m)
			return sv_fail_at(err, SV_ENOTFOUND, "url", "ConceptMap %s is not known", url);
	} else if (ver) {
		return sv_fail_at(err, SV_EINVAL, "conceptMapVersion", "conceptMapVersion needs url (or a map id)");
	}
	if (m) {
		add_map(t, m);
		t->pinned = 1;
	} else {
		collect_maps(t);
	}
	return SV_OK;
}

enum sv_err sv_translate_run(const struct sv_snapshot *snap, const cJSON *params, const char *map_id,
			     int fhir_version, cJSON **out, struct sv_error *err)
{
	struct tx t;
	struct input in;
	struct sv_snapshot *ovl = NULL;
	const struct sv_resource *inline_map = NULL;
	int reverse = 0, r5_reverse = 0, r5;
	enum sv_err rc;

	memset(&t, 0, sizeof(t));
	memset(&in, 0, sizeof(in));
	*out = NULL;
	t.snap = snap;
	rc = sv_params_bool(params, "reverse", 0, &reverse, err);
	if (rc != SV_OK)
		goto out;
	rc = read_input(params, reverse, &r5_reverse, &in, err);
	if (rc != SV_OK)
		goto out;
	rc = read_deps(&t, params, err);
	if (rc != SV_OK)
		goto out;
	rc = build_overlay(params, &ovl, &inline_map, err);
	if (rc != SV_OK)
		goto out;
	t.ovl = ovl;
	t.reverse = reverse || r5_reverse;
	t.want = sv_params_string(params, "targetsystem");
	if (!t.want)
		t.want = sv_params_string(params, "targetSystem");
	t.src_scope = sv_params_string(params, "source");
	if (!t.src_scope)
		t.src_scope = sv_params_string(params, "sourceScope");
	t.tgt_scope = sv_params_string(params, "target");
	if (!t.tgt_scope)
		t.tgt_scope = sv_params_string(params, "targetScope");
	rc = pick_maps(&t, params, map_id, inline_map, err);
	if (rc != SV_OK)
		goto out;
	for (int i = 0; i < in.n; i++)
		translate_coding(&t, in.systems[i], in.codes[i]);
	if (t.want) {
		size_t k = 0;
		for (size_t i = 0; i < t.nhits; i++) {
			const struct hit *h = &t.hits[i];
			if (streq(h->system, t.want) && h->backwards[h->npath - 1] == t.reverse)
				t.hits[k++] = *h;   /* see has_want() */
		}
		t.nhits = k;
	}
	r5 = fhir_version >= 5 || uses_r5_names(params);
	*out = answer(&t, &in, r5);
	rc = SV_OK;
out:
	cJSON_Delete(in.owned);
	free(t.hits);
	free(t.maps);
	sv_snapshot_release(ovl);
	return rc;
}

enum sv_err sv_op_cm_translate(struct sv_request *req, cJSON **out, int *status)
{
	enum sv_err rc;

	*out = NULL;
	if (req->params) {
		rc = sv_params_check(req->params, &req->err);
		if (rc != SV_OK)
			return rc;
	}
	rc = sv_translate_run(req->snap, req->params, req->id, req->fhir_version, out, &req->err);
	if (rc == SV_OK && status)
		*status = 200;
	return rc;
}
