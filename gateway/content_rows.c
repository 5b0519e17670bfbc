/* content_rows.c — the rows of a content file (mappings/README.md): a code of a CodeSystem, a mapping of a
 * ConceptMap, an included code of a ValueSet. Codes a map or value set names are checked against the
 * bundled CodeSystems when a whole directory is read. */
#include "samsvar/content_rows.h"
#include "samsvar/icf_rule.h"
#include "samsvar/systems.h"
#include "samsvar/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char FLAG_NATIONAL[] = "needs-national-edition";

/* R4 ConceptMapEquivalence. */
static const char *const equivalences[] = {
	"relatedto", "equivalent", "equal", "wider", "subsumes", "narrower", "specializes", "inexact",
	"unmatched", "disjoint",
};

static const char *cell(const struct doc *d, char **v, enum col c)
{
	return d->at[c] >= 0 ? v[d->at[c]] : "";
}

/* Checks `code` of `system` against the bundled CodeSystems (when reading a directory) and fills *display
 * from them; a display given in the file must equal the bundled one. */
static enum sv_err resolve(struct doc *d, const char *what, const char *system, const char *code,
			   const char **display)
{
	uint32_t i;

	if (!d->lk || !*code || !sv_strmap_get(&d->lk->systems, system, &i))
		return SV_OK; /* not bundled (e.g. FSIII): keep what the file says */
	char *key = sv_content_pair_key(system, code);
	int found = sv_strmap_get(&d->lk->codes, key, &i);
	free(key);
	if (!found)
		return sv_content_fail(d, SV_EINVAL, "%s %s is not a code of the bundled CodeSystem %s", what, code, system);
	const char *bundled = d->lk->displays.v[i];
	if (**display && strcmp(*display, bundled) != 0)
		return sv_content_fail(d, SV_EINVAL, "%s %s: display \"%s\" differs from the CodeSystem's \"%s\"", what,
			    code, *display, bundled);
	*display = bundled;
	return SV_OK;
}

enum sv_err sv_content_cs_row(struct doc *d, char **v)
{
	const char *code = cell(d, v, C_CODE), *display = cell(d, v, C_DISPLAY);
	const char *definition = cell(d, v, C_DEFINITION);

	if (!*code)
		return sv_content_fail(d, SV_EINVAL, "empty code");
	if (!*display)
		return sv_content_fail(d, SV_EINVAL, "code %s has an empty display", code);
	uint32_t first;
	if (sv_strmap_get(&d->codes, code, &first))
		return sv_content_fail(d, SV_EINVAL, "code %s given twice (first on line %u)", code, (unsigned)first);

	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToArray(d->items, c);
	sv_strmap_put(&d->codes, cJSON_AddStringToObject(c, "code", code)->valuestring, (uint32_t)d->line);
	cJSON_AddStringToObject(c, "display", display);
	if (*definition)
		cJSON_AddStringToObject(c, "definition", definition);
	cJSON *des = NULL, *props = NULL;
	for (int i = 0; i < d->ncols; i++) {
		if (d->kind[i] != C_DESIGNATION || !*v[i])
			continue;
		if (!des)
			des = cJSON_AddArrayToObject(c, "designation");
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "language", d->suffix[i]);
		cJSON_AddStringToObject(x, "value", v[i]);
		cJSON_AddItemToArray(des, x);
	}
	char *list = d->at[C_PARENT] >= 0 ? v[d->at[C_PARENT]] : NULL;
	for (char *p = list && *list ? list : NULL, *comma; p; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		char *parent = sv_trim(p);
		if (!*parent)
			return sv_content_fail(d, SV_EINVAL, "empty code in the parent list of %s", code);
		if (strcmp(parent, code) == 0)
			return sv_content_fail(d, SV_EINVAL, "code %s is its own parent", code);
		if (!props)
			props = cJSON_AddArrayToObject(c, "property");
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "code", "parent");
		cJSON_AddStringToObject(x, "valueCode", parent);
		cJSON_AddItemToArray(props, x);
		if (d->nparents == d->capparents) {
			d->capparents = d->capparents ? d->capparents * 2 : 64;
			d->parents = sv_xrealloc(d->parents, d->capparents * sizeof(*d->parents));
		}
		d->parents[d->nparents].code = sv_xstrdup(parent);
		d->parents[d->nparents].line = d->line;
		d->nparents++;
	}
	for (int i = 0; i < d->ncols; i++) {
		if (d->kind[i] != C_PROPERTY || !*v[i])
			continue;
		if (!props)
			props = cJSON_AddArrayToObject(c, "property");
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "code", d->suffix[i]);
		cJSON_AddStringToObject(x, "valueString", v[i]);
		cJSON_AddItemToArray(props, x);
	}
	return SV_OK;
}

