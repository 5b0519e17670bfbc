/* test_api_batch.c — black-box tests of many requests in one call (issue 10): a batch Bundle posted to
 * /fhir (GET and POST entries, each answered on its own, a bad one with its own status and outcome),
 * its caps (max_batch_entries, max_batch_answer_nodes), the caller's token applied to every entry,
 * ValueSet/$batch-validate-code, GET /fhir/$versions, the CapabilityStatement's terminology-server
 * fields, and $translate over two tx-resource maps that share one url and version. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "support/daemon.h"
#include "support/support.h"

/* The shared daemon: small caps, so the tests can reach them. */
TS_DAEMON_SUITE("max_batch_entries = 7\nmax_batch_answer_nodes = 1000")
TS_DAEMON_SUITE_END()

#define IPLOS "urn:oid:2.16.578.1.12.4.1.1.9111"
#define ICF "http://hl7.org/fhir/sid/icf"

/* POSTs `body` to the base and returns the answer (asserting the status). */
static cJSON *post_base(const char *body, long want)
{
	long st;
	cJSON *r;

	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	r = ts_post_json("/fhir", body, &st);
	cr_assert_not_null(r, "no JSON answer");
	cr_assert_eq(st, want, "status %ld, wanted %ld", st, want);
	return r;
}

static const cJSON *entry(const cJSON *bundle, int i)
{
	const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(bundle, "entry"), i);
	cr_assert_not_null(e, "no entry %d", i);
	return e;
}

static const char *entry_status(const cJSON *bundle, int i)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(entry(bundle, i), "response"), "status"));
}

static const cJSON *entry_resource(const cJSON *bundle, int i)
{
	return cJSON_GetObjectItem(entry(bundle, i), "resource");
}

static const cJSON *entry_outcome(const cJSON *bundle, int i)
{
	return cJSON_GetObjectItem(cJSON_GetObjectItem(entry(bundle, i), "response"), "outcome");
}

Test(batch, entries_answer_independently_good_and_bad_side_by_side)
{
	cJSON *b = post_base("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
		"{\"request\":{\"method\":\"GET\",\"url\":\"CodeSystem/$validate-code?url=" IPLOS "&code=20\"}},"
		"{\"request\":{\"method\":\"POST\",\"url\":\"ConceptMap/$translate\"},\"resource\":{\"resourceType\":"
		"\"Parameters\",\"parameter\":[{\"name\":\"system\",\"valueUri\":\"" IPLOS "\"},{\"name\":\"code\","
		"\"valueCode\":\"20\"},{\"name\":\"targetsystem\",\"valueUri\":\"" ICF "\"}]}},"
		"{\"request\":{\"method\":\"GET\",\"url\":\"CodeSystem/$lookup?system=" IPLOS "&code=no-such-code\"}},"
		"{\"request\":{\"method\":\"GET\",\"url\":\"/CodeSystem?url=" IPLOS "\"}},"
		"{\"request\":{\"method\":\"POST\",\"url\":\"ValueSet/$expand?url=" ICF "%3Ffhir_vs%3Disa/b152\"}}"
		"]}", 200);

	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(b, "type")), "batch-response");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(b, "entry")), 5, "one answer per entry, in order");
	cr_assert_str_eq(entry_status(b, 0), "200");
	cr_assert_eq(ts_param_bool(entry_resource(b, 0), "result"), 1, "GET validate-code: IPLOS 20 is valid");
	cr_assert_str_eq(entry_status(b, 1), "200");
	cr_assert_eq(ts_param_bool(entry_resource(b, 1), "result"), 1, "POST $translate with a Parameters body");
	cr_assert_str_eq(entry_status(b, 2), "404", "the bad entry has its own status");
	cr_assert_null(entry_resource(b, 2));
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(entry_outcome(b, 2), "resourceType")),
			 "OperationOutcome");
	cr_assert_str_eq(entry_status(b, 3), "200", "a search, with a leading slash");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(entry_resource(b, 3), "type")), "searchset");
	cr_assert_str_eq(entry_status(b, 4), "200", "POST without a body: the query's parameters");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(entry_resource(b, 4), "resourceType")), "ValueSet");
	cJSON_Delete(b);
}

