/* kith_build.c — a function report as MsgHead v1.2 + PLO 1.6 XML (see kith.h).
 *
 * The shapes follow the official e-helse examples (../shared/schemas/plo-1.6/examples, e.g.
 * Innleggelsesrapport_v1-6_Ny.xml and Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny.xml); every
 * code and OID below is copied from them or from the code list file named beside it. */
#include "samsvar/kith.h"
#include "samsvar/kith_xml.h"
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

/* MsgInfo/Type, KITH code list 8279: ../shared/terminology/plo_msghead_types_8279.csv. */
static const char *const TYPES[SV_MSG_NEVENTS][2] = {
	{"INNLEGGELSESRAPPORT", "Innleggelsesrapport"},
	{"HELSEOPPL_SOKNAD", "Helseopplysninger"},
	{NULL, NULL},
};

/* From the official examples. */
#define MIG_VERSION "v1.2 2006-05-24"                  /* fixed by MsgHead-v1_2.xsd */
#define OID_9051 "2.16.578.1.12.4.1.1.9051"              /* TypeId V="HER" DN="HER-id" */
#define OID_9111 "2.16.578.1.12.4.1.1.9111"              /* Funksjonsvariabel */
#define OID_9140 "2.16.578.1.12.4.1.1.9140"              /* TypeInnhold (Helseopplysninger) */
#define OID_9121 "2.16.578.1.12.4.1.1.9121"              /* Hendelsekode */

const char *sv_kith_msg_type(enum sv_msg_event ev)
{
	return (unsigned)ev < SV_MSG_NEVENTS ? TYPES[ev][0] : NULL;
}

const char *sv_kith_msg_type_display(enum sv_msg_event ev)
{
	return (unsigned)ev < SV_MSG_NEVENTS ? TYPES[ev][1] : NULL;
}

static void add_org(xmlNodePtr parent, xmlNsPtr ns, const char *role, const struct sv_msg_org *o)
{
	xmlNodePtr org = xmlNewChild(xmlNewChild(parent, ns, (const xmlChar *)role, NULL), ns,
				     (const xmlChar *)"Organisation", NULL);
	xmlNodePtr ident;

	sv_kx_add(org, ns, "OrganisationName", o->name);
	ident = xmlNewChild(org, ns, (const xmlChar *)"Ident", NULL);
	sv_kx_add(ident, ns, "Id", o->her_id);
	sv_kx_add_cv(ident, ns, "TypeId", "HER", "HER-id", OID_9051);
}

static void add_patient(xmlNodePtr parent, xmlNsPtr ns, const struct sv_msg_patient *p)
{
	xmlNodePtr pat = xmlNewChild(parent, ns, (const xmlChar *)"Patient", NULL), ident;
	int fnr = p->kind == SV_MSG_ID_FNR;

	if (p->family)
		sv_kx_add(pat, ns, "FamilyName", p->family);
	if (p->given)
		sv_kx_add(pat, ns, "GivenName", p->given);
	if (p->birth_date)
		sv_kx_add(pat, ns, "DateOfBirth", p->birth_date);
	ident = xmlNewChild(pat, ns, (const xmlChar *)"Ident", NULL);
	sv_kx_add(ident, ns, "Id", p->id);
	sv_kx_add_cv(ident, ns, "TypeId", fnr ? "FNR" : "DNR", fnr ? "Fødselsnummer" : "D-nummer", SV_MSG_OID_8116);
}

/* The PLO content: the message root in its namespace, poKomponent elements as the default namespace
 * (as the official examples write them). */
