/* test_snapshot.c — immutable snapshots: hierarchy flattening (nested FSIII, parent-property ICF),
 * consistency errors, version ordering and "latest", lookups, subsumption, the registry swap. */
#include "samsvar/snapshot.h"
#include "samsvar/store.h"
#include "support/support.h"

#include "support/fixtures.h"
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FSIII_URL "urn:oid:1.2.208.176.2.21"
#define ICF_URL "http://hl7.org/fhir/sid/icf"
#define SCT_URL "http://snomed.info/sct"
#define SCT_EDITION "http://snomed.info/sct/900000000000207008"
#define TEST_URL "https://fhir.samsvar.no/CodeSystem/test-dag"

/* ---- helpers ---- */



static cJSON *concept(const char *code, const char *display, const char *parent1, const char *parent2)
{
	cJSON *c = cJSON_CreateObject(), *props;
	cJSON_AddStringToObject(c, "code", code);
	if (display)
		cJSON_AddStringToObject(c, "display", display);
	if (parent1 || parent2) {
		props = cJSON_AddArrayToObject(c, "property");
		for (int i = 0; i < 2; i++) {
			const char *pc = i ? parent2 : parent1;
			cJSON *p;
			if (!pc)
				continue;
			p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "code", "parent");
			cJSON_AddStringToObject(p, "valueCode", pc);
			cJSON_AddItemToArray(props, p);
		}
	}
	return c;
}

static cJSON *resource(const char *type, const char *url, const char *version, const char *status)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "resourceType", type);
	cJSON_AddStringToObject(r, "url", url);
	cJSON_AddStringToObject(r, "version", version);
	if (status)
		cJSON_AddStringToObject(r, "status", status);
	return r;
}

/* A made-up DAG: A; B, C is-a A; D is-a B and C; E is-a D; F alone. */
static cJSON *dag_cs(const char *version)
{
	cJSON *cs = resource("CodeSystem", TEST_URL, version, "active"), *k = cJSON_AddArrayToObject(cs, "concept");
	cJSON_AddItemToArray(k, concept("A", "top", NULL, NULL));
	cJSON_AddItemToArray(k, concept("B", "left", "A", NULL));
	cJSON_AddItemToArray(k, concept("C", "right", "A", NULL));
	cJSON_AddItemToArray(k, concept("D", "both", "B", "C"));
	cJSON_AddItemToArray(k, concept("E", "leaf", "D", NULL));
	cJSON_AddItemToArray(k, concept("F", "alone", NULL, NULL));
	return cs;
}

static struct sv_snapshot *build1(cJSON *res, struct sv_error *err)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;

	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, res, err), SV_OK, "%s", err->message);
	s = sv_builder_build(&b, err);
	sv_builder_release(&b);
	return s;
}

static uint32_t idx(const struct sv_codesystem *cs, const char *code)
{
	const struct sv_concept *k = sv_codesystem_concept(cs, code);
	cr_assert_not_null(k, "%s not in %s", code, cs->url);
	return (uint32_t)(k - cs->concepts);
}

static int has_code(const struct sv_codesystem *cs, const uint32_t *list, uint32_t n, const char *code)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(cs->concepts[list[i]].code, code) == 0)
			return 1;
	return 0;
}

/* ---- version ordering ---- */

Test(snapshot, version_cmp)
{
	cr_assert_gt(sv_version_cmp("1.10", "1.9"), 0);
	cr_assert_lt(sv_version_cmp("1.9", "1.10"), 0);
	cr_assert_gt(sv_version_cmp("20240530", "20200101"), 0);
	cr_assert_eq(sv_version_cmp("1.2.3", "1.2.3"), 0);
	cr_assert_eq(sv_version_cmp("01.2", "1.2"), 0, "leading zeros do not count");
	cr_assert_lt(sv_version_cmp("1.0", "1.0.1"), 0);
	cr_assert_gt(sv_version_cmp("2.0", "1.99.99"), 0);
	cr_assert_lt(sv_version_cmp("1.0-alpha", "1.0-beta"), 0);
	cr_assert_gt(sv_version_cmp(SCT_EDITION "/version/20240101", SCT_EDITION "/version/20200731"), 0);
	cr_assert_eq(sv_version_cmp("", ""), 0);
	cr_assert_lt(sv_version_cmp("", "1"), 0);
}

/* ---- flattening ---- */

