/* assess.c — the $assess engine: IPLOS assessment in, coded Observations, Conditions and a proposed
 * CarePlan out (see assess.h for the decisions). */
#include "samsvar/canonical.h"
#include "samsvar/assess.h"
#include "assess_private.h"
#include "samsvar/assess_rules.h"
#include "samsvar/assess_table.h"
#include "samsvar/iplos.h"
#include "samsvar/jsonutil.h"
#include "samsvar/jsonw.h"
#include "samsvar/params.h"
#include "samsvar/snapshot.h"
#include "samsvar/strmap.h"
#include "samsvar/uuid.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define UCUM "http://unitsofmeasure.org"
#define HL7CS "http://terminology.hl7.org/CodeSystem/"
#define VISION "13"
#define HEARING "14"
#define URL_MAX 512

/* ---- writing the answer ----
 * Written once through jsonw (jsonw.h): compact bytes for a JSON client, a cJSON tree otherwise. The
 * answer reads the table (owned by the snapshot, which the request holds until the answer is sent)
 * and the input; every key is a literal. */

/* One suggested intervention and the Conditions (indexes into the answer's condition urns) behind it. */
struct out_act {
	const struct sv_assess_act *a;
	unsigned char reasons[MAX_ITEMS];
	int nreasons;
};

/* What the answer holds besides the input: fresh urns and the merged activities. */
struct plan {
	char obs[MAX_ITEMS][48];          /* per item */
	char cond[MAX_ITEMS][48];         /* per Condition, in item order */
	int cond_item[MAX_ITEMS];         /* the item of each Condition */
	int ncond;
	struct out_act acts[MAX_ITEMS * SV_ASSESS_MAX_ACTS];
	int nacts;
	double minutes;                   /* estimated minutes per week, to one decimal */
	int missing;                      /* variables not assessed */
};

static void ref_to(struct sv_jsonw *w, const char *key, const char *urn)
{
	sv_jsonw_object(w, key);
	sv_jsonw_string(w, "reference", urn);
	sv_jsonw_end(w);
}

/* {"coding":[{"system":..,"code":..,"display":..}]} as member `key`. */
static void concept1(struct sv_jsonw *w, const char *key, const char *system, const char *code, const char *display)
{
	sv_jsonw_object(w, key);
	sv_jsonw_array(w, "coding");
	sv_jsonw_object(w, NULL);
	sv_jsonw_string_ref(w, "system", system);
	sv_jsonw_string_ref(w, "code", code);
	sv_jsonw_string_ref(w, "display", display);
	sv_jsonw_end(w);
	sv_jsonw_end(w);
	sv_jsonw_end(w);
}

static void add_codings(struct sv_jsonw *w, const cJSON *from)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, from)
		sv_jsonw_value(w, NULL, c);
}

static void add_subject(struct sv_jsonw *w, const char *name, const cJSON *patient)
{
	if (patient) {
		sv_jsonw_value(w, name, patient);
	} else {
		sv_jsonw_object(w, name);
		sv_jsonw_string_ref(w, "display", "The assessed person (no patient given in the request)");
		sv_jsonw_end(w);
	}
}

/* Opens {"fullUrl": urn, "resource": {"resourceType": type, ... ; close it with end_entry(). */
static void begin_entry(struct sv_jsonw *w, const char *urn, const char *type)
{
	sv_jsonw_object(w, NULL);
	sv_jsonw_string(w, "fullUrl", urn);
	sv_jsonw_object(w, "resource");
	sv_jsonw_string_ref(w, "resourceType", type);
}

static void end_entry(struct sv_jsonw *w)
{
	sv_jsonw_end(w);
	sv_jsonw_end(w);
}

/* "3 Medium need for assistance (ICF d510.2, d520.2)", with the vision anchor for variable 13; the ICF
 * codes are the ones the engine qualifies (no chapter, inexact or relatedto target). */
static void score_text(const struct sv_assess_table *t, const struct item *it, char *buf, size_t cap)
{
	const char *disp = sv_jstr(t->score[it->si], "display"), *q = it->v->cells[it->si].icf_qualified;
	size_t n;

	if (strcmp(it->v->code, VISION) == 0 && t->anchor[it->si])
		n = (size_t)snprintf(buf, cap, "%s %s (vision anchor)", SCORES[it->si], t->anchor[it->si]);
	else if (strcmp(it->v->code, HEARING) == 0)
		n = (size_t)snprintf(buf, cap, "%s %s (no published hearing anchors: the general meaning applies)",
				     SCORES[it->si], disp ? disp : "");
	else
		n = (size_t)snprintf(buf, cap, "%s %s", SCORES[it->si], disp ? disp : "");
	if (q && n < cap)
		snprintf(buf + n, cap - n, " (ICF %s)", q);
}

