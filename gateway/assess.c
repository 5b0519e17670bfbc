/* assess.c — the $assess engine: IPLOS assessment in, coded Observations, Conditions and a proposed
 * CarePlan out (see assess.h for the decisions). */
#include "samsvar/assess.h"
#include "samsvar/iplos.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/snapshot.h"
#include "samsvar/strmap.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define NSCORES SV_IPLOS_NSCORES
#define SCORES sv_iplos_scores
#define SI_PROBLEM_FIRST SV_IPLOS_PROBLEM_FIRST
#define SI_PROBLEM_LAST SV_IPLOS_PROBLEM_LAST

#define ICF "http://hl7.org/fhir/sid/icf"
#define SCT "http://snomed.info/sct"
#define FSIII "urn:oid:1.2.208.176.2.21"
#define V9151 "urn:oid:2.16.578.1.12.4.1.1.9151"
#define UCUM "http://unitsofmeasure.org"
#define HL7CS "http://terminology.hl7.org/CodeSystem/"
#define VISION "13"
#define HEARING "14"
#define MAX_ACTS 16          /* relations kept per (variable, score) */
#define MAX_ITEMS 64         /* items read before giving up (20 variables exist; more means duplicates) */
#define CACHE_SLOTS 4
#define URL_MAX 512

/* ---- the precomputed table: every code of every (variable, score) ---- */

struct act {
	cJSON *code;             /* CodeableConcept: 9151 + SNOMED CT procedure + FSIII indsats */
	char *key;               /* identity for merging: codes and timing */
	char *comment;           /* the relation's source / rationale */
	int freq;                /* visits per period; 0 = not given */
	const char *unit;        /* "d", "wk" or "mo"; NULL when freq is not given */
	int minutes;             /* per visit; 0 = not given */
};

struct cell {
	cJSON *findings;         /* SNOMED CT codings that hold for this score */
	struct act *acts;
	int nacts;
};

struct var {
	const char *code, *display;  /* borrowed from the snapshot the table references */
	cJSON *coding, *icf, *observable, *fsiii;
	struct cell cells[NSCORES];
};

struct table {
	const struct sv_snapshot *snap; /* the snapshot that owns this table (sv_snapshot_memo) */
	const struct sv_resource *relations;
	char *base;
	char *score_system, *freq_prop, *min_prop, *minutes_ext;
	struct var *vars;
	uint32_t nvars;
	struct sv_strmap by_code;    /* variable code -> index */
	cJSON *score[NSCORES], *qualifier[NSCORES], *severity[NSCORES];
	const char *anchor[NSCORES]; /* vision anchors, borrowed from the score CodeSystem */
};

static void act_release(struct act *a)
{
	cJSON_Delete(a->code);
	free(a->key);
	free(a->comment);
}

