/* expand_props.h — what one `expansion.contains` entry says about its concept beyond code and display:
 * its properties (R5 `contains.property`, declared once in `expansion.property`) and the extensions it
 * carries over, drawn from the code system, the supplements in force and the value set's own
 * `compose.include.concept` entry.
 *
 * Properties: those the `property` parameter asks for (`definition`, a code of the code system or of a
 * supplement, `*` for all); `status` when the concept is not active (its status property, or its
 * structuredefinition-standards-status extension); and always, when the concept has them, the three
 * that FHIR defines through extensions (concept-properties#label, #order, #itemWeight):
 *   label  — valueset-label on the include's concept, else codesystem-label (supplement, code system);
 *   order  — valueset-conceptOrder, else codesystem-conceptOrder;
 *   weight — itemWeight (include's concept, supplement, code system, first found).
 * Extensions carried onto the entry: from the include's concept valueset-deprecated,
 * valueset-concept-definition, structuredefinition-standards-status, rendering-style and
 * rendering-xhtml (as given); rendering-style and rendering-xhtml from a supplement's or the code
 * system's concept when the include's concept has none. Other extensions stay in the definition. */
#ifndef SAMSVAR_EXPAND_PROPS_H
#define SAMSVAR_EXPAND_PROPS_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "samsvar/expand.h"
#include "samsvar/snapshot.h"

/* What the properties of the entries draw on, read by the edge from the request. */
struct sv_prop_decls;

/* A new record of what one expansion's `property` list declares, shared by the rendering of all its
 * items (so declaring costs the same however many came before); freed with sv_prop_decls_free()
 * after the last item. The answer takes at most `max_values` property values from the concepts
 * (config expand_max_properties); sv_prop_decls_over() tells whether one more was asked for. */
struct sv_prop_decls *sv_prop_decls_new(size_t max_values);
int sv_prop_decls_over(const struct sv_prop_decls *d);
void sv_prop_decls_free(struct sv_prop_decls *d);

struct sv_item_props {
	const char *const *props;                      /* `property` codes asked for ("*": all) */
	size_t nprops;
	const struct sv_codesystem *const *supplements;   /* the supplements in force (any code system) */
	size_t nsupplements;
	struct sv_prop_decls *decls;                   /* of the expansion being rendered */
};

/* Adds to contains entry `c` of item `it` its `property` list (R5 shape) and declares each property
 * in `exp`'s `property` list once (code and uri). Linear in the concept's properties and extensions
 * and in the supplements in force. */
void sv_expand_item_properties(const struct sv_item_props *ip, const struct sv_expansion_item *it, cJSON *c,
			       cJSON *exp);

/* Adds to contains entry `c` of item `it` the extensions it carries over (see above), keeping any
 * `extension` list `c` has. */
void sv_expand_item_extensions(const struct sv_item_props *ip, const struct sv_expansion_item *it, cJSON *c);

/* The concept `code` of supplement `sup` when `sup` supplements `cs` (any version of its url), or NULL. */
const struct sv_concept *sv_supplement_concept(const struct sv_codesystem *sup, const struct sv_codesystem *cs,
					       const char *code);

#endif
