/* error.h — the one error vocabulary of samsvar.
 *
 * Every fallible function returns an `enum sv_err` and, when given a `struct sv_error *`, fills a
 * human-readable detail beside the code (as SQLite's sqlite3ErrorWithMsg and curl's failf do).
 * One table maps each code to its HTTP status and FHIR OperationOutcome issue code.
 *
 * Out-of-memory policy: allocation failure is not recoverable in a daemon that serves from
 * snapshots; sv_xmalloc() and friends abort with a message (as git and h2o do). */
#ifndef SAMSVAR_ERROR_H
#define SAMSVAR_ERROR_H

#include <stddef.h>

enum sv_err {
	SV_OK = 0,
	SV_EINVAL,        /* a client sent something malformed or contradictory (400, invalid) */
	SV_EREQUIRED,     /* a required parameter is missing (400, required) */
	SV_ENOTFOUND,     /* the named resource does not exist (404, not-found) */
	SV_ECONFLICT,     /* the change clashes with what the store holds (409, conflict) */
	SV_ETOOBIG,       /* a client-controlled size is over its cap (413, too-long) */
	SV_EURITOOLONG,   /* the request-target is over max_header_bytes (414, too-long) */
	SV_EHEADERS,      /* the request headers are over max_header_bytes (431, too-long) */
	SV_EUNAVAILABLE,  /* the server is full or shutting down; try again (503, transient) */
	SV_EMEDIATYPE,    /* request body media type not supported (415, not-supported) */
	SV_ENOTACCEPT,    /* no acceptable response format (406, not-supported) */
	SV_EMETHOD,       /* method not allowed on this path (405, not-supported) */
	SV_ENOTSUPPORTED, /* a valid request for something samsvar does not do (501/400, not-supported) */
	SV_ETOOCOSTLY,    /* the answer would be too large, e.g. an expansion over the cap (422, too-costly) */
	SV_EUNAUTH,       /* no credentials, or credentials that are not valid (401, login) */
	SV_EFORBIDDEN,    /* valid credentials whose role does not allow this (403, forbidden) */
	SV_EPRECONDITION, /* an If-Match / If-None-Match precondition failed (412, conflict) */
	SV_EUNPROCESSABLE,/* well-formed content that fails validation; nothing was stored (422, processing) */
	SV_EIO,           /* a file could not be read or written (500, exception) */
	SV_ESTORE,        /* the SQLite store failed (500, exception) */
	SV_ECONFIG,       /* configuration is invalid (startup only) */
	SV_EINTERNAL      /* a bug was caught (500, exception) */
};

/* Detail kept beside the code; `expression` names the offending parameter or FHIRPath, if any. */
struct sv_error {
	enum sv_err code;
	char message[512];
	char expression[128];
};

/* Returns a static, never-NULL description of `code`. */
const char *sv_strerror(enum sv_err code);

/* Returns the HTTP status a response carrying `code` should have. */
int sv_err_http_status(enum sv_err code);

/* Returns the FHIR IssueType code (e.g. "invalid", "not-found") for `code`. */
const char *sv_err_issue_code(enum sv_err code);

/* Records `code` with a printf-style message into `err` (which may be NULL) and returns `code`,
 * so callers can write `return sv_fail(err, SV_EINVAL, "bad %s", x);`. */
enum sv_err sv_fail(struct sv_error *err, enum sv_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like sv_fail() but also records the offending parameter name or path in err->expression. */
enum sv_err sv_fail_at(struct sv_error *err, enum sv_err code, const char *expression,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Resets `err` to SV_OK with empty message. */
void sv_error_clear(struct sv_error *err);

/* Allocation wrappers: never return NULL; abort the process on exhaustion (the OOM policy). */
void *sv_xmalloc(size_t n);
void *sv_xcalloc(size_t nmemb, size_t size);
void *sv_xrealloc(void *p, size_t n);
char *sv_xstrdup(const char *s);
char *sv_xstrndup(const char *s, size_t n);

/* Puts the process under the policy above: cJSON allocates through sv_xmalloc()/free(). Call once
 * at the start of main (of every test and fuzz program too), before any other thread exists; the
 * setting is process-wide, and calling it again changes nothing. */
void sv_alloc_init(void);

/* Prints "samsvar: BUG at file:line: msg" and aborts: for broken invariants, never for input. */
#define SV_BUG(msg) sv_bug(__FILE__, __LINE__, (msg))
void sv_bug(const char *file, int line, const char *msg) __attribute__((noreturn));

#endif
