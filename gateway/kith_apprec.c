/* kith_apprec.c — the AppRec v1.1 application receipt, built and read (see kith.h).
 *
 * Shape: ../shared/schemas/apprec/AppRec-v1.1.xsd and its example MetadataTests_Apprec11.xml (MsgType
 * V="APPREC", HCP/Inst with Id and TypeId V="HER" DN="HER-id", Status V="1" DN="OK").
 * Code lists, no copy in ../shared: 8258 Status (1 OK, 2 Avvist, 3 OK, feil i delmelding) and 8221
 * errors with their texts, copied from two independent code files that agree: KS Fiks
 * (package no.ks.fiks.hdir, enums StatusForMottakAvMelding "Kodeverk: 8258" and
 * FeilmeldingForApplikasjonskvittering "Kodeverk: 8221 Feilmeldinger for applikasjonskvittering -
 * Generelle") and Digdir's meldingsutveksling (no.difi.meldingsutveksling.nextmove.nhn, the same enums
 * with kodeverk 2.16.578.1.12.4.1.1.8258 / 8221). */
#include "samsvar/kith.h"
#include "samsvar/kith_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AR SV_KITH_NS_APPREC
#define OID_8221 "2.16.578.1.12.4.1.1.8221"
#define MIG_VERSION "v1.1 2012-02-15"   /* the default of AppRec-v1.1.xsd */

static const char *const ERRORS[SV_APPREC_NERRORS][2] = {
	[SV_APPREC_E10] = {"E10", "Ugyldig meldingsidentifikator"},
	[SV_APPREC_E21] = {"E21", "Mottaker finnes ikke"},
	[SV_APPREC_E30] = {"E30", "Pasientens fødselsnummer mangler"},
	[SV_APPREC_E31] = {"E31", "Pasientens fødselsnummer er feil"},
	[SV_APPREC_T01] = {"T01", "Ikke XML / ikke 'well formed' / uleselig"},
	[SV_APPREC_T02] = {"T02", "XML validerer ikke"},
	[SV_APPREC_T10] = {"T10", "Støtter ikke meldingsformatet"},
	[SV_APPREC_T99] = {"T99", "Annen feil på format"},
	[SV_APPREC_X99] = {"X99", "Annen feil"},
};

static const char *status_display(int status)
{
	switch (status) {
	case SV_APPREC_OK: return "OK";
	case SV_APPREC_REJECTED: return "Avvist";
	case SV_APPREC_OK_PARTIAL: return "OK, feil i delmelding";
	default: return NULL;
	}
}

const char *sv_apprec_error_code(enum sv_apprec_error e)
{
	if ((unsigned)e >= SV_APPREC_NERRORS)
		SV_BUG("AppRec error out of range");
	return ERRORS[e][0];
}

const char *sv_apprec_error_display(enum sv_apprec_error e)
{
	if ((unsigned)e >= SV_APPREC_NERRORS)
		SV_BUG("AppRec error out of range");
	return ERRORS[e][1];
}

static char *dup_or_null(const char *s)
{
	return s ? sv_xstrdup(s) : NULL;
}

void sv_apprec_for(const struct sv_message *m, const char *id, const char *gen_date, enum sv_apprec_status status,
		   struct sv_apprec *out)
{
	memset(out, 0, sizeof(*out));
	out->id = dup_or_null(id);
	out->gen_date = dup_or_null(gen_date);
	out->sender.name = dup_or_null(m->receiver.name);
	out->sender.her_id = dup_or_null(m->receiver.her_id);
	out->receiver.name = dup_or_null(m->sender.name);
	out->receiver.her_id = dup_or_null(m->sender.her_id);
	out->status = status;
	out->orig_type = dup_or_null(sv_kith_msg_type(m->event));
	out->orig_type_display = dup_or_null(sv_kith_msg_type_display(m->event));
	out->orig_issue_date = dup_or_null(m->gen_date);
	out->orig_id = dup_or_null(m->id);
}

