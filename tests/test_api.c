/* test_api.c — black-box tests of the FHIR terminology API (issue 2): the real daemon on a free port,
 * every endpoint in JSON and XML, and every kind of bad input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/daemon.h"
#include "support/support.h"

TS_DAEMON_SUITE("max_body = 65536\nexpand_max = 1000")
TS_DAEMON_SUITE_END()

#define IPLOS "urn:oid:2.16.578.1.12.4.1.1.9111"
#define ICF "http://hl7.org/fhir/sid/icf"

static const char *const ACCEPT_XML[] = {"Accept: application/fhir+xml", NULL};

static void require_daemon(void)
{
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
}

static cJSON *get_ok(const char *path)
{
	long status;
	cJSON *j;
	require_daemon();
	j = ts_get_json(path, &status);
	cr_assert_not_null(j, "GET %s: no JSON body", path);
	cr_assert_eq(status, 200, "GET %s: status %ld", path, status);
	return j;
}

/* Expects an OperationOutcome with `status` and issue code `code` from GET path. */
static void get_error(const char *path, long want_status, const char *want_code)
{
	long status;
	cJSON *j;
	require_daemon();
	j = ts_get_json(path, &status);
	cr_assert_not_null(j, "GET %s: no JSON body", path);
	cr_assert_eq(status, want_status, "GET %s: status %ld, wanted %ld", path, status, want_status);
	cr_assert_str_eq(cJSON_GetObjectItem(j, "resourceType")->valuestring, "OperationOutcome");
	cr_assert_str_eq(ts_issue_code(j), want_code, "GET %s: issue code %s", path, ts_issue_code(j));
	cr_assert_not_null(ts_issue_text(j));
	cJSON_Delete(j);
}

Test(api, healthz)
{
	struct ts_resp r;
	require_daemon();
	cr_assert_eq(ts_http(ts_port(), "GET", "/healthz", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "ok"));
	free(r.body);
}

Test(api, capability_statement_json_and_xml)
{
	cJSON *cap = get_ok("/fhir/metadata");
	struct ts_resp r;
	cr_assert_str_eq(cJSON_GetObjectItem(cap, "resourceType")->valuestring, "CapabilityStatement");
	cr_assert_str_eq(cJSON_GetObjectItem(cap, "fhirVersion")->valuestring, "4.0.1");
	{
		char *s = cJSON_PrintUnformatted(cap);
		cr_assert(strstr(s, "\"translate\""));
		free(s);
	}
	cJSON_Delete(cap);
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/metadata", ACCEPT_XML, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.ctype, "application/fhir+xml"), "content type %s", r.ctype);
	cr_assert(strstr(r.body, "<CapabilityStatement xmlns=\"http://hl7.org/fhir\""), "%s", r.body);
	free(r.body);
}

Test(api, terminology_capabilities_list_systems)
{
	cJSON *tc = get_ok("/fhir/metadata?mode=terminology");
	char *s = cJSON_PrintUnformatted(tc);
	cr_assert_str_eq(cJSON_GetObjectItem(tc, "resourceType")->valuestring, "TerminologyCapabilities");
	cr_assert(strstr(s, IPLOS), "%s", s);
	cr_assert(strstr(s, "urn:oid:2.16.578.1.12.4.1.1.9151"));
	cr_assert(strstr(s, ICF));
	cr_assert(strstr(s, "http://snomed.info/sct"));
	free(s);
	cJSON_Delete(tc);
	get_error("/fhir/metadata?mode=bogus", 400, "invalid");
}

Test(api, lookup_iplos_20)
{
	cJSON *p = get_ok("/fhir/CodeSystem/$lookup?system=" IPLOS "&code=20");
	char *s = cJSON_PrintUnformatted(p);
	cr_assert_str_eq(ts_param_str(p, "display"), "Opplevelse av trygghet");
	cr_assert(strstr(s, "\"valueCode\":\"en\""), "no English designation: %s", s);
	free(s);
	cJSON_Delete(p);
	/* displayLanguage picks the English designation. */
	p = get_ok("/fhir/CodeSystem/$lookup?system=" IPLOS "&code=20&displayLanguage=en");
	cr_assert_str_neq(ts_param_str(p, "display"), "Opplevelse av trygghet");
	cJSON_Delete(p);
}

