/* test_importer.c — the importers against the real files in ../shared/terminology and the RF2
 * fixture in tests/fixtures/rf2 (see its README for what in it is real). Expected values are copied
 * from those files, and whole-file checks compare every row. */
#include "samsvar/importer.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RF2_FIXTURE "tests/fixtures/rf2"

/* ---- helpers ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sv-import-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[128];

	if (!tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	tmpdir[0] = '\0';
}

/* Writes `text` to tmpdir/rel (creating one level of folder if rel has a '/'); returns a static path. */
static const char *write_tmp(const char *rel, const char *text)
{
	static char path[256];
	const char *slash = strchr(rel, '/');
	FILE *f;

	if (slash) {
		snprintf(path, sizeof(path), "%s/%.*s", tmpdir, (int)(slash - rel), rel);
		mkdir(path, 0700);
	}
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char *str_of(const cJSON *obj, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static const cJSON *find_concept(const cJSON *cs, const char *code)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cs, "concept")) {
		const char *k = str_of(c, "code");
		if (k && strcmp(k, code) == 0)
			return c;
	}
	return NULL;
}

/* The parents of `code`, joined with ',' in the order given, into buf ("" when none). */
static const char *parents_of(const cJSON *cs, const char *code, char *buf, size_t size)
{
	const cJSON *c = find_concept(cs, code), *p;
	size_t o = 0;

	buf[0] = '\0';
	cr_assert_not_null(c, "concept %s missing", code);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "property")) {
		if (strcmp(str_of(p, "code"), "parent") != 0)
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? "," : "", str_of(p, "valueCode"));
		cr_assert_lt(o, size);
	}
	return buf;
}

static int concept_count(const cJSON *cs)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs, "concept"));
}

static void assert_declares_parent(const cJSON *cs)
{
	const cJSON *p;
	int found = 0;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cs, "property")) {
		found |= strcmp(str_of(p, "code"), "parent") == 0 && strcmp(str_of(p, "type"), "code") == 0;
		cr_assert_str_neq(str_of(p, "code"), "child", "child is computed by the server");
	}
	cr_assert(found, "CodeSystem.property does not declare parent");
	cr_assert_str_eq(str_of(cs, "hierarchyMeaning"), "is-a");
	cr_assert_str_eq(str_of(cs, "status"), "active");
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(cs, "count")->valueint, concept_count(cs));
}

/* ---- SNOMED CT ids: the C Verhoeff check against ../shared/tools/verhoeff.py ---- */

Test(sctid, known_ids)
{
	/* The ids verhoeff.py's self test uses, and the RF2 metadata ids this module relies on. */
	cr_assert_null(sv_import_sctid_check("138875005"));
	cr_assert_null(sv_import_sctid_check("404684003"));
	cr_assert_not_null(sv_import_sctid_check("404684004"));
	cr_assert_null(sv_import_sctid_check("900000000000003001"));
	cr_assert_null(sv_import_sctid_check("900000000000013009"));
	cr_assert_null(sv_import_sctid_check("116680003"));
	cr_assert_not_null(sv_import_sctid_check("12345"));        /* too short */
	cr_assert_not_null(sv_import_sctid_check("0138875005"));   /* leading zero */
	cr_assert_not_null(sv_import_sctid_check("13887500x"));    /* not digits */
	cr_assert_not_null(sv_import_sctid_check("1001016"));      /* a description id: partition 01 */
	cr_assert_not_null(sv_import_sctid_check("1234567890123456789")); /* 19 digits */
}

