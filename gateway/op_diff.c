/* op_diff.c — GET {type}/$diff?url&from&to: what a reviewer checks before $publish, as Parameters
 * (JSON or XML) or, with output=csv, as CSV for a spreadsheet. Both versions come from the snapshot
 * being served, drafts included. */
#include "samsvar/diff.h"
#include "samsvar/fhirapi.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const KIND[] = {"added", "removed", "changed"};

/* What the two kinds of resource compare, in CSV column order. */
static const char *const MAP_FIELDS[] = {"equivalence", "comment", "dependsOn"};
static const char *const CS_FIELDS[] = {"display", "definition"};

/* A growing string. */
struct text {
	char *s;
	size_t n, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->n + n + 1 > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 4096;
		while (t->cap < t->n + n + 1)
			t->cap *= 2;
		t->s = sv_xrealloc(t->s, t->cap);
	}
	memcpy(t->s + t->n, s, n);
	t->n += n;
	t->s[t->n] = '\0';
}

static void puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* The text of member `name` of a row's object: a string as it is; dependsOn as "property=system|value"
 * items joined by "; ". Appends to t (nothing when absent). */
static void field_text(struct text *t, const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name), *d;
	int first = 1;

	if (cJSON_IsString(v)) {
		puts_(t, v->valuestring);
		return;
	}
	if (!cJSON_IsArray(v))
		return;
	cJSON_ArrayForEach(d, v) {
		if (!first)
			puts_(t, "; ");
		first = 0;
		puts_(t, sv_jstr(d, "property") ? sv_jstr(d, "property") : "");
		puts_(t, "=");
		if (sv_jstr(d, "system")) {
			puts_(t, sv_jstr(d, "system"));
			puts_(t, "|");
		}
		puts_(t, sv_jstr(d, "value") ? sv_jstr(d, "value") : "");
	}
}

/* One CSV cell (RFC 4180 quoting), then a comma or, for the last of a row, CRLF. A cell a spreadsheet
 * would take for a formula gets a leading apostrophe, so a reviewer's sheet never runs what a map says. */
static void cell(struct text *t, const char *v, int last)
{
	const char *defuse;

	v = v ? v : "";
	defuse = v[0] && strchr("=+-@\t\r", v[0]) ? "'" : "";
	if (strpbrk(v, ",\"\r\n")) {
		puts_(t, "\"");
		puts_(t, defuse);
		for (const char *p = v; *p; p++)
			puts_(t, *p == '"' ? "\"\"" : (char[2]){*p, '\0'});
		puts_(t, "\"");
	} else {
		puts_(t, defuse);
		puts_(t, v);
	}
	puts_(t, last ? "\r\n" : ",");
}

static void field_cell(struct text *t, const cJSON *obj, const char *name, int last)
{
	struct text v = {0};
	field_text(&v, obj, name);
	cell(t, v.s, last);
	free(v.s);
}

static char *to_csv(const struct sv_diff *d, int is_cs, size_t *len)
{
	const char *const *fields = is_cs ? CS_FIELDS : MAP_FIELDS;
	size_t nf = is_cs ? 2 : 3;
	struct text t = {0};

	puts_(&t, is_cs ? "change,code,changed_fields,display_before,display_after,definition_before,definition_after\r\n" :
	      "change,source_system,source_code,target_system,target_code,changed_fields,equivalence_before,"
	      "equivalence_after,comment_before,comment_after,depends_on_before,depends_on_after\r\n");
	for (size_t i = 0; i < d->n; i++) {
		const struct sv_diff_row *r = &d->rows[i];
		cell(&t, KIND[r->kind], 0);
		if (!is_cs)
			cell(&t, r->source_system, 0);
		cell(&t, r->code, 0);
		if (!is_cs) {
			cell(&t, r->target_system, 0);
			cell(&t, r->target, 0);
		}
		cell(&t, r->fields, 0);
		for (size_t f = 0; f < nf; f++) {
			field_cell(&t, r->before, fields[f], 0);
			field_cell(&t, r->after, fields[f], f + 1 == nf);
		}
	}
	*len = t.n;
	return t.s;
}

static void add_coding(cJSON *parts, const char *name, const char *system, const char *code)
{
	cJSON *p = cJSON_CreateObject(), *c;
	cJSON_AddStringToObject(p, "name", name);
	c = cJSON_AddObjectToObject(p, "valueCoding");
	if (system)
		cJSON_AddStringToObject(c, "system", system);
	cJSON_AddStringToObject(c, "code", code);
	cJSON_AddItemToArray(parts, p);
}

static void add_string(cJSON *parts, const char *name, const char *value)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", name);
	cJSON_AddStringToObject(p, "valueString", value);
	cJSON_AddItemToArray(parts, p);
}

