/* fhirxml.c — FHIR R4 XML <-> JSON, driven by the generated type table (fhirxml_types.c).
 *
 * JSON -> XML writes with libxml2's xmlTextWriter (it escapes text and attributes, including
 * newlines in attributes); properties are emitted in the table's definition order because the XSD
 * is a sequence and JSON key order means nothing. XML -> JSON parses into a libxml2 tree with a
 * parser context of our own: no network, no DTD, no entity substitution, errors captured in the
 * context rather than printed, and any DOCTYPE stops the parser before its internal subset is read
 * (so entity bombs and external entities never get a chance). */
#include "samsvar/fhirxml.h"
#include "samsvar/fhirxml_types.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/chvalid.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlwriter.h>

#define FHIR_NS "http://hl7.org/fhir"
#define XHTML_NS "http://www.w3.org/1999/xhtml"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static const struct sv_fx_type *element_t; /* "Element": a primitive's id and extensions */

static const struct sv_fx_type *type_find(const char *name, size_t len);

static void init_once_fn(void)
{
	xmlInitParser();
	element_t = type_find("Element", 7);
	if (!element_t)
		SV_BUG("type table has no Element");
}

void sv_fhirxml_init(void)
{
	pthread_once(&init_once, init_once_fn);
}

/* ---- type table look-ups ---------------------------------------------------------------- */

/* strcmp() of the `len` bytes at `s` (not NUL-terminated) against the string `t`. */
static int cmp_n(const char *s, size_t len, const char *t)
{
	int c = strncmp(s, t, len);
	if (c)
		return c;
	return t[len] ? -1 : 0;
}

static const struct sv_fx_type *type_find(const char *name, size_t len)
{
	size_t lo = 0, hi = sv_fx_ntypes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_n(name, len, sv_fx_types[mid].name);
		if (c == 0)
			return &sv_fx_types[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct sv_fx_prop *prop_find(const struct sv_fx_type *t, const char *name, size_t len)
{
	size_t lo = 0, hi = t->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct sv_fx_prop *p = &sv_fx_props[t->first + sv_fx_sorted[t->first + mid]];
		int c = cmp_n(name, len, p->name);
		if (c == 0)
			return p;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int is_primitive(const struct sv_fx_prop *p)
{
	return p->kind <= SV_FX_BOOLEAN;
}


/* ---- XML parsing with a locked-down context --------------------------------------------- */

struct parse_state {
	int doctype;
	int have_error;
	int line;
	char message[200];
};

static void on_parse_error(void *ctx, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = ctxt->_private;
	size_t n;

	if (!st || st->have_error || !e || e->level < XML_ERR_ERROR)
		return;
	st->have_error = 1;
	st->line = e->line;
	snprintf(st->message, sizeof(st->message), "%s", e->message ? e->message : "parse error");
	n = strlen(st->message);
	while (n && (st->message[n - 1] == '\n' || st->message[n - 1] == ' '))
		st->message[--n] = '\0';
}

/* Called when the parser meets <!DOCTYPE ...>, before the internal subset: stop right there. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_state *st = ctxt->_private;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	st->doctype = 1;
	xmlStopParser(ctxt);
}

/* Parses `len` bytes into a tree; `what` names the input in messages. NULL with err set on failure. */
static xmlDocPtr parse_xml(const char *buf, size_t len, const char *what, struct sv_error *err)
{
	struct parse_state st = {0};
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

	sv_fhirxml_init();
	if (len > INT_MAX) {
		sv_fail(err, SV_ETOOBIG, "%s is too large (%zu bytes)", what, len);
		goto out;
	}
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		sv_fail(err, SV_EINTERNAL, "cannot create an XML parser");
		goto out;
	}
	ctxt->_private = &st;
	ctxt->sax->serror = on_parse_error;
	ctxt->sax->internalSubset = on_doctype;
	ctxt->sax->externalSubset = on_doctype;
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL, options);
	if (st.doctype || (doc && (doc->intSubset || doc->extSubset))) {
		sv_fail(err, SV_EINVAL, "%s: DOCTYPE declarations are not allowed (line %d)", what,
			ctxt->input ? ctxt->input->line : 0);
		goto fail;
	}
	if (!doc || !ctxt->wellFormed || st.have_error) {
		if (st.have_error)
			sv_fail(err, SV_EINVAL, "%s is not well-formed XML: %s (line %d)", what,
				st.message, st.line);
		else
			sv_fail(err, SV_EINVAL, "%s is not well-formed XML", what);
		goto fail;
	}
	goto out;
fail:
	xmlFreeDoc(doc);
	doc = NULL;
out:
	if (ctxt) {
		ctxt->_private = NULL;
		xmlFreeParserCtxt(ctxt);
	}
	return doc;
}

/* ---- JSON -> XML ------------------------------------------------------------------------- */

struct writer {
	xmlTextWriterPtr w;
	struct sv_error *err;
	int failed;       /* err already set */
	int fhir_version; /* 5: use the R5 definition of a resource type where the table has one */
};

static int wfail(struct writer *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the first input error (later ones are consequences) and returns -1. */
static int wfail(struct writer *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->failed) {
		char msg[400];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		sv_fail(o->err, SV_EINVAL, "%s", msg);
	}
	o->failed = 1;
	return -1;
}

static int wcheck(struct writer *o, int rc)
{
	if (rc < 0) {
		if (!o->failed)
			sv_fail(o->err, SV_EINTERNAL, "XML writer failed");
		o->failed = 1;
		return -1;
	}
	return 0;
}

/* 1 when `s` is UTF-8 made only of characters XML 1.0 allows. */
static int xml_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);

	while (left) {
		if (*p < 0x80) {
			if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
				return 0;
			p++;
			left--;
			continue;
		}
		int n = left > 4 ? 4 : (int)left;
		int c = xmlGetUTF8Char(p, &n);
		if (c < 0 || !xmlIsCharQ(c))
			return 0;
		p += n;
		left -= (size_t)n;
	}
	return 1;
}