Test(sctid, agrees_with_python_tool, .init = make_tmpdir, .fini = rm_tmpdir)
{
	char *tool, cmd[512], line[256];
	char ids[400][20];
	FILE *f, *p;
	unsigned seed = 12345;
	int fails[400] = { 0 }, n = 0;

	TS_REQUIRE_SHARED(tool, "tools/verhoeff.py");
	if (system("python3 -c 1 >/dev/null 2>&1") != 0)
		cr_skip_test("python3 not available");
	/* Pseudo-random candidates with a concept partition: about a tenth pass the check digit. */
	for (; n < 400; n++) {
		int len = 6 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 13;
		for (int i = 0; i < len; i++)
			ids[n][i] = (char)('0' + ((seed = seed * 1103515245u + 12345u) >> 16) % 10);
		ids[n][0] = (char)('1' + (ids[n][0] - '0') % 9);
		ids[n][len - 3] = (n & 1) ? '1' : '0';
		ids[n][len - 2] = '0';
		ids[n][len] = '\0';
	}
	/* ... and real ones from the GPS so that passing ids are well represented. */
	memcpy(ids[0], "140004", 7);
	memcpy(ids[1], "900000000000207008", 19);
	memcpy(ids[2], "88850006", 9);
	f = fopen(write_tmp("ids.tsv", ""), "w");
	fprintf(f, "conceptId\n");
	for (int i = 0; i < n; i++)
		fprintf(f, "%s\n", ids[i]);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 '%s' '%s/ids.tsv'", tool, tmpdir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		if (strncmp(line, "FAIL ", 5) != 0)
			continue;
		line[5 + strcspn(line + 5, ":")] = '\0';
		for (int i = 0; i < n; i++)
			if (strcmp(ids[i], line + 5) == 0)
				fails[i] = 1;
	}
	pclose(p);
	int passed = 0;
	for (int i = 0; i < n; i++) {
		const char *why = sv_import_sctid_check(ids[i]);
		cr_assert_eq(why != NULL, fails[i], "%s: C says %s, python says %s", ids[i], why ? why : "valid",
			     fails[i] ? "invalid" : "valid");
		passed += !fails[i];
	}
	cr_assert_geq(passed, 10, "too few valid ids to compare (%d)", passed);
	cr_assert(!fails[0] && !fails[1] && !fails[2]);
	free(tool);
}

/* ---- ICF table ---- */

Test(icf_tsv, counts_and_rows)
{
	char *path, buf[128];
	struct sv_error err = { 0 };
	cJSON *cs;
	const cJSON *c, *d;

	TS_REQUIRE_SHARED(path, "terminology/icf.tsv");
	cs = sv_import_icf_tsv(path, &err);
	cr_assert_not_null(cs, "%s", err.message);
	cr_assert_str_eq(str_of(cs, "resourceType"), "CodeSystem");
	cr_assert_str_eq(str_of(cs, "url"), "http://hl7.org/fhir/sid/icf");
	cr_assert_str_eq(str_of(cs, "version"), "2001");
	cr_assert_str_eq(str_of(cs, "content"), "complete");
	cr_assert_str_eq(str_of(cs, "copyright"), "ICF \xc2\xa9 World Health Organization 2001");
	cr_assert_eq(concept_count(cs), 1495);
	assert_declares_parent(cs);
	c = find_concept(cs, "b1528");
	cr_assert_not_null(c);
	cr_assert_str_eq(str_of(c, "display"), "Emotional functions, other specified");
	cr_assert_str_eq(parents_of(cs, "b1528", buf, sizeof(buf)), "b152");
	d = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "designation"), 0);
	cr_assert_str_eq(str_of(d, "language"), "en");
	cr_assert_str_eq(str_of(d, "value"), "Emotional functions, other specified");
	cr_assert_str_eq(parents_of(cs, "b110-b139", buf, sizeof(buf)), "b1");
	cr_assert_str_eq(parents_of(cs, "b", buf, sizeof(buf)), "", "components have no parent");
	cr_assert_str_eq(str_of(find_concept(cs, "b"), "display"), "BODY FUNCTIONS");
	cJSON_Delete(cs);
	free(path);
}

