/* import_merge.c — an imported CodeSystem reconciled with the stored one (import_merge.h). */
#include "samsvar/import_merge.h"
#include "samsvar/jsonutil.h"
#include "samsvar/snapshot.h"
#include "samsvar/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NESTING 64 /* deeper nested concepts are not looked at (the snapshot refuses them) */

/* One concept of a CodeSystem: the object, and the code of the concept it is nested in, if any. */
struct cref {
	cJSON *c;
	const char *code;
	const char *nest_parent;
};

/* Every concept of one CodeSystem (nested ones too), indexed by code. */
struct clist {
	struct cref *v;
	size_t n, cap;
	struct sv_strmap idx;
	const char *dup;  /* the first code defined twice, or NULL */
};

static void collect(struct clist *l, cJSON *concepts, const char *parent, int depth)
{
	cJSON *c;

	if (depth > MAX_NESTING)
		return;
	cJSON_ArrayForEach(c, concepts) {
		const char *code = sv_jstr(c, "code");
		if (!code)
			continue;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 256;
			l->v = sv_xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		l->v[l->n++] = (struct cref){ c, code, parent };
		collect(l, cJSON_GetObjectItemCaseSensitive(c, "concept"), code, depth + 1);
	}
}

/* Indexes the concepts of CodeSystem `cs` (a const tree is only read through the list). */
static void clist_init(struct clist *l, const cJSON *cs)
{
	memset(l, 0, sizeof(*l));
	collect(l, cJSON_GetObjectItemCaseSensitive(cs, "concept"), NULL, 0);
	sv_strmap_init(&l->idx, l->n);
	for (size_t i = 0; i < l->n; i++)
		if (!sv_strmap_put(&l->idx, l->v[i].code, (uint32_t)i) && !l->dup)
			l->dup = l->v[i].code;
}

static void clist_release(struct clist *l)
{
	free(l->v);
	sv_strmap_release(&l->idx);
	memset(l, 0, sizeof(*l));
}

static const struct cref *clist_find(const struct clist *l, const char *code)
{
	uint32_t i;
	return sv_strmap_get(&l->idx, code, &i) ? &l->v[i] : NULL;
}

static int is_fragment(const cJSON *cs)
{
	const char *content = sv_jstr(cs, "content");
	return content && strcmp(content, "fragment") == 0;
}

void sv_merge_names_init(struct sv_merge_names *m, char *out, size_t cap)
{
	*m = (struct sv_merge_names){ out, cap, 0, 0 };
	out[0] = '\0';
}

void sv_merge_names_add(struct sv_merge_names *m, const char *code)
{
	if (m->n < SV_MERGE_NAMED_CODES && m->len < m->cap)
		m->len += (size_t)snprintf(m->out + m->len, m->cap - m->len, "%s%s", m->n ? ", " : "", code);
	m->n++;
}

size_t sv_merge_names_end(struct sv_merge_names *m)
{
	if (m->n > SV_MERGE_NAMED_CODES && m->len < m->cap)
		snprintf(m->out + m->len, m->cap - m->len, " and %zu more", m->n - SV_MERGE_NAMED_CODES);
	return m->n;
}

/* Writes "a, b, c and N more" for the concepts of `have` whose code `lack` does not hold. */
static size_t name_missing(const struct clist *have, const struct clist *lack, char *out, size_t cap)
{
	struct sv_merge_names m;

	sv_merge_names_init(&m, out, cap);
	for (size_t i = 0; i < have->n; i++)
		if (!clist_find(lack, have->v[i].code))
			sv_merge_names_add(&m, have->v[i].code);
	return sv_merge_names_end(&m);
}

static int has_designation(const cJSON *concept, const char *lang, const char *value)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(concept, "designation")) {
		const char *dl = sv_jstr(d, "language"), *dv = sv_jstr(d, "value");
		if (dv && strcmp(dv, value) == 0 && ((!dl && !lang) || (dl && lang && strcmp(dl, lang) == 0)))
			return 1;
	}
	return 0;
}

