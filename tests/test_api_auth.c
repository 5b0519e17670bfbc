/* test_api_auth.c — black-box tests of bearer tokens, roles and HTTPS: the real daemon, tokens made
 * with the real `samsvar token` command while it runs, and a certificate made by the test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/daemon.h"
#include "support/support.h"

#define LOOKUP "/fhir/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icf&code=d510"

static const char *const NO_HEADERS[] = {"Accept: application/fhir+json", NULL};

/* GET path on d with the token (NULL: none); returns the status, the body and headers in *r. */
static long get(const struct ts_daemon *d, const char *path, const char *token, struct ts_resp *r)
{
	char authz[1024];
	const char *h[] = {"Accept: application/fhir+json", authz, NULL};

	snprintf(authz, sizeof(authz), "Authorization: Bearer %s", token ? token : "");
	cr_assert_eq(ts_http(d->port, "GET", path, token ? h : NO_HEADERS, NULL, 0, r), 0, "GET %s failed", path);
	return r->status;
}

static long status_of(const struct ts_daemon *d, const char *path, const char *token)
{
	struct ts_resp r;
	long s = get(d, path, token, &r);
	free(r.body);
	return s;
}

/* Waits until GET path with token answers `want` (the daemon polls the store every 200 ms). */
static int wait_for(const struct ts_daemon *d, const char *path, const char *token, long want)
{
	for (int i = 0; i < 50; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		if (status_of(d, path, token) == want)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

Test(api_auth, auth_all_each_role_and_no_token, .timeout = 60)
{
	static const char *const roles[] = {"reader", "maintainer", "publisher", "admin"};
	struct ts_daemon d;
	struct ts_resp r;
	char *tok[4], *out, args[600];

	cr_assert_eq(ts_daemon_start(&d, "auth = all"), 0);
	for (int i = 0; i < 4; i++)
		tok[i] = ts_token_create(&d, roles[i], roles[i]);

	/* No token: 401 with the Bearer challenge, as an OperationOutcome. */
	cr_assert_eq(get(&d, LOOKUP, NULL, &r), 401);
	cr_assert(strcasestr(r.headers, "WWW-Authenticate: Bearer realm=\"samsvar\"\r\n"), "%s", r.headers);
	cr_assert(strstr(r.body, "\"OperationOutcome\"") && strstr(r.body, "\"login\""), "%s", r.body);
	free(r.body);
	cr_assert_eq(status_of(&d, "/fhir/CodeSystem", NULL), 401);
	cr_assert_eq(status_of(&d, "/fhir/Nothing", NULL), 401, "an unknown path tells anonymous nothing");

	/* Every role may read once its token is loaded (within a poll of the store). */
	for (int i = 0; i < 4; i++) {
		cr_assert(wait_for(&d, LOOKUP, tok[i], 200), "role %s cannot $lookup", roles[i]);
		cr_assert_eq(status_of(&d, "/fhir/CodeSystem?_summary=count", tok[i]), 200, "%s", roles[i]);
	}

	/* A wrong token: 401, invalid_token. */
	cr_assert_eq(get(&d, LOOKUP, "sv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r), 401);
	cr_assert(strcasestr(r.headers, "error=\"invalid_token\""), "%s", r.headers);
	free(r.body);

	/* Discovery and probes stay open. */
	cr_assert_eq(get(&d, "/fhir/metadata", NULL, &r), 200);
	cr_assert(strstr(r.body, "restful-security-service") && strstr(r.body, "\"OAuth\""), "%s", r.body);
	cr_assert(strstr(r.body, "Every request but this CapabilityStatement needs a token"), "%s", r.body);
	free(r.body);
	cr_assert_eq(status_of(&d, "/healthz", NULL), 200);
	cr_assert_eq(status_of(&d, "/readyz", NULL), 200);

	/* The list names the tokens but never shows one. */
	snprintf(args, sizeof(args), "token list --config %s/samsvar.conf", d.dir);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "publisher") && strstr(out, "admin"), "%s", out);
	for (int i = 0; i < 4; i++)
		cr_assert(!strstr(out, tok[i]), "token list shows a token: %s", out);
	free(out);

	/* A revoke takes effect while the daemon runs, promptly; the other tokens keep working. */
	snprintf(args, sizeof(args), "token revoke maintainer --config %s/samsvar.conf", d.dir);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	{
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		cr_assert(wait_for(&d, LOOKUP, tok[1], 401), "a revoked token still works");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cr_assert_lt(t1.tv_sec - t0.tv_sec, 3, "the revoke took more than 2 s");
	}
	cr_assert_eq(status_of(&d, LOOKUP, tok[0]), 200);
	cr_assert_eq(ts_samsvar(args, &out), 1, "revoked twice: %s", out);
	free(out);

	for (int i = 0; i < 4; i++)
		free(tok[i]);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

Test(api_auth, auth_writes_reads_open_bad_token_refused, .timeout = 60)
{
	struct ts_daemon d;
	struct ts_resp r;
	char *tok, big[400];

	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	tok = ts_token_create(&d, "ola", "reader");
	cr_assert_eq(status_of(&d, LOOKUP, NULL), 200, "auth = writes is the default: reads are open");
	cr_assert(wait_for(&d, LOOKUP, tok, 200));
	cr_assert_eq(get(&d, LOOKUP, "sv_not-a-token", &r), 401, "a bad token on an open route");
	cr_assert(strcasestr(r.headers, "error=\"invalid_token\""), "%s", r.headers);
	free(r.body);
	/* An Authorization header over the cap is refused, not hashed. */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(get(&d, "/fhir/metadata", big, &r), 401);
	cr_assert(strstr(r.body, "longer than"), "%s", r.body);
	free(r.body);
	cr_assert_eq(get(&d, "/fhir/metadata", NULL, &r), 200);
	cr_assert(strstr(r.body, "Reads and terminology operations are open"), "%s", r.body);
	free(r.body);
	free(tok);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

Test(api_auth, https_with_a_certificate_the_test_makes, .timeout = 60)
{
	char dir[] = "/tmp/sv-https-XXXXXX", cert[300], key[300], conf[800], *tok;
	const char *h[3] = {"Accept: application/fhir+json", NULL, NULL};
	char authz[120], cmd[400];
	struct ts_daemon d;
	struct ts_resp r;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(ts_make_cert(dir, cert, key, sizeof(cert)), 0, "cannot make a certificate (openssl CLI)");
	snprintf(conf, sizeof(conf), "auth = all\ntls_cert = %s\ntls_key = %s", cert, key);
	cr_assert_eq(ts_daemon_start(&d, conf), 0);
	tok = ts_token_create(&d, "kari", "reader");
	snprintf(authz, sizeof(authz), "Authorization: Bearer %s", tok);

	cr_assert_eq(ts_https(d.port, cert, "GET", "/fhir/metadata", h, &r), 0, "the TLS handshake failed");
	cr_assert_eq(r.status, 200);
	cr_assert(strstr(r.body, "CapabilityStatement"), "%s", r.body);
	free(r.body);
	cr_assert_eq(ts_https(d.port, cert, "GET", LOOKUP, h, &r), 0);
	cr_assert_eq(r.status, 401);
	free(r.body);
	h[1] = authz;
	for (int i = 0; i < 50; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		cr_assert_eq(ts_https(d.port, cert, "GET", LOOKUP, h, &r), 0);
		free(r.body);
		if (r.status == 200)
			break;
		nanosleep(&ts, NULL);
	}
	cr_assert_eq(r.status, 200, "the token does not work over HTTPS");
	/* Plain HTTP to the HTTPS port gets no answer; a client that does not trust the certificate
	 * (another one) refuses the server. */
	cr_assert(ts_http(d.port, "GET", "/fhir/metadata", NULL, NULL, 0, &r) != 0 || r.status != 200);
	free(r.body);
	{
		char other[300], okey[300], sub[120];
		snprintf(sub, sizeof(sub), "%s/other", dir);
		cr_assert_eq(mkdir(sub, 0700), 0);
		cr_assert_eq(ts_make_cert(sub, other, okey, sizeof(other)), 0);
		cr_assert_eq(ts_https(d.port, other, "GET", "/fhir/metadata", NULL, &r), -1,
			     "the client trusted a certificate it was not given");
		free(r.body);
	}
	free(tok);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

Test(api_auth, check_config_checks_tls_and_warns_off_loopback, .timeout = 60)
{
	char dir[] = "/tmp/sv-cc-XXXXXX", cert[300], key[300], other[300], okey[300], sub[120], path[200];
	char text[900], args[300], *out, cmd[300];

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(ts_make_cert(dir, cert, key, sizeof(cert)), 0);
	snprintf(sub, sizeof(sub), "%s/other", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(ts_make_cert(sub, other, okey, sizeof(other)), 0);
	snprintf(path, sizeof(path), "%s/samsvar.conf", dir);
	snprintf(args, sizeof(args), "check-config %s", path);

	snprintf(text, sizeof(text), "listen = 127.0.0.1:8443\ntls_cert = %s\ntls_key = %s\n", cert, key);
	ts_write_file(path, text);
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "https://127.0.0.1:8443") && !strstr(out, "warning"), "%s", out);
	free(out);

	snprintf(text, sizeof(text), "tls_cert = %s\ntls_key = %s\n", cert, okey);
	ts_write_file(path, text);
	cr_assert_eq(ts_samsvar(args, &out), 1, "%s", out);
	cr_assert(strstr(out, "tls_key") && strstr(out, "does not belong"), "%s", out);
	free(out);

	snprintf(text, sizeof(text), "tls_cert = %s/missing.pem\ntls_key = %s\n", dir, key);
	ts_write_file(path, text);
	cr_assert_eq(ts_samsvar(args, &out), 1, "%s", out);
	cr_assert(strstr(out, "tls_cert") && strstr(out, "missing.pem"), "%s", out);
	free(out);

	/* Not loopback and no TLS: valid, with a warning (the daemon says the same when it starts). */
	ts_write_file(path, "listen = 0.0.0.0:8080\n");
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	cr_assert(strstr(out, "warning") && strstr(out, "without TLS"), "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

Test(api_auth, token_command_usage_and_a_server_refusing_a_bad_pair, .timeout = 60)
{
	static const char *const bad[] = {
		"token", "token frobnicate", "token revoke", "token revoke --name x", "token create --name x",
		"token create --role reader", "token list --name x",
	};
	char dir[] = "/tmp/sv-bad-XXXXXX", cert[300], key[300], other[300], okey[300], sub[120], conf[800];
	char *out, cmd[300];
	struct ts_daemon d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(ts_samsvar(bad[i], &out), 2, "'%s': %s", bad[i], out);
		free(out);
	}
	cr_assert_eq(ts_samsvar("--help", &out), 0);
	cr_assert(strstr(out, "token") && strstr(out, "revoke NAME"), "%s", out);
	free(out);

	/* serve checks the pair as check-config does, and does not start on a bad one. */
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(ts_make_cert(dir, cert, key, sizeof(cert)), 0);
	snprintf(sub, sizeof(sub), "%s/other", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(ts_make_cert(sub, other, okey, sizeof(other)), 0);
	snprintf(conf, sizeof(conf), "tls_cert = %s\ntls_key = %s", cert, okey);
	cr_assert_eq(ts_daemon_start(&d, conf), -1, "the daemon started with a key of another certificate");
	out = ts_read_file(d.log, NULL);
	cr_assert(out && strstr(out, "tls_key") && strstr(out, "does not belong"), "%s", out ? out : "(no log)");
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", dir, d.dir);
	(void)!system(cmd);
}
