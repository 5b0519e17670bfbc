/* expand_props.c — the properties and carried-over extensions of one `expansion.contains` entry (see
 * expand_props.h for which, and from where). */
#include "samsvar/expand_props.h"
#include "samsvar/jsonutil.h"
#include "samsvar/strmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONCEPT_PROPERTIES "http://hl7.org/fhir/concept-properties"
#define SD "http://hl7.org/fhir/StructureDefinition/"

/* The properties FHIR defines through extensions: the include's concept's extension wins over the
 * supplements', which win over the code system's. */
static const struct ext_prop {
	const char *code;        /* in contains.property */
	const char *uri_code;    /* concept-properties#... */
	const char *vs_ext;      /* on compose.include.concept */
	const char *cs_ext;      /* on a (supplement's) CodeSystem.concept */
} EXT_PROPS[] = {
	{"label", "label", SD "valueset-label", SD "codesystem-label"},
	{"order", "order", SD "valueset-conceptOrder", SD "codesystem-conceptOrder"},
	{"weight", "itemWeight", SD "itemWeight", SD "itemWeight"},
};

/* Extensions of the include's concept that its contains entry carries, and (from index 3 on) those a
 * code system's or supplement's concept gives it too. */
static const char *const CARRIED[] = {
	SD "valueset-deprecated", SD "valueset-concept-definition", SD "structuredefinition-standards-status",
	SD "rendering-style", SD "rendering-xhtml",
};
#define CARRIED_FROM_CS 3

const struct sv_concept *sv_supplement_concept(const struct sv_codesystem *sup, const struct sv_codesystem *cs,
					       const char *code)
{
	const char *target = sv_jstr(sup->resource, "supplements");
	size_t n = strlen(cs->url);

	if (!target || strncmp(target, cs->url, n) != 0 || (target[n] != '\0' && target[n] != '|'))
		return NULL;
	return sv_codesystem_concept(sup, code);
}

/* The extension `url` of JSON object `node`, or NULL. */
static const cJSON *extension_of(const cJSON *node, const char *url)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(node, "extension"))
		if (sv_jstr(x, "url") && strcmp(sv_jstr(x, "url"), url) == 0)
			return x;
	return NULL;
}

/* The value[x] member of extension or property `x`, or NULL. */
static const cJSON *value_of(const cJSON *x)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, x)
		if (v->string && strncmp(v->string, "value", 5) == 0)
			return v;
	return NULL;
}

/* What rendering one expansion's properties keeps from item to item, so that each costs the same
 * however many properties came before: the codes exp's `property` list declares, and the property
 * uris of each definition resource (a code system or supplement), indexed by code on first use. */
struct sv_prop_decls {
	struct sv_strmap declared;   /* code -> 1; keys: the code strings of exp's property list */
	struct sv_strmap uris;       /* "<def>" once def is indexed; "<def>\x1f<code>" -> index into uri */
	char **keys;                 /* the keys of `uris`, owned */
	const char **uri;            /* borrowed from the definition resources */
	size_t n, cap;
	size_t left;                 /* property values the answer may still take from the concepts */
	int over;                    /* a concept's property was left out for want of them */
};

struct sv_prop_decls *sv_prop_decls_new(size_t max_values)
{
	struct sv_prop_decls *d = sv_xcalloc(1, sizeof(*d));

	d->left = max_values;
	sv_strmap_init(&d->declared, 16);
	sv_strmap_init(&d->uris, 16);
	return d;
}

int sv_prop_decls_over(const struct sv_prop_decls *d)
{
	return d->over;
}

void sv_prop_decls_free(struct sv_prop_decls *d)
{
	if (!d)
		return;
	sv_strmap_release(&d->declared);
	sv_strmap_release(&d->uris);
	for (size_t i = 0; i < d->n; i++)
		free(d->keys[i]);
	free(d->keys);
	free(d->uri);
	free(d);
}

