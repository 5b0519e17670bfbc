/* test_message_fhir.c — the FHIR message Bundle and acknowledgement: built from the bundled maps,
 * valid against the R4 XSD (here) and the R4 JSON schema (tests/run.sh validates the captured JSON),
 * read back through JSON and XML, and every error of the reader. */
#include "samsvar/content.h"
#include "samsvar/fhirxml.h"
#include "samsvar/jsonutil.h"
#include "samsvar/message_fhir.h"
#include "samsvar/snapshot.h"
#include "support/fixtures.h"
#include "support/msgfix.h"
#include "support/support.h"
#include "support/xsd.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE "https://fhir.samsvar.no"
#define FHIR_XSD "schemas/fhir-r4-xsd/fhir-single.xsd"

static struct sv_snapshot *snap;

static void setup(void)
{
	struct sv_error err = {0};
	cJSON *all = sv_content_load_dir("mappings", BASE, &err);

	cr_assert_not_null(all, "%s", err.message);
	snap = ts_snapshot_of(all);
}

static void teardown(void)
{
	sv_snapshot_release(snap);
}

TestSuite(fhir_msg, .init = setup, .fini = teardown);

/* The sample message with its codes from the maps. */
static void sample(struct sv_message *m)
{
	struct sv_error err = {0};

	ts_message_sample(m, SV_MSG_FUNCTION_REPORT);
	cr_assert_eq(sv_message_fill_codes(snap, BASE, m, &err), SV_OK, "%s", err.message);
}

/* Validates `res` as XML against the R4 XSD and keeps its JSON for the JSON schema step. */
static void assert_valid(const cJSON *res, const char *name)
{
	struct sv_error err = {0};
	char *xml = sv_fhirxml_from_json(res, &err), *json = cJSON_Print(res);

	cr_assert_not_null(xml, "%s", err.message);
	ts_capture(name, "json", json);
	ts_assert_xsd_valid(FHIR_XSD, xml, strlen(xml));
	free(xml);
	free(json);
}

static void assert_same_codes(const struct sv_message *a, const struct sv_message *b)
{
	cr_assert_str_eq(a->icf_map, b->icf_map);
	cr_assert_str_eq(a->qualifier_map, b->qualifier_map);
	cr_assert_str_eq(a->snomed_map, b->snomed_map);
	cr_assert_str_eq(a->source_endpoint, b->source_endpoint);
	cr_assert_str_eq(a->destination_endpoint, b->destination_endpoint);
	for (size_t i = 0; i < a->nitems; i++) {
		cr_assert_eq(a->items[i].nicf, b->items[i].nicf);
		cr_assert_eq(a->items[i].nsct, b->items[i].nsct);
		for (int k = 0; k < a->items[i].nicf; k++)
			cr_assert_str_eq(a->items[i].icf[k].code, b->items[i].icf[k].code);
		for (int k = 0; k < a->items[i].nsct; k++)
			cr_assert_str_eq(a->items[i].sct[k].code, b->items[i].sct[k].code);
		/* an item whose categories take no qualifier (vision: b210 inexact) has none on both sides */
		if (!a->items[i].icf_qualifier || !b->items[i].icf_qualifier)
			cr_assert_eq(a->items[i].icf_qualifier, b->items[i].icf_qualifier, "item %zu qualifier", i);
		else
			cr_assert_str_eq(a->items[i].icf_qualifier, b->items[i].icf_qualifier);
	}
}

Test(fhir_msg, bundle_is_valid_and_shaped_as_a_message)
{
	struct sv_message m = {0};
	struct sv_error err = {0};
	cJSON *b;
	const cJSON *entries, *h, *prov;
	int n;

	sample(&m);
	b = sv_message_fhir_build(&m, BASE, &err);
	cr_assert_not_null(b, "%s", err.message);
	assert_valid(b, "message");
	cr_assert_str_eq(sv_jstr(b, "type"), "message");
	entries = cJSON_GetObjectItem(b, "entry");
	n = cJSON_GetArraySize(entries);
	h = cJSON_GetObjectItem(cJSON_GetArrayItem(entries, 0), "resource");
	cr_assert_str_eq(sv_jstr(h, "resourceType"), "MessageHeader");
	cr_assert_str_eq(sv_jstr(h, "id"), m.id);
	cr_assert_str_eq(sv_jstr(cJSON_GetObjectItem(h, "eventCoding"), "system"), BASE "/CodeSystem/message-event");
	cr_assert_str_eq(sv_jstr(cJSON_GetObjectItem(h, "eventCoding"), "code"), "function-report");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(h, "focus")), 3, "one focus per Observation");
	prov = cJSON_GetObjectItem(cJSON_GetArrayItem(entries, n - 1), "resource");
	cr_assert_str_eq(sv_jstr(prov, "resourceType"), "Provenance");
	cr_assert_str_eq(sv_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(prov, "target"), 0), "reference"),
			 sv_jstr(cJSON_GetArrayItem(entries, 0), "fullUrl"), "Provenance targets the MessageHeader");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(prov, "entity")), 3, "the three maps are named");
	cJSON_Delete(b);
	sv_message_release(&m);
}

