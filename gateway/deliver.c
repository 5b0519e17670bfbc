/* deliver.c — the delivery worker: outbox → receivers with libcurl multi (deliver.h). The loop
 * follows curl's multi examples: add due transfers, curl_multi_perform, read finished ones with
 * curl_multi_info_read, then curl_multi_poll, which also watches the outbox's wake-up pipe. */
#include "samsvar/deliver.h"
#include "samsvar/message.h"
#include "samsvar/msgwire.h"
#include "samsvar/store_message.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define ANSWER_MAX (SV_MSG_MAX_BYTES + 1)   /* bytes of a receiver's answer kept; more fails it */
#define REASON_MAX 1024

struct transfer {
	char *id;
	enum sv_recv_format format;
	char *body;                /* the message bytes (owned) */
	size_t body_len;
	char *answer;              /* the receiver's answer, capped at ANSWER_MAX */
	size_t answer_len;
	int over;                  /* the answer was longer than the cap */
	int attempts;
	struct curl_slist *headers;
	char errbuf[CURL_ERROR_SIZE];
	CURL *easy;
	struct transfer *next;
};

struct sv_deliver {
	struct sv_outbox *ob;
	const struct sv_config *cfg;
	struct sv_store *st;
	CURLM *multi;
	struct transfer *inflight;
	int ninflight;
	atomic_int stop;
	pthread_t thread;
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long sv_deliver_backoff(unsigned base, unsigned cap, int attempts, unsigned rnd)
{
	long long d = base;

	for (int i = 1; i < attempts && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	/* Equal jitter: half of the delay is random, so receivers coming back up are not hit by every
	 * sender at the same moment, and no delay is shorter than half the step. */
	d = d / 2 + (long long)(((unsigned long long)rnd * (unsigned long long)(d - d / 2)) / 0xffffffffULL);
	return d > cap ? cap : d;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * nmemb;

	if (t->answer_len + n > ANSWER_MAX) {
		t->over = 1;
		return 0;               /* stops the transfer: CURLE_WRITE_ERROR */
	}
	t->answer = sv_xrealloc(t->answer, t->answer_len + n + 1);
	memcpy(t->answer + t->answer_len, ptr, n);
	t->answer_len += n;
	t->answer[t->answer_len] = '\0';
	return n;
}

static void transfer_free(struct transfer *t)
{
	if (!t)
		return;
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	free(t->id);
	free(t->body);
	free(t->answer);
	free(t);
}

static void settle(struct sv_deliver *d, const char *id, const char *status, const char *why, long long next,
		   const char *ack_media, const char *ack, size_t ack_len)
{
	struct sv_error err = {0};

	if (sv_store_msg_settle(d->st, id, status, why, next, ack_media, ack, ack_len, &err) != SV_OK)
		/* The message stays `sending` and is queued again at the next start: at least once. */
		fprintf(stderr, "samsvar: deliver: %s: %s\n", id, err.message);
}

/* A failed attempt: queued again after the backoff, or dead after the last one. */
static void retry_or_dead(struct sv_deliver *d, const char *id, int attempts, const char *why)
{
	unsigned rnd = 0;

	if (attempts >= (int)d->cfg->deliver_max_attempts) {
		settle(d, id, "dead", why, 0, NULL, NULL, 0);
		return;
	}
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		rnd = (unsigned)now_ms();
	settle(d, id, "queued", why,
	       now_ms() + sv_deliver_backoff(d->cfg->deliver_backoff_ms, d->cfg->deliver_backoff_cap_ms, attempts, rnd),
	       NULL, NULL, 0);
}

/* Starts the POST of one claimed message (the store callback of sv_store_msg_claim). */
static enum sv_err add_transfer(void *ctx, const struct sv_store_msg *m)
{
	struct sv_deliver *d = ctx;
	const struct sv_receiver *r = sv_receivers_find(sv_outbox_receivers(d->ob), m->peer);
	struct transfer *t;
	char ctype[128];

	if (!r) {
		settle(d, m->id, "dead", "the receiver is no longer in the receiver directory", 0, NULL, NULL, 0);
		return SV_OK;
	}
	t = sv_xcalloc(1, sizeof(*t));
	t->id = sv_xstrdup(m->id);
	/* The bytes were built for the format the receiver had when the message was queued. */
	t->format = sv_recv_format_of_media(m->media);
	t->attempts = m->attempts;
	t->body = sv_xmalloc(m->content_len + 1);
	memcpy(t->body, m->content, m->content_len + 1);
	t->body_len = m->content_len;
	if (!(t->easy = curl_easy_init()))
		SV_BUG("curl_easy_init failed");
	snprintf(ctype, sizeof(ctype), "Content-Type: %s", m->media);
	t->headers = curl_slist_append(t->headers, ctype);
	t->headers = curl_slist_append(t->headers, t->format == SV_RECV_KITH ? "Accept: application/xml" :
				       t->format == SV_RECV_FHIR_JSON ? "Accept: application/fhir+json" :
				       "Accept: application/fhir+xml");
	t->headers = curl_slist_append(t->headers, "Expect:");
	curl_easy_setopt(t->easy, CURLOPT_URL, r->endpoint);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)t->body_len);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT, (long)d->cfg->deliver_connect_timeout);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT, (long)d->cfg->deliver_timeout);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (r->tls_ca)
		curl_easy_setopt(t->easy, CURLOPT_CAINFO, r->tls_ca);
	if (r->tls_cert) {
		curl_easy_setopt(t->easy, CURLOPT_SSLCERT, r->tls_cert);
		curl_easy_setopt(t->easy, CURLOPT_SSLKEY, r->tls_key);
	}
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "samsvar");
	if (curl_multi_add_handle(d->multi, t->easy) != CURLM_OK)
		SV_BUG("curl_multi_add_handle failed");
	t->next = d->inflight;
	d->inflight = t;
	d->ninflight++;
	return SV_OK;
}

