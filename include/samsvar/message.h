/* message.h — one function report between municipality and hospital, as a C struct: what the KITH
 * (kith.h) and FHIR (message_fhir.h) formats are built from and parsed into. No HTTP, no store.
 *
 * A message is an event (PLO Innleggelsesrapport, PLO Helseopplysninger, or a FHIR function report),
 * a message id, its generation time, sender and receiver organisations with HER-ids, one patient with
 * a Norwegian identifier (fødselsnummer or D-number), and the IPLOS function items: a Volven 9111
 * variable, its score (1-5, 9) and an optional note (Merknad). For FHIR each item also carries the ICF
 * categories (+ the qualifier of its score) and SNOMED CT concepts the maps give, and the message names
 * the map versions used; sv_message_fill_codes() asks the translate engine for them.
 *
 * Every string in the struct is owned by it (malloc'd; set them with sv_msg_set()), and
 * sv_message_release() frees them all. */
#ifndef SAMSVAR_MESSAGE_H
#define SAMSVAR_MESSAGE_H

#include <stddef.h>
#include "samsvar/error.h"

struct sv_snapshot;
struct cJSON;

#define SV_MSG_MAX_ITEMS 64        /* function items in one message (IPLOS has 20 variables, each once) */
#define SV_MSG_MAX_CODES 8         /* ICF or SNOMED CT codes of one item */
#define SV_MSG_MAX_TEXT 4096       /* bytes of one note, name or id */
#define SV_MSG_MAX_BYTES (4u << 20) /* bytes of one inbound message */
#define SV_MSG_MAX_NODES 200000u   /* XML elements and attributes, or JSON values, of one inbound message */

/* The patient identifier systems (FHIR) and their KITH code list 8116 codes. Sources: HL7 Norway
 * kodeverk (input/fsh/codesystems/no-kodeverk-identifikator-namespace.fsh: urn:oid:...4.1.4.1
 * Fødselsnummer, ...4.1.4.2 D-nummer) and NILAR (DiagnosticReportIG/input/fsh/CodeSystems/
 * PublicIdType.fsh: the same OIDs as "FNR" and "DNR"); FNR with S=8116 as in the official PLO 1.6
 * examples. The HER-id system (FHIR) is from HL7 Norway kodeverk
 * input/fsh/namingsystems/no-basis-her.fsh (OID 2.16.578.1.12.4.1.2). */
#define SV_MSG_SYS_FNR "urn:oid:2.16.578.1.12.4.1.4.1"
#define SV_MSG_SYS_DNR "urn:oid:2.16.578.1.12.4.1.4.2"
#define SV_MSG_OID_8116 "2.16.578.1.12.4.1.1.8116"
#define SV_MSG_SYS_HER "urn:oid:2.16.578.1.12.4.1.2"

enum sv_msg_event {
	SV_MSG_INNLEGGELSESRAPPORT,   /* "plo-innleggelsesrapport": KITH MsgHead + PLO Innleggelsesrapport */
	SV_MSG_HELSEOPPLYSNINGER,     /* "plo-helseopplysninger": KITH MsgHead + PLO HelseopplysningerVedSoknad */
	SV_MSG_FUNCTION_REPORT,       /* "function-report": FHIR message Bundle only */
	SV_MSG_NEVENTS
};

enum sv_msg_id_kind { SV_MSG_ID_FNR, SV_MSG_ID_DNR };

struct sv_msg_org {
	char *name;
	char *her_id;                 /* HER-id (KITH code list 9051 "HER") */
};

struct sv_msg_patient {
	enum sv_msg_id_kind kind;
	char *id;                     /* 11 digits */
	char *family, *given;         /* optional */
	char *birth_date;             /* optional, YYYY-MM-DD */
};

struct sv_msg_code {
	char *code, *display;         /* display optional */
};

/* One IPLOS variable as assessed. */
struct sv_msg_item {
	char *variable;               /* Volven 9111 code "1".."20" */
	int score;                    /* 1-5 or 9 */
	char *note;                   /* Merknad, optional */
	struct sv_msg_code icf[SV_MSG_MAX_CODES];   /* ICF categories (FHIR only) */
	int nicf;
	char *icf_qualifier;          /* ICF generic qualifier of the score ("0".."4", "9") for the ICF categories
				       * that take one (sv_message_fill_codes), optional */
	struct sv_msg_code sct[SV_MSG_MAX_CODES];   /* SNOMED CT concepts (FHIR only) */
	int nsct;
};

