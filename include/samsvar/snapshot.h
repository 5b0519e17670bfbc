/* snapshot.h — the immutable in-memory view of the store that every request reads.
 *
 * A snapshot is built once from FHIR JSON resources (hash indexes, flattened concept hierarchy,
 * version ordering), then never changed. The registry holds the current one; a change builds a new
 * snapshot and swaps one pointer, so readers never wait on writers or see half a change. Readers
 * take a reference with sv_registry_acquire() and drop it with sv_snapshot_release(). */
#ifndef SAMSVAR_SNAPSHOT_H
#define SAMSVAR_SNAPSHOT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "samsvar/cscontent.h"
#include "samsvar/error.h"
#include "samsvar/strmap.h"

struct sv_store;
struct sv_cmindex;
struct sv_hierarchy;
struct sv_cs_body;

/* A concept property (valueBoolean true) marking a concept that the edition its CodeSystem was
 * imported from does not define: kept from another import of that version (import_merge.h). */
#define SV_PROP_NOT_IN_EDITION "not-in-edition"

/* A concept: compact arrays shared with the code system's content (cscontent.h), whether it was read
 * from the CodeSystem's JSON or from the store's content tables. */
struct sv_concept {
	const char *code;
	const char *display;      /* NULL when the source has none */
	const char *definition;   /* NULL when the source has none */
	const cJSON *json;        /* the concept object of a code system held as FHIR JSON (its extensions);
				     NULL for content from the store's tables */
	const struct sv_designation *desig; /* its designations, in the source's order */
	uint32_t ndesig;
	const struct sv_property *props;    /* its properties, less the parents (below) */
	uint32_t nprops;
	const uint32_t *parents;  /* indexes into the code system's concept array */
	uint32_t nparents;
	unsigned char inactive;   /* sv_concept_inactive(), worked out once when the code system is built */
	uint32_t *children;
	uint32_t nchildren;
};

struct sv_codesystem {
	const char *url, *version, *name, *title, *status, *content, *id;
	cJSON *resource;          /* the whole FHIR resource, owned */
	struct sv_concept *concepts;
	uint32_t nconcepts;
	struct sv_strmap index;   /* code -> index into concepts */
	int case_sensitive;
	int is_latest;            /* highest version of its url */
	struct sv_hierarchy *hier; /* subsumption index (snapshot_hierarchy.c); NULL: walk the parents */
	struct sv_cs_body *body;  /* owner of what the pointers above point at, shared (refcounted) by the
				     snapshots that hold this code system unchanged */
	cJSON *own_header;        /* this snapshot's own resource over content shared with another snapshot
				     (the same content id, a changed header: a publish), or NULL */
};

/* A ValueSet, ConceptMap or Library: its identity, its resource, and an index the owning module builds. */
struct sv_resource {
	const char *url, *version, *name, *title, *status, *id;
	cJSON *resource;          /* owned */
	int is_latest;
	struct sv_cmindex *index; /* ConceptMap: its lookup index (cmindex.h), freed with it */
};

struct sv_snapshot {
	atomic_uint refs;
	uint64_t generation;
	struct sv_codesystem *cs;
	uint32_t ncs;
	struct sv_resource *vs;
	uint32_t nvs;
	struct sv_resource *cm;
	uint32_t ncm;
	struct sv_resource *lib;  /* Library: criteria and case-mix files (library.h) */
	uint32_t nlib;
	struct sv_strmap by_key;  /* "T|url|version" and "T|url" (latest) -> index; T is C, V, M or L */
	char **keys;              /* the strings by_key points at, owned */
	uint32_t nkeys;
	/* Data modules derive from this snapshot on first use (sv_snapshot_memo()); the terminology
	 * itself never changes, only this cache of what is computed from it fills up. */
	pthread_mutex_t memo_lock;
	struct sv_memo *memo;
	/* A request layer (sv_snapshot_layer) holds a reference to the snapshot it lies over; every
	 * look-up tries the layer first, then its parent. NULL for a snapshot of the store. */
	struct sv_snapshot *parent;
};

