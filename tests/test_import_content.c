/* test_import_content.c — RF2 editions imported into compact content (sv_import_snomed_rf2_content) and
 * stored in the content tables (sv_import_rf2 / sv_import_store_content): what the rows become, the
 * round trip through the store, a GPS-like fragment carried, a shrink refused, an extension module on
 * top of a stored edition (its language refset rows naming the base's descriptions by the ids the store
 * keeps, rows naming unknown descriptions logged), and malformed files that leave the store as it was. Editions are made by
 * tools/gen-rf2.py (ts_gen_rf2). */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "samsvar/cscontent.h"
#include "samsvar/import.h"
#include "samsvar/importer.h"
#include "samsvar/jsonutil.h"
#include "samsvar/store.h"
#include "support/daemon.h"
#include "support/fixtures.h"
#include "support/support.h"

#define SCT "http://snomed.info/sct"
#define NOT_IN_EDITION "not-in-edition"

static struct ts_daemon gen[3]; /* only their folders: where the generator writes */
static char store_path[64];
static struct sv_store *st;

static void setup(void)
{
	for (int i = 0; i < 3; i++) {
		snprintf(gen[i].dir, sizeof(gen[i].dir), "/tmp/samsvar-impc-XXXXXX");
		cr_assert_not_null(mkdtemp(gen[i].dir));
	}
	st = ts_temp_store(store_path);
}

static void teardown(void)
{
	char cmd[600];

	sv_store_close(st);
	ts_remove_store(store_path);
	for (int i = 0; i < 3; i++) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gen[i].dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", gen[i].dir);
	}
}

TestSuite(import_content, .init = setup, .fini = teardown, .timeout = 120);

/* Generates an edition into gen[i] (skips without ../shared, whose verhoeff.py the generator uses). */
static cJSON *generate(int i, const char *args, char *dir, size_t cap)
{
	char *vh;

	TS_REQUIRE_SHARED(vh, "tools/verhoeff.py");
	free(vh);
	return ts_gen_rf2(&gen[i], args, dir, cap);
}

static int jint(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	cr_assert(cJSON_IsNumber(v), "no number %s", name);
	return v->valueint;
}

static const char *mstr(const cJSON *m, const char *a, const char *b)
{
	const char *s = sv_jstr(cJSON_GetObjectItemCaseSensitive(m, a), b);
	cr_assert_not_null(s, "generated.json has no %s.%s", a, b);
	return s;
}

/* sv_import_rf2 in one transaction, committed on success, rolled back otherwise. */
static enum sv_err import_rf2(const char *dir, const char *base, int allow_shrink, char *log, size_t logcap,
			      struct sv_error *err)
{
	/* log holds what this import logged, "" when nothing (fmemopen leaves an untouched buffer as it was) */
	FILE *lf = log ? (log[0] = '\0', fmemopen(log, logcap, "w")) : NULL;
	const struct sv_import_opts o = {.actor = "tester", .source = "--snomed-rf2 test", .allow_shrink = allow_shrink,
					 .log = lf};
	int stored = 0, kept = 0;
	enum sv_err rc;

	cr_assert_eq(sv_store_begin(st, err), SV_OK);
	rc = sv_import_rf2(st, dir, base, &o, &stored, &kept, err);
	if (rc == SV_OK) {
		cr_assert_eq(stored + kept, 1);
		cr_assert_eq(sv_store_commit(st, err), SV_OK, "%s", err->message);
	} else {
		sv_store_rollback(st);
	}
	if (lf)
		fclose(lf);
	return rc;
}

/* The stored version's content (table-backed), loaded. */
static void load(const char *version, struct sv_content *c)
{
	struct sv_error err = {0};
	int64_t id = 0;

	cr_assert_eq(sv_store_content_of(st, SCT, version, &id, &err), SV_OK, "%s", err.message);
	cr_assert_gt(id, 0, "%s is not stored in the content tables", version);
	sv_content_init(c);
	cr_assert_eq(sv_store_content_load(st, id, c, &err), SV_OK, "%s", err.message);
}

static const struct sv_content_concept *concept(const struct sv_content *c, const char *code)
{
	int64_t i = sv_content_find(c, code);
	cr_assert_geq(i, 0, "concept %s missing", code);
	return &c->concept[i];
}

/* The value of property `code` of concept k, or NULL. */
static const char *prop(const struct sv_content *c, const struct sv_content_concept *k, const char *code)
{
	for (uint32_t j = 0; j < k->nprop; j++)
		if (strcmp(c->prop[k->prop + j].code, code) == 0)
			return c->prop[k->prop + j].value;
	return NULL;
}

static int has_parent(const struct sv_content *c, const struct sv_content_concept *k, const char *code)
{
	for (uint32_t j = 0; j < k->nparent; j++)
		if (strcmp(c->concept[c->parent[k->parent + j]].code, code) == 0)
			return 1;
	return 0;
}

