/* test_expand.c — ValueSet expansion and membership over a snapshot holding the real FSIII code
 * system (../shared/terminology/fsiii-codesystem-20240530.json); implicit value sets, compose with
 * concept lists, filters, excludes, nested value sets, caps, and the accent-folding text match. */
#include "support/fixtures.h"
#include "samsvar/expand.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FSIII_URL "urn:oid:1.2.208.176.2.21"
#define VS_BASE "https://fhir.samsvar.no/ValueSet/"

static struct sv_snapshot *snap;

static cJSON *parse(const char *json)
{
	cJSON *j = cJSON_Parse(json);
	cr_assert_not_null(j, "bad test JSON: %s", json);
	return j;
}

/* The FSIII code system plus the value sets given as JSON texts (NULL-terminated list). */
static void build(const char *const *valuesets)
{
	struct sv_snapshot_builder b;
	struct sv_error err;

	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, ts_shared_json("terminology/fsiii-codesystem-20240530.json"), &err), SV_OK,
		     "%s", err.message);
	for (size_t i = 0; valuesets && valuesets[i]; i++)
		cr_assert_eq(sv_builder_add(&b, parse(valuesets[i]), &err), SV_OK, "%s", err.message);
	snap = sv_builder_build(&b, &err);
	cr_assert_not_null(snap, "%s", err.message);
	sv_builder_release(&b);
}

static void fini(void)
{
	sv_snapshot_release(snap);
	snap = NULL;
}

TestSuite(expand, .fini = fini);

static int has(const struct sv_expansion *e, const char *code)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->items[i].k->code, code) == 0)
			return 1;
	return 0;
}

/* Expands the ValueSet JSON text `vs`; returns the rc, fills e. */
static enum sv_err expand_text(const char *vs, size_t limit, struct sv_expansion *e, struct sv_error *err)
{
	cJSON *j = parse(vs);
	enum sv_err rc;

	memset(e, 0, sizeof(*e));
	sv_error_clear(err);
	rc = sv_expand(snap, j, NULL, limit, e, err);
	cJSON_Delete(j);
	return rc;
}

#define INC(body) "{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "t\",\"version\":\"1\",\"compose\":{" body "}}"

/* ---- text folding ---- */

/* ---- implicit value sets ---- */

Test(expand, implicit_all_codes)
{
	struct sv_expansion e = {0};
	struct sv_error err;
	cJSON *vs;

	build(NULL);
	vs = sv_expand_implicit(snap, FSIII_URL "?fhir_vs", &err);
	cr_assert_not_null(vs);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(vs, "url")), FSIII_URL "?fhir_vs");
	cr_assert_eq(sv_expand(snap, vs, NULL, 100000, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 828);
	cr_assert_eq(cJSON_GetArraySize(e.used_systems), 1);
	cr_assert_str_eq(cJSON_GetArrayItem(e.used_systems, 0)->valuestring, FSIII_URL "|20240530");
	sv_expansion_release(&e);
	cr_assert_null(e.items);
	cJSON_Delete(vs);
}

Test(expand, implicit_isa_subtree)
{
	struct sv_expansion e = {0};
	struct sv_error err;
	cJSON *vs;

	build(NULL);
	vs = sv_expand_implicit(snap, FSIII_URL "?fhir_vs=isa/J1", &err);
	cr_assert_not_null(vs);
	cr_assert_eq(sv_expand(snap, vs, NULL, 100000, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 12, "J1 and its 11 children");
	cr_assert(has(&e, "J1"));
	cr_assert(has(&e, "J1.1"));
	cr_assert(has(&e, "Personlig_pleje"));
	cr_assert_not(has(&e, "J2"));
	sv_expansion_release(&e);
	cJSON_Delete(vs);
}

Test(expand, implicit_unsupported_and_malformed_forms)
{
	struct sv_error err;

	build(NULL);
	sv_error_clear(&err);
	cr_assert_null(sv_expand_implicit(snap, FSIII_URL, &err), "not an implicit url");
	cr_assert_eq(err.code, SV_OK);
	cr_assert_null(sv_expand_implicit(snap, FSIII_URL "?fhir_vs=refset/123", &err));
	cr_assert_eq(err.code, SV_ENOTSUPPORTED);
	cr_assert_str_eq(err.expression, "url");
	sv_error_clear(&err);
	cr_assert_null(sv_expand_implicit(snap, FSIII_URL "?fhir_vs=isa/", &err));
	cr_assert_eq(err.code, SV_ENOTSUPPORTED);
	sv_error_clear(&err);
	cr_assert_null(sv_expand_implicit(snap, FSIII_URL "?fhir_vsx", &err));
	cr_assert_eq(err.code, SV_EINVAL);
}

/* ---- compose ---- */

Test(expand, concept_list_keeps_order_and_drops_duplicates)
{
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":["
				     "{\"code\":\"J1.3\"},{\"code\":\"J1.1\"},{\"code\":\"J1.3\"}]},"
				     "{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1.1\"},{\"code\":\"B1\"}]}]"),
				 100, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 3);
	cr_assert_str_eq(e.items[0].k->code, "J1.3");
	cr_assert_str_eq(e.items[1].k->code, "J1.1");
	cr_assert_str_eq(e.items[2].k->code, "B1");
	cr_assert_str_eq(e.items[2].k->display, "0");
	cr_assert_str_eq(e.items[0].cs->url, FSIII_URL);
	sv_expansion_release(&e);
}

