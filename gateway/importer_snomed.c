/* importer_snomed.c — SNOMED CT RF2 Snapshot folders (streamed line by line, importer_rf2.h) into the
 * compact content of a CodeSystem of http://snomed.info/sct (cscontent.h) and its header: concepts
 * (inactive ones marked), descriptions, relationships, simple refsets, historical associations and
 * language refsets; an extension module's folder on top of the content of a stored edition. The GPS
 * importer is importer_snomed_gps.c; descriptions, language refsets and the designations they make are
 * importer_snomed_desc.c. A kind of file the folder has only Full files of (sct2_Concept_Full*...)
 * is read as its latest row per component (sv_rf2_read_full), which is what that release's Snapshot
 * holds; when the folder has both, the Snapshot is read and the Full files ignored (sv_rf2_find).
 *
 * No row becomes a JSON object or a malloc of its own: strings go to the content's pool, designations
 * wait in one array until the language refsets have set their order. Every identifier is checked
 * (digits, Verhoeff check digit, partition) and the first bad row stops the import with
 * "file:line: why" in err. */
#include "samsvar/importer.h"
#include "samsvar/importer_common.h"
#include "samsvar/importer_rf2.h"
#include "samsvar/cscontent.h"
#include "samsvar/ecl.h" /* SV_PROP_MEMBER_OF */
#include "samsvar/jsonutil.h"
#include "samsvar/strmap.h"
#include "samsvar/systems.h"
#include "importer_snomed_private.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The historical association refsets loaded, as the concept properties they become. The ids are those
 * of tools/gen-rf2.py and of FHIR's SNOMED CT page ("Implicit Concept Maps"), each checked with
 * ../shared/tools/verhoeff.py; rows of other association refsets (MOVED TO, WAS A...) are not loaded. */
static const struct {
	const char *refset, *property, *description;
} rf2_associations[] = {
	{ "900000000000526001", SV_PROP_REPLACED_BY, "REPLACED BY: the active concept that replaces this inactive one" },
	{ "900000000000527005", SV_PROP_SAME_AS, "SAME AS: an active concept this inactive one duplicated" },
	{ "900000000000523009", SV_PROP_POSSIBLY_EQUIVALENT_TO,
	  "POSSIBLY EQUIVALENT TO: an active concept this ambiguous inactive one may mean" },
	{ "900000000000530003", SV_PROP_ALTERNATIVE, "ALTERNATIVE: an active concept to use instead" },
};
_Static_assert(sizeof(rf2_associations) / sizeof(rf2_associations[0]) == NASSOCIATIONS, "one row per kind");

const char *sv_import_sctid_check(const char *id)
{
	return sv_rf2_sctid_why(id, strlen(id), 1);
}

static void rf2_init(struct rf2 *s, struct sv_content *out)
{
	memset(s, 0, sizeof(*s));
	s->out = out;
	sv_content_init(&s->scratch);
	sv_strmap_init(&s->type_index, 64);
	sv_rf2_map_init(&s->dmap);
	sv_rf2_map_init(&s->seen);
	s->next_key = KEY_PLAIN - 1;
}

static void rf2_release(struct rf2 *s)
{
	sv_content_release(&s->scratch);
	free(s->flags);
	sv_strmap_release(&s->type_index);
	free(s->d);
	sv_rf2_map_release(&s->dmap);
	sv_rf2_map_release(&s->seen);
}

static enum sv_err add_concept(struct rf2 *s, const char *code, const char *display, const char *definition,
			       int inactive, uint32_t *idx, struct sv_error *err)
{
	enum sv_err rc = sv_content_add_concept(s->out, code, display, definition, idx, err);

	if (rc != SV_OK)
		return rc;
	if (*idx >= s->capflags) {
		s->capflags = s->capflags ? s->capflags * 2 : 1024;
		s->flags = sv_xrealloc(s->flags, s->capflags);
	}
	s->flags[*idx] = display ? F_FSN : 0;
	s->out->concept[*idx].inactive = (unsigned char)(inactive != 0);
	return SV_OK;
}

