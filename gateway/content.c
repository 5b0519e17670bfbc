/* content.c — the bundled terminology content (the .tsv files in mappings/) read into FHIR R4 resources.
 *
 * Each file is one resource: `@key<TAB>value` metadata lines, one column line, then one row per code, per
 * mapping or per included code (mappings/README.md is the reference). The files are written and reviewed by
 * people, so the reader is strict: an unknown key, column, equivalence or flag, a row with the wrong number of
 * cells, or a map code missing from a bundled CodeSystem fails the whole load with file:line. */
#include "samsvar/content.h"
#include "samsvar/text.h"
#include "samsvar/canonical.h"
#include "samsvar/file.h"
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
#define CONTENT_MAX_COLS 64
#define CONTENT_MAX_FILES 1024
#define CONTENT_MAX_BASE 1024

static const char FLAG_NATIONAL[] = "needs-national-edition";
static const char PARENT_URI[] = "http://hl7.org/fhir/concept-properties#parent";

/* ---------------------------------------------------------------- a growable pointer array */

struct vec {
	void **v;
	size_t n, cap;
};

/* Appends `p` and returns its index. */
static uint32_t vec_push(struct vec *x, void *p)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->v = sv_xrealloc(x->v, x->cap * sizeof(*x->v));
	}
	x->v[x->n] = p;
	return (uint32_t)x->n++;
}

/* ---------------------------------------------------------------- small string helpers */

static char *concat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *s = sv_xmalloc(la + lb + lc + 1);

	memcpy(s, a, la);
	memcpy(s + la, b, lb);
	memcpy(s + la + lb, c, lc + 1);
	return s;
}

