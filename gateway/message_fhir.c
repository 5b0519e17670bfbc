/* message_fhir.c — a function report as a FHIR R4 message Bundle, and the acknowledgement
 * (see message_fhir.h). Codings are made with sv_coding_new() as $assess makes them. */
#include "samsvar/message_fhir.h"
#include "samsvar/iplos.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/systems.h"
#include "samsvar/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HL7CS "http://terminology.hl7.org/CodeSystem/"

static const char *const EVENT_DISPLAY[SV_MSG_NEVENTS] = {
	"PLO Innleggelsesrapport (function data at admission)",
	"PLO Helseopplysninger (function data with an application for services)",
	"Function report (IPLOS, ICF and SNOMED CT)",
};

/* Appends {fullUrl, resource} to the Bundle's entry array and returns the resource. */
static cJSON *add_entry(cJSON *entries, const char *full_url, cJSON *resource)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "fullUrl", full_url);
	cJSON_AddItemToObject(e, "resource", resource);
	cJSON_AddItemToArray(entries, e);
	return resource;
}

static cJSON *resource_new(const char *type)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "resourceType", type);
	return r;
}

static void add_ref(cJSON *o, const char *name, const char *urn)
{
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, name), "reference", urn);
}

static cJSON *identifier(const char *system, const char *value)
{
	cJSON *id = cJSON_CreateObject();

	cJSON_AddStringToObject(id, "system", system);
	cJSON_AddStringToObject(id, "value", value);
	return id;
}

static cJSON *organization(const struct sv_msg_org *o)
{
	cJSON *r = resource_new("Organization");

	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "identifier"), identifier(SV_MSG_SYS_HER, o->her_id));
	cJSON_AddStringToObject(r, "name", o->name);
	return r;
}

static cJSON *patient(const struct sv_msg_patient *p)
{
	cJSON *r = resource_new("Patient");

	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "identifier"),
			     identifier(p->kind == SV_MSG_ID_FNR ? SV_MSG_SYS_FNR : SV_MSG_SYS_DNR, p->id));
	if (p->family || p->given) {
		cJSON *name = cJSON_CreateObject();
		if (p->family)
			cJSON_AddStringToObject(name, "family", p->family);
		if (p->given)
			cJSON_AddItemToArray(cJSON_AddArrayToObject(name, "given"), cJSON_CreateString(p->given));
		cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "name"), name);
	}
	if (p->birth_date)
		cJSON_AddStringToObject(r, "birthDate", p->birth_date);
	return r;
}

static cJSON *observation(const struct sv_msg_item *it, const char *base, const char *patient_urn)
{
	cJSON *r = resource_new("Observation"), *code, *codings, *value, *vcodings, *cat;
	char *score_sys = sv_iplos_url(base, SV_SYS_BASE_IPLOS_SCORE), *qual_sys = sv_iplos_url(base, SV_SYS_BASE_ICF_QUALIFIER);
	const struct sv_msg_variable *var = sv_msg_variable_find(it->variable);
	char score[8];

	snprintf(score, sizeof(score), "%d", it->score);
	cJSON_AddStringToObject(r, "status", "final");
	cat = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cat, "coding"),
			     sv_coding_new(HL7CS "observation-category", NULL, "survey", "Survey"));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "category"), cat);
	code = cJSON_AddObjectToObject(r, "code");
	codings = cJSON_AddArrayToObject(code, "coding");
	cJSON_AddItemToArray(codings, sv_coding_new(SV_SYS_IPLOS_9111, NULL, var->code, var->display));
	for (int k = 0; k < it->nicf; k++)
		cJSON_AddItemToArray(codings, sv_coding_new(SV_SYS_ICF, NULL, it->icf[k].code, it->icf[k].display));
	for (int k = 0; k < it->nsct; k++)
		cJSON_AddItemToArray(codings, sv_coding_new(SV_SYS_SNOMED, NULL, it->sct[k].code, it->sct[k].display));
	cJSON_AddStringToObject(code, "text", var->display);
	add_ref(r, "subject", patient_urn);
	value = cJSON_AddObjectToObject(r, "valueCodeableConcept");
	vcodings = cJSON_AddArrayToObject(value, "coding");
	cJSON_AddItemToArray(vcodings, sv_coding_new(score_sys, NULL, score, NULL));
	if (it->icf_qualifier)
		cJSON_AddItemToArray(vcodings, sv_coding_new(qual_sys, NULL, it->icf_qualifier, NULL));
	if (it->note) {
		cJSON *note = cJSON_CreateObject();
		cJSON_AddStringToObject(note, "text", it->note);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "note"), note);
	}
	free(score_sys);
	free(qual_sys);
	return r;
}

