/* message_fhir_read.c — an inbound FHIR message Bundle into struct sv_message, and an acknowledgement
 * into struct sv_msg_ack (see message_fhir.h). Every problem names its FHIRPath. */
#include "samsvar/message_fhir.h"
#include "samsvar/iplos.h"
#include "samsvar/jsonutil.h"
#include "samsvar/systems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct reader {
	const cJSON *entries;
	const char *base;
	struct sv_message *m;
	struct sv_error *err;
	char *score_sys, *qual_sys;
};

static char *dup(const char *s)
{
	return s ? sv_xstrndup(s, strlen(s) > SV_MSG_MAX_TEXT ? SV_MSG_MAX_TEXT : strlen(s)) : NULL;
}

static const cJSON *resource_at(const cJSON *entries, int i)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(entries, i), "resource");
}

static int is_type(const cJSON *r, const char *type)
{
	const char *t = sv_jstr(r, "resourceType");
	return t && strcmp(t, type) == 0;
}

/* The resource whose entry fullUrl is the reference of `ref` (a Reference object), or NULL. */
static const cJSON *resolve(const struct reader *r, const cJSON *ref)
{
	const char *target = sv_jstr(ref, "reference");
	const cJSON *e;

	cJSON_ArrayForEach(e, r->entries) {
		const char *url = sv_jstr(e, "fullUrl");
		if (target && url && strcmp(url, target) == 0)
			return cJSON_GetObjectItemCaseSensitive(e, "resource");
	}
	return NULL;
}

/* The value of the first identifier of `res` in `system`, or NULL. */
static const char *ident(const cJSON *res, const char *system)
{
	const cJSON *id;

	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(res, "identifier")) {
		const char *s = sv_jstr(id, "system");
		if (s && strcmp(s, system) == 0)
			return sv_jstr(id, "value");
	}
	return NULL;
}

static enum sv_err read_org(struct reader *r, const cJSON *ref, const char *where, struct sv_msg_org *o)
{
	const cJSON *org = resolve(r, ref);

	if (!org || !is_type(org, "Organization"))
		return sv_fail_at(r->err, SV_EINVAL, where, "%s does not resolve to an Organization in the Bundle", where);
	o->name = dup(sv_jstr(org, "name"));
	o->her_id = dup(ident(org, SV_MSG_SYS_HER));
	if (!o->name || !o->her_id)
		return sv_fail_at(r->err, SV_EINVAL, where, "the Organization of %s needs a name and an identifier "
				  "in %s (HER-id)", where, SV_MSG_SYS_HER);
	return SV_OK;
}

enum sv_err sv_message_fhir_read_patient(const cJSON *p, struct sv_msg_patient *pt, struct sv_error *err)
{
	const cJSON *name;
	const char *fnr = ident(p, SV_MSG_SYS_FNR), *dnr = ident(p, SV_MSG_SYS_DNR);

	pt->kind = fnr ? SV_MSG_ID_FNR : SV_MSG_ID_DNR;
	pt->id = dup(fnr ? fnr : dnr);
	if (!pt->id)
		return sv_fail_at(err, SV_EREQUIRED, "Patient.identifier", "the Patient has no identifier in %s "
				  "(fødselsnummer) or %s (D-number)", SV_MSG_SYS_FNR, SV_MSG_SYS_DNR);
	name = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(p, "name"), 0);
	pt->family = dup(sv_jstr(name, "family"));
	pt->given = dup(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(name, "given"), 0)));
	pt->birth_date = dup(sv_jstr(p, "birthDate"));
	return SV_OK;
}

static enum sv_err read_patient(struct reader *r)
{
	const cJSON *p = NULL;
	int n = cJSON_GetArraySize(r->entries);

	for (int i = 0; i < n && !p; i++)
		if (is_type(resource_at(r->entries, i), "Patient"))
			p = resource_at(r->entries, i);
	if (!p)
		return sv_fail_at(r->err, SV_EREQUIRED, "Bundle.entry", "the message has no Patient");
	return sv_message_fhir_read_patient(p, &r->m->patient, r->err);
}

/* Adds the coding to codes[*n] (capped). */
static void add_code(struct sv_msg_code *codes, int *n, const cJSON *c)
{
	if (*n >= SV_MSG_MAX_CODES || !sv_jstr(c, "code"))
		return;
	codes[*n].code = dup(sv_jstr(c, "code"));
	codes[*n].display = dup(sv_jstr(c, "display"));
	(*n)++;
}

static enum sv_err read_observation(struct reader *r, const cJSON *o, int i)
{
	char where[96];
	const cJSON *c;
	const char *var = NULL, *score = NULL, *sys;
	struct sv_msg_item *it;
	long n = -1;
	char *end = NULL;

