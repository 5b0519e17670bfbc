/* test_message.c — the message model: its checks, its code tables against the source files in
 * ../shared/terminology, and the ICF / SNOMED CT codes filled from the bundled maps (mappings/). */
#include "samsvar/content.h"
#include "samsvar/kith.h"
#include "samsvar/message.h"
#include "samsvar/snapshot.h"
#include "support/fixtures.h"
#include "support/msgfix.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BASE "https://fhir.samsvar.no"

static void invalid(void (*spoil)(struct sv_message *), enum sv_err code, const char *expression)
{
	struct sv_message m = {0};
	struct sv_error err = {0};

	ts_message_sample(&m, SV_MSG_INNLEGGELSESRAPPORT);
	spoil(&m);
	cr_assert_eq(sv_message_validate(&m, &err), code, "%s: %s", expression, err.message);
	cr_assert_str_eq(err.expression, expression);
	sv_message_release(&m);
}

static void no_id(struct sv_message *m) { sv_msg_set(&m->id, NULL); }
static void empty_sender(struct sv_message *m) { sv_msg_set(&m->sender.her_id, ""); }
static void no_receiver(struct sv_message *m) { sv_msg_set(&m->receiver.name, NULL); }
static void no_patient(struct sv_message *m) { sv_msg_set(&m->patient.id, NULL); }
static void short_patient(struct sv_message *m) { sv_msg_set(&m->patient.id, "1311690021"); }
static void letter_patient(struct sv_message *m) { sv_msg_set(&m->patient.id, "1311690021x"); }
static void bad_birth(struct sv_message *m) { sv_msg_set(&m->patient.birth_date, "13.11.1969"); }
static void unknown_var(struct sv_message *m) { sv_msg_set(&m->items[2].variable, "21"); }
static void zero_var(struct sv_message *m) { sv_msg_set(&m->items[0].variable, "0"); }
static void twice(struct sv_message *m) { sv_msg_set(&m->items[2].variable, "1"); }
static void score7(struct sv_message *m) { m->items[1].score = 7; }
static void score0(struct sv_message *m) { m->items[0].score = 0; }
static void no_items(struct sv_message *m)
{
	while (m->nitems) {
		struct sv_msg_item *it = &m->items[--m->nitems];
		free(it->variable);
		free(it->note);
	}
}
static void no_var(struct sv_message *m) { sv_msg_set(&m->items[0].variable, NULL); }
static void control_char(struct sv_message *m) { sv_msg_set(&m->patient.family, "Dan\x01ser"); }
static void not_utf8(struct sv_message *m) { sv_msg_set(&m->sender.name, "Alvdal \xff"); }
static void bad_gen_date(struct sv_message *m) { sv_msg_set(&m->gen_date, "26.11.2026 10:15"); }
static void date_only(struct sv_message *m) { sv_msg_set(&m->gen_date, "2026-11-26"); }
static void bad_admitted(struct sv_message *m) { sv_msg_set(&m->admitted, "yesterday"); }
static void bad_event(struct sv_message *m) { m->event = SV_MSG_NEVENTS; }
static void long_note(struct sv_message *m)
{
	char *s = malloc(SV_MSG_MAX_TEXT + 2);
	memset(s, 'a', SV_MSG_MAX_TEXT + 1);
	s[SV_MSG_MAX_TEXT + 1] = '\0';
	sv_msg_set(&m->items[1].note, s);
	free(s);
}

Test(message, validate_names_each_problem)
{
	struct sv_message m = {0};
	struct sv_error err = {0};

	ts_message_sample(&m, SV_MSG_INNLEGGELSESRAPPORT);
	cr_assert_eq(sv_message_validate(&m, &err), SV_OK, "%s", err.message);
	sv_message_release(&m);
	invalid(no_id, SV_EREQUIRED, "id");
	invalid(empty_sender, SV_EREQUIRED, "sender.herId");
	invalid(no_receiver, SV_EREQUIRED, "receiver.name");
	invalid(no_patient, SV_EREQUIRED, "patient.id");
	invalid(short_patient, SV_EINVAL, "patient.id");
	invalid(letter_patient, SV_EINVAL, "patient.id");
	invalid(bad_birth, SV_EINVAL, "patient.birthDate");
	invalid(unknown_var, SV_EINVAL, "item[2].variable");
	invalid(zero_var, SV_EINVAL, "item[0].variable");
	invalid(twice, SV_EINVAL, "item[2].variable");
	invalid(score7, SV_EINVAL, "item[1].score");
	invalid(score0, SV_EINVAL, "item[0].score");
	invalid(no_items, SV_EREQUIRED, "item");
	invalid(no_var, SV_EREQUIRED, "item[0].variable");
	invalid(bad_event, SV_EINVAL, "event");
	invalid(bad_gen_date, SV_EINVAL, "genDate");
	invalid(date_only, SV_EINVAL, "genDate");
	invalid(bad_admitted, SV_EINVAL, "admitted");
	invalid(control_char, SV_EINVAL, "patient.family");
	invalid(not_utf8, SV_EINVAL, "sender.name");
	invalid(long_note, SV_EINVAL, "item[1].note");
}

Test(message, items_are_capped)
{
	struct sv_message m = {0};

	for (int i = 0; i < SV_MSG_MAX_ITEMS; i++)
		cr_assert_not_null(sv_message_add_item(&m));
	cr_assert_null(sv_message_add_item(&m));
	sv_message_release(&m);
}

