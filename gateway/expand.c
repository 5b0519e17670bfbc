/* expand.c — ValueSet expansion and membership. */
#include "samsvar/jsonutil.h"
#include "samsvar/systems.h"
#include "samsvar/expand.h"
#include "expand_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <regex.h>

#define MAX_VS_DEPTH 8

cJSON *sv_expand_implicit(const struct sv_snapshot *snap, const char *url, struct sv_error *err)
{
	const char *q = strstr(url, "?fhir_vs");
	cJSON *vs, *compose, *inc, *includes;
	char *system;
	int sct;

	if (!q)
		return NULL;
	system = sv_xstrndup(url, (size_t)(q - url));
	vs = cJSON_CreateObject();
	cJSON_AddStringToObject(vs, "resourceType", "ValueSet");
	cJSON_AddItemToObject(vs, "url", sv_expand_uri_text(url));
	cJSON_AddStringToObject(vs, "status", "active");
	compose = cJSON_AddObjectToObject(vs, "compose");
	includes = cJSON_AddArrayToObject(compose, "include");
	inc = cJSON_CreateObject();
	/* A SNOMED CT edition or version URI before ?fhir_vs names the system and its version. */
	sct = strncmp(system, SV_SYS_SNOMED, strlen(SV_SYS_SNOMED)) == 0 &&
	      (system[strlen(SV_SYS_SNOMED)] == '\0' || system[strlen(SV_SYS_SNOMED)] == '/');
	cJSON_AddStringToObject(inc, "system", sct ? SV_SYS_SNOMED : system);
	if (sct && system[strlen(SV_SYS_SNOMED)] == '/')
		cJSON_AddStringToObject(inc, "version", system);
	cJSON_AddItemToArray(includes, inc);
	/* SNOMED CT's implicit value sets hold active concepts (an RF2 import keeps inactive ones for lookup). */
	if (sct)
		cJSON_AddFalseToObject(compose, "inactive");
	if (q[8] == '=') {
		if (strncmp(q + 9, "isa/", 4) == 0 && q[13]) {
			cJSON *filters = cJSON_AddArrayToObject(inc, "filter"), *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "property", "concept");
			cJSON_AddStringToObject(f, "op", "is-a");
			cJSON_AddStringToObject(f, "value", q + 13);
			cJSON_AddItemToArray(filters, f);
		} else if (sct) {
			if (sv_expand_implicit_sct(snap, q + 9, inc, err) != SV_OK) {
				cJSON_Delete(vs);
				vs = NULL;
			}
		} else {
			sv_fail_at(err, SV_ENOTSUPPORTED, "url", "implicit value set form '%s' is not supported "
				   "(use ?fhir_vs or ?fhir_vs=isa/<code>; SNOMED CT also has refset and ecl)", q);
			cJSON_Delete(vs);
			vs = NULL;
		}
	} else if (q[8] != '\0') {
		sv_fail_at(err, SV_EINVAL, "url", "malformed implicit value set url '%s'", url);
		cJSON_Delete(vs);
		vs = NULL;
	}
	free(system);
	return vs;
}

/* The code system an include names; `force` (NULL: none) replaces the version the include pins for its
 * system (force-system-version). */
static enum sv_err include_cs(const struct sv_snapshot *snap, const cJSON *inc, const struct sv_vs_force *force,
			      const struct sv_codesystem **cs, struct sv_error *err)
{
	const char *system = sv_jstr(inc, "system"), *version = sv_jstr(inc, "version");

	if (force && force->version && system && strcmp(system, force->system) == 0)
		version = force->version;
	*cs = NULL;
	if (!system)
		return SV_OK;
	*cs = sv_snapshot_codesystem(snap, system, version);
	if (!*cs)
		return sv_fail_at(err, SV_ENOTFOUND, "system", "the value set uses code system %s%s%s, which is "
				  "not known to this server", system, version ? " version " : "", version ? version : "");
	return SV_OK;
}

/* The index of the rule of `kind` for `system` in o->rules, or -1. */
static int rule_index(const struct sv_expand_opts *o, enum sv_vc_rule_kind kind, const char *system)
{
	for (size_t i = 0; o && i < o->nrules && i < 32; i++)
		if (o->rules[i].kind == kind && strcmp(o->rules[i].system, system) == 0)
			return (int)i;
	return -1;
}

/* The code system version an include of an expansion takes: force-system-version, else the
 * include's own version, else system-version (a default), else check-system-version's pattern, else
 * the latest; the version taken must match check-system-version. */
