/* importer_snomed.c — SNOMED CT RF2 Snapshot folders (streamed line by line) into a CodeSystem of
 * http://snomed.info/sct: concepts (inactive ones marked), descriptions, relationships, simple refsets,
 * historical associations and language refsets. The GPS importer is importer_snomed_gps.c.
 *
 * Every identifier is checked (digits, Verhoeff check digit, partition) and the first bad row stops
 * the import with "file:line: why" in err. */
#include "samsvar/importer.h"
#include "samsvar/importer_common.h"
#include "samsvar/ecl.h"
#include "samsvar/file.h"
#include "samsvar/jsonutil.h"
#include "samsvar/strmap.h"
#include "samsvar/systems.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* RF2 metadata concept ids (FSN and Synonym are in the GPS; all pass ../shared/tools/verhoeff.py). */
#define SCT_FSN "900000000000003001"
#define SCT_SYNONYM "900000000000013009"
#define SCT_IS_A "116680003"
/* Language refset acceptability (tools/gen-rf2.py, checked with ../shared/tools/verhoeff.py). */
#define SCT_PREFERRED "900000000000548007"
#define SCT_ACCEPTABLE "900000000000549004"
#define LANG_PREFIX "der2_cRefset_LanguageSnapshot-"

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
#define NASSOCIATIONS (sizeof(rf2_associations) / sizeof(rf2_associations[0]))

#define MAX_RF2_FILE ((uint64_t)8 << 30) /* an RF2 file larger than this is not a release */
#define MAX_DIR_DEPTH 8
#define MAX_DESC_FILES 16
#define MAX_MODULES 256
#define MAX_REFSET_FILES 16
#define MAX_ATTRIBUTE_TYPES 1024

/* ---- SNOMED CT identifiers ----------------------------------------------------------------- */

/* Verhoeff tables (dihedral group D5), as in ../shared/tools/verhoeff.py. */
static const unsigned char verhoeff_d[10][10] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 2, 3, 4, 0, 6, 7, 8, 9, 5 }, { 2, 3, 4, 0, 1, 7, 8, 9, 5, 6 },
	{ 3, 4, 0, 1, 2, 8, 9, 5, 6, 7 }, { 4, 0, 1, 2, 3, 9, 5, 6, 7, 8 }, { 5, 9, 8, 7, 6, 0, 4, 3, 2, 1 },
	{ 6, 5, 9, 8, 7, 1, 0, 4, 3, 2 }, { 7, 6, 5, 9, 8, 2, 1, 0, 4, 3 }, { 8, 7, 6, 5, 9, 3, 2, 1, 0, 4 },
	{ 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 },
};
static const unsigned char verhoeff_p[8][10] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, { 1, 5, 7, 6, 2, 8, 3, 0, 9, 4 }, { 5, 8, 0, 3, 7, 9, 6, 1, 4, 2 },
	{ 8, 9, 1, 6, 0, 4, 3, 5, 2, 7 }, { 9, 4, 5, 3, 1, 2, 6, 8, 7, 0 }, { 4, 2, 8, 6, 5, 7, 3, 9, 0, 1 },
	{ 2, 7, 9, 3, 8, 0, 6, 4, 1, 5 }, { 7, 0, 4, 6, 9, 1, 3, 2, 5, 8 },
};

/* Returns NULL when s[0..n) is a valid SCTID, else why; `concept` also demands partition 00/10. */
static const char *sctid_why(const char *s, size_t n, int concept)
{
	unsigned c = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return "not all digits";
	if (n < 6 || n > 18)
		return "length not in 6..18";
	if (s[0] == '0')
		return "leading zero";
	if (concept && !((s[n - 3] == '0' || s[n - 3] == '1') && s[n - 2] == '0'))
		return "partition is not a concept partition (00/10)";
	for (size_t i = 0; i < n; i++)
		c = verhoeff_d[c][verhoeff_p[i % 8][s[n - 1 - i] - '0']];
	return c == 0 ? NULL : "Verhoeff check digit fails";
}

