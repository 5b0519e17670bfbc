/* op_import.c — POST /fhir/$import?kind=...: the release files `samsvar import` reads, sent over HTTP
 * by a maintainer, stored as new drafts (checked as every write is, then published with $publish).
 *
 * The body (at most max_import_body bytes: http.c keeps it in a temporary file and maps it) is the
 * file itself; `kind` names its format as the CLI's flag does. A SNOMED CT RF2 release comes as the ZIP
 * it is distributed as: its snapshot files are unpacked (unzip.h, with its zip-slip and size checks)
 * into a private temporary folder that the CLI's RF2 importer reads and that is removed afterwards; the
 * edition goes to the content tables (store.h), on top of a stored edition when `base` names one (an
 * extension module, as `samsvar import --snomed-base`). An import only adds: a resource whose url and
 * version are already stored is a conflict, so no import replaces content. All resources of one body go
 * in one transaction. */
#include "samsvar/content.h"
#include "samsvar/cscontent.h"
#include "samsvar/import.h"
#include "samsvar/fhirapi.h"
#include "samsvar/importer.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/store.h"
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

/* The `n` bytes of `text` with every `path` in them (a temporary file or folder) said as `what` ("the
 * body"), as a new string. */
static char *name_the_path(const char *text, size_t n, const char *path, const char *what)
{
	size_t pl = strlen(path), wl = strlen(what), k = 0;
	char *out = sv_xmalloc(n + (n / pl + 1) * wl + 1);

	for (size_t i = 0; i < n;) {
		if (n - i >= pl && memcmp(text + i, path, pl) == 0) {
			memcpy(out + k, what, wl);
			k += wl;
			i += pl;
		} else {
			out[k++] = text[i++];
		}
	}
	out[k] = '\0';
	return out;
}

/* Says `what` ("the body") where an importer's message names the temporary file or folder `path`. */
static void name_the_body(struct sv_error *err, const char *path, const char *what)
{
	char *text = name_the_path(err->message, strlen(err->message), path, what);

	snprintf(err->message, sizeof(err->message), "%s", text);
	free(text);
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

/* Writes into id[cap] the id of a new resource url|version, or fails with a conflict when that version
 * is stored already (an import adds, never replaces). */
static enum sv_err new_id(struct sv_request *req, struct sv_store *st, const char *type, const char *url,
			  const char *version, char *id, size_t cap)
{
	enum sv_err rc = sv_history_find(st, type, url, version, id, cap, &req->err);

	if (rc == SV_OK)
		return sv_fail_at(&req->err, SV_ECONFLICT, "version", "%s %.300s|%.100s is already stored as %s/%s: an "
				  "import adds, never replaces; give the new content a new version", type, url, version,
				  type, id);
	if (rc != SV_ENOTFOUND)
		return rc;
	return sv_history_new_id(st, type, url, version, id, cap, &req->err);
}

/* Adds the `created` parameter of one stored resource to the answer `out`. */
static void add_created(cJSON *out, const char *type, const char *id, const char *url, const char *version, long vid)
{
	cJSON *p = cJSON_CreateObject(), *value;
	char ref[200];

	cJSON_AddStringToObject(p, "name", "created");
	value = cJSON_AddObjectToObject(p, "valueReference");
	snprintf(ref, sizeof(ref), "%s/%s/_history/%ld", type, id, vid);
	cJSON_AddStringToObject(value, "reference", ref);
	snprintf(ref, sizeof(ref), "%.120s|%.70s", url, version);
	cJSON_AddStringToObject(value, "display", ref);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(out, "parameter"), p);
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
		char id[80];
		struct sv_rev rev;
		if ((rc = new_id(req, st, type, url, version, id, sizeof(id))) != SV_OK ||
		    (rc = sv_history_write(st, type, id, r, "create", who, &rev, &req->err)) != SV_OK)
			break;
		add_created(out, type, id, url, version, rev.vid);
	}
	if (rc != SV_OK) {
		sv_writer_abort(req->writer);
		return rc;
	}
	return sv_writer_commit(req->writer, &req->err);
}

/* The importer's notes `notes` (lines "samsvar: why", on what it read but could not apply) as warnings
 * of an `outcome` parameter of answer `out`, the temporary folder `dir` named "the archive". */
static void add_notes(cJSON *out, const char *notes, const char *dir)
{
	static const char prefix[] = "samsvar: ";
	cJSON *oo = NULL, *p;

	for (const char *line = notes, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		size_t n;
		char *text;
		cJSON *one;

		nl = strchr(line, '\n');
		n = nl ? (size_t)(nl - line) : strlen(line);
		if (n >= sizeof(prefix) - 1 && strncmp(line, prefix, sizeof(prefix) - 1) == 0) {
			line += sizeof(prefix) - 1;
			n -= sizeof(prefix) - 1;
		}
		text = name_the_path(line, n, dir, "the archive");
		one = sv_outcome_new("warning", "not-found", text);
		free(text);
		if (!oo) {
			oo = one;
			continue;
		}
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(oo, "issue"),
				     cJSON_DetachItemFromArray(cJSON_GetObjectItemCaseSensitive(one, "issue"), 0));
		cJSON_Delete(one);
	}
	if (!oo)
		return;
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", "outcome");
	cJSON_AddItemToObject(p, "resource", oo);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(out, "parameter"), p);
}

