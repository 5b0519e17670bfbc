/* importer.c — terminology release files (ICF table and ClaML, SNOMED CT GPS and RF2, FHIR JSON/XML)
 * into FHIR R4 CodeSystem / ValueSet / ConceptMap resources.
 *
 * Every importer reads its input once, streaming where the input can be large (RF2 lines with
 * getline, ClaML with libxml2's xmlTextReader), validates every row it keeps and stops at the first
 * bad one with "file:line: why" in err. CodeSystems come out flat: hierarchy as repeated `parent`
 * properties; the server computes `child`. */
#include "samsvar/importer.h"
#include "samsvar/file.h"
#include "samsvar/fhirxml.h"
#include "samsvar/strmap.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/xmlreader.h>

#define ICF_URL "http://hl7.org/fhir/sid/icf"
/* The ICF code set both bundled files carry is the one WHO published in 2001 (the English table is
 * rendered from the WHO ICF 1.0.2 OWL of 2012-08-05, the German ClaML is DIMDI's 2005 translation
 * released 2012-06-19; both hold the same 1,495 codes and parent links). The classification's
 * version is therefore 2001, and both imports share it so the German titles can be merged as
 * designations into the same CodeSystem version; the file editions go into `description`. */
#define ICF_VERSION "2001"
#define ICF_COPYRIGHT_EN "ICF \xc2\xa9 World Health Organization 2001"

#define SCT_URL "http://snomed.info/sct"
/* RF2 metadata concept ids (FSN and Synonym are in the GPS; all pass ../shared/tools/verhoeff.py). */
#define SCT_FSN "900000000000003001"
#define SCT_SYNONYM "900000000000013009"
#define SCT_IS_A "116680003"

#define MAX_LINE ((size_t)1 << 20)       /* longest TSV/RF2 line accepted */
#define MAX_RF2_FILE ((uint64_t)8 << 30) /* an RF2 file larger than this is not a release */
#define MAX_CONCEPTS ((size_t)10000000)
#define MAX_CODE 64                      /* longest ICF/ClaML code accepted */
#define MAX_TITLE 4096
#define MAX_DIR_DEPTH 8
#define MAX_DESC_FILES 16
#define MAX_MODULES 256

/* ---- common helpers ---------------------------------------------------------------------- */

/* Fails with SV_EIO unless `path` is a readable regular file, SV_ETOOBIG when over `max` bytes. */
static enum sv_err check_file(const char *path, uint64_t max, struct sv_error *err)
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


/* A line-by-line reader: strips CR LF and a UTF-8 BOM on line 1, caps line length. */
struct lines {
	FILE *f;
	const char *path;
	char *buf;
	size_t cap;
	size_t lineno;
};

static enum sv_err lines_open(struct lines *lr, const char *path, uint64_t max, struct sv_error *err)
{
	enum sv_err rc;

	memset(lr, 0, sizeof(*lr));
	lr->path = path;
	rc = check_file(path, max, err);
	if (rc != SV_OK)
		return rc;
	lr->f = fopen(path, "r");
	if (!lr->f)
		return sv_fail(err, SV_EIO, "%s: %s", path, strerror(errno));
	return SV_OK;
}

static void lines_close(struct lines *lr)
{
	if (lr->f)
		fclose(lr->f);
	free(lr->buf);
	memset(lr, 0, sizeof(*lr));
}

/* Returns 1 with *line set (NUL-terminated, writable), 0 at end of file, -1 with err set. */
static int lines_next(struct lines *lr, char **line, size_t *len, struct sv_error *err)
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
	if ((size_t)n > MAX_LINE) {
		sv_fail(err, SV_EINVAL, "%s:%zu: line longer than %zu bytes", lr->path, lr->lineno, MAX_LINE);
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
static size_t split_tabs(char *line, char **fields, size_t max)
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
static enum sv_err check_header(struct lines *lr, char *line, const char *const *names, size_t n,
				struct sv_error *err)
{
	char *f[16];
	size_t got = split_tabs(line, f, 16);

	if (got != n)
		return sv_fail(err, SV_EINVAL, "%s:%zu: header has %zu columns, expected %zu (%s ...)",
			       lr->path, lr->lineno, got, n, names[0]);
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i], names[i]) != 0)
			return sv_fail(err, SV_EINVAL, "%s:%zu: header column %zu is '%s', expected '%s'",
				       lr->path, lr->lineno, i + 1, f[i], names[i]);
	return SV_OK;
}

/* A malloc'd copy of `s` with leading/trailing white space removed and inner runs collapsed. */
static char *collapse_ws(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *r = sv_xmalloc(n + 1);
	int space = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = o > 0;
			continue;
		}
		if (space)
			r[o++] = ' ';
		space = 0;
		r[o++] = (char)c;
	}
	r[o] = '\0';
	return r;
}

