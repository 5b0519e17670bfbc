/* conceptmap_r5.c — R4 ConceptMap -> R5 ConceptMap; conceptmap_r5.h states the mapping. */
#include "samsvar/conceptmap_r5.h"
#include "samsvar/jsonutil.h"
#include "samsvar/cmindex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ATTRS 256   /* distinct dependsOn/product properties declared in one map */
#define MAX_CODE 48     /* an additionalAttribute code before its "-N" suffix */

struct conv {
	cJSON *attrs;           /* ConceptMap.additionalAttribute being built */
	const char *url;        /* the map's url, for messages */
	struct sv_error *err;
};

/* The R5 name of member `key` when `map` renames it (its `_key` primitive extension follows), else
 * `key` itself; `buf` holds a renamed name. */
static const char *r5_name(const char *key, const char *const map[][2], size_t n, char *buf, size_t cap)
{
	int ext = key[0] == '_';

	for (size_t i = 0; i < n; i++)
		if (strcmp(key + ext, map[i][0]) == 0) {
			snprintf(buf, cap, "%s%s", ext ? "_" : "", map[i][1]);
			return buf;
		}
	return key;
}

static int is(const char *key, const char *name)
{
	return strcmp(key, name) == 0;
}

/* "url|version" (R5 group.source/target carry the version in the canonical), or url alone. */
static cJSON *canonical(const char *url, const char *version)
{
	char *s;
	cJSON *j;
	size_t n;

	if (!version || strchr(url, '|'))
		return cJSON_CreateString(url);
	n = strlen(url) + strlen(version) + 2;
	s = sv_xmalloc(n);
	snprintf(s, n, "%s|%s", url, version);
	j = cJSON_CreateString(s);
	free(s);
	return j;
}

static int code_taken(const struct conv *c, const char *code)
{
	const cJSON *a;
	cJSON_ArrayForEach(a, c->attrs)
		if (strcmp(sv_jstr(a, "code"), code) == 0)
			return 1;
	return 0;
}

/* The additionalAttribute code for property `uri`, declaring it on first use; `coding` says whether
 * this use has a system (the declared type becomes string once any use has none). NULL on error. */
static const char *attr_code(struct conv *c, const char *uri, int coding)
{
	char base[MAX_CODE], code[MAX_CODE + 16];
	const char *tail = uri;
	cJSON *a;
	int n = 0;

	cJSON_ArrayForEach(a, c->attrs) {
		if (strcmp(sv_jstr(a, "uri"), uri) == 0) {
			if (!coding)
				cJSON_ReplaceItemInObjectCaseSensitive(a, "type", cJSON_CreateString("string"));
			return sv_jstr(a, "code");
		}
		n++;
	}
	if (n >= MAX_ATTRS) {
		sv_fail(c->err, SV_EINVAL, "ConceptMap %s uses more than %d dependsOn/product properties", c->url,
			MAX_ATTRS);
		return NULL;
	}
	/* The last segment names the attribute well: ".../CodeSystem/iplos-score" -> "iplos-score",
	 * "...assess#frequency" -> "frequency", "http://snomed.info/sct" -> "sct". */
	for (const char *p = uri; *p; p++)
		if ((*p == '/' || *p == '#' || *p == ':') && p[1])
			tail = p + 1;
	snprintf(base, sizeof(base), "%s", *tail && !strchr(tail, ' ') ? tail : "attribute");
	snprintf(code, sizeof(code), "%s", base);
	for (int k = 2; code_taken(c, code); k++)
		snprintf(code, sizeof(code), "%s-%d", base, k);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "code", code);
	cJSON_AddStringToObject(a, "uri", uri);
	cJSON_AddStringToObject(a, "type", coding ? "Coding" : "string");
	cJSON_AddItemToArray(c->attrs, a);
	return sv_jstr(a, "code");
}

/* One dependsOn/product entry (R4 property/system/value/display) as an R5 OtherElement. */
static cJSON *other_to_r5(struct conv *c, const cJSON *d)
{
	const char *prop = sv_jstr(d, "property"), *sys = sv_jstr(d, "system");
	const char *val = sv_jstr(d, "value"), *disp = sv_jstr(d, "display");
	const cJSON *it;
	cJSON *o;

	if (!cJSON_IsObject(d)) {
		sv_fail(c->err, SV_EINVAL, "ConceptMap %s: a dependsOn/product entry is not an object", c->url);
		return NULL;
	}
	if (!prop)
		prop = sys;
	if (!prop && !sv_jstr(d, "attribute")) {
		sv_fail(c->err, SV_EINVAL, "ConceptMap %s: a dependsOn/product entry has no property", c->url);
		return NULL;
	}
	o = cJSON_CreateObject();
	for (it = d->child; it; it = it->next) {
		const char *key = it->string + (it->string[0] == '_');
		if (is(key, "property") || is(key, "system") || is(key, "value") || is(key, "display"))
			continue; /* folded into attribute and value[x] below */
		cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, 1));
	}
	if (prop) {
		const char *code = attr_code(c, prop, sys != NULL);
		if (!code) {
			cJSON_Delete(o);
			return NULL;
		}
		cJSON_AddStringToObject(o, "attribute", code);
	}
	if (val && sys) {
		cJSON *v = cJSON_AddObjectToObject(o, "valueCoding");
		cJSON_AddStringToObject(v, "system", sys);
		cJSON_AddStringToObject(v, "code", val);
		if (disp)
			cJSON_AddStringToObject(v, "display", disp);
	} else if (val) {
		cJSON_AddStringToObject(o, "valueString", val);
	}
	return o;
}

