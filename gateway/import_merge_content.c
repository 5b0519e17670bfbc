/* import_merge_content.c — the rule of import_merge.h for a new latest version held as compact content
 * (cscontent.h, an RF2 edition): no JSON tree per concept, one pass over each side. */
#include "samsvar/import_merge.h"
#include "samsvar/cscontent.h"
#include "samsvar/jsonutil.h"
#include "samsvar/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_fragment(const cJSON *cs)
{
	const char *content = sv_jstr(cs, "content");
	return content && strcmp(content, "fragment") == 0;
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether concept k of `out` (its rows so far: the run `from` of `fresh`, then the last `extra` added to
 * out) has a designation in `lang` with `value`. */
static int has_designation(const struct sv_content *fresh, uint32_t k, const struct sv_content *out, uint32_t extra,
			   const char *lang, const char *value)
{
	if (k < fresh->nconcept)
		for (uint32_t j = 0; j < fresh->concept[k].ndesig; j++) {
			const struct sv_designation *d = &fresh->desig[fresh->concept[k].desig + j];
			if (same(d->language, lang) && strcmp(d->value, value) == 0)
				return 1;
		}
	for (uint32_t j = out->ndesig - extra; j < out->ndesig; j++)
		if (same(out->desig[j].language, lang) && strcmp(out->desig[j].value, value) == 0)
			return 1;
	return 0;
}

/* Adds property p to concept k of out, with the JSON it came from (which the caller keeps until out is
 * stored). */
static enum sv_err add_property(struct sv_content *out, uint32_t k, const struct sv_property *p, struct sv_error *err)
{
	enum sv_err rc = sv_content_add_property(out, k, p->code, p->type, p->value, err);

	if (rc == SV_OK)
		out->prop[out->nprop - 1].json = p->json;
	return rc;
}

/* Adds a designation to concept k of out unless it has one with that language and value; counts it. */
static enum sv_err add_designation(const struct sv_content *fresh, uint32_t k, struct sv_content *out,
				   uint32_t *extra, const struct sv_designation *d, struct sv_error *err)
{
	enum sv_err rc;

	if (!d->value || has_designation(fresh, k, out, *extra, d->language, d->value))
		return SV_OK;
	if ((rc = sv_content_add_designation(out, k, d, err)) == SV_OK)
		(*extra)++;
	return rc;
}

/* Copies to `header` the declaration `other` has for property `code` when `header` declares none. */
static void declare_from(cJSON *header, const cJSON *other, const char *code)
{
	cJSON *props = cJSON_GetObjectItemCaseSensitive(header, "property");
	const cJSON *p;

	if (!cJSON_IsArray(props)) {
		cJSON_DeleteItemFromObjectCaseSensitive(header, "property");
		props = cJSON_AddArrayToObject(header, "property");
	}
	cJSON_ArrayForEach(p, props)
		if (same(sv_jstr(p, "code"), code))
			return;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(other, "property"))
		if (same(sv_jstr(p, "code"), code)) {
			cJSON_AddItemToArray(props, cJSON_Duplicate(p, 1));
			return;
		}
	if (strcmp(code, SV_PROP_NOT_IN_EDITION) == 0) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "code", SV_PROP_NOT_IN_EDITION);
		cJSON_AddStringToObject(d, "description", "The concept is not part of the edition this CodeSystem was "
					"imported from: it was kept from another import of the same version (e.g. a bundled "
					"fragment whose maps need it), is not counted in `count`, and needs a fuller edition");
		cJSON_AddStringToObject(d, "type", "boolean");
		cJSON_AddItemToArray(props, d);
	}
}

/* Builds in `out` the content `fresh` with what `frag` adds (see sv_import_check_version_content()). With
 * `keep_frag_language` (frag is the stored version of the same url and version) and two languages, the
 * stored one's stays the code system's and its titles the displays, fresh's becoming designations. */
static enum sv_err carry(const cJSON *fresh_header, cJSON *header, const struct sv_content *fresh,
			 const cJSON *frag_header, const struct sv_content *frag, int keep_frag_language,
			 struct sv_content *out, struct sv_merge_report *rep, struct sv_error *err)
{
	const char *lang = sv_jstr(fresh_header, "language"), *frag_lang = sv_jstr(frag_header, "language");
	int lang_designation = frag_lang && (!lang || strcmp(lang, frag_lang) != 0);
	int relabel = keep_frag_language && lang && frag_lang && strcmp(lang, frag_lang) != 0;
	uint32_t *at = sv_xmalloc(((size_t)frag->nconcept + 1) * sizeof(uint32_t)); /* frag index -> out index */
	int64_t *of = sv_xmalloc(((size_t)fresh->nconcept + 1) * sizeof(int64_t));  /* fresh index -> frag index */
	uint32_t idx, n = fresh->nconcept;
	enum sv_err rc = SV_OK;

