/* op_batch.c — many requests in one call: POST /fhir with a `batch` Bundle (FHIR RESTful batch), and
 * ValueSet/$batch-validate-code (a Parameters of `validation` Parameters, as HL7's terminology tests
 * send it). Each entry is a request of its own, built from the caller's (the same token, snapshot,
 * FHIR version and languages) and dispatched through sv_fhirapi_dispatch(): the same routes, role
 * checks, tx-resource layers and handlers as a direct request, no second implementation. Entries are
 * independent: a bad one gets its own status and OperationOutcome, and the others still answer. */
#include "samsvar/fhirapi.h"
#include "samsvar/headers.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/strmap.h"
#include "samsvar/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One entry's request and what it owns. */
struct sub {
	struct sv_request req;
	struct sv_resp_headers headers;   /* ETag, Location... a handler set: the entry's response */
	struct sv_url url;
	cJSON *params;                    /* owned: references to the entry's parameters, and the query's */
	char pathbuf[1024];
};

/* What every entry shares: the caller's request and what is left of the answer budget. */
struct run {
	struct sv_request *parent;
	size_t budget;                    /* JSON values the answers may still hold (max_batch_answer_nodes) */
};

static void sub_init(struct sub *s, const struct sv_request *parent, const char *method)
{
	memset(s, 0, sizeof(*s));
	s->req.method = method;
	s->req.cfg = parent->cfg;
	s->req.fhir_version = parent->fhir_version;
	s->req.base = parent->base;               /* links and fullUrls on the caller's base, */
	s->req.format = parent->format;           /* in the format it asked for, */
	s->req.pretty = parent->pretty;
	s->req.strict = parent->strict;           /* with the handling it asked for */
	memcpy(s->req.accept_language, parent->accept_language, sizeof(s->req.accept_language));
	s->req.who = parent->who;                 /* the caller's token applies to every entry */
	s->req.peer = parent->peer;
	s->req.writer = parent->writer;
	s->req.outbox = parent->outbox;
	s->req.headers = &s->headers;
	s->req.snap = sv_snapshot_ref(parent->snap); /* the entry may put a layer over it and release it */
}

static void sub_release(struct sub *s)
{
	sv_snapshot_release(s->req.snap);
	free(s->req.json);
	sv_resp_headers_release(&s->headers);
	sv_url_release(&s->url);
	cJSON_Delete(s->params);
}

/* A new Parameters holding references to the parameters of `first`, then to those of `then` (NULL:
 * none) whose names `first` does not use, leaving out `skip` (NULL: none) and tx-resource, which the
 * caller already put in the snapshot. The references keep nothing alive: the caller frees the result
 * before `first` and `then`. Linear in both lists (the names in a keyed hash). */
static cJSON *params_join(const cJSON *first, const cJSON *then, const char *skip)
{
	cJSON *out = sv_params_new(), *list = cJSON_AddArrayToObject(out, "parameter");
	const cJSON *p;
	struct sv_strmap names;
	uint32_t unused;

	sv_strmap_init(&names, (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(first, "parameter")));
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(first, "parameter")) {
		cJSON_AddItemReferenceToArray(list, (cJSON *)p);
		sv_strmap_put(&names, sv_jstr(p, "name"), 0);
	}
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(then, "parameter")) {
		const char *name = sv_jstr(p, "name");
		if (!name || strcmp(name, "tx-resource") == 0 || (skip && strcmp(name, skip) == 0) ||
		    sv_strmap_get(&names, name, &unused))
			continue;
		cJSON_AddItemReferenceToArray(list, (cJSON *)p);
	}
	sv_strmap_release(&names);
	return out;
}

/* The JSON values of `j` (linear in its size; answers nest a few levels, a hierarchy at most). */
static size_t nodes(const cJSON *j)
{
	size_t n = 1;
	for (const cJSON *c = j->child; c; c = c->next)
		n += nodes(c);
	return n;
}

