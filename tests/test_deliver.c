/* test_deliver.c — the worker's backoff: doubling from the base, capped, with half of it random. */
#include "samsvar/deliver.h"

#include <criterion/criterion.h>

Test(deliver, backoff_doubles_up_to_the_cap_with_jitter)
{
	/* No randomness: half the step; all of it: the whole step. */
	cr_assert_eq(sv_deliver_backoff(100, 10000, 1, 0), 50);
	cr_assert_eq(sv_deliver_backoff(100, 10000, 1, 0xffffffffu), 100);
	cr_assert_eq(sv_deliver_backoff(100, 10000, 2, 0xffffffffu), 200);
	cr_assert_eq(sv_deliver_backoff(100, 10000, 4, 0xffffffffu), 800);
	cr_assert_eq(sv_deliver_backoff(100, 1000, 10, 0xffffffffu), 1000);
	cr_assert_eq(sv_deliver_backoff(100, 1000, 1000, 0), 500, "no overflow after many attempts");
	for (unsigned r = 0; r < 0xf0000000u; r += 0x10000001u) {
		long long d = sv_deliver_backoff(100, 10000, 3, r);
		cr_assert(d >= 200 && d <= 400, "%lld", d);
	}
}
