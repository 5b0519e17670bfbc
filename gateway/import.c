/* import.c — imported resources into the store, reconciled with what it holds (import.h). */
#include "samsvar/import.h"
#include "samsvar/cscontent.h"
#include "samsvar/importer.h"
#include "samsvar/systems.h"
#include "samsvar/import_merge.h"
#include "samsvar/jsonutil.h"
#include "samsvar/snapshot.h"
#include "samsvar/store.h"
#include "samsvar/store_history.h"

#include <stdio.h>
#include <string.h>

/* Copies into best[cap] the highest stored version of CodeSystem `url` other than `version` ("" if none);
 * sets *same when `version` itself is stored. */
static enum sv_err latest_version(struct sv_store *st, const char *url, const char *version, char *best, size_t cap,
				  int *same, struct sv_error *err)
{
	cJSON *versions = cJSON_CreateArray(), *v;
	const char *b = NULL;
	enum sv_err rc;

	*same = 0;
	best[0] = '\0';
	rc = sv_store_versions(st, "CodeSystem", url, versions, err);
	cJSON_ArrayForEach(v, versions) {
		if (strcmp(v->valuestring, version) == 0)
			*same = 1;
		else if (!b || sv_version_cmp(v->valuestring, b) > 0)
			b = v->valuestring;
	}
	if (b)
		snprintf(best, cap, "%s", b);
	cJSON_Delete(versions);
	return rc;
}

/* Checks JSON CodeSystem r against `best`, the latest stored version of its url, held in the content
 * tables (an RF2 edition): compared as contents, without a JSON tree of the edition. Sets *done to 0 when
 * that edition is a `fragment` or r is not a valid content, to be checked through JSON instead. */
static enum sv_err check_against_content(struct sv_store *st, cJSON *r, const char *best, const struct sv_import_opts *o,
					 struct sv_merge_report *rep, int *done, struct sv_error *err)
{
	struct sv_content fresh, latest;
	struct sv_error ignored = {0};
	cJSON *header = NULL, *keep = NULL;
	const char *content;
	enum sv_err rc;

	*done = 0;
	sv_content_init(&fresh);
	sv_content_init(&latest);
	rc = sv_import_load_codesystem(st, sv_jstr(r, "url"), best, &header, &latest, &keep, err);
	content = sv_jstr(header, "content");
	if (rc == SV_OK && !(content && strcmp(content, "fragment") == 0) &&
	    sv_content_from_json(&fresh, r, &ignored) == SV_OK) {
		/* Not over a fragment: only the shrink rule applies, and r is stored as it came. */
		rc = sv_import_check_version_content(r, &fresh, header, &latest, o->allow_shrink, rep, err);
		*done = 1;
	}
	sv_content_release(&fresh);
	sv_content_release(&latest);
	cJSON_Delete(header);
	cJSON_Delete(keep);
	return rc;
}

/* Reconciles CodeSystem r (in place) with the store: the same version (merge) and the latest other one. */
static enum sv_err reconcile(struct sv_store *st, cJSON *r, const struct sv_import_opts *o,
			     struct sv_merge_report *rep, struct sv_error *err)
{
	const char *url = sv_jstr(r, "url"), *version = sv_jstr(r, "version");
	char best[SV_HISTORY_VERSION_MAX + 64];
	cJSON *old = NULL, *latest = NULL;
	int64_t content = 0;
	int same, done = 0;
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
	if ((rc = latest_version(st, url, version, best, sizeof(best), &same, err)) != SV_OK || !best[0] ||
	    sv_version_cmp(version, best) <= 0)
		goto out; /* an older version coexists; the latest stays what clients get */
	if ((rc = sv_store_content_of(st, url, best, &content, err)) != SV_OK)
		goto out;
	if (content && ((rc = check_against_content(st, r, best, o, rep, &done, err)) != SV_OK || done))
		goto out;
	sv_error_clear(err);
	if (!(latest = sv_store_get(st, "CodeSystem", url, best, err))) {
		rc = err && err->code != SV_OK ? err->code : sv_fail(err, SV_ESTORE, "store: %s|%s vanished", url, best);
		goto out;
	}
	rc = sv_import_check_version(r, latest, o->allow_shrink, rep, err);
out:
	cJSON_Delete(old);
	cJSON_Delete(latest);
	return rc;
}

