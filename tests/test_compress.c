/* test_compress.c — Accept-Encoding negotiation and gzip answers that inflate to what was sent. */
#include "samsvar/compress.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

Test(compress, accept_encoding_takes_gzip_by_name_wildcard_and_q)
{
	static const struct { const char *ae; int want; } cases[] = {
		{NULL, 0}, {"", 0}, {"identity", 0}, {"br", 0}, {"gzip", 1}, {"GZIP", 1}, {"x-gzip", 1},
		{"deflate, gzip", 1}, {" gzip ;q=0.5", 1}, {"gzip;q=0", 0}, {"gzip; q=0.000", 0}, {"*", 1},
		{"*;q=0", 0}, {"gzip;q=0, *", 0}, {"br;q=1, *;q=0.1", 1}, {"gzipped", 0}, {"gzip;q=2", 0},
		{"gzip;q=abc", 0}, {"gzip;level=1", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(sv_accepts_gzip(cases[i].ae), cases[i].want, "'%s'", cases[i].ae ? cases[i].ae : "(null)");
}

Test(compress, gzip_inflates_to_the_input_and_refuses_to_grow)
{
	size_t n = 20000, zlen = 0;
	char *in = malloc(n), *z, *back = malloc(n + 1);
	z_stream s;

	for (size_t i = 0; i < n; i++)
		in[i] = "{\"code\":\"d510\",\"display\":\"Washing oneself\"},"[i % 44];
	z = sv_gzip(in, n, &zlen);
	cr_assert_not_null(z);
	cr_assert_lt(zlen, n / 10, "repetitive JSON shrinks: %zu", zlen);
	cr_assert_eq((unsigned char)z[0], 0x1f, "a gzip member");
	cr_assert_eq((unsigned char)z[1], 0x8b);
	memset(&s, 0, sizeof(s));
	cr_assert_eq(inflateInit2(&s, 15 + 16), Z_OK);
	s.next_in = (Bytef *)z;
	s.avail_in = (uInt)zlen;
	s.next_out = (Bytef *)back;
	s.avail_out = (uInt)(n + 1);
	cr_assert_eq(inflate(&s, Z_FINISH), Z_STREAM_END);
	cr_assert_eq(s.total_out, n);
	cr_assert(memcmp(in, back, n) == 0);
	inflateEnd(&s);
	free(z);
	/* random-looking bytes do not shrink: NULL, the caller sends them as they are */
	for (size_t i = 0; i < 64; i++)
		in[i] = (char)(i * 97 + 13);
	cr_assert_null(sv_gzip(in, 16, &zlen));
	free(in);
	free(back);
}
