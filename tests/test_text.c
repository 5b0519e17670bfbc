/* test_text.c — sv_trim() and sv_collapse_ws(). */
#include "samsvar/text.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

Test(text, trim)
{
	char a[] = " \t key = value \r\n", b[] = "", c[] = " \t ", d[] = "x";

	cr_assert_str_eq(sv_trim(a), "key = value");
	cr_assert_str_eq(sv_trim(b), "");
	cr_assert_str_eq(sv_trim(c), "");
	cr_assert_str_eq(sv_trim(d), "x");
}

Test(text, collapse_ws)
{
	char *s = sv_collapse_ws("\n  Washing \t\r\n body   parts \n");

	cr_assert_str_eq(s, "Washing body parts");
	free(s);
	s = sv_collapse_ws("   ");
	cr_assert_str_eq(s, "");
	free(s);
}
