/* validate.c — the $validate-code engine (validate.h): the checks of one code against its code system
 * and value set, each finding recorded as a typed issue. The wording follows the FHIR validator's
 * messages, which HL7's terminology cases check by fragment. */
#include "samsvar/validate.h"
#include "validate_private.h"
#include "samsvar/expand.h"
#include "samsvar/jsonutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


static void paths_of(const struct sv_vc_request *rq, size_t i, struct sv_vc_paths *p)
{
	switch (rq->form) {
	case SV_VC_CODE:
		snprintf(p->whole, sizeof(p->whole), "code");
		p->prefix[0] = '\0';
		break;
	case SV_VC_CODING:
		snprintf(p->whole, sizeof(p->whole), "Coding");
		snprintf(p->prefix, sizeof(p->prefix), "Coding.");
		break;
	case SV_VC_CODEABLECONCEPT:
		snprintf(p->whole, sizeof(p->whole), "CodeableConcept.coding[%u]", (unsigned)(i % 1000));
		snprintf(p->prefix, sizeof(p->prefix), "CodeableConcept.coding[%u].", (unsigned)(i % 1000));
		break;
	}
}

const char *sv_vc_severity_name(enum sv_vc_severity s)
{
	switch (s) {
	case SV_VC_INFORMATION:
		return "information";
	case SV_VC_WARNING:
		return "warning";
	case SV_VC_ERROR:
		return "error";
	}
	return "error";
}

struct sv_vc_issue *sv_vc_add_issue(struct sv_vc_result *r, enum sv_vc_severity sev, const char *type,
				    const char *tx, const char *id, const struct sv_vc_paths *p, const char *field,
				    const char *fmt, ...)
{
	struct sv_vc_issue *is;
	va_list ap;
	int n;

	if (r->nissues == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->issues = sv_xrealloc(r->issues, r->cap * sizeof(*r->issues));
	}
	is = &r->issues[r->nissues++];
	memset(is, 0, sizeof(*is));
	is->severity = sev;
	is->type = type;
	is->tx = tx;
	is->id = id;
	is->in_message = 1;
	if (!p)
		;
	else if (!field)
		snprintf(is->expression, sizeof(is->expression), "%s", p->whole);
	else if (*field)
		snprintf(is->expression, sizeof(is->expression), "%s%s", p->prefix, field);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	is->text = sv_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(is->text, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
	return is;
}

const char *sv_vc_standards_status(const cJSON *json)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(json, "extension"))
		if (sv_jstr(e, "url") && strcmp(sv_jstr(e, "url"), STANDARDS_STATUS) == 0)
			return sv_jstr(e, "valueCode");
	return NULL;
}

/* "system|version#code ('display')" as the messages name a coding (version and display when given). */
static void coding_name(const struct sv_vc_coding *c, const char *system, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s#%s%s%s%s", system ? system : "", c->version ? "|" : "", c->version ? c->version : "",
		 c->code, c->display ? " ('" : "", c->display ? c->display : "", c->display ? "')" : "");
}

/* The error that the coding is not in the value set named `vsn`. */
static void not_in_vs(struct sv_vc_result *r, const struct sv_vc_paths *p, const struct sv_vc_coding *c, const char *system,
		      const char *vsn)
{
	char name[700];
	coding_name(c, system, name, sizeof(name));
	sv_vc_add_issue(r, SV_VC_ERROR, "code-invalid", "not-in-vs", "None_of_the_provided_codes_are_in_the_value_set_one", p, "code", "The provided code '%s' was not found in "
		  "the value set '%s'", name, vsn);
}

/* "url|version" of the value set, as the messages name it. */
static void vs_name(const cJSON *vs, char *buf, size_t cap)
{
	const char *url = sv_jstr(vs, "url"), *version = sv_jstr(vs, "version");
	snprintf(buf, cap, "%s%s%s", url ? url : "(unidentified)", version ? "|" : "", version ? version : "");
}


/* The concept with `code` in `cs`; in a case-insensitive code system a code that differs only by case
 * is found too (a scan, linear in the code system, on that miss only). */
