/* op_valueset.c — ValueSet $expand ($validate-code is in op_validate.c, with the CodeSystem form).
 *
 * Reads the $expand parameters into a struct sv_expand_opts, lets the engine (expand.c) expand, then
 * renders the ValueSet: the definition as given plus an `expansion` with the parameters used echoed
 * in `expansion.parameter`, `total`, `offset` and `contains` (nested under their parents unless
 * excludeNested or paging ask for a flat list). */
#include "samsvar/canonical.h"
#include "samsvar/jsonutil.h"
#include "samsvar/expand.h"
#include "samsvar/expand_props.h"
#include "samsvar/fhirapi.h"
#include "samsvar/params.h"
#include "samsvar/request.h"
#include "samsvar/uuid.h"
#include "samsvar/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Hard cap on codes computed for one expansion (pages are cut from it). */
#define EXPAND_HARD_CAP 2000000

/* Most `property` and `designation` parameters one request may give (each is tried on every code). */
#define MAX_EXPAND_LIST 32

/* The request parameters an expansion echoes in expansion.parameter, as given. */
static const char *const echoed[] = {
	"activeOnly", "count", "default-to-latest-version", "designation", "displayLanguage", "excludeNested",
	"excludeNotForUI", "excludePostCoordinated", "filter", "includeDefinition", "includeDesignations",
	"limitedExpansion", "offset",
};

/* The version rules (sv_req_version_rules() reads them in this order of appearance): echoed, as
 * canonicals (valueUri), when they chose a version, and default-valueset-version always. */
static const char *const rule_names[] = {
	"system-version", "check-system-version", "force-system-version", "default-valueset-version",
};

/* What the edge read from the request. */
struct expand_input {
	struct sv_expand_opts opts;
	struct sv_vc_version_rule rules[SV_VC_MAX_VERSION_RULES];
	char *rule_text[SV_VC_MAX_VERSION_RULES];
	const char *filter, *lang;
	struct sv_text_query query;                /* filter cut into folded words */
	const char *props[MAX_EXPAND_LIST];        /* `property` codes asked for */
	size_t max_properties;                     /* config expand_max_properties */
	size_t nprops;
	const char *desigs[MAX_EXPAND_LIST];       /* `designation` filters: "system|code" or a language */
	size_t ndesigs;
	long count, offset;
	int designations, definition, exclude_nested;
	const struct sv_codesystem *supplements[SV_VC_MAX_SUPPLEMENTS];
	struct sv_vc_request display;   /* what the display choice needs: the supplements in force */
};

static void input_release(struct expand_input *in)
{
	for (size_t i = 0; i < in->opts.nrules; i++)
		free(in->rule_text[i]);
}

/* Collects every value of the repeating parameter `name` into list[] (at most MAX_EXPAND_LIST). */
static enum sv_err read_list(struct sv_request *req, const char *name, const char **list, size_t *n)
{
	const cJSON *p;

	*n = 0;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *pn = sv_jstr(p, "name"), *text = sv_param_text(p);
		if (!pn || strcmp(pn, name) != 0 || !text)
			continue;
		if (*n == MAX_EXPAND_LIST)
			return sv_fail_at(&req->err, SV_ETOOBIG, name, "more than %d '%s' parameters", MAX_EXPAND_LIST,
					  name);
		list[(*n)++] = text;
	}
	return SV_OK;
}

static enum sv_err read_input(struct sv_request *req, struct expand_input *in)
{
	enum sv_err rc;

