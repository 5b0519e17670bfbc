/* op_resource.c — the REST read of terminology resources, and the _summary/_elements shapes it
 * shares with the search (op_search.c); /metadata is op_metadata.c. */
#include "samsvar/jsonutil.h"
#include "samsvar/conceptmap_r5.h"
#include "samsvar/op_resource.h"
#include "samsvar/params.h"

#include <stdio.h>
#include <string.h>

const cJSON *sv_resource_at(const struct sv_request *req, char tag, uint32_t i)
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

#define MAX_ELEMENTS 32

enum sv_err sv_resource_shape_read(struct sv_request *req, enum sv_summary dflt, enum sv_summary *sum,
				   const char **elements)
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
		*sum = (enum sv_summary)i;
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
static void shape(cJSON *res, enum sv_summary sum, const char *elements)
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
		else if (sum == SV_SUM_TEXT)
			drop = strcmp(it->string, "text") != 0;
		else if (sum == SV_SUM_DATA)
			drop = strcmp(it->string, "text") == 0;
		else if (sum == SV_SUM_TRUE) {
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

cJSON *sv_resource_copy(struct sv_request *req, const cJSON *res, enum sv_summary sum, const char *elements)
{
	cJSON *copy = in_version(req, res);
	if (copy)
		shape(copy, sum, elements);
	return copy;
}

enum sv_err sv_op_read(struct sv_request *req, cJSON **out, int *status)
{
	char tag = sv_snapshot_tag(req->type);
	const void *r = sv_snapshot_by_id(req->snap, tag, req->id);
	enum sv_summary sum;
	const char *elements;
	enum sv_err rc;

	(void)status;
	if (!r)
		return sv_fail(&req->err, SV_ENOTFOUND, "%s/%s is not known", req->type, req->id);
	if ((rc = sv_resource_shape_read(req, SV_SUM_FALSE, &sum, &elements)) != SV_OK)
		return rc;
	if (sum == SV_SUM_COUNT)
		return sv_fail_at(&req->err, SV_EINVAL, "_summary", "_summary=count applies to searches, not reads");
	*out = sv_resource_copy(req, tag == 'C' ? ((const struct sv_codesystem *)r)->resource :
				((const struct sv_resource *)r)->resource, sum, elements);
	if (!*out)
		return req->err.code;
	sv_op_read_headers(req);
	return SV_OK;
}

