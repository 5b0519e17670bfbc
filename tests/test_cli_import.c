/* test_cli_import.c — black-box tests of the rule that an import only ever adds content: the
 * data-loss cases of issue 9, run as a new user would, against a live daemon and the full ICF and
 * SNOMED CT GPS from ../shared (each test skips visibly when they are absent). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "support/daemon.h"
#include "support/support.h"

#define ICF "http://hl7.org/fhir/sid/icf"
#define SCT "http://snomed.info/sct"
#define GPS_FILE "terminology/snomed-gps-2020.valueset.json"

/* How many times the daemon has logged that it rebuilt its snapshot. */
static int reloads(const struct ts_daemon *d)
{
	size_t len;
	char *log = ts_read_file(d->log, &len);
	int n = 0;

	for (const char *p = log; p && (p = strstr(p, "reloaded terminology")); p++)
		n++;
	free(log);
	return n;
}

/* Runs `samsvar import ARGS` against d's store and config; returns its exit status and output, and
 * when it succeeded, waits for the daemon to have rebuilt its snapshot. */
static int import(const struct ts_daemon *d, const char *args, char **out)
{
	char cmd[2048];
	int before = reloads(d), rc;

	snprintf(cmd, sizeof(cmd), "import --config %s/samsvar.conf %s", d->dir, args);
	rc = ts_samsvar(cmd, out);
	for (int i = 0; rc == 0 && i < 100 && reloads(d) == before; i++)
		usleep(100000);
	return rc;
}

static cJSON *get(const struct ts_daemon *d, const char *path, long want)
{
	static const char *const h[] = {"Accept: application/fhir+json", NULL};
	struct ts_resp r;
	cJSON *j;

	cr_assert_eq(ts_http(d->port, "GET", path, h, NULL, 0, &r), 0, "GET %s", path);
	cr_assert_eq(r.status, want, "GET %s: %ld, not %ld: %s", path, r.status, want, r.body);
	j = cJSON_Parse(r.body);
	free(r.body);
	cr_assert_not_null(j, "GET %s: not JSON", path);
	return j;
}

/* CodeSystem.count of the latest version of `url`, read from the daemon. */
static int cs_count(const struct ts_daemon *d, const char *url)
{
	char path[512];
	cJSON *b, *cs;
	int n;

	snprintf(path, sizeof(path), "/fhir/CodeSystem?url=%s", url);
	b = get(d, path, 200);
	cs = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "resource");
	cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(cs, "count")), "no count for %s", url);
	n = cJSON_GetObjectItem(cs, "count")->valueint;
	cJSON_Delete(b);
	return n;
}

/* Asserts $lookup of `code` answers 200 with `display` (when not NULL) for the request's language. */
static void lookup(const struct ts_daemon *d, const char *system, const char *code, const char *lang,
		   const char *display)
{
	char path[512];
	cJSON *p;

	snprintf(path, sizeof(path), "/fhir/CodeSystem/$lookup?system=%s&code=%s%s%s", system, code,
		 lang ? "&displayLanguage=" : "", lang ? lang : "");
	p = get(d, path, 200);
	if (display)
		cr_assert_str_eq(ts_param_str(p, "display"), display, "%s %s", system, code);
	cJSON_Delete(p);
}

/* The number of rows of the real ICF table, and the first code of another component than `comp`. */
static int icf_rows(const char *tsv, char comp, char *other, size_t cap)
{
	size_t len;
	char *text = ts_read_file(tsv, &len), *line, *save = NULL;
	int rows = 0;

	cr_assert_not_null(text);
	other[0] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || strncmp(line, "code\t", 5) == 0)
			continue;
		rows++;
		if (line[0] != comp && !other[0])
			snprintf(other, cap, "%.*s", (int)strcspn(line, "\t"), line);
	}
	free(text);
	return rows;
}

