/* snapshot.c — immutable terminology snapshots and the registry that swaps them. */
#include "samsvar/jsonutil.h"
#include "samsvar/snapshot.h"
#include "samsvar/store.h"
#include "samsvar/cmindex.h"
#include "snapshot_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sv_memo {
	struct sv_memo *next;
	char *key;
	void *value;
	void (*drop)(void *);
};

/* ---- version ordering ---- */

int sv_version_matches(const char *pattern, const char *version)
{
	if (!pattern || !version)
		return 0;
	for (;;) {
		size_t np = strcspn(pattern, "."), nv = strcspn(version, ".");
		if (!((np == 1 && (*pattern == 'x' || *pattern == 'X' || *pattern == '*')) ||
		      (np == nv && strncmp(pattern, version, np) == 0)))
			return 0;
		pattern += np;
		version += nv;
		if (!*pattern || !*version)
			return !*pattern && !*version;
		pattern++;
		version++;
	}
}

int sv_version_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *sa = a, *sb = b;
			size_t la, lb;
			while (*sa == '0')
				sa++;
			while (*sb == '0')
				sb++;
			a = sa;
			b = sb;
			while (*a >= '0' && *a <= '9')
				a++;
			while (*b >= '0' && *b <= '9')
				b++;
			la = (size_t)(a - sa);
			lb = (size_t)(b - sb);
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = strncmp(sa, sb, la);
			if (c)
				return c;
		} else {
			if (*a != *b)
				return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
			a++;
			b++;
		}
	}
	return (*a != 0) - (*b != 0);
}

/* ---- code systems ---- */

/* Drops this snapshot's hold on the code system's content; the last holder frees it. */
static void codesystem_free(struct sv_codesystem *cs)
{
	if (cs->own_header) {   /* this snapshot's header over shared content; the body's own stays */
		cJSON_Delete(cs->own_header);
		cs->resource = cs->body ? cs->body->resource : NULL;
		cs->own_header = NULL;
	}
	if (cs->body && atomic_fetch_sub(&cs->body->refs, 1) != 1)
		return;   /* another snapshot still serves the same content */
	if (cs->body) {
		if (cs->body->text)
			cs->body->text_drop(cs->body->text);
		pthread_mutex_destroy(&cs->body->text_lock);
		if (cs->body->content) {
			sv_content_release(cs->body->content);
			free(cs->body->content);
		}
		free(cs->body->children);
		free(cs->body);
	}
	free(cs->concepts);
	sv_hierarchy_free(cs->hier);
	sv_strmap_release(&cs->index);
	cJSON_Delete(cs->resource);
}

static void header_init(struct sv_codesystem *cs, cJSON *res, int tables);

/* Builds in cs code system `shared` of another snapshot (still held by the caller) with its content
 * shared and `res` (owned from here on) as its resource: a header changed over the same content id. */
static void codesystem_reheader(struct sv_codesystem *cs, const struct sv_codesystem *shared, cJSON *res)
{
	*cs = *shared;
	atomic_fetch_add(&cs->body->refs, 1);
	cs->is_latest = 0;
	cs->own_header = res;
	header_init(cs, res, 1);
}

static int inactive_of(const struct sv_codesystem *cs, const struct sv_concept *k);

/* Points cs's concepts at content c (finished; owned by cs->body from here on): no string is copied, a
 * concept's designations, properties and parents are runs of c's arrays; the children are counted and
 * laid out in one block. */
