/* op_message.c — POST /fhir/$send-message (a function report into the outbox) and
 * POST /fhir/$process-message (a FHIR message received into the inbox, answered with its
 * acknowledgement). The store, formats and delivery are below: outbox.h, msgwire.h, deliver.h. */
#include "samsvar/fhirapi.h"
#include "samsvar/fhirxml.h"
#include "samsvar/iplos.h"
#include "samsvar/jsonbody.h"
#include "samsvar/jsonutil.h"
#include "samsvar/message.h"
#include "samsvar/message_fhir.h"
#include "samsvar/msgwire.h"
#include "samsvar/outbox.h"
#include "samsvar/params.h"
#include "samsvar/store_message.h"
#include "samsvar/uuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A message id the client chooses: a FHIR id, which is also a valid KITH MsgId. */
static int is_message_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

static enum sv_err need_outbox(struct sv_request *req)
{
	if (!req->outbox)
		return sv_fail(&req->err, SV_ENOTSUPPORTED, "this server does not exchange messages");
	return SV_OK;
}

/* Reads one `item` parameter (parts variable: valueCoding in 9111, score: valueInteger, note:
 * valueString) into a new item of m. */
static enum sv_err read_item(const cJSON *p, int idx, struct sv_message *m, struct sv_error *err)
{
	const cJSON *var = sv_params_get(p, "variable"), *score = sv_params_get(p, "score"), *part;
	const cJSON *vc = cJSON_GetObjectItemCaseSensitive(var, "valueCoding");
	const cJSON *vi = cJSON_GetObjectItemCaseSensitive(score, "valueInteger");
	struct sv_msg_item *it;
	char where[64];

	cJSON_ArrayForEach(part, cJSON_GetObjectItemCaseSensitive(p, "part")) {
		const char *name = sv_jstr(part, "name");
		if (!name || (strcmp(name, "variable") && strcmp(name, "score") && strcmp(name, "note"))) {
			snprintf(where, sizeof(where), "item[%d]", idx);
			return sv_fail_at(err, SV_EINVAL, where, "item[%d]: unknown part '%.40s' (expected variable, "
					  "score, note)", idx, name ? name : "");
		}
	}
	snprintf(where, sizeof(where), "item[%d].variable", idx);
	if (!sv_jstr(vc, "code") || !sv_jstr(vc, "system") || strcmp(sv_jstr(vc, "system"), SV_IPLOS_VARIABLES) != 0)
		return sv_fail_at(err, SV_EINVAL, where, "%s must be a valueCoding in %s (IPLOS function variable)",
				  where, SV_IPLOS_VARIABLES);
	snprintf(where, sizeof(where), "item[%d].score", idx);
	if (!cJSON_IsNumber(vi) || vi->valuedouble != (double)vi->valueint)
		return sv_fail_at(err, SV_EINVAL, where, "%s must be a valueInteger 1-5 or 9", where);
	if (!(it = sv_message_add_item(m))) {
		snprintf(where, sizeof(where), "item[%d]", idx);
		return sv_fail_at(err, SV_ETOOBIG, where, "more than %d items", SV_MSG_MAX_ITEMS);
	}
	sv_msg_set(&it->variable, sv_jstr(vc, "code"));
	it->score = vi->valueint;
	sv_msg_set(&it->note, sv_params_string(p, "note"));
	return SV_OK;
}

/* Reads Observation `o` (code: a 9111 coding; value: valueInteger or a coding in the IPLOS score system;
 * note[0].text) at Bundle entry `idx` into a new item of m. */
