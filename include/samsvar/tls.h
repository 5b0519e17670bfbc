/* tls.h — the certificate and key the server speaks HTTPS with (tls_cert / tls_key).
 *
 * Both files are read at start (libmicrohttpd takes them from memory) and checked with GnuTLS, the
 * TLS library libmicrohttpd itself uses, so `check-config` and `serve` report the same problems:
 * a file missing or unreadable, not PEM, a key that does not belong to the certificate. */
#ifndef SAMSVAR_TLS_H
#define SAMSVAR_TLS_H

#include <stddef.h>
#include "samsvar/config.h"
#include "samsvar/error.h"

struct sv_tls {
	char *cert;                   /* PEM text, NUL-terminated, or NULL when TLS is off */
	char *key;
	char warning[256];            /* a problem that does not stop the server (an expired certificate) */
};

/* Reads and checks the files named by cfg->tls_cert and cfg->tls_key into *tls (release it with
 * sv_tls_release()). Neither set: SV_OK with tls->cert NULL (plain HTTP). Returns SV_ECONFIG with
 * err naming the key and file when only one is set, a file cannot be read, is not PEM, or the key
 * does not match the certificate. */
enum sv_err sv_tls_load(const struct sv_config *cfg, struct sv_tls *tls, struct sv_error *err);

/* Frees what sv_tls_load() read (the key is wiped first); safe on a zeroed struct. */
void sv_tls_release(struct sv_tls *tls);

#endif