/* The first designation of concept k in `lang`, or NULL. */
static const char *first_in(const struct sv_content *c, const struct sv_content_concept *k, const char *lang)
{
	for (uint32_t j = 0; j < k->ndesig; j++)
		if (c->desig[k->desig + j].language && strcmp(c->desig[k->desig + j].language, lang) == 0)
			return c->desig[k->desig + j].value;
	return NULL;
}

static long count_rows(const char *sql)
{
	return (long)ts_sql_count(store_path, sql);
}

Test(import_content, the_rows_become_concepts_designations_parents_and_properties)
{
	char dir[512];
	cJSON *m = generate(0, "--concepts 300 --inactive 10 --seed 3", dir, sizeof(dir)), *header = NULL;
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(m, "international"), *x;
	struct sv_content c;
	struct sv_error err = {0};
	const struct sv_content_concept *k;
	int fsn = 0;

	sv_content_init(&c);
	cr_assert_eq(sv_import_snomed_rf2_content(mstr(m, "international", "dir"), NULL, &header, &c, &err), SV_OK, "%s",
		     err.message);
	cr_assert(c.finished);
	cr_assert_eq(c.nconcept, (uint32_t)(jint(in, "concepts") + jint(in, "inactive_concepts")));
	cr_assert_str_eq(sv_jstr(header, "version"), mstr(m, "international", "version"));
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(header, "concept"), "the header holds no concepts");
	cr_assert_eq(jint(header, "count"), (int)c.nconcept);
	/* display = the FSN, and the FSN is a designation with its use */
	k = concept(&c, sv_jstr(m, "leaf"));
	cr_assert_not_null(k->display);
	for (uint32_t j = 0; j < k->ndesig; j++) {
		const struct sv_designation *d = &c.desig[k->desig + j];
		if (d->use_display && strcmp(d->use_display, "Fully specified name") == 0) {
			cr_assert_str_eq(d->value, k->display);
			cr_assert_str_eq(d->use_system, SCT);
			cr_assert_str_eq(d->language, "en");
			fsn = 1;
		}
	}
	cr_assert(fsn, "the leaf has its FSN as a designation");
	/* a concept with two parents, a member of the simple refset */
	k = concept(&c, sv_jstr(m, "multi_parent"));
	cr_assert_geq(k->nparent, 2);
	cr_assert(has_parent(&c, concept(&c, mstr(m, "subtree", "child")), mstr(m, "subtree", "code")));
	k = concept(&c, mstr(m, "simple_refset", "first_member"));
	cr_assert_str_eq(prop(&c, k, "memberOf"), mstr(m, "simple_refset", "id"));
	/* inactive concepts with their association */
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(m, "inactive")) {
		const char *assoc = sv_jstr(x, "association");
		k = concept(&c, sv_jstr(x, "code"));
		cr_assert(k->inactive, "%s is inactive", sv_jstr(x, "code"));
		cr_assert_eq(k->nparent, 0, "an inactive concept has no is-a");
		if (strcmp(assoc, "REPLACED BY") == 0)
			cr_assert_str_eq(prop(&c, k, "replacedBy"), sv_jstr(x, "target"));
		else if (strcmp(assoc, "SAME AS") == 0)
			cr_assert_str_eq(prop(&c, k, "sameAs"), sv_jstr(x, "target"));
	}
	/* The JSON form (sv_import_snomed_rf2, for small editions) says inactive = true as a property. */
	{
		cJSON *cs = sv_import_snomed_rf2(mstr(m, "international", "dir"), &err), *o, *p;
		const char *code = sv_jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "inactive"), 0), "code");
		int inactive = 0;
		cr_assert_not_null(cs, "%s", err.message);
		cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs, "concept")), (int)c.nconcept);
		cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(cs, "concept"))
			if (strcmp(sv_jstr(o, "code"), code) == 0)
				cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "property"))
					inactive |= strcmp(sv_jstr(p, "code"), "inactive") == 0 &&
						    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "valueBoolean"));
		cr_assert(inactive, "%s has inactive = true", code);
		cJSON_Delete(cs);
	}
	sv_content_release(&c);
	cJSON_Delete(header);
	cJSON_Delete(m);
}