/* "system\x1fcode": a key no URL or code contains (control characters are rejected on input). */
static char *pair_key(const char *a, const char *b)
{
	return concat3(a, "\x1f", b);
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

enum rtype { RT_NONE, RT_CODESYSTEM, RT_CONCEPTMAP, RT_VALUESET };

enum meta {
	M_RESOURCETYPE, M_URL, M_VERSION, M_NAME, M_TITLE, M_STATUS, M_EXPERIMENTAL, M_DATE, M_PUBLISHER,
	M_DESCRIPTION, M_PURPOSE, M_COPYRIGHT, M_SOURCE, M_CONTENT, M_LANGUAGE, M_SOURCESCOPE, M_TARGETSCOPE,
	M_COUNT
};

static const char *const meta_names[M_COUNT] = {
	"resourceType", "url", "version", "name", "title", "status", "experimental", "date", "publisher",
	"description", "purpose", "copyright", "source", "content", "language", "sourceScope", "targetScope",
};

enum col {
	C_CODE, C_DISPLAY, C_PARENT, C_DEFINITION, C_DESIGNATION, C_PROPERTY, C_SOURCE_SYSTEM, C_SOURCE_CODE,
	C_SOURCE_DISPLAY, C_TARGET_SYSTEM, C_TARGET_CODE, C_TARGET_DISPLAY, C_EQUIVALENCE, C_DEPENDS_ON,
	C_PRODUCT, C_COMMENT, C_FLAGS, C_SYSTEM, C_NCOLS
};

/* Names of the columns; the two ending in ':' take a suffix (designation:en, property:range). */
static const char *const col_names[C_NCOLS] = {
	"code", "display", "parent", "definition", "designation:", "property:", "source_system", "source_code",
	"source_display", "target_system", "target_code", "target_display", "equivalence", "depends_on",
	"product", "comment", "flags", "system",
};

#define BIT(c) (1u << (c))
static const unsigned cols_allowed[] = {
	[RT_CODESYSTEM] = BIT(C_CODE) | BIT(C_DISPLAY) | BIT(C_PARENT) | BIT(C_DEFINITION) | BIT(C_DESIGNATION) |
			  BIT(C_PROPERTY),
	[RT_CONCEPTMAP] = BIT(C_SOURCE_SYSTEM) | BIT(C_SOURCE_CODE) | BIT(C_SOURCE_DISPLAY) | BIT(C_TARGET_SYSTEM) |
			  BIT(C_TARGET_CODE) | BIT(C_TARGET_DISPLAY) | BIT(C_EQUIVALENCE) | BIT(C_DEPENDS_ON) |
			  BIT(C_PRODUCT) | BIT(C_COMMENT) | BIT(C_FLAGS),
	[RT_VALUESET] = BIT(C_SYSTEM) | BIT(C_CODE) | BIT(C_DISPLAY),
};
static const unsigned cols_required[] = {
	[RT_CODESYSTEM] = BIT(C_CODE) | BIT(C_DISPLAY),
	[RT_CONCEPTMAP] = BIT(C_SOURCE_SYSTEM) | BIT(C_SOURCE_CODE) | BIT(C_TARGET_SYSTEM) | BIT(C_TARGET_CODE) |
			  BIT(C_EQUIVALENCE) | BIT(C_COMMENT),
	[RT_VALUESET] = BIT(C_SYSTEM),
};

/* R4 ConceptMapEquivalence. */
static const char *const equivalences[] = {
	"relatedto", "equivalent", "equal", "wider", "subsumes", "narrower", "specializes", "inexact",
	"unmatched", "disjoint",
};

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------- parser state */

/* The bundled CodeSystems, for display lookups and code checks while reading maps and value sets. */
struct lookup {
	struct sv_strmap systems; /* CodeSystem url (borrowed) -> 0 */
	struct sv_strmap codes;   /* keys[i] -> i */
	struct vec keys;          /* owned pair_key(url, code) strings */
	struct vec displays;      /* displays[i], borrowed from the CodeSystem */
};

struct group {
	char *key;                /* owned pair_key(source, target) */
	cJSON *elements;          /* the group's "element" array (owned by the resource) */
	struct sv_strmap by_code; /* source code (borrowed from the element) -> index in els */
	struct vec els;           /* element objects */
};

struct pending_parent {
	char *code;
	long line;
};

struct doc {
	const char *path;
	const char *base; /* canonical base without trailing '/' */
	const struct lookup *lk; /* NULL when reading a single file */
	struct sv_error *err;
	long line;

	enum rtype type;
	char *meta[M_COUNT];

	char *header; /* owned copy of the column line; suffix pointers point into it */
	int ncols;
	enum col kind[CONTENT_MAX_COLS];
	const char *suffix[CONTENT_MAX_COLS];
	int at[C_NCOLS]; /* index of each single column, -1 when absent */

	cJSON *res;
	cJSON *items;            /* CodeSystem.concept, ConceptMap.group or ValueSet.compose.include */
	struct sv_strmap codes;  /* CodeSystem: code -> line; ValueSet: system -> index in incs */
	struct vec incs;         /* ValueSet include objects */
	struct sv_strmap groups; /* ConceptMap: group key -> index in grps */
	struct vec grps;         /* struct group * */
	struct pending_parent *parents;
	size_t nparents, capparents;
};

static enum sv_err fail(struct doc *d, enum sv_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum sv_err fail(struct doc *d, enum sv_err code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sv_fail(d->err, code, "%s:%ld: %s", d->path, d->line, msg);
}


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
		return fail(d, SV_EINVAL, "metadata line needs @key<TAB>value");
	*tab = '\0';
	const char *key = line + 1;
	int k = 0;
	while (k < M_COUNT && strcmp(meta_names[k], key) != 0)
		k++;
	if (k == M_COUNT)
		return fail(d, SV_EINVAL, "unknown metadata key @%s", key);
	if (d->meta[k])
		return fail(d, SV_EINVAL, "@%s given twice", key);
	if (k != M_RESOURCETYPE && d->type == RT_NONE)
		return fail(d, SV_EINVAL, "the first metadata line must be @resourceType");
	char *raw = tab + 1;
	unescape(raw);
	if (!*sv_trim(raw))
		return fail(d, SV_EINVAL, "@%s has an empty value", key);
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
			return fail(d, SV_EINVAL, "@resourceType %s is not CodeSystem, ConceptMap or ValueSet", v);
		break;
	case M_STATUS: {
		static const char *const ok[] = { "draft", "active", "retired", "unknown" };
		if (!one_of(v, ok, 4))
			return fail(d, SV_EINVAL, "@status %s is not draft, active, retired or unknown", v);
		break;
	}
	case M_EXPERIMENTAL:
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return fail(d, SV_EINVAL, "@experimental must be true or false");
		break;
	case M_CONTENT: {
		static const char *const ok[] = { "not-present", "example", "fragment", "complete", "supplement" };
		if (d->type != RT_CODESYSTEM)
			return fail(d, SV_EINVAL, "@content is for CodeSystem files only");
		if (!one_of(v, ok, 5))
			return fail(d, SV_EINVAL, "@content %s is not a CodeSystem content mode", v);
		break;
	}
	case M_SOURCESCOPE:
	case M_TARGETSCOPE:
		if (d->type != RT_CONCEPTMAP)
			return fail(d, SV_EINVAL, "@%s is for ConceptMap files only", key);
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
		char *url = concat3(d->base, "/StructureDefinition/content-source", "");
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
		return fail(d, SV_EINVAL, "column line before @resourceType");
	static const enum meta required[] = { M_URL, M_VERSION, M_NAME, M_STATUS };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!d->meta[required[i]])
			return fail(d, SV_EINVAL, "missing @%s before the column line", meta_names[required[i]]);
	if (d->type == RT_CODESYSTEM && !d->meta[M_CONTENT])
		return fail(d, SV_EINVAL, "missing @content before the column line");

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
			return fail(d, SV_ETOOBIG, "more than %d columns", CONTENT_MAX_COLS);
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
			return fail(d, SV_EINVAL, "unknown column \"%s\" for a %s", p, d->meta[M_RESOURCETYPE]);
		if (suffix) {
			if (!suffix_ok(suffix))
				return fail(d, SV_EINVAL, "column \"%s\" needs a name after the colon", p);
			if (c == C_PROPERTY && strcmp(suffix, "parent") == 0)
				return fail(d, SV_EINVAL, "use the parent column, not property:parent");
			for (int i = 0; i < d->ncols; i++)
				if (d->kind[i] == (enum col)c && strcmp(d->suffix[i], suffix) == 0)
					return fail(d, SV_EINVAL, "column \"%s\" given twice", p);
		} else {
			if (seen & BIT(c))
				return fail(d, SV_EINVAL, "column \"%s\" given twice", p);
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
			return fail(d, SV_EINVAL, "missing required column \"%s\"", col_names[c]);
	begin_resource(d);
	return SV_OK;
}

/* ---------------------------------------------------------------- rows */

static const char *cell(const struct doc *d, char **v, enum col c)
{
	return d->at[c] >= 0 ? v[d->at[c]] : "";
}

/* Checks `code` of `system` against the bundled CodeSystems (when reading a directory) and fills *display
 * from them; a display given in the file must equal the bundled one. */
static enum sv_err resolve(struct doc *d, const char *what, const char *system, const char *code,
			   const char **display)
{
	uint32_t i;

	if (!d->lk || !*code || !sv_strmap_get(&d->lk->systems, system, &i))
		return SV_OK; /* not bundled (e.g. FSIII): keep what the file says */
	char *key = pair_key(system, code);
	int found = sv_strmap_get(&d->lk->codes, key, &i);
	free(key);
	if (!found)
		return fail(d, SV_EINVAL, "%s %s is not a code of the bundled CodeSystem %s", what, code, system);
	const char *bundled = d->lk->displays.v[i];
	if (**display && strcmp(*display, bundled) != 0)
		return fail(d, SV_EINVAL, "%s %s: display \"%s\" differs from the CodeSystem's \"%s\"", what,
			    code, *display, bundled);
	*display = bundled;
	return SV_OK;
}

static enum sv_err cs_row(struct doc *d, char **v)
{
	const char *code = cell(d, v, C_CODE), *display = cell(d, v, C_DISPLAY);
	const char *definition = cell(d, v, C_DEFINITION);

	if (!*code)
		return fail(d, SV_EINVAL, "empty code");
	if (!*display)
		return fail(d, SV_EINVAL, "code %s has an empty display", code);
	uint32_t first;
	if (sv_strmap_get(&d->codes, code, &first))
		return fail(d, SV_EINVAL, "code %s given twice (first on line %u)", code, (unsigned)first);

	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToArray(d->items, c);
	sv_strmap_put(&d->codes, cJSON_AddStringToObject(c, "code", code)->valuestring, (uint32_t)d->line);
	cJSON_AddStringToObject(c, "display", display);
	if (*definition)
		cJSON_AddStringToObject(c, "definition", definition);
	cJSON *des = NULL, *props = NULL;
	for (int i = 0; i < d->ncols; i++) {
		if (d->kind[i] != C_DESIGNATION || !*v[i])
			continue;
		if (!des)
			des = cJSON_AddArrayToObject(c, "designation");
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "language", d->suffix[i]);
		cJSON_AddStringToObject(x, "value", v[i]);
		cJSON_AddItemToArray(des, x);
	}
	char *list = d->at[C_PARENT] >= 0 ? v[d->at[C_PARENT]] : NULL;
	for (char *p = list && *list ? list : NULL, *comma; p; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		char *parent = sv_trim(p);
		if (!*parent)
			return fail(d, SV_EINVAL, "empty code in the parent list of %s", code);
		if (strcmp(parent, code) == 0)
			return fail(d, SV_EINVAL, "code %s is its own parent", code);
		if (!props)
			props = cJSON_AddArrayToObject(c, "property");
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "code", "parent");
		cJSON_AddStringToObject(x, "valueCode", parent);
		cJSON_AddItemToArray(props, x);
		if (d->nparents == d->capparents) {
			d->capparents = d->capparents ? d->capparents * 2 : 64;
			d->parents = sv_xrealloc(d->parents, d->capparents * sizeof(*d->parents));
		}
		d->parents[d->nparents].code = sv_xstrdup(parent);
		d->parents[d->nparents].line = d->line;
		d->nparents++;
	}
	for (int i = 0; i < d->ncols; i++) {
		if (d->kind[i] != C_PROPERTY || !*v[i])
			continue;
		if (!props)
			props = cJSON_AddArrayToObject(c, "property");
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "code", d->suffix[i]);
		cJSON_AddStringToObject(x, "valueString", v[i]);
		cJSON_AddItemToArray(props, x);
	}
	return SV_OK;
}