/* Adds a designation (language and use may be NULL) unless one with that language and value exists. */
static size_t add_designation(cJSON *concept, const char *lang, const char *value, const cJSON *use)
{
	cJSON *list, *d;

	if (!value || has_designation(concept, lang, value))
		return 0;
	list = cJSON_GetObjectItemCaseSensitive(concept, "designation");
	if (!cJSON_IsArray(list)) {
		cJSON_DeleteItemFromObjectCaseSensitive(concept, "designation");
		list = cJSON_AddArrayToObject(concept, "designation");
	}
	d = cJSON_CreateObject();
	if (lang)
		cJSON_AddStringToObject(d, "language", lang);
	if (cJSON_IsObject(use))
		cJSON_AddItemToObject(d, "use", cJSON_Duplicate(use, 1));
	cJSON_AddStringToObject(d, "value", value);
	cJSON_AddItemToArray(list, d);
	return 1;
}

static int prop_is(const cJSON *p, const char *code)
{
	const char *pc = sv_jstr(p, "code");
	return pc && strcmp(pc, code) == 0;
}

static int has_parent(const struct cref *r)
{
	const cJSON *p;

	if (r->nest_parent)
		return 1;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r->c, "property"))
		if (prop_is(p, "parent") || prop_is(p, "subsumedBy"))
			return 1;
	return 0;
}

static cJSON *props_of(cJSON *concept)
{
	cJSON *props = cJSON_GetObjectItemCaseSensitive(concept, "property");
	if (!cJSON_IsArray(props)) {
		cJSON_DeleteItemFromObjectCaseSensitive(concept, "property");
		props = cJSON_AddArrayToObject(concept, "property");
	}
	return props;
}

static void add_parent(cJSON *concept, const char *code)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "code", "parent");
	cJSON_AddStringToObject(p, "valueCode", code);
	cJSON_AddItemToArray(props_of(concept), p);
}

/* Gives concept `to` (which has no parent) the parents `from` has, where they are codes of `result`.
 * Returns 1 when a parent was added. */
static int copy_parents(cJSON *to, const struct cref *from, const struct clist *result)
{
	const cJSON *p;
	int added = 0;

	if (from->nest_parent && clist_find(result, from->nest_parent)) {
		add_parent(to, from->nest_parent);
		added = 1;
	}
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(from->c, "property")) {
		const char *v = sv_jstr(p, "valueCode");
		if ((prop_is(p, "parent") || prop_is(p, "subsumedBy")) && v && clist_find(result, v)) {
			add_parent(to, v);
			added = 1;
		}
	}
	return added;
}

/* A copy of concept `r` to stand in the result's top-level list, marked not-in-edition: without nested
 * children or parents (copy_parents() gives back those that are in the result). */
static cJSON *carried_copy(const struct cref *r)
{
	cJSON *c = cJSON_Duplicate(r->c, 1), *props, *p, *next;
	int marked = 0;

	cJSON_DeleteItemFromObjectCaseSensitive(c, "concept");
	props = props_of(c);
	for (p = props->child; p; p = next) {
		next = p->next;
		if (prop_is(p, "parent") || prop_is(p, "subsumedBy"))
			cJSON_Delete(cJSON_DetachItemViaPointer(props, p));
		else
			marked |= prop_is(p, SV_PROP_NOT_IN_EDITION);
	}
	if (!marked) {
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "code", SV_PROP_NOT_IN_EDITION);
		cJSON_AddBoolToObject(p, "valueBoolean", 1);
		cJSON_AddItemToArray(props, p);
	}
	return c;
}

