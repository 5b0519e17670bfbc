/* display.c — the display of a concept in a requested language
 * ($lookup, $expand and the validation engine share it, so they cannot disagree). */
#include "samsvar/display.h"
#include "samsvar/jsonutil.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int sv_lang_match(const char *tag, const char *want)
{
	size_t nt, nw;

	if (!tag || !want || !*tag || !*want)
		return 0;
	nt = strlen(tag);
	nw = strlen(want);
	if (nt == nw)
		return strcasecmp(tag, want) == 0 ? 3 : 0;
	if (nt < nw)
		return want[nt] == '-' && strncasecmp(tag, want, nt) == 0 ? 2 : 0;
	return tag[nw] == '-' && strncasecmp(tag, want, nw) == 0 ? 1 : 0;
}

const char *sv_display_in(const struct sv_codesystem *cs, const struct sv_concept *k, const char *lang)
{
	const char *best = k->display;
	int best_score;

	if (!lang || !*lang)
		return k->display;
	best_score = k->display ? sv_lang_match(sv_jstr(cs->resource, "language"), lang) : 0;
	for (uint32_t i = 0; i < k->ndesig; i++) {
		int score = sv_lang_match(k->desig[i].language, lang);
		if (score > best_score && *k->desig[i].value) {   /* one without a value names nothing */
			best = k->desig[i].value;
			best_score = score;
		}
	}
	return best;
}
