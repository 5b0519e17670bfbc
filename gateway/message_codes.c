/* message_codes.c — the ICF and SNOMED CT codes of a message's items, from the maps of a snapshot
 * through the translate engine (the same questions $assess asks, see iplos.h). */
#include "samsvar/assess.h"
#include "samsvar/iplos.h"
#include "samsvar/message.h"
#include "samsvar/params.h"
#include "samsvar/snapshot.h"
#include "samsvar/systems.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The latest version of map {base}`path`, or NULL when the snapshot holds none. Sets *url (freed by
 * the caller) and *used to "url|version". */
static const struct sv_resource *map_of(const struct sv_snapshot *snap, const char *base, const char *path,
					char **url, char **used)
{
	const struct sv_resource *r;
	size_t n;

	*url = sv_iplos_url(base, path);
	r = sv_snapshot_conceptmap(snap, *url, NULL);
	free(*used);
	*used = NULL;
	if (!r)
		return NULL;
	n = strlen(*url) + strlen(r->version ? r->version : "") + 2;
	*used = sv_xmalloc(n);
	snprintf(*used, n, "%s|%s", *url, r->version ? r->version : "");
	return r;
}

/* Appends every real match of `ans` to codes[*n] (at most SV_MSG_MAX_CODES, no duplicates). */
static void collect(const struct sv_tx_result *ans, struct sv_msg_code *codes, int *n)
{
	for (size_t i = 0; i < ans->nmatches && *n < SV_MSG_MAX_CODES; i++) {
		const struct sv_tx_match *mt = &ans->matches[i];
		int dup = 0;
		if (!mt->code || !sv_relation_is_match(mt->relation))
			continue;
		for (int k = 0; k < *n; k++)
			dup |= strcmp(codes[k].code, mt->code) == 0;
		if (dup)
			continue;
		codes[*n].code = sv_xstrdup(mt->code);
		codes[*n].display = mt->display ? sv_xstrdup(mt->display) : NULL;
		(*n)++;
	}
}

/* The ICF categories of the item's variable and, with the score as dependency, the qualifier the
 * engine gives them (translate.h): set only when some category takes one, so a message never states a
 * qualifier for a chapter, an inexact or a relatedto target alone. */
static enum sv_err fill_item(const struct sv_snapshot *snap, const struct sv_resource *icf,
			     const struct sv_resource *sct, const char *score_sys, struct sv_msg_item *it,
			     struct sv_error *err)
{
	struct sv_tx_result ans = {0};
	char score[8];
	enum sv_err rc = SV_OK;

	snprintf(score, sizeof(score), "%d", it->score);
	sv_msg_item_clear_codes(it);
	if (icf) {
		struct sv_iplos_query q = {.system = SV_SYS_IPLOS_9111, .code = it->variable, .map_url = icf->url,
					   .map_version = icf->version, .score_system = score_sys, .score = score};
		if ((rc = sv_iplos_ask(snap, &q, &ans, err)) != SV_OK)
			goto out;
		collect(&ans, it->icf, &it->nicf);
		for (size_t i = 0; i < ans.nmatches && !it->icf_qualifier; i++)
			if (ans.matches[i].qualifier.code)
				it->icf_qualifier = sv_xstrdup(ans.matches[i].qualifier.code);
		sv_tx_result_release(&ans);
	}
	if (sct) {
		struct sv_iplos_query q = {.system = SV_SYS_IPLOS_9111, .code = it->variable, .map_url = sct->url,
					   .map_version = sct->version, .score_system = score_sys, .score = score};
		if ((rc = sv_iplos_ask(snap, &q, &ans, err)) != SV_OK)
			goto out;
		collect(&ans, it->sct, &it->nsct);
	}
out:
	sv_tx_result_release(&ans);
	return rc;
}

enum sv_err sv_message_fill_codes(const struct sv_snapshot *snap, const char *base, struct sv_message *m,
				  struct sv_error *err)
{
	char *u1 = NULL, *u2 = NULL, *u3 = NULL, *score_sys = sv_iplos_url(base, SV_SYS_BASE_IPLOS_SCORE);
	const struct sv_resource *icf = map_of(snap, base, "/ConceptMap/iplos-icf", &u1, &m->icf_map);
	/* The qualifier map is the one iplos-icf names (@qualifierMap); it is recorded for the Provenance. */
	map_of(snap, base, "/ConceptMap/iplos-score-icf-qualifier", &u2, &m->qualifier_map);
	const struct sv_resource *sct = map_of(snap, base, "/ConceptMap/iplos-snomed", &u3, &m->snomed_map);
	enum sv_err rc = SV_OK;

	for (size_t i = 0; i < m->nitems && rc == SV_OK; i++)
		rc = fill_item(snap, icf, sct, score_sys, &m->items[i], err);
	free(u1);
	free(u2);
	free(u3);
	free(score_sys);
	return rc;
}

enum sv_err sv_message_assess(const struct sv_snapshot *snap, const char *base, struct sv_message *m,
			      struct sv_error *err)
{
	struct sv_assess_opts opts = {.canonical_base = base};
	cJSON *in = sv_params_new(), *out = NULL;
	char date[11], *url = NULL;
	enum sv_err rc;

	/* The same items $assess would take from a client, dated as the message. */
	for (size_t i = 0; i < m->nitems; i++) {
		cJSON *item = sv_params_add_part(in, "item");
		sv_params_add_value(item, "variable", "valueCoding", sv_coding_new(SV_IPLOS_VARIABLES, NULL,
										 m->items[i].variable, NULL));
		sv_params_add_int(item, "score", m->items[i].score);
	}
	if (m->gen_date && strlen(m->gen_date) >= 10) {
		snprintf(date, sizeof(date), "%.10s", m->gen_date);
		sv_params_add(in, "date", "Date", date);
	}
	rc = sv_assess_run(snap, in, &opts, &out, err);
	cJSON_Delete(in);
	if (rc != SV_OK)
		return rc;
	cJSON_Delete(m->assessment);
	m->assessment = out;
	/* The map $assess took: the latest version of the default url, as map_of() finds it. */
	map_of(snap, base, "/ConceptMap/iplos-interventions", &url, &m->relations_map);
	free(url);
	return SV_OK;
}
