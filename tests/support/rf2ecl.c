/* rf2ecl.c — the RF2 fixture with a simple refset, for the ECL tests (rf2ecl.h). */
#include "support/rf2ecl.h"
#include "support/support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TERMINOLOGY "tests/fixtures/rf2/SnomedCT_Fixture/Snapshot/Terminology/"

/* Rows added to the fixture's files (made up: ids with valid check digits, not SNOMED components). */
static const char concept_row[] = TS_ECL_REFSET "\t20200731\t1\t900000000000207008\t900000000000074008\r\n";
static const char description_row[] = "1099014\t20200731\t1\t900000000000207008\t" TS_ECL_REFSET
				      "\ten\t900000000000003001\tECL test refset (foundation metadata concept)"
				      "\t900000000000448009\r\n";
static const char refset_file[] =
	"id\teffectiveTime\tactive\tmoduleId\trefsetId\treferencedComponentId\r\n"
	"8a1f7b7e-3a31-4a4e-9d55-1f3c3a2c0a01\t20200731\t1\t900000000000207008\t" TS_ECL_REFSET "\t36971009\r\n"
	"8a1f7b7e-3a31-4a4e-9d55-1f3c3a2c0a02\t20200731\t1\t900000000000207008\t" TS_ECL_REFSET "\t32398004\r\n"
	"8a1f7b7e-3a31-4a4e-9d55-1f3c3a2c0a03\t20200731\t0\t900000000000207008\t" TS_ECL_REFSET "\t15805002\r\n";

/* Reads fixture file `name`, appends `extra`, replaces the date, writes it to dir/name. */
static void copy_file(const char *dir, const char *name, const char *extra, const char *date)
{
	const char *root = getenv("SAMSVAR_ROOT");
	char src[700], dst[300], *text, *all;
	size_t len;

	snprintf(src, sizeof(src), "%s/" TERMINOLOGY "%s", root ? root : ".", name);
	text = ts_read_file(src, &len);
	cr_assert_not_null(text, "%s", src);
	all = malloc(len + strlen(extra) + 1);
	memcpy(all, text, len);
	strcpy(all + len, extra);
	for (char *p = all; date && (p = strstr(p, "20200731")); p += 8)
		memcpy(p, date, 8);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	ts_write_file(dst, all);
	free(all);
	free(text);
}

void ts_rf2ecl_make(char *dir, const char *date)
{
	char path[300], *refset;

	snprintf(dir, 64, "/tmp/sv-rf2ecl-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	copy_file(dir, "sct2_Concept_Snapshot_INT_20200731.txt", concept_row, date);
	copy_file(dir, "sct2_Description_Snapshot-en_INT_20200731.txt", description_row, date);
	copy_file(dir, "sct2_Relationship_Snapshot_INT_20200731.txt", "", date);
	refset = strdup(refset_file);
	for (char *p = refset; date && (p = strstr(p, "20200731")); p += 8)
		memcpy(p, date, 8);
	snprintf(path, sizeof(path), "%s/der2_Refset_SimpleSnapshot_INT_20200731.txt", dir);
	ts_write_file(path, refset);
	free(refset);
}

void ts_rf2ecl_remove(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}