/* A code the code system does not have takes nothing in (as tx.fhir.org and HL7's cases expand it);
 * the codes beside it still do. */
Test(expand, concept_list_with_unknown_code)
{
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J9.9\"},"
				     "{\"code\":\"J1\"}]}]"), 100, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 1);
	cr_assert_str_eq(e.items[0].k->code, "J1");
	sv_expansion_release(&e);
}

static size_t expand_filter(const char *prop, const char *op, const char *value, struct sv_expansion *e,
			    enum sv_err *rc, struct sv_error *err)
{
	char vs[512];
	snprintf(vs, sizeof(vs), INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"%s\","
				     "\"op\":\"%s\",\"value\":\"%s\"}]}]"), prop, op, value);
	*rc = expand_text(vs, 100000, e, err);
	return e->n;
}

Test(expand, filters)
{
	struct sv_expansion e;
	struct sv_error err;
	enum sv_err rc;

	build(NULL);
	cr_assert_eq(expand_filter("concept", "is-a", "J1", &e, &rc, &err), 12);
	cr_assert_eq(rc, SV_OK);
	cr_assert(has(&e, "J1"));
	sv_expansion_release(&e);
	cr_assert_eq(expand_filter("concept", "descendent-of", "J1", &e, &rc, &err), 11);
	cr_assert_not(has(&e, "J1"));
	sv_expansion_release(&e);
	cr_assert_eq(expand_filter("concept", "is-not-a", "J", &e, &rc, &err), 828 - 43, "J has 43 in its subtree");
	cr_assert_not(has(&e, "J1.1"));
	cr_assert(has(&e, "I1"));
	sv_expansion_release(&e);
	cr_assert_eq(expand_filter("concept", "in", "J1.1, J1.2,B1,nope", &e, &rc, &err), 3);
	cr_assert(has(&e, "J1.2"));
	sv_expansion_release(&e);
	cr_assert_eq(expand_filter("concept", "=", "J1.1", &e, &rc, &err), 1);
	cr_assert_str_eq(e.items[0].k->code, "J1.1");
	sv_expansion_release(&e);
	cr_assert_eq(expand_filter("parent", "=", "B", &e, &rc, &err), 6, "the six scale steps B1..B6");
	cr_assert(has(&e, "B6"));
	cr_assert_not(has(&e, "B"));
	sv_expansion_release(&e);
}

Test(expand, filter_errors)
{
	struct sv_expansion e;
	struct sv_error err;
	enum sv_err rc;

	build(NULL);
	expand_filter("concept", "regex", "J(", &e, &rc, &err);
	cr_assert_eq(rc, SV_EINVAL, "a regex that does not compile");
	cr_assert(strstr(err.message, "regex"), "%s", err.message);
	sv_expansion_release(&e);
	expand_filter("concept", "exists", "J", &e, &rc, &err);
	cr_assert_eq(rc, SV_ENOTSUPPORTED);
	sv_expansion_release(&e);
	{
		char big[300];
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		expand_filter("code", "regex", big, &e, &rc, &err);
		cr_assert_eq(rc, SV_ETOOBIG, "a regex over the cap");
		sv_expansion_release(&e);
	}
	expand_filter("concept", "is-a", "J9", &e, &rc, &err);
	cr_assert_eq(rc, SV_ENOTFOUND);
	cr_assert(strstr(err.message, "J9"), "%s", err.message);
	sv_expansion_release(&e);
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\","
				     "\"op\":\"is-a\"}]}]"), 100, &e, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "filter with property = concept, op = is-a has no value"), "%s", err.message);
	sv_expansion_release(&e);
}

