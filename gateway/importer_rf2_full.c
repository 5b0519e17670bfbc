/* importer_rf2_full.c — an RF2 Full file read as the Snapshot it implies (importer_rf2.h): every
 * historical row of every component is in it, and a component's state at the release is its row with
 * the greatest effectiveTime.
 *
 * Two streaming passes, memory linear in the number of components (not of rows): the first checks
 * every row and keeps, per component id, the greatest effectiveTime and the line of the first row that
 * carries it; the second hands exactly those rows to the kind's row handler, in file order, and checks
 * that no other row of an id at that effectiveTime says something else. */
#include "samsvar/importer_rf2.h"
#include "samsvar/strmap.h"

#include <stdlib.h>
#include <string.h>

/* One component: its id (a SCTID in lo, or a UUID's 128 bits), the greatest effectiveTime seen, the
 * line of the first row with it (0: an empty slot) and, in the second pass, that row's hash. */
struct latest {
	uint64_t hi, lo, hash;
	uint32_t time, line;
};

struct latest_map {
	struct latest *v;
	size_t cap, len; /* cap: a power of two, at most 3/4 full */
};

static size_t slot_of(const struct latest_map *m, uint64_t hi, uint64_t lo)
{
	uint64_t k[2] = { hi, lo };

	return (size_t)sv_strhash((const char *)k, sizeof(k)) & (m->cap - 1);
}

/* The slot of (hi, lo), or the empty one where it would go. */
static struct latest *probe(const struct latest_map *m, uint64_t hi, uint64_t lo)
{
	size_t i = slot_of(m, hi, lo);

	while (m->v[i].line && (m->v[i].hi != hi || m->v[i].lo != lo))
		i = (i + 1) & (m->cap - 1);
	return &m->v[i];
}

static void grow(struct latest_map *m)
{
	struct latest *old = m->v;
	size_t oldcap = m->cap;

	m->cap = m->cap ? m->cap * 2 : 4096;
	m->v = sv_xcalloc(m->cap, sizeof(*m->v));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].line)
			*probe(m, old[i].hi, old[i].lo) = old[i];
	free(old);
}