/* Builds a module's derived value from `snap`: sets *value (freed later with the drop function). */
typedef enum sv_err (*sv_memo_make_fn)(const struct sv_snapshot *snap, void *arg, void **value,
				       struct sv_error *err);

/* Returns in *value the derived data kept under `key` for this snapshot, building it with
 * make(snap, arg, ...) on first use; the snapshot frees it with `drop` when the snapshot is freed.
 * Safe from any thread; two threads may both build on a miss, one result is kept. */
enum sv_err sv_snapshot_memo(const struct sv_snapshot *snap, const char *key, sv_memo_make_fn make,
			     void (*drop)(void *), void *arg, void **value, struct sv_error *err);

/* Collects resources for a snapshot under construction; a hash of their identities keeps adding
 * linear in the number of resources. */
struct sv_snapshot_builder {
	cJSON **items;            /* owned, in the order added; NULL once moved into a snapshot */
	struct sv_content **content; /* content[i]: the concepts of CodeSystem items[i] read from the store's
					content tables (owned), or NULL */
	int64_t *content_id;      /* and their content id (store.h), 0 for none */
	char **keys;              /* keys[i] = "type|url|version" of items[i], owned */
	size_t n, cap;
	struct sv_strmap ids;     /* identity -> index into items */
	const struct sv_codesystem **reuse; /* reuse[i]: items[i] is NULL, share this code system */
	uint64_t *hash;           /* hash[i], len[i]: of the stored JSON items[i] came from (len 0: none) */
	size_t *len;
	size_t last;              /* index of the last resource added */
};

/* Starts an empty builder. */
void sv_builder_init(struct sv_snapshot_builder *b);

/* Adds `resource` (ownership moves to the builder); a later resource with the same type, url and
 * version replaces an earlier one. Returns SV_EINVAL for a resource that is not a CodeSystem,
 * ValueSet, ConceptMap or Library with url and version. */
enum sv_err sv_builder_add(struct sv_snapshot_builder *b, cJSON *resource, struct sv_error *err);

/* As sv_builder_add(), for a request layer: the resource may lack a version (its version is then "",
 * and a look-up without a version finds it), and a ConceptMap with the url and version of one added
 * before is kept beside it, not over it: both are is_latest (so $translate consults both), and a
 * look-up by url and version finds the first. */
enum sv_err sv_builder_add_layer(struct sv_snapshot_builder *b, cJSON *resource, struct sv_error *err);

/* Builds the snapshot (refcount 1) from everything added and empties the builder. Returns NULL with
 * err set when the content is inconsistent (e.g. a concept code defined twice in one system). */
struct sv_snapshot *sv_builder_build(struct sv_snapshot_builder *b, struct sv_error *err);

/* Frees what the builder still holds. */
void sv_builder_release(struct sv_snapshot_builder *b);

/* Builds a snapshot of everything in the store. */
struct sv_snapshot *sv_snapshot_from_store(struct sv_store *st, struct sv_error *err);

/* As sv_snapshot_from_store(), sharing with `prev` (NULL allowed; the caller keeps its reference) every
 * code system whose stored JSON is the same bytes (keyed hash and length) as the one prev's was built
 * from: it is neither parsed nor built again and its memory is not doubled, so publishing a map or a
 * value set beside a large code system costs reading the code system's row, not rebuilding it. */
struct sv_snapshot *sv_snapshot_from_store_over(struct sv_store *st, const struct sv_snapshot *prev,
						struct sv_error *err);

/* Builds a request layer from everything added to `b` (tx-resource parameters) over `base`, which it
 * references until it is released: look-ups by url, version and id find the layer's resources before
 * base's of the same url. The layer is never stored, cached or seen by another request. Sets *out,
 * or returns an error (as sv_builder_build) with *out NULL. The builder is empty afterwards. */
enum sv_err sv_snapshot_layer(struct sv_snapshot *base, struct sv_snapshot_builder *b,
			      struct sv_snapshot **out, struct sv_error *err);