static const struct sv_concept *find_concept(const struct sv_codesystem *cs, const char *code)
{
	const struct sv_concept *k = sv_codesystem_concept(cs, code);

	if (k || cs->case_sensitive)
		return k;
	for (uint32_t i = 0; i < cs->nconcepts; i++)
		if (strcasecmp(cs->concepts[i].code, code) == 0)
			return &cs->concepts[i];
	return NULL;
}

/* Whether include `inc` can take `code`: it lists no concepts, or lists this one. */
static int listed(const cJSON *inc, const char *code)
{
	const cJSON *concepts = cJSON_GetObjectItemCaseSensitive(inc, "concept"), *k;

	if (cJSON_GetArraySize(concepts) == 0)
		return 1;
	cJSON_ArrayForEach(k, concepts)
		if (sv_jstr(k, "code") && strcmp(sv_jstr(k, "code"), code) == 0)
			return 1;
	return 0;
}

/* The version the includes of `vs` pin for the system of coding `c`: *pinned is set when an include
 * names the system; NULL is returned for versionless includes. With several pinned versions, the one
 * the coding names, else the latest that takes its code with its display, else the latest that takes
 * its code, else the latest. */
static const char *include_version(const struct sv_snapshot *snap, const cJSON *vs, const char *system,
				   const struct sv_vc_coding *c, int *pinned)
{
	const cJSON *inc;
	const char *best = NULL;
	int best_has = 0, versionless = 0;

	*pinned = 0;
	cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "compose"),
								     "include")) {
		const char *s = sv_jstr(inc, "system"), *v = sv_jstr(inc, "version");
		const struct sv_codesystem *cs;
		const struct sv_concept *k;
		int has;
		if (!s || strcmp(s, system) != 0)
			continue;
		*pinned = 1;
		if (!v) {
			versionless = 1;
			continue;
		}
		if (c->version && sv_version_matches(v, c->version))
			return v;
		cs = sv_snapshot_codesystem(snap, system, v);
		k = cs ? sv_codesystem_concept(cs, c->code) : NULL;
		/* 2: the include takes the code, 3: and the coding's display is one of it there. */
		has = k && listed(inc, c->code) ? 2 + (c->display && sv_concept_has_display(k, c->display)) : 0;
		if (!best || has > best_has || (has == best_has && sv_version_cmp(v, best) > 0)) {
			best = v;
			best_has = has;
		}
	}
	return versionless && !best_has ? NULL : best;
}

/* Records that version `version` of `system` is not held. */
static void unknown_version(const struct sv_snapshot *snap, struct sv_vc_result *r, const struct sv_vc_paths *p,
			    const char *system, const char *version)
{
	char versions[300];

	sv_snapshot_versions(snap, system, versions, sizeof(versions));
	if (!r->unknown_version) {
		size_t n = strlen(system) + strlen(version) + 2;
		r->unknown_version = sv_xmalloc(n);
		snprintf(r->unknown_version, n, "%s|%s", system, version);
	}
	sv_vc_add_issue(r, SV_VC_ERROR, "not-found", "not-found", "UNKNOWN_CODESYSTEM_VERSION", p, "system", "A definition for CodeSystem '%s' version "
		  "'%s' could not be found, so the code cannot be validated. Valid versions: %s", system, version,
		  versions);
}

/* The version the request's rule of `kind` gives `system` (or value set url), or NULL. */
static const char *rule(const struct sv_vc_request *rq, enum sv_vc_rule_kind kind, const char *system)
{
	for (size_t i = 0; i < rq->nrules; i++)
		if (rq->rules[i].kind == kind && strcmp(rq->rules[i].system, system) == 0)
			return rq->rules[i].version;
	return NULL;
}

/* The version checks of coding `c`. The value set's include version `iv` (NULL: versionless, or no
 * include names the system) gives way to force-system-version, and a versionless include takes the
 * check-system-version pattern; the coding's version must agree with the result and be held; a
 * coding without version takes system-version. Sets o->cs to the code system version to check the
 * code in (or, on a problem, to report); returns 1 when a version problem ends the checks. */
