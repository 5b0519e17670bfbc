/* jsonw.h — one way to describe a JSON answer, two ways to get it: as compact bytes (the hot path: no
 * tree to build, print and free) or as a cJSON tree (for XML, _pretty and callers that want a tree).
 *
 * Code that writes an answer calls the same sv_jsonw_* functions whichever backend it was given, so
 * the answer's structure is written down once. The bytes backend prints exactly what
 * cJSON_PrintUnformatted (cJSON 1.7.15) prints for the tree the other backend builds: the same
 * string escapes ( \" \\ \b \f \n \r \t, other bytes below 0x20 as \u00xx, everything else as is)
 * and the same number forms. tests/test_jsonw.c and tests/test_translate.c hold the two to that.
 *
 * Every member and element is written with a key: inside an object `key` names the member, inside
 * an array and at the top it must be NULL. Keys are not copied into a tree: they must outlive it
 * (string literals, in practice). Allocation follows the process OOM policy (error.h): it aborts. */
#ifndef SAMSVAR_JSONW_H
#define SAMSVAR_JSONW_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define SV_JSONW_MAX_DEPTH 32

struct sv_jsonw {
	int tree;                       /* 1: build a cJSON tree, 0: append bytes */
	/* bytes backend */
	char *buf;
	size_t len, cap;
	/* the open containers, outermost first: which are arrays, and (tree backend) the nodes */
	char array[SV_JSONW_MAX_DEPTH];
	cJSON *open[SV_JSONW_MAX_DEPTH];
	int depth;
	cJSON *root;
};

/* Starts an empty writer: a tree builder when `tree` is 1, else a byte writer. */
void sv_jsonw_init(struct sv_jsonw *w, int tree);

/* Frees whatever the writer still holds (safe after a take, and twice). */
void sv_jsonw_release(struct sv_jsonw *w);

/* Opens an object / an array as member `key` (NULL in an array or at the top); close it with
 * sv_jsonw_end(). Opening deeper than SV_JSONW_MAX_DEPTH is a bug. */
void sv_jsonw_object(struct sv_jsonw *w, const char *key);
void sv_jsonw_array(struct sv_jsonw *w, const char *key);

/* Closes the innermost open object or array. */
void sv_jsonw_end(struct sv_jsonw *w);

/* Writes string `s` (UTF-8, written as is but for the escapes above); a NULL `s` writes nothing.
 * The tree gets a copy of `s`. */
void sv_jsonw_string(struct sv_jsonw *w, const char *key, const char *s);

/* As sv_jsonw_string(), but the tree borrows `s`, which must then outlive the tree. */
void sv_jsonw_string_ref(struct sv_jsonw *w, const char *key, const char *s);

/* Writes true or false. */
void sv_jsonw_bool(struct sv_jsonw *w, const char *key, int b);

/* Writes number `d` as cJSON 1.7.15 prints it: %1.15g, or %1.17g when that does not read back as
 * `d`; NaN and infinities as null. */
void sv_jsonw_number(struct sv_jsonw *w, const char *key, double d);

/* Writes a copy of the cJSON value `v` (any type, objects and arrays whole). */
void sv_jsonw_value(struct sv_jsonw *w, const char *key, const cJSON *v);

/* Byte writer, everything closed: returns the NUL-terminated bytes (the caller frees them) and their
 * length in *len; the writer is left empty. */
char *sv_jsonw_take_bytes(struct sv_jsonw *w, size_t *len);

/* Tree builder, everything closed: returns the tree (the caller frees it with cJSON_Delete); the
 * writer is left empty. */
cJSON *sv_jsonw_take_tree(struct sv_jsonw *w);

#endif
