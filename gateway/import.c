/* import.c — imported resources into the store, reconciled with what it holds (import.h). */
#include "samsvar/import.h"
#include "samsvar/import_merge.h"
#include "samsvar/jsonutil.h"
#include "samsvar/snapshot.h"
#include "samsvar/store.h"

#include <stdio.h>
#include <string.h>

/* Sets *latest to the highest stored version of CodeSystem `url` other than `version` (NULL if none). */
static enum sv_err latest_other(struct sv_store *st, const char *url, const char *version, cJSON **latest,
				struct sv_error *err)
{
	cJSON *versions = cJSON_CreateArray(), *v;
	const char *best = NULL;
	enum sv_err rc;

	*latest = NULL;
	rc = sv_store_versions(st, "CodeSystem", url, versions, err);
	if (rc != SV_OK)
		goto out;
	cJSON_ArrayForEach(v, versions)
		if (strcmp(v->valuestring, version) != 0 && (!best || sv_version_cmp(v->valuestring, best) > 0))
			best = v->valuestring;
	if (best && !(*latest = sv_store_get(st, "CodeSystem", url, best, err)))
		rc = err && err->code != SV_OK ? err->code : sv_fail(err, SV_ESTORE, "store: %s|%s vanished", url, best);
out:
	cJSON_Delete(versions);
	return rc;
}

/* Reconciles CodeSystem r (in place) with the store: the same version (merge) and the latest other one. */
static enum sv_err reconcile(struct sv_store *st, cJSON *r, const struct sv_import_opts *o,
			     struct sv_merge_report *rep, struct sv_error *err)
{
	const char *url = sv_jstr(r, "url"), *version = sv_jstr(r, "version");
	cJSON *old = NULL, *latest = NULL;
	enum sv_err rc = SV_OK;

	memset(rep, 0, sizeof(*rep));
	if (!url || !version)
		return SV_OK; /* sv_store_put() names what is missing */
	sv_error_clear(err); /* sv_store_get() leaves err as it was when it finds nothing */
	old = sv_store_get(st, "CodeSystem", url, version, err);
	if (!old && err && err->code != SV_OK) {
		rc = err->code;
		goto out;
	}
	if (old) {
		rc = sv_import_merge_codesystem(r, old, o->allow_shrink, rep, err);
		goto out;
	}
	if ((rc = latest_other(st, url, version, &latest, err)) != SV_OK || !latest)
		goto out;
	rc = sv_import_check_version(r, latest, o->allow_shrink, rep, err);
out:
	cJSON_Delete(old);
	cJSON_Delete(latest);
	return rc;
}

enum sv_err sv_import_store_all(struct sv_store *st, cJSON *arr, const struct sv_import_opts *o, int *stored,
				int *kept, struct sv_error *err)
{
	char detail[1200];
	cJSON *r;

	cJSON_ArrayForEach(r, arr) {
		struct sv_merge_report rep = {0};
		const char *type;
		enum sv_err rc;

		type = sv_jstr(r, "resourceType");
		if (type && strcmp(type, "CodeSystem") == 0) {
			rc = reconcile(st, r, o, &rep, err);
			if (rc != SV_OK)
				return rc;
			if (rep.note[0] && o->log)
				fprintf(o->log, "samsvar: CodeSystem %s|%s: %s\n", sv_jstr(r, "url"), sv_jstr(r, "version"),
					rep.note);
			if (rep.action == SV_MERGE_KEPT) {
				(*kept)++;
				continue;
			}
		}
		snprintf(detail, sizeof(detail), "%s%s%s", o->source ? o->source : "", rep.note[0] ? "; " : "",
			 rep.note);
		rc = sv_store_put(st, r, o->actor, detail, err);
		if (rc != SV_OK)
			return rc;
		(*stored)++;
	}
	return SV_OK;
}