Test(snapshot, fsiii_nested_concepts_are_flattened)
{
	cJSON *res = ts_shared_json("terminology/fsiii-codesystem-20240530.json");
	struct sv_error err;
	struct sv_snapshot *s = build1(res, &err);
	const struct sv_codesystem *cs;
	const struct sv_concept *j, *j1, *j11;

	cr_assert_not_null(s, "%s", err.message);
	cs = sv_snapshot_codesystem(s, FSIII_URL, NULL);
	cr_assert_not_null(cs);
	cr_assert_eq(cs->nconcepts, 828, "the file says count 828");
	cr_assert_str_eq(cs->version, "20240530");
	cr_assert_str_eq(cs->name, "FSIII");
	cr_assert_str_eq(cs->id, "FSIII");
	cr_assert_str_eq(cs->content, "complete");
	cr_assert(cs->case_sensitive);
	cr_assert(cs->is_latest);
	j = sv_codesystem_concept(cs, "J");
	j1 = sv_codesystem_concept(cs, "J1");
	j11 = sv_codesystem_concept(cs, "J1.1");
	cr_assert_not_null(j);
	cr_assert_not_null(j1);
	cr_assert_not_null(j11);
	cr_assert_str_eq(j1->display, "Egenomsorg");
	cr_assert_str_eq(j11->display, "Vaske sig");
	cr_assert_not_null(j11->definition);
	cr_assert_eq(j->nparents, 0);
	cr_assert_eq(j1->nparents, 1);
	cr_assert_str_eq(cs->concepts[j1->parents[0]].code, "J");
	cr_assert_eq(j11->nparents, 1);
	cr_assert_str_eq(cs->concepts[j11->parents[0]].code, "J1");
	cr_assert_eq(j1->nchildren, 11);
	cr_assert(has_code(cs, j1->children, j1->nchildren, "J1.1"));
	cr_assert(has_code(cs, j1->children, j1->nchildren, "J1.8"));
	cr_assert(has_code(cs, j->children, j->nchildren, "J5"));
	cr_assert(sv_codesystem_subsumes(cs, idx(cs, "J"), idx(cs, "J1.1")));
	cr_assert_not(sv_codesystem_subsumes(cs, idx(cs, "J1.1"), idx(cs, "J")));
	cr_assert_not(sv_codesystem_subsumes(cs, idx(cs, "I1"), idx(cs, "J1.1")));
	cr_assert_null(sv_codesystem_concept(cs, "j1.1"), "FSIII is case-sensitive");
	cr_assert_null(sv_codesystem_concept(cs, NULL));
	/* The concept keeps its JSON (designations live there). */
	cr_assert_not_null(cJSON_GetObjectItem(sv_codesystem_concept(cs, "I4.9")->json, "designation"));
	sv_snapshot_release(s);
}

Test(snapshot, icf_parent_property_form)
{
	cJSON *res = ts_icf();
	struct sv_error err;
	struct sv_snapshot *s = build1(res, &err);
	const struct sv_codesystem *cs;
	const struct sv_concept *b152, *b1528;

	cr_assert_not_null(s, "%s", err.message);
	cs = sv_snapshot_codesystem(s, ICF_URL, "2001");
	cr_assert_not_null(cs);
	cr_assert_eq(cs->nconcepts, 1495, "icf.tsv has 1495 rows");
	b1528 = sv_codesystem_concept(cs, "b1528");
	b152 = sv_codesystem_concept(cs, "b152");
	cr_assert_str_eq(b1528->display, "Emotional functions, other specified");
	cr_assert_eq(b1528->nparents, 1);
	cr_assert_str_eq(cs->concepts[b1528->parents[0]].code, "b152");
	cr_assert_eq(b152->nchildren, 5, "b1520 b1521 b1522 b1528 b1529");
	cr_assert(has_code(cs, b152->children, b152->nchildren, "b1528"));
	cr_assert_str_eq(cs->concepts[b152->parents[0]].code, "b140-b189");
	/* component > chapter > block > category > subcategory */
	cr_assert(sv_codesystem_subsumes(cs, idx(cs, "b"), idx(cs, "b1528")));
	cr_assert(sv_codesystem_subsumes(cs, idx(cs, "b1"), idx(cs, "b1528")));
	cr_assert(sv_codesystem_subsumes(cs, idx(cs, "d5"), idx(cs, "d5100")));
	cr_assert_not(sv_codesystem_subsumes(cs, idx(cs, "d5"), idx(cs, "b1528")));
	cr_assert_not(sv_codesystem_subsumes(cs, idx(cs, "d5101"), idx(cs, "d5100")), "siblings");
	sv_snapshot_release(s);
}