	snprintf(where, sizeof(where), "Bundle.entry[%d].resource.code", i);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "code"), "coding"))
		if ((sys = sv_jstr(c, "system")) && strcmp(sys, SV_SYS_IPLOS_9111) == 0)
			var = sv_jstr(c, "code");
	if (!var)
		return sv_fail_at(r->err, SV_EINVAL, where, "the Observation has no IPLOS variable (%s)", SV_SYS_IPLOS_9111);
	if (!sv_msg_variable_find(var))
		return sv_fail_at(r->err, SV_EINVAL, where, "%s is not an IPLOS function variable (Volven 9111 has "
				  "codes 1-20)", var);
	for (size_t j = 0; j < r->m->nitems; j++)
		if (strcmp(r->m->items[j].variable, var) == 0)
			return sv_fail_at(r->err, SV_EINVAL, where, "variable %s is given twice", var);
	snprintf(where, sizeof(where), "Bundle.entry[%d].resource.valueCodeableConcept", i);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "valueCodeableConcept"),
							       "coding"))
		if ((sys = sv_jstr(c, "system")) && strcmp(sys, r->score_sys) == 0)
			score = sv_jstr(c, "code");
	if (score && *score)
		n = strtol(score, &end, 10);
	if (!score || !*score || *end || !sv_msg_score_valid((int)n))
		return sv_fail_at(r->err, SV_EINVAL, where, "the score of variable %s is '%s', not an IPLOS score "
				  "(1-5 or 9) in %s", var, score ? score : "", r->score_sys);
	if (!(it = sv_message_add_item(r->m)))   /* variables are distinct, and 9111 has fewer than the cap */
		SV_BUG("more items than IPLOS variables");
	it->variable = dup(var);
	it->score = (int)n;
	it->note = dup(sv_jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "note"), 0), "text"));
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "code"), "coding")) {
		if (!(sys = sv_jstr(c, "system")))
			continue;
		if (strcmp(sys, SV_SYS_ICF) == 0)
			add_code(it->icf, &it->nicf, c);
		else if (strcmp(sys, SV_SYS_SNOMED) == 0)
			add_code(it->sct, &it->nsct, c);
	}
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "valueCodeableConcept"),
							       "coding"))
		if ((sys = sv_jstr(c, "system")) && strcmp(sys, r->qual_sys) == 0 && !it->icf_qualifier)
			it->icf_qualifier = dup(sv_jstr(c, "code"));
	return SV_OK;
}

/* The maps a Provenance names: entity.what.reference "url|version" sorted by the map url. */
static void read_maps(struct reader *r, const cJSON *prov)
{
	const cJSON *e;
	char *icf = sv_iplos_url(r->base, "/ConceptMap/iplos-icf|");
	char *qual = sv_iplos_url(r->base, "/ConceptMap/iplos-score-icf-qualifier|");
	char *sct = sv_iplos_url(r->base, "/ConceptMap/iplos-snomed|");

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(prov, "entity")) {
		const char *ref = sv_jstr(cJSON_GetObjectItemCaseSensitive(e, "what"), "reference");
		if (!ref)
			continue;
		if (strncmp(ref, icf, strlen(icf)) == 0 && !r->m->icf_map)
			r->m->icf_map = dup(ref);
		else if (strncmp(ref, qual, strlen(qual)) == 0 && !r->m->qualifier_map)
			r->m->qualifier_map = dup(ref);
		else if (strncmp(ref, sct, strlen(sct)) == 0 && !r->m->snomed_map)
			r->m->snomed_map = dup(ref);
	}
	free(icf);
	free(qual);
	free(sct);
}

static enum sv_err read_header(struct reader *r, const cJSON *bundle, const cJSON *h)
{
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(h, "eventCoding");
	const cJSON *dest = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(h, "destination"), 0);
	char *sys = sv_iplos_url(r->base, SV_MSG_EVENT_SYSTEM_PATH);
	const char *s = sv_jstr(ev, "system");
	int known = s && strcmp(s, sys) == 0 && sv_msg_event_parse(sv_jstr(ev, "code"), &r->m->event) == 0;
	enum sv_err rc;

	free(sys);
	r->m->id = dup(sv_jstr(h, "id"));
	r->m->gen_date = dup(sv_jstr(bundle, "timestamp"));
	r->m->source_endpoint = dup(sv_jstr(cJSON_GetObjectItemCaseSensitive(h, "source"), "endpoint"));
	r->m->destination_endpoint = dup(sv_jstr(dest, "endpoint"));
	if ((rc = read_org(r, cJSON_GetObjectItemCaseSensitive(h, "sender"), "MessageHeader.sender",
			   &r->m->sender)) != SV_OK ||
	    (rc = read_org(r, cJSON_GetObjectItemCaseSensitive(dest, "receiver"), "MessageHeader.destination.receiver",
			   &r->m->receiver)) != SV_OK)
		return rc;
	if (!r->m->id)
		return sv_fail_at(r->err, SV_EREQUIRED, "MessageHeader.id", "the MessageHeader has no id");
	if (!known)
		return sv_fail_at(r->err, SV_EINVAL, "MessageHeader.eventCoding", "event %s|%s is not one samsvar "
				  "reads", s ? s : "", sv_jstr(ev, "code") ? sv_jstr(ev, "code") : "");
	return SV_OK;
}

