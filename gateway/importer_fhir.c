/* importer_fhir.c — FHIR CodeSystem, ValueSet and ConceptMap files (JSON or XML, single or in a
 * Bundle) as they are, and the merge of a second language's import into an earlier one. */
#include "samsvar/importer.h"
#include "samsvar/fhirxml.h"
#include "samsvar/file.h"
#include "samsvar/library.h"
#include "samsvar/strmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int json_too_deep(const cJSON *item, int depth)
{
	const cJSON *c;

	if (depth > SV_FHIR_MAX_DEPTH)
		return 1;
	cJSON_ArrayForEach(c, item)
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && json_too_deep(c, depth + 1))
			return 1;
	return 0;
}

static size_t count_concepts(const cJSON *list)
{
	const cJSON *c;
	size_t n = 0;

	cJSON_ArrayForEach(c, list)
		n += 1 + count_concepts(cJSON_GetObjectItemCaseSensitive(c, "concept"));
	return n;
}

/* Checks one resource is a terminology resource; a complete CodeSystem's count must match. */
static enum sv_err check_terminology(const cJSON *res, const char *where, struct sv_error *err)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "resourceType"));
	const cJSON *count;
	const char *content;

	if (!cJSON_IsObject(res) || !type)
		return sv_fail(err, SV_EINVAL, "%s: not a FHIR resource (no resourceType)", where);
	if (strcmp(type, "ValueSet") == 0 || strcmp(type, "ConceptMap") == 0)
		return SV_OK;
	if (strcmp(type, "Library") == 0)    /* criteria, case-mix: their text must parse */
		return sv_library_check(res, err);
	if (strcmp(type, "CodeSystem") != 0)
		return sv_fail(err, SV_EINVAL,
			       "%s: resourceType %.64s is not CodeSystem, ValueSet, ConceptMap, Library or a Bundle of them",
			       where, type);
	count = cJSON_GetObjectItemCaseSensitive(res, "count");
	content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "content"));
	if (cJSON_IsNumber(count) && content && strcmp(content, "complete") == 0) {
		size_t n = count_concepts(cJSON_GetObjectItemCaseSensitive(res, "concept"));
		if (count->valuedouble != (double)n)
			return sv_fail(err, SV_EINVAL, "%s: CodeSystem count is %g but it holds %zu concepts",
				       where, count->valuedouble, n);
	}
	return SV_OK;
}

/* Line number of byte `off` in `buf`, for JSON parse errors. */
static size_t line_of(const char *buf, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

cJSON *sv_import_fhir_file(const char *path, struct sv_error *err)
{
	char *buf = NULL;
	size_t len = 0, i = 0;
	cJSON *doc = NULL, *list = NULL, *result = NULL;
	const char *type;

	buf = sv_file_read(path, SV_IMPORT_MAX_FILE, &len, err);
	if (!buf)
		goto out;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i + 3 <= len && memcmp(buf + i, "\xef\xbb\xbf", 3) == 0)
		i += 3;
	if (i < len && buf[i] == '<') {
		struct sv_error xerr = { 0 };
		doc = sv_fhirxml_to_json(buf, len, &xerr);
		if (!doc) {
			sv_fail(err, SV_EINVAL, "%s: %s", path, xerr.message);
			goto out;
		}
	} else {
		const char *end = NULL;
		/* +1: cJSON's null-terminated check needs the NUL inside the length */
		doc = cJSON_ParseWithLengthOpts(buf + i, len - i + 1, &end, 1);
		if (!doc) {
			size_t off = end && end >= buf + i ? (size_t)(end - buf) : i;
			sv_fail(err, SV_EINVAL, "%s:%zu: not valid JSON", path, line_of(buf, off));
			goto out;
		}
		if (json_too_deep(doc, 1)) {
			sv_fail(err, SV_EINVAL, "%s: JSON nested deeper than %d", path, SV_FHIR_MAX_DEPTH);
			goto out;
		}
	}
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "resourceType"));
	list = cJSON_CreateArray();
	if (type && strcmp(type, "Bundle") == 0) {
		cJSON *entries = cJSON_GetObjectItemCaseSensitive(doc, "entry"), *e;
		size_t n = 0;

		cJSON_ArrayForEach(e, entries) {
			char where[64];
			cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(e, "resource");

			snprintf(where, sizeof(where), "Bundle.entry[%zu].resource", n++);
			if (!res) {
				sv_fail(err, SV_EINVAL, "%s: %s is missing", path, where);
				goto out;
			}
			cJSON_AddItemToArray(list, res);
			if (check_terminology(res, where, err) != SV_OK) {
				/* prefix the file name to the message */
				char msg[sizeof(err->message)];
				snprintf(msg, sizeof(msg), "%s", err ? err->message : "");
				sv_fail(err, SV_EINVAL, "%s: %s", path, msg);
				goto out;
			}
		}
		if (n == 0) {
			sv_fail(err, SV_EINVAL, "%s: Bundle has no entries", path);
			goto out;
		}
	} else {
		if (check_terminology(doc, path, err) != SV_OK)
			goto out;
		cJSON_AddItemToArray(list, doc);
		doc = NULL;
	}
	result = list;
	list = NULL;
out:
	cJSON_Delete(list);
	cJSON_Delete(doc);
	free(buf);
	return result;
}
