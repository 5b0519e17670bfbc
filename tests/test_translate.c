/* test_translate.c — ConceptMap/$translate: R4 and R5 forms, reverse, dependencies, products, unmapped
 * modes, chains, versions, tx-resource overlay, url-less search and every bad-input case.
 *
 * Fixture maps are hand-written here; codes are copied from ../shared/terminology (IPLOS 9111, icf.tsv,
 * snomed-candidates.tsv, SNOMED ids checked with tools/verhoeff.py). The reverse fixture pairing of
 * IPLOS 15 with b1528 exists only to give one target two sources; it is not map content. */
#include "support/fixtures.h"
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samsvar/error.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "samsvar/snapshot.h"
#include "samsvar/cmindex.h"
#include "samsvar/translate.h"

#define IPLOS "urn:oid:2.16.578.1.12.4.1.1.9111"
#define ICF "http://hl7.org/fhir/sid/icf"
#define SCT "http://snomed.info/sct"
#define SCORE "https://fhir.samsvar.no/CodeSystem/iplos-score"

static const char *FIXTURE =
	"["
	"{\"resourceType\":\"CodeSystem\",\"url\":\"" IPLOS "\",\"version\":\"1\",\"status\":\"active\","
	" \"content\":\"complete\",\"concept\":["
	"  {\"code\":\"7\",\"display\":\"Personlig hygiene\"},{\"code\":\"8\",\"display\":\"På- og avkledning\"},"
	"  {\"code\":\"15\",\"display\":\"Hukommelse\"},{\"code\":\"20\",\"display\":\"Opplevelse av trygghet\"}]},"
	"{\"resourceType\":\"CodeSystem\",\"url\":\"" ICF "\",\"version\":\"test\",\"status\":\"active\","
	" \"content\":\"fragment\",\"concept\":["
	"  {\"code\":\"d510\",\"display\":\"Washing oneself\"},{\"code\":\"d520\",\"display\":\"Caring for body parts\"},"
	"  {\"code\":\"d540\",\"display\":\"Dressing\"},{\"code\":\"b1528\",\"display\":\"Emotional functions, other specified\"}]},"
	/* iplos-icf: v1 active, v2 draft (higher) -> the latest is v1 */
	"{\"resourceType\":\"ConceptMap\",\"id\":\"iplos-icf-v1\",\"url\":\"http://test/cm/iplos-icf\",\"version\":\"1\","
	" \"status\":\"active\",\"sourceUri\":\"" IPLOS "\",\"targetUri\":\"" ICF "\",\"group\":[{"
	"  \"source\":\"" IPLOS "\",\"target\":\"" ICF "\",\"element\":["
	"   {\"code\":\"7\",\"target\":[{\"code\":\"d510\",\"display\":\"Washing oneself\",\"equivalence\":\"narrower\"},"
	"                              {\"code\":\"d520\",\"equivalence\":\"narrower\"}]},"
	"   {\"code\":\"8\",\"target\":[{\"code\":\"d540\",\"equivalence\":\"equivalent\","
	"      \"product\":[{\"property\":\"http://test/qualifier\",\"system\":\"http://test/cs/q\",\"value\":\"3\"}]}]},"
	"   {\"code\":\"20\",\"target\":[{\"code\":\"b1528\",\"equivalence\":\"narrower\"}]},"
	"   {\"code\":\"15\",\"target\":[{\"code\":\"b1528\",\"equivalence\":\"relatedto\"}]}]}]},"
	"{\"resourceType\":\"ConceptMap\",\"id\":\"iplos-icf-v2\",\"url\":\"http://test/cm/iplos-icf\",\"version\":\"2\","
	" \"status\":\"draft\",\"group\":[{\"source\":\"" IPLOS "\",\"target\":\"" ICF "\",\"element\":["
	"   {\"code\":\"7\",\"target\":[{\"code\":\"d510\",\"equivalence\":\"equivalent\"}]}]}]},"
	/* two drafts: the higher version answers */
	"{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/cm/drafts\",\"version\":\"1.2\",\"status\":\"draft\","
	" \"group\":[{\"source\":\"http://test/cs/dr\",\"target\":\"http://test/cs/dt\",\"element\":["
	"   {\"code\":\"a\",\"target\":[{\"code\":\"old\",\"equivalence\":\"equivalent\"}]}]}]},"
	"{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/cm/drafts\",\"version\":\"1.10\",\"status\":\"draft\","
	" \"group\":[{\"source\":\"http://test/cs/dr\",\"target\":\"http://test/cs/dt\",\"element\":["
	"   {\"code\":\"a\",\"target\":[{\"code\":\"new\",\"equivalence\":\"equivalent\"}]}]}]},"
	/* icf-snomed: the second link of the chain */
	"{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/cm/icf-snomed\",\"version\":\"1\",\"status\":\"draft\","
	" \"sourceUri\":\"" ICF "\",\"targetUri\":\"" SCT "\",\"group\":[{\"source\":\"" ICF "\",\"target\":\"" SCT "\",\"element\":["
	"   {\"code\":\"d510\",\"target\":[{\"code\":\"286852005\",\"display\":\"Washing self, function (observable entity)\","
	"      \"equivalence\":\"wider\"}]},"
	"   {\"code\":\"d540\",\"target\":[{\"code\":\"129003000\",\"equivalence\":\"equivalent\"}]}]}]},"
	/* iplos-snomed: score-dependent findings; no row for 7, so 7 -> SNOMED goes through ICF */
	"{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/cm/iplos-snomed\",\"version\":\"1\",\"status\":\"draft\","
	" \"group\":[{\"source\":\"" IPLOS "\",\"target\":\"" SCT "\",\"element\":["
	"   {\"code\":\"8\",\"target\":["
	"     {\"code\":\"129003000\",\"display\":\"Dressing (observable entity)\",\"equivalence\":\"equivalent\"},"
	"     {\"code\":\"284972002\",\"display\":\"Difficulty performing dressing activity (finding)\",\"equivalence\":\"narrower\","
	"      \"dependsOn\":[{\"property\":\"" SCORE "\",\"system\":\"" SCORE "\",\"value\":\"3\"}]},"
	"     {\"code\":\"284972002\",\"display\":\"Difficulty performing dressing activity (finding)\",\"equivalence\":\"narrower\","
	"      \"dependsOn\":[{\"property\":\"" SCORE "\",\"system\":\"" SCORE "\",\"value\":\"4\"}]}]}]}]},"
	/* iplos-x: read backwards as the first link of a chain (as FSIII -> IPLOS -> SNOMED CT) */
	"{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/cm/iplos-x\",\"version\":\"1\",\"status\":\"draft\","
	" \"group\":[{\"source\":\"" IPLOS "\",\"target\":\"http://test/cs/x\",\"element\":["
	"   {\"code\":\"8\",\"target\":[{\"code\":\"x8\",\"equivalence\":\"narrower\"}]}]}]},"
	/* unmapped modes */
	"{\"resourceType\":\"ConceptMap\",\"id\":\"unm\",\"url\":\"http://test/cm/unmapped\",\"version\":\"1\",\"status\":\"active\","
	" \"group\":["
	"  {\"source\":\"http://test/cs/a\",\"target\":\"http://test/cs/b\",\"element\":["
	"     {\"code\":\"x\",\"target\":[{\"code\":\"y\",\"equivalence\":\"equivalent\"}]}],"
	"   \"unmapped\":{\"mode\":\"provided\"}},"
	"  {\"source\":\"http://test/cs/c\",\"target\":\"http://test/cs/d\",\"unmapped\":{\"mode\":\"fixed\",\"code\":\"z\",\"display\":\"Zed\"}},"
	"  {\"source\":\"http://test/cs/e\",\"target\":\"http://test/cs/f\",\"element\":["
	"     {\"code\":\"u\",\"target\":[{\"equivalence\":\"unmatched\"}]}],"
	"   \"unmapped\":{\"mode\":\"other-map\",\"url\":\"http://test/cm/other\"}}]},"
	"{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/cm/other\",\"version\":\"1\",\"status\":\"active\","
	" \"group\":[{\"source\":\"http://test/cs/e\",\"target\":\"http://test/cs/f\",\"element\":["
	"   {\"code\":\"q\",\"target\":[{\"code\":\"r\",\"equivalence\":\"wider\"}]}]}]}"
	"]";