const char *sv_import_sctid_check(const char *id)
{
	return sctid_why(id, strlen(id), 1);
}

/* ---- SNOMED CT RF2 snapshot ---------------------------------------------------------------- */

struct rf2_concept {
	char *id;
	char *display;     /* FSN, else the first synonym seen */
	int display_is_fsn;
	int inactive;       /* the concept row is inactive */
	cJSON *designation; /* array or NULL */
	cJSON *property;    /* array or NULL */
};

struct rf2_module {
	char id[19];
	char time[9];
	size_t rows;
};

/* An active description of a kept concept, for the language refsets (only indexed when there are any). */
struct rf2_desc {
	char *id;
	uint32_t concept;
	cJSON *designation; /* owned by the concept's designation array */
};

struct rf2 {
	struct rf2_concept *v;
	size_t n, cap;
	struct sv_strmap map; /* id -> index into v; keys are v[i].id */
	struct rf2_module modules[MAX_MODULES];
	size_t nmodules;
	/* The relationship types other than is-a seen on kept rows: declared as CodeSystem properties. */
	char *types[MAX_ATTRIBUTE_TYPES];
	size_t ntypes;
	int has_refsets;
	size_t nactive;
	struct rf2_desc *d; /* descriptions, when language refsets are read */
	size_t nd, dcap;
	struct sv_strmap dmap; /* description id -> index into d */
	int index_descriptions;
	char lang[17];      /* the language tag of the language refset file being read */
	unsigned has_association[NASSOCIATIONS]; /* rows loaded per kind */
};

struct rf2_files {
	char *concept, *relationship;
	char *desc[MAX_DESC_FILES];
	size_t ndesc;
	char *refset[MAX_REFSET_FILES]; /* der2_Refset_SimpleSnapshot*.txt */
	size_t nrefset;
	char *assoc[MAX_REFSET_FILES]; /* der2_cRefset_AssociationSnapshot*.txt */
	size_t nassoc;
	char *lang[MAX_REFSET_FILES]; /* der2_cRefset_LanguageSnapshot-<lang>*.txt */
	size_t nlang;
};

static void rf2_release(struct rf2 *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].id);
		free(s->v[i].display);
		cJSON_Delete(s->v[i].designation);
		cJSON_Delete(s->v[i].property);
	}
	free(s->v);
	for (size_t i = 0; i < s->nd; i++)
		free(s->d[i].id);
	free(s->d);
	sv_strmap_release(&s->dmap);
	for (size_t i = 0; i < s->ntypes; i++)
		free(s->types[i]);
	sv_strmap_release(&s->map);
}

static void rf2_files_release(struct rf2_files *f)
{
	free(f->concept);
	free(f->relationship);
	for (size_t i = 0; i < f->ndesc; i++)
		free(f->desc[i]);
	for (size_t i = 0; i < f->nrefset; i++)
		free(f->refset[i]);
	for (size_t i = 0; i < f->nassoc; i++)
		free(f->assoc[i]);
	for (size_t i = 0; i < f->nlang; i++)
		free(f->lang[i]);
	memset(f, 0, sizeof(*f));
}

