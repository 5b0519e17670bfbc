/* test_scale.c — SNOMED CT at scale (issue 11): the synthetic RF2 generator (tools/gen-rf2.py, run at
 * test time into the build folder), the hierarchy index of snapshot_hierarchy.c checked against a plain
 * walk of the generated edition, and `$expand` hierarchy filters on the RF2 fixture (GPS concepts). */
#include "samsvar/expand.h"
#include "samsvar/importer.h"
#include "samsvar/jsonutil.h"
#include "samsvar/snapshot.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char gendir[512];

/* Runs tools/gen-rf2.py into a new folder beside the daemon binary under test (the build folder), or
 * /tmp; skips the test without ../shared (the generator checks its ids with shared/tools/verhoeff.py). */
static void generate(const char *args)
{
	char *vh, cmd[2048], bin[256];
	const char *sv = getenv("SAMSVAR_BIN"), *root = getenv("SAMSVAR_ROOT");
	int rc;

	TS_REQUIRE_SHARED(vh, "tools/verhoeff.py");
	free(vh);
	snprintf(bin, sizeof(bin), "%s", sv ? sv : "/tmp/x");
	snprintf(gendir, sizeof(gendir), "%s/rf2-gen-XXXXXX", sv && access(dirname(bin), W_OK) == 0 ? bin : "/tmp");
	cr_assert_not_null(mkdtemp(gendir));
	snprintf(cmd, sizeof(cmd), "python3 '%s/tools/gen-rf2.py' '%s' %s >/dev/null", root ? root : ".", gendir, args);
	rc = system(cmd);
	cr_assert_eq(rc, 0, "%s failed", cmd);
}

static void cleanup(void)
{
	char cmd[600];

	if (!gendir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gendir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", gendir);
	gendir[0] = '\0';
}

static cJSON *manifest(void)
{
	char path[600];
	size_t len;
	char *text;
	cJSON *m;

	snprintf(path, sizeof(path), "%s/generated.json", gendir);
	text = ts_read_file(path, &len);
	cr_assert_not_null(text, "no %s", path);
	m = cJSON_Parse(text);
	free(text);
	cr_assert_not_null(m);
	return m;
}

static const char *mstr(const cJSON *m, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(m, a);
	return cJSON_GetStringValue(b ? cJSON_GetObjectItemCaseSensitive(o, b) : o);
}

static int mint(const cJSON *m, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(m, a);
	return (int)cJSON_GetNumberValue(b ? cJSON_GetObjectItemCaseSensitive(o, b) : o);
}

/* Imports the generated international edition and builds a snapshot of it. */
static struct sv_snapshot *load_generated(const cJSON *m)
{
	struct sv_error err = { 0 };
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	cJSON *cs = sv_import_snomed_rf2(mstr(m, "international", "dir"), &err);

	cr_assert_not_null(cs, "%s", err.message);
	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, cs, &err), SV_OK, "%s", err.message);
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(s, "%s", err.message);
	return s;
}

static int files_equal(const char *a, const char *b)
{
	size_t la, lb;
	char *x = ts_read_file(a, &la), *y = ts_read_file(b, &lb);
	int eq = x && y && la == lb && memcmp(x, y, la) == 0;

	free(x);
	free(y);
	return eq;
}

/* ---- the generator ---- */

