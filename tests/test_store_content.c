/* test_store_content.c — code-system content as compact arrays (cscontent.c) and as rows of the content
 * tables (store_content.c), and snapshots built from them: the same answers as from the CodeSystem's JSON,
 * a content id as the change stamp that lets a republish share the content, and rows that never outlive
 * the resource pointing at them. */
#include "samsvar/cscontent.h"
#include "samsvar/jsonutil.h"
#include "samsvar/snapshot.h"
#include "samsvar/store.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define URL "https://fhir.samsvar.no/CodeSystem/test-content"


/* A CodeSystem with a DAG (B, C is-a A; D is-a B and C), a nested child (E under D), designations with
 * a use, an inactive concept with a replacement, an integer and a boolean property. */
static cJSON *test_cs(const char *version)
{
	const char *json =
		"{\"resourceType\":\"CodeSystem\",\"url\":\"" URL "\",\"version\":\"%s\",\"status\":\"active\","
		"\"content\":\"complete\",\"language\":\"en\",\"property\":[{\"code\":\"parent\",\"type\":\"code\"},"
		"{\"code\":\"inactive\",\"type\":\"boolean\"},{\"code\":\"replacedBy\",\"type\":\"code\"},"
		"{\"code\":\"weight\",\"type\":\"integer\"}],\"concept\":["
		"{\"code\":\"A\",\"display\":\"Alpha\",\"definition\":\"The root\"},"
		"{\"code\":\"B\",\"display\":\"Beta\",\"property\":[{\"code\":\"parent\",\"valueCode\":\"A\"},"
		"{\"code\":\"weight\",\"valueInteger\":3}]},"
		"{\"code\":\"C\",\"display\":\"Gamma\",\"designation\":[{\"language\":\"nb\",\"use\":{\"system\":"
		"\"http://snomed.info/sct\",\"code\":\"900000000000013009\",\"display\":\"Synonym\"},\"value\":\"Gamma på norsk\"},"
		"{\"language\":\"nn\",\"value\":\"Gamma på nynorsk\"}],\"property\":[{\"code\":\"parent\",\"valueCode\":\"A\"}]},"
		"{\"code\":\"D\",\"display\":\"Delta\",\"property\":[{\"code\":\"parent\",\"valueCode\":\"B\"},"
		"{\"code\":\"parent\",\"valueCode\":\"C\"},{\"code\":\"parent\",\"valueCode\":\"B\"}],"
		"\"concept\":[{\"code\":\"E\",\"display\":\"Epsilon\"}]},"
		"{\"code\":\"F\",\"display\":\"Old F\",\"property\":[{\"code\":\"inactive\",\"valueBoolean\":true},"
		"{\"code\":\"replacedBy\",\"valueCode\":\"E\"}]}]}";
	char buf[4096];

	snprintf(buf, sizeof(buf), json, version);
	return cJSON_Parse(buf);
}

