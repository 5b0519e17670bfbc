/* expand_ecl.c — the SNOMED CT implicit value sets (`?fhir_vs=ecl/…`, `refset/…`, `refset`) and the
 * `constraint` filter that carries ECL in a compose include (FHIR's SNOMED CT page), over ecl.h. */
#include "expand_private.h"
#include "samsvar/jsonutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The ECL of an implicit url, percent-decoded once more: FHIR asks clients to URL-encode it inside the
 * url, so after the query string's own decoding it may still carry %XX (ECL itself never has '%'). */
static char *ecl_decode(const char *s, struct sv_error *err)
{
	char *out = sv_xmalloc(strlen(s) + 1), *w = out;

	for (; *s; s++) {
		if (*s != '%') {
			*w++ = *s;
			continue;
		}
		if (hexval(s[1]) < 0 || hexval(s[2]) < 0) {
			free(out);
			sv_fail_at(err, SV_EINVAL, "url", "the ECL in the implicit value set url has a '%%' that is not "
				   "a %%XX escape");
			return NULL;
		}
		*w++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
		s += 2;
	}
	*w = '\0';
	return out;
}

cJSON *sv_expand_uri_text(const char *url)
{
	static const char hex[] = "0123456789ABCDEF";
	char *buf = sv_xmalloc(strlen(url) * 3 + 1), *w = buf;
	cJSON *s;

	for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
		if (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
			*w++ = '%';
			*w++ = hex[*p >> 4];
			*w++ = hex[*p & 15];
		} else {
			*w++ = (char)*p;
		}
	}
	*w = '\0';
	s = cJSON_CreateString(buf);
	free(buf);
	return s;
}

static void add_constraint(cJSON *inc, const char *ecl)
{
	cJSON *filters = cJSON_AddArrayToObject(inc, "filter"), *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "property", SV_FILTER_CONSTRAINT);
	cJSON_AddStringToObject(f, "op", "=");
	cJSON_AddStringToObject(f, "value", ecl);
	cJSON_AddItemToArray(filters, f);
}

/* `?fhir_vs=refset`: the refsets of the code system, as a list of concepts. */
static enum sv_err refset_list(const struct sv_snapshot *snap, cJSON *inc, struct sv_error *err)
{
	const struct sv_codesystem *cs = sv_snapshot_codesystem(snap, sv_jstr(inc, "system"), sv_jstr(inc, "version"));
	const uint32_t *refsets;
	size_t n;
	cJSON *list;
	enum sv_err rc;

	if (!cs)
		return sv_fail_at(err, SV_ENOTFOUND, "url", "A definition for CodeSystem '%s' could not be found, so "
				  "the value set cannot be expanded", sv_jstr(inc, "system"));
	if ((rc = sv_codesystem_refsets(snap, cs, &refsets, &n, err)) != SV_OK)
		return rc;
	if (n == 0)
		return sv_fail_at(err, SV_ENOTFOUND, "url", "%s version %s holds no reference sets (an RF2 import "
				  "reads them from der2_Refset_Simple files)", cs->url, cs->version);
	list = cJSON_AddArrayToObject(inc, "concept");
	for (size_t i = 0; i < n; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "code", cs->concepts[refsets[i]].code);
		cJSON_AddItemToArray(list, c);
	}
	return SV_OK;
}

enum sv_err sv_expand_implicit_sct(const struct sv_snapshot *snap, const char *form, cJSON *inc,
				   struct sv_error *err)
{
	struct sv_ecl *e;
	char *ecl = NULL;
	enum sv_err rc;

	if (strcmp(form, "refset") == 0)
		return refset_list(snap, inc, err);
	if (strncmp(form, "ecl/", 4) == 0 && form[4]) {
		if (!(ecl = ecl_decode(form + 4, err)))
			return err->code;
	} else if (strncmp(form, "refset/", 7) == 0 && form[7]) {
		size_t n = strlen(form + 7);
		if (strspn(form + 7, "0123456789") != n)
			return sv_fail_at(err, SV_EINVAL, "url", "refset/%s: a refset is named by its concept id", form + 7);
		ecl = sv_xmalloc(n + 3);
		memcpy(ecl, "^ ", 2);
		memcpy(ecl + 2, form + 7, n + 1);
	} else {
		return sv_fail_at(err, SV_ENOTSUPPORTED, "url", "implicit value set form '?fhir_vs=%s' is not supported "
				  "(use ?fhir_vs, ?fhir_vs=isa/<code>, ?fhir_vs=refset, ?fhir_vs=refset/<id> or "
				  "?fhir_vs=ecl/<expression>)", form);
	}
	e = sv_xmalloc(sizeof(*e));
	rc = sv_ecl_parse(ecl, e, err);
	if (rc == SV_OK)
		add_constraint(inc, ecl);
	else
		snprintf(err->expression, sizeof(err->expression), "url");
	free(e);
	free(ecl);
	return rc;
}

const char *sv_expand_constraint(const cJSON *inc)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(inc, "filter"))
		if (sv_jstr(f, "property") && strcmp(sv_jstr(f, "property"), SV_FILTER_CONSTRAINT) == 0 &&
		    sv_jstr(f, "op") && strcmp(sv_jstr(f, "op"), "=") == 0 && sv_jstr(f, "value"))
			return sv_jstr(f, "value");
	return NULL;
}

cJSON *sv_expand_without_constraint(const cJSON *inc)
{
	cJSON *copy = cJSON_Duplicate(inc, 1);
	cJSON *filters = cJSON_GetObjectItemCaseSensitive(copy, "filter"), *f = filters ? filters->child : NULL;

	while (f) {
		cJSON *next = f->next;
		if (sv_jstr(f, "property") && strcmp(sv_jstr(f, "property"), SV_FILTER_CONSTRAINT) == 0 &&
		    sv_jstr(f, "op") && strcmp(sv_jstr(f, "op"), "=") == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(filters, f));
		f = next;
	}
	return copy;
}

enum sv_err sv_expand_constraint_set(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
				     const char *ecl, size_t limit, struct sv_ecl_set *out, struct sv_error *err)
{
	struct sv_ecl *e = sv_xmalloc(sizeof(*e));
	enum sv_err rc = sv_ecl_parse(ecl, e, err);

	if (rc == SV_OK)
		rc = sv_ecl_eval(snap, cs, e, limit, out, err);
	free(e);
	return rc;
}

enum sv_err sv_expand_constraint_pass(const struct sv_snapshot *snap, const struct sv_codesystem *cs,
				      const char *ecl, const struct sv_concept *k, int *pass, struct sv_error *err)
{
	struct sv_ecl *e = sv_xmalloc(sizeof(*e));
	enum sv_err rc = sv_ecl_parse(ecl, e, err);

	*pass = 0;
	if (rc == SV_OK)
		rc = sv_ecl_matches(snap, cs, e, (uint32_t)(k - cs->concepts), SIZE_MAX, pass, err);
	free(e);
	return rc;
}
