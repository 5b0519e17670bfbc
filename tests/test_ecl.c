/* test_ecl.c — the ECL parser (every operator, every refusal with its column), evaluation and
 * one-concept matching on the RF2 fixture with a refset (support/rf2ecl.h; hierarchy in
 * tests/fixtures/rf2/README.md), the SNOMED CT implicit value sets through the expansion engine, and
 * ECL over the GPS (no hierarchy). Codes are copied from the fixture and the GPS file. */
#include "samsvar/ecl.h"
#include "samsvar/expand.h"
#include "samsvar/importer.h"
#include "samsvar/unzip.h"
#include "support/fixtures.h"
#include "support/rf2ecl.h"
#include "support/support.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCT "http://snomed.info/sct"

static struct sv_snapshot *snap;
static const struct sv_codesystem *cs;

static void build_from(cJSON *codesystem)
{
	struct sv_snapshot_builder b;
	struct sv_error err = {0};

	cr_assert_not_null(codesystem);
	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, codesystem, &err), SV_OK, "%s", err.message);
	snap = sv_builder_build(&b, &err);
	cr_assert_not_null(snap, "%s", err.message);
	sv_builder_release(&b);
	cs = sv_snapshot_codesystem(snap, SCT, NULL);
	cr_assert_not_null(cs);
}

static void setup_rf2(void)
{
	char dir[64];
	struct sv_error err = {0};
	cJSON *c;

	ts_rf2ecl_make(dir, NULL);
	c = sv_import_snomed_rf2(dir, &err);
	ts_rf2ecl_remove(dir);
	cr_assert_not_null(c, "%s", err.message);
	build_from(c);
}

static void fini(void)
{
	sv_snapshot_release(snap);
	snap = NULL;
	cs = NULL;
}

/* ---- parser ---------------------------------------------------------------------------------- */

static enum sv_ecl_kind root_kind(const char *text)
{
	static struct sv_ecl e;
	struct sv_error err = {0};

	cr_assert_eq(sv_ecl_parse(text, &e, &err), SV_OK, "%s: %s", text, err.message);
	return e.nodes[e.root].kind;
}

Test(ecl_parse, every_operator)
{
	cr_assert_eq(root_kind("36971009"), SV_ECL_CONCEPT);
	cr_assert_eq(root_kind("36971009 |Sinusitis (disorder)|"), SV_ECL_CONCEPT, "term ignored");
	cr_assert_eq(root_kind("*"), SV_ECL_ANY);
	cr_assert_eq(root_kind("< 36971009"), SV_ECL_DESC);
	cr_assert_eq(root_kind("<<36971009"), SV_ECL_DESC_SELF);
	cr_assert_eq(root_kind("<! 36971009"), SV_ECL_CHILD);
	cr_assert_eq(root_kind("<<! 36971009"), SV_ECL_CHILD_SELF);
	cr_assert_eq(root_kind("> 36971009"), SV_ECL_ANC);
	cr_assert_eq(root_kind(">> 36971009"), SV_ECL_ANC_SELF);
	cr_assert_eq(root_kind(">! 36971009"), SV_ECL_PARENT);
	cr_assert_eq(root_kind(">>! 36971009"), SV_ECL_PARENT_SELF);
	cr_assert_eq(root_kind("^ 19999999103"), SV_ECL_MEMBER);
	cr_assert_eq(root_kind("descendantOrSelfOf 36971009"), SV_ECL_DESC_SELF);
	cr_assert_eq(root_kind("memberOf 19999999103"), SV_ECL_MEMBER);
	cr_assert_eq(root_kind("<< 36971009 AND ^ 19999999103"), SV_ECL_AND);
	cr_assert_eq(root_kind("<< 36971009 , ^ 19999999103"), SV_ECL_AND);
	cr_assert_eq(root_kind("<< 36971009 and << 40055000 AND *"), SV_ECL_AND, "keywords in any case");
	cr_assert_eq(root_kind("<< 36971009 OR << 32398004"), SV_ECL_OR);
	cr_assert_eq(root_kind("<< 64572001 MINUS << 36971009"), SV_ECL_MINUS);
	cr_assert_eq(root_kind("(<< 64572001 MINUS << 36971009) OR 22253000"), SV_ECL_OR);
	cr_assert_eq(root_kind("<< (36971009 OR 32398004)"), SV_ECL_DESC_SELF);
	cr_assert_eq(root_kind("<< 64572001 : 363698007 = 2095001"), SV_ECL_REFINE);
	cr_assert_eq(root_kind("<< 64572001 : << 363698007 = << 2095001, 363698007 != 22253000"), SV_ECL_REFINE);
	cr_assert_eq(root_kind("<< 64572001 : (363698007 = 2095001 OR 363698007 = 22253000)"), SV_ECL_REFINE);
	cr_assert_eq(root_kind("/* a comment */ << 36971009 /* another */"), SV_ECL_DESC_SELF);
}