Test(import_content, put_then_load_gives_the_same_concepts_designations_and_parents)
{
	char dir[512];
	cJSON *m = generate(0, "--concepts 200 --seed 4", dir, sizeof(dir)), *header = NULL;
	struct sv_content c, back;
	struct sv_error err = {0};

	sv_content_init(&c);
	cr_assert_eq(sv_import_snomed_rf2_content(mstr(m, "international", "dir"), NULL, &header, &c, &err), SV_OK, "%s",
		     err.message);
	cr_assert_eq(sv_store_begin(st, &err), SV_OK);
	cr_assert_eq(sv_store_put_content(st, header, &c, "tester", "test", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_commit(st, &err), SV_OK);
	load(mstr(m, "international", "version"), &back);
	cr_assert_eq(back.nconcept, c.nconcept);
	cr_assert_eq(back.ndesig, c.ndesig);
	cr_assert_eq(back.nprop, c.nprop);
	cr_assert_eq(back.nparent, c.nparent);
	for (uint32_t i = 0; i < c.nconcept; i++) {
		const struct sv_content_concept *a = &c.concept[i], *b = &back.concept[i];
		cr_assert_str_eq(a->code, b->code);
		cr_assert_eq(a->inactive, b->inactive);
		cr_assert_eq(a->ndesig, b->ndesig);
		cr_assert_eq(a->nparent, b->nparent);
		for (uint32_t j = 0; j < a->ndesig; j++)
			cr_assert_str_eq(c.desig[a->desig + j].value, back.desig[b->desig + j].value);
		for (uint32_t j = 0; j < a->nparent; j++)
			cr_assert_eq(c.parent[a->parent + j], back.parent[b->parent + j]);
	}
	sv_content_release(&c);
	sv_content_release(&back);
	cJSON_Delete(header);
	cJSON_Delete(m);
}

/* A fragment of SNOMED CT like the bundled GPS one (mappings/codesystem-snomed-fragment.tsv, whose
 * version and first code are copied here): one concept the edition lacks, one it has. */
static void store_fragment(const char *shared_code)
{
	char text[2048];
	struct sv_error err = {0};
	const struct sv_import_opts o = {.actor = "tester", .source = "--fhir fragment"};
	int stored = 0, kept = 0;
	cJSON *arr;

	snprintf(text, sizeof(text),
		 "[{\"resourceType\":\"CodeSystem\",\"url\":\"" SCT "\",\"version\":\"" SCT
		 "/900000000000207008/version/20200731\",\"content\":\"fragment\",\"language\":\"en\",\"status\":\"active\","
		 "\"property\":[{\"code\":\"term-source\",\"type\":\"string\"}],\"concept\":["
		 "{\"code\":\"7653001\",\"display\":\"Self-feeding deficit (finding)\",\"property\":[{\"code\":"
		 "\"term-source\",\"valueString\":\"GPS-2020\"}]},"
		 "{\"code\":\"%s\",\"display\":\"A fragment's own term\"}]}]", shared_code);
	arr = ts_parse_json(text);
	cr_assert_eq(sv_store_begin(st, &err), SV_OK);
	cr_assert_eq(sv_import_store_all(st, arr, &o, &stored, &kept, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_commit(st, &err), SV_OK);
	cJSON_Delete(arr);
}

Test(import_content, a_new_edition_over_a_fragment_carries_the_concepts_it_lacks_marked)
{
	char dir[512], log[2048] = "";
	cJSON *m = generate(0, "--concepts 200 --seed 5", dir, sizeof(dir)), *cs;
	const char *version = mstr(m, "international", "version"), *leaf = sv_jstr(m, "leaf");
	struct sv_content c;
	struct sv_error err = {0};
	const struct sv_content_concept *k;
	const cJSON *p;
	int declared = 0;

	store_fragment(leaf);
	cr_assert_eq(import_rf2(mstr(m, "international", "dir"), NULL, 0, log, sizeof(log), &err), SV_OK, "%s",
		     err.message);
	cr_assert(strstr(log, "1 concepts the edition lacks kept"), "log: %s", log);
	load(version, &c);
	k = concept(&c, "7653001");
	cr_assert_str_eq(prop(&c, k, NOT_IN_EDITION), "true");
	cr_assert_str_eq(prop(&c, k, "term-source"), "GPS-2020");
	cr_assert_str_eq(k->display, "Self-feeding deficit (finding)");
	k = concept(&c, leaf);
	cr_assert_null(prop(&c, k, NOT_IN_EDITION), "the edition's own concept is not marked");
	cr_assert_str_eq(first_in(&c, k, "en") ? "en" : "", "en");
	{
		int found = 0;
		for (uint32_t j = 0; j < k->ndesig; j++)
			found |= strcmp(c.desig[k->desig + j].value, "A fragment's own term") == 0;
		cr_assert(found, "the fragment's term of a concept both have is kept as a designation");
	}
	/* The header declares what the carried concepts use; the fragment stays stored as it was. */
	cs = sv_store_get(st, "CodeSystem", SCT, version, &err);
	cr_assert_not_null(cs);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(cs, "property"))
		declared += strcmp(sv_jstr(p, "code"), NOT_IN_EDITION) == 0 || strcmp(sv_jstr(p, "code"), "term-source") == 0;
	cr_assert_eq(declared, 2);
	cJSON_Delete(cs);
	cs = sv_store_get(st, "CodeSystem", SCT, SCT "/900000000000207008/version/20200731", &err);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs, "concept")), 2);
	cJSON_Delete(cs);
	sv_content_release(&c);
	cJSON_Delete(m);
}

