/* support.h — helpers shared by the test programs. */
#ifndef SAMSVAR_TEST_SUPPORT_H
#define SAMSVAR_TEST_SUPPORT_H

#include <criterion/criterion.h>

/* Returns a malloc'd path to `rel` under $SAMSVAR_SHARED (default ../shared from the repo root),
 * or NULL when that file is absent. */
char *ts_shared_path(const char *rel);

/* Sets `var` to the shared file `rel`, or skips the current test visibly with the reason. */
#define TS_REQUIRE_SHARED(var, rel)                                                            \
	do {                                                                                   \
		(var) = ts_shared_path(rel);                                                   \
		if (!(var))                                                                    \
			cr_skip_test("shared file %s absent (set SAMSVAR_SHARED to the folder " \
				     "holding terminology/ and schemas/)", (rel));              \
	} while (0)

/* Reads a whole file into a malloc'd NUL-terminated buffer; *len gets its size. NULL if unreadable. */
char *ts_read_file(const char *path, size_t *len);

struct sv_store;

/* Opens a new empty store in a new temporary file whose path it writes into path[64]; fails the test
 * when it cannot. Remove it with ts_remove_store(). */
struct sv_store *ts_temp_store(char *path);

/* Returns the number the one-row, one-column query `sql` gives on the SQLite file at `path` (read only),
 * e.g. "SELECT count(*) FROM cs_concept"; fails the test when it cannot run it. */
long long ts_sql_count(const char *path, const char *sql);

/* Removes the SQLite file at `path` with its -wal and -shm files (a test's temporary store). */
void ts_remove_store(const char *path);

/* Writes `text` to the file at `path` (created or truncated); fails the test when it cannot. */
void ts_write_file(const char *path, const char *text);

/* Writes `text` as file <name>-<pid>.<ext> into $SAMSVAR_TEST_CAPTURE (when set), where tests/run.sh
 * validates every captured .json and .xml against the FHIR R4 schemas. */
void ts_capture(const char *name, const char *ext, const char *text);

/* One file of a ZIP archive made by ts_zip(). */
struct ts_zip_entry {
	const char *name;   /* as stored, e.g. "Release/Snapshot/Terminology/x.txt" or "../x" */
	const char *data;
	size_t len;
};

/* Makes a ZIP archive (deflated, libzip) of the `n` entries; returns its bytes (malloc'd, caller
 * frees) and their number in *len; fails the test when it cannot. */
char *ts_zip(const struct ts_zip_entry *e, size_t n, size_t *len);

/* The RF2 fixture tests/fixtures/rf2 (below $SAMSVAR_ROOT) zipped as a release is distributed, its
 * three files in SnomedCT_Fixture/Snapshot/Terminology/ plus a readme at the top; as ts_zip(). With
 * `date` (yyyymmdd) its release date 20200731 is replaced by that one in every row (another edition
 * version), else NULL. */
char *ts_zip_rf2_fixture(const char *date, size_t *len);

#endif