/* Adds property `code` = `value` (of FHIR type `type`) to concept `concept` unless it has it already (a
 * relationship in two groups, a member listed twice): one hash probe, whatever the concept holds. */
static enum sv_err add_property(struct rf2 *s, uint32_t concept, const char *code, const char *type,
				const char *value, struct sv_error *err)
{
	const char *c = sv_content_intern(s->out, code), *v = sv_content_intern(s->out, value);

	if (!sv_rf2_map_put(&s->seen, (uint64_t)(uintptr_t)c, (uint64_t)(uintptr_t)v, concept, 0, NULL))
		return SV_OK;
	return sv_content_add_property(s->out, concept, c, type, v, err);
}

/* Adds `parent` as a parent of `child` unless it is one already (the same link in two groups). */
static enum sv_err add_parent(struct rf2 *s, uint32_t child, uint32_t parent, struct sv_error *err)
{
	if (child == parent || !sv_rf2_map_put(&s->seen, 0, parent, child, 0, NULL))
		return SV_OK;
	return sv_content_add_parent(s->out, child, parent, err);
}

/* Starts from the concepts of `base` (an extension's edition): the same indexes, designations queued in
 * their order, properties (the inactive flag stands for an `inactive` one) and parents. */
static enum sv_err rf2_base(struct rf2 *s, const struct sv_content *base, struct sv_error *err)
{
	enum sv_err rc = SV_OK;
	uint32_t idx, with_id = 0;

	if (!base->finished)
		SV_BUG("an RF2 base content that is not finished");
	for (uint32_t i = 0; i < base->nconcept && rc == SV_OK; i++) {
		const struct sv_content_concept *k = &base->concept[i];
		rc = add_concept(s, k->code, k->display, k->definition, k->inactive, &idx, err);
	}
	for (uint32_t i = 0; i < base->nconcept && rc == SV_OK; i++) {
		const struct sv_content_concept *k = &base->concept[i];
		for (uint32_t j = 0; j < k->ndesig && rc == SV_OK; j++) {
			const struct sv_designation *d = &base->desig[k->desig + j];
			rc = rf2_stage_designation(s, i, KEY_PLAIN, d->language, d->use_system, d->use_code, d->use_display,
					       d->value, d->id, err);
			/* Indexed so the folder's language refset rows can name the base's descriptions. */
			if (rc == SV_OK && s->index_descriptions && d->id && d->language)
				rf2_index_designation(s, s->nd - 1);
			with_id += d->id != 0;
		}
		for (uint32_t j = 0; j < k->nprop && rc == SV_OK; j++) {
			const struct sv_property *p = &base->prop[k->prop + j];
			if (strcmp(p->code, "inactive") != 0)
				rc = add_property(s, i, p->code, p->type, p->value, err);
		}
		for (uint32_t j = 0; j < k->nparent && rc == SV_OK; j++)
			rc = add_parent(s, i, base->parent[k->parent + j], err);
	}
	s->nbase = s->nd;
	/* A base stored before description ids were kept: the folder's rows cannot name its descriptions. */
	if (rc == SV_OK && s->log && s->nd && !with_id)
		fprintf(s->log, "samsvar: the base edition was stored without RF2 description ids, so this folder's "
			"language refset and description rows cannot name its descriptions: import the base edition "
			"again once with samsvar import --snomed-rf2, then this folder\n");
	return rc;
}

static const char *const rf2_concept_cols[] = { "id", "effectiveTime", "active", "moduleId",
						"definitionStatusId" };
static const char *const rf2_description_cols[] = { "id", "effectiveTime", "active", "moduleId", "conceptId",
						    "languageCode", "typeId", "term", "caseSignificanceId" };
static const char *const rf2_refset_cols[] = { "id", "effectiveTime", "active", "moduleId", "refsetId",
					       "referencedComponentId" };
static const char *const rf2_association_cols[] = { "id", "effectiveTime", "active", "moduleId", "refsetId",
						    "referencedComponentId", "targetComponentId" };