/* A new CodeSystem with the fields every import sets; `copyright` and `description` may be NULL. */
struct cs_meta {
	const char *url, *version, *name, *title, *publisher, *content, *language;
	const char *copyright, *description;
};

static cJSON *codesystem_new(const struct cs_meta *m)
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
	return cs;
}

/* Attaches `concepts` (ownership moves) with its `count`. */
static void codesystem_finish(cJSON *cs, cJSON *concepts)
{
	cJSON_AddNumberToObject(cs, "count", cJSON_GetArraySize(concepts));
	cJSON_AddItemToObject(cs, "concept", concepts);
}

static cJSON *designation_new(const char *language, const char *use_system, const char *use_code,
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
static void add_parent(cJSON *props, const char *parent)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "code", "parent");
	cJSON_AddStringToObject(p, "valueCode", parent);
	cJSON_AddItemToArray(props, p);
}

/* ---- ICF (table and ClaML) --------------------------------------------------------------- */

struct icf_class {
	char *code, *parent, *title;
	size_t line;
};

struct icf_list {
	struct icf_class *v;
	size_t n, cap;
};

static void icf_list_release(struct icf_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].code);
		free(l->v[i].parent);
		free(l->v[i].title);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Takes ownership of the three strings. */
static void icf_list_push(struct icf_list *l, char *code, char *parent, char *title, size_t line)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = sv_xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct icf_class){ code, parent, title, line };
}

/* ICF codes (b1528, b110-b139, d) and ClaML codes in general: letters, digits, '.', '-'. */
static int icf_code_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MAX_CODE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

/* Checks codes are unique and parents exist, then builds the CodeSystem (display and one
 * designation in `lang` per class). `where` names the file in messages. */
static cJSON *icf_build(const struct icf_list *l, const struct cs_meta *meta, const char *lang,
			const char *where, struct sv_error *err)
{
	struct sv_strmap map;
	cJSON *cs = NULL, *concepts = NULL, *result = NULL;
	uint32_t ignored;

	sv_strmap_init(&map, l->n);
	if (l->n == 0) {
		sv_fail(err, SV_EINVAL, "%s: no ICF classes found", where);
		goto out;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (!sv_strmap_put(&map, l->v[i].code, (uint32_t)i)) {
			sv_fail(err, SV_EINVAL, "%s:%zu: duplicate code %s", where, l->v[i].line, l->v[i].code);
			goto out;
		}
	}
	concepts = cJSON_CreateArray();
	for (size_t i = 0; i < l->n; i++) {
		const struct icf_class *c = &l->v[i];
		cJSON *concept, *des;

		if (c->parent && !sv_strmap_get(&map, c->parent, &ignored)) {
			sv_fail(err, SV_EINVAL, "%s:%zu: parent %s of %s is not a code in the file", where, c->line,
				c->parent, c->code);
			goto out;
		}
		concept = cJSON_CreateObject();
		cJSON_AddItemToArray(concepts, concept);
		cJSON_AddStringToObject(concept, "code", c->code);
		cJSON_AddStringToObject(concept, "display", c->title);
		des = cJSON_AddArrayToObject(concept, "designation");
		cJSON_AddItemToArray(des, designation_new(lang, NULL, NULL, NULL, c->title));
		if (c->parent)
			add_parent(cJSON_AddArrayToObject(concept, "property"), c->parent);
	}
	cs = codesystem_new(meta);
	codesystem_finish(cs, concepts);
	concepts = NULL;
	result = cs;
out:
	cJSON_Delete(concepts);
	sv_strmap_release(&map);
	return result;
}

cJSON *sv_import_icf_tsv(const char *path, struct sv_error *err)
{
	static const char *const header[] = { "code", "parent", "title" };
	static const struct cs_meta meta = {
		.url = ICF_URL,
		.version = ICF_VERSION,
		.name = "ICF",
		.title = "International Classification of Functioning, Disability and Health (ICF)",
		.publisher = "World Health Organization",
		.content = "complete",
		.language = "en",
		.copyright = ICF_COPYRIGHT_EN,
		.description = "ICF with English titles, imported from an ICF table (code, parent, title); "
			       "the bundled table is rendered from the WHO ICF 1.0.2 OWL of 2012-08-05.",
	};
	struct lines lr;
	struct icf_list l = { 0 };
	cJSON *result = NULL;
	char *line, *f[4];
	size_t len;
	int r, have_header = 0;

	if (lines_open(&lr, path, SV_IMPORT_MAX_FILE, err) != SV_OK)
		goto out;
	while ((r = lines_next(&lr, &line, &len, err)) == 1) {
		if (len == 0 || line[0] == '#')
			continue;
		if (!have_header) {
			if (check_header(&lr, line, header, 3, err) != SV_OK)
				goto out;
			have_header = 1;
			continue;
		}
		if (split_tabs(line, f, 4) != 3) {
			sv_fail(err, SV_EINVAL, "%s:%zu: expected 3 tab-separated columns (code, parent, title)",
				path, lr.lineno);
			goto out;
		}
		if (!icf_code_ok(f[0]) || (f[1][0] && !icf_code_ok(f[1]))) {
			sv_fail(err, SV_EINVAL, "%s:%zu: bad ICF code '%.64s' or parent '%.64s'", path, lr.lineno,
				f[0], f[1]);
			goto out;
		}
		if (!f[2][0] || strlen(f[2]) > MAX_TITLE) {
			sv_fail(err, SV_EINVAL, "%s:%zu: empty or over-long title for %s", path, lr.lineno, f[0]);
			goto out;
		}
		icf_list_push(&l, sv_xstrdup(f[0]), f[1][0] ? sv_xstrdup(f[1]) : NULL, sv_xstrdup(f[2]),
			      lr.lineno);
	}
	if (r < 0)
		goto out;
	if (!have_header) {
		sv_fail(err, SV_EINVAL, "%s: no header row 'code<TAB>parent<TAB>title'", path);
		goto out;
	}
	result = icf_build(&l, &meta, "en", path, err);
out:
	icf_list_release(&l);
	lines_close(&lr);
	return result;
}

