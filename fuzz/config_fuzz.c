/* config_fuzz.c — libFuzzer target for the configuration parser (sv_config_parse).
 *
 * Besides memory safety it checks the parser's promises: an accepted text leaves every value inside
 * its documented bounds with NUL-terminated strings; a rejected one always names "fuzz.conf:<line>";
 * and parsing is deterministic (the same text gives the same struct).
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/config/); replay one input with
 * build-fuzz/config_fuzz FILE. */
#include "samsvar/config.h"
#include "samsvar/error.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_string(const char *s, size_t cap, const char *what)
{
	if (!memchr(s, '\0', cap)) {
		fprintf(stderr, "%s is not NUL-terminated\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_config a, b;
	struct sv_error err = {0}, err2 = {0};
	enum sv_err rc, rc2;

	sv_config_defaults(&a);
	sv_config_defaults(&b);
	rc = sv_config_parse(&a, (const char *)data, size, "fuzz.conf", &err);
	rc2 = sv_config_parse(&b, (const char *)data, size, "fuzz.conf", &err2);
	if (rc != rc2 || memcmp(&a, &b, sizeof(a)) != 0 || strcmp(err.message, err2.message) != 0) {
		fprintf(stderr, "parsing the same text twice differs\n");
		abort();
	}
	check_string(a.listen_host, sizeof(a.listen_host), "listen_host");
	check_string(a.store_path, sizeof(a.store_path), "store_path");
	check_string(a.content_dir, sizeof(a.content_dir), "content_dir");
	check_string(a.canonical_base, sizeof(a.canonical_base), "canonical_base");
	if (rc != SV_OK) {
		if (rc != SV_ECONFIG || err.code != rc || strncmp(err.message, "fuzz.conf:", 10) != 0) {
			fprintf(stderr, "a rejection must be SV_ECONFIG naming file:line, got %d '%s'\n", rc,
				err.message);
			abort();
		}
		return 0;
	}
	if (a.threads < 1 || a.threads > 256 || a.max_body_bytes < 1024 ||
	    a.max_body_bytes > 1024UL * 1024 * 1024 || a.max_connections < 1 || a.max_connections > 65536 ||
	    a.timeout_seconds < 1 || a.timeout_seconds > 3600 || a.expand_max < 1 || a.expand_max > 1000000 ||
	    a.listen_port > 65535 || (a.log_requests != 0 && a.log_requests != 1) || !a.store_path[0] ||
	    !a.content_dir[0] || strncmp(a.canonical_base, "http", 4) != 0) {
		fprintf(stderr, "an accepted configuration is out of bounds\n");
		abort();
	}
	return 0;
}