static void add_uri(struct sv_prop_decls *d, const cJSON *def, const char *code, const char *uri)
{
	char key[600];

	if (code)
		snprintf(key, sizeof(key), "%p\x1f%.500s", (const void *)def, code);
	else
		snprintf(key, sizeof(key), "%p", (const void *)def);
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->keys = sv_xrealloc(d->keys, d->cap * sizeof(*d->keys));
		d->uri = sv_xrealloc(d->uri, d->cap * sizeof(*d->uri));
	}
	d->keys[d->n] = sv_xstrdup(key);
	d->uri[d->n] = uri;
	if (sv_strmap_put(&d->uris, d->keys[d->n], (uint32_t)d->n))
		d->n++;
	else
		free(d->keys[d->n]);     /* a code defined twice: the first definition holds */
}

/* The uri resource `def` gives property `code`, or NULL; indexes def's property list once. */
static const char *def_uri(struct sv_prop_decls *d, const cJSON *def, const char *code)
{
	char key[600];
	const cJSON *p;
	uint32_t i;

	snprintf(key, sizeof(key), "%p", (const void *)def);
	if (!sv_strmap_get(&d->uris, key, &i)) {
		add_uri(d, def, NULL, NULL);
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(def, "property"))
			if (sv_jstr(p, "code") && sv_jstr(p, "uri"))
				add_uri(d, def, sv_jstr(p, "code"), sv_jstr(p, "uri"));
	}
	snprintf(key, sizeof(key), "%p\x1f%.500s", (const void *)def, code);
	return sv_strmap_get(&d->uris, key, &i) ? d->uri[i] : NULL;
}

/* Declares property `code` in exp's `property` list unless it is there; `uri` NULL: the one the
 * resource `def` (a code system or supplement) gives it, else concept-properties#code. */
static void declare(struct sv_prop_decls *d, cJSON *exp, const cJSON *def, const char *code, const char *uri)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(exp, "property"), *p;
	char buf[512];
	uint32_t unused;

	if (sv_strmap_get(&d->declared, code, &unused))
		return;
	if (!list)
		list = cJSON_AddArrayToObject(exp, "property");
	if (!uri && def)
		uri = def_uri(d, def, code);
	if (!uri) {
		snprintf(buf, sizeof(buf), "%s#%s", CONCEPT_PROPERTIES, code);
		uri = buf;
	}
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "code", code);
	cJSON_AddStringToObject(p, "uri", uri);
	cJSON_AddItemToArray(list, p);
	sv_strmap_put(&d->declared, sv_jstr(p, "code"), 1);
}

/* Appends {code, <type>: value} to c's property list (made on first use). */
static void add_property(cJSON *c, const char *code, const char *type, cJSON *value)
{
	cJSON *props = cJSON_GetObjectItemCaseSensitive(c, "property"), *v = cJSON_CreateObject();

	if (!props)
		props = cJSON_AddArrayToObject(c, "property");
	cJSON_AddStringToObject(v, "code", code);
	cJSON_AddItemToObject(v, type, value);
	cJSON_AddItemToArray(props, v);
}

/* Counts one more property value against the cap; 0 when the answer is full (d->over set). */
static int take(struct sv_prop_decls *d)
{
	if (!d->left) {
		d->over = 1;
		return 0;
	}
	d->left--;
	return 1;
}

/* The properties `want` ("*": all) names on concept `k` of code system or supplement `cs`: its parents
 * (as `parent`), then its own properties. */
static void add_named(struct sv_prop_decls *d, const char *want, const struct sv_codesystem *cs,
		      const struct sv_concept *k, cJSON *c, cJSON *exp)
{
	int all = strcmp(want, "*") == 0;

	for (uint32_t i = 0; (all || strcmp(want, "parent") == 0) && i < k->nparents; i++) {
		if (!take(d))
			return;
		add_property(c, "parent", "valueCode", cJSON_CreateString(cs->concepts[k->parents[i]].code));
		declare(d, exp, cs->resource, "parent", NULL);
	}
	for (uint32_t i = 0; i < k->nprops; i++) {
		const struct sv_property *p = &k->props[i];
		if (!all && strcmp(p->code, want) != 0)
			continue;
		if (!take(d))
			return;
		add_property(c, p->code, p->type, sv_property_value_json(p));
		declare(d, exp, cs->resource, p->code, NULL);
	}
}

/* One property FHIR defines through an extension: the first of the include's concept, the supplements'
 * concepts, the code system's concept that has it; a number becomes valueDecimal, text valueString. */
