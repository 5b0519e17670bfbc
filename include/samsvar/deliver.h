/* deliver.h — the delivery worker: one thread inside the daemon that takes due messages from the
 * outbox and POSTs them to their receivers with libcurl's multi interface, several in flight.
 *
 * Per message: it is marked `sending` (and the attempt counted) in a transaction before the POST.
 * A 2xx with a positive acknowledgement (AppRec OK / FHIR response.code ok) → `delivered`; a negative
 * one, or a 4xx but 408 and 429 → `rejected` with the reason; a transport error, a 5xx, 408, 429 or an
 * answer that acknowledges nothing → `queued` again after an exponential backoff with jitter
 * (deliver_backoff_ms doubling up to deliver_backoff_cap_ms, a random half of it added), and `dead`
 * after deliver_max_attempts. Connect and total timeouts from the configuration; TLS peer and host
 * verification always on; mutual TLS with the receiver's tls_cert/tls_key/tls_ca. Redirects are not
 * followed and only http and https are spoken, so only directory endpoints are ever contacted. */
#ifndef SAMSVAR_DELIVER_H
#define SAMSVAR_DELIVER_H

#include "samsvar/error.h"
#include "samsvar/outbox.h"

struct sv_deliver;

/* Starts the worker for `ob` (which must outlive it) with its own store connection. curl_global_init()
 * must have been called. Returns SV_OK with *out, or SV_ESTORE / SV_EINTERNAL. */
enum sv_err sv_deliver_start(struct sv_outbox *ob, struct sv_deliver **out, struct sv_error *err);

/* Stops the worker: transfers in flight are abandoned and their messages queued again (due now);
 * waits for the thread and frees it. NULL is allowed. */
void sv_deliver_stop(struct sv_deliver *d);

/* Returns the delay in milliseconds before attempt `attempts` + 1 after `attempts` failed ones:
 * base * 2^(attempts-1) capped at `cap`, plus a random part of up to half of it (jitter) drawn from
 * `rnd` (0..UINT32_MAX), also within `cap`. */
long long sv_deliver_backoff(unsigned base, unsigned cap, int attempts, unsigned rnd);

#endif
