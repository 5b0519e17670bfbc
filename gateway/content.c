/* content.c — the bundled terminology content (the .tsv files in mappings/) read into FHIR R4 resources.
 *
 * Each file is one resource: `@key<TAB>value` metadata lines, one column line, then one row per code, per
 * mapping or per included code (mappings/README.md is the reference). The files are written and reviewed by
 * people, so the reader is strict: an unknown key, column, equivalence or flag, a row with the wrong number of
 * cells, or a map code missing from a bundled CodeSystem fails the whole load with file:line.
 *
 * This file reads a file's metadata and column line and loads a directory; the rows of each resource type
 * are read in content_rows.c. */
#include "samsvar/content.h"
#include "samsvar/content_rows.h"
#include "samsvar/text.h"
#include "samsvar/canonical.h"
#include "samsvar/icf_rule.h"
#include "samsvar/file.h"
#include "samsvar/library.h"
#include "samsvar/strmap.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONTENT_MAX_FILE (4L * 1024 * 1024) /* bytes per file */
#define CONTENT_MAX_LINE (64 * 1024)        /* bytes per line, newline excluded */
#define CONTENT_MAX_FILES 1024
#define CONTENT_MAX_BASE 1024

static const char PARENT_URI[] = "http://hl7.org/fhir/concept-properties#parent";

/* ---------------------------------------------------------------- helpers shared with content_rows.c */

uint32_t sv_content_vec_push(struct vec *x, void *p)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->v = sv_xrealloc(x->v, x->cap * sizeof(*x->v));
	}
	x->v[x->n] = p;
	return (uint32_t)x->n++;
}

char *sv_content_concat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = sv_xmalloc(la + lb + lc + 1);

	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

char *sv_content_pair_key(const char *a, const char *b)
{
	return sv_content_concat3(a, "\x1f", b);
}

bool sv_content_one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

enum sv_err sv_content_fail(struct doc *d, enum sv_err code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sv_fail(d->err, code, "%s:%ld: %s", d->path, d->line, msg);
}

/* True if the line is valid UTF-8 without NUL or control characters other than TAB. */
static bool text_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return false;
			i++;
			continue;
		}
		size_t k;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* ---------------------------------------------------------------- the format's vocabulary */

static const char *const meta_names[M_COUNT] = {
	"resourceType", "url", "version", "name", "title", "status", "experimental", "date", "publisher",
	"description", "purpose", "copyright", "source", "content", "language", "sourceScope", "targetScope",
	"qualifierMap",
};

/* Names of the columns; the two ending in ':' take a suffix (designation:en, property:range). */
static const char *const col_names[C_NCOLS] = {
	"code", "display", "parent", "definition", "designation:", "property:", "source_system", "source_code",
	"source_display", "target_system", "target_code", "target_display", "equivalence", "depends_on",
	"product", "comment", "flags", "system", "qualifier",
};

#define BIT(c) (1u << (c))
static const unsigned cols_allowed[] = {
	[RT_CODESYSTEM] = BIT(C_CODE) | BIT(C_DISPLAY) | BIT(C_PARENT) | BIT(C_DEFINITION) | BIT(C_DESIGNATION) |
			  BIT(C_PROPERTY),
	[RT_CONCEPTMAP] = BIT(C_SOURCE_SYSTEM) | BIT(C_SOURCE_CODE) | BIT(C_SOURCE_DISPLAY) | BIT(C_TARGET_SYSTEM) |
			  BIT(C_TARGET_CODE) | BIT(C_TARGET_DISPLAY) | BIT(C_EQUIVALENCE) | BIT(C_DEPENDS_ON) |
			  BIT(C_PRODUCT) | BIT(C_COMMENT) | BIT(C_FLAGS) | BIT(C_QUALIFIER),
	[RT_VALUESET] = BIT(C_SYSTEM) | BIT(C_CODE) | BIT(C_DISPLAY),
};
static const unsigned cols_required[] = {
	[RT_CODESYSTEM] = BIT(C_CODE) | BIT(C_DISPLAY),
	[RT_CONCEPTMAP] = BIT(C_SOURCE_SYSTEM) | BIT(C_SOURCE_CODE) | BIT(C_TARGET_SYSTEM) | BIT(C_TARGET_CODE) |
			  BIT(C_EQUIVALENCE) | BIT(C_COMMENT),
	[RT_VALUESET] = BIT(C_SYSTEM),
};

