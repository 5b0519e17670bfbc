/* test_batch.c — the CSV batch converter and the one-code CLI entry point.
 * The fixture uses codes copied from ../shared/terminology (IPLOS 9111, icf.tsv, snomed-candidates.tsv);
 * the test against the bundled mappings/ reads its expectations from the map files themselves. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samsvar/batch.h"
#include "samsvar/cli_translate.h"
#include "samsvar/content.h"
#include "samsvar/snapshot.h"
#include "support/fixtures.h"
#include "support/support.h"

#define IPLOS "urn:oid:2.16.578.1.12.4.1.1.9111"
#define BASE "http://t"

#define PERF ",\"extension\":[{\"url\":\"" BASE "/StructureDefinition/icf-qualifier\",\"valueCode\":\"performance\"}]"

static const char *FIXTURE =
	"["
	"{\"resourceType\":\"CodeSystem\",\"url\":\"" IPLOS "\",\"version\":\"1\",\"status\":\"active\","
	" \"content\":\"complete\",\"concept\":[{\"code\":\"7\"},{\"code\":\"8\"},{\"code\":\"3\"}]},"
	/* iplos-icf names its qualifier map; every target declares the performance qualifier, but the engine
	 * applies it only where ICF allows: not on the chapter d5, not on the relatedto d560 */
	"{\"resourceType\":\"ConceptMap\",\"url\":\"" BASE "/ConceptMap/iplos-icf\",\"version\":\"1\",\"status\":\"draft\","
	" \"extension\":[{\"url\":\"" BASE "/StructureDefinition/qualifier-map\","
	"  \"valueCanonical\":\"" BASE "/ConceptMap/iplos-score-icf-qualifier\"}],"
	" \"group\":[{\"source\":\"" IPLOS "\",\"target\":\"http://hl7.org/fhir/sid/icf\",\"element\":["
	"  {\"code\":\"7\",\"target\":[{\"code\":\"d510\",\"equivalence\":\"narrower\"" PERF "},"
	"   {\"code\":\"d520\",\"equivalence\":\"narrower\"" PERF "},{\"code\":\"d5\",\"equivalence\":\"narrower\"" PERF "},"
	"   {\"code\":\"d560\",\"equivalence\":\"relatedto\"" PERF "}]},"
	"  {\"code\":\"8\",\"target\":[{\"code\":\"d540\",\"equivalence\":\"equivalent\"" PERF "}]}]}]},"
	"{\"resourceType\":\"ConceptMap\",\"url\":\"" BASE "/ConceptMap/iplos-score-icf-qualifier\",\"version\":\"1\",\"status\":\"draft\","
	" \"group\":[{\"source\":\"" BASE "/CodeSystem/iplos-score\",\"target\":\"" BASE "/CodeSystem/icf-qualifier\",\"element\":["
	"  {\"code\":\"1\",\"target\":[{\"code\":\"0\",\"equivalence\":\"equivalent\"}]},"
	"  {\"code\":\"4\",\"target\":[{\"code\":\"3\",\"equivalence\":\"inexact\"}]},"
	"  {\"code\":\"9\",\"target\":[{\"code\":\"9\",\"equivalence\":\"equivalent\"}]}]}]},"
	"{\"resourceType\":\"ConceptMap\",\"url\":\"" BASE "/ConceptMap/iplos-snomed\",\"version\":\"1\",\"status\":\"draft\","
	" \"group\":[{\"source\":\"" IPLOS "\",\"target\":\"http://snomed.info/sct\",\"element\":["
	"  {\"code\":\"8\",\"target\":[{\"code\":\"129003000\",\"equivalence\":\"equivalent\"},"
	"    {\"code\":\"284972002\",\"equivalence\":\"narrower\",\"dependsOn\":[{\"property\":\"" BASE "/CodeSystem/iplos-score\","
	"     \"system\":\"" BASE "/CodeSystem/iplos-score\",\"value\":\"4\"}]}]}]}]},"
	"{\"resourceType\":\"ConceptMap\",\"url\":\"" BASE "/ConceptMap/icf-snomed\",\"version\":\"1\",\"status\":\"draft\","
	" \"group\":[{\"source\":\"http://hl7.org/fhir/sid/icf\",\"target\":\"http://snomed.info/sct\",\"element\":["
	"  {\"code\":\"d510\",\"target\":[{\"code\":\"286852005\",\"equivalence\":\"equivalent\"}]}]}]}"
	"]";


