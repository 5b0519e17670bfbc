/* importer_snomed_desc.c — the descriptions and language refsets of an RF2 import (importer_snomed.c reads
 * the rest): descriptions become designations queued with their description ids, a language refset row
 * finds its description by id (the folder's, or the base edition's an extension names) and makes it a
 * designation in the file's language or its preferred term, rows naming a description read nowhere are
 * counted and noted, and the queued designations go to the content in their order. */
#include "importer_snomed_private.h"
#include "samsvar/systems.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Queues a designation of concept `concept`; the strings must live as long as s (or be in its pools). */
enum sv_err rf2_stage_designation(struct rf2 *s, uint32_t concept, uint32_t key, const char *lang,
				     const char *use_system, const char *use_code, const char *use_display,
				     const char *value, uint64_t id, struct sv_error *err)
{
	if (s->nd == s->dcap) {
		if (s->nd >= SV_CONTENT_MAX_ROWS)
			return sv_fail(err, SV_ETOOBIG, "more than %u designations in one code system", SV_CONTENT_MAX_ROWS);
		s->dcap = s->dcap ? s->dcap * 2 : 4096;
		s->d = sv_xrealloc(s->d, (size_t)s->dcap * sizeof(*s->d));
	}
	s->d[s->nd++] = (struct rf2_desig){ concept, key, lang, use_system, use_code, use_display, value, id };
	return SV_OK;
}

/* The key of language tag `tag` in dmap: FNV-1a of its lower-case letters. Look-ups check the tag; two
 * tags of one description colliding (odds 2^-64) would leave the second copy unindexed, so a later row in
 * its language would make the copy again. */
static uint64_t lang_key(const char *tag)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *tag; tag++)
		h = (h ^ (unsigned char)(*tag | 0x20)) * 1099511628211ULL;
	return h;
}

/* Indexes designation d[i] under its description id: the first of an id as (id, 0, 0), a later one (the
 * same description in another language) under its language. Returns 0 when (id, language) is there. */
int rf2_index_designation(struct rf2 *s, uint32_t i)
{
	return sv_rf2_map_put(&s->dmap, s->d[i].id, 0, 0, i, NULL) ||
	       sv_rf2_map_put(&s->dmap, s->d[i].id, lang_key(s->d[i].lang), 1, i, NULL);
}

/* The designation of description `id` in language `tag` (d index), or UINT32_MAX; *known is set when
 * the id was read at all (then *any is the first designation of it, or DESC_SKIPPED). */
static uint32_t find_designation(const struct rf2 *s, uint64_t id, const char *tag, int *known, uint32_t *any)
{
	uint32_t i;

	*known = sv_rf2_map_get(&s->dmap, id, 0, 0, any);
	if (!*known || *any == DESC_SKIPPED)
		return UINT32_MAX;
	if (strcasecmp(s->d[*any].lang, tag) == 0)
		return *any;
	if (sv_rf2_map_get(&s->dmap, id, lang_key(tag), 1, &i) && strcasecmp(s->d[i].lang, tag) == 0)
		return i;
	return UINT32_MAX;
}

/* The display of a description's type: "Fully specified name", "Synonym", or NULL for another type. */
static const char *type_display(int fsn, int syn)
{
	return fsn ? "Fully specified name" : syn ? "Synonym" : NULL;
}

/* Offers `term` (a description of type FSN or synonym) as the display of concept `k`: the first FSN wins,
 * and a synonym only while the concept has no display. */
static void offer_display(struct rf2 *s, uint32_t k, const char *term, int fsn, int syn)
{
	struct sv_content_concept *c = &s->out->concept[k];

	if ((fsn && !(s->flags[k] & F_FSN)) || (syn && !c->display)) {
		c->display = sv_content_str(s->out, term);
		s->flags[k] = (unsigned char)((s->flags[k] & ~F_FSN) | (fsn ? F_FSN : 0));
	}
}

