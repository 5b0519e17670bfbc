/* test_import_full.c — RF2 Full files read as their latest state (sv_rf2_read_full): a Full folder made
 * by tools/gen-rf2.py --full gives exactly the content its Snapshot gives (an extension on a base too,
 * and through the CLI into the store); a Full file whose rows contradict each other is refused naming
 * both lines, with the store unchanged; an older row is checked like any other; and a folder with both
 * kinds reads the Snapshot, per kind of file (a Full language refset beside Snapshot terminology). */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samsvar/cscontent.h"
#include "samsvar/import.h"
#include "samsvar/importer.h"
#include "samsvar/jsonutil.h"
#include "samsvar/store.h"
#include "support/daemon.h"
#include "support/fixtures.h"
#include "support/support.h"

#define SCT "http://snomed.info/sct"

static struct ts_daemon gen; /* only its folder: where the generator writes */
static char store_path[64];
static struct sv_store *st;

static void setup(void)
{
	snprintf(gen.dir, sizeof(gen.dir), "/tmp/samsvar-impf-XXXXXX");
	cr_assert_not_null(mkdtemp(gen.dir));
	st = ts_temp_store(store_path);
}

static void teardown(void)
{
	char cmd[600];

	if (st)
		sv_store_close(st);
	ts_remove_store(store_path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", gen.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", gen.dir);
}

TestSuite(import_full, .init = setup, .fini = teardown, .timeout = 180);

/* Generates an edition with its Full folders (skips without ../shared, whose verhoeff.py it uses). */
static cJSON *generate(const char *args, char *dir, size_t cap)
{
	char *vh, full_args[512];

	TS_REQUIRE_SHARED(vh, "tools/verhoeff.py");
	free(vh);
	snprintf(full_args, sizeof(full_args), "%s --full", args);
	return ts_gen_rf2(&gen, full_args, dir, cap);
}

/* generated.json's string at a.b (b may be NULL: a itself) or a.b.c. */
static const char *mstr(const cJSON *m, const char *a, const char *b, const char *c)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(m, a);
	const char *s;

	if (b)
		o = cJSON_GetObjectItemCaseSensitive(o, b);
	s = c ? sv_jstr(o, c) : cJSON_GetStringValue(o);
	cr_assert_not_null(s, "generated.json has no %s.%s.%s", a, b ? b : "", c ? c : "");
	return s;
}

/* The Full section's example `what` of the international release, field `field` (NULL: the value). */
static const char *example(const cJSON *m, const char *what, const char *field)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "full"), "international"), what);
	const char *s = field ? sv_jstr(o, field) : cJSON_GetStringValue(o);

	cr_assert_not_null(s, "generated.json has no full.international.%s.%s", what, field ? field : "");
	return s;
}

/* The folder's content as JSON text (sv_content_to_json), with its header; base may be NULL. */
static char *content_text(const char *dir, const struct sv_rf2_opts *base, struct sv_content *keep,
			  cJSON **keep_header)
{
	struct sv_content c;
	struct sv_error err = {0};
	cJSON *header = NULL, *cs;
	char *text;

	sv_content_init(&c);
	cr_assert_eq(sv_import_snomed_rf2_content(dir, base, &header, &c, &err), SV_OK, "%s: %s", dir, err.message);
	cs = sv_content_to_json(header, &c);
	text = cJSON_PrintUnformatted(cs);
	cJSON_Delete(cs);
	if (keep) {
		*keep = c;
		*keep_header = header;
	} else {
		sv_content_release(&c);
		cJSON_Delete(header);
	}
	return text;
}

/* sv_import_rf2 in one transaction, committed on success, rolled back otherwise. */
static enum sv_err import_rf2(const char *dir, struct sv_error *err)
{
	const struct sv_import_opts o = {.actor = "tester", .source = "--snomed-rf2 test"};
	int stored = 0, kept = 0;
	enum sv_err rc;

