/* params.c — FHIR Parameters: typed getters that accept GET text forms, and builders. */
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/strmap.h"
#include "samsvar/url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const TEXT_TYPES[] = {
	"valueString", "valueCode", "valueUri", "valueCanonical", "valueUrl", "valueId",
	"valueDate", "valueDateTime", "valueMarkdown", "valueOid", "valueUuid", "valueInstant",
};

cJSON *sv_params_new(void)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "resourceType", "Parameters");
	return p;
}

static const cJSON *list_of(const cJSON *params)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(params, "parameter");
	return l ? l : cJSON_GetObjectItemCaseSensitive(params, "part");
}

const cJSON *sv_params_get(const cJSON *params, const char *name)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, list_of(params)) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return p;
	}
	return NULL;
}

int sv_params_count(const cJSON *params, const char *name)
{
	const cJSON *p;
	int n = 0;
	cJSON_ArrayForEach(p, list_of(params)) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(p, "name");
		n += cJSON_IsString(nm) && strcmp(nm->valuestring, name) == 0;
	}
	return n;
}

const char *sv_param_text(const cJSON *param)
{
	if (!param)
		return NULL;
	for (size_t i = 0; i < sizeof(TEXT_TYPES) / sizeof(TEXT_TYPES[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(param, TEXT_TYPES[i]);
		if (cJSON_IsString(v))
			return v->valuestring;
	}
	return NULL;
}

const char *sv_params_string(const cJSON *params, const char *name)
{
	return sv_param_text(sv_params_get(params, name));
}

enum sv_err sv_param_bool(const cJSON *param, const char *name, int *out, struct sv_error *err)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(param, "valueBoolean");
	const char *t;

	if (cJSON_IsBool(b)) {
		*out = cJSON_IsTrue(b);
		return SV_OK;
	}
	t = sv_param_text(param);
	if (t && strcmp(t, "true") == 0)
		*out = 1;
	else if (t && strcmp(t, "false") == 0)
		*out = 0;
	else
		return sv_fail_at(err, SV_EINVAL, name, "parameter '%s' must be true or false", name);
	return SV_OK;
}

enum sv_err sv_params_bool(const cJSON *params, const char *name, int dflt, int *out, struct sv_error *err)
{
	const cJSON *p = sv_params_get(params, name);

	*out = dflt;
	return p ? sv_param_bool(p, name, out, err) : SV_OK;
}

enum sv_err sv_params_int(const cJSON *params, const char *name, long dflt, long min, long max, long *out,
			  struct sv_error *err)
{
	const cJSON *p = sv_params_get(params, name), *v;
	const char *t;
	long n;

	*out = dflt;
	if (!p)
		return SV_OK;
	v = cJSON_GetObjectItemCaseSensitive(p, "valueInteger");
	if (!v)
		v = cJSON_GetObjectItemCaseSensitive(p, "valueUnsignedInt");
	if (!v)
		v = cJSON_GetObjectItemCaseSensitive(p, "valuePositiveInt");
	if (cJSON_IsNumber(v)) {
		if (!(v->valuedouble > -9e18 && v->valuedouble < 9e18) || v->valuedouble != (double)(long)v->valuedouble)
			goto bad; /* range first: casting an out-of-range double to long is undefined */
		n = (long)v->valuedouble;
	} else if ((t = sv_param_text(p)) != NULL) {
		char *end;
		errno = 0;
		if (!*t || !((*t >= '0' && *t <= '9') || *t == '-'))
			goto bad;
		n = strtol(t, &end, 10);
		if (errno || *end)
			goto bad;
	} else {
		goto bad;
	}
	if (n < min || n > max)
		return sv_fail_at(err, SV_EINVAL, name, "parameter '%s' must be between %ld and %ld", name, min, max);
	*out = n;
	return SV_OK;
bad:
	return sv_fail_at(err, SV_EINVAL, name, "parameter '%s' must be a whole number", name);
}

cJSON *sv_coding_new(const char *system, const char *version, const char *code, const char *display)
{
	cJSON *c = cJSON_CreateObject();
	if (system)
		cJSON_AddStringToObject(c, "system", system);
	if (version)
		cJSON_AddStringToObject(c, "version", version);
	if (code)
		cJSON_AddStringToObject(c, "code", code);
	if (display)
		cJSON_AddStringToObject(c, "display", display);
	return c;
}

cJSON *sv_param_coding(const cJSON *param, const char *name, struct sv_error *err)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(param, "valueCoding");
	const char *t, *bar, *bar2;

	if (cJSON_IsObject(c))
		return cJSON_Duplicate(c, 1);
	t = sv_param_text(param);
	if (!t || !(bar = strrchr(t, '|')) || bar == t || !bar[1]) {
		sv_fail_at(err, SV_EINVAL, name, "parameter '%s' must be a Coding (in a GET: system|code)", name);
		return NULL;
	}
	/* system|code or system|version|code; the system itself may not contain '|'. */
	bar2 = memchr(t, '|', (size_t)(bar - t));
	{
		char *sys = sv_xstrndup(t, (size_t)((bar2 ? bar2 : bar) - t));
		char *ver = bar2 ? sv_xstrndup(bar2 + 1, (size_t)(bar - bar2 - 1)) : NULL;
		cJSON *coding = sv_coding_new(sys, ver, bar + 1, NULL);
		free(sys);
		free(ver);
		return coding;
	}
}

