/* op_import.c — POST /fhir/$import?kind=...: the release files `samsvar import` reads, sent over HTTP
 * by a maintainer, stored as new drafts (checked as every write is, then published with $publish).
 *
 * The body (at most max_import_body bytes: http.c keeps it in a temporary file and maps it) is the
 * file itself; `kind` names its format as the CLI's flag does. A SNOMED CT RF2 release comes as the ZIP
 * it is distributed as: its snapshot files are unpacked (unzip.h, with its zip-slip and size checks)
 * into a private temporary folder that the CLI's RF2 importer reads and that is removed afterwards. An import only adds: a resource whose url and version are already stored is a
 * conflict, so no import replaces content. All resources of one body go in one transaction. */
#include "samsvar/content.h"
#include "samsvar/fhirapi.h"
#include "samsvar/importer.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/store_history.h"
#include "samsvar/unzip.h"
#include "samsvar/write_check.h"
#include "samsvar/writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KINDS "fhir, content, icf-claml, icf-tsv, snomed-gps, snomed-rf2"

/* Writes the body to a new private temporary file (the importers read files); path gets its name. */
static enum sv_err body_to_file(struct sv_request *req, char *path, size_t cap)
{
	const char *dir = getenv("TMPDIR");
	size_t done = 0;
	int fd;

	snprintf(path, cap, "%s/samsvar-import-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return sv_fail(&req->err, SV_EIO, "$import: cannot make a temporary file: %s", strerror(errno));
	while (done < req->raw_len) {
		ssize_t n = write(fd, req->raw + done, req->raw_len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(path);
			return sv_fail(&req->err, SV_EIO, "$import: cannot write a temporary file: %s", strerror(errno));
		}
		done += (size_t)n;
	}
	close(fd);
	return SV_OK;
}

/* Runs the importer of `kind` on `path`: a new JSON array of resources, or NULL with req->err set. */
static cJSON *run_importer(struct sv_request *req, const char *kind, const char *path)
{
	struct sv_error *err = &req->err;
	cJSON *one = NULL, *arr;

	if (strcmp(kind, "fhir") == 0)
		return sv_import_fhir_file(path, err);
	if (strcmp(kind, "content") == 0)
		one = sv_content_load_file(path, req->cfg->canonical_base, err);
	else if (strcmp(kind, "icf-claml") == 0)
		one = sv_import_icf_claml(path, err);
	else if (strcmp(kind, "icf-tsv") == 0)
		one = sv_import_icf_tsv(path, err);
	else
		one = sv_import_snomed_gps(path, err);
	if (!one)
		return NULL;
	arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, one);
	return arr;
}

/* Says `what` ("the body") where an importer's message names the temporary file or folder `path`. */
static void name_the_body(struct sv_error *err, const char *path, const char *what)
{
	char *at = strstr(err->message, path);
	char rest[sizeof(err->message)];

	if (!at)
		return;
	snprintf(rest, sizeof(rest), "%s", at + strlen(path));
	snprintf(at, sizeof(err->message) - (size_t)(at - err->message), "%s%s", what, rest);
}

/* Unpacks the zipped RF2 release of the body into a new private temporary folder, runs the CLI's RF2
 * importer on it and removes the folder, whatever happened. Returns a new JSON array holding the
 * CodeSystem, or NULL with req->err set (messages say "the archive" for the folder). */
static cJSON *run_rf2(struct sv_request *req)
{
	const char *tmp = getenv("TMPDIR");
	char dir[600];
	cJSON *cs = NULL, *arr;

	snprintf(dir, sizeof(dir), "%s/samsvar-rf2-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		sv_fail(&req->err, SV_EIO, "$import: cannot make a temporary folder: %s", strerror(errno));
		return NULL;
	}
	if (sv_unzip_rf2(req->raw, req->raw_len, dir, req->cfg->max_import_unzipped_bytes, &req->err) ==
	    SV_OK)
		cs = sv_import_snomed_rf2(dir, &req->err);
	sv_unzip_remove_dir(dir);
	if (!cs) {
		name_the_body(&req->err, dir, "the archive");
		return NULL;
	}
	arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, cs);
	return arr;
}