static void table_free(struct table *t)
{
	for (uint32_t i = 0; t->vars && i < t->nvars; i++) {
		struct var *v = &t->vars[i];
		cJSON_Delete(v->coding);
		cJSON_Delete(v->icf);
		cJSON_Delete(v->observable);
		cJSON_Delete(v->fsiii);
		for (int s = 0; s < NSCORES; s++) {
			cJSON_Delete(v->cells[s].findings);
			for (int a = 0; a < v->cells[s].nacts; a++)
				act_release(&v->cells[s].acts[a]);
			free(v->cells[s].acts);
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
static enum sv_err ask(const struct table *t, const char *system, const char *code, const char *url,
		       const char *version, const char *score, struct sv_tx_result *answer, struct sv_error *err)
{
	struct sv_iplos_query q = {.system = system, .code = code, .map_url = url, .map_version = version,
				   .score_system = score ? t->score_system : NULL, .score = score};
	return sv_iplos_ask(t->snap, &q, answer, err);
}

static const char *display_of(const struct table *t, const char *system, const char *code)
{
	const struct sv_codesystem *cs = sv_snapshot_codesystem(t->snap, system, NULL);
	const struct sv_concept *c = cs ? sv_codesystem_concept(cs, code) : NULL;
	return c ? c->display : NULL;
}

/* A fresh Coding {system, code, display} (no version: the codes are stable across the versions held). */
static cJSON *coding_new(const struct table *t, const char *sys, const char *code, const char *display)
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
static void collect(const struct table *t, const struct sv_tx_result *answer, const char *system, int deps,
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

/* Reads one relation (a match of the relations map) into `a`. */
static enum sv_err act_read(const struct table *t, const struct sv_tx_match *m, struct act *a, struct sv_error *err)
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

static enum sv_err cell_build(struct table *t, struct var *v, int si, struct sv_error *err)
{
	struct cell *c = &v->cells[si];
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
	if (si < SI_PROBLEM_FIRST || si > SI_PROBLEM_LAST)
		return SV_OK;
	rc = ask(t, SV_IPLOS_VARIABLES, v->code, t->relations->url, t->relations->version, SCORES[si], &ans, err);
	if (rc != SV_OK)
		return rc;
	c->acts = sv_xcalloc(MAX_ACTS, sizeof(*c->acts));
	for (size_t i = 0; i < ans.nmatches && c->nacts < MAX_ACTS; i++) {
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
static enum sv_err first_coding(const struct table *t, const char *score, const char *url, const char *system,
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
			       struct table **out, struct sv_error *err)
{
	struct table *t = sv_xcalloc(1, sizeof(*t));
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
		const cJSON *p;
		t->score[s] = sv_coding_new(t->score_system, NULL, SCORES[s], c ? c->display : NULL);
		const cJSON *props = c ? cJSON_GetObjectItemCaseSensitive(c->json, "property") : NULL;
		cJSON_ArrayForEach(p, props)
			if (sv_jstr(p, "code") && strcmp(sv_jstr(p, "code"), "vision-anchor") == 0)
				t->anchor[s] = sv_jstr(p, "valueString");
		if ((rc = first_coding(t, SCORES[s], q_map, NULL, &t->qualifier[s], err)) != SV_OK ||
		    (rc = first_coding(t, SCORES[s], fs_map, FSIII, &t->severity[s], err)) != SV_OK)
			goto out;
	}
	t->nvars = vars->nconcepts;
	t->vars = sv_xcalloc((size_t)t->nvars + 1, sizeof(*t->vars));
	for (uint32_t i = 0; i < t->nvars; i++) {
		struct var *v = &t->vars[i];
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
	struct table *t = NULL;
	enum sv_err rc = table_build(snap, a->rel, a->base, &t, err);
	*value = t;
	return rc;
}

static void table_drop(void *t)
{
	table_free(t);
}

/* Returns the snapshot's table for (rel, base), built on first use; the snapshot owns it. */
static enum sv_err table_get(const struct sv_snapshot *snap, const struct sv_resource *rel, const char *base,
			     struct table **out, struct sv_error *err)
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

/* ---- reading the assessment ---- */

struct item {
	const struct var *v;
	int si;                  /* index into SCORES */
};

struct input {
	struct item items[MAX_ITEMS];
	int n;
	unsigned char *seen;     /* per variable: 1 + index of the item that gave it, 0 = not yet */
	const cJSON *patient;    /* a Reference, borrowed */
	const char *date;
	const char *relations;
};

static int score_index(long score)
{
	for (int s = 0; s < NSCORES; s++)
		if (atoi(SCORES[s]) == score)
			return s;
	return -1;
}

/* FHIR date or dateTime: YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss(.sss) with Z or +hh:mm. */
static int date_ok(const char *s)
{
	static const char *const FORMS[] = {"dddd", "dddd-dd", "dddd-dd-dd", "dddd-dd-ddTdd:dd:ddZ",
					    "dddd-dd-ddTdd:dd:dd+dd:dd"};
	char shape[40];
	size_t n = 0, i = 0;

	for (; s[i] && n < sizeof(shape) - 1; i++) {
		char ch = s[i];
		if (ch == '.' && n == 19) {     /* fractional seconds: skip the digits */
			i++;
			while (s[i] >= '0' && s[i] <= '9')
				i++;
			i--;
			continue;
		}
		shape[n] = (ch >= '0' && ch <= '9') ? 'd' : ch == '-' && n >= 19 ? '+' : ch;
		n++;
	}
	shape[n] = 0;
	if (s[i])
		return 0;
	for (size_t f = 0; f < sizeof(FORMS) / sizeof(FORMS[0]); f++)
		if (strcmp(shape, FORMS[f]) == 0)
			return 1;
	return 0;
}

static enum sv_err add_item(const struct table *t, struct input *in, const char *code, long score,
			    const char *where, const char *score_where, struct sv_error *err)
{
	uint32_t vi;
	int si = score_index(score);

	if (!sv_strmap_get(&t->by_code, code, &vi))
		return sv_fail_at(err, SV_EINVAL, where, "%s: %s is not an IPLOS function variable (Volven 9111)",
				  where, code);
	if (si < 0)
		return sv_fail_at(err, SV_EINVAL, score_where, "%s: score %ld is not an IPLOS score (1-5, or 9 "
				  "for not relevant)", score_where, score);
	if (in->seen[vi])
		return sv_fail_at(err, SV_EINVAL, where, "%s: variable %s (%s) is given twice (scores %s and %s); "
				  "an assessment scores each variable once", where, code, t->vars[vi].display,
				  SCORES[in->items[in->seen[vi] - 1].si], SCORES[si]);
	if (in->n == MAX_ITEMS)
		return sv_fail_at(err, SV_ETOOBIG, where, "more than %d items", MAX_ITEMS);
	in->items[in->n].v = &t->vars[vi];
	in->items[in->n].si = si;
	in->seen[vi] = (unsigned char)(++in->n);
	return SV_OK;
}

/* Writes the JSON number `d` as a client most likely wrote it: shortest round trip, exponent without
 * '+' and leading zeros (1e308, not 1e+308). */
static void number_text(double d, char *buf, size_t cap)
{
	char *e;

	snprintf(buf, cap, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, cap, "%.17g", d);
	if ((e = strchr(buf, 'e')) != NULL) {
		char *digits;
		if (e[1] == '+')
			memmove(e + 1, e + 2, strlen(e + 2) + 1);
		digits = e + 1 + (e[1] == '-');
		while (digits[0] == '0' && digits[1])
			memmove(digits, digits + 1, strlen(digits));
	}
}

/* Returns how many value[x] members `o` (a parameter or an Observation) has; *v gets the first. A
 * mistyped second value must not hide behind a good one. */
static int values_of(const cJSON *o, const cJSON **v)
{
	const cJSON *c;
	int n = 0;

	*v = NULL;
	cJSON_ArrayForEach(c, o)
		if (c->string && strncmp(c->string, "value", 5) == 0 && !n++)
			*v = c;
	return n;
}

static int is_key(const cJSON *v, const char *key)
{
	return v && v->string && strcmp(v->string, key) == 0;
}

/* Reads a score given as valueInteger `v`: a whole number (checked against the IPLOS scores later);
 * anything else is refused quoting the value as sent. */
static enum sv_err score_integer(const cJSON *v, const char *where, long *score, struct sv_error *err)
{
	char num[40];

	if (!cJSON_IsNumber(v))
		return sv_fail_at(err, SV_EINVAL, where, "%s must be a valueInteger 1-5 or 9", where);
	if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e6) {
		*score = (long)v->valuedouble;
		return SV_OK;
	}
	number_text(v->valuedouble, num, sizeof(num));
	return sv_fail_at(err, SV_EINVAL, where, "%s: %s is not an IPLOS score (a whole number 1-5, or 9 for not "
			  "relevant)", where, num);
}

/* The score of a coding in the score system ("1".."9"), or -1. */
static long score_coding(const struct table *t, const cJSON *coding)
{
	const char *sys = sv_jstr(coding, "system"), *code = sv_jstr(coding, "code");
	if (sys && code && strcmp(sys, t->score_system) == 0 && strlen(code) == 1 && code[0] >= '0' &&
	    code[0] <= '9')
		return code[0] - '0';
	return -1;
}

/* Reads the parts of item `p` (exactly one variable valueCoding, one score valueInteger or valueCoding). */
static enum sv_err read_item(const struct table *t, const cJSON *p, const char *where, struct input *in,
			     struct sv_error *err)
{
	const cJSON *part, *var = NULL, *score = NULL, *vc, *sv;
	char swhere[96];
	long sc = -1;
	enum sv_err rc;

	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(p, "part")))
		return sv_fail_at(err, SV_EINVAL, where, "%s has no parts (variable, score)", where);
	cJSON_ArrayForEach(part, cJSON_GetObjectItemCaseSensitive(p, "part")) {
		const char *name = sv_jstr(part, "name");
		const cJSON **slot = name && strcmp(name, "variable") == 0 ? &var :
				     name && strcmp(name, "score") == 0 ? &score : NULL;
		snprintf(swhere, sizeof(swhere), "%s.%s", where, name ? name : "part");
		if (!slot)
			return sv_fail_at(err, SV_EINVAL, swhere, "%s: unknown part '%s' (expected variable, score)",
					  where, name ? name : "");
		if (*slot)
			return sv_fail_at(err, SV_EINVAL, swhere, "%s is given twice", swhere);
		*slot = part;
	}
	snprintf(swhere, sizeof(swhere), "%s.variable", where);
	if (!var)
		return sv_fail_at(err, SV_EREQUIRED, swhere, "%s has no variable part", where);
	if (values_of(var, &vc) != 1 || !is_key(vc, "valueCoding") || !cJSON_IsObject(vc) || !sv_jstr(vc, "code"))
		return sv_fail_at(err, SV_EINVAL, swhere, "%s must be a valueCoding with a code", swhere);
	if (!sv_jstr(vc, "system") || strcmp(sv_jstr(vc, "system"), SV_IPLOS_VARIABLES) != 0)
		return sv_fail_at(err, SV_EINVAL, swhere, "%s: system is %s, expected %s (IPLOS function "
				  "variable)", swhere, sv_jstr(vc, "system") ? sv_jstr(vc, "system") : "missing",
				  SV_IPLOS_VARIABLES);
	snprintf(swhere, sizeof(swhere), "%s.score", where);
	if (!score)
		return sv_fail_at(err, SV_EREQUIRED, swhere, "%s has no score part", where);
	if (values_of(score, &sv) != 1 || !(is_key(sv, "valueInteger") || is_key(sv, "valueCoding")))
		return sv_fail_at(err, SV_EINVAL, swhere, "%s must be a valueInteger 1-5 or 9", swhere);
	if (is_key(sv, "valueInteger") && (rc = score_integer(sv, swhere, &sc, err)) != SV_OK)
		return rc;
	if (is_key(sv, "valueCoding") && (sc = score_coding(t, sv)) < 0)
		return sv_fail_at(err, SV_EINVAL, swhere, "%s must be a valueInteger 1-5 or 9", swhere);
	return add_item(t, in, sv_jstr(vc, "code"), sc, where, swhere, err);
}

/* Returns the one value[x] of parameter `p` when its type is one of `types`, else NULL. */
static const cJSON *typed_value(const cJSON *p, const char *const *types, size_t ntypes)
{
	const cJSON *v;

	if (values_of(p, &v) != 1)
		return NULL;
	for (size_t i = 0; i < ntypes; i++)
		if (is_key(v, types[i]))
			return v;
	return NULL;
}

static enum sv_err read_parameters(const struct table *t, const cJSON *params, struct input *in,
				   struct sv_error *err)
{
	static const char *const DATE[] = {"valueDate", "valueDateTime"};
	static const char *const CANONICAL[] = {"valueCanonical", "valueUri", "valueUrl"};
	static const char *const REFERENCE[] = {"valueReference"};
	const cJSON *p, *v;
	int idx = 0;
	char where[64];

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		enum sv_err rc;
		if (!name)
			return sv_fail(err, SV_EINVAL, "every parameter needs a name");
		if (strcmp(name, "patient") == 0 || strcmp(name, "date") == 0 || strcmp(name, "relations") == 0)
			continue;
		if (strcmp(name, "item") != 0)
			return sv_fail_at(err, SV_EINVAL, name, "unknown parameter '%s' (expected item, patient, "
					  "date, relations)", name);
		snprintf(where, sizeof(where), "item[%d]", idx++);
		if ((rc = read_item(t, p, where, in, err)) != SV_OK)
			return rc;
	}
	if ((p = sv_params_get(params, "patient")) != NULL) {
		in->patient = typed_value(p, REFERENCE, 1);
		if (!cJSON_IsObject(in->patient))
			return sv_fail_at(err, SV_EINVAL, "patient", "patient must be a valueReference");
	}
	if ((p = sv_params_get(params, "date")) != NULL) {
		v = typed_value(p, DATE, 2);
		in->date = cJSON_IsString(v) ? v->valuestring : NULL;
		if (!in->date || !date_ok(in->date))
			return sv_fail_at(err, SV_EINVAL, "date", "date must be a valueDate (YYYY-MM-DD)");
	}
	if ((p = sv_params_get(params, "relations")) != NULL) {
		v = typed_value(p, CANONICAL, 3);
		in->relations = cJSON_IsString(v) ? v->valuestring : NULL;
		if (!in->relations)
			return sv_fail_at(err, SV_EINVAL, "relations", "relations must be a valueCanonical "
					  "url[|version]");
	}
	return SV_OK;
}

static int same_json(const cJSON *a, const cJSON *b)
{
	return cJSON_Compare(a, b, 1);
}

static enum sv_err read_bundle(const struct table *t, const cJSON *bundle, struct input *in, struct sv_error *err)
{
	const cJSON *e;
	int idx = 0;
	char where[64], swhere[96];

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(bundle, "entry")) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource"), *c, *var = NULL, *subj, *eff, *v;
		const char *rt = sv_jstr(r, "resourceType");
		enum sv_err rc;
		long sc;
		snprintf(where, sizeof(where), "Bundle.entry[%d].resource", idx++);
		if (!rt || strcmp(rt, "Observation") != 0)
			return sv_fail_at(err, SV_EINVAL, where, "%s is a %s, expected an Observation with an IPLOS "
					  "variable and score", where, rt ? rt : "missing resource");
		snprintf(swhere, sizeof(swhere), "%s.code", where);
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "code"),
								       "coding")) {
			if (!sv_jstr(c, "system") || strcmp(sv_jstr(c, "system"), SV_IPLOS_VARIABLES) != 0 ||
			    !sv_jstr(c, "code"))
				continue;
			if (var)
				return sv_fail_at(err, SV_EINVAL, swhere, "%s has two codings in %s (%s and %s): an "
						  "Observation scores one IPLOS variable", swhere, SV_IPLOS_VARIABLES,
						  sv_jstr(var, "code"), sv_jstr(c, "code"));
			var = c;
		}
		if (!var)
			return sv_fail_at(err, SV_EINVAL, swhere, "%s has no coding in %s: the Observation is not an "
					  "IPLOS function variable", swhere, SV_IPLOS_VARIABLES);
		snprintf(swhere, sizeof(swhere), "%s.value", where);
		sc = -1;
		if (values_of(r, &v) != 1 || !(is_key(v, "valueInteger") || is_key(v, "valueCodeableConcept")))
			return sv_fail_at(err, SV_EINVAL, swhere, "%s must be a valueInteger 1-5 or 9, or a "
					  "valueCodeableConcept in %s", swhere, t->score_system);
		if (is_key(v, "valueInteger") && (rc = score_integer(v, swhere, &sc, err)) != SV_OK)
			return rc;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "coding"))
			if (sc < 0 && is_key(v, "valueCodeableConcept"))
				sc = score_coding(t, c);
		if (sc < 0)
			return sv_fail_at(err, SV_EINVAL, swhere, "%s must be a valueInteger 1-5 or 9, or a "
					  "valueCodeableConcept in %s", swhere, t->score_system);
		if ((rc = add_item(t, in, sv_jstr(var, "code"), sc, where, swhere, err)) != SV_OK)
			return rc;
		subj = cJSON_GetObjectItemCaseSensitive(r, "subject");
		if (subj && in->patient && !same_json(subj, in->patient))
			return sv_fail_at(err, SV_EINVAL, where, "%s: subject differs from the first Observation's: "
					  "an assessment is of one person", where);
		if (subj)
			in->patient = subj;
		eff = cJSON_GetObjectItemCaseSensitive(r, "effectiveDateTime");
		if (eff && (!cJSON_IsString(eff) || !date_ok(eff->valuestring)))
			return sv_fail_at(err, SV_EINVAL, where, "%s: effectiveDateTime is not a FHIR dateTime", where);
		if (eff && in->date && strcmp(in->date, eff->valuestring) != 0)
			return sv_fail_at(err, SV_EINVAL, where, "%s: effectiveDateTime differs from the first "
					  "Observation's: an assessment has one date", where);
		if (eff)
			in->date = eff->valuestring;
	}
	return SV_OK;
}