static enum sv_err expand_include_cs(const struct sv_snapshot *snap, const cJSON *inc, const struct sv_expand_opts *o,
				     uint32_t *used, const struct sv_codesystem **cs, struct sv_error *err)
{
	const char *system = sv_jstr(inc, "system"), *iv = sv_jstr(inc, "version");
	int fi = rule_index(o, SV_VC_FORCE_VERSION, system), ci = rule_index(o, SV_VC_CHECK_VERSION, system);
	int di = rule_index(o, SV_VC_DEFAULT_VERSION, system);
	const char *force = fi >= 0 ? o->rules[fi].version : NULL, *check = ci >= 0 ? o->rules[ci].version : NULL;
	const char *dflt = di >= 0 ? o->rules[di].version : NULL;
	const char *v = force ? force : iv ? iv : dflt ? dflt : check;

	/* The rule that chose the version is one of the parameters the expansion used. */
	if (v && v == force)
		*used |= 1u << fi;
	else if (v && v == dflt)
		*used |= 1u << di;
	else if (v && v == check)
		*used |= 1u << ci;

	*cs = sv_snapshot_codesystem(snap, system, v);
	if (!*cs && v && v == dflt)
		*cs = sv_snapshot_codesystem(snap, system, NULL);
	if (!*cs) {
		char versions[300];
		sv_snapshot_versions(snap, system, versions, sizeof(versions));
		if (v && *versions)
			return sv_fail_at(err, SV_ENOTFOUND, "version", "A definition for CodeSystem '%s' version '%s' could "
					  "not be found, so the value set cannot be expanded. Valid versions: %s", system, v,
					  versions);
		return sv_fail_at(err, SV_ENOTFOUND, "system", "A definition for CodeSystem '%s' could not be found, so "
				  "the value set cannot be expanded", system);
	}
	if (check && !sv_version_matches(check, (*cs)->version))
		return sv_fail_at(err, SV_EINVAL, "check-system-version", "The version '%s' is not allowed for system '%s': required "
				  "to be '%s' by a version-check parameter", (*cs)->version, system, check);
	return SV_OK;
}

static int code_in_list(const char *list, const char *code)
{
	size_t n = strlen(code);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		while (len && *p == ' ') {
			p++;
			len--;
		}
		if (len == n && strncmp(p, code, n) == 0)
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* A filter on a concept property (=, in, not-in, exists), values compared exactly. A concept without
 * the property passes only not-in and exists=false. */
static int property_pass(const struct sv_codesystem *cs, const struct sv_concept *k, const char *prop, const char *op,
			 const char *value)
{
	const char *have = sv_concept_property(cs, k, prop);

	if (strcmp(op, "exists") == 0)
		return (have != NULL) == (strcasecmp(value, "true") == 0);
	if (!have)
		return strcmp(op, "not-in") == 0;
	if (strcmp(op, "=") == 0)
		return strcmp(have, value) == 0;   /* a FHIR boolean is "true" or "false", nothing else */
	return code_in_list(value, have) == (strcmp(op, "in") == 0);
}

/* Longest regex a value set filter may carry: the pattern is the client's (a tx-resource), compiled
 * for each concept it is tried on. */
#define MAX_REGEX 256

/* A regex filter on the code ("code" or "concept") or on a property value: the whole value must match
 * the POSIX extended expression (glibc matches without exponential backtracking). */
static enum sv_err regex_pass(const struct sv_codesystem *cs, const struct sv_concept *k, const char *prop,
			      const char *value, int *pass, struct sv_error *err)
{
	const char *subject = strcmp(prop, "code") == 0 || strcmp(prop, "concept") == 0 ? k->code :
			      sv_concept_property(cs, k, prop);
	char anchored[MAX_REGEX + 8];
	regex_t re;

	*pass = 0;
	if (strlen(value) > MAX_REGEX)
		return sv_fail(err, SV_ETOOBIG, "a regex filter is longer than %d bytes", MAX_REGEX);
	snprintf(anchored, sizeof(anchored), "^(%s)$", value);
	if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) != 0)
		return sv_fail(err, SV_EINVAL, "the regex filter '%s' of %s is not a valid expression", value, cs->url);
	*pass = subject && regexec(&re, subject, 0, NULL, 0) == 0;
	regfree(&re);
	return SV_OK;
}