static enum sv_err read_observation(const cJSON *o, int idx, const char *score_system, struct sv_message *m,
				    struct sv_error *err)
{
	const cJSON *c, *var = NULL, *vi = cJSON_GetObjectItemCaseSensitive(o, "valueInteger");
	const cJSON *note = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "note"), 0);
	struct sv_msg_item *it;
	char where[96];
	int score = -1;

	snprintf(where, sizeof(where), "observations.entry[%d].resource", idx);
	if (!sv_jstr(o, "resourceType") || strcmp(sv_jstr(o, "resourceType"), "Observation") != 0)
		return sv_fail_at(err, SV_EINVAL, where, "%s is not an Observation", where);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "code"), "coding"))
		if (sv_jstr(c, "system") && strcmp(sv_jstr(c, "system"), SV_IPLOS_VARIABLES) == 0)
			var = c;
	if (!var || !sv_jstr(var, "code"))
		return sv_fail_at(err, SV_EINVAL, where, "%s.code has no coding in %s (IPLOS function variable)",
				  where, SV_IPLOS_VARIABLES);
	if (cJSON_IsNumber(vi) && vi->valuedouble == (double)vi->valueint)
		score = vi->valueint;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o,
				"valueCodeableConcept"), "coding")) {
		const char *code = sv_jstr(c, "code");
		if (sv_jstr(c, "system") && strcmp(sv_jstr(c, "system"), score_system) == 0 && code &&
		    strlen(code) == 1 && code[0] >= '0' && code[0] <= '9')
			score = code[0] - '0';
	}
	if (score < 0)
		return sv_fail_at(err, SV_EINVAL, where, "%s needs valueInteger 1-5 or 9, or a valueCodeableConcept "
				  "in %s", where, score_system);
	if (!(it = sv_message_add_item(m)))
		return sv_fail_at(err, SV_ETOOBIG, where, "more than %d items", SV_MSG_MAX_ITEMS);
	sv_msg_set(&it->variable, sv_jstr(var, "code"));
	it->score = score;
	sv_msg_set(&it->note, sv_jstr(note, "text"));
	return SV_OK;
}

/* The items of an `observations` Bundle. */
static enum sv_err read_observations(const cJSON *bundle, const char *base, struct sv_message *m,
				     struct sv_error *err)
{
	const cJSON *e;
	char score_system[300];
	int idx = 0;
	enum sv_err rc;

	if (!sv_jstr(bundle, "resourceType") || strcmp(sv_jstr(bundle, "resourceType"), "Bundle") != 0)
		return sv_fail_at(err, SV_EINVAL, "observations", "observations must be a Bundle of Observations");
	snprintf(score_system, sizeof(score_system), "%s/CodeSystem/iplos-score", base);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(bundle, "entry"))
		if ((rc = read_observation(cJSON_GetObjectItemCaseSensitive(e, "resource"), idx++, score_system, m,
					   err)) != SV_OK)
			return rc;
	return SV_OK;
}

/* The patient: a Patient resource, or a reference carrying its identifier (fødselsnummer or D-number). */
static enum sv_err read_patient_param(const cJSON *p, struct sv_message *m, struct sv_error *err)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(p, "resource");
	const cJSON *ident = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "valueReference"),
							      "identifier");
	const char *sys = sv_jstr(ident, "system");
	enum sv_err rc;

	if (ident) {
		if (!sys || !sv_jstr(ident, "value") || (strcmp(sys, SV_MSG_SYS_FNR) != 0 && strcmp(sys, SV_MSG_SYS_DNR) != 0))
			return sv_fail_at(err, SV_EINVAL, "patient", "patient.identifier needs a value in %s "
					  "(fødselsnummer) or %s (D-number)", SV_MSG_SYS_FNR, SV_MSG_SYS_DNR);
		m->patient.kind = strcmp(sys, SV_MSG_SYS_FNR) == 0 ? SV_MSG_ID_FNR : SV_MSG_ID_DNR;
		sv_msg_set(&m->patient.id, sv_jstr(ident, "value"));
		return SV_OK;
	}
	if (!res)
		return sv_fail_at(err, SV_EREQUIRED, "patient", "patient must be a Patient resource or a reference "
				  "with an identifier");
	if (!sv_jstr(res, "resourceType") || strcmp(sv_jstr(res, "resourceType"), "Patient") != 0)
		return sv_fail_at(err, SV_EINVAL, "patient", "patient must be a Patient resource");
	if ((rc = sv_message_fhir_read_patient(res, &m->patient, err)) != SV_OK && err)
		snprintf(err->expression, sizeof(err->expression), "patient");
	return rc;
}