/* Every data row of icf.tsv, read here independently, is in the import with its parent and title. */
Test(icf_tsv, every_row_matches_file)
{
	char *path, *text, buf[128];
	size_t len, rows = 0;
	struct sv_error err = { 0 };
	cJSON *cs;

	TS_REQUIRE_SHARED(path, "terminology/icf.tsv");
	cs = sv_import_icf_tsv(path, &err);
	cr_assert_not_null(cs, "%s", err.message);
	text = ts_read_file(path, &len);
	cr_assert_not_null(text);
	for (char *line = text, *next; *line; line = next) {
		char *t1, *t2, *nl = strchr(line, '\n');
		next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		if (!*line || line[0] == '#' || strncmp(line, "code\t", 5) == 0)
			continue;
		t1 = strchr(line, '\t');
		cr_assert_not_null(t1);
		*t1 = '\0';
		t2 = strchr(t1 + 1, '\t');
		cr_assert_not_null(t2);
		*t2 = '\0';
		cr_assert_not_null(find_concept(cs, line), "%s missing", line);
		cr_assert_str_eq(parents_of(cs, line, buf, sizeof(buf)), t1 + 1, "parent of %s", line);
		cr_assert_str_eq(str_of(find_concept(cs, line), "display"), t2 + 1);
		rows++;
	}
	cr_assert_eq(rows, 1495);
	free(text);
	cJSON_Delete(cs);
	free(path);
}

Test(icf_tsv, missing_file_is_eio)
{
	struct sv_error err = { 0 };

	cr_assert_null(sv_import_icf_tsv("/nonexistent/icf.tsv", &err));
	cr_assert_eq(err.code, SV_EIO);
}

Test(icf_tsv, malformed_row_names_line, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	const char *p = write_tmp("icf.tsv", "# comment\ncode\tparent\ttitle\nb\t\tBODY FUNCTIONS\nb1\tb\n");

	cr_assert_null(sv_import_icf_tsv(p, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "icf.tsv:4:") != NULL, "%s", err.message);
}

Test(icf_tsv, unknown_parent_and_duplicates, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	const char *p = write_tmp("a.tsv", "code\tparent\ttitle\nb\t\tBODY FUNCTIONS\nb1\tx9\tMENTAL FUNCTIONS\n");

	cr_assert_null(sv_import_icf_tsv(p, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "a.tsv:3:") && strstr(err.message, "x9"), "%s", err.message);
	p = write_tmp("b.tsv", "code\tparent\ttitle\nb\t\tBODY FUNCTIONS\nb\t\tBODY FUNCTIONS\n");
	cr_assert_null(sv_import_icf_tsv(p, &err));
	cr_assert(strstr(err.message, "duplicate"), "%s", err.message);
	p = write_tmp("c.tsv", "code\ttitle\nb\tBODY FUNCTIONS\n");
	cr_assert_null(sv_import_icf_tsv(p, &err));
	cr_assert(strstr(err.message, "header"), "%s", err.message);
}

/* ---- ICF ClaML ---- */

Test(icf_claml, german_titles)
{
	char *path, buf[128];
	struct sv_error err = { 0 };
	cJSON *cs;
	const cJSON *c, *d;

	TS_REQUIRE_SHARED(path, "terminology/icf-claml-de-20120619.xml");
	cs = sv_import_icf_claml(path, &err);
	cr_assert_not_null(cs, "%s", err.message);
	cr_assert_eq(concept_count(cs), 1495);
	assert_declares_parent(cs);
	cr_assert_str_eq(str_of(cs, "url"), "http://hl7.org/fhir/sid/icf");
	cr_assert_str_eq(str_of(cs, "language"), "de");
	cr_assert_str_eq(str_of(cs, "copyright"), "Copyright WHO, DIMDI, 2001-2019");
	cr_assert_str_eq(str_of(cs, "publisher"), "DIMDI");
	c = find_concept(cs, "b1528");
	cr_assert_not_null(c);
	cr_assert_str_eq(str_of(c, "display"), "Emotionale Funktionen, anders bezeichnet");
	d = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "designation"), 0);
	cr_assert_str_eq(str_of(d, "language"), "de");
	cr_assert_str_eq(str_of(d, "value"), "Emotionale Funktionen, anders bezeichnet");
	cr_assert_str_eq(parents_of(cs, "b1528", buf, sizeof(buf)), "b152");
	cr_assert_str_eq(str_of(find_concept(cs, "b152"), "display"), "Emotionale Funktionen");
	cJSON_Delete(cs);
	free(path);
}

