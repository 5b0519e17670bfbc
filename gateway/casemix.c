/* casemix.c — parsing and applying case-mix tables (casemix.h). */
#include "samsvar/casemix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const COLUMNS[] = {"entry", "name", "value", "note"};
enum { C_ENTRY, C_NAME, C_VALUE, C_NOTE, NCOLS };

struct parse {
	struct sv_casemix *m;
	unsigned char *given;   /* per combination: an hours row was seen */
	int hours_line;
};

static int dim_of(const struct sv_casemix *m, const char *name, size_t n)
{
	for (int d = 0; d < m->ndims; d++)
		if (strlen(m->dims[d].name) == n && strncmp(m->dims[d].name, name, n) == 0)
			return d;
	return -1;
}

static int name_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') ||
		      s[n] == '-' || s[n] == '_'))
			return 0;
	return n > 0 && n <= 24;
}

static int number(const char *s, double *v)
{
	char *end;
	if (!*s)
		return 0;
	*v = strtod(s, &end);
	return *end == '\0' && isfinite(*v);
}

static enum sv_err on_dimension(struct parse *p, struct sv_rulefile *rf, char **cells)
{
	struct sv_casemix *m = p->m;
	struct sv_casemix_dim *d;

	if (!name_ok(cells[C_NAME]))
		return sv_rulefile_fail(rf, SV_EINVAL, "dimension name '%.40s' must be 1-24 letters, digits, '-' "
					"or '_'", cells[C_NAME]);
	if (dim_of(m, cells[C_NAME], strlen(cells[C_NAME])) >= 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "dimension %s is given twice", cells[C_NAME]);
	if (m->ndims == SV_CASEMIX_MAX_DIMS)
		return sv_rulefile_fail(rf, SV_ETOOBIG, "more than %d dimensions", SV_CASEMIX_MAX_DIMS);
	d = &m->dims[m->ndims];
	if ((d->nvars = sv_rulefile_variables(cells[C_VALUE], d->vars, 20)) < 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "'%.60s' is not a list of IPLOS variables 1-20, each once",
					cells[C_VALUE]);
	for (int k = 0; k < m->ndims; k++)
		for (int i = 0; i < m->dims[k].nvars; i++)
			for (int j = 0; j < d->nvars; j++)
				if (m->dims[k].vars[i] == d->vars[j])
					return sv_rulefile_fail(rf, SV_EINVAL, "variable %d is already in dimension %s",
								d->vars[j], m->dims[k].name);
	d->name = sv_xstrdup(cells[C_NAME]);
	m->ndims++;
	return SV_OK;
}

/* "dim:ID" with range "lo-hi": contiguous with the group above, starting at 1 */
static enum sv_err on_group(struct parse *p, struct sv_rulefile *rf, char **cells)
{
	char *colon = strchr(cells[C_NAME], ':'), *dash = strchr(cells[C_VALUE], '-');
	struct sv_casemix_dim *d;
	struct sv_casemix_group *g;
	double lo, hi;
	int k;

	if (!colon || (k = dim_of(p->m, cells[C_NAME], (size_t)(colon - cells[C_NAME]))) < 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "group '%.40s' must be dimension:ID of a dimension above",
					cells[C_NAME]);
	d = &p->m->dims[k];
	if (!name_ok(colon + 1))
		return sv_rulefile_fail(rf, SV_EINVAL, "group id '%.40s' must be 1-24 letters, digits, '-' or '_'",
					colon + 1);
	for (int i = 0; i < d->ngroups; i++)
		if (strcmp(d->groups[i].id, colon + 1) == 0)
			return sv_rulefile_fail(rf, SV_EINVAL, "group %s is given twice", cells[C_NAME]);
	if (!dash)
		return sv_rulefile_fail(rf, SV_EINVAL, "group range '%.40s' must be lo-hi (mean scores 1-5)",
					cells[C_VALUE]);
	*dash = '\0';
	if (!number(cells[C_VALUE], &lo) || !number(dash + 1, &hi) || lo < 1 || hi > 5 || lo >= hi)
		return sv_rulefile_fail(rf, SV_EINVAL, "group range must be lo-hi with 1 <= lo < hi <= 5");
	if (fabs(lo - (d->ngroups ? d->groups[d->ngroups - 1].hi : 1.0)) > 1e-9)
		return sv_rulefile_fail(rf, SV_EINVAL, "group %s starts at %g; it must start where the group "
					"above ends (%g)", cells[C_NAME], lo, d->ngroups ? d->groups[d->ngroups - 1].hi : 1.0);
	if (d->ngroups == SV_CASEMIX_MAX_GROUPS)
		return sv_rulefile_fail(rf, SV_ETOOBIG, "more than %d groups in dimension %s", SV_CASEMIX_MAX_GROUPS,
					d->name);
	g = &d->groups[d->ngroups++];
	g->id = sv_xstrdup(colon + 1);
	g->lo = lo;
	g->hi = hi;
	return SV_OK;
}

