/* assess_table.c — the $assess table: every code of every (IPLOS variable, score), asked once per
 * snapshot and relations map from the translate engine (see assess_table.h). */
#include "samsvar/assess_table.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSCORES SV_IPLOS_NSCORES
#define SCORES sv_iplos_scores
#define ICF "http://hl7.org/fhir/sid/icf"
#define SCT "http://snomed.info/sct"
#define FSIII "urn:oid:1.2.208.176.2.21"
#define URL_MAX 512

static void act_release(struct sv_assess_act *a)
{
	cJSON_Delete(a->code);
	free(a->key);
	free(a->comment);
}

static void table_free(struct sv_assess_table *t)
{
	for (uint32_t i = 0; t->vars && i < t->nvars; i++) {
		struct sv_assess_var *v = &t->vars[i];
		cJSON_Delete(v->coding);
		cJSON_Delete(v->icf);
		cJSON_Delete(v->observable);
		cJSON_Delete(v->fsiii);
		for (int s = 0; s < NSCORES; s++) {
			cJSON_Delete(v->cells[s].findings);
			for (int a = 0; a < v->cells[s].nacts; a++)
				act_release(&v->cells[s].acts[a]);
			free(v->cells[s].acts);
			free(v->cells[s].icf_qualified);
		}
	}
	for (int s = 0; s < NSCORES; s++) {
		cJSON_Delete(t->score[s]);
		cJSON_Delete(t->qualifier[s]);
		cJSON_Delete(t->severity[s]);
	}
	free(t->vars);
	sv_strmap_release(&t->by_code);
	free(t->base);
	free(t->score_system);
	free(t->freq_prop);
	free(t->min_prop);
	free(t->minutes_ext);
	free(t);
}

/* Translates system|code with map url (+version), with the score as dependency when not NULL; a map
 * named without version that is not loaded answers nothing (it is optional content). */
static enum sv_err ask(const struct sv_assess_table *t, const char *system, const char *code, const char *url,
		       const char *version, const char *score, struct sv_tx_result *answer, struct sv_error *err)
{
	struct sv_iplos_query q = {.system = system, .code = code, .map_url = url, .map_version = version,
				   .score_system = score ? t->score_system : NULL, .score = score};
	return sv_iplos_ask(t->snap, &q, answer, err);
}

static const char *display_of(const struct sv_assess_table *t, const char *system, const char *code)
{
	const struct sv_codesystem *cs = sv_snapshot_codesystem(t->snap, system, NULL);
	const struct sv_concept *c = cs ? sv_codesystem_concept(cs, code) : NULL;
	return c ? c->display : NULL;
}

/* A fresh Coding {system, code, display} (no version: the codes are stable across the versions held). */
static cJSON *coding_new(const struct sv_assess_table *t, const char *sys, const char *code, const char *display)
{
	if (!display && sys && code)
		display = display_of(t, sys, code);
	return sv_coding_new(sys, NULL, code, display);
}

static int real_match(const struct sv_tx_match *m)
{
	return m->code && sv_relation_is_match(m->relation);
}

/* Appends a copy of every real match's coding in `system` (any when NULL) to `arr`, skipping codes that
 * are there already; with `deps` >= 0 only matches with (1) or without (0) a dependsOn. */
static void collect(const struct sv_assess_table *t, const struct sv_tx_result *answer, const char *system, int deps,
		    cJSON *arr)
{
	const cJSON *have;

	for (size_t i = 0; i < answer->nmatches; i++) {
		const struct sv_tx_match *m = &answer->matches[i];
		int dup = 0;
		if (!real_match(m))
			continue;
		if (system && (!m->system || strcmp(m->system, system) != 0))
			continue;
		if (deps >= 0 && (m->ndepends > 0) != deps)
			continue;
		cJSON_ArrayForEach(have, arr)
			dup |= strcmp(sv_jstr(have, "code"), m->code) == 0 &&
			       strcmp(sv_jstr(have, "system"), m->system) == 0;
		if (!dup)
			cJSON_AddItemToArray(arr, coding_new(t, m->system, m->code, m->display));
	}
}

