/* test_api_messages.c — black-box tests of messages between two real daemons on loopback: a
 * municipality (Alvdal Kommune, HER 99387) and a hospital (ST OLAVS HOSPITAL HF, HER 59), each with a
 * receiver directory naming the other. Both PLO events in KITH and the FHIR event in JSON and XML,
 * both directions, every message and acknowledgement against its schema, the idempotent messageId,
 * bad input out (4xx, nothing stored) and in (negative AppRec or fatal-error, or 4xx, nothing
 * stored), negative acknowledgements, retry with backoff to a receiver that is down, dead letters
 * and POST /messages/{id}/retry. */
#include "samsvar/message.h"
#include "samsvar/msgwire.h"
#include "support/daemon.h"
#include "support/msgfix.h"
#include "support/msgsite.h"
#include "support/support.h"
#include "support/xsd.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DRIVER "schemas/_local/msghead-plo-1.6-driver.xsd"
#define APPREC_XSD "schemas/apprec/AppRec-v1.1.xsd"

/* The two sites and the folder holding their receiver files. */
struct pair {
	struct ts_site kommune, sykehus;
	char dir[64];
};

static void write_receivers(const char *path, unsigned port, const char *her, const char *name)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "# id\tname\ther_id\tendpoint\tformat\n"
		 "id\tname\ther_id\tendpoint\tformat\n"
		 "kith\t%s\t%s\thttp://127.0.0.1:%u/messages/inbound\tkith\n"
		 "fhir\t%s\t%s\thttp://127.0.0.1:%u/fhir/$process-message\tfhir-json\n"
		 "fhirxml\t%s\t%s\thttp://127.0.0.1:%u/fhir/$process-message\tfhir-xml\n"
		 "wrongher\t%s\t1234\thttp://127.0.0.1:%u/messages/inbound\tkith\n"
		 "nopath\t%s\t%s\thttp://127.0.0.1:%u/no/such/path\tkith\n",
		 name, her, port, name, her, port, name, her, port, name, port, name, her, port);
	ts_write_file(path, text);
}

/* Starts both sites (the hospital only when `hospital_up`); `extra` goes into the municipality's
 * configuration. */
static void start_pair(struct pair *p, int hospital_up, const char *extra)
{
	char rk[128], rs[128];

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "/tmp/samsvar-msg-XXXXXX");
	cr_assert_not_null(mkdtemp(p->dir));
	p->kommune.port = ts_free_port();
	p->sykehus.port = ts_free_port();
	snprintf(rk, sizeof(rk), "%s/kommune.tsv", p->dir);
	snprintf(rs, sizeof(rs), "%s/sykehus.tsv", p->dir);
	write_receivers(rk, p->sykehus.port, "59", "ST OLAVS HOSPITAL HF");
	write_receivers(rs, p->kommune.port, "99387", "Alvdal Kommune");
	if (hospital_up)
		ts_site_start(&p->sykehus, "ST OLAVS HOSPITAL HF", "59", rs, "deliver_backoff_ms = 50");
	ts_site_start(&p->kommune, "Alvdal Kommune", "99387", rk, extra);
}

static void start_hospital(struct pair *p)
{
	char rs[128];
	snprintf(rs, sizeof(rs), "%s/sykehus.tsv", p->dir);
	ts_site_start(&p->sykehus, "ST OLAVS HOSPITAL HF", "59", rs, "deliver_backoff_ms = 50");
}

