/* jsonbody.c — a JSON request body checked, then built into a cJSON tree held in one block (see
 * jsonbody.h): the syntax check, the build, the duplicate-key check and the release. */
#include "samsvar/fhirxml.h"
#include "samsvar/jsonbody.h"
#include "samsvar/strmap.h"
#include "samsvar/utf8.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- Syntax check --------------------------------------------------------------------------------
 * RFC 8259 grammar, one pass, no allocation: it finds the first syntax error with its byte offset,
 * counts values against the cap and nesting against SV_FHIR_MAX_DEPTH, and refuses what a cJSON tree
 * could not hold (\u0000 would cut a string; a lone surrogate has no UTF-8). Only a body that passes
 * is built, so the build cannot fail. */

struct jscan {
	const char *start, *p, *end;
	unsigned nodes, max_nodes;
	struct sv_error *err;
};

static enum sv_err jfail(struct jscan *s, const char *what)
{
	return sv_fail(s->err, SV_EINVAL, "the body is not valid JSON: %s at byte %ld", what,
		       (long)(s->p - s->start));
}

static void jws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;
	if (end - p < 4)
		return 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	*out = v;
	return 1;
}

/* A string starting at the opening quote; the bytes were checked as UTF-8 before. */
static enum sv_err jstring(struct jscan *s)
{
	s->p++;
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p;
		unsigned u, lo;
		if (c == '"') {
			s->p++;
			return SV_OK;
		}
		if (c < 0x20)
			return jfail(s, "a control character inside a string");
		if (c != '\\') {
			s->p++;
			continue;
		}
		if (s->end - s->p < 2)
			break;
		switch (s->p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			s->p += 2;
			continue;
		case 'u':
			if (!hex4(s->p + 2, s->end, &u))
				return jfail(s, "a malformed \\u escape");
			if (u == 0)
				return jfail(s, "\\u0000 (a NUL character) inside a string");
			if (u >= 0xDC00 && u <= 0xDFFF)
				return jfail(s, "a lone low surrogate escape");
			s->p += 6;
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
				    !hex4(s->p + 2, s->end, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return jfail(s, "a high surrogate escape without its low half");
				s->p += 6;
			}
			continue;
		default:
			return jfail(s, "an unknown escape inside a string");
		}
	}
	return jfail(s, "an unterminated string");
}

static int digits(struct jscan *s)
{
	const char *from = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > from;
}

static enum sv_err jnumber_syntax(struct jscan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!digits(s))
		return jfail(s, "an unexpected character");
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!digits(s))
			return jfail(s, "a number without digits after '.'");
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return jfail(s, "a number without exponent digits");
	}
	return SV_OK;
}

/* Longest number accepted: cJSON reads a number through a fixed buffer (63 characters in stock
 * 1.7.15), and no FHIR number needs more than a double's 17 significant digits and an exponent. */
#define MAX_NUMBER_CHARS 63

static enum sv_err jnumber(struct jscan *s)
{
	const char *from = s->p;
	enum sv_err rc = jnumber_syntax(s);

	if (rc == SV_OK && s->p - from > MAX_NUMBER_CHARS)
		return jfail(s, "a number longer than 63 characters");
	return rc;
}

static enum sv_err jliteral(struct jscan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return jfail(s, "an unexpected character");
	s->p += n;
	return SV_OK;
}

static enum sv_err json_scan(const char *body, size_t len, unsigned max_nodes, unsigned *nodes,
			     struct sv_error *err)
{
	struct jscan s = {body, body, body + len, 0, max_nodes, err};
	char stack[SV_FHIR_MAX_DEPTH];
	int depth = 0;
	enum sv_err rc;
	size_t bad = sv_utf8_check(body, len);

