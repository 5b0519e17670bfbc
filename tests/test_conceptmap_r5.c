/* test_conceptmap_r5.c — R4 ConceptMap -> R5 ConceptMap (conceptmap_r5.c): every equivalence, the
 * dependsOn/product attributes and their declarations, unmapped modes, scopes, extensions; every
 * bundled map in mappings/; and the R5 XML of a bundled map in R5 element order. */
#include "samsvar/conceptmap_r5.h"
#include "samsvar/content.h"
#include "samsvar/fhirxml.h"
#include "samsvar/translate.h"
#include "support/fixtures.h"
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define BASE "https://fhir.samsvar.no"

/* ---- helpers ---- */

static cJSON *convert(const cJSON *r4)
{
	struct sv_error err = {0};
	cJSON *r5 = sv_conceptmap_to_r5(r4, &err);
	cr_assert_not_null(r5, "conversion failed: %s", err.message);
	return r5;
}

static const char *str(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

static const cJSON *at(const cJSON *o, const char *name, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, name), i);
}

/* The first element of the first group. */
static const cJSON *element0(const cJSON *map)
{
	return at(at(map, "group", 0), "element", 0);
}

static const char *attr_uri(const cJSON *r5, const char *code)
{
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r5, "additionalAttribute"))
		if (strcmp(str(a, "code"), code) == 0)
			return str(a, "uri");
	return NULL;
}

static cJSON *load_mappings(void)
{
	const char *root = getenv("SAMSVAR_ROOT");
	struct sv_error err = {0};
	char dir[1024];
	cJSON *all;

	snprintf(dir, sizeof(dir), "%s/mappings", root && *root ? root : ".");
	all = sv_content_load_dir(dir, BASE, &err);
	cr_assert_not_null(all, "loading %s: %s", dir, err.message);
	return all;
}

static const cJSON *map_by_url(const cJSON *all, const char *url)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, all)
		if (str(r, "url") && strcmp(str(r, "url"), url) == 0)
			return r;
	cr_assert_fail("no bundled resource %s", url);
	return NULL;
}

/* ---- the relationship table (shared with $translate) ---- */

/* Every R4 equivalence and its R5 relationship, written out from the official R4 -> R5 map (FHIR
 * extensions pack, ConceptMap4to5#ConceptMapRelationship; disjoint from the R5 definition of
 * not-related-to), independently of the table in translate.c. */
static const char *const EQ_TO_REL[][2] = {
	{"relatedto", "related-to"}, {"equivalent", "equivalent"}, {"equal", "equivalent"},
	{"wider", "source-is-narrower-than-target"}, {"subsumes", "source-is-narrower-than-target"},
	{"narrower", "source-is-broader-than-target"}, {"specializes", "source-is-broader-than-target"},
	{"inexact", "related-to"}, {"unmatched", "not-related-to"}, {"disjoint", "not-related-to"},
};
#define N_EQ (sizeof(EQ_TO_REL) / sizeof(EQ_TO_REL[0]))

Test(conceptmap_r5, relationship_of_every_r4_equivalence)
{
	for (size_t i = 0; i < N_EQ; i++)
		cr_assert_str_eq(sv_translate_relationship(EQ_TO_REL[i][0]), EQ_TO_REL[i][1], "%s", EQ_TO_REL[i][0]);
	/* R5 codes pass through; anything else is unknown. */
	cr_assert_str_eq(sv_translate_relationship("source-is-broader-than-target"), "source-is-broader-than-target");
	cr_assert_str_eq(sv_translate_relationship("related-to"), "related-to");
	cr_assert_null(sv_translate_relationship("Equivalent"));
	cr_assert_null(sv_translate_relationship(NULL));
}

/* ---- unit conversions ---- */