static void stop_pair(struct pair *p)
{
	char cmd[128];
	struct ts_site *s[2] = {&p->kommune, &p->sykehus};

	for (int i = 0; i < 2; i++) {
		if (s[i]->up)
			cr_assert_eq(ts_daemon_stop(&s[i]->d), 0, "a daemon did not stop cleanly");
		free(s[i]->token);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
	(void)!system(cmd);
}


/* Sends event to receiver, waits for delivery, checks the bytes at both ends and their schemas. */
static void deliver_one(struct pair *p, struct ts_site *from, struct ts_site *to, const char *receiver, const char *event)
{
	char *body = ts_send_body(receiver, event, NULL, NULL), *id = ts_send_ok(from, body), path[200], ct[128], ct2[128];
	char *sent, *got, *ack;
	cJSON *st = ts_wait_status(from, id, "out", "delivered", 5000), *in;

	(void)p;
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(st, "attempts")), 1);
	snprintf(path, sizeof(path), "/messages/%s/content?direction=out", id);
	sent = ts_site_bytes(from, path, ct, sizeof(ct));
	snprintf(path, sizeof(path), "/messages/%s/content?direction=in", id);
	got = ts_site_bytes(to, path, ct2, sizeof(ct2));
	cr_assert_str_eq(sent, got, "the receiver keeps the exact bytes sent");
	snprintf(path, sizeof(path), "/messages/%s/ack?direction=out", id);
	ack = ts_site_bytes(from, path, ct2, sizeof(ct2));
	if (strcmp(receiver, "kith") == 0) {
		cr_assert(strstr(ct, "application/xml"), "%s", ct);
		ts_assert_xsd_valid(DRIVER, sent, strlen(sent));
		ts_assert_xsd_valid(APPREC_XSD, ack, strlen(ack));
		cr_assert(strstr(ack, "<Status V=\"1\" DN=\"OK\"/>"), "%s", ack);
	} else {
		int xml = strcmp(receiver, "fhirxml") == 0;
		cr_assert(strstr(ct, xml ? "fhir+xml" : "fhir+json"), "%s", ct);
		ts_capture("message-out", xml ? "xml" : "json", sent);
		ts_capture("message-ack", xml ? "xml" : "json", ack);
		cr_assert(strstr(ack, "\"ok\"") || strstr(ack, "value=\"ok\""), "%s", ack);
	}
	snprintf(path, sizeof(path), "/messages/%s?direction=in", id);
	in = ts_site_get_json(to, path, 200);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(in, "status")), "processed");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(in, "event")), event);
	cJSON_Delete(in);
	/* What the EPJ stores: Observations coded in IPLOS, ICF and SNOMED CT. */
	snprintf(path, sizeof(path), "/messages/%s/observations", id);
	in = ts_site_get_json(to, path, 200);
	{
		char *txt = cJSON_PrintUnformatted(in);
		cr_assert(strstr(txt, V9111) && strstr(txt, "http://hl7.org/fhir/sid/icf") &&
			  strstr(txt, "http://snomed.info/sct"), "%s", txt);
		ts_capture("observations", "json", txt);
		free(txt);
	}
	cJSON_Delete(in);
	cJSON_Delete(st);
	free(sent);
	free(got);
	free(ack);
	free(id);
	free(body);
}

Test(messages, plo_and_fhir_events_both_directions)
{
	struct pair p;

	start_pair(&p, 1, NULL);
	deliver_one(&p, &p.kommune, &p.sykehus, "kith", "plo-innleggelsesrapport");
	deliver_one(&p, &p.kommune, &p.sykehus, "kith", "plo-helseopplysninger");
	deliver_one(&p, &p.kommune, &p.sykehus, "fhir", "function-report");
	deliver_one(&p, &p.kommune, &p.sykehus, "fhirxml", "function-report");
	/* And back: the hospital sends to the municipality. */
	deliver_one(&p, &p.sykehus, &p.kommune, "fhir", "function-report");
	deliver_one(&p, &p.sykehus, &p.kommune, "kith", "plo-innleggelsesrapport");
	cr_assert_eq(ts_site_count(&p.kommune, "direction=out&status=delivered"), 4);
	cr_assert_eq(ts_site_count(&p.sykehus, "direction=in"), 4);
	cr_assert_eq(ts_site_count(&p.kommune, "direction=in"), 2);
	stop_pair(&p);
}

