/* rulefile.h — the text format shared by a municipality's allocation criteria and case-mix table
 * (mappings/README.md, "Criteria and case-mix files"): `# comments`, `@key<TAB>value` metadata (the
 * first is `@resourceType<TAB>Library`, then `@kind`), one column line, then one row per rule or table
 * entry with exactly the column line's cells. The reader checks the shape and hands each row to the
 * kind's parser (criteria.c, casemix.c); every error is "file:line: message".
 *
 * Limits (client-controlled when a Library is written): 1 MiB of text, 8 KiB per line, 16 columns.
 * Invalid UTF-8, NUL and control characters other than TAB are errors. */
#ifndef SAMSVAR_RULEFILE_H
#define SAMSVAR_RULEFILE_H

#include <stddef.h>
#include "samsvar/error.h"

#define SV_RULEFILE_MAX_TEXT (1024 * 1024)
#define SV_RULEFILE_MAX_LINE 8192
#define SV_RULEFILE_MAX_COLS 16

/* The metadata of a file; every field is malloc'd or NULL when the file does not give it. */
struct sv_rulefile_meta {
	char *kind;          /* "criteria" or "casemix" (required) */
	char *url, *version, *name, *status; /* required */
	char *title, *publisher, *description, *date, *copyright;
	char *document;      /* the source document: title, edition, date (required) */
	char *hours;         /* casemix: "placeholder" or "measured" */
	char *source;        /* provenance of the file: where its text and codes come from */
};

/* Where the reader is; passed to the row callback so it can fail with file:line. */
struct sv_rulefile {
	const char *file;
	int line;
	struct sv_error *err;
};

/* Called per row with its trimmed cells (exactly the column count). */
typedef enum sv_err (*sv_rulefile_row_fn)(void *ctx, struct sv_rulefile *rf, char **cells);

/* Parses `text` (`len` bytes; not modified) named `file` in messages: metadata into *meta (release it
 * with sv_rulefile_meta_release() also on error), a column line that must equal `columns` (`ncols`,
 * in order), and calls row() per row. `kind` is the @kind the caller reads. Returns SV_OK, or the
 * first error (SV_EINVAL, SV_ETOOBIG) with err's message "file:line: ...". */
enum sv_err sv_rulefile_parse(const char *file, const char *text, size_t len, const char *kind,
			      const char *const *columns, int ncols, sv_rulefile_row_fn row, void *ctx,
			      struct sv_rulefile_meta *meta, struct sv_error *err);

/* Records "file:line: message" in rf->err and returns `code`. */
enum sv_err sv_rulefile_fail(struct sv_rulefile *rf, enum sv_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Returns the @kind of `text` ("criteria", "casemix") in kind[] (cap bytes), or "" when the text has
 * no @kind line before its column line. */
void sv_rulefile_kind(const char *text, size_t len, char *kind, size_t cap);

/* The number of lines of `text` (for an error about the whole file: "file:<last line>: ..."). */
int sv_rulefile_lines(const char *text, size_t len);

/* Frees the fields of *meta and zeroes it. */
void sv_rulefile_meta_release(struct sv_rulefile_meta *meta);

/* Reads an IPLOS score range "3", "3-4" into *lo, *hi (1..5); 0 when it is not one. */
int sv_rulefile_score_range(const char *s, int *lo, int *hi);

/* Reads a comma-separated list of IPLOS variable numbers (1..20, each once) into vars[] (cap
 * entries); returns how many, or -1 when the list is empty or not one. */
int sv_rulefile_variables(const char *s, unsigned char *vars, int cap);

#endif
