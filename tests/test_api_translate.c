/* test_api_translate.c — black-box tests of ConceptMap/$translate over HTTP (issue 3): R4 and R5
 * shapes, JSON and XML, reverse, score dependency, chains, pinned and new map versions, bad input. */
#include <criterion/criterion.h>
#include <pthread.h>
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

#define IPLOS "urn:oid:2.16.578.1.12.4.1.1.9111"
#define ICF "http://hl7.org/fhir/sid/icf"
#define SCT "http://snomed.info/sct"
#define BASE "https://fhir.samsvar.no"
#define SCORE BASE "/CodeSystem/iplos-score"

/* Every match's JSON text joined, for "does some match say X" checks. */
static char *matches_text(const cJSON *p)
{
	char *all = calloc(1, 1);
	size_t n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(p, "parameter")) {
		char *s;
		if (strcmp(cJSON_GetObjectItem(it, "name")->valuestring, "match") != 0)
			continue;
		s = cJSON_PrintUnformatted(it);
		all = realloc(all, n + strlen(s) + 2);
		memcpy(all + n, s, strlen(s));
		n += strlen(s);
		all[n++] = '\n';
		all[n] = '\0';
		free(s);
	}
	return all;
}

static int count_matches(const cJSON *p)
{
	const cJSON *it;
	int n = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(p, "parameter"))
		n += strcmp(cJSON_GetObjectItem(it, "name")->valuestring, "match") == 0;
	return n;
}

static cJSON *get200(const char *path)
{
	long status;
	cJSON *j;
	cr_assert_neq(ts_port(), 0, "the daemon did not start");
	j = ts_get_json(path, &status);
	cr_assert_not_null(j);
	cr_assert_eq(status, 200, "GET %s: %ld %s", path, status, ts_issue_text(j) ? ts_issue_text(j) : "");
	return j;
}

static void expect_error(const char *path, const char *body, long want, const char *param)
{
	long status;
	cJSON *j;
	const cJSON *expr;
	cr_assert_neq(ts_port(), 0, "the daemon did not start");
	j = body ? ts_post_json(path, body, &status) : ts_get_json(path, &status);
	cr_assert_not_null(j);
	cr_assert_eq(status, want, "%s: %ld, wanted %ld (%s)", path, status, want, ts_issue_text(j));
	cr_assert_str_eq(cJSON_GetObjectItem(j, "resourceType")->valuestring, "OperationOutcome");
	if (param) {
		expr = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "issue"), 0),
							      "expression"), 0);
		cr_assert(cJSON_IsString(expr) && strcmp(expr->valuestring, param) == 0,
			  "error does not name parameter %s: %s", param, ts_issue_text(j));
	}
	cJSON_Delete(j);
}

Test(translate_api, r4_iplos_20_to_icf_b1528)
{
	cJSON *p = get200("/fhir/ConceptMap/$translate?system=" IPLOS "&code=20&targetsystem=" ICF);
	char *m = matches_text(p);
	cr_assert_eq(ts_param_bool(p, "result"), 1);
	cr_assert(strstr(m, "\"code\":\"b1528\""), "%s", m);
	cr_assert(strstr(m, "\"equivalence\""), "R4 answer must use equivalence: %s", m);
	cr_assert_null(strstr(m, "\"relationship\""));
	cr_assert(strstr(m, BASE "/ConceptMap/iplos-icf|0.1.0"), "match must name its map: %s", m);
	free(m);
	cJSON_Delete(p);
}

Test(translate_api, every_match_is_returned)
{
	/* Variable 7 maps to more than one ICF category: all of them come back. */
	cJSON *p = get200("/fhir/ConceptMap/$translate?system=" IPLOS "&code=7&targetsystem=" ICF);
	char *m = matches_text(p);
	cr_assert_geq(count_matches(p), 2, "%s", m);
	cr_assert(strstr(m, "\"d510\""), "%s", m);
	free(m);
	cJSON_Delete(p);
}

Test(translate_api, r5_shape_by_parameter_names)
{
	long status;
	cJSON *p = ts_post_json("/fhir/ConceptMap/$translate",
				"{\"resourceType\":\"Parameters\",\"parameter\":["
				"{\"name\":\"sourceSystem\",\"valueUri\":\"" IPLOS "\"},"
				"{\"name\":\"sourceCode\",\"valueCode\":\"20\"},"
				"{\"name\":\"targetSystem\",\"valueUri\":\"" ICF "\"}]}", &status);
	char *m;
	cr_assert_eq(status, 200);
	m = matches_text(p);
	cr_assert(strstr(m, "\"relationship\""), "R5 answer must use relationship: %s", m);
	cr_assert_null(strstr(m, "\"equivalence\""), "%s", m);
	cr_assert(strstr(m, "\"originMap\""), "%s", m);
	free(m);
	cJSON_Delete(p);
}

