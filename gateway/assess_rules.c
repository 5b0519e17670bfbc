/* assess_rules.c — allocation criteria and case-mix in the $assess answer (assess_rules.h). */
#include "samsvar/canonical.h"
#include "samsvar/assess_rules.h"
#include "samsvar/jsonutil.h"
#include "samsvar/jsonw.h"
#include "samsvar/library.h"
#include "samsvar/snapshot.h"
#include "samsvar/strmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UCUM "http://unitsofmeasure.org"
#define V9151 "urn:oid:2.16.578.1.12.4.1.1.9151"

/* ---- finding and reading the Libraries (once per snapshot) ---- */

#define CANONICAL_MAX 600   /* a criteria or casemix canonical url[|version] longer than this is refused */

struct lib_args {
	const cJSON *lib;
	int casemix;
};

/* What reading one Library came to, kept once per snapshot: the parsed file, or why it cannot be
 * used (a Library of the other kind, or one that does not parse) so a bad one is not read again on
 * every request. */
struct lib_entry {
	int casemix;
	void *value;             /* struct sv_criteria or struct sv_casemix; NULL on failure */
	struct sv_error err;     /* err.code != SV_OK on failure */
};

static enum sv_err lib_make(const struct sv_snapshot *snap, void *arg, void **value, struct sv_error *err)
{
	const struct lib_args *a = arg;
	struct lib_entry *e = sv_xcalloc(1, sizeof(*e));
	const char *want = a->casemix ? "casemix" : "criteria";
	struct sv_criteria *c = NULL;
	struct sv_casemix *m = NULL;
	char kind[16];

	(void)snap;
	(void)err;
	e->casemix = a->casemix;
	sv_error_clear(&e->err);
	if (!sv_library_kind(a->lib, kind, sizeof(kind)) || strcmp(kind, want) != 0)
		sv_fail(&e->err, SV_EINVAL, "Library %.300s is not a %s file (its kind is %s)",
			sv_jstr(a->lib, "url") ? sv_jstr(a->lib, "url") : "", want, kind[0] ? kind : "none samsvar reads");
	else if ((a->casemix ? sv_library_casemix(a->lib, &m, &e->err) : sv_library_criteria(a->lib, &c, &e->err)) == SV_OK)
		e->value = a->casemix ? (void *)m : (void *)c;
	*value = e;
	return SV_OK;
}

static void drop_entry(void *v)
{
	struct lib_entry *e = v;
	if (e && e->casemix)
		sv_casemix_free(e->value);
	else if (e)
		sv_criteria_free(e->value);
	free(e);
}

static enum sv_err load_one(const struct sv_snapshot *snap, const char *param, const char *canonical, int casemix,
			    void **out, char *ref, size_t refcap, struct sv_error *err)
{
	char url[CANONICAL_MAX], key[CANONICAL_MAX + 100];
	const char *version;
	int fits;
	const struct sv_resource *lib;
	struct lib_args a;
	void *v;
	const struct lib_entry *e;
	enum sv_err rc;

	version = sv_canonical_split(canonical, url, sizeof(url), &fits);
	if (!fits)
		return sv_fail_at(err, SV_EINVAL, param, "%s: a canonical url[|version] of at most %d bytes", param,
				  CANONICAL_MAX - 1);
	lib = sv_snapshot_library(snap, url, version);
	if (!lib)
		return sv_fail_at(err, SV_ENOTFOUND, param, "no %s Library %.300s%s%.60s is held", casemix ? "case-mix" :
				  "criteria", url, version ? " version " : "", version ? version : "");
	snprintf(ref, refcap, "%s|%s", lib->url, lib->version);
	snprintf(key, sizeof(key), "library|%s|%s", casemix ? "casemix" : "criteria", ref);
	a.lib = lib->resource;
	a.casemix = casemix;
	if ((rc = sv_snapshot_memo(snap, key, lib_make, drop_entry, &a, &v, err)) != SV_OK)
		return rc;
	e = v;
	if (e->err.code != SV_OK) {
		*err = e->err;
		snprintf(err->expression, sizeof(err->expression), "%s", param);
		return e->err.code;
	}
	*out = e->value;
	return SV_OK;
}