/* libxml2 reports ClaML parse errors here; the first one is kept with its line. */
struct xml_errors {
	char message[256];
	int line;
};

static void claml_error(void *arg, const char *msg, xmlParserSeverities severity,
			xmlTextReaderLocatorPtr locator)
{
	struct xml_errors *e = arg;

	if (e->message[0] || (severity != XML_PARSER_SEVERITY_ERROR && severity != XML_PARSER_SEVERITY_VALIDITY_ERROR))
		return;
	snprintf(e->message, sizeof(e->message), "%s", msg);
	e->message[strcspn(e->message, "\n")] = '\0';
	e->line = xmlTextReaderLocatorLineNumber(locator);
}

static char *xml_prop(xmlNodePtr node, const char *name)
{
	xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
	char *s;

	if (!v)
		return NULL;
	s = sv_xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

static int node_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *)name);
}

/* Reads one expanded <Class>: code, one SuperClass, the preferred Rubric's Label (whitespace
 * collapsed). */
static enum sv_err claml_class(xmlNodePtr cls, const char *path, struct icf_list *l, struct sv_error *err)
{
	char *code = xml_prop(cls, "code"), *parent = NULL, *title = NULL;
	long line = xmlGetLineNo(cls);
	enum sv_err rc = SV_EINVAL;

	if (!code || !icf_code_ok(code)) {
		sv_fail(err, SV_EINVAL, "%s:%ld: Class without a valid code", path, line);
		goto out;
	}
	for (xmlNodePtr c = cls->children; c; c = c->next) {
		if (node_is(c, "SuperClass")) {
			if (parent) {
				sv_fail(err, SV_EINVAL, "%s:%ld: Class %s has more than one SuperClass", path, line,
					code);
				goto out;
			}
			parent = xml_prop(c, "code");
			if (!parent || !icf_code_ok(parent)) {
				sv_fail(err, SV_EINVAL, "%s:%ld: SuperClass of %s without a valid code", path, line,
					code);
				goto out;
			}
		} else if (node_is(c, "Rubric") && !title) {
			char *kind = xml_prop(c, "kind");
			int preferred = kind && strcmp(kind, "preferred") == 0;

			free(kind);
			if (!preferred)
				continue;
			for (xmlNodePtr lab = c->children; lab; lab = lab->next) {
				if (node_is(lab, "Label")) {
					xmlChar *text = xmlNodeGetContent(lab);
					title = collapse_ws(text ? (const char *)text : "");
					xmlFree(text);
					break;
				}
			}
		}
	}
	if (!title || !title[0] || strlen(title) > MAX_TITLE) {
		sv_fail(err, SV_EINVAL, "%s:%ld: Class %s has no usable preferred Label", path, line, code);
		goto out;
	}
	icf_list_push(l, code, parent, title, line > 0 ? (size_t)line : 0);
	code = parent = title = NULL;
	rc = SV_OK;
out:
	free(code);
	free(parent);
	free(title);
	return rc;
}