/* A JSON CodeSystem of a version the store holds as content (an RF2 edition and the bundled fragment of
 * its version): reconciled and stored as content, so the edition never becomes one JSON row. Sets
 * *done when it was. */
static enum sv_err over_content(struct sv_store *st, const cJSON *r, const struct sv_import_opts *o, int *stored,
				int *kept, int *done, struct sv_error *err)
{
	struct sv_content c;
	int64_t content = 0;
	cJSON *header;
	enum sv_err rc;

	*done = 0;
	if (!sv_jstr(r, "url") || !sv_jstr(r, "version"))
		return SV_OK;  /* sv_store_put() names what is missing */
	if ((rc = sv_store_content_of(st, sv_jstr(r, "url"), sv_jstr(r, "version"), &content, err)) != SV_OK || !content)
		return rc;
	sv_content_init(&c);
	header = sv_content_header(r);
	if ((rc = sv_content_from_json(&c, r, err)) == SV_OK)
		rc = sv_import_store_content(st, &header, &c, o, stored, kept, err);
	*done = rc == SV_OK;
	sv_content_release(&c);
	cJSON_Delete(header);
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
			int done = 0;
			if ((rc = over_content(st, r, o, stored, kept, &done, err)) != SV_OK)
				return rc;
			if (done)
				continue;
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

enum sv_err sv_import_load_codesystem(struct sv_store *st, const char *url, const char *version, cJSON **header,
					struct sv_content *c, cJSON **keep, struct sv_error *err)
{
	int64_t content = 0;
	char id[128];
	struct sv_rev rev;
	enum sv_err rc;

	*header = *keep = NULL;
	if ((rc = sv_store_content_of(st, url, version, &content, err)) != SV_OK)
		return rc;
	if (content) {
		/* The resource row holds the header only; the concepts are rows. */
		if ((rc = sv_history_find(st, "CodeSystem", url, version, id, sizeof(id), err)) != SV_OK)
			return rc == SV_ENOTFOUND ? sv_fail(err, SV_ENOTFOUND, "CodeSystem %s|%s is not stored", url, version)
						  : rc;
		if ((rc = sv_history_head(st, "CodeSystem", id, &rev, header, err)) != SV_OK)
			return rc;
		if (!*header)
			return sv_fail(err, SV_ENOTFOUND, "CodeSystem %s|%s is not stored", url, version);
		if ((rc = sv_store_content_header(st, content, *header, err)) != SV_OK)
			return rc;
		return sv_store_content_load(st, content, c, err);
	}
	sv_error_clear(err);
	if (!(*keep = sv_store_get(st, "CodeSystem", url, version, err)))
		return err && err->code != SV_OK ? err->code
						 : sv_fail(err, SV_ENOTFOUND, "CodeSystem %s|%s is not stored", url, version);
	if ((rc = sv_content_from_json(c, *keep, err)) != SV_OK)
		return rc;
	*header = sv_content_header(*keep);
	return SV_OK;
}

/* The same version is stored (as content or as JSON): reconciled as contents, *c replaced by the result. */
static enum sv_err reconcile_same(struct sv_store *st, cJSON **header, struct sv_content *c,
				  const struct sv_import_opts *o, struct sv_merge_report *rep, cJSON **old_keep,
				  struct sv_content *old, struct sv_error *err)
{
	cJSON *old_header = NULL;
	enum sv_err rc;

	rc = sv_import_load_codesystem(st, sv_jstr(*header, "url"), sv_jstr(*header, "version"), &old_header, old,
				       old_keep, err);
	if (rc == SV_OK)
		rc = sv_import_merge_content(header, c, old_header, old, o->allow_shrink, rep, err);
	cJSON_Delete(old_header);
	return rc;
}

enum sv_err sv_import_store_content(struct sv_store *st, cJSON **header, struct sv_content *c,
				    const struct sv_import_opts *o, int *stored, int *kept, struct sv_error *err)
{
	const char *url = sv_jstr(*header, "url"), *version = sv_jstr(*header, "version");
	char best[SV_HISTORY_VERSION_MAX + 64], detail[1200];
	struct sv_merge_report rep = {0};
	struct sv_content latest;
	cJSON *latest_header = NULL, *latest_keep = NULL;
	int same = 0;
	enum sv_err rc;

	sv_content_init(&latest);
	if (!url || !version) {
		rc = sv_fail(err, SV_EINVAL, "content is stored with a CodeSystem that has a url and a version");
		goto out;
	}
	if ((rc = latest_version(st, url, version, best, sizeof(best), &same, err)) != SV_OK)
		goto out;
	if (same)
		rc = reconcile_same(st, header, c, o, &rep, &latest_keep, &latest, err);
	else if (best[0] && sv_version_cmp(version, best) > 0 &&
		 (rc = sv_import_load_codesystem(st, url, best, &latest_header, &latest, &latest_keep, err)) == SV_OK)
		rc = sv_import_check_version_content(*header, c, latest_header, &latest, o->allow_shrink, &rep, err);
	if (rc != SV_OK)
		goto out;
	url = sv_jstr(*header, "url");
	version = sv_jstr(*header, "version");
	if (rep.note[0] && o->log)
		fprintf(o->log, "samsvar: CodeSystem %s|%s: %s\n", url, version, rep.note);
	if (rep.action == SV_MERGE_KEPT) {
		(*kept)++;
		goto out;
	}
	snprintf(detail, sizeof(detail), "%s%s%s", o->source ? o->source : "", rep.note[0] ? "; " : "", rep.note);
	if ((rc = sv_store_put_content(st, *header, c, o->actor, detail, err)) == SV_OK)
		(*stored)++;
out:
	sv_content_release(&latest);
	cJSON_Delete(latest_header);
	cJSON_Delete(latest_keep);
	return rc;
}

enum sv_err sv_import_rf2_read(struct sv_store *st, const char *dir, const char *base, FILE *log, cJSON **header,
			       struct sv_content *c, struct sv_error *err)
{
	struct sv_content b;
	struct sv_rf2_opts ro = { .log = log };
	cJSON *base_header = NULL, *base_keep = NULL;
	enum sv_err rc = SV_OK;

	*header = NULL;
	sv_content_init(&b);
	if (base) {
		rc = sv_import_load_codesystem(st, SV_SYS_SNOMED, base, &base_header, &b, &base_keep, err);
		if (rc == SV_ENOTFOUND)
			rc = sv_fail_at(err, SV_ENOTFOUND, "base", "the base edition " SV_SYS_SNOMED "|%.200s is not stored "
					"(import it first; the stored versions are listed by GET /fhir/CodeSystem?url="
					SV_SYS_SNOMED ")", base);
		if (rc != SV_OK)
			goto out;
		ro.base = &b;
		ro.base_header = base_header;
	}
	rc = sv_import_snomed_rf2_content(dir, &ro, header, c, err);
out:
	/* The result holds copies of what it took from the base. */
	sv_content_release(&b);
	cJSON_Delete(base_header);
	cJSON_Delete(base_keep);
	return rc;
}

enum sv_err sv_import_rf2(struct sv_store *st, const char *dir, const char *base, const struct sv_import_opts *o,
			  int *stored, int *kept, struct sv_error *err)
{
	struct sv_content c;
	cJSON *header = NULL;
	enum sv_err rc;

	sv_content_init(&c);
	rc = sv_import_rf2_read(st, dir, base, o->log, &header, &c, err);
	if (rc == SV_OK)
		rc = sv_import_store_content(st, &header, &c, o, stored, kept, err);
	sv_content_release(&c);
	cJSON_Delete(header);
	return rc;
}