/* ---- writing the answer ---- */

struct out_act {
	const struct act *a;
	cJSON *reasons;          /* reasonReference array, owned until moved into the CarePlan */
};

static void uuid_urn(const unsigned char *b, char *out, size_t cap)
{
	unsigned char r[16];
	memcpy(r, b, 16);
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);  /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);  /* RFC 4122 variant */
	snprintf(out, cap, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
		 r[15]);
}

static void random_bytes(unsigned char *b, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < n) {
		/* No entropy source: ids need to be unique within one Bundle only. */
		static atomic_ulong counter;
		unsigned long c = atomic_fetch_add(&counter, 1) ^ (unsigned long)time(NULL);
		for (size_t i = got; i < n; i++)
			b[i] = (unsigned char)((c >> ((i % 8) * 8)) + i);
	}
}

static cJSON *ref_to(const char *urn)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "reference", urn);
	return r;
}

static cJSON *concept1(const char *system, const char *code, const char *display)
{
	cJSON *cc = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cc, "coding"), sv_coding_new(system, NULL, code, display));
	return cc;
}

/* A node that shares `c`'s members instead of copying them: the answer reads the table (owned by the
 * snapshot, which the request holds until the answer is sent) and the input (freed after sending).
 * Copying every coding into every resource made half of $assess malloc and free. */