enum sv_err sv_assess_rules_load(const struct sv_snapshot *snap, const char *criteria, const char *casemix,
				 struct sv_assess_rules *r, struct sv_error *err)
{
	void *v;
	enum sv_err rc;

	r->criteria = NULL;
	r->casemix = NULL;
	if (criteria && *criteria) {
		if ((rc = load_one(snap, "criteria", criteria, 0, &v, r->criteria_ref, sizeof(r->criteria_ref), err)) != SV_OK)
			return rc;
		r->criteria = v;
	}
	if (casemix && *casemix) {
		if ((rc = load_one(snap, "casemix", casemix, 1, &v, r->casemix_ref, sizeof(r->casemix_ref), err)) != SV_OK)
			return rc;
		r->casemix = v;
	}
	return SV_OK;
}

static const char *canonical_of(const cJSON *p)
{
	static const char *const TYPES[] = {"valueCanonical", "valueUri", "valueUrl", "valueString"};
	for (size_t i = 0; i < sizeof(TYPES) / sizeof(TYPES[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, TYPES[i]);
		if (cJSON_IsString(v) && *v->valuestring)
			return v->valuestring;
	}
	return NULL;
}

enum sv_err sv_assess_rules_params(const cJSON *params, const char **criteria, const char **casemix,
				   int *living_alone, struct sv_error *err)
{
	const cJSON *p;
	int seen[3] = {0};

	*criteria = *casemix = NULL;
	*living_alone = -1;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		int k = !name ? -1 : strcmp(name, "criteria") == 0 ? 0 : strcmp(name, "casemix") == 0 ? 1 :
			strcmp(name, "livingAlone") == 0 ? 2 : -1;
		const cJSON *b;
		if (k < 0)
			continue;
		if (seen[k]++)
			return sv_fail_at(err, SV_EINVAL, name, "%s may be given once", name);
		if (k < 2 && !(k ? (*casemix = canonical_of(p)) : (*criteria = canonical_of(p))))
			return sv_fail_at(err, SV_EINVAL, name, "%s must be a valueCanonical url[|version] of a Library",
					  name);
		if (k == 2) {
			const char *s = sv_jstr(p, "valueString");   /* from the query string */
			b = cJSON_GetObjectItemCaseSensitive(p, "valueBoolean");
			if (!cJSON_IsBool(b) && !(s && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)))
				return sv_fail_at(err, SV_EINVAL, name, "livingAlone must be a valueBoolean");
			*living_alone = b ? cJSON_IsTrue(b) : strcmp(s, "true") == 0;
		}
	}
	return SV_OK;
}

/* ---- evaluating ---- */

static double per_week(const struct sv_crit_rule *x)
{
	double f = (double)x->freq / x->period;
	return strcmp(x->unit, "d") == 0 ? f * 7 : strcmp(x->unit, "mo") == 0 ? f * 12 / 52 : f;
}

/* Rules giving the same service, codes and timing make one activity. */
static int same_service(const struct sv_crit_rule *a, const struct sv_crit_rule *b)
{
	if (strcmp(a->service, b->service) != 0 || a->ncodes != b->ncodes || a->freq != b->freq ||
	    a->period != b->period || strcmp(a->unit, b->unit) != 0 || a->minutes != b->minutes ||
	    a->hours != b->hours || a->hours_casemix != b->hours_casemix)
		return 0;
	for (int i = 0; i < a->ncodes; i++)
		if (strcmp(a->code_system[i], b->code_system[i]) != 0 || strcmp(a->code[i], b->code[i]) != 0)
			return 0;
	return 1;
}

/* The first matched rule with the same service as rule i (i itself when it leads its activity). */
static int leader(const struct sv_criteria *c, const struct sv_crit_result *res, int i)
{
	for (int j = 0; j < i; j++)
		if (res[j].matched && same_service(&c->rules[j], &c->rules[i]))
			return j;
	return i;
}

