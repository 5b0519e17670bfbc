/* test_api_hostile.c — black-box tests of every hostile case of issue 7 against the real daemon:
 * client-controlled cost (100,000 keys, 16k tx-resources, 80,000 XML attributes, 500 query
 * parameters), transport abuse (slow headers, Expect: 100-continue with a huge Content-Length,
 * requests libmicrohttpd refuses itself, a full server), and output hygiene (invalid UTF-8, %00,
 * control characters in the log). Each must get a FHIR answer (an OperationOutcome in the
 * negotiated format) instead of a stall, HTML or bytes that are not UTF-8. The deadlines here are
 * generous failure bounds, not performance figures (those live in `make bench`). */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "support/daemon.h"
#include "support/support.h"

TS_DAEMON_SUITE(NULL)
TS_DAEMON_SUITE_END()

#define IPLOS "urn:oid:2.16.578.1.12.4.1.1.9111"
/* Sends the raw request text `s` on a new connection; see ts_raw(). */
#define RAW(port, s, ms) ts_raw((port), (s), strlen(s), (ms), NULL)

static const char *const JSON_H[] = {"Accept: application/fhir+json", "Content-Type: application/fhir+json", NULL};

/* A growable string for building large bodies. */
struct sb {
	char *s;
	size_t n, cap;
};

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int k;
	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (b->s && (size_t)k < b->cap - b->n)
			break;
		b->cap = (b->cap + (size_t)k + 1) * 2;
		b->s = realloc(b->s, b->cap);
	}
	b->n += (size_t)k;
}

/* Asserts `r` is an OperationOutcome in FHIR JSON with HTTP status `status`; returns its first issue code. */
static char *expect_outcome(const struct ts_resp *r, long status)
{
	cJSON *j;
	char *code;
	cr_assert_eq(r->status, status, "status %ld, expected %ld: %.300s", r->status, status, r->body);
	cr_assert(strstr(r->ctype, "application/fhir+json"), "content type '%s'", r->ctype);
	j = cJSON_Parse(r->body);
	cr_assert_not_null(j, "not JSON: %.200s", r->body);
	cr_assert_str_eq(cJSON_GetObjectItem(j, "resourceType")->valuestring, "OperationOutcome");
	code = strdup(ts_issue_code(j) ? ts_issue_code(j) : "");
	cJSON_Delete(j);
	return code;
}

/* The status code of a raw HTTP answer, or 0. */
static int raw_status(const char *resp)
{
	return resp && strncmp(resp, "HTTP/1.1 ", 9) == 0 ? atoi(resp + 9) : 0;
}

/* Asserts a raw answer is `status` with an OperationOutcome in FHIR JSON. */
static void expect_raw_outcome(const char *resp, int status)
{
	const char *body;
	cJSON *j;
	cr_assert_not_null(resp, "no connection");
	cr_assert_eq(raw_status(resp), status, "answer: %.300s", resp);
	cr_assert(strcasestr(resp, "\r\nContent-Type: application/fhir+json"), "not FHIR JSON: %.300s", resp);
	/* The last header/body boundary: for a Content-Length it cannot parse, libmicrohttpd 0.9.75
	 * writes its status line and headers twice (a bug of that release) before the body. */
	body = strstr(resp, "\r\n\r\n");
	cr_assert_not_null(body);
	for (const char *again; (again = strstr(body + 4, "\r\n\r\n")) != NULL && strncmp(body + 4, "HTTP/1.1 ", 9) == 0;)
		body = again;
	j = cJSON_Parse(body + 4);
	cr_assert_not_null(j, "body not JSON: %.200s", body + 4);
	cr_assert_str_eq(cJSON_GetObjectItem(j, "resourceType")->valuestring, "OperationOutcome");
	cJSON_Delete(j);
}

/* POSTs `len` bytes to `path` with headers `h` and asserts an OperationOutcome with `status` whose
 * text holds `needle`. */
static void expect_refused(const char *path, const char *const *h, const char *body, size_t len, long status,
			   const char *needle)
{
	struct ts_resp r;

	cr_assert_eq(ts_http(ts_port(), "POST", path, h, body, len, &r), 0);
	free(expect_outcome(&r, status));
	cr_assert(strstr(r.body, needle), "no '%s' in %.300s", needle, r.body);
	free(r.body);
}