	in->filter = sv_params_string(req->params, "filter");
	in->lang = sv_req_display_language(req);
	if ((rc = sv_params_int(req->params, "offset", 0, 0, EXPAND_HARD_CAP, &in->offset, &req->err)) != SV_OK ||
	    (rc = sv_params_int(req->params, "count", -1, 0, EXPAND_HARD_CAP, &in->count, &req->err)) != SV_OK ||
	    (rc = sv_params_bool(req->params, "includeDesignations", 0, &in->designations, &req->err)) != SV_OK ||
	    (rc = sv_params_bool(req->params, "includeDefinition", 0, &in->definition, &req->err)) != SV_OK ||
	    (rc = sv_params_bool(req->params, "excludeNested", 0, &in->exclude_nested, &req->err)) != SV_OK ||
	    (rc = sv_params_bool(req->params, "activeOnly", 0, &in->opts.active_only, &req->err)) != SV_OK ||
	    (rc = sv_params_bool(req->params, "excludeNotForUI", 0, &in->opts.exclude_abstract, &req->err)) != SV_OK ||
	    (rc = read_list(req, "property", in->props, &in->nprops)) != SV_OK ||
	    (rc = read_list(req, "designation", in->desigs, &in->ndesigs)) != SV_OK)
		return rc;
	if (in->filter && strlen(in->filter) > 256)
		return sv_fail_at(&req->err, SV_ETOOBIG, "filter", "filter is longer than 256 bytes");
	if (in->filter && sv_text_query_init(&in->query, in->filter) < 0)
		return sv_fail_at(&req->err, SV_ETOOBIG, "filter", "filter has more than %d words", SV_TEXT_MAX_WORDS);
	if (in->filter && in->query.n)
		in->opts.text = &in->query;
	if (in->lang && strlen(in->lang) > 256)
		return sv_fail_at(&req->err, SV_ETOOBIG, "displayLanguage", "displayLanguage is longer than 256 bytes");
	/* A hierarchy only when asked for it (excludeNested=false given or left out) and not paged. */
	in->opts.nest = !in->exclude_nested && in->count < 0 && in->offset == 0;
	in->opts.rules = in->rules;
	return sv_req_version_rules(req, in->rules, in->rule_text, &in->opts.nrules);
}

#define TEXT_FILTER_SYSTEMS 8   /* code systems whose matches text_filter() looks up in their index */

/* Keeps the items whose code, display or a designation has, for each word of the text filter, a word
 * containing it; an item whose parent is dropped moves up to the top. An item of one of the first
 * TEXT_FILTER_SYSTEMS code systems is looked up (binary search) among its system's matches from the word
 * index, any other is matched on its own: linear in the items either way. */
static void text_filter(const struct sv_snapshot *snap, struct sv_expansion *e, const struct sv_text_query *q)
{
	long *moved = sv_xcalloc(e->n + 1, sizeof(*moved));   /* old index -> new index, or -1 */
	struct { const struct sv_codesystem *cs; uint32_t *hit; size_t n; } sys[TEXT_FILTER_SYSTEMS];
	size_t nsys = 0, w = 0;

	for (size_t i = 0; i < e->n; i++) {
		const struct sv_codesystem *cs = e->items[i].cs;
		size_t j = 0;
		int hit;

		while (j < nsys && sys[j].cs != cs)
			j++;
		if (j == nsys && nsys < TEXT_FILTER_SYSTEMS) {
			sys[j].cs = cs;
			sys[j].hit = sv_codesystem_text_search(snap, cs, q, &sys[j].n);
			nsys++;
		}
		if (j < nsys) {
			uint32_t k = (uint32_t)(e->items[i].k - cs->concepts);
			size_t lo = 0, hi = sys[j].n;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (sys[j].hit[mid] < k)
					lo = mid + 1;
				else
					hi = mid;
			}
			hit = lo < sys[j].n && sys[j].hit[lo] == k;
		} else {
			hit = sv_concept_text_match(e->items[i].k, q);
		}
		moved[i] = -1;
		if (!hit)
			continue;
		e->items[w] = e->items[i];
		/* A search of a whole code system is a flat list of hits; filter includes keep their tree
		 * (as tx.fhir.org answers). */
		e->items[w].parent = e->items[i].parent >= 0 && e->items[i].nestable == 2 ? moved[e->items[i].parent] : -1;
		moved[i] = (long)w++;
	}
	e->n = w;
	for (size_t j = 0; j < nsys; j++)
		free(sys[j].hit);
	free(moved);
}

static void add_exp_param(cJSON *params, const char *name, const char *type, cJSON *value)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddItemToObject(p, type, value);
	cJSON_AddItemToArray(params, p);
}