Test(translate_api, xml_in_and_out)
{
	static const char *const h[] = {"Accept: application/fhir+xml", "Content-Type: application/fhir+xml", NULL};
	const char *body = "<Parameters xmlns=\"http://hl7.org/fhir\">"
			   "<parameter><name value=\"system\"/><valueUri value=\"" IPLOS "\"/></parameter>"
			   "<parameter><name value=\"code\"/><valueCode value=\"20\"/></parameter>"
			   "<parameter><name value=\"targetsystem\"/><valueUri value=\"" ICF "\"/></parameter>"
			   "</Parameters>";
	struct ts_resp r;
	cr_assert_neq(ts_port(), 0);
	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir/ConceptMap/$translate", h, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(strstr(r.body, "<valueBoolean value=\"true\"/>"), "%s", r.body);
	cr_assert(strstr(r.body, "<code value=\"b1528\"/>"), "%s", r.body);
	free(r.body);
}

Test(translate_api, reverse_returns_every_source)
{
	cJSON *p = get200("/fhir/ConceptMap/$translate?system=" ICF "&code=b1528&reverse=true");
	char *m = matches_text(p);
	cr_assert_eq(ts_param_bool(p, "result"), 1);
	cr_assert(strstr(m, "\"system\":\"" IPLOS "\"") && strstr(m, "\"code\":\"20\""), "%s", m);
	free(m);
	cJSON_Delete(p);
	/* R5 reverse through targetCode. */
	p = get200("/fhir/ConceptMap/$translate?system=" ICF "&targetCode=d510");
	m = matches_text(p);
	cr_assert(strstr(m, "\"code\":\"7\""), "d510 comes from variable 7: %s", m);
	free(m);
	cJSON_Delete(p);
}

Test(translate_api, score_dependency_selects_the_finding)
{
	long status;
	cJSON *p = ts_post_json("/fhir/ConceptMap/$translate",
				"{\"resourceType\":\"Parameters\",\"parameter\":["
				"{\"name\":\"system\",\"valueUri\":\"" IPLOS "\"},"
				"{\"name\":\"code\",\"valueCode\":\"8\"},"
				"{\"name\":\"targetsystem\",\"valueUri\":\"" SCT "\"},"
				"{\"name\":\"dependency\",\"part\":["
				"{\"name\":\"element\",\"valueUri\":\"" SCORE "\"},"
				"{\"name\":\"concept\",\"valueCodeableConcept\":{\"coding\":[{\"system\":\"" SCORE
				"\",\"code\":\"5\"}]}}]}]}", &status);
	char *m;
	cr_assert_eq(status, 200, "%s", ts_issue_text(p));
	m = matches_text(p);
	/* Score 5 on dressing: "Unable to dress" (284974001), not the difficulty finding of scores 2-4. */
	cr_assert(strstr(m, "\"284974001\""), "%s", m);
	cr_assert_null(strstr(m, "\"284972002\""), "%s", m);
	free(m);
	cJSON_Delete(p);
	/* Without a dependency the conditional targets come back with their dependsOn. */
	p = get200("/fhir/ConceptMap/$translate?system=" IPLOS "&code=8&targetsystem=" SCT);
	m = matches_text(p);
	cr_assert(strstr(m, "\"284972002\"") && strstr(m, "dependsOn"), "%s", m);
	free(m);
	cJSON_Delete(p);
}

Test(translate_api, pinned_version_and_unknown_map)
{
	cJSON *p = get200("/fhir/ConceptMap/$translate?url=" BASE "/ConceptMap/iplos-icf&conceptMapVersion=0.1.0"
			  "&system=" IPLOS "&code=20");
	cr_assert_eq(ts_param_bool(p, "result"), 1);
	cJSON_Delete(p);
	expect_error("/fhir/ConceptMap/$translate?url=" BASE "/ConceptMap/iplos-icf&conceptMapVersion=9.9.9"
		     "&system=" IPLOS "&code=20", NULL, 404, NULL);
	expect_error("/fhir/ConceptMap/$translate?url=http://example.org/no-such-map&system=" IPLOS "&code=20",
		     NULL, 404, NULL);
}

