/* test_content.c — the content loader on the real mappings/ directory, checked row by row against the
 * source files in ../shared/terminology, and on small bad files that must fail with file:line. */
#include "samsvar/content.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BASE "https://fhir.samsvar.no"
#define V9111 "urn:oid:2.16.578.1.12.4.1.1.9111"
#define V9151 "urn:oid:2.16.578.1.12.4.1.1.9151"
#define ICF "http://hl7.org/fhir/sid/icf"
#define SCT "http://snomed.info/sct"
#define FSIII "urn:oid:1.2.208.176.2.21"
#define FLAG_URL BASE "/StructureDefinition/needs-national-edition"

/* ---- helpers ---- */

static cJSON *load_mappings(void)
{
	const char *root = getenv("SAMSVAR_ROOT");
	char dir[1024];
	struct sv_error err = { 0 };

	snprintf(dir, sizeof(dir), "%s/mappings", root && *root ? root : ".");
	cJSON *all = sv_content_load_dir(dir, BASE "/", &err);
	cr_assert_not_null(all, "loading %s: %s", dir, err.message);
	return all;
}

static cJSON *by_url(const cJSON *all, const char *url)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, all) {
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "url")), url) == 0)
			return (cJSON *)r;
	}
	cr_assert_fail("no resource with url %s", url);
	return NULL;
}

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static const cJSON *concept(const cJSON *cs, const char *code)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cs, "concept")) {
		if (strcmp(str(c, "code"), code) == 0)
			return c;
	}
	return NULL;
}

/* Returns the valueCode/valueString of property `name` of concept `c`, or "" if absent. */
static const char *prop(const cJSON *c, const char *name)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "property")) {
		if (strcmp(str(p, "code"), name) == 0)
			return str(p, "valueCode") ? str(p, "valueCode") : str(p, "valueString");
	}
	return "";
}

static bool is_conceptmap(const cJSON *r)
{
	return strcmp(str(r, "resourceType"), "ConceptMap") == 0;
}

/* icf.tsv as parallel arrays (code, parent, title), pointing into one buffer. */
struct icf {
	char *buf;
	char **code, **parent, **title;
	size_t n;
};

static void icf_load(struct icf *t)
{
	char *path;
	TS_REQUIRE_SHARED(path, "terminology/icf.tsv");
	t->buf = ts_read_file(path, NULL);
	free(path);
	cr_assert_not_null(t->buf);
	size_t cap = 2048;
	t->code = calloc(cap, sizeof(char *));
	t->parent = calloc(cap, sizeof(char *));
	t->title = calloc(cap, sizeof(char *));
	t->n = 0;
	for (char *line = t->buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (line[0] == '#' || strncmp(line, "code\t", 5) == 0)
			continue;
		char *t1 = strchr(line, '\t');
		cr_assert_not_null(t1);
		char *t2 = strchr(t1 + 1, '\t');
		cr_assert_not_null(t2);
		*t1 = *t2 = '\0';
		cr_assert_lt(t->n, cap);
		t->code[t->n] = line;
		t->parent[t->n] = t1 + 1;
		t->title[t->n] = t2 + 1;
		t->n++;
	}
	cr_assert_eq(t->n, 1495, "icf.tsv has 1495 classes, read %zu", t->n);
}

static long icf_find(const struct icf *t, const char *code)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->code[i], code) == 0)
			return (long)i;
	return -1;
}

static void icf_free(struct icf *t)
{
	free(t->buf);
	free(t->code);
	free(t->parent);
	free(t->title);
}

static cJSON *read_json(const char *rel)
{
	char *path;
	TS_REQUIRE_SHARED(path, rel);
	char *text = ts_read_file(path, NULL);
	free(path);
	cr_assert_not_null(text);
	cJSON *j = cJSON_Parse(text);
	free(text);
	cr_assert_not_null(j, "%s is not JSON", rel);
	return j;
}

/* Finds `code` anywhere in the nested FSIII concept tree. */
static const cJSON *fsiii_find(const cJSON *concepts, const char *code)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, concepts) {
		if (strcmp(str(c, "code"), code) == 0)
			return c;
		const cJSON *hit = fsiii_find(cJSON_GetObjectItemCaseSensitive(c, "concept"), code);
		if (hit)
			return hit;
	}
	return NULL;
}

