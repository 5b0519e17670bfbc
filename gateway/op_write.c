/* op_write.c — the write API's REST interactions on CodeSystem, ValueSet and ConceptMap: create
 * (POST), update or create (PUT), delete (DELETE, drafts only), history and version reads, with
 * versionId/ETag/Last-Modified and If-Match. Only drafts change; $publish (op_workflow.c) freezes. */
#include "samsvar/bundle.h"
#include "samsvar/conceptmap_r5.h"
#include "samsvar/fhirapi.h"
#include "samsvar/request.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/store_history.h"
#include "samsvar/write_check.h"
#include "samsvar/writer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Writes the HTTP-date (RFC 9110) of FHIR instant `iso` ("YYYY-MM-DDThh:mm:ssZ") into buf; "" when
 * it is not one. */
static void http_date(const char *iso, char *buf, size_t cap)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	buf[0] = '\0';
	if (!iso || !(end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm)))
		return;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void set_version_headers(struct sv_request *req, const char *vid, const char *updated)
{
	char date[64];

	if (vid)
		sv_resp_header_set(req->headers, "ETag", "W/\"%s\"", vid);
	http_date(updated, date, sizeof(date));
	if (date[0])
		sv_resp_header_set(req->headers, "Last-Modified", "%s", date);
}

static void set_rev_headers(struct sv_request *req, const struct sv_rev *rev)
{
	char vid[24];
	snprintf(vid, sizeof(vid), "%ld", rev->vid);
	set_version_headers(req, vid, rev->updated);
}

void sv_op_read_headers(struct sv_request *req)
{
	char tag;
	const void *r;
	const cJSON *res, *meta;

	if (!req->type || !req->id || req->operation || req->history || !req->snap)
		return;
	if (strcmp(req->type, "CodeSystem") == 0)
		tag = 'C';
	else if (strcmp(req->type, "ValueSet") == 0)
		tag = 'V';
	else if (strcmp(req->type, "ConceptMap") == 0)
		tag = 'M';
	else if (strcmp(req->type, "Library") == 0)
		tag = 'L';
	else
		return;
	if (!(r = sv_snapshot_by_id(req->snap, tag, req->id)))
		return;
	res = tag == 'C' ? ((const struct sv_codesystem *)r)->resource : ((const struct sv_resource *)r)->resource;
	meta = cJSON_GetObjectItemCaseSensitive(res, "meta");
	set_version_headers(req, sv_jstr(meta, "versionId"), sv_jstr(meta, "lastUpdated"));
}

/* Reads an ETag as a client sends it in If-Match: W/"N" or "N"; returns N, or -1 when malformed. */
static long etag_vid(const char *etag)
{
	char *end;
	long v;

	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	if (*etag++ != '"' || !isdigit((unsigned char)*etag))
		return -1;
	v = strtol(etag, &end, 10);
	return strcmp(end, "\"") == 0 && v > 0 ? v : -1;
}

/* The If-Match check of an update or delete of the resource at state `rev` (vid 0: none), and
 * If-None-Match: * (HTTP's "only if it does not exist yet": a PUT that creates, never overwrites). */
static enum sv_err check_if_match(struct sv_request *req, const struct sv_rev *rev)
{
	long want;

	if (req->if_none_match) {
		if (strcmp(req->if_none_match, "*") != 0)
			return sv_fail_at(&req->err, SV_EINVAL, "If-None-Match", "a write takes If-None-Match: * only "
					  "(create if absent), not '%.60s'", req->if_none_match);
		if (rev->vid && !rev->deleted)
			return sv_fail_at(&req->err, SV_EPRECONDITION, "If-None-Match", "%s/%s exists (version %ld): "
					  "If-None-Match: * creates only", req->type, req->id ? req->id : "", rev->vid);
	}
	if (!req->if_match)
		return SV_OK;
	if ((want = etag_vid(req->if_match)) < 0)
		return sv_fail_at(&req->err, SV_EINVAL, "If-Match", "If-Match '%.60s' is not an ETag of this server "
				  "(W/\"versionId\")", req->if_match);
	if (!rev->vid || rev->deleted || want != rev->vid)
		return sv_fail_at(&req->err, SV_EPRECONDITION, "If-Match", "%s/%s is at version %ld, not %ld: "
				  "read it again and redo the change", req->type, req->id ? req->id : "",
				  rev->deleted ? 0 : rev->vid, want);
	return SV_OK;
}

