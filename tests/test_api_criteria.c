/* test_api_criteria.c — black-box tests of $assess with allocation criteria and a case-mix table
 * (issue 12) against the real daemon: the bundled Øyer criteria (configured as the default) propose each
 * service for the scores that qualify, with the rule, the scores and the source section; the 2017 report's
 * combined example gives its three services; a second municipality's criteria file, imported into a live
 * daemon, changes the answer; a bad criteria file written through the API is refused with file:line;
 * the case-mix group and hours per week are in the answer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "support/daemon.h"
#include "support/support.h"

#define BASE "https://fhir.samsvar.no"
#define OYER BASE "/Library/criteria-oyer-2010"
#define R2017 BASE "/Library/criteria-helsedirektoratet-2017"
#define CASEMIX BASE "/Library/casemix-default"
#define V9111 "urn:oid:2.16.578.1.12.4.1.1.9111"
#define V9151 "urn:oid:2.16.578.1.12.4.1.1.9151"
#define RULE_EXT BASE "/StructureDefinition/allocation-rule"

TS_DAEMON_SUITE("assess_criteria = " OYER "\nassess_casemix = " CASEMIX "\n")
TS_DAEMON_SUITE_END()

static const char *const POST_JSON[] = {"Content-Type: application/fhir+json", "Accept: application/fhir+json",
					NULL};

#define ITEM(v, s)                                                                                      \
	"{\"name\":\"item\",\"part\":[{\"name\":\"variable\",\"valueCoding\":{\"system\":\"" V9111 "\","    \
	"\"code\":\"" v "\"}},{\"name\":\"score\",\"valueInteger\":" s "}]}"
#define PARAMS(...) "{\"resourceType\":\"Parameters\",\"parameter\":[" __VA_ARGS__ "]}"
#define CRITERIA(url) "{\"name\":\"criteria\",\"valueCanonical\":\"" url "\"}"

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *post_ok(unsigned port, const char *body)
{
	struct ts_resp r;
	cJSON *j;

	cr_assert_eq(ts_http(port, "POST", "/fhir/$assess", POST_JSON, body, strlen(body), &r), 0);
	cr_assert_eq(r.status, 200, "status %ld: %s", r.status, r.body);
	j = cJSON_Parse(r.body);
	free(r.body);
	cr_assert_not_null(j);
	return j;
}

static const cJSON *careplan(const cJSON *bundle)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(bundle, "entry")) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(e, "resource");
		if (strcmp(str(r, "resourceType"), "CarePlan") == 0)
			return r;
	}
	cr_assert_fail("no CarePlan");
	return NULL;
}

/* The activity whose 9151 code is `service` (the n-th of them), or NULL. */
static const cJSON *activity_for(const cJSON *cp, const char *service, int n)
{
	const cJSON *a, *c;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(cp, "activity")) {
		const cJSON *code = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(a, "detail"), "code");
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(code, "coding"))
			if (strcmp(str(c, "system"), V9151) == 0 && strcmp(str(c, "code"), service) == 0 && n-- == 0)
				return a;
	}
	return NULL;
}

/* The value of sub-extension `name` of the activity's first allocation-rule extension. */
static const char *rule_part(const cJSON *act, const char *name)
{
	const cJSON *ext = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(act, "extension"), 0), *x;
	cr_assert_str_eq(str(ext, "url"), RULE_EXT);
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(ext, "extension"))
		if (strcmp(str(x, "url"), name) == 0)
			return str(x, "valueString") ? str(x, "valueString") : str(x, "valueCanonical");
	return NULL;
}

static int notes_have(const cJSON *cp, const char *text)
{
	const cJSON *n;
	cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(cp, "note"))
		if (strstr(str(n, "text"), text))
			return 1;
	return 0;
}

/* Expects service `service` proposed by rule `rule`, its source naming `section` and a condition
 * naming `scores`. */
