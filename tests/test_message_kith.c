/* test_message_kith.c — MsgHead + PLO 1.6 out and in: every message built validates against the
 * official XSDs (driver schema + catalog from ../shared/schemas), round trips, every error of the
 * reader with its AppRec code, and the official e-helse examples. */
#include "samsvar/kith.h"
#include "support/msgfix.h"
#include "support/support.h"
#include "support/xsd.h"

#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRIVER "schemas/_local/msghead-plo-1.6-driver.xsd"

static char *build(const struct sv_message *m, size_t *len)
{
	struct sv_error err = {0};
	char *xml = NULL;

	cr_assert_eq(sv_kith_build(m, &xml, len, &err), SV_OK, "%s", err.message);
	cr_assert_not_null(xml);
	cr_assert_eq(strlen(xml), *len);
	return xml;
}

static void round_trip(enum sv_msg_event ev)
{
	struct sv_message m = {0}, back = {0};
	struct sv_error err = {0};
	enum sv_apprec_error why;
	size_t len;
	char *xml;

	ts_message_sample(&m, ev);
	xml = build(&m, &len);
	ts_assert_xsd_valid(DRIVER, xml, len);
	cr_assert_eq(sv_kith_parse(xml, len, &back, &why, &err), SV_OK, "%s", err.message);
	ts_message_assert_same(&m, &back);
	cr_assert_str_eq(back.dispatch_status, "N");
	free(xml);
	sv_message_release(&m);
	sv_message_release(&back);
}

Test(kith, innleggelsesrapport_validates_and_round_trips)
{
	round_trip(SV_MSG_INNLEGGELSESRAPPORT);
}

Test(kith, helseopplysninger_validates_and_round_trips)
{
	round_trip(SV_MSG_HELSEOPPLYSNINGER);
}

Test(kith, carries_the_type_and_codes_of_the_code_lists)
{
	struct sv_message m = {0};
	size_t len;
	char *xml;

	ts_message_sample(&m, SV_MSG_INNLEGGELSESRAPPORT);
	sv_msg_set(&m.patient.id, "41116900216");
	m.patient.kind = SV_MSG_ID_DNR;
	xml = build(&m, &len);
	ts_assert_xsd_valid(DRIVER, xml, len);
	cr_assert(strstr(xml, "<Type V=\"INNLEGGELSESRAPPORT\" DN=\"Innleggelsesrapport\"/>"));
	cr_assert(strstr(xml, "<Funksjonsvariabel V=\"7\" DN=\"Personlig hygiene\" S=\"2.16.578.1.12.4.1.1.9111\"/>"));
	cr_assert(strstr(xml, "<TypeId V=\"DNR\" DN=\"D-nummer\" S=\"2.16.578.1.12.4.1.1.8116\"/>"));
	cr_assert(strstr(xml, "&lt;alene&gt; &amp; trenger"), "text is escaped by libxml2");
	free(xml);
	sv_message_release(&m);
}

