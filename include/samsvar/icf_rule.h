/* icf_rule.h — when an ICF code may carry a qualifier: the one rule the content loader (which refuses a
 * map that declares an invalid one) and the translate engine (which never writes one) share.
 *
 * ICF writes a qualified code as the category, a dot and the qualifier (d510.3). A qualifier belongs to a
 * category (component letter and at least three digits: b130, d510, d4600), never to a component (b, d),
 * a chapter (d3) or a block (b110-b139). Its first qualifier has a meaning per component: for body
 * functions (b) and structures (s) the extent of impairment, for activities and participation (d)
 * performance (what the person does in the current environment) or capacity (without assistance).
 * Environmental factors (e) take barrier/facilitator qualifiers, which samsvar does not derive. */
#ifndef SAMSVAR_ICF_RULE_H
#define SAMSVAR_ICF_RULE_H

/* Extension paths under the canonical base ({base} in mappings/): a ConceptMap names the map that turns a
 * request's dependency into a qualifier (valueCanonical), a map target names the kind of qualifier it
 * takes (valueCode: one of the kinds below). */
#define SV_EXT_QUALIFIER_MAP "/StructureDefinition/qualifier-map"
#define SV_EXT_ICF_QUALIFIER "/StructureDefinition/icf-qualifier"

/* Returns 1 when `code` is an ICF category (see above), 0 for NULL, a component, chapter or block. */
int sv_icf_is_category(const char *code);

/* Returns 1 when `kind` ("impairment", "performance" or "capacity") is a known qualifier kind. */
int sv_icf_kind_known(const char *kind);

/* Returns 1 when a qualifier of `kind` may be written on ICF `code`: the code is a category and the kind
 * suits its component (impairment: b, s; performance, capacity: d). */
int sv_icf_kind_fits(const char *kind, const char *code);

#endif
