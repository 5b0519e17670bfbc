/* fixtures.c — shared terminology fixtures for unit tests. */
#include "support/fixtures.h"
#include "support/support.h"
#include "samsvar/importer.h"
#include "samsvar/params.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

cJSON *ts_parse_json(const char *text)
{
	const char *end = text;
	cJSON *j = cJSON_ParseWithLengthOpts(text, strlen(text), &end, 0);

	cr_assert_not_null(j, "test JSON does not parse near: %.60s", end);
	return j;
}

cJSON *ts_shared_json(const char *rel)
{
	char *path, *text;
	cJSON *j;

	TS_REQUIRE_SHARED(path, rel);
	text = ts_read_file(path, NULL);
	cr_assert_not_null(text, "cannot read %s", path);
	j = cJSON_Parse(text);
	cr_assert_not_null(j, "%s is not JSON", path);
	free(text);
	free(path);
	return j;
}

cJSON *ts_icf(void)
{
	struct sv_error err = {0};
	char *path;
	cJSON *cs;

	TS_REQUIRE_SHARED(path, "terminology/icf.tsv");
	cs = sv_import_icf_tsv(path, &err);
	cr_assert_not_null(cs, "%s", err.message);
	cJSON_AddStringToObject(cs, "id", "icf");
	free(path);
	return cs;
}

struct sv_snapshot *ts_snapshot_of(cJSON *arr)
{
	struct sv_snapshot_builder b;
	struct sv_error err = {0};
	struct sv_snapshot *s;
	cJSON *it;

	cr_assert_not_null(arr, "fixture JSON does not parse");
	sv_builder_init(&b);
	while ((it = cJSON_DetachItemFromArray(arr, 0)) != NULL)
		cr_assert_eq(sv_builder_add(&b, it, &err), SV_OK, "%s", err.message);
	cJSON_Delete(arr);
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(s, "%s", err.message);
	return s;
}

/* The answer headers of the request a test prepares (a handler may set them; never NULL). */
static _Thread_local struct sv_resp_headers answer_headers;

void ts_request_init(struct sv_request *req, struct sv_snapshot *snap, struct sv_config *cfg, const char *type)
{
	sv_config_defaults(cfg);
	memset(req, 0, sizeof(*req));
	req->method = "GET";
	req->type = type;
	req->params = sv_params_new();
	req->snap = snap;
	req->cfg = cfg;
	req->fhir_version = 4;
	req->headers = &answer_headers;
	answer_headers.n = 0;
}

cJSON *ts_list(cJSON *first, ...)
{
	cJSON *arr = cJSON_CreateArray();
	va_list ap;

	va_start(ap, first);
	for (cJSON *it = first; it; it = va_arg(ap, cJSON *))
		cJSON_AddItemToArray(arr, it);
	va_end(ap);
	return arr;
}

enum sv_err ts_run(struct sv_request *req, sv_handler_fn fn, cJSON **result, int *status)
{
	int st = 200;
	enum sv_err rc;
	const char *type;

	cJSON_Delete(*result);
	*result = NULL;
	sv_error_clear(&req->err);
	rc = fn(req, result, &st);
	if (status)
		*status = st;
	if (rc != SV_OK) {
		cr_assert_null(*result, "no answer on error");
		cr_assert_eq(req->err.code, rc, "err carries the code returned");
		return rc;
	}
	cr_assert_not_null(*result);
	type = cJSON_GetStringValue(cJSON_GetObjectItem(*result, "resourceType"));
	if (type && strcmp(type, "Parameters") == 0)
		cr_assert_eq(sv_params_check(*result, NULL), SV_OK, "the answer is a well-formed Parameters");
	return rc;
}

void ts_request_release(struct sv_request *req, cJSON *result, struct sv_snapshot *snap)
{
	cJSON_Delete(result);
	cJSON_Delete(req->params);
	req->params = NULL;
	sv_snapshot_release(snap);
}