/* Decides what one finished transfer means for its message. */
static void finish(struct sv_deliver *d, struct transfer *t, CURLcode res)
{
	char why[REASON_MAX];
	long code = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	if (res != CURLE_OK) {
		snprintf(why, sizeof(why), "%s: %s", t->over ? "the answer is too large" : curl_easy_strerror(res),
			 t->errbuf[0] ? t->errbuf : "no detail");
		retry_or_dead(d, t->id, t->attempts, why);
		return;
	}
	if (code >= 200 && code < 300) {
		switch (sv_msgwire_read_ack(t->format, t->id, t->answer ? t->answer : "", t->answer_len, why,
					    sizeof(why))) {
		case SV_ACK_POSITIVE:
			settle(d, t->id, "delivered", NULL, 0, sv_recv_format_media(t->format), t->answer ? t->answer : "",
			       t->answer_len);
			return;
		case SV_ACK_NEGATIVE:
			settle(d, t->id, "rejected", why, 0, sv_recv_format_media(t->format), t->answer ? t->answer : "",
			       t->answer_len);
			return;
		case SV_ACK_TRANSIENT:
			retry_or_dead(d, t->id, t->attempts, why);
			return;
		}
	}
	snprintf(why, sizeof(why), "HTTP %ld: %.600s", code, t->answer ? t->answer : "");
	if (code >= 500 || code == 408 || code == 429 || code < 200)
		retry_or_dead(d, t->id, t->attempts, why);
	else
		settle(d, t->id, "rejected", why, 0, NULL, NULL, 0);
}

static void unlink_transfer(struct sv_deliver *d, struct transfer *t)
{
	for (struct transfer **p = &d->inflight; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	d->ninflight--;
	curl_multi_remove_handle(d->multi, t->easy);
}

/* Settles every finished transfer; returns how many there were. */
static int read_finished(struct sv_deliver *d)
{
	CURLMsg *msg;
	int left, n = 0;

	while ((msg = curl_multi_info_read(d->multi, &left)) != NULL) {
		struct transfer *t = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		{
			CURLcode res = msg->data.result;   /* msg is invalid once the handle is removed */
			unlink_transfer(d, t);
			finish(d, t, res);
		}
		transfer_free(t);
		n++;
	}
	return n;
}

static void *run(void *arg)
{
	struct sv_deliver *d = arg;
	struct sv_error err = {0};
	int idle_ms = d->cfg->deliver_backoff_ms < 100 ? (int)d->cfg->deliver_backoff_ms : 100;
	struct curl_waitfd wake = {.fd = sv_outbox_wake_fd(d->ob), .events = CURL_WAIT_POLLIN};

	while (!atomic_load(&d->stop)) {
		int running = 0;
		if (d->ninflight < (int)d->cfg->deliver_parallel &&
		    sv_store_msg_claim(d->st, now_ms(), (int)d->cfg->deliver_parallel - d->ninflight, add_transfer, d,
				       &err) != SV_OK) {
			fprintf(stderr, "samsvar: deliver: %s\n", err.message);
			sv_error_clear(&err);
		}
		curl_multi_perform(d->multi, &running);
		/* Slots freed: take the next due messages at once rather than after a poll. */
		if (read_finished(d) > 0)
			continue;
		wake.revents = 0;
		curl_multi_poll(d->multi, &wake, 1, idle_ms, NULL);
		if (wake.revents)
			sv_outbox_drain(d->ob);
	}
	/* Abandoned transfers: their messages go back to the queue, due now. A receiver that did get
	 * one drops the repeat by its message id. */
	while (d->inflight) {
		struct transfer *t = d->inflight;
		unlink_transfer(d, t);
		settle(d, t->id, "queued", "the sender stopped during the delivery", 0, NULL, NULL, 0);
		transfer_free(t);
	}
	return NULL;
}

enum sv_err sv_deliver_start(struct sv_outbox *ob, struct sv_deliver **out, struct sv_error *err)
{
	struct sv_deliver *d = sv_xcalloc(1, sizeof(*d));
	enum sv_err rc;

	*out = NULL;
	d->ob = ob;
	d->cfg = sv_outbox_config(ob);
	if ((rc = sv_store_open(d->cfg->store_path, &d->st, err)) != SV_OK)
		goto out;
	if (!(d->multi = curl_multi_init())) {
		rc = sv_fail(err, SV_EINTERNAL, "deliver: curl_multi_init failed");
		goto out;
	}
	curl_multi_setopt(d->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)d->cfg->deliver_parallel);
	if (pthread_create(&d->thread, NULL, run, d) != 0) {
		rc = sv_fail(err, SV_EINTERNAL, "deliver: cannot start the worker thread");
		goto out;
	}
	*out = d;
	d = NULL;
	rc = SV_OK;
out:
	if (d) {
		if (d->multi)
			curl_multi_cleanup(d->multi);
		sv_store_close(d->st);
		free(d);
	}
	return rc;
}

void sv_deliver_stop(struct sv_deliver *d)
{
	if (!d)
		return;
	atomic_store(&d->stop, 1);
	sv_outbox_notify(d->ob);
	pthread_join(d->thread, NULL);
	curl_multi_cleanup(d->multi);
	sv_store_close(d->st);
	free(d);
}
