/* test_api_messages_fault.c — the fault test of issue 8: 1,000 messages queued to a hospital that is
 * down; then the sender is killed with SIGKILL at random moments (at least 10 times) and restarted on
 * its store while the hospital comes up and goes down (also by SIGKILL). At the end the hospital holds
 * exactly the 1,000 message ids, once each, the sender shows all 1,000 delivered, and both stores pass
 * PRAGMA integrity_check. */
#include "support/daemon.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N 1000
#define KILLS 12
#define V9111 "urn:oid:2.16.578.1.12.4.1.1.9111"

static long call(unsigned port, const char *token, const char *method, const char *path, const char *body,
		 struct ts_resp *r)
{
	char authz[512];
	const char *h[] = {"Accept: application/fhir+json", "Content-Type: application/fhir+json", authz, NULL};

	snprintf(authz, sizeof(authz), "Authorization: Bearer %s", token);
	if (ts_http(port, method, path, h, body, body ? strlen(body) : 0, r) != 0) {
		r->body = NULL;
		return -1;
	}
	return r->status;
}

/* The number of messages `query` lists on a site, or -1 while it does not answer. */
static long total(unsigned port, const char *token, const char *query)
{
	struct ts_resp r;
	char path[200];
	cJSON *j;
	long n = -1;

	snprintf(path, sizeof(path), "/messages?%s", query);
	if (call(port, token, "GET", path, NULL, &r) == 200 && (j = cJSON_Parse(r.body)) != NULL) {
		n = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "total"));
		cJSON_Delete(j);
	}
	free(r.body);
	return n;
}

static void integrity_ok(const char *dir)
{
	char path[400];
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;

	snprintf(path, sizeof(path), "%s/store.db", dir);
	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "ok", "%s", path);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* Every id fault-0000 .. fault-0999 is held inbound by the hospital (and the total says no more). */
static void holds_every_id(unsigned port, const char *token)
{
	char *seen = calloc(N, 1);
	struct ts_resp r;
	cJSON *j, *m;

	cr_assert_eq(call(port, token, "GET", "/messages?direction=in&_count=1000", NULL, &r), 200);
	j = cJSON_Parse(r.body);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "total")), N, "the hospital holds another number");
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "messages")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(m, "id"));
		int k;
		cr_assert(sscanf(id, "fault-%d", &k) == 1 && k >= 0 && k < N, "%s", id);
		cr_assert_eq(seen[k], 0, "%s twice", id);
		seen[k] = 1;
	}
	for (int k = 0; k < N; k++)
		cr_assert(seen[k], "fault-%04d missing", k);
	cJSON_Delete(j);
	free(r.body);
	free(seen);
}

Test(fault, a_thousand_messages_survive_kills_of_sender_and_receiver)
{
	struct ts_daemon kommune, sykehus;
	unsigned kport = ts_free_port(), sport = ts_free_port();
	char dir[64] = "/tmp/samsvar-fault-XXXXXX", rfile[128], conf[1024], text[512], cmd[128];
	char *ktok, *stok;
	int up = 0;

	srand((unsigned)time(NULL));
	cr_assert_not_null(mkdtemp(dir));
	snprintf(rfile, sizeof(rfile), "%s/receivers.tsv", dir);
	snprintf(text, sizeof(text), "id\tname\ther_id\tendpoint\tformat\n"
		 "stolav\tST OLAVS HOSPITAL HF\t59\thttp://127.0.0.1:%u/messages/inbound\tkith\n", sport);
	ts_write_file(rfile, text);
	snprintf(conf, sizeof(conf), "listen = 127.0.0.1:%u\nown_name = ST OLAVS HOSPITAL HF\nown_her_id = 59\n"
		 "log_requests = false\n", sport);
	cr_assert_eq(ts_daemon_start(&sykehus, conf), 0);
	stok = ts_token_create(&sykehus, "ehr", "reader");
	ts_daemon_kill(&sykehus);         /* down while the messages are queued */
	snprintf(conf, sizeof(conf), "listen = 127.0.0.1:%u\nown_name = Alvdal Kommune\nown_her_id = 99387\n"
		 "receivers = %s\nlog_requests = false\ndeliver_backoff_ms = 20\ndeliver_backoff_cap_ms = 200\n"
		 "deliver_max_attempts = 1000\ndeliver_connect_timeout = 1\ndeliver_timeout = 5\n"
		 "deliver_parallel = 16\n", kport, rfile);
	cr_assert_eq(ts_daemon_start(&kommune, conf), 0);
	ktok = ts_token_create(&kommune, "ehr", "reader");
	for (int i = 0; i < 40 && total(kport, ktok, "_count=1") < 0; i++)
		ts_sleep_ms(100);
	for (int k = 0; k < N; k++) {
		char body[2048];
		struct ts_resp r;
		snprintf(body, sizeof(body), "{\"resourceType\":\"Parameters\",\"parameter\":["
			 "{\"name\":\"receiver\",\"valueString\":\"stolav\"},{\"name\":\"event\",\"valueCode\":"
			 "\"plo-innleggelsesrapport\"},{\"name\":\"messageId\",\"valueString\":\"fault-%04d\"},"
			 "{\"name\":\"patient\",\"resource\":{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":"
			 "\"urn:oid:2.16.578.1.12.4.1.4.1\",\"value\":\"13116900216\"}]}},{\"name\":\"item\",\"part\":["
			 "{\"name\":\"variable\",\"valueCoding\":{\"system\":\"" V9111 "\",\"code\":\"%d\"}},"
			 "{\"name\":\"score\",\"valueInteger\":%d}]}]}", k, 1 + k % 20, 1 + k % 5);
		cr_assert_eq(call(kport, ktok, "POST", "/fhir/$send-message", body, &r), 202, "message %d: %s", k, r.body);
		free(r.body);
	}
	cr_assert_eq(total(kport, ktok, "direction=out"), N);
	/* Chaos: kill the sender at random moments; the hospital comes up and goes down between. */
	for (int round = 0; round < KILLS; round++) {
		ts_sleep_ms(100 + rand() % 400);
		ts_daemon_kill(&kommune);
		if (up) {
			ts_daemon_kill(&sykehus);
			up = 0;
		} else {
			cr_assert_eq(ts_daemon_restart(&sykehus), 0, "the hospital did not come back");
			up = 1;
		}
		cr_assert_eq(ts_daemon_restart(&kommune), 0, "the municipality did not come back (round %d)", round);
	}
	if (!up)
		cr_assert_eq(ts_daemon_restart(&sykehus), 0);
	for (int i = 0; total(kport, ktok, "direction=out&status=delivered") != N; i++) {
		cr_assert_lt(i, 1200, "not all delivered after 60 s: %ld delivered",
			     total(kport, ktok, "direction=out&status=delivered"));
		ts_sleep_ms(50);
	}
	holds_every_id(sport, stok);
	cr_assert_eq(total(kport, ktok, "direction=out"), N);
	integrity_ok(kommune.dir);
	integrity_ok(sykehus.dir);
	cr_assert_eq(ts_daemon_stop(&kommune), 0);
	cr_assert_eq(ts_daemon_stop(&sykehus), 0);
	free(ktok);
	free(stok);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}
