/* exchange.c — one request from the wire to its answer bytes, whatever transport carried it. */
#include "samsvar/exchange.h"
#include "samsvar/compress.h"
#include "samsvar/fhirapi.h"
#include "samsvar/http_body.h"
#include "samsvar/jsonutil.h"
#include "samsvar/op_messages.h"
#include "samsvar/params.h"
#include "samsvar/respcache.h"
#include "samsvar/rest.h"
#include "samsvar/strmap.h"
#include "samsvar/text.h"
#include "samsvar/url.h"
#include "samsvar/utf8.h"
#include "samsvar/uuid.h"
#include "samsvar/web.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *content_type(enum sv_format fmt, int fhir_version)
{
	/* An R5 answer says so in its media type (fhirVersion parameter), so clients can tell it from R4. */
	if (fmt == SV_FMT_XML)
		return fhir_version >= 5 ? "application/fhir+xml; fhirVersion=5.0; charset=utf-8" :
		       "application/fhir+xml; charset=utf-8";
	return fhir_version >= 5 ? "application/fhir+json; fhirVersion=5.0; charset=utf-8" :
	       "application/fhir+json; charset=utf-8";
}

static const char *header(const struct sv_exchange *x, const char *name)
{
	return x->header ? x->header(x->header_ctx, name) : NULL;
}

/* Puts the OperationOutcome for `e` into x in format `fmt` (JSON if XML cannot carry it). */
static void answer_error(struct sv_exchange *x, const struct sv_error *e, enum sv_format fmt, int pretty,
			 int fhir_version)
{
	cJSON *oo = sv_outcome_from_error(e);

	x->status = sv_err_http_status(e->code);
	x->bytes = sv_http_render(oo, fmt, pretty, fhir_version, &x->len, NULL);
	if (!x->bytes) {
		fmt = SV_FMT_JSON;
		x->bytes = sv_http_render(oo, fmt, pretty, fhir_version, &x->len, NULL);
	}
	if (!x->bytes)
		SV_BUG("an OperationOutcome could not be rendered");
	x->content_type = content_type(fmt, fhir_version);
	cJSON_Delete(oo);
}

