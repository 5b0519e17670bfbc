/* text.c — white space in text read from files. */
#include "samsvar/text.h"
#include "samsvar/error.h"

#include <string.h>

/* The white space of text files: what isspace() gives in the C locale, named so no locale applies. */
static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *sv_trim(char *s)
{
	char *e;

	while (*s && is_ws((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_ws((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

char *sv_collapse_ws(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *r = sv_xmalloc(n + 1);
	int space = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (is_ws(c)) {
			space = o > 0;
			continue;
		}
		if (space)
			r[o++] = ' ';
		space = 0;
		r[o++] = (char)c;
	}
	r[o] = '\0';
	return r;
}

const char *sv_list_next(const char **p, size_t *n)
{
	const char *item = *p;
	size_t len;

	if (!item || !*item)
		return NULL;
	len = strcspn(item, ",");
	*p = item + len + (item[len] == ',');
	while (len && (*item == ' ' || *item == '\t')) {
		item++;
		len--;
	}
	while (len && (item[len - 1] == ' ' || item[len - 1] == '\t'))
		len--;
	*n = len;
	return item;
}
