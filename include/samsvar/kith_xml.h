/* kith_xml.h — the libxml2 helpers the KITH builders and readers share (kith_*.c): safe reading with
 * the caps of message.h, element lookup by namespace, and nodes built through the tree API (text is
 * always escaped by libxml2; no XML is ever put together from strings). */
#ifndef SAMSVAR_KITH_XML_H
#define SAMSVAR_KITH_XML_H

#include <stddef.h>
#include <libxml/tree.h>
#include "samsvar/error.h"

/* Reads `len` bytes as XML after the caps (SV_MSG_MAX_BYTES, SV_MSG_MAX_NODES, UTF-8): no network, no
 * DTD, no entities, a DOCTYPE refused. Returns the document (xmlFreeDoc() it), or NULL with err set:
 * SV_ETOOBIG over a cap, SV_EINVAL otherwise; `what` names the input in messages. */
xmlDocPtr sv_kx_read(const char *xml, size_t len, const char *what, struct sv_error *err);

/* Writes `doc` as UTF-8 with an XML declaration into a malloc'd NUL-terminated buffer (the caller frees
 * it); *len gets its length. */
char *sv_kx_dump(xmlDocPtr doc, size_t *len);

/* Returns 1 when `n` is an element named `name` in namespace `ns`. */
int sv_kx_is(const xmlNode *n, const char *ns, const char *name);

/* Returns the first element child of `n` named `name` in namespace `ns`, or NULL (n may be NULL). */
xmlNodePtr sv_kx_child(const xmlNode *n, const char *ns, const char *name);

/* Returns the next element sibling after `n` named `name` in namespace `ns`, or NULL. */
xmlNodePtr sv_kx_next(const xmlNode *n, const char *ns, const char *name);

/* Returns a malloc'd copy of the text of `n` with surrounding white space trimmed, or NULL when `n` is
 * NULL; a text longer than SV_MSG_MAX_TEXT is cut there. */
char *sv_kx_text(const xmlNode *n);

/* Returns a malloc'd copy of attribute `name` (no namespace) of `n`, or NULL when absent. */
char *sv_kx_attr(const xmlNode *n, const char *name);

/* Adds child element `name` (namespace `ns`, may be NULL) with escaped text `text` (NULL: empty). */
xmlNodePtr sv_kx_add(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text);

/* Adds an empty child element `name` carrying the attributes V, DN and S when not NULL (the KITH CS/CV
 * coded value). */
xmlNodePtr sv_kx_add_cv(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *v, const char *dn,
			const char *s);

#endif