static void doc_release(struct doc *d)
{
	for (int i = 0; i < M_COUNT; i++)
		free(d->meta[i]);
	free(d->header);
	cJSON_Delete(d->res);
	sv_strmap_release(&d->codes);
	free(d->incs.v);
	sv_strmap_release(&d->groups);
	for (size_t i = 0; i < d->grps.n; i++) {
		struct group *g = d->grps.v[i];
		sv_strmap_release(&g->by_code);
		free(g->els.v);
		free(g->key);
		free(g);
	}
	free(d->grps.v);
	for (size_t i = 0; i < d->nparents; i++)
		free(d->parents[i].code);
	free(d->parents);
}

/* In place: \n, \t and \\ in a metadata value become newline, tab and backslash. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && (s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
			s++;
			*o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : '\\';
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* ---------------------------------------------------------------- metadata and column line */

static enum sv_err on_meta(struct doc *d, char *line)
{
	char *tab = strchr(line, '\t');
	if (!tab)
		return sv_content_fail(d, SV_EINVAL, "metadata line needs @key<TAB>value");
	*tab = '\0';
	const char *key = line + 1;
	int k = 0;
	while (k < M_COUNT && strcmp(meta_names[k], key) != 0)
		k++;
	if (k == M_COUNT)
		return sv_content_fail(d, SV_EINVAL, "unknown metadata key @%s", key);
	if (d->meta[k])
		return sv_content_fail(d, SV_EINVAL, "@%s given twice", key);
	if (k != M_RESOURCETYPE && d->type == RT_NONE)
		return sv_content_fail(d, SV_EINVAL, "the first metadata line must be @resourceType");
	char *raw = tab + 1;
	unescape(raw);
	if (!*sv_trim(raw))
		return sv_content_fail(d, SV_EINVAL, "@%s has an empty value", key);
	d->meta[k] = sv_base_subst(sv_trim(raw), d->base);
	const char *v = d->meta[k];

	switch ((enum meta)k) {
	case M_RESOURCETYPE:
		if (strcmp(v, "CodeSystem") == 0)
			d->type = RT_CODESYSTEM;
		else if (strcmp(v, "ConceptMap") == 0)
			d->type = RT_CONCEPTMAP;
		else if (strcmp(v, "ValueSet") == 0)
			d->type = RT_VALUESET;
		else
			return sv_content_fail(d, SV_EINVAL, "@resourceType %s is not CodeSystem, ConceptMap or ValueSet", v);
		break;
	case M_STATUS: {
		static const char *const ok[] = { "draft", "active", "retired", "unknown" };
		if (!sv_content_one_of(v, ok, 4))
			return sv_content_fail(d, SV_EINVAL, "@status %s is not draft, active, retired or unknown", v);
		break;
	}
	case M_EXPERIMENTAL:
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return sv_content_fail(d, SV_EINVAL, "@experimental must be true or false");
		break;
	case M_CONTENT: {
		static const char *const ok[] = { "not-present", "example", "fragment", "complete", "supplement" };
		if (d->type != RT_CODESYSTEM)
			return sv_content_fail(d, SV_EINVAL, "@content is for CodeSystem files only");
		if (!sv_content_one_of(v, ok, 5))
			return sv_content_fail(d, SV_EINVAL, "@content %s is not a CodeSystem content mode", v);
		break;
	}
	case M_SOURCESCOPE:
	case M_TARGETSCOPE:
	case M_QUALIFIERMAP:
		if (d->type != RT_CONCEPTMAP)
			return sv_content_fail(d, SV_EINVAL, "@%s is for ConceptMap files only", key);
		break;
	default:
		break;
	}
	return SV_OK;
}

static void add_meta_string(struct doc *d, const char *json_name, enum meta m)
{
	if (d->meta[m])
		cJSON_AddStringToObject(d->res, json_name, d->meta[m]);
}

