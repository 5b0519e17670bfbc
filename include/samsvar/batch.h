/* batch.h — `samsvar translate --file`: a whole IPLOS extract as CSV (one code: cli_translate.h).
 *
 * The extract has rows `person,variable,score` (RFC 4180 quoting, optional header line starting with
 * `person`). The output repeats the three columns and adds
 *   icf_code       the ICF categories of the variable (map iplos-icf), space-separated when several;
 *   icf_qualifier  the ICF generic qualifier of the score, e.g. 3, when some category of the variable takes
 *                  one (the qualifier map named by the ICF map, see translate.h); else empty;
 *   icf_qualified  each ICF category the engine qualifies with the score as dependency, e.g.
 *                  "d510.3 d520.3": never a chapter, an inexact or relatedto target (so variable 10
 *                  gives d550.2, not d560.2);
 *   snomed_ct      the SNOMED CT concepts for the variable and score (map iplos-snomed with the score
 *                  as dependency; when that map has nothing, a chain through ICF), space-separated;
 *   error          empty, or why the row could not be translated.
 * Every (variable, score) answer is computed once before the first row, so a row costs a parse and
 * one hash lookup; memory stays constant whatever the size of the extract. */
#ifndef SAMSVAR_BATCH_H
#define SAMSVAR_BATCH_H

#include <stdio.h>
#include "samsvar/error.h"

struct sv_snapshot;

/* Which content the batch uses; a NULL field takes the default named beside it. */
struct sv_batch_opts {
	const char *canonical_base;    /* "https://fhir.samsvar.no" (the {base} of mappings/) */
	const char *variable_system;   /* "urn:oid:2.16.578.1.12.4.1.1.9111" (IPLOS 9111) */
	const char *score_system;      /* "{base}/CodeSystem/iplos-score" */
	const char *icf_map;           /* "{base}/ConceptMap/iplos-icf" */
	const char *snomed_map;        /* "{base}/ConceptMap/iplos-snomed" */
};

struct sv_batch_counts {
	unsigned long long rows;       /* data rows read (header and blank lines not counted) */
	unsigned long long translated; /* rows written without error */
	unsigned long long bad;        /* rows written with the error column set */
};

/* Longest input record accepted; longer rows are reported as bad and skipped to their end. */
#define SV_BATCH_MAX_LINE 4096

/* Converts the CSV extract `in` to `out` (a header line, then one line per input row) using the maps
 * of `snap`; `opts` may be NULL for the defaults. Bad rows are written with the error column set and
 * counted, never dropped. Returns SV_OK (even with bad rows; see *counts), SV_ENOTFOUND when the
 * variable code system or the ICF map is missing, SV_EIO on a read or write error. */
enum sv_err sv_batch_translate(const struct sv_snapshot *snap, FILE *in, FILE *out,
			       const struct sv_batch_opts *opts, struct sv_batch_counts *counts,
			       struct sv_error *err);

#endif