Test(icf_claml, same_codes_and_parents_as_tsv)
{
	char *tsv, *claml, a[128], b[128];
	struct sv_error err = { 0 };
	cJSON *en, *de;
	const cJSON *c;

	TS_REQUIRE_SHARED(tsv, "terminology/icf.tsv");
	TS_REQUIRE_SHARED(claml, "terminology/icf-claml-de-20120619.xml");
	en = sv_import_icf_tsv(tsv, &err);
	cr_assert_not_null(en, "%s", err.message);
	de = sv_import_icf_claml(claml, &err);
	cr_assert_not_null(de, "%s", err.message);
	cr_assert_eq(concept_count(en), concept_count(de));
	cr_assert_str_eq(str_of(en, "version"), str_of(de, "version"));
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(en, "concept")) {
		const char *code = str_of(c, "code");
		cr_assert_not_null(find_concept(de, code), "%s not in ClaML", code);
		cr_assert_str_eq(parents_of(en, code, a, sizeof(a)), parents_of(de, code, b, sizeof(b)),
				 "parents of %s differ", code);
	}
	cJSON_Delete(en);
	cJSON_Delete(de);
	free(tsv);
	free(claml);
}

Test(icf_claml, no_external_entities_or_dtd, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	cJSON *cs;
	char *text;
	const char *p = write_tmp(
		"x.xml",
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE ClaML SYSTEM \"http://127.0.0.1:9/ClaML.dtd\" [\n"
		"  <!ENTITY secret SYSTEM \"file:///etc/passwd\">\n]>\n"
		"<ClaML version=\"2.0.0\">\n"
		"<Class code=\"b\" kind=\"component\"><Rubric kind=\"preferred\"><Label xml:lang=\"de\">"
		"K\xc3\xb6rper &secret;</Label></Rubric></Class>\n"
		"<Class code=\"b1\" kind=\"chapter\"><SuperClass code=\"b\"/><Rubric kind=\"preferred\">"
		"<Label xml:lang=\"de\">  Mentale\n  Funktionen </Label></Rubric></Class>\n"
		"</ClaML>\n");

	cs = sv_import_icf_claml(p, &err);
	cr_assert_not_null(cs, "%s", err.message);
	text = cJSON_PrintUnformatted(cs);
	cr_assert_null(strstr(text, "root:"), "external entity was expanded");
	cr_assert_str_eq(str_of(find_concept(cs, "b1"), "display"), "Mentale Funktionen");
	free(text);
	cJSON_Delete(cs);
}

Test(icf_claml, bad_inputs, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	const char *p;

	cr_assert_null(sv_import_icf_claml("/nonexistent/x.xml", &err));
	cr_assert_eq(err.code, SV_EIO);
	p = write_tmp("broken.xml", "<ClaML><Class code=\"b\"><Rubric kind=\"preferred\"><Label>x</Rubric></Class>");
	cr_assert_null(sv_import_icf_claml(p, &err));
	cr_assert_eq(err.code, SV_EINVAL, "%s", err.message);
	p = write_tmp("other.xml", "<CodeSystem/>");
	cr_assert_null(sv_import_icf_claml(p, &err));
	cr_assert(strstr(err.message, "ClaML"), "%s", err.message);
	p = write_tmp("orphan.xml", "<ClaML><Class code=\"b1\"><SuperClass code=\"b\"/><Rubric kind=\"preferred\">"
				    "<Label>x</Label></Rubric></Class></ClaML>");
	cr_assert_null(sv_import_icf_claml(p, &err));
	cr_assert(strstr(err.message, "parent b of b1"), "%s", err.message);
}

/* ---- SNOMED CT GPS ---- */

Test(snomed_gps, fragment_with_copyright)
{
	char *path, *text;
	size_t len;
	struct sv_error err = { 0 };
	cJSON *cs, *vs;
	const cJSON *c, *d;

	TS_REQUIRE_SHARED(path, "terminology/snomed-gps-2020.valueset.json");
	cs = sv_import_snomed_gps(path, &err);
	cr_assert_not_null(cs, "%s", err.message);
	cr_assert_str_eq(str_of(cs, "url"), "http://snomed.info/sct");
	cr_assert_str_eq(str_of(cs, "version"), "http://snomed.info/sct/900000000000207008/version/20200731");
	cr_assert_str_eq(str_of(cs, "content"), "fragment");
	cr_assert_eq(concept_count(cs), 26158);
	assert_declares_parent(cs);
	c = find_concept(cs, "140004");
	cr_assert_not_null(c);
	cr_assert_str_eq(str_of(c, "display"), "Chronic pharyngitis (disorder)");
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(c, "property"), "the GPS has no hierarchy");
	d = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "designation"), 0);
	cr_assert_str_eq(str_of(cJSON_GetObjectItemCaseSensitive(d, "use"), "code"), "900000000000003001");
	/* The CC BY 4.0 attribution must survive byte for byte. */
	text = ts_read_file(path, &len);
	vs = cJSON_Parse(text);
	cr_assert_str_eq(str_of(cs, "copyright"), str_of(vs, "copyright"));
	cr_assert(strstr(str_of(cs, "copyright"), "Creative Commons Attribution 4.0"));
	cJSON_Delete(vs);
	free(text);
	cJSON_Delete(cs);
	free(path);
}

