/* importer_snomed_private.h — what the two files of the RF2 importer share (importer_snomed.c: the folder,
 * concepts, relationships, refsets and the header; importer_snomed_desc.c: descriptions, language refsets
 * and the designations they make): the import's state and the designation functions. */
#ifndef SAMSVAR_IMPORTER_SNOMED_PRIVATE_H
#define SAMSVAR_IMPORTER_SNOMED_PRIVATE_H

#include "samsvar/cscontent.h"
#include "samsvar/importer_rf2.h"
#include "samsvar/strmap.h"

#include <stdint.h>
#include <stdio.h>

/* RF2 metadata concept ids (FSN and Synonym are in the GPS; all pass ../shared/tools/verhoeff.py). */
#define SCT_FSN "900000000000003001"
#define SCT_SYNONYM "900000000000013009"
#define SCT_IS_A "116680003"
/* Language refset acceptability (tools/gen-rf2.py, checked with ../shared/tools/verhoeff.py). */
#define SCT_PREFERRED "900000000000548007"
#define SCT_ACCEPTABLE "900000000000549004"

#define NASSOCIATIONS 4 /* the historical association refsets loaded (rf2_associations in importer_snomed.c) */
#define MAX_MODULES 256
#define MAX_ATTRIBUTE_TYPES 1024
#define KEY_PLAIN UINT32_MAX /* the order key of a designation no language refset made the preferred one */
#define DESC_SKIPPED (UINT32_MAX - 1) /* dmap: a description read but not a designation (inactive, or of a concept
					 not kept): a language refset row naming it is not reported */

struct rf2_module {
	char id[19];
	char time[9];
	size_t rows;
};

/* A designation waiting for its place among its concept's: they go out ordered by key (a language
 * refset's preferred synonym gets a smaller one, the latest smallest), then as read. */
struct rf2_desig {
	uint32_t concept, key;
	const char *lang, *use_system, *use_code, *use_display, *value; /* value NULL: dropped (rf2_base_description) */
	uint64_t id; /* the description id, 0 when none */
};

#define F_FSN 1       /* the concept's display is a fully specified name */
#define F_ROW 2       /* a concept row of the folder named the concept */
#define F_REDISPLAY 4 /* the folder retired the base description that was the display (rf2_redisplay) */

struct rf2 {
	struct sv_content *out;      /* concepts, properties and parents as read; designations at the end */
	struct sv_content scratch;   /* only its pool: the designations' strings until they go to out */
	unsigned char *flags;        /* F_* per concept of out */
	uint32_t capflags;
	struct rf2_module modules[MAX_MODULES];
	size_t nmodules;
	/* The relationship types other than is-a seen on kept rows (interned in out): declared as
	 * CodeSystem properties, in the order seen. */
	const char *types[MAX_ATTRIBUTE_TYPES];
	size_t ntypes;
	struct sv_strmap type_index;
	int has_refsets;
	size_t nactive;              /* active concept rows */
	struct rf2_desig *d;
	uint32_t nd, dcap;
	uint32_t nbase;              /* d[0 .. nbase) are the base edition's, each concept's in one run */
	/* Description id -> index into d (when language refsets are read, or on a base): (id, 0, 0) the first designation of
	 * that id; (id, lang_key(tag), 1) another one, in language tag (a language refset's copy). */
	struct sv_rf2_map dmap;
	int index_descriptions;
	FILE *log;                   /* where the language rows naming unknown descriptions are reported, or NULL */
	size_t unknown, unknown_line; /* those rows of the language file being read, and the first one's line */
	char unknown_id[19];
	struct sv_rf2_map seen;      /* (property code, value, concept) and (0, parent, child) added */
	uint32_t next_key;
	char lang[17];               /* the language tag of the language refset file being read */
	unsigned has_association[NASSOCIATIONS]; /* rows loaded per kind */
};

/* Queues a designation of concept `concept` read from description `id` (0: none); the strings must live
 * as long as s (or be in its pools). */
enum sv_err rf2_stage_designation(struct rf2 *s, uint32_t concept, uint32_t key, const char *lang,
				  const char *use_system, const char *use_code, const char *use_display,
				  const char *value, uint64_t id, struct sv_error *err);

/* Indexes designation d[i] under its description id: the first of an id as (id, 0, 0), a later one (the
 * same description in another language) under its language. Returns 0 when (id, language) is there. */
int rf2_index_designation(struct rf2 *s, uint32_t i);

/* The row checks and handlers of description and language refset files (sv_rf2_row_fn). A description
 * row naming a base description updates or drops it; a language row naming a description read nowhere
 * is counted for rf2_report_unknown(). */
enum sv_err rf2_description_check(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err);
enum sv_err rf2_description_row(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err);
enum sv_err rf2_language_check(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err);
enum sv_err rf2_language_row(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err);

/* Sets s->lang from the name of language refset file `path` (der2_cRefset_LanguageSnapshot-<tag>_...). */
enum sv_err rf2_lang_of(struct rf2 *s, const char *path, struct sv_error *err);

/* Notes on s->log how many rows of language file `path` named a description read nowhere (the first
 * one's line and id), when any did; starts the count again. */
void rf2_report_unknown(struct rf2 *s, const char *path);

/* Chooses the display again of the concepts whose display description the folder retired (F_REDISPLAY):
 * the first fully specified name left, else the first synonym. */
void rf2_redisplay(struct rf2 *s);

/* Hands the queued designations to s->out, each concept's in key order (then as read). */
enum sv_err rf2_emit_designations(struct rf2 *s, struct sv_error *err);

#endif
