/* uuid.c — version 4 UUIDs from getrandom(2).
 *
 * Each thread keeps a block of random bytes and refills it with one getrandom() call when it runs
 * out, so an identifier costs no system call in the common case and no file is opened. */
#include "samsvar/uuid.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define POOL_BYTES 512 /* 32 UUIDs per refill */

struct pool {
	unsigned char b[POOL_BYTES];
	size_t used; /* bytes handed out; POOL_BYTES means empty */
};

static _Thread_local struct pool pool = { .used = POOL_BYTES };

/* Fills the pool; without an entropy source (getrandom fails, which Linux >= 3.17 does not) the
 * bytes come from a process-wide counter and the clock, unique though not unpredictable. */
static void refill(struct pool *p)
{
	size_t got = 0;

	while (got < sizeof(p->b)) {
		ssize_t r = getrandom(p->b + got, sizeof(p->b) - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < sizeof(p->b)) {
		static atomic_ulong counter;
		struct timespec ts;
		unsigned long c;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = got; i < sizeof(p->b); i += 16) {
			c = atomic_fetch_add(&counter, 1);
			for (size_t j = 0; j < 16 && i + j < sizeof(p->b); j++)
				p->b[i + j] = (unsigned char)(j < 8 ? c >> (8 * j) : (unsigned long)ts.tv_nsec >> (8 * (j - 8)));
		}
	}
	p->used = 0;
}

void sv_uuid_urn(char *out, size_t cap)
{
	unsigned char r[16];

	if (pool.used + sizeof(r) > sizeof(pool.b))
		refill(&pool);
	memcpy(r, pool.b + pool.used, sizeof(r));
	pool.used += sizeof(r);
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	{
		/* By hand rather than with snprintf: this runs for every $expand and $assess answer. */
		static const char hex[] = "0123456789abcdef";
		char text[SV_UUID_URN_SIZE] = "urn:uuid:";
		size_t o = 9;

		for (int i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				text[o++] = '-';
			text[o++] = hex[r[i] >> 4];
			text[o++] = hex[r[i] & 15];
		}
		text[o] = '\0';
		if (cap >= sizeof(text)) {
			memcpy(out, text, sizeof(text));
		} else if (cap) {
			memcpy(out, text, cap - 1);
			out[cap - 1] = '\0';
		}
	}
}
