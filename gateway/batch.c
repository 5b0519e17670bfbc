/* batch.c — `samsvar translate --file`: a streaming CSV conversion of an IPLOS extract. */
#include "samsvar/batch.h"
#include "samsvar/iplos.h"
#include "samsvar/snapshot.h"
#include "samsvar/strmap.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NSCORES SV_IPLOS_NSCORES
#define SNOMED "http://snomed.info/sct"
#define HEADER "person,variable,score,icf_code,icf_qualifier,icf_qualified,snomed_ct,error\n"
#define ANSWER_MAX 2048     /* one precomputed suffix: a handful of codes per column */

/* A bounded string builder for the precomputed columns. */
struct sbuf {
	char s[ANSWER_MAX];
	size_t n;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n >= sizeof(b->s))
		n = sizeof(b->s) - b->n - 1;
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Appends `code` to a space-separated list unless it is there already. */
static void sb_token(struct sbuf *b, const char *code)
{
	size_t n = strlen(code);
	for (const char *p = b->s; b->n && (p = strstr(p, code)) != NULL; p += n)
		if ((p == b->s || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return;
	if (b->n)
		sb_add(b, " ", 1);
	sb_add(b, code, n);
}

/* Appends a CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
static void sb_field(struct sbuf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		sb_puts(b, s);
		return;
	}
	sb_add(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			sb_add(b, "\"", 1);
		sb_add(b, s, 1);
	}
	sb_add(b, "\"", 1);
}

/* Asks the engine (a missing map is an empty answer) and adds the code of every real match (not
 * unmatched/disjoint) in `want` (any system when NULL) to `b`. When `qualified` is given, each match the
 * engine qualifies (translate.h: an ICF category with its qualifier product) is added there as
 * "<code>.<qualifier>", and the first qualifier code to `qual`. */
static enum sv_err ask(const struct sv_snapshot *snap, const struct sv_iplos_query *q, const char *want,
		       struct sbuf *b, struct sbuf *qualified, struct sbuf *qual, struct sv_error *err)
{
	struct sv_tx_result r;
	enum sv_err rc = sv_iplos_ask(snap, q, &r, err);

	for (size_t i = 0; rc == SV_OK && i < r.nmatches; i++) {
		const struct sv_tx_match *m = &r.matches[i];
		if (!m->code || !sv_relation_is_match(m->relation))
			continue;
		if (want && (!m->system || strcmp(m->system, want) != 0))
			continue;
		sb_token(b, m->code);
		if (qualified && m->qualifier.code) {
			char form[256];
			snprintf(form, sizeof(form), "%s.%s", m->code, m->qualifier.code);
			sb_token(qualified, form);
			if (!qual->n)
				sb_puts(qual, m->qualifier.code);
		}
	}
	sv_tx_result_release(&r);
	return rc;
}

struct table {
	struct sv_strmap vars;        /* variable code -> row of answers (keys borrowed from snap) */
	char **answers;               /* nvars * NSCORES suffixes ",icf,qual,qualified,snomed,\n" */
	size_t *lens;
	uint32_t nvars;
};

static void table_release(struct table *t)
{
	for (size_t i = 0; i < (size_t)t->nvars * NSCORES; i++)
		free(t->answers[i]);
	free(t->answers);
	free(t->lens);
	sv_strmap_release(&t->vars);
}

static enum sv_err table_build(struct table *t, const struct sv_snapshot *snap, const struct sv_batch_opts *o,
			       struct sv_error *err)
{
	const char *base = o && o->canonical_base ? o->canonical_base : SV_IPLOS_BASE;
	const char *vsys = o && o->variable_system ? o->variable_system : SV_IPLOS_VARIABLES;
	char *score_sys = o && o->score_system ? sv_xstrdup(o->score_system) :
		sv_iplos_url(base, "/CodeSystem/iplos-score");
	char *icf_map = o && o->icf_map ? sv_xstrdup(o->icf_map) : sv_iplos_url(base, "/ConceptMap/iplos-icf");
	char *sct_map = o && o->snomed_map ? sv_xstrdup(o->snomed_map) : sv_iplos_url(base, "/ConceptMap/iplos-snomed");
	const struct sv_codesystem *cs = sv_snapshot_codesystem(snap, vsys, NULL);
	enum sv_err rc = SV_ENOTFOUND;

	memset(t, 0, sizeof(*t));
	if (!cs) {
		sv_fail(err, SV_ENOTFOUND, "the variable code system %s is not loaded", vsys);
		goto out;
	}
	if (!sv_snapshot_conceptmap(snap, icf_map, NULL)) {
		sv_fail(err, SV_ENOTFOUND, "the ICF map %s is not loaded", icf_map);
		goto out;
	}
	t->nvars = cs->nconcepts;
	sv_strmap_init(&t->vars, t->nvars);
	t->answers = sv_xcalloc((size_t)t->nvars * NSCORES + 1, sizeof(char *));
	t->lens = sv_xcalloc((size_t)t->nvars * NSCORES + 1, sizeof(size_t));
	for (uint32_t v = 0; v < t->nvars; v++) {
		const char *var = cs->concepts[v].code;
		sv_strmap_put(&t->vars, var, v);
		for (int s = 0; s < NSCORES; s++) {
			struct sbuf icf = {0}, qual = {0}, qualified = {0}, sct = {0}, row = {0};
			struct sv_iplos_query qi = {.system = vsys, .code = var, .map_url = icf_map,
						    .score_system = score_sys, .score = sv_iplos_scores[s]};
			struct sv_iplos_query qs = {.system = vsys, .code = var, .map_url = sct_map,
						    .score_system = score_sys, .score = sv_iplos_scores[s]};
			/* The score as dependency: the engine qualifies only the categories that take it. */
			rc = ask(snap, &qi, NULL, &icf, &qualified, &qual, err);
			if (rc == SV_OK)
				rc = ask(snap, &qs, NULL, &sct, NULL, NULL, err);
			if (rc == SV_OK && !sct.n) {   /* nothing direct: let the engine chain through ICF */
				qs.map_url = NULL;
				qs.target = SNOMED;
				rc = ask(snap, &qs, SNOMED, &sct, NULL, NULL, err);
			}
			if (rc != SV_OK)
				goto out;
			sb_puts(&row, ",");
			sb_field(&row, icf.s);
			sb_puts(&row, ",");
			sb_field(&row, qual.s);
			sb_puts(&row, ",");
			sb_field(&row, qualified.s);
			sb_puts(&row, ",");
			sb_field(&row, sct.s);
			sb_puts(&row, ",\n");
			t->answers[(size_t)v * NSCORES + (size_t)s] = sv_xstrndup(row.s, row.n);
			t->lens[(size_t)v * NSCORES + (size_t)s] = row.n;
		}
	}
	rc = SV_OK;
out:
	free(score_sys);
	free(icf_map);
	free(sct_map);
	return rc;
}

/* Reads one CSV record (a line break inside quotes belongs to the field). Returns 0 at end of input.
 * *too_long is set when the record exceeded the buffer (the rest of it is consumed). */
static int read_record(FILE *f, char *buf, size_t cap, size_t *len, int *too_long, int *open_quote)
{
	int c = EOF, q = 0;
	size_t n = 0;

	*too_long = 0;
	while ((c = getc_unlocked(f)) != EOF) {
		if (c == '"')
			q = !q;
		else if (c == '\n' && !q)
			break;
		if (n < cap)
			buf[n++] = (char)c;
		else
			*too_long = 1;
	}
	if (c == EOF && n == 0 && !*too_long)
		return 0;
	if (n && buf[n - 1] == '\r')
		n--;
	*len = n;
	*open_quote = q;
	return 1;
}

#define MAXF 4
struct fields {
	const char *v[MAXF];
	size_t len[MAXF];
	int n;          /* fields seen (may exceed MAXF) */
	int bad_quote;
};

/* Splits a record into fields, unquoting into `tmp` (at least as large as the record). */
static void split(const char *rec, size_t n, char *tmp, struct fields *f)
{
	size_t i = 0, o = 0;

	memset(f, 0, sizeof(*f));
	for (;;) {
		size_t start = o;
		if (i < n && rec[i] == '"') {
			int closed = 0;
			i++;
			while (i < n) {
				if (rec[i] == '"') {
					if (i + 1 < n && rec[i + 1] == '"') {
						tmp[o++] = '"';
						i += 2;
						continue;
					}
					i++;
					closed = 1;
					break;
				}
				tmp[o++] = rec[i++];
			}
			if (!closed || (i < n && rec[i] != ','))
				f->bad_quote = 1;
			while (i < n && rec[i] != ',')
				i++;
		} else {
			while (i < n && rec[i] != ',')
				tmp[o++] = rec[i++];
		}
		if (f->n < MAXF) {
			f->v[f->n] = tmp + start;
			f->len[f->n] = o - start;
		}
		f->n++;
		if (i >= n)
			break;
		i++;    /* the comma */
	}
}

static void put_field(FILE *out, const char *s, size_t n)
{
	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) && !memchr(s, '\r', n)) {
		fwrite_unlocked(s, 1, n, out);
		return;
	}
	putc_unlocked('"', out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc_unlocked('"', out);
		putc_unlocked(s[i], out);
	}
	putc_unlocked('"', out);
}

