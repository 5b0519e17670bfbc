/* ecl_parse.c — ECL text to a tree of nodes (ecl.h), by recursive descent over the ECL 2.x grammar:
 *
 *   expressionConstraint = refined / compound / sub
 *   refined   = sub ":" refinement
 *   compound  = sub 1*(("AND" / ",") sub) / sub 1*("OR" sub) / sub "MINUS" sub
 *   sub       = [constraintOperator] ["^"] (conceptReference / "*" / "(" expressionConstraint ")")
 *   refinement = subRefinement *(("AND" / ",") subRefinement) / subRefinement *("OR" subRefinement)
 *   subRefinement = attribute / "(" refinement ")"
 *   attribute = sub ("=" / "!=") sub
 *
 * Keywords are case-insensitive; whitespace and comments may stand between any two tokens. */
#include "samsvar/ecl.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct parser {
	const char *s;
	size_t pos;
	unsigned depth;
	struct sv_ecl *out;
	struct sv_error *err;
};

static enum sv_err syntax(struct parser *p, const char *what)
{
	return sv_fail(p->err, SV_EINVAL, "ECL syntax error at column %zu: %s", p->pos + 1, what);
}

static enum sv_err unsupported(struct parser *p, const char *what)
{
	return sv_fail(p->err, SV_ENOTSUPPORTED, "ECL at column %zu: %s is not supported by this server",
		       p->pos + 1, what);
}

/* Skips whitespace and comments; an unclosed comment is an error. */
static enum sv_err skip_ws(struct parser *p)
{
	for (;;) {
		char c = p->s[p->pos];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p->pos++;
		} else if (c == '/' && p->s[p->pos + 1] == '*') {
			const char *end = strstr(p->s + p->pos + 2, "*/");
			if (!end)
				return syntax(p, "comment '/*' is not closed");
			p->pos = (size_t)(end - p->s) + 2;
		} else {
			return SV_OK;
		}
	}
}

static int new_node(struct parser *p, enum sv_ecl_kind kind, size_t col, uint32_t a, uint32_t b, uint32_t *id)
{
	struct sv_ecl_node *n;

	if (p->out->n == SV_ECL_MAX_NODES) {
		sv_fail(p->err, SV_ETOOCOSTLY, "the ECL expression has more than %d parts", SV_ECL_MAX_NODES);
		return 0;
	}
	n = &p->out->nodes[p->out->n];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->a = a;
	n->b = b;
	n->col = (uint32_t)col + 1;
	*id = p->out->n++;
	return 1;
}

/* Does a keyword (case-insensitive) start at the cursor, followed by something that ends it? */
static int keyword(struct parser *p, const char *kw)
{
	size_t n = strlen(kw);
	char next;

	if (strncasecmp(p->s + p->pos, kw, n) != 0)
		return 0;
	next = p->s[p->pos + n];
	return !(isalnum((unsigned char)next) || next == '_');
}

/* The long and short forms of the constraint operators, longest first where one prefixes another. */
static const struct {
	const char *text;
	enum sv_ecl_kind kind;
	int word;
} operators[] = {
	{ "<<!", SV_ECL_CHILD_SELF, 0 }, { "<<", SV_ECL_DESC_SELF, 0 }, { "<!", SV_ECL_CHILD, 0 },
	{ "<", SV_ECL_DESC, 0 }, { ">>!", SV_ECL_PARENT_SELF, 0 }, { ">>", SV_ECL_ANC_SELF, 0 },
	{ ">!", SV_ECL_PARENT, 0 }, { ">", SV_ECL_ANC, 0 },
	{ "descendantOrSelfOf", SV_ECL_DESC_SELF, 1 }, { "descendantOf", SV_ECL_DESC, 1 },
	{ "childOrSelfOf", SV_ECL_CHILD_SELF, 1 }, { "childOf", SV_ECL_CHILD, 1 },
	{ "ancestorOrSelfOf", SV_ECL_ANC_SELF, 1 }, { "ancestorOf", SV_ECL_ANC, 1 },
	{ "parentOrSelfOf", SV_ECL_PARENT_SELF, 1 }, { "parentOf", SV_ECL_PARENT, 1 },
};

static enum sv_err parse_expr(struct parser *p, uint32_t *id);

/* A concept id, with an optional |term| after it (ignored). */
static enum sv_err parse_concept(struct parser *p, uint32_t *id)
{
	size_t start = p->pos, n = strspn(p->s + p->pos, "0123456789");
	enum sv_err rc;

	if (n == 0)
		return syntax(p, "expected a concept id, '*' or '('");
	if (n < 6 || n > 18 || p->s[start] == '0')
		return syntax(p, "a concept id has 6 to 18 digits and no leading zero");
	if (!new_node(p, SV_ECL_CONCEPT, start, 0, 0, id))
		return p->err->code;
	memcpy(p->out->nodes[*id].code, p->s + start, n);
	p->pos += n;
	if (isalnum((unsigned char)p->s[p->pos]))
		return syntax(p, "a concept id ends at a space, '|' or an operator");
	if ((rc = skip_ws(p)) != SV_OK)
		return rc;
	if (p->s[p->pos] == '|') {
		const char *end = strchr(p->s + p->pos + 1, '|');
		if (!end)
			return syntax(p, "the term after the concept id has no closing '|'");
		p->pos = (size_t)(end - p->s) + 1;
	}
	return SV_OK;
}