/* Stores test_cs(version) with its concepts in the content tables. */
static void put_content(struct sv_store *st, const char *version)
{
	struct sv_content c;
	struct sv_error err = { 0 };
	cJSON *cs = test_cs(version);

	sv_content_init(&c);
	cr_assert_eq(sv_content_from_json(&c, cs, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_begin(st, &err), SV_OK);
	cr_assert_eq(sv_store_put_content(st, cs, &c, "test", "test", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_commit(st, &err), SV_OK);
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(cs, "concept"), "the row keeps no concepts");
	sv_content_release(&c);
	cJSON_Delete(cs);
}

/* The same answers, whichever way the code system was held. */
static void check_concepts(const struct sv_codesystem *cs)
{
	const struct sv_concept *a = sv_codesystem_concept(cs, "A"), *c = sv_codesystem_concept(cs, "C"),
				*d = sv_codesystem_concept(cs, "D"), *e = sv_codesystem_concept(cs, "E"),
				*f = sv_codesystem_concept(cs, "F"), *b = sv_codesystem_concept(cs, "B");

	cr_assert_eq(cs->nconcepts, 6);
	cr_assert(a && b && c && d && e && f);
	cr_assert_str_eq(a->definition, "The root");
	cr_assert_eq(d->nparents, 2, "D is-a B and C, the repeated link once");
	cr_assert_str_eq(cs->concepts[d->parents[0]].code, "B");
	cr_assert_str_eq(cs->concepts[d->parents[1]].code, "C");
	cr_assert_eq(e->nparents, 1, "the nesting gives E its parent");
	cr_assert_str_eq(cs->concepts[e->parents[0]].code, "D");
	cr_assert_eq(a->nchildren, 2);
	cr_assert(sv_codesystem_subsumes(cs, (uint32_t)(a - cs->concepts), (uint32_t)(e - cs->concepts)));
	cr_assert_not(sv_codesystem_subsumes(cs, (uint32_t)(b - cs->concepts), (uint32_t)(c - cs->concepts)));
	cr_assert_eq(c->ndesig, 2);
	cr_assert_str_eq(c->desig[0].language, "nb");
	cr_assert_str_eq(c->desig[0].use_code, "900000000000013009");
	cr_assert_str_eq(c->desig[0].value, "Gamma på norsk");
	cr_assert(sv_concept_has_display(c, "Gamma på nynorsk"));
	cr_assert(sv_concept_inactive(cs, f));
	cr_assert_not(sv_concept_inactive(cs, e));
	cr_assert_str_eq(sv_concept_property(cs, f, "replacedBy"), "E");
	cr_assert_str_eq(sv_concept_property(cs, f, "inactive"), "true");
	cr_assert_null(sv_concept_property(cs, b, "weight"), "a number is not text");
	cr_assert_eq(b->nprops, 1);
	cr_assert_str_eq(b->props[0].type, "valueInteger");
	cr_assert_str_eq(b->props[0].value, "3");
}

Test(content, json_and_tables_answer_the_same)
{
	char path[64];
	struct sv_store *st = ts_temp_store(path);
	struct sv_snapshot_builder b;
	struct sv_snapshot *from_json, *from_tables;
	struct sv_error err = { 0 };
	const struct sv_codesystem *cs;

	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, test_cs("1"), &err), SV_OK);
	from_json = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(from_json, "%s", err.message);
	check_concepts(sv_snapshot_codesystem(from_json, URL, "1"));
	cr_assert_not_null(sv_snapshot_codesystem(from_json, URL, "1")->concepts[0].json, "JSON keeps its objects");

	put_content(st, "1");
	from_tables = sv_snapshot_from_store(st, &err);
	cr_assert_not_null(from_tables, "%s", err.message);
	cs = sv_snapshot_codesystem(from_tables, URL, "1");
	cr_assert_not_null(cs);
	check_concepts(cs);
	cr_assert_null(cs->concepts[0].json, "content from tables has no JSON per concept");
	cr_assert_str_eq(cs->content, "not-present", "as read, the resource holds none of its concepts");
	cr_assert_str_eq(sv_snapshot_codesystem(from_json, URL, "1")->content, "complete");
	sv_snapshot_release(from_json);
	sv_snapshot_release(from_tables);
	sv_store_close(st);
	ts_remove_store(path);
}

Test(content, store_get_gives_the_whole_resource_back)
{
	char path[64];
	struct sv_store *st = ts_temp_store(path);
	struct sv_error err = { 0 };
	struct sv_content c;
	cJSON *whole;

	put_content(st, "1");
	whole = sv_store_get(st, "CodeSystem", URL, "1", &err);
	cr_assert_not_null(whole, "%s", err.message);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(whole, "concept")), 6);
	cr_assert_str_eq(sv_jstr(whole, "content"), "complete", "back with the code it was stored with");
	/* the row itself, and its history versions, say they hold no concepts */
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM resource WHERE json_extract(json,'$.content')='not-present'"), 1);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM resource_history WHERE json_extract(json,'$.content')<>'not-present'"),
		     0);
	/* and it reads as the same content again */
	sv_content_init(&c);
	cr_assert_eq(sv_content_from_json(&c, whole, &err), SV_OK, "%s", err.message);
	cr_assert_eq(c.nconcept, 6);
	cr_assert_eq(c.nparent, 5, "A<-B, A<-C, B<-D, C<-D, D<-E");
	cr_assert_eq(c.ndesig, 2);
	cr_assert_eq(c.concept[sv_content_find(&c, "F")].nprop, 2, "inactive and replacedBy, as the JSON says");
	sv_content_release(&c);
	cJSON_Delete(whole);
	sv_store_close(st);
	ts_remove_store(path);
}


