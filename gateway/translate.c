/* translate.c — the $translate engine, see translate.h for the decisions. */
#include "samsvar/translate.h"
#include "samsvar/icf_rule.h"
#include "samsvar/snapshot.h"
#include "samsvar/systems.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NIL SV_CM_NIL
#define MAX_PATH SV_TX_MAX_PATH

static enum sv_relation eq_reverse(enum sv_relation e)
{
	return e == SV_REL_WIDER ? SV_REL_NARROWER : e == SV_REL_NARROWER ? SV_REL_WIDER : e;
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
static enum sv_relation eq_compose(enum sv_relation a, enum sv_relation b)
{
	if (!sv_relation_is_match(b))
		return b;
	if (!sv_relation_is_match(a))
		return a;
	if (a == SV_REL_EQUIVALENT)
		return b;
	if (b == SV_REL_EQUIVALENT || a == b)
		return a;
	if (a == SV_REL_RELATEDTO || b == SV_REL_RELATEDTO)
		return SV_REL_RELATEDTO;
	return SV_REL_INEXACT;
}

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---- one translation request ---- */

struct hit {
	const char *system, *version, *code, *display;
	enum sv_relation eq;
	const char *eq_text;    /* the map's R4 word for a direct hit, else NULL */
	const struct sv_cm_target *tg;     /* NULL for unmapped answers */
	const struct sv_resource *path[MAX_PATH];
	const char *via[MAX_PATH];      /* systems passed through (chain cycle guard) */
	unsigned char backwards[MAX_PATH];  /* 1: that map was read from target to source */
	int npath;
};

struct tx {
	const struct sv_snapshot *snap, *ovl;
	const char *start_system;
	const struct sv_tx_dep *deps;
	int ndeps;
	const char *want, *src_scope, *tgt_scope;
	int reverse;
	const struct sv_resource **maps;   /* `maps_first` until more are needed, then the heap */
	size_t nmaps, maps_cap;
	const struct sv_resource *maps_first[8];
	int pinned;
	struct hit *hits;       /* `first` until more are needed, then the heap */
	size_t nhits, cap;
	struct hit first[32];   /* most answers fit: no large allocation per request */
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

static int depends_ok(const struct tx *t, const struct sv_cmindex *x, const struct sv_cm_target *tg)
{
	if (t->ndeps == 0)
		return 1;   /* nothing given: return the target with its conditions shown */
	for (uint32_t d = 0; d < tg->ndeps; d++) {
		const struct sv_cm_attr *a = &x->attrs[tg->first_dep + d];
		int ok = 0;
		for (int i = 0; i < t->ndeps && !ok; i++) {
			const struct sv_tx_dep *q = &t->deps[i];
			int attr_ok = !q->attribute || streq(q->attribute, a->attribute) || streq(q->attribute, a->system);
			int sys_ok = !q->system || !a->system || streq(q->system, a->system) ||
				     streq(q->system, a->attribute);
			ok = attr_ok && sys_ok && streq(q->code, a->code);
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

/* Appends hit h (the caller has checked SV_TX_MAX_MATCHES), growing the array off the stack when full. */
static void push_hit(struct tx *t, const struct hit *h)
{
	if (t->nhits == t->cap) {
		t->cap *= 2;
		if (t->hits == t->first)
			t->hits = memcpy(sv_xmalloc(t->cap * sizeof(*t->hits)), t->first, sizeof(t->first));
		else
			t->hits = sv_xrealloc(t->hits, t->cap * sizeof(*t->hits));
	}
	t->hits[t->nhits++] = *h;
}

/* Adds a hit reached through map `m` after `prev` (NULL for a direct step), composing equivalence. */
static void emit(struct tx *t, const struct hit *prev, const struct sv_resource *m, int backwards,
		 const char *system, const char *version, const char *code, const char *display, enum sv_relation eq,
		 const char *eq_text, const struct sv_cm_target *tg)
{
	struct hit h;

	if (t->nhits >= SV_TX_MAX_MATCHES)
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
	push_hit(t, &h);
}

static void step(struct tx *t, const struct sv_resource *m, const char *sys, const char *code,
		 const struct hit *prev, int backwards);

static void step_unmapped(struct tx *t, const struct sv_resource *m, const struct sv_cm_group *g,
			  const char *code, const struct hit *prev)
{
	const char *mode = g->unmapped_mode;

	if (!mode)
		return;
	if (strcmp(mode, "provided") == 0 || strcmp(mode, "use-source-code") == 0) {
		emit(t, prev, m, 0, g->tgt, g->tgt_ver, code, NULL,
		     g->has_unmapped_rel ? g->unmapped_rel : SV_REL_EQUIVALENT, NULL, NULL);
	} else if (strcmp(mode, "fixed") == 0 && g->unmapped_code) {
		emit(t, prev, m, 0, g->tgt, g->tgt_ver, g->unmapped_code, g->unmapped_display,
		     g->has_unmapped_rel ? g->unmapped_rel : SV_REL_INEXACT, NULL, NULL);
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
			via.eq = SV_REL_EQUIVALENT;
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
	const struct sv_cmindex *x = m->index;
	uint32_t i;

	if (!x || in_path(prev, m))
		return;
	if (backwards) {
		for (i = sv_cmindex_reverse(x, sys, code); i != NIL; i = x->tg[i].next_rev) {
			const struct sv_cm_target *tg = &x->tg[i];
			const struct sv_cm_element *e = &x->el[tg->element];
			const struct sv_cm_group *g = &x->groups[e->group];
			if (!depends_ok(t, x, tg))
				continue;
			emit(t, prev, m, 1, g->src, g->src_ver, e->code, e->display, eq_reverse(tg->rel),
			     eq_text_reverse(tg->equivalence), tg);
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
			for (i = sv_cmindex_forward(x, keys[k], code); i != NIL; i = x->el[i].next) {
				const struct sv_cm_element *e = &x->el[i];
				const struct sv_cm_group *g = &x->groups[e->group];
				seen[e->group] = 1;
				if (e->nomap)
					emit(t, prev, m, 0, g->tgt, g->tgt_ver, NULL, NULL, SV_REL_UNMATCHED, NULL, NULL);
				for (uint32_t j = 0; j < e->ntargets; j++) {
					const struct sv_cm_target *tg = &x->tg[e->first_target + j];
					if (!depends_ok(t, x, tg))
						continue;
					emit(t, prev, m, 0, g->tgt, g->tgt_ver, tg->code, tg->display, tg->rel,
					     tg->equivalence, tg);
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
	const struct sv_cmindex *x = m->index;
	return x && scope_ok(t->src_scope, x->source_scope) && scope_ok(t->tgt_scope, x->target_scope);
}

static void add_map(struct tx *t, const struct sv_resource *m)
{
	if (t->nmaps == t->maps_cap) {
		t->maps_cap *= 2;
		if (t->maps == t->maps_first)
			t->maps = memcpy(sv_xmalloc(t->maps_cap * sizeof(*t->maps)), t->maps_first,
					 sizeof(t->maps_first));
		else
			t->maps = sv_xrealloc(t->maps, t->maps_cap * sizeof(*t->maps));
	}
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
		if (streq(h->system, t->want) && (!h->npath || h->backwards[h->npath - 1] == t->reverse))
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
			if (!sv_relation_is_match(h.eq) || !h.code || !h.system || streq(h.system, t->want))
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

/* ---- historical associations ---- */

/* When no map said anything about SNOMED CT code `code` and it is inactive, its historical associations
 * (the properties an RF2 import keeps) answer, with no map in the path. The relationships are those FHIR's
 * SNOMED CT page gives the association refsets' implicit concept maps: SAME AS is equal (R5: equivalent),
 * REPLACED BY equivalent, POSSIBLY EQUIVALENT TO and ALTERNATIVE inexact (R5: related-to). */
static void follow_history(struct tx *t, const char *sys, const char *version, const char *code)
{
	static const struct {
		const char *property, *r4;
		enum sv_relation rel;
	} kinds[] = {
		{SV_PROP_SAME_AS, "equal", SV_REL_EQUIVALENT},
		{SV_PROP_REPLACED_BY, "equivalent", SV_REL_EQUIVALENT},
		{SV_PROP_POSSIBLY_EQUIVALENT_TO, "inexact", SV_REL_INEXACT},
		{SV_PROP_ALTERNATIVE, "inexact", SV_REL_INEXACT},
	};
	const struct sv_codesystem *cs;
	const struct sv_concept *k;

	if (!streq(sys, SV_SYS_SNOMED) || !code || !(cs = find_cs(t, sys, version)) ||
	    !(k = sv_codesystem_concept(cs, code)) || !sv_concept_inactive(cs, k))
		return;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		for (uint32_t j = 0; j < k->nprops; j++) {
			const struct sv_property *p = &k->props[j];
			const char *target = p->value;
			struct hit h;
			if (!streq(p->type, "valueCode") || !streq(p->code, kinds[i].property) || t->nhits >= SV_TX_MAX_MATCHES)
				continue;
			memset(&h, 0, sizeof(h));
			h.system = cs->url;
			h.version = cs->version;
			h.code = target;
			h.eq = kinds[i].rel;
			h.eq_text = kinds[i].r4;
			push_hit(t, &h);
		}
}

/* ---- the entry point ---- */

/* Finds the pinned map, if any, and collects the maps to consult into t->maps. */
static enum sv_err pick_maps(struct tx *t, const struct sv_tx_request *req, struct sv_error *err)
{
	const char *url = req->map_url, *ver = req->map_version;
	const struct sv_resource *m = NULL;

	if (req->map_id) {
		const struct sv_snapshot *ss[2] = {t->ovl, t->snap};
		for (int s = 0; s < 2 && !m; s++)
			for (uint32_t i = 0; ss[s] && i < ss[s]->ncm && !m; i++)
				if (streq(ss[s]->cm[i].id, req->map_id))
					m = &ss[s]->cm[i];
		if (!m)
			return sv_fail(err, SV_ENOTFOUND, "ConceptMap/%s is not known", req->map_id);
		if (ver && !streq(m->version, ver))
			return sv_fail_at(err, SV_ENOTFOUND, "conceptMapVersion",
					  "ConceptMap/%s has version %s, not %s", req->map_id,
					  m->version ? m->version : "(none)", ver);
	} else if (req->map) {
		m = req->map;
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
		/* A request may send two maps under one url and version: the url names them all, and each
		 * answers for the codes it maps. Only a request's overlay can hold such twins. */
		if (t->ovl && m >= t->ovl->cm && m < t->ovl->cm + t->ovl->ncm)
			for (const struct sv_resource *o = m + 1; o < t->ovl->cm + t->ovl->ncm; o++)
				if (streq(o->url, m->url) && streq(o->version, m->version))
					add_map(t, o);
	} else {
		collect_maps(t);
	}
	return SV_OK;
}

/* The user's sentence: why nothing was found, the path of a chain, or that the maps say "no match". */
static void message(const struct tx *t, const struct sv_tx_coding *in, int n, struct sv_tx_result *r)
{
	size_t longest = 0;

	for (size_t i = 0; i < t->nhits; i++)
		if (t->hits[i].npath > t->hits[longest].npath)
			longest = i;
	if (!t->nhits) {
		if (n == 1 && !find_cs(t, in[0].system, NULL))
			snprintf(r->message, sizeof(r->message), "No translation for %s|%s: the code system %s is not "
				 "known to this server and no map applies", in[0].system, in[0].code, in[0].system);
		else if (n == 1)
			snprintf(r->message, sizeof(r->message), "No translation found for %s|%s%s%s", in[0].system,
				 in[0].code, t->want ? " to " : "", t->want ? t->want : "");
		else
			snprintf(r->message, sizeof(r->message),
				 "No translation found for any coding of the CodeableConcept");
	} else if (t->hits[longest].npath > 1) {
		const struct hit *h = &t->hits[longest];
		size_t len = (size_t)snprintf(r->message, sizeof(r->message), "Translated through a chain of maps:");
		for (int i = 0; i < h->npath && len < sizeof(r->message); i++)
			len += (size_t)snprintf(r->message + len, sizeof(r->message) - len, "%s %s|%s%s", i ? " ->" : "",
						h->path[i]->url, h->path[i]->version ? h->path[i]->version : "",
						h->backwards[i] != t->reverse ? " (read in reverse)" : "");
	} else if (!r->result) {
		snprintf(r->message, sizeof(r->message), "The maps state that this code has no match");
	}
}

/* Fills m->qualifier for a direct forward hit on a target that declares a qualifier kind, when its map
 * names a qualifier map and a request dependency is a source code of that map (see translate.h). */
static void qualify(const struct tx *t, const struct hit *h, struct sv_tx_match *m)
{
	const struct sv_cmindex *x = h->path[0]->index, *qx;
	const struct sv_resource *qm;

	if (!h->tg || h->npath != 1 || h->backwards[0] || !h->tg->qualifier || !x->qualifier_map || !t->ndeps)
		return;
	if (h->eq != SV_REL_EQUIVALENT && h->eq != SV_REL_WIDER && h->eq != SV_REL_NARROWER)
		return;
	if (!streq(h->system, SV_SYS_ICF) || !sv_icf_kind_fits(h->tg->qualifier, h->code))
		return;
	qm = find_map(t, x->qualifier_map, NULL);
	qx = qm ? qm->index : NULL;
	for (int i = 0; qx && i < t->ndeps; i++) {
		const struct sv_tx_dep *d = &t->deps[i];
		const char *sys = d->system ? d->system : d->attribute;
		for (uint32_t e = sys && d->code ? sv_cmindex_forward(qx, sys, d->code) : NIL; e != NIL;
		     e = qx->el[e].next)
			for (uint32_t j = 0; j < qx->el[e].ntargets; j++) {
				const struct sv_cm_target *q = &qx->tg[qx->el[e].first_target + j];
				if (!q->code || !sv_relation_is_match(q->rel))
					continue;
				m->qualifier.kind = h->tg->qualifier;
				m->qualifier.system = qx->groups[qx->el[e].group].tgt;
				m->qualifier.code = q->code;
				m->qualifier.display = q->display;
				m->qualifier.map = qm;
				return;
			}
	}
}

/* Turns the hits into matches: the R4 word, the display from the code system when the map has none,
 * and the target's conditions and products as the map states them. */
static void result_fill(const struct tx *t, struct sv_tx_result *r)
{
	r->matches = t->nhits <= sizeof(r->small) / sizeof(r->small[0]) ? r->small :
		sv_xcalloc(t->nhits, sizeof(*r->matches));
	r->nmatches = t->nhits;
	for (size_t i = 0; i < t->nhits; i++) {
		const struct hit *h = &t->hits[i];
		struct sv_tx_match *m = &r->matches[i];
		memset(m, 0, sizeof(*m));
		m->relation = h->eq;
		m->equivalence = h->eq_text ? h->eq_text : sv_relation_r4(h->eq);
		m->system = h->system;
		m->version = h->version;
		m->code = h->code;
		m->display = h->display;
		if (h->code && !m->display) {
			const struct sv_codesystem *cs = find_cs(t, h->system, h->version);
			const struct sv_concept *c = cs ? sv_codesystem_concept(cs, h->code) : NULL;
			m->display = c ? c->display : NULL;
		}
		memcpy(m->path, h->path, sizeof(m->path));
		memcpy(m->backwards, h->backwards, sizeof(m->backwards));
		m->npath = h->npath;
		if (h->tg) {
			/* The target belongs to the last map of the path. */
			const struct sv_cmindex *x = h->path[h->npath - 1]->index;
			m->depends_on = &x->attrs[h->tg->first_dep];
			m->ndepends = h->tg->ndeps;
			if (!h->backwards[h->npath - 1]) {
				m->products = &x->attrs[h->tg->first_prod];
				m->nproducts = h->tg->nprods;
			}
			m->comment = h->tg->comment;
			qualify(t, h, m);
		}
		r->result |= sv_relation_is_match(h->eq) && h->code != NULL;
	}
}

enum sv_err sv_translate(const struct sv_snapshot *snap, const struct sv_tx_request *req,
			 struct sv_tx_result *out, struct sv_error *err)
{
	struct tx t;
	struct sv_tx_coding one = {req->system, req->code};
	const struct sv_tx_coding *in = req->ncodings > 0 ? req->codings : &one;
	int n = req->ncodings > 0 ? req->ncodings : 1;
	enum sv_err rc;
	int history = 0;

	memset(&t, 0, sizeof(t));
	out->matches = NULL;
	out->nmatches = 0;
	out->result = 0;
	out->message[0] = '\0';
	t.hits = t.first;
	t.cap = sizeof(t.first) / sizeof(t.first[0]);
	t.maps = t.maps_first;   /* a pinned map, the usual request, needs no allocation */
	t.maps_cap = sizeof(t.maps_first) / sizeof(t.maps_first[0]);
	if (n == 1 && (!in[0].code || !in[0].system))
		return sv_fail_at(err, SV_EREQUIRED, in[0].code ? "system" : "code", "%s",
				  in[0].code ? "the code needs a system" : "no code to translate");
	t.snap = snap;
	t.ovl = req->overlay;
	t.deps = req->deps;
	t.ndeps = req->ndeps;
	t.reverse = req->reverse;
	t.want = req->target_system;
	t.src_scope = req->source_scope;
	t.tgt_scope = req->target_scope;
	rc = pick_maps(&t, req, err);
	if (rc != SV_OK)
		goto out;
	for (int i = 0; i < n; i++)
		translate_coding(&t, in[i].system, in[i].code);
	/* No map applies and none is pinned: an inactive SNOMED CT code answers with what replaced it. */
	for (int i = 0; i < n && !t.nhits && !t.pinned && !t.reverse; i++)
		follow_history(&t, in[i].system, n == 1 ? req->version : NULL, in[i].code);
	history = t.nhits > 0 && !t.hits[0].npath;
	if (t.want) {
		size_t k = 0;
		for (size_t i = 0; i < t.nhits; i++) {
			const struct hit *h = &t.hits[i];
			if (streq(h->system, t.want) && (!h->npath || h->backwards[h->npath - 1] == t.reverse))
				t.hits[k++] = *h;   /* see has_want() */
		}
		t.nhits = k;
	}
	result_fill(&t, out);
	message(&t, in, n, out);
	if (history && t.nhits)
		snprintf(out->message, sizeof(out->message), "No map applies: the code is inactive, and its historical "
			 "associations (REPLACED BY, SAME AS, POSSIBLY EQUIVALENT TO, ALTERNATIVE) name what to use");
	rc = SV_OK;
out:
	if (t.hits != t.first)
		free(t.hits);
	if (t.maps != t.maps_first)
		free(t.maps);
	return rc;
}

void sv_tx_result_release(struct sv_tx_result *r)
{
	if (r->matches != r->small)
		free(r->matches);
	r->matches = NULL;
	r->nmatches = 0;
	r->result = 0;
	r->message[0] = '\0';
}