static enum sv_err parse_sub(struct parser *p, uint32_t *id)
{
	size_t start;
	int op = -1, member = 0;
	uint32_t inner;
	enum sv_err rc;

	if ((rc = skip_ws(p)) != SV_OK)
		return rc;
	start = p->pos;
	if (strncmp(p->s + p->pos, "!!", 2) == 0)
		return unsupported(p, "the top/bottom operator '!!>' / '!!<'");
	for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++)
		if (operators[i].word ? keyword(p, operators[i].text)
				      : strncmp(p->s + p->pos, operators[i].text, strlen(operators[i].text)) == 0) {
			op = (int)i;
			p->pos += strlen(operators[i].text);
			break;
		}
	if ((rc = skip_ws(p)) != SV_OK)
		return rc;
	if (p->s[p->pos] == '^' || keyword(p, "memberOf")) {
		member = 1;
		p->pos += p->s[p->pos] == '^' ? 1 : strlen("memberOf");
		if ((rc = skip_ws(p)) != SV_OK)
			return rc;
		if (p->s[p->pos] == '[')
			return unsupported(p, "a member field selection '^ [...]'");
	}
	if (p->s[p->pos] == '*') {
		if (!new_node(p, SV_ECL_ANY, p->pos, 0, 0, &inner))
			return p->err->code;
		p->pos++;
	} else if (p->s[p->pos] == '(') {
		if (++p->depth > SV_ECL_MAX_DEPTH)
			return sv_fail(p->err, SV_ETOOCOSTLY, "the ECL expression nests deeper than %d",
				       SV_ECL_MAX_DEPTH);
		p->pos++;
		if ((rc = parse_expr(p, &inner)) != SV_OK)
			return rc;
		if ((rc = skip_ws(p)) != SV_OK)
			return rc;
		if (p->s[p->pos] != ')')
			return syntax(p, "expected ')'");
		p->pos++;
		p->depth--;
	} else if (p->s[p->pos] == '{' && p->s[p->pos + 1] == '{') {
		return unsupported(p, "a filter constraint '{{ ... }}'");
	} else if (p->s[p->pos] == '#' || p->s[p->pos] == '"') {
		return syntax(p, "a concrete value is not a concept");
	} else if ((rc = parse_concept(p, &inner)) != SV_OK) {
		return rc;
	}
	if ((rc = skip_ws(p)) != SV_OK)
		return rc;
	if (p->s[p->pos] == '{' && p->s[p->pos + 1] == '{')
		return unsupported(p, "a filter constraint '{{ ... }}'");
	if (member && !new_node(p, SV_ECL_MEMBER, start, inner, 0, &inner))
		return p->err->code;
	if (op >= 0 && !new_node(p, operators[op].kind, start, inner, 0, &inner))
		return p->err->code;
	*id = inner;
	return SV_OK;
}

/* Reads a binary operator at the cursor: sets *kind and moves past it; returns 0 when there is none.
 * `refinement` maps AND/OR to their refinement kinds; MINUS is not allowed there. */
static int binary_op(struct parser *p, int refinement, enum sv_ecl_kind *kind)
{
	if (p->s[p->pos] == ',') {
		p->pos++;
		*kind = refinement ? SV_ECL_REF_AND : SV_ECL_AND;
	} else if (keyword(p, "AND")) {
		p->pos += 3;
		*kind = refinement ? SV_ECL_REF_AND : SV_ECL_AND;
	} else if (keyword(p, "OR")) {
		p->pos += 2;
		*kind = refinement ? SV_ECL_REF_OR : SV_ECL_OR;
	} else if (!refinement && keyword(p, "MINUS")) {
		p->pos += 5;
		*kind = SV_ECL_MINUS;
	} else {
		return 0;
	}
	return 1;
}

static enum sv_err parse_refinement(struct parser *p, uint32_t *id);

/* An attribute (`name = value` or `name != value`) or a parenthesised refinement. */
static enum sv_err parse_sub_refinement(struct parser *p, uint32_t *id)
{
	uint32_t name, value;
	size_t start;
	enum sv_ecl_kind kind;
	enum sv_err rc;

