/* kith_parse.c — an inbound MsgHead v1.2 + PLO 1.6 message into struct sv_message (see kith.h).
 * Reads only what the model holds; each problem names the element and the AppRec error for it. */
#include "samsvar/kith.h"
#include "samsvar/kith_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MH SV_KITH_NS_MSGHEAD
#define PO SV_KITH_NS_PO
#define OID_9111 "2.16.578.1.12.4.1.1.9111"

struct reader {
	struct sv_message *m;
	enum sv_apprec_error *why;
	struct sv_error *err;
};

static enum sv_err fail(struct reader *r, enum sv_apprec_error why, enum sv_err code, const char *where,
			const char *fmt, const char *arg)
{
	*r->why = why;
	return sv_fail_at(r->err, code, where, fmt, arg ? arg : "");
}

/* An Organisation with OrganisationName and an Ident whose TypeId is HER. */
static enum sv_err read_org(struct reader *r, const xmlNode *info, const char *role, struct sv_msg_org *o)
{
	xmlNodePtr org = sv_kx_child(sv_kx_child(info, MH, role), MH, "Organisation"), ident;

	if (!org)
		return fail(r, SV_APPREC_T02, SV_EINVAL, role, "MsgInfo/%s/Organisation is missing", role);
	o->name = sv_kx_text(sv_kx_child(org, MH, "OrganisationName"));
	for (ident = sv_kx_child(org, MH, "Ident"); ident; ident = sv_kx_next(ident, MH, "Ident")) {
		char *type = sv_kx_attr(sv_kx_child(ident, MH, "TypeId"), "V");
		int her = type && strcmp(type, "HER") == 0;
		free(type);
		if (her) {
			o->her_id = sv_kx_text(sv_kx_child(ident, MH, "Id"));
			break;
		}
	}
	if (!o->name || !*o->name || !o->her_id || !*o->her_id)
		return fail(r, SV_APPREC_T02, SV_EINVAL, role, "MsgInfo/%s/Organisation needs OrganisationName "
			    "and an Ident with TypeId HER", role);
	return SV_OK;
}

static enum sv_err read_patient(struct reader *r, const xmlNode *info)
{
	xmlNodePtr p = sv_kx_child(info, MH, "Patient"), ident;
	struct sv_msg_patient *pt = &r->m->patient;

	if (!p)
		return fail(r, SV_APPREC_E30, SV_EINVAL, "Patient", "MsgInfo/Patient is missing%s", NULL);
	pt->family = sv_kx_text(sv_kx_child(p, MH, "FamilyName"));
	pt->given = sv_kx_text(sv_kx_child(p, MH, "GivenName"));
	pt->birth_date = sv_kx_text(sv_kx_child(p, MH, "DateOfBirth"));
	for (ident = sv_kx_child(p, MH, "Ident"); ident; ident = sv_kx_next(ident, MH, "Ident")) {
		char *type = sv_kx_attr(sv_kx_child(ident, MH, "TypeId"), "V");
		int fnr = type && strcmp(type, "FNR") == 0, dnr = type && strcmp(type, "DNR") == 0;
		free(type);
		if (fnr || dnr) {
			pt->kind = fnr ? SV_MSG_ID_FNR : SV_MSG_ID_DNR;
			pt->id = sv_kx_text(sv_kx_child(ident, MH, "Id"));
			break;
		}
	}
	if (!pt->id || !*pt->id)
		return fail(r, SV_APPREC_E30, SV_EINVAL, "Patient.Ident", "the patient has no Ident with TypeId "
			    "FNR or DNR (fødselsnummer or D-number)%s", NULL);
	if (strlen(pt->id) != 11 || strspn(pt->id, "0123456789") != 11)
		return fail(r, SV_APPREC_E31, SV_EINVAL, "Patient.Ident.Id", "patient identifier %s is not 11 "
			    "digits", pt->id);
	return SV_OK;
}

static enum sv_err read_item(struct reader *r, const xmlNode *kf, size_t i)
{
	xmlNodePtr var = sv_kx_child(kf, PO, "Funksjonsvariabel");
	char *v = sv_kx_attr(var, "V"), *s = sv_kx_attr(var, "S"), *score = NULL, *end = NULL;
	char where[64];
	struct sv_msg_item *it;
	enum sv_err rc = SV_OK;
	long n;

	snprintf(where, sizeof(where), "KartlagtFunksjon[%zu]", i);
	if (!v || (s && strcmp(s, OID_9111) != 0)) {
		rc = fail(r, SV_APPREC_X99, SV_EINVAL, where, "KartlagtFunksjon has no Funksjonsvariabel in Volven "
			  "9111 (S=%s)", s);
		goto out;
	}
	if (!sv_msg_variable_find(v)) {
		rc = fail(r, SV_APPREC_X99, SV_EINVAL, where, "Funksjonsvariabel %s is not an IPLOS function "
			  "variable (Volven 9111 has codes 1-20)", v);
		goto out;
	}
	for (size_t j = 0; j < r->m->nitems; j++)
		if (strcmp(r->m->items[j].variable, v) == 0) {
			rc = fail(r, SV_APPREC_X99, SV_EINVAL, where, "Funksjonsvariabel %s is given twice", v);
			goto out;
		}
	score = sv_kx_text(sv_kx_child(kf, PO, "Vurdering"));
	n = score && *score ? strtol(score, &end, 10) : -1;
	if (!score || !*score || *end || !sv_msg_score_valid((int)n)) {
		rc = fail(r, SV_APPREC_X99, SV_EINVAL, where, "Vurdering '%s' is not an IPLOS score (1-5 or 9)",
			  score);
		goto out;
	}
	if (!(it = sv_message_add_item(r->m)))   /* variables are distinct, and 9111 has fewer than the cap */
		SV_BUG("more items than IPLOS variables");
	it->variable = v, v = NULL;
	it->score = (int)n;
	it->note = sv_kx_text(sv_kx_child(kf, PO, "Merknad"));
out:
	free(v);
	free(s);
	free(score);
	return rc;
}