static void observation(struct sv_jsonw *w, const struct sv_assess_table *t, const struct input *in,
			const struct item *it, const char *urn)
{
	char text[512];

	begin_entry(w, urn, "Observation");
	sv_jsonw_string_ref(w, "status", "final");
	sv_jsonw_array(w, "category");
	concept1(w, NULL, HL7CS "observation-category", "survey", "Survey");
	sv_jsonw_end(w);
	sv_jsonw_object(w, "code");
	sv_jsonw_array(w, "coding");
	sv_jsonw_value(w, NULL, it->v->coding);
	add_codings(w, it->v->icf);
	add_codings(w, it->v->observable);
	sv_jsonw_end(w);
	sv_jsonw_string(w, "text", it->v->display ? it->v->display : it->v->code);
	sv_jsonw_end(w);
	add_subject(w, "subject", in->patient);
	sv_jsonw_string(w, "effectiveDateTime", in->date);
	sv_jsonw_object(w, "valueCodeableConcept");
	sv_jsonw_array(w, "coding");
	sv_jsonw_value(w, NULL, t->score[it->si]);
	if (t->qualifier[it->si] && it->v->cells[it->si].icf_qualified)   /* only when a category takes it */
		sv_jsonw_value(w, NULL, t->qualifier[it->si]);
	sv_jsonw_end(w);
	score_text(t, it, text, sizeof(text));
	sv_jsonw_string(w, "text", text);
	sv_jsonw_end(w);
	end_entry(w);
}

static void condition(struct sv_jsonw *w, const struct sv_assess_table *t, const struct input *in,
		      const struct item *it, const char *urn, const char *obs_urn)
{
	const struct sv_assess_cell *c = &it->v->cells[it->si];
	char text[512];

	begin_entry(w, urn, "Condition");
	concept1(w, "clinicalStatus", HL7CS "condition-clinical", "active", "Active");
	concept1(w, "verificationStatus", HL7CS "condition-ver-status", "provisional", "Provisional");
	sv_jsonw_array(w, "category");
	concept1(w, NULL, HL7CS "condition-category", "problem-list-item", "Problem List Item");
	sv_jsonw_end(w);
	if (t->severity[it->si]) {
		sv_jsonw_object(w, "severity");
		sv_jsonw_array(w, "coding");
		sv_jsonw_value(w, NULL, t->severity[it->si]);
		sv_jsonw_end(w);
		sv_jsonw_end(w);
	}
	sv_jsonw_object(w, "code");
	sv_jsonw_array(w, "coding");
	add_codings(w, c->findings);
	add_codings(w, it->v->fsiii);
	if (cJSON_GetArraySize(c->findings) == 0)   /* no SNOMED CT finding mapped: say it in ICF */
		add_codings(w, it->v->icf);
	sv_jsonw_end(w);
	if (strcmp(it->v->code, VISION) == 0 && t->anchor[it->si])
		snprintf(text, sizeof(text), "%s: %s", it->v->display, t->anchor[it->si]);
	else
		snprintf(text, sizeof(text), "%s: %s", it->v->display, sv_jstr(t->score[it->si], "display"));
	sv_jsonw_string(w, "text", text);
	sv_jsonw_end(w);
	add_subject(w, "subject", in->patient);
	sv_jsonw_string(w, "recordedDate", in->date);
	sv_jsonw_array(w, "evidence");
	sv_jsonw_object(w, NULL);
	sv_jsonw_array(w, "detail");
	ref_to(w, NULL, obs_urn);
	sv_jsonw_end(w);
	sv_jsonw_end(w);
	sv_jsonw_end(w);
	end_entry(w);
}

static double per_week(const struct sv_assess_act *a)
{
	double f = a->freq;
	if (strcmp(a->unit, "d") == 0)
		return f * 7;
	if (strcmp(a->unit, "mo") == 0)
		return f * 12 / 52;
	return f;
}