/* The warning-* parameters for a resource the expansion used ("url|version" `canonical`): draft,
 * experimental, and a deprecated or withdrawn standards status. */
static void warn_status(cJSON *eparams, const cJSON *res, const char *canonical)
{
	const char *ss = sv_vc_standards_status(res);

	if (ss && (strcmp(ss, "deprecated") == 0 || strcmp(ss, "withdrawn") == 0)) {
		char name[32];
		snprintf(name, sizeof(name), "warning-%s", ss);
		add_exp_param(eparams, name, "valueUri", cJSON_CreateString(canonical));
	}
	if (sv_jstr(res, "status") && strcmp(sv_jstr(res, "status"), "draft") == 0)
		add_exp_param(eparams, "warning-draft", "valueUri", cJSON_CreateString(canonical));
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "experimental")))
		add_exp_param(eparams, "warning-experimental", "valueUri", cJSON_CreateString(canonical));
}

/* Marks `exp` as not closed (valueset-unclosed): codes other than those listed may be in the value
 * set, because code system `url` is held as a fragment only. Once, whatever the number of fragments. */
static void unclosed(cJSON *exp, const char *url)
{
	cJSON *exts, *x;
	char reason[600];

	if (cJSON_GetObjectItemCaseSensitive(exp, "extension"))
		return;
	exts = cJSON_AddArrayToObject(exp, "extension");
	x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, "url", "http://hl7.org/fhir/StructureDefinition/valueset-unclosed");
	cJSON_AddTrueToObject(x, "valueBoolean");
	cJSON_AddItemToArray(exts, x);
	x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, "url", "http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason");
	snprintf(reason, sizeof(reason), "This extension is based on a fragment of the code system %.400s", url);
	cJSON_AddStringToObject(x, "valueString", reason);
	cJSON_AddItemToArray(exts, x);
}

/* Most distinct code systems whose status is reported (the rest are used, just not warned about). */
#define MAX_WARNED 16

/* Warns about the status of the value set, the value sets it imported and the code systems used. */
static void render_warnings(const struct sv_request *req, const cJSON *vs, const struct sv_expansion *e, cJSON *eparams,
			    cJSON *exp)
{
	const struct sv_codesystem *done[MAX_WARNED];
	size_t ndone = 0;
	char canonical[1024];
	const cJSON *u;

	for (size_t i = 0; i < e->n && ndone < MAX_WARNED; i++) {
		const struct sv_codesystem *cs = e->items[i].cs;
		size_t j = 0;
		while (j < ndone && done[j] != cs)
			j++;
		if (j < ndone)
			continue;
		done[ndone++] = cs;
		snprintf(canonical, sizeof(canonical), "%s%s%s", cs->url, *cs->version ? "|" : "", cs->version);
		warn_status(eparams, cs->resource, canonical);
		if (cs->content && strcmp(cs->content, "fragment") == 0) {   /* the expansion may be incomplete */
			add_exp_param(eparams, "used-fragment", "valueUri", cJSON_CreateString(canonical));
			unclosed(exp, cs->url);
		}
	}
	cJSON_ArrayForEach(u, e->used_valuesets) {
		char url[1024];
		const char *version = sv_canonical_split(u->valuestring, url, sizeof(url), NULL);
		const struct sv_resource *r = sv_snapshot_valueset(req->snap, url, version);
		if (r)
			warn_status(eparams, r->resource, u->valuestring);
	}
	if (sv_jstr(vs, "url") && sv_vc_standards_status(vs) && strcmp(sv_vc_standards_status(vs), "withdrawn") == 0) {
		snprintf(canonical, sizeof(canonical), "%s%s%s", sv_jstr(vs, "url"), sv_jstr(vs, "version") ? "|" : "",
			 sv_jstr(vs, "version") ? sv_jstr(vs, "version") : "");
		add_exp_param(eparams, "warning-withdrawn", "valueUri", cJSON_CreateString(canonical));
	}
}

