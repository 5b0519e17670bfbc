/* canonical.c — "{base}" replaced by the configured canonical base, for content files and data files. */
#include "samsvar/canonical.h"
#include "samsvar/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char TOKEN[] = "{base}";
#define TOKEN_LEN (sizeof(TOKEN) - 1)

char *sv_base_subst(const char *s, const char *base)
{
	size_t bl = strlen(base), n = 0;
	char *out, *o;

	for (const char *p = strstr(s, TOKEN); p; p = strstr(p + TOKEN_LEN, TOKEN))
		n++;
	out = sv_xmalloc(strlen(s) + n * (bl > TOKEN_LEN ? bl - TOKEN_LEN : 0) + 1);
	o = out;
	for (const char *p; (p = strstr(s, TOKEN)); s = p + TOKEN_LEN) {
		memcpy(o, s, (size_t)(p - s));
		o += p - s;
		memcpy(o, base, bl);
		o += bl;
	}
	memcpy(o, s, strlen(s) + 1);
	return out;
}

void sv_base_subst_json(cJSON *j, const char *base)
{
	cJSON *c;

	if (cJSON_IsString(j) && strstr(j->valuestring, TOKEN)) {
		/* cJSON allocates with malloc (no hooks are installed), so its string can be swapped. */
		char *s = sv_base_subst(j->valuestring, base);
		free(j->valuestring);
		j->valuestring = s;
		return;
	}
	cJSON_ArrayForEach(c, j)
		sv_base_subst_json(c, base);
}

const char *sv_canonical_split(const char *canonical, char *buf, size_t cap, int *fits)
{
	int n = snprintf(buf, cap, "%s", canonical);
	char *bar = strchr(buf, '|');

	if (fits)
		*fits = n >= 0 && (size_t)n < cap;
	if (!bar)
		return NULL;
	*bar = '\0';
	return bar + 1;
}