/* A description row of the folder naming base designation d[at] (the same description, a newer row of
 * it): an active one gives it and the base's copies of it in other languages (the concept's run of base
 * designations) its term and type, an inactive one drops them. When the description was the concept's
 * display, an active row renames the display too, and an inactive one has rf2_redisplay() choose again. */
static void rf2_base_description(struct rf2 *s, uint32_t at, char **f, int fsn, int syn)
{
	uint32_t concept = s->d[at].concept, from = at;
	uint64_t id = s->d[at].id;
	int active = f[2][0] == '1';
	const char *term = active ? sv_content_str(&s->scratch, f[7]) : NULL;
	const char *type = sv_content_intern(&s->scratch, f[6]);
	struct sv_content_concept *c = &s->out->concept[concept];

	if (c->display && s->d[at].value && strcmp(c->display, s->d[at].value) == 0) {
		if (active) {
			c->display = sv_content_str(s->out, term);
			s->flags[concept] = (unsigned char)((s->flags[concept] & ~F_FSN) | (fsn ? F_FSN : 0));
		} else {
			s->flags[concept] |= F_REDISPLAY;
		}
	}
	while (from > 0 && s->d[from - 1].concept == concept)
		from--;
	for (uint32_t j = from; j < s->nbase && s->d[j].concept == concept; j++) {
		if (s->d[j].id != id)
			continue;
		s->d[j].value = term;
		s->d[j].use_code = type;
		s->d[j].use_display = type_display(fsn, syn);
	}
}

/* The display of each concept whose display the folder retired (F_REDISPLAY): as rf2_description_row
 * chooses one, from the designations left (the base's, then the folder's as read): the first fully
 * specified name, else the first synonym, else none. */
void rf2_redisplay(struct rf2 *s)
{
	int any = 0;

	for (uint32_t k = 0; k < s->out->nconcept; k++)
		if (s->flags[k] & F_REDISPLAY) {
			s->out->concept[k].display = NULL;
			s->flags[k] &= (unsigned char)~F_FSN;
			any = 1;
		}
	for (uint32_t i = 0; any && i < s->nd; i++) {
		const struct rf2_desig *d = &s->d[i];

		if ((s->flags[d->concept] & F_REDISPLAY) && d->value && d->use_code)
			offer_display(s, d->concept, d->value, strcmp(d->use_code, SCT_FSN) == 0,
				      strcmp(d->use_code, SCT_SYNONYM) == 0);
	}
}

