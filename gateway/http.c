/* http.c — the libmicrohttpd transport: connections, caps and deadlines, request bodies, and the
 * hand-over of each complete request to exchange.c. One struct conn per request owns what the
 * request allocates and is freed in one place (on_completed); one struct track per TCP connection
 * lets a watchdog close connections whose headers take longer than header_timeout. */
#include "samsvar/http.h"
#include "samsvar/exchange.h"
#include "samsvar/fhirapi.h"
#include "samsvar/url.h"
#include "samsvar/utf8.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One TCP connection, from accept to close. The list links are guarded by the server's lock; the
 * wait state is atomic, so a request never takes that lock (two workers would contend on it). */
struct track {
	struct track *prev, *next;
	int fd;
	atomic_int waiting;       /* 1 while the headers of a request are awaited */
	atomic_llong since_ms;    /* when that wait began (CLOCK_MONOTONIC ms): accept, or the end of
				   * the previous answer */
	char peer[INET6_ADDRSTRLEN];
};

struct sv_http {
	struct MHD_Daemon *d;
	struct sv_service svc;
	unsigned port;
	pthread_mutex_t lock;     /* guards the tracks list and `stop` */
	pthread_cond_t wake;
	struct track *tracks;
	atomic_uint open;         /* connections open now */
	int stop;
	pthread_t watchdog;
};

/* One request. */
struct conn {
	struct sv_exchange x;
	struct track *t;
	char *target;
	char *body;
	size_t len;
	size_t cap;               /* bytes allocated for body */
	size_t dropped;           /* bytes read and dropped past max_body (a chunked body) */
	int too_big;              /* the body went over its cap (max_body, or max_import_body) */
	int nul_in_target;        /* a raw NUL byte inside the request target */
	int first;                /* the next handler call is the first, with headers complete */
	/* POST /fhir/$import: the body, up to max_import_body, goes to an unlinked temporary file
	 * (spool) and the exchange reads it mapped, so a release file of hundreds of MB takes page
	 * cache, not the heap. */
	int import;               /* POST /fhir/$import with a maintainer's token */
	int import_unauthorized;  /* POST /fhir/$import without one */
	int spool;                /* the file's descriptor, or -1 */
	int spool_errno;          /* why writing it failed, or 0 */
	void *map;                /* its mapping, len + 1 bytes (a NUL after the body, as in `body`) */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- libmicrohttpd's own error answers ----------------------------------------------------
 * libmicrohttpd 0.9.75 answers requests it cannot parse (a malformed request line or header, a
 * request line or headers over its memory pool, an unsupported HTTP version, bad chunking) by
 * itself, with fixed HTML bodies and no hook to change them. It builds those answers, and nothing
 * else, through its public MHD_create_response_from_buffer(), which samsvar never calls: samsvar
 * defines that function, and the executable's definition takes precedence for the library's own
 * call (ELF symbol interposition; the Makefile exports it with --dynamic-list), so these answers are
 * OperationOutcomes too. tests/test_api_hostile.c checks each case, so a build where the
 * interposition does not happen fails its tests. */

/* The visible text of one of libmicrohttpd's HTML messages: what its <body> holds. */
static void html_text(const char *html, size_t n, char *out, size_t cap)
{
	const char *b = n ? memmem(html, n, "<body>", 6) : NULL, *e;
	size_t o = 0;

	if (b) {
		b += 6;
		e = memmem(b, n - (size_t)(b - html), "</body>", 7);
		n = e ? (size_t)(e - b) : n - (size_t)(b - html);
		html = b;
	}
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		if (html[i] == '<') {                 /* drop any inner tag */
			const char *gt = memchr(html + i, '>', n - i);
			if (!gt)
				break;
			i = (size_t)(gt - html);
			continue;
		}
		if ((unsigned char)html[i] >= 0x20 && (unsigned char)html[i] < 0x7F)
			out[o++] = html[i];
	}
	out[o] = '\0';
}

struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
	char text[300];
	const char *code = "invalid";
	cJSON *oo;
	char *json;
	struct MHD_Response *r;

	char page[1024];

	/* Classified on the whole page, title included: the internal-error page says so only there. */
	snprintf(page, sizeof(page), "%.*s", (int)(size < sizeof(page) ? size : sizeof(page) - 1), (const char *)buffer);
	html_text(buffer, size, text, sizeof(text));
	if (mode == MHD_RESPMEM_MUST_FREE)
		free(buffer);
	if (strcasestr(page, "internal")) {
		code = "exception";
		snprintf(text, sizeof(text), "the HTTP library failed to handle this request");
	} else if (strcasestr(page, "too big") || strcasestr(page, "too large") || strcasestr(page, "too long")) {
		code = "too-long";
	} else if (strcasestr(page, "version")) {
		code = "not-supported";
	}
	oo = sv_outcome_new(strcmp(code, "exception") == 0 ? "fatal" : "error", code,
			    text[0] ? text : "the HTTP request could not be read");
	json = cJSON_PrintUnformatted(oo);
	cJSON_Delete(oo);
	r = MHD_create_response_from_buffer_with_free_callback(strlen(json), json, free);
	if (!r) {
		free(json);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/fhir+json; charset=utf-8");
	return r;
}

/* libmicrohttpd's diagnostics, one escaped line each (they may quote what a client sent). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[400], esc[600];
	size_t n;
	int k;

	(void)cls;
	k = vsnprintf(msg, sizeof(msg), fmt, ap);
	n = k < 0 ? 0 : (size_t)k < sizeof(msg) ? (size_t)k : sizeof(msg) - 1;
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	sv_utf8_escape_log(msg, n, esc, sizeof(esc));
	fprintf(stderr, "libmicrohttpd: %s\n", esc);
}

/* ---- connections ------------------------------------------------------------------------- */

static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct sv_http *h = cls;
	struct track *t = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ad = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		t = sv_xcalloc(1, sizeof(*t));
		t->fd = fd ? fd->connect_fd : -1;
		atomic_init(&t->waiting, 1);
		atomic_init(&t->since_ms, now_ms());
		if (ad && ad->client_addr) {
			const struct sockaddr *sa = ad->client_addr;
			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
					  t->peer, sizeof(t->peer));
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
					  t->peer, sizeof(t->peer));
		}
		pthread_mutex_lock(&h->lock);
		t->next = h->tracks;
		if (h->tracks)
			h->tracks->prev = t;
		h->tracks = t;
		atomic_fetch_add(&h->open, 1);
		pthread_mutex_unlock(&h->lock);
		*socket_context = t;
		return;
	}
	if (!t)
		return;
	/* Closed: libmicrohttpd closes the socket after this returns, so the watchdog, which holds
	 * the lock while it shuts sockets down, can never touch a reused descriptor. */
	pthread_mutex_lock(&h->lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		h->tracks = t->next;
	if (t->next)
		t->next->prev = t->prev;
	atomic_fetch_sub(&h->open, 1);
	pthread_mutex_unlock(&h->lock);
	free(t);
	*socket_context = NULL;
}

/* Closes every connection whose request headers have been awaited longer than header_timeout, so
 * clients that send headers slowly (slowloris) cannot hold the server's connection slots. */