Test(gen_rf2, deterministic_from_seed, .fini = cleanup)
{
	char first[512], a[700], b[700];
	const char *f = "SnomedCT_SyntheticINT_20250131/Snapshot/Terminology/sct2_Description_Snapshot-en_INT_20250131.txt";

	generate("--concepts 300 --seed 3 --extension");
	snprintf(first, sizeof(first), "%s", gendir);
	gendir[0] = '\0';
	generate("--concepts 300 --seed 3 --extension");
	snprintf(a, sizeof(a), "%s/%s", first, f);
	snprintf(b, sizeof(b), "%s/%s", gendir, f);
	cr_assert(files_equal(a, b), "same seed, different descriptions");
	snprintf(a, sizeof(a), "%s/SnomedCT_SyntheticExtension_20250415/Snapshot/Refset/Language/"
		 "der2_cRefset_LanguageSnapshot-nb_9999999_20250415.txt", first);
	snprintf(b, sizeof(b), "%s/SnomedCT_SyntheticExtension_20250415/Snapshot/Refset/Language/"
		 "der2_cRefset_LanguageSnapshot-nb_9999999_20250415.txt", gendir);
	cr_assert(files_equal(a, b), "same seed, different extension language refset");
	cleanup();
	generate("--concepts 300 --seed 4");
	snprintf(b, sizeof(b), "%s/%s", gendir, f);
	snprintf(a, sizeof(a), "%s/%s", first, f);
	cr_assert_not(files_equal(a, b), "another seed, the same descriptions");
	snprintf(a, sizeof(a), "rm -rf '%s'", first);
	cr_assert_eq(system(a), 0);
}

Test(gen_rf2, sizes_ids_and_import, .fini = cleanup)
{
	cJSON *m;
	struct sv_snapshot *s;
	const struct sv_codesystem *cs;
	const struct sv_concept *k;
	char path[700], line[512];
	FILE *f;
	size_t rows = 0, desc = 0;

	generate("--concepts 1500 --descriptions 5000 --isa 2200 --seed 2");
	m = manifest();
	/* Every concept id of the file passes the importer's check (digits, partition, Verhoeff). */
	snprintf(path, sizeof(path), "%s/Snapshot/Terminology/sct2_Concept_Snapshot_INT_20250131.txt",
		 mstr(m, "international", "dir"));
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\t")] = '\0';
		cr_assert_null(sv_import_sctid_check(line), "%s: %s", line, sv_import_sctid_check(line));
		rows++;
	}
	fclose(f);
	cr_assert_eq(rows, (size_t)(mint(m, "international", "active_concepts") + mint(m, "international", "inactive_concepts")));
	cr_assert_eq(mint(m, "international", "is_a"), 2200 + 1, "the --isa links plus the refset concept's");
	s = load_generated(m);
	cs = sv_snapshot_codesystem(s, "http://snomed.info/sct", NULL);
	cr_assert_not_null(cs);
	cr_assert_str_eq(cs->version, mstr(m, "international", "version"));
	cr_assert_eq(cs->nconcepts, (uint32_t)(mint(m, "international", "active_concepts") +
					       mint(m, "international", "inactive_concepts")), "inactive concepts not kept");
	for (uint32_t i = 0; i < cs->nconcepts; i++)
		desc += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cs->concepts[i].json, "designation"));
	cr_assert_geq(desc, 5000, "descriptions: %zu", desc);
	k = sv_codesystem_concept(cs, mstr(m, "root", NULL));
	cr_assert_not_null(k);
	cr_assert_eq(k->nparents, 0);
	cr_assert_str_eq(k->display, "SNOMED CT Concept (SNOMED RT+CTV3)");
	cr_assert_geq(sv_codesystem_concept(cs, mstr(m, "multi_parent", NULL))->nparents, 2);
	cr_assert_eq(sv_codesystem_descendant_count(cs, (uint32_t)(k - cs->concepts)),
		     (uint32_t)mint(m, "international", "active_concepts"), "every active concept is under the root");
	k = sv_codesystem_concept(cs, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "inactive"), 0), "code")));
	cr_assert_not_null(k, "an inactive concept is not kept");
	cr_assert(sv_concept_inactive(cs, k));
	cr_assert_eq(k->nparents, 0, "an inactive concept is in the hierarchy");
	sv_snapshot_release(s);
	cJSON_Delete(m);
}

/* ---- the hierarchy index ---- */

/* Every ancestor of concept d (itself included) as a byte per concept: the plain walk up the parents. */
static void ancestors(const struct sv_codesystem *cs, uint32_t d, unsigned char *mark, uint32_t *stack)
{
	uint32_t top = 0;

	memset(mark, 0, cs->nconcepts);
	mark[d] = 1;
	stack[top++] = d;
	while (top) {
		const struct sv_concept *k = &cs->concepts[stack[--top]];
		for (uint32_t j = 0; j < k->nparents; j++)
			if (!mark[k->parents[j]]) {
				mark[k->parents[j]] = 1;
				stack[top++] = k->parents[j];
			}
	}
}