/* The fields of one row: for a changed field {name, part: [before, after]}, otherwise its value. */
static void add_fields(cJSON *parts, const struct sv_diff_row *r, const char *const *fields, size_t nf)
{
	for (size_t f = 0; f < nf; f++) {
		struct text before = {0}, after = {0};
		field_text(&before, r->before, fields[f]);
		field_text(&after, r->after, fields[f]);
		if (r->kind == SV_DIFF_CHANGED && (before.s || after.s) &&
		    strcmp(before.s ? before.s : "", after.s ? after.s : "") != 0) {
			cJSON *p = cJSON_CreateObject(), *sub;
			cJSON_AddStringToObject(p, "name", fields[f]);
			sub = cJSON_AddArrayToObject(p, "part");
			if (before.s)
				add_string(sub, "before", before.s);
			if (after.s)
				add_string(sub, "after", after.s);
			cJSON_AddItemToArray(parts, p);
		} else if (r->kind != SV_DIFF_CHANGED && (before.s || after.s)) {
			add_string(parts, fields[f], before.s ? before.s : after.s);
		}
		free(before.s);
		free(after.s);
	}
}

static cJSON *to_parameters(const struct sv_diff *d, int is_cs, const char *url, const char *from, const char *to)
{
	cJSON *out = sv_params_new(), *list = cJSON_AddArrayToObject(out, "parameter");
	size_t counts[3] = {0};

	add_string(list, "url", url);
	add_string(list, "from", from);
	add_string(list, "to", to);
	for (size_t i = 0; i < d->n; i++) {
		const struct sv_diff_row *r = &d->rows[i];
		cJSON *p = cJSON_CreateObject(), *parts;
		counts[r->kind]++;
		cJSON_AddStringToObject(p, "name", KIND[r->kind]);
		parts = cJSON_AddArrayToObject(p, "part");
		add_coding(parts, is_cs ? "code" : "source", r->source_system, r->code);
		if (r->target)
			add_coding(parts, "target", r->target_system, r->target);
		add_fields(parts, r, is_cs ? CS_FIELDS : MAP_FIELDS, is_cs ? 2 : 3);
		cJSON_AddItemToArray(list, p);
	}
	for (int k = 0; k < 3; k++) {
		char name[24];
		cJSON *p = cJSON_CreateObject();
		snprintf(name, sizeof(name), "%sCount", KIND[k]);
		cJSON_AddStringToObject(p, "name", name);
		cJSON_AddNumberToObject(p, "valueInteger", (double)counts[k]);
		cJSON_AddItemToArray(list, p);
	}
	return out;
}

/* The resource of the request's type with `url` and exactly `version` in the snapshot, or NULL. */
static const cJSON *version_of(const struct sv_request *req, const char *url, const char *version)
{
	if (strcmp(req->type, "CodeSystem") == 0) {
		const struct sv_codesystem *cs = sv_snapshot_codesystem(req->snap, url, version);
		return cs && strcmp(cs->version, version) == 0 ? cs->resource : NULL;
	}
	const struct sv_resource *cm = sv_snapshot_conceptmap(req->snap, url, version);
	return cm ? cm->resource : NULL;
}

enum sv_err sv_op_diff(struct sv_request *req, cJSON **out, int *status)
{
	static const char *const names[] = {"url", "from", "to"};
	const char *v[3], *output = sv_params_string(req->params, "output");
	const cJSON *from, *to;
	struct sv_diff d = {0};
	int is_cs = strcmp(req->type, "CodeSystem") == 0;

	(void)status;
	if (req->id)
		return sv_fail(&req->err, SV_EINVAL, "$diff is called on the type: GET /fhir/%s/$diff?url=...&from=..."
			       "&to=...", req->type);
	for (int i = 0; i < 3; i++)
		if (!(v[i] = sv_params_string(req->params, names[i])))
			return sv_fail_at(&req->err, SV_EREQUIRED, names[i], "$diff needs url, from and to (the two "
					  "versions compared)");
	if (output && strcmp(output, "csv") != 0)
		return sv_fail_at(&req->err, SV_EINVAL, "output", "output is 'csv' or absent (Parameters)");
	if (!(from = version_of(req, v[0], v[1])))
		return sv_fail_at(&req->err, SV_ENOTFOUND, "from", "%s %.300s|%.100s is not known", req->type, v[0], v[1]);
	if (!(to = version_of(req, v[0], v[2])))
		return sv_fail_at(&req->err, SV_ENOTFOUND, "to", "%s %.300s|%.100s is not known", req->type, v[0], v[2]);
	sv_diff_resources(from, to, &d);
	if (output) {
		req->json = to_csv(&d, is_cs, &req->json_len);
		req->raw_type = "text/csv; charset=utf-8";
	} else {
		*out = to_parameters(&d, is_cs, v[0], v[1], v[2]);
	}
	sv_diff_release(&d);
	return SV_OK;
}