Test(ecl_parse, refinement_tree)
{
	static struct sv_ecl e;
	struct sv_error err = {0};
	const struct sv_ecl_node *r, *attr;

	cr_assert_eq(sv_ecl_parse("<< 64572001 : 363698007 != << 2095001", &e, &err), SV_OK, "%s", err.message);
	r = &e.nodes[e.root];
	cr_assert_eq(e.nodes[r->a].kind, SV_ECL_DESC_SELF);
	attr = &e.nodes[r->b];
	cr_assert_eq(attr->kind, SV_ECL_ATTR_NE);
	cr_assert_str_eq(e.nodes[attr->a].code, "363698007");
	cr_assert_eq(e.nodes[attr->b].kind, SV_ECL_DESC_SELF);
	cr_assert_eq(attr->col, 15);
}

/* Parses `text`, expecting `code` and an error message holding `needle`. */
static void refused(const char *text, enum sv_err code, const char *needle)
{
	static struct sv_ecl e;
	struct sv_error err = {0};

	cr_assert_eq(sv_ecl_parse(text, &e, &err), code, "'%s': %s", text, err.message);
	cr_assert(strstr(err.message, needle), "'%s': '%s' lacks '%s'", text, err.message, needle);
}

Test(ecl_parse, errors_name_the_column)
{
	refused("", SV_EINVAL, "column 1: the expression is empty");
	refused("<< 36971009 AND", SV_EINVAL, "column 16: expected a concept id");
	refused("<< (36971009", SV_EINVAL, "column 13: expected ')'");
	refused("<< 123", SV_EINVAL, "column 4: a concept id has 6 to 18 digits");
	refused("<< 036971009", SV_EINVAL, "column 4");
	refused("<< 36971009 AND 40055000 OR 15805002", SV_EINVAL, "column 26: AND, OR and MINUS cannot be mixed");
	refused("<< 64572001 MINUS 36971009 MINUS 40055000", SV_EINVAL, "column 28: a second MINUS");
	refused("36971009 |Sinusitis", SV_EINVAL, "column 10: the term after the concept id has no closing '|'");
	refused("36971009)", SV_EINVAL, "column 9: ')' without '('");
	refused("36971009 36971009", SV_EINVAL, "column 10: expected AND, OR, MINUS");
	refused("<< 64572001 : 363698007", SV_EINVAL, "column 24: expected '=' or '!='");
	refused("<< 64572001 : 363698007 = 2095001 OR << 22253000 : 363698007 = 2095001", SV_EINVAL, "column");
	refused("<< 64572001 : 363698007 = 2095001 MINUS 36971009", SV_EINVAL, "column 35: a refined expression needs parentheses");
	refused("/* open", SV_EINVAL, "column 1: comment");
	refused("<< 36971009 {{ term = \"sinus\" }}", SV_ENOTSUPPORTED, "column 13: a filter constraint");
	refused("<< 64572001 : [0..1] 363698007 = 2095001", SV_ENOTSUPPORTED, "column 15: an attribute cardinality");
	refused("<< 64572001 : { 363698007 = 2095001 }", SV_ENOTSUPPORTED, "column 15: an attribute group");
	refused("<< 64572001 : R 363698007 = 2095001", SV_ENOTSUPPORTED, "column 15: a reverse attribute");
	refused("<< 64572001 : 363698007 = #5", SV_ENOTSUPPORTED, "column 27: a concrete attribute value");
	refused("<< 36971009 . 363698007", SV_ENOTSUPPORTED, "column 13: a dotted attribute");
	refused("!!> 36971009", SV_ENOTSUPPORTED, "column 1: the top/bottom operator");
}

