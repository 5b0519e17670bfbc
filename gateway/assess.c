/* assess.c — the $assess engine: IPLOS assessment in, coded Observations, Conditions and a proposed
 * CarePlan out (see assess.h for the decisions). */
#include "samsvar/assess.h"
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

#define NSCORES SV_IPLOS_NSCORES
#define SCORES sv_iplos_scores

#define UCUM "http://unitsofmeasure.org"
#define HL7CS "http://terminology.hl7.org/CodeSystem/"
#define VISION "13"
#define HEARING "14"
#define MAX_ITEMS 64         /* items read before giving up (20 variables exist; more means duplicates) */
#define URL_MAX 512

/* ---- reading the assessment ---- */

struct item {
	const struct sv_assess_var *v;
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

static enum sv_err add_item(const struct sv_assess_table *t, struct input *in, const char *code, long score,
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
static long score_coding(const struct sv_assess_table *t, const cJSON *coding)
{
	const char *sys = sv_jstr(coding, "system"), *code = sv_jstr(coding, "code");
	if (sys && code && strcmp(sys, t->score_system) == 0 && strlen(code) == 1 && code[0] >= '0' &&
	    code[0] <= '9')
		return code[0] - '0';
	return -1;
}

/* Reads the parts of item `p` (exactly one variable valueCoding, one score valueInteger or valueCoding). */
static enum sv_err read_item(const struct sv_assess_table *t, const cJSON *p, const char *where, struct input *in,
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

static enum sv_err read_parameters(const struct sv_assess_table *t, const cJSON *params, struct input *in,
				   struct sv_error *err)
{
	/* valueString too: a parameter given in the query string arrives as text. */
	static const char *const DATE[] = {"valueDate", "valueDateTime", "valueString"};
	static const char *const CANONICAL[] = {"valueCanonical", "valueUri", "valueUrl", "valueString"};
	static const char *const REFERENCE[] = {"valueReference"};
	const cJSON *p, *v;
	int idx = 0;
	char where[64];

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		enum sv_err rc;
		if (!name)
			return sv_fail(err, SV_EINVAL, "every parameter needs a name");
		if (strcmp(name, "patient") == 0 || strcmp(name, "date") == 0 || strcmp(name, "relations") == 0 ||
		    strcmp(name, "criteria") == 0 || strcmp(name, "casemix") == 0 || strcmp(name, "livingAlone") == 0)
			continue;   /* the last three: assess_rules.c */
		if (strcmp(name, "item") != 0)
			return sv_fail_at(err, SV_EINVAL, name, "unknown parameter '%s' (expected item, patient, "
					  "date, relations, criteria, casemix, livingAlone)", name);
		snprintf(where, sizeof(where), "item[%d]", idx++);
		if ((rc = read_item(t, p, where, in, err)) != SV_OK)
			return rc;
	}
	if ((p = sv_params_get(params, "patient")) != NULL) {
		in->patient = typed_value(p, REFERENCE, 1);
		if (!cJSON_IsObject(in->patient))
			return sv_fail_at(err, SV_EINVAL, "patient", "patient must be a valueReference");
		/* It is copied into every resource of the answer: only what a Reference may hold. */
		if (sv_param_reference(in->patient, "patient", err) != SV_OK)
			return SV_EINVAL;
	}
	if ((p = sv_params_get(params, "date")) != NULL) {
		v = typed_value(p, DATE, 3);
		in->date = cJSON_IsString(v) ? v->valuestring : NULL;
		if (!in->date || !date_ok(in->date))
			return sv_fail_at(err, SV_EINVAL, "date", "date must be a valueDate (YYYY-MM-DD)");
	}
	if ((p = sv_params_get(params, "relations")) != NULL) {
		v = typed_value(p, CANONICAL, 4);
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

static enum sv_err read_bundle(const struct sv_assess_table *t, const cJSON *bundle, struct input *in, struct sv_error *err)
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
		if (subj && (rc = sv_param_reference(subj, where, err)) != SV_OK)
			return rc;
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

static void add_note(struct sv_jsonw *w, const char *text)
{
	sv_jsonw_object(w, NULL);
	sv_jsonw_string(w, "text", text);
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
	add_note(w, r->criteria ? "A suggestion for professional judgement, not an allocation decision: an IPLOS "
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
	if (!p->nacts && !r->criteria)
		snprintf(text, sizeof(text), "No intervention is suggested: no assessed variable has a function "
			 "problem (score 3-5) with a relation in the map. Estimated time: 0 minutes per week.");
	add_note(w, text);
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
	const char *rel_param = NULL, *bar;
	char url[URL_MAX];
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
	rc = is_params ? read_parameters(t, input, &in, err) : read_bundle(t, input, &in, err);
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
