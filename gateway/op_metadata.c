/* op_metadata.c — GET /fhir/metadata: the CapabilityStatement (mode full or normative, the default)
 * and the TerminologyCapabilities (mode=terminology) of this server and the snapshot it serves. */
#include "samsvar/jsonutil.h"
#include "samsvar/op_resource.h"
#include "samsvar/params.h"
#include "samsvar/version.h"

#include <stdio.h>
#include <string.h>

static cJSON *strings(const char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static void add_operation(cJSON *ops, const char *name, const char *def)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "definition", def);
	cJSON_AddItemToArray(ops, o);
}

/* rest.security: bearer tokens (RFC 6750, the OAuth 2.0 bearer usage, hence the OAuth code of
 * restful-security-service) and what each role may do; cors says whether cors_origins is set. */
static void add_security(cJSON *rest, const struct sv_request *req)
{
	cJSON *sec = cJSON_AddObjectToObject(rest, "security"), *svc, *cc, *coding, *c;

	cJSON_AddBoolToObject(sec, "cors", req->cfg && req->cfg->cors_origins[0]);
	svc = cJSON_AddArrayToObject(sec, "service");
	cc = cJSON_CreateObject();
	coding = cJSON_AddArrayToObject(cc, "coding");
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "system", "http://terminology.hl7.org/CodeSystem/restful-security-service");
	cJSON_AddStringToObject(c, "code", "OAuth");
	cJSON_AddStringToObject(c, "display", "OAuth");
	cJSON_AddItemToArray(coding, c);
	cJSON_AddStringToObject(cc, "text", "Bearer token (RFC 6750)");
	cJSON_AddItemToArray(svc, cc);
	cJSON_AddStringToObject(sec, "description", req->cfg && req->cfg->auth == SV_AUTH_ALL ?
		"Send `Authorization: Bearer <token>`; tokens are issued by the operator (`samsvar token create`). "
		"Every request but this CapabilityStatement needs a token. Roles, each allowed what the ones "
		"before it are: reader (read and terminology operations), maintainer (edit drafts, import), "
		"publisher (publish, roll back), admin. No token or an invalid one: 401; too low a role: 403." :
		"Send `Authorization: Bearer <token>`; tokens are issued by the operator (`samsvar token create`). "
		"Reads and terminology operations are open; changes need a token. Roles, each allowed what the "
		"ones before it are: reader, maintainer (edit drafts, import), publisher (publish, roll back), "
		"admin. A missing or invalid token where one is needed: 401; too low a role: 403.");
}

/* software: name and version; the release date where the resource has one (R4's CapabilityStatement
 * does, its TerminologyCapabilities does not). */
static void add_software(cJSON *res, int release_date)
{
	cJSON *sw = cJSON_AddObjectToObject(res, "software");

	cJSON_AddStringToObject(sw, "name", "samsvar");
	cJSON_AddStringToObject(sw, "version", SAMSVAR_VERSION);
	if (release_date)
		cJSON_AddStringToObject(sw, "releaseDate", SAMSVAR_RELEASE_DATE);
}

/* The $expand parameters op_valueset.c reads (TerminologyCapabilities.expansion.parameter). */
static const char *const EXPAND_PARAMS[] = {
	"activeOnly", "check-system-version", "count", "default-valueset-version", "designation",
	"displayLanguage", "excludeNested", "excludeNotForUI", "filter", "force-system-version",
	"includeDefinition", "includeDesignations", "offset", "property", "system-version", "tx-resource",
	"useSupplement", "valueSetVersion",
};

/* The FHIR versions served (major.minor, as $versions and the fhirVersion mime parameter name them):
 * R4 by default, R5 shapes for a client that asks with fhirVersion=5.0. */
static const char *const FHIR_VERSIONS[] = {"4.0", "5.0"};
#define FHIR_VERSION_DEFAULT "4.0"

/* The version of HL7's terminology ecosystem tests (fhir-tx-ecosystem-ig) samsvar is checked against
 * (`make conformance`, tests/tx-known-failures.md): the latest release their history.json names at
 * the commit in ../shared/tx-tests/SOURCE.md. */
#define TX_TESTS_VERSION "1.9.0"
#define FEATURE "http://hl7.org/fhir/uv/application-feature/StructureDefinition/feature"

/* One application-feature extension: `definition` and its value (valueCode `code`, else valueBoolean). */
static void add_feature(cJSON *exts, const char *definition, const char *code, int flag)
{
	cJSON *e = cJSON_CreateObject(), *parts = cJSON_CreateArray(), *d = cJSON_CreateObject(),
	      *v = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "url", FEATURE);
	cJSON_AddStringToObject(d, "url", "definition");
	cJSON_AddStringToObject(d, "valueCanonical", definition);
	cJSON_AddStringToObject(v, "url", "value");
	if (code)
		cJSON_AddStringToObject(v, "valueCode", code);
	else
		cJSON_AddBoolToObject(v, "valueBoolean", flag);
	cJSON_AddItemToArray(parts, d);
	cJSON_AddItemToArray(parts, v);
	cJSON_AddItemToObject(e, "extension", parts);
	cJSON_AddItemToArray(exts, e);
}

