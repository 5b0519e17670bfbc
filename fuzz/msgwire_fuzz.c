/* msgwire_fuzz.c — libFuzzer target for what a receiver and a sender read from the network and the
 * configuration in the message exchange: an inbound message in each format with the acknowledgement
 * it gets (sv_msgwire_receive), a receiver's answer (sv_msgwire_read_ack), and the receiver directory
 * file (sv_receivers_parse). The first byte picks which.
 *
 * Invariants besides memory safety: receiving either answers with an acknowledgement (whose verdict,
 * read back as the sender would, matches what was decided: positive exactly when accepted) or refuses
 * with a reason; a receiver file is either read whole or refused with file:line.
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/msgwire/). */
#include "samsvar/error.h"
#include "samsvar/fhirxml.h"
#include "samsvar/msgwire.h"
#include "samsvar/receivers.h"
#define SV_FUZZ_XML        /* libxml2 set up once */
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sv_msgwire_self SELF = {"ST OLAVS HOSPITAL HF", "59", "https://fhir.samsvar.no",
					     "https://sykehus.example/fhir/$process-message"};

static void receive(enum sv_recv_format f, const char *data, size_t size)
{
	struct sv_inbound in = {0};
	struct sv_error err = {0};
	char reason[512];
	enum sv_ack_verdict v;

	if (sv_msgwire_receive(f, data, size, &SELF, "urn:uuid:00000000-0000-4000-8000-000000000000",
			       "2026-01-01T00:00:00Z", &in, &err) != SV_OK) {
		if (!err.message[0] || in.ack)
			abort();   /* a refusal says why and answers nothing */
		sv_inbound_release(&in);
		return;
	}
	if (!in.ack || !in.msg.id)
		abort();
	v = sv_msgwire_read_ack(f, in.msg.id, in.ack, in.ack_len, reason, sizeof(reason));
	if ((v == SV_ACK_POSITIVE) != (in.ok == 1)) {
		fprintf(stderr, "the acknowledgement reads back as %d, accepted %d: %s\n", (int)v, in.ok, reason);
		abort();
	}
	sv_inbound_release(&in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;
	char reason[512];

	if (size < 1)
		return 0;
	size--;
	switch (data[0] % 6) {
	case 0:
		receive(SV_RECV_KITH, text, size);
		break;
	case 1:
		receive(SV_RECV_FHIR_JSON, text, size);
		break;
	case 2:
		receive(SV_RECV_FHIR_XML, text, size);
		break;
	case 3:
		(void)sv_msgwire_read_ack(SV_RECV_KITH, "id", text, size, reason, sizeof(reason));
		break;
	case 4:
		(void)sv_msgwire_read_ack(SV_RECV_FHIR_JSON, "id", text, size, reason, sizeof(reason));
		break;
	default: {
		struct sv_receivers rs;
		struct sv_error err = {0};
		if (sv_receivers_parse(text, size, "fuzz.tsv", &rs, &err) != SV_OK &&
		    (strncmp(err.message, "fuzz.tsv:", 9) != 0 || rs.n || rs.r))
			abort();
		for (size_t i = 0; i < rs.n; i++)
			if (!sv_receivers_find(&rs, rs.r[i].id))
				abort();
		sv_receivers_release(&rs);
		break;
	}
	}
	return 0;
}