	for (uint32_t i = 0; i < fresh->nconcept; i++)
		of[i] = -1;
	for (uint32_t i = 0; i < fresh->nconcept && rc == SV_OK; i++) {
		const struct sv_content_concept *k = &fresh->concept[i];
		if ((rc = sv_content_add_concept(out, k->code, k->display, k->definition, &idx, err)) == SV_OK) {
			out->concept[idx].inactive = k->inactive;
			out->concept[idx].json = k->json;
		}
	}
	for (uint32_t i = 0; i < frag->nconcept && rc == SV_OK; i++) {
		const struct sv_content_concept *k = &frag->concept[i];
		int64_t f = sv_content_find(fresh, k->code);
		if (f >= 0) {
			at[i] = (uint32_t)f;
			of[f] = i;
			continue;
		}
		if ((rc = sv_content_add_concept(out, k->code, k->display, k->definition, &at[i], err)) == SV_OK) {
			out->concept[at[i]].inactive = k->inactive;
			out->concept[at[i]].json = k->json;
		}
		rep->carried++;
	}
	/* The edition's concepts: their rows, then the fragment's designations and parents they lack. */
	for (uint32_t i = 0; i < n && rc == SV_OK; i++) {
		const struct sv_content_concept *k = &fresh->concept[i];
		const struct sv_content_concept *x = of[i] >= 0 ? &frag->concept[of[i]] : NULL;
		uint32_t extra = 0;
		for (uint32_t j = 0; j < k->ndesig && rc == SV_OK; j++)
			rc = sv_content_add_designation(out, i, &fresh->desig[k->desig + j], err);
		for (uint32_t j = 0; j < k->nprop && rc == SV_OK; j++)
			rc = add_property(out, i, &fresh->prop[k->prop + j], err);
		for (uint32_t j = 0; j < k->nparent && rc == SV_OK; j++)
			rc = sv_content_add_parent(out, i, fresh->parent[k->parent + j], err);
		if (!x || rc != SV_OK)
			continue;
		if (relabel && k->display && x->display) {
			struct sv_designation d = { lang, NULL, NULL, NULL, k->display, NULL, 0 };
			uint32_t before = extra;
			rc = add_designation(fresh, i, out, &extra, &d, err);
			rep->designations += extra - before;
			out->concept[i].display = sv_content_str(out, x->display);
		} else if (lang_designation && x->display) {
			struct sv_designation d = { frag_lang, NULL, NULL, NULL, x->display, NULL, 0 };
			uint32_t before = extra;
			rc = add_designation(fresh, i, out, &extra, &d, err);
			rep->designations += extra - before;
		}
		for (uint32_t j = 0; j < x->ndesig && rc == SV_OK; j++) {
			uint32_t before = extra;
			rc = add_designation(fresh, i, out, &extra, &frag->desig[x->desig + j], err);
			rep->designations += extra - before;
		}
		if (!k->nparent && x->nparent) {
			for (uint32_t j = 0; j < x->nparent && rc == SV_OK; j++)
				rc = sv_content_add_parent(out, i, at[frag->parent[x->parent + j]], err);
			rep->parents++;
		}
	}
	/* The fragment's concepts the edition lacks: kept whole, marked, with their parents in the result. */
	for (uint32_t i = 0; i < frag->nconcept && rc == SV_OK; i++) {
		const struct sv_content_concept *x = &frag->concept[i];
		int marked = 0;
		if (at[i] < n)
			continue;
		for (uint32_t j = 0; j < x->ndesig && rc == SV_OK; j++)
			rc = sv_content_add_designation(out, at[i], &frag->desig[x->desig + j], err);
		for (uint32_t j = 0; j < x->nprop && rc == SV_OK; j++) {
			const struct sv_property *p = &frag->prop[x->prop + j];
			marked |= strcmp(p->code, SV_PROP_NOT_IN_EDITION) == 0;
			declare_from(header, frag_header, p->code);
			rc = add_property(out, at[i], p, err);
		}
		if (!marked && rc == SV_OK)
			rc = sv_content_add_property(out, at[i], SV_PROP_NOT_IN_EDITION, "valueBoolean", "true", err);
		for (uint32_t j = 0; j < x->nparent && rc == SV_OK; j++)
			rc = sv_content_add_parent(out, at[i], at[frag->parent[x->parent + j]], err);
	}
	if (rep->carried)
		declare_from(header, frag_header, SV_PROP_NOT_IN_EDITION);
	if (rep->parents) {
		declare_from(header, frag_header, "parent");
		if (!cJSON_GetObjectItemCaseSensitive(header, "hierarchyMeaning"))
			cJSON_AddStringToObject(header, "hierarchyMeaning", "is-a");
	}
	if (relabel)
		cJSON_ReplaceItemInObjectCaseSensitive(header, "language", cJSON_CreateString(frag_lang));
	free(at);
	free(of);
	if (rc == SV_OK)
		sv_content_finish(out);
	return rc;
}

