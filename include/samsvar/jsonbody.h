/* jsonbody.h — a JSON request body read into a cJSON tree at linear cost, in one allocation.
 *
 * A body is read in two passes over its bytes: a syntax check (RFC 8259, UTF-8, nesting, a cap on
 * values, what cJSON would silently change such as \u0000) that finds the first error with its
 * offset and counts the values, then a build that cannot fail and puts every node and string into
 * one block sized from that count. A request body lives exactly as long as its request, so nothing
 * is freed node by node: one free() for the whole tree instead of one per node and string. The tree
 * is an ordinary cJSON tree for every reader; it may also grow (items added with cJSON_AddItem*, as
 * query parameters joining a Parameters body are), but its own nodes must never be freed, detached
 * or replaced one by one: release the whole body with sv_body_release(). */
#ifndef SAMSVAR_JSONBODY_H
#define SAMSVAR_JSONBODY_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "samsvar/error.h"

/* A parsed request body. `json` is the tree; `block` holds its nodes and strings (NULL when the tree
 * is an ordinary cJSON tree, e.g. one made from XML, which sv_body_release() frees with cJSON_Delete). */
struct sv_body {
	cJSON *json;
	char *block;
	size_t size;
};

/* Parses JSON `text` (len bytes; it need not end in NUL) holding one object, with at most
 * `max_nodes` values (SV_ETOOBIG above), nesting to SV_FHIR_MAX_DEPTH, no key twice in one object,
 * valid UTF-8 and no \u0000. On success fills *out and returns out->json; otherwise returns NULL with
 * *out empty and err naming the problem (and its byte offset for syntax errors). */
cJSON *sv_jsonbody_parse(const char *text, size_t len, unsigned max_nodes, struct sv_body *out,
			 struct sv_error *err);

/* Frees the body (its block, and every item added to it after the parse); leaves *b empty. An empty
 * body is allowed. */
void sv_body_release(struct sv_body *b);

#endif
