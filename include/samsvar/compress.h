/* compress.h — gzip for answers (zlib), and reading which encodings a client accepts.
 *
 * samsvar compresses an answer when the client's Accept-Encoding takes gzip and the answer is at least
 * SV_GZIP_MIN_BYTES long (below that the gzip header and the CPU cost more than they save). */
#ifndef SAMSVAR_COMPRESS_H
#define SAMSVAR_COMPRESS_H

#include <stddef.h>

#define SV_GZIP_MIN_BYTES 1024

/* Whether an Accept-Encoding header value takes gzip (RFC 9110 12.5.3): "gzip" or "x-gzip" with a
 * q-value above 0, or "*" above 0 when gzip is not itself refused with q=0. NULL takes nothing. */
int sv_accepts_gzip(const char *accept_encoding);

/* Returns `n` bytes of `in` gzip-compressed (malloc'd, length in *out_len), or NULL when zlib fails or
 * the result would not be smaller. */
char *sv_gzip(const char *in, size_t n, size_t *out_len);

#endif
