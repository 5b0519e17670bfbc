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

Test(text, list_next_cuts_blanks_and_keeps_empty_items)
{
	const char *p = " a, b c ,,\td\t", *item;
	const char *want[] = {"a", "b c", "", "d"};
	size_t n, i = 0;

	while ((item = sv_list_next(&p, &n)) != NULL) {
		cr_assert_lt(i, 4);
		cr_assert_eq(n, strlen(want[i]), "item %zu", i);
		cr_assert(strncmp(item, want[i], n) == 0, "item %zu", i);
		i++;
	}
	cr_assert_eq(i, 4);
	p = "";
	cr_assert_null(sv_list_next(&p, &n));
}
