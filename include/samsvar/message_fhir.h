/* message_fhir.h — a function report as a FHIR R4 message (Bundle type=message), out and in, and
 * the FHIR acknowledgement (a response message), out and in. cJSON in and out; JSON or XML on the wire
 * is the caller's choice (fhirxml.h converts). No HTTP.
 *
 * The Bundle (http://hl7.org/fhir/R4/messaging.html): MessageHeader first (id = the message id;
 * eventCoding {base}/CodeSystem/message-event | the event code; source.endpoint where the
 * acknowledgement goes; destination.endpoint + receiver; sender; focus = the Observations), then the
 * sender and receiver Organizations (identifier: HER-id), the Patient (identifier: fødselsnummer or
 * D-number), one Observation per item (code: IPLOS 9111 + ICF + SNOMED CT; value: the IPLOS score and
 * the ICF qualifier; note: the Merknad), and a Provenance whose target is the MessageHeader and whose
 * entities name the maps used (ConceptMap canonical url|version). The Observation has the shape
 * $assess gives one (assess.h). When the message holds an assessment (sv_message_assess()), its
 * Conditions and proposed CarePlan follow the Observations, in the focus too, their subject the
 * Patient and their evidence / supportingInfo the message's Observations, so every reference
 * resolves inside the Bundle, and the Provenance names the relations map too. */
#ifndef SAMSVAR_MESSAGE_FHIR_H
#define SAMSVAR_MESSAGE_FHIR_H

#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/message.h"

/* The samsvar code system of message events, under the canonical base. */
#define SV_MSG_EVENT_SYSTEM_PATH "/CodeSystem/message-event"

/* Most entries one inbound message Bundle may have (items, the Conditions of as many, a CarePlan,
 * patient, organisations, provenance). */
#define SV_MSG_FHIR_MAX_ENTRIES (2 * SV_MSG_MAX_ITEMS + 16)

/* Builds the message Bundle of `m` (checked with sv_message_validate(); the FHIR form also needs both
 * endpoints, a message id that is a FHIR id, and a gen_date with a time zone). `base` is the canonical
 * base ("https://fhir.samsvar.no"). Returns a new Bundle the caller frees, or NULL with err set
 * (SV_EREQUIRED / SV_EINVAL naming the field). */
cJSON *sv_message_fhir_build(const struct sv_message *m, const char *base, struct sv_error *err);

/* Reads message Bundle `bundle` into *out (zeroed by the caller; release it either way: on error it
 * holds what was read before the problem, e.g. the id and sender an acknowledgement needs). Errors are
 * SV_EINVAL or SV_EREQUIRED with err->expression a FHIRPath ("Bundle.entry[3].resource.value..."):
 * not a message Bundle, MessageHeader not first, an event not in {base}'s event system, a reference
 * that does not resolve, no Patient, an unknown 9111 variable, a score that is not 1-5 or 9; SV_ETOOBIG
 * over SV_MSG_FHIR_MAX_ENTRIES. */
enum sv_err sv_message_fhir_parse(const cJSON *bundle, const char *base, struct sv_message *out,
				  struct sv_error *err);

/* Reads the identifier (fødselsnummer, else D-number), first name and birth date of Patient resource
 * `p` into *pt (zeroed by the caller; released with the message). Returns SV_OK, or SV_EREQUIRED naming
 * "Patient.identifier" when it has neither identifier. */
enum sv_err sv_message_fhir_read_patient(const cJSON *p, struct sv_msg_patient *pt, struct sv_error *err);

/* Builds the acknowledgement of message `m` (which may be partly read): a Bundle type=message whose
 * MessageHeader (id `ack_id`, the same event, source.endpoint = `own_endpoint`, destination = m's
 * source endpoint when m has one)
 * has response.identifier = m->id and response.code "ok", or "fatal-error" with an OperationOutcome
 * (in the Bundle, response.details) carrying `problem` when `problem` is not NULL. `timestamp` is an
 * instant. Returns the Bundle (the caller frees it), or NULL with err set when m has no id. */
cJSON *sv_message_fhir_ack(const struct sv_message *m, const char *ack_id, const char *timestamp, const char *base,
			   const char *own_endpoint, const struct sv_error *problem, struct sv_error *err);

/* An acknowledgement as read. Strings owned; release with sv_msg_ack_release(). */
struct sv_msg_ack {
	char *id;            /* the acknowledgement's MessageHeader.id */
	char *request_id;    /* response.identifier: the id of the message it answers */
	char *code;          /* response.code: "ok", "transient-error" or "fatal-error" */
	char *detail;        /* the OperationOutcome's first diagnostics, or NULL */
};

/* Reads acknowledgement Bundle `bundle` into *out (zeroed by the caller; release it either way).
 * Returns SV_OK, or SV_EINVAL naming the problem (not a message Bundle, no MessageHeader.response, a
 * response.code outside ok / transient-error / fatal-error). */
enum sv_err sv_message_fhir_read_ack(const cJSON *bundle, struct sv_msg_ack *out, struct sv_error *err);

/* Frees the strings of `a` and zeroes it. */
void sv_msg_ack_release(struct sv_msg_ack *a);

#endif
