/* cscontent.c — a code system's concepts as compact arrays (cscontent.h). */
#include "samsvar/cscontent.h"
#include "samsvar/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>

#define POOL_CHUNK ((size_t)1 << 20) /* the largest chunk: 1 MiB */
#define POOL_FIRST ((size_t)4096)    /* the first; each next one twice the last (a small code system of
					a request's tx-resource stays small) */
#define INTERN_MAX 128 /* longer strings are not looked for among the interned ones */

void sv_content_init(struct sv_content *c)
{
	memset(c, 0, sizeof(*c));
	sv_strmap_init(&c->index, 16);
	sv_strmap_init(&c->pool.interned, 16);
}

void sv_content_reserve(struct sv_content *c, uint32_t concepts)
{
	if (c->nconcept || concepts > SV_CONTENT_MAX_ROWS)
		return;
	sv_strmap_release(&c->index);
	sv_strmap_init(&c->index, concepts);
	c->concept = sv_xrealloc(c->concept, ((size_t)concepts + 1) * sizeof(*c->concept));
	c->capconcept = concepts + 1;
}

void sv_content_release(struct sv_content *c)
{
	for (size_t i = 0; i < c->pool.nchunks; i++)
		free(c->pool.chunks[i]);
	free(c->pool.chunks);
	sv_strmap_release(&c->pool.interned);
	free(c->pool.istr);
	sv_strmap_release(&c->index);
	free(c->concept);
	free(c->desig);
	free(c->desig_of);
	free(c->prop);
	free(c->prop_of);
	free(c->parent);
	free(c->parent_of);
	cJSON_Delete(c->owned);
	memset(c, 0, sizeof(*c));
}

static char *pool_alloc(struct sv_content_pool *p, size_t n)
{
	char *s;

	if (!p->nchunks || p->size - p->used < n) {
		size_t size = p->nchunks ? (p->size * 2 < POOL_CHUNK ? p->size * 2 : POOL_CHUNK) : POOL_FIRST;
		if (size < n)
			size = n;
		p->chunks = sv_xrealloc(p->chunks, (p->nchunks + 1) * sizeof(*p->chunks));
		p->chunks[p->nchunks++] = sv_xmalloc(size);
		p->size = size;
		p->used = 0;
	}
	s = p->chunks[p->nchunks - 1] + p->used;
	p->used += n;
	return s;
}

const char *sv_content_str(struct sv_content *c, const char *s)
{
	size_t n;
	char *d;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	d = pool_alloc(&c->pool, n);
	memcpy(d, s, n);
	return d;
}

const char *sv_content_intern(struct sv_content *c, const char *s)
{
	const char *d;
	uint32_t ignored;

	size_t n, slot;

	if (!s)
		return NULL;
	if ((n = strlen(s)) > INTERN_MAX)
		return sv_content_str(c, s);
	/* Rows repeat the same few strings: a small cache by length and first byte saves hashing them. */
	slot = (n * 31 + (unsigned char)s[0]) % SV_CONTENT_RECENT;
	if (c->pool.recent[slot] && strcmp(c->pool.recent[slot], s) == 0)
		return c->pool.recent[slot];
	if (sv_strmap_get(&c->pool.interned, s, &ignored))
		return c->pool.recent[slot] = c->pool.istr[ignored];
	d = c->pool.recent[slot] = sv_content_str(c, s);
	if (c->pool.nistr == c->pool.capistr) {
		c->pool.capistr = c->pool.capistr ? c->pool.capistr * 2 : 64;
		c->pool.istr = sv_xrealloc(c->pool.istr, c->pool.capistr * sizeof(*c->pool.istr));
	}
	c->pool.istr[c->pool.nistr] = d;
	sv_strmap_put(&c->pool.interned, d, c->pool.nistr++);
	return d;
}

/* Grows array *v (element size `size`, capacity *cap) and its companion *of to hold one more. */
static enum sv_err grow(void **v, uint32_t **of, uint32_t n, uint32_t *cap, size_t size, const char *what,
			struct sv_error *err)
{
	if (n < *cap)
		return SV_OK;
	if (n >= SV_CONTENT_MAX_ROWS)
		return sv_fail(err, SV_ETOOBIG, "more than %u %s in one code system", SV_CONTENT_MAX_ROWS, what);
	*cap = *cap ? *cap * 2 : 1024;
	if (*cap > SV_CONTENT_MAX_ROWS)
		*cap = SV_CONTENT_MAX_ROWS;
	*v = sv_xrealloc(*v, (size_t)*cap * size);
	if (of)
		*of = sv_xrealloc(*of, (size_t)*cap * sizeof(uint32_t));
	return SV_OK;
}