Test(conceptmap_r5, every_equivalence_becomes_a_relationship)
{
	for (size_t i = 0; i < N_EQ; i++) {
		char json[512];
		cJSON *r4, *r5;
		const cJSON *t;
		/* A target with a code: even `unmatched` is then a statement about that code. */
		snprintf(json, sizeof(json),
			 "{\"resourceType\":\"ConceptMap\",\"url\":\"urn:t\",\"status\":\"draft\",\"group\":[{"
			 "\"source\":\"urn:s\",\"target\":\"urn:t2\",\"element\":[{\"code\":\"a\",\"target\":[{"
			 "\"code\":\"b\",\"equivalence\":\"%s\",\"_equivalence\":{\"id\":\"x\"},\"comment\":\"c\"}]}]}]}",
			 EQ_TO_REL[i][0]);
		r4 = ts_parse_json(json);
		r5 = convert(r4);
		t = at(element0(r5), "target", 0);
		cr_assert_not_null(t, "%s: target dropped", EQ_TO_REL[i][0]);
		cr_assert_str_eq(str(t, "relationship"), EQ_TO_REL[i][1], "%s", EQ_TO_REL[i][0]);
		cr_assert_null(cJSON_GetObjectItemCaseSensitive(t, "equivalence"));
		cr_assert_null(cJSON_GetObjectItemCaseSensitive(t, "_equivalence"));
		cr_assert_str_eq(str(cJSON_GetObjectItemCaseSensitive(t, "_relationship"), "id"), "x");
		cr_assert_str_eq(str(t, "code"), "b");
		cr_assert_str_eq(str(t, "comment"), "c");
		cr_assert_null(cJSON_GetObjectItemCaseSensitive(element0(r5), "noMap"));
		cJSON_Delete(r4);
		cJSON_Delete(r5);
	}
}

Test(conceptmap_r5, unmatched_without_code_becomes_nomap)
{
	cJSON *r4 = ts_parse_json(
		"{\"resourceType\":\"ConceptMap\",\"url\":\"urn:t\",\"status\":\"draft\",\"group\":[{"
		"\"source\":\"urn:s\",\"target\":\"urn:t2\",\"element\":["
		" {\"code\":\"a\",\"target\":[{\"equivalence\":\"unmatched\",\"comment\":\"nothing fits\"}]},"
		" {\"code\":\"b\",\"target\":[{\"equivalence\":\"unmatched\"},{\"code\":\"x\",\"equivalence\":\"wider\"}]},"
		" {\"code\":\"c\",\"target\":[{\"equivalence\":\"unmatched\",\"dependsOn\":[{\"property\":\"urn:p\","
		"   \"system\":\"urn:p\",\"value\":\"1\"}]}]}]}]}");
	cJSON *r5 = convert(r4);
	const cJSON *els = cJSON_GetObjectItemCaseSensitive(at(r5, "group", 0), "element");
	const cJSON *a = cJSON_GetArrayItem(els, 0), *b = cJSON_GetArrayItem(els, 1), *c = cJSON_GetArrayItem(els, 2);

	/* Only statement "no map": R5 noMap, no target (cmd: noMap excludes target). */
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "noMap")));
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(a, "target"));
	cr_assert_str_eq(str(a, "code"), "a");
	/* Beside a real target the "no map" line says nothing more: the real target stays alone. */
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(b, "noMap"));
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "target")), 1);
	cr_assert_str_eq(str(at(b, "target", 0), "code"), "x");
	cr_assert_str_eq(str(at(b, "target", 0), "relationship"), "source-is-narrower-than-target");
	/* A conditional "no map" keeps its condition, as a not-related-to target. */
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(c, "noMap"));
	cr_assert_str_eq(str(at(c, "target", 0), "relationship"), "not-related-to");
	cr_assert_not_null(at(at(c, "target", 0), "dependsOn", 0));
	cJSON_Delete(r4);
	cJSON_Delete(r5);
}