static const char *const rf2_language_cols[] = { "id", "effectiveTime", "active", "moduleId", "refsetId",
						 "referencedComponentId", "acceptabilityId" };
static const char *const rf2_relationship_cols[] = { "id", "effectiveTime", "active", "moduleId",
						     "sourceId", "destinationId", "relationshipGroup",
						     "typeId", "characteristicTypeId", "modifierId" };

/* The index of kept concept `id`, or -1. */
static int64_t concept_of(const struct rf2 *s, const char *id)
{
	return sv_content_find(s->out, id);
}

/* The checks of a row's own columns (ctx unused): every row of a Full file goes through them, and the
 * row handler below starts with them. */
static enum sv_err rf2_concept_check(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	(void)ctx;
	return sv_rf2_id(lr, f[4], "definitionStatusId", 1, err);
}

/* A concept row: counted for its module's newest effectiveTime; kept, inactive ones with their status.
 * A row for a concept of the base edition gives it this folder's status. */
static enum sv_err rf2_concept_row(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	struct rf2 *s = ctx;
	struct rf2_module *m = NULL;
	int64_t have;
	uint32_t idx;
	int active = f[2][0] == '1';
	enum sv_err rc = rf2_concept_check(ctx, lr, f, err);

	if (rc != SV_OK)
		return rc;
	for (size_t i = 0; i < s->nmodules && !m; i++)
		if (strcmp(s->modules[i].id, f[3]) == 0)
			m = &s->modules[i];
	if (!m) {
		if (s->nmodules == MAX_MODULES)
			return sv_fail(err, SV_EINVAL, "%s:%zu: more than %d modules", lr->path, lr->lineno,
				       MAX_MODULES);
		m = &s->modules[s->nmodules++];
		snprintf(m->id, sizeof(m->id), "%s", f[3]);
	}
	m->rows++;
	if (strcmp(f[1], m->time) > 0)
		snprintf(m->time, sizeof(m->time), "%s", f[1]);
	if ((have = concept_of(s, f[0])) >= 0) {
		if (s->flags[have] & F_ROW)
			return sv_fail(err, SV_EINVAL, "%s:%zu: concept %s appears twice in a snapshot", lr->path,
				       lr->lineno, f[0]);
		s->flags[have] |= F_ROW;
		s->out->concept[have].inactive = (unsigned char)!active;
		s->nactive += (size_t)active;
		return SV_OK;
	}
	if (s->out->nconcept >= SV_IMPORT_MAX_CONCEPTS)
		return sv_fail(err, SV_ETOOBIG, "%s:%zu: more than %zu concepts", lr->path, lr->lineno,
			       SV_IMPORT_MAX_CONCEPTS);
	if ((rc = add_concept(s, f[0], NULL, NULL, !active, &idx, err)) != SV_OK)
		return rc;
	s->flags[idx] |= F_ROW;
	s->nactive += (size_t)active;
	return SV_OK;
}

/* An attribute relationship (not is-a): property <typeId> = <destinationId>, as FHIR's SNOMED CT page
 * makes every concept model attribute a property; ECL refinement reads it (ecl.h). Relationship
 * groups are not kept. */
static enum sv_err rf2_attribute(struct rf2 *s, const struct sv_lines *lr, uint32_t src, const char *type,
				 uint32_t dst, struct sv_error *err)
{
	uint32_t ignored;

	if (!sv_strmap_get(&s->type_index, type, &ignored)) {
		if (s->ntypes == MAX_ATTRIBUTE_TYPES)
			return sv_fail(err, SV_EINVAL, "%s:%zu: more than %d relationship types", lr->path, lr->lineno,
				       MAX_ATTRIBUTE_TYPES);
		s->types[s->ntypes] = sv_content_intern(s->out, type);
		sv_strmap_put(&s->type_index, s->types[s->ntypes], (uint32_t)s->ntypes);
		s->ntypes++;
	}
	return add_property(s, src, type, "valueCode", s->out->concept[dst].code, err);
}

/* A simple refset row: an active member (an active concept) of an active refset concept becomes the
 * member's SV_PROP_MEMBER_OF property. Other referenced components are not concepts here. */