Test(content, a_republish_shares_unchanged_content_and_rebuilds_changed)
{
	char path[64];
	struct sv_store *st = ts_temp_store(path);
	struct sv_error err = { 0 };
	struct sv_snapshot *s1, *s2, *s3;
	cJSON *vs = cJSON_Parse("{\"resourceType\":\"ValueSet\",\"url\":\"https://fhir.samsvar.no/ValueSet/x\","
				"\"version\":\"1\",\"status\":\"active\"}");

	put_content(st, "1");
	s1 = sv_snapshot_from_store(st, &err);
	cr_assert_not_null(s1, "%s", err.message);
	/* a value set published beside it: the code system is shared, not read again */
	cr_assert_eq(sv_store_put(st, vs, "test", "test", &err), SV_OK, "%s", err.message);
	s2 = sv_snapshot_from_store_over(st, s1, &err);
	cr_assert_not_null(s2, "%s", err.message);
	cr_assert_eq(sv_snapshot_codesystem(s2, URL, "1")->concepts, sv_snapshot_codesystem(s1, URL, "1")->concepts);
	/* the same version imported again: a new content id, so a new build, and the old rows are gone */
	put_content(st, "1");
	s3 = sv_snapshot_from_store_over(st, s2, &err);
	cr_assert_not_null(s3, "%s", err.message);
	cr_assert_neq(sv_snapshot_codesystem(s3, URL, "1")->concepts, sv_snapshot_codesystem(s2, URL, "1")->concepts);
	check_concepts(sv_snapshot_codesystem(s3, URL, "1"));
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM cs_content"), 1);
	cr_assert_eq(ts_sql_count(path, "SELECT count(DISTINCT content) FROM cs_concept"), 1);
	/* a publish or a retire changes the row only: the content is shared under the new header */
	{
		struct sv_snapshot *s4, *s5;
		sqlite3 *db;
		cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
		cr_assert_eq(sqlite3_exec(db, "UPDATE resource SET json=json_set(json,'$.status','retired') WHERE "
					  "type='CodeSystem'", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		s4 = sv_snapshot_from_store_over(st, s3, &err);
		cr_assert_not_null(s4, "%s", err.message);
		cr_assert_eq(sv_snapshot_codesystem(s4, URL, "1")->concepts, sv_snapshot_codesystem(s3, URL, "1")->concepts);
		cr_assert_str_eq(sv_snapshot_codesystem(s4, URL, "1")->status, "retired");
		cr_assert_str_eq(sv_snapshot_codesystem(s3, URL, "1")->status, "active", "the old snapshot is unchanged");
		cr_assert_str_eq(sv_snapshot_codesystem(s4, URL, "1")->content, "not-present");
		s5 = sv_snapshot_from_store_over(st, s4, &err);   /* and again, over the shared one */
		cr_assert_not_null(s5, "%s", err.message);
		sv_snapshot_release(s4);
		cr_assert_str_eq(sv_snapshot_codesystem(s5, URL, "1")->status, "retired");
		check_concepts(sv_snapshot_codesystem(s5, URL, "1"));
		sv_snapshot_release(s5);
	}
	/* stored as JSON over it: the content rows go with the content id */
	{
		cJSON *cs = test_cs("1");
		cr_assert_eq(sv_store_put(st, cs, "test", "test", &err), SV_OK, "%s", err.message);
		cJSON_Delete(cs);
	}
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM cs_concept"), 0);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM cs_designation"), 0);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM cs_edge"), 0);
	sv_snapshot_release(s1);
	sv_snapshot_release(s2);
	sv_snapshot_release(s3);
	cJSON_Delete(vs);
	sv_store_close(st);
	ts_remove_store(path);
}