/* expansion.parameter: the request's parameters the expansion used, as given, then what it used. */
static void render_parameters(const struct sv_request *req, const struct expand_input *in, const cJSON *vs,
			      const struct sv_expansion *e, long count, cJSON *exp)
{
	cJSON *eparams = cJSON_AddArrayToObject(exp, "parameter");
	const cJSON *p, *u;
	unsigned rule = 0;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(req->params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		for (size_t i = 0; name && i < sizeof(rule_names) / sizeof(rule_names[0]); i++)
			if (strcmp(name, rule_names[i]) == 0) {
				if ((i == 3 || (rule < 32 && (e->rules_used >> rule) & 1u)) && sv_param_text(p))
					add_exp_param(eparams, name, "valueUri", cJSON_CreateString(sv_param_text(p)));
				rule++;
				break;
			}
		if (name && strcmp(name, "count") == 0) {   /* the count used: one over expand_max is cut */
			add_exp_param(eparams, "count", "valueInteger", cJSON_CreateNumber((double)count));
			continue;
		}
		for (size_t i = 0; name && i < sizeof(echoed) / sizeof(echoed[0]); i++)
			if (strcmp(name, echoed[i]) == 0) {
				cJSON_AddItemToArray(eparams, cJSON_Duplicate(p, 1));
				break;
			}
	}
	if (in->lang && !sv_params_get(req->params, "displayLanguage"))
		add_exp_param(eparams, "displayLanguage", "valueCode", cJSON_CreateString(in->lang));
	cJSON_ArrayForEach(u, e->used_systems)
		add_exp_param(eparams, "used-codesystem", "valueUri", cJSON_CreateString(u->valuestring));
	cJSON_ArrayForEach(u, e->used_valuesets)
		add_exp_param(eparams, "used-valueset", "valueUri", cJSON_CreateString(u->valuestring));
	for (size_t i = 0; i < in->display.nsupplements; i++) {
		const struct sv_codesystem *sup = in->supplements[i];
		char canonical[1024];
		size_t j = 0;
		while (j < i && in->supplements[j] != sup)   /* named twice: a parameter and the value set */
			j++;
		if (j < i)
			continue;
		snprintf(canonical, sizeof(canonical), "%s%s%s", sup->url, *sup->version ? "|" : "", sup->version);
		add_exp_param(eparams, "used-supplement", "valueUri", cJSON_CreateString(canonical));
	}
	render_warnings(req, vs, e, eparams, exp);
}

/* Whether designation `d` passes the `designation` parameters (none: every one passes); each is a
 * "system|code" of its use or a language. */
static int designation_wanted(const struct expand_input *in, const cJSON *d)
{
	const cJSON *use = cJSON_GetObjectItemCaseSensitive(d, "use");
	const char *lang = sv_jstr(d, "language");

	if (in->ndesigs == 0)
		return 1;
	for (size_t i = 0; i < in->ndesigs; i++) {
		const char *w = in->desigs[i], *bar = strchr(w, '|');
		/* A language asked for is that language, not its regional forms ("de" is not "de-CH"). */
		if (bar && bar - w == 15 && strncmp(w, "urn:ietf:bcp:47", 15) == 0 && lang && strcasecmp(lang, bar + 1) == 0)
			return 1;
		if (bar && use && sv_jstr(use, "system") && sv_jstr(use, "code") &&
		    strlen(sv_jstr(use, "system")) == (size_t)(bar - w) &&
		    strncmp(sv_jstr(use, "system"), w, (size_t)(bar - w)) == 0 && strcmp(sv_jstr(use, "code"), bar + 1) == 0)
			return 1;
		if (!bar && lang && strcasecmp(lang, w) == 0)
			return 1;
	}
	return 0;
}

/* Whether the expansion takes codes from more than one version of `url` (used_systems is short: one
 * entry a code system version). */
static int several_versions(const struct sv_expansion *e, const char *url)
{
	size_t n = strlen(url);
	int seen = 0;
	const cJSON *u;

	cJSON_ArrayForEach(u, e->used_systems)
		seen += strncmp(u->valuestring, url, n) == 0 && u->valuestring[n] == '|';
	return seen > 1;
}

#define TERM_MAINT "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra"

