/* test_config.c — configuration parsing: defaults, every key, bounds, file:line errors, hostile input. */
#include "samsvar/config.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum sv_err parse(struct sv_config *c, const char *text, struct sv_error *err)
{
	sv_config_defaults(c);
	sv_error_clear(err);
	return sv_config_parse(c, text, strlen(text), "test.conf", err);
}

Test(config, defaults)
{
	struct sv_config c;

	memset(&c, 0x5a, sizeof(c));
	sv_config_defaults(&c);
	cr_assert_str_eq(c.listen_host, "127.0.0.1");
	cr_assert_eq(c.listen_port, 8080);
	cr_assert_str_eq(c.store_path, "var/samsvar.db");
	cr_assert_str_eq(c.content_dir, "mappings");
	cr_assert_str_eq(c.canonical_base, "https://fhir.samsvar.no");
	cr_assert_eq(c.max_body_bytes, 4u * 1024 * 1024);
	cr_assert_eq(c.max_import_body_bytes, (size_t)1024 * 1024 * 1024);
	cr_assert_eq(c.max_import_unzipped_bytes, (size_t)4 * 1024 * 1024 * 1024);
	cr_assert_eq(c.threads, 2);
	cr_assert_eq(c.max_connections, 1024);
	cr_assert_eq(c.timeout_seconds, 30);
	cr_assert_eq(c.expand_max, 10000);
	cr_assert_eq(c.log_requests, 1);
}

