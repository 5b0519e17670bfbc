/* test_message_apprec.c — AppRec v1.1: positive and negative receipts validate against the official
 * AppRec-v1.1.xsd and read back; the NHN example reads; every error of builder and reader. */
#include "samsvar/kith.h"
#include "support/msgfix.h"
#include "support/support.h"
#include "support/xsd.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XSD "schemas/apprec/AppRec-v1.1.xsd"

static void receipt(struct sv_apprec *a, enum sv_apprec_status status)
{
	struct sv_message m = {0};

	ts_message_sample(&m, SV_MSG_INNLEGGELSESRAPPORT);
	sv_apprec_for(&m, "0b6c1f9e-8a7d-4c3b-b2e1-5d4f3a2c1b0a", "2026-11-26T10:16:00Z", status, a);
	sv_message_release(&m);
}

static char *build(const struct sv_apprec *a, size_t *len)
{
	struct sv_error err = {0};
	char *xml = NULL;

	cr_assert_eq(sv_apprec_build(a, &xml, len, &err), SV_OK, "%s", err.message);
	return xml;
}

Test(apprec, ok_validates_and_reads_back)
{
	struct sv_apprec a, back = {0};
	struct sv_error err = {0};
	size_t len;
	char *xml;

	receipt(&a, SV_APPREC_OK);
	xml = build(&a, &len);
	ts_assert_xsd_valid(XSD, xml, len);
	cr_assert(strstr(xml, "<Status V=\"1\" DN=\"OK\"/>"));
	cr_assert_eq(sv_apprec_parse(xml, len, &back, &err), SV_OK, "%s", err.message);
	cr_assert_eq(back.status, SV_APPREC_OK);
	cr_assert_eq(back.nerrors, 0);
	cr_assert_str_eq(back.sender.name, "ST OLAVS HOSPITAL HF", "the receiver of the message answers");
	cr_assert_str_eq(back.receiver.her_id, "99387");
	cr_assert_str_eq(back.orig_id, "7f0c2a52-3b8e-4d0a-9c61-2f5e8d1b4a90");
	cr_assert_str_eq(back.orig_type, "INNLEGGELSESRAPPORT");
	cr_assert_str_eq(back.id, a.id);
	free(xml);
	sv_apprec_release(&a);
	sv_apprec_release(&back);
}

Test(apprec, rejected_with_errors_validates_and_reads_back)
{
	struct sv_apprec a, back = {0};
	struct sv_error err = {0};
	size_t len;
	char *xml;

	receipt(&a, SV_APPREC_REJECTED);
	cr_assert_eq(sv_apprec_add_error(&a, SV_APPREC_X99, "KartlagtFunksjon[1]: Vurdering '7' is not an IPLOS score"), 0);
	cr_assert_eq(sv_apprec_add_error(&a, SV_APPREC_T02, NULL), 0);
	xml = build(&a, &len);
	ts_assert_xsd_valid(XSD, xml, len);
	cr_assert(strstr(xml, "<Error V=\"X99\" DN=\"Annen feil\" S=\"2.16.578.1.12.4.1.1.8221\" OT=\""));
	cr_assert_eq(sv_apprec_parse(xml, len, &back, &err), SV_OK, "%s", err.message);
	cr_assert_eq(back.status, SV_APPREC_REJECTED);
	cr_assert_eq(back.nerrors, 2);
	cr_assert_str_eq(back.errors[0].code, "X99");
	cr_assert(strstr(back.errors[0].detail, "'7'"));
	cr_assert_str_eq(back.errors[1].code, "T02");
	cr_assert_str_eq(back.errors[1].display, "XML validerer ikke");
	cr_assert_null(back.errors[1].detail);
	free(xml);
	sv_apprec_release(&a);
	sv_apprec_release(&back);
}