Test(fhir_msg, round_trip_through_json_and_xml)
{
	struct sv_message m = {0}, back = {0}, back2 = {0};
	struct sv_error err = {0};
	cJSON *b, *again;
	char *xml;

	sample(&m);
	b = sv_message_fhir_build(&m, BASE, &err);
	cr_assert_not_null(b, "%s", err.message);
	cr_assert_eq(sv_message_fhir_parse(b, BASE, &back, &err), SV_OK, "%s", err.message);
	ts_message_assert_same(&m, &back);
	assert_same_codes(&m, &back);
	xml = sv_fhirxml_from_json(b, &err);
	again = sv_fhirxml_to_json(xml, strlen(xml), &err);
	cr_assert_not_null(again, "%s", err.message);
	cr_assert_eq(sv_message_fhir_parse(again, BASE, &back2, &err), SV_OK, "%s", err.message);
	ts_message_assert_same(&m, &back2);
	assert_same_codes(&m, &back2);
	free(xml);
	cJSON_Delete(again);
	cJSON_Delete(b);
	sv_message_release(&m);
	sv_message_release(&back);
	sv_message_release(&back2);
}

Test(fhir_msg, without_maps_the_observation_carries_iplos_only)
{
	struct sv_message m = {0}, back = {0};
	struct sv_error err = {0};
	cJSON *b;

	ts_message_sample(&m, SV_MSG_INNLEGGELSESRAPPORT);
	sv_msg_set(&m.patient.id, "41116900216");
	m.patient.kind = SV_MSG_ID_DNR;
	b = sv_message_fhir_build(&m, BASE, &err);
	cr_assert_not_null(b, "%s", err.message);
	assert_valid(b, "message-plain");
	cr_assert_eq(sv_message_fhir_parse(b, BASE, &back, &err), SV_OK, "%s", err.message);
	ts_message_assert_same(&m, &back);
	cr_assert_null(back.icf_map);
	cJSON_Delete(b);
	sv_message_release(&m);
	sv_message_release(&back);
}

static void not_built(void (*spoil)(struct sv_message *), enum sv_err code, const char *expression)
{
	struct sv_message m = {0};
	struct sv_error err = {0};

	ts_message_sample(&m, SV_MSG_FUNCTION_REPORT);
	spoil(&m);
	cr_assert_null(sv_message_fhir_build(&m, BASE, &err));
	cr_assert_eq(err.code, code, "%s", err.message);
	cr_assert_str_eq(err.expression, expression);
	sv_message_release(&m);
}

static void no_source(struct sv_message *m) { sv_msg_set(&m->source_endpoint, NULL); }
static void no_dest(struct sv_message *m) { sv_msg_set(&m->destination_endpoint, ""); }
static void bad_id(struct sv_message *m) { sv_msg_set(&m->id, "not a fhir id"); }
static void no_zone(struct sv_message *m) { sv_msg_set(&m->gen_date, "2026-11-26T10:15:00"); }
static void score7(struct sv_message *m) { m->items[0].score = 7; }

Test(fhir_msg, build_errors)
{
	not_built(no_source, SV_EREQUIRED, "source.endpoint");
	not_built(no_dest, SV_EREQUIRED, "destination.endpoint");
	not_built(bad_id, SV_EINVAL, "id");
	not_built(no_zone, SV_EINVAL, "genDate");
	not_built(score7, SV_EINVAL, "item[0].score");
}