static enum sv_err need_writer(struct sv_request *req)
{
	if (!req->writer)
		return sv_fail(&req->err, SV_EUNAVAILABLE, "this server does not take changes");
	return SV_OK;
}

/* FHIR ids: [A-Za-z0-9-.]{1,64}. */
static int valid_id(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++)
		if (!isalnum((unsigned char)id[n]) && id[n] != '-' && id[n] != '.')
			return 0;
	return n >= 1 && n <= 64;
}

/* Checks what every write body must be: a resource of the path's type (and id, for PUT), then its
 * content. SV_OK with *outcome set means a 422 answer listing the problems. */
static enum sv_err check_body(struct sv_request *req, cJSON **outcome)
{
	const char *rt = sv_jstr(req->body, "resourceType"), *id = sv_jstr(req->body, "id");

	*outcome = NULL;
	if (!req->body)
		return sv_fail(&req->err, SV_EREQUIRED, "%s needs a %s in the body", req->method, req->type);
	if (!rt || strcmp(rt, req->type) != 0)
		return sv_fail_at(&req->err, SV_EINVAL, "resourceType", "the body is a %s, the path names %s",
				  rt ? rt : "resource without resourceType", req->type);
	if (req->id && (!id || strcmp(id, req->id) != 0))
		return sv_fail_at(&req->err, SV_EINVAL, "id", "the body's id ('%.64s') must be the id in the path "
				  "('%.64s')", id ? id : "", req->id);
	*outcome = sv_write_check(req->snap, req->body);
	return SV_OK;
}

/* Answers a stored change: the resource as stored (with meta), ETag, Last-Modified, and for a new
 * resource 201 with Location. */
static void answer_stored(struct sv_request *req, const char *id, const struct sv_rev *rev, cJSON *stored,
			  int created, cJSON **out, int *status)
{
	set_rev_headers(req, rev);
	if (created) {
		sv_resp_header_set(req->headers, "Location", "/fhir/%s/%s/_history/%ld", req->type, id, rev->vid);
		*status = 201;
	}
	*out = stored;
}

/* Stores req->body as (type, id); `creating` is 1 for POST. */
static enum sv_err store_body(struct sv_request *req, const char *given_id, int creating, cJSON **out, int *status)
{
	struct sv_actor who = {req->who ? req->who->name : NULL, req->peer, NULL};
	struct sv_store *st;
	struct sv_rev rev, now;
	cJSON *outcome = NULL, *stored = NULL;
	char id[72];
	enum sv_err rc;

	if ((rc = need_writer(req)) != SV_OK || (rc = check_body(req, &outcome)) != SV_OK)
		return rc;
	if (outcome) {
		*out = outcome;
		*status = 422;
		return SV_OK;
	}
	if (!(st = sv_writer_begin(req->writer, &req->err)))
		return req->err.code;
	if (creating) {
		if ((rc = sv_history_new_id(st, req->type, sv_jstr(req->body, "url"), sv_jstr(req->body, "version"),
					    id, sizeof(id), &req->err)) != SV_OK)
			goto fail;
		rev.vid = 0;
	} else {
		snprintf(id, sizeof(id), "%s", given_id);
		if ((rc = sv_history_head(st, req->type, id, &rev, NULL, &req->err)) != SV_OK ||
		    (rc = check_if_match(req, &rev)) != SV_OK)
			goto fail;
		if (rev.vid && !rev.deleted && strcmp(rev.status, "draft") != 0) {
			rc = sv_fail_at(&req->err, SV_EUNPROCESSABLE, "status", "%s/%s is %s: only a draft can be "
					"changed; create a new version (a new version element) as a draft instead",
					req->type, id, rev.status);
			goto fail;
		}
	}
	creating = !rev.vid || rev.deleted;
	if ((rc = sv_history_write(st, req->type, id, req->body, creating ? "create" : "update", &who, &now,
				   &req->err)) != SV_OK ||
	    (rc = sv_history_head(st, req->type, id, &now, &stored, &req->err)) != SV_OK)
		goto fail;
	if ((rc = sv_writer_commit(req->writer, &req->err)) != SV_OK) {
		cJSON_Delete(stored);
		return rc;
	}
	answer_stored(req, id, &now, stored, creating, out, status);
	return SV_OK;
fail:
	sv_writer_abort(req->writer);
	return rc;
}

