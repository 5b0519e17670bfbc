/* fhirxml_read.c — FHIR XML -> FHIR JSON. The input is first scanned at linear cost (attributes per
 * element and nodes capped: libxml2 checks duplicate attributes pairwise), then parsed into a tree
 * with a parser context of our own: no network, no DTD, no entity substitution, errors captured in
 * the context rather than printed, and any DOCTYPE stops the parser before its internal subset is
 * read (so entity bombs and external entities never get a chance). */
#include "samsvar/fhirxml.h"
#include "samsvar/fhirxml_types.h"
#include "samsvar/utf8.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* ---- XML -> JSON ------------------------------------------------------------------------- */

struct reader {
	struct sv_error *err;
};

static int rfail(struct reader *r, const xmlNode *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records an input error prefixed with the line of `at` and returns -1. */
static int rfail(struct reader *r, const xmlNode *at, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sv_fail(r->err, SV_EINVAL, "line %ld: %s", at ? xmlGetLineNo(at) : 0L, msg);
	return -1;
}

static int in_ns(const xmlNode *n, const char *href)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, href) == 0;
}

static int is_blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/* Text allowed between FHIR elements: whitespace, comments, processing instructions. */
static int check_other_node(struct reader *r, const xmlNode *c, const xmlNode *parent)
{
	switch (c->type) {
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		if (!is_blank(c->content))
			return rfail(r, c, "text is not allowed inside <%s> (FHIR uses value attributes)",
				     (const char *)parent->name);
		return 0;
	case XML_COMMENT_NODE:
	case XML_PI_NODE:
		return 0;
	default:
		return rfail(r, c, "unexpected XML node inside <%s>", (const char *)parent->name);
	}
}

static cJSON *read_resource(struct reader *r, const xmlNode *node, int depth);
static int read_content(struct reader *r, const struct sv_fx_type *t, const xmlNode *node,
			cJSON *obj, int depth, int value_ok);

/* 1 if `s` matches FHIR's decimal (and integer) lexical form; integers must not have . or e. */
static int number_syntax_ok(const char *s, int integer)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (integer)
		return *p == '\0';
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

static cJSON *read_value(struct reader *r, const struct sv_fx_prop *p, const xmlNode *c,
			 const char *s)
{
	double d;

	switch (p->kind) {
	case SV_FX_STRING:
		return cJSON_CreateString(s);
	case SV_FX_BOOLEAN:
		if (strcmp(s, "true") == 0)
			return cJSON_CreateTrue();
		if (strcmp(s, "false") == 0)
			return cJSON_CreateFalse();
		rfail(r, c, "<%s value=\"%s\"> is not a boolean (true or false)", p->name, s);
		return NULL;
	case SV_FX_INTEGER:
	case SV_FX_DECIMAL:
		errno = 0;
		d = strtod(s, NULL);
		if (!number_syntax_ok(s, p->kind == SV_FX_INTEGER) || errno == ERANGE || !isfinite(d) ||
		    (p->kind == SV_FX_INTEGER && fabs(d) > 2147483647.0)) {
			rfail(r, c, "<%s value=\"%s\"> is not a valid number", p->name, s);
			return NULL;
		}
		/* cJSON holds a double: a decimal's trailing zeros ("1.50") do not survive. */
		return cJSON_CreateNumber(d);
	default:
		SV_BUG("read_value on a non-primitive");
	}
}

/* Serialises a narrative div subtree to a string, declaring its namespace on the div. */
static cJSON *read_div(struct reader *r, const xmlNode *c, int depth)
{
	xmlDocPtr doc = NULL;
	xmlBufferPtr buf = NULL;
	xmlNodePtr copy;
	cJSON *s = NULL;
	const xmlNode *n = c;
	int d = depth;

	/* Depth-first walk without recursion to enforce the nesting cap inside the XHTML too. */
	while (n) {
		if (n->type == XML_ELEMENT_NODE && d > SV_FHIR_MAX_DEPTH) {
			rfail(r, n, "XML nests deeper than %d levels", SV_FHIR_MAX_DEPTH);
			goto out;
		}
		if (n->children && n->type == XML_ELEMENT_NODE) {
			n = n->children;
			d++;
			continue;
		}
		while (n != c && !n->next) {
			n = n->parent;
			d--;
		}
		if (n == c)
			break;
		n = n->next;
	}
	doc = xmlNewDoc(BAD_CAST "1.0");
	copy = doc ? xmlDocCopyNode((xmlNodePtr)c, doc, 1) : NULL;
	buf = xmlBufferCreate();
	if (!copy || !buf) {
		sv_fail(r->err, SV_EINTERNAL, "cannot copy the narrative div");
		goto out;
	}
	xmlDocSetRootElement(doc, copy);
	if (xmlNodeDump(buf, doc, copy, 0, 0) < 0) {
		sv_fail(r->err, SV_EINTERNAL, "cannot serialise the narrative div");
		goto out;
	}
	s = cJSON_CreateString((const char *)xmlBufferContent(buf));
out:
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return s;
}