cJSON *sv_import_icf_claml(const char *path, struct sv_error *err)
{
	xmlTextReaderPtr reader = NULL;
	struct xml_errors xerr = { { 0 }, 0 };
	struct icf_list l = { 0 };
	char *lang = NULL, *copyright = NULL, *publisher = NULL, *title = NULL, *fversion = NULL,
	     *fdate = NULL;
	char description[512];
	cJSON *result = NULL;
	int ret, seen_root = 0;

	sv_fhirxml_init(); /* libxml2's one-time set-up, shared with the FHIR XML reader */
	if (check_file(path, SV_IMPORT_MAX_FILE, err) != SV_OK)
		goto out;
	/* No DTDLOAD, NOENT or network: the DOCTYPE's ClaML.dtd is never fetched. */
	reader = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING);
	if (!reader) {
		sv_fail(err, SV_EIO, "%s: cannot open for XML reading", path);
		goto out;
	}
	xmlTextReaderSetErrorHandler(reader, claml_error, &xerr);
	ret = xmlTextReaderRead(reader);
	while (ret == 1) {
		const char *name;
		int depth = xmlTextReaderDepth(reader);

		if (depth > SV_FHIR_MAX_DEPTH) {
			sv_fail(err, SV_EINVAL, "%s:%d: elements nested deeper than %d", path,
				xmlTextReaderGetParserLineNumber(reader), SV_FHIR_MAX_DEPTH);
			goto out;
		}
		if (xmlTextReaderNodeType(reader) != XML_READER_TYPE_ELEMENT || depth > 1) {
			ret = xmlTextReaderRead(reader);
			continue;
		}
		name = (const char *)xmlTextReaderConstLocalName(reader);
		if (depth == 0) {
			if (strcmp(name, "ClaML") != 0) {
				sv_fail(err, SV_EINVAL, "%s: root element is <%s>, not <ClaML>", path, name);
				goto out;
			}
			seen_root = 1;
		} else if (strcmp(name, "Class") == 0) {
			xmlNodePtr node = xmlTextReaderExpand(reader);
			if (!node)
				break; /* parse error inside the class: reported below */
			if (claml_class(node, path, &l, err) != SV_OK)
				goto out;
			if (l.n > MAX_CONCEPTS) {
				sv_fail(err, SV_ETOOBIG, "%s: more than %zu classes", path, MAX_CONCEPTS);
				goto out;
			}
			ret = xmlTextReaderNext(reader);
			continue;
		} else if (strcmp(name, "Meta") == 0) {
			xmlChar *mname = xmlTextReaderGetAttribute(reader, (const xmlChar *)"name");
			xmlChar *value = xmlTextReaderGetAttribute(reader, (const xmlChar *)"value");
			if (mname && value && xmlStrEqual(mname, (const xmlChar *)"lang") && !lang)
				lang = sv_xstrdup((const char *)value);
			else if (mname && value && xmlStrEqual(mname, (const xmlChar *)"copyright") && !copyright)
				copyright = sv_xstrdup((const char *)value);
			xmlFree(mname);
			xmlFree(value);
		} else if (strcmp(name, "Identifier") == 0 && !publisher) {
			xmlChar *v = xmlTextReaderGetAttribute(reader, (const xmlChar *)"authority");
			if (v)
				publisher = sv_xstrdup((const char *)v);
			xmlFree(v);
		} else if (strcmp(name, "Title") == 0 && !title) {
			xmlChar *v = xmlTextReaderGetAttribute(reader, (const xmlChar *)"version");
			xmlChar *d = xmlTextReaderGetAttribute(reader, (const xmlChar *)"date");
			xmlChar *t = xmlTextReaderReadString(reader);
			fversion = v ? sv_xstrdup((const char *)v) : NULL;
			fdate = d ? sv_xstrdup((const char *)d) : NULL;
			title = collapse_ws(t ? (const char *)t : "");
			xmlFree(v);
			xmlFree(d);
			xmlFree(t);
		}
		ret = xmlTextReaderRead(reader);
	}
	if (ret != 0 || xerr.message[0]) {
		sv_fail(err, SV_EINVAL, "%s:%d: XML error: %s", path, xerr.line,
			xerr.message[0] ? xerr.message : "unreadable ClaML");
		goto out;
	}
	if (!seen_root) {
		sv_fail(err, SV_EINVAL, "%s: no <ClaML> root element", path);
		goto out;
	}
	snprintf(description, sizeof(description),
		 "ICF imported from a ClaML release (%s, version %s, %s); titles in language '%s'.",
		 publisher ? publisher : "unknown publisher", fversion ? fversion : "?", fdate ? fdate : "?",
		 lang ? lang : "?");
	{
		const struct cs_meta meta = {
			.url = ICF_URL,
			.version = ICF_VERSION,
			.name = "ICF",
			.title = title && title[0] ? title : "ICF",
			.publisher = publisher,
			.content = "complete",
			.language = lang,
			/* The file's own notice (e.g. "Copyright WHO, DIMDI, 2001-2019") names both owners. */
			.copyright = copyright ? copyright : ICF_COPYRIGHT_EN,
			.description = description,
		};
		result = icf_build(&l, &meta, lang, path, err);
	}
out:
	if (reader)
		xmlFreeTextReader(reader);
	icf_list_release(&l);
	free(lang);
	free(copyright);
	free(publisher);
	free(title);
	free(fversion);
	free(fdate);
	return result;
}

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

/* ---- SNOMED CT Global Patient Set ---------------------------------------------------------- */

static cJSON *fsn_designation(const char *value)
{
	return designation_new("en", SCT_URL, SCT_FSN, "Fully specified name", value);
}

