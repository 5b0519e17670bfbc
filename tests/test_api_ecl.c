/* test_api_ecl.c — the SNOMED CT implicit value sets over real HTTP: the RF2 fixture with a refset
 * (support/rf2ecl.h) imported as its own edition version by `samsvar import`, then $expand (filter,
 * count/offset, activeOnly) and $validate-code with ?fhir_vs=ecl/…, refset/…, refset and isa/…;
 * syntax errors as 400 with the column, caps as 422 too-costly; $lookup parent/child and $subsumes on
 * the imported hierarchy. Every answer is captured for the schema check. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "samsvar/ecl.h"
#include "support/daemon.h"
#include "support/rf2ecl.h"
#include "support/support.h"

#define SCT "http://snomed.info/sct"
#define EDITION SCT "/900000000000207008/version/20210131"
#define VS "/fhir/ValueSet/"

static struct ts_daemon d;

/* GETs `path` until it answers `want` (the import reaches the daemon a moment later); returns the
 * body as JSON. */
static cJSON *get(const char *path, long want)
{
	static const char *const h[] = {"Accept: application/fhir+json", NULL};
	struct ts_resp r = {0};

	for (int i = 0; i < 100; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		if (ts_http(d.port, "GET", path, h, NULL, 0, &r) == 0 && r.status == want) {
			cJSON *j = cJSON_Parse(r.body);
			ts_capture_resp(&r);
			free(r.body);
			cr_assert_not_null(j, "%s", path);
			return j;
		}
		free(r.body);
		r.body = NULL;
		nanosleep(&ts, NULL);
	}
	cr_assert_fail("GET %s never answered %ld", path, want);
	return NULL;
}

static void setup(void)
{
	char dir[64], args[512], *out;

	cr_assert_eq(ts_daemon_start(&d, "expand_max = 6\n"), 0);
	ts_rf2ecl_make(dir, "20210131");
	snprintf(args, sizeof(args), "import --store %s/store.db --allow-shrink --snomed-rf2 %s", d.dir, dir);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	ts_rf2ecl_remove(dir);
	cJSON_Delete(get("/fhir/CodeSystem/$lookup?system=" SCT "&version=" EDITION "&code=" TS_ECL_REFSET, 200));
}

static void teardown(void)
{
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

TestSuite(api_ecl, .init = setup, .fini = teardown, .timeout = 60);

/* Appends the codes of `contains` and of the entries nested in them to buf at *o. */
static void collect(const cJSON *contains, char *buf, size_t cap, size_t *o)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, contains) {
		*o += (size_t)snprintf(buf + *o, cap - *o, "%s%s", *o ? "," : "",
				       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "code")));
		collect(cJSON_GetObjectItemCaseSensitive(c, "contains"), buf, cap, o);
	}
}

/* The codes of an expansion (nested ones after their parent), joined with ',' (static buffer). */
static const char *codes(const cJSON *vs)
{
	static char buf[1024];
	size_t o = 0;

	buf[0] = '\0';
	collect(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "expansion"), "contains"), buf,
		sizeof(buf), &o);
	return buf;
}

static int total(const cJSON *vs)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "expansion"), "total")->valueint;
}

/* The first issue's diagnostics or details text of an OperationOutcome. */
static const char *issue(const cJSON *oo)
{
	return ts_issue_text(oo) ? ts_issue_text(oo) : "";
}

Test(api_ecl, expand)
{
	/* << Sinusitis, the ECL percent-encoded inside the url as FHIR asks. */
	cJSON *vs = get(VS "$expand?url=" EDITION "?fhir_vs=ecl/%253C%253C36971009", 200);
	cr_assert_eq(total(vs), 5, "%s", codes(vs));
	cr_assert(strstr(codes(vs), "88850006") && !strstr(codes(vs), "32398004"), "%s", codes(vs));
	cJSON_Delete(vs);
	vs = get(VS "$expand?url=" EDITION "?fhir_vs=ecl/%3C%3C64572001%20MINUS%20%3C%3C36971009", 200);
	cr_assert_eq(total(vs), 4, "%s", codes(vs));
	cJSON_Delete(vs);
	vs = get(VS "$expand?url=" EDITION "?fhir_vs=ecl/%3C%3C36971009&filter=chronic", 200);
	cr_assert_eq(total(vs), 2, "%s", codes(vs));
	cJSON_Delete(vs);
	vs = get(VS "$expand?url=" EDITION "?fhir_vs=ecl/%3C%3C36971009&count=2&offset=1&activeOnly=true", 200);
	cr_assert_eq(total(vs), 5);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "expansion"),
									 "contains")), 2);
	cJSON_Delete(vs);
	vs = get(VS "$expand?url=" EDITION "?fhir_vs=ecl/%3C%3C64572001%20%3A%20363698007%20%3D%202095001", 200);
	cr_assert_str_eq(codes(vs), "36971009");
	cJSON_Delete(vs);
	vs = get(VS "$expand?url=" EDITION "?fhir_vs=ecl/%5E%20" TS_ECL_REFSET, 200);
	cr_assert_eq(total(vs), 2, "%s", codes(vs));
	cJSON_Delete(vs);
}

