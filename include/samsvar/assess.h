/* assess.h — the $assess engine: an IPLOS assessment (20 function variables scored 1–5 or 9) in, coded
 * findings and a proposed care plan out, Fælles Sprog III style (conditions suggest interventions).
 *
 * Behaviour decided here:
 * - Input is a Parameters resource (`item` parts variable/score, `patient`, `date`, `relations`) or a Bundle
 *   of Observations (code = a 9111 coding, value = valueInteger or valueCodeableConcept in the IPLOS score
 *   system; subject and effectiveDateTime taken from the Observations and must agree). Every problem is
 *   SV_EINVAL naming the item ("item[2].score", "Bundle.entry[3].resource.code"; indexes are 0-based as in
 *   FHIRPath); nothing partial is ever returned.
 * - Output is a Bundle (type collection, urn:uuid fullUrls): one Observation per assessed variable (code:
 *   9111 + ICF + SNOMED CT observable; value: IPLOS score + ICF qualifier), one Condition per function problem
 *   (score 3–5, never 9; SNOMED CT finding + FSIII tilstand, ICF when no finding is mapped; clinicalStatus
 *   active, verificationStatus provisional because it is derived through draft maps and awaits professional
 *   judgement; severity = the FSIII scale step), one CarePlan (draft, proposal) whose activities are the
 *   interventions of the relations map for each problem, merged when identical (reasonReference lists every
 *   Condition behind one), and, when some of the 20 variables are absent, an OperationOutcome with one
 *   `incomplete` warning per missing variable (never scored as 1).
 * - Timing: relation products {base}/OperationDefinition/assess#frequency ("N/d", "N/wk", "N/mo") and
 *   #minutes-per-visit become Timing.repeat frequency/period/periodUnit and duration (min). The estimated
 *   minutes per week (d x7, wk x1, mo x12/52) of the activities that give both is the CarePlan extension
 *   {base}/StructureDefinition/estimated-minutes-per-week (valueQuantity, UCUM min/wk) and a note; a note
 *   also names the activities whose frequency or minutes the source does not give.
 * - Relations are consulted for scores 3–5 only: scores 1, 2 and 9 never give an intervention.
 * - `criteria` (a Library of allocation criteria) and `casemix` (a case-mix table), given as parameters
 *   or by opts, and `livingAlone` (valueBoolean): the criteria's matched services replace the relations'
 *   activities, each with why; the case-mix group and expected hours per week go on the CarePlan
 *   (assess_rules.h has the details).
 *
 * Performance: the codes of every (variable, score) are looked up once per snapshot and relations map with
 * sv_translate() and kept by the snapshot itself (sv_snapshot_memo(), freed with the snapshot), so a
 * request costs hash lookups and building the answer. */
#ifndef SAMSVAR_ASSESS_H
#define SAMSVAR_ASSESS_H

#include <cjson/cJSON.h>
#include "samsvar/error.h"
#include "samsvar/iplos.h"

struct sv_snapshot;
struct sv_jsonw;

/* Which content $assess uses; NULL fields take the default named beside them. */
struct sv_assess_opts {
	const char *canonical_base;   /* "https://fhir.samsvar.no": the {base} of mappings/ */
	const char *relations;        /* canonical url[|version]; default {base}/ConceptMap/iplos-interventions */
	const char *criteria;         /* allocation criteria Library url[|version]; NULL/"" = none */
	const char *casemix;          /* case-mix Library url[|version]; NULL/"" = none */
};

/* Runs $assess on `input` (a Parameters or Bundle resource, not modified) against `snap`. A `relations`,
 * `criteria` or `casemix` parameter inside a Parameters input overrides opts'. On SV_OK *out is a new Bundle the caller
 * frees; on error *out is NULL and err names the offending item (SV_EINVAL, SV_EREQUIRED), or the map or
 * code system that is missing (SV_ENOTFOUND). */
enum sv_err sv_assess_run(const struct sv_snapshot *snap, const cJSON *input, const struct sv_assess_opts *opts,
			  cJSON **out, struct sv_error *err);

/* As sv_assess_run(), but writes the Bundle to `w` (jsonw.h: compact bytes or a tree, the writer
 * decides); on error nothing is written. */
enum sv_err sv_assess_write(const struct sv_snapshot *snap, const cJSON *input, const struct sv_assess_opts *opts,
			    struct sv_jsonw *w, struct sv_error *err);


#endif