static void expect(const cJSON *cp, const char *service, const char *rule, const char *section, const char *scores)
{
	const cJSON *a = activity_for(cp, service, 0);
	cr_assert_not_null(a, "no activity for 9151 %s", service);
	cr_assert_str_eq(rule_part(a, "rule"), rule);
	cr_assert_not_null(strstr(rule_part(a, "source"), "Kriterier for tildeling av omsorgstjenester"));
	cr_assert_not_null(strstr(rule_part(a, "source"), section), "%s", rule_part(a, "source"));
	cr_assert_not_null(strstr(rule_part(a, "condition") ? rule_part(a, "condition") : rule_part(a, "requires"),
				  scores), "%s: %s", rule, rule_part(a, "condition"));
	cr_assert_str_eq(rule_part(a, "criteria"), OYER "|0.1.0");
	cr_assert_not_null(strstr(str(cJSON_GetObjectItem(a, "detail"), "description"), section));
}

Test(api_criteria, oyer_criteria_propose_each_service_with_rule_scores_and_source)
{
	cJSON *b;
	const cJSON *cp, *a;

	cr_assert_neq(ts_port(), 0);
	/* the configured default criteria: Øyer */
	b = post_ok(ts_port(), PARAMS(ITEM("6", "3") "," ITEM("17", "3") "," ITEM("1", "3") "," ITEM("20", "3") ","
				      ITEM("9", "4") "," ITEM("7", "3") "," ITEM("15", "4")));
	cp = careplan(b);
	cr_assert_not_null(strstr(str(cp, "description"), "allocation criteria"));
	cr_assert(notes_have(cp, "Services proposed by the allocation criteria " OYER "|0.1.0"));
	expect(cp, "2", "opplaering", "3.1.2", "6 Alminnelig husarbeid = 3");
	expect(cp, "7", "avlastning", "3.1.4", "17 Styre atferd = 3");
	expect(cp, "8", "avlastningsopphold", "3.2.5", "15 Hukommelse = 4");
	expect(cp, "9", "stottekontakt", "3.1.5", "1 Sosial deltakelse = 3");
	expect(cp, "6", "trygghetsalarm", "3.1.8", "20 Opplevelse av trygghet = 3");
	expect(cp, "5", "matombringing", "3.2.6", "9 Lage mat = 4");
	expect(cp, "21", "langtidsopphold", "3.2.6.2", "15 Hukommelse = 4");
	expect(cp, "11", "omsorgslonn", "3.1.7", "matched");
	/* the long-term place lists the document's other conditions to confirm (LEON) */
	a = activity_for(cp, "21", 0);
	cr_assert_not_null(strstr(str(cJSON_GetObjectItem(a, "detail"), "description"), "LEON"));
	cr_assert_not_null(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "detail"), "reasonReference"));
	/* omsorgslønn: hours per week from the case-mix table */
	a = activity_for(cp, "11", 0);
	cr_assert_not_null(strstr(str(cJSON_GetObjectItem(a, "detail"), "description"), "Hours per week"));
	/* 9 Lage mat = 4 also gives practical assistance (3.1.1) */
	expect(cp, "1", "praktisk-bistand", "3.1.1", "9 Lage mat = 4");
	cJSON_Delete(b);
}

Test(api_criteria, below_the_threshold_nothing_and_close_says_what_is_missing)
{
	cJSON *b = post_ok(ts_port(), PARAMS(ITEM("15", "3") "," ITEM("6", "2")));
	const cJSON *cp = careplan(b);

	cr_assert_null(activity_for(cp, "21", 0), "a long-term place needs 4 or more");
	cr_assert_null(activity_for(cp, "2", 0), "training needs 3-4");
	cr_assert(notes_have(cp, "Close to a threshold: Langtidsopphold i institusjon (9151 21), rule langtidsopphold"));
	cr_assert(notes_have(cp, "nearest: 15 Hukommelse = 3"));
	cr_assert(notes_have(cp, "rule opplaering"));
	cJSON_Delete(b);
}