/* Reads one element `c` of property `p`: *val gets the value (NULL for a primitive with only
 * extensions), *ext the `_x` object of a primitive with an id or extensions (else NULL). */
static int read_item(struct reader *r, const struct sv_fx_prop *p, const xmlNode *c, int depth,
		     cJSON **val, cJSON **ext)
{
	*val = *ext = NULL;
	if (sv_fx_is_primitive(p)) {
		cJSON *e = cJSON_CreateObject();
		xmlChar *v = xmlGetNoNsProp(c, BAD_CAST "value");

		if (read_content(r, sv_fx_element(), c, e, depth + 1, 1) < 0)
			goto prim_fail;
		if (v) {
			*val = read_value(r, p, c, (const char *)v);
			if (!*val)
				goto prim_fail;
		}
		if (e->child) {
			*ext = e;
			e = NULL;
		} else if (!*val) {
			rfail(r, c, "<%s> has neither a value nor extensions", p->name);
			goto prim_fail;
		}
		cJSON_Delete(e);
		xmlFree(v);
		return 0;
prim_fail:
		cJSON_Delete(e);
		xmlFree(v);
		return -1;
	}
	if (p->kind == SV_FX_COMPLEX) {
		*val = cJSON_CreateObject();
		return read_content(r, &sv_fx_types[p->type], c, *val, depth + 1, 0);
	}
	if (p->kind == SV_FX_XHTML) {
		*val = read_div(r, c, depth);
		return *val ? 0 : -1;
	}
	/* SV_FX_RESOURCE: <resource><Patient>...</Patient></resource> */
	const xmlNode *inner = NULL;
	for (const xmlAttr *a = c->properties; a; a = a->next)
		if (!a->ns)
			return rfail(r, c, "unknown attribute '%s' on <%s>", (const char *)a->name,
				     p->name);
	for (const xmlNode *k = c->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE) {
			if (check_other_node(r, k, c) < 0)
				return -1;
			continue;
		}
		if (inner)
			return rfail(r, k, "<%s> must hold exactly one resource", p->name);
		inner = k;
	}
	if (!inner)
		return rfail(r, c, "<%s> must hold exactly one resource", p->name);
	*val = read_resource(r, inner, depth + 1);
	return *val ? 0 : -1;
}

/* Appends `item` (NULL means JSON null) to the array `key` of `obj`, creating it when absent;
 * `fill` nulls are put first when the array is new (aligns `_x` with `x`). Returns the array. */
static cJSON *append(cJSON *obj, const char *key, cJSON *item, int fill)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!arr) {
		arr = cJSON_AddArrayToObject(obj, key);
		while (fill-- > 0)
			cJSON_AddItemToArray(arr, cJSON_CreateNull());
	}
	cJSON_AddItemToArray(arr, item ? item : cJSON_CreateNull());
	return arr;
}

/* Fills `obj` from the attributes and child elements of `node`, an instance of `t`. `value_ok`
 * lets a primitive's `value` attribute through (its caller reads it). */