static int has_prefix_txt(const char *name, const char *prefix)
{
	size_t n = strlen(name), p = strlen(prefix);
	return n > p + 4 && strncmp(name, prefix, p) == 0 && strcmp(name + n - 4, ".txt") == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Finds the Snapshot files below `dir` (symlinked folders are not followed, to avoid cycles). */
static enum sv_err rf2_find(const char *dir, int depth, struct rf2_files *f, struct sv_error *err)
{
	DIR *d;
	struct dirent *e;
	enum sv_err rc = SV_OK;

	if (depth > MAX_DIR_DEPTH)
		return SV_OK;
	d = opendir(dir);
	if (!d)
		return sv_fail(err, SV_EIO, "%s: %s", dir, strerror(errno));
	while (rc == SV_OK && (e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		char **slot = NULL;

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			rc = rf2_find(path, depth + 1, f, err);
			continue;
		}
		if (has_prefix_txt(e->d_name, "sct2_Concept_Snapshot"))
			slot = &f->concept;
		else if (has_prefix_txt(e->d_name, "sct2_Relationship_Snapshot"))
			slot = &f->relationship;
		else if (has_prefix_txt(e->d_name, "sct2_Description_Snapshot")) {
			if (f->ndesc == MAX_DESC_FILES)
				rc = sv_fail(err, SV_EINVAL, "%s: more than %d description files", dir,
					     MAX_DESC_FILES);
			else
				f->desc[f->ndesc++] = sv_xstrdup(path);
			continue;
		} else if (has_prefix_txt(e->d_name, "der2_Refset_SimpleSnapshot")) {
			if (f->nrefset == MAX_REFSET_FILES)
				rc = sv_fail(err, SV_EINVAL, "%s: more than %d simple refset files", dir,
					     MAX_REFSET_FILES);
			else
				f->refset[f->nrefset++] = sv_xstrdup(path);
			continue;
		} else if (has_prefix_txt(e->d_name, "der2_cRefset_AssociationSnapshot")) {
			if (f->nassoc == MAX_REFSET_FILES)
				rc = sv_fail(err, SV_EINVAL, "%s: more than %d association refset files", dir,
					     MAX_REFSET_FILES);
			else
				f->assoc[f->nassoc++] = sv_xstrdup(path);
			continue;
		} else if (has_prefix_txt(e->d_name, LANG_PREFIX)) {
			if (f->nlang == MAX_REFSET_FILES)
				rc = sv_fail(err, SV_EINVAL, "%s: more than %d language refset files", dir,
					     MAX_REFSET_FILES);
			else
				f->lang[f->nlang++] = sv_xstrdup(path);
			continue;
		} else {
			continue;
		}
		if (*slot)
			rc = sv_fail(err, SV_EINVAL, "two RF2 files of one kind: %s and %s", *slot, path);
		else
			*slot = sv_xstrdup(path);
	}
	closedir(d);
	return rc;
}

/* Validates field `f` (column `col`) of an RF2 row as an SCTID. */
static enum sv_err rf2_id(const struct sv_lines *lr, const char *f, const char *col, int concept,
			  struct sv_error *err)
{
	const char *why = sctid_why(f, strlen(f), concept);

	if (why)
		return sv_fail(err, SV_EINVAL, "%s:%zu: %s '%.32s': %s", lr->path, lr->lineno, col, f, why);
	return SV_OK;
}

/* One row handler per RF2 file kind; `f` holds exactly the file's columns, the shared four
 * (id, effectiveTime, active, moduleId) already checked. */
typedef enum sv_err (*rf2_row_fn)(struct rf2 *s, const struct sv_lines *lr, char **f, struct sv_error *err);

#define RF2_MAX_COLS 10

/* Returns 1 when f is a UUID in its 8-4-4-4-12 hex form (the id of a refset row). */
static int is_uuid(const char *f)
{
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? f[i] != '-' : !strchr("0123456789abcdefABCDEF", f[i]) || !f[i])
			return 0;
	}
	return f[36] == '\0';
}

/* Streams one RF2 file: checks its header against `cols`, every row's column count and shared
 * columns, then hands the row to `row`. `id_is_concept` says whether the id column names concepts
 * (1), other components (0), or is a refset row's UUID (-1). */