/* Whether concept i of c is marked not-in-edition (kept from another import, not part of the edition). */
static int marked(const struct sv_content *c, uint32_t i)
{
	const struct sv_content_concept *k = &c->concept[i];

	for (uint32_t j = 0; j < k->nprop; j++)
		if (strcmp(c->prop[k->prop + j].code, SV_PROP_NOT_IN_EDITION) == 0 &&
		    strcmp(c->prop[k->prop + j].value, "true") == 0)
			return 1;
	return 0;
}

/* Writes "a, b, c and N more" for the concepts of `have` that `lack` does not hold (with `unmarked`, only
 * those not marked not-in-edition); returns how many. */
static size_t name_missing(const struct sv_content *have, const struct sv_content *lack, int unmarked, char *out,
			   size_t cap)
{
	struct sv_merge_names m;

	sv_merge_names_init(&m, out, cap);
	for (uint32_t i = 0; i < have->nconcept; i++)
		if (sv_content_find(lack, have->concept[i].code) < 0 && !(unmarked && marked(have, i)))
			sv_merge_names_add(&m, have->concept[i].code);
	return sv_merge_names_end(&m);
}

enum sv_err sv_import_check_version_content(cJSON *header, struct sv_content *fresh, const cJSON *latest_header,
					    const struct sv_content *latest, int allow_shrink,
					    struct sv_merge_report *rep, struct sv_error *err)
{
	char names[400];
	size_t missing;
	struct sv_content out;
	enum sv_err rc;

	memset(rep, 0, sizeof(*rep));
	rep->action = SV_MERGE_REPLACED;
	if (sv_version_cmp(sv_jstr(header, "version"), sv_jstr(latest_header, "version")) <= 0)
		return SV_OK; /* an older version coexists; the latest stays what clients get */
	if (fresh->nconcept >= latest->nconcept) {
		/* A fragment's concepts (those the bundled maps need) stay resolvable in the new latest. */
		if (!is_fragment(latest_header) || allow_shrink)
			return SV_OK;
		sv_content_init(&out);
		if ((rc = carry(header, header, fresh, latest_header, latest, 0, &out, rep, err)) != SV_OK) {
			sv_content_release(&out);
			return rc;
		}
		sv_content_release(fresh);
		*fresh = out;
		if (rep->carried || rep->designations || rep->parents) {
			rep->action = SV_MERGE_MERGED;
			sv_import_merge_note(rep, sv_jstr(header, "language"));
		}
		return SV_OK;
	}
	missing = name_missing(latest, fresh, 0, names, sizeof(names));
	if (!allow_shrink)
		return sv_fail(err, SV_ECONFLICT, "CodeSystem %s|%s has %u concepts, fewer than the %u of version %s "
			       "it would replace as the latest; it lacks %zu of them: %s (pass --allow-shrink to import "
			       "it anyway)", sv_jstr(header, "url"), sv_jstr(header, "version"), fresh->nconcept,
			       latest->nconcept, sv_jstr(latest_header, "version"), missing, names);
	rep->action = SV_MERGE_SHRUNK;
	rep->removed = missing;
	snprintf(rep->note, sizeof(rep->note), "replaces version %s (%u concepts) as the latest with %u (shrink "
		 "allowed): lacks %s", sv_jstr(latest_header, "version"), latest->nconcept, fresh->nconcept, names);
	return SV_OK;
}

/* Whether two CodeSystem headers say the same, apart from what the store writes on them (id, meta). */
static int header_equal(const cJSON *a, const cJSON *b)
{
	cJSON *x = cJSON_Duplicate(a, 1), *y = cJSON_Duplicate(b, 1);
	int eq;

	for (int i = 0; i < 2; i++) {
		cJSON *h = i ? y : x;
		cJSON_DeleteItemFromObjectCaseSensitive(h, "id");
		cJSON_DeleteItemFromObjectCaseSensitive(h, "meta");
		cJSON_DeleteItemFromObjectCaseSensitive(h, "concept");
	}
	eq = cJSON_Compare(x, y, 1);
	cJSON_Delete(x);
	cJSON_Delete(y);
	return eq;
}