static char *keys_body(int n, int duplicate_last)
{
	struct sb b = {0};
	sb_add(&b, "{");
	for (int i = 0; i < n; i++)
		sb_add(&b, "\"k%d\":1,", duplicate_last && i == n - 1 ? 0 : i);
	b.s[b.n - 1] = '}';
	return b.s;
}

Test(hostile, hundred_thousand_keys_are_answered_and_a_duplicate_found)
{
	struct ts_resp r;
	char *body = keys_body(100000, 0), *code;

	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir/CodeSystem/$lookup", JSON_H, body, strlen(body), &r), 0);
	code = expect_outcome(&r, 400);            /* not Parameters: no code to look up */
	cr_assert_str_eq(code, "required");
	free(code);
	free(r.body);
	free(body);
	body = keys_body(100000, 1);
	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir/CodeSystem/$lookup", JSON_H, body, strlen(body), &r), 0);
	free(expect_outcome(&r, 400));
	cr_assert(strstr(r.body, "'k0' twice"), "%.300s", r.body);
	free(r.body);
	free(body);
}

static void *post_keys(void *arg)
{
	struct ts_resp r;
	const char *body = arg;
	ts_http(ts_port(), "POST", "/fhir/CodeSystem/$lookup", JSON_H, body, strlen(body), &r);
	free(r.body);
	return NULL;
}

Test(hostile, metadata_is_answered_while_big_bodies_are_checked)
{
	pthread_t t[4];
	char *body = keys_body(100000, 0);
	long status;
	cJSON *cs;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, post_keys, body);
	cs = ts_get_json("/fhir/metadata", &status);
	cr_assert_eq(status, 200);
	cr_assert_str_eq(cJSON_GetObjectItem(cs, "resourceType")->valuestring, "CapabilityStatement");
	cJSON_Delete(cs);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	free(body);
}

static char *tx_resources(int n)
{
	struct sb b = {0};
	sb_add(&b, "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"url\",\"valueUri\":\"http://x/cs0\"},"
	       "{\"name\":\"code\",\"valueCode\":\"a\"}");
	for (int i = 0; i < n; i++)
		sb_add(&b, ",{\"name\":\"tx-resource\",\"resource\":{\"resourceType\":\"CodeSystem\",\"url\":"
		       "\"http://x/cs%d\",\"version\":\"1\",\"status\":\"active\",\"content\":\"complete\","
		       "\"concept\":[{\"code\":\"a\"}]}}", i);
	sb_add(&b, "]}");
	return b.s;
}

Test(hostile, sixteen_thousand_tx_resources_are_refused_by_the_parameter_cap)
{
	struct ts_resp r;
	char *body = tx_resources(16000), *code;

	cr_assert_gt(strlen(body), 1800000);
	cr_assert_eq(ts_http(ts_port(), "POST", "/fhir/CodeSystem/$lookup", JSON_H, body, strlen(body), &r), 0);
	code = expect_outcome(&r, 413);
	cr_assert_str_eq(code, "too-long");
	cr_assert(strstr(r.body, "max_params"), "%.300s", r.body);
	free(code);
	free(r.body);
	free(body);
}

Test(hostile, eighty_thousand_xml_attributes_are_refused)
{
	static const char *const h[] = {"Accept: application/fhir+json", "Content-Type: application/fhir+xml", NULL};
	struct sb b = {0};

	sb_add(&b, "<Parameters xmlns=\"http://hl7.org/fhir\"");
	for (int i = 0; i < 80000; i++)
		sb_add(&b, " a%d=\"1\"", i);
	sb_add(&b, "/>");
	expect_refused("/fhir/CodeSystem/$lookup", h, b.s, b.n, 400, "attributes");
	free(b.s);
}

static char *many_params(int n)
{
	struct sb b = {0};
	sb_add(&b, "/fhir/CodeSystem/$lookup?system=" IPLOS "&code=20");
	for (int i = 0; i < n; i++)
		sb_add(&b, "&p%d=1", i);
	return b.s;
}