Test(snomed_gps, rejects_bad_code, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	const char *p = write_tmp("vs.json",
				  "{\"resourceType\":\"ValueSet\",\"compose\":{\"include\":[{\"system\":"
				  "\"http://snomed.info/sct\",\"version\":\"x\",\"concept\":[{\"code\":\"140005\"}]}]}}");

	cr_assert_null(sv_import_snomed_gps(p, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "140005") && strstr(err.message, "Verhoeff"), "%s", err.message);
	p = write_tmp("cs.json", "{\"resourceType\":\"CodeSystem\"}");
	cr_assert_null(sv_import_snomed_gps(p, &err));
	cr_assert_eq(err.code, SV_EINVAL);
}

/* ---- SNOMED CT RF2 (fixture) ---- */

Test(snomed_rf2, fixture)
{
	struct sv_error err = { 0 };
	char buf[256];
	cJSON *cs = sv_import_snomed_rf2(RF2_FIXTURE, &err);
	const cJSON *c, *d;
	int designations = 0;

	cr_assert_not_null(cs, "%s", err.message);
	cr_assert_str_eq(str_of(cs, "url"), "http://snomed.info/sct");
	cr_assert_str_eq(str_of(cs, "version"), "http://snomed.info/sct/900000000000207008/version/20200731");
	cr_assert_eq(concept_count(cs), 13, "13 concept rows, one inactive (kept, marked inactive)");
	assert_declares_parent(cs);
	c = find_concept(cs, "27624003");
	cr_assert_not_null(c, "inactive concept not kept");
	{
		char *props = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "property"));
		int marked = strstr(props, "\"valueBoolean\":true") != NULL;
		free(props);
		cr_assert(marked, "inactive concept not marked");
	}
	cr_assert_str_eq(parents_of(cs, "27624003", buf, sizeof(buf)), "", "an inactive concept has no parent");
	cr_assert_str_eq(parents_of(cs, "88850006", buf, sizeof(buf)), "40055000,195790000");
	cr_assert_str_eq(parents_of(cs, "36971009", buf, sizeof(buf)), "7393007", "Finding site is no parent");
	cr_assert_str_eq(parents_of(cs, "63480004", buf, sizeof(buf)), "32398004", "link to inactive concept kept");
	cr_assert_str_eq(parents_of(cs, "49727002", buf, sizeof(buf)), "", "inactive is-a row used");
	cr_assert_str_eq(parents_of(cs, "64572001", buf, sizeof(buf)), "");
	c = find_concept(cs, "88850006");
	cr_assert_str_eq(str_of(c, "display"), "Chronic pansinusitis (disorder)");
	d = cJSON_GetObjectItemCaseSensitive(find_concept(cs, "36971009"), "designation");
	cr_assert_eq(cJSON_GetArraySize(d), 2, "retired synonym imported");
	cr_assert_str_eq(str_of(cJSON_GetArrayItem(d, 0), "value"), "Sinusitis (disorder)");
	cr_assert_str_eq(str_of(cJSON_GetArrayItem(d, 0), "language"), "en");
	cr_assert_str_eq(str_of(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(d, 0), "use"), "code"),
			 "900000000000003001");
	cr_assert_str_eq(str_of(cJSON_GetArrayItem(d, 1), "value"), "Sinusitis");
	cr_assert_str_eq(str_of(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(d, 1), "use"), "code"),
			 "900000000000013009");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cs, "concept"))
		designations += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c, "designation"));
	cr_assert_eq(designations, 26, "24 of active concepts and the inactive one's two");
	cJSON_Delete(cs);
}