static enum sv_err filter_pass(const struct sv_snapshot *snap, const struct sv_codesystem *cs, const cJSON *f,
			       const struct sv_concept *k, int *pass, struct sv_error *err)
{
	const char *prop = sv_jstr(f, "property"), *op = sv_expand_filter_op(f), *value = sv_jstr(f, "value");
	uint32_t self = (uint32_t)(k - cs->concepts), target;

	if (!prop || !op || !value)
		return sv_fail(err, SV_EINVAL, "The system %s filter with property = %s, op = %s has no value", cs->url,
			       prop ? prop : "(none)", op ? op : "(none)");
	if (strcmp(prop, SV_FILTER_CONSTRAINT) == 0 && strcmp(op, "=") == 0)
		return sv_expand_constraint_pass(snap, cs, value, k, pass, err);
	if ((strcmp(op, "in") == 0 || strcmp(op, "not-in") == 0) && strcmp(prop, "concept") == 0) {
		*pass = code_in_list(value, k->code) == (op[0] == 'i');
		return SV_OK;
	}
	if (strcmp(prop, "concept") != 0 && strcmp(prop, "parent") != 0 && strcmp(prop, "child") != 0 &&
	    strcmp(prop, "code") != 0 && (strcmp(op, "=") == 0 || strcmp(op, "in") == 0 ||
					 strcmp(op, "not-in") == 0 || strcmp(op, "exists") == 0)) {
		*pass = property_pass(cs, k, prop, op, value);
		return SV_OK;
	}
	if (strcmp(op, "regex") == 0)
		return regex_pass(cs, k, prop, value, pass, err);
	if (strcmp(prop, "code") == 0)
		prop = "concept";   /* the hierarchy filters on "code" mean the concept's, as on "concept" */
	if (strcmp(op, "=") == 0 && (strcmp(prop, "parent") == 0)) {
		*pass = 0;
		for (uint32_t i = 0; i < k->nparents; i++)
			*pass |= strcmp(cs->concepts[k->parents[i]].code, value) == 0;
		return SV_OK;
	}
	if (strcmp(prop, "concept") != 0 ||
	    (strcmp(op, "is-a") && strcmp(op, "descendent-of") && strcmp(op, "is-not-a") && strcmp(op, "=") &&
	     strcmp(op, "child-of") && strcmp(op, "descendent-leaf") && strcmp(op, "generalizes")))
		return sv_fail(err, SV_ENOTSUPPORTED, "value set filter '%s %s %s' is not supported", prop, op, value);
	if (!sv_strmap_get(&cs->index, value, &target))
		return sv_fail(err, SV_ENOTFOUND, "filter value '%s' is not a code of %s", value, cs->url);
	if (strcmp(op, "=") == 0)
		*pass = self == target;
	else if (strcmp(op, "child-of") == 0) {
		*pass = 0;
		for (uint32_t i = 0; i < k->nparents; i++)
			*pass |= k->parents[i] == target;
	} else if (strcmp(op, "descendent-leaf") == 0)
		*pass = k->nchildren == 0 && self != target && sv_codesystem_subsumes(cs, target, self);
	else if (strcmp(op, "generalizes") == 0)
		*pass = sv_codesystem_subsumes(cs, self, target);
	else if (strcmp(op, "is-a") == 0)
		*pass = sv_codesystem_subsumes(cs, target, self);
	else if (strcmp(op, "descendent-of") == 0)
		*pass = self != target && sv_codesystem_subsumes(cs, target, self);
	else
		*pass = !sv_codesystem_subsumes(cs, target, self);
	return SV_OK;
}

static enum sv_err member_rec(const struct sv_snapshot *snap, const cJSON *vs, const char *system, const char *code,
			      const struct sv_vs_force *force, int depth, int *member, const struct sv_concept **k_out,
			      struct sv_error *err);

/* The value set a compose references by canonical `v`: "#id" is one of the `contained` resources of
 * `container` (the value set that references it), anything else is looked up in the snapshot. */
static const cJSON *valueset_ref(const struct sv_snapshot *snap, const cJSON *container, const cJSON *v)
{
	const struct sv_resource *r;
	const cJSON *c;

	if (!cJSON_IsString(v))
		return NULL;
	if (v->valuestring[0] == '#') {
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(container, "contained"))
			if (sv_jstr(c, "id") && strcmp(sv_jstr(c, "id"), v->valuestring + 1) == 0 &&
			    sv_jstr(c, "resourceType") && strcmp(sv_jstr(c, "resourceType"), "ValueSet") == 0)
				return c;
		return NULL;
	}
	r = sv_snapshot_valueset(snap, v->valuestring, NULL);
	return r ? r->resource : NULL;
}

