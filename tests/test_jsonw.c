/* test_jsonw.c — the JSON writer: its bytes are what cJSON_PrintUnformatted prints for the tree its
 * other backend builds (escapes of every control character, quotes, backslash, UTF-8 as is, numbers),
 * and the tree backend builds the tree the calls describe. */
#include <criterion/criterion.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samsvar/error.h"
#include "samsvar/jsonw.h"

/* A writer call sequence, run against either backend. */
typedef void (*writes_fn)(struct sv_jsonw *w, const void *arg);

/* Runs `fn` both ways; asserts the bytes equal cJSON's print of the tree, and returns the bytes. */
static char *both_ways(writes_fn fn, const void *arg)
{
	struct sv_jsonw w;
	cJSON *tree;
	char *bytes, *printed;
	size_t len;

	sv_jsonw_init(&w, 1);
	fn(&w, arg);
	tree = sv_jsonw_take_tree(&w);
	cr_assert_not_null(tree);
	printed = cJSON_PrintUnformatted(tree);
	sv_jsonw_init(&w, 0);
	fn(&w, arg);
	bytes = sv_jsonw_take_bytes(&w, &len);
	cr_assert_eq(len, strlen(bytes));
	cr_assert_str_eq(bytes, printed);
	free(printed);
	cJSON_Delete(tree);
	sv_jsonw_release(&w);
	return bytes;
}

static void string_doc(struct sv_jsonw *w, const void *arg)
{
	const char *s = arg;

	sv_jsonw_object(w, NULL);
	sv_jsonw_string(w, "v", s);
	sv_jsonw_string_ref(w, s, s);   /* as a key too (a literal would outlive the tree as well) */
	sv_jsonw_array(w, "a");
	sv_jsonw_string(w, NULL, s);
	sv_jsonw_end(w);
	sv_jsonw_end(w);
}

static void expect_string(const char *s, const char *want)
{
	char *bytes = both_ways(string_doc, s), expected[256];

	snprintf(expected, sizeof(expected), "{\"v\":\"%s\",\"%s\":\"%s\",\"a\":[\"%s\"]}", want, want, want, want);
	cr_assert_str_eq(bytes, expected);
	free(bytes);
}

