/* validate_display.c — the display check of $validate-code (validate.h): which displays of a concept
 * answer the languages a request asks for, and the issue that names them when the client's is not one.
 * The wording follows the FHIR validator's messages, which HL7's cases check by fragment. */
#include "samsvar/display.h"
#include "samsvar/jsonutil.h"
#include "samsvar/text.h"
#include "validate_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Compares two displays with white space trimmed and inner runs folded to one space. */
static int same_but_whitespace(const char *a, const char *b)
{
	char *ca = sv_collapse_ws(a), *cb = sv_collapse_ws(b);
	int same = strcmp(ca, cb) == 0;

	free(ca);
	free(cb);
	return same;
}

/* Most languages one displayLanguage may list (the rest are ignored: the check stays linear). */
#define MAX_LANGS 8

/* The request's languages: displayLanguage split at commas, q-values and blanks dropped. */
struct langs {
	char tags[MAX_LANGS][36];
	int n;
};

static void langs_parse(const char *list, struct langs *l)
{
	const char *p = list, *item;
	size_t n;

	l->n = 0;
	while (p && l->n < MAX_LANGS && (item = sv_list_next(&p, &n)) != NULL) {
		size_t len = strcspn(item, ";");   /* "en;q=0.4": the tag without its weight */
		if (len > n)
			len = n;
		while (len && (item[len - 1] == ' ' || item[len - 1] == '\t'))
			len--;
		if (len && len < sizeof(l->tags[0])) {
			memcpy(l->tags[l->n], item, len);
			l->tags[l->n++][len] = '\0';
		}
	}
}

int sv_vc_languages_valid(const char *list)
{
	const char *p = list, *item;
	size_t n;
	int any = 0;

	while (p && (item = sv_list_next(&p, &n)) != NULL) {
		size_t len = strcspn(item, ";"), seg = 0;
		if (len > n)
			len = n;
		while (len && (item[len - 1] == ' ' || item[len - 1] == '\t'))
			len--;
		any = 1;
		if (len == 1 && item[0] == '*')
			continue;
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)item[i];
			if (ch == '-') {
				if (seg == 0)
					return 0;
				seg = 0;
			} else if (((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') || (i > 0 && ch >= '0' && ch <= '9')) {
				if (++seg > 8)
					return 0;
			} else {
				return 0;
			}
		}
		if (seg == 0)
			return 0;
	}
	return !list || any;
}

/* Whether a display in language `tag` (NULL: a code system that names none) answers the request. */
static int lang_ok(const struct langs *l, const char *tag)
{
	if (l->n == 0 || !tag)
		return 1;
	for (int i = 0; i < l->n; i++)
		if (sv_lang_match(tag, l->tags[i]) > 0)
			return 1;
	return 0;
}

/* The displays a concept has: its display (in the code system's language) and its designations. */
struct cand {
	const char *value, *lang;
	const char *status;   /* a designation's standards-status: no longer a correct display */
};

static size_t concept_candidates(const struct sv_codesystem *cs, const struct sv_concept *k, struct cand *c,
				 size_t n, size_t cap)
{
	const char *cslang = sv_jstr(cs->resource, "language");

	if (k->display && n < cap)
		c[n++] = (struct cand){k->display, cslang, NULL};
	for (uint32_t i = 0; i < k->ndesig && n < cap; i++) {
		const struct sv_designation *d = &k->desig[i];
		/* A designation for a special use (an "olde-english" rendering...) that names no language is
		 * not a display in any language a client asks for: not offered (HL7's batch-validate-bad). */
		if (!*d->value)
			continue;   /* a designation without a value names nothing */
		if (d->language || !(d->use_system || d->use_code || (d->json && cJSON_GetObjectItemCaseSensitive(d->json, "use"))))
			c[n++] = (struct cand){d->value, d->language ? d->language : cslang,
					       d->json ? sv_vc_standards_status(d->json) : NULL};
	}
	return n;
}

/* The displays of concept `k` of `cs`, then those the request's supplements of `cs` give it. */
static size_t candidates(const struct sv_vc_request *rq, const struct sv_codesystem *cs, const struct sv_concept *k,
			 struct cand *c, size_t cap)
{
	size_t n = concept_candidates(cs, k, c, 0, cap);

	for (size_t i = 0; rq && i < rq->nsupplements; i++) {
		const char *of = sv_jstr(rq->supplements[i]->resource, "supplements");
		const struct sv_concept *sk;
		if (!of || strncmp(of, cs->url, strlen(cs->url)) != 0 || (of[strlen(cs->url)] && of[strlen(cs->url)] != '|'))
			continue;
		if ((sk = sv_codesystem_concept(rq->supplements[i], k->code)) != NULL)
			n = concept_candidates(rq->supplements[i], sk, c, n, cap);
	}
	return n;
}