/* Declares property `code` on the CodeSystem when it is not declared yet. */
static void declare_property(cJSON *cs, const char *code, const char *uri, const char *type, const char *desc)
{
	cJSON *props = cJSON_GetObjectItemCaseSensitive(cs, "property"), *p;

	if (!cJSON_IsArray(props)) {
		cJSON_DeleteItemFromObjectCaseSensitive(cs, "property");
		props = cJSON_AddArrayToObject(cs, "property");
	}
	cJSON_ArrayForEach(p, props)
		if (prop_is(p, code))
			return;
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "code", code);
	if (uri)
		cJSON_AddStringToObject(p, "uri", uri);
	cJSON_AddStringToObject(p, "description", desc);
	cJSON_AddStringToObject(p, "type", type);
	cJSON_AddItemToArray(props, p);
}

/* Copies to `base` the declarations `other` has for the properties concept `c` uses and `base` lacks. */
static void declare_from(cJSON *base, const cJSON *other, const cJSON *c)
{
	const cJSON *p, *decl;
	cJSON *props = cJSON_GetObjectItemCaseSensitive(base, "property");

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "property")) {
		const cJSON *have;
		int declared = 0;
		cJSON_ArrayForEach(have, props)
			declared |= prop_is(have, sv_jstr(p, "code") ? sv_jstr(p, "code") : "");
		if (declared)
			continue;
		cJSON_ArrayForEach(decl, cJSON_GetObjectItemCaseSensitive(other, "property")) {
			if (sv_jstr(p, "code") && prop_is(decl, sv_jstr(p, "code"))) {
				if (!cJSON_IsArray(props)) {
					cJSON_DeleteItemFromObjectCaseSensitive(base, "property");
					props = cJSON_AddArrayToObject(base, "property");
				}
				cJSON_AddItemToArray(props, cJSON_Duplicate(decl, 1));
				break;
			}
		}
	}
}

static void set_string(cJSON *o, const char *name, const char *value)
{
	if (cJSON_GetObjectItemCaseSensitive(o, name))
		cJSON_ReplaceItemInObjectCaseSensitive(o, name, cJSON_CreateString(value));
	else
		cJSON_AddStringToObject(o, name, value);
}

/* Adds to `base` what `other` knows and `base` lacks (see import_merge.h). `old_is_other` says which
 * side the stored version is; `lang` is the language the result keeps. */
static void merge_into(cJSON *base, const cJSON *other, int old_is_other, const char *lang,
		       struct sv_merge_report *rep)
{
	struct clist b, o;
	const char *base_lang = sv_jstr(base, "language"), *other_lang = sv_jstr(other, "language");
	int relabel = old_is_other && lang && base_lang && strcmp(lang, base_lang) != 0;
	cJSON *top = cJSON_GetObjectItemCaseSensitive(base, "concept");
	size_t nbase;

