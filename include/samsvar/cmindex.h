/* cmindex.h — the lookup index of one ConceptMap (terminology layer), built with the snapshot that
 * holds the map and freed with it. The translate engine walks it; nothing here knows about requests.
 *
 * Equivalence is kept at R4 granularity (enum sv_relation); R5 relationships map onto it following the
 * official R4->R5 map. dependsOn and product entries are read once into struct sv_cm_attr, so a
 * translation never reads the map's JSON again. All strings are borrowed from the ConceptMap. */
#ifndef SAMSVAR_CMINDEX_H
#define SAMSVAR_CMINDEX_H

#include <stdint.h>
#include "samsvar/error.h"
#include "samsvar/strmap.h"

struct cJSON;

#define SV_CM_NIL UINT32_MAX   /* end of a key's list */

/* A map statement's equivalence (R4 names; R5 relationships map onto them). */
enum sv_relation {
	SV_REL_EQUIVALENT, SV_REL_WIDER, SV_REL_NARROWER, SV_REL_INEXACT, SV_REL_RELATEDTO,
	SV_REL_UNMATCHED, SV_REL_DISJOINT,
};

/* Reads an R4 ConceptMapEquivalence or R5 ConceptMapRelationship code into *out; returns 1, or 0 when
 * `text` is NULL or not a known code. */
int sv_relation_parse(const char *text, enum sv_relation *out);

/* Returns the R4 equivalence code of `r` (a static string). */
const char *sv_relation_r4(enum sv_relation r);

/* Returns the R5 relationship code of `r` (a static string): wider -> source-is-narrower-than-target,
 * narrower -> source-is-broader-than-target, inexact/relatedto -> related-to, unmatched/disjoint ->
 * not-related-to. */
const char *sv_relation_r5(enum sv_relation r);

/* Returns 1 when `r` says the codes are related (not unmatched or disjoint). */
int sv_relation_is_match(enum sv_relation r);

/* Returns the R5 ConceptMapRelationship code for `equivalence`, an R4 ConceptMapEquivalence code
 * (equal -> equivalent, subsumes like wider, specializes like narrower) or an R5 code (returned as it
 * is). Returns a static string, or NULL when `equivalence` is NULL or not a known code. */
const char *sv_translate_relationship(const char *equivalence);

/* One dependsOn or product entry of a map target (R4 property/system/value/display or R5
 * attribute/value[x]). */
struct sv_cm_attr {
	const char *attribute;         /* R4 property / R5 attribute, or NULL */
	const char *system;            /* the value's code system, or NULL */
	const char *code;              /* the value as text ("true"/"false" for valueBoolean), or NULL */
	const char *display;           /* or NULL */
	/* An R5 value[x] without system that is not a Coding (valueCode, valueString, valueBoolean,
	 * valueQuantity): its element name and node, so the R5 answer repeats it as written; else NULL. */
	const char *r5_type;
	const struct cJSON *r5_value;
};

struct sv_cm_group {
	const char *src, *src_ver, *tgt, *tgt_ver;
	const char *unmapped_mode, *unmapped_code, *unmapped_display, *unmapped_url;
	enum sv_relation unmapped_rel;
	int has_unmapped_rel;
};

struct sv_cm_element {
	uint32_t group, first_target, ntargets;
	uint32_t next;                 /* next element with the same forward key, or SV_CM_NIL */
	const char *code, *display;
	int nomap;                     /* R5 element.noMap */
};

struct sv_cm_target {
	uint32_t element;
	uint32_t next_rev;             /* next target with the same reverse key, or SV_CM_NIL */
	const char *code, *display, *comment;
	const char *equivalence;       /* the R4 word as written in the map, or NULL (R5 map) */
	enum sv_relation rel;
	uint32_t first_dep, ndeps;     /* dependsOn: attrs[first_dep .. first_dep + ndeps) */
	uint32_t first_prod, nprods;   /* product: attrs[first_prod .. first_prod + nprods) */
	const char *qualifier;         /* extension .../StructureDefinition/icf-qualifier (valueCode): the
					* ICF qualifier kind this target takes (icf_rule.h), or NULL */
};

/* The index: arrays in map order and two hash lists (forward: group source + element code;
 * reverse: group target + target code). */
struct sv_cmindex {
	struct sv_cm_group *groups;
	struct sv_cm_element *el;
	struct sv_cm_target *tg;
	struct sv_cm_attr *attrs;
	uint32_t ngroups, nel, ntg, nattrs;
	struct sv_strmap fwd, rev;
	char **keys;
	uint32_t nkeys;
	const char *source_scope, *target_scope;   /* ConceptMap source[x]/target[x] (R5 *Scope[x]) */
	const char *qualifier_map;     /* extension .../StructureDefinition/qualifier-map (valueCanonical): the
					* map from a dependency to the qualifier of targets with `qualifier`, or NULL */
};

/* Builds the index of `conceptmap`, borrowing its strings (the map must outlive the index). Returns a
 * new index freed with sv_cmindex_free(), or NULL with err set (SV_EINVAL) when the map is malformed. */
struct sv_cmindex *sv_cmindex_build(const struct cJSON *conceptmap, struct sv_error *err);

/* Frees an index from sv_cmindex_build(); NULL is allowed. */
void sv_cmindex_free(struct sv_cmindex *x);

/* Returns the first element whose group source is `system` and whose code is `code` (follow
 * el[i].next for the others), or SV_CM_NIL. */
uint32_t sv_cmindex_forward(const struct sv_cmindex *x, const char *system, const char *code);

/* Returns the first target whose group target is `system` and whose code is `code` (follow
 * tg[i].next_rev for the others), or SV_CM_NIL. */
uint32_t sv_cmindex_reverse(const struct sv_cmindex *x, const char *system, const char *code);

#endif
