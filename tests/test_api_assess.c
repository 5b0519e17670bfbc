/* test_api_assess.c — black-box tests of POST /fhir/$assess and GET /fhir/OperationDefinition/assess
 * against the real daemon (issue 4): the 2017 report's example user in JSON and XML, a Bundle of
 * Observations, every bad input, and a municipality's own relations map imported into a live daemon.
 * Expected codes are those of the bundled mappings/ (copied there from ../shared/terminology). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/daemon.h"
#include "support/support.h"

TS_DAEMON_SUITE(NULL)
TS_DAEMON_SUITE_END()

#define V9111 "urn:oid:2.16.578.1.12.4.1.1.9111"
#define V9151 "urn:oid:2.16.578.1.12.4.1.1.9151"
#define SCORE "https://fhir.samsvar.no/CodeSystem/iplos-score"
#define SCT "http://snomed.info/sct"
#define FSIII "urn:oid:1.2.208.176.2.21"

static const char *const POST_XML[] = {"Content-Type: application/fhir+xml", "Accept: application/fhir+xml", NULL};
static const char *const POST_JSON[] = {"Content-Type: application/fhir+json", "Accept: application/fhir+json",
					NULL};

#define ITEM(v, s)                                                                                      \
	"{\"name\":\"item\",\"part\":[{\"name\":\"variable\",\"valueCoding\":{\"system\":\"" V9111 "\","    \
	"\"code\":\"" v "\"}},{\"name\":\"score\",\"valueInteger\":" s "}]}"

/* The 2017 report's example user: "has trouble keeping track of medicines but takes them; washes daily but
 * is anxious about showering alone; trouble with the heaviest housework". Scores:
 * 4 Ivareta egen helse = 3 (takes them, needs help to keep track: does parts, help for the rest);
 * 7 Personlig hygiene = 3 (washes daily but wants a helper around when showering: helper may come and go);
 * 20 Opplevelse av trygghet = 2 (insecure in one situation only, otherwise manages alone with difficulty);
 * 6 Alminnelig husarbeid = 3 (light housework alone, needs help with the heaviest: the 2017 score-3 package). */
static const char EXAMPLE_JSON[] =
	"{\"resourceType\":\"Parameters\",\"parameter\":["
	"{\"name\":\"patient\",\"valueReference\":{\"reference\":\"Patient/example\"}},"
	"{\"name\":\"date\",\"valueDate\":\"2024-05-30\"}," ITEM("4", "3") "," ITEM("7", "3") "," ITEM("20", "2") ","
	ITEM("6", "3") "]}";

#define XITEM(v, s)                                                                                    \
	"<parameter><name value=\"item\"/><part><name value=\"variable\"/><valueCoding><system value=\"" V9111 \
	"\"/><code value=\"" v "\"/></valueCoding></part><part><name value=\"score\"/><valueInteger value=\"" s \
	"\"/></part></parameter>"

static const char EXAMPLE_XML[] =
	"<Parameters xmlns=\"http://hl7.org/fhir\">"
	"<parameter><name value=\"patient\"/><valueReference><reference value=\"Patient/example\"/></valueReference>"
	"</parameter><parameter><name value=\"date\"/><valueDate value=\"2024-05-30\"/></parameter>"
	XITEM("4", "3") XITEM("7", "3") XITEM("20", "2") XITEM("6", "3") "</Parameters>";

static void require_daemon(void)
{
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *nth(const cJSON *bundle, const char *type, int n, const char **url)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(bundle, "entry")) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource");
		if (strcmp(str(r, "resourceType"), type) == 0 && n-- == 0) {
			if (url)
				*url = str(e, "fullUrl");
			return r;
		}
	}
	return NULL;
}

static int count_type(const cJSON *bundle, const char *type)
{
	int n = 0;
	while (nth(bundle, type, n, NULL))
		n++;
	return n;
}

static const char *code_in(const cJSON *cc, const char *system, int n)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cc, "coding"))
		if (strcmp(str(c, "system"), system) == 0 && n-- == 0)
			return str(c, "code");
	return NULL;
}

static const cJSON *detail(const cJSON *cp, int n)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cp, "activity"), n),
						"detail");
}