Test(import_content, a_smaller_new_latest_is_refused_naming_codes_unless_a_shrink_is_allowed)
{
	char big[512], small[512];
	cJSON *mb = generate(0, "--concepts 200 --seed 6", big, sizeof(big));
	cJSON *ms = generate(1, "--concepts 150 --seed 6 --date 20260131", small, sizeof(small));
	struct sv_error err = {0};
	long resources;

	cr_assert_eq(import_rf2(mstr(mb, "international", "dir"), NULL, 0, NULL, 0, &err), SV_OK, "%s", err.message);
	resources = count_rows("SELECT count(*) FROM resource");
	cr_assert_eq(import_rf2(mstr(ms, "international", "dir"), NULL, 0, NULL, 0, &err), SV_ECONFLICT);
	cr_assert(strstr(err.message, "fewer than the") && strstr(err.message, "--allow-shrink"), "%s", err.message);
	{
		/* The first code named is one the stored version has and the import lacks. */
		const char *at = strstr(err.message, "of them: ");
		char code[32] = "";
		struct sv_content had, lacks;
		cJSON *h = NULL;
		cr_assert_not_null(at, "%s", err.message);
		sscanf(at + 9, "%31[0-9]", code);
		load(mstr(mb, "international", "version"), &had);
		sv_content_init(&lacks);
		cr_assert_eq(sv_import_snomed_rf2_content(mstr(ms, "international", "dir"), NULL, &h, &lacks, &err), SV_OK);
		cr_assert_geq(sv_content_find(&had, code), 0, "%s", code);
		cr_assert_lt(sv_content_find(&lacks, code), 0, "%s", code);
		sv_content_release(&had);
		sv_content_release(&lacks);
		cJSON_Delete(h);
	}
	cr_assert_eq(count_rows("SELECT count(*) FROM resource"), resources);
	cr_assert_eq(count_rows("SELECT count(*) FROM cs_content"), 1);
	cr_assert_eq(import_rf2(mstr(ms, "international", "dir"), NULL, 1, NULL, 0, &err), SV_OK, "%s", err.message);
	cr_assert_eq(count_rows("SELECT count(*) FROM cs_content"), 2);
	cJSON_Delete(mb);
	cJSON_Delete(ms);
}

Test(import_content, a_json_codesystem_is_checked_against_a_stored_edition_held_as_content)
{
	char dir[512], text[1024];
	cJSON *m = generate(0, "--concepts 100 --seed 13", dir, sizeof(dir)), *arr;
	const struct sv_import_opts o = {.actor = "tester", .source = "--fhir test"};
	struct sv_error err = {0};
	int stored = 0, kept = 0;

	cr_assert_eq(import_rf2(mstr(m, "international", "dir"), NULL, 0, NULL, 0, &err), SV_OK, "%s", err.message);
	/* A newer version with one concept would replace the edition as the latest: refused, codes named. */
	snprintf(text, sizeof(text), "[{\"resourceType\":\"CodeSystem\",\"url\":\"" SCT "\",\"version\":\"" SCT
		 "/900000000000207008/version/20990131\",\"content\":\"complete\",\"status\":\"active\","
		 "\"concept\":[{\"code\":\"%s\"}]}]", sv_jstr(m, "leaf"));
	arr = ts_parse_json(text);
	cr_assert_eq(sv_store_begin(st, &err), SV_OK);
	cr_assert_eq(sv_import_store_all(st, arr, &o, &stored, &kept, &err), SV_ECONFLICT);
	sv_store_rollback(st);
	cr_assert(strstr(err.message, "has 1 concepts, fewer than the") && strstr(err.message, sv_jstr(m, "root")),
		  "%s", err.message);
	cJSON_Delete(arr);
	/* An older fragment coexists. */
	store_fragment(sv_jstr(m, "leaf"));
	cr_assert_eq(count_rows("SELECT count(*) FROM resource"), 2);
	cJSON_Delete(m);
}

