/* criteria.c — parsing and evaluating allocation criteria files (criteria.h). */
#include "samsvar/criteria.h"
#include "samsvar/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GAP_NONE 1000   /* a condition that too few scored variables can ever meet */

static const char *const COLUMNS[] = {"rule", "service", "codes", "when", "requires", "confirm", "frequency",
				      "minutes", "hours_per_week", "section", "reading"};
enum { C_RULE, C_SERVICE, C_CODES, C_WHEN, C_REQUIRES, C_CONFIRM, C_FREQ, C_MIN, C_HOURS, C_SECTION,
       C_READING, NCOLS };

struct parse {
	struct sv_criteria *c;
	int cap;
};

static int is_id(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return 0;
	return n > 0 && n <= 64;
}

static int digits(const char *s, size_t n, int max)
{
	int v = 0;
	if (n == 0 || n > 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= max ? v : -1;
}

/* Splits `s` at ';' into trimmed items (s is modified); returns the count or -1 over `cap`. */
static int split(char *s, char **items, int cap)
{
	int n = 0;
	while (*s) {
		char *semi = strchr(s, ';');
		if (semi)
			*semi = '\0';
		if (n == cap)
			return -1;
		items[n++] = sv_trim(s);
		if (!semi)
			break;
		s = semi + 1;
	}
	return n;
}

/* "[N of ]V,V,...: lo[-hi]" */
static enum sv_err cond_parse(struct sv_rulefile *rf, char *s, struct sv_crit_cond *k)
{
	char *colon = strchr(s, ':'), *of = strstr(s, " of ");
	int lo, hi;

	if (!colon)
		return sv_rulefile_fail(rf, SV_EINVAL, "condition '%.60s' needs 'variables: scores', e.g. "
					"'2 of 6,7,9: 3-5'", s);
	*colon = '\0';
	k->atleast = 1;
	if (of && of < colon) {
		*of = '\0';
		k->atleast = digits(sv_trim(s), strlen(sv_trim(s)), SV_CRIT_NVARS);
		if (k->atleast < 1)
			return sv_rulefile_fail(rf, SV_EINVAL, "'%.20s of' needs a count 1-%d", s, SV_CRIT_NVARS);
		s = of + 4;
	}
	k->nvars = sv_rulefile_variables(sv_trim(s), k->vars, SV_CRIT_NVARS);
	if (k->nvars < 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "'%.60s' is not a list of IPLOS variables 1-20, each once",
					sv_trim(s));
	if (k->atleast > k->nvars)
		return sv_rulefile_fail(rf, SV_EINVAL, "at least %d of %d variables can never hold", k->atleast,
					k->nvars);
	if (!sv_rulefile_score_range(sv_trim(colon + 1), &lo, &hi))
		return sv_rulefile_fail(rf, SV_EINVAL, "'%.20s' is not a score or range of scores 1-5 (e.g. 3-4)",
					sv_trim(colon + 1));
	k->lo = lo;
	k->hi = hi;
	return SV_OK;
}

/* "N/u" or "N/Pu", u = d, wk, mo */
static int freq_parse(const char *s, struct sv_crit_rule *r)
{
	const char *slash = strchr(s, '/'), *u;
	size_t np = 0;

	if (!slash || (r->freq = digits(s, (size_t)(slash - s), 99)) < 0)
		return 0;
	u = slash + 1;
	while (u[np] >= '0' && u[np] <= '9')
		np++;
	r->period = np ? digits(u, np, 99) : 1;
	u += np;
	if (r->period < 1 || !(strcmp(u, "d") == 0 || strcmp(u, "wk") == 0 || strcmp(u, "mo") == 0))
		return 0;
	snprintf(r->unit, sizeof(r->unit), "%s", u);
	return 1;
}

static enum sv_err codes_parse(struct sv_rulefile *rf, char *s, struct sv_crit_rule *r)
{
	char *items[SV_CRIT_MAX_LIST];
	int n = *s ? split(s, items, SV_CRIT_MAX_LIST) : 0;

	if (n < 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "more than %d codes", SV_CRIT_MAX_LIST);
	for (int i = 0; i < n; i++) {
		char *bar = strchr(items[i], '|');
		if (!bar || bar == items[i] || !bar[1] || !strchr(items[i], ':') || strchr(bar + 1, '|') ||
		    strpbrk(items[i], " "))
			return sv_rulefile_fail(rf, SV_EINVAL, "code '%.60s' is not system|code", items[i]);
		if (strncmp(items[i], "urn:oid:2.16.578.1.12.4.1.1.9151|", 33) == 0)
			return sv_rulefile_fail(rf, SV_EINVAL, "the 9151 service goes in the service column");
		r->code_system[r->ncodes] = sv_xstrndup(items[i], (size_t)(bar - items[i]));
		r->code[r->ncodes++] = sv_xstrdup(bar + 1);
	}
	return SV_OK;
}

static enum sv_err requires_parse(struct sv_rulefile *rf, const struct sv_criteria *c, const char *s,
				  struct sv_crit_rule *r)
{
	const char *item;
	size_t n;

	while ((item = sv_list_next(&s, &n)) != NULL) {
		int k = 0;
		if (r->nrequires == SV_CRIT_MAX_LIST)
			return sv_rulefile_fail(rf, SV_EINVAL, "more than %d required rules", SV_CRIT_MAX_LIST);
		while (k < c->nrules && !(strlen(c->rules[k].id) == n && strncmp(c->rules[k].id, item, n) == 0))
			k++;
		if (k == c->nrules)
			return sv_rulefile_fail(rf, SV_EINVAL, "requires '%.*s', which is not a rule above this one",
						(int)(n > 60 ? 60 : n), item);
		r->requires[r->nrequires++] = k;
	}
	return SV_OK;
}

static enum sv_err timing_parse(struct sv_rulefile *rf, char **cells, struct sv_crit_rule *r)
{
	char *end;

	if (*cells[C_FREQ] && !freq_parse(cells[C_FREQ], r))
		return sv_rulefile_fail(rf, SV_EINVAL, "frequency '%.30s' is not N/d, N/wk, N/mo or N/Pwk (e.g. "
					"1/2wk: once every two weeks)", cells[C_FREQ]);
	if (*cells[C_MIN] && (r->minutes = digits(cells[C_MIN], strlen(cells[C_MIN]), 1440)) < 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "minutes '%.30s' is not a whole number 1-1440", cells[C_MIN]);
	if (r->minutes && !r->freq)
		return sv_rulefile_fail(rf, SV_EINVAL, "minutes per occurrence without a frequency");
	if (strcmp(cells[C_HOURS], "casemix") == 0) {
		r->hours_casemix = 1;
	} else if (*cells[C_HOURS]) {
		r->hours = strtod(cells[C_HOURS], &end);
		if (*end || !(r->hours > 0 && r->hours <= 168))
			return sv_rulefile_fail(rf, SV_EINVAL, "hours_per_week '%.30s' is not a number 0-168 or "
						"'casemix'", cells[C_HOURS]);
	}
	return SV_OK;
}

static void rule_release(struct sv_crit_rule *r)
{
	free(r->id);
	free(r->service);
	for (int i = 0; i < r->ncodes; i++) {
		free(r->code_system[i]);
		free(r->code[i]);
	}
	for (int i = 0; i < r->nconfirm; i++)
		free(r->confirm[i]);
	free(r->section);
	free(r->reading);
}

static enum sv_err on_rule(void *ctx, struct sv_rulefile *rf, char **cells)
{
	struct parse *p = ctx;
	struct sv_criteria *c = p->c;
	struct sv_crit_rule r;
	char *items[SV_CRIT_MAX_CONDS + 1];
	int n;
	enum sv_err rc;

	memset(&r, 0, sizeof(r));
	r.line = rf->line;
	if (!is_id(cells[C_RULE]))
		return sv_rulefile_fail(rf, SV_EINVAL, "rule id '%.60s' must be 1-64 of a-z, 0-9 and '-'", cells[C_RULE]);
	for (int i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].id, cells[C_RULE]) == 0)
			return sv_rulefile_fail(rf, SV_EINVAL, "rule %s is defined twice (first on line %d)",
						cells[C_RULE], c->rules[i].line);
	if (c->nrules == SV_CRIT_MAX_RULES)
		return sv_rulefile_fail(rf, SV_ETOOBIG, "more than %d rules", SV_CRIT_MAX_RULES);
	if (digits(cells[C_SERVICE], strlen(cells[C_SERVICE]), 99) < 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "service '%.30s' is not an IPLOS service type (Volven 9151 "
					"code)", cells[C_SERVICE]);
	if (!*cells[C_SECTION])
		return sv_rulefile_fail(rf, SV_EINVAL, "rule %s has no section: every rule names where the source "
					"document says it", cells[C_RULE]);
	if (!*cells[C_WHEN] && !*cells[C_REQUIRES])
		return sv_rulefile_fail(rf, SV_EINVAL, "rule %s has neither conditions (when) nor required rules",
					cells[C_RULE]);
	r.id = sv_xstrdup(cells[C_RULE]);
	r.service = sv_xstrdup(cells[C_SERVICE]);
	r.section = sv_xstrdup(cells[C_SECTION]);
	r.reading = *cells[C_READING] ? sv_xstrdup(cells[C_READING]) : NULL;
	if ((rc = codes_parse(rf, cells[C_CODES], &r)) != SV_OK)
		goto out;
	n = *cells[C_WHEN] ? split(cells[C_WHEN], items, SV_CRIT_MAX_CONDS) : 0;
	if (n < 0) {
		rc = sv_rulefile_fail(rf, SV_EINVAL, "more than %d conditions", SV_CRIT_MAX_CONDS);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if ((rc = cond_parse(rf, items[i], &r.conds[r.nconds++])) != SV_OK)
			goto out;
	if ((rc = requires_parse(rf, c, cells[C_REQUIRES], &r)) != SV_OK)
		goto out;
	n = *cells[C_CONFIRM] ? split(cells[C_CONFIRM], items, SV_CRIT_MAX_LIST) : 0;
	if (n < 0) {
		rc = sv_rulefile_fail(rf, SV_EINVAL, "more than %d texts to confirm", SV_CRIT_MAX_LIST);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!*items[i]) {
			rc = sv_rulefile_fail(rf, SV_EINVAL, "an empty text to confirm");
			goto out;
		}
		r.confirm[r.nconfirm++] = sv_xstrdup(items[i]);
	}
	if ((rc = timing_parse(rf, cells, &r)) != SV_OK)
		goto out;
	if (c->nrules == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		c->rules = sv_xrealloc(c->rules, (size_t)p->cap * sizeof(*c->rules));
	}
	c->rules[c->nrules++] = r;
	return SV_OK;
