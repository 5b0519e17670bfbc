/* test_import_merge.c — an imported CodeSystem against the stored one: shrinks refused naming what
 * would go, fragments that never overwrite, second languages, flat lists that keep the hierarchy. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samsvar/error.h"
#include "samsvar/import_merge.h"
#include "samsvar/jsonutil.h"
#include "support/fixtures.h"

/* Builds a CodeSystem u|v (content and language may be NULL) from "code=display<parent" items. */
static cJSON *cs_of(const char *version, const char *content, const char *lang, const char *const *items)
{
	cJSON *cs = ts_parse_json("{\"resourceType\":\"CodeSystem\",\"url\":\"http://example.org/cs\"}");
	cJSON *concepts = cJSON_AddArrayToObject(cs, "concept");
	int n = 0;

	cJSON_AddStringToObject(cs, "version", version);
	if (content)
		cJSON_AddStringToObject(cs, "content", content);
	if (lang)
		cJSON_AddStringToObject(cs, "language", lang);
	for (; *items; items++, n++) {
		char buf[128];
		char *eq, *lt;
		cJSON *c = cJSON_CreateObject();
		snprintf(buf, sizeof(buf), "%s", *items);
		eq = strchr(buf, '=');
		lt = strchr(buf, '<');
		if (lt)
			*lt = '\0';
		*eq = '\0';
		cJSON_AddStringToObject(c, "code", buf);
		cJSON_AddStringToObject(c, "display", eq + 1);
		if (lt) {
			cJSON *p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "code", "parent");
			cJSON_AddStringToObject(p, "valueCode", lt + 1);
			cJSON_AddItemToArray(cJSON_AddArrayToObject(c, "property"), p);
		}
		cJSON_AddItemToArray(concepts, c);
	}
	cJSON_AddNumberToObject(cs, "count", n);
	return cs;
}

static cJSON *concept(const cJSON *cs, const char *code)
{
	cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(cs, "concept"))
		if (strcmp(sv_jstr(c, "code"), code) == 0)
			return c;
	return NULL;
}

static int has_prop(const cJSON *c, const char *code, const char *value_code)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(c, "property"))
		if (strcmp(sv_jstr(p, "code"), code) == 0 &&
		    (value_code ? sv_jstr(p, "valueCode") && strcmp(sv_jstr(p, "valueCode"), value_code) == 0
				: cJSON_IsTrue(cJSON_GetObjectItem(p, "valueBoolean"))))
			return 1;
	return 0;
}

static int designations(const cJSON *c, const char *lang, const char *value)
{
	const cJSON *d;
	int n = 0;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(c, "designation"))
		n += sv_jstr(d, "language") && strcmp(sv_jstr(d, "language"), lang) == 0 &&
		     strcmp(sv_jstr(d, "value"), value) == 0;
	return n;
}

Test(import_merge, a_complete_import_lacking_concepts_is_refused_naming_them)
{
	static const char *const full[] = {"a=A", "b=B<a", "c=C<a", NULL}, *const part[] = {"a=A", NULL};
	cJSON *old = cs_of("1", "complete", "en", full), *fresh = cs_of("1", "complete", "en", part);
	char *before = cJSON_PrintUnformatted(fresh);
	struct sv_merge_report rep;
	struct sv_error err = {0};

	cr_assert_eq(sv_import_merge_codesystem(fresh, old, 0, &rep, &err), SV_ECONFLICT);
	cr_assert(strstr(err.message, "lacks 2 of the 3") && strstr(err.message, "remove: b, c") &&
		  strstr(err.message, "--allow-shrink"), "%s", err.message);
	{
		char *after = cJSON_PrintUnformatted(fresh);
		cr_assert_str_eq(after, before, "a refused import is left as it was");
		free(after);
		free(before);
	}
	/* Allowed explicitly: the import replaces the stored version, and the note says what went. */
	cr_assert_eq(sv_import_merge_codesystem(fresh, old, 1, &rep, &err), SV_OK);
	cr_assert_eq(rep.action, SV_MERGE_SHRUNK);
	cr_assert_eq(rep.removed, 2);
	cr_assert(strstr(rep.note, "removed b, c"), "%s", rep.note);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(fresh, "concept")), 1);
	cJSON_Delete(old);
	cJSON_Delete(fresh);
}