/* Builds the resource skeleton once the column line is known. */
static void begin_resource(struct doc *d)
{
	d->res = cJSON_CreateObject();
	cJSON_AddStringToObject(d->res, "resourceType", d->meta[M_RESOURCETYPE]);
	add_meta_string(d, "language", M_LANGUAGE);
	if (d->meta[M_SOURCE]) {
		char *url = sv_content_concat3(d->base, "/StructureDefinition/content-source", "");
		cJSON *ext = cJSON_AddArrayToObject(d->res, "extension");
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "url", url);
		cJSON_AddStringToObject(e, "valueString", d->meta[M_SOURCE]);
		cJSON_AddItemToArray(ext, e);
		free(url);
	}
	add_meta_string(d, "url", M_URL);
	add_meta_string(d, "version", M_VERSION);
	add_meta_string(d, "name", M_NAME);
	add_meta_string(d, "title", M_TITLE);
	add_meta_string(d, "status", M_STATUS);
	if (d->meta[M_EXPERIMENTAL])
		cJSON_AddBoolToObject(d->res, "experimental", strcmp(d->meta[M_EXPERIMENTAL], "true") == 0);
	add_meta_string(d, "date", M_DATE);
	add_meta_string(d, "publisher", M_PUBLISHER);
	add_meta_string(d, "description", M_DESCRIPTION);
	add_meta_string(d, "purpose", M_PURPOSE);
	add_meta_string(d, "copyright", M_COPYRIGHT);

	switch (d->type) {
	case RT_CODESYSTEM: {
		cJSON_AddBoolToObject(d->res, "caseSensitive", 1);
		if (d->at[C_PARENT] >= 0)
			cJSON_AddStringToObject(d->res, "hierarchyMeaning", "is-a");
		add_meta_string(d, "content", M_CONTENT);
		cJSON_AddNumberToObject(d->res, "count", 0);
		cJSON *props = cJSON_CreateArray();
		if (d->at[C_PARENT] >= 0) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "code", "parent");
			cJSON_AddStringToObject(p, "uri", PARENT_URI);
			cJSON_AddStringToObject(p, "description", "Parent code (is-a); the concept list is flat");
			cJSON_AddStringToObject(p, "type", "code");
			cJSON_AddItemToArray(props, p);
		}
		for (int i = 0; i < d->ncols; i++) {
			if (d->kind[i] != C_PROPERTY)
				continue;
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "code", d->suffix[i]);
			cJSON_AddStringToObject(p, "type", "string");
			cJSON_AddItemToArray(props, p);
		}
		if (cJSON_GetArraySize(props) > 0)
			cJSON_AddItemToObject(d->res, "property", props);
		else
			cJSON_Delete(props);
		d->items = cJSON_AddArrayToObject(d->res, "concept");
		break;
	}
	case RT_CONCEPTMAP:
		add_meta_string(d, "sourceUri", M_SOURCESCOPE);
		add_meta_string(d, "targetUri", M_TARGETSCOPE);
		if (d->meta[M_QUALIFIERMAP]) {
			char *url = sv_content_concat3(d->base, SV_EXT_QUALIFIER_MAP, "");
			cJSON *ext = cJSON_GetObjectItemCaseSensitive(d->res, "extension");
			cJSON *e = cJSON_CreateObject();
			if (!ext)
				ext = cJSON_AddArrayToObject(d->res, "extension");
			cJSON_AddStringToObject(e, "url", url);
			cJSON_AddStringToObject(e, "valueCanonical", d->meta[M_QUALIFIERMAP]);
			cJSON_AddItemToArray(ext, e);
			free(url);
		}
		d->items = cJSON_AddArrayToObject(d->res, "group");
		break;
	case RT_VALUESET:
	case RT_NONE:
		d->items = cJSON_AddArrayToObject(cJSON_AddObjectToObject(d->res, "compose"), "include");
		break;
	}
}

static bool suffix_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return false;
	return true;
}