/* Verhoeff check digit plus the SNOMED CT concept id rules (as shared/tools/verhoeff.py). */
static bool sctid_ok(const char *s)
{
	static const int d[10][10] = {
		{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 },
		{ 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 }, { 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 },
		{ 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
		{ 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 },
		{ 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 }, { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
	};
	static const int p[8][10] = {
		{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 },
		{ 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 }, { 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 },
		{ 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
		{ 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
	};
	size_t n = strlen(s);
	if (n < 6 || n > 18 || s[0] == '0' || strspn(s, "0123456789") != n)
		return false;
	if (!((s[n - 3] == '0' || s[n - 3] == '1') && s[n - 2] == '0'))
		return false;
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c = d[c][p[i % 8][s[n - 1 - i] - '0']];
	return c == 0;
}

/* ---- the real content ---- */

Test(content, loads_every_file_with_url_version_status_and_provenance)
{
	cJSON *all = load_mappings();
	const cJSON *r;
	int cs = 0, cm = 0, lib = 0;

	cJSON_ArrayForEach(r, all) {
		cr_assert_not_null(str(r, "url"));
		/* The ICF and SNOMED CT fragments carry the edition they were copied from, so a full
		 * import of that edition replaces them (ICF: 2001 is the classification, as the ICF importer
		 * writes it; the description says the titles are ICF 1.0.2 of 2012); the project's own
		 * content is 0.1.0. */
		if (strcmp(str(r, "url"), "http://hl7.org/fhir/sid/icf") == 0) {
			cr_assert_str_eq(str(r, "version"), "2001");
			cr_assert_not_null(strstr(str(r, "description"), "ICF 1.0.2"), "%s", str(r, "description"));
		}
		else if (strcmp(str(r, "url"), "http://snomed.info/sct") == 0)
			cr_assert_str_eq(str(r, "version"), "http://snomed.info/sct/900000000000207008/version/20200731");
		else
			cr_assert_str_eq(str(r, "version"), "0.1.0", "%s", str(r, "url"));
		cr_assert_not_null(str(r, "status"));
		char *json = cJSON_PrintUnformatted(r);
		cr_assert_null(strstr(json, "{base}"), "{base} left in %s", str(r, "url"));
		free(json);
		const cJSON *ext = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "extension"), 0);
		cr_assert_str_eq(str(ext, "url"), BASE "/StructureDefinition/content-source");
		cr_assert_not_null(strstr(str(ext, "valueString"), "shared/"), "%s", str(r, "url"));
		if (strcmp(str(r, "resourceType"), "Library") == 0) {   /* criteria and case-mix (test_criteria.c) */
			lib++;
			cr_assert_str_eq(str(r, "status"), "draft", "%s", str(r, "url"));
		} else if (is_conceptmap(r)) {
			cm++;
			cr_assert_str_eq(str(r, "status"), "draft", "%s", str(r, "url"));
			cr_assert_str_eq(str(r, "publisher"), "samsvar project");
		} else {
			cs++;
		}
	}
	cr_assert_eq(cs, 6);
	cr_assert_eq(cm, 7);
	cr_assert_eq(lib, 3);
	cJSON_Delete(all);
}

Test(content, iplos_9111_has_the_20_variables_of_the_source_file)
{
	cJSON *all = load_mappings();
	const cJSON *cs = by_url(all, V9111);
	char *path;
	TS_REQUIRE_SHARED(path, "terminology/iplos_9111_funksjonsvariabel.csv");
	char *csv = ts_read_file(path, NULL);
	int rows = 0;

	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs, "concept")), 20);
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(cs, "count")->valueint, 20);
	cr_assert_str_eq(str(cs, "content"), "complete");
	cr_assert_str_eq(str(concept(cs, "20"), "display"), "Opplevelse av trygghet");
	/* every row of the csv: system,code,display_no,source */
	for (char *line = strchr(csv, '\n') + 1, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		line[strcspn(line, "\r")] = '\0';
		char *f[4] = { line };
		for (int i = 1; i < 4; i++) {
			f[i] = strchr(f[i - 1], ',');
			cr_assert_not_null(f[i]);
			*f[i]++ = '\0';
		}
		const cJSON *c = concept(cs, f[1]);
		cr_assert_not_null(c, "code %s missing", f[1]);
		cr_assert_str_eq(str(c, "display"), f[2]);
		const cJSON *des = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(c, "designation"), 0);
		cr_assert_str_eq(str(des, "language"), "en");
		cr_assert_gt(strlen(str(des, "value")), 3);
		rows++;
	}
	cr_assert_eq(rows, 20);
	cr_assert_str_eq(str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(concept(cs, "1"), "designation"),
						0), "value"), "Social participation");
	free(csv);
	free(path);
	cJSON_Delete(all);
}

Test(content, iplos_9151_keeps_both_displays_of_codes_14_and_23)
{
	cJSON *all = load_mappings();
	const cJSON *cs = by_url(all, V9151);
	char *path;
	TS_REQUIRE_SHARED(path, "terminology/iplos_9151_tjenestetype.csv");
	char *csv = ts_read_file(path, NULL);
	int rows = 0, differ = 0;

	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(cs, "count")->valueint, 25);
	/* system,code,display_no_kith_visningsfil,display_no_hl7norway_okt_ig */
	for (char *line = strchr(csv, '\n') + 1, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		line[strcspn(line, "\r")] = '\0';
		char *f[4] = { line };
		for (int i = 1; i < 4; i++) {
			f[i] = strchr(f[i - 1], ',');
			cr_assert_not_null(f[i]);
			*f[i]++ = '\0';
		}
		const cJSON *c = concept(cs, f[1]);
		cr_assert_not_null(c, "code %s missing", f[1]);
		cr_assert_str_eq(str(c, "display"), f[2]);
		const cJSON *des = cJSON_GetObjectItemCaseSensitive(c, "designation");
		if (strcmp(f[2], f[3]) != 0) {
			differ++;
			cr_assert_str_eq(str(cJSON_GetArrayItem(des, 0), "value"), f[3]);
			cr_assert_str_eq(str(cJSON_GetArrayItem(des, 0), "language"), "nb");
		} else {
			cr_assert_null(des, "code %s has a designation equal to its display", f[1]);
		}
		rows++;
	}
	cr_assert_eq(rows, 25);
	cr_assert_eq(differ, 2);
	cr_assert_str_eq(str(concept(cs, "14"), "display"), "Planlagte tiltak");
	free(csv);
	free(path);
	cJSON_Delete(all);
}

