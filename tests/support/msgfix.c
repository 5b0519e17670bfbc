/* msgfix.c — a sample function report for the message tests (see msgfix.h). */
#include "support/msgfix.h"

#include <criterion/criterion.h>
#include <string.h>

static void item(struct sv_message *m, const char *var, int score, const char *note)
{
	struct sv_msg_item *it = sv_message_add_item(m);

	cr_assert_not_null(it);
	sv_msg_set(&it->variable, var);
	it->score = score;
	sv_msg_set(&it->note, note);
}

void ts_message_sample(struct sv_message *m, enum sv_msg_event ev)
{
	m->event = ev;
	sv_msg_set(&m->id, "7f0c2a52-3b8e-4d0a-9c61-2f5e8d1b4a90");
	sv_msg_set(&m->gen_date, "2026-11-26T10:15:00Z");
	sv_msg_set(&m->sender.name, "Alvdal Kommune");
	sv_msg_set(&m->sender.her_id, "99387");
	sv_msg_set(&m->receiver.name, "ST OLAVS HOSPITAL HF");
	sv_msg_set(&m->receiver.her_id, "59");
	m->patient.kind = SV_MSG_ID_FNR;
	sv_msg_set(&m->patient.id, "13116900216");
	sv_msg_set(&m->patient.family, "Danser");
	sv_msg_set(&m->patient.given, "Line");
	sv_msg_set(&m->patient.birth_date, "1969-11-13");
	if (ev == SV_MSG_HELSEOPPLYSNINGER)
		sv_msg_set(&m->admitted, "2026-11-25T14:00:00");
	sv_msg_set(&m->source_endpoint, "https://kommune.example/fhir");
	sv_msg_set(&m->destination_endpoint, "https://sykehus.example/fhir");
	item(m, "1", 3, "Går sjelden ut <alene> & trenger \"følge\"");
	item(m, "7", 4, NULL);
	item(m, "13", 9, NULL);
}

static void same_str(const char *a, const char *b, const char *what)
{
	if (!a || !b)
		cr_assert(a == b, "%s: %s vs %s", what, a ? a : "(null)", b ? b : "(null)");
	else
		cr_assert_str_eq(a, b, "%s differs", what);
}

void ts_message_assert_same(const struct sv_message *a, const struct sv_message *b)
{
	cr_assert_eq(a->event, b->event);
	same_str(a->id, b->id, "id");
	same_str(a->gen_date, b->gen_date, "gen_date");
	same_str(a->sender.name, b->sender.name, "sender.name");
	same_str(a->sender.her_id, b->sender.her_id, "sender.her_id");
	same_str(a->receiver.name, b->receiver.name, "receiver.name");
	same_str(a->receiver.her_id, b->receiver.her_id, "receiver.her_id");
	cr_assert_eq(a->patient.kind, b->patient.kind);
	same_str(a->patient.id, b->patient.id, "patient.id");
	same_str(a->patient.family, b->patient.family, "patient.family");
	same_str(a->patient.given, b->patient.given, "patient.given");
	same_str(a->patient.birth_date, b->patient.birth_date, "patient.birth_date");
	same_str(a->admitted, b->admitted, "admitted");
	cr_assert_eq(a->nitems, b->nitems);
	for (size_t i = 0; i < a->nitems; i++) {
		same_str(a->items[i].variable, b->items[i].variable, "variable");
		cr_assert_eq(a->items[i].score, b->items[i].score);
		same_str(a->items[i].note, b->items[i].note, "note");
	}
}