static int read_content(struct reader *r, const struct sv_fx_type *t, const xmlNode *node,
			cJSON *obj, int depth, int value_ok)
{
	char ekey[128];
	int null_values = 0;

	if (depth > SV_FHIR_MAX_DEPTH)
		return rfail(r, node, "XML nests deeper than %d levels", SV_FHIR_MAX_DEPTH);
	for (const xmlAttr *a = node->properties; a; a = a->next) {
		const struct sv_fx_prop *p;
		xmlChar *v;

		if (a->ns) /* xsi:schemaLocation, xml:lang …: not FHIR content */
			continue;
		if (value_ok && strcmp((const char *)a->name, "value") == 0)
			continue;
		p = sv_fx_prop_find(t, (const char *)a->name, strlen((const char *)a->name));
		if (!p || !(p->flags & SV_FX_ATTR))
			return rfail(r, node, "unknown attribute '%s' on <%s>", (const char *)a->name,
				     (const char *)node->name);
		v = xmlNodeGetContent((const xmlNode *)a);
		cJSON_AddStringToObject(obj, p->name, v ? (const char *)v : "");
		xmlFree(v);
	}
	for (const xmlNode *c = node->children; c; c = c->next) {
		const struct sv_fx_prop *p;
		const char *name = (const char *)c->name;
		cJSON *val = NULL, *ext = NULL;

		if (c->type != XML_ELEMENT_NODE) {
			if (check_other_node(r, c, node) < 0)
				return -1;
			continue;
		}
		p = sv_fx_prop_find(t, name, strlen(name));
		if ((p && p->kind == SV_FX_XHTML) ? !in_ns(c, SV_FX_XHTML_NS) : !in_ns(c, SV_FX_FHIR_NS))
			return rfail(r, c, "element <%s> is in namespace '%s', not the FHIR namespace",
				     name, c->ns && c->ns->href ? (const char *)c->ns->href : "");
		if (!p || (p->flags & SV_FX_ATTR))
			return rfail(r, c, "unknown element <%s> in %s", name, t->name);
		snprintf(ekey, sizeof(ekey), "_%s", p->name);
		if (read_item(r, p, c, depth, &val, &ext) < 0) {
			cJSON_Delete(val);
			cJSON_Delete(ext);
			return -1;
		}
		if (!(p->flags & SV_FX_ARRAY)) {
			if (cJSON_GetObjectItemCaseSensitive(obj, p->name) ||
			    cJSON_GetObjectItemCaseSensitive(obj, ekey)) {
				cJSON_Delete(val);
				cJSON_Delete(ext);
				return rfail(r, c, "element <%s> repeats but %s allows only one", name,
					     t->name);
			}
			if (val)
				cJSON_AddItemToObject(obj, p->name, val);
			if (ext)
				cJSON_AddItemToObject(obj, ekey, ext);
			continue;
		}
		cJSON *arr = append(obj, p->name, val, 0);
		if (!val)
			null_values = 1;
		if (sv_fx_is_primitive(p)) {
			cJSON *earr = cJSON_GetObjectItemCaseSensitive(obj, ekey);
			if (ext || earr)
				append(obj, ekey, ext, cJSON_GetArraySize(arr) - 1);
		}
	}
	if (null_values) {
		/* A primitive list that has only extensions has no value array at all in JSON. */
		cJSON *it = obj->child;
		while (it) {
			cJSON *next = it->next, *e;
			if (cJSON_IsArray(it) && it->string[0] != '_') {
				for (e = it->child; e && cJSON_IsNull(e); e = e->next)
					;
				if (!e)
					cJSON_Delete(cJSON_DetachItemViaPointer(obj, it));
			}
			it = next;
		}
	}
	return 0;
}

static cJSON *read_resource(struct reader *r, const xmlNode *node, int depth)
{
	const char *name = (const char *)node->name;
	const struct sv_fx_type *t;
	cJSON *obj;

	if (!in_ns(node, SV_FX_FHIR_NS)) {
		rfail(r, node, "element <%s> is in namespace '%s', not the FHIR namespace", name,
		      node->ns && node->ns->href ? (const char *)node->ns->href : "");
		return NULL;
	}
	t = sv_fx_type_find(name, strlen(name));
	if (!t || t->resource != 1) {
		rfail(r, node, "<%s> is not a FHIR R4 resource", name);
		return NULL;
	}
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "resourceType", t->name);
	if (read_content(r, t, node, obj, depth + 1, 0) < 0) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

/* ---- linear pre-scan ---------------------------------------------------------------------- */

/* Returns the first position at or after `p` where `pat` starts, or NULL. */
static const char *find(const char *p, const char *end, const char *pat)
{
	return p < end ? memmem(p, (size_t)(end - p), pat, strlen(pat)) : NULL;
}

/* An XML element or attribute costs two to three times what a JSON value does to read (libxml2's tree,
 * then the JSON one; measured in `make bench`), so each counts three times against the cap. */
#define XML_NODE_WEIGHT 3

