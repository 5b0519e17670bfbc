/* params_fuzz.c — libFuzzer target for request bodies: sv_http_parse_body (JSON, or FHIR XML when the
 * input starts with '<'), then sv_params_check and every typed Parameters getter on each parameter;
 * the same bytes, NUL-terminated in an exact-size buffer, also go through sv_http_negotiate,
 * sv_http_accept_language and sv_http_body_format as Accept / Accept-Language / Content-Type headers.
 *
 * Checks: no crash or sanitizer report; a failure always says why (code and message set); an accepted
 * JSON body renders, re-parses and renders again to the same text; whatever sv_params_check accepts is safe to read.
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/params/); replay one input with
 * build-fuzz/params_fuzz FILE. */
#include "samsvar/error.h"
#include "samsvar/fhirxml.h"
#include "samsvar/http_body.h"
#include "samsvar/params.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void must_say_why(enum sv_err rc, const struct sv_error *err, const char *what)
{
	if (rc != SV_OK && (err->code != rc || !err->message[0])) {
		fprintf(stderr, "%s failed (%d) without saying why\n", what, rc);
		abort();
	}
}

static void headers(const uint8_t *data, size_t size)
{
	char *h = malloc(size + 1);
	struct sv_error err = {0};
	enum sv_format fmt;
	int fv = 4;
	enum sv_err rc;

	memcpy(h, data, size);
	h[size] = '\0';
	rc = sv_http_negotiate(NULL, h, &fmt, &fv, &err);
	must_say_why(rc, &err, "sv_http_negotiate(Accept)");
	rc = sv_http_negotiate(h, NULL, &fmt, &fv, &err);
	if (rc != SV_OK && h[0])
		must_say_why(rc, &err, "sv_http_negotiate(_format)");
	{
		/* As Accept-Language: what is picked is a tag that fits, of letters, digits and '-'. */
		char lang[36];
		int picked = sv_http_accept_language(h, lang, sizeof(lang));
		if (picked != (lang[0] != '\0') || strlen(lang) >= sizeof(lang) ||
		    strspn(lang, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != strlen(lang))
			abort();
	}
	rc = sv_http_body_format(h, &fmt, &fv, &err);
	must_say_why(rc, &err, "sv_http_body_format");
	if ((rc == SV_OK && fmt != SV_FMT_JSON && fmt != SV_FMT_XML) || (fv != 4 && fv != 5))
		abort();
	free(h);
}

static void read_every_parameter(const cJSON *params, int depth)
{
	const cJSON *p, *list = cJSON_GetObjectItemCaseSensitive(params, depth ? "part" : "parameter");

	cJSON_ArrayForEach(p, list) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "name"));
		struct sv_error err = {0};
		cJSON *coding;
		long n;
		int b;
		enum sv_err rc;

		if (!name)
			abort(); /* sv_params_check promised every parameter has a name */
		(void)sv_params_get(params, name);
		(void)sv_params_count(params, name);
		(void)sv_params_string(params, name);
		rc = sv_params_bool(params, name, 0, &b, &err);
		must_say_why(rc, &err, "sv_params_bool");
		rc = sv_params_int(params, name, 0, -1000000, 1000000, &n, &err);
		must_say_why(rc, &err, "sv_params_int");
		coding = sv_param_coding(p, name, &err);
		if (!coding && (err.code != SV_EINVAL || !err.message[0]))
			abort();
		cJSON_Delete(coding);
		if (!sv_param_codeableconcept(p, name, &err) && err.code != SV_EINVAL)
			abort();
		if (depth < 8)
			read_every_parameter(p, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_error err = {0};
	enum sv_format fmt = size && data[0] == '<' ? SV_FMT_XML : SV_FMT_JSON;
	cJSON *body, *again, *ref;
	struct sv_body held, held2;
	char *text, *text2, *reftext;
	size_t len = 0, len2 = 0;
	enum sv_err rc;

	sv_fhirxml_init();
	headers(data, size);
	body = sv_http_parse_body((const char *)data, size, fmt, 500000, &held, &err);
	if (!body) {
		must_say_why(err.code == SV_OK ? SV_EINTERNAL : err.code, &err, "sv_http_parse_body");
		return 0;
	}
	if (fmt == SV_FMT_JSON) {
		text = sv_http_render(body, SV_FMT_JSON, 0, 4, &len, &err);
		if (!text)
			abort();
		/* Compared as text: cJSON_Compare cannot tell objects with duplicate keys apart. */
		again = sv_http_parse_body(text, len, SV_FMT_JSON, 500000, &held2, &err);
		text2 = again ? sv_http_render(again, SV_FMT_JSON, 0, 4, &len2, &err) : NULL;
		if (!text2 || len2 != len || memcmp(text, text2, len) != 0) {
			fprintf(stderr, "render/parse round trip differs: %s\n", text);
			abort();
		}
		/* The one-block build must read exactly what cJSON reads. */
		ref = cJSON_ParseWithLength((const char *)data, size);
		reftext = ref ? cJSON_PrintUnformatted(ref) : NULL;
		if (!reftext || strlen(reftext) != len || memcmp(reftext, text, len) != 0) {
			fprintf(stderr, "the body build differs from cJSON: %s\n", text);
			abort();
		}
		cJSON_Delete(ref);
		free(reftext);
		sv_body_release(&held2);
		free(text);
		free(text2);
	}
	rc = sv_params_check(body, &err);
	must_say_why(rc, &err, "sv_params_check");
	if (rc == SV_OK)
		read_every_parameter(body, 0);
	sv_body_release(&held);
	return 0;
}