static struct sv_snapshot *fixture(void)
{
	return ts_snapshot_of(cJSON_Parse(FIXTURE));
}

static struct sv_snapshot *snap;

static void setup(void)
{
	snap = fixture();
}

static void teardown(void)
{
	sv_snapshot_release(snap);
}

/* Every answer is made both ways: the compact bytes the handler writes for the HTTP layer must be,
 * byte for byte, what cJSON prints for the tree it builds for XML, _pretty and the CLI. */
static void same_bytes_both_ways(const struct sv_request *req, const cJSON *tree)
{
	struct sv_request again = *req;
	cJSON *none = NULL;
	char *printed = cJSON_PrintUnformatted(tree);
	int status = 0;

	sv_error_clear(&again.err);
	again.want_json = 1;
	cr_assert_eq(sv_op_cm_translate(&again, &none, &status), SV_OK);
	cr_assert_null(none, "an answer in bytes has no tree");
	cr_assert_not_null(again.json);
	cr_assert_eq(again.json_len, strlen(printed));
	cr_assert_str_eq(again.json, printed);
	free(again.json);
	free(printed);
}

/* Runs the handler; returns the answer (or NULL) and leaves the error in *req. */
static cJSON *call(cJSON *params, int version, const char *id, struct sv_request *req, enum sv_err *rc)
{
	cJSON *out = NULL;
	int status = 0;

	memset(req, 0, sizeof(*req));
	req->method = "POST";
	req->type = "ConceptMap";
	req->operation = "translate";
	req->id = id;
	req->params = params;
	req->snap = snap;
	req->fhir_version = version;
	*rc = sv_op_cm_translate(req, &out, &status);
	if (*rc == SV_OK) {
		cr_assert_eq(status, 200);
		same_bytes_both_ways(req, out);
	} else
		cr_assert_null(out);
	return out;
}

static cJSON *ok(cJSON *params, int version)
{
	struct sv_request req;
	enum sv_err rc;
	cJSON *out = call(params, version, NULL, &req, &rc);
	cr_assert_eq(rc, SV_OK, "translate failed: %s (%s)", req.err.message, req.err.expression);
	cJSON_Delete(params);
	return out;
}