static void *watchdog(void *arg)
{
	struct sv_http *h = arg;
	long long limit_ms = (long long)h->svc.cfg->header_timeout_seconds * 1000;

	pthread_mutex_lock(&h->lock);
	while (!h->stop) {
		struct timespec until;
		long long now = now_ms();
		for (struct track *t = h->tracks; t; t = t->next) {
			if (atomic_load(&t->waiting) && t->fd >= 0 && now - atomic_load(&t->since_ms) > limit_ms) {
				shutdown(t->fd, SHUT_RDWR);
				atomic_store(&t->waiting, 0);
			}
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->wake, &h->lock, &until);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* The since time is stored before the flag, so the watchdog never sees a new wait with an old start. */
static void set_waiting(struct track *t, int waiting)
{
	if (!t)
		return;
	if (waiting)
		atomic_store(&t->since_ms, now_ms());
	atomic_store(&t->waiting, waiting);
}

/* ---- requests ------------------------------------------------------------------------------ */

static const char *lookup_header(void *ctx, const char *name)
{
	return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

/* libmicrohttpd parses the query, right after on_uri(), into records in its fixed per-connection
 * pool, and 0.9.75 stalls a connection whose parameters do not fit (500 short ones suffice) instead
 * of answering. samsvar reads the query from its own copy (exchange.c), so this ends the string
 * libmicrohttpd is about to parse just after the '?': the request line sits in libmicrohttpd's
 * writable read buffer, which it cuts at that '?' itself. libmicrohttpd also lets a raw NUL byte
 * through inside the target, where it would hide the rest from samsvar's copy: the target ends at
 * the NUL libmicrohttpd put in place of the space before "HTTP/1.x", so any other NUL is inside it,
 * and the '?' may lie beyond it. Returns 1 when the target holds a NUL (the request is refused). */
static int cut_query(char *uri, size_t limit)
{
	char *seg = uri;
	int nul = 0, cut = 0;

	/* libmicrohttpd has checked the version before it calls on_uri(), so the walk ends there,
	 * within the request line; the limit is a second guard. */
	for (size_t scanned = 0; scanned < limit;) {
		size_t n = strlen(seg);
		char *next = seg + n + 1, *q = cut ? NULL : memchr(seg, '?', n);
		if (q) {
			if (q[1])
				q[1] = '\0';
			cut = 1;
		}
		if (strncmp(next, "HTTP/", 5) == 0 && strlen(next) == 8)
			return nul;
		nul = 1;
		scanned += n + 1;
		seg = next;
	}
	return 1;
}

/* Called by libmicrohttpd as soon as the request line is read, with the target as sent: the request
 * starts here, and exchange.c reads the target itself (percent-decoding strictly). */
static void *on_uri(void *cls, const char *uri_const, struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *sc = MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *c = sv_xcalloc(1, sizeof(*c));
	char *uri = (char *)(uintptr_t)uri_const;

	c->t = sc ? sc->socket_context : NULL;
	c->spool = -1;
	c->target = sv_xstrdup(uri ? uri : "");
	if (uri)
		c->nul_in_target = cut_query(uri, ((struct sv_http *)cls)->svc.cfg->max_header_bytes);
	c->x.header = lookup_header;     /* answered only once the headers are read */
	c->x.header_ctx = con;
	c->x.target = c->target;
	c->x.target_len = strlen(c->target);
	c->x.peer = c->t && c->t->peer[0] ? c->t->peer : NULL;
	c->first = 1;
	clock_gettime(CLOCK_MONOTONIC, &c->x.start);
	return c;
}

/* Whether the request is POST /fhir/$import (the target read as exchange.c reads it, so both agree
 * on the route): 0 not; 1 without a maintainer's token; 2 with one. Only the last may send a body past
 * max_body, so nobody without that role can make the server store max_import_body bytes. */
static int is_import(const struct sv_service *svc, struct MHD_Connection *con, const char *method,
		     const char *target)
{
	const char *given = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	struct sv_url u;
	struct sv_error err = {0};
	struct sv_principal who;
	int route;

	if (strcmp(method, "POST") != 0)
		return 0;
	memset(&u, 0, sizeof(u));
	route = sv_url_parse(target, strlen(target), svc->cfg->max_params, &u, &err) == SV_OK &&
		strcmp(u.path, "/fhir/$import") == 0;
	sv_url_release(&u);
	if (!route)
		return 0;
	return given && sv_tokens_check(svc->tokens, given, &who, &err) == SV_OK &&
	       sv_auth_permits(&who, SV_ROLE_MAINTAINER, &err) == SV_OK ? 2 : 1;
}

/* The cap on this request's body and how a refusal names it. */
static size_t body_cap(const struct sv_config *cfg, const struct conn *c, const char **key)
{
	*key = c->import ? "max_import_body" : c->import_unauthorized ? "max_body; POST /fhir/$import with a "
		"maintainer's token takes up to max_import_body" : "max_body";
	return c->import ? cfg->max_import_body_bytes : cfg->max_body_bytes;
}

/* Appends `n` bytes of an $import body to its temporary file, made (and unlinked at once, so no
 * path is left behind by a crash) on the first bytes. Records the first error in spool_errno. */
static void spool_write(struct conn *c, const char *p, size_t n)
{
	if (c->spool_errno)
		return;
	if (c->spool < 0) {
		const char *dir = getenv("TMPDIR");
		char path[600];
		snprintf(path, sizeof(path), "%s/samsvar-body-XXXXXX", dir && *dir ? dir : "/tmp");
		if ((c->spool = mkostemp(path, O_CLOEXEC)) < 0) {
			c->spool_errno = errno;
			return;
		}
		unlink(path);
	}
	while (n) {
		ssize_t w = write(c->spool, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->spool_errno = w < 0 ? errno : ENOSPC;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Maps the spooled body, with a NUL after it, into c->body's place; 0, or -1 with spool_errno set. */
static int spool_map(struct conn *c)
{
	void *m;

	spool_write(c, "", 1);
	if (c->spool_errno)
		return -1;
	if ((m = mmap(NULL, c->len + 1, PROT_READ, MAP_PRIVATE, c->spool, 0)) == MAP_FAILED) {
		c->spool_errno = errno;
		return -1;
	}
	c->map = m;
	return 0;
}

/* What refuse_early() learns from one pass over the headers. */
struct header_sums {
	size_t bytes;             /* names and values, as sent */
	unsigned content_length;  /* Content-Length headers */
	unsigned transfer_encoding;
};

static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct header_sums *n = cls;
	(void)kind;
	n->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
	n->content_length += strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0;
	n->transfer_encoding += strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0;
	return MHD_YES;
}

static enum MHD_Result send_answer(struct sv_http *h, struct MHD_Connection *con, struct conn *c, int close)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char retry[16];

	r = MHD_create_response_from_buffer_with_free_callback(c->x.len, c->x.bytes, free);
	if (!r)
		return MHD_NO;
	c->x.bytes = NULL;       /* the response owns it now */
	if (c->x.content_type)  /* none on a 204 */
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, c->x.content_type);
	if (c->x.allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, c->x.allow);
	if (c->x.retry_after) {
		snprintf(retry, sizeof(retry), "%u", c->x.retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	for (unsigned i = 0; i < c->x.headers.n; i++)
		MHD_add_response_header(r, c->x.headers.h[i].name, c->x.headers.h[i].value);
	if (close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(con, (unsigned)c->x.status, r);
	MHD_destroy_response(r);
	sv_exchange_log(&h->svc, &c->x);
	return ret;
}

/* The checks that need only the headers: answered before any body byte is read (so an
 * `Expect: 100-continue` client is refused instead of told to send). Returns 1 when refused. */
static int refuse_early(struct sv_http *h, struct MHD_Connection *con, struct conn *c)
{
	const struct sv_config *cfg = h->svc.cfg;
	const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct header_sums sums = {0, 0, 0};
	unsigned open = atomic_load(&h->open);
	const char *key;
	size_t cap = body_cap(cfg, c, &key);

	MHD_get_connection_values(con, MHD_HEADER_KIND, sum_header, &sums);
	if (c->nul_in_target) {
		sv_exchange_refuse(&c->x, SV_EINVAL, "the request target holds a NUL byte");
	} else if (sums.content_length > 1 || (sums.content_length && sums.transfer_encoding)) {
		/* RFC 9112 6.3: the body's length would be ambiguous, which lets a proxy in front and
		 * samsvar read different requests from one stream (request smuggling). */
		sv_exchange_refuse(&c->x, SV_EINVAL, "the request has %s: its body length is ambiguous",
				   sums.content_length > 1 ? "more than one Content-Length" :
				   "both Content-Length and Transfer-Encoding");
	} else if (open > cfg->max_connections) {
		c->x.retry_after = 1;
		sv_exchange_refuse(&c->x, SV_EUNAVAILABLE, "samsvar is serving %u connections "
				   "(max_connections); try again shortly", cfg->max_connections);
	} else if (c->x.target_len > cfg->max_header_bytes) {
		sv_exchange_refuse(&c->x, SV_EURITOOLONG, "the request target is longer than %zu bytes "
				   "(max_header_bytes)", cfg->max_header_bytes);
	} else if (sums.bytes > cfg->max_header_bytes) {
		sv_exchange_refuse(&c->x, SV_EHEADERS, "the request headers are larger than %zu bytes "
				   "(max_header_bytes)", cfg->max_header_bytes);
	} else if (cl && strtoull(cl, NULL, 10) > cap && c->import_unauthorized) {
		/* Not 413, which would invite a retry with the same large body: without its body the
		 * exchange answers what the real problem is, 401 or 403. */
		sv_exchange_run(&h->svc, &c->x);
	} else if (cl && strtoull(cl, NULL, 10) > cap) {
		sv_exchange_refuse(&c->x, SV_ETOOBIG, "the request body (%.30s bytes) is larger than %zu "
				   "bytes (%s)", cl, cap, key);
	} else {
		return 0;
	}
	return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct sv_http *h = cls;
	struct conn *c = *con_cls;

	(void)url;
	(void)version;
	if (!c)                   /* not possible with the URI callback installed */
		return MHD_NO;
	if (c->first) {
		c->first = 0;
		c->x.method = method;
		switch (is_import(&h->svc, con, method, c->target)) {
		case 2:
			c->import = 1;
			break;
		case 1:
			c->import_unauthorized = 1;
			break;
		default:
			break;
		}
		set_waiting(c->t, 0);
		if (refuse_early(h, con, c))
			return send_answer(h, con, c, 1);
		return MHD_YES;
	}
	if (*upload_size) {
		const char *key;
		size_t max = body_cap(h->svc.cfg, c, &key);
		if (!c->too_big && c->len + *upload_size <= max && c->import) {
			spool_write(c, upload, *upload_size);
			c->len += *upload_size;
		} else if (!c->too_big && c->len + *upload_size <= max) {
			if (c->len + *upload_size + 1 > c->cap) {
				c->cap = c->cap ? c->cap : 1000;   /* under 1 KiB: see jsonw.c */
				while (c->cap < c->len + *upload_size + 1)
					c->cap *= 2;
				c->body = sv_xrealloc(c->body, c->cap);
			}
			memcpy(c->body + c->len, upload, *upload_size);
			c->len += *upload_size;
			c->body[c->len] = '\0';
		} else {
			/* A chunked body over the cap (a declared one was refused before it was sent): read
			 * and dropped so the client can be told 413, up to twice max_body in all; past that
			 * the connection is closed, so nobody streams into the server for ever. */
			c->too_big = 1;
			c->dropped += *upload_size;
			if (c->len + c->dropped > 2 * max)
				return MHD_NO;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (c->too_big) {
		const char *key;
		size_t max = body_cap(h->svc.cfg, c, &key);
		sv_exchange_refuse(&c->x, SV_ETOOBIG, "the request body is larger than %zu bytes (%s)", max, key);
		return send_answer(h, con, c, 1);
	}
	if (c->len && c->import) {
		if (spool_map(c) != 0) {
			sv_exchange_refuse(&c->x, SV_EIO, "the request body could not be kept in a temporary file: %s",
					   strerror(c->spool_errno));
			return send_answer(h, con, c, 1);
		}
		c->x.body = c->map;
		c->x.body_len = c->len;
		sv_exchange_run(&h->svc, &c->x);
		return send_answer(h, con, c, 0);
	}
	c->x.body = c->body;
	c->x.body_len = c->len;
	sv_exchange_run(&h->svc, &c->x);
	return send_answer(h, con, c, 0);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *c = *con_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if (!c)
		return;
	set_waiting(c->t, 1);  /* a kept-alive connection now waits for its next request */
	free(c->x.bytes);
	sv_resp_headers_release(&c->x.headers);
	free(c->target);
	free(c->body);
	if (c->map)
		munmap(c->map, c->len + 1);
	if (c->spool >= 0)
		close(c->spool);
	free(c);
	*con_cls = NULL;
}

/* Room for every connection the configuration allows, when the soft limit on open files is lower. */
static void raise_fd_limit(unsigned need)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* Opens, binds and listens on the configured address (IPv4, IPv6 or localhost) into *fd and sets
 * *port to the port bound; SV_ECONFIG for an address that is not one, SV_EIO when it cannot be bound. */
static enum sv_err listen_socket(const struct sv_config *cfg, int *fd, unsigned *port, struct sv_error *err)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sa = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)(void *)&ss;
	socklen_t len;
	int v6 = sv_config_listen_is_ipv6(cfg), one = 1;
	const char *host = strcmp(cfg->listen_host, "localhost") == 0 ? "127.0.0.1" : cfg->listen_host;

	memset(&ss, 0, sizeof(ss));
	if (v6) {
		sa6->sin6_family = AF_INET6;
		sa6->sin6_port = htons((uint16_t)cfg->listen_port);
		len = sizeof(*sa6);
	} else {
		sa->sin_family = AF_INET;
		sa->sin_port = htons((uint16_t)cfg->listen_port);
		len = sizeof(*sa);
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, v6 ? (void *)&sa6->sin6_addr : (void *)&sa->sin_addr) != 1)
		return sv_fail(err, SV_ECONFIG, "listen: '%s' is not an IPv4 or IPv6 address", cfg->listen_host);
	if ((*fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return sv_fail(err, SV_EIO, "cannot open a socket for %s: %s", cfg->listen_host, strerror(errno));
	(void)setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)      /* [::] means IPv6 only; an IPv4 listener is configured as such */
		(void)setsockopt(*fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(*fd, (struct sockaddr *)&ss, len) != 0 || listen(*fd, 1024) != 0 ||
	    getsockname(*fd, (struct sockaddr *)&ss, &len) != 0) {
		int e = errno;
		close(*fd);
		return sv_fail(err, SV_EIO, "cannot listen on %s%s%s:%u: %s", v6 ? "[" : "", cfg->listen_host,
			       v6 ? "]" : "", cfg->listen_port, strerror(e));
	}
	*port = ntohs(v6 ? sa6->sin6_port : sa->sin_port);
	return SV_OK;
}

enum sv_err sv_http_start(const struct sv_config *cfg, struct sv_registry *reg, struct sv_tokens *tokens,
			  struct sv_writer *writer, const struct sv_tls *tls, struct sv_outbox *outbox,
			  struct sv_http **out,
			  struct sv_error *err)
{
	struct sv_http *h = sv_xcalloc(1, sizeof(*h));
	/* HTTPS when a certificate was loaded: libmicrohttpd's GnuTLS reads both from memory. */
	struct MHD_OptionItem tls_opts[] = {
		{MHD_OPTION_HTTPS_MEM_KEY, 0, tls && tls->cert ? tls->key : NULL},
		{MHD_OPTION_HTTPS_MEM_CERT, 0, tls && tls->cert ? tls->cert : NULL},
		{MHD_OPTION_END, 0, NULL},
	};
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG | MHD_USE_ITC;
	const union MHD_DaemonInfo *info;
	/* A reserve above max_connections, so a client arriving when the server is full is told so
	 * (503) instead of waiting in the kernel's queue. */
	unsigned reserve = cfg->max_connections / 8 > 16 ? cfg->max_connections / 8 : 16;
	/* libmicrohttpd keeps the request line and the headers in one pool per connection (it never
	 * parses the query, see on_uri()): room for max_header_bytes, the header records and the
	 * answer's headers, so
	 * what is over the cap gets samsvar's own 414/431. Not more: libmicrohttpd zeroes the whole
	 * pool before every request on a kept-alive connection. */
	size_t pool = cfg->max_header_bytes + 8 * 1024;
	int fd = -1;
	enum sv_err rc;

	*out = NULL;
	/* samsvar binds the socket itself, so the port (0 picks one) and with it the base URL of the
	 * answers' links are known before the first request can arrive. */
	if ((rc = listen_socket(cfg, &fd, &h->port, err)) != SV_OK) {
		free(h);
		return rc;
	}
	sv_config_base_url(cfg, tls && tls->cert, h->port, h->svc.base_url, sizeof(h->svc.base_url));
	h->svc.cfg = cfg;
	h->svc.reg = reg;
	h->svc.tokens = tokens;
	h->svc.outbox = outbox;
	if (tls && tls->cert)
		flags |= MHD_USE_TLS;
	else
		tls_opts[0].option = MHD_OPTION_END;
	h->svc.writer = writer;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	raise_fd_limit(cfg->max_connections + reserve + 64);
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)(cfg->max_connections + reserve),
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)cfg->max_connections_per_ip,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_seconds,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
				MHD_OPTION_URI_LOG_CALLBACK, on_uri, h,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				MHD_OPTION_ARRAY, tls_opts,
				MHD_OPTION_END);
	if (!h->d) {
		pthread_mutex_destroy(&h->lock);
		pthread_cond_destroy(&h->wake);
		free(h);
		close(fd);
		return sv_fail(err, SV_EIO, "cannot serve on %s:%u%s", cfg->listen_host, cfg->listen_port,
			       tls && tls->cert ? " (TLS could not start)" : "");
	}
	if (pthread_create(&h->watchdog, NULL, watchdog, h) != 0)
		SV_BUG("cannot start the header-deadline thread");
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	if (info && info->port && info->port != h->port)
		SV_BUG("libmicrohttpd serves another port than the socket bound");
	*out = h;
	return SV_OK;
}

unsigned sv_http_port(const struct sv_http *h)
{
	return h->port;
}

void sv_http_stop(struct sv_http *h)
{
	if (!h)
		return;
	atomic_store(&h->svc.draining, 1);
	/* MHD_stop_daemon stops accepting and waits for the worker threads to finish the requests
	 * they are serving. Not MHD_quiesce_daemon first: with epoll worker threads (libmicrohttpd
	 * 0.9.75) it races a worker removing the listen socket from its epoll set too, and the loser
	 * aborts the process ("Failed to remove listen FD from epoll set"), so a clean stop exited
	 * with SIGABRT now and then. */
	MHD_stop_daemon(h->d);
	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->watchdog, NULL);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