Test(conceptmap_r5, depends_on_and_product_declare_attributes)
{
	cJSON *r4 = ts_parse_json(
		"{\"resourceType\":\"ConceptMap\",\"url\":\"urn:t\",\"status\":\"draft\",\"group\":[{"
		"\"source\":\"urn:s\",\"target\":\"urn:t2\",\"element\":[{\"code\":\"a\",\"target\":["
		" {\"code\":\"x\",\"equivalence\":\"equivalent\","
		"  \"dependsOn\":[{\"property\":\"https://e.org/CodeSystem/score\",\"system\":\"https://e.org/CodeSystem/score\","
		"     \"value\":\"3\",\"display\":\"Three\"}],"
		"  \"product\":[{\"property\":\"http://snomed.info/sct\",\"system\":\"http://snomed.info/sct\",\"value\":\"1\"},"
		"     {\"property\":\"https://e.org/op#minutes\",\"value\":\"10\",\"display\":\"lost\"},"
		"     {\"property\":\"https://other.org/score\",\"system\":\"urn:o\",\"value\":\"9\"}]},"
		" {\"code\":\"y\",\"equivalence\":\"wider\","
		"  \"dependsOn\":[{\"property\":\"https://e.org/CodeSystem/score\",\"value\":\"4\"}]}]}]}]}");
	cJSON *r5 = convert(r4);
	const cJSON *x = at(element0(r5), "target", 0), *y = at(element0(r5), "target", 1);
	const cJSON *d = at(x, "dependsOn", 0), *vc = cJSON_GetObjectItemCaseSensitive(d, "valueCoding");
	const cJSON *aa = cJSON_GetObjectItemCaseSensitive(r5, "additionalAttribute"), *a;

	/* system + value + display -> valueCoding; property -> a declared attribute code. */
	cr_assert_str_eq(str(d, "attribute"), "score");
	cr_assert_str_eq(attr_uri(r5, "score"), "https://e.org/CodeSystem/score");
	cr_assert_str_eq(str(vc, "system"), "https://e.org/CodeSystem/score");
	cr_assert_str_eq(str(vc, "code"), "3");
	cr_assert_str_eq(str(vc, "display"), "Three");
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(d, "property"));
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(d, "value"));
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(d, "display"));
	/* Products too; a value without system is a string; one URI tail used twice gets "-2". */
	cr_assert_str_eq(str(at(x, "product", 0), "attribute"), "sct");
	cr_assert_str_eq(str(cJSON_GetObjectItemCaseSensitive(at(x, "product", 0), "valueCoding"), "code"), "1");
	cr_assert_str_eq(str(at(x, "product", 1), "attribute"), "minutes");
	cr_assert_str_eq(str(at(x, "product", 1), "valueString"), "10");
	cr_assert_str_eq(str(at(x, "product", 2), "attribute"), "score-2");
	cr_assert_str_eq(attr_uri(r5, "score-2"), "https://other.org/score");
	/* The same property again reuses its declaration. */
	cr_assert_str_eq(str(at(y, "dependsOn", 0), "attribute"), "score");
	cr_assert_str_eq(str(at(y, "dependsOn", 0), "valueString"), "4");
	cr_assert_eq(cJSON_GetArraySize(aa), 4, "one declaration per property URI");
	/* Types: Coding when every value had a system, string once one had none. */
	cJSON_ArrayForEach(a, aa) {
		const char *code = str(a, "code");
		const char *want = strcmp(code, "sct") == 0 || strcmp(code, "score-2") == 0 ? "Coding" : "string";
		cr_assert_str_eq(str(a, "type"), want, "%s", code);
	}
	cJSON_Delete(r4);
	cJSON_Delete(r5);
}

Test(conceptmap_r5, unmapped_modes)
{
	cJSON *r4 = ts_parse_json(
		"{\"resourceType\":\"ConceptMap\",\"url\":\"urn:t\",\"status\":\"draft\",\"group\":["
		"{\"source\":\"urn:a\",\"target\":\"urn:b\",\"unmapped\":{\"mode\":\"provided\"}},"
		"{\"source\":\"urn:a\",\"target\":\"urn:c\",\"unmapped\":{\"mode\":\"fixed\",\"code\":\"F\",\"display\":\"Fixed\"}},"
		"{\"source\":\"urn:a\",\"target\":\"urn:d\",\"unmapped\":{\"mode\":\"other-map\",\"url\":\"urn:other\","
		"  \"_url\":{\"id\":\"u\"}}}]}");
	cJSON *r5 = convert(r4);
	const cJSON *u0 = cJSON_GetObjectItemCaseSensitive(at(r5, "group", 0), "unmapped");
	const cJSON *u1 = cJSON_GetObjectItemCaseSensitive(at(r5, "group", 1), "unmapped");
	const cJSON *u2 = cJSON_GetObjectItemCaseSensitive(at(r5, "group", 2), "unmapped");

	cr_assert_str_eq(str(u0, "mode"), "use-source-code");
	cr_assert_str_eq(str(u1, "mode"), "fixed");
	cr_assert_str_eq(str(u1, "code"), "F");
	cr_assert_str_eq(str(u1, "display"), "Fixed");
	cr_assert_str_eq(str(u2, "mode"), "other-map");
	cr_assert_str_eq(str(u2, "otherMap"), "urn:other");
	cr_assert_str_eq(str(cJSON_GetObjectItemCaseSensitive(u2, "_otherMap"), "id"), "u");
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(u2, "url"));
	cJSON_Delete(r4);
	cJSON_Delete(r5);
}