static enum sv_err rf2_refset_check(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	enum sv_err rc;

	(void)ctx;
	if ((rc = sv_rf2_id(lr, f[4], "refsetId", 1, err)) == SV_OK)
		rc = sv_rf2_id(lr, f[5], "referencedComponentId", 0, err);
	return rc;
}

static enum sv_err rf2_refset_row(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	struct rf2 *s = ctx;
	int64_t member;
	enum sv_err rc;

	if ((rc = rf2_refset_check(ctx, lr, f, err)) != SV_OK)
		return rc;
	if (f[2][0] != '1' || concept_of(s, f[4]) < 0 || (member = concept_of(s, f[5])) < 0 ||
	    s->out->concept[member].inactive)
		return SV_OK;
	s->has_refsets = 1;
	return add_property(s, (uint32_t)member, SV_PROP_MEMBER_OF, "valueCode", f[4], err);
}

/* A relationship row: an active is-a between two active concepts becomes a parent, another active
 * relationship between two active concepts a property named by its type. */
static enum sv_err rf2_relationship_check(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	size_t group_len = strlen(f[6]);
	enum sv_err rc;

	(void)ctx;
	if ((rc = sv_rf2_id(lr, f[4], "sourceId", 1, err)) != SV_OK ||
	    (rc = sv_rf2_id(lr, f[5], "destinationId", 1, err)) != SV_OK ||
	    (rc = sv_rf2_id(lr, f[7], "typeId", 1, err)) != SV_OK ||
	    (rc = sv_rf2_id(lr, f[8], "characteristicTypeId", 1, err)) != SV_OK ||
	    (rc = sv_rf2_id(lr, f[9], "modifierId", 1, err)) != SV_OK)
		return rc;
	if (group_len == 0 || group_len > 9 || strspn(f[6], "0123456789") != group_len)
		return sv_fail(err, SV_EINVAL, "%s:%zu: relationshipGroup '%.16s' is not a number", lr->path,
			       lr->lineno, f[6]);
	return SV_OK;
}

static enum sv_err rf2_relationship_row(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	struct rf2 *s = ctx;
	int64_t src, dst;
	enum sv_err rc;

	if ((rc = rf2_relationship_check(ctx, lr, f, err)) != SV_OK)
		return rc;
	if (f[2][0] != '1')
		return SV_OK;
	/* A link from or to a concept that is not active here is dropped, so every parent the
	 * CodeSystem names is one of its concepts. */
	if ((src = concept_of(s, f[4])) < 0 || (dst = concept_of(s, f[5])) < 0 || s->out->concept[src].inactive ||
	    s->out->concept[dst].inactive)
		return SV_OK;
	if (strcmp(f[7], SCT_IS_A) != 0)
		return rf2_attribute(s, lr, (uint32_t)src, f[7], (uint32_t)dst, err);
	return add_parent(s, (uint32_t)src, (uint32_t)dst, err);
}

/* A historical association row: an active row of a known association refset whose source and target
 * are concepts of the file becomes the source's property (replacedBy, sameAs...) = target. The source
 * must be inactive (an active concept with a replacement is an error in the release); the target is
 * kept even when it was inactivated later, so a client can follow the chain. */
static enum sv_err rf2_association_check(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	enum sv_err rc;

	(void)ctx;
	if ((rc = sv_rf2_id(lr, f[4], "refsetId", 1, err)) == SV_OK &&
	    (rc = sv_rf2_id(lr, f[5], "referencedComponentId", 0, err)) == SV_OK)
		rc = sv_rf2_id(lr, f[6], "targetComponentId", 0, err);
	return rc;
}