/* GET `path` with Accept-Language `lang`; returns the display of the $lookup answer (malloc'd). */
static char *display_for(const char *path, const char *lang)
{
	char hl[96];
	const char *const h[] = {"Accept: application/fhir+json", hl, NULL};
	struct ts_resp r;
	cJSON *p;
	char *d;

	snprintf(hl, sizeof(hl), "Accept-Language: %s", lang);
	cr_assert_eq(ts_http(ts_port(), "GET", path, h, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	p = cJSON_Parse(r.body);
	free(r.body);
	d = strdup(ts_param_str(p, "display"));
	cJSON_Delete(p);
	return d;
}

Test(api, accept_language_picks_the_display_when_display_language_is_absent)
{
	static const char path[] = "/fhir/CodeSystem/$lookup?system=" IPLOS "&code=20";
	char *d;

	/* Asked twice each way: an answer cached for one language is never served for another. */
	for (int i = 0; i < 2; i++) {
		d = display_for(path, "en-GB, nb;q=0.5");
		cr_assert_str_eq(d, "Sense of security");
		free(d);
		d = display_for(path, "nb, en;q=0.5");
		cr_assert_str_eq(d, "Opplevelse av trygghet");
		free(d);
	}
	/* displayLanguage wins over the header. */
	d = display_for("/fhir/CodeSystem/$lookup?system=" IPLOS "&code=20&displayLanguage=nb", "en");
	cr_assert_str_eq(d, "Opplevelse av trygghet");
	free(d);
}

Test(api, lookup_icf_b1528_parent)
{
	cJSON *p = get_ok("/fhir/CodeSystem/$lookup?system=" ICF "&code=b1528");
	const cJSON *it;
	int parent_ok = 0;
	cr_assert_str_eq(ts_param_str(p, "display"), "Emotional functions, other specified");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(p, "parameter")) {
		char *s = cJSON_PrintUnformatted(it);
		if (strstr(s, "\"parent\"") && strstr(s, "\"b152\""))
			parent_ok = 1;
		free(s);
	}
	cr_assert(parent_ok, "b1528 has no parent property b152");
	cJSON_Delete(p);
	/* property filter: only child properties asked → no parent. */
	p = get_ok("/fhir/CodeSystem/$lookup?system=" ICF "&code=b152&property=child");
	{
		char *s = cJSON_PrintUnformatted(p);
		cr_assert(strstr(s, "\"b1528\""), "b152 children lack b1528: %s", s);
		cr_assert_null(strstr(s, "\"parent\""), "parent returned though only child asked: %s", s);
		free(s);
	}
	cJSON_Delete(p);
}

Test(api, lookup_xml_and_post)
{
	struct ts_resp r;
	long status;
	static const char *const post_xml[] = {"Accept: application/fhir+xml",
					       "Content-Type: application/fhir+xml", NULL};
	const char *xml = "<Parameters xmlns=\"http://hl7.org/fhir\"><parameter><name value=\"system\"/>"
			  "<valueUri value=\"" IPLOS "\"/></parameter><parameter><name value=\"code\"/>"
			  "<valueCode value=\"7\"/></parameter></Parameters>";
	cJSON *p;

	require_daemon();
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/$lookup?system=" IPLOS "&code=20&_format=xml",
			     NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "<valueString value=\"Opplevelse av trygghet\"/>"), "%s", r.body);
	free(r.body);
	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir/CodeSystem/$lookup", post_xml, xml, strlen(xml), &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "<valueString value=\"Personlig hygiene\"/>"), "%s", r.body);
	free(r.body);
	p = ts_post_json("/fhir/CodeSystem/$lookup", "{\"resourceType\":\"Parameters\",\"parameter\":["
			 "{\"name\":\"coding\",\"valueCoding\":{\"system\":\"" IPLOS "\",\"code\":\"13\"}}]}", &status);
	cr_assert_eq(status, 200);
	cr_assert_str_eq(ts_param_str(p, "display"), "Syn");
	cJSON_Delete(p);
}