static cJSON *capability_statement(const struct sv_request *req)
{
	static const char *const formats[] = {"application/fhir+json", "application/fhir+xml"};
	static const char *const types[] = {"CodeSystem", "ValueSet", "ConceptMap", "Library"};
	static const char *const interactions[] = {"read", "vread", "search-type", "history-instance", "create",
						   "update", "delete"};
	cJSON *cap = cJSON_CreateObject(), *impl, *rest, *r, *resources, *ops;
	char date[32], url[400];

	sv_now_iso(date, sizeof(date));
	cJSON_AddStringToObject(cap, "resourceType", "CapabilityStatement");
	/* What the terminology ecosystem asks a server to declare: the test suite it passes, and that it
	 * takes code systems as parameters (tx-resource). */
	ops = cJSON_AddArrayToObject(cap, "extension");
	add_feature(ops, "http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version", TX_TESTS_VERSION, 0);
	add_feature(ops, "http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter", NULL, 1);
	snprintf(url, sizeof(url), "%s/CapabilityStatement/samsvar", req->cfg->canonical_base);
	cJSON_AddStringToObject(cap, "url", url);
	cJSON_AddStringToObject(cap, "version", SAMSVAR_VERSION);
	cJSON_AddStringToObject(cap, "name", "SamsvarCapabilityStatement");
	cJSON_AddStringToObject(cap, "title", "samsvar terminology gateway");
	cJSON_AddStringToObject(cap, "status", "active");
	cJSON_AddStringToObject(cap, "date", date);
	cJSON_AddStringToObject(cap, "publisher", "samsvar project");
	cJSON_AddStringToObject(cap, "kind", "instance");
	cJSON_AddItemToObject(cap, "instantiates",
			      strings((const char *const[]){"http://hl7.org/fhir/CapabilityStatement/terminology-server"}, 1));
	add_software(cap, 1);
	impl = cJSON_AddObjectToObject(cap, "implementation");
	cJSON_AddStringToObject(impl, "description", "samsvar terminology gateway: IPLOS, ICF, SNOMED CT, FSIII");
	cJSON_AddStringToObject(cap, "fhirVersion", req->fhir_version >= 5 ? "5.0.0" : "4.0.1");
	cJSON_AddItemToObject(cap, "format", strings(formats, 2));
	rest = cJSON_AddArrayToObject(cap, "rest");
	r = cJSON_CreateObject();
	cJSON_AddItemToArray(rest, r);
	cJSON_AddStringToObject(r, "mode", "server");
	add_security(r, req);
	resources = cJSON_AddArrayToObject(r, "resource");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		cJSON *res = cJSON_CreateObject(), *inter = cJSON_AddArrayToObject(res, "interaction");
		cJSON_AddStringToObject(res, "type", types[i]);
		/* Writes (create, update, delete) are for maintainers' tokens; see README "Maintaining content". */
		for (size_t j = 0; j < sizeof(interactions) / sizeof(interactions[0]); j++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "code", interactions[j]);
			cJSON_AddItemToArray(inter, o);
		}
		cJSON_AddStringToObject(res, "versioning", "versioned-update");
		cJSON_AddBoolToObject(res, "readHistory", 1);
		cJSON_AddBoolToObject(res, "updateCreate", 1);
		/* If-None-Match and If-Modified-Since on reads (rest.c) */
		cJSON_AddStringToObject(res, "conditionalRead", "full-support");
		sv_search_capability(res, types[i]);
		ops = cJSON_AddArrayToObject(res, "operation");
		if (i == 0) {
			add_operation(ops, "lookup", "http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup");
			add_operation(ops, "validate-code", "http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code");
			add_operation(ops, "subsumes", "http://hl7.org/fhir/OperationDefinition/CodeSystem-subsumes");
		} else if (i == 1) {
			add_operation(ops, "expand", "http://hl7.org/fhir/OperationDefinition/ValueSet-expand");
			add_operation(ops, "validate-code", "http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code");
			add_operation(ops, "batch-validate-code",
				      "http://hl7.org/fhir/OperationDefinition/ValueSet-batch-validate-code");
		} else if (i == 2) {
			add_operation(ops, "translate", "http://hl7.org/fhir/OperationDefinition/ConceptMap-translate");
		}
		if (cJSON_GetArraySize(ops) == 0)     /* Library: read and written, no operation of its own */
			cJSON_DeleteItemFromObjectCaseSensitive(res, "operation");
		cJSON_AddItemToArray(resources, res);
	}
	{
		/* The audit trail of changes, searched by maintainers. */
		static const char *const aparams[][2] = {{"entity", "string"}, {"agent", "string"}, {"action", "token"},
							{"date", "date"}};
		cJSON *res = cJSON_CreateObject(), *o = cJSON_CreateObject(), *sp;
		cJSON_AddStringToObject(res, "type", "AuditEvent");
		cJSON_AddStringToObject(o, "code", "search-type");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "interaction"), o);
		sp = cJSON_AddArrayToObject(res, "searchParam");
		for (size_t j = 0; j < 4; j++) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "name", aparams[j][0]);
			cJSON_AddStringToObject(p, "type", aparams[j][1]);
			cJSON_AddItemToArray(sp, p);
		}
		cJSON_AddItemToArray(resources, res);
	}
	/* A batch Bundle posted to the base (op_batch.c). */
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "code", "batch");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "interaction"), o);
	}
	/* System-level operations: FHIR's $versions, and samsvar's own with their OperationDefinitions. */
	ops = cJSON_AddArrayToObject(r, "operation");
	add_operation(ops, "versions", "http://hl7.org/fhir/OperationDefinition/CapabilityStatement-versions");
	snprintf(url, sizeof(url), "%s/OperationDefinition/assess", req->cfg->canonical_base);
	add_operation(ops, "assess", url);
	/* Messages out and in (op_message.c): ours, queued; FHIR's own, answered synchronously. */
	snprintf(url, sizeof(url), "%s/OperationDefinition/send-message", req->cfg->canonical_base);
	add_operation(ops, "send-message", url);
	add_operation(ops, "process-message", "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message");
	return cap;
}

