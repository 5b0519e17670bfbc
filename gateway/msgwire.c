/* msgwire.c — messages and acknowledgements as bytes (msgwire.h). */
#include "samsvar/msgwire.h"
#include "samsvar/fhirxml.h"
#include "samsvar/jsonbody.h"
#include "samsvar/kith.h"
#include "samsvar/message_fhir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses FHIR bytes into a tree: *body holds a JSON one, the XML one is returned to free by the caller
 * in *xml. Returns the Bundle or NULL with err set. */
static cJSON *fhir_tree(enum sv_recv_format f, const char *bytes, size_t len, struct sv_body *body, cJSON **xml,
			struct sv_error *err)
{
	if (f == SV_RECV_FHIR_JSON)
		return sv_jsonbody_parse(bytes, len, SV_MSG_MAX_NODES, body, err);
	return *xml = sv_fhirxml_to_json_max(bytes, len, SV_MSG_MAX_NODES, err);
}

enum sv_err sv_msgwire_encode(const struct sv_message *m, enum sv_recv_format f, const char *base, char **bytes,
			      size_t *len, struct sv_error *err)
{
	cJSON *bundle;

	*bytes = NULL;
	*len = 0;
	if (f == SV_RECV_KITH) {
		if (!sv_kith_msg_type(m->event))
			return sv_fail_at(err, SV_EINVAL, "event", "event %s has no KITH form: the receiver takes kith "
					  "(send plo-innleggelsesrapport or plo-helseopplysninger)",
					  sv_msg_event_code(m->event));
		return sv_kith_build(m, bytes, len, err);
	}
	if (!(bundle = sv_message_fhir_build(m, base, err)))
		return err ? err->code : SV_EINVAL;
	*bytes = f == SV_RECV_FHIR_JSON ? cJSON_PrintUnformatted(bundle) : sv_fhirxml_from_json(bundle, err);
	cJSON_Delete(bundle);
	if (!*bytes)
		return err && err->code ? err->code : sv_fail(err, SV_EINTERNAL, "the message could not be written");
	*len = strlen(*bytes);
	return SV_OK;
}

void sv_inbound_release(struct sv_inbound *in)
{
	sv_message_release(&in->msg);
	free(in->ack);
	memset(in, 0, sizeof(*in));
}

/* The ack id without its "urn:uuid:" prefix, as AppRec and MessageHeader ids are plain. */
static const char *plain_id(const char *id)
{
	return strncmp(id, "urn:uuid:", 9) == 0 ? id + 9 : id;
}

static enum sv_err receive_kith(const char *bytes, size_t len, const struct sv_msgwire_self *self,
				const char *ack_id, const char *now, struct sv_inbound *in, struct sv_error *err)
{
	enum sv_apprec_error why = SV_APPREC_X99;
	struct sv_apprec a;
	enum sv_err rc;

	rc = sv_kith_parse(bytes, len, &in->msg, &why, &in->problem);
	if (rc == SV_OK && self->her_id && *self->her_id &&
	    (!in->msg.receiver.her_id || strcmp(in->msg.receiver.her_id, self->her_id) != 0)) {
		why = SV_APPREC_E21;
		rc = sv_fail_at(&in->problem, SV_EINVAL, "Receiver", "the receiver HER-id %.20s is not ours (%s)",
				in->msg.receiver.her_id ? in->msg.receiver.her_id : "(none)", self->her_id);
	}
	in->ok = rc == SV_OK;
	sv_apprec_for(&in->msg, plain_id(ack_id), now, in->ok ? SV_APPREC_OK : SV_APPREC_REJECTED, &a);
	/* The AppRec comes from us, whatever the message says our name is. */
	if (self->name && *self->name)
		sv_msg_set(&a.sender.name, self->name);
	if (self->her_id && *self->her_id)
		sv_msg_set(&a.sender.her_id, self->her_id);
	if (!in->ok)
		sv_apprec_add_error(&a, why, in->problem.message);
	rc = sv_apprec_build(&a, &in->ack, &in->ack_len, err);
	sv_apprec_release(&a);
	if (rc != SV_OK) {
		/* Too little was read to address a receipt: the problem itself is the answer. */
		if (!in->ok && err)
			*err = in->problem;
		return in->ok ? rc : in->problem.code;
	}
	in->ack_media = "application/xml; charset=utf-8";
	return SV_OK;
}

static enum sv_err receive_fhir(enum sv_recv_format f, const char *bytes, size_t len,
				const struct sv_msgwire_self *self, const char *ack_id, const char *now,
				struct sv_inbound *in, struct sv_error *err)
{
	struct sv_body body = {0};
	cJSON *bundle, *xml = NULL, *ack = NULL;
	enum sv_err rc;

	if (!(bundle = fhir_tree(f, bytes, len, &body, &xml, err))) {
		rc = err ? err->code : SV_EINVAL;
		goto out;
	}
	rc = sv_message_fhir_parse(bundle, self->base, &in->msg, &in->problem);
	if (rc == SV_OK && self->her_id && *self->her_id &&
	    (!in->msg.receiver.her_id || strcmp(in->msg.receiver.her_id, self->her_id) != 0))
		rc = sv_fail_at(&in->problem, SV_EINVAL, "MessageHeader.destination.receiver", "the receiver HER-id "
				"%.20s is not ours (%s)", in->msg.receiver.her_id ? in->msg.receiver.her_id : "(none)",
				self->her_id);
	in->ok = rc == SV_OK;
	if (!(ack = sv_message_fhir_ack(&in->msg, plain_id(ack_id), now, self->base, self->endpoint,
					in->ok ? NULL : &in->problem, err))) {
		if (!in->ok && err)
			*err = in->problem;
		rc = in->ok ? (err ? err->code : SV_EINVAL) : in->problem.code;
		goto out;
	}
	in->ack = f == SV_RECV_FHIR_JSON ? cJSON_PrintUnformatted(ack) : sv_fhirxml_from_json(ack, err);
	if (!in->ack) {
		rc = sv_fail(err, SV_EINTERNAL, "the acknowledgement could not be written");
		goto out;
	}
	in->ack_len = strlen(in->ack);
	in->ack_media = sv_recv_format_media(f);
	rc = SV_OK;
out:
	cJSON_Delete(ack);
	cJSON_Delete(xml);
	sv_body_release(&body);
	return rc;
}

