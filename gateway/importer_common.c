/* importer_common.c — the line reader and CodeSystem shape shared by the importers (importer_common.h). */
#include "samsvar/importer_common.h"
#include "samsvar/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Fails with SV_EIO unless `path` is a readable regular file, SV_ETOOBIG when over `max` bytes. */
enum sv_err sv_imp_check_file(const char *path, uint64_t max, struct sv_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return sv_fail(err, SV_EIO, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sv_fail(err, SV_EIO, "%s: not a regular file", path);
	if ((uint64_t)st.st_size > max)
		return sv_fail(err, SV_ETOOBIG, "%s: %lld bytes, over the import cap of %llu bytes", path,
			       (long long)st.st_size, (unsigned long long)max);
	return SV_OK;
}



enum sv_err sv_lines_open(struct sv_lines *lr, const char *path, uint64_t max, struct sv_error *err)
{
	enum sv_err rc;

	memset(lr, 0, sizeof(*lr));
	lr->path = path;
	rc = sv_imp_check_file(path, max, err);
	if (rc != SV_OK)
		return rc;
	lr->f = fopen(path, "r");
	if (!lr->f)
		return sv_fail(err, SV_EIO, "%s: %s", path, strerror(errno));
	return SV_OK;
}

void sv_lines_close(struct sv_lines *lr)
{
	if (lr->f)
		fclose(lr->f);
	free(lr->buf);
	memset(lr, 0, sizeof(*lr));
}

/* Returns 1 with *line set (NUL-terminated, writable), 0 at end of file, -1 with err set. */
int sv_lines_next(struct sv_lines *lr, char **line, size_t *len, struct sv_error *err)
{
	ssize_t n;
	char *s;

	errno = 0;
	n = getline(&lr->buf, &lr->cap, lr->f);
	if (n < 0) {
		if (ferror(lr->f)) {
			sv_fail(err, SV_EIO, "%s:%zu: %s", lr->path, lr->lineno + 1, strerror(errno));
			return -1;
		}
		return 0;
	}
	lr->lineno++;
	s = lr->buf;
	if ((size_t)n > SV_IMPORT_MAX_LINE) {
		sv_fail(err, SV_EINVAL, "%s:%zu: line longer than %zu bytes", lr->path, lr->lineno, SV_IMPORT_MAX_LINE);
		return -1;
	}
	if (memchr(s, '\0', (size_t)n)) {
		sv_fail(err, SV_EINVAL, "%s:%zu: NUL byte in line", lr->path, lr->lineno);
		return -1;
	}
	if (lr->lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	*line = s;
	*len = (size_t)n;
	return 1;
}

/* Splits `line` in place at tabs; stores up to `max` fields; returns how many fields there are. */
size_t sv_split_tabs(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		char *tab = strchr(p, '\t');
		if (n < max)
			fields[n] = p;
		n++;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

/* Checks a header row against the expected column names; fails with file:line. */
enum sv_err sv_imp_check_header(struct sv_lines *lr, char *line, const char *const *names, size_t n,
				struct sv_error *err)
{
	char *f[16];
	size_t got = sv_split_tabs(line, f, 16);

	if (got != n)
		return sv_fail(err, SV_EINVAL, "%s:%zu: header has %zu columns, expected %zu (%s ...)",
			       lr->path, lr->lineno, got, n, names[0]);
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i], names[i]) != 0)
			return sv_fail(err, SV_EINVAL, "%s:%zu: header column %zu is '%s', expected '%s'",
				       lr->path, lr->lineno, i + 1, f[i], names[i]);
	return SV_OK;
}

cJSON *sv_imp_codesystem(const struct sv_cs_meta *m, cJSON *concepts)
{
	cJSON *cs = cJSON_CreateObject(), *props, *p;

	cJSON_AddStringToObject(cs, "resourceType", "CodeSystem");
	if (m->language)
		cJSON_AddStringToObject(cs, "language", m->language);
	cJSON_AddStringToObject(cs, "url", m->url);
	cJSON_AddStringToObject(cs, "version", m->version);
	cJSON_AddStringToObject(cs, "name", m->name);
	cJSON_AddStringToObject(cs, "title", m->title);
	cJSON_AddStringToObject(cs, "status", "active");
	if (m->publisher)
		cJSON_AddStringToObject(cs, "publisher", m->publisher);
	if (m->description)
		cJSON_AddStringToObject(cs, "description", m->description);
	if (m->copyright)
		cJSON_AddStringToObject(cs, "copyright", m->copyright);
	cJSON_AddBoolToObject(cs, "caseSensitive", 1);
	cJSON_AddStringToObject(cs, "hierarchyMeaning", "is-a");
	cJSON_AddStringToObject(cs, "content", m->content);
	props = cJSON_AddArrayToObject(cs, "property");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "code", "parent");
	cJSON_AddStringToObject(p, "uri", "http://hl7.org/fhir/concept-properties#parent");
	cJSON_AddStringToObject(p, "description", "An immediate is-a parent of the concept");
	cJSON_AddStringToObject(p, "type", "code");
	cJSON_AddItemToArray(props, p);
	cJSON_AddNumberToObject(cs, "count", cJSON_GetArraySize(concepts));
	cJSON_AddItemToObject(cs, "concept", concepts);
	return cs;
}

cJSON *sv_imp_designation_new(const char *language, const char *use_system, const char *use_code,
			      const char *use_display, const char *value)
{
	cJSON *d = cJSON_CreateObject();

	if (language)
		cJSON_AddStringToObject(d, "language", language);
	if (use_code) {
		cJSON *use = cJSON_AddObjectToObject(d, "use");
		cJSON_AddStringToObject(use, "system", use_system);
		cJSON_AddStringToObject(use, "code", use_code);
		if (use_display)
			cJSON_AddStringToObject(use, "display", use_display);
	}
	cJSON_AddStringToObject(d, "value", value);
	return d;
}

/* Appends a `parent` property (valueCode) to the concept property array `props`. */
void sv_imp_add_parent(cJSON *props, const char *parent)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "code", "parent");
	cJSON_AddStringToObject(p, "valueCode", parent);
	cJSON_AddItemToArray(props, p);
}
