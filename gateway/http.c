/* http.c — libmicrohttpd front end: one struct conn per request owns everything the request
 * allocates and is freed in one place (on_completed). */
#include "samsvar/http.h"
#include "samsvar/fhirapi.h"
#include "samsvar/fhirxml.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/respcache.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_QUERY_ARGS 64
#define MAX_PATH_SEGMENTS 4

struct sv_http {
	struct MHD_Daemon *d;
	const struct sv_config *cfg;
	struct sv_registry *reg;
	unsigned port;
};

/* Per-request state: the one owner of everything a request allocates. */
struct conn {
	struct timespec start;
	char *body;
	size_t len;
	int too_big;
	int too_many_args;
	cJSON *query;        /* Parameters built from the query string */
	const char *format;  /* _format */
	int pretty;
};

static const char *const JSON_TYPES[] = {"application/fhir+json", "application/json", "json", "text/json"};
static const char *const XML_TYPES[] = {"application/fhir+xml", "application/xml", "xml", "text/xml"};

static int in_list(const char *s, size_t n, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strlen(list[i]) == n && strncasecmp(s, list[i], n) == 0)
			return 1;
	return 0;
}

/* Media type of one header item: its type/subtype span, and whether fhirVersion=5 is among params. */
static void media_type(const char *item, size_t n, const char **type, size_t *tlen, int *v5, double *q)
{
	const char *lim = item + n;
	const char *semi = memchr(item, ';', n);
	const char *end = semi ? semi : lim;

	while (item < end && (*item == ' ' || *item == '\t'))
		item++;
	while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*type = item;
	*tlen = (size_t)(end - item);
	*v5 = 0;
	*q = 1.0;
	while (semi && semi < lim) {
		const char *p = semi + 1, *stop = memchr(p, ';', (size_t)(lim - p));
		size_t plen = stop ? (size_t)(stop - p) : (size_t)(lim - p);
		while (plen && *p == ' ') {
			p++;
			plen--;
		}
		if (plen > 12 && strncasecmp(p, "fhirVersion=", 12) == 0 && p[12] == '5')
			*v5 = 1;
		if (plen > 2 && strncasecmp(p, "q=", 2) == 0)
			*q = strtod(p + 2, NULL);
		semi = stop;
	}
}

enum sv_err sv_http_negotiate(const char *format_param, const char *accept, enum sv_format *fmt,
			      int *fhir_version, struct sv_error *err)
{
	double best_q = 0;
	int found = 0, best_v5 = 0;

	*fmt = SV_FMT_JSON;
	if (format_param && *format_param) {
		const char *t;
		size_t tl;
		int v5;
		double q;
		media_type(format_param, strlen(format_param), &t, &tl, &v5, &q);
		if (v5)
			*fhir_version = 5;
		if (in_list(t, tl, JSON_TYPES, 4))
			return SV_OK;
		if (in_list(t, tl, XML_TYPES, 4)) {
			*fmt = SV_FMT_XML;
			return SV_OK;
		}
		return sv_fail_at(err, SV_ENOTACCEPT, "_format",
				  "_format '%s' is not supported (use json or xml)", format_param);
	}
	if (!accept || !*accept)
		return SV_OK;
	for (const char *p = accept; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		const char *t;
		size_t tl;
		int v5;
		double q;
		enum sv_format f;
		int ok = 1;

		media_type(p, n, &t, &tl, &v5, &q);
		if (in_list(t, tl, JSON_TYPES, 4) || (tl == 3 && strncmp(t, "*/*", 3) == 0) ||
		    (tl == 13 && strncasecmp(t, "application/*", 13) == 0))
			f = SV_FMT_JSON;
		else if (in_list(t, tl, XML_TYPES, 4))
			f = SV_FMT_XML;
		else
			ok = 0;
		if (ok && q > 0 && q > best_q) {
			best_q = q;
			*fmt = f;
			found = 1;
			best_v5 = v5;
		}
		p = comma ? comma + 1 : NULL;
	}
	if (found && best_v5)
		*fhir_version = 5;
	if (!found)
		return sv_fail(err, SV_ENOTACCEPT,
			       "none of the Accept types '%s' is served: use application/fhir+json or "
			       "application/fhir+xml", accept);
	return SV_OK;
}

enum sv_err sv_http_body_format(const char *content_type, enum sv_format *fmt, int *fhir_version,
				struct sv_error *err)
{
	const char *t;
	size_t tl;
	int v5;
	double q;

