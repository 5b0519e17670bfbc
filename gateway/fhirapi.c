/* fhirapi.c — the routing table of the FHIR API and the OperationOutcome helpers. */
#include "samsvar/fhirapi.h"

#include <stdio.h>
#include <string.h>

#define MAX_PATH_SEGMENTS 4

/* One row per (type, instance?, operation): NULL type = system level; op NULL = REST interaction. */
struct route {
	const char *type;
	const char *op;
	int get_ok;            /* GET (and HEAD) allowed */
	int post_ok;
	enum sv_cacheable cache; /* whether a GET answer may be kept (see fhirapi.h) */
	sv_handler_fn fn;
	enum sv_role least;    /* the least role that may call it (SV_ROLE_NONE: anyone) */
	int changes;           /* 1: changes the store or sends (never inside a batch) */
};

/* Library: allocation criteria and case-mix tables (library.h), versioned and published like the maps. */
static const char *const RESOURCE_TYPES[] = {"CodeSystem", "ValueSet", "ConceptMap", "Library"};

static const struct route ROUTES[] = {
	{"metadata", NULL, 1, 0, SV_CACHE_NO, sv_op_metadata, SV_ROLE_NONE, 0},      /* the time of the answer */
	{NULL, "versions", 1, 0, SV_CACHE_NO, sv_op_versions, SV_ROLE_NONE, 0},
	/* The base: a batch Bundle, each entry dispatched here again with the caller's token. */
	{NULL, NULL, 0, 1, SV_CACHE_NO, sv_op_batch, SV_ROLE_NONE, 0},
	{"ValueSet", "batch-validate-code", 0, 1, SV_CACHE_NO, sv_op_vs_batch_validate_code, SV_ROLE_NONE, 0},
	{"CodeSystem", "lookup", 1, 1, SV_CACHE_YES, sv_op_cs_lookup, SV_ROLE_NONE, 0},
	{"CodeSystem", "validate-code", 1, 1, SV_CACHE_YES, sv_op_cs_validate_code, SV_ROLE_NONE, 0},
	{"CodeSystem", "subsumes", 1, 1, SV_CACHE_YES, sv_op_cs_subsumes, SV_ROLE_NONE, 0},
	{"ValueSet", "expand", 1, 1, SV_CACHE_MINTED, sv_op_vs_expand, SV_ROLE_NONE, 0},
	{"ValueSet", "validate-code", 1, 1, SV_CACHE_YES, sv_op_vs_validate_code, SV_ROLE_NONE, 0},
	{"ConceptMap", "translate", 1, 1, SV_CACHE_YES, sv_op_cm_translate, SV_ROLE_NONE, 0},
	{NULL, "assess", 0, 1, SV_CACHE_NO, sv_op_assess, SV_ROLE_NONE, 0},
	/* Sending is a clinical system's action and carries patient data: a token even under
	 * `auth = writes`. Receiving is open to the organisations that can reach us (mTLS, network). */
	{NULL, "send-message", 0, 1, SV_CACHE_NO, sv_op_send_message, SV_ROLE_READER, 1},
	{NULL, "process-message", 0, 1, SV_CACHE_NO, sv_op_process_message, SV_ROLE_NONE, 1},
	{"OperationDefinition", NULL, 1, 0, SV_CACHE_YES, sv_op_operation_definition, SV_ROLE_NONE, 0},
	{"CodeSystem", "publish", 0, 1, SV_CACHE_NO, sv_op_publish, SV_ROLE_PUBLISHER, 1},
	{"ValueSet", "publish", 0, 1, SV_CACHE_NO, sv_op_publish, SV_ROLE_PUBLISHER, 1},
	{"ConceptMap", "publish", 0, 1, SV_CACHE_NO, sv_op_publish, SV_ROLE_PUBLISHER, 1},
	{"Library", "publish", 0, 1, SV_CACHE_NO, sv_op_publish, SV_ROLE_PUBLISHER, 1},
	{"CodeSystem", "rollback", 0, 1, SV_CACHE_NO, sv_op_rollback, SV_ROLE_PUBLISHER, 1},
	{"ValueSet", "rollback", 0, 1, SV_CACHE_NO, sv_op_rollback, SV_ROLE_PUBLISHER, 1},
	{"ConceptMap", "rollback", 0, 1, SV_CACHE_NO, sv_op_rollback, SV_ROLE_PUBLISHER, 1},
	{"Library", "rollback", 0, 1, SV_CACHE_NO, sv_op_rollback, SV_ROLE_PUBLISHER, 1},
	{"CodeSystem", "diff", 1, 0, SV_CACHE_NO, sv_op_diff, SV_ROLE_NONE, 0},
	{"ConceptMap", "diff", 1, 0, SV_CACHE_NO, sv_op_diff, SV_ROLE_NONE, 0},
	{NULL, "import", 0, 1, SV_CACHE_NO, sv_op_import, SV_ROLE_MAINTAINER, 1},
	/* Who changed what, and from where: for those who change content. */
	{"AuditEvent", NULL, 1, 0, SV_CACHE_NO, sv_op_audit_search, SV_ROLE_MAINTAINER, 0},
};

