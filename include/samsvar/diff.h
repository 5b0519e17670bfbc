/* diff.h — what changed between two versions of a ConceptMap or CodeSystem, row by row, for a
 * reviewer before $publish (op_diff.c renders it as Parameters or CSV).
 *
 * A ConceptMap row is one target of one source code under its conditions: (source system, target
 * system, source code, target code, dependsOn and product). Rows the same in both versions are
 * compared; then a row left in `to` pairs with a row left in `from` with the same target (its
 * conditions changed); what is still left is added (only in `to`) or removed (only in `from`). A
 * changed row names what differs among equivalence, comment (the reason) and dependsOn. A source
 * code mapped to another target shows as the old row removed and the new one added. A CodeSystem row
 * is one concept: changed when its display or definition differ. Linear in the rows of both versions
 * (hashes of the rows of `from`). */
#ifndef SAMSVAR_DIFF_H
#define SAMSVAR_DIFF_H

#include <stddef.h>
#include <cjson/cJSON.h>

enum sv_diff_kind { SV_DIFF_ADDED, SV_DIFF_REMOVED, SV_DIFF_CHANGED };

/* One row that differs; the strings point into the two resources, which must outlive the diff. */
struct sv_diff_row {
	enum sv_diff_kind kind;
	const char *source_system, *target_system;  /* NULL for a CodeSystem */
	const char *code;                           /* the source code (ConceptMap) or the concept's code */
	const char *target;                         /* the target code, or NULL (unmatched, CodeSystem) */
	const cJSON *before, *after;                /* the target (or concept) object in from / to, or NULL */
	char fields[64];                            /* for a changed row: "equivalence,comment,dependsOn" */
};

struct sv_diff {
	struct sv_diff_row *rows;
	size_t n, cap;
};

/* Fills `d` (initialised to zero) with the rows that differ from `from` to `to`, two resources of the
 * same type (ConceptMap or CodeSystem): changed and added rows in the order of `to`, then the removed
 * in the order of `from`. Free with sv_diff_release(). */
void sv_diff_resources(const cJSON *from, const cJSON *to, struct sv_diff *d);

/* Frees the rows of `d`. */
void sv_diff_release(struct sv_diff *d);

#endif
