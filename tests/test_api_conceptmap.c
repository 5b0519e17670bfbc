/* test_api_conceptmap.c — black-box tests of reading bundled ConceptMaps over HTTP in the R4 and R5
 * shapes (issue 3), JSON and XML, chosen by the fhirVersion parameter of the media type. R5 answers
 * carry fhirVersion=5.0 in their Content-Type, which keeps them out of the R4 schema check of
 * tests/run.sh (no R5 schema is bundled). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "support/daemon.h"
#include "support/support.h"

TS_DAEMON_SUITE(NULL)
TS_DAEMON_SUITE_END()

#define BASE "https://fhir.samsvar.no"
#define IPLOS "urn:oid:2.16.578.1.12.4.1.1.9111"
#define ICF "http://hl7.org/fhir/sid/icf"

static const char *const R5_JSON[] = {"Accept: application/fhir+json; fhirVersion=5.0", NULL};
static const char *const R5_XML[] = {"Accept: application/fhir+xml; fhirVersion=5.0", NULL};
static const char *const R4_JSON[] = {"Accept: application/fhir+json", NULL};
static const char *const R4_XML[] = {"Accept: application/fhir+xml", NULL};

static void get(const char *path, const char *const *headers, struct ts_resp *r)
{
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	cr_assert_eq(ts_http(ts_port(), "GET", path, headers, NULL, 0, r), 0, "GET %s failed", path);
}

/* The instance id of the bundled map with canonical `url` (found by search, as a client would). */
static char *map_id(const char *url)
{
	char path[512];
	long status;
	cJSON *b;
	char *id;

	snprintf(path, sizeof(path), "/fhir/ConceptMap?url=%s", url);
	cr_assert_neq(ts_port(), 0, "the daemon did not start (see its log above)");
	b = ts_get_json(path, &status);
	cr_assert_eq(status, 200);
	cr_assert_eq(cJSON_GetObjectItem(b, "total")->valueint, 1, "no bundled map %s", url);
	id = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "resource"), "id")));
	cJSON_Delete(b);
	return id;
}

static void read_map(const char *url, const char *const *headers, struct ts_resp *r)
{
	char path[512], *id = map_id(url);
	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s", id);
	free(id);
	get(path, headers, r);
	cr_assert_eq(r->status, 200, "GET %s: %ld %.300s", path, r->status, r->body);
}

Test(conceptmap_api, read_r5_json)
{
	struct ts_resp r;
	cJSON *m;
	const cJSON *g, *e, *t;
	int targets = 0;

	read_map(BASE "/ConceptMap/iplos-icf", R5_JSON, &r);
	cr_assert(strstr(r.ctype, "application/fhir+json") && strstr(r.ctype, "fhirVersion=5.0"), "%s", r.ctype);
	m = cJSON_Parse(r.body);
	cr_assert_not_null(m);
	cr_assert_null(strstr(r.body, "\"equivalence\""), "R5 answer still has equivalence");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(m, "sourceScopeUri")), IPLOS);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(m, "targetScopeUri")), ICF);
	cr_assert_null(cJSON_GetObjectItem(m, "sourceUri"));
	cr_assert_null(cJSON_GetObjectItem(m, "targetUri"));
	cJSON_ArrayForEach(g, cJSON_GetObjectItem(m, "group"))
		cJSON_ArrayForEach(e, cJSON_GetObjectItem(g, "element"))
			cJSON_ArrayForEach(t, cJSON_GetObjectItem(e, "target")) {
				cr_assert_not_null(cJSON_GetStringValue(cJSON_GetObjectItem(t, "relationship")),
						   "target of %s without relationship",
						   cJSON_GetStringValue(cJSON_GetObjectItem(e, "code")));
				targets++;
			}
	cr_assert_geq(targets, 20, "iplos-icf maps all 20 variables");
	cJSON_Delete(m);
	free(r.body);
}

Test(conceptmap_api, read_r5_json_declares_attributes)
{
	struct ts_resp r;
	cJSON *m;
	const cJSON *a;
	int score = 0;

	read_map(BASE "/ConceptMap/iplos-interventions", R5_JSON, &r);
	m = cJSON_Parse(r.body);
	cr_assert_not_null(m);
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(m, "additionalAttribute"))
		score |= strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(a, "uri")), BASE "/CodeSystem/iplos-score") == 0;
	cr_assert(score, "the IPLOS score attribute is not declared: %.500s", r.body);
	cr_assert(strstr(r.body, "\"attribute\":\"iplos-score\""), "dependsOn does not name the attribute");
	cr_assert_null(strstr(r.body, "\"property\":\""), "R4 dependsOn.property left in the answer");
	cJSON_Delete(m);
	free(r.body);
}