Test(content, score_scale_has_vision_anchors_and_qualifiers_their_ranges)
{
	cJSON *all = load_mappings();
	const cJSON *score = by_url(all, BASE "/CodeSystem/iplos-score");
	const cJSON *qual = by_url(all, BASE "/CodeSystem/icf-qualifier");

	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(score, "count")->valueint, 6);
	cr_assert_str_eq(prop(concept(score, "5"), "vision-anchor"), "Blind");
	cr_assert_str_eq(prop(concept(score, "3"), "vision-anchor"), "Poor (cannot read mail)");
	cr_assert_str_eq(prop(concept(score, "9"), "vision-anchor"), "");
	cr_assert_str_eq(str(concept(score, "9"), "display"), "Not relevant");
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(qual, "count")->valueint, 7);
	cr_assert_str_eq(prop(concept(qual, "3"), "range"), "50-95 %");
	cr_assert_str_eq(prop(concept(qual, "0"), "range"), "0-4 %");
	cr_assert_null(concept(qual, "5"));
	cJSON_Delete(all);
}

Test(content, icf_fragment_is_used_codes_plus_ancestors_with_icf_tsv_titles)
{
	cJSON *all = load_mappings();
	const cJSON *frag = by_url(all, ICF);
	struct icf t;
	const cJSON *c, *r;
	bool *want;

	icf_load(&t);
	want = calloc(t.n, sizeof(*want));
	cr_assert_str_eq(str(frag, "content"), "fragment");
	cr_assert_not_null(strstr(str(frag, "copyright"), "World Health Organization"));
	cr_assert_str_eq(str(concept(frag, "b1528"), "display"), t.title[icf_find(&t, "b1528")]);
	cr_assert_str_eq(str(concept(frag, "b1528"), "display"), "Emotional functions, other specified");
	/* every code a map uses, and every ancestor of it in icf.tsv */
	cJSON_ArrayForEach(r, all) {
		if (!is_conceptmap(r))
			continue;
		const cJSON *g;
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(r, "group")) {
			const cJSON *el;
			cJSON_ArrayForEach(el, cJSON_GetObjectItemCaseSensitive(g, "element")) {
				const cJSON *tg;
				if (strcmp(str(g, "source"), ICF) == 0) {
					long i = icf_find(&t, str(el, "code"));
					cr_assert_geq(i, 0, "map code %s not in icf.tsv", str(el, "code"));
					want[i] = true;
				}
				cJSON_ArrayForEach(tg, cJSON_GetObjectItemCaseSensitive(el, "target")) {
					if (strcmp(str(g, "target"), ICF) == 0 && str(tg, "code")) {
						long i = icf_find(&t, str(tg, "code"));
						cr_assert_geq(i, 0, "map code %s not in icf.tsv", str(tg, "code"));
						want[i] = true;
					}
				}
			}
		}
	}
	for (size_t i = 0; i < t.n; i++) {
		if (!want[i])
			continue;
		for (long a = icf_find(&t, t.parent[i]); a >= 0; a = icf_find(&t, t.parent[a]))
			want[a] = true;
	}
	size_t nwant = 0;
	for (size_t i = 0; i < t.n; i++) {
		if (!want[i])
			continue;
		nwant++;
		cr_assert_not_null(concept(frag, t.code[i]), "fragment lacks %s", t.code[i]);
	}
	cr_assert_eq((size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(frag, "concept")), nwant,
		     "fragment has codes no map uses");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(frag, "concept")) {
		long i = icf_find(&t, str(c, "code"));
		cr_assert_geq(i, 0, "%s not in icf.tsv", str(c, "code"));
		cr_assert_str_eq(str(c, "display"), t.title[i], "title of %s", str(c, "code"));
		cr_assert_str_eq(prop(c, "parent"), t.parent[i], "parent of %s", str(c, "code"));
	}
	free(want);
	icf_free(&t);
	cJSON_Delete(all);
}

