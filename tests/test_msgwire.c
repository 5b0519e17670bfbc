/* test_msgwire.c — messages and acknowledgements as bytes: each format out, a message in answered
 * with a schema-valid positive or negative acknowledgement (AppRec v1.1 / FHIR response message),
 * every bad payload in (broken XML, DOCTYPE, wrong namespace, unknown variable, score 7, another
 * receiver), and the sender's reading of what a receiver answers. */
#include "samsvar/kith.h"
#include "samsvar/msgwire.h"
#include "support/msgfix.h"
#include "support/support.h"
#include "support/xsd.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE "https://fhir.samsvar.no"
#define DRIVER "schemas/_local/msghead-plo-1.6-driver.xsd"
#define APPREC_XSD "schemas/apprec/AppRec-v1.1.xsd"
#define ACK_ID "urn:uuid:0b6c1f9e-8a7d-4c3b-b2e1-5d4f3a2c1b0a"
#define NOW "2026-11-26T10:20:00Z"

static const struct sv_msgwire_self HOSPITAL = {"ST OLAVS HOSPITAL HF", "59", BASE,
						 "https://sykehus.example/fhir/$process-message"};

static char *encode(enum sv_msg_event ev, enum sv_recv_format f, size_t *len)
{
	struct sv_message m = {0};
	struct sv_error err = {0};
	char *bytes = NULL;

	ts_message_sample(&m, ev);
	cr_assert_eq(sv_msgwire_encode(&m, f, BASE, &bytes, len, &err), SV_OK, "%s", err.message);
	sv_message_release(&m);
	return bytes;
}

/* Receives `bytes` at the hospital; returns the verdict the sender reads from the acknowledgement. */
static enum sv_ack_verdict receive(enum sv_recv_format f, const char *bytes, size_t len, struct sv_inbound *in)
{
	struct sv_error err = {0};
	char reason[1024];

	memset(in, 0, sizeof(*in));
	cr_assert_eq(sv_msgwire_receive(f, bytes, len, &HOSPITAL, ACK_ID, NOW, in, &err), SV_OK, "%s", err.message);
	cr_assert_not_null(in->ack);
	if (f == SV_RECV_KITH)
		ts_assert_xsd_valid(APPREC_XSD, in->ack, in->ack_len);
	else
		ts_capture("msgwire-ack", f == SV_RECV_FHIR_JSON ? "json" : "xml", in->ack);
	return sv_msgwire_read_ack(f, in->msg.id ? in->msg.id : "", in->ack, in->ack_len, reason, sizeof(reason));
}

static void round_trip(enum sv_msg_event ev, enum sv_recv_format f)
{
	struct sv_inbound in;
	size_t len;
	char *bytes = encode(ev, f, &len);

	if (f == SV_RECV_KITH)
		ts_assert_xsd_valid(DRIVER, bytes, len);
	else
		ts_capture("msgwire-message", f == SV_RECV_FHIR_JSON ? "json" : "xml", bytes);
	cr_assert_eq(receive(f, bytes, len, &in), SV_ACK_POSITIVE);
	cr_assert_eq(in.ok, 1, "%s", in.problem.message);
	cr_assert_eq(in.msg.nitems, 3);
	cr_assert_str_eq(in.msg.sender.her_id, "99387");
	sv_inbound_release(&in);
	free(bytes);
}

Test(msgwire, plo_events_in_kith_are_acknowledged_ok)
{
	round_trip(SV_MSG_INNLEGGELSESRAPPORT, SV_RECV_KITH);
	round_trip(SV_MSG_HELSEOPPLYSNINGER, SV_RECV_KITH);
}

Test(msgwire, fhir_event_in_json_and_xml_is_acknowledged_ok)
{
	round_trip(SV_MSG_FUNCTION_REPORT, SV_RECV_FHIR_JSON);
	round_trip(SV_MSG_FUNCTION_REPORT, SV_RECV_FHIR_XML);
	round_trip(SV_MSG_INNLEGGELSESRAPPORT, SV_RECV_FHIR_JSON);
}

