/* test_api_messages_delivery.c — the delivery worker's branches against a receiver that misbehaves on
 * purpose: tests/support/receiver.py (Python's standard library) on a free loopback port, started and
 * stopped by its PID. A receiver that answers 5xx, 408 or 429 a few times and then acknowledges gets
 * the message after retries with backoff; one that never recovers makes it dead after the last
 * attempt; one that requires a client certificate (mutual TLS, certificates made with the openssl CLI
 * at test time) gets it from a sender whose receiver row names tls_cert/tls_key/tls_ca, and refuses
 * one without. */
#include "support/daemon.h"
#include "support/msgsite.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct receiver {
	pid_t pid;
	unsigned port;
	char log[160];
};

/* Starts receiver.py on a free port with `args` (space-separated options, may be ""); the receiver
 * gets SIGTERM if this test ends before stop_receiver(). */
static void start_receiver(struct receiver *r, const char *dir, const char *args)
{
	char cmd[1024];

	r->port = ts_free_port();
	snprintf(r->log, sizeof(r->log), "%s/receiver.log", dir);
	snprintf(cmd, sizeof(cmd), "exec python3 tests/support/receiver.py %u '%s' %s >/dev/null 2>'%s/receiver.err'",
		 r->port, r->log, args, dir);
	r->pid = fork();
	cr_assert_geq(r->pid, 0);
	if (r->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100; i++) {
		int fd = ts_connect(r->port, NULL);
		if (fd >= 0) {
			close(fd);
			return;
		}
		cr_assert_eq(waitpid(r->pid, NULL, WNOHANG), 0, "receiver.py exited (see %s/receiver.err)", dir);
		ts_sleep_ms(50);
	}
	cr_assert_fail("receiver.py does not listen on %u", r->port);
}

static void stop_receiver(struct receiver *r)
{
	int status = 0;

	cr_assert_eq(kill(r->pid, SIGTERM), 0);
	cr_assert_eq(waitpid(r->pid, &status, 0), r->pid);
	r->pid = 0;
}

/* How many lines of the receiver's log start with `prefix`. */
static int hits(const struct receiver *r, const char *prefix)
{
	char *text = ts_read_file(r->log, NULL), *line;
	int n = 0;

	if (!text)
		return 0;
	for (line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line))
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	free(text);
	return n;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The municipality, with `rows` as its receiver file (after the header line) and `extra` config. */
static void start_sender(struct ts_site *s, const char *dir, const char *rows, const char *extra)
{
	char path[200], text[4096];

	snprintf(path, sizeof(path), "%s/receivers.tsv", dir);
	snprintf(text, sizeof(text), "id\tname\ther_id\tendpoint\tformat\ttls_cert\ttls_key\ttls_ca\n%s", rows);
	ts_write_file(path, text);
	memset(s, 0, sizeof(*s));
	s->port = ts_free_port();
	ts_site_start(s, "Alvdal Kommune", "99387", path, extra);
}

static void cleanup(struct ts_site *s, const char *dir)
{
	char cmd[200];

	cr_assert_eq(ts_daemon_stop(&s->d), 0, "the sender did not stop cleanly");
	free(s->token);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

/* A receiver answering `code` `n` times, then acknowledging: delivered on attempt n + 1, after waits
 * of at least half of each backoff step (20, 40, 80 ... ms). */
static void retried_until_delivered(int code, int n)
{
	char dir[64] = "/tmp/samsvar-dlv-XXXXXX", args[64], rows[512], prefix[16], *body, *id;
	struct receiver r;
	struct ts_site s;
	long long t0, min_wait = 0;
	cJSON *st;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(args, sizeof(args), "--fail %d --code %d", n, code);
	start_receiver(&r, dir, args);
	snprintf(rows, sizeof(rows), "flaky\tST OLAVS HOSPITAL HF\t59\thttp://127.0.0.1:%u/fhir/$process-message\t"
		 "fhir-json\t\t\t\n", r.port);
	start_sender(&s, dir, rows, "deliver_backoff_ms = 20\ndeliver_backoff_cap_ms = 1000\ndeliver_max_attempts = 10");
	body = ts_send_body("flaky", "function-report", NULL, NULL);
	t0 = now_ms();
	id = ts_send_ok(&s, body);
	st = ts_wait_status(&s, id, "out", "delivered", 10000);
	for (int i = 0; i < n; i++)
		min_wait += (20LL << i) / 2;
	cr_assert_geq(now_ms() - t0, min_wait, "%d retries came sooner than their backoff", n);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(st, "attempts")), n + 1, "%s", cJSON_PrintUnformatted(st));
	cr_assert(cJSON_IsNull(cJSON_GetObjectItem(st, "last_error")), "%s", cJSON_PrintUnformatted(st));
	snprintf(prefix, sizeof(prefix), "%d ", code);
	cr_assert_eq(hits(&r, prefix), n, "the receiver saw %d answers of %d", hits(&r, prefix), code);
	cr_assert_eq(hits(&r, "200 "), 1, "and one delivery");
	cJSON_Delete(st);
	free(id);
	free(body);
	stop_receiver(&r);
	cleanup(&s, dir);
}