Test(hierarchy, index_agrees_with_walk, .fini = cleanup)
{
	cJSON *m;
	struct sv_snapshot *s;
	const struct sv_codesystem *cs;
	unsigned char *mark;
	uint32_t *stack, *count;
	size_t checked = 0;

	generate("--concepts 2000 --isa 3400 --seed 5");
	m = manifest();
	s = load_generated(m);
	cs = sv_snapshot_codesystem(s, "http://snomed.info/sct", NULL);
	cr_assert_not_null(cs->hier, "no index for an acyclic hierarchy");
	mark = malloc(cs->nconcepts);
	stack = malloc(cs->nconcepts * sizeof(uint32_t));
	count = calloc(cs->nconcepts, sizeof(uint32_t));
	/* subsumes(a, d) for every a against the walk's answer, for every 7th d. */
	for (uint32_t d = 0; d < cs->nconcepts; d += 7) {
		ancestors(cs, d, mark, stack);
		for (uint32_t a = 0; a < cs->nconcepts; a++) {
			cr_assert_eq(sv_codesystem_subsumes(cs, a, d), mark[a], "subsumes(%s, %s)", cs->concepts[a].code,
				     cs->concepts[d].code);
			checked++;
		}
	}
	/* descendants(a) = {d : a is an ancestor of d}, each once, ascending, for every a. */
	for (uint32_t d = 0; d < cs->nconcepts; d++) {
		ancestors(cs, d, mark, stack);
		for (uint32_t a = 0; a < cs->nconcepts; a++)
			count[a] += mark[a];
	}
	for (uint32_t a = 0; a < cs->nconcepts; a++) {
		size_t n;
		uint32_t *v = sv_codesystem_descendants(cs, a, &n);
		cr_assert_eq(n, count[a], "%s: %zu descendants, the walk finds %u", cs->concepts[a].code, n, count[a]);
		cr_assert_eq(sv_codesystem_descendant_count(cs, a), n);
		for (size_t i = 0; i < n; i++) {
			cr_assert(i == 0 || v[i - 1] < v[i], "not ascending");
			cr_assert(sv_codesystem_subsumes(cs, a, v[i]));
		}
		free(v);
	}
	cr_assert_gt(checked, 500000);
	free(mark);
	free(stack);
	free(count);
	sv_snapshot_release(s);
	cJSON_Delete(m);
}

static struct sv_snapshot *snapshot_of(const char *json)
{
	struct sv_error err = { 0 };
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;

	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, cJSON_Parse(json), &err), SV_OK, "%s", err.message);
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(s, "%s", err.message);
	return s;
}

#define PARENT(c) "{\"code\":\"parent\",\"valueCode\":\"" c "\"}"

Test(hierarchy, cycle_is_walked)
{
	/* a and b name each other as parent (malformed content): no index, the same answers by walking. */
	struct sv_snapshot *s = snapshot_of(
		"{\"resourceType\":\"CodeSystem\",\"url\":\"http://example.org/cyc\",\"version\":\"1\",\"content\":\"complete\","
		"\"concept\":[{\"code\":\"a\",\"property\":[" PARENT("b") "]},{\"code\":\"b\",\"property\":[" PARENT("a") "]},"
		"{\"code\":\"c\",\"property\":[" PARENT("a") "]},{\"code\":\"d\"}]}");
	const struct sv_codesystem *cs = sv_snapshot_codesystem(s, "http://example.org/cyc", NULL);
	size_t n;
	uint32_t *v;

	cr_assert_null(cs->hier);
	cr_assert(sv_codesystem_subsumes(cs, 1, 2), "b subsumes c through a");
	cr_assert(sv_codesystem_subsumes(cs, 0, 1));
	cr_assert_not(sv_codesystem_subsumes(cs, 3, 0));
	v = sv_codesystem_descendants(cs, 1, &n);
	cr_assert_eq(n, 3);
	cr_assert(v[0] == 0 && v[1] == 1 && v[2] == 2);
	free(v);
	cr_assert_eq(sv_codesystem_descendant_count(cs, 3), 1);
	sv_snapshot_release(s);
}