Test(ecl_parse, caps)
{
	static struct sv_ecl e;
	struct sv_error err = {0};
	size_t n = SV_ECL_MAX_LEN + 1, w = 0;
	char *text = malloc(n + 1);

	memset(text, ' ', n);
	text[n] = '\0';
	cr_assert_eq(sv_ecl_parse(text, &e, &err), SV_ETOOCOSTLY);
	cr_assert(strstr(err.message, "bytes"), "%s", err.message);
	/* Deeper than the cap. */
	for (int i = 0; i <= SV_ECL_MAX_DEPTH; i++)
		text[w++] = '(';
	w += (size_t)sprintf(text + w, "36971009");
	for (int i = 0; i <= SV_ECL_MAX_DEPTH; i++)
		text[w++] = ')';
	text[w] = '\0';
	cr_assert_eq(sv_ecl_parse(text, &e, &err), SV_ETOOCOSTLY, "%s", err.message);
	cr_assert(strstr(err.message, "deeper"), "%s", err.message);
	/* More nodes than the cap. */
	w = (size_t)sprintf(text, "36971009");
	for (int i = 0; i < SV_ECL_MAX_NODES; i++)
		w += (size_t)sprintf(text + w, " OR 36971009");
	cr_assert_eq(sv_ecl_parse(text, &e, &err), SV_ETOOCOSTLY, "%s", err.message);
	cr_assert(strstr(err.message, "parts"), "%s", err.message);
	free(text);
}

/* ---- evaluation on the RF2 fixture ----------------------------------------------------------- */

TestSuite(ecl_rf2, .init = setup_rf2, .fini = fini);

/* Evaluates `text` and returns its codes, sorted as strings and joined with ',' (static buffer);
 * checks that sv_ecl_matches agrees with the set on every concept of the code system. */