Test(content, a_damaged_row_is_a_store_error_not_a_crash)
{
	char path[64];
	struct sv_store *st = ts_temp_store(path);
	struct sv_error err = { 0 };
	struct sv_snapshot *s;
	sqlite3 *db;

	put_content(st, "1");
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "UPDATE cs_edge SET parent=99 WHERE child=3 AND seq=0", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = sv_snapshot_from_store(st, &err);
	cr_assert_null(s);
	cr_assert_eq(err.code, SV_ESTORE, "%d %s", err.code, err.message);
	cr_assert(strstr(err.message, "concept 99"), "%s", err.message);
	sv_store_close(st);
	ts_remove_store(path);
}

Test(content, pool_interns_repeated_strings_and_groups_rows)
{
	struct sv_content c;
	struct sv_error err = { 0 };
	uint32_t a, b;
	struct sv_designation d = { "nb", "http://snomed.info/sct", "900000000000013009", "Synonym", "x", NULL, 0 };

	sv_content_init(&c);
	cr_assert_eq(sv_content_add_concept(&c, "a", "A", NULL, &a, &err), SV_OK);
	cr_assert_eq(sv_content_add_concept(&c, "b", "B", NULL, &b, &err), SV_OK);
	cr_assert_eq(sv_content_add_concept(&c, "a", NULL, NULL, &a, &err), SV_ECONFLICT);
	/* rows out of concept order: grouped by concept, in the order added within one */
	d.value = "b1";
	sv_content_add_designation(&c, b, &d, &err);
	d.value = "a1";
	sv_content_add_designation(&c, a, &d, &err);
	d.value = "b2";
	sv_content_add_designation(&c, b, &d, &err);
	sv_content_add_parent(&c, b, a, &err);
	sv_content_finish(&c);
	cr_assert_str_eq(c.desig[c.concept[a].desig].value, "a1");
	cr_assert_str_eq(c.desig[c.concept[b].desig].value, "b1");
	cr_assert_str_eq(c.desig[c.concept[b].desig + 1].value, "b2");
	cr_assert_eq(c.desig[0].language, c.desig[2].language, "one copy of a repeated string");
	cr_assert_eq(c.concept[b].nparent, 1);
	cr_assert_eq(sv_content_find(&c, "b"), b);
	cr_assert_eq(sv_content_find(&c, "zz"), -1);
	sv_content_release(&c);
}

Test(content, property_values_keep_their_kind_and_never_go_out_unchecked)
{
	struct sv_content c;
	struct sv_error err = { 0 };
	cJSON *cs = cJSON_Parse(
		"{\"resourceType\":\"CodeSystem\",\"concept\":[{\"code\":\"A\"},{\"code\":\"B\",\"property\":["
		"{\"code\":\"subsumedBy\",\"valueCode\":\"A\"},{\"code\":\"w\",\"valueInteger\":\"1}\"},"
		"{\"code\":\"d\",\"valueDecimal\":1.5},{\"code\":\"c\",\"valueCoding\":{\"system\":\"http://x\",\"code\":\"k\","
		"\"display\":\"K\"}}]}]}"), *v, *whole;
	char *text;
	int64_t b;

	sv_content_init(&c);
	cr_assert_eq(sv_content_from_json(&c, cs, &err), SV_OK, "%s", err.message);
	b = sv_content_find(&c, "B");
	cr_assert_eq(c.concept[b].nparent, 1, "subsumedBy gives the parent");
	cr_assert_eq(c.concept[b].nprop, 4, "and stays a property, as the source said");
	cr_assert_str_eq(c.prop[c.concept[b].prop].code, "subsumedBy");
	/* a string where a number belongs is never written out as raw JSON */
	v = sv_property_value_json(&c.prop[c.concept[b].prop + 1]);
	cr_assert(cJSON_IsString(v), "a non-number is not emitted raw");
	cJSON_Delete(v);
	c.prop[c.concept[b].prop + 2].json = NULL;   /* as from the tables */
	v = sv_property_value_json(&c.prop[c.concept[b].prop + 2]);
	text = cJSON_PrintUnformatted(v);
	cr_assert_str_eq(text, "1.5");
	free(text);
	cJSON_Delete(v);
	v = sv_property_value_json(&c.prop[c.concept[b].prop + 3]);
	cr_assert_str_eq(sv_jstr(v, "system"), "http://x", "a Coding read from JSON keeps its system");
	cJSON_Delete(v);
	/* and the whole resource written back parses */
	whole = sv_content_to_json(cs, &c);
	text = cJSON_PrintUnformatted(whole);
	cJSON_Delete(whole);
	whole = cJSON_Parse(text);
	cr_assert_not_null(whole, "%s", text);
	free(text);
	cJSON_Delete(whole);
	sv_content_release(&c);
	cJSON_Delete(cs);
}