void sv_assess_rules_eval(struct sv_assess_rules *r)
{
	r->minutes = 0;
	r->nmatched = 0;
	if (r->casemix)
		sv_casemix_apply(r->casemix, r->scores, r->living_alone, &r->cm);
	if (!r->criteria)
		return;
	sv_criteria_eval(r->criteria, r->scores, r->res);
	for (int i = 0; i < r->criteria->nrules; i++) {
		const struct sv_crit_rule *x = &r->criteria->rules[i];
		if (!r->res[i].matched || leader(r->criteria, r->res, i) != i)
			continue;
		r->nmatched++;
		if (x->freq && x->minutes)
			r->minutes += per_week(x) * x->minutes;
	}
}

/* ---- writing ---- */

struct buf {
	char *s;
	size_t n, cap;
};

static void bprintf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (b->n + (size_t)k + 1 > b->cap) {
		b->cap = (b->n + (size_t)k + 1) * 2;
		b->s = sv_xrealloc(b->s, b->cap);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

static const char *var_display(const struct sv_assess_table *t, int v)
{
	char code[4];
	uint32_t i;

	snprintf(code, sizeof(code), "%d", v);
	return sv_strmap_get(&t->by_code, code, &i) && t->vars[i].display ? t->vars[i].display : "";
}

static const char *display_of(const struct sv_assess_table *t, const char *system, const char *code)
{
	const struct sv_codesystem *cs = sv_snapshot_codesystem(t->snap, system, NULL);
	const struct sv_concept *k = cs ? sv_codesystem_concept(cs, code) : NULL;
	return k ? k->display : NULL;
}

/* "at least 1 of 4, 5, 7 in 3-5" */
static void cond_text(struct buf *b, const struct sv_crit_cond *k)
{
	bprintf(b, "at least %d of ", k->atleast);
	for (int i = 0; i < k->nvars; i++)
		bprintf(b, "%s%d", i ? ", " : "", k->vars[i]);
	if (k->lo == k->hi)
		bprintf(b, " with score %d", k->lo);
	else
		bprintf(b, " with score %d-%d", k->lo, k->hi);
}

/* "7 Personlig hygiene = 4, 8 På- og avkledning = 3 (at least 1 of ... with score 3-5)" */
static void met_text(struct buf *b, const struct sv_assess_table *t, const struct sv_assess_rules *r,
		     const struct sv_crit_cond *k)
{
	unsigned char met[SV_CRIT_NVARS];
	int nmet;

	sv_criteria_cond_met(k, r->scores, met, &nmet);
	for (int i = 0; i < nmet; i++)
		bprintf(b, "%s%d %s = %d", i ? ", " : "", met[i], var_display(t, met[i]), r->scores[met[i]]);
	bprintf(b, " (");
	cond_text(b, k);
	bprintf(b, ")");
}

void sv_assess_timing(struct sv_jsonw *w, int freq, int period, const char *unit, int minutes)
{
	sv_jsonw_object(w, "scheduledTiming");
	sv_jsonw_object(w, "repeat");
	if (minutes) {
		sv_jsonw_number(w, "duration", minutes);
		sv_jsonw_string_ref(w, "durationUnit", "min");
	}
	sv_jsonw_number(w, "frequency", freq);
	sv_jsonw_number(w, "period", period);
	sv_jsonw_string(w, "periodUnit", unit);
	sv_jsonw_end(w);
	sv_jsonw_end(w);
}

/* {"url": url, "value<type>": v} as an array member; type "String" or "Canonical". */
static void sub_value(struct sv_jsonw *w, const char *url, const char *key, const char *v)
{
	sv_jsonw_object(w, NULL);
	sv_jsonw_string_ref(w, "url", url);
	sv_jsonw_string(w, key, v);
	sv_jsonw_end(w);
}

static void sub_string(struct sv_jsonw *w, const char *url, const char *v)
{
	sub_value(w, url, "valueString", v);
}

static void hours_quantity(struct sv_jsonw *w, const char *key, double h)
{
	sv_jsonw_object(w, key);
	sv_jsonw_number(w, "value", h);
	sv_jsonw_string_ref(w, "unit", "h/wk");
	sv_jsonw_string_ref(w, "system", UCUM);
	sv_jsonw_string_ref(w, "code", "h/wk");
	sv_jsonw_end(w);
}

/* The hours per week of rule x, or -1 when it gives none (or the case-mix gives no group). */
static double hours_of(const struct sv_assess_rules *r, const struct sv_crit_rule *x)
{
	if (x->hours_casemix)
		return r->casemix && r->cm.ok ? r->cm.adjusted : -1;
	return x->hours > 0 ? x->hours : -1;
}

/* The allocation-rule extension of rule i, and its words appended to `why`. */
static void rule_extension(struct sv_jsonw *w, const struct sv_assess_table *t, const struct sv_assess_rules *r,
			   int i, struct buf *why)
{
	const struct sv_criteria *c = r->criteria;
	const struct sv_crit_rule *x = &c->rules[i];
	char url[400];
	struct buf b = {0};
	double h = hours_of(r, x);

	snprintf(url, sizeof(url), "%s/StructureDefinition/allocation-rule", t->base);
	sv_jsonw_object(w, NULL);
	sv_jsonw_string(w, "url", url);
	sv_jsonw_array(w, "extension");
	sub_value(w, "criteria", "valueCanonical", r->criteria_ref);
	sub_string(w, "rule", x->id);
	bprintf(&b, "%s, section %s", c->meta.document, x->section);
	sub_string(w, "source", b.s);
	bprintf(why, "%sRule %s matched: ", why->n ? " " : "", x->id);
	for (int k = 0; k < x->nconds; k++) {
		b.n = 0;
		met_text(&b, t, r, &x->conds[k]);
		sub_string(w, "condition", b.s);
		bprintf(why, "%s%s", k ? "; " : "", b.s);
	}
	for (int k = 0; k < x->nrequires; k++)
		if (r->res[x->requires[k]].matched) {
			b.n = 0;
			bprintf(&b, "rule %s matched", c->rules[x->requires[k]].id);
			sub_string(w, "requires", b.s);
			bprintf(why, "%srequires one of its rules: %s", x->nconds ? "; " : "", b.s);
			break;
		}
	bprintf(why, ". Source: %s, section %s.", c->meta.document, x->section);
	for (int k = 0; k < x->nconfirm; k++) {
		sub_string(w, "confirm", x->confirm[k]);
		bprintf(why, "%s%s", k ? "; " : " To confirm: ", x->confirm[k]);
	}
	if (x->nconfirm)
		bprintf(why, ".");
	if (x->reading) {
		sub_string(w, "reading", x->reading);
		bprintf(why, " Reading: %s", x->reading);
	}
	if (h >= 0) {
		sv_jsonw_object(w, NULL);
		sv_jsonw_string_ref(w, "url", "hours-per-week");
		hours_quantity(w, "valueQuantity", h);
		sv_jsonw_end(w);
		bprintf(why, " Hours per week: %g%s.", h, x->hours_casemix ? " (the case-mix table's expected hours, a "
			"starting point for the time estimate)" : "");
	} else if (x->hours_casemix) {
		bprintf(why, " Hours per week: from the applicant's time estimate (no case-mix group: no table given, "
			"or a dimension with no scored variable).");
	}
	sv_jsonw_end(w);
	sv_jsonw_end(w);
	free(b.s);
}

/* Adds the urns of the Conditions behind rule i (its conditions, and the rules it requires, each
 * visited once: `seen` holds a mark per rule, so the cost is linear in the rules and their links). */
static void collect_reasons(const struct sv_assess_rules *r, int i, unsigned char *want, unsigned char *seen)
{
	const struct sv_crit_rule *x = &r->criteria->rules[i];
	unsigned char met[SV_CRIT_NVARS];
	int nmet;

	if (seen[i])
		return;
	seen[i] = 1;
	for (int k = 0; k < x->nconds; k++) {
		sv_criteria_cond_met(&x->conds[k], r->scores, met, &nmet);
		for (int m = 0; m < nmet; m++)
			want[met[m]] = 1;
	}
	for (int k = 0; k < x->nrequires; k++)
		if (r->res[x->requires[k]].matched)
			collect_reasons(r, x->requires[k], want, seen);
}

static void activity(struct sv_jsonw *w, const struct sv_assess_table *t, const struct sv_assess_rules *r, int lead,
		     const char *const cond_urn[SV_CRIT_NVARS + 1])
{
	const struct sv_criteria *c = r->criteria;
	const struct sv_crit_rule *x = &c->rules[lead];
	const char *disp = display_of(t, V9151, x->service);
	unsigned char want[SV_CRIT_NVARS + 1] = {0}, seen[SV_CRIT_MAX_RULES] = {0};
	struct buf why = {0};
	int nref = 0;

	sv_jsonw_object(w, NULL);
	sv_jsonw_array(w, "extension");
	for (int i = lead; i < c->nrules; i++)
		if (r->res[i].matched && leader(c, r->res, i) == lead) {
			rule_extension(w, t, r, i, &why);
			collect_reasons(r, i, want, seen);
		}
	sv_jsonw_end(w);
	sv_jsonw_object(w, "detail");
	sv_jsonw_object(w, "code");
	sv_jsonw_array(w, "coding");
	sv_jsonw_object(w, NULL);
	sv_jsonw_string_ref(w, "system", V9151);
	sv_jsonw_string(w, "code", x->service);
	if (disp)
		sv_jsonw_string(w, "display", disp);
	sv_jsonw_end(w);
	for (int k = 0; k < x->ncodes; k++) {
		const char *d = display_of(t, x->code_system[k], x->code[k]);
		sv_jsonw_object(w, NULL);
		sv_jsonw_string(w, "system", x->code_system[k]);
		sv_jsonw_string(w, "code", x->code[k]);
		if (d)
			sv_jsonw_string(w, "display", d);
		sv_jsonw_end(w);
	}
	sv_jsonw_end(w);
	if (disp)
		sv_jsonw_string(w, "text", disp);
	sv_jsonw_end(w);
	for (int v = 1; v <= SV_CRIT_NVARS; v++)
		nref += want[v] && cond_urn[v];
	if (nref) {
		sv_jsonw_array(w, "reasonReference");
		for (int v = 1; v <= SV_CRIT_NVARS; v++)
			if (want[v] && cond_urn[v]) {
				sv_jsonw_object(w, NULL);
				sv_jsonw_string(w, "reference", cond_urn[v]);
				sv_jsonw_end(w);
			}
		sv_jsonw_end(w);
	}
	sv_jsonw_string_ref(w, "status", "not-started");
	if (x->freq)
		sv_assess_timing(w, x->freq, x->period, x->unit, x->minutes);
	sv_jsonw_string(w, "description", why.s);
	sv_jsonw_end(w);
	sv_jsonw_end(w);
	free(why.s);
}

void sv_assess_rules_activities(struct sv_jsonw *w, const struct sv_assess_table *t, const struct sv_assess_rules *r,
				const char *const cond_urn[SV_CRIT_NVARS + 1])
{
	if (!r->criteria)
		return;
	for (int i = 0; i < r->criteria->nrules; i++)
		if (r->res[i].matched && leader(r->criteria, r->res, i) == i)
			activity(w, t, r, i, cond_urn);
}

void sv_assess_rules_extensions(struct sv_jsonw *w, const struct sv_assess_table *t, const struct sv_assess_rules *r)
{
	const struct sv_casemix *m = r->casemix;
	char url[400], text[200];

	if (!m || !r->cm.ok)
		return;
	snprintf(url, sizeof(url), "%s/StructureDefinition/casemix", t->base);
	sv_jsonw_object(w, NULL);
	sv_jsonw_string(w, "url", url);
	sv_jsonw_array(w, "extension");
	sub_value(w, "table", "valueCanonical", r->casemix_ref);
	sub_string(w, "group", r->cm.label);
	for (int d = 0; d < m->ndims; d++) {
		snprintf(text, sizeof(text), "%s: mean score %.2f, group %s", m->dims[d].name, r->cm.mean[d],
			 m->dims[d].groups[r->cm.group[d]].id);
		sub_string(w, "dimension", text);
	}
	sv_jsonw_object(w, NULL);
	sv_jsonw_string_ref(w, "url", "hours-per-week");
	hours_quantity(w, "valueQuantity", r->cm.adjusted);
	sv_jsonw_end(w);
	if (m->living_alone != 0) {
		snprintf(text, sizeof(text), "%+g %% for people living alone: %s", m->living_alone,
			 r->cm.living_alone_applied ? "applied" : r->living_alone == 0 ? "not applied (not living alone)" :
			 "not applied (livingAlone not given)");
		sub_string(w, "adjustment", text);
	}
	sv_jsonw_end(w);
	sv_jsonw_end(w);
}

void sv_assess_note(struct sv_jsonw *w, const char *text)
{
	sv_jsonw_object(w, NULL);
	sv_jsonw_string(w, "text", text);
	sv_jsonw_end(w);
}

/* Whether a matched rule proposes 9151 `service` (then a rule close to it adds nothing). */
static int service_proposed(const struct sv_assess_rules *r, const char *service)
{
	for (int i = 0; i < r->criteria->nrules; i++)
		if (r->res[i].matched && strcmp(r->criteria->rules[i].service, service) == 0)
			return 1;
	return 0;
}

/* "Close to the threshold: ..." for rule i. */
static void close_note(struct sv_jsonw *w, const struct sv_assess_table *t, const struct sv_assess_rules *r, int i)
{
	const struct sv_crit_rule *x = &r->criteria->rules[i];
	const char *disp = display_of(t, V9151, x->service);
	unsigned char met[SV_CRIT_NVARS];
	struct buf b = {0};
	int nmet, nearest;

	bprintf(&b, "Close to a threshold: %s (9151 %s), rule %s (%s, section %s). Missing: ", disp ? disp : "service",
		x->service, x->id, r->criteria->meta.document, x->section);
	for (int k = 0, first = 1; k < x->nconds; k++) {
		if (sv_criteria_cond_met(&x->conds[k], r->scores, met, &nmet))
			continue;
		sv_criteria_cond_gap(&x->conds[k], r->scores, &nearest);
		bprintf(&b, "%s", first ? "" : "; ");
		cond_text(&b, &x->conds[k]);
		bprintf(&b, " (%d met", nmet);
		if (nearest)
			bprintf(&b, "; nearest: %d %s = %d", nearest, var_display(t, nearest), r->scores[nearest]);
		bprintf(&b, ")");
		first = 0;
	}
	bprintf(&b, ".");
	sv_assess_note(w, b.s);
	free(b.s);
}

void sv_assess_rules_notes(struct sv_jsonw *w, const struct sv_assess_table *t, const struct sv_assess_rules *r)
{
	const struct sv_casemix *m = r->casemix;
	struct buf b = {0};

	if (r->criteria) {
		bprintf(&b, "Services proposed by the allocation criteria %s (%s): %d. Each activity names the rule, the "
			"scores and the source; the conditions to confirm are the case worker's to check.",
			r->criteria_ref, r->criteria->meta.title ? r->criteria->meta.title : r->criteria->meta.name,
			r->nmatched);
		sv_assess_note(w, b.s);
		for (int i = 0; i < r->criteria->nrules; i++)
			if (r->res[i].close && !service_proposed(r, r->criteria->rules[i].service))
				close_note(w, t, r, i);
	}
	if (m) {
		b.n = 0;
		if (r->cm.ok) {
			bprintf(&b, "Case-mix (%s): group %s, expected %g hours per week", r->casemix_ref, r->cm.label,
				r->cm.adjusted);
			if (r->cm.living_alone_applied)
				bprintf(&b, " (%g from the table %+g %% for living alone)", r->cm.hours, m->living_alone);
			bprintf(&b, ".");
		} else {
			bprintf(&b, "Case-mix (%s): no group, because no variable of the dimension %s is scored 1-5.",
				r->casemix_ref, r->cm.missing);
		}
		if (m->meta.hours && strcmp(m->meta.hours, "placeholder") == 0)
			bprintf(&b, " The table's hours are PLACEHOLDERS, not measured: they stand until the municipality "
				"supplies its own table.");
		sv_assess_note(w, b.s);
	}
	free(b.s);
}