Test(import_content, an_extension_on_top_of_its_base_is_its_own_version_and_the_base_stays)
{
	char dir[512];
	cJSON *m = generate(0, "--concepts 300 --seed 7 --extension", dir, sizeof(dir)), *x, *terms;
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(m, "extension");
	const char *base = mstr(m, "international", "version"), *xver = mstr(m, "extension", "version");
	const char *first = mstr(m, "extension", "first_concept");
	struct sv_content b, e;
	struct sv_error err = {0};
	const struct sv_content_concept *k;
	cJSON *cs;
	int checked = 0;

	cr_assert_eq(import_rf2(mstr(m, "international", "dir"), NULL, 0, NULL, 0, &err), SV_OK, "%s", err.message);
	cr_assert_eq(import_rf2(mstr(m, "extension", "dir"), base, 0, NULL, 0, &err), SV_OK, "%s", err.message);
	load(base, &b);
	load(xver, &e);
	cr_assert_eq(e.nconcept, b.nconcept + (uint32_t)jint(ext, "concepts"));
	cr_assert_lt(sv_content_find(&b, first), 0, "the base is unchanged");
	k = concept(&e, first);
	cr_assert_geq(k->nparent, 1, "the extension's concept has its international parent");
	cr_assert_not_null(first_in(&e, k, "nb"));
	/* International concepts with the extension's nb and nn preferred terms first in their language. */
	terms = cJSON_GetObjectItemCaseSensitive(ext, "preferred_terms");
	cJSON_ArrayForEach(x, terms) {
		k = concept(&e, x->string);
		cr_assert_str_eq(first_in(&e, k, "nb"), sv_jstr(x, "nb"));
		cr_assert_str_eq(first_in(&e, k, "nn"), sv_jstr(x, "nn"));
		cr_assert_null(first_in(&b, concept(&b, x->string), "nb"), "the base has no nb term");
		cr_assert_str_eq(k->display, concept(&b, x->string)->display, "the display stays the FSN");
		checked++;
	}
	cr_assert_gt(checked, 0);
	/* Both versions resolve as whole resources. */
	cs = sv_store_get(st, "CodeSystem", SCT, xver, &err);
	cr_assert_not_null(cs, "%s", err.message);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs, "concept")), (int)e.nconcept);
	cJSON_Delete(cs);
	cs = sv_store_get(st, "CodeSystem", SCT, base, &err);
	cr_assert_not_null(cs, "%s", err.message);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs, "concept")), (int)b.nconcept);
	cJSON_Delete(cs);
	sv_content_release(&b);
	sv_content_release(&e);
	cJSON_Delete(m);
}

Test(import_content, an_extension_on_a_base_that_is_not_stored_is_an_error)
{
	char dir[512];
	cJSON *m = generate(0, "--concepts 100 --seed 8 --extension", dir, sizeof(dir));
	struct sv_error err = {0};

	cr_assert_eq(import_rf2(mstr(m, "extension", "dir"), mstr(m, "international", "version"), 0, NULL, 0, &err),
		     SV_ENOTFOUND);
	cr_assert(strstr(err.message, "base edition") && strstr(err.message, mstr(m, "international", "version")),
		  "%s", err.message);
	cr_assert_eq(count_rows("SELECT count(*) FROM resource"), 0);
	cJSON_Delete(m);
}

/* The designation of concept k whose value is `value`, or NULL. */
static const struct sv_designation *with_value(const struct sv_content *c, const struct sv_content_concept *k,
					       const char *value)
{
	for (uint32_t j = 0; j < k->ndesig; j++)
		if (strcmp(c->desig[k->desig + j].value, value) == 0)
			return &c->desig[k->desig + j];
	return NULL;
}

/* The extension's en-GB refset makes an international synonym (acceptable in the base) its preferred
 * term: found by the description id the base's stored rows keep; a row naming a description in neither
 * edition is logged with file:line and id, and the import goes on. */
Test(import_content, an_extension_language_row_naming_a_base_description_applies)
{
	char dir[512], log[2048] = "", want[300];
	cJSON *m = generate(0, "--concepts 300 --seed 7 --extension", dir, sizeof(dir));
	const cJSON *gb = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "extension"), "gb_preferred");
	const cJSON *unknown = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "extension"),
								"unknown_description");
	const char *code = sv_jstr(gb, "code"), *term = sv_jstr(gb, "term");
	const struct sv_designation *d;
	struct sv_content b, e;
	struct sv_error err = {0};

	cr_assert_not_null(code);
	cr_assert_eq(import_rf2(mstr(m, "international", "dir"), NULL, 0, NULL, 0, &err), SV_OK, "%s", err.message);
	cr_assert_eq(import_rf2(mstr(m, "extension", "dir"), mstr(m, "international", "version"), 0, log, sizeof(log),
				&err), SV_OK, "%s", err.message);
	load(mstr(m, "international", "version"), &b);
	load(mstr(m, "extension", "version"), &e);
	/* The stored base keeps the description's id (store -> load). */
	d = with_value(&b, concept(&b, code), term);
	cr_assert_not_null(d);
	cr_assert_eq(d->id, strtoull(sv_jstr(gb, "description"), NULL, 10), "id %llu", (unsigned long long)d->id);
	cr_assert_null(first_in(&b, concept(&b, code), "en-GB"), "the base has no en-GB term");
	cr_assert_str_eq(first_in(&e, concept(&e, code), "en-GB"), term);
	cr_assert_eq(e.desig[concept(&e, code)->desig].id, d->id, "the en-GB preferred term goes first, with its id");
	snprintf(want, sizeof(want), "%s:%d, description %s", sv_jstr(unknown, "file"),
		 jint(unknown, "line"), sv_jstr(unknown, "id"));
	cr_assert(strstr(log, want) && strstr(log, "1 active language refset row names a description in neither"),
		  "no '%s' in the log: %s", want, log);
	sv_content_release(&b);
	sv_content_release(&e);
	cJSON_Delete(m);
}