Test(messages, the_same_message_id_twice_is_one_message)
{
	struct pair p;
	struct ts_resp r1, r2;
	char *body = ts_send_body("kith", "plo-innleggelsesrapport", "kommune-0001", NULL), *other;

	start_pair(&p, 1, NULL);
	cr_assert_eq(ts_site_request(&p.kommune, "POST", "/fhir/$send-message", NULL, body, &r1), 202);
	/* Another body under the same id: still the first message and its answer. */
	other = ts_send_body("fhir", "function-report", "kommune-0001", NULL);
	cr_assert_eq(ts_site_request(&p.kommune, "POST", "/fhir/$send-message", NULL, other, &r2), 202);
	cr_assert_str_eq(r1.body, r2.body);
	cJSON_Delete(ts_wait_status(&p.kommune, "kommune-0001", "out", "delivered", 5000));
	cr_assert_eq(ts_site_count(&p.kommune, "direction=out"), 1);
	cr_assert_eq(ts_site_count(&p.sykehus, "direction=in"), 1);
	free(r1.body);
	free(r2.body);
	free(body);
	free(other);
	stop_pair(&p);
}

Test(messages, bad_input_out_is_a_4xx_naming_the_part_and_stores_nothing)
{
	static const char *const CASES[][3] = {
		/* receiver, extra parameters, the part named */
		{"nobody", "", "receiver"},
		{"kith", ITEM("99", "3"), "item[2].variable"},
		{"kith", ITEM("1", "7"), "item[2].score"},
		{"kith", ",{\"name\":\"colour\",\"valueString\":\"blue\"}", "colour"},
		{"kith", ",{\"name\":\"messageId\",\"valueString\":\"has space\"}", "messageId"},
	};
	struct pair p;
	struct ts_resp r;

	start_pair(&p, 0, NULL);
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		char *body = ts_send_body(CASES[i][0], "plo-innleggelsesrapport", NULL, CASES[i][1]);
		cJSON *oo;
		cr_assert_eq(ts_site_request(&p.kommune, "POST", "/fhir/$send-message", NULL, body, &r), 400, "case %zu: %ld %s",
			     i, r.status, r.body);
		oo = cJSON_Parse(r.body);
		cr_assert(strstr(r.body, CASES[i][2]) != NULL, "case %zu does not name %s: %s", i, CASES[i][2], r.body);
		ts_capture("send-message-error", "json", r.body);
		cJSON_Delete(oo);
		free(r.body);
		free(body);
	}
	/* The FHIR event has no KITH form; a missing patient; no token at all. */
	{
		char *body = ts_send_body("kith", "function-report", NULL, NULL);
		cr_assert_eq(ts_site_request(&p.kommune, "POST", "/fhir/$send-message", NULL, body, &r), 400);
		cr_assert(strstr(r.body, "event"), "%s", r.body);
		free(r.body);
		free(body);
	}
	cr_assert_eq(ts_site_request(&p.kommune, "POST", "/fhir/$send-message", NULL, "{\"resourceType\":\"Parameters\","
			     "\"parameter\":[{\"name\":\"receiver\",\"valueString\":\"kith\"},{\"name\":\"event\","
			     "\"valueCode\":\"plo-innleggelsesrapport\"}" ITEM("1", "3") "]}", &r), 400);
	cr_assert(strstr(r.body, "patient"), "%s", r.body);
	free(r.body);
	{
		struct ts_site anon = p.kommune;
		anon.token = NULL;
		char *body = ts_send_body("kith", "plo-innleggelsesrapport", NULL, NULL);
		cr_assert_eq(ts_site_request(&anon, "POST", "/fhir/$send-message", NULL, body, &r), 401, "%s", r.body);
		free(r.body);
		cr_assert_eq(ts_site_request(&anon, "GET", "/messages", NULL, NULL, &r), 401, "%s", r.body);
		free(r.body);
		free(body);
	}
	cr_assert_eq(ts_site_count(&p.kommune, ""), 0, "nothing stored");
	stop_pair(&p);
}

__attribute__((noinline)) static char *kith_message(enum sv_msg_event ev, const char *id)
{
	struct sv_message m = {0};
	struct sv_error err = {0};
	char *bytes = NULL;
	size_t len;

	ts_message_sample(&m, ev);
	sv_msg_set(&m.id, id);
	cr_assert_eq(sv_msgwire_encode(&m, SV_RECV_KITH, "https://fhir.samsvar.no", &bytes, &len, &err), SV_OK, "%s",
		     err.message);
	sv_message_release(&m);
	return bytes;
}