static cJSON *others_to_r5(struct conv *c, const cJSON *list)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *d;

	if (!cJSON_IsArray(list)) {
		sv_fail(c->err, SV_EINVAL, "ConceptMap %s: dependsOn/product is not a list", c->url);
		goto bad;
	}
	cJSON_ArrayForEach(d, list) {
		cJSON *o = other_to_r5(c, d);
		if (!o)
			goto bad;
		cJSON_AddItemToArray(a, o);
	}
	return a;
bad:
	cJSON_Delete(a);
	return NULL;
}

/* One target; *out is NULL (and 0 returned) when the target only said "no map" (see the header). */
static int target_to_r5(struct conv *c, const cJSON *t, cJSON **out)
{
	static const char *const RENAME[][2] = {{"equivalence", "relationship"}};
	const char *eq = sv_jstr(t, "equivalence"), *rel = NULL;
	int has_rel = sv_jstr(t, "relationship") != NULL;
	const cJSON *it;
	cJSON *o;
	char buf[32];

	*out = NULL;
	if (!cJSON_IsObject(t))
		return sv_fail(c->err, SV_EINVAL, "ConceptMap %s: a target is not an object", c->url);
	if (eq && !(rel = sv_translate_relationship(eq)))
		return sv_fail(c->err, SV_EINVAL, "ConceptMap %s: equivalence '%.64s' is not an R4 "
			       "ConceptMapEquivalence", c->url, eq);
	if (!eq && !has_rel)
		eq = sv_jstr(t, "code") ? "equivalent" : "unmatched"; /* as $translate reads it */
	if (strcmp(eq ? eq : "", "unmatched") == 0 && !sv_jstr(t, "code") && !sv_jstr(t, "valueSet") &&
	    !cJSON_GetObjectItemCaseSensitive(t, "dependsOn") && !cJSON_GetObjectItemCaseSensitive(t, "product"))
		return SV_OK;
	o = cJSON_CreateObject();
	for (it = t->child; it; it = it->next) {
		const char *key = it->string;
		if (is(key, "equivalence")) {
			if (!has_rel) /* an R5 relationship given beside it wins */
				cJSON_AddStringToObject(o, "relationship", rel);
		} else if (is(key, "dependsOn") || is(key, "product")) {
			cJSON *a = others_to_r5(c, it);
			if (!a) {
				cJSON_Delete(o);
				return SV_EINVAL; /* err set by others_to_r5() */
			}
			cJSON_AddItemToObject(o, key, a);
		} else {
			cJSON_AddItemToObject(o, r5_name(key, RENAME, 1, buf, sizeof(buf)), cJSON_Duplicate(it, 1));
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(o, "relationship"))
		cJSON_AddStringToObject(o, "relationship", sv_translate_relationship(eq));
	*out = o;
	return SV_OK;
}

static cJSON *element_to_r5(struct conv *c, const cJSON *e)
{
	cJSON *o, *targets = cJSON_CreateArray();
	const cJSON *it, *t;
	int dropped = 0;

	if (!cJSON_IsObject(e)) {
		sv_fail(c->err, SV_EINVAL, "ConceptMap %s: a group element is not an object", c->url);
		cJSON_Delete(targets);
		return NULL;
	}
	o = cJSON_CreateObject();
	for (it = e->child; it; it = it->next) {
		if (!is(it->string, "target")) {
			cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, 1));
			continue;
		}
		if (!cJSON_IsArray(it)) {
			sv_fail(c->err, SV_EINVAL, "ConceptMap %s: element.target is not a list", c->url);
			goto bad;
		}
		cJSON_ArrayForEach(t, it) {
			cJSON *nt;
			if (target_to_r5(c, t, &nt) != SV_OK)
				goto bad;
			if (nt)
				cJSON_AddItemToArray(targets, nt);
			else
				dropped = 1;
		}
	}
	if (cJSON_GetArraySize(targets) > 0) {
		cJSON_AddItemToObject(o, "target", targets);
	} else {
		cJSON_Delete(targets);
		if (dropped && !cJSON_GetObjectItemCaseSensitive(o, "noMap"))
			cJSON_AddBoolToObject(o, "noMap", 1);
	}
	return o;
bad:
	cJSON_Delete(targets);
	cJSON_Delete(o);
	return NULL;
}