/* An extension's description row for a base description (the en-GB refset's international synonym): an
 * active one renames it, in its en-GB copy too; an inactive one drops it, and the language row naming it
 * is then not reported (only the row naming a description read nowhere is). An extension without
 * language refset files renames it too (variant 2), rather than adding a second designation. */
Test(import_content, an_extension_description_row_for_a_base_description_renames_or_drops_it)
{
	static const char *const args[] = {
		"--concepts 300 --seed 7 --extension",
		/* editions of other dates, so the variants go into one store */
		"--concepts 300 --seed 7 --extension --date 20260131 --ext-date 20260415",
		"--concepts 300 --seed 7 --extension --date 20270131 --ext-date 20270415",
	};
	for (int variant = 0; variant < 3; variant++) {
		char dir[512], cmd[2048], log[2048] = "";
		int inactive = variant == 1, no_language = variant == 2;
		cJSON *m = generate(variant, args[variant], dir, sizeof(dir));
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(m, "extension");
		const cJSON *gb = cJSON_GetObjectItemCaseSensitive(x, "gb_preferred");
		const char *code = sv_jstr(gb, "code");
		uint64_t id = strtoull(sv_jstr(gb, "description"), NULL, 10);
		const struct sv_content_concept *k;
		struct sv_content e;
		struct sv_error err = {0};
		int with_id = 0;

		/* The international row of the description, as the extension's module's newer row. */
		snprintf(cmd, sizeof(cmd), "awk -F'\\t' -v OFS='\\t' '$1 == \"%s\" { $2 = \"%s\"; $3 = \"%d\"; $4 = \"%s\"; "
			 "$8 = \"Renamed by the extension\"; print }' %s/Snapshot/Terminology/sct2_Description_Snapshot* "
			 ">> \"$(ls %s/Snapshot/Terminology/sct2_Description_Snapshot*)\"",
			 sv_jstr(gb, "description"), sv_jstr(x, "date"), !inactive, sv_jstr(x, "module"),
			 mstr(m, "international", "dir"), mstr(m, "extension", "dir"));
		cr_assert_eq(system(cmd), 0, "%s", cmd);
		if (no_language) {
			snprintf(cmd, sizeof(cmd), "rm %s/Snapshot/Refset/Language/der2_cRefset_LanguageSnapshot-*",
				 mstr(m, "extension", "dir"));
			cr_assert_eq(system(cmd), 0, "%s", cmd);
		}
		cr_assert_eq(import_rf2(mstr(m, "international", "dir"), NULL, 0, NULL, 0, &err), SV_OK, "%s", err.message);
		cr_assert_eq(import_rf2(mstr(m, "extension", "dir"), mstr(m, "international", "version"), 0, log, sizeof(log),
					&err), SV_OK, "%s", err.message);
		load(mstr(m, "extension", "version"), &e);
		k = concept(&e, code);
		for (uint32_t j = 0; j < k->ndesig; j++)
			if (e.desig[k->desig + j].id == id) {
				cr_assert_str_eq(e.desig[k->desig + j].value, "Renamed by the extension");
				with_id++;
			}
		if (inactive) {
			cr_assert_eq(with_id, 0, "the inactivated description is no designation");
			cr_assert_null(strstr(log, sv_jstr(gb, "description")), "log: %s", log);
			cr_assert(strstr(log, "1 active language refset row names"), "log: %s", log);
		} else if (no_language) {
			cr_assert_eq(with_id, 1, "the en designation, renamed, and no second one: %d", with_id);
			cr_assert_null(first_in(&e, k, "en-GB"), "no language refset made an en-GB copy");
		} else {
			cr_assert_eq(with_id, 2, "the en designation and its en-GB copy, the preferred one: %d", with_id);
			cr_assert_str_eq(first_in(&e, k, "en-GB"), "Renamed by the extension");
		}
		sv_content_release(&e);
		cJSON_Delete(m);
	}
}

/* An extension's rows for the base descriptions that are two concepts' displays (their fully specified
 * names): one renames it, and the display follows; the other retires it, and the display is chosen again
 * from what is left (a synonym), never a term the concept no longer has. */