Test(snapshot, nested_and_property_parent_are_merged)
{
	cJSON *cs = resource("CodeSystem", TEST_URL, "1", "active"), *top, *kids;
	struct sv_error err;
	struct sv_snapshot *s;
	const struct sv_codesystem *c;
	const struct sv_concept *k;

	top = concept("P", "parent", NULL, NULL);
	kids = cJSON_AddArrayToObject(top, "concept");
	/* nested under P and also naming P (and Q, and itself) as parent */
	cJSON_AddItemToArray(kids, concept("K", "kid", "P", "Q"));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cs, "concept"), top);
	cJSON_AddItemToArray(cJSON_GetObjectItem(cs, "concept"), concept("Q", "other", NULL, NULL));
	cJSON_AddItemToArray(cJSON_GetObjectItem(cs, "concept"), concept("S", "self", "S", NULL));
	s = build1(cs, &err);
	cr_assert_not_null(s, "%s", err.message);
	c = sv_snapshot_codesystem(s, TEST_URL, NULL);
	k = sv_codesystem_concept(c, "K");
	cr_assert_eq(k->nparents, 2, "P once (nested + property), Q once");
	cr_assert(has_code(c, k->parents, k->nparents, "P"));
	cr_assert(has_code(c, k->parents, k->nparents, "Q"));
	cr_assert_eq(sv_codesystem_concept(c, "P")->nchildren, 1);
	cr_assert_eq(sv_codesystem_concept(c, "S")->nparents, 0, "a concept is not its own parent");
	sv_snapshot_release(s);
}

Test(snapshot, duplicate_code_is_an_error)
{
	cJSON *cs = resource("CodeSystem", TEST_URL, "1", "active"), *top;
	struct sv_error err;

	top = concept("A", "a", NULL, NULL);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(top, "concept"), concept("A", "again", NULL, NULL));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cs, "concept"), top);
	sv_error_clear(&err);
	cr_assert_null(build1(cs, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "'A' is defined twice"), "%s", err.message);
}

Test(snapshot, unknown_parent_is_an_error)
{
	cJSON *cs = resource("CodeSystem", TEST_URL, "1", "active");
	struct sv_snapshot_builder b;
	struct sv_error err;

	cJSON_AddItemToArray(cJSON_AddArrayToObject(cs, "concept"), concept("A", "a", "NOPE", NULL));
	sv_builder_init(&b);
	/* a good code system before it must be freed too */
	cr_assert_eq(sv_builder_add(&b, dag_cs("1"), &err), SV_OK);
	cr_assert_eq(sv_builder_add(&b, cs, &err), SV_OK);
	cr_assert_null(sv_builder_build(&b, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cr_assert(strstr(err.message, "parent 'NOPE' of 'A'"), "%s", err.message);
	sv_builder_release(&b);
}

Test(snapshot, concept_without_code_is_an_error)
{
	cJSON *cs = resource("CodeSystem", TEST_URL, "1", "active"), *c = cJSON_CreateObject();
	struct sv_error err;

	cJSON_AddStringToObject(c, "display", "no code");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cs, "concept"), c);
	cr_assert_null(build1(cs, &err));
	cr_assert(strstr(err.message, "no code"), "%s", err.message);
}

Test(snapshot, nesting_deeper_than_64_is_an_error)
{
	cJSON *cs = resource("CodeSystem", TEST_URL, "1", "active"), *list = cJSON_AddArrayToObject(cs, "concept");
	struct sv_error err;
	char code[16];

	for (int i = 0; i < 80; i++) {
		cJSON *c;
		snprintf(code, sizeof(code), "L%d", i);
		c = concept(code, NULL, NULL, NULL);
		cJSON_AddItemToArray(list, c);
		list = cJSON_AddArrayToObject(c, "concept");
	}
	cr_assert_null(build1(cs, &err));
	cr_assert(strstr(err.message, "deeper than 64"), "%s", err.message);
}

/* ---- builder ---- */

Test(snapshot, builder_rejects_and_replaces)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	struct sv_error err;
	cJSON *p = cJSON_CreateObject(), *nover = cJSON_CreateObject(), *v1, *v1b;

	cJSON_AddStringToObject(p, "resourceType", "Patient");
	cJSON_AddStringToObject(nover, "resourceType", "ValueSet");
	cJSON_AddStringToObject(nover, "url", "https://fhir.samsvar.no/ValueSet/x");
	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, p, &err), SV_EINVAL);
	cr_assert_eq(sv_builder_add(&b, nover, &err), SV_EINVAL);
	v1 = resource("ValueSet", "https://fhir.samsvar.no/ValueSet/x", "1", "draft");
	v1b = resource("ValueSet", "https://fhir.samsvar.no/ValueSet/x", "1", "active");
	cr_assert_eq(sv_builder_add(&b, v1, &err), SV_OK);
	cr_assert_eq(sv_builder_add(&b, v1b, &err), SV_OK);
	s = sv_builder_build(&b, &err);
	cr_assert_not_null(s, "%s", err.message);
	cr_assert_eq(s->nvs, 1, "same type+url+version replaces");
	cr_assert_str_eq(s->vs[0].status, "active");
	cr_assert_eq(b.n, 0, "build empties the builder");
	sv_builder_release(&b);
	sv_snapshot_release(s);
}