Test(batch, entries_that_cannot_run_say_why)
{
	cJSON *b = post_base("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
		"{\"request\":{\"method\":\"DELETE\",\"url\":\"CodeSystem/x\"}},"
		"{\"request\":{\"method\":\"POST\",\"url\":\"\"},\"resource\":{\"resourceType\":\"Bundle\",\"type\":\"batch\"}},"
		"{\"request\":{\"method\":\"GET\",\"url\":\"http://elsewhere.example/fhir/metadata\"}},"
		"{\"request\":{\"method\":\"POST\",\"url\":\"ConceptMap\"},\"resource\":{\"resourceType\":\"ConceptMap\"}},"
		"{\"request\":{\"method\":\"GET\",\"url\":\"ValueSet/$validate-code?url=" ICF "%3Ffhir_vs&code\"}},"
		"{\"resource\":{\"resourceType\":\"Parameters\"}},"
		"{\"request\":{\"method\":\"POST\",\"url\":\"ValueSet/$batch-validate-code\"},\"resource\":{"
		"\"resourceType\":\"Parameters\"}}"
		"]}", 200);

	cr_assert_str_eq(entry_status(b, 0), "405", "DELETE is not a batch entry");
	cr_assert_str_eq(entry_status(b, 1), "400", "no batch inside a batch");
	cr_assert(strstr(ts_issue_text(entry_outcome(b, 1)), "batch cannot hold a batch"));
	cr_assert_str_eq(entry_status(b, 2), "400", "an absolute url is refused");
	cr_assert(strstr(ts_issue_text(entry_outcome(b, 2)), "relative"));
	cr_assert_str_eq(entry_status(b, 3), "405", "creates are not batch entries");
	cr_assert_str_eq(entry_status(b, 4), "400", "validate-code without a code");
	cr_assert_str_eq(entry_status(b, 5), "400", "an entry without request");
	cr_assert_str_eq(entry_status(b, 6), "400", "nor $batch-validate-code inside a batch");
	cr_assert(strstr(ts_issue_text(entry_outcome(b, 6)), "batch cannot hold a batch"));
	cJSON_Delete(b);
}

Test(batch, an_xml_client_gets_the_batch_response_in_xml)
{
	struct ts_resp r;
	const char *h[] = {"Content-Type: application/fhir+json", "Accept: application/fhir+xml", NULL};
	static const char body[] = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
		"{\"request\":{\"method\":\"GET\",\"url\":\"CodeSystem/$lookup?system=" IPLOS "&code=20\"}},"
		"{\"request\":{\"method\":\"GET\",\"url\":\"CodeSystem/$lookup?system=" IPLOS "&code=nope\"}}]}";

	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir", h, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert(strstr(r.ctype, "xml"), "%s", r.ctype);
	cr_assert(strstr(r.body, "<type value=\"batch-response\"/>"), "%s", r.body);
	cr_assert(strstr(r.body, "<outcome><OperationOutcome"), "%s", r.body);
	free(r.body);
}

Test(batch, the_bundle_itself_is_checked)
{
	cJSON *r = post_base("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[]}", 400);
	cr_assert(strstr(ts_issue_text(r), "transaction"), "%s", ts_issue_text(r));
	cJSON_Delete(r);
	r = post_base("{\"resourceType\":\"Bundle\",\"type\":\"collection\"}", 400);
	cJSON_Delete(r);
	r = post_base("{\"resourceType\":\"Parameters\"}", 400);
	cJSON_Delete(r);
}