/* The Bundle's entries when it is a message Bundle with a MessageHeader first, else NULL with err set. */
static const cJSON *message_entries(const cJSON *bundle, struct sv_error *err)
{
	const char *type = sv_jstr(bundle, "type");
	const cJSON *entries = cJSON_GetObjectItemCaseSensitive(bundle, "entry");

	if (!is_type(bundle, "Bundle") || !type || strcmp(type, "message") != 0)
		return sv_fail_at(err, SV_EINVAL, "Bundle.type", "a FHIR message is a Bundle of type message"), NULL;
	if (!cJSON_IsArray(entries) || !is_type(resource_at(entries, 0), "MessageHeader"))
		return sv_fail_at(err, SV_EINVAL, "Bundle.entry[0]", "the first entry of a message is its "
				  "MessageHeader"), NULL;
	if (cJSON_GetArraySize(entries) > SV_MSG_FHIR_MAX_ENTRIES)
		return sv_fail_at(err, SV_ETOOBIG, "Bundle.entry", "more than %d entries", SV_MSG_FHIR_MAX_ENTRIES), NULL;
	return entries;
}

enum sv_err sv_message_fhir_parse(const cJSON *bundle, const char *base, struct sv_message *out,
				  struct sv_error *err)
{
	struct sv_error local = {0};
	struct reader r = {NULL, base, out, err ? err : &local, NULL, NULL};
	enum sv_err rc;
	int n;

	if (!(r.entries = message_entries(bundle, r.err)))
		return r.err->code;
	r.score_sys = sv_iplos_url(base, SV_SYS_BASE_IPLOS_SCORE);
	r.qual_sys = sv_iplos_url(base, SV_SYS_BASE_ICF_QUALIFIER);
	if ((rc = read_header(&r, bundle, resource_at(r.entries, 0))) != SV_OK || (rc = read_patient(&r)) != SV_OK)
		goto out;
	n = cJSON_GetArraySize(r.entries);
	for (int i = 1; i < n && rc == SV_OK; i++) {
		const cJSON *res = resource_at(r.entries, i);
		if (is_type(res, "Observation"))
			rc = read_observation(&r, res, i);
		else if (is_type(res, "Provenance"))
			read_maps(&r, res);
	}
	if (rc == SV_OK && out->nitems == 0)
		rc = sv_fail_at(r.err, SV_EREQUIRED, "Bundle.entry", "the message has no Observation");
out:
	free(r.score_sys);
	free(r.qual_sys);
	return rc;
}

enum sv_err sv_message_fhir_read_ack(const cJSON *bundle, struct sv_msg_ack *out, struct sv_error *err)
{
	const cJSON *entries = message_entries(bundle, err), *h, *resp, *e;
	const char *code;

	if (!entries)
		return err ? err->code : SV_EINVAL;
	h = resource_at(entries, 0);
	resp = cJSON_GetObjectItemCaseSensitive(h, "response");
	out->id = dup(sv_jstr(h, "id"));
	out->request_id = dup(sv_jstr(resp, "identifier"));
	code = sv_jstr(resp, "code");
	if (!resp || !out->request_id)
		return sv_fail_at(err, SV_EINVAL, "MessageHeader.response", "the message is not an acknowledgement "
				  "(no MessageHeader.response.identifier)");
	if (!code || (strcmp(code, "ok") != 0 && strcmp(code, "transient-error") != 0 &&
		      strcmp(code, "fatal-error") != 0))
		return sv_fail_at(err, SV_EINVAL, "MessageHeader.response.code", "response.code '%s' is not ok, "
				  "transient-error or fatal-error", code ? code : "");
	out->code = dup(code);
	cJSON_ArrayForEach(e, entries) {
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "resource");
		if (is_type(res, "OperationOutcome") && !out->detail)
			out->detail = dup(sv_jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(res, "issue"), 0),
						  "diagnostics"));
	}
	return SV_OK;
}

void sv_msg_ack_release(struct sv_msg_ack *a)
{
	free(a->id);
	free(a->request_id);
	free(a->code);
	free(a->detail);
	memset(a, 0, sizeof(*a));
}