Test(jsonw, every_control_character_quote_and_backslash)
{
	static const char *const named[] = {['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r",
					    ['\t'] = "\\t"};
	char s[4], want[16];

	for (int c = 1; c < 0x20; c++) {
		snprintf(s, sizeof(s), "a%cb", c);
		if (c < (int)(sizeof(named) / sizeof(named[0])) && named[c])
			snprintf(want, sizeof(want), "a%sb", named[c]);
		else
			snprintf(want, sizeof(want), "a\\u%04xb", c);
		expect_string(s, want);
	}
	expect_string("\"", "\\\"");
	expect_string("\\", "\\\\");
	expect_string("/ \x7f ~", "/ \x7f ~");   /* DEL and '/' are not escaped */
	expect_string("", "");
}

/* Long strings take the eight-bytes-at-a-time path: every byte that matters, at every offset. */
Test(jsonw, escapes_at_every_offset_of_long_strings)
{
	char s[40];
	char *bytes;

	for (int c = 1; c < 256; c++) {
		for (int at = 0; at < 24; at++) {
			memset(s, 'x', 30);
			s[30] = '\0';
			s[at] = (char)c;
			s[at + 5] = c == '"' ? '\\' : '"';
			bytes = both_ways(string_doc, s);
			free(bytes);
		}
	}
}

Test(jsonw, utf8_passes_as_is)
{
	expect_string("æøå Ω ✓ 😀", "æøå Ω ✓ 😀");
	expect_string("\xc3\xa6\"\xe2\x9c\x93\n", "\xc3\xa6\\\"\xe2\x9c\x93\\n");
}

static void number_doc(struct sv_jsonw *w, const void *arg)
{
	const double *d = arg;

	sv_jsonw_array(w, NULL);
	sv_jsonw_number(w, NULL, *d);
	sv_jsonw_end(w);
}

Test(jsonw, numbers_as_cjson_prints_them)
{
	const double cases[] = {0.0, -0.0, 1, -1, 42, 3.5, -2.25, 0.1, 1.0 / 3, 2.0 / 3, 1e15, 1e16, 1e17,
				123456789012345678.0, 1e300, -1e-300, 5e-324, DBL_MAX, DBL_MIN, INT_MAX,
				(double)INT_MAX + 1, INT_MIN, (double)INT_MIN - 1, 4294967296.0, 0.30000000000000004,
				NAN, INFINITY, -INFINITY};

	char *bytes;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		free(both_ways(number_doc, &cases[i]));
	bytes = both_ways(number_doc, &cases[5]);
	cr_assert_str_eq(bytes, "[3.5]");
	free(bytes);
}

static void mixed_doc(struct sv_jsonw *w, const void *arg)
{
	const cJSON *v = arg;

	sv_jsonw_object(w, NULL);
	sv_jsonw_string_ref(w, "resourceType", "Parameters");
	sv_jsonw_object(w, "empty");
	sv_jsonw_end(w);
	sv_jsonw_array(w, "none");
	sv_jsonw_end(w);
	sv_jsonw_array(w, "list");
	sv_jsonw_bool(w, NULL, 1);
	sv_jsonw_bool(w, NULL, 0);
	sv_jsonw_string(w, NULL, NULL);   /* writes nothing, comma included */
	sv_jsonw_object(w, NULL);
	sv_jsonw_string(w, "skipped", NULL);
	sv_jsonw_number(w, "n", 7);
	sv_jsonw_end(w);
	sv_jsonw_value(w, NULL, v);
	sv_jsonw_end(w);
	sv_jsonw_value(w, "copy", v);
	sv_jsonw_end(w);
}

Test(jsonw, containers_values_and_copies)
{
	cJSON *v = cJSON_Parse("{\"a\":[1,2.5,-3e-7,null,true,false,\"x\\u0001\\\"\",{},[]],"
			       "\"b\":{\"c\":{\"d\":\"æ\"}},\"big\":1e400}");
	char *bytes;

	cr_assert_not_null(v);
	cJSON_AddItemToObject(v, "raw", cJSON_CreateRaw("[1, 2]"));
	bytes = both_ways(mixed_doc, v);
	cr_assert(strncmp(bytes, "{\"resourceType\":\"Parameters\",\"empty\":{},\"none\":[],"
			  "\"list\":[true,false,{\"n\":7},{\"a\":[1,2.5,", 70) == 0, "%s", bytes);
	free(bytes);
	cJSON_Delete(v);
}

Test(jsonw, tree_borrows_only_what_it_is_told_to)
{
	struct sv_jsonw w;
	char s[] = "kept";
	cJSON *t;

	sv_jsonw_init(&w, 1);
	sv_jsonw_object(&w, NULL);
	sv_jsonw_string_ref(&w, "ref", s);
	sv_jsonw_string(&w, "copy", s);
	sv_jsonw_end(&w);
	t = sv_jsonw_take_tree(&w);
	cr_assert_eq(cJSON_GetObjectItemCaseSensitive(t, "ref")->valuestring, s);
	cr_assert_neq(cJSON_GetObjectItemCaseSensitive(t, "copy")->valuestring, s);
	cJSON_Delete(t);
	sv_jsonw_release(&w);
}

Test(jsonw, a_long_answer_grows_the_buffer)
{
	struct sv_jsonw w;
	char *bytes;
	size_t len;

	sv_jsonw_init(&w, 0);
	sv_jsonw_array(&w, NULL);
	for (int i = 0; i < 10000; i++)
		sv_jsonw_string(&w, NULL, "0123456789");
	sv_jsonw_end(&w);
	bytes = sv_jsonw_take_bytes(&w, &len);
	cr_assert_eq(len, 2 + 10000 * 13 - 1);   /* 12 per string, commas between */
	cr_assert_eq(bytes[len], '\0');
	cr_assert_eq(bytes[len - 1], ']');
	free(bytes);
}