static void concepts_from_content(struct sv_codesystem *cs, struct sv_content *c)
{
	uint32_t *count, at = 0;

	cs->body->content = c;
	cs->nconcepts = c->nconcept;
	cs->concepts = sv_xcalloc((size_t)c->nconcept + 1, sizeof(*cs->concepts));
	cs->index = c->index;  /* moved: the map's keys are the pooled codes */
	memset(&c->index, 0, sizeof(c->index));
	for (uint32_t i = 0; i < c->nconcept; i++) {
		const struct sv_content_concept *x = &c->concept[i];
		struct sv_concept *k = &cs->concepts[i];
		k->code = x->code;
		k->display = x->display;
		k->definition = x->definition;
		k->json = x->json;
		/* (an array with no rows is NULL: no offset into it) */
		k->desig = x->ndesig ? c->desig + x->desig : NULL;
		k->ndesig = x->ndesig;
		k->props = x->nprop ? c->prop + x->prop : NULL;
		k->nprops = x->nprop;
		k->parents = x->nparent ? c->parent + x->parent : NULL;
		k->nparents = x->nparent;
	}
	for (uint32_t i = 0; i < c->nconcept; i++)
		cs->concepts[i].inactive = (unsigned char)(c->concept[i].inactive ||
							   (cs->concepts[i].nprops && inactive_of(cs, &cs->concepts[i])));
	count = sv_xcalloc((size_t)c->nconcept + 1, sizeof(uint32_t));
	for (uint32_t i = 0; i < c->nparent; i++)
		count[c->parent[i]]++;
	cs->body->children = sv_xmalloc(((size_t)c->nparent + 1) * sizeof(uint32_t));
	for (uint32_t i = 0; i < c->nconcept; i++) {
		cs->concepts[i].children = cs->body->children + at;
		at += count[i];
	}
	for (uint32_t i = 0; i < c->nconcept; i++)
		for (uint32_t j = 0; j < cs->concepts[i].nparents; j++) {
			struct sv_concept *p = &cs->concepts[cs->concepts[i].parents[j]];
			p->children[p->nchildren++] = i;
		}
	free(count);
	/* The concepts now hold all their rows said; the runs and strings they point into stay. */
	free(c->concept);
	c->concept = NULL;
	c->nconcept = c->capconcept = 0;
}

/* Points cs's identity (url, version, status...) at resource `res`; `tables` says its concepts are in the
 * store's content tables. */
static void header_init(struct sv_codesystem *cs, cJSON *res, int tables)
{
	/* The concepts of content from the tables are served by the operations, not inside the resource:
	 * as it is read, the resource includes none of them (FHIR's content code for that; count says how
	 * many the edition has). */
	if (tables && cJSON_GetObjectItemCaseSensitive(res, "content"))
		cJSON_ReplaceItemInObjectCaseSensitive(res, "content", cJSON_CreateString("not-present"));
	cs->resource = res;
	cs->url = sv_jstr(res, "url");
	cs->version = sv_jstr(res, "version");
	if (!cs->version)
		cs->version = "";     /* a request layer's code system may have none */
	cs->name = sv_jstr(res, "name");
	cs->title = sv_jstr(res, "title");
	cs->status = sv_jstr(res, "status");
	cs->content = sv_jstr(res, "content");
	cs->id = sv_jstr(res, "id");
	cs->case_sensitive = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(res, "caseSensitive"));
}

/* Builds cs from resource `res` (owned from here on) and, for a code system whose concepts are in the
 * store's content tables, `content` (owned; NULL: the concepts are res's own `concept` array). */
static enum sv_err codesystem_build(struct sv_codesystem *cs, cJSON *res, struct sv_content *content,
				    struct sv_error *err)
{
	enum sv_err rc = SV_OK;

	memset(cs, 0, sizeof(*cs));
	cs->body = sv_xcalloc(1, sizeof(*cs->body));
	atomic_init(&cs->body->refs, 1);
	pthread_mutex_init(&cs->body->text_lock, NULL);
	header_init(cs, res, content != NULL);

	if (!content) {
		struct sv_error why = {0};
		content = sv_xmalloc(sizeof(*content));
		sv_content_init(content);
		if (sv_content_from_json(content, res, &why) != SV_OK) {
			rc = sv_fail(err, why.code, "%s|%s: %s", cs->url ? cs->url : "", cs->version, why.message);
			sv_content_release(content);
			free(content);
			return rc;
		}
	}
	concepts_from_content(cs, content);
	cs->hier = sv_hierarchy_build(cs);
	cs->body->resource = res;
	return rc;
}

const struct sv_concept *sv_codesystem_concept(const struct sv_codesystem *cs, const char *code)
{
	uint32_t i;
	if (!code || !sv_strmap_get(&cs->index, code, &i))
		return NULL;
	return &cs->concepts[i];
}