/* Imports the RF2 edition unpacked in `dir` (on top of stored edition `base` when not NULL) and stores it
 * as a new draft in the content tables, in one transaction; sets *out to the answer, or to a 422
 * OperationOutcome when the CodeSystem does not pass the write checks. What the importer read but could
 * not apply is told in a stored import's answer (add_notes) and, in every case, on the server's log. */
static enum sv_err store_rf2(struct sv_request *req, const char *dir, const char *base, const struct sv_actor *who,
			     cJSON **out, int *status)
{
	struct sv_content c;
	cJSON *header = NULL, *oo;
	struct sv_store *st;
	struct sv_rev rev;
	char id[80], *notes = NULL;
	size_t nnotes = 0;
	FILE *log = open_memstream(&notes, &nnotes), *to = log ? log : stderr;
	enum sv_err rc;

	sv_content_init(&c);
	/* Seconds of parsing: outside the writer's lock, so other writes and the reload go on meanwhile.
	 * An extension reads its base edition from the store, inside the transaction it is stored in. */
	if (!base && (rc = sv_import_rf2_read(NULL, dir, NULL, to, &header, &c, &req->err)) != SV_OK)
		goto out;
	if (!(st = sv_writer_begin(req->writer, &req->err))) {
		rc = req->err.code;
		goto out;
	}
	if (base && (rc = sv_import_rf2_read(st, dir, base, to, &header, &c, &req->err)) != SV_OK)
		goto abort;
	cJSON_DeleteItemFromObjectCaseSensitive(header, "status");
	cJSON_AddStringToObject(header, "status", "draft");
	/* The concepts are unique by construction (the importer refuses a concept twice): the header's
	 * identity and status are what the write checks look at. */
	if ((oo = sv_write_check(req->snap, header))) {
		*out = oo;
		*status = 422;
		rc = SV_OK;
		goto abort;
	}
	if ((rc = new_id(req, st, "CodeSystem", sv_jstr(header, "url"), sv_jstr(header, "version"), id, sizeof(id))) !=
	    SV_OK)
		goto abort;
	cJSON_AddStringToObject(header, "id", id);
	if ((rc = sv_store_put_content(st, header, &c, who->name, who->reason, &req->err)) != SV_OK ||
	    (rc = sv_history_head(st, "CodeSystem", id, &rev, NULL, &req->err)) != SV_OK)
		goto abort;
	if ((rc = sv_writer_commit(req->writer, &req->err)) != SV_OK)
		goto out;
	*out = sv_params_new();
	cJSON_AddArrayToObject(*out, "parameter");
	add_created(*out, "CodeSystem", id, sv_jstr(header, "url"), sv_jstr(header, "version"), rev.vid);
	if (log && fflush(log) == 0)
		add_notes(*out, notes, dir);
	goto out;
abort:
	sv_writer_abort(req->writer);
out:
	/* The notes go to the server's log whatever the answer: a refused import's too. */
	if (log && fclose(log) == 0 && notes && *notes)
		fputs(notes, stderr);
	free(notes);
	sv_content_release(&c);
	cJSON_Delete(header);
	return rc;
}

/* kind=snomed-rf2: unpacks the zipped release of the body into a new private temporary folder, imports
 * and stores it (store_rf2) and removes the folder, whatever happened (messages say "the archive"). */
static enum sv_err run_rf2(struct sv_request *req, const struct sv_actor *who, cJSON **out, int *status)
{
	const char *tmp = getenv("TMPDIR"), *base = sv_params_string(req->params, "base");
	char dir[600];
	enum sv_err rc;

	snprintf(dir, sizeof(dir), "%s/samsvar-rf2-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return sv_fail(&req->err, SV_EIO, "$import: cannot make a temporary folder: %s", strerror(errno));
	rc = sv_unzip_rf2(req->raw, req->raw_len, dir, req->cfg->max_import_unzipped_bytes, &req->err);
	if (rc == SV_OK)
		rc = store_rf2(req, dir, base, who, out, status);
	sv_unzip_remove_dir(dir);
	if (rc != SV_OK)
		name_the_body(&req->err, dir, "the archive");
	return rc;
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
	if (sv_params_string(req->params, "base") && strcmp(kind, "snomed-rf2") != 0)
		return sv_fail_at(&req->err, SV_EINVAL, "base", "base (the edition an RF2 extension module extends) "
				  "goes with kind=snomed-rf2 only");
	snprintf(reason, sizeof(reason), "$import kind=%s", kind);
	who.reason = reason;
	if (strcmp(kind, "snomed-rf2") == 0)
		return run_rf2(req, &who, out, status);
	if ((rc = body_to_file(req, path, sizeof(path))) != SV_OK)
		return rc;
	arr = run_importer(req, kind, path);
	unlink(path);
	if (!arr) {
		name_the_body(&req->err, path, "the body");
		return req->err.code;
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