/* 20,000 resources, every tenth given twice: the later copy replaces the earlier one (the builder finds
 * duplicates by hash, so this stays quick; the test asserts the result, not the time). */
Test(snapshot, builder_many_resources_with_duplicates)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	struct sv_error err = {0};
	char url[96];

	sv_builder_init(&b);
	for (int i = 0; i < 20000; i++) {
		snprintf(url, sizeof(url), "https://fhir.samsvar.no/ValueSet/v%d", i);
		cr_assert_eq(sv_builder_add(&b, resource("ValueSet", url, "1", "draft"), &err), SV_OK);
	}
	for (int i = 0; i < 20000; i += 10) {
		snprintf(url, sizeof(url), "https://fhir.samsvar.no/ValueSet/v%d", i);
		cr_assert_eq(sv_builder_add(&b, resource("ValueSet", url, "1", "active"), &err), SV_OK);
	}
	cr_assert_eq(b.n, 20000);
	s = sv_builder_build(&b, &err);
	cr_assert_not_null(s, "%s", err.message);
	cr_assert_eq(s->nvs, 20000);
	for (int i = 0; i < 20000; i += 1000) {
		snprintf(url, sizeof(url), "https://fhir.samsvar.no/ValueSet/v%d", i);
		cr_assert_str_eq(sv_snapshot_valueset(s, url, NULL)->status, "active");
		snprintf(url, sizeof(url), "https://fhir.samsvar.no/ValueSet/v%d", i + 1);
		cr_assert_str_eq(sv_snapshot_valueset(s, url, "1")->status, "draft");
	}
	sv_builder_release(&b);
	sv_snapshot_release(s);
}

/* ---- latest version and lookups ---- */

Test(snapshot, latest_codesystem_is_highest_version)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	struct sv_error err;
	const struct sv_codesystem *l;

	sv_builder_init(&b);
	sv_builder_add(&b, dag_cs("1.9"), &err);
	sv_builder_add(&b, dag_cs("1.10"), &err);
	/* an active version outranks a higher draft (one being written over the API), as for maps */
	sv_builder_add(&b, resource("CodeSystem", FSIII_URL, "20200101", "active"), &err);
	sv_builder_add(&b, resource("CodeSystem", FSIII_URL, "20240530", "draft"), &err);
	sv_builder_add(&b, resource("CodeSystem", FSIII_URL, "20220101", "active"), &err);
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(s, "%s", err.message);
	l = sv_snapshot_codesystem(s, TEST_URL, NULL);
	cr_assert_str_eq(l->version, "1.10");
	cr_assert(l->is_latest);
	cr_assert_not(sv_snapshot_codesystem(s, TEST_URL, "1.9")->is_latest);
	cr_assert_str_eq(sv_snapshot_codesystem(s, TEST_URL, "")->version, "1.10", "\"\" means latest");
	cr_assert_str_eq(sv_snapshot_codesystem(s, FSIII_URL, NULL)->version, "20220101");
	cr_assert_str_eq(sv_snapshot_codesystem(s, FSIII_URL, "20240530")->version, "20240530",
			 "the draft answers when named");
	cr_assert_str_eq(sv_snapshot_codesystem(s, FSIII_URL, "20200101")->version, "20200101");
	cr_assert_null(sv_snapshot_codesystem(s, FSIII_URL, "19990101"));
	cr_assert_null(sv_snapshot_codesystem(s, "urn:oid:0.0", NULL));
	cr_assert_null(sv_snapshot_codesystem(s, NULL, NULL));
	sv_snapshot_release(s);
}

Test(snapshot, active_preferred_for_valuesets_and_conceptmaps)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	struct sv_error err;
	const char *vsu = "https://fhir.samsvar.no/ValueSet/iplos-funksjon";
	const char *cmu = "https://fhir.samsvar.no/ConceptMap/iplos-icf";

	sv_builder_init(&b);
	sv_builder_add(&b, resource("ValueSet", vsu, "2.0", "draft"), &err);
	sv_builder_add(&b, resource("ValueSet", vsu, "1.0", "active"), &err);
	sv_builder_add(&b, resource("ValueSet", vsu, "1.5", "active"), &err);
	sv_builder_add(&b, resource("ConceptMap", cmu, "0.2", "draft"), &err);
	sv_builder_add(&b, resource("ConceptMap", cmu, "0.1", "active"), &err);
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(s, "%s", err.message);
	cr_assert_str_eq(sv_snapshot_valueset(s, vsu, NULL)->version, "1.5");
	cr_assert(sv_snapshot_valueset(s, vsu, "1.5")->is_latest);
	cr_assert_not(sv_snapshot_valueset(s, vsu, "2.0")->is_latest);
	cr_assert_str_eq(sv_snapshot_valueset(s, vsu, "2.0")->status, "draft", "drafts stay reachable by version");
	cr_assert_str_eq(sv_snapshot_conceptmap(s, cmu, NULL)->version, "0.1");
	cr_assert_str_eq(sv_snapshot_conceptmap(s, cmu, "0.2")->version, "0.2");
	cr_assert_null(sv_snapshot_valueset(s, cmu, NULL), "types are kept apart");
	cr_assert_null(sv_snapshot_conceptmap(s, vsu, NULL));
	sv_snapshot_release(s);
}