	cr_assert_eq(sv_store_begin(st, err), SV_OK);
	rc = sv_import_rf2(st, dir, NULL, &o, &stored, &kept, err);
	if (rc == SV_OK)
		cr_assert_eq(sv_store_commit(st, err), SV_OK, "%s", err->message);
	else
		sv_store_rollback(st);
	return rc;
}

static long count_rows(const char *sql)
{
	return (long)ts_sql_count(store_path, sql);
}

/* Runs shell command `fmt` (one %s: the folder) and asserts it succeeds. */
static void sh(const char *fmt, const char *dir)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), fmt, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static const struct sv_content_concept *concept(const struct sv_content *c, const char *code)
{
	int64_t i = sv_content_find(c, code);
	cr_assert_geq(i, 0, "concept %s missing", code);
	return &c->concept[i];
}

static int has_parent(const struct sv_content *c, const struct sv_content_concept *k, const char *code)
{
	for (uint32_t j = 0; j < k->nparent; j++)
		if (strcmp(c->concept[c->parent[k->parent + j]].code, code) == 0)
			return 1;
	return 0;
}

Test(import_full, a_full_folder_gives_what_its_snapshot_gives)
{
	char dir[512], snap[600], grep[1400];
	cJSON *m = generate("--concepts 400 --seed 21", dir, sizeof(dir));
	const char *full = mstr(m, "full", "international", "dir");
	struct sv_content c;
	cJSON *header;
	char *a, *b;

	/* The Full folder has history a reader taking every row would show: an earlier term. */
	cr_assert_gt(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "full"), "history_rows")->valueint,
		     100);
	snprintf(grep, sizeof(grep), "grep -q -F '%s' '%%s'/Terminology/sct2_Description_Full-en_*.txt",
		 example(m, "changed_description", "old_term"));
	sh(grep, full);
	snprintf(snap, sizeof(snap), "%s/Snapshot", mstr(m, "international", NULL, "dir"));
	a = content_text(snap, NULL, NULL, NULL);
	b = content_text(full, NULL, &c, &header);
	cr_assert(strcmp(a, b) == 0, "the Full folder's content differs from the Snapshot's");
	cr_assert_null(strstr(b, example(m, "changed_description", "old_term")), "an earlier term is a designation");
	cr_assert_null(strstr(b, example(m, "retired_description", "term")), "a retired term is a designation");
	cr_assert_not_null(strstr(b, example(m, "changed_description", "term")));
	cr_assert_eq(concept(&c, example(m, "inactivated_concept", NULL))->inactive, 1);
	cr_assert_eq(concept(&c, example(m, "reactivated_concept", NULL))->inactive, 0);
	cr_assert(has_parent(&c, concept(&c, example(m, "moved_is_a", "source")), example(m, "moved_is_a", "destination")));
	cr_assert(!has_parent(&c, concept(&c, example(m, "moved_is_a", "source")),
			      example(m, "moved_is_a", "old_destination")), "an is-a that moved away is a parent");
	cr_assert_eq(c.nconcept, (uint32_t)(cJSON_GetObjectItemCaseSensitive(
				     cJSON_GetObjectItemCaseSensitive(m, "international"), "concepts")->valueint +
			     cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "international"),
							      "inactive_concepts")->valueint));
	free(a);
	free(b);
	sv_content_release(&c);
	cJSON_Delete(header);
	cJSON_Delete(m);
}

