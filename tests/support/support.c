/* support.c — file helpers for tests, and the process set-up every test program shares. */
#include "support/support.h"
#include "samsvar/error.h"
#include "samsvar/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

/* Every test program links this file, and Criterion runs each test in a fresh worker process, so a
 * constructor is the one place that puts all of them under the allocation policy main() uses. */
__attribute__((constructor)) static void ts_process_init(void)
{
	sv_alloc_init();
}

char *ts_shared_path(const char *rel)
{
	const char *base = getenv("SAMSVAR_SHARED");
	char *p;
	size_t n;

	if (!base || !*base)
		base = "../shared";
	n = strlen(base) + strlen(rel) + 2;
	p = malloc(n);
	if (!p)
		return NULL;
	snprintf(p, n, "%s/%s", base, rel);
	if (access(p, R_OK) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

char *ts_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc((size_t)n + 1);
	if (!buf)
		goto out;
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	if (len)
		*len = (size_t)n;
out:
	fclose(f);
	return buf;
}

void ts_remove_store(const char *path)
{
	static const char *const ext[] = {"", "-wal", "-shm"};
	char p[1100];

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, ext[i]);
		unlink(p);
	}
}

void ts_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "cannot write %s", path);
	cr_assert_geq(fputs(text, f), 0);
	cr_assert_eq(fclose(f), 0);
}

struct sv_store *ts_temp_store(char *path)
{
	struct sv_store *st = NULL;
	struct sv_error err;
	int fd;

	snprintf(path, 64, "/tmp/sv-store-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0, "mkstemp");
	close(fd);
	cr_assert_eq(sv_store_open(path, &st, &err), SV_OK, "%s", err.message);
	return st;
}

void ts_capture(const char *name, const char *ext, const char *text)
{
	static int n;
	const char *dir = getenv("SAMSVAR_TEST_CAPTURE");
	char path[1024];
	FILE *f;

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof(path), "%s/%s-%ld-%d.%s", dir, name, (long)getpid(), n++, ext);
	f = fopen(path, "wb");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

char *ts_zip(const struct ts_zip_entry *e, size_t n, size_t *len)
{
	char path[64];
	zip_t *za;
	int fd, zerr = 0;
	char *bytes;

	snprintf(path, sizeof(path), "/tmp/samsvar-zip-XXXXXX");
	cr_assert((fd = mkstemp(path)) >= 0);
	close(fd);
	za = zip_open(path, ZIP_TRUNCATE, &zerr);
	cr_assert_not_null(za, "zip_open: %d", zerr);
	for (size_t i = 0; i < n; i++) {
		zip_source_t *src = zip_source_buffer(za, e[i].data, e[i].len, 0);
		cr_assert_not_null(src);
		cr_assert(zip_file_add(za, e[i].name, src, ZIP_FL_ENC_UTF_8) >= 0, "%s: %s", e[i].name,
			  zip_strerror(za));
	}
	cr_assert_eq(zip_close(za), 0, "zip_close: %s", zip_strerror(za));
	bytes = ts_read_file(path, len);
	unlink(path);
	cr_assert_not_null(bytes);
	return bytes;
}

char *ts_zip_rf2_fixture(const char *date, size_t *len)
{
	static const char *const files[] = {"sct2_Concept_Snapshot_INT_20200731.txt",
					    "sct2_Description_Snapshot-en_INT_20200731.txt",
					    "sct2_Relationship_Snapshot_INT_20200731.txt"};
	const char *root = getenv("SAMSVAR_ROOT");
	struct ts_zip_entry e[4];
	char *text[3], names[3][200], *zip;

	for (size_t i = 0; i < 3; i++) {
		char path[700];
		snprintf(path, sizeof(path), "%s/tests/fixtures/rf2/SnomedCT_Fixture/Snapshot/Terminology/%s",
			 root ? root : ".", files[i]);
		text[i] = ts_read_file(path, &e[i].len);
		cr_assert_not_null(text[i], "%s", path);
		for (char *p = text[i]; date && (p = strstr(p, "20200731")); p += 8)
			memcpy(p, date, 8);
		snprintf(names[i], sizeof(names[i]), "SnomedCT_Fixture/Snapshot/Terminology/%s", files[i]);
		e[i].name = names[i];
		e[i].data = text[i];
	}
	e[3] = (struct ts_zip_entry){"SnomedCT_Fixture/Readme_en.txt", "a release\n", 10};
	zip = ts_zip(e, 4, len);
	for (size_t i = 0; i < 3; i++)
		free(text[i]);
	return zip;
}

long long ts_sql_count(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	long long n = -1;

	cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK, "%s", path);
	cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}