cJSON *sv_import_snomed_gps(const char *path, struct sv_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	cJSON *vs = NULL, *concepts = NULL, *cs = NULL, *result = NULL, *inc;
	const cJSON *item;
	const char *version = NULL, *copyright, *title;

	buf = sv_file_read(path, SV_IMPORT_MAX_FILE, &len, err);
	if (!buf)
		goto out;
	vs = cJSON_ParseWithLength(buf, len);
	if (!vs) {
		sv_fail(err, SV_EINVAL, "%s: not valid JSON", path);
		goto out;
	}
	item = cJSON_GetObjectItemCaseSensitive(vs, "resourceType");
	if (!cJSON_IsString(item) || strcmp(item->valuestring, "ValueSet") != 0) {
		sv_fail(err, SV_EINVAL, "%s: not a FHIR ValueSet", path);
		goto out;
	}
	copyright = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vs, "copyright"));
	title = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vs, "title"));
	inc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "compose"), "include");
	if (!cJSON_IsArray(inc) || cJSON_GetArraySize(inc) == 0) {
		sv_fail(err, SV_EINVAL, "%s: ValueSet has no compose.include", path);
		goto out;
	}
	concepts = cJSON_CreateArray();
	cJSON_ArrayForEach(item, inc) {
		const char *system = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "system"));
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "version"));
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(item, "concept"), *c;

		if (!system || strcmp(system, SCT_URL) != 0 || !v || !cJSON_IsArray(list)) {
			sv_fail(err, SV_EINVAL, "%s: compose.include is not an enumerated %s include with a version",
				path, SCT_URL);
			goto out;
		}
		if (version && strcmp(version, v) != 0) {
			sv_fail(err, SV_EINVAL, "%s: includes name two editions (%s, %s)", path, version, v);
			goto out;
		}
		version = v;
		cJSON_ArrayForEach(c, list) {
			const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "code"));
			const char *display = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "display"));
			const char *why = code ? sv_import_sctid_check(code) : "missing";
			cJSON *concept, *des;

			if (why) {
				sv_fail(err, SV_EINVAL, "%s: concept code '%.32s': %s", path, code ? code : "", why);
				goto out;
			}
			concept = cJSON_CreateObject();
			cJSON_AddItemToArray(concepts, concept);
			cJSON_AddStringToObject(concept, "code", code);
			if (display && display[0]) {
				/* The GPS displays are the fully specified names. */
				cJSON_AddStringToObject(concept, "display", display);
				des = cJSON_AddArrayToObject(concept, "designation");
				cJSON_AddItemToArray(des, fsn_designation(display));
			}
		}
	}
	{
		const struct cs_meta meta = {
			.url = SCT_URL,
			.version = version,
			.name = "SNOMED_CT_GPS",
			.title = title ? title : "SNOMED CT Global Patient Set",
			.publisher = "SNOMED International",
			.content = "fragment",
			.language = "en",
			.copyright = copyright, /* CC BY 4.0 attribution: kept verbatim */
			.description = "The SNOMED CT Global Patient Set, imported from its FHIR ValueSet: a "
				       "fragment of SNOMED CT without hierarchy.",
		};
		cs = codesystem_new(&meta);
	}
	codesystem_finish(cs, concepts);
	concepts = NULL;
	result = cs;
out:
	cJSON_Delete(concepts);
	cJSON_Delete(vs);
	free(buf);
	return result;
}

/* ---- SNOMED CT RF2 snapshot ---------------------------------------------------------------- */

struct rf2_concept {
	char *id;
	char *display;     /* FSN, else the first synonym seen */
	int display_is_fsn;
	cJSON *designation; /* array or NULL */
	cJSON *property;    /* array or NULL */
};

struct rf2_module {
	char id[19];
	char time[9];
	size_t rows;
};

struct rf2 {
	struct rf2_concept *v;
	size_t n, cap;
	struct sv_strmap map; /* id -> index into v; keys are v[i].id */
	struct rf2_module modules[MAX_MODULES];
	size_t nmodules;
};

struct rf2_files {
	char *concept, *relationship;
	char *desc[MAX_DESC_FILES];
	size_t ndesc;
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
	sv_strmap_release(&s->map);
}