static cJSON *share(const cJSON *c)
{
	return cJSON_IsArray(c) ? cJSON_CreateArrayReference(c->child) : cJSON_CreateObjectReference(c->child);
}

static void add_codings(cJSON *arr, const cJSON *from)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, from)
		cJSON_AddItemToArray(arr, share(c));
}

static void add_subject(cJSON *res, const char *name, const cJSON *patient)
{
	if (patient) {
		cJSON_AddItemToObject(res, name, share(patient));
	} else {
		cJSON *r = cJSON_AddObjectToObject(res, name);
		cJSON_AddStringToObject(r, "display", "The assessed person (no patient given in the request)");
	}
}

static void add_entry(cJSON *entries, const char *urn, cJSON *res)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "fullUrl", urn);
	cJSON_AddItemToObject(e, "resource", res);
	cJSON_AddItemToArray(entries, e);
}

/* "3 Medium need for assistance (ICF d510.2, d520.2)", with the vision anchor for variable 13. */
static void score_text(const struct table *t, const struct item *it, char *buf, size_t cap)
{
	const char *disp = sv_jstr(t->score[it->si], "display"), *q = sv_jstr(t->qualifier[it->si], "code");
	const cJSON *c;
	size_t n;
	int first = 1;

	if (strcmp(it->v->code, VISION) == 0 && t->anchor[it->si])
		n = (size_t)snprintf(buf, cap, "%s %s (vision anchor)", SCORES[it->si], t->anchor[it->si]);
	else if (strcmp(it->v->code, HEARING) == 0)
		n = (size_t)snprintf(buf, cap, "%s %s (no published hearing anchors: the general meaning applies)",
				     SCORES[it->si], disp ? disp : "");
	else
		n = (size_t)snprintf(buf, cap, "%s %s", SCORES[it->si], disp ? disp : "");
	if (!q)
		return;
	cJSON_ArrayForEach(c, it->v->icf) {
		if (n >= cap)
			return;
		n += (size_t)snprintf(buf + n, cap - n, "%s%s.%s", first ? " (ICF " : ", ", sv_jstr(c, "code"), q);
		first = 0;
	}
	if (!first && n < cap)
		snprintf(buf + n, cap - n, ")");
}