Test(api_ecl, refset_and_isa_forms)
{
	cJSON *vs = get(VS "$expand?url=" EDITION "?fhir_vs=refset/" TS_ECL_REFSET, 200);
	cr_assert_eq(total(vs), 2, "%s", codes(vs));
	cr_assert(strstr(codes(vs), "36971009") && strstr(codes(vs), "32398004"), "%s", codes(vs));
	cJSON_Delete(vs);
	vs = get(VS "$expand?url=" EDITION "?fhir_vs=refset", 200);
	cr_assert_str_eq(codes(vs), TS_ECL_REFSET);
	cJSON_Delete(vs);
	vs = get(VS "$expand?url=" EDITION "?fhir_vs=isa/36971009", 200);
	cr_assert_eq(total(vs), 5, "%s", codes(vs));
	cJSON_Delete(vs);
}

Test(api_ecl, validate_code)
{
	cJSON *p = get(VS "$validate-code?url=" EDITION "?fhir_vs=ecl/%3C36971009&system=" SCT "&code=88850006", 200);
	cr_assert(ts_param_bool(p, "result"));
	cJSON_Delete(p);
	p = get(VS "$validate-code?url=" EDITION "?fhir_vs=ecl/%3C36971009&system=" SCT "&code=36971009", 200);
	cr_assert(!ts_param_bool(p, "result"), "< excludes the concept itself");
	cJSON_Delete(p);
	p = get(VS "$validate-code?url=" EDITION "?fhir_vs=refset/" TS_ECL_REFSET "&system=" SCT "&code=32398004", 200);
	cr_assert(ts_param_bool(p, "result"));
	cJSON_Delete(p);
	p = get(VS "$validate-code?url=" EDITION "?fhir_vs=refset/" TS_ECL_REFSET "&system=" SCT "&code=15805002", 200);
	cr_assert(!ts_param_bool(p, "result"), "an inactive refset row makes no member");
	cJSON_Delete(p);
}

Test(api_ecl, refusals)
{
	cJSON *oo = get(VS "$expand?url=" EDITION "?fhir_vs=ecl/%3C%3C36971009%20AND", 400);
	cr_assert(strstr(issue(oo), "column 15"), "%s", issue(oo));
	cr_assert_str_eq(ts_issue_code(oo), "invalid");
	cJSON_Delete(oo);
	oo = get(VS "$validate-code?url=" EDITION "?fhir_vs=ecl/(36971009&system=" SCT "&code=36971009", 400);
	cr_assert(strstr(issue(oo), "column 10"), "%s", issue(oo));
	cJSON_Delete(oo);
	/* More than expand_max (6) codes without count: too costly. */
	oo = get(VS "$expand?url=" EDITION "?fhir_vs=ecl/*", 422);
	cr_assert_str_eq(ts_issue_code(oo), "too-costly");
	cJSON_Delete(oo);
	oo = get(VS "$expand?url=" EDITION "?fhir_vs=ecl/%3C%3C36971009%20%7B%7B%20term%20%3D%20%22x%22%20%7D%7D", 400);
	cr_assert(strstr(issue(oo), "not supported"), "%s", issue(oo));
	cJSON_Delete(oo);
}

Test(api_ecl, too_many_parts_is_too_costly)
{
	char path[8192];
	size_t o = (size_t)snprintf(path, sizeof(path), VS "$expand?url=" EDITION "?fhir_vs=ecl/36971009");
	cJSON *oo;

	for (int i = 0; i < SV_ECL_MAX_NODES; i++)
		o += (size_t)snprintf(path + o, sizeof(path) - o, "%%20OR%%2036971009");
	oo = get(path, 422);
	cr_assert_str_eq(ts_issue_code(oo), "too-costly");
	cr_assert(strstr(issue(oo), "parts"), "%s", issue(oo));
	cJSON_Delete(oo);
}

Test(api_ecl, lookup_and_subsumes_on_the_hierarchy)
{
	cJSON *p = get("/fhir/CodeSystem/$lookup?system=" SCT "&version=" EDITION "&code=36971009&property=child&property=parent",
		       200);
	char *text = cJSON_PrintUnformatted(p);
	cr_assert(strstr(text, "\"40055000\"") && strstr(text, "\"195790000\"") && strstr(text, "\"15805002\"") &&
		  strstr(text, "\"7393007\""), "%s", text);
	free(text);
	cJSON_Delete(p);
	p = get("/fhir/CodeSystem/$subsumes?system=" SCT "&version=" EDITION "&codeA=7393007&codeB=88850006", 200);
	cr_assert_str_eq(ts_param_str(p, "outcome"), "subsumes");
	cJSON_Delete(p);
}