static void rf2_files_release(struct rf2_files *f)
{
	free(f->concept);
	free(f->relationship);
	for (size_t i = 0; i < f->ndesc; i++)
		free(f->desc[i]);
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
static enum sv_err rf2_id(const struct lines *lr, const char *f, const char *col, int concept,
			  struct sv_error *err)
{
	const char *why = sctid_why(f, strlen(f), concept);

	if (why)
		return sv_fail(err, SV_EINVAL, "%s:%zu: %s '%.32s': %s", lr->path, lr->lineno, col, f, why);
	return SV_OK;
}

/* One row handler per RF2 file kind; `f` holds exactly the file's columns, the shared four
 * (id, effectiveTime, active, moduleId) already checked. */
typedef enum sv_err (*rf2_row_fn)(struct rf2 *s, const struct lines *lr, char **f, struct sv_error *err);

#define RF2_MAX_COLS 10

/* Streams one RF2 file: checks its header against `cols`, every row's column count and shared
 * columns, then hands the row to `row`. `id_is_concept` says whether the id column names concepts. */
static enum sv_err rf2_read(struct rf2 *s, const char *path, const char *const *cols, size_t ncols,
			    int id_is_concept, rf2_row_fn row, struct sv_error *err)
{
	struct lines lr;
	char *line, *f[RF2_MAX_COLS];
	size_t len, got;
	enum sv_err rc;
	int r = 0;

	rc = lines_open(&lr, path, MAX_RF2_FILE, err);
	if (rc != SV_OK)
		goto out;
	r = lines_next(&lr, &line, &len, err);
	if (r <= 0) {
		rc = r < 0 ? SV_EINVAL : sv_fail(err, SV_EINVAL, "%s: empty file, expected a header row", path);
		goto out;
	}
	rc = check_header(&lr, line, cols, ncols, err);
	while (rc == SV_OK && (r = lines_next(&lr, &line, &len, err)) == 1) {
		size_t time_len;

		got = split_tabs(line, f, RF2_MAX_COLS);
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
		else if ((rc = rf2_id(&lr, f[0], "id", id_is_concept, err)) == SV_OK &&
			 (rc = rf2_id(&lr, f[3], "moduleId", 1, err)) == SV_OK)
			rc = row(s, &lr, f, err);
	}
	if (rc == SV_OK && r < 0)
		rc = SV_EINVAL; /* err holds the detail */
out:
	lines_close(&lr);
	return rc;
}

static const char *const rf2_concept_cols[] = { "id", "effectiveTime", "active", "moduleId",
						"definitionStatusId" };
static const char *const rf2_description_cols[] = { "id", "effectiveTime", "active", "moduleId", "conceptId",
						    "languageCode", "typeId", "term", "caseSignificanceId" };
static const char *const rf2_relationship_cols[] = { "id", "effectiveTime", "active", "moduleId",
						     "sourceId", "destinationId", "relationshipGroup",
						     "typeId", "characteristicTypeId", "modifierId" };

/* A concept row: counted for its module's newest effectiveTime; kept when active. */
static enum sv_err rf2_concept_row(struct rf2 *s, const struct lines *lr, char **f, struct sv_error *err)
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
	if (f[2][0] != '1')
		return SV_OK;
	if (s->n == MAX_CONCEPTS)
		return sv_fail(err, SV_ETOOBIG, "%s:%zu: more than %zu active concepts", lr->path, lr->lineno,
			       MAX_CONCEPTS);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = sv_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n] = (struct rf2_concept){ .id = sv_xstrdup(f[0]) };
	if (!sv_strmap_put(&s->map, s->v[s->n].id, (uint32_t)s->n)) {
		free(s->v[s->n].id);
		return sv_fail(err, SV_EINVAL, "%s:%zu: concept %s appears twice in a snapshot", lr->path,
			       lr->lineno, f[0]);
	}
	s->n++;
	return SV_OK;
}

/* A description row: an active one of an active concept becomes a designation. */
static enum sv_err rf2_description_row(struct rf2 *s, const struct lines *lr, char **f,
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
		return SV_OK; /* inactive description, or a concept that is not active */
	c = &s->v[idx];
	fsn = strcmp(f[6], SCT_FSN) == 0;
	syn = strcmp(f[6], SCT_SYNONYM) == 0;
	if (!c->designation)
		c->designation = cJSON_CreateArray();
	cJSON_AddItemToArray(c->designation,
			     designation_new(f[5], SCT_URL, f[6],
					     fsn ? "Fully specified name" : syn ? "Synonym" : NULL, f[7]));
	/* display = the FSN (no language refset is read); a concept without one gets a synonym.
	 * With several FSNs (one per language file) the first file's, in name order, wins. */
	if ((fsn && !c->display_is_fsn) || (syn && !c->display)) {
		free(c->display);
		c->display = sv_xstrdup(f[7]);
		c->display_is_fsn = fsn;
	}
	return SV_OK;
}

