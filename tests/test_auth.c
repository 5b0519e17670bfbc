/* test_auth.c — roles, the principal check every route goes through (dispatch and the whole
 * exchange, with tokens from a real store), and response headers. */
#include "samsvar/auth.h"
#include "samsvar/exchange.h"
#include "samsvar/fhirapi.h"
#include "samsvar/headers.h"
#include "samsvar/store.h"
#include "samsvar/token.h"
#include "support/daemon.h"
#include "support/fixtures.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

Test(auth, roles_parse_and_name_round_trip)
{
	static const char *const names[] = {"reader", "maintainer", "publisher", "admin"};
	struct sv_error err;
	enum sv_role r;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cr_assert_eq(sv_role_parse(names[i], &r, &err), SV_OK);
		cr_assert_str_eq(sv_role_name(r), names[i]);
	}
	cr_assert_eq(sv_role_parse("anonymous", &r, &err), SV_EINVAL);
	cr_assert_eq(sv_role_parse("Admin", &r, &err), SV_EINVAL);
	cr_assert_eq(sv_role_parse(NULL, &r, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "maintainer"));
}

Test(auth, permits_by_order_of_roles)
{
	struct sv_principal m = {"kari", SV_ROLE_MAINTAINER};
	struct sv_error err;

	cr_assert_eq(sv_auth_permits(NULL, SV_ROLE_NONE, &err), SV_OK);
	cr_assert_eq(sv_auth_permits(NULL, SV_ROLE_READER, &err), SV_EUNAUTH);
	cr_assert(strstr(err.message, "Bearer"));
	cr_assert_eq(sv_auth_permits(&m, SV_ROLE_READER, &err), SV_OK);
	cr_assert_eq(sv_auth_permits(&m, SV_ROLE_MAINTAINER, &err), SV_OK);
	cr_assert_eq(sv_auth_permits(&m, SV_ROLE_PUBLISHER, &err), SV_EFORBIDDEN);
	cr_assert(strstr(err.message, "kari") && strstr(err.message, "publisher"), "%s", err.message);
}

Test(headers, set_replaces_and_neutralises_control_characters)
{
	struct sv_resp_headers hs = {0};

	sv_resp_header_set(&hs, "ETag", "W/\"%d\"", 1);
	sv_resp_header_set(&hs, "Location", "http://x/fhir/ConceptMap/a/_history/%d", 2);
	sv_resp_header_set(&hs, "etag", "W/\"%d\"", 3);
	cr_assert_eq(hs.n, 2);
	cr_assert_str_eq(sv_resp_header_get(&hs, "ETAG"), "W/\"3\"");
	sv_resp_header_set(&hs, "X-Test", "a\r\nb");
	cr_assert_str_eq(sv_resp_header_get(&hs, "X-Test"), "a  b");
	cr_assert_null(sv_resp_header_get(&hs, "Last-Modified"));
	sv_resp_headers_release(&hs);
	cr_assert_eq(hs.n, 0);
	cr_assert_null(sv_resp_header_get(&hs, "ETag"));
}

/* ---- the role each path needs, and dispatch ---------------------------------------------------- */

static const char CS[] =
	"{\"resourceType\":\"CodeSystem\",\"id\":\"t\",\"url\":\"http://example.org/t\",\"version\":\"1\","
	"\"status\":\"active\",\"content\":\"complete\",\"concept\":[{\"code\":\"a\",\"display\":\"A\"}]}";

Test(auth, least_role_per_path_and_mode)
{
	struct sv_snapshot *snap = ts_snapshot_of(ts_list(ts_parse_json(CS), NULL));
	struct sv_config cfg;
	struct sv_request req;

	ts_request_init(&req, snap, &cfg, "CodeSystem");
	req.operation = "lookup";
	cr_assert_eq(sv_fhirapi_least(&req), SV_ROLE_NONE, "auth = writes: reads are open");
	cfg.auth = SV_AUTH_ALL;
	cr_assert_eq(sv_fhirapi_least(&req), SV_ROLE_READER);
	req.operation = NULL;
	req.id = "t";
	cr_assert_eq(sv_fhirapi_least(&req), SV_ROLE_READER, "a read, which has no route of its own");
	req.type = "Nothing";
	cr_assert_eq(sv_fhirapi_least(&req), SV_ROLE_READER, "an unknown path says nothing to anonymous");
	req.type = "metadata";
	req.id = NULL;
	cr_assert_eq(sv_fhirapi_least(&req), SV_ROLE_NONE, "the CapabilityStatement stays open");
	ts_request_release(&req, NULL, snap);
}

