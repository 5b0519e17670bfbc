/* config.c — configuration file parsing with defaults and bounds. */
#include "samsvar/config.h"
#include "samsvar/text.h"
#include "samsvar/file.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (1024 * 1024)
#define CONFIG_MAX_LINE 4096

void sv_config_defaults(struct sv_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
	c->listen_port = 8080;
	snprintf(c->store_path, sizeof(c->store_path), "var/samsvar.db");
	snprintf(c->content_dir, sizeof(c->content_dir), "mappings");
	snprintf(c->canonical_base, sizeof(c->canonical_base), "https://fhir.samsvar.no");
	c->max_body_bytes = 4u * 1024 * 1024;
	c->max_import_body_bytes = (size_t)1024 * 1024 * 1024;
	c->max_import_unzipped_bytes = (size_t)4 * 1024 * 1024 * 1024;
	c->threads = 2;
	c->max_connections = 1024;
	c->max_connections_per_ip = 64;
	c->timeout_seconds = 30;
	c->header_timeout_seconds = 10;
	c->max_header_bytes = 8192;
	c->max_params = 1000;
	c->max_body_nodes = 200000;
	c->expand_max = 10000;
	c->expand_max_properties = 10000;
	c->max_count = 500;
	c->max_batch_entries = 1000;
	c->max_batch_answer_nodes = 1000000;
	c->log_requests = 1;
	c->response_cache_bytes = 64u * 1024 * 1024;
	c->gzip = 1;
	c->deliver_backoff_ms = 1000;
	c->deliver_backoff_cap_ms = 300000;
	c->deliver_max_attempts = 10;
	c->deliver_connect_timeout = 10;
	c->deliver_timeout = 30;
	c->deliver_parallel = 8;
}

static enum sv_err parse_uint(const char *key, const char *v, unsigned long long lo,
			      unsigned long long hi, unsigned long long *out, struct sv_error *err)
{
	char *end;
	unsigned long long n;

	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return sv_fail(err, SV_ECONFIG, "%s: '%s' is not a whole number", key, v);
	n = strtoull(v, &end, 10);
	if (errno || *end)
		return sv_fail(err, SV_ECONFIG, "%s: '%s' is not a whole number", key, v);
	if (n < lo || n > hi)
		return sv_fail(err, SV_ECONFIG, "%s: %llu is outside %llu..%llu", key, n, lo, hi);
	*out = n;
	return SV_OK;
}

static enum sv_err set_string(char *dst, size_t cap, const char *key, const char *v, struct sv_error *err)
{
	size_t n = strlen(v);
	if (n == 0)
		return sv_fail(err, SV_ECONFIG, "%s: empty value", key);
	if (n >= cap)
		return sv_fail(err, SV_ECONFIG, "%s: value longer than %zu bytes", key, cap - 1);
	memcpy(dst, v, n + 1);
	return SV_OK;
}

/* The whole-number keys: bounds, the unit the file uses (scale to the field's unit) and the field. */
struct numeric_key {
	const char *name;
	unsigned long long lo, hi, scale;
	size_t offset;
	int is_size;  /* the field is a size_t (else unsigned) */
};