/* The REST interactions on the terminology resources: one row per method and path shape. */
static const struct crud {
	const char *method;           /* HEAD is answered as GET */
	int instance;                 /* 1: {type}/{id}; 0: {type} */
	int history;                  /* 1: {type}/{id}/_history[/{vid}] */
	sv_handler_fn fn;
	enum sv_role least;
} CRUD[] = {
	{"GET", 0, 0, sv_op_search, SV_ROLE_NONE},
	{"GET", 1, 0, sv_op_read, SV_ROLE_NONE},
	{"GET", 1, 1, sv_op_history, SV_ROLE_NONE},
	{"POST", 0, 0, sv_op_create, SV_ROLE_MAINTAINER},
	{"PUT", 1, 0, sv_op_update, SV_ROLE_MAINTAINER},
	{"DELETE", 1, 0, sv_op_delete, SV_ROLE_MAINTAINER},
};

static const char *allow_of(const struct route *r)
{
	return r->get_ok ? (r->post_ok ? "GET, HEAD, POST" : "GET, HEAD") : "POST";
}

static int route_matches(const struct route *r, const struct sv_request *req)
{
	if ((r->type == NULL) != (req->type == NULL) || (r->type && strcmp(r->type, req->type) != 0))
		return 0;
	return (r->op == NULL) == (req->operation == NULL) && (!r->op || strcmp(r->op, req->operation) == 0);
}

static int is_resource_type(const char *type)
{
	for (size_t i = 0; type && i < sizeof(RESOURCE_TYPES) / sizeof(RESOURCE_TYPES[0]); i++)
		if (strcmp(type, RESOURCE_TYPES[i]) == 0)
			return 1;
	return 0;
}

/* The route that serves `req`, or NULL (a read or search, or no such path): the one lookup that
 * dispatch, the role check and the cache rule share, so they can never disagree. */
static const struct route *route_of(const struct sv_request *req)
{
	for (size_t i = 0; i < sizeof(ROUTES) / sizeof(ROUTES[0]); i++)
		if (route_matches(&ROUTES[i], req))
			return &ROUTES[i];
	return NULL;
}

enum sv_cacheable sv_fhirapi_cacheable(const struct sv_request *req)
{
	const struct route *r;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return SV_CACHE_NO;
	if ((r = route_of(req)) != NULL)
		return r->cache;
	/* A read of a terminology resource, not a search. */
	return is_resource_type(req->type) && req->id && !req->operation && !req->history ? SV_CACHE_YES :
	       SV_CACHE_NO;
}

int sv_fhirapi_changes(const struct sv_request *req)
{
	const struct route *r = route_of(req);

	if (r)
		return r->changes;
	return strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0;   /* create, update, delete */
}

int sv_fhirapi_takes_raw_body(const struct sv_request *req)
{
	return !req->type && req->operation && strcmp(req->operation, "import") == 0;
}

/* Routes a REST interaction on a terminology resource (no operation) through CRUD. */
static enum sv_err dispatch_crud(struct sv_request *req, int is_get, cJSON **out, int *status)
{
	int instance = req->id != NULL;

	for (size_t i = 0; i < sizeof(CRUD) / sizeof(CRUD[0]); i++) {
		const struct crud *c = &CRUD[i];
		if (c->instance != instance || c->history != req->history ||
		    (is_get ? strcmp(c->method, "GET") != 0 : strcmp(c->method, req->method) != 0))
			continue;
		if (sv_auth_permits(req->who, c->least, &req->err) != SV_OK)
			return req->err.code;
		return c->fn(req, out, status);
	}
	req->allow = req->history ? "GET, HEAD" : instance ? "GET, HEAD, PUT, DELETE" : "GET, HEAD, POST";
	return sv_fail(&req->err, SV_EMETHOD, "%.20s is not allowed on this path (allowed: %s)", req->method,
		       req->allow);
}