static enum sv_err on_header(struct doc *d, const char *line)
{
	if (d->type == RT_NONE)
		return sv_content_fail(d, SV_EINVAL, "column line before @resourceType");
	static const enum meta required[] = { M_URL, M_VERSION, M_NAME, M_STATUS };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!d->meta[required[i]])
			return sv_content_fail(d, SV_EINVAL, "missing @%s before the column line", meta_names[required[i]]);
	if (d->type == RT_CODESYSTEM && !d->meta[M_CONTENT])
		return sv_content_fail(d, SV_EINVAL, "missing @content before the column line");

	d->header = sv_xstrdup(line);
	for (int c = 0; c < C_NCOLS; c++)
		d->at[c] = -1;
	unsigned seen = 0;
	char *p = d->header;
	for (;;) {
		char *tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		if (d->ncols == CONTENT_MAX_COLS)
			return sv_content_fail(d, SV_ETOOBIG, "more than %d columns", CONTENT_MAX_COLS);
		int c = 0;
		const char *suffix = NULL;
		for (; c < C_NCOLS; c++) {
			size_t n = strlen(col_names[c]);
			if (col_names[c][n - 1] == ':' && strncmp(p, col_names[c], n) == 0) {
				suffix = p + n;
				break;
			}
			if (strcmp(p, col_names[c]) == 0)
				break;
		}
		if (c == C_NCOLS || !(cols_allowed[d->type] & BIT(c)))
			return sv_content_fail(d, SV_EINVAL, "unknown column \"%s\" for a %s", p, d->meta[M_RESOURCETYPE]);
		if (suffix) {
			if (!suffix_ok(suffix))
				return sv_content_fail(d, SV_EINVAL, "column \"%s\" needs a name after the colon", p);
			if (c == C_PROPERTY && strcmp(suffix, "parent") == 0)
				return sv_content_fail(d, SV_EINVAL, "use the parent column, not property:parent");
			for (int i = 0; i < d->ncols; i++)
				if (d->kind[i] == (enum col)c && strcmp(d->suffix[i], suffix) == 0)
					return sv_content_fail(d, SV_EINVAL, "column \"%s\" given twice", p);
		} else {
			if (seen & BIT(c))
				return sv_content_fail(d, SV_EINVAL, "column \"%s\" given twice", p);
			d->at[c] = d->ncols;
		}
		seen |= BIT(c);
		d->kind[d->ncols] = (enum col)c;
		d->suffix[d->ncols] = suffix;
		d->ncols++;
		if (!tab)
			break;
		p = tab + 1;
	}
	unsigned missing = cols_required[d->type] & ~seen;
	for (int c = 0; c < C_NCOLS; c++)
		if (missing & BIT(c))
			return sv_content_fail(d, SV_EINVAL, "missing required column \"%s\"", col_names[c]);
	begin_resource(d);
	return SV_OK;
}

static enum sv_err on_row(struct doc *d, char *line)
{
	char *v[CONTENT_MAX_COLS];
	int n = 0;
	enum sv_err rc = SV_OK;

	for (const char *p = line; *p; p++)
		n += *p == '\t';
	if (++n != d->ncols)
		return sv_content_fail(d, SV_EINVAL, "row has %d cells, the column line has %d", n, d->ncols);
	n = 0;
	for (char *p = line, *tab; p; p = tab ? tab + 1 : NULL) {
		tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		v[n++] = p;
	}
	for (int i = 0; i < n; i++)
		v[i] = sv_base_subst(sv_trim(v[i]), d->base);
	switch (d->type) {
	case RT_CODESYSTEM:
		rc = sv_content_cs_row(d, v);
		break;
	case RT_CONCEPTMAP:
		rc = sv_content_cm_row(d, v);
		break;
	case RT_VALUESET:
	case RT_NONE:
		rc = sv_content_vs_row(d, v);
		break;
	}
	for (int i = 0; i < n; i++)
		free(v[i]);
	return rc;
}

static enum sv_err finish(struct doc *d)
{
	if (!d->res)
		return sv_content_fail(d, SV_EINVAL, "no column line");
	if (d->type != RT_CODESYSTEM)
		return SV_OK;
	for (size_t i = 0; i < d->nparents; i++) {
		uint32_t line;
		if (!sv_strmap_get(&d->codes, d->parents[i].code, &line)) {
			d->line = d->parents[i].line;
			return sv_content_fail(d, SV_EINVAL, "parent %s is not a code in this file", d->parents[i].code);
		}
	}
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(d->res, "count"), cJSON_GetArraySize(d->items));
	return SV_OK;
}