static cJSON *observation(const struct table *t, const struct input *in, const struct item *it)
{
	cJSON *o = cJSON_CreateObject(), *code, *codings, *value, *vcodings;
	char text[512];

	cJSON_AddStringToObject(o, "resourceType", "Observation");
	cJSON_AddStringToObject(o, "status", "final");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "category"),
			     concept1(HL7CS "observation-category", "survey", "Survey"));
	code = cJSON_AddObjectToObject(o, "code");
	codings = cJSON_AddArrayToObject(code, "coding");
	cJSON_AddItemToArray(codings, share(it->v->coding));
	add_codings(codings, it->v->icf);
	add_codings(codings, it->v->observable);
	cJSON_AddStringToObject(code, "text", it->v->display ? it->v->display : it->v->code);
	add_subject(o, "subject", in->patient);
	if (in->date)
		cJSON_AddStringToObject(o, "effectiveDateTime", in->date);
	value = cJSON_AddObjectToObject(o, "valueCodeableConcept");
	vcodings = cJSON_AddArrayToObject(value, "coding");
	cJSON_AddItemToArray(vcodings, share(t->score[it->si]));
	if (t->qualifier[it->si])
		cJSON_AddItemToArray(vcodings, share(t->qualifier[it->si]));
	score_text(t, it, text, sizeof(text));
	cJSON_AddStringToObject(value, "text", text);
	return o;
}