int sv_apprec_add_error(struct sv_apprec *a, enum sv_apprec_error e, const char *detail)
{
	struct sv_apprec_err *x;

	if (a->nerrors >= SV_APPREC_MAX_ERRORS)
		return -1;
	x = &a->errors[a->nerrors++];
	x->code = sv_xstrdup(sv_apprec_error_code(e));
	x->display = sv_xstrdup(sv_apprec_error_display(e));
	x->detail = dup_or_null(detail);
	return 0;
}

static void add_hcp(xmlNodePtr parent, xmlNsPtr ns, const char *role, const struct sv_msg_org *o)
{
	xmlNodePtr inst = xmlNewChild(xmlNewChild(xmlNewChild(parent, ns, (const xmlChar *)role, NULL), ns,
						  (const xmlChar *)"HCP", NULL), ns, (const xmlChar *)"Inst", NULL);

	sv_kx_add(inst, ns, "Name", o->name);
	if (o->her_id) {
		sv_kx_add(inst, ns, "Id", o->her_id);
		sv_kx_add_cv(inst, ns, "TypeId", "HER", "HER-id", NULL);
	}
}

static enum sv_err check(const struct sv_apprec *a, struct sv_error *err)
{
	const char *need[][2] = {
		{a->id, "id"}, {a->gen_date, "genDate"}, {a->sender.name, "sender.name"},
		{a->receiver.name, "receiver.name"}, {a->orig_type, "originalMsgId.msgType"},
		{a->orig_issue_date, "originalMsgId.issueDate"}, {a->orig_id, "originalMsgId.id"},
	};

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!need[i][0] || !*need[i][0])
			return sv_fail_at(err, SV_EREQUIRED, need[i][1], "the AppRec needs %s", need[i][1]);
		if (strlen(need[i][0]) > SV_MSG_MAX_TEXT)
			return sv_fail_at(err, SV_EINVAL, need[i][1], "%s is over %d bytes", need[i][1], SV_MSG_MAX_TEXT);
	}
	if (!status_display(a->status))
		return sv_fail_at(err, SV_EINVAL, "status", "AppRec status %d is not in code list 8258", a->status);
	if (a->status != SV_APPREC_OK && a->nerrors == 0)
		return sv_fail_at(err, SV_EINVAL, "error", "a negative AppRec needs at least one error");
	if (a->nerrors < 0 || a->nerrors > SV_APPREC_MAX_ERRORS)
		SV_BUG("AppRec error count out of range");
	for (int i = 0; i < a->nerrors; i++)
		if (!a->errors[i].code)
			return sv_fail_at(err, SV_EREQUIRED, "error.code", "AppRec error %d has no code", i);
	return SV_OK;
}

enum sv_err sv_apprec_build(const struct sv_apprec *a, char **xml, size_t *len, struct sv_error *err)
{
	enum sv_err rc;
	xmlDocPtr doc;
	xmlNodePtr root, orig;
	xmlNsPtr ns;
	char status[16];

	*xml = NULL;
	if ((rc = check(a, err)) != SV_OK)
		return rc;
	doc = xmlNewDoc((const xmlChar *)"1.0");
	root = xmlNewDocNode(doc, NULL, (const xmlChar *)"AppRec", NULL);
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, (const xmlChar *)AR, NULL);
	xmlSetNs(root, ns);
	sv_kx_add_cv(root, ns, "MsgType", "APPREC", NULL, NULL);
	sv_kx_add(root, ns, "MIGversion", MIG_VERSION);
	sv_kx_add(root, ns, "GenDate", a->gen_date);
	sv_kx_add(root, ns, "Id", a->id);
	add_hcp(root, ns, "Sender", &a->sender);
	add_hcp(root, ns, "Receiver", &a->receiver);
	snprintf(status, sizeof(status), "%d", a->status);
	sv_kx_add_cv(root, ns, "Status", status, status_display(a->status), NULL);
	for (int i = 0; i < a->nerrors; i++) {
		xmlNodePtr e = sv_kx_add_cv(root, ns, "Error", a->errors[i].code, a->errors[i].display, OID_8221);
		if (a->errors[i].detail)
			xmlNewProp(e, (const xmlChar *)"OT", (const xmlChar *)a->errors[i].detail);
	}
	orig = xmlNewChild(root, ns, (const xmlChar *)"OriginalMsgId", NULL);
	sv_kx_add_cv(orig, ns, "MsgType", a->orig_type, a->orig_type_display, NULL);
	sv_kx_add(orig, ns, "IssueDate", a->orig_issue_date);
	sv_kx_add(orig, ns, "Id", a->orig_id);
	*xml = sv_kx_dump(doc, len);
	xmlFreeDoc(doc);
	return SV_OK;
}