/* Parses the NUL-terminated buffer `buf` (modified in place) into d->res. */
static enum sv_err parse(struct doc *d, char *buf, size_t len)
{
	enum sv_err rc;
	char *p = buf, *end = buf + len;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		d->line++;
		size_t n = (size_t)(eol - p);
		if (n > CONTENT_MAX_LINE)
			return sv_content_fail(d, SV_ETOOBIG, "line is longer than %d bytes", CONTENT_MAX_LINE);
		*eol = '\0';
		if (n > 0 && p[n - 1] == '\r')
			p[--n] = '\0';
		if (!text_valid((const unsigned char *)p, n))
			return sv_content_fail(d, SV_EINVAL, "invalid UTF-8, NUL or control character");
		if (*p && *p != '#') {
			if (*p == '@') {
				if (d->res)
					return sv_content_fail(d, SV_EINVAL, "metadata line after the column line");
				rc = on_meta(d, p);
			} else if (!d->res) {
				rc = on_header(d, p);
			} else {
				rc = on_row(d, p);
			}
			if (rc != SV_OK)
				return rc;
		}
		p = eol + 1;
	}
	return finish(d);
}

static cJSON *load_one(const char *path, const char *base, const struct lookup *lk, struct sv_error *err)
{
	struct doc d = { .path = path, .base = base, .lk = lk, .err = err };
	cJSON *res = NULL;
	size_t len = 0;
	char *buf = sv_file_read(path, CONTENT_MAX_FILE, &len, err);

	if (!buf)
		return NULL;
	if (sv_library_is_text(buf, len)) {      /* a criteria or case-mix file (library.h) */
		res = sv_library_from_text(path, buf, len, base, err);
		free(buf);
		return res;
	}
	if (parse(&d, buf, len) == SV_OK) {
		res = d.res;
		d.res = NULL;
	}
	free(buf);
	doc_release(&d);
	return res;
}

/* Copies `base` without trailing '/' into out[]; false (err set) if it is empty, too long or has spaces. */
static bool base_copy(const char *base, char *out, size_t outlen, struct sv_error *err)
{
	if (!base || !*base) {
		sv_fail(err, SV_EINVAL, "canonical base is empty");
		return false;
	}
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n == 0 || n >= outlen || strcspn(base, " \t\r\n") < n) {
		sv_fail(err, SV_EINVAL, "canonical base \"%.100s\" is not a usable URL", base);
		return false;
	}
	memcpy(out, base, n);
	out[n] = '\0';
	return true;
}

cJSON *sv_content_load_file(const char *path, const char *canonical_base, struct sv_error *err)
{
	char base[CONTENT_MAX_BASE];

	if (!base_copy(canonical_base, base, sizeof(base), err))
		return NULL;
	return load_one(path, base, NULL, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the sorted names of the *.tsv files in `dir` (malloc'd array of malloc'd strings). */
static char **list_content(const char *dir, size_t *n, struct sv_error *err)
{
	DIR *dp = opendir(dir);
	char **names = NULL;
	struct dirent *de;

	*n = 0;
	if (!dp) {
		sv_fail(err, SV_EIO, "%s: cannot open the content directory", dir);
		return NULL;
	}
	names = sv_xcalloc(CONTENT_MAX_FILES, sizeof(*names));
	while ((de = readdir(dp))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".tsv") != 0)
			continue;
		if (*n == CONTENT_MAX_FILES) {
			sv_fail(err, SV_ETOOBIG, "%s: more than %d content files", dir, CONTENT_MAX_FILES);
			for (size_t i = 0; i < *n; i++)
				free(names[i]);
			free(names);
			names = NULL;
			break;
		}
		names[(*n)++] = sv_xstrdup(de->d_name);
	}
	closedir(dp);
	if (names)
		qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

static void lookup_add(struct lookup *lk, const cJSON *cs)
{
	const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cs, "url"));
	const cJSON *c;

	sv_strmap_put(&lk->systems, url, 0);
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cs, "concept")) {
		char *key = sv_content_pair_key(url, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "code")));
		uint32_t i = sv_content_vec_push(&lk->keys, key);
		sv_content_vec_push(&lk->displays, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "display")));
		sv_strmap_put(&lk->codes, key, i);
	}
}