/* ---- $expand hierarchy filters on the RF2 fixture (GPS concepts, tests/fixtures/rf2) ---- */

static void expand_codes(const struct sv_snapshot *s, const char *filters, char *buf, size_t cap)
{
	char json[1024];
	struct sv_error err = { 0 };
	struct sv_expansion e = { 0 };
	cJSON *vs;
	size_t len = 0;

	snprintf(json, sizeof(json),
		 "{\"resourceType\":\"ValueSet\",\"compose\":{\"include\":[{\"system\":\"http://snomed.info/sct\","
		 "\"filter\":[%s]}]}}", filters);
	vs = cJSON_Parse(json);
	cr_assert_eq(sv_expand(s, vs, NULL, 1000, &e, &err), SV_OK, "%s", err.message);
	buf[0] = '\0';
	for (size_t i = 0; i < e.n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? "," : "", e.items[i].k->code);
	sv_expansion_release(&e);
	cJSON_Delete(vs);
}

#define FILTER(op, v) "{\"property\":\"concept\",\"op\":\"" op "\",\"value\":\"" v "\"}"

Test(hierarchy, expand_filters_on_fixture)
{
	struct sv_error err = { 0 };
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	char buf[512];
	cJSON *cs = sv_import_snomed_rf2("tests/fixtures/rf2", &err);

	cr_assert_not_null(cs, "%s", err.message);
	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, cs, &err), SV_OK);
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(s);
	cr_assert_not_null(sv_snapshot_codesystem(s, "http://snomed.info/sct", NULL)->hier);
	/* 36971009 Sinusitis: 40055000, 195790000, 15805002 under it, 88850006 under two of them (once). */
	expand_codes(s, FILTER("is-a", "36971009"), buf, sizeof(buf));
	cr_assert_str_eq(buf, "36971009,40055000,195790000,88850006,15805002");
	expand_codes(s, FILTER("descendent-of", "36971009"), buf, sizeof(buf));
	cr_assert_str_eq(buf, "40055000,195790000,88850006,15805002");
	expand_codes(s, FILTER("descendent-leaf", "36971009"), buf, sizeof(buf));
	cr_assert_str_eq(buf, "88850006,15805002");
	/* A second filter still applies to the candidates of the first. */
	expand_codes(s, FILTER("is-a", "36971009") "," FILTER("is-not-a", "40055000"), buf, sizeof(buf));
	cr_assert_str_eq(buf, "36971009,195790000,15805002");
	expand_codes(s, FILTER("is-a", "64572001") "," FILTER("descendent-of", "32398004"), buf, sizeof(buf));
	cr_assert_str_eq(buf, "63480004");
	/* 2095001 Nasal sinus structure: only itself (Finding site is no is-a). */
	expand_codes(s, FILTER("is-a", "2095001"), buf, sizeof(buf));
	cr_assert_str_eq(buf, "2095001");
	sv_snapshot_release(s);
}

/* ---- text search (snapshot_text.c) ---- */


Test(text, query_words)
{
	struct sv_text_query q;

	cr_assert_eq(sv_text_query_init(&q, "Chron  PA-in"), 3);
	cr_assert_str_eq(q.word[0], "chron");
	cr_assert_str_eq(q.word[1], "pa");
	cr_assert_str_eq(q.word[2], "in");
	cr_assert_eq(sv_text_query_init(&q, "ØYER Gå"), 2);
	cr_assert_str_eq(q.word[0], "\xc3\xb8yer");
	cr_assert_str_eq(q.word[1], "g\xc3\xa5");
	cr_assert_eq(sv_text_query_init(&q, " - , "), 0, "no words: matches everything");
	cr_assert_eq(sv_text_query_init(&q, "a b c d e f g h i j k l m n o p"), 16);
	cr_assert_eq(sv_text_query_init(&q, "a b c d e f g h i j k l m n o p q"), -1);
}

