/* op_resource.c — the REST interactions: metadata, read and search of terminology resources. */
#include "samsvar/jsonutil.h"
#include "samsvar/conceptmap_r5.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "samsvar/version.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define SEARCH_MAX 500

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

static cJSON *capability_statement(const struct sv_request *req)
{
	static const char *const formats[] = {"application/fhir+json", "application/fhir+xml"};
	static const char *const types[] = {"CodeSystem", "ValueSet", "ConceptMap"};
	static const char *const sparams[] = {"url", "version", "name", "status"};
	cJSON *cap = cJSON_CreateObject(), *sw, *impl, *rest, *r, *resources, *ops;
	char date[32], url[400];

	sv_now_iso(date, sizeof(date));
	cJSON_AddStringToObject(cap, "resourceType", "CapabilityStatement");
	cJSON_AddStringToObject(cap, "status", "active");
	cJSON_AddStringToObject(cap, "date", date);
	cJSON_AddStringToObject(cap, "publisher", "samsvar project");
	cJSON_AddStringToObject(cap, "kind", "instance");
	sw = cJSON_AddObjectToObject(cap, "software");
	cJSON_AddStringToObject(sw, "name", "samsvar");
	cJSON_AddStringToObject(sw, "version", SAMSVAR_VERSION);
	impl = cJSON_AddObjectToObject(cap, "implementation");
	cJSON_AddStringToObject(impl, "description", "samsvar terminology gateway: IPLOS, ICF, SNOMED CT, FSIII");
	cJSON_AddStringToObject(cap, "fhirVersion", "4.0.1");
	cJSON_AddItemToObject(cap, "format", strings(formats, 2));
	rest = cJSON_AddArrayToObject(cap, "rest");
	r = cJSON_CreateObject();
	cJSON_AddItemToArray(rest, r);
	cJSON_AddStringToObject(r, "mode", "server");
	resources = cJSON_AddArrayToObject(r, "resource");
	for (size_t i = 0; i < 3; i++) {
		cJSON *res = cJSON_CreateObject(), *inter = cJSON_AddArrayToObject(res, "interaction"), *sp, *o;
		cJSON_AddStringToObject(res, "type", types[i]);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "code", "read");
		cJSON_AddItemToArray(inter, o);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "code", "search-type");
		cJSON_AddItemToArray(inter, o);
		sp = cJSON_AddArrayToObject(res, "searchParam");
		for (size_t j = 0; j < 4; j++) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "name", sparams[j]);
			cJSON_AddStringToObject(p, "type", strcmp(sparams[j], "url") == 0 ? "uri" :
						strcmp(sparams[j], "name") == 0 ? "string" : "token");
			cJSON_AddItemToArray(sp, p);
		}
		ops = cJSON_AddArrayToObject(res, "operation");
		if (i == 0) {
			add_operation(ops, "lookup", "http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup");
			add_operation(ops, "validate-code", "http://hl7.org/fhir/OperationDefinition/CodeSystem-validate-code");
			add_operation(ops, "subsumes", "http://hl7.org/fhir/OperationDefinition/CodeSystem-subsumes");
		} else if (i == 1) {
			add_operation(ops, "expand", "http://hl7.org/fhir/OperationDefinition/ValueSet-expand");
			add_operation(ops, "validate-code", "http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code");
		} else {
			add_operation(ops, "translate", "http://hl7.org/fhir/OperationDefinition/ConceptMap-translate");
		}
		cJSON_AddItemToArray(resources, res);
	}
	/* System-level operations of samsvar's own, with their OperationDefinitions. */
	ops = cJSON_AddArrayToObject(r, "operation");
	snprintf(url, sizeof(url), "%s/OperationDefinition/assess", req->cfg->canonical_base);
	add_operation(ops, "assess", url);
	snprintf(url, sizeof(url), "%s/CapabilityStatement/samsvar", req->cfg->canonical_base);
	cJSON_AddStringToObject(cap, "url", url);
	return cap;
}

