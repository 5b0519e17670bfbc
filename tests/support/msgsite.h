/* msgsite.h — one samsvar daemon as a side of a message exchange (a municipality or a hospital with its
 * receiver directory and a reader token), and the calls the black-box message tests make to it. Every
 * function fails the running Criterion test when the daemon does not answer as required. */
#ifndef SAMSVAR_TEST_MSGSITE_H
#define SAMSVAR_TEST_MSGSITE_H

#include <cjson/cJSON.h>
#include "support/daemon.h"

#define V9111 "urn:oid:2.16.578.1.12.4.1.1.9111"

/* One $send-message `item` parameter (with a leading comma) and the sample patient parameter. */
#define ITEM(v, s) ",{\"name\":\"item\",\"part\":[{\"name\":\"variable\",\"valueCoding\":{\"system\":\"" V9111 \
	"\",\"code\":\"" v "\"}},{\"name\":\"score\",\"valueInteger\":" s "}]}"
#define PATIENT ",{\"name\":\"patient\",\"resource\":{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":" \
	"\"urn:oid:2.16.578.1.12.4.1.4.1\",\"value\":\"13116900216\"}],\"name\":[{\"family\":\"Danser\"," \
	"\"given\":[\"Line\"]}]}}"

struct ts_site {
	struct ts_daemon d;
	unsigned port;     /* chosen before the daemon starts (ts_free_port), so receiver files can name it */
	char *token;       /* a reader token (malloc'd), or NULL to send none */
	int up;
};

/* Sends one request to the site with its token (Content-Type `ctype`, default application/fhir+json);
 * returns the HTTP status and fills *r (free r->body). */
long ts_site_request(const struct ts_site *s, const char *method, const char *path, const char *ctype,
		     const char *body, struct ts_resp *r);

/* GETs `path` as JSON, asserting status `want`; returns the parsed body (the caller frees it). */
cJSON *ts_site_get_json(const struct ts_site *s, const char *path, long want);

/* Starts the site's daemon on s->port as organisation name/her with receiver file `receivers` and the
 * config lines `extra` (may be NULL), makes a reader token when it has none, and waits until the
 * daemon takes it. */
void ts_site_start(struct ts_site *s, const char *name, const char *her, const char *receivers, const char *extra);

/* A $send-message body (malloc'd): receiver, event, messageId (NULL: none), the sample patient, items
 * 7 = 3 and 13 = 4, `admitted` for plo-helseopplysninger, then `more` (parameters with leading commas,
 * may be NULL). */
char *ts_send_body(const char *receiver, const char *event, const char *id, const char *more);

/* POSTs $send-message, asserts the 202 answer (status queued, Content-Location) and returns the
 * message id (malloc'd). */
char *ts_send_ok(const struct ts_site *s, const char *body);

/* Polls GET /messages/{id}?direction=`dir` until its status is `want`, failing after `ms`; returns
 * the last state (the caller frees it). */
cJSON *ts_wait_status(const struct ts_site *s, const char *id, const char *dir, const char *want, long ms);

/* GETs `path` (status 200 asserted); returns the body (malloc'd) and its content type in ctype[cap]. */
char *ts_site_bytes(const struct ts_site *s, const char *path, char *ctype, size_t cap);

/* The `total` of GET /messages?`query`. */
long ts_site_count(const struct ts_site *s, const char *query);

#endif