__attribute__((noinline)) static char *replaced(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	char *out = malloc(strlen(s) + strlen(to) + 1);

	cr_assert_not_null(at, "%s", from);
	memcpy(out, s, (size_t)(at - s));
	strcpy(out + (at - s), to);
	strcat(out, at + strlen(from));
	return out;
}

__attribute__((noinline)) static char *fhir_message(const char *id)
{
	struct sv_message m = {0};
	struct sv_error err = {0};
	char *bytes = NULL;
	size_t len;

	ts_message_sample(&m, SV_MSG_FUNCTION_REPORT);
	sv_msg_set(&m.id, id);
	sv_msg_set(&m.source_endpoint, "http://127.0.0.1:1/fhir/$process-message");
	sv_msg_set(&m.destination_endpoint, "http://127.0.0.1:2/fhir/$process-message");
	cr_assert_eq(sv_msgwire_encode(&m, SV_RECV_FHIR_JSON, "https://fhir.samsvar.no", &bytes, &len, &err), SV_OK,
		     "%s", err.message);
	sv_message_release(&m);
	return bytes;
}

/* The inbound message `id` is `status`, and when failed its last_error holds `why`. */
static void assert_inbound(const struct ts_site *s, const char *id, const char *status, const char *why)
{
	char path[160];
	cJSON *st;

	snprintf(path, sizeof(path), "/messages/%s?direction=in", id);
	st = ts_site_get_json(s, path, 200);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(st, "status")), status, "%s: %s", id,
			 cJSON_PrintUnformatted(st));
	if (why)
		cr_assert(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(st, "last_error")), why), "%s",
			  cJSON_PrintUnformatted(st));
	else
		cr_assert(cJSON_IsNull(cJSON_GetObjectItem(st, "last_error")), "%s", cJSON_PrintUnformatted(st));
	cJSON_Delete(st);
}