static int check_versions(const struct sv_snapshot *snap, const struct sv_vc_request *rq,
			  const struct sv_vc_coding *c, const struct sv_vc_paths *p, const char *system, const char *iv,
			  int pinned, const struct sv_codesystem *latest, struct sv_vc_result *r, struct sv_vc_outcome *o)
{
	const char *force = rule(rq, SV_VC_FORCE_VERSION, system), *check = rule(rq, SV_VC_CHECK_VERSION, system);
	const char *dflt = rule(rq, SV_VC_DEFAULT_VERSION, system), *cv = c->version;
	/* The version the value set ends up asking for; system-version fills a versionless include. */
	const char *ev = force ? force : iv ? iv : check ? check : pinned ? dflt : NULL;
	const struct sv_codesystem *cv_cs, *ev_cs, *iv_cs = iv ? sv_snapshot_codesystem(snap, system, iv) : NULL;
	const struct sv_codesystem *check_cs = check ? sv_snapshot_codesystem(snap, system, check) : NULL;
	const struct sv_codesystem *dflt_cs = dflt ? sv_snapshot_codesystem(snap, system, dflt) : NULL;
	int bad = 0;

	if (!cv && !ev)
		cv = dflt;
	cv_cs = cv ? sv_snapshot_codesystem(snap, system, cv) : NULL;
	ev_cs = ev ? sv_snapshot_codesystem(snap, system, ev) : NULL;
	/* A pattern the coding's version matches ("1.x.x" and "1.0.0") takes the coding's version. */
	if (ev && cv_cs && sv_version_matches(ev, cv))
		o->cs = cv_cs;
	else
		o->cs = ev_cs ? ev_cs : cv_cs ? cv_cs : check_cs ? check_cs : dflt_cs ? dflt_cs : latest;
	if (ev && cv && !sv_version_matches(ev, cv)) {
		if (ev == iv)
			sv_vc_add_issue(r, SV_VC_ERROR, "invalid", "vs-invalid", "VALUESET_VALUE_MISMATCH", p, "version", "The code system '%s' version "
				  "'%s' in the ValueSet include is different to the one in the value ('%s')", system, iv, cv);
		else
			sv_vc_add_issue(r, SV_VC_ERROR, "invalid", "vs-invalid", "VALUESET_VALUE_MISMATCH_CHANGED", p, "version", "The code system '%s' version "
				  "'%s' resulting from the version '%s' in the ValueSet include is different to the one in "
				  "the value ('%s')", system, ev, iv ? iv : "", cv);
		bad = 1;
	}
	if (cv && !cv_cs) {
		unknown_version(snap, r, p, system, cv);
		if (pinned && !ev && *latest->version)
			sv_vc_add_issue(r, SV_VC_WARNING, "invalid", "vs-invalid", "VALUESET_VALUE_MISMATCH_DEFAULT", p, "version", "The code system '%s' "
				  "version '%s' for the versionless include in the ValueSet include is different to the "
				  "one in the value ('%s')", system, latest->version, cv)->in_message = 0;
		bad = 1;
	}
	if (ev == iv && iv && !iv_cs) {
		unknown_version(snap, r, p, system, iv);
		o->vs_broken = 1;
		bad = 1;
	}
	if (check && o->cs && !sv_version_matches(check, o->cs->version)) {
		sv_vc_add_issue(r, SV_VC_ERROR, "exception", "version-error", "VALUESET_VERSION_CHECK", p, "version", "The version '%s' is not allowed "
			  "for system '%s': required to be '%s' by a version-check parameter", o->cs->version, system,
			  check);
		bad = 1;
	}
	if (bad)
		o->k = find_concept(o->cs, c->code);
	return bad;
}

/* The first include system of `vs` that defines `code` (for inferSystem), or NULL. */
static const char *infer_system(const struct sv_snapshot *snap, const cJSON *vs, const char *code)
{
	const cJSON *inc;

	cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "compose"),
								     "include")) {
		const char *s = sv_jstr(inc, "system");
		const struct sv_codesystem *cs = s ? sv_snapshot_codesystem(snap, s, sv_jstr(inc, "version")) : NULL;
		if (cs && sv_codesystem_concept(cs, code))
			return s;
	}
	return NULL;
}

/* A value set may mark a code it lists with a standards-status of its own (e.g. deprecated there), or
 * with the valueset-deprecated extension. */