/* Takes a Parameters entry resource as the entry's parameters: checked as a request body is. */
static enum sv_err take_parameters(struct sub *s, const cJSON *resource, const cJSON *shared, const char *skip)
{
	enum sv_err rc;

	if ((rc = sv_params_check(resource, &s->req.err)) != SV_OK)
		return rc;
	if ((size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resource, "parameter")) > s->req.cfg->max_params)
		return sv_fail_at(&s->req.err, SV_ETOOBIG, "Parameters.parameter", "the entry has more than %u "
				  "parameters (max_params)", s->req.cfg->max_params);
	s->params = params_join(resource, shared, skip);
	s->req.params = s->params;
	s->req.body = resource;
	s->req.params_checked = 1;
	return SV_OK;
}

/* Runs the entry's request and returns its answer: the handler's resource, or an OperationOutcome for
 * its error; *status is the HTTP status it would have had. `rc` is an error found while building the
 * request (then nothing runs). Past the answer budget the entry is not run: 413. */
static cJSON *answer(struct run *b, struct sub *s, enum sv_err rc, int *status)
{
	cJSON *res = NULL;
	size_t n;

	*status = 200;
	if (rc == SV_OK && b->budget == 0)
		rc = sv_fail(&s->req.err, SV_ETOOBIG, "the answers of this batch reached max_batch_answer_nodes (%u "
			     "JSON values): this entry was not run", b->parent->cfg->max_batch_answer_nodes);
	if (rc == SV_OK)
		rc = sv_fhirapi_dispatch(&s->req, &res, status);
	if (rc == SV_OK && !res) {
		/* Bytes that are not a FHIR resource (CSV from $diff output=csv) cannot sit in a Bundle. */
		rc = sv_fail(&s->req.err, SV_ENOTACCEPT, "this answer is not a FHIR resource and cannot be "
			     "carried in a batch");
	}
	if (rc != SV_OK) {
		cJSON_Delete(res);
		if (s->req.err.code == SV_OK)
			sv_fail(&s->req.err, rc, "%s", sv_strerror(rc));
		s->req.err.code = rc;
		*status = sv_err_http_status(rc);
		return sv_outcome_from_error(&s->req.err);
	}
	n = nodes(res);
	if (n > b->budget) {
		cJSON_Delete(res);
		b->budget = 0;
		sv_fail(&s->req.err, SV_ETOOBIG, "this entry's answer would pass max_batch_answer_nodes (%u JSON "
			"values for all the answers of a batch)", b->parent->cfg->max_batch_answer_nodes);
		*status = 413;
		return sv_outcome_from_error(&s->req.err);
	}
	b->budget -= n;
	return res;
}

/* ---- POST /fhir: a batch Bundle ------------------------------------------------------------------ */

/* Builds the request of Bundle entry `e` into s (method, url relative to the base, resource). */
static enum sv_err build_entry(struct sub *s, const struct sv_request *parent, const cJSON *e)
{
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(e, "request");
	const cJSON *resource = cJSON_GetObjectItemCaseSensitive(e, "resource");
	const char *method = sv_jstr(rq, "method"), *url = sv_jstr(rq, "url");
	size_t len;
	char *target;
	enum sv_err rc;