Test(hostile, five_hundred_query_parameters_are_answered_and_too_many_refused)
{
	struct ts_resp r;
	char *path = many_params(500), *code;

	cr_assert_eq(ts_http(ts_port(), "GET", path, JSON_H, NULL, 0, &r), 0);
	cr_assert_neq(r.status, 0);
	cr_assert_lt(r.status, 500, "%ld %.200s", r.status, r.body);
	free(r.body);
	free(path);
	/* 1,001 bare names (2 KB): over max_params; and 6,000 (12 KB): over max_header_bytes as well.
	 * Far more than libmicrohttpd's pool could hold as parsed records (which once stalled the
	 * connection): each gets its FHIR answer. */
	{
		static const struct {
			int n;
			long status;
		} bare[] = {{1001, 413}, {6000, 414}};
		for (size_t k = 0; k < 2; k++) {
			struct sb b = {0};
			sb_add(&b, "/fhir/CodeSystem/$lookup?a");
			for (int i = 1; i < bare[k].n; i++)
				sb_add(&b, "&a");
			cr_assert_eq(ts_http(ts_port(), "GET", b.s, JSON_H, NULL, 0, &r), 0);
			free(expect_outcome(&r, bare[k].status));
			free(r.body);
			free(b.s);
		}
	}
	path = many_params(1001);
	cr_assert_eq(ts_http(ts_port(), "GET", path, JSON_H, NULL, 0, &r), 0);
	code = expect_outcome(&r, 413);
	cr_assert(strstr(r.body, "max_params"), "%.300s", r.body);
	free(code);
	free(r.body);
	free(path);
}

Test(hostile, an_oversized_body_is_refused_before_it_is_sent)
{
	static const char req[] = "POST /fhir/CodeSystem/$lookup HTTP/1.1\r\nHost: x\r\n"
				  "Content-Type: application/fhir+json\r\nContent-Length: 67108864\r\n"
				  "Expect: 100-continue\r\n\r\n";
	char *resp = ts_raw(ts_port(), req, sizeof(req) - 1, 5000, NULL);

	cr_assert(!strstr(resp, "100 Continue"), "told to send the body: %.200s", resp);
	expect_raw_outcome(resp, 413);
	free(resp);
}

/* Sends head + `pad` bytes of 'a' + tail raw and expects an OperationOutcome with `status`. */
static void expect_padded(const char *head, size_t pad, const char *tail, int status)
{
	struct sb b = {0};
	char *resp;

	sb_add(&b, "%s%*s%s", head, (int)pad, "", tail);
	memset(b.s + strlen(head), 'a', pad);
	resp = ts_raw(ts_port(), b.s, b.n, 5000, NULL);
	expect_raw_outcome(resp, status);
	free(resp);
	free(b.s);
}