/* A relationship row: an active is-a between two active concepts becomes a `parent`. */
static enum sv_err rf2_relationship_row(struct rf2 *s, const struct lines *lr, char **f,
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
	if (f[2][0] != '1' || strcmp(f[7], SCT_IS_A) != 0)
		return SV_OK;
	/* A link from or to a concept that is not active here is dropped, so every parent the
	 * CodeSystem names is one of its concepts. */
	if (!sv_strmap_get(&s->map, f[4], &src) || !sv_strmap_get(&s->map, f[5], &dst))
		return SV_OK;
	c = &s->v[src];
	if (!c->property)
		c->property = cJSON_CreateArray();
	cJSON_ArrayForEach(p, c->property)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "valueCode")), f[5]) == 0)
			return SV_OK; /* the same link twice (e.g. in two relationship groups) */
	add_parent(c->property, f[5]);
	return SV_OK;
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
	cJSON *concepts = NULL, *cs = NULL, *result = NULL;
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
	if (rf2_read(&s, files.concept, rf2_concept_cols, 5, 1, rf2_concept_row, err) != SV_OK)
		goto out;
	if (s.n == 0) {
		sv_fail(err, SV_EINVAL, "%s: no active concepts", files.concept);
		goto out;
	}
	for (size_t i = 0; i < files.ndesc; i++)
		if (rf2_read(&s, files.desc[i], rf2_description_cols, 9, 0, rf2_description_row, err) != SV_OK)
			goto out;
	if (rf2_read(&s, files.relationship, rf2_relationship_cols, 10, 0, rf2_relationship_row, err) !=
	    SV_OK)
		goto out;

	edition = rf2_edition(&s);
	snprintf(version, sizeof(version), SCT_URL "/%s/version/%s", edition->id, edition->time);
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
		if (c->property && cJSON_GetArraySize(c->property) > 0) {
			cJSON_AddItemToObject(concept, "property", c->property);
			c->property = NULL;
		}
	}
	{
		const struct cs_meta meta = {
			.url = SCT_URL,
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
			.description = "Imported from an RF2 Snapshot: active concepts, active descriptions "
				       "as designations (display = fully specified name), active is-a rows "
				       "of the (inferred) relationship file as parent.",
		};
		cs = codesystem_new(&meta);
	}
	codesystem_finish(cs, concepts);
	concepts = NULL;
	result = cs;
out:
	cJSON_Delete(concepts);
	rf2_files_release(&files);
	rf2_release(&s);
	return result;
}

/* ---- FHIR JSON/XML files ------------------------------------------------------------------- */

static int json_too_deep(const cJSON *item, int depth)
{
	const cJSON *c;

	if (depth > SV_FHIR_MAX_DEPTH)
		return 1;
	cJSON_ArrayForEach(c, item)
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && json_too_deep(c, depth + 1))
			return 1;
	return 0;
}

static size_t count_concepts(const cJSON *list)
{
	const cJSON *c;
	size_t n = 0;

	cJSON_ArrayForEach(c, list)
		n += 1 + count_concepts(cJSON_GetObjectItemCaseSensitive(c, "concept"));
	return n;
}

/* Checks one resource is a terminology resource; a complete CodeSystem's count must match. */
static enum sv_err check_terminology(const cJSON *res, const char *where, struct sv_error *err)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "resourceType"));
	const cJSON *count;
	const char *content;

	if (!cJSON_IsObject(res) || !type)
		return sv_fail(err, SV_EINVAL, "%s: not a FHIR resource (no resourceType)", where);
	if (strcmp(type, "ValueSet") == 0 || strcmp(type, "ConceptMap") == 0)
		return SV_OK;
	if (strcmp(type, "CodeSystem") != 0)
		return sv_fail(err, SV_EINVAL,
			       "%s: resourceType %.64s is not CodeSystem, ValueSet, ConceptMap or a Bundle of them",
			       where, type);
	count = cJSON_GetObjectItemCaseSensitive(res, "count");
	content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "content"));
	if (cJSON_IsNumber(count) && content && strcmp(content, "complete") == 0) {
		size_t n = count_concepts(cJSON_GetObjectItemCaseSensitive(res, "concept"));
		if (count->valuedouble != (double)n)
			return sv_fail(err, SV_EINVAL, "%s: CodeSystem count is %g but it holds %zu concepts",
				       where, count->valuedouble, n);
	}
	return SV_OK;
}