Test(content, what_json_said_beyond_the_columns_comes_back_from_the_tables)
{
	char path[64];
	struct sv_store *st = ts_temp_store(path);
	struct sv_error err = { 0 };
	struct sv_content c;
	cJSON *cs = cJSON_Parse(
		"{\"resourceType\":\"CodeSystem\",\"url\":\"" URL "\",\"version\":\"x\",\"status\":\"active\",\"content\":"
		"\"complete\",\"concept\":[{\"code\":\"A\",\"display\":\"Alpha\",\"extension\":[{\"url\":\"http://e/a\","
		"\"valueString\":\"on the concept\"}],\"designation\":[{\"language\":\"nb\",\"value\":\"Alfa\",\"extension\":"
		"[{\"url\":\"http://e/d\",\"valueCode\":\"deprecated\"}]},{\"language\":\"nn\",\"value\":\"Alfa nn\"}],"
		"\"property\":[{\"code\":\"c\",\"valueCoding\":{\"system\":\"http://x\",\"code\":\"k\",\"display\":\"K\"}},"
		"{\"code\":\"s\",\"valueString\":\"plain\"}]}]}"), *whole, *k, *want, *header;
	struct sv_snapshot *s;
	const struct sv_concept *a;

	sv_content_init(&c);
	cr_assert_eq(sv_content_from_json(&c, cs, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_begin(st, &err), SV_OK);
	header = cJSON_Duplicate(cs, 1);
	cr_assert_eq(sv_store_put_content(st, header, &c, "t", "t", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_commit(st, &err), SV_OK);
	sv_content_release(&c);
	cJSON_Delete(header);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM cs_designation WHERE json IS NOT NULL"), 1,
		     "only the designation with more than the columns keeps its JSON");
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM cs_property WHERE json IS NOT NULL"), 1, "the Coding");
	/* back as a whole resource: the same concept as imported */
	whole = sv_store_get(st, "CodeSystem", URL, "x", &err);
	cr_assert_not_null(whole, "%s", err.message);
	k = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(whole, "concept"), 0);
	want = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cs, "concept"), 0);
	cr_assert(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(k, "extension"),
				cJSON_GetObjectItemCaseSensitive(want, "extension"), 1));
	cr_assert(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(k, "designation"),
				cJSON_GetObjectItemCaseSensitive(want, "designation"), 1));
	cr_assert(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(k, "property"),
				cJSON_GetObjectItemCaseSensitive(want, "property"), 1));
	cJSON_Delete(whole);
	/* and served so: the snapshot's concept reads them */
	s = sv_snapshot_from_store(st, &err);
	cr_assert_not_null(s, "%s", err.message);
	a = sv_codesystem_concept(sv_snapshot_codesystem(s, URL, "x"), "A");
	cr_assert_not_null(a->json);
	cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(a->json, "extension"));
	cr_assert_not_null(a->desig[0].json);
	cr_assert_null(a->desig[1].json);
	{
		cJSON *v = sv_property_value_json(&a->props[0]);
		cr_assert_str_eq(sv_jstr(v, "display"), "K");
		cJSON_Delete(v);
	}
	sv_snapshot_release(s);
	cJSON_Delete(cs);
	sv_store_close(st);
	ts_remove_store(path);
}

