/* fhirxml.c — FHIR R4 XML <-> JSON: what the reader (fhirxml_read.c) and the writer
 * (fhirxml_write.c) share: libxml2 set-up and look-ups in the generated type table (fhirxml_types.c). */
#include "samsvar/fhirxml.h"
#include "samsvar/fhirxml_types.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static const struct sv_fx_type *element_type;

static void init_once_fn(void)
{
	xmlInitParser();
	element_type = sv_fx_type_find("Element", 7);
	if (!element_type)
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

const struct sv_fx_type *sv_fx_type_find(const char *name, size_t len)
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

const struct sv_fx_prop *sv_fx_prop_find(const struct sv_fx_type *t, const char *name, size_t len)
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

int sv_fx_is_primitive(const struct sv_fx_prop *p)
{
	return p->kind <= SV_FX_BOOLEAN;
}

const struct sv_fx_type *sv_fx_element(void)
{
	sv_fhirxml_init();
	return element_type;
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

xmlDocPtr sv_fx_parse_xml(const char *buf, size_t len, const char *what, struct sv_error *err)
{
	struct parse_state st = {0};
	xmlParserCtxtPtr ctxt = NULL;
	xmlDocPtr doc = NULL;
	/* IGNORE_ENC: FHIR XML is UTF-8 (the scan checked it), whatever a declaration says. */
	int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC;

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
