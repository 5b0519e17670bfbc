/* importer_rf2.c — the RF2 reader the SNOMED CT importer uses (importer_rf2.h): SCTIDs, the files of a
 * release folder (Snapshot, or Full for a kind without one), rows streamed line by line, and the hash
 * tables rows are indexed in. Full files are read as their latest state by importer_rf2_full.c. */
#include "samsvar/importer_rf2.h"
#include "samsvar/strmap.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_RF2_FILE ((uint64_t)8 << 30) /* an RF2 file larger than this is not a release */
#define MAX_DIR_DEPTH 8

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
const char *sv_rf2_sctid_why(const char *s, size_t n, int concept)
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

void sv_rf2_files_release(struct sv_rf2_files *f)
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

enum sv_err sv_rf2_id(const struct sv_lines *lr, const char *f, const char *col, int concept, struct sv_error *err)
{
	const char *why = sv_rf2_sctid_why(f, strlen(f), concept);

	if (why)
		return sv_fail(err, SV_EINVAL, "%s:%zu: %s '%.32s': %s", lr->path, lr->lineno, col, f, why);
	return SV_OK;
}

uint64_t sv_rf2_id_num(const char *s)
{
	uint64_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
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

/* 1 when file `name` starts with kind + type + tail and ends in .txt (sct2_Concept_ + Full + ""). */
static int is_kind(const char *name, const char *kind, const char *type, const char *tail)
{
	char p[64];

	snprintf(p, sizeof(p), "%s%s%s", kind, type, tail);
	return has_prefix_txt(name, p);
}

/* Adds `path` to list v (n entries) of kind `what`. */
static enum sv_err add_path(char **v, size_t *n, const char *path, const char *dir, const char *what,
			    struct sv_error *err)
{
	if (*n == SV_RF2_MAX_FILES)
		return sv_fail(err, SV_EINVAL, "%s: more than %d %s files", dir, SV_RF2_MAX_FILES, what);
	v[(*n)++] = sv_xstrdup(path);
	return SV_OK;
}

/* Puts file `name` (at `path`) in f when it is one of the kinds read, of release type `type` ("Snapshot"
 * or "Full"; a kind's type follows its name, as in sct2_Concept_Full_INT_20240101.txt). */
static enum sv_err rf2_take(const char *dir, const char *name, const char *path, const char *type,
			    struct sv_rf2_files *f, struct sv_error *err)
{
	char **slot = NULL;

	if (is_kind(name, "sct2_Concept_", type, ""))
		slot = &f->concept;
	else if (is_kind(name, "sct2_Relationship_", type, ""))
		slot = &f->relationship;
	else if (is_kind(name, "sct2_Description_", type, ""))
		return add_path(f->desc, &f->ndesc, path, dir, "description", err);
	else if (is_kind(name, "der2_Refset_Simple", type, ""))
		return add_path(f->refset, &f->nrefset, path, dir, "simple refset", err);
	else if (is_kind(name, "der2_cRefset_Association", type, ""))
		return add_path(f->assoc, &f->nassoc, path, dir, "association refset", err);
	else if (is_kind(name, "der2_cRefset_Language", type, "-"))
		return add_path(f->lang, &f->nlang, path, dir, "language refset", err);
	else
		return SV_OK;
	if (*slot)
		return sv_fail(err, SV_EINVAL, "two RF2 files of one kind: %s and %s", *slot, path);
	*slot = sv_xstrdup(path);
	return SV_OK;
}

/* Finds the Snapshot files (into snap) and the Full ones (into full) below `dir`; symlinked folders
 * are not followed, to avoid cycles. */
static enum sv_err rf2_find(const char *dir, int depth, struct sv_rf2_files *snap, struct sv_rf2_files *full,
			    struct sv_error *err)
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

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rc = rf2_find(path, depth + 1, snap, full, err);
		else if ((rc = rf2_take(dir, e->d_name, path, "Snapshot", snap, err)) == SV_OK)
			rc = rf2_take(dir, e->d_name, path, "Full", full, err);
	}
	closedir(d);
	return rc;
}

/* Moves list `from` (n_from paths) into `to` when `to` is empty, setting `bit` in *bits; frees it
 * otherwise. */
