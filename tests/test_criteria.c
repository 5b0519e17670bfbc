/* test_criteria.c — the criteria and case-mix parsers and evaluators (criteria.h, casemix.h, library.h)
 * on the bundled files in mappings/ (Øyer 2010, the 2017 report's packages, the default case-mix table)
 * and on bad files that must be refused with file:line. Every code in the criteria files is checked
 * against the bundled 9151 code system and the source files in ../shared/terminology. */
#include "samsvar/casemix.h"
#include "samsvar/criteria.h"
#include "samsvar/library.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCT "http://snomed.info/sct"
#define FSIII "urn:oid:1.2.208.176.2.21"

static char *mapping_text(const char *name, size_t *len)
{
	const char *root = getenv("SAMSVAR_ROOT");
	char path[1024];
	char *t;

	snprintf(path, sizeof(path), "%s/mappings/%s", root && *root ? root : ".", name);
	t = ts_read_file(path, len);
	cr_assert_not_null(t, "cannot read %s", path);
	return t;
}

static struct sv_criteria *bundled(const char *name)
{
	struct sv_error err = {0};
	struct sv_criteria *c;
	size_t len;
	char *t = mapping_text(name, &len);

	cr_assert_eq(sv_criteria_parse(name, t, len, &c, &err), SV_OK, "%s", err.message);
	free(t);
	return c;
}

static int rule_index(const struct sv_criteria *c, const char *id)
{
	for (int i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].id, id) == 0)
			return i;
	cr_assert_fail("no rule %s", id);
	return -1;
}

/* Evaluates `c` for "v=s,v=s,..." and returns the matched rules as "id,id,..." (static buffer). */
static const char *matched(const struct sv_criteria *c, const char *scores, struct sv_crit_result *res)
{
	static char out[2048];
	unsigned char s[SV_CRIT_NVARS + 1] = {0};
	const char *p = scores;
	size_t n = 0;

	while (*p) {
		int v, sc, k;
		cr_assert_eq(sscanf(p, "%d=%d%n", &v, &sc, &k), 2);
		s[v] = (unsigned char)sc;
		p += k + (p[k] == ',');
	}
	sv_criteria_eval(c, s, res);
	out[0] = '\0';
	for (int i = 0; i < c->nrules; i++)
		if (res[i].matched)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? "," : "", c->rules[i].id);
	return out;
}