static cJSON *terminology_capabilities(const struct sv_request *req)
{
	cJSON *tc = cJSON_CreateObject(), *systems, *sw, *e, *v, *t;
	char date[32];

	sv_now_iso(date, sizeof(date));
	cJSON_AddStringToObject(tc, "resourceType", "TerminologyCapabilities");
	cJSON_AddStringToObject(tc, "status", "active");
	cJSON_AddStringToObject(tc, "date", date);
	cJSON_AddStringToObject(tc, "kind", "instance");
	sw = cJSON_AddObjectToObject(tc, "software");
	cJSON_AddStringToObject(sw, "name", "samsvar");
	cJSON_AddStringToObject(sw, "version", SAMSVAR_VERSION);
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

static const cJSON *resource_of(const struct sv_request *req, char tag, uint32_t i)
{
	return tag == 'C' ? req->snap->cs[i].resource : tag == 'V' ? req->snap->vs[i].resource :
		req->snap->cm[i].resource;
}

/* A copy of stored resource `res` in the FHIR version the request asked for; the caller frees it.
 * Only ConceptMap differs: R5 renamed and restructured it (sourceScope, relationship, noMap,
 * additionalAttribute). CodeSystem and ValueSet are served as stored for R5 too: between R4 and R5
 * they mostly gained elements, so samsvar's R4 JSON of them is close enough to read as R5. */
static cJSON *in_version(struct sv_request *req, const cJSON *res)
{
	struct sv_error e = {0};
	cJSON *r5;

	if (req->fhir_version < 5 || strcmp(sv_jstr(res, "resourceType") ? sv_jstr(res, "resourceType") : "",
					     "ConceptMap") != 0)
		return cJSON_Duplicate(res, 1);
	if (!(r5 = sv_conceptmap_to_r5(res, &e)))
		sv_fail(&req->err, SV_EINTERNAL, "ConceptMap/%s cannot be given in the R5 shape: %s",
			sv_jstr(res, "id") ? sv_jstr(res, "id") : "", e.message);
	return r5;
}

/* What `_summary` asks for (http://hl7.org/fhir/R4/search.html#summary). */
enum summary { SUM_FALSE, SUM_TRUE, SUM_DATA, SUM_TEXT, SUM_COUNT };

#define MAX_ELEMENTS 32

/* Reads `_summary` (default `dflt`) and checks `_elements` against it; both are client input. */
static enum sv_err read_shape(struct sv_request *req, enum summary dflt, enum summary *sum, const char **elements)
{
	static const char *const names[] = {"false", "true", "data", "text", "count"};
	const char *v = sv_params_string(req->params, "_summary");

	*sum = dflt;
	*elements = sv_params_string(req->params, "_elements");
	if (v) {
		size_t i;
		for (i = 0; i < sizeof(names) / sizeof(names[0]) && strcmp(v, names[i]) != 0; i++)
			;
		if (i == sizeof(names) / sizeof(names[0]))
			return sv_fail_at(&req->err, SV_EINVAL, "_summary", "_summary '%s' is not one of true, false, "
					  "data, text, count", v);
		*sum = (enum summary)i;
		if (*elements)
			return sv_fail_at(&req->err, SV_EINVAL, "_elements", "give _summary or _elements, not both");
	}
	if (*elements) {
		int n = 1;
		for (const char *c = *elements; *c; c++) {
			n += *c == ',';
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == ',' || *c == '.'))
				return sv_fail_at(&req->err, SV_EINVAL, "_elements", "_elements must be a comma-separated "
						  "list of element names");
		}
		if (n > MAX_ELEMENTS)
			return sv_fail_at(&req->err, SV_EINVAL, "_elements", "_elements names more than %d elements",
					  MAX_ELEMENTS);
	}
	return SV_OK;
}

static int listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* Elements every resource keeps, whatever is asked: identity, and what the schema makes mandatory. */
static int always_kept(const char *name)
{
	return strcmp(name, "resourceType") == 0 || strcmp(name, "id") == 0 || strcmp(name, "meta") == 0 ||
	       strcmp(name, "status") == 0 || strcmp(name, "content") == 0;
}

/* Cuts `res` down as asked and tags it SUBSETTED when anything was left out. */
static void shape(cJSON *res, enum summary sum, const char *elements)
{
	static const char *const bulky[] = {"concept", "group", "additionalAttribute", "compose", "text"};
	cJSON *it = res->child, *next, *meta, *tags, *t;
	int cut = 0;

	for (; it; it = next) {
		next = it->next;
		if (always_kept(it->string))
			continue;
		int drop = 0;
		if (elements)
			drop = !listed(elements, it->string);
		else if (sum == SUM_TEXT)
			drop = strcmp(it->string, "text") != 0;
		else if (sum == SUM_DATA)
			drop = strcmp(it->string, "text") == 0;
		else if (sum == SUM_TRUE)
			for (size_t i = 0; i < sizeof(bulky) / sizeof(bulky[0]); i++)
				drop |= strcmp(it->string, bulky[i]) == 0;
		if (drop) {
			cJSON_Delete(cJSON_DetachItemViaPointer(res, it));
			cut = 1;
		}
	}
	if (!cut)
		return;
	meta = cJSON_GetObjectItemCaseSensitive(res, "meta");
	if (!meta)
		meta = cJSON_AddObjectToObject(res, "meta");
	tags = cJSON_GetObjectItemCaseSensitive(meta, "tag");
	if (!tags)
		tags = cJSON_AddArrayToObject(meta, "tag");
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "system", "http://terminology.hl7.org/CodeSystem/v3-ObservationValue");
	cJSON_AddStringToObject(t, "code", "SUBSETTED");
	cJSON_AddItemToArray(tags, t);
}