Test(api_criteria, report_2017_combined_example_gives_three_services)
{
	cJSON *b = post_ok(ts_port(), PARAMS(CRITERIA(R2017) "," ITEM("4", "3") "," ITEM("7", "3") "," ITEM("6", "3")));
	const cJSON *cp = careplan(b), *t;

	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cp, "activity")), 3);
	/* dosett weekly, 10 min */
	t = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(activity_for(cp, "15", 0), "detail"),
						   "scheduledTiming"), "repeat");
	cr_assert_eq(cJSON_GetObjectItem(t, "frequency")->valueint, 1);
	cr_assert_str_eq(str(t, "periodUnit"), "wk");
	cr_assert_eq(cJSON_GetObjectItem(t, "duration")->valueint, 10);
	cr_assert_str_eq(rule_part(activity_for(cp, "15", 0), "rule"), "medisin-3");
	/* a shower every 14 days */
	t = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(activity_for(cp, "15", 1), "detail"),
						   "scheduledTiming"), "repeat");
	cr_assert_eq(cJSON_GetObjectItem(t, "frequency")->valueint, 1);
	cr_assert_eq(cJSON_GetObjectItem(t, "period")->valueint, 2);
	cr_assert_str_eq(str(t, "periodUnit"), "wk");
	cr_assert_str_eq(rule_part(activity_for(cp, "15", 1), "rule"), "dusj");
	/* practical help twice a month */
	t = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(activity_for(cp, "1", 0), "detail"),
						   "scheduledTiming"), "repeat");
	cr_assert_eq(cJSON_GetObjectItem(t, "frequency")->valueint, 2);
	cr_assert_str_eq(str(t, "periodUnit"), "mo");
	cr_assert_not_null(strstr(rule_part(activity_for(cp, "1", 0), "source"), "4.2.2"));
	cJSON_Delete(b);
}

Test(api_criteria, casemix_group_and_hours_per_week)
{
	cJSON *b = post_ok(ts_port(), PARAMS("{\"name\":\"livingAlone\",\"valueBoolean\":true}," ITEM("7", "3") ","
					     ITEM("15", "4")));
	const cJSON *cp = careplan(b), *e, *ext = NULL, *x;
	const char *group = NULL;
	double hours = -1;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(cp, "extension"))
		if (strcmp(str(e, "url"), BASE "/StructureDefinition/casemix") == 0)
			ext = e;
	cr_assert_not_null(ext);
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(ext, "extension")) {
		if (strcmp(str(x, "url"), "group") == 0)
			group = str(x, "valueString");
		if (strcmp(str(x, "url"), "hours-per-week") == 0)
			hours = cJSON_GetObjectItem(cJSON_GetObjectItem(x, "valueQuantity"), "value")->valuedouble;
	}
	/* physical: only 7 scored (3) -> P5; cognitive: 15 = 4 -> C6 */
	cr_assert_str_eq(group, "P5+C6");
	cr_assert_gt(hours, 0);
	cr_assert(notes_have(cp, "+17 % for living alone"));
	cr_assert(notes_have(cp, "PLACEHOLDERS"));
	cJSON_Delete(b);
	/* a Bundle body takes the tables from the query string */
	b = post_ok(ts_port(), "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{"
		    "\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"" V9111
		    "\",\"code\":\"1\"}]},\"valueInteger\":3}}]}");
	cr_assert(notes_have(careplan(b), "no group, because no variable of the dimension physical is scored"));
	cJSON_Delete(b);
}

Test(api_criteria, unknown_or_wrong_kind_of_library_is_refused)
{
	long status;
	cJSON *j = ts_post_json("/fhir/$assess", PARAMS(CRITERIA("https://nowhere.example/Library/x") ","
							ITEM("6", "3")), &status);
	cr_assert_eq(status, 404);
	cr_assert_not_null(strstr(ts_issue_text(j), "no criteria Library"));
	cJSON_Delete(j);
	j = ts_post_json("/fhir/$assess", PARAMS(CRITERIA(CASEMIX) "," ITEM("6", "3")), &status);
	cr_assert_eq(status, 400);
	cr_assert_not_null(strstr(ts_issue_text(j), "is not a criteria file"));
	cJSON_Delete(j);
	/* asked twice: the second answer comes from what the snapshot kept of the first */
	j = ts_post_json("/fhir/$assess", PARAMS(CRITERIA(CASEMIX) "," ITEM("6", "3")), &status);
	cr_assert_eq(status, 400);
	cr_assert_not_null(strstr(ts_issue_text(j), "is not a criteria file"));
	cJSON_Delete(j);
	{
		/* a canonical longer than any Library url is refused, not cut (or written past a buffer) */
		char long_url[1200], body[1600];
		memset(long_url, 'a', sizeof(long_url) - 1);
		memcpy(long_url, "http://x/", 9);
		memcpy(long_url + sizeof(long_url) - 3, "|1", 3);
		snprintf(body, sizeof(body), PARAMS(CRITERIA("%s") "," ITEM("6", "3")), long_url);
		j = ts_post_json("/fhir/$assess", body, &status);
		cr_assert_eq(status, 400);
		cr_assert_not_null(strstr(ts_issue_text(j), "at most 599 bytes"));
		cJSON_Delete(j);
	}
	j = ts_post_json("/fhir/$assess", PARAMS("{\"name\":\"livingAlone\",\"valueString\":\"maybe\"}," ITEM("6", "3")),
			 &status);
	cr_assert_eq(status, 400);
	cJSON_Delete(j);
}