static cJSON *condition(const struct table *t, const struct input *in, const struct item *it, const char *obs_urn)
{
	const struct cell *c = &it->v->cells[it->si];
	cJSON *r = cJSON_CreateObject(), *code, *codings, *ev;
	char text[512];

	cJSON_AddStringToObject(r, "resourceType", "Condition");
	cJSON_AddItemToObject(r, "clinicalStatus", concept1(HL7CS "condition-clinical", "active", "Active"));
	cJSON_AddItemToObject(r, "verificationStatus",
			      concept1(HL7CS "condition-ver-status", "provisional", "Provisional"));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "category"),
			     concept1(HL7CS "condition-category", "problem-list-item", "Problem List Item"));
	if (t->severity[it->si]) {
		cJSON *sev = cJSON_AddObjectToObject(r, "severity");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(sev, "coding"), share(t->severity[it->si]));
	}
	code = cJSON_AddObjectToObject(r, "code");
	codings = cJSON_AddArrayToObject(code, "coding");
	add_codings(codings, c->findings);
	add_codings(codings, it->v->fsiii);
	if (cJSON_GetArraySize(c->findings) == 0)   /* no SNOMED CT finding mapped: say it in ICF */
		add_codings(codings, it->v->icf);
	if (strcmp(it->v->code, VISION) == 0 && t->anchor[it->si])
		snprintf(text, sizeof(text), "%s: %s", it->v->display, t->anchor[it->si]);
	else
		snprintf(text, sizeof(text), "%s: %s", it->v->display, sv_jstr(t->score[it->si], "display"));
	cJSON_AddStringToObject(code, "text", text);
	add_subject(r, "subject", in->patient);
	if (in->date)
		cJSON_AddStringToObject(r, "recordedDate", in->date);
	ev = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(ev, "detail"), ref_to(obs_urn));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "evidence"), ev);
	return r;
}

static double per_week(const struct act *a)
{
	double f = a->freq;
	if (strcmp(a->unit, "d") == 0)
		return f * 7;
	if (strcmp(a->unit, "mo") == 0)
		return f * 12 / 52;
	return f;
}

static cJSON *activity(const struct out_act *oa)
{
	const struct act *a = oa->a;
	cJSON *act = cJSON_CreateObject(), *d = cJSON_AddObjectToObject(act, "detail");

	cJSON_AddItemToObject(d, "code", share(a->code));
	cJSON_AddItemToObject(d, "reasonReference", oa->reasons);
	cJSON_AddStringToObject(d, "status", "not-started");
	if (a->freq) {
		cJSON *rep = cJSON_AddObjectToObject(cJSON_AddObjectToObject(d, "scheduledTiming"), "repeat");
		if (a->minutes) {
			cJSON_AddNumberToObject(rep, "duration", a->minutes);
			cJSON_AddStringToObject(rep, "durationUnit", "min");
		}
		cJSON_AddNumberToObject(rep, "frequency", a->freq);
		cJSON_AddNumberToObject(rep, "period", 1);
		cJSON_AddStringToObject(rep, "periodUnit", a->unit);
	}
	if (a->comment)
		cJSON_AddStringToObject(d, "description", a->comment);
	return act;
}