Test(conceptmap_r5, scopes_versions_identifier_and_metadata)
{
	static const char *const kept[] = {"url", "version", "name", "title", "status", "publisher", "description",
					   "copyright", "purpose", "date"};
	cJSON *r4 = ts_parse_json(
		"{\"resourceType\":\"ConceptMap\",\"id\":\"m\",\"url\":\"urn:t\",\"version\":\"1.0\",\"name\":\"N\","
		"\"title\":\"T\",\"status\":\"draft\",\"experimental\":true,\"date\":\"2024-01-01\",\"publisher\":\"P\","
		"\"description\":\"D\",\"purpose\":\"Pu\",\"copyright\":\"C\","
		"\"identifier\":{\"system\":\"urn:ids\",\"value\":\"1\"},"
		"\"sourceUri\":\"urn:a\",\"_sourceUri\":{\"id\":\"s\"},\"targetCanonical\":\"urn:vs\","
		"\"group\":[{\"source\":\"urn:a\",\"sourceVersion\":\"2\",\"target\":\"urn:b\",\"_sourceVersion\":{\"id\":\"q\"},"
		"  \"element\":[{\"code\":\"a\",\"target\":[{\"code\":\"b\",\"equivalence\":\"equal\"}]}]}]}");
	char *before = cJSON_PrintUnformatted(r4), *after;
	cJSON *r5 = convert(r4);
	const cJSON *g = at(r5, "group", 0);

	cr_assert_str_eq(str(r5, "sourceScopeUri"), "urn:a");
	cr_assert_str_eq(str(cJSON_GetObjectItemCaseSensitive(r5, "_sourceScopeUri"), "id"), "s");
	cr_assert_str_eq(str(r5, "targetScopeCanonical"), "urn:vs");
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(r5, "sourceUri"));
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(r5, "targetCanonical"));
	/* R4 identifier 0..1 -> R5 0..*. */
	cr_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r5, "identifier")));
	cr_assert_str_eq(str(at(r5, "identifier", 0), "value"), "1");
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		cr_assert_str_eq(str(r5, kept[i]), str(r4, kept[i]), "%s", kept[i]);
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r5, "experimental")));
	cr_assert_str_eq(str(r5, "id"), "m");
	/* group source version -> canonical "url|version". */
	cr_assert_str_eq(str(g, "source"), "urn:a|2");
	cr_assert_str_eq(str(g, "target"), "urn:b");
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(g, "sourceVersion"));
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(g, "_sourceVersion"));
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(r5, "additionalAttribute"));
	/* The input is left as it was. */
	after = cJSON_PrintUnformatted(r4);
	cr_assert_str_eq(after, before);
	free(before);
	free(after);
	cJSON_Delete(r4);
	cJSON_Delete(r5);
}