Test(expand, exclude)
{
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\","
				     "\"op\":\"is-a\",\"value\":\"J\"}]}],"
				     "\"exclude\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1.1\"}]},"
				     "{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\","
				     "\"value\":\"J2\"}]}]"), 1000, &e, &err), SV_OK, "%s", err.message);
	cr_assert_not(has(&e, "J1.1"));
	cr_assert(has(&e, "J1.2"));
	cr_assert_not(has(&e, "J2"));
	cr_assert(has(&e, "J3"));
	cr_assert_str_eq(e.items[0].k->code, "J", "definition order kept after excludes");
	sv_expansion_release(&e);
}

Test(expand, include_with_version)
{
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"version\":\"20240530\","
				     "\"concept\":[{\"code\":\"J1\"}]}]"), 100, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 1);
	sv_expansion_release(&e);
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"version\":\"19990101\"}]"),
				 100, &e, &err), SV_ENOTFOUND);
	cr_assert(strstr(err.message, "19990101"), "%s", err.message);
	sv_expansion_release(&e);
}

Test(expand, include_of_unknown_system)
{
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"urn:oid:2.16.578.1.12.4.1.1.9111\"}]"), 100, &e, &err),
		     SV_ENOTFOUND);
	cr_assert_str_eq(err.expression, "system");
	cr_assert(strstr(err.message, "urn:oid:2.16.578.1.12.4.1.1.9111"), "%s", err.message);
	sv_expansion_release(&e);
}

Test(expand, no_compose_is_not_supported)
{
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_text("{\"resourceType\":\"ValueSet\",\"url\":\"x\"}", 100, &e, &err), SV_ENOTSUPPORTED);
	sv_expansion_release(&e);
}

Test(expand, limit_is_too_costly)
{
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"" FSIII_URL "\"}]"), 827, &e, &err), SV_ETOOCOSTLY);
	cr_assert(strstr(err.message, "828"), "%s", err.message);
	sv_expansion_release(&e);
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"" FSIII_URL "\"}]"), 828, &e, &err), SV_OK);
	sv_expansion_release(&e);
}

/* ---- nested value sets ---- */

static const char *const NESTED[] = {
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "egenomsorg\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\","
	"\"value\":\"J1\"}]}]}}",
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "skala\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"parent\",\"op\":\"=\","
	"\"value\":\"B\"}]}]}}",
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "both\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"valueSet\":[\"" VS_BASE "egenomsorg\"]},{\"valueSet\":[\"" VS_BASE "skala\"]}]}}",
	NULL,
};

