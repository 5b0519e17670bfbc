/* criteria.h — a municipality's allocation criteria as data: parsed from the text of a criteria file
 * (mappings/README.md, "Criteria files"; the reader is rulefile.h) and evaluated against an IPLOS
 * assessment, so $assess can say for each proposed service which rule matched, with which scores,
 * from which source, and for a service close to its threshold what was missing.
 *
 * A rule: a service (IPLOS 9151 code, optional SNOMED CT / FSIII codings), conditions that must all
 * hold ("at least N of these variables with a score in lo-hi"), other rules of which one must hold
 * (`requires`: e.g. omsorgslønn needs the criteria of practical assistance or home nursing), texts the
 * case worker confirms (the LEON principle, a burdensome care situation), frequency, minutes per
 * occurrence and hours per week where the source gives them, and the source section.
 *
 * Scores: 1-5 count; 9 (not relevant) and an unassessed variable never meet a condition. */
#ifndef SAMSVAR_CRITERIA_H
#define SAMSVAR_CRITERIA_H

#include <stddef.h>
#include "samsvar/error.h"
#include "samsvar/rulefile.h"

#define SV_CRIT_NVARS 20        /* IPLOS function variables 1..20 (Volven 9111) */
#define SV_CRIT_MAX_RULES 256
#define SV_CRIT_MAX_CONDS 8
#define SV_CRIT_MAX_LIST 8      /* codes, requires, confirm texts per rule */

/* "at least `atleast` of vars[] have a score in lo..hi" */
struct sv_crit_cond {
	unsigned char vars[SV_CRIT_NVARS];
	int nvars, atleast, lo, hi;
};

struct sv_crit_rule {
	char *id;
	char *service;                              /* 9151 code */
	char *code_system[SV_CRIT_MAX_LIST], *code[SV_CRIT_MAX_LIST];
	int ncodes;
	struct sv_crit_cond conds[SV_CRIT_MAX_CONDS];
	int nconds;
	int requires[SV_CRIT_MAX_LIST];             /* indexes of earlier rules; one must hold */
	int nrequires;
	char *confirm[SV_CRIT_MAX_LIST];
	int nconfirm;
	int freq, period;                           /* freq per `period` units; 0 = not given */
	char unit[4];                               /* "d", "wk", "mo" */
	int minutes;                                /* per occurrence; 0 = not given */
	double hours;                               /* hours per week; 0 = not given */
	int hours_casemix;                          /* 1: the case-mix table's expected hours */
	char *section;                              /* the source document's section */
	char *reading;                              /* what is a reading, not the document's words; NULL */
	int line;
};

struct sv_criteria {
	struct sv_rulefile_meta meta;
	struct sv_crit_rule *rules;
	int nrules;
};

/* The outcome of one rule for one assessment. */
struct sv_crit_result {
	unsigned char matched;
	unsigned char close;      /* not matched, but one score step on one variable would match it */
};

/* Parses a criteria file's text; *out is a new set (free with sv_criteria_free()) or NULL with err's
 * message "file:line: ..." (SV_EINVAL, SV_ETOOBIG). */
enum sv_err sv_criteria_parse(const char *file, const char *text, size_t len, struct sv_criteria **out,
			      struct sv_error *err);

void sv_criteria_free(struct sv_criteria *c);

/* Evaluates every rule of `c` against scores[1..20] (1-5, 9, or 0 when not assessed) into res[], one
 * per rule (c->nrules entries). */
void sv_criteria_eval(const struct sv_criteria *c, const unsigned char scores[SV_CRIT_NVARS + 1],
		      struct sv_crit_result *res);

/* Returns 1 when condition `k` holds for `scores`; met[] gets the variables in range (*nmet). */
int sv_criteria_cond_met(const struct sv_crit_cond *k, const unsigned char scores[SV_CRIT_NVARS + 1],
			 unsigned char *met, int *nmet);

/* The score steps that condition `k` is short of (0 when it holds; a large number when too few of its
 * variables are scored); *nearest gets the variable closest to the range, 0 if none. */
int sv_criteria_cond_gap(const struct sv_crit_cond *k, const unsigned char scores[SV_CRIT_NVARS + 1],
			 int *nearest);

#endif