	if (!content_type || !*content_type)
		return sv_fail(err, SV_EMEDIATYPE, "a request body needs a Content-Type "
			       "(application/fhir+json or application/fhir+xml)");
	media_type(content_type, strlen(content_type), &t, &tl, &v5, &q);
	if (v5)
		*fhir_version = 5;
	if (in_list(t, tl, JSON_TYPES, 4) && tl > 4) {
		*fmt = SV_FMT_JSON;
		return SV_OK;
	}
	if (in_list(t, tl, XML_TYPES, 4) && tl > 3) {
		*fmt = SV_FMT_XML;
		return SV_OK;
	}
	return sv_fail(err, SV_EMEDIATYPE, "Content-Type '%s' is not supported: use application/fhir+json "
		       "or application/fhir+xml", content_type);
}

/* Checks nesting depth and duplicate object keys (FHIR JSON forbids them; cJSON keeps both).
 * Returns 0 when fine, 1 too deep, 2 duplicate key (*dup names it). */
static int json_check(const cJSON *j, int depth, const char **dup)
{
	const cJSON *c, *d;
	if (depth > SV_FHIR_MAX_DEPTH)
		return 1;
	cJSON_ArrayForEach(c, j) {
		int rc;
		if (cJSON_IsObject(j) && c->string) {
			for (d = j->child; d != c; d = d->next)
				if (d->string && strcmp(d->string, c->string) == 0) {
					*dup = c->string;
					return 2;
				}
		}
		if ((rc = json_check(c, depth + 1, dup)) != 0)
			return rc;
	}
	return 0;
}

cJSON *sv_http_parse_body(const char *body, size_t len, enum sv_format fmt, struct sv_error *err)
{
	cJSON *j;

	if (len == 0) {
		sv_fail(err, SV_EINVAL, "the request body is empty");
		return NULL;
	}
	if (fmt == SV_FMT_XML)
		return sv_fhirxml_to_json(body, len, err);
	j = cJSON_ParseWithLength(body, len);
	if (!j) {
		const char *at = cJSON_GetErrorPtr();
		long off = (at && at >= body && at <= body + len) ? (long)(at - body) : -1;
		sv_fail(err, SV_EINVAL, "the body is not valid JSON (error near byte %ld)", off);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		sv_fail(err, SV_EINVAL, "the body must be a JSON object (a FHIR resource)");
		return NULL;
	}
	{
		const char *dup = NULL;
		switch (json_check(j, 0, &dup)) {
		case 1:
			sv_fail(err, SV_EINVAL, "the body is nested deeper than %d levels", SV_FHIR_MAX_DEPTH);
			cJSON_Delete(j);
			return NULL;
		case 2:
			sv_fail(err, SV_EINVAL, "the body has the key '%.100s' twice in one object", dup);
			cJSON_Delete(j);
			return NULL;
		}
	}
	return j;
}

char *sv_http_render(const cJSON *res, enum sv_format fmt, int pretty, int fhir_version, size_t *len,
		     struct sv_error *err)
{
	char *s = fmt == SV_FMT_XML ? sv_fhirxml_from_json_version(res, fhir_version, err) :
		pretty ? cJSON_Print(res) : cJSON_PrintUnformatted(res);
	if (s)
		*len = strlen(s);
	else if (fmt == SV_FMT_JSON)
		sv_fail(err, SV_EINTERNAL, "could not serialise the response");
	return s;
}

/* ---- request handling ---- */

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct conn *c = cls;
	(void)kind;
	if (strcmp(key, "_format") == 0) {
		c->format = value;
		return MHD_YES;
	}
	if (strcmp(key, "_pretty") == 0) {
		c->pretty = value && strcmp(value, "true") == 0;
		return MHD_YES;
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c->query, "parameter")) >= MAX_QUERY_ARGS) {
		c->too_many_args = 1;
		return MHD_NO;
	}
	sv_params_add(c->query, key, "String", value ? value : "");
	return MHD_YES;
}

