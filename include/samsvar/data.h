/* data.h — the files of gateway/data/ (e.g. OperationDefinition-assess.json), compiled into the binary
 * at build time: tools/embed-data.py writes them into $(BUILD)/gen/data.c, so the daemon needs no data
 * folder at run time and a reviewer reads them as the JSON they are. */
#ifndef SAMSVAR_DATA_H
#define SAMSVAR_DATA_H

#include <stddef.h>

/* Returns the contents of gateway/data/<name> (static, NUL-terminated; *len set to its length when len
 * is not NULL), or NULL when no such file was embedded. */
const char *sv_data_get(const char *name, size_t *len);

#endif