enum sv_err sv_content_add_concept(struct sv_content *c, const char *code, const char *display,
				   const char *definition, uint32_t *idx, struct sv_error *err)
{
	struct sv_content_concept *k;
	enum sv_err rc;

	if ((rc = grow((void **)&c->concept, NULL, c->nconcept, &c->capconcept, sizeof(*c->concept), "concepts",
		       err)) != SV_OK)
		return rc;
	k = &c->concept[c->nconcept];
	memset(k, 0, sizeof(*k));
	k->code = sv_content_str(c, code);
	if (!sv_strmap_put(&c->index, k->code, c->nconcept)) { /* one hash: the pooled copy is the key */
		sv_strmap_get(&c->index, code, idx);
		return sv_fail(err, SV_ECONFLICT, "code '%s' is defined twice", code);
	}
	k->display = sv_content_str(c, display);
	k->definition = sv_content_str(c, definition);
	*idx = c->nconcept++;
	return SV_OK;
}

enum sv_err sv_content_add_designation(struct sv_content *c, uint32_t concept, const struct sv_designation *d,
				       struct sv_error *err)
{
	struct sv_designation *x;
	enum sv_err rc;

	if (c->finished || concept >= c->nconcept)
		SV_BUG("designation added to a finished content or an unknown concept");
	if ((rc = grow((void **)&c->desig, &c->desig_of, c->ndesig, &c->capdesig, sizeof(*c->desig), "designations",
		       err)) != SV_OK)
		return rc;
	x = &c->desig[c->ndesig];
	x->language = sv_content_intern(c, d->language);
	x->use_system = sv_content_intern(c, d->use_system);
	x->use_code = sv_content_intern(c, d->use_code);
	x->use_display = sv_content_intern(c, d->use_display);
	x->value = sv_content_str(c, d->value ? d->value : "");
	x->json = d->json;
	x->id = d->id;
	c->desig_of[c->ndesig++] = concept;
	c->concept[concept].ndesig++;
	return SV_OK;
}

enum sv_err sv_content_add_property(struct sv_content *c, uint32_t concept, const char *code, const char *type,
				    const char *value, struct sv_error *err)
{
	struct sv_property *x;
	enum sv_err rc;

	if (c->finished || concept >= c->nconcept)
		SV_BUG("property added to a finished content or an unknown concept");
	if ((rc = grow((void **)&c->prop, &c->prop_of, c->nprop, &c->capprop, sizeof(*c->prop), "properties",
		       err)) != SV_OK)
		return rc;
	x = &c->prop[c->nprop];
	x->code = sv_content_intern(c, code);
	x->type = sv_content_intern(c, type);
	x->value = sv_content_intern(c, value ? value : "");
	x->json = NULL;
	c->prop_of[c->nprop++] = concept;
	c->concept[concept].nprop++;
	return SV_OK;
}

enum sv_err sv_content_add_parent(struct sv_content *c, uint32_t concept, uint32_t parent, struct sv_error *err)
{
	enum sv_err rc;

	if (c->finished || concept >= c->nconcept || parent >= c->nconcept)
		SV_BUG("parent added to a finished content or an unknown concept");
	if ((rc = grow((void **)&c->parent, &c->parent_of, c->nparent, &c->capparent, sizeof(*c->parent), "parents",
		       err)) != SV_OK)
		return rc;
	c->parent[c->nparent] = parent;
	c->parent_of[c->nparent++] = concept;
	c->concept[concept].nparent++;
	return SV_OK;
}

/* Reorders v (n elements of `size` bytes, element i of concept of[i]) so each concept's run is
 * contiguous, in concept order, stable; sets the runs' starts through `start` (offset of the run's first
 * field in struct sv_content_concept) from the counts already there. */
static void group(struct sv_content *c, void **v, uint32_t **of, uint32_t n, size_t size, size_t start_off,
		  size_t count_off)
{
	uint32_t at = 0;
	char *out;
	int sorted = 1;

	for (uint32_t i = 0; i < c->nconcept; i++) {
		char *k = (char *)&c->concept[i];
		uint32_t cnt;
		memcpy(&cnt, k + count_off, sizeof(cnt));
		memcpy(k + start_off, &at, sizeof(at));
		at += cnt;
	}
	for (uint32_t i = 1; i < n && sorted; i++)
		sorted = (*of)[i] >= (*of)[i - 1];
	if (!sorted) { /* rows read from the store come in concept order already: nothing to move */
		uint32_t *next = sv_xmalloc((size_t)c->nconcept * sizeof(uint32_t));
		for (uint32_t i = 0; i < c->nconcept; i++)
			memcpy(&next[i], (char *)&c->concept[i] + start_off, sizeof(uint32_t));
		out = sv_xmalloc((size_t)n * size);
		for (uint32_t i = 0; i < n; i++)
			memcpy(out + (size_t)next[(*of)[i]]++ * size, (char *)*v + (size_t)i * size, size);
		free(next);
		free(*v);
		*v = out;
	}
	free(*of);
	*of = NULL;
}