Test(config, every_key_is_parsed)
{
	struct sv_config c;
	struct sv_error err;
	const char *text =
		"# a comment\n"
		"\n"
		"listen = 0.0.0.0:9090\n"
		"  store=/var/lib/samsvar/store.db  \n"
		"content = /srv/mappings\n"
		"canonical_base = http://terminologi.kommune.no/fhir\n"
		"max_body = 1024\n"
		"threads = 256\n"
		"max_connections = 65536\n"
		"timeout = 3600\n"
		"expand_max = 1000000\n"
		"log_requests = false\n"
		"\t# indented comment";

	cr_assert_eq(parse(&c, text, &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(c.listen_host, "0.0.0.0");
	cr_assert_eq(c.listen_port, 9090);
	cr_assert_str_eq(c.store_path, "/var/lib/samsvar/store.db");
	cr_assert_str_eq(c.content_dir, "/srv/mappings");
	cr_assert_str_eq(c.canonical_base, "http://terminologi.kommune.no/fhir");
	cr_assert_eq(c.max_body_bytes, 1024);
	cr_assert_eq(c.threads, 256);
	cr_assert_eq(c.max_connections, 65536);
	cr_assert_eq(c.timeout_seconds, 3600);
	cr_assert_eq(c.expand_max, 1000000);
	cr_assert_eq(c.log_requests, 0);
	cr_assert_eq(parse(&c, "log_requests = true\r\n", &err), SV_OK, "CRLF line: %s", err.message);
	cr_assert_eq(c.log_requests, 1);
	cr_assert_eq(c.publish_requires_second_person, 0, "four eyes are optional");
	cr_assert_eq(parse(&c, "publish_requires_second_person = true\n", &err), SV_OK, "%s", err.message);
	cr_assert_eq(c.publish_requires_second_person, 1);
	cr_assert_eq(parse(&c, "publish_requires_second_person = yes\n", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "publish_requires_second_person"), "%s", err.message);
}

Test(config, shipped_config_file_loads)
{
	struct sv_config c, d;
	struct sv_error err;

	if (access("conf/samsvar.conf", R_OK) != 0)
		cr_skip_test("conf/samsvar.conf absent");
	sv_config_defaults(&c);
	sv_config_defaults(&d);
	cr_assert_eq(sv_config_load(&c, "conf/samsvar.conf", &err), SV_OK, "%s", err.message);
	/* The shipped file documents the defaults: loading it changes nothing. */
	cr_assert_str_eq(c.listen_host, d.listen_host);
	cr_assert_eq(c.listen_port, d.listen_port);
	cr_assert_str_eq(c.store_path, d.store_path);
	cr_assert_eq(c.max_body_bytes, d.max_body_bytes);
	cr_assert_eq(c.max_import_body_bytes, d.max_import_body_bytes);
	cr_assert_eq(c.max_import_unzipped_bytes, d.max_import_unzipped_bytes);
	cr_assert_eq(c.expand_max, d.expand_max);
	cr_assert_eq(c.max_count, d.max_count);
	cr_assert_str_eq(c.public_base_url, d.public_base_url);
}

Test(config, load_missing_file_is_eio)
{
	struct sv_config c;
	struct sv_error err;

	sv_config_defaults(&c);
	cr_assert_eq(sv_config_load(&c, "/nonexistent/samsvar.conf", &err), SV_EIO);
	cr_assert(strstr(err.message, "/nonexistent/samsvar.conf"), "%s", err.message);
}

Test(config, load_names_file_and_line)
{
	char path[] = "/tmp/sv-config-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "threads = 4\n\n# ok so far\nthreds = 4\n";
	struct sv_config c;
	struct sv_error err;
	char want[64];

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	sv_config_defaults(&c);
	cr_assert_eq(sv_config_load(&c, path, &err), SV_ECONFIG);
	unlink(path);
	snprintf(want, sizeof(want), "%s:4:", path);
	cr_assert(strstr(err.message, want), "message '%s' lacks '%s'", err.message, want);
	cr_assert(strstr(err.message, "threds"), "%s", err.message);
	cr_assert_eq(c.threads, 4, "lines before the bad one are applied");
}

Test(config, unknown_key_names_file_line)
{
	struct sv_config c;
	struct sv_error err;

	cr_assert_eq(parse(&c, "listen = 127.0.0.1:80\nbogus = 1\n", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "test.conf:2:"), "%s", err.message);
	cr_assert(strstr(err.message, "unknown key 'bogus'"), "%s", err.message);
}

Test(config, threads_bounds)
{
	struct sv_config c;
	struct sv_error err;

	cr_assert_eq(parse(&c, "threads = 0", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "test.conf:1:"), "%s", err.message);
	cr_assert_eq(c.threads, 2, "a rejected value must not be stored");
	cr_assert_eq(parse(&c, "threads = 257", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "1..256"), "%s", err.message);
	cr_assert_eq(parse(&c, "threads = 1", &err), SV_OK);
	cr_assert_eq(c.threads, 1);
	cr_assert_eq(parse(&c, "threads = 256", &err), SV_OK);
	cr_assert_eq(c.threads, 256);
}

Test(config, max_body_bounds)
{
	struct sv_config c;
	struct sv_error err;

	cr_assert_eq(parse(&c, "max_body = 1023", &err), SV_ECONFIG);
	cr_assert_eq(c.max_body_bytes, 4u * 1024 * 1024);
	cr_assert_eq(parse(&c, "max_body = 1024", &err), SV_OK);
	cr_assert_eq(parse(&c, "max_body = 1073741824", &err), SV_OK);
	cr_assert_eq(c.max_body_bytes, 1073741824u);
	cr_assert_eq(parse(&c, "max_body = 1073741825", &err), SV_ECONFIG);
}

/* The $import caps: bytes, 1 KiB up to 64 GiB (body) and 1 TiB (inflated RF2 files). */
Test(config, import_caps)
{
	struct sv_config c;
	struct sv_error err;

	cr_assert_eq(parse(&c, "max_import_body = 1023", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "max_import_body"), "%s", err.message);
	cr_assert_eq(c.max_import_body_bytes, (size_t)1024 * 1024 * 1024, "a refused value changes nothing");
	cr_assert_eq(parse(&c, "max_import_body = 68719476736", &err), SV_OK, "%s", err.message);
	cr_assert_eq(c.max_import_body_bytes, (size_t)64 * 1024 * 1024 * 1024);
	cr_assert_eq(parse(&c, "max_import_body = 68719476737", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "max_import_unzipped = 2048", &err), SV_OK, "%s", err.message);
	cr_assert_eq(c.max_import_unzipped_bytes, 2048);
	cr_assert_eq(parse(&c, "max_import_unzipped = 1023", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "max_import_unzipped = 1099511627777", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "max_import_unzipped = 4GiB", &err), SV_ECONFIG);
}

Test(config, other_numeric_bounds)
{
	struct sv_config c;
	struct sv_error err;

	cr_assert_eq(parse(&c, "max_connections = 0", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "max_connections = 65537", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "timeout = 0", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "timeout = 3601", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "expand_max = 0", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "expand_max = 1000001", &err), SV_ECONFIG);
}

Test(config, numbers_must_be_plain_decimal)
{
	static const char *const bad[] = {
		"threads = -1", "threads = +4", "threads = 4x", "threads = 0x10", "threads = 4.0",
		"threads =", "threads = four", "threads = 18446744073709551616", "threads = 4 4",
	};
	struct sv_config c;
	struct sv_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(&c, bad[i], &err), SV_ECONFIG, "'%s' accepted", bad[i]);
		cr_assert_eq(c.threads, 2, "'%s' changed threads", bad[i]);
	}
	cr_assert_eq(parse(&c, "threads = 007", &err), SV_OK, "leading zeros are still decimal");
	cr_assert_eq(c.threads, 7);
}