/* Runs the batch over `csv`; returns the output (malloc'd). */
static char *convert(const struct sv_snapshot *s, const char *csv, const struct sv_batch_opts *o,
		     struct sv_batch_counts *c)
{
	struct sv_error err = {0};
	FILE *in = fmemopen((void *)csv, strlen(csv), "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert_eq(sv_batch_translate(s, in, out, o, c, &err), SV_OK, "%s", err.message);
	fclose(in);
	fclose(out);
	return buf;
}

Test(batch, converts_rows_and_reports_bad_ones)
{
	struct sv_snapshot *s = ts_snapshot_of(cJSON_Parse(FIXTURE));
	struct sv_batch_opts o = {.canonical_base = BASE};
	struct sv_batch_counts c;
	char *out = convert(s,
			    "person,variable,score\r\n"
			    "p1,7,4\r\n"
			    "\"Nordmann, Ola\",8,4\n"
			    "p3,8,1\n"
			    "p4,3,9\n"
			    "p5,99,1\n"
			    "p6,7,6\n"
			    "p7,7\n"
			    "p8,7,4,extra\n"
			    "\n"
			    "\"p9,7,4\n", &o, &c);

	cr_assert_str_eq(out,
			 "person,variable,score,icf_code,icf_qualifier,icf_qualified,snomed_ct,error\n"
			 /* no direct SNOMED row for 7: the chain through ICF gives d510's concept; the chapter d5
			  * and the relatedto d560 are ICF codes of the variable but take no qualifier */
			 "p1,7,4,d510 d520 d5 d560,3,d510.3 d520.3,286852005,\n"
			 "\"Nordmann, Ola\",8,4,d540,3,d540.3,129003000 284972002,\n"
			 "p3,8,1,d540,0,d540.0,129003000,\n"
			 /* 3 is a known variable without any map row: translated, empty columns */
			 "p4,3,9,,,,,\n"
			 "p5,99,1,,,,,unknown IPLOS variable\n"
			 "p6,7,6,,,,,score must be 1-5 or 9\n"
			 "p7,7,,,,,,\"expected 3 columns, got 2\"\n"
			 "p8,7,4,,,,,\"expected 3 columns, got 4\"\n"
			 "\"p9,7,4\n\",,,,,,,malformed quoting\n");
	cr_assert_eq(c.rows, 9);
	cr_assert_eq(c.translated, 4);
	cr_assert_eq(c.bad, 5);
	free(out);
	sv_snapshot_release(s);
}

Test(batch, long_rows_are_bad_not_fatal)
{
	struct sv_snapshot *s = ts_snapshot_of(cJSON_Parse(FIXTURE));
	struct sv_batch_opts o = {.canonical_base = BASE};
	struct sv_batch_counts c;
	size_t n = SV_BATCH_MAX_LINE + 100;
	char *csv = malloc(n + 32), *out;

	memset(csv, 'x', n);
	memcpy(csv + n, ",7,4\np2,8,1\n", 13);
	out = convert(s, csv, &o, &c);
	cr_assert_eq(c.rows, 2);
	cr_assert_eq(c.bad, 1);
	cr_assert(strstr(out, "row longer than 4096 bytes"));
	cr_assert(strstr(out, "\np2,8,1,d540,0,d540.0,129003000,\n"));
	free(out);
	free(csv);
	sv_snapshot_release(s);
}

Test(batch, missing_content_is_an_error)
{
	struct sv_snapshot *s = ts_snapshot_of(cJSON_Parse(FIXTURE));
	struct sv_error err = {0};
	struct sv_batch_counts c;
	FILE *in = fmemopen((void *)"p,7,4\n", 6, "r");

	/* default base: the fixture's maps are not there */
	cr_assert_eq(sv_batch_translate(s, in, stdout, NULL, &c, &err), SV_ENOTFOUND);
	cr_assert(strstr(err.message, "iplos-icf"), "%s", err.message);
	fclose(in);
	sv_snapshot_release(s);
}

Test(batch, cli_prints_parameters)
{
	struct sv_snapshot *s = ts_snapshot_of(cJSON_Parse(FIXTURE));
	struct sv_error err = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	cJSON *p;

	cr_assert_eq(sv_translate_cli(s, IPLOS, "8", "http://hl7.org/fhir/sid/icf", NULL, 0, 4, out, &err), SV_OK);
	fclose(out);
	p = cJSON_Parse(buf);
	cr_assert_not_null(p);
	cr_assert(strstr(buf, "\"d540\""));
	cr_assert(strstr(buf, "\"equivalence\""));
	cJSON_Delete(p);
	free(buf);

	out = open_memstream(&buf, &len);
	cr_assert_eq(sv_translate_cli(s, NULL, "8", NULL, NULL, 0, 4, out, &err), SV_EREQUIRED);
	fclose(out);
	free(buf);

	/* --dependency: the score qualifies the ICF categories that take it (d540.3), never the chapter d5 */
	out = open_memstream(&buf, &len);
	cr_assert_eq(sv_translate_cli(s, IPLOS, "7", NULL, BASE "/CodeSystem/iplos-score|4", 0, 4, out, &err), SV_OK,
		     "%s", err.message);
	fclose(out);
	cr_assert(strstr(buf, BASE "/CodeSystem/icf-qualifier#performance"), "%s", buf);
	p = cJSON_Parse(buf);
	{
		int qualified = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(p, "parameter")) {
			char *t = cJSON_PrintUnformatted(it);
			if (strstr(t, "icf-qualifier#performance")) {
				qualified++;
				cr_assert(strstr(t, "\"d510\"") || strstr(t, "\"d520\""), "only d510/d520: %s", t);
			}
			free(t);
		}
		cr_assert_eq(qualified, 2, "%s", buf);
	}
	cJSON_Delete(p);
	free(buf);
	out = open_memstream(&buf, &len);
	cr_assert_eq(sv_translate_cli(s, IPLOS, "7", NULL, "no-bar", 0, 4, out, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "dependency");
	fclose(out);
	free(buf);
	sv_snapshot_release(s);
}

/* Collects column `col` of map rows with source `code` (and depends_on empty or ending in |score). */
static void tsv_targets(const char *path, const char *code, const char *score, char *acc, size_t cap)
{
	FILE *f = fopen(path, "r");
	char line[8192];

	cr_assert_not_null(f, "%s", path);
	acc[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		char *col[10] = {0}, *p = line;
		int n = 0;
		if (line[0] == '#' || line[0] == '@' || strncmp(line, "source_system", 13) == 0)
			continue;
		line[strcspn(line, "\n")] = 0;
		while (n < 10 && p) {
			col[n++] = p;
			p = strchr(p, '\t');
			if (p)
				*p++ = 0;
		}
		if (n < 8 || strcmp(col[1], code) != 0 || !*col[4])
			continue;
		if (*col[7]) {
			const char *bar = strrchr(col[7], '|');
			if (!score || !bar || strcmp(bar + 1, score) != 0)
				continue;
		}
		if (strstr(acc, col[4]))
			continue;
		if (*acc)
			strncat(acc, " ", cap - strlen(acc) - 1);
		strncat(acc, col[4], cap - strlen(acc) - 1);
	}
	fclose(f);
}

Test(batch, bundled_mappings_variable_7_score_4)
{
	struct sv_error err = {0};
	cJSON *arr = sv_content_load_dir("mappings", "https://fhir.samsvar.no", &err);
	struct sv_snapshot *s;
	struct sv_batch_counts c;
	char icf[256], qual[16], sct[256], want[1024], *out, *p;

	cr_assert_not_null(arr, "mappings/ does not load: %s", err.message);
	s = ts_snapshot_of(arr);
	tsv_targets("mappings/conceptmap-iplos-icf.tsv", "7", NULL, icf, sizeof(icf));
	tsv_targets("mappings/conceptmap-iplos-score-icf-qualifier.tsv", "4", NULL, qual, sizeof(qual));
	tsv_targets("mappings/conceptmap-iplos-snomed.tsv", "7", "4", sct, sizeof(sct));
	cr_assert(*icf && *qual && *sct);
	out = convert(s, "p1,7,4\n", NULL, &c);
	cr_assert_eq(c.translated, 1);
	/* icf_code, icf_qualifier, then every ICF code with ".<qualifier>" */
	p = want + snprintf(want, sizeof(want), "p1,7,4,%s,%s,", icf, qual);
	for (char *t = icf, *e; *t; t = e + (*e == ' ')) {
		e = t + strcspn(t, " ");
		p += snprintf(p, sizeof(want) - (size_t)(p - want), "%s%.*s.%s", p[-1] == ',' ? "" : " ",
			      (int)(e - t), t, qual);
	}
	snprintf(p, sizeof(want) - (size_t)(p - want), ",%s,\n", sct);
	cr_assert(strstr(out, want), "want %s got %s", want, out);
	free(out);
	sv_snapshot_release(s);
}

Test(batch, bundled_mappings_write_only_valid_qualified_forms)
{
	struct sv_error err = {0};
	cJSON *arr = sv_content_load_dir("mappings", "https://fhir.samsvar.no", &err);
	struct sv_snapshot *s;
	struct sv_batch_counts c;
	char *out;

	cr_assert_not_null(arr, "mappings/ does not load: %s", err.message);
	s = ts_snapshot_of(arr);
	out = convert(s, "p1,10,4\np2,16,4\np3,19,4\np4,15,4\np5,7,9\n", NULL, &c);
	cr_assert_eq(c.translated, 5, "%s", out);
	/* eating: d550 qualified, d560 (relatedto) listed but never "d560.3" */
	cr_assert(strstr(out, "p1,10,4,d550 d560,3,d550.3,"), "%s", out);
	/* communication: the categories of d3, each qualified; the chapter never appears */
	cr_assert(strstr(out, "p2,16,4,d310 d315 d330 d335 d350,3,d310.3 d315.3 d330.3 d335.3 d350.3,"), "%s", out);
	/* initiative: b1301 (narrower) takes the impairment qualifier; b130 (inexact) does not */
	cr_assert(strstr(out, "p3,19,4,b130 b1301,3,b1301.3,"), "%s", out);
	/* memory: b144 is inexact, so no qualifier and no qualified form at all */
	cr_assert(strstr(out, "p4,15,4,b144,,,"), "%s", out);
	/* score 9 (not relevant) is ICF .9 (not applicable) */
	cr_assert(strstr(out, "p5,7,9,d510 d520,9,d510.9 d520.9,"), "%s", out);
	free(out);
	sv_snapshot_release(s);
}