enum sv_err sv_op_create(struct sv_request *req, cJSON **out, int *status)
{
	return store_body(req, NULL, 1, out, status);
}

enum sv_err sv_op_update(struct sv_request *req, cJSON **out, int *status)
{
	if (!valid_id(req->id))
		return sv_fail_at(&req->err, SV_EINVAL, "id", "'%.64s' is not a FHIR id ([A-Za-z0-9-.]{1,64})", req->id);
	return store_body(req, req->id, 0, out, status);
}

enum sv_err sv_op_delete(struct sv_request *req, cJSON **out, int *status)
{
	struct sv_actor who = {req->who ? req->who->name : NULL, req->peer, NULL};
	struct sv_store *st;
	struct sv_rev rev, gone;
	char text[200];
	enum sv_err rc;

	(void)status;
	if ((rc = need_writer(req)) != SV_OK)
		return rc;
	if ((rc = sv_req_begin_existing(req, &st, &rev)) != SV_OK)
		return rc;
	if ((rc = check_if_match(req, &rev)) != SV_OK)
		goto fail;
	if (strcmp(rev.status, "draft") != 0) {
		rc = sv_fail_at(&req->err, SV_EUNPROCESSABLE, "status", "%s/%s is %s: only a draft can be deleted",
				req->type, req->id, rev.status);
		goto fail;
	}
	if ((rc = sv_history_delete(st, req->type, req->id, &who, &gone, &req->err)) != SV_OK)
		goto fail;
	if ((rc = sv_writer_commit(req->writer, &req->err)) != SV_OK)
		return rc;
	snprintf(text, sizeof(text), "%s/%s deleted (version %ld)", req->type, req->id, gone.vid);
	*out = sv_outcome_new("information", "informational", text);
	return SV_OK;
fail:
	sv_writer_abort(req->writer);
	return rc;
}

/* A version as the request's FHIR version wants it (R5 reshapes ConceptMap); NULL with req->err set. */
static cJSON *in_version(struct sv_request *req, cJSON *res)
{
	struct sv_error e = {0};
	cJSON *r5;

	if (req->fhir_version < 5 || strcmp(req->type, "ConceptMap") != 0 || !res->child)
		return res;
	r5 = sv_conceptmap_to_r5(res, &e);
	cJSON_Delete(res);
	if (!r5)
		sv_fail(&req->err, SV_EINTERNAL, "ConceptMap/%s cannot be given in the R5 shape: %s", req->id, e.message);
	return r5;
}

/* GET {type}/{id}/_history/{vid}. */
static enum sv_err vread(struct sv_request *req, struct sv_store *st, cJSON **out)
{
	char *end;
	long vid = strtol(req->vid, &end, 10);
	int deleted = 0;
	cJSON *res, *meta;

	if (*end || vid < 1 || !isdigit((unsigned char)req->vid[0]))
		return sv_fail(&req->err, SV_ENOTFOUND, "'%.30s' is not a versionId of %s/%s", req->vid, req->type,
			       req->id);
	sv_error_clear(&req->err);
	res = sv_history_version(st, req->type, req->id, vid, &deleted, &req->err);
	if (!res)
		return req->err.code ? req->err.code :
		       sv_fail(&req->err, SV_ENOTFOUND, "%s/%s has no version %ld", req->type, req->id, vid);
	if (deleted) {
		cJSON_Delete(res);
		return sv_fail(&req->err, SV_ENOTFOUND, "version %ld of %s/%s is its deletion", vid, req->type, req->id);
	}
	meta = cJSON_GetObjectItemCaseSensitive(res, "meta");
	set_version_headers(req, sv_jstr(meta, "versionId"), sv_jstr(meta, "lastUpdated"));
	if (!(*out = in_version(req, res)))
		return req->err.code;
	return SV_OK;
}

