/* outbox.h — the messaging side of a running daemon: the receiver directory, the own organisation
 * (from the configuration), and a store connection the request threads share, one at a time, for the
 * outbox and inbox (store_message.h). The delivery worker (deliver.h) has its own connection and is
 * woken through sv_outbox_notify() when a message is queued.
 *
 * Lifetime: opened by `serve` before the HTTP server starts, closed after it and the worker stop. */
#ifndef SAMSVAR_OUTBOX_H
#define SAMSVAR_OUTBOX_H

#include "samsvar/config.h"
#include "samsvar/error.h"
#include "samsvar/msgwire.h"
#include "samsvar/receivers.h"
#include "samsvar/store.h"

struct sv_outbox;

/* Loads the receiver directory (cfg->receivers; none when empty), opens a store connection to
 * cfg->store_path and puts messages a stopped process left `sending` back to `queued`. `cfg` must
 * outlive the outbox. Returns SV_OK with *out, or the error (SV_ECONFIG, SV_EIO, SV_ESTORE). */
enum sv_err sv_outbox_open(const struct sv_config *cfg, struct sv_outbox **out, struct sv_error *err);

/* Closes the connection and frees the directory; NULL is allowed. */
void sv_outbox_close(struct sv_outbox *ob);

/* The receiver directory / the configuration the outbox was opened with. */
const struct sv_receivers *sv_outbox_receivers(const struct sv_outbox *ob);
const struct sv_config *sv_outbox_config(const struct sv_outbox *ob);

/* Fills *self with the own organisation (own_name, own_her_id), the canonical base and our
 * $process-message endpoint (own_endpoint, else {canonical_base}/fhir/$process-message written into
 * buf[cap]). */
void sv_outbox_self(const struct sv_outbox *ob, struct sv_msgwire_self *self, char *buf, size_t cap);

/* Receives one inbound message of `len` bytes in format `f`: reads and checks it and builds its
 * acknowledgement (sv_msgwire_receive()), and stores it in the inbox with that acknowledgement and an
 * audit row naming `actor`, in one transaction: `processed` when accepted, `failed` with the reason
 * (last_error) when refused with a negative acknowledgement. A message id the inbox holds already is
 * not stored again, and its first acknowledgement, positive or negative, is the answer. On SV_OK *ack (malloc'd,
 * the caller frees it), *ack_len and *ack_media (static) are what to answer with. Errors: those of
 * sv_msgwire_receive() (too broken to acknowledge; nothing stored) or SV_ESTORE. */
enum sv_err sv_outbox_receive(struct sv_outbox *ob, enum sv_recv_format f, const char *bytes, size_t len,
			      const char *actor, char **ack, size_t *ack_len, const char **ack_media,
			      struct sv_error *err);

/* Takes the shared store connection for the calling thread and returns it / gives it back. Hold it
 * for one store call or transaction only. */
struct sv_store *sv_outbox_lock(struct sv_outbox *ob);
void sv_outbox_unlock(struct sv_outbox *ob);

/* Tells the delivery worker that a message is due now (thread-safe, never blocks). */
void sv_outbox_notify(struct sv_outbox *ob);

/* The file descriptor that becomes readable after sv_outbox_notify(); the worker drains it with
 * sv_outbox_drain(). */
int sv_outbox_wake_fd(const struct sv_outbox *ob);
void sv_outbox_drain(struct sv_outbox *ob);

#endif