Test(import_merge, a_refusal_names_a_dozen_codes_and_counts_the_rest)
{
	static const char *const one[] = {"x=X", NULL};
	const char *many[31];
	char codes[30][16];
	cJSON *old, *fresh = cs_of("1", "complete", NULL, one);
	struct sv_merge_report rep;
	struct sv_error err = {0};

	for (int i = 0; i < 30; i++) {
		snprintf(codes[i], sizeof(codes[i]), "k%d=K", i);
		many[i] = codes[i];
	}
	many[30] = NULL;
	old = cs_of("1", "complete", NULL, many);
	cr_assert_eq(sv_import_merge_codesystem(fresh, old, 0, &rep, &err), SV_ECONFLICT);
	cr_assert(strstr(err.message, "k0, k1, ") && strstr(err.message, "k11 and 18 more"), "%s", err.message);
	cr_assert_null(strstr(err.message, "k12,"), "%s", err.message);
	cJSON_Delete(old);
	cJSON_Delete(fresh);
}

Test(import_merge, a_fragment_never_overwrites_a_fuller_version)
{
	static const char *const full[] = {"a=A", "b=B<a", "c=C<a", NULL}, *const frag[] = {"a=A", "b=B<a", NULL};
	static const char *const frag2[] = {"b=B<a", "n=National<a", NULL};
	cJSON *old = cs_of("1", "complete", "en", full), *fresh = cs_of("1", "fragment", "en", frag), *c;
	struct sv_merge_report rep;
	struct sv_error err = {0};

	cr_assert_eq(sv_import_merge_codesystem(fresh, old, 0, &rep, &err), SV_OK, "%s", err.message);
	cr_assert_eq(rep.action, SV_MERGE_KEPT, "nothing to store: the fuller version holds the fragment");
	cr_assert(strstr(rep.note, "kept the stored version (3 concepts)"), "%s", rep.note);
	cJSON_Delete(fresh);

	/* A fragment with a concept the stored version lacks: added to it, marked; count unchanged. */
	fresh = cs_of("1", "fragment", "en", frag2);
	cr_assert_eq(sv_import_merge_codesystem(fresh, old, 0, &rep, &err), SV_OK, "%s", err.message);
	cr_assert_eq(rep.action, SV_MERGE_MERGED);
	cr_assert_eq(rep.carried, 1);
	cr_assert_str_eq(sv_jstr(fresh, "content"), "complete", "the stored version is the base");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(fresh, "concept")), 4);
	cr_assert_eq(cJSON_GetObjectItem(fresh, "count")->valueint, 3, "count stays the edition's own");
	cr_assert(has_prop(concept(fresh, "n"), SV_PROP_NOT_IN_EDITION, NULL));
	cr_assert(has_prop(concept(fresh, "n"), "parent", "a"));
	cr_assert_not(has_prop(concept(fresh, "a"), SV_PROP_NOT_IN_EDITION, NULL));
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(fresh, "property"), 0);
	cr_assert_str_eq(sv_jstr(c, "code"), SV_PROP_NOT_IN_EDITION, "the marking property is declared");
	cJSON_Delete(old);
	cJSON_Delete(fresh);
}