static void check_listed_status(const cJSON *vs, const char *system, const char *code, const struct sv_vc_paths *p,
				const char *vsn, struct sv_vc_result *r)
{
	const cJSON *inc, *k;

	cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "compose"),
								     "include")) {
		if (!sv_jstr(inc, "system") || strcmp(sv_jstr(inc, "system"), system) != 0)
			continue;
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(inc, "concept")) {
			const char *status = sv_vc_standards_status(k);
			const cJSON *e;
			cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(k, "extension"))
				if (!status && sv_jstr(e, "url") && strcmp(sv_jstr(e, "url"), VALUESET_DEPRECATED) == 0 &&
				    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "valueBoolean")))
					status = "deprecated";
			if (!status || !sv_jstr(k, "code") || strcmp(sv_jstr(k, "code"), code) != 0)
				continue;
			sv_vc_add_issue(r, SV_VC_WARNING, "business-rule", "code-comment", "CONCEPT_DEPRECATED_IN_VALUESET", p, "code", "The presence of the "
					"concept '%s' in the system '%s' in the value set %s is marked with a status of %s "
					"and its use should be reviewed", code, system, vsn, status)->in_message = 0;
			return;
		}
	}
}

/* Whether `s` is one of the statuses a concept is reported with (a code system's own "status"
 * property may hold anything). */
static int is_status(const char *s)
{
	static const char *const known[] = {"active", "inactive", "retired", "deprecated", "withdrawn", "draft",
					    "experimental"};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i]) == 0)
			return 1;
	return 0;
}

/* Whether value set `vs` leaves inactive codes out (compose.inactive = false). */
static int inactive_excluded(const cJSON *vs)
{
	return cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "compose"),
							     "inactive"));
}

/* Notes, once, that the answer rests on a draft, experimental, deprecated or withdrawn resource. */
static void check_resource_status(struct sv_vc_result *r, const cJSON *res, const char *type, const char *url,
				  const char *version)
{
	const char *label = NULL, *std = sv_vc_standards_status(res), *id;
	char text[700];

	if (std && (strcmp(std, "deprecated") == 0 || strcmp(std, "withdrawn") == 0))
		label = std;
	else if (sv_jstr(res, "status") && strcmp(sv_jstr(res, "status"), "draft") == 0)
		label = "draft";
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "experimental")))
		label = "experimental";
	if (!label)
		return;
	id = strcmp(label, "draft") == 0 ? "MSG_DRAFT" : strcmp(label, "experimental") == 0 ? "MSG_EXPERIMENTAL" :
	     strcmp(label, "withdrawn") == 0 ? "MSG_WITHDRAWN" : "MSG_DEPRECATED";
	snprintf(text, sizeof(text), "Reference to %s %s %s%s%s", label, type, url, version && *version ? "|" : "",
		 version && *version ? version : "");
	for (size_t i = 0; i < r->nissues; i++)
		if (strcmp(r->issues[i].text, text) == 0)
			return;
	sv_vc_add_issue(r, SV_VC_INFORMATION, "business-rule", "status-check", id, NULL, NULL, "%s", text)->in_message = 0;
}

/* The historical associations of inactive concept `k` (SNOMED CT's REPLACED BY, SAME AS... as an RF2
 * import keeps them), each target with its display, as one warning; nothing when it has none. */
static void add_replacements(const struct sv_codesystem *cs, const struct sv_concept *k, const struct sv_vc_paths *p,
			     struct sv_vc_result *r)
{
	static const struct {
		const char *property, *label;
	} kinds[] = {
		{SV_PROP_REPLACED_BY, "replaced by"},
		{SV_PROP_SAME_AS, "the same as"},
		{SV_PROP_POSSIBLY_EQUIVALENT_TO, "possibly equivalent to"},
		{SV_PROP_ALTERNATIVE, "an alternative to"},
	};
	char text[1024];
	size_t len = 0, shown = 0;

