/* test_api_inactive.c — inactive SNOMED CT concepts and their historical associations (issue 11) through
 * the real daemon and CLI, on a small edition tools/gen-rf2.py writes at test time: every association
 * kind (REPLACED BY, SAME AS, POSSIBLY EQUIVALENT TO, ALTERNATIVE) is a `$lookup` property, `$validate-code`
 * of the inactive code is true with a warning naming the target and its display, `$translate` with no map
 * follows it with the equivalence FHIR's SNOMED CT page gives; a malformed association row is refused with
 * file:line and the store keeps what it held; language refsets choose the nb / nn displays. */
#include "support/daemon.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCT "http://snomed.info/sct"
#define ASSOC_FILE "Snapshot/Refset/Content/der2_cRefset_AssociationSnapshot_INT_20250131.txt"

static const struct {
	const char *name, *property, *label, *equivalence;
} kinds[] = {
	{"REPLACED BY", "replacedBy", "replaced by", "equivalent"},
	{"SAME AS", "sameAs", "the same as", "equal"},
	{"POSSIBLY EQUIVALENT TO", "possiblyEquivalentTo", "possibly equivalent to", "inexact"},
	{"ALTERNATIVE", "alternative", "an alternative to", "inexact"},
};

static cJSON *poll_get(const struct ts_daemon *d, const char *path, long want)
{
	cJSON *j = ts_poll_get(d, path, want);
	cr_assert_not_null(j, "GET %s never answered %ld", path, want);
	return j;
}

/* The value of part `name` of parameter p (value[x] as text), or NULL. */
static const char *part(const cJSON *p, const char *name)
{
	const cJSON *q, *v;
	cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(p, "part")) {
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(q, "name")), name) != 0)
			continue;
		cJSON_ArrayForEach(v, q)
			if (v->string && strncmp(v->string, "value", 5) == 0 && cJSON_IsString(v))
				return v->valuestring;
		if ((v = cJSON_GetObjectItemCaseSensitive(q, "valueBoolean")) != NULL)
			return cJSON_IsTrue(v) ? "true" : "false";
		if ((v = cJSON_GetObjectItemCaseSensitive(q, "valueCoding")) != NULL)
			return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "code"));
	}
	return NULL;
}

/* 1 when $lookup answer `res` has property `code` = `value`. */
static int has_property(const cJSON *res, const char *code, const char *value)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(res, "parameter"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name")), "property") == 0 &&
		    part(p, "code") && strcmp(part(p, "code"), code) == 0 && part(p, "value") &&
		    strcmp(part(p, "value"), value) == 0)
			return 1;
	return 0;
}

/* Checks lookup, validate-code and translate of inactive concept `code` whose association `k` names
 * `target`. */
static void check_inactive(const struct ts_daemon *d, size_t k, const char *code, const char *target)
{
	char path[600], want[600], *text;
	const cJSON *p, *match = NULL;
	cJSON *res;
	const char *display;

	snprintf(path, sizeof(path), "/fhir/CodeSystem/$lookup?system=" SCT "&code=%s", target);
	res = poll_get(d, path, 200);
	display = ts_param_str(res, "display");
	cr_assert_not_null(display);
	snprintf(want, sizeof(want), "%s %s '%s'", kinds[k].label, target, display);
	cJSON_Delete(res);

	snprintf(path, sizeof(path), "/fhir/CodeSystem/$lookup?system=" SCT "&code=%s&property=*", code);
	res = poll_get(d, path, 200);
	cr_assert(has_property(res, kinds[k].property, target), "%s: no %s = %s", code, kinds[k].property, target);
	cr_assert(has_property(res, "inactive", "true"), "%s: not inactive", code);
	cJSON_Delete(res);

	snprintf(path, sizeof(path), "/fhir/CodeSystem/$validate-code?url=" SCT "&code=%s", code);
	res = poll_get(d, path, 200);
	cr_assert_eq(ts_param_bool(res, "result"), 1, "an inactive code is valid");
	text = cJSON_PrintUnformatted(res);
	cr_assert(strstr(text, want) && strstr(text, "INACTIVE_CONCEPT_REPLACED"), "%s: no '%s' in %s",
		  kinds[k].name, want, text);
	free(text);
	cJSON_Delete(res);

	snprintf(path, sizeof(path), "/fhir/ConceptMap/$translate?system=" SCT "&code=%s", code);
	res = poll_get(d, path, 200);
	cr_assert_eq(ts_param_bool(res, "result"), 1, "%s: not followed", kinds[k].name);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(res, "parameter"))
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name")), "match") == 0)
			match = p;
	cr_assert_not_null(match);
	cr_assert_str_eq(part(match, "concept"), target);
	cr_assert_str_eq(part(match, "equivalence"), kinds[k].equivalence, "%s", kinds[k].name);
	cJSON_Delete(res);
}