static void activity(struct sv_jsonw *w, const struct plan *p, const struct out_act *oa)
{
	const struct sv_assess_act *a = oa->a;

	sv_jsonw_object(w, NULL);
	sv_jsonw_object(w, "detail");
	sv_jsonw_value(w, "code", a->code);
	sv_jsonw_array(w, "reasonReference");
	for (int i = 0; i < oa->nreasons; i++)
		ref_to(w, NULL, p->cond[oa->reasons[i]]);
	sv_jsonw_end(w);
	sv_jsonw_string_ref(w, "status", "not-started");
	if (a->freq)
		sv_assess_timing(w, a->freq, 1, a->unit, a->minutes);
	sv_jsonw_string(w, "description", a->comment);
	sv_jsonw_end(w);
	sv_jsonw_end(w);
}

static void careplan(struct sv_jsonw *w, const struct sv_assess_table *t, const struct input *in,
		     const struct plan *p, const struct sv_assess_rules *r, const char *urn)
{
	const char *cond_urn[SV_CRIT_NVARS + 1] = {0};
	char text[1024];
	size_t n = 0;

	for (int i = 0; i < p->ncond; i++)
		cond_urn[atoi(in->items[p->cond_item[i]].v->code) % (SV_CRIT_NVARS + 1)] = p->cond[i];
	begin_entry(w, urn, "CarePlan");
	sv_jsonw_array(w, "extension");
	sv_jsonw_object(w, NULL);
	sv_jsonw_string(w, "url", t->minutes_ext);
	sv_jsonw_object(w, "valueQuantity");
	sv_jsonw_number(w, "value", p->minutes);
	sv_jsonw_string_ref(w, "unit", "min/wk");
	sv_jsonw_string_ref(w, "system", UCUM);
	sv_jsonw_string_ref(w, "code", "min/wk");
	sv_jsonw_end(w);
	sv_jsonw_end(w);
	sv_assess_rules_extensions(w, t, r);
	sv_jsonw_end(w);
	sv_jsonw_string_ref(w, "status", "draft");
	sv_jsonw_string_ref(w, "intent", "proposal");
	sv_jsonw_string_ref(w, "title", "Suggested services after an IPLOS assessment");
	sv_jsonw_string_ref(w, "description", r->criteria ? "Services that the allocation criteria propose for the "
			    "assessed scores; each activity names its rule, the scores and the source." :
			    "Interventions that the assessed function problems make relevant, from the relations map "
			    "(conditions to interventions).");
	add_subject(w, "subject", in->patient);
	sv_jsonw_string(w, "created", in->date);
	if (p->ncond) {
		sv_jsonw_array(w, "addresses");
		for (int i = 0; i < p->ncond; i++)
			ref_to(w, NULL, p->cond[i]);
		sv_jsonw_end(w);
	}
	sv_jsonw_array(w, "supportingInfo");
	for (int i = 0; i < in->n; i++)
		ref_to(w, NULL, p->obs[i]);
	sv_jsonw_end(w);
	if (p->nacts || r->nmatched) {
		sv_jsonw_array(w, "activity");
		for (int i = 0; i < p->nacts; i++)
			activity(w, p, &p->acts[i]);
		sv_assess_rules_activities(w, t, r, cond_urn);
		sv_jsonw_end(w);
	}
	sv_jsonw_array(w, "note");
	sv_assess_note(w, r->criteria ? "A suggestion for professional judgement, not an allocation decision: an IPLOS "
		 "score is one input to the assessment of need, never the decision alone; confirm each rule's "
		 "conditions and review every activity with the user." : "A suggestion for professional judgement, "
		 "not an allocation decision: an IPLOS score is one input to the assessment of need, never the "
		 "decision alone. The relations map is draft content; review every activity with the user.");
	n = (size_t)snprintf(text, sizeof(text), "Estimated time: %g minutes per week, counting only the "
			     "activities whose source gives both a frequency and minutes per visit.", p->minutes);
	for (int i = 0, first = 1; i < p->nacts && n < sizeof(text); i++) {
		const struct sv_assess_act *a = p->acts[i].a;
		const char *what = sv_jstr(a->code, "text");
		if (a->freq && a->minutes)
			continue;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s (%s)", first ? " Not counted: " : "; ",
				      what ? what : "activity", a->freq ? "minutes not given" :
				      "frequency and minutes not given");
		first = 0;
	}
	if (r->criteria)   /* the relations map's activities are not used; the criteria's are */
		snprintf(text, sizeof(text), "Estimated time: %g minutes per week, counting only the matched rules "
			 "whose source gives both a frequency and minutes per visit; hours per week from a rule or "
			 "from the case-mix table are a separate estimate (see the activities and the case-mix note).",
			 p->minutes);
	else if (!p->nacts)
		snprintf(text, sizeof(text), "No intervention is suggested: no assessed variable has a function "
			 "problem (score 3-5) with a relation in the map. Estimated time: 0 minutes per week.");
	sv_assess_note(w, text);
	sv_assess_rules_notes(w, t, r);
	sv_jsonw_end(w);
	end_entry(w);
}