enum sv_err rf2_description_check(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	size_t lang_len = strlen(f[5]);
	enum sv_err rc;

	(void)ctx;
	if ((rc = sv_rf2_id(lr, f[4], "conceptId", 1, err)) != SV_OK ||
	    (rc = sv_rf2_id(lr, f[6], "typeId", 1, err)) != SV_OK ||
	    (rc = sv_rf2_id(lr, f[8], "caseSignificanceId", 1, err)) != SV_OK)
		return rc;
	if (lang_len == 0 || lang_len > 16 ||
	    strspn(f[5], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") != lang_len)
		return sv_fail(err, SV_EINVAL, "%s:%zu: languageCode '%.16s' is not a language tag", lr->path,
			       lr->lineno, f[5]);
	if (!f[7][0])
		return sv_fail(err, SV_EINVAL, "%s:%zu: empty term", lr->path, lr->lineno);
	return SV_OK;
}

/* A description row: an active one of a kept concept becomes a designation. With language refsets to
 * read, every row is indexed by its id (an inactive one as DESC_SKIPPED, so rows naming it are not
 * reported); a row naming a base description updates or drops it (rf2_base_description). */
enum sv_err rf2_description_row(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	struct rf2 *s = ctx;
	uint64_t id = sv_rf2_id_num(f[0]);
	uint32_t had;
	int64_t idx;
	int fsn, syn, active = f[2][0] == '1';
	enum sv_err rc;

	if ((rc = rf2_description_check(ctx, lr, f, err)) != SV_OK)
		return rc;
	idx = active ? sv_content_find(s->out, f[4]) : -1;
	fsn = strcmp(f[6], SCT_FSN) == 0;
	syn = strcmp(f[6], SCT_SYNONYM) == 0;
	if (s->index_descriptions && !sv_rf2_map_put(&s->dmap, id, 0, 0, idx >= 0 ? s->nd : DESC_SKIPPED, &had)) {
		if (had == DESC_SKIPPED || had >= s->nbase)
			return sv_fail(err, SV_EINVAL, "%s:%zu: description %s appears twice in a snapshot", lr->path,
				       lr->lineno, f[0]);
		rf2_base_description(s, had, f, fsn, syn);
		return SV_OK;
	}
	if (idx < 0)
		return SV_OK; /* inactive description, or a concept not in the file */
	rc = rf2_stage_designation(s, (uint32_t)idx, KEY_PLAIN, sv_content_intern(&s->scratch, f[5]), SV_SYS_SNOMED,
			       sv_content_intern(&s->scratch, f[6]), type_display(fsn, syn),
			       sv_content_str(&s->scratch, f[7]), id, err);
	/* display = the FSN (no language refset is read); a concept without one gets a synonym.
	 * With several FSNs (one per language file) the first file's, in name order, wins. */
	if (rc == SV_OK)
		offer_display(s, (uint32_t)idx, f[7], fsn, syn);
	return rc;
}

/* A language refset row: the file's language tag (s->lang) gives the description's term in that language.
 * A description in another language than the tag (a "no" term in an nb refset) becomes a designation
 * in the tag's language; one in the tag's own language is that designation already. A preferred
 * synonym goes first among the concept's designations, so it is the display for that language
 * (display.c takes the first designation of the best-matching language). */
enum sv_err rf2_language_check(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	enum sv_err rc;

	(void)ctx;
	if ((rc = sv_rf2_id(lr, f[4], "refsetId", 1, err)) != SV_OK ||
	    (rc = sv_rf2_id(lr, f[5], "referencedComponentId", 0, err)) != SV_OK ||
	    (rc = sv_rf2_id(lr, f[6], "acceptabilityId", 1, err)) != SV_OK)
		return rc;
	if (strcmp(f[6], SCT_PREFERRED) != 0 && strcmp(f[6], SCT_ACCEPTABLE) != 0)
		return sv_fail(err, SV_EINVAL, "%s:%zu: acceptabilityId %s is neither preferred (%s) nor acceptable (%s)",
			       lr->path, lr->lineno, f[6], SCT_PREFERRED, SCT_ACCEPTABLE);
	return SV_OK;
}

enum sv_err rf2_language_row(void *ctx, const struct sv_lines *lr, char **f, struct sv_error *err)
{
	struct rf2 *s = ctx;
	struct rf2_desig d;
	uint64_t id;
	uint32_t idx, any;
	int preferred, syn, known;
	enum sv_err rc;

	if ((rc = rf2_language_check(ctx, lr, f, err)) != SV_OK)
		return rc;
	if (f[2][0] != '1')
		return SV_OK;
	preferred = strcmp(f[6], SCT_PREFERRED) == 0;
	id = sv_rf2_id_num(f[5]);
	idx = find_designation(s, id, s->lang, &known, &any);
	if (!known) { /* in neither the folder nor the base: counted, reported after the file */
		if (s->unknown++ == 0) {
			s->unknown_line = lr->lineno;
			snprintf(s->unknown_id, sizeof(s->unknown_id), "%s", f[5]);
		}
		return SV_OK;
	}
	if (any == DESC_SKIPPED || !s->d[any].value)
		return SV_OK; /* an inactive description, or one of a concept not in this edition */
	d = s->d[idx == UINT32_MAX ? any : idx];
	syn = d.use_code && strcmp(d.use_code, SCT_SYNONYM) == 0;
	if (idx == UINT32_MAX) { /* a description in another language: a designation in the tag's */
		rc = rf2_stage_designation(s, d.concept, preferred && syn ? s->next_key-- : KEY_PLAIN,
				       sv_content_intern(&s->scratch, s->lang), d.use_system, d.use_code, d.use_display,
				       d.value, id, err);
		if (rc == SV_OK)
			rf2_index_designation(s, s->nd - 1);
		return rc;
	}
	if (preferred && syn)
		s->d[idx].key = s->next_key--;
	return SV_OK;
}

/* Reports the rows of language file `path` that named a description in neither the folder nor the base
 * (not an error: a Snapshot may name another module's descriptions, but never silent). */
void rf2_report_unknown(struct rf2 *s, const char *path)
{
	if (s->unknown && s->log)
		fprintf(s->log, "samsvar: %s: %zu active language refset row%s name%s a description in neither this "
			"folder nor its base edition, not applied (the first: %s:%zu, description %s)\n", path, s->unknown,
			s->unknown == 1 ? "" : "s", s->unknown == 1 ? "s" : "", path, s->unknown_line, s->unknown_id);
	s->unknown = 0;
}

/* The language tag of language refset file `path` (der2_cRefset_LanguageSnapshot-<tag>_... or
 * der2_cRefset_LanguageFull-<tag>_...) into s->lang. */
enum sv_err rf2_lang_of(struct rf2 *s, const char *path, struct sv_error *err)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	const char *t = base + strlen(strncmp(base, SV_RF2_LANG_PREFIX, strlen(SV_RF2_LANG_PREFIX)) == 0
					      ? SV_RF2_LANG_PREFIX : SV_RF2_LANG_FULL_PREFIX);
	size_t n = strcspn(t, "_.");

	if (n == 0 || n >= sizeof(s->lang) ||
	    strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") < n)
		return sv_fail(err, SV_EINVAL, "%s: the file name names no language (" SV_RF2_LANG_PREFIX "<tag>_...)",
			       path);
	memcpy(s->lang, t, n);
	s->lang[n] = '\0';
	return SV_OK;
}

struct key_at {
	uint32_t key, at;
};

static int cmp_key_at(const void *a, const void *b)
{
	const struct key_at *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Hands the queued designations to out, each concept's in key order (then as read): a counting sort by
 * concept, and a sort of the few concepts a language refset reordered. */
enum sv_err rf2_emit_designations(struct rf2 *s, struct sv_error *err)
{
	uint32_t n = s->out->nconcept, *start = sv_xcalloc((size_t)n + 1, sizeof(uint32_t));
	struct key_at *ord = sv_xmalloc(((size_t)s->nd + 1) * sizeof(*ord));
	enum sv_err rc = SV_OK;

	for (uint32_t i = 0; i < s->nd; i++)
		start[s->d[i].concept + 1]++;
	for (uint32_t c = 0; c < n; c++)
		start[c + 1] += start[c];
	for (uint32_t i = 0; i < s->nd; i++)
		ord[start[s->d[i].concept]++] = (struct key_at){ s->d[i].key, i };
	/* start[c] is now the end of concept c's run (and the start of c + 1's). */
	for (uint32_t c = 0, from = 0; c < n; from = start[c++]) {
		int reordered = 0;
		for (uint32_t i = from; i < start[c] && !reordered; i++)
			reordered = ord[i].key != KEY_PLAIN;
		if (reordered)
			qsort(ord + from, start[c] - from, sizeof(*ord), cmp_key_at);
	}
	for (uint32_t i = 0; i < s->nd && rc == SV_OK; i++) {
		const struct rf2_desig *d = &s->d[ord[i].at];
		struct sv_designation x = { d->lang, d->use_system, d->use_code, d->use_display, d->value, NULL, d->id };
		if (d->value) /* else a base description the folder made inactive */
			rc = sv_content_add_designation(s->out, d->concept, &x, err);
	}
	free(start);
	free(ord);
	return rc;
}
