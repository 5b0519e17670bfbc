/* test_translate_qualifier.c — the translate engine's ICF qualifier (translate.h "Qualifiers"): a map
 * that names its qualifier map, every target declaring a kind, so the engine's own rule (icf_rule.h) is
 * what keeps a chapter, a block, an inexact or relatedto row and a kind that does not fit unqualified. */
#include <criterion/criterion.h>
#include <string.h>

#include "samsvar/snapshot.h"
#include "samsvar/translate.h"
#include "support/fixtures.h"

#define IPLOS "urn:oid:2.16.578.1.12.4.1.1.9111"
#define ICF "http://hl7.org/fhir/sid/icf"


#define QB "http://q"
#define QEXT(kind) ",\"extension\":[{\"url\":\"" QB "/StructureDefinition/icf-qualifier\",\"valueCode\":\"" kind "\"}]"

static const char *QFIXTURE =
	"["
	"{\"resourceType\":\"ConceptMap\",\"url\":\"" QB "/cm/icf\",\"version\":\"1\",\"status\":\"draft\","
	" \"extension\":[{\"url\":\"" QB "/StructureDefinition/qualifier-map\",\"valueCanonical\":\"" QB "/cm/q\"}],"
	" \"group\":[{\"source\":\"" IPLOS "\",\"target\":\"" ICF "\",\"element\":["
	"  {\"code\":\"7\",\"target\":[{\"code\":\"d510\",\"equivalence\":\"narrower\"" QEXT("performance") "},"
	"   {\"code\":\"d5\",\"equivalence\":\"narrower\"" QEXT("performance") "},"
	"   {\"code\":\"d560\",\"equivalence\":\"relatedto\"" QEXT("performance") "},"
	"   {\"code\":\"d520\",\"equivalence\":\"inexact\"" QEXT("performance") "},"
	"   {\"code\":\"d540\",\"equivalence\":\"equivalent\"" QEXT("impairment") "},"
	"   {\"code\":\"d550\",\"equivalence\":\"equivalent\"}]},"
	"  {\"code\":\"19\",\"target\":[{\"code\":\"b1301\",\"equivalence\":\"narrower\"" QEXT("impairment") "},"
	"   {\"code\":\"b110-b139\",\"equivalence\":\"narrower\"" QEXT("impairment") "}]}]}]},"
	"{\"resourceType\":\"ConceptMap\",\"url\":\"" QB "/cm/q\",\"version\":\"1\",\"status\":\"draft\","
	" \"group\":[{\"source\":\"" QB "/score\",\"target\":\"" QB "/qual\",\"element\":["
	"  {\"code\":\"4\",\"target\":[{\"code\":\"3\",\"display\":\"Severe problem\",\"equivalence\":\"inexact\"}]},"
	"  {\"code\":\"9\",\"target\":[{\"code\":\"9\",\"equivalence\":\"equivalent\"}]}]}]}"
	"]";

/* The match for `code` in `r`, or NULL. */
static const struct sv_tx_match *match_for(const struct sv_tx_result *r, const char *code)
{
	for (size_t i = 0; i < r->nmatches; i++)
		if (r->matches[i].code && strcmp(r->matches[i].code, code) == 0)
			return &r->matches[i];
	return NULL;
}

Test(translate, icf_qualifier_only_where_the_rule_allows)
{
	struct sv_snapshot *s = ts_snapshot_of(cJSON_Parse(QFIXTURE));
	struct sv_tx_dep dep = {QB "/score", QB "/score", "4"};
	struct sv_tx_request req = {.system = IPLOS, .code = "7", .map_url = QB "/cm/icf", .deps = &dep, .ndeps = 1};
	struct sv_tx_result r;
	struct sv_error err = {0};
	const struct sv_tx_match *m;

	cr_assert_eq(sv_translate(s, &req, &r, &err), SV_OK, "%s", err.message);
	cr_assert_eq(r.nmatches, 6);
	m = match_for(&r, "d510");
	cr_assert_str_eq(m->qualifier.code, "3");
	cr_assert_str_eq(m->qualifier.display, "Severe problem");
	cr_assert_str_eq(m->qualifier.system, QB "/qual");
	cr_assert_str_eq(m->qualifier.kind, "performance");
	cr_assert_str_eq(m->qualifier.map->url, QB "/cm/q");
	cr_assert_null(match_for(&r, "d5")->qualifier.code, "a chapter takes no qualifier");
	cr_assert_null(match_for(&r, "d560")->qualifier.code, "relatedto takes no qualifier");
	cr_assert_null(match_for(&r, "d520")->qualifier.code, "inexact takes no qualifier");
	cr_assert_null(match_for(&r, "d540")->qualifier.code, "impairment does not fit a d code");
	cr_assert_null(match_for(&r, "d550")->qualifier.code, "no kind declared");
	sv_tx_result_release(&r);

	/* b codes take the impairment qualifier; a block does not */
	req.code = "19";
	cr_assert_eq(sv_translate(s, &req, &r, &err), SV_OK);
	cr_assert_str_eq(match_for(&r, "b1301")->qualifier.kind, "impairment");
	cr_assert_str_eq(match_for(&r, "b1301")->qualifier.code, "3");
	cr_assert_null(match_for(&r, "b110-b139")->qualifier.code, "a block takes no qualifier");
	sv_tx_result_release(&r);

	/* score 9 gives what the qualifier map says (9); a score the map does not know gives none */
	dep.code = "9";
	req.code = "7";
	cr_assert_eq(sv_translate(s, &req, &r, &err), SV_OK);
	cr_assert_str_eq(match_for(&r, "d510")->qualifier.code, "9");
	sv_tx_result_release(&r);
	dep.code = "2";
	cr_assert_eq(sv_translate(s, &req, &r, &err), SV_OK);
	cr_assert_null(match_for(&r, "d510")->qualifier.code);
	sv_tx_result_release(&r);

	/* no dependency, or read in reverse: no qualifier */
	req.ndeps = 0;
	cr_assert_eq(sv_translate(s, &req, &r, &err), SV_OK);
	cr_assert_null(match_for(&r, "d510")->qualifier.code);
	sv_tx_result_release(&r);
	req = (struct sv_tx_request){.system = ICF, .code = "d510", .map_url = QB "/cm/icf", .deps = &dep, .ndeps = 1,
				     .reverse = 1};
	dep.code = "4";
	cr_assert_eq(sv_translate(s, &req, &r, &err), SV_OK);
	cr_assert_eq(r.nmatches, 1);
	cr_assert_null(r.matches[0].qualifier.code);
	sv_tx_result_release(&r);
	sv_snapshot_release(s);
}