Test(import_full, an_extension_full_folder_on_its_base_gives_what_its_snapshot_gives)
{
	char dir[512], snap[600], *a, *b;
	cJSON *m = generate("--concepts 200 --seed 22 --extension", dir, sizeof(dir));
	struct sv_content base;
	cJSON *base_header;
	struct sv_rf2_opts o;

	snprintf(snap, sizeof(snap), "%s/Snapshot", mstr(m, "international", NULL, "dir"));
	free(content_text(snap, NULL, &base, &base_header));
	o = (struct sv_rf2_opts){ .base = &base, .base_header = base_header };
	snprintf(snap, sizeof(snap), "%s/Snapshot", mstr(m, "extension", NULL, "dir"));
	a = content_text(snap, &o, NULL, NULL);
	b = content_text(mstr(m, "full", "extension", "dir"), &o, NULL, NULL);
	cr_assert(strcmp(a, b) == 0, "the extension's Full folder gives another content than its Snapshot");
	cr_assert_not_null(strstr(b, mstr(m, "extension", NULL, "first_concept")));
	free(a);
	free(b);
	sv_content_release(&base);
	cJSON_Delete(base_header);
	cJSON_Delete(m);
}

Test(import_full, the_cli_imports_a_full_folder_into_the_store)
{
	char dir[512], args[1400], *out = NULL;
	cJSON *m = generate("--concepts 150 --seed 23", dir, sizeof(dir));
	struct sv_error err = {0};
	struct sv_content c;
	int64_t id = 0;

	sv_store_close(st);
	st = NULL;
	snprintf(args, sizeof(args), "import --store %s --snomed-rf2 %s", store_path,
		 mstr(m, "full", "international", "dir"));
	cr_assert_eq(ts_samsvar(args, &out), 0, "%s", out);
	free(out);
	cr_assert_eq(sv_store_open(store_path, &st, &err), SV_OK);
	cr_assert_eq(sv_store_content_of(st, SCT, mstr(m, "international", NULL, "version"), &id, &err), SV_OK, "%s",
		     err.message);
	cr_assert_gt(id, 0);
	sv_content_init(&c);
	cr_assert_eq(sv_store_content_load(st, id, &c, &err), SV_OK, "%s", err.message);
	cr_assert_eq(concept(&c, example(m, "inactivated_concept", NULL))->inactive, 1);
	cr_assert_eq(concept(&c, example(m, "reactivated_concept", NULL))->inactive, 0);
	sv_content_release(&c);
	cJSON_Delete(m);
}

/* Imports a good edition, changes the Full folder of another by `how` (a shell command on "$d", the
 * folder), imports that: refused with SV_EINVAL and every string of `want`, the store unchanged. */
static void refused(const char *how, const char *const *want, size_t nwant)
{
	char dir[512], cmd[2048];
	cJSON *m = generate("--concepts 120 --seed 24", dir, sizeof(dir));
	struct sv_error err = {0};
	long resources, concepts;

	cr_assert_eq(import_rf2(mstr(m, "international", NULL, "dir"), &err), SV_OK, "%s", err.message);
	resources = count_rows("SELECT count(*) FROM resource");
	concepts = count_rows("SELECT count(*) FROM cs_concept");
	cr_assert_gt(concepts, 0);
	snprintf(cmd, sizeof(cmd), "d='%%s' && %s", how);
	sh(cmd, mstr(m, "full", "international", "dir"));
	cr_assert_eq(import_rf2(mstr(m, "full", "international", "dir"), &err), SV_EINVAL);
	for (size_t i = 0; i < nwant; i++)
		cr_assert(strstr(err.message, want[i]), "no '%s' in: %s", want[i], err.message);
	cr_assert_eq(count_rows("SELECT count(*) FROM resource"), resources);
	cr_assert_eq(count_rows("SELECT count(*) FROM cs_concept"), concepts);
	cJSON_Delete(m);
}

/* Line `n` of the Full file named `glob` (below "$d"), piped through `filter`, inserted as line `at`. */
#define COPY_LINE(glob, n, at, filter) \
	"f=$(ls \"$d\"/" glob ") && l=$(sed -n " n "p \"$f\" | " filter ") && sed -i \"" at "i\\\\$l\" \"$f\""
/* Line 2 of the concept file is the root's row, its only one (gen-rf2 gives the root no history). */
#define CONCEPT_FILE "Terminology/sct2_Concept_Full_*.txt"