static cJSON *event_coding(enum sv_msg_event ev, const char *base)
{
	char *sys = sv_iplos_url(base, SV_MSG_EVENT_SYSTEM_PATH);
	cJSON *c = sv_coding_new(sys, NULL, sv_msg_event_code(ev), EVENT_DISPLAY[ev]);

	free(sys);
	return c;
}

static void add_map(cJSON *entities, const char *map)
{
	cJSON *e, *what;

	if (!map)
		return;
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "role", "source");
	what = cJSON_AddObjectToObject(e, "what");
	cJSON_AddStringToObject(what, "reference", map);
	cJSON_AddStringToObject(what, "type", "ConceptMap");
	cJSON_AddItemToArray(entities, e);
}

static cJSON *provenance(const struct sv_message *m, const char *header_urn, const char *sender_urn)
{
	cJSON *r = resource_new("Provenance"), *agent = cJSON_CreateObject(), *entities;

	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "target"), cJSON_CreateObject());
	cJSON_AddStringToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "target"), 0), "reference", header_urn);
	cJSON_AddStringToObject(r, "recorded", m->gen_date);
	add_ref(agent, "who", sender_urn);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "agent"), agent);
	entities = cJSON_AddArrayToObject(r, "entity");
	add_map(entities, m->icf_map);
	add_map(entities, m->qualifier_map);
	add_map(entities, m->snomed_map);
	add_map(entities, m->relations_map);
	if (cJSON_GetArraySize(entities) == 0)
		cJSON_DeleteItemFromObject(r, "entity");
	return r;
}

/* The urn an assessment's reference names in the message: an Observation of the assessment becomes
 * the message's Observation of the same variable; other urns (its Conditions) stay as they are. */
struct relink {
	const cJSON *assessment;
	const struct sv_message *m;
	char (*obs)[SV_UUID_URN_SIZE];    /* the message's Observation urn of each item */
};

static const char *relinked(const struct relink *l, const char *urn)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(l->assessment, "entry")) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource"), *c;
		const char *full = sv_jstr(e, "fullUrl"), *type = sv_jstr(r, "resourceType");
		if (!full || strcmp(full, urn) != 0 || !type || strcmp(type, "Observation") != 0)
			continue;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "code"),
								       "coding")) {
			if (!sv_jstr(c, "system") || strcmp(sv_jstr(c, "system"), SV_SYS_IPLOS_9111) != 0)
				continue;
			for (size_t i = 0; i < l->m->nitems; i++)
				if (sv_jstr(c, "code") && strcmp(l->m->items[i].variable, sv_jstr(c, "code")) == 0)
					return l->obs[i];
		}
		SV_BUG("an assessed Observation has no item in the message");
	}
	return urn;
}

/* Points every reference under `node` at the message's resources (see relinked()). */
static void relink_refs(const struct relink *l, cJSON *node)
{
	cJSON *c;

	cJSON_ArrayForEach(c, node) {
		if (cJSON_IsString(c) && c->string && strcmp(c->string, "reference") == 0)
			cJSON_SetValuestring(c, relinked(l, c->valuestring));
		else if (cJSON_IsObject(c) || cJSON_IsArray(c))
			relink_refs(l, c);
	}
}

/* Adds the Conditions and the CarePlan of m->assessment, their subject the message's Patient and their
 * Observations the message's, and names them in the MessageHeader's focus. The assessment's own
 * Observations (the message has them already) and its OperationOutcome of missing variables stay out. */