enum sv_err sv_msgwire_decode(enum sv_recv_format f, const char *bytes, size_t len, const char *base,
			      struct sv_message *m, struct sv_error *err)
{
	enum sv_apprec_error why;
	struct sv_body body = {0};
	cJSON *xml = NULL, *bundle;
	enum sv_err rc;

	if (len > SV_MSG_MAX_BYTES)
		return sv_fail(err, SV_ETOOBIG, "the message is over %u bytes", SV_MSG_MAX_BYTES);
	if (f == SV_RECV_KITH)
		return sv_kith_parse(bytes, len, m, &why, err);
	bundle = fhir_tree(f, bytes, len, &body, &xml, err);
	rc = bundle ? sv_message_fhir_parse(bundle, base, m, err) : err ? err->code : SV_EINVAL;
	cJSON_Delete(xml);
	sv_body_release(&body);
	return rc;
}

enum sv_err sv_msgwire_receive(enum sv_recv_format f, const char *bytes, size_t len,
			       const struct sv_msgwire_self *self, const char *ack_id, const char *now,
			       struct sv_inbound *in, struct sv_error *err)
{
	if (len > SV_MSG_MAX_BYTES)
		return sv_fail(err, SV_ETOOBIG, "the message is over %u bytes", SV_MSG_MAX_BYTES);
	if (f == SV_RECV_KITH)
		return receive_kith(bytes, len, self, ack_id, now, in, err);
	return receive_fhir(f, bytes, len, self, ack_id, now, in, err);
}

static enum sv_ack_verdict read_apprec(const char *msg_id, const char *bytes, size_t len, char *reason,
				       size_t cap)
{
	struct sv_apprec a = {0};
	struct sv_error e = {0};
	enum sv_ack_verdict v = SV_ACK_TRANSIENT;
	size_t o = 0;

	if (sv_apprec_parse(bytes, len, &a, &e) != SV_OK) {
		snprintf(reason, cap, "the answer is no AppRec: %s", e.message);
		goto out;
	}
	if (!a.orig_id || strcmp(a.orig_id, msg_id) != 0) {
		snprintf(reason, cap, "the AppRec answers another message (%.64s)", a.orig_id ? a.orig_id : "none");
		goto out;
	}
	if (a.status == SV_APPREC_OK) {
		v = SV_ACK_POSITIVE;
		goto out;
	}
	v = SV_ACK_NEGATIVE;
	o = (size_t)snprintf(reason, cap, "AppRec status %d", a.status);
	for (int i = 0; i < a.nerrors && o < cap; i++)
		o += (size_t)snprintf(reason + o, cap - o, "; %s %s%s%s", a.errors[i].code ? a.errors[i].code : "",
				      a.errors[i].display ? a.errors[i].display : "", a.errors[i].detail ? ": " : "",
				      a.errors[i].detail ? a.errors[i].detail : "");
out:
	sv_apprec_release(&a);
	return v;
}

static enum sv_ack_verdict read_fhir_ack(enum sv_recv_format f, const char *msg_id, const char *bytes, size_t len,
					 char *reason, size_t cap)
{
	struct sv_body body = {0};
	struct sv_msg_ack a = {0};
	struct sv_error e = {0};
	cJSON *bundle, *xml = NULL;
	enum sv_ack_verdict v = SV_ACK_TRANSIENT;

	if (!(bundle = fhir_tree(f, bytes, len, &body, &xml, &e)) || sv_message_fhir_read_ack(bundle, &a, &e) != SV_OK) {
		snprintf(reason, cap, "the answer is no acknowledgement: %s", e.message);
		goto out;
	}
	if (!a.request_id || strcmp(a.request_id, msg_id) != 0) {
		snprintf(reason, cap, "the acknowledgement answers another message (%.64s)",
			 a.request_id ? a.request_id : "none");
		goto out;
	}
	if (strcmp(a.code, "ok") == 0)
		v = SV_ACK_POSITIVE;
	else
		v = strcmp(a.code, "fatal-error") == 0 ? SV_ACK_NEGATIVE : SV_ACK_TRANSIENT;
	if (v != SV_ACK_POSITIVE)
		snprintf(reason, cap, "%s: %s", a.code, a.detail ? a.detail : "(no detail)");
out:
	sv_msg_ack_release(&a);
	cJSON_Delete(xml);
	sv_body_release(&body);
	return v;
}

enum sv_ack_verdict sv_msgwire_read_ack(enum sv_recv_format f, const char *msg_id, const char *bytes, size_t len,
					char *reason, size_t cap)
{
	if (cap)
		reason[0] = '\0';
	if (len > SV_MSG_MAX_BYTES) {
		snprintf(reason, cap, "the acknowledgement is over %u bytes", SV_MSG_MAX_BYTES);
		return SV_ACK_TRANSIENT;
	}
	if (f == SV_RECV_KITH)
		return read_apprec(msg_id, bytes, len, reason, cap);
	return read_fhir_ack(f, msg_id, bytes, len, reason, cap);
}