static enum sv_err rf2_read(struct rf2 *s, const char *path, const char *const *cols, size_t ncols,
			    int id_is_concept, rf2_row_fn row, struct sv_error *err)
{
	struct sv_lines lr;
	char *line, *f[RF2_MAX_COLS];
	size_t len, got;
	enum sv_err rc;
	int r = 0;

	rc = sv_lines_open(&lr, path, MAX_RF2_FILE, err);
	if (rc != SV_OK)
		goto out;
	r = sv_lines_next(&lr, &line, &len, err);
	if (r <= 0) {
		rc = r < 0 ? SV_EINVAL : sv_fail(err, SV_EINVAL, "%s: empty file, expected a header row", path);
		goto out;
	}
	rc = sv_imp_check_header(&lr, line, cols, ncols, err);
	while (rc == SV_OK && (r = sv_lines_next(&lr, &line, &len, err)) == 1) {
		size_t time_len;

		got = sv_split_tabs(line, f, RF2_MAX_COLS);
		if (got != ncols) {
			rc = sv_fail(err, SV_EINVAL, "%s:%zu: %zu columns, expected %zu", path, lr.lineno, got,
				     ncols);
			break;
		}
		time_len = strlen(f[1]);
		if (time_len != 8 || strspn(f[1], "0123456789") != 8)
			rc = sv_fail(err, SV_EINVAL, "%s:%zu: effectiveTime '%.16s' is not yyyymmdd", path,
				     lr.lineno, f[1]);
		else if (strcmp(f[2], "0") != 0 && strcmp(f[2], "1") != 0)
			rc = sv_fail(err, SV_EINVAL, "%s:%zu: active '%.16s' is not 0 or 1", path, lr.lineno,
				     f[2]);
		else if (id_is_concept < 0 && !is_uuid(f[0]))
			rc = sv_fail(err, SV_EINVAL, "%s:%zu: id '%.40s' is not a UUID", path, lr.lineno, f[0]);
		else if ((id_is_concept < 0 || (rc = rf2_id(&lr, f[0], "id", id_is_concept, err)) == SV_OK) &&
			 (rc = rf2_id(&lr, f[3], "moduleId", 1, err)) == SV_OK)
			rc = row(s, &lr, f, err);
	}
	if (rc == SV_OK && r < 0)
		rc = SV_EINVAL; /* err holds the detail */
out:
	sv_lines_close(&lr);
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

/* A concept row: counted for its module's newest effectiveTime; kept, inactive ones with their status. */
static enum sv_err rf2_concept_row(struct rf2 *s, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	struct rf2_module *m = NULL;
	enum sv_err rc = rf2_id(lr, f[4], "definitionStatusId", 1, err);

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
	if (s->n == SV_IMPORT_MAX_CONCEPTS)
		return sv_fail(err, SV_ETOOBIG, "%s:%zu: more than %zu concepts", lr->path, lr->lineno,
			       SV_IMPORT_MAX_CONCEPTS);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = sv_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n] = (struct rf2_concept){ .id = sv_xstrdup(f[0]), .inactive = f[2][0] != '1' };
	if (!sv_strmap_put(&s->map, s->v[s->n].id, (uint32_t)s->n)) {
		free(s->v[s->n].id);
		return sv_fail(err, SV_EINVAL, "%s:%zu: concept %s appears twice in a snapshot", lr->path,
			       lr->lineno, f[0]);
	}
	s->nactive += f[2][0] == '1';
	s->n++;
	return SV_OK;
}

/* A description row: an active one of an active concept becomes a designation. */
static enum sv_err rf2_description_row(struct rf2 *s, const struct sv_lines *lr, char **f,
				       struct sv_error *err)
{
	struct rf2_concept *c;
	uint32_t idx;
	size_t lang_len = strlen(f[5]);
	int fsn, syn;
	enum sv_err rc;