	sub_init(s, parent, method && strcmp(method, "POST") == 0 ? "POST" : "GET");
	if (!method || !url)
		return sv_fail_at(&s->req.err, SV_EINVAL, "Bundle.entry.request", "the entry needs request.method "
				  "and request.url");
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
		s->req.allow = "GET, POST";
		return sv_fail_at(&s->req.err, SV_EMETHOD, "Bundle.entry.request.method", "a batch entry takes GET "
				  "or POST (reads, searches and operations), not %.20s", method);
	}
	if (memmem(url, strcspn(url, "?"), "://", 3) || url[0] == '?')
		return sv_fail_at(&s->req.err, SV_EINVAL, "Bundle.entry.request.url", "request.url must be relative "
				  "to the base, e.g. CodeSystem/$lookup?system=...&code=... (got '%.200s')", url);
	/* Origin form, as a request-target: "/" + the relative url; read as strictly as one. */
	if (url[0] == '/')
		url++;
	len = strlen(url);
	target = sv_xmalloc(len + 2);
	target[0] = '/';
	memcpy(target + 1, url, len + 1);
	rc = sv_url_parse(target, strlen(target), parent->cfg->max_params, &s->url, &s->req.err);
	free(target);
	if (rc != SV_OK || (rc = sv_fhirapi_split_path(s->url.path, s->pathbuf, sizeof(s->pathbuf), &s->req)) != SV_OK)
		return rc;
	/* Nor $batch-validate-code: entries times validations would pass max_batch_entries. */
	if ((!s->req.type && !s->req.operation) ||
	    (s->req.operation && strcmp(s->req.operation, "batch-validate-code") == 0))
		return sv_fail_at(&s->req.err, SV_EINVAL, "Bundle.entry.request.url", "a batch cannot hold a batch");
	if (sv_fhirapi_takes_raw_body(&s->req))
		return sv_fail_at(&s->req.err, SV_EINVAL, "Bundle.entry.request.url", "$%s takes a file as its body "
				  "and cannot be part of a batch", s->req.operation);
	if (s->req.method[0] == 'P' && !s->req.operation)
		return sv_fail_at(&s->req.err, SV_EMETHOD, "Bundle.entry.request.method", "POST in a batch is for "
				  "operations; create and update resources with their own requests");
	if (sv_fhirapi_changes(&s->req)) {
		s->req.allow = "GET, POST";
		return sv_fail_at(&s->req.err, SV_EMETHOD, "Bundle.entry.request.url", "$%s changes the store or "
				  "sends a message: a batch holds reads, searches and the terminology operations; send "
				  "it as a request of its own", s->req.operation);
	}
	if (s->req.method[0] == 'P' && cJSON_IsObject(resource)) {
		const char *rt = sv_jstr(resource, "resourceType");
		if (rt && strcmp(rt, "Parameters") == 0) {
			if ((rc = take_parameters(s, resource, NULL, NULL)) != SV_OK)
				return rc;
			return sv_params_merge_query(s->params, &s->url, &s->req.err);
		}
		s->req.body = resource;   /* an operation whose input is a resource ($assess) */
	}
	s->params = sv_params_from_query(&s->url);
	s->req.params = s->params;
	return SV_OK;
}

/* The Bundle.entry.response of an answer: its status, the ETag and Location a handler set, and for
 * an error its OperationOutcome. */
static cJSON *response_of(const struct sub *s, int status, cJSON *res, cJSON *entry)
{
	cJSON *r = cJSON_AddObjectToObject(entry, "response");
	const char *v;
	char code[8];

	snprintf(code, sizeof(code), "%d", status);
	cJSON_AddStringToObject(r, "status", code);
	if ((v = sv_resp_header_get(&s->headers, "Location")) != NULL)
		cJSON_AddStringToObject(r, "location", v);
	if ((v = sv_resp_header_get(&s->headers, "ETag")) != NULL)
		cJSON_AddStringToObject(r, "etag", v);
	if (status >= 400 && strcmp(sv_jstr(res, "resourceType"), "OperationOutcome") == 0)
		cJSON_AddItemToObject(r, "outcome", res);
	else
		cJSON_AddItemToObject(entry, "resource", res);
	return r;
}

enum sv_err sv_op_batch(struct sv_request *req, cJSON **out, int *status)
{
	const cJSON *bundle = req->body, *e;
	const char *rt = sv_jstr(bundle, "resourceType"), *type = sv_jstr(bundle, "type");
	struct run b = {req, req->cfg->max_batch_answer_nodes};
	cJSON *answer_bundle, *entries;
	int n;