static void add_note(cJSON *notes, const char *text)
{
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "text", text);
	cJSON_AddItemToArray(notes, n);
}

static cJSON *careplan(const struct table *t, const struct input *in, struct out_act *acts, int nacts,
		       cJSON *addresses, cJSON *support)
{
	cJSON *cp = cJSON_CreateObject(), *arr, *notes, *ext, *q;
	double minutes = 0;
	char text[1024];
	size_t n = 0;

	cJSON_AddStringToObject(cp, "resourceType", "CarePlan");
	ext = cJSON_CreateObject();
	cJSON_AddStringToObject(ext, "url", t->minutes_ext);
	q = cJSON_AddObjectToObject(ext, "valueQuantity");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cp, "extension"), ext);
	cJSON_AddStringToObject(cp, "status", "draft");
	cJSON_AddStringToObject(cp, "intent", "proposal");
	cJSON_AddStringToObject(cp, "title", "Suggested services after an IPLOS assessment");
	cJSON_AddStringToObject(cp, "description", "Interventions that the assessed function problems make relevant, "
				"from the relations map " "(conditions to interventions).");
	add_subject(cp, "subject", in->patient);
	if (in->date)
		cJSON_AddStringToObject(cp, "created", in->date);
	if (cJSON_GetArraySize(addresses))
		cJSON_AddItemToObject(cp, "addresses", addresses);
	else
		cJSON_Delete(addresses);
	if (cJSON_GetArraySize(support))
		cJSON_AddItemToObject(cp, "supportingInfo", support);
	else
		cJSON_Delete(support);
	if (nacts) {
		arr = cJSON_AddArrayToObject(cp, "activity");
		for (int i = 0; i < nacts; i++) {
			if (acts[i].a->freq && acts[i].a->minutes)
				minutes += per_week(acts[i].a) * acts[i].a->minutes;
			cJSON_AddItemToArray(arr, activity(&acts[i]));
			acts[i].reasons = NULL;
		}
	}
	minutes = round(minutes * 10) / 10;
	cJSON_AddNumberToObject(q, "value", minutes);
	cJSON_AddStringToObject(q, "unit", "min/wk");
	cJSON_AddStringToObject(q, "system", UCUM);
	cJSON_AddStringToObject(q, "code", "min/wk");
	notes = cJSON_AddArrayToObject(cp, "note");
	add_note(notes, "A suggestion for professional judgement, not an allocation decision: an IPLOS score is one "
		 "input to the assessment of need, never the decision alone. The relations map is draft content; "
		 "review every activity with the user.");
	n = (size_t)snprintf(text, sizeof(text), "Estimated time: %g minutes per week, counting only the "
			     "activities whose source gives both a frequency and minutes per visit.", minutes);
	for (int i = 0, first = 1; i < nacts && n < sizeof(text); i++) {
		const char *what = sv_jstr(acts[i].a->code, "text");
		if (acts[i].a->freq && acts[i].a->minutes)
			continue;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s (%s)", first ? " Not counted: " : "; ",
				      what ? what : "activity", acts[i].a->freq ? "minutes not given" :
				      "frequency and minutes not given");
		first = 0;
	}
	if (!nacts)
		snprintf(text, sizeof(text), "No intervention is suggested: no assessed variable has a function "
			 "problem (score 3-5) with a relation in the map. Estimated time: 0 minutes per week.");
	add_note(notes, text);
	return cp;
}

static cJSON *missing_outcome(const struct table *t, const struct input *in)
{
	cJSON *oo = NULL, *issues = NULL;
	char text[256];

	for (uint32_t i = 0; i < t->nvars; i++) {
		cJSON *issue, *det;
		if (in->seen[i])
			continue;
		if (!oo) {
			oo = cJSON_CreateObject();
			cJSON_AddStringToObject(oo, "resourceType", "OperationOutcome");
			issues = cJSON_AddArrayToObject(oo, "issue");
		}
		issue = cJSON_CreateObject();
		cJSON_AddStringToObject(issue, "severity", "warning");
		cJSON_AddStringToObject(issue, "code", "incomplete");
		det = cJSON_AddObjectToObject(issue, "details");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(det, "coding"), share(t->vars[i].coding));
		snprintf(text, sizeof(text), "IPLOS variable %s (%s) is missing from the assessment: reported as "
			 "missing, not scored", t->vars[i].code, t->vars[i].display ? t->vars[i].display : "");
		cJSON_AddStringToObject(det, "text", text);
		cJSON_AddItemToArray(issues, issue);
	}
	return oo;
}