/* Adds designation `d` to the list of c (made on first use) when the designation parameters want it. */
static void add_designation(const struct expand_input *in, cJSON *c, const cJSON *d)
{
	cJSON *ds;

	if (!designation_wanted(in, d))
		return;
	ds = cJSON_GetObjectItemCaseSensitive(c, "designation");
	if (!ds)
		ds = cJSON_AddArrayToObject(c, "designation");
	cJSON_AddItemToArray(ds, cJSON_Duplicate(d, 1));
}

/* Adds the designations of concept k, less the one shown as `display` (the same string, by address). */
static void add_designations(const struct expand_input *in, cJSON *c, const struct sv_concept *k, const char *display)
{
	for (uint32_t i = 0; i < k->ndesig; i++) {
		cJSON *d;
		if (k->desig[i].value == display)
			continue;
		d = sv_designation_json(&k->desig[i]);
		add_designation(in, c, d);
		cJSON_Delete(d);
	}
}

/* contains[].designation: the concept's other names — its own display when another language's took
 * its place (preferredForLanguage in the code system's language), its designations, those the value
 * set's include gives it and those the supplements in force give it, less the one shown as `display`. */
static void render_designations(const struct expand_input *in, const struct sv_expansion_item *it, const char *display,
				cJSON *c)
{
	const cJSON *d;

	if (it->k->display && display != it->k->display) {
		cJSON *own = cJSON_CreateObject(), *use;
		if (sv_jstr(it->cs->resource, "language"))
			cJSON_AddStringToObject(own, "language", sv_jstr(it->cs->resource, "language"));
		use = cJSON_AddObjectToObject(own, "use");
		cJSON_AddStringToObject(use, "system", TERM_MAINT);
		cJSON_AddStringToObject(use, "code", "preferredForLanguage");
		cJSON_AddStringToObject(own, "value", it->k->display);
		add_designation(in, c, own);
		cJSON_Delete(own);
	}
	add_designations(in, c, it->k, display);
	/* Those the value set gives the concept where its include lists it (compose.include.concept). */
	cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(it->listed, "designation"))
		if (sv_jstr(d, "value") != display)
			add_designation(in, c, d);
	for (size_t i = 0; i < in->display.nsupplements; i++) {
		const struct sv_codesystem *sup = in->supplements[i];
		const struct sv_concept *sk = sv_supplement_concept(sup, it->cs, it->k->code);
		if (!sk)
			continue;
		add_designations(in, c, sk, display);
	}
}

/* Whether the language list `list` refuses every language it does not name ("*; q=0"). */
static int others_refused(const char *list)
{
	const char *star = list ? strchr(list, '*') : NULL;

	if (!star)
		return 0;
	star++;
	while (*star == ' ')
		star++;
	if (*star++ != ';')
		return 0;
	while (*star == ' ')
		star++;
	return strncmp(star, "q=0", 3) == 0 && (star[3] == '\0' || star[3] == ',' || star[3] == ' ' ||
						 (star[3] == '.' && strspn(star + 4, "0") == strcspn(star + 4, ", ")));
}

/* Whether the code system's own displays are in one of the languages of `list`. */
static int own_language_named(const struct sv_codesystem *cs, const char *list)
{
	const char *lang = sv_jstr(cs->resource, "language");
	size_t n = lang ? strlen(lang) : 0;

	for (const char *p = list; lang && p && *p;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, lang, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ';' || p[n] == '-' || p[n] == ' '))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