/* Parses a relation frequency "N/d", "N/wk" or "N/mo" (1 <= N <= 99). */
static int parse_freq(const char *s, int *n, const char **unit)
{
	static const char *const UNITS[] = {"d", "wk", "mo"};
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || v < 1 || v > 99 || *end != '/')
		return 0;
	for (size_t i = 0; i < sizeof(UNITS) / sizeof(UNITS[0]); i++)
		if (strcmp(end + 1, UNITS[i]) == 0) {
			*n = (int)v;
			*unit = UNITS[i];
			return 1;
		}
	return 0;
}

/* The qualified ICF codes of (variable, score) as the engine gives them with the score as dependency on
 * iplos-icf: "d510.3, d520.3"; NULL when no category of the variable takes a qualifier. */
static enum sv_err icf_qualified(const struct sv_assess_table *t, const struct sv_assess_var *v, int si,
				 struct sv_assess_cell *c, struct sv_error *err)
{
	char *icf_map = sv_iplos_url(t->base, "/ConceptMap/iplos-icf"), buf[256];
	struct sv_tx_result ans;
	size_t n = 0;
	enum sv_err rc = ask(t, SV_IPLOS_VARIABLES, v->code, icf_map, NULL, SCORES[si], &ans, err);

	free(icf_map);
	if (rc != SV_OK)
		return rc;
	buf[0] = '\0';
	for (size_t i = 0; i < ans.nmatches && n < sizeof(buf); i++) {
		const struct sv_tx_match *m = &ans.matches[i];
		if (m->code && m->qualifier.code)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s.%s", n ? ", " : "", m->code,
					      m->qualifier.code);
	}
	sv_tx_result_release(&ans);
	c->icf_qualified = n ? sv_xstrdup(buf) : NULL;
	return SV_OK;
}

/* Reads one relation (a match of the relations map) into `a`. */
static enum sv_err act_read(const struct sv_assess_table *t, const struct sv_tx_match *m, struct sv_assess_act *a, struct sv_error *err)
{
	cJSON *codings;
	char key[URL_MAX];
	size_t k;

	memset(a, 0, sizeof(*a));
	a->code = cJSON_CreateObject();
	codings = cJSON_AddArrayToObject(a->code, "coding");
	cJSON_AddItemToArray(codings, coding_new(t, m->system, m->code, m->display));
	k = (size_t)snprintf(key, sizeof(key), "%s|%s", m->system, m->code);
	for (unsigned i = 0; i < m->nproducts; i++) {
		const struct sv_cm_attr *p = &m->products[i];
		const char *prop = p->attribute, *value = p->code;
		if (!prop || !value)
			continue;
		if (strcmp(prop, t->freq_prop) == 0) {
			if (!parse_freq(value, &a->freq, &a->unit))
				return sv_fail_at(err, SV_EINVAL, "relations", "the relations map gives frequency \"%s\"; "
						  "expected N/d, N/wk or N/mo", value);
		} else if (strcmp(prop, t->min_prop) == 0) {
			char *end;
			long v = strtol(value, &end, 10);
			if (end == value || *end || v < 1 || v > 24 * 60)
				return sv_fail_at(err, SV_EINVAL, "relations", "the relations map gives minutes per "
						  "visit \"%s\"; expected a whole number 1-1440", value);
			a->minutes = (int)v;
		} else if (p->system) {
			cJSON_AddItemToArray(codings, coding_new(t, p->system, value, p->display));
			if (k < sizeof(key))
				k += (size_t)snprintf(key + k, sizeof(key) - k, ";%s|%s", p->system, value);
		}
	}
	if (m->display) {
		/* "Helsetjenester i hjemmet: Provision of monitored dosage system (procedure)" */
		const cJSON *proc = cJSON_GetArrayItem(codings, 1);
		char text[512];
		if (sv_jstr(proc, "display"))
			snprintf(text, sizeof(text), "%s: %s", m->display, sv_jstr(proc, "display"));
		else
			snprintf(text, sizeof(text), "%s", m->display);
		cJSON_AddStringToObject(a->code, "text", text);
	}
	if (k < sizeof(key))
		snprintf(key + k, sizeof(key) - k, "#%d/%s#%d", a->freq, a->unit ? a->unit : "", a->minutes);
	a->key = sv_xstrdup(key);
	a->comment = m->comment ? sv_xstrdup(m->comment) : NULL;
	return SV_OK;
}

