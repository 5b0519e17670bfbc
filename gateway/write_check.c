/* write_check.c — validation of a resource before the write API stores it; every problem is listed. */
#include "samsvar/canonical.h"
#include "samsvar/jsonutil.h"
#include "samsvar/library.h"
#include "samsvar/store_history.h"
#include "samsvar/strmap.h"
#include "samsvar/write_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* R4 ConceptMapEquivalence (http://hl7.org/fhir/R4/valueset-concept-map-equivalence.html). */
static const char *const EQUIVALENCES[] = {"relatedto", "equivalent", "equal", "wider", "subsumes", "narrower",
					   "specializes", "inexact", "unmatched", "disjoint"};

/* The flag a map row carries when its SNOMED CT target is outside the Global Patient Set
 * (mappings/README.md): the code is then not expected in the loaded edition. */
static const char NATIONAL_FLAG[] = "/StructureDefinition/needs-national-edition";

struct check {
	const struct sv_snapshot *snap;
	cJSON *issues;                /* the OperationOutcome's issue array */
	struct sv_strmap seen;        /* rows or codes met so far (duplicates) */
	char **keys;                  /* the strings `seen` points at, owned */
	size_t nkeys, capkeys;
};

static void issue(struct check *c, const char *code, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void issue(struct check *c, const char *code, const char *expr, const char *fmt, ...)
{
	cJSON *it = cJSON_CreateObject(), *details;
	char text[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(it, "severity", "error");
	cJSON_AddStringToObject(it, "code", code);
	details = cJSON_AddObjectToObject(it, "details");
	cJSON_AddStringToObject(details, "text", text);
	cJSON_AddStringToObject(it, "diagnostics", text);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(it, "expression"), cJSON_CreateString(expr));
	cJSON_AddItemToArray(c->issues, it);
}

/* Longest FHIRPath an issue names (paths deeper than this are cut, never overrun). */
#define PATH_LEN 400

/* Formats a FHIRPath into out[PATH_LEN]. */
static void path_of(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void path_of(char *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, PATH_LEN, fmt, ap);
	va_end(ap);
}

/* Records `key` (malloc'd; ownership moves in); returns 1 when it was recorded before (a duplicate).
 * Linear overall: a hash. */
static int seen_before(struct check *c, char *key)
{
	uint32_t unused;
	if (sv_strmap_get(&c->seen, key, &unused)) {
		free(key);
		return 1;
	}
	if (c->nkeys == c->capkeys) {
		c->capkeys = c->capkeys ? c->capkeys * 2 : 64;
		c->keys = sv_xrealloc(c->keys, c->capkeys * sizeof(*c->keys));
	}
	c->keys[c->nkeys] = key;
	sv_strmap_put(&c->seen, key, (uint32_t)c->nkeys);
	c->nkeys++;
	return 0;
}

static const char *str_of(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void check_identity(struct check *c, const cJSON *res, const char *type)
{
	const char *url = str_of(res, "url"), *version = str_of(res, "version"), *status = str_of(res, "status");
	char at[PATH_LEN];

	path_of(at, "%s.url", type);
	if (!url || !*url)
		issue(c, "required", at, "%s.url is required: it names the resource across versions", type);
	else if (strlen(url) > SV_HISTORY_URL_MAX)
		issue(c, "too-long", at, "%s.url is longer than %d characters", type, SV_HISTORY_URL_MAX);
	path_of(at, "%s.version", type);
	if (!version || !*version)
		issue(c, "required", at, "%s.version is required: each business version is its own resource", type);
	else if (strlen(version) > SV_HISTORY_VERSION_MAX)
		issue(c, "too-long", at, "%s.version is longer than %d characters", type, SV_HISTORY_VERSION_MAX);
	path_of(at, "%s.status", type);
	if (!status || strcmp(status, "draft") != 0)
		issue(c, "business-rule", at, "%s.status must be 'draft' (got '%s'): content is written as a draft "
		      "and made active with $publish", type, status ? status : "");
}

/* The code system `system` (version may be NULL) for checking codes, or NULL after an issue at
 * `expr` saying it is not loaded (its codes are then not checked one by one). */
static const struct sv_codesystem *system_of(struct check *c, const char *expr, const char *system,
					     const char *version)
{
	const struct sv_codesystem *cs;

	if (!system)
		return NULL;
	if (!(cs = sv_snapshot_codesystem(c->snap, system, version)))
		issue(c, "not-found", expr, "code system %s%s%s is not known to this server: import it first, so "
		      "the codes given in it can be checked", system, version ? "|" : "", version ? version : "");
	return cs;
}

/* Checks that `code` exists in `cs` (NULL: not loaded, reported once already); `national` allows a
 * code the loaded edition lacks. */
static void check_code(struct check *c, const char *expr, const struct sv_codesystem *cs, const char *code,
		       int national)
{
	if (cs && !national && !sv_codesystem_concept(cs, code))
		issue(c, "code-invalid", expr, "'%s' is not a code of %s|%s (mark the row needs-national-edition "
		      "if it is in a national SNOMED CT edition only)", code, cs->url, cs->version);
}

static int is_national(const cJSON *target)
{
	const cJSON *e;
	size_t n = strlen(NATIONAL_FLAG);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(target, "extension")) {
		const char *url = str_of(e, "url");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "valueBoolean");
		if (url && strlen(url) >= n && strcmp(url + strlen(url) - n, NATIONAL_FLAG) == 0 && cJSON_IsTrue(v))
			return 1;
	}
	return 0;
}

