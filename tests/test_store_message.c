/* test_store_message.c — the outbox and inbox tables: one row per id and direction with its audit
 * row, a repeat answered with the first row, claiming marks `sending` and counts the attempt,
 * recovery after a crash, re-queueing only dead or rejected messages, lists and pages. */
#include "samsvar/store_message.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static struct sv_store *st;
static char path[64];

static void setup(void)
{
	st = ts_temp_store(path);
}

static void teardown(void)
{
	sv_store_close(st);
	ts_remove_store(path);
}

static enum sv_err add(const char *dir, const char *id, const char *peer, const char *content, int *dup,
		       struct sv_store_msg *old)
{
	struct sv_store_msg m = {0};
	struct sv_error err = {0};
	enum sv_err rc;

	snprintf(m.direction, sizeof(m.direction), "%s", dir);
	m.id = (char *)id;
	m.event = "plo-innleggelsesrapport";
	m.peer = (char *)peer;
	m.peer_name = "Peer";
	m.status = strcmp(dir, "out") == 0 ? "queued" : "processed";
	m.media = "application/xml; charset=utf-8";
	m.content = (char *)content;
	m.content_len = strlen(content);
	m.answer = "{\"first\":true}";
	if (strcmp(dir, "in") == 0) {
		m.ack_media = "application/xml";
		m.ack = "<AppRec/>";
		m.ack_len = 9;
	}
	rc = sv_store_msg_add(st, &m, "tester", old, dup, &err);
	cr_assert_eq(rc, SV_OK, "%s", err.message);
	return rc;
}

struct seen {
	int n;
	char ids[8][16];
	int attempts[8];
};

static enum sv_err collect(void *ctx, const struct sv_store_msg *m)
{
	struct seen *s = ctx;
	cr_assert_lt(s->n, 8);
	snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", m->id);
	s->attempts[s->n] = m->attempts;
	cr_assert_str_eq(m->status, "sending");
	cr_assert_not_null(m->content);
	s->n++;
	return SV_OK;
}

static const char *status_of(const char *dir, const char *id)
{
	static char buf[32];
	struct sv_store_msg m = {0};
	struct sv_error err = {0};

	cr_assert_eq(sv_store_msg_get(st, dir, id, 0, &m, &err), SV_OK, "%s", err.message);
	snprintf(buf, sizeof(buf), "%s", m.status);
	sv_store_msg_release(&m);
	return buf;
}

TestSuite(store_message, .init = setup, .fini = teardown);

Test(store_message, one_row_per_id_and_direction_with_its_audit_row)
{
	struct sv_store_msg old = {0}, got = {0};
	struct sv_error err = {0};
	cJSON *audit = cJSON_CreateArray();
	int dup = 0;

	add("out", "m1", "stolav", "<first/>", &dup, &old);
	cr_assert_eq(dup, 0);
	add("out", "m1", "stolav", "<second/>", &dup, &old);
	cr_assert_eq(dup, 1);
	cr_assert_str_eq(old.content, "<first/>");
	cr_assert_str_eq(old.answer, "{\"first\":true}");
	sv_store_msg_release(&old);
	/* The same id inbound is another message. */
	add("in", "m1", "99387", "<in/>", &dup, &old);
	cr_assert_eq(dup, 0);
	cr_assert_eq(sv_store_msg_get(st, "in", "m1", 1, &got, &err), SV_OK);
	cr_assert_str_eq(got.content, "<in/>");
	cr_assert_str_eq(got.ack, "<AppRec/>");
	cr_assert_eq(got.content_len, 5);
	sv_store_msg_release(&got);
	cr_assert_eq(sv_store_msg_get(st, "in", "m2", 0, &got, &err), SV_ENOTFOUND);
	cr_assert_eq(sv_store_audit(st, 10, audit, &err), SV_OK);
	cr_assert_eq(cJSON_GetArraySize(audit), 2, "one audit row per message stored, none for the repeat");
	cJSON_Delete(audit);
}

Test(store_message, claim_marks_sending_and_settle_records_the_outcome)
{
	struct sv_store_msg old = {0};
	struct sv_error err = {0};
	struct seen s = {0};
	long n = -1;
	int dup;

	add("out", "a", "r", "<a/>", &dup, &old);
	add("out", "b", "r", "<b/>", &dup, &old);
	add("out", "c", "r", "<c/>", &dup, &old);
	add("in", "i", "99387", "<i/>", &dup, &old);
	cr_assert_eq(sv_store_msg_claim(st, 1000, 2, collect, &s, &err), SV_OK, "%s", err.message);
	cr_assert_eq(s.n, 2, "the limit holds");
	cr_assert_str_eq(s.ids[0], "a");
	cr_assert_eq(s.attempts[0], 1, "the attempt is counted when it starts");
	cr_assert_str_eq(status_of("out", "a"), "sending");
	cr_assert_str_eq(status_of("out", "c"), "queued");
	/* Not due yet: not taken. */
	cr_assert_eq(sv_store_msg_settle(st, "a", "queued", "HTTP 503", 5000, NULL, NULL, 0, &err), SV_OK);
	cr_assert_eq(sv_store_msg_settle(st, "b", "delivered", NULL, 0, "application/xml", "<ok/>", 5, &err), SV_OK);
	s.n = 0;
	cr_assert_eq(sv_store_msg_claim(st, 2000, 8, collect, &s, &err), SV_OK);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.ids[0], "c");
	s.n = 0;
	cr_assert_eq(sv_store_msg_claim(st, 6000, 8, collect, &s, &err), SV_OK);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.ids[0], "a");
	cr_assert_eq(s.attempts[0], 2);
	/* A crash with a and c `sending`: both queued again at the next start. */
	cr_assert_eq(sv_store_msg_recover(st, &n, &err), SV_OK);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(status_of("out", "a"), "queued");
	cr_assert_str_eq(status_of("out", "b"), "delivered");
	cr_assert_str_eq(status_of("in", "i"), "processed", "inbound rows are never claimed");
	cr_assert_eq(sv_store_msg_settle(st, "zz", "dead", NULL, 0, NULL, NULL, 0, &err), SV_ENOTFOUND);
	cr_assert_eq(sv_store_msg_count(st, "queued", &n, &err), SV_OK);
	cr_assert_eq(n, 2);
}

