/* test_unzip.c — the RF2 files of a zipped release (Snapshot, or Full for a kind without one; with the
 * association and language refsets) taken out into a folder: what is written, and every refusal (not a
 * zip, no RF2 file, zip-slip, a name twice, the caps) with nothing written outside the folder. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "samsvar/importer.h"
#include "samsvar/unzip.h"
#include "support/support.h"

static char top[64], dir[100];

/* dir is a folder inside top, so a file written next to it (../x) would show up in top. */
static void make_dirs(void)
{
	snprintf(top, sizeof(top), "/tmp/samsvar-unzip-XXXXXX");
	cr_assert_not_null(mkdtemp(top));
	snprintf(dir, sizeof(dir), "%s/out", top);
	cr_assert_eq(mkdir(dir, 0700), 0);
}

static void remove_dirs(void)
{
	char cmd[100];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	(void)!system(cmd);
}

TestSuite(unzip, .init = make_dirs, .fini = remove_dirs);

/* The number of names in folder `d` (0 when it is gone). */
static int count_files(const char *d)
{
	DIR *h = opendir(d);
	struct dirent *e;
	int n = 0;

	if (!h)
		return 0;
	while ((e = readdir(h)))
		n += e->d_name[0] != '.';
	closedir(h);
	return n;
}

static const char CONCEPT[] = "id\teffectiveTime\tactive\tmoduleId\tdefinitionStatusId\n";

Test(unzip, release_gives_the_three_snapshot_files_only)
{
	struct sv_error err = {0};
	size_t len;
	char *zip = ts_zip_rf2_fixture(NULL, &len);
	char path[200];
	cJSON *cs;

	cr_assert_eq(sv_unzip_rf2(zip, len, dir, 1 << 20, &err), SV_OK, "%s", err.message);
	cr_assert_eq(count_files(dir), 3, "the readme is left in the archive");
	snprintf(path, sizeof(path), "%s/sct2_Concept_Snapshot_INT_20200731.txt", dir);
	cr_assert_eq(access(path, R_OK), 0, "written flat under its own name");
	cs = sv_import_snomed_rf2(dir, &err);
	cr_assert_not_null(cs, "the importer reads the folder: %s", err.message);
	cJSON_Delete(cs);
	sv_unzip_remove_dir(dir);
	cr_assert_eq(access(dir, F_OK), -1, "the folder is removed");
	sv_unzip_remove_dir(dir);   /* quiet when already gone */
	free(zip);
}

Test(unzip, not_a_zip)
{
	struct sv_error err = {0};
	const char text[] = "id\teffectiveTime\n12345\t2020\n";

	cr_assert_eq(sv_unzip_rf2(text, sizeof(text) - 1, dir, 1 << 20, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "not a ZIP archive"), "%s", err.message);
	/* A zip's end record with nothing before it that it points at. */
	cr_assert_eq(sv_unzip_rf2("PK\x05\x06\0\0\0\0\1\0\1\0\x30\0\0\0\0\0\0\0\0\0", 22, dir, 1 << 20, &err), SV_EINVAL);
	cr_assert_eq(count_files(dir), 0);
}

Test(unzip, names_what_is_missing)
{
	struct sv_error err = {0};
	struct ts_zip_entry e[] = {{"R/Snapshot/Terminology/sct2_Concept_Snapshot_X_1.txt", CONCEPT, sizeof(CONCEPT) - 1},
				   {"R/Snapshot/Terminology/sct2_Description_Snapshot-en_X_1.txt", "x", 1},
				   {"R/Readme.txt", "x", 1}};
	size_t len;
	char *zip = ts_zip(e, 3, &len);

	cr_assert_eq(sv_unzip_rf2(zip, len, dir, 1 << 20, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "no sct2_Relationship_Snapshot*.txt"), "%s", err.message);
	cr_assert_eq(count_files(dir), 0, "refused before anything is written");
	free(zip);
	zip = ts_zip(e + 2, 1, &len);
	cr_assert_eq(sv_unzip_rf2(zip, len, dir, 1 << 20, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "no sct2_Concept_Snapshot*.txt"), "%s", err.message);
	free(zip);
}