/* The combination index of "G1+G2+..." (one group per dimension, in order), or -1. */
static int combo_of(const struct sv_casemix *m, const char *s)
{
	int idx = 0;

	for (int d = 0; d < m->ndims; d++) {
		size_t n = strcspn(s, "+");
		int g = 0;
		while (g < m->dims[d].ngroups && !(strlen(m->dims[d].groups[g].id) == n &&
						   strncmp(m->dims[d].groups[g].id, s, n) == 0))
			g++;
		if (g == m->dims[d].ngroups || (d + 1 < m->ndims) != (s[n] == '+'))
			return -1;
		idx = idx * m->dims[d].ngroups + g;
		s += n + (s[n] == '+');
	}
	return *s ? -1 : idx;
}

static enum sv_err on_hours(struct parse *p, struct sv_rulefile *rf, char **cells)
{
	struct sv_casemix *m = p->m;
	double h;
	int c;

	if (!m->hours) {
		m->ncombos = 1;
		for (int d = 0; d < m->ndims; d++) {
			if (m->dims[d].ngroups == 0)
				return sv_rulefile_fail(rf, SV_EINVAL, "dimension %s has no groups above the hours",
							m->dims[d].name);
			if (fabs(m->dims[d].groups[m->dims[d].ngroups - 1].hi - 5) > 1e-9)
				return sv_rulefile_fail(rf, SV_EINVAL, "the last group of dimension %s must end at 5",
							m->dims[d].name);
			m->ncombos *= m->dims[d].ngroups;
		}
		if (m->ndims == 0)
			return sv_rulefile_fail(rf, SV_EINVAL, "hours before any dimension");
		m->hours = sv_xcalloc((size_t)m->ncombos, sizeof(*m->hours));
		p->given = sv_xcalloc((size_t)m->ncombos, 1);
		p->hours_line = rf->line;
	}
	if ((c = combo_of(m, cells[C_NAME])) < 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "'%.60s' is not one group per dimension joined with '+' (in "
					"the order of the dimensions)", cells[C_NAME]);
	if (p->given[c])
		return sv_rulefile_fail(rf, SV_EINVAL, "hours for %s are given twice", cells[C_NAME]);
	if (!number(cells[C_VALUE], &h) || h < 0 || h > 168)
		return sv_rulefile_fail(rf, SV_EINVAL, "hours '%.30s' must be a number 0-168 (per week)",
					cells[C_VALUE]);
	p->given[c] = 1;
	m->hours[c] = h;
	return SV_OK;
}

static enum sv_err on_entry(void *ctx, struct sv_rulefile *rf, char **cells)
{
	struct parse *p = ctx;
	const char *e = cells[C_ENTRY];
	size_t n;
	double pct;