static void lookup_release(struct lookup *lk)
{
	sv_strmap_release(&lk->systems);
	sv_strmap_release(&lk->codes);
	for (size_t i = 0; i < lk->keys.n; i++)
		free(lk->keys.v[i]);
	free(lk->keys.v);
	free(lk->displays.v);
}

cJSON *sv_content_load_file_in(const char *path, const char *dir, const char *canonical_base,
				struct sv_error *err)
{
	char base[CONTENT_MAX_BASE];
	struct lookup lk = { 0 };
	cJSON *css = NULL, *res = NULL;
	char **names = NULL;
	size_t n = 0;

	if (!base_copy(canonical_base, base, sizeof(base), err) || !(names = list_content(dir, &n, err)))
		return NULL;
	css = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		char *p = sv_content_concat3(dir, "/", names[i]);
		cJSON *cs = load_one(p, base, NULL, err);
		free(p);
		if (!cs)
			goto out;
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cs, "resourceType")), "CodeSystem") == 0)
			cJSON_AddItemToArray(css, cs);
		else
			cJSON_Delete(cs);
	}
	const cJSON *cs;
	cJSON_ArrayForEach(cs, css)
		lookup_add(&lk, cs);
	res = load_one(path, base, &lk, err);
out:
	lookup_release(&lk);
	cJSON_Delete(css);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return res;
}

cJSON *sv_content_load_dir(const char *dir, const char *canonical_base, struct sv_error *err)
{
	char base[CONTENT_MAX_BASE];
	struct lookup lk = { 0 };
	struct sv_strmap urls = { 0 };
	cJSON *out = NULL, *result = NULL;
	char **names = NULL, **paths = NULL;
	const char **owner = NULL; /* owner[k]: path of out[k] */
	bool *later = NULL;
	size_t n = 0;

	if (!base_copy(canonical_base, base, sizeof(base), err))
		return NULL;
	names = list_content(dir, &n, err);
	if (!names)
		return NULL;
	paths = sv_xcalloc(n + 1, sizeof(*paths));
	later = sv_xcalloc(n + 1, sizeof(*later));
	owner = sv_xcalloc(n + 1, sizeof(*owner));
	out = cJSON_CreateArray();
	/* CodeSystems first: the maps and value sets are checked against them and take displays from them. */
	for (size_t i = 0; i < n; i++) {
		paths[i] = sv_content_concat3(dir, "/", names[i]);
		cJSON *res = load_one(paths[i], base, NULL, err);
		if (!res)
			goto out;
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "resourceType")),
			   "CodeSystem") == 0) {
			owner[cJSON_GetArraySize(out)] = paths[i];
			cJSON_AddItemToArray(out, res);
		} else {
			later[i] = true;
			cJSON_Delete(res);
		}
	}
	const cJSON *cs;
	cJSON_ArrayForEach(cs, out)
		lookup_add(&lk, cs);
	for (size_t i = 0; i < n; i++) {
		if (!later[i])
			continue;
		cJSON *res = load_one(paths[i], base, &lk, err);
		if (!res)
			goto out;
		owner[cJSON_GetArraySize(out)] = paths[i];
		cJSON_AddItemToArray(out, res);
	}
	int k = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, out) {
		const char *url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "url"));
		uint32_t first;
		if (sv_strmap_get(&urls, url, &first)) {
			sv_fail(err, SV_EINVAL, "%s: @url %s is also the url of %s", owner[k], url, owner[first]);
			goto out;
		}
		sv_strmap_put(&urls, url, (uint32_t)k++);
	}
	result = out;
	out = NULL;
out:
	cJSON_Delete(out);
	lookup_release(&lk);
	sv_strmap_release(&urls);
	for (size_t i = 0; i < n; i++) {
		free(names[i]);
		free(paths[i]);
	}
	free(names);
	free(paths);
	free(later);
	free(owner);
	return result;
}