static enum sv_err cell_build(struct sv_assess_table *t, struct sv_assess_var *v, int si, struct sv_error *err)
{
	struct sv_assess_cell *c = &v->cells[si];
	struct sv_tx_result ans;
	char *sct_map = sv_iplos_url(t->base, "/ConceptMap/iplos-snomed");
	enum sv_err rc;

	c->findings = cJSON_CreateArray();
	rc = ask(t, SV_IPLOS_VARIABLES, v->code, sct_map, NULL, SCORES[si], &ans, err);
	free(sct_map);
	if (rc != SV_OK)
		return rc;
	collect(t, &ans, SCT, 1, c->findings);
	if (!v->observable) {
		v->observable = cJSON_CreateArray();
		collect(t, &ans, SCT, 0, v->observable);
	}
	sv_tx_result_release(&ans);
	if ((rc = icf_qualified(t, v, si, c, err)) != SV_OK)
		return rc;
	if (si < SV_IPLOS_PROBLEM_FIRST || si > SV_IPLOS_PROBLEM_LAST)
		return SV_OK;
	rc = ask(t, SV_IPLOS_VARIABLES, v->code, t->relations->url, t->relations->version, SCORES[si], &ans, err);
	if (rc != SV_OK)
		return rc;
	c->acts = sv_xcalloc(SV_ASSESS_MAX_ACTS, sizeof(*c->acts));
	for (size_t i = 0; i < ans.nmatches && c->nacts < SV_ASSESS_MAX_ACTS; i++) {
		if (!real_match(&ans.matches[i]))
			continue;
		rc = act_read(t, &ans.matches[i], &c->acts[c->nacts++], err);
		if (rc != SV_OK)
			break;
	}
	sv_tx_result_release(&ans);
	return rc;
}

/* The first coding (in `system`, any when NULL) that map `url` gives for a score, or NULL: the score is
 * one point on a scale, so one target is read (the qualifier, the FSIII scale step). */
static enum sv_err first_coding(const struct sv_assess_table *t, const char *score, const char *url, const char *system,
				cJSON **out, struct sv_error *err)
{
	struct sv_tx_result ans;
	cJSON *arr;
	enum sv_err rc = ask(t, t->score_system, score, url, NULL, NULL, &ans, err);

	if (rc != SV_OK)
		return rc;
	arr = cJSON_CreateArray();
	collect(t, &ans, system, -1, arr);
	*out = cJSON_DetachItemFromArray(arr, 0);
	cJSON_Delete(arr);
	sv_tx_result_release(&ans);
	return SV_OK;
}

static enum sv_err table_build(const struct sv_snapshot *snap, const struct sv_resource *rel, const char *base,
			       struct sv_assess_table **out, struct sv_error *err)
{
	struct sv_assess_table *t = sv_xcalloc(1, sizeof(*t));
	const struct sv_codesystem *vars = sv_snapshot_codesystem(snap, SV_IPLOS_VARIABLES, NULL), *scs;
	char *icf_map = sv_iplos_url(base, "/ConceptMap/iplos-icf"), *fs_map = sv_iplos_url(base, "/ConceptMap/iplos-fsiii");
	char *q_map = sv_iplos_url(base, "/ConceptMap/iplos-score-icf-qualifier");
	struct sv_tx_result ans = {0};
	enum sv_err rc = SV_ENOTFOUND;

