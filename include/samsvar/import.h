/* import.h — puts imported resources into the store under the rule that content is only ever added
 * to, never silently lost: each CodeSystem is reconciled with the version(s) the store holds
 * (import_merge.h) before it is stored. The CLI (`samsvar import`, the first load of `serve`) calls
 * this; a write API can call it the same way. */
#ifndef SAMSVAR_IMPORT_H
#define SAMSVAR_IMPORT_H

#include <stdio.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"

struct sv_store;

struct sv_import_opts {
	const char *actor;   /* who, for the audit rows */
	const char *source;  /* what was imported, for the audit rows (e.g. "--icf-tsv icf.tsv") */
	int allow_shrink;    /* the maintainer allows an import to remove concepts */
	FILE *log;           /* one line per CodeSystem a merge changed or kept; NULL for none */
};

/* Stores every resource of JSON array `arr` (resources may be modified or replaced in it) in `st`;
 * the caller holds the transaction and rolls it back on failure. Adds to *stored the resources
 * written and to *kept those left out because the store already held all they bring. Returns SV_OK,
 * SV_ECONFLICT when a CodeSystem would lose concepts (err names them), or the store's error. */
enum sv_err sv_import_store_all(struct sv_store *st, cJSON *arr, const struct sv_import_opts *o, int *stored,
				int *kept, struct sv_error *err);

struct sv_content;

/* Stores CodeSystem *header (without `concept`) with its finished content `c` (an RF2 edition) in the
 * content tables, by the rules sv_import_store_all() applies to a JSON CodeSystem: the same url and
 * version already stored (as JSON or as content) is reconciled through JSON (sv_import_merge_codesystem;
 * *header and *c are replaced by the result); a new version that becomes the latest is checked against
 * the latest held without a JSON tree per concept (sv_import_check_version_content: a shrink refused, a
 * fragment's concepts carried, *c replaced). The caller holds the transaction. Adds 1 to *stored, or to
 * *kept when the store held everything already; logs and audits as sv_import_store_all(). Returns SV_OK,
 * SV_ECONFLICT (a refused shrink, err naming the codes), SV_EINVAL, or the store's error. */
enum sv_err sv_import_store_content(struct sv_store *st, cJSON **header, struct sv_content *c,
				    const struct sv_import_opts *o, int *stored, int *kept, struct sv_error *err);

/* Reads stored CodeSystem url|version as *header (a new CodeSystem without `concept`) and its concepts
 * into the empty content `c`, finished: from the content tables, or from its JSON (then *keep is the
 * whole resource c points into, to free after c; else NULL). Returns SV_OK, SV_ENOTFOUND naming the
 * version when it is not stored, or the store's error. */
enum sv_err sv_import_load_codesystem(struct sv_store *st, const char *url, const char *version, cJSON **header,
					struct sv_content *c, cJSON **keep, struct sv_error *err);

/* Reads the RF2 snapshot folder `dir` (sv_import_snomed_rf2_content()) into the empty content `c` and
 * *header; with `base` (a stored version of http://snomed.info/sct, e.g. the international edition's
 * version URI) the folder is an extension module applied on top of that edition's content. Returns as
 * the importer, or SV_ENOTFOUND naming a base version that is not stored (expression "base"). `st` is
 * read only for `base` (NULL allowed without one). What was read but not applied (language refset rows
 * naming a description in neither the folder nor the base) is noted on `log` (NULL: nowhere). */
enum sv_err sv_import_rf2_read(struct sv_store *st, const char *dir, const char *base, FILE *log, cJSON **header,
			       struct sv_content *c, struct sv_error *err);

/* Imports the RF2 snapshot folder `dir` (sv_import_rf2_read()) and stores it with sv_import_store_content(). With
 * `base` (a stored version of http://snomed.info/sct, e.g. the international edition's version URI), the
 * folder is an extension module applied on top of that edition's content and stored as its own version;
 * the base stays as it is. The importer's notes go to o->log. Returns as sv_import_store_content(), the importer's errors ("file:line:
 * why"), or SV_ENOTFOUND naming a base version that is not stored. */
enum sv_err sv_import_rf2(struct sv_store *st, const char *dir, const char *base, const struct sv_import_opts *o,
			  int *stored, int *kept, struct sv_error *err);

#endif