Test(apprec, error_list_is_capped)
{
	struct sv_apprec a;

	receipt(&a, SV_APPREC_REJECTED);
	for (int i = 0; i < SV_APPREC_MAX_ERRORS; i++)
		cr_assert_eq(sv_apprec_add_error(&a, SV_APPREC_X99, NULL), 0);
	cr_assert_eq(sv_apprec_add_error(&a, SV_APPREC_X99, NULL), -1);
	sv_apprec_release(&a);
}

Test(apprec, the_nhn_example_reads)
{
	char *path, *xml;
	struct sv_apprec a = {0};
	struct sv_error err = {0};
	size_t len;

	TS_REQUIRE_SHARED(path, "schemas/apprec/examples/MetadataTests_Apprec11.xml");
	xml = ts_read_file(path, &len);
	cr_assert_eq(sv_apprec_parse(xml, len, &a, &err), SV_OK, "%s", err.message);
	cr_assert_eq(a.status, SV_APPREC_OK);
	cr_assert_str_eq(a.orig_id, "de1a95c0-4d0c-11e7-9598-0800200c9a66");
	cr_assert_str_eq(a.orig_type, "DIALOG_HELSEFAGLIG");
	cr_assert_str_eq(a.sender.her_id, "56704");
	cr_assert_str_eq(a.receiver.name, "ST OLAVS HOSPITAL HF");
	sv_apprec_release(&a);
	free(xml);
	free(path);
}

Test(apprec, builder_refuses_incomplete_receipts)
{
	struct sv_apprec a;
	struct sv_error err = {0};
	char *xml = (char *)"x";
	size_t len;

	receipt(&a, SV_APPREC_REJECTED);
	cr_assert_eq(sv_apprec_build(&a, &xml, &len, &err), SV_EINVAL, "a negative receipt without errors");
	cr_assert_null(xml);
	a.status = 4;
	cr_assert_eq(sv_apprec_build(&a, &xml, &len, &err), SV_EINVAL);
	cr_assert_str_eq(err.expression, "status");
	a.status = SV_APPREC_OK;
	free(a.orig_id);
	a.orig_id = NULL;
	cr_assert_eq(sv_apprec_build(&a, &xml, &len, &err), SV_EREQUIRED);
	cr_assert_str_eq(err.expression, "originalMsgId.id");
	sv_apprec_release(&a);
}

static void refused(const char *xml, enum sv_err code, const char *words)
{
	struct sv_apprec a = {0};
	struct sv_error err = {0};

	cr_assert_eq(sv_apprec_parse(xml, strlen(xml), &a, &err), code, "%s", err.message);
	cr_assert(strstr(err.message, words), "'%s' not in: %s", words, err.message);
	sv_apprec_release(&a);
}

#define HEAD "<AppRec xmlns=\"" SV_KITH_NS_APPREC "\">"

Test(apprec_in, errors)
{
	refused("<AppRec", SV_EINVAL, "not well-formed");
	refused("<MsgHead xmlns=\"" SV_KITH_NS_MSGHEAD "\"/>", SV_EINVAL, "not AppRec");
	refused("<!DOCTYPE AppRec><AppRec/>", SV_EINVAL, "DOCTYPE");
	refused(HEAD "<Status DN=\"OK\"/></AppRec>", SV_EINVAL, "no numeric Status");
	refused(HEAD "<Status V=\"1\"/></AppRec>", SV_EINVAL, "OriginalMsgId");
}

Test(apprec_in, too_many_errors)
{
	char xml[4096];
	size_t n = (size_t)snprintf(xml, sizeof(xml), HEAD "<Status V=\"2\"/>");

	for (int i = 0; i <= SV_APPREC_MAX_ERRORS; i++)
		n += (size_t)snprintf(xml + n, sizeof(xml) - n, "<Error V=\"X99\"/>");
	snprintf(xml + n, sizeof(xml) - n, "</AppRec>");
	refused(xml, SV_ETOOBIG, "more than");
}