static struct sv_snapshot *fixture_snapshot(void)
{
	struct sv_error err = { 0 };
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	cJSON *cs = sv_import_snomed_rf2("tests/fixtures/rf2", &err);

	cr_assert_not_null(cs, "%s", err.message);
	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, cs, &err), SV_OK);
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cr_assert_not_null(s);
	return s;
}

static int text_hit(const struct sv_codesystem *cs, const char *code, const char *filter)
{
	struct sv_text_query q;

	cr_assert_geq(sv_text_query_init(&q, filter), 0);
	return sv_concept_text_match(sv_codesystem_concept(cs, code), &q);
}

Test(text, word_prefixes_on_fixture)
{
	struct sv_snapshot *s = fixture_snapshot();
	const struct sv_codesystem *cs = sv_snapshot_codesystem(s, "http://snomed.info/sct", NULL);

	/* 88850006 Chronic pansinusitis (disorder) */
	cr_assert(text_hit(cs, "88850006", "chron pans"));
	cr_assert(text_hit(cs, "88850006", "PANSIN"));
	cr_assert(text_hit(cs, "88850006", "disord"), "the FSN's semantic tag is a word too");
	cr_assert(text_hit(cs, "88850006", "8885"), "the code's start");
	cr_assert(text_hit(cs, "88850006", "sinusitis"), "within a word (compounds)");
	cr_assert(text_hit(cs, "88850006", "PANSIN chronic"), "in any order");
	cr_assert_not(text_hit(cs, "88850006", "chronic acute"), "every word must match");
	cr_assert_not(text_hit(cs, "88850006", "chronicpan"), "not across words");
	sv_snapshot_release(s);
}

Test(text, index_agrees_with_matching, .fini = cleanup)
{
	static const char *const filters[] = { "pain", "PA", "chr pa", "left upper", "sjö", "m\xc3\xa9ni", "zzzz", "1000", "e",
					       "ture", "ain fract" };
	cJSON *m;
	struct sv_snapshot *s, *layer = NULL;
	struct sv_snapshot_builder b;
	struct sv_error err = { 0 };
	const struct sv_codesystem *cs;

	generate("--concepts 3000 --seed 6");
	m = manifest();
	s = load_generated(m);
	cs = sv_snapshot_codesystem(s, "http://snomed.info/sct", NULL);
	/* Warming builds the index of each code system large enough, once; the searches below then read it. */
	cr_assert_eq(sv_snapshot_warm_text(s, cs->nconcepts + 1), 0, "none that large");
	cr_assert_eq(sv_snapshot_warm_text(s, cs->nconcepts), 1);
	cr_assert_eq(sv_snapshot_warm_text(s, cs->nconcepts), 0, "built already");
	/* A request layer over the snapshot finds the code system's index in the snapshot that holds it. */
	sv_builder_init(&b);
	cr_assert_eq(sv_snapshot_layer(s, &b, &layer, &err), SV_OK);
	sv_builder_release(&b);
	for (size_t f = 0; f < sizeof(filters) / sizeof(filters[0]); f++) {
		struct sv_text_query q;
		size_t n, want = 0, j = 0;
		uint32_t *v;

		cr_assert_gt(sv_text_query_init(&q, filters[f]), 0);
		v = sv_codesystem_text_search(f % 2 ? layer : s, cs, &q, &n);
		for (uint32_t i = 0; i < cs->nconcepts; i++) {
			if (!sv_concept_text_match(&cs->concepts[i], &q))
				continue;
			want++;
			cr_assert(j < n && v[j] == i, "'%s': concept %s missing from the index's answer", filters[f],
				  cs->concepts[i].code);
			j++;
		}
		cr_assert_eq(n, want, "'%s': %zu from the index, %zu by matching", filters[f], n, want);
		if (strcmp(filters[f], "pain") == 0 || strcmp(filters[f], "sjö") == 0)
			cr_assert_gt(n, 0, "'%s' finds nothing", filters[f]);
		free(v);
	}
	sv_snapshot_release(layer);
	sv_snapshot_release(s);
	cJSON_Delete(m);
}

