/* test_tls.c — reading and checking tls_cert / tls_key (tls.c), with certificates made at run time. */
#include "samsvar/tls.h"
#include "support/daemon.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64], cert[300], key[300], other_cert[300], other_key[300];

static void setup(void)
{
	char sub[80];

	snprintf(dir, sizeof(dir), "/tmp/sv-tls-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	if (ts_make_cert(dir, cert, key, sizeof(cert)) != 0)
		cr_assert_fail("cannot make a certificate with the openssl CLI (make deps installs it)");
	snprintf(sub, sizeof(sub), "%s/other", dir);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_assert_eq(ts_make_cert(sub, other_cert, other_key, sizeof(other_cert)), 0);
}

static void teardown(void)
{
	char cmd[120];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

TestSuite(tls, .init = setup, .fini = teardown);

static enum sv_err load(const char *c, const char *k, struct sv_tls *tls, struct sv_error *err)
{
	struct sv_config cfg;

	sv_config_defaults(&cfg);
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", c ? c : "");
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", k ? k : "");
	sv_error_clear(err);
	return sv_tls_load(&cfg, tls, err);
}

Test(tls, off_when_neither_is_set)
{
	struct sv_tls tls;
	struct sv_error err;

	cr_assert_eq(load(NULL, NULL, &tls, &err), SV_OK);
	cr_assert_null(tls.cert);
	sv_tls_release(&tls);
}

Test(tls, a_good_pair_loads)
{
	struct sv_tls tls;
	struct sv_error err;

	cr_assert_eq(load(cert, key, &tls, &err), SV_OK, "%s", err.message);
	cr_assert(tls.cert && strstr(tls.cert, "BEGIN CERTIFICATE"));
	cr_assert(tls.key && strstr(tls.key, "PRIVATE KEY"));
	cr_assert_str_eq(tls.warning, "");
	sv_tls_release(&tls);
	cr_assert_null(tls.key);
	sv_tls_release(&tls);
}

Test(tls, each_problem_is_named)
{
	struct sv_tls tls;
	struct sv_error err;
	char notpem[320], junk[320];

	cr_assert_eq(load(cert, NULL, &tls, &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "tls_key"), "%s", err.message);
	cr_assert_eq(load(NULL, key, &tls, &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "tls_cert"), "%s", err.message);

	cr_assert_eq(load("/nonexistent/cert.pem", key, &tls, &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "tls_cert") && strstr(err.message, "/nonexistent/cert.pem"), "%s",
		  err.message);
	cr_assert_eq(load(cert, dir, &tls, &err), SV_ECONFIG, "a folder as the key");
	cr_assert(strstr(err.message, "tls_key"), "%s", err.message);

	snprintf(notpem, sizeof(notpem), "%s/notpem", dir);
	ts_write_file(notpem, "just text\n");
	cr_assert_eq(load(notpem, key, &tls, &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "not a PEM"), "%s", err.message);

	snprintf(junk, sizeof(junk), "%s/junk.pem", dir);
	ts_write_file(junk, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
	cr_assert_eq(load(junk, key, &tls, &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "no valid certificate"), "%s", err.message);
	cr_assert_eq(load(cert, cert, &tls, &err), SV_ECONFIG, "the certificate as the key");
	cr_assert(strstr(err.message, "no valid private key"), "%s", err.message);

	cr_assert_eq(load(cert, other_key, &tls, &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "does not belong"), "%s", err.message);
	cr_assert_null(tls.cert, "a refused pair is not kept");
}