	text[0] = '\0';
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		for (uint32_t j = 0; j < k->nprops; j++) {
			const char *code = k->props[j].code, *target = k->props[j].value;
			const struct sv_concept *t;
			int n;
			if (strcmp(k->props[j].type, "valueCode") != 0 || strcmp(code, kinds[i].property) != 0)
				continue;
			t = sv_codesystem_concept(cs, target);
			/* Bounded: a concept with more targets than fit says how many more there are. */
			n = snprintf(text + len, sizeof(text) - len, "%s%s %s%s%s%s", shown ? "; " : "", kinds[i].label,
				     target, t && t->display ? " '" : "", t && t->display ? t->display : "",
				     t && t->display ? "'" : "");
			if (n < 0 || (size_t)n >= sizeof(text) - len) {
				text[len] = '\0';
				snprintf(text + len, sizeof(text) - len, "%s...", shown ? "; " : "");
				i = sizeof(kinds) / sizeof(kinds[0]) - 1;
				break;
			}
			len += (size_t)n;
			shown++;
		}
	if (shown)
		sv_vc_add_issue(r, SV_VC_WARNING, "business-rule", "code-comment", "INACTIVE_CONCEPT_REPLACED", p, NULL,
				"The inactive concept '%s' is %s", k->code, text);
}

/* The status checks: inactive, retired and deprecated concepts warn; activeOnly refuses inactive. */
static void check_status(const struct sv_vc_request *rq, const struct sv_vc_paths *p, const struct sv_concept *k,
			 struct sv_vc_result *r, struct sv_vc_outcome *o, int report)
{
	const char *status = sv_concept_property(o->cs, k, "status");
	int is_inactive = sv_concept_inactive(o->cs, k);

	if (!status)
		status = sv_vc_standards_status(k->json);
	if (report && status && !r->status && is_status(status))
		r->status = status;
	if (is_inactive) {
		if (report)
			r->inactive = 1;
		sv_vc_add_issue(r, SV_VC_WARNING, "business-rule", "code-comment", "INACTIVE_CONCEPT_FOUND", p, NULL, "The concept '%s' has a status "
			  "of %s and its use should be reviewed", k->code,
			  status && strcmp(status, "retired") == 0 ? "retired and inactive" : "inactive");
		add_replacements(o->cs, k, p, r);
		if (rq->active_only || inactive_excluded(rq->valueset)) {
			sv_vc_add_issue(r, SV_VC_ERROR, "business-rule", "code-rule", "STATUS_CODE_WARNING_CODE", p, "code", "The concept '%s' is valid "
				  "but is not active", k->code);
			o->in_vs = 0;
		}
	} else if (status && strcmp(status, "deprecated") == 0) {
		sv_vc_add_issue(r, SV_VC_WARNING, "business-rule", "code-comment", "DEPRECATED_CONCEPT_FOUND", p, NULL, "The concept '%s' is deprecated "
			  "and its use should be reviewed", k->code);
	}
}

/* Checks coding `c` (index i of the request) against its code system and the value set. */
static enum sv_err check_coding(const struct sv_snapshot *snap, const struct sv_vc_request *rq, size_t i,
				struct sv_vc_result *r, struct sv_vc_outcome *o, struct sv_error *err)
{
	const struct sv_vc_coding *c = &rq->codings[i];
	const char *system = c->system, *iv = NULL, *code = c->code;
	const struct sv_codesystem *latest;
	const struct sv_concept *k;
	char vsn[600];
	struct sv_vc_paths p;
	int pinned = 0, member = 0;
	enum sv_err rc;