Test(content, snomed_ids_pass_verhoeff_and_are_gps_fsn_or_flagged)
{
	cJSON *all = load_mappings();
	const cJSON *frag = by_url(all, SCT);
	cJSON *gps = read_json("terminology/snomed-gps-2020.valueset.json");
	const cJSON *inc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(gps, "compose"), "include"), 0);
	const cJSON *gconcepts = cJSON_GetObjectItemCaseSensitive(inc, "concept");
	const cJSON *c, *r;
	int flagged_concepts = 0;

	cr_assert(sctid_ok("138875005") && sctid_ok("404684003") && !sctid_ok("404684004"));
	/* The GPS licence text verbatim, then a note that names every concept outside the GPS as not
	 * covered by it (checked per concept below). */
	const char *cr = str(frag, "copyright"), *gcr = str(gps, "copyright");
	cr_assert_eq(strncmp(cr, gcr, strlen(gcr)), 0, "the fragment's copyright starts with the GPS text");
	const char *note = strstr(cr + strlen(gcr), "NOT COVERED BY THE LICENCE ABOVE: ");
	cr_assert_not_null(note, "the copyright says which concepts the GPS licence does not cover");
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(frag, "concept")) {
		const char *id = str(c, "code");
		cr_assert(sctid_ok(id), "%s fails the SNOMED CT id check", id);
		const cJSON *hit = NULL, *g;
		cJSON_ArrayForEach(g, gconcepts) {
			if (strcmp(str(g, "code"), id) == 0) {
				hit = g;
				break;
			}
		}
		if (hit) {
			cr_assert_str_eq(str(c, "display"), str(hit, "display"), "FSN of %s", id);
			cr_assert_str_eq(prop(c, "term-source"), "GPS-2020");
		} else {
			flagged_concepts++;
			cr_assert_neq(strcmp(prop(c, "term-source"), "GPS-2020"), 0, "%s is not in the GPS", id);
			cr_assert_not_null(strstr(note, id), "%s is outside the GPS: the copyright must say so", id);
		}
		/* every map target naming this id carries the flag exactly when it is outside the GPS */
		cJSON_ArrayForEach(r, all) {
			const cJSON *grp;
			if (!is_conceptmap(r))
				continue;
			cJSON_ArrayForEach(grp, cJSON_GetObjectItemCaseSensitive(r, "group")) {
				const cJSON *el, *tg;
				if (strcmp(str(grp, "target"), SCT) != 0)
					continue;
				cJSON_ArrayForEach(el, cJSON_GetObjectItemCaseSensitive(grp, "element")) {
					cJSON_ArrayForEach(tg, cJSON_GetObjectItemCaseSensitive(el, "target")) {
						if (!str(tg, "code") || strcmp(str(tg, "code"), id) != 0)
							continue;
						const cJSON *ext = cJSON_GetArrayItem(
							cJSON_GetObjectItemCaseSensitive(tg, "extension"), 0);
						if (hit) {
							cr_assert_null(ext, "%s is in the GPS but flagged", id);
						} else {
							cr_assert_str_eq(str(ext, "url"), FLAG_URL);
							cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ext,
									"valueBoolean")));
						}
					}
				}
			}
		}
	}
	cr_assert_eq(flagged_concepts, 3, "three concepts outside the GPS, got %d", flagged_concepts);
	cJSON_Delete(gps);
	cJSON_Delete(all);
}

Test(content, every_map_row_has_equivalence_comment_and_a_known_target)
{
	cJSON *all = load_mappings();
	cJSON *fs = read_json("terminology/fsiii-codesystem-20240530.json");
	const cJSON *fsc = cJSON_GetObjectItemCaseSensitive(fs, "concept");
	const cJSON *r;
	int rows = 0, fsiii_rows = 0;

	cJSON_ArrayForEach(r, all) {
		const cJSON *g;
		if (!is_conceptmap(r))
			continue;
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(r, "group")) {
			const char *ts = str(g, "target"), *ss = str(g, "source");
			bool fsiii = strcmp(ts, FSIII) == 0;
			const cJSON *tcs = fsiii ? NULL : by_url(all, ts); /* bundled unless FSIII */
			const cJSON *scs = strcmp(ss, FSIII) == 0 ? NULL : by_url(all, ss);
			const cJSON *el, *tg;
			cJSON_ArrayForEach(el, cJSON_GetObjectItemCaseSensitive(g, "element")) {
				const char *sc = str(el, "code");
				if (scs) {
					cr_assert_not_null(concept(scs, sc), "%s|%s not shipped", ss, sc);
					cr_assert_str_eq(str(el, "display"), str(concept(scs, sc), "display"));
				} else {
					const cJSON *f = fsiii_find(fsc, sc);
					cr_assert_not_null(f, "FSIII %s unknown", sc);
				}
				cJSON_ArrayForEach(tg, cJSON_GetObjectItemCaseSensitive(el, "target")) {
					const char *eq = str(tg, "equivalence"), *tc = str(tg, "code");
					rows++;
					cr_assert_not_null(eq, "%s %s", str(r, "url"), sc);
					cr_assert(str(tg, "comment") && strlen(str(tg, "comment")) > 10,
						  "%s %s: no comment", str(r, "url"), sc);
					if (strcmp(eq, "unmatched") == 0) {
						cr_assert_null(tc);
						continue;
					}
					cr_assert_not_null(tc, "%s %s", str(r, "url"), sc);
					if (tcs) {
						cr_assert_not_null(concept(tcs, tc), "%s|%s not shipped", ts, tc);
						cr_assert_str_eq(str(tg, "display"), str(concept(tcs, tc), "display"));
					} else {
						const cJSON *f = fsiii_find(fsc, tc);
						cr_assert_not_null(f, "FSIII %s unknown", tc);
						cr_assert_str_eq(str(tg, "display"), str(f, "display"), "FSIII %s", tc);
						fsiii_rows++;
					}
					const cJSON *dep;
					cJSON_ArrayForEach(dep, cJSON_GetObjectItemCaseSensitive(tg, "dependsOn")) {
						const cJSON *dcs = by_url(all, str(dep, "system"));
						cr_assert_not_null(concept(dcs, str(dep, "value")));
						cr_assert_not_null(str(dep, "display"));
					}
				}
			}
		}
	}
	cr_assert_gt(rows, 150, "only %d map rows", rows);
	cr_assert_gt(fsiii_rows, 50);
	cJSON_Delete(fs);
	cJSON_Delete(all);
}