/* Formats a JSON number for `kind` into buf; -1 if it is not a valid value of that kind. */
static int format_number(double d, unsigned char kind, char *buf, size_t size)
{
	if (!isfinite(d))
		return -1;
	if (kind == SV_FX_INTEGER) {
		if (d != floor(d) || fabs(d) > 9007199254740992.0)
			return -1;
		snprintf(buf, size, "%lld", (long long)d);
		return 0;
	}
	if (d == floor(d) && fabs(d) < 1e15) {
		snprintf(buf, size, "%lld", (long long)d);
		return 0;
	}
	/* Shortest of 15 or 17 significant digits that reads back as the same double (as cJSON). */
	snprintf(buf, size, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, size, "%.17g", d);
	return 0;
}

static int write_content(struct writer *o, const struct sv_fx_type *t, const cJSON *obj, int depth);
static int write_resource(struct writer *o, const cJSON *obj, int depth, int root);

static int write_value_attr(struct writer *o, const struct sv_fx_prop *p, const cJSON *v)
{
	char num[64];
	const char *text = NULL;

	switch (p->kind) {
	case SV_FX_STRING:
		if (!cJSON_IsString(v))
			return wfail(o, "property '%s' must be a JSON string", p->name);
		text = v->valuestring;
		if (!xml_text_ok(text))
			return wfail(o, "property '%s' holds invalid UTF-8 or a character XML cannot carry",
				     p->name);
		break;
	case SV_FX_BOOLEAN:
		if (!cJSON_IsBool(v))
			return wfail(o, "property '%s' must be a JSON boolean", p->name);
		text = cJSON_IsTrue(v) ? "true" : "false";
		break;
	case SV_FX_INTEGER:
	case SV_FX_DECIMAL:
		if (!cJSON_IsNumber(v) || format_number(v->valuedouble, p->kind, num, sizeof(num)) < 0)
			return wfail(o, "property '%s' must be a JSON %s", p->name,
				     p->kind == SV_FX_INTEGER ? "integer" : "number");
		text = num;
		break;
	default:
		SV_BUG("write_value_attr on a non-primitive");
	}
	return wcheck(o, xmlTextWriterWriteAttribute(o->w, BAD_CAST "value", BAD_CAST text));
}

