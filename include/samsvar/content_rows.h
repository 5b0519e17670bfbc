/* content_rows.h — inside the content reader, shared by content.c (files, metadata, column line,
 * directory) and content_rows.c (the rows of each resource type): the state of one file being read.
 * Not for use elsewhere; the public interface is content.h. */
#ifndef SAMSVAR_CONTENT_ROWS_H
#define SAMSVAR_CONTENT_ROWS_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/strmap.h"

#define CONTENT_MAX_COLS 64

/* A growable pointer array. */
struct vec {
	void **v;
	size_t n, cap;
};

/* Appends `p` to `x` and returns its index. */
uint32_t sv_content_vec_push(struct vec *x, void *p);

/* Returns the malloc'd concatenation of a, b and c (the caller frees it). */
char *sv_content_concat3(const char *a, const char *b, const char *c);

/* Returns the malloc'd key "a\x1fb" (the caller frees it): a separator no URL or code contains, since
 * control characters are rejected on input. */
char *sv_content_pair_key(const char *a, const char *b);

/* Returns whether `s` is one of the `n` strings in `set`. */
bool sv_content_one_of(const char *s, const char *const *set, size_t n);

/* The format's vocabulary: resource types, metadata keys, columns. */
enum rtype { RT_NONE, RT_CODESYSTEM, RT_CONCEPTMAP, RT_VALUESET };

enum meta {
	M_RESOURCETYPE, M_URL, M_VERSION, M_NAME, M_TITLE, M_STATUS, M_EXPERIMENTAL, M_DATE, M_PUBLISHER,
	M_DESCRIPTION, M_PURPOSE, M_COPYRIGHT, M_SOURCE, M_CONTENT, M_LANGUAGE, M_SOURCESCOPE, M_TARGETSCOPE,
	M_QUALIFIERMAP, M_COUNT
};

enum col {
	C_CODE, C_DISPLAY, C_PARENT, C_DEFINITION, C_DESIGNATION, C_PROPERTY, C_SOURCE_SYSTEM, C_SOURCE_CODE,
	C_SOURCE_DISPLAY, C_TARGET_SYSTEM, C_TARGET_CODE, C_TARGET_DISPLAY, C_EQUIVALENCE, C_DEPENDS_ON,
	C_PRODUCT, C_COMMENT, C_FLAGS, C_SYSTEM, C_QUALIFIER, C_NCOLS
};

/* ---------------------------------------------------------------- parser state */

/* The bundled CodeSystems, for display lookups and code checks while reading maps and value sets. */
struct lookup {
	struct sv_strmap systems; /* CodeSystem url (borrowed) -> 0 */
	struct sv_strmap codes;   /* keys[i] -> i */
	struct vec keys;          /* owned pair_key(url, code) strings */
	struct vec displays;      /* displays[i], borrowed from the CodeSystem */
};

struct group {
	char *key;                /* owned pair_key(source, target) */
	cJSON *elements;          /* the group's "element" array (owned by the resource) */
	struct sv_strmap by_code; /* source code (borrowed from the element) -> index in els */
	struct vec els;           /* element objects */
};

struct pending_parent {
	char *code;
	long line;
};

struct doc {
	const char *path;
	const char *base; /* canonical base without trailing '/' */
	const struct lookup *lk; /* NULL when reading a single file */
	struct sv_error *err;
	long line;

	enum rtype type;
	char *meta[M_COUNT];

	char *header; /* owned copy of the column line; suffix pointers point into it */
	int ncols;
	enum col kind[CONTENT_MAX_COLS];
	const char *suffix[CONTENT_MAX_COLS];
	int at[C_NCOLS]; /* index of each single column, -1 when absent */

	cJSON *res;
	cJSON *items;            /* CodeSystem.concept, ConceptMap.group or ValueSet.compose.include */
	struct sv_strmap codes;  /* CodeSystem: code -> line; ValueSet: system -> index in incs */
	struct vec incs;         /* ValueSet include objects */
	struct sv_strmap groups; /* ConceptMap: group key -> index in grps */
	struct vec grps;         /* struct group * */
	struct pending_parent *parents;
	size_t nparents, capparents;
};

/* Sets d->err to "file:line: <message>" with `code` and returns `code`. */
enum sv_err sv_content_fail(struct doc *d, enum sv_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The row readers, one per resource type: `v` holds the row's cells (trimmed, {base} replaced), in the
 * order of the column line. Each adds to d->res and returns SV_OK, or fails with file:line. */
enum sv_err sv_content_cs_row(struct doc *d, char **v);
enum sv_err sv_content_cm_row(struct doc *d, char **v);
enum sv_err sv_content_vs_row(struct doc *d, char **v);

#endif