void sv_content_finish(struct sv_content *c)
{
	if (c->finished)
		return;
	group(c, (void **)&c->desig, &c->desig_of, c->ndesig, sizeof(*c->desig),
	      offsetof(struct sv_content_concept, desig), offsetof(struct sv_content_concept, ndesig));
	group(c, (void **)&c->prop, &c->prop_of, c->nprop, sizeof(*c->prop), offsetof(struct sv_content_concept, prop),
	      offsetof(struct sv_content_concept, nprop));
	group(c, (void **)&c->parent, &c->parent_of, c->nparent, sizeof(*c->parent),
	      offsetof(struct sv_content_concept, parent), offsetof(struct sv_content_concept, nparent));
	c->finished = 1;
}

int64_t sv_content_find(const struct sv_content *c, const char *code)
{
	uint32_t i;

	return code && sv_strmap_get(&c->index, code, &i) ? (int64_t)i : -1;
}

/* ---- FHIR JSON ---- */

/* The members of a concept, designation and property that the content's columns hold. */
static const char *const CONCEPT_COLUMNS[] = { "code", "display", "definition", "designation", "property", "concept", NULL };
static const char *const DESIGNATION_COLUMNS[] = { "language", "use", "value", NULL };
static const char *const USE_COLUMNS[] = { "system", "code", "display", NULL };

static int listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (strcmp(*names, name) == 0)
			return 1;
	return 0;
}

/* Whether object o has a member not in `names`. */
static int has_other(const cJSON *o, const char *const *names)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, o)
		if (!m->string || !listed(names, m->string))
			return 1;
	return 0;
}

char *sv_content_row_json(char what, const cJSON *json)
{
	const cJSON *use, *m;
	cJSON *extra;
	char *text;

	if (!cJSON_IsObject(json))
		return NULL;
	if (what == 'c') {
		if (!has_other(json, CONCEPT_COLUMNS))
			return NULL;
		extra = cJSON_CreateObject();
		cJSON_ArrayForEach(m, json)
			if (m->string && !listed(CONCEPT_COLUMNS, m->string))
				cJSON_AddItemToObject(extra, m->string, cJSON_Duplicate(m, 1));
		text = cJSON_PrintUnformatted(extra);
		cJSON_Delete(extra);
		return text;
	}
	if (what == 'd') {
		use = cJSON_GetObjectItemCaseSensitive(json, "use");
		if (!has_other(json, DESIGNATION_COLUMNS) && (!use || (cJSON_IsObject(use) && !has_other(use, USE_COLUMNS))))
			return NULL;
		return cJSON_PrintUnformatted(json);
	}
	/* a property: its code and one value that is text, a boolean or a number say it all */
	cJSON_ArrayForEach(m, json) {
		if (!m->string || (strcmp(m->string, "code") != 0 &&
				   (strncmp(m->string, "value", 5) != 0 || cJSON_IsObject(m) || cJSON_IsArray(m))))
			return cJSON_PrintUnformatted(json);
	}
	return NULL;
}

const cJSON *sv_content_own_json(struct sv_content *c, const char *text)
{
	cJSON *o = text ? cJSON_Parse(text) : NULL;

	if (!o)
		return NULL;
	if (!c->owned)
		c->owned = cJSON_CreateArray();
	cJSON_AddItemToArray(c->owned, o);
	return o;
}