static double minutes(const cJSON *cp)
{
	const cJSON *ext = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cp, "extension"), 0);
	cr_assert_str_eq(str(ext, "url"), "https://fhir.samsvar.no/StructureDefinition/estimated-minutes-per-week");
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(ext, "valueQuantity"), "value")
		->valuedouble;
}

static cJSON *post_ok(unsigned port, const char *path, const char *body)
{
	struct ts_resp r;
	cJSON *j;
	cr_assert_eq(ts_http(port, "POST", path, POST_JSON, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	j = cJSON_Parse(r.body);
	free(r.body);
	cr_assert_not_null(j);
	return j;
}

/* Expects a 400 OperationOutcome whose issue names `expr` and whose text contains `text`. */
static void post_bad(const char *body, long want, const char *code, const char *expr, const char *text)
{
	long status;
	cJSON *j;
	require_daemon();
	j = ts_post_json("/fhir/$assess", body, &status);
	cr_assert_not_null(j);
	cr_assert_eq(status, want, "status %ld for %s", status, body);
	cr_assert_str_eq(str(j, "resourceType"), "OperationOutcome");
	cr_assert_str_eq(ts_issue_code(j), code);
	cr_assert_not_null(strstr(ts_issue_text(j), text), "%s", ts_issue_text(j));
	const cJSON *ex = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "issue"), 0), "expression");
	if (*expr)
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetArrayItem(ex, 0)), expr);
	else
		cr_assert_null(ex);
	cJSON_Delete(j);
}

Test(api_assess, report_example_user_json)
{
	cJSON *b;
	const cJSON *o, *c, *cp, *d;
	const char *c_med;

	require_daemon();
	b = post_ok(ts_port(), "/fhir/$assess", EXAMPLE_JSON);
	cr_assert_str_eq(str(b, "resourceType"), "Bundle");
	cr_assert_str_eq(str(b, "type"), "collection");
	cr_assert_eq(count_type(b, "Observation"), 4);
	cr_assert_eq(count_type(b, "Condition"), 3);
	cr_assert_eq(count_type(b, "CarePlan"), 1);
	cr_assert_eq(count_type(b, "OperationOutcome"), 1, "16 variables are missing");
	o = nth(b, "Observation", 1, NULL);
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(o, "code"), V9111, 0), "7");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(o, "code"), "http://hl7.org/fhir/sid/icf", 0), "d510");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(o, "code"), SCT, 0), "286850002");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(o, "valueCodeableConcept"), SCORE, 0), "3");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(o, "valueCodeableConcept"),
				 "https://fhir.samsvar.no/CodeSystem/icf-qualifier", 0), "2");
	c = nth(b, "Condition", 0, &c_med);
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(c, "code"), SCT, 0), "285038001");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(c, "code"), FSIII, 0), "J1.7");
	cr_assert_eq(strncmp(c_med, "urn:uuid:", 9), 0);
	cp = nth(b, "CarePlan", 0, NULL);
	cr_assert_str_eq(str(cp, "status"), "draft");
	cr_assert_str_eq(str(cp, "intent"), "proposal");
	cr_assert_str_eq(str(cJSON_GetObjectItem(cp, "subject"), "reference"), "Patient/example");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cp, "activity")), 3);
	d = detail(cp, 0);
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(d, "code"), V9151, 0), "15");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(d, "code"), SCT, 0), "713111008");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(d, "code"), FSIII, 0), "G1.21");
	cr_assert_str_eq(str(cJSON_GetArrayItem(cJSON_GetObjectItem(d, "reasonReference"), 0), "reference"), c_med);
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(detail(cp, 1), "code"), SCT, 0), "225964003");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(detail(cp, 2), "code"), V9151, 0), "1");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(detail(cp, 2), "code"), FSIII, 0), "H1.8");
	cr_assert_float_eq(minutes(cp), 10.0, 1e-9);
	cJSON_Delete(b);
}