static enum sv_err read_sender(const cJSON *org, struct sv_msg_org *o, struct sv_error *err)
{
	const cJSON *id;

	if (!cJSON_IsObject(org) || !sv_jstr(org, "resourceType") || strcmp(sv_jstr(org, "resourceType"),
									    "Organization") != 0)
		return sv_fail_at(err, SV_EINVAL, "sender", "sender must be an Organization resource");
	sv_msg_set(&o->name, sv_jstr(org, "name"));
	cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(org, "identifier"))
		if (sv_jstr(id, "system") && strcmp(sv_jstr(id, "system"), SV_MSG_SYS_HER) == 0)
			sv_msg_set(&o->her_id, sv_jstr(id, "value"));
	if (!o->name || !o->her_id)
		return sv_fail_at(err, SV_EINVAL, "sender", "sender needs a name and an identifier in %s (HER-id)",
				  SV_MSG_SYS_HER);
	return SV_OK;
}

/* Reads the $send-message Parameters into *m and finds the receiver. */
static enum sv_err read_send(struct sv_request *req, struct sv_message *m, const struct sv_receiver **r)
{
	const struct sv_config *cfg = sv_outbox_config(req->outbox);
	const cJSON *p;
	const char *s;
	int nitem = 0;
	enum sv_err rc;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		static const char *const KNOWN[] = {"receiver", "event", "patient", "item", "observations", "sender",
						    "messageId", "admitted", "assess"};
		const char *name = sv_jstr(p, "name");
		size_t k = 0;
		while (k < sizeof(KNOWN) / sizeof(KNOWN[0]) && strcmp(name, KNOWN[k]) != 0)
			k++;
		if (k == sizeof(KNOWN) / sizeof(KNOWN[0]))
			return sv_fail_at(&req->err, SV_EINVAL, name, "unknown parameter '%.60s' (expected receiver, "
					  "event, patient, item or observations, sender, messageId, admitted, assess)", name);
		if (strcmp(name, "item") == 0 && (rc = read_item(p, nitem++, m, &req->err)) != SV_OK)
			return rc;
		if (strcmp(name, "item") != 0 && sv_params_count(req->params, name) > 1)
			return sv_fail_at(&req->err, SV_EINVAL, name, "%s is given more than once", name);
	}
	if (!(s = sv_params_string(req->params, "receiver")))
		return sv_fail_at(&req->err, SV_EREQUIRED, "receiver", "receiver (an id of the receiver directory) "
				  "is required");
	if (!(*r = sv_receivers_find(sv_outbox_receivers(req->outbox), s)))
		return sv_fail_at(&req->err, SV_EINVAL, "receiver", "receiver '%.64s' is not in the receiver "
				  "directory", s);
	if (!(s = sv_params_string(req->params, "event")))
		return sv_fail_at(&req->err, SV_EREQUIRED, "event", "event is required (plo-innleggelsesrapport, "
				  "plo-helseopplysninger or function-report)");
	if (sv_msg_event_parse(s, &m->event) != 0)
		return sv_fail_at(&req->err, SV_EINVAL, "event", "event '%.64s' is not plo-innleggelsesrapport, "
				  "plo-helseopplysninger or function-report", s);
	if (!(p = sv_params_get(req->params, "patient")))
		return sv_fail_at(&req->err, SV_EREQUIRED, "patient", "patient (a Patient resource) is required");
	if ((rc = read_patient_param(p, m, &req->err)) != SV_OK)
		return rc;
	if ((p = sv_params_get(req->params, "observations")) != NULL) {
		if (nitem)
			return sv_fail_at(&req->err, SV_EINVAL, "observations", "give the function data as item "
					  "parts or as observations, not both");
		if ((rc = read_observations(cJSON_GetObjectItemCaseSensitive(p, "resource"), cfg->canonical_base, m,
					    &req->err)) != SV_OK)
			return rc;
	}
	if ((p = sv_params_get(req->params, "sender")) != NULL) {
		if ((rc = read_sender(cJSON_GetObjectItemCaseSensitive(p, "resource"), &m->sender, &req->err)) != SV_OK)
			return rc;
	} else {
		if (!cfg->own_name[0] || !cfg->own_her_id[0])
			return sv_fail_at(&req->err, SV_EREQUIRED, "sender", "no sender given and none configured "
					  "(own_name, own_her_id)");
		sv_msg_set(&m->sender.name, cfg->own_name);
		sv_msg_set(&m->sender.her_id, cfg->own_her_id);
	}
	sv_msg_set(&m->receiver.name, (*r)->name);
	sv_msg_set(&m->receiver.her_id, (*r)->her_id);
	sv_msg_set(&m->admitted, sv_params_string(req->params, "admitted"));
	if ((s = sv_params_string(req->params, "messageId")) != NULL) {
		if (!is_message_id(s))
			return sv_fail_at(&req->err, SV_EINVAL, "messageId", "messageId must be 1-64 of A-Z a-z 0-9 - .");
		sv_msg_set(&m->id, s);
	} else {
		char urn[64];
		sv_uuid_urn(urn, sizeof(urn));
		sv_msg_set(&m->id, urn + 9);
	}
	return SV_OK;
}