/* The content the resources of one body are checked against: what is served, and, when the body
 * holds several (a Bundle with a code system and a map using it), those too. NULL with req->err set
 * when they cannot be served together. */
static struct sv_snapshot *check_against(struct sv_request *req, const cJSON *arr)
{
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	const cJSON *r;

	if (cJSON_GetArraySize(arr) < 2) {
		atomic_fetch_add(&req->snap->refs, 1);
		return req->snap;
	}
	/* A request layer over what is served (snapshot.h): the body's resources are found first,
	 * the rest is shared, not copied. */
	sv_builder_init(&b);
	cJSON_ArrayForEach(r, arr)
		if (sv_builder_add(&b, cJSON_Duplicate(r, 1), &req->err) != SV_OK)
			break;
	if (req->err.code != SV_OK || sv_snapshot_layer(req->snap, &b, &s, &req->err) != SV_OK)
		s = NULL;
	sv_builder_release(&b);
	return s;
}

/* Makes each imported resource a draft of the server's own (no id or meta of another server's) and
 * checks it; a problem in any makes *outcome a 422 OperationOutcome listing them all. */
static enum sv_err prepare_all(struct sv_request *req, cJSON *arr, cJSON **outcome)
{
	struct sv_snapshot *snap;
	cJSON *r;
	int i = -1;

	*outcome = NULL;
	cJSON_ArrayForEach(r, arr) {
		cJSON_DeleteItemFromObjectCaseSensitive(r, "id");
		cJSON_DeleteItemFromObjectCaseSensitive(r, "meta");
		cJSON_DeleteItemFromObjectCaseSensitive(r, "status");
		cJSON_AddStringToObject(r, "status", "draft");
	}
	if (!(snap = check_against(req, arr))) {
		char why[sizeof(req->err.message)];
		snprintf(why, sizeof(why), "%s", req->err.message);
		return sv_fail(&req->err, SV_EUNPROCESSABLE, "the resources of the body cannot be served together: %s",
			       why);
	}
	cJSON_ArrayForEach(r, arr) {
		cJSON *oo, *issue;
		i++;
		if (!(oo = sv_write_check(snap, r)))
			continue;
		/* Each issue says which resource of the body it is about. */
		cJSON_ArrayForEach(issue, cJSON_GetObjectItemCaseSensitive(oo, "issue")) {
			cJSON *details = cJSON_GetObjectItemCaseSensitive(issue, "details");
			char text[700];
			snprintf(text, sizeof(text), "resource %d (%s %s|%s): %s", i, sv_jstr(r, "resourceType"),
				 sv_jstr(r, "url") ? sv_jstr(r, "url") : "", sv_jstr(r, "version") ? sv_jstr(r, "version") : "",
				 sv_jstr(details, "text") ? sv_jstr(details, "text") : "");
			cJSON_ReplaceItemInObjectCaseSensitive(details, "text", cJSON_CreateString(text));
			cJSON_ReplaceItemInObjectCaseSensitive(issue, "diagnostics", cJSON_CreateString(text));
		}
		if (!*outcome) {
			*outcome = oo;
		} else {
			cJSON *issues = cJSON_DetachItemFromObjectCaseSensitive(oo, "issue"), *it;
			while ((it = cJSON_DetachItemFromArray(issues, 0)))
				cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(*outcome, "issue"), it);
			cJSON_Delete(issues);
			cJSON_Delete(oo);
		}
	}
	sv_snapshot_release(snap);
	return SV_OK;
}

/* Stores every resource of `arr` as a new draft in one transaction; adds a `created` parameter per
 * resource to `out`. */
static enum sv_err store_all(struct sv_request *req, cJSON *arr, const struct sv_actor *who, cJSON *out)
{
	struct sv_store *st;
	const cJSON *r;
	enum sv_err rc = SV_OK;