	if ((rc = rf2_id(lr, f[4], "conceptId", 1, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[6], "typeId", 1, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[8], "caseSignificanceId", 1, err)) != SV_OK)
		return rc;
	if (lang_len == 0 || lang_len > 16 ||
	    strspn(f[5], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") != lang_len)
		return sv_fail(err, SV_EINVAL, "%s:%zu: languageCode '%.16s' is not a language tag", lr->path,
			       lr->lineno, f[5]);
	if (!f[7][0])
		return sv_fail(err, SV_EINVAL, "%s:%zu: empty term", lr->path, lr->lineno);
	if (f[2][0] != '1' || !sv_strmap_get(&s->map, f[4], &idx))
		return SV_OK; /* inactive description, or a concept not in the file */
	c = &s->v[idx];
	fsn = strcmp(f[6], SCT_FSN) == 0;
	syn = strcmp(f[6], SCT_SYNONYM) == 0;
	if (!c->designation)
		c->designation = cJSON_CreateArray();
	cJSON_AddItemToArray(c->designation,
			     sv_imp_designation_new(f[5], SV_SYS_SNOMED, f[6],
					     fsn ? "Fully specified name" : syn ? "Synonym" : NULL, f[7]));
	if (s->index_descriptions) {
		if (s->nd == s->dcap) {
			s->dcap = s->dcap ? s->dcap * 2 : 1024;
			s->d = sv_xrealloc(s->d, s->dcap * sizeof(*s->d));
		}
		s->d[s->nd] = (struct rf2_desc){ .id = sv_xstrdup(f[0]), .concept = idx,
						  .designation = cJSON_GetArrayItem(c->designation,
										    cJSON_GetArraySize(c->designation) - 1) };
		if (!sv_strmap_put(&s->dmap, s->d[s->nd].id, (uint32_t)s->nd)) {
			free(s->d[s->nd].id);
			return sv_fail(err, SV_EINVAL, "%s:%zu: description %s appears twice in a snapshot", lr->path,
				       lr->lineno, f[0]);
		}
		s->nd++;
	}
	/* display = the FSN (no language refset is read); a concept without one gets a synonym.
	 * With several FSNs (one per language file) the first file's, in name order, wins. */
	if ((fsn && !c->display_is_fsn) || (syn && !c->display)) {
		free(c->display);
		c->display = sv_xstrdup(f[7]);
		c->display_is_fsn = fsn;
	}
	return SV_OK;
}

/* Adds property `code` = valueCode `value` to concept c unless it has it already (a relationship in
 * two groups, a member listed twice). */
static void add_code_property(struct rf2_concept *c, const char *code, const char *value)
{
	const cJSON *p;
	cJSON *np;

	if (!c->property)
		c->property = cJSON_CreateArray();
	cJSON_ArrayForEach(p, c->property)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "code")), code) == 0 &&
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "valueCode")), value) == 0)
			return;
	np = cJSON_CreateObject();
	cJSON_AddStringToObject(np, "code", code);
	cJSON_AddStringToObject(np, "valueCode", value);
	cJSON_AddItemToArray(c->property, np);
}

/* An attribute relationship (not is-a): property <typeId> = <destinationId>, as FHIR's SNOMED CT page
 * makes every concept model attribute a property; ECL refinement reads it (ecl.h). Relationship
 * groups are not kept. */
static enum sv_err rf2_attribute(struct rf2 *s, const struct sv_lines *lr, struct rf2_concept *c, const char *type,
				 const char *dst, struct sv_error *err)
{
	size_t i;

	for (i = 0; i < s->ntypes && strcmp(s->types[i], type) != 0; i++)
		;
	if (i == s->ntypes) {
		if (s->ntypes == MAX_ATTRIBUTE_TYPES)
			return sv_fail(err, SV_EINVAL, "%s:%zu: more than %d relationship types", lr->path, lr->lineno,
				       MAX_ATTRIBUTE_TYPES);
		s->types[s->ntypes++] = sv_xstrdup(type);
	}
	add_code_property(c, type, dst);
	return SV_OK;
}

/* A simple refset row: an active member (an active concept) of an active refset concept becomes the
 * member's SV_PROP_MEMBER_OF property. Other referenced components are not concepts here. */
static enum sv_err rf2_refset_row(struct rf2 *s, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	uint32_t refset, member;
	enum sv_err rc;

	if ((rc = rf2_id(lr, f[4], "refsetId", 1, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[5], "referencedComponentId", 0, err)) != SV_OK)
		return rc;
	if (f[2][0] != '1' || !sv_strmap_get(&s->map, f[4], &refset) || !sv_strmap_get(&s->map, f[5], &member) ||
	    s->v[member].inactive)
		return SV_OK;
	add_code_property(&s->v[member], SV_PROP_MEMBER_OF, f[4]);
	s->has_refsets = 1;
	return SV_OK;
}