enum sv_role sv_fhirapi_least(const struct sv_request *req)
{
	const struct route *r = route_of(req);
	enum sv_role least = r ? r->least : SV_ROLE_NONE;
	int metadata = r && (r->fn == sv_op_metadata || r->fn == sv_op_versions);

	/* The CapabilityStatement (and $versions) stay open, as on SMART and other secured FHIR servers,
	 * so a client can learn from rest.security how to authenticate. */
	if (req->cfg && req->cfg->auth == SV_AUTH_ALL && !metadata && least < SV_ROLE_READER)
		least = SV_ROLE_READER;
	return least;
}

/* The operations that read tx-resource parameters as a request layer ($translate reads them itself,
 * together with its conceptMap parameter). */
static int takes_layer(const struct route *r)
{
	return r->fn == sv_op_cs_lookup || r->fn == sv_op_cs_validate_code || r->fn == sv_op_cs_subsumes ||
	       r->fn == sv_op_vs_expand || r->fn == sv_op_vs_validate_code || r->fn == sv_op_vs_batch_validate_code;
}

/* Puts the request's tx-resource parameters (CodeSystems, ValueSets, ConceptMaps that exist for this
 * request only) into a layer over req->snap and makes the layer req->snap; the exchange releases it,
 * and with it its reference to the base. One pass over the parameters, one hash insert each. */
static enum sv_err apply_layer(struct sv_request *req)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *layer;
	const cJSON *p;
	int n = 0, i = 0;
	enum sv_err rc = SV_OK;

	sv_builder_init(&b);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name"));
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(p, "resource");
		i++;
		if (!name || strcmp(name, "tx-resource") != 0)
			continue;
		if (!cJSON_IsObject(res)) {
			rc = sv_fail_at(&req->err, SV_EINVAL, "tx-resource", "tx-resource (parameter %d) must carry a "
					"resource", i);
			goto out;
		}
		if ((rc = sv_builder_add_layer(&b, cJSON_Duplicate(res, 1), &req->err)) != SV_OK) {
			snprintf(req->err.message, sizeof(req->err.message), "tx-resource (parameter %d) must be a "
				 "CodeSystem, ValueSet or ConceptMap with a url", i);
			snprintf(req->err.expression, sizeof(req->err.expression), "tx-resource");
			goto out;
		}
		n++;
	}
	if (n == 0)
		goto out;
	if ((rc = sv_snapshot_layer(req->snap, &b, &layer, &req->err)) != SV_OK)
		goto out;
	sv_snapshot_release(req->snap);   /* the layer holds its own reference to it */
	req->snap = layer;
out:
	sv_builder_release(&b);
	return rc;
}

enum sv_err sv_fhirapi_split_path(const char *path, char *buf, size_t cap, struct sv_request *req)
{
	char *seg[MAX_PATH_SEGMENTS + 1];
	int n = 0;
	size_t len = strlen(path);

	if (len >= cap)
		return sv_fail(&req->err, SV_ENOTFOUND, "path too long");
	memcpy(buf, path, len + 1);
	for (char *p = buf; *p;) {
		while (*p == '/')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == MAX_PATH_SEGMENTS)
			return sv_fail(&req->err, SV_ENOTFOUND, "no such path: /fhir%.200s", path);
		seg[n++] = p;
		while (*p && *p != '/')
			p++;
	}
	if (n == 0)
		return SV_OK;          /* the base itself: a batch Bundle is posted there */
	if (seg[n - 1][0] == '$') {
		req->operation = seg[n - 1] + 1;
		n--;
	}
	if (n >= 1)
		req->type = seg[0];
	if (n >= 2)
		req->id = seg[1];
	if (n >= 3 && n <= 4 && !req->operation && strcmp(seg[2], "_history") == 0) {
		req->history = 1;        /* {type}/{id}/_history[/{vid}] */
		req->vid = n == 4 ? seg[3] : NULL;
		n = 2;
	}
	if (n > 2)
		return sv_fail(&req->err, SV_ENOTFOUND, "no such path: /fhir%.200s", path);
	return SV_OK;
}

enum sv_err sv_fhirapi_dispatch(struct sv_request *req, cJSON **out, int *status)
{
	const char *m = req->method;
	int is_get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0, is_post = strcmp(m, "POST") == 0;
	const struct route *r;

