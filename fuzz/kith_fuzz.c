/* kith_fuzz.c — libFuzzer target for the inbound KITH reader (sv_kith_parse) and the AppRec it answers
 * with.
 *
 * Besides memory safety it checks three invariants: a refused message always says why (a message and
 * an AppRec error); the AppRec answering any input, accepted or not, is built whenever the input gave
 * a sender and a message id, and reads back with the same status; and an accepted message that is
 * complete enough to send is built again and reads back the same (the two directions agree).
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/kith/: official e-helse PLO 1.6 examples and
 * one message samsvar built); replay one input with build-fuzz/kith_fuzz FILE. */
#include "samsvar/error.h"
#include "samsvar/fhirxml.h"
#include "samsvar/kith.h"
#define SV_FUZZ_XML        /* libxml2 set up once */
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The AppRec for `m` reads back with the status it was built with. */
static void check_apprec(const struct sv_message *m, enum sv_err rc, enum sv_apprec_error why)
{
	struct sv_apprec a, back = {0};
	struct sv_error err = {0};
	char *xml = NULL;
	size_t len;

	if (!m->id || !*m->id || !m->sender.name || !*m->sender.name || !m->receiver.name || !*m->receiver.name ||
	    !m->gen_date || !*m->gen_date || !sv_kith_msg_type(m->event))
		return;
	sv_apprec_for(m, "fuzz-apprec", "2026-01-01T00:00:00Z", rc == SV_OK ? SV_APPREC_OK : SV_APPREC_REJECTED, &a);
	if (rc != SV_OK)
		sv_apprec_add_error(&a, why, "fuzz");
	if (sv_apprec_build(&a, &xml, &len, &err) != SV_OK) {
		fprintf(stderr, "AppRec not built: %s\n", err.message);
		abort();
	}
	if (sv_apprec_parse(xml, len, &back, &err) != SV_OK || back.status != a.status ||
	    strcmp(back.orig_id, a.orig_id) != 0) {
		fprintf(stderr, "AppRec does not read back: %s\n%s\n", err.message, xml);
		abort();
	}
	free(xml);
	sv_apprec_release(&a);
	sv_apprec_release(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_message m = {0}, again = {0};
	struct sv_error err = {0};
	enum sv_apprec_error why = SV_APPREC_NERRORS;
	enum sv_err rc = sv_kith_parse((const char *)data, size, &m, &why, &err);
	char *xml = NULL;
	size_t len;

	if (rc != SV_OK && (!err.message[0] || (unsigned)why >= SV_APPREC_NERRORS))
		abort(); /* a refusal must always say why, and name its AppRec error */
	check_apprec(&m, rc, why);
	if (rc == SV_OK && sv_message_validate(&m, &err) == SV_OK) {
		if (sv_kith_build(&m, &xml, &len, &err) != SV_OK) {
			fprintf(stderr, "a valid message was not built: %s\n", err.message);
			abort();
		}
		if (sv_kith_parse(xml, len, &again, &why, &err) != SV_OK || again.nitems != m.nitems ||
		    strcmp(again.id, m.id) != 0 || strcmp(again.patient.id, m.patient.id) != 0) {
			fprintf(stderr, "built message does not read back (%s)\n%s\n", err.message, xml);
			abort();
		}
		for (size_t i = 0; i < m.nitems; i++)
			if (strcmp(again.items[i].variable, m.items[i].variable) != 0 ||
			    again.items[i].score != m.items[i].score)
				abort();
	}
	free(xml);
	sv_message_release(&again);
	sv_message_release(&m);
	return 0;
}
