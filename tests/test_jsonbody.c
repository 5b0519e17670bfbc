/* test_jsonbody.c — a JSON body built in one block reads exactly as cJSON would read it, may grow,
 * and is released in one piece (leaks and stray frees show under `make asan`). */
#include "samsvar/error.h"
#include "samsvar/jsonbody.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static void setup(void)
{
	sv_alloc_init();
}

TestSuite(jsonbody, .init = setup);

/* Whether two trees hold the same types, keys, strings and numbers (cJSON_Compare cannot tell, as
 * it finds an infinite number unequal to itself). */
static int same_tree(const cJSON *a, const cJSON *b)
{
	for (; a && b; a = a->next, b = b->next) {
		if ((a->type & 0xFF) != (b->type & 0xFF) || a->valueint != b->valueint ||
		    memcmp(&a->valuedouble, &b->valuedouble, sizeof(double)) != 0 ||
		    (a->string == NULL) != (b->string == NULL) || (a->string && strcmp(a->string, b->string) != 0) ||
		    (a->valuestring == NULL) != (b->valuestring == NULL) ||
		    (a->valuestring && strcmp(a->valuestring, b->valuestring) != 0) || !same_tree(a->child, b->child))
			return 0;
	}
	return a == b;
}

/* Parses `text` both ways and compares the trees and what they print. */
static void same_as_cjson(const char *text)
{
	struct sv_error err;
	struct sv_body b;
	cJSON *ref = cJSON_Parse(text), *mine = sv_jsonbody_parse(text, strlen(text), 1000, &b, &err);
	char *a, *c;

	cr_assert_not_null(ref, "cJSON refused %s", text);
	cr_assert_not_null(mine, "%s: %s", text, err.message);
	a = cJSON_PrintUnformatted(ref);
	c = cJSON_PrintUnformatted(mine);
	cr_assert_str_eq(c, a, "for %s", text);
	cr_assert(same_tree(ref, mine), "for %s", text);
	free(a);
	free(c);
	cJSON_Delete(ref);
	sv_body_release(&b);
	cr_assert_null(b.json);
	cr_assert_null(b.block);
}

Test(jsonbody, reads_what_cjson_reads)
{
	static const char *const docs[] = {
		"{}",
		" {\"a\" : [ ] , \"b\":{ } }\r\n",
		"{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"code\",\"valueCode\":\"d510\"},"
		"{\"name\":\"x\",\"valueBoolean\":true},{\"name\":\"y\",\"valueBoolean\":false},{\"name\":\"z\"}]}",
		"{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"u\":\"\\u00e6\\u00F8\\u00e5 \\u20ac\",\"pair\":\"\\ud83d\\ude00\"}",
		"{\"raw\":\"Sich waschen \xc3\xa6\xe2\x82\xac\xf0\x9f\x98\x80\",\"\\u006bey\":1}",
		"{\"n\":[0,-0,1,-1.5e3,2.5E-2,1e400,-1e400,2147483647,2147483648,-2147483649,3.999,0.1]}",
		"{\"nul\":null,\"deep\":[[[[{\"a\":[{}]}]]]],\"last\":\"\"}",
	};
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		same_as_cjson(docs[i]);
}

Test(jsonbody, values_and_links_are_those_of_cjson)
{
	const char *text = "{\"i\":2147483648,\"j\":-7.9,\"s\":\"a\\u0062c\",\"arr\":[1,2,3]}";
	struct sv_error err;
	struct sv_body b;
	cJSON *j = sv_jsonbody_parse(text, strlen(text), 100, &b, &err), *arr;

	cr_assert_not_null(j, "%s", err.message);
	cr_assert_eq(cJSON_GetObjectItem(j, "i")->valueint, 2147483647, "saturated as cJSON does");
	cr_assert_eq(cJSON_GetObjectItem(j, "j")->valueint, -7);
	cr_assert_str_eq(cJSON_GetObjectItem(j, "s")->valuestring, "abc");
	arr = cJSON_GetObjectItem(j, "arr");
	cr_assert_eq(cJSON_GetArraySize(arr), 3);
	cr_assert_eq(arr->child->prev, cJSON_GetArrayItem(arr, 2), "the first child's prev is the last");
	cr_assert_null(cJSON_GetArrayItem(arr, 2)->next);
	cr_assert_eq(j->child->prev, arr);
	sv_body_release(&b);
}

Test(jsonbody, grows_and_is_released_whole)
{
	const char *text = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"a\",\"valueString\":\"1\"}],"
			   "\"empty\":[]}";
	struct sv_error err;
	struct sv_body b;
	cJSON *j = sv_jsonbody_parse(text, strlen(text), 100, &b, &err), *p, *q;
	char *s;

	cr_assert_not_null(j, "%s", err.message);
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", "b");
	cJSON_AddStringToObject(p, "valueString", "2");
	cJSON_AddItemToArray(cJSON_GetObjectItem(j, "parameter"), p);
	q = cJSON_CreateArray();
	cJSON_AddItemToArray(q, cJSON_CreateNumber(5));
	cJSON_AddItemToObject(j, "added", q);
	cJSON_AddItemToArray(cJSON_GetObjectItem(j, "empty"), cJSON_CreateTrue());
	cJSON_AddItemToArray(cJSON_GetObjectItem(j, "empty"), cJSON_CreateFalse());   /* two added siblings */
	s = cJSON_PrintUnformatted(j);
	cr_assert_str_eq(s, "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"a\",\"valueString\":\"1\"},"
			    "{\"name\":\"b\",\"valueString\":\"2\"}],\"empty\":[true,false],\"added\":[5]}");
	free(s);
	sv_body_release(&b);       /* frees the three added subtrees and the block: asan reports a leak otherwise */
	sv_body_release(&b);       /* an empty body is allowed */
}

Test(jsonbody, errors_leave_the_body_empty)
{
	static const char *const bad[] = {"{\"a\":1,\"a\":2}", "{\"a\":", "[1]", "{\"s\":\"\\u0000\"}",
					  "{\"x\":[1,2,3,4,5,6,7,8,9,10]}"};
	struct sv_error err;
	struct sv_body b;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sv_error_clear(&err);
		cr_assert_null(sv_jsonbody_parse(bad[i], strlen(bad[i]), 10, &b, &err), "%s", bad[i]);
		cr_assert_neq(err.code, SV_OK);
		cr_assert_null(b.json);
		cr_assert_null(b.block);
	}
	sv_error_clear(&err);
	sv_jsonbody_parse(bad[0], strlen(bad[0]), 10, &b, &err);
	cr_assert(strstr(err.message, "'a' twice"), "%s", err.message);
	sv_jsonbody_parse(bad[4], strlen(bad[4]), 10, &b, &err);
	cr_assert_eq(err.code, SV_ETOOBIG);
}
