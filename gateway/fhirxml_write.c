/* fhirxml_write.c — FHIR JSON -> FHIR XML with libxml2's xmlTextWriter (it escapes text and
 * attributes, including newlines in attributes); properties are emitted in the type table's
 * definition order because the XSD is a sequence and JSON key order means nothing. */
#include "samsvar/fhirxml.h"
#include "samsvar/fhirxml_types.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/chvalid.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>

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
	if (has_ext && write_content(o, sv_fx_element(), ext, depth + 1) < 0)
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
	doc = sv_fx_parse_xml(v->valuestring, strlen(v->valuestring), "narrative div", &perr);
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
		xmlSetNs(root, xmlNewNs(root, BAD_CAST SV_FX_XHTML_NS, NULL));
	} else if (strcmp((const char *)root->ns->href, SV_FX_XHTML_NS) != 0) {
		wfail(o, "narrative div is in namespace '%s', expected '%s'",
		      (const char *)root->ns->href, SV_FX_XHTML_NS);
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
	if (sv_fx_is_primitive(p))
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
		p = sv_fx_prop_find(t, key + ext, strlen(key + ext));
		if (!p) {
			wfail(o, "unknown property '%s' in %s", key, t->name);
			goto out;
		}
		if (ext && (!sv_fx_is_primitive(p) || (p->flags & SV_FX_ATTR))) {
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
	t = sv_fx_type_find(rt->valuestring, strlen(rt->valuestring));
	if (!t || t->resource != 1)
		return wfail(o, "'%s' is not a FHIR R4 resource type", rt->valuestring);
	if (o->fhir_version >= 5) {
		char r5[64];
		int n = snprintf(r5, sizeof(r5), "R5%s", t->name);
		const struct sv_fx_type *t5 = n > 0 && (size_t)n < sizeof(r5) ? sv_fx_type_find(r5, (size_t)n) : NULL;
		if (t5 && t5->resource == 2)
			t = t5;
	}
	/* The element is named after the resource type, not the table entry ("R5ConceptMap"). */
	if (root)
		rc = xmlTextWriterStartElementNS(o->w, NULL, BAD_CAST rt->valuestring, BAD_CAST SV_FX_FHIR_NS);
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