/* Does concept k of cs satisfy the include/exclude clause `inc`? */
static enum sv_err clause_matches(const struct sv_snapshot *snap, const cJSON *vs, const cJSON *inc,
				  const struct sv_codesystem *cs, const struct sv_concept *k, const struct sv_vs_force *force,
				  int depth, int *match, struct sv_error *err)
{
	const cJSON *concepts = cJSON_GetObjectItemCaseSensitive(inc, "concept"), *c, *f, *v;
	enum sv_err rc;

	*match = 0;
	if (cs && sv_jstr(inc, "system") && strcmp(sv_jstr(inc, "system"), cs->url) != 0)
		return SV_OK;
	if (cJSON_GetArraySize(concepts) > 0) {
		int in = 0;
		cJSON_ArrayForEach(c, concepts)
			in |= sv_jstr(c, "code") && strcmp(sv_jstr(c, "code"), k->code) == 0;
		if (!in)
			return SV_OK;
	}
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(inc, "filter")) {
		int pass = 0;
		if ((rc = filter_pass(snap, cs, f, k, &pass, err)) != SV_OK)
			return rc;
		if (!pass)
			return SV_OK;
	}
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(inc, "valueSet")) {
		const cJSON *r;
		int m;
		if (!cJSON_IsString(v))
			return sv_fail(err, SV_EINVAL, "include.valueSet must be a canonical url");
		r = valueset_ref(snap, vs, v);
		if (!r)
			return sv_fail(err, SV_ENOTFOUND, "included value set %s is not known", v->valuestring);
		if ((rc = member_rec(snap, r, cs->url, k->code, force, depth + 1, &m, NULL, err)) != SV_OK)
			return rc;
		if (!m)
			return SV_OK;
	}
	*match = 1;
	return SV_OK;
}

/* Is (system, code) in every value set named by clause `inc` (a clause of valueSet references only)? */
static enum sv_err in_all_valuesets(const struct sv_snapshot *snap, const cJSON *vs, const cJSON *inc,
				    const char *system, const char *code, const struct sv_vs_force *force, int depth,
				    int *member, const struct sv_concept **k, struct sv_error *err)
{
	const cJSON *v;
	enum sv_err rc;

	*member = 0;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(inc, "valueSet")) {
		const cJSON *r = valueset_ref(snap, vs, v);
		if (!r)
			return sv_fail(err, SV_ENOTFOUND, "included value set %s is not known",
				       cJSON_IsString(v) ? v->valuestring : "(not a url)");
		if ((rc = member_rec(snap, r, system, code, force, depth + 1, member, k, err)) != SV_OK)
			return rc;
		if (!*member)
			return SV_OK;
	}
	return SV_OK;
}

/* Does clause `inc` (of an include or exclude) take in (system, code)? */
static enum sv_err clause_takes(const struct sv_snapshot *snap, const cJSON *vs, const cJSON *inc, const char *system,
				const char *code, const struct sv_vs_force *force, int depth, int *match,
				const struct sv_concept **k, struct sv_error *err)
{
	const struct sv_codesystem *cs = NULL;
	enum sv_err rc;

	*match = 0;
	if (!sv_jstr(inc, "system"))
		return in_all_valuesets(snap, vs, inc, system, code, force, depth, match, k, err);
	if (strcmp(sv_jstr(inc, "system"), system) != 0)
		return SV_OK;
	if ((rc = include_cs(snap, inc, force, &cs, err)) != SV_OK)
		return rc;
	*k = sv_codesystem_concept(cs, code);
	if (!*k)
		return SV_OK;
	return clause_matches(snap, vs, inc, cs, *k, force, depth, match, err);
}

static enum sv_err member_rec(const struct sv_snapshot *snap, const cJSON *vs, const char *system, const char *code,
			      const struct sv_vs_force *force, int depth, int *member, const struct sv_concept **k_out,
			      struct sv_error *err)
{
	const cJSON *compose = cJSON_GetObjectItemCaseSensitive(vs, "compose"), *inc;
	const struct sv_concept *k = NULL, *kx = NULL;
	enum sv_err rc;
	int in = 0;

