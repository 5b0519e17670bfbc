/* ecl.h — SNOMED CT Expression Constraint Language (the ECL 2.x constraints terminology servers
 * commonly support) over one code system of a snapshot.
 *
 * Supported: a concept id (with or without |term|, the term ignored), `*`, the hierarchy operators
 * `<` `<<` `<!` `<<!` `>` `>>` `>!` `>>!` (and their long forms descendantOf ... parentOrSelfOf),
 * `^` member of (memberOf), AND / `,` / OR / MINUS with parentheses (mixing them needs parentheses,
 * as the grammar says), and attribute refinement `focus : attr = value` / `attr != value` with AND /
 * `,` / OR between attributes, where attr and value are sub-expressions (`<< 363698007`). Comments
 * are whitespace. Anything else (cardinality, groups, reverse, dotted, concrete values, filters,
 * `!!>`/`!!<`) is refused with its column, never ignored.
 *
 * The hierarchy is the concepts' parents/children arrays; refinement reads the concept properties
 * whose code is a concept id (an RF2 relationship type, value = its destination, as the importer
 * writes them); membership reads the SV_PROP_MEMBER_OF properties.
 *
 * Cost: the text is at most SV_ECL_MAX_LEN bytes, SV_ECL_MAX_NODES nodes, SV_ECL_MAX_DEPTH deep;
 * every evaluation touches at most SV_ECL_MAX_STEPS concepts and every set it builds holds at most
 * the caller's limit, else SV_ETOOCOSTLY. Evaluation walks children/parents from the concepts named
 * and allocates in proportion to what it touches, never the size of the code system. */
#ifndef SAMSVAR_ECL_H
#define SAMSVAR_ECL_H

#include <stddef.h>
#include <stdint.h>
#include "samsvar/error.h"
#include "samsvar/snapshot.h"

#define SV_ECL_MAX_LEN 4096
#define SV_ECL_MAX_NODES 256
#define SV_ECL_MAX_DEPTH 32
#define SV_ECL_MAX_STEPS 8000000u

/* The concept property (valueCode = a refset concept id) that makes a concept a member of a simple
 * refset: the RF2 importer writes one per active row of a der2_Refset_Simple file. */
#define SV_PROP_MEMBER_OF "memberOf"

enum sv_ecl_kind {
	SV_ECL_CONCEPT,      /* code */
	SV_ECL_ANY,          /* * */
	SV_ECL_DESC,         /* < a */
	SV_ECL_DESC_SELF,    /* << a */
	SV_ECL_CHILD,        /* <! a */
	SV_ECL_CHILD_SELF,   /* <<! a */
	SV_ECL_ANC,          /* > a */
	SV_ECL_ANC_SELF,     /* >> a */
	SV_ECL_PARENT,       /* >! a */
	SV_ECL_PARENT_SELF,  /* >>! a */
	SV_ECL_MEMBER,       /* ^ a */
	SV_ECL_AND,          /* a AND b (also a , b) */
	SV_ECL_OR,           /* a OR b */
	SV_ECL_MINUS,        /* a MINUS b */
	SV_ECL_REFINE,       /* a : b (b a refinement node) */
	SV_ECL_ATTR_EQ,      /* attribute a = value b */
	SV_ECL_ATTR_NE,      /* attribute a != value b */
	SV_ECL_REF_AND,      /* refinement a AND b */
	SV_ECL_REF_OR,       /* refinement a OR b */
};

struct sv_ecl_node {
	enum sv_ecl_kind kind;
	uint32_t a, b;       /* operand node indexes */
	uint32_t col;        /* 1-based column where the node starts */
	char code[19];       /* SV_ECL_CONCEPT: the concept id */
};

/* A parsed expression: nodes[root] is the whole of it. */
struct sv_ecl {
	struct sv_ecl_node nodes[SV_ECL_MAX_NODES];
	uint32_t n, root;
};

/* Parses `text` into *out. Returns SV_EINVAL ("ECL syntax error at column N: ...") for bad syntax,
 * SV_ENOTSUPPORTED for a valid ECL feature this server does not evaluate (with its column), and
 * SV_ETOOCOSTLY past the length, node or depth cap. */
enum sv_err sv_ecl_parse(const char *text, struct sv_ecl *out, struct sv_error *err);

/* A sorted set of concept indexes of one code system. */
struct sv_ecl_set {
	uint32_t *v;
	size_t n, cap;
};

/* Frees the set's array. */
void sv_ecl_set_release(struct sv_ecl_set *s);

/* Evaluates `e` over `cs` (of `snap`, which keeps the refset index) into `out` (zeroed by the
 * caller; release it with sv_ecl_set_release). SV_ETOOCOSTLY when a set would hold more than
 * `limit` concepts or the evaluation past SV_ECL_MAX_STEPS. A concept id that `cs` does not hold
 * stands for no concept (ECL over a substrate without it). */
enum sv_err sv_ecl_eval(const struct sv_snapshot *snap, const struct sv_codesystem *cs, const struct sv_ecl *e,
			size_t limit, struct sv_ecl_set *out, struct sv_error *err);

/* Sets *match to whether concept index `idx` of `cs` satisfies `e`, without evaluating the whole
 * expression where the hierarchy allows (descendant operators walk up from idx). Same costs as
 * sv_ecl_eval. */
enum sv_err sv_ecl_matches(const struct sv_snapshot *snap, const struct sv_codesystem *cs, const struct sv_ecl *e,
			   uint32_t idx, size_t limit, int *match, struct sv_error *err);

/* Sets *members and *n to the sorted concept indexes of the members of refset concept `refset` in `cs`
 * (none: *n = 0), from an index built once per snapshot and code system. */
enum sv_err sv_codesystem_refset_members(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
					 uint32_t refset, const uint32_t **members, size_t *n, struct sv_error *err);

/* Sets *refsets and *n to the sorted concept indexes of the refsets of `cs` that have members. */
enum sv_err sv_codesystem_refsets(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
				  const uint32_t **refsets, size_t *n, struct sv_error *err);

#endif