/* Parses `spec` ("[property=]system|value" items separated by ';') into target[name]. */
static enum sv_err add_dependencies(struct doc *d, cJSON *target, const char *name, const char *column,
				    const char *spec)
{
	if (!*spec)
		return SV_OK;
	enum sv_err rc = SV_OK;
	char *copy = sv_xstrdup(spec);
	cJSON *arr = cJSON_AddArrayToObject(target, name);
	for (char *p = copy, *semi; p; p = semi ? semi + 1 : NULL) {
		semi = strchr(p, ';');
		if (semi)
			*semi = '\0';
		char *item = sv_trim(p);
		char *bar = strchr(item, '|');
		if (!bar || bar == item || !bar[1]) {
			rc = fail(d, SV_EINVAL, "%s item \"%s\" is not [property=]system|value", column, item);
			goto out;
		}
		*bar = '\0';
		char *system = item, *value = bar + 1;
		const char *property = item;
		char *eq = strchr(item, '=');
		if (eq) {
			*eq = '\0';
			system = eq + 1;
			/* R4 makes dependsOn/product.system optional: "property=|value" (a value that is not a
			 * code, e.g. a frequency) needs a property but no system. */
			if (!*item) {
				rc = fail(d, SV_EINVAL, "%s item has an empty property", column);
				goto out;
			}
		}
		const char *display = "";
		if ((rc = resolve(d, column, system, value, &display)) != SV_OK)
			goto out;
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "property", property);
		if (*system)
			cJSON_AddStringToObject(x, "system", system);
		cJSON_AddStringToObject(x, "value", value);
		if (*display)
			cJSON_AddStringToObject(x, "display", display);
		cJSON_AddItemToArray(arr, x);
	}