const cJSON *sv_param_codeableconcept(const cJSON *param, const char *name, struct sv_error *err)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(param, "valueCodeableConcept");
	if (!cJSON_IsObject(c)) {
		sv_fail_at(err, SV_EINVAL, name, "parameter '%s' must be a CodeableConcept", name);
		return NULL;
	}
	return c;
}

static cJSON *append(cJSON *params, const char *name)
{
	cJSON *list = cJSON_GetObjectItemCaseSensitive(params, "resourceType") ?
		cJSON_GetObjectItemCaseSensitive(params, "parameter") :
		cJSON_GetObjectItemCaseSensitive(params, "part");
	cJSON *p = cJSON_CreateObject();

	if (!list)
		list = cJSON_AddArrayToObject(params, cJSON_GetObjectItemCaseSensitive(params, "resourceType") ?
					      "parameter" : "part");
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddItemToArray(list, p);
	return p;
}

cJSON *sv_params_add(cJSON *params, const char *name, const char *type, const char *value)
{
	cJSON *p = append(params, name);
	char key[64];

	snprintf(key, sizeof(key), "value%s", type);
	if (strcmp(type, "Boolean") == 0)
		cJSON_AddBoolToObject(p, key, strcmp(value, "true") == 0);
	else if (strcmp(type, "Integer") == 0)
		cJSON_AddNumberToObject(p, key, strtod(value, NULL));
	else
		cJSON_AddStringToObject(p, key, value);
	return p;
}

cJSON *sv_params_add_bool(cJSON *params, const char *name, int value)
{
	cJSON *p = append(params, name);
	cJSON_AddBoolToObject(p, "valueBoolean", value);
	return p;
}

cJSON *sv_params_add_int(cJSON *params, const char *name, long value)
{
	cJSON *p = append(params, name);
	cJSON_AddNumberToObject(p, "valueInteger", (double)value);
	return p;
}

cJSON *sv_params_add_value(cJSON *params, const char *name, const char *value_type, cJSON *value)
{
	cJSON *p = append(params, name);
	cJSON_AddItemToObject(p, value_type, value);
	return p;
}

cJSON *sv_params_add_part(cJSON *params, const char *name)
{
	cJSON *p = append(params, name);
	cJSON_AddArrayToObject(p, "part");
	return p;
}

/* The elements of Parameters.parameter (R4 and R5): name, value[x] and its primitive extension,
 * resource, part, and the Element/BackboneElement ones. */
static int is_parameter_element(const char *key)
{
	switch (key[0]) {        /* by first letter: this runs for every key of every parameter */
	case 'n': return strcmp(key, "name") == 0;
	case 'v': return strncmp(key, "value", 5) == 0;
	case '_': return strncmp(key, "_value", 6) == 0;
	case 'r': return strcmp(key, "resource") == 0;
	case 'p': return strcmp(key, "part") == 0;
	case 'i': return strcmp(key, "id") == 0;
	case 'e': return strcmp(key, "extension") == 0;
	case 'm': return strcmp(key, "modifierExtension") == 0;
	default: return 0;
	}
}

static enum sv_err check_list(const cJSON *list, int depth, struct sv_error *err)
{
	const cJSON *p;

	if (!list)
		return SV_OK;
	if (!cJSON_IsArray(list))
		return sv_fail(err, SV_EINVAL, "Parameters.parameter must be an array");
	if (depth > 8)
		return sv_fail(err, SV_EINVAL, "Parameters nested deeper than 8 parts");
	cJSON_ArrayForEach(p, list) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name"), *k;
		enum sv_err rc;
		if (!cJSON_IsObject(p) || !cJSON_IsString(n) || !*n->valuestring)
			return sv_fail(err, SV_EINVAL, "every parameter needs a name");
		/* Only the elements FHIR defines: it keeps every later look-up inside a parameter short. */
		cJSON_ArrayForEach(k, p)
			if (!is_parameter_element(k->string))
				return sv_fail_at(err, SV_EINVAL, n->valuestring, "parameter '%.100s' has an element "
						  "'%.100s' that Parameters.parameter does not define", n->valuestring,
						  k->string);
		rc = check_list(cJSON_GetObjectItemCaseSensitive(p, "part"), depth + 1, err);
		if (rc != SV_OK)
			return rc;
	}
	return SV_OK;
}