Test(import_merge, a_flat_list_keeps_the_hierarchy_and_the_concepts_it_lacks)
{
	/* Old: a small fragment with is-a links and a concept the big flat list does not have. */
	static const char *const frag[] = {"a=A", "b=B<a", "n=National<a", NULL};
	static const char *const flat[] = {"a=A", "b=B", "z=Z", "y=Y", NULL};
	cJSON *old = cs_of("1", "fragment", "en", frag), *fresh = cs_of("1", "fragment", "en", flat);
	struct sv_merge_report rep;
	struct sv_error err = {0};

	cr_assert_eq(sv_import_merge_codesystem(fresh, old, 0, &rep, &err), SV_OK, "%s", err.message);
	cr_assert_eq(rep.action, SV_MERGE_MERGED);
	cr_assert_eq(rep.parents, 1);
	cr_assert_eq(rep.carried, 1);
	cr_assert(has_prop(concept(fresh, "b"), "parent", "a"), "b keeps its parent");
	cr_assert(has_prop(concept(fresh, "n"), SV_PROP_NOT_IN_EDITION, NULL), "n stays, marked");
	cr_assert_eq(cJSON_GetObjectItem(fresh, "count")->valueint, 4);
	cr_assert_str_eq(sv_jstr(fresh, "hierarchyMeaning"), "is-a");
	cr_assert(strstr(rep.note, "1 concepts keep the parents") && strstr(rep.note, "1 concepts the edition lacks"),
		  "%s", rep.note);
	cJSON_Delete(old);
	cJSON_Delete(fresh);
}