out:
	free(copy);
	return rc;
}

static struct group *cm_group(struct doc *d, const char *source, const char *target)
{
	char *key = pair_key(source, target);
	uint32_t i;

	if (sv_strmap_get(&d->groups, key, &i)) {
		free(key);
		return d->grps.v[i];
	}
	struct group *g = sv_xcalloc(1, sizeof(*g));
	g->key = key;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "source", source);
	cJSON_AddStringToObject(j, "target", target);
	g->elements = cJSON_AddArrayToObject(j, "element");
	cJSON_AddItemToArray(d->items, j);
	sv_strmap_put(&d->groups, g->key, vec_push(&d->grps, g));
	return g;
}

static enum sv_err cm_row(struct doc *d, char **v)
{
	const char *ss = cell(d, v, C_SOURCE_SYSTEM), *sc = cell(d, v, C_SOURCE_CODE);
	const char *ts = cell(d, v, C_TARGET_SYSTEM), *tc = cell(d, v, C_TARGET_CODE);
	const char *eq = cell(d, v, C_EQUIVALENCE), *comment = cell(d, v, C_COMMENT);
	const char *sd = cell(d, v, C_SOURCE_DISPLAY), *td = cell(d, v, C_TARGET_DISPLAY);
	enum sv_err rc;

	if (!*ss || !*sc || !*ts)
		return fail(d, SV_EINVAL, "source_system, source_code and target_system must not be empty");
	if (!one_of(eq, equivalences, sizeof(equivalences) / sizeof(equivalences[0])))
		return fail(d, SV_EINVAL, "equivalence \"%s\" is not an R4 ConceptMapEquivalence", eq);
	bool unmatched = strcmp(eq, "unmatched") == 0;
	if (unmatched && (*tc || *td))
		return fail(d, SV_EINVAL, "an unmatched row has no target_code or target_display");
	if (!unmatched && !*tc)
		return fail(d, SV_EINVAL, "target_code is empty (use equivalence unmatched for no target)");
	if (!*comment)
		return fail(d, SV_EINVAL, "every mapping needs a comment saying why");
	if ((rc = resolve(d, "source_code", ss, sc, &sd)) != SV_OK ||
	    (rc = resolve(d, "target_code", ts, tc, &td)) != SV_OK)
		return rc;