#define UKEY(name, lo, hi, field) {name, lo, hi, 1, offsetof(struct sv_config, field), 0}
#define SKEY(name, lo, hi, scale, field) {name, lo, hi, scale, offsetof(struct sv_config, field), 1}
static const struct numeric_key NUMERIC_KEYS[] = {
	SKEY("max_body", 1024, 1024ULL * 1024 * 1024, 1, max_body_bytes),
	SKEY("max_import_body", 1024, 64ULL * 1024 * 1024 * 1024, 1, max_import_body_bytes),
	SKEY("max_import_unzipped", 1024, 1024ULL * 1024 * 1024 * 1024, 1, max_import_unzipped_bytes),
	UKEY("threads", 1, 256, threads),
	UKEY("max_connections", 1, 65536, max_connections),
	UKEY("max_connections_per_ip", 1, 65536, max_connections_per_ip),
	UKEY("timeout", 1, 3600, timeout_seconds),
	UKEY("header_timeout", 1, 600, header_timeout_seconds),
	SKEY("max_header_bytes", 1024, 1024 * 1024, 1, max_header_bytes),
	UKEY("max_params", 1, 1000000, max_params),
	UKEY("max_body_nodes", 100, 100000000, max_body_nodes),
	SKEY("response_cache", 0, 4096, 1024 * 1024, response_cache_bytes),
	UKEY("expand_max", 1, 1000000, expand_max),
	UKEY("expand_max_properties", 1, 10000000, expand_max_properties),
	UKEY("max_count", 1, 10000, max_count),
	UKEY("max_batch_entries", 1, 100000, max_batch_entries),
	UKEY("max_batch_answer_nodes", 1000, 100000000, max_batch_answer_nodes),
	UKEY("deliver_backoff_ms", 1, 86400000, deliver_backoff_ms),
	UKEY("deliver_backoff_cap_ms", 1, 86400000, deliver_backoff_cap_ms),
	UKEY("deliver_max_attempts", 1, 1000, deliver_max_attempts),
	UKEY("deliver_connect_timeout", 1, 600, deliver_connect_timeout),
	UKEY("deliver_timeout", 1, 3600, deliver_timeout),
	UKEY("deliver_parallel", 1, 256, deliver_parallel),
};
#undef UKEY
#undef SKEY

enum sv_err sv_config_set_listen(struct sv_config *c, const char *hostport, struct sv_error *err)
{
	const char *colon, *host = hostport;
	char buf[sizeof(c->listen_host)];
	struct in_addr a;
	struct in6_addr a6;
	unsigned long long port;
	size_t hlen;
	enum sv_err rc;

	/* An IPv6 address is written in brackets ([::1]:8080, RFC 3986), as in a URL. */
	if (hostport[0] == '[') {
		const char *close = strchr(hostport, ']');
		if (!close || close[1] != ':')
			return sv_fail(err, SV_ECONFIG, "listen: '%s' is not [IPV6]:PORT", hostport);
		host = hostport + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(hostport, ':');
		hlen = colon ? (size_t)(colon - hostport) : 0;
	}
	if (!colon || hlen == 0)
		return sv_fail(err, SV_ECONFIG, "listen: '%s' is not HOST:PORT (or [IPV6]:PORT)", hostport);
	if (hlen >= sizeof(c->listen_host))
		return sv_fail(err, SV_ECONFIG, "listen: host too long");
	if ((rc = parse_uint("listen port", colon + 1, 0, 65535, &port, err)) != SV_OK)
		return rc;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	/* What the server can bind (http.c): an IPv4 address, an IPv6 one in brackets, or localhost.
	 * Checked here so that check-config and serve agree. */
	if (host != hostport ? inet_pton(AF_INET6, buf, &a6) != 1 :
	    strcmp(buf, "localhost") != 0 && inet_pton(AF_INET, buf, &a) != 1)
		return sv_fail(err, SV_ECONFIG, "listen: '%s' is not an IPv4 address, [IPv6 address] or localhost",
			       hostport);
	memcpy(c->listen_host, buf, hlen + 1);
	c->listen_port = (unsigned)port;
	return SV_OK;
}

int sv_config_listen_is_ipv6(const struct sv_config *c)
{
	return strchr(c->listen_host, ':') != NULL;
}

void sv_config_base_url(const struct sv_config *c, int tls, unsigned port, char *buf, size_t cap)
{
	int v6 = sv_config_listen_is_ipv6(c);

	if (c->public_base_url[0])
		snprintf(buf, cap, "%s", c->public_base_url);
	else
		snprintf(buf, cap, "%s://%s%s%s:%u/fhir", tls ? "https" : "http", v6 ? "[" : "", c->listen_host,
			 v6 ? "]" : "", port);
}

/* public_base_url: an absolute http(s) URL with no query, fragment, spaces or trailing '/'. */
static enum sv_err set_base_url(struct sv_config *c, const char *v, struct sv_error *err)
{
	size_t n = strlen(v), host = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;