/* The code systems a snapshot and its parents hold, and a number in [0, that) for each of them: for
 * tables indexed by code system that must work across a layer. */
uint32_t sv_snapshot_cs_slots(const struct sv_snapshot *s);
uint32_t sv_snapshot_cs_slot(const struct sv_snapshot *s, const struct sv_codesystem *cs);

/* Takes one more reference to `snap` (NULL allowed) and returns it: for a second holder, such as a
 * request inside a batch, that releases it on its own. */
struct sv_snapshot *sv_snapshot_ref(struct sv_snapshot *snap);

/* Drops one reference (and, for a layer, its parent's); the last one frees the snapshot. NULL is
 * allowed. */
void sv_snapshot_release(struct sv_snapshot *snap);

/* Returns the code system with `url` and `version`; NULL/"" version means the latest; a version that
 * is a prefix of held versions (a SNOMED edition URI without date), or has wildcard segments
 * (sv_version_matches()), picks the latest of those. */
const struct sv_codesystem *sv_snapshot_codesystem(const struct sv_snapshot *snap, const char *url,
						   const char *version);

/* Returns the ValueSet / ConceptMap with `url` and `version` (NULL/"" = latest), or NULL. */
const struct sv_resource *sv_snapshot_valueset(const struct sv_snapshot *snap, const char *url,
					       const char *version);
const struct sv_resource *sv_snapshot_conceptmap(const struct sv_snapshot *snap, const char *url,
						 const char *version);

/* Returns the snapshot tag of a resource type: 'C' CodeSystem, 'V' ValueSet, 'M' ConceptMap, 'L'
 * Library, 0 for any other type. */
char sv_snapshot_tag(const char *type);

/* Returns the Library with `url` and `version` (NULL/"" = latest), or NULL. */
const struct sv_resource *sv_snapshot_library(const struct sv_snapshot *snap, const char *url,
					      const char *version);

/* Returns the resource of `type` ('C', 'V', 'M' or 'L') whose FHIR id is `id`, or NULL. For 'C' the
 * result is a struct sv_codesystem, otherwise a struct sv_resource. */
const void *sv_snapshot_by_id(const struct sv_snapshot *snap, char type, const char *id);

/* Returns the concept with `code` in `cs`, or NULL. */
const struct sv_concept *sv_codesystem_concept(const struct sv_codesystem *cs, const char *code);

/* Returns 1 when `display` is the concept's display or one of its designations (any language). */
int sv_concept_has_display(const struct sv_concept *k, const char *display);

/* Returns the value of concept `k`'s property `code` as text ("true"/"false" for a boolean; the string
 * of a code, string, uri... value), or NULL when it has none. A property the code system declares
 * under another code with the uri http://hl7.org/fhir/concept-properties#<code> counts as `code`. */
const char *sv_concept_property(const struct sv_codesystem *cs, const struct sv_concept *k, const char *code);

/* Returns 1 when concept `k` is inactive: its `inactive` property is true or its `status` property is
 * inactive or retired (the concept-properties of FHIR). */
int sv_concept_inactive(const struct sv_codesystem *cs, const struct sv_concept *k);

/* The SNOMED CT historical associations an RF2 import keeps on an inactive concept, as properties
 * (valueCode = the active target; importer_snomed.c names the refsets). */
#define SV_PROP_REPLACED_BY "replacedBy"
#define SV_PROP_SAME_AS "sameAs"
#define SV_PROP_POSSIBLY_EQUIVALENT_TO "possiblyEquivalentTo"
#define SV_PROP_ALTERNATIVE "alternative"

/* Returns 1 when concept `k` is abstract: its `notSelectable` property is true. */
int sv_concept_abstract(const struct sv_codesystem *cs, const struct sv_concept *k);

/* Returns 1 when concept index `ancestor` is `descendant` or one of its ancestors (is-a). With the
 * code system's index (any hierarchy without a cycle): a binary search, no allocation. */
int sv_codesystem_subsumes(const struct sv_codesystem *cs, uint32_t ancestor, uint32_t descendant);