Test(config, string_values)
{
	struct sv_config c;
	struct sv_error err;
	char line[1200];

	cr_assert_eq(parse(&c, "store = ", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "empty"), "%s", err.message);
	snprintf(line, sizeof(line), "store = %0600d", 0);
	cr_assert_eq(parse(&c, line, &err), SV_ECONFIG, "store path over 511 bytes accepted");
	cr_assert_str_eq(c.store_path, "var/samsvar.db");
	snprintf(line, sizeof(line), "content = %0511d", 0);
	cr_assert_eq(parse(&c, line, &err), SV_OK, "%s", err.message);
	cr_assert_eq(strlen(c.content_dir), 511);
	cr_assert_eq(parse(&c, "store = a = b", &err), SV_OK, "only the first '=' splits");
	cr_assert_str_eq(c.store_path, "a = b");
}

Test(config, canonical_base_checks)
{
	struct sv_config c;
	struct sv_error err;

	cr_assert_eq(parse(&c, "canonical_base = ftp://x.no", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "canonical_base = fhir.samsvar.no", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "canonical_base = https://fhir.samsvar.no/", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "'/'"), "%s", err.message);
	cr_assert_eq(parse(&c, "canonical_base = https://x.kommune.no/fhir", &err), SV_OK);
	cr_assert_str_eq(c.canonical_base, "https://x.kommune.no/fhir");
}

Test(config, public_base_url_and_max_count)
{
	struct sv_config c;
	struct sv_error err;
	char url[300];

	sv_config_defaults(&c);
	cr_assert_str_eq(c.public_base_url, "", "default: where the server listens");
	cr_assert_eq(c.max_count, 500);
	sv_config_base_url(&c, 0, 8123, url, sizeof(url));
	cr_assert_str_eq(url, "http://127.0.0.1:8123/fhir");
	sv_config_base_url(&c, 1, 443, url, sizeof(url));
	cr_assert_str_eq(url, "https://127.0.0.1:443/fhir");
	cr_assert_eq(sv_config_set_listen(&c, "[::1]:0", &err), SV_OK);
	sv_config_base_url(&c, 0, 9000, url, sizeof(url));
	cr_assert_str_eq(url, "http://[::1]:9000/fhir");
	cr_assert_eq(parse(&c, "public_base_url = https://tx.example.no/fhir\nmax_count = 50", &err), SV_OK, "%s",
		     err.message);
	sv_config_base_url(&c, 0, 9000, url, sizeof(url));
	cr_assert_str_eq(url, "https://tx.example.no/fhir", "the public base wins over the listen address");
	cr_assert_eq(c.max_count, 50);
	cr_assert_eq(parse(&c, "public_base_url = tx.example.no/fhir", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "public_base_url = https://tx.example.no/fhir/", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "public_base_url = https://tx.example.no/fhir?x=1", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "public_base_url = https:///fhir", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "max_count = 0", &err), SV_ECONFIG);
}

Test(config, log_requests_only_true_false)
{
	struct sv_config c;
	struct sv_error err;

	cr_assert_eq(parse(&c, "log_requests = yes", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "log_requests = 1", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "log_requests = TRUE", &err), SV_ECONFIG);
}