static void add_assessment(const struct sv_message *m, cJSON *entries, cJSON *focus, char (*obs)[SV_UUID_URN_SIZE],
			   const char *patient_urn)
{
	struct relink l = {m->assessment, m, obs};
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(m->assessment, "entry")) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource");
		const char *type = sv_jstr(r, "resourceType"), *full = sv_jstr(e, "fullUrl");
		cJSON *copy, *ref;
		if (!type || !full || (strcmp(type, "Condition") != 0 && strcmp(type, "CarePlan") != 0))
			continue;
		copy = cJSON_Duplicate(r, 1);
		relink_refs(&l, copy);
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "subject");
		add_ref(copy, "subject", patient_urn);
		add_entry(entries, full, copy);
		ref = cJSON_CreateObject();
		cJSON_AddStringToObject(ref, "reference", full);
		cJSON_AddItemToArray(focus, ref);
	}
}

/* A FHIR id: 1-64 of [A-Za-z0-9-.]. */
static int fhir_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

/* An instant needs a time zone: "...Z" or "...+hh:mm" / "...-hh:mm" after the time. */
static int has_zone(const char *s)
{
	size_t n = strlen(s);

	return n >= 20 && s[10] == 'T' &&
	       (s[n - 1] == 'Z' || (n >= 25 && (s[n - 6] == '+' || s[n - 6] == '-') && s[n - 3] == ':'));
}

static enum sv_err check_fhir(const struct sv_message *m, struct sv_error *err)
{
	enum sv_err rc = sv_message_validate(m, err);

	if (rc != SV_OK)
		return rc;
	if (!m->source_endpoint || !*m->source_endpoint)
		return sv_fail_at(err, SV_EREQUIRED, "source.endpoint", "a FHIR message needs source.endpoint "
				  "(where the acknowledgement goes)");
	if (!m->destination_endpoint || !*m->destination_endpoint)
		return sv_fail_at(err, SV_EREQUIRED, "destination.endpoint", "a FHIR message needs destination.endpoint");
	if (!fhir_id_ok(m->id))
		return sv_fail_at(err, SV_EINVAL, "id", "message id '%s' is not a FHIR id (1-64 of A-Z a-z 0-9 - .)",
				  m->id);
	if (!has_zone(m->gen_date))
		return sv_fail_at(err, SV_EINVAL, "genDate", "'%s' is not an instant with a time zone", m->gen_date);
	return SV_OK;
}

cJSON *sv_message_fhir_build(const struct sv_message *m, const char *base, struct sv_error *err)
{
	char hdr[SV_UUID_URN_SIZE], snd[SV_UUID_URN_SIZE], rcv[SV_UUID_URN_SIZE], pat[SV_UUID_URN_SIZE];
	char obs[SV_MSG_MAX_ITEMS][SV_UUID_URN_SIZE], prov[SV_UUID_URN_SIZE];
	cJSON *bundle, *entries, *h, *dest, *src, *focus;

	if (check_fhir(m, err) != SV_OK)
		return NULL;
	sv_uuid_urn(hdr, sizeof(hdr));
	sv_uuid_urn(snd, sizeof(snd));
	sv_uuid_urn(rcv, sizeof(rcv));
	sv_uuid_urn(pat, sizeof(pat));
	sv_uuid_urn(prov, sizeof(prov));
	bundle = resource_new("Bundle");
	cJSON_AddStringToObject(bundle, "type", "message");
	cJSON_AddStringToObject(bundle, "timestamp", m->gen_date);
	entries = cJSON_AddArrayToObject(bundle, "entry");
	h = add_entry(entries, hdr, resource_new("MessageHeader"));
	cJSON_AddStringToObject(h, "id", m->id);
	cJSON_AddItemToObject(h, "eventCoding", event_coding(m->event, base));
	dest = cJSON_CreateObject();
	cJSON_AddStringToObject(dest, "name", m->receiver.name);
	cJSON_AddStringToObject(dest, "endpoint", m->destination_endpoint);
	add_ref(dest, "receiver", rcv);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(h, "destination"), dest);
	add_ref(h, "sender", snd);
	src = cJSON_AddObjectToObject(h, "source");
	cJSON_AddStringToObject(src, "name", m->sender.name);
	cJSON_AddStringToObject(src, "software", "samsvar");
	cJSON_AddStringToObject(src, "endpoint", m->source_endpoint);
	focus = cJSON_AddArrayToObject(h, "focus");
	add_entry(entries, snd, organization(&m->sender));
	add_entry(entries, rcv, organization(&m->receiver));
	add_entry(entries, pat, patient(&m->patient));
	for (size_t i = 0; i < m->nitems; i++) {
		cJSON *ref = cJSON_CreateObject();
		sv_uuid_urn(obs[i], sizeof(obs[i]));
		add_entry(entries, obs[i], observation(&m->items[i], base, pat));
		cJSON_AddStringToObject(ref, "reference", obs[i]);
		cJSON_AddItemToArray(focus, ref);
	}
	if (m->assessment)
		add_assessment(m, entries, focus, obs, pat);
	add_entry(entries, prov, provenance(m, hdr, snd));
	return bundle;
}