/* The answer of a queued message: Parameters {id, status}. */
static char *queued_answer(const char *id)
{
	cJSON *p = sv_params_new();
	char *s;

	sv_params_add(p, "id", "Id", id);
	sv_params_add(p, "status", "Code", "queued");
	s = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	return s;
}

/* The stored answer of an earlier request with the same messageId, as a new cJSON, or NULL. */
static cJSON *earlier_answer(struct sv_request *req, const char *id)
{
	struct sv_store_msg old = {0};
	struct sv_store *st = sv_outbox_lock(req->outbox);
	cJSON *a = NULL;

	if (sv_store_msg_get(st, "out", id, 0, &old, NULL) == SV_OK && old.answer)
		a = cJSON_Parse(old.answer);
	sv_outbox_unlock(req->outbox);
	sv_store_msg_release(&old);
	return a;
}

enum sv_err sv_op_send_message(struct sv_request *req, cJSON **out, int *status)
{
	const struct sv_config *cfg;
	const struct sv_receiver *r = NULL;
	struct sv_message m = {0};
	struct sv_store_msg row = {0}, old = {0};
	struct sv_msgwire_self self;
	char ts[32], endpoint[600], *bytes = NULL, *answer = NULL;
	size_t len = 0;
	int dup = 0, assess = 0;
	enum sv_err rc;