	bool national = false;
	char *flags = sv_xstrdup(cell(d, v, C_FLAGS));
	for (char *p = *flags ? flags : NULL, *comma; p; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		const char *f = sv_trim(p);
		if (strcmp(f, FLAG_NATIONAL) != 0) {
			rc = fail(d, SV_EINVAL, "unknown flag \"%s\" (known: %s)", f, FLAG_NATIONAL);
			free(flags);
			return rc;
		}
		national = true;
	}
	free(flags);

	struct group *g = cm_group(d, ss, ts);
	cJSON *el;
	uint32_t i;
	if (sv_strmap_get(&g->by_code, sc, &i)) {
		el = g->els.v[i];
		const cJSON *had = cJSON_GetObjectItemCaseSensitive(el, "display");
		if (*sd && cJSON_IsString(had) && strcmp(had->valuestring, sd) != 0)
			return fail(d, SV_EINVAL, "source_display of %s differs from an earlier row", sc);
	} else {
		el = cJSON_CreateObject();
		cJSON_AddItemToArray(g->elements, el);
		const char *key = cJSON_AddStringToObject(el, "code", sc)->valuestring;
		if (*sd)
			cJSON_AddStringToObject(el, "display", sd);
		cJSON_AddArrayToObject(el, "target");
		sv_strmap_put(&g->by_code, key, vec_push(&g->els, el));
	}
	cJSON *targets = cJSON_GetObjectItemCaseSensitive(el, "target");
	cJSON *t = cJSON_CreateObject();
	cJSON_AddItemToArray(targets, t);
	if (national) {
		char *url = concat3(d->base, "/StructureDefinition/", FLAG_NATIONAL);
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "url", url);
		cJSON_AddBoolToObject(e, "valueBoolean", 1);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(t, "extension"), e);
		free(url);
	}
	if (*tc)
		cJSON_AddStringToObject(t, "code", tc);
	if (*td)
		cJSON_AddStringToObject(t, "display", td);
	cJSON_AddStringToObject(t, "equivalence", eq);
	cJSON_AddStringToObject(t, "comment", comment);
	if ((rc = add_dependencies(d, t, "dependsOn", "depends_on", cell(d, v, C_DEPENDS_ON))) != SV_OK)
		return rc;
	return add_dependencies(d, t, "product", "product", cell(d, v, C_PRODUCT));
}