/* Whether s is a JSON number as RFC 8259 writes it (nothing else may go out raw). */
static int json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		if (*++s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

cJSON *sv_property_value_json(const struct sv_property *p)
{
	const cJSON *own = p->json ? cJSON_GetObjectItemCaseSensitive(p->json, p->type) : NULL;
	cJSON *coding;

	if (own)
		return cJSON_Duplicate(own, 1);
	if (strcmp(p->type, "valueBoolean") == 0)
		return cJSON_CreateBool(strcmp(p->value, "true") == 0);
	if ((strcmp(p->type, "valueInteger") == 0 || strcmp(p->type, "valueDecimal") == 0) && json_number(p->value))
		return cJSON_CreateRaw(p->value);   /* as written: 1.50 stays 1.50 */
	if (strcmp(p->type, "valueCoding") != 0)
		return cJSON_CreateString(p->value);
	coding = cJSON_CreateObject();
	cJSON_AddStringToObject(coding, "code", p->value);
	return coding;
}

static cJSON *property_json(const struct sv_property *p)
{
	cJSON *o;

	if (p->json)
		return cJSON_Duplicate(p->json, 1);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "code", p->code);
	cJSON_AddItemToObject(o, p->type, sv_property_value_json(p));
	return o;
}

cJSON *sv_designation_json(const struct sv_designation *d)
{
	cJSON *x;

	if (d->json)
		return cJSON_Duplicate(d->json, 1);
	x = cJSON_CreateObject();
	if (d->language)
		cJSON_AddStringToObject(x, "language", d->language);
	if (d->use_system || d->use_code) {
		cJSON *use = cJSON_AddObjectToObject(x, "use");
		if (d->use_system)
			cJSON_AddStringToObject(use, "system", d->use_system);
		if (d->use_code)
			cJSON_AddStringToObject(use, "code", d->use_code);
		if (d->use_display)
			cJSON_AddStringToObject(use, "display", d->use_display);
	}
	cJSON_AddStringToObject(x, "value", d->value);
	return x;
}

cJSON *sv_content_header(const cJSON *cs)
{
	cJSON *h = cJSON_CreateObject();
	const cJSON *m;

	cJSON_ArrayForEach(m, cs)
		if (m->string && strcmp(m->string, "concept") != 0)
			cJSON_AddItemToObject(h, m->string, cJSON_Duplicate(m, 1));
	return h;
}

cJSON *sv_content_to_json(const cJSON *header, const struct sv_content *c)
{
	cJSON *cs = sv_content_header(header), *arr;

	if (!c->finished)
		SV_BUG("sv_content_to_json on an unfinished content");
	arr = cJSON_AddArrayToObject(cs, "concept");
	for (uint32_t i = 0; i < c->nconcept; i++) {
		const struct sv_content_concept *k = &c->concept[i];
		cJSON *o = cJSON_CreateObject(), *props = NULL;
		int has_inactive = 0;

		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "code", k->code);
		if (k->display)
			cJSON_AddStringToObject(o, "display", k->display);
		if (k->definition)
			cJSON_AddStringToObject(o, "definition", k->definition);
		if (k->json) {   /* what the concept said besides its columns (extensions...) */
			const cJSON *m;
			cJSON_ArrayForEach(m, k->json)
				if (m->string && !listed(CONCEPT_COLUMNS, m->string))
					cJSON_AddItemToObject(o, m->string, cJSON_Duplicate(m, 1));
		}
		if (k->ndesig) {
			cJSON *ds = cJSON_AddArrayToObject(o, "designation");
			for (uint32_t j = 0; j < k->ndesig; j++)
				cJSON_AddItemToArray(ds, sv_designation_json(&c->desig[k->desig + j]));
		}
		if (k->nparent || k->nprop || k->inactive)
			props = cJSON_CreateArray();
		for (uint32_t j = 0; j < k->nparent; j++) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "code", "parent");
			cJSON_AddStringToObject(p, "valueCode", c->concept[c->parent[k->parent + j]].code);
			cJSON_AddItemToArray(props, p);
		}
		for (uint32_t j = 0; j < k->nprop; j++) {
			const struct sv_property *p = &c->prop[k->prop + j];
			has_inactive |= strcmp(p->code, "inactive") == 0;
			cJSON_AddItemToArray(props, property_json(p));
		}
		if (k->inactive && !has_inactive) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "code", "inactive");
			cJSON_AddTrueToObject(p, "valueBoolean");
			cJSON_AddItemToArray(props, p);
		}
		if (props)
			cJSON_AddItemToObject(o, "property", props);
	}
	return cs;
}

/* The text of a property's value element (the code of a Coding, a number as printed), its name in *type. */
static const char *value_text(const cJSON *p, const char **type, char *num, size_t cap)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, p) {
		if (!v->string || strncmp(v->string, "value", 5) != 0)
			continue;
		*type = v->string;
		if (cJSON_IsBool(v))
			return cJSON_IsTrue(v) ? "true" : "false";
		if (cJSON_IsString(v))
			return v->valuestring;
		if (cJSON_IsNumber(v)) {
			char *s = cJSON_PrintUnformatted(v);
			snprintf(num, cap, "%s", s ? s : "0");
			free(s);
			return num;
		}
		if (cJSON_IsObject(v))
			return sv_jstr(v, "code") ? sv_jstr(v, "code") : "";
	}
	return NULL;
}