static cJSON *unmapped_to_r5(struct conv *c, const cJSON *u)
{
	static const char *const RENAME[][2] = {{"url", "otherMap"}};
	const cJSON *it;
	cJSON *o;
	char buf[32];

	if (!cJSON_IsObject(u)) {
		sv_fail(c->err, SV_EINVAL, "ConceptMap %s: group.unmapped is not an object", c->url);
		return NULL;
	}
	o = cJSON_CreateObject();
	for (it = u->child; it; it = it->next) {
		if (is(it->string, "mode") && cJSON_IsString(it) && is(it->valuestring, "provided"))
			cJSON_AddStringToObject(o, "mode", "use-source-code");
		else
			cJSON_AddItemToObject(o, r5_name(it->string, RENAME, 1, buf, sizeof(buf)),
					      cJSON_Duplicate(it, 1));
	}
	return o;
}

static cJSON *group_to_r5(struct conv *c, const cJSON *g)
{
	const cJSON *it, *e;
	cJSON *o;

	if (!cJSON_IsObject(g)) {
		sv_fail(c->err, SV_EINVAL, "ConceptMap %s: a group is not an object", c->url);
		return NULL;
	}
	o = cJSON_CreateObject();
	for (it = g->child; it; it = it->next) {
		const char *key = it->string;
		cJSON *v;
		if (is(key + (key[0] == '_'), "sourceVersion") || is(key + (key[0] == '_'), "targetVersion"))
			continue; /* folded into source/target */
		if ((is(key, "source") || is(key, "target")) && cJSON_IsString(it)) {
			v = canonical(it->valuestring, sv_jstr(g, is(key, "source") ? "sourceVersion" : "targetVersion"));
		} else if (is(key, "element")) {
			if (!cJSON_IsArray(it)) {
				sv_fail(c->err, SV_EINVAL, "ConceptMap %s: group.element is not a list", c->url);
				goto bad;
			}
			v = cJSON_CreateArray();
			cJSON_AddItemToObject(o, key, v);
			cJSON_ArrayForEach(e, it) {
				cJSON *ne = element_to_r5(c, e);
				if (!ne)
					goto bad;
				cJSON_AddItemToArray(v, ne);
			}
			continue;
		} else if (is(key, "unmapped")) {
			if (!(v = unmapped_to_r5(c, it)))
				goto bad;
		} else {
			v = cJSON_Duplicate(it, 1);
		}
		cJSON_AddItemToObject(o, key, v);
	}
	return o;
bad:
	cJSON_Delete(o);
	return NULL;
}

cJSON *sv_conceptmap_to_r5(const cJSON *r4, struct sv_error *err)
{
	static const char *const RENAME[][2] = {
		{"sourceUri", "sourceScopeUri"}, {"sourceCanonical", "sourceScopeCanonical"},
		{"targetUri", "targetScopeUri"}, {"targetCanonical", "targetScopeCanonical"},
	};
	struct conv c = {.err = err};
	cJSON *out = NULL, *groups = NULL, *result = NULL;
	const cJSON *it, *g;
	char buf[32];

	if (!cJSON_IsObject(r4) || !sv_jstr(r4, "resourceType") || strcmp(sv_jstr(r4, "resourceType"), "ConceptMap")) {
		sv_fail(err, SV_EINVAL, "not a ConceptMap");
		return NULL;
	}
	c.url = sv_jstr(r4, "url") ? sv_jstr(r4, "url") : "(without url)";
	c.attrs = cJSON_CreateArray();
	out = cJSON_CreateObject();
	for (it = r4->child; it; it = it->next) {
		const char *key = it->string;
		if (is(key, "identifier") && cJSON_IsObject(it)) {
			cJSON_AddItemToArray(cJSON_AddArrayToObject(out, key), cJSON_Duplicate(it, 1));
		} else if (is(key, "group")) {
			if (!cJSON_IsArray(it)) {
				sv_fail(err, SV_EINVAL, "ConceptMap %s: group is not a list", c.url);
				goto out;
			}
			groups = cJSON_CreateArray();
			cJSON_ArrayForEach(g, it) {
				cJSON *ng = group_to_r5(&c, g);
				if (!ng)
					goto out;
				cJSON_AddItemToArray(groups, ng);
			}
		} else {
			cJSON_AddItemToObject(out, r5_name(key, RENAME, 4, buf, sizeof(buf)), cJSON_Duplicate(it, 1));
		}
	}
	/* Declarations first, then the groups that use them (the R5 element order). */
	if (cJSON_GetArraySize(c.attrs) > 0) {
		cJSON_AddItemToObject(out, "additionalAttribute", c.attrs);
		c.attrs = NULL;
	}
	if (groups) {
		cJSON_AddItemToObject(out, "group", groups);
		groups = NULL;
	}
	result = out;
	out = NULL;
out:
	cJSON_Delete(c.attrs);
	cJSON_Delete(groups);
	cJSON_Delete(out);
	return result;
}
