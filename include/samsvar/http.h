/* http.h — the HTTP server (http.c, libmicrohttpd): connections, per-address and soft connection
 * caps, the header deadline, body limits; each complete request goes to exchange.c. */
#ifndef SAMSVAR_HTTP_H
#define SAMSVAR_HTTP_H

#include "samsvar/config.h"
#include "samsvar/error.h"
#include "samsvar/snapshot.h"
#include "samsvar/tls.h"
#include "samsvar/token.h"

struct sv_writer;

struct sv_http;
struct sv_outbox;

/* Starts serving `reg` with the settings in `cfg`, checking bearer tokens against `tokens` (NULL:
 * none is accepted), changing the store through `writer` (NULL: the write API answers 503), over
 * HTTPS when `tls` holds a certificate (NULL or none: plain HTTP), with the messages of `outbox`
 * (NULL: none); all must outlive the server; *out owns it. Returns SV_OK, or SV_EIO with err set
 * when the address cannot be bound or TLS cannot start. */
enum sv_err sv_http_start(const struct sv_config *cfg, struct sv_registry *reg, struct sv_tokens *tokens,
			  struct sv_writer *writer, const struct sv_tls *tls, struct sv_outbox *outbox,
			  struct sv_http **out,
			  struct sv_error *err);

/* Returns the TCP port actually bound (useful when the configuration asked for port 0). */
unsigned sv_http_port(const struct sv_http *h);

/* Stops accepting, lets requests in flight finish, and frees the server. NULL is allowed. */
void sv_http_stop(struct sv_http *h);

#endif