Test(api_assess, report_example_user_xml)
{
	struct ts_resp r;

	require_daemon();
	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir/$assess", POST_XML, EXAMPLE_XML, strlen(EXAMPLE_XML), &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.ctype, "application/fhir+xml"), "%s", r.ctype);
	cr_assert(strstr(r.body, "<Bundle xmlns=\"http://hl7.org/fhir\">"), "%.300s", r.body);
	cr_assert(strstr(r.body, "<type value=\"collection\"/>"));
	cr_assert(strstr(r.body, "<code value=\"713111008\"/>"), "no dosette procedure");
	cr_assert(strstr(r.body, "<code value=\"G1.21\"/>"));
	cr_assert(strstr(r.body, "<code value=\"285038001\"/>"));
	cr_assert(strstr(r.body, "<periodUnit value=\"wk\"/>") && strstr(r.body, "<periodUnit value=\"mo\"/>"));
	cr_assert(strstr(r.body, "<intent value=\"proposal\"/>"));
	cr_assert(strstr(r.body, "<code value=\"min/wk\"/>"));
	cr_assert(strstr(r.body, "<value value=\"10\"/>"));
	cr_assert(strstr(r.body, "<fullUrl value=\"urn:uuid:"));
	free(r.body);
}

Test(api_assess, bundle_of_observations_xml)
{
	static const char body[] =
		"<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"collection\"/>"
		"<entry><resource><Observation><status value=\"final\"/><code><coding><system value=\"" V9111 "\"/>"
		"<code value=\"4\"/></coding></code><subject><reference value=\"Patient/p1\"/></subject>"
		"<effectiveDateTime value=\"2024-05-30\"/><valueInteger value=\"5\"/></Observation></resource></entry>"
		"<entry><resource><Observation><status value=\"final\"/><code><coding><system value=\"" V9111 "\"/>"
		"<code value=\"6\"/></coding></code><subject><reference value=\"Patient/p1\"/></subject>"
		"<effectiveDateTime value=\"2024-05-30\"/><valueCodeableConcept><coding><system value=\"" SCORE "\"/>"
		"<code value=\"5\"/></coding></valueCodeableConcept></Observation></resource></entry></Bundle>";
	struct ts_resp r;

	require_daemon();
	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir/$assess", POST_XML, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	/* medication 5: given twice a day, 15 min = 210 min/week; housework 5: twice a week, minutes unknown */
	cr_assert(strstr(r.body, "<code value=\"18629005\"/>"));
	cr_assert(strstr(r.body, "<value value=\"210\"/>"), "%s", r.body);
	cr_assert(strstr(r.body, "<reference value=\"Patient/p1\"/>"));
	free(r.body);
}

Test(api_assess, every_bad_input_is_400_naming_the_item)
{
	post_bad("{\"resourceType\":\"Parameters\",\"parameter\":[" ITEM("4", "3") "," ITEM("21", "3") "]}", 400,
		 "invalid", "item[1]", "not an IPLOS function variable");
	post_bad("{\"resourceType\":\"Parameters\",\"parameter\":[" ITEM("4", "6") "]}", 400, "invalid",
		 "item[0].score", "not an IPLOS score");
	post_bad("{\"resourceType\":\"Parameters\",\"parameter\":[" ITEM("4", "3") "," ITEM("7", "2") ","
		 ITEM("4", "5") "]}", 400, "invalid", "item[2]", "given twice");
	post_bad("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"date\",\"valueDate\":\"2024-05-30\"}]}",
		 400, "required", "item", "empty");
	post_bad("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"item\",\"part\":[{\"name\":\"variable\","
		 "\"valueCoding\":{\"system\":\"http://snomed.info/sct\",\"code\":\"4\"}},{\"name\":\"score\","
		 "\"valueInteger\":3}]}]}", 400, "invalid", "item[0].variable", "expected " V9111);
	post_bad("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":"
		 "\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
		 "\"code\":\"8867-4\"}]},\"valueInteger\":3}}]}", 400, "invalid", "Bundle.entry[0].resource.code",
		 "not an IPLOS function variable");
	post_bad("{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":"
		 "\"Patient\"}}]}", 400, "invalid", "Bundle.entry[0].resource", "expected an Observation");
	post_bad("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"item\",\"part\":[{\"name\":\"variable\","
		 "\"valueCoding\":{\"system\":\"" V9111 "\",\"code\":\"4\"}},{\"name\":\"score\",\"valueDecimal\":3.5}]}]}",
		 400, "invalid", "item[0].score", "valueInteger");
	post_bad("{\"resourceType\":\"ValueSet\",\"status\":\"draft\"}", 400, "invalid", "", "Parameters");
}