int sv_concept_has_display(const struct sv_concept *k, const char *display)
{
	if (k->display && strcmp(k->display, display) == 0)
		return 1;
	for (uint32_t i = 0; i < k->ndesig; i++)
		if (strcmp(k->desig[i].value, display) == 0)
			return 1;
	return 0;
}

#define CONCEPT_PROPERTIES "http://hl7.org/fhir/concept-properties"

const char *sv_concept_property(const struct sv_codesystem *cs, const struct sv_concept *k, const char *code)
{
	const cJSON *p;
	const char *alias = NULL;
	size_t n = strlen(code);

	/* A code system may name a standard property its own way: its uri says which it is. */
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cs->resource, "property")) {
		const char *uri = sv_jstr(p, "uri");
		size_t nu = uri ? strlen(uri) : 0;
		if (sv_jstr(p, "code") && nu == sizeof(CONCEPT_PROPERTIES) + n && uri[nu - n - 1] == '#' &&
		    strcmp(uri + nu - n, code) == 0 && strncmp(uri, CONCEPT_PROPERTIES, nu - n - 1) == 0)
			alias = sv_jstr(p, "code");
	}
	for (uint32_t i = 0; i < k->nprops; i++) {
		const struct sv_property *x = &k->props[i];
		if (strcmp(x->code, code) != 0 && (!alias || strcmp(x->code, alias) != 0))
			continue;
		/* A boolean as "true"/"false", a string-like value as it is; not a number or a Coding. */
		if (strcmp(x->type, "valueInteger") != 0 && strcmp(x->type, "valueDecimal") != 0 &&
		    strcmp(x->type, "valueCoding") != 0)
			return x->value;
	}
	return NULL;
}

int sv_concept_inactive(const struct sv_codesystem *cs, const struct sv_concept *k)
{
	(void)cs;
	return k->inactive;
}

/* The rule sv_concept_inactive() answers, read from the concept's properties. */
static int inactive_of(const struct sv_codesystem *cs, const struct sv_concept *k)
{
	const char *inactive = sv_concept_property(cs, k, "inactive"), *status = sv_concept_property(cs, k, "status");

	return (inactive && strcmp(inactive, "true") == 0) ||
	       (status && (strcmp(status, "inactive") == 0 || strcmp(status, "retired") == 0));
}

int sv_concept_abstract(const struct sv_codesystem *cs, const struct sv_concept *k)
{
	const char *v = sv_concept_property(cs, k, "notSelectable");

	return v && strcmp(v, "true") == 0;
}

/* ---- snapshot ---- */

static void resource_init(struct sv_resource *r, cJSON *res)
{
	memset(r, 0, sizeof(*r));
	r->resource = res;
	r->url = sv_jstr(res, "url");
	r->version = sv_jstr(res, "version");
	if (!r->version)
		r->version = "";      /* a request layer's resource may have none */
	r->name = sv_jstr(res, "name");
	r->title = sv_jstr(res, "title");
	r->status = sv_jstr(res, "status");
	r->id = sv_jstr(res, "id");
}

static void add_key(struct sv_snapshot *s, char tag, const char *url, const char *version, uint32_t idx,
		    int replace)
{
	size_t n = strlen(url) + (version ? strlen(version) : 0) + 4;
	char *k = sv_xmalloc(n);
	uint32_t old;

	if (version)
		snprintf(k, n, "%c|%s|%s", tag, url, version);
	else
		snprintf(k, n, "%c|%s", tag, url);
	if (replace && sv_strmap_get(&s->by_key, k, &old)) {
		sv_strmap_set(&s->by_key, k, idx);
		free(k);
		return;
	}
	if (!sv_strmap_put(&s->by_key, k, idx)) {
		free(k);
		return;
	}
	s->keys[s->nkeys++] = k;
}

/* Latest = highest version, except that an `active` version outranks drafts and retired ones: a
 * draft (being written over the API) or a version rolled back from answers only when named. */