Test(batch, more_entries_than_max_batch_entries_is_413_naming_the_limit)
{
	char body[4096] = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[";
	cJSON *r;

	for (int i = 0; i < 8; i++)
		strcat(body, i ? ",{\"request\":{\"method\":\"GET\",\"url\":\"$versions\"}}" :
			     "{\"request\":{\"method\":\"GET\",\"url\":\"$versions\"}}");
	strcat(body, "]}");
	r = post_base(body, 413);
	cr_assert(strstr(ts_issue_text(r), "max_batch_entries"), "%s", ts_issue_text(r));
	cJSON_Delete(r);
}

Test(batch, answers_past_max_batch_answer_nodes_are_413_each)
{
	char body[4096] = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[";
	cJSON *b;
	int last;

	/* ICF's implicit value set: 51 codes, a few hundred JSON values an answer; 1000 in all. */
	for (int i = 0; i < 6; i++)
		strcat(body, i ? ",{\"request\":{\"method\":\"GET\",\"url\":\"ValueSet/$expand?url=" ICF "%3Ffhir_vs\"}}" :
			     "{\"request\":{\"method\":\"GET\",\"url\":\"ValueSet/$expand?url=" ICF "%3Ffhir_vs\"}}");
	strcat(body, "]}");
	b = post_base(body, 200);
	last = cJSON_GetArraySize(cJSON_GetObjectItem(b, "entry")) - 1;
	cr_assert_eq(last, 5);
	cr_assert_str_eq(entry_status(b, 0), "200");
	cr_assert_str_eq(entry_status(b, last), "413", "the budget ran out before the last");
	cr_assert(strstr(ts_issue_text(entry_outcome(b, last)), "max_batch_answer_nodes"));
	cJSON_Delete(b);
}

/* ---- ValueSet/$batch-validate-code ---- */

#define CS "http://example.org/fhir/CodeSystem/batch"
#define VS "http://example.org/fhir/ValueSet/batch"
#define TX_CS "{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\",\"url\":\"" CS "\"," \
	"\"version\":\"1\",\"status\":\"active\",\"content\":\"complete\",\"concept\":[{\"code\":\"a\",\"display\":" \
	"\"Alpha\"},{\"code\":\"b\",\"display\":\"Beta\"}]}}"
#define TX_VS "{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"ValueSet\",\"url\":\"" VS "\",\"status\":" \
	"\"active\",\"compose\":{\"include\":[{\"system\":\"" CS "\",\"concept\":[{\"code\":\"a\"}]}]}}}"
#define VALIDATION(params) "{\"name\":\"validation\",\"resource\":{\"resourceType\":\"Parameters\",\"parameter\":[" \
	params "]}}"
#define CODING(code, display) "{\"name\":\"coding\",\"valueCoding\":{\"system\":\"" CS "\",\"code\":\"" code \
	"\",\"display\":\"" display "\"}}"

static const cJSON *validation(const cJSON *r, int i)
{
	int n = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(r, "parameter"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")), "validation") == 0 && n++ == i)
			return cJSON_GetObjectItem(p, "resource");
	cr_assert_fail("no validation %d", i);
	return NULL;
}

Test(batch, batch_validate_code_shares_its_parameters_and_lets_each_validation_override_them)
{
	long st;
	cJSON *r = ts_post_json("/fhir/ValueSet/$batch-validate-code", "{\"resourceType\":\"Parameters\",\"parameter\":["
		TX_CS "," TX_VS ",{\"name\":\"url\",\"valueUri\":\"" VS "\"},"
		"{\"name\":\"lenient-display-validation\",\"valueBoolean\":true},"
		VALIDATION(CODING("a", "Alpha")) ","
		VALIDATION(CODING("a", "Wrong") ",{\"name\":\"lenient-display-validation\",\"valueBoolean\":false}") ","
		VALIDATION(CODING("a", "Wrong")) ","
		VALIDATION(CODING("b", "Beta")) ","
		VALIDATION("{\"name\":\"codingX\",\"valueCoding\":{\"system\":\"" CS "\",\"code\":\"a\"}}") "]}", &st);

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "resourceType")), "Parameters");
	cr_assert_eq(ts_param_bool(validation(r, 0), "result"), 1, "a in the value set, right display");
	cr_assert_eq(ts_param_bool(validation(r, 1), "result"), 0, "its own lenient-display-validation=false wins");
	cr_assert_eq(ts_param_bool(validation(r, 2), "result"), 1, "the shared lenient flag: a warning only");
	cr_assert_eq(ts_param_bool(validation(r, 3), "result"), 0, "b is in the code system, not the value set");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(validation(r, 4), "resourceType")),
			 "OperationOutcome", "a validation without a code is its own error");
	cr_assert(strstr(ts_issue_text(validation(r, 4)), "Unable to find code to validate"));
	cJSON_Delete(r);
}

Test(batch, batch_validate_code_needs_validations)
{
	long st;
	cJSON *r = ts_post_json("/fhir/ValueSet/$batch-validate-code", "{\"resourceType\":\"Parameters\",\"parameter\":["
				"{\"name\":\"url\",\"valueUri\":\"" VS "\"}]}", &st);
	cr_assert_eq(st, 400, "%ld", st);
	cJSON_Delete(r);
}

/* ---- $versions and the CapabilityStatement ---- */