static int send_bytes(struct MHD_Connection *con, int status, const char *ctype, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	int ret;
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(con, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static void log_line(const struct sv_http *h, const char *method, const char *url, int status,
		     const struct timespec *start)
{
	struct timespec now;
	char line[512];
	long us;
	int n;

	if (!h->cfg->log_requests)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (now.tv_sec - start->tv_sec) * 1000000L + (now.tv_nsec - start->tv_nsec) / 1000;
	n = snprintf(line, sizeof(line), "%s %.400s %d %ldus\n", method, url, status, us);
	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* Writes the response-cache key of `req` into buf and returns 1, or 0 when its answer is not
 * cacheable: only GETs of operations whose answer depends on the request alone ($expand carries a
 * timestamp and identifier, metadata a date), and never an over-long key. */
static int cache_key(const struct sv_request *req, const struct conn *c, enum sv_format fmt, char *buf,
		     size_t cap)
{
	static const char *const ops[] = {"lookup", "validate-code", "subsumes", "translate"};
	const cJSON *p;
	size_t o;
	int ok = 0, n;

	if (strcmp(req->method, "POST") == 0 || !req->type || req->body)
		return 0;
	if (req->operation) {
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			ok |= strcmp(req->operation, ops[i]) == 0;
	} else {
		ok = req->id != NULL;
	}
	if (!ok)
		return 0;
	n = snprintf(buf, cap, "%d|%d|%d|%s|%s|%s", (int)fmt, c->pretty, req->fhir_version, req->type,
		     req->id ? req->id : "", req->operation ? req->operation : "");
	if (n < 0 || (size_t)n >= cap)
		return 0;
	o = (size_t)n;
	/* Parameter order is kept: a=1&b=2 and b=2&a=1 are two keys, which is only a missed hit. */
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c->query, "parameter")) {
		n = snprintf(buf + o, cap - o, "\x1f%s\x1e%s", sv_jstr(p, "name"), sv_param_text(p));
		if (n < 0 || (size_t)n >= cap - o)
			return 0;
		o += (size_t)n;
	}
	return 1;
}

/* Splits "/Type/id/$op" (the part after /fhir) into req fields; buf is scratch the fields point into. */
static enum sv_err split_path(const char *path, char *buf, size_t cap, struct sv_request *req)
{
	char *seg[MAX_PATH_SEGMENTS + 1];
	int n = 0;
	size_t len = strlen(path);

	if (len >= cap)
		return sv_fail(&req->err, SV_ENOTFOUND, "path too long");
	memcpy(buf, path, len + 1);
	for (char *p = buf; *p;) {
		while (*p == '/')
			*p++ = '\0';
		if (!*p)
			break;
		if (n == MAX_PATH_SEGMENTS)
			return sv_fail(&req->err, SV_ENOTFOUND, "no such path: /fhir%s", path);
		seg[n++] = p;
		while (*p && *p != '/')
			p++;
	}
	if (n == 0)
		return sv_fail(&req->err, SV_ENOTFOUND, "no such path: /fhir%s (try /fhir/metadata)", path);
	if (seg[n - 1][0] == '$') {
		req->operation = seg[n - 1] + 1;
		n--;
	}
	if (n >= 1)
		req->type = seg[0];
	if (n >= 2)
		req->id = seg[1];
	if (n > 2)
		return sv_fail(&req->err, SV_ENOTFOUND, "no such path: /fhir%s", path);
	return SV_OK;
}

static enum MHD_Result respond(struct sv_http *h, struct MHD_Connection *con, struct conn *c, const char *method,
			       const char *url)
{
	struct sv_request req;
	enum sv_format out_fmt = SV_FMT_JSON, in_fmt;
	cJSON *result = NULL, *body = NULL;
	struct sv_respcache *cache = NULL;
	char *bytes = NULL, pathbuf[1024], key[2048];
	size_t blen = 0;
	int status = 200;
	enum sv_err rc;
	int ret;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.cfg = h->cfg;
	req.fhir_version = 4;

	if (strcmp(url, "/healthz") == 0) {
		char *ok = sv_xstrdup("{\"status\":\"ok\"}");
		ret = send_bytes(con, 200, "application/json", ok, strlen(ok));
		log_line(h, method, url, 200, &c->start);
		return ret;
	}
	rc = sv_http_negotiate(c->format, MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Accept"),
			       &out_fmt, &req.fhir_version, &req.err);
	if (rc != SV_OK) {
		out_fmt = SV_FMT_JSON;
		goto fail;
	}
	if (c->too_many_args) {
		rc = sv_fail(&req.err, SV_ETOOBIG, "more than %d query parameters", MAX_QUERY_ARGS);
		goto fail;
	}
	if (c->too_big) {
		rc = sv_fail(&req.err, SV_ETOOBIG, "the request body is larger than %zu bytes (max_body)",
			     h->cfg->max_body_bytes);
		goto fail;
	}
	if (strncmp(url, "/fhir", 5) != 0 || (url[5] != '/' && url[5] != '\0')) {
		rc = sv_fail(&req.err, SV_ENOTFOUND, "no such path: %s (the FHIR API is under /fhir)", url);
		goto fail;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 && strcmp(method, "HEAD") != 0) {
		rc = sv_fail(&req.err, SV_EMETHOD, "method %s is not allowed here", method);
		goto fail;
	}
	if ((rc = split_path(url + 5, pathbuf, sizeof(pathbuf), &req)) != SV_OK)
		goto fail;

	if (strcmp(method, "POST") == 0) {
		rc = sv_http_body_format(MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Type"),
					 &in_fmt, &req.fhir_version, &req.err);
		if (rc != SV_OK)
			goto fail;
		body = sv_http_parse_body(c->body, c->len, in_fmt, &req.err);
		if (!body) {
			rc = req.err.code;
			goto fail;
		}
		req.body = body;
		if (cJSON_IsString(cJSON_GetObjectItem(body, "resourceType")) &&
		    strcmp(cJSON_GetObjectItem(body, "resourceType")->valuestring, "Parameters") == 0) {
			if ((rc = sv_params_check(body, &req.err)) != SV_OK)
				goto fail;
			req.params = body;
		} else {
			req.params = c->query;
		}
	} else {
		req.params = c->query;
	}
	req.query = c->query;

	req.snap = sv_registry_acquire(h->reg);
	if (h->cfg->response_cache_bytes && cache_key(&req, c, out_fmt, key, sizeof(key)) &&
	    (cache = sv_respcache_of(req.snap, h->cfg->response_cache_bytes)) != NULL &&
	    (bytes = sv_respcache_get(cache, key, &blen)) != NULL)
		goto send;
	rc = sv_fhirapi_dispatch(&req, &result, &status);
	if (rc != SV_OK)
		goto fail;
	bytes = sv_http_render(result, out_fmt, c->pretty, req.fhir_version, &blen, &req.err);
	if (!bytes) {
		rc = req.err.code ? req.err.code : SV_EINTERNAL;
		goto fail;
	}
	if (cache && status == 200)
		sv_respcache_put(cache, key, bytes, blen);
	goto send;
fail:
	if (req.err.code == SV_OK)
		sv_fail(&req.err, rc, "%s", sv_strerror(rc));
	status = sv_err_http_status(rc);
	cJSON_Delete(result);
	result = sv_outcome_from_error(&req.err);
	bytes = sv_http_render(result, out_fmt, c->pretty, req.fhir_version, &blen, NULL);
	if (!bytes) {
		out_fmt = SV_FMT_JSON;
		bytes = sv_http_render(result, out_fmt, c->pretty, req.fhir_version, &blen, NULL);
	}
send:
	sv_snapshot_release(req.snap);
	/* An R5 answer says so in its media type (fhirVersion parameter), so clients can tell it from R4. */
	ret = send_bytes(con, status, out_fmt == SV_FMT_XML ?
			 (req.fhir_version >= 5 ? "application/fhir+xml; fhirVersion=5.0; charset=utf-8" :
			  "application/fhir+xml; charset=utf-8") :
			 (req.fhir_version >= 5 ? "application/fhir+json; fhirVersion=5.0; charset=utf-8" :
			  "application/fhir+json; charset=utf-8"), bytes, blen);
	log_line(h, method, url, status, &c->start);
	cJSON_Delete(result);
	cJSON_Delete(body);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct sv_http *h = cls;
	struct conn *c = *con_cls;
	(void)version;

	if (!c) {
		const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
		c = sv_xcalloc(1, sizeof(*c));
		clock_gettime(CLOCK_MONOTONIC, &c->start);
		c->query = sv_params_new();
		MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, collect_arg, c);
		if (cl && strtoull(cl, NULL, 10) > h->cfg->max_body_bytes)
			c->too_big = 1;
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!c->too_big && c->len + *upload_size <= h->cfg->max_body_bytes) {
			c->body = sv_xrealloc(c->body, c->len + *upload_size + 1);
			memcpy(c->body + c->len, upload, *upload_size);
			c->len += *upload_size;
			c->body[c->len] = '\0';
		} else {
			c->too_big = 1;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	return respond(h, con, c, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *c = *con_cls;
	(void)cls;
	(void)con;
	(void)toe;
	if (!c)
		return;
	cJSON_Delete(c->query);
	free(c->body);
	free(c);
	*con_cls = NULL;
}

enum sv_err sv_http_start(const struct sv_config *cfg, struct sv_registry *reg, struct sv_http **out,
			  struct sv_error *err)
{
	struct sv_http *h = sv_xcalloc(1, sizeof(*h));
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;
	const char *host = cfg->listen_host;

	*out = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)cfg->listen_port);
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		free(h);
		return sv_fail(err, SV_ECONFIG, "listen: '%s' is not an IPv4 address", cfg->listen_host);
	}
	h->cfg = cfg;
	h->reg = reg;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_ITC,
				0, NULL, NULL, on_request, h,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)cfg->max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_seconds,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_END);
	if (!h->d) {
		free(h);
		return sv_fail(err, SV_EIO, "cannot listen on %s:%u (in use, or not permitted)", cfg->listen_host,
			       cfg->listen_port);
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : cfg->listen_port;
	*out = h;
	return SV_OK;
}

unsigned sv_http_port(const struct sv_http *h)
{
	return h->port;
}

void sv_http_stop(struct sv_http *h)
{
	if (!h)
		return;
	/* Stop accepting first, then MHD_stop_daemon waits for the worker threads to finish
	 * the requests they are serving. */
	MHD_quiesce_daemon(h->d);
	MHD_stop_daemon(h->d);
	free(h);
}