static int better(const char *status_a, const char *ver_a, const char *status_b, const char *ver_b,
		  int prefer_active)
{
	if (prefer_active) {
		int aa = status_a && strcmp(status_a, "active") == 0;
		int ab = status_b && strcmp(status_b, "active") == 0;
		if (aa != ab)
			return aa;
	}
	return sv_version_cmp(ver_a, ver_b) > 0;
}

struct sv_snapshot *sv_builder_build(struct sv_snapshot_builder *b, struct sv_error *err)
{
	struct sv_snapshot *s = sv_xcalloc(1, sizeof(*s));
	size_t total = b->n;

	atomic_init(&s->refs, 1);
	pthread_mutex_init(&s->memo_lock, NULL);
	s->cs = sv_xcalloc(total + 1, sizeof(*s->cs));
	s->vs = sv_xcalloc(total + 1, sizeof(*s->vs));
	s->cm = sv_xcalloc(total + 1, sizeof(*s->cm));
	s->lib = sv_xcalloc(total + 1, sizeof(*s->lib));
	sv_strmap_init(&s->by_key, total * 2 + 8);
	s->keys = sv_xcalloc(total * 2 + 1, sizeof(char *));   /* an exact and at most one latest key each */

	for (size_t i = 0; i < b->n; i++) {
		cJSON *res = b->items[i];
		const char *type = res ? sv_jstr(res, "resourceType") : "CodeSystem";
		b->items[i] = NULL;
		if (res && b->reuse[i]) {   /* the same content under a changed header: shared all the same */
			codesystem_reheader(&s->cs[s->ncs++], b->reuse[i], res);
		} else if (!res) {   /* unchanged content of another snapshot: shared, not built again */
			struct sv_codesystem *cs = &s->cs[s->ncs++];
			*cs = *b->reuse[i];
			cs->is_latest = 0;
			atomic_fetch_add(&cs->body->refs, 1);
			if (cs->own_header) {   /* the other snapshot's own header: back to the content's */
				cs->own_header = NULL;
				header_init(cs, cs->body->resource, cs->body->content_id != 0);
			}
		} else if (strcmp(type, "CodeSystem") == 0) {
			struct sv_content *content = b->content[i];
			b->content[i] = NULL;
			if (codesystem_build(&s->cs[s->ncs], res, content, err) != SV_OK) {
				codesystem_free(&s->cs[s->ncs]);
				goto fail;
			}
			s->cs[s->ncs].body->hash = b->hash[i];
			s->cs[s->ncs].body->len = b->len[i];
			s->cs[s->ncs].body->content_id = b->content_id[i];
			s->ncs++;
		} else if (strcmp(type, "ValueSet") == 0) {
			resource_init(&s->vs[s->nvs++], res);
		} else if (strcmp(type, "Library") == 0) {
			resource_init(&s->lib[s->nlib++], res);
		} else {
			struct sv_resource *r = &s->cm[s->ncm++];
			resource_init(r, res);
			r->index = sv_cmindex_build(res, err);
			if (!r->index)
				goto fail;
		}
	}
	/* Exact keys, then "latest" keys. */
	for (uint32_t i = 0; i < s->ncs; i++) {
		const struct sv_codesystem *c = &s->cs[i];
		uint32_t cur;
		char key[1024];
		add_key(s, 'C', c->url, c->version, i, 0);
		snprintf(key, sizeof(key), "C|%s", c->url);
		if (!sv_strmap_get(&s->by_key, key, &cur))
			add_key(s, 'C', c->url, NULL, i, 0);
		else if (better(c->status, c->version, s->cs[cur].status, s->cs[cur].version, 1))
			add_key(s, 'C', c->url, NULL, i, 1);
	}
	for (int pass = 0; pass < 3; pass++) {
		struct sv_resource *arr = pass == 2 ? s->lib : pass ? s->cm : s->vs;
		uint32_t n = pass == 2 ? s->nlib : pass ? s->ncm : s->nvs;
		char tag = pass == 2 ? 'L' : pass ? 'M' : 'V';
		for (uint32_t i = 0; i < n; i++) {
			uint32_t cur;
			char key[1024];
			add_key(s, tag, arr[i].url, arr[i].version, i, 0);
			snprintf(key, sizeof(key), "%c|%s", tag, arr[i].url);
			if (!sv_strmap_get(&s->by_key, key, &cur))
				add_key(s, tag, arr[i].url, NULL, i, 0);
			else if (better(arr[i].status, arr[i].version, arr[cur].status, arr[cur].version, 1))
				add_key(s, tag, arr[i].url, NULL, i, 1);
		}
	}
	for (uint32_t i = 0; i < s->ncs; i++) {
		const struct sv_codesystem *l = sv_snapshot_codesystem(s, s->cs[i].url, NULL);
		s->cs[i].is_latest = l == &s->cs[i];
	}
	for (uint32_t i = 0; i < s->nvs; i++)
		s->vs[i].is_latest = sv_snapshot_valueset(s, s->vs[i].url, NULL) == &s->vs[i];
	/* Twins (two maps of one url and version in a request layer) are the latest together. */
	for (uint32_t i = 0; i < s->ncm; i++) {
		const struct sv_resource *l = sv_snapshot_conceptmap(s, s->cm[i].url, NULL);
		s->cm[i].is_latest = l == &s->cm[i] || (l && strcmp(l->version, s->cm[i].version) == 0);
	}
	for (uint32_t i = 0; i < s->nlib; i++)
		s->lib[i].is_latest = sv_snapshot_library(s, s->lib[i].url, NULL) == &s->lib[i];
	sv_builder_release(b);   /* every resource moved into the snapshot: start empty again */
	sv_builder_init(b);
	return s;
fail:
	sv_snapshot_release(s);
	return NULL;
}