/* One primitive element: value in `v` (may be NULL/null), id and extensions in `ext` (may be NULL). */
static int write_primitive(struct writer *o, const struct sv_fx_prop *p, const cJSON *v,
			   const cJSON *ext, int depth)
{
	int has_v = v && !cJSON_IsNull(v), has_ext = ext && !cJSON_IsNull(ext);

	if (!has_v && !has_ext)
		return wfail(o, "property '%s' is null", p->name);
	if (wcheck(o, xmlTextWriterStartElement(o->w, BAD_CAST p->name)) < 0)
		return -1;
	if (has_ext && !cJSON_IsObject(ext))
		return wfail(o, "property '_%s' must be an object", p->name);
	if (has_v && write_value_attr(o, p, v) < 0)
		return -1;
	/* `_x` is an Element: its id becomes an attribute beside `value`, extensions children. */
	if (has_ext && write_content(o, element_t, ext, depth + 1) < 0)
		return -1;
	return wcheck(o, xmlTextWriterEndElement(o->w));
}

/* Narrative div: check that the string is one well-formed XHTML div, then copy it in verbatim
 * as libxml2 serialises it (so the output can never be broken by what the string holds). */
static int write_div(struct writer *o, const cJSON *v)
{
	struct sv_error perr = {0};
	xmlDocPtr doc = NULL;
	xmlBufferPtr buf = NULL;
	xmlNodePtr root;
	int rc = -1;

	if (!cJSON_IsString(v))
		return wfail(o, "property '%s' must be a string of XHTML", "div");
	doc = parse_xml(v->valuestring, strlen(v->valuestring), "narrative div", &perr);
	if (!doc) {
		wfail(o, "%s", perr.message);
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "div") != 0) {
		wfail(o, "narrative div must be a single <div> element");
		goto out;
	}
	if (!root->ns) {
		/* Declaring the default namespace on the root puts the whole unprefixed subtree in it. */
		xmlSetNs(root, xmlNewNs(root, BAD_CAST XHTML_NS, NULL));
	} else if (strcmp((const char *)root->ns->href, XHTML_NS) != 0) {
		wfail(o, "narrative div is in namespace '%s', expected '%s'",
		      (const char *)root->ns->href, XHTML_NS);
		goto out;
	}
	buf = xmlBufferCreate();
	if (!buf || xmlNodeDump(buf, doc, root, 0, 0) < 0) {
		wcheck(o, -1);
		goto out;
	}
	rc = wcheck(o, xmlTextWriterWriteRaw(o->w, xmlBufferContent(buf)));
out:
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return rc;
}

static int write_item(struct writer *o, const struct sv_fx_prop *p, const cJSON *v, const cJSON *ext,
		      int depth)
{
	if (is_primitive(p))
		return write_primitive(o, p, v, ext, depth);
	if (!v || cJSON_IsNull(v))
		return wfail(o, "property '%s' is null", p->name);
	switch (p->kind) {
	case SV_FX_COMPLEX:
		if (!cJSON_IsObject(v))
			return wfail(o, "property '%s' must be an object", p->name);
		if (wcheck(o, xmlTextWriterStartElement(o->w, BAD_CAST p->name)) < 0 ||
		    write_content(o, &sv_fx_types[p->type], v, depth + 1) < 0)
			return -1;
		return wcheck(o, xmlTextWriterEndElement(o->w));
	case SV_FX_RESOURCE:
		if (wcheck(o, xmlTextWriterStartElement(o->w, BAD_CAST p->name)) < 0 ||
		    write_resource(o, v, depth + 1, 0) < 0)
			return -1;
		return wcheck(o, xmlTextWriterEndElement(o->w));
	case SV_FX_XHTML:
		return write_div(o, v);
	default:
		SV_BUG("unknown property kind");
	}
}

static int write_prop(struct writer *o, const struct sv_fx_prop *p, const cJSON *v, const cJSON *ext,
		      int depth)
{
	if (!(p->flags & SV_FX_ARRAY)) {
		if (cJSON_IsArray(v) || cJSON_IsArray(ext))
			return wfail(o, "property '%s' must not be an array", p->name);
		return write_item(o, p, v, ext, depth);
	}
	if ((v && !cJSON_IsArray(v)) || (ext && !cJSON_IsArray(ext)))
		return wfail(o, "property '%s' must be an array", p->name);
	if (v && ext && cJSON_GetArraySize(v) != cJSON_GetArraySize(ext))
		return wfail(o, "arrays '%s' and '_%s' differ in length", p->name, p->name);
	const cJSON *a = v ? v->child : NULL, *b = ext ? ext->child : NULL;
	while (a || b) {
		if (write_item(o, p, a, b, depth) < 0)
			return -1;
		a = a ? a->next : NULL;
		b = b ? b->next : NULL;
	}
	return 0;
}