	if (bad < len)
		return sv_fail(err, SV_EINVAL, "the body is not valid UTF-8 (byte %zu)", bad);
	jws(&s);
	if (s.p == s.end || *s.p != '{')
		return sv_fail(err, SV_EINVAL, "the body must be a JSON object (a FHIR resource)");
	for (;;) {
		/* A value. */
		jws(&s);
		if (s.p == s.end)
			return jfail(&s, "the body ends early");
		if (++s.nodes > s.max_nodes)
			return sv_fail(err, SV_ETOOBIG, "the body has more than %u JSON values (max_body_nodes)",
				       s.max_nodes);
		switch (*s.p) {
		case '{':
		case '[':
			if (depth == SV_FHIR_MAX_DEPTH)
				return sv_fail(err, SV_EINVAL, "the body is nested deeper than %d levels",
					       SV_FHIR_MAX_DEPTH);
			stack[depth++] = *s.p++;
			jws(&s);
			if (s.p < s.end && *s.p == (stack[depth - 1] == '{' ? '}' : ']')) {
				s.p++;
				depth--;
				goto after_value;
			}
			if (stack[depth - 1] == '{')
				goto key;
			continue;
		case '"':
			rc = jstring(&s);
			break;
		case 't':
			rc = jliteral(&s, "true");
			break;
		case 'f':
			rc = jliteral(&s, "false");
			break;
		case 'n':
			rc = jliteral(&s, "null");
			break;
		default:
			rc = jnumber(&s);
		}
		if (rc != SV_OK)
			return rc;
after_value:
		jws(&s);
		if (depth == 0) {
			if (s.p != s.end)
				return jfail(&s, "data after the end of the object");
			*nodes = s.nodes;
			return SV_OK;
		}
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			if (stack[depth - 1] == '[')
				continue;
			goto key;
		}
		if (s.p < s.end && *s.p == (stack[depth - 1] == '{' ? '}' : ']')) {
			s.p++;
			depth--;
			goto after_value;
		}
		return jfail(&s, stack[depth - 1] == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
key:
		jws(&s);
		if (s.p == s.end || *s.p != '"')
			return jfail(&s, "expected a key in double quotes");
		if ((rc = jstring(&s)) != SV_OK)
			return rc;
		jws(&s);
		if (s.p == s.end || *s.p != ':')
			return jfail(&s, "expected ':' after a key");
		s.p++;
	}
}

/* Finds a key used twice in one object (FHIR JSON forbids it; cJSON would keep both): pairwise for
 * small objects, by hash for larger ones, so the cost stays linear in the number of keys. */
static const char *duplicate_key(const cJSON *j)
{
	const cJSON *c;
	int n = 0;

	if (cJSON_IsObject(j)) {
		for (c = j->child; c; c = c->next)
			n++;
		if (n <= 8) {
			for (c = j->child; c; c = c->next)
				for (const cJSON *d = j->child; d != c; d = d->next)
					if (strcmp(d->string, c->string) == 0)
						return c->string;
		} else {
			struct sv_strmap seen;
			const char *dup = NULL;
			sv_strmap_init(&seen, (size_t)n);
			for (c = j->child; c && !dup; c = c->next)
				if (!sv_strmap_put(&seen, c->string, 0))
					dup = c->string;
			sv_strmap_release(&seen);
			if (dup)
				return dup;
		}
	}
	cJSON_ArrayForEach(c, j) {
		const char *dup = duplicate_key(c);
		if (dup)
			return dup;
	}
	return NULL;
}

/* ---- Build ----------------------------------------------------------------------------------------
 * Runs only over text the check passed, so it trusts the grammar: no bounds or error handling beyond
 * what keeps it inside the block. Recursion is bounded by SV_FHIR_MAX_DEPTH. */

struct jbuild {
	const char *p;
	char *block;
	size_t nodes_at, strings_at;   /* next free node / string byte in block */
};

static void bws(struct jbuild *b)
{
	while (*b->p == ' ' || *b->p == '\t' || *b->p == '\n' || *b->p == '\r')
		b->p++;
}

static cJSON *bnode(struct jbuild *b, int type)
{
	cJSON *n = (cJSON *)(void *)(b->block + b->nodes_at);
	b->nodes_at += sizeof(cJSON);
	memset(n, 0, sizeof(*n));
	n->type = type;
	return n;
}

/* The string at the opening quote, decoded into the block; its UTF-8 fits in the bytes it took. */
static char *bstring(struct jbuild *b)
{
	char *out = b->block + b->strings_at, *o = out;
	const char *p = b->p + 1;

	for (;;) {
		const char *q = p;
		while (*q != '"' && *q != '\\')
			q++;
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		p = q;
		if (*p == '"')
			break;
		switch (p[1]) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			unsigned u, lo;
			hex4(p + 2, p + 6, &u);
			if (u >= 0xD800 && u <= 0xDBFF) {
				hex4(p + 8, p + 12, &lo);
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				p += 6;
			}
			if (u < 0x80) {
				*o++ = (char)u;
			} else if (u < 0x800) {
				*o++ = (char)(0xC0 | u >> 6);
				*o++ = (char)(0x80 | (u & 0x3F));
			} else if (u < 0x10000) {
				*o++ = (char)(0xE0 | u >> 12);
				*o++ = (char)(0x80 | (u >> 6 & 0x3F));
				*o++ = (char)(0x80 | (u & 0x3F));
			} else {
				*o++ = (char)(0xF0 | u >> 18);
				*o++ = (char)(0x80 | (u >> 12 & 0x3F));
				*o++ = (char)(0x80 | (u >> 6 & 0x3F));
				*o++ = (char)(0x80 | (u & 0x3F));
			}
			p += 6;
			continue;
		}
		default: *o++ = p[1]; break;     /* " \ / */
		}
		p += 2;
	}
	*o++ = '\0';
	b->p = p + 1;
	b->strings_at += (size_t)(o - out);
	return out;
}