void sv_snapshot_release(struct sv_snapshot *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	for (uint32_t i = 0; i < s->ncs; i++)
		codesystem_free(&s->cs[i]);
	for (uint32_t i = 0; i < s->nvs; i++)
		cJSON_Delete(s->vs[i].resource);
	for (uint32_t i = 0; i < s->ncm; i++) {
		sv_cmindex_free(s->cm[i].index);
		cJSON_Delete(s->cm[i].resource);
	}
	for (uint32_t i = 0; i < s->nlib; i++)
		cJSON_Delete(s->lib[i].resource);
	while (s->memo) {
		struct sv_memo *m = s->memo;
		s->memo = m->next;
		m->drop(m->value);
		free(m->key);
		free(m);
	}
	pthread_mutex_destroy(&s->memo_lock);
	for (uint32_t i = 0; i < s->nkeys; i++)
		free(s->keys[i]);
	free(s->keys);
	sv_strmap_release(&s->by_key);
	free(s->cs);
	free(s->vs);
	free(s->cm);
	free(s->lib);
	sv_snapshot_release(s->parent);
	free(s);
}

static int lookup_key(const struct sv_snapshot *s, char tag, const char *url, const char *version,
		      uint32_t *idx)
{
	char stackbuf[512];
	size_t ulen, vlen, n;
	char *k;
	int found;

	if (!url)
		return 0;
	/* "tag|url[|version]", put together by hand: this runs on every request, and snprintf cost
	 * more than the hash lookup it feeds. */
	ulen = strlen(url);
	vlen = version && *version ? strlen(version) : 0;
	n = ulen + vlen + 4;
	k = n <= sizeof(stackbuf) ? stackbuf : sv_xmalloc(n);
	k[0] = tag;
	k[1] = '|';
	memcpy(k + 2, url, ulen);
	n = 2 + ulen;
	if (vlen) {
		k[n++] = '|';
		memcpy(k + n, version, vlen);
		n += vlen;
	}
	k[n] = '\0';
	found = sv_strmap_get(&s->by_key, k, idx);
	if (k != stackbuf)
		free(k);
	return found;
}