/* An OperationOutcome with one `incomplete` warning per variable the assessment lacks. */
static void missing_outcome(struct sv_jsonw *w, const struct sv_assess_table *t, const struct input *in,
			    const char *urn)
{
	char text[256];

	begin_entry(w, urn, "OperationOutcome");
	sv_jsonw_array(w, "issue");
	for (uint32_t i = 0; i < t->nvars; i++) {
		if (in->seen[i])
			continue;
		sv_jsonw_object(w, NULL);
		sv_jsonw_string_ref(w, "severity", "warning");
		sv_jsonw_string_ref(w, "code", "incomplete");
		sv_jsonw_object(w, "details");
		sv_jsonw_array(w, "coding");
		sv_jsonw_value(w, NULL, t->vars[i].coding);
		sv_jsonw_end(w);
		snprintf(text, sizeof(text), "IPLOS variable %s (%s) is missing from the assessment: reported as "
			 "missing, not scored", t->vars[i].code, t->vars[i].display ? t->vars[i].display : "");
		sv_jsonw_string(w, "text", text);
		sv_jsonw_end(w);
		sv_jsonw_end(w);
	}
	sv_jsonw_end(w);
	end_entry(w);
}

/* Mints the urns, merges the activities of every problem (one per relation key, with every Condition
 * behind it) and sums their minutes per week. */
static void plan_answer(const struct sv_assess_table *t, const struct input *in, const struct sv_assess_rules *r,
			struct plan *p)
{
	p->ncond = p->nacts = p->missing = 0;
	p->minutes = 0;
	for (int i = 0; i < in->n; i++) {
		const struct item *it = &in->items[i];
		const struct sv_assess_cell *c = &it->v->cells[it->si];
		sv_uuid_urn(p->obs[i], sizeof(p->obs[i]));
		if (it->si < SV_IPLOS_PROBLEM_FIRST || it->si > SV_IPLOS_PROBLEM_LAST)
			continue;
		p->cond_item[p->ncond] = i;
		for (int a = 0; !r->criteria && a < c->nacts; a++) {   /* criteria give the activities instead */
			int k = 0;
			while (k < p->nacts && strcmp(p->acts[k].a->key, c->acts[a].key) != 0)
				k++;
			if (k == p->nacts) {
				p->acts[k].a = &c->acts[a];
				p->acts[k].nreasons = 0;
				p->nacts++;
			}
			p->acts[k].reasons[p->acts[k].nreasons++] = (unsigned char)p->ncond;
		}
		p->ncond++;
	}
	/* Condition urns after the Observations', in the order the answer lists them. */
	for (int i = 0; i < p->ncond; i++)
		sv_uuid_urn(p->cond[i], sizeof(p->cond[i]));
	for (int i = 0; i < p->nacts; i++)
		if (p->acts[i].a->freq && p->acts[i].a->minutes)
			p->minutes += per_week(p->acts[i].a) * p->acts[i].a->minutes;
	p->minutes = round((p->minutes + r->minutes) * 10) / 10;
	for (uint32_t i = 0; i < t->nvars; i++)
		p->missing += !in->seen[i];
}

static void answer(struct sv_jsonw *w, const struct sv_assess_table *t, const struct input *in,
		   const struct sv_assess_rules *r)
{
	struct plan *p = sv_xmalloc(sizeof(*p));
	char urn[48], ts[32];

	plan_answer(t, in, r, p);
	sv_jsonw_object(w, NULL);
	sv_jsonw_string_ref(w, "resourceType", "Bundle");
	sv_jsonw_string_ref(w, "type", "collection");
	sv_now_iso(ts, sizeof(ts));
	sv_jsonw_string(w, "timestamp", ts);
	sv_jsonw_array(w, "entry");
	for (int i = 0; i < in->n; i++)
		observation(w, t, in, &in->items[i], p->obs[i]);
	for (int i = 0; i < p->ncond; i++)
		condition(w, t, in, &in->items[p->cond_item[i]], p->cond[i], p->obs[p->cond_item[i]]);
	sv_uuid_urn(urn, sizeof(urn));
	careplan(w, t, in, p, r, urn);
	if (p->missing) {
		sv_uuid_urn(urn, sizeof(urn));
		missing_outcome(w, t, in, urn);
	}
	sv_jsonw_end(w);
	sv_jsonw_end(w);
	free(p);
}

