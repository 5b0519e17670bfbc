/* unzip.c — the RF2 files of a zipped SNOMED CT release the importer reads, written into a folder
 * (libzip): per kind the Snapshot files, or the Full ones when the archive has no Snapshot file of it.
 *
 * Two passes over the central directory: the first checks every entry's name and picks the files
 * wanted, summing the sizes the archive declares for them, so a refusal (zip-slip, a missing kind of
 * file, over the cap) comes before any byte is written; the second inflates the wanted files, counting
 * the bytes as they come, since a damaged or hostile archive may declare less than it holds. */
#include "samsvar/unzip.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

/* More wanted files than this is no release (the importer takes 16 description files). */
#define MAX_WANTED 64

/* The first NREQUIRED kinds every release has; the simple refsets (for ECL's ^), historical
 * associations and language refsets are optional. FULL[k] is the Full file of KINDS[k]'s kind. */
static const char *const KINDS[] = {"sct2_Concept_Snapshot", "sct2_Description_Snapshot",
				    "sct2_Relationship_Snapshot", "der2_Refset_SimpleSnapshot",
				    "der2_cRefset_AssociationSnapshot", "der2_cRefset_LanguageSnapshot"};
static const char *const FULL[] = {"sct2_Concept_Full", "sct2_Description_Full", "sct2_Relationship_Full",
				   "der2_Refset_SimpleFull", "der2_cRefset_AssociationFull",
				   "der2_cRefset_LanguageFull"};
#define NKINDS (sizeof(KINDS) / sizeof(KINDS[0]))
#define NREQUIRED 3

/* The file name of entry `name`: what follows its last '/' or '\\'. */
static const char *base_name(const char *name)
{
	const char *b = name;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

/* 1 when entry `name` stays inside the folder it is extracted to: relative, no ".." component
 * (either separator counts, as unzip tools on Windows read '\\' as one). */
static int name_inside(const char *name)
{
	const char *p = name;

	if (!*name || *name == '/' || *name == '\\' || (name[0] && name[1] == ':'))
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/\\");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		if (*p)
			p++;
	}
	return 1;
}

/* Which kind of RF2 file `base` is (an index into KINDS, *full set for a Full file), or -1 for a file
 * not wanted. */
static int kind_of(const char *base, int *full)
{
	size_t n = strlen(base);

	if (n < 4 || strcmp(base + n - 4, ".txt") != 0)
		return -1;
	for (size_t k = 0; k < NKINDS; k++) {
		*full = 0;
		if (strncmp(base, KINDS[k], strlen(KINDS[k])) == 0 && n > strlen(KINDS[k]) + 4)
			return (int)k;
		*full = 1;
		if (strncmp(base, FULL[k], strlen(FULL[k])) == 0 && n > strlen(FULL[k]) + 4)
			return (int)k;
	}
	return -1;
}

/* Inflates entry `i` (named `base`, declaring `declared` bytes) into dir/base; *total counts the
 * bytes written by every call against `max_bytes`. */