Test(auth, dispatch_checks_the_principal_on_every_path)
{
	struct sv_snapshot *snap = ts_snapshot_of(ts_list(ts_parse_json(CS), NULL));
	struct sv_principal reader = {"ola", SV_ROLE_READER};
	struct sv_config cfg;
	struct sv_request req;
	cJSON *result = NULL;
	int status;

	ts_request_init(&req, snap, &cfg, "CodeSystem");
	cfg.auth = SV_AUTH_ALL;
	req.id = "t";
	cr_assert_eq(ts_run(&req, sv_fhirapi_dispatch, &result, &status), SV_EUNAUTH);
	cr_assert(strstr(req.err.message, "reader"), "%s", req.err.message);
	req.who = &reader;
	cr_assert_eq(ts_run(&req, sv_fhirapi_dispatch, &result, &status), SV_OK, "%s", req.err.message);
	cr_assert_str_eq(cJSON_GetObjectItem(result, "id")->valuestring, "t");
	req.who = NULL;
	req.id = NULL;
	req.type = "metadata";
	cr_assert_eq(ts_run(&req, sv_fhirapi_dispatch, &result, &status), SV_OK, "%s", req.err.message);
	cfg.auth = SV_AUTH_WRITES;
	req.type = "CodeSystem";
	req.id = "t";
	cr_assert_eq(ts_run(&req, sv_fhirapi_dispatch, &result, &status), SV_OK, "auth = writes: %s",
		     req.err.message);
	ts_request_release(&req, result, snap);
}

Test(auth, a_known_principal_below_the_role_is_forbidden_not_unauthenticated)
{
	struct sv_snapshot *snap = ts_snapshot_of(ts_list(ts_parse_json(CS), NULL));
	/* No token carries a role below reader; a principal without one stands for any role too low
	 * for its route (the write routes will name maintainer and publisher). */
	struct sv_principal nobody = {"guest", SV_ROLE_NONE};
	struct sv_config cfg;
	struct sv_request req;
	cJSON *result = NULL, *oo;
	int status;

	ts_request_init(&req, snap, &cfg, "CodeSystem");
	cfg.auth = SV_AUTH_ALL;
	req.id = "t";
	req.who = &nobody;
	cr_assert_eq(ts_run(&req, sv_fhirapi_dispatch, &result, &status), SV_EFORBIDDEN);
	cr_assert_eq(sv_err_http_status(req.err.code), 403);
	oo = sv_outcome_from_error(&req.err);
	cr_assert_str_eq(ts_issue_code(oo), "forbidden");
	cr_assert(strstr(req.err.message, "guest") && strstr(req.err.message, "reader"), "%s", req.err.message);
	cJSON_Delete(oo);
	ts_request_release(&req, result, snap);
}

/* ---- the whole exchange: Authorization header, WWW-Authenticate, the answer cache ------------- */

struct fake {
	const char *authorization;
};

static const char *fake_header(void *ctx, const char *name)
{
	const struct fake *f = ctx;
	if (strcasecmp(name, "Authorization") == 0)
		return f->authorization;
	if (strcasecmp(name, "Accept") == 0)
		return "application/fhir+json";
	return NULL;
}

static char dbpath[64];
static struct sv_store *st;
static struct sv_tokens *tokens;
static struct sv_registry reg;
static struct sv_config cfg;
static struct sv_service svc;
static char reader_h[80], admin_h[80];

static void exchange_setup(void)
{
	char tok[SV_TOKEN_LEN + 1];
	unsigned char hash[SV_TOKEN_HASH_LEN];
	struct sv_error err;

	st = ts_temp_store(dbpath);
	sv_token_mint(tok);
	sv_token_hash(tok, strlen(tok), hash);
	cr_assert_eq(sv_store_token_add(st, "ola", "reader", hash, &err), SV_OK);
	snprintf(reader_h, sizeof(reader_h), "Bearer %s", tok);
	sv_token_mint(tok);
	sv_token_hash(tok, strlen(tok), hash);
	cr_assert_eq(sv_store_token_add(st, "kari", "admin", hash, &err), SV_OK);
	snprintf(admin_h, sizeof(admin_h), "Bearer %s", tok);
	tokens = sv_tokens_new();
	cr_assert_eq(sv_tokens_load(tokens, st, &err), SV_OK, "%s", err.message);
	sv_config_defaults(&cfg);
	cfg.log_requests = 0;
	sv_registry_init(&reg, ts_snapshot_of(ts_list(ts_parse_json(CS), NULL)));
	svc.cfg = &cfg;
	svc.reg = &reg;
	svc.tokens = tokens;
}

