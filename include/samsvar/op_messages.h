/* op_messages.h — the /messages paths outside /fhir: message status, lists, the exact bytes, the
 * Observations of an inbound message, re-queueing, and KITH messages in.
 *
 *   GET  /messages?status=&receiver=&sender=&direction=&_count=&_offset=   a page of messages (JSON)
 *   GET  /messages/{id}[?direction=out|in]     one message's state (JSON; out first when not given)
 *   GET  /messages/{id}/content                the exact bytes sent or received, with their media type
 *   GET  /messages/{id}/ack                    the acknowledgement answered (in) or received (out)
 *   GET  /messages/{id}/observations           an inbound message's items as a FHIR Bundle of
 *                                              Observations coded in IPLOS, ICF and SNOMED CT
 *   POST /messages/{id}/retry                  a dead or rejected outbound message queued again
 *   POST /messages/inbound                     a KITH MsgHead + PLO message (application/xml), stored
 *                                              and answered with its AppRec
 * The transport (exchange.c) checks the role sv_messages_least() names and renders the answer. */
#ifndef SAMSVAR_OP_MESSAGES_H
#define SAMSVAR_OP_MESSAGES_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include "samsvar/auth.h"
#include "samsvar/config.h"
#include "samsvar/error.h"
#include "samsvar/headers.h"
#include "samsvar/outbox.h"
#include "samsvar/snapshot.h"
#include "samsvar/url.h"

/* One request under /messages. */
struct sv_msgreq {
	const char *method;
	const char *path;             /* the decoded path after "/messages": "", "/{id}", "/{id}/content" ... */
	const struct sv_url *url;     /* its query parameters */
	const char *content_type;     /* the request's Content-Type, or NULL */
	const char *body;             /* a POST body, or NULL */
	size_t body_len;
	const struct sv_principal *who;
	struct sv_outbox *outbox;     /* NULL: messaging is off (501) */
	const struct sv_snapshot *snap;
	struct sv_resp_headers *headers;
};

/* Its answer: either finished bytes (a JSON status, a message's bytes, an AppRec) with their media
 * type, or a FHIR resource the transport renders in the negotiated format. */
struct sv_msgans {
	int status;
	char *bytes;                  /* malloc'd, or NULL */
	size_t len;
	const char *media;            /* static media type of bytes */
	cJSON *resource;              /* or this (owned), or NULL */
	const char *allow;            /* with SV_EMETHOD */
	struct sv_error err;
};

/* The least role a /messages request needs: reader for everything (patient data, or acting on the
 * outbox), none for POST /messages/inbound (raised to reader when cfg says `auth = all`). */
enum sv_role sv_messages_least(const struct sv_config *cfg, const char *method, const char *path);

/* Answers `q` into *a (zeroed by the caller; the caller frees a->bytes and a->resource). Returns SV_OK,
 * or an error with a->err set (SV_ENOTFOUND, SV_EMETHOD, SV_EINVAL, SV_EMEDIATYPE, SV_ECONFLICT,
 * SV_ENOTSUPPORTED, SV_ESTORE ...). */
enum sv_err sv_messages_run(const struct sv_msgreq *q, struct sv_msgans *a);

#endif