static cJSON *outcome(const struct sv_error *problem)
{
	cJSON *r = resource_new("OperationOutcome"), *issue = cJSON_CreateObject();

	cJSON_AddStringToObject(issue, "severity", "error");
	cJSON_AddStringToObject(issue, "code", sv_err_issue_code(problem->code));
	cJSON_AddStringToObject(issue, "diagnostics", problem->message[0] ? problem->message : sv_strerror(problem->code));
	if (problem->expression[0])
		cJSON_AddItemToArray(cJSON_AddArrayToObject(issue, "expression"),
				     cJSON_CreateString(problem->expression));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "issue"), issue);
	return r;
}

cJSON *sv_message_fhir_ack(const struct sv_message *m, const char *ack_id, const char *timestamp, const char *base,
			   const char *own_endpoint, const struct sv_error *problem, struct sv_error *err)
{
	char hdr[SV_UUID_URN_SIZE], oo[SV_UUID_URN_SIZE];
	cJSON *bundle, *entries, *h, *dest, *resp;

	if (!m->id || !fhir_id_ok(m->id))
		return sv_fail_at(err, SV_EINVAL, "id", "the message has no id an acknowledgement can name"), NULL;
	if (!ack_id || !fhir_id_ok(ack_id) || !timestamp || !has_zone(timestamp) || !own_endpoint || !*own_endpoint)
		SV_BUG("acknowledgement without a FHIR id, an instant or an endpoint");
	sv_uuid_urn(hdr, sizeof(hdr));
	sv_uuid_urn(oo, sizeof(oo));
	bundle = resource_new("Bundle");
	cJSON_AddStringToObject(bundle, "type", "message");
	cJSON_AddStringToObject(bundle, "timestamp", timestamp);
	entries = cJSON_AddArrayToObject(bundle, "entry");
	h = add_entry(entries, hdr, resource_new("MessageHeader"));
	cJSON_AddStringToObject(h, "id", ack_id);
	cJSON_AddItemToObject(h, "eventCoding", event_coding((unsigned)m->event < SV_MSG_NEVENTS ? m->event :
							       SV_MSG_FUNCTION_REPORT, base));
	if (m->source_endpoint && *m->source_endpoint) {   /* unknown when the message could not be read */
		dest = cJSON_CreateObject();
		cJSON_AddStringToObject(dest, "endpoint", m->source_endpoint);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(h, "destination"), dest);
	}
	cJSON_AddStringToObject(cJSON_AddObjectToObject(h, "source"), "endpoint", own_endpoint);
	resp = cJSON_AddObjectToObject(h, "response");
	cJSON_AddStringToObject(resp, "identifier", m->id);
	cJSON_AddStringToObject(resp, "code", problem ? "fatal-error" : "ok");
	if (problem) {
		add_ref(resp, "details", oo);
		add_entry(entries, oo, outcome(problem));
	}
	return bundle;
}