Test(content, fsiii_uuid_map_pairs_codes_with_the_same_display)
{
	cJSON *all = load_mappings();
	cJSON *fs = read_json("terminology/fsiii-codesystem-20240530.json");
	const cJSON *fsc = cJSON_GetObjectItemCaseSensitive(fs, "concept");
	const cJSON *map = by_url(all, BASE "/ConceptMap/fsiii-uuid-legacy");
	const cJSON *el;
	int n = 0;

	cJSON_ArrayForEach(el, cJSON_GetObjectItemCaseSensitive(
				       cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(map, "group"), 0), "element")) {
		const cJSON *tg = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(el, "target"), 0);
		const cJSON *u = fsiii_find(fsc, str(el, "code")), *l = fsiii_find(fsc, str(tg, "code"));
		cr_assert(u && l, "%s / %s", str(el, "code"), str(tg, "code"));
		cr_assert_eq(strlen(str(el, "code")), 36, "%s is not a UUID", str(el, "code"));
		cr_assert_str_eq(str(u, "display"), str(l, "display"));
		cr_assert_str_eq(str(tg, "equivalence"), "equal");
		n++;
	}
	cr_assert_geq(n, 20);
	cJSON_Delete(fs);
	cJSON_Delete(all);
}

/* Returns the first target of `code` in the map's group (source -> target) that has no dependsOn, or
 * with dependsOn value `score` when score is given. */
static const cJSON *translate1(const cJSON *map, const char *code, const char *score, int nth)
{
	const cJSON *g, *el, *tg;

	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(map, "group")) {
		cJSON_ArrayForEach(el, cJSON_GetObjectItemCaseSensitive(g, "element")) {
			if (strcmp(str(el, "code"), code) != 0)
				continue;
			cJSON_ArrayForEach(tg, cJSON_GetObjectItemCaseSensitive(el, "target")) {
				const cJSON *dep = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(tg, "dependsOn"), 0);
				if ((score == NULL) != (dep == NULL))
					continue;
				if (score && strcmp(str(dep, "value"), score) != 0)
					continue;
				if (nth-- == 0)
					return tg;
			}
		}
	}
	return NULL;
}

Test(content, variable_7_score_4_is_d510_qualifier_3_and_every_variable_is_mapped)
{
	cJSON *all = load_mappings();
	const cJSON *icf = by_url(all, BASE "/ConceptMap/iplos-icf");
	const cJSON *qual = by_url(all, BASE "/ConceptMap/iplos-score-icf-qualifier");
	const cJSON *snomed = by_url(all, BASE "/ConceptMap/iplos-snomed");
	const cJSON *fsiii = by_url(all, BASE "/ConceptMap/iplos-fsiii");
	static const char *const rule[][2] = { { "1", "0" }, { "2", "1" }, { "3", "2" },
					       { "4", "3" }, { "5", "4" }, { "9", "9" } };

	cr_assert_str_eq(str(translate1(icf, "7", NULL, 0), "code"), "d510");
	cr_assert_str_eq(str(translate1(icf, "7", NULL, 1), "code"), "d520");
	cr_assert_str_eq(str(translate1(icf, "20", NULL, 0), "code"), "b1528");
	for (size_t i = 0; i < 6; i++)
		cr_assert_str_eq(str(translate1(qual, rule[i][0], NULL, 0), "code"), rule[i][1]);
	cr_assert_str_eq(str(translate1(qual, "4", NULL, 0), "display"), "Severe problem");
	/* score-dependent SNOMED CT findings */
	cr_assert_str_eq(str(translate1(snomed, "8", NULL, 0), "display"), "Dressing (observable entity)");
	cr_assert_str_eq(str(translate1(snomed, "8", "2", 0), "display"),
			 "Difficulty performing dressing activity (finding)");
	const cJSON *dep = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(translate1(snomed, "8", "5", 0),
									 "dependsOn"), 0);
	cr_assert_str_eq(str(dep, "system"), BASE "/CodeSystem/iplos-score");
	cr_assert_str_eq(str(dep, "display"), "Full need for assistance");
	/* FSIII: J codes and the B scale */
	cr_assert_str_eq(str(translate1(fsiii, "8", NULL, 0), "code"), "J1.3");
	cr_assert_str_eq(str(translate1(fsiii, "4", NULL, 1), "code"), "B4"); /* score group comes second */
	for (int v = 1; v <= 20; v++) {
		char code[12];
		snprintf(code, sizeof(code), "%d", v);
		cr_assert_not_null(translate1(icf, code, NULL, 0), "variable %d has no ICF row", v);
		cr_assert_not_null(translate1(fsiii, code, NULL, 0), "variable %d has no FSIII row", v);
		bool any = translate1(snomed, code, NULL, 0);
		for (const char *s = "2345"; *s && !any; s++) {
			char sc[2] = { *s, 0 };
			any = translate1(snomed, code, sc, 0);
		}
		cr_assert(any, "variable %d has no SNOMED CT row", v);
	}
	cJSON_Delete(all);
}