Test(messages, bad_payloads_in_get_a_negative_apprec_kept_as_failed_or_a_4xx_and_nothing_stored)
{
	struct pair p;
	struct ts_resp r, again;
	char *good = kith_message(SV_MSG_INNLEGGELSESRAPPORT, "in-0001");
	const struct {
		const char *from, *to, *code, *why;
		long status;
	} CASES[] = {
		{"<Vurdering>3</Vurdering>", "<Vurdering>7</Vurdering>", "X99", "score", 200},
		{"<Funksjonsvariabel V=\"1\"", "<Funksjonsvariabel V=\"42\"", "X99", "42", 200},
		{"http://www.kith.no/xmlstds/po/Innleggelsesrapport/2012-04-01", "urn:wrong", "T10", "", 200},
		{"<Id>59</Id>", "<Id>60</Id>", "E21", "not ours", 200},
		{"</MsgHead>", "", NULL, NULL, 400},
		{"<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<?xml version=\"1.0\"?><!DOCTYPE MsgHead SYSTEM "
		 "\"http://example.org/x.dtd\">", NULL, NULL, 400},
	};
	long refused = 0;

	start_pair(&p, 1, NULL);
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		char id[32], path[96], *msg, *bad;
		snprintf(id, sizeof(id), "bad-%zu", i);
		msg = kith_message(SV_MSG_INNLEGGELSESRAPPORT, id);
		bad = replaced(msg, CASES[i].from, CASES[i].to);
		cr_assert_eq(ts_site_request(&p.sykehus, "POST", "/messages/inbound", "application/xml", bad, &r), CASES[i].status,
			     "case %zu: %ld %s", i, r.status, r.body);
		if (CASES[i].code) {
			ts_assert_xsd_valid(APPREC_XSD, r.body, r.len);
			cr_assert(strstr(r.body, "<Status V=\"2\""), "case %zu: %s", i, r.body);
			cr_assert(strstr(r.body, CASES[i].code), "case %zu: no %s: %s", i, CASES[i].code, r.body);
			/* Kept as failed with why, and the same id again gets the same negative AppRec. */
			assert_inbound(&p.sykehus, id, "failed", CASES[i].why);
			cr_assert_eq(ts_site_request(&p.sykehus, "POST", "/messages/inbound", "application/xml", bad, &again), 200);
			cr_assert_str_eq(r.body, again.body, "case %zu: a repeat gets the first acknowledgement", i);
			free(again.body);
			snprintf(path, sizeof(path), "/messages/%s/observations", id);
			cJSON_Delete(ts_site_get_json(&p.sykehus, path, 409));
			refused++;
		} else {
			cr_assert(strstr(r.body, "OperationOutcome"), "case %zu: %s", i, r.body);
		}
		free(r.body);
		free(bad);
		free(msg);
	}
	cr_assert_eq(ts_site_request(&p.sykehus, "POST", "/messages/inbound", "application/json", good, &r), 415);
	free(r.body);
	/* FHIR: a Bundle that is no message is a 4xx and not kept. */
	cr_assert_eq(ts_site_request(&p.sykehus, "POST", "/fhir/$process-message", NULL, "{\"resourceType\":\"Bundle\","
			     "\"type\":\"collection\"}", &r), 400, "%s", r.body);
	free(r.body);
	cr_assert_eq(ts_site_count(&p.sykehus, "direction=in"), refused, "only the acknowledged ones are kept");
	cr_assert_eq(ts_site_count(&p.sykehus, "status=failed"), refused);
	/* FHIR: a score of 7 gets fatal-error, kept as failed; its repeat the same acknowledgement. */
	{
		char *fgood = fhir_message("fhir-bad-1"), *fbad = replaced(fgood, "iplos-score\",\"code\":\"3\"",
									   "iplos-score\",\"code\":\"7\"");
		cr_assert_eq(ts_site_request(&p.sykehus, "POST", "/fhir/$process-message", NULL, fbad, &r), 200, "%s", r.body);
		cr_assert(strstr(r.body, "\"fatal-error\"") && strstr(r.body, "fhir-bad-1"), "%s", r.body);
		ts_capture("message-ack", "json", r.body);
		assert_inbound(&p.sykehus, "fhir-bad-1", "failed", "7");
		cr_assert_eq(ts_site_request(&p.sykehus, "POST", "/fhir/$process-message", NULL, fbad, &again), 200);
		cr_assert_str_eq(r.body, again.body);
		free(r.body);
		free(again.body);
		/* Corrected under the same id it is still the message refused: a new message needs a new id. */
		cr_assert_eq(ts_site_request(&p.sykehus, "POST", "/fhir/$process-message", NULL, fgood, &r), 200, "%s", r.body);
		cr_assert(strstr(r.body, "\"fatal-error\""), "%s", r.body);
		free(r.body);
		free(fgood);
		free(fbad);
	}
	/* A good one, twice: stored once as processed, the same AppRec both times. */
	cr_assert_eq(ts_site_request(&p.sykehus, "POST", "/messages/inbound", "application/xml", good, &r), 200);
	cr_assert(strstr(r.body, "<Status V=\"1\""), "%s", r.body);
	ts_assert_xsd_valid(APPREC_XSD, r.body, r.len);
	cr_assert_eq(ts_site_request(&p.sykehus, "POST", "/messages/inbound", "application/xml", good, &again), 200);
	cr_assert_str_eq(r.body, again.body);
	assert_inbound(&p.sykehus, "in-0001", "processed", NULL);
	cr_assert_eq(ts_site_count(&p.sykehus, "direction=in"), refused + 2);
	cr_assert_eq(ts_site_count(&p.sykehus, "status=processed"), 1);
	free(r.body);
	free(again.body);
	free(good);
	stop_pair(&p);
}

