/* kith.h — the Norwegian KITH XML formats of a function report: MsgHead v1.2 around a PLO 1.6 message
 * (out and in), and the AppRec v1.1 application receipt (out and in). libxml2's tree API; no HTTP.
 *
 * Out: MsgHead (http://www.kith.no/xmlstds/msghead/2006-05-24) with MsgInfo/Type from KITH code list
 * 8279 (INNLEGGELSESRAPPORT, HELSEOPPL_SOKNAD), sender and receiver organisations with HER-ids, the
 * patient with its 8116 identifier (FNR/DNR), and Document/RefDoc/Content holding the PLO 1.6 message
 * (Innleggelsesrapport, or HelseopplysningerVedSoknad for Helseopplysninger), whose
 * InfoKartleggingFunksjonsniva lists one KartlagtFunksjon {Funksjonsvariabel (9111), Vurdering,
 * Merknad} per item. Every message built validates against the official XSDs (tests/test_message_kith.c).
 *
 * In: a message is read from bytes with no network, no DTD and no entity expansion (a DOCTYPE is
 * refused), within SV_MSG_MAX_BYTES and SV_MSG_MAX_NODES. Each problem is an error and the AppRec error
 * code (KITH code list 8221) that names it for the sender. */
#ifndef SAMSVAR_KITH_H
#define SAMSVAR_KITH_H

#include <stddef.h>
#include "samsvar/error.h"
#include "samsvar/message.h"

#define SV_KITH_NS_MSGHEAD "http://www.kith.no/xmlstds/msghead/2006-05-24"
#define SV_KITH_NS_APPREC "http://www.kith.no/xmlstds/apprec/2012-02-15"
#define SV_KITH_NS_PO "http://www.kith.no/xmlstds/po/poKomponent/2012-04-01"
#define SV_KITH_NS_INNLEGGELSESRAPPORT "http://www.kith.no/xmlstds/po/Innleggelsesrapport/2012-04-01"
#define SV_KITH_NS_HELSEOPPLYSNINGER "http://www.kith.no/xmlstds/po/HelseopplysningerVedSoknad/2012-04-01"

#define SV_APPREC_MAX_ERRORS 16

/* AppRec Status, KITH code list 8258 (2.16.578.1.12.4.1.1.8258). */
enum sv_apprec_status { SV_APPREC_OK = 1, SV_APPREC_REJECTED = 2, SV_APPREC_OK_PARTIAL = 3 };

/* The AppRec errors samsvar sends, KITH code list 8221 (2.16.578.1.12.4.1.1.8221); see kith_apprec.c
 * for the sources the codes and texts are copied from. */
enum sv_apprec_error {
	SV_APPREC_E10,   /* Ugyldig meldingsidentifikator: MsgId missing */
	SV_APPREC_E21,   /* Mottaker finnes ikke: the receiver HER-id is not ours */
	SV_APPREC_E30,   /* Pasientens fødselsnummer mangler */
	SV_APPREC_E31,   /* Pasientens fødselsnummer er feil */
	SV_APPREC_T01,   /* Ikke XML / ikke 'well formed' / uleselig (also a DOCTYPE) */
	SV_APPREC_T02,   /* XML validerer ikke */
	SV_APPREC_T10,   /* Støtter ikke meldingsformatet (wrong namespace, other message type) */
	SV_APPREC_T99,   /* Annen feil på format (over a size cap) */
	SV_APPREC_X99,   /* Annen feil (unknown variable, score out of range) */
	SV_APPREC_NERRORS
};

/* Returns the 8221 code ("E10", ...) / the Norwegian text of `e`. */
const char *sv_apprec_error_code(enum sv_apprec_error e);
const char *sv_apprec_error_display(enum sv_apprec_error e);

/* Returns the KITH 8279 message type (V) / its display (DN) for a PLO event; NULL for
 * SV_MSG_FUNCTION_REPORT, which has no KITH form. */
const char *sv_kith_msg_type(enum sv_msg_event ev);
const char *sv_kith_msg_type_display(enum sv_msg_event ev);

/* Builds the MsgHead + PLO 1.6 XML of `m` (validated first with sv_message_validate(); the event must be
 * a PLO one, else SV_EINVAL). On SV_OK *xml is a malloc'd UTF-8 document (NUL-terminated, the caller
 * frees it) and *len its length; on error *xml is NULL and err says why. */
enum sv_err sv_kith_build(const struct sv_message *m, char **xml, size_t *len, struct sv_error *err);

/* Parses an inbound MsgHead + PLO 1.6 message of `len` bytes into *out (which must be zeroed). On
 * error *out holds what was read before the problem (sender, receiver, id: what an AppRec needs) and
 * *why the 8221 error to report; release *out either way. Errors: SV_ETOOBIG (over a cap, T99),
 * SV_EINVAL (broken XML or DOCTYPE T01; wrong namespace or message type T10; schema-level problem T02;
 * no MsgId E10; no patient E30; bad identifier E31; unknown 9111 variable or score not 1-5/9 X99), each
 * with a message that names the element. A message without function items (a cancellation) is read
 * with nitems 0. */
enum sv_err sv_kith_parse(const char *xml, size_t len, struct sv_message *out, enum sv_apprec_error *why,
			  struct sv_error *err);

/* One AppRec Error: the 8221 code and display, and a free-text detail (OT), any of them NULL. */
struct sv_apprec_err {
	char *code, *display, *detail;
};

/* An application receipt. All strings owned; release with sv_apprec_release(). */
struct sv_apprec {
	char *id, *gen_date;
	struct sv_msg_org sender, receiver;    /* sender: who received the original message */
	int status;                            /* enum sv_apprec_status (a parsed one may be another code) */
	struct sv_apprec_err errors[SV_APPREC_MAX_ERRORS];
	int nerrors;
	char *orig_type, *orig_type_display;   /* OriginalMsgId/MsgType (8279) */
	char *orig_issue_date, *orig_id;       /* OriginalMsgId/IssueDate and Id */
};

/* Fills *out (zeroed first) as the receipt for message `m` (which may be partly read): sender and
 * receiver swapped, OriginalMsgId from m, the given id, gen_date and status, no errors yet. */
void sv_apprec_for(const struct sv_message *m, const char *id, const char *gen_date, enum sv_apprec_status status,
		   struct sv_apprec *out);

/* Adds error `e` with free-text `detail` (may be NULL); returns -1 when SV_APPREC_MAX_ERRORS are held. */
int sv_apprec_add_error(struct sv_apprec *a, enum sv_apprec_error e, const char *detail);

/* Builds the AppRec v1.1 XML of `a`. Needs id, gen_date, sender and receiver names, status, and the
 * original message's type, issue date and id (SV_EREQUIRED naming the field otherwise); a status other
 * than OK needs at least one error (SV_EINVAL). On SV_OK *xml (malloc'd, the caller frees it) and *len. */
enum sv_err sv_apprec_build(const struct sv_apprec *a, char **xml, size_t *len, struct sv_error *err);

/* Parses an AppRec v1.1 of `len` bytes into *out (zeroed by the caller; release it either way), with the
 * same safety rules as sv_kith_parse(). Returns SV_OK, or SV_EINVAL / SV_ETOOBIG naming the problem
 * (not XML, not an AppRec, no Status or OriginalMsgId/Id, more than SV_APPREC_MAX_ERRORS errors). */
enum sv_err sv_apprec_parse(const char *xml, size_t len, struct sv_apprec *out, struct sv_error *err);

/* Frees every string of `a` and zeroes it. */
void sv_apprec_release(struct sv_apprec *a);

#endif
