/* cscontent.h — a code system's concepts as compact arrays: the form an RF2 import produces, the store
 * keeps in its content tables (store.h) and a snapshot serves from, with no JSON tree per concept.
 *
 * Strings live in a pool of large chunks (one allocation per megabyte, not per string); the few
 * strings that repeat on every row (languages, designation uses, property codes and types) are interned
 * so each is held once. Designations, properties and parents are kept per concept as contiguous runs:
 * concept i's designations are desig[concept[i].desig .. + concept[i].ndesig), in the order added.
 * Rows may be added in any concept order; sv_content_finish() groups them (a stable counting sort,
 * linear). */
#ifndef SAMSVAR_CSCONTENT_H
#define SAMSVAR_CSCONTENT_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/strmap.h"

/* A designation (FHIR CodeSystem.concept.designation). */
struct sv_designation {
	const char *language;                          /* BCP-47 tag, NULL when none */
	const char *use_system, *use_code, *use_display; /* the use Coding, all NULL when none */
	const char *value;
	const cJSON *json; /* the designation object of a code system held as FHIR JSON (its extensions), or
			      NULL for content from tables */
	uint64_t id;       /* the RF2 description id (SCTID) the designation was read from, 0 when none (FHIR
			      JSON designations); a language refset row of an extension finds it by this id */
};

/* A concept property (FHIR CodeSystem.concept.property). */
struct sv_property {
	const char *code;
	const char *type;  /* the FHIR value element: "valueCode", "valueBoolean", "valueString", ... */
	const char *value; /* the value as text: "true"/"false" for a boolean, the code of a valueCoding */
	const cJSON *json; /* the property object of a code system held as FHIR JSON, or NULL */
};

struct sv_content_concept {
	const char *code;
	const char *display;     /* NULL when none */
	const char *definition;  /* NULL when none */
	const cJSON *json;       /* the concept object of a code system read from FHIR JSON (its extensions),
				    NULL for content from tables */
	uint32_t desig, ndesig;  /* run in sv_content.desig (after sv_content_finish()) */
	uint32_t prop, nprop;    /* run in sv_content.prop */
	uint32_t parent, nparent; /* run in sv_content.parent: concept indexes */
	unsigned char inactive;
};

#define SV_CONTENT_RECENT 64

struct sv_content_pool {
	char **chunks;
	size_t nchunks, used, size; /* bytes used of the last chunk, and its size */
	struct sv_strmap interned;  /* short repeated strings -> their index in istr (key = the pooled copy) */
	const char **istr;
	uint32_t nistr, capistr;
	const char *recent[SV_CONTENT_RECENT]; /* the last interned string per (length, first byte) slot */
};

struct sv_content {
	struct sv_content_concept *concept;
	uint32_t nconcept, capconcept;
	struct sv_designation *desig;
	uint32_t *desig_of;       /* concept index of desig[i] until sv_content_finish(), then NULL */
	uint32_t ndesig, capdesig;
	struct sv_property *prop;
	uint32_t *prop_of;
	uint32_t nprop, capprop;
	uint32_t *parent;
	uint32_t *parent_of;
	uint32_t nparent, capparent;
	struct sv_strmap index;   /* code -> concept index */
	cJSON *owned;             /* JSON objects read back from the store that rows point at (json), or NULL */
	int finished;
	struct sv_content_pool pool;
};

/* Most rows of one kind a content holds (concepts, designations, properties or parents). */
#define SV_CONTENT_MAX_ROWS ((uint32_t)64 << 20)

/* Starts an empty content. */
void sv_content_init(struct sv_content *c);

/* Sizes the empty content c for about `concepts` concepts (its code index and concept array), so
 * adding them never rehashes. */
void sv_content_reserve(struct sv_content *c, uint32_t concepts);

/* Frees everything c holds (its strings too); c is empty afterwards. */
void sv_content_release(struct sv_content *c);

/* Returns a copy of s (NULL for NULL) in c's pool, living as long as c. */
const char *sv_content_str(struct sv_content *c, const char *s);

/* As sv_content_str(), for a string that repeats on many rows: returns the one copy of it. */
const char *sv_content_intern(struct sv_content *c, const char *s);

/* Adds concept `code` (copied) with display and definition (NULL allowed; copied); sets *idx to its
 * index. Returns SV_OK, SV_ECONFLICT when c holds the code already (*idx = that concept), or SV_ETOOBIG
 * above SV_CONTENT_MAX_ROWS. */
enum sv_err sv_content_add_concept(struct sv_content *c, const char *code, const char *display,
				   const char *definition, uint32_t *idx, struct sv_error *err);

/* Adds a designation to concept `concept` (an index from sv_content_add_concept()); the strings are
 * copied, `json` is kept as given (NULL for none). */
enum sv_err sv_content_add_designation(struct sv_content *c, uint32_t concept, const struct sv_designation *d,
				       struct sv_error *err);

/* Adds property `code` = `value` of FHIR value element `type` ("valueCode"...) to concept `concept`. */
enum sv_err sv_content_add_property(struct sv_content *c, uint32_t concept, const char *code, const char *type,
				    const char *value, struct sv_error *err);

/* Adds concept index `parent` as a parent of concept `concept` (is-a). */
enum sv_err sv_content_add_parent(struct sv_content *c, uint32_t concept, uint32_t parent, struct sv_error *err);

/* Groups the rows added by concept (keeping their order within a concept) and sets the runs of
 * sv_content_concept; after it no more rows may be added. Linear in the rows. */
void sv_content_finish(struct sv_content *c);

/* Returns the index of concept `code`, or -1. */
int64_t sv_content_find(const struct sv_content *c, const char *code);

/* Returns the JSON text to keep beside a row read from FHIR JSON when its columns cannot say all the
 * object said (extensions, a Coding's system and display, other elements), or NULL when they can; the
 * caller frees it. `what` is 'c' for a concept (the text then holds only what is not a column), 'd' a
 * designation, 'p' a property. */
char *sv_content_row_json(char what, const cJSON *json);

/* Parses `text` (from sv_content_row_json()) and keeps it in c as long as c lives; returns the object,
 * or NULL when it does not parse. */
const cJSON *sv_content_own_json(struct sv_content *c, const char *text);

/* Returns designation d as a new FHIR designation object (its own JSON copied when it has one). */
cJSON *sv_designation_json(const struct sv_designation *d);

/* Returns the value of property p as a new cJSON to put under p->type (a bool, a number, a string or a
 * Coding; its own JSON copied when it has one). */
cJSON *sv_property_value_json(const struct sv_property *p);

/* Returns a new copy of CodeSystem `cs` without its `concept` array (never copied): its header. */
cJSON *sv_content_header(const cJSON *cs);

/* Builds the FHIR CodeSystem `header` (a CodeSystem without `concept`, not changed) with c's concepts
 * as a flat `concept` array: display, definition, designations, properties (an inactive concept gets
 * inactive = true) and each parent as a `parent` property (valueCode). c must be finished. Returns a
 * new tree the caller frees. */
cJSON *sv_content_to_json(const cJSON *header, const struct sv_content *c);

/* Fills the empty content c from the `concept` array of FHIR CodeSystem `cs` (nested concepts are
 * flattened; a `parent`/`subsumedBy` property and the nesting both give parents), and finishes it.
 * Returns SV_OK, or SV_EINVAL naming a code defined twice or a parent that is not a concept. */
enum sv_err sv_content_from_json(struct sv_content *c, const cJSON *cs, struct sv_error *err);

#endif
