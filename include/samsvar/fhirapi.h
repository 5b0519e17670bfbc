/* fhirapi.h — the FHIR REST surface: the request every operation handler receives, the routing
 * table and the OperationOutcome helpers (request.h reads the code system and code a request names).
 * The HTTP layer (http.h) owns transport and formats; handlers see only FHIR JSON in and out. */
#ifndef SAMSVAR_FHIRAPI_H
#define SAMSVAR_FHIRAPI_H

#include <cjson/cJSON.h>
#include "samsvar/auth.h"
#include "samsvar/config.h"
#include "samsvar/error.h"
#include "samsvar/headers.h"
#include "samsvar/snapshot.h"

struct sv_outbox;

/* One request, owned by the HTTP layer and freed in one place when the response is done. */
struct sv_request {
	const char *method;           /* "GET", "HEAD", "POST", "PUT" or "DELETE" */
	const char *type;             /* resource type in the path, e.g. "ConceptMap", or NULL */
	const char *id;               /* instance id in the path, or NULL */
	const char *operation;        /* operation name without '$', or NULL */
	cJSON *params;                /* Parameters: the POST body (the query string's parameters joined to
				       * it), or the query string (valueString) */
	const cJSON *body;            /* the POST or PUT body as sent (for non-Parameters bodies), or NULL */
	int params_checked;           /* 1: params passed sv_params_check() (the exchange did it) */
	struct sv_snapshot *snap;     /* the snapshot this request reads, referenced for its duration */
	const struct sv_config *cfg;
	struct sv_error err;          /* detail for an error return */
	const char *allow;            /* with SV_EMETHOD: the methods the path allows (an Allow header) */
	char minted_uuid[48];         /* a handler's answer-unique identifier ("urn:uuid:..."), or "" */
	char minted_instant[32];      /* and the instant it put in the answer after it, or "": see
				       * sv_fhirapi_cacheable */
	int fhir_version;             /* 4 or 5: from the fhirVersion mime parameter, default 4 */
	char accept_language[36];     /* the language Accept-Language prefers, or "" (sv_req_display_language) */
	int want_json;                /* 1: the client takes compact JSON (not XML, not _pretty), so a
				       * handler may answer with finished bytes in json/json_len */
	char *json;                   /* such an answer (malloc'd, ownership to the caller), or NULL */
	size_t json_len;
	const char *raw_type;         /* set with json/json_len for an answer that is not FHIR: its media type
				       * (static, e.g. "text/csv; charset=utf-8"), whatever the format asked */
	const struct sv_principal *who; /* whom the request runs as (from its bearer token), NULL = anonymous */
	const char *peer;             /* the client's address (for audit records), or NULL */
	struct sv_resp_headers *headers; /* headers of the answer a handler may set (never NULL) */
	struct sv_writer *writer;     /* the store for changes and history (writer.h), or NULL: read-only */
	const char *if_match;         /* the If-Match header (an ETag, W/"N"), or NULL */
	const char *if_none_match;    /* the If-None-Match header of a write ("*": create only), or NULL */
	int history;                  /* 1: the path is {type}/{id}/_history[/{vid}] */
	const char *vid;              /* the {vid} of such a path, or NULL */
	struct sv_outbox *outbox;     /* the messaging state (outbox.h), NULL when the server has none */
	const char *raw;              /* a POST body's bytes as sent (messages keep them exactly; $import
				       * takes nothing else: sv_fhirapi_takes_raw_body), or NULL */
	size_t raw_len;
	int raw_xml;                  /* 1: that body is XML (its Content-Type said so; parsed bodies only) */
	const char *base;             /* the FHIR base URL of links and fullUrls (config public_base_url, or
				       * where the server listens), never taken from the Host header; NULL:
				       * the configured default (sv_bundle_full_url) */
	const char *format;           /* the _format the client sent (links repeat it), or NULL */
	int pretty;                   /* 1: _pretty=true was sent (links repeat it) */
	int strict;                   /* 1: Prefer: handling=strict (unknown search parameters are errors);
				       * 0: lenient, the default (they are ignored) */
};

/* An operation handler: on SV_OK sets *out to the response resource (ownership to the caller) and may
 * set *status (default 200); on error leaves *out NULL and describes the problem in req->err. When
 * req->want_json is set, a handler may instead leave *out NULL and put the answer's compact JSON
 * bytes, exactly what cJSON_PrintUnformatted would print for its resource, in req->json/json_len;
 * the caller sends them as they are (after the UTF-8 check every answer gets). $translate (the hot
 * uncached POST) and $assess (a 40 kB Bundle) do: printing a tree cost more than building the bytes. */
typedef enum sv_err (*sv_handler_fn)(struct sv_request *req, cJSON **out, int *status);

/* Splits `path`, the part of a request path after /fhir ("/Type/id/$op", "/Type/id/_history/vid", or
 * "" for the base), into req->type, id, operation, history and vid, which point into `buf` (scratch
 * of `cap` bytes the caller keeps while req lives). A path of no known shape is SV_ENOTFOUND. */
enum sv_err sv_fhirapi_split_path(const char *path, char *buf, size_t cap, struct sv_request *req);

/* Routes `req` (type/id/operation already split from the path) to its handler and runs it. Returns
 * SV_ENOTFOUND for unknown paths, SV_EUNAUTH / SV_EFORBIDDEN when req->who may not do this (see
 * sv_fhirapi_least()), and SV_EMETHOD for a known path with the wrong method (then req->allow lists
 * the methods it takes). HEAD is answered as GET. */