Test(translate_api, bad_input)
{
	expect_error("/fhir/ConceptMap/$translate?system=" IPLOS "&code=20&coding=" IPLOS "|20", NULL, 400, NULL);
	expect_error("/fhir/ConceptMap/$translate?reverse=true", NULL, 400, NULL);
	expect_error("/fhir/ConceptMap/$translate?system=" IPLOS "&code=20&reverse=maybe", NULL, 400, "reverse");
	expect_error("/fhir/ConceptMap/$translate", "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":"
		     "\"coding\",\"valueString\":\"nobar\"}]}", 400, NULL);
}

Test(translate_api, unknown_system_is_result_false)
{
	cJSON *p = get200("/fhir/ConceptMap/$translate?system=http://example.org/cs&code=1");
	cr_assert_eq(ts_param_bool(p, "result"), 0);
	cr_assert_not_null(ts_param_str(p, "message"));
	cJSON_Delete(p);
}

Test(translate_api, chain_through_an_intermediate_map)
{
	/* ICF has no direct map to FSIII: the answer goes through IPLOS (icf<-iplos->fsiii) and says so.
	 * d540 <-equivalent- 8 -equivalent-> J1.3: the chain may stay equivalent. */
	cJSON *p = get200("/fhir/ConceptMap/$translate?system=" ICF "&code=d540&targetsystem=urn:oid:1.2.208.176.2.21");
	char *m = matches_text(p);
	cr_assert_eq(ts_param_bool(p, "result"), 1, "%s", m);
	cr_assert(strstr(m, "iplos-icf") && strstr(m, "iplos-fsiii"), "chain path not in the match: %s", m);
	cr_assert(strstr(m, "\"code\":\"J1.3\"") && strstr(m, "\"valueCode\":\"equivalent\""), "%s", m);
	free(m);
	cJSON_Delete(p);
	/* d510 <-narrower- 7: no match through it may claim more than its weakest link. */
	p = get200("/fhir/ConceptMap/$translate?system=" ICF "&code=d510&targetsystem=urn:oid:1.2.208.176.2.21");
	m = matches_text(p);
	cr_assert_eq(ts_param_bool(p, "result"), 1, "%s", m);
	cr_assert(strstr(m, "iplos-fsiii"), "%s", m);
	cr_assert_null(strstr(m, "\"valueCode\":\"equivalent\""), "a chain through a narrower link cannot be "
		       "equivalent: %s", m);
	free(m);
	cJSON_Delete(p);
}