Test(content, check_content_script_agrees)
{
	char *path;
	TS_REQUIRE_SHARED(path, "terminology/icf.tsv");
	free(path);
	if (system("command -v python3 >/dev/null 2>&1") != 0)
		cr_skip_test("python3 absent: tools/check-content.py not run");
	int rc = system("python3 tools/check-content.py");
	cr_assert_eq(rc, 0, "tools/check-content.py found problems (run it for the list)");
}

/* ---- bad files ---- */

static char tmpdir[64];

static void mk_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sv-content-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static const char *write_tmp(const char *name, const char *text)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

#define CS_HEAD "@resourceType\tCodeSystem\n@url\t{base}/CodeSystem/t\n@version\t1\n@name\tT\n" \
		"@status\tdraft\n@content\tcomplete\n"
#define CM_HEAD "@resourceType\tConceptMap\n@url\t{base}/ConceptMap/t\n@version\t1\n@name\tT\n@status\tdraft\n"
#define CM_COLS "source_system\tsource_code\ttarget_system\ttarget_code\tequivalence\tcomment\n"

/* Loads `text` as t.tsv and asserts it fails with SV_EINVAL naming t.tsv:`line` and containing `what`. */
static void expect_fail(const char *text, int line, const char *what)
{
	struct sv_error err = { 0 };
	char where[64];
	const char *path = write_tmp("t.tsv", text);

	cJSON *r = sv_content_load_file(path, BASE, &err);
	cr_assert_null(r, "loaded although it should fail with %s", what);
	cr_assert_eq(err.code, SV_EINVAL, "%s", err.message);
	snprintf(where, sizeof(where), "t.tsv:%d: ", line);
	cr_assert_not_null(strstr(err.message, where), "\"%s\" lacks %s", err.message, where);
	cr_assert_not_null(strstr(err.message, what), "\"%s\" lacks \"%s\"", err.message, what);
}

TestSuite(content_bad, .init = mk_tmpdir, .fini = rm_tmpdir);

Test(content_bad, unknown_column)
{
	expect_fail(CS_HEAD "code\tdisplay\tcolour\n1\tOne\tred\n", 7, "unknown column \"colour\"");
}

Test(content_bad, bad_equivalence)
{
	expect_fail(CM_HEAD CM_COLS "a\t1\tb\t2\tequivalent\tok\na\t1\tb\t3\tsame\tno\n", 8, "equivalence \"same\"");
}

Test(content_bad, missing_url)
{
	expect_fail("@resourceType\tCodeSystem\n@version\t1\n@name\tT\n@status\tdraft\n@content\tcomplete\n"
		    "# a comment\ncode\tdisplay\n1\tOne\n", 7, "missing @url");
}

Test(content_bad, missing_required_column)
{
	expect_fail(CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\tequivalence\n", 6,
		    "missing required column \"comment\"");
}

Test(content_bad, row_with_wrong_cell_count)
{
	expect_fail(CS_HEAD "code\tdisplay\n1\tOne\n2\tTwo\textra\n", 9, "3 cells, the column line has 2");
	expect_fail(CS_HEAD "code\tdisplay\n1\n", 8, "1 cells");
}

Test(content_bad, qualifier_only_where_icf_allows_one)
{
#define QCOLS "source_system\tsource_code\ttarget_system\ttarget_code\tequivalence\tcomment\tqualifier\n"
#define QMAP "@qualifierMap\t{base}/ConceptMap/q\n"
#define ICFS "http://hl7.org/fhir/sid/icf"
	expect_fail(CM_HEAD QCOLS "a\t1\t" ICFS "\td510\tnarrower\tok\tperformance\n", 7, "needs @qualifierMap");
	expect_fail(CM_HEAD QMAP QCOLS "a\t1\t" ICFS "\td3\tnarrower\tok\tperformance\n", 8, "does not fit ICF d3");
	expect_fail(CM_HEAD QMAP QCOLS "a\t1\t" ICFS "\td510\tnarrower\tok\timpairment\n", 8, "does not fit ICF d510");
	expect_fail(CM_HEAD QMAP QCOLS "a\t1\t" ICFS "\tb130\tnarrower\tok\tperformance\n", 8, "does not fit ICF b130");
	expect_fail(CM_HEAD QMAP QCOLS "a\t1\t" ICFS "\td560\trelatedto\tok\tperformance\n", 8, "on a relatedto row");
	expect_fail(CM_HEAD QMAP QCOLS "a\t1\t" ICFS "\tb210\tinexact\tok\timpairment\n", 8, "on a inexact row");
	expect_fail(CM_HEAD QMAP QCOLS "a\t1\tb\t2\tequivalent\tok\tperformance\n", 8, "only ICF targets");
	expect_fail(CM_HEAD QMAP QCOLS "a\t1\t" ICFS "\td510\tnarrower\tok\tsevere\n", 8, "is not impairment");
	expect_fail("@resourceType\tCodeSystem\n@qualifierMap\tx\n", 2, "ConceptMap files only");
#undef QCOLS
#undef QMAP
#undef ICFS
}