static int has(const char *list, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = list; (p = strstr(p, id)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

Test(criteria, oyer_services_for_the_scores_that_qualify)
{
	struct sv_criteria *c = bundled("criteria-oyer-2010.tsv");
	struct sv_crit_result res[SV_CRIT_MAX_RULES];
	const char *m;

	cr_assert_str_eq(c->meta.kind, "criteria");
	cr_assert_not_null(strstr(c->meta.document, "Kriterier for tildeling av omsorgstjenester"));
	/* training (9151 2) at 3-4, not at 5 (3.1.2) */
	cr_assert(has(matched(c, "6=3", res), "opplaering"));
	cr_assert(has(matched(c, "8=4", res), "opplaering"));
	cr_assert(!has(matched(c, "6=5", res), "opplaering"));
	cr_assert_str_eq(c->rules[rule_index(c, "opplaering")].service, "2");
	/* practical assistance (9151 1) from 4 (3.1.1), or 3 on several variables */
	cr_assert(!has(matched(c, "6=3", res), "praktisk-bistand"));
	cr_assert(has(matched(c, "6=4", res), "praktisk-bistand"));
	m = matched(c, "6=3,9=3", res);
	cr_assert(has(m, "praktisk-bistand-flere-3") && !has(m, "praktisk-bistand"), "%s", m);
	/* respite outside an institution (7) at 3-4 as written; a respite stay (8) from 3 */
	m = matched(c, "17=3", res);
	cr_assert(has(m, "avlastning") && has(m, "avlastningsopphold"), "%s", m);
	m = matched(c, "17=5", res);
	cr_assert(!has(m, "avlastning") && has(m, "avlastningsopphold"), "%s", m);
	cr_assert_str_eq(c->rules[rule_index(c, "avlastning")].service, "7");
	cr_assert_str_eq(c->rules[rule_index(c, "avlastningsopphold")].service, "8");
	/* omsorgslønn (11) needs the criteria of practical assistance or home nursing; hours from the case-mix */
	cr_assert(has(matched(c, "7=3", res), "omsorgslonn"));
	cr_assert(has(matched(c, "2=4", res), "omsorgslonn"));
	cr_assert(!has(matched(c, "1=3,20=3", res), "omsorgslonn"));
	cr_assert(c->rules[rule_index(c, "omsorgslonn")].hours_casemix);
	cr_assert_str_eq(c->rules[rule_index(c, "omsorgslonn")].service, "11");
	/* støttekontakt (9) for the social variable, safety alarm (6) for variable 20, matombringing (5) */
	cr_assert(has(matched(c, "1=3", res), "stottekontakt"));
	cr_assert(!has(matched(c, "1=2", res), "stottekontakt"));
	cr_assert(has(matched(c, "20=3", res), "trygghetsalarm"));
	cr_assert(has(matched(c, "9=4", res), "matombringing"));
	cr_assert(!has(matched(c, "9=3", res), "matombringing"));
	/* long-term nursing home (21) from 4, with the document's other conditions to confirm */
	cr_assert(!has(matched(c, "15=3", res), "langtidsopphold"));
	cr_assert(res[rule_index(c, "langtidsopphold")].close, "15=3 is one step from 4");
	cr_assert(has(matched(c, "15=4", res), "langtidsopphold"));
	const struct sv_crit_rule *l = &c->rules[rule_index(c, "langtidsopphold")];
	cr_assert_str_eq(l->service, "21");
	cr_assert_geq(l->nconfirm, 3);
	cr_assert_not_null(strstr(l->confirm[1], "LEON"));
	cr_assert_not_null(strstr(l->section, "3.2.6.2"));
	/* 9 (not relevant) and 1-2 never qualify */
	cr_assert_str_eq(matched(c, "1=9,6=9,7=9,15=9,20=9", res), "");
	cr_assert_str_eq(matched(c, "1=2,6=2,7=2,15=2,20=2", res), "");
	sv_criteria_free(c);
}

Test(criteria, report_2017_combined_example_gives_its_three_services)
{
	struct sv_criteria *c = bundled("criteria-helsedirektoratet-2017.tsv");
	struct sv_crit_result res[SV_CRIT_MAX_RULES];
	const struct sv_crit_rule *r;

	/* "dosett every week, a shower every 14 days, practical help every 14 days" */
	cr_assert_str_eq(matched(c, "4=3,7=3,6=3", res), "medisin-3,husarbeid-3,dusj");
	r = &c->rules[rule_index(c, "medisin-3")];
	cr_assert(r->freq == 1 && r->period == 1 && strcmp(r->unit, "wk") == 0 && r->minutes == 10);
	r = &c->rules[rule_index(c, "dusj")];
	cr_assert(r->freq == 1 && r->period == 2 && strcmp(r->unit, "wk") == 0 && r->minutes == 0);
	r = &c->rules[rule_index(c, "husarbeid-3")];
	cr_assert(r->freq == 2 && r->period == 1 && strcmp(r->unit, "mo") == 0);
	cr_assert_str_eq(matched(c, "4=5", res), "medisin-5");
	cr_assert_eq(c->rules[rule_index(c, "medisin-5")].minutes, 15);
	sv_criteria_free(c);
}

/* Every code of the criteria files: 9151 services in the bundled code system, SNOMED CT ids among the
 * GPS rows of snomed-candidates.tsv, FSIII codes in the KL code system file. */
Test(criteria, every_code_is_in_the_terminology_files)
{
	static const char *const FILES[] = {"criteria-oyer-2010.tsv", "criteria-helsedirektoratet-2017.tsv"};
	char *sct_path, *fs_path, *sct, *fs, *cs9151, key[64];
	size_t n;

	TS_REQUIRE_SHARED(sct_path, "terminology/snomed-candidates.tsv");
	TS_REQUIRE_SHARED(fs_path, "terminology/fsiii-codesystem-20240530.json");
	sct = ts_read_file(sct_path, &n);
	fs = ts_read_file(fs_path, &n);
	cs9151 = mapping_text("codesystem-iplos-9151.tsv", &n);
	for (size_t f = 0; f < 2; f++) {
		struct sv_criteria *c = bundled(FILES[f]);
		for (int i = 0; i < c->nrules; i++) {
			const struct sv_crit_rule *r = &c->rules[i];
			snprintf(key, sizeof(key), "\n%s\t", r->service);
			cr_assert_not_null(strstr(cs9151, key), "%s: 9151 %s", r->id, r->service);
			for (int k = 0; k < r->ncodes; k++) {
				if (strcmp(r->code_system[k], SCT) == 0) {
					snprintf(key, sizeof(key), "\n%s\t", r->code[k]);
					const char *row = strstr(sct, key);
					cr_assert_not_null(row, "%s: SNOMED CT %s", r->id, r->code[k]);
					cr_assert_not_null(strstr(row, "GPS-2020"));
				} else {
					cr_assert_str_eq(r->code_system[k], FSIII, "%s", r->id);
					snprintf(key, sizeof(key), "\"%s\"", r->code[k]);
					cr_assert_not_null(strstr(fs, key), "%s: FSIII %s", r->id, r->code[k]);
				}
			}
		}
		sv_criteria_free(c);
	}
	free(sct);
	free(fs);
	free(cs9151);
	free(sct_path);
	free(fs_path);
}

#define HEAD "@resourceType\tLibrary\n@kind\tcriteria\n@url\thttps://k.example/Library/c\n@version\t1\n" \
	     "@name\tC\n@status\tdraft\n@document\tA document\n"
#define COLS "rule\tservice\tcodes\twhen\trequires\tconfirm\tfrequency\tminutes\thours_per_week\tsection\treading\n"

/* Expects `text` to be refused with a message that starts "bad.tsv:<line>: " and holds `what`. */
static void refused(const char *text, int line, const char *what)
{
	struct sv_error err = {0};
	struct sv_criteria *c = NULL;
	char prefix[32];

	cr_assert_neq(sv_criteria_parse("bad.tsv", text, strlen(text), &c, &err), SV_OK, "accepted: %s", text);
	cr_assert_null(c);
	snprintf(prefix, sizeof(prefix), "bad.tsv:%d: ", line);
	cr_assert_eq(strncmp(err.message, prefix, strlen(prefix)), 0, "want %s..., got %s", prefix, err.message);
	cr_assert_not_null(strstr(err.message, what), "want '%s' in %s", what, err.message);
}

Test(criteria, bad_files_are_refused_with_file_and_line)
{
	refused(HEAD COLS "a\t1\t\t6: 3-6\t\t\t\t\t\t3.1\t\n", 9, "not a score or range");
	refused(HEAD COLS "a\t1\t\t6: 3\tnone\t\t\t\t\t3.1\t\n", 9, "requires 'none'");
	refused(HEAD COLS "a\t1\t\t6: 3\t\t\t\t\t\t3.1\t\na\t1\t\t6: 4\t\t\t\t\t\t3.1\t\n", 10, "defined twice");
	refused(HEAD COLS "a\t1\t\t6: 3\t\t\t\t\t\t\t\n", 9, "has no section");
	refused(HEAD COLS "a\t1\t\t6: 3\t\t\t2/yr\t\t\t3.1\t\n", 9, "frequency '2/yr'");
	refused(HEAD COLS "a\t1\t\t3 of 1,2: 3\t\t\t\t\t\t3.1\t\n", 9, "can never hold");
	refused(HEAD COLS "a\t1\t\t21: 3\t\t\t\t\t\t3.1\t\n", 9, "IPLOS variables 1-20");
	refused(HEAD COLS "a\t1\t\t6: 3\t\t\t\t\t\t3.1\n", 9, "10 cells, expected 11");
	refused(HEAD COLS "a\tx\t\t6: 3\t\t\t\t\t\t3.1\t\n", 9, "not an IPLOS service type");
	refused(HEAD COLS "a\t1\tsnomed 1\t6: 3\t\t\t\t\t\t3.1\t\n", 9, "not system|code");
	refused(HEAD COLS "a\t1\t\t6: 3\t\t\t\t10\t\t3.1\t\n", 9, "without a frequency");
	refused(HEAD COLS "a\t1\t\t\t\t\t\t\t\t3.1\t\n", 9, "neither conditions");
	refused(HEAD "rule\tservice\n", 8, "2 columns, expected 11");
	refused(HEAD COLS "@title\tlate\n", 9, "metadata line after the column line");
	refused("@resourceType\tLibrary\n@kind\tcasemix\n", 2, "expected criteria");
	refused("@resourceType\tLibrary\n@kind\tcriteria\n@url\tu\n@version\t1\n@name\tn\n@status\tdraft\n" COLS,
		7, "@document is required");
	refused("# only a comment\n@kind\tcriteria\n", 2, "first metadata line must be @resourceType");
	refused(HEAD "@colour\tred\n", 8, "unknown metadata key @colour");
	refused(HEAD COLS "a\t1\t\t6: 3\t\t\t\t\t\t3.1\t\xff\n", 9, "invalid UTF-8");
	refused(HEAD COLS, 8, "no rules");
}

Test(criteria, close_and_gap)
{
	struct sv_crit_cond k = {.vars = {2, 6, 9}, .nvars = 3, .atleast = 2, .lo = 3, .hi = 5};
	unsigned char s[SV_CRIT_NVARS + 1] = {0};
	unsigned char met[SV_CRIT_NVARS];
	int nmet, nearest;

	s[2] = 3;
	s[6] = 2;
	cr_assert(!sv_criteria_cond_met(&k, s, met, &nmet));
	cr_assert_eq(nmet, 1);
	cr_assert_eq(sv_criteria_cond_gap(&k, s, &nearest), 1);
	cr_assert_eq(nearest, 6);
	s[6] = 0;   /* not assessed: can never count */
	cr_assert_geq(sv_criteria_cond_gap(&k, s, &nearest), 1000);
	s[6] = 9;
	cr_assert_geq(sv_criteria_cond_gap(&k, s, &nearest), 1000);
	s[6] = 4;
	cr_assert_eq(sv_criteria_cond_gap(&k, s, &nearest), 0);
}

/* ---- case-mix ---- */

static struct sv_casemix *default_table(void)
{
	struct sv_error err = {0};
	struct sv_casemix *m;
	size_t len;
	char *t = mapping_text("casemix-default.tsv", &len);

	cr_assert_eq(sv_casemix_parse("casemix-default.tsv", t, len, &m, &err), SV_OK, "%s", err.message);
	free(t);
	return m;
}

Test(casemix, default_table_groups_hours_and_living_alone)
{
	struct sv_casemix *m = default_table();
	struct sv_casemix_result r;
	unsigned char s[21] = {0};

	cr_assert_eq(m->ndims, 2);
	cr_assert_str_eq(m->dims[0].name, "physical");
	cr_assert_eq(m->dims[0].nvars + m->dims[1].nvars, 15, "the report's 15 variables");
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < m->dims[d].nvars; i++)
			cr_assert(m->dims[d].vars[i] != 13 && m->dims[d].vars[i] != 14, "vision and hearing are left out");
	cr_assert_eq(m->ncombos, 36);
	cr_assert_float_eq(m->living_alone, 17, 1e-9);
	cr_assert_str_eq(m->meta.hours, "placeholder");
	/* all scored 1: the first group of each */
	for (int v = 1; v <= 20; v++)
		s[v] = 1;
	sv_casemix_apply(m, s, 0, &r);
	cr_assert(r.ok);
	cr_assert_str_eq(r.label, "P1+C1");
	cr_assert_float_eq(r.adjusted, m->hours[0], 1e-9);
	/* physical mean 3.0 (P5), cognitive 5 (C6); living alone adds 17 % */
	for (int v = 1; v <= 20; v++)
		s[v] = 3;
	s[1] = s[3] = s[15] = s[16] = s[17] = 5;
	sv_casemix_apply(m, s, 1, &r);
	cr_assert_str_eq(r.label, "P5+C6");
	cr_assert(r.living_alone_applied);
	cr_assert_float_eq(r.adjusted, (double)(long)(r.hours * 1.17 * 10 + 0.5) / 10, 1e-9);
	/* 9 is left out of the mean; a dimension with nothing scored gives no group */
	s[1] = s[3] = s[15] = s[16] = s[17] = 9;
	sv_casemix_apply(m, s, -1, &r);
	cr_assert(!r.ok);
	cr_assert_str_eq(r.missing, "cognitive");
	sv_casemix_free(m);
}

#define CMHEAD "@resourceType\tLibrary\n@kind\tcasemix\n@url\thttps://k.example/Library/m\n@version\t1\n" \
	       "@name\tM\n@status\tdraft\n@document\tA document\nentry\tname\tvalue\tnote\n"

static void cm_refused(const char *text, int line, const char *what)
{
	struct sv_error err = {0};
	struct sv_casemix *m = NULL;
	char prefix[32];

	cr_assert_neq(sv_casemix_parse("cm.tsv", text, strlen(text), &m, &err), SV_OK, "accepted: %s", text);
	snprintf(prefix, sizeof(prefix), "cm.tsv:%d: ", line);
	cr_assert_eq(strncmp(err.message, prefix, strlen(prefix)), 0, "want %s..., got %s", prefix, err.message);
	cr_assert_not_null(strstr(err.message, what), "want '%s' in %s", what, err.message);
}

Test(casemix, bad_tables_are_refused_with_file_and_line)
{
	cm_refused(CMHEAD "dimension\tp\t1,2\t\ngroup\tp:A\t1-3\t\ngroup\tp:B\t3-5\t\nhours\tA\t1\t\n", 12,
		   "no hours row for B");
	cm_refused(CMHEAD "dimension\tp\t1,2\t\ngroup\tp:A\t1-3\t\ngroup\tp:B\t3.5-5\t\n", 11, "must start where");
	cm_refused(CMHEAD "dimension\tp\t1,2\t\ndimension\tc\t2,3\t\n", 10, "already in dimension p");
	cm_refused(CMHEAD "dimension\tp\t1,2\t\ngroup\tp:A\t1-4\t\nhours\tA\t1\t\n", 11, "must end at 5");
	cm_refused(CMHEAD "dimension\tp\t1\t\ngroup\tp:A\t1-5\t\nhours\tA\t1\t\nadjust\tliving-alone\t17\t\n", 12,
		   "must be a percentage");
	cm_refused(CMHEAD "dimension\tp\t1\t\ngroup\tq:A\t1-5\t\n", 10, "of a dimension above");
	cm_refused(CMHEAD "weight\tp\t1\t\n", 9, "unknown entry");
}

/* ---- Library ---- */

#define BAD_ROW HEAD COLS "a\t1\t\t6: 7\t\t\t\t\t\t3.1\t\n"

Test(library, criteria_file_round_trips_through_a_library)
{
	struct sv_error err = {0};
	struct sv_criteria *c = NULL;
	char kind[16];
	size_t len;
	char *t = mapping_text("criteria-oyer-2010.tsv", &len);
	cJSON *lib = sv_library_from_text("criteria-oyer-2010.tsv", t, len, "https://kommune.example", &err);

	cr_assert_not_null(lib, "%s", err.message);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(lib, "resourceType")), "Library");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(lib, "url")),
			 "https://kommune.example/Library/criteria-oyer-2010");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(lib, "status")), "draft");
	cr_assert_str_eq(sv_library_kind(lib, kind, sizeof(kind)), "criteria");
	cr_assert_eq(sv_library_criteria(lib, &c, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(c->meta.url, "https://kommune.example/Library/criteria-oyer-2010");
	cr_assert_gt(c->nrules, 10);
	cr_assert_eq(sv_library_check(lib, &err), SV_OK, "%s", err.message);
	/* the text is the truth: a url that differs from the text's is refused */
	cJSON_ReplaceItemInObject(lib, "url", cJSON_CreateString("https://other.example/Library/x"));
	cr_assert_eq(sv_library_check(lib, &err), SV_EINVAL);
	cr_assert_not_null(strstr(err.message, "differ"));
	/* data that is not base64 */
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(lib, "content"), 0), "data",
				  cJSON_CreateString("!!!"));
	cr_assert_eq(sv_library_check(lib, &err), SV_EINVAL);
	sv_criteria_free(c);
	cJSON_Delete(lib);
	free(t);
	/* a bad file is refused with its name and line */
	lib = sv_library_from_text("mine.tsv", BAD_ROW, strlen(BAD_ROW), "https://k.example", &err);
	cr_assert_null(lib);
	cr_assert_eq(strncmp(err.message, "mine.tsv:9: ", 12), 0, "%s", err.message);
}