Test(import_content, an_extension_renaming_or_retiring_a_base_fsn_changes_the_display)
{
	char dir[512], cmd[4096], old_renamed[300], old_retired[300];
	cJSON *m = generate(0, "--concepts 300 --seed 7 --extension", dir, sizeof(dir));
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(m, "extension");
	const char *renamed = sv_jstr(cJSON_GetObjectItemCaseSensitive(x, "gb_preferred"), "code");
	const char *retired = sv_jstr(m, "leaf");
	const struct sv_content_concept *k;
	struct sv_content b, e;
	struct sv_error err = {0};
	int synonym = 0;

	cr_assert(renamed && retired && strcmp(renamed, retired) != 0);
	cr_assert_eq(import_rf2(mstr(m, "international", "dir"), NULL, 0, NULL, 0, &err), SV_OK, "%s", err.message);
	load(mstr(m, "international", "version"), &b);
	snprintf(old_renamed, sizeof(old_renamed), "%s", concept(&b, renamed)->display);
	snprintf(old_retired, sizeof(old_retired), "%s", concept(&b, retired)->display);
	sv_content_release(&b);
	/* The international rows of the two displays, as the extension module's newer rows. */
	snprintf(cmd, sizeof(cmd), "awk -F'\\t' -v OFS='\\t' '($5 == \"%s\" && $8 == \"%s\") || ($5 == \"%s\" && $8 == \"%s\") "
		 "{ $2 = \"%s\"; $4 = \"%s\"; if ($5 == \"%s\") $8 = \"Renamed by the extension (product)\"; else $3 = \"0\"; "
		 "print }' %s/Snapshot/Terminology/sct2_Description_Snapshot* >> \"$(ls %s/Snapshot/Terminology/sct2_Description_Snapshot*)\"",
		 renamed, old_renamed, retired, old_retired, sv_jstr(x, "date"), sv_jstr(x, "module"), renamed,
		 mstr(m, "international", "dir"), mstr(m, "extension", "dir"));
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	cr_assert_eq(import_rf2(mstr(m, "extension", "dir"), mstr(m, "international", "version"), 0, NULL, 0, &err),
		     SV_OK, "%s", err.message);
	load(mstr(m, "extension", "version"), &e);
	cr_assert_str_eq(concept(&e, renamed)->display, "Renamed by the extension (product)");
	k = concept(&e, retired);
	cr_assert_not_null(k->display, "a synonym is left to be the display");
	cr_assert_str_neq(k->display, old_retired, "the retired term is no display");
	for (uint32_t j = 0; j < k->ndesig; j++) {
		const struct sv_designation *d = &e.desig[k->desig + j];
		cr_assert_str_neq(d->value, old_retired, "the retired term is no designation");
		synonym |= strcmp(d->value, k->display) == 0 && d->use_display && strcmp(d->use_display, "Synonym") == 0;
	}
	cr_assert(synonym, "the display %s is one of the concept's synonyms", k->display);
	sv_content_release(&e);
	cJSON_Delete(m);
}

/* An extension on a base stored before description ids were kept: the import says why its rows cannot
 * name the base's descriptions and what to do, instead of only calling them unknown. */