	if ((strcmp(e, "dimension") == 0 || strcmp(e, "group") == 0) && p->m->hours)
		return sv_rulefile_fail(rf, SV_EINVAL, "%s after the hours rows: dimensions and groups come first", e);
	if (strcmp(e, "dimension") == 0)
		return on_dimension(p, rf, cells);
	if (strcmp(e, "group") == 0)
		return on_group(p, rf, cells);
	if (strcmp(e, "hours") == 0)
		return on_hours(p, rf, cells);
	if (strcmp(e, "adjust") != 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "unknown entry '%.30s' (dimension, group, hours, adjust)", e);
	if (strcmp(cells[C_NAME], "living-alone") != 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "unknown adjustment '%.30s' (the one known is living-alone)",
					cells[C_NAME]);
	n = strlen(cells[C_VALUE]);
	if (p->m->living_alone != 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "adjustment living-alone is given twice");
	if (n < 2 || cells[C_VALUE][n - 1] != '%')
		return sv_rulefile_fail(rf, SV_EINVAL, "adjustment '%.30s' must be a percentage, e.g. +17%%",
					cells[C_VALUE]);
	cells[C_VALUE][n - 1] = '\0';
	if (!number(cells[C_VALUE], &pct) || pct <= -100 || pct > 1000 || pct == 0)
		return sv_rulefile_fail(rf, SV_EINVAL, "adjustment must be a non-zero percentage above -100%%");
	p->m->living_alone = pct;
	return SV_OK;
}

enum sv_err sv_casemix_parse(const char *file, const char *text, size_t len, struct sv_casemix **out,
			     struct sv_error *err)
{
	struct parse p = {sv_xcalloc(1, sizeof(struct sv_casemix)), NULL, 0};
	struct sv_rulefile rf = {file, sv_rulefile_lines(text, len), err};
	enum sv_err rc;

	*out = NULL;
	rc = sv_rulefile_parse(file, text, len, "casemix", COLUMNS, NCOLS, on_entry, &p, &p.m->meta, err);
	if (rc == SV_OK && !p.m->hours)
		rc = sv_rulefile_fail(&rf, SV_EINVAL, "the table has no hours rows");
	for (int c = 0; rc == SV_OK && c < p.m->ncombos; c++) {
		char label[80] = "";
		size_t n = 0;
		int rest = c, stride = p.m->ncombos;
		if (p.given[c])
			continue;
		for (int d = 0; d < p.m->ndims; d++) {
			stride /= p.m->dims[d].ngroups;
			n += (size_t)snprintf(label + n, sizeof(label) - n, "%s%s", d ? "+" : "",
					      p.m->dims[d].groups[rest / stride].id);
			rest %= stride;
			if (n >= sizeof(label))
				break;
		}
		rf.line = p.hours_line;
		rc = sv_rulefile_fail(&rf, SV_EINVAL, "no hours row for %s: every combination of groups needs one",
				      label);
	}
	free(p.given);
	if (rc != SV_OK) {
		sv_casemix_free(p.m);
		return rc;
	}
	*out = p.m;
	return SV_OK;
}

void sv_casemix_free(struct sv_casemix *m)
{
	if (!m)
		return;
	for (int d = 0; d < m->ndims; d++) {
		free(m->dims[d].name);
		for (int g = 0; g < m->dims[d].ngroups; g++)
			free(m->dims[d].groups[g].id);
	}
	free(m->hours);
	sv_rulefile_meta_release(&m->meta);
	free(m);
}

void sv_casemix_apply(const struct sv_casemix *m, const unsigned char scores[21], int living_alone,
		      struct sv_casemix_result *res)
{
	int idx = 0;
	size_t n = 0;

	memset(res, 0, sizeof(*res));
	for (int d = 0; d < m->ndims; d++) {
		const struct sv_casemix_dim *dim = &m->dims[d];
		double sum = 0;
		int k = 0, g = 0;
		for (int i = 0; i < dim->nvars; i++)
			if (scores[dim->vars[i]] >= 1 && scores[dim->vars[i]] <= 5) {
				sum += scores[dim->vars[i]];
				k++;
			}
		if (!k) {
			res->missing = dim->name;
			return;
		}
		res->mean[d] = round(sum / k * 100) / 100;
		while (g + 1 < dim->ngroups && sum / k >= dim->groups[g].hi)
			g++;
		res->group[d] = g;
		idx = idx * dim->ngroups + g;
		if (n < sizeof(res->label))
			n += (size_t)snprintf(res->label + n, sizeof(res->label) - n, "%s%s", d ? "+" : "",
					      dim->groups[g].id);
	}
	res->ok = 1;
	res->hours = m->hours[idx];
	res->adjusted = res->hours;
	if (living_alone == 1 && m->living_alone != 0) {
		res->adjusted = res->hours * (1 + m->living_alone / 100);
		res->living_alone_applied = 1;
	}
	res->adjusted = round(res->adjusted * 10) / 10;
}
