/* msgwire.h — a message on the wire: the bytes a receiver's format wants (KITH MsgHead + PLO, or a
 * FHIR message Bundle in JSON or XML), the acknowledgement an inbound message gets, and the reading
 * of the acknowledgement a receiver answers. Bytes in, bytes out; no HTTP, no store. */
#ifndef SAMSVAR_MSGWIRE_H
#define SAMSVAR_MSGWIRE_H

#include <stddef.h>
#include "samsvar/error.h"
#include "samsvar/message.h"
#include "samsvar/receivers.h"

/* Builds the bytes of `m` in format `f` (kith needs a PLO event: SV_EINVAL naming "event" otherwise;
 * the FHIR forms need m's endpoints). `base` is the canonical base. On SV_OK *bytes (malloc'd,
 * NUL-terminated; the caller frees it) and *len; on error err names the field. */
enum sv_err sv_msgwire_encode(const struct sv_message *m, enum sv_recv_format f, const char *base, char **bytes,
			      size_t *len, struct sv_error *err);

/* Reads the `len` bytes of a message in format `f` into *m (zeroed by the caller; release it either
 * way), with the caps and checks of sv_msgwire_receive() but no acknowledgement. Returns SV_OK or the
 * parser's error. */
enum sv_err sv_msgwire_decode(enum sv_recv_format f, const char *bytes, size_t len, const char *base,
			      struct sv_message *m, struct sv_error *err);

/* Who receives: what an inbound message is checked against and what its acknowledgement says. */
struct sv_msgwire_self {
	const char *name, *her_id;   /* her_id "" or NULL: any receiver HER-id is taken */
	const char *base;            /* canonical base (FHIR event system) */
	const char *endpoint;        /* our $process-message (the FHIR ack's source.endpoint) */
};

/* An inbound message as read and its acknowledgement. Release with sv_inbound_release(). */
struct sv_inbound {
	struct sv_message msg;       /* what was read (all of it when ok) */
	int ok;                      /* 1: accepted, the acknowledgement is positive */
	struct sv_error problem;     /* why not, when !ok */
	char *ack;                   /* the acknowledgement's bytes (malloc'd) */
	size_t ack_len;
	const char *ack_media;       /* static */
};

/* Reads the `len` inbound bytes in format `f` (kith: MsgHead + PLO; fhir-json / fhir-xml: a message
 * Bundle) within SV_MSG_MAX_BYTES and SV_MSG_MAX_NODES, checks them (schema shape, known 9111
 * variables and scores, a receiver HER-id that is ours) and builds the acknowledgement: AppRec v1.1
 * (status OK, or Avvist with the 8221 error) or a FHIR response message (ok, or fatal-error with an
 * OperationOutcome), in the inbound message's format. `ack_id` and `now` (an instant) identify it.
 * Returns SV_OK with *in filled (zeroed by the caller) whether the message is accepted or not; or an
 * error (SV_EINVAL, SV_ETOOBIG, SV_EMEDIATYPE) when the message cannot even be acknowledged (not
 * readable up to its id), with err naming why. Release *in either way. */
enum sv_err sv_msgwire_receive(enum sv_recv_format f, const char *bytes, size_t len,
			       const struct sv_msgwire_self *self, const char *ack_id, const char *now,
			       struct sv_inbound *in, struct sv_error *err);

/* Frees what `in` holds and zeroes it. */
void sv_inbound_release(struct sv_inbound *in);

/* What a receiver's acknowledgement says about message `msg_id`. */
enum sv_ack_verdict {
	SV_ACK_POSITIVE,             /* AppRec status 1 OK; FHIR response.code ok */
	SV_ACK_NEGATIVE,             /* AppRec Avvist or partly OK; FHIR fatal-error: do not send again */
	SV_ACK_TRANSIENT             /* FHIR transient-error, or an answer that is no acknowledgement of
				      * this message: try again later */
};

/* Reads the `len` bytes a receiver answered with media type `media` (may be NULL) to a message sent
 * in format `f`, writes the reason into reason[cap] (the errors or OperationOutcome text; "" for a
 * positive one) and returns the verdict. */
enum sv_ack_verdict sv_msgwire_read_ack(enum sv_recv_format f, const char *msg_id, const char *bytes, size_t len,
					char *reason, size_t cap);

#endif