Test(cli_import, full_icf_and_gps_survive_a_content_reload_and_a_map_update)
{
	struct ts_daemon d;
	char *tsv, *gps, *out, args[1024], map[320];
	const char *root = getenv("SAMSVAR_ROOT");
	cJSON *p;
	FILE *f;

	TS_REQUIRE_SHARED(tsv, "terminology/icf.tsv");
	TS_REQUIRE_SHARED(gps, GPS_FILE);
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	snprintf(args, sizeof(args), "--icf-tsv %s --snomed-gps %s", tsv, gps);
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	free(out);
	cr_assert_eq(cs_count(&d, ICF), 1495);
	cr_assert_eq(cs_count(&d, SCT), 26158);

	/* The README's map-update step: the bundled content again. Its fragments are left out. */
	snprintf(args, sizeof(args), "--content %s/mappings", root ? root : ".");
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	cr_assert(strstr(out, "kept the stored version (1495 concepts)"), "%s", out);
	free(out);
	cr_assert_eq(cs_count(&d, ICF), 1495);
	cr_assert_eq(cs_count(&d, SCT), 26158);
	lookup(&d, ICF, "d4500", NULL, "Walking short distances");
	lookup(&d, SCT, "73211009", NULL, "Diabetes mellitus (disorder)");

	/* One map file, imported directly: a new version of the IPLOS→ICF map. */
	snprintf(map, sizeof(map), "%s/conceptmap-iplos-icf.tsv", d.dir);
	snprintf(args, sizeof(args), "sed 's/^@version\t.*/@version\t0.1.99/' %s/mappings/conceptmap-iplos-icf.tsv > %s",
		 root ? root : ".", map);
	cr_assert_eq(system(args), 0);
	snprintf(args, sizeof(args), "--content %s", map);
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	free(out);
	p = get(&d, "/fhir/ConceptMap?url=https://fhir.samsvar.no/ConceptMap/iplos-icf&version=0.1.99", 200);
	cr_assert_eq(cJSON_GetObjectItem(p, "total")->valueint, 1, "the single map file was not imported");
	cJSON_Delete(p);
	cr_assert_eq(cs_count(&d, ICF), 1495);
	cr_assert_eq(cs_count(&d, SCT), 26158);

	/* A map file with a code the bundled code systems lack is refused with file:line. */
	f = fopen(map, "a");
	cr_assert_not_null(f);
	fputs("urn:oid:2.16.578.1.12.4.1.1.9111\t7\tPersonlig hygiene\thttp://hl7.org/fhir/sid/icf\tb99999\t\t"
	      "equivalent\t\t\tnot a code\t\n", f);   /* last cell: the qualifier column, empty */
	fclose(f);
	cr_assert_eq(import(&d, args, &out), 1);
	cr_assert(strstr(out, "b99999") && strstr(out, "conceptmap-iplos-icf.tsv:"), "%s", out);
	free(out);

	/* 284974001 (flagged needs-national-edition in the maps) is not in the GPS: it stays valid, marked. */
	p = get(&d, "/fhir/CodeSystem/$validate-code?url=" SCT "&code=284974001", 200);
	cr_assert_eq(ts_param_bool(p, "result"), 1);
	cr_assert(ts_param_str(p, "message") && strstr(ts_param_str(p, "message"), "not-in-edition"));
	cJSON_Delete(p);
	p = get(&d, "/fhir/CodeSystem/$validate-code?url=" SCT "&code=73211009", 200);
	cr_assert_eq(ts_param_bool(p, "result"), 1);
	cr_assert_null(ts_param_str(p, "message"), "an edition concept is not marked");
	cJSON_Delete(p);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	free(tsv);
	free(gps);
}

Test(cli_import, german_claml_adds_designations_and_leaves_english_the_default)
{
	struct ts_daemon d;
	char *tsv, *claml, *out, args[1024];
	cJSON *p, *prm;
	int de = 0;

	TS_REQUIRE_SHARED(tsv, "terminology/icf.tsv");
	TS_REQUIRE_SHARED(claml, "terminology/icf-claml-de-20120619.xml");
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	snprintf(args, sizeof(args), "--icf-tsv %s", tsv);
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	free(out);
	snprintf(args, sizeof(args), "--icf-claml %s", claml);
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	free(out);
	lookup(&d, ICF, "d510", NULL, "Washing oneself");
	lookup(&d, ICF, "d510", "de", "Sich waschen");
	lookup(&d, ICF, "d510", "en", "Washing oneself");
	{
		/* A German client says so in its Accept-Language. */
		static const char *const h[] = {"Accept: application/fhir+json", "Accept-Language: de-DE, en;q=0.5", NULL};
		struct ts_resp r;
		cr_assert_eq(ts_http(d.port, "GET", "/fhir/CodeSystem/$lookup?system=" ICF "&code=d510", h, NULL, 0, &r), 0);
		p = cJSON_Parse(r.body);
		free(r.body);
		cr_assert_str_eq(ts_param_str(p, "display"), "Sich waschen");
		cJSON_Delete(p);
	}
	p = get(&d, "/fhir/CodeSystem/$lookup?system=" ICF "&code=d510", 200);
	cJSON_ArrayForEach(prm, cJSON_GetObjectItem(p, "parameter")) {
		const cJSON *part;
		if (strcmp(cJSON_GetObjectItem(prm, "name")->valuestring, "designation") != 0)
			continue;
		cJSON_ArrayForEach(part, cJSON_GetObjectItem(prm, "part"))
			de += strcmp(cJSON_GetObjectItem(part, "name")->valuestring, "language") == 0 &&
			      strcmp(cJSON_GetObjectItem(part, "valueCode")->valuestring, "de") == 0;
	}
	cr_assert_eq(de, 1, "the German designation is listed %d times", de);
	cJSON_Delete(p);
	cr_assert_eq(cs_count(&d, ICF), 1495);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	free(tsv);
	free(claml);
}