	*member = 0;
	if (k_out)
		*k_out = NULL;
	if (depth > MAX_VS_DEPTH)
		return sv_fail(err, SV_EINVAL, "value sets include each other deeper than %d", MAX_VS_DEPTH);
	cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(compose, "include")) {
		if ((rc = clause_takes(snap, vs, inc, system, code, force, depth, &in, &k, err)) != SV_OK)
			return rc;
		if (in)
			break;
	}
	if (!in)
		return SV_OK;
	cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(compose, "exclude")) {
		int m;
		if ((rc = clause_takes(snap, vs, inc, system, code, force, depth, &m, &kx, err)) != SV_OK)
			return rc;
		if (m)
			return SV_OK;
	}
	*member = 1;
	if (k_out)
		*k_out = k;
	return SV_OK;
}

enum sv_err sv_valueset_member(const struct sv_snapshot *snap, const cJSON *vs, const char *system,
			       const char *code, const struct sv_vs_force *force, int *member,
			       const struct sv_concept **k_out, struct sv_error *err)
{
	return member_rec(snap, vs, system, code, force, 0, member, k_out, err);
}

static void push(struct sv_expansion *e, const struct sv_codesystem *cs, const struct sv_concept *k, int nestable,
		 const cJSON *listed)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 256;
		e->items = sv_xrealloc(e->items, e->cap * sizeof(*e->items));
	}
	e->items[e->n].cs = cs;
	e->items[e->n].k = k;
	e->items[e->n].parent = -1;
	e->items[e->n].nestable = nestable;
	e->items[e->n].listed = listed;
	e->n++;
}

/* Adds "url|version" (or "url") to the JSON array `list` unless it is there. */
static void note_used(cJSON *list, const char *url, const char *version)
{
	char buf[1024];
	const cJSON *s;
	snprintf(buf, sizeof(buf), "%s%s%s", url, version && *version ? "|" : "", version ? version : "");
	cJSON_ArrayForEach(s, list)
		if (strcmp(s->valuestring, buf) == 0)
			return;
	cJSON_AddItemToArray(list, cJSON_CreateString(buf));
}

static void note_system(struct sv_expansion *e, const struct sv_codesystem *cs)
{
	note_used(e->used_systems, cs->url, cs->version);
}

/* Whether the options leave concept k of cs out. */
static int left_out(const struct sv_expand_opts *o, const struct sv_codesystem *cs, const struct sv_concept *k)
{
	return o && ((o->active_only && sv_concept_inactive(cs, k)) || (o->exclude_abstract && sv_concept_abstract(cs, k)));
}

static enum sv_err expand_rec(const struct sv_snapshot *snap, const cJSON *vs, const struct sv_expand_opts *opts,
			      size_t limit, int depth, struct sv_expansion *out, struct sv_error *err);

/* Keeps the items of `acc` that are in `sub` too (one pass over each). */
static void intersect(const struct sv_snapshot *snap, struct sv_expansion *acc, const struct sv_expansion *sub)
{
	uint32_t slots = sv_snapshot_cs_slots(snap);
	unsigned char **in = sv_xcalloc(slots + 1, sizeof(*in));
	size_t w = 0;

	for (size_t i = 0; i < sub->n; i++) {
		size_t ci = sv_snapshot_cs_slot(snap, sub->items[i].cs);
		if (!in[ci])
			in[ci] = sv_xcalloc(sub->items[i].cs->nconcepts + 1, 1);
		in[ci][sub->items[i].k - sub->items[i].cs->concepts] = 1;
	}
	for (size_t i = 0; i < acc->n; i++) {
		unsigned char *m = in[sv_snapshot_cs_slot(snap, acc->items[i].cs)];
		if (m && m[acc->items[i].k - acc->items[i].cs->concepts])
			acc->items[w++] = acc->items[i];
	}
	acc->n = w;
	for (uint32_t i = 0; i <= slots; i++)
		free(in[i]);
	free(in);
}

/* Expands the value sets include `inc` of `vs` names into `acc` (zeroed): the codes that are in every
 * one of them ("If multiple value sets are specified this includes the intersection of the contents"). */
static enum sv_err import_valuesets(const struct sv_snapshot *snap, const cJSON *vs, const cJSON *inc,
				    const struct sv_expand_opts *opts, size_t limit, int depth, struct sv_expansion *acc,
				    struct sv_error *err)
{
	const cJSON *v, *u;
	int first = 1;
	enum sv_err rc = SV_OK;