enum sv_err sv_op_read(struct sv_request *req, cJSON **out, int *status)
{
	char tag = strcmp(req->type, "CodeSystem") == 0 ? 'C' : strcmp(req->type, "ValueSet") == 0 ? 'V' : 'M';
	const void *r = sv_snapshot_by_id(req->snap, tag, req->id);
	enum summary sum;
	const char *elements;
	enum sv_err rc;

	(void)status;
	if (!r)
		return sv_fail(&req->err, SV_ENOTFOUND, "%s/%s is not known", req->type, req->id);
	if ((rc = read_shape(req, SUM_FALSE, &sum, &elements)) != SV_OK)
		return rc;
	if (sum == SUM_COUNT)
		return sv_fail_at(&req->err, SV_EINVAL, "_summary", "_summary=count applies to searches, not reads");
	*out = in_version(req, tag == 'C' ? ((const struct sv_codesystem *)r)->resource :
			  ((const struct sv_resource *)r)->resource);
	if (!*out)
		return req->err.code;
	shape(*out, sum, elements);
	return SV_OK;
}

static int matches(const cJSON *res, const cJSON *params, const char *field)
{
	const char *want = sv_params_string(params, field), *have = sv_jstr(res, field);
	if (!want)
		return 1;
	if (!have)
		return 0;
	if (strcmp(field, "name") == 0)   /* string search: case-insensitive prefix */
		return strncasecmp(have, want, strlen(want)) == 0;
	return strcmp(have, want) == 0;
}

enum sv_err sv_op_search(struct sv_request *req, cJSON **out, int *status)
{
	static const char *const known[] = {"url", "version", "name", "status", "_summary", "_count", "_elements"};
	char tag = strcmp(req->type, "CodeSystem") == 0 ? 'C' : strcmp(req->type, "ValueSet") == 0 ? 'V' : 'M';
	uint32_t n = tag == 'C' ? req->snap->ncs : tag == 'V' ? req->snap->nvs : req->snap->ncm;
	cJSON *bundle, *entries, *p;
	enum summary sum;
	const char *elements;
	long limit;
	int total = 0;
	enum sv_err rc;

	(void)status;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		int ok = 0;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= strcmp(name, known[i]) == 0;
		if (!ok)
			return sv_fail_at(&req->err, SV_EINVAL, name, "search parameter '%s' is not supported on %s "
					  "(use url, version, name, status)", name, req->type);
	}
	if ((rc = sv_params_int(req->params, "_count", 100, 0, SEARCH_MAX, &limit, &req->err)) != SV_OK ||
	    (rc = read_shape(req, SUM_TRUE, &sum, &elements)) != SV_OK)
		return rc;
	if (sum == SUM_COUNT)
		limit = 0;
	bundle = cJSON_CreateObject();
	cJSON_AddStringToObject(bundle, "resourceType", "Bundle");
	cJSON_AddStringToObject(bundle, "type", "searchset");
	entries = cJSON_CreateArray();
	for (uint32_t i = 0; i < n; i++) {
		const cJSON *res = resource_of(req, tag, i);
		cJSON *entry, *copy, *search;
		if (!matches(res, req->params, "url") || !matches(res, req->params, "version") ||
		    !matches(res, req->params, "name") || !matches(res, req->params, "status"))
			continue;
		total++;
		if (cJSON_GetArraySize(entries) >= limit)
			continue;
		/* By default (_summary=true) search results leave out the possibly huge concept and group
		 * lists; read, or _summary=false, gives the whole resource. */
		copy = in_version(req, res);
		if (!copy) {
			cJSON_Delete(entries);
			cJSON_Delete(bundle);
			return req->err.code;
		}
		shape(copy, sum, elements);
		entry = cJSON_CreateObject();
		{
			char full[512];
			snprintf(full, sizeof(full), "%s/%s/%s", req->cfg->canonical_base, req->type,
				 sv_jstr(res, "id") ? sv_jstr(res, "id") : "");
			cJSON_AddStringToObject(entry, "fullUrl", full);
		}
		cJSON_AddItemToObject(entry, "resource", copy);
		search = cJSON_AddObjectToObject(entry, "search");
		cJSON_AddStringToObject(search, "mode", "match");
		cJSON_AddItemToArray(entries, entry);
	}
	cJSON_AddNumberToObject(bundle, "total", total);
	if (cJSON_GetArraySize(entries))
		cJSON_AddItemToObject(bundle, "entry", entries);
	else
		cJSON_Delete(entries);
	*out = bundle;
	return SV_OK;
}