Test(import_content, an_extension_on_a_base_without_description_ids_says_so)
{
	char dir[512], log[4096] = "";
	cJSON *m = generate(0, "--concepts 100 --seed 5 --extension", dir, sizeof(dir));
	struct sv_error err = {0};
	sqlite3 *db;

	cr_assert_eq(import_rf2(mstr(m, "international", "dir"), NULL, 0, NULL, 0, &err), SV_OK, "%s", err.message);
	cr_assert_eq(import_rf2(mstr(m, "extension", "dir"), mstr(m, "international", "version"), 0, log, sizeof(log),
				&err), SV_OK, "%s", err.message);
	cr_assert_null(strstr(log, "without RF2 description ids"), "log: %s", log);
	cr_assert_eq(sqlite3_open(store_path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "UPDATE cs_designation SET description_id = NULL", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cr_assert_eq(import_rf2(mstr(m, "extension", "dir"), mstr(m, "international", "version"), 0, log, sizeof(log),
				&err), SV_OK, "%s", err.message);
	cr_assert(strstr(log, "the base edition was stored without RF2 description ids") &&
		  strstr(log, "samsvar import --snomed-rf2"), "log: %s", log);
	cJSON_Delete(m);
}

/* Re-importing the same edition stores nothing, the ids included; an edition a store held without ids
 * (written before they were kept) is rewritten once with them, then kept again. */
Test(import_content, an_unchanged_reimport_is_kept_and_a_store_without_ids_gets_them_once)
{
	char dir[512], log[1024];
	cJSON *m = generate(0, "--concepts 100 --seed 11", dir, sizeof(dir));
	const char *edition = mstr(m, "international", "dir");
	struct sv_error err = {0};
	sqlite3 *db;

	cr_assert_eq(import_rf2(edition, NULL, 0, NULL, 0, &err), SV_OK, "%s", err.message);
	cr_assert_eq(count_rows("SELECT count(*) FROM cs_designation WHERE description_id IS NULL"), 0);
	cr_assert_eq(import_rf2(edition, NULL, 0, log, sizeof(log), &err), SV_OK, "%s", err.message);
	cr_assert(strstr(log, "kept as it is"), "log: %s", log);
	cr_assert_eq(sqlite3_open(store_path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "UPDATE cs_designation SET description_id = NULL", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cr_assert_gt(count_rows("SELECT count(*) FROM cs_designation WHERE description_id IS NULL"), 0);
	cr_assert_eq(import_rf2(edition, NULL, 0, log, sizeof(log), &err), SV_OK, "%s", err.message);
	cr_assert_null(strstr(log, "kept as it is"), "the ids are new: log: %s", log);
	cr_assert_eq(count_rows("SELECT count(*) FROM cs_designation WHERE description_id IS NULL"), 0);
	cr_assert_eq(import_rf2(edition, NULL, 0, log, sizeof(log), &err), SV_OK, "%s", err.message);
	cr_assert(strstr(log, "kept as it is"), "log: %s", log);
	cJSON_Delete(m);
}

/* Breaks the first file below `dir` whose name starts with `prefix` by `how`; returns its name. */
static void damage(const char *dir, const char *prefix, const char *how)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "f=$(find '%s' -name '%s*' | head -1) && test -n \"$f\" && %s", dir, prefix, how);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* Imports a good edition, then the damaged one: the error names file and line, the store is unchanged. */
static void refused(const char *prefix, const char *how, const char *want)
{
	char good[512], bad[512];
	cJSON *mg = generate(0, "--concepts 100 --seed 9", good, sizeof(good));
	cJSON *mb = generate(1, "--concepts 120 --seed 9 --date 20260131", bad, sizeof(bad));
	struct sv_error err = {0};
	long resources, contents, concepts;

	cr_assert_eq(import_rf2(mstr(mg, "international", "dir"), NULL, 0, NULL, 0, &err), SV_OK, "%s", err.message);
	resources = count_rows("SELECT count(*) FROM resource");
	contents = count_rows("SELECT count(*) FROM cs_content");
	concepts = count_rows("SELECT count(*) FROM cs_concept");
	damage(mstr(mb, "international", "dir"), prefix, how);
	cr_assert_eq(import_rf2(mstr(mb, "international", "dir"), NULL, 0, NULL, 0, &err), SV_EINVAL);
	cr_assert(strstr(err.message, prefix), "the file is named: %s", err.message);
	cr_assert(strstr(err.message, want), "%s", err.message);
	cr_assert_eq(count_rows("SELECT count(*) FROM resource"), resources);
	cr_assert_eq(count_rows("SELECT count(*) FROM cs_content"), contents);
	cr_assert_eq(count_rows("SELECT count(*) FROM cs_concept"), concepts);
	cJSON_Delete(mg);
	cJSON_Delete(mb);
}

Test(import_content, a_row_with_a_column_too_many_is_refused_with_file_and_line)
{
	refused("sct2_Description_Snapshot", "sed -i '5s/$/\\textra/' \"$f\"", ":5: 10 columns, expected 9");
}

Test(import_content, a_bad_id_is_refused_with_file_and_line)
{
	refused("sct2_Relationship_Snapshot", "sed -i '7s/^[0-9]*\\t/12345\\t/' \"$f\"", ":7: id '12345'");
}

Test(import_content, a_file_cut_mid_row_is_refused_with_file_and_line)
{
	refused("sct2_Concept_Snapshot", "head -c -30 \"$f\" > \"$f.cut\" && mv \"$f.cut\" \"$f\"",
		"columns, expected 5");
}

Test(import_content, the_cli_imports_an_extension_with_snomed_base)
{
	char dir[512], args[2048], *out = NULL;
	cJSON *m = generate(0, "--concepts 100 --seed 10 --extension", dir, sizeof(dir));
	struct sv_content e;

	sv_store_close(st);
	st = NULL;
	snprintf(args, sizeof(args), "import --store %s --snomed-rf2 %s --snomed-base %s", store_path,
		 mstr(m, "extension", "dir"), mstr(m, "international", "version"));
	cr_assert_eq(ts_samsvar(args, &out), 1, "a base that is not stored: %s", out);
	cr_assert(strstr(out, "base edition"), "%s", out);
	free(out);
	snprintf(args, sizeof(args), "import --store %s --snomed-rf2 %s", store_path, mstr(m, "international", "dir"));
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	snprintf(args, sizeof(args), "import --store %s --snomed-rf2 %s --snomed-base %s", store_path,
		 mstr(m, "extension", "dir"), mstr(m, "international", "version"));
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	snprintf(args, sizeof(args), "import --store %s --snomed-base %s", store_path, mstr(m, "international", "version"));
	cr_assert_eq(ts_samsvar(args, &out), 2, "--snomed-base alone: %s", out);
	free(out);
	{
		struct sv_error err = {0};
		cr_assert_eq(sv_store_open(store_path, &st, &err), SV_OK);
	}
	load(mstr(m, "extension", "version"), &e);
	concept(&e, mstr(m, "extension", "first_concept"));
	sv_content_release(&e);
	cJSON_Delete(m);
}