Test(conceptmap_api, read_r5_xml)
{
	struct ts_resp r;
	xmlDocPtr doc;

	read_map(BASE "/ConceptMap/icf-snomed", R5_XML, &r);
	cr_assert(strstr(r.ctype, "application/fhir+xml") && strstr(r.ctype, "fhirVersion=5.0"), "%s", r.ctype);
	doc = xmlReadMemory(r.body, (int)r.len, "r5.xml", NULL, XML_PARSE_NONET);
	cr_assert_not_null(doc, "R5 XML is not well-formed");
	cr_assert_str_eq((const char *)xmlDocGetRootElement(doc)->name, "ConceptMap");
	xmlFreeDoc(doc);
	cr_assert(strstr(r.body, "<relationship value="), "%.500s", r.body);
	cr_assert(strstr(r.body, "<sourceScopeUri value=\"" ICF "\"/>"), "%.500s", r.body);
	cr_assert(strstr(r.body, "<noMap value=\"true\"/>"), "icf-snomed has unmatched rows: %.500s", r.body);
	cr_assert_null(strstr(r.body, "<equivalence"));
	cr_assert_null(strstr(r.body, "<sourceUri"));
	free(r.body);
}

Test(conceptmap_api, plain_accept_stays_r4)
{
	struct ts_resp r;

	read_map(BASE "/ConceptMap/iplos-icf", R4_JSON, &r);
	cr_assert_null(strstr(r.ctype, "fhirVersion"), "%s", r.ctype);
	cr_assert(strstr(r.body, "\"equivalence\""));
	cr_assert(strstr(r.body, "\"sourceUri\":\"" IPLOS "\""));
	cr_assert_null(strstr(r.body, "\"relationship\""));
	free(r.body);
	read_map(BASE "/ConceptMap/iplos-icf", R4_XML, &r);
	cr_assert_null(strstr(r.ctype, "fhirVersion"), "%s", r.ctype);
	cr_assert(strstr(r.body, "<equivalence value="));
	cr_assert_null(strstr(r.body, "<relationship"));
	free(r.body);
}

Test(conceptmap_api, format_parameter_asks_for_r5)
{
	struct ts_resp r;
	char path[512], *id = map_id(BASE "/ConceptMap/iplos-icf");

	snprintf(path, sizeof(path), "/fhir/ConceptMap/%s?_format=application/fhir%%2Bxml;fhirVersion%%3D5.0", id);
	free(id);
	get(path, NULL, &r);
	cr_assert_eq(r.status, 200, "%.300s", r.body);
	cr_assert(strstr(r.ctype, "fhirVersion=5.0"), "%s", r.ctype);
	cr_assert(strstr(r.body, "<relationship value="), "%.300s", r.body);
	free(r.body);
}

Test(conceptmap_api, search_r5)
{
	struct ts_resp r;
	cJSON *b;
	const cJSON *res;

	get("/fhir/ConceptMap?url=" BASE "/ConceptMap/iplos-snomed", R5_JSON, &r);
	cr_assert_eq(r.status, 200, "%.300s", r.body);
	cr_assert(strstr(r.ctype, "fhirVersion=5.0"), "%s", r.ctype);
	b = cJSON_Parse(r.body);
	res = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "resource");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(res, "sourceScopeUri")), IPLOS);
	cr_assert_null(cJSON_GetObjectItem(res, "sourceUri"));
	/* Search entries are SUBSETTED: no groups, and so no attribute declarations either. */
	cr_assert_null(cJSON_GetObjectItem(res, "group"));
	cr_assert_null(cJSON_GetObjectItem(res, "additionalAttribute"));
	cJSON_Delete(b);
	free(r.body);
	/* The same search in R5 XML: the Bundle is R4-shaped, its ConceptMap R5. */
	get("/fhir/ConceptMap?url=" BASE "/ConceptMap/iplos-snomed", R5_XML, &r);
	cr_assert_eq(r.status, 200, "%.300s", r.body);
	cr_assert(strstr(r.body, "<sourceScopeUri value=\"" IPLOS "\"/>"), "%.600s", r.body);
	free(r.body);
}

Test(conceptmap_api, codesystem_in_r5_is_served_as_stored)
{
	struct ts_resp r;

	get("/fhir/CodeSystem?url=" BASE "/CodeSystem/iplos-score", R5_JSON, &r);
	cr_assert_eq(r.status, 200, "%.300s", r.body);
	cr_assert(strstr(r.ctype, "fhirVersion=5.0"), "%s", r.ctype);
	cr_assert(strstr(r.body, "\"url\":\"" BASE "/CodeSystem/iplos-score\""), "%.300s", r.body);
	free(r.body);
}

Test(conceptmap_api, r5_unknown_map_is_404)
{
	struct ts_resp r;

	get("/fhir/ConceptMap/no-such-map", R5_JSON, &r);
	cr_assert_eq(r.status, 404);
	cr_assert(strstr(r.body, "OperationOutcome"));
	free(r.body);
}