static void exchange_teardown(void)
{
	sv_registry_release(&reg);
	sv_tokens_free(tokens);
	sv_store_close(st);
	ts_remove_store(dbpath);
}

/* Runs `method` `target` with the Authorization header `authz` (NULL: none); returns the status and
 * leaves the WWW-Authenticate value (or "") in www. */
static int run(const char *method, const char *target, const char *authz, char *www, size_t cap)
{
	struct fake f = {authz};
	struct sv_exchange x;
	const char *w;
	int status;

	memset(&x, 0, sizeof(x));
	x.method = method;
	x.target = target;
	x.target_len = strlen(target);
	x.header = fake_header;
	x.header_ctx = &f;
	sv_exchange_run(&svc, &x);
	w = sv_resp_header_get(&x.headers, "WWW-Authenticate");
	snprintf(www, cap, "%s", w ? w : "");
	cr_assert(x.bytes && (strncmp(target, "/fhir", 5) != 0 || strstr(x.bytes, "resourceType")),
		  "no FHIR answer for %s", target);
	status = x.status;
	free(x.bytes);
	sv_resp_headers_release(&x.headers);
	return status;
}

TestSuite(exchange_auth, .init = exchange_setup, .fini = exchange_teardown);

Test(exchange_auth, auth_all_needs_a_token_and_the_cache_does_not_bypass_it)
{
	const char *lookup = "/fhir/CodeSystem/$lookup?system=http://example.org/t&code=a";
	char www[600];

	cfg.auth = SV_AUTH_ALL;
	cr_assert_eq(run("GET", lookup, reader_h, www, sizeof(www)), 200);
	cr_assert_str_eq(www, "");
	cr_assert_eq(run("GET", lookup, reader_h, www, sizeof(www)), 200, "the cached answer");
	cr_assert_eq(run("GET", lookup, NULL, www, sizeof(www)), 401, "the cached answer went to anonymous");
	cr_assert_str_eq(www, "Bearer realm=\"samsvar\"");
	cr_assert_eq(run("GET", lookup, "Bearer sv_guess", www, sizeof(www)), 401);
	cr_assert_str_eq(www, "Bearer realm=\"samsvar\", error=\"invalid_token\"");
	cr_assert_eq(run("HEAD", "/fhir/CodeSystem/t", NULL, www, sizeof(www)), 401);
	cr_assert_eq(run("GET", "/fhir/CodeSystem/t", admin_h, www, sizeof(www)), 200, "admin reads too");
	cr_assert_eq(run("GET", "/fhir/metadata", NULL, www, sizeof(www)), 200, "metadata is open");
	cr_assert_eq(run("GET", "/healthz", NULL, www, sizeof(www)), 200, "probes are open");
}

Test(exchange_auth, auth_writes_keeps_reads_open_but_refuses_a_bad_token)
{
	char www[600], huge[SV_AUTH_HEADER_MAX + 40];

	cfg.auth = SV_AUTH_WRITES;
	cr_assert_eq(run("GET", "/fhir/CodeSystem/t", NULL, www, sizeof(www)), 200);
	cr_assert_eq(run("GET", "/fhir/CodeSystem/t", reader_h, www, sizeof(www)), 200);
	cr_assert_eq(run("GET", "/fhir/CodeSystem/t", "Bearer sv_revoked", www, sizeof(www)), 401,
		     "a bad token passed on an open route");
	cr_assert(strstr(www, "invalid_token"), "%s", www);
	cr_assert_eq(run("GET", "/fhir/metadata", "Basic a2FyaTpwdw==", www, sizeof(www)), 401);
	snprintf(huge, sizeof(huge), "Bearer %0*d", SV_AUTH_HEADER_MAX, 7);
	cr_assert_eq(run("GET", "/fhir/metadata", huge, www, sizeof(www)), 401);
	cr_assert_eq(run("GET", "/readyz", "Bearer sv_bad", www, sizeof(www)), 200, "probes ignore tokens");
}

Test(exchange_auth, a_revoke_reaches_the_exchange_with_the_next_load)
{
	struct sv_error err;
	char www[600];

	cfg.auth = SV_AUTH_ALL;
	cr_assert_eq(run("GET", "/fhir/CodeSystem/t", reader_h, www, sizeof(www)), 200);
	cr_assert_eq(sv_store_token_revoke(st, "ola", &err), SV_OK);
	cr_assert_eq(sv_tokens_load(tokens, st, &err), SV_OK);
	cr_assert_eq(run("GET", "/fhir/CodeSystem/t", reader_h, www, sizeof(www)), 401);
	cr_assert_eq(run("GET", "/fhir/CodeSystem/t", admin_h, www, sizeof(www)), 200);
}
