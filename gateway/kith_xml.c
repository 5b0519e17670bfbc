/* kith_xml.c — libxml2 helpers shared by the KITH builders and readers (see kith_xml.h). */
#include "samsvar/kith_xml.h"
#include "samsvar/fhirxml.h"
#include "samsvar/fhirxml_types.h"
#include "samsvar/message.h"

#include <stdlib.h>
#include <string.h>

xmlDocPtr sv_kx_read(const char *xml, size_t len, const char *what, struct sv_error *err)
{
	if (len > SV_MSG_MAX_BYTES) {
		sv_fail(err, SV_ETOOBIG, "%s is %zu bytes, over the cap of %u", what, len, SV_MSG_MAX_BYTES);
		return NULL;
	}
	if (sv_fhirxml_scan(xml, len, SV_MSG_MAX_NODES, err) != SV_OK)
		return NULL;
	return sv_fx_parse_xml(xml, len, what, err);
}

char *sv_kx_dump(xmlDocPtr doc, size_t *len)
{
	xmlChar *buf = NULL;
	int n = 0;
	char *out;

	xmlDocDumpMemoryEnc(doc, &buf, &n, "UTF-8");
	if (!buf || n < 0)
		SV_BUG("libxml2 could not write a document it built");
	out = sv_xmalloc((size_t)n + 1);
	memcpy(out, buf, (size_t)n);
	out[n] = '\0';
	xmlFree(buf);
	if (len)
		*len = (size_t)n;
	return out;
}

int sv_kx_is(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0 && n->ns &&
	       n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

xmlNodePtr sv_kx_next(const xmlNode *n, const char *ns, const char *name)
{
	for (xmlNodePtr c = n ? n->next : NULL; c; c = c->next)
		if (sv_kx_is(c, ns, name))
			return c;
	return NULL;
}

xmlNodePtr sv_kx_child(const xmlNode *n, const char *ns, const char *name)
{
	if (!n || !n->children)
		return NULL;
	if (sv_kx_is(n->children, ns, name))
		return n->children;
	return sv_kx_next(n->children, ns, name);
}

/* Copies at most SV_MSG_MAX_TEXT bytes of `s` without the white space around it. */
static char *trimmed(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return sv_xstrndup(s, n > SV_MSG_MAX_TEXT ? SV_MSG_MAX_TEXT : n);
}

char *sv_kx_text(const xmlNode *n)
{
	xmlChar *t;
	char *out;

	if (!n)
		return NULL;
	t = xmlNodeGetContent(n);
	out = trimmed(t ? (const char *)t : "");
	xmlFree(t);
	return out;
}

char *sv_kx_attr(const xmlNode *n, const char *name)
{
	xmlChar *v;
	char *out;

	if (!n || !(v = xmlGetNoNsProp(n, (const xmlChar *)name)))
		return NULL;
	out = trimmed((const char *)v);
	xmlFree(v);
	return out;
}

xmlNodePtr sv_kx_add(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	return xmlNewTextChild(parent, ns, (const xmlChar *)name, (const xmlChar *)text);
}

xmlNodePtr sv_kx_add_cv(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *v, const char *dn,
			const char *s)
{
	xmlNodePtr n = xmlNewChild(parent, ns, (const xmlChar *)name, NULL);

	if (v)
		xmlNewProp(n, (const xmlChar *)"V", (const xmlChar *)v);
	if (dn)
		xmlNewProp(n, (const xmlChar *)"DN", (const xmlChar *)dn);
	if (s)
		xmlNewProp(n, (const xmlChar *)"S", (const xmlChar *)s);
	return n;
}
