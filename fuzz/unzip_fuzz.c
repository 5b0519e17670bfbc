/* unzip_fuzz.c — libFuzzer target for sv_unzip_rf2(): arbitrary bytes as a zipped RF2 release.
 *
 * Besides memory safety it checks that every failure says why (a code and a message), that nothing
 * but RF2 files (of a Snapshot, or of a Full release for a kind the archive has no Snapshot of) is ever
 * written, each directly in the folder (no zip-slip),
 * that no more than the cap is written, and that sv_unzip_remove_dir() leaves no trace.
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/unzip/: the RF2 fixture zipped, a zip-slip
 * archive, a small bomb); replay one input with build-fuzz/unzip_fuzz FILE. */
#include "samsvar/unzip.h"
#include "fuzz.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Small, so the fuzzer meets the cap. */
#define CAP 65536

static char top[64], dir[100];

/* Every name in `d` is an RF2 file (a regular file); returns the bytes they hold. */
static size_t check_written(void)
{
	DIR *h = opendir(dir);
	struct dirent *e;
	size_t bytes = 0;

	if (!h)
		abort();
	while ((e = readdir(h))) {
		char path[400];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		/* an RF2 file of a Snapshot, or of a Full release for a kind the archive has no Snapshot of */
		if ((strncmp(e->d_name, "sct2_", 5) != 0 && strncmp(e->d_name, "der2_", 5) != 0) ||
		    (!strstr(e->d_name, "Snapshot") && !strstr(e->d_name, "Full")))
			abort();
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			abort();
		bytes += (size_t)st.st_size;
	}
	closedir(h);
	return bytes;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_error err = {0};
	enum sv_err rc;
	DIR *h;
	struct dirent *e;

	if (!top[0]) {
		snprintf(top, sizeof(top), "/tmp/sv-unzip-fuzz-XXXXXX");
		if (!mkdtemp(top))
			abort();
		snprintf(dir, sizeof(dir), "%s/out", top);
	}
	if (mkdir(dir, 0700) != 0)
		abort();
	rc = sv_unzip_rf2(data, size, dir, CAP, &err);
	if (rc != SV_OK && (err.code != rc || !err.message[0]))
		abort();
	if (check_written() > CAP)
		abort();
	sv_unzip_remove_dir(dir);
	if (access(dir, F_OK) == 0)
		abort();
	/* Nothing beside the folder: its parent holds nothing else. */
	if (!(h = opendir(top)))
		abort();
	while ((e = readdir(h)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			abort();
	closedir(h);
	return 0;
}