static void add_ext_property(const struct sv_item_props *ip, const struct sv_expansion_item *it,
			     const struct ext_prop *e, cJSON *c, cJSON *exp)
{
	const cJSON *x = it->listed ? extension_of(it->listed, e->vs_ext) : NULL, *v;
	char uri[128];

	for (size_t i = 0; !x && i < ip->nsupplements; i++) {
		const struct sv_concept *sk = sv_supplement_concept(ip->supplements[i], it->cs, it->k->code);
		x = sk ? extension_of(sk->json, e->cs_ext) : NULL;
	}
	if (!x)
		x = extension_of(it->k->json, e->cs_ext);
	if (!x || !(v = value_of(x)))
		return;
	if (cJSON_IsNumber(v))
		add_property(c, e->code, "valueDecimal", cJSON_CreateNumber(v->valuedouble));
	else if (cJSON_IsString(v))
		add_property(c, e->code, "valueString", cJSON_CreateString(v->valuestring));
	else
		return;
	snprintf(uri, sizeof(uri), "%s#%s", CONCEPT_PROPERTIES, e->uri_code);
	declare(ip->decls, exp, NULL, e->code, uri);
}

/* The concept's status when it is not active: its status property, else its standards-status. */
static const char *status_of(const struct sv_expansion_item *it)
{
	const char *status = sv_concept_property(it->cs, it->k, "status");
	const cJSON *v;

	if (!status && (v = value_of(extension_of(it->k->json, SD "structuredefinition-standards-status"))) != NULL &&
	    cJSON_IsString(v))
		status = v->valuestring;
	return status && strcmp(status, "active") != 0 ? status : NULL;
}

/* Whether c's property list has property `code`. */
static int has_property(const cJSON *c, const char *code)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "property"))
		if (sv_jstr(p, "code") && strcmp(sv_jstr(p, "code"), code) == 0)
			return 1;
	return 0;
}

void sv_expand_item_properties(const struct sv_item_props *ip, const struct sv_expansion_item *it, cJSON *c,
			       cJSON *exp)
{
	const char *status = status_of(it);

	for (size_t i = 0; i < ip->nprops; i++) {
		const char *want = ip->props[i];
		if (strcmp(want, "definition") == 0) {
			if (it->k->definition) {
				add_property(c, "definition", "valueString", cJSON_CreateString(it->k->definition));
				declare(ip->decls, exp, it->cs->resource, "definition", NULL);
			}
			continue;
		}
		add_named(ip->decls, want, it->cs, it->k, c, exp);
		for (size_t j = 0; j < ip->nsupplements; j++) {
			const struct sv_concept *sk = sv_supplement_concept(ip->supplements[j], it->cs, it->k->code);
			if (sk)
				add_named(ip->decls, want, ip->supplements[j], sk, c, exp);
		}
	}
	for (size_t i = 0; i < sizeof(EXT_PROPS) / sizeof(EXT_PROPS[0]); i++)
		add_ext_property(ip, it, &EXT_PROPS[i], c, exp);
	/* The status says why a concept is inactive or deprecated, asked for or not. */
	if (status && !has_property(c, "status")) {
		add_property(c, "status", "valueCode", cJSON_CreateString(status));
		declare(ip->decls, exp, it->cs->resource, "status", NULL);
	}
}

/* Adds a copy of extension `x` to c's extension list (made on first use) unless one of its url is there. */
static void carry(cJSON *c, const cJSON *x)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(c, "extension");

	if (!x || extension_of(c, sv_jstr(x, "url")))
		return;
	if (!list)
		list = cJSON_AddArrayToObject(c, "extension");
	cJSON_AddItemToArray(list, cJSON_Duplicate(x, 1));
}

void sv_expand_item_extensions(const struct sv_item_props *ip, const struct sv_expansion_item *it, cJSON *c)
{
	for (size_t i = 0; i < sizeof(CARRIED) / sizeof(CARRIED[0]); i++) {
		if (it->listed)
			carry(c, extension_of(it->listed, CARRIED[i]));
		if (i < CARRIED_FROM_CS)
			continue;
		for (size_t j = 0; j < ip->nsupplements; j++) {
			const struct sv_concept *sk = sv_supplement_concept(ip->supplements[j], it->cs, it->k->code);
			if (sk)
				carry(c, extension_of(sk->json, CARRIED[i]));
		}
		carry(c, extension_of(it->k->json, CARRIED[i]));
	}
}
