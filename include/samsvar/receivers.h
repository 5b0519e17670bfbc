/* receivers.h — the receiver directory: the organisations samsvar sends messages to, read once from
 * the TSV file the `receivers` key names. Only the endpoints listed here are ever contacted.
 *
 * The file: lines starting with '#' and empty lines are skipped; the first other line names the
 * columns (tab-separated, any order): id, name, her_id, endpoint, format, and optionally tls_cert,
 * tls_key, tls_ca (PEM files for mutual TLS). Each following line is one receiver. An id is a FHIR id
 * ([A-Za-z0-9.-]{1,64}) and unique; her_id is digits; endpoint an http(s) URL; format one of kith
 * (MsgHead + PLO as application/xml), fhir-json, fhir-xml (a FHIR message Bundle). */
#ifndef SAMSVAR_RECEIVERS_H
#define SAMSVAR_RECEIVERS_H

#include <stddef.h>
#include "samsvar/error.h"

#define SV_RECEIVERS_MAX 10000          /* receivers in one file */
#define SV_RECEIVERS_MAX_BYTES (4u << 20) /* bytes of the file */

enum sv_recv_format { SV_RECV_KITH, SV_RECV_FHIR_JSON, SV_RECV_FHIR_XML };

struct sv_receiver {
	char *id, *name, *her_id, *endpoint;
	enum sv_recv_format format;
	char *tls_cert, *tls_key, *tls_ca;   /* NULL when the column is absent or empty */
};

struct sv_receivers {
	struct sv_receiver *r;
	size_t n;
};

/* Reads the receiver file at `path` into *out (zeroed by the caller). Errors name path:line:
 * SV_EIO (unreadable), SV_ECONFIG (a missing column, a bad value, an id twice, a TLS file that cannot
 * be read). On error *out is empty. Release with sv_receivers_release(). */
enum sv_err sv_receivers_load(const char *path, struct sv_receivers *out, struct sv_error *err);

/* As sv_receivers_load(), from `len` bytes of text; `name` is used in messages and TLS files are not
 * opened. */
enum sv_err sv_receivers_parse(const char *text, size_t len, const char *name, struct sv_receivers *out,
			       struct sv_error *err);

/* Returns the receiver with `id`, or NULL. */
const struct sv_receiver *sv_receivers_find(const struct sv_receivers *rs, const char *id);

/* Returns the wire name of `f` ("kith", "fhir-json", "fhir-xml") / the media type its messages are
 * POSTed with. */
const char *sv_recv_format_name(enum sv_recv_format f);
const char *sv_recv_format_media(enum sv_recv_format f);

/* Returns the format whose media type `media` is (fhir+json, fhir+xml, else kith): how stored bytes
 * are read back. */
enum sv_recv_format sv_recv_format_of_media(const char *media);

/* Frees every receiver and zeroes `rs`. */
void sv_receivers_release(struct sv_receivers *rs);

#endif