static const char concept_header[] = "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId\r\n";
static const char desc_header[] =
	"id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\tterm\tcaseSignificanceId\r\n";
static const char rel_header[] = "id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\t"
				 "relationshipGroup\ttypeId\tcharacteristicTypeId\tmodifierId\r\n";

Test(snomed_rf2, missing_concept_file, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };

	write_tmp("t/sct2_Description_Snapshot-en_INT_20200731.txt", desc_header);
	write_tmp("t/sct2_Relationship_Snapshot_INT_20200731.txt", rel_header);
	cr_assert_null(sv_import_snomed_rf2(tmpdir, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "sct2_Concept_Snapshot"), "%s", err.message);
	cr_assert_null(sv_import_snomed_rf2("/nonexistent/rf2", &err));
	cr_assert_eq(err.code, SV_EIO);
}

Test(snomed_rf2, bad_verhoeff_names_line, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	char text[512];

	/* 88850006 is a GPS concept; 88850007 differs in its check digit. */
	snprintf(text, sizeof(text),
		 "%s88850006\t20200731\t1\t900000000000207008\t900000000000074008\r\n"
		 "88850007\t20200731\t1\t900000000000207008\t900000000000074008\r\n",
		 concept_header);
	write_tmp("sct2_Concept_Snapshot_INT_20200731.txt", text);
	write_tmp("sct2_Description_Snapshot-en_INT_20200731.txt", desc_header);
	write_tmp("sct2_Relationship_Snapshot_INT_20200731.txt", rel_header);
	cr_assert_null(sv_import_snomed_rf2(tmpdir, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "sct2_Concept_Snapshot_INT_20200731.txt:3:") &&
		  strstr(err.message, "88850007") && strstr(err.message, "Verhoeff"), "%s", err.message);
}

Test(snomed_rf2, bad_rows, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	char text[512];

	snprintf(text, sizeof(text), "%s88850006\t20200731\t1\t900000000000207008\r\n", concept_header);
	write_tmp("sct2_Concept_Snapshot_INT_20200731.txt", text);
	write_tmp("sct2_Description_Snapshot-en_INT_20200731.txt", desc_header);
	write_tmp("sct2_Relationship_Snapshot_INT_20200731.txt", rel_header);
	cr_assert_null(sv_import_snomed_rf2(tmpdir, &err));
	cr_assert(strstr(err.message, ".txt:2: 4 columns, expected 5"), "%s", err.message);

	snprintf(text, sizeof(text), "%s88850006\t20200731\tyes\t900000000000207008\t900000000000074008\r\n",
		 concept_header);
	write_tmp("sct2_Concept_Snapshot_INT_20200731.txt", text);
	cr_assert_null(sv_import_snomed_rf2(tmpdir, &err));
	cr_assert(strstr(err.message, "active"), "%s", err.message);

	write_tmp("sct2_Concept_Snapshot_INT_20200731.txt", "id\teffectiveTime\tactive\r\n");
	cr_assert_null(sv_import_snomed_rf2(tmpdir, &err));
	cr_assert(strstr(err.message, "header"), "%s", err.message);
}

/* ---- FHIR files ---- */

Test(fhir_file, fsiii_json)
{
	char *path;
	struct sv_error err = { 0 };
	cJSON *list;
	const cJSON *cs;

	TS_REQUIRE_SHARED(path, "terminology/fsiii-codesystem-20240530.json");
	list = sv_import_fhir_file(path, &err);
	cr_assert_not_null(list, "%s", err.message);
	cr_assert_eq(cJSON_GetArraySize(list), 1);
	cs = cJSON_GetArrayItem(list, 0);
	cr_assert_str_eq(str_of(cs, "resourceType"), "CodeSystem");
	cr_assert_str_eq(str_of(cs, "url"), "urn:oid:1.2.208.176.2.21");
	cr_assert_str_eq(str_of(cs, "version"), "20240530");
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(cs, "count")->valueint, 828);
	/* nested as published: 34 top-level concepts holding the 828 */
	cr_assert_eq(concept_count(cs), 34);
	cJSON_Delete(list);
	free(path);
}