Test(kith, a_message_that_is_not_valid_is_not_built)
{
	struct sv_message m = {0};
	struct sv_error err = {0};
	char *xml = (char *)"x";
	size_t len = 0;

	ts_message_sample(&m, SV_MSG_INNLEGGELSESRAPPORT);
	m.items[1].score = 7;
	cr_assert_eq(sv_kith_build(&m, &xml, &len, &err), SV_EINVAL);
	cr_assert_null(xml);
	cr_assert_str_eq(err.expression, "item[1].score");
	m.items[1].score = 4;
	m.event = SV_MSG_FUNCTION_REPORT;
	cr_assert_eq(sv_kith_build(&m, &xml, &len, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "event");
	m.event = SV_MSG_HELSEOPPLYSNINGER;   /* needs the admission time */
	cr_assert_eq(sv_kith_build(&m, &xml, &len, &err), SV_EREQUIRED);
	cr_assert_str_eq(err.expression, "admitted");
	sv_message_release(&m);
}

static char *replaced(char *xml, const char *from, const char *to);

/* The sample message as XML with `from` replaced by `to` (first occurrence). */
static char *mutated(const char *from, const char *to, size_t *len)
{
	struct sv_message m = {0};
	char *xml;
	size_t n;

	ts_message_sample(&m, SV_MSG_INNLEGGELSESRAPPORT);
	xml = replaced(build(&m, &n), from, to);
	sv_message_release(&m);
	*len = strlen(xml);
	return xml;
}

static void assert_refused(const char *xml, size_t len, enum sv_err code, enum sv_apprec_error why,
			   const char *words)
{
	struct sv_message m = {0};
	struct sv_error err = {0};
	enum sv_apprec_error got = SV_APPREC_NERRORS;

	cr_assert_eq(sv_kith_parse(xml, len, &m, &got, &err), code, "wanted %s, got: %s", sv_strerror(code),
		     err.message);
	cr_assert_eq(got, why, "AppRec %s, wanted %s (%s)", sv_apprec_error_code(got), sv_apprec_error_code(why),
		     err.message);
	cr_assert(strstr(err.message, words), "'%s' not in: %s", words, err.message);
	sv_message_release(&m);
}

static void refused_when(const char *from, const char *to, enum sv_apprec_error why, const char *words)
{
	size_t len;
	char *xml = mutated(from, to, &len);

	assert_refused(xml, len, SV_EINVAL, why, words);
	free(xml);
}

Test(kith_in, broken_xml)
{
	refused_when("</MsgHead>", "</MsgHed>", SV_APPREC_T01, "not well-formed");
}

Test(kith_in, doctype)
{
	const char *x = "<?xml version=\"1.0\"?>\n<!DOCTYPE MsgHead [<!ENTITY a \"aaaaaaaaaa\">]>\n"
			"<MsgHead xmlns=\"" SV_KITH_NS_MSGHEAD "\">&a;</MsgHead>";
	assert_refused(x, strlen(x), SV_EINVAL, SV_APPREC_T01, "DOCTYPE");
}

Test(kith_in, wrong_namespace)
{
	refused_when("xmlns=\"" SV_KITH_NS_MSGHEAD "\"", "xmlns=\"http://www.kith.no/xmlstds/msghead/2004-01-01\"",
		     SV_APPREC_T10, "not MsgHead");
}

Test(kith_in, wrong_content_namespace)
{
	refused_when(SV_KITH_NS_INNLEGGELSESRAPPORT, SV_KITH_NS_HELSEOPPLYSNINGER, SV_APPREC_T02,
		     "holds no Innleggelsesrapport");
}

Test(kith_in, other_message_type)
{
	refused_when("V=\"INNLEGGELSESRAPPORT\"", "V=\"LOG_INNLAGT\"", SV_APPREC_T10, "LOG_INNLAGT");
}

Test(kith_in, unknown_variable)
{
	refused_when("<Funksjonsvariabel V=\"7\"", "<Funksjonsvariabel V=\"21\"", SV_APPREC_X99,
		     "21 is not an IPLOS function variable");
}

Test(kith_in, variable_of_another_code_list)
{
	refused_when("S=\"2.16.578.1.12.4.1.1.9111\"", "S=\"2.16.578.1.12.4.1.1.9151\"", SV_APPREC_X99,
		     "no Funksjonsvariabel in Volven 9111");
}

Test(kith_in, score_seven)
{
	refused_when("<Vurdering>4</Vurdering>", "<Vurdering>7</Vurdering>", SV_APPREC_X99, "'7' is not an IPLOS score");
}

Test(kith_in, score_not_a_number)
{
	refused_when("<Vurdering>4</Vurdering>", "<Vurdering>4x</Vurdering>", SV_APPREC_X99, "'4x'");
}

Test(kith_in, variable_twice)
{
	refused_when("<Funksjonsvariabel V=\"7\"", "<Funksjonsvariabel V=\"1\"", SV_APPREC_X99, "given twice");
}

/* `xml` (freed) with `from` replaced by `to` (first occurrence). */
static char *replaced(char *xml, const char *from, const char *to)
{
	char *at = strstr(xml, from), *out;
	size_t head, tail;

	cr_assert_not_null(at, "'%s' not in the message", from);
	head = (size_t)(at - xml);
	tail = strlen(at + strlen(from));
	out = malloc(head + strlen(to) + tail + 1);
	memcpy(out, xml, head);
	memcpy(out + head, to, strlen(to));
	memcpy(out + head + strlen(to), at + strlen(from), tail + 1);
	free(xml);
	return out;
}

Test(kith_in, missing_patient)
{
	size_t len;
	char *xml = replaced(mutated("<Patient>", "<!--", &len), "</Patient>", "-->");

	assert_refused(xml, strlen(xml), SV_EINVAL, SV_APPREC_E30, "Patient is missing");
	free(xml);
}

Test(kith_in, patient_without_identifier)
{
	refused_when("V=\"FNR\"", "V=\"HNR\"", SV_APPREC_E30, "no Ident with TypeId FNR or DNR");
}

Test(kith_in, bad_patient_identifier)
{
	refused_when("<Id>13116900216</Id>", "<Id>1311690021</Id>", SV_APPREC_E31, "not 11 digits");
}

Test(kith_in, missing_msgid_keeps_what_an_apprec_needs)
{
	struct sv_message m = {0};
	struct sv_error err = {0};
	enum sv_apprec_error why;
	size_t len;
	char *xml = mutated("<MsgId>7f0c2a52-3b8e-4d0a-9c61-2f5e8d1b4a90</MsgId>", "<MsgId/>", &len);

	cr_assert_eq(sv_kith_parse(xml, len, &m, &why, &err), SV_EINVAL);
	cr_assert_eq(why, SV_APPREC_E10);
	cr_assert_str_eq(m.sender.her_id, "99387", "the sender is read before the problem");
	cr_assert_str_eq(m.receiver.name, "ST OLAVS HOSPITAL HF");
	sv_message_release(&m);
	free(xml);
}

Test(kith_in, missing_msginfo)
{
	size_t len;
	char *xml = replaced(mutated("<MsgInfo>", "<MsgInformasjon>", &len), "</MsgInfo>", "</MsgInformasjon>");

	assert_refused(xml, strlen(xml), SV_EINVAL, SV_APPREC_T02, "no MsgInfo");
	free(xml);
}

Test(kith_in, missing_sender_her_id)
{
	refused_when("V=\"HER\"", "V=\"ENH\"", SV_APPREC_T02, "TypeId HER");
}

Test(kith_in, over_the_size_cap)
{
	size_t len = SV_MSG_MAX_BYTES + 1;
	char *big = malloc(len);

	memset(big, ' ', len);
	assert_refused(big, len, SV_ETOOBIG, SV_APPREC_T99, "over the cap");
	free(big);
}

Test(kith_in, over_the_node_cap)
{
	size_t n = SV_MSG_MAX_NODES / 3 + 1, cap = n * 4 + 200, len = 0;
	char *xml = malloc(cap);

	len += (size_t)snprintf(xml, cap, "<MsgHead xmlns=\"%s\">", SV_KITH_NS_MSGHEAD);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(xml + len, cap - len, "<a/>");
	len += (size_t)snprintf(xml + len, cap - len, "</MsgHead>");
	assert_refused(xml, len, SV_ETOOBIG, SV_APPREC_T99, "");
	free(xml);
}

Test(kith_in, not_utf8)
{
	const char x[] = "<MsgHead xmlns=\"" SV_KITH_NS_MSGHEAD "\">\xff</MsgHead>";
	assert_refused(x, sizeof(x) - 1, SV_EINVAL, SV_APPREC_T01, "UTF-8");
}

/* ---- the official examples ---- */

static void parse_file(const char *path, struct sv_message *m, enum sv_apprec_error *why, enum sv_err *rc,
		       struct sv_error *err)
{
	size_t len;
	char *xml = ts_read_file(path, &len);

	cr_assert_not_null(xml, "%s unreadable", path);
	*rc = sv_kith_parse(xml, len, m, why, err);
	free(xml);
}

Test(kith_examples, innleggelsesrapport_ny)
{
	char *path;
	struct sv_message m = {0};
	struct sv_error err = {0};
	enum sv_apprec_error why;
	enum sv_err rc;

	TS_REQUIRE_SHARED(path, "schemas/plo-1.6/examples/Innleggelsesrapport_v1-6_Ny.xml");
	parse_file(path, &m, &why, &rc, &err);
	cr_assert_eq(rc, SV_OK, "%s", err.message);
	cr_assert_eq(m.event, SV_MSG_INNLEGGELSESRAPPORT);
	cr_assert_str_eq(m.id, "13a5da20-05c6-11e8-8f1a-0800200c9a66");
	cr_assert_str_eq(m.sender.name, "Alvdal Kommune");
	cr_assert_str_eq(m.sender.her_id, "99387");
	cr_assert_str_eq(m.receiver.her_id, "59");
	cr_assert_str_eq(m.patient.id, "13116900216");
	cr_assert_eq(m.patient.kind, SV_MSG_ID_FNR);
	cr_assert_eq(m.nitems, 17);
	cr_assert_str_eq(m.items[0].variable, "1");
	cr_assert_eq(m.items[0].score, 3);
	cr_assert_str_eq(m.items[16].variable, "17");
	cr_assert_str_eq(m.dispatch_status, "N");
	free(path);
	sv_message_release(&m);
}

/* Every official example: the PLO messages samsvar reads parse; every other one is refused with T10. */
Test(kith_examples, every_example)
{
	char *dir, pattern[1200];
	glob_t g;
	int read = 0, refused = 0;

	TS_REQUIRE_SHARED(dir, "schemas/plo-1.6/examples");
	snprintf(pattern, sizeof(pattern), "%s/*.xml", dir);
	cr_assert_eq(glob(pattern, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *name = strrchr(g.gl_pathv[i], '/') + 1;
		int ours = strncmp(name, "Innleggelsesrapport_", 20) == 0 ||
			   (strncmp(name, "Helseopplysninger_", 18) == 0 && !strstr(name, "til_lege"));
		struct sv_message m = {0};
		struct sv_error err = {0};
		enum sv_apprec_error why;
		enum sv_err rc;

		parse_file(g.gl_pathv[i], &m, &why, &rc, &err);
		if (ours) {
			cr_assert_eq(rc, SV_OK, "%s: %s", name, err.message);
			cr_assert_str_eq(m.dispatch_status, strstr(name, "Kansellering") ? "C" : strstr(name, "Endring") ?
					 "M" : "N", "%s", name);
			if (strstr(name, "Kansellering"))
				cr_assert_eq(m.nitems, 0, "%s: a cancellation carries no items", name);
			cr_assert(m.id && m.sender.her_id && m.receiver.her_id && m.patient.id, "%s", name);
			read++;
		} else {
			cr_assert_eq(rc, SV_EINVAL, "%s", name);
			cr_assert_eq(why, SV_APPREC_T10, "%s: %s", name, err.message);
			refused++;
		}
		sv_message_release(&m);
	}
	cr_assert_eq(read, 6, "3 Innleggelsesrapport and 3 Helseopplysninger examples");
	cr_assert_eq(refused, 16);
	globfree(&g);
	free(dir);
}

/* The schema check itself can fail: a message the XSD refuses is reported invalid. */
Test(kith, the_schema_check_catches_an_invalid_message)
{
	char errors[2048];
	size_t len;
	char *xml = mutated("<MIGversion>v1.2 2006-05-24</MIGversion>", "<MIGversion>v1.3</MIGversion>", &len);
	int rc = ts_xsd_validate(DRIVER, xml, len, errors, sizeof(errors));

	if (rc < 0)
		cr_skip_test("shared file %s absent (set SAMSVAR_SHARED)", DRIVER);
	cr_assert_eq(rc, 1, "a wrong fixed MIGversion must not validate");
	free(xml);
}
