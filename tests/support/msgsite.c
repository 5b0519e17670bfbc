/* msgsite.c — a samsvar daemon as one side of a message exchange, for the black-box message tests
 * (see msgsite.h). */
#include "support/msgsite.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


long ts_site_request(const struct ts_site *s, const char *method, const char *path, const char *ctype,
		    const char *body, struct ts_resp *r)
{
	char authz[512], ct[128];
	const char *h[] = {"Accept: application/fhir+json", authz, ct, NULL};

	snprintf(authz, sizeof(authz), "Authorization: Bearer %s", s->token ? s->token : "none");
	snprintf(ct, sizeof(ct), "Content-Type: %s", ctype ? ctype : "application/fhir+json");
	if (!s->token)
		h[1] = ct, h[2] = NULL;
	cr_assert_eq(ts_http(s->port, method, path, h, body, body ? strlen(body) : 0, r), 0, "%s %s failed", method,
		     path);
	return r->status;
}

/* GET path as JSON (status must be `want`); returns the parsed body. */
cJSON *ts_site_get_json(const struct ts_site *s, const char *path, long want)
{
	struct ts_resp r;
	cJSON *j;

	cr_assert_eq(ts_site_request(s, "GET", path, NULL, NULL, &r), want, "GET %s: %ld %s", path, r.status, r.body);
	j = cJSON_Parse(r.body);
	cr_assert_not_null(j, "GET %s: not JSON: %s", path, r.body);
	free(r.body);
	return j;
}

void ts_site_start(struct ts_site *s, const char *name, const char *her, const char *receivers,
		       const char *extra)
{
	char conf[2048];

	snprintf(conf, sizeof(conf), "listen = 127.0.0.1:%u\nown_name = %s\nown_her_id = %s\nreceivers = %s\n"
		 "log_requests = false\n%s\n", s->port, name, her, receivers, extra ? extra : "");
	cr_assert_eq(ts_daemon_start(&s->d, conf), 0, "the %s daemon did not start", name);
	s->up = 1;
	if (!s->token)
		s->token = ts_token_create(&s->d, "ehr", "reader");
	/* The daemon sees a new token within a second. */
	for (int i = 0; i < 40; i++) {
		struct ts_resp r;
		if (ts_site_request(s, "GET", "/messages?_count=1", NULL, NULL, &r) == 200) {
			free(r.body);
			return;
		}
		free(r.body);
		ts_sleep_ms(100);
	}
	cr_assert_fail("the %s daemon does not take its token", name);
}

/* A $send-message body: receiver, event, messageId (NULL: none), the patient and two items. */
char *ts_send_body(const char *receiver, const char *event, const char *id, const char *more)
{
	char *b = malloc(4096);
	snprintf(b, 4096, "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"receiver\",\"valueString\":"
		 "\"%s\"},{\"name\":\"event\",\"valueCode\":\"%s\"}%s%s%s%s" PATIENT ITEM("7", "3") ITEM("13", "4") "%s]}",
		 receiver, event, id ? ",{\"name\":\"messageId\",\"valueString\":\"" : "", id ? id : "", id ? "\"}" : "",
		 strcmp(event, "plo-helseopplysninger") == 0 ? ",{\"name\":\"admitted\",\"valueDateTime\":"
		 "\"2026-11-25T14:00:00\"}" : "", more ? more : "");
	return b;
}

/* POSTs $send-message; returns the message id of a 202 (malloc'd) after checking the answer. */
char *ts_send_ok(const struct ts_site *s, const char *body)
{
	struct ts_resp r;
	cJSON *a;
	char *id;
	const char *loc;

	cr_assert_eq(ts_site_request(s, "POST", "/fhir/$send-message", NULL, body, &r), 202, "%ld %s", r.status, r.body);
	a = cJSON_Parse(r.body);
	cr_assert_str_eq(ts_param_str(a, "status"), "queued");
	id = strdup(ts_param_str(a, "id"));
	loc = strstr(r.headers, "Content-Location: /messages/");
	cr_assert_not_null(loc, "%s", r.headers);
	cr_assert(strncmp(loc + 28, id, strlen(id)) == 0, "%s", r.headers);
	ts_capture("send-message", "json", r.body);
	cJSON_Delete(a);
	free(r.body);
	return id;
}

/* Polls GET /messages/{id} until its status is `want` (up to `ms`); returns the last state. */
cJSON *ts_wait_status(const struct ts_site *s, const char *id, const char *dir, const char *want, long ms)
{
	char path[200];
	cJSON *st = NULL;

	snprintf(path, sizeof(path), "/messages/%s?direction=%s", id, dir);
	for (long waited = 0;; waited += 25) {
		cJSON_Delete(st);
		st = ts_site_get_json(s, path, 200);
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(st, "status")), want) == 0)
			return st;
		if (waited > ms)
			cr_assert_fail("message %s is %s, not %s, after %ld ms: %s", id,
				       cJSON_GetStringValue(cJSON_GetObjectItem(st, "status")), want, ms,
				       cJSON_PrintUnformatted(st));
		ts_sleep_ms(25);
	}
}

char *ts_site_bytes(const struct ts_site *s, const char *path, char *ctype, size_t cap)
{
	struct ts_resp r;
	cr_assert_eq(ts_site_request(s, "GET", path, NULL, NULL, &r), 200, "GET %s: %ld %s", path, r.status, r.body);
	snprintf(ctype, cap, "%s", r.ctype);
	return r.body;
}

long ts_site_count(const struct ts_site *s, const char *query)
{
	char path[200];
	cJSON *l;
	long n;

	snprintf(path, sizeof(path), "/messages?%s", query);
	l = ts_site_get_json(s, path, 200);
	n = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(l, "total"));
	cJSON_Delete(l);
	return n;
}