Test(expand, include_whole_valuesets)
{
	struct sv_expansion e;
	struct sv_error err;

	build(NESTED);
	cr_assert_eq(expand_text(INC("\"include\":[{\"valueSet\":[\"" VS_BASE "both\"]},"
				     "{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1.1\"},{\"code\":\"J2\"}]}]"),
				 1000, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 12 + 6 + 1, "J1 subtree, B1..B6, J2 (J1.1 is already in)");
	cr_assert(has(&e, "B3"));
	cr_assert(has(&e, "J2"));
	cr_assert_eq(cJSON_GetArraySize(e.used_systems), 1);
	sv_expansion_release(&e);
}

Test(expand, include_system_intersected_with_valueset)
{
	struct sv_expansion e;
	struct sv_error err;

	build(NESTED);
	/* all of J that is also in egenomsorg = the J1 subtree */
	cr_assert_eq(expand_text(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\","
				     "\"op\":\"is-a\",\"value\":\"J\"}],\"valueSet\":[\"" VS_BASE "egenomsorg\"]}]"),
				 1000, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 12);
	sv_expansion_release(&e);
	cr_assert_eq(expand_text(INC("\"include\":[{\"valueSet\":[\"" VS_BASE "nope\"]}]"), 1000, &e, &err), SV_ENOTFOUND);
	sv_expansion_release(&e);
}

static const char *const CYCLE[] = {
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "a\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"valueSet\":[\"" VS_BASE "b\"]}]}}",
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "b\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"valueSet\":[\"" VS_BASE "a\"]}]}}",
	"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "self\",\"version\":\"1\",\"status\":\"active\","
	"\"compose\":{\"include\":[{\"valueSet\":[\"" VS_BASE "self\"]}]}}",
	NULL,
};

Test(expand, valueset_including_itself_is_an_error)
{
	struct sv_expansion e = {0};
	struct sv_error err;

	build(CYCLE);
	cr_assert_eq(sv_expand(snap, sv_snapshot_valueset(snap, VS_BASE "self", NULL)->resource, NULL, 100, &e, &err),
		     SV_EINVAL);
	sv_expansion_release(&e);
}

/* Two stored value sets that include each other must give an error, not unbounded recursion
 * (sv_expand recurses into included value sets with no depth limit; member_rec has MAX_VS_DEPTH). */
Test(expand, valuesets_including_each_other_is_an_error)
{
	struct sv_expansion e = {0};
	struct sv_error err;

	build(CYCLE);
	sv_error_clear(&err);
	cr_assert_neq(sv_expand(snap, sv_snapshot_valueset(snap, VS_BASE "a", NULL)->resource, NULL, 100, &e, &err), SV_OK);
	cr_assert_eq(err.code, SV_EINVAL);
	sv_expansion_release(&e);
}

/* ---- membership ---- */

static int member(const char *vsurl, const char *code, enum sv_err *rc)
{
	const struct sv_resource *r = sv_snapshot_valueset(snap, vsurl, NULL);
	const struct sv_concept *k = NULL;
	struct sv_error err;
	int m = -1;

	cr_assert_not_null(r, "%s", vsurl);
	*rc = sv_valueset_member(snap, r->resource, FSIII_URL, code, NULL, &m, &k, &err);
	if (m == 1)
		cr_assert_str_eq(k->code, code);
	else
		cr_assert_null(k);
	return m;
}

Test(expand, member_of_composed_valueset)
{
	enum sv_err rc;
	static const char *const vs[] = {
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "m\",\"version\":\"1\",\"compose\":{"
		"\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\","
		"\"value\":\"J1\"}]},{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"B1\"}]}],"
		"\"exclude\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1.3\"}]}]}}",
		NULL,
	};

	build(vs);
	cr_assert_eq(member(VS_BASE "m", "J1.1", &rc), 1);
	cr_assert_eq(rc, SV_OK);
	cr_assert_eq(member(VS_BASE "m", "J1", &rc), 1);
	cr_assert_eq(member(VS_BASE "m", "B1", &rc), 1);
	cr_assert_eq(member(VS_BASE "m", "B2", &rc), 0);
	cr_assert_eq(member(VS_BASE "m", "J1.3", &rc), 0, "excluded");
	cr_assert_eq(member(VS_BASE "m", "J2", &rc), 0);
	cr_assert_eq(member(VS_BASE "m", "nope", &rc), 0);
	cr_assert_eq(rc, SV_OK);
}

Test(expand, member_through_included_valueset_with_system)
{
	enum sv_err rc;
	static const char *const vs[] = {
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "egenomsorg\",\"version\":\"1\",\"compose\":{"
		"\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\","
		"\"value\":\"J1\"}]}]}}",
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "x\",\"version\":\"1\",\"compose\":{"
		"\"include\":[{\"system\":\"" FSIII_URL "\",\"valueSet\":[\"" VS_BASE "egenomsorg\"]}]}}",
		NULL,
	};

	build(vs);
	cr_assert_eq(member(VS_BASE "x", "J1.8", &rc), 1);
	cr_assert_eq(rc, SV_OK);
	cr_assert_eq(member(VS_BASE "x", "J2", &rc), 0);
}

/* A value set made only of other value sets (include.valueSet without system) expands to their codes,
 * so membership must agree with the expansion ($validate-code vs $expand). */
Test(expand, member_agrees_with_expansion_for_valueset_only_include)
{
	enum sv_err rc;

	build(NESTED);
	cr_assert_eq(member(VS_BASE "both", "J1.1", &rc), 1, "J1.1 is in the expansion of 'both'");
	cr_assert_eq(rc, SV_OK);
	cr_assert_eq(member(VS_BASE "both", "B4", &rc), 1);
	cr_assert_eq(member(VS_BASE "both", "J2", &rc), 0);
}

Test(expand, member_with_unknown_system_in_definition)
{
	struct sv_error err;
	const struct sv_concept *k;
	int m;
	cJSON *vs = parse(INC("\"include\":[{\"system\":\"urn:oid:2.16.578.1.12.4.1.1.9111\"}]"));

	build(NULL);
	cr_assert_eq(sv_valueset_member(snap, vs, "urn:oid:2.16.578.1.12.4.1.1.9111", "1", NULL, &m, &k, &err),
		     SV_ENOTFOUND);
	cr_assert_eq(sv_valueset_member(snap, vs, FSIII_URL, "J1", NULL, &m, &k, &err), SV_OK, "another system is skipped");
	cr_assert_eq(m, 0);
	cJSON_Delete(vs);
}

/* A small code system with a hierarchy (r > m > l1, l2) and properties, one under its own code for a
 * standard property (the uri says it is notSelectable). */
static const char PROPS[] =
	"[{\"resourceType\":\"CodeSystem\",\"url\":\"http://example.org/p\",\"version\":\"1\",\"status\":\"active\","
	"\"content\":\"complete\",\"property\":[{\"code\":\"not-selectable\",\"uri\":"
	"\"http://hl7.org/fhir/concept-properties#notSelectable\",\"type\":\"boolean\"},{\"code\":\"kind\",\"type\":\"code\"}],"
	"\"concept\":[{\"code\":\"r\",\"property\":[{\"code\":\"not-selectable\",\"valueBoolean\":true}],\"concept\":["
	"{\"code\":\"m\",\"property\":[{\"code\":\"kind\",\"valueCode\":\"x\"}],\"concept\":[{\"code\":\"l1\","
	"\"property\":[{\"code\":\"kind\",\"valueCode\":\"y\"},{\"code\":\"not-selectable\",\"valueBoolean\":false}]},"
	"{\"code\":\"l2\"}]}]}]}]";

static size_t props_filter(const char *prop, const char *op, const char *value, struct sv_expansion *e)
{
	char vs[512];
	struct sv_error err;
	snprintf(vs, sizeof(vs), INC("\"include\":[{\"system\":\"http://example.org/p\",\"filter\":[{\"property\":\"%s\","
				     "\"op\":\"%s\",\"value\":\"%s\"}]}]"), prop, op, value);
	cr_assert_eq(expand_text(vs, 100, e, &err), SV_OK, "%s %s %s: %s", prop, op, value, err.message);
	return e->n;
}

Test(expand, property_and_hierarchy_filters)
{
	struct sv_expansion e;

	snap = ts_snapshot_of(ts_parse_json(PROPS));
	cr_assert_eq(props_filter("notSelectable", "=", "true", &e), 1);
	cr_assert(has(&e, "r"), "the code system's own code for a standard property");
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("notSelectable", "=", "TRUE", &e), 0, "a FHIR boolean is lowercase");
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("not-selectable", "=", "false", &e), 1);
	cr_assert(has(&e, "l1"));
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("kind", "in", "x,y", &e), 2);
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("kind", "not-in", "x", &e), 3, "no kind at all is not in the list");
	cr_assert_not(has(&e, "m"));
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("kind", "exists", "false", &e), 2);
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("concept", "child-of", "m", &e), 2);
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("concept", "descendent-leaf", "r", &e), 2);
	cr_assert_not(has(&e, "m"));
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("concept", "generalizes", "l1", &e), 3, "l1, m and r");
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("concept", "not-in", "r,m", &e), 2);
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("code", "regex", "l[0-9]", &e), 2, "the whole code must match");
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("code", "regex", "l", &e), 0);
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("kind", "regex", "[xz]", &e), 1, "on a property value");
	sv_expansion_release(&e);
	cr_assert_eq(props_filter("code", "regex", "((a+)+)+", &e), 0, "no catastrophic backtracking");
	sv_expansion_release(&e);
}