Test(batch, versions_lists_r4_and_r5_with_r4_the_default)
{
	long st;
	cJSON *r = ts_get_json("/fhir/$versions", &st);
	const cJSON *p;
	int n = 0;

	cr_assert_eq(st, 200, "%ld", st);
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(r, "parameter"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")), "version") == 0)
			n++;
	cr_assert_eq(n, 2);
	cr_assert_str_eq(ts_param_str(r, "default"), "4.0");
	cJSON_Delete(r);
}

Test(batch, the_capability_statement_says_it_is_a_terminology_server)
{
	long st;
	cJSON *c = ts_get_json("/fhir/metadata", &st), *ops;
	const cJSON *o, *e;
	int versions = 0, batch = 0, features = 0;
	char *s;

	cr_assert_eq(st, 200, "%ld", st);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "instantiates"), 0)),
			 "http://hl7.org/fhir/CapabilityStatement/terminology-server");
	cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(c, "url")));
	cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(c, "version")));
	cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(c, "name")));
	cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(c, "title")));
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(c, "fhirVersion")), "4.0.1");
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "extension")) {
		s = cJSON_PrintUnformatted(e);
		features += strstr(s, "FeatureDefinition/test-version") != NULL ||
			    strstr(s, "FeatureDefinition/CodeSystemAsParameter") != NULL;
		free(s);
	}
	cr_assert_eq(features, 2, "the test-version and CodeSystemAsParameter features");
	ops = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "rest"), 0), "operation");
	cJSON_ArrayForEach(o, ops)
		versions += strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "name")), "versions") == 0;
	cJSON_ArrayForEach(o, cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(c, "rest"), 0), "interaction"))
		batch += strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(o, "code")), "batch") == 0;
	cr_assert_eq(versions, 1);
	cr_assert_eq(batch, 1);
	cJSON_Delete(c);
}

Test(batch, an_r5_client_gets_fhir_version_5)
{
	struct ts_resp r;
	const char *h[] = {"Accept: application/fhir+json; fhirVersion=5.0", NULL};
	cJSON *c;

	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/metadata", h, NULL, 0, &r), 0);
	c = cJSON_Parse(r.body);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(c, "fhirVersion")), "5.0.0");
	cr_assert(strstr(r.ctype, "fhirVersion=5.0"), "%s", r.ctype);
	cJSON_Delete(c);
	free(r.body);
}

/* ---- $translate over two maps of one url and version ---- */

#define MAP(src, code, tgt, tcode) "{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"ConceptMap\"," \
	"\"url\":\"http://example.org/fhir/ConceptMap/twin\",\"version\":\"1\",\"status\":\"active\",\"group\":[{" \
	"\"source\":\"" src "\",\"target\":\"" tgt "\",\"element\":[{\"code\":\"" code "\",\"target\":[{\"code\":\"" \
	tcode "\",\"equivalence\":\"equivalent\"}]}]}]}}"
#define TWINS MAP("http://example.org/s1", "c1", "http://example.org/t1", "x1") "," \
	MAP("http://example.org/s2", "c2", "http://example.org/t2", "x2")

static const char *match_code(const cJSON *r)
{
	const cJSON *m = ts_param(r, "match"), *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(m, "part"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")), "concept") == 0)
			return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "valueCoding"), "code"));
	return NULL;
}

Test(batch, translate_consults_both_maps_sent_under_one_url_and_version)
{
	static const char *const asks[][3] = {
		{"http://example.org/s1", "c1", "x1"},   /* the first map */
		{"http://example.org/s2", "c2", "x2"},   /* the second: not replaced by the first */
	};
	char body[4096];
	long st;

	for (int url = 0; url < 2; url++)
		for (size_t i = 0; i < 2; i++) {
			cJSON *r;
			snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"parameter\":[%s"
				 "{\"name\":\"system\",\"valueUri\":\"%s\"},{\"name\":\"code\",\"valueCode\":\"%s\"},"
				 TWINS "]}", url ? "{\"name\":\"url\",\"valueUri\":\"http://example.org/fhir/ConceptMap/"
				 "twin\"}," : "", asks[i][0], asks[i][1]);
			r = ts_post_json("/fhir/ConceptMap/$translate", body, &st);
			cr_assert_eq(st, 200, "%ld", st);
			cr_assert_eq(ts_param_bool(r, "result"), 1, "%s with%s url", asks[i][1], url ? "" : "out");
			cr_assert_str_eq(match_code(r), asks[i][2]);
			cJSON_Delete(r);
		}
}

/* ---- the caller's token, for every entry ---- */

static struct ts_daemon d;
static char *tok_reader, *tok_maint;

static long call(const char *method, const char *path, const char *token, const char *body, cJSON **out)
{
	struct ts_resp r;
	char authz[300];
	const char *h[3] = {"Content-Type: application/fhir+json", NULL, NULL};

	if (token) {
		snprintf(authz, sizeof(authz), "Authorization: Bearer %s", token);
		h[1] = authz;
	}
	cr_assert_eq(ts_http(d.port, method, path, h, body, body ? strlen(body) : 0, &r), 0, "%s %s", method, path);
	if (out)
		*out = cJSON_Parse(r.body);
	free(r.body);
	return r.status;
}

