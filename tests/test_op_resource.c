/* test_op_resource.c — routing (sv_fhirapi_dispatch), OperationOutcome helpers, read and search
 * (metadata: test_op_metadata.c), called directly over a snapshot of the real FSIII code system plus small value sets. */
#include "support/fixtures.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FSIII_URL "urn:oid:1.2.208.176.2.21"
#define VS_BASE "https://fhir.samsvar.no/ValueSet/"

static struct sv_snapshot *snap;
static struct sv_config cfg;
static struct sv_request req;
static cJSON *result;
static int status;

static void setup(void)
{
	cJSON *fsiii = ts_shared_json("terminology/fsiii-codesystem-20240530.json");
	/* an older FSIII version too, read by id and searched by version */
	cJSON *old = cJSON_Duplicate(fsiii, 1);

	cJSON_ReplaceItemInObject(old, "version", cJSON_CreateString("20200101"));
	cJSON_ReplaceItemInObject(old, "id", cJSON_CreateString("FSIII-2020"));
	snap = ts_snapshot_of(ts_list(fsiii, old, cJSON_Parse(
		"{\"resourceType\":\"ValueSet\",\"id\":\"egenomsorg\",\"url\":\"" VS_BASE "egenomsorg\","
		"\"version\":\"1\",\"name\":\"Egenomsorg\",\"status\":\"active\",\"compose\":{\"include\":[{"
		"\"system\":\"" FSIII_URL "\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\",\"value\":\"J1\"}]}]}}"),
		cJSON_Parse(
		"{\"resourceType\":\"ValueSet\",\"id\":\"skala\",\"url\":\"" VS_BASE "skala\",\"version\":\"1\","
		"\"name\":\"Skala\",\"status\":\"draft\",\"meta\":{\"tag\":[{\"code\":\"keep\"}]},"
		"\"compose\":{\"include\":[{\"system\":\"" FSIII_URL "\"}]}}"), NULL));
	ts_request_init(&req, snap, &cfg, NULL);
	result = NULL;
}

static void teardown(void)
{
	ts_request_release(&req, result, snap);
}

TestSuite(api, .init = setup, .fini = teardown);

static void q(const char *name, const char *value)
{
	sv_params_add(req.params, name, "String", value);
}

static enum sv_err dispatch(const char *method, const char *type, const char *id, const char *op)
{
	enum sv_err rc;

	req.method = method;
	req.type = type;
	req.id = id;
	req.operation = op;
	status = 0;
	rc = ts_run(&req, sv_fhirapi_dispatch, &result, &status);
	if (rc == SV_OK)
		cr_assert_eq(status, 200);
	return rc;
}

static const char *rtype(void)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(result, "resourceType"));
}

/* ---- OperationOutcome ---- */

Test(api, outcome_from_error)
{
	struct sv_error err;
	cJSON *oo, *issue;

	sv_fail_at(&err, SV_ENOTFOUND, "system", "code system %s is not known", FSIII_URL);
	oo = sv_outcome_from_error(&err);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(oo, "resourceType")), "OperationOutcome");
	issue = cJSON_GetArrayItem(cJSON_GetObjectItem(oo, "issue"), 0);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(issue, "severity")), "error");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(issue, "code")), "not-found");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(issue, "diagnostics")), err.message);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(issue, "details"), "text")),
			 err.message);
	cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(issue, "expression"), 0)->valuestring, "system");
	cJSON_Delete(oo);

	sv_fail(&err, SV_ESTORE, "%s", "");
	oo = sv_outcome_from_error(&err);
	issue = cJSON_GetArrayItem(cJSON_GetObjectItem(oo, "issue"), 0);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(issue, "severity")), "fatal", "5xx is fatal");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(issue, "code")), "exception");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(issue, "diagnostics")), "store error",
			 "no message: the code's text");
	cr_assert_null(cJSON_GetObjectItem(issue, "expression"));
	cJSON_Delete(oo);

	oo = sv_outcome_new("information", "informational", "all well");
	issue = cJSON_GetArrayItem(cJSON_GetObjectItem(oo, "issue"), 0);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(issue, "severity")), "information");
	cJSON_Delete(oo);
}

/* ---- routing ---- */

Test(api, dispatch_routes)
{
	q("system", FSIII_URL);
	q("code", "J1.1");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, "lookup"), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(sv_params_string(result, "display"), "Vaske sig");
	cr_assert_eq(dispatch("POST", "CodeSystem", NULL, "lookup"), SV_OK, "%s", req.err.message);
	cr_assert_eq(dispatch("HEAD", "CodeSystem", NULL, "lookup"), SV_OK, "HEAD is a GET");
	cr_assert_eq(dispatch("GET", "CodeSystem", "FSIII", "lookup"), SV_OK, "%s", req.err.message);
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(rtype(), "Bundle");
	cr_assert_eq(dispatch("GET", "CodeSystem", "FSIII", NULL), SV_OK);
	cr_assert_str_eq(rtype(), "CodeSystem");
	cr_assert_eq(dispatch("GET", "metadata", NULL, NULL), SV_OK);
	cr_assert_str_eq(rtype(), "CapabilityStatement");
}