/* A request layer keeps two ConceptMaps of one url and version side by side (a client sent both), both
 * the latest of their url; the store's builder keeps the later one only; other types are replaced. */
Test(snapshot, a_layer_keeps_twin_conceptmaps_the_store_does_not)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	struct sv_error err;
	const char *cmu = "http://example.org/ConceptMap/twin", *vsu = "http://example.org/ValueSet/v";

	for (int layer = 0; layer < 2; layer++) {
		enum sv_err (*add)(struct sv_snapshot_builder *, cJSON *, struct sv_error *) =
			layer ? sv_builder_add_layer : sv_builder_add;
		sv_builder_init(&b);
		cr_assert_eq(add(&b, resource("ConceptMap", cmu, "1", "active"), &err), SV_OK);
		cr_assert_eq(add(&b, resource("ConceptMap", cmu, "1", "active"), &err), SV_OK);
		cr_assert_eq(add(&b, resource("ConceptMap", cmu, "0.9", "active"), &err), SV_OK);
		cr_assert_eq(add(&b, resource("ValueSet", vsu, "1", "draft"), &err), SV_OK);
		cr_assert_eq(add(&b, resource("ValueSet", vsu, "1", "active"), &err), SV_OK);
		s = sv_builder_build(&b, &err);
		sv_builder_release(&b);
		cr_assert_not_null(s, "%s", err.message);
		cr_assert_eq(s->ncm, layer ? 3u : 2u, "layer %d", layer);
		cr_assert_eq(s->nvs, 1u, "value sets are replaced in both");
		cr_assert(s->cm[0].is_latest);
		cr_assert_eq(s->cm[1].is_latest, layer, "the twin is latest too in a layer");
		cr_assert_not(s->cm[layer ? 2 : 1].is_latest, "0.9 is not");
		sv_snapshot_release(s);
	}
}

Test(snapshot, snomed_edition_prefix_picks_latest_of_edition)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	struct sv_error err;
	const struct sv_codesystem *c;

	sv_builder_init(&b);
	sv_builder_add(&b, resource("CodeSystem", SCT_URL, SCT_EDITION "/version/20200731", "active"), &err);
	sv_builder_add(&b, resource("CodeSystem", SCT_URL, SCT_EDITION "/version/20240101", "active"), &err);
	sv_builder_add(&b, resource("CodeSystem", SCT_URL, "http://snomed.info/sct/51000202101/version/20250315",
				    "active"), &err);
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(s, "%s", err.message);
	c = sv_snapshot_codesystem(s, SCT_URL, SCT_EDITION);
	cr_assert_not_null(c);
	cr_assert_str_eq(c->version, SCT_EDITION "/version/20240101");
	c = sv_snapshot_codesystem(s, SCT_URL, SCT_EDITION "/version/20200731");
	cr_assert_str_eq(c->version, SCT_EDITION "/version/20200731");
	c = sv_snapshot_codesystem(s, SCT_URL, "http://snomed.info/sct/51000202101");
	cr_assert_not_null(c);
	cr_assert_str_eq(c->version, "http://snomed.info/sct/51000202101/version/20250315");
	cr_assert_null(sv_snapshot_codesystem(s, SCT_URL, SCT_EDITION "/version/19990101"));
	/* A prefix only counts at a path boundary: ".../sct/9" is not edition 900000000000207008. */
	cr_assert_null(sv_snapshot_codesystem(s, SCT_URL, "http://snomed.info/sct/9"));
	cr_assert_null(sv_snapshot_codesystem(s, SCT_URL, SCT_EDITION "/version/2020"));
	sv_snapshot_release(s);
}