/* One contains entry for item `it`. */
static cJSON *render_item(const struct expand_input *in, const struct sv_expansion *e,
			  const struct sv_expansion_item *it, struct sv_prop_decls *decls, cJSON *exp)
{
	cJSON *c = cJSON_CreateObject();
	const char *display = in->lang ? sv_vc_display_for(&in->display, it->cs, it->k, in->lang) : it->k->display;
	const struct sv_item_props props = {in->props, in->nprops, in->supplements, in->display.nsupplements, decls};

	/* No display in any language the client takes: none at all rather than one it refused. */
	if (display && display == it->k->display && in->lang && others_refused(in->lang) &&
	    !own_language_named(it->cs, in->lang))
		display = NULL;

	sv_expand_item_extensions(&props, it, c);
	cJSON_AddStringToObject(c, "system", it->cs->url);
	if (*it->cs->version && several_versions(e, it->cs->url))   /* which of them this code is from */
		cJSON_AddStringToObject(c, "version", it->cs->version);
	if (sv_concept_abstract(it->cs, it->k))
		cJSON_AddTrueToObject(c, "abstract");
	if (sv_concept_inactive(it->cs, it->k))
		cJSON_AddTrueToObject(c, "inactive");
	cJSON_AddStringToObject(c, "code", it->k->code);
	if (display)
		cJSON_AddStringToObject(c, "display", display);
	if (in->designations)
		render_designations(in, it, display, c);
	sv_expand_item_properties(&props, it, c, exp);
	return c;
}

/* expansion.contains: the page [offset, offset+count) flat, or the whole expansion as a hierarchy. */
static int render_contains(const struct expand_input *in, const struct sv_expansion *e, long count, cJSON *exp)
{
	cJSON *contains = cJSON_CreateArray();
	cJSON **made = in->opts.nest ? sv_xcalloc(e->n + 1, sizeof(*made)) : NULL;
	struct sv_prop_decls *decls = sv_prop_decls_new(in->max_properties);
	int over;
	size_t emitted = 0;

	for (size_t i = (size_t)in->offset; i < e->n && emitted < (size_t)count; i++, emitted++) {
		const struct sv_expansion_item *it = &e->items[i];
		cJSON *c = render_item(in, e, it, decls, exp);
		if (made && it->parent >= 0 && made[it->parent]) {
			cJSON *under = cJSON_GetObjectItemCaseSensitive(made[it->parent], "contains");
			if (!under)
				under = cJSON_AddArrayToObject(made[it->parent], "contains");
			cJSON_AddItemToArray(under, c);
		} else
			cJSON_AddItemToArray(contains, c);
		if (made)
			made[i] = c;
	}
	free(made);
	over = sv_prop_decls_over(decls);
	sv_prop_decls_free(decls);
	if (cJSON_GetArraySize(contains) > 0)
		cJSON_AddItemToObject(exp, "contains", contains);
	else
		cJSON_Delete(contains);
	return over;
}

#define R5_EXT "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion."

/* Moves the R5 `property` array of `node` into R4's form: one extension `url` each, its fields as
 * sub-extensions (code, then uri or value[x]). */
static void property_to_r4(cJSON *node, const char *url)
{
	cJSON *props = cJSON_DetachItemFromObjectCaseSensitive(node, "property"), *p, *exts;

	if (!props)
		return;
	exts = cJSON_GetObjectItemCaseSensitive(node, "extension");
	if (!exts)
		exts = cJSON_AddArrayToObject(node, "extension");
	cJSON_ArrayForEach(p, props) {
		cJSON *x = cJSON_CreateObject(), *subs = cJSON_AddArrayToObject(x, "extension"), *f;
		cJSON_AddStringToObject(x, "url", url);
		cJSON_ArrayForEach(f, p) {
			cJSON *sub = cJSON_CreateObject();
			int value = strncmp(f->string, "value", 5) == 0;
			cJSON_AddStringToObject(sub, "url", value ? "value" : f->string);
			cJSON_AddItemToObject(sub, value ? f->string : strcmp(f->string, "uri") == 0 ? "valueUri" : "valueCode",
					      cJSON_Duplicate(f, 1));
			cJSON_AddItemToArray(subs, sub);
		}
		cJSON_AddItemToArray(exts, x);
	}
	cJSON_Delete(props);
}

/* R4 has no expansion.property nor contains.property: they travel in the R5 cross-version
 * extensions (linear in the entries). */
static void contains_to_r4(cJSON *contains)
{
	cJSON *c;

	cJSON_ArrayForEach(c, contains) {
		property_to_r4(c, R5_EXT "contains.property");
		contains_to_r4(cJSON_GetObjectItemCaseSensitive(c, "contains"));
	}
}