Test(hostile, requests_the_http_library_refuses_are_answered_in_fhir)
{
	char *resp;

	resp = RAW(ts_port(), "GET /fhir/metadata HTTP/2.0\r\nHost: x\r\n\r\n", 5000);
	expect_raw_outcome(resp, 505);
	free(resp);
	resp = RAW(ts_port(), "GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 5000);
	expect_raw_outcome(resp, 400);
	free(resp);
	resp = RAW(ts_port(), "POST /fhir/$assess HTTP/1.1\r\nHost: x\r\n"
		      "Content-Length: 999999999999999999999999\r\n\r\n", 5000);
	cr_assert(raw_status(resp) == 413 || raw_status(resp) == 400, "%.200s", resp);
	expect_raw_outcome(resp, raw_status(resp));
	free(resp);
	/* Over libmicrohttpd's pool (431 from the library) and over max_header_bytes only (samsvar's). */
	expect_padded("GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nX-Big: ", 300000, "\r\n\r\n", 431);
	expect_padded("GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nX-Big: ", 10000, "\r\n\r\n", 431);
	expect_padded("GET /fhir/metadata?x=", 10000, " HTTP/1.1\r\nHost: x\r\n\r\n", 414);
}

Test(hostile, method_not_allowed_carries_allow_and_probes_take_get_and_head_only)
{
	static const struct {
		const char *req;
		const char *allow;
	} cases[] = {
		{"DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "GET, HEAD"},
		{"FOO /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "GET, HEAD"},
		{"POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "GET, HEAD"},
		{"PATCH /fhir/CodeSystem/iplos-9111 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		 "GET, HEAD, PUT, DELETE"},
		{"DELETE /fhir/CodeSystem/iplos-9111/_history HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		 "GET, HEAD"},
		{"PUT /fhir/CodeSystem/$lookup HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		 "GET, HEAD, POST"},
		{"GET /fhir/$assess HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "POST"},
	};
	char *resp;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[64];
		resp = ts_raw(ts_port(), cases[i].req, strlen(cases[i].req), 5000, NULL);
		expect_raw_outcome(resp, 405);
		snprintf(want, sizeof(want), "\r\nAllow: %s\r\n", cases[i].allow);
		cr_assert(strstr(resp, want), "case %zu lacks '%s': %.300s", i, cases[i].allow, resp);
		free(resp);
	}
	resp = RAW(ts_port(), "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
	cr_assert_eq(raw_status(resp), 200, "%.200s", resp);
	cr_assert(strstr(resp, "\"ready\""));
	free(resp);
	resp = RAW(ts_port(), "HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
	cr_assert_eq(raw_status(resp), 200, "%.200s", resp);
	free(resp);
}

Test(hostile, invalid_utf8_is_a_400_in_the_negotiated_format)
{
	struct ts_resp r;
	static const char *const xml_h[] = {"Accept: application/fhir+xml", NULL};
	static const char bad_json[] = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"code\","
				       "\"valueCode\":\"\xff\"}]}";
	static const char nul_json[] = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"code\","
				       "\"valueCode\":\"a\\u0000b\"}]}";
	char *code;

	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/$validate-code?url=" IPLOS "&code=%ff",
			     JSON_H, NULL, 0, &r), 0);
	code = expect_outcome(&r, 400);
	cr_assert(strstr(r.body, "'code'"), "names the parameter: %.300s", r.body);
	free(code);
	free(r.body);
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/$validate-code?url=" IPLOS "&code=%ff&_format=xml",
			     NULL, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(r.ctype, "application/fhir+xml"), "%s", r.ctype);
	cr_assert(strstr(r.body, "<OperationOutcome"), "%.300s", r.body);
	free(r.body);
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/$validate-code?url=" IPLOS "&code=%ff",
			     xml_h, NULL, 0, &r), 0);
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(r.body, "<OperationOutcome"), "%.300s", r.body);
	free(r.body);
	expect_refused("/fhir/CodeSystem/$lookup", JSON_H, bad_json, sizeof(bad_json) - 1, 400, "UTF-8");
	expect_refused("/fhir/CodeSystem/$lookup", JSON_H, nul_json, sizeof(nul_json) - 1, 400, "NUL");
}

Test(hostile, an_encoded_nul_in_the_path_is_refused_not_cut)
{
	struct ts_resp r;
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/%00", JSON_H, NULL, 0, &r), 0);
	free(expect_outcome(&r, 400));
	free(r.body);
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/iplos-9111%00.json", JSON_H, NULL, 0, &r), 0);
	free(expect_outcome(&r, 400));
	free(r.body);
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/%zz", JSON_H, NULL, 0, &r), 0);
	free(expect_outcome(&r, 400));
	free(r.body);
}

Test(hostile, log_lines_escape_control_characters)
{
	struct ts_daemon d;
	static const char req[] = "GET /fhir/CodeSystem/a%0D%0Afake\x1b[31m?x=%0A HTTP/1.1\r\nHost: x\r\n"
				  "Connection: close\r\n\r\n";
	char *resp, *log = NULL, *line = NULL;

	cr_assert_eq(ts_daemon_start(&d, "log_requests = true"), 0);
	resp = ts_raw(d.port, req, sizeof(req) - 1, 5000, NULL);
	expect_raw_outcome(resp, 400);
	free(resp);
	for (int i = 0; i < 100 && !line; i++) {       /* the line is written just after the answer */
		free(log);
		log = ts_read_file(d.log, NULL);
		line = log ? strstr(log, "/fhir/CodeSystem/a%0D%0Afake") : NULL;
		if (!line)
			usleep(20000);
	}
	cr_assert_not_null(line, "no log line for the request");
	cr_assert(!strchr(log, '\x1b'), "a raw escape character reached the log");
	cr_assert(strstr(line, "\\x1B[31m"), "%.200s", line);
	cr_assert(!strstr(log, "\nfake"), "a forged line");
	free(log);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

/* Slow-header clients from another address (127.0.0.2) take what the per-address cap allows and are
 * cut off at header_timeout; a normal client is answered meanwhile. */
Test(hostile, slow_headers_cannot_hold_the_server, .timeout = 60)
{
	struct ts_daemon d;
	static const char SLOW[] = "GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nX-Slow: a";
	int fds[300], nfd = 0, closed = 0;
	char *resp;

	cr_assert_eq(ts_daemon_start(&d, "header_timeout = 2\nmax_connections_per_ip = 16\nmax_connections = 64"), 0);
	for (int i = 0; i < 300; i++) {
		int fd = ts_connect(d.port, "127.0.0.2");
		if (fd < 0)
			continue;
		(void)!send(fd, SLOW, strlen(SLOW), MSG_NOSIGNAL);
		fds[nfd++] = fd;
	}
	cr_assert_gt(nfd, 0);
	resp = RAW(d.port, "GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
	cr_assert_eq(raw_status(resp), 200, "a normal client was not answered: %.200s", resp ? resp : "(none)");
	free(resp);
	sleep(4);                                     /* past header_timeout (+ the watchdog's tick) */
	for (int i = 0; i < nfd; i++) {
		char b[64];
		struct timeval tv = {0, 200000};
		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssize_t k = recv(fds[i], b, sizeof(b), 0);
		/* Closed by the server: an orderly close, or a reset for one refused with unread bytes. */
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			closed++;
		close(fds[i]);
	}
	cr_assert_eq(closed, nfd, "%d of %d slow connections still open after header_timeout", nfd - closed, nfd);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

Test(hostile, a_full_server_says_so, .timeout = 60)
{
	struct ts_daemon d;
	int fds[8];
	char *resp;

	cr_assert_eq(ts_daemon_start(&d, "max_connections = 8\nmax_connections_per_ip = 100\nheader_timeout = 30"), 0);
	for (int i = 0; i < 8; i++)
		cr_assert_geq(fds[i] = ts_connect(d.port, "127.0.0.2"), 0);
	usleep(200000);
	resp = RAW(d.port, "GET /fhir/metadata HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
	expect_raw_outcome(resp, 503);
	cr_assert(strstr(resp, "\r\nRetry-After: 1\r\n"), "%.300s", resp);
	free(resp);
	for (int i = 0; i < 8; i++)
		close(fds[i]);
	usleep(300000);
	resp = RAW(d.port, "GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3000);
	cr_assert_eq(raw_status(resp), 200, "%.200s", resp);
	free(resp);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

/* The smaller findings, each a wrong answer that looked right. */
static void expect_bad_post(const char *path, const char *body, long status, const char *expression,
			    const char *quote)
{
	struct ts_resp r;
	cJSON *j;
	const cJSON *ex;

	cr_assert_eq(ts_http(ts_port(), "POST", path, JSON_H, body, strlen(body), &r), 0);
	free(expect_outcome(&r, status));
	j = cJSON_Parse(r.body);
	ex = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "issue"), 0),
						    "expression"), 0);
	cr_assert_str_eq(cJSON_GetStringValue(ex), expression, "%.300s", r.body);
	if (quote)
		cr_assert(strstr(r.body, quote), "does not quote '%s': %.300s", quote, r.body);
	cJSON_Delete(j);
	free(r.body);
}

#define ITEM(v, s)                                                                                       \
	"{\"name\":\"item\",\"part\":[{\"name\":\"variable\",\"valueCoding\":{\"system\":\"" IPLOS "\","     \
	"\"code\":\"" v "\"}},{\"name\":\"score\"," s "}]}"

Test(hostile, assess_refuses_scores_that_are_not_whole_and_mistyped_values)
{
	expect_bad_post("/fhir/$assess", "{\"resourceType\":\"Parameters\",\"parameter\":[" ITEM("4", "\"valueInteger\":3.5") "]}",
			400, "item[0].score", "3.5");
	expect_bad_post("/fhir/$assess", "{\"resourceType\":\"Parameters\",\"parameter\":[" ITEM("4", "\"valueInteger\":1e308") "]}",
			400, "item[0].score", "1e308");
	/* A value given twice, one of them mistyped, is not settled by the one that fits. */
	expect_bad_post("/fhir/$assess", "{\"resourceType\":\"Parameters\",\"parameter\":["
			ITEM("4", "\"valueInteger\":3,\"valueString\":\"x\"") "]}", 400, "item[0].score", NULL);
}

Test(hostile, assess_refuses_an_observation_with_two_variables)
{
	expect_bad_post("/fhir/$assess", "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":"
			"{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":["
			"{\"system\":\"" IPLOS "\",\"code\":\"4\"},{\"system\":\"" IPLOS "\",\"code\":\"7\"}]},"
			"\"valueInteger\":3}}]}", 400, "Bundle.entry[0].resource.code", NULL);
}

Test(hostile, a_query_parameter_beside_a_parameters_body_is_not_ignored)
{
	expect_bad_post("/fhir/$assess?relations=nosuch", "{\"resourceType\":\"Parameters\",\"parameter\":["
			ITEM("4", "\"valueInteger\":3") "]}", 404, "relations", "nosuch");
	expect_bad_post("/fhir/CodeSystem/$lookup?code=1", "{\"resourceType\":\"Parameters\",\"parameter\":["
			"{\"name\":\"system\",\"valueUri\":\"" IPLOS "\"},{\"name\":\"code\",\"valueCode\":\"20\"}]}",
			400, "code", "both");
}

Test(hostile, post_validate_code_checks_the_display_of_a_coding)
{
	static const char body[] = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"url\",\"valueUri\":\""
				   IPLOS "\"},{\"name\":\"coding\",\"valueCoding\":{\"system\":\"" IPLOS "\","
				   "\"code\":\"20\",\"display\":\"Not the display\"}}]}";
	long status;
	cJSON *p = ts_post_json("/fhir/CodeSystem/$validate-code", body, &status);

	cr_assert_eq(status, 200);
	cr_assert_eq(ts_param_bool(p, "result"), 0, "a wrong display was accepted");
	cJSON_Delete(p);
}

/* Found in review: each of these once led to a wrong answer, a stall or a bypassed cap. */
Test(hostile, a_value_with_separator_bytes_cannot_poison_the_answer_cache)
{
	static const char *const JA[] = {"Accept: application/fhir+json", NULL};
	struct ts_resp a, b, b2;

	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/$lookup?system=" IPLOS "&code=7&displayLanguage=en%1Fproperty%1Echild",
			     JA, NULL, 0, &a), 0);
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/$lookup?system=" IPLOS "&code=7&displayLanguage=en&property=child",
			     JA, NULL, 0, &b), 0);
	cr_assert_eq(ts_http(ts_port(), "GET", "/fhir/CodeSystem/$lookup?property=child&system=" IPLOS "&code=7&displayLanguage=en",
			     JA, NULL, 0, &b2), 0);
	cr_assert_str_eq(b.body, b2.body, "the answer depends on what was asked before");
	free(a.body);
	free(b.body);
	free(b2.body);
}

Test(hostile, parameters_with_elements_fhir_does_not_define_are_refused)
{
	expect_bad_post("/fhir/CodeSystem/$lookup?q=1", "{\"resourceType\":\"Parameters\",\"parameter\":[{\"k0\":0,\"k1\":0,"
			"\"name\":\"system\",\"valueUri\":\"" IPLOS "\"},{\"name\":\"code\",\"valueCode\":\"20\"}]}",
			400, "system", "k0");
}

Test(hostile, xml_that_is_not_utf8_is_refused_before_parsing)
{
	static const char *const h[] = {"Accept: application/fhir+json", "Content-Type: application/fhir+xml", NULL};
	static const char latin1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Parameters xmlns=\"http://hl7.org/fhir\">"
				     "<parameter><name value=\"code\"/><valueCode value=\"\xe6\"/></parameter></Parameters>";
	static const char ebcdic_decl[] = "<?xml version='1.0' encoding='IBM037'?><Parameters xmlns=\"http://hl7.org/fhir\"/>";

	expect_refused("/fhir/CodeSystem/$lookup", h, latin1, sizeof(latin1) - 1, 400, "UTF-8");
	expect_refused("/fhir/CodeSystem/$lookup", h, ebcdic_decl, sizeof(ebcdic_decl) - 1, 400, "encoding");
}

Test(hostile, a_nul_byte_inside_the_request_target_is_refused)
{
	static const char hidden[] = "GET /fhir/metadata\0/../other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	struct sb b = {0};
	char *resp;

	resp = ts_raw(ts_port(), hidden, sizeof(hidden) - 1, 5000, NULL);
	expect_raw_outcome(resp, 400);
	free(resp);
	/* The '?' after the NUL: libmicrohttpd would otherwise parse 900 parameters into its pool. */
	sb_add(&b, "GET /fhir/metadata%c?a", 0);
	for (int i = 0; i < 900; i++)
		sb_add(&b, "&a");
	sb_add(&b, " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	resp = ts_raw(ts_port(), b.s, b.n, 5000, NULL);
	expect_raw_outcome(resp, 400);
	free(resp);
	free(b.s);
}

Test(hostile, an_absolute_form_target_is_served)
{
	char *resp = RAW(ts_port(), "GET http://127.0.0.1/fhir/metadata?_format=json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 5000);
	cr_assert_eq(raw_status(resp), 200, "%.200s", resp);
	cr_assert(strstr(resp, "CapabilityStatement"));
	free(resp);
}

Test(hostile, early_refusals_follow_accept)
{
	static const char req[] = "POST /fhir/CodeSystem/$lookup HTTP/1.1\r\nHost: x\r\nAccept: application/fhir+xml\r\n"
				  "Content-Type: application/fhir+json\r\nContent-Length: 67108864\r\n\r\n";
	char *resp = ts_raw(ts_port(), req, sizeof(req) - 1, 5000, NULL);

	cr_assert_eq(raw_status(resp), 413, "%.200s", resp);
	cr_assert(strstr(resp, "Content-Type: application/fhir+xml"), "%.300s", resp);
	cr_assert(strstr(resp, "<OperationOutcome"), "%.300s", resp);
	free(resp);
}

Test(hostile, numbers_longer_than_cjson_reads_are_refused)
{
	struct sb b = {0};

	sb_add(&b, "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"count\",\"valueInteger\":1");
	for (int i = 0; i < 80; i++)
		sb_add(&b, "0");
	sb_add(&b, "}]}");
	expect_refused("/fhir/ValueSet/$expand", JSON_H, b.s, b.n, 400, "number");
	free(b.s);
}

/* A chunked body has no Content-Length to refuse it by: a little over max_body is read and answered
 * 413; far over it, the connection is closed instead of being read for ever. */
Test(hostile, an_oversized_chunked_body_is_refused_or_cut_off, .timeout = 60)
{
	struct ts_daemon d;
	struct sb b = {0};
	char *resp;

	cr_assert_eq(ts_daemon_start(&d, "max_body = 1024"), 0);
	sb_add(&b, "POST /fhir/CodeSystem/$lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
	       "Transfer-Encoding: chunked\r\n\r\n5dc\r\n%1500s\r\n0\r\n\r\n", "");
	resp = ts_raw(d.port, b.s, b.n, 5000, NULL);
	expect_raw_outcome(resp, 413);
	free(resp);
	b.n = 0;
	sb_add(&b, "POST /fhir/CodeSystem/$lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
	       "Transfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 64; i++)
		sb_add(&b, "400\r\n%1024s\r\n", "");
	resp = ts_raw(d.port, b.s, b.n, 5000, NULL);
	cr_assert_eq(raw_status(resp), 0, "64 KiB past a 1 KiB cap was read to the end: %.200s", resp);
	free(resp);
	free(b.s);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

/* Two Content-Length headers, or one with Transfer-Encoding, make the body's length ambiguous: a
 * proxy in front and samsvar could read different requests from one stream. Both are refused. */
Test(hostile, an_ambiguous_body_length_is_a_400)
{
	static const char *const reqs[] = {
		"POST /fhir/CodeSystem/$lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
		"Content-Length: 20\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{\"resourceType\":\"x\"}",
		"POST /fhir/CodeSystem/$lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\n"
		"Content-Length: 20\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n14\r\n"
		"{\"resourceType\":\"x\"}\r\n0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		char *resp = ts_raw(ts_port(), reqs[i], strlen(reqs[i]), 5000, NULL);
		expect_raw_outcome(resp, 400);
		cr_assert(strstr(resp, "ambiguous"), "case %zu: %.300s", i, resp);
		free(resp);
	}
}