Test(delivery, a_5xx_is_retried_with_backoff_until_delivered)
{
	retried_until_delivered(503, 3);
}

Test(delivery, a_408_is_retried_until_delivered)
{
	retried_until_delivered(408, 2);
}

Test(delivery, a_429_is_retried_until_delivered)
{
	retried_until_delivered(429, 2);
}

Test(delivery, a_receiver_that_keeps_failing_makes_the_message_dead)
{
	char dir[64] = "/tmp/samsvar-dlv-XXXXXX", rows[512], *body, *id;
	struct receiver r;
	struct ts_site s;
	cJSON *st;

	cr_assert_not_null(mkdtemp(dir));
	start_receiver(&r, dir, "--fail 1000 --code 500");
	snprintf(rows, sizeof(rows), "down\tST OLAVS HOSPITAL HF\t59\thttp://127.0.0.1:%u/fhir/$process-message\t"
		 "fhir-json\t\t\t\n", r.port);
	start_sender(&s, dir, rows, "deliver_backoff_ms = 10\ndeliver_backoff_cap_ms = 40\ndeliver_max_attempts = 3");
	body = ts_send_body("down", "function-report", NULL, NULL);
	id = ts_send_ok(&s, body);
	st = ts_wait_status(&s, id, "out", "dead", 10000);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(st, "attempts")), 3);
	cr_assert(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(st, "last_error")), "HTTP 500"), "%s",
		  cJSON_PrintUnformatted(st));
	/* Dead is final: no attempt after the last. */
	ts_sleep_ms(200);
	cr_assert_eq(hits(&r, "500 "), 3);
	cJSON_Delete(st);
	free(id);
	free(body);
	stop_receiver(&r);
	cleanup(&s, dir);
}

Test(delivery, mutual_tls_with_the_receivers_client_certificate)
{
	char dir[64] = "/tmp/samsvar-dlv-XXXXXX", sdir[128], cdir[128], scert[200], skey[200], ccert[200], ckey[200];
	char args[800], rows[2048], *body, *id;
	struct receiver r;
	struct ts_site s;
	cJSON *st;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(sdir, sizeof(sdir), "%s/server", dir);
	snprintf(cdir, sizeof(cdir), "%s/client", dir);
	cr_assert_eq(mkdir(sdir, 0700) | mkdir(cdir, 0700), 0);
	cr_assert_eq(ts_make_cert(sdir, scert, skey, sizeof(scert)), 0, "openssl could not make a certificate");
	cr_assert_eq(ts_make_cert(cdir, ccert, ckey, sizeof(ccert)), 0);
	/* The receiver trusts exactly the client's certificate and requires it. */
	snprintf(args, sizeof(args), "--cert '%s' --key '%s' --client-ca '%s'", scert, skey, ccert);
	start_receiver(&r, dir, args);
	snprintf(rows, sizeof(rows),
		 "mtls\tST OLAVS HOSPITAL HF\t59\thttps://127.0.0.1:%u/fhir/$process-message\tfhir-json\t%s\t%s\t%s\n"
		 "nocert\tST OLAVS HOSPITAL HF\t59\thttps://127.0.0.1:%u/fhir/$process-message\tfhir-json\t\t\t%s\n",
		 r.port, ccert, ckey, scert, r.port, scert);
	start_sender(&s, dir, rows, "deliver_backoff_ms = 20\ndeliver_backoff_cap_ms = 40\ndeliver_max_attempts = 2");
	body = ts_send_body("mtls", "function-report", "mtls-1", NULL);
	id = ts_send_ok(&s, body);
	cJSON_Delete(ts_wait_status(&s, id, "out", "delivered", 10000));
	cr_assert_eq(hits(&r, "200 client-cert"), 1, "the receiver saw the client certificate");
	free(id);
	free(body);
	/* Without a client certificate the handshake fails: retried, then dead; nothing reaches HTTP. */
	body = ts_send_body("nocert", "function-report", "mtls-2", NULL);
	id = ts_send_ok(&s, body);
	st = ts_wait_status(&s, id, "out", "dead", 10000);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(st, "attempts")), 2);
	cr_assert(cJSON_IsString(cJSON_GetObjectItem(st, "last_error")), "%s", cJSON_PrintUnformatted(st));
	cr_assert_eq(hits(&r, "200 "), 1, "no second delivery: %s", cJSON_PrintUnformatted(st));
	cJSON_Delete(st);
	free(id);
	free(body);
	stop_receiver(&r);
	cleanup(&s, dir);
}