static void put_bad(FILE *out, const struct fields *f, const char *why)
{
	for (int i = 0; i < 3; i++) {
		if (i)
			putc_unlocked(',', out);
		if (i < f->n && i < MAXF)
			put_field(out, f->v[i], f->len[i]);
	}
	fputs_unlocked(",,,,,", out);
	put_field(out, why, strlen(why));
	putc_unlocked('\n', out);
}

enum sv_err sv_batch_translate(const struct sv_snapshot *snap, FILE *in, FILE *out,
			       const struct sv_batch_opts *opts, struct sv_batch_counts *counts,
			       struct sv_error *err)
{
	struct table t;
	char *rec = sv_xmalloc(SV_BATCH_MAX_LINE + 1), *tmp = sv_xmalloc(SV_BATCH_MAX_LINE + 1);
	struct sv_batch_counts c = {0};
	size_t len;
	int too_long, open_quote, first = 1;
	enum sv_err rc;

	rc = table_build(&t, snap, opts, err);
	if (rc != SV_OK)
		goto out;
	fputs_unlocked(HEADER, out);
	while (read_record(in, rec, SV_BATCH_MAX_LINE, &len, &too_long, &open_quote)) {
		struct fields f;
		uint32_t v;
		int s;

		if (len == 0 && !too_long)
			continue;
		split(rec, len, tmp, &f);
		if (first) {
			first = 0;
			if (f.n >= 1 && f.len[0] == 6 && strncasecmp(f.v[0], "person", 6) == 0)
				continue;
		}
		c.rows++;
		if (too_long) {
			char why[64];
			snprintf(why, sizeof(why), "row longer than %d bytes", SV_BATCH_MAX_LINE);
			c.bad++;
			put_bad(out, &f, why);
		} else if (open_quote || f.bad_quote) {
			c.bad++;
			put_bad(out, &f, "malformed quoting");
		} else if (f.n != 3) {
			char why[64];
			snprintf(why, sizeof(why), "expected 3 columns, got %d", f.n);
			c.bad++;
			put_bad(out, &f, why);
		} else if (!sv_strmap_getn(&t.vars, f.v[1], f.len[1], &v)) {
			c.bad++;
			put_bad(out, &f, "unknown IPLOS variable");
		} else if ((s = sv_iplos_score_index(f.v[2], f.len[2])) < 0) {
			c.bad++;
			put_bad(out, &f, "score must be 1-5 or 9");
		} else {
			size_t k = (size_t)v * NSCORES + (size_t)s;
			put_field(out, f.v[0], f.len[0]);
			putc_unlocked(',', out);
			fwrite_unlocked(f.v[1], 1, f.len[1], out);
			putc_unlocked(',', out);
			fwrite_unlocked(f.v[2], 1, f.len[2], out);
			fwrite_unlocked(t.answers[k], 1, t.lens[k], out);
			c.translated++;
		}
	}
	if (ferror(in)) {
		rc = sv_fail(err, SV_EIO, "reading the extract failed");
		goto out;
	}
	if (fflush(out) != 0 || ferror(out)) {
		rc = sv_fail(err, SV_EIO, "writing the result failed");
		goto out;
	}
	rc = SV_OK;
out:
	if (counts)
		*counts = c;
	table_release(&t);
	free(rec);
	free(tmp);
	return rc;
}