	if ((rc = need_outbox(req)) != SV_OK)
		return rc;
	cfg = sv_outbox_config(req->outbox);
	if (!req->params || req->params != req->body) {
		rc = sv_fail_at(&req->err, SV_EREQUIRED, "Parameters", "$send-message takes a Parameters body "
				"(receiver, event, patient, item ...)");
		goto out;
	}
	if ((rc = read_send(req, &m, &r)) != SV_OK ||
	    (rc = sv_params_bool(req->params, "assess", 0, &assess, &req->err)) != SV_OK)
		goto out;
	/* The same messageId again: the first answer, without building anything. */
	if ((*out = earlier_answer(req, m.id)) != NULL) {
		rc = SV_OK;
		goto answered;
	}
	sv_now_iso(ts, sizeof(ts));
	sv_msg_set(&m.gen_date, ts);
	if (r->format != SV_RECV_KITH) {
		sv_outbox_self(req->outbox, &self, endpoint, sizeof(endpoint));
		sv_msg_set(&m.source_endpoint, self.endpoint);
		sv_msg_set(&m.destination_endpoint, r->endpoint);
		if ((rc = sv_message_fill_codes(req->snap, cfg->canonical_base, &m, &req->err)) != SV_OK)
			goto out;
		if (assess && (rc = sv_message_assess(req->snap, cfg->canonical_base, &m, &req->err)) != SV_OK)
			goto out;
	} else if (assess) {
		/* Said, not dropped: PLO 1.6 has no place for Conditions or a care plan. */
		rc = sv_fail_at(&req->err, SV_EINVAL, "assess", "receiver '%s' takes KITH PLO messages, which carry "
				"no Conditions or CarePlan: send assess to a fhir-json or fhir-xml receiver", r->id);
		goto out;
	}
	if ((rc = sv_message_validate(&m, &req->err)) != SV_OK ||
	    (rc = sv_msgwire_encode(&m, r->format, cfg->canonical_base, &bytes, &len, &req->err)) != SV_OK)
		goto out;
	answer = queued_answer(m.id);
	snprintf(row.direction, sizeof(row.direction), "out");
	row.id = m.id;
	row.event = (char *)sv_msg_event_code(m.event);
	row.peer = r->id;
	row.peer_name = r->name;
	row.status = "queued";
	row.media = (char *)sv_recv_format_media(r->format);
	row.content = bytes;
	row.content_len = len;
	row.answer = answer;
	rc = sv_store_msg_add(sv_outbox_lock(req->outbox), &row, sv_auth_actor(req->who), &old, &dup, &req->err);
	sv_outbox_unlock(req->outbox);
	if (rc != SV_OK)
		goto out;
	*out = cJSON_Parse(dup && old.answer ? old.answer : answer);
	if (!*out)
		SV_BUG("a stored $send-message answer is not JSON");
	if (!dup)
		sv_outbox_notify(req->outbox);
answered:
	*status = 202;
	sv_resp_header_set(req->headers, "Content-Location", "/messages/%s", m.id);
out:
	sv_store_msg_release(&old);
	sv_message_release(&m);
	free(bytes);
	free(answer);
	return rc;
}

/* An acknowledgement's bytes as a resource the exchange renders in the format the client asks for. */
static cJSON *ack_resource(const char *bytes, size_t len, int xml, struct sv_error *err)
{
	struct sv_body body = {0};
	cJSON *res;

	if (xml)
		return sv_fhirxml_to_json(bytes, len, err);
	if (!sv_jsonbody_parse(bytes, len, SV_MSG_MAX_NODES, &body, err))
		return NULL;
	res = cJSON_Duplicate(body.json, 1);
	sv_body_release(&body);
	return res;
}

enum sv_err sv_op_process_message(struct sv_request *req, cJSON **out, int *status)
{
	const char *media = NULL;
	char *ack = NULL;
	size_t ack_len = 0;
	enum sv_err rc;

	(void)status;
	if ((rc = need_outbox(req)) != SV_OK)
		return rc;
	if (!req->raw || !req->body || req->params == req->body)
		return sv_fail_at(&req->err, SV_EREQUIRED, "Bundle", "$process-message takes a message Bundle");
	if ((rc = sv_outbox_receive(req->outbox, req->raw_xml ? SV_RECV_FHIR_XML : SV_RECV_FHIR_JSON, req->raw,
				    req->raw_len, sv_auth_actor(req->who), &ack, &ack_len, &media, &req->err)) != SV_OK)
		return rc;
	if (!(*out = ack_resource(ack, ack_len, strstr(media, "xml") != NULL, &req->err)))
		rc = req->err.code ? req->err.code : SV_EINTERNAL;
	free(ack);
	return rc;
}