	if (!(st = sv_writer_begin(req->writer, &req->err)))
		return req->err.code;
	cJSON_ArrayForEach(r, arr) {
		const char *type = sv_jstr(r, "resourceType"), *url = sv_jstr(r, "url"), *version = sv_jstr(r, "version");
		char id[80], ref[200];
		struct sv_rev rev;
		cJSON *p, *value;
		rc = sv_history_find(st, type, url, version, id, sizeof(id), &req->err);
		if (rc == SV_OK) {
			rc = sv_fail_at(&req->err, SV_ECONFLICT, "version", "%s %.300s|%.100s is already stored as %s/%s: an "
					"import adds, never replaces; give the new content a new version", type, url,
					version, type, id);
			break;
		}
		if (rc != SV_ENOTFOUND ||
		    (rc = sv_history_new_id(st, type, url, version, id, sizeof(id), &req->err)) != SV_OK ||
		    (rc = sv_history_write(st, type, id, r, "create", who, &rev, &req->err)) != SV_OK)
			break;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", "created");
		value = cJSON_AddObjectToObject(p, "valueReference");
		snprintf(ref, sizeof(ref), "%s/%s/_history/%ld", type, id, rev.vid);
		cJSON_AddStringToObject(value, "reference", ref);
		snprintf(ref, sizeof(ref), "%.120s|%.70s", url, version);
		cJSON_AddStringToObject(value, "display", ref);
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(out, "parameter"), p);
	}
	if (rc != SV_OK) {
		sv_writer_abort(req->writer);
		return rc;
	}
	return sv_writer_commit(req->writer, &req->err);
}

enum sv_err sv_op_import(struct sv_request *req, cJSON **out, int *status)
{
	static const char *const kinds[] = {"fhir", "content", "icf-claml", "icf-tsv", "snomed-gps", "snomed-rf2"};
	const char *kind = sv_params_string(req->params, "kind");
	struct sv_actor who = {req->who ? req->who->name : NULL, req->peer, NULL};
	cJSON *arr = NULL, *outcome = NULL, *answer;
	char path[600], reason[64];
	size_t k = 0;
	enum sv_err rc;

	if (!req->writer)
		return sv_fail(&req->err, SV_EUNAVAILABLE, "this server does not take changes");
	if (!kind)
		return sv_fail_at(&req->err, SV_EREQUIRED, "kind", "$import needs kind, the format of the body: "
				  KINDS " (as samsvar import's flags)");
	while (k < sizeof(kinds) / sizeof(kinds[0]) && strcmp(kind, kinds[k]) != 0)
		k++;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return sv_fail_at(&req->err, SV_EINVAL, "kind", "kind '%.40s' is not one of " KINDS, kind);
	if (!req->raw || !req->raw_len)
		return sv_fail(&req->err, SV_EREQUIRED, "$import needs the file as the body");
	if (strcmp(kind, "snomed-rf2") == 0) {
		if (!(arr = run_rf2(req)))
			return req->err.code;
	} else {
		if ((rc = body_to_file(req, path, sizeof(path))) != SV_OK)
			return rc;
		arr = run_importer(req, kind, path);
		unlink(path);
		if (!arr) {
			name_the_body(&req->err, path, "the body");
			return req->err.code;
		}
	}
	if ((rc = prepare_all(req, arr, &outcome)) != SV_OK) {
		cJSON_Delete(arr);
		return rc;
	}
	if (outcome) {
		cJSON_Delete(arr);
		*out = outcome;
		*status = 422;
		return SV_OK;
	}
	snprintf(reason, sizeof(reason), "$import kind=%s", kind);
	who.reason = reason;
	answer = sv_params_new();
	cJSON_AddArrayToObject(answer, "parameter");
	rc = store_all(req, arr, &who, answer);
	cJSON_Delete(arr);
	if (rc != SV_OK) {
		cJSON_Delete(answer);
		return rc;
	}
	*out = answer;
	return SV_OK;
}
