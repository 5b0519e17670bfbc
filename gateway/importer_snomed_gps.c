/* importer_snomed_gps.c — the SNOMED CT Global Patient Set (a FHIR ValueSet) into a CodeSystem
 * fragment of http://snomed.info/sct; every code is checked with sv_import_sctid_check() (digits,
 * partition, Verhoeff check digit). The RF2 importer is importer_snomed.c. */
#include "samsvar/importer.h"
#include "samsvar/importer_common.h"
#include "samsvar/file.h"
#include "samsvar/systems.h"

#include <stdlib.h>
#include <string.h>

/* The fully specified name description type (in the GPS; passes ../shared/tools/verhoeff.py). */
#define SCT_FSN "900000000000003001"

static cJSON *fsn_designation(const char *value)
{
	return sv_imp_designation_new("en", SV_SYS_SNOMED, SCT_FSN, "Fully specified name", value);
}

cJSON *sv_import_snomed_gps(const char *path, struct sv_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	cJSON *vs = NULL, *concepts = NULL, *result = NULL, *inc;
	const cJSON *item;
	const char *version = NULL, *copyright, *title;

	buf = sv_file_read(path, SV_IMPORT_MAX_FILE, &len, err);
	if (!buf)
		goto out;
	vs = cJSON_ParseWithLength(buf, len);
	if (!vs) {
		sv_fail(err, SV_EINVAL, "%s: not valid JSON", path);
		goto out;
	}
	item = cJSON_GetObjectItemCaseSensitive(vs, "resourceType");
	if (!cJSON_IsString(item) || strcmp(item->valuestring, "ValueSet") != 0) {
		sv_fail(err, SV_EINVAL, "%s: not a FHIR ValueSet", path);
		goto out;
	}
	copyright = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vs, "copyright"));
	title = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vs, "title"));
	inc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "compose"), "include");
	if (!cJSON_IsArray(inc) || cJSON_GetArraySize(inc) == 0) {
		sv_fail(err, SV_EINVAL, "%s: ValueSet has no compose.include", path);
		goto out;
	}
	concepts = cJSON_CreateArray();
	cJSON_ArrayForEach(item, inc) {
		const char *system = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "system"));
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "version"));
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(item, "concept"), *c;

		if (!system || strcmp(system, SV_SYS_SNOMED) != 0 || !v || !cJSON_IsArray(list)) {
			sv_fail(err, SV_EINVAL, "%s: compose.include is not an enumerated %s include with a version",
				path, SV_SYS_SNOMED);
			goto out;
		}
		if (version && strcmp(version, v) != 0) {
			sv_fail(err, SV_EINVAL, "%s: includes name two editions (%s, %s)", path, version, v);
			goto out;
		}
		version = v;
		cJSON_ArrayForEach(c, list) {
			const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "code"));
			const char *display = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "display"));
			const char *why = code ? sv_import_sctid_check(code) : "missing";
			cJSON *concept, *des;

			if (why) {
				sv_fail(err, SV_EINVAL, "%s: concept code '%.32s': %s", path, code ? code : "", why);
				goto out;
			}
			concept = cJSON_CreateObject();
			cJSON_AddItemToArray(concepts, concept);
			cJSON_AddStringToObject(concept, "code", code);
			if (display && display[0]) {
				/* The GPS displays are the fully specified names. */
				cJSON_AddStringToObject(concept, "display", display);
				des = cJSON_AddArrayToObject(concept, "designation");
				cJSON_AddItemToArray(des, fsn_designation(display));
			}
		}
	}
	{
		const struct sv_cs_meta meta = {
			.url = SV_SYS_SNOMED,
			.version = version,
			.name = "SNOMED_CT_GPS",
			.title = title ? title : "SNOMED CT Global Patient Set",
			.publisher = "SNOMED International",
			.content = "fragment",
			.language = "en",
			.copyright = copyright, /* CC BY 4.0 attribution: kept verbatim */
			.description = "The SNOMED CT Global Patient Set, imported from its FHIR ValueSet: a "
				       "fragment of SNOMED CT without hierarchy.",
		};
		result = sv_imp_codesystem(&meta, concepts);
		concepts = NULL;
	}
out:
	cJSON_Delete(concepts);
	cJSON_Delete(vs);
	free(buf);
	return result;
}