/* ---- snapshots share unchanged code systems (snapshot_store.c) ---- */

#include "samsvar/store.h"
#include "../gateway/snapshot_private.h"   /* the shared content (struct sv_cs_body) */

static void put(struct sv_store *st, const char *json)
{
	struct sv_error err = { 0 };
	cJSON *r = cJSON_Parse(json);

	cr_assert_not_null(r);
	cr_assert_eq(sv_store_put(st, r, "test", "test", &err), SV_OK, "%s", err.message);
	cJSON_Delete(r);
}

#define CS_JSON(v, extra) \
	"{\"resourceType\":\"CodeSystem\",\"url\":\"http://example.org/share\",\"version\":\"1\",\"status\":\"active\"," \
	"\"content\":\"complete\",\"concept\":[{\"code\":\"a\",\"display\":\"Alpha " v "\"},{\"code\":\"b\"," \
	"\"display\":\"Beta\",\"property\":[" PARENT("a") "]}" extra "]}"

Test(share, publish_shares_unchanged_codesystems)
{
	char path[64];
	struct sv_error err = { 0 };
	struct sv_store *st = ts_temp_store(path);
	struct sv_snapshot *a, *b, *c;
	const struct sv_codesystem *ca, *cb, *cc;
	struct sv_text_query q;
	size_t n;
	uint32_t *v;

	put(st, CS_JSON("one", ""));
	a = sv_snapshot_from_store(st, &err);
	cr_assert_not_null(a, "%s", err.message);
	ca = sv_snapshot_codesystem(a, "http://example.org/share", NULL);
	cr_assert_eq(sv_text_query_init(&q, "alph"), 1);
	free(sv_codesystem_text_search(a, ca, &q, &n));   /* builds the text index */
	cr_assert_eq(n, 1);
	/* A value set is published: the code system is shared, not built again, text index and all. */
	put(st, "{\"resourceType\":\"ValueSet\",\"url\":\"http://example.org/vs\",\"version\":\"1\",\"status\":\"active\","
		"\"compose\":{\"include\":[{\"system\":\"http://example.org/share\"}]}}");
	b = sv_snapshot_from_store_over(st, a, &err);
	cr_assert_not_null(b, "%s", err.message);
	cb = sv_snapshot_codesystem(b, "http://example.org/share", NULL);
	cr_assert_not_null(sv_snapshot_valueset(b, "http://example.org/vs", NULL));
	cr_assert_eq(cb->body, ca->body, "unchanged code system built again");
	cr_assert_eq(cb->concepts, ca->concepts);
	cr_assert_not_null(cb->body->text, "the text index was not shared");
	cr_assert(cb->is_latest);
	sv_snapshot_release(a);   /* the old snapshot goes: the shared content stays for b */
	cr_assert(sv_codesystem_subsumes(cb, 0, 1));
	v = sv_codesystem_text_search(b, cb, &q, &n);
	cr_assert(n == 1 && v[0] == 0);
	free(v);
	/* The code system changes: built anew. */
	put(st, CS_JSON("two", ",{\"code\":\"c\",\"display\":\"Gamma\"}"));
	c = sv_snapshot_from_store_over(st, b, &err);
	cr_assert_not_null(c, "%s", err.message);
	cc = sv_snapshot_codesystem(c, "http://example.org/share", NULL);
	cr_assert_neq(cc->body, cb->body);
	cr_assert_eq(cc->nconcepts, 3);
	cr_assert_str_eq(cc->concepts[0].display, "Alpha two");
	cr_assert_str_eq(cb->concepts[0].display, "Alpha one", "the old snapshot changed under its readers");
	sv_snapshot_release(b);
	sv_snapshot_release(c);
	sv_store_close(st);
	ts_remove_store(path);
}