Test(store_message, requeue_takes_dead_and_rejected_only)
{
	struct sv_store_msg old = {0}, m = {0};
	struct sv_error err = {0};
	int dup;

	add("out", "d", "r", "<d/>", &dup, &old);
	add("out", "q", "r", "<q/>", &dup, &old);
	cr_assert_eq(sv_store_msg_settle(st, "d", "dead", "HTTP 503", 0, NULL, NULL, 0, &err), SV_OK);
	cr_assert_eq(sv_store_msg_requeue(st, "q", "tester", &err), SV_ECONFLICT);
	cr_assert(strstr(err.message, "queued"), "%s", err.message);
	cr_assert_eq(sv_store_msg_requeue(st, "nope", "tester", &err), SV_ENOTFOUND);
	cr_assert_eq(sv_store_msg_requeue(st, "d", "tester", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_msg_get(st, "out", "d", 0, &m, &err), SV_OK);
	cr_assert_str_eq(m.status, "queued");
	cr_assert_eq(m.attempts, 0);
	sv_store_msg_release(&m);
}

static enum sv_err count_rows(void *ctx, const struct sv_store_msg *m)
{
	(void)m;
	(*(int *)ctx)++;
	return SV_OK;
}

Test(store_message, lists_filter_and_page)
{
	struct sv_store_msg old = {0};
	struct sv_store_msg_filter f = {.count = 2};
	struct sv_error err = {0};
	long total = 0;
	int dup, rows = 0;
	char id[16];

	for (int i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "o%d", i);
		add("out", id, i < 3 ? "r1" : "r2", "<x/>", &dup, &old);
	}
	add("in", "i0", "99387", "<x/>", &dup, &old);
	cr_assert_eq(sv_store_msg_list(st, &f, &total, count_rows, &rows, &err), SV_OK);
	cr_assert_eq(total, 6);
	cr_assert_eq(rows, 2);
	f.peer = "r1";
	f.offset = 2;
	rows = 0;
	cr_assert_eq(sv_store_msg_list(st, &f, &total, count_rows, &rows, &err), SV_OK);
	cr_assert_eq(total, 3);
	cr_assert_eq(rows, 1);
	f = (struct sv_store_msg_filter){.direction = "in", .status = "processed", .count = 10};
	rows = 0;
	cr_assert_eq(sv_store_msg_list(st, &f, &total, count_rows, &rows, &err), SV_OK);
	cr_assert_eq(total, 1);
	cr_assert_eq(rows, 1);
}

Test(store_message, the_content_mark_moves_with_terminology_and_tokens_not_messages)
{
	struct sv_store_msg old = {0};
	struct sv_error err = {0};
	unsigned char hash[SV_STORE_TOKEN_HASH_LEN] = {1};
	long long m0, m1, m2, m3, m4;
	cJSON *cs = cJSON_Parse("{\"resourceType\":\"CodeSystem\",\"url\":\"http://x\",\"version\":\"1\"}");
	int dup;

	cr_assert_eq(sv_store_content_mark(st, &m0, &err), SV_OK, "%s", err.message);
	add("out", "m", "r", "<m/>", &dup, &old);
	add("in", "i", "99387", "<i/>", &dup, &old);
	cr_assert_eq(sv_store_msg_settle(st, "m", "delivered", NULL, 0, NULL, NULL, 0, &err), SV_OK);
	cr_assert_eq(sv_store_content_mark(st, &m1, &err), SV_OK);
	cr_assert_eq(m1, m0, "messages do not move the mark");
	cr_assert_eq(sv_store_put(st, cs, "tester", "test", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_content_mark(st, &m2, &err), SV_OK);
	cr_assert_neq(m2, m1, "a resource written moves it");
	cr_assert_eq(sv_store_token_add(st, "t", "reader", hash, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_content_mark(st, &m3, &err), SV_OK);
	cr_assert_neq(m3, m2, "a token added moves it");
	cr_assert_eq(sv_store_token_revoke(st, "t", &err), SV_OK);
	cr_assert_eq(sv_store_content_mark(st, &m4, &err), SV_OK);
	cr_assert_neq(m4, m3, "a token revoked moves it");
	cJSON_Delete(cs);
}