	(void)status;
	if (!rt || strcmp(rt, "Bundle") != 0)
		return sv_fail(&req->err, SV_EINVAL, "POST to the base takes a Bundle of type batch (got %s)",
			       rt ? rt : "no resource");
	if (type && strcmp(type, "transaction") == 0)
		return sv_fail_at(&req->err, SV_ENOTSUPPORTED, "Bundle.type", "transactions are not supported: the "
				  "terminology operations change nothing, send them as a batch (type batch)");
	if (!type || strcmp(type, "batch") != 0)
		return sv_fail_at(&req->err, SV_EINVAL, "Bundle.type", "POST to the base takes a Bundle of type "
				  "batch (got %.40s)", type ? type : "no type");
	n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(bundle, "entry"));
	if ((unsigned)n > req->cfg->max_batch_entries)
		return sv_fail_at(&req->err, SV_ETOOBIG, "Bundle.entry", "the batch has %d entries; at most %u are "
				  "taken in one request (max_batch_entries)", n, req->cfg->max_batch_entries);
	answer_bundle = cJSON_CreateObject();
	cJSON_AddStringToObject(answer_bundle, "resourceType", "Bundle");
	cJSON_AddStringToObject(answer_bundle, "type", "batch-response");
	entries = cJSON_AddArrayToObject(answer_bundle, "entry");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(bundle, "entry")) {
		struct sub s;
		enum sv_err rc = build_entry(&s, req, e);
		cJSON *entry = cJSON_CreateObject(), *res;
		int st;

		res = answer(&b, &s, rc, &st);
		response_of(&s, st, res, entry);
		cJSON_AddItemToArray(entries, entry);
		sub_release(&s);
	}
	*out = answer_bundle;
	return SV_OK;
}

/* ---- ValueSet/$batch-validate-code --------------------------------------------------------------- */

enum sv_err sv_op_vs_batch_validate_code(struct sv_request *req, cJSON **out, int *status)
{
	const cJSON *p;
	cJSON *result, *list;
	struct run b = {req, req->cfg->max_batch_answer_nodes};
	int n = sv_params_count(req->params, "validation");

	(void)status;
	if (n == 0)
		return sv_fail_at(&req->err, SV_EREQUIRED, "validation", "give one 'validation' parameter (a "
				  "Parameters of $validate-code) per code to validate");
	if ((unsigned)n > req->cfg->max_batch_entries)
		return sv_fail_at(&req->err, SV_ETOOBIG, "validation", "%d validations; at most %u are taken in one "
				  "request (max_batch_entries)", n, req->cfg->max_batch_entries);
	result = sv_params_new();
	list = cJSON_AddArrayToObject(result, "parameter");
	/* Each validation is a ValueSet/$validate-code of its own parameters and, where it does not give
	 * them, the shared ones (url, flags...); the shared tx-resources are already req->snap's layer. */
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(p, "resource");
		struct sub s;
		enum sv_err rc = SV_OK;
		cJSON *answer_of, *param;
		int st;

		if (!name || strcmp(name, "validation") != 0)
			continue;
		sub_init(&s, req, "POST");
		s.req.type = "ValueSet";
		s.req.operation = "validate-code";
		if (!cJSON_IsObject(res) || !sv_jstr(res, "resourceType") ||
		    strcmp(sv_jstr(res, "resourceType"), "Parameters") != 0)
			rc = sv_fail_at(&s.req.err, SV_EINVAL, "validation", "a validation must carry a Parameters "
					"resource");
		else
			rc = take_parameters(&s, res, req->params, "validation");
		answer_of = answer(&b, &s, rc, &st);
		param = cJSON_CreateObject();
		cJSON_AddStringToObject(param, "name", "validation");
		cJSON_AddItemToObject(param, "resource", answer_of);
		cJSON_AddItemToArray(list, param);
		sub_release(&s);
	}
	*out = result;
	return SV_OK;
}