Test(translate_api, new_map_version_takes_effect_for_the_next_request)
{
	static const char *const h[] = {"Accept: application/fhir+json", NULL};
	struct ts_daemon d;
	char path[512], args[1024];
	FILE *f;
	int seen = 0;

	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	snprintf(path, sizeof(path), "%s/iplos-icf-0.2.0.json", d.dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	/* A published 0.2.0 that maps variable 20 to b152 (the wider category) instead. */
	fputs("{\"resourceType\":\"ConceptMap\",\"url\":\"" BASE "/ConceptMap/iplos-icf\",\"version\":\"0.2.0\","
	      "\"name\":\"IplosToIcf\",\"status\":\"active\",\"group\":[{\"source\":\"" IPLOS "\",\"target\":\"" ICF
	      "\",\"element\":[{\"code\":\"20\",\"target\":[{\"code\":\"b152\",\"equivalence\":\"wider\"}]}]}]}", f);
	fclose(f);
	snprintf(args, sizeof(args), "import --store %s/store.db --fhir %s", d.dir, path);
	cr_assert_eq(ts_samsvar(args, NULL), 0);
	for (int i = 0; i < 50 && !seen; i++) {
		struct ts_resp r;
		struct timespec ts = {0, 100 * 1000 * 1000};
		cr_assert_eq(ts_http(d.port, "GET", "/fhir/ConceptMap/$translate?url=" BASE "/ConceptMap/iplos-icf"
				     "&system=" IPLOS "&code=20", h, NULL, 0, &r), 0);
		if (strstr(r.body, "\"b152\"")) {
			seen = 1;
			cr_assert_null(strstr(r.body, "\"b1528\""), "old and new versions mixed: %s", r.body);
			cr_assert(strstr(r.body, "iplos-icf|0.2.0"), "%s", r.body);
		} else {
			cr_assert(strstr(r.body, "\"b1528\""), "neither version answered: %s", r.body);
		}
		free(r.body);
		nanosleep(&ts, NULL);
	}
	cr_assert(seen, "the published 0.2.0 never answered");
	/* The draft 0.1.0 is still there when pinned. */
	{
		struct ts_resp r;
		cr_assert_eq(ts_http(d.port, "GET", "/fhir/ConceptMap/$translate?url=" BASE "/ConceptMap/iplos-icf"
				     "&conceptMapVersion=0.1.0&system=" IPLOS "&code=20", h, NULL, 0, &r), 0);
		cr_assert(strstr(r.body, "\"b1528\""), "%s", r.body);
		free(r.body);
	}
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

struct reader_args {
	unsigned port;
	int bad;
	char why[300];
};

/* Asks for variable 20 again and again; every answer must be whole and come from one map version. */
static void *reader(void *p)
{
	static const char *const h[] = {"Accept: application/fhir+json", NULL};
	struct reader_args *a = p;
	for (int i = 0; i < 150 && !a->bad; i++) {
		struct ts_resp r;
		int old, fresh;
		if (ts_http(a->port, "GET", "/fhir/ConceptMap/$translate?url=" BASE "/ConceptMap/iplos-icf"
			    "&system=" IPLOS "&code=20", h, NULL, 0, &r) != 0 || r.status != 200) {
			a->bad = 1;
			snprintf(a->why, sizeof(a->why), "request %d failed (status %ld)", i, r.status);
		} else {
			old = strstr(r.body, "\"b1528\"") && strstr(r.body, "iplos-icf|0.1.0");
			fresh = strstr(r.body, "\"b152\"") && !strstr(r.body, "\"b1528\"") &&
				strstr(r.body, "iplos-icf|0.2.");
			if (!old && !fresh) {
				a->bad = 1;
				snprintf(a->why, sizeof(a->why), "a mixed or broken answer: %.200s", r.body);
			}
		}
		free(r.body);
	}
	return NULL;
}

Test(translate_api, readers_never_see_half_a_change)
{
	struct ts_daemon d;
	struct reader_args args[4];
	pthread_t th[4];
	char path[512], cmd[1024];

	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	for (int i = 0; i < 4; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		args[i].port = d.port;
		pthread_create(&th[i], NULL, reader, &args[i]);
	}
	/* Meanwhile, publish five new versions, each replacing the answer for variable 20. */
	for (int v = 1; v <= 5; v++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/v%d.json", d.dir, v);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		fprintf(f, "{\"resourceType\":\"ConceptMap\",\"url\":\"" BASE "/ConceptMap/iplos-icf\",\"version\":"
			"\"0.2.%d\",\"name\":\"IplosToIcf\",\"status\":\"active\",\"group\":[{\"source\":\"" IPLOS "\","
			"\"target\":\"" ICF "\",\"element\":[{\"code\":\"20\",\"target\":[{\"code\":\"b152\","
			"\"equivalence\":\"wider\"}]}]}]}", v);
		fclose(f);
		snprintf(cmd, sizeof(cmd), "import --store %s/store.db --fhir %s", d.dir, path);
		cr_assert_eq(ts_samsvar(cmd, NULL), 0);
		usleep(150000);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		cr_assert_not(args[i].bad, "reader %d: %s", i, args[i].why);
	}
	cr_assert_eq(ts_daemon_stop(&d), 0, "the daemon must stop cleanly (and, under TSan, report no race)");
}

/* $translate of IPLOS `variable` with `score` as dependency on the IPLOS -> ICF map, R4 or R5 names. */
static cJSON *qualified(const char *variable, const char *score, int r5)
{
	char body[2048];
	long status;
	cJSON *p;

	snprintf(body, sizeof(body),
		 "{\"resourceType\":\"Parameters\",\"parameter\":["
		 "{\"name\":\"url\",\"valueUri\":\"" BASE "/ConceptMap/iplos-icf\"},"
		 "{\"name\":\"%s\",\"valueUri\":\"" IPLOS "\"},{\"name\":\"%s\",\"valueCode\":\"%s\"},"
		 "{\"name\":\"dependency\",\"part\":[{\"name\":\"%s\",\"valueUri\":\"" SCORE "\"},"
		 "{\"name\":\"%s\",\"valueCoding\":{\"system\":\"" SCORE "\",\"code\":\"%s\"}}]}]}",
		 r5 ? "sourceSystem" : "system", r5 ? "sourceCode" : "code", variable,
		 r5 ? "attribute" : "element", r5 ? "value" : "concept", score);
	cr_assert_neq(ts_port(), 0, "the daemon did not start");
	p = ts_post_json("/fhir/ConceptMap/$translate", body, &status);
	cr_assert_eq(status, 200, "%s", ts_issue_text(p));
	return p;
}

/* The JSON text of the match whose concept is ICF `code`, or NULL (the caller frees it). */
static char *match_of(const cJSON *p, const char *code)
{
	const cJSON *it;
	char want[64];

	snprintf(want, sizeof(want), "\"code\":\"%s\"", code);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(p, "parameter")) {
		const cJSON *part;
		if (strcmp(cJSON_GetObjectItem(it, "name")->valuestring, "match") != 0)
			continue;
		cJSON_ArrayForEach(part, cJSON_GetObjectItem(it, "part")) {
			char *s;
			if (strcmp(cJSON_GetObjectItem(part, "name")->valuestring, "concept") != 0)
				continue;
			s = cJSON_PrintUnformatted(part);
			if (strstr(s, want)) {
				free(s);
				return cJSON_PrintUnformatted(it);
			}
			free(s);
		}
	}
	return NULL;
}

#define QUAL BASE "/CodeSystem/icf-qualifier"

Test(translate_api, variable_and_score_give_the_qualified_icf_code_in_one_call)
{
	for (int r5 = 0; r5 < 2; r5++) {
		cJSON *p = qualified("7", "4", r5);
		const char *codes[] = {"d510", "d520"};
		for (int i = 0; i < 2; i++) {
			char *m = match_of(p, codes[i]);
			cr_assert_not_null(m, "variable 7 gives %s (r5=%d)", codes[i], r5);
			/* R4: product {element, concept}; R5: product {attribute, value} */
			cr_assert(strstr(m, "\"name\":\"product\""), "%s", m);
			cr_assert(strstr(m, QUAL "#performance"), "d codes take the performance qualifier: %s", m);
			cr_assert(strstr(m, "\"system\":\"" QUAL "\",\"code\":\"3\",\"display\":\"Severe problem\""),
				  "score 4 is qualifier 3: %s", m);
			cr_assert(strstr(m, r5 ? "\"name\":\"attribute\"" : "\"name\":\"element\""), "%s", m);
			free(m);
		}
		cJSON_Delete(p);
	}
}

Test(translate_api, qualifier_never_on_relatedto_inexact_or_without_score)
{
	/* variable 10: d550 equivalent takes it, d560 relatedto never */
	cJSON *p = qualified("10", "3", 0);
	char *m = match_of(p, "d550"), *n = match_of(p, "d560");
	cr_assert(m && strstr(m, "#performance") && strstr(m, "\"code\":\"2\""), "%s", m);
	cr_assert(n && !strstr(n, "product"), "a relatedto target takes no qualifier: %s", n);
	free(m);
	free(n);
	cJSON_Delete(p);
	/* variable 19: b130 inexact gets none, b1301 narrower gets the impairment qualifier */
	p = qualified("19", "5", 1);
	m = match_of(p, "b1301");
	n = match_of(p, "b130");
	cr_assert(m && strstr(m, QUAL "#impairment") && strstr(m, "\"code\":\"4\""), "%s", m);
	cr_assert(n && !strstr(n, "product"), "an inexact target takes no qualifier: %s", n);
	free(m);
	free(n);
	cJSON_Delete(p);
	/* variable 16 maps to categories of d3 now, each qualified; the chapter d3 is gone */
	p = qualified("16", "4", 0);
	m = match_of(p, "d330");
	cr_assert(m && strstr(m, "#performance"), "%s", m);
	free(m);
	cr_assert_null(match_of(p, "d3"), "the chapter d3 is no target");
	cJSON_Delete(p);
	/* without a score: no product at all */
	p = get200("/fhir/ConceptMap/$translate?url=" BASE "/ConceptMap/iplos-icf&system=" IPLOS "&code=7");
	m = matches_text(p);
	cr_assert(strstr(m, "d510") && !strstr(m, "product"), "%s", m);
	free(m);
	cJSON_Delete(p);
}

Test(translate_api, score_9_not_relevant_gives_qualifier_9_not_applicable)
{
	cJSON *p = qualified("7", "9", 0);
	char *m = match_of(p, "d510");
	cr_assert(m && strstr(m, "\"system\":\"" QUAL "\",\"code\":\"9\",\"display\":\"Not applicable\""), "%s", m);
	free(m);
	cJSON_Delete(p);
}