/* Builds the sample Bundle, lets `spoil` change it, and expects the reader to refuse it. */
static void refused(void (*spoil)(cJSON *), enum sv_err code, const char *expression, const char *words)
{
	struct sv_message m = {0}, back = {0};
	struct sv_error err = {0};
	cJSON *b;

	sample(&m);
	b = sv_message_fhir_build(&m, BASE, &err);
	spoil(b);
	cr_assert_eq(sv_message_fhir_parse(b, BASE, &back, &err), code, "%s", err.message);
	cr_assert_str_eq(err.expression, expression);
	cr_assert(strstr(err.message, words), "'%s' not in: %s", words, err.message);
	cJSON_Delete(b);
	sv_message_release(&m);
	sv_message_release(&back);
}

static cJSON *res(cJSON *b, int i)
{
	return cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), i), "resource");
}

static void set_str(cJSON *o, const char *name, const char *v)
{
	cJSON_ReplaceItemInObject(o, name, cJSON_CreateString(v));
}

static void as_collection(cJSON *b) { set_str(b, "type", "collection"); }
static void header_second(cJSON *b)
{
	cJSON *entries = cJSON_GetObjectItem(b, "entry");
	cJSON_AddItemToArray(entries, cJSON_DetachItemFromArray(entries, 0));
}
static void other_event(cJSON *b) { set_str(cJSON_GetObjectItem(res(b, 0), "eventCoding"), "code", "admit-notification"); }
static void other_event_system(cJSON *b)
{
	set_str(cJSON_GetObjectItem(res(b, 0), "eventCoding"), "system", "http://example.org/events");
}
static void dangling_sender(cJSON *b) { set_str(cJSON_GetObjectItem(res(b, 0), "sender"), "reference", "urn:uuid:x"); }
static void no_patient(cJSON *b) { set_str(res(b, 3), "resourceType", "Person"); }
static void patient_other_id(cJSON *b)
{
	set_str(cJSON_GetArrayItem(cJSON_GetObjectItem(res(b, 3), "identifier"), 0), "system", "urn:oid:1.2.3");
}
static void variable_21(cJSON *b)
{
	set_str(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(res(b, 4), "code"), "coding"), 0), "code", "21");
}
static void score_7(cJSON *b)
{
	cJSON *v = cJSON_GetObjectItem(res(b, 5), "valueCodeableConcept");
	set_str(cJSON_GetArrayItem(cJSON_GetObjectItem(v, "coding"), 0), "code", "7");
}
static void no_observations(cJSON *b)
{
	for (int i = 4; i < 7; i++)
		set_str(res(b, i), "resourceType", "Basic");
}
static void too_many(cJSON *b)
{
	cJSON *entries = cJSON_GetObjectItem(b, "entry");
	while (cJSON_GetArraySize(entries) <= SV_MSG_FHIR_MAX_ENTRIES)
		cJSON_AddItemToArray(entries, cJSON_CreateObject());
}

static void org_without_her(cJSON *b)
{
	set_str(cJSON_GetArrayItem(cJSON_GetObjectItem(res(b, 1), "identifier"), 0), "system", "urn:oid:2.16.578.1.12.4.1.4.101");
}
static void header_without_id(cJSON *b) { cJSON_DeleteItemFromObject(res(b, 0), "id"); }
static void observation_without_iplos(cJSON *b)
{
	cJSON *codings = cJSON_GetObjectItem(cJSON_GetObjectItem(res(b, 6), "code"), "coding");
	cJSON_DeleteItemFromArray(codings, 0);
}
static void variable_twice(cJSON *b)
{
	set_str(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(res(b, 6), "code"), "coding"), 0), "code", "1");
}
Test(fhir_msg, reader_errors)
{
	refused(org_without_her, SV_EINVAL, "MessageHeader.sender", "HER-id");
	refused(header_without_id, SV_EREQUIRED, "MessageHeader.id", "no id");
	refused(observation_without_iplos, SV_EINVAL, "Bundle.entry[6].resource.code", "no IPLOS variable");
	refused(variable_twice, SV_EINVAL, "Bundle.entry[6].resource.code", "given twice");
	refused(as_collection, SV_EINVAL, "Bundle.type", "type message");
	refused(header_second, SV_EINVAL, "Bundle.entry[0]", "MessageHeader");
	refused(other_event, SV_EINVAL, "MessageHeader.eventCoding", "admit-notification");
	refused(other_event_system, SV_EINVAL, "MessageHeader.eventCoding", "example.org");
	refused(dangling_sender, SV_EINVAL, "MessageHeader.sender", "does not resolve");
	refused(no_patient, SV_EREQUIRED, "Bundle.entry", "no Patient");
	refused(patient_other_id, SV_EREQUIRED, "Patient.identifier", "fødselsnummer");
	refused(variable_21, SV_EINVAL, "Bundle.entry[4].resource.code", "21 is not an IPLOS function variable");
	refused(score_7, SV_EINVAL, "Bundle.entry[5].resource.valueCodeableConcept", "'7'");
	refused(no_observations, SV_EREQUIRED, "Bundle.entry", "no Observation");
	refused(too_many, SV_ETOOBIG, "Bundle.entry", "more than");
}