Test(config, listen_parsing)
{
	struct sv_config c;
	struct sv_error err;

	sv_config_defaults(&c);
	cr_assert_eq(sv_config_set_listen(&c, "localhost:0", &err), SV_OK, "port 0 = any free port");
	cr_assert_str_eq(c.listen_host, "localhost");
	cr_assert_eq(c.listen_port, 0);
	/* only what serve can bind passes, so check-config and serve agree */
	cr_assert_eq(sv_config_set_listen(&c, "example.invalid:80", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "IPv4"), "%s", err.message);
	cr_assert_str_eq(c.listen_host, "localhost", "rejected values leave the last good one");
	/* IPv6 in brackets, as in a URL; kept without them */
	cr_assert_eq(sv_config_set_listen(&c, "[::1]:8443", &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(c.listen_host, "::1");
	cr_assert_eq(c.listen_port, 8443);
	cr_assert(sv_config_listen_is_ipv6(&c));
	cr_assert(sv_config_listen_is_loopback(&c));
	cr_assert_eq(sv_config_set_listen(&c, "::1:8443", &err), SV_ECONFIG, "IPv6 without brackets is ambiguous");
	cr_assert_eq(sv_config_set_listen(&c, "[::1]8443", &err), SV_ECONFIG);
	cr_assert_eq(sv_config_set_listen(&c, "[127.0.0.1]:80", &err), SV_ECONFIG, "brackets hold IPv6 only");
	cr_assert_eq(sv_config_set_listen(&c, "[nope]:80", &err), SV_ECONFIG);
	cr_assert_str_eq(c.listen_host, "::1", "rejected values leave the last good one");
	cr_assert_eq(sv_config_set_listen(&c, "10.0.0.1:65535", &err), SV_OK);
	cr_assert_eq(c.listen_port, 65535);

	cr_assert_eq(sv_config_set_listen(&c, "10.0.0.1:65536", &err), SV_ECONFIG);
	cr_assert_eq(sv_config_set_listen(&c, "10.0.0.1", &err), SV_ECONFIG);
	cr_assert_eq(sv_config_set_listen(&c, ":8080", &err), SV_ECONFIG);
	cr_assert_eq(sv_config_set_listen(&c, "10.0.0.1:", &err), SV_ECONFIG);
	cr_assert_eq(sv_config_set_listen(&c, "10.0.0.1:80a", &err), SV_ECONFIG);
	cr_assert_eq(sv_config_set_listen(&c, "10.0.0.1:-1", &err), SV_ECONFIG);
	cr_assert_str_eq(c.listen_host, "10.0.0.1", "rejected values leave the last good one");
	cr_assert_eq(c.listen_port, 65535);
}

Test(config, listen_host_too_long)
{
	struct sv_config c;
	struct sv_error err;
	char hp[200];

	sv_config_defaults(&c);
	snprintf(hp, sizeof(hp), "%0100d:80", 0);
	cr_assert_eq(sv_config_set_listen(&c, hp, &err), SV_ECONFIG);
	cr_assert_str_eq(c.listen_host, "127.0.0.1");
	snprintf(hp, sizeof(hp), "%063d:80", 0);
	cr_assert_eq(sv_config_set_listen(&c, hp, &err), SV_ECONFIG, "63 bytes fit, but are no IPv4 address");
	cr_assert(strstr(err.message, "IPv4"), "%s", err.message);
}

Test(config, line_without_equals)
{
	struct sv_config c;
	struct sv_error err;

	cr_assert_eq(parse(&c, "threads = 3\nthreads 4\n", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "test.conf:2:"), "%s", err.message);
	cr_assert(strstr(err.message, "key = value"), "%s", err.message);
}

Test(config, nul_byte_rejected)
{
	struct sv_config c;
	struct sv_error err;
	const char text[] = "threads = 3\nthreads = 4\0 # hidden\n";

	sv_config_defaults(&c);
	cr_assert_eq(sv_config_parse(&c, text, sizeof(text) - 1, "nul.conf", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "nul.conf:2:"), "%s", err.message);
	cr_assert(strstr(err.message, "NUL"), "%s", err.message);
}

Test(config, over_long_line_rejected)
{
	struct sv_config c;
	struct sv_error err;
	size_t n = 5000;
	char *text = malloc(n + 32);

	memcpy(text, "threads = 1\n# ", 14);
	memset(text + 14, 'x', n);
	memcpy(text + 14 + n, "\n", 2);
	sv_config_defaults(&c);
	cr_assert_eq(sv_config_parse(&c, text, strlen(text), "long.conf", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "long.conf:2:"), "%s", err.message);
	cr_assert(strstr(err.message, "longer than"), "%s", err.message);
	free(text);
}

Test(config, null_err_is_allowed)
{
	struct sv_config c;

	sv_config_defaults(&c);
	cr_assert_eq(sv_config_parse(&c, "nope = 1", 8, "x", NULL), SV_ECONFIG);
	cr_assert_eq(sv_config_set(&c, "threads", "0", NULL), SV_ECONFIG);
}

Test(config, response_cache_in_mib_with_bounds)
{
	struct sv_config c;
	struct sv_error err = {0};
	sv_config_defaults(&c);
	cr_assert_eq(c.response_cache_bytes, 64u * 1024 * 1024);
	cr_assert_eq(sv_config_set(&c, "response_cache", "0", &err), SV_OK);
	cr_assert_eq(c.response_cache_bytes, 0);
	cr_assert_eq(sv_config_set(&c, "response_cache", "16", &err), SV_OK);
	cr_assert_eq(c.response_cache_bytes, 16u * 1024 * 1024);
	cr_assert_eq(sv_config_set(&c, "response_cache", "4097", &err), SV_ECONFIG);
	cr_assert_eq(sv_config_set(&c, "response_cache", "-1", &err), SV_ECONFIG);
}

Test(config, transport_caps_have_defaults_and_bounds)
{
	struct sv_config c;
	struct sv_error err = {0};
	static const char text[] = "max_connections_per_ip = 8\nheader_timeout = 3\nmax_header_bytes = 2048\n"
				   "max_params = 50\nmax_body_nodes = 1000\n";

	sv_config_defaults(&c);
	cr_assert_eq(c.max_connections_per_ip, 64);
	cr_assert_eq(c.header_timeout_seconds, 10);
	cr_assert_eq(c.max_header_bytes, 8192);
	cr_assert_eq(c.max_params, 1000);
	cr_assert_eq(c.max_body_nodes, 200000);
	cr_assert_eq(sv_config_parse(&c, text, sizeof(text) - 1, "t.conf", &err), SV_OK, "%s", err.message);
	cr_assert_eq(c.max_connections_per_ip, 8);
	cr_assert_eq(c.header_timeout_seconds, 3);
	cr_assert_eq(c.max_header_bytes, 2048);
	cr_assert_eq(c.max_params, 50);
	cr_assert_eq(c.max_body_nodes, 1000);
	cr_assert_eq(sv_config_parse(&c, "header_timeout = 0\n", 19, "t.conf", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "t.conf:1"), "%s", err.message);
	cr_assert_eq(sv_config_parse(&c, "max_header_bytes = 10\n", 22, "t.conf", &err), SV_ECONFIG);
	cr_assert_eq(sv_config_parse(&c, "response_cache = 2\n", 19, "t.conf", &err), SV_OK);
	cr_assert_eq(c.response_cache_bytes, 2u * 1024 * 1024, "MiB in the file, bytes in the struct");
}

Test(config, auth_and_tls_keys)
{
	struct sv_config c;
	struct sv_error err;

	sv_config_defaults(&c);
	cr_assert_eq(c.auth, SV_AUTH_WRITES, "reads are open unless configured otherwise");
	cr_assert_str_eq(c.tls_cert, "");
	cr_assert_eq(parse(&c, "auth = all\ntls_cert = /etc/samsvar/cert.pem\ntls_key = /etc/samsvar/key.pem\n",
			   &err), SV_OK, "%s", err.message);
	cr_assert_eq(c.auth, SV_AUTH_ALL);
	cr_assert_str_eq(c.tls_cert, "/etc/samsvar/cert.pem");
	cr_assert_str_eq(c.tls_key, "/etc/samsvar/key.pem");
	cr_assert_eq(parse(&c, "auth = writes", &err), SV_OK);
	cr_assert_eq(c.auth, SV_AUTH_WRITES);
	cr_assert_eq(parse(&c, "auth = none", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "writes or all"), "%s", err.message);
	cr_assert_eq(parse(&c, "auth = ALL", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "tls_cert =", &err), SV_ECONFIG);
}

Test(config, listen_loopback)
{
	static const struct { const char *listen; int loopback; } cases[] = {
		{"127.0.0.1:80", 1}, {"127.0.0.2:80", 1}, {"localhost:80", 1}, {"0.0.0.0:80", 0},
		{"10.0.0.5:80", 0},
	};
	struct sv_config c;
	struct sv_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sv_config_defaults(&c);
		cr_assert_eq(sv_config_set_listen(&c, cases[i].listen, &err), SV_OK);
		cr_assert_eq(sv_config_listen_is_loopback(&c), cases[i].loopback, "%s", cases[i].listen);
	}
}

Test(config, gzip_and_cors_origins)
{
	struct sv_config c;
	struct sv_error err;
	static const char *const bad[] = {
		"cors_origins = app.example.org\n", "cors_origins = https://app.example.org/path\n",
		"cors_origins = https://*.example.org\n", "cors_origins = *, https://a.example\n",
		"cors_origins = https://\n", "cors_origins = ftp://a.example\n", "gzip = yes\n",
	};

	sv_config_defaults(&c);
	cr_assert_eq(c.gzip, 1, "gzip is on by default");
	cr_assert_str_eq(c.cors_origins, "", "CORS is off by default");
	cr_assert_eq(parse(&c, "gzip = false\ncors_origins = *\n", &err), SV_OK, "%s", err.message);
	cr_assert_eq(c.gzip, 0);
	cr_assert_str_eq(c.cors_origins, "*");
	cr_assert_eq(parse(&c, "cors_origins = https://app.example.org, http://localhost:3000\n", &err), SV_OK,
		     "%s", err.message);
	cr_assert_str_eq(c.cors_origins, "https://app.example.org, http://localhost:3000");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse(&c, bad[i], &err), SV_ECONFIG, "accepted: %s", bad[i]);
		cr_assert(strstr(err.message, "test.conf:1"), "%s", err.message);
	}
}