static cJSON *answer(const struct table *t, const struct input *in)
{
	cJSON *b = cJSON_CreateObject(), *entries, *addresses = cJSON_CreateArray(), *support = cJSON_CreateArray();
	cJSON *oo;
	unsigned char rnd[16 * (2 * MAX_ITEMS + 2)];
	char obs[MAX_ITEMS][48], urn[48], ts[32];
	struct out_act acts[MAX_ITEMS * MAX_ACTS];
	int nacts = 0, nrnd = 0;

	random_bytes(rnd, sizeof(rnd));
	cJSON_AddStringToObject(b, "resourceType", "Bundle");
	cJSON_AddStringToObject(b, "type", "collection");
	sv_now_iso(ts, sizeof(ts));
	cJSON_AddStringToObject(b, "timestamp", ts);
	entries = cJSON_AddArrayToObject(b, "entry");
	for (int i = 0; i < in->n; i++) {
		uuid_urn(rnd + 16 * nrnd++, obs[i], sizeof(obs[i]));
		add_entry(entries, obs[i], observation(t, in, &in->items[i]));
		cJSON_AddItemToArray(support, ref_to(obs[i]));
	}
	for (int i = 0; i < in->n; i++) {
		const struct item *it = &in->items[i];
		const struct cell *c = &it->v->cells[it->si];
		if (it->si < SI_PROBLEM_FIRST || it->si > SI_PROBLEM_LAST)
			continue;
		uuid_urn(rnd + 16 * nrnd++, urn, sizeof(urn));
		add_entry(entries, urn, condition(t, in, it, obs[i]));
		cJSON_AddItemToArray(addresses, ref_to(urn));
		for (int a = 0; a < c->nacts; a++) {
			int k = 0;
			while (k < nacts && strcmp(acts[k].a->key, c->acts[a].key) != 0)
				k++;
			if (k == nacts) {
				acts[nacts].a = &c->acts[a];
				acts[nacts++].reasons = cJSON_CreateArray();
			}
			cJSON_AddItemToArray(acts[k].reasons, ref_to(urn));
		}
	}
	uuid_urn(rnd + 16 * nrnd++, urn, sizeof(urn));
	add_entry(entries, urn, careplan(t, in, acts, nacts, addresses, support));
	if ((oo = missing_outcome(t, in)) != NULL) {
		uuid_urn(rnd + 16 * nrnd++, urn, sizeof(urn));
		add_entry(entries, urn, oo);
	}
	return b;
}

/* ---- the operation ---- */

enum sv_err sv_assess_run(const struct sv_snapshot *snap, const cJSON *input, const struct sv_assess_opts *opts,
			  cJSON **out, struct sv_error *err)
{
	const char *base = opts && opts->canonical_base ? opts->canonical_base : SV_IPLOS_BASE;
	const char *rt = sv_jstr(input, "resourceType");
	const char *rel_param = NULL, *bar;
	char url[URL_MAX];
	const struct sv_resource *rel;
	struct table *t = NULL;
	struct input in;
	enum sv_err rc;
	int is_params = rt && strcmp(rt, "Parameters") == 0;

	*out = NULL;
	memset(&in, 0, sizeof(in));
	if (!is_params && !(rt && strcmp(rt, "Bundle") == 0))
		return sv_fail(err, SV_EINVAL, "$assess takes a Parameters resource (item, patient, date) or a "
			       "Bundle of Observations, not %s", rt ? rt : "a body without resourceType");
	if (is_params) {
		rel_param = sv_params_string(input, "relations");
		if (sv_params_count(input, "relations") > 1 || sv_params_count(input, "patient") > 1 ||
		    sv_params_count(input, "date") > 1)
			return sv_fail(err, SV_EINVAL, "relations, patient and date may be given once each");
	}
	if (!rel_param)
		rel_param = opts && opts->relations ? opts->relations : NULL;
	if (rel_param)
		snprintf(url, sizeof(url), "%s", rel_param);
	else
		snprintf(url, sizeof(url), "%s/ConceptMap/iplos-interventions", base);
	bar = strchr(url, '|');
	if (bar)
		url[bar - url] = '\0';
	rel = sv_snapshot_conceptmap(snap, url, bar ? bar + 1 : NULL);
	if (!rel)
		return sv_fail_at(err, SV_ENOTFOUND, "relations", "no relations map (ConceptMap) %s%s%s is held",
				  url, bar ? " version " : "", bar ? bar + 1 : "");
	if ((rc = table_get(snap, rel, base, &t, err)) != SV_OK)
		return rc;
	in.seen = sv_xcalloc((size_t)t->nvars + 1, 1);
	rc = is_params ? read_parameters(t, input, &in, err) : read_bundle(t, input, &in, err);
	if (rc == SV_OK && in.n == 0)
		rc = sv_fail_at(err, SV_EREQUIRED, is_params ? "item" : "Bundle.entry", "the assessment is empty: "
				"give at least one %s", is_params ? "item (variable and score)" : "Observation");
	if (rc == SV_OK)
		*out = answer(t, &in);
	free(in.seen);
	return rc;
}