static void fails(cJSON *params, enum sv_err want, int http, const char *expression)
{
	struct sv_request req;
	enum sv_err rc;
	cJSON *out = call(params, 4, NULL, &req, &rc);
	cr_assert_eq(rc, want, "got %d (%s) for %s", rc, req.err.message, expression);
	cr_assert_eq(sv_err_http_status(req.err.code), http);
	cr_assert_str_eq(req.err.expression, expression);
	cr_assert_null(out);
	cJSON_Delete(params);
}

static int result_of(const cJSON *out)
{
	const cJSON *p = sv_params_get(out, "result");
	cr_assert_not_null(p);
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "valueBoolean"));
}

static int count_matches(const cJSON *out)
{
	return sv_params_count(out, "match");
}

static const cJSON *match_concept(const cJSON *m)
{
	const cJSON *c = sv_params_get(m, "concept");
	return c ? cJSON_GetObjectItemCaseSensitive(c, "valueCoding") : NULL;
}

static const char *jget(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Returns the n-th match (0-based) whose concept has `code`, or NULL. */
static const cJSON *find_match(const cJSON *out, const char *code, int nth)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(out, "parameter")) {
		const char *c;
		if (strcmp(jget(p, "name"), "match") != 0)
			continue;
		c = jget(match_concept(p), "code");
		if (c && strcmp(c, code) == 0 && nth-- == 0)
			return p;
	}
	return NULL;
}

static cJSON *code_params(const char *system, const char *code)
{
	cJSON *p = sv_params_new();
	sv_params_add(p, "code", "Code", code);
	sv_params_add(p, "system", "Uri", system);
	return p;
}

Test(translate, r4_forward_every_target_with_display_filled, .init = setup, .fini = teardown)
{
	cJSON *p = code_params(IPLOS, "7"), *out;
	const cJSON *m;

	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-icf");
	out = ok(p, 4);
	cr_assert(result_of(out));
	cr_assert_eq(count_matches(out), 2);
	m = find_match(out, "d520", 0);
	cr_assert_not_null(m);
	cr_assert_str_eq(sv_params_string(m, "equivalence"), "narrower");
	/* the map has no display for d520: it comes from the ICF code system */
	cr_assert_str_eq(jget(match_concept(m), "display"), "Caring for body parts");
	cr_assert_str_eq(jget(match_concept(m), "system"), ICF);
	cr_assert_str_eq(sv_params_string(m, "source"), "http://test/cm/iplos-icf|1");
	cr_assert_null(sv_params_get(m, "relationship"));
	cJSON_Delete(out);
}

Test(translate, r5_names_give_r5_shape, .init = setup, .fini = teardown)
{
	cJSON *p = sv_params_new(), *out;
	const cJSON *m;

	sv_params_add(p, "sourceCode", "Code", "7");
	sv_params_add(p, "system", "Uri", IPLOS);
	sv_params_add(p, "targetSystem", "Uri", ICF);
	out = ok(p, 4);
	m = find_match(out, "d510", 0);
	cr_assert_not_null(m);
	/* R4 narrower (target narrower than source) = R5 source-is-broader-than-target */
	cr_assert_str_eq(sv_params_string(m, "relationship"), "source-is-broader-than-target");
	cr_assert_str_eq(sv_params_string(m, "originMap"), "http://test/cm/iplos-icf|1");
	cr_assert_null(sv_params_get(m, "equivalence"));
	cr_assert_null(sv_params_get(m, "source"));
	cJSON_Delete(out);
}

Test(translate, r5_mime_version_gives_r5_shape_and_product, .init = setup, .fini = teardown)
{
	cJSON *p = code_params(IPLOS, "8"), *out;
	const cJSON *m, *prod;

	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-icf");
	out = ok(p, 5);
	m = find_match(out, "d540", 0);
	cr_assert_not_null(m);
	cr_assert_str_eq(sv_params_string(m, "relationship"), "equivalent");
	prod = sv_params_get(m, "product");
	cr_assert_not_null(prod);
	cr_assert_str_eq(sv_params_string(prod, "attribute"), "http://test/qualifier");
	cr_assert_str_eq(jget(cJSON_GetObjectItemCaseSensitive(sv_params_get(prod, "value"), "valueCoding"), "code"), "3");
	cJSON_Delete(out);
}

Test(translate, r4_product_parts, .init = setup, .fini = teardown)
{
	cJSON *p = code_params(IPLOS, "8"), *out;
	const cJSON *prod;

	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-icf");
	out = ok(p, 4);
	prod = sv_params_get(find_match(out, "d540", 0), "product");
	cr_assert_not_null(prod);
	cr_assert_str_eq(sv_params_string(prod, "element"), "http://test/qualifier");
	cr_assert_str_eq(jget(cJSON_GetObjectItemCaseSensitive(sv_params_get(prod, "concept"), "valueCoding"), "system"),
			 "http://test/cs/q");
	cJSON_Delete(out);
}

Test(translate, r4_wider_is_r5_source_is_narrower, .init = setup, .fini = teardown)
{
	cJSON *p = sv_params_new(), *out;

	sv_params_add(p, "sourceCode", "Code", "d510");
	sv_params_add(p, "system", "Uri", ICF);
	sv_params_add(p, "url", "Uri", "http://test/cm/icf-snomed");
	out = ok(p, 5);
	cr_assert_str_eq(sv_params_string(find_match(out, "286852005", 0), "relationship"),
			 "source-is-narrower-than-target");
	cJSON_Delete(out);
}