Test(expand, a_contained_value_set_is_found_by_its_local_reference)
{
	struct sv_expansion e;
	struct sv_error err;
	const char *vs = "{\"resourceType\":\"ValueSet\",\"status\":\"active\",\"contained\":[{\"resourceType\":\"ValueSet\","
			 "\"id\":\"in\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\"" FSIII_URL "\","
			 "\"concept\":[{\"code\":\"J2\"}]}]}}],\"compose\":{\"include\":[{\"valueSet\":[\"#in\"]}]}}";
	cJSON *j;
	int member = 0;

	build(NULL);
	cr_assert_eq(expand_text(vs, 100, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 1);
	cr_assert(has(&e, "J2"));
	sv_expansion_release(&e);
	j = parse(vs);
	cr_assert_eq(sv_valueset_member(snap, j, FSIII_URL, "J2", NULL, &member, NULL, &err), SV_OK, "%s", err.message);
	cr_assert_eq(member, 1);
	cJSON_Delete(j);
	cr_assert_eq(expand_text("{\"resourceType\":\"ValueSet\",\"status\":\"active\",\"compose\":{\"include\":"
				 "[{\"valueSet\":[\"#nowhere\"]}]}}", 100, &e, &err), SV_ENOTFOUND);
	sv_expansion_release(&e);
}

Test(expand, membership_with_a_forced_version)
{
	struct sv_vs_force force = {FSIII_URL, "20240530"};
	struct sv_error err;
	cJSON *vs;
	int m = 0;

	build(NULL);
	vs = parse(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"version\":\"19990101\"}]"));
	cr_assert_eq(sv_valueset_member(snap, vs, FSIII_URL, "J1", NULL, &m, NULL, &err), SV_ENOTFOUND,
		     "the pinned version is not held");
	cr_assert_eq(sv_valueset_member(snap, vs, FSIII_URL, "J1", &force, &m, NULL, &err), SV_OK, "%s", err.message);
	cr_assert_eq(m, 1, "force-system-version replaces the pinned version");
	force.system = "urn:oid:other";
	cr_assert_eq(sv_valueset_member(snap, vs, FSIII_URL, "J1", &force, &m, NULL, &err), SV_ENOTFOUND,
		     "a force for another system changes nothing");
	cJSON_Delete(vs);
}