static enum sv_err rf2_association_row(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	struct rf2 *s = ctx;
	int64_t src;
	size_t k;
	enum sv_err rc;

	if ((rc = rf2_association_check(ctx, lr, f, err)) != SV_OK)
		return rc;
	for (k = 0; k < NASSOCIATIONS && strcmp(rf2_associations[k].refset, f[4]) != 0; k++)
		;
	if (f[2][0] != '1' || k == NASSOCIATIONS)
		return SV_OK;
	if ((src = concept_of(s, f[5])) < 0 || concept_of(s, f[6]) < 0)
		return SV_OK; /* a description or relationship association, or a concept of another edition */
	if (!s->out->concept[src].inactive)
		return sv_fail(err, SV_EINVAL, "%s:%zu: concept %s is active: an active concept has no historical "
			       "association", lr->path, lr->lineno, f[5]);
	s->has_association[k]++;
	return add_property(s, (uint32_t)src, rf2_associations[k].property, "valueCode", f[6], err);
}

/* Declares the properties the concepts carry besides parent: each relationship type (uri
 * http://snomed.info/id/<type>, described by its display when the edition has the concept) and memberOf. */
static void declare_properties(const struct rf2 *s, cJSON *cs)
{
	cJSON *props = cJSON_GetObjectItemCaseSensitive(cs, "property");
	char uri[64];

	for (size_t i = 0; i < s->ntypes; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "code", s->types[i]);
		snprintf(uri, sizeof(uri), "http://snomed.info/id/%s", s->types[i]);
		cJSON_AddStringToObject(p, "uri", uri);
		int64_t t = concept_of(s, s->types[i]);
		if (t >= 0 && s->out->concept[t].display)
			cJSON_AddStringToObject(p, "description", s->out->concept[t].display);
		cJSON_AddStringToObject(p, "type", "code");
		cJSON_AddItemToArray(props, p);
	}
	{
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "code", "inactive");
		cJSON_AddStringToObject(p, "uri", "http://hl7.org/fhir/concept-properties#inactive");
		cJSON_AddStringToObject(p, "description", "True when the concept is inactive in this edition");
		cJSON_AddStringToObject(p, "type", "boolean");
		cJSON_AddItemToArray(props, p);
	}
	for (size_t k = 0; k < NASSOCIATIONS; k++) {
		cJSON *p;
		if (!s->has_association[k])
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "code", rf2_associations[k].property);
		snprintf(uri, sizeof(uri), "http://snomed.info/id/%s", rf2_associations[k].refset);
		cJSON_AddStringToObject(p, "uri", uri);
		cJSON_AddStringToObject(p, "description", rf2_associations[k].description);
		cJSON_AddStringToObject(p, "type", "code");
		cJSON_AddItemToArray(props, p);
	}
	if (s->has_refsets) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "code", SV_PROP_MEMBER_OF);
		cJSON_AddStringToObject(p, "description", "A simple reference set the concept is a member of");
		cJSON_AddStringToObject(p, "type", "code");
		cJSON_AddItemToArray(props, p);
	}
}

/* The edition's module: the one whose concept rows are newest, ties going to the larger module. */
static const struct rf2_module *rf2_edition(const struct rf2 *s)
{
	const struct rf2_module *best = NULL;

	for (size_t i = 0; i < s->nmodules; i++) {
		const struct rf2_module *m = &s->modules[i];
		int c = best ? strcmp(m->time, best->time) : 1;
		if (c > 0 || (c == 0 && m->rows > best->rows))
			best = m;
	}
	return best;
}


/* Copies the property declarations of `base` (the edition an extension extends) that `cs` lacks. */
static void declare_base_properties(cJSON *cs, const cJSON *base)
{
	cJSON *props = cJSON_GetObjectItemCaseSensitive(cs, "property");
	const cJSON *p, *q;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(base, "property")) {
		const char *code = sv_jstr(p, "code");
		int have = 0;
		cJSON_ArrayForEach(q, props)
			have |= code && sv_jstr(q, "code") && strcmp(sv_jstr(q, "code"), code) == 0;
		if (code && !have)
			cJSON_AddItemToArray(props, cJSON_Duplicate(p, 1));
	}
}