/* One JSON member mapped to its property; `order` is the index in definition order. */
struct member {
	unsigned order;
	int ext; /* 1 for the `_x` member of primitive `x` */
	const cJSON *item;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->ext - y->ext;
}

/* Writes the attributes and then the child elements of `obj`, an instance of `t`, in definition
 * order. The caller has started the element and ends it. */
static int write_content(struct writer *o, const struct sv_fx_type *t, const cJSON *obj, int depth)
{
	struct member stackbuf[32], *m = stackbuf;
	size_t n = 0, cap = sizeof(stackbuf) / sizeof(stackbuf[0]);
	const cJSON *it;
	int rc = -1;

	if (depth > SV_FHIR_MAX_DEPTH)
		return wfail(o, "resource nests deeper than %d levels", SV_FHIR_MAX_DEPTH);
	for (it = obj->child; it; it = it->next) {
		const char *key = it->string;
		int ext = key[0] == '_';
		const struct sv_fx_prop *p;

		if (t->resource && strcmp(key, "resourceType") == 0)
			continue;
		p = prop_find(t, key + ext, strlen(key + ext));
		if (!p) {
			wfail(o, "unknown property '%s' in %s", key, t->name);
			goto out;
		}
		if (ext && (!is_primitive(p) || (p->flags & SV_FX_ATTR))) {
			wfail(o, "property '%s' in %s cannot have primitive extensions", key, t->name);
			goto out;
		}
		if (p->flags & SV_FX_ATTR) {
			if (!cJSON_IsString(it) || !xml_text_ok(it->valuestring)) {
				wfail(o, "property '%s' in %s must be a string", key, t->name);
				goto out;
			}
			if (wcheck(o, xmlTextWriterWriteAttribute(o->w, BAD_CAST p->name,
								  BAD_CAST it->valuestring)) < 0)
				goto out;
			continue;
		}
		if (n == cap) {
			cap *= 2;
			if (m == stackbuf) {
				m = sv_xmalloc(cap * sizeof(*m));
				memcpy(m, stackbuf, sizeof(stackbuf));
			} else {
				m = sv_xrealloc(m, cap * sizeof(*m));
			}
		}
		m[n].order = (unsigned)(p - &sv_fx_props[t->first]);
		m[n].ext = ext;
		m[n].item = it;
		n++;
	}
	qsort(m, n, sizeof(*m), member_cmp);
	for (size_t i = 0; i < n;) {
		const struct sv_fx_prop *p = &sv_fx_props[t->first + m[i].order];
		const cJSON *v = NULL, *ext = NULL;
		size_t j = i;

		for (; j < n && m[j].order == m[i].order; j++) {
			if (j > i && m[j].ext == m[j - 1].ext) {
				wfail(o, "property '%s' appears twice in %s", m[j].item->string, t->name);
				goto out;
			}
			if (m[j].ext)
				ext = m[j].item;
			else
				v = m[j].item;
		}
		if (write_prop(o, p, v, ext, depth) < 0)
			goto out;
		i = j;
	}
	rc = 0;
out:
	if (m != stackbuf)
		free(m);
	return rc;
}

static int write_resource(struct writer *o, const cJSON *obj, int depth, int root)
{
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(obj, "resourceType");
	const struct sv_fx_type *t;
	int rc;

	if (!cJSON_IsObject(obj))
		return wfail(o, "a resource must be a JSON object");
	if (!cJSON_IsString(rt))
		return wfail(o, "a resource must have a string 'resourceType'");
	t = type_find(rt->valuestring, strlen(rt->valuestring));
	if (!t || t->resource != 1)
		return wfail(o, "'%s' is not a FHIR R4 resource type", rt->valuestring);
	if (o->fhir_version >= 5) {
		char r5[64];
		int n = snprintf(r5, sizeof(r5), "R5%s", t->name);
		const struct sv_fx_type *t5 = n > 0 && (size_t)n < sizeof(r5) ? type_find(r5, (size_t)n) : NULL;
		if (t5 && t5->resource == 2)
			t = t5;
	}
	/* The element is named after the resource type, not the table entry ("R5ConceptMap"). */
	if (root)
		rc = xmlTextWriterStartElementNS(o->w, NULL, BAD_CAST rt->valuestring, BAD_CAST FHIR_NS);
	else
		rc = xmlTextWriterStartElement(o->w, BAD_CAST rt->valuestring);
	if (wcheck(o, rc) < 0 || write_content(o, t, obj, depth + 1) < 0)
		return -1;
	return wcheck(o, xmlTextWriterEndElement(o->w));
}