enum sv_err sv_params_check(const cJSON *params, struct sv_error *err)
{
	const cJSON *rt = cJSON_GetObjectItemCaseSensitive(params, "resourceType");
	if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Parameters") != 0)
		return sv_fail(err, SV_EINVAL, "the body must be a Parameters resource (got %s)",
			       cJSON_IsString(rt) ? rt->valuestring : "no resourceType");
	return check_list(cJSON_GetObjectItemCaseSensitive(params, "parameter"), 0, err);
}

enum sv_err sv_params_only(const cJSON *params, const char *const *known, size_t n, const char *what,
			   const char *use, struct sv_error *err)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		size_t i = 0;
		while (i < n && strcmp(name, known[i]) != 0)
			i++;
		if (i == n)
			return sv_fail_at(err, SV_EINVAL, name, "search parameter '%.60s' is not supported on %s (use "
					  "%s)", name, what, use);
	}
	return SV_OK;
}

/* Whether member `m` is not among `keys` or not a non-empty string. */
static int only_strings_one(const cJSON *m, const char *const *keys, size_t n)
{
	size_t i = 0;

	while (i < n && strcmp(m->string, keys[i]) != 0)
		i++;
	return i == n || !cJSON_IsString(m) || !*m->valuestring;
}

/* The first member of object `o` that is not among `keys` or not a non-empty string, or NULL. */
static const char *only_strings(const cJSON *o, const char *const *keys, size_t n)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, o)
		if (only_strings_one(m, keys, n))
			return m->string;
	return NULL;
}

enum sv_err sv_param_reference(const cJSON *ref, const char *where, struct sv_error *err)
{
	static const char *const REF[] = {"reference", "type", "display"};
	static const char *const IDENT[] = {"use", "system", "value"};
	const cJSON *ident = cJSON_GetObjectItemCaseSensitive(ref, "identifier"), *m;
	const char *bad = NULL;

	if (!cJSON_IsObject(ref))
		return sv_fail_at(err, SV_EINVAL, where, "%s must be a Reference", where);
	cJSON_ArrayForEach(m, ref) {
		if (strcmp(m->string, "identifier") == 0)
			bad = cJSON_IsObject(m) ? only_strings(m, IDENT, 3) : "identifier";
		else if (only_strings_one(m, REF, 3))
			bad = m->string;
		if (bad)
			return sv_fail_at(err, SV_EINVAL, where, "%s: '%.60s' is not a Reference element this server "
					  "takes (reference, type, display as non-empty strings; identifier with use, "
					  "system, value)", where, bad);
	}
	if (!sv_jstr(ref, "reference") && !ident && !sv_jstr(ref, "display"))
		return sv_fail_at(err, SV_EINVAL, where, "%s names no one: give reference, identifier or display",
				  where);
	return SV_OK;
}

/* ---- the query string as parameters ---- */

/* _format and _pretty belong to the transport; every other query parameter goes to the operation. */
int sv_params_is_transport(const char *name)
{
	return strcmp(name, "_format") == 0 || strcmp(name, "_pretty") == 0;
}

cJSON *sv_params_from_query(const struct sv_url *url)
{
	cJSON *query = sv_params_new();
	for (size_t i = 0; i < url->nparams; i++)
		if (!sv_params_is_transport(url->params[i].name))
			sv_params_add(query, url->params[i].name, "String", url->params[i].value);
	return query;
}

enum sv_err sv_params_merge_query(cJSON *body, const struct sv_url *url, struct sv_error *err)
{
	struct sv_strmap names;
	const cJSON *p;
	uint32_t unused;
	enum sv_err rc = SV_OK;

	if (url->nparams == 0)
		return SV_OK;
	/* The body's names in a (keyed) hash first, so the check is linear in both lists. */
	sv_strmap_init(&names, (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(body, "parameter")));
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(body, "parameter"))
		sv_strmap_put(&names, sv_jstr(p, "name"), 0);
	for (size_t i = 0; i < url->nparams && rc == SV_OK; i++) {
		const char *name = url->params[i].name;
		if (!sv_params_is_transport(name) && sv_strmap_get(&names, name, &unused))
			rc = sv_fail_at(err, SV_EINVAL, name, "parameter '%.100s' is given both in the URL "
					"and in the body", name);
	}
	sv_strmap_release(&names);
	for (size_t i = 0; i < url->nparams && rc == SV_OK; i++)
		if (!sv_params_is_transport(url->params[i].name))
			sv_params_add(body, url->params[i].name, "String", url->params[i].value);
	return rc;
}