Test(translate, reverse_returns_every_source, .init = setup, .fini = teardown)
{
	cJSON *p = code_params(ICF, "b1528"), *out;
	const cJSON *m20, *m15;

	sv_params_add(p, "reverse", "Boolean", "true");
	out = ok(p, 4);
	cr_assert(result_of(out));
	cr_assert_eq(count_matches(out), 2);
	m20 = find_match(out, "20", 0);
	m15 = find_match(out, "15", 0);
	cr_assert_not_null(m20);
	cr_assert_not_null(m15);
	/* 20 -> b1528 is narrower; seen from b1528 the source is wider */
	cr_assert_str_eq(sv_params_string(m20, "equivalence"), "wider");
	cr_assert_str_eq(sv_params_string(m15, "equivalence"), "relatedto");
	cr_assert_str_eq(jget(match_concept(m20), "system"), IPLOS);
	cr_assert_str_eq(jget(match_concept(m20), "display"), "Opplevelse av trygghet");
	cJSON_Delete(out);
}

Test(translate, r5_target_code_is_reverse, .init = setup, .fini = teardown)
{
	cJSON *p = sv_params_new(), *out;

	sv_params_add(p, "targetCode", "Code", "b1528");
	sv_params_add(p, "system", "Uri", ICF);
	out = ok(p, 4);
	cr_assert_eq(count_matches(out), 2);
	cr_assert_str_eq(sv_params_string(find_match(out, "20", 0), "relationship"), "source-is-narrower-than-target");
	cJSON_Delete(out);
}

/* R5's way back as HL7's cases send it: targetCode's system is targetSystem, sourceSystem the system the
 * sources are sought in (a wrong one finds nothing). */
Test(translate, r5_target_code_takes_its_system_from_target_system, .init = setup, .fini = teardown)
{
	cJSON *p = sv_params_new(), *out;

	sv_params_add(p, "targetCode", "Code", "b1528");
	sv_params_add(p, "targetSystem", "Uri", ICF);
	sv_params_add(p, "sourceSystem", "Uri", IPLOS);
	out = ok(p, 4);
	cr_assert_eq(count_matches(out), 2);
	cr_assert_not_null(find_match(out, "20", 0));
	cJSON_Delete(out);
	p = sv_params_new();
	sv_params_add(p, "targetCode", "Code", "b1528");
	sv_params_add(p, "targetSystem", "Uri", ICF);
	sv_params_add(p, "sourceSystem", "Uri", "http://example.org/no-such-system");
	out = ok(p, 4);
	cr_assert_eq(count_matches(out), 0);
	cJSON_Delete(out);
}

static cJSON *score_dep(cJSON *p, const char *score, int r5)
{
	cJSON *d = sv_params_add_part(p, "dependency");
	cJSON *cc = cJSON_CreateObject(), *codings = cJSON_AddArrayToObject(cc, "coding");

	cJSON_AddItemToArray(codings, sv_coding_new(SCORE, NULL, score, NULL));
	if (r5) {
		sv_params_add(d, "attribute", "Uri", SCORE);
		sv_params_add_value(d, "value", "valueCoding", sv_coding_new(SCORE, NULL, score, NULL));
		cJSON_Delete(cc);
	} else {
		sv_params_add(d, "element", "Uri", SCORE);
		sv_params_add_value(d, "concept", "valueCodeableConcept", cc);
	}
	return p;
}

Test(translate, dependency_selects_score_targets, .init = setup, .fini = teardown)
{
	cJSON *p = code_params(IPLOS, "8"), *out;

	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-snomed");
	out = ok(score_dep(p, "4", 0), 4);
	cr_assert_eq(count_matches(out), 2);
	cr_assert_not_null(find_match(out, "129003000", 0));
	cr_assert_not_null(find_match(out, "284972002", 0));
	cr_assert_null(find_match(out, "284972002", 1), "only the score-4 row may match");
	cJSON_Delete(out);

	p = code_params(IPLOS, "8");
	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-snomed");
	out = ok(score_dep(p, "1", 0), 4);
	cr_assert_eq(count_matches(out), 1);
	cr_assert_null(find_match(out, "284972002", 0));
	cJSON_Delete(out);

	p = sv_params_new();
	sv_params_add(p, "sourceCode", "Code", "8");
	sv_params_add(p, "system", "Uri", IPLOS);
	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-snomed");
	out = ok(score_dep(p, "3", 1), 5);
	cr_assert_eq(count_matches(out), 2);
	cr_assert_not_null(find_match(out, "284972002", 0));
	cJSON_Delete(out);
}

Test(translate, no_dependency_shows_conditions, .init = setup, .fini = teardown)
{
	cJSON *p = code_params(IPLOS, "8"), *out;
	const cJSON *dep;

	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-snomed");
	out = ok(p, 5);
	cr_assert_eq(count_matches(out), 3);
	dep = sv_params_get(find_match(out, "284972002", 1), "dependsOn");
	cr_assert_not_null(dep);
	cr_assert_str_eq(sv_params_string(dep, "attribute"), SCORE);
	cr_assert_str_eq(jget(cJSON_GetObjectItemCaseSensitive(sv_params_get(dep, "value"), "valueCoding"), "code"), "4");
	cJSON_Delete(out);
}

