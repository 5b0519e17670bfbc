/* jsonw.c — JSON answers written once, produced as compact bytes or as a cJSON tree (see jsonw.h). */
#include "samsvar/jsonw.h"
#include "samsvar/error.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sv_jsonw_init(struct sv_jsonw *w, int tree)
{
	memset(w, 0, sizeof(*w));
	w->tree = tree;
}

void sv_jsonw_release(struct sv_jsonw *w)
{
	free(w->buf);
	cJSON_Delete(w->root);
	sv_jsonw_init(w, w->tree);
}

/* ---- bytes ---- */

/* Makes room for n more bytes and the NUL after them. */
static inline void reserve(struct sv_jsonw *w, size_t n)
{
	size_t cap;

	if (w->len + n + 1 <= w->cap)
		return;
	/* One allocation holds a usual $translate answer; under 1 KiB, glibc serves it without first
	 * consolidating its fast bins (which any larger request triggers). */
	cap = w->cap ? w->cap : 1000;
	while (cap < w->len + n + 1)
		cap *= 2;
	w->buf = sv_xrealloc(w->buf, cap);
	w->cap = cap;
}

/* Appends n bytes; the buffer is NUL-terminated only when taken. */
static inline void put(struct sv_jsonw *w, const char *s, size_t n)
{
	reserve(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void put_c(struct sv_jsonw *w, char c)
{
	reserve(w, 1);
	w->buf[w->len++] = c;
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* 1 when none of the 8 bytes in v needs an escape: none is below 0x20, a quote or a backslash
 * (the exact "has a byte less than n" and "has a zero byte" word tests). */
static inline int plain8(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');

	return !((((v - ONES * 0x20) & ~v) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS);
}

/* A quoted string escaped as cJSON's print_string_ptr does. Room for the worst case (every byte
 * as \u00xx) is made once, and plain text is copied eight bytes at a time. */
static void put_quoted(struct sv_jsonw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(s), i = 0;
	unsigned char c;
	uint64_t v;
	char *o;

	reserve(w, 6 * n + 2);
	o = w->buf + w->len;
	*o++ = '"';
	while (i < n) {
		if (i + 8 <= n) {
			memcpy(&v, s + i, 8);
			if (plain8(v)) {
				memcpy(o, s + i, 8);
				o += 8;
				i += 8;
				continue;
			}
		}
		c = (unsigned char)s[i++];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
}

/* The separator and key before a member or element: a comma unless it is the first in its container. */
static void put_key(struct sv_jsonw *w, const char *key)
{
	if (w->len && w->buf[w->len - 1] != '{' && w->buf[w->len - 1] != '[')
		put_c(w, ',');
	if (key) {
		put_quoted(w, key);
		put_c(w, ':');
	}
}

/* As print_number in cJSON 1.7.15: %1.15g unless that does not read back as the same double. */
static void put_number(struct sv_jsonw *w, double d)
{
	char num[32];
	double back = 0.0;
	int n;

	if (isnan(d) || isinf(d)) {
		n = snprintf(num, sizeof(num), "null");
	} else {
		n = snprintf(num, sizeof(num), "%1.15g", d);
		if (sscanf(num, "%lg", &back) != 1 ||
		    !(fabs(back - d) <= fmax(fabs(back), fabs(d)) * DBL_EPSILON))
			n = snprintf(num, sizeof(num), "%1.17g", d);
	}
	put(w, num, (size_t)n);
}

static void put_value(struct sv_jsonw *w, const cJSON *v)
{
	const cJSON *c;

	switch (v->type & 0xff) {
	case cJSON_False: put(w, "false", 5); break;
	case cJSON_True: put(w, "true", 4); break;
	case cJSON_NULL: put(w, "null", 4); break;
	case cJSON_Number: put_number(w, v->valuedouble); break;
	case cJSON_String: put_quoted(w, v->valuestring ? v->valuestring : ""); break;
	case cJSON_Raw:
		if (!v->valuestring)
			SV_BUG("a raw JSON value without text");
		put(w, v->valuestring, strlen(v->valuestring));
		break;
	case cJSON_Array:
	case cJSON_Object:
		put_c(w, cJSON_IsArray(v) ? '[' : '{');
		for (c = v->child; c; c = c->next) {
			put_key(w, cJSON_IsArray(v) ? NULL : c->string);
			put_value(w, c);
		}
		put_c(w, cJSON_IsArray(v) ? ']' : '}');
		break;
	default:
		SV_BUG("a cJSON value of no known type");
	}
}

/* ---- tree ---- */

/* Adds `item` to the innermost open container (or makes it the root); returns it. */
static cJSON *attach(struct sv_jsonw *w, const char *key, cJSON *item)
{
	cJSON *parent;

	if (!item)
		SV_BUG("cJSON could not make a value");
	if (w->depth == 0) {
		if (w->root)
			SV_BUG("a second value at the top of a JSON answer");
		w->root = item;
		return item;
	}
	parent = w->open[w->depth - 1];
	if (cJSON_IsObject(parent) != (key != NULL))
		SV_BUG("a member without key, or an array element with one");
	if (key)
		cJSON_AddItemToObjectCS(parent, key, item);
	else
		cJSON_AddItemToArray(parent, item);
	return item;
}

/* ---- both ---- */

static void begin(struct sv_jsonw *w, const char *key, int array)
{
	if (w->depth == SV_JSONW_MAX_DEPTH)
		SV_BUG("JSON answer nested deeper than SV_JSONW_MAX_DEPTH");
	if (w->tree) {
		w->open[w->depth] = attach(w, key, array ? cJSON_CreateArray() : cJSON_CreateObject());
	} else {
		put_key(w, key);
		put_c(w, array ? '[' : '{');
	}
	w->array[w->depth] = (char)array;
	w->depth++;
}

void sv_jsonw_object(struct sv_jsonw *w, const char *key)
{
	begin(w, key, 0);
}

void sv_jsonw_array(struct sv_jsonw *w, const char *key)
{
	begin(w, key, 1);
}

void sv_jsonw_end(struct sv_jsonw *w)
{
	if (w->depth == 0)
		SV_BUG("sv_jsonw_end without an open container");
	w->depth--;
	if (!w->tree)
		put_c(w, w->array[w->depth] ? ']' : '}');
}

/* Starts member `key`: returns 1 for a tree (the caller attaches the value), else writes the
 * separator and the key and returns 0 (the caller writes the value's bytes). */
static int member_of_tree(struct sv_jsonw *w, const char *key)
{
	if (w->tree)
		return 1;
	put_key(w, key);
	return 0;
}

void sv_jsonw_string(struct sv_jsonw *w, const char *key, const char *s)
{
	if (!s)
		return;
	if (member_of_tree(w, key))
		attach(w, key, cJSON_CreateString(s));
	else
		put_quoted(w, s);
}

void sv_jsonw_string_ref(struct sv_jsonw *w, const char *key, const char *s)
{
	if (s && w->tree)
		attach(w, key, cJSON_CreateStringReference(s));
	else
		sv_jsonw_string(w, key, s);
}

void sv_jsonw_bool(struct sv_jsonw *w, const char *key, int b)
{
	if (member_of_tree(w, key))
		attach(w, key, cJSON_CreateBool(b));
	else
		put(w, b ? "true" : "false", b ? 4 : 5);
}

void sv_jsonw_number(struct sv_jsonw *w, const char *key, double d)
{
	if (member_of_tree(w, key))
		attach(w, key, cJSON_CreateNumber(d));
	else
		put_number(w, d);
}

void sv_jsonw_value(struct sv_jsonw *w, const char *key, const cJSON *v)
{
	if (member_of_tree(w, key))
		attach(w, key, cJSON_Duplicate(v, 1));
	else
		put_value(w, v);
}

char *sv_jsonw_take_bytes(struct sv_jsonw *w, size_t *len)
{
	char *s;

	if (w->tree || w->depth)
		SV_BUG("sv_jsonw_take_bytes on a tree or with containers open");
	reserve(w, 0);
	w->buf[w->len] = '\0';
	s = w->buf;
	*len = w->len;
	w->buf = NULL;
	sv_jsonw_release(w);
	return s;
}

cJSON *sv_jsonw_take_tree(struct sv_jsonw *w)
{
	cJSON *t;

	if (!w->tree || w->depth)
		SV_BUG("sv_jsonw_take_tree on a byte writer or with containers open");
	t = w->root;
	w->root = NULL;
	sv_jsonw_release(w);
	return t;
}
