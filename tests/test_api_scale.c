/* test_api_scale.c — a generated SNOMED CT edition (tools/gen-rf2.py) through the real daemon and CLI:
 * `$expand` of isa/<concept> and filter=<word> agree with the engine's answers on the same files, and a
 * truncated RF2 file is refused with its file and line while the store keeps what it held. */
#include "samsvar/importer.h"
#include "samsvar/snapshot.h"
#include "support/daemon.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCT "http://snomed.info/sct"
#define DESC_FILE "Snapshot/Terminology/sct2_Description_Snapshot-en_INT_20250131.txt"

/* GET until the daemon answers `want` (ts_poll_get), failing the test when it never does. */
static cJSON *poll_get(const struct ts_daemon *d, const char *path, long want)
{
	cJSON *j = ts_poll_get(d, path, want);
	cr_assert_not_null(j, "GET %s never answered %ld", path, want);
	return j;
}

static long total_of(const cJSON *vs)
{
	return (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "expansion"), "total"));
}

Test(api_scale, generated_edition_expand_and_truncated_import)
{
	struct ts_daemon d;
	struct sv_error err = { 0 };
	struct sv_snapshot_builder b;
	struct sv_snapshot *s;
	const struct sv_codesystem *cs;
	struct sv_text_query q;
	char *vh, *out, cmd[4096], path[700], dir[600], bad[700];
	const char *sub;
	cJSON *m, *vs, *json;
	size_t n;
	uint32_t *v;

	TS_REQUIRE_SHARED(vh, "tools/verhoeff.py");
	free(vh);
	cr_assert_eq(ts_daemon_start(&d, NULL), 0);
	m = ts_gen_rf2(&d, "--concepts 4000 --seed 11", dir, sizeof(dir));
	sub = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(m, "subtree"), "code"));
	snprintf(path, sizeof(path), "%s/SnomedCT_SyntheticINT_20250131", dir);
	snprintf(cmd, sizeof(cmd), "import --store %s/store.db --snomed-rf2 %s", d.dir, path);
	cr_assert_eq(ts_samsvar(cmd, &out), 0, "%s", out);
	free(out);

	/* What the engine answers on the same files. */
	json = sv_import_snomed_rf2(path, &err);
	cr_assert_not_null(json, "%s", err.message);
	sv_builder_init(&b);
	cr_assert_eq(sv_builder_add(&b, json, &err), SV_OK);
	s = sv_builder_build(&b, &err);
	sv_builder_release(&b);
	cs = sv_snapshot_codesystem(s, SCT, NULL);
	cr_assert_not_null(cs);

	snprintf(cmd, sizeof(cmd), "/fhir/ValueSet/$expand?url=" SCT "%%3Ffhir_vs%%3Disa/%s&count=3", sub);
	vs = poll_get(&d, cmd, 200);
	cr_assert_eq(total_of(vs), (long)sv_codesystem_descendant_count(cs, (uint32_t)(sv_codesystem_concept(cs, sub) - cs->concepts)));
	cr_assert_gt(total_of(vs), 10, "the subtree is too small to test anything");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(vs, "expansion"), "contains")), 3);
	cJSON_Delete(vs);

	cr_assert_eq(sv_text_query_init(&q, "chron PA"), 2);
	v = sv_codesystem_text_search(s, cs, &q, &n);
	free(v);
	cr_assert_gt(n, 0);
	vs = poll_get(&d, "/fhir/ValueSet/$expand?url=" SCT "%3Ffhir_vs&filter=chron%20PA&count=5", 200);
	cr_assert_eq(total_of(vs), (long)n, "filter: %ld from the daemon, %zu from the engine", total_of(vs), n);
	cJSON_Delete(vs);

	/* A truncated description file: refused naming the file and its last line; the store unchanged. */
	snprintf(bad, sizeof(bad), "%s/bad", d.dir);
	snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s' && f='%s/" DESC_FILE "' && "
		 "python3 -c 'import sys; p=sys.argv[1]; b=open(p,\"rb\").read(); open(p,\"wb\").write(b[:len(b)-40])' \"$f\"",
		 path, bad, bad);
	cr_assert_eq(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "import --store %s/store.db --snomed-rf2 %s", d.dir, bad);
	cr_assert_neq(ts_samsvar(cmd, &out), 0, "a truncated file was imported");
	cr_assert(strstr(out, "sct2_Description_Snapshot-en_INT_20250131.txt:") && strstr(out, "columns, expected 9"),
		  "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "/fhir/ValueSet/$expand?url=" SCT "%%3Ffhir_vs%%3Disa/%s&count=3", sub);
	vs = poll_get(&d, cmd, 200);
	cr_assert_eq(total_of(vs), (long)sv_codesystem_descendant_count(cs, (uint32_t)(sv_codesystem_concept(cs, sub) - cs->concepts)));
	cJSON_Delete(vs);
	snprintf(cmd, sizeof(cmd), "/fhir/CodeSystem/$lookup?system=" SCT "&code=%s",
		 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "leaf")));
	cJSON_Delete(poll_get(&d, cmd, 200));
	sv_snapshot_release(s);
	cJSON_Delete(m);
	cr_assert_eq(ts_daemon_stop(&d), 0);
}