Test(snapshot, subsumes_on_a_dag_with_two_parents)
{
	struct sv_error err;
	struct sv_snapshot *s = build1(dag_cs("1"), &err);
	const struct sv_codesystem *cs = sv_snapshot_codesystem(s, TEST_URL, "1");
	const struct sv_concept *d = sv_codesystem_concept(cs, "D");

	cr_assert_eq(d->nparents, 2);
	cr_assert_eq(sv_codesystem_concept(cs, "A")->nchildren, 2);
	cr_assert(sv_codesystem_subsumes(cs, idx(cs, "A"), idx(cs, "E")));
	cr_assert(sv_codesystem_subsumes(cs, idx(cs, "B"), idx(cs, "E")));
	cr_assert(sv_codesystem_subsumes(cs, idx(cs, "C"), idx(cs, "E")), "through the second parent");
	cr_assert(sv_codesystem_subsumes(cs, idx(cs, "C"), idx(cs, "D")));
	cr_assert(sv_codesystem_subsumes(cs, idx(cs, "E"), idx(cs, "E")), "a concept subsumes itself");
	cr_assert_not(sv_codesystem_subsumes(cs, idx(cs, "B"), idx(cs, "C")));
	cr_assert_not(sv_codesystem_subsumes(cs, idx(cs, "E"), idx(cs, "A")));
	cr_assert_not(sv_codesystem_subsumes(cs, idx(cs, "A"), idx(cs, "F")));
	sv_snapshot_release(s);
}

Test(snapshot, subsumes_terminates_on_a_cycle)
{
	cJSON *cs = resource("CodeSystem", TEST_URL, "1", "active"), *k = cJSON_AddArrayToObject(cs, "concept");
	struct sv_error err;
	struct sv_snapshot *s;
	const struct sv_codesystem *c;

	cJSON_AddItemToArray(k, concept("X", NULL, "Y", NULL));
	cJSON_AddItemToArray(k, concept("Y", NULL, "X", NULL));
	cJSON_AddItemToArray(k, concept("Z", NULL, NULL, NULL));
	s = build1(cs, &err);
	cr_assert_not_null(s, "%s", err.message);
	c = sv_snapshot_codesystem(s, TEST_URL, NULL);
	cr_assert(sv_codesystem_subsumes(c, idx(c, "X"), idx(c, "Y")));
	cr_assert_not(sv_codesystem_subsumes(c, idx(c, "Z"), idx(c, "Y")));
	sv_snapshot_release(s);
}

Test(snapshot, by_id)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	struct sv_error err;
	cJSON *fsiii = ts_shared_json("terminology/fsiii-codesystem-20240530.json");
	cJSON *vs = resource("ValueSet", "https://fhir.samsvar.no/ValueSet/x", "1", "active");
	const struct sv_codesystem *cs;
	const struct sv_resource *r;

	cJSON_AddStringToObject(vs, "id", "x-1");
	sv_builder_init(&b);
	sv_builder_add(&b, fsiii, &err);
	sv_builder_add(&b, vs, &err);
	sv_builder_add(&b, dag_cs("1"), &err);   /* no id */
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(s, "%s", err.message);
	cs = sv_snapshot_by_id(s, 'C', "FSIII");
	cr_assert_not_null(cs);
	cr_assert_str_eq(cs->url, FSIII_URL);
	r = sv_snapshot_by_id(s, 'V', "x-1");
	cr_assert_not_null(r);
	cr_assert_str_eq(r->url, "https://fhir.samsvar.no/ValueSet/x");
	cr_assert_null(sv_snapshot_by_id(s, 'C', "x-1"), "ids are per type");
	cr_assert_null(sv_snapshot_by_id(s, 'M', "x-1"));
	cr_assert_null(sv_snapshot_by_id(s, 'C', "fsiii"));
	cr_assert_null(sv_snapshot_by_id(s, 'C', NULL));
	sv_snapshot_release(s);
}

