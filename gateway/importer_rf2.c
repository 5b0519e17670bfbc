/* importer_rf2.c — the RF2 Snapshot reader the SNOMED CT importer uses (importer_rf2.h): SCTIDs, the
 * files of a release folder, rows streamed line by line, and the hash tables rows are indexed in. */
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

/* Finds the Snapshot files below `dir` (symlinked folders are not followed, to avoid cycles). */
static enum sv_err rf2_find(const char *dir, int depth, struct sv_rf2_files *f, struct sv_error *err)
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
			if (f->ndesc == SV_RF2_MAX_FILES)
				rc = sv_fail(err, SV_EINVAL, "%s: more than %d description files", dir,
					     SV_RF2_MAX_FILES);
			else
				f->desc[f->ndesc++] = sv_xstrdup(path);
			continue;
		} else if (has_prefix_txt(e->d_name, "der2_Refset_SimpleSnapshot")) {
			if (f->nrefset == SV_RF2_MAX_FILES)
				rc = sv_fail(err, SV_EINVAL, "%s: more than %d simple refset files", dir,
					     SV_RF2_MAX_FILES);
			else
				f->refset[f->nrefset++] = sv_xstrdup(path);
			continue;
		} else if (has_prefix_txt(e->d_name, "der2_cRefset_AssociationSnapshot")) {
			if (f->nassoc == SV_RF2_MAX_FILES)
				rc = sv_fail(err, SV_EINVAL, "%s: more than %d association refset files", dir,
					     SV_RF2_MAX_FILES);
			else
				f->assoc[f->nassoc++] = sv_xstrdup(path);
			continue;
		} else if (has_prefix_txt(e->d_name, SV_RF2_LANG_PREFIX)) {
			if (f->nlang == SV_RF2_MAX_FILES)
				rc = sv_fail(err, SV_EINVAL, "%s: more than %d language refset files", dir,
					     SV_RF2_MAX_FILES);
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

/* Returns 1 when f is a UUID in its 8-4-4-4-12 hex form (the id of a refset row). */
enum sv_err sv_rf2_find(const char *dir, struct sv_rf2_files *f, struct sv_error *err)
{
	struct stat st;
	enum sv_err rc;

	memset(f, 0, sizeof(*f));
	if (stat(dir, &st) != 0)
		return sv_fail(err, SV_EIO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sv_fail(err, SV_EIO, "%s: not a folder", dir);
	if ((rc = rf2_find(dir, 0, f, err)) != SV_OK)
		return rc;
	if (!f->concept || !f->ndesc || !f->relationship)
		return sv_fail(err, SV_EINVAL, "%s: no %s file below it", dir,
			       !f->concept ? "sct2_Concept_Snapshot*.txt"
			       : !f->ndesc ? "sct2_Description_Snapshot*.txt"
					   : "sct2_Relationship_Snapshot*.txt");
	qsort(f->desc, f->ndesc, sizeof(f->desc[0]), cmp_str);
	qsort(f->refset, f->nrefset, sizeof(f->refset[0]), cmp_str);
	qsort(f->assoc, f->nassoc, sizeof(f->assoc[0]), cmp_str);
	qsort(f->lang, f->nlang, sizeof(f->lang[0]), cmp_str);
	return SV_OK;
}

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
enum sv_err sv_rf2_read(const char *path, const char *const *cols, size_t ncols, int id_is_concept, sv_rf2_row_fn row,
			void *ctx, struct sv_error *err)
{
	struct sv_lines lr;
	char *line, *f[SV_RF2_MAX_COLS];
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

		got = sv_split_tabs(line, f, SV_RF2_MAX_COLS);
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
		else if ((id_is_concept < 0 || (rc = sv_rf2_id(&lr, f[0], "id", id_is_concept, err)) == SV_OK) &&
			 (rc = sv_rf2_id(&lr, f[3], "moduleId", 1, err)) == SV_OK)
			rc = row(ctx, &lr, f, err);
	}
	if (rc == SV_OK && r < 0)
		rc = SV_EINVAL; /* err holds the detail */
out:
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