Test(api, lookup_errors)
{
	get_error("/fhir/CodeSystem/$lookup?system=" IPLOS "&code=99", 404, "not-found");
	get_error("/fhir/CodeSystem/$lookup?system=http://example.org/unknown&code=1", 404, "not-found");
	get_error("/fhir/CodeSystem/$lookup?system=" IPLOS, 400, "required");
	get_error("/fhir/CodeSystem/$lookup?system=" IPLOS "&code=1&coding=" IPLOS "|2", 400, "invalid");
	get_error("/fhir/CodeSystem/$lookup?system=" IPLOS "&code=1&version=9.9.9", 404, "not-found");
}

Test(api, validate_code_codesystem)
{
	cJSON *p = get_ok("/fhir/CodeSystem/$validate-code?url=" IPLOS "&code=20");
	cr_assert_eq(ts_param_bool(p, "result"), 1);
	cJSON_Delete(p);
	p = get_ok("/fhir/CodeSystem/$validate-code?url=" IPLOS "&code=20&display=Wrong");
	cr_assert_eq(ts_param_bool(p, "result"), 0);
	cr_assert(strstr(ts_param_str(p, "message"), "Opplevelse av trygghet"));
	cJSON_Delete(p);
	p = get_ok("/fhir/CodeSystem/$validate-code?url=" IPLOS "&code=21");
	cr_assert_eq(ts_param_bool(p, "result"), 0);
	cr_assert_not_null(ts_param_str(p, "message"));
	cJSON_Delete(p);
	p = get_ok("/fhir/CodeSystem/$validate-code?url=http://example.org/none&code=21");
	cr_assert_eq(ts_param_bool(p, "result"), 0);
	cJSON_Delete(p);
	/* No code, coding or codeableConcept: `invalid` (the parent of `required`), as HL7's cases ask. */
	get_error("/fhir/CodeSystem/$validate-code?url=" IPLOS, 400, "invalid");
}

/* POST with a Coding whose display is wrong: false in the CodeSystem and the ValueSet form alike. */
Test(api, validate_code_coding_display_post)
{
	static const char *const paths[] = {"/fhir/CodeSystem/$validate-code",
					    "/fhir/ValueSet/$validate-code"};
	char body[512];
	long status;

	require_daemon();
	for (size_t i = 0; i < 2; i++) {
		for (int right = 0; right < 2; right++) {
			cJSON *p;
			snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"parameter\":["
				 "%s{\"name\":\"coding\",\"valueCoding\":{\"system\":\"" IPLOS "\","
				 "\"code\":\"20\",\"display\":\"%s\"}}]}",
				 i == 1 ? "{\"name\":\"url\",\"valueUri\":\"" IPLOS "?fhir_vs\"}," : "",
				 right ? "Opplevelse av trygghet" : "Wrong");
			p = ts_post_json(paths[i], body, &status);
			cr_assert_not_null(p, "POST %s: no JSON body", paths[i]);
			cr_assert_eq(status, 200, "POST %s: status %ld", paths[i], status);
			cr_assert_eq(ts_param_bool(p, "result"), right, "POST %s with display %s", paths[i],
				     right ? "right" : "wrong");
			if (!right)
				cr_assert(strstr(ts_param_str(p, "message"), "Opplevelse av trygghet"));
			cJSON_Delete(p);
		}
	}
}