Test(api_assess, unknown_relations_map_is_404)
{
	long status;
	cJSON *j;
	require_daemon();
	j = ts_post_json("/fhir/$assess?relations=https://nowhere.example/ConceptMap/x",
			 "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":"
			 "\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"" V9111 "\",\"code\":"
			 "\"4\"}]},\"valueInteger\":3}}]}", &status);
	cr_assert_eq(status, 404);
	cr_assert_str_eq(ts_issue_code(j), "not-found");
	cJSON_Delete(j);
}

/* Query parameters join a Parameters body as on other FHIR servers: relations is honoured (an unknown map
 * is 404 naming it), given twice or any other query parameter is refused, never ignored (issue 7). */
Test(api_assess, query_relations_with_parameters_body)
{
	const char *body = "{\"resourceType\":\"Parameters\",\"parameter\":[" ITEM("4", "3") "]}";
	long status;
	cJSON *j;
	const cJSON *ex;

	require_daemon();
	j = ts_post_json("/fhir/$assess?relations=nosuch", body, &status);
	cr_assert_eq(status, 404);
	cr_assert_str_eq(ts_issue_code(j), "not-found");
	ex = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "issue"), 0), "expression");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetArrayItem(ex, 0)), "relations");
	cJSON_Delete(j);
	j = ts_post_json("/fhir/$assess?relations=https://fhir.samsvar.no/ConceptMap/iplos-interventions", body,
			 &status);
	cr_assert_eq(status, 200);
	cr_assert_str_eq(str(j, "resourceType"), "Bundle");
	cJSON_Delete(j);
	j = ts_post_json("/fhir/$assess?relations=https://fhir.samsvar.no/ConceptMap/iplos-interventions",
			 "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"relations\",\"valueCanonical\":"
			 "\"https://fhir.samsvar.no/ConceptMap/iplos-interventions\"}," ITEM("4", "3") "]}", &status);
	cr_assert_eq(status, 400);
	ex = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "issue"), 0), "expression");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetArrayItem(ex, 0)), "relations");
	cJSON_Delete(j);
	/* Any parameter may come in the query string (it joins the body), checked like the body's. */
	j = ts_post_json("/fhir/$assess?date=2024-05-30", body, &status);
	cr_assert_eq(status, 200);
	{
		char *text = cJSON_PrintUnformatted(j);
		cr_assert(strstr(text, "\"effectiveDateTime\":\"2024-05-30\""), "%.300s", text);
		free(text);
	}
	cJSON_Delete(j);
	j = ts_post_json("/fhir/$assess?date=yesterday", body, &status);
	cr_assert_eq(status, 400);
	ex = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "issue"), 0), "expression");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetArrayItem(ex, 0)), "date");
	cJSON_Delete(j);
}

Test(api_assess, fractional_score_is_quoted_as_sent)
{
	post_bad("{\"resourceType\":\"Parameters\",\"parameter\":[" ITEM("4", "3.5") "]}", 400, "invalid",
		 "item[0].score", "3.5");
	post_bad("{\"resourceType\":\"Parameters\",\"parameter\":[" ITEM("4", "1e308") "]}", 400, "invalid",
		 "item[0].score", "1e308");
}

Test(api_assess, bad_input_in_xml_is_an_xml_outcome)
{
	static const char body[] = "<Parameters xmlns=\"http://hl7.org/fhir\">" XITEM("4", "7") "</Parameters>";
	struct ts_resp r;

	require_daemon();
	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir/$assess", POST_XML, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 400, "%s", r.body);
	cr_assert(strstr(r.body, "<OperationOutcome"));
	cr_assert(strstr(r.body, "item[0].score"), "%s", r.body);
	free(r.body);
}

Test(api_assess, get_is_not_allowed)
{
	long status;
	cJSON *j;
	require_daemon();
	j = ts_get_json("/fhir/$assess", &status);
	cr_assert_eq(status, 405);
	cJSON_Delete(j);
}