#define RF2_DESCRIPTION "Imported from an RF2 Snapshot: concepts (inactive ones with inactive = " \
	"true), active descriptions as designations (display = fully specified " \
	"name), active is-a rows of the (inferred) relationship file between active " \
	"concepts as parent, its other active rows as properties named by their " \
	"type, active simple refset rows as memberOf, the REPLACED BY, SAME AS, " \
	"POSSIBLY EQUIVALENT TO and ALTERNATIVE associations of inactive concepts " \
	"as replacedBy, sameAs, possiblyEquivalentTo and alternative; language refset " \
	"rows give designations in the file's language, its preferred synonym first."

/* The CodeSystem without concepts: the edition's version, the meta, the declared properties. */
static cJSON *rf2_header(const struct rf2 *s, const struct sv_rf2_opts *o)
{
	const struct rf2_module *edition = rf2_edition(s);
	char version[96], description[1024];
	cJSON *cs;
	double count = s->out->nconcept;

	snprintf(version, sizeof(version), SV_SYS_SNOMED "/%s/version/%s", edition->id, edition->time);
	if (o && o->base) {
		const cJSON *bc = cJSON_GetObjectItemCaseSensitive(o->base_header, "count");
		snprintf(description, sizeof(description), "%s An extension module's Snapshot applied on top of "
			 "version %.200s.", RF2_DESCRIPTION, o->base_header ? sv_jstr(o->base_header, "version") : "?");
		if (cJSON_IsNumber(bc))
			count = bc->valuedouble + (double)(s->out->nconcept - o->base->nconcept);
	} else {
		snprintf(description, sizeof(description), "%s", RF2_DESCRIPTION);
	}
	const struct sv_cs_meta meta = {
		.url = SV_SYS_SNOMED,
		.version = version,
		.name = "SNOMED_CT",
		.title = "SNOMED CT",
		.publisher = "SNOMED International",
		.content = "complete",
		.language = NULL,
		/* RF2 snapshot files carry no notice; the first sentence is the GPS notice's. */
		.copyright = "SNOMED CT is \xc2\xa9 and \xc2\xae SNOMED International. Content "
			     "outside the Global Patient Set is used under a SNOMED CT licence "
			     "(membership of the user's country, or an Affiliate Licence).",
		.description = description,
	};
	cs = sv_imp_codesystem(&meta, cJSON_CreateArray());
	cJSON_DeleteItemFromObjectCaseSensitive(cs, "concept");
	cJSON_ReplaceItemInObjectCaseSensitive(cs, "count", cJSON_CreateNumber(count));
	declare_properties(s, cs);
	if (o && o->base_header)
		declare_base_properties(cs, o->base_header);
	return cs;
}

/* A kind of RF2 file: its columns, its id column's kind (sv_rf2_read), its own checks and its rows. */
struct rf2_kind {
	const char *const *cols;
	size_t ncols;
	int id_is_concept;
	sv_rf2_row_fn check, row;
	unsigned full_bit; /* SV_RF2_FULL_*: set in sv_rf2_files.full when the folder has Full files of it */
};

static const struct rf2_kind K_CONCEPT = { rf2_concept_cols, 5, 1, rf2_concept_check, rf2_concept_row,
					   SV_RF2_FULL_CONCEPT };
static const struct rf2_kind K_DESCRIPTION = { rf2_description_cols, 9, 0, rf2_description_check,
					       rf2_description_row, SV_RF2_FULL_DESCRIPTION };
static const struct rf2_kind K_RELATIONSHIP = { rf2_relationship_cols, 10, 0, rf2_relationship_check,
						rf2_relationship_row, SV_RF2_FULL_RELATIONSHIP };
static const struct rf2_kind K_REFSET = { rf2_refset_cols, 6, -1, rf2_refset_check, rf2_refset_row,
					  SV_RF2_FULL_REFSET };
static const struct rf2_kind K_ASSOCIATION = { rf2_association_cols, 7, -1, rf2_association_check,
					       rf2_association_row, SV_RF2_FULL_ASSOCIATION };
static const struct rf2_kind K_LANGUAGE = { rf2_language_cols, 7, -1, rf2_language_check, rf2_language_row,
					    SV_RF2_FULL_LANGUAGE };

