/* library.c — criteria and case-mix files as FHIR Library resources (library.h). */
#include "samsvar/library.h"
#include "samsvar/jsonutil.h"
#include "samsvar/rulefile.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIBRARY_TYPES "http://terminology.hl7.org/CodeSystem/library-type"

int sv_library_is_text(const char *text, size_t len)
{
	static const char WANT[] = "@resourceType\tLibrary";
	size_t pos = len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		const char *l = text + pos;
		pos += n + 1;
		if (n == 0 || l[0] == '#' || (n == 1 && l[0] == '\r'))
			continue;
		while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
			n--;
		return n == sizeof(WANT) - 1 && memcmp(l, WANT, n) == 0;
	}
	return 0;
}

/* `text` with every {base} replaced by `base` (malloc'd, NUL-terminated; length in *outlen). */
static char *subst_base(const char *text, size_t len, const char *base, size_t *outlen)
{
	size_t bl = strlen(base), n = 0, cap = len + 1;
	char *out;

	for (size_t i = 0; i + 6 <= len; i++)
		if (memcmp(text + i, "{base}", 6) == 0)
			cap += bl;
	out = sv_xmalloc(cap);
	for (size_t i = 0; i < len;) {
		if (i + 6 <= len && memcmp(text + i, "{base}", 6) == 0) {
			memcpy(out + n, base, bl);
			n += bl;
			i += 6;
		} else {
			out[n++] = text[i++];
		}
	}
	out[n] = '\0';
	*outlen = n;
	return out;
}

/* Parses `text` by its @kind to check it; *meta gets a copy of the url, version, ... on success. */
static enum sv_err parse_kind(const char *file, const char *text, size_t len, const char *kind,
			      struct sv_rulefile_meta *meta, struct sv_error *err)
{
	struct sv_criteria *c = NULL;
	struct sv_casemix *m = NULL;
	struct sv_rulefile_meta *src;
	enum sv_err rc;

	memset(meta, 0, sizeof(*meta));
	if (strcmp(kind, "criteria") == 0)
		rc = sv_criteria_parse(file, text, len, &c, err);
	else if (strcmp(kind, "casemix") == 0)
		rc = sv_casemix_parse(file, text, len, &m, err);
	else
		return sv_fail(err, SV_EINVAL, "%.100s: @kind must be criteria or casemix (given before the column "
			       "line)", file);
	if (rc != SV_OK)
		return rc;
	src = c ? &c->meta : &m->meta;
	*meta = *src;
	memset(src, 0, sizeof(*src));    /* moved */
	sv_criteria_free(c);
	sv_casemix_free(m);
	return SV_OK;
}

static void add_opt(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
}

cJSON *sv_library_from_text(const char *file, const char *text, size_t len, const char *base,
			    struct sv_error *err)
{
	struct sv_rulefile_meta meta;
	char kind[16], *t, *b64;
	size_t tlen, blen;
	cJSON *lib = NULL, *type, *coding, *art, *content;

	if (len > SV_RULEFILE_MAX_TEXT) {
		sv_fail(err, SV_ETOOBIG, "%.100s: larger than %d bytes", file, SV_RULEFILE_MAX_TEXT);
		return NULL;
	}
	t = subst_base(text, len, base, &tlen);
	sv_rulefile_kind(t, tlen, kind, sizeof(kind));
	if (parse_kind(file, t, tlen, kind, &meta, err) != SV_OK)
		goto out;
	lib = cJSON_CreateObject();
	cJSON_AddStringToObject(lib, "resourceType", "Library");
	if (meta.source) {     /* provenance, as the maps carry it (mappings/README.md) */
		cJSON *ext = cJSON_CreateObject();
		char url[1100];
		snprintf(url, sizeof(url), "%s/StructureDefinition/content-source", base);
		cJSON_AddStringToObject(ext, "url", url);
		cJSON_AddStringToObject(ext, "valueString", meta.source);
		cJSON_AddItemToArray(cJSON_AddArrayToObject(lib, "extension"), ext);
	}
	cJSON_AddStringToObject(lib, "url", meta.url);
	cJSON_AddStringToObject(lib, "version", meta.version);
	cJSON_AddStringToObject(lib, "name", meta.name);
	add_opt(lib, "title", meta.title);
	cJSON_AddStringToObject(lib, "status", meta.status);
	type = cJSON_AddObjectToObject(lib, "type");
	coding = cJSON_CreateObject();
	cJSON_AddStringToObject(coding, "system", LIBRARY_TYPES);
	cJSON_AddStringToObject(coding, "code", "asset-collection");
	cJSON_AddStringToObject(coding, "display", "Asset Collection");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(type, "coding"), coding);
	cJSON_AddStringToObject(type, "text", strcmp(kind, "criteria") == 0 ? "IPLOS allocation criteria (samsvar "
				"criteria file)" : "IPLOS case-mix table (samsvar case-mix file)");
	add_opt(lib, "date", meta.date);
	add_opt(lib, "publisher", meta.publisher);
	add_opt(lib, "description", meta.description);
	add_opt(lib, "copyright", meta.copyright);
	art = cJSON_CreateObject();
	cJSON_AddStringToObject(art, "type", "citation");
	cJSON_AddStringToObject(art, "citation", meta.document);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(lib, "relatedArtifact"), art);
	blen = sodium_base64_ENCODED_LEN(tlen, sodium_base64_VARIANT_ORIGINAL);
	b64 = sv_xmalloc(blen);
	sodium_bin2base64(b64, blen, (const unsigned char *)t, tlen, sodium_base64_VARIANT_ORIGINAL);
	content = cJSON_CreateObject();
	cJSON_AddStringToObject(content, "contentType", SV_LIBRARY_CONTENT_TYPE);
	cJSON_AddStringToObject(content, "data", b64);
	cJSON_AddStringToObject(content, "title", kind);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(lib, "content"), content);
	free(b64);