	clist_init(&b, base);
	clist_init(&o, other);
	nbase = b.n;
	/* Concepts only the other side has are kept, marked; they join the index for the parent pass. */
	for (size_t i = 0; i < o.n; i++) {
		cJSON *c;
		if (clist_find(&b, o.v[i].code))
			continue;
		if (!cJSON_IsArray(top)) {
			cJSON_DeleteItemFromObjectCaseSensitive(base, "concept");
			top = cJSON_AddArrayToObject(base, "concept");
		}
		c = carried_copy(&o.v[i]);
		cJSON_AddItemToArray(top, c);
		declare_from(base, other, c);
		if (b.n == b.cap) {
			b.cap = b.cap * 2 + 16;
			b.v = sv_xrealloc(b.v, b.cap * sizeof(*b.v));
		}
		b.v[b.n++] = (struct cref){ c, sv_jstr(c, "code"), NULL };
		sv_strmap_put(&b.idx, sv_jstr(c, "code"), (uint32_t)(b.n - 1));
		rep->carried++;
	}
	for (size_t i = 0; i < b.n; i++) {
		const struct cref *x = clist_find(&o, b.v[i].code);
		cJSON *c = b.v[i].c;
		const cJSON *d;
		if (!x)
			continue;
		if (i >= nbase) {
			/* A carried copy has the other side's designations; it gets the parents in the result. */
			copy_parents(c, x, &b);
			continue;
		}
		if (!has_parent(&b.v[i]) && has_parent(x))
			rep->parents += (size_t)copy_parents(c, x, &b);
		if (relabel && sv_jstr(c, "display") && sv_jstr(x->c, "display")) {
			/* The import's title stays as a designation in its language; the stored title stays
			 * the display, in the code system's language. */
			rep->designations += add_designation(c, base_lang, sv_jstr(c, "display"), NULL);
			set_string(c, "display", sv_jstr(x->c, "display"));
		} else if (other_lang && (!base_lang || strcmp(other_lang, base_lang) != 0)) {
			rep->designations += add_designation(c, other_lang, sv_jstr(x->c, "display"), NULL);
		}
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(x->c, "designation"))
			rep->designations += add_designation(c, sv_jstr(d, "language"), sv_jstr(d, "value"),
							     cJSON_GetObjectItemCaseSensitive(d, "use"));
	}
	if (relabel)
		set_string(base, "language", lang);
	if (rep->carried)
		declare_property(base, SV_PROP_NOT_IN_EDITION, NULL, "boolean",
				 "The concept is not part of the edition this CodeSystem was imported from: it was "
				 "kept from another import of the same version (e.g. a bundled fragment whose maps "
				 "need it), is not counted in `count`, and needs a fuller edition");
	if (rep->parents) {
		declare_property(base, "parent", "http://hl7.org/fhir/concept-properties#parent", "code",
				 "An immediate is-a parent of the concept");
		if (!cJSON_GetObjectItemCaseSensitive(base, "hierarchyMeaning"))
			cJSON_AddStringToObject(base, "hierarchyMeaning", "is-a");
	}
	clist_release(&b);
	clist_release(&o);
}

void sv_import_merge_note(struct sv_merge_report *rep, const char *lang)
{
	size_t o = (size_t)snprintf(rep->note, sizeof(rep->note), "merged with the stored version (language %s)",
				    lang ? lang : "unset");

	if (rep->carried && o < sizeof(rep->note))
		o += (size_t)snprintf(rep->note + o, sizeof(rep->note) - o, "; %zu concepts the edition lacks kept, "
				      "marked " SV_PROP_NOT_IN_EDITION, rep->carried);
	if (rep->designations && o < sizeof(rep->note))
		o += (size_t)snprintf(rep->note + o, sizeof(rep->note) - o, "; %zu designations added",
				      rep->designations);
	if (rep->parents && o < sizeof(rep->note))
		snprintf(rep->note + o, sizeof(rep->note) - o, "; %zu concepts keep the parents known for them",
			 rep->parents);
}

/* Makes `to` hold what `from` holds (its members are moved over) and frees `from`. */
static void transplant(cJSON *to, cJSON *from)
{
	while (to->child)
		cJSON_Delete(cJSON_DetachItemViaPointer(to, to->child));
	while (from->child) {
		cJSON *it = cJSON_DetachItemViaPointer(from, from->child);
		cJSON_AddItemToObject(to, it->string, it);
	}
	cJSON_Delete(from);
}

enum sv_err sv_import_merge_codesystem(cJSON *fresh, const cJSON *old, int allow_shrink,
				       struct sv_merge_report *rep, struct sv_error *err)
{
	struct clist f, o;
	char names[400];
	size_t missing;
	const char *url = sv_jstr(fresh, "url"), *version = sv_jstr(fresh, "version");
	const char *lang;
	cJSON *base = NULL;
	enum sv_err rc = SV_OK;

