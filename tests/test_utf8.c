/* test_utf8.c — unit tests for utf8.c: RFC 3629 validation and escaping for log lines. */
#include <criterion/criterion.h>
#include <string.h>

#include "samsvar/utf8.h"

Test(utf8, valid_and_invalid_sequences)
{
	static const char *const good[] = {"", "ascii only, long enough for the 8-byte path", "\xc3\xb8",
					   "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf"};
	static const char *const bad[] = {"\xff", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xed\xa0\x80",
					  "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xc3", "\xe2\x82", "\x80",
					  "abcdefgh\xc3(", "\xf0\x9f\x98"};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert(sv_utf8_valid(good[i], strlen(good[i])), "good[%zu] refused", i);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(!sv_utf8_valid(bad[i], strlen(bad[i])), "bad[%zu] accepted", i);
	cr_assert_eq(sv_utf8_check("abcdefghij\xffk", 12), 10, "the offset of the first bad byte");
}

Test(utf8, log_escape_neutralises_control_and_invalid_bytes)
{
	char out[64];
	size_t n = sv_utf8_escape_log("a\r\nb\"\\\xff\xc3\xb8\x1b", 10, out, sizeof(out));

	cr_assert_str_eq(out, "a\\x0D\\x0Ab\\x22\\x5C\\xFF\xc3\xb8\\x1B");
	cr_assert_eq(n, strlen(out));
}

Test(utf8, log_escape_cuts_long_values_on_a_sequence_boundary)
{
	char in[100], out[16];
	for (int i = 0; i < 50; i++)
		memcpy(in + 2 * i, "\xc3\xb8", 2);
	sv_utf8_escape_log(in, sizeof(in), out, sizeof(out));
	cr_assert(sv_utf8_valid(out, strlen(out)), "%s", out);
	cr_assert(strlen(out) < sizeof(out));
	cr_assert(strstr(out, "..."), "%s", out);
}
