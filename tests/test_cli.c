/* test_cli.c — black-box tests of the samsvar command: help, version, check-config, and every
 * importer run against the store of a live daemon (which must pick the change up by itself). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/daemon.h"
#include "support/support.h"

#define ICF "http://hl7.org/fhir/sid/icf"
#define FSIII "urn:oid:1.2.208.176.2.21"

/* GET until the daemon answers `want` (ts_poll_get), failing the test when it never does. */
static cJSON *poll_get(const struct ts_daemon *d, const char *path, long want)
{
	cJSON *j = ts_poll_get(d, path, want);
	cr_assert_not_null(j, "GET %s never answered %ld", path, want);
	return j;
}

static const char *pstr(const cJSON *params, const char *name)
{
	return ts_param_str(params, name);
}

Test(cli, help_and_version)
{
	char *out;
	cr_assert_eq(ts_samsvar("--help", &out), 0);
	cr_assert(strstr(out, "serve") && strstr(out, "import") && strstr(out, "check-config"), "%s", out);
	free(out);
	cr_assert_eq(ts_samsvar("--version", &out), 0);
	cr_assert(strstr(out, "samsvar 0."), "%s", out);
	free(out);
	cr_assert_eq(ts_samsvar("frobnicate", &out), 2);
	cr_assert(strstr(out, "unknown command"), "%s", out);
	free(out);
	cr_assert_eq(ts_samsvar("import", &out), 2);
	free(out);
}

Test(cli, check_config)
{
	char *out, args[512], path[] = "/tmp/samsvar-conf-XXXXXX";
	int fd = mkstemp(path);
	const char *root = getenv("SAMSVAR_ROOT");
	snprintf(args, sizeof(args), "check-config %s/conf/samsvar.conf", root ? root : ".");
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	cr_assert_eq(write(fd, "listen = 127.0.0.1:8080\nthreads = 0\n", 36), 36);
	close(fd);
	snprintf(args, sizeof(args), "check-config %s", path);
	cr_assert_eq(ts_samsvar(args, &out), 1);
	cr_assert(strstr(out, ":2:") && strstr(out, "threads"), "error does not name file:line: %s", out);
	free(out);
	unlink(path);
	cr_assert_eq(ts_samsvar("check-config /nonexistent.conf", &out), 1);
	free(out);
}

Test(cli, check_config_reads_the_receiver_file)
{
	char *out, args[512], dir[] = "/tmp/samsvar-recv-XXXXXX", conf[128], recv[128], text[512];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/c.conf", dir);
	snprintf(recv, sizeof(recv), "%s/r.tsv", dir);
	snprintf(text, sizeof(text), "receivers = %s\n", recv);
	ts_write_file(conf, text);
	ts_write_file(recv, "id\tname\ther_id\tendpoint\tformat\nstolav\tST OLAVS\t59\thttp://h/\tkith\n");
	snprintf(args, sizeof(args), "check-config %s", conf);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "1 receivers"), "%s", out);
	free(out);
	ts_write_file(recv, "id\tname\ther_id\tendpoint\tformat\nstolav\tST OLAVS\t59\thttp://h/\tsmtp\n");
	cr_assert_eq(ts_samsvar(args, &out), 1, "%s", out);
	cr_assert(strstr(out, "r.tsv:2:") && strstr(out, "smtp"), "%s", out);
	free(out);
	unlink(recv);
	unlink(conf);
	rmdir(dir);
}

Test(cli, import_fsiii_into_running_daemon)
{
	struct ts_daemon d;
	char *fsiii, *out, args[1024];
	cJSON *p;

	TS_REQUIRE_SHARED(fsiii, "terminology/fsiii-codesystem-20240530.json");
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	snprintf(args, sizeof(args), "import --store %s/store.db --actor maintainer-kari --fhir %s", d.dir, fsiii);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	/* UUID and legacy code both resolve, to the same display. */
	p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=" FSIII "&code=3dac3b51-364e-47c0-a043-15b6d7a6c405", 200);
	cr_assert_str_eq(pstr(p, "display"), "Cirkulationsproblemer");
	cJSON_Delete(p);
	p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=" FSIII "&code=I7.2", 200);
	cr_assert_str_eq(pstr(p, "display"), "Cirkulationsproblemer");
	cJSON_Delete(p);
	p = poll_get(&d, "/fhir/ValueSet/$expand?url=" FSIII "?fhir_vs&count=1", 200);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "expansion"), "total")->valueint, 828);
	cJSON_Delete(p);
	/* The import is in the audit trail, newest first, naming its source file. */
	snprintf(args, sizeof(args), "audit --store %s/store.db --limit 1", d.dir);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "\"action\":\"create\"") && strstr(out, FSIII) && strstr(out, "fsiii-codesystem-20240530.json") &&
		  strstr(out, "maintainer-kari (samsvar import --actor, OS user "),
		  "%s", out);
	free(out);
	/* The daemon's own first load is recorded as such, not as an import by someone. */
	snprintf(args, sizeof(args), "audit --store %s/store.db --limit 1000", d.dir);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "\"actor\":\"samsvar serve (initial load)\"") && !strstr(out, "(samsvar import)\""),
		  "%s", out);
	free(out);
	cr_assert_eq(ts_samsvar("audit --limit 0", &out), 2);
	free(out);
	/* The bundled content is still there. */
	p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=urn:oid:2.16.578.1.12.4.1.1.9111&code=20", 200);
	cJSON_Delete(p);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	free(fsiii);
}