Test(msgwire, the_fhir_event_has_no_kith_form)
{
	struct sv_message m = {0};
	struct sv_error err = {0};
	char *bytes = NULL;
	size_t len;

	ts_message_sample(&m, SV_MSG_FUNCTION_REPORT);
	cr_assert_eq(sv_msgwire_encode(&m, SV_RECV_KITH, BASE, &bytes, &len, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "event");
	cr_assert_null(bytes);
	sv_message_release(&m);
}

/* Replaces the first `from` in `s` by `to`; returns a new string. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	size_t n = strlen(s) - strlen(from) + strlen(to);
	char *out;

	cr_assert_not_null(at, "'%s' not in the message", from);
	out = malloc(n + 1);
	memcpy(out, s, (size_t)(at - s));
	strcpy(out + (at - s), to);
	strcat(out, at + strlen(from));
	return out;
}

/* A KITH message changed by one replacement gets a negative AppRec naming `code`. */
static void kith_rejected(const char *from, const char *to, const char *code)
{
	struct sv_inbound in;
	size_t len;
	char *good = encode(SV_MSG_INNLEGGELSESRAPPORT, SV_RECV_KITH, &len);
	char *bad = replace(good, from, to);

	cr_assert_eq(receive(SV_RECV_KITH, bad, strlen(bad), &in), SV_ACK_NEGATIVE, "%s -> %s accepted", from, to);
	cr_assert_eq(in.ok, 0);
	cr_assert(strstr(in.ack, code) != NULL, "%s -> %s: AppRec without %s: %s", from, to, code, in.ack);
	cr_assert(strstr(in.ack, "V=\"2\"") != NULL, "status Avvist: %s", in.ack);
	sv_inbound_release(&in);
	free(good);
	free(bad);
}

Test(msgwire, bad_kith_gets_a_negative_apprec_with_its_error_code)
{
	kith_rejected("<Vurdering>3</Vurdering>", "<Vurdering>7</Vurdering>", "X99");
	kith_rejected("<Funksjonsvariabel V=\"1\"", "<Funksjonsvariabel V=\"99\"", "X99");
	kith_rejected("<Id>59</Id>", "<Id>60</Id>", "E21");
	kith_rejected("http://www.kith.no/xmlstds/po/Innleggelsesrapport/2012-04-01",
		      "http://example.org/not-plo", "T10");
}

Test(msgwire, unreadable_kith_cannot_be_acknowledged)
{
	static const char *const BAD[] = {
		"<MsgHead xmlns=\"http://www.kith.no/xmlstds/msghead/2006-05-24\"><MsgInfo>",
		"<?xml version=\"1.0\"?><!DOCTYPE MsgHead [<!ENTITY x \"y\">]><MsgHead/>",
		"not xml at all",
	};
	for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
		struct sv_inbound in = {0};
		struct sv_error err = {0};
		cr_assert_neq(sv_msgwire_receive(SV_RECV_KITH, BAD[i], strlen(BAD[i]), &HOSPITAL, ACK_ID, NOW, &in,
						 &err), SV_OK, "case %zu", i);
		cr_assert(err.message[0], "case %zu has no reason", i);
		cr_assert_null(in.ack);
		sv_inbound_release(&in);
	}
}

Test(msgwire, bad_fhir_gets_a_fatal_error_acknowledgement)
{
	struct sv_inbound in;
	size_t len;
	char *good = encode(SV_MSG_FUNCTION_REPORT, SV_RECV_FHIR_JSON, &len);
	char *bad = replace(good, "iplos-score\",\"code\":\"4\"", "iplos-score\",\"code\":\"7\"");

	cr_assert_eq(receive(SV_RECV_FHIR_JSON, bad, strlen(bad), &in), SV_ACK_NEGATIVE);
	cr_assert(strstr(in.ack, "fatal-error") != NULL, "%s", in.ack);
	sv_inbound_release(&in);
	free(bad);
	free(good);
}

Test(msgwire, the_sender_reads_what_is_not_an_ack_as_transient)
{
	char reason[512];
	struct sv_inbound in;
	size_t len;
	char *bytes = encode(SV_MSG_INNLEGGELSESRAPPORT, SV_RECV_KITH, &len);

	cr_assert_eq(sv_msgwire_read_ack(SV_RECV_KITH, "x", "<html/>", 7, reason, sizeof(reason)), SV_ACK_TRANSIENT);
	cr_assert(reason[0]);
	cr_assert_eq(sv_msgwire_read_ack(SV_RECV_FHIR_JSON, "x", "{}", 2, reason, sizeof(reason)), SV_ACK_TRANSIENT);
	/* An AppRec for another message acknowledges nothing of this one. */
	cr_assert_eq(receive(SV_RECV_KITH, bytes, len, &in), SV_ACK_POSITIVE);
	cr_assert_eq(sv_msgwire_read_ack(SV_RECV_KITH, "another-id", in.ack, in.ack_len, reason, sizeof(reason)),
		     SV_ACK_TRANSIENT);
	cr_assert(strstr(reason, "another message"), "%s", reason);
	sv_inbound_release(&in);
	free(bytes);
}
