/* validate.h — the $validate-code engine: is a code (or a Coding, or a CodeableConcept) valid in a
 * code system, or a member of a value set, and why not.
 *
 * C structs in and out: the edge (op_validate.c) reads a Parameters resource into a struct
 * sv_vc_request and renders the struct sv_vc_result as FHIR; the engine reads terminology from a
 * snapshot and never builds JSON. Every finding is an issue with the severity, the FHIR IssueType,
 * the code of http://hl7.org/fhir/tools/CodeSystem/tx-issue-type, a text and the expression it is
 * about, as FHIR R5's $validate-code `issues` output defines them. */
#ifndef SAMSVAR_VALIDATE_H
#define SAMSVAR_VALIDATE_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/snapshot.h"
#include "samsvar/versionrule.h"

/* Most codings one CodeableConcept may carry (the edge refuses more: the work is linear in them). */
#define SV_VC_MAX_CODINGS 64

/* Most supplements one request may bring into force. */
#define SV_VC_MAX_SUPPLEMENTS 8

/* How the code was given: it names the paths in issue expressions ("code", "Coding.code",
 * "CodeableConcept.coding[1].code"). */
enum sv_vc_form { SV_VC_CODE, SV_VC_CODING, SV_VC_CODEABLECONCEPT };

/* One coding to check; every string is borrowed from the request and may be NULL but `code`. */
struct sv_vc_coding {
	const char *system, *version, *code, *display;
};

struct sv_vc_request {
	enum sv_vc_form form;
	const struct sv_vc_coding *codings;  /* 1 for SV_VC_CODE and SV_VC_CODING */
	size_t ncodings;
	const cJSON *valueset;               /* the ValueSet resource, or NULL: CodeSystem $validate-code */
	const char *display_language;        /* displayLanguage, or NULL */
	int active_only;                     /* activeOnly: an inactive code is not valid */
	int abstract_ok;                     /* abstract (default 1): a notSelectable code may be valid */
	int infer_system;                    /* inferSystem: a code without system takes the value set's */
	int membership_only;                 /* valueset-membership-only: skip code system checks */
	int lenient_display;                 /* lenient-display-validation: a wrong display warns */
	const struct sv_vc_version_rule *rules;
	size_t nrules;                       /* at most SV_VC_MAX_VERSION_RULES */
	/* Supplements in force (useSupplement, the value set's valueset-supplement extensions): their
	 * designations are displays of the concepts of the code systems they supplement. */
	const struct sv_codesystem *const *supplements;
	size_t nsupplements;                 /* at most SV_VC_MAX_SUPPLEMENTS */
};

enum sv_vc_severity { SV_VC_INFORMATION, SV_VC_WARNING, SV_VC_ERROR };

struct sv_vc_issue {
	enum sv_vc_severity severity;
	const char *type;        /* FHIR IssueType: "code-invalid", "invalid", "not-found", "business-rule" */
	const char *tx;          /* tx-issue-type code: "not-in-vs", "invalid-code", "invalid-display", ... */
	const char *id;          /* the message's id as the FHIR validator names it ("Unknown_Code_in_Version"),
				  * rendered as the operationoutcome-message-id extension */
	char *text;              /* owned */
	char expression[64];     /* e.g. "Coding.display"; "" when the issue is about the whole input */
	int in_message;          /* 1: its text is part of the `message` output */
};

struct sv_vc_result {
	int result;
	/* The code it settled on (the first coding of a CodeableConcept that is valid or known); borrowed
	 * from the request or the snapshot, NULL when there is none. */
	const char *code, *system, *version, *display;
	const char *normalized_code;  /* the code system's spelling of a code given in another case */
	int inactive;                 /* 1: the concept is inactive (reported as `inactive`) */
	const char *status;           /* the concept's status when it has one ("deprecated", "retired"...) */
	char *unknown_system;         /* owned: "url" of a code system not known at all, or NULL */
	char *unknown_version;        /* owned: "url|version" of a version not known, or "url" of a system
				       * the value set names that is not known; NULL otherwise */
	struct sv_vc_issue *issues;   /* owned, in the order found */
	size_t nissues, cap;
};

/* Validates the codings of `rq` against its value set (or, without one, their code systems) in
 * `snap`, filling `out` (zeroed by the caller; free it with sv_vc_result_release()). A code that is
 * not valid is an answer (out->result 0 with issues), not an error: the return is SV_OK, or an error
 * set in err for a value set whose definition cannot be evaluated. */
enum sv_err sv_validate(const struct sv_snapshot *snap, const struct sv_vc_request *rq, struct sv_vc_result *out,
			struct sv_error *err);

/* Returns 1 when `list` (a displayLanguage: comma-separated language tags, each maybe with ";q=..")
 * is NULL or made of well-formed tags (letters, then "-"-separated letters and digits, or "*"), else 0. */
int sv_vc_languages_valid(const char *list);

/* The display to report (rq: its supplements add displays) for the comma list of languages `list` (NULL = none): that of the first
 * language the concept has a display in, else its default display; borrowed from the snapshot. */
const char *sv_vc_display_for(const struct sv_vc_request *rq, const struct sv_codesystem *cs,
			      const struct sv_concept *k, const char *list);

/* The standards-status extension of a resource, concept or designation ("deprecated", "withdrawn"...),
 * or NULL. */
const char *sv_vc_standards_status(const cJSON *json);

/* Frees what sv_validate() put in `r` and zeroes it. */
void sv_vc_result_release(struct sv_vc_result *r);

/* Returns the FHIR name of a severity ("information", "warning", "error"). */
const char *sv_vc_severity_name(enum sv_vc_severity s);

#endif