static char *fixture_path(const char *name)
{
	const char *root = getenv("SAMSVAR_ROOT");
	char *p = malloc(1024);
	snprintf(p, 1024, "%s/tests/fixtures/%s", root && *root ? root : ".", name);
	return p;
}

/* A Library JSON carrying criteria text `text` (url and version as the text says). */
static char *library_json(const char *id, const char *url, const char *version, const char *text)
{
	size_t blen = sodium_base64_ENCODED_LEN(strlen(text), sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(blen), *lib = malloc(blen + 1000);

	sodium_bin2base64(b64, blen, (const unsigned char *)text, strlen(text), sodium_base64_VARIANT_ORIGINAL);
	snprintf(lib, blen + 1000, "{\"resourceType\":\"Library\",\"id\":\"%s\",\"url\":\"%s\",\"version\":\"%s\","
		 "\"name\":\"K\",\"status\":\"draft\",\"type\":{\"coding\":[{\"system\":"
		 "\"http://terminology.hl7.org/CodeSystem/library-type\",\"code\":\"asset-collection\"}]},\"content\":"
		 "[{\"contentType\":\"text/tab-separated-values\",\"data\":\"%s\"}]}", id, url, version, b64);
	free(b64);
	return lib;
}

/* PUT `body` with `auth`, retrying while the daemon has not read the new token yet; returns the status. */
static long put(unsigned port, const char *path, const char *auth, const char *body, char **answer)
{
	const char *hdrs[4] = {"Content-Type: application/fhir+json", "Accept: application/fhir+json", auth, NULL};
	struct ts_resp r;

	for (int i = 0; i < 50; i++) {
		cr_assert_eq(ts_http(port, body ? "PUT" : "POST", path, hdrs, body, body ? strlen(body) : 0, &r), 0);
		if (r.status != 401)
			break;
		free(r.body);
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	if (answer)
		*answer = r.body;
	else
		free(r.body);
	return r.status;
}

Test(api_criteria, municipality_criteria_file_changes_the_answer_and_bad_files_are_refused)
{
	static const char BODY[] = PARAMS(CRITERIA("https://kommune.example/Library/tildelingskriterier") ","
					  ITEM("6", "3"));
	struct ts_daemon d;
	char args[1200], auth[200], *fix = fixture_path("criteria-kommune-example.tsv"), *tok, *lib, *answer;
	const char *bad = "@resourceType\tLibrary\n@kind\tcriteria\n@url\thttps://kommune.example/Library/bad\n"
			  "@version\t1\n@name\tBad\n@status\tdraft\n@document\tD\nrule\tservice\tcodes\twhen\trequires\t"
			  "confirm\tfrequency\tminutes\thours_per_week\tsection\treading\nx\t1\t\t6: 3-7\t\t\t\t\t\t1\t\n";
	static const char NEXT[] = "@resourceType\tLibrary\n@kind\tcriteria\n@url\thttps://kommune.example/Library/"
		"tildelingskriterier\n@version\t2025.1\n@name\tK\n@status\tdraft\n@document\tEksempel kommune, 2025\n"
		"rule\tservice\tcodes\twhen\trequires\tconfirm\tfrequency\tminutes\thours_per_week\tsection\treading\n"
		"praktisk-bistand\t1\t\t6: 4-5\t\t\t\t\t\t2.1\t\n";
	struct ts_resp r;
	cJSON *b = NULL;
	long status = 0;

	cr_assert_eq(ts_daemon_start(&d, "assess_criteria = " OYER "\n"), 0);
	/* Øyer: housework 3 alone gives no practical assistance */
	b = post_ok(d.port, PARAMS(ITEM("6", "3")));
	cr_assert_null(activity_for(careplan(b), "1", 0));
	cJSON_Delete(b);
	/* the municipality's own file, imported into the live store */
	snprintf(args, sizeof(args), "import --store %s/store.db --content %s", d.dir, fix);
	cr_assert_eq(ts_samsvar(args, NULL), 0);
	for (int i = 0; i < 100 && status != 200; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		cr_assert_eq(ts_http(d.port, "POST", "/fhir/$assess", POST_JSON, BODY, strlen(BODY), &r), 0);
		status = r.status;
		if (status == 200)
			b = cJSON_Parse(r.body);
		free(r.body);
		if (status != 200)
			nanosleep(&ts, NULL);
	}
	cr_assert_not_null(b, "the imported criteria never took effect");
	cr_assert_str_eq(rule_part(activity_for(careplan(b), "1", 0), "rule"), "praktisk-bistand");
	cr_assert_not_null(strstr(rule_part(activity_for(careplan(b), "1", 0), "source"), "Eksempel kommune"));
	cJSON_Delete(b);
	/* a bad file through the write API: 422 naming the line */
	tok = ts_token_create(&d, "mona", "maintainer");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	lib = library_json("bad", "https://kommune.example/Library/bad", "1", bad);
	cr_assert_eq(put(d.port, "/fhir/Library/bad", auth, lib, &answer), 422, "%s", answer);
	cr_assert_not_null(strstr(answer, "Library.content[0]:9: "), "%s", answer);
	cr_assert_not_null(strstr(answer, "not a score or range"), "%s", answer);
	free(answer);
	free(lib);
	/* a new version as a draft: the active one still answers; published, it takes over */
	lib = library_json("kommune-2025", "https://kommune.example/Library/tildelingskriterier", "2025.1", NEXT);
	cr_assert_eq(put(d.port, "/fhir/Library/kommune-2025", auth, lib, NULL), 201);
	free(lib);
	b = post_ok(d.port, BODY);
	cr_assert_not_null(activity_for(careplan(b), "1", 0), "the draft does not replace the active version");
	cJSON_Delete(b);
	free(tok);
	tok = ts_token_create(&d, "per", "publisher");
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	cr_assert_eq(put(d.port, "/fhir/Library/kommune-2025/$publish?reason=vedtatt", auth, NULL, &answer), 200, "%s",
		     answer);
	free(answer);
	for (int i = 0; i < 100; i++) {
		b = post_ok(d.port, BODY);
		if (!activity_for(careplan(b), "1", 0))
			break;
		cJSON_Delete(b);
		b = NULL;
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	cr_assert_not_null(b, "the published version never took effect");
	cr_assert(notes_have(careplan(b), "tildelingskriterier|2025.1"));
	cJSON_Delete(b);
	free(tok);
	free(fix);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

Test(api_criteria, libraries_are_searched_and_read_like_maps)
{
	long status;
	cJSON *b = ts_get_json("/fhir/Library?url=" OYER, &status);
	const cJSON *r;

	cr_assert_eq(status, 200);
	r = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "resource");
	cr_assert_str_eq(str(r, "resourceType"), "Library");
	cr_assert_str_eq(str(r, "version"), "0.1.0");
	cr_assert_str_eq(str(r, "status"), "draft");
	cr_assert_null(cJSON_GetObjectItem(r, "content"), "a search leaves out the rules text (_summary=true)");
	cr_assert_not_null(strstr(str(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "relatedArtifact"), 0), "citation"),
				  "Kriterier for tildeling av omsorgstjenester"));
	cJSON_Delete(b);
	b = ts_get_json("/fhir/Library/criteria-oyer-2010-0.1.0", &status);
	cr_assert_eq(status, 200);
	r = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "content"), 0);
	cr_assert_str_eq(str(r, "contentType"), "text/tab-separated-values");
	cr_assert_not_null(str(r, "data"));
	cJSON_Delete(b);
}
