/* importer.h — turns terminology release files into FHIR R4 CodeSystem / ValueSet / ConceptMap
 * resources (cJSON); a SNOMED CT RF2 edition, too large for a JSON tree per concept, into a CodeSystem
 * header and its compact content (cscontent.h), the form the store's content tables keep.
 *
 * CodeSystems produced here are flat: `concept` is a flat array; hierarchy is carried by the
 * `parent` property (valueCode, repeated for several parents) declared in CodeSystem.property;
 * designations carry `language` (BCP-47) and, where known, `use`. */
#ifndef SAMSVAR_IMPORTER_H
#define SAMSVAR_IMPORTER_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"

/* Loads a WHO ICF ClaML file (e.g. the DIMDI German release) into the ICF CodeSystem
 * (url http://hl7.org/fhir/sid/icf, version "2001"): display and one designation per class in the
 * file's language (Meta lang), copyright from Meta copyright. Streams with xmlTextReader; never loads
 * the DTD, the network or external entities. Returns a new CodeSystem the caller frees with
 * cJSON_Delete(), or NULL with err set (SV_EIO unreadable, SV_EINVAL malformed, with line). */
cJSON *sv_import_icf_claml(const char *path, struct sv_error *err);

/* Loads an ICF table (header row code/parent/title, '#' comment lines) into the ICF CodeSystem
 * (version "2001", English display and designation, WHO copyright). Returns a new CodeSystem the
 * caller frees, or NULL with err set (SV_EIO unreadable, SV_EINVAL bad row, "file:line: why"). */
cJSON *sv_import_icf_tsv(const char *path, struct sv_error *err);

/* Loads the SNOMED CT Global Patient Set ValueSet (FHIR JSON) as a `fragment` CodeSystem of
 * http://snomed.info/sct: version = compose.include.version (the edition URI), copyright verbatim
 * (CC BY 4.0 attribution), display = the given FSN, no parents. Every code must pass
 * sv_import_sctid_check(). Returns a new CodeSystem the caller frees, or NULL with err set. */
cJSON *sv_import_snomed_gps(const char *path, struct sv_error *err);

struct sv_content;

/* What an RF2 import starts from besides the folder. */
struct sv_rf2_opts {
	/* The finished content of the stored edition an extension module's folder extends, or NULL: its
	 * concepts come first (same indexes), the folder's rows are applied on top (new concepts, their
	 * descriptions, relationships and refset rows; rows naming base concepts change or extend them),
	 * and the version is the folder's own module's. Must outlive the call. */
	const struct sv_content *base;
	const cJSON *base_header; /* that edition's CodeSystem (its property declarations and count are kept) */
	/* Where an import notes what it read but could not apply (one line per language refset file whose
	 * active rows name a description in neither the folder nor the base: the count, the first row's
	 * file:line and id), or NULL. */
	FILE *log;
};

/* Loads an RF2 snapshot folder (sct2_Concept_Snapshot*, sct2_Description_Snapshot* — several
 * language files allowed —, sct2_Relationship_Snapshot*, and der2_Refset_SimpleSnapshot*,
 * der2_cRefset_AssociationSnapshot*, der2_cRefset_LanguageSnapshot-<tag>* anywhere below `dir`) into
 * the empty content `out` (sv_content_init()), finished, and *header, a new CodeSystem without
 * `concept` (meta, count, the properties declared) the caller frees:
 * - every concept, inactive ones with the inactive flag;
 * - active descriptions as designations (language, use = SNOMED CT system, typeId, "Fully specified
 *   name" / "Synonym", the description id), display = the FSN (else a synonym);
 * - active is-a (116680003) rows between active concepts as parents, other active relationships as
 *   property <typeId> (valueCode), active simple refset rows as memberOf, the REPLACED BY, SAME AS,
 *   POSSIBLY EQUIVALENT TO and ALTERNATIVE associations of inactive concepts as replacedBy, sameAs,
 *   possiblyEquivalentTo, alternative; a concept holds each (property, value) once;
 * - language refset rows (the tag from the file name): a description in another language becomes a
 *   designation in the tag's language; the preferred synonym goes first for its language. With a base
 *   (o->base), rows naming the base's descriptions (by the ids its designations keep) apply the same way;
 *   rows naming a description read nowhere are counted and noted on o->log, one line per file.
 * Version is http://snomed.info/sct/<module>/version/<yyyymmdd> from the module with the newest concept
 * rows. Every id is checked (digits, Verhoeff; partition for concept ids). Returns SV_OK, SV_EIO
 * (unreadable dir), SV_EINVAL (missing file, two concept or relationship files, or a bad row with
 * "file:line: why"), SV_ETOOBIG; on error *header is NULL and `out` holds what was read (release it). */
enum sv_err sv_import_snomed_rf2_content(const char *dir, const struct sv_rf2_opts *o, cJSON **header,
					 struct sv_content *out, struct sv_error *err);

/* sv_import_snomed_rf2_content() as one FHIR CodeSystem with a flat `concept` array
 * (sv_content_to_json()): a new tree the caller frees, or NULL with err set. For small editions (tests,
 * tools); the store takes the content itself (import.h). */
cJSON *sv_import_snomed_rf2(const char *dir, struct sv_error *err);

/* Loads any FHIR CodeSystem, ValueSet, ConceptMap or a Bundle of them from a JSON or XML file.
 * Returns a JSON array of resources (one element for a single resource; a Bundle gives its entries)
 * the caller frees with cJSON_Delete(), or NULL with err set: SV_EIO unreadable, SV_ETOOBIG over
 * SV_IMPORT_MAX_FILE, SV_EINVAL malformed or not a terminology resource (the type is named). */
cJSON *sv_import_fhir_file(const char *path, struct sv_error *err);

/* Largest file any importer reads (RF2 files excepted, which are streamed): SV_ETOOBIG above it. */
#define SV_IMPORT_MAX_FILE ((size_t)512 << 20)

/* Checks a SNOMED CT concept id as ../shared/tools/verhoeff.py does (6..18 digits, no leading zero,
 * concept partition 00 or 10, Verhoeff check digit). Returns NULL when valid, else a static reason. */
const char *sv_import_sctid_check(const char *id);

#endif