/* A relationship row: an active is-a between two active concepts becomes a `parent`, another active
 * relationship between two active concepts a property named by its type. */
static enum sv_err rf2_relationship_row(struct rf2 *s, const struct sv_lines *lr, char **f,
					struct sv_error *err)
{
	struct rf2_concept *c;
	uint32_t src, dst;
	const cJSON *p;
	size_t group_len = strlen(f[6]);
	enum sv_err rc;

	if ((rc = rf2_id(lr, f[4], "sourceId", 1, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[5], "destinationId", 1, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[7], "typeId", 1, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[8], "characteristicTypeId", 1, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[9], "modifierId", 1, err)) != SV_OK)
		return rc;
	if (group_len == 0 || group_len > 9 || strspn(f[6], "0123456789") != group_len)
		return sv_fail(err, SV_EINVAL, "%s:%zu: relationshipGroup '%.16s' is not a number", lr->path,
			       lr->lineno, f[6]);
	if (f[2][0] != '1')
		return SV_OK;
	/* A link from or to a concept that is not active here is dropped, so every parent the
	 * CodeSystem names is one of its concepts. */
	if (!sv_strmap_get(&s->map, f[4], &src) || !sv_strmap_get(&s->map, f[5], &dst) || s->v[src].inactive ||
	    s->v[dst].inactive)
		return SV_OK;
	c = &s->v[src];
	if (!c->property)
		c->property = cJSON_CreateArray();
	if (strcmp(f[7], SCT_IS_A) != 0)
		return rf2_attribute(s, lr, c, f[7], f[5], err);
	cJSON_ArrayForEach(p, c->property)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "code")), "parent") == 0 &&
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "valueCode")), f[5]) == 0)
			return SV_OK; /* the same link twice (e.g. in two relationship groups) */
	sv_imp_add_parent(c->property, f[5]);
	return SV_OK;
}

/* A historical association row: an active row of a known association refset whose source and target
 * are concepts of the file becomes the source's property (replacedBy, sameAs...) = target. The source
 * must be inactive (an active concept with a replacement is an error in the release); the target is
 * kept even when it was inactivated later, so a client can follow the chain. */
static enum sv_err rf2_association_row(struct rf2 *s, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	uint32_t src, dst;
	size_t k;
	enum sv_err rc;

	if ((rc = rf2_id(lr, f[4], "refsetId", 1, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[5], "referencedComponentId", 0, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[6], "targetComponentId", 0, err)) != SV_OK)
		return rc;
	for (k = 0; k < NASSOCIATIONS && strcmp(rf2_associations[k].refset, f[4]) != 0; k++)
		;
	if (f[2][0] != '1' || k == NASSOCIATIONS)
		return SV_OK;
	if (!sv_strmap_get(&s->map, f[5], &src) || !sv_strmap_get(&s->map, f[6], &dst))
		return SV_OK; /* a description or relationship association, or a concept of another edition */
	if (!s->v[src].inactive)
		return sv_fail(err, SV_EINVAL, "%s:%zu: concept %s is active: an active concept has no historical "
			       "association", lr->path, lr->lineno, f[5]);
	add_code_property(&s->v[src], rf2_associations[k].property, f[6]);
	s->has_association[k]++;
	return SV_OK;
}

/* A language refset row: the file's language tag (s->lang) gives the description's term in that language.
 * A description in another language than the tag (a "no" term in an nb refset) becomes a designation
 * in the tag's language; one in the tag's own language is that designation already. A preferred
 * synonym goes first among the concept's designations, so it is the display for that language
 * (display.c takes the first designation of the best-matching language). */