static void refused_name(const char *name)
{
	struct sv_error err = {0};
	struct ts_zip_entry e[] = {{"R/sct2_Concept_Snapshot_X_1.txt", CONCEPT, sizeof(CONCEPT) - 1},
				   {"R/sct2_Description_Snapshot-en_X_1.txt", "x", 1},
				   {"R/sct2_Relationship_Snapshot_X_1.txt", "x", 1},
				   {name, "evil", 4}};
	size_t len;
	char *zip = ts_zip(e, 4, &len);

	cr_assert_eq(sv_unzip_rf2(zip, len, dir, 1 << 20, &err), SV_EINVAL, "%s", name);
	cr_assert(strstr(err.message, "outside the folder"), "%s", err.message);
	cr_assert_eq(count_files(dir), 0, "%s: nothing written", name);
	cr_assert_eq(count_files(top), 1, "%s: nothing written next to the folder", name);
	free(zip);
}

Test(unzip, zip_slip_refuses_the_archive)
{
	refused_name("../x");
	refused_name("../sct2_Concept_Snapshot_Y_1.txt");
	refused_name("a/../../x");
	refused_name("/etc/x");
	refused_name("..\\x");
	refused_name("C:\\x");
}

Test(unzip, one_name_twice)
{
	struct sv_error err = {0};
	struct ts_zip_entry e[] = {{"A/sct2_Concept_Snapshot_X_1.txt", CONCEPT, sizeof(CONCEPT) - 1},
				   {"B/sct2_Concept_Snapshot_X_1.txt", CONCEPT, sizeof(CONCEPT) - 1},
				   {"R/sct2_Description_Snapshot-en_X_1.txt", "x", 1},
				   {"R/sct2_Relationship_Snapshot_X_1.txt", "x", 1}};
	size_t len;
	char *zip = ts_zip(e, 4, &len);

	cr_assert_eq(sv_unzip_rf2(zip, len, dir, 1 << 20, &err), SV_EINVAL);
	cr_assert(strstr(err.message, "twice"), "%s", err.message);
	free(zip);
}

/* A zip bomb: 1 MiB of one byte deflates to about a kilobyte. */
Test(unzip, over_the_cap)
{
	struct sv_error err = {0};
	size_t big = 1 << 20, len;
	char *fill = malloc(big), *zip;
	struct ts_zip_entry e[] = {{"R/sct2_Concept_Snapshot_X_1.txt", fill, big},
				   {"R/sct2_Description_Snapshot-en_X_1.txt", "x", 1},
				   {"R/sct2_Relationship_Snapshot_X_1.txt", "x", 1}};

	memset(fill, '7', big);
	zip = ts_zip(e, 3, &len);
	cr_assert_lt(len, 20000);
	cr_assert_eq(sv_unzip_rf2(zip, len, dir, big, &err), SV_ETOOBIG, "declared %zu + 2 > cap", big);
	cr_assert(strstr(err.message, "max_import_unzipped"), "%s", err.message);
	cr_assert_eq(count_files(dir), 0, "refused from the declared sizes, before writing");
	cr_assert_eq(sv_unzip_rf2(zip, len, dir, big + 2, &err), SV_OK, "%s", err.message);
	free(zip);
	free(fill);
}

/* An archive declaring less than it inflates to: the bytes written are counted, and the copy stops. */
Test(unzip, declared_size_is_not_trusted)
{
	struct sv_error err = {0};
	size_t big = 1 << 16, len;
	char *fill = malloc(big), *zip, *p;
	struct ts_zip_entry e[] = {{"R/sct2_Concept_Snapshot_X_1.txt", fill, big},
				   {"R/sct2_Description_Snapshot-en_X_1.txt", "x", 1},
				   {"R/sct2_Relationship_Snapshot_X_1.txt", "x", 1}};
	int patched = 0;

	memset(fill, '7', big);
	zip = ts_zip(e, 3, &len);
	/* Both headers of the first entry (local "PK\3\4" and central "PK\1\2") say 16 bytes instead of
	 * 65536; the central directory is what libzip reads. */
	for (p = zip; p + 46 <= zip + len; p++) {
		if (memcmp(p, "PK\1\2", 4) == 0 && memcmp(p + 24, "\0\0\1\0", 4) == 0) {
			memcpy(p + 24, "\x10\0\0\0", 4);
			patched++;
		} else if (memcmp(p, "PK\3\4", 4) == 0 && memcmp(p + 22, "\0\0\1\0", 4) == 0) {
			memcpy(p + 22, "\x10\0\0\0", 4);
			patched++;
		}
	}
	cr_assert_eq(patched, 2);
	cr_assert_neq(sv_unzip_rf2(zip, len, dir, 1 << 20, &err), SV_OK, "a 16-byte entry that inflates to 64 KiB");
	cr_assert_eq(err.code, SV_EINVAL, "%d %s", err.code, err.message);
	cr_assert(strstr(err.message, "more than the 16 bytes it declares"), "%s", err.message);
	free(zip);
	free(fill);
}