Test(fhir_file, bundle_and_rejections, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	cJSON *list;
	const char *p;

	p = write_tmp("b.json", "  {\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":["
				"{\"resource\":{\"resourceType\":\"CodeSystem\",\"content\":\"complete\",\"count\":1,"
				"\"concept\":[{\"code\":\"a\"}]}},"
				"{\"resource\":{\"resourceType\":\"ConceptMap\"}}]}");
	list = sv_import_fhir_file(p, &err);
	cr_assert_not_null(list, "%s", err.message);
	cr_assert_eq(cJSON_GetArraySize(list), 2);
	cr_assert_str_eq(str_of(cJSON_GetArrayItem(list, 1), "resourceType"), "ConceptMap");
	cJSON_Delete(list);

	p = write_tmp("pat.json", "{\"resourceType\":\"Patient\"}");
	cr_assert_null(sv_import_fhir_file(p, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "Patient"), "%s", err.message);

	p = write_tmp("bp.json", "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"ValueSet\"}},"
				 "{\"resource\":{\"resourceType\":\"Observation\"}}]}");
	cr_assert_null(sv_import_fhir_file(p, &err));
	cr_assert(strstr(err.message, "Observation") && strstr(err.message, "entry[1]"), "%s", err.message);

	p = write_tmp("count.json", "{\"resourceType\":\"CodeSystem\",\"content\":\"complete\",\"count\":3,"
				    "\"concept\":[{\"code\":\"a\",\"concept\":[{\"code\":\"b\"}]}]}");
	cr_assert_null(sv_import_fhir_file(p, &err));
	cr_assert(strstr(err.message, "count"), "%s", err.message);

	p = write_tmp("bad.json", "{\n\"resourceType\":\n}");
	cr_assert_null(sv_import_fhir_file(p, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "bad.json:3:"), "%s", err.message);

	p = write_tmp("arr.json", "[1,2]");
	cr_assert_null(sv_import_fhir_file(p, &err));
	cr_assert_eq(err.code, SV_EINVAL);

	cr_assert_null(sv_import_fhir_file("/nonexistent/cs.json", &err));
	cr_assert_eq(err.code, SV_EIO);
}

Test(fhir_file, size_cap, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	const char *p = write_tmp("huge.json", "{");

	cr_assert_eq(truncate(p, (off_t)SV_IMPORT_MAX_FILE + 1), 0); /* sparse: costs no disk */
	cr_assert_null(sv_import_fhir_file(p, &err));
	cr_assert_eq(err.code, SV_ETOOBIG, "%s", err.message);
}

Test(fhir_file, xml_codesystem, .init = make_tmpdir, .fini = rm_tmpdir)
{
	struct sv_error err = { 0 };
	cJSON *list;
	const cJSON *cs;
	const char *p = write_tmp(
		"cs.xml",
		"\n  <CodeSystem xmlns=\"http://hl7.org/fhir\">\n"
		"  <url value=\"urn:oid:2.16.578.1.12.4.1.1.9111\"/>\n"
		"  <status value=\"draft\"/>\n  <content value=\"complete\"/>\n  <count value=\"1\"/>\n"
		"  <concept>\n    <code value=\"20\"/>\n    <display value=\"Opplevelse av trygghet\"/>\n"
		"  </concept>\n</CodeSystem>\n");

	list = sv_import_fhir_file(p, &err);
	cr_assert_not_null(list, "%s", err.message);
	cs = cJSON_GetArrayItem(list, 0);
	cr_assert_str_eq(str_of(cs, "resourceType"), "CodeSystem");
	cr_assert_eq(concept_count(cs), 1);
	cr_assert_str_eq(str_of(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cs, "concept"), 0), "display"),
			 "Opplevelse av trygghet");
	cJSON_Delete(list);

	p = write_tmp("pat.xml", "<Patient xmlns=\"http://hl7.org/fhir\"><active value=\"true\"/></Patient>");
	cr_assert_null(sv_import_fhir_file(p, &err));
	cr_assert(strstr(err.message, "Patient"), "%s", err.message);
}