enum sv_err sv_fhirapi_dispatch(struct sv_request *req, cJSON **out, int *status);

/* The least role `req` (path split, method set) needs: its route's, raised to reader for every path
 * but /fhir/metadata when req->cfg says `auth = all`. */
enum sv_role sv_fhirapi_least(const struct sv_request *req);

/* Whether the answer to `req` (type/id/operation split, method set) may be kept in the snapshot's
 * answer cache: SV_CACHE_NO; SV_CACHE_YES when it depends on the request and snapshot alone (GET
 * reads and the lookup-style operations); SV_CACHE_MINTED when it does but for the identifier and
 * instant the handler records in req->minted_uuid/minted_instant ($expand), which a copy gets anew.
 * Never searches, metadata or POSTs. */
enum sv_cacheable { SV_CACHE_NO, SV_CACHE_YES, SV_CACHE_MINTED };
enum sv_cacheable sv_fhirapi_cacheable(const struct sv_request *req);

/* 1 when `req` changes the store or sends a message ($publish, $rollback, $import, $send-message,
 * $process-message, create, update, delete): what a batch entry may not do. */
int sv_fhirapi_changes(const struct sv_request *req);

/* Whether the route of `req` (path split) takes its body as bytes, unparsed: $import, whose body is a
 * release file (ClaML, a TSV table...) rather than a FHIR resource. */
int sv_fhirapi_takes_raw_body(const struct sv_request *req);

/* Returns a new OperationOutcome for `err` (severity error, issue code from the error table, the
 * message as diagnostics and details.text, the expression when set). */
cJSON *sv_outcome_from_error(const struct sv_error *err);

/* Returns a new OperationOutcome with one issue of the given severity, code and text. */
cJSON *sv_outcome_new(const char *severity, const char *code, const char *text);

/* Returns a new operationoutcome-message-id extension naming message `id` (the FHIR validator's). */
cJSON *sv_outcome_message_id(const char *id);

/* Answers the error in req->err as an OperationOutcome in *out with HTTP status for `code` in *status:
 * IssueType `type`, a tx-issue-type coding `tx`, the message id `id` (NULL: none) and, with
 * `with_expression`, the error's expression; clears req->err and returns SV_OK (the answer is made). */
enum sv_err sv_outcome_tx(struct sv_request *req, cJSON **out, int *status, enum sv_err code, const char *type,
			  const char *tx, const char *id, int with_expression);

/* Handlers, one file per noun (op_*.c); listed here so the routing table can name them. */
enum sv_err sv_op_metadata(struct sv_request *req, cJSON **out, int *status);
/* GET /fhir/$versions (op_metadata.c): the FHIR versions served and the default, as Parameters. */
enum sv_err sv_op_versions(struct sv_request *req, cJSON **out, int *status);
/* POST /fhir with a batch Bundle, and POST /fhir/ValueSet/$batch-validate-code (op_batch.c): each entry
 * or validation answered on its own through sv_fhirapi_dispatch(), as a request of its own would be. */
enum sv_err sv_op_batch(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_vs_batch_validate_code(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_read(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_search(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_cs_lookup(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_cs_validate_code(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_cs_subsumes(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_vs_expand(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_vs_validate_code(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_cm_translate(struct sv_request *req, cJSON **out, int *status);
/* The write API (op_write.c): POST {type}, PUT and DELETE {type}/{id}, GET {type}/{id}/_history[/{vid}]. */
enum sv_err sv_op_create(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_update(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_delete(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_history(struct sv_request *req, cJSON **out, int *status);
/* Sets the ETag and Last-Modified headers of a read of req->type/req->id from the snapshot's copy
 * (also for an answer that comes from the cache, which does not keep headers); nothing for others. */
void sv_op_read_headers(struct sv_request *req);
/* The workflow (op_workflow.c): {type}/{id}/$publish, {type}/$rollback. */
enum sv_err sv_op_publish(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_rollback(struct sv_request *req, cJSON **out, int *status);
/* GET {type}/$diff?url&from&to[&output=csv] (op_diff.c): rows added, removed and changed between two
 * versions, as Parameters or, for a reviewer's spreadsheet, as CSV. */
enum sv_err sv_op_diff(struct sv_request *req, cJSON **out, int *status);
/* POST /fhir/$import?kind=... (op_import.c): a release file, as `samsvar import` takes it, into drafts. */
enum sv_err sv_op_import(struct sv_request *req, cJSON **out, int *status);
/* GET /fhir/AuditEvent (op_audit.c): the audit trail as a FHIR search. */
enum sv_err sv_op_audit_search(struct sv_request *req, cJSON **out, int *status);
/* POST /fhir/$assess (op_assess.c): an IPLOS assessment in, coded findings and a proposed CarePlan out. */
enum sv_err sv_op_assess(struct sv_request *req, cJSON **out, int *status);
/* POST /fhir/$send-message and /fhir/$process-message (op_message.c): a function report queued in
 * the outbox for a receiver; a FHIR message received, stored and acknowledged. */
enum sv_err sv_op_send_message(struct sv_request *req, cJSON **out, int *status);
enum sv_err sv_op_process_message(struct sv_request *req, cJSON **out, int *status);
/* GET /fhir/OperationDefinition/{id} (op_assess.c): the definitions of samsvar's own operations. */
enum sv_err sv_op_operation_definition(struct sv_request *req, cJSON **out, int *status);

#endif
