/* exchange.h — one HTTP request and its answer, independent of the server library.
 *
 * The transport (http.c, libmicrohttpd) reads a request into a struct sv_exchange and sends what
 * sv_exchange_run() leaves in it; the request fuzzer drives the same function with arbitrary bytes.
 * Everything between the wire and the FHIR handlers happens here: the strict request-target
 * (url.h), health and readiness, content negotiation, body parsing with caps (http.h), Parameters
 * from the query, who is asking (the bearer token, token.h) and whether that may (auth.h), the
 * per-snapshot answer cache, dispatch (fhirapi.h), rendering, and the errors of all of these as
 * OperationOutcomes in the negotiated format (JSON when that is unknown); a 401 also carries
 * WWW-Authenticate: Bearer. */
#ifndef SAMSVAR_EXCHANGE_H
#define SAMSVAR_EXCHANGE_H

#include <stdatomic.h>
#include <stddef.h>
#include <time.h>
#include "samsvar/auth.h"
#include "samsvar/config.h"
#include "samsvar/error.h"
#include "samsvar/headers.h"
#include "samsvar/snapshot.h"
#include "samsvar/token.h"

struct sv_writer;
struct sv_outbox;

/* What the server serves: read-only configuration, the snapshot registry, the active bearer tokens,
 * the store's writer and the messaging state, all outliving it. */
struct sv_service {
	const struct sv_config *cfg;
	struct sv_registry *reg;
	struct sv_tokens *tokens;     /* NULL: no token is accepted */
	struct sv_writer *writer;     /* changes to the store (the write API), or NULL: read-only */
	atomic_int draining;          /* 1 once shutdown began: /readyz answers 503 */
	struct sv_outbox *outbox;     /* messages (outbox.h); NULL: /messages and the message operations
				       * answer 501 */
	char base_url[300];           /* the FHIR base of links and fullUrls (sv_config_base_url); "" =
				       * the canonical_base's */
};

/* Returns the value of request header `name` (case-insensitive), or NULL. */
typedef const char *(*sv_header_fn)(void *ctx, const char *name);

struct sv_exchange {
	/* Filled by the transport. */
	const char *method;
	const char *target;           /* the request-target as sent: percent-encoded path and query */
	size_t target_len;
	sv_header_fn header;
	void *header_ctx;
	const char *body;             /* NULL when there is none */
	size_t body_len;
	const char *peer;             /* client address for the log line and the audit trail, or NULL */
	const struct sv_principal *who; /* a principal already established by the caller (in-process
				       * callers such as tests), else NULL: http.c leaves it NULL and
				       * sv_exchange_run() resolves the Authorization header's token */
	struct timespec start;        /* CLOCK_MONOTONIC when the request arrived */
	/* Filled by sv_exchange_run() / sv_exchange_refuse(). */
	int status;
	const char *content_type;     /* static */
	char *bytes;                  /* malloc'd answer; the transport frees it */
	size_t len;
	const char *allow;            /* the Allow header of a 405, or NULL */
	unsigned retry_after;         /* seconds for Retry-After (503), or 0 */
	struct sv_resp_headers headers; /* any other headers of the answer (Location, ETag, ...); the
					 * transport releases them with bytes */
};

/* Answers `x` (a complete request) into its output fields. Never fails: every problem becomes an
 * OperationOutcome with its HTTP status. */
void sv_exchange_run(const struct sv_service *svc, struct sv_exchange *x);

/* Answers `x` with an OperationOutcome for `code` (HTTP status from error.h) and the formatted
 * message, in the format its Accept header asks for; for refusals the transport decides before the
 * request is complete (a body over max_body, headers over max_header_bytes, the server full). */
void sv_exchange_refuse(struct sv_exchange *x, enum sv_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes the request log line of `x` (method, target, status, microseconds, peer) to stderr, with
 * every control character and invalid byte escaped; nothing when log_requests is off. */
void sv_exchange_log(const struct sv_service *svc, const struct sv_exchange *x);

#endif
