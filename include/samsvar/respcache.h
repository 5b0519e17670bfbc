/* respcache.h — finished answers to repeated deterministic GET requests, kept per snapshot.
 *
 * A snapshot never changes, so the bytes of a $lookup, $validate-code, $subsumes, $translate or read
 * answer depend only on the request (an $expand's too, but for its identifier and timestamp, which
 * are re-minted on every hit: see struct sv_resp_fresh). Clients of a terminology server ask the same few hundred
 * questions again and again (20 IPLOS variables x 6 scores); answering those from a copy avoids
 * building, printing and freeing a JSON tree each time. The cache belongs to its snapshot
 * (sv_snapshot_memo) and goes with it, so a content change can never be answered from an old copy. */
#ifndef SAMSVAR_RESPCACHE_H
#define SAMSVAR_RESPCACHE_H

#include <stddef.h>
#include "samsvar/snapshot.h"

struct sv_respcache;

/* Where an answer holds text minted for each answer (an expansion's identifier and timestamp): the
 * byte offsets of a "urn:uuid:" URN (SV_UUID_URN_SIZE - 1 bytes) and of a FHIR instant (20 bytes)
 * in the body, or -1 each. Whoever serves a copy writes fresh values there, so a cached $expand
 * still carries a new identifier and the time of its answer. */
struct sv_resp_fresh {
	long uuid;
	long instant;
};

/* Returns the response cache of `snap` (created on first use, holding at most `max_bytes` counted
 * as keys + bodies + per-entry overhead), or NULL when it cannot be created. Owned by the snapshot. */
struct sv_respcache *sv_respcache_of(const struct sv_snapshot *snap, size_t max_bytes);

/* Returns a malloc'd copy of the answer kept under `key` (its length in *len, and where its minted
 * values are in *fresh unless NULL), or NULL; a hit makes the entry the most recently used.
 * Thread-safe. */
char *sv_respcache_get(struct sv_respcache *rc, const char *key, size_t *len, struct sv_resp_fresh *fresh);

/* Keeps a copy of `body` under `key` (with where its minted values are, or NULL for none), evicting the least recently used answers until it fits; an
 * answer over an eighth of the cache is not kept, and a key held already keeps its first answer.
 * Thread-safe. */
void sv_respcache_put(struct sv_respcache *rc, const char *key, const char *body, size_t len,
		      const struct sv_resp_fresh *fresh);

#endif