Test(translate, unmapped_provided_fixed_other_map, .init = setup, .fini = teardown)
{
	cJSON *p, *out;
	const cJSON *m;

	p = code_params("http://test/cs/a", "nope");
	out = ok(p, 4);
	m = find_match(out, "nope", 0);
	cr_assert_not_null(m, "provided: the source code itself");
	cr_assert_str_eq(jget(match_concept(m), "system"), "http://test/cs/b");
	cr_assert(result_of(out));
	cJSON_Delete(out);

	p = code_params("http://test/cs/a", "x");
	out = ok(p, 4);
	cr_assert_eq(count_matches(out), 1);
	cr_assert_not_null(find_match(out, "y", 0), "a mapped code is not 'unmapped'");
	cJSON_Delete(out);

	p = code_params("http://test/cs/c", "anything");
	out = ok(p, 4);
	m = find_match(out, "z", 0);
	cr_assert_not_null(m, "fixed: the given code");
	cr_assert_str_eq(jget(match_concept(m), "display"), "Zed");
	cJSON_Delete(out);

	p = code_params("http://test/cs/e", "q");
	sv_params_add(p, "url", "Uri", "http://test/cm/unmapped");
	out = ok(p, 5);
	m = find_match(out, "r", 0);
	cr_assert_not_null(m, "other-map: followed");
	cr_assert_str_eq(sv_params_string(m, "relationship"), "source-is-narrower-than-target");
	cr_assert_eq(sv_params_count(m, "originMap"), 2);
	cJSON_Delete(out);

	/* an explicit unmatched row: a match saying so, result false */
	p = code_params("http://test/cs/e", "u");
	sv_params_add(p, "url", "Uri", "http://test/cm/unmapped");
	out = ok(p, 4);
	cr_assert_not(result_of(out));
	cr_assert_eq(count_matches(out), 1);
	cr_assert_str_eq(sv_params_string(sv_params_get(out, "match"), "equivalence"), "unmatched");
	cJSON_Delete(out);
}

Test(translate, chain_through_icf_with_weakest_link_and_path, .init = setup, .fini = teardown)
{
	cJSON *p = code_params(IPLOS, "7"), *out;
	const cJSON *m, *mp;
	const char *msg;

	sv_params_add(p, "targetsystem", "Uri", SCT);
	out = ok(p, 4);
	cr_assert(result_of(out));
	cr_assert_eq(count_matches(out), 1);
	m = find_match(out, "286852005", 0);
	cr_assert_not_null(m);
	/* narrower (7 -> d510) then wider (d510 -> 286852005): never stronger than inexact */
	cr_assert_str_eq(sv_params_string(m, "equivalence"), "inexact");
	cr_assert_str_eq(sv_params_string(m, "source"), "http://test/cm/iplos-icf|1");
	cr_assert_eq(sv_params_count(m, "originMap"), 2);
	msg = sv_params_string(out, "message");
	cr_assert_not_null(msg);
	cr_assert(strstr(msg, "http://test/cm/iplos-icf|1 -> http://test/cm/icf-snomed|1"), "%s", msg);
	cJSON_Delete(out);

	/* 8 has a direct IPLOS -> SNOMED row: no chain */
	p = code_params(IPLOS, "8");
	sv_params_add(p, "targetsystem", "Uri", SCT);
	out = ok(p, 5);
	cr_assert_eq(count_matches(out), 3);
	cr_assert_eq(sv_params_count(find_match(out, "129003000", 0), "originMap"), 1);
	cr_assert_str_eq(sv_params_string(find_match(out, "129003000", 0), "originMap"),
			 "http://test/cm/iplos-snomed|1");
	mp = find_match(out, "129003000", 1);
	cr_assert_null(mp, "the chained duplicate through ICF is not used when a direct map answers");
	cJSON_Delete(out);
}

Test(translate, chain_may_read_a_map_backwards_first, .init = setup, .fini = teardown)
{
	cJSON *p = code_params("http://test/cs/x", "x8"), *out;
	const cJSON *m;
	const char *msg;

	sv_params_add(p, "targetsystem", "Uri", SCT);
	out = ok(p, 4);
	cr_assert(result_of(out));
	/* x8 <- 8 (narrower, read backwards: wider) then 8 -> 129003000 (equivalent) */
	m = find_match(out, "129003000", 0);
	cr_assert_not_null(m);
	cr_assert_str_eq(sv_params_string(m, "equivalence"), "wider");
	cr_assert_eq(sv_params_count(m, "originMap"), 2, "the two-map chain answers, not the longer one");
	cr_assert_null(find_match(out, "129003000", 1));
	/* wider then narrower: inexact */
	cr_assert_str_eq(sv_params_string(find_match(out, "284972002", 0), "equivalence"), "inexact");
	msg = sv_params_string(out, "message");
	cr_assert(strstr(msg, "http://test/cm/iplos-x|1 (read in reverse) -> http://test/cm/iplos-snomed|1"), "%s", msg);
	cJSON_Delete(out);

	/* a map read backwards is never the last link: SNOMED -> IPLOS needs reverse=true */
	p = code_params(SCT, "129003000");
	sv_params_add(p, "targetsystem", "Uri", IPLOS);
	out = ok(p, 4);
	cr_assert_not(result_of(out));
	cJSON_Delete(out);
}