struct pending_parent {
	uint32_t child;
	const char *code;
};

static void push_parent(struct pending_parent **pp, size_t *npp, size_t *cap, uint32_t child, const char *code)
{
	if (*npp == *cap) {
		*cap = *cap * 2 + 128;
		*pp = sv_xrealloc(*pp, *cap * sizeof(**pp));
	}
	(*pp)[(*npp)++] = (struct pending_parent){ child, code };
}

static enum sv_err add_json_concepts(struct sv_content *c, const cJSON *concepts, const char *nest_parent, int depth,
				     struct pending_parent **pp, size_t *npp, size_t *cap, struct sv_error *err)
{
	const cJSON *o;
	enum sv_err rc = SV_OK;

	if (depth > 64)
		return sv_fail(err, SV_EINVAL, "concept hierarchy nested deeper than 64");
	cJSON_ArrayForEach(o, concepts) {
		const char *code = sv_jstr(o, "code");
		const cJSON *d, *p;
		uint32_t idx;

		if (!code || !*code)
			return sv_fail(err, SV_EINVAL, "a concept has no code");
		if ((rc = sv_content_add_concept(c, code, sv_jstr(o, "display"), sv_jstr(o, "definition"), &idx, err)) !=
		    SV_OK)
			return rc == SV_ECONFLICT ? sv_fail(err, SV_EINVAL, "code '%s' is defined twice", code) : rc;
		c->concept[idx].json = o;
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(o, "designation")) {
			const cJSON *use = cJSON_GetObjectItemCaseSensitive(d, "use");
			struct sv_designation x = { sv_jstr(d, "language"), sv_jstr(use, "system"), sv_jstr(use, "code"),
						    sv_jstr(use, "display"), sv_jstr(d, "value"), d, 0 };
			if ((rc = sv_content_add_designation(c, idx, &x, err)) != SV_OK)
				return rc;
		}
		if (nest_parent)
			push_parent(pp, npp, cap, idx, nest_parent);
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "property")) {
			const char *pc = sv_jstr(p, "code"), *type = NULL, *v;
			char num[64];
			if (!pc)
				continue;
			if ((strcmp(pc, "parent") == 0 || strcmp(pc, "subsumedBy") == 0) && sv_jstr(p, "valueCode")) {
				push_parent(pp, npp, cap, idx, sv_jstr(p, "valueCode"));
				if (strcmp(pc, "parent") == 0)
					continue; /* the parents: the hierarchy says them; subsumedBy stays as said too */
			}
			if (!(v = value_text(p, &type, num, sizeof(num))))
				continue;
			if ((rc = sv_content_add_property(c, idx, pc, type, v, err)) != SV_OK)
				return rc;
			c->prop[c->nprop - 1].json = p;
		}
		if ((rc = add_json_concepts(c, cJSON_GetObjectItemCaseSensitive(o, "concept"), c->concept[idx].code,
					    depth + 1, pp, npp, cap, err)) != SV_OK)
			return rc;
	}
	return rc;
}

enum sv_err sv_content_from_json(struct sv_content *c, const cJSON *cs, struct sv_error *err)
{
	struct pending_parent *pp = NULL;
	size_t npp = 0, cap = 0;
	enum sv_err rc;

	sv_content_reserve(c, (uint32_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs, "concept")));
	rc = add_json_concepts(c, cJSON_GetObjectItemCaseSensitive(cs, "concept"), NULL, 0, &pp, &npp, &cap, err);
	for (size_t i = 0; rc == SV_OK && i < npp; i++) {
		int64_t p = sv_content_find(c, pp[i].code);
		const struct sv_content_concept *k = &c->concept[pp[i].child];
		int dup = 0;
		if (p < 0) {
			rc = sv_fail(err, SV_EINVAL, "parent '%s' of '%s' is not in the code system", pp[i].code, k->code);
			break;
		}
		/* A concept's parents are adjacent in pp: the same link twice is among those just before. */
		for (size_t j = i; j-- > 0 && pp[j].child == pp[i].child && !dup;)
			dup = strcmp(pp[j].code, pp[i].code) == 0;
		if (!dup && (uint32_t)p != pp[i].child)
			rc = sv_content_add_parent(c, pp[i].child, (uint32_t)p, err);
	}
	free(pp);
	if (rc == SV_OK)
		sv_content_finish(c);
	return rc;
}