static const struct sv_codesystem *codesystem_in(const struct sv_snapshot *s, const char *url, const char *version)
{
	uint32_t i;
	const struct sv_codesystem *best = NULL;

	if (lookup_key(s, 'C', url, version, &i))
		return &s->cs[i];
	if (!url || !version || !*version)
		return NULL;
	/* A version given as a prefix (SNOMED edition URI without a date) means its latest; so does a
	 * version with wildcard segments ("1.x.x", "1.0.x"). */
	for (i = 0; i < s->ncs; i++) {
		const struct sv_codesystem *c = &s->cs[i];
		size_t n = strlen(version);
		/* The prefix must end at a path boundary: ".../sct/9" is not edition 900000000000207008. */
		if (strcmp(c->url, url) == 0 &&
		    ((strncmp(c->version, version, n) == 0 && (c->version[n] == '/' || version[n - 1] == '/')) ||
		     sv_version_matches(version, c->version)) &&
		    (!best || sv_version_cmp(c->version, best->version) > 0))
			best = c;
	}
	return best;
}

const struct sv_codesystem *sv_snapshot_codesystem(const struct sv_snapshot *s, const char *url,
						   const char *version)
{
	const struct sv_codesystem *cs = NULL;

	for (; s && !cs; s = s->parent)
		cs = codesystem_in(s, url, version);
	return cs;
}

const struct sv_resource *sv_snapshot_valueset(const struct sv_snapshot *s, const char *url,
					       const char *version)
{
	uint32_t i;

	for (; s; s = s->parent)
		if (lookup_key(s, 'V', url, version, &i))
			return &s->vs[i];
	return NULL;
}

const struct sv_resource *sv_snapshot_conceptmap(const struct sv_snapshot *s, const char *url,
						 const char *version)
{
	uint32_t i;

	for (; s; s = s->parent)
		if (lookup_key(s, 'M', url, version, &i))
			return &s->cm[i];
	return NULL;
}

char sv_snapshot_tag(const char *type)
{
	static const char *const TYPES[] = {"CodeSystem", "ValueSet", "ConceptMap", "Library"};
	for (int i = 0; type && i < 4; i++)
		if (strcmp(type, TYPES[i]) == 0)
			return "CVML"[i];
	return 0;
}

const struct sv_resource *sv_snapshot_library(const struct sv_snapshot *s, const char *url, const char *version)
{
	uint32_t i;

	for (; s; s = s->parent)
		if (lookup_key(s, 'L', url, version, &i))
			return &s->lib[i];
	return NULL;
}

static const void *by_id_in(const struct sv_snapshot *s, char type, const char *id);

const void *sv_snapshot_by_id(const struct sv_snapshot *s, char type, const char *id)
{
	const void *r = NULL;

	for (; s && !r; s = s->parent)
		r = by_id_in(s, type, id);
	return r;
}

static const void *by_id_in(const struct sv_snapshot *s, char type, const char *id)
{
	if (!id)
		return NULL;
	if (type == 'C') {
		for (uint32_t i = 0; i < s->ncs; i++)
			if (s->cs[i].id && strcmp(s->cs[i].id, id) == 0)
				return &s->cs[i];
		return NULL;
	}
	const struct sv_resource *arr = type == 'V' ? s->vs : type == 'L' ? s->lib : s->cm;
	uint32_t n = type == 'V' ? s->nvs : type == 'L' ? s->nlib : s->ncm;
	for (uint32_t i = 0; i < n; i++)
		if (arr[i].id && strcmp(arr[i].id, id) == 0)
			return &arr[i];
	return NULL;
}

enum sv_err sv_snapshot_layer(struct sv_snapshot *base, struct sv_snapshot_builder *b,
			      struct sv_snapshot **out, struct sv_error *err)
{
	struct sv_snapshot *s = sv_builder_build(b, err);

	*out = NULL;
	if (!s)
		return err && err->code != SV_OK ? err->code : SV_EINVAL;
	atomic_fetch_add(&base->refs, 1);
	s->parent = base;
	s->generation = base->generation;
	*out = s;
	return SV_OK;
}

struct sv_snapshot *sv_snapshot_ref(struct sv_snapshot *snap)
{
	if (snap)
		atomic_fetch_add(&snap->refs, 1);
	return snap;
}