static void prefer(char **to, size_t *n_to, char **from, size_t *n_from, unsigned bit, unsigned *bits)
{
	if (*n_to == 0 && *n_from) {
		memcpy(to, from, *n_from * sizeof(*from));
		*n_to = *n_from;
		*bits |= bit;
	} else {
		for (size_t i = 0; i < *n_from; i++)
			free(from[i]);
	}
	*n_from = 0;
}

enum sv_err sv_rf2_find(const char *dir, struct sv_rf2_files *f, struct sv_error *err)
{
	struct stat st;
	struct sv_rf2_files full;
	size_t one_to, one_from;
	enum sv_err rc;

	memset(f, 0, sizeof(*f));
	memset(&full, 0, sizeof(full));
	if (stat(dir, &st) != 0)
		return sv_fail(err, SV_EIO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sv_fail(err, SV_EIO, "%s: not a folder", dir);
	rc = rf2_find(dir, 0, f, &full, err);
	/* Per kind, a Snapshot file wins over the Full ones: a release zip holds both folders, the Snapshot
	 * is their latest state already and much smaller, and reading both would count every component twice.
	 * So a Full file is only read for a kind the folder has no Snapshot file of. */
	one_to = f->concept != NULL, one_from = full.concept != NULL;
	prefer(&f->concept, &one_to, &full.concept, &one_from, SV_RF2_FULL_CONCEPT, &f->full);
	one_to = f->relationship != NULL, one_from = full.relationship != NULL;
	prefer(&f->relationship, &one_to, &full.relationship, &one_from, SV_RF2_FULL_RELATIONSHIP, &f->full);
	prefer(f->desc, &f->ndesc, full.desc, &full.ndesc, SV_RF2_FULL_DESCRIPTION, &f->full);
	prefer(f->refset, &f->nrefset, full.refset, &full.nrefset, SV_RF2_FULL_REFSET, &f->full);
	prefer(f->assoc, &f->nassoc, full.assoc, &full.nassoc, SV_RF2_FULL_ASSOCIATION, &f->full);
	prefer(f->lang, &f->nlang, full.lang, &full.nlang, SV_RF2_FULL_LANGUAGE, &f->full);
	if (rc != SV_OK)
		return rc;
	if (!f->concept || !f->ndesc || !f->relationship)
		return sv_fail(err, SV_EINVAL, "%s: no %s file below it", dir,
			       !f->concept ? "sct2_Concept_Snapshot*.txt (nor sct2_Concept_Full*.txt)"
			       : !f->ndesc ? "sct2_Description_Snapshot*.txt (nor sct2_Description_Full*.txt)"
					   : "sct2_Relationship_Snapshot*.txt (nor sct2_Relationship_Full*.txt)");
	qsort(f->desc, f->ndesc, sizeof(f->desc[0]), cmp_str);
	qsort(f->refset, f->nrefset, sizeof(f->refset[0]), cmp_str);
	qsort(f->assoc, f->nassoc, sizeof(f->assoc[0]), cmp_str);
	qsort(f->lang, f->nlang, sizeof(f->lang[0]), cmp_str);
	return SV_OK;
}

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

enum sv_err sv_rf2_check_shared(const struct sv_lines *lr, char **f, size_t got, size_t ncols, int id_is_concept,
				struct sv_error *err)
{
	enum sv_err rc = SV_OK;

	if (got != ncols)
		return sv_fail(err, SV_EINVAL, "%s:%zu: %zu columns, expected %zu", lr->path, lr->lineno, got, ncols);
	if (strlen(f[1]) != 8 || strspn(f[1], "0123456789") != 8)
		return sv_fail(err, SV_EINVAL, "%s:%zu: effectiveTime '%.16s' is not yyyymmdd", lr->path, lr->lineno,
			       f[1]);
	if (strcmp(f[2], "0") != 0 && strcmp(f[2], "1") != 0)
		return sv_fail(err, SV_EINVAL, "%s:%zu: active '%.16s' is not 0 or 1", lr->path, lr->lineno, f[2]);
	if (id_is_concept < 0 && !is_uuid(f[0]))
		return sv_fail(err, SV_EINVAL, "%s:%zu: id '%.40s' is not a UUID", lr->path, lr->lineno, f[0]);
	if (id_is_concept >= 0)
		rc = sv_rf2_id(lr, f[0], "id", id_is_concept, err);
	if (rc == SV_OK)
		rc = sv_rf2_id(lr, f[3], "moduleId", 1, err);
	return rc;
}

enum sv_err sv_rf2_open(struct sv_lines *lr, const char *path, const char *const *cols, size_t ncols,
			struct sv_error *err)
{
	char *line;
	size_t len;
	enum sv_err rc = sv_lines_open(lr, path, MAX_RF2_FILE, err);
	int r;