/* ---- options (struct sv_expand_opts) ---- */

/* Expands `vs` (JSON text) with `opts`. */
static enum sv_err expand_opts(const char *vs, const struct sv_expand_opts *opts, struct sv_expansion *e,
			       struct sv_error *err)
{
	cJSON *j = parse(vs);
	enum sv_err rc;

	memset(e, 0, sizeof(*e));
	rc = sv_expand(snap, j, opts, 100000, e, err);
	cJSON_Delete(j);
	return rc;
}

static long index_of(const struct sv_expansion *e, const char *code)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->items[i].k->code, code) == 0)
			return (long)i;
	return -1;
}

Test(expand, nest_sets_each_parent_and_a_concept_list_stays_flat)
{
	struct sv_expand_opts opts = {.nest = 1};
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_opts(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\","
				     "\"op\":\"is-a\",\"value\":\"J1\"}]}]"), &opts, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.items[index_of(&e, "J1")].parent, -1);
	cr_assert_eq(e.items[index_of(&e, "J1.1")].parent, index_of(&e, "J1"));
	cr_assert_eq(e.items[index_of(&e, "J1.1")].nestable, 2, "taken in by a filter");
	sv_expansion_release(&e);
	cr_assert_eq(expand_opts(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1\"},"
				     "{\"code\":\"J1.1\"}]}]"), &opts, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.items[index_of(&e, "J1.1")].parent, -1, "an enumeration keeps its own order, flat");
	sv_expansion_release(&e);
	opts.nest = 0;
	cr_assert_eq(expand_opts(INC("\"include\":[{\"system\":\"" FSIII_URL "\"}]"), &opts, &e, &err), SV_OK);
	cr_assert_eq(e.items[index_of(&e, "J1.1")].parent, -1, "no nesting asked for");
	sv_expansion_release(&e);
}

