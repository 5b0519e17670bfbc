/* content_fuzz.c — libFuzzer target for the content file reader (sv_content_load_file).
 *
 * The input is written to an anonymous memory file and read through the public API, so the fuzzer
 * exercises the same path as the daemon. Besides memory safety it checks: a failure always carries
 * a message that names the file, and an accepted file gives an object with a resourceType.
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/content/); replay one input with
 * build-fuzz/content_fuzz FILE. */
#include "samsvar/content.h"
#include "samsvar/error.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_error err = { 0 };
	char path[64];
	int fd = memfd_create("content", 0);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	cJSON *res = sv_content_load_file(path, "https://fhir.example.org/", &err);
	if (res) {
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(res, "resourceType")))
			abort();
		cJSON_Delete(res);
	} else if (err.code == SV_OK || !strstr(err.message, path)) {
		abort();
	}
	close(fd);
	return 0;
}