Test(snapshot, from_store)
{
	char dir[] = "/tmp/sv-snap-XXXXXX", path[128], cmd[160];
	struct sv_store *st;
	struct sv_error err;
	struct sv_snapshot *s;
	cJSON *a = dag_cs("1"), *b = dag_cs("2");

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/samsvar.db", dir);
	cr_assert_eq(sv_store_open(path, &st, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_put(st, a, "t", "t", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_put(st, b, "t", "t", &err), SV_OK, "%s", err.message);
	s = sv_snapshot_from_store(st, &err);
	cr_assert_not_null(s, "%s", err.message);
	cr_assert_eq(s->ncs, 2);
	cr_assert_str_eq(sv_snapshot_codesystem(s, TEST_URL, NULL)->version, "2");
	cr_assert_not_null(sv_snapshot_by_id(s, 'C', "test-dag-1"), "ids assigned by the store are indexed");
	sv_snapshot_release(s);
	sv_store_close(st);
	cJSON_Delete(a);
	cJSON_Delete(b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* ---- registry ---- */

Test(snapshot, registry_swap_keeps_old_snapshot_for_its_reader)
{
	struct sv_registry reg;
	struct sv_error err;
	struct sv_snapshot *old, *cur;
	const struct sv_codesystem *cs;

	sv_registry_init(&reg, build1(dag_cs("1"), &err));
	old = sv_registry_acquire(&reg);
	cr_assert_eq(old->generation, 1);
	sv_registry_swap(&reg, build1(dag_cs("2"), &err));
	/* The reader's snapshot is still whole (ASan would report a use after free here). */
	cs = sv_snapshot_codesystem(old, TEST_URL, NULL);
	cr_assert_str_eq(cs->version, "1");
	cr_assert_str_eq(sv_codesystem_concept(cs, "E")->display, "leaf");
	cur = sv_registry_acquire(&reg);
	cr_assert_neq(cur, old);
	cr_assert_eq(cur->generation, 2);
	cr_assert_str_eq(sv_snapshot_codesystem(cur, TEST_URL, NULL)->version, "2");
	sv_snapshot_release(old);
	sv_snapshot_release(cur);
	sv_registry_release(&reg);
	sv_snapshot_release(NULL);
}

struct reader_arg {
	struct sv_registry *reg;
	int rounds;
	int bad;
};

static void *reader(void *p)
{
	struct reader_arg *a = p;
	for (int i = 0; i < a->rounds; i++) {
		struct sv_snapshot *s = sv_registry_acquire(a->reg);
		const struct sv_codesystem *cs = sv_snapshot_codesystem(s, TEST_URL, NULL);
		if (!cs || !sv_codesystem_concept(cs, "E") || s->generation == 0)
			a->bad++;
		sv_snapshot_release(s);
	}
	return NULL;
}

Test(snapshot, registry_under_concurrent_readers)
{
	struct sv_registry reg;
	struct sv_error err;
	pthread_t t[4];
	struct reader_arg a[4];
	char v[16];

	sv_registry_init(&reg, build1(dag_cs("1"), &err));
	for (int i = 0; i < 4; i++) {
		a[i] = (struct reader_arg){&reg, 20000, 0};
		cr_assert_eq(pthread_create(&t[i], NULL, reader, &a[i]), 0);
	}
	for (int i = 2; i < 200; i++) {
		snprintf(v, sizeof(v), "%d", i);
		sv_registry_swap(&reg, build1(dag_cs(v), &err));
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(a[i].bad, 0);
	}
	cr_assert_eq(reg.current->generation, 199);
	sv_registry_release(&reg);
}

static atomic_int memo_builds, memo_drops;

static enum sv_err memo_make(const struct sv_snapshot *s, void *arg, void **value, struct sv_error *err)
{
	(void)s;
	(void)err;
	atomic_fetch_add(&memo_builds, 1);
	*value = sv_xstrdup((const char *)arg);
	return SV_OK;
}

static enum sv_err memo_fail(const struct sv_snapshot *s, void *arg, void **value, struct sv_error *err)
{
	(void)s;
	(void)arg;
	(void)value;
	return sv_fail(err, SV_EINVAL, "cannot build");
}

static void memo_drop(void *v)
{
	atomic_fetch_add(&memo_drops, 1);
	free(v);
}

static void *memo_reader(void *p)
{
	void *v = NULL;
	for (int i = 0; i < 200; i++)
		if (sv_snapshot_memo(p, "k", memo_make, memo_drop, "value", &v, NULL) != SV_OK || strcmp(v, "value"))
			return (void *)1;
	return NULL;
}

Test(snapshot, memo_is_built_once_per_key_and_freed_with_the_snapshot)
{
	struct sv_error err = {0};
	struct sv_snapshot *s = build1(dag_cs("1"), &err);
	pthread_t th[4];
	void *v1 = NULL, *v2 = NULL;

	cr_assert_not_null(s, "%s", err.message);
	atomic_store(&memo_builds, 0);
	atomic_store(&memo_drops, 0);
	cr_assert_eq(sv_snapshot_memo(s, "a", memo_make, memo_drop, "one", &v1, &err), SV_OK);
	cr_assert_eq(sv_snapshot_memo(s, "a", memo_make, memo_drop, "two", &v2, &err), SV_OK);
	cr_assert_eq(v1, v2, "a second call must return the kept value");
	cr_assert_str_eq(v1, "one");
	cr_assert_eq(atomic_load(&memo_builds), 1);
	cr_assert_eq(sv_snapshot_memo(s, "b", memo_fail, memo_drop, NULL, &v2, &err), SV_EINVAL);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, memo_reader, s);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(th[i], &r);
		cr_assert_null(r);
	}
	/* Racing first builds may each build; exactly one value per key is kept, the rest dropped. */
	cr_assert_eq(atomic_load(&memo_builds) - 1 - atomic_load(&memo_drops), 1);
	sv_snapshot_release(s);
	cr_assert_eq(atomic_load(&memo_builds), atomic_load(&memo_drops), "the snapshot must free what it kept");
}

/* ---- request layers (tx-resource) ---- */

Test(snapshot, a_layer_is_searched_before_its_base_and_holds_it)
{
	struct sv_error err;
	struct sv_snapshot *base = build1(dag_cs("1"), &err), *layer;
	struct sv_snapshot_builder b;
	cJSON *other = resource("CodeSystem", "http://example.org/other", "x", "active"), *vs, *noversion;
	const struct sv_codesystem *cs;

	cr_assert_not_null(base, "%s", err.message);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(other, "concept"), concept("q", "Q", NULL, NULL));
	vs = resource("ValueSet", "http://example.org/vs", "1", "active");
	cJSON_AddStringToObject(vs, "id", "layer-vs");
	noversion = dag_cs("2");
	cJSON_DeleteItemFromObject(noversion, "version");
	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, cJSON_Duplicate(noversion, 1), &err), SV_EINVAL, "the store needs versions");
	cr_assert_eq(sv_builder_add_layer(&b, noversion, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_builder_add_layer(&b, other, &err), SV_OK);
	cr_assert_eq(sv_builder_add_layer(&b, vs, &err), SV_OK);
	cr_assert_eq(sv_snapshot_layer(base, &b, &layer, &err), SV_OK, "%s", err.message);
	sv_builder_release(&b);
	cr_assert_eq(layer->parent, base);
	/* the layer's versionless code system first for the url; the base's by its version */
	cs = sv_snapshot_codesystem(layer, TEST_URL, NULL);
	cr_assert_not_null(cs);
	cr_assert_str_eq(cs->version, "");
	cr_assert(cs >= layer->cs && cs < layer->cs + layer->ncs);
	cs = sv_snapshot_codesystem(layer, TEST_URL, "1");
	cr_assert_eq(cs, &base->cs[0], "the base's version 1 is still found");
	cr_assert_not_null(sv_snapshot_codesystem(layer, "http://example.org/other", NULL));
	cr_assert_null(sv_snapshot_codesystem(base, "http://example.org/other", NULL), "the base never sees it");
	cr_assert_not_null(sv_snapshot_valueset(layer, "http://example.org/vs", "1"));
	cr_assert_not_null(sv_snapshot_by_id(layer, 'V', "layer-vs"));
	cr_assert_null(sv_snapshot_conceptmap(layer, "http://example.org/none", NULL));
	/* slots are distinct across the layer and its base */
	cr_assert_eq(sv_snapshot_cs_slots(layer), 3);
	cr_assert_eq(sv_snapshot_cs_slot(layer, &layer->cs[0]), 0);
	cr_assert_eq(sv_snapshot_cs_slot(layer, &layer->cs[1]), 1);
	cr_assert_eq(sv_snapshot_cs_slot(layer, &base->cs[0]), 2);
	/* the layer holds the base: dropping the caller's reference first leaves it readable */
	sv_snapshot_release(base);
	cr_assert_not_null(sv_snapshot_codesystem(layer, TEST_URL, "1"));
	sv_snapshot_release(layer);    /* frees both: asan reports a leak otherwise */
}

