/* xsd.c — schema validation of produced XML (see xsd.h). */
#include "support/xsd.h"
#include "support/support.h"

#include <libxml/catalog.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCHEMAS 8

static struct {
	char rel[256];
	xmlSchemaPtr schema;
} cache[MAX_SCHEMAS];

struct errbuf {
	char *buf;
	size_t cap;
};

static void collect(void *ctx, xmlErrorPtr e)
{
	struct errbuf *b = ctx;
	size_t n = strlen(b->buf);

	if (n + 1 < b->cap)
		snprintf(b->buf + n, b->cap - n, "line %d: %s", e->line, e->message ? e->message : "?");
}

static xmlSchemaPtr schema_of(const char *rel)
{
	static int catalog_loaded;
	char errors[2048] = "";
	struct errbuf b = {errors, sizeof(errors)};
	char *path;
	int i;

	for (i = 0; i < MAX_SCHEMAS && cache[i].schema; i++)
		if (strcmp(cache[i].rel, rel) == 0)
			return cache[i].schema;
	cr_assert_lt(i, MAX_SCHEMAS, "too many schemas for the test cache");
	if (!(path = ts_shared_path(rel)))
		return NULL;
	if (!catalog_loaded) {
		char *cat = ts_shared_path("schemas/catalog.xml");
		cr_assert_not_null(cat, "schemas/catalog.xml is absent beside %s", rel);
		cr_assert_eq(xmlLoadCatalog(cat), 0, "catalog %s did not load", cat);
		free(cat);
		catalog_loaded = 1;
	}
	xmlSchemaParserCtxtPtr pctxt = xmlSchemaNewParserCtxt(path);
	cr_assert_not_null(pctxt);
	xmlSchemaSetParserStructuredErrors(pctxt, collect, &b);
	cache[i].schema = xmlSchemaParse(pctxt);
	xmlSchemaFreeParserCtxt(pctxt);
	cr_assert_not_null(cache[i].schema, "schema %s did not compile: %s", path, errors);
	snprintf(cache[i].rel, sizeof(cache[i].rel), "%s", rel);
	free(path);
	return cache[i].schema;
}

int ts_xsd_validate(const char *rel, const char *xml, size_t len, char *errors, size_t cap)
{
	struct errbuf b = {errors, cap};
	xmlSchemaPtr schema = schema_of(rel);
	xmlSchemaValidCtxtPtr v;
	xmlDocPtr doc;
	int rc;

	errors[0] = '\0';
	if (!schema)
		return -1;
	doc = xmlReadMemory(xml, (int)len, "produced.xml", NULL, XML_PARSE_NONET);
	if (!doc) {
		snprintf(errors, cap, "not well-formed XML");
		return 1;
	}
	v = xmlSchemaNewValidCtxt(schema);
	xmlSchemaSetValidStructuredErrors(v, collect, &b);
	rc = xmlSchemaValidateDoc(v, doc);
	xmlSchemaFreeValidCtxt(v);
	xmlFreeDoc(doc);
	return rc == 0 ? 0 : 1;
}

void ts_assert_xsd_valid(const char *rel, const char *xml, size_t len)
{
	char errors[2048];
	int rc = ts_xsd_validate(rel, xml, len, errors, sizeof(errors));

	if (rc < 0)
		cr_skip_test("shared file %s absent (set SAMSVAR_SHARED to the folder holding schemas/)", rel);
	cr_assert_eq(rc, 0, "%s does not validate: %s\n--- XML:\n%.3000s", rel, errors, xml);
}