Test(translate, equivalent_chain_keeps_strength, .init = setup, .fini = teardown)
{
	cJSON *p = code_params(IPLOS, "8"), *out;
	/* only the chain can answer when the direct map is out of scope */
	sv_params_add(p, "targetsystem", "Uri", SCT);
	sv_params_add(p, "source", "Uri", IPLOS);
	out = ok(p, 4);
	/* iplos-snomed has no declared source scope, so only iplos-icf qualifies for the first step */
	cr_assert_str_eq(sv_params_string(find_match(out, "129003000", 0), "equivalence"), "equivalent");
	cr_assert_eq(sv_params_count(find_match(out, "129003000", 0), "originMap"), 2);
	cJSON_Delete(out);
}

Test(translate, versions_latest_active_and_pinned, .init = setup, .fini = teardown)
{
	cJSON *p, *out;

	p = code_params(IPLOS, "7");
	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-icf");
	out = ok(p, 4);
	cr_assert_eq(count_matches(out), 2, "active v1 outranks draft v2");
	cJSON_Delete(out);

	p = code_params(IPLOS, "7");
	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-icf");
	sv_params_add(p, "conceptMapVersion", "String", "2");
	out = ok(p, 4);
	cr_assert_eq(count_matches(out), 1);
	cr_assert_str_eq(sv_params_string(find_match(out, "d510", 0), "equivalence"), "equivalent");
	cr_assert_str_eq(sv_params_string(find_match(out, "d510", 0), "source"), "http://test/cm/iplos-icf|2");
	cJSON_Delete(out);

	p = code_params("http://test/cs/dr", "a");
	out = ok(p, 4);
	cr_assert_not_null(find_match(out, "new", 0), "1.10 is higher than 1.2");
	cr_assert_null(find_match(out, "old", 0));
	cJSON_Delete(out);
}

Test(translate, instance_id, .init = setup, .fini = teardown)
{
	struct sv_request req;
	enum sv_err rc;
	cJSON *p = code_params(IPLOS, "7"), *out;

	out = call(p, 4, "iplos-icf-v2", &req, &rc);
	cr_assert_eq(rc, SV_OK);
	cr_assert_eq(count_matches(out), 1);
	cJSON_Delete(out);
	out = call(p, 4, "no-such-map", &req, &rc);
	cr_assert_eq(rc, SV_ENOTFOUND);
	cr_assert_eq(sv_err_http_status(req.err.code), 404);
	cJSON_Delete(p);
}

Test(translate, tx_resource_overlay, .init = setup, .fini = teardown)
{
	cJSON *p = code_params("http://test/cs/t", "t1"), *out, *res;
	const cJSON *m;
	uint32_t ncm = snap->ncm;

	res = cJSON_Parse("{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/cm/inline\",\"version\":\"1\","
			  "\"status\":\"active\",\"group\":[{\"source\":\"http://test/cs/t\",\"target\":\"http://test/cs/u\","
			  "\"element\":[{\"code\":\"t1\",\"target\":[{\"code\":\"u1\",\"equivalence\":\"equivalent\"}]}]}]}");
	sv_params_add_value(p, "tx-resource", "resource", res);
	res = cJSON_Parse("{\"resourceType\":\"CodeSystem\",\"url\":\"http://test/cs/u\",\"version\":\"1\","
			  "\"status\":\"active\",\"content\":\"complete\",\"concept\":[{\"code\":\"u1\",\"display\":\"You one\"}]}");
	sv_params_add_value(p, "tx-resource", "resource", res);
	out = ok(p, 4);
	m = find_match(out, "u1", 0);
	cr_assert_not_null(m);
	cr_assert_str_eq(jget(match_concept(m), "display"), "You one");
	cr_assert_eq(snap->ncm, ncm, "the shared snapshot is never modified");
	cJSON_Delete(out);

	/* without the tx-resource the same request finds nothing */
	out = ok(code_params("http://test/cs/t", "t1"), 4);
	cr_assert_not(result_of(out));
	cJSON_Delete(out);
}

/* An R5 map sent along: its own value[x] passes on, and strings that need every escape JSON has
 * come out the same in bytes as in the tree (checked in call()). */
Test(translate, r5_overlay_values_and_escapes, .init = setup, .fini = teardown)
{
	cJSON *p = code_params("http://test/cs/t", "t\"1"), *out, *res;
	const cJSON *m;
	char *text;
	static const char *const want[] = {"{\"name\":\"value\",\"valueBoolean\":true}",
					   "{\"name\":\"value\",\"valueCode\":\"c\\u0002d\"}",
					   "\"valueCanonical\":\"http://test/cm/r5\\\"x|1\""};

	res = ts_parse_json("{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/cm/r5\\\"x\",\"version\":\"1\","
			    "\"status\":\"active\",\"group\":[{\"source\":\"http://test/cs/t\",\"target\":\"http://test/cs/u\","
			    "\"element\":[{\"code\":\"t\\\"1\",\"target\":[{\"code\":\"u\\\\1\","
			    "\"display\":\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f æøå ✓ 😀 /\","
			    "\"relationship\":\"equivalent\","
			    "\"dependsOn\":[{\"attribute\":\"http://test/a\",\"valueString\":\"s \\\"q\\\"\"},"
			    "              {\"attribute\":\"http://test/b\",\"valueBoolean\":true}],"
			    "\"product\":[{\"attribute\":\"http://test/c\",\"valueCode\":\"c\\u0002d\"},"
			    "            {\"attribute\":\"http://test/d\",\"valueCoding\":{\"system\":\"http://test/s\",\"code\":\"k\"}}]"
			    "}]}]}]}");
	sv_params_add_value(p, "tx-resource", "resource", res);
	out = ok(p, 5);
	m = find_match(out, "u\\1", 0);
	cr_assert_not_null(m);
	cr_assert_eq(strncmp(jget(match_concept(m), "display"), "\b\f\n\r\t\001\037\177 æøå", 12), 0);
	text = cJSON_PrintUnformatted(out);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert(strstr(text, want[i]), "%s lacks %s", text, want[i]);
	free(text);
	cJSON_Delete(out);
}