uint32_t sv_snapshot_cs_slots(const struct sv_snapshot *s)
{
	uint32_t n = 0;

	for (; s; s = s->parent)
		n += s->ncs;
	return n;
}

uint32_t sv_snapshot_cs_slot(const struct sv_snapshot *s, const struct sv_codesystem *cs)
{
	uint32_t off = 0;

	for (; s; off += s->ncs, s = s->parent)
		if (cs >= s->cs && cs < s->cs + s->ncs)
			return off + (uint32_t)(cs - s->cs);
	SV_BUG("a code system that is not in the snapshot");
}

/* Looks `key` up; the caller holds memo_lock. */
static struct sv_memo *memo_find(struct sv_snapshot *s, const char *key)
{
	for (struct sv_memo *m = s->memo; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

enum sv_err sv_snapshot_memo(const struct sv_snapshot *snap, const char *key, sv_memo_make_fn make,
			     void (*drop)(void *), void *arg, void **value, struct sv_error *err)
{
	/* The memo is the one part of a snapshot that changes after it is built: a cache. */
	struct sv_snapshot *s = (struct sv_snapshot *)snap;
	struct sv_memo *m;
	void *fresh = NULL;
	enum sv_err rc;

	pthread_mutex_lock(&s->memo_lock);
	m = memo_find(s, key);
	pthread_mutex_unlock(&s->memo_lock);
	if (m) {
		*value = m->value;
		return SV_OK;
	}
	/* Build without the lock: it may take milliseconds and must not stall other requests. */
	if ((rc = make(snap, arg, &fresh, err)) != SV_OK)
		return rc;
	pthread_mutex_lock(&s->memo_lock);
	m = memo_find(s, key);
	if (!m) {
		m = sv_xcalloc(1, sizeof(*m));
		m->key = sv_xstrdup(key);
		m->value = fresh;
		m->drop = drop;
		m->next = s->memo;
		s->memo = m;
		fresh = NULL;
	}
	*value = m->value;
	pthread_mutex_unlock(&s->memo_lock);
	if (fresh)
		drop(fresh);
	return SV_OK;
}

/* ---- registry ---- */

void sv_registry_init(struct sv_registry *r, struct sv_snapshot *snap)
{
	pthread_mutex_init(&r->lock, NULL);
	r->current = snap;
	r->generation = 1;
	if (snap)
		snap->generation = 1;
}

struct sv_snapshot *sv_registry_acquire(struct sv_registry *r)
{
	struct sv_snapshot *s;
	/* The lock only covers reading the pointer and taking a reference: a few instructions. */
	pthread_mutex_lock(&r->lock);
	s = r->current;
	if (s)
		atomic_fetch_add(&s->refs, 1);
	pthread_mutex_unlock(&r->lock);
	return s;
}

void sv_registry_swap(struct sv_registry *r, struct sv_snapshot *snap)
{
	struct sv_snapshot *old;
	pthread_mutex_lock(&r->lock);
	old = r->current;
	snap->generation = ++r->generation;
	r->current = snap;
	pthread_mutex_unlock(&r->lock);
	sv_snapshot_release(old);
}

void sv_registry_release(struct sv_registry *r)
{
	sv_snapshot_release(r->current);
	r->current = NULL;
	pthread_mutex_destroy(&r->lock);
}

void sv_snapshot_versions(const struct sv_snapshot *snap, const char *url, char *buf, size_t cap)
{
	const char *v[32];
	size_t n = 0, len = 0;

	for (const struct sv_snapshot *s = snap; s; s = s->parent)
		for (uint32_t i = 0; i < s->ncs && n < 32; i++) {
			int dup = 0;
			if (strcmp(s->cs[i].url, url) != 0 || !*s->cs[i].version)
				continue;
			for (size_t j = 0; j < n; j++)
				dup |= strcmp(v[j], s->cs[i].version) == 0;
			if (!dup)
				v[n++] = s->cs[i].version;
		}
	for (size_t i = 1; i < n; i++)   /* insertion sort: a handful of versions */
		for (size_t j = i; j > 0 && sv_version_cmp(v[j - 1], v[j]) > 0; j--) {
			const char *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", v[i]);
}