	if (!host || n <= host || v[host] == '/')
		return sv_fail(err, SV_ECONFIG, "public_base_url: '%s' is not an http(s) URL such as "
			       "https://terminologi.example.no/fhir", v);
	if (v[n - 1] == '/')
		return sv_fail(err, SV_ECONFIG, "public_base_url: must not end with '/'");
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '?' || *p == '#' || *p == '"' || *p == '\\' || *p == 0x7f)
			return sv_fail(err, SV_ECONFIG, "public_base_url: '%s' must be a plain URL (no spaces, query "
				       "or fragment)", v);
	return set_string(c->public_base_url, sizeof(c->public_base_url), "public_base_url", v, err);
}

static enum sv_err set_bool(int *dst, const char *key, const char *v, struct sv_error *err)
{
	if (strcmp(v, "true") == 0)
		*dst = 1;
	else if (strcmp(v, "false") == 0)
		*dst = 0;
	else
		return sv_fail(err, SV_ECONFIG, "%s: '%s' is not true or false", key, v);
	return SV_OK;
}

/* cors_origins: "*", or origins (scheme://host[:port], no path) separated by commas. */
static enum sv_err set_origins(struct sv_config *c, const char *v, struct sv_error *err)
{
	const char *p = v;

	if (strcmp(v, "*") != 0) {
		const char *item;
		size_t n, host;
		while ((item = sv_list_next(&p, &n)) != NULL) {
			host = strncmp(item, "https://", 8) == 0 ? 8 : strncmp(item, "http://", 7) == 0 ? 7 : 0;
			if (!host || n <= host || memchr(item + host, '/', n - host) || memchr(item, '*', n) ||
			    memchr(item, ' ', n))
				return sv_fail(err, SV_ECONFIG, "cors_origins: '%.*s' is not an origin like "
					       "https://app.example.org (or give * alone)", (int)n, item);
		}
	}
	return set_string(c->cors_origins, sizeof(c->cors_origins), "cors_origins", v, err);
}

int sv_config_listen_is_loopback(const struct sv_config *c)
{
	return strcmp(c->listen_host, "localhost") == 0 || strncmp(c->listen_host, "127.", 4) == 0 ||
	       strcmp(c->listen_host, "::1") == 0;
}

enum sv_err sv_config_set(struct sv_config *c, const char *key, const char *v, struct sv_error *err)
{
	unsigned long long n;
	enum sv_err rc;

