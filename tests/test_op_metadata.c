/* test_op_metadata.c — GET /fhir/metadata (op_metadata.c): the CapabilityStatement and, with
 * mode=terminology, the TerminologyCapabilities over a snapshot holding two versions of FSIII. */
#include "support/fixtures.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define FSIII_URL "urn:oid:1.2.208.176.2.21"

static struct sv_snapshot *snap;
static struct sv_config cfg;
static struct sv_request req;
static cJSON *result;

static void setup(void)
{
	cJSON *fsiii = ts_shared_json("terminology/fsiii-codesystem-20240530.json");
	cJSON *old = cJSON_Duplicate(fsiii, 1);

	cJSON_ReplaceItemInObject(old, "version", cJSON_CreateString("20200101"));
	cJSON_ReplaceItemInObject(old, "id", cJSON_CreateString("FSIII-2020"));
	snap = ts_snapshot_of(ts_list(fsiii, old, NULL));
	ts_request_init(&req, snap, &cfg, "metadata");
	result = NULL;
}

static void teardown(void)
{
	ts_request_release(&req, result, snap);
}

TestSuite(metadata, .init = setup, .fini = teardown);

static void q(const char *name, const char *value)
{
	sv_params_add(req.params, name, "String", value);
}

static void reset_params(void)
{
	cJSON_Delete(req.params);
	req.params = sv_params_new();
}

static enum sv_err run(void)
{
	return ts_run(&req, sv_op_metadata, &result, NULL);
}

static const char *rtype(void)
{
	return cJSON_GetStringValue(cJSON_GetObjectItem(result, "resourceType"));
}

Test(metadata, capability_statement)
{
	const cJSON *res, *r;
	int n = 0, ops = 0;
	char want[300];

	cr_assert_eq(run(), SV_OK);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "fhirVersion")), "4.0.1");
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "kind")), "instance");
	snprintf(want, sizeof(want), "%s/CapabilityStatement/samsvar", cfg.canonical_base);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(result, "url")), want);
	res = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(result, "rest"), 0), "resource");
	cJSON_ArrayForEach(r, res) {
		n++;
		ops += cJSON_GetArraySize(cJSON_GetObjectItem(r, "operation"));
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "type")), "ConceptMap") == 0) {
			/* Written by maintainers, with versions and ETags (issue 9). */
			cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "versioning")), "versioned-update");
			cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(r, "interaction")), 7);
			cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "conditionalRead")), "full-support");
		}
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "type")), "AuditEvent") != 0) {
			/* the search's own parameter list: what it takes is what it says */
			const cJSON *p;
			int sys = 0, id = 0;
			cJSON_ArrayForEach(p, cJSON_GetObjectItem(r, "searchParam")) {
				const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(p, "name"));
				sys += strcmp(name, "source-system") == 0;
				id += strcmp(name, "_id") == 0;
				cr_assert(name[0] != '_' || strcmp(name, "_id") == 0, "%s: result parameters are not listed", name);
				cr_assert_null(strchr(name, ':'), "modifiers are not search parameters");
			}
			cr_assert_eq(id, 1);
			cr_assert_eq(sys, strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "type")), "ConceptMap") == 0);
		}
	}
	cr_assert_eq(n, 5, "CodeSystem, ValueSet, ConceptMap, Library, AuditEvent");
	cr_assert_eq(ops, 7, "lookup, validate-code, subsumes, expand, validate-code, batch-validate-code, translate");
	q("mode", "full");
	cr_assert_eq(run(), SV_OK);
	cr_assert_str_eq(rtype(), "CapabilityStatement");
}

Test(metadata, terminology_capabilities)
{
	const cJSON *sys, *v;
	int n = 0, defaults = 0;

	q("mode", "terminology");
	cr_assert_eq(run(), SV_OK);
	cr_assert_str_eq(rtype(), "TerminologyCapabilities");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(result, "codeSystem")), 1, "one entry per url");
	sys = cJSON_GetArrayItem(cJSON_GetObjectItem(result, "codeSystem"), 0);
	cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(sys, "uri")), FSIII_URL);
	cJSON_ArrayForEach(v, cJSON_GetObjectItem(sys, "version")) {
		n++;
		if (cJSON_IsTrue(cJSON_GetObjectItem(v, "isDefault"))) {
			defaults++;
			cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(v, "code")), "20240530");
		}
	}
	cr_assert_eq(n, 2);
	cr_assert_eq(defaults, 1);
	reset_params();
	q("mode", "bogus");
	cr_assert_eq(run(), SV_EINVAL);
	cr_assert_str_eq(req.err.expression, "mode");
}