static int known_equivalence(const char *eq)
{
	for (size_t i = 0; eq && i < sizeof(EQUIVALENCES) / sizeof(EQUIVALENCES[0]); i++)
		if (strcmp(eq, EQUIVALENCES[i]) == 0)
			return 1;
	return 0;
}

static void check_depends(struct check *c, const cJSON *t, const char *at, int national)
{
	const cJSON *d;
	int k = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(t, "dependsOn")) {
		char expr[PATH_LEN];
		const char *value = str_of(d, "value");
		path_of(expr, "%s.dependsOn[%d]", at, k++);
		if (!str_of(d, "property"))
			issue(c, "required", expr, "dependsOn.property is required");
		if (!value)
			issue(c, "required", expr, "dependsOn.value is required");
		else if (str_of(d, "system"))
			check_code(c, expr, national ? NULL : system_of(c, expr, str_of(d, "system"), NULL), value,
				   national);
	}
}

/* The conditions of a target (dependsOn and product) as text, for telling rows apart (malloc'd). */
static char *conditions_of(const cJSON *t)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(t, "dependsOn"), *p = cJSON_GetObjectItemCaseSensitive(t, "product");
	char *ds = d ? cJSON_PrintUnformatted(d) : NULL, *ps = p ? cJSON_PrintUnformatted(p) : NULL;
	char *out = sv_strkey(ds, ps, NULL, NULL);
	free(ds);
	free(ps);
	return out;
}

static void check_target(struct check *c, const cJSON *t, const char *at, const struct sv_codesystem *tcs,
			 const char *const rowkey[3])
{
	const char *eq = str_of(t, "equivalence"), *code = str_of(t, "code");
	int national = is_national(t);
	char expr[PATH_LEN];

	path_of(expr, "%s.equivalence", at);
	if (!eq)
		issue(c, "required", expr, "equivalence is required (one of relatedto, equivalent, equal, wider, "
		      "subsumes, narrower, specializes, inexact, unmatched, disjoint)");
	else if (!known_equivalence(eq))
		issue(c, "code-invalid", expr, "'%s' is not an equivalence (one of relatedto, equivalent, equal, "
		      "wider, subsumes, narrower, specializes, inexact, unmatched, disjoint)", eq);
	path_of(expr, "%s.code", at);
	if (code)
		check_code(c, expr, tcs, code, national);
	else if (eq && strcmp(eq, "unmatched") != 0 && strcmp(eq, "disjoint") != 0)
		issue(c, "required", expr, "a target needs a code unless its equivalence is unmatched or disjoint");
	check_depends(c, t, at, national);
	/* A row is a target under its conditions: the same target with another dependsOn (a score, say)
	 * is another row. */
	{
		char *cond = conditions_of(t), *key = sv_strkey(rowkey[0], rowkey[1], rowkey[2], code), *both;
		both = sv_strkey(key, cond, NULL, NULL);
		free(cond);
		free(key);
		if (seen_before(c, both))
			issue(c, "duplicate", at, "this row (source '%s', target '%s', same dependsOn) appears twice "
			      "in the map", rowkey[2] ? rowkey[2] : "", code ? code : "");
	}
}

static void check_conceptmap(struct check *c, const cJSON *res)
{
	const cJSON *g, *e, *t;
	int gi = 0;

	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(res, "group")) {
		const char *ssys = str_of(g, "source"), *tsys = str_of(g, "target");
		const struct sv_codesystem *scs, *tcs;
		char at[PATH_LEN], expr[PATH_LEN];
		int ei = 0;
		path_of(at, "ConceptMap.group[%d]", gi);
		if (!ssys)
			issue(c, "required", at, "group.source is required: the source codes are checked against it");
		if (!tsys)
			issue(c, "required", at, "group.target is required: the target codes are checked against it");
		path_of(expr, "%s.source", at);
		scs = system_of(c, expr, ssys, str_of(g, "sourceVersion"));
		path_of(expr, "%s.target", at);
		tcs = system_of(c, expr, tsys, str_of(g, "targetVersion"));
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(g, "element")) {
			const char *code = str_of(e, "code");
			const char *rowkey[3] = {ssys, tsys, code};
			char eat[PATH_LEN];
			int ti = 0;
			path_of(eat, "%s.element[%d]", at, ei++);
			path_of(expr, "%s.code", eat);
			if (!code)
				issue(c, "required", expr, "element.code is required");
			else
				check_code(c, expr, scs, code, 0);
			cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(e, "target")) {
				char tat[PATH_LEN];
				path_of(tat, "%s.target[%d]", eat, ti++);
				check_target(c, t, tat, tcs, rowkey);
			}
		}
		gi++;
	}
}