	memset(o, 0, sizeof(*o));
	paths_of(rq, i, &p);
	if (rq->valueset)
		vs_name(rq->valueset, vsn, sizeof(vsn));
	if (!system && rq->valueset && rq->infer_system) {
		system = infer_system(snap, rq->valueset, code);
		if (!system) {
			sv_vc_add_issue(r, SV_VC_ERROR, "not-found", "cannot-infer", "UNABLE_TO_INFER_CODESYSTEM", &p, "code", "The System URI could not be "
				  "determined for the code '%s' in the ValueSet '%s'", code, vsn);
			not_in_vs(r, &p, c, NULL, vsn);
			return SV_OK;
		}
	}
	if (!system) {
		sv_vc_add_issue(r, SV_VC_WARNING, "invalid", "invalid-data", "Coding_has_no_system__cannot_validate", &p, NULL, "Coding has no system. A code with no "
			  "system has no defined meaning, and it cannot be validated. A system should be provided");
		if (rq->valueset)
			not_in_vs(r, &p, c, NULL, vsn);
		return SV_OK;
	}
	if (!strchr(system, ':'))
		sv_vc_add_issue(r, SV_VC_ERROR, "invalid", "invalid-data", "Terminology_TX_System_Relative", &p, "system", "%ssystem must be an absolute "
			  "reference, not a local reference", rq->form == SV_VC_CODE ? "" : "Coding.");
	latest = sv_snapshot_codesystem(snap, system, NULL);
	if (rq->valueset)
		iv = include_version(snap, rq->valueset, system, c, &pinned);
	if (!latest) {
		/* A system the value set itself names is what makes the value set unusable here; any
		 * other is just not a system of the value set. */
		char **slot = pinned ? &r->unknown_version : &r->unknown_system;
		if (!*slot)
			*slot = sv_xstrdup(system);
		if (c->version)
			sv_vc_add_issue(r, SV_VC_ERROR, "not-found", "not-found", "UNKNOWN_CODESYSTEM_VERSION_NONE", &p, "system", "A definition for "
					"CodeSystem '%s' version '%s' could not be found, so the code cannot be validated. No "
					"versions of this code system are known", system, c->version);
		else
			sv_vc_add_issue(r, SV_VC_ERROR, "not-found", "not-found", "UNKNOWN_CODESYSTEM", &p, "system", "A definition for "
					"CodeSystem '%s' could not be found, so the code cannot be validated", system);
		if (rq->valueset && !pinned)
			not_in_vs(r, &p, c, system, vsn);
		return SV_OK;
	}
	if (check_versions(snap, rq, c, &p, system, iv, pinned, latest, r, o))
		return SV_OK;
	o->cs_ok = 1;
	check_resource_status(r, o->cs->resource, "CodeSystem", o->cs->url, o->cs->version);
	k = find_concept(o->cs, code);
	if (!k) {
		int fragment = o->cs->content && strcmp(o->cs->content, "fragment") == 0;
		if (!rq->membership_only) {
			if (fragment)
				sv_vc_add_issue(r, SV_VC_WARNING, "code-invalid", "invalid-code", "UNKNOWN_CODE_IN_FRAGMENT", &p, "code", "Unknown Code '%s' "
					  "in the CodeSystem '%s' version '%s' - note that the code system is labeled as a "
					  "fragment, so the code may be valid in some other fragment", code, system,
					  o->cs->version)->in_message = 0;
			else
				sv_vc_add_issue(r, SV_VC_ERROR, "code-invalid", "invalid-code", "Unknown_Code_in_Version", &p, "code", "Unknown code '%s' "
					  "in the CodeSystem '%s' version '%s'", code, system, o->cs->version);
			o->cs_ok = fragment;
		}
		if (rq->valueset && fragment)
			o->in_vs = 1;   /* a fragment cannot say the code is not in it */
		else if (rq->valueset)
			not_in_vs(r, &p, c, system, vsn);
		else
			o->in_vs = o->cs_ok;
		return SV_OK;
	}
	o->k = k;
	if (strcmp(k->code, code) != 0) {
		if (i == 0 || !r->normalized_code)
			r->normalized_code = k->code;
		sv_vc_add_issue(r, SV_VC_INFORMATION, "business-rule", "code-rule", "CODE_CASE_DIFFERENCE", &p, "code", "The code '%s' differs from "
			  "the correct code '%s' by case. Although the code system '%s|%s' is case insensitive, "
			  "implementers are strongly encouraged to use the correct case anyway", code, k->code,
			  system, o->cs->version)->in_message = 0;
	}
	o->in_vs = 1;
	if (!rq->membership_only) {
		const char *nie = sv_concept_property(o->cs, k, SV_PROP_NOT_IN_EDITION);
		sv_vc_check_display(rq, c, &p, o->cs, k, r, o);
		check_status(rq, &p, k, r, o, 1);
		/* Valid, but the client should know the loaded edition does not define it (import_merge.h). */
		if (nie && strcmp(nie, "true") == 0)
			sv_vc_add_issue(r, SV_VC_INFORMATION, "informational", "code-rule", "CODE_NOT_IN_EDITION", &p, "code",
					"Code '%s' is not in the edition loaded for %s version %s: it is kept from "
					"another import (property " SV_PROP_NOT_IN_EDITION ") and needs a fuller "
					"edition", k->code, system, o->cs->version);
	}
	if (rq->valueset && o->in_vs) {
		struct sv_vs_force force = {system, rule(rq, SV_VC_FORCE_VERSION, system)};
		if ((rc = sv_valueset_member(snap, rq->valueset, system, k->code, force.version ? &force : NULL, &member,
					     NULL, err)) != SV_OK)
			return rc;
		if (member && !rq->abstract_ok && sv_concept_abstract(o->cs, k)) {
			sv_vc_add_issue(r, SV_VC_ERROR, "business-rule", "code-rule", "ABSTRACT_CODE_NOT_ALLOWED", &p, "code", "Code '%s#%s' is abstract, "
				  "and not allowed in this context", system, k->code);
			member = 0;
		}
		o->in_vs = member;
		if (member)
			check_listed_status(rq->valueset, system, k->code, &p, vsn, r);
	}
	if (rq->valueset && !o->in_vs) {
		o->in_vs = 0;
		not_in_vs(r, &p, c, system, vsn);
	}
	return SV_OK;
}

