/* op_resource.c — the REST interactions read and search of terminology resources (/metadata is
 * op_metadata.c). */
#include "samsvar/jsonutil.h"
#include "samsvar/conceptmap_r5.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"

#include <stdio.h>
#include <string.h>

#define SEARCH_MAX 500

static const cJSON *resource_of(const struct sv_request *req, char tag, uint32_t i)
{
	return tag == 'C' ? req->snap->cs[i].resource : tag == 'V' ? req->snap->vs[i].resource :
		tag == 'L' ? req->snap->lib[i].resource : req->snap->cm[i].resource;
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
/* CodeSystem.content (a code) is mandatory; a Library's content (an array: the rules text) is not. */
static int always_kept(const cJSON *it)
{
	const char *name = it->string;
	return strcmp(name, "resourceType") == 0 || strcmp(name, "id") == 0 || strcmp(name, "meta") == 0 ||
	       strcmp(name, "status") == 0 || (strcmp(name, "content") == 0 && !cJSON_IsArray(it));
}

/* Cuts `res` down as asked and tags it SUBSETTED when anything was left out. */
static void shape(cJSON *res, enum summary sum, const char *elements)
{
	static const char *const bulky[] = {"concept", "group", "additionalAttribute", "compose", "text"};
	cJSON *it = res->child, *next, *meta, *tags, *t;
	int cut = 0;

	for (; it; it = next) {
		next = it->next;
		if (always_kept(it))
			continue;
		int drop = 0;
		if (elements)
			drop = !listed(elements, it->string);
		else if (sum == SUM_TEXT)
			drop = strcmp(it->string, "text") != 0;
		else if (sum == SUM_DATA)
			drop = strcmp(it->string, "text") == 0;
		else if (sum == SUM_TRUE) {
			for (size_t i = 0; i < sizeof(bulky) / sizeof(bulky[0]); i++)
				drop |= strcmp(it->string, bulky[i]) == 0;
			drop |= strcmp(it->string, "content") == 0;   /* a Library's rules text */
		}
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
	char tag = sv_snapshot_tag(req->type);
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
	sv_op_read_headers(req);
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
	char tag = sv_snapshot_tag(req->type);
	uint32_t n = tag == 'C' ? req->snap->ncs : tag == 'V' ? req->snap->nvs : tag == 'L' ? req->snap->nlib :
		     req->snap->ncm;
	cJSON *bundle, *entries;
	enum summary sum;
	const char *elements;
	long limit;
	int total = 0;
	enum sv_err rc;

	(void)status;
	if ((rc = sv_params_only(req->params, known, sizeof(known) / sizeof(known[0]), req->type,
				 "url, version, name, status", &req->err)) != SV_OK)
		return rc;
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
