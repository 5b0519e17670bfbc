/* snapshot_text.c — text search over a code system's codes, displays and designations.
 *
 * Text is folded (ASCII and Latin-1 letters to lower case) and cut into words (runs of letters and
 * digits; any non-ASCII UTF-8 byte counts as a letter). A filter matches a concept when each of its words
 * occurs within a word of the concept's code, display or one of its designations: as users type ("chron
 * pa" finds "Chronic pain") and inside compound words, which Norwegian and Danish terms are full of
 * ("vask" finds "Tøjvask"). The index — every distinct word once, each with the ascending list of
 * concepts that use it — is built on a code system's first search and kept with the code system's
 * content (struct sv_cs_body), which snapshots share while the code system is unchanged. A search reads the distinct words (a few hundred thousand even for
 * SNOMED CT, against millions of designations) and the matching concepts, never the concepts. */
#include "samsvar/jsonutil.h"
#include "snapshot_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Folds the character at s (ASCII, or a Latin-1 letter in UTF-8) to lower case: returns its byte length
 * and writes its folded bytes to out (1 or 2). */
static size_t fold_char(const unsigned char *s, unsigned char *out)
{
	if (s[0] == 0xC3 && s[1] >= 0x80 && s[1] <= 0xBF) {
		out[0] = 0xC3;
		out[1] = (unsigned char)(s[1] >= 0x80 && s[1] <= 0x9E && s[1] != 0x97 ? s[1] + 0x20 : s[1]);
		return 2;
	}
	out[0] = (unsigned char)(s[0] >= 'A' && s[0] <= 'Z' ? s[0] + 32 : s[0]);
	return 1;
}

static int word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Calls fn(arg, word, len) for each folded word of `text` (words longer than SV_TEXT_MAX_WORD are cut). */
static void each_word(const char *text, void (*fn)(void *, const char *, size_t), void *arg)
{
	const unsigned char *s = (const unsigned char *)text;
	char w[SV_TEXT_MAX_WORD + 2];

	while (s && *s) {
		size_t n = 0;
		while (*s && !word_byte(*s))
			s++;
		while (*s && word_byte(*s)) {
			unsigned char f[2];
			size_t adv = fold_char(s, f);
			if (n + adv <= SV_TEXT_MAX_WORD) {
				memcpy(w + n, f, adv);
				n += adv;
			}
			s += adv;
		}
		if (n)
			fn(arg, w, n);
	}
}

static void add_query_word(void *arg, const char *w, size_t n)
{
	struct sv_text_query *q = arg;

	if (q->n < SV_TEXT_MAX_WORDS) {
		memcpy(q->word[q->n], w, n);
		q->word[q->n][n] = '\0';
		q->len[q->n++] = n;
	} else {
		q->too_many = 1;
	}
}

int sv_text_query_init(struct sv_text_query *q, const char *filter)
{
	memset(q, 0, sizeof(*q));
	each_word(filter, add_query_word, q);
	return q->too_many ? -1 : (int)q->n;
}

/* ---- matching one concept ---- */

struct match_state {
	const struct sv_text_query *q;
	unsigned found;   /* bit i: query word i starts a word seen so far */
};

static void match_word(void *arg, const char *w, size_t n)
{
	struct match_state *m = arg;

	for (size_t i = 0; i < m->q->n; i++)
		if (m->q->len[i] <= n && memmem(w, n, m->q->word[i], m->q->len[i]))
			m->found |= 1u << i;
}

int sv_concept_text_match(const struct sv_concept *k, const struct sv_text_query *q)
{
	struct match_state m = { q, 0 };
	unsigned all = (1u << q->n) - 1;

	each_word(k->code, match_word, &m);
	each_word(k->display, match_word, &m);
	for (uint32_t i = 0; i < k->ndesig && m.found != all; i++)
		each_word(k->desig[i].value, match_word, &m);
	return m.found == all;
}

/* ---- the index ---- */

struct text_index {
	char **chunks;        /* the words' bytes, NUL-terminated, in chunks that never move */
	size_t nchunks, used; /* bytes used in the last chunk */
	const char **word;    /* word id -> its text */
	uint32_t nwords, cap;
	uint32_t *off;        /* word id -> first entry of its concepts in post; off[nwords] = total */
	uint32_t *post;       /* concept indexes, ascending per word */
	struct sv_strmap ids; /* text -> word id (while building) */
	uint32_t *count, *last; /* per word id while building: concepts, last concept counted + 1 */
	uint32_t concept;     /* the concept being read */
	int fill;             /* second pass: write post */
};

#define CHUNK 65536

static const char *intern(struct text_index *t, const char *w, size_t n)
{
	char *p;

	if (!t->nchunks || t->used + n + 1 > CHUNK) {
		t->chunks = sv_xrealloc(t->chunks, (t->nchunks + 1) * sizeof(*t->chunks));
		t->chunks[t->nchunks++] = sv_xmalloc(CHUNK);
		t->used = 0;
	}
	p = t->chunks[t->nchunks - 1] + t->used;
	memcpy(p, w, n);
	p[n] = '\0';
	t->used += n + 1;
	return p;
}

static void index_word(void *arg, const char *w, size_t n)
{
	struct text_index *t = arg;
	uint32_t id;

	if (!sv_strmap_getn(&t->ids, w, n, &id)) {
		if (t->fill)
			return;   /* cannot happen: the first pass saw every word */
		if (t->nwords == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 1024;
			t->word = sv_xrealloc(t->word, t->cap * sizeof(*t->word));
			t->count = sv_xrealloc(t->count, t->cap * sizeof(*t->count));
			t->last = sv_xrealloc(t->last, t->cap * sizeof(*t->last));
		}
		id = t->nwords++;
		t->word[id] = intern(t, w, n);
		t->count[id] = 0;
		t->last[id] = 0;
		sv_strmap_put(&t->ids, t->word[id], id);
	}
	if (t->last[id] == t->concept + 1)
		return;   /* this concept is already listed under the word */
	t->last[id] = t->concept + 1;
	if (t->fill)
		t->post[t->off[id] + t->count[id]] = t->concept;
	t->count[id]++;
}