	acc->used_systems = cJSON_CreateArray();
	acc->used_valuesets = cJSON_CreateArray();
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(inc, "valueSet")) {
		const cJSON *r = valueset_ref(snap, vs, v);
		struct sv_expansion sub = {0};
		int ri = cJSON_IsString(v) && !strchr(v->valuestring, '|') ?
			 rule_index(opts, SV_VC_VALUESET_VERSION, v->valuestring) : -1;
		if (ri >= 0) {   /* default-valueset-version: the version of a value set imported without one */
			const struct sv_resource *pinned = sv_snapshot_valueset(snap, v->valuestring, opts->rules[ri].version);
			if (!pinned)
				return sv_fail_at(err, SV_ENOTFOUND, "valueSet", "The value set %s version %s, which "
						  "default-valueset-version asks for, could not be found", v->valuestring,
						  opts->rules[ri].version);
			r = pinned->resource;
		}
		if (!r)
			return sv_fail(err, SV_ENOTFOUND, "included value set %s is not known",
				       cJSON_IsString(v) ? v->valuestring : "(not a url)");
		if (depth >= MAX_VS_DEPTH)
			return sv_fail_at(err, SV_EINVAL, "valueSet", "Cyclic reference: value sets include or exclude each "
					  "other deeper than %d at %s", MAX_VS_DEPTH, v->valuestring);
		rc = expand_rec(snap, r, opts, limit, depth + 1, &sub, err);
		if (rc == SV_OK) {
			acc->rules_used |= sub.rules_used;
			cJSON_ArrayForEach(u, sub.used_valuesets)
				note_used(acc->used_valuesets, u->valuestring, NULL);
			if (v->valuestring[0] != '#')   /* a contained one is part of this value set */
				note_used(acc->used_valuesets, sv_jstr(r, "url") ? sv_jstr(r, "url") : v->valuestring,
					  sv_jstr(r, "version"));
			if (first) {
				struct sv_expansion_item *items = acc->items;
				acc->items = sub.items;
				acc->n = sub.n;
				acc->cap = sub.cap;
				sub.items = items;
				first = 0;
			} else
				intersect(snap, acc, &sub);
		}
		sv_expansion_release(&sub);
		if (rc != SV_OK)
			return rc;
	}
	return SV_OK;
}

/* Drops from `out` every code of the value sets that the exclude clauses of `compose` name without a
 * system (ValueSet.compose.exclude.valueSet): each such clause is expanded once, its codes marked per
 * code system slot, and `out` compacted in one pass. */
static enum sv_err exclude_valuesets(const struct sv_snapshot *snap, const cJSON *vs, const cJSON *compose,
				     const struct sv_expand_opts *opts, size_t limit, int depth, struct sv_expansion *out,
				     struct sv_error *err)
{
	uint32_t slots = sv_snapshot_cs_slots(snap);
	unsigned char **gone = NULL;
	const cJSON *inc;
	enum sv_err rc = SV_OK;

	cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(compose, "exclude")) {
		struct sv_expansion acc = {0};
		if (sv_jstr(inc, "system") || cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(inc, "valueSet")) == 0)
			continue;
		if (!gone)
			gone = sv_xcalloc(slots + 1, sizeof(*gone));
		rc = import_valuesets(snap, vs, inc, opts, limit, depth, &acc, err);
		for (size_t i = 0; rc == SV_OK && i < acc.n; i++) {
			size_t ci = sv_snapshot_cs_slot(snap, acc.items[i].cs);
			if (!gone[ci])
				gone[ci] = sv_xcalloc(acc.items[i].cs->nconcepts + 1, 1);
			gone[ci][acc.items[i].k - acc.items[i].cs->concepts] = 1;
		}
		sv_expansion_release(&acc);
		if (rc != SV_OK)
			goto out;
	}
	if (gone) {
		size_t w = 0;
		for (size_t i = 0; i < out->n; i++) {
			const unsigned char *m = gone[sv_snapshot_cs_slot(snap, out->items[i].cs)];
			if (!m || !m[out->items[i].k - out->items[i].cs->concepts])
				out->items[w++] = out->items[i];
		}
		out->n = w;
	}
out:
	for (uint32_t i = 0; gone && i <= slots; i++)
		free(gone[i]);
	free(gone);
	return rc;
}

/* An include with an ECL constraint: the expression is evaluated once and only its concepts are tried
 * against the include's other conditions, so the cost follows the answer, not the code system. */
