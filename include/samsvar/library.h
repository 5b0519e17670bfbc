/* library.h — criteria and case-mix files as FHIR R4 Library resources, so a municipality's rules are
 * stored, versioned and published like its maps (draft -> active, history, rollback).
 *
 * A Library (type asset-collection) carries the file's text unchanged (after {base} substitution) as
 * its one content attachment (contentType text/tab-separated-values, base64 data); url, version,
 * name, title, status, publisher, description come from the file's metadata, the source document
 * becomes a relatedArtifact citation. The text stays the single truth: whatever holds the Library,
 * the rules are read back from the attachment with the same parser (criteria.h, casemix.h). */
#ifndef SAMSVAR_LIBRARY_H
#define SAMSVAR_LIBRARY_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "samsvar/casemix.h"
#include "samsvar/criteria.h"
#include "samsvar/error.h"

#define SV_LIBRARY_CONTENT_TYPE "text/tab-separated-values"

/* Returns 1 when `text` is a criteria or case-mix file (its first metadata line is
 * "@resourceType<TAB>Library"). */
int sv_library_is_text(const char *text, size_t len);

/* Reads the criteria or case-mix file `text` named `file`: replaces {base} with `base`, parses it with
 * the parser of its @kind (errors "file:line: ...") and returns a new Library resource, or NULL with
 * err set. */
cJSON *sv_library_from_text(const char *file, const char *text, size_t len, const char *base,
			    struct sv_error *err);

/* The kind of a Library: "criteria" or "casemix" (read from its text), or NULL when `lib` carries no
 * rules text samsvar reads. */
const char *sv_library_kind(const cJSON *lib, char *buf, size_t cap);

/* Reads the rules of Library `lib`; the name in messages is "Library <url>|<version>". */
enum sv_err sv_library_criteria(const cJSON *lib, struct sv_criteria **out, struct sv_error *err);
enum sv_err sv_library_casemix(const cJSON *lib, struct sv_casemix **out, struct sv_error *err);

/* Checks a Library given to the write API: when it carries a criteria or case-mix text, the text
 * must parse (its url and version must equal the resource's). Returns SV_OK, or SV_EINVAL with the
 * message "Library.content[0]: file:line: ...". A Library without such a text is not checked. */
enum sv_err sv_library_check(const cJSON *lib, struct sv_error *err);

#endif