Test(import_full, two_rows_of_one_id_and_time_that_differ_are_refused_naming_both_lines)
{
	/* The root's row again as line 9, inactive: same id and effectiveTime, different content. */
	const char *want[] = { "sct2_Concept_Full_", ":9:", "138875005", "lines 2 and 9", "contradict" };

	refused(COPY_LINE(CONCEPT_FILE, "2", "9", "sed 's/\\t1\\t/\\t0\\t/'"), want, 5);
}

Test(import_full, an_older_row_is_checked_like_any_other)
{
	/* An older row (a date before every other) with an empty term: the row handler never sees it, the
	 * first pass refuses it. */
	const char *want[] = { "sct2_Description_Full-en_", ":6:", "empty term" };

	refused(COPY_LINE("Terminology/sct2_Description_Full-en_*.txt", "3", "6",
			  "awk -F'\\t' -v OFS='\\t' '{$2=\"19990101\"; $8=\"\"; print}'"),
		want, 3);
}

Test(import_full, the_same_row_twice_is_read_once)
{
	char dir[512], snap[600], cmd[600], *a, *b;
	cJSON *m = generate("--concepts 120 --seed 25", dir, sizeof(dir));

	snprintf(cmd, sizeof(cmd), "d='%%s' && %s", COPY_LINE(CONCEPT_FILE, "2", "9", "cat"));
	sh(cmd, mstr(m, "full", "international", "dir"));
	snprintf(snap, sizeof(snap), "%s/Snapshot", mstr(m, "international", NULL, "dir"));
	a = content_text(snap, NULL, NULL, NULL);
	b = content_text(mstr(m, "full", "international", "dir"), NULL, NULL, NULL);
	cr_assert(strcmp(a, b) == 0, "a repeated row changed the content");
	free(a);
	free(b);
	cJSON_Delete(m);
}

Test(import_full, a_folder_with_both_reads_the_snapshot)
{
	char dir[512], cmd[1400], *before, *mixed;
	cJSON *m = generate("--concepts 120 --seed 26", dir, sizeof(dir));
	const char *code = mstr(m, "subtree", NULL, "child");
	struct sv_content c;
	cJSON *header;

	before = content_text(mstr(m, "international", NULL, "dir"), NULL, NULL, NULL);

	/* A later row inactivating an active concept, appended to the Full concept file only. */
	snprintf(cmd, sizeof(cmd), "printf '%s\\t20991231\\t0\\t900000000000207008\\t900000000000074008\\r\\n' >> "
		 "$(ls '%%s'/Terminology/sct2_Concept_Full_*.txt)", code);
	sh(cmd, mstr(m, "full", "international", "dir"));
	free(content_text(mstr(m, "full", "international", "dir"), NULL, &c, &header));
	cr_assert_eq(concept(&c, code)->inactive, 1, "the Full folder alone reads the later row");
	sv_content_release(&c);
	cJSON_Delete(header);
	/* The release folder holds Snapshot/ and Full/: the Snapshot is read, the Full file ignored. */
	free(content_text(mstr(m, "international", NULL, "dir"), NULL, &c, &header));
	cr_assert_eq(concept(&c, code)->inactive, 0, "the Full file was read beside the Snapshot");
	cr_assert_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(header, "version")), "20991231"));
	sv_content_release(&c);
	cJSON_Delete(header);
	/* Per kind: without its Snapshot language refset file the folder reads the Full one (with its
	 * changed acceptabilities), the other kinds still from the Snapshot, and gives the same content. */
	sh("rm '%s'/Snapshot/Refset/Language/der2_cRefset_LanguageSnapshot-en_*.txt", mstr(m, "international", NULL, "dir"));
	mixed = content_text(mstr(m, "international", NULL, "dir"), NULL, NULL, NULL);
	cr_assert(strcmp(before, mixed) == 0, "a Snapshot folder with a Full language refset gives another content");
	free(before);
	free(mixed);
	cJSON_Delete(m);
}
