/* rulefile.c — the line reader of criteria and case-mix files (rulefile.h). */
#include "samsvar/rulefile.h"
#include "samsvar/text.h"
#include "samsvar/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sv_err sv_rulefile_fail(struct sv_rulefile *rf, enum sv_err code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sv_fail(rf->err, code, "%.100s:%d: %s", rf->file, rf->line, msg);
}

void sv_rulefile_meta_release(struct sv_rulefile_meta *m)
{
	char **f[] = {&m->kind, &m->url, &m->version, &m->name, &m->status, &m->title, &m->publisher,
		      &m->description, &m->date, &m->copyright, &m->document, &m->hours, &m->source};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		free(*f[i]);
		*f[i] = NULL;
	}
}

/* The metadata keys and where each goes; NULL slot = checked only (@resourceType). */
static char **meta_slot(struct sv_rulefile_meta *m, const char *key, int *known)
{
	static const char *const KEYS[] = {"kind", "url", "version", "name", "status", "title", "publisher",
					   "description", "date", "copyright", "document", "hours", "source"};
	char **slots[] = {&m->kind, &m->url, &m->version, &m->name, &m->status, &m->title, &m->publisher,
			  &m->description, &m->date, &m->copyright, &m->document, &m->hours, &m->source};

	*known = 1;
	for (size_t i = 0; i < sizeof(KEYS) / sizeof(KEYS[0]); i++)
		if (strcmp(key, KEYS[i]) == 0)
			return slots[i];
	*known = strcmp(key, "resourceType") == 0;
	return NULL;
}

static enum sv_err on_meta(struct sv_rulefile *rf, struct sv_rulefile_meta *m, char *line, int first,
			   const char *kind)
{
	static const char *const STATUS[] = {"draft", "active", "retired", "unknown"};
	char *tab = strchr(line, '\t'), *key = line + 1, *val;
	char **slot;
	int known, ok = 0;

	if (!tab)
		return sv_rulefile_fail(rf, SV_EINVAL, "metadata line needs @key<TAB>value");
	*tab = '\0';
	val = sv_trim(tab + 1);
	slot = meta_slot(m, key, &known);
	if (!known)
		return sv_rulefile_fail(rf, SV_EINVAL, "unknown metadata key @%.60s", key);
	if (first != (strcmp(key, "resourceType") == 0))
		return sv_rulefile_fail(rf, SV_EINVAL, "the first metadata line must be @resourceType Library");
	if (!*val)
		return sv_rulefile_fail(rf, SV_EINVAL, "@%s has an empty value", key);
	if (!slot)
		return strcmp(val, "Library") == 0 ? SV_OK : sv_rulefile_fail(rf, SV_EINVAL, "@resourceType is "
				"%.40s; a criteria or case-mix file is a Library", val);
	if (*slot)
		return sv_rulefile_fail(rf, SV_EINVAL, "@%s is given twice", key);
	if (slot == &m->kind && strcmp(val, kind) != 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "@kind is %.40s, expected %s", val, kind);
	if (slot == &m->status) {
		for (size_t i = 0; i < sizeof(STATUS) / sizeof(STATUS[0]); i++)
			ok |= strcmp(val, STATUS[i]) == 0;
		if (!ok)
			return sv_rulefile_fail(rf, SV_EINVAL, "@status %.40s is not draft, active, retired or "
						"unknown", val);
	}
	if (slot == &m->hours && strcmp(val, "placeholder") != 0 && strcmp(val, "measured") != 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "@hours is placeholder or measured, not %.40s", val);
	if (slot == &m->url && strchr(val, '|'))
		return sv_rulefile_fail(rf, SV_EINVAL, "@url must not contain '|' (the version goes in @version)");
	*slot = sv_xstrdup(val);
	return SV_OK;
}

static enum sv_err on_columns(struct sv_rulefile *rf, const struct sv_rulefile_meta *m, char *line,
			      const char *const *columns, int ncols)
{
	const char *missing = !m->kind ? "@kind" : !m->url ? "@url" : !m->version ? "@version" :
			      !m->name ? "@name" : !m->status ? "@status" : !m->document ? "@document" : NULL;
	char *p = line;

	if (missing)
		return sv_rulefile_fail(rf, SV_EINVAL, "%s is required before the column line", missing);
	for (int i = 0; i < ncols; i++) {
		char *tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		if (strcmp(sv_trim(p), columns[i]) != 0)
			return sv_rulefile_fail(rf, SV_EINVAL, "column %d is '%.40s', expected '%s' (the columns are "
						"fixed, in order)", i + 1, sv_trim(p), columns[i]);
		if (!tab && i + 1 < ncols)
			return sv_rulefile_fail(rf, SV_EINVAL, "the column line has %d columns, expected %d", i + 1,
						ncols);
		p = tab ? tab + 1 : p + strlen(p);
		if (tab && i + 1 == ncols)
			return sv_rulefile_fail(rf, SV_EINVAL, "the column line has more than %d columns", ncols);
	}
	return SV_OK;
}