Test(fhir_msg, acknowledgements)
{
	struct sv_message m = {0};
	struct sv_error err = {0}, problem = {0};
	struct sv_msg_ack ack = {0};
	cJSON *ok, *bad;

	sample(&m);
	ok = sv_message_fhir_ack(&m, "ack-1", "2026-11-26T10:16:00Z", BASE, "https://sykehus.example/fhir", NULL, &err);
	cr_assert_not_null(ok, "%s", err.message);
	assert_valid(ok, "ack-ok");
	cr_assert_eq(sv_message_fhir_read_ack(ok, &ack, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(ack.code, "ok");
	cr_assert_str_eq(ack.request_id, m.id);
	cr_assert_str_eq(ack.id, "ack-1");
	cr_assert_null(ack.detail);
	sv_msg_ack_release(&ack);

	sv_fail_at(&problem, SV_EINVAL, "Bundle.entry[4].resource.code", "21 is not an IPLOS function variable");
	bad = sv_message_fhir_ack(&m, "ack-2", "2026-11-26T10:16:00+01:00", BASE, "https://sykehus.example/fhir",
				  &problem, &err);
	cr_assert_not_null(bad, "%s", err.message);
	assert_valid(bad, "ack-fatal");
	cr_assert_eq(sv_message_fhir_read_ack(bad, &ack, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(ack.code, "fatal-error");
	cr_assert(strstr(ack.detail, "21 is not"));
	sv_msg_ack_release(&ack);

	/* A message is not an acknowledgement; an acknowledgement with another code is refused. */
	cJSON *msg = sv_message_fhir_build(&m, BASE, &err);
	cr_assert_eq(sv_message_fhir_read_ack(msg, &ack, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "MessageHeader.response");
	sv_msg_ack_release(&ack);
	set_str(cJSON_GetObjectItem(res(ok, 0), "response"), "code", "fine");
	cr_assert_eq(sv_message_fhir_read_ack(ok, &ack, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "MessageHeader.response.code");
	sv_msg_ack_release(&ack);

	/* A message read without an id cannot be acknowledged by id. */
	sv_msg_set(&m.id, NULL);
	cr_assert_null(sv_message_fhir_ack(&m, "ack-3", "2026-11-26T10:16:00Z", BASE, "https://sykehus.example/fhir",
					   NULL, &err));
	cJSON_Delete(msg);
	cJSON_Delete(ok);
	cJSON_Delete(bad);
	sv_message_release(&m);
}

/* Calls fn for every "reference" string under `node`. */
static void each_reference(const cJSON *node, void (*fn)(const cJSON *bundle, const char *ref), const cJSON *bundle)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, node) {
		if (cJSON_IsString(c) && c->string && strcmp(c->string, "reference") == 0)
			fn(bundle, c->valuestring);
		else if (cJSON_IsObject(c) || cJSON_IsArray(c))
			each_reference(c, fn, bundle);
	}
}

static const cJSON *entry_of(const cJSON *bundle, const char *full_url)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(bundle, "entry"))
		if (strcmp(sv_jstr(e, "fullUrl"), full_url) == 0)
			return cJSON_GetObjectItem(e, "resource");
	return NULL;
}

/* Every urn:uuid reference names an entry of the Bundle (the maps in the Provenance are canonicals). */
static void assert_resolves(const cJSON *bundle, const char *ref)
{
	if (strncmp(ref, "urn:uuid:", 9) == 0)
		cr_assert_not_null(entry_of(bundle, ref), "reference %s does not resolve inside the Bundle", ref);
	else
		cr_assert(strstr(ref, "/ConceptMap/") != NULL, "reference %s is neither an entry nor a map", ref);
}

/* The 9111 code of the Observation `ref` names. */
static const char *variable_of(const cJSON *bundle, const char *ref)
{
	const cJSON *o = entry_of(bundle, ref);

	cr_assert_str_eq(sv_jstr(o, "resourceType"), "Observation", "%s is no Observation", ref);
	return sv_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "code"), "coding"), 0), "code");
}