static const char *eval(const char *text)
{
	static struct sv_ecl e;
	static char buf[1024];
	struct sv_ecl_set set = {0};
	struct sv_error err = {0};
	const char *codes[64];
	size_t o = 0;

	cr_assert_eq(sv_ecl_parse(text, &e, &err), SV_OK, "%s: %s", text, err.message);
	cr_assert_eq(sv_ecl_eval(snap, cs, &e, 1000, &set, &err), SV_OK, "%s: %s", text, err.message);
	cr_assert_lt(set.n, 64);
	for (uint32_t i = 0; i < cs->nconcepts; i++) {
		int m = -1, in = 0;
		for (size_t j = 0; j < set.n; j++)
			in |= set.v[j] == i;
		cr_assert_eq(sv_ecl_matches(snap, cs, &e, i, 1000, &m, &err), SV_OK, "%s", err.message);
		cr_assert_eq(m, in, "%s: matches says %d for %s, the evaluation %d", text, m, cs->concepts[i].code, in);
	}
	for (size_t i = 0; i < set.n; i++) {
		codes[i] = cs->concepts[set.v[i]].code;
		cr_assert(i == 0 || set.v[i - 1] < set.v[i], "set not sorted");
	}
	for (size_t i = 1; i < set.n; i++) /* insertion sort by code text, for stable expectations */
		for (size_t j = i; j > 0 && strcmp(codes[j - 1], codes[j]) > 0; j--) {
			const char *t = codes[j];
			codes[j] = codes[j - 1];
			codes[j - 1] = t;
		}
	buf[0] = '\0';
	for (size_t i = 0; i < set.n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s", i ? "," : "", codes[i]);
	sv_ecl_set_release(&set);
	return buf;
}

Test(ecl_rf2, hierarchy_operators)
{
	cr_assert_str_eq(eval("36971009"), "36971009");
	cr_assert_str_eq(eval("<< 36971009"), "15805002,195790000,36971009,40055000,88850006");
	cr_assert_str_eq(eval("< 36971009"), "15805002,195790000,40055000,88850006");
	cr_assert_str_eq(eval("<! 36971009"), "15805002,195790000,40055000");
	cr_assert_str_eq(eval("<<! 36971009"), "15805002,195790000,36971009,40055000");
	cr_assert_str_eq(eval("> 88850006"), "195790000,36971009,40055000,64572001,7393007");
	cr_assert_str_eq(eval(">> 88850006"), "195790000,36971009,40055000,64572001,7393007,88850006");
	cr_assert_str_eq(eval(">! 88850006"), "195790000,40055000");
	cr_assert_str_eq(eval(">>! 88850006"), "195790000,40055000,88850006");
	cr_assert_str_eq(eval("< 88850006"), "", "a leaf has no descendants");
	cr_assert_str_eq(eval("> 64572001"), "", "the top has no ancestors");
	/* A member of the operand below another member is a descendant of it. */
	cr_assert_str_eq(eval("< (36971009 OR 40055000)"), "15805002,195790000,40055000,88850006");
	cr_assert_str_eq(eval("<! (36971009 OR 40055000)"), "15805002,195790000,40055000,88850006");
	cr_assert_str_eq(eval(">! (88850006 OR 63480004)"), "195790000,32398004,40055000");
	/* 27624003 is inactive in the fixture, so not a concept here: it stands for nothing. */
	cr_assert_str_eq(eval("<< 27624003"), "");
}

Test(ecl_rf2, wildcard_and_sets)
{
	cr_assert_eq(cs->nconcepts, 14, "12 active fixture concepts, the refset and the inactive 27624003");
	cr_assert_str_eq(eval("*"), "15805002,195790000,19999999103,2095001,22253000,32398004,36971009,40055000,"
			 "49727002,63480004,64572001,7393007,88850006");
	cr_assert_str_eq(eval("<< 36971009 OR << 32398004"),
			 "15805002,195790000,32398004,36971009,40055000,63480004,88850006");
	cr_assert_str_eq(eval("<< 64572001 MINUS << 36971009"), "32398004,63480004,64572001,7393007");
	cr_assert_str_eq(eval("<< 36971009 AND >> 88850006"), "195790000,36971009,40055000,88850006");
	cr_assert_str_eq(eval("<< 36971009 , >> 88850006 , << 40055000"), "40055000,88850006");
	cr_assert_str_eq(eval("(<< 64572001 MINUS << 7393007) OR 22253000"), "22253000,32398004,63480004,64572001");
	cr_assert_str_eq(eval("* MINUS << 64572001"), "19999999103,2095001,22253000,49727002");
}

Test(ecl_rf2, member_of)
{
	const uint32_t *refsets, *members;
	size_t n;
	struct sv_error err = {0};

	cr_assert_str_eq(eval("^ " TS_ECL_REFSET), "32398004,36971009", "the inactive row is left out");
	cr_assert_str_eq(eval("^ " TS_ECL_REFSET " |ECL test refset|"), "32398004,36971009");
	cr_assert_str_eq(eval("<< ^ " TS_ECL_REFSET), "15805002,195790000,32398004,36971009,40055000,63480004,88850006");
	cr_assert_str_eq(eval("<< 64572001 MINUS ^ " TS_ECL_REFSET), "15805002,195790000,40055000,63480004,64572001,7393007,88850006");
	cr_assert_str_eq(eval("^ *"), "32398004,36971009");
	cr_assert_str_eq(eval("^ 36971009"), "", "a concept that is no refset has no members");
	cr_assert_eq(sv_codesystem_refsets(snap, cs, &refsets, &n, &err), SV_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(cs->concepts[refsets[0]].code, TS_ECL_REFSET);
	cr_assert_eq(sv_codesystem_refset_members(snap, cs, refsets[0], &members, &n, &err), SV_OK);
	cr_assert_eq(n, 2);
	cr_assert_eq(sv_codesystem_refset_members(snap, cs, 0, &members, &n, &err), SV_OK);
	cr_assert_eq(n, 0);
}

Test(ecl_rf2, refinement)
{
	/* The fixture's one attribute row: 36971009 Sinusitis has Finding site 363698007 = 2095001. */
	cr_assert_str_eq(eval("<< 64572001 : 363698007 = 2095001"), "36971009");
	cr_assert_str_eq(eval("<< 64572001 : 363698007 = << 2095001"), "36971009");
	cr_assert_str_eq(eval("<< 64572001 : * = 2095001"), "36971009");
	cr_assert_str_eq(eval("* : 363698007 = *"), "36971009");
	cr_assert_str_eq(eval("<< 64572001 : 363698007 = 22253000"), "");
	cr_assert_str_eq(eval("<< 64572001 : 363698007 != 2095001"), "", "its only finding site is 2095001");
	cr_assert_str_eq(eval("<< 64572001 : 363698007 != 22253000"), "36971009");
	cr_assert_str_eq(eval("<< 64572001 : 363698007 = 2095001 OR 363698007 = 22253000"), "36971009");
	cr_assert_str_eq(eval("<< 64572001 : 363698007 = 2095001 AND 363698007 = 22253000"), "");
	cr_assert_str_eq(eval("(<< 64572001 : 363698007 = 2095001) OR 32398004"), "32398004,36971009");
	cr_assert_str_eq(eval("<< 64572001 : 116680003 = 7393007"), "", "is-a is the hierarchy, not an attribute");
}

Test(ecl_rf2, result_cap)
{
	static struct sv_ecl e;
	struct sv_ecl_set set = {0};
	struct sv_error err = {0};

	cr_assert_eq(sv_ecl_parse("<< 64572001 MINUS << 7393007", &e, &err), SV_OK);
	cr_assert_eq(sv_ecl_eval(snap, cs, &e, 5, &set, &err), SV_ETOOCOSTLY);
	cr_assert(strstr(err.message, "column 1") && strstr(err.message, "more than 5"), "%s", err.message);
	cr_assert_null(set.v);
	cr_assert_eq(sv_ecl_parse("*", &e, &err), SV_OK);
	cr_assert_eq(sv_ecl_eval(snap, cs, &e, 12, &set, &err), SV_ETOOCOSTLY);
	cr_assert_eq(sv_ecl_eval(snap, cs, &e, 13, &set, &err), SV_OK);
	cr_assert_eq(set.n, 13);
	sv_ecl_set_release(&set);
}

/* ---- the implicit value sets through the expansion engine ------------------------------------ */

static size_t expand_url(const char *url, const char *want_first)
{
	struct sv_error err = {0};
	struct sv_expansion e = {0};
	cJSON *vs = sv_expand_implicit(snap, url, &err);
	size_t n;

	cr_assert_not_null(vs, "%s: %s", url, err.message);
	cr_assert_eq(sv_expand(snap, vs, NULL, 100000, &e, &err), SV_OK, "%s: %s", url, err.message);
	if (want_first)
		cr_assert_str_eq(e.items[0].k->code, want_first);
	n = e.n;
	sv_expansion_release(&e);
	cJSON_Delete(vs);
	return n;
}

static int member(const char *url, const char *code)
{
	struct sv_error err = {0};
	cJSON *vs = sv_expand_implicit(snap, url, &err);
	int m = -1;

	cr_assert_not_null(vs, "%s: %s", url, err.message);
	cr_assert_eq(sv_valueset_member(snap, vs, SCT, code, NULL, &m, NULL, &err), SV_OK, "%s", err.message);
	cJSON_Delete(vs);
	return m;
}

Test(ecl_rf2, implicit_valuesets)
{
	struct sv_error err = {0};

	cr_assert_eq(expand_url(SCT "?fhir_vs=ecl/<<36971009", NULL), 5);
	cr_assert_eq(expand_url(SCT "?fhir_vs=ecl/%3C%3C36971009%20MINUS%20%3C%3C40055000", NULL), 3, "URL-encoded ECL");
	cr_assert_eq(expand_url(SCT "/900000000000207008/version/20200731?fhir_vs=ecl/<36971009", NULL), 4,
		     "an edition version URI");
	cr_assert_eq(expand_url(SCT "?fhir_vs=refset/" TS_ECL_REFSET, NULL), 2);
	cr_assert_eq(expand_url(SCT "?fhir_vs=refset", TS_ECL_REFSET), 1);
	cr_assert_eq(expand_url(SCT "?fhir_vs=isa/36971009", NULL), 5);
	cr_assert_eq(expand_url(SCT "?fhir_vs", NULL), 13);
	cr_assert_eq(member(SCT "?fhir_vs=ecl/<<36971009", "88850006"), 1);
	cr_assert_eq(member(SCT "?fhir_vs=ecl/<<36971009", "32398004"), 0);
	cr_assert_eq(member(SCT "?fhir_vs=ecl/<< 64572001 : 363698007 = 2095001", "36971009"), 1);
	cr_assert_eq(member(SCT "?fhir_vs=refset/" TS_ECL_REFSET, "32398004"), 1);
	cr_assert_eq(member(SCT "?fhir_vs=refset/" TS_ECL_REFSET, "15805002"), 0);
	cr_assert_eq(member(SCT "?fhir_vs=refset", TS_ECL_REFSET), 1);
	{ /* A uri has no whitespace: the echoed url carries it percent-encoded. */
		cJSON *vs = sv_expand_implicit(snap, SCT "?fhir_vs=ecl/<< 36971009", &err);
		cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(vs, "url")), SCT "?fhir_vs=ecl/<<%2036971009");
		cJSON_Delete(vs);
		cr_assert_eq(expand_url(SCT "?fhir_vs=ecl/<<%2036971009", NULL), 5, "and it reads back");
	}
	/* Refusals: syntax with its column, bad escapes, an unknown form. */
	cr_assert_null(sv_expand_implicit(snap, SCT "?fhir_vs=ecl/<< 36971009 AND", &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "column 16"), "%s", err.message);
	cr_assert_str_eq(err.expression, "url");
	cr_assert_null(sv_expand_implicit(snap, SCT "?fhir_vs=ecl/%3", &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert_null(sv_expand_implicit(snap, SCT "?fhir_vs=refset/abc", &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert_null(sv_expand_implicit(snap, SCT "?fhir_vs=ecl/", &err));
	cr_assert_eq(err.code, SV_ENOTSUPPORTED);
	cr_assert_null(sv_expand_implicit(snap, SCT "?fhir_vs=ecl/<< 36971009 {{ term = \"x\" }}", &err));
	cr_assert_eq(err.code, SV_ENOTSUPPORTED);
}

Test(ecl_rf2, constraint_filter_in_a_compose)
{
	struct sv_error err = {0};
	struct sv_expansion e = {0};
	cJSON *vs = cJSON_Parse("{\"resourceType\":\"ValueSet\",\"compose\":{"
				"\"include\":[{\"system\":\"" SCT "\",\"filter\":[{\"property\":\"constraint\","
				"\"op\":\"=\",\"value\":\"<< 36971009\"}]}],"
				"\"exclude\":[{\"system\":\"" SCT "\",\"filter\":[{\"property\":\"constraint\","
				"\"op\":\"=\",\"value\":\"<< 40055000\"}]}]}}");
	int m = -1;

	cr_assert_not_null(vs);
	cr_assert_eq(sv_expand(snap, vs, NULL, 100, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 3, "<< Sinusitis without << Chronic sinusitis");
	sv_expansion_release(&e);
	cr_assert_eq(sv_valueset_member(snap, vs, SCT, "195790000", NULL, &m, NULL, &err), SV_OK);
	cr_assert_eq(m, 1);
	cr_assert_eq(sv_valueset_member(snap, vs, SCT, "88850006", NULL, &m, NULL, &err), SV_OK);
	cr_assert_eq(m, 0, "excluded");
	cJSON_Delete(vs);
}

Test(ecl_rf2, expansion_cap)
{
	struct sv_error err = {0};
	struct sv_expansion e = {0};
	cJSON *vs = sv_expand_implicit(snap, SCT "?fhir_vs=ecl/<<64572001", &err);

	cr_assert_eq(sv_expand(snap, vs, NULL, 3, &e, &err), SV_ETOOCOSTLY);
	cr_assert(strstr(err.message, "too costly"), "%s", err.message);
	sv_expansion_release(&e);
	cJSON_Delete(vs);
}

/* ---- the GPS: a fragment without hierarchy ---------------------------------------------------- */

TestSuite(ecl_gps, .fini = fini);

Test(ecl_gps, no_hierarchy)
{
	struct sv_error err = {0};
	char *path;
	cJSON *c;

	TS_REQUIRE_SHARED(path, "terminology/snomed-gps-2020.valueset.json");
	c = sv_import_snomed_gps(path, &err);
	free(path);
	cr_assert_not_null(c, "%s", err.message);
	build_from(c);
	cr_assert_gt(cs->nconcepts, 1000);
	/* Without is-a links every concept is its own hierarchy. */
	cr_assert_str_eq(eval("<< 36971009"), "36971009");
	cr_assert_str_eq(eval("< 36971009"), "");
	cr_assert_str_eq(eval(">> 88850006"), "88850006");
	cr_assert_str_eq(eval("36971009 OR 32398004 OR 27624003"), "27624003,32398004,36971009");
	cr_assert_str_eq(eval("^ 36971009"), "");
	cr_assert_eq(expand_url(SCT "?fhir_vs=ecl/*", NULL), cs->nconcepts);
	cr_assert_null(sv_expand_implicit(snap, SCT "?fhir_vs=refset", &err));
	cr_assert_eq(err.code, SV_ENOTFOUND, "%s", err.message);
	cr_assert(strstr(err.message, "no reference sets"), "%s", err.message);
}

/* ---- what the RF2 import keeps for ECL --------------------------------------------------------- */

static const char *prop_value(const cJSON *concept, const char *code)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(concept, "property"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "code")), code) == 0)
			return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "valueCode"));
	return NULL;
}