static enum sv_err rf2_language_row(struct rf2 *s, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	struct rf2_concept *c;
	struct rf2_desc *d;
	cJSON *des;
	const cJSON *use;
	uint32_t idx;
	int preferred, syn;
	enum sv_err rc;

	if ((rc = rf2_id(lr, f[4], "refsetId", 1, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[5], "referencedComponentId", 0, err)) != SV_OK ||
	    (rc = rf2_id(lr, f[6], "acceptabilityId", 1, err)) != SV_OK)
		return rc;
	preferred = strcmp(f[6], SCT_PREFERRED) == 0;
	if (!preferred && strcmp(f[6], SCT_ACCEPTABLE) != 0)
		return sv_fail(err, SV_EINVAL, "%s:%zu: acceptabilityId %s is neither preferred (%s) nor acceptable (%s)",
			       lr->path, lr->lineno, f[6], SCT_PREFERRED, SCT_ACCEPTABLE);
	if (f[2][0] != '1' || !sv_strmap_get(&s->dmap, f[5], &idx))
		return SV_OK; /* inactive row, or a description that is inactive or not in this edition */
	d = &s->d[idx];
	c = &s->v[d->concept];
	des = d->designation;
	use = cJSON_GetObjectItemCaseSensitive(des, "use");
	syn = strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(use, "code")), SCT_SYNONYM) == 0;
	if (strcasecmp(sv_jstr(des, "language"), s->lang) != 0) {
		des = sv_imp_designation_new(s->lang, SV_SYS_SNOMED, sv_jstr(use, "code"), sv_jstr(use, "display"),
					     sv_jstr(des, "value"));
		if (preferred && syn)
			cJSON_InsertItemInArray(c->designation, 0, des);
		else
			cJSON_AddItemToArray(c->designation, des);
	} else if (preferred && syn) {
		cJSON_DetachItemViaPointer(c->designation, des);
		cJSON_InsertItemInArray(c->designation, 0, des);
	}
	return SV_OK;
}

/* The language tag of language refset file `path` (der2_cRefset_LanguageSnapshot-<tag>_...) into s->lang. */
static enum sv_err rf2_lang_of(struct rf2 *s, const char *path, struct sv_error *err)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path, *t = base + strlen(LANG_PREFIX);
	size_t n = strcspn(t, "_.");

	if (n == 0 || n >= sizeof(s->lang) ||
	    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") < n)
		return sv_fail(err, SV_EINVAL, "%s: the file name names no language (" LANG_PREFIX "<tag>_...)", path);
	memcpy(s->lang, t, n);
	s->lang[n] = '\0';
	return SV_OK;
}

/* Declares the properties the concepts carry besides parent: each relationship type (uri
 * http://snomed.info/id/<type>, described by its display when the edition has the concept) and memberOf. */