/* Line number of byte `off` in `buf`, for JSON parse errors. */
static size_t line_of(const char *buf, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

cJSON *sv_import_fhir_file(const char *path, struct sv_error *err)
{
	char *buf = NULL;
	size_t len = 0, i = 0;
	cJSON *doc = NULL, *list = NULL, *result = NULL;
	const char *type;

	buf = sv_file_read(path, SV_IMPORT_MAX_FILE, &len, err);
	if (!buf)
		goto out;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i + 3 <= len && memcmp(buf + i, "\xef\xbb\xbf", 3) == 0)
		i += 3;
	if (i < len && buf[i] == '<') {
		struct sv_error xerr = { 0 };
		doc = sv_fhirxml_to_json(buf, len, &xerr);
		if (!doc) {
			sv_fail(err, SV_EINVAL, "%s: %s", path, xerr.message);
			goto out;
		}
	} else {
		const char *end = NULL;
		/* +1: cJSON's null-terminated check needs the NUL inside the length */
		doc = cJSON_ParseWithLengthOpts(buf + i, len - i + 1, &end, 1);
		if (!doc) {
			size_t off = end && end >= buf + i ? (size_t)(end - buf) : i;
			sv_fail(err, SV_EINVAL, "%s:%zu: not valid JSON", path, line_of(buf, off));
			goto out;
		}
		if (json_too_deep(doc, 1)) {
			sv_fail(err, SV_EINVAL, "%s: JSON nested deeper than %d", path, SV_FHIR_MAX_DEPTH);
			goto out;
		}
	}
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "resourceType"));
	list = cJSON_CreateArray();
	if (type && strcmp(type, "Bundle") == 0) {
		cJSON *entries = cJSON_GetObjectItemCaseSensitive(doc, "entry"), *e;
		size_t n = 0;

		cJSON_ArrayForEach(e, entries) {
			char where[64];
			cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(e, "resource");

			snprintf(where, sizeof(where), "Bundle.entry[%zu].resource", n++);
			if (!res) {
				sv_fail(err, SV_EINVAL, "%s: %s is missing", path, where);
				goto out;
			}
			cJSON_AddItemToArray(list, res);
			if (check_terminology(res, where, err) != SV_OK) {
				/* prefix the file name to the message */
				char msg[sizeof(err->message)];
				snprintf(msg, sizeof(msg), "%s", err ? err->message : "");
				sv_fail(err, SV_EINVAL, "%s: %s", path, msg);
				goto out;
			}
		}
		if (n == 0) {
			sv_fail(err, SV_EINVAL, "%s: Bundle has no entries", path);
			goto out;
		}
	} else {
		if (check_terminology(doc, path, err) != SV_OK)
			goto out;
		cJSON_AddItemToArray(list, doc);
		doc = NULL;
	}
	result = list;
	list = NULL;
out:
	cJSON_Delete(list);
	cJSON_Delete(doc);
	free(buf);
	return result;
}

/* ---- merging a second language into an earlier import ---------------------------------------- */

struct concept_list {
	const cJSON **v;
	uint32_t n, cap;
};

static void collect_concepts(const cJSON *concepts, struct concept_list *l, int depth)
{
	const cJSON *c;
	if (depth > 64)
		return;
	cJSON_ArrayForEach(c, concepts) {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 256;
			l->v = sv_xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		l->v[l->n++] = c;
		collect_concepts(cJSON_GetObjectItemCaseSensitive(c, "concept"), l, depth + 1);
	}
}

static int has_designation(const cJSON *concept, const char *lang, const char *value, const char *own_lang)
{
	const cJSON *d;
	const char *display = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(concept, "display"));
	if (display && own_lang && strcmp(own_lang, lang) == 0 && strcmp(display, value) == 0)
		return 1;
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(concept, "designation")) {
		const char *dl = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "language"));
		const char *dv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "value"));
		if (dl && dv && strcmp(dl, lang) == 0 && strcmp(dv, value) == 0)
			return 1;
	}
	return 0;
}

static int add_designation(cJSON *concept, const char *lang, const char *value, const cJSON *use,
			   const char *own_lang)
{
	cJSON *list, *d;
	if (!lang || !value || has_designation(concept, lang, value, own_lang))
		return 0;
	list = cJSON_GetObjectItemCaseSensitive(concept, "designation");
	if (!list)
		list = cJSON_AddArrayToObject(concept, "designation");
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "language", lang);
	if (use)
		cJSON_AddItemToObject(d, "use", cJSON_Duplicate(use, 1));
	cJSON_AddStringToObject(d, "value", value);
	cJSON_AddItemToArray(list, d);
	return 1;
}

int sv_import_merge_languages(cJSON *fresh, const cJSON *old)
{
	const char *new_lang = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(fresh, "language"));
	const char *old_lang = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(old, "language"));
	struct concept_list olds = {0}, news = {0};
	struct sv_strmap index;
	int added = 0;

	if (!new_lang || !old_lang || strcmp(new_lang, old_lang) == 0)
		return 0;
	collect_concepts(cJSON_GetObjectItemCaseSensitive(old, "concept"), &olds, 0);
	collect_concepts(cJSON_GetObjectItemCaseSensitive(fresh, "concept"), &news, 0);
	sv_strmap_init(&index, olds.n);
	for (uint32_t i = 0; i < olds.n; i++) {
		const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(olds.v[i], "code"));
		if (code)
			sv_strmap_put(&index, code, i);
	}
	for (uint32_t i = 0; i < news.n; i++) {
		cJSON *c = (cJSON *)news.v[i];
		const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "code"));
		const cJSON *o, *d;
		uint32_t k;
		if (!code || !sv_strmap_get(&index, code, &k))
			continue;
		o = olds.v[k];
		added += add_designation(c, old_lang, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "display")),
					 NULL, new_lang);
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(o, "designation"))
			added += add_designation(c, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "language")),
						 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "value")),
						 cJSON_GetObjectItemCaseSensitive(d, "use"), new_lang);
	}
	sv_strmap_release(&index);
	free(olds.v);
	free(news.v);
	return added;
}
