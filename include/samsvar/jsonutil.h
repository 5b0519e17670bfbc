/* jsonutil.h — the two small helpers every FHIR-handling file needs. */
#ifndef SAMSVAR_JSONUTIL_H
#define SAMSVAR_JSONUTIL_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Returns the string member `name` of object `o` (exact case), or NULL when absent or not a string. */
const char *sv_jstr(const cJSON *o, const char *name);

/* Length of what sv_now_iso() writes (without the NUL). */
#define SV_INSTANT_LEN 20

/* Writes the current UTC time as a FHIR instant (YYYY-MM-DDThh:mm:ssZ) into buf (32 bytes suffice). */
void sv_now_iso(char *buf, size_t cap);

#endif
