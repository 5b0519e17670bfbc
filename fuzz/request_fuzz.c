/* request_fuzz.c — libFuzzer target for the whole request path: one HTTP request (method, target,
 * headers, body) through sv_exchange_run() — the strict target reader, negotiation, the capped body
 * parsers, Parameters from the query, the answer cache, every handler, rendering — against the
 * bundled content. Input: "METHOD TARGET\n", header lines "Name: value\n", an empty line, the body.
 *
 * Checks: no crash or sanitizer report; every answer has a status in 200..499 (a 5xx would be a
 * bug: samsvar never fails by itself on input), a media type and valid UTF-8; a FHIR JSON answer is a
 * resource, and an error is an OperationOutcome. Build and run with `make fuzz` (from the repository
 * root, so mappings/ is found).
 *
 * The service is the one `samsvar serve` runs: the bundled content imported into a store (SQLite, in
 * memory) behind a writer, so _history, vread and the writer's paths read a real store. No token is
 * accepted, so no input changes that store: an input replays to the same answer. */
#include "samsvar/content.h"
#include "samsvar/exchange.h"
#include "samsvar/import.h"
#include "samsvar/store.h"
#include "samsvar/utf8.h"
#include "samsvar/writer.h"
#define SV_FUZZ_OWN_INIT   /* it also loads the content the requests read */
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define MAX_HEADERS 32


struct headers {
	char *name[MAX_HEADERS], *value[MAX_HEADERS];
	int n;
};

static struct sv_config cfg;
static struct sv_registry reg;
static struct sv_service svc;

static void die(const struct sv_error *err)
{
	fprintf(stderr, "request_fuzz: run from the repository root: %s\n", err->message);
	abort();
}

/* The store `samsvar serve` fills on its first start: the content folder imported as the CLI does. */
static struct sv_store *bundled_store(const struct sv_config *c)
{
	struct sv_import_opts io = {.actor = "request_fuzz", .source = "content mappings"};
	struct sv_store *st = NULL;
	struct sv_error err = {0};
	int stored = 0, kept = 0;
	cJSON *arr = NULL;

	if (sv_store_open(":memory:", &st, &err) != SV_OK || !(arr = sv_content_load_dir(c->content_dir, c->canonical_base, &err)))
		die(&err);
	if (sv_store_begin(st, &err) != SV_OK || sv_import_store_all(st, arr, &io, &stored, &kept, &err) != SV_OK ||
	    sv_store_commit(st, &err) != SV_OK)
		die(&err);
	cJSON_Delete(arr);
	return st;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sv_alloc_init();
	sv_config_defaults(&cfg);
	cfg.log_requests = 0;
	snprintf(cfg.cors_origins, sizeof(cfg.cors_origins), "*");   /* so preflights are reached */
	cfg.max_body_bytes = 1024 * 1024;
	{
		struct sv_error err = {0};
		struct sv_store *st = bundled_store(&cfg);
		struct sv_snapshot *snap = sv_snapshot_from_store(st, &err);
		if (!snap)
			die(&err);
		sv_registry_init(&reg, snap);
		svc.writer = sv_writer_new(st, &reg);
	}
	svc.cfg = &cfg;
	svc.reg = &reg;
	return 0;
}

/* A gzip answer (Content-Encoding) is checked as what it decompresses to, which must be whole. */
static void gunzip_answer(struct sv_exchange *x)
{
	z_stream z;
	size_t cap = 64 * 1024 * 1024;
	char *out;

	if (!sv_resp_header_get(&x->headers, "Content-Encoding"))
		return;
	memset(&z, 0, sizeof(z));
	out = malloc(cap);
	if (!out || inflateInit2(&z, 15 + 16) != Z_OK)
		abort();
	z.next_in = (Bytef *)x->bytes;
	z.avail_in = (uInt)x->len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (inflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out <= x->len) {
		fprintf(stderr, "request_fuzz: a gzip answer that does not inflate, or did not shrink\n");
		abort();
	}
	inflateEnd(&z);
	free(x->bytes);
	x->bytes = out;
	x->len = z.total_out;
}

static const char *header(void *ctx, const char *name)
{
	const struct headers *h = ctx;
	for (int i = 0; i < h->n; i++)
		if (strcasecmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

/* Cuts the next '\n'-ended line out of [*p, end) in place; returns it, or NULL at the end. */
static char *next_line(char **p, char *end)
{
	char *line = *p, *nl;
	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	if (!nl)
		nl = end;
	*nl = '\0';
	*p = nl < end ? nl + 1 : end;
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p = buf, *end = buf + size, *line, *sp;
	struct headers h = {.n = 0};
	struct sv_exchange x;

	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&x, 0, sizeof(x));
	line = next_line(&p, end);
	if (!line) {
		free(buf);
		return 0;
	}
	sp = strchr(line, ' ');
	if (sp)
		*sp = '\0';
	x.method = line;
	x.target = sp ? sp + 1 : "/";
	x.target_len = strlen(x.target);
	while ((line = next_line(&p, end)) != NULL && *line && h.n < MAX_HEADERS) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		h.name[h.n] = line;
		h.value[h.n++] = colon[1] == ' ' ? colon + 2 : colon + 1;
	}
	x.header = header;
	x.header_ctx = &h;
	x.body = p;
	x.body_len = (size_t)(end - p);
	sv_exchange_run(&svc, &x);

	if (x.status == 204) {          /* a CORS preflight: headers only */
		if (x.len != 0 || !sv_resp_header_get(&x.headers, "Access-Control-Allow-Origin"))
			abort();
		goto out;
	}
	gunzip_answer(&x);
	if (x.status < 200 || x.status > 499 || !x.bytes || !x.content_type) {
		fprintf(stderr, "request_fuzz: status %d (%s): %.300s\n", x.status, x.content_type ? x.content_type : "-",
			x.bytes ? x.bytes : "(no body)");
		abort();
	}
	if (!sv_utf8_valid(x.bytes, x.len)) {
		fprintf(stderr, "request_fuzz: the answer is not valid UTF-8\n");
		abort();
	}
	if (strstr(x.content_type, "application/fhir+json")) {
		cJSON *j = cJSON_ParseWithLength(x.bytes, x.len);
		const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "resourceType"));
		if (!rt || (x.status >= 400 && strcmp(rt, "OperationOutcome") != 0)) {
			fprintf(stderr, "request_fuzz: status %d with %.300s\n", x.status, x.bytes);
			abort();
		}
		cJSON_Delete(j);
	}
out:
	free(x.bytes);
	sv_resp_headers_release(&x.headers);
	free(buf);
	return 0;
}