Test(api, subsumes_icf)
{
	cJSON *p = get_ok("/fhir/CodeSystem/$subsumes?system=" ICF "&codeA=b152&codeB=b1528");
	cr_assert_str_eq(ts_param_str(p, "outcome"), "subsumes");
	cJSON_Delete(p);
	p = get_ok("/fhir/CodeSystem/$subsumes?system=" ICF "&codeA=b1528&codeB=b152");
	cr_assert_str_eq(ts_param_str(p, "outcome"), "subsumed-by");
	cJSON_Delete(p);
	p = get_ok("/fhir/CodeSystem/$subsumes?system=" ICF "&codeA=b1528&codeB=b1528");
	cr_assert_str_eq(ts_param_str(p, "outcome"), "equivalent");
	cJSON_Delete(p);
	p = get_ok("/fhir/CodeSystem/$subsumes?system=" ICF "&codeA=b152&codeB=b130");
	cr_assert_str_eq(ts_param_str(p, "outcome"), "not-subsumed");
	cJSON_Delete(p);
	get_error("/fhir/CodeSystem/$subsumes?system=" ICF "&codeA=b152&codeB=zz9", 404, "not-found");
	get_error("/fhir/CodeSystem/$subsumes?system=" ICF "&codeA=b152", 400, "required");
}

static int total_of(const cJSON *vs)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(vs, "expansion"), "total")->valueint;
}

Test(api, expand_implicit_and_paging)
{
	cJSON *vs = get_ok("/fhir/ValueSet/$expand?url=" IPLOS "?fhir_vs");
	const cJSON *contains = cJSON_GetObjectItem(cJSON_GetObjectItem(vs, "expansion"), "contains");
	cr_assert_eq(total_of(vs), 20);
	cr_assert_eq(cJSON_GetArraySize(contains), 20);
	cJSON_Delete(vs);
	vs = get_ok("/fhir/ValueSet/$expand?url=" IPLOS "?fhir_vs&filter=TRYGG");
	cr_assert_eq(total_of(vs), 1);
	cJSON_Delete(vs);
	vs = get_ok("/fhir/ValueSet/$expand?url=" IPLOS "?fhir_vs&count=5&offset=18");
	contains = cJSON_GetObjectItem(cJSON_GetObjectItem(vs, "expansion"), "contains");
	cr_assert_eq(total_of(vs), 20);
	cr_assert_eq(cJSON_GetArraySize(contains), 2);
	cJSON_Delete(vs);
	vs = get_ok("/fhir/ValueSet/$expand?url=" ICF "?fhir_vs=isa/b152");
	cr_assert_geq(total_of(vs), 2, "b152 subtree has b152 and b1528 at least");
	cJSON_Delete(vs);
	get_error("/fhir/ValueSet/$expand?url=http://example.org/vs", 404, "not-found");
	get_error("/fhir/ValueSet/$expand?url=" IPLOS "?fhir_vs&count=abc", 400, "invalid");
	get_error("/fhir/ValueSet/$expand", 400, "required");
}

Test(api, expand_xml)
{
	struct ts_resp r;
	require_daemon();
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/ValueSet/$expand?url=" IPLOS "?fhir_vs&count=2", ACCEPT_XML,
			     NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "<total value=\"20\"/>"), "%s", r.body);
	free(r.body);
}

Test(api, validate_code_valueset)
{
	cJSON *p = get_ok("/fhir/ValueSet/$validate-code?url=" ICF "?fhir_vs=isa/b152&system=" ICF "&code=b1528");
	cr_assert_eq(ts_param_bool(p, "result"), 1);
	cJSON_Delete(p);
	p = get_ok("/fhir/ValueSet/$validate-code?url=" ICF "?fhir_vs=isa/b152&system=" ICF "&code=b130");
	cr_assert_eq(ts_param_bool(p, "result"), 0);
	cr_assert_not_null(ts_param_str(p, "message"));
	cJSON_Delete(p);
}

