/* importer_rf2.h — what the SNOMED CT RF2 importer (importer_snomed.c) reads with: SCTID checks, the
 * Snapshot (or, for a kind without one, Full) files of a release folder, streaming row readers (a Full
 * file read as its latest row per component, importer_rf2_full.c), and the two hash tables its rows are
 * indexed in. Not for use outside the importers; their public interface is importer.h. */
#ifndef SAMSVAR_IMPORTER_RF2_H
#define SAMSVAR_IMPORTER_RF2_H

#include <stddef.h>
#include <stdint.h>
#include "samsvar/error.h"
#include "samsvar/importer_common.h"

#define SV_RF2_MAX_COLS 10
#define SV_RF2_MAX_FILES 16 /* of each kind that may come in several files */

/* The files of a release folder the importer reads (paths owned): per kind the Snapshot files, or the
 * Full files (the *Full* name in each comment below) when the folder has no Snapshot file of that kind;
 * `full` says which kinds are Full (SV_RF2_FULL_* bits). */
struct sv_rf2_files {
	char *concept, *relationship;   /* sct2_Concept_Snapshot*.txt, sct2_Relationship_Snapshot*.txt */
	char *desc[SV_RF2_MAX_FILES];   /* sct2_Description_Snapshot*.txt, sorted by name */
	size_t ndesc;
	char *refset[SV_RF2_MAX_FILES]; /* der2_Refset_SimpleSnapshot*.txt */
	size_t nrefset;
	char *assoc[SV_RF2_MAX_FILES];  /* der2_cRefset_AssociationSnapshot*.txt */
	size_t nassoc;
	char *lang[SV_RF2_MAX_FILES];   /* der2_cRefset_LanguageSnapshot-<lang>*.txt */
	size_t nlang;
	unsigned full;
};

#define SV_RF2_FULL_CONCEPT 1u
#define SV_RF2_FULL_DESCRIPTION 2u
#define SV_RF2_FULL_RELATIONSHIP 4u
#define SV_RF2_FULL_REFSET 8u
#define SV_RF2_FULL_ASSOCIATION 16u
#define SV_RF2_FULL_LANGUAGE 32u

#define SV_RF2_LANG_PREFIX "der2_cRefset_LanguageSnapshot-"
#define SV_RF2_LANG_FULL_PREFIX "der2_cRefset_LanguageFull-"

/* Finds the files anywhere below `dir` (symlinked folders not followed) and sorts each list by name:
 * per kind the Snapshot files (sct2_Concept_Snapshot*, ...) or, when there is none of that kind, the
 * Full ones (sct2_Concept_Full*, ...); Delta files are not read. Returns SV_OK; SV_EIO when `dir` is not
 * a readable folder; SV_EINVAL for two concept or relationship files of one release type, too many of a
 * kind, or a missing concept, description or relationship file. The caller releases *f whatever this
 * returns. */
enum sv_err sv_rf2_find(const char *dir, struct sv_rf2_files *f, struct sv_error *err);

/* Frees the paths of f; f is empty afterwards. */
void sv_rf2_files_release(struct sv_rf2_files *f);

/* Returns NULL when s[0..n) is a valid SCTID, else why; `concept` also demands partition 00/10. */
const char *sv_rf2_sctid_why(const char *s, size_t n, int concept);

/* Checks field `f` (column `col`) of the row lr is at as an SCTID: SV_OK or SV_EINVAL "file:line: why". */
enum sv_err sv_rf2_id(const struct sv_lines *lr, const char *f, const char *col, int concept, struct sv_error *err);

/* Handles one row; `f` holds exactly the file's columns, the shared four (id, effectiveTime, active,
 * moduleId) already checked. */
typedef enum sv_err (*sv_rf2_row_fn)(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err);

/* Opens RF2 file `path` for sv_lines_next() (at most 8 GiB) and checks its header row against the
 * `ncols` names `cols`. Returns SV_OK or SV_EINVAL/SV_EIO/SV_ETOOBIG "file:line: why"; the caller calls
 * sv_lines_close(lr) whatever this returns. */
enum sv_err sv_rf2_open(struct sv_lines *lr, const char *path, const char *const *cols, size_t ncols,
			struct sv_error *err);

/* Streams RF2 file `path`: checks its header against the `ncols` names `cols`, every row's column count
 * and shared columns, then hands the row to `row`. `id_is_concept` says whether the id column names
 * concepts (1), other components (0), or is a refset row's UUID (-1). Errors are "file:line: why". */
enum sv_err sv_rf2_read(const char *path, const char *const *cols, size_t ncols, int id_is_concept, sv_rf2_row_fn row,
			void *ctx, struct sv_error *err);

/* Checks the shared columns of a row split into `got` fields (`ncols` expected): the column count,
 * effectiveTime (yyyymmdd), active (0 or 1), the id (as sv_rf2_read's `id_is_concept` says) and
 * moduleId. SV_OK or SV_EINVAL "file:line: why". */
enum sv_err sv_rf2_check_shared(const struct sv_lines *lr, char **f, size_t got, size_t ncols, int id_is_concept,
				struct sv_error *err);

/* Streams RF2 Full file `path` as its latest state: a first pass checks every row as sv_rf2_read does
 * and then with `check` (the kind's own columns; it must not change ctx), keeping per component id (a
 * SCTID, or a refset row's UUID when id_is_concept < 0) the greatest effectiveTime and the first line
 * that carries it; a second pass hands that row, and only it, to `row`, in file order. Two rows of one
 * id with that effectiveTime but different content are refused naming both lines. Memory: 32 bytes
 * per component id (over a table at most 3/4 full), whatever the number of historical rows. Errors
 * are "file:line: why". */
enum sv_err sv_rf2_read_full(const char *path, const char *const *cols, size_t ncols, int id_is_concept,
			     sv_rf2_row_fn check, sv_rf2_row_fn row, void *ctx, struct sv_error *err);

/* A hash table of keys (a, b, c) -> uint32 value, keyed through sv_strhash() (so rows cannot flood a
 * bucket): description id -> designation, and the (concept, property, value) triples already added. */
struct sv_rf2_key {
	uint64_t a, b;
	uint32_t c;
	uint32_t val; /* UINT32_MAX: empty slot */
};
struct sv_rf2_map {
	struct sv_rf2_key *v;
	size_t cap, len; /* cap: a power of two */
};

/* Starts an empty table / frees its slots. */
void sv_rf2_map_init(struct sv_rf2_map *m);
void sv_rf2_map_release(struct sv_rf2_map *m);

/* Inserts (a, b, c) -> val (val < UINT32_MAX): returns 1, or 0 when the key is there already (its value
 * left as it was, and put in *old when old is not NULL). */
int sv_rf2_map_put(struct sv_rf2_map *m, uint64_t a, uint64_t b, uint32_t c, uint32_t val, uint32_t *old);

/* Looks (a, b, c) up: 1 with *val set, or 0. */
int sv_rf2_map_get(const struct sv_rf2_map *m, uint64_t a, uint64_t b, uint32_t c, uint32_t *val);

/* The SCTID s (checked: 6..18 digits) as a number. */
uint64_t sv_rf2_id_num(const char *s);

#endif