static enum sv_err expand_constraint(const struct sv_snapshot *snap, const cJSON *vs, const cJSON *inc,
				     const struct sv_expand_opts *opts, size_t limit, const struct sv_codesystem *cs,
				     unsigned char *seen, struct sv_expansion *out, struct sv_error *err)
{
	struct sv_ecl_set set = {0};
	cJSON *rest = NULL;
	enum sv_err rc = sv_expand_constraint_set(snap, cs, sv_expand_constraint(inc), limit, &set, err);

	if (rc == SV_OK)
		rest = sv_expand_without_constraint(inc);
	for (size_t j = 0; rc == SV_OK && j < set.n; j++) {
		const struct sv_concept *k = &cs->concepts[set.v[j]];
		int m;
		if ((rc = clause_matches(snap, vs, rest, cs, k, NULL, 0, &m, err)) == SV_OK && m &&
		    !left_out(opts, cs, k) && !seen[set.v[j]]++)
			push(out, cs, k, 2, NULL);
	}
	cJSON_Delete(rest);
	sv_ecl_set_release(&set);
	return rc;
}

static enum sv_err expand_rec(const struct sv_snapshot *snap, const cJSON *vs, const struct sv_expand_opts *opts,
			      size_t limit, int depth, struct sv_expansion *out, struct sv_error *err)
{
	const cJSON *compose = cJSON_GetObjectItemCaseSensitive(vs, "compose"), *inc;
	uint32_t slots = sv_snapshot_cs_slots(snap);     /* a request layer's code systems and its base's */
	unsigned char **seen = sv_xcalloc(slots + 1, sizeof(*seen));
	const cJSON *inactive = cJSON_GetObjectItemCaseSensitive(compose, "inactive");
	struct sv_expand_opts local = {0};
	enum sv_err rc = SV_OK;

	/* compose.inactive = false: this value set leaves inactive codes out, as activeOnly does. */
	if (cJSON_IsFalse(inactive)) {
		if (opts)
			local = *opts;
		local.active_only = 1;
		opts = &local;
	}

	out->used_systems = cJSON_CreateArray();
	out->used_valuesets = cJSON_CreateArray();
	if (!compose) {
		rc = sv_fail(err, SV_ENOTSUPPORTED, "the value set has no compose to expand");
		goto out;
	}
	cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(compose, "include")) {
		const struct sv_codesystem *cs;
		const cJSON *concepts = cJSON_GetObjectItemCaseSensitive(inc, "concept"), *c;
		size_t ci;

		if (!sv_jstr(inc, "system")) {
			/* An include of whole value sets only: the codes in all of them. */
			struct sv_expansion acc = {0};
			const cJSON *u;
			rc = import_valuesets(snap, vs, inc, opts, limit, depth, &acc, err);
			for (size_t i = 0; rc == SV_OK && i < acc.n; i++) {
				ci = sv_snapshot_cs_slot(snap, acc.items[i].cs);
				if (!seen[ci])
					seen[ci] = sv_xcalloc(acc.items[i].cs->nconcepts + 1, 1);
				if (!seen[ci][acc.items[i].k - acc.items[i].cs->concepts]++)
					push(out, acc.items[i].cs, acc.items[i].k, 0, acc.items[i].listed);   /* flat, as tx.fhir.org */
				note_system(out, acc.items[i].cs);
			}
			out->rules_used |= acc.rules_used;
			cJSON_ArrayForEach(u, acc.used_valuesets)
				note_used(out->used_valuesets, u->valuestring, NULL);
			sv_expansion_release(&acc);
			if (rc != SV_OK)
				goto out;
			continue;
		}
		if ((rc = expand_include_cs(snap, inc, opts, &out->rules_used, &cs, err)) != SV_OK)
			goto out;
		note_system(out, cs);
		ci = sv_snapshot_cs_slot(snap, cs);
		if (!seen[ci])
			seen[ci] = sv_xcalloc(cs->nconcepts + 1, 1);
		if (cJSON_GetArraySize(concepts) > 0) {
			cJSON_ArrayForEach(c, concepts) {
				const struct sv_concept *k = sv_codesystem_concept(cs, sv_jstr(c, "code"));
				int m;
				if (!k)   /* not a code of the system: nothing to take in (as tx.fhir.org does) */
					continue;
				if ((rc = clause_matches(snap, vs, inc, cs, k, NULL, 0, &m, err)) != SV_OK)
					goto out;
				if (m && !left_out(opts, cs, k) && !seen[ci][k - cs->concepts]++)
					push(out, cs, k, 0, c);
			}
		} else if (sv_expand_constraint(inc)) {
			if ((rc = expand_constraint(snap, vs, inc, opts, limit, cs, seen[ci], out, err)) != SV_OK)
				goto out;
		} else {
			int filtered = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(inc, "filter")) > 0;
			size_t ncand = cs->nconcepts;
			int exact = 0;
			uint32_t *cand = sv_expand_candidates(snap, cs, inc, filtered, opts, &ncand, &exact);
			for (size_t j = 0; j < ncand; j++) {
				uint32_t i = cand ? cand[j] : (uint32_t)j;
				int m = 1;
				if (!exact && (rc = clause_matches(snap, vs, inc, cs, &cs->concepts[i], NULL, 0, &m, err)) != SV_OK) {
					free(cand);
					goto out;
				}
				if (m && !left_out(opts, cs, &cs->concepts[i]) && !seen[ci][i]++)
					push(out, cs, &cs->concepts[i], filtered ? 2 : 1, NULL);
			}
			free(cand);
		}
	}
	/* Excludes: drop members of the value sets excluded whole, then those matching an exclude clause. */
	if ((rc = exclude_valuesets(snap, vs, compose, opts, limit, depth, out, err)) != SV_OK)
		goto out;
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(compose, "exclude")) > 0) {
		size_t w = 0;
		for (size_t i = 0; i < out->n; i++) {
			int drop = 0;
			cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(compose, "exclude")) {
				int m;
				if (!sv_jstr(inc, "system") || strcmp(sv_jstr(inc, "system"), out->items[i].cs->url) != 0)
					continue;
				/* An exclude that names a version takes codes out of that version only. */
				if (sv_jstr(inc, "version") && !sv_version_matches(sv_jstr(inc, "version"), out->items[i].cs->version))
					continue;
				if ((rc = clause_matches(snap, vs, inc, out->items[i].cs, out->items[i].k, NULL, 0,
							  &m, err)) != SV_OK)
					goto out;
				drop |= m;
			}
			if (!drop)
				out->items[w++] = out->items[i];
		}
		out->n = w;
	}
	if (out->n > limit)
		rc = sv_fail(err, SV_ETOOCOSTLY, "the expansion has %zu codes, more than the %zu this server "
			     "returns at once: use count and offset, or filter", out->n, limit);
