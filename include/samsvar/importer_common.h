/* importer_common.h — what the importers (importer_icf.c, importer_snomed.c, importer_fhir.c) share:
 * a capped line reader for tab-separated release files and the CodeSystem shape every import produces.
 * Not for use outside the importers; their public interface is importer.h. */
#ifndef SAMSVAR_IMPORTER_COMMON_H
#define SAMSVAR_IMPORTER_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"

#define SV_IMPORT_MAX_LINE ((size_t)1 << 20)        /* longest TSV/RF2 line accepted */
#define SV_IMPORT_MAX_CONCEPTS ((size_t)10000000)   /* most concepts one import keeps */

/* Fails with SV_EIO unless `path` is a readable regular file, SV_ETOOBIG when over `max` bytes.
 * Returns SV_OK or the error set in err. */
enum sv_err sv_imp_check_file(const char *path, uint64_t max, struct sv_error *err);

/* A line-by-line reader: strips CR LF and a UTF-8 BOM on line 1, caps line length. */
struct sv_lines {
	FILE *f;
	const char *path;
	char *buf;
	size_t cap;
	size_t lineno;
};

/* Opens `path` (checked with sv_imp_check_file() against `max`) for sv_lines_next(); the caller
 * calls sv_lines_close() whatever this returns. Returns SV_OK or the error set in err. */
enum sv_err sv_lines_open(struct sv_lines *lr, const char *path, uint64_t max, struct sv_error *err);

/* Closes the file and frees the line buffer; safe on a reader that failed to open. */
void sv_lines_close(struct sv_lines *lr);

/* Reads the next line into *line (NUL-terminated, writable, owned by the reader until the next call).
 * Returns 1 with *line and *len set, 0 at end of file, -1 with err set ("file:line: why"). */
int sv_lines_next(struct sv_lines *lr, char **line, size_t *len, struct sv_error *err);

/* Splits `line` in place at tabs and stores up to `max` fields. Returns how many fields there are
 * (which may be more than `max`). */
size_t sv_split_tabs(char *line, char **fields, size_t max);

/* Checks header row `line` (split in place) against the `n` expected column names. Returns SV_OK, or
 * SV_EINVAL with "file:line: why" in err. */
enum sv_err sv_imp_check_header(struct sv_lines *lr, char *line, const char *const *names, size_t n,
				struct sv_error *err);

/* The fields every import sets on its CodeSystem; any but url, version, name, title, content may be NULL. */
struct sv_cs_meta {
	const char *url, *version, *name, *title, *publisher, *content, *language;
	const char *copyright, *description;
};

/* Returns a new CodeSystem (the caller frees it) with `m`'s fields, caseSensitive, is-a hierarchy,
 * the `parent` property declared and the concept array `concepts` (ownership moves in) with its count. */
cJSON *sv_imp_codesystem(const struct sv_cs_meta *m, cJSON *concepts);

/* Returns a new designation object (the caller frees it); `language` and `use_code` (with
 * `use_system`, `use_display`) are left out when NULL. */
cJSON *sv_imp_designation_new(const char *language, const char *use_system, const char *use_code,
			      const char *use_display, const char *value);

/* Appends a `parent` property (valueCode `parent`) to the concept property array `props`. */
void sv_imp_add_parent(cJSON *props, const char *parent);

#endif