Test(content_bad, empty_comment_unknown_flag_unmatched_with_target)
{
	expect_fail(CM_HEAD CM_COLS "a\t1\tb\t2\twider\t\n", 7, "comment");
	expect_fail(CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\tequivalence\tcomment\tflags\n"
		    "a\t1\tb\t2\twider\tok\tlicensed\n", 7, "unknown flag \"licensed\"");
	expect_fail(CM_HEAD CM_COLS "a\t1\tb\t2\tunmatched\tnone\n", 7, "unmatched row has no target_code");
	expect_fail(CM_HEAD CM_COLS "a\t1\tb\t\tnarrower\tnone\n", 7, "target_code is empty");
}

Test(content_bad, metadata_and_codesystem_rules)
{
	expect_fail("@url\tx\n", 1, "first metadata line must be @resourceType");
	expect_fail("@resourceType\tCodeSystem\n@colour\tred\n", 2, "unknown metadata key @colour");
	expect_fail(CS_HEAD "code\tdisplay\tparent\n1\tOne\t\n2\tTwo\t3\n", 9, "parent 3 is not a code");
	expect_fail(CS_HEAD "code\tdisplay\n1\tOne\n1\tUno\n", 9, "given twice (first on line 8)");
	expect_fail(CS_HEAD "code\tdisplay\n1\tOn\xc3\n", 8, "invalid UTF-8");
}

Test(content_bad, depends_on_syntax)
{
	expect_fail(CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\tequivalence\tcomment\tdepends_on\n"
		    "a\t1\tb\t2\twider\tok\tnobar\n", 7, "not [property=]system|value");
}

/* "property=|value": a product or dependsOn that is a value, not a code (the $assess frequency), has no
 * system; a property is still required. */
Test(content_bad, product_without_system_needs_a_property)
{
	struct sv_error err = { 0 };
	const char *path = write_tmp("t.tsv", CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\t"
					      "equivalence\tcomment\tproduct\n"
					      "a\t1\tb\t2\trelatedto\tok\thttp://x/freq=|2/d;http://snomed.info/sct|1\n");
	cJSON *r = sv_content_load_file(path, BASE, &err);

	cr_assert_not_null(r, "%s", err.message);
	const cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "group"), 0);
	const cJSON *el = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(g, "element"), 0);
	const cJSON *tg = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(el, "target"), 0);
	const cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(tg, "product"), 0);
	const cJSON *p1 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(tg, "product"), 1);
	cr_assert_str_eq(str(p0, "property"), "http://x/freq");
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(p0, "system"));
	cr_assert_str_eq(str(p0, "value"), "2/d");
	cr_assert_str_eq(str(p1, "system"), "http://snomed.info/sct");
	cJSON_Delete(r);
	expect_fail(CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\tequivalence\tcomment\tproduct\n"
		    "a\t1\tb\t2\twider\tok\t=|2/d\n", 7, "empty property");
}

Test(content_bad, line_over_the_cap)
{
	size_t n = 70 * 1024;
	char *text = malloc(strlen(CS_HEAD) + n + 32);
	struct sv_error err = { 0 };

	size_t l = (size_t)snprintf(text, 128, "%s", CS_HEAD "code\tdisplay\n1\t");
	memset(text + l, 'x', n);
	text[l + n] = '\0';
	cr_assert_null(sv_content_load_file(write_tmp("t.tsv", text), BASE, &err));
	cr_assert_eq(err.code, SV_ETOOBIG);
	cr_assert_not_null(strstr(err.message, "t.tsv:8: "), "%s", err.message);
	free(text);
}