/* A number as cJSON reads it: valuedouble from strtod (the check bounded it to 63 characters, and
 * samsvar never changes the C locale), valueint saturated. */
static cJSON *bnumber(struct jbuild *b)
{
	char buf[64];
	size_t n = strspn(b->p, "0123456789+-.eE");
	cJSON *item = bnode(b, cJSON_Number);
	double d;

	memcpy(buf, b->p, n);
	buf[n] = '\0';
	b->p += n;
	d = strtod(buf, NULL);
	item->valuedouble = d;
	item->valueint = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
	return item;
}

static cJSON *bvalue(struct jbuild *b);

/* An object or array at its opening bracket; children are linked as cJSON links them (the first
 * child's prev is the last child, which cJSON_AddItemToArray relies on). */
static cJSON *bcontainer(struct jbuild *b)
{
	int object = *b->p == '{';
	cJSON *item = bnode(b, object ? cJSON_Object : cJSON_Array), *last = NULL;

	b->p++;
	bws(b);
	while (*b->p != (object ? '}' : ']')) {
		char *key = NULL;
		cJSON *child;
		if (object) {
			key = bstring(b);
			bws(b);
			b->p++;          /* ':' */
			bws(b);
		}
		child = bvalue(b);
		child->string = key;
		if (last) {
			last->next = child;
			child->prev = last;
		} else {
			item->child = child;
		}
		last = child;
		bws(b);
		if (*b->p == ',') {
			b->p++;
			bws(b);
		}
	}
	b->p++;
	if (item->child)
		item->child->prev = last;
	return item;
}

static cJSON *bvalue(struct jbuild *b)
{
	cJSON *item;

	switch (*b->p) {
	case '{':
	case '[':
		return bcontainer(b);
	case '"':
		item = bnode(b, cJSON_String);
		item->valuestring = bstring(b);
		return item;
	case 't':
		b->p += 4;
		item = bnode(b, cJSON_True);
		item->valueint = 1;     /* as cJSON sets it */
		return item;
	case 'f':
		b->p += 5;
		return bnode(b, cJSON_False);
	case 'n':
		b->p += 4;
		return bnode(b, cJSON_NULL);
	default:
		return bnumber(b);
	}
}

cJSON *sv_jsonbody_parse(const char *text, size_t len, unsigned max_nodes, struct sv_body *out,
			 struct sv_error *err)
{
	struct jbuild b;
	unsigned nodes = 0;
	const char *dup;
	char *copy;

	memset(out, 0, sizeof(*out));
	if (json_scan(text, len, max_nodes, &nodes, err) != SV_OK)
		return NULL;
	/* Every string decodes to no more bytes than its quoted form took (the NUL fits in a quote),
	 * so the text's length bounds the strings; the build reads a NUL-terminated copy placed after
	 * them, which a number's strspn() also stops at. */
	out->size = (size_t)nodes * sizeof(cJSON) + len + len + 1;
	out->block = sv_xmalloc(out->size);
	copy = out->block + (size_t)nodes * sizeof(cJSON) + len;
	memcpy(copy, text, len);
	copy[len] = '\0';
	b.p = copy;
	b.block = out->block;
	b.nodes_at = 0;
	b.strings_at = (size_t)nodes * sizeof(cJSON);
	bws(&b);
	out->json = bcontainer(&b);
	if (b.nodes_at != (size_t)nodes * sizeof(cJSON))
		SV_BUG("the JSON build made a different number of values than the check counted");
	if ((dup = duplicate_key(out->json)) != NULL) {
		sv_fail(err, SV_EINVAL, "the body has the key '%.100s' twice in one object", dup);
		sv_body_release(out);
		return NULL;
	}
	return out->json;
}

static int in_block(const struct sv_body *b, const cJSON *item)
{
	return (const char *)item >= b->block && (const char *)item < b->block + b->size;
}

/* Frees what was added to the block's tree after the parse: every item outside the block is the
 * root of an ordinary cJSON subtree. */
static void release_added(const struct sv_body *b, cJSON *item)
{
	cJSON *c = item->child, *next;

	for (; c; c = next) {
		next = c->next;
		if (in_block(b, c)) {
			release_added(b, c);
		} else {
			c->next = NULL;    /* cJSON_Delete frees the siblings after an item too */
			cJSON_Delete(c);
		}
	}
}

void sv_body_release(struct sv_body *b)
{
	if (b->block) {
		release_added(b, b->json);
		free(b->block);
	} else {
		cJSON_Delete(b->json);
	}
	memset(b, 0, sizeof(*b));
}