/* The PLO message inside Document/RefDoc/Content: its root must be the one of the MsgHead type. */
static enum sv_err read_plo(struct reader *r, const xmlNode *root)
{
	int ho = r->m->event == SV_MSG_HELSEOPPLYSNINGER;
	const char *ns = ho ? SV_KITH_NS_HELSEOPPLYSNINGER : SV_KITH_NS_INNLEGGELSESRAPPORT;
	const char *name = ho ? "HelseopplysningerVedSoknad" : "Innleggelsesrapport";
	xmlNodePtr content = sv_kx_child(sv_kx_child(sv_kx_child(root, MH, "Document"), MH, "RefDoc"), MH, "Content");
	xmlNodePtr plo = sv_kx_child(content, ns, name), kf, opp;
	enum sv_err rc;
	size_t i = 0;

	if (!plo)
		return fail(r, SV_APPREC_T02, SV_EINVAL, "Content", "Document/RefDoc/Content holds no %s in its "
			    "PLO 1.6 namespace", name);
	r->m->dispatch_status = sv_kx_attr(sv_kx_child(sv_kx_child(plo, PO, "InformasjonOmForsendelsen"), PO,
						       "Forsendelsesstatus"), "V");
	for (opp = sv_kx_child(plo, PO, "OpplysningOpphold"); ho && opp; opp = sv_kx_next(opp, PO, "OpplysningOpphold")) {
		xmlNodePtr ev = sv_kx_child(opp, PO, "TidsfestetHendelse");
		char *code = sv_kx_attr(sv_kx_child(ev, PO, "Hendelsekode"), "V");
		int admitted = code && strcmp(code, "1") == 0;
		free(code);
		if (admitted) {
			r->m->admitted = sv_kx_attr(sv_kx_child(ev, PO, "TidspunktForHendelse"), "V");
			break;
		}
	}
	kf = sv_kx_child(sv_kx_child(plo, PO, "InfoKartleggingFunksjonsniva"), PO, "KartlagtFunksjon");
	for (; kf; kf = sv_kx_next(kf, PO, "KartlagtFunksjon"))
		if ((rc = read_item(r, kf, i++)) != SV_OK)
			return rc;
	return SV_OK;
}

static enum sv_err read_msghead(struct reader *r, const xmlNode *root)
{
	xmlNodePtr info = sv_kx_child(root, MH, "MsgInfo");
	char *type = NULL;
	enum sv_err rc;

	if (!sv_kx_is(root, MH, "MsgHead"))
		return fail(r, SV_APPREC_T10, SV_EINVAL, "MsgHead", "the root element is not MsgHead in namespace "
			    "%s", MH);
	if (!info)
		return fail(r, SV_APPREC_T02, SV_EINVAL, "MsgInfo", "MsgHead has no MsgInfo%s", NULL);
	r->m->id = sv_kx_text(sv_kx_child(info, MH, "MsgId"));
	r->m->gen_date = sv_kx_text(sv_kx_child(info, MH, "GenDate"));
	if ((rc = read_org(r, info, "Sender", &r->m->sender)) != SV_OK ||
	    (rc = read_org(r, info, "Receiver", &r->m->receiver)) != SV_OK)
		return rc;
	if (!r->m->id || !*r->m->id)
		return fail(r, SV_APPREC_E10, SV_EINVAL, "MsgId", "MsgInfo/MsgId is missing or empty%s", NULL);
	type = sv_kx_attr(sv_kx_child(info, MH, "Type"), "V");
	for (int e = 0; e < SV_MSG_NEVENTS; e++)
		if (type && sv_kith_msg_type((enum sv_msg_event)e) &&
		    strcmp(type, sv_kith_msg_type((enum sv_msg_event)e)) == 0) {
			r->m->event = (enum sv_msg_event)e;
			free(type);
			return read_patient(r, info);
		}
	rc = fail(r, SV_APPREC_T10, SV_EINVAL, "MsgInfo.Type", "message type '%s' is not one samsvar reads "
		  "(INNLEGGELSESRAPPORT, HELSEOPPL_SOKNAD)", type);
	free(type);
	return rc;
}

enum sv_err sv_kith_parse(const char *xml, size_t len, struct sv_message *out, enum sv_apprec_error *why,
			  struct sv_error *err)
{
	struct sv_error local = {0};
	struct reader r = {out, why, err ? err : &local};
	xmlDocPtr doc = sv_kx_read(xml, len, "the message", r.err);
	enum sv_err rc;

	*why = SV_APPREC_X99;
	if (!doc) {
		*why = r.err->code == SV_ETOOBIG ? SV_APPREC_T99 : SV_APPREC_T01;
		return r.err->code;
	}
	rc = read_msghead(&r, xmlDocGetRootElement(doc));
	if (rc == SV_OK)
		rc = read_plo(&r, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	return rc;
}