Test(cli, import_icf_tsv_and_claml)
{
	struct ts_daemon d;
	char *tsv, *claml, *out, args[1024];
	cJSON *p;

	TS_REQUIRE_SHARED(tsv, "terminology/icf.tsv");
	TS_REQUIRE_SHARED(claml, "terminology/icf-claml-de-20120619.xml");
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	/* b110 is not in the bundled fragment: it appears with the full classification. */
	p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=" ICF "&code=b110", 404);
	cJSON_Delete(p);
	snprintf(args, sizeof(args), "import --store %s/store.db --icf-tsv %s", d.dir, tsv);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=" ICF "&code=b110", 200);
	cr_assert_str_eq(pstr(p, "display"), "Consciousness functions");
	cJSON_Delete(p);
	p = poll_get(&d, "/fhir/ValueSet/$expand?url=" ICF "?fhir_vs&count=1", 200);
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "expansion"), "total")->valueint, 1495);
	cJSON_Delete(p);
	snprintf(args, sizeof(args), "import --store %s/store.db --icf-claml %s", d.dir, claml);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	/* The German release carries its titles as designations in German. */
	for (int i = 0; i < 100; i++) {
		char *s;
		p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=" ICF "&code=b1528&displayLanguage=de", 200);
		s = cJSON_PrintUnformatted(p);
		cJSON_Delete(p);
		if (strstr(s, "Emotionale Funktionen, anders bezeichnet")) {
			free(s);
			break;
		}
		free(s);
		cr_assert_neq(i, 99, "German title of b1528 never appeared after the ClaML import");
		usleep(100000);
	}
	/* The English titles of the first import stay, as designations, after the German one. */
	p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=" ICF "&code=b1528&displayLanguage=en", 200);
	cr_assert_str_eq(pstr(p, "display"), "Emotional functions, other specified");
	cJSON_Delete(p);
	p = poll_get(&d, "/fhir/CodeSystem/$subsumes?system=" ICF "&codeA=b1&codeB=b1528", 200);
	cr_assert_str_eq(pstr(p, "outcome"), "subsumes");
	cJSON_Delete(p);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	free(tsv);
	free(claml);
}

Test(cli, import_snomed_gps)
{
	struct ts_daemon d;
	char *gps, *out, args[1024];
	cJSON *p;

	TS_REQUIRE_SHARED(gps, "terminology/snomed-gps-2020.valueset.json");
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	snprintf(args, sizeof(args), "import --store %s/store.db --snomed-gps %s", d.dir, gps);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	/* 109006 is the first concept of the GPS file; the bundled fragment does not have it. */
	p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=http://snomed.info/sct&code=109006", 200);
	cr_assert_str_eq(pstr(p, "display"), "Anxiety disorder of childhood OR adolescence (disorder)");
	cJSON_Delete(p);
	p = poll_get(&d, "/fhir/ValueSet/$expand?url=http://snomed.info/sct?fhir_vs&count=3&filter=anxiety", 200);
	cr_assert_geq(cJSON_GetObjectItem(cJSON_GetObjectItem(p, "expansion"), "total")->valueint, 2);
	cJSON_Delete(p);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	free(gps);
}

Test(cli, import_is_all_or_nothing)
{
	struct ts_daemon d;
	char *fsiii, *out, args[1024];
	cJSON *p;

	TS_REQUIRE_SHARED(fsiii, "terminology/fsiii-codesystem-20240530.json");
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	snprintf(args, sizeof(args), "import --store %s/store.db --fhir %s --fhir /nonexistent.json", d.dir, fsiii);
	cr_assert_eq(ts_samsvar(args, &out), 1);
	cr_assert(strstr(out, "/nonexistent.json"), "%s", out);
	free(out);
	usleep(600000);
	p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=" FSIII "&code=I7.2", 404);
	cJSON_Delete(p);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	free(fsiii);
}

Test(cli, import_snomed_rf2_gives_is_a)
{
	struct ts_daemon d;
	char *out, args[1024];
	const char *root = getenv("SAMSVAR_ROOT");
	cJSON *p;

	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	snprintf(args, sizeof(args), "import --store %s/store.db --snomed-rf2 %s/tests/fixtures/rf2", d.dir,
		 root ? root : ".");
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	/* Chronic pansinusitis is a Chronic sinusitis (the fixture's README lists its is-a links). */
	p = poll_get(&d, "/fhir/CodeSystem/$subsumes?system=http://snomed.info/sct&version=http://snomed.info/sct/"
		     "900000000000207008&codeA=40055000&codeB=88850006", 200);
	cr_assert_str_eq(pstr(p, "outcome"), "subsumes");
	cJSON_Delete(p);
	p = poll_get(&d, "/fhir/CodeSystem/$subsumes?system=http://snomed.info/sct&version=http://snomed.info/sct/"
		     "900000000000207008&codeA=32398004&codeB=88850006", 200);
	cr_assert_str_eq(pstr(p, "outcome"), "not-subsumed");
	cJSON_Delete(p);
	/* The inactive concept 27624003 is kept, as inactive, and outside the hierarchy. */
	p = poll_get(&d, "/fhir/CodeSystem/$lookup?system=http://snomed.info/sct&version=http://snomed.info/sct/"
		     "900000000000207008/version/20200731&code=27624003&property=inactive&property=parent", 200);
	{
		char *text = cJSON_PrintUnformatted(p);
		cr_assert(strstr(text, "{\"name\":\"code\",\"valueCode\":\"inactive\"},{\"name\":\"value\","
				 "\"valueBoolean\":true}") && !strstr(text, "\"parent\""), "%s", text);
		free(text);
	}
	cJSON_Delete(p);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}
