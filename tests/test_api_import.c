/* test_api_import.c — POST /fhir/$import of a zipped SNOMED CT RF2 release over real HTTP with real
 * bearer tokens (issue 9): the body, over max_body but under max_import_body, is spooled by the
 * transport and unpacked into a private temporary folder; the edition becomes a draft a publisher
 * publishes and the next $lookup serves. Refusals: not a zip, no RF2 file, zip-slip, the same edition
 * again, over max_import_body (declared and chunked) and over max_import_unzipped. An extension module's
 * zip with base= (a stored edition) becomes its own version, also from a zip of its Full files only; a
 * base not stored is 404; language refset rows it cannot apply are warnings of the answer. The daemon's TMPDIR
 * is a folder of the test's own, which must be empty after every request: the spooled body and the
 * unpacked folder are removed in every case, and nothing lands beside them. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "samsvar/jsonutil.h"
#include "support/daemon.h"
#include "support/support.h"

#define EDITION "http://snomed.info/sct/900000000000207008/version/"
#define ZIP_H "Content-Type: application/zip"

static struct ts_daemon d;
static char tmp[64];
static char *tok_maint, *tok_publ;

/* `method` path with `token` (NULL: none) and the `len` bytes of `body`; returns the status. */
static long call(const char *method, const char *path, const char *token, const char *body, size_t len,
		 struct ts_resp *r)
{
	char authz[300];
	const char *h[3] = {strcmp(method, "PUT") == 0 ? "Content-Type: application/fhir+json" : ZIP_H, NULL, NULL};

	if (token) {
		snprintf(authz, sizeof(authz), "Authorization: Bearer %s", token);
		h[1] = authz;
	}
	cr_assert_eq(ts_http(d.port, method, path, h, body, len, r), 0, "%s %s", method, path);
	return r->status;
}