static void declare_properties(const struct rf2 *s, cJSON *cs)
{
	cJSON *props = cJSON_GetObjectItemCaseSensitive(cs, "property");
	char uri[64];

	for (size_t i = 0; i < s->ntypes; i++) {
		cJSON *p = cJSON_CreateObject();
		uint32_t t;
		cJSON_AddStringToObject(p, "code", s->types[i]);
		snprintf(uri, sizeof(uri), "http://snomed.info/id/%s", s->types[i]);
		cJSON_AddStringToObject(p, "uri", uri);
		if (sv_strmap_get(&s->map, s->types[i], &t) && s->v[t].display)
			cJSON_AddStringToObject(p, "description", s->v[t].display);
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

cJSON *sv_import_snomed_rf2(const char *dir, struct sv_error *err)
{
	struct rf2 s;
	struct rf2_files files = { 0 };
	const struct rf2_module *edition;
	cJSON *concepts = NULL, *result = NULL;
	char version[96];
	struct stat st;

	memset(&s, 0, sizeof(s));
	sv_strmap_init(&s.map, 1024);
	if (stat(dir, &st) != 0) {
		sv_fail(err, SV_EIO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		sv_fail(err, SV_EIO, "%s: not a folder", dir);
		goto out;
	}
	if (rf2_find(dir, 0, &files, err) != SV_OK)
		goto out;
	if (!files.concept || !files.ndesc || !files.relationship) {
		sv_fail(err, SV_EINVAL, "%s: no %s file below it", dir,
			!files.concept ? "sct2_Concept_Snapshot*.txt"
			: !files.ndesc ? "sct2_Description_Snapshot*.txt"
				       : "sct2_Relationship_Snapshot*.txt");
		goto out;
	}
	qsort(files.desc, files.ndesc, sizeof(files.desc[0]), cmp_str);
	s.index_descriptions = files.nlang > 0;
	if (s.index_descriptions)
		sv_strmap_init(&s.dmap, 4096);
	if (rf2_read(&s, files.concept, rf2_concept_cols, 5, 1, rf2_concept_row, err) != SV_OK)
		goto out;
	if (s.nactive == 0) {
		sv_fail(err, SV_EINVAL, "%s: no active concepts", files.concept);
		goto out;
	}
	for (size_t i = 0; i < files.ndesc; i++)
		if (rf2_read(&s, files.desc[i], rf2_description_cols, 9, 0, rf2_description_row, err) != SV_OK)
			goto out;
	if (rf2_read(&s, files.relationship, rf2_relationship_cols, 10, 0, rf2_relationship_row, err) !=
	    SV_OK)
		goto out;
	qsort(files.refset, files.nrefset, sizeof(files.refset[0]), cmp_str);
	for (size_t i = 0; i < files.nrefset; i++)
		if (rf2_read(&s, files.refset[i], rf2_refset_cols, 6, -1, rf2_refset_row, err) != SV_OK)
			goto out;
	qsort(files.assoc, files.nassoc, sizeof(files.assoc[0]), cmp_str);
	for (size_t i = 0; i < files.nassoc; i++)
		if (rf2_read(&s, files.assoc[i], rf2_association_cols, 7, -1, rf2_association_row, err) != SV_OK)
			goto out;

	qsort(files.lang, files.nlang, sizeof(files.lang[0]), cmp_str);
	for (size_t i = 0; i < files.nlang; i++)
		if (rf2_lang_of(&s, files.lang[i], err) != SV_OK ||
		    rf2_read(&s, files.lang[i], rf2_language_cols, 7, -1, rf2_language_row, err) != SV_OK)
			goto out;

	edition = rf2_edition(&s);
	snprintf(version, sizeof(version), SV_SYS_SNOMED "/%s/version/%s", edition->id, edition->time);
	concepts = cJSON_CreateArray();
	for (size_t i = 0; i < s.n; i++) {
		struct rf2_concept *c = &s.v[i];
		cJSON *concept = cJSON_CreateObject();

		cJSON_AddItemToArray(concepts, concept);
		cJSON_AddStringToObject(concept, "code", c->id);
		if (c->display)
			cJSON_AddStringToObject(concept, "display", c->display);
		if (c->designation)
			cJSON_AddItemToObject(concept, "designation", c->designation);
		c->designation = NULL;
		if (c->inactive) {
			cJSON *p = cJSON_CreateObject();
			if (!c->property)
				c->property = cJSON_CreateArray();
			cJSON_AddStringToObject(p, "code", "inactive");
			cJSON_AddTrueToObject(p, "valueBoolean");
			cJSON_AddItemToArray(c->property, p);
		}
		if (c->property && cJSON_GetArraySize(c->property) > 0) {
			cJSON_AddItemToObject(concept, "property", c->property);
			c->property = NULL;
		}
	}
	{
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
			.description = "Imported from an RF2 Snapshot: concepts (inactive ones with inactive = "
				       "true), active descriptions as designations (display = fully specified "
				       "name), active is-a rows of the (inferred) relationship file between active "
				       "concepts as parent, its other active rows as properties named by their "
				       "type, active simple refset rows as memberOf, the REPLACED BY, SAME AS, "
				       "POSSIBLY EQUIVALENT TO and ALTERNATIVE associations of inactive concepts "
				       "as replacedBy, sameAs, possiblyEquivalentTo and alternative; language refset "
				       "rows give designations in the file's language, its preferred synonym first.",
		};
		result = sv_imp_codesystem(&meta, concepts);
		concepts = NULL;
		declare_properties(&s, result);
	}
out:
	cJSON_Delete(concepts);
	rf2_files_release(&files);
	rf2_release(&s);
	return result;
}