Test(api_assess, operation_definition_json_xml_and_404)
{
	long status;
	cJSON *od, *cap;
	const cJSON *p;
	struct ts_resp r;
	static const char *const ACCEPT_XML[] = {"Accept: application/fhir+xml", NULL};
	int in = 0, out = 0;

	require_daemon();
	od = ts_get_json("/fhir/OperationDefinition/assess", &status);
	cr_assert_eq(status, 200);
	cr_assert_str_eq(str(od, "resourceType"), "OperationDefinition");
	cr_assert_str_eq(str(od, "url"), "https://fhir.samsvar.no/OperationDefinition/assess");
	cr_assert_str_eq(str(od, "code"), "assess");
	cr_assert_str_eq(str(od, "kind"), "operation");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(od, "system")));
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(od, "type")));
	cr_assert(cJSON_IsFalse(cJSON_GetObjectItem(od, "instance")));
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(od, "parameter")) {
		in += strcmp(str(p, "use"), "in") == 0;
		out += strcmp(str(p, "use"), "out") == 0;
	}
	cr_assert_eq(in, 7, "item, patient, date, relations, criteria, casemix, livingAlone");
	cr_assert_eq(out, 1);
	cJSON_Delete(od);
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/OperationDefinition/assess", ACCEPT_XML, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "<OperationDefinition xmlns=\"http://hl7.org/fhir\">"));
	free(r.body);
	od = ts_get_json("/fhir/OperationDefinition/translate", &status);
	cr_assert_eq(status, 404);
	cr_assert_str_eq(ts_issue_code(od), "not-found");
	cJSON_Delete(od);
	/* the CapabilityStatement points at this definition */
	cap = ts_get_json("/fhir/metadata", &status);
	char *s = cJSON_PrintUnformatted(cap);
	cr_assert(strstr(s, "https://fhir.samsvar.no/OperationDefinition/assess"), "%s", s);
	free(s);
	cJSON_Delete(cap);
}

/* $send-message (op_message.c) is samsvar's own too: its definition names every parameter it takes. */
Test(api_assess, send_message_operation_definition_is_served_and_listed)
{
	static const char *const IN[] = {"receiver", "event", "patient", "item", "observations", "admitted", "sender",
					 "messageId", "assess"};
	long status;
	cJSON *od, *cap;
	const cJSON *p;
	size_t k = 0;
	char *s;

	require_daemon();
	od = ts_get_json("/fhir/OperationDefinition/send-message", &status);
	cr_assert_eq(status, 200);
	cr_assert_str_eq(str(od, "resourceType"), "OperationDefinition");
	cr_assert_str_eq(str(od, "url"), "https://fhir.samsvar.no/OperationDefinition/send-message");
	cr_assert_str_eq(str(od, "code"), "send-message");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(od, "affectsState")));
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(od, "parameter")) {
		if (strcmp(str(p, "use"), "in") != 0)
			continue;
		cr_assert_lt(k, sizeof(IN) / sizeof(IN[0]), "more in-parameters than $send-message takes");
		cr_assert_str_eq(str(p, "name"), IN[k], "in-parameter %zu", k);
		k++;
	}
	cr_assert_eq(k, sizeof(IN) / sizeof(IN[0]));
	cJSON_Delete(od);
	/* As XML too (the captured answer goes through the R4 XSD in tests/run.sh). */
	{
		static const char *const ACCEPT_XML[] = {"Accept: application/fhir+xml", NULL};
		struct ts_resp r;
		cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/OperationDefinition/send-message", ACCEPT_XML, NULL, 0, &r), 0);
		cr_assert_eq(r.status, 200);
		cr_assert(strstr(r.body, "<OperationDefinition xmlns=\"http://hl7.org/fhir\">"), "%s", r.body);
		free(r.body);
	}
	cap = ts_get_json("/fhir/metadata", &status);
	s = cJSON_PrintUnformatted(cap);
	cr_assert(strstr(s, "\"name\":\"send-message\",\"definition\":\"https://fhir.samsvar.no/OperationDefinition/"
			 "send-message\""), "%s", s);
	free(s);
	cJSON_Delete(cap);
}

/* ---- a municipality's own relations map, imported into a live daemon ---- */

/* Two maps: a higher, active version of the bundled url (replaces it as the default) and one under the
 * municipality's own url (chosen with relations). Both propose electronic medication support (9151 27)
 * for Ivareta egen helse 3 instead of the weekly dosette. */