Test(content_bad, base_is_substituted_everywhere)
{
	struct sv_error err = { 0 };
	const char *path = write_tmp("t.tsv", CM_HEAD "@sourceScope\t{base}/CodeSystem/s\n"
					      "source_system\tsource_code\ttarget_system\ttarget_code\tequivalence\t"
					      "comment\tdepends_on\tflags\n"
					      "{base}/CodeSystem/s\t1\tb\t2\twider\tsee {base}\t{base}/CodeSystem/x|4\t"
					      "needs-national-edition\n");
	cJSON *r = sv_content_load_file(path, "http://example.org/fhir//", &err);

	cr_assert_not_null(r, "%s", err.message);
	cr_assert_str_eq(str(r, "url"), "http://example.org/fhir/ConceptMap/t");
	cr_assert_str_eq(str(r, "sourceUri"), "http://example.org/fhir/CodeSystem/s");
	const cJSON *g = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "group"), 0);
	cr_assert_str_eq(str(g, "source"), "http://example.org/fhir/CodeSystem/s");
	const cJSON *el = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(g, "element"), 0);
	const cJSON *tg = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(el, "target"), 0);
	cr_assert_str_eq(str(tg, "comment"), "see http://example.org/fhir");
	const cJSON *dep = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(tg, "dependsOn"), 0);
	cr_assert_str_eq(str(dep, "system"), "http://example.org/fhir/CodeSystem/x");
	cr_assert_str_eq(str(dep, "property"), "http://example.org/fhir/CodeSystem/x");
	cr_assert_str_eq(str(dep, "value"), "4");
	const cJSON *ext = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(tg, "extension"), 0);
	cr_assert_str_eq(str(ext, "url"), "http://example.org/fhir/StructureDefinition/needs-national-edition");
	cJSON_Delete(r);
	cr_assert_null(sv_content_load_file(path, NULL, &err));
	cr_assert_eq(err.code, SV_EINVAL);
}

Test(content_bad, map_code_missing_from_a_bundled_codesystem)
{
	struct sv_error err = { 0 };

	write_tmp("a.tsv", CS_HEAD "code\tdisplay\n1\tOne\n");
	write_tmp("b.tsv", CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\ttarget_display\t"
			   "equivalence\tcomment\n"
			   "x\t9\t{base}/CodeSystem/t\t1\t\tequivalent\tok\n"
			   "x\t9\t{base}/CodeSystem/t\t2\t\tequivalent\tok\n");
	cr_assert_null(sv_content_load_dir(tmpdir, BASE, &err));
	cr_assert_not_null(strstr(err.message, "b.tsv:8: target_code 2 is not a code of the bundled"),
			   "%s", err.message);
	write_tmp("b.tsv", CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\ttarget_display\t"
			   "equivalence\tcomment\n"
			   "x\t9\t{base}/CodeSystem/t\t1\tUno\tequivalent\tok\n");
	cr_assert_null(sv_content_load_dir(tmpdir, BASE, &err));
	cr_assert_not_null(strstr(err.message, "b.tsv:7: target_code 1: display \"Uno\" differs"), "%s",
			   err.message);
	write_tmp("b.tsv", CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\ttarget_display\t"
			   "equivalence\tcomment\n"
			   "x\t9\t{base}/CodeSystem/t\t1\t\tequivalent\tok\n");
	cJSON *all = sv_content_load_dir(tmpdir, BASE, &err);
	cr_assert_not_null(all, "%s", err.message);
	const cJSON *map = cJSON_GetArrayItem(all, 1);
	cr_assert_str_eq(str(translate1(map, "9", NULL, 0), "display"), "One");
	cJSON_Delete(all);
}

Test(content_bad, one_map_file_is_checked_against_the_folder_it_is_read_as_part_of)
{
	struct sv_error err = { 0 };
	char map[600], cmd[700];
	cJSON *cm;

	write_tmp("a.tsv", CS_HEAD "code\tdisplay\n1\tOne\n");
	/* The map lives outside the folder, as a maintainer's edited copy would. */
	snprintf(map, sizeof(map), "%s.map.tsv", tmpdir);
	write_tmp("b.tsv", CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\ttarget_display\t"
			   "equivalence\tcomment\n"
			   "x\t9\t{base}/CodeSystem/t\t2\t\tequivalent\tok\n");
	snprintf(cmd, sizeof(cmd), "mv %s/b.tsv %s", tmpdir, map);
	cr_assert_eq(system(cmd), 0);
	cr_assert_null(sv_content_load_file_in(map, tmpdir, BASE, &err));
	cr_assert_not_null(strstr(err.message, ".map.tsv:7: target_code 2 is not a code of the bundled"), "%s",
			   err.message);
	write_tmp("b.tsv", CM_HEAD "source_system\tsource_code\ttarget_system\ttarget_code\ttarget_display\t"
			   "equivalence\tcomment\n"
			   "x\t9\t{base}/CodeSystem/t\t1\t\tequivalent\tok\n");
	snprintf(cmd, sizeof(cmd), "mv %s/b.tsv %s", tmpdir, map);
	cr_assert_eq(system(cmd), 0);
	cm = sv_content_load_file_in(map, tmpdir, BASE, &err);
	cr_assert_not_null(cm, "%s", err.message);
	cr_assert_str_eq(str(translate1(cm, "9", NULL, 0), "display"), "One", "the display comes from the folder");
	cJSON_Delete(cm);
	/* A folder that cannot be read, or a bad file in it, fails the load. */
	cr_assert_null(sv_content_load_file_in(map, "/nonexistent-samsvar-dir", BASE, &err));
	cr_assert_eq(err.code, SV_EIO);
	write_tmp("c.tsv", "@resourceType\tNothing\n");
	cr_assert_null(sv_content_load_file_in(map, tmpdir, BASE, &err));
	cr_assert_not_null(strstr(err.message, "c.tsv:1"), "%s", err.message);
	unlink(map);
}
