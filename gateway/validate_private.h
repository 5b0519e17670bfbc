/* validate_private.h — what the files of the validate module (validate.c, validate_display.c) share;
 * nothing outside gateway/validate*.c includes it. */
#ifndef SAMSVAR_VALIDATE_PRIVATE_H
#define SAMSVAR_VALIDATE_PRIVATE_H

#include "samsvar/validate.h"

#define STANDARDS_STATUS "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status"
#define VALUESET_DEPRECATED "http://hl7.org/fhir/StructureDefinition/valueset-deprecated"

/* What one coding came to. */
struct sv_vc_outcome {
	const struct sv_codesystem *cs;  /* the code system (version) it was checked in, or NULL */
	const struct sv_concept *k;      /* its concept there, or NULL */
	int cs_ok;                       /* no error from the code system checks */
	int in_vs;                       /* a member of the value set (1 without one when cs_ok) */
	int vs_broken;                   /* the code system version the value set pins is not held */
};

/* Names the paths of coding `i` the way the request gave it. */
struct sv_vc_paths {
	char whole[48];   /* "code", "Coding" or "CodeableConcept.coding[i]" */
	char prefix[48];  /* "", "Coding." or "CodeableConcept.coding[i]." */
};

/* Appends an issue to `r` and returns it (`id`: the message's id, as the FHIR validator names it); `field` is appended to the coding's path prefix in `p`
 * ("" = no expression, NULL = the whole coding; `p` NULL = none); the text is printf-formatted. */
struct sv_vc_issue *sv_vc_add_issue(struct sv_vc_result *r, enum sv_vc_severity sev, const char *type,
				    const char *tx, const char *id, const struct sv_vc_paths *p, const char *field,
				    const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/* The display check of coding `c` (concept `k` of `cs`) in the request's languages: adds an
 * invalid-display issue when the display is not one of the concept's (o->cs_ok cleared on an error). */
void sv_vc_check_display(const struct sv_vc_request *rq, const struct sv_vc_coding *c, const struct sv_vc_paths *p,
			 const struct sv_codesystem *cs, const struct sv_concept *k, struct sv_vc_result *r,
			 struct sv_vc_outcome *o);



#endif