/* Parses `spec` ("[property=]system|value" items separated by ';') into target[name]. */
static enum sv_err add_dependencies(struct doc *d, cJSON *target, const char *name, const char *column,
				    const char *spec)
{
	if (!*spec)
		return SV_OK;
	enum sv_err rc = SV_OK;
	char *copy = sv_xstrdup(spec);
	cJSON *arr = cJSON_AddArrayToObject(target, name);
	for (char *p = copy, *semi; p; p = semi ? semi + 1 : NULL) {
		semi = strchr(p, ';');
		if (semi)
			*semi = '\0';
		char *item = sv_trim(p);
		char *bar = strchr(item, '|');
		if (!bar || bar == item || !bar[1]) {
			rc = sv_content_fail(d, SV_EINVAL, "%s item \"%s\" is not [property=]system|value", column, item);
			goto out;
		}
		*bar = '\0';
		char *system = item, *value = bar + 1;
		const char *property = item;
		char *eq = strchr(item, '=');
		if (eq) {
			*eq = '\0';
			system = eq + 1;
			/* R4 makes dependsOn/product.system optional: "property=|value" (a value that is not a
			 * code, e.g. a frequency) needs a property but no system. */
			if (!*item) {
				rc = sv_content_fail(d, SV_EINVAL, "%s item has an empty property", column);
				goto out;
			}
		}
		const char *display = "";
		if ((rc = resolve(d, column, system, value, &display)) != SV_OK)
			goto out;
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "property", property);
		if (*system)
			cJSON_AddStringToObject(x, "system", system);
		cJSON_AddStringToObject(x, "value", value);
		if (*display)
			cJSON_AddStringToObject(x, "display", display);
		cJSON_AddItemToArray(arr, x);
	}
out:
	free(copy);
	return rc;
}

static struct group *cm_group(struct doc *d, const char *source, const char *target)
{
	char *key = sv_content_pair_key(source, target);
	uint32_t i;

	if (sv_strmap_get(&d->groups, key, &i)) {
		free(key);
		return d->grps.v[i];
	}
	struct group *g = sv_xcalloc(1, sizeof(*g));
	g->key = key;
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "source", source);
	cJSON_AddStringToObject(j, "target", target);
	g->elements = cJSON_AddArrayToObject(j, "element");
	cJSON_AddItemToArray(d->items, j);
	sv_strmap_put(&d->groups, g->key, sv_content_vec_push(&d->grps, g));
	return g;
}

/* The qualifier column (mappings/README.md): which ICF qualifier a target takes when the request gives the
 * dependency the map's @qualifierMap translates. Only where ICF allows one (icf_rule.h) and only where the
 * source and the category mean the same thing (equivalent, equal, wider, narrower). */
static enum sv_err check_qualifier(struct doc *d, const char *ts, const char *tc, const char *eq, const char *kind)
{
	static const char *const fit[] = {"equivalent", "equal", "wider", "narrower"};

	if (!*kind)
		return SV_OK;
	if (!d->meta[M_QUALIFIERMAP])
		return sv_content_fail(d, SV_EINVAL, "a qualifier needs @qualifierMap (the map that gives its value)");
	if (strcmp(ts, SV_SYS_ICF) != 0)
		return sv_content_fail(d, SV_EINVAL, "qualifier %s: only ICF targets take a qualifier", kind);
	if (!sv_icf_kind_known(kind))
		return sv_content_fail(d, SV_EINVAL, "qualifier \"%s\" is not impairment, performance or capacity", kind);
	if (!sv_icf_kind_fits(kind, tc))
		return sv_content_fail(d, SV_EINVAL, "qualifier %s does not fit ICF %s (a category: impairment for b and "
				       "s, performance or capacity for d; never a chapter or block)", kind, tc);
	if (!sv_content_one_of(eq, fit, sizeof(fit) / sizeof(fit[0])))
		return sv_content_fail(d, SV_EINVAL, "qualifier on a %s row: the score grades the category only when it "
				       "is equivalent, equal, wider or narrower", eq);
	return SV_OK;
}

enum sv_err sv_content_cm_row(struct doc *d, char **v)
{
	const char *ss = cell(d, v, C_SOURCE_SYSTEM), *sc = cell(d, v, C_SOURCE_CODE);
	const char *ts = cell(d, v, C_TARGET_SYSTEM), *tc = cell(d, v, C_TARGET_CODE);
	const char *eq = cell(d, v, C_EQUIVALENCE), *comment = cell(d, v, C_COMMENT);
	const char *sd = cell(d, v, C_SOURCE_DISPLAY), *td = cell(d, v, C_TARGET_DISPLAY);
	enum sv_err rc;

	if (!*ss || !*sc || !*ts)
		return sv_content_fail(d, SV_EINVAL, "source_system, source_code and target_system must not be empty");
	if (!sv_content_one_of(eq, equivalences, sizeof(equivalences) / sizeof(equivalences[0])))
		return sv_content_fail(d, SV_EINVAL, "equivalence \"%s\" is not an R4 ConceptMapEquivalence", eq);
	bool unmatched = strcmp(eq, "unmatched") == 0;
	if (unmatched && (*tc || *td))
		return sv_content_fail(d, SV_EINVAL, "an unmatched row has no target_code or target_display");
	if (!unmatched && !*tc)
		return sv_content_fail(d, SV_EINVAL, "target_code is empty (use equivalence unmatched for no target)");
	if (!*comment)
		return sv_content_fail(d, SV_EINVAL, "every mapping needs a comment saying why");
	if ((rc = resolve(d, "source_code", ss, sc, &sd)) != SV_OK ||
	    (rc = resolve(d, "target_code", ts, tc, &td)) != SV_OK)
		return rc;