/* More entries than SV_UNZIP_MAX_ENTRIES: refused from the central directory, before a byte is
 * written (each entry is empty, so no size cap is near). */
Test(unzip, too_many_entries, .timeout = 60)
{
	struct sv_error err = {0};
	size_t n = SV_UNZIP_MAX_ENTRIES + 1, len;
	struct ts_zip_entry *e = calloc(n, sizeof(*e));
	char *names = malloc(n * 16), *zip;

	for (size_t i = 0; i < n; i++) {
		snprintf(names + i * 16, 16, "f%zu", i);
		e[i] = (struct ts_zip_entry){names + i * 16, "", 0};
	}
	zip = ts_zip(e, n, &len);
	cr_assert_eq(sv_unzip_rf2(zip, len, dir, 1 << 20, &err), SV_ETOOBIG);
	cr_assert(strstr(err.message, "more than 100000 entries"), "%s", err.message);
	cr_assert_eq(count_files(dir), 0);
	free(zip);
	free(names);
	free(e);
}

/* The historical association and language refset files are taken out too (the importer reads them);
 * other refset files are left in the archive. */
Test(unzip, association_and_language_refsets_are_taken)
{
	struct sv_error err = {0};
	struct ts_zip_entry e[] = {{"R/Snapshot/Terminology/sct2_Concept_Snapshot_X_1.txt", CONCEPT, sizeof(CONCEPT) - 1},
				   {"R/Snapshot/Terminology/sct2_Description_Snapshot-en_X_1.txt", "x", 1},
				   {"R/Snapshot/Terminology/sct2_Relationship_Snapshot_X_1.txt", "x", 1},
				   {"R/Snapshot/Refset/Content/der2_cRefset_AssociationSnapshot_X_1.txt", "x", 1},
				   {"R/Snapshot/Refset/Language/der2_cRefset_LanguageSnapshot-nb_X_1.txt", "x", 1},
				   {"R/Snapshot/Refset/Map/der2_sRefset_SimpleMapSnapshot_X_1.txt", "x", 1}};
	char path[200];
	size_t len;
	char *zip = ts_zip(e, 6, &len);

	cr_assert_eq(sv_unzip_rf2(zip, len, dir, 1 << 20, &err), SV_OK, "%s", err.message);
	cr_assert_eq(count_files(dir), 5, "the map refset is left in the archive");
	snprintf(path, sizeof(path), "%s/der2_cRefset_AssociationSnapshot_X_1.txt", dir);
	cr_assert_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/der2_cRefset_LanguageSnapshot-nb_X_1.txt", dir);
	cr_assert_eq(access(path, R_OK), 0);
	free(zip);
}

/* A kind the archive has only Full files of is taken from its Full folder (the importer reads it as its
 * latest state); a kind with both takes the Snapshot only, the Full file staying in the archive. */
Test(unzip, full_files_are_taken_for_a_kind_without_a_snapshot)
{
	struct sv_error err = {0};
	struct ts_zip_entry e[] = {{"R/Snapshot/Terminology/sct2_Concept_Snapshot_X_1.txt", CONCEPT, sizeof(CONCEPT) - 1},
				   {"R/Full/Terminology/sct2_Concept_Full_X_1.txt", CONCEPT, sizeof(CONCEPT) - 1},
				   {"R/Full/Terminology/sct2_Description_Full-en_X_1.txt", "x", 1},
				   {"R/Full/Terminology/sct2_Relationship_Full_X_1.txt", "x", 1},
				   {"R/Full/Refset/Language/der2_cRefset_LanguageFull-en_X_1.txt", "x", 1},
				   {"R/Delta/Terminology/sct2_Concept_Delta_X_1.txt", "x", 1}};
	char path[200];
	size_t len;
	char *zip = ts_zip(e, 6, &len);

	cr_assert_eq(sv_unzip_rf2(zip, len, dir, 1 << 20, &err), SV_OK, "%s", err.message);
	cr_assert_eq(count_files(dir), 4, "the Full concept file and the Delta are left in the archive");
	snprintf(path, sizeof(path), "%s/sct2_Concept_Full_X_1.txt", dir);
	cr_assert_eq(access(path, F_OK), -1, "a Full file beside a Snapshot one is not taken");
	snprintf(path, sizeof(path), "%s/sct2_Relationship_Full_X_1.txt", dir);
	cr_assert_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/der2_cRefset_LanguageFull-en_X_1.txt", dir);
	cr_assert_eq(access(path, R_OK), 0);
	free(zip);
}