	*out = NULL;
	*status = 200;
	if (!req->type && !req->operation && !is_post)
		return sv_fail(&req->err, SV_ENOTFOUND, "no such path: /fhir (try /fhir/metadata; POST a batch Bundle)");
	if (req->type && strcmp(req->type, "metadata") == 0 && (req->id || req->operation))
		return sv_fail(&req->err, SV_ENOTFOUND, "no such path under /fhir/metadata");
	if (req->history && (!is_resource_type(req->type) || req->operation))
		return sv_fail(&req->err, SV_ENOTFOUND, "_history is kept for CodeSystem, ValueSet and ConceptMap");
	if (sv_auth_permits(req->who, sv_fhirapi_least(req), &req->err) != SV_OK)
		return req->err.code;
	if ((r = route_of(req)) != NULL) {
		if ((!is_get && !is_post) || (is_get && !r->get_ok) || (is_post && !r->post_ok)) {
			req->allow = allow_of(r);
			return sv_fail(&req->err, SV_EMETHOD, "%.20s is not allowed on this path (allowed: %s)",
				       m, req->allow);
		}
		if (is_post && takes_layer(r) && req->params && apply_layer(req) != SV_OK)
			return req->err.code;
		return r->fn(req, out, status);
	}
	if (is_resource_type(req->type)) {
		if (req->operation)
			return sv_fail(&req->err, SV_ENOTFOUND, "operation $%.100s is not supported on %s",
				       req->operation, req->type);
		return dispatch_crud(req, is_get, out, status);
	}
	if (req->operation)
		return sv_fail(&req->err, SV_ENOTFOUND, "operation $%.100s is not supported", req->operation);
	return sv_fail(&req->err, SV_ENOTFOUND, "resource type '%.100s' is not served here", req->type);
}

cJSON *sv_outcome_new(const char *severity, const char *code, const char *text)
{
	cJSON *oo = cJSON_CreateObject(), *issues, *issue, *details;

	cJSON_AddStringToObject(oo, "resourceType", "OperationOutcome");
	issues = cJSON_AddArrayToObject(oo, "issue");
	issue = cJSON_CreateObject();
	cJSON_AddStringToObject(issue, "severity", severity);
	cJSON_AddStringToObject(issue, "code", code);
	details = cJSON_AddObjectToObject(issue, "details");
	cJSON_AddStringToObject(details, "text", text);
	cJSON_AddStringToObject(issue, "diagnostics", text);
	cJSON_AddItemToArray(issues, issue);
	return oo;
}

cJSON *sv_outcome_from_error(const struct sv_error *err)
{
	const char *text = err->message[0] ? err->message : sv_strerror(err->code);
	int status = sv_err_http_status(err->code);
	cJSON *oo = sv_outcome_new(status >= 500 ? "fatal" : "error", sv_err_issue_code(err->code), text);

	if (err->expression[0]) {
		cJSON *issue = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0);
		cJSON *expr = cJSON_AddArrayToObject(issue, "expression");
		cJSON_AddItemToArray(expr, cJSON_CreateString(err->expression));
	}
	return oo;
}

#define TX_ISSUE_TYPE "http://hl7.org/fhir/tools/CodeSystem/tx-issue-type"

cJSON *sv_outcome_message_id(const char *id)
{
	cJSON *ext = cJSON_CreateObject();

	cJSON_AddStringToObject(ext, "url", "http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id");
	cJSON_AddStringToObject(ext, "valueString", id);
	return ext;
}

enum sv_err sv_outcome_tx(struct sv_request *req, cJSON **out, int *status, enum sv_err code, const char *type,
			      const char *tx, const char *id, int with_expression)
{
	cJSON *oo = sv_outcome_new("error", type, req->err.message);
	cJSON *issue = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0);
	cJSON *details = cJSON_GetObjectItemCaseSensitive(issue, "details");
	cJSON *coding = cJSON_CreateObject();

	cJSON_AddStringToObject(coding, "system", TX_ISSUE_TYPE);
	cJSON_AddStringToObject(coding, "code", tx);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(details, "coding"), coding);
	if (id)
		cJSON_AddItemToArray(cJSON_AddArrayToObject(issue, "extension"), sv_outcome_message_id(id));
	if (with_expression && req->err.expression[0])
		cJSON_AddItemToObject(issue, "expression",
				      cJSON_CreateStringArray((const char *const[]){req->err.expression}, 1));
	*out = oo;
	*status = sv_err_http_status(code);
	sv_error_clear(&req->err);
	return SV_OK;
}