/* Reads file `path` of kind k: a Snapshot row by row, a Full file as its latest row per component (the
 * same rows a Snapshot of that release holds, so the same rules apply to them). */
static enum sv_err rf2_read_file(struct rf2 *s, const struct sv_rf2_files *files, const char *path,
				 const struct rf2_kind *k, struct sv_error *err)
{
	if (files->full & k->full_bit)
		return sv_rf2_read_full(path, k->cols, k->ncols, k->id_is_concept, k->check, k->row, s, err);
	return sv_rf2_read(path, k->cols, k->ncols, k->id_is_concept, k->row, s, err);
}

/* Reads every file of the folder into s, in the order the rows depend on. */
static enum sv_err rf2_read_all(struct rf2 *s, const struct sv_rf2_files *files, struct sv_error *err)
{
	enum sv_err rc;

	if ((rc = rf2_read_file(s, files, files->concept, &K_CONCEPT, err)) != SV_OK)
		return rc;
	if (s->nactive == 0)
		return sv_fail(err, SV_EINVAL, "%s: no active concepts", files->concept);
	for (size_t i = 0; i < files->ndesc; i++)
		if ((rc = rf2_read_file(s, files, files->desc[i], &K_DESCRIPTION, err)) != SV_OK)
			return rc;
	if ((rc = rf2_read_file(s, files, files->relationship, &K_RELATIONSHIP, err)) != SV_OK)
		return rc;
	for (size_t i = 0; i < files->nrefset; i++)
		if ((rc = rf2_read_file(s, files, files->refset[i], &K_REFSET, err)) != SV_OK)
			return rc;
	for (size_t i = 0; i < files->nassoc; i++)
		if ((rc = rf2_read_file(s, files, files->assoc[i], &K_ASSOCIATION, err)) != SV_OK)
			return rc;
	sv_rf2_map_release(&s->seen); /* no property or parent comes after the relationships and refsets */
	for (size_t i = 0; i < files->nlang; i++) {
		if ((rc = rf2_lang_of(s, files->lang[i], err)) != SV_OK ||
		    (rc = rf2_read_file(s, files, files->lang[i], &K_LANGUAGE, err)) != SV_OK)
			return rc;
		rf2_report_unknown(s, files->lang[i]);
	}
	return SV_OK;
}

enum sv_err sv_import_snomed_rf2_content(const char *dir, const struct sv_rf2_opts *o, cJSON **header,
					 struct sv_content *out, struct sv_error *err)
{
	struct rf2 s;
	struct sv_rf2_files files;
	enum sv_err rc;

	*header = NULL;
	if (out->nconcept || out->finished)
		SV_BUG("sv_import_snomed_rf2_content into a content that is not empty");
	rf2_init(&s, out);
	if ((rc = sv_rf2_find(dir, &files, err)) != SV_OK)
		goto out;
	/* Descriptions are indexed by id for language refsets to find them, and for an extension, whose
	 * description rows may name the base's (a newer row of one: it renames or retires it). */
	s.index_descriptions = files.nlang > 0 || (o && o->base);
	s.log = o ? o->log : NULL;
	if (o && o->base && (rc = rf2_base(&s, o->base, err)) != SV_OK)
		goto out;
	if ((rc = rf2_read_all(&s, &files, err)) != SV_OK)
		goto out;
	sv_rf2_map_release(&s.dmap);
	rf2_redisplay(&s);
	if ((rc = rf2_emit_designations(&s, err)) != SV_OK)
		goto out;
	sv_content_finish(out);
	*header = rf2_header(&s, o);
out:
	sv_rf2_files_release(&files);
	rf2_release(&s);
	return rc;
}

cJSON *sv_import_snomed_rf2(const char *dir, struct sv_error *err)
{
	struct sv_content c;
	cJSON *header = NULL, *cs = NULL;

	sv_content_init(&c);
	if (sv_import_snomed_rf2_content(dir, NULL, &header, &c, err) == SV_OK)
		cs = sv_content_to_json(header, &c);
	cJSON_Delete(header);
	sv_content_release(&c);
	return cs;
}