out:
	for (uint32_t i = 0; i < slots; i++)
		free(seen[i]);
	free(seen);
	return rc;
}

/* Sets the `parent` of each nestable item: the item of its first nestable parent concept that comes
 * earlier. One pass to index the items by concept (per code system slot), one over their parents. */
static void nest(const struct sv_snapshot *snap, struct sv_expansion *e)
{
	uint32_t slots = sv_snapshot_cs_slots(snap);
	uint32_t **at = sv_xcalloc(slots + 1, sizeof(*at));   /* concept index -> item index + 1 */

	for (size_t i = 0; i < e->n; i++) {
		const struct sv_expansion_item *it = &e->items[i];
		size_t ci = sv_snapshot_cs_slot(snap, it->cs);
		if (!it->nestable)
			continue;
		if (!at[ci])
			at[ci] = sv_xcalloc(it->cs->nconcepts + 1, sizeof(**at));
		at[ci][it->k - it->cs->concepts] = (uint32_t)i + 1;
	}
	for (size_t i = 0; i < e->n; i++) {
		struct sv_expansion_item *it = &e->items[i];
		uint32_t *map = at[sv_snapshot_cs_slot(snap, it->cs)];
		for (uint32_t j = 0; it->nestable && map && j < it->k->nparents && it->parent < 0; j++) {
			uint32_t p = map[it->k->parents[j]];
			if (p && p - 1 < i)
				it->parent = (long)p - 1;
		}
	}
	for (uint32_t i = 0; i <= slots; i++)
		free(at[i]);
	free(at);
}

enum sv_err sv_expand(const struct sv_snapshot *snap, const cJSON *vs, const struct sv_expand_opts *opts,
		      size_t limit, struct sv_expansion *out, struct sv_error *err)
{
	enum sv_err rc = expand_rec(snap, vs, opts, limit, 0, out, err);

	/* With excludes the tree would have holes where codes were taken out: a flat list, as tx.fhir.org
	 * answers (the specification leaves the hierarchy to the server). */
	if (rc == SV_OK && opts && opts->nest &&
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "compose"), "exclude")) == 0)
		nest(snap, out);
	return rc;
}

void sv_expansion_release(struct sv_expansion *e)
{
	free(e->items);
	cJSON_Delete(e->used_systems);
	cJSON_Delete(e->used_valuesets);
	memset(e, 0, sizeof(*e));
}