/* The value set's elements an expansion carries over: its identity and metadata, not its definition
 * (compose, description): an expansion says what is in it, the definition stays where it is. */
static const char *const kept[] = {
	"resourceType", "id", "language", "extension", "url", "identifier", "version", "name", "title", "status",
	"experimental", "date", "publisher", "contained",
};

/* The answer: the value set's identity (kept[]) with the new expansion. */
static cJSON *render(struct sv_request *req, const struct expand_input *in, const cJSON *vs,
		     const struct sv_expansion *e, long count)
{
	cJSON *res = cJSON_CreateObject(), *exp, *props, *x;

	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(vs, kept[i]);
		if (v)
			cJSON_AddItemToObject(res, kept[i], cJSON_Duplicate(v, 1));
	}
	/* The standards-status of the definition is about the definition, not this expansion. */
	x = cJSON_GetObjectItemCaseSensitive(res, "extension");
	for (cJSON *ext = x ? x->child : NULL, *next; ext; ext = next) {
		next = ext->next;
		if (sv_jstr(ext, "url") && strstr(sv_jstr(ext, "url"), "structuredefinition-standards-status"))
			cJSON_Delete(cJSON_DetachItemViaPointer(x, ext));
	}
	if (x && cJSON_GetArraySize(x) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(res, "extension");
	if (!sv_jstr(res, "resourceType"))
		cJSON_AddStringToObject(res, "resourceType", "ValueSet");
	if (!sv_jstr(res, "status"))
		cJSON_AddStringToObject(res, "status", "unknown");
	exp = cJSON_AddObjectToObject(res, "expansion");
	/* Recorded in the request too: a cached copy of this answer gets new ones in their place. */
	sv_uuid_urn(req->minted_uuid, sizeof(req->minted_uuid));
	cJSON_AddStringToObject(exp, "identifier", req->minted_uuid);
	sv_now_iso(req->minted_instant, sizeof(req->minted_instant));
	cJSON_AddStringToObject(exp, "timestamp", req->minted_instant);
	cJSON_AddNumberToObject(exp, "total", (double)e->n);
	if (sv_params_get(req->params, "offset") || sv_params_get(req->params, "count"))
		cJSON_AddNumberToObject(exp, "offset", (double)in->offset);
	render_parameters(req, in, vs, e, count, exp);
	if (render_contains(in, e, count, exp)) {
		cJSON_Delete(res);
		sv_fail_at(&req->err, SV_ETOOCOSTLY, "property", "the answer would hold more than %zu property values "
			   "(expand_max_properties): ask for fewer properties, or page with count and offset",
			   in->max_properties);
		return NULL;
	}
	/* expansion.property comes before contains in the FHIR order; cJSON keeps insertion order. */
	if ((props = cJSON_DetachItemFromObjectCaseSensitive(exp, "property")) != NULL) {
		cJSON *contains = cJSON_DetachItemFromObjectCaseSensitive(exp, "contains");
		cJSON_AddItemToObject(exp, "property", props);
		if (contains)
			cJSON_AddItemToObject(exp, "contains", contains);
	}
	if (req->fhir_version < 5) {
		property_to_r4(exp, R5_EXT "property");
		contains_to_r4(cJSON_GetObjectItemCaseSensitive(exp, "contains"));
	}
	return res;
}

#define EXPANSION_PARAMETER "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter"

/* The displayLanguage a value set asks its expansions to use (a valueset-expansion-parameter
 * extension on compose), else its language, else NULL. */
static const char *vs_display_language(const cJSON *vs)
{
	const cJSON *x, *part;

	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "compose"), "extension")) {
		const char *name = NULL, *value = NULL;
		if (!sv_jstr(x, "url") || strcmp(sv_jstr(x, "url"), EXPANSION_PARAMETER) != 0)
			continue;
		cJSON_ArrayForEach(part, cJSON_GetObjectItemCaseSensitive(x, "extension")) {
			if (sv_jstr(part, "url") && strcmp(sv_jstr(part, "url"), "name") == 0)
				name = sv_jstr(part, "valueCode");
			else if (sv_jstr(part, "url") && strcmp(sv_jstr(part, "url"), "value") == 0)
				value = sv_jstr(part, "valueCode") ? sv_jstr(part, "valueCode") : sv_jstr(part, "valueString");
		}
		if (name && value && strcmp(name, "displayLanguage") == 0)
			return value;
	}
	return sv_jstr(vs, "language");
}

