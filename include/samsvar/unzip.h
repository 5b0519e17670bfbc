/* unzip.h — the RF2 files of a zipped SNOMED CT release the importer reads, taken out of the archive
 * (libzip) into a folder the RF2 importer reads.
 *
 * A release as SNOMED International and national release centres ship it is one ZIP holding Full,
 * Snapshot and Delta folders; only the kinds of Snapshot file the importer reads are written
 * (sct2_Concept_Snapshot*.txt, sct2_Description_Snapshot*.txt, sct2_Relationship_Snapshot*.txt and,
 * when there are any, der2_Refset_SimpleSnapshot*.txt, der2_cRefset_AssociationSnapshot*.txt and
 * der2_cRefset_LanguageSnapshot*.txt, at any depth) or, for a kind the archive has no Snapshot file of,
 * its Full files (sct2_Concept_Full*.txt, ...; read as their latest state), each under its own file name
 * directly in the folder. The archive comes from a client:
 * an entry named with an absolute path or a `..` component refuses the whole archive (zip-slip), and
 * the number of entries and the bytes written are capped (zip bombs) — the sizes the archive declares
 * are checked before a byte is written, and the bytes actually inflated are counted as they are. */
#ifndef SAMSVAR_UNZIP_H
#define SAMSVAR_UNZIP_H

#include <stddef.h>
#include "samsvar/error.h"

/* Most entries an archive may hold (a release has a few hundred). */
#define SV_UNZIP_MAX_ENTRIES 100000u

/* Writes the RF2 files (as above) of the ZIP archive held in the `len` bytes at `data` into the
 * existing folder `dir`, at most `max_bytes` uncompressed bytes in all. Returns SV_OK; SV_EINVAL when
 * `data` is not a ZIP archive, is damaged, names an entry outside the folder, holds one file name
 * twice, or lacks one of the three kinds of file (the message names what is missing); SV_ETOOBIG over
 * SV_UNZIP_MAX_ENTRIES entries or `max_bytes`; SV_EIO when the folder cannot be written. Files already
 * written stay in `dir` on failure: the caller removes the folder (sv_unzip_remove_dir). */
enum sv_err sv_unzip_rf2(const void *data, size_t len, const char *dir, size_t max_bytes, struct sv_error *err);

/* Removes the files directly in `dir` and then `dir` itself (a folder sv_unzip_rf2() wrote, which
 * holds no subfolders); quiet when it is already gone. */
void sv_unzip_remove_dir(const char *dir);

#endif
