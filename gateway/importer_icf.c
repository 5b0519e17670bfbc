/* importer_icf.c — WHO ICF from a table (code, parent, title) or a ClaML release into the ICF CodeSystem.
 *
 * Both read their input once (the table line by line, ClaML with libxml2's xmlTextReader), validate
 * every class they keep and stop at the first bad one with "file:line: why" in err. */
#include "samsvar/importer.h"
#include "samsvar/importer_common.h"
#include "samsvar/fhirxml.h"
#include "samsvar/strmap.h"
#include "samsvar/systems.h"
#include "samsvar/text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

/* The ICF code set both bundled files carry is the one WHO published in 2001 (the English table is
 * rendered from the WHO ICF 1.0.2 OWL of 2012-08-05, the German ClaML is DIMDI's 2005 translation
 * released 2012-06-19; both hold the same 1,495 codes and parent links). The classification's
 * version is therefore 2001, and both imports share it so the German titles can be merged as
 * designations into the same CodeSystem version; the file editions go into `description`. */
#define ICF_VERSION "2001"
#define ICF_COPYRIGHT_EN "ICF \xc2\xa9 World Health Organization 2001"

#define MAX_CODE 64                      /* longest ICF/ClaML code accepted */
#define MAX_TITLE 4096

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
static cJSON *icf_build(const struct icf_list *l, const struct sv_cs_meta *meta, const char *lang,
			const char *where, struct sv_error *err)
{
	struct sv_strmap map;
	cJSON *concepts = NULL, *result = NULL;
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
		cJSON_AddItemToArray(des, sv_imp_designation_new(lang, NULL, NULL, NULL, c->title));
		if (c->parent)
			sv_imp_add_parent(cJSON_AddArrayToObject(concept, "property"), c->parent);
	}
	result = sv_imp_codesystem(meta, concepts);
	concepts = NULL;
out:
	cJSON_Delete(concepts);
	sv_strmap_release(&map);
	return result;
}

cJSON *sv_import_icf_tsv(const char *path, struct sv_error *err)
{
	static const char *const header[] = { "code", "parent", "title" };
	static const struct sv_cs_meta meta = {
		.url = SV_SYS_ICF,
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
	struct sv_lines lr;
	struct icf_list l = { 0 };
	cJSON *result = NULL;
	char *line, *f[4];
	size_t len;
	int r, have_header = 0;

	if (sv_lines_open(&lr, path, SV_IMPORT_MAX_FILE, err) != SV_OK)
		goto out;
	while ((r = sv_lines_next(&lr, &line, &len, err)) == 1) {
		if (len == 0 || line[0] == '#')
			continue;
		if (!have_header) {
			if (sv_imp_check_header(&lr, line, header, 3, err) != SV_OK)
				goto out;
			have_header = 1;
			continue;
		}
		if (sv_split_tabs(line, f, 4) != 3) {
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
	sv_lines_close(&lr);
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
					title = sv_collapse_ws(text ? (const char *)text : "");
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
	if (sv_imp_check_file(path, SV_IMPORT_MAX_FILE, err) != SV_OK)
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
			if (l.n > SV_IMPORT_MAX_CONCEPTS) {
				sv_fail(err, SV_ETOOBIG, "%s: more than %zu classes", path, SV_IMPORT_MAX_CONCEPTS);
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
			title = sv_collapse_ws(t ? (const char *)t : "");
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
		const struct sv_cs_meta meta = {
			.url = SV_SYS_ICF,
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