static const char MUNICIPAL[] =
	"{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
	"{\"resource\":{\"resourceType\":\"ConceptMap\",\"url\":\"https://fhir.samsvar.no/ConceptMap/iplos-interventions\","
	"\"version\":\"1.0.0\",\"status\":\"active\",\"group\":[{\"source\":\"" V9111 "\",\"target\":\"" V9151 "\","
	"\"element\":[{\"code\":\"4\",\"target\":[{\"code\":\"27\",\"equivalence\":\"relatedto\",\"comment\":\"Oyer "
	"kommune 2024: electronic medication support first.\",\"dependsOn\":[{\"property\":\"" SCORE "\",\"system\":\""
	SCORE "\",\"value\":\"3\"}],\"product\":[{\"property\":\"https://fhir.samsvar.no/OperationDefinition/assess#frequency\","
	"\"value\":\"2/d\"},{\"property\":\"https://fhir.samsvar.no/OperationDefinition/assess#minutes-per-visit\","
	"\"value\":\"2\"}]}]}]}]}},"
	"{\"resource\":{\"resourceType\":\"ConceptMap\",\"url\":\"https://kommune.example/ConceptMap/tiltak\","
	"\"version\":\"2024\",\"status\":\"active\",\"group\":[{\"source\":\"" V9111 "\",\"target\":\"" V9151 "\","
	"\"element\":[{\"code\":\"6\",\"target\":[{\"code\":\"1\",\"equivalence\":\"relatedto\",\"comment\":\"Oyer "
	"criteria: practical assistance from 4.\",\"dependsOn\":[{\"property\":\"" SCORE "\",\"system\":\"" SCORE "\","
	"\"value\":\"4\"}]}]}]}]}}]}";

Test(api_assess, municipality_relations_change_the_proposal)
{
	struct ts_daemon d;
	char file[] = "/tmp/samsvar-assess-XXXXXX", args[1024];
	cJSON *b = NULL;
	const cJSON *cp;
	FILE *f;
	int fd = mkstemp(file);

	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs(MUNICIPAL, f);
	fclose(f);
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	/* before: the bundled draft proposes the dosette */
	b = post_ok(d.port, "/fhir/$assess", EXAMPLE_JSON);
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(detail(nth(b, "CarePlan", 0, NULL), 0), "code"), SCT, 0),
			 "713111008");
	cJSON_Delete(b);
	snprintf(args, sizeof(args), "import --store %s/store.db --fhir %s", d.dir, file);
	cr_assert_eq(ts_samsvar(args, NULL), 0);
	/* the daemon picks the import up by itself; the active 1.0.0 now wins over the 0.1.0 draft */
	for (int i = 0; i < 100; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		b = post_ok(d.port, "/fhir/$assess", EXAMPLE_JSON);
		cp = nth(b, "CarePlan", 0, NULL);
		if (strcmp(code_in(cJSON_GetObjectItem(detail(cp, 0), "code"), V9151, 0), "27") == 0)
			break;
		cJSON_Delete(b);
		b = NULL;
		nanosleep(&ts, NULL);
	}
	cr_assert_not_null(b, "the imported relations never took effect");
	cp = nth(b, "CarePlan", 0, NULL);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cp, "activity")), 1);
	cr_assert_float_eq(minutes(cp), 28.0, 1e-9);   /* 2/d x 2 min x 7 */
	cJSON_Delete(b);
	/* the old draft stays reachable by version */
	b = post_ok(d.port, "/fhir/$assess",
		    "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"relations\",\"valueCanonical\":"
		    "\"https://fhir.samsvar.no/ConceptMap/iplos-interventions|0.1.0\"}," ITEM("4", "3") "]}");
	cr_assert_str_eq(code_in(cJSON_GetObjectItem(detail(nth(b, "CarePlan", 0, NULL), 0), "code"), SCT, 0),
			 "713111008");
	cJSON_Delete(b);
	/* the municipality's own url: housework 3 gives nothing, 4 gives practical assistance */
	b = post_ok(d.port, "/fhir/$assess",
		    "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"relations\",\"valueCanonical\":"
		    "\"https://kommune.example/ConceptMap/tiltak\"}," ITEM("6", "3") "]}");
	cr_assert_null(cJSON_GetObjectItem(nth(b, "CarePlan", 0, NULL), "activity"));
	cJSON_Delete(b);
	b = post_ok(d.port, "/fhir/$assess?relations=https://kommune.example/ConceptMap/tiltak",
		    "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":"
		    "\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"" V9111 "\",\"code\":"
		    "\"6\"}]},\"valueInteger\":4}}]}");
	cp = nth(b, "CarePlan", 0, NULL);
	cr_assert_str_eq(str(detail(cp, 0), "description"), "Oyer criteria: practical assistance from 4.");
	cJSON_Delete(b);
	unlink(file);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}