Test(api, read_and_search)
{
	cJSON *b = get_ok("/fhir/CodeSystem?url=" IPLOS), *res;
	const char *id;
	char path[256];
	cr_assert_str_eq(cJSON_GetObjectItem(b, "type")->valuestring, "searchset");
	cr_assert_eq(cJSON_GetObjectItem(b, "total")->valueint, 1);
	res = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "resource");
	id = cJSON_GetObjectItem(res, "id")->valuestring;
	snprintf(path, sizeof(path), "/fhir/CodeSystem/%s", id);
	cJSON_Delete(get_ok(path));
	cJSON_Delete(b);
	b = get_ok("/fhir/ConceptMap");
	cr_assert_geq(cJSON_GetObjectItem(b, "total")->valueint, 1);
	cJSON_Delete(b);
	b = get_ok("/fhir/CodeSystem?_summary=count");
	cr_assert_geq(cJSON_GetObjectItem(b, "total")->valueint, 5);
	cr_assert_null(cJSON_GetObjectItem(b, "entry"));
	cJSON_Delete(b);
	b = get_ok("/fhir/CodeSystem?url=" IPLOS "&_summary=false");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(b, "entry"), 0), "resource"), "concept")), 20);
	cJSON_Delete(b);
	get_error("/fhir/CodeSystem?_summary=maybe", 400, "invalid");
	get_error("/fhir/CodeSystem/no-such-id", 404, "not-found");
	get_error("/fhir/CodeSystem?_count=-1", 400, "invalid");
}

static void post_raw(const char *path, const char *ctype, const char *body, size_t len, long want, const char *code)
{
	char ct[160];
	const char *h[] = {"Accept: application/fhir+json", ct, NULL};
	struct ts_resp r;
	cJSON *j;
	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
	require_daemon();
	cr_assert_eq(ts_http(ts_port(), "POST", path, h, body, len, &r), 0);
	cr_assert_eq(r.status, want, "POST %s (%s): status %ld, body %.300s", path, ctype, r.status, r.body);
	j = cJSON_Parse(r.body);
	cr_assert_not_null(j, "error body is not JSON: %.200s", r.body);
	cr_assert_str_eq(ts_issue_code(j), code);
	cJSON_Delete(j);
	free(r.body);
}

Test(api, bad_bodies)
{
	const char *bad_json = "{\"resourceType\":\"Parameters\",";
	const char *bad_xml = "<Parameters xmlns=\"http://hl7.org/fhir\"><parameter>";
	const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
			  "<Parameters xmlns=\"http://hl7.org/fhir\"><parameter><name value=\"&x;\"/></parameter>"
			  "</Parameters>";
	const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
			     "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><Parameters xmlns=\"http://hl7.org/fhir\"/>";
	char *big = malloc(70001), *deep = malloc(4000);
	size_t o = 0;

	post_raw("/fhir/CodeSystem/$lookup", "application/fhir+json", bad_json, strlen(bad_json), 400, "invalid");
	post_raw("/fhir/CodeSystem/$lookup", "application/fhir+xml", bad_xml, strlen(bad_xml), 400, "invalid");
	post_raw("/fhir/CodeSystem/$lookup", "application/fhir+xml", xxe, strlen(xxe), 400, "invalid");
	post_raw("/fhir/CodeSystem/$lookup", "application/fhir+xml", laughs, strlen(laughs), 400, "invalid");
	post_raw("/fhir/CodeSystem/$lookup", "text/plain", "code=1", 6, 415, "not-supported");
	post_raw("/fhir/CodeSystem/$lookup", "application/fhir+json", "[1,2]", 5, 400, "invalid");
	post_raw("/fhir/CodeSystem/$lookup", "application/fhir+json",
		 "{\"resourceType\":\"Parameters\",\"parameter\":[{\"valueString\":\"x\"}]}", 59, 400, "invalid");
	memset(big, ' ', 70000);
	big[0] = '{';
	big[69999] = '}';
	big[70000] = '\0';
	post_raw("/fhir/CodeSystem/$lookup", "application/fhir+json", big, 70000, 413, "too-long");
	for (int i = 0; i < 100; i++)
		deep[o++] = '[';
	for (int i = 0; i < 100; i++)
		deep[o++] = ']';
	deep[o] = '\0';
	{
		char body[4096];
		snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"x\":%s}", deep);
		post_raw("/fhir/CodeSystem/$lookup", "application/fhir+json", body, strlen(body), 400, "invalid");
	}
	free(big);
	free(deep);
}

