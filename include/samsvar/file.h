/* file.h — reading whole input files with a size cap. */
#ifndef SAMSVAR_FILE_H
#define SAMSVAR_FILE_H

#include <stddef.h>
#include "samsvar/error.h"

/* Reads the regular file at `path` (at most `max` bytes) into a malloc'd NUL-terminated buffer the
 * caller frees; *len gets its size. Returns NULL with err set: SV_EIO (cannot open, not a regular
 * file, read error) or SV_ETOOBIG (over `max`). */
char *sv_file_read(const char *path, size_t max, size_t *len, struct sv_error *err);

#endif
