/* import_merge.h — what an imported CodeSystem does to the one the store already holds, so that
 * content is only ever added to, never silently lost.
 *
 * Same url and version (sv_import_merge_codesystem()):
 * - the import lacks concepts the stored one has, and neither is a `fragment`: refused
 *   (SV_ECONFLICT naming the codes), unless the maintainer allows a shrink explicitly;
 * - a fragment never overwrites a fuller version: the fuller one (more concepts) is kept as the base
 *   and the other's concepts it lacks are added, marked with the boolean property `not-in-edition`
 *   (resolvable, but not part of the edition loaded; CodeSystem.count stays the edition's own);
 * - designations of the other side are added (no duplicates); when the two differ in language, the
 *   stored one's language stays the code system's language and its titles the displays, the
 *   import's titles becoming designations in its language;
 * - a concept the base gives no parent (a flat list such as the SNOMED CT GPS) keeps the parents the
 *   other side knew for it, where those parents are in the result.
 * A new version that would become the latest of its url (sv_import_check_version()) with fewer
 * concepts than the latest held is refused the same way; over a fragment, it keeps the fragment's
 * concepts it lacks, marked.
 * Only CodeSystems are reconciled; these functions change cJSON trees and never touch the store. */
#ifndef SAMSVAR_IMPORT_MERGE_H
#define SAMSVAR_IMPORT_MERGE_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/snapshot.h" /* SV_PROP_NOT_IN_EDITION */

/* How many codes a refusal or a note names before "and N more". */
#define SV_MERGE_NAMED_CODES 12

enum sv_merge_action {
	SV_MERGE_REPLACED,   /* the import replaces the stored version as it is */
	SV_MERGE_MERGED,     /* the import was stored with content of the stored version added */
	SV_MERGE_KEPT,       /* the stored version already holds everything: nothing to store */
	SV_MERGE_SHRUNK      /* the import replaces a fuller version because a shrink was allowed */
};

/* What a merge did; `note` is one line for the log and the audit row ("" when nothing to say). */
struct sv_merge_report {
	enum sv_merge_action action;
	size_t carried;       /* concepts added from the other side, marked not-in-edition */
	size_t designations;  /* designations added */
	size_t parents;       /* concepts that got the parents known from the other side */
	size_t removed;       /* concepts dropped (SV_MERGE_SHRUNK only) */
	char note[512];
};

/* Reconciles the CodeSystem `fresh` with `old`, the stored CodeSystem of the same url and version, by
 * the rules above, changing `fresh` in place. On SV_OK `fresh` is what to store (when the stored
 * version is the base, `fresh` is rebuilt as that version with the import's additions) and *rep says
 * what happened; with SV_MERGE_KEPT there is nothing to store. Returns SV_ECONFLICT with err naming
 * the concepts the import lacks when the shrink is refused (allow_shrink 0), SV_EINVAL when `fresh`
 * defines a code twice; `fresh` is then untouched. */
enum sv_err sv_import_merge_codesystem(cJSON *fresh, const cJSON *old, int allow_shrink,
				       struct sv_merge_report *rep, struct sv_error *err);

/* Checks the CodeSystem `fresh` against `latest`, the highest stored version of its url (another
 * version): when `fresh` would become the latest and has fewer concepts, returns SV_ECONFLICT with
 * err naming the codes of `latest` it lacks, unless allow_shrink. When `fresh` would become the
 * latest over a `fragment`, the fragment's concepts it lacks are added to it, marked not-in-edition
 * (and its parents and designations, as a merge does), so what the maps need stays resolvable.
 * Otherwise SV_OK; `rep->note` says what was added, or names the codes dropped when a shrink was
 * allowed. */
enum sv_err sv_import_check_version(cJSON *fresh, const cJSON *latest, int allow_shrink,
				    struct sv_merge_report *rep, struct sv_error *err);

struct sv_content;

/* sv_import_check_version() for a CodeSystem held as CodeSystem `header` (without concepts) and finished
 * content `fresh`, against `latest_header` and its content `latest`: the same refusal of a shrink
 * (SV_ECONFLICT naming the codes `fresh` lacks, unless allow_shrink); over a `fragment`, *fresh is
 * replaced by a content with the fragment's concepts it lacks added, marked not-in-edition (with their
 * designations, properties and the parents they have), and the fragment's designations (and parents,
 * where a concept has none) its concepts lack; `header` gets the declarations they need. Linear in the
 * two contents. */
enum sv_err sv_import_check_version_content(cJSON *header, struct sv_content *fresh, const cJSON *latest_header,
					    const struct sv_content *latest, int allow_shrink,
					    struct sv_merge_report *rep, struct sv_error *err);

/* sv_import_merge_codesystem() for the same url and version held as contents (no JSON tree of either):
 * `*header` and finished content `fresh` are the import, `old_header` and `old` what the store holds.
 * - `fresh` lacks concepts of `old` and allow_shrink: the import as it is (SV_MERGE_SHRUNK, note naming them);
 * - `fresh` a fragment over a fuller `old` (more concepts): `old` stays the base, with the fragment's
 *   concepts it lacks added, marked not-in-edition (*header becomes a copy of old_header with the
 *   declarations they need);
 * - otherwise `fresh` is the base and the concepts of `old` it lacks are carried into it, marked; unless
 *   neither is a fragment and some of them are not marked not-in-edition already (kept from another
 *   import): then the import is refused (SV_ECONFLICT naming them), as it would remove them;
 * - either way the other side's designations (and parents, where a concept has none) are added.
 * The result points at the JSON either side was read from (their extensions): keep it until it is stored.
 * *fresh becomes the result; rep->action is SV_MERGE_KEPT when that equals `old` row for row (nothing to
 * store). Linear in the two contents. */
enum sv_err sv_import_merge_content(cJSON **header, struct sv_content *fresh, const cJSON *old_header,
				    const struct sv_content *old, int allow_shrink, struct sv_merge_report *rep,
				    struct sv_error *err);

/* A list of codes for a message, "a, b, c and N more" (SV_MERGE_NAMED_CODES named): start it with
 * sv_merge_names_init() over a buffer, add each code, then sv_merge_names_end() writes the count of
 * the others and returns how many were added. */
struct sv_merge_names {
	char *out;
	size_t cap, len, n;
};
void sv_merge_names_init(struct sv_merge_names *m, char *out, size_t cap);
void sv_merge_names_add(struct sv_merge_names *m, const char *code);
size_t sv_merge_names_end(struct sv_merge_names *m);

/* Writes into rep->note what a merge added (rep's counts), naming only what it did. */
void sv_import_merge_note(struct sv_merge_report *rep, const char *lang);

#endif