Test(fhir_msg, an_assessment_adds_its_conditions_and_care_plan)
{
	struct sv_message m = {0}, back = {0};
	struct sv_error err = {0};
	const cJSON *e, *h, *pat = NULL, *plan = NULL;
	cJSON *b;
	int nobs = 0, ncond = 0, nplan = 0;

	sample(&m);   /* variables 1, 7, 13 scored 3, 4, 9: two function problems */
	cr_assert_eq(sv_message_assess(snap, BASE, &m, &err), SV_OK, "%s", err.message);
	b = sv_message_fhir_build(&m, BASE, &err);
	cr_assert_not_null(b, "%s", err.message);
	assert_valid(b, "message-assessed");
	each_reference(b, assert_resolves, b);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(b, "entry")) {
		const cJSON *r = cJSON_GetObjectItem(e, "resource");
		const char *type = sv_jstr(r, "resourceType");
		if (strcmp(type, "Patient") == 0)
			pat = e;
		nobs += strcmp(type, "Observation") == 0;
		nplan += strcmp(type, "CarePlan") == 0;
		if (strcmp(type, "CarePlan") == 0)
			plan = r;
		if (strcmp(type, "OperationOutcome") == 0)
			cr_assert_fail("the assessment's missing-variable warnings are no part of a message");
		if (strcmp(type, "Condition") != 0)
			continue;
		ncond++;
		cr_assert_str_eq(sv_jstr(cJSON_GetObjectItem(r, "subject"), "reference"), sv_jstr(pat, "fullUrl"));
		/* The evidence is the message's Observation of the same variable. */
		{
			const char *ev = sv_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
				cJSON_GetObjectItem(r, "evidence"), 0), "detail"), 0), "reference");
			const char *var = variable_of(b, ev);
			cr_assert(strcmp(var, "1") == 0 || strcmp(var, "7") == 0, "a Condition from variable %s", var);
		}
	}
	cr_assert_eq(nobs, 3, "one Observation per item, not two");
	cr_assert_eq(ncond, 2, "scores 3 and 4 are problems, 9 is not");
	cr_assert_eq(nplan, 1);
	cr_assert_str_eq(sv_jstr(cJSON_GetObjectItem(plan, "subject"), "reference"), sv_jstr(pat, "fullUrl"));
	cr_assert_str_eq(sv_jstr(plan, "intent"), "proposal");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(plan, "supportingInfo")), 3);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(plan, "addresses")), 2);
	h = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "resource");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(h, "focus")), 6, "Observations, Conditions, CarePlan");
	cr_assert_not_null(m.relations_map);
	cr_assert(strncmp(m.relations_map, BASE "/ConceptMap/iplos-interventions|",
			  sizeof(BASE "/ConceptMap/iplos-interventions|") - 1) == 0, "%s",
		  m.relations_map);
	{
		char *txt = cJSON_PrintUnformatted(b);
		cr_assert(strstr(txt, m.relations_map), "the Provenance names the relations map: %s", txt);
		free(txt);
	}
	/* A receiver reads the function data as before. */
	cr_assert_eq(sv_message_fhir_parse(b, BASE, &back, &err), SV_OK, "%s", err.message);
	ts_message_assert_same(&m, &back);
	cJSON_Delete(b);
	sv_message_release(&m);
	sv_message_release(&back);
}

Test(fhir_msg, an_assessment_needs_the_relations_map)
{
	struct sv_message m = {0};
	struct sv_error err = {0};
	struct sv_snapshot *empty = ts_snapshot_of(cJSON_CreateArray());

	ts_message_sample(&m, SV_MSG_FUNCTION_REPORT);
	cr_assert_eq(sv_message_assess(empty, BASE, &m, &err), SV_ENOTFOUND);
	cr_assert_str_eq(err.expression, "relations");
	cr_assert_null(m.assessment, "nothing half");
	sv_snapshot_release(empty);
	sv_message_release(&m);
}