Test(message, events)
{
	enum sv_msg_event ev;

	for (int i = 0; i < SV_MSG_NEVENTS; i++) {
		cr_assert_eq(sv_msg_event_parse(sv_msg_event_code((enum sv_msg_event)i), &ev), 0);
		cr_assert_eq(ev, (enum sv_msg_event)i);
	}
	cr_assert_eq(sv_msg_event_parse("plo-utskrivningsrapport", &ev), -1);
	cr_assert_eq(sv_msg_event_parse(NULL, &ev), -1);
	cr_assert_str_eq(sv_msg_event_code(SV_MSG_HELSEOPPLYSNINGER), "plo-helseopplysninger");
}

/* Returns 1 when the CSV file `rel` has a line holding ",code,display," exactly. */
static int csv_has(const char *text, const char *code, const char *display)
{
	char want[512];

	snprintf(want, sizeof(want), ",%s,%s,", code, display);
	return strstr(text, want) != NULL;
}

Test(message, variables_are_the_9111_list)
{
	char *path, *text;

	TS_REQUIRE_SHARED(path, "terminology/iplos_9111_funksjonsvariabel.csv");
	text = ts_read_file(path, NULL);
	for (size_t i = 0; i < 20; i++) {
		cr_assert(csv_has(text, sv_msg_variables[i].code, sv_msg_variables[i].display), "%s %s",
			  sv_msg_variables[i].code, sv_msg_variables[i].display);
		cr_assert_eq(sv_msg_variable_find(sv_msg_variables[i].code), &sv_msg_variables[i]);
	}
	cr_assert_null(sv_msg_variable_find("21"));
	free(text);
	free(path);
}

Test(message, kith_types_are_in_8279)
{
	char *path, *text, want[256];

	TS_REQUIRE_SHARED(path, "terminology/plo_msghead_types_8279.csv");
	text = ts_read_file(path, NULL);
	for (int e = 0; e < SV_MSG_NEVENTS; e++) {
		if (!sv_kith_msg_type((enum sv_msg_event)e))
			continue;
		snprintf(want, sizeof(want), "8279,%s,%s,", sv_kith_msg_type((enum sv_msg_event)e),
			 sv_kith_msg_type_display((enum sv_msg_event)e));
		cr_assert(strstr(text, want), "%s", want);
	}
	cr_assert_null(sv_kith_msg_type(SV_MSG_FUNCTION_REPORT));
	free(text);
	free(path);
}

/* The bundled content, with or without its ConceptMaps. */
static struct sv_snapshot *bundled(int with_maps)
{
	struct sv_error err = {0};
	cJSON *all = sv_content_load_dir("mappings", BASE, &err);

	cr_assert_not_null(all, "%s", err.message);
	for (int i = cJSON_GetArraySize(all) - 1; i >= 0 && !with_maps; i--) {
		const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(all, i), "url"));
		if (url && strstr(url, "/ConceptMap/"))
			cJSON_DeleteItemFromArray(all, i);
	}
	return ts_snapshot_of(all);
}

/* Expected codes are the rows of mappings/conceptmap-iplos-icf.tsv, -score-icf-qualifier.tsv and
 * -snomed.tsv for variables 1 (score 3), 7 (score 4) and 13 (score 9). */
Test(message, codes_come_from_the_maps)
{
	struct sv_snapshot *snap = bundled(1);
	struct sv_message m = {0};
	struct sv_error err = {0};

	ts_message_sample(&m, SV_MSG_FUNCTION_REPORT);
	cr_assert_eq(sv_message_fill_codes(snap, BASE, &m, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(m.icf_map, BASE "/ConceptMap/iplos-icf|0.1.0");
	cr_assert_not_null(m.qualifier_map);
	cr_assert_not_null(m.snomed_map);
	cr_assert_eq(m.items[0].nicf, 3, "variable 1 maps to d910, d920, d750");
	cr_assert_str_eq(m.items[0].icf[0].code, "d910");
	cr_assert_str_eq(m.items[0].icf_qualifier, "2", "score 3 is a moderate problem");
	cr_assert_str_eq(m.items[1].icf[0].code, "d510");
	cr_assert_str_eq(m.items[1].icf_qualifier, "3");
	/* variable 13 (vision) maps inexactly to b210: the score does not grade it, so no qualifier */
	cr_assert_eq(m.items[2].nicf, 1);
	cr_assert_str_eq(m.items[2].icf[0].code, "b210");
	cr_assert_null(m.items[2].icf_qualifier, "b210 is an inexact target: no qualifier");
	int found = 0;
	for (int k = 0; k < m.items[0].nsct; k++)
		found |= strcmp(m.items[0].sct[k].code, "423315002") == 0;
	cr_assert(found, "variable 1 with score 3 gives Limited social contact (finding)");
	/* Filling twice replaces, never appends. */
	int n = m.items[0].nsct;
	cr_assert_eq(sv_message_fill_codes(snap, BASE, &m, &err), SV_OK);
	cr_assert_eq(m.items[0].nsct, n);
	sv_message_release(&m);
	sv_snapshot_release(snap);
}

Test(message, without_maps_no_codes)
{
	struct sv_snapshot *snap = bundled(0);
	struct sv_message m = {0};
	struct sv_error err = {0};

	ts_message_sample(&m, SV_MSG_FUNCTION_REPORT);
	cr_assert_eq(sv_message_fill_codes(snap, BASE, &m, &err), SV_OK, "%s", err.message);
	cr_assert_null(m.icf_map);
	cr_assert_null(m.snomed_map);
	cr_assert_eq(m.items[0].nicf, 0);
	cr_assert_null(m.items[0].icf_qualifier);
	sv_message_release(&m);
	sv_snapshot_release(snap);
}