static enum sv_err on_row(struct sv_rulefile *rf, char *line, int ncols, sv_rulefile_row_fn row, void *ctx)
{
	char *cells[SV_RULEFILE_MAX_COLS];
	char *p = line;
	int n = 0;

	for (;;) {
		char *tab = strchr(p, '\t');
		if (n == ncols)
			return sv_rulefile_fail(rf, SV_EINVAL, "the row has more than %d cells", ncols);
		if (tab)
			*tab = '\0';
		cells[n++] = sv_trim(p);
		if (!tab)
			break;
		p = tab + 1;
	}
	if (n != ncols)
		return sv_rulefile_fail(rf, SV_EINVAL, "the row has %d cells, expected %d", n, ncols);
	return row(ctx, rf, cells);
}

static int control_free(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return 0;
	return 1;
}

enum sv_err sv_rulefile_parse(const char *file, const char *text, size_t len, const char *kind,
			      const char *const *columns, int ncols, sv_rulefile_row_fn row, void *ctx,
			      struct sv_rulefile_meta *meta, struct sv_error *err)
{
	struct sv_rulefile rf = {file, 0, err};
	char line[SV_RULEFILE_MAX_LINE + 1];
	size_t pos = 0;
	int nmeta = 0, have_cols = 0;
	enum sv_err rc = SV_OK;

	if (len > SV_RULEFILE_MAX_TEXT)
		return sv_rulefile_fail(&rf, SV_ETOOBIG, "the file is larger than %d bytes", SV_RULEFILE_MAX_TEXT);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len && rc == SV_OK) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		rf.line++;
		if (n > SV_RULEFILE_MAX_LINE)
			return sv_rulefile_fail(&rf, SV_ETOOBIG, "line is longer than %d bytes", SV_RULEFILE_MAX_LINE);
		memcpy(line, text + pos, n);
		pos += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		line[n] = '\0';
		if (!sv_utf8_valid(line, n) || !control_free(line, n))
			return sv_rulefile_fail(&rf, SV_EINVAL, "invalid UTF-8, NUL or control character");
		if (line[strspn(line, " \t")] == '\0' || line[0] == '#')
			continue;
		if (line[0] == '@')
			rc = have_cols ? sv_rulefile_fail(&rf, SV_EINVAL, "metadata line after the column line")
				       : on_meta(&rf, meta, line, nmeta++ == 0, kind);
		else if (!have_cols && nmeta == 0)
			rc = sv_rulefile_fail(&rf, SV_EINVAL, "the file must start with @resourceType Library");
		else if (!have_cols && ++have_cols)
			rc = on_columns(&rf, meta, line, columns, ncols);
		else
			rc = on_row(&rf, line, ncols, row, ctx);
	}
	if (rc == SV_OK && !have_cols)
		rc = sv_rulefile_fail(&rf, SV_EINVAL, "no column line (expected %s ...)", columns[0]);
	return rc;
}

int sv_rulefile_lines(const char *text, size_t len)
{
	int n = 0;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n + (len && text[len - 1] != '\n');
}

void sv_rulefile_kind(const char *text, size_t len, char *kind, size_t cap)
{
	size_t pos = 0;

	kind[0] = '\0';
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		const char *l = text + pos;
		pos += n + 1;
		if (n && l[0] != '#' && l[0] != '@' && l[0] != '\r')
			return;   /* the column line: no @kind before it */
		if (n > 6 && memcmp(l, "@kind\t", 6) == 0) {
			size_t k = n - 6;
			while (k && (l[6 + k - 1] == '\r' || l[6 + k - 1] == ' '))
				k--;
			snprintf(kind, cap, "%.*s", (int)k, l + 6);
			return;
		}
	}
}

int sv_rulefile_score_range(const char *s, int *lo, int *hi)
{
	if (s[0] >= '1' && s[0] <= '5' && s[1] == '\0') {
		*lo = *hi = s[0] - '0';
		return 1;
	}
	if (s[0] >= '1' && s[0] <= '5' && s[1] == '-' && s[2] >= '1' && s[2] <= '5' && s[3] == '\0' && s[0] <= s[2]) {
		*lo = s[0] - '0';
		*hi = s[2] - '0';
		return 1;
	}
	return 0;
}

int sv_rulefile_variables(const char *s, unsigned char *vars, int cap)
{
	unsigned seen = 0;
	const char *item;
	size_t n;
	int count = 0;

	while ((item = sv_list_next(&s, &n)) != NULL) {
		int v = 0;
		if (n == 0 || n > 2 || count == cap)
			return -1;
		for (size_t i = 0; i < n; i++) {
			if (item[i] < '0' || item[i] > '9')
				return -1;
			v = v * 10 + (item[i] - '0');
		}
		if (v < 1 || v > 20 || (seen & (1u << v)))
			return -1;
		seen |= 1u << v;
		vars[count++] = (unsigned char)v;
	}
	return count ? count : -1;
}