out:
	rule_release(&r);
	return rc;
}

enum sv_err sv_criteria_parse(const char *file, const char *text, size_t len, struct sv_criteria **out,
			      struct sv_error *err)
{
	struct parse p = {sv_xcalloc(1, sizeof(struct sv_criteria)), 0};
	struct sv_rulefile rf = {file, sv_rulefile_lines(text, len), err};
	enum sv_err rc;

	*out = NULL;
	rc = sv_rulefile_parse(file, text, len, "criteria", COLUMNS, NCOLS, on_rule, &p, &p.c->meta, err);
	if (rc == SV_OK && p.c->nrules == 0)
		rc = sv_rulefile_fail(&rf, SV_EINVAL, "the file has no rules");
	if (rc != SV_OK) {
		sv_criteria_free(p.c);
		return rc;
	}
	*out = p.c;
	return SV_OK;
}

void sv_criteria_free(struct sv_criteria *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nrules; i++)
		rule_release(&c->rules[i]);
	free(c->rules);
	sv_rulefile_meta_release(&c->meta);
	free(c);
}

static int scored(unsigned char s)
{
	return s >= 1 && s <= 5;
}

int sv_criteria_cond_met(const struct sv_crit_cond *k, const unsigned char scores[SV_CRIT_NVARS + 1],
			 unsigned char *met, int *nmet)
{
	*nmet = 0;
	for (int i = 0; i < k->nvars; i++) {
		unsigned char s = scores[k->vars[i]];
		if (scored(s) && s >= k->lo && s <= k->hi)
			met[(*nmet)++] = k->vars[i];
	}
	return *nmet >= k->atleast;
}