static void check_compose_part(struct check *c, const cJSON *part, const char *at)
{
	const char *sys = str_of(part, "system"), *ver = str_of(part, "version");
	const struct sv_codesystem *cs;
	const cJSON *k, *v;
	int i = 0;
	char expr[PATH_LEN];

	path_of(expr, "%s.system", at);
	cs = system_of(c, expr, sys, ver);
	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(part, "concept")) {
		const char *code = str_of(k, "code");
		path_of(expr, "%s.concept[%d].code", at, i++);
		if (!code)
			issue(c, "required", expr, "concept.code is required");
		else
			check_code(c, expr, cs, code, 0);
	}
	i = 0;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(part, "valueSet")) {
		char canon[SV_HISTORY_URL_MAX + SV_HISTORY_VERSION_MAX + 2];
		const char *version = sv_canonical_split(cJSON_IsString(v) ? v->valuestring : "", canon, sizeof(canon), NULL);
		path_of(expr, "%s.valueSet[%d]", at, i++);
		if (!sv_snapshot_valueset(c->snap, canon, version))
			issue(c, "not-found", expr, "value set %s is not known to this server",
			      cJSON_IsString(v) ? v->valuestring : "(not a string)");
	}
}

static void check_valueset(struct check *c, const cJSON *res)
{
	static const char *const parts[] = {"include", "exclude"};
	const cJSON *compose = cJSON_GetObjectItemCaseSensitive(res, "compose");

	for (int p = 0; p < 2; p++) {
		const cJSON *part;
		int i = 0;
		cJSON_ArrayForEach(part, cJSON_GetObjectItemCaseSensitive(compose, parts[p])) {
			char at[PATH_LEN];
			path_of(at, "ValueSet.compose.%s[%d]", parts[p], i++);
			check_compose_part(c, part, at);
		}
	}
}

/* Concepts nest (CodeSystem.concept.concept): a walk with an explicit path, depth bounded by the
 * body's own nesting cap. */
static void check_concepts(struct check *c, const cJSON *list, const char *at)
{
	const cJSON *k;
	int i = 0;
	cJSON_ArrayForEach(k, list) {
		const char *code = str_of(k, "code");
		char expr[PATH_LEN];
		path_of(expr, "%s[%d]", at, i++);
		if (!code)
			issue(c, "required", expr, "concept.code is required");
		else if (seen_before(c, sv_xstrdup(code)))
			issue(c, "duplicate", expr, "code '%s' is defined more than once", code);
		if (cJSON_GetObjectItemCaseSensitive(k, "concept")) {
			char sub[PATH_LEN];
			path_of(sub, "%s.concept", expr);
			check_concepts(c, cJSON_GetObjectItemCaseSensitive(k, "concept"), sub);
		}
	}
}

/* A Library that carries a criteria or case-mix text (library.h): the text must parse. */
static void check_library(struct check *c, const cJSON *res)
{
	struct sv_error e = {0};

	if (sv_library_check(res, &e) != SV_OK)
		issue(c, "invalid", e.expression[0] ? e.expression : "Library.content", "%s", e.message);
}

cJSON *sv_write_check(const struct sv_snapshot *snap, const cJSON *res)
{
	struct check c = {.snap = snap};
	const char *type = str_of(res, "resourceType");
	cJSON *oo = cJSON_CreateObject();

	cJSON_AddStringToObject(oo, "resourceType", "OperationOutcome");
	c.issues = cJSON_AddArrayToObject(oo, "issue");
	sv_strmap_init(&c.seen, 256);
	check_identity(&c, res, type);
	if (strcmp(type, "ConceptMap") == 0)
		check_conceptmap(&c, res);
	else if (strcmp(type, "ValueSet") == 0)
		check_valueset(&c, res);
	else if (strcmp(type, "Library") == 0)
		check_library(&c, res);
	else
		check_concepts(&c, cJSON_GetObjectItemCaseSensitive(res, "concept"), "CodeSystem.concept");
	sv_strmap_release(&c.seen);
	for (size_t i = 0; i < c.nkeys; i++)
		free(c.keys[i]);
	free(c.keys);
	if (cJSON_GetArraySize(c.issues) == 0) {
		cJSON_Delete(oo);
		return NULL;
	}
	return oo;
}
