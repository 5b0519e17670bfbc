/* fixtures.h — terminology fixtures shared by the unit tests. Each skips the test visibly when the
 * shared file it needs is absent, and fails it when the content does not load. */
#ifndef SAMSVAR_TEST_FIXTURES_H
#define SAMSVAR_TEST_FIXTURES_H

#include <cjson/cJSON.h>
#include "samsvar/fhirapi.h"
#include "samsvar/snapshot.h"

/* Returns the parsed JSON of `text`, a test's own literal; fails the test, saying where, if it does
 * not parse (without cJSON's global error pointer, which other threads may move). */
cJSON *ts_parse_json(const char *text);

/* Returns the parsed JSON of shared file `rel` (e.g. "terminology/fsiii-codesystem-20240530.json"). */
cJSON *ts_shared_json(const char *rel);

/* Returns the whole ICF (terminology/icf.tsv) as a CodeSystem with id "icf", through the real importer. */
cJSON *ts_icf(void);

/* Builds a snapshot from the resources in JSON array `arr` (ownership moves in). */
struct sv_snapshot *ts_snapshot_of(cJSON *arr);

/* Prepares a GET request of resource `type` (may be NULL) on `snap` with default configuration in
 * *cfg and an empty Parameters (freed by the caller with cJSON_Delete(req->params)). */
void ts_request_init(struct sv_request *req, struct sv_snapshot *snap, struct sv_config *cfg, const char *type);

/* Returns a new JSON array of the resources given (ownership moves in); the list ends with NULL. */
cJSON *ts_list(cJSON *first, ...);

/* Runs handler `fn` (sv_fhirapi_dispatch too) on `req` after freeing the previous *result and clearing
 * req->err. Asserts an answer exactly on SV_OK (a well-formed one when it is a Parameters) and the
 * returned code in req->err otherwise. Sets *status when not NULL; returns what `fn` returned. */
enum sv_err ts_run(struct sv_request *req, sv_handler_fn fn, cJSON **result, int *status);

/* The teardown of a handler test: frees the last answer, the request's parameters and the snapshot. */
void ts_request_release(struct sv_request *req, cJSON *result, struct sv_snapshot *snap);

#endif