struct sv_message {
	enum sv_msg_event event;
	char *id;                     /* MsgId / MessageHeader id: the idempotency key */
	char *gen_date;               /* xs:dateTime, e.g. 2026-11-26T10:00:00Z */
	struct sv_msg_org sender, receiver;
	struct sv_msg_patient patient;
	/* Helseopplysninger only (required there): when the patient was admitted, xs:date or xs:dateTime;
	 * PLO OpplysningOpphold with Hendelsekode 1 "Pasient innlagt" (Volven 9121). */
	char *admitted;
	/* Read from inbound PLO only: Forsendelsesstatus V, as in the official examples "N" Ny, "M" Endring,
	 * "C" Kansellering (a cancellation carries no items). Outbound PLO messages are always "N". */
	char *dispatch_status;
	struct sv_msg_item *items;
	size_t nitems;
	/* The maps the ICF / SNOMED CT codes came from, as canonical "url|version" (FHIR only). */
	char *icf_map, *qualifier_map, *snomed_map;
	/* FHIR MessageHeader source.endpoint (where the acknowledgement goes) and destination.endpoint. */
	char *source_endpoint, *destination_endpoint;
	/* FHIR only, optional: the $assess answer (assess.h, a collection Bundle) of the same items, whose
	 * Conditions and proposed CarePlan the message carries; owned, freed with the message. */
	struct cJSON *assessment;
	char *relations_map;          /* the relations map that assessment used, as "url|version" */
};

/* One Volven 9111 variable: code and Norwegian display, as in
 * ../shared/terminology/iplos_9111_funksjonsvariabel.csv (checked by tests/test_message.c). */
struct sv_msg_variable {
	const char *code, *display;
};
extern const struct sv_msg_variable sv_msg_variables[20];

/* Returns the 9111 variable with `code`, or NULL when the code is not one of the 20. */
const struct sv_msg_variable *sv_msg_variable_find(const char *code);

/* Returns the event's wire code ("plo-innleggelsesrapport", ...). */
const char *sv_msg_event_code(enum sv_msg_event ev);

/* Sets *ev from wire code `s`; returns 0, or -1 when `s` names no event. */
int sv_msg_event_parse(const char *s, enum sv_msg_event *ev);

/* Returns 1 when `score` is an IPLOS score (1-5 or 9), else 0. */
int sv_msg_score_valid(int score);

/* Replaces *field by a copy of `value` (NULL clears it), freeing the old string. */
void sv_msg_set(char **field, const char *value);

/* Appends an empty item to `m` and returns it; NULL when the message holds SV_MSG_MAX_ITEMS already. */
struct sv_msg_item *sv_message_add_item(struct sv_message *m);

/* Frees the ICF codes, qualifier and SNOMED CT concepts of `it` and sets their counts to 0. */
void sv_msg_item_clear_codes(struct sv_msg_item *it);

/* Checks that `m` can be sent: id, gen_date, sender and receiver (name and HER-id), a patient with an
 * 11-digit identifier, the admission time for Helseopplysninger, 1..SV_MSG_MAX_ITEMS items with a 9111 variable and a score of 1-5 or 9, no
 * variable twice, and every string UTF-8 without control characters (but tab and newlines) within
 * SV_MSG_MAX_TEXT. Returns SV_OK, or SV_EREQUIRED / SV_EINVAL
 * with err->expression naming the field ("patient.id", "item[2].score"). */
enum sv_err sv_message_validate(const struct sv_message *m, struct sv_error *err);

/* Fills the ICF codes, ICF qualifier and SNOMED CT concepts of every item of `m` from the maps
 * {base}/ConceptMap/iplos-icf, iplos-score-icf-qualifier and iplos-snomed held by `snap` (the latest
 * version of each), through the translate engine, and records the map url|version used in
 * m->icf_map, m->qualifier_map, m->snomed_map. A map that is not held leaves its codes empty (the maps
 * are optional content) and its field NULL. Codes already in an item are replaced. The ICF qualifier is
 * the one the engine gives iplos-icf with the score as dependency (translate.h): set only when some ICF
 * category of the variable takes one (not for a variable mapped only inexactly, e.g. memory). Returns
 * SV_OK, or the engine's error with err set. */
enum sv_err sv_message_fill_codes(const struct sv_snapshot *snap, const char *base, struct sv_message *m,
				  struct sv_error *err);

/* Runs $assess (assess.h) on the items of `m` as of the date of m->gen_date against `snap` with the
 * default relations map of `base`, and keeps the answer in m->assessment (replacing one held) and
 * that map's url|version in m->relations_map, so that the FHIR form carries its Conditions and
 * CarePlan and names the map. Returns SV_OK, or the engine's error with
 * err set (e.g. SV_ENOTFOUND when the relations map is not held). */
enum sv_err sv_message_assess(const struct sv_snapshot *snap, const char *base, struct sv_message *m,
			      struct sv_error *err);

/* Frees every string and the items of `m` and zeroes it; a zeroed message may be released. */
void sv_message_release(struct sv_message *m);

#endif