Test(messages, negative_acks_are_rejected_and_can_be_sent_again)
{
	struct pair p;
	struct ts_resp r;
	char *body, *id, path[200];
	cJSON *st;

	start_pair(&p, 1, NULL);
	body = ts_send_body("wrongher", "plo-innleggelsesrapport", NULL, NULL);
	id = ts_send_ok(&p.kommune, body);
	st = ts_wait_status(&p.kommune, id, "out", "rejected", 5000);
	cr_assert(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(st, "last_error")), "E21"), "%s",
		  cJSON_PrintUnformatted(st));
	cJSON_Delete(st);
	free(body);
	free(id);
	/* A 404 from the receiver is no acknowledgement and no reason to try again. */
	body = ts_send_body("nopath", "plo-innleggelsesrapport", NULL, NULL);
	id = ts_send_ok(&p.kommune, body);
	st = ts_wait_status(&p.kommune, id, "out", "rejected", 5000);
	cr_assert(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(st, "last_error")), "HTTP 404"), "%s",
		  cJSON_PrintUnformatted(st));
	cJSON_Delete(st);
	snprintf(path, sizeof(path), "/messages/%s/retry", id);
	cr_assert_eq(ts_site_request(&p.kommune, "POST", path, NULL, NULL, &r), 200, "%s", r.body);
	free(r.body);
	cJSON_Delete(ts_wait_status(&p.kommune, id, "out", "rejected", 5000));
	/* Only dead or rejected messages go back; unknown ids are 404. */
	cr_assert_eq(ts_site_request(&p.kommune, "POST", "/messages/nope/retry", NULL, NULL, &r), 404);
	free(r.body);
	cr_assert_eq(ts_site_request(&p.kommune, "GET", path, NULL, NULL, &r), 405);
	free(r.body);
	free(body);
	free(id);
	stop_pair(&p);
}

Test(messages, retries_with_backoff_until_the_receiver_is_up)
{
	struct pair p;
	char *body, *id;
	cJSON *st;

	start_pair(&p, 0, "deliver_backoff_ms = 100\ndeliver_backoff_cap_ms = 400\ndeliver_max_attempts = 50\n"
		   "deliver_connect_timeout = 2");
	body = ts_send_body("kith", "plo-innleggelsesrapport", "retry-0001", NULL);
	id = ts_send_ok(&p.kommune, body);
	/* The hospital is down: attempts fail, the message waits for its next attempt. */
	for (int i = 0;; i++) {
		st = ts_site_get_json(&p.kommune, "/messages/retry-0001", 200);
		if (cJSON_GetNumberValue(cJSON_GetObjectItem(st, "attempts")) >= 3)
			break;
		cr_assert_lt(i, 200, "no retries: %s", cJSON_PrintUnformatted(st));
		cJSON_Delete(st);
		ts_sleep_ms(25);
	}
	cr_assert(cJSON_IsString(cJSON_GetObjectItem(st, "last_error")), "%s", cJSON_PrintUnformatted(st));
	cJSON_Delete(st);
	start_hospital(&p);
	st = ts_wait_status(&p.kommune, id, "out", "delivered", 10000);
	cr_assert_geq(cJSON_GetNumberValue(cJSON_GetObjectItem(st, "attempts")), 4);
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(st, "last_error")));
	cJSON_Delete(st);
	cr_assert_eq(ts_site_count(&p.sykehus, "direction=in"), 1);
	free(body);
	free(id);
	stop_pair(&p);
}

Test(messages, dead_after_the_last_attempt_and_sent_again_on_retry)
{
	struct pair p;
	struct ts_resp r;
	char *body, *id;
	cJSON *st;

	start_pair(&p, 0, "deliver_backoff_ms = 20\ndeliver_backoff_cap_ms = 50\ndeliver_max_attempts = 3");
	body = ts_send_body("fhir", "function-report", "dead-0001", NULL);
	id = ts_send_ok(&p.kommune, body);
	st = ts_wait_status(&p.kommune, id, "out", "dead", 5000);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(st, "attempts")), 3);
	cr_assert(cJSON_IsString(cJSON_GetObjectItem(st, "last_error")));
	cJSON_Delete(st);
	cr_assert_eq(ts_site_count(&p.kommune, "status=dead&receiver=fhir"), 1);
	start_hospital(&p);
	cr_assert_eq(ts_site_request(&p.kommune, "POST", "/messages/dead-0001/retry", NULL, NULL, &r), 200, "%s", r.body);
	free(r.body);
	st = ts_wait_status(&p.kommune, id, "out", "delivered", 5000);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(st, "attempts")), 1);
	cJSON_Delete(st);
	free(body);
	free(id);
	stop_pair(&p);
}