Test(snapshot, a_layer_that_does_not_build_leaves_the_base_alone)
{
	struct sv_error err;
	struct sv_snapshot *base = build1(dag_cs("1"), &err), *layer = (struct sv_snapshot *)1;
	struct sv_snapshot_builder b;
	cJSON *bad = resource("CodeSystem", "http://example.org/bad", "1", "active"), *k;

	k = cJSON_AddArrayToObject(bad, "concept");
	cJSON_AddItemToArray(k, concept("x", "X", NULL, NULL));
	cJSON_AddItemToArray(k, concept("x", "X again", NULL, NULL));
	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add_layer(&b, bad, &err), SV_OK);
	cr_assert_neq(sv_snapshot_layer(base, &b, &layer, &err), SV_OK);
	cr_assert_null(layer);
	cr_assert(strstr(err.message, "x"), "%s", err.message);
	sv_builder_release(&b);
	cr_assert_eq(atomic_load(&base->refs), 1, "no reference taken");
	sv_snapshot_release(base);
}

Test(snapshot, version_patterns_match_segment_by_segment)
{
	cr_assert(sv_version_matches("1.0.0", "1.0.0"));
	cr_assert(sv_version_matches("1.x.x", "1.2.0"));
	cr_assert(sv_version_matches("1.0.X", "1.0.7"));
	cr_assert(sv_version_matches("*", "3"));
	cr_assert_not(sv_version_matches("1.x", "1.2.0"), "as many segments as the version");
	cr_assert_not(sv_version_matches("1", "1.0.0"), "a shorter version is not a pattern");
	cr_assert_not(sv_version_matches("1.x.x", "2.0.0"));
	cr_assert_not(sv_version_matches("1.10", "1.1"));
	cr_assert_not(sv_version_matches(NULL, "1"));
	cr_assert_not(sv_version_matches("1", NULL));
}