int sv_criteria_cond_gap(const struct sv_crit_cond *k, const unsigned char scores[SV_CRIT_NVARS + 1],
			 int *nearest)
{
	int dist[SV_CRIT_NVARS], nd = 0, in = 0, gap = 0, best = GAP_NONE;

	*nearest = 0;
	for (int i = 0; i < k->nvars; i++) {
		int s = scores[k->vars[i]], d;
		if (!scored((unsigned char)s))
			continue;
		d = s < k->lo ? k->lo - s : s > k->hi ? s - k->hi : 0;
		if (d == 0) {
			in++;
			continue;
		}
		dist[nd++] = d;
		if (d < best) {
			best = d;
			*nearest = k->vars[i];
		}
	}
	if (in >= k->atleast)
		return 0;
	if (in + nd < k->atleast)
		return GAP_NONE;
	/* the smallest distances of the variables still needed (insertion sort: at most 20) */
	for (int i = 1; i < nd; i++)
		for (int j = i; j > 0 && dist[j] < dist[j - 1]; j--) {
			int t = dist[j];
			dist[j] = dist[j - 1];
			dist[j - 1] = t;
		}
	for (int i = 0; i < k->atleast - in; i++)
		gap += dist[i];
	return gap;
}

void sv_criteria_eval(const struct sv_criteria *c, const unsigned char scores[SV_CRIT_NVARS + 1],
		      struct sv_crit_result *res)
{
	unsigned char met[SV_CRIT_NVARS];

	for (int i = 0; i < c->nrules; i++) {
		const struct sv_crit_rule *r = &c->rules[i];
		int req = r->nrequires == 0, gap = 0, nmet, nearest;
		for (int k = 0; k < r->nrequires; k++)
			req |= res[r->requires[k]].matched;
		for (int k = 0; k < r->nconds; k++)
			if (!sv_criteria_cond_met(&r->conds[k], scores, met, &nmet))
				gap += sv_criteria_cond_gap(&r->conds[k], scores, &nearest);
		res[i].matched = (unsigned char)(req && gap == 0);
		res[i].close = (unsigned char)(req && gap == 1);
	}
}