Test(cli_import, gps_keeps_the_known_hierarchy)
{
	struct ts_daemon d;
	char *gps, *out, args[1024];
	const char *root = getenv("SAMSVAR_ROOT");
	cJSON *p;

	TS_REQUIRE_SHARED(gps, GPS_FILE);
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	/* The RF2 fixture (same edition and date as the GPS) gives is-a links; the flat GPS follows. */
	snprintf(args, sizeof(args), "--snomed-rf2 %s/tests/fixtures/rf2", root ? root : ".");
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	free(out);
	snprintf(args, sizeof(args), "--snomed-gps %s", gps);
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	cr_assert(strstr(out, "keep the parents known for them"), "%s", out);
	free(out);
	snprintf(args, sizeof(args), "--content %s/mappings", root ? root : ".");
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	free(out);
	cr_assert_eq(cs_count(&d, SCT), 26158);
	/* Chronic pansinusitis is a Chronic sinusitis (the fixture's README lists its is-a links). */
	p = get(&d, "/fhir/CodeSystem/$subsumes?system=" SCT "&codeA=40055000&codeB=88850006", 200);
	cr_assert_str_eq(ts_param_str(p, "outcome"), "subsumes");
	cJSON_Delete(p);
	p = get(&d, "/fhir/CodeSystem/$subsumes?system=" SCT "&codeA=32398004&codeB=88850006", 200);
	cr_assert_str_eq(ts_param_str(p, "outcome"), "not-subsumed");
	cJSON_Delete(p);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	free(gps);
}

Test(cli_import, a_shrink_is_refused_naming_what_it_would_remove)
{
	struct ts_daemon d;
	char *tsv, *out, args[1200], part[320], other[64], want[128];
	int rows;

	TS_REQUIRE_SHARED(tsv, "terminology/icf.tsv");
	rows = icf_rows(tsv, 'b', other, sizeof(other));
	cr_assert_eq(rows, 1495);
	cr_assert(other[0]);
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	snprintf(args, sizeof(args), "--icf-tsv %s", tsv);
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	free(out);
	/* The same table with component b only: every d, e and s code would go. */
	snprintf(part, sizeof(part), "%s/icf-b.tsv", d.dir);
	snprintf(args, sizeof(args), "grep -E '^(#|code\t|b)' %s > %s", tsv, part);
	cr_assert_eq(system(args), 0);
	snprintf(args, sizeof(args), "--icf-tsv %s", part);
	cr_assert_eq(import(&d, args, &out), 1);
	snprintf(want, sizeof(want), "which it would remove: %s, ", other);
	cr_assert(strstr(out, want) && strstr(out, "--allow-shrink") && strstr(out, "more"), "%s", out);
	free(out);
	usleep(400000);
	cr_assert_eq(cs_count(&d, ICF), 1495, "a refused import changed the store");
	/* Said explicitly, the shrink is done, and the audit row names what went. */
	snprintf(args, sizeof(args), "--allow-shrink --icf-tsv %s", part);
	cr_assert_eq(import(&d, args, &out), 0, "%s", out);
	free(out);
	cr_assert_lt(cs_count(&d, ICF), 1495);
	snprintf(args, sizeof(args), "audit --store %s/store.db --limit 1", d.dir);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "shrink allowed") && strstr(out, other), "%s", out);
	free(out);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	free(tsv);
}

Test(cli_import, import_options_are_checked)
{
	char *out;

	cr_assert_eq(ts_samsvar("import --actor", &out), 2);
	cr_assert(strstr(out, "--actor needs a name"), "%s", out);
	free(out);
	cr_assert_eq(ts_samsvar("serve --allow-shrink", &out), 2);
	cr_assert(strstr(out, "serve takes no import options"), "%s", out);
	free(out);
	cr_assert_eq(ts_samsvar("translate --actor x --system s --code c", &out), 2);
	free(out);
	cr_assert_eq(ts_samsvar("import --store /tmp/samsvar-never.db --content /nonexistent-samsvar.tsv", &out), 1);
	cr_assert(strstr(out, "/nonexistent-samsvar.tsv: No such file or directory"), "%s", out);
	free(out);
	unlink("/tmp/samsvar-never.db");
}