	if ((rc = skip_ws(p)) != SV_OK)
		return rc;
	start = p->pos;
	if (p->s[p->pos] == '[')
		return unsupported(p, "an attribute cardinality '[m..n]'");
	if (p->s[p->pos] == '{')
		return unsupported(p, "an attribute group '{ ... }'");
	if (p->s[p->pos] == 'R' && (p->s[p->pos + 1] == ' ' || isdigit((unsigned char)p->s[p->pos + 1])))
		return unsupported(p, "a reverse attribute 'R'");
	if (p->s[p->pos] == '(') {
		/* A parenthesised refinement, unless the brackets hold an attribute name expression: try
		 * the refinement first and fall back to an attribute whose name is bracketed. */
		struct parser save = *p;
		uint32_t saved_n = p->out->n;
		p->pos++;
		if (++p->depth > SV_ECL_MAX_DEPTH)
			return sv_fail(p->err, SV_ETOOCOSTLY, "the ECL expression nests deeper than %d",
				       SV_ECL_MAX_DEPTH);
		rc = parse_refinement(p, id);
		if (rc == SV_OK && (rc = skip_ws(p)) == SV_OK && p->s[p->pos] == ')') {
			p->pos++;
			p->depth--;
			return SV_OK;
		}
		if (rc == SV_ETOOCOSTLY)
			return rc;
		*p = save;
		p->out->n = saved_n;
		sv_error_clear(p->err);
	}
	if ((rc = parse_sub(p, &name)) != SV_OK)
		return rc;
	if ((rc = skip_ws(p)) != SV_OK)
		return rc;
	if (p->s[p->pos] == '=') {
		kind = SV_ECL_ATTR_EQ;
		p->pos++;
	} else if (p->s[p->pos] == '!' && p->s[p->pos + 1] == '=') {
		kind = SV_ECL_ATTR_NE;
		p->pos += 2;
	} else if (p->s[p->pos] == '<' || p->s[p->pos] == '>') {
		return unsupported(p, "a numeric comparison");
	} else {
		return syntax(p, "expected '=' or '!=' after the attribute name");
	}
	if ((rc = skip_ws(p)) != SV_OK)
		return rc;
	if (p->s[p->pos] == '#' || p->s[p->pos] == '"' || keyword(p, "true") || keyword(p, "false"))
		return unsupported(p, "a concrete attribute value");
	if ((rc = parse_sub(p, &value)) != SV_OK)
		return rc;
	if (!new_node(p, kind, start, name, value, id))
		return p->err->code;
	return SV_OK;
}

/* A chain of items joined by one kind of operator: mixing kinds needs parentheses (ECL grammar). */
static enum sv_err parse_chain(struct parser *p, int refinement, uint32_t *id)
{
	uint32_t left, right;
	enum sv_ecl_kind first = SV_ECL_AND, kind;
	int have = 0, refined = 0;
	enum sv_err rc;

	rc = refinement ? parse_sub_refinement(p, &left) : parse_sub(p, &left);
	while (rc == SV_OK && (rc = skip_ws(p)) == SV_OK) {
		size_t at = p->pos;
		if (!refinement && p->s[p->pos] == ':') {
			uint32_t ref;
			if (have || refined)
				return syntax(p, "a refinement ':' after AND/OR/MINUS needs parentheses around "
					      "the refined part");
			refined = 1;
			p->pos++;
			if ((rc = parse_refinement(p, &ref)) != SV_OK)
				return rc;
			if (!new_node(p, SV_ECL_REFINE, p->out->nodes[left].col - 1, left, ref, &left))
				return p->err->code;
			continue;
		}
		if (!binary_op(p, refinement, &kind))
			break;
		if (refined) {
			p->pos = at;
			return syntax(p, "a refined expression needs parentheses before AND, OR or MINUS");
		}
		if (have && kind != first) {
			p->pos = at;
			return syntax(p, "AND, OR and MINUS cannot be mixed without parentheses");
		}
		if (have && kind == SV_ECL_MINUS) {
			p->pos = at;
			return syntax(p, "a second MINUS needs parentheses");
		}
		first = kind;
		have = 1;
		if ((rc = refinement ? parse_sub_refinement(p, &right) : parse_sub(p, &right)) != SV_OK)
			return rc;
		if (!new_node(p, kind, at, left, right, &left))
			return p->err->code;
	}
	if (rc == SV_OK)
		*id = left;
	return rc;
}

static enum sv_err parse_refinement(struct parser *p, uint32_t *id)
{
	return parse_chain(p, 1, id);
}

static enum sv_err parse_expr(struct parser *p, uint32_t *id)
{
	return parse_chain(p, 0, id);
}

enum sv_err sv_ecl_parse(const char *text, struct sv_ecl *out, struct sv_error *err)
{
	struct parser p = { .s = text, .out = out, .err = err };
	size_t len = strlen(text);
	enum sv_err rc;

	out->n = 0;
	out->root = 0;
	if (len > SV_ECL_MAX_LEN)
		return sv_fail(err, SV_ETOOCOSTLY, "the ECL expression is %zu bytes, more than %d", len,
			       SV_ECL_MAX_LEN);
	if ((rc = skip_ws(&p)) != SV_OK)
		return rc;
	if (!text[p.pos])
		return syntax(&p, "the expression is empty");
	if ((rc = parse_expr(&p, &out->root)) != SV_OK)
		return rc;
	if ((rc = skip_ws(&p)) != SV_OK)
		return rc;
	if (text[p.pos] == '.')
		return unsupported(&p, "a dotted attribute '.'");
	if (text[p.pos] == ')')
		return syntax(&p, "')' without '('");
	if (text[p.pos])
		return syntax(&p, "expected AND, OR, MINUS, ':' or the end of the expression");
	return SV_OK;
}