static unsigned hex(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* The key of id field f (checked already: a SCTID, or a UUID when uuid). */
static void key_of(const char *f, int uuid, uint64_t *hi, uint64_t *lo)
{
	*hi = *lo = 0;
	if (!uuid) {
		*lo = sv_rf2_id_num(f);
		return;
	}
	for (int i = 0, n = 0; f[i]; i++) {
		if (f[i] == '-')
			continue;
		if (n++ < 16)
			*hi = *hi << 4 | hex(f[i]);
		else
			*lo = *lo << 4 | hex(f[i]);
	}
}

/* yyyymmdd (checked) as a number: their order is the dates'. */
static uint32_t time_of(const char *f)
{
	uint32_t t = 0;

	for (int i = 0; i < 8; i++)
		t = t * 10 + (uint32_t)(f[i] - '0');
	return t;
}

/* The row `f` (its `len` bytes split in place at tabs) of the first pass: checked, then recorded when
 * it is its id's first row or a later effectiveTime than any before (a row with the same effectiveTime
 * as the one kept is looked at in the second pass). */
static enum sv_err first_pass_row(struct latest_map *m, const struct sv_lines *lr, char **f, int uuid,
				  struct sv_error *err)
{
	struct latest *e;
	uint64_t hi, lo;
	uint32_t t = time_of(f[1]);

	if (lr->lineno >= UINT32_MAX)
		return sv_fail(err, SV_ETOOBIG, "%s:%zu: more than %u lines", lr->path, lr->lineno, UINT32_MAX - 1);
	key_of(f[0], uuid, &hi, &lo);
	if ((m->len + 1) * 4 > m->cap * 3)
		grow(m);
	e = probe(m, hi, lo);
	if (!e->line) {
		*e = (struct latest){ hi, lo, 0, t, (uint32_t)lr->lineno };
		m->len++;
	} else if (t > e->time) {
		e->time = t;
		e->line = (uint32_t)lr->lineno;
	}
	return SV_OK;
}

/* The row of the second pass: the kept row of its id goes to `row`; another row with the same
 * effectiveTime must be the same row. */
static enum sv_err second_pass_row(struct latest_map *m, const struct sv_lines *lr, char **f, const char *line,
				   size_t len, int uuid, sv_rf2_row_fn row, void *ctx, size_t *handed,
				   struct sv_error *err)
{
	struct latest *e;
	uint64_t hi, lo;

	key_of(f[0], uuid, &hi, &lo);
	e = probe(m, hi, lo);
	if (!e->line)
		return sv_fail(err, SV_EINVAL, "%s:%zu: id %.40s was not there when the file was first read: the file "
			       "changed while it was imported", lr->path, lr->lineno, f[0]);
	if (e->line == lr->lineno) {
		e->hash = sv_strhash(line, len);
		(*handed)++;
		return row(ctx, lr, f, err);
	}
	/* A later row of the kept effectiveTime (an earlier one would have been kept): the first such row
	 * wins, and any other must repeat it byte for byte (the bytes after the split hold the same fields). */
	if (time_of(f[1]) == e->time && lr->lineno > e->line && sv_strhash(line, len) != e->hash)
		return sv_fail(err, SV_EINVAL, "%s:%zu: %.40s has two rows of effectiveTime %.8s that differ (lines %u "
			       "and %zu): a Full file must not contradict itself", lr->path, lr->lineno, f[0], f[1],
			       e->line, lr->lineno);
	return SV_OK;
}

/* One pass over `path`: the first (row == NULL) checks every row with the shared checks and `check`
 * and fills m; the second hands the kept rows to `row`. */
static enum sv_err full_pass(const char *path, const char *const *cols, size_t ncols, int id_is_concept,
			     sv_rf2_row_fn check, sv_rf2_row_fn row, void *ctx, struct latest_map *m,
			     struct sv_error *err)
{
	struct sv_lines lr;
	char *line, *f[SV_RF2_MAX_COLS];
	size_t len, handed = 0;
	enum sv_err rc = sv_rf2_open(&lr, path, cols, ncols, err);
	int r = 0;

	while (rc == SV_OK && (r = sv_lines_next(&lr, &line, &len, err)) == 1) {
		size_t got = sv_split_tabs(line, f, SV_RF2_MAX_COLS);

		if ((rc = sv_rf2_check_shared(&lr, f, got, ncols, id_is_concept, err)) != SV_OK)
			break;
		if (!row) {
			if ((rc = check(ctx, &lr, f, err)) == SV_OK)
				rc = first_pass_row(m, &lr, f, id_is_concept < 0, err);
		} else {
			rc = second_pass_row(m, &lr, f, line, len, id_is_concept < 0, row, ctx, &handed, err);
		}
	}
	if (rc == SV_OK && r < 0)
		rc = SV_EINVAL; /* err holds the detail */
	if (rc == SV_OK && row && handed != m->len)
		rc = sv_fail(err, SV_EINVAL, "%s: %zu of its %zu components were not found again: the file changed "
			     "while it was imported", path, m->len - handed, m->len);
	sv_lines_close(&lr);
	return rc;
}

enum sv_err sv_rf2_read_full(const char *path, const char *const *cols, size_t ncols, int id_is_concept,
			     sv_rf2_row_fn check, sv_rf2_row_fn row, void *ctx, struct sv_error *err)
{
	struct latest_map m = { NULL, 0, 0 };
	enum sv_err rc;

	grow(&m);
	rc = full_pass(path, cols, ncols, id_is_concept, check, NULL, ctx, &m, err);
	if (rc == SV_OK)
		rc = full_pass(path, cols, ncols, id_is_concept, check, row, ctx, &m, err);
	free(m.v);
	return rc;
}