Test(messages, tls_is_verified_against_the_receivers_ca)
{
	struct pair p;
	char cert[200], key[200], rk[128], text[1024], conf[1024];
	char *a = ts_send_body("trusted", "plo-innleggelsesrapport", "tls-0001", NULL);
	char *b = ts_send_body("untrusted", "plo-innleggelsesrapport", "tls-0002", NULL), *id;
	cJSON *st;

	memset(&p, 0, sizeof(p));
	snprintf(p.dir, sizeof(p.dir), "/tmp/samsvar-msg-XXXXXX");
	cr_assert_not_null(mkdtemp(p.dir));
	cr_assert_eq(ts_make_cert(p.dir, cert, key, sizeof(cert)), 0, "openssl could not make a certificate");
	p.sykehus.port = ts_free_port();
	p.kommune.port = ts_free_port();
	/* The hospital serves HTTPS with a self-signed certificate: trusted only where tls_ca names it. */
	snprintf(conf, sizeof(conf), "listen = 127.0.0.1:%u\nown_name = ST OLAVS HOSPITAL HF\nown_her_id = 59\n"
		 "tls_cert = %s\ntls_key = %s\nlog_requests = false\n", p.sykehus.port, cert, key);
	cr_assert_eq(ts_daemon_start(&p.sykehus.d, conf), 0);
	p.sykehus.up = 1;
	snprintf(rk, sizeof(rk), "%s/kommune.tsv", p.dir);
	snprintf(text, sizeof(text), "id\tname\ther_id\tendpoint\tformat\ttls_ca\n"
		 "trusted\tST OLAVS HOSPITAL HF\t59\thttps://127.0.0.1:%u/messages/inbound\tkith\t%s\n"
		 "untrusted\tST OLAVS HOSPITAL HF\t59\thttps://127.0.0.1:%u/messages/inbound\tkith\t\n",
		 p.sykehus.port, cert, p.sykehus.port);
	ts_write_file(rk, text);
	ts_site_start(&p.kommune, "Alvdal Kommune", "99387", rk, "deliver_backoff_ms = 20\ndeliver_max_attempts = 2");
	id = ts_send_ok(&p.kommune, a);
	cJSON_Delete(ts_wait_status(&p.kommune, id, "out", "delivered", 5000));
	free(id);
	id = ts_send_ok(&p.kommune, b);
	st = ts_wait_status(&p.kommune, id, "out", "dead", 5000);
	cr_assert(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(st, "last_error")), "certificate") ||
		  strstr(cJSON_GetStringValue(cJSON_GetObjectItem(st, "last_error")), "SSL"), "%s",
		  cJSON_PrintUnformatted(st));
	cJSON_Delete(st);
	free(id);
	free(a);
	free(b);
	stop_pair(&p);
}

#define OBS(v, value) "{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[" \
	"{\"system\":\"" V9111 "\",\"code\":\"" v "\"}]}," value "}}"

