/* test_tls.c — reading and checking tls_cert / tls_key (tls.c), with certificates made at run time. */
#include "samsvar/tls.h"
#include "support/daemon.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <time.h>
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

/* Writes to `out` a certificate for the key in `keyfile`, self-signed, valid from `from` to `to`:
 * openssl's req cannot make one that has expired. */
static void make_cert_valid(const char *keyfile, time_t from, time_t to, const char *out)
{
	size_t n = 0;
	char *pem = ts_read_file(keyfile, &n);
	gnutls_datum_t kd = {(unsigned char *)pem, (unsigned)n}, cd = {NULL, 0};
	gnutls_x509_privkey_t pk;
	gnutls_x509_crt_t crt;
	unsigned char serial = 7;
	FILE *f;

	cr_assert_not_null(pem);
	cr_assert_geq(gnutls_x509_privkey_init(&pk), 0);
	cr_assert_geq(gnutls_x509_privkey_import(pk, &kd, GNUTLS_X509_FMT_PEM), 0);
	cr_assert_geq(gnutls_x509_crt_init(&crt), 0);
	cr_assert_geq(gnutls_x509_crt_set_version(crt, 3), 0);
	cr_assert_geq(gnutls_x509_crt_set_serial(crt, &serial, 1), 0);
	cr_assert_geq(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "127.0.0.1", 9), 0);
	cr_assert_geq(gnutls_x509_crt_set_activation_time(crt, from), 0);
	cr_assert_geq(gnutls_x509_crt_set_expiration_time(crt, to), 0);
	cr_assert_geq(gnutls_x509_crt_set_key(crt, pk), 0);
	cr_assert_geq(gnutls_x509_crt_sign2(crt, crt, pk, GNUTLS_DIG_SHA256, 0), 0);
	cr_assert_geq(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cd), 0);
	cr_assert_not_null(f = fopen(out, "wb"));
	cr_assert_eq(fwrite(cd.data, 1, cd.size, f), cd.size);
	fclose(f);
	gnutls_free(cd.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(pk);
	free(pem);
}

Test(tls, a_certificate_out_of_its_dates_loads_with_a_warning)
{
	struct sv_tls tls;
	struct sv_error err;
	char path[320];
	time_t now = time(NULL);

	snprintf(path, sizeof(path), "%s/expired.pem", dir);
	make_cert_valid(key, now - 3 * 86400, now - 86400, path);
	cr_assert_eq(load(path, key, &tls, &err), SV_OK, "%s", err.message);
	cr_assert(strstr(tls.warning, "has expired"), "'%s'", tls.warning);
	sv_tls_release(&tls);
	snprintf(path, sizeof(path), "%s/future.pem", dir);
	make_cert_valid(key, now + 86400, now + 3 * 86400, path);
	cr_assert_eq(load(path, key, &tls, &err), SV_OK, "%s", err.message);
	cr_assert(strstr(tls.warning, "not valid yet"), "'%s'", tls.warning);
	sv_tls_release(&tls);
}
