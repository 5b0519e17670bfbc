/* utf8.h — UTF-8 checks for everything that crosses the wire: request targets, bodies and answers.
 * Valid means RFC 3629: no overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF. */
#ifndef SAMSVAR_UTF8_H
#define SAMSVAR_UTF8_H

#include <stddef.h>

/* Returns the offset of the first byte of `s` (`n` bytes) that does not start a valid UTF-8 sequence,
 * or `n` when all of it is valid. NUL bytes count as valid here; callers that forbid them check. */
size_t sv_utf8_check(const char *s, size_t n);

/* Returns 1 when the `n` bytes at `s` are valid UTF-8, else 0. */
int sv_utf8_valid(const char *s, size_t n);

/* Writes `s` (`n` bytes) into `out` (capacity `cap` >= 1, always NUL-terminated) for a log line:
 * printable ASCII and valid UTF-8 as they are, every control character, backslash, double quote and
 * invalid byte as \xHH, so a client can never start a new line or forge a field. Returns the
 * length written; a value that does not fit ends with "...". */
size_t sv_utf8_escape_log(const char *s, size_t n, char *out, size_t cap);

#endif
