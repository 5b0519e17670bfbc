/* content_fuzz.c — libFuzzer target for the content file reader (sv_content_load_file).
 *
 * The input is written to an anonymous memory file and read through the public API, so the fuzzer
 * exercises the same path as the daemon. Besides memory safety it checks: a failure always carries
 * a message that names the file, and an accepted file gives an object with a resourceType.
 *
 * Build (clang):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Iinclude \
 *     $(pkg-config --cflags libcjson) fuzz/content_fuzz.c gateway/content.c gateway/strmap.c \
 *     gateway/error.c $(pkg-config --libs libcjson) -o build-fuzz/content_fuzz
 * Run (the bundled files are the seed corpus):
 *   mkdir -p build-fuzz/content-corpus && cp mappings/c*.tsv build-fuzz/content-corpus/ &&
 *   build-fuzz/content_fuzz -max_total_time=60 -max_len=8192 build-fuzz/content-corpus */
#include "samsvar/content.h"
#include "samsvar/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs once before the first input: the allocation policy and hash key main() sets up. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sv_alloc_init();
	return 0;
}

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