static void roles_setup(void)
{
	cr_assert_eq(ts_daemon_start(&d, "auth = all"), 0, "the daemon did not start");
	tok_reader = ts_token_create(&d, "rita", "reader");
	tok_maint = ts_token_create(&d, "maria", "maintainer");
	for (int i = 0; i < 50 && call("GET", "/fhir/$versions", tok_maint, NULL, NULL) != 200; i++)
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
}

static void roles_teardown(void)
{
	ts_daemon_stop(&d);
	free(tok_reader);
	free(tok_maint);
}

TestSuite(batch_roles, .init = roles_setup, .fini = roles_teardown, .timeout = 120);

#define ROLE_BATCH "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" \
	"{\"request\":{\"method\":\"GET\",\"url\":\"CodeSystem/$lookup?system=" IPLOS "&code=20\"}}," \
	"{\"request\":{\"method\":\"GET\",\"url\":\"AuditEvent?_count=1\"}}]}"

Test(batch_roles, every_entry_runs_with_the_callers_token_and_role)
{
	cJSON *b = NULL;

	cr_assert_eq(call("POST", "/fhir", NULL, ROLE_BATCH, &b), 401, "auth = all: the batch needs a token");
	cJSON_Delete(b);
	cr_assert_eq(call("POST", "/fhir", tok_reader, ROLE_BATCH, &b), 200);
	cr_assert_str_eq(entry_status(b, 0), "200", "a reader may look up");
	cr_assert_str_eq(entry_status(b, 1), "403", "but not read the audit trail");
	cJSON_Delete(b);
	cr_assert_eq(call("POST", "/fhir", tok_maint, ROLE_BATCH, &b), 200);
	cr_assert_str_eq(entry_status(b, 1), "200", "a maintainer may");
	cJSON_Delete(b);
	/* Discovery stays open, as the CapabilityStatement does. */
	cr_assert_eq(call("GET", "/fhir/$versions", NULL, NULL, NULL), 200);
	cr_assert_eq(call("GET", "/fhir/metadata", NULL, NULL, NULL), 200);
}

/* A batch holds reads, searches and the terminology operations: an entry that would change the store
 * or send a message is refused on its own (405), whatever the caller's role, and changes nothing. */
Test(batch_roles, entries_that_change_the_store_or_send_are_refused)
{
	cJSON *b = NULL;
	static const char *const body = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
		"{\"request\":{\"method\":\"POST\",\"url\":\"ConceptMap/fsiii-uuid-legacy-0.1.0/$publish?reason=x\"}},"
		"{\"request\":{\"method\":\"POST\",\"url\":\"ConceptMap/$rollback?url=x&version=1&reason=x\"}},"
		"{\"request\":{\"method\":\"POST\",\"url\":\"$send-message\"},\"resource\":{\"resourceType\":\"Parameters\"}},"
		"{\"request\":{\"method\":\"GET\",\"url\":\"ConceptMap/fsiii-uuid-legacy-0.1.0\"}}]}";

	cr_assert_eq(call("POST", "/fhir", tok_maint, body, &b), 200);
	for (int i = 0; i < 3; i++) {
		cr_assert_str_eq(entry_status(b, i), "405", "entry %d", i);
		cr_assert(strstr(ts_issue_text(entry_outcome(b, i)), "changes the store or sends"), "entry %d", i);
	}
	cr_assert_str_eq(entry_status(b, 3), "200", "a read beside them still answers");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(entry_resource(b, 3), "status")), "draft",
			 "the map was not published");
	cJSON_Delete(b);
}

/* Entries answer as the caller asked: Prefer: handling=strict reaches each search. */
Test(batch, entries_take_the_callers_handling)
{
	struct ts_resp r;
	const char *h[] = {"Content-Type: application/fhir+json", "Prefer: handling=strict", NULL};
	static const char *const body = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":["
		"{\"request\":{\"method\":\"GET\",\"url\":\"ConceptMap?colour=red\"}}]}";
	cJSON *b;

	cr_assert_neq(ts_port(), 0);
	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir", h, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	b = cJSON_Parse(r.body);
	free(r.body);
	cr_assert_str_eq(entry_status(b, 0), "400", "strict: an unknown search parameter is an error");
	cr_assert(strstr(ts_issue_text(entry_outcome(b, 0)), "colour"));
	cJSON_Delete(b);
}