	memset(rep, 0, sizeof(*rep));
	clist_init(&f, fresh);
	clist_init(&o, old);
	if (f.dup) {
		/* Which of the two would the other side's content join? The snapshot refuses it too. */
		rc = sv_fail(err, SV_EINVAL, "CodeSystem %s|%s defines code '%s' more than once", url, version, f.dup);
		goto out;
	}
	missing = name_missing(&o, &f, names, sizeof(names));
	if (missing && allow_shrink) {
		rep->action = SV_MERGE_SHRUNK;
		rep->removed = missing;
		snprintf(rep->note, sizeof(rep->note), "replaced the stored %zu concepts with %zu (shrink allowed): "
			 "removed %s", o.n, f.n, names);
		goto out;
	}
	if (missing && !is_fragment(fresh) && !is_fragment(old)) {
		rc = sv_fail(err, SV_ECONFLICT, "CodeSystem %s|%s: the import has %zu concepts and lacks %zu of the %zu "
			     "the store holds, which it would remove: %s (pass --allow-shrink to replace it anyway)",
			     url, version, f.n, missing, o.n, names);
		goto out;
	}
	lang = sv_jstr(old, "language") ? sv_jstr(old, "language") : sv_jstr(fresh, "language");
	if (is_fragment(fresh) && o.n > f.n) {
		/* A fragment never overwrites a fuller version: the stored one stays, with what the
		 * fragment adds. */
		base = cJSON_Duplicate(old, 1);
		merge_into(base, fresh, 0, lang, rep);
		if (cJSON_Compare(base, old, 1)) {
			rep->action = SV_MERGE_KEPT;
			snprintf(rep->note, sizeof(rep->note), "kept the stored version (%zu concepts): this fragment of %zu "
				 "concepts adds nothing to it", o.n, f.n);
			goto out;
		}
		transplant(fresh, base);
		base = NULL;
	} else {
		merge_into(fresh, old, 1, lang, rep);
	}
	rep->action = rep->carried || rep->designations || rep->parents ? SV_MERGE_MERGED : SV_MERGE_REPLACED;
	if (rep->action == SV_MERGE_MERGED)
		sv_import_merge_note(rep, lang);
out:
	cJSON_Delete(base);
	clist_release(&f);
	clist_release(&o);
	return rc;
}

enum sv_err sv_import_check_version(cJSON *fresh, const cJSON *latest, int allow_shrink,
				    struct sv_merge_report *rep, struct sv_error *err)
{
	struct clist f, l;
	char names[400];
	size_t missing;
	enum sv_err rc = SV_OK;

	memset(rep, 0, sizeof(*rep));
	rep->action = SV_MERGE_REPLACED;
	if (sv_version_cmp(sv_jstr(fresh, "version"), sv_jstr(latest, "version")) <= 0)
		return SV_OK; /* an older version coexists; the latest stays what clients get */
	clist_init(&f, fresh);
	clist_init(&l, latest);
	if (f.n >= l.n) {
		/* A fragment's concepts (those the bundled maps need) stay resolvable in the new latest. */
		if (is_fragment(latest) && !allow_shrink) {
			merge_into(fresh, latest, 0, sv_jstr(fresh, "language"), rep);
			if (rep->carried || rep->designations || rep->parents) {
				rep->action = SV_MERGE_MERGED;
				sv_import_merge_note(rep, sv_jstr(fresh, "language"));
			}
		}
		goto out;
	}
	missing = name_missing(&l, &f, names, sizeof(names));
	if (!allow_shrink) {
		rc = sv_fail(err, SV_ECONFLICT, "CodeSystem %s|%s has %zu concepts, fewer than the %zu of version %s "
			     "it would replace as the latest; it lacks %zu of them: %s (pass --allow-shrink to import "
			     "it anyway)", sv_jstr(fresh, "url"), sv_jstr(fresh, "version"), f.n, l.n,
			     sv_jstr(latest, "version"), missing, names);
		goto out;
	}
	rep->action = SV_MERGE_SHRUNK;
	rep->removed = missing;
	snprintf(rep->note, sizeof(rep->note), "replaces version %s (%zu concepts) as the latest with %zu (shrink "
		 "allowed): lacks %s", sv_jstr(latest, "version"), l.n, f.n, names);
out:
	clist_release(&f);
	clist_release(&l);
	return rc;
}