void sv_exchange_refuse(struct sv_exchange *x, enum sv_err code, const char *fmt, ...)
{
	struct sv_error e;
	enum sv_format f = SV_FMT_JSON;
	int fv = 4;
	char msg[sizeof(e.message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sv_fail(&e, code, "%s", msg);    /* which also mends any bytes that are not UTF-8 */
	if (sv_http_negotiate(NULL, header(x, "Accept"), &f, &fv, NULL) != SV_OK)
		f = SV_FMT_JSON;
	answer_error(x, &e, f, 0, fv);
}

void sv_exchange_log(const struct sv_service *svc, const struct sv_exchange *x)
{
	struct timespec now;
	char target[512], method[40], line[700];
	long us;
	int n;

	if (!svc->cfg->log_requests)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (now.tv_sec - x->start.tv_sec) * 1000000L + (now.tv_nsec - x->start.tv_nsec) / 1000;
	sv_utf8_escape_log(x->method ? x->method : "-", x->method ? strlen(x->method) : 1, method,
			   sizeof(method));
	sv_utf8_escape_log(x->target ? x->target : "-", x->target ? x->target_len : 1, target, sizeof(target));
	n = snprintf(line, sizeof(line), "%s %s %d %ldus %s\n", method, target, x->status, us,
		     x->peer ? x->peer : "-");
	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Appends the n bytes at `src` to buf[*o..cap); returns 0 when they do not fit. */
static int put(char *buf, size_t cap, size_t *o, const char *src, size_t n)
{
	if (n >= cap - *o)
		return 0;
	memcpy(buf + *o, src, n);
	*o += n;
	buf[*o] = '\0';
	return 1;
}

/* Writes the answer-cache key of a GET `req` with query `url` into buf; returns 0 when the key does
 * not fit (no caching). Built by copying, not snprintf: it runs before every cached answer. */
static int cache_key(const struct sv_request *req, const struct sv_url *url, enum sv_format fmt, int pretty,
		     char *buf, size_t cap)
{
	char head[8] = {(char)('0' + (int)fmt), '|', (char)('0' + pretty), '|', (char)('0' + req->fhir_version), '|'};
	const char *parts[3] = {req->type, req->id ? req->id : "", req->operation ? req->operation : ""};
	size_t o = 0;

	if (!put(buf, cap, &o, head, 6))
		return 0;
	for (int i = 0; i < 3; i++)
		if (!put(buf, cap, &o, parts[i], strlen(parts[i])) || !put(buf, cap, &o, "|", 1))
			return 0;
	/* Displays follow Accept-Language when displayLanguage is not given. */
	if (!put(buf, cap, &o, req->accept_language, strlen(req->accept_language)) || !put(buf, cap, &o, "|", 1))
		return 0;
	/* Parameter order is kept: a=1&b=2 and b=2&a=1 are two keys, which is only a missed hit. Each
	 * name and value is preceded by its length, so no value (which may hold any character) can
	 * make one query's key equal another's. */
	for (size_t i = 0; i < url->nparams; i++) {
		const char *part[2] = {url->params[i].name, url->params[i].value};
		for (int j = 0; j < 2; j++) {
			char len[24];
			size_t n = strlen(part[j]), k = sizeof(len) - 1;
			len[k] = ':';                 /* the length in decimal, then ':' */
			do
				len[--k] = (char)('0' + n % 10);
			while ((n /= 10) != 0);
			if (!put(buf, cap, &o, len + k, sizeof(len) - k) || !put(buf, cap, &o, part[j], strlen(part[j])))
				return 0;
		}
	}
	return 1;
}

/* Finds where the values the handler minted for this answer sit in its bytes, so a cached copy can
 * get new ones (SV_CACHE_MINTED), and sets *f; returns 0 when the answer must not be kept: a
 * minted value was not recorded or not found in the bytes. */
static int minted_at(const struct sv_request *req, enum sv_cacheable how, const char *bytes, size_t len,
		     struct sv_resp_fresh *f)
{
	const char *u, *t;

	f->uuid = f->instant = -1;
	if (how == SV_CACHE_YES)
		return 1;
	if (strlen(req->minted_uuid) != SV_UUID_URN_SIZE - 1 || strlen(req->minted_instant) != SV_INSTANT_LEN)
		return 0;
	/* The instant is looked for after the identifier (handlers write them in that order), so an
	 * equal instant elsewhere in the answer, a date in the content, is never taken for it. */
	u = memmem(bytes, len, req->minted_uuid, SV_UUID_URN_SIZE - 1);
	t = u ? memmem(u, len - (size_t)(u - bytes), req->minted_instant, SV_INSTANT_LEN) : NULL;
	if (!u || !t)
		return 0;
	f->uuid = u - bytes;
	f->instant = t - bytes;
	return 1;
}

/* Writes a new identifier and the current instant over those of a cached answer. */
static void remint(char *bytes, const struct sv_resp_fresh *f)
{
	char buf[64];

	if (f->uuid >= 0) {
		sv_uuid_urn(buf, sizeof(buf));
		memcpy(bytes + f->uuid, buf, SV_UUID_URN_SIZE - 1);
	}
	if (f->instant >= 0) {
		sv_now_iso(buf, sizeof(buf));
		memcpy(bytes + f->instant, buf, SV_INSTANT_LEN);
	}
}

/* Reads the body of a POST into req->body (owned by the caller through *bodyp); a Parameters body
 * becomes req->params, with the query's parameters joined to it. */
static enum sv_err read_body(const struct sv_exchange *x, const struct sv_config *cfg, const struct sv_url *url,
			     struct sv_request *req, struct sv_body *bodyp)
{
	enum sv_format fmt;
	const char *rt;
	cJSON *body;
	enum sv_err rc;

	if ((rc = sv_http_body_format(header(x, "Content-Type"), &fmt, &req->fhir_version, &req->err)) != SV_OK)
		return rc;
	if (!(body = sv_http_parse_body(x->body, x->body_len, fmt, cfg->max_body_nodes, bodyp, &req->err)))
		return req->err.code;
	req->body = body;
	req->raw = x->body;
	req->raw_len = x->body_len;
	req->raw_xml = fmt == SV_FMT_XML;
	rt = sv_jstr(body, "resourceType");
	if (!rt || strcmp(rt, "Parameters") != 0)
		return SV_OK;
	if ((rc = sv_params_check(body, &req->err)) != SV_OK)
		return rc;
	req->params_checked = 1;     /* the query's parameters joined below are well-formed too */
	if ((size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(body, "parameter")) > cfg->max_params)
		return sv_fail_at(&req->err, SV_ETOOBIG, "Parameters.parameter",
				  "the body has more than %u parameters (max_params)", cfg->max_params);
	if ((rc = sv_params_merge_query(body, url, &req->err)) != SV_OK)
		return rc;
	req->params = body;
	return SV_OK;
}

/* Resolves the bearer token, if one was sent, into req->who (`who` holds it), then checks the role
 * the path needs: before anything is answered, the answer cache included. A token that is sent but
 * not valid is refused even where none is needed, so a client learns at once that its token is bad. */
static enum sv_err authenticate(const struct sv_service *svc, const struct sv_exchange *x, struct sv_request *req,
				struct sv_principal *who, enum sv_role least)
{
	const char *given = header(x, "Authorization");
	enum sv_err rc;

	if (given) {
		if ((rc = sv_tokens_check(svc->tokens, given, who, &req->err)) != SV_OK)
			return rc;
		req->who = who;
	}
	return sv_auth_permits(req->who, least, &req->err);
}

/* The /messages paths (op_messages.h): the same token rules, answered with their own bytes or a FHIR
 * resource rendered as negotiated. */
static enum sv_err run_messages(const struct sv_service *svc, struct sv_exchange *x, const struct sv_url *url,
				struct sv_request *req, struct sv_principal *who, enum sv_format fmt, int pretty)
{
	struct sv_msgreq q = {0};
	struct sv_msgans a = {0};
	enum sv_err rc;

	q.method = x->method;
	q.path = url->path + 9;
	if ((rc = authenticate(svc, x, req, who, sv_messages_least(svc->cfg, q.method, q.path))) != SV_OK)
		return rc;
	req->snap = sv_registry_acquire(svc->reg);
	q.url = url;
	q.content_type = header(x, "Content-Type");
	q.body = x->body;
	q.body_len = x->body_len;
	q.who = req->who;
	q.outbox = svc->outbox;
	q.snap = req->snap;
	q.headers = &x->headers;
	if ((rc = sv_messages_run(&q, &a)) != SV_OK) {
		req->err = a.err;
		req->allow = a.allow;
		goto out;
	}
	if (a.resource) {
		x->bytes = sv_http_render(a.resource, fmt, pretty, 4, &x->len, &req->err);
		x->content_type = content_type(fmt, 4);
		if (!x->bytes) {
			rc = req->err.code ? req->err.code : SV_EINTERNAL;
			goto out;
		}
	} else {
		x->bytes = a.bytes;
		x->len = a.len;
		x->content_type = a.media;
		a.bytes = NULL;
	}
	x->status = a.status ? a.status : 200;
out:
	free(a.bytes);
	cJSON_Delete(a.resource);
	return rc;
}

/* An HTTP method is a token (RFC 9110): letters, digits and a few marks; anything else is refused
 * before it could be quoted in an answer or a log line. */
static int is_token(const char *s)
{
	size_t n = 0;
	for (; s && s[n]; n++)
		if (!strchr("!#$%&'*+-.^_`|~", s[n]) && !((s[n] >= '0' && s[n] <= '9') ||
							 ((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'z')))
			return 0;
	return n > 0 && n <= 32;
}

static int is_get(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* /healthz (the process answers) and /readyz (it serves content and is not shutting down). */
static int answer_probe(const struct sv_service *svc, struct sv_exchange *x, const char *path)
{
	int ready = strcmp(path, "/readyz") == 0;

	if (!ready && strcmp(path, "/healthz") != 0)
		return 0;
	if (!is_get(x->method)) {
		x->allow = "GET, HEAD";
		sv_exchange_refuse(x, SV_EMETHOD, "%s is not allowed on %s (use GET or HEAD)", x->method, path);
		return 1;
	}
	if (ready && atomic_load(&svc->draining)) {
		x->retry_after = 1;
		sv_exchange_refuse(x, SV_EUNAVAILABLE, "samsvar is shutting down");
		return 1;
	}
	x->status = 200;
	x->content_type = "application/json";
	x->bytes = sv_xstrdup(ready ? "{\"status\":\"ready\"}" : "{\"status\":\"ok\"}");
	x->len = strlen(x->bytes);
	return 1;
}

/* GET /auth/whoami: the name and role of the bearer token sent, so that a client (the web page)
 * offers only what the token may do without trying it. No token or a bad one is 401. */
static enum sv_err answer_whoami(const struct sv_service *svc, struct sv_exchange *x, struct sv_request *req,
				 struct sv_principal *who)
{
	cJSON *o;
	enum sv_err rc;

	if (!is_get(x->method)) {
		x->allow = "GET, HEAD";
		return sv_fail(&req->err, SV_EMETHOD, "%.20s is not allowed on /auth/whoami (use GET or HEAD)",
			       x->method);
	}
	if ((rc = authenticate(svc, x, req, who, SV_ROLE_READER)) != SV_OK)
		return rc;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", req->who->name);
	cJSON_AddStringToObject(o, "role", sv_role_name(req->who->role));
	x->bytes = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	x->len = strlen(x->bytes);
	x->status = 200;
	x->content_type = "application/json";
	sv_resp_header_set(&x->headers, "Cache-Control", "no-store");
	return SV_OK;
}

/* ---- CORS and compression, for every answer ---------------------------------------------------- */

/* The value of Access-Control-Allow-Origin for `origin` (the request's Origin header): "*" or the
 * origin itself when cors_origins allows it, else NULL (CORS off, or another origin). */
static const char *allowed_origin(const struct sv_config *cfg, const char *origin)
{
	const char *p = cfg->cors_origins, *item;
	size_t olen, n;

	if (!*p || !origin)
		return NULL;
	if (strcmp(p, "*") == 0)
		return "*";
	olen = strlen(origin);
	while ((item = sv_list_next(&p, &n)) != NULL)
		if (n == olen && strncasecmp(item, origin, n) == 0)
			return origin;
	return NULL;
}

/* A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) from an allowed origin:
 * answered 204 with what the API takes. Returns 0 for any other request. */
static int answer_preflight(const struct sv_service *svc, struct sv_exchange *x)
{
	const char *allow;

	if (strcmp(x->method, "OPTIONS") != 0 || !header(x, "Access-Control-Request-Method") ||
	    !(allow = allowed_origin(svc->cfg, header(x, "Origin"))))
		return 0;
	sv_resp_header_set(&x->headers, "Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE");
	sv_resp_header_set(&x->headers, "Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, "
			   "Accept-Language, If-Match, If-None-Match, If-Modified-Since, Prefer, X-Request-Id");
	sv_resp_header_set(&x->headers, "Access-Control-Max-Age", "600");
	x->status = 204;
	x->content_type = NULL;
	x->bytes = sv_xstrdup("");
	x->len = 0;
	return 1;
}

/* What every answer gets last: the CORS headers for an allowed origin, and gzip for a client that
 * takes it (answers of SV_GZIP_MIN_BYTES or more; smaller ones gain nothing). */
static void finish(const struct sv_service *svc, struct sv_exchange *x)
{
	const char *origin = allowed_origin(svc->cfg, header(x, "Origin"));
	size_t zlen;
	char *z;

	/* With a list of origins the answer depends on Origin, for every client: caches must know. */
	if (svc->cfg->cors_origins[0] && strcmp(svc->cfg->cors_origins, "*") != 0)
		sv_resp_header_append(&x->headers, "Vary", "Origin");
	if (origin) {
		sv_resp_header_set(&x->headers, "Access-Control-Allow-Origin", "%s", origin);
		sv_resp_header_set(&x->headers, "Access-Control-Expose-Headers", "ETag, Last-Modified, Location, "
				   "Content-Location, WWW-Authenticate, Retry-After");
	}
	if (!svc->cfg->gzip || !x->bytes || x->len < SV_GZIP_MIN_BYTES)
		return;
	sv_resp_header_append(&x->headers, "Vary", "Accept-Encoding");
	if (!sv_accepts_gzip(header(x, "Accept-Encoding")) || !(z = sv_gzip(x->bytes, x->len, &zlen)))
		return;
	free(x->bytes);
	x->bytes = z;
	x->len = zlen;
	sv_resp_header_set(&x->headers, "Content-Encoding", "gzip");
}

/* POST {type}/_search (http://hl7.org/fhir/R4/http.html#search): the form body's parameters joined
 * to the query's make a search as GET asks it, which it then is (req->method "GET", no id). The
 * form's _format and _pretty count as the query's would (*fmt, *format, *pretty). *query receives
 * the parameters. */
static enum sv_err search_by_post(const struct sv_exchange *x, const struct sv_config *cfg, const struct sv_url *url,
				  struct sv_request *req, struct sv_url *form, cJSON **query, enum sv_format *fmt,
				  const char **format, int *pretty)
{
	enum sv_err rc;

	if (strcmp(x->method, "POST") != 0) {
		req->allow = "POST";
		return sv_fail(&req->err, SV_EMETHOD, "%.20s is not allowed on _search (allowed: POST; or GET "
			       "the type with the parameters in the query)", x->method);
	}
	if ((rc = sv_rest_form(header(x, "Content-Type"), x->body, x->body_len, cfg->max_params, form,
			       &req->err)) != SV_OK)
		return rc;
	if (url->nparams + form->nparams > cfg->max_params)
		return sv_fail(&req->err, SV_ETOOBIG, "the query and the form have more than %u parameters "
			       "(max_params)", cfg->max_params);
	*query = sv_params_from_query(url);
	for (size_t i = 0; i < form->nparams; i++) {
		const struct sv_url_param *p = &form->params[i];
		if (strcmp(p->name, "_pretty") == 0)
			*pretty = strcmp(p->value, "true") == 0;
		else if (strcmp(p->name, "_format") == 0 &&
			 (rc = sv_http_negotiate(*format = p->value, NULL, fmt, &req->fhir_version, &req->err)) != SV_OK)
			return rc;
		else if (!sv_params_is_transport(p->name))
			sv_params_add(*query, p->name, "String", p->value);
	}
	req->params = *query;
	req->method = "GET";
	req->id = NULL;
	return SV_OK;
}

/* Turns a 200 answer to a GET the client already holds (If-None-Match, If-Modified-Since) into a
 * 304 without body; its ETag and Last-Modified stay. */
static void conditional(struct sv_exchange *x)
{
	if (x->status != 200 || !is_get(x->method) ||
	    !sv_rest_not_modified(&x->headers, header(x, "If-None-Match"), header(x, "If-Modified-Since")))
		return;
	free(x->bytes);
	x->bytes = sv_xstrdup("");
	x->len = 0;
	x->status = 304;
	x->content_type = NULL;
}

/* The web page (web.h): "/" and "/web/NAME", GET and HEAD, with its ETag honoured. Returns 0 for a
 * path that is not the page's. */
static int answer_web(struct sv_exchange *x, const char *path)
{
	struct sv_web_page page;
	int found = sv_web_find(path, &page);

	if (found == 0)
		return 0;
	if (found < 0) {
		sv_exchange_refuse(x, SV_ENOTFOUND, "no such file of the web page: %.200s", path);
		return 1;
	}
	if (!is_get(x->method)) {
		x->allow = "GET, HEAD";
		sv_exchange_refuse(x, SV_EMETHOD, "%s is not allowed on %.200s (use GET or HEAD)", x->method, path);
		return 1;
	}
	sv_web_headers(&page, &x->headers);
	x->status = 200;
	x->content_type = page.content_type;
	x->bytes = sv_xmalloc(page.len + 1);
	memcpy(x->bytes, page.bytes, page.len + 1);
	x->len = page.len;
	conditional(x);
	return 1;
}

void sv_exchange_run(const struct sv_service *svc, struct sv_exchange *x)
{
	const struct sv_config *cfg = svc->cfg;
	struct sv_request req;
	struct sv_url url = {0}, form = {0};
	enum sv_format out_fmt = SV_FMT_JSON;
	cJSON *result = NULL, *query = NULL;
	struct sv_body body = {0};
	struct sv_respcache *cache = NULL;
	const char *format = NULL;
	char pathbuf[1024], key[2048], base[300];
	int pretty = 0, status = 200;
	enum sv_cacheable cacheable;
	struct sv_resp_fresh fresh;
	struct sv_principal who;
	enum sv_err rc, url_rc;

	memset(&req, 0, sizeof(req));
	req.method = x->method;
	req.cfg = cfg;
	req.fhir_version = 4;
	req.peer = x->peer;
	req.who = x->who;
	req.writer = svc->writer;
	req.headers = &x->headers;
	if (svc->base_url[0]) {
		req.base = svc->base_url;
	} else {                     /* an in-process caller that did not start the server */
		sv_config_base_url(cfg, 0, cfg->listen_port, base, sizeof(base));
		req.base = base;
	}
	req.strict = sv_rest_prefer_strict(header(x, "Prefer"));
	x->allow = NULL;
	x->retry_after = 0;
	sv_resp_headers_release(&x->headers);

	if (!is_token(x->method)) {
		x->method = "-";
		sv_exchange_refuse(x, SV_EINVAL, "the request method is not an HTTP token");
		goto done;
	}
	if (answer_preflight(svc, x))
		goto done;
	url_rc = sv_url_parse(x->target, x->target_len, cfg->max_params, &url, &req.err);
	if (url_rc == SV_OK && (answer_probe(svc, x, url.path) || answer_web(x, url.path)))
		goto done;
	for (size_t i = 0; i < url.nparams; i++) {
		if (strcmp(url.params[i].name, "_format") == 0)
			format = url.params[i].value;
		else if (strcmp(url.params[i].name, "_pretty") == 0)
			pretty = strcmp(url.params[i].value, "true") == 0;
	}
	{
		struct sv_error nerr;
		sv_error_clear(&nerr);
		if ((rc = sv_http_negotiate(format, header(x, "Accept"), &out_fmt, &req.fhir_version,
					    &nerr)) != SV_OK) {
			req.err = nerr;
			out_fmt = SV_FMT_JSON;
			goto fail;
		}
	}
	if ((rc = url_rc) != SV_OK)
		goto fail;
	sv_http_accept_language(header(x, "Accept-Language"), req.accept_language, sizeof(req.accept_language));
	if (strcmp(url.path, "/auth/whoami") == 0) {
		if ((rc = answer_whoami(svc, x, &req, &who)) != SV_OK)
			goto fail;
		goto done;
	}
	if (strncmp(url.path, "/messages", 9) == 0 && (url.path[9] == '/' || url.path[9] == '\0')) {
		if ((rc = run_messages(svc, x, &url, &req, &who, out_fmt, pretty)) != SV_OK)
			goto fail;
		goto done;
	}
	if (strncmp(url.path, "/fhir", 5) != 0 || (url.path[5] != '/' && url.path[5] != '\0')) {
		rc = sv_fail(&req.err, SV_ENOTFOUND, "no such path: %.200s (the FHIR API is under /fhir)",
			     url.path);
		goto fail;
	}
	if ((rc = sv_fhirapi_split_path(url.path + 5, pathbuf, sizeof(pathbuf), &req)) != SV_OK)
		goto fail;
	if (req.id && strcmp(req.id, "_search") == 0 && !req.operation && !req.history &&
	    (rc = search_by_post(x, cfg, &url, &req, &form, &query, &out_fmt, &format, &pretty)) != SV_OK)
		goto fail;
	if ((rc = authenticate(svc, x, &req, &who, sv_fhirapi_least(&req))) != SV_OK)
		goto fail;
	req.outbox = svc->outbox;

	req.snap = sv_registry_acquire(svc->reg);
	cacheable = cfg->response_cache_bytes ? sv_fhirapi_cacheable(&req) : SV_CACHE_NO;
	if (cacheable != SV_CACHE_NO && cache_key(&req, &url, out_fmt, pretty, key, sizeof(key)) &&
	    (cache = sv_respcache_of(req.snap, cfg->response_cache_bytes)) != NULL &&
	    (x->bytes = sv_respcache_get(cache, key, &x->len, &fresh)) != NULL) {
		remint(x->bytes, &fresh);
		sv_op_read_headers(&req);    /* a read's ETag and Last-Modified are not kept with it */
		goto send;
	}
	req.if_match = header(x, "If-Match");
	req.if_none_match = header(x, "If-None-Match");
	/* $import reads its body (a release file) as it is. An operation POSTed without a body
	 * ($publish?reason=...) takes its parameters from the query; a PUT has a body only on a resource
	 * (on an operation it is refused as a method, 405). */
	if (req.params) {
		/* a POST _search: its form is read */
	} else if (strcmp(x->method, "POST") == 0 && sv_fhirapi_takes_raw_body(&req)) {
		req.raw = x->body;
		req.raw_len = x->body_len;
	} else if ((strcmp(x->method, "PUT") == 0 ? x->body_len && !req.operation :
		    strcmp(x->method, "POST") == 0 && (x->body_len || !req.operation)) &&
		   (rc = read_body(x, cfg, &url, &req, &body)) != SV_OK) {
		goto fail;
	}
	if (!req.params)             /* a GET, or a body that is not Parameters: the query is all */
		req.params = query = sv_params_from_query(&url);

	req.want_json = out_fmt == SV_FMT_JSON && !pretty;
	req.format = format;
	req.pretty = pretty;
	rc = sv_fhirapi_dispatch(&req, &result, &status);
	if (rc != SV_OK)
		goto fail;
	x->bytes = req.json ? sv_http_accept_bytes(req.json, req.json_len, &x->len, &req.err) :
		   sv_http_render(result, out_fmt, pretty, req.fhir_version, &x->len, &req.err);
	req.json = NULL;
	if (!x->bytes) {
		rc = req.err.code ? req.err.code : SV_EINTERNAL;
		goto fail;
	}
	if (cache && status == 200 && minted_at(&req, cacheable, x->bytes, x->len, &fresh))
		sv_respcache_put(cache, key, x->bytes, x->len, &fresh);
send:
	x->status = status;
	x->content_type = req.raw_type ? req.raw_type : content_type(out_fmt, req.fhir_version);
	conditional(x);
	goto done;
fail:
	if (req.err.code == SV_OK)
		sv_fail(&req.err, rc, "%s", sv_strerror(rc));
	req.err.code = rc;
	x->allow = req.allow;
	/* RFC 6750: every 401 names the scheme; a token that was sent and refused is invalid_token. */
	if (rc == SV_EUNAUTH)
		sv_resp_header_set(&x->headers, "WWW-Authenticate", "Bearer realm=\"samsvar\"%s",
				   header(x, "Authorization") ? ", error=\"invalid_token\"" : "");
	answer_error(x, &req.err, out_fmt, pretty, req.fhir_version);
done:
	finish(svc, x);
	sv_snapshot_release(req.snap);
	cJSON_Delete(result);
	sv_body_release(&body);
	cJSON_Delete(query);
	sv_url_release(&form);
	sv_url_release(&url);
}
