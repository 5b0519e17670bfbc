/* message.c — the message model: the 9111 variables, the events, and the checks every format shares. */
#include "samsvar/message.h"
#include "samsvar/utf8.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copied from ../shared/terminology/iplos_9111_funksjonsvariabel.csv (code, display_no). */
const struct sv_msg_variable sv_msg_variables[20] = {
	{"1", "Sosial deltakelse"},
	{"2", "Skaffe seg varer og tjenester"},
	{"3", "Beslutninger i dagliglivet"},
	{"4", "Ivareta egen helse"},
	{"5", "Bevege seg innendørs"},
	{"6", "Alminnelig husarbeid"},
	{"7", "Personlig hygiene"},
	{"8", "På- og avkledning"},
	{"9", "Lage mat"},
	{"10", "Spise"},
	{"11", "Toalett"},
	{"12", "Bevege seg utendørs"},
	{"13", "Syn"},
	{"14", "Hørsel"},
	{"15", "Hukommelse"},
	{"16", "Kommunikasjon"},
	{"17", "Styre atferd"},
	{"18", "Ivareta egen økonomi"},
	{"19", "Initiativevne"},
	{"20", "Opplevelse av trygghet"},
};

static const char *const EVENTS[SV_MSG_NEVENTS] = {
	"plo-innleggelsesrapport", "plo-helseopplysninger", "function-report",
};

const struct sv_msg_variable *sv_msg_variable_find(const char *code)
{
	for (size_t i = 0; code && i < sizeof(sv_msg_variables) / sizeof(sv_msg_variables[0]); i++)
		if (strcmp(sv_msg_variables[i].code, code) == 0)
			return &sv_msg_variables[i];
	return NULL;
}

const char *sv_msg_event_code(enum sv_msg_event ev)
{
	if ((unsigned)ev >= SV_MSG_NEVENTS)
		SV_BUG("message event out of range");
	return EVENTS[ev];
}

int sv_msg_event_parse(const char *s, enum sv_msg_event *ev)
{
	for (int i = 0; s && i < SV_MSG_NEVENTS; i++)
		if (strcmp(EVENTS[i], s) == 0) {
			*ev = (enum sv_msg_event)i;
			return 0;
		}
	return -1;
}

int sv_msg_score_valid(int score)
{
	return (score >= 1 && score <= 5) || score == 9;
}

void sv_msg_set(char **field, const char *value)
{
	free(*field);
	*field = value ? sv_xstrdup(value) : NULL;
}

struct sv_msg_item *sv_message_add_item(struct sv_message *m)
{
	struct sv_msg_item *it;

	if (m->nitems >= SV_MSG_MAX_ITEMS)
		return NULL;
	m->items = sv_xrealloc(m->items, (m->nitems + 1) * sizeof(*m->items));
	it = &m->items[m->nitems++];
	memset(it, 0, sizeof(*it));
	return it;
}

/* SV_EREQUIRED when `s` is NULL or empty, SV_EINVAL when over the cap; `what` names the field. */
static enum sv_err need(const char *s, const char *what, struct sv_error *err)
{
	if (!s || !*s)
		return sv_fail_at(err, SV_EREQUIRED, what, "%s is required", what);
	if (strlen(s) > SV_MSG_MAX_TEXT)
		return sv_fail_at(err, SV_EINVAL, what, "%s is longer than %d bytes", what, SV_MSG_MAX_TEXT);
	if (!sv_utf8_valid(s, strlen(s)))
		return sv_fail_at(err, SV_EINVAL, what, "%s is not UTF-8", what);
	/* XML 1.0 cannot carry other control characters, so no format may. */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return sv_fail_at(err, SV_EINVAL, what, "%s holds control character 0x%02x", what, *p);
	return SV_OK;
}

static enum sv_err optional(const char *s, const char *what, struct sv_error *err)
{
	return s ? need(s, what, err) : SV_OK;
}

static int all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* YYYY-MM-DD, then (required when `need_time`) Thh:mm:ss and anything after (fraction, zone): the
 * xs:date / xs:dateTime shapes the KITH schemas and FHIR accept; the schemas check the rest. */
static int date_shape(const char *s, int need_time)
{
	static const char DATE[] = "dddd-dd-dd", TIME[] = "Tdd:dd:dd";
	size_t n = strlen(s);

	if (n < 10 || (n > 10 && n < 19) || (need_time && n < 19))
		return 0;
	for (size_t i = 0; i < (n > 10 ? 19 : 10); i++) {
		char want = i < 10 ? DATE[i] : TIME[i - 10];
		if (want == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != want)
			return 0;
	}
	return 1;
}

static enum sv_err check_item(const struct sv_message *m, size_t i, struct sv_error *err)
{
	const struct sv_msg_item *it = &m->items[i];
	char where[64];
	enum sv_err rc;