/* Sets the code the answer reports from coding `i` and what it came to. */
static void report(const struct sv_vc_request *rq, size_t i, const struct sv_vc_outcome *o, struct sv_vc_result *r)
{
	const struct sv_vc_coding *c = &rq->codings[i];

	r->code = c->code;
	r->system = o->cs ? o->cs->url : c->system;
	r->version = o->cs && *o->cs->version ? o->cs->version : NULL;
	r->display = o->k ? sv_vc_display_for(rq, o->cs, o->k, rq->display_language) : NULL;
}

/* A filter of the value set's compose that lacks its property, op or value makes the value set unusable:
 * SV_EINVAL naming the filter (ValueSet.compose.include[i].filter[j]). */
static enum sv_err broken_filter(const cJSON *vs, struct sv_error *err)
{
	static const char *const parts[] = {"include", "exclude"};
	const cJSON *compose = cJSON_GetObjectItemCaseSensitive(vs, "compose"), *inc, *f;

	for (int p = 0; p < 2; p++) {
		int i = 0;
		cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(compose, parts[p])) {
			int j = 0;
			cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(inc, "filter")) {
				char where[96];
				if (sv_jstr(f, "property") && sv_jstr(f, "op") && sv_jstr(f, "value")) {
					j++;
					continue;
				}
				snprintf(where, sizeof(where), "ValueSet.compose.%s[%d].filter[%d]", parts[p], i, j);
				return sv_fail_at(err, SV_EINVAL, where, "The system %s filter with property = %s, op = %s "
						  "has no value", sv_jstr(inc, "system") ? sv_jstr(inc, "system") : "(none)",
						  sv_jstr(f, "property") ? sv_jstr(f, "property") : "(none)",
						  sv_jstr(f, "op") ? sv_jstr(f, "op") : "(none)");
			}
			i++;
		}
	}
	return SV_OK;
}

/* A value set that imports one this snapshot does not hold cannot say what is in it: notes the first
 * such import of its includes as not-found (the answer is then result false) and returns 1. */
static int missing_import(const struct sv_snapshot *snap, const struct sv_vc_request *rq, struct sv_vc_result *r)
{
	const cJSON *inc, *v;

	cJSON_ArrayForEach(inc, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rq->valueset,
								     "compose"), "include"))
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(inc, "valueSet")) {
			/* default-valueset-version gives an import without version its version. */
			const char *version = cJSON_IsString(v) ? rule(rq, SV_VC_VALUESET_VERSION, v->valuestring) : NULL;
			if (!cJSON_IsString(v) || v->valuestring[0] == '#' ||
			    sv_snapshot_valueset(snap, v->valuestring, version))
				continue;
			sv_vc_add_issue(r, SV_VC_ERROR, "not-found", "not-found", "Unable_to_resolve_value_Set_", NULL, NULL, "A definition for the value "
					"Set '%s%s%s' could not be found", v->valuestring, version ? "|" : "",
					version ? version : "");
			return 1;
		}
	return 0;
}