/* ---- the operation ---- */

enum sv_err sv_assess_write(const struct sv_snapshot *snap, const cJSON *input, const struct sv_assess_opts *opts,
			    struct sv_jsonw *w, struct sv_error *err)
{
	const char *base = opts && opts->canonical_base ? opts->canonical_base : SV_IPLOS_BASE;
	const char *rt = sv_jstr(input, "resourceType");
	const char *rel_param = NULL, *version;
	char url[URL_MAX], def[URL_MAX];
	const struct sv_resource *rel;
	struct sv_assess_table *t = NULL;
	struct sv_assess_rules *r = NULL;
	const char *crit = NULL, *cmix = NULL;
	struct input in;
	enum sv_err rc;
	int is_params = rt && strcmp(rt, "Parameters") == 0, alone = -1;

	memset(&in, 0, sizeof(in));
	if (!is_params && !(rt && strcmp(rt, "Bundle") == 0))
		return sv_fail(err, SV_EINVAL, "$assess takes a Parameters resource (item, patient, date) or a "
			       "Bundle of Observations, not %s", rt ? rt : "a body without resourceType");
	if (is_params) {
		rel_param = sv_params_string(input, "relations");
		if (sv_params_count(input, "relations") > 1 || sv_params_count(input, "patient") > 1 ||
		    sv_params_count(input, "date") > 1)
			return sv_fail(err, SV_EINVAL, "relations, patient and date may be given once each");
		if ((rc = sv_assess_rules_params(input, &crit, &cmix, &alone, err)) != SV_OK)
			return rc;
	}
	if (!rel_param)
		rel_param = opts && opts->relations ? opts->relations : NULL;
	snprintf(def, sizeof(def), "%s/ConceptMap/iplos-interventions", base);
	version = sv_canonical_split(rel_param ? rel_param : def, url, sizeof(url), NULL);
	rel = sv_snapshot_conceptmap(snap, url, version);
	if (!rel)
		return sv_fail_at(err, SV_ENOTFOUND, "relations", "no relations map (ConceptMap) %s%s%s is held",
				  url, version ? " version " : "", version ? version : "");
	if ((rc = sv_assess_table_get(snap, rel, base, &t, err)) != SV_OK)
		return rc;
	r = sv_xcalloc(1, sizeof(*r));
	r->living_alone = alone;
	if ((rc = sv_assess_rules_load(snap, crit ? crit : opts ? opts->criteria : NULL, cmix ? cmix : opts ?
				       opts->casemix : NULL, r, err)) != SV_OK) {
		free(r);
		return rc;
	}
	in.seen = sv_xcalloc((size_t)t->nvars + 1, 1);
	rc = is_params ? sv_assess_read_parameters(t, input, &in, err) : sv_assess_read_bundle(t, input, &in, err);
	if (rc == SV_OK && in.n == 0)
		rc = sv_fail_at(err, SV_EREQUIRED, is_params ? "item" : "Bundle.entry", "the assessment is empty: "
				"give at least one %s", is_params ? "item (variable and score)" : "Observation");
	for (int i = 0; rc == SV_OK && i < in.n; i++)
		r->scores[atoi(in.items[i].v->code) % (SV_CRIT_NVARS + 1)] = (unsigned char)atoi(SCORES[in.items[i].si]);
	if (rc == SV_OK) {
		sv_assess_rules_eval(r);
		answer(w, t, &in, r);
	}
	free(in.seen);
	free(r);
	return rc;
}

enum sv_err sv_assess_run(const struct sv_snapshot *snap, const cJSON *input, const struct sv_assess_opts *opts,
			  cJSON **out, struct sv_error *err)
{
	struct sv_jsonw w;
	enum sv_err rc;

	sv_jsonw_init(&w, 1);
	rc = sv_assess_write(snap, input, opts, &w, err);
	*out = rc == SV_OK ? sv_jsonw_take_tree(&w) : NULL;
	sv_jsonw_release(&w);
	return rc;
}