/* Whether a and b hold the same rows in the same order (parents compared by code). */
static int content_equal(const struct sv_content *a, const struct sv_content *b)
{
	if (a->nconcept != b->nconcept || a->ndesig != b->ndesig || a->nprop != b->nprop || a->nparent != b->nparent)
		return 0;
	for (uint32_t i = 0; i < a->nconcept; i++) {
		const struct sv_content_concept *x = &a->concept[i], *y = &b->concept[i];
		if (strcmp(x->code, y->code) != 0 || !same(x->display, y->display) || !same(x->definition, y->definition) ||
		    x->inactive != y->inactive || x->ndesig != y->ndesig || x->nprop != y->nprop || x->nparent != y->nparent)
			return 0;
		for (uint32_t j = 0; j < x->ndesig; j++) {
			const struct sv_designation *d = &a->desig[x->desig + j], *e = &b->desig[y->desig + j];
			if (!same(d->language, e->language) || !same(d->use_system, e->use_system) ||
			    !same(d->use_code, e->use_code) || !same(d->use_display, e->use_display) || strcmp(d->value, e->value) ||
			    d->id != e->id)
				return 0;
		}
		for (uint32_t j = 0; j < x->nprop; j++) {
			const struct sv_property *p = &a->prop[x->prop + j], *q = &b->prop[y->prop + j];
			if (strcmp(p->code, q->code) || strcmp(p->type, q->type) || strcmp(p->value, q->value))
				return 0;
		}
		for (uint32_t j = 0; j < x->nparent; j++)
			if (strcmp(a->concept[a->parent[x->parent + j]].code, b->concept[b->parent[y->parent + j]].code))
				return 0;
	}
	return 1;
}

enum sv_err sv_import_merge_content(cJSON **header, struct sv_content *fresh, const cJSON *old_header,
				    const struct sv_content *old, int allow_shrink, struct sv_merge_report *rep,
				    struct sv_error *err)
{
	int fresh_frag = is_fragment(*header), old_frag = is_fragment(old_header);
	struct sv_content out;
	char names[400];
	size_t missing;
	cJSON *base_header;
	enum sv_err rc;

	memset(rep, 0, sizeof(*rep));
	rep->action = SV_MERGE_REPLACED;
	sv_content_init(&out);
	missing = name_missing(old, fresh, 0, names, sizeof(names));
	if (missing && allow_shrink) {
		rep->action = SV_MERGE_SHRUNK;
		rep->removed = missing;
		snprintf(rep->note, sizeof(rep->note), "replaced the stored %u concepts with %u (shrink allowed): removed %s",
			 old->nconcept, fresh->nconcept, names);
		rc = SV_OK;
		goto out;   /* the import as it is */
	}
	if (fresh_frag && old->nconcept > fresh->nconcept) {
		/* A fragment never overwrites a fuller version: the stored one stays the base. */
		base_header = cJSON_Duplicate(old_header, 1);
		rc = carry(old_header, base_header, old, *header, fresh, 0, &out, rep, err);
		if (rc != SV_OK) {
			cJSON_Delete(base_header);
			goto out;
		}
		cJSON_Delete(*header);
		*header = base_header;
	} else {
		/* Concepts the store kept from another import (marked) are carried again, not lost. */
		missing = name_missing(old, fresh, 1, names, sizeof(names));
		if (missing && !old_frag && !fresh_frag) {
			rc = sv_fail(err, SV_ECONFLICT, "CodeSystem %s|%s: the import has %u concepts and lacks %zu of the %u "
				     "the store holds, which it would remove: %s (pass --allow-shrink to replace it anyway)",
				     sv_jstr(*header, "url"), sv_jstr(*header, "version"), fresh->nconcept, missing,
				     old->nconcept, names);
			goto out;
		}
		if ((rc = carry(*header, *header, fresh, old_header, old, 1, &out, rep, err)) != SV_OK)
			goto out;
	}
	sv_content_release(fresh);
	*fresh = out;
	sv_content_init(&out);
	if (content_equal(fresh, old) && header_equal(*header, old_header))
		rep->action = SV_MERGE_KEPT;
	else if (rep->carried || rep->designations || rep->parents)
		rep->action = SV_MERGE_MERGED;
	if (rep->action == SV_MERGE_KEPT)
		snprintf(rep->note, sizeof(rep->note), "the store holds all the import brings: kept as it is");
	else if (rep->action == SV_MERGE_MERGED)
		sv_import_merge_note(rep, sv_jstr(*header, "language"));
out:
	sv_content_release(&out);
	return rc;
}