	bool national = false;
	char *flags = sv_xstrdup(cell(d, v, C_FLAGS));
	for (char *p = *flags ? flags : NULL, *comma; p; p = comma ? comma + 1 : NULL) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		const char *f = sv_trim(p);
		if (strcmp(f, FLAG_NATIONAL) != 0) {
			rc = sv_content_fail(d, SV_EINVAL, "unknown flag \"%s\" (known: %s)", f, FLAG_NATIONAL);
			free(flags);
			return rc;
		}
		national = true;
	}
	free(flags);
	if ((rc = check_qualifier(d, ts, tc, eq, cell(d, v, C_QUALIFIER))) != SV_OK)
		return rc;

	struct group *g = cm_group(d, ss, ts);
	cJSON *el;
	uint32_t i;
	if (sv_strmap_get(&g->by_code, sc, &i)) {
		el = g->els.v[i];
		const cJSON *had = cJSON_GetObjectItemCaseSensitive(el, "display");
		if (*sd && cJSON_IsString(had) && strcmp(had->valuestring, sd) != 0)
			return sv_content_fail(d, SV_EINVAL, "source_display of %s differs from an earlier row", sc);
	} else {
		el = cJSON_CreateObject();
		cJSON_AddItemToArray(g->elements, el);
		const char *key = cJSON_AddStringToObject(el, "code", sc)->valuestring;
		if (*sd)
			cJSON_AddStringToObject(el, "display", sd);
		cJSON_AddArrayToObject(el, "target");
		sv_strmap_put(&g->by_code, key, sv_content_vec_push(&g->els, el));
	}
	cJSON *targets = cJSON_GetObjectItemCaseSensitive(el, "target");
	cJSON *t = cJSON_CreateObject();
	cJSON_AddItemToArray(targets, t);
	if (national) {
		char *url = sv_content_concat3(d->base, "/StructureDefinition/", FLAG_NATIONAL);
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "url", url);
		cJSON_AddBoolToObject(e, "valueBoolean", 1);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(t, "extension"), e);
		free(url);
	}
	if (*cell(d, v, C_QUALIFIER)) {
		char *url = sv_content_concat3(d->base, SV_EXT_ICF_QUALIFIER, "");
		cJSON *ext = cJSON_GetObjectItemCaseSensitive(t, "extension");
		cJSON *e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "url", url);
		cJSON_AddStringToObject(e, "valueCode", cell(d, v, C_QUALIFIER));
		cJSON_AddItemToArray(ext ? ext : cJSON_AddArrayToObject(t, "extension"), e);
		free(url);
	}
	if (*tc)
		cJSON_AddStringToObject(t, "code", tc);
	if (*td)
		cJSON_AddStringToObject(t, "display", td);
	cJSON_AddStringToObject(t, "equivalence", eq);
	cJSON_AddStringToObject(t, "comment", comment);
	if ((rc = add_dependencies(d, t, "dependsOn", "depends_on", cell(d, v, C_DEPENDS_ON))) != SV_OK)
		return rc;
	return add_dependencies(d, t, "product", "product", cell(d, v, C_PRODUCT));
}

enum sv_err sv_content_vs_row(struct doc *d, char **v)
{
	const char *system = cell(d, v, C_SYSTEM), *code = cell(d, v, C_CODE);
	const char *display = cell(d, v, C_DISPLAY);
	enum sv_err rc;

	if (!*system)
		return sv_content_fail(d, SV_EINVAL, "empty system");
	if (!*code && *display)
		return sv_content_fail(d, SV_EINVAL, "a display needs a code");
	if ((rc = resolve(d, "code", system, code, &display)) != SV_OK)
		return rc;
	cJSON *inc;
	uint32_t i;
	bool created = !sv_strmap_get(&d->codes, system, &i);
	if (created) {
		inc = cJSON_CreateObject();
		cJSON_AddItemToArray(d->items, inc);
		const char *key = cJSON_AddStringToObject(inc, "system", system)->valuestring;
		sv_strmap_put(&d->codes, key, sv_content_vec_push(&d->incs, inc));
	} else {
		inc = d->incs.v[i];
	}
	cJSON *concepts = cJSON_GetObjectItemCaseSensitive(inc, "concept");
	if (!*code) {
		if (!created)
			return sv_content_fail(d, SV_EINVAL, "%s is included whole here but has code rows too", system);
		return SV_OK;
	}
	if (!concepts) {
		if (!created)
			return sv_content_fail(d, SV_EINVAL, "%s is included whole earlier, so a code row adds nothing", system);
		concepts = cJSON_AddArrayToObject(inc, "concept");
	}
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "code", code);
	if (*display)
		cJSON_AddStringToObject(c, "display", display);
	cJSON_AddItemToArray(concepts, c);
	return SV_OK;
}