Test(api, negotiation_and_routing_errors)
{
	static const char *const html[] = {"Accept: text/html", NULL};
	struct ts_resp r;
	require_daemon();
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/metadata", html, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 406);
	cr_assert(strstr(r.body, "OperationOutcome"));
	free(r.body);
	get_error("/fhir/metadata?_format=yaml", 406, "not-supported");
	get_error("/nowhere", 404, "not-found");
	get_error("/fhir/Patient/1", 404, "not-found");
	get_error("/fhir/CodeSystem/$frobnicate", 404, "not-found");
	cr_assert_eq(ts_http(ts_port(), "DELETE", "/fhir/CodeSystem/x", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 401, "a write without a token: %ld", r.status);
	free(r.body);
	cr_assert_eq(ts_http(ts_port(), "PATCH", "/fhir/CodeSystem/x", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 405);
	free(r.body);
	/* Still alive after all of the above. */
	cr_assert_eq(ts_http(ts_port(), "GET", "/healthz", NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 200);
	free(r.body);
}

Test(api, repeated_gets_are_answered_alike_in_the_format_asked)
{
	struct ts_resp a, b, x;
	const char *path = "/fhir/ConceptMap/$translate?system=" IPLOS "&code=7&targetsystem=" ICF;
	require_daemon();
	cr_assert_eq(ts_http(ts_port(), "GET", path, NULL, NULL, 0, &a), 0);
	cr_assert_eq(ts_http(ts_port(), "GET", path, NULL, NULL, 0, &b), 0);
	cr_assert_eq(a.status, 200);
	cr_assert_eq(a.len, b.len);
	cr_assert_eq(memcmp(a.body, b.body, a.len), 0, "a repeated GET must give the same answer");
	/* The same question asked for XML is answered in XML, not from the JSON copy. */
	cr_assert_eq(ts_http(ts_port(), "GET", path, ACCEPT_XML, NULL, 0, &x), 0);
	cr_assert(strstr(x.ctype, "fhir+xml"), "%s", x.ctype);
	cr_assert(strncmp(x.body, "<?xml", 5) == 0, "%.80s", x.body);
	free(a.body);
	free(b.body);
	free(x.body);
}

Test(api, expansions_are_never_served_from_a_copy)
{
	cJSON *a = get_ok("/fhir/ValueSet/$expand?url=" IPLOS "?fhir_vs&count=1");
	cJSON *b = get_ok("/fhir/ValueSet/$expand?url=" IPLOS "?fhir_vs&count=1");
	const char *ia = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "expansion"), "identifier")->valuestring;
	const char *ib = cJSON_GetObjectItem(cJSON_GetObjectItem(b, "expansion"), "identifier")->valuestring;
	cr_assert_str_neq(ia, ib, "each expansion has its own identifier");
	cJSON_Delete(a);
	cJSON_Delete(b);
}

/* A repeated $expand may come from the answer cache, but every answer has its own identifier and
 * the time it was given; the expansion itself is the same. */
Test(api, repeated_expand_gets_a_new_identifier_each_time)
{
	static const char *const path = "/fhir/ValueSet/$expand?url=urn:oid:2.16.578.1.12.4.1.1.9111?fhir_vs";
	char *ids[3], *contains[3];
	long status;

	for (int i = 0; i < 3; i++) {
		cJSON *vs = ts_get_json(path, &status), *exp;
		cr_assert_eq(status, 200);
		exp = cJSON_GetObjectItem(vs, "expansion");
		ids[i] = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(exp, "identifier")));
		cr_assert_eq(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(exp, "timestamp"))), 20);
		contains[i] = cJSON_PrintUnformatted(cJSON_GetObjectItem(exp, "contains"));
		cJSON_Delete(vs);
	}
	for (int i = 1; i < 3; i++) {
		cr_assert_str_neq(ids[i], ids[0], "two answers share identifier %s", ids[0]);
		cr_assert_str_eq(contains[i], contains[0]);
	}
	cr_assert_str_neq(ids[1], ids[2]);
	for (int i = 0; i < 3; i++) {
		free(ids[i]);
		free(contains[i]);
	}
}