Test(content, a_put_that_fails_after_the_rows_leaves_the_store_as_it_was)
{
	char path[64];
	struct sv_store *st = ts_temp_store(path);
	struct sv_error err = { 0 };
	struct sv_content c;
	cJSON *cs = test_cs("2");
	long long concepts, contents;

	put_content(st, "1");
	concepts = ts_sql_count(path, "SELECT count(*) FROM cs_concept");
	contents = ts_sql_count(path, "SELECT count(*) FROM cs_content");
	/* version 2 under the id version 1 has: the rows are written, then the resource row is refused */
	{
		cJSON *v1 = sv_store_get(st, "CodeSystem", URL, "1", &err);
		cr_assert_not_null(v1, "%s", err.message);
		cJSON_AddStringToObject(cs, "id", sv_jstr(v1, "id"));
		cJSON_Delete(v1);
	}
	sv_content_init(&c);
	cr_assert_eq(sv_content_from_json(&c, cs, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_begin(st, &err), SV_OK);
	cr_assert_eq(sv_store_put_content(st, cs, &c, "test", "test", &err), SV_ECONFLICT, "%s", err.message);
	sv_store_rollback(st);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM cs_concept"), concepts, "no row of the refused import");
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM cs_content"), contents);
	sv_content_release(&c);
	cJSON_Delete(cs);
	sv_store_close(st);
	ts_remove_store(path);
}

Test(content, a_store_made_before_the_newer_columns_gets_them)
{
	char path[64];
	struct sv_store *st = ts_temp_store(path);
	struct sv_error err = { 0 };
	sqlite3 *db;

	/* The content tables as they were first made, without content_code, json and description_id. */
	sv_store_close(st);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "DROP TABLE cs_content; DROP TABLE cs_concept; DROP TABLE cs_designation;"
				  "DROP TABLE cs_property;"
				  "CREATE TABLE cs_content(id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, version TEXT "
				  "NOT NULL, concepts INTEGER NOT NULL, created TEXT NOT NULL);"
				  "CREATE TABLE cs_concept(content INTEGER NOT NULL, idx INTEGER NOT NULL, code TEXT NOT NULL, "
				  "display TEXT, definition TEXT, inactive INTEGER NOT NULL, PRIMARY KEY (content, idx)) WITHOUT ROWID;"
				  "CREATE TABLE cs_designation(content INTEGER NOT NULL, concept INTEGER NOT NULL, seq INTEGER NOT "
				  "NULL, language TEXT, use_system TEXT, use_code TEXT, use_display TEXT, value TEXT NOT NULL, "
				  "PRIMARY KEY (content, concept, seq)) WITHOUT ROWID;"
				  "CREATE TABLE cs_property(content INTEGER NOT NULL, concept INTEGER NOT NULL, seq INTEGER NOT NULL,"
				  " code TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (content, concept, seq))"
				  " WITHOUT ROWID;", NULL, NULL, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
	sqlite3_close(db);
	cr_assert_eq(sv_store_open(path, &st, &err), SV_OK, "%s", err.message);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM pragma_table_info('cs_content') WHERE name='content_code'"), 1);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM pragma_table_info('cs_concept') WHERE name='json'"), 1);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM pragma_table_info('cs_designation') WHERE name='json'"), 1);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM pragma_table_info('cs_property') WHERE name='json'"), 1);
	cr_assert_eq(ts_sql_count(path, "SELECT count(*) FROM pragma_table_info('cs_designation') WHERE "
				  "name='description_id'"), 1);
	put_content(st, "1");   /* and content goes in and out as in a new store */
	sv_store_close(st);
	cr_assert_eq(sv_store_open(path, &st, &err), SV_OK, "opening again adds nothing twice: %s", err.message);
	{
		struct sv_snapshot *s = sv_snapshot_from_store(st, &err);
		cr_assert_not_null(s, "%s", err.message);
		check_concepts(sv_snapshot_codesystem(s, URL, "1"));
		sv_snapshot_release(s);
	}
	sv_store_close(st);
	ts_remove_store(path);
}