Test(api_inactive, associations_lookup_validate_translate_and_bad_row)
{
	struct ts_daemon d;
	char *vh, *out, cmd[4096], dir[600], path[700], bad[700];
	const cJSON *e;
	cJSON *m, *res;
	size_t len, seen[4] = {0}, lines = 0;
	char *text;
	const char *active;

	TS_REQUIRE_SHARED(vh, "tools/verhoeff.py");
	free(vh);
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	m = ts_gen_rf2(&d, "--concepts 300 --inactive 10 --seed 5", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/SnomedCT_SyntheticINT_20250131", dir);
	snprintf(cmd, sizeof(cmd), "import --store %s/store.db --snomed-rf2 %s", d.dir, path);
	cr_assert_eq(ts_samsvar(cmd, &out), 0, "%s", out);
	free(out);

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(m, "inactive")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "association"));
		for (size_t k = 0; k < 4; k++)
			if (strcmp(name, kinds[k].name) == 0 && !seen[k]++)
				check_inactive(&d, k, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "code")),
					       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "target")));
	}
	for (size_t k = 0; k < 4; k++)
		cr_assert(seen[k], "the generator wrote no %s row", kinds[k].name);

	/* An active code has no replacement warning and translates to nothing without a map. */
	active = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "leaf"));
	snprintf(cmd, sizeof(cmd), "/fhir/CodeSystem/$validate-code?url=" SCT "&code=%s", active);
	res = poll_get(&d, cmd, 200);
	text = cJSON_PrintUnformatted(res);
	cr_assert_null(strstr(text, "INACTIVE_CONCEPT"), "%s", text);
	free(text);
	cJSON_Delete(res);
	snprintf(cmd, sizeof(cmd), "/fhir/ConceptMap/$translate?system=" SCT "&code=%s", active);
	res = poll_get(&d, cmd, 200);
	cr_assert_eq(ts_param_bool(res, "result"), 0);
	cJSON_Delete(res);

	/* A malformed association row (a target that is no SCTID): refused with file:line, store unchanged. */
	snprintf(bad, sizeof(bad), "%s/bad", d.dir);
	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && printf '00000000-0000-4000-8000-000000000000\\t20250131\\t1\\t"
		 "900000000000207008\\t900000000000526001\\t%s\\t12345\\r\\n' >> '%s/" ASSOC_FILE "'",
		 path, bad, active, bad);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/" ASSOC_FILE, bad);
	text = ts_read_file(cmd, &len);
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	free(text);
	snprintf(cmd, sizeof(cmd), "import --store %s/store.db --snomed-rf2 %s", d.dir, bad);
	cr_assert_neq(ts_samsvar(cmd, &out), 0, "a malformed association row was imported");
	snprintf(path, sizeof(path), "der2_cRefset_AssociationSnapshot_INT_20250131.txt:%zu: targetComponentId", lines);
	cr_assert(strstr(out, path), "no '%s' in %s", path, out);
	free(out);
	/* An association of an active concept is refused too. */
	snprintf(cmd, sizeof(cmd), "sed -i '$d' '%s/" ASSOC_FILE "' && printf '00000000-0000-4000-8000-000000000000\\t"
		 "20250131\\t1\\t900000000000207008\\t900000000000526001\\t%s\\t%s\\r\\n' >> '%s/" ASSOC_FILE "'",
		 bad, active, active, bad);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "import --store %s/store.db --snomed-rf2 %s", d.dir, bad);
	cr_assert_neq(ts_samsvar(cmd, &out), 0, "an association of an active concept was imported");
	snprintf(path, sizeof(path), "der2_cRefset_AssociationSnapshot_INT_20250131.txt:%zu: concept %s is active",
		 lines, active);
	cr_assert(strstr(out, path), "no '%s' in %s", path, out);
	free(out);
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "inactive"), 0);
	for (size_t k = 0; k < 4; k++)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "association")), kinds[k].name) == 0)
			check_inactive(&d, k, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "code")),
				       cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "target")));
	cJSON_Delete(m);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}

/* The display in language `lang` of `code` in SNOMED CT version `version` ($lookup displayLanguage). */
static char *display_in(const struct ts_daemon *d, const char *version, const char *code, const char *lang)
{
	char path[400], *v;
	cJSON *res;

	snprintf(path, sizeof(path), "/fhir/CodeSystem/$lookup?system=" SCT "&version=%s&code=%s&displayLanguage=%s",
		 version, code, lang);
	res = poll_get(d, path, 200);
	v = strdup(ts_param_str(res, "display") ? ts_param_str(res, "display") : "");
	cJSON_Delete(res);
	return v;
}