/* One entry of a history Bundle from a row of sv_history_list(). */
static cJSON *history_entry(struct sv_request *req, cJSON *row, long first_vid)
{
	cJSON *entry = cJSON_CreateObject(), *request, *response, *res;
	long vid = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "vid"));
	int deleted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(row, "deleted"));
	char url[300], etag[32], *full = sv_bundle_full_url(req, req->type, req->id);

	/* The resource's URL, not the version's: a fullUrl is never version-specific (bdl-8). */
	cJSON_AddStringToObject(entry, "fullUrl", full);
	free(full);
	res = cJSON_DetachItemFromObjectCaseSensitive(row, "resource");
	if (res && !(res = in_version(req, res))) {
		cJSON_Delete(entry);
		return NULL;
	}
	if (res)
		cJSON_AddItemToObject(entry, "resource", res);
	request = cJSON_AddObjectToObject(entry, "request");
	/* The write that reproduces this version: PUT {type}/{id} for a creation too (POST {type} would
	 * not keep the id), DELETE for a removal. */
	cJSON_AddStringToObject(request, "method", deleted ? "DELETE" : "PUT");
	snprintf(url, sizeof(url), "%s/%s", req->type, req->id);
	cJSON_AddStringToObject(request, "url", url);
	response = cJSON_AddObjectToObject(entry, "response");
	cJSON_AddStringToObject(response, "status", deleted ? "204" : vid == first_vid ? "201" : "200");
	snprintf(etag, sizeof(etag), "W/\"%ld\"", vid);
	cJSON_AddStringToObject(response, "etag", etag);
	cJSON_AddStringToObject(response, "lastModified", sv_jstr(row, "updated"));
	return entry;
}

enum sv_err sv_op_history(struct sv_request *req, cJSON **out, int *status)
{
	static const char *const known[] = {"_count", "_offset", "_total"};
	struct sv_store *st;
	struct sv_page pg;
	cJSON *rows = NULL, *bundle = NULL, *row;
	long total = 0, first_vid = 1;
	char path[200];
	enum sv_err rc;

	if ((rc = need_writer(req)) != SV_OK)
		return rc;
	if (!req->vid && sv_search_unknown(req, known, sizeof(known) / sizeof(known[0]), out, status))
		return SV_OK;
	if (!req->vid && (rc = sv_page_read(req, 100, &pg)) != SV_OK)
		return rc;
	st = sv_writer_read(req->writer);
	if (req->vid) {
		rc = vread(req, st, out);
		goto out;
	}
	rows = cJSON_CreateArray();
	if ((rc = sv_history_list(st, req->type, req->id, pg.offset, pg.count, rows, &total, &req->err)) != SV_OK)
		goto out;
	if (total == 0) {
		rc = sv_fail(&req->err, SV_ENOTFOUND, "%s/%s is not known", req->type, req->id);
		goto out;
	}
	/* Version 1 was the create; a page that does not reach back to it has none. */
	bundle = sv_bundle_new("history");
	snprintf(path, sizeof(path), "%s/%.64s/_history", req->type, req->id);
	sv_bundle_page(bundle, req, path, &pg, total, known, sizeof(known) / sizeof(known[0]));
	cJSON_ArrayForEach(row, rows) {
		cJSON *entry = history_entry(req, row, first_vid), *entries;
		if (!entry) {
			rc = req->err.code;
			goto out;
		}
		if (!(entries = cJSON_GetObjectItemCaseSensitive(bundle, "entry")))
			entries = cJSON_AddArrayToObject(bundle, "entry");
		cJSON_AddItemToArray(entries, entry);
	}
	*out = bundle;
	bundle = NULL;
	rc = SV_OK;
out:
	sv_writer_done(req->writer);
	cJSON_Delete(rows);
	cJSON_Delete(bundle);
	return rc;
}
