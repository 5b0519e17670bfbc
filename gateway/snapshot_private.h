/* snapshot_private.h — what snapshot.c and its helper files share, not part of the snapshot API. */
#ifndef SAMSVAR_SNAPSHOT_PRIVATE_H
#define SAMSVAR_SNAPSHOT_PRIVATE_H

#include "samsvar/snapshot.h"

/* What a code system's pointers own (resource, concepts, index, hierarchy, text index), shared by every
 * snapshot that holds the code system unchanged: each holds a reference, the last frees it. */
struct sv_cs_body {
	atomic_uint refs;
	uint64_t hash;             /* sv_strhash() of the stored JSON it was built from, and its length */
	size_t len;                /* (0: not built from the store) */
	int64_t content_id;        /* the store's content id the concepts were read from (0: the JSON's own) */
	struct sv_content *content; /* what the concepts point into */
	uint32_t *children;        /* every concept's children, one block */
	cJSON *resource;           /* the resource the content was built with (a snapshot may hold another
				      header over it: struct sv_codesystem.own_header) */
	pthread_mutex_t text_lock; /* the text index (snapshot_text.c), built on first search */
	void *text;
	void (*text_drop)(void *);
};

/* Adds code system `cs` of another snapshot (still held by the caller) to b, to be shared as it is; with
 * `header` (owned from here on; NULL: none), to be shared under that resource instead of its own (a
 * changed header over the same content id). */
void sv_builder_put_codesystem(struct sv_snapshot_builder *b, const struct sv_codesystem *cs, cJSON *header);

/* As sv_builder_add(), recording the keyed hash and length of the stored JSON a CodeSystem came from,
 * and for one whose concepts are in the store's content tables their content id and `content` (owned
 * from here on; NULL and 0 for none). */
enum sv_err sv_builder_add_hashed(struct sv_snapshot_builder *b, cJSON *resource, uint64_t hash, size_t len,
				  struct sv_content *content, int64_t content_id, struct sv_error *err);

/* Builds the subsumption index of `cs` (its concepts' parents and children resolved), or returns NULL
 * when its parents form a cycle or the index would be too large: the functions of snapshot.h then walk
 * the parents instead. Free with sv_hierarchy_free() (NULL allowed). */
struct sv_hierarchy *sv_hierarchy_build(const struct sv_codesystem *cs);
void sv_hierarchy_free(struct sv_hierarchy *h);

/* Sorts v[0..n) ascending: four 8-bit radix passes through tmp (n entries; linear, no comparisons). */
void sv_radix_sort_u32(uint32_t *v, uint32_t *tmp, size_t n);

#endif
