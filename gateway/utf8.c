/* utf8.c — UTF-8 validation (RFC 3629) and escaping for log lines. */
#include "samsvar/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid sequence starting at s[0] (at most `left` bytes available), or 0. */
static size_t seq_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return left >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		return left >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		return left >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 &&
		       (s[3] & 0xC0) == 0x80 ? 4 : 0;
	}
	return 0;
}

size_t sv_utf8_check(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k;
		/* ASCII runs, eight bytes at a time: most of what crosses the wire is ASCII. */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, p + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = seq_len(p + i, n - i);
		if (!k)
			return i;
		i += k;
	}
	return n;
}

int sv_utf8_valid(const char *s, size_t n)
{
	return sv_utf8_check(s, n) == n;
}

size_t sv_utf8_escape_log(const char *s, size_t n, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;

	if (cap == 0)
		return 0;
	while (i < n) {
		size_t k = p[i] >= 0x80 ? seq_len(p + i, n - i) : (p[i] >= 0x20 && p[i] < 0x7F &&
								   p[i] != '\\' && p[i] != '"');
		if (k == 0) {
			if (o + 4 >= cap)
				goto full;
			o += (size_t)snprintf(out + o, cap - o, "\\x%02X", p[i]);
			i++;
			continue;
		}
		if (o + k >= cap)
			goto full;
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	return o;
full:
	/* Leave room for the ellipsis without cutting a sequence: drop back to a sequence start
	 * (only over bytes written: out[o] itself is not, when nothing had to be dropped). */
	{
		size_t written = o;
		while (o > 0 && o + 4 > cap)
			o--;
		while (o > 0 && o < written && ((unsigned char)out[o] & 0xC0) == 0x80)
			o--;
	}
	if (o + 4 <= cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}
