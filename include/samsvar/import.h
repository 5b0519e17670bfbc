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

#endif