enum sv_err sv_validate(const struct sv_snapshot *snap, const struct sv_vc_request *rq, struct sv_vc_result *out,
			struct sv_error *err)
{
	struct sv_vc_outcome o;
	size_t chosen = (size_t)-1, known = (size_t)-1;
	int any_in_vs = 0, any_not_in_vs = 0;
	struct sv_vc_outcome chosen_o = {0}, known_o = {0};
	enum sv_err rc = SV_EINTERNAL;

	if (rq->ncodings == 0 || rq->ncodings > SV_VC_MAX_CODINGS)
		SV_BUG("sv_validate: the edge lets 1 to SV_VC_MAX_CODINGS codings through");
	if (rq->valueset && (rc = broken_filter(rq->valueset, err)) != SV_OK)
		goto out;
	if (rq->valueset && missing_import(snap, rq, out)) {
		rc = SV_OK;
		goto out;
	}
	for (size_t i = 0; i < rq->ncodings; i++) {
		size_t first = out->nissues;
		if ((rc = check_coding(snap, rq, i, out, &o, err)) != SV_OK)
			goto out;
		int outside = 0;
		if (rq->form == SV_VC_CODEABLECONCEPT && rq->valueset && !o.in_vs) {
			/* One coding outside the value set does not make the concept invalid: say so quietly. */
			for (size_t j = first; j < out->nissues; j++)
				if (strcmp(out->issues[j].tx, "not-in-vs") == 0) {
					outside = 1;
					out->issues[j].severity = SV_VC_INFORMATION;
					out->issues[j].tx = "this-code-not-in-vs";
					out->issues[j].in_message = 0;
					any_not_in_vs = 1;
				}
		}
		any_in_vs |= o.in_vs;
		if (chosen == (size_t)-1 && o.in_vs && (o.cs_ok || rq->membership_only)) {
			chosen = i;
			chosen_o = o;
		}
		/* Else the concept reports a coding that could not be checked (its code system version is
		 * not held), never one found outside the value set. */
		if (known == (size_t)-1 && (o.k || o.cs) && !outside && !o.vs_broken) {
			known = i;
			known_o = o;
		}
	}
	if (rq->form == SV_VC_CODEABLECONCEPT && rq->valueset && chosen == (size_t)-1) {
		char vsn[600];
		/* Only when a coding was found outside the value set: a coding whose code system (version)
		 * is not held could not be checked at all, and its own issue says so. */
		if (!any_in_vs && any_not_in_vs) {
			vs_name(rq->valueset, vsn, sizeof(vsn));
			sv_vc_add_issue(out, SV_VC_ERROR, "code-invalid", "not-in-vs", "TX_GENERAL_CC_ERROR_MESSAGE", NULL, NULL, "No valid coding was found "
				  "for the value set '%s'", vsn);
		}
	}
	if (rq->valueset && sv_jstr(rq->valueset, "url"))
		check_resource_status(out, rq->valueset, "ValueSet", sv_jstr(rq->valueset, "url"),
				      sv_jstr(rq->valueset, "version"));
	if (chosen != (size_t)-1)
		report(rq, chosen, &chosen_o, out);
	else if (known != (size_t)-1)
		report(rq, known, &known_o, out);
	else if (rq->form != SV_VC_CODEABLECONCEPT)
		report(rq, 0, &o, out);
	/* CodeSystem $validate-code "returns true if one of the coding values is in the code system": the
	 * other codings' problems are then only warnings. A value set's answer weighs every coding. */
	if (rq->form == SV_VC_CODEABLECONCEPT && !rq->valueset && chosen != (size_t)-1)
		for (size_t j = 0; j < out->nissues; j++)
			if (out->issues[j].severity == SV_VC_ERROR)
				out->issues[j].severity = SV_VC_WARNING;
	out->result = 1;
	for (size_t j = 0; j < out->nissues; j++)
		if (out->issues[j].severity == SV_VC_ERROR)
			out->result = 0;
	if (!out->result && rq->form != SV_VC_CODEABLECONCEPT && !rq->valueset && !o.k)
		out->display = NULL;
	rc = SV_OK;
out:
	return rc;
}

void sv_vc_result_release(struct sv_vc_result *r)
{
	for (size_t i = 0; i < r->nissues; i++)
		free(r->issues[i].text);
	free(r->issues);
	free(r->unknown_system);
	free(r->unknown_version);
	memset(r, 0, sizeof(*r));
}
