/* strmap.h — an open-addressing hash map from borrowed NUL-terminated strings to uint32_t values.
 * Keys are not copied: they must outlive the map (snapshots keep them in the resources they index).
 * Built once, then read concurrently without locks. */
#ifndef SAMSVAR_STRMAP_H
#define SAMSVAR_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct sv_strmap {
	const char **keys;
	uint32_t *vals;
	size_t cap;   /* power of two */
	size_t len;
};

/* Prepares an empty map sized for about `expected` entries. */
void sv_strmap_init(struct sv_strmap *m, size_t expected);

/* Frees the map's tables (not the keys). */
void sv_strmap_release(struct sv_strmap *m);

/* Inserts `key` -> `val`; returns 1 if inserted, 0 if the key existed (its value is left unchanged). */
int sv_strmap_put(struct sv_strmap *m, const char *key, uint32_t val);

/* Inserts `key` -> `val` or overwrites the value of an existing equal key (keeping the old key
 * pointer); returns 1 if inserted, 0 if overwritten. */
int sv_strmap_set(struct sv_strmap *m, const char *key, uint32_t val);

/* Looks `key` up; returns 1 and sets *val when found, 0 otherwise. */
int sv_strmap_get(const struct sv_strmap *m, const char *key, uint32_t *val);

/* Like sv_strmap_get() for a key given by pointer and length (need not be NUL-terminated). */
int sv_strmap_getn(const struct sv_strmap *m, const char *key, size_t n, uint32_t *val);

/* Returns a new string (the caller frees it) of four parts (NULL counts as "") joined by the unit
 * separator 0x1F, a byte no code or url holds: the key of a composite identity. */
char *sv_strkey(const char *a, const char *b, const char *c, const char *d);

/* SipHash-2-4 of n bytes under the random per-process key (so clients cannot flood one bucket),
 * exposed for callers that hash composite keys the same way. Differs between processes: never
 * store it. */
uint64_t sv_strhash(const char *s, size_t n);

/* Draws the per-process key of sv_strhash() now rather than at its first use; later calls keep it. */
void sv_strhash_init(void);

/* FNV-1a of n bytes, the same in every process: for names that are stored, never for tables
 * indexed by client-controlled keys. */
uint64_t sv_stablehash(const char *s, size_t n);

#endif
