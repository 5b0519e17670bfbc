/* assess_rules.h — what $assess applies besides the relations map: a municipality's allocation criteria
 * (criteria.h) and a case-mix table (casemix.h), each a Library named by canonical url[|version].
 *
 * Behaviour decided here (assess.h names the parameters):
 * - With criteria, the CarePlan's activities are the services whose rules matched (instead of the
 *   relations map's interventions). Rules that give the same service, codes and timing make one
 *   activity. Each activity says why: an extension {base}/StructureDefinition/allocation-rule per rule
 *   (criteria canonical, rule id, source document and section, every condition met with the scores,
 *   required rules, the texts the case worker confirms, the project's reading, hours per week) and the
 *   same in words in detail.description; reasonReference lists the Conditions of the variables that
 *   met it. A rule one score step on one variable from matching is "close": a CarePlan note names the
 *   service, the rule, its source and what is missing. Frequency and minutes become Timing as for the
 *   relations map and count in the estimated minutes per week.
 * - With a case-mix table, the CarePlan gets the extension {base}/StructureDefinition/casemix (table,
 *   group, each dimension's mean score and group, expected hours per week, the living-alone adjustment)
 *   and a note; a table whose @hours is placeholder says so in the note. A dimension with no scored
 *   variable gives no group, and the note says which.
 * - A rule with hours_per_week = casemix (omsorgslønn) takes the case-mix expected hours.
 *
 * Performance: a Library is parsed once per snapshot (sv_snapshot_memo); a request evaluates at most
 * 256 rules of at most 8 conditions over 20 variables. */
#ifndef SAMSVAR_ASSESS_RULES_H
#define SAMSVAR_ASSESS_RULES_H

#include "samsvar/assess_table.h"
#include "samsvar/casemix.h"
#include "samsvar/criteria.h"
#include "samsvar/error.h"

struct sv_snapshot;
struct sv_jsonw;

struct sv_assess_rules {
	const struct sv_criteria *criteria;       /* NULL: the relations map gives the activities */
	char criteria_ref[600];                   /* url|version of the Library */
	const struct sv_casemix *casemix;         /* NULL: no case-mix */
	char casemix_ref[600];
	unsigned char scores[SV_CRIT_NVARS + 1];  /* per variable 1..20: 1-5, 9, 0 = not assessed */
	int living_alone;                         /* 1 yes, 0 no, -1 not given */
	struct sv_crit_result res[SV_CRIT_MAX_RULES];
	struct sv_casemix_result cm;
	double minutes;                           /* estimated minutes per week of the matched rules */
	int nmatched;
};

/* Reads the Parameters members `criteria`, `casemix` (valueCanonical, valueUri, valueUrl or valueString:
 * url[|version]) and `livingAlone` (valueBoolean) of `params`, each at most once; absent ones leave
 * *criteria, *casemix NULL and *living_alone -1. SV_EINVAL names the parameter. */
enum sv_err sv_assess_rules_params(const cJSON *params, const char **criteria, const char **casemix,
				   int *living_alone, struct sv_error *err);

/* Finds the Libraries `criteria` and `casemix` (canonical url[|version]; NULL = not used) in `snap`
 * and reads them (SV_ENOTFOUND naming the parameter when one is not held, SV_EINVAL when it is not a
 * criteria or case-mix Library, or the parse error "file:line: ..."). Sets r->criteria, r->casemix;
 * the snapshot owns what they point at. */
enum sv_err sv_assess_rules_load(const struct sv_snapshot *snap, const char *criteria, const char *casemix,
				 struct sv_assess_rules *r, struct sv_error *err);

/* Evaluates the criteria and applies the case-mix table to r->scores and r->living_alone. */
void sv_assess_rules_eval(struct sv_assess_rules *r);

/* Writes the CarePlan's activity array members (one object per service) for the matched rules;
 * cond_urn[v] is the urn of variable v's Condition or NULL. */
void sv_assess_rules_activities(struct sv_jsonw *w, const struct sv_assess_table *t, const struct sv_assess_rules *r,
				const char *const cond_urn[SV_CRIT_NVARS + 1]);

/* Writes one CarePlan note (an Annotation {"text": text}) into the open `note` array of `w`. */
void sv_assess_note(struct sv_jsonw *w, const char *text);

/* Writes "scheduledTiming": {"repeat": ...} for `freq` per `period` `unit` ("d", "wk", "mo") and, when
 * not 0, `minutes` per occurrence as duration (also the relations map's activities, assess.c). */
void sv_assess_timing(struct sv_jsonw *w, int freq, int period, const char *unit, int minutes);

/* Writes the CarePlan extension array members for the case-mix result (none without a table or group). */
void sv_assess_rules_extensions(struct sv_jsonw *w, const struct sv_assess_table *t, const struct sv_assess_rules *r);

/* Writes the CarePlan note array members: the rules close to matching, rules whose timing is not
 * counted, and the case-mix result. */
void sv_assess_rules_notes(struct sv_jsonw *w, const struct sv_assess_table *t, const struct sv_assess_rules *r);

#endif