/* The extension module (its Norwegian descriptions and nb and nn language refsets) imported on top of the
 * international edition (samsvar import --snomed-base) as its own version: the preferred synonym of each
 * refset is the display for displayLanguage=nb / nn (and nb-NO) in that version, the international
 * version has no Norwegian term; a bad acceptability is refused with file:line. */
Test(api_inactive, language_refsets_choose_the_display)
{
	struct ts_daemon d;
	char *vh, *out, *v, cmd[4096], dir[600], ext[700], bad[700], want[300];
	const cJSON *e;
	cJSON *m;
	const char *base, *xver;
	size_t len, n = 0;
	char *text;

	TS_REQUIRE_SHARED(vh, "tools/verhoeff.py");
	free(vh);
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	m = ts_gen_rf2(&d, "--concepts 300 --seed 7 --extension", dir, sizeof(dir));
	base = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "international"),
								     "version"));
	xver = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "extension"),
								     "version"));
	snprintf(ext, sizeof(ext), "%s/SnomedCT_SyntheticExtension_20250415", dir);
	snprintf(cmd, sizeof(cmd), "import --store %s/store.db --snomed-rf2 %s/SnomedCT_SyntheticINT_20250131", d.dir, dir);
	cr_assert_eq(ts_samsvar(cmd, &out), 0, "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "import --store %s/store.db --snomed-rf2 %s --snomed-base %s", d.dir, ext, base);
	cr_assert_eq(ts_samsvar(cmd, &out), 0, "%s", out);
	/* The en-GB row naming a description in neither edition: reported on stderr with file:line and id. */
	e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "extension"), "unknown_description");
	snprintf(want, sizeof(want), "%s:%d, description %s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "file")),
		 cJSON_GetObjectItemCaseSensitive(e, "line")->valueint,
		 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "id")));
	cr_assert(strstr(out, want) && strstr(out, "1 active language refset row names a description in neither"),
		  "no '%s' in %s", want, out);
	free(out);
	/* The extension's en-GB refset prefers an international synonym (acceptable there): the en-GB display
	 * of the extension's version, not of the international one. */
	e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "extension"), "gb_preferred");
	v = display_in(&d, xver, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "code")), "en-GB");
	cr_assert_str_eq(v, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "term")), "en-GB display");
	free(v);
	v = display_in(&d, base, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "code")), "en-GB");
	cr_assert_str_neq(v, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "term")), "international en-GB");
	free(v);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "extension"),
								 "preferred_terms")) {
		v = display_in(&d, xver, e->string, "nb");
		cr_assert_str_eq(v, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "nb")), "%s nb", e->string);
		free(v);
		v = display_in(&d, xver, e->string, "nn");
		cr_assert_str_eq(v, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "nn")), "%s nn", e->string);
		free(v);
		v = display_in(&d, xver, e->string, "nb-NO");
		cr_assert_str_eq(v, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "nb")), "%s nb-NO", e->string);
		free(v);
		v = display_in(&d, base, e->string, "nb");
		cr_assert_str_neq(v, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "nb")),
				  "the international version has no nb term of %s", e->string);
		free(v);
		n++;
	}
	cr_assert_geq(n, 5, "the generator named %zu translated concepts", n);

	/* A language row whose acceptability is neither preferred nor acceptable: refused with file:line. */
	snprintf(bad, sizeof(bad), "%s/bad", d.dir);
	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && f=$(ls '%s'/Snapshot/Refset/Language/der2_cRefset_LanguageSnapshot-nb_*) && "
		 "printf '00000000-0000-4000-8000-000000000000\\t20250415\\t1\\t900000000000207008\\t900000000000508004\\t"
		 "900000000000207008\\t900000000000003001\\r\\n' >> \"$f\" && wc -l < \"$f\" > '%s/lines'", ext, bad, bad, d.dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/lines", d.dir);
	text = ts_read_file(cmd, &len);
	snprintf(want, sizeof(want), "_20250415.txt:%d: acceptabilityId 900000000000003001 is neither", atoi(text));
	free(text);
	snprintf(cmd, sizeof(cmd), "import --store %s/store.db --snomed-rf2 %s --snomed-base %s", d.dir, bad, base);
	cr_assert_neq(ts_samsvar(cmd, &out), 0, "a bad language row was imported");
	cr_assert(strstr(out, want) && strstr(out, "der2_cRefset_LanguageSnapshot-nb_"), "no '%s' in %s", want, out);
	free(out);
	/* The store kept what it held. */
	e = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "extension"), "preferred_terms")->child;
	v = display_in(&d, xver, e->string, "nb");
	cr_assert_str_eq(v, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "nb")));
	free(v);
	cJSON_Delete(m);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}
