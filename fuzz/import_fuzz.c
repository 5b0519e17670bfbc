/* import_fuzz.c — libFuzzer target for the importers (ICF table, ICF ClaML, SNOMED CT GPS, RF2
 * concept rows of a Snapshot and of a Full release, FHIR JSON/XML files). The first input byte picks the importer, the rest is the file.
 *
 * Besides memory safety it checks that every failure says why (a code and a message), that a
 * CodeSystem that comes back has a `count` equal to its concepts, and that importing it again over
 * itself (sv_import_merge_codesystem) neither refuses, drops, carries nor adds anything.
 *
 * Build and run with `make fuzz` (seeds in fuzz/corpus/import/); replay one input with
 * build-fuzz/import_fuzz FILE. */
#include "samsvar/error.h"
#include "samsvar/import_merge.h"
#include "samsvar/importer.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64], full[64];

/* Writes file `name` of folder `in`. */
static void put_in(const char *in, const char *name, const void *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", in, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static void put(const char *name, const void *p, size_t n)
{
	put_in(dir, name, p, n);
}

static void set_up(void)
{
	static const char desc[] = "id\teffectiveTime\tactive\tmoduleId\tconceptId\tlanguageCode\ttypeId\t"
				   "term\tcaseSignificanceId\r\n";
	static const char rel[] = "id\teffectiveTime\tactive\tmoduleId\tsourceId\tdestinationId\t"
				  "relationshipGroup\ttypeId\tcharacteristicTypeId\tmodifierId\r\n";

	snprintf(dir, sizeof(dir), "/tmp/sv-import-fuzz-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	put("sct2_Description_Snapshot-en_INT_20200731.txt", desc, sizeof(desc) - 1);
	put("sct2_Relationship_Snapshot_INT_20200731.txt", rel, sizeof(rel) - 1);
	/* A Full release's folder: its concept rows are read as their latest state (two passes). */
	snprintf(full, sizeof(full), "/tmp/sv-import-fuzz-full-XXXXXX");
	if (!mkdtemp(full))
		abort();
	put_in(full, "sct2_Description_Full-en_INT_20200731.txt", desc, sizeof(desc) - 1);
	put_in(full, "sct2_Relationship_Full_INT_20200731.txt", rel, sizeof(rel) - 1);
}

/* The same CodeSystem imported twice: the second import replaces the first and changes nothing. */
static void merge_with_itself(const cJSON *cs)
{
	struct sv_merge_report rep;
	struct sv_error err = { 0 };
	cJSON *again = cJSON_Duplicate(cs, 1);

	enum sv_err rc = sv_import_merge_codesystem(again, cs, 0, &rep, &err);

	/* A code defined twice is refused, saying which; anything else merges to itself. */
	if (rc == SV_EINVAL ? !strstr(err.message, "more than once")
			    : rc != SV_OK || rep.action != SV_MERGE_REPLACED || rep.carried || rep.designations ||
				      rep.parents || !cJSON_Compare(again, cs, 1))
		abort();
	cJSON_Delete(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sv_error err = { 0 };
	char path[128];
	cJSON *out = NULL;
	const cJSON *count;

	if (!dir[0])
		set_up();
	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0:
		put("in.tsv", data + 1, size - 1);
		snprintf(path, sizeof(path), "%s/in.tsv", dir);
		out = sv_import_icf_tsv(path, &err);
		break;
	case 1:
		put("in.xml", data + 1, size - 1);
		snprintf(path, sizeof(path), "%s/in.xml", dir);
		out = sv_import_icf_claml(path, &err);
		break;
	case 2:
		put("in.json", data + 1, size - 1);
		snprintf(path, sizeof(path), "%s/in.json", dir);
		out = sv_import_snomed_gps(path, &err);
		break;
	case 3:
		put("sct2_Concept_Snapshot_INT_20200731.txt", data + 1, size - 1);
		out = sv_import_snomed_rf2(dir, &err);
		break;
	case 4:
		put_in(full, "sct2_Concept_Full_INT_20200731.txt", data + 1, size - 1);
		out = sv_import_snomed_rf2(full, &err);
		break;
	default:
		put("in.fhir", data + 1, size - 1);
		snprintf(path, sizeof(path), "%s/in.fhir", dir);
		out = sv_import_fhir_file(path, &err);
		break;
	}
	if (!out) {
		if (err.code == SV_OK || !err.message[0])
			abort(); /* a failure must always say why */
		return 0;
	}
	count = cJSON_GetObjectItemCaseSensitive(out, "count");
	if (cJSON_IsObject(out) &&
	    count->valueint != cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "concept")))
		abort();
	if (cJSON_IsObject(out))
		merge_with_itself(out);
	cJSON_Delete(out);
	return 0;
}