Test(ecl_import, attributes_and_refsets_become_properties)
{
	char dir[64];
	struct sv_error err = {0};
	cJSON *c, *concept;
	const cJSON *p;
	int declared = 0, member_of = 0;

	ts_rf2ecl_make(dir, NULL);
	c = sv_import_snomed_rf2(dir, &err);
	ts_rf2ecl_remove(dir);
	cr_assert_not_null(c, "%s", err.message);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "property")) {
		const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "code"));
		if (strcmp(code, "363698007") == 0) {
			declared = 1;
			cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "uri")),
					 "http://snomed.info/id/363698007");
		}
		member_of |= strcmp(code, SV_PROP_MEMBER_OF) == 0;
	}
	cr_assert(declared && member_of, "the finding site type and memberOf are declared");
	cJSON_ArrayForEach(concept, cJSON_GetObjectItemCaseSensitive(c, "concept")) {
		const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(concept, "code"));
		if (strcmp(code, "36971009") == 0) {
			cr_assert_str_eq(prop_value(concept, "363698007"), "2095001");
			cr_assert_str_eq(prop_value(concept, SV_PROP_MEMBER_OF), TS_ECL_REFSET);
		} else if (strcmp(code, "15805002") == 0) {
			cr_assert_null(prop_value(concept, SV_PROP_MEMBER_OF), "inactive refset row kept");
		}
	}
	cJSON_Delete(c);
}