/* Returns the concept indexes of `ancestor` and all its descendants (is-a, each once, ascending), their
 * number in *n; the caller frees the array. Linear in the number of descendants: read off the index,
 * no test of the other concepts. */
uint32_t *sv_codesystem_descendants(const struct sv_codesystem *cs, uint32_t ancestor, size_t *n);

/* Returns the number of concepts sv_codesystem_descendants() would return (ancestor included); with
 * the index in time linear in the index's runs for `ancestor`, without building the list. */
size_t sv_codesystem_descendant_count(const struct sv_codesystem *cs, uint32_t ancestor);

/* ---- text search (snapshot_text.c) ---- */

#define SV_TEXT_MAX_WORDS 16   /* words in one filter */
#define SV_TEXT_MAX_WORD 64    /* bytes of a folded word that count; longer words are cut there */

/* A text filter cut into folded words (ASCII and Latin-1 letters to lower case; words are runs of
 * letters and digits, any non-ASCII UTF-8 byte counting as a letter). */
struct sv_text_query {
	char word[SV_TEXT_MAX_WORDS][SV_TEXT_MAX_WORD + 2];
	size_t len[SV_TEXT_MAX_WORDS];
	size_t n;
	int too_many;
};

/* Cuts `filter` into q; returns the number of words (0: the filter matches everything), or -1 when it
 * has more than SV_TEXT_MAX_WORDS words. */
int sv_text_query_init(struct sv_text_query *q, const char *filter);

/* Returns 1 when each word of q occurs within a word of concept k's code, display or one of its
 * designations (any language): "chron pa" matches "Chronic pain", "vask" matches "Tøjvask". */
int sv_concept_text_match(const struct sv_concept *k, const struct sv_text_query *q);

/* Returns the indexes (ascending) of the concepts of `cs` that sv_concept_text_match() would accept, their
 * number in *n; the caller frees the array. Reads a word index of cs that is built on its first search
 * and kept with cs's content, shared by the snapshots holding cs unchanged (`snap` is the snapshot the
 * caller reads; the index does not depend on it): a pass over the distinct words plus the concepts
 * found, never a scan of the concepts. */
uint32_t *sv_codesystem_text_search(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
				    const struct sv_text_query *q, size_t *n);

/* Builds now the word index of every code system of `snap` with at least `min_concepts` concepts that
 * has none yet (instead of on its first search), so no client waits for it; returns how many it built.
 * The server calls it after start-up and after each reload, outside any request. */
uint32_t sv_snapshot_warm_text(const struct sv_snapshot *snap, uint32_t min_concepts);

/* Returns 1 when `version` is `pattern` or matches it segment by segment where the pattern has a
 * wildcard segment ("x", "X" or "*": "1.x.x" matches "1.2.0"), else 0; NULL never matches. */
int sv_version_matches(const char *pattern, const char *version);

/* Writes the versions of code system `url` held in `snap` (and the snapshots under it) into buf as
 * "1.0.0 or 1.2.0" ("1, 2 or 3"), lowest first, at most 32 of them, "" for none. */
void sv_snapshot_versions(const struct sv_snapshot *snap, const char *url, char *buf, size_t cap);

/* Compares two version strings: numeric runs numerically, the rest bytewise (<0, 0, >0). */
int sv_version_cmp(const char *a, const char *b);

/* The registry: owner of the current snapshot. */
struct sv_registry {
	pthread_mutex_t lock;
	struct sv_snapshot *current;
	uint64_t generation;
};

/* Initialises the registry holding `snap` (ownership moves in). */
void sv_registry_init(struct sv_registry *r, struct sv_snapshot *snap);

/* Returns the current snapshot with a reference taken; release it with sv_snapshot_release(). */
struct sv_snapshot *sv_registry_acquire(struct sv_registry *r);

/* Makes `snap` current (ownership moves in) and releases the previous one. */
void sv_registry_swap(struct sv_registry *r, struct sv_snapshot *snap);

/* Releases the current snapshot and the lock. */
void sv_registry_release(struct sv_registry *r);

#endif
