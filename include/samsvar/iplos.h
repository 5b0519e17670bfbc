/* iplos.h — what $assess and the CSV batch share about IPLOS content: the variable system, the scores,
 * the default canonical base of mappings/, and one way to ask the translate engine. */
#ifndef SAMSVAR_IPLOS_H
#define SAMSVAR_IPLOS_H

#include <stddef.h>
#include "samsvar/error.h"
#include "samsvar/translate.h"

/* The system of IPLOS function variables (Volven 9111). */
#define SV_IPLOS_VARIABLES "urn:oid:2.16.578.1.12.4.1.1.9111"

/* The {base} of the canonical urls in mappings/ when the configuration gives none. */
#define SV_IPLOS_BASE "https://fhir.samsvar.no"

/* The IPLOS scores in order: "1".."5" and "9" (not relevant). Scores 3-5 (indexes 2..4) are function
 * problems. */
#define SV_IPLOS_NSCORES 6
#define SV_IPLOS_PROBLEM_FIRST 2
#define SV_IPLOS_PROBLEM_LAST 4
extern const char *const sv_iplos_scores[SV_IPLOS_NSCORES];

/* Returns the index in sv_iplos_scores of the score written as the `n` bytes at `s`, or -1. */
int sv_iplos_score_index(const char *s, size_t n);

/* Returns a new string base + path (the caller frees it), e.g. {base}/ConceptMap/iplos-icf. */
char *sv_iplos_url(const char *base, const char *path);

/* One question to the translate engine; NULL fields are not given. */
struct sv_iplos_query {
	const char *system, *code;
	const char *map_url, *map_version;   /* NULL url: every map (chains allowed with target) */
	const char *target;                  /* answer only codes in this system */
	const char *score_system, *score;    /* the score as a dependency (attribute and system) */
};

/* Translates `q` against `snap` into *out (release with sv_tx_result_release()). A map named without
 * version that is not loaded answers nothing: the IPLOS maps are optional content. Returns SV_OK, or
 * the engine's error with err set. */
enum sv_err sv_iplos_ask(const struct sv_snapshot *snap, const struct sv_iplos_query *q, struct sv_tx_result *out,
			 struct sv_error *err);

#endif