static enum sv_err extract(zip_t *za, zip_uint64_t i, const char *base, zip_uint64_t declared, const char *dir,
			   size_t max_bytes, size_t *total, struct sv_error *err)
{
	enum sv_err rc = SV_EIO;
	zip_file_t *zf = NULL;
	zip_uint64_t got = 0;
	char path[4096], buf[65536];
	int fd = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, base) >= sizeof(path)) {
		rc = sv_fail(err, SV_EINVAL, "the archive names a file longer than %zu bytes", sizeof(path));
		goto out;
	}
	if (!(zf = zip_fopen_index(za, i, 0))) {
		rc = sv_fail(err, SV_EINVAL, "the archive's %.200s cannot be read: %s", base, zip_strerror(za));
		goto out;
	}
	/* O_EXCL: a second entry with the same file name is refused, not written over the first. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		rc = errno == EEXIST ? sv_fail(err, SV_EINVAL, "the archive holds %.200s twice", base)
				     : sv_fail(err, SV_EIO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		zip_int64_t n = zip_fread(zf, buf, sizeof(buf));
		if (n < 0) {
			rc = sv_fail(err, SV_EINVAL, "the archive's %.200s is damaged: %s", base, zip_file_strerror(zf));
			goto out;
		}
		if (n == 0)
			break;
		got += (zip_uint64_t)n;
		*total += (size_t)n;
		if (got > declared) {
			rc = sv_fail(err, SV_EINVAL, "the archive's %.200s holds more than the %llu bytes it declares",
				     base, (unsigned long long)declared);
			goto out;
		}
		if (*total > max_bytes) {
			rc = sv_fail(err, SV_ETOOBIG, "the RF2 files of the archive inflate to more than %zu bytes "
				     "(max_import_unzipped)", max_bytes);
			goto out;
		}
		for (size_t done = 0; done < (size_t)n;) {
			ssize_t w = write(fd, buf + done, (size_t)n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = sv_fail(err, SV_EIO, "cannot write %s: %s", path, strerror(errno));
				goto out;
			}
			done += (size_t)w;
		}
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = sv_fail(err, SV_EIO, "cannot write %s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	rc = SV_OK;
out:
	if (fd >= 0)
		close(fd);
	if (zf)
		zip_fclose(zf);
	return rc;
}

enum sv_err sv_unzip_rf2(const void *data, size_t len, const char *dir, size_t max_bytes, struct sv_error *err)
{
	enum sv_err rc = SV_EINVAL;
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za = NULL;
	zip_int64_t n;
	zip_uint64_t wanted[MAX_WANTED], declared[MAX_WANTED], sum = 0;
	size_t nwanted = 0, total = 0;
	int have[NKINDS] = {0}, snapshot[NKINDS] = {0}, full;

	zip_error_init(&ze);
	if (!(src = zip_source_buffer_create(data, len, 0, &ze))) {
		rc = sv_fail(err, SV_EIO, "cannot read the archive: %s", zip_error_strerror(&ze));
		goto out;
	}
	if (!(za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze))) {
		zip_source_free(src);
		rc = sv_fail(err, SV_EINVAL, "not a ZIP archive, or a damaged one: %s", zip_error_strerror(&ze));
		goto out;
	}
	n = zip_get_num_entries(za, 0);
	if (n < 0 || (zip_uint64_t)n > SV_UNZIP_MAX_ENTRIES) {
		rc = sv_fail(err, SV_ETOOBIG, "the archive holds more than %u entries", SV_UNZIP_MAX_ENTRIES);
		goto out;
	}
	/* Which kinds have a Snapshot file: of those the Full files are left in the archive (the importer
	 * would ignore them, sv_rf2_find), so a release's Full folder costs neither disk nor the cap. */
	for (zip_uint64_t i = 0; i < (zip_uint64_t)n; i++) {
		zip_stat_t st;
		int k;
		if (zip_stat_index(za, i, 0, &st) == 0 && (st.valid & ZIP_STAT_NAME) &&
		    (k = kind_of(base_name(st.name), &full)) >= 0 && !full)
			snapshot[k] = 1;
	}
	for (zip_uint64_t i = 0; i < (zip_uint64_t)n; i++) {
		zip_stat_t st;
		int k;
		if (zip_stat_index(za, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE)) {
			rc = sv_fail(err, SV_EINVAL, "the archive's entry %llu cannot be read: %s",
				     (unsigned long long)i, zip_strerror(za));
			goto out;
		}
		if (!name_inside(st.name)) {
			rc = sv_fail(err, SV_EINVAL, "the archive's entry '%.200s' points outside the folder it is "
				     "unpacked to (an absolute path or '..'): refused", st.name);
			goto out;
		}
		if ((k = kind_of(base_name(st.name), &full)) < 0 || (full && snapshot[k]))
			continue;
		if (nwanted == MAX_WANTED) {
			rc = sv_fail(err, SV_EINVAL, "the archive holds more than %d RF2 files to read", MAX_WANTED);
			goto out;
		}
		have[k] = 1;
		sum += st.size;
		wanted[nwanted] = i;
		declared[nwanted++] = st.size;
		/* Each size is at most 2^64-1 and there are at most MAX_WANTED: compared as it grows. */
		if (st.size > max_bytes || sum > max_bytes) {
			rc = sv_fail(err, SV_ETOOBIG, "the RF2 files of the archive declare more than %zu bytes "
				     "(max_import_unzipped)", max_bytes);
			goto out;
		}
	}
	for (size_t k = 0; k < NREQUIRED; k++)
		if (!have[k]) {
			rc = sv_fail(err, SV_EINVAL, "the archive holds no %s*.txt (nor %s*.txt): a zipped RF2 release "
				     "has it in its Snapshot/Terminology folder", KINDS[k], FULL[k]);
			goto out;
		}
	for (size_t w = 0; w < nwanted; w++) {
		zip_stat_t st;
		if (zip_stat_index(za, wanted[w], 0, &st) != 0) {
			rc = sv_fail(err, SV_EINVAL, "the archive cannot be read: %s", zip_strerror(za));
			goto out;
		}
		if ((rc = extract(za, wanted[w], base_name(st.name), declared[w], dir, max_bytes, &total, err)) != SV_OK)
			goto out;
	}
	rc = SV_OK;
out:
	if (za)
		zip_discard(za);
	zip_error_fini(&ze);
	return rc;
}

void sv_unzip_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				(void)unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	(void)rmdir(dir);
}