out:
	sv_rulefile_meta_release(&meta);
	free(t);
	return lib;
}

/* The decoded text of the first content attachment with our content type; NULL when there is none
 * (*bad set when there is one that is not base64). */
static char *text_of(const cJSON *lib, size_t *len, int *bad)
{
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(lib, "content"), 0);
	const char *ct = sv_jstr(c, "contentType"), *data = sv_jstr(c, "data");
	size_t dl;
	char *out;

	*bad = 0;
	if (!ct || strncmp(ct, SV_LIBRARY_CONTENT_TYPE, sizeof(SV_LIBRARY_CONTENT_TYPE) - 1) != 0 || !data)
		return NULL;
	dl = strlen(data);
	if (dl / 4 * 3 > SV_RULEFILE_MAX_TEXT + 3) {
		*bad = 2;
		return NULL;
	}
	out = sv_xmalloc(dl / 4 * 3 + 4);
	if (sodium_base642bin((unsigned char *)out, dl / 4 * 3 + 3, data, dl, "\r\n", len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		free(out);
		*bad = 1;
		return NULL;
	}
	out[*len] = '\0';
	return out;
}

const char *sv_library_kind(const cJSON *lib, char *buf, size_t cap)
{
	size_t len;
	int bad;
	char *t = text_of(lib, &len, &bad);

	buf[0] = '\0';
	if (t && sv_library_is_text(t, len))
		sv_rulefile_kind(t, len, buf, cap);
	free(t);
	return buf[0] ? buf : NULL;
}

/* Decodes the text of `lib` for reading its rules; the file name for messages goes to name[]. */
static char *rules_text(const cJSON *lib, char *name, size_t cap, size_t *len, struct sv_error *err)
{
	int bad;
	char *t = text_of(lib, len, &bad);

	snprintf(name, cap, "Library %.200s|%.40s", sv_jstr(lib, "url") ? sv_jstr(lib, "url") : "",
		 sv_jstr(lib, "version") ? sv_jstr(lib, "version") : "");
	if (!t)
		sv_fail(err, bad == 2 ? SV_ETOOBIG : SV_EINVAL, "%s: content[0] is not a %s attachment with base64 "
			"data%s", name, SV_LIBRARY_CONTENT_TYPE, bad == 2 ? " (over the size cap)" : "");
	return t;
}

/* Parses the text of `lib` as criteria (*crit) or a case-mix table (*cmix): the one not NULL. */
static enum sv_err read_rules(const cJSON *lib, struct sv_criteria **crit, struct sv_casemix **cmix,
			      struct sv_error *err)
{
	char name[256];
	size_t len;
	char *t = rules_text(lib, name, sizeof(name), &len, err);
	enum sv_err rc;

	if (!t)
		return err ? err->code : SV_EINVAL;
	rc = crit ? sv_criteria_parse(name, t, len, crit, err) : sv_casemix_parse(name, t, len, cmix, err);
	free(t);
	return rc;
}

enum sv_err sv_library_criteria(const cJSON *lib, struct sv_criteria **out, struct sv_error *err)
{
	*out = NULL;
	return read_rules(lib, out, NULL, err);
}

enum sv_err sv_library_casemix(const cJSON *lib, struct sv_casemix **out, struct sv_error *err)
{
	*out = NULL;
	return read_rules(lib, NULL, out, err);
}

enum sv_err sv_library_check(const cJSON *lib, struct sv_error *err)
{
	struct sv_rulefile_meta meta;
	char kind[16], name[256];
	size_t len;
	int bad;
	char *t = text_of(lib, &len, &bad);
	enum sv_err rc = SV_OK;

	if (bad)
		return sv_fail_at(err, bad == 2 ? SV_ETOOBIG : SV_EINVAL, "Library.content[0].data",
				  "Library.content[0]: the %s data is not base64%s", SV_LIBRARY_CONTENT_TYPE,
				  bad == 2 ? " or over the size cap" : "");
	if (!t || !sv_library_is_text(t, len)) {
		free(t);
		return SV_OK;
	}
	snprintf(name, sizeof(name), "Library.content[0]");
	sv_rulefile_kind(t, len, kind, sizeof(kind));
	rc = parse_kind(name, t, len, kind, &meta, err);
	if (rc == SV_OK && (!sv_jstr(lib, "url") || strcmp(sv_jstr(lib, "url"), meta.url) != 0 ||
			    !sv_jstr(lib, "version") || strcmp(sv_jstr(lib, "version"), meta.version) != 0))
		rc = sv_fail_at(err, SV_EINVAL, "Library.content[0]", "Library.content[0]: the text's @url|@version "
				"(%.200s|%.40s) differ from the Library's url and version", meta.url, meta.version);
	sv_rulefile_meta_release(&meta);
	free(t);
	return rc;
}