/* Writes "'a' (en)" or "one of 2 choices: 'a' (en) or 'b' (de)" for the displays flagged in `ok`. */
static void choices(const struct cand *c, const int *ok, size_t n, char *buf, size_t cap)
{
	size_t count = 0, seen = 0, len = 0;

	for (size_t i = 0; i < n; i++)
		count += ok[i] ? 1 : 0;
	buf[0] = '\0';
	if (count > 1)
		len = (size_t)snprintf(buf, cap, "one of %zu choices: ", count);
	for (size_t i = 0; i < n && len < cap; i++) {
		if (!ok[i])
			continue;
		len += (size_t)snprintf(buf + len, cap - len, "%s'%s'%s%s%s", seen == 0 ? "" : seen + 1 == count ? " or " : ", ",
					c[i].value, c[i].lang ? " (" : "", c[i].lang ? c[i].lang : "", c[i].lang ? ")" : "");
		seen++;
	}
}

void sv_vc_check_display(const struct sv_vc_request *rq, const struct sv_vc_coding *c, const struct sv_vc_paths *p,
			  const struct sv_codesystem *cs, const struct sv_concept *k, struct sv_vc_result *r,
			  struct sv_vc_outcome *o)
{
	const char *shown = rq->display_language && *rq->display_language ? rq->display_language : "--";
	enum sv_vc_severity sev = rq->lenient_display ? SV_VC_WARNING : SV_VC_ERROR;
	struct cand cand[32];
	int ok[32], any_ok = 0, exact = 0, anywhere = 0, space = 0;
	const struct cand *retired = NULL;
	struct langs l;
	char list[1200];
	size_t n;

	if (!c->display)
		return;
	langs_parse(rq->display_language, &l);
	n = candidates(rq, cs, k, cand, 32);
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		ok[i] = !cand[i].status && lang_ok(&l, cand[i].lang);
		any_ok |= ok[i];
		exact |= ok[i] && strcmp(cand[i].value, c->display) == 0;
		space |= ok[i] && same_but_whitespace(cand[i].value, c->display);
		anywhere |= !cand[i].status && strcmp(cand[i].value, c->display) == 0;
		if (cand[i].status && strcmp(cand[i].value, c->display) == 0)
			retired = &cand[i];
	}
	if (exact)
		return;
	if (retired) {
		size_t len = 0;
		list[0] = '\0';
		for (size_t i = 0; i < n && len < sizeof(list); i++)
			if (ok[i])
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s\"%s\"", len ? ", " : "",
							cand[i].value);
		sv_vc_add_issue(r, SV_VC_WARNING, "invalid", "display-comment", "INACTIVE_DISPLAY_FOUND", p, "display", "'%s' is no longer "
				"considered a correct display for code '%s' (status = %s). The correct display is one of "
				"%s.", c->display, k->code, retired->status, list)->in_message = 0;
		return;
	}
	if (!any_ok && anywhere) {
		sv_vc_add_issue(r, SV_VC_INFORMATION, "invalid", "invalid-display", "NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_OK", p, "display", "There are no valid display "
			  "names found for the code %s#%s for language(s) '%s'. The display is '%s' which is a valid "
			  "display for the default language", cs->url, k->code, shown, c->display);
		return;
	}
	if (!any_ok)
		sv_vc_add_issue(r, sev, "invalid", "invalid-display", "NO_VALID_DISPLAY_FOUND_NONE_FOR_LANG_ERR", p, "display", "Wrong Display Name '%s' for %s#%s. There "
			  "are no valid display names found for language(s) '%s'. Default display is '%s'", c->display,
			  cs->url, k->code, shown, k->display ? k->display : cand[0].value);
	else {
		choices(cand, ok, n, list, sizeof(list));
		sv_vc_add_issue(r, sev, "invalid", "invalid-display", "Display_Name_for__should_be_one_of__instead_of", p, "display", "Wrong %sDisplay Name '%s' for %s#%s. Valid "
			  "display is %s (for the language(s) '%s')", space ? "whitespace in " : "", c->display, cs->url,
			  k->code, list, shown);
	}
	if (sev == SV_VC_ERROR)
		o->cs_ok = 0;
}

const char *sv_vc_display_for(const struct sv_vc_request *rq, const struct sv_codesystem *cs,
			      const struct sv_concept *k, const char *list)
{
	struct cand cand[32];
	struct langs l;
	size_t n;

	langs_parse(list, &l);
	n = candidates(rq, cs, k, cand, 32);
	/* The best match of the first language any display answers (sv_lang_match(); the first of equal
	 * ones, so the concept's own display before its designations, before a supplement's). */
	for (int t = 0; t < l.n; t++) {
		const char *best = NULL;
		int score = 0;
		for (size_t i = 0; i < n; i++) {
			int sc = cand[i].status ? 0 : sv_lang_match(cand[i].lang, l.tags[t]);
			if (sc > score) {
				best = cand[i].value;
				score = sc;
			}
		}
		if (best)
			return best;
	}
	return k->display;
}