static enum sv_err vs_row(struct doc *d, char **v)
{
	const char *system = cell(d, v, C_SYSTEM), *code = cell(d, v, C_CODE);
	const char *display = cell(d, v, C_DISPLAY);
	enum sv_err rc;

	if (!*system)
		return fail(d, SV_EINVAL, "empty system");
	if (!*code && *display)
		return fail(d, SV_EINVAL, "a display needs a code");
	if ((rc = resolve(d, "code", system, code, &display)) != SV_OK)
		return rc;
	cJSON *inc;
	uint32_t i;
	bool created = !sv_strmap_get(&d->codes, system, &i);
	if (created) {
		inc = cJSON_CreateObject();
		cJSON_AddItemToArray(d->items, inc);
		const char *key = cJSON_AddStringToObject(inc, "system", system)->valuestring;
		sv_strmap_put(&d->codes, key, vec_push(&d->incs, inc));
	} else {
		inc = d->incs.v[i];
	}
	cJSON *concepts = cJSON_GetObjectItemCaseSensitive(inc, "concept");
	if (!*code) {
		if (!created)
			return fail(d, SV_EINVAL, "%s is included whole here but has code rows too", system);
		return SV_OK;
	}
	if (!concepts) {
		if (!created)
			return fail(d, SV_EINVAL, "%s is included whole earlier, so a code row adds nothing", system);
		concepts = cJSON_AddArrayToObject(inc, "concept");
	}
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "code", code);
	if (*display)
		cJSON_AddStringToObject(c, "display", display);
	cJSON_AddItemToArray(concepts, c);
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
		return fail(d, SV_EINVAL, "row has %d cells, the column line has %d", n, d->ncols);
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
		rc = cs_row(d, v);
		break;
	case RT_CONCEPTMAP:
		rc = cm_row(d, v);
		break;
	case RT_VALUESET:
	case RT_NONE:
		rc = vs_row(d, v);
		break;
	}
	for (int i = 0; i < n; i++)
		free(v[i]);
	return rc;
}

static enum sv_err finish(struct doc *d)
{
	if (!d->res)
		return fail(d, SV_EINVAL, "no column line");
	if (d->type != RT_CODESYSTEM)
		return SV_OK;
	for (size_t i = 0; i < d->nparents; i++) {
		uint32_t line;
		if (!sv_strmap_get(&d->codes, d->parents[i].code, &line)) {
			d->line = d->parents[i].line;
			return fail(d, SV_EINVAL, "parent %s is not a code in this file", d->parents[i].code);
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
			return fail(d, SV_ETOOBIG, "line is longer than %d bytes", CONTENT_MAX_LINE);
		*eol = '\0';
		if (n > 0 && p[n - 1] == '\r')
			p[--n] = '\0';
		if (!text_valid((const unsigned char *)p, n))
			return fail(d, SV_EINVAL, "invalid UTF-8, NUL or control character");
		if (*p && *p != '#') {
			if (*p == '@') {
				if (d->res)
					return fail(d, SV_EINVAL, "metadata line after the column line");
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
		char *key = pair_key(url, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "code")));
		uint32_t i = vec_push(&lk->keys, key);
		vec_push(&lk->displays, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "display")));
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
		paths[i] = concat3(dir, "/", names[i]);
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