	if (rc != SV_OK)
		return rc;
	r = sv_lines_next(lr, &line, &len, err);
	if (r <= 0)
		return r < 0 ? SV_EINVAL : sv_fail(err, SV_EINVAL, "%s: empty file, expected a header row", path);
	return sv_imp_check_header(lr, line, cols, ncols, err);
}

/* Streams one RF2 file: checks its header against `cols`, every row's column count and shared
 * columns, then hands the row to `row`. `id_is_concept` says whether the id column names concepts
 * (1), other components (0), or is a refset row's UUID (-1). */
enum sv_err sv_rf2_read(const char *path, const char *const *cols, size_t ncols, int id_is_concept, sv_rf2_row_fn row,
			void *ctx, struct sv_error *err)
{
	struct sv_lines lr;
	char *line, *f[SV_RF2_MAX_COLS];
	size_t len, got;
	enum sv_err rc = sv_rf2_open(&lr, path, cols, ncols, err);
	int r = 0;

	while (rc == SV_OK && (r = sv_lines_next(&lr, &line, &len, err)) == 1) {
		got = sv_split_tabs(line, f, SV_RF2_MAX_COLS);
		if ((rc = sv_rf2_check_shared(&lr, f, got, ncols, id_is_concept, err)) == SV_OK)
			rc = row(ctx, &lr, f, err);
	}
	if (rc == SV_OK && r < 0)
		rc = SV_EINVAL; /* err holds the detail */
	sv_lines_close(&lr);
	return rc;
}


/* ---- hash table ----------------------------------------------------------------------------- */

void sv_rf2_map_init(struct sv_rf2_map *m)
{
	memset(m, 0, sizeof(*m));
}

void sv_rf2_map_release(struct sv_rf2_map *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static size_t slot_of(const struct sv_rf2_map *m, uint64_t a, uint64_t b, uint32_t c)
{
	uint64_t k[3] = { a, b, c };

	return (size_t)sv_strhash((const char *)k, sizeof(k)) & (m->cap - 1);
}

/* The slot holding (a, b, c), or the empty one where it would go. */
static struct sv_rf2_key *probe(const struct sv_rf2_map *m, uint64_t a, uint64_t b, uint32_t c)
{
	size_t i = slot_of(m, a, b, c);

	for (;;) {
		struct sv_rf2_key *k = &m->v[i];
		if (k->val == UINT32_MAX || (k->a == a && k->b == b && k->c == c))
			return k;
		i = (i + 1) & (m->cap - 1);
	}
}

static void grow_map(struct sv_rf2_map *m)
{
	struct sv_rf2_key *old = m->v;
	size_t oldcap = m->cap;

	m->cap = m->cap ? m->cap * 2 : 4096;
	m->v = sv_xmalloc(m->cap * sizeof(*m->v));
	for (size_t i = 0; i < m->cap; i++)
		m->v[i].val = UINT32_MAX;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].val != UINT32_MAX)
			*probe(m, old[i].a, old[i].b, old[i].c) = old[i];
	free(old);
}

int sv_rf2_map_put(struct sv_rf2_map *m, uint64_t a, uint64_t b, uint32_t c, uint32_t val, uint32_t *old)
{
	struct sv_rf2_key *k;

	if ((m->len + 1) * 2 > m->cap)
		grow_map(m);
	k = probe(m, a, b, c);
	if (k->val != UINT32_MAX) {
		if (old)
			*old = k->val;
		return 0;
	}
	*k = (struct sv_rf2_key){ a, b, c, val };
	m->len++;
	return 1;
}

int sv_rf2_map_get(const struct sv_rf2_map *m, uint64_t a, uint64_t b, uint32_t c, uint32_t *val)
{
	const struct sv_rf2_key *k;

	if (!m->cap)
		return 0;
	k = probe(m, a, b, c);
	if (k->val == UINT32_MAX)
		return 0;
	*val = k->val;
	return 1;
}
