/* tls.c — reading and checking the HTTPS certificate and key (tls.h). */
#include "samsvar/file.h"
#include "samsvar/tls.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PEM_MAX_BYTES (1024 * 1024)

static enum sv_err read_pem(const char *key, const char *path, char **out, struct sv_error *err)
{
	struct sv_error ferr = {0};
	size_t n = 0;

	*out = sv_file_read(path, PEM_MAX_BYTES, &n, &ferr);
	if (!*out)
		return sv_fail(err, SV_ECONFIG, "%s: %s", key, ferr.message);
	if (!strstr(*out, "-----BEGIN ")) {
		free(*out);
		*out = NULL;
		return sv_fail(err, SV_ECONFIG, "%s: %.300s is not a PEM file (no -----BEGIN line)", key, path);
	}
	return SV_OK;
}

/* Parses both with GnuTLS; sets tls->warning when the certificate has expired or is not valid yet. */
static enum sv_err check_pair(const struct sv_config *cfg, struct sv_tls *tls, struct sv_error *err)
{
	gnutls_datum_t cd = {(unsigned char *)tls->cert, (unsigned)strlen(tls->cert)};
	gnutls_datum_t kd = {(unsigned char *)tls->key, (unsigned)strlen(tls->key)};
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_privkey_t pk = NULL;
	gnutls_certificate_credentials_t cred = NULL;
	enum sv_err rc = SV_ECONFIG;
	time_t now = time(NULL);
	int g;

	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_privkey_init(&pk) < 0 ||
	    gnutls_certificate_allocate_credentials(&cred) < 0)
		SV_BUG("GnuTLS cannot allocate");
	if ((g = gnutls_x509_crt_import(crt, &cd, GNUTLS_X509_FMT_PEM)) < 0) {
		rc = sv_fail(err, SV_ECONFIG, "tls_cert: %.300s holds no valid certificate: %s", cfg->tls_cert,
			     gnutls_strerror(g));
		goto out;
	}
	if ((g = gnutls_x509_privkey_import2(pk, &kd, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		rc = sv_fail(err, SV_ECONFIG, "tls_key: %.300s holds no valid private key%s: %s", cfg->tls_key,
			     g == GNUTLS_E_DECRYPTION_FAILED ? " (an encrypted key is not supported)" : "",
			     gnutls_strerror(g));
		goto out;
	}
	if ((g = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
		rc = sv_fail(err, SV_ECONFIG, "tls_key: %.200s does not belong to the certificate in %.200s: %s",
			     cfg->tls_key, cfg->tls_cert, gnutls_strerror(g));
		goto out;
	}
	if (gnutls_x509_crt_get_expiration_time(crt) < now)
		snprintf(tls->warning, sizeof(tls->warning), "the certificate in %.200s has expired", cfg->tls_cert);
	else if (gnutls_x509_crt_get_activation_time(crt) > now)
		snprintf(tls->warning, sizeof(tls->warning), "the certificate in %.200s is not valid yet",
			 cfg->tls_cert);
	rc = SV_OK;
out:
	gnutls_certificate_free_credentials(cred);
	gnutls_x509_privkey_deinit(pk);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

enum sv_err sv_tls_load(const struct sv_config *cfg, struct sv_tls *tls, struct sv_error *err)
{
	enum sv_err rc;

	memset(tls, 0, sizeof(*tls));
	if (!cfg->tls_cert[0] && !cfg->tls_key[0])
		return SV_OK;
	if (!cfg->tls_cert[0] || !cfg->tls_key[0])
		return sv_fail(err, SV_ECONFIG, "%s is set but %s is not: HTTPS needs both",
			       cfg->tls_cert[0] ? "tls_cert" : "tls_key", cfg->tls_cert[0] ? "tls_key" : "tls_cert");
	if ((rc = read_pem("tls_cert", cfg->tls_cert, &tls->cert, err)) != SV_OK ||
	    (rc = read_pem("tls_key", cfg->tls_key, &tls->key, err)) != SV_OK ||
	    (rc = check_pair(cfg, tls, err)) != SV_OK)
		sv_tls_release(tls);
	return rc;
}

void sv_tls_release(struct sv_tls *tls)
{
	if (tls->key) {
		memset(tls->key, 0, strlen(tls->key));
		__asm__ __volatile__("" : : "r"(tls->key) : "memory");   /* the wipe is not optimised away */
	}
	free(tls->key);
	free(tls->cert);
	tls->key = tls->cert = NULL;
}
