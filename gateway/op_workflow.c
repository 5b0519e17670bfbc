/* op_workflow.c — the draft → active → retired workflow: {type}/{id}/$publish and {type}/$rollback.
 * Each is one transaction holding the status changes and their audit rows; the snapshot is rebuilt
 * before the answer, so the next request reads what was published. */
#include "samsvar/fhirapi.h"
#include "samsvar/request.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/store_history.h"
#include "samsvar/writer.h"

#include <stdio.h>
#include <string.h>

#define REASON_MAX 1000

/* Reads the required `reason` (at most REASON_MAX bytes). */
static enum sv_err read_reason(struct sv_request *req, const char **reason)
{
	*reason = sv_params_string(req->params, "reason");
	if (!*reason || !**reason)
		return sv_fail_at(&req->err, SV_EREQUIRED, "reason", "$%s needs a reason: it is kept in the audit "
				  "trail", req->operation);
	if (strlen(*reason) > REASON_MAX)
		return sv_fail_at(&req->err, SV_ETOOBIG, "reason", "reason is longer than %d bytes", REASON_MAX);
	return SV_OK;
}

/* Stores the current resource (type, id) again with `status`, recording `action`. */
static enum sv_err set_status(struct sv_request *req, struct sv_store *st, const char *id, const char *status,
			      const char *action, const struct sv_actor *who, struct sv_rev *now, cJSON **stored)
{
	struct sv_rev rev;
	cJSON *res = NULL;
	enum sv_err rc;

	if ((rc = sv_history_head(st, req->type, id, &rev, &res, &req->err)) != SV_OK)
		return rc;
	if (!res)
		return sv_fail(&req->err, SV_ENOTFOUND, "%s/%s is not known", req->type, id);
	cJSON_DeleteItemFromObjectCaseSensitive(res, "status");
	cJSON_AddStringToObject(res, "status", status);
	rc = sv_history_write(st, req->type, id, res, action, who, now, &req->err);
	cJSON_Delete(res);
	if (rc == SV_OK && stored)
		rc = sv_history_head(st, req->type, id, now, stored, &req->err);
	return rc;
}

/* Makes (type, id) active and retires the other active version of its url, in the caller's
 * transaction; *stored gets the activated resource. */
static enum sv_err activate(struct sv_request *req, struct sv_store *st, const char *id, const char *url,
			    const char *action, const struct sv_actor *who, struct sv_rev *now, cJSON **stored)
{
	char other[80];
	struct sv_rev retired;
	enum sv_err rc;

	rc = sv_history_find_status(st, req->type, url, "active", id, other, sizeof(other), &req->err);
	if (rc == SV_OK)
		rc = set_status(req, st, other, "retired", "retire", who, &retired, NULL);
	else if (rc == SV_ENOTFOUND)
		rc = SV_OK;
	if (rc != SV_OK)
		return rc;
	return set_status(req, st, id, "active", action, who, now, stored);
}

/* Commits and answers the activated resource with its version headers. */
static enum sv_err finish(struct sv_request *req, const struct sv_rev *now, cJSON *stored, cJSON **out)
{
	enum sv_err rc = sv_writer_commit(req->writer, &req->err);

	if (rc != SV_OK) {
		cJSON_Delete(stored);
		return rc;
	}
	sv_resp_header_set(req->headers, "ETag", "W/\"%ld\"", now->vid);
	*out = stored;
	return SV_OK;
}

enum sv_err sv_op_publish(struct sv_request *req, cJSON **out, int *status)
{
	struct sv_actor who = {req->who ? req->who->name : NULL, req->peer, NULL};
	struct sv_store *st;
	struct sv_rev rev, now;
	cJSON *stored = NULL;
	enum sv_err rc;

	(void)status;
	if (!req->writer)
		return sv_fail(&req->err, SV_EUNAVAILABLE, "this server does not take changes");
	if (!req->id)
		return sv_fail(&req->err, SV_EINVAL, "$publish names the draft: POST /fhir/%s/{id}/$publish", req->type);
	if ((rc = read_reason(req, &who.reason)) != SV_OK)
		return rc;
	if ((rc = sv_req_begin_existing(req, &st, &rev)) != SV_OK)
		return rc;
	if (strcmp(rev.status, "draft") != 0) {
		rc = sv_fail_at(&req->err, SV_EUNPROCESSABLE, "status", "%s/%s is %s: only a draft can be published",
				req->type, req->id, rev.status);
		goto fail;
	}
	if (req->cfg->publish_requires_second_person) {
		char editor[128];
		rc = sv_history_last_editor(st, req->type, req->id, &rev, editor, sizeof(editor), &req->err);
		if (rc != SV_OK && rc != SV_ENOTFOUND)
			goto fail;
		if (rc == SV_OK && who.name && strcmp(editor, who.name) == 0) {
			rc = sv_fail(&req->err, SV_EFORBIDDEN, "%s/%s was last edited by %s: another person must "
				     "publish it (publish_requires_second_person)", req->type, req->id, editor);
			goto fail;
		}
	}
	if ((rc = activate(req, st, req->id, rev.url, "publish", &who, &now, &stored)) != SV_OK)
		goto fail;
	return finish(req, &now, stored, out);
fail:
	sv_writer_abort(req->writer);
	return rc;
}

enum sv_err sv_op_rollback(struct sv_request *req, cJSON **out, int *status)
{
	struct sv_actor who = {req->who ? req->who->name : NULL, req->peer, NULL};
	const char *url = sv_params_string(req->params, "url"), *version = sv_params_string(req->params, "version");
	struct sv_store *st;
	struct sv_rev rev, now;
	cJSON *stored = NULL;
	char id[80];
	enum sv_err rc;

	(void)status;
	if (!req->writer)
		return sv_fail(&req->err, SV_EUNAVAILABLE, "this server does not take changes");
	if (req->id)
		return sv_fail(&req->err, SV_EINVAL, "$rollback is called on the type: POST /fhir/%s/$rollback?url=..."
			       "&version=...", req->type);
	if (!url || !version)
		return sv_fail_at(&req->err, SV_EREQUIRED, url ? "version" : "url", "$rollback needs url and version "
				  "of the version to make active again");
	if ((rc = read_reason(req, &who.reason)) != SV_OK)
		return rc;
	if (!(st = sv_writer_begin(req->writer, &req->err)))
		return req->err.code;
	rc = sv_history_find(st, req->type, url, version, id, sizeof(id), &req->err);
	if (rc == SV_ENOTFOUND)
		rc = sv_fail_at(&req->err, SV_ENOTFOUND, "version", "%s %.300s|%.100s is not stored", req->type, url,
				version);
	if (rc != SV_OK || (rc = sv_history_head(st, req->type, id, &rev, NULL, &req->err)) != SV_OK)
		goto fail;
	if (strcmp(rev.status, "retired") != 0) {
		rc = sv_fail_at(&req->err, SV_EUNPROCESSABLE, "version", "%s %.300s|%.100s is %s: only a retired "
				"version can be made active again", req->type, url, version, rev.status);
		goto fail;
	}
	if ((rc = activate(req, st, id, url, "rollback", &who, &now, &stored)) != SV_OK)
		goto fail;
	return finish(req, &now, stored, out);
fail:
	sv_writer_abort(req->writer);
	return rc;
}