/* The engine's refusals that say which content is missing or refused, as the tx-issue-type of the
 * FHIR terminology ecosystem names them; any other error goes out as it is. */
static enum sv_err refusal(struct sv_request *req, enum sv_err rc, cJSON **out, int *status)
{
	const char *at = req->err.expression;

	if (rc == SV_ENOTFOUND && strcmp(at, "version") == 0)
		return sv_outcome_tx(req, out, status, rc, "not-found", "not-found", "UNKNOWN_CODESYSTEM_VERSION_EXP", 0);
	if (rc == SV_ENOTFOUND && strcmp(at, "system") == 0)
		return sv_outcome_tx(req, out, status, rc, "not-found", "not-found", "UNKNOWN_CODESYSTEM_EXP", 0);
	if (rc == SV_ENOTFOUND && strcmp(at, "valueSet") == 0)
		return sv_outcome_tx(req, out, status, rc, "not-found", "not-found", "VS_EXP_IMPORT_UNK_PINNED", 0);
	if (rc == SV_EINVAL && strcmp(at, "valueSet") == 0)
		return sv_outcome_tx(req, out, status, rc, "processing", "vs-invalid", "VALUESET_CIRCULAR_REFERENCE", 0);
	if (rc == SV_EINVAL && strcmp(at, "check-system-version") == 0)
		return sv_outcome_tx(req, out, status, rc, "exception", "version-error", "VALUESET_VERSION_CHECK", 0);
	return rc;
}

enum sv_err sv_op_vs_expand(struct sv_request *req, cJSON **out, int *status)
{
	const cJSON *vs;
	cJSON *owned = NULL;
	struct sv_expansion e = {0};
	struct expand_input in = {0};
	long count;
	enum sv_err rc;

	if ((rc = read_input(req, &in)) != SV_OK)
		goto out;
	if ((rc = sv_req_valueset(req, &vs, &owned)) != SV_OK)
		goto out;
	in.display.supplements = in.supplements;
	if ((rc = sv_req_supplements(req, vs, in.supplements, SV_VC_MAX_SUPPLEMENTS, &in.display.nsupplements)) != SV_OK) {
		if (rc == SV_ENOTFOUND)
			rc = sv_outcome_tx(req, out, status, rc, "not-found", "not-found", "VALUESET_SUPPLEMENT_MISSING", 0);
		goto out;
	}
	/* Without one from the request: the displayLanguage the value set sets for its expansions, else
	 * its own language. */
	if (!in.lang)
		in.lang = vs_display_language(vs);
	if ((rc = sv_expand(req->snap, vs, &in.opts, EXPAND_HARD_CAP, &e, &req->err)) != SV_OK) {
		rc = refusal(req, rc, out, status);
		goto out;
	}
	if (in.filter && in.query.n)
		text_filter(req->snap, &e, &in.query);
	count = in.count;
	if (count < 0 && e.n - (size_t)(in.offset < (long)e.n ? in.offset : (long)e.n) > req->cfg->expand_max) {
		rc = sv_fail_at(&req->err, SV_ETOOCOSTLY, "count", "the expansion has %zu codes, more than the %u "
				"returned at once: page with count and offset, or filter", e.n, req->cfg->expand_max);
		goto out;
	}
	if (count < 0 || count > (long)req->cfg->expand_max)
		count = count < 0 ? (long)e.n : (long)req->cfg->expand_max;
	in.max_properties = req->cfg->expand_max_properties;
	rc = (*out = render(req, &in, vs, &e, count)) != NULL ? SV_OK : req->err.code;
out:
	input_release(&in);
	sv_expansion_release(&e);
	cJSON_Delete(owned);
	return rc;
}