	/* The table borrows strings from the snapshot; the snapshot owns the table. */
	t->snap = snap;
	t->relations = rel;
	t->base = sv_xstrdup(base);
	t->score_system = sv_iplos_url(base, "/CodeSystem/iplos-score");
	t->freq_prop = sv_iplos_url(base, "/OperationDefinition/assess#frequency");
	t->min_prop = sv_iplos_url(base, "/OperationDefinition/assess#minutes-per-visit");
	t->minutes_ext = sv_iplos_url(base, "/StructureDefinition/estimated-minutes-per-week");
	sv_strmap_init(&t->by_code, 64);
	if (!vars) {
		sv_fail(err, SV_ENOTFOUND, "the IPLOS variable code system %s is not loaded", SV_IPLOS_VARIABLES);
		goto out;
	}
	if (!(scs = sv_snapshot_codesystem(snap, t->score_system, NULL))) {
		sv_fail(err, SV_ENOTFOUND, "the IPLOS score code system %s is not loaded", t->score_system);
		goto out;
	}
	for (int s = 0; s < NSCORES; s++) {
		const struct sv_concept *c = sv_codesystem_concept(scs, SCORES[s]);
		t->score[s] = sv_coding_new(t->score_system, NULL, SCORES[s], c ? c->display : NULL);
		for (uint32_t j = 0; c && j < c->nprops; j++)
			if (strcmp(c->props[j].code, "vision-anchor") == 0 && strcmp(c->props[j].type, "valueString") == 0)
				t->anchor[s] = c->props[j].value;
		if ((rc = first_coding(t, SCORES[s], q_map, NULL, &t->qualifier[s], err)) != SV_OK ||
		    (rc = first_coding(t, SCORES[s], fs_map, FSIII, &t->severity[s], err)) != SV_OK)
			goto out;
	}
	t->nvars = vars->nconcepts;
	t->vars = sv_xcalloc((size_t)t->nvars + 1, sizeof(*t->vars));
	for (uint32_t i = 0; i < t->nvars; i++) {
		struct sv_assess_var *v = &t->vars[i];
		v->code = vars->concepts[i].code;
		v->display = vars->concepts[i].display;
		v->coding = sv_coding_new(SV_IPLOS_VARIABLES, NULL, v->code, v->display);
		sv_strmap_put(&t->by_code, v->code, i);
		v->icf = cJSON_CreateArray();
		v->fsiii = cJSON_CreateArray();
		if ((rc = ask(t, SV_IPLOS_VARIABLES, v->code, icf_map, NULL, NULL, &ans, err)) != SV_OK)
			goto out;
		collect(t, &ans, ICF, -1, v->icf);
		sv_tx_result_release(&ans);
		if ((rc = ask(t, SV_IPLOS_VARIABLES, v->code, fs_map, NULL, NULL, &ans, err)) != SV_OK)
			goto out;
		collect(t, &ans, FSIII, -1, v->fsiii);
		sv_tx_result_release(&ans);
		for (int s = 0; s < NSCORES; s++)
			if ((rc = cell_build(t, v, s, err)) != SV_OK)
				goto out;
	}
	*out = t;
	t = NULL;
	rc = SV_OK;
out:
	sv_tx_result_release(&ans);
	if (t)
		table_free(t);
	free(icf_map);
	free(fs_map);
	free(q_map);
	return rc;
}

/* ---- the tables, kept by each snapshot for each relations map (sv_snapshot_memo) ---- */

struct table_args {
	const struct sv_resource *rel;
	const char *base;
};

static enum sv_err table_make(const struct sv_snapshot *snap, void *arg, void **value, struct sv_error *err)
{
	const struct table_args *a = arg;
	struct sv_assess_table *t = NULL;
	enum sv_err rc = table_build(snap, a->rel, a->base, &t, err);
	*value = t;
	return rc;
}

static void table_drop(void *t)
{
	table_free(t);
}

/* Returns the snapshot's table for (rel, base), built on first use; the snapshot owns it. */
enum sv_err sv_assess_table_get(const struct sv_snapshot *snap, const struct sv_resource *rel, const char *base,
				struct sv_assess_table **out, struct sv_error *err)
{
	struct table_args a = {rel, base};
	char key[1200];
	void *v = NULL;
	enum sv_err rc;

	snprintf(key, sizeof(key), "assess|%s|%s|%s", rel->url, rel->version, base);
	rc = sv_snapshot_memo(snap, key, table_make, table_drop, &a, &v, err);
	*out = v;
	return rc;
}