/* The names in the daemon's TMPDIR: none once a request is answered. */
static int tmp_entries(void)
{
	DIR *h = opendir(tmp);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(h);
	while ((e = readdir(h)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(h);
	return n;
}

/* POSTs `zip` as $import kind=snomed-rf2 by the maintainer; expects `status` and `text` in the answer. */
static void expect_import(const char *zip, size_t len, long status, const char *text)
{
	struct ts_resp r;

	cr_assert_eq(call("POST", "/fhir/$import?kind=snomed-rf2", tok_maint, zip, len, &r), status, "%s", r.body);
	cr_assert(strstr(r.body, text), "'%s' not in %s", text, r.body);
	cr_assert(!strstr(r.body, tmp), "no server path in the answer: %s", r.body);
	if (status >= 400)
		cr_assert(strstr(r.body, "\"resourceType\":\"OperationOutcome\""), "%s", r.body);
	free(r.body);
	cr_assert_eq(tmp_entries(), 0, "the temporary files of the import are gone");
}

static void setup(void)
{
	snprintf(tmp, sizeof(tmp), "/tmp/samsvar-imptmp-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp));
	/* the daemon inherits it: its spooled bodies and unpacked folders go there */
	setenv("TMPDIR", tmp, 1);
	cr_assert_eq(ts_daemon_start(&d, "max_body = 1024\nmax_import_body = 65536\nmax_import_unzipped = 16384"), 0,
		     "the daemon did not start");
	tok_maint = ts_token_create(&d, "maria", "maintainer");
	tok_publ = ts_token_create(&d, "per", "publisher");
	for (int i = 0; i < 50; i++) {   /* the daemon reads new tokens within its 200 ms poll */
		struct ts_resp r;
		long s = call("GET", "/fhir/metadata", tok_publ, NULL, 0, &r);
		free(r.body);
		if (s == 200)
			break;
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
}

static void teardown(void)
{
	char cmd[100];
	ts_daemon_stop(&d);
	free(tok_maint);
	free(tok_publ);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	(void)!system(cmd);
}

TestSuite(api_import, .init = setup, .fini = teardown, .timeout = 120);

Test(api_import, a_zipped_release_becomes_a_draft_then_is_served)
{
	struct ts_resp r;
	size_t len;
	char *zip = ts_zip_rf2_fixture("20210131", &len), path[300], *id;
	const char *ref;

	cr_assert_gt(len, 1024, "the zip is over max_body: only max_import_body lets it in");
	/* over max_body without a maintainer's token: 401 before the body is read, not a 413 */
	cr_assert_eq(call("POST", "/fhir/$import?kind=snomed-rf2", NULL, zip, len, &r), 401, "%s", r.body);
	cr_assert(strcasestr(r.headers, "WWW-Authenticate: Bearer"), "%s", r.headers);
	free(r.body);
	cr_assert_eq(call("POST", "/fhir/$import?kind=snomed-rf2", tok_maint, zip, len, &r), 200, "%s", r.body);
	cr_assert_eq(tmp_entries(), 0, "the spooled body and the unpacked folder are gone");
	ref = strstr(r.body, "\"reference\":\"CodeSystem/");
	cr_assert_not_null(ref, "%s", r.body);
	cr_assert(strstr(r.body, EDITION "20210131"), "the edition of the release: %s", r.body);
	id = strndup(ref + 24, strcspn(ref + 24, "/"));
	free(r.body);

	snprintf(path, sizeof(path), "/fhir/CodeSystem/%s", id);
	cr_assert_eq(call("GET", path, NULL, NULL, 0, &r), 200, "%s", r.body);
	cr_assert(strstr(r.body, "\"status\":\"draft\""), "an import creates a draft");
	/* its concepts are rows of the content tables: the resource, as read, holds none of them */
	cr_assert(strstr(r.body, "\"content\":\"not-present\""), "%s", r.body);
	cr_assert_null(strstr(r.body, "\"concept\""), "%s", r.body);
	{
		/* a write may change the header, never bring concepts it would leave unread */
		cJSON *cs = cJSON_Parse(r.body), *concepts, *k;
		char *body;
		cr_assert_not_null(cs);
		cJSON_ReplaceItemInObjectCaseSensitive(cs, "title", cJSON_CreateString("SNOMED CT, imported for review"));
		/* (this daemon's max_body is 1 KiB: the long texts go) */
		cJSON_DeleteItemFromObjectCaseSensitive(cs, "description");
		cJSON_DeleteItemFromObjectCaseSensitive(cs, "copyright");
		cJSON_DeleteItemFromObjectCaseSensitive(cs, "property");
		body = cJSON_PrintUnformatted(cs);
		free(r.body);
		cr_assert_eq(call("PUT", path, tok_maint, body, strlen(body), &r), 200, "%s", r.body);
		free(body);
		free(r.body);
		concepts = cJSON_AddArrayToObject(cs, "concept");
		k = cJSON_CreateObject();
		cJSON_AddStringToObject(k, "code", "88850006");
		cJSON_AddItemToArray(concepts, k);
		body = cJSON_PrintUnformatted(cs);
		cr_assert_eq(call("PUT", path, tok_maint, body, strlen(body), &r), 422, "%s", r.body);
		cr_assert(strstr(r.body, "content tables"), "%s", r.body);
		free(body);
		cJSON_Delete(cs);
	}
	free(r.body);
	cr_assert_eq(call("GET", "/fhir/CodeSystem/$lookup?system=http://snomed.info/sct&version=" EDITION
			  "20210131&code=88850006", NULL, NULL, 0, &r), 200, "the draft's concepts are still served: %s", r.body);
	cr_assert(strstr(r.body, "Chronic pansinusitis (disorder)"), "%s", r.body);
	free(r.body);
	cr_assert_eq(call("GET", path, NULL, NULL, 0, &r), 200, "%s", r.body);
	cr_assert(strstr(r.body, "SNOMED CT, imported for review"), "under its new title: %s", r.body);
	free(r.body);
	snprintf(path, sizeof(path), "/fhir/CodeSystem/%s/$publish?reason=release", id);
	cr_assert_eq(call("POST", path, tok_publ, NULL, 0, &r), 200, "%s", r.body);
	free(r.body);
	cr_assert_eq(call("GET", "/fhir/CodeSystem/$lookup?system=http://snomed.info/sct&version=" EDITION
			  "20210131&code=88850006", NULL, NULL, 0, &r), 200, "%s", r.body);
	cr_assert(strstr(r.body, "Chronic pansinusitis (disorder)"), "the published edition is served: %s", r.body);
	free(r.body);
	cr_assert_eq(call("GET", "/fhir/CodeSystem/$lookup?system=http://snomed.info/sct&version=" EDITION
			  "20210131&code=27624003", NULL, NULL, 0, &r), 200, "an inactive concept is kept: %s", r.body);
	cr_assert(strstr(r.body, "\"valueBoolean\":true"), "and says it is inactive: %s", r.body);
	free(r.body);
	/* the same edition again adds nothing */
	expect_import(zip, len, 409, "never replaces");
	free(id);
	free(zip);
}

Test(api_import, refusals_leave_nothing_behind)
{
	struct ts_zip_entry none[] = {{"Release/Readme.txt", "no RF2 here", 11}};
	struct ts_zip_entry slip[] = {{"R/sct2_Concept_Snapshot_X_1.txt", "id\n", 3},
				      {"R/sct2_Description_Snapshot-en_X_1.txt", "id\n", 3},
				      {"R/sct2_Relationship_Snapshot_X_1.txt", "id\n", 3},
				      {"../x", "evil", 4}};
	size_t len;
	char *zip;

	expect_import("{\"resourceType\":\"Bundle\"}", 25, 400, "not a ZIP archive");
	zip = ts_zip(none, 1, &len);
	expect_import(zip, len, 400, "holds no sct2_Concept_Snapshot");
	free(zip);
	zip = ts_zip(slip, 4, &len);
	expect_import(zip, len, 400, "outside the folder");
	free(zip);
	/* a bad row: the answer names the file in the archive and its line, never a server path */
	slip[0].data = "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId\n12345\t20200731\t1\t1\t1\n";
	slip[0].len = strlen(slip[0].data);
	zip = ts_zip(slip, 3, &len);
	expect_import(zip, len, 400, "the archive/sct2_Concept_Snapshot_X_1.txt:2");
	free(zip);
	/* the bundled SNOMED CT fragment holds this edition: an import never replaces content */
	zip = ts_zip_rf2_fixture(NULL, &len);
	expect_import(zip, len, 409, "never replaces");
	free(zip);
}

/* Zips every file below `dir` (names relative to it); as ts_zip(). */
static char *zip_dir(const char *dir, size_t *len)
{
	struct ts_zip_entry e[64];
	char cmd[700], line[1024], *bytes;
	size_t n = 0, at = strlen(dir) + 1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f", dir);
	cr_assert_not_null(f = popen(cmd, "r"));
	while (n < 64 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		e[n].data = ts_read_file(line, &e[n].len);
		cr_assert_not_null(e[n].data, "%s", line);
		e[n].name = strdup(line + at);
		n++;
	}
	pclose(f);
	bytes = ts_zip(e, n, len);
	for (size_t i = 0; i < n; i++) {
		free((char *)e[i].name);
		free((char *)e[i].data);
	}
	return bytes;
}

Test(api_import, an_extension_module_on_a_stored_base_becomes_its_own_version)
{
	struct ts_resp r;
	char *vh, dir[512], path[700], *zip, *ext;
	size_t len, elen;
	cJSON *m;
	const char *xver;

	TS_REQUIRE_SHARED(vh, "tools/verhoeff.py");
	free(vh);
	m = ts_gen_rf2(&d, "--concepts 30 --ext-concepts 5 --seed 12 --extension", dir, sizeof(dir));
	xver = sv_jstr(cJSON_GetObjectItemCaseSensitive(m, "extension"), "version");
	ext = zip_dir(sv_jstr(cJSON_GetObjectItemCaseSensitive(m, "extension"), "dir"), &elen);
	/* the base is not stored yet */
	cr_assert_eq(call("POST", "/fhir/$import?kind=snomed-rf2&base=" EDITION "20210131", tok_maint, ext, elen, &r), 404,
		     "%s", r.body);
	cr_assert(strstr(r.body, "base edition") && strstr(r.body, EDITION "20210131"), "%s", r.body);
	free(r.body);
	cr_assert_eq(tmp_entries(), 0);
	zip = ts_zip_rf2_fixture("20210131", &len);
	expect_import(zip, len, 200, EDITION "20210131");
	free(zip);
	cr_assert_eq(call("POST", "/fhir/$import?kind=snomed-rf2&base=" EDITION "20210131", tok_maint, ext, elen, &r), 200,
		     "%s", r.body);
	snprintf(path, sizeof(path), "%.300s\"", xver);
	cr_assert(strstr(r.body, path), "the extension's own version %s: %s", xver, r.body);
	cr_assert(!strstr(r.body, EDITION "20210131\""), "the base is not stored again: %s", r.body);
	/* The extension's en-GB rows name descriptions of the generated international edition, which is not
	 * this base: not applied, and the answer says so, naming the file inside the archive. */
	cr_assert(strstr(r.body, "\"outcome\"") && strstr(r.body, "\"warning\"") && strstr(r.body, "not applied") &&
		  strstr(r.body, "the archive/") && strstr(r.body, "LanguageSnapshot-en-GB"), "%s", r.body);
	cr_assert(!strstr(r.body, "samsvar-rf2-"), "the temporary folder is not named: %s", r.body);
	free(r.body);
	/* The same extension again is refused (409); its notes still reach the server's log. */
	cr_assert_eq(call("POST", "/fhir/$import?kind=snomed-rf2&base=" EDITION "20210131", tok_maint, ext, elen, &r), 409,
		     "%s", r.body);
	free(r.body);
	{
		size_t n;
		char *log = ts_read_file(d.log, &n), *at = log;
		int notes = 0;
		cr_assert_not_null(log);
		while ((at = strstr(at, "not applied")) != NULL) {
			notes++;
			at++;
		}
		cr_assert_eq(notes, 2, "the stored import's notes and the refused one's: %d in %s", notes, log);
		free(log);
	}
	cr_assert_eq(tmp_entries(), 0);
	/* base goes with snomed-rf2 only */
	cr_assert_eq(call("POST", "/fhir/$import?kind=fhir&base=x", tok_maint, "{}", 2, &r), 400, "%s", r.body);
	cr_assert(strstr(r.body, "kind=snomed-rf2 only"), "%s", r.body);
	free(r.body);
	free(ext);
	cJSON_Delete(m);
}

/* A zip with only the Full files of a release (as gen-rf2.py --full writes them, earlier rows and all) is
 * read as their latest state: the extension becomes its own version on the stored base. */
Test(api_import, a_zipped_full_release_is_imported)
{
	struct ts_resp r;
	char *vh, dir[512], want[400], *zip, *ext;
	size_t len, elen;
	cJSON *m;
	const cJSON *full;

	TS_REQUIRE_SHARED(vh, "tools/verhoeff.py");
	free(vh);
	m = ts_gen_rf2(&d, "--concepts 30 --ext-concepts 5 --seed 13 --extension --full", dir, sizeof(dir));
	full = cJSON_GetObjectItemCaseSensitive(m, "full");
	ext = zip_dir(sv_jstr(cJSON_GetObjectItemCaseSensitive(full, "extension"), "dir"), &elen);
	zip = ts_zip_rf2_fixture("20210131", &len);
	expect_import(zip, len, 200, EDITION "20210131");
	free(zip);
	cr_assert_eq(call("POST", "/fhir/$import?kind=snomed-rf2&base=" EDITION "20210131", tok_maint, ext, elen, &r), 200,
		     "%s", r.body);
	snprintf(want, sizeof(want), "%.300s\"",
		 sv_jstr(cJSON_GetObjectItemCaseSensitive(m, "extension"), "version"));
	cr_assert(strstr(r.body, want), "the extension's own version %s: %s", want, r.body);
	free(r.body);
	cr_assert_eq(tmp_entries(), 0);
	free(ext);
	cJSON_Delete(m);
}

Test(api_import, caps)
{
	struct ts_zip_entry bomb[] = {{"R/sct2_Concept_Snapshot_X_1.txt", NULL, 20000},
				      {"R/sct2_Description_Snapshot-en_X_1.txt", "id\n", 3},
				      {"R/sct2_Relationship_Snapshot_X_1.txt", "id\n", 3}};
	size_t big = 70000, len;
	char *body = malloc(big), *zip, *req, *resp;
	int n;
	struct ts_resp r;

	memset(body, 'P', big);
	/* declared over max_import_body: refused from Content-Length */
	cr_assert_eq(call("POST", "/fhir/$import?kind=snomed-rf2", tok_maint, body, big, &r), 413, "%s", r.body);
	cr_assert(strstr(r.body, "max_import_body"), "%s", r.body);
	free(r.body);
	/* under it but over max_body: only $import takes it */
	cr_assert_eq(call("POST", "/fhir/CodeSystem/$lookup", NULL, body, 2000, &r), 413, "%s", r.body);
	cr_assert(strstr(r.body, "max_body"), "%s", r.body);
	free(r.body);
	/* chunked, without a length to refuse it by: read, dropped past the cap, answered 413 */
	n = asprintf(&req, "POST /fhir/$import?kind=snomed-rf2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		     "Content-Type: application/zip\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%.*s\r\n0\r\n\r\n",
		     tok_maint, 66000, 66000, body);
	cr_assert_gt(n, 0);
	resp = ts_raw(d.port, req, (size_t)n, 5000, NULL);
	cr_assert_not_null(resp);
	cr_assert(strncmp(resp, "HTTP/1.1 413", 12) == 0, "%.300s", resp);
	cr_assert(strstr(resp, "max_import_body"), "%.600s", resp);
	free(resp);
	free(req);
	cr_assert_eq(tmp_entries(), 0, "the spooled part is gone");
	/* a zip bomb in miniature: 20000 bytes of RF2 file over max_import_unzipped = 16384 */
	bomb[0].data = body;
	zip = ts_zip(bomb, 3, &len);
	expect_import(zip, len, 413, "max_import_unzipped");
	free(zip);
	free(body);
}

/* A TMPDIR that cannot be written: the body cannot be spooled, and the maintainer is told so (500)
 * instead of the request hanging or the body being taken into memory. */
TestSuite(api_import_no_tmp);

Test(api_import_no_tmp, a_body_that_cannot_be_spooled_is_a_500)
{
	struct ts_daemon nd;
	struct ts_resp r;
	char authz[300], *tok, *zip;
	const char *h[3] = {ZIP_H, authz, NULL};
	size_t len;
	long s = 0;

	setenv("TMPDIR", "/nonexistent-samsvar-tmp", 1);
	cr_assert_eq(ts_daemon_start(&nd, NULL), 0);
	tok = ts_token_create(&nd, "maria", "maintainer");
	snprintf(authz, sizeof(authz), "Authorization: Bearer %s", tok);
	zip = ts_zip_rf2_fixture("20210131", &len);
	for (int i = 0; i < 50; i++) {   /* until the daemon has read the new token */
		cr_assert_eq(ts_http(nd.port, "POST", "/fhir/$import?kind=snomed-rf2", h, zip, len, &r), 0);
		if ((s = r.status) != 401)
			break;
		free(r.body);
		nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL);
	}
	cr_assert_eq(s, 500, "%s", r.body);
	cr_assert(strstr(r.body, "could not be kept in a temporary file"), "%s", r.body);
	free(r.body);
	free(zip);
	free(tok);
	cr_assert_eq(ts_daemon_stop(&nd), 0);
}
