/* uuid.h — random (version 4, RFC 4122) UUIDs for expansion identifiers and Bundle fullUrls. */
#ifndef SAMSVAR_UUID_H
#define SAMSVAR_UUID_H

#include <stddef.h>

/* Bytes sv_uuid_urn() writes, NUL included: "urn:uuid:" and 36 characters. */
#define SV_UUID_URN_SIZE 46

/* Writes a new random UUID as "urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" into out[cap] (cap of
 * at least SV_UUID_URN_SIZE; a shorter buffer gets a truncated, NUL-terminated string). Thread-safe;
 * the randomness comes from getrandom(2), read in blocks per thread. */
void sv_uuid_urn(char *out, size_t cap);

#endif