Test(translate, url_less_searches_all_maps, .init = setup, .fini = teardown)
{
	cJSON *out = ok(code_params(IPLOS, "8"), 4);
	/* d540 from iplos-icf, 129003000 + two conditional 284972002 from iplos-snomed, x8 from iplos-x */
	cr_assert_eq(count_matches(out), 5);
	cr_assert_not_null(find_match(out, "d540", 0));
	cr_assert_not_null(find_match(out, "129003000", 0));
	cJSON_Delete(out);
}

Test(translate, codeable_concept_translates_each_coding, .init = setup, .fini = teardown)
{
	cJSON *p = sv_params_new(), *cc = cJSON_CreateObject(), *codings = cJSON_AddArrayToObject(cc, "coding"), *out;

	cJSON_AddItemToArray(codings, sv_coding_new(IPLOS, NULL, "7", NULL));
	cJSON_AddItemToArray(codings, sv_coding_new(IPLOS, NULL, "20", NULL));
	sv_params_add_value(p, "codeableConcept", "valueCodeableConcept", cc);
	sv_params_add(p, "targetsystem", "Uri", ICF);
	out = ok(p, 4);
	cr_assert_eq(count_matches(out), 3);
	cr_assert_not_null(find_match(out, "b1528", 0));
	cJSON_Delete(out);
}

Test(translate, get_style_coding_text, .init = setup, .fini = teardown)
{
	cJSON *p = sv_params_new(), *out;
	sv_params_add(p, "coding", "String", IPLOS "|20");
	sv_params_add(p, "targetsystem", "String", ICF);
	out = ok(p, 4);
	cr_assert(result_of(out));
	cr_assert_not_null(find_match(out, "b1528", 0));
	cJSON_Delete(out);
}

Test(translate, unknown_system_is_result_false, .init = setup, .fini = teardown)
{
	cJSON *out = ok(code_params("http://example.org/unknown", "1"), 4);
	cr_assert_not(result_of(out));
	cr_assert_eq(count_matches(out), 0);
	cr_assert(strstr(sv_params_string(out, "message"), "not known"));
	cJSON_Delete(out);
}

Test(translate, bad_input, .init = setup, .fini = teardown)
{
	cJSON *p;

	p = code_params(IPLOS, "7");
	sv_params_add(p, "coding", "String", IPLOS "|7");
	fails(p, SV_EINVAL, 400, "coding");

	p = sv_params_new();
	sv_params_add(p, "reverse", "Boolean", "true");
	fails(p, SV_EINVAL, 400, "reverse");

	p = code_params(IPLOS, "7");
	sv_params_add(p, "url", "Uri", "http://test/cm/nope");
	fails(p, SV_ENOTFOUND, 404, "url");

	p = code_params(IPLOS, "7");
	sv_params_add(p, "url", "Uri", "http://test/cm/iplos-icf");
	sv_params_add(p, "conceptMapVersion", "String", "9");
	fails(p, SV_ENOTFOUND, 404, "conceptMapVersion");

	p = sv_params_new();
	sv_params_add(p, "system", "Uri", IPLOS);
	fails(p, SV_EREQUIRED, 400, "code");

	p = sv_params_new();
	sv_params_add(p, "code", "Code", "7");
	fails(p, SV_EREQUIRED, 400, "system");

	p = code_params(IPLOS, "7");
	sv_params_add(p, "reverse", "String", "maybe");
	fails(p, SV_EINVAL, 400, "reverse");

	p = sv_params_new();
	sv_params_add(p, "sourceCode", "Code", "7");
	sv_params_add(p, "targetCode", "Code", "d510");
	sv_params_add(p, "system", "Uri", IPLOS);
	fails(p, SV_EINVAL, 400, "targetCode");

	p = code_params(IPLOS, "7");
	sv_params_add(p, "dependency", "String", "score");
	fails(p, SV_EINVAL, 400, "dependency");

	p = code_params(IPLOS, "7");
	sv_params_add_value(p, "tx-resource", "resource", cJSON_Parse("{\"resourceType\":\"Patient\"}"));
	fails(p, SV_EINVAL, 400, "tx-resource");

	p = code_params(IPLOS, "7");
	sv_params_add(p, "conceptMapVersion", "String", "1");
	fails(p, SV_EINVAL, 400, "conceptMapVersion");
}

/* 20,000 maps sent as tx-resource (one given twice: the later one counts) build one overlay; the
 * pinned one answers. The overlay is built by hash, so this stays linear; the result is asserted. */