Test(config, message_keys_have_defaults_and_bounds)
{
	struct sv_config c;
	struct sv_error err;

	sv_config_defaults(&c);
	cr_assert_str_eq(c.receivers, "");
	cr_assert_eq(c.deliver_backoff_ms, 1000);
	cr_assert_eq(c.deliver_backoff_cap_ms, 300000);
	cr_assert_eq(c.deliver_max_attempts, 10);
	cr_assert_eq(c.deliver_parallel, 8);
	cr_assert_eq(parse(&c, "receivers = /etc/r.tsv\nown_name = Alvdal Kommune\nown_her_id = 99387\n"
			   "own_endpoint = https://k.example/fhir/$process-message\ndeliver_backoff_ms = 20\n"
			   "deliver_backoff_cap_ms = 50\ndeliver_max_attempts = 3\ndeliver_connect_timeout = 2\n"
			   "deliver_timeout = 5\ndeliver_parallel = 16\n", &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(c.receivers, "/etc/r.tsv");
	cr_assert_str_eq(c.own_name, "Alvdal Kommune");
	cr_assert_str_eq(c.own_her_id, "99387");
	cr_assert_eq(c.deliver_max_attempts, 3);
	cr_assert_eq(c.deliver_parallel, 16);
	cr_assert_eq(parse(&c, "own_her_id = HER99", &err), SV_ECONFIG);
	cr_assert(strstr(err.message, "HER-id"), "%s", err.message);
	cr_assert_eq(parse(&c, "own_endpoint = ftp://x", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "deliver_max_attempts = 0", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "deliver_parallel = 257", &err), SV_ECONFIG);
	cr_assert_eq(parse(&c, "deliver_backoff_ms = 0", &err), SV_ECONFIG);
}

Test(config, assess_criteria_and_casemix)
{
	struct sv_config c;
	struct sv_error err = {0};

	sv_config_defaults(&c);
	cr_assert_str_eq(c.assess_criteria, "", "no criteria by default: the relations map gives the activities");
	cr_assert_str_eq(c.assess_casemix, "");
	cr_assert_eq(sv_config_set(&c, "assess_criteria", "https://fhir.samsvar.no/Library/criteria-oyer-2010|0.1.0",
				   &err), SV_OK, "%s", err.message);
	cr_assert_str_eq(c.assess_criteria, "https://fhir.samsvar.no/Library/criteria-oyer-2010|0.1.0");
	cr_assert_eq(sv_config_set(&c, "assess_casemix", "https://fhir.samsvar.no/Library/casemix-default", &err), SV_OK);
	cr_assert_str_eq(c.assess_casemix, "https://fhir.samsvar.no/Library/casemix-default");
	cr_assert_str_eq(c.assess_criteria, "https://fhir.samsvar.no/Library/criteria-oyer-2010|0.1.0");
	cr_assert_eq(sv_config_set(&c, "assess_criteria", "criteria-oyer", &err), SV_ECONFIG);
	cr_assert_not_null(strstr(err.message, "assess_criteria"), "%s", err.message);
}