	if (strcmp(key, "listen") == 0)
		return sv_config_set_listen(c, v, err);
	if (strcmp(key, "store") == 0)
		return set_string(c->store_path, sizeof(c->store_path), key, v, err);
	if (strcmp(key, "content") == 0)
		return set_string(c->content_dir, sizeof(c->content_dir), key, v, err);
	if (strcmp(key, "canonical_base") == 0) {
		if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
			return sv_fail(err, SV_ECONFIG, "canonical_base: '%s' is not an http(s) URL", v);
		if (v[strlen(v) - 1] == '/')
			return sv_fail(err, SV_ECONFIG, "canonical_base: must not end with '/'");
		return set_string(c->canonical_base, sizeof(c->canonical_base), key, v, err);
	}
	if (strcmp(key, "public_base_url") == 0)
		return set_base_url(c, v, err);
	if (strcmp(key, "assess_criteria") == 0 || strcmp(key, "assess_casemix") == 0) {
		char *dst = key[7] == 'c' && key[8] == 'r' ? c->assess_criteria : c->assess_casemix;
		if (*v && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0 && strncmp(v, "urn:", 4) != 0)
			return sv_fail(err, SV_ECONFIG, "%s: '%s' is not a canonical url[|version]", key, v);
		return set_string(dst, sizeof(c->assess_criteria), key, v, err);
	}
	if (strcmp(key, "auth") == 0) {
		if (strcmp(v, "writes") == 0)
			c->auth = SV_AUTH_WRITES;
		else if (strcmp(v, "all") == 0)
			c->auth = SV_AUTH_ALL;
		else
			return sv_fail(err, SV_ECONFIG, "auth: '%s' is not writes or all", v);
		return SV_OK;
	}
	/* The files are read and checked at start and by check-config (tls.h), not here. */
	if (strcmp(key, "tls_cert") == 0)
		return set_string(c->tls_cert, sizeof(c->tls_cert), key, v, err);
	if (strcmp(key, "tls_key") == 0)
		return set_string(c->tls_key, sizeof(c->tls_key), key, v, err);
	if (strcmp(key, "receivers") == 0)
		return set_string(c->receivers, sizeof(c->receivers), key, v, err);
	if (strcmp(key, "own_name") == 0)
		return set_string(c->own_name, sizeof(c->own_name), key, v, err);
	if (strcmp(key, "own_her_id") == 0) {
		if (strspn(v, "0123456789") != strlen(v))
			return sv_fail(err, SV_ECONFIG, "own_her_id: '%s' is not a HER-id (digits)", v);
		return set_string(c->own_her_id, sizeof(c->own_her_id), key, v, err);
	}
	if (strcmp(key, "own_endpoint") == 0) {
		if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
			return sv_fail(err, SV_ECONFIG, "own_endpoint: '%s' is not an http(s) URL", v);
		return set_string(c->own_endpoint, sizeof(c->own_endpoint), key, v, err);
	}
	if (strcmp(key, "log_requests") == 0)
		return set_bool(&c->log_requests, key, v, err);
	if (strcmp(key, "gzip") == 0)
		return set_bool(&c->gzip, key, v, err);
	if (strcmp(key, "cors_origins") == 0)
		return set_origins(c, v, err);
	if (strcmp(key, "publish_requires_second_person") == 0)
		return set_bool(&c->publish_requires_second_person, key, v, err);
	for (size_t i = 0; i < sizeof(NUMERIC_KEYS) / sizeof(NUMERIC_KEYS[0]); i++) {
		const struct numeric_key *nk = &NUMERIC_KEYS[i];
		if (strcmp(key, nk->name) != 0)
			continue;
		if ((rc = parse_uint(key, v, nk->lo, nk->hi, &n, err)) != SV_OK)
			return rc;
		n *= nk->scale;
		if (nk->is_size)
			*(size_t *)((char *)c + nk->offset) = (size_t)n;
		else
			*(unsigned *)((char *)c + nk->offset) = (unsigned)n;
		return SV_OK;
	}
	return sv_fail(err, SV_ECONFIG, "unknown key '%s'", key);
}

enum sv_err sv_config_parse(struct sv_config *c, const char *text, size_t len, const char *name,
			    struct sv_error *err)
{
	char line[CONFIG_MAX_LINE];
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *k, *v, *eq;
		enum sv_err rc;

		lineno++;
		if (n >= sizeof(line))
			return sv_fail(err, SV_ECONFIG, "%s:%d: line longer than %d bytes", name, lineno,
				       CONFIG_MAX_LINE - 1);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (memchr(line, '\0', n))
			return sv_fail(err, SV_ECONFIG, "%s:%d: NUL byte in line", name, lineno);
		k = sv_trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq)
			return sv_fail(err, SV_ECONFIG, "%s:%d: expected 'key = value'", name, lineno);
		*eq = '\0';
		v = sv_trim(eq + 1);
		k = sv_trim(k);
		rc = sv_config_set(c, k, v, err);
		if (rc != SV_OK) {
			char msg[sizeof(err->message)];
			if (!err)
				return rc;
			snprintf(msg, sizeof(msg), "%s", err->message);
			return sv_fail(err, rc, "%s:%d: %s", name, lineno, msg);
		}
	}
	return SV_OK;
}

enum sv_err sv_config_load(struct sv_config *c, const char *path, struct sv_error *err)
{
	size_t n = 0;
	char *buf = sv_file_read(path, CONFIG_MAX_BYTES, &n, err);
	enum sv_err rc;

	if (!buf)
		return err ? (err->code == SV_ETOOBIG ? sv_fail(err, SV_ECONFIG, "%s: larger than %d bytes", path,
								CONFIG_MAX_BYTES) : err->code) : SV_EIO;
	rc = sv_config_parse(c, buf, n, path, err);
	free(buf);
	return rc;
}