enum sv_err sv_fhirxml_scan(const char *xml, size_t len, unsigned max_nodes, struct sv_error *err)
{
	const char *p = xml, *end = xml + len;
	unsigned long nodes = 0;
	size_t bad = sv_utf8_check(xml, len);

	/* FHIR XML is UTF-8. Anything else could hide the markup from this scan (in EBCDIC, '<' is
	 * not 0x3C) while libxml2, told the encoding, would parse all of it. */
	if (bad < len)
		return sv_fail(err, SV_EINVAL, "the XML is not valid UTF-8 (byte %zu): FHIR XML is UTF-8", bad);
	if (len >= 5 && memcmp(xml, "<?xml", 5) == 0) {
		const char *decl_end = find(xml, end, "?>");
		const char *enc = decl_end ? memmem(xml, (size_t)(decl_end - xml), "encoding", 8) : NULL;
		if (enc) {
			const char *q = enc + 8;
			while (q < decl_end && (*q == ' ' || *q == '=' || *q == '\t'))
				q++;
			if (q < decl_end && (*q == '"' || *q == '\'') &&
			    !((size_t)(decl_end - q) > 6 && strncasecmp(q + 1, "UTF-8", 5) == 0 && q[6] == *q))
				return sv_fail(err, SV_EINVAL, "the XML declares an encoding other than UTF-8: FHIR "
					       "XML is UTF-8");
		}
	}

	while ((p = p < end ? memchr(p, '<', (size_t)(end - p)) : NULL) != NULL) {
		const char *close;
		unsigned attrs = 0;

		if ((size_t)(end - p) >= 4 && memcmp(p, "<!--", 4) == 0)
			close = find(p + 4, end, "-->");
		else if ((size_t)(end - p) >= 9 && memcmp(p, "<![CDATA[", 9) == 0)
			close = find(p + 9, end, "]]>");
		else if ((size_t)(end - p) >= 2 && (p[1] == '?' || p[1] == '!' || p[1] == '/'))
			close = memchr(p, '>', (size_t)(end - p));
		else {
			/* A start tag: each attribute has exactly one quoted value, and a quoted value
			 * may hold '>', so walk quote to quote. */
			const char *q = p + 1;
			close = NULL;
			if ((nodes += XML_NODE_WEIGHT) > max_nodes)
				return sv_fail(err, SV_ETOOBIG, "the XML body has more than %u elements and "
					       "attributes (max_body_nodes / %d)", max_nodes / XML_NODE_WEIGHT,
					       XML_NODE_WEIGHT);
			while (q < end && *q != '>') {
				if (*q == '"' || *q == '\'') {
					const char *qe = memchr(q + 1, *q, (size_t)(end - q - 1));
					if (!qe)
						break;
					if (++attrs > SV_XML_MAX_ATTRS)
						return sv_fail(err, SV_EINVAL, "an XML element has more than %d "
							       "attributes", SV_XML_MAX_ATTRS);
					if ((nodes += XML_NODE_WEIGHT) > max_nodes)
						return sv_fail(err, SV_ETOOBIG, "the XML body has more than %u "
							       "elements and attributes (max_body_nodes / %d)",
							       max_nodes / XML_NODE_WEIGHT, XML_NODE_WEIGHT);
					q = qe + 1;
					continue;
				}
				q++;
			}
			if (q < end)
				close = q;
		}
		if (!close)
			break;    /* unterminated: the parser reports it with its line */
		p = close + 1;
	}
	return SV_OK;
}

cJSON *sv_fhirxml_to_json(const char *xml, size_t len, struct sv_error *err)
{
	return sv_fhirxml_to_json_max(xml, len, UINT_MAX, err);
}

cJSON *sv_fhirxml_to_json_max(const char *xml, size_t len, unsigned max_nodes, struct sv_error *err)
{
	struct reader r = {.err = err};
	xmlDocPtr doc;
	xmlNodePtr root;
	cJSON *result = NULL;

	if (!xml) {
		sv_fail(err, SV_EINVAL, "no XML to read");
		return NULL;
	}
	if (sv_fhirxml_scan(xml, len, max_nodes, err) != SV_OK)
		return NULL;
	doc = sv_fx_parse_xml(xml, len, "XML body", err);
	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (!root)
		sv_fail(err, SV_EINVAL, "XML body has no root element");
	else
		result = read_resource(&r, root, 0);
	xmlFreeDoc(doc);
	return result;
}