Test(import_merge, a_second_language_adds_designations_and_keeps_the_display)
{
	static const char *const en[] = {"d510=Washing oneself", "x=Only English", NULL};
	static const char *const de[] = {"d510=Sich waschen", "x=Nur Deutsch", "y=Neu", NULL};
	cJSON *old = cs_of("1", "complete", "en", en), *fresh = cs_of("1", "complete", "de", de), *c;
	struct sv_merge_report rep;
	struct sv_error err = {0};

	/* As the ICF importers do: the display again as a designation in the file's language. */
	cJSON_AddItemToArray(cJSON_AddArrayToObject(concept(fresh, "d510"), "designation"),
			     ts_parse_json("{\"language\":\"de\",\"value\":\"Sich waschen\"}"));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(concept(old, "d510"), "designation"),
			     ts_parse_json("{\"language\":\"en\",\"value\":\"Washing oneself\"}"));
	cr_assert_eq(sv_import_merge_codesystem(fresh, old, 0, &rep, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(sv_jstr(fresh, "language"), "en", "the stored language stays the default");
	c = concept(fresh, "d510");
	cr_assert_str_eq(sv_jstr(c, "display"), "Washing oneself");
	cr_assert_eq(designations(c, "de", "Sich waschen"), 1, "the German title once");
	cr_assert_eq(designations(c, "en", "Washing oneself"), 1, "the English title once");
	c = concept(fresh, "x");
	cr_assert_str_eq(sv_jstr(c, "display"), "Only English");
	cr_assert_eq(designations(c, "de", "Nur Deutsch"), 1, "the import's title kept as a designation");
	cr_assert_str_eq(sv_jstr(concept(fresh, "y"), "display"), "Neu", "only the import has a title for y");
	/* The same import again changes nothing more. */
	{
		cJSON *again = cJSON_Duplicate(fresh, 1);
		struct sv_merge_report rep2;
		cr_assert_eq(sv_import_merge_codesystem(again, fresh, 0, &rep2, &err), SV_OK);
		cr_assert_eq(rep2.designations, 0);
		cr_assert_eq(rep2.action, SV_MERGE_REPLACED);
		cJSON_Delete(again);
	}
	cJSON_Delete(old);
	cJSON_Delete(fresh);
}

Test(import_merge, a_new_version_with_fewer_concepts_is_refused_naming_them)
{
	static const char *const v1[] = {"a=A", "b=B", "c=C", NULL}, *const v2[] = {"a=A", "b=B", NULL};
	cJSON *latest = cs_of("2001", "complete", "en", v1), *fresh = cs_of("2017", "complete", "en", v2);
	cJSON *older = cs_of("1999", "complete", "en", v2);
	struct sv_merge_report rep;
	struct sv_error err = {0};

	cr_assert_eq(sv_import_check_version(fresh, latest, 0, &rep, &err), SV_ECONFLICT);
	cr_assert(strstr(err.message, "2 concepts, fewer than the 3 of version 2001") &&
		  strstr(err.message, "lacks 1 of them: c"), "%s", err.message);
	cr_assert_eq(sv_import_check_version(fresh, latest, 1, &rep, &err), SV_OK);
	cr_assert_eq(rep.action, SV_MERGE_SHRUNK);
	cr_assert(strstr(rep.note, "lacks c"), "%s", rep.note);
	/* An older version coexists without replacing the latest: nothing to refuse. */
	cr_assert_eq(sv_import_check_version(older, latest, 0, &rep, &err), SV_OK);
	cr_assert_eq(rep.action, SV_MERGE_REPLACED);
	cJSON_Delete(latest);
	cJSON_Delete(fresh);
	cJSON_Delete(older);
}

Test(import_merge, nested_concepts_count_and_carry)
{
	cJSON *old = ts_parse_json("{\"resourceType\":\"CodeSystem\",\"url\":\"u\",\"version\":\"1\",\"content\":"
				   "\"fragment\",\"concept\":[{\"code\":\"a\",\"display\":\"A\",\"concept\":["
				   "{\"code\":\"n\",\"display\":\"N\"}]}]}");
	cJSON *fresh = ts_parse_json("{\"resourceType\":\"CodeSystem\",\"url\":\"u\",\"version\":\"1\",\"content\":"
				     "\"complete\",\"concept\":[{\"code\":\"a\",\"display\":\"A\"},"
				     "{\"code\":\"b\",\"display\":\"B\"}]}");
	struct sv_merge_report rep;
	struct sv_error err = {0};

	cr_assert_eq(sv_import_merge_codesystem(fresh, old, 0, &rep, &err), SV_OK, "%s", err.message);
	cr_assert_eq(rep.carried, 1, "the nested n is found and kept");
	cr_assert(has_prop(concept(fresh, "n"), "parent", "a"), "its nesting becomes a parent property");
	cr_assert_null(cJSON_GetObjectItem(concept(fresh, "n"), "concept"));
	cJSON_Delete(old);
	cJSON_Delete(fresh);
}

Test(import_merge, an_import_defining_a_code_twice_is_refused)
{
	static const char *const old_items[] = {"a=A", NULL}, *const twice[] = {"a=A", "b=B", "a=Again", NULL};
	cJSON *old = cs_of("1", "complete", "en", old_items), *fresh = cs_of("1", "complete", "en", twice);
	struct sv_merge_report rep;
	struct sv_error err = {0};

	cr_assert_eq(sv_import_merge_codesystem(fresh, old, 0, &rep, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "defines code 'a' more than once"), "%s", err.message);
	cJSON_Delete(old);
	cJSON_Delete(fresh);
}

Test(import_merge, a_new_edition_over_a_fragment_keeps_what_the_fragment_had)
{
	static const char *const frag[] = {"a=A", "n=National<a", NULL};
	static const char *const edition[] = {"a=A", "b=B<a", "c=C<a", NULL};
	cJSON *latest = cs_of("2020", "fragment", "en", frag), *fresh = cs_of("2024", "complete", "en", edition);
	struct sv_merge_report rep;
	struct sv_error err = {0};

	cr_assert_eq(sv_import_check_version(fresh, latest, 0, &rep, &err), SV_OK, "%s", err.message);
	cr_assert_eq(rep.action, SV_MERGE_MERGED);
	cr_assert_eq(rep.carried, 1);
	cr_assert(has_prop(concept(fresh, "n"), SV_PROP_NOT_IN_EDITION, NULL));
	cr_assert(has_prop(concept(fresh, "n"), "parent", "a"));
	cr_assert_eq(cJSON_GetObjectItem(fresh, "count")->valueint, 3);
	cJSON_Delete(latest);
	cJSON_Delete(fresh);
}