Test(messages, observations_and_a_patient_reference_are_function_data_too)
{
	struct pair p;
	struct ts_resp r;
	char *id, path[160], *both;
	cJSON *st;
	static const char BODY[] =
		"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"receiver\",\"valueString\":\"fhir\"},"
		"{\"name\":\"event\",\"valueCode\":\"function-report\"},{\"name\":\"messageId\",\"valueString\":\"obs-1\"},"
		"{\"name\":\"patient\",\"valueReference\":{\"identifier\":{\"system\":\"urn:oid:2.16.578.1.12.4.1.4.2\","
		"\"value\":\"41116900216\"}}},{\"name\":\"observations\",\"resource\":{\"resourceType\":\"Bundle\","
		"\"type\":\"collection\",\"entry\":[" OBS("4", "\"valueInteger\":3,\"note\":[{\"text\":\"glemmer medisiner\"}]")
		"," OBS("20", "\"valueCodeableConcept\":{\"coding\":[{\"system\":\"https://fhir.samsvar.no/CodeSystem/"
		"iplos-score\",\"code\":\"2\"}]}") "]}}]}";

	start_pair(&p, 1, NULL);
	id = ts_send_ok(&p.kommune, BODY);
	st = ts_wait_status(&p.kommune, id, "out", "delivered", 5000);
	cJSON_Delete(st);
	snprintf(path, sizeof(path), "/messages/%s/observations", id);
	st = ts_site_get_json(&p.sykehus, path, 200);
	{
		char *txt = cJSON_PrintUnformatted(st);
		cr_assert(strstr(txt, "41116900216") && strstr(txt, "glemmer medisiner") &&
			  strstr(txt, "\"code\":\"20\""), "%s", txt);
		free(txt);
	}
	cJSON_Delete(st);
	/* Items and observations at once is ambiguous; an Observation without a score is named. */
	both = ts_send_body("fhir", "function-report", NULL, ",{\"name\":\"observations\",\"resource\":{\"resourceType\":"
			 "\"Bundle\",\"type\":\"collection\",\"entry\":[]}}");
	cr_assert_eq(ts_site_request(&p.kommune, "POST", "/fhir/$send-message", NULL, both, &r), 400);
	cr_assert(strstr(r.body, "not both"), "%s", r.body);
	free(r.body);
	free(both);
	cr_assert_eq(ts_site_request(&p.kommune, "POST", "/fhir/$send-message", NULL,
			     "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"receiver\",\"valueString\":\"fhir\"},"
			     "{\"name\":\"event\",\"valueCode\":\"function-report\"}" PATIENT ",{\"name\":\"observations\","
			     "\"resource\":{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
			     OBS("4", "\"valueString\":\"x\"") "]}}]}", &r), 400);
	cr_assert(strstr(r.body, "observations.entry[0].resource"), "%s", r.body);
	free(r.body);
	free(id);
	stop_pair(&p);
}

#define ASSESS(v) ",{\"name\":\"assess\",\"valueBoolean\":" v "}"

Test(messages, assess_sends_the_conditions_and_proposed_care_plan)
{
	struct pair p;
	struct ts_resp r;
	char *body = ts_send_body("fhir", "function-report", "assessed-1", ASSESS("true")), *id, *got, ct[128];
	char *plain = ts_send_body("fhir", "function-report", "plain-1", ASSESS("false"));

	start_pair(&p, 1, NULL);
	id = ts_send_ok(&p.kommune, body);
	cJSON_Delete(ts_wait_status(&p.kommune, id, "out", "delivered", 5000));
	got = ts_site_bytes(&p.sykehus, "/messages/assessed-1/content?direction=in", ct, sizeof(ct));
	ts_capture("message-out", "json", got);
	/* Items 7 and 13 scored 3 and 4: two Conditions, one CarePlan proposal. */
	cr_assert(strstr(got, "\"resourceType\":\"Condition\"") && strstr(got, "\"resourceType\":\"CarePlan\"") &&
		  strstr(got, "\"intent\":\"proposal\""), "%s", got);
	free(got);
	free(id);
	id = ts_send_ok(&p.kommune, plain);
	cJSON_Delete(ts_wait_status(&p.kommune, id, "out", "delivered", 5000));
	got = ts_site_bytes(&p.sykehus, "/messages/plain-1/content?direction=in", ct, sizeof(ct));
	cr_assert(!strstr(got, "Condition") && !strstr(got, "CarePlan"), "assess is off by default: %s", got);
	free(got);
	free(id);
	free(body);
	free(plain);
	/* KITH has no place for them: said, not dropped; a non-boolean is named. */
	body = ts_send_body("kith", "plo-innleggelsesrapport", NULL, ASSESS("true"));
	cr_assert_eq(ts_site_request(&p.kommune, "POST", "/fhir/$send-message", NULL, body, &r), 400, "%s", r.body);
	cr_assert(strstr(r.body, "assess") && strstr(r.body, "KITH"), "%s", r.body);
	free(r.body);
	free(body);
	body = ts_send_body("fhir", "function-report", NULL, ",{\"name\":\"assess\",\"valueString\":\"yes\"}");
	cr_assert_eq(ts_site_request(&p.kommune, "POST", "/fhir/$send-message", NULL, body, &r), 400, "%s", r.body);
	cr_assert(strstr(r.body, "assess"), "%s", r.body);
	free(r.body);
	free(body);
	cr_assert_eq(ts_site_count(&p.kommune, "direction=out"), 2, "nothing stored from the refused ones");
	stop_pair(&p);
}