static void read_hcp(const xmlNode *root, const char *role, struct sv_msg_org *o)
{
	xmlNodePtr inst = sv_kx_child(sv_kx_child(sv_kx_child(root, AR, role), AR, "HCP"), AR, "Inst");

	o->name = sv_kx_text(sv_kx_child(inst, AR, "Name"));
	o->her_id = sv_kx_text(sv_kx_child(inst, AR, "Id"));
}

enum sv_err sv_apprec_parse(const char *xml, size_t len, struct sv_apprec *out, struct sv_error *err)
{
	xmlDocPtr doc = sv_kx_read(xml, len, "the AppRec", err);
	xmlNodePtr root, e, orig;
	enum sv_err rc = SV_EINVAL;
	char *status = NULL, *end = NULL;
	long n;

	if (!doc)
		return err ? err->code : SV_EINVAL;
	root = xmlDocGetRootElement(doc);
	if (!sv_kx_is(root, AR, "AppRec")) {
		sv_fail_at(err, SV_EINVAL, "AppRec", "the root element is not AppRec in namespace %s", AR);
		goto out;
	}
	out->id = sv_kx_text(sv_kx_child(root, AR, "Id"));
	out->gen_date = sv_kx_text(sv_kx_child(root, AR, "GenDate"));
	read_hcp(root, "Sender", &out->sender);
	read_hcp(root, "Receiver", &out->receiver);
	status = sv_kx_attr(sv_kx_child(root, AR, "Status"), "V");
	n = status && *status ? strtol(status, &end, 10) : -1;
	if (!status || !*status || *end || n < 0 || n > 99) {
		sv_fail_at(err, SV_EINVAL, "Status", "the AppRec has no numeric Status V (code list 8258)");
		goto out;
	}
	out->status = (int)n;
	for (e = sv_kx_child(root, AR, "Error"); e; e = sv_kx_next(e, AR, "Error")) {
		struct sv_apprec_err *x;
		if (out->nerrors >= SV_APPREC_MAX_ERRORS) {
			rc = sv_fail_at(err, SV_ETOOBIG, "Error", "more than %d AppRec errors", SV_APPREC_MAX_ERRORS);
			goto out;
		}
		x = &out->errors[out->nerrors++];
		x->code = sv_kx_attr(e, "V");
		x->display = sv_kx_attr(e, "DN");
		x->detail = sv_kx_attr(e, "OT");
	}
	orig = sv_kx_child(root, AR, "OriginalMsgId");
	out->orig_type = sv_kx_attr(sv_kx_child(orig, AR, "MsgType"), "V");
	out->orig_type_display = sv_kx_attr(sv_kx_child(orig, AR, "MsgType"), "DN");
	out->orig_issue_date = sv_kx_text(sv_kx_child(orig, AR, "IssueDate"));
	out->orig_id = sv_kx_text(sv_kx_child(orig, AR, "Id"));
	if (!out->orig_id || !*out->orig_id) {
		sv_fail_at(err, SV_EINVAL, "OriginalMsgId", "the AppRec names no original message (OriginalMsgId/Id)");
		goto out;
	}
	rc = SV_OK;
out:
	free(status);
	xmlFreeDoc(doc);
	return rc;
}

static void org_release(struct sv_msg_org *o)
{
	free(o->name);
	free(o->her_id);
}

void sv_apprec_release(struct sv_apprec *a)
{
	for (int i = 0; i < a->nerrors; i++) {
		free(a->errors[i].code);
		free(a->errors[i].display);
		free(a->errors[i].detail);
	}
	free(a->id);
	free(a->gen_date);
	org_release(&a->sender);
	org_release(&a->receiver);
	free(a->orig_type);
	free(a->orig_type_display);
	free(a->orig_issue_date);
	free(a->orig_id);
	memset(a, 0, sizeof(*a));
}
