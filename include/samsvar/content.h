/* content.h — the bundled terminology content in mappings/ (reviewable text files) read into FHIR
 * resources. The file format is documented in mappings/README.md. */
#ifndef SAMSVAR_CONTENT_H
#define SAMSVAR_CONTENT_H

#include <cjson/cJSON.h>
#include "samsvar/error.h"

/* Reads every content file under `dir` and returns a JSON array of FHIR R4 resources
 * (CodeSystem, ValueSet, ConceptMap; Library for criteria and case-mix files, library.h), each with url,
 * version, status and a provenance note.
 * `canonical_base` (e.g. "https://fhir.samsvar.no") replaces the `{base}` placeholder in files, for
 * identifiers that have no official system. Returns NULL with err set (message names file:line). */
cJSON *sv_content_load_dir(const char *dir, const char *canonical_base, struct sv_error *err);

/* Reads one content file (see sv_content_load_dir()); returns one resource or NULL with err set. */
cJSON *sv_content_load_file(const char *path, const char *canonical_base, struct sv_error *err);

/* Reads one content file as if it were among the files of `dir` (the bundled content folder): a map's
 * or value set's codes are checked against the CodeSystem files of `dir`, and take their displays,
 * as sv_content_load_dir() does. Returns one resource or NULL with err set (file:line). */
cJSON *sv_content_load_file_in(const char *path, const char *dir, const char *canonical_base,
				struct sv_error *err);

#endif