Test(api, dispatch_errors)
{
	cr_assert_eq(dispatch("POST", "metadata", NULL, NULL), SV_EMETHOD);
	cr_assert_eq(dispatch("GET", "metadata", "x", NULL), SV_ENOTFOUND);
	/* Writes need a maintainer's token; the wrong method on a path says which ones it takes. */
	cr_assert_eq(dispatch("POST", "CodeSystem", NULL, NULL), SV_EUNAUTH);
	cr_assert_eq(dispatch("PUT", "ValueSet", "egenomsorg", NULL), SV_EUNAUTH);
	cr_assert_eq(dispatch("DELETE", "ConceptMap", "x", NULL), SV_EUNAUTH);
	cr_assert_eq(dispatch("PUT", "ValueSet", NULL, NULL), SV_EMETHOD);
	cr_assert_str_eq(req.allow, "GET, HEAD, POST");
	cr_assert_eq(dispatch("POST", "ValueSet", "egenomsorg", NULL), SV_EMETHOD);
	cr_assert_str_eq(req.allow, "GET, HEAD, PUT, DELETE");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, "translate"), SV_ENOTFOUND);
	cr_assert(strstr(req.err.message, "$translate"), "%s", req.err.message);
	cr_assert_eq(dispatch("GET", "Patient", NULL, NULL), SV_ENOTFOUND);
	cr_assert(strstr(req.err.message, "Patient"), "%s", req.err.message);
	cr_assert_eq(dispatch("GET", "Patient", NULL, "everything"), SV_ENOTFOUND);
	cr_assert_eq(dispatch("GET", NULL, NULL, NULL), SV_ENOTFOUND);
	cr_assert_eq(dispatch("GET", NULL, NULL, "lookup"), SV_ENOTFOUND, "system-level operations are not served");
}

/* ---- read ---- */

Test(api, read)
{
	cr_assert_eq(dispatch("GET", "CodeSystem", "FSIII", NULL), SV_OK);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "version")), "20240530");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(result, "concept")), 34, "read gives the whole resource");
	cr_assert_neq(result, snap->cs[0].resource, "a copy, the snapshot is not handed out");
	cr_assert_eq(dispatch("GET", "CodeSystem", "FSIII-2020", NULL), SV_OK);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "version")), "20200101");
	cr_assert_eq(dispatch("GET", "ValueSet", "egenomsorg", NULL), SV_OK);
	cr_assert_str_eq(rtype(), "ValueSet");
	cr_assert_eq(dispatch("GET", "CodeSystem", "egenomsorg", NULL), SV_ENOTFOUND, "ids are per type");
	cr_assert(strstr(req.err.message, "CodeSystem/egenomsorg"), "%s", req.err.message);
	cr_assert_eq(dispatch("GET", "ConceptMap", "FSIII", NULL), SV_ENOTFOUND);
}

/* ---- search ---- */

static const cJSON *entry_res(int i)
{
	return cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(result, "entry"), i), "resource");
}

Test(api, search_all_and_subsetted)
{
	const cJSON *r, *tag, *e;
	char want[512];
	int subsetted = 0;

	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "type")), "searchset");
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "total")), 2);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(result, "entry")), 2);
	r = entry_res(0);
	cr_assert_null(cJSON_GetObjectItem(r, "concept"), "search leaves the concepts out");
	cJSON_ArrayForEach(tag, cJSON_GetObjectItem(cJSON_GetObjectItem(r, "meta"), "tag"))
		subsetted |= strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(tag, "code")), "SUBSETTED") == 0;
	cr_assert(subsetted);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(snap->cs[0].resource, "concept")), 34,
		     "the snapshot's resource is untouched");
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(result, "entry"), 0);
	/* on the server's base: where it listens when the request names none */
	snprintf(want, sizeof(want), "http://%s:%u/fhir/CodeSystem/%s", cfg.listen_host, cfg.listen_port,
		 cJSON_GetStringValue(cJSON_GetObjectItem(r, "id")));
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(e, "fullUrl")), want);
	req.base = "https://tx.example.no/fhir";
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK, "%s", req.err.message);
	e = cJSON_GetArrayItem(cJSON_GetObjectItem(result, "entry"), 0);
	snprintf(want, sizeof(want), "https://tx.example.no/fhir/CodeSystem/%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "resource"), "id")));
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(e, "fullUrl")), want);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(result, "link"),
		0), "url")), "https://tx.example.no/fhir/CodeSystem?_count=100&_offset=0");
	req.base = NULL;
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(e, "search"), "mode")), "match");

	cr_assert_eq(dispatch("GET", "ValueSet", NULL, NULL), SV_OK);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "total")), 2);
	cr_assert_null(cJSON_GetObjectItem(entry_res(0), "compose"));
	/* a resource's own meta.tag is kept beside SUBSETTED */
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(entry_res(1), "meta"), "tag")), 2);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(snap->vs[1].resource, "meta"), "tag")), 1);

	cr_assert_eq(dispatch("GET", "ConceptMap", NULL, NULL), SV_OK);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "total")), 0);
	cr_assert_null(cJSON_GetObjectItem(result, "entry"));
}

