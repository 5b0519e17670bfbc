/* file.c — whole-file reads for importers, content and configuration. */
#include "samsvar/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *sv_file_read(const char *path, size_t max, size_t *len, struct sv_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	struct stat st;
	size_t n;

	if (!f) {
		sv_fail(err, SV_EIO, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		sv_fail(err, SV_EIO, "%s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > (unsigned long long)max) {
		sv_fail(err, SV_ETOOBIG, "%s: %lld bytes, over the cap of %zu bytes", path, (long long)st.st_size, max);
		goto out;
	}
	n = (size_t)st.st_size;
	buf = sv_xmalloc(n + 1);
	if (fread(buf, 1, n, f) != n || ferror(f)) {
		sv_fail(err, SV_EIO, "%s: read error", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	*len = n;
out:
	fclose(f);
	return buf;
}
