/* xsd.h — validation of produced XML against the official schemas in $SAMSVAR_SHARED/schemas. */
#ifndef SAMSVAR_TEST_XSD_H
#define SAMSVAR_TEST_XSD_H

#include <stddef.h>

/* Validates the `len` bytes of XML at `xml` against schema `rel` under $SAMSVAR_SHARED (e.g.
 * "schemas/_local/msghead-plo-1.6-driver.xsd"), loading schemas/catalog.xml first so the absolute
 * imports of MsgHead and AppRec resolve locally; each schema is compiled once per process. Returns 0
 * when valid, 1 when not (the validator's messages in errors[cap]), -1 when the schema is absent (the
 * caller skips visibly). Fails the test when the schema does not compile. */
int ts_xsd_validate(const char *rel, const char *xml, size_t len, char *errors, size_t cap);

/* ts_xsd_validate() that skips the test when the schema is absent and fails it when `xml` is invalid. */
void ts_assert_xsd_valid(const char *rel, const char *xml, size_t len);

#endif