static void add_plo(xmlNodePtr content, const struct sv_message *m)
{
	int ho = m->event == SV_MSG_HELSEOPPLYSNINGER;
	xmlNodePtr root = xmlNewChild(content, NULL, (const xmlChar *)(ho ? "HelseopplysningerVedSoknad" :
									    "Innleggelsesrapport"), NULL);
	xmlNsPtr own = xmlNewNs(root, (const xmlChar *)(ho ? SV_KITH_NS_HELSEOPPLYSNINGER :
						       SV_KITH_NS_INNLEGGELSESRAPPORT),
				(const xmlChar *)(ho ? "p5" : "p7"));
	xmlNsPtr po = xmlNewNs(root, (const xmlChar *)SV_KITH_NS_PO, NULL);
	xmlNodePtr n, info;

	xmlSetNs(root, own);
	n = xmlNewChild(root, po, (const xmlChar *)"InformasjonOmForsendelsen", NULL);
	sv_kx_add_cv(n, po, "Forsendelsesstatus", "N", "Ny", NULL);
	if (ho) {
		/* Required by Helseopplysninger-v1.6.xsd: what the message holds and one event of the stay. */
		n = xmlNewChild(root, po, (const xmlChar *)"TypeInnholdIMelding", NULL);
		sv_kx_add_cv(n, po, "TypeInnhold", "2", "Oppdaterte opplysninger", OID_9140);
		n = xmlNewChild(xmlNewChild(root, po, (const xmlChar *)"OpplysningOpphold", NULL), po,
				(const xmlChar *)"TidsfestetHendelse", NULL);
		sv_kx_add_cv(n, po, "Hendelsekode", "1", "Pasient innlagt", OID_9121);
		xmlNewProp(xmlNewChild(n, po, (const xmlChar *)"TidspunktForHendelse", NULL), (const xmlChar *)"V",
			   (const xmlChar *)m->admitted);
		sv_kx_add(n, po, "Anslag", "false");
	}
	info = xmlNewChild(root, po, (const xmlChar *)"InfoKartleggingFunksjonsniva", NULL);
	for (size_t i = 0; i < m->nitems; i++) {
		const struct sv_msg_item *it = &m->items[i];
		char score[8];
		xmlNodePtr kf = xmlNewChild(info, po, (const xmlChar *)"KartlagtFunksjon", NULL);

		snprintf(score, sizeof(score), "%d", it->score);
		sv_kx_add_cv(kf, po, "Funksjonsvariabel", it->variable, sv_msg_variable_find(it->variable)->display,
			     OID_9111);
		sv_kx_add(kf, po, "Vurdering", score);
		if (it->note)
			sv_kx_add(kf, po, "Merknad", it->note);
	}
}

enum sv_err sv_kith_build(const struct sv_message *m, char **xml, size_t *len, struct sv_error *err)
{
	enum sv_err rc;
	xmlDocPtr doc = NULL;
	xmlNodePtr root, info, refdoc;
	xmlNsPtr ns;

	*xml = NULL;
	if ((rc = sv_message_validate(m, err)) != SV_OK)
		goto out;
	if (!sv_kith_msg_type(m->event)) {
		rc = sv_fail_at(err, SV_EINVAL, "event", "event %s has no KITH form (it is a FHIR message)",
				sv_msg_event_code(m->event));
		goto out;
	}
	doc = xmlNewDoc((const xmlChar *)"1.0");
	root = xmlNewDocNode(doc, NULL, (const xmlChar *)"MsgHead", NULL);
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, (const xmlChar *)SV_KITH_NS_MSGHEAD, NULL);
	xmlSetNs(root, ns);
	info = xmlNewChild(root, ns, (const xmlChar *)"MsgInfo", NULL);
	sv_kx_add_cv(info, ns, "Type", sv_kith_msg_type(m->event), sv_kith_msg_type_display(m->event), NULL);
	sv_kx_add(info, ns, "MIGversion", MIG_VERSION);
	sv_kx_add(info, ns, "GenDate", m->gen_date);
	sv_kx_add(info, ns, "MsgId", m->id);
	add_org(info, ns, "Sender", &m->sender);
	add_org(info, ns, "Receiver", &m->receiver);
	add_patient(info, ns, &m->patient);
	refdoc = xmlNewChild(xmlNewChild(root, ns, (const xmlChar *)"Document", NULL), ns,
			     (const xmlChar *)"RefDoc", NULL);
	xmlNewProp(xmlNewChild(refdoc, ns, (const xmlChar *)"IssueDate", NULL), (const xmlChar *)"V",
		   (const xmlChar *)m->gen_date);
	sv_kx_add_cv(refdoc, ns, "MsgType", "XML", "XML-instans", NULL);
	add_plo(xmlNewChild(refdoc, ns, (const xmlChar *)"Content", NULL), m);
	*xml = sv_kx_dump(doc, len);
	rc = SV_OK;
out:
	xmlFreeDoc(doc);
	return rc;
}