Test(conceptmap_r5, extensions_are_kept)
{
	cJSON *r4 = ts_parse_json(
		"{\"resourceType\":\"ConceptMap\",\"url\":\"urn:t\",\"status\":\"draft\","
		"\"extension\":[{\"url\":\"urn:ext:map\",\"valueString\":\"m\"}],\"group\":[{"
		"\"source\":\"urn:s\",\"target\":\"urn:t2\",\"element\":[{\"code\":\"a\","
		" \"extension\":[{\"url\":\"urn:ext:el\",\"valueString\":\"e\"}],"
		" \"target\":[{\"extension\":[{\"url\":\"" BASE "/StructureDefinition/needs-national-edition\","
		"   \"valueBoolean\":true}],\"code\":\"b\",\"equivalence\":\"equivalent\","
		"   \"dependsOn\":[{\"extension\":[{\"url\":\"urn:ext:d\",\"valueCode\":\"z\"}],\"property\":\"urn:p\",\"value\":\"1\"}]}]}]}]}");
	cJSON *r5 = convert(r4);
	const cJSON *t = at(element0(r5), "target", 0);

	cr_assert_str_eq(str(at(r5, "extension", 0), "url"), "urn:ext:map");
	cr_assert_str_eq(str(at(element0(r5), "extension", 0), "url"), "urn:ext:el");
	cr_assert_str_eq(str(at(t, "extension", 0), "url"), BASE "/StructureDefinition/needs-national-edition");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(at(t, "extension", 0), "valueBoolean")));
	cr_assert_str_eq(str(at(at(t, "dependsOn", 0), "extension", 0), "valueCode"), "z");
	cJSON_Delete(r4);
	cJSON_Delete(r5);
}

Test(conceptmap_r5, r5_input_passes_through)
{
	/* A map already in R5 form (e.g. imported as R5) keeps its R5 elements. */
	cJSON *r4 = ts_parse_json(
		"{\"resourceType\":\"ConceptMap\",\"url\":\"urn:t\",\"status\":\"draft\",\"sourceScopeUri\":\"urn:s\","
		"\"group\":[{\"source\":\"urn:s\",\"target\":\"urn:t2\",\"element\":["
		" {\"code\":\"a\",\"target\":[{\"code\":\"b\",\"relationship\":\"source-is-broader-than-target\","
		"   \"dependsOn\":[{\"attribute\":\"k\",\"valueCode\":\"1\"}]}]},"
		" {\"code\":\"n\",\"noMap\":true}],"
		" \"unmapped\":{\"mode\":\"other-map\",\"otherMap\":\"urn:o\"}}]}");
	cJSON *r5 = convert(r4);
	const cJSON *t = at(element0(r5), "target", 0);

	cr_assert_str_eq(str(r5, "sourceScopeUri"), "urn:s");
	cr_assert_str_eq(str(t, "relationship"), "source-is-broader-than-target");
	cr_assert_str_eq(str(at(t, "dependsOn", 0), "attribute"), "k");
	cr_assert_str_eq(str(at(t, "dependsOn", 0), "valueCode"), "1");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(at(at(r5, "group", 0), "element", 1), "noMap")));
	cr_assert_str_eq(str(cJSON_GetObjectItemCaseSensitive(at(r5, "group", 0), "unmapped"), "otherMap"), "urn:o");
	cJSON_Delete(r4);
	cJSON_Delete(r5);
}

