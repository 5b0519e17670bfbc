/* assess_table.h — what $assess precomputes once per snapshot and relations map: every code of every
 * (IPLOS variable, score), read from the maps through the translate engine (assess_table.c). The
 * snapshot owns the table (sv_snapshot_memo()); a request only reads it (assess.c). */
#ifndef SAMSVAR_ASSESS_TABLE_H
#define SAMSVAR_ASSESS_TABLE_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/iplos.h"
#include "samsvar/strmap.h"

struct sv_snapshot;
struct sv_resource;

#define SV_ASSESS_MAX_ACTS 16   /* relations kept per (variable, score) */

/* One intervention of the relations map for a (variable, score). */
struct sv_assess_act {
	cJSON *code;             /* CodeableConcept: 9151 + SNOMED CT procedure + FSIII indsats */
	char *key;               /* identity for merging: codes and timing */
	char *comment;           /* the relation's source / rationale */
	int freq;                /* visits per period; 0 = not given */
	const char *unit;        /* "d", "wk" or "mo"; NULL when freq is not given */
	int minutes;             /* per visit; 0 = not given */
};

/* The codes of one (variable, score). */
struct sv_assess_cell {
	cJSON *findings;         /* SNOMED CT codings that hold for this score */
	struct sv_assess_act *acts;
	int nacts;
	char *icf_qualified;     /* "d510.3, d520.3": the ICF categories the engine qualifies for this score
				  * (never a chapter, inexact or relatedto target; translate.h), or NULL */
};

/* One IPLOS variable with its codes and a cell per score. */
struct sv_assess_var {
	const char *code, *display;  /* borrowed from the snapshot the table references */
	cJSON *coding, *icf, *observable, *fsiii;
	struct sv_assess_cell cells[SV_IPLOS_NSCORES];
};

/* The whole table; strings are borrowed from the snapshot that owns it. */
struct sv_assess_table {
	const struct sv_snapshot *snap; /* the snapshot that owns this table (sv_snapshot_memo) */
	const struct sv_resource *relations;
	char *base;
	char *score_system, *freq_prop, *min_prop, *minutes_ext;
	struct sv_assess_var *vars;
	uint32_t nvars;
	struct sv_strmap by_code;    /* variable code -> index */
	cJSON *score[SV_IPLOS_NSCORES], *qualifier[SV_IPLOS_NSCORES], *severity[SV_IPLOS_NSCORES];
	const char *anchor[SV_IPLOS_NSCORES]; /* vision anchors, borrowed from the score CodeSystem */
};


/* Returns in *out the table of `snap` for relations map `rel` and canonical base `base`, built on first
 * use (SV_ENOTFOUND when the IPLOS code systems are not loaded, or the error of a map); the snapshot
 * owns and frees it. */
enum sv_err sv_assess_table_get(const struct sv_snapshot *snap, const struct sv_resource *rel, const char *base,
				struct sv_assess_table **out, struct sv_error *err);

#endif