Test(translate, overlay_of_many_tx_resources, .init = setup, .fini = teardown)
{
	cJSON *p = code_params("http://test/many/src", "a"), *out;
	char buf[400];
	const cJSON *m;

	for (int i = 0; i < 20000; i++) {
		snprintf(buf, sizeof(buf), "{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/many/m%d\","
			 "\"version\":\"1\",\"group\":[{\"source\":\"http://test/many/src\",\"target\":"
			 "\"http://test/many/tgt\",\"element\":[{\"code\":\"a\",\"target\":[{\"code\":\"t%d\","
			 "\"equivalence\":\"equivalent\"}]}]}]}", i, i);
		sv_params_add_value(p, "tx-resource", "resource", cJSON_Parse(buf));
	}
	snprintf(buf, sizeof(buf), "{\"resourceType\":\"ConceptMap\",\"url\":\"http://test/many/m7\","
		 "\"version\":\"1\",\"group\":[{\"source\":\"http://test/many/src\",\"target\":"
		 "\"http://test/many/tgt\",\"element\":[{\"code\":\"a\",\"target\":[{\"code\":\"again\","
		 "\"equivalence\":\"wider\"}]}]}]}");
	sv_params_add_value(p, "tx-resource", "resource", cJSON_Parse(buf));
	sv_params_add(p, "url", "Uri", "http://test/many/m19999");
	out = ok(cJSON_Duplicate(p, 1), 4);
	cr_assert(result_of(out));
	cr_assert_eq(count_matches(out), 1);
	cr_assert_not_null(find_match(out, "t19999", 0));
	cJSON_Delete(out);

	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "parameter"), 20003), "valueUri",
				  cJSON_CreateString("http://test/many/m7"));
	out = ok(p, 4);
	/* m7 was sent twice: a request keeps both maps (issue 10), and the url names them both. */
	m = find_match(out, "again", 0);
	cr_assert_not_null(m, "the later tx-resource is consulted");
	cr_assert_str_eq(sv_params_string(m, "equivalence"), "wider");
	cr_assert_not_null(find_match(out, "t7", 0), "and so is the earlier one of the same url and version");
	cr_assert_eq(count_matches(out), 2);
	cJSON_Delete(out);
}

/* The typed engine API, as $assess, the batch and the CLI call it: no Parameters in or out. */
Test(translate, engine_typed_request_and_matches, .init = setup, .fini = teardown)
{
	struct sv_tx_dep dep = {SCORE, SCORE, "4"};
	struct sv_tx_request req = {.system = IPLOS, .code = "8", .map_url = "http://test/cm/iplos-icf"};
	struct sv_tx_result r;
	struct sv_error err = {0};

	cr_assert_eq(sv_translate(snap, &req, &r, &err), SV_OK, "%s", err.message);
	cr_assert(r.result);
	cr_assert_eq(r.nmatches, 1);
	cr_assert_eq(r.matches[0].relation, SV_REL_EQUIVALENT);
	cr_assert_str_eq(r.matches[0].code, "d540");
	cr_assert_str_eq(r.matches[0].display, "Dressing", "display filled from the code system");
	cr_assert_eq(r.matches[0].npath, 1);
	cr_assert_str_eq(r.matches[0].path[0]->version, "1");
	cr_assert_eq(r.matches[0].nproducts, 1);
	cr_assert_str_eq(r.matches[0].products[0].code, "3");
	sv_tx_result_release(&r);

	/* a dependency picks the score's finding; the chain 7 -> ICF -> SNOMED CT lists both maps */
	req = (struct sv_tx_request){.system = IPLOS, .code = "8", .map_url = "http://test/cm/iplos-snomed",
				     .deps = &dep, .ndeps = 1};
	cr_assert_eq(sv_translate(snap, &req, &r, &err), SV_OK);
	cr_assert_eq(r.nmatches, 2);
	cr_assert_str_eq(r.matches[1].code, "284972002");
	cr_assert_eq(r.matches[1].ndepends, 1);
	cr_assert_str_eq(r.matches[1].depends_on[0].code, "4");
	sv_tx_result_release(&r);
	req = (struct sv_tx_request){.system = IPLOS, .code = "7", .target_system = SCT};
	cr_assert_eq(sv_translate(snap, &req, &r, &err), SV_OK);
	cr_assert_eq(r.nmatches, 1);
	cr_assert_eq(r.matches[0].npath, 2);
	cr_assert_eq(r.matches[0].relation, SV_REL_INEXACT, "narrower then wider is inexact, not %s",
		     sv_relation_r4(r.matches[0].relation));
	cr_assert_not_null(strstr(r.message, "chain"), "%s", r.message);
	sv_tx_result_release(&r);

	/* a pinned map that is not held */
	req = (struct sv_tx_request){.system = IPLOS, .code = "7", .map_url = "http://test/cm/none"};
	cr_assert_eq(sv_translate(snap, &req, &r, &err), SV_ENOTFOUND);
	cr_assert_str_eq(err.expression, "url");
	cr_assert_eq(r.nmatches, 0);
	sv_tx_result_release(&r);
}

Test(translate, index_rejects_malformed_map)
{
	struct sv_error err = {0};
	cJSON *m = cJSON_Parse("{\"resourceType\":\"ConceptMap\",\"url\":\"u\",\"group\":{}}");
	cr_assert_null(sv_cmindex_build(m, &err));
	cr_assert_eq(err.code, SV_EINVAL);
	cJSON_Delete(m);
}