Test(conceptmap_r5, bad_input)
{
	struct sv_error err = {0};
	cJSON *cs = ts_parse_json("{\"resourceType\":\"CodeSystem\",\"url\":\"urn:c\"}");
	cJSON *bad = ts_parse_json("{\"resourceType\":\"ConceptMap\",\"url\":\"urn:t\",\"group\":[{\"element\":[{\"code\":\"a\","
			   "\"target\":[{\"code\":\"b\",\"equivalence\":\"same\"}]}]}]}");
	cJSON *notlist = ts_parse_json("{\"resourceType\":\"ConceptMap\",\"url\":\"urn:t\",\"group\":{}}");

	cr_assert_null(sv_conceptmap_to_r5(cs, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert_null(sv_conceptmap_to_r5(NULL, &err));
	sv_error_clear(&err);
	cr_assert_null(sv_conceptmap_to_r5(bad, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "'same'") && strstr(err.message, "urn:t"), "%s", err.message);
	sv_error_clear(&err);
	cr_assert_null(sv_conceptmap_to_r5(notlist, &err));
	cr_assert(strstr(err.message, "group"), "%s", err.message);
	cJSON_Delete(cs);
	cJSON_Delete(bad);
	cJSON_Delete(notlist);
}

/* ---- every bundled map ---- */

Test(conceptmap_r5, every_bundled_map_converts)
{
	cJSON *all = load_mappings();
	const cJSON *r4;
	int maps = 0, nomap = 0, unmatched_alone = 0, targets = 0, attrs_used = 0;

	cJSON_ArrayForEach(r4, all) {
		const cJSON *g, *e, *t, *d;
		cJSON *r5;
		char *text;
		if (strcmp(str(r4, "resourceType"), "ConceptMap") != 0)
			continue;
		maps++;
		/* Count the R4 elements whose only statement is "unmatched" without code. */
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(r4, "group"))
			cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(g, "element")) {
				int real = 0;
				cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(e, "target"))
					real |= str(t, "code") != NULL;
				unmatched_alone += !real;
			}
		r5 = convert(r4);
		text = cJSON_PrintUnformatted(r5);
		cr_assert_null(strstr(text, "\"equivalence\""), "%s still has equivalence", str(r4, "url"));
		cr_assert_null(strstr(text, "\"property\""), "%s still has property", str(r4, "url"));
		free(text);
		cr_assert_str_eq(str(r5, "url"), str(r4, "url"));
		if (str(r4, "sourceUri"))
			cr_assert_str_eq(str(r5, "sourceScopeUri"), str(r4, "sourceUri"));
		if (str(r4, "targetUri"))
			cr_assert_str_eq(str(r5, "targetScopeUri"), str(r4, "targetUri"));
		cr_assert_null(cJSON_GetObjectItemCaseSensitive(r5, "sourceUri"));
		cr_assert_null(cJSON_GetObjectItemCaseSensitive(r5, "targetUri"));
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(r5, "group"))
			cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(g, "element")) {
				const cJSON *ts = cJSON_GetObjectItemCaseSensitive(e, "target");
				int no = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "noMap"));
				cr_assert(no != (cJSON_GetArraySize(ts) > 0), "%s %s: noMap xor targets", str(r4, "url"),
					  str(e, "code"));
				nomap += no;
				cJSON_ArrayForEach(t, ts) {
					const char *rel = str(t, "relationship");
					targets++;
					cr_assert_not_null(rel, "%s %s: target without relationship", str(r4, "url"),
							   str(e, "code"));
					cr_assert(strcmp(rel, "related-to") == 0 || strcmp(rel, "equivalent") == 0 ||
						  strcmp(rel, "source-is-narrower-than-target") == 0 ||
						  strcmp(rel, "source-is-broader-than-target") == 0 ||
						  strcmp(rel, "not-related-to") == 0, "%s", rel);
					cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(t, "dependsOn")) {
						cr_assert_not_null(attr_uri(r5, str(d, "attribute")), "undeclared %s",
								   str(d, "attribute"));
						attrs_used++;
					}
					cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(t, "product")) {
						cr_assert_not_null(attr_uri(r5, str(d, "attribute")), "undeclared %s",
								   str(d, "attribute"));
						attrs_used++;
					}
				}
			}
		cJSON_Delete(r5);
	}
	cr_assert_geq(maps, 5, "only %d bundled maps", maps);
	cr_assert_gt(targets, 100);
	cr_assert_gt(attrs_used, 0, "no bundled map uses dependsOn/product");
	cr_assert_gt(unmatched_alone, 0);
	cr_assert_eq(nomap, unmatched_alone, "noMap elements %d, R4 unmatched-only elements %d", nomap,
		     unmatched_alone);
	cJSON_Delete(all);
}

Test(conceptmap_r5, bundled_score_dependency_reads_as_r5)
{
	cJSON *all = load_mappings();
	cJSON *r5 = convert(map_by_url(all, BASE "/ConceptMap/iplos-interventions"));
	const cJSON *g, *e, *t, *d;
	int seen = 0;

	/* Every IPLOS score condition of the bundled map is an attribute declared with the score system's
	 * URI and a valueCoding in that system. */
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(r5, "group"))
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(g, "element"))
			cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(e, "target"))
				cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(t, "dependsOn")) {
					const cJSON *vc = cJSON_GetObjectItemCaseSensitive(d, "valueCoding");
					if (!vc || strcmp(str(vc, "system"), BASE "/CodeSystem/iplos-score") != 0)
						continue;
					cr_assert_str_eq(attr_uri(r5, str(d, "attribute")), BASE "/CodeSystem/iplos-score");
					cr_assert_not_null(str(vc, "code"));
					seen++;
				}
	cr_assert_gt(seen, 0);
	cJSON_Delete(r5);
	cJSON_Delete(all);
}