/* Growing output that becomes the returned string: no copy at the end, doubling growth. */
struct outbuf {
	char *p;
	size_t len, cap;
};

static int outbuf_write(void *ctx, const char *data, int len)
{
	struct outbuf *ob = ctx;

	if (len < 0)
		return -1;
	if (ob->len + (size_t)len + 1 > ob->cap) {
		while (ob->len + (size_t)len + 1 > ob->cap)
			ob->cap = ob->cap ? ob->cap * 2 : 16384;
		ob->p = sv_xrealloc(ob->p, ob->cap);
	}
	memcpy(ob->p + ob->len, data, (size_t)len);
	ob->len += (size_t)len;
	return len;
}

char *sv_fhirxml_from_json(const cJSON *resource, struct sv_error *err)
{
	return sv_fhirxml_from_json_version(resource, 4, err);
}

char *sv_fhirxml_from_json_version(const cJSON *resource, int fhir_version, struct sv_error *err)
{
	struct writer o = {.err = err, .fhir_version = fhir_version};
	struct outbuf ob = {0};
	xmlOutputBufferPtr out;
	char *result = NULL;

	sv_fhirxml_init();
	if (!resource) {
		sv_fail(err, SV_EINVAL, "no resource to serialise");
		goto out;
	}
	out = xmlOutputBufferCreateIO(outbuf_write, NULL, &ob, NULL);
	if (!out || !(o.w = xmlNewTextWriter(out))) { /* the writer owns `out` from here */
		if (out)
			xmlOutputBufferClose(out);
		sv_fail(err, SV_EINTERNAL, "cannot create an XML writer");
		goto out;
	}
	if (wcheck(&o, xmlTextWriterStartDocument(o.w, "1.0", "UTF-8", NULL)) < 0 ||
	    write_resource(&o, resource, 0, 1) < 0 || wcheck(&o, xmlTextWriterEndDocument(o.w)) < 0)
		goto out;
	xmlFreeTextWriter(o.w); /* flushes the rest into ob */
	o.w = NULL;
	if (!ob.p) {
		sv_fail(err, SV_EINTERNAL, "XML writer produced nothing");
		goto out;
	}
	ob.p[ob.len] = '\0';
	result = ob.p;
	ob.p = NULL;
out:
	if (o.w)
		xmlFreeTextWriter(o.w);
	free(ob.p);
	return result;
}

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
	if (is_primitive(p)) {
		cJSON *e = cJSON_CreateObject();
		xmlChar *v = xmlGetNoNsProp(c, BAD_CAST "value");

		if (read_content(r, element_t, c, e, depth + 1, 1) < 0)
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
		p = prop_find(t, (const char *)a->name, strlen((const char *)a->name));
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
		p = prop_find(t, name, strlen(name));
		if ((p && p->kind == SV_FX_XHTML) ? !in_ns(c, XHTML_NS) : !in_ns(c, FHIR_NS))
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
		if (is_primitive(p)) {
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

	if (!in_ns(node, FHIR_NS)) {
		rfail(r, node, "element <%s> is in namespace '%s', not the FHIR namespace", name,
		      node->ns && node->ns->href ? (const char *)node->ns->href : "");
		return NULL;
	}
	t = type_find(name, strlen(name));
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

cJSON *sv_fhirxml_to_json(const char *xml, size_t len, struct sv_error *err)
{
	struct reader r = {.err = err};
	xmlDocPtr doc;
	xmlNodePtr root;
	cJSON *result = NULL;

	if (!xml) {
		sv_fail(err, SV_EINVAL, "no XML to read");
		return NULL;
	}
	doc = parse_xml(xml, len, "XML body", err);
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