static cJSON *terminology_capabilities(const struct sv_request *req)
{
	cJSON *tc = cJSON_CreateObject(), *systems, *e, *v, *t, *params;
	char date[32];

	sv_now_iso(date, sizeof(date));
	cJSON_AddStringToObject(tc, "resourceType", "TerminologyCapabilities");
	cJSON_AddStringToObject(tc, "version", SAMSVAR_VERSION);
	cJSON_AddStringToObject(tc, "name", "SamsvarTerminologyCapabilities");
	cJSON_AddStringToObject(tc, "title", "samsvar terminology capabilities");
	cJSON_AddStringToObject(tc, "status", "active");
	cJSON_AddStringToObject(tc, "date", date);
	cJSON_AddStringToObject(tc, "kind", "instance");
	add_software(tc, 0);
	systems = cJSON_AddArrayToObject(tc, "codeSystem");
	/* One entry per url, one version entry per version held; the latest is the default. */
	for (uint32_t i = 0; i < req->snap->ncs; i++) {
		const struct sv_codesystem *cs = &req->snap->cs[i];
		cJSON *entry = NULL, *it, *versions, *ver;
		cJSON_ArrayForEach(it, systems)
			if (strcmp(sv_jstr(it, "uri"), cs->url) == 0)
				entry = it;
		if (!entry) {
			entry = cJSON_CreateObject();
			cJSON_AddStringToObject(entry, "uri", cs->url);
			cJSON_AddArrayToObject(entry, "version");
			cJSON_AddItemToArray(systems, entry);
		}
		versions = cJSON_GetObjectItemCaseSensitive(entry, "version");
		ver = cJSON_CreateObject();
		cJSON_AddStringToObject(ver, "code", cs->version);
		cJSON_AddBoolToObject(ver, "isDefault", cs->is_latest);
		cJSON_AddBoolToObject(ver, "compositional", 0);
		cJSON_AddItemToArray(versions, ver);
	}
	e = cJSON_AddObjectToObject(tc, "expansion");
	cJSON_AddBoolToObject(e, "hierarchical", 0);
	cJSON_AddBoolToObject(e, "paging", 1);
	cJSON_AddBoolToObject(e, "incomplete", 0);
	cJSON_AddStringToObject(e, "textFilter", "Case-insensitive substring of display, designations or code.");
	params = cJSON_AddArrayToObject(e, "parameter");
	for (size_t i = 0; i < sizeof(EXPAND_PARAMS) / sizeof(EXPAND_PARAMS[0]); i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", EXPAND_PARAMS[i]);
		cJSON_AddItemToArray(params, p);
	}
	v = cJSON_AddObjectToObject(tc, "validateCode");
	cJSON_AddBoolToObject(v, "translations", 0);
	t = cJSON_AddObjectToObject(tc, "translation");
	cJSON_AddBoolToObject(t, "needsMap", 0);
	return tc;
}

enum sv_err sv_op_metadata(struct sv_request *req, cJSON **out, int *status)
{
	const char *mode = sv_params_string(req->params, "mode");
	(void)status;
	if (!mode || strcmp(mode, "full") == 0 || strcmp(mode, "normative") == 0)
		*out = capability_statement(req);
	else if (strcmp(mode, "terminology") == 0)
		*out = terminology_capabilities(req);
	else
		return sv_fail_at(&req->err, SV_EINVAL, "mode", "mode '%s' is not one of full, normative, terminology",
				  mode);
	return SV_OK;
}

enum sv_err sv_op_versions(struct sv_request *req, cJSON **out, int *status)
{
	cJSON *p = sv_params_new();
	(void)req;
	(void)status;
	for (size_t i = 0; i < sizeof(FHIR_VERSIONS) / sizeof(FHIR_VERSIONS[0]); i++)
		sv_params_add(p, "version", "Code", FHIR_VERSIONS[i]);
	sv_params_add(p, "default", "Code", FHIR_VERSION_DEFAULT);
	*out = p;
	return SV_OK;
}