/* ---- R5 XML ---- */

/* Element names of `n`'s element children, in document order, repeats collapsed, joined by ','. */
static void child_names(const xmlNode *n, char *buf, size_t cap)
{
	size_t o = 0;
	const char *last = "";

	buf[0] = '\0';
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, last) == 0)
			continue;
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", o ? "," : "", (const char *)c->name);
		cr_assert_lt(o, cap);
		last = (const char *)c->name;
	}
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* Checks that the children of `n` follow `order` (the R5 definition order). */
static void assert_in_order(const xmlNode *n, const char *const *order, size_t norder)
{
	size_t pos = 0;
	for (const xmlNode *c = n->children; c; c = c->next) {
		size_t i;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; i < norder && strcmp(order[i], (const char *)c->name) != 0; i++)
			;
		cr_assert_lt(i, norder, "<%s> is not an R5 child of <%s>", c->name, n->name);
		cr_assert_geq(i, pos, "<%s> after a later element in <%s>", c->name, n->name);
		pos = i;
	}
}

/* The bundled map `url` converted to R5 and written as R5 XML, parsed; *xml gets the text. The
 * caller frees both (free(), xmlFreeDoc()). */
static xmlDocPtr bundled_r5_xml(const char *url, char **xml)
{
	cJSON *all = load_mappings();
	cJSON *r5 = convert(map_by_url(all, url));
	struct sv_error err = {0};
	xmlDocPtr doc;

	*xml = sv_fhirxml_from_json_version(r5, 5, &err);
	cr_assert_not_null(*xml, "R5 XML of %s failed: %s", url, err.message);
	doc = xmlReadMemory(*xml, (int)strlen(*xml), "r5.xml", NULL, XML_PARSE_NONET);
	cr_assert_not_null(doc, "R5 XML of %s is not well-formed", url);
	cJSON_Delete(r5);
	cJSON_Delete(all);
	return doc;
}

Test(conceptmap_r5, xml_of_bundled_map_has_r5_order)
{
	/* https://hl7.org/fhir/R5/conceptmap.html */
	static const char *const MAP[] = {
		"id", "meta", "implicitRules", "language", "text", "contained", "extension", "modifierExtension",
		"url", "identifier", "version", "versionAlgorithmString", "versionAlgorithmCoding", "name", "title",
		"status", "experimental", "date", "publisher", "contact", "description", "useContext",
		"jurisdiction", "purpose", "copyright", "copyrightLabel", "approvalDate", "lastReviewDate",
		"effectivePeriod", "topic", "author", "editor", "reviewer", "endorser", "relatedArtifact",
		"property", "additionalAttribute", "sourceScopeUri", "sourceScopeCanonical", "targetScopeUri",
		"targetScopeCanonical", "group"};
	static const char *const TARGET[] = {"extension", "modifierExtension", "code", "display", "valueSet",
					     "relationship", "comment", "property", "dependsOn", "product"};
	char *xml, names[1024];
	xmlDocPtr doc = bundled_r5_xml(BASE "/ConceptMap/iplos-interventions", &xml);
	const xmlNode *root = xmlDocGetRootElement(doc), *el, *t, *with_both = NULL;

	cr_assert_str_eq((const char *)root->name, "ConceptMap");
	cr_assert_str_eq((const char *)root->ns->href, "http://hl7.org/fhir");
	child_names(root, names, sizeof(names));
	cr_assert_str_eq(names, "extension,url,version,name,title,status,experimental,publisher,description,"
			 "copyright,additionalAttribute,sourceScopeUri,targetScopeUri,group", "%s", names);
	assert_in_order(root, MAP, sizeof(MAP) / sizeof(MAP[0]));
	child_names(child(root, "additionalAttribute"), names, sizeof(names));
	cr_assert_str_eq(names, "code,uri,type");
	child_names(child(root, "group"), names, sizeof(names));
	cr_assert_str_eq(names, "source,target,element");
	for (el = child(child(root, "group"), "element"); el; el = el->next) {
		if (el->type != XML_ELEMENT_NODE)
			continue;
		for (t = el->children; t; t = t->next) {
			if (t->type != XML_ELEMENT_NODE || strcmp((const char *)t->name, "target") != 0)
				continue;
			assert_in_order(t, TARGET, sizeof(TARGET) / sizeof(TARGET[0]));
			if (!with_both && child(t, "dependsOn") && child(t, "product"))
				with_both = t;
		}
	}
	cr_assert_not_null(with_both, "no target with dependsOn and product in iplos-interventions");
	child_names(with_both, names, sizeof(names));
	cr_assert_str_eq(names, "code,display,relationship,comment,dependsOn,product", "%s", names);
	child_names(child(with_both, "dependsOn"), names, sizeof(names));
	cr_assert_str_eq(names, "attribute,valueCoding", "%s", names);
	xmlFreeDoc(doc);
	free(xml);
}