static void index_pass(struct text_index *t, const struct sv_codesystem *cs)
{
	for (uint32_t i = 0; i < cs->nconcepts; i++) {
		const struct sv_concept *k = &cs->concepts[i];
		t->concept = i;
		each_word(k->code, index_word, t);
		each_word(k->display, index_word, t);
		for (uint32_t j = 0; j < k->ndesig; j++)
			each_word(k->desig[j].value, index_word, t);
	}
}

static void text_index_free(void *v)
{
	struct text_index *t = v;

	if (!t)
		return;
	for (size_t i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->word);
	free(t->off);
	free(t->post);
	free(t->count);
	free(t->last);
	sv_strmap_release(&t->ids);
	free(t);
}

static struct text_index *text_index_make(const struct sv_codesystem *cs)
{
	struct text_index *t = sv_xcalloc(1, sizeof(*t));
	uint32_t total = 0;

	sv_strmap_init(&t->ids, 1024);
	index_pass(t, cs);
	t->off = sv_xmalloc(((size_t)t->nwords + 1) * sizeof(uint32_t));
	for (uint32_t w = 0; w < t->nwords; w++) {
		t->off[w] = total;
		total += t->count[w];
		t->count[w] = 0;
		t->last[w] = 0;
	}
	t->off[t->nwords] = total;
	t->post = sv_xmalloc(((size_t)total + 1) * sizeof(uint32_t));
	t->fill = 1;
	index_pass(t, cs);
	free(t->count);
	free(t->last);
	t->count = t->last = NULL;
	sv_strmap_release(&t->ids);
	memset(&t->ids, 0, sizeof(t->ids));
	return t;
}

/* The index of `cs`, kept with its content (struct sv_cs_body), so every snapshot sharing the code
 * system shares it too; built by the first search (others searching it meanwhile wait for it). */
static const struct text_index *text_index(const struct sv_codesystem *cs)
{
	struct sv_cs_body *b = cs->body;
	const struct text_index *t;

	pthread_mutex_lock(&b->text_lock);
	if (!b->text) {
		b->text = text_index_make(cs);
		b->text_drop = text_index_free;
	}
	t = b->text;
	pthread_mutex_unlock(&b->text_lock);
	return t;
}

uint32_t sv_snapshot_warm_text(const struct sv_snapshot *snap, uint32_t min_concepts)
{
	uint32_t built = 0;

	for (uint32_t i = 0; i < snap->ncs; i++) {
		struct sv_cs_body *b = snap->cs[i].body;
		int missing;
		if (snap->cs[i].nconcepts < min_concepts || !b)
			continue;
		pthread_mutex_lock(&b->text_lock);
		missing = b->text == NULL;
		pthread_mutex_unlock(&b->text_lock);
		if (missing) {
			text_index(&snap->cs[i]);
			built++;
		}
	}
	return built;
}

/* Sorts v[0..n) ascending and drops repeats; returns the new length. */
static size_t sort_unique(uint32_t *v, size_t n)
{
	uint32_t *tmp = sv_xmalloc((n + 1) * sizeof(uint32_t));
	size_t w = 0;

	sv_radix_sort_u32(v, tmp, n);
	free(tmp);
	for (size_t i = 0; i < n; i++)
		if (!w || v[w - 1] != v[i])
			v[w++] = v[i];
	return w;
}

/* The concepts with a word that contains `word` (ascending, each once). */
static uint32_t *word_concepts(const struct text_index *t, const char *word, size_t *n)
{
	size_t total = 0, w = 0, hits = 0;
	uint32_t *out;

	for (uint32_t id = 0; id < t->nwords; id++)
		if (strstr(t->word[id], word)) {
			total += t->off[id + 1] - t->off[id];
			hits++;
		}
	out = sv_xmalloc((total + 1) * sizeof(uint32_t));
	for (uint32_t id = 0; id < t->nwords && w < total; id++)
		if (strstr(t->word[id], word)) {
			memcpy(out + w, t->post + t->off[id], (t->off[id + 1] - t->off[id]) * sizeof(uint32_t));
			w += t->off[id + 1] - t->off[id];
		}
	*n = hits > 1 ? sort_unique(out, total) : total;
	return out;
}

uint32_t *sv_codesystem_text_search(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
				    const struct sv_text_query *q, size_t *n)
{
	(void)snap;   /* the index lives with the code system's content, whichever snapshot holds it */
	const struct text_index *t = text_index(cs);
	uint32_t *acc = NULL;
	size_t nacc = 0;

	if (q->n == 0) {
		acc = sv_xmalloc(((size_t)cs->nconcepts + 1) * sizeof(uint32_t));
		for (uint32_t i = 0; i < cs->nconcepts; i++)
			acc[i] = i;
		*n = cs->nconcepts;
		return acc;
	}
	for (size_t i = 0; i < q->n; i++) {
		size_t m, w = 0, a = 0;
		uint32_t *v = word_concepts(t, q->word[i], &m);
		if (!acc) {
			acc = v;
			nacc = m;
			continue;
		}
		for (size_t b = 0; a < nacc && b < m;) {   /* intersect two ascending lists */
			if (acc[a] < v[b])
				a++;
			else if (acc[a] > v[b])
				b++;
			else {
				acc[w++] = acc[a];
				a++;
				b++;
			}
		}
		nacc = w;
		free(v);
	}
	*n = nacc;
	return acc;
}