Test(ecl_import, bad_refset_row_names_file_and_line)
{
	char dir[64], path[128];
	struct sv_error err = {0};

	ts_rf2ecl_make(dir, NULL);
	snprintf(path, sizeof(path), "%s/der2_Refset_SimpleSnapshot_INT_20200731.txt", dir);
	ts_write_file(path, "id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\r\n"
			    "not-a-uuid\t20200731\t1\t900000000000207008\t" TS_ECL_REFSET "\t36971009\r\n");
	cr_assert_null(sv_import_snomed_rf2(dir, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "der2_Refset_SimpleSnapshot_INT_20200731.txt:2:") && strstr(err.message, "UUID"),
		  "%s", err.message);
	ts_write_file(path, "id\teffectiveTime\tactive\tmoduleId\trefsetId\r\n");
	cr_assert_null(sv_import_snomed_rf2(dir, &err));
	cr_assert(strstr(err.message, "der2_Refset_SimpleSnapshot_INT_20200731.txt"), "%s", err.message);
	ts_rf2ecl_remove(dir);
}

Test(ecl_import, zipped_release_brings_its_simple_refsets)
{
	static const char *const names[] = {"sct2_Concept_Snapshot_INT_20200731.txt",
					    "sct2_Description_Snapshot-en_INT_20200731.txt",
					    "sct2_Relationship_Snapshot_INT_20200731.txt",
					    "der2_Refset_SimpleSnapshot_INT_20200731.txt"};
	char dir[64], out[64], path[200], zname[4][200], *text[4], *zip;
	struct ts_zip_entry e[4];
	struct sv_error err = {0};
	size_t len;
	cJSON *c;

	ts_rf2ecl_make(dir, NULL);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		text[i] = ts_read_file(path, &e[i].len);
		cr_assert_not_null(text[i]);
		snprintf(zname[i], sizeof(zname[i]), "SnomedCT_Fixture/Snapshot/%s/%s", i < 3 ? "Terminology" :
			 "Refset/Content", names[i]);
		e[i].name = zname[i];
		e[i].data = text[i];
	}
	zip = ts_zip(e, 4, &len);
	ts_rf2ecl_remove(dir);
	snprintf(out, sizeof(out), "/tmp/sv-eclzip-XXXXXX");
	cr_assert_not_null(mkdtemp(out));
	cr_assert_eq(sv_unzip_rf2(zip, len, out, 1 << 20, &err), SV_OK, "%s", err.message);
	c = sv_import_snomed_rf2(out, &err);
	sv_unzip_remove_dir(out);
	cr_assert_not_null(c, "%s", err.message);
	build_from(c);
	cr_assert_str_eq(eval("^ " TS_ECL_REFSET), "32398004,36971009");
	for (size_t i = 0; i < 4; i++)
		free(text[i]);
	free(zip);
	fini();
}