Test(conceptmap_r5, xml_keeps_national_edition_extension_first)
{
	char *xml, names[512];
	xmlDocPtr doc = bundled_r5_xml(BASE "/ConceptMap/iplos-snomed", &xml);
	const xmlNode *group, *el, *t, *found = NULL;

	for (group = xmlDocGetRootElement(doc)->children; group && !found; group = group->next)
		for (el = group->type == XML_ELEMENT_NODE && strcmp((const char *)group->name, "group") == 0 ?
			  group->children : NULL; el && !found; el = el->next)
			for (t = el->children; t && !found; t = t->next)
				if (t->type == XML_ELEMENT_NODE && strcmp((const char *)t->name, "target") == 0 &&
				    child(t, "extension"))
					found = t;
	cr_assert_not_null(found, "no target with an extension in iplos-snomed");
	child_names(found, names, sizeof(names));
	cr_assert_eq(strncmp(names, "extension,code,display,relationship", 35), 0, "%s", names);
	cr_assert_not_null(strstr(xml, "StructureDefinition/needs-national-edition"));
	xmlFreeDoc(doc);
	free(xml);
}

Test(conceptmap_r5, xml_version_4_and_other_types_unchanged)
{
	cJSON *all = load_mappings();
	const cJSON *r4 = map_by_url(all, BASE "/ConceptMap/iplos-icf");
	cJSON *r5 = convert(r4);
	struct sv_error err = {0};
	char *x4 = sv_fhirxml_from_json(r4, &err);
	char *x4v = sv_fhirxml_from_json_version(r4, 4, &err);
	char *bad = sv_fhirxml_from_json_version(r5, 4, &err);
	cJSON *cs = ts_parse_json("{\"resourceType\":\"CodeSystem\",\"url\":\"urn:c\",\"status\":\"draft\",\"content\":\"complete\"}");
	char *c4 = sv_fhirxml_from_json_version(cs, 4, &err), *c5 = sv_fhirxml_from_json_version(cs, 5, &err);
	cJSON *back;

	cr_assert_not_null(x4);
	cr_assert_str_eq(x4, x4v);
	cr_assert_not_null(strstr(x4, "<equivalence value="));
	/* R5 elements are unknown to the R4 definition: the R4 writer refuses rather than guess. */
	cr_assert_null(bad);
	cr_assert_eq(err.code, SV_EINVAL);
	/* Types without an R5 definition are written as R4. */
	cr_assert_str_eq(c4, c5);
	/* The reader never takes the R5-only table entries: an R5 document is not R4. */
	{
		char *x5 = sv_fhirxml_from_json_version(r5, 5, &err);
		cr_assert_not_null(x5);
		back = sv_fhirxml_to_json(x5, strlen(x5), &err);
		cr_assert_null(back, "the R4 reader accepted R5 XML");
		free(x5);
	}
	back = sv_fhirxml_to_json("<R5ConceptMap xmlns=\"http://hl7.org/fhir\"/>", 43, &err);
	cr_assert_null(back);
	free(x4);
	free(x4v);
	free(c4);
	free(c5);
	cJSON_Delete(cs);
	cJSON_Delete(r5);
	cJSON_Delete(all);
}