/* "If multiple value sets are specified this includes the intersection of the contents" (ValueSet.compose.include.valueSet). */
Test(expand, several_value_sets_in_one_include_are_intersected)
{
	static const char *const vss[] = {
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "j1\",\"version\":\"1\",\"status\":\"active\",\"compose\":{\"include\":"
		"[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\",\"value\":\"J1\"}]}]}}",
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "two\",\"version\":\"2\",\"status\":\"active\",\"compose\":"
		"{\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1.1\"},{\"code\":\"J2\"}]}]}}",
		NULL};
	struct sv_expansion e;
	struct sv_error err;

	build(vss);
	cr_assert_eq(expand_opts(INC("\"include\":[{\"valueSet\":[\"" VS_BASE "j1\",\"" VS_BASE "two\"]}]"), NULL, &e, &err),
		     SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 1, "only J1.1 is in both");
	cr_assert(has(&e, "J1.1"));
	cr_assert_eq(cJSON_GetArraySize(e.used_valuesets), 2);
	cr_assert_str_eq(cJSON_GetArrayItem(e.used_valuesets, 0)->valuestring, VS_BASE "j1|1");
	cr_assert_str_eq(cJSON_GetArrayItem(e.used_valuesets, 1)->valuestring, VS_BASE "two|2");
	sv_expansion_release(&e);
}

Test(expand, active_only_and_version_rules)
{
	struct sv_vc_version_rule rules[] = {{SV_VC_FORCE_VERSION, FSIII_URL, "20240530"},
					     {SV_VC_CHECK_VERSION, FSIII_URL, "1999"}};
	struct sv_expand_opts opts = {.rules = rules, .nrules = 1};
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_opts(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"version\":\"1.0\",\"concept\":"
				     "[{\"code\":\"J1\"}]}]"), &opts, &e, &err), SV_OK, "force replaces the include's 1.0: %s",
		     err.message);
	cr_assert_eq(e.rules_used, 1u, "the force rule chose the version");
	sv_expansion_release(&e);
	opts.nrules = 2;
	cr_assert_eq(expand_opts(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1\"}]}]"), &opts,
				 &e, &err), SV_EINVAL, "20240530 is not 1999");
	cr_assert_str_eq(err.expression, "check-system-version");
	sv_expansion_release(&e);
	cr_assert_eq(expand_opts(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"version\":\"1.0\"}]"), NULL, &e, &err),
		     SV_ENOTFOUND);
	cr_assert(strstr(err.message, "Valid versions: 20240530"), "%s", err.message);
	cr_assert_str_eq(err.expression, "version");
	sv_expansion_release(&e);
}

/* default-valueset-version picks the version of a value set imported without one; one not held is
 * SV_ENOTFOUND at "valueSet". */
Test(expand, default_valueset_version_pins_an_import)
{
	static const char *const vss[] = {
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "two\",\"version\":\"2\",\"status\":\"active\",\"compose\":"
		"{\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1.1\"},{\"code\":\"J2\"}]}]}}",
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "two\",\"version\":\"3\",\"status\":\"active\",\"compose\":"
		"{\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J2\"}]}]}}",
		NULL};
	struct sv_vc_version_rule rule = {SV_VC_VALUESET_VERSION, VS_BASE "two", "2"};
	struct sv_expand_opts opts = {.rules = &rule, .nrules = 1};
	struct sv_expansion e;
	struct sv_error err;

	build(vss);
	cr_assert_eq(expand_opts(INC("\"include\":[{\"valueSet\":[\"" VS_BASE "two\"]}]"), NULL, &e, &err), SV_OK);
	cr_assert_eq(e.n, 1, "the latest, 3, without the rule");
	sv_expansion_release(&e);
	cr_assert_eq(expand_opts(INC("\"include\":[{\"valueSet\":[\"" VS_BASE "two\"]}]"), &opts, &e, &err), SV_OK,
		     "%s", err.message);
	cr_assert_eq(e.n, 2, "version 2 as the rule asks");
	sv_expansion_release(&e);
	rule.version = "9";
	cr_assert_eq(expand_opts(INC("\"include\":[{\"valueSet\":[\"" VS_BASE "two\"]}]"), &opts, &e, &err), SV_ENOTFOUND);
	cr_assert_str_eq(err.expression, "valueSet");
	cr_assert(strstr(err.message, "version 9"), "%s", err.message);
	sv_expansion_release(&e);
}

/* compose.exclude.valueSet takes out every code of the value sets it names; a value set that excludes
 * one that imports it is a cycle, refused at "valueSet". */
