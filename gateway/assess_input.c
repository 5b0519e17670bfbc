/* assess_input.c — reading an $assess request: a Parameters of items (variable + score, patient,
 * date, relations) or a Bundle of IPLOS Observations, into the engine's input (assess_private.h).
 * Every item is checked against the relations table; a variable given twice with two scores, a
 * second person or a second date is refused with the path of the element. */
#include "assess_private.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

enum sv_err sv_assess_read_parameters(const struct sv_assess_table *t, const cJSON *params, struct input *in,
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

enum sv_err sv_assess_read_bundle(const struct sv_assess_table *t, const cJSON *bundle, struct input *in, struct sv_error *err)
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