	snprintf(where, sizeof(where), "item[%zu].variable", i);
	if ((rc = need(it->variable, where, err)) != SV_OK)
		return rc;
	if (!sv_msg_variable_find(it->variable))
		return sv_fail_at(err, SV_EINVAL, where, "%s is not an IPLOS function variable (Volven 9111 "
				  "has codes 1-20)", it->variable);
	for (size_t j = 0; j < i; j++)
		if (strcmp(m->items[j].variable, it->variable) == 0)
			return sv_fail_at(err, SV_EINVAL, where, "variable %s is given twice", it->variable);
	snprintf(where, sizeof(where), "item[%zu].score", i);
	if (!sv_msg_score_valid(it->score))
		return sv_fail_at(err, SV_EINVAL, where, "score %d of variable %s is not an IPLOS score (1-5 or 9)",
				  it->score, it->variable);
	snprintf(where, sizeof(where), "item[%zu].note", i);
	if ((rc = optional(it->note, where, err)) != SV_OK)
		return rc;
	if (it->nicf < 0 || it->nicf > SV_MSG_MAX_CODES || it->nsct < 0 || it->nsct > SV_MSG_MAX_CODES)
		SV_BUG("item code count out of range");
	return SV_OK;
}

enum sv_err sv_message_validate(const struct sv_message *m, struct sv_error *err)
{
	enum sv_err rc;

	if ((unsigned)m->event >= SV_MSG_NEVENTS)
		return sv_fail_at(err, SV_EINVAL, "event", "unknown event");
	if ((rc = need(m->id, "id", err)) != SV_OK || (rc = need(m->gen_date, "genDate", err)) != SV_OK ||
	    (rc = need(m->sender.name, "sender.name", err)) != SV_OK ||
	    (rc = need(m->sender.her_id, "sender.herId", err)) != SV_OK ||
	    (rc = need(m->receiver.name, "receiver.name", err)) != SV_OK ||
	    (rc = need(m->receiver.her_id, "receiver.herId", err)) != SV_OK ||
	    (rc = need(m->patient.id, "patient.id", err)) != SV_OK ||
	    (rc = optional(m->patient.family, "patient.family", err)) != SV_OK ||
	    (rc = optional(m->patient.given, "patient.given", err)) != SV_OK ||
	    (rc = optional(m->source_endpoint, "source.endpoint", err)) != SV_OK ||
	    (rc = optional(m->destination_endpoint, "destination.endpoint", err)) != SV_OK)
		return rc;
	if (m->event == SV_MSG_HELSEOPPLYSNINGER && (rc = need(m->admitted, "admitted", err)) != SV_OK)
		return rc;
	if ((rc = optional(m->admitted, "admitted", err)) != SV_OK)
		return rc;
	if (m->patient.kind != SV_MSG_ID_FNR && m->patient.kind != SV_MSG_ID_DNR)
		return sv_fail_at(err, SV_EINVAL, "patient.id", "unknown kind of patient identifier");
	if (!all_digits(m->patient.id, 11))
		return sv_fail_at(err, SV_EINVAL, "patient.id", "a fødselsnummer or D-number has 11 digits");
	if (m->patient.birth_date && !(strlen(m->patient.birth_date) == 10 && date_shape(m->patient.birth_date, 0)))
		return sv_fail_at(err, SV_EINVAL, "patient.birthDate", "the birth date is not YYYY-MM-DD");
	if (!date_shape(m->gen_date, 1))
		return sv_fail_at(err, SV_EINVAL, "genDate", "genDate '%s' is not a date and time "
				  "(YYYY-MM-DDThh:mm:ss)", m->gen_date);
	if (m->admitted && !date_shape(m->admitted, 0))
		return sv_fail_at(err, SV_EINVAL, "admitted", "admitted '%s' is not a date or a date and time",
				  m->admitted);
	if (m->nitems == 0)
		return sv_fail_at(err, SV_EREQUIRED, "item", "a function report needs at least one item");
	if (m->nitems > SV_MSG_MAX_ITEMS)
		return sv_fail_at(err, SV_ETOOBIG, "item", "more than %d items", SV_MSG_MAX_ITEMS);
	for (size_t i = 0; i < m->nitems; i++)
		if ((rc = check_item(m, i, err)) != SV_OK)
			return rc;
	return SV_OK;
}

static void code_release(struct sv_msg_code *c)
{
	free(c->code);
	free(c->display);
	c->code = c->display = NULL;
}

void sv_msg_item_clear_codes(struct sv_msg_item *it)
{
	for (int k = 0; k < it->nicf; k++)
		code_release(&it->icf[k]);
	for (int k = 0; k < it->nsct; k++)
		code_release(&it->sct[k]);
	it->nicf = it->nsct = 0;
	sv_msg_set(&it->icf_qualifier, NULL);
}

void sv_message_release(struct sv_message *m)
{
	for (size_t i = 0; i < m->nitems; i++) {
		sv_msg_item_clear_codes(&m->items[i]);
		free(m->items[i].variable);
		free(m->items[i].note);
	}
	free(m->items);
	free(m->id);
	free(m->gen_date);
	free(m->sender.name);
	free(m->sender.her_id);
	free(m->receiver.name);
	free(m->receiver.her_id);
	free(m->patient.id);
	free(m->patient.family);
	free(m->patient.given);
	free(m->patient.birth_date);
	free(m->admitted);
	free(m->dispatch_status);
	free(m->icf_map);
	free(m->qualifier_map);
	free(m->snomed_map);
	free(m->source_endpoint);
	free(m->destination_endpoint);
	cJSON_Delete(m->assessment);
	free(m->relations_map);
	memset(m, 0, sizeof(*m));
}