Test(expand, exclude_whole_value_sets_and_refuse_a_cycle)
{
	static const char *const vss[] = {
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "j1\",\"version\":\"1\",\"status\":\"active\",\"compose\":"
		"{\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\",\"value\":\"J1\"}]}],"
		"\"exclude\":[{\"valueSet\":[\"" VS_BASE "j1-1\"]}]}}",
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "j1-1\",\"version\":\"1\",\"status\":\"active\",\"compose\":"
		"{\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1.1\"}]}]}}",
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "c1\",\"version\":\"1\",\"status\":\"active\",\"compose\":"
		"{\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1\"}]},{\"valueSet\":[\"" VS_BASE "c2\"]}]}}",
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "c2\",\"version\":\"1\",\"status\":\"active\",\"compose\":"
		"{\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J2\"}]}],\"exclude\":[{\"valueSet\":[\""
		VS_BASE "c1\"]}]}}",
		NULL};
	struct sv_expansion e = {0};
	struct sv_error err;

	build(vss);
	cr_assert_eq(sv_expand(snap, sv_snapshot_valueset(snap, VS_BASE "j1", NULL)->resource, NULL, 1000, &e, &err), SV_OK,
		     "%s", err.message);
	cr_assert_eq(e.n, 11, "J1 and its children but J1.1");
	cr_assert_not(has(&e, "J1.1"));
	sv_expansion_release(&e);
	cr_assert_eq(sv_expand(snap, sv_snapshot_valueset(snap, VS_BASE "c1", NULL)->resource, NULL, 1000, &e, &err),
		     SV_EINVAL);
	cr_assert_str_eq(err.expression, "valueSet");
	cr_assert(strstr(err.message, "Cyclic reference"), "%s", err.message);
	sv_expansion_release(&e);
}

/* A compose with excludes expands flat even when nesting is asked for (the tree would have holes). */
Test(expand, excludes_make_a_flat_list)
{
	struct sv_expand_opts opts = {.nest = 1};
	struct sv_expansion e;
	struct sv_error err;

	build(NULL);
	cr_assert_eq(expand_opts(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\","
				     "\"op\":\"is-a\",\"value\":\"J1\"}]}],\"exclude\":[{\"system\":\"" FSIII_URL "\","
				     "\"concept\":[{\"code\":\"J1.2\"}]}]"), &opts, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.n, 11);
	cr_assert_eq(e.items[index_of(&e, "J1.1")].parent, -1);
	sv_expansion_release(&e);
}

/* Each item remembers the compose.include.concept entry that listed it (whose extensions and
 * designations its contains entry carries), through an imported value set too; a filter lists none. */
Test(expand, an_item_keeps_the_include_concept_that_listed_it)
{
	static const char *const listing[] = {
		"{\"resourceType\":\"ValueSet\",\"url\":\"" VS_BASE "listing\",\"version\":\"1\",\"status\":\"active\","
		"\"compose\":{\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J2\",\"extension\":"
		"[{\"url\":\"http://hl7.org/fhir/StructureDefinition/valueset-label\",\"valueString\":\"b.\"}]}]}]}}",
		NULL,
	};
	cJSON *vs = parse(INC("\"include\":[{\"system\":\"" FSIII_URL "\",\"concept\":[{\"code\":\"J1.1\",\"extension\":"
			      "[{\"url\":\"http://hl7.org/fhir/StructureDefinition/valueset-label\",\"valueString\":\"a.\"}]}]},"
			      "{\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\",\"value\":\"J1\"}]},"
			      "{\"valueSet\":[\"" VS_BASE "listing\"]}]"));
	const cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(vs, "compose"), "include"), 0), "concept"), 0);
	struct sv_expansion e = {0};
	struct sv_error err;
	const cJSON *j2;

	build(listing);
	cr_assert_eq(sv_expand(snap, vs, NULL, 1000, &e, &err), SV_OK, "%s", err.message);
	cr_assert_eq(e.items[index_of(&e, "J1.1")].listed, first, "J1.1's own entry, though the filter takes it too");
	cr_assert_null(e.items[index_of(&e, "J1")].listed, "a filter lists nothing");
	j2 = e.items[index_of(&e, "J2")].listed;
	cr_assert_not_null(j2, "imported from a value set that lists it");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j2, "extension"), 0),
								  "valueString")), "b.");
	sv_expansion_release(&e);
	cJSON_Delete(vs);
}
