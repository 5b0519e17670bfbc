/* compress.c — gzip through zlib, and Accept-Encoding negotiation (compress.h). */
#include "samsvar/compress.h"
#include "samsvar/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* The q-value of one list item ("gzip;q=0.5"), 1 when absent; -1 when malformed. */
static double qvalue(const char *params, size_t n)
{
	const char *q = NULL;
	char buf[16];
	size_t len;
	char *end;
	double v;

	for (size_t i = 0; i + 1 < n; i++)
		if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=' &&
		    (i == 0 || params[i - 1] == ';' || params[i - 1] == ' ' || params[i - 1] == '\t'))
			q = params + i + 2;
	if (!q)
		return 1;
	len = (size_t)(params + n - q);
	while (len && (q[len - 1] == ' ' || q[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, q, len);
	buf[len] = '\0';
	v = strtod(buf, &end);
	return *end || v < 0 || v > 1 ? -1 : v;
}

int sv_accepts_gzip(const char *ae)
{
	double gzip = -1, any = -1;

	while (ae && *ae) {
		size_t n = strcspn(ae, ","), t;
		const char *item = ae;
		ae += n + (ae[n] == ',');
		while (n && (*item == ' ' || *item == '\t')) {
			item++;
			n--;
		}
		t = strcspn(item, ";, \t");
		if (t > n)
			t = n;
		if ((t == 4 && strncasecmp(item, "gzip", 4) == 0) || (t == 6 && strncasecmp(item, "x-gzip", 6) == 0))
			gzip = qvalue(item + t, n - t);
		else if (t == 1 && item[0] == '*')
			any = qvalue(item + t, n - t);
	}
	return gzip > 0 || (gzip < 0 && any > 0);
}

char *sv_gzip(const char *in, size_t n, size_t *out_len)
{
	z_stream z;
	char *out;
	size_t cap;

	if (n > UINT32_MAX)
		return NULL;
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's; level 6 is zlib's default. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)n);
	out = sv_xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= n) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}