Test(api, search_parameters)
{
	q("url", FSIII_URL);
	q("version", "20200101");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK, "%s", req.err.message);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "total")), 1);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(entry_res(0), "id")), "FSIII-2020");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("name", "EGEN");
	cr_assert_eq(dispatch("GET", "ValueSet", NULL, NULL), SV_OK);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "total")), 1, "name: case-insensitive prefix");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(entry_res(0), "name")), "Egenomsorg");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("status", "draft");
	cr_assert_eq(dispatch("GET", "ValueSet", NULL, NULL), SV_OK);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "total")), 1);

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("_count", "1");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "total")), 2, "total counts all matches");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(result, "entry")), 1);

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("_count", "501");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK, "above the maximum: clamped");
	cr_assert(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(result, "link"),
		0), "url")), "_count=500&"));
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("_count", "-1");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_EINVAL);
	cr_assert_str_eq(req.err.expression, "_count");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("title:below", "x");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK, "lenient: ignored");
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(result, "total")), 2);
	req.strict = 1;
	cr_assert_eq(ts_run(&req, sv_fhirapi_dispatch, &result, &status), SV_OK, "strict: an OperationOutcome");
	cr_assert_eq(status, 400);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "resourceType")), "OperationOutcome");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(result, "issue"), 0), "expression"), 0)), "title:below");
	req.strict = 0;
}

static const cJSON *first_entry_resource(void)
{
	return cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(result, "entry"), 0), "resource");
}

static int subsetted(const cJSON *res)
{
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(cJSON_GetObjectItem(res, "meta"), "tag"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(t, "code")), "SUBSETTED") == 0)
			return 1;
	return 0;
}

Test(api, summary_count_false_and_default)
{
	q("url", FSIII_URL);
	q("_summary", "count");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK, "%s", req.err.message);
	cr_assert_eq(cJSON_GetObjectItem(result, "total")->valueint, 2);
	cr_assert_null(cJSON_GetObjectItem(result, "entry"), "_summary=count returns no entries");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("url", FSIII_URL);
	q("_summary", "false");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK);
	cr_assert_not_null(cJSON_GetObjectItem(first_entry_resource(), "concept"), "_summary=false is whole");
	cr_assert_not(subsetted(first_entry_resource()));

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("url", FSIII_URL);
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_OK);
	cr_assert_null(cJSON_GetObjectItem(first_entry_resource(), "concept"));
	cr_assert_not_null(cJSON_GetObjectItem(first_entry_resource(), "url"));
	cr_assert(subsetted(first_entry_resource()));
}

Test(api, read_with_elements_and_summary_text)
{
	const cJSON *it;
	q("_elements", "url,version");
	cr_assert_eq(dispatch("GET", "CodeSystem", "FSIII", NULL), SV_OK, "%s", req.err.message);
	cJSON_ArrayForEach(it, result) {
		cr_assert(strcmp(it->string, "resourceType") == 0 || strcmp(it->string, "id") == 0 ||
			  strcmp(it->string, "meta") == 0 || strcmp(it->string, "url") == 0 ||
			  strcmp(it->string, "version") == 0 || strcmp(it->string, "status") == 0 ||
			  strcmp(it->string, "content") == 0, "_elements kept %s", it->string);
	}
	cr_assert_not_null(cJSON_GetObjectItem(result, "url"));
	cr_assert(subsetted(result));

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("_summary", "text");
	cr_assert_eq(dispatch("GET", "CodeSystem", "FSIII", NULL), SV_OK);
	cr_assert_null(cJSON_GetObjectItem(result, "url"));
	cr_assert_null(cJSON_GetObjectItem(result, "concept"));
	cr_assert_not_null(cJSON_GetObjectItem(result, "status"), "mandatory elements stay");

	cJSON_Delete(req.params);
	req.params = sv_params_new();
	cr_assert_eq(dispatch("GET", "CodeSystem", "FSIII", NULL), SV_OK);
	cr_assert_not_null(cJSON_GetObjectItem(result, "concept"), "a plain read is whole");
	cr_assert_not(subsetted(result));
}

Test(api, summary_and_elements_errors)
{
	static const char *const bad[][2] = {{"_summary", "bogus"}, {"_elements", "url;drop table"}};
	for (size_t i = 0; i < 2; i++) {
		cJSON_Delete(req.params);
		req.params = sv_params_new();
		q(bad[i][0], bad[i][1]);
		cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_EINVAL);
		cr_assert_str_eq(req.err.expression, bad[i][0]);
	}
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("_summary", "true");
	q("_elements", "url");
	cr_assert_eq(dispatch("GET", "CodeSystem", NULL, NULL), SV_EINVAL);
	cJSON_Delete(req.params);
	req.params = sv_params_new();
	q("_summary", "count");
	cr_assert_eq(dispatch("GET", "CodeSystem", "FSIII", NULL), SV_EINVAL, "count is for searches");
}
