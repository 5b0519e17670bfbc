/* daemon.c — starting the real daemon and talking HTTP to it, for black-box tests. */
#include "support/daemon.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void ts_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* 1 when `port` on loopback can be bound now. */
static int port_free(unsigned port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* A port for a daemon that must be named before it starts (two sites that know each other's
 * address). It is taken below the kernel's ephemeral range (32768 and up on Linux), which port-0
 * listeners and outgoing connections draw from, so nothing else on the machine is handed it between
 * this check and the daemon's bind; random, so parallel tests rarely try the same one. */
unsigned ts_free_port(void)
{
	static unsigned seed;

	if (!seed)
		seed = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
	for (int i = 0; i < 500; i++) {
		unsigned port;
		seed = seed * 1103515245u + 12345u;
		port = 20000 + (seed >> 8) % 12000;
		if (port_free(port))
			return port;
	}
	cr_assert_fail("no free port in 20000-31999");
	return 0;
}

char *ts_token_create(const struct ts_daemon *d, const char *name, const char *role)
{
	char args[700], *out, *line, *tok;

	snprintf(args, sizeof(args), "token create --config %s/samsvar.conf --name %s --role %s", d->dir, name, role);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	line = strstr(out, "sv_");
	cr_assert_not_null(line, "no token printed: %s", out);
	tok = strndup(line, strcspn(line, "\n"));
	cr_assert(strstr(out, "shown only this once"), "%s", out);
	free(out);
	return tok;
}

static int spawn(struct ts_daemon *d, int tie);

/* Starts the daemon; `tie` makes it exit with the thread that started it (see ts_daemon_start()). */
static int daemon_start(struct ts_daemon *d, const char *extra_conf, int tie)
{
	const char *root = getenv("SAMSVAR_ROOT");
	char conf[320];
	FILE *f;

	memset(d, 0, sizeof(*d));
	if (!root)
		root = ".";
	snprintf(d->dir, sizeof(d->dir), "/tmp/samsvar-test-XXXXXX");
	if (!mkdtemp(d->dir)) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(conf, sizeof(conf), "%s/samsvar.conf", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/daemon.log", d->dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "listen = 127.0.0.1:0\nstore = %s/store.db\ncontent = %s/mappings\nthreads = 2\n%s\n", d->dir,
		root, extra_conf ? extra_conf : "");
	fclose(f);
	return spawn(d, tie);
}

/* Forks `samsvar serve` on d's config in d's folder and waits for it to listen. */
static int spawn(struct ts_daemon *d, int tie)
{
	const char *bin = getenv("SAMSVAR_BIN");
	char conf[320], cmdlog[400];
	FILE *f;

	if (!bin)
		bin = "build/samsvar";
	snprintf(conf, sizeof(conf), "%s/samsvar.conf", d->dir);
	d->pid = fork();
	if (d->pid < 0)
		return -1;
	if (d->pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		/* A test that fails before ts_daemon_stop() must not leave its daemon running: the
		 * daemon gets SIGTERM when the thread that forked it ends (a test runs on its process's
		 * one thread). Not for the suite's daemon: Criterion's hooks may run on a thread that
		 * ends long before the suite does. */
		if (tie)
			prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		execl(bin, bin, "serve", "--config", conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		char line[512];
		int status;
		ts_sleep_ms(50);
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			fprintf(stderr, "samsvar exited during start-up; log %s\n", d->log);
			d->pid = 0;
			return -1;
		}
		f = fopen(d->log, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			/* http:// or, with tls_cert set, https:// */
			const char *p = strstr(line, "listening on http");
			/* ://127.0.0.1:PORT/fhir, or ://[::1]:PORT/fhir */
			if (p && (p = strstr(p, "://")) != NULL && (p = p[3] == '[' ? strchr(p, ']') : p + 3) != NULL &&
			    (p = strchr(p, ':')) != NULL) {
				d->port = (unsigned)strtoul(p + 1, NULL, 10);
				fclose(f);
				return 0;
			}
		}
		fclose(f);
	}
	snprintf(cmdlog, sizeof(cmdlog), "cat %s >&2", d->log);
	fprintf(stderr, "samsvar did not start within 10 s:\n");
	(void)!system(cmdlog);
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
	return -1;
}

void ts_daemon_kill(struct ts_daemon *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	waitpid(d->pid, NULL, 0);
	d->pid = 0;
}

int ts_daemon_restart(struct ts_daemon *d)
{
	return spawn(d, 1);
}

int ts_daemon_stop(struct ts_daemon *d)
{
	int status = -1;
	char cmd[400];

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid)
			break;
		ts_sleep_ms(50);
		if (i == 199) {
			kill(d->pid, SIGKILL);
			waitpid(d->pid, &status, 0);
			status = -1;
		}
	}
	d->pid = 0;
	if (status != 0) {
		snprintf(cmd, sizeof(cmd), "tail -20 %s >&2", d->log);
		(void)!system(cmd);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	(void)!system(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int ts_samsvar(const char *args, char **out)
{
	const char *bin = getenv("SAMSVAR_BIN");
	char cmd[2048], path[] = "/tmp/samsvar-cli-XXXXXX";
	int fd = -1, status;

	if (out) {
		if ((fd = mkstemp(path)) < 0)
			return -1;
		close(fd);
	}
	snprintf(cmd, sizeof(cmd), "%s %s >%s 2>&1", bin ? bin : "build/samsvar", args, out ? path : "/dev/null");
	status = system(cmd);
	if (out) {
		*out = ts_read_file(path, NULL);
		unlink(path);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

unsigned ts_port(void)
{
	const char *p = getenv("SAMSVAR_TEST_PORT");
	return p ? (unsigned)strtoul(p, NULL, 10) : 0;
}

struct sink {
	char *buf;
	size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct sink *s = userdata;
	size_t n = size * nmemb;
	char *nb = realloc(s->buf, s->len + n + 1);
	if (!nb)
		return 0;
	s->buf = nb;
	memcpy(s->buf + s->len, ptr, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

/* Keeps every FHIR response for the schema validation step of tests/run.sh. */
void ts_capture_resp(const struct ts_resp *r)
{
	static atomic_int n;          /* in-process tests capture from several threads */
	const char *dir = getenv("SAMSVAR_TEST_CAPTURE");
	const char *ext = strstr(r->ctype, "fhir+json") ? "json" : strstr(r->ctype, "fhir+xml") ? "xml" : NULL;
	char path[512];
	FILE *f;

	/* R5 answers (the server marks them fhirVersion=5.0) are left out: the capture is validated
	 * against the R4 schemas, and no R5 schema is bundled. */
	if (!dir || !*dir || !ext || !r->len || strcasestr(r->ctype, "fhirVersion=5") ||
	    strcasestr(r->headers, "Content-Encoding: gzip"))    /* gzip bytes are not JSON to validate */
		return;
	snprintf(path, sizeof(path), "%s/%ld-%d.%s", dir, (long)getpid(), atomic_fetch_add(&n, 1), ext);
	f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(r->body, 1, r->len, f);
	fclose(f);
}

/* Keeps the answer's header lines (as many as fit) for tests that look at them. */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct ts_resp *r = userdata;
	size_t n = size * nmemb, have = strlen(r->headers);

	if (have + n < sizeof(r->headers)) {
		memcpy(r->headers + have, ptr, n);
		r->headers[have + n] = '\0';
	}
	return n;
}

/* One request over http, or over https verified against `cafile` when that is not NULL. */
static int perform(unsigned port, const char *cafile, const char *method, const char *path,
		   const char *const *headers, const char *body, size_t blen, struct ts_resp *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	struct sink s = {0};
	char *url;
	char *ct = NULL;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	if (!c)
		return -1;
	url = malloc(strlen(path) + 32);
	snprintf(url, strlen(path) + 32, "%s://127.0.0.1:%u%s", cafile ? "https" : "http", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (cafile) {
		curl_easy_setopt(c, CURLOPT_CAINFO, cafile);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	hl = curl_slist_append(hl, "Expect:");
	for (size_t i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
	}
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		if (ct)
			snprintf(r->ctype, sizeof(r->ctype), "%s", ct);
	}
	r->body = s.buf ? s.buf : calloc(1, 1);
	r->len = s.len;
	ts_capture_resp(r);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	free(url);
	return rc == CURLE_OK ? 0 : -1;
}

char *ts_header(const struct ts_resp *r, const char *name, char *buf, size_t cap)
{
	size_t n = strlen(name);
	for (const char *p = r->headers; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e;
			while (*v == ' ')
				v++;
			e = v + strcspn(v, "\r\n");
			snprintf(buf, cap, "%.*s", (int)(e - v), v);
			return buf;
		}
	}
	return NULL;
}

int ts_http(unsigned port, const char *method, const char *path, const char *const *headers,
	    const char *body, size_t blen, struct ts_resp *r)
{
	return perform(port, NULL, method, path, headers, body, blen, r);
}

int ts_https(unsigned port, const char *cafile, const char *method, const char *path,
	     const char *const *headers, struct ts_resp *r)
{
	return perform(port, cafile, method, path, headers, NULL, 0, r);
}

int ts_make_cert(const char *dir, char *cert, char *key, size_t cap)
{
	char cmd[1400];

	snprintf(cert, cap, "%s/cert.pem", dir);
	snprintf(key, cap, "%s/key.pem", dir);
	/* A P-256 key (fast to make) and a self-signed certificate for 127.0.0.1, valid one day. */
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-keyout '%s' -out '%s' -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
		 ">/dev/null 2>&1", key, cert);
	return system(cmd) == 0 && access(cert, R_OK) == 0 && access(key, R_OK) == 0 ? 0 : -1;
}

int ts_connect(unsigned port, const char *from)
{
	struct sockaddr_in sa = {0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	sa.sin_family = AF_INET;
	if (from) {
		inet_pton(AF_INET, from, &sa.sin_addr);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(fd);
			return -1;
		}
	}
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

char *ts_raw(unsigned port, const void *req, size_t len, int timeout_ms, size_t *out_len)
{
	int fd = ts_connect(port, NULL);
	char *buf;
	size_t n = 0, cap = 4096;

	if (fd < 0)
		return NULL;
	for (size_t off = 0; off < len;) {
		ssize_t k = send(fd, (const char *)req + off, len - off, MSG_NOSIGNAL);
		if (k <= 0)
			break;    /* the server may answer and close before reading everything */
		off += (size_t)k;
	}
	buf = malloc(cap);
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t k;
		if (poll(&p, 1, timeout_ms) <= 0)
			break;
		if (n + 1024 > cap)
			buf = realloc(buf, cap *= 2);
		k = recv(fd, buf + n, cap - n - 1, 0);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	close(fd);
	if (out_len)
		*out_len = n;
	return buf;
}

cJSON *ts_get_json(const char *path, long *status)
{
	static const char *const h[] = {"Accept: application/fhir+json", NULL};
	struct ts_resp r;
	cJSON *j = NULL;
	*status = 0;
	if (ts_http(ts_port(), "GET", path, h, NULL, 0, &r) == 0) {
		*status = r.status;
		j = cJSON_Parse(r.body);
	}
	free(r.body);
	return j;
}

cJSON *ts_post_json(const char *path, const char *body, long *status)
{
	static const char *const h[] = {"Accept: application/fhir+json", "Content-Type: application/fhir+json",
					NULL};
	struct ts_resp r;
	cJSON *j = NULL;
	*status = 0;
	if (ts_http(ts_port(), "POST", path, h, body, strlen(body), &r) == 0) {
		*status = r.status;
		j = cJSON_Parse(r.body);
	}
	free(r.body);
	return j;
}

const cJSON *ts_param(const cJSON *params, const char *name)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(params, "parameter")) {
		const cJSON *n = cJSON_GetObjectItem(p, "name");
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return p;
	}
	return NULL;
}

const char *ts_param_str(const cJSON *params, const char *name)
{
	const cJSON *p = ts_param(params, name), *v;
	cJSON_ArrayForEach(v, p) {
		if (v->string && strncmp(v->string, "value", 5) == 0 && cJSON_IsString(v))
			return v->valuestring;
	}
	return NULL;
}

int ts_param_bool(const cJSON *params, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(ts_param(params, name), "valueBoolean");
	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : -1;
}

static const cJSON *first_issue(const cJSON *oo)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(oo, "issue"), 0);
}

const char *ts_issue_code(const cJSON *oo)
{
	const cJSON *c = cJSON_GetObjectItem(first_issue(oo), "code");
	return cJSON_IsString(c) ? c->valuestring : NULL;
}

const char *ts_issue_text(const cJSON *oo)
{
	const cJSON *c = cJSON_GetObjectItem(first_issue(oo), "diagnostics");
	return cJSON_IsString(c) ? c->valuestring : NULL;
}

static struct ts_daemon suite_daemon;

int ts_daemon_start(struct ts_daemon *d, const char *extra_conf)
{
	return daemon_start(d, extra_conf, 1);
}

void ts_suite_start(const char *extra_conf)
{
	char port[16];
	if (daemon_start(&suite_daemon, extra_conf, 0) != 0)
		return;
	snprintf(port, sizeof(port), "%u", suite_daemon.port);
	setenv("SAMSVAR_TEST_PORT", port, 1);
}

void ts_suite_stop(void)
{
	if (suite_daemon.pid > 0 && ts_daemon_stop(&suite_daemon) != 0) {
		fprintf(stderr, "FAIL: the daemon did not exit cleanly on SIGTERM\n");
		exit(1);
	}
}


cJSON *ts_poll_get(const struct ts_daemon *d, const char *path, long want)
{
	static const char *const h[] = {"Accept: application/fhir+json", NULL};

	for (int i = 0; i < 100; i++) {
		struct ts_resp r;
		struct timespec ts = {0, 100 * 1000 * 1000};
		if (ts_http(d->port, "GET", path, h, NULL, 0, &r) == 0 && r.status == want) {
			cJSON *j = cJSON_Parse(r.body);
			free(r.body);
			return j;
		}
		free(r.body);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

cJSON *ts_gen_rf2(const struct ts_daemon *d, const char *args, char *dir, size_t cap)
{
	const char *root = getenv("SAMSVAR_ROOT");
	char cmd[2048], path[1024], *text;
	size_t len;
	cJSON *m;

	snprintf(dir, cap, "%s/rf2", d->dir);
	snprintf(cmd, sizeof(cmd), "python3 '%s/tools/gen-rf2.py' '%s' %s >/dev/null", root ? root : ".", dir, args);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	snprintf(path, sizeof(path), "%s/generated.json", dir);
	text = ts_read_file(path, &len);
	cr_assert_not_null(text, "%s", path);
	m = cJSON_Parse(text);
	free(text);
	cr_assert_not_null(m, "%s", path);
	return m;
}
