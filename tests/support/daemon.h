/* daemon.h — black-box test support: start the real `samsvar serve` on a free port with a fresh
 * store, talk HTTP to it with libcurl, stop it with SIGTERM and check it exits cleanly. */
#ifndef SAMSVAR_TEST_DAEMON_H
#define SAMSVAR_TEST_DAEMON_H

#include <stddef.h>
#include <sys/types.h>
#include <cjson/cJSON.h>

struct ts_daemon {
	pid_t pid;
	unsigned port;
	char dir[256];     /* temp folder holding config, store and log */
	char log[300];
};

/* Starts $SAMSVAR_BIN serve with a config in a new temp folder; `extra_conf` lines are appended
 * (may be NULL). The daemon gets SIGTERM if the calling thread ends before ts_daemon_stop(), so a
 * failed test leaves none behind. Returns 0 once the daemon logs that it listens, -1 on failure
 * (reason on stderr). */
int ts_daemon_start(struct ts_daemon *d, const char *extra_conf);

/* Sends SIGTERM, waits, removes the temp folder; returns the daemon's exit status (0 = clean). */
int ts_daemon_stop(struct ts_daemon *d);

/* Kills the daemon with SIGKILL and reaps it, keeping its folder (store, config, log). */
void ts_daemon_kill(struct ts_daemon *d);

/* Starts the daemon again on its folder after ts_daemon_kill() (the same config and store; the log
 * starts anew). Returns 0 once it listens, -1 on failure. */
int ts_daemon_restart(struct ts_daemon *d);

/* Returns a TCP port on 127.0.0.1 that was free a moment ago (bound and released), for a daemon that
 * must keep its port across restarts or be named before it starts. */
unsigned ts_free_port(void);

/* Sleeps `ms` milliseconds. */
void ts_sleep_ms(long ms);

/* Runs `samsvar token create` with role `role` against daemon d's store and returns the printed
 * token (malloc'd); fails the test when none is printed or the command does not say it is shown once. */
char *ts_token_create(const struct ts_daemon *d, const char *name, const char *role);

/* Runs `$SAMSVAR_BIN args` (default build/samsvar) and returns its exit status (-1 if it did not exit);
 * when `out` is not NULL it receives the command's stdout and stderr (malloc'd, caller frees). */
int ts_samsvar(const char *args, char **out);

/* Runs tools/gen-rf2.py with `args` into `dir` (d's folder + "/rf2", written to dir[cap]) and returns
 * its generated.json parsed (the codes the tests need); fails the test when the generator does. */
cJSON *ts_gen_rf2(const struct ts_daemon *d, const char *args, char *dir, size_t cap);


/* The daemon started by the PRE_ALL hook of TS_DAEMON_SUITE(), found through $SAMSVAR_TEST_PORT. */
unsigned ts_port(void);

struct ts_resp {
	long status;
	char *body;        /* NUL-terminated, malloc'd */
	size_t len;
	char ctype[128];
	char headers[1024];    /* the answer's header lines, as many as fit */
};

/* Performs one HTTP request against 127.0.0.1:port. `headers` is a NULL-terminated list of
 * "Name: value" lines (may be NULL); `body` may be NULL. Returns 0 and fills *r (free r->body). */
int ts_http(unsigned port, const char *method, const char *path, const char *const *headers,
	    const char *body, size_t blen, struct ts_resp *r);

/* Copies the value of header `name` (case-insensitive) of answer `r` into buf (cap bytes) and
 * returns buf; NULL when the answer has no such header. */
char *ts_header(const struct ts_resp *r, const char *name, char *buf, size_t cap);

/* As ts_http() without a body, over HTTPS, verifying the server's certificate against the PEM file
 * `cafile` (and its name against 127.0.0.1). Returns -1 when the request or the TLS handshake fails. */
int ts_https(unsigned port, const char *cafile, const char *method, const char *path,
	     const char *const *headers, struct ts_resp *r);

/* Makes a self-signed certificate for 127.0.0.1 and its key (openssl CLI) in folder `dir`; writes
 * their paths into cert and key (each `cap` bytes). Returns 0, or -1 when they could not be made. */
int ts_make_cert(const char *dir, char *cert, char *key, size_t cap);

/* Opens a TCP connection to 127.0.0.1:port from source address `from` (e.g. "127.0.0.2", to act as
 * another client; NULL for any). Returns the socket, or -1. */
int ts_connect(unsigned port, const char *from);

/* Sends the `len` raw bytes `req` on a new connection and reads until the server closes it or
 * `timeout_ms` passes with nothing received. Returns what was read (malloc'd, NUL-terminated; its
 * length in *out_len when not NULL), or NULL when the connection failed. */
char *ts_raw(unsigned port, const void *req, size_t len, int timeout_ms, size_t *out_len);

/* Keeps the FHIR answer `r` (by its content type) for the schema validation step of tests/run.sh;
 * ts_http() does it for every answer, in-process tests call it themselves. */
void ts_capture_resp(const struct ts_resp *r);

/* GET path with Accept: application/fhir+json; returns the parsed body (or NULL) and sets *status. */
cJSON *ts_get_json(const char *path, long *status);

/* GETs `path` from daemon d (JSON) every 100 ms until it answers `want` (a daemon reloads within a
 * second of an import), for up to 10 s; returns the parsed answer, or NULL when it never did. */
cJSON *ts_poll_get(const struct ts_daemon *d, const char *path, long want);

/* POST a JSON body (Content-Type application/fhir+json); returns the parsed answer, sets *status. */
cJSON *ts_post_json(const char *path, const char *body, long *status);

/* Returns the first parameter named `name` of a Parameters resource, or NULL. */
const cJSON *ts_param(const cJSON *params, const char *name);

/* Returns the string value of value[x] of parameter `name`, or NULL. */
const char *ts_param_str(const cJSON *params, const char *name);

/* Returns 1/0 for valueBoolean of parameter `name`, -1 when absent. */
int ts_param_bool(const cJSON *params, const char *name);

/* Returns the first issue's code of an OperationOutcome, or NULL. */
const char *ts_issue_code(const cJSON *oo);

/* Returns the first issue's diagnostics/details text of an OperationOutcome, or NULL. */
const char *ts_issue_text(const cJSON *oo);

/* Starts the daemon shared by one black-box test program and publishes its port through
 * $SAMSVAR_TEST_PORT; call from ReportHook(PRE_ALL). */
void ts_suite_start(const char *extra_conf);

/* Stops the shared daemon and exits non-zero when it did not exit cleanly; call from
 * ReportHook(POST_ALL). */
void ts_suite_stop(void);

/* The two hooks a black-box test file needs (ReportHook names its functions by line number,
 * so they sit on separate lines). */
#define TS_DAEMON_SUITE(extra_conf)                                                              \
	ReportHook(PRE_ALL)(struct criterion_test_set *set) { (void)set; ts_suite_start(extra_conf); }
#define TS_DAEMON_SUITE_END()                                                                    \
	ReportHook(POST_ALL)(struct criterion_global_stats *stats) { (void)stats; ts_suite_stop(); }

#endif
